/* String interning: equal strings share one stable, NUL-terminated copy.
 *
 * The table is split into shards by hash so that reader threads can intern concurrently: with
 * m365_intern_set_shared(t, true) each shard takes its own lock (two threads rarely meet on
 * one shard); otherwise there is no locking at all. The returned pointers never move. */
#ifndef M365_INTERN_H
#define M365_INTERN_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

#define M365_INTERN_SHARDS 64u

/* One slot: what a probe compares sits in one 16-byte entry (three arrays cost three misses). */
struct m365_intern_slot {
    const char *str; /* NULL = empty */
    uint32_t hi;     /* hash bits 8..39: the slot's position and a first comparison */
    uint32_t len;    /* byte length (values may hold NUL bytes) */
};

struct m365_intern_shard {
    pthread_mutex_t mu;
    struct m365_arena arena;
    struct m365_intern_slot *slots; /* open addressing */
    size_t cap, n;
};

struct m365_intern {
    struct m365_intern_shard shard[M365_INTERN_SHARDS];
    bool shared;         /* lock shards: several threads intern at once */
    size_t shard_limit;  /* distinct strings per shard; 0: no limit */
    uint64_t id;         /* unique per table: keys the threads' look-aside caches */
    _Atomic bool full;   /* a new string was refused: the limit is reached */
};

int m365_intern_init(struct m365_intern *t);
void m365_intern_free(struct m365_intern *t);
/* Keep the strings in r (see region.h); before the first m365_intern. */
struct m365_region;
void m365_intern_use_region(struct m365_intern *t, struct m365_region *r);
/* Turn shard locking on while several threads intern; off again when they are joined. */
void m365_intern_set_shared(struct m365_intern *t, bool shared);
/* At most `max` distinct strings (0: no limit; split evenly over the shards). A refused new
 * string makes m365_intern return NULL and m365_intern_full true. */
void m365_intern_set_limit(struct m365_intern *t, size_t max);
bool m365_intern_full(const struct m365_intern *t);
/* Returns the interned copy, or NULL when out of memory or over the limit. */
const char *m365_intern(struct m365_intern *t, const char *s, size_t len);
/* Interned lower-case copy (ASCII folding). */
const char *m365_intern_lower(struct m365_intern *t, const char *s, size_t len);
/* Distinct strings held. */
size_t m365_intern_count(const struct m365_intern *t);
/* Bytes held: the strings and the table. */
uint64_t m365_intern_bytes(const struct m365_intern *t);
#endif
