/* The C shim over simdjson (json/json.h) and JSON string escaping (core/json_out.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/json_out.h"
#include "json/json.h"

static struct m365_json *new_ctx(void)
{
    struct m365_json *j = m365_json_new(1 << 20, 64);
    assert_non_null(j);
    return j;
}

static struct m365_jv parse_ok(struct m365_json *j, const char *text)
{
    struct m365_jv root;
    const char *err = NULL;
    if (m365_json_parse(j, text, strlen(text), false, &root, &err) != 0) {
        fail_msg("parse failed (%s): %s", err ? err : "no message", text);
    }
    assert_int_not_equal(m365_jv_type(root), M365_J_ABSENT);
    return root;
}

static void assert_str(struct m365_jv v, const char *want, size_t want_len)
{
    const char *s = NULL;
    size_t n = 0;
    assert_true(m365_jv_str(v, &s, &n));
    assert_int_equal(n, want_len);
    assert_memory_equal(s, want, want_len);
}

static void test_types_and_scalars(void **state)
{
    (void)state;
    struct m365_json *j = new_ctx();
    struct m365_jv r = parse_ok(j, "{\"s\":\"x\",\"i\":-7,\"u\":18446744073709551615,\"d\":1.5,"
                                   "\"t\":true,\"f\":false,\"n\":null,\"a\":[1,2],\"o\":{}}");
    assert_int_equal(m365_jv_type(r), M365_J_OBJECT);
    assert_int_equal(m365_jv_type(m365_jv_get(r, "s")), M365_J_STRING);
    assert_int_equal(m365_jv_type(m365_jv_get(r, "i")), M365_J_INT);
    assert_int_equal(m365_jv_type(m365_jv_get(r, "u")), M365_J_UINT);
    assert_int_equal(m365_jv_type(m365_jv_get(r, "d")), M365_J_DOUBLE);
    assert_int_equal(m365_jv_type(m365_jv_get(r, "t")), M365_J_BOOL);
    assert_int_equal(m365_jv_type(m365_jv_get(r, "n")), M365_J_NULL);
    assert_int_equal(m365_jv_type(m365_jv_get(r, "a")), M365_J_ARRAY);
    assert_int_equal(m365_jv_type(m365_jv_get(r, "o")), M365_J_OBJECT);
    assert_int_equal(m365_jv_type(m365_jv_get(r, "missing")), M365_J_ABSENT);
    assert_int_equal(m365_jv_count(r), 9);
    assert_int_equal(m365_jv_count(m365_jv_get(r, "a")), 2);
    assert_int_equal(m365_jv_count(m365_jv_get(r, "o")), 0);
    assert_int_equal(m365_jv_count(m365_jv_get(r, "s")), 0);

    bool b = false;
    assert_true(m365_jv_bool(m365_jv_get(r, "t"), &b));
    assert_true(b);
    assert_true(m365_jv_bool(m365_jv_get(r, "f"), &b));
    assert_false(b);
    assert_false(m365_jv_bool(m365_jv_get(r, "n"), &b));
    assert_false(m365_jv_bool(m365_jv_get(r, "s"), &b));

    double d = 0;
    assert_true(m365_jv_f64(m365_jv_get(r, "d"), &d));
    assert_true(d == 1.5);
    assert_true(m365_jv_f64(m365_jv_get(r, "i"), &d));
    assert_true(d == -7.0);
    assert_false(m365_jv_f64(m365_jv_get(r, "s"), &d));

    const char *s;
    size_t n;
    assert_false(m365_jv_str(m365_jv_get(r, "i"), &s, &n));
    assert_false(m365_jv_str(m365_jv_get(r, "missing"), &s, &n));
    assert_str(m365_jv_get(r, "s"), "x", 1);

    /* Accessors on a non-object or absent value give absent values, never crash. */
    struct m365_jv absent = m365_jv_get(r, "missing");
    assert_int_equal(m365_jv_type(m365_jv_get(absent, "x")), M365_J_ABSENT);
    assert_int_equal(m365_jv_type(m365_jv_geti(absent, "x")), M365_J_ABSENT);
    assert_int_equal(m365_jv_type(m365_jv_get(m365_jv_get(r, "a"), "x")), M365_J_ABSENT);
    assert_int_equal(m365_jv_count(absent), 0);

    /* Top-level scalars and arrays are documents too. */
    assert_int_equal(m365_jv_type(parse_ok(j, "42")), M365_J_INT);
    assert_int_equal(m365_jv_type(parse_ok(j, " \"top\" ")), M365_J_STRING);
    assert_int_equal(m365_jv_type(parse_ok(j, "null")), M365_J_NULL);
    assert_int_equal(m365_jv_type(parse_ok(j, "[]")), M365_J_ARRAY);
    m365_json_free(j);
}

