#include "zip_archive.h"

#include "../core/limits.h"
#include "../core/norm.h"
#include "../core/region.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zip.h>

struct m365_zip {
    zip_t *za;
    const char *const *pw; /* passwords for encrypted members (the caller's) */
    size_t n_pw;
    size_t pw_last; /* the one that opened the last encrypted member: tried first */
};

struct m365_zip_stream {
    zip_file_t *zf;
    bool encrypted;
    /* An encrypted member's first bytes, read when it was opened to tell a right password from
     * a wrong one that passed the archive's one-byte check. */
    char *head;
    size_t head_len, head_at;
    bool head_failed; /* that read failed: the first read past head says so (err) */
    char err[200];
};

/* head: the file's first bytes (fewer than 4 when it is shorter). */
static enum m365_status opened(zip_t *za, int code, const unsigned char *head, size_t hlen,
                               struct m365_zip **out, char *err, size_t esz)
{
    *out = NULL;
    if (!za) {
        if (code == ZIP_ER_NOZIP) {
            /* A file that starts as an archive but has no directory at its end was cut short. */
            if (!(hlen >= 4 && memcmp(head, "PK\x03\x04", 4) == 0)) {
                return M365_E_FORMAT;
            }
            snprintf(err, esz, "its directory, at the end of the file, is missing (a download "
                     "or copy cut short?)");
            return M365_E_IO;
        }
        zip_error_t ze;
        zip_error_init_with_code(&ze, code);
        snprintf(err, esz, "%s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return code == ZIP_ER_MEMORY ? M365_E_NOMEM : M365_E_IO;
    }
    struct m365_zip *z = malloc(sizeof(*z));
    if (!z) {
        zip_discard(za);
        snprintf(err, esz, "out of memory");
        return M365_E_NOMEM;
    }
    z->za = za;
    z->pw = NULL;
    z->n_pw = 0;
    z->pw_last = 0;
    *out = z;
    return M365_OK;
}

enum m365_status m365_zip_open(const char *path, struct m365_zip **out, char *err, size_t esz)
{
    int code = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY, &code);
    unsigned char head[4];
    size_t hlen = 0;
    if (!za && code == ZIP_ER_NOZIP) {
        FILE *fp = fopen(path, "rb");
        if (fp) {
            hlen = fread(head, 1, sizeof(head), fp);
            fclose(fp);
        }
    }
    return opened(za, code, head, hlen, out, err, esz);
}

enum m365_status m365_zip_open_buffer(const void *data, size_t len, struct m365_zip **out,
                                      char *err, size_t esz)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (src && !za) {
        zip_source_free(src);
    }
    int code = zip_error_code_zip(&ze);
    zip_error_fini(&ze);
    return opened(za, code, data, len < 4 ? len : 4, out, err, esz);
}

void m365_zip_close(struct m365_zip *z)
{
    if (z) {
        zip_discard(z->za); /* read-only: nothing to write back */
        free(z);
    }
}

void m365_zip_set_passwords(struct m365_zip *z, const char *const *pw, size_t n)
{
    z->pw = pw;
    z->n_pw = pw ? n : 0;
    z->pw_last = 0;
}

bool m365_zip_named(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcasecmp(path + n - 4, ".zip") == 0;
}

bool m365_zip_bytes(const char *head, size_t len)
{
    return len >= 4 &&
           (memcmp(head, "PK\x03\x04", 4) == 0 || memcmp(head, "PK\x05\x06", 4) == 0);
}

bool m365_zip_office_bytes(const char *head, size_t len)
{
    return m365_zip_bytes(head, len) &&
           (m365_bytes_hold(head, len, "[Content_Types].xml") || m365_bytes_hold(head, len, "xl/"));
}

bool m365_zip_content(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false; /* the reader says why it cannot be opened */
    }
    char head[4096];
    ssize_t n = read(fd, head, sizeof(head));
    close(fd);
    return n > 0 && m365_zip_bytes(head, (size_t)n) && !m365_zip_office_bytes(head, (size_t)n);
}

