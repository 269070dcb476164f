/* io/input: real temporary files, every compression and encoding, truncation, corruption and
 * decompression bombs; gzip decoding (ISA-L) held against zlib's on random streams. Each case is read with several read_chunk values, with and without a
 * peek first, and must decode to the same text every time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>
#include <zstd.h>

#include "core/limits.h"
#include "io/input.h"
#include "test_util.h"

static const size_t chunks[] = {1, 2, 3, 7, 64, 0};
#define N_CHUNKS (sizeof(chunks) / sizeof(chunks[0]))

struct fixture {
    char *dir;
    int seq;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f) {
        return -1;
    }
    f->dir = m365_test_mkdtemp();
    if (!f->dir) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    int rc = m365_test_rmtree(f->dir);
    free(f->dir);
    free(f);
    return rc;
}

static struct m365_limits default_limits(void)
{
    struct m365_limits l;
    l.max_record_bytes = M365_DEFAULT_MAX_RECORD_BYTES;
    l.max_decompressed_bytes = M365_DEFAULT_MAX_DECOMPRESSED;
    l.max_decompress_ratio = M365_DEFAULT_MAX_RATIO;
    l.max_json_depth = M365_DEFAULT_MAX_JSON_DEPTH;
    return l;
}

/* A new file in the fixture directory; the caller frees the path. */
static char *put_file(struct fixture *f, const void *data, size_t len)
{
    char name[32];
    snprintf(name, sizeof(name), "f%03d", f->seq++);
    char *path = m365_test_path(f->dir, name);
    assert_non_null(path);
    assert_int_equal(m365_test_write_file(path, data, len), 0);
    return path;
}

/* Growable byte string for building inputs and expected outputs. */
struct bytes {
    unsigned char *p;
    size_t len, cap;
};

static void bytes_add(struct bytes *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        while (ncap < b->len + n) {
            ncap *= 2;
        }
        b->p = realloc(b->p, ncap);
        assert_non_null(b->p);
        b->cap = ncap;
    }
    if (n) {
        memcpy(b->p + b->len, data, n);
    }
    b->len += n;
}

static void bytes_str(struct bytes *b, const char *s)
{
    bytes_add(b, s, strlen(s));
}

static void bytes_u16(struct bytes *b, unsigned u, bool le)
{
    unsigned char two[2];
    two[le ? 0 : 1] = (unsigned char)(u & 0xff);
    two[le ? 1 : 0] = (unsigned char)(u >> 8);
    bytes_add(b, two, 2);
}

