/* io/zip_archive + m365_input_open_member: archives written with libzip itself (deflated and
 * stored members, gzip files and UTF-16 text inside, folders), each member read at several
 * read sizes, with and without a peek first, must give the member's text, and the same bytes as
 * libzip's own reading (deflated members are inflated by ISA-L, not by libzip); the SHA-256 is
 * the text's; the limits stop a bomb on what comes out; damaged data, a wrong CRC and cut
 * archives are told apart from files that are no archive; encrypted members are named without a
 * password, read with the right one (AES and the traditional method), and a wrong password that
 * passes the archive's check is passed over or named. A ZIP archive inside a tar is copied out
 * whole, or named. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <zip.h>

#include "core/limits.h"
#include "io/input.h"
#include "io/zip_archive.h"
#include "m365hunt/scan.h"
#include "test_util.h"

static const size_t chunks[] = {1, 2, 3, 7, 64, 0};
#define N_CHUNKS (sizeof(chunks) / sizeof(chunks[0]))

struct member {
    const char *name;
    const void *data;
    size_t len;
    bool stored;
    uint16_t enc;         /* ZIP_EM_… to encrypt it with password, or 0 */
    const char *password;
};

static struct m365_limits limits(void)
{
    struct m365_scan_options o;
    m365_scan_options_init(&o);
    return o.limits;
}

/* An archive at dir/name holding the members (a name ending in '/' is a folder); malloc'd path. */
static char *write_zip(const char *dir, const char *name, const struct member *m, size_t n)
{
    char *path = m365_test_path(dir, name);
    assert_non_null(path);
    int code = 0;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code);
    assert_non_null(za);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(m[i].name);
        if (m[i].name[len - 1] == '/') {
            assert_true(zip_dir_add(za, m[i].name, ZIP_FL_ENC_UTF_8) >= 0);
            continue;
        }
        zip_source_t *src = zip_source_buffer(za, m[i].data, m[i].len, 0);
        assert_non_null(src);
        zip_int64_t idx = zip_file_add(za, m[i].name, src, ZIP_FL_ENC_UTF_8);
        assert_true(idx >= 0);
        assert_int_equal(zip_set_file_compression(za, (zip_uint64_t)idx,
                                                  m[i].stored ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 9),
                         0);
        if (m[i].enc) {
            assert_int_equal(
                zip_file_set_encryption(za, (zip_uint64_t)idx, m[i].enc, m[i].password), 0);
        }
    }
    assert_int_equal(zip_close(za), 0);
    return path;
}

/* The index of the member named so. */
static uint64_t find(struct m365_zip *z, const char *name)
{
    for (uint64_t i = 0; i < m365_zip_count(z); i++) {
        struct m365_zip_member m;
        assert_int_equal(m365_zip_member(z, i, &m), 0);
        if (strcmp(m.name, name) == 0) {
            return i;
        }
    }
    fail_msg("no member %s", name);
    return 0;
}

/* Everything the member decodes to; *st its error status. */
static char *read_member(struct m365_zip *z, uint64_t idx, const struct m365_limits *lim,
                         size_t chunk, bool peek, size_t *len, enum m365_status *st,
                         enum m365_compression *comp)
{
    const char *err = NULL;
    struct m365_input *in = m365_input_open_member(z, idx, lim, chunk, &err);
    assert_non_null(in);
    if (peek) {
        const char *d;
        size_t l;
        assert_int_equal(m365_input_peek(in, &d, &l), 0);
    }
    size_t cap = 1u << 16, n = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    size_t k;
    while ((k = m365_input_read(in, out + n, cap - n)) > 0) {
        n += k;
        if (cap - n < 4096) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
    }
    m365_input_error(in, st);
    *comp = m365_input_compression(in);
    m365_input_close(in);
    *len = n;
    return out;
}

/* SHA-256 of the bytes, in hex. */
static void sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    assert_int_equal(EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL), 1);
    for (unsigned b = 0; b < 32; b++) {
        snprintf(hex + 2 * b, 3, "%02x", md[b]);
    }
}

/* At least `at_least` bytes of JSON Lines, repeated lines as an export has; malloc'd. */
static char *jsonl_text(size_t at_least, size_t *len)
{
    size_t cap = at_least + 1024, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int i = 0; n < at_least; i++) {
        n += (size_t)snprintf(text + n, cap - n,
                              "{\"Id\":\"%08d\",\"Operation\":\"MailItemsAccessed\"}\n", i);
    }
    *len = n;
    return text;
}

