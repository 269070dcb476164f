/* m365_time_parse and the civil-date helpers of core/norm.h. Expected values are written as
 * epoch constants computed independently of the code under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/norm.h"
#include "m365hunt/scan.h"

#define H_MS (3600 * INT64_C(1000))
#define MIN_MS (60 * INT64_C(1000))

/* 2023-09-26T01:51:34Z, 1695693094 s since the epoch. */
#define UAL_BASE INT64_C(1695693094000)
/* 2023-09-26T01:56:15Z */
#define PURVIEW_BASE INT64_C(1695693375000)

struct tcase {
    const char *text;
    int64_t ms;
};

static int parse(const char *s, int64_t *ms)
{
    return m365_time_parse(s, strlen(s), ms);
}

static void check_valid(const struct tcase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t got = INT64_C(0x5a5a5a5a);
        if (parse(cases[i].text, &got) != 0) {
            fail_msg("rejected valid time \"%s\"", cases[i].text);
        }
        if (got != cases[i].ms) {
            fail_msg("\"%s\": got %lld, want %lld", cases[i].text, (long long)got,
                     (long long)cases[i].ms);
        }
    }
}

/* Each refused; a failed parse leaves the output alone. */
static void check_invalid(const char *const *bad, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t ms = 12345;
        if (parse(bad[i], &ms) != -1) {
            fail_msg("accepted invalid time \"%s\" as %lld", bad[i], (long long)ms);
        }
        assert_true(ms == 12345);
    }
}

