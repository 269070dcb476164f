/* The bytes of a 64-bit word compared all at once, for scanners that look for a few special
 * characters in long runs of text (CSV quotes, JSON string ends). */
#ifndef M365_CORE_SWAR_H
#define M365_CORE_SWAR_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The 8 bytes at p, in memory order. */
static inline uint64_t m365_swar_load(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* 0x80 in each byte of w that equals c, 0 elsewhere. Exact: no carry crosses a byte. */
static inline uint64_t m365_swar_eq(uint64_t w, unsigned char c)
{
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7full;
    uint64_t x = w ^ (0x0101010101010101ull * c); /* the bytes equal to c become zero */
    return ~(((x & low7) + low7) | x) & ~low7;
}

/* Position (0..7) of the first flagged byte, in memory order, of a non-zero mask. */
static inline size_t m365_swar_first(uint64_t m)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (size_t)__builtin_ctzll(m) / 8;
#else
    return (size_t)__builtin_clzll(m) / 8;
#endif
}

/* Set bits of x. Spelled out because the x86-64 baseline has no POPCNT instruction, and
 * __builtin_popcountll there is a call into libgcc for every word. */
static inline unsigned m365_popcount64(uint64_t x)
{
#if defined(__POPCNT__)
    return (unsigned)__builtin_popcountll(x);
#else
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (unsigned)((x * 0x0101010101010101ull) >> 56);
#endif
}

/* Whether n bytes at a and b are the same: memcmp's answer without its call, for the short
 * strings compared by the million (interned values, field names), 8 bytes at a time with the
 * last word overlapping. */
static inline int m365_mem_eq(const void *a, const void *b, size_t n)
{
    const char *p = a, *q = b;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            if (m365_swar_load(p + i) != m365_swar_load(q + i)) {
                return 0;
            }
        }
        return m365_swar_load(p + n - 8) == m365_swar_load(q + n - 8);
    }
    if (n >= 4) {
        uint32_t x0, y0, x1, y1;
        memcpy(&x0, p, 4);
        memcpy(&y0, q, 4);
        memcpy(&x1, p + n - 4, 4);
        memcpy(&y1, q + n - 4, 4);
        return x0 == y0 && x1 == y1;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] != q[i]) {
            return 0;
        }
    }
    return 1;
}

#if defined(__SSE2__)
#include <emmintrin.h>

/* The bytes equal to c among the 64 at p, as bits (bit k: byte k). */
static inline uint64_t m365_eq_bits64(const char *p, char c)
{
    const __m128i v = _mm_set1_epi8(c);
    uint64_t m = 0;
    for (unsigned k = 0; k < 4; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        m |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, v)) << (16 * k);
    }
    return m;
}
#endif

/* How many bytes a mask flags. */
static inline size_t m365_swar_count(uint64_t m)
{
    return (size_t)(((m >> 7) * 0x0101010101010101ull) >> 56);
}
#endif