char *m365_zip_member_path(const char *archive, const char *name)
{
    size_t a = strlen(archive), n = strlen(name);
    char *p = malloc(a + 1 + n + 1);
    if (p) {
        memcpy(p, archive, a);
        p[a] = '/';
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)name[i];
            p[a + 1 + i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
        }
        p[a + 1 + n] = '\0';
    }
    return p;
}

uint64_t m365_zip_count(struct m365_zip *z)
{
    zip_int64_t n = zip_get_num_entries(z->za, 0);
    return n > 0 ? (uint64_t)n : 0;
}

/* 0, or -1 when out of memory (*out is then empty). */
static int list_files(struct m365_zip *z, const char *archive, struct m365_zip_files *out)
{
    uint64_t n = m365_zip_count(z);
    size_t cap = n < M365_MAX_ZIP_MEMBERS ? (size_t)n : M365_MAX_ZIP_MEMBERS;
    out->v = calloc(cap ? cap : 1, sizeof(*out->v));
    if (!out->v) {
        return -1;
    }
    for (uint64_t i = 0; i < n; i++) {
        struct m365_zip_member m;
        if (m365_zip_member(z, i, &m) != 0) {
            out->damaged++;
        } else if (m.dir) {
            continue;
        } else if (strncmp(m.name, "__MACOSX/", 9) == 0) {
            out->forks++;
        } else if (out->n == M365_MAX_ZIP_MEMBERS) {
            out->over++;
        } else {
            struct m365_zip_file *f = &out->v[out->n];
            f->path = m365_zip_member_path(archive, m.name);
            f->index = i;
            f->size = m.size;
            if (!f->path) {
                m365_zip_files_free(out);
                return -1;
            }
            out->n++;
        }
    }
    return 0;
}

enum m365_status m365_zip_files(const char *path, struct m365_zip_files *out, char *err,
                                size_t esz)
{
    return m365_zip_files_as(path, path, out, err, esz);
}

enum m365_status m365_zip_files_as(const char *file, const char *path,
                                   struct m365_zip_files *out, char *err, size_t esz)
{
    memset(out, 0, sizeof(*out));
    struct m365_zip *z = NULL;
    char why[200];
    enum m365_status st = m365_zip_open(file, &z, why, sizeof(why));
    if (st == M365_E_IO) {
        snprintf(err, esz, "ZIP archive cannot be read: %s", why);
    }
    if (st != M365_OK) {
        return st;
    }
    st = list_files(z, path, out) == 0 ? M365_OK : M365_E_NOMEM;
    m365_zip_close(z);
    return st;
}

struct m365_zip *m365_zip_cache_open(struct m365_zip_cache *c, const char *path,
                                     size_t archive_len, const char *archive_file,
                                     const char *const *pw, size_t n_pw, const char **err)
{
    size_t n = archive_len;
    if (c->archive && c->len == n && memcmp(c->archive, path, n) == 0) {
        return c->z;
    }
    m365_zip_cache_close(c);
    c->archive = strndup(path, n);
    c->len = n;
    if (!c->archive) {
        *err = "out of memory";
        return NULL;
    }
    enum m365_status st = m365_zip_open(archive_file ? archive_file : c->archive, &c->z, c->why,
                                        sizeof(c->why));
    if (st != M365_OK) {
        /* The archive changed between the walk and the reading. */
        *err = st == M365_E_FORMAT ? "the archive is no longer a ZIP archive" : c->why;
        free(c->archive);
        c->archive = NULL;
        return NULL;
    }
    m365_zip_set_passwords(c->z, pw, n_pw);
    return c->z;
}

void m365_zip_cache_close(struct m365_zip_cache *c)
{
    m365_zip_close(c->z);
    free(c->archive);
    c->z = NULL;
    c->archive = NULL;
}

void m365_zip_files_free(struct m365_zip_files *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].path);
    }
    free(f->v);
    memset(f, 0, sizeof(*f));
}