/* Independent UTF-8 encoder for expected values. */
static void bytes_utf8(struct bytes *b, unsigned cp)
{
    unsigned char o[4];
    size_t n;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        o[0] = (unsigned char)(0xe0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        o[0] = (unsigned char)(0xf0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[3] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    bytes_add(b, o, n);
}

/* What one pass over a file produced. */
struct result {
    struct bytes text;
    enum m365_status st;
    char err[256];
    enum m365_encoding enc;
    enum m365_compression comp;
    uint64_t bytes_in, bytes_out, size;
};

static void read_all(const char *path, const struct m365_limits *lim, size_t chunk, bool peek_first,
                     bool rest_first, struct result *r)
{
    memset(r, 0, sizeof(*r));
    const char *err = NULL;
    struct m365_input *in = m365_input_open(path, lim, chunk, &err);
    if (!in) {
        fail_msg("cannot open %s: %s", path, err ? err : "?");
    }
    const char *peek = NULL;
    size_t peek_len = 0;
    char *peek_copy = NULL;
    if (peek_first) {
        assert_int_equal(m365_input_peek(in, &peek, &peek_len), 0);
        assert_true(peek_len <= M365_SNIFF_BYTES);
        peek_copy = malloc(peek_len + 1);
        assert_non_null(peek_copy);
        memcpy(peek_copy, peek, peek_len);
        /* Peeking twice shows the same bytes and consumes nothing. */
        const char *again;
        size_t again_len;
        assert_int_equal(m365_input_peek(in, &again, &again_len), 0);
        assert_int_equal(again_len, peek_len);
        assert_memory_equal(again, peek_copy, peek_len);
    }
    if (rest_first) {
        /* The whole text where it lies: exactly for a plain UTF-8 file the first read held. */
        const char *all;
        size_t n;
        bool got = m365_input_rest(in, &all, &n, 64);
        enum m365_encoding enc = m365_input_encoding(in);
        bool whole = chunk == 0 && m365_input_compression(in) == M365_COMP_NONE &&
                     (enc == M365_ENC_UTF8 || enc == M365_ENC_UTF8_BOM) &&
                     m365_input_size(in) + 64 <= M365_READ_CHUNK;
        assert_int_equal(got, whole);
        if (got) {
            bytes_add(&r->text, all, n);
            for (size_t i = 0; i < 64; i++) {
                assert_int_equal(all[n + i], 0);
            }
        }
    }
    /* Reads as large as the readers' (a decoder may fill the caller's buffer directly). */
    enum { BUF = 1 << 20 };
    char *buf = malloc(BUF);
    assert_non_null(buf);
    for (;;) {
        size_t n = m365_input_read(in, buf, BUF);
        if (n == 0) {
            break;
        }
        assert_true(n <= BUF);
        if (chunk) {
            assert_true(n <= chunk);
        }
        bytes_add(&r->text, buf, n);
    }
    /* The end is sticky. */
    assert_int_equal(m365_input_read(in, buf, BUF), 0);
    free(buf);
    const char *msg = m365_input_error(in, &r->st);
    if (msg) {
        snprintf(r->err, sizeof(r->err), "%s", msg);
        assert_int_not_equal(r->st, M365_OK);
    } else {
        assert_int_equal(r->st, M365_OK);
    }
    if (peek_first) {
        /* The peeked bytes are the start of the decoded text. */
        assert_true(peek_len <= r->text.len);
        assert_memory_equal(r->text.p, peek_copy, peek_len);
        free(peek_copy);
    }
    r->enc = m365_input_encoding(in);
    r->comp = m365_input_compression(in);
    r->bytes_in = m365_input_bytes_in(in);
    r->bytes_out = m365_input_bytes_out(in);
    r->size = m365_input_size(in);
    m365_input_close(in);
}

struct expect {
    const unsigned char *text; /* expected decoded text, or the full text a prefix is cut from */
    size_t len;
    enum m365_encoding enc;
    enum m365_compression comp;
    enum m365_status st;  /* M365_OK for a clean end */
    const char *err_sub;  /* expected in the error message */
    size_t min_prefix;    /* with an error: at least this much of text is delivered */
    bool any_bytes;       /* corrupt input: bytes before the error need not match text */
};

/* Reads path with every chunk size, with and without peeking, and with and without taking the
 * rest at once (m365_input_rest); all passes must agree with each other and with the
 * expectation. */
static void check_file(const char *path, const struct m365_limits *lim, const struct expect *e)
{
    struct result first;
    memset(&first, 0, sizeof(first));
    bool have_first = false;
    for (size_t ci = 0; ci < N_CHUNKS; ci++) {
        for (int pass = 0; pass < 4; pass++) {
            int peek = pass & 1;
            struct result r;
            read_all(path, lim, chunks[ci], peek == 1, pass >= 2, &r);
            if (e->st == M365_OK) {
                if (r.st != M365_OK) {
                    fail_msg("chunk %zu: unexpected error: %s", chunks[ci], r.err);
                }
                if (r.text.len != e->len || (e->len && memcmp(r.text.p, e->text, e->len) != 0)) {
                    fail_msg("chunk %zu peek %d: decoded %zu bytes, want %zu (or content differs)",
                             chunks[ci], peek, r.text.len, e->len);
                }
                assert_true(r.bytes_in == r.size);
            } else {
                if (r.st != e->st) {
                    fail_msg("chunk %zu: status %d (%s), want %d", chunks[ci], (int)r.st, r.err,
                             (int)e->st);
                }
                if (e->err_sub && !strstr(r.err, e->err_sub)) {
                    fail_msg("chunk %zu: error \"%s\" lacks \"%s\"", chunks[ci], r.err, e->err_sub);
                }
                /* Whatever was delivered is the true start of the text. */
                assert_true(e->any_bytes || r.text.len <= e->len);
                if (!e->any_bytes && r.text.len && memcmp(r.text.p, e->text, r.text.len) != 0) {
                    fail_msg("chunk %zu: delivered bytes are not a prefix of the text", chunks[ci]);
                }
                if (r.text.len < e->min_prefix) {
                    fail_msg("chunk %zu: only %zu bytes delivered, want at least %zu", chunks[ci],
                             r.text.len, e->min_prefix);
                }
            }
            assert_int_equal(r.enc, e->enc);
            assert_int_equal(r.comp, e->comp);
            assert_true(r.bytes_out == r.text.len);
            if (!have_first) {
                first = r;
                have_first = true;
            } else {
                /* Every chunk size delivers exactly the same bytes. */
                if (r.text.len != first.text.len ||
                    (r.text.len && memcmp(r.text.p, first.text.p, r.text.len) != 0)) {
                    fail_msg("chunk %zu peek %d: %zu bytes, first pass gave %zu", chunks[ci], peek,
                             r.text.len, first.text.len);
                }
                assert_int_equal(r.st, first.st);
                free(r.text.p);
            }
        }
    }
    free(first.text.p);
}

static void check_bytes(struct fixture *f, const void *file, size_t file_len,
                        const struct expect *e)
{
    char *path = put_file(f, file, file_len);
    struct m365_limits lim = default_limits();
    check_file(path, &lim, e);
    free(path);
}

static struct expect ok_text(const void *text, size_t len, enum m365_encoding enc,
                             enum m365_compression comp)
{
    struct expect e;
    memset(&e, 0, sizeof(e));
    e.text = text;
    e.len = len;
    e.enc = enc;
    e.comp = comp;
    e.st = M365_OK;
    return e;
}

/* Text big enough to cross the peek window and many read buffers, with multi-byte
 * characters at every alignment. */
static void make_utf8_text(struct bytes *b, size_t approx)
{
    unsigned n = 0;
    while (b->len < approx) {
        char line[160];
        snprintf(line, sizeof(line),
                 "{\"CreationTime\":\"2023-09-26T01:51:%02u\",\"Operation\":\"Update application "
                 "\xe2\x80\x93 x\",\"n\":%u,\"s\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}\n",
                 n % 60, n);
        bytes_str(b, line + (n % 3)); /* shift alignment line by line */
        n++;
    }
}

static void test_plain_utf8(void **state)
{
    struct fixture *f = *state;
    struct bytes text = {0};
    make_utf8_text(&text, 200000);
    struct expect e = ok_text(text.p, text.len, M365_ENC_UTF8, M365_COMP_NONE);
    check_bytes(f, text.p, text.len, &e);

    /* Tiny and empty files (shorter than the 4 bytes encoding detection looks at). */
    static const char *const tiny[] = {"", "x", "ab", "abc", "abcd", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof(tiny) / sizeof(tiny[0]); i++) {
        e = ok_text(tiny[i], strlen(tiny[i]), M365_ENC_UTF8, M365_COMP_NONE);
        check_bytes(f, tiny[i], strlen(tiny[i]), &e);
    }
    free(text.p);
}

static void test_utf8_bom(void **state)
{
    struct fixture *f = *state;
    struct bytes text = {0};
    make_utf8_text(&text, 100000);
    struct bytes file = {0};
    bytes_add(&file, "\xef\xbb\xbf", 3);
    bytes_add(&file, text.p, text.len);
    struct expect e = ok_text(text.p, text.len, M365_ENC_UTF8_BOM, M365_COMP_NONE);
    check_bytes(f, file.p, file.len, &e);
    assert_string_equal(m365_encoding_name(M365_ENC_UTF8_BOM), "utf-8-bom");
    assert_string_equal(m365_encoding_name(M365_ENC_UTF8), "utf-8");

    /* A BOM and nothing else; a BOM and one character. */
    e = ok_text("", 0, M365_ENC_UTF8_BOM, M365_COMP_NONE);
    check_bytes(f, "\xef\xbb\xbf", 3, &e);
    e = ok_text("[", 1, M365_ENC_UTF8_BOM, M365_COMP_NONE);
    check_bytes(f, "\xef\xbb\xbf[", 4, &e);
    /* Only the leading BOM is removed. */
    e = ok_text("a\xef\xbb\xbf", 4, M365_ENC_UTF8_BOM, M365_COMP_NONE);
    check_bytes(f, "\xef\xbb\xbf" "a\xef\xbb\xbf", 7, &e);
    free(text.p);
    free(file.p);
}

/* The hand-written sample: BMP characters, a surrogate pair and lone surrogates. */
static void utf16_sample(struct bytes *file, struct bytes *want, bool le, bool bom)
{
    if (bom) {
        bytes_u16(file, 0xfeff, le);
    }
    static const unsigned units[] = {'{', '"', 'A', 0xe9, 0x20ac, 0xd83d, 0xde00, /* U+1F600 */
                                     0xd800, 'x',                                /* lone high */
                                     0xdc00, 'y',                                /* lone low */
                                     0xd83d, 0xd83d, 0xde00, /* high, then a complete pair */
                                     '"', '}', '\r', '\n'};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        bytes_u16(file, units[i], le);
    }
    bytes_str(want, "{\"A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
                    "\xef\xbf\xbdx"
                    "\xef\xbf\xbdy"
                    "\xef\xbf\xbd\xf0\x9f\x98\x80"
                    "\"}\r\n");
}

/* A long UTF-16 text whose surrogate pairs fall on every alignment of the read buffers. */
static void utf16_long(struct bytes *file, struct bytes *want, bool le)
{
    bytes_u16(file, 0xfeff, le);
    uint32_t x = 12345;
    for (int i = 0; i < 60000; i++) {
        x = x * 1103515245u + 12345u;
        unsigned kind = (x >> 16) % 5;
        unsigned cp;
        if (kind == 0) {
            cp = 0x10000 + (x >> 8) % 0x100000; /* astral */
        } else if (kind == 1) {
            cp = 0x800 + (x >> 8) % 0x7000; /* three-byte, below the surrogates */
        } else if (kind == 2) {
            cp = 0x80 + (x >> 8) % 0x780;
        } else {
            cp = 0x20 + (x >> 8) % 0x5f;
        }
        if (cp >= 0x10000) {
            bytes_u16(file, 0xd800 + ((cp - 0x10000) >> 10), le);
            bytes_u16(file, 0xdc00 + ((cp - 0x10000) & 0x3ff), le);
        } else {
            bytes_u16(file, cp, le);
        }
        bytes_utf8(want, cp);
    }
}

static void test_utf16le(void **state)
{
    struct fixture *f = *state;
    for (int bom = 1; bom >= 0; bom--) {
        struct bytes file = {0}, want = {0};
        utf16_sample(&file, &want, true, bom == 1);
        struct expect e = ok_text(want.p, want.len, M365_ENC_UTF16LE, M365_COMP_NONE);
        check_bytes(f, file.p, file.len, &e);
        free(file.p);
        free(want.p);
    }
    struct bytes file = {0}, want = {0};
    utf16_long(&file, &want, true);
    struct expect e = ok_text(want.p, want.len, M365_ENC_UTF16LE, M365_COMP_NONE);
    check_bytes(f, file.p, file.len, &e);
    free(file.p);
    free(want.p);
    assert_string_equal(m365_encoding_name(M365_ENC_UTF16LE), "utf-16le");
}

static void test_utf16be(void **state)
{
    struct fixture *f = *state;
    for (int bom = 1; bom >= 0; bom--) {
        struct bytes file = {0}, want = {0};
        utf16_sample(&file, &want, false, bom == 1);
        struct expect e = ok_text(want.p, want.len, M365_ENC_UTF16BE, M365_COMP_NONE);
        check_bytes(f, file.p, file.len, &e);
        free(file.p);
        free(want.p);
    }
    struct bytes file = {0}, want = {0};
    utf16_long(&file, &want, false);
    struct expect e = ok_text(want.p, want.len, M365_ENC_UTF16BE, M365_COMP_NONE);
    check_bytes(f, file.p, file.len, &e);
    free(file.p);
    free(want.p);
    assert_string_equal(m365_encoding_name(M365_ENC_UTF16BE), "utf-16be");
}

static void test_utf16_endings(void **state)
{
    struct fixture *f = *state;
    /* A high surrogate at the very end, and an odd trailing byte, each become U+FFFD. */
    struct bytes file = {0};
    bytes_u16(&file, 0xfeff, true);
    bytes_u16(&file, 'z', true);
    bytes_u16(&file, 0xd83d, true);
    struct expect e = ok_text("z\xef\xbf\xbd", 4, M365_ENC_UTF16LE, M365_COMP_NONE);
    check_bytes(f, file.p, file.len, &e);
    file.len = 0;
    bytes_u16(&file, 0xfeff, true);
    bytes_u16(&file, 'a', true);
    bytes_u16(&file, 'b', true);
    bytes_add(&file, "c", 1);
    e = ok_text("ab\xef\xbf\xbd", 5, M365_ENC_UTF16LE, M365_COMP_NONE);
    check_bytes(f, file.p, file.len, &e);
    /* BOM only. */
    e = ok_text("", 0, M365_ENC_UTF16LE, M365_COMP_NONE);
    check_bytes(f, "\xff\xfe", 2, &e);
    e = ok_text("", 0, M365_ENC_UTF16BE, M365_COMP_NONE);
    check_bytes(f, "\xfe\xff", 2, &e);
    /* A NUL character is data, not an end. */
    file.len = 0;
    bytes_u16(&file, 0xfeff, false);
    bytes_u16(&file, 'a', false);
    bytes_u16(&file, 0, false);
    bytes_u16(&file, 'b', false);
    e = ok_text("a\0b", 3, M365_ENC_UTF16BE, M365_COMP_NONE);
    check_bytes(f, file.p, file.len, &e);
    free(file.p);
}

static void test_gzip(void **state)
{
    struct fixture *f = *state;
    struct bytes text = {0};
    make_utf8_text(&text, 150000);
    size_t zn;
    unsigned char *z = m365_test_gzip(text.p, text.len, &zn);
    assert_non_null(z);
    struct expect e = ok_text(text.p, text.len, M365_ENC_UTF8, M365_COMP_GZIP);
    check_bytes(f, z, zn, &e);
    assert_string_equal(m365_compression_name(M365_COMP_GZIP), "gzip");

    /* Two members back to back (cat a.gz b.gz) decode to both texts. */
    size_t split = text.len / 3;
    size_t n1, n2;
    unsigned char *z1 = m365_test_gzip(text.p, split, &n1);
    unsigned char *z2 = m365_test_gzip(text.p + split, text.len - split, &n2);
    assert_non_null(z1);
    assert_non_null(z2);
    struct bytes cat = {0};
    bytes_add(&cat, z1, n1);
    bytes_add(&cat, z2, n2);
    check_bytes(f, cat.p, cat.len, &e);

    /* Many small members, including empty ones. */
    cat.len = 0;
    struct bytes want = {0};
    for (int i = 0; i < 20; i++) {
        char piece[32];
        int pn = i % 4 == 0 ? 0 : snprintf(piece, sizeof(piece), "member %d\n", i);
        size_t mn;
        unsigned char *m = m365_test_gzip(piece, (size_t)pn, &mn);
        assert_non_null(m);
        bytes_add(&cat, m, mn);
        bytes_add(&want, piece, (size_t)pn);
        free(m);
    }
    e = ok_text(want.p, want.len, M365_ENC_UTF8, M365_COMP_GZIP);
    check_bytes(f, cat.p, cat.len, &e);

    /* Empty content. */
    free(z);
    z = m365_test_gzip("", 0, &zn);
    assert_non_null(z);
    e = ok_text("", 0, M365_ENC_UTF8, M365_COMP_GZIP);
    check_bytes(f, z, zn, &e);

    /* Encoding detection applies to the decompressed bytes. */
    struct bytes u16 = {0}, u16want = {0};
    utf16_sample(&u16, &u16want, true, true);
    free(z);
    z = m365_test_gzip(u16.p, u16.len, &zn);
    assert_non_null(z);
    e = ok_text(u16want.p, u16want.len, M365_ENC_UTF16LE, M365_COMP_GZIP);
    check_bytes(f, z, zn, &e);

    free(z);
    free(z1);
    free(z2);
    free(cat.p);
    free(want.p);
    free(u16.p);
    free(u16want.p);
    free(text.p);
}

static void test_zstd(void **state)
{
    struct fixture *f = *state;
    struct bytes text = {0};
    make_utf8_text(&text, 200000);
    size_t zn;
    unsigned char *z = m365_test_zstd(text.p, text.len, &zn);
    assert_non_null(z);
    struct expect e = ok_text(text.p, text.len, M365_ENC_UTF8, M365_COMP_ZSTD);
    check_bytes(f, z, zn, &e);
    assert_string_equal(m365_compression_name(M365_COMP_ZSTD), "zstd");
    assert_null(m365_compression_name(M365_COMP_NONE));

    /* Without a checksum the last block ends the file, so the decoder can still hold output
     * when the input is used up. */
    size_t bound = ZSTD_compressBound(text.len);
    unsigned char *plain = malloc(bound);
    assert_non_null(plain);
    size_t pn = ZSTD_compress(plain, bound, text.p, text.len, 3);
    assert_false(ZSTD_isError(pn));
    check_bytes(f, plain, pn, &e);

    /* Two frames back to back. */
    size_t split = text.len / 2 + 17;
    size_t n1, n2;
    unsigned char *z1 = m365_test_zstd(text.p, split, &n1);
    unsigned char *z2 = m365_test_zstd(text.p + split, text.len - split, &n2);
    assert_non_null(z1);
    assert_non_null(z2);
    struct bytes cat = {0};
    bytes_add(&cat, z1, n1);
    bytes_add(&cat, z2, n2);
    check_bytes(f, cat.p, cat.len, &e);

    /* Small frames, some empty. */
    cat.len = 0;
    struct bytes want = {0};
    for (int i = 0; i < 20; i++) {
        char piece[32];
        int len = i % 4 == 0 ? 0 : snprintf(piece, sizeof(piece), "frame %d\n", i);
        size_t mn;
        unsigned char *m = m365_test_zstd(piece, (size_t)len, &mn);
        assert_non_null(m);
        bytes_add(&cat, m, mn);
        bytes_add(&want, piece, (size_t)len);
        free(m);
    }
    e = ok_text(want.p, want.len, M365_ENC_UTF8, M365_COMP_ZSTD);
    check_bytes(f, cat.p, cat.len, &e);

    /* UTF-16BE inside zstd. */
    struct bytes u16 = {0}, u16want = {0};
    utf16_long(&u16, &u16want, false);
    free(z);
    z = m365_test_zstd(u16.p, u16.len, &zn);
    assert_non_null(z);
    e = ok_text(u16want.p, u16want.len, M365_ENC_UTF16BE, M365_COMP_ZSTD);
    check_bytes(f, z, zn, &e);

    free(z);
    free(z1);
    free(z2);
    free(plain);
    free(cat.p);
    free(want.p);
    free(u16.p);
    free(u16want.p);
    free(text.p);
}

static struct expect err_text(const void *text, size_t len, enum m365_compression comp,
                              enum m365_status st, const char *sub, size_t min_prefix)
{
    struct expect e = ok_text(text, len, M365_ENC_UTF8, comp);
    e.st = st;
    e.err_sub = sub;
    e.min_prefix = min_prefix;
    return e;
}

/* zstd frame whose blocks end every `every` input bytes (a flush ends the current block), so
 * that a cut leaves a usable prefix of whole blocks. */
static unsigned char *zstd_small_blocks(const unsigned char *data, size_t len, size_t every,
                                        size_t *out_len)
{
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    assert_non_null(cc);
    size_t cap = ZSTD_compressBound(len) + 64 * (len / every + 1);
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    ZSTD_outBuffer ob = {out, cap, 0};
    for (size_t pos = 0; pos < len; pos += every) {
        size_t n = len - pos < every ? len - pos : every;
        ZSTD_inBuffer ib = {data + pos, n, 0};
        size_t rem;
        do {
            rem = ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_flush);
            assert_false(ZSTD_isError(rem));
        } while (rem != 0);
    }
    ZSTD_inBuffer none = {NULL, 0, 0};
    size_t rem;
    do {
        rem = ZSTD_compressStream2(cc, &ob, &none, ZSTD_e_end);
        assert_false(ZSTD_isError(rem));
    } while (rem != 0);
    ZSTD_freeCCtx(cc);
    *out_len = ob.pos;
    return out;
}