static void test_members_decode(void **state)
{
    const char *dir = *state;
    /* Long enough to span reads. */
    size_t tlen;
    char *text = jsonl_text(290000, &tlen);
    size_t gzn;
    unsigned char *gz = m365_test_gzip(text, tlen, &gzn);
    assert_non_null(gz);
    /* "Zürich" in UTF-16LE with its BOM. */
    static const unsigned char u16[] = {0xff, 0xfe, 'Z', 0, 0xfc, 0, 'r', 0, 'i', 0, 'c', 0,
                                        'h', 0, '\n', 0};
    static const char u8[] = "Z\xc3\xbcrich\n";
    const struct member m[] = {
        {"logs/", NULL, 0, false, 0, NULL},
        {"logs/deflated.jsonl", text, tlen, false, 0, NULL},
        {"logs/stored.jsonl", text, tlen, true, 0, NULL},
        {"logs/inside.jsonl.gz", gz, gzn, true, 0, NULL},
        {"logs/deflated-gz.jsonl.gz", gz, gzn, false, 0, NULL},
        {"utf16.csv", u16, sizeof(u16), false, 0, NULL},
        {"empty.json", "", 0, false, 0, NULL},
    };
    char *path = write_zip(dir, "e.zip", m, sizeof(m) / sizeof(m[0]));
    struct m365_zip *z = NULL;
    char why[200];
    assert_int_equal(m365_zip_open(path, &z, why, sizeof(why)), M365_OK);
    assert_int_equal(m365_zip_count(z), 7);
    struct m365_zip_member dm;
    assert_int_equal(m365_zip_member(z, find(z, "logs/"), &dm), 0);
    assert_true(dm.dir);
    assert_null(dm.unreadable);
    struct m365_zip_member fm;
    assert_int_equal(m365_zip_member(z, find(z, "logs/deflated.jsonl"), &fm), 0);
    assert_false(fm.dir);
    assert_true(fm.size == tlen && fm.comp_size < tlen / 4);

    struct {
        const char *name;
        const char *want;
        size_t want_len;
        enum m365_compression comp;
    } cases[] = {
        {"logs/deflated.jsonl", text, tlen, M365_COMP_ZIP},
        {"logs/stored.jsonl", text, tlen, M365_COMP_ZIP},
        {"logs/inside.jsonl.gz", text, tlen, M365_COMP_GZIP},
        {"logs/deflated-gz.jsonl.gz", text, tlen, M365_COMP_GZIP},
        {"utf16.csv", u8, sizeof(u8) - 1, M365_COMP_ZIP},
        {"empty.json", "", 0, M365_COMP_ZIP},
    };
    struct m365_limits lim = limits();
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        uint64_t idx = find(z, cases[c].name);
        for (size_t k = 0; k < N_CHUNKS; k++) {
            for (int peek = 0; peek < 2; peek++) {
                size_t len;
                enum m365_status st;
                enum m365_compression comp;
                char *got = read_member(z, idx, &lim, chunks[k], peek, &len, &st, &comp);
                assert_int_equal(st, M365_OK);
                assert_int_equal(comp, cases[c].comp);
                assert_int_equal(len, cases[c].want_len);
                assert_memory_equal(got, cases[c].want, len);
                free(got);
            }
        }
    }
    /* Against libzip's own reading of every member, and the SHA-256 of the text. */
    int code = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY, &code);
    assert_non_null(za);
    for (uint64_t i = 0; i < m365_zip_count(z); i++) {
        struct m365_zip_member mm;
        assert_int_equal(m365_zip_member(z, i, &mm), 0);
        if (mm.dir) {
            continue;
        }
        char *theirs = malloc(mm.size + 1);
        assert_non_null(theirs);
        zip_file_t *zf = zip_fopen_index(za, i, 0);
        assert_non_null(zf);
        assert_true(zip_fread(zf, theirs, mm.size + 1) == (zip_int64_t)mm.size);
        zip_fclose(zf);
        const char *err = NULL;
        struct m365_input *in = m365_input_open_member(z, i, &lim, 0, &err);
        assert_non_null(in);
        m365_input_hash(in);
        size_t part = mm.size / 3, n = 0;
        char *ours = malloc(mm.size + 1);
        assert_non_null(ours);
        size_t k;
        while (n < part && (k = m365_input_read(in, ours + n, part - n < 16 ? 16 : part - n)) > 0) {
            n += k;
        }
        char hex[65];
        assert_int_equal(m365_input_sha256(in, hex), 0); /* hashes what was left unread too */
        char want[65];
        sha256_hex(theirs, mm.size, want);
        assert_string_equal(hex, want);
        m365_input_close(in);
        if (strcmp(mm.name, "utf16.csv") != 0 && strstr(mm.name, ".gz") == NULL) {
            size_t len;
            enum m365_status st;
            enum m365_compression comp;
            char *again = read_member(z, i, &lim, 0, false, &len, &st, &comp);
            assert_int_equal(len, mm.size);
            assert_memory_equal(again, theirs, len);
            free(again);
        }
        free(ours);
        free(theirs);
    }
    zip_discard(za);
    m365_zip_close(z);
    free(path);
    free(gz);
    free(text);
}