bool m365_zip_left_out(const struct m365_zip_files *f, int kind, char *buf, size_t n,
                       enum m365_diag_level *level, enum m365_status *code)
{
    if (kind == 3) {
        if (f->n > 0 || f->damaged) {
            return false;
        }
        *level = M365_DIAG_WARNING;
        *code = M365_E_FORMAT;
        snprintf(buf, n, "ZIP archive holds no files");
        return true;
    }
    size_t k = kind == 0 ? f->damaged : kind == 1 ? f->over : f->forks;
    if (k == 0) {
        return false;
    }
    /* Files the archive holds and no one reads are errors; resource forks hold no logs. */
    *level = kind == 2 ? M365_DIAG_NOTE : M365_DIAG_ERROR;
    *code = kind == 0 ? M365_E_IO : kind == 1 ? M365_E_LIMIT : M365_OK;
    if (kind == 0) {
        snprintf(buf, n, "%zu entr%s of the archive's directory cannot be read: not scanned", k,
                 k == 1 ? "y" : "ies");
    } else if (kind == 1) {
        snprintf(buf, n, "holds more than %u files: %zu not scanned (extract it and scan the "
                 "folder)", M365_MAX_ZIP_MEMBERS, k);
    } else {
        snprintf(buf, n, "%zu macOS resource fork%s (__MACOSX/) not scanned: file attributes, "
                 "not logs", k, k == 1 ? "" : "s");
    }
    return true;
}

int m365_zip_member(struct m365_zip *z, uint64_t index, struct m365_zip_member *m)
{
    memset(m, 0, sizeof(*m));
    zip_stat_t sb;
    zip_stat_init(&sb);
    /* Names not flagged UTF-8 come from Windows' own zipper in the OEM code page: guessed. */
    if (zip_stat_index(z->za, index, ZIP_FL_ENC_GUESS, &sb) != 0 || !(sb.valid & ZIP_STAT_NAME)) {
        return -1;
    }
    m->name = sb.name;
    size_t n = strlen(sb.name);
    m->dir = n > 0 && sb.name[n - 1] == '/';
    m->size = (sb.valid & ZIP_STAT_SIZE) ? sb.size : 0;
    m->comp_size = (sb.valid & ZIP_STAT_COMP_SIZE) ? sb.comp_size : 0;
    m->deflated = (sb.valid & ZIP_STAT_COMP_METHOD) && sb.comp_method == ZIP_CM_DEFLATE &&
                  (sb.valid & ZIP_STAT_CRC) && (sb.valid & ZIP_STAT_SIZE);
    m->crc = m->deflated ? sb.crc : 0;
    if ((sb.valid & ZIP_STAT_ENCRYPTION_METHOD) && sb.encryption_method != ZIP_EM_NONE) {
        m->encrypted = true;
        m->deflated = false; /* libzip decrypts and inflates it */
        if (!zip_encryption_method_supported(sb.encryption_method, 0)) {
            m->unreadable = "encrypted with a method this build cannot decrypt: extract it and "
                            "scan the folder";
        } else if (z->n_pw == 0) {
            m->unreadable = "encrypted: give its password with --zip-password (or extract it "
                            "and scan the folder)";
        }
    }
    if (!m->unreadable && (sb.valid & ZIP_STAT_COMP_METHOD) &&
        !zip_compression_method_supported(sb.comp_method, 0)) {
        m->unreadable = "packed with a compression method this build cannot unpack: extract it "
                        "and scan the folder";
    }
    return 0;
}

/* An encrypted member's first read: a right password's bytes, or a wrong one's that passed the
 * archive's check (one byte in 256 for the traditional method) and fail to unpack. */
#define HEAD_BYTES ((size_t)1 << 16)

/* Another of the passwords than j passes the archive's check for the member. */
static bool other_passes(struct m365_zip *z, uint64_t index, size_t j)
{
    for (size_t k = 0; k < z->n_pw; k++) {
        zip_file_t *zf = k == j ? NULL : zip_fopen_index_encrypted(z->za, index, 0, z->pw[k]);
        if (zf) {
            zip_fclose(zf);
            return true;
        }
    }
    return false;
}