static void test_truncated(void **state)
{
    struct fixture *f = *state;
    struct bytes text = {0};
    make_utf8_text(&text, 150000);

    size_t zn;
    unsigned char *z = m365_test_gzip(text.p, text.len, &zn);
    assert_non_null(z);
    /* Cut in the middle of the deflate data: most of the first half must come out. */
    struct expect e = err_text(text.p, text.len, M365_COMP_GZIP, M365_E_PARSE, "truncated",
                               text.len / 4);
    check_bytes(f, z, zn / 2, &e);
    /* Cut inside the trailer: every byte of text is there, the check value is not. */
    e = err_text(text.p, text.len, M365_COMP_GZIP, M365_E_PARSE, "truncated", text.len);
    check_bytes(f, z, zn - 3, &e);
    /* Cut inside the header. */
    e = err_text(text.p, text.len, M365_COMP_GZIP, M365_E_PARSE, "truncated", 0);
    check_bytes(f, z, 5, &e);
    /* A complete member followed by a cut one. */
    struct bytes cat = {0};
    size_t n1;
    unsigned char *z1 = m365_test_gzip(text.p, 1000, &n1);
    assert_non_null(z1);
    bytes_add(&cat, z1, n1);
    bytes_add(&cat, z, zn / 2);
    struct bytes want = {0};
    bytes_add(&want, text.p, 1000);
    bytes_add(&want, text.p, text.len);
    e = err_text(want.p, want.len, M365_COMP_GZIP, M365_E_PARSE, "truncated", 1000 + text.len / 4);
    check_bytes(f, cat.p, cat.len, &e);
    free(z);
    free(z1);

    /* zstd decodes whole blocks; with 4 KiB blocks half the frame yields most of half the text. */
    z = zstd_small_blocks(text.p, text.len, 4096, &zn);
    e = err_text(text.p, text.len, M365_COMP_ZSTD, M365_E_PARSE, "truncated", text.len / 4);
    check_bytes(f, z, zn / 2, &e);
    /* Every block there, the end of the frame missing. */
    e = err_text(text.p, text.len, M365_COMP_ZSTD, M365_E_PARSE, "truncated", text.len - 4096);
    check_bytes(f, z, zn - 2, &e);
    /* Two frames, the second cut short. */
    cat.len = 0;
    z1 = m365_test_zstd(text.p, 1000, &n1);
    assert_non_null(z1);
    bytes_add(&cat, z1, n1);
    bytes_add(&cat, z, zn / 2);
    e = err_text(want.p, want.len, M365_COMP_ZSTD, M365_E_PARSE, "truncated", 1000 + text.len / 4);
    check_bytes(f, cat.p, cat.len, &e);
    free(z);
    /* A standard single-block-size frame cut inside its header. */
    z = m365_test_zstd(text.p, text.len, &zn);
    assert_non_null(z);
    e = err_text(text.p, text.len, M365_COMP_ZSTD, M365_E_PARSE, "truncated", 0);
    check_bytes(f, z, 6, &e);
    free(z);
    free(z1);
    free(cat.p);
    free(want.p);
    free(text.p);
}