static void test_get_vs_geti(void **state)
{
    (void)state;
    struct m365_json *j = new_ctx();
    struct m365_jv r = parse_ok(j, "{\"ClientIP\":\"a\",\"clientip\":\"b\",\"Type\":1,\"type\":2,"
                                   "\"Operation\":\"op\"}");
    /* Exact lookup distinguishes case; the case-insensitive one returns the first match. */
    assert_str(m365_jv_get(r, "ClientIP"), "a", 1);
    assert_str(m365_jv_get(r, "clientip"), "b", 1);
    assert_int_equal(m365_jv_type(m365_jv_get(r, "CLIENTIP")), M365_J_ABSENT);
    assert_str(m365_jv_geti(r, "CLIENTIP"), "a", 1);
    assert_str(m365_jv_geti(r, "clientIp"), "a", 1);
    int64_t v = 0;
    assert_true(m365_jv_i64(m365_jv_geti(r, "TYPE"), &v));
    assert_true(v == 1);
    assert_true(m365_jv_i64(m365_jv_get(r, "type"), &v));
    assert_true(v == 2);
    assert_str(m365_jv_geti(r, "operation"), "op", 2);
    assert_int_equal(m365_jv_type(m365_jv_geti(r, "operatio")), M365_J_ABSENT);
    assert_int_equal(m365_jv_type(m365_jv_geti(r, "operations")), M365_J_ABSENT);
    assert_int_equal(m365_jv_type(m365_jv_geti(r, "")), M365_J_ABSENT);
    m365_json_free(j);
}

static void test_string_escapes(void **state)
{
    (void)state;
    struct m365_json *j = new_ctx();
    struct m365_jv r = parse_ok(
        j, "{\"a\":\"x\\/y\\\\z\\\"q\",\"b\":\"\\u00e9\\u20ac\\ud83d\\ude00\",\"c\":\"\\n\\t\\r\\b\\f\","
           "\"d\":\"nul\\u0000in\",\"e\":\"\",\"k\\u0041y\":1,\"f\":\"[\\\"Mail.Read\\\"]\"}");
    assert_str(m365_jv_get(r, "a"), "x/y\\z\"q", 7);
    assert_str(m365_jv_get(r, "b"), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9);
    assert_str(m365_jv_get(r, "c"), "\n\t\r\b\f", 5);
    /* An escaped NUL is kept: lengths, not terminators. */
    assert_str(m365_jv_get(r, "d"), "nul\0in", 6);
    assert_str(m365_jv_get(r, "e"), "", 0);
    /* Escapes in keys are decoded before lookup. */
    assert_int_equal(m365_jv_type(m365_jv_get(r, "kAy")), M365_J_INT);
    /* JSON inside a string: the second parse sees the unescaped text. */
    const char *s;
    size_t n;
    assert_true(m365_jv_str(m365_jv_get(r, "f"), &s, &n));
    struct m365_jv inner;
    const char *err = NULL;
    assert_int_equal(m365_json_parse(j, s, n, false, &inner, &err), 0);
    assert_int_equal(m365_jv_count(inner), 1);
    struct m365_jit it;
    m365_jv_iter(inner, &it);
    struct m365_jv e;
    assert_true(m365_jit_next(&it, NULL, NULL, &e));
    assert_str(e, "Mail.Read", 9);
    m365_json_free(j);
}

