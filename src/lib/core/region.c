#define _GNU_SOURCE /* O_TMPFILE */
#include "region.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

void m365_region_init(struct m365_region *r, size_t size)
{
    r->base = NULL;
    r->size = r->mapped = 0;
    r->spilled = false;
    r->fd = -1;
    r->commit_failed = false;
    r->commit_errno = 0;
    atomic_init(&r->used, 0);
    atomic_init(&r->committed, 0);
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
    if (r->spilled) {
        close(r->fd);
        pthread_mutex_destroy(&r->commit_mu);
        r->spilled = false;
        r->fd = -1;
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

#define COMMIT_STEP ((size_t)1 << 20)

/* Allocates the file's blocks up to at least `end`. */
static int commit(struct m365_region *r, size_t end)
{
    int rc = 0;
    pthread_mutex_lock(&r->commit_mu);
    size_t have = atomic_load(&r->committed);
    if (end > have) {
        /* Steps of an eighth of the file (at least 1 MiB): few calls for a large table, and a
         * small one does not claim much more than it holds. */
        size_t step = have / 8 > COMMIT_STEP ? have / 8 : COMMIT_STEP;
        size_t to = (end + step - 1) / step * step;
        if (to > r->mapped) {
            to = r->mapped;
        }
        int e = r->commit_failed ? r->commit_errno
                                 : posix_fallocate(r->fd, (off_t)have, (off_t)(to - have));
        if (e != 0) {
            r->commit_failed = true; /* the disk is full: no more tries */
            r->commit_errno = e;
            rc = -1;
        } else {
            atomic_store(&r->committed, to);
        }
    }
    pthread_mutex_unlock(&r->commit_mu);
    return rc;
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
    if (r->spilled && at + n > atomic_load(&r->committed) && commit(r, at + n) != 0) {
        return NULL;
    }
    return r->base + at;
}

const char *m365_temp_dir(const char *dir)
{
    if (!dir || !*dir) {
        dir = getenv("TMPDIR");
    }
    return dir && *dir ? dir : "/tmp";
}

int m365_temp_file(const char *dir)
{
    dir = m365_temp_dir(dir);
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) {
        return fd;
    }
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/m365hunt-temp-XXXXXX", dir) >= (int)sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkstemp(path);
    if (fd >= 0) {
        unlink(path);
    }
    return fd;
}

int m365_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            errno = w < 0 ? errno : ENOSPC;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes base[0, n) to the file at offset 0 (out), or reads it back from there. 0, or an errno
 * (ENOSPC for a write that makes no progress, EIO for a file shorter than n). */
static int transfer(int fd, char *base, size_t n, bool out)
{
    for (size_t at = 0; at < n;) {
        ssize_t k = out ? pwrite(fd, base + at, n - at, (off_t)at)
                        : pread(fd, base + at, n - at, (off_t)at);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            return k < 0 ? errno : out ? ENOSPC : EIO;
        }
        at += (size_t)k;
    }
    return 0;
}

int m365_region_spill(struct m365_region *r, const char *dir)
{
    if (!r->base || r->spilled) {
        errno = EINVAL;
        return -1;
    }
    int fd = m365_temp_file(dir);
    if (fd < 0) {
        return -1;
    }
    size_t used = m365_region_used(r);
    /* The file holds what is used; m365_region_alloc grows it (commit) before handing out
     * more, so the mapping is never touched past its end. */
    int err = transfer(fd, r->base, used, true);
    /* A file system that cannot map files shared says so here, before the range is touched. */
    if (!err) {
        void *probe = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0); /* no touch */
        if (probe == MAP_FAILED) {
            err = errno;
        } else {
            munmap(probe, 4096);
        }
    }
    if (err) {
        close(fd);
        errno = err;
        return -1;
    }
    void *p = mmap(r->base, r->mapped, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
    err = errno;
    if (p == MAP_FAILED) {
        /* The old pages may be gone: put anonymous memory back and the contents from the file. */
        p = mmap(r->base, r->mapped, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED || transfer(fd, r->base, used, false) != 0) {
            abort(); /* nothing left to point into: no way on */
        }
        close(fd);
        errno = err;
        return -1;
    }
    r->fd = fd;
    atomic_store(&r->committed, used);
    r->commit_failed = false;
    pthread_mutex_init(&r->commit_mu, NULL);
    r->spilled = true;
    return 0;
}

void m365_region_release(struct m365_region *r)
{
    if (!r->spilled) {
        return;
    }
    size_t used = atomic_load(&r->committed); /* nothing past it was handed out */
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    used = (used + page - 1) / page * page;
    if (used) {
        madvise(r->base, used, MADV_DONTNEED);
    }
}
