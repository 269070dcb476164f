#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <isa-l/igzip_lib.h>
#include <openssl/evp.h>
#include <zstd.h>

#include "../core/limits.h"
#include "../core/norm.h"
#include "zip_archive.h"

/* Room given to the gzip decoder per call (see gz_decode). */
#define GZ_STEP ((size_t)128 << 10)

struct m365_input {
    int fd;
    bool own_fd;
    /* A member of a ZIP archive: its unpacked bytes stand in for the file's (fd unused). */
    struct m365_zip_stream *zs;
    uint64_t zip_packed; /* the member's size in the archive (the bomb ratio's base) */
    /* A deflated member read as stored and inflated here by ISA-L, as gzip is (twice zlib's
     * speed, which libzip would use); its CRC-32 is checked at its end. */
    bool zip_inflate;
    uint32_t zip_crc;
    bool regular; /* opened by path and a regular file (fstat at open) */
    uint64_t size;
    struct m365_limits lim;
    size_t chunk; /* max bytes handed out per read (test hook), 0 = no cap */

    enum m365_compression comp;
    /* gzip is decoded by ISA-L (igzip): twice zlib's speed on these logs, which is what a
     * scan of .gz exports waits on (bench/RESULTS.md). */
    struct inflate_state *gz;
    unsigned char *gz_stage; /* GZ_STEP bytes decoded for reads smaller than a step */
    size_t gz_pos, gz_len;
    bool gz_member; /* at the start of a gzip member */
    bool z_end; /* the last gzip member or zstd frame finished */
    ZSTD_DStream *zd;
    unsigned char *raw; /* compressed input */
    size_t raw_len, raw_pos, raw_cap;
    bool raw_eof;

    enum m365_encoding enc;
    bool enc_known;
    unsigned char carry[4]; /* UTF-16 bytes left between reads */
    size_t n_carry;
    unsigned pending_hi; /* high surrogate waiting for its low half */

    char *look; /* peeked decoded text */
    size_t look_len, look_pos;
    bool look_in_raw; /* look points into raw (not its own allocation) */
    bool look_all;    /* the look-ahead holds all the text there is */

    uint64_t bytes_in, bytes_decomp, bytes_out;
    uint64_t remain;   /* bytes of the file still to read (a byte range), UINT64_MAX: to EOF */
    bool window;       /* a byte range read with pread at `at` (an archive member) */
    uint64_t at;
    enum m365_compression member_of; /* the archive of a window, for its name */
    bool count_nl;     /* count newlines delivered (byte ranges) */
    uint64_t newlines;
    EVP_MD_CTX *sha; /* SHA-256 of the file's bytes, when asked for */
    const char *err;
    enum m365_status err_st;
    char errbuf[160];
};

static void fail(struct m365_input *in, enum m365_status st, const char *msg)
{
    if (!in->err) {
        in->err = msg;
        in->err_st = st;
    }
}

/* fail() with a message built in errbuf; the first failure's text is kept. */
__attribute__((format(printf, 3, 4))) static void failf(struct m365_input *in,
                                                        enum m365_status st, const char *fmt, ...)
{
    if (in->err) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->errbuf, sizeof(in->errbuf), fmt, ap);
    va_end(ap);
    fail(in, st, in->errbuf);
}

static bool past_limits(struct m365_input *in, uint64_t out, uint64_t packed);

/* A ZIP member's next bytes (packed ones when inflated here); -1 (set) when its data is damaged
 * or unpacks past the limits. */
static ssize_t zip_read(struct m365_input *in, void *buf, size_t cap)
{
    const char *zerr = NULL;
    ssize_t n = m365_zip_stream_read(in->zs, buf, cap, &zerr);
    if (n < 0) {
        failf(in, M365_E_PARSE, "ZIP member is damaged (%s)", zerr ? zerr : "unknown error");
        return -1;
    }
    if (in->zip_inflate) {
        return n; /* the limits are the inflater's, as for gzip */
    }
    /* The central directory's sizes may lie: the limits count what really comes out. */
    in->bytes_decomp += (uint64_t)n;
    return past_limits(in, in->bytes_decomp, in->zip_packed) ? -1 : n;
}

/* read(2) within the input's byte range. */
static ssize_t fd_read(struct m365_input *in, void *buf, size_t cap)
{
    if (in->remain == 0) {
        return 0;
    }
    if (in->zs) {
        return zip_read(in, buf, cap);
    }
    if ((uint64_t)cap > in->remain) {
        cap = (size_t)in->remain;
    }
    ssize_t n;
    do {
        n = in->window ? pread(in->fd, buf, cap, (off_t)in->at) : read(in->fd, buf, cap);
    } while (n < 0 && errno == EINTR);
    if (in->window && n >= 0) {
        in->at += (uint64_t)n;
        if (n == 0) { /* the file is shorter than the member: cut */
            errno = EIO;
            n = -1;
        }
    }
    if (n > 0 && in->remain != UINT64_MAX) {
        in->remain -= (uint64_t)n;
    }
    return n;
}