static void test_iteration(void **state)
{
    (void)state;
    struct m365_json *j = new_ctx();
    struct m365_jv r = parse_ok(j, "{\"z\":1,\"a\":2,\"m\":[10,\"s\",null,{\"k\":true}],\"b\":{}}");
    static const char *const keys[] = {"z", "a", "m", "b"};
    struct m365_jit it;
    m365_jv_iter(r, &it);
    const char *k;
    size_t kl;
    struct m365_jv v;
    size_t i = 0;
    while (m365_jit_next(&it, &k, &kl, &v)) {
        assert_true(i < 4);
        /* Keys come in document order. */
        assert_int_equal(kl, strlen(keys[i]));
        assert_memory_equal(k, keys[i], kl);
        i++;
    }
    assert_int_equal(i, 4);
    assert_false(m365_jit_next(&it, &k, &kl, &v));

    static const enum m365_jtype types[] = {M365_J_INT, M365_J_STRING, M365_J_NULL,
                                            M365_J_OBJECT};
    m365_jv_iter(m365_jv_get(r, "m"), &it);
    i = 0;
    k = "unchanged";
    while (m365_jit_next(&it, &k, &kl, &v)) {
        assert_true(i < 4);
        assert_int_equal(m365_jv_type(v), types[i]);
        /* Array elements have no key. */
        assert_null(k);
        assert_int_equal(kl, 0);
        i++;
    }
    assert_int_equal(i, 4);

    /* Empty containers, scalars and absent values iterate zero times. */
    m365_jv_iter(m365_jv_get(r, "b"), &it);
    assert_false(m365_jit_next(&it, &k, &kl, &v));
    m365_jv_iter(m365_jv_get(r, "z"), &it);
    assert_false(m365_jit_next(&it, &k, &kl, &v));
    m365_jv_iter(m365_jv_get(r, "nope"), &it);
    assert_false(m365_jit_next(&it, &k, &kl, &v));
    struct m365_jv empty = parse_ok(j, "[]");
    m365_jv_iter(empty, &it);
    assert_false(m365_jit_next(&it, NULL, NULL, &v));
    m365_json_free(j);
}

static void test_i64(void **state)
{
    (void)state;
    struct m365_json *j = new_ctx();
    struct m365_jv r = parse_ok(
        j, "{\"i\":15,\"neg\":-9223372036854775808,\"max\":9223372036854775807,\"d\":3.0,"
           "\"e\":1e3,\"nd\":2.5,\"negd\":-4.0,\"big\":1e300,\"u\":18446744073709551615,"
           "\"s\":\"15\",\"z\":-0.0}");
    int64_t v = 99;
    assert_true(m365_jv_i64(m365_jv_get(r, "i"), &v));
    assert_true(v == 15);
    assert_true(m365_jv_i64(m365_jv_get(r, "neg"), &v));
    assert_true(v == INT64_MIN);
    assert_true(m365_jv_i64(m365_jv_get(r, "max"), &v));
    assert_true(v == INT64_MAX);
    assert_true(m365_jv_i64(m365_jv_get(r, "d"), &v));
    assert_true(v == 3);
    assert_true(m365_jv_i64(m365_jv_get(r, "e"), &v));
    assert_true(v == 1000);
    assert_true(m365_jv_i64(m365_jv_get(r, "negd"), &v));
    assert_true(v == -4);
    assert_true(m365_jv_i64(m365_jv_get(r, "z"), &v));
    assert_true(v == 0);
    v = 99;
    assert_false(m365_jv_i64(m365_jv_get(r, "nd"), &v));
    assert_false(m365_jv_i64(m365_jv_get(r, "big"), &v));
    assert_false(m365_jv_i64(m365_jv_get(r, "u"), &v));
    assert_false(m365_jv_i64(m365_jv_get(r, "s"), &v));
    assert_false(m365_jv_i64(m365_jv_get(r, "missing"), &v));
    assert_true(v == 99);
    m365_json_free(j);
}