static void test_ual_and_iso_forms(void **state)
{
    (void)state;
    static const struct tcase cases[] = {
        /* UAL CreationTime: no zone means UTC. */
        {"2023-09-26T01:51:34", UAL_BASE},
        {"2023-09-26T01:51:34Z", UAL_BASE},
        {"2023-09-26t01:51:34z", UAL_BASE},
        {"2023-09-26 01:51:34", UAL_BASE},
        {"2023-09-26T01:51:34+00:00", UAL_BASE},
        {"2023-09-26T01:51:34-00:00", UAL_BASE},
        {"2023-09-26T01:51:34+0000", UAL_BASE},
        {"2023-09-26T01:51:34 UTC", UAL_BASE},
        /* Offsets: local time minus the offset is UTC. */
        {"2023-09-26T01:51:34-05:00", UAL_BASE + 5 * H_MS},
        {"2023-09-26T01:51:34+05:30", UAL_BASE - 5 * H_MS - 30 * MIN_MS},
        {"2023-09-26T01:51:34+0530", UAL_BASE - 5 * H_MS - 30 * MIN_MS},
        {"2023-09-26T01:51:34+05", UAL_BASE - 5 * H_MS},
        {"2023-09-26T01:51:34.5-09:30", UAL_BASE + 500 + 9 * H_MS + 30 * MIN_MS},
        /* An offset that moves the instant into the previous year. */
        {"2023-01-01T00:30:00+01:00", INT64_C(1672531200000) - 30 * MIN_MS},
        /* No seconds; date only. */
        {"2023-09-26T01:51", UAL_BASE - 34000},
        {"2000-01-01", INT64_C(946684800000)},
    };
    check_valid(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_fractions(void **state)
{
    (void)state;
    static const struct tcase cases[] = {
        {"2023-09-26T01:51:34.5Z", UAL_BASE + 500},
        {"2023-09-26T01:51:34.25Z", UAL_BASE + 250},
        {"2023-09-26T01:51:34.983Z", UAL_BASE + 983},
        {"2023-09-26T01:51:34,983Z", UAL_BASE + 983},
        /* Digits past the millisecond are dropped, never rounded up into the next second. */
        {"2023-09-26T01:51:34.999999Z", UAL_BASE + 999},
        {"2023-09-26T01:51:34.9999999Z", UAL_BASE + 999},
        {"2023-09-26T01:51:34.999999999Z", UAL_BASE + 999},
        /* Azure Monitor diagnostic form, 7 digits. */
        {"2019-10-18T09:45:48.0729893Z", INT64_C(1571391948072)},
        /* Graph form, 6 digits and +00:00. */
        {"2025-11-25T10:52:22.177578+00:00", INT64_C(1764067942177)},
        /* CloudAppEvents RawEventData, 7 zero digits. */
        {"2026-01-24T06:54:24.0000000Z", INT64_C(1769237664000)},
        {"2023-09-26T01:51:34.000000000", UAL_BASE},
    };
    check_valid(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_us_locale_forms(void **state)
{
    (void)state;
    static const struct tcase cases[] = {
        /* Purview audit search CSV. */
        {"9/26/2023 1:56:15 AM", PURVIEW_BASE},
        {"09/26/2023 01:56:15 AM", PURVIEW_BASE},
        {"9/26/2023 1:56:15 am", PURVIEW_BASE},
        {"9/26/2023 1:56:15AM", PURVIEW_BASE},
        {"9/26/2023 1:56:15 PM", PURVIEW_BASE + 12 * H_MS},
        {"9/26/2023 1:56 AM", PURVIEW_BASE - 15000},
        /* 12 AM is midnight, 12 PM is noon. */
        {"9/26/2023 12:56:15 AM", PURVIEW_BASE - H_MS},
        {"9/26/2023 12:56:15 PM", PURVIEW_BASE + 11 * H_MS},
        {"1/1/2023 12:00:00 AM", INT64_C(1672531200000)},
        {"1/1/2023 12:00:00 PM", INT64_C(1672574400000)},
        {"1/1/2023 11:59:59 PM", INT64_C(1672531200000) + 24 * H_MS - 1000},
        /* 24-hour form. */
        {"9/26/2023 13:56:15", PURVIEW_BASE + 12 * H_MS},
        {"9/26/2023 0:56:15", PURVIEW_BASE - H_MS},
        /* Log Analytics portal CSV: comma after the date, milliseconds. */
        {"4/28/2021, 2:08:45.221 PM", INT64_C(1619618925221)},
        {"4/28/2021, 2:08:45.221 AM", INT64_C(1619618925221) - 12 * H_MS},
    };
    check_valid(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Excel re-saving an export where dates are written with dots: day first, 24-hour clock. */
static void test_dotted_day_first_forms(void **state)
{
    (void)state;
    static const struct tcase cases[] = {
        {"26.09.2023 01:56:15", PURVIEW_BASE},
        {"26.9.2023 1:56:15", PURVIEW_BASE},
        {"26.09.2023 01:56", PURVIEW_BASE - 15000},
        {"26.09.2023 13:56:15", PURVIEW_BASE + 12 * H_MS},
        {"28.04.2021 14:08:45,221", INT64_C(1619618925221)},
        {"28.04.2021 14:08:45.221", INT64_C(1619618925221)},
        {"01.02.2023", INT64_C(1675209600000)}, /* 1 February, not 2 January */
        {" 26.09.2023 01:56:15 UTC", PURVIEW_BASE},
    };
    check_valid(cases, sizeof(cases) / sizeof(cases[0]));
    static const char *const bad[] = {
        "26.13.2023 01:56:15", "31.04.2023 01:56:15", "26.09.23 01:56:15",
        "26.09.2023 1:56:15 PM", "26.09.2023 24:00:00", "26.09.2023 01:56:15,",
        "2023.09.26 01:51:34", "123.09.2023 01:56:15", "26-09-2023 01:56:15",
        /* Slashes stay month first: 26 is no month. */
        "26/09/2023 01:56:15",
    };
    check_invalid(bad, sizeof(bad) / sizeof(bad[0]));
}

/* Windows PowerShell's ConvertTo-Json of a DateTime: milliseconds since 1970, UTC. */
static void test_powershell_ms_dates(void **state)
{
    (void)state;
    static const struct tcase cases[] = {
        {"/Date(1695693094000)/", UAL_BASE},
        {"/Date(1695693094123)/", UAL_BASE + 123},
        {"/Date(1695693094000+0200)/", UAL_BASE}, /* the offset says where; the ms are UTC */
        {"/Date(1695693094000-0500)/", UAL_BASE},
        {"/Date(0)/", 0},
        {"/Date(-86400000)/", -86400000},
        {" /Date(1695693094000)/ ", UAL_BASE},
    };
    check_valid(cases, sizeof(cases) / sizeof(cases[0]));
    static const char *const bad[] = {
        "/Date()/", "/Date(1695693094000)", "/Date(1695693094000/", "Date(1695693094000)/",
        "/date(1695693094000)/", "/Date(1695693094000+02)/", "/Date(16956930940x0)/",
        "/Date(1695693094000)/x", "/Date(-99999999999999)/", /* before 1601 */
        "/Date(999999999999999)/",                           /* after 9999 */
    };
    check_invalid(bad, sizeof(bad) / sizeof(bad[0]));
}

static void test_surroundings(void **state)
{
    (void)state;
    static const struct tcase cases[] = {
        /* Purview CSV writes ISO times with a trailing space. */
        {"2026-01-24T06:54:24.0000000Z ", INT64_C(1769237664000)},
        {"  2023-09-26T01:51:34  ", UAL_BASE},
        {"\t2023-09-26T01:51:34\t", UAL_BASE},
        {"\"2023-09-26T01:51:34\"", UAL_BASE},
        {"\"9/26/2023 1:56:15 AM\"", PURVIEW_BASE},
        {" \"2023-09-26T01:51:34Z\" ", UAL_BASE},
        {"2023-09-26T01:51:34\r\n", UAL_BASE},
        {"\r\n2023-09-26T01:51:34", UAL_BASE},
    };
    check_valid(cases, sizeof(cases) / sizeof(cases[0]));

    /* Only len bytes are read: what follows in memory must not matter. */
    const char *s = "2023-09-26T01:51:34Zgarbage";
    int64_t ms = 0;
    assert_int_equal(m365_time_parse(s, 20, &ms), 0);
    assert_true(ms == UAL_BASE);
    assert_int_equal(m365_time_parse(s, 19, &ms), 0);
    assert_true(ms == UAL_BASE);
}

static void test_calendar_edges(void **state)
{
    (void)state;
    static const struct tcase cases[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"1970-01-01T00:00:00.001Z", 1},
        {"1969-12-31T23:59:59.999Z", -1},
        {"1969-12-31T23:59:59Z", -1000},
        {"1970-01-01T00:59:59+01:00", -1000},
        /* Windows FILETIME epoch: 11644473600 s before the Unix epoch. */
        {"1601-01-01T00:00:00Z", INT64_C(-11644473600000)},
        {"9999-12-31T23:59:59.999Z", INT64_C(253402300799999)},
        {"2024-02-29T23:59:59.999Z", INT64_C(1709251199999)},
        {"2000-02-29T00:00:00Z", INT64_C(946684800000) + 59 * 24 * H_MS},
        {"2/29/2024 11:59:59 PM", INT64_C(1709251199000)},
        /* A leap second is kept inside its minute. */
        {"2016-12-31T23:59:60Z", INT64_C(1483228799000)},
    };
    check_valid(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        " ",
        "\"\"",
        "\"",
        "garbage",
        "null",
        "2023",
        "2023-09",
        "23-09-26T01:51:34",
        "2023-9-26T01:51:34",
        "2023-09-26T1:51:34",
        "2023-09-26T01:51:3",
        "2023-09-26X01:51:34",
        "2023-02-30T00:00:00",
        "2023-02-29T00:00:00",
        "1900-02-29T00:00:00",
        "2023-04-31T00:00:00",
        "2023-13-01T00:00:00",
        "2023-00-10T00:00:00",
        "2023-09-00T00:00:00",
        "2023-09-26T25:00:00",
        "2023-09-26T24:00:00",
        "2023-09-26T23:60:00",
        "2023-09-26T23:59:61",
        "2023-09-26T01:51:34.0123456789Z", /* 10 fraction digits */
        "2023-09-26T01:51:34.Z",
        "2023-09-26T01:51:34.",
        "2023-09-26T01:51:34Zjunk",
        "2023-09-26T01:51:34ZZ",
        "2023-09-26T01:51:34+15:00",
        "2023-09-26T01:51:34+05:60",
        "2023-09-26T01:51:34+5:00",
        "2023-09-26T01:51:34+05:",
        "2023-09-26T01:51:34+05:3",
        "2023-09-26T01:51:34-",
        "2023-09-26T01:51:34 PM",
        "13/1/2023 1:00:00 AM",
        "0/1/2023 1:00:00 AM",
        "2/30/2023 1:00:00 AM",
        "9/26/23 1:56:15 AM",
        "9/26/2023 1:56:15 XM",
        "9/26/2023 1:56:15 A",
        "9/26/2023 0:56:15 AM",
        "9/26/2023 13:56:15 PM",
        "9/26/2023 24:00:00",
        "9/26/2023 1:5:15 AM",
        "9/26/2023 1:56:15.1234567890 AM",
        "9/26/2023 1:56:15 AMX",
        "0:00 XM",
        "1:00 AM",
        "2023/09/26 01:51:34",
    };
    check_invalid(bad, sizeof(bad) / sizeof(bad[0]));
    int64_t ms;
    assert_int_equal(m365_time_parse("2023-09-26T01:51:34", 0, &ms), -1);
    /* An embedded NUL is not a terminator. */
    assert_int_equal(m365_time_parse("2023-09-26T01:51:34\0Z", 21, &ms), -1);
}

static void test_days_from_civil_anchors(void **state)
{
    (void)state;
    /* Day numbers relative to 1970-01-01, computed independently. */
    assert_true(m365_days_from_civil(1970, 1, 1) == 0);
    assert_true(m365_days_from_civil(1969, 12, 31) == -1);
    assert_true(m365_days_from_civil(2000, 1, 1) == 10957);
    assert_true(m365_days_from_civil(2000, 2, 29) == 11016);
    assert_true(m365_days_from_civil(2000, 3, 1) == 11017);
    assert_true(m365_days_from_civil(1900, 1, 1) == -25567);
    assert_true(m365_days_from_civil(1900, 3, 1) == -25508);
    assert_true(m365_days_from_civil(1600, 2, 29) == -135081);
    assert_true(m365_days_from_civil(2100, 3, 1) == 47541);
    assert_true(m365_days_from_civil(2400, 2, 29) == 157113);
    assert_true(m365_days_from_civil(1, 1, 1) == -719162);
    assert_true(m365_days_from_civil(9999, 12, 31) == 2932896);
}

static int naive_month_len(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) {
        return 29;
    }
    return len[m - 1];
}

/* Walks the calendar day by day with a naive counter, from 1970 back to year 1 and forward to
 * 9999, and checks both conversions on every day. */
static void test_civil_walk(void **state)
{
    (void)state;
    for (int dir = -1; dir <= 1; dir += 2) {
        int y = 1970, m = 1, d = 1;
        int64_t day = 0;
        for (;;) {
            if (m365_days_from_civil(y, (unsigned)m, (unsigned)d) != day) {
                fail_msg("days_from_civil(%d-%02d-%02d) != %lld", y, m, d, (long long)day);
            }
            /* Noon and the last millisecond of the day map back to the same date. */
            int64_t probes[2] = {day * 86400000 + 12 * H_MS, day * 86400000 + 86399999};
            for (int k = 0; k < 2; k++) {
                int cy, cm, cd, h, mi, s, ms;
                m365_civil_from_ms(probes[k], &cy, &cm, &cd, &h, &mi, &s, &ms);
                if (cy != y || cm != m || cd != d) {
                    fail_msg("civil_from_ms(%lld) = %d-%02d-%02d, want %d-%02d-%02d",
                             (long long)probes[k], cy, cm, cd, y, m, d);
                }
                if (k == 0) {
                    assert_true(h == 12 && mi == 0 && s == 0 && ms == 0);
                } else {
                    assert_true(h == 23 && mi == 59 && s == 59 && ms == 999);
                }
            }
            if (dir > 0) {
                if (y == 9999 && m == 12 && d == 31) {
                    break;
                }
                day++;
                if (++d > naive_month_len(y, m)) {
                    d = 1;
                    if (++m > 12) {
                        m = 1;
                        y++;
                    }
                }
            } else {
                if (y == 1 && m == 1 && d == 1) {
                    break;
                }
                day--;
                if (--d < 1) {
                    if (--m < 1) {
                        m = 12;
                        y--;
                    }
                    d = naive_month_len(y, m);
                }
            }
        }
    }
}

static void test_civil_from_ms_fields(void **state)
{
    (void)state;
    int y, mo, d, h, mi, s, ms;
    m365_civil_from_ms(-1, &y, &mo, &d, &h, &mi, &s, &ms);
    assert_true(y == 1969 && mo == 12 && d == 31 && h == 23 && mi == 59 && s == 59 && ms == 999);
    m365_civil_from_ms(INT64_C(1619618925221), &y, &mo, &d, &h, &mi, &s, &ms);
    assert_true(y == 2021 && mo == 4 && d == 28 && h == 14 && mi == 8 && s == 45 && ms == 221);
    m365_civil_from_ms(INT64_C(-11644473600000), &y, &mo, &d, &h, &mi, &s, &ms);
    assert_true(y == 1601 && mo == 1 && d == 1 && h == 0 && mi == 0 && s == 0 && ms == 0);
    m365_civil_from_ms(INT64_C(-11644473600001), &y, &mo, &d, &h, &mi, &s, &ms);
    assert_true(y == 1600 && mo == 12 && d == 31 && h == 23 && mi == 59 && s == 59 && ms == 999);
}

/* Formats pseudo-random instants with civil_from_ms in several textual forms and parses them
 * back: the parser and the converter must agree to the millisecond. */
/* m365_format_time writes its digits itself; it must print what snprintf("%04d-…") prints, for
 * every time and buffer size, the years it leaves to snprintf (before 0, after 9999) included. */
static void format_like_snprintf(int64_t t, size_t size)
{
    char want[64], got[64];
    memset(got, '#', sizeof(got));
    if (t == M365_TIME_NONE) {
        snprintf(want, size, "unknown");
    } else {
        int y, mo, d, h, mi, s, ms;
        m365_civil_from_ms(t, &y, &mo, &d, &h, &mi, &s, &ms);
        snprintf(want, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, d, h, mi, s, ms);
    }
    m365_format_time(t, got, size);
    if (size && strcmp(want, got) != 0) {
        fail_msg("%lld, size %zu: got \"%s\" want \"%s\"", (long long)t, size, got, want);
    }
    for (size_t i = size; i < sizeof(got); i++) {
        if (got[i] != '#') {
            fail_msg("%lld, size %zu: byte %zu written past the buffer", (long long)t, size, i);
        }
    }
}

static void test_format_time_like_snprintf(void **state)
{
    (void)state;
    const int64_t year = INT64_C(31556952000);
    const int64_t edges[] = {0, -1, 1, 999, 1000, 86399999, 86400000, -86400000,
                             INT64_C(-62167219200000),     /* 0000-01-01 */
                             INT64_C(-62167219200001),     /* the millisecond before */
                             INT64_C(253402300799999),     /* 9999-12-31T23:59:59.999 */
                             INT64_C(253402300800000),     /* 10000-01-01 */
                             INT64_C(1700000000123), 9999 * year, -9999 * year,
                             M365_TIME_NONE, INT64_MIN + 1, INT64_MAX};
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        for (size_t size = 0; size <= 40; size++) {
            format_like_snprintf(edges[i], size);
        }
    }
    uint64_t x = 0x243f6a8885a308d3ull;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* Years -200 to 10200, each size now and then. */
        int64_t t = (int64_t)(x % (uint64_t)(10400 * year)) - 2170 * year;
        format_like_snprintf(t, i % 64 == 0 ? (size_t)(x >> 58) % 40 : 40);
    }
}

static void test_format_parse_round_trip(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    const int64_t lo = INT64_C(-11644473600000), hi = INT64_C(253402300799999);
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t t = lo + (int64_t)(x % (uint64_t)(hi - lo + 1));
        int y, mo, d, h, mi, s, ms;
        m365_civil_from_ms(t, &y, &mo, &d, &h, &mi, &s, &ms);
        char iso[64], us[64];
        snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s", y, mo, d, h, mi, s, ms,
                 i % 2 ? "Z" : "0000");
        int h12 = h % 12 == 0 ? 12 : h % 12;
        snprintf(us, sizeof(us), "%d/%d/%d, %d:%02d:%02d.%03d %s", mo, d, y, h12, mi, s, ms,
                 h < 12 ? "AM" : "PM");
        int64_t got = 0;
        if (parse(iso, &got) != 0 || got != t) {
            fail_msg("\"%s\": got %lld want %lld", iso, (long long)got, (long long)t);
        }
        got = 0;
        if (parse(us, &got) != 0 || got != t) {
            fail_msg("\"%s\": got %lld want %lld", us, (long long)got, (long long)t);
        }
    }
}

