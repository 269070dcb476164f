/* m365_op_normalise, the ASCII case-insensitive helpers, m365_parse_i64, m365_join_list,
 * m365_token_usable and m365_id_usable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/norm.h"

struct opcase {
    const char *in, *want;
};

static void check_op(const char *in, size_t len, const char *want)
{
    char out[256];
    memset(out, 'X', sizeof(out));
    size_t n = m365_op_normalise(in, len, out, sizeof(out));
    if (n != strlen(want) || strcmp(out, want) != 0) {
        fail_msg("\"%.*s\" -> \"%s\" (%zu), want \"%s\"", (int)len, in, out, n, want);
    }
}

static void test_op_normalise(void **state)
{
    (void)state;
    static const struct opcase cases[] = {
        /* UAL adds a trailing period, Entra does not. */
        {"Add service principal.", "Add service principal"},
        {"Add service principal", "Add service principal"},
        {"Consent to application.", "Consent to application"},
        {"Consent to application. ", "Consent to application"},
        /* U+2013 EN DASH and a trailing space, as Entra writes this operation. */
        {"Update application \xe2\x80\x93 Certificates and secrets management ",
         "Update application - Certificates and secrets management"},
        {"Update application \xe2\x80\x94 Certificates and secrets management",
         "Update application - Certificates and secrets management"},
        {"Update application \xe2\x88\x92 Certificates and secrets management",
         "Update application - Certificates and secrets management"},
        {"Update application - Certificates and secrets management",
         "Update application - Certificates and secrets management"},
        {"a\xe2\x80\x93" "b", "a-b"},
        /* White space runs, tabs, line breaks and no-break spaces collapse to one space. */
        {"Add   member \t to\t\trole.", "Add member to role"},
        {"  Add member to role  ", "Add member to role"},
        {"Add\r\nmember", "Add member"},
        {"Add\xc2\xa0member\xc2\xa0\xc2\xa0to role", "Add member to role"},
        {"\xc2\xa0" "Add member\xc2\xa0", "Add member"},
        /* Nothing left. */
        {"...", ""},
        {" . . ", ""},
        {"", ""},
        {"   ", ""},
        /* Periods inside the name stay. */
        {"Set-Mailbox.Identity.", "Set-Mailbox.Identity"},
        /* Other non-ASCII text passes through unchanged, including characters whose UTF-8
         * form contains the byte A0 (the second byte of a no-break space). */
        {"Cr\xc3\xa9" "er un utilisateur.", "Cr\xc3\xa9" "er un utilisateur"},
        {"Voil\xc3\xa0", "Voil\xc3\xa0"},
        {"\xd0\xa0\xd0\xbe\xd0\xbb\xd1\x8c", "\xd0\xa0\xd0\xbe\xd0\xbb\xd1\x8c"},
        {"\xe4\xb8\x80\xe2\x80\xa0", "\xe4\xb8\x80\xe2\x80\xa0"},
        /* An incomplete dash sequence at the end is left alone. */
        {"ab\xe2\x80", "ab\xe2\x80"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_op(cases[i].in, strlen(cases[i].in), cases[i].want);
    }
    /* Only len bytes are read. */
    check_op("Add user.garbage", 9, "Add user");
}

static void test_op_normalise_capacity(void **state)
{
    (void)state;
    /* cap = len + 1 is always enough. */
    const char *in = "  Update application \xe2\x80\x93 Certificates  ";
    size_t len = strlen(in);
    char out[64];
    size_t n = m365_op_normalise(in, len, out, len + 1);
    assert_string_equal(out, "Update application - Certificates");
    assert_int_equal(n, strlen(out));
    /* A smaller buffer truncates but stays NUL-terminated and in bounds. */
    memset(out, 'X', sizeof(out));
    n = m365_op_normalise("Add service principal.", 22, out, 8);
    assert_true(n < 8);
    assert_int_equal(strlen(out), n);
    assert_true(out[8] == 'X');
    assert_int_equal(strncmp(out, "Add service", n), 0);
    /* cap 0 writes nothing. */
    out[0] = 'X';
    assert_int_equal(m365_op_normalise("abc", 3, out, 0), 0);
    assert_true(out[0] == 'X');
    assert_int_equal(m365_op_normalise("abc", 3, out, 1), 0);
    assert_true(out[0] == '\0');
}

