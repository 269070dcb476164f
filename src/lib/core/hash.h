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

static inline uint64_t m365_hash_str(const char *s, uint64_t seed)
{
    return s ? m365_hash_bytes(s, strlen(s), seed) : m365_hash_mix(seed + 1);
}
#endif
