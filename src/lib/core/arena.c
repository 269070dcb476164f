#include "arena.h"
#include "region.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct m365_arena_block {
    struct m365_arena_block *next;
    size_t used, size;
    _Alignas(8) unsigned char data[];
};

void m365_arena_init(struct m365_arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->total = 0;
    a->region = NULL;
}

void m365_arena_use_region(struct m365_arena *a, struct m365_region *r) { a->region = r; }

void m365_arena_free(struct m365_arena *a)
{
    struct m365_arena_block *b = a->head;
    while (b) {
        struct m365_arena_block *n = b->next;
        if (!m365_region_has(a->region, b)) {
            free(b); /* a region is released whole by its owner */
        }
        b = n;
    }
    a->head = NULL;
    a->total = 0;
}

void *m365_arena_alloc(struct m365_arena *a, size_t n)
{
    n = (n + 7u) & ~(size_t)7u;
    struct m365_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t sz = n > a->block_size / 4 ? n : a->block_size;
        if (sz > SIZE_MAX - sizeof(*b)) {
            return NULL;
        }
        struct m365_arena_block *nb = a->region ? m365_region_alloc(a->region, sizeof(*nb) + sz)
                                                 : NULL;
        if (!nb) {
            nb = malloc(sizeof(*nb) + sz);
        }
        if (!nb) {
            return NULL;
        }
        nb->used = 0;
        nb->size = sz;
        a->total += sz;
        /* An oversized block goes behind the current one so the current keeps filling. */
        if (b && sz != a->block_size) {
            nb->next = b->next;
            b->next = nb;
            nb->used = n;
            return nb->data;
        }
        nb->next = b;
        a->head = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

void *m365_arena_calloc(struct m365_arena *a, size_t n)
{
    void *p = m365_arena_alloc(a, n);
    if (p) {
        memset(p, 0, n);
    }
    return p;
}

char *m365_arena_strndup(struct m365_arena *a, const char *s, size_t len)
{
    char *p = m365_arena_alloc(a, len + 1);
    if (!p) {
        return NULL;
    }
    if (len) {
        memcpy(p, s, len);
    }
    p[len] = '\0';
    return p;
}