/* The usual "YYYY-MM-DDTHH:MM:SS[.f…][Z]" is read by a fast path; a space in front sends the
 * same text through the general parser. Near-canonical texts (impossible dates and times,
 * fractions of 0 to 11 digits, zones, a byte changed, cut short or run on) must get the same
 * answer both ways. */
static void test_canonical_fast_path_agrees(void **state)
{
    (void)state;
    uint64_t r = 0x2545f4914f6cdd1dull;
    unsigned accepted = 0, fast_shaped = 0, rejected = 0;
    for (unsigned round = 0; round < 200000; round++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        uint64_t x = r;
        char t[64];
        int n = snprintf(t, sizeof(t), "%04u-%02u-%02uT%02u:%02u:%02u",
                         (unsigned)(1590 + x % 8500), (unsigned)(x >> 14) % 14,
                         (unsigned)(x >> 18) % 33, (unsigned)(x >> 24) % 26,
                         (unsigned)(x >> 29) % 61, (unsigned)(x >> 35) % 62);
        unsigned frac = (unsigned)(x >> 41) % 13; /* 12: none */
        if (frac < 12) {
            t[n++] = (x >> 45) & 1 ? '.' : ',';
            for (unsigned k = 0; k < frac; k++) {
                t[n++] = (char)('0' + (x >> (k * 3 + 3)) % 10);
            }
        }
        switch ((x >> 47) % 6) {
        case 0: t[n++] = 'Z'; break;
        case 1: t[n++] = 'z'; break;
        case 2: memcpy(t + n, "+02:00", 6); n += 6; break;
        default: break;
        }
        static const char alphabet[] = "0123456789-:.,TtZz +/";
        if ((x >> 50) % 3 == 0) { /* one byte changed */
            t[(x >> 52) % (unsigned)n] = alphabet[(x >> 58) % (sizeof(alphabet) - 1)];
        }
        if ((x >> 51) % 5 == 0) { /* cut short */
            n = (int)((x >> 55) % (unsigned)(n + 1));
        }
        if ((x >> 53) % 7 == 0) { /* run on */
            t[n++] = alphabet[(x >> 59) % (sizeof(alphabet) - 1)];
        }
        t[n] = '\0';
        char spaced[72];
        snprintf(spaced, sizeof(spaced), " %s", t);
        int64_t fast = 0, general = 0;
        int rf = m365_time_parse(t, (size_t)n, &fast);
        int rg = m365_time_parse(spaced, (size_t)n + 1, &general);
        if (rf != rg || (rf == 0 && fast != general)) {
            fail_msg("\"%s\": %d/%lld, through the general parser %d/%lld", t, rf,
                     (long long)fast, rg, (long long)general);
        }
        accepted += rf == 0;
        rejected += rf != 0;
        fast_shaped += rf == 0 && t[10] == 'T' && !strchr(t, '+') && !strchr(t, ' ');
    }
    assert_true(accepted > 20000 && rejected > 20000 && fast_shaped > 10000);
}