/* Reads into raw from offset `at`, keeping the bytes before it: how many, 0 at the end of the
 * file, -1 on a read error (set). */
static ssize_t raw_read(struct m365_input *in, size_t at)
{
    ssize_t n = fd_read(in, in->raw + at, in->raw_cap - at);
    if (n < 0) {
        failf(in, M365_E_IO, "read error: %s", strerror(errno));
        return -1;
    }
    if (n == 0) {
        in->raw_eof = true;
    }
    in->raw_len = at + (size_t)n;
    in->bytes_in += (uint64_t)n;
    if (in->sha && n > 0 && !in->zip_inflate) { /* an inflated member hashes what comes out */
        EVP_DigestUpdate(in->sha, in->raw + at, (size_t)n);
    }
    return n;
}

static ssize_t raw_fill(struct m365_input *in)
{
    if (in->raw_pos < in->raw_len) {
        return (ssize_t)(in->raw_len - in->raw_pos);
    }
    if (in->raw_eof) {
        return 0;
    }
    ssize_t n = raw_read(in, 0);
    if (n >= 0) {
        in->raw_pos = 0;
    }
    return n;
}

/* `out` bytes unpacked from `packed`: past the size or ratio limit (then set)? */
static bool past_limits(struct m365_input *in, uint64_t out, uint64_t packed)
{
    if (out > in->lim.max_decompressed_bytes) {
        failf(in, M365_E_LIMIT,
              "decompressed size exceeds the limit of %llu bytes (possible decompression bomb)",
              (unsigned long long)in->lim.max_decompressed_bytes);
        return true;
    }
    if (out > M365_RATIO_GRACE_BYTES && packed > 0 && out / packed > in->lim.max_decompress_ratio) {
        failf(in, M365_E_LIMIT, "decompression ratio exceeds %u:1 (possible decompression bomb)",
              in->lim.max_decompress_ratio);
        return true;
    }
    return false;
}

static bool over_limit(struct m365_input *in)
{
    return past_limits(in, in->bytes_decomp, in->bytes_in);
}

/* Makes n bytes of the file available at raw_pos, fewer only at its end; -1 on a read error
 * (set). */
static int raw_need(struct m365_input *in, size_t n)
{
    while (in->raw_len - in->raw_pos < n && !in->raw_eof) {
        size_t have = in->raw_len - in->raw_pos;
        memmove(in->raw, in->raw + in->raw_pos, have);
        in->raw_pos = 0;
        in->raw_len = have;
        if (raw_read(in, have) < 0) {
            return -1;
        }
    }
    return 0;
}

/* RFC 1952: a decoder must refuse a member whose reserved flag bits are set. ISA-L ignores
 * them (zlib and gzip refuse), so they are checked here, where a member begins. */
static bool gz_flags_ok(struct m365_input *in)
{
    if (raw_need(in, 4) < 0) {
        return false;
    }
    if (in->raw_len - in->raw_pos >= 4 && (in->raw[in->raw_pos + 3] & 0xe0) != 0) {
        fail(in, M365_E_PARSE, "gzip data is corrupt (unknown header flags set)");
        return false;
    }
    return true; /* a header cut short is the decoder's to report */
}

static void gz_restart(struct inflate_state *gz)
{
    isal_inflate_reset(gz);
    gz->crc_flag = ISAL_GZIP; /* header, CRC-32 and length checked by the decoder */
}

static const char *gz_error(int rc)
{
    switch (rc) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid code in deflate data";
    case ISAL_INVALID_LOOKBACK: return "distance too far back";
    case ISAL_INVALID_WRAPPER: return "not a gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "CRC or length check failed";
    default: return "inflate error";
    }
}

/* Decodes up to GZ_STEP bytes into dst; 0 at the end or on an error (then set). Every call
 * of the decoder is given exactly GZ_STEP bytes of room, whatever the caller reads at a time, so
 * what comes out of a damaged file does not depend on the read size. The output of a call that
 * ends in a decoding error is dropped whole: ISA-L may have written bytes past the damage (seen:
 * copies of its own history buffer for a distance that reaches before the start), and only what
 * came before the call is known to be the file's text. A failed CRC or length check keeps it:
 * the data decoded in full, and a responder may still want it (the file is reported either way,
 * as zlib's inflate would have it). */