/* A CRC-32 that does not match the data: the text comes out whole, then the error. */
static void test_crc_mismatch(void **state)
{
    const char *dir = *state;
    static const char text[] = "{\"Operation\":\"MailItemsAccessed\"}\n{\"Operation\":\"Send\"}\n";
    const struct member m[] = {{"a.jsonl", text, sizeof(text) - 1, false, 0, NULL}};
    char *path = write_zip(dir, "c.zip", m, 1);
    size_t zlen;
    unsigned char *bytes = (unsigned char *)m365_test_read_file(path, &zlen);
    assert_non_null(bytes);
    /* The CRC of the local header (offset 14) and of the directory entry (offset 16). */
    for (size_t i = 0; i + 4 <= zlen; i++) {
        if (memcmp(bytes + i, "PK\x03\x04", 4) == 0) {
            bytes[i + 14] ^= 1;
        } else if (memcmp(bytes + i, "PK\x01\x02", 4) == 0) {
            bytes[i + 16] ^= 1;
        }
    }
    assert_int_equal(m365_test_write_file(path, bytes, zlen), 0);
    struct m365_zip *z = NULL;
    char why[200];
    assert_int_equal(m365_zip_open(path, &z, why, sizeof(why)), M365_OK);
    struct m365_limits lim = limits();
    for (size_t k = 0; k < N_CHUNKS; k++) {
        const char *err = NULL;
        struct m365_input *in = m365_input_open_member(z, 0, &lim, chunks[k], &err);
        assert_non_null(in);
        char buf[256];
        size_t n = 0, got;
        while ((got = m365_input_read(in, buf + n, sizeof(buf) - n)) > 0) {
            n += got;
        }
        assert_int_equal(n, sizeof(text) - 1);
        assert_memory_equal(buf, text, n);
        enum m365_status st;
        const char *msg = m365_input_error(in, &st);
        assert_int_equal(st, M365_E_PARSE);
        assert_string_equal(msg, "ZIP member is damaged (CRC error)");
        m365_input_close(in);
    }
    m365_zip_close(z);
    free(bytes);
    free(path);
}

/* Unpacked past the size limit, or past the ratio to its packed size after the grace: stopped on
 * what comes out. */
static void test_bombs(void **state)
{
    const char *dir = *state;
    size_t big = M365_RATIO_GRACE_BYTES + (8u << 20);
    char *zeros = calloc(1, big);
    assert_non_null(zeros);
    const struct member m[] = {{"bomb.jsonl", zeros, big, false, 0, NULL},
                               {"small.jsonl", zeros, 2u << 20, false, 0, NULL}};
    char *path = write_zip(dir, "b.zip", m, 2);
    struct m365_zip *z = NULL;
    char why[200];
    assert_int_equal(m365_zip_open(path, &z, why, sizeof(why)), M365_OK);

    struct m365_limits lim = limits();
    lim.max_decompressed_bytes = 1u << 20;
    size_t len;
    enum m365_status st;
    enum m365_compression comp;
    char *got = read_member(z, find(z, "small.jsonl"), &lim, 0, false, &len, &st, &comp);
    assert_int_equal(st, M365_E_LIMIT);
    assert_true(len <= lim.max_decompressed_bytes);
    free(got);

    lim = limits();
    got = read_member(z, find(z, "bomb.jsonl"), &lim, 0, false, &len, &st, &comp);
    assert_int_equal(st, M365_E_LIMIT);
    assert_true(len < big && len >= M365_RATIO_GRACE_BYTES - (1u << 20));
    free(got);
    /* Without the ratio it unpacks whole. */
    lim.max_decompress_ratio = UINT32_MAX;
    got = read_member(z, find(z, "bomb.jsonl"), &lim, 0, false, &len, &st, &comp);
    assert_int_equal(st, M365_OK);
    assert_int_equal(len, big);
    free(got);
    m365_zip_close(z);
    free(path);
    free(zeros);
}

