#include "intern.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "swar.h"

static int shard_init(struct m365_intern_shard *t)
{
    m365_arena_init(&t->arena, 64 * 1024);
    t->cap = 1024;
    t->n = 0;
    t->slots = calloc(t->cap, sizeof(*t->slots));
    if (pthread_mutex_init(&t->mu, NULL) != 0) {
        return -1;
    }
    return t->slots ? 0 : -1;
}

static _Atomic uint64_t next_table_id = 1;

int m365_intern_init(struct m365_intern *t)
{
    memset(t, 0, sizeof(*t));
    t->id = atomic_fetch_add(&next_table_id, 1);
    for (unsigned i = 0; i < M365_INTERN_SHARDS; i++) {
        if (shard_init(&t->shard[i]) != 0) {
            m365_intern_free(t);
            return -1;
        }
    }
    return 0;
}

void m365_intern_free(struct m365_intern *t)
{
    for (unsigned i = 0; i < M365_INTERN_SHARDS; i++) {
        struct m365_intern_shard *sh = &t->shard[i];
        if (sh->cap) {
            pthread_mutex_destroy(&sh->mu);
        }
        free(sh->slots);
        sh->slots = NULL;
        sh->cap = sh->n = 0;
        m365_arena_free(&sh->arena);
    }
}

void m365_intern_set_shared(struct m365_intern *t, bool shared) { t->shared = shared; }

void m365_intern_use_region(struct m365_intern *t, struct m365_region *r)
{
    for (unsigned i = 0; i < M365_INTERN_SHARDS; i++) {
        m365_arena_use_region(&t->shard[i].arena, r);
    }
}

void m365_intern_set_limit(struct m365_intern *t, size_t max)
{
    t->shard_limit = max ? (max + M365_INTERN_SHARDS - 1) / M365_INTERN_SHARDS : 0;
}

bool m365_intern_full(const struct m365_intern *t) { return atomic_load(&t->full); }

uint64_t m365_intern_bytes(const struct m365_intern *t)
{
    uint64_t b = 0;
    for (unsigned i = 0; i < M365_INTERN_SHARDS; i++) {
        const struct m365_intern_shard *sh = &t->shard[i];
        b += sh->arena.total + sh->cap * sizeof(*sh->slots);
    }
    return b;
}

size_t m365_intern_count(const struct m365_intern *t)
{
    size_t n = 0;
    for (unsigned i = 0; i < M365_INTERN_SHARDS; i++) {
        n += t->shard[i].n;
    }
    return n;
}

static int grow(struct m365_intern_shard *t)
{
    size_t ncap = t->cap * 2;
    struct m365_intern_slot *ns = calloc(ncap, sizeof(*ns));
    if (!ns) {
        return -1;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].str) {
            continue;
        }
        size_t j = t->slots[i].hi & (ncap - 1);
        while (ns[j].str) {
            j = (j + 1) & (ncap - 1);
        }
        ns[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = ns;
    t->cap = ncap;
    return 0;
}

static const char *shard_intern(struct m365_intern *in, struct m365_intern_shard *t, uint64_t h,
                                const char *s, size_t len)
{
    if (t->n * 4 >= t->cap * 3 && grow(t) != 0) {
        return NULL;
    }
    /* The low bits chose the shard; the slot comes from the bits above them. */
    uint32_t hi = (uint32_t)(h >> 8);
    size_t j = hi & (t->cap - 1);
    for (; t->slots[j].str; j = (j + 1) & (t->cap - 1)) {
        const struct m365_intern_slot *e = &t->slots[j];
        if (e->hi == hi && e->len == len && m365_mem_eq(e->str, s, len)) {
            return e->str;
        }
    }
    if (in->shard_limit && t->n >= in->shard_limit) {
        atomic_store(&in->full, true);
        return NULL;
    }
    char *copy = m365_arena_strndup(&t->arena, s, len);
    if (!copy) {
        return NULL;
    }
    t->slots[j].str = copy;
    t->slots[j].hi = hi;
    t->slots[j].len = (uint32_t)len;
    t->n++;
    return copy;
}

#define LOOK_ASIDE 2048u
#define ASIDE_HEAD 44u
/* One cache line per entry. The value's first bytes are kept in the entry itself: a hit on a
 * value up to 44 bytes (addresses, user names, GUIDs) reads no interned string, which lie far
 * apart in memory and cost a cache miss each. */
struct look_aside {
    _Alignas(64) uint64_t table;
    const char *str;
    uint32_t len;
    char head[ASIDE_HEAD];
};
static _Thread_local struct look_aside look_aside[LOOK_ASIDE];

/* A value's place in the look-aside, from its length and its first and last eight bytes: a
 * value seen lately is found without hashing it whole (user agents run to 200 bytes). */
static size_t aside_slot(const char *s, size_t len)
{
    /* Whole loads into registers: a copy of len bytes into a zeroed word went through the stack
     * and stalled the load that read it back. */
    uint64_t a, b = 0;
    if (len >= 8) {
        a = m365_swar_load(s);
        b = m365_swar_load(s + len - 8);
    } else {
        a = m365_hash_tail((const unsigned char *)s, len);
    }
    uint64_t x = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ len) * 0xc2b2ae3d27d4eb4full;
    return (size_t)(x >> 53); /* 11 bits: LOOK_ASIDE slots */
}

static int aside_match(const struct look_aside *la, uint64_t table, const char *s, size_t len)
{
    if (la->table != table || la->len != len) {
        return 0;
    }
    if (len <= ASIDE_HEAD) {
        return m365_mem_eq(la->head, s, len);
    }
    return m365_mem_eq(la->head, s, ASIDE_HEAD) &&
           m365_mem_eq(la->str + ASIDE_HEAD, s + ASIDE_HEAD, len - ASIDE_HEAD);
}

const char *m365_intern(struct m365_intern *t, const char *s, size_t len)
{
    if (len > UINT32_MAX) {
        return NULL;
    }
    /* Most values repeat (operations, workloads, users, addresses, agents), so each thread
     * first looks in a small cache of what it interned lately: no hash, and no lock when the
     * table is shared. Entries name their table by id, so a cache outliving a table never
     * answers for another. The strings themselves never move or change while their table
     * lives. */
    struct look_aside *la = &look_aside[aside_slot(s, len)];
    if (aside_match(la, t->id, s, len)) {
        return la->str;
    }
    uint64_t h = m365_hash_short(s, len, 0x1f2e3d4c);
    struct m365_intern_shard *sh = &t->shard[h % M365_INTERN_SHARDS];
    const char *r;
    if (t->shared) {
        pthread_mutex_lock(&sh->mu);
        r = shard_intern(t, sh, h, s, len);
        pthread_mutex_unlock(&sh->mu);
    } else {
        r = shard_intern(t, sh, h, s, len);
    }
    if (r) {
        la->table = t->id;
        la->len = (uint32_t)len;
        la->str = r;
        memcpy(la->head, r, len < ASIDE_HEAD ? len : ASIDE_HEAD);
    }
    return r;
}

const char *m365_intern_lower(struct m365_intern *t, const char *s, size_t len)
{
    char small[256];
    small[0] = '\0';
    char *tmp = len < sizeof(small) ? small : malloc(len + 1);
    if (!tmp) {
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        tmp[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    const char *r = m365_intern(t, tmp, len);
    if (tmp != small) {
        free(tmp);
    }
    return r;
}