static size_t gz_decode(struct m365_input *in, unsigned char *dst)
{
    size_t out = 0;
    while (out == 0) {
        if (in->z_end && in->zip_inflate) {
            return 0; /* one deflate stream a member */
        }
        if (in->z_end) {
            /* Another gzip member may follow (concatenated .gz files). */
            ssize_t r = raw_fill(in);
            if (r <= 0) {
                return 0;
            }
            gz_restart(in->gz);
            in->z_end = false;
            in->gz_member = true;
        }
        if (in->gz_member) {
            if (!gz_flags_ok(in)) {
                return 0;
            }
            in->gz_member = false;
        }
        ssize_t r = raw_fill(in);
        if (r < 0) {
            return 0;
        }
        /* At the end of the file the decoder is still called, with no input: it may hold
         * output that did not fit last time (the rest of a match), which must come out before
         * the stream is called truncated. */
        struct inflate_state *gz = in->gz;
        gz->next_in = in->raw + in->raw_pos;
        gz->avail_in = (uint32_t)(in->raw_len - in->raw_pos);
        gz->next_out = dst;
        gz->avail_out = GZ_STEP;
        uint32_t before_in = gz->avail_in;
        int rc = isal_inflate(gz);
        in->raw_pos = in->raw_len - gz->avail_in;
        out = GZ_STEP - gz->avail_out;
        if (rc < 0) {
            failf(in, M365_E_PARSE, "%s (%s)",
                  in->zip_inflate ? "ZIP member is damaged" : "gzip data is corrupt",
                  gz_error(rc));
            /* A failed check value comes after the member's data, which decoded in full. */
            return rc == ISAL_INCORRECT_CHECKSUM ? out : 0;
        }
        if (gz->block_state == ISAL_BLOCK_FINISH) {
            in->z_end = true;
            /* The member's text came out whole; a failed check keeps it, as for gzip. The CRC
             * decides, as for libzip: a size the directory misstates is not damage to it. */
            if (in->zip_inflate && gz->crc != in->zip_crc) {
                failf(in, M365_E_PARSE, "ZIP member is damaged (CRC error)");
            }
        } else if (r == 0 && out == 0 && in->zip_inflate && gz->crc == in->zip_crc) {
            /* The packed bytes ended before the stream's last block said so, but the text has
             * its recorded CRC: whole (libzip's zlib reading takes it too). */
            in->z_end = true;
            return 0;
        } else if (r == 0 && out == 0) {
            fail(in, M365_E_PARSE,
                 in->zip_inflate ? "ZIP member is damaged (its data ends early)"
                                 : "gzip stream is truncated");
            return 0;
        } else if (out == 0 && gz->avail_in == before_in) {
            /* The decoder keeps a partial header or block in its own buffer, so input it is
             * given is always taken; were it ever not, stop rather than spin. */
            fail(in, M365_E_PARSE, "gzip decoder made no progress");
            return 0;
        }
    }
    return out;
}

/* One decoder step into dst, counted (an inflated ZIP member also hashes it) and held to the
 * limits: its length; 0 at the end, on an error or past a limit. */
static size_t gz_step(struct m365_input *in, unsigned char *dst)
{
    size_t out = gz_decode(in, dst);
    in->bytes_decomp += out;
    if (in->zip_inflate && in->sha && out > 0) {
        EVP_DigestUpdate(in->sha, dst, out);
    }
    return over_limit(in) ? 0 : out;
}

static size_t gz_take(struct m365_input *in, unsigned char *buf, size_t cap)
{
    size_t n = in->gz_len - in->gz_pos;
    n = n < cap ? n : cap;
    memcpy(buf, in->gz_stage + in->gz_pos, n);
    in->gz_pos += n;
    return n;
}

