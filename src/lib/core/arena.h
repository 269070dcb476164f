/* Bump allocator: many small allocations, one free. */
#ifndef M365_ARENA_H
#define M365_ARENA_H
#include <stddef.h>

struct m365_arena_block;
struct m365_region;
struct m365_arena {
    struct m365_arena_block *head;
    size_t block_size;
    size_t total;                 /* bytes obtained for blocks */
    struct m365_region *region;   /* where blocks come from, when set (else malloc) */
};

void m365_arena_init(struct m365_arena *a, size_t block_size);
/* Take blocks from r from now on (falling back to malloc when r is used up). */
void m365_arena_use_region(struct m365_arena *a, struct m365_region *r);
void m365_arena_free(struct m365_arena *a);
/* NULL only when out of memory. Memory is 8-byte aligned and uninitialised. */
void *m365_arena_alloc(struct m365_arena *a, size_t n);
void *m365_arena_calloc(struct m365_arena *a, size_t n);
/* Copies len bytes and appends a NUL. */
char *m365_arena_strndup(struct m365_arena *a, const char *s, size_t len);
#endif