/* The member read to its end with the password: its CRC (or AES's HMAC) holds. */
static bool whole_ok(struct m365_zip *z, uint64_t index, const char *pw)
{
    char *buf = malloc(HEAD_BYTES);
    zip_file_t *zf = buf ? zip_fopen_index_encrypted(z->za, index, 0, pw) : NULL;
    zip_int64_t n = zf ? 1 : -1;
    while (n > 0) {
        n = zip_fread(zf, buf, HEAD_BYTES);
    }
    if (zf) {
        zip_fclose(zf);
    }
    free(buf);
    return n == 0;
}

/* Opens an encrypted member with the first password that both passes the archive's check and
 * unpacks its first bytes; the last that passed the check when none unpacks (its first read then
 * fails, and says the password may be wrong). A wrong ZipCrypto password passes the one-byte
 * check once in 256 and may unpack first bytes too (a stored member's are not checked until its
 * end): when another password passes the check as well, the member is read to its end before
 * one is taken. Not for AES: its check is 16 bits, and each try derives a key (milliseconds). */
static bool open_encrypted(struct m365_zip *z, uint64_t index, uint16_t method,
                           struct m365_zip_stream *zs, const char **err)
{
    zs->head = malloc(HEAD_BYTES);
    if (!zs->head) {
        *err = "out of memory";
        return false;
    }
    for (size_t k = 0; k < z->n_pw; k++) {
        size_t j = (z->pw_last + k) % z->n_pw;
        zip_file_t *zf = zip_fopen_index_encrypted(z->za, index, 0, z->pw[j]);
        if (!zf) {
            if (zip_error_code_zip(zip_get_error(z->za)) == ZIP_ER_WRONGPASSWD) {
                continue;
            }
            *err = zip_strerror(z->za);
            break;
        }
        zip_int64_t n = zip_fread(zf, zs->head, HEAD_BYTES);
        if (n < 0) {
            snprintf(zs->err, sizeof(zs->err), "%s", zip_file_strerror(zf));
        } else if (method == ZIP_EM_TRAD_PKWARE && (size_t)n == HEAD_BYTES &&
                   other_passes(z, index, j) && !whole_ok(z, index, z->pw[j])) {
            zip_fclose(zf);
            continue;
        }
        if (zs->zf) {
            zip_fclose(zs->zf);
        }
        zs->zf = zf;
        zs->head_len = n > 0 ? (size_t)n : 0;
        zs->head_failed = n < 0;
        if (n >= 0) {
            z->pw_last = j;
            return true;
        }
    }
    if (zs->zf) {
        return true;
    }
    if (!*err) {
        *err = z->n_pw == 0   ? "encrypted: no password given"
               : z->n_pw == 1 ? "encrypted: the password given does not open it"
                              : "encrypted: none of the passwords given opens it";
    }
    free(zs->head);
    return false;
}

