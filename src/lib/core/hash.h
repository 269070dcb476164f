/* 64-bit hashing for interning and de-duplication. */
#ifndef M365_HASH_H
#define M365_HASH_H
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
    uint64_t w = 0;
    memcpy(&w, p, len);
    h = (h ^ m365_hash_mix(w ^ ((uint64_t)len << 56))) * 0x9fb21c651e98df25ull;
    return m365_hash_mix(h);
}

static inline uint64_t m365_hash_rotl(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64 - r));
}

/* For long inputs (a whole record's text): four independent multiply-rotate lanes, so the
 * multiplications overlap instead of waiting on each other; the tail and the lanes are then
 * folded through m365_hash_bytes. */
static inline uint64_t m365_hash_long(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
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
    uint64_t w[2] = {0, 0};
    memcpy(w, p, n);
    a = m365_hash_rotl((a ^ w[0]) * k1, 31);
    b = m365_hash_rotl((b ^ w[1] ^ ((uint64_t)n << 56)) * k2, 27);
    return m365_hash_mix(a ^ m365_hash_rotl(b, 17));
}

static inline uint64_t m365_hash_str(const char *s, uint64_t seed)
{
    return s ? m365_hash_bytes(s, strlen(s), seed) : m365_hash_mix(seed + 1);
}
#endif
