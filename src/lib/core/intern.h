/* String interning: equal strings share one stable, NUL-terminated copy. */
#ifndef M365_INTERN_H
#define M365_INTERN_H
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct m365_intern {
    struct m365_arena arena;
    const char **slots; /* open addressing; NULL = empty */
    uint64_t *hashes;
    uint32_t *lens; /* byte length of each slot (values may hold NUL bytes) */
    size_t cap, n;
};

int m365_intern_init(struct m365_intern *t);
void m365_intern_free(struct m365_intern *t);
/* Returns the interned copy, or NULL when out of memory. */
const char *m365_intern(struct m365_intern *t, const char *s, size_t len);
/* Interned lower-case copy (ASCII folding). */
const char *m365_intern_lower(struct m365_intern *t, const char *s, size_t len);
#endif