/* Decoded text of path read with one chunk size; the error status goes to *st. */
static struct bytes decode(const char *path, size_t chunk, enum m365_status *st)
{
    struct m365_limits lim = default_limits();
    struct result r;
    read_all(path, &lim, chunk, false, false, &r);
    *st = r.st;
    return r.text;
}

/* Cut a compressed file at every length past the peek window (the peek decodes with a large
 * buffer; later reads decode with small ones): whatever the cut, every chunk size must deliver
 * the same bytes, a prefix of the text, and then report the truncation. */
static void check_every_cut(struct fixture *f, const unsigned char *z, size_t zn,
                            const struct bytes *text)
{
    /* 13 goes through the small-read path, which decodes 16 bytes at a time. */
    static const size_t some_chunks[] = {0, 13};
    char *path = m365_test_path(f->dir, "cut");
    assert_non_null(path);
    /* The shortest cut that decodes past the peek window, by bisection. */
    size_t lo = 0, hi = zn;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        assert_int_equal(m365_test_write_file(path, z, mid), 0);
        enum m365_status st;
        struct bytes got = decode(path, 0, &st);
        if (got.len > M365_SNIFF_BYTES + 64) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
        free(got.p);
    }
    assert_true(lo + 50 < zn); /* the interesting range is not empty */
    for (size_t cut = lo; cut < zn; cut++) {
        assert_int_equal(m365_test_write_file(path, z, cut), 0);
        struct bytes ref = {0};
        for (size_t ci = 0; ci < sizeof(some_chunks) / sizeof(some_chunks[0]); ci++) {
            enum m365_status st;
            struct bytes got = decode(path, some_chunks[ci], &st);
            if (st != M365_E_PARSE) {
                fail_msg("cut at %zu of %zu, chunk %zu: status %d", cut, zn, some_chunks[ci],
                         (int)st);
            }
            assert_true(got.len <= text->len);
            if (got.len && memcmp(got.p, text->p, got.len) != 0) {
                fail_msg("cut at %zu: delivered bytes are not a prefix", cut);
            }
            if (ci == 0) {
                ref = got;
                continue;
            }
            if (got.len != ref.len) {
                fail_msg("cut at %zu of %zu: chunk %zu delivers %zu bytes, chunk 0 %zu", cut, zn,
                         some_chunks[ci], got.len, ref.len);
            }
            free(got.p);
        }
        free(ref.p);
    }
    free(path);
}