static void expect_parse_error(struct m365_json *j, const char *text, size_t len)
{
    struct m365_jv root;
    const char *err = NULL;
    if (m365_json_parse(j, text, len, false, &root, &err) != -1) {
        fail_msg("accepted invalid JSON: %.*s", (int)len, text);
    }
    assert_non_null(err);
    assert_true(strlen(err) > 0);
}

static void test_invalid(void **state)
{
    (void)state;
    struct m365_json *j = new_ctx();
    static const char *const bad[] = {
        "", "   ", "{", "}", "[1,2", "{\"a\":}", "{\"a\" 1}", "{'a':1}", "[1,]", "{\"a\":1,}",
        "tru", "nul", "01", "1.", "\"unterminated", "\"bad \\x escape\"", "\"\\u12\"", "{a:1}",
        "[1] [2]", "\"ctl \x01 char\"", "NaN",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_parse_error(j, bad[i], strlen(bad[i]));
    }
    /* Invalid UTF-8: a lone continuation byte, an overlong '/', an encoded surrogate, and a
     * truncated sequence, inside strings and outside. */
    static const char *const bad_utf8[] = {
        "\"\x80\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xe2\x82\"", "{\"k\xff\":1}",
        "[\"ok\",\"\xf5\x80\x80\x80\"]",
    };
    for (size_t i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++) {
        expect_parse_error(j, bad_utf8[i], strlen(bad_utf8[i]));
    }
    /* An embedded NUL outside a string is an error, not the end of the document. */
    expect_parse_error(j, "{\"a\":1}\0junk", 12);
    /* A failed parse does not spoil the context. */
    struct m365_jv r = parse_ok(j, "{\"a\":1}");
    int64_t v;
    assert_true(m365_jv_i64(m365_jv_get(r, "a"), &v));
    assert_true(v == 1);
    m365_json_free(j);
}

static char *nested(unsigned depth, char open, char close)
{
    char *s = malloc(2 * (size_t)depth + 2);
    assert_non_null(s);
    memset(s, open, depth);
    s[depth] = '1';
    memset(s + depth + 1, close, depth);
    s[2 * (size_t)depth + 1] = '\0';
    return s;
}

static void test_depth_limit(void **state)
{
    (void)state;
    struct m365_json *j = m365_json_new(1 << 20, 16);
    assert_non_null(j);
    char *shallow = nested(8, '[', ']');
    char *deep = nested(500, '[', ']');
    struct m365_jv root;
    const char *err = NULL;
    assert_int_equal(m365_json_parse(j, shallow, strlen(shallow), false, &root, &err), 0);
    expect_parse_error(j, deep, strlen(deep));
    /* Objects count too. */
    char *deep_obj = malloc(16 * 200 + 16);
    assert_non_null(deep_obj);
    size_t o = 0;
    for (int i = 0; i < 200; i++) {
        memcpy(deep_obj + o, "{\"k\":", 5);
        o += 5;
    }
    deep_obj[o++] = '1';
    memset(deep_obj + o, '}', 200);
    o += 200;
    expect_parse_error(j, deep_obj, o);
    /* Still usable afterwards. */
    assert_int_equal(m365_json_parse(j, shallow, strlen(shallow), false, &root, &err), 0);
    assert_int_equal(m365_jv_type(root), M365_J_ARRAY);
    free(deep_obj);
    free(shallow);
    free(deep);
    m365_json_free(j);
}

