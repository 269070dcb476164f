#include "map.h"

#include <stdint.h>
#include <stdlib.h>

#include "hash.h"
#include "sort.h"

static size_t slot_of(const struct m365_map *m, const void *k1, const void *k2)
{
    uint64_t h = m365_hash_mix((uint64_t)(uintptr_t)k1 * 0x9e3779b97f4a7c15ull ^
                               (uint64_t)(uintptr_t)k2);
    return (size_t)h & (m->cap - 1);
}

void *m365_map_get(const struct m365_map *m, const void *k1, const void *k2)
{
    if (!m->cap) {
        return NULL;
    }
    for (size_t j = slot_of(m, k1, k2);; j = (j + 1) & (m->cap - 1)) {
        const struct m365_map_slot *s = &m->slots[j];
        if (!s->k1) {
            return NULL;
        }
        if (s->k1 == k1 && s->k2 == k2) {
            return s->val;
        }
    }
}

static int grow(struct m365_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    struct m365_map_slot *old = m->slots;
    size_t ocap = m->cap;
    m->slots = calloc(ncap, sizeof(*m->slots));
    if (!m->slots) {
        m->slots = old;
        return -1;
    }
    m->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i].k1) {
            size_t j = slot_of(m, old[i].k1, old[i].k2);
            while (m->slots[j].k1) {
                j = (j + 1) & (ncap - 1);
            }
            m->slots[j] = old[i];
        }
    }
    free(old);
    return 0;
}

void **m365_map_put(struct m365_map *m, const void *k1, const void *k2)
{
    if ((m->n + 1) * 4 > m->cap * 3 && grow(m) != 0) {
        return NULL;
    }
    for (size_t j = slot_of(m, k1, k2);; j = (j + 1) & (m->cap - 1)) {
        struct m365_map_slot *s = &m->slots[j];
        if (!s->k1) {
            s->k1 = k1;
            s->k2 = k2;
            s->val = NULL;
            m->n++;
            return &s->val;
        }
        if (s->k1 == k1 && s->k2 == k2) {
            return &s->val;
        }
    }
}

void *m365_map_obtain(struct m365_map *m, const void *k1, const void *k2, size_t size,
                      bool *fresh)
{
    void *v = m365_map_get(m, k1, k2);
    if (fresh) {
        *fresh = !v;
    }
    if (v) {
        return v;
    }
    /* Allocated before the key goes in, so that no key is left holding NULL. */
    void **slot = (v = calloc(1, size)) != NULL ? m365_map_put(m, k1, k2) : NULL;
    if (!slot) {
        free(v);
        return NULL;
    }
    return *slot = v;
}

void m365_map_free(struct m365_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}

size_t m365_map_keys_sorted(const struct m365_map *m, const char **out, size_t max)
{
    size_t n = 0;
    M365_MAP_EACH(m, slot)
    {
        if (n < max) {
            out[n++] = slot->k1;
        }
    }
    m365_qsort(out, n, sizeof(*out), m365_cmp_cstr);
    return n;
}

void m365_distinct_add(struct m365_distinct *d, const void *key, const void *member)
{
    if (!key || !member) {
        return;
    }
    void **s = m365_map_put(&d->seen, key, member);
    if (!s || *s) {
        return;
    }
    *s = (void *)1;
    void **c = m365_map_put(&d->count, key, NULL);
    if (c) {
        *c = (void *)((uintptr_t)*c + 1);
    }
}

size_t m365_distinct_count(const struct m365_distinct *d, const void *key)
{
    return key ? (size_t)(uintptr_t)m365_map_get(&d->count, key, NULL) : 0;
}

bool m365_distinct_has(const struct m365_distinct *d, const void *key, const void *member)
{
    return key && member && m365_map_get(&d->seen, key, member);
}

size_t m365_distinct_others(const struct m365_distinct *d, const void *key, const void *member)
{
    return m365_distinct_count(d, key) - m365_distinct_has(d, key, member);
}

void m365_distinct_free(struct m365_distinct *d)
{
    m365_map_free(&d->seen);
    m365_map_free(&d->count);
}
