/* One reserved range of address space that arenas carve their blocks from, so that a pointer
 * into it is a 32-bit offset from its base: the packed event table stores most of its strings
 * and details that way, in half the space of pointers. Pages are committed as they are touched;
 * the range is released all at once. Allocation is thread-safe. */
#ifndef M365_REGION_H
#define M365_REGION_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct m365_region {
    char *base; /* NULL: no range could be reserved, every allocation falls back to malloc */
    size_t size;   /* usable bytes */
    size_t mapped; /* bytes reserved (size, unless m365_region_limit lowered it) */
    _Atomic size_t used;
    bool spilled; /* backed by an unlinked file (m365_region_spill) */
    /* Spilled: the file, and how far its blocks are allocated. Pages are handed out only where
     * the disk has room for them, so that a full disk makes allocation fail (the callers fall
     * back to malloc) rather than a write to the mapping raise SIGBUS. */
    int fd;
    _Atomic size_t committed;
    bool commit_failed;
    int commit_errno; /* why, once it failed */
    pthread_mutex_t commit_mu;
};

/* Reserves up to `size` bytes (less when the system refuses that much; none at all is not an
 * error). */
void m365_region_init(struct m365_region *r, size_t size);
void m365_region_free(struct m365_region *r);
/* Tests: use only the first `size` bytes, so that the range runs out early. */
void m365_region_limit(struct m365_region *r, size_t size);
/* n bytes, 8-byte aligned; NULL when the range is used up. */
void *m365_region_alloc(struct m365_region *r, size_t n);

/* Where temporary files go: dir, else $TMPDIR, else /tmp. */
const char *m365_temp_dir(const char *dir);
/* An unlinked file in m365_temp_dir(dir), open for reading and writing: O_TMPFILE where the
 * file system has it, else a named one removed at once. Nothing is left on disk whatever
 * happens. -1 with errno set. */
int m365_temp_file(const char *dir);
/* Writes p[0, n) to fd at its offset, again after a signal: 0, or -1 with errno set (ENOSPC for
 * a write that takes nothing). */
int m365_write_all(int fd, const void *p, size_t n);

/* Puts the range on an unlinked file in dir, at the same addresses and with the same contents,
 * so that its pages can leave memory (m365_region_release). Nothing may use the range during
 * the call. 0, or -1 with errno set when the file cannot be made or mapped: the range then
 * stays in memory as it was. */
int m365_region_spill(struct m365_region *r, const char *dir);

/* A spilled range: drops its pages from the process's page tables. The file keeps them (the
 * kernel caches it, and writes it out under memory pressure); the next touch maps them again.
 * Safe while other threads read and write the range. Does nothing to a range in memory. */
void m365_region_release(struct m365_region *r);

/* Bytes handed out (allocations refused past the end are not counted). */
static inline size_t m365_region_used(const struct m365_region *r)
{
    size_t used = atomic_load(&((struct m365_region *)(uintptr_t)r)->used);
    return used < r->size ? used : r->size;
}

static inline bool m365_region_has(const struct m365_region *r, const void *p)
{
    return r && r->base && (uintptr_t)p - (uintptr_t)r->base < r->mapped;
}
#endif