/* Decompressed bytes, before transcoding. */
static size_t decomp_read(struct m365_input *in, unsigned char *buf, size_t cap)
{
    if (in->gz_pos < in->gz_len) {
        /* gzip text decoded ahead for smaller reads; it comes out even after an error (a
         * failed check value keeps the member's text). */
        return gz_take(in, buf, cap);
    }
    if (in->err) {
        return 0;
    }
    if (in->comp == M365_COMP_NONE) {
        if (in->raw_pos < in->raw_len) {
            size_t n = in->raw_len - in->raw_pos;
            n = n < cap ? n : cap;
            memcpy(buf, in->raw + in->raw_pos, n);
            in->raw_pos += n;
            return n;
        }
        ssize_t n = fd_read(in, buf, cap);
        if (n < 0) {
            failf(in, M365_E_IO, "read error: %s", strerror(errno));
            return 0;
        }
        in->bytes_in += (uint64_t)n;
        if (in->sha && n > 0) {
            EVP_DigestUpdate(in->sha, buf, (size_t)n);
        }
        return (size_t)n;
    }
    if (in->comp == M365_COMP_GZIP) {
        /* Straight into the caller's buffer when it has room for a whole step. */
        unsigned char *dst = cap >= GZ_STEP ? buf : in->gz_stage;
        size_t out = gz_step(in, dst);
        if (dst == buf || out == 0) {
            return out;
        }
        in->gz_pos = 0;
        in->gz_len = out;
        return gz_take(in, buf, cap);
    }
    /* zstd: frames may be concatenated; the stream must end on a frame boundary. */
    size_t out = 0;
    while (out == 0) {
        ssize_t r = raw_fill(in);
        if (r < 0) {
            return 0;
        }
        if (r == 0 && in->z_end) {
            return 0; /* clean end on a frame boundary */
        }
        /* As for gzip: at the end of the file the decoder is called with no input so that
         * output it still holds is delivered before the stream is called truncated. */
        ZSTD_inBuffer ib = {in->raw, in->raw_len, in->raw_pos};
        ZSTD_outBuffer ob = {buf, cap, 0};
        size_t ret = ZSTD_decompressStream(in->zd, &ob, &ib);
        in->raw_pos = ib.pos;
        if (ZSTD_isError(ret)) {
            failf(in, M365_E_PARSE, "zstd data is corrupt (%s)", ZSTD_getErrorName(ret));
            return ob.pos;
        }
        in->z_end = ret == 0;
        out = ob.pos;
        if (r == 0 && out == 0 && !in->z_end) {
            fail(in, M365_E_PARSE, "zstd stream is truncated");
            return 0;
        }
    }
    in->bytes_decomp += out;
    return over_limit(in) ? 0 : out;
}

/* Decoded (UTF-8) bytes. cap must be >= 16. */
static size_t text_read(struct m365_input *in, char *buf, size_t cap)
{
    if (in->enc == M365_ENC_UTF8 || in->enc == M365_ENC_UTF8_BOM) {
        return decomp_read(in, (unsigned char *)buf, cap);
    }
    /* UTF-16: read at most cap/2 bytes so the UTF-8 output (<= 3 bytes per unit) fits. */
    unsigned char tmp[64 * 1024 + 4];
    size_t want = cap / 2;
    if (want > 64 * 1024) {
        want = 64 * 1024;
    }
    for (;;) {
        memcpy(tmp, in->carry, in->n_carry);
        size_t got = decomp_read(in, tmp + in->n_carry, want);
        size_t n = in->n_carry + got;
        in->n_carry = 0;
        if (got == 0) {
            /* End: a dangling odd byte or lone surrogate becomes U+FFFD. */
            size_t o = 0;
            if (n > 0 || in->pending_hi) {
                o = m365_utf8_put(0xfffd, buf);
                in->pending_hi = 0;
            }
            return o;
        }
        size_t o = 0, i = 0;
        bool le = in->enc == M365_ENC_UTF16LE;
        for (; i + 1 < n; i += 2) {
            unsigned u = le ? (unsigned)(tmp[i] | (tmp[i + 1] << 8))
                            : (unsigned)((tmp[i] << 8) | tmp[i + 1]);
            if (in->pending_hi) {
                if (u >= 0xdc00 && u <= 0xdfff) {
                    unsigned cp = 0x10000 + ((in->pending_hi - 0xd800) << 10) + (u - 0xdc00);
                    o += m365_utf8_put(cp, buf + o);
                    in->pending_hi = 0;
                    continue;
                }
                o += m365_utf8_put(0xfffd, buf + o);
                in->pending_hi = 0;
            }
            if (u >= 0xd800 && u <= 0xdbff) {
                in->pending_hi = u;
            } else if (u >= 0xdc00 && u <= 0xdfff) {
                o += m365_utf8_put(0xfffd, buf + o);
            } else {
                o += m365_utf8_put(u, buf + o);
            }
        }
        if (i < n) {
            in->carry[0] = tmp[i];
            in->n_carry = 1;
        }
        if (o > 0) {
            return o;
        }
    }
}

static void detect_encoding(struct m365_input *in, unsigned char *b, size_t *n)
{
    in->enc_known = true;
    if (*n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf) {
        in->enc = M365_ENC_UTF8_BOM;
        memmove(b, b + 3, *n - 3);
        *n -= 3;
    } else if (*n >= 2 && b[0] == 0xff && b[1] == 0xfe) {
        in->enc = M365_ENC_UTF16LE;
        memmove(b, b + 2, *n - 2);
        *n -= 2;
    } else if (*n >= 2 && b[0] == 0xfe && b[1] == 0xff) {
        in->enc = M365_ENC_UTF16BE;
        memmove(b, b + 2, *n - 2);
        *n -= 2;
    } else if (*n >= 4 && b[0] != 0 && b[1] == 0 && b[2] != 0 && b[3] == 0) {
        in->enc = M365_ENC_UTF16LE; /* BOM-less UTF-16LE text: ASCII with zero high bytes */
    } else if (*n >= 4 && b[0] == 0 && b[1] != 0 && b[2] == 0 && b[3] != 0) {
        in->enc = M365_ENC_UTF16BE;
    } else {
        in->enc = M365_ENC_UTF8;
    }
}