static void test_damage(void **state)
{
    const char *dir = *state;
    char *text = malloc(3u << 20);
    assert_non_null(text);
    uint64_t rnd = 42;
    for (size_t i = 0; i < (3u << 20); i++) {
        text[i] = (char)('a' + m365_test_rand64(&rnd) % 26); /* compresses little */
    }
    const struct member m[] = {{"a.jsonl", text, 3u << 20, false, 0, NULL}};
    char *path = write_zip(dir, "d.zip", m, 1);
    size_t zlen;
    char *bytes = m365_test_read_file(path, &zlen);
    assert_non_null(bytes);
    assert_true(zlen > (3u << 20) / 2); /* packed, more than one read of the archive */

    /* Whole: its SHA-256 is the text's, however much the reader took before asking. */
    struct m365_zip *z = NULL;
    char why[200];
    assert_int_equal(m365_zip_open(path, &z, why, sizeof(why)), M365_OK);
    struct m365_limits lim = limits();
    char want[65];
    sha256_hex(text, 3u << 20, want);
    for (size_t take = 0; take <= (2u << 20); take += (1u << 20)) {
        const char *err = NULL;
        struct m365_input *in = m365_input_open_member(z, 0, &lim, 0, &err);
        assert_non_null(in);
        m365_input_hash(in);
        char *buf = malloc(take + 1);
        assert_non_null(buf);
        size_t n = 0, k;
        while (n < take && (k = m365_input_read(in, buf + n, take - n)) > 0) {
            n += k;
        }
        char hex[65];
        assert_int_equal(m365_input_sha256(in, hex), 0);
        assert_string_equal(hex, want);
        assert_true(m365_input_bytes_in(in) == (3u << 20)); /* a member: its unpacked bytes */
        m365_input_close(in);
        free(buf);
    }
    m365_zip_close(z);

    /* A byte of the data near its end: the text before it comes out, then the error. */
    bytes[zlen * 9 / 10] ^= 0x5a;
    assert_int_equal(m365_test_write_file(path, bytes, zlen), 0);
    assert_int_equal(m365_zip_open(path, &z, why, sizeof(why)), M365_OK);
    size_t len;
    enum m365_status st;
    enum m365_compression comp;
    char *got = read_member(z, 0, &lim, 0, false, &len, &st, &comp);
    assert_int_equal(st, M365_E_PARSE);
    assert_true(len >= (1u << 20));
    assert_memory_equal(got, text, 1u << 20);
    free(got);
    m365_zip_close(z);

    /* Cut short: the directory at the end is gone. */
    assert_int_equal(m365_test_write_file(path, bytes, zlen / 2), 0);
    assert_int_equal(m365_zip_open(path, &z, why, sizeof(why)), M365_E_IO);
    assert_non_null(strstr(why, "missing"));
    assert_null(z);
    /* Not an archive at all, and not even a file. */
    assert_int_equal(m365_test_write_file(path, "{\"a\":1}\n", 8), 0);
    assert_int_equal(m365_zip_open(path, &z, why, sizeof(why)), M365_E_FORMAT);
    char *none = m365_test_path(dir, "none.zip");
    assert_int_equal(m365_zip_open(none, &z, why, sizeof(why)), M365_E_IO);
    assert_true(strlen(why) > 0);
    /* The same from memory. */
    assert_int_equal(m365_zip_open_buffer(bytes, zlen / 2, &z, why, sizeof(why)), M365_E_IO);
    assert_int_equal(m365_zip_open_buffer("PK", 2, &z, why, sizeof(why)), M365_E_FORMAT);
    free(none);
    free(bytes);
    free(path);
    free(text);
}

/* The member read with these passwords at every read size, with and without a peek: its status
 * and its text (want NULL: not compared); with want_err, a part of its error's text. */
