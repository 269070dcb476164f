/* 64-bit hashing for interning and de-duplication. */
#ifndef M365_HASH_H
#define M365_HASH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Word-at-a-time multiply-xorshift hash; seed lets callers chain fields. */
static inline uint64_t m365_hash_mix(uint64_t h)
{
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    h ^= h >> 32;
    return h;
}

/* The n (0..7) bytes at p as one word, as a copy into a zeroed word gives them, but loaded
 * straight into a register: the copy of a variable length went through the stack, and the load
 * that read the word back stalled on it (a tenth of interning's cycles). */
static inline uint64_t m365_hash_tail(const unsigned char *p, size_t n)
{
    uint64_t w = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4);
        w = lo | (uint64_t)hi << (8 * (n - 4));
    } else if (n) {
        w = p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) | (uint64_t)p[n - 1] << (8 * (n - 1));
    }
#else
    memcpy(&w, p, n);
#endif
    return w;
}

static inline uint64_t m365_hash_bytes(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = seed ^ (0x9e3779b97f4a7c15ull * (len + 1));
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ m365_hash_mix(w)) * 0x9fb21c651e98df25ull;
        p += 8;
        len -= 8;
    }
    uint64_t w = m365_hash_tail(p, len);
    h = (h ^ m365_hash_mix(w ^ ((uint64_t)len << 56))) * 0x9fb21c651e98df25ull;
    return m365_hash_mix(h);
}

static inline uint64_t m365_hash_rotl(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64 - r));
}

/* For long inputs (a whole record's text, for de-duplication). With SSE2: 64 bytes a round in
 * four 128-bit lanes, each 64-bit half adding the product of its two 32-bit halves (after a xor
 * with a fixed key) and the neighbouring half's bytes as they are, so no input is lost to a zero
 * product; four multiplies per 64 bytes where the scalar form needs sixteen. Without SSE2: four
 * independent multiply-rotate lanes. Either way the lanes and the tail are then folded through
 * m365_hash_bytes. The value is only compared within one scan, never stored. */
#if defined(__SSE2__)
#include <emmintrin.h>

/* One 16-byte lane of m365_hash_long: acc += (d.lo32 * d.hi32 per half) + x with its halves
 * swapped, where d = x ^ key. */
static inline __m128i m365_hash_lane(__m128i acc, __m128i key, const unsigned char *p)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i d = _mm_xor_si128(x, key);
    __m128i m = _mm_mul_epu32(d, _mm_shuffle_epi32(d, 0xf5));
    return _mm_add_epi64(acc, _mm_add_epi64(m, _mm_shuffle_epi32(x, 0x4e)));
}

/* The key xor-ed into each 64-byte round, one 64-bit word per 8 bytes (tests/unit/test_hash.c
 * uses it to make the zero products the swapped term is there for). */
static const uint64_t m365_hash_long_key[8] = {
    0xc2b2ae3d27d4eb4full, 0x9e3779b185ebca87ull, 0xd6e8feb86659fd93ull, 0x165667b19e3779f9ull,
    0x27d4eb2f165667c5ull, 0x9fb21c651e98df25ull, 0xff51afd7ed558ccdull, 0x85ebca77c2b2ae63ull};

/* m365_hash_long, and whether byte c is among the bytes (when seen is not NULL): the record's
 * fingerprint looks for escapes in the text it hashes, and the bytes are in registers here. */