static struct m365_input *start(struct m365_input *in, const char **err);

/* Compression is recognised by magic bytes, never by file name. */
static bool gzip_magic(const unsigned char *r, size_t n)
{
    return n >= 2 && r[0] == 0x1f && r[1] == 0x8b;
}
static bool zstd_magic(const unsigned char *r, size_t n)
{
    return n >= 4 && r[0] == 0x28 && r[1] == 0xb5 && r[2] == 0x2f && r[3] == 0xfd;
}

struct m365_input *m365_input_open(const char *path, const struct m365_limits *lim,
                                   size_t read_chunk, const char **err)
{
    struct m365_input *in = calloc(1, sizeof(*in));
    if (!in) {
        *err = "out of memory";
        return NULL;
    }
    in->lim = *lim;
    in->chunk = read_chunk;
    in->remain = UINT64_MAX;
    if (strcmp(path, "-") == 0) {
        in->fd = 0;
    } else {
        in->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (in->fd < 0) {
            *err = strerror(errno);
            free(in);
            return NULL;
        }
        in->own_fd = true;
        struct stat st;
        if (fstat(in->fd, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                *err = "is a directory";
                close(in->fd);
                free(in);
                return NULL;
            }
            if (S_ISREG(st.st_mode)) {
                in->regular = true;
                in->size = (uint64_t)st.st_size;
            }
        }
    }
    return start(in, err);
}

struct m365_input *m365_input_open_bytes(int fd, const struct m365_limits *lim, const char **err)
{
    struct m365_input *in = calloc(1, sizeof(*in));
    if (!in) {
        *err = "out of memory";
        return NULL;
    }
    in->fd = fd;
    in->lim = *lim;
    in->remain = UINT64_MAX;
    in->enc_known = true; /* bytes, not text */
    in->enc = M365_ENC_UTF8;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        in->size = (uint64_t)st.st_size;
    }
    return start(in, err);
}

/* A deflated member inflated here, its first step decoded ahead; NULL (nothing set) when that
 * text is itself gzip or zstd (a .gz file in the archive): the caller reads it through libzip,
 * where the usual magic-number detection applies. */
static struct m365_input *inflate_member(struct m365_input *in, struct m365_zip *z,
                                         uint64_t index, const struct m365_zip_member *m,
                                         const char **err)
{
    in->zip_inflate = true;
    in->zip_crc = m->crc;
    in->zs = m365_zip_stream_open(z, index, true, err);
    in->raw_cap = M365_READ_CHUNK;
    in->raw = in->zs ? malloc(in->raw_cap) : NULL;
    in->gz = in->raw ? malloc(sizeof(*in->gz)) : NULL;
    in->gz_stage = in->gz ? malloc(GZ_STEP) : NULL;
    if (!in->gz_stage) {
        *err = in->zs ? "out of memory" : *err;
        m365_input_close(in);
        return NULL;
    }
    in->comp = M365_COMP_GZIP;
    isal_inflate_init(in->gz);
    in->gz->crc_flag = ISAL_GZIP_NO_HDR; /* raw deflate; the CRC-32 of its output kept */
    /* Damage or a limit in the first step is the reading's error, as for a gzip file. */
    in->gz_pos = 0;
    in->gz_len = gz_step(in, in->gz_stage);
    const unsigned char *text = in->gz_stage;
    if (!in->err && (gzip_magic(text, in->gz_len) || zstd_magic(text, in->gz_len))) {
        m365_input_close(in);
        return NULL;
    }
    return in;
}

/* A member's input before its first read. */
static struct m365_input *member_input(const struct m365_zip_member *m,
                                       const struct m365_limits *lim, size_t read_chunk)
{
    struct m365_input *in = calloc(1, sizeof(*in));
    if (in) {
        in->fd = -1;
        in->lim = *lim;
        in->chunk = read_chunk;
        in->remain = UINT64_MAX;
        in->size = m->size;
        in->zip_packed = m->comp_size;
    }
    return in;
}

struct m365_input *m365_input_open_member(struct m365_zip *z, uint64_t index,
                                          const struct m365_limits *lim, size_t read_chunk,
                                          const char **err)
{
    struct m365_zip_member m;
    if (m365_zip_member(z, index, &m) != 0) {
        *err = "the archive's directory entry for it is damaged";
        return NULL;
    }
    if (m.unreadable) {
        *err = m.unreadable;
        return NULL;
    }
    struct m365_input *in = member_input(&m, lim, read_chunk);
    if (in && m.deflated) {
        *err = NULL;
        in = inflate_member(in, z, index, &m, err);
        if (in || *err) {
            return in;
        }
        in = member_input(&m, lim, read_chunk); /* packed text inside: through libzip */
    }
    if (!in) {
        *err = "out of memory";
        return NULL;
    }
    in->zs = m365_zip_stream_open(z, index, false, err);
    if (!in->zs) {
        free(in);
        return NULL;
    }
    return start(in, err);
}