static void test_truncated_everywhere(void **state)
{
    struct fixture *f = *state;
    struct bytes text = {0};
    make_utf8_text(&text, M365_SNIFF_BYTES + 100);
    /* Long repeats make long matches, so a cut often falls while a match is being copied. */
    for (int i = 0; i < 24; i++) {
        char line[96];
        snprintf(line, sizeof(line), "%s-%d-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                 i % 3 ? "UserLoggedIn" : "MailItemsAccessed", i % 7);
        bytes_str(&text, line);
    }
    size_t zn;
    unsigned char *z = m365_test_gzip(text.p, text.len, &zn);
    assert_non_null(z);
    check_every_cut(f, z, zn, &text);
    free(z);
    z = zstd_small_blocks(text.p, text.len, 500, &zn);
    check_every_cut(f, z, zn, &text);
    free(z);
    free(text.p);
}

static void test_corrupt(void **state)
{
    struct fixture *f = *state;
    struct bytes text = {0};
    make_utf8_text(&text, 50000);
    size_t zn;
    unsigned char *z = m365_test_gzip(text.p, text.len, &zn);
    assert_non_null(z);

    /* Unknown compression method in the header: nothing decodes. */
    z[2] = 7;
    struct expect e = err_text(text.p, text.len, M365_COMP_GZIP, M365_E_PARSE, "corrupt", 0);
    check_bytes(f, z, zn, &e);
    z[2] = 8;
    /* A wrong CRC in the trailer: the data is all there but must not pass as clean. */
    z[zn - 8] ^= 0xff;
    e = err_text(text.p, text.len, M365_COMP_GZIP, M365_E_PARSE, "corrupt", 0);
    check_bytes(f, z, zn, &e);
    z[zn - 8] ^= 0xff;
    /* A wrong length in the trailer. */
    z[zn - 4] ^= 0x01;
    check_bytes(f, z, zn, &e);
    z[zn - 4] ^= 0x01;
    /* Garbage in the middle of the deflate data; what decodes before the damage is noticed
     * may differ from the text. */
    memset(z + zn / 2, 0xff, 16);
    e.any_bytes = true;
    check_bytes(f, z, zn, &e);
    free(z);

    z = m365_test_zstd(text.p, text.len, &zn);
    assert_non_null(z);
    /* Damage in the compressed block, or a checksum mismatch: either way an error. */
    memset(z + zn / 2, 0xa5, 8);
    e = err_text(text.p, text.len, M365_COMP_ZSTD, M365_E_PARSE, "corrupt", 0);
    e.any_bytes = true;
    check_bytes(f, z, zn, &e);
    free(z);
    /* A valid magic number followed by junk. */
    unsigned char junk[64];
    memset(junk, 0xff, sizeof(junk));
    memcpy(junk, "\x28\xb5\x2f\xfd", 4);
    check_bytes(f, junk, sizeof(junk), &e);
    free(text.p);
}

/* Reads a bomb of zeros with every chunk size. The tiny chunk sizes get a smaller limit so that
 * millions of one-byte reads do not make the test slow under the sanitizers. */
static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Printable text mixing fresh random runs with copies of what came before, near and far, so
 * that the deflate streams hold literals, short and long matches and every distance. */
static void random_text(uint64_t *rng, struct bytes *b, size_t len)
{
    while (b->len < len) {
        size_t run = 1 + rng_next(rng) % 300;
        if (b->len > 8 && rng_next(rng) % 3 != 0) {
            size_t back = 1 + rng_next(rng) % (b->len < 40000 ? b->len : 40000);
            size_t from = b->len - back;
            for (size_t i = 0; i < run && b->len < len; i++) {
                char c = (char)b->p[from + i];
                bytes_add(b, &c, 1); /* byte by byte: the copy may overlap what it makes */
            }
        } else {
            for (size_t i = 0; i < run && b->len < len; i++) {
                char c = (char)(0x20 + rng_next(rng) % 95);
                bytes_add(b, &c, 1);
            }
        }
    }
}

/* One gzip member made by zlib with random settings: level, strategy, window and memory sizes,
 * header fields (name, comment, extra, header CRC), flushes that end blocks mid-stream and a
 * change of level half-way. */
static void random_member(uint64_t *rng, const unsigned char *text, size_t len, struct bytes *out)
{
    static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE,
                                     Z_FIXED};
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    int level = (int)(rng_next(rng) % 10);
    int wbits = 9 + (int)(rng_next(rng) % 7);
    int mem = 1 + (int)(rng_next(rng) % 9);
    int strategy = strategies[rng_next(rng) % 5];
    assert_int_equal(deflateInit2(&zs, level, Z_DEFLATED, wbits + 16, mem, strategy), Z_OK);
    gz_header h;
    memset(&h, 0, sizeof(h));
    unsigned char extra[40];
    for (size_t i = 0; i < sizeof(extra); i++) {
        extra[i] = (unsigned char)rng_next(rng);
    }
    if (rng_next(rng) % 2) {
        h.name = (Bytef *)"UAL-2024-01-12.jsonl";
        h.comment = rng_next(rng) % 2 ? (Bytef *)"exported by Search-UnifiedAuditLog" : Z_NULL;
        h.extra = rng_next(rng) % 2 ? extra : Z_NULL;
        h.extra_len = (uInt)(rng_next(rng) % sizeof(extra));
        h.hcrc = (int)(rng_next(rng) % 2);
        h.time = 1705000000;
        h.os = 3;
        assert_int_equal(deflateSetHeader(&zs, &h), Z_OK);
    }
    size_t cap = deflateBound(&zs, (uLong)len) + 4096 + len / 8;
    unsigned char *buf = malloc(cap);
    assert_non_null(buf);
    zs.next_out = buf;
    zs.avail_out = (uInt)cap;
    size_t pos = 0;
    while (pos < len) {
        size_t n = 1 + rng_next(rng) % (len - pos < 20000 ? len - pos : 20000);
        zs.next_in = (Bytef *)(uintptr_t)(text + pos);
        zs.avail_in = (uInt)n;
        int how = (int)(rng_next(rng) % 4);
        int flush = how == 0 ? Z_SYNC_FLUSH : how == 1 ? Z_FULL_FLUSH : Z_NO_FLUSH;
        assert_int_equal(deflate(&zs, flush), Z_OK);
        assert_int_equal(zs.avail_in, 0);
        pos += n;
        if (rng_next(rng) % 8 == 0) {
            assert_int_equal(deflateParams(&zs, (int)(rng_next(rng) % 10), strategy), Z_OK);
        }
    }
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    bytes_add(out, buf, zs.total_out);
    deflateEnd(&zs);
    free(buf);
}

