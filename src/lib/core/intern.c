#include "intern.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

int m365_intern_init(struct m365_intern *t)
{
    m365_arena_init(&t->arena, 256 * 1024);
    t->cap = 4096;
    t->n = 0;
    t->slots = calloc(t->cap, sizeof(*t->slots));
    t->hashes = calloc(t->cap, sizeof(*t->hashes));
    t->lens = calloc(t->cap, sizeof(*t->lens));
    if (!t->slots || !t->hashes || !t->lens) {
        m365_intern_free(t);
        return -1;
    }
    return 0;
}

void m365_intern_free(struct m365_intern *t)
{
    free(t->slots);
    free(t->hashes);
    free(t->lens);
    t->slots = NULL;
    t->hashes = NULL;
    t->lens = NULL;
    t->cap = t->n = 0;
    m365_arena_free(&t->arena);
}

static int grow(struct m365_intern *t)
{
    size_t ncap = t->cap * 2;
    const char **ns = calloc(ncap, sizeof(*ns));
    uint64_t *nh = calloc(ncap, sizeof(*nh));
    uint32_t *nl = calloc(ncap, sizeof(*nl));
    if (!ns || !nh || !nl) {
        free(ns);
        free(nh);
        free(nl);
        return -1;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i]) {
            continue;
        }
        size_t j = t->hashes[i] & (ncap - 1);
        while (ns[j]) {
            j = (j + 1) & (ncap - 1);
        }
        ns[j] = t->slots[i];
        nh[j] = t->hashes[i];
        nl[j] = t->lens[i];
    }
    free(t->slots);
    free(t->hashes);
    free(t->lens);
    t->slots = ns;
    t->hashes = nh;
    t->lens = nl;
    t->cap = ncap;
    return 0;
}

const char *m365_intern(struct m365_intern *t, const char *s, size_t len)
{
    if (len > UINT32_MAX) {
        return NULL;
    }
    if (t->n * 4 >= t->cap * 3 && grow(t) != 0) {
        return NULL;
    }
    uint64_t h = m365_hash_bytes(s, len, 0x1f2e3d4c);
    size_t j = h & (t->cap - 1);
    while (t->slots[j]) {
        if (t->hashes[j] == h && t->lens[j] == len && memcmp(t->slots[j], s, len) == 0) {
            return t->slots[j];
        }
        j = (j + 1) & (t->cap - 1);
    }
    char *copy = m365_arena_strndup(&t->arena, s, len);
    if (!copy) {
        return NULL;
    }
    t->slots[j] = copy;
    t->hashes[j] = h;
    t->lens[j] = (uint32_t)len;
    t->n++;
    return copy;
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