/* The first read, and the decoder the first bytes call for. */
static struct m365_input *start(struct m365_input *in, const char **err)
{
    in->raw_cap = M365_READ_CHUNK;
    in->raw = malloc(in->raw_cap);
    if (!in->raw) {
        *err = "out of memory";
        m365_input_close(in);
        return NULL;
    }
    /* A member opened is a member found: what goes wrong unpacking it (damage, a limit) is told
     * as the reading's error, as for a damaged gzip file. */
    if (raw_fill(in) < 0 && !in->zs) {
        *err = in->err;
        m365_input_close(in);
        return NULL;
    }
    if (gzip_magic(in->raw, in->raw_len)) {
        in->comp = M365_COMP_GZIP;
        in->gz = malloc(sizeof(*in->gz));
        in->gz_stage = malloc(GZ_STEP);
        if (!in->gz || !in->gz_stage) {
            *err = "out of memory";
            m365_input_close(in);
            return NULL;
        }
        isal_inflate_init(in->gz);
        in->gz->crc_flag = ISAL_GZIP;
        in->gz_member = true;
    } else if (zstd_magic(in->raw, in->raw_len)) {
        in->comp = M365_COMP_ZSTD;
        in->zd = ZSTD_createDStream();
        if (!in->zd || ZSTD_isError(ZSTD_initDStream(in->zd))) {
            *err = "cannot initialise zstd decoder";
            m365_input_close(in);
            return NULL;
        }
    }
    return in;
}

struct m365_input *m365_input_open_window(int fd, uint64_t offset, uint64_t size,
                                          enum m365_compression comp,
                                          const struct m365_limits *lim, size_t read_chunk,
                                          const char **err)
{
    struct m365_input *in = calloc(1, sizeof(*in));
    if (!in) {
        *err = "out of memory";
        return NULL;
    }
    in->fd = fd;
    in->lim = *lim;
    in->chunk = read_chunk;
    in->window = true;
    in->at = offset;
    in->remain = size;
    in->size = size;
    in->member_of = comp;
    return start(in, err);
}

/* A part [start, end) of a plain UTF-8 text, its reading not started: what the part readers
 * share. */
static struct m365_input *part_input(const struct m365_limits *lim, size_t read_chunk,
                                     uint64_t start, uint64_t end, const char **err)
{
    struct m365_input *in = calloc(1, sizeof(*in));
    if (!in || !(in->raw = malloc(M365_READ_CHUNK))) {
        free(in);
        *err = "out of memory";
        return NULL;
    }
    in->fd = -1;
    in->raw_cap = M365_READ_CHUNK;
    in->lim = *lim;
    in->chunk = read_chunk;
    in->remain = end > start ? end - start : 0;
    in->size = in->remain;
    in->count_nl = true;
    /* The scan split this plain UTF-8 text itself: the first part sees the BOM, if any. */
    in->comp = M365_COMP_NONE;
    if (start > 0) {
        in->enc_known = true;
        in->enc = M365_ENC_UTF8;
    }
    return in;
}

struct m365_input *m365_input_open_range(const char *path, const struct m365_limits *lim,
                                         size_t read_chunk, uint64_t start, uint64_t end,
                                         const char **err)
{
    struct m365_input *in = part_input(lim, read_chunk, start, end, err);
    if (!in) {
        return NULL;
    }
    in->fd = open(path, O_RDONLY | O_CLOEXEC);
    in->own_fd = in->fd >= 0;
    if (in->fd < 0 || lseek(in->fd, (off_t)start, SEEK_SET) != (off_t)start) {
        *err = strerror(errno);
        m365_input_close(in);
        return NULL;
    }
    return in;
}

struct m365_input *m365_input_open_window_part(int fd, uint64_t offset, uint64_t size,
                                               enum m365_compression comp,
                                               const struct m365_limits *lim, size_t read_chunk,
                                               uint64_t start, uint64_t end, const char **err)
{
    struct m365_input *in = part_input(lim, read_chunk, start, end < size ? end : size, err);
    if (in) {
        in->fd = fd;
        in->window = true;
        in->at = offset + start;
        in->member_of = comp;
    }
    return in;
}

uint64_t m365_input_newlines(const struct m365_input *in) { return in->newlines; }