/* What zlib makes of a file of concatenated gzip members: the text, and whether the file was
 * whole and sound. */
static bool zlib_decode(const unsigned char *z, size_t zn, struct bytes *text, bool *check_failed)
{
    *check_failed = false;
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)z;
    zs.avail_in = (uInt)zn;
    bool ok = true;
    unsigned char out[4096];
    for (;;) {
        zs.next_out = out;
        zs.avail_out = sizeof(out);
        int rc = inflate(&zs, Z_NO_FLUSH);
        bytes_add(text, out, sizeof(out) - zs.avail_out);
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0) {
                break;
            }
            assert_int_equal(inflateReset(&zs), Z_OK);
        } else if (rc == Z_BUF_ERROR && zs.avail_out == sizeof(out)) {
            ok = false; /* no input left before the member's end */
            break;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            ok = false;
            *check_failed = zs.msg && (strcmp(zs.msg, "incorrect data check") == 0 ||
                                       strcmp(zs.msg, "incorrect length check") == 0);
            break;
        }
    }
    inflateEnd(&zs);
    return ok;
}

/* gzip files zlib wrote with random settings, and copies with a byte changed or cut short:
 * the reader must accept what zlib accepts, with the same bytes, and refuse what it refuses. */
static void test_gzip_like_zlib(void **state)
{
    struct fixture *f = *state;
    char *path = m365_test_path(f->dir, "random.gz");
    assert_non_null(path);
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    size_t accepted = 0, refused = 0, checks_failed = 0;
    for (int c = 0; c < 40; c++) {
        struct bytes text = {0}, z = {0};
        /* Tiny, within the format-detection window, and well past it (where the reads of
         * the caller's size begin). */
        size_t len = c % 10 == 0  ? rng_next(&rng) % 64
                     : c % 2 == 0 ? rng_next(&rng) % 60000
                                  : M365_SNIFF_BYTES + rng_next(&rng) % 400000;
        random_text(&rng, &text, len);
        size_t members = 1 + rng_next(&rng) % 3, pos = 0;
        for (size_t m = 0; m < members; m++) {
            size_t n = m + 1 == members ? len - pos : rng_next(&rng) % (len - pos + 1);
            random_member(&rng, text.p + pos, n, &z);
            pos += n;
        }
        for (int v = 0; v < 12; v++) {
            struct bytes file = {0};
            bytes_add(&file, z.p, z.len);
            /* The first two bytes stay: without the gzip magic the file is plain text. */
            if (v == 1) {
                file.len = 2 + rng_next(&rng) % (file.len - 2); /* cut short */
            } else if (v > 1) {
                size_t at = 2 + rng_next(&rng) % (file.len - 2);
                file.p[at] ^= (unsigned char)(1u << (rng_next(&rng) % 8));
            }
            struct bytes want = {0};
            bool check_failed;
            bool ok = zlib_decode(file.p, file.len, &want, &check_failed);
            checks_failed += check_failed;
            if (v == 0) {
                assert_true(ok);
                assert_int_equal(want.len, text.len);
                assert_memory_equal(want.p, text.p, text.len);
            }
            ok ? accepted++ : refused++;
            assert_int_equal(m365_test_write_file(path, file.p, file.len), 0);
            static const size_t read_sizes[] = {0, 7, 100000};
            size_t first_len = 0;
            for (size_t k = 0; k < 3; k++) {
                enum m365_status st;
                struct bytes got = decode(path, read_sizes[k], &st);
                if (ok != (st == M365_OK)) {
                    fail_msg("case %d variant %d read size %zu: zlib %s, the reader %s", c, v,
                             read_sizes[k], ok ? "accepts" : "refuses",
                             st == M365_OK ? "accepts" : "refuses");
                }
                if (ok && (got.len != want.len || memcmp(got.p, want.p, want.len) != 0)) {
                    fail_msg("case %d variant %d: %zu bytes, zlib gives %zu", c, v, got.len,
                             want.len);
                }
                /* Refused for other damage, the two may part earlier: ISA-L decodes with some
                 * Huffman code sets zlib refuses as incomplete, until the check value fails
                 * (the file is reported either way; test_bad_distance covers what must never
                 * come out). */
                /* Only the check value failed: every byte decoded comes out, then the error. */
                if (check_failed && got.len != want.len) {
                    fail_msg("case %d variant %d: CRC or length check failed after %zu bytes, "
                             "the reader gives %zu",
                             c, v, want.len, got.len);
                }
                if (k == 0) {
                    first_len = got.len;
                } else if (got.len != first_len) {
                    fail_msg("case %d variant %d: read size %zu gives %zu bytes, size 0 %zu", c,
                             v, read_sizes[k], got.len, first_len);
                }
                free(got.p);
            }
            free(want.p);
            free(file.p);
        }
        free(text.p);
        free(z.p);
    }
    /* Both outcomes were exercised. */
    assert_true(accepted >= 40);
    assert_true(refused >= 100);
    assert_true(checks_failed >= 20);
    free(path);
}

