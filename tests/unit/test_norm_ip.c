/* m365_ip_normalise: the address forms the logs use, reduced to one canonical spelling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>

#include "core/norm.h"

struct ipcase {
    const char *in, *want;
};

static void check(const char *in, size_t len, const char *want)
{
    char out[64];
    memset(out, 'X', sizeof(out));
    size_t n = m365_ip_normalise(in, len, out, sizeof(out));
    if (!want) {
        if (n != 0) {
            fail_msg("\"%.*s\" should be rejected, got \"%s\"", (int)len, in, out);
        }
        return;
    }
    if (n == 0) {
        fail_msg("\"%.*s\" rejected, want \"%s\"", (int)len, in, want);
    }
    if (n != strlen(want) || strcmp(out, want) != 0) {
        fail_msg("\"%.*s\" -> \"%s\" (%zu), want \"%s\"", (int)len, in, out, n, want);
    }
}

static void check_all(const struct ipcase *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        check(c[i].in, strlen(c[i].in), c[i].want);
    }
}

static void test_ipv4(void **state)
{
    (void)state;
    static const struct ipcase cases[] = {
        {"1.2.3.4", "1.2.3.4"},
        {"255.255.255.255", "255.255.255.255"},
        {"0.0.0.0", "0.0.0.0"},
        /* Exchange admin ClientIP carries the source port. */
        {"185.73.124.135:19823", "185.73.124.135"},
        {"185.73.124.135:0", "185.73.124.135"},
        {" 1.2.3.4 ", "1.2.3.4"},
        {"\t1.2.3.4\r\n", "1.2.3.4"},
        {"\"1.2.3.4\"", "1.2.3.4"},
        {"[1.2.3.4]", "1.2.3.4"},
        {"[1.2.3.4]:443", "1.2.3.4"},
    };
    check_all(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_ipv6(void **state)
{
    (void)state;
    static const struct ipcase cases[] = {
        {"[2a01:110:8068:7:9bf8:aa87:e00a:5f1f]:36185", "2a01:110:8068:7:9bf8:aa87:e00a:5f1f"},
        {"[2a01:110:8068:7:9bf8:aa87:e00a:5f1f]", "2a01:110:8068:7:9bf8:aa87:e00a:5f1f"},
        {"2603:10b6:a03:1c0::1e", "2603:10b6:a03:1c0::1e"},
        /* Canonical output: lower case, leading zeros dropped, longest zero run compressed. */
        {"2603:10B6:0A03:01C0:0000:0000:0000:001E", "2603:10b6:a03:1c0::1e"},
        {"2001:DB8::ABCD", "2001:db8::abcd"},
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
        {"::1", "::1"},
        {"::", "::"},
        {"[::1]:8080", "::1"},
        /* IPv4-mapped addresses become plain IPv4. */
        {"::ffff:10.1.2.3", "10.1.2.3"},
        {"::FFFF:10.1.2.3", "10.1.2.3"},
        {"::ffff:a01:203", "10.1.2.3"},
        {"[::ffff:10.1.2.3]:443", "10.1.2.3"},
        /* Zone index dropped. */
        {"fe80::1%eth0", "fe80::1"},
        {"[fe80::1%eth0]:22", "fe80::1"},
        {" 2603:10b6:a03:1c0::1e ", "2603:10b6:a03:1c0::1e"},
        {"\"2603:10b6:a03:1c0::1e\"", "2603:10b6:a03:1c0::1e"},
    };
    check_all(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_absent(void **state)
{
    (void)state;
    static const char *const absent[] = {"", " ", "\"\"", "<null>", "null", "NULL", "Not Available",
                                         "-", "N/A", "unknown"};
    for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
        check(absent[i], strlen(absent[i]), NULL);
    }
    char out[64];
    assert_int_equal(m365_ip_normalise("1.2.3.4", 0, out, sizeof(out)), 0);
}

static void test_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "300.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "1.2.3.-4",
        "e2a3a72e-5f79-4c64-b1b1-878b674786c9", /* a GUID where an address should be */
        "2a01:110:8068:7:9bf8:aa87:e00a:5f1f:1:2",
        "2a01:::1",
        "gggg::1",
        "[2a01::1",
        "[]",
        "[]:443",
        "1.2.3.4:",
        "1.2.3.4:port",
        "1.2.3.4:443x",
        "1.2.3.4:123456",
        "[::1]:",
        "[::1]x",
        "[::1]:http",
        "1.2.3.4 5.6.7.8",
        "http://1.2.3.4/",
        "%eth0",
        ":",
        "[",
        "]",
        /* Longer than any address form. */
        "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd:eeee:ffff",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        check(bad[i], strlen(bad[i]), NULL);
    }
    /* An embedded NUL does not end the value early. */
    check("1.2.3.4\0junk", 12, NULL);
}