void m365_input_close(struct m365_input *in)
{
    if (!in) {
        return;
    }
    m365_zip_stream_close(in->zs);
    free(in->gz);
    free(in->gz_stage);
    if (in->zd) {
        ZSTD_freeDStream(in->zd);
    }
    if (in->own_fd) {
        close(in->fd);
    }
    EVP_MD_CTX_free(in->sha);
    free(in->raw);
    if (!in->look_in_raw) {
        free(in->look);
    }
    free(in);
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Bytes of white space at the start of p[0, n), counting on from `from`. */
static size_t leading_space(const char *p, size_t from, size_t n)
{
    while (from < n && is_space(p[from])) {
        from++;
    }
    return from;
}

/* The look-ahead ends M365_SNIFF_BYTES past the white space the text starts with (at most
 * M365_MAX_LEADING_SPACE of it): a format is told from text, and an export that starts with
 * a page of blank lines is still an export. */
static size_t look_want(size_t space) { return space + M365_SNIFF_BYTES; }

int m365_input_peek(struct m365_input *in, const char **data, size_t *len)
{
    if (!in->look) {
        size_t n = 0;
        /* Encoding detection needs the first decompressed bytes as they are. */
        unsigned char head[4];
        size_t hn = 0;
        while (hn < 4) {
            size_t g = decomp_read(in, head + hn, 4 - hn);
            if (g == 0) {
                break;
            }
            hn += g;
        }
        detect_encoding(in, head, &hn);
        /* A whole plain UTF-8 file already in the first read (most exports are files of a
         * few hundred KB): its first bytes are looked at where they are, not copied. */
        if (in->comp == M365_COMP_NONE && in->remain == UINT64_MAX &&
            (in->enc == M365_ENC_UTF8 || in->enc == M365_ENC_UTF8_BOM) &&
            in->raw_len == in->size && in->raw_pos >= hn) {
            size_t start = in->raw_pos - hn, avail = in->raw_len - start;
            in->look = (char *)in->raw + start;
            in->look_in_raw = true;
            size_t cap = avail < M365_MAX_LEADING_SPACE ? avail : M365_MAX_LEADING_SPACE;
            size_t want = look_want(leading_space(in->look, 0, cap));
            in->look_len = avail < want ? avail : want;
            in->look_all = in->look_len == avail;
            in->look_pos = 0;
            in->raw_pos = start + in->look_len;
            *data = in->look;
            *len = in->look_len;
            return 0;
        }
        size_t cap = M365_SNIFF_BYTES;
        in->look = malloc(cap + 8);
        if (!in->look) {
            return -1;
        }
        if (in->enc == M365_ENC_UTF8 || in->enc == M365_ENC_UTF8_BOM) {
            memcpy(in->look, head, hn);
            n = hn;
        } else {
            memcpy(in->carry, head, hn);
            in->n_carry = hn;
        }
        size_t space = 0;
        for (;;) {
            while (n + 16 < cap) {
                size_t g = text_read(in, in->look + n, cap - n);
                if (g == 0) {
                    in->look_all = true;
                    break;
                }
                n += g;
            }
            space = leading_space(in->look, space, n);
            if (in->look_all || space >= M365_MAX_LEADING_SPACE || look_want(space) <= cap) {
                break;
            }
            /* All white space so far: look further, doubling; text found: up to its window. */
            size_t nc = space < n ? look_want(space) : cap * 2;
            if (nc > look_want(M365_MAX_LEADING_SPACE)) {
                nc = look_want(M365_MAX_LEADING_SPACE);
            }
            char *nl = realloc(in->look, nc + 8);
            if (!nl) {
                in->look_len = n;
                in->look_pos = 0;
                return -1;
            }
            in->look = nl;
            cap = nc;
        }
        in->look_len = n;
        in->look_pos = 0;
    }
    *data = in->look + in->look_pos;
    *len = in->look_len - in->look_pos;
    return 0;
}

bool m365_input_peek_all(const struct m365_input *in) { return in->look && in->look_all; }

/* Counts text handed to the reader: its bytes, and its line ends for a byte range. */
static void delivered(struct m365_input *in, const char *p, size_t n)
{
    in->bytes_out += n;
    if (in->count_nl) {
        for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) {
            in->newlines++;
        }
    }
}

size_t m365_input_read(struct m365_input *in, char *buf, size_t cap)
{
    if (!in->enc_known) {
        const char *d;
        size_t l;
        if (m365_input_peek(in, &d, &l) != 0) {
            fail(in, M365_E_NOMEM, "out of memory");
            return 0;
        }
    }
    if (in->chunk && cap > in->chunk) {
        cap = in->chunk;
    }
    size_t n;
    if (in->look_pos < in->look_len) {
        n = in->look_len - in->look_pos;
        n = n < cap ? n : cap;
        memcpy(buf, in->look + in->look_pos, n);
        in->look_pos += n;
    } else if (cap < 16) {
        /* Tiny reads (chunk-size tests): decode into a small buffer and hand out pieces. */
        char tmp[16];
        n = text_read(in, tmp, sizeof(tmp));
        if (n > cap) {
            if (!in->look_in_raw) {
                free(in->look);
            }
            in->look_in_raw = false;
            in->look = malloc(n + 8);
            if (!in->look) {
                fail(in, M365_E_NOMEM, "out of memory");
                return 0;
            }
            memcpy(in->look, tmp, n);
            in->look_len = n;
            in->look_pos = cap;
            n = cap;
        }
        memcpy(buf, tmp, n);
    } else {
        n = text_read(in, buf, cap);
    }
    delivered(in, buf, n);
    return n;
}