static void test_case_insensitive(void **state)
{
    (void)state;
    assert_true(m365_ieq("Add Member To Role", "add member to role"));
    assert_true(m365_ieq("", ""));
    assert_false(m365_ieq("abc", "abcd"));
    assert_false(m365_ieq("abcd", "abc"));
    assert_false(m365_ieq("abc", "abd"));
    assert_false(m365_ieq(NULL, "abc"));
    assert_false(m365_ieq("abc", NULL));
    /* Only ASCII letters fold: '@' (0x40) and '`' (0x60) are not a case pair. */
    assert_false(m365_ieq("@", "`"));
    assert_false(m365_ieq("[", "{"));
    assert_false(m365_ieq("\xc3\x89", "\xc3\xa9"));

    assert_true(m365_ieqn("ClientIPxyz", 8, "clientip"));
    assert_false(m365_ieqn("ClientIPxyz", 8, "clientipx"));
    assert_false(m365_ieqn("ClientIP", 8, "client"));
    assert_true(m365_ieqn("", 0, ""));
    assert_false(m365_ieqn("a", 1, ""));
    /* alen counts bytes, so an embedded NUL in a is compared, not a terminator. */
    assert_false(m365_ieqn("ab\0c", 4, "ab"));

    assert_true(m365_istarts("UserLoggedIn", "userlogged"));
    assert_true(m365_istarts("UserLoggedIn", ""));
    assert_true(m365_istarts("abc", "ABC"));
    assert_false(m365_istarts("ab", "abc"));
    assert_false(m365_istarts("xUserLoggedIn", "user"));
    assert_false(m365_istarts(NULL, "a"));

    assert_true(m365_icontains("New-InboxRule -ForwardTo x", "forwardto"));
    assert_true(m365_icontains("abc", "ABC"));
    assert_true(m365_icontains("abc", "c"));
    assert_true(m365_icontains("abc", ""));
    assert_true(m365_icontains("", ""));
    assert_false(m365_icontains("", "a"));
    assert_false(m365_icontains("abc", "abcd"));
    assert_false(m365_icontains("aab", "abb"));
    assert_false(m365_icontains(NULL, "a"));
    assert_false(m365_icontains("a", NULL));
}

static int pi(const char *s, int64_t min, int64_t max, int64_t *out)
{
    return m365_parse_i64(s, strlen(s), min, max, out);
}

