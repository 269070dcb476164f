/* Windows-1252 text (core/text_cp1252.c): which text is taken for it, and its UTF-8. Expected
 * bytes are the Unicode code points of Microsoft's cp1252 table, encoded by hand. And cells
 * that a spreadsheet cut at its 32,767 characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/json_out.h"
#include "core/norm.h"

static void check(const char *in, size_t n, const char *want)
{
    char out[256];
    size_t len = m365_cp1252_to_utf8(in, n, out);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(out, want, len);
}

static void test_to_utf8(void **state)
{
    (void)state;
    check("M\xfcller", 6, "M\xc3\xbcller");                    /* ü U+00FC */
    check("\x80", 1, "\xe2\x82\xac");                          /* € U+20AC */
    check("\x96\x97", 2, "\xe2\x80\x93\xe2\x80\x94");          /* – — */
    check("\x91\x92\x93\x94", 4, "\xe2\x80\x98\xe2\x80\x99\xe2\x80\x9c\xe2\x80\x9d");
    check("\x85\x99", 2, "\xe2\x80\xa6\xe2\x84\xa2");          /* … ™ */
    check("\x8a\x9a\x8e\x9e\x9f", 5, "\xc5\xa0\xc5\xa1\xc5\xbd\xc5\xbe\xc5\xb8"); /* Š š Ž ž Ÿ */
    check("\x83\x88\x98", 3, "\xc6\x92\xcb\x86\xcb\x9c");      /* ƒ ˆ ˜ */
    check("\x81\x8d\x8f\x90\x9d", 5, "\xc2\x81\xc2\x8d\xc2\x8f\xc2\x90\xc2\x9d"); /* undefined */
    check("\xa0\xdf\xff", 3, "\xc2\xa0\xc3\x9f\xc3\xbf");      /* Latin-1 half as it is */
    check("plain ascii {\"a\":1}", 19, "plain ascii {\"a\":1}");
    /* Every byte comes out as valid UTF-8, three bytes at most. */
    char all[256], out[3 * 256];
    for (int i = 0; i < 256; i++) {
        all[i] = (char)i;
    }
    size_t len = m365_cp1252_to_utf8(all, 256, out);
    assert_true(len <= 3 * 256);
    for (size_t i = 0; i < len;) {
        size_t seq = m365_utf8_seq((const unsigned char *)out + i, len - i);
        assert_true(seq >= 1);
        i += seq;
    }
}

static void test_likely(void **state)
{
    (void)state;
    static const char *const yes[] = {
        "{\"UserId\":\"m\xfcller@contoso.de\"}",
        "\x80",
        "Caf\xe9 du March\xe9, 24 h \x96 ok",
        "0123456789abcdef0123456789abcdef\xe4", /* past the word-at-a-time part */
    };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (!m365_cp1252_likely(yes[i], strlen(yes[i]))) {
            fail_msg("not taken for Windows-1252: \"%s\"", yes[i]);
        }
    }
    static const char *const no[] = {
        "",
        "plain ascii, all of it, longer than one word",
        "{\"UserId\":\"m\xc3\xbcller@contoso.de\"}",     /* UTF-8 */
        "M\xc3\xbcller and a stray \xfc after it",        /* broken UTF-8 stays so */
        "\xe2\x82\xac then \x80",
    };
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        if (m365_cp1252_likely(no[i], strlen(no[i]))) {
            fail_msg("taken for Windows-1252: \"%s\"", no[i]);
        }
    }
}

/* A cell of `ascii` ASCII bytes followed by `tail` (bytes), in a buffer of its own. */
static bool full(size_t ascii, const char *tail)
{
    size_t t = strlen(tail);
    char *c = malloc(ascii + t);
    assert_non_null(c);
    memset(c, '"', ascii);
    memcpy(c + ascii, tail, t);
    bool r = m365_spreadsheet_cell_full(c, ascii + t);
    free(c);
    return r;
}

static void test_spreadsheet_cell_full(void **state)
{
    (void)state;
    assert_true(full(32767, ""));
    assert_false(full(32766, ""));
    assert_false(full(32768, ""));
    assert_false(full(0, ""));
    /* Characters, not bytes: an e-acute (two bytes) and a euro sign (three) are one each; an
     * emoji beyond the BMP is two, as Excel counts it (a surrogate pair) */
    assert_true(full(32765, "\xc3\xa9\xe2\x82\xac"));
    assert_false(full(32766, "\xc3\xa9\xe2\x82\xac"));
    assert_true(full(32765, "\xf0\x9f\x94\x91"));
    assert_false(full(32766, "\xf0\x9f\x94\x91"));
    /* Windows-1252 (not UTF-8): a character per byte */
    assert_true(full(32765, "\xe9\xfc"));
    assert_false(full(32764, "\xe9\xfc"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_to_utf8),
        cmocka_unit_test(test_likely),
        cmocka_unit_test(test_spreadsheet_cell_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
