#include "test_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "m365hunt/simulate.h"

char *m365_test_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base) {
        base = "/tmp";
    }
    char *tmpl = m365_test_path(base, "m365test.XXXXXX");
    if (!tmpl) {
        return NULL;
    }
    if (!mkdtemp(tmpl)) {
        free(tmpl);
        return NULL;
    }
    return tmpl;
}

int m365_test_dir_setup(void **state)
{
    *state = m365_test_mkdtemp();
    return *state ? 0 : -1;
}

int m365_test_dir_teardown(void **state)
{
    int rc = m365_test_rmtree(*state);
    free(*state);
    return rc;
}

char *m365_test_path(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    char *p = malloc(dl + nl + 2);
    if (!p) {
        return NULL;
    }
    memcpy(p, dir, dl);
    p[dl] = '/';
    memcpy(p + dl + 1, name, nl + 1);
    return p;
}

int m365_test_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        return errno == ENOENT ? 0 : -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return unlink(path);
    }
    DIR *d = opendir(path);
    if (!d) {
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char *child = m365_test_path(path, e->d_name);
        if (!child || m365_test_rmtree(child) != 0) {
            rc = -1;
        }
        free(child);
    }
    closedir(d);
    if (rmdir(path) != 0) {
        rc = -1;
    }
    return rc;
}

int m365_test_write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return -1;
    }
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            close(fd);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return close(fd);
}

char *m365_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
            }
            break;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

unsigned char *m365_test_gzip(const void *data, size_t len, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    /* 15 + 16: zlib writes a gzip header and trailer instead of a zlib wrapper. */
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return NULL;
    }
    uLong bound = deflateBound(&zs, (uLong)len);
    unsigned char *out = malloc(bound);
    if (!out) {
        deflateEnd(&zs);
        return NULL;
    }
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)bound;
    int rc = deflate(&zs, Z_FINISH);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

unsigned char *m365_test_zstd(const void *data, size_t len, size_t *out_len)
{
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    if (!cc) {
        return NULL;
    }
    size_t bound = ZSTD_compressBound(len);
    unsigned char *out = malloc(bound);
    size_t n = 0;
    if (out && !ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1))) {
        n = ZSTD_compress2(cc, out, bound, data, len);
    }
    ZSTD_freeCCtx(cc);
    if (!out || n == 0 || ZSTD_isError(n)) {
        free(out);
        return NULL;
    }
    *out_len = n;
    return out;
}

int m365_test_write_gzip(const char *path, const void *data, size_t len)
{
    size_t n;
    unsigned char *z = m365_test_gzip(data, len, &n);
    if (!z) {
        return -1;
    }
    int rc = m365_test_write_file(path, z, n);
    free(z);
    return rc;
}

int m365_test_write_zstd(const char *path, const void *data, size_t len)
{
    size_t n;
    unsigned char *z = m365_test_zstd(data, len, &n);
    if (!z) {
        return -1;
    }
    int rc = m365_test_write_file(path, z, n);
    free(z);
    return rc;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

unsigned char *m365_test_gzip_repeat(const void *block, size_t block_len, uint64_t times,
                                     size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    /* Raw deflate: the gzip header and trailer are written by hand around the pieces. */
    if (deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        return NULL;
    }
    size_t piece_cap = deflateBound(&zs, (uLong)block_len) + 64;
    unsigned char *piece = malloc(piece_cap);
    unsigned char tail[64];
    size_t piece_len = 0, tail_len = 0;
    int ok = piece != NULL;
    if (ok) {
        zs.next_in = (Bytef *)(uintptr_t)block;
        zs.avail_in = (uInt)block_len;
        zs.next_out = piece;
        zs.avail_out = (uInt)piece_cap;
        /* The full flush ends the piece on a byte boundary with an empty history. */
        ok = deflate(&zs, Z_FULL_FLUSH) == Z_OK && zs.avail_in == 0 && zs.avail_out > 0;
        piece_len = piece_cap - zs.avail_out;
    }
    if (ok) {
        zs.next_out = tail;
        zs.avail_out = sizeof(tail);
        ok = deflate(&zs, Z_FINISH) == Z_STREAM_END;
        tail_len = sizeof(tail) - zs.avail_out;
    }
    deflateEnd(&zs);
    if (!ok || times > (SIZE_MAX - 64 - tail_len) / (piece_len ? piece_len : 1)) {
        free(piece);
        return NULL;
    }
    size_t total = 10 + (size_t)times * piece_len + tail_len + 8;
    unsigned char *out = malloc(total);
    if (!out) {
        free(piece);
        return NULL;
    }
    static const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    memcpy(out, header, sizeof(header));
    size_t o = sizeof(header);
    uLong block_crc = crc32(0, (const Bytef *)block, (uInt)block_len);
    uLong crc = 0;
    for (uint64_t i = 0; i < times; i++) {
        memcpy(out + o, piece, piece_len);
        o += piece_len;
        crc = i == 0 ? block_crc : crc32_combine(crc, block_crc, (z_off_t)block_len);
    }
    memcpy(out + o, tail, tail_len);
    o += tail_len;
    put_le32(out + o, (uint32_t)crc);
    put_le32(out + o + 4, (uint32_t)((uint64_t)block_len * times)); /* ISIZE is mod 2^32 */
    o += 8;
    free(piece);
    *out_len = o;
    return out;
}

int m365_test_simulate_all(const char *dir, unsigned days, uint64_t seed, const char *formats,
                           double activity)
{
    struct m365_sim_options so;
    m365_sim_options_init(&so);
    so.out_dir = dir;
    so.days = days;
    so.seed = seed;
    so.formats = formats;
    if (activity > 0) {
        so.activity = activity;
    }
    static const char *const all[] = {"all"};
    so.scenarios = all;
    so.n_scenarios = 1;
    char err[256];
    struct m365_sim_stats st;
    return m365_simulate(&so, &st, err, sizeof(err)) == M365_OK ? 0 : -1;
}