static void test_size_limit(void **state)
{
    (void)state;
    /* A maximum below the parser's initial allocation still works for small documents. */
    struct m365_json *j = m365_json_new(1000, 16);
    assert_non_null(j);
    struct m365_jv r = parse_ok(j, "{\"a\":[1,2,3]}");
    assert_int_equal(m365_jv_count(m365_jv_get(r, "a")), 3);
    size_t n = 200000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    big[0] = '"';
    memset(big + 1, 'x', n - 2);
    big[n - 1] = '"';
    big[n] = '\0';
    expect_parse_error(j, big, n);
    /* The earlier document is untouched by the failure. */
    assert_int_equal(m365_jv_count(m365_jv_get(r, "a")), 3);
    free(big);
    m365_json_free(j);
}

static void test_many_documents(void **state)
{
    (void)state;
    struct m365_json *j = new_ctx();
    struct m365_jv a = parse_ok(j, "{\"name\":\"first\",\"n\":1}");
    struct m365_jv b = parse_ok(j, "{\"name\":\"second\",\"n\":2}");
    /* A large document makes the parser grow; earlier documents must survive that. */
    size_t big_n = 300000;
    char *big = malloc(big_n + 64);
    assert_non_null(big);
    size_t o = 0;
    big[o++] = '[';
    while (o + 8 < big_n) {
        memcpy(big + o, "\"abcd\",", 7);
        o += 7;
    }
    memcpy(big + o, "\"end\"]", 6);
    o += 6;
    big[o] = '\0';
    struct m365_jv c = parse_ok(j, big);
    /* A padded parse straight from the caller's buffer. */
    char padded[8 + M365_JSON_PADDING];
    memset(padded, ' ', sizeof(padded));
    memcpy(padded, "[true]", 6);
    struct m365_jv d;
    const char *err = NULL;
    assert_int_equal(m365_json_parse(j, padded, 6, true, &d, &err), 0);
    /* Overwriting the source buffers must not matter: documents own their data. */
    memset(big, 'Z', o);
    memset(padded, 'Z', sizeof(padded));

    assert_str(m365_jv_get(a, "name"), "first", 5);
    assert_str(m365_jv_get(b, "name"), "second", 6);
    int64_t v;
    assert_true(m365_jv_i64(m365_jv_get(a, "n"), &v));
    assert_true(v == 1);
    assert_true(m365_jv_count(c) > 40000);
    bool bv = false;
    struct m365_jit it;
    m365_jv_iter(d, &it);
    struct m365_jv e;
    assert_true(m365_jit_next(&it, NULL, NULL, &e));
    assert_true(m365_jv_bool(e, &bv) && bv);

    /* Many nested documents for one record, then a reset and reuse of the pool. */
    struct m365_jv docs[100];
    for (int round = 0; round < 3; round++) {
        m365_json_reset(j);
        for (int i = 0; i < 100; i++) {
            char text[64];
            int len = snprintf(text, sizeof(text), "{\"i\":%d,\"r\":%d}", i, round);
            assert_int_equal(m365_json_parse(j, text, (size_t)len, false, &docs[i], &err), 0);
        }
        for (int i = 0; i < 100; i++) {
            assert_true(m365_jv_i64(m365_jv_get(docs[i], "i"), &v));
            assert_true(v == i);
            assert_true(m365_jv_i64(m365_jv_get(docs[i], "r"), &v));
            assert_true(v == round);
        }
    }
    free(big);
    m365_json_free(j);
}

