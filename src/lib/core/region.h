/* One reserved range of address space that arenas carve their blocks from, so that a pointer
 * into it is a 32-bit offset from its base: the packed event table stores most of its strings
 * and details that way, in half the space of pointers. Pages are committed as they are touched;
 * the range is released all at once. Allocation is thread-safe. */
#ifndef M365_REGION_H
#define M365_REGION_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct m365_region {
    char *base; /* NULL: no range could be reserved, every allocation falls back to malloc */
    size_t size;   /* usable bytes */
    size_t mapped; /* bytes reserved (size, unless m365_region_limit lowered it) */
    _Atomic size_t used;
};

/* Reserves up to `size` bytes (less when the system refuses that much; none at all is not an
 * error). */
void m365_region_init(struct m365_region *r, size_t size);
void m365_region_free(struct m365_region *r);
/* Tests: use only the first `size` bytes, so that the range runs out early. */
void m365_region_limit(struct m365_region *r, size_t size);
/* n bytes, 8-byte aligned; NULL when the range is used up. */
void *m365_region_alloc(struct m365_region *r, size_t n);

static inline bool m365_region_has(const struct m365_region *r, const void *p)
{
    return r && r->base && (uintptr_t)p - (uintptr_t)r->base < r->mapped;
}
#endif