bool m365_input_rest(struct m365_input *in, const char **data, size_t *len, size_t padding)
{
    const char *d;
    size_t l;
    if (!in->look && m365_input_peek(in, &d, &l) != 0) {
        return false;
    }
    /* The look-ahead lies in raw only when the whole file does (m365_input_peek); the read-size
     * test hook keeps reading in pieces. */
    if (!in->look_in_raw || in->chunk || in->raw_cap - in->raw_len < padding || in->err) {
        return false;
    }
    const char *p = in->look + in->look_pos;
    size_t n = in->raw_len - (size_t)((const unsigned char *)p - in->raw);
    memset(in->raw + in->raw_len, 0, padding);
    in->look_pos = in->look_len;
    in->raw_pos = in->raw_len;
    delivered(in, p, n);
    *data = p;
    *len = n;
    return true;
}

void m365_input_hash(struct m365_input *in)
{
    in->sha = EVP_MD_CTX_new();
    if (in->sha && EVP_DigestInit_ex(in->sha, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(in->sha);
        in->sha = NULL;
    }
    /* The first chunk was read at open (to see the compression): hash it now. An inflated ZIP
     * member hashes its text, of which the first step was decoded at open. */
    if (in->sha && in->zip_inflate && in->gz_len) {
        EVP_DigestUpdate(in->sha, in->gz_stage, in->gz_len);
    } else if (in->sha && in->raw_len && !in->zip_inflate) {
        EVP_DigestUpdate(in->sha, in->raw, in->raw_len);
    }
}

int m365_input_sha256(struct m365_input *in, char out[65])
{
    if (!in->sha) {
        return -1;
    }
    /* Hash the bytes no reader consumed (a limit hit, a reader that stopped early). */
    unsigned char tmp[1 << 16];
    if (in->zip_inflate) {
        while (decomp_read(in, tmp, sizeof(tmp)) > 0) {
            /* hashed as it comes out */
        }
    } else {
        for (;;) {
            ssize_t n;
            const char *zerr;
            do {
                n = in->zs ? m365_zip_stream_read(in->zs, tmp, sizeof(tmp), &zerr)
                           : read(in->fd, tmp, sizeof(tmp));
            } while (n < 0 && errno == EINTR && !in->zs);
            if (n <= 0) {
                break;
            }
            EVP_DigestUpdate(in->sha, tmp, (size_t)n);
        }
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(in->sha, md, &len) != 1 || len != 32) {
        return -1;
    }
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    EVP_MD_CTX_free(in->sha);
    in->sha = NULL;
    return 0;
}

const char *m365_input_error(const struct m365_input *in, enum m365_status *st)
{
    if (st) {
        *st = in->err ? in->err_st : M365_OK;
    }
    return in->err;
}

uint64_t m365_input_bytes_in(const struct m365_input *in)
{
    return in->zip_inflate ? in->bytes_decomp : in->bytes_in; /* a member: its unpacked bytes */
}
uint64_t m365_input_bytes_out(const struct m365_input *in) { return in->bytes_out; }
uint64_t m365_input_size(const struct m365_input *in) { return in->size; }
bool m365_input_is_regular(const struct m365_input *in) { return in->regular; }
enum m365_compression m365_input_compression(const struct m365_input *in)
{
    if (in->comp == M365_COMP_NONE && in->window) {
        return in->member_of;
    }
    return in->zip_inflate || (in->zs && in->comp == M365_COMP_NONE) ? M365_COMP_ZIP : in->comp;
}
enum m365_encoding m365_input_encoding(const struct m365_input *in) { return in->enc; }

const char *m365_compression_name(enum m365_compression c)
{
    switch (c) {
    case M365_COMP_GZIP: return "gzip";
    case M365_COMP_ZSTD: return "zstd";
    case M365_COMP_ZIP: return "zip";
    case M365_COMP_TAR: return "tar";
    case M365_COMP_7Z: return "7z";
    default: return NULL;
    }
}

const char *m365_encoding_name(enum m365_encoding e)
{
    switch (e) {
    case M365_ENC_UTF8_BOM: return "utf-8-bom";
    case M365_ENC_UTF16LE: return "utf-16le";
    case M365_ENC_UTF16BE: return "utf-16be";
    default: return "utf-8";
    }
}