static inline uint64_t m365_hash_long_seen(const void *data, size_t len, uint64_t seed,
                                           unsigned char c, bool *seen)
{
    const unsigned char *p = data;
    if (len < 64) {
        if (seen) {
            *seen = len && memchr(p, c, len) != NULL;
        }
        return m365_hash_bytes(p, len, seed);
    }
    const __m128i *key = (const __m128i *)(const void *)m365_hash_long_key;
    const __m128i k0 = _mm_loadu_si128(key), k1 = _mm_loadu_si128(key + 1),
                  k2 = _mm_loadu_si128(key + 2), k3 = _mm_loadu_si128(key + 3);
    __m128i a0 = _mm_set_epi64x((long long)seed, (long long)~seed), a1 = a0, a2 = a0, a3 = a0;
    const __m128i cv = _mm_set1_epi8((char)c);
    __m128i hit = _mm_setzero_si128();
    size_t total = len;
    while (len >= 64) {
        if (seen) {
            const __m128i *q = (const __m128i *)(const void *)p;
            hit = _mm_or_si128(hit, _mm_or_si128(_mm_cmpeq_epi8(_mm_loadu_si128(q), cv),
                                                 _mm_cmpeq_epi8(_mm_loadu_si128(q + 1), cv)));
            hit = _mm_or_si128(hit, _mm_or_si128(_mm_cmpeq_epi8(_mm_loadu_si128(q + 2), cv),
                                                 _mm_cmpeq_epi8(_mm_loadu_si128(q + 3), cv)));
        }
        a0 = m365_hash_lane(a0, k0, p);
        a1 = m365_hash_lane(a1, k1, p + 16);
        a2 = m365_hash_lane(a2, k2, p + 32);
        a3 = m365_hash_lane(a3, k3, p + 48);
        p += 64;
        len -= 64;
    }
    if (seen) {
        *seen = _mm_movemask_epi8(hit) != 0 || (len && memchr(p, c, len) != NULL);
    }
    uint64_t w[8];
    _mm_storeu_si128((__m128i *)(void *)&w[0], a0);
    _mm_storeu_si128((__m128i *)(void *)&w[2], a1);
    _mm_storeu_si128((__m128i *)(void *)&w[4], a2);
    _mm_storeu_si128((__m128i *)(void *)&w[6], a3);
    uint64_t h = m365_hash_mix(total ^ seed);
    for (unsigned i = 0; i < 8; i++) {
        h = (h ^ m365_hash_mix(w[i] + i)) * 0x9fb21c651e98df25ull;
    }
    return m365_hash_bytes(p, len, m365_hash_mix(h));
}
#else
static inline uint64_t m365_hash_long_seen(const void *data, size_t len, uint64_t seed,
                                           unsigned char c, bool *seen)
{
    const unsigned char *p = data;
    if (seen) {
        *seen = len && memchr(p, c, len) != NULL;
    }
    if (len < 64) {
        return m365_hash_bytes(p, len, seed);
    }
    const uint64_t k1 = 0x9e3779b185ebca87ull, k2 = 0xc2b2ae3d27d4eb4full;
    uint64_t a = seed + k1 + k2, b = seed + k2, c = seed, d = seed - k1;
    size_t total = len;
    while (len >= 32) {
        uint64_t w[4];
        memcpy(w, p, 32);
        a = m365_hash_rotl(a + w[0] * k2, 31) * k1;
        b = m365_hash_rotl(b + w[1] * k2, 31) * k1;
        c = m365_hash_rotl(c + w[2] * k2, 31) * k1;
        d = m365_hash_rotl(d + w[3] * k2, 31) * k1;
        p += 32;
        len -= 32;
    }
    uint64_t h = m365_hash_rotl(a, 1) + m365_hash_rotl(b, 7) + m365_hash_rotl(c, 12) +
                 m365_hash_rotl(d, 18);
    return m365_hash_bytes(p, len, m365_hash_mix(h ^ total));
}
#endif

static inline uint64_t m365_hash_long(const void *data, size_t len, uint64_t seed)
{
    return m365_hash_long_seen(data, len, seed, 0, NULL);
}


/* For short values hashed by the million (interning: names, ids, addresses): two lanes of one
 * multiply and a rotate per 16 bytes, then one full mix. m365_hash_bytes mixes every word in
 * full, a chain of three multiplies that cost interning more than its table did. */
static inline uint64_t m365_hash_short(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    const uint64_t k1 = 0x9e3779b97f4a7c15ull, k2 = 0xc2b2ae3d27d4eb4full;
    uint64_t a = seed ^ (len * k2), b = seed + k1;
    size_t n = len;
    while (n >= 16) {
        uint64_t w[2];
        memcpy(w, p, 16);
        a = m365_hash_rotl((a ^ w[0]) * k1, 31);
        b = m365_hash_rotl((b ^ w[1]) * k2, 27);
        p += 16;
        n -= 16;
    }
    uint64_t w[2];
    if (n >= 8) {
        memcpy(&w[0], p, 8);
        w[1] = m365_hash_tail(p + 8, n - 8);
    } else {
        w[0] = m365_hash_tail(p, n);
        w[1] = 0;
    }
    a = m365_hash_rotl((a ^ w[0]) * k1, 31);
    b = m365_hash_rotl((b ^ w[1] ^ ((uint64_t)n << 56)) * k2, 27);
    return m365_hash_mix(a ^ m365_hash_rotl(b, 17));
}

static inline uint64_t m365_hash_str(const char *s, uint64_t seed)
{
    return s ? m365_hash_bytes(s, strlen(s), seed) : m365_hash_mix(seed + 1);
}

/* A slot among 2^bits (1..63) for a pointer (an interned string is its own key): the high bits
 * of one multiply, which the low, aligned bits of the address cannot bias. */
static inline size_t m365_hash_ptr_slot(const void *p, unsigned bits)
{
    return (size_t)(((uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull) >> (64 - bits));
}
#endif