/* m365_format_bytes (the reports' sizes, next to the times): decimal units, one decimal, the
 * unit moving up where the rounded figure would read 1000. */
static void test_format_bytes(void **state)
{
    (void)state;
    static const struct {
        uint64_t v;
        const char *want;
    } cases[] = {
        {0, "0 bytes"},          {1, "1 byte"},           {999, "999 bytes"},
        {1000, "1.0 kB"},        {48213, "48.2 kB"},      {999949, "999.9 kB"},
        {999950, "1.0 MB"},      {1234567, "1.2 MB"},     {2100000000, "2.1 GB"},
        {UINT64_MAX, "18446744.1 TB"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char got[32];
        m365_format_bytes(cases[i].v, got, sizeof(got));
        if (strcmp(got, cases[i].want) != 0) {
            fail_msg("%llu: got \"%s\" want \"%s\"", (unsigned long long)cases[i].v, got,
                     cases[i].want);
        }
    }
    char small[4];
    m365_format_bytes(48213, small, sizeof(small)); /* cut to fit, terminated */
    assert_string_equal(small, "48.");
}

/* The hour an Azure Monitor storage blob holds, from its path; anything else is no blob. */
static void test_path_hour(void **state)
{
    (void)state;
    int64_t ms = 0, want = 0;
    assert_int_equal(m365_time_parse("2024-01-15T10:00:00Z", 20, &want), 0);
    const char *blob = "insights-logs-signinlogs/resourceId=/tenants/6b1f4c2e-8d3a-4f57-9c21-"
                       "3e0a5d7b9f14/providers/Microsoft.aadiam/y=2024/m=01/d=15/h=10/m=00/"
                       "PT1H.json";
    assert_true(m365_path_hour(blob, &ms));
    assert_int_equal(ms, want);
    char buf[512];
    snprintf(buf, sizeof(buf), "case.zip/%s.gz", blob); /* in an archive, compressed */
    assert_true(m365_path_hour(buf, &ms));
    assert_int_equal(ms, want);
    assert_true(m365_path_hour("/y=2024/m=02/d=29/h=23/m=00/PT1H.json", &ms)); /* a leap day */
    assert_int_equal(m365_time_parse("2024-02-29T23:00:00Z", 20, &want), 0);
    assert_int_equal(ms, want);
    static const char *const not_blobs[] = {
        "/y=2024/m=01/d=15/h=10/m=30/PT1H.json", /* minutes other than 00 */
        "/y=2024/m=01/d=15/h=24/m=00/PT1H.json", /* hour 24 */
        "/y=2023/m=02/d=29/h=10/m=00/PT1H.json", /* no such day */
        "/y=2024/m=13/d=15/h=10/m=00/PT1H.json",
        "/y=2024/m=01/d=00/h=10/m=00/PT1H.json",
        "/y=1969/m=12/d=31/h=10/m=00/PT1H.json",
        "/y=2024/m=01/d=15/h=10/PT1H.json",          /* a part missing */
        "/y=2024/m=01/d=15/x=10/m=00/PT1H.json",     /* another key */
        "/y=2024/m=01/d=15/h=/m=00/PT1H.json",       /* no digits */
        "/y=12024/m=01/d=15/h=10/m=00/PT1H.json",    /* five-digit year */
        "y=2024/m=01/d=15/h=10/m=00/PT1H.json",      /* no '/' before y= */
        "/y=2024/m=01/d=15/h=10/m=00/PT1M.json",     /* not an hour's blob */
        "/y=2024/m=01/d=15/h=10/m=00/PT1H.jsonl",
        "PT1H.json",
        "",
    };
    for (size_t i = 0; i < sizeof(not_blobs) / sizeof(not_blobs[0]); i++) {
        assert_false(m365_path_hour(not_blobs[i], &ms));
    }
    assert_false(m365_path_hour(NULL, &ms));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ual_and_iso_forms),
        cmocka_unit_test(test_fractions),
        cmocka_unit_test(test_us_locale_forms),
        cmocka_unit_test(test_dotted_day_first_forms),
        cmocka_unit_test(test_powershell_ms_dates),
        cmocka_unit_test(test_surroundings),
        cmocka_unit_test(test_calendar_edges),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_days_from_civil_anchors),
        cmocka_unit_test(test_civil_walk),
        cmocka_unit_test(test_civil_from_ms_fields),
        cmocka_unit_test(test_format_parse_round_trip),
        cmocka_unit_test(test_format_time_like_snprintf),
        cmocka_unit_test(test_canonical_fast_path_agrees),
        cmocka_unit_test(test_format_bytes),
        cmocka_unit_test(test_path_hour),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