static void test_text_round_trip(void **state)
{
    (void)state;
    struct m365_json *j = new_ctx();
    const char *src = " { \"a\" : [ 1 , -2.5 , true , null ] ,\n \"s\" : \"q\\\"\\\\\\/\\u00e9\\n\" ,"
                      " \"o\" : { \"k\" : { } } } ";
    struct m365_jv r = parse_ok(j, src);
    size_t n1;
    const char *t1 = m365_jv_text(j, r, &n1);
    assert_int_equal(strlen(t1), n1);
    /* Compact: no white space outside strings. */
    assert_null(strchr(t1, '\n'));
    assert_null(memchr(t1, ' ', n1));
    char *copy = malloc(n1 + 1);
    assert_non_null(copy);
    memcpy(copy, t1, n1 + 1);
    /* Parse the text back: same values, and the same text again. */
    struct m365_jv r2 = parse_ok(j, copy);
    size_t n2;
    const char *t2 = m365_jv_text(j, r2, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(copy, t2, n1);
    assert_str(m365_jv_get(r2, "s"), "q\"\\/\xc3\xa9\n", 7);
    assert_int_equal(m365_jv_count(m365_jv_get(r2, "a")), 4);

    /* Strings come back quoted; sub-elements can be printed alone. */
    size_t n;
    const char *t = m365_jv_text(j, m365_jv_get(r, "o"), &n);
    assert_string_equal(t, "{\"k\":{}}");
    t = m365_jv_text(j, parse_ok(j, "\"plain\""), &n);
    assert_string_equal(t, "\"plain\"");
    assert_int_equal(n, 7);
    t = m365_jv_text(j, m365_jv_get(r, "missing"), &n);
    assert_int_equal(n, 0);
    assert_string_equal(t, "");
    free(copy);
    m365_json_free(j);
}

/* ---- m365_json_str ---- */

static void check_escape(const char *in, size_t len, const char *want)
{
    struct m365_buf b;
    m365_buf_init(&b, 0);
    m365_json_str(&b, in, len);
    const char *got = m365_buf_cstr(&b);
    if (strcmp(got, want) != 0) {
        fail_msg("escaped \"%.*s\" as %s, want %s", (int)len, in, got, want);
    }
    m365_buf_free(&b);
}

#define ESC(lit, want) check_escape(lit, sizeof(lit) - 1, want)

/* A strict UTF-8 validity check for the escaper's output. */
static bool valid_utf8(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t need;
        unsigned cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            need = 1;
            cp = c & 0x1fu;
            min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            need = 2;
            cp = c & 0x0fu;
            min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            need = 3;
            cp = c & 0x07u;
            min = 0x10000;
        } else {
            return false;
        }
        if (i + need >= n) {
            return false; /* the sequence runs past the end */
        }
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (p[i + k] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += need + 1;
    }
    return true;
}