static void read_with(struct m365_zip *z, uint64_t idx, const char *const *pw, size_t n,
                      const char *want, size_t want_len, enum m365_status want_st,
                      const char *want_err)
{
    struct m365_limits lim = limits();
    m365_zip_set_passwords(z, pw, n);
    for (size_t k = 0; k < N_CHUNKS; k++) {
        for (int peek = 0; peek < 2; peek++) {
            size_t len;
            enum m365_status st;
            enum m365_compression comp;
            const char *err = NULL;
            struct m365_input *in = m365_input_open_member(z, idx, &lim, chunks[k], &err);
            assert_non_null(in);
            m365_input_close(in);
            char *got = read_member(z, idx, &lim, chunks[k], peek, &len, &st, &comp);
            assert_int_equal(st, want_st);
            assert_int_equal(comp, M365_COMP_ZIP);
            if (want) {
                assert_int_equal(len, want_len);
                assert_memory_equal(got, want, len);
            }
            free(got);
        }
    }
    if (want_err) {
        const char *err = NULL;
        struct m365_input *in = m365_input_open_member(z, idx, &lim, 0, &err);
        assert_non_null(in);
        char buf[4096];
        while (m365_input_read(in, buf, sizeof(buf)) > 0) {
        }
        enum m365_status st;
        const char *msg = m365_input_error(in, &st);
        assert_non_null(msg);
        assert_non_null(strstr(msg, want_err));
        m365_input_close(in);
    }
}

/* A wrong password (wrongN) that passes the traditional method's check for the member. */
static void lucky_password(const char *path, uint64_t index, char lucky[32])
{
    int code = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY, &code);
    assert_non_null(za);
    lucky[0] = '\0';
    for (int i = 0; i < 20000 && !lucky[0]; i++) {
        char cand[32];
        snprintf(cand, sizeof(cand), "wrong%d", i);
        zip_file_t *zf = zip_fopen_index_encrypted(za, index, 0, cand);
        if (zf) {
            zip_fclose(zf);
            memcpy(lucky, cand, sizeof(cand));
        }
    }
    zip_discard(za);
    assert_true(lucky[0] != '\0');
}

static void test_encrypted(void **state)
{
    const char *dir = *state;
    size_t tlen;
    char *text = jsonl_text(190000, &tlen); /* more than the first read of a member */
    const struct member m[] = {
        {"aes.jsonl", text, tlen, false, ZIP_EM_AES_256, "s3cret AES"},
        {"trad.jsonl", text, tlen, false, ZIP_EM_TRAD_PKWARE, "infected"},
        {"trad-stored.jsonl", text, tlen, true, ZIP_EM_TRAD_PKWARE, "infected"},
        {"plain.jsonl", text, tlen, false, 0, NULL},
    };
    char *path = write_zip(dir, "enc.zip", m, sizeof(m) / sizeof(m[0]));
    struct m365_zip *z = NULL;
    char why[200];
    assert_int_equal(m365_zip_open(path, &z, why, sizeof(why)), M365_OK);
    uint64_t aes = find(z, "aes.jsonl"), trad = find(z, "trad.jsonl");
    uint64_t stored = find(z, "trad-stored.jsonl"), plain = find(z, "plain.jsonl");

    /* No password: named, with what to do; the plain member reads as ever. */
    struct m365_limits lim = limits();
    struct m365_zip_member mm;
    uint64_t enc[] = {aes, trad, stored};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(m365_zip_member(z, enc[i], &mm), 0);
        assert_true(mm.encrypted);
        assert_false(mm.deflated);
        assert_non_null(mm.unreadable);
        assert_non_null(strstr(mm.unreadable, "--zip-password"));
        const char *err = NULL;
        assert_null(m365_input_open_member(z, enc[i], &lim, 0, &err));
        assert_string_equal(err, mm.unreadable);
    }
    read_with(z, plain, NULL, 0, text, tlen, M365_OK, NULL);

    /* The right password among others, in any place: every member's text. */
    const char *const pw[] = {"nope", "infected", "s3cret AES"};
    assert_int_equal(m365_zip_member(z, aes, &mm), 0);
    for (size_t i = 0; i < 3; i++) {
        read_with(z, enc[i], pw, 3, text, tlen, M365_OK, NULL);
        read_with(z, enc[i], pw + 1, 2, text, tlen, M365_OK, NULL);
    }
    read_with(z, plain, pw, 3, text, tlen, M365_OK, NULL);
    /* Its SHA-256 is the text's. */
    m365_zip_set_passwords(z, pw, 3);
    const char *err = NULL;
    struct m365_input *in = m365_input_open_member(z, aes, &lim, 0, &err);
    assert_non_null(in);
    m365_input_hash(in);
    char hex[65], want[65];
    assert_int_equal(m365_input_sha256(in, hex), 0);
    m365_input_close(in);
    sha256_hex(text, tlen, want);
    assert_string_equal(hex, want);

    /* Only wrong passwords: named, one or several. */
    m365_zip_set_passwords(z, pw, 1);
    assert_null(m365_input_open_member(z, aes, &lim, 0, &err));
    assert_string_equal(err, "encrypted: the password given does not open it");
    const char *const wrong[] = {"nope", "also wrong"};
    m365_zip_set_passwords(z, wrong, 2);
    assert_null(m365_input_open_member(z, aes, &lim, 0, &err));
    assert_string_equal(err, "encrypted: none of the passwords given opens it");

    /* A wrong password that passes the traditional method's one-byte check (one in 256): before
     * the right one, it is passed over, its bytes failing to inflate (deflated) or its CRC
     * failing (stored: the member is read to its end when two passwords pass the check);
     * alone, the reading says the password may be wrong. */
    uint64_t trads[] = {trad, stored};
    for (size_t t = 0; t < 2; t++) {
        char lucky[32];
        lucky_password(path, trads[t], lucky);
        const char *const first_lucky[] = {lucky, "infected"};
        read_with(z, trads[t], first_lucky, 2, text, tlen, M365_OK, NULL);
        read_with(z, trads[t], first_lucky, 1, NULL, 0, M365_E_PARSE, "or the password is wrong");
    }
    m365_zip_close(z);
    free(path);
    free(text);
}