/* Bits of a deflate stream, first bit lowest (RFC 1951 3.1.1). */
struct bitw {
    unsigned char b[512];
    size_t nbits;
};

static void bits_lsb(struct bitw *w, unsigned v, unsigned n)
{
    for (unsigned i = 0; i < n; i++, w->nbits++) {
        if (v >> i & 1u) {
            w->b[w->nbits / 8] |= (unsigned char)(1u << (w->nbits % 8));
        }
    }
}

/* Huffman codes go most significant bit first. */
static void bits_code(struct bitw *w, unsigned code, unsigned n)
{
    for (unsigned i = n; i-- > 0;) {
        bits_lsb(w, code >> i & 1u, 1);
    }
}

/* A match reaching back before the first byte of the stream: zlib stops at it ("invalid distance
 * too far back"); ISA-L (2.30) writes the match from its own history buffer, whatever that holds
 * (bytes of its state), before it reports the error. None of that may reach a reader. */
static void test_bad_distance(void **state)
{
    struct fixture *f = *state;
    struct bitw w;
    memset(&w, 0, sizeof(w));
    bits_lsb(&w, 1, 1); /* BFINAL */
    bits_lsb(&w, 1, 2); /* fixed Huffman codes */
    for (const char *p = "ab"; *p; p++) {
        bits_code(&w, 0x30u + (unsigned char)*p, 8); /* literals 0..143: 8 bits from 0x30 */
    }
    bits_code(&w, 264 - 256, 7); /* length 10 */
    bits_code(&w, 13, 5);        /* distance 97..128 ... */
    bits_lsb(&w, 3, 5);          /* ... 100, with two bytes written */
    /* More symbols after it: with input to spare ISA-L takes its fast path, which copies the
     * match before checking its distance (a short stream is checked first). */
    for (int i = 0; i < 200; i++) {
        bits_code(&w, 0x30u + 'x', 8);
    }
    bits_code(&w, 0, 7); /* end of block */
    struct bytes file = {0};
    static const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    bytes_add(&file, hdr, sizeof(hdr));
    bytes_add(&file, w.b, (w.nbits + 7) / 8);
    static const unsigned char trailer[8] = {0};
    bytes_add(&file, trailer, sizeof(trailer));

    struct bytes want = {0};
    bool check_failed;
    assert_false(zlib_decode(file.p, file.len, &want, &check_failed));
    assert_false(check_failed);
    assert_int_equal(want.len, 2); /* "ab", then the error */
    assert_memory_equal(want.p, "ab", 2);
    struct expect e = err_text("ab", 2, M365_COMP_GZIP, M365_E_PARSE, "corrupt", 0);
    check_bytes(f, file.p, file.len, &e); /* at most "ab", at every read size */
    free(want.p);
    free(file.p);
}

