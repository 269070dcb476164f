/* One form for a JSON text's escapes (core/json_canon.c): the cases by hand, then random strings
 * escaped two ways, held against simdjson's reading of every text (json/json.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/norm.h"
#include "json/json.h"

/* The canonical text of in (in itself when already so), NUL-terminated in out. */
static size_t canon(const char *in, size_t n, char *out)
{
    size_t len = 0;
    if (!m365_json_escapes_canon(in, n, out, &len)) {
        memcpy(out, in, n);
        len = n;
    }
    assert_true(len <= n);
    out[len] = '\0';
    return len;
}

static void check(const char *in, const char *want)
{
    char out[256];
    size_t len = canon(in, strlen(in), out);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(out, want, len);
}

static void test_by_hand(void **state)
{
    (void)state;
    char out[64];
    size_t len = 99;
    /* Already in the one form: nothing written. */
    assert_false(m365_json_escapes_canon("{\"a\":\"b\"}", 9, out, &len));
    assert_false(m365_json_escapes_canon("\"\\\\Inbox\\r\\n\\\"x\\\"\"", 19, out, &len));
    assert_false(m365_json_escapes_canon("\"\\\\/\"", 5, out, &len)); /* "\\" then "/" */
    assert_false(m365_json_escapes_canon("", 0, out, &len));
    assert_int_equal(len, 99);
    /* Purview's AuditData against the Management Activity API's record. */
    check("{\"UserAgent\":\"Mozilla\\/5.0 (Windows NT 10.0)\",\"Url\":\"https:\\/\\/x\\/y\"}",
          "{\"UserAgent\":\"Mozilla/5.0 (Windows NT 10.0)\",\"Url\":\"https://x/y\"}");
    /* PowerShell's ConvertTo-Json escapes ' < > & as \u00XX. */
    check("\"O\\u0027Brien \\u003cb\\u003e \\u0026\"", "\"O'Brien <b> &\"");
    check("\"M\\u00FCller \\u00fc \\u20AC\"", "\"M\xc3\xbcller \xc3\xbc \xe2\x82\xac\"");
    check("\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"");
    /* Characters JSON must escape keep an escape: the short one where there is one. */
    check("\"\\u0022\\u005C\\u000A\\u0009\\u0008\\u000c\\u000D\"", "\"\\\"\\\\\\n\\t\\b\\f\\r\"");
    check("\"\\u0001\\u001F\\u007f\"", "\"\\u0001\\u001f\x7f\"");
    /* No character: a lone surrogate keeps its escape (lower case); a broken one stays. */
    check("\"\\uD83Dx\\uDE00\\/\"", "\"\\ud83dx\\ude00/\"");
    check("\"\\uD83D\\u0041\"", "\"\\ud83dA\"");
    check("\"\\/\\u12\"", "\"/\\u12\"");
    check("\\/\\u12G4\\uzzzz", "/\\u12G4\\uzzzz");
    check("a\\/b\\", "a/b\\");
    check("\\/", "/");
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

/* A code point of the kinds records hold: mostly ASCII (the slash often), some characters JSON
 * must escape, some from each UTF-8 length. */
static uint32_t random_cp(void)
{
    static const uint32_t pick[] = {'/', '"', '\\', '\n', '\r', '\t', 0x01, 0x1f, '\'', '<',
                                    0xe9, 0xfc, 0x20ac, 0x2013, 0xfeff, 0x1f600, 0x10ffff};
    switch (rnd(4)) {
    case 0:
        return pick[rnd(sizeof(pick) / sizeof(*pick))];
    case 1:
        return 0x80 + rnd(0xd800 - 0x80);
    default:
        return 0x20 + rnd(0x5f);
    }
}

static char *put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xc0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xe0 | cp >> 12);
        *o++ = (char)(0x80 | (cp >> 6 & 0x3f));
        *o++ = (char)(0x80 | (cp & 0x3f));
    } else {
        *o++ = (char)(0xf0 | cp >> 18);
        *o++ = (char)(0x80 | (cp >> 12 & 0x3f));
        *o++ = (char)(0x80 | (cp >> 6 & 0x3f));
        *o++ = (char)(0x80 | (cp & 0x3f));
    }
    return o;
}

