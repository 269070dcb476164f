#include "tar_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../core/limits.h"
#include "../core/region.h"
#include "input.h"
#include "zip_archive.h"

#define COPY_BYTES ((size_t)256 << 10)
#define BLOCK_BYTES ((size_t)256 << 10)
#define CHECK_BYTES 64u /* of each member read in place, compared with libarchive's reading */

static const char *const SUFFIXES[] = {".tar",  ".tar.gz",  ".tgz",  ".tar.zst", ".tzst", ".tar.xz",
                                       ".txz",  ".tar.bz2", ".tbz2", ".tbz",     ".7z"};

bool m365_tar_named(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof(SUFFIXES) / sizeof(SUFFIXES[0]); i++) {
        size_t k = strlen(SUFFIXES[i]);
        if (n > k && strcasecmp(path + n - k, SUFFIXES[i]) == 0) {
            return true;
        }
    }
    return false;
}

bool m365_tar_bytes(const char *head, size_t len)
{
    return (len >= 262 && memcmp(head + 257, "ustar", 5) == 0) ||
           (len >= 6 && memcmp(head, "7z\xBC\xAF\x27\x1C", 6) == 0);
}

/* Only what is read here: no filter that runs an external program (libarchive's "all" would
 * start lrzip or lzop on a file that asks for them). */
static struct archive *reader_new(void)
{
    struct archive *a = archive_read_new();
    if (a) {
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_zstd(a);
        archive_read_support_filter_xz(a);
        archive_read_support_filter_bzip2(a);
        archive_read_support_format_tar(a);
        archive_read_support_format_7zip(a);
    }
    return a;
}

bool m365_tar_content(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    struct archive *a = reader_new();
    struct archive_entry *e;
    bool yes = a && archive_read_open_fd(a, fd, 16384) == ARCHIVE_OK &&
               archive_read_next_header(a, &e) == ARCHIVE_OK;
    archive_read_free(a);
    close(fd);
    return yes;
}

/* The name as the scan shows it: "./" and leading slashes dropped; NULL when nothing is left. */
static const char *member_name(struct archive_entry *e)
{
    const char *name = archive_entry_pathname_utf8(e);
    if (!name) {
        name = archive_entry_pathname(e);
    }
    while (name && (name[0] == '/' || (name[0] == '.' && name[1] == '/'))) {
        name += name[0] == '/' ? 1 : 2;
    }
    return name && *name ? name : NULL;
}

/* macOS's tar writes a file's attributes as "._name" beside it. */
static bool apple_double(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    return strncmp(base, "._", 2) == 0 || strncmp(name, "__MACOSX/", 9) == 0;
}

static int add(struct m365_tar_files *f, size_t *cap, char *path, int fd, uint64_t off,
               uint64_t size)
{
    if (f->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        struct m365_tar_file *v = realloc(f->v, nc * sizeof(*v));
        if (!v) {
            return -1;
        }
        f->v = v;
        *cap = nc;
    }
    f->v[f->n++] = (struct m365_tar_file){path, fd, off, size};
    return 0;
}

/* Why the listing ends here; the first reason is kept. */
__attribute__((format(printf, 3, 4))) static void stop(struct m365_tar_files *f,
                                                       enum m365_status st, const char *fmt, ...)
{
    if (!f->stopped[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->stopped, sizeof(f->stopped), fmt, ap);
        va_end(ap);
        f->stop_status = st;
    }
}

static int temp_file(const char *dir, char *err, size_t esz)
{
    int fd = m365_temp_file(dir);
    if (fd < 0) {
        snprintf(err, esz, "its files cannot be unpacked to a temporary file in %s (%s): extract "
                 "it and scan the folder", m365_temp_dir(dir), strerror(errno));
    }
    return fd;
}

struct lister {
    struct archive *a;
    /* A gzip or zstd archive's bytes, undone by our decoders (ISA-L: twice zlib's speed);
     * NULL when libarchive reads the file itself (a plain tar, whose files it seeks past). */
    struct m365_input *in;
    char *block;           /* what libarchive reads from it */
    struct m365_tar_files *f;
    const struct m365_limits *lim;
    uint64_t packed; /* the archive's size: the ratio's base */
    const char *tmpdir;
    char *buf;
    char *err;
    size_t esz;
};

/* The current member's bytes appended to the temporary file, after the `got` bytes of it
 * already read into l->buf: 0, 1 when the listing stops (said in f->stopped: damage, a limit,
 * the file cannot take more), -1 when there is no temporary file to be had (err). */
