#include "region.h"

#include <sys/mman.h>
#include <sys/resource.h>

void m365_region_init(struct m365_region *r, size_t size)
{
    r->base = NULL;
    r->size = r->mapped = 0;
    atomic_init(&r->used, 0);
    /* Under an address-space limit (ulimit -v) the range counts in full although its pages
     * are not touched: take at most a quarter of it, and leave the rest to the heap. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur / 4 < (rlim_t)size) {
        size = (size_t)(rl.rlim_cur / 4);
    }
    /* Address space only: with overcommit off, a smaller range may still be granted. */
    for (; size >= ((size_t)64 << 20); size /= 4) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p != MAP_FAILED) {
            r->base = p;
            r->size = r->mapped = size;
            return;
        }
    }
}

void m365_region_free(struct m365_region *r)
{
    if (r->base) {
        munmap(r->base, r->mapped);
    }
    r->base = NULL;
    r->size = r->mapped = 0;
}

void m365_region_limit(struct m365_region *r, size_t size)
{
    if (size < r->size) {
        r->size = size;
    }
}

void *m365_region_alloc(struct m365_region *r, size_t n)
{
    if (!r->base) {
        return NULL;
    }
    n = (n + 7u) & ~(size_t)7u;
    size_t at = atomic_fetch_add(&r->used, n);
    if (at > r->size || r->size - at < n) {
        return NULL; /* used up: the caller falls back to malloc */
    }
    return r->base + at;
}