static void test_output_buffer(void **state)
{
    (void)state;
    /* The longest canonical form fits in 46 bytes with its NUL. */
    const char *longest = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
    char out[46];
    size_t n = m365_ip_normalise(longest, strlen(longest), out, sizeof(out));
    assert_true(n > 0 && n < sizeof(out));
    assert_string_equal(out, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    /* A buffer below the documented minimum is refused rather than overrun. */
    char small[16];
    assert_int_equal(m365_ip_normalise("1.2.3.4", 7, small, sizeof(small)), 0);
    /* Only len bytes are read. */
    char out2[64];
    assert_int_equal(m365_ip_normalise("10.0.0.1999", 8, out2, sizeof(out2)), 8);
    assert_string_equal(out2, "10.0.0.1");
}

/* Dotted forms, canonical or not (leading zeros, octets over 255, too few or many parts, odd
 * characters), give what inet_pton + inet_ntop give: the fast path for canonical quads must not
 * change a single answer. */
static void test_ipv4_fast_path_differential(void **state)
{
    (void)state;
    static const char *const octets[] = {"0", "1", "9", "10", "01", "001", "99", "100", "199",
                                         "255", "256", "300", "999", "0255", "", "a", "1a",
                                         "-1", "+1", "1e"};
    const size_t no = sizeof(octets) / sizeof(octets[0]);
    uint64_t x = 88172645463325252ull;
    unsigned agreed = 0, accepted = 0;
    for (unsigned i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsigned parts = 3 + (unsigned)(x % 3); /* 3, 4 or 5 */
        char in[96];
        size_t n = 0;
        for (unsigned k = 0; k < parts; k++) {
            /* Mostly well-formed octets, so that most inputs take the fast path. */
            const char *o = octets[(x >> (8 + 5 * k)) % (k == 4 || (x >> 40) % 4 == 0 ? no : 10)];
            n += (size_t)snprintf(in + n, sizeof(in) - n, "%s%s", k ? "." : "", o);
        }
        unsigned char bin[4];
        char want[64] = "";
        /* the reference: what the resolver library makes of the same text */
        bool ok = inet_pton(AF_INET, in, bin) == 1 && inet_ntop(AF_INET, bin, want, sizeof(want));
        char out[64];
        size_t got = m365_ip_normalise(in, n, out, sizeof(out));
        if (ok) {
            if (got == 0 || strcmp(out, want) != 0) {
                fail_msg("\"%s\": got \"%s\", inet_ntop gives \"%s\"", in, got ? out : "", want);
            }
            accepted++;
        } else if (got != 0 && strchr(in, ':') == NULL) {
            /* not IPv4; IPv6 parsing cannot accept a text without a colon either */
            fail_msg("\"%s\": accepted as \"%s\", inet_pton rejects it", in, out);
        }
        agreed++;
    }
    assert_int_equal(agreed, 20000);
    assert_true(accepted > 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_absent),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_output_buffer),
        cmocka_unit_test(test_ipv4_fast_path_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