static void test_parse_i64(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_int_equal(pi("0", INT64_MIN, INT64_MAX, &v), 0);
    assert_true(v == 0);
    assert_int_equal(pi("15", 0, 100, &v), 0);
    assert_true(v == 15);
    assert_int_equal(pi("-42", -100, 100, &v), 0);
    assert_true(v == -42);
    assert_int_equal(pi("+42", -100, 100, &v), 0);
    assert_true(v == 42);
    assert_int_equal(pi(" \"50126\" ", 0, INT64_MAX, &v), 0);
    assert_true(v == 50126);
    assert_int_equal(pi("007", 0, 10, &v), 0);
    assert_true(v == 7);
    assert_int_equal(pi("9223372036854775807", INT64_MIN, INT64_MAX, &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(pi("-9223372036854775807", INT64_MIN, INT64_MAX, &v), 0);
    assert_true(v == -INT64_MAX);
    assert_int_equal(pi("-9223372036854775808", INT64_MIN, INT64_MAX, &v), 0);
    assert_true(v == INT64_MIN);
    /* Range bounds are inclusive. */
    assert_int_equal(pi("100", 0, 100, &v), 0);
    assert_true(v == 100);
    assert_int_equal(pi("-100", -100, 100, &v), 0);
    assert_true(v == -100);

    static const char *const junk[] = {
        "", " ", "\"\"", "-", "+", "+-1", "--1", "1-", "1 2", "12a", "a12", "0x10", "1.0", "1e3",
        "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "99999999999999999999999", "\xef\xbc\x91",
    };
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        v = 777;
        if (pi(junk[i], INT64_MIN, INT64_MAX, &v) != -1) {
            fail_msg("accepted \"%s\" as %lld", junk[i], (long long)v);
        }
        assert_true(v == 777);
    }
    v = 777;
    assert_int_equal(pi("101", 0, 100, &v), -1);
    assert_int_equal(pi("-1", 0, 100, &v), -1);
    assert_int_equal(pi("-9223372036854775808", -1, 0, &v), -1);
    assert_true(v == 777);
    /* Only len bytes are read; an embedded NUL is junk. */
    assert_int_equal(m365_parse_i64("123456", 3, 0, 1000, &v), 0);
    assert_true(v == 123);
    assert_int_equal(m365_parse_i64("12\0003", 4, 0, 1000, &v), -1);
}

/* Lists as the summaries write them: "A", "A and B", "A, B and C", "A, B and 3 more". */
static void test_join_list(void **state)
{
    (void)state;
    const char *v[] = {"Graph Explorer", "Outlook", "MailVault Sync"};
    char out[64];
    assert_int_equal(m365_join_list(v, 0, 0, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    m365_join_list(v, 1, 1, out, sizeof(out));
    assert_string_equal(out, "Graph Explorer");
    m365_join_list(v, 2, 2, out, sizeof(out));
    assert_string_equal(out, "Graph Explorer and Outlook");
    size_t n = m365_join_list(v, 3, 3, out, sizeof(out));
    assert_string_equal(out, "Graph Explorer, Outlook and MailVault Sync");
    assert_int_equal(n, strlen(out));
    m365_join_list(v, 2, 5, out, sizeof(out));
    assert_string_equal(out, "Graph Explorer, Outlook and 3 more");
    m365_join_list(v, 1, 2, out, sizeof(out));
    assert_string_equal(out, "Graph Explorer and 1 more");
    /* Cut to the buffer, never past it; the length says what was kept. */
    char small[12];
    n = m365_join_list(v, 3, 3, small, sizeof(small));
    assert_int_equal(n, sizeof(small) - 1);
    assert_string_equal(small, "Graph Explo");
}

/* Token ids: Entra's base64url ids and GUIDs tie records; redacted placeholders do not. */
static void test_token_usable(void **state)
{
    (void)state;
    const char *usable[] = {"aEQ2qLOsqkS86zz3OHIeAA", "nCIzipjKBXc87y9rpX8dAA",
                            "mYyWp_-UrEa4Z_pZM7FlAA", "8795994f-0bb8-46d7-8797-8c9c385d5900",
                            "ODc5NTk5NGYtMGJiOC00NmQ3LTg3OTctOGM5YzM4NWQ1OTAw"};
    for (size_t i = 0; i < sizeof(usable) / sizeof(usable[0]); i++) {
        if (!m365_token_usable(usable[i])) {
            fail_msg("%s taken for a placeholder", usable[i]);
        }
    }
    /* Real samples' placeholders (0000..., aaaa..., 5555...), zeros, a zero GUID, base64 of
     * zeros, short or foreign values, and a cut to five distinct characters. */
    const char *placeholders[] = {"0000000000000000000000", "aaaaaaaaaaaaaaaaaaaaaa",
                                  "5555555555555555555555", "11111111111111111111111111",
                                  "00000000-0000-0000-0000-000000000000",
                                  "AAAAAAAAAAAAAAAAAAAAAA==", "ANONYMIZED", "xxxxxx", "",
                                  "abcdeabcdeabcdeabcde", "token id with spaces 1234567",
                                  "élan-élan-élan-élan-élan", NULL};
    for (size_t i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++) {
        if (m365_token_usable(placeholders[i])) {
            fail_msg("%s taken for a token", placeholders[i] ? placeholders[i] : "(null)");
        }
    }
    assert_true(m365_token_usable("abcdefabcdefabcdefab"));
}

/* Session ids: GUIDs tie records; anonymised placeholders do not. */
static void test_session_usable(void **state)
{
    (void)state;
    assert_true(m365_id_usable("35bb94fb-9567-4dfa-808b-d1d6a93afa18"));
    assert_true(m365_id_usable("98FB5D83-9A00-4EFC-816E-22F61C2D7733"));
    assert_true(m365_id_usable("{dcdad6b2-f279-48c6-9ed8-3df0ffde4ece}"));
    const char *placeholders[] = {"ANONYMIZED", "xxxx-xxx-xxx-xxx",
                                  "00000000-0000-0000-0000-000000000000",
                                  "99999999-9999-9999-9999-999999999999",
                                  "11111111-1111-1111-1111-666666666666",
                                  "12341234-1234-1234-1234-123412341234",
                                  "35bb94fb 9567 4dfa 808b d1d6a93afa18", "", NULL};
    for (size_t i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++) {
        if (m365_id_usable(placeholders[i])) {
            fail_msg("%s taken for a session", placeholders[i] ? placeholders[i] : "(null)");
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_op_normalise),
        cmocka_unit_test(test_op_normalise_capacity),
        cmocka_unit_test(test_case_insensitive),
        cmocka_unit_test(test_parse_i64),
        cmocka_unit_test(test_join_list),
        cmocka_unit_test(test_token_usable),
        cmocka_unit_test(test_session_usable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