struct m365_zip_stream *m365_zip_stream_open(struct m365_zip *z, uint64_t index, bool packed,
                                             const char **err)
{
    struct m365_zip_stream *zs = calloc(1, sizeof(*zs));
    if (!zs) {
        *err = "out of memory";
        return NULL;
    }
    zip_stat_t sb;
    zip_stat_init(&sb);
    zs->encrypted = !packed && zip_stat_index(z->za, index, 0, &sb) == 0 &&
                    (sb.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
                    sb.encryption_method != ZIP_EM_NONE;
    if (zs->encrypted) {
        *err = NULL;
        if (!open_encrypted(z, index, sb.encryption_method, zs, err)) {
            free(zs);
            return NULL;
        }
        return zs;
    }
    zs->zf = zip_fopen_index(z->za, index, packed ? ZIP_FL_COMPRESSED : 0);
    if (!zs->zf) {
        *err = zip_strerror(z->za);
        free(zs);
        return NULL;
    }
    return zs;
}

ssize_t m365_zip_stream_read(struct m365_zip_stream *zs, void *buf, size_t cap, const char **err)
{
    if (zs->head_at < zs->head_len) {
        size_t n = zs->head_len - zs->head_at < cap ? zs->head_len - zs->head_at : cap;
        memcpy(buf, zs->head + zs->head_at, n);
        zs->head_at += n;
        return (ssize_t)n;
    }
    zip_int64_t n = zs->head_failed ? -1 : zip_fread(zs->zf, buf, cap);
    if (n < 0) {
        if (!zs->head_failed) {
            snprintf(zs->err, sizeof(zs->err), "%s", zip_file_strerror(zs->zf));
        }
        if (zs->encrypted) {
            /* A wrong password may pass the archive's check: its bytes then fail here. */
            size_t k = strlen(zs->err);
            snprintf(zs->err + k, sizeof(zs->err) - k, "; or the password is wrong");
        }
        zs->head_failed = false;
        *err = zs->err;
        return -1;
    }
    return (ssize_t)n;
}

void m365_zip_stream_close(struct m365_zip_stream *zs)
{
    if (zs) {
        if (zs->zf) {
            zip_fclose(zs->zf);
        }
        free(zs->head);
        free(zs);
    }
}

/* Member index into fd. M365_E_FORMAT when its bytes cannot be had, M365_E_IO when they
 * cannot be written (*err says), M365_E_LIMIT (*err says which). */
static enum m365_status unpack_to(struct m365_zip *z, uint64_t index, int fd, uint64_t max_bytes,
                                  uint32_t max_ratio, uint64_t *written, const char **err)
{
    *written = 0;
    struct m365_zip_member m;
    if (m365_zip_member(z, index, &m) != 0 || m.unreadable) {
        return M365_E_FORMAT;
    }
    uint64_t packed = m.comp_size ? m.comp_size : 1;
    struct m365_zip_stream *zs = m365_zip_stream_open(z, index, false, err);
    if (!zs) {
        return M365_E_FORMAT;
    }
    enum { BUF = 1 << 20 };
    char *buf = malloc(BUF);
    enum m365_status st = buf ? M365_OK : M365_E_NOMEM;
    while (st == M365_OK) {
        ssize_t n = m365_zip_stream_read(zs, buf, BUF, err);
        if (n <= 0) {
            st = n < 0 ? M365_E_FORMAT : M365_OK;
            break;
        }
        *written += (uint64_t)n;
        if (*written > max_bytes ||
            (*written > ((uint64_t)256 << 20) && *written / packed > max_ratio)) {
            *err = *written > max_bytes ? "unpacked size exceeds the limit (--max-decompressed)"
                                        : "possible decompression bomb (--max-ratio)";
            st = M365_E_LIMIT;
            break;
        }
        if (m365_write_all(fd, buf, (size_t)n) != 0) {
            *err = strerror(errno);
            st = M365_E_IO;
        }
    }
    free(buf);
    m365_zip_stream_close(zs);
    return st;
}

/* Room for one more in k and a new temporary file in dir, whose fd goes in *fd: M365_OK,
 * M365_E_NOMEM, or M365_E_IO (errno says why) with *t NULL. */
static enum m365_status temp_begin(struct m365_zip_temps *k, const char *dir,
                                   struct m365_zip_temp **t, int *fd)
{
    *t = NULL;
    if (k->n == k->cap) {
        size_t nc = k->cap ? k->cap * 2 : 4;
        struct m365_zip_temp **nv = realloc(k->v, nc * sizeof(*nv));
        if (!nv) {
            return M365_E_NOMEM;
        }
        k->v = nv;
        k->cap = nc;
    }
    struct m365_zip_temp *n = malloc(sizeof(*n));
    if (!n) {
        return M365_E_NOMEM;
    }
    *fd = m365_temp_file(dir);
    if (*fd < 0) {
        int e = errno;
        free(n);
        errno = e;
        return M365_E_IO;
    }
    *t = n;
    return M365_OK;
}

static void temp_keep(struct m365_zip_temps *k, struct m365_zip_temp *t, int fd, const char **name)
{
    t->fd = fd;
    snprintf(t->name, sizeof(t->name), "/proc/self/fd/%d", fd);
    k->v[k->n++] = t;
    *name = t->name;
}

enum m365_status m365_zip_temps_unpack(struct m365_zip_temps *k, struct m365_zip **z,
                                       const char *outer, const char *const *pw, size_t n_pw,
                                       uint64_t index, const char *dir,
                                       const struct m365_limits *lim, const char **name,
                                       uint64_t *bytes, char *err, size_t esz)
{
    if (!*z) {
        char why[200];
        if (m365_zip_open(outer, z, why, sizeof(why)) != M365_OK) {
            *z = NULL;
            return M365_E_FORMAT;
        }
        m365_zip_set_passwords(*z, pw, n_pw);
    }
    struct m365_zip_temp *t;
    int fd = -1;
    enum m365_status st = temp_begin(k, dir, &t, &fd);
    if (st == M365_E_IO) {
        snprintf(err, esz, "an archive inside the archive cannot be unpacked to a temporary file "
                 "in %s (%s): extract it and scan the folder", m365_temp_dir(dir),
                 strerror(errno));
    }
    if (st != M365_OK) {
        return st;
    }
    const char *why = NULL;
    st = unpack_to(*z, index, fd, lim->max_decompressed_bytes, lim->max_decompress_ratio, bytes,
                   &why);
    if (st == M365_E_LIMIT) {
        snprintf(err, esz, "an archive inside the archive, not opened: %s", why);
    } else if (st == M365_E_IO) {
        snprintf(err, esz, "an archive inside the archive cannot be unpacked to a temporary file "
                 "in %s (%s): extract it and scan the folder", dir, why);
    }
    if (st != M365_OK) {
        close(fd);
        free(t);
        return st;
    }
    temp_keep(k, t, fd, name);
    return M365_OK;
}

enum m365_status m365_zip_temps_copy(struct m365_zip_temps *k, int src, uint64_t offset,
                                     uint64_t size, const char *dir, const char **name,
                                     char *err, size_t esz)
{
    struct m365_zip_temp *t;
    int fd = -1;
    enum m365_status st = temp_begin(k, dir, &t, &fd);
    const char *why = st == M365_E_IO ? strerror(errno) : NULL;
    char *buf = st == M365_OK ? malloc(1u << 20) : NULL;
    if (st == M365_OK && !buf) {
        st = M365_E_NOMEM;
    }
    bool reading = false; /* the archive failed, not the copy */
    for (uint64_t done = 0; st == M365_OK && done < size;) {
        size_t want = size - done < (1u << 20) ? (size_t)(size - done) : (1u << 20);
        ssize_t r = pread(src, buf, want, (off_t)(offset + done));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            why = r < 0 ? strerror(errno) : "the archive ends before it";
            reading = true;
            st = M365_E_IO;
            break;
        }
        if (m365_write_all(fd, buf, (size_t)r) != 0) {
            why = strerror(errno);
            st = M365_E_IO;
            break;
        }
        done += (uint64_t)r;
    }
    free(buf);
    if (st == M365_E_IO && reading) {
        snprintf(err, esz, "an archive inside the archive cannot be read (%s): extract it and "
                 "scan the folder", why);
    } else if (st == M365_E_IO) {
        snprintf(err, esz, "an archive inside the archive cannot be copied to a temporary file "
                 "in %s (%s): extract it and scan the folder", m365_temp_dir(dir), why);
    }
    if (st != M365_OK) {
        if (t) {
            close(fd);
            free(t);
        }
        return st;
    }
    temp_keep(k, t, fd, name);
    return M365_OK;
}

void m365_zip_temps_drop_last(struct m365_zip_temps *k)
{
    if (k->n) {
        struct m365_zip_temp *t = k->v[--k->n];
        close(t->fd);
        free(t);
    }
}

void m365_zip_temps_free(struct m365_zip_temps *k)
{
    while (k->n) {
        m365_zip_temps_drop_last(k);
    }
    free(k->v);
    memset(k, 0, sizeof(*k));
}