static void check_zero_bomb(const char *path, enum m365_compression comp, uint64_t big_limit,
                            uint64_t small_limit, const char *sub)
{
    for (size_t ci = 0; ci < N_CHUNKS; ci++) {
        uint64_t limit = chunks[ci] == 0 || chunks[ci] >= 64 ? big_limit : small_limit;
        struct m365_limits lim = default_limits();
        lim.max_decompressed_bytes = limit;
        const char *err = NULL;
        struct m365_input *in = m365_input_open(path, &lim, chunks[ci], &err);
        assert_non_null(in);
        assert_int_equal(m365_input_compression(in), comp);
        static char buf[64 * 1024];
        uint64_t total = 0;
        size_t n;
        while ((n = m365_input_read(in, buf, sizeof(buf))) > 0) {
            for (size_t i = 0; i < n; i++) {
                if (buf[i] != 0) {
                    fail_msg("non-zero byte at %llu", (unsigned long long)(total + i));
                }
            }
            total += n;
            /* Stop well before the whole bomb if the limit does not work. */
            if (total > limit + (64u << 20)) {
                fail_msg("read %llu bytes past a %llu-byte limit", (unsigned long long)total,
                         (unsigned long long)limit);
            }
        }
        enum m365_status st;
        const char *msg = m365_input_error(in, &st);
        if (!msg || st != M365_E_LIMIT) {
            fail_msg("chunk %zu: status %d, message %s", chunks[ci], (int)st, msg ? msg : "none");
        }
        assert_non_null(strstr(msg, sub));
        assert_true(total <= limit);
        m365_input_close(in);
    }
}

static void test_bombs(void **state)
{
    struct fixture *f = *state;
    unsigned char *zeros = calloc(1, 1u << 20);
    assert_non_null(zeros);

    /* 300 MiB of zeros in about 300 KiB of gzip. */
    size_t zn;
    unsigned char *z = m365_test_gzip_repeat(zeros, 1u << 20, 300, &zn);
    assert_non_null(z);
    assert_true(zn < (1u << 20));
    char *path = put_file(f, z, zn);
    check_zero_bomb(path, M365_COMP_GZIP, 10u << 20, 1u << 20, "limit");
    free(path);
    free(z);

    /* The same amount as zstd frames. */
    size_t fn;
    unsigned char *frame = m365_test_zstd(zeros, 1u << 20, &fn);
    assert_non_null(frame);
    struct bytes cat = {0};
    for (int i = 0; i < 300; i++) {
        bytes_add(&cat, frame, fn);
    }
    path = put_file(f, cat.p, cat.len);
    check_zero_bomb(path, M365_COMP_ZSTD, 10u << 20, 1u << 20, "limit");
    free(path);
    free(frame);
    free(cat.p);
    free(zeros);
}

/* The ratio guard: no absolute limit, but far more output than input past the grace amount.
 * Reads 256 MiB, so only the default chunk size is used. */
static void test_ratio_bomb(void **state)
{
    struct fixture *f = *state;
    unsigned char *zeros = calloc(1, 1u << 20);
    assert_non_null(zeros);
    size_t zn;
    uint64_t copies = M365_RATIO_GRACE_BYTES / (1u << 20) + 32;
    unsigned char *z = m365_test_gzip_repeat(zeros, 1u << 20, copies, &zn);
    assert_non_null(z);
    char *path = put_file(f, z, zn);
    struct m365_limits lim = default_limits();
    const char *err = NULL;
    struct m365_input *in = m365_input_open(path, &lim, 0, &err);
    assert_non_null(in);
    static char buf[1u << 20];
    uint64_t total = 0;
    size_t n;
    while ((n = m365_input_read(in, buf, sizeof(buf))) > 0) {
        total += n;
    }
    enum m365_status st;
    const char *msg = m365_input_error(in, &st);
    assert_non_null(msg);
    assert_int_equal(st, M365_E_LIMIT);
    assert_non_null(strstr(msg, "ratio"));
    assert_true(total < copies << 20);
    assert_true(total >= M365_RATIO_GRACE_BYTES - (1u << 20));
    m365_input_close(in);
    free(path);
    free(z);
    free(zeros);
}

static void test_open_failures(void **state)
{
    struct fixture *f = *state;
    struct m365_limits lim = default_limits();
    char *missing = m365_test_path(f->dir, "does-not-exist.json");
    assert_non_null(missing);
    const char *err = NULL;
    assert_null(m365_input_open(missing, &lim, 0, &err));
    assert_non_null(err);
    assert_true(strlen(err) > 0);
    free(missing);

    err = NULL;
    assert_null(m365_input_open(f->dir, &lim, 0, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "directory"));
}

static void test_counters(void **state)
{
    struct fixture *f = *state;
    struct bytes text = {0};
    make_utf8_text(&text, 30000);
    size_t zn;
    unsigned char *z = m365_test_gzip(text.p, text.len, &zn);
    assert_non_null(z);
    char *path = put_file(f, z, zn);
    struct m365_limits lim = default_limits();
    struct result r;
    read_all(path, &lim, 0, true, false, &r);
    assert_true(r.size == zn);
    assert_true(r.bytes_in == zn);
    assert_true(r.bytes_out == text.len);
    free(r.text.p);
    free(path);
    free(z);
    free(text.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf8_bom, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf16le, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf16be, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf16_endings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zstd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_everywhere, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_like_zlib, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_distance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bombs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ratio_bomb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