static int unpack(struct lister *l, const char *path, size_t got, uint64_t *off, uint64_t *size)
{
    struct m365_tar_files *f = l->f;
    if (f->temp_fd < 0) {
        if ((f->temp_fd = temp_file(l->tmpdir, l->err, l->esz)) < 0) {
            return -1;
        }
        struct statfs sf;
        f->in_memory = fstatfs(f->temp_fd, &sf) == 0 &&
                       (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
    }
    *off = f->unpacked;
    for (;;) {
        la_ssize_t n = got ? (la_ssize_t)got : archive_read_data(l->a, l->buf, COPY_BYTES);
        got = 0;
        if (n == 0) {
            break;
        }
        if (n < 0) {
            const char *why = archive_error_string(l->a);
            stop(f, M365_E_PARSE, "cannot be unpacked at %s (%s): it and the rest of the archive "
                 "are not read", path, why ? why : "unknown error");
            return 1;
        }
        f->unpacked += (uint64_t)n;
        uint64_t max = l->lim->max_decompressed_bytes, ratio = l->lim->max_decompress_ratio;
        if ((max && f->unpacked > max) ||
            (ratio && f->unpacked > M365_RATIO_GRACE_BYTES && l->packed &&
             f->unpacked / l->packed >= ratio)) {
            stop(f, M365_E_LIMIT, "unpacking stopped at %s: %s (--max-decompressed, --max-ratio): "
                 "it and the rest of the archive are not read", path,
                 max && f->unpacked > max ? "the unpacked size exceeds the limit"
                                          : "possible decompression bomb");
            return 1;
        }
        if (f->tick && f->unpacked >> 26 != (f->unpacked - (uint64_t)n) >> 26) {
            la_int64_t raw = archive_filter_bytes(l->a, -1);
            f->tick(l->in ? m365_input_bytes_in(l->in) : raw > 0 ? (uint64_t)raw : 0, l->packed,
                    f->tick_user);
        }
        if (m365_write_all(f->temp_fd, l->buf, (size_t)n) != 0) {
            /* A disk full part way: the files unpacked before are kept. */
            stop(f, M365_E_IO, "unpacking stopped at %s: the temporary file cannot take more "
                 "(%s): it and the rest of the archive are not read (point TMPDIR at a "
                 "folder with room, or extract it and scan the folder)", path, strerror(errno));
            return 1;
        }
    }
    *size = f->unpacked - *off;
    return 0;
}

/* A plain tar's member where it lies, checked: its first bytes as libarchive reads them are
 * there. False otherwise, with the bytes that check read in l->buf (*got of them). */
static bool in_place(struct lister *l, int fd, struct archive_entry *e, uint64_t *off,
                     size_t *got)
{
    *got = 0;
    if (l->f->compressed || l->f->seven_zip || archive_entry_sparse_count(e) > 0) {
        return false;
    }
    la_int64_t at = archive_filter_bytes(l->a, 0);
    la_int64_t size = archive_entry_size(e);
    if (at < 0 || size < 0 || (uint64_t)at + (uint64_t)size > l->packed) {
        return false;
    }
    size_t want = size < CHECK_BYTES ? (size_t)size : CHECK_BYTES;
    char ours[CHECK_BYTES];
    la_ssize_t n = want ? archive_read_data(l->a, l->buf, want) : 0;
    if (n > 0) {
        *got = (size_t)n;
    }
    if (n != (la_ssize_t)want || pread(fd, ours, want, (off_t)at) != (ssize_t)want ||
        memcmp(l->buf, ours, want) != 0) {
        return false;
    }
    *off = (uint64_t)at;
    return true;
}

static enum m365_status list(struct lister *l, int fd, const char *name)
{
    struct m365_tar_files *f = l->f;
    size_t cap = 0;
    struct archive_entry *e;
    for (bool first = true;; first = false) {
        int r = archive_read_next_header(l->a, &e);
        if (r == ARCHIVE_EOF) {
            break;
        }
        if (first) {
            if (r < ARCHIVE_WARN && archive_format(l->a) == 0) {
                return M365_E_FORMAT; /* no archive of these kinds at all */
            }
            f->compressed = l->in || archive_filter_count(l->a) > 1;
            f->seven_zip = (archive_format(l->a) & ARCHIVE_FORMAT_BASE_MASK) ==
                           ARCHIVE_FORMAT_7ZIP;
        }
        if (r < ARCHIVE_WARN) {
            const char *why = archive_error_string(l->a);
            if (why && strstr(why, "encrypted")) { /* 7-Zip's names encrypted too (7z -mhe) */
                snprintf(l->err, l->esz, "encrypted, names and all: not read (a 7-Zip password is "
                         "not taken here): extract it with 7z x and scan the folder");
                return M365_E_IO;
            }
            if (f->n == 0) { /* nothing to read: the archive cannot be */
                /* libarchive sizes a 7-Zip header's tables from its counts before reading them
                 * (docs/robustness.md): out of memory there is a header claiming millions of
                 * files, damaged or not, not a machine short of memory for the scan. */
                bool claims = f->seven_zip && (archive_errno(l->a) == ENOMEM ||
                                               (why && strstr(why, "allocate memory")));
                snprintf(l->err, l->esz, "%s archive cannot be read: %s%s", f->seven_zip ? "7-Zip"
                         : "tar", why ? why : "damaged or cut short at its start",
                         claims ? " (its header lists more files than this machine has memory "
                                  "for: damaged, or millions of files; extract it with 7z x and "
                                  "scan the folder)" : "");
                return M365_E_IO;
            }
            stop(f, M365_E_PARSE, "damaged after %s (%s): the rest of the archive is not read",
                 f->v[f->n - 1].path + strlen(name) + 1, why ? why : "no reason given");
            break;
        }
        const char *mname = member_name(e);
        mode_t type = archive_entry_filetype(e);
        if (!mname || type == AE_IFDIR) {
            continue;
        }
        if (archive_entry_hardlink(e) || type == AE_IFLNK) {
            f->links++;
            continue;
        }
        if (type != AE_IFREG) {
            f->others++;
            continue;
        }
        if (apple_double(mname)) {
            f->forks++;
            continue;
        }
        if (archive_entry_is_data_encrypted(e) > 0) {
            f->encrypted++;
            continue;
        }
        if (f->n >= M365_MAX_ZIP_MEMBERS) {
            f->over++;
            continue;
        }
        char *path = m365_zip_member_path(name, mname);
        if (!path) {
            return M365_E_NOMEM;
        }
        uint64_t off = 0, size = (uint64_t)archive_entry_size(e);
        int at = fd;
        size_t got;
        if (!in_place(l, fd, e, &off, &got)) {
            int u = unpack(l, path + strlen(name) + 1, got, &off, &size);
            if (u != 0) {
                free(path);
                if (u < 0) {
                    return M365_E_IO;
                }
                break;
            }
            at = f->temp_fd;
        }
        if (add(f, &cap, path, at, off, size) != 0) {
            free(path);
            return M365_E_NOMEM;
        }
    }
    return M365_OK;
}

/* *out emptied but for the caller's tick. */
static void reset(struct m365_tar_files *out)
{
    void (*tick)(uint64_t, uint64_t, void *) = out->tick;
    void *user = out->tick_user;
    memset(out, 0, sizeof(*out));
    out->archive_fd = -1;
    out->temp_fd = -1;
    out->tick = tick;
    out->tick_user = user;
}

/* libarchive's reader over the input: what it decompressed (gzip, zstd) is a tar to
 * libarchive, which undoes xz and bzip2 itself. */
static la_ssize_t block_read(struct archive *a, void *user, const void **out)
{
    struct lister *l = user;
    size_t n = m365_input_read(l->in, l->block, BLOCK_BYTES);
    enum m365_status st;
    const char *why = n ? NULL : m365_input_error(l->in, &st);
    if (why) {
        archive_set_error(a, EIO, "%s", why);
        return -1;
    }
    *out = l->block;
    return (la_ssize_t)n;
}

enum m365_status m365_tar_files_fd(int fd, const char *name, const char *tmpdir,
                                   const struct m365_limits *lim, struct m365_tar_files *out,
                                   char *err, size_t esz)
{
    reset(out);
    snprintf(err, esz, "out of memory");
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, esz, "cannot be read: %s", strerror(errno));
        return M365_E_IO;
    }
    /* The limits are the unpacking's (unpack), counted on the files: none on the stream. */
    struct m365_limits unlimited = *lim;
    unlimited.max_decompressed_bytes = UINT64_MAX;
    unlimited.max_decompress_ratio = UINT32_MAX;
    const char *ierr = "out of memory";
    struct lister l = {reader_new(), m365_input_open_bytes(fd, &unlimited, &ierr),
                       malloc(BLOCK_BYTES), out, lim, (uint64_t)st.st_size, tmpdir,
                       malloc(COPY_BYTES), err, esz};
    enum m365_status rc = M365_E_NOMEM;
    if (!l.in && strcmp(ierr, "out of memory") != 0) {
        snprintf(err, esz, "cannot be read: %s", ierr);
        rc = M365_E_IO;
    } else if (l.a && l.in && l.block && l.buf) {
        int opened;
        if (m365_input_compression(l.in) == M365_COMP_NONE) {
            m365_input_close(l.in);
            l.in = NULL;
            opened = lseek(fd, 0, SEEK_SET) == 0 ? archive_read_open_fd(l.a, fd, 64 << 10)
                                                 : ARCHIVE_FATAL;
        } else {
            opened = archive_read_open(l.a, &l, NULL, block_read, NULL);
        }
        rc = opened == ARCHIVE_OK ? list(&l, fd, name) : M365_E_FORMAT;
    }
    archive_read_free(l.a);
    m365_input_close(l.in);
    free(l.block);
    free(l.buf);
    if (rc != M365_OK) {
        m365_tar_files_free(out);
    }
    return rc;
}