/* A ZIP archive inside a tar member is copied out of the tar's bytes: the range, whole, across
 * copy blocks; a range past the end, or no place for the copy, is an I/O error named, with
 * nothing kept. */
static void test_temps_copy(void **state)
{
    const char *dir = *state;
    size_t len = (5u << 20) / 2 + 333;
    unsigned char *data = malloc(len);
    assert_non_null(data);
    for (size_t i = 0; i < len; i++) {
        data[i] = (unsigned char)(i * 2654435761u >> 13);
    }
    char *path = m365_test_path(dir, "outer.tar");
    assert_int_equal(m365_test_write_file(path, data, len), 0);
    int src = open(path, O_RDONLY);
    assert_true(src >= 0);

    struct m365_zip_temps k = {0};
    const char *name = NULL;
    char err[512] = "";
    uint64_t off = 12345, size = (2u << 20) + 77;
    assert_int_equal(m365_zip_temps_copy(&k, src, off, size, dir, &name, err, sizeof(err)),
                     M365_OK);
    assert_int_equal(k.n, 1);
    size_t got_len = 0;
    char *got = m365_test_read_file(name, &got_len);
    assert_non_null(got);
    assert_int_equal(got_len, size);
    assert_memory_equal(got, data + off, size);
    free(got);

    assert_int_equal(m365_zip_temps_copy(&k, src, len - 10, 20, dir, &name, err, sizeof(err)),
                     M365_E_IO);
    assert_non_null(strstr(err, "cannot be read (the archive ends before it)"));
    assert_int_equal(k.n, 1);

    char *nowhere = m365_test_path(dir, "nowhere");
    assert_int_equal(m365_zip_temps_copy(&k, src, 0, 10, nowhere, &name, err, sizeof(err)),
                     M365_E_IO);
    assert_non_null(strstr(err, "cannot be copied to a temporary file"));
    assert_non_null(strstr(err, nowhere));
    assert_int_equal(k.n, 1);

    m365_zip_temps_free(&k);
    close(src);
    free(nowhere);
    free(path);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_members_decode, m365_test_dir_setup, m365_test_dir_teardown),
        cmocka_unit_test_setup_teardown(test_crc_mismatch, m365_test_dir_setup, m365_test_dir_teardown),
        cmocka_unit_test_setup_teardown(test_bombs, m365_test_dir_setup, m365_test_dir_teardown),
        cmocka_unit_test_setup_teardown(test_damage, m365_test_dir_setup, m365_test_dir_teardown),
        cmocka_unit_test_setup_teardown(test_encrypted, m365_test_dir_setup,
                                        m365_test_dir_teardown),
        cmocka_unit_test_setup_teardown(test_temps_copy, m365_test_dir_setup,
                                        m365_test_dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