static void test_json_str_escaping(void **state)
{
    (void)state;
    ESC("", "\"\"");
    ESC("plain text", "\"plain text\"");
    ESC("say \"hi\"", "\"say \\\"hi\\\"\"");
    ESC("C:\\temp\\x", "\"C:\\\\temp\\\\x\"");
    ESC("a/b", "\"a/b\"");
    ESC("l1\nl2\r\n\tx", "\"l1\\nl2\\r\\n\\tx\"");
    ESC("\x01\x1f", "\"\\u0001\\u001f\"");
    ESC("\b\f", "\"\\u0008\\u000c\"");
    ESC("a\0b", "\"a\\u0000b\"");
    ESC("del\x7f", "\"del\\u007f\"");
    /* Valid multi-byte UTF-8 is kept as is: 2, 3 and 4-byte forms and the largest code point. */
    ESC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",
        "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"");
    ESC("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");
    /* U+2028 / U+2029 would end a JavaScript string literal. */
    ESC("a\xe2\x80\xa8" "b\xe2\x80\xa9", "\"a\\u2028b\\u2029\"");
    /* U+2027 and U+202A are neighbours, not line separators. */
    ESC("\xe2\x80\xa7\xe2\x80\xaa", "\"\xe2\x80\xa7\xe2\x80\xaa\"");
    /* Invalid bytes each become U+FFFD: lone continuation, impossible lead bytes. */
    ESC("a\x80" "b", "\"a\\ufffdb\"");
    ESC("\xff\xfe", "\"\\ufffd\\ufffd\"");
    ESC("\xf8\x88\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
    /* Overlong encodings of '/' and NUL: no byte of them is a valid start. */
    ESC("\xc0\xaf", "\"\\ufffd\\ufffd\"");
    ESC("\xc1\xbf", "\"\\ufffd\\ufffd\"");
    ESC("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
    ESC("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    /* UTF-16 surrogates encoded in UTF-8 (CESU-8) and code points past U+10FFFF. */
    ESC("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
    ESC("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");
    ESC("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    /* The largest code points below the surrogates stay. */
    ESC("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");
}

static void test_json_str_truncated_sequences(void **state)
{
    (void)state;
    /* A sequence cut short by the end of the value or by an ASCII byte: how many U+FFFD appear
     * is a policy choice, but the output must be valid UTF-8, keep the neighbours, and contain
     * no raw byte of the broken sequence. */
    static const char *const cases[] = {"x\xe2\x82", "x\xe2\x82y", "\xf0\x9f\x98", "\xc3",
                                        "\xf0\x9f\x98y\xc3\xa9"};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct m365_buf b;
        m365_buf_init(&b, 0);
        m365_json_str(&b, cases[i], strlen(cases[i]));
        const char *got = m365_buf_cstr(&b);
        assert_true(valid_utf8((const unsigned char *)got, b.len));
        assert_non_null(strstr(got, "\\ufffd"));
        assert_true(got[0] == '"' && got[b.len - 1] == '"');
        if (strchr(cases[i], 'x')) {
            assert_true(got[1] == 'x');
        }
        if (strchr(cases[i], 'y')) {
            assert_non_null(strchr(got, 'y'));
        }
        m365_buf_free(&b);
    }
}

/* Every escaper output, for arbitrary bytes, is valid UTF-8 and parses back as one JSON string. */
static void test_json_str_arbitrary_bytes(void **state)
{
    (void)state;
    struct m365_json *j = new_ctx();
    uint64_t x = 0x2545f4914f6cdd1dull;
    unsigned char in[64];
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(round % 64);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* Bias toward the interesting bytes: controls, quotes, lead and continuation bytes. */
            static const unsigned char pick[] = {0x00, 0x01, 0x1f, '"', '\\', 0x7f, 0x80, 0xbf,
                                                 0xc2, 0xe2, 0xed, 0xf0, 0xf4, 0xff, 'a', 0xa0};
            in[i] = (x & 0x100) ? pick[x % sizeof(pick)] : (unsigned char)(x >> 24);
        }
        struct m365_buf b;
        m365_buf_init(&b, 0);
        m365_json_str(&b, (const char *)in, n);
        const char *out = m365_buf_cstr(&b);
        assert_true(valid_utf8((const unsigned char *)out, b.len));
        for (size_t i = 0; i < b.len; i++) {
            assert_true((unsigned char)out[i] >= 0x20 && (unsigned char)out[i] != 0x7f);
        }
        struct m365_jv v;
        const char *err = NULL;
        if (m365_json_parse(j, out, b.len, false, &v, &err) != 0) {
            fail_msg("escaper output does not parse (%s): %s", err, out);
        }
        assert_int_equal(m365_jv_type(v), M365_J_STRING);
        m365_json_reset(j);
        m365_buf_free(&b);
    }
    m365_json_free(j);
}

static void test_json_cstr_and_key(void **state)
{
    (void)state;
    struct m365_buf b;
    m365_buf_init(&b, 0);
    int first = 1;
    m365_buf_putc(&b, '{');
    m365_json_key(&b, &first, "a\"b");
    m365_json_cstr(&b, NULL);
    m365_json_key(&b, &first, "c");
    m365_json_cstr(&b, "d\n");
    m365_buf_putc(&b, '}');
    assert_string_equal(m365_buf_cstr(&b), "{\"a\\\"b\":null,\"c\":\"d\\n\"}");
    assert_int_equal(first, 0);
    m365_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_and_scalars),
        cmocka_unit_test(test_get_vs_geti),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_iteration),
        cmocka_unit_test(test_i64),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_many_documents),
        cmocka_unit_test(test_text_round_trip),
        cmocka_unit_test(test_json_str_escaping),
        cmocka_unit_test(test_json_str_truncated_sequences),
        cmocka_unit_test(test_json_str_arbitrary_bytes),
        cmocka_unit_test(test_json_cstr_and_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