enum m365_status m365_tar_files(const char *path, const char *name, const char *tmpdir,
                                const struct m365_limits *lim, struct m365_tar_files *out,
                                char *err, size_t esz)
{
    reset(out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, esz, "cannot be opened: %s", strerror(errno));
        return M365_E_IO;
    }
    enum m365_status rc = m365_tar_files_fd(fd, name ? name : path, tmpdir, lim, out, err, esz);
    if (rc != M365_OK) {
        close(fd);
        return rc;
    }
    out->archive_fd = fd;
    return M365_OK;
}

void m365_tar_files_free(struct m365_tar_files *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].path);
    }
    free(f->v);
    if (f->archive_fd >= 0) {
        close(f->archive_fd);
    }
    if (f->temp_fd >= 0) {
        close(f->temp_fd);
    }
    reset(f);
}

bool m365_tar_left_out(const struct m365_tar_files *f, int k, char *msg, size_t msz,
                       enum m365_diag_level *level, enum m365_status *code)
{
    switch (k) {
    case 0:
        if (!f->stopped[0]) {
            return false;
        }
        *level = M365_DIAG_ERROR;
        *code = f->stop_status;
        snprintf(msg, msz, "%s", f->stopped);
        return true;
    case 1:
        if (!f->encrypted) {
            return false;
        }
        *level = M365_DIAG_ERROR;
        *code = M365_E_IO;
        snprintf(msg, msz, "%zu file%s encrypted, not read (a 7-Zip password is not taken here): "
                 "extract it with 7z x and scan the folder", f->encrypted,
                 f->encrypted == 1 ? "" : "s");
        return true;
    case 2:
        if (!f->over) {
            return false;
        }
        *level = M365_DIAG_ERROR;
        *code = M365_E_LIMIT;
        snprintf(msg, msz, "holds more than %u files: %zu not scanned (extract it and scan the "
                 "folder)", M365_MAX_ZIP_MEMBERS, f->over);
        return true;
    case 3:
        if (!f->links && !f->others) {
            return false;
        }
        *level = M365_DIAG_NOTE;
        *code = M365_OK;
        snprintf(msg, msz, "%zu link%s (another name for a file) and %zu other entr%s that "
                 "are no files (devices, pipes) not scanned", f->links, f->links == 1 ? "" : "s",
                 f->others, f->others == 1 ? "y" : "ies");
        return true;
    case 4:
        if (!f->forks) {
            return false;
        }
        *level = M365_DIAG_NOTE;
        *code = M365_OK;
        snprintf(msg, msz, "%zu macOS attribute file%s (._name, __MACOSX/) not scanned: file "
                 "attributes, not logs", f->forks, f->forks == 1 ? "" : "s");
        return true;
    case 5:
        if (f->n || f->stopped[0] || f->encrypted || f->over) {
            return false;
        }
        *level = M365_DIAG_WARNING;
        *code = M365_E_FORMAT;
        snprintf(msg, msz, "%s archive holds no files", f->seven_zip ? "7-Zip" : "tar");
        return true;
    default:
        return false;
    }
}