static char *put_u(char *o, uint32_t unit)
{
    o += sprintf(o, rnd(2) ? "\\u%04X" : "\\u%04x", unit);
    return o;
}

/* cp as a JSON string writes it, one of the ways allowed, chosen at random. */
static char *put_escaped(char *o, uint32_t cp)
{
    bool must = cp == '"' || cp == '\\' || cp < 0x20;
    if (!must && rnd(3)) {
        if (cp == '/' && rnd(2)) {
            *o++ = '\\';
            *o++ = '/';
            return o;
        }
        return put_utf8(o, cp);
    }
    const char *short_form = cp == '"'    ? "\\\""
                             : cp == '\\' ? "\\\\"
                             : cp == '\n' ? "\\n"
                             : cp == '\r' ? "\\r"
                             : cp == '\t' ? "\\t"
                                          : NULL;
    if (short_form && rnd(2)) {
        memcpy(o, short_form, 2);
        return o + 2;
    }
    if (cp >= 0x10000) {
        o = put_u(o, 0xd800 + ((cp - 0x10000) >> 10));
        return put_u(o, 0xdc00 + ((cp - 0x10000) & 0x3ff));
    }
    return put_u(o, cp);
}

/* {"k":"<cps escaped one way>"} */
static size_t random_text(const uint32_t *cps, size_t n, char *out)
{
    char *o = out + sprintf(out, "{\"k\":\"");
    for (size_t i = 0; i < n; i++) {
        o = put_escaped(o, cps[i]);
    }
    o += sprintf(o, "\"}");
    return (size_t)(o - out);
}

/* The string simdjson reads as the value of "k" in text. */
static size_t read_back(struct m365_json *j, const char *text, size_t n, char *out)
{
    struct m365_jv root;
    const char *err = NULL;
    if (m365_json_parse(j, text, n, false, &root, &err) != 0) {
        fail_msg("simdjson refused %.*s: %s", (int)n, text, err ? err : "");
    }
    const char *s = NULL;
    size_t len = 0;
    assert_true(m365_jv_str(m365_jv_get(root, "k"), &s, &len));
    memcpy(out, s, len);
    return len;
}

static void test_random_against_simdjson(void **state)
{
    (void)state;
    struct m365_json *j = m365_json_new(1 << 20, 64);
    assert_non_null(j);
    enum { MAX_CPS = 24, TEXT = 16 + MAX_CPS * 12 };
    char a[TEXT], b[TEXT], ca[TEXT], cb[TEXT], cc[TEXT], va[TEXT], vb[TEXT], prev[TEXT];
    size_t prev_len = 0;
    char prev_value[TEXT];
    size_t prev_value_len = 0;
    for (int round = 0; round < 20000; round++) {
        uint32_t cps[MAX_CPS];
        size_t n = rnd(MAX_CPS + 1);
        for (size_t i = 0; i < n; i++) {
            cps[i] = random_cp();
        }
        size_t la = random_text(cps, n, a), lb = random_text(cps, n, b);
        size_t lca = canon(a, la, ca), lcb = canon(b, lb, cb);
        /* Two ways of writing one string: one canonical text. */
        assert_int_equal(lca, lcb);
        assert_memory_equal(ca, cb, lca);
        /* Which reads as that string: simdjson reads the same from the text and its form. */
        size_t lva = read_back(j, a, la, va), lvb = read_back(j, ca, lca, vb);
        assert_int_equal(lva, lvb);
        assert_memory_equal(va, vb, lva);
        /* The form of the form is itself. */
        size_t lcc = canon(ca, lca, cc);
        assert_int_equal(lcc, lca);
        assert_memory_equal(cc, ca, lca);
        /* Different strings never share a form. */
        if (round && (lva != prev_value_len || memcmp(va, prev_value, lva) != 0)) {
            assert_false(lca == prev_len && memcmp(ca, prev, lca) == 0);
        }
        memcpy(prev, ca, lca);
        prev_len = lca;
        memcpy(prev_value, va, lva);
        prev_value_len = lva;
    }
    m365_json_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_random_against_simdjson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
