/* Hash map keyed by one or two pointers (interned strings or other stable addresses).
 * Detection state keyed this way grows with distinct entities, not with events.
 * Iteration order depends on addresses: sort whatever reaches output. */
#ifndef M365_MAP_H
#define M365_MAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hash.h"

struct m365_map_slot {
    const void *k1, *k2; /* k1 == NULL: empty slot */
    void *val;
};

struct m365_map {
    struct m365_map_slot *slots;
    size_t cap, n;
};

/* NULL when absent. */
void *m365_map_get(const struct m365_map *m, const void *k1, const void *k2);
/* The value slot for the key, created (holding NULL) when absent; NULL when out of memory.
 * k1 must not be NULL. The pointer is valid until the next put. */
void **m365_map_put(struct m365_map *m, const void *k1, const void *k2);
/* The value under the key, or a new zeroed one of size bytes put there, *fresh (when given)
 * saying which; NULL when out of memory, and then the key is not put. For maps that own their
 * values (the caller frees them): such a map never holds a NULL value. */
void *m365_map_obtain(struct m365_map *m, const void *k1, const void *k2, size_t size,
                      bool *fresh);
void m365_map_free(struct m365_map *m);

/* A string that is copied, not interned (token ids: one per sign-in would fill the table of
 * distinct values), as a key by its text: two independent 64-bit hashes of it. Equal texts,
 * equal keys; a false match needs both to collide. */
struct m365_text_key {
    const void *k1, *k2;
};

static inline struct m365_text_key m365_text_key(const char *s)
{
    size_t n = strlen(s);
    uint64_t a = m365_hash_bytes(s, n, 0x70c3e11d) | 1; /* never NULL */
    uint64_t b = m365_hash_bytes(s, n, 0x5a17ed0b);
    return (struct m365_text_key){(const void *)(uintptr_t)a, (const void *)(uintptr_t)b};
}
/* For maps keyed by C strings (k1): up to max keys into out, sorted; returns how many. */
size_t m365_map_keys_sorted(const struct m365_map *m, const char **out, size_t max);

/* How many distinct members each key has (accounts per address, per network): a pair map and
 * a count map. Keys and members are interned or otherwise stable pointers. */
struct m365_distinct {
    struct m365_map seen;  /* (key, member) -> 1 */
    struct m365_map count; /* key -> members */
};
/* NULL key or member: nothing is added. */
void m365_distinct_add(struct m365_distinct *d, const void *key, const void *member);
size_t m365_distinct_count(const struct m365_distinct *d, const void *key);
bool m365_distinct_has(const struct m365_distinct *d, const void *key, const void *member);
/* The key's members other than member (the other accounts on a network). */
size_t m365_distinct_others(const struct m365_distinct *d, const void *key, const void *member);
void m365_distinct_free(struct m365_distinct *d);

#define M365_MAP_EACH(m, slot)                                                                     \
    for (struct m365_map_slot *slot = (m)->slots; slot && slot < (m)->slots + (m)->cap; slot++)    \
        if (slot->k1)
#endif
