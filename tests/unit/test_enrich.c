/* IP enrichment (src/lib/enrich/enrich.c): ServiceTags and CIDR lists for --ip-ranges, CIDR
 * lists for --trusted-ips, ASN databases for --asn-db, and the per-address facts built from
 * them. The ASN databases are made here by mmdb_writer (nothing may be downloaded) and are
 * checked with libmaxminddb itself before the enrichment code reads them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <maxminddb.h>

#include "core/intern.h"
#include "enrich/enrich.h"
#include "m365hunt/scan.h"
#include "test_util.h"

/* tests/CMakeLists.txt builds each test from its own file plus test_util.c: the writer is
 * compiled in here. */
#include "enrich/mmdb_writer.h"

struct fx {
    char *dir;
    struct m365_intern intern;
    char err[512];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f || !(f->dir = m365_test_mkdtemp()) || m365_intern_init(&f->intern) != 0) {
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    m365_intern_free(&f->intern);
    m365_test_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* path of a new file in the fixture directory; the fixture keeps no list, callers free. */
static char *file(struct fx *f, const char *name, const void *data, size_t len)
{
    char *p = m365_test_path(f->dir, name);
    assert_non_null(p);
    assert_int_equal(m365_test_write_file(p, data, len), 0);
    return p;
}

static char *text_file(struct fx *f, const char *name, const char *text)
{
    return file(f, name, text, strlen(text));
}

static const struct m365_ipinfo *look(struct fx *f, struct m365_enrich *e, const char *ip)
{
    return m365_enrich_ip(e, m365_intern(&f->intern, ip, strlen(ip)));
}

static struct m365_enrich *load_geo2(struct fx *f, const char *ranges, const char *asn,
                                     const char *trusted, const char *geo, const char *geo2)
{
    struct m365_enrich *e = NULL;
    f->err[0] = '\0';
    enum m365_status st = m365_enrich_new(&e, &f->intern, ranges, asn, trusted, geo, geo2,
                                          f->err, sizeof(f->err));
    if (st != M365_OK) {
        fail_msg("m365_enrich_new: %s", f->err);
    }
    assert_non_null(e);
    return e;
}

static struct m365_enrich *load_geo(struct fx *f, const char *ranges, const char *asn,
                                    const char *trusted, const char *geo)
{
    return load_geo2(f, ranges, asn, trusted, geo, NULL);
}

static struct m365_enrich *load(struct fx *f, const char *ranges, const char *asn,
                                const char *trusted)
{
    return load_geo(f, ranges, asn, trusted, NULL);
}

/* Loading must fail with M365_E_CONFIG and a message containing want. */
static void load_geo_fails(struct fx *f, const char *ranges, const char *asn,
                           const char *trusted, const char *geo, const char *want)
{
    static char sentinel;
    struct m365_enrich *e = (struct m365_enrich *)(void *)&sentinel; /* must be reset to NULL */
    f->err[0] = '\0';
    enum m365_status st = m365_enrich_new(&e, &f->intern, ranges, asn, trusted, geo, NULL,
                                          f->err, sizeof(f->err));
    if (st != M365_E_CONFIG) {
        fail_msg("expected a configuration error containing \"%s\", got status %d (%s)", want,
                 (int)st, f->err);
    }
    assert_null(e);
    if (!strstr(f->err, want)) {
        fail_msg("error \"%s\" does not contain \"%s\"", f->err, want);
    }
}

static void load_fails(struct fx *f, const char *ranges, const char *asn, const char *trusted,
                       const char *want)
{
    load_geo_fails(f, ranges, asn, trusted, NULL, want);
}

static void expect_label(struct fx *f, struct m365_enrich *e, const char *ip, const char *label)
{
    const struct m365_ipinfo *ii = look(f, e, ip);
    assert_true(ii->valid);
    if (!label) {
        if (ii->in_ranges) {
            fail_msg("%s: unexpectedly in range %s", ip, ii->range_label);
        }
        assert_null(ii->range_label);
        return;
    }
    if (!ii->in_ranges || !ii->range_label || strcmp(ii->range_label, label) != 0) {
        fail_msg("%s: range label %s, want %s", ip, ii->in_ranges ? ii->range_label : "(none)",
                 label);
    }
}

/* A ServiceTags_Public excerpt in Microsoft's layout. The regional tag repeats prefixes of
 * AzureCloud, and a service tag holds a narrower prefix inside the regional one. */
static const char service_tags[] =
    "{\n"
    "  \"changeNumber\": 381,\n"
    "  \"cloud\": \"Public\",\n"
    "  \"values\": [\n"
    "    {\"name\": \"AzureCloud\", \"id\": \"AzureCloud\", \"properties\": {\"changeNumber\": 290, "
    "\"region\": \"\", \"regionId\": 0, \"platform\": \"Azure\", \"systemService\": \"\", "
    "\"addressPrefixes\": [\"20.33.0.0/16\", \"20.64.0.0/10\", \"20.80.0.0/14\", "
    "\"2603:1000::/24\", \"2603:1030:400::/48\"], \"networkFeatures\": [\"API\", \"NSG\"]}},\n"
    "    {\"name\": \"AzureCloud.eastus2\", \"id\": \"AzureCloud.eastus2\", \"properties\": "
    "{\"changeNumber\": 112, \"region\": \"eastus2\", \"regionId\": 33, \"platform\": \"Azure\", "
    "\"systemService\": \"\", \"addressPrefixes\": [\"20.80.0.0/14\", \"2603:1030:400::/48\"]}},\n"
    "    {\"name\": \"Storage.EastUS2\", \"id\": \"Storage.EastUS2\", \"properties\": "
    "{\"changeNumber\": 31, \"region\": \"eastus2\", \"regionId\": 33, \"platform\": \"Azure\", "
    "\"systemService\": \"AzureStorage\", \"addressPrefixes\": [\"20.80.16.0/24\", "
    "\"2603:1030:400:10::/64\"]}},\n"
    "    {\"name\": \"AzureActiveDirectory\", \"id\": \"AzureActiveDirectory\", \"properties\": "
    "{\"changeNumber\": 9, \"region\": \"\", \"regionId\": 0, \"platform\": \"Azure\", "
    "\"systemService\": \"AzureAD\", \"addressPrefixes\": [\"20.190.128.0/18\", "
    "\"40.126.0.0/18\", \"2603:1006:2000::/48\"]}}\n"
    "  ]\n"
    "}\n";

static void check_service_tags(struct fx *f, struct m365_enrich *e)
{
    assert_true(m365_enrich_has_ranges(e));
    assert_false(m365_enrich_has_asn(e));
    assert_false(m365_enrich_has_trusted(e));
    /* The longest matching prefix gives the label. */
    expect_label(f, e, "20.80.16.7", "Storage.EastUS2");
    expect_label(f, e, "20.80.17.7", "AzureCloud.eastus2");
    expect_label(f, e, "20.81.111.85", "AzureCloud.eastus2");
    expect_label(f, e, "20.83.255.255", "AzureCloud.eastus2");
    expect_label(f, e, "20.84.0.0", "AzureCloud");
    expect_label(f, e, "20.70.1.1", "AzureCloud");
    expect_label(f, e, "20.127.255.255", "AzureCloud");
    expect_label(f, e, "20.128.0.0", NULL);
    expect_label(f, e, "20.33.255.255", "AzureCloud");
    expect_label(f, e, "20.34.0.0", NULL);
    expect_label(f, e, "20.32.255.255", NULL);
    expect_label(f, e, "40.126.63.1", "AzureActiveDirectory");
    expect_label(f, e, "40.126.64.1", NULL);
    expect_label(f, e, "2603:1030:400:10::5", "Storage.EastUS2");
    expect_label(f, e, "2603:1030:400:11::5", "AzureCloud.eastus2");
    expect_label(f, e, "2603:1030:401::5", "AzureCloud");
    expect_label(f, e, "2603:10b6:510:2b9::12", "AzureCloud");
    expect_label(f, e, "2603:1006:2000::1", "AzureActiveDirectory");
    expect_label(f, e, "2603:1100::1", NULL);
    expect_label(f, e, "8.8.8.8", NULL);
    const struct m365_ipinfo *ii = look(f, e, "20.81.111.85");
    assert_true(ii->hosting);
    assert_false(ii->hosting_asn);
    assert_false(ii->trusted);
    assert_int_equal(ii->asn, 0);
    assert_string_equal(ii->prefix, "20.81.111.0/24");
    assert_false(look(f, e, "8.8.8.8")->hosting);
}

static void test_service_tags_longest_prefix(void **state)
{
    struct fx *f = *state;
    char *p = text_file(f, "ServiceTags_Public_20260302.json", service_tags);
    struct m365_enrich *e = load(f, p, NULL, NULL);
    check_service_tags(f, e);
    m365_enrich_free(e);
    free(p);
}

/* The label of a prefix listed under several tags does not depend on the order of the tags. */
static void test_service_tags_order(void **state)
{
    struct fx *f = *state;
    static const char reversed[] =
        "{\"values\":["
        "{\"name\":\"Storage.EastUS2\",\"properties\":{\"addressPrefixes\":[\"20.80.16.0/24\"]}},"
        "{\"name\":\"AzureCloud.eastus2\",\"properties\":{\"addressPrefixes\":[\"20.80.0.0/14\"]}},"
        "{\"name\":\"AzureCloud\",\"properties\":{\"addressPrefixes\":[\"20.80.0.0/14\","
        "\"20.64.0.0/10\",\"bogus\",\"2603:1030:400::/48\"]}}]}";
    char *p = text_file(f, "tags-reversed.json", reversed);
    struct m365_enrich *e = load(f, p, NULL, NULL);
    expect_label(f, e, "20.80.16.7", "Storage.EastUS2");
    expect_label(f, e, "20.81.111.85", "AzureCloud.eastus2");
    expect_label(f, e, "20.70.1.1", "AzureCloud");
    expect_label(f, e, "2603:1030:400::1", "AzureCloud");
    m365_enrich_free(e);
    free(p);
}

static void test_service_tags_errors(void **state)
{
    struct fx *f = *state;
    char *bad = text_file(f, "bad.json", "{\"values\": [ {\"name\": \"AzureCloud\", ");
    load_fails(f, bad, NULL, NULL, "not valid JSON");
    char *none = text_file(f, "none.json", "{\"changeNumber\": 1, \"values\": []}");
    load_fails(f, none, NULL, NULL, "no values[].properties.addressPrefixes");
    char *missing = m365_test_path(f->dir, "missing.json");
    load_fails(f, missing, NULL, NULL, missing);
    load_fails(f, missing, NULL, NULL, "No such file");
    load_fails(f, f->dir, NULL, NULL, "directory");
    free(bad);
    free(none);
    free(missing);
}

static void test_prefix_strings(void **state)
{
    struct fx *f = *state;
    struct m365_enrich *e = load(f, NULL, NULL, NULL);
    static const struct {
        const char *ip, *prefix;
        bool v6;
    } cases[] = {
        {"203.0.113.77", "203.0.113.0/24", false},
        {"1.2.3.4", "1.2.3.0/24", false},
        {"255.255.255.255", "255.255.255.0/24", false},
        {"0.0.0.0", "0.0.0.0/24", false},
        {"2001:db8:abcd:12:3456:789a:bcde:f012", "2001:db8:abcd:12::/64", true},
        {"2603:10b6:510:2b9::12", "2603:10b6:510:2b9::/64", true},
        {"2001:db8::1", "2001:db8::/64", true},
        {"::1", "::/64", true},
        {"fe80::1c2d:3e4f", "fe80::/64", true},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff::/64", true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct m365_ipinfo *ii = look(f, e, cases[i].ip);
        assert_true(ii->valid);
        assert_int_equal(ii->v6, cases[i].v6);
        if (!ii->prefix || strcmp(ii->prefix, cases[i].prefix) != 0) {
            fail_msg("%s: prefix %s, want %s", cases[i].ip, ii->prefix ? ii->prefix : "NULL",
                     cases[i].prefix);
        }
        /* Prefixes are interned: equal text, one pointer. */
        assert_ptr_equal(ii->prefix,
                         m365_intern(&f->intern, cases[i].prefix, strlen(cases[i].prefix)));
        assert_false(ii->in_ranges || ii->trusted || ii->hosting || ii->asn);
    }
    static const char *const invalid[] = {"not-an-ip", "1.2.3", "1.2.3.256", "", "::g",
                                          "1.2.3.4:443", "2001:db8::1/64"};
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        const struct m365_ipinfo *ii = look(f, e, invalid[i]);
        if (ii->valid || ii->prefix || ii->is_private || ii->hosting) {
            fail_msg("\"%s\" should be an invalid address", invalid[i]);
        }
    }
    /* No enrichment at all, or no address: an invalid, empty answer, never NULL. */
    const struct m365_ipinfo *none = m365_enrich_ip(NULL, "1.2.3.4");
    assert_non_null(none);
    assert_false(none->valid);
    assert_false(m365_enrich_ip(e, NULL)->valid);
    assert_false(m365_enrich_has_ranges(NULL) || m365_enrich_has_asn(NULL) ||
                 m365_enrich_has_trusted(NULL));
    m365_enrich_free(e);
    m365_enrich_free(NULL);
}

static void test_private_ranges(void **state)
{
    struct fx *f = *state;
    /* Private addresses are never "hosting", even inside a loaded range. */
    char *p = text_file(f, "ranges.txt", "10.0.0.0/8 lab-cloud\n100.64.0.0/10 cgnat-cloud\n"
                                         "fd00::/8 ula-cloud\n");
    struct m365_enrich *e = load(f, p, NULL, NULL);
    static const char *const priv[] = {
        "10.0.0.1",     "10.255.255.255", "172.16.0.1",   "172.31.255.254", "192.168.1.10",
        "127.0.0.1",    "169.254.10.20",  "100.64.0.1",   "100.127.255.254", "0.0.0.0",
        "fc00::1",      "fdab:cd::1",     "fe80::1",      "febf::1",        "::1",
        "::",           "::ffff:10.1.2.3", "::ffff:192.168.0.1",
    };
    static const char *const pub[] = {
        "172.15.255.255", "172.32.0.1", "192.169.0.1", "100.63.255.255", "100.128.0.1",
        "8.8.8.8",        "203.0.113.10", "169.255.0.1", "fec0::1",       "2001:db8::1",
        "2603:10b6::1",   "::2",        "::ffff:8.8.8.8", "11.0.0.1",
    };
    for (size_t i = 0; i < sizeof(priv) / sizeof(priv[0]); i++) {
        const struct m365_ipinfo *ii = look(f, e, priv[i]);
        if (!ii->valid || !ii->is_private || ii->hosting) {
            fail_msg("%s should be private and not hosting", priv[i]);
        }
    }
    for (size_t i = 0; i < sizeof(pub) / sizeof(pub[0]); i++) {
        const struct m365_ipinfo *ii = look(f, e, pub[i]);
        if (!ii->valid || ii->is_private) {
            fail_msg("%s should be public", pub[i]);
        }
    }
    const struct m365_ipinfo *lab = look(f, e, "10.1.2.3");
    assert_true(lab->in_ranges);
    assert_string_equal(lab->range_label, "lab-cloud");
    assert_false(lab->hosting);
    m365_enrich_free(e);
    free(p);
}

static const char trusted_list[] =
    "# contoso-demo egress, maintained by IT\n"
    "203.0.113.10        Boston HQ\n"
    "203.0.113.11/32,Boston HQ backup\r\n"
    "198.51.100.0/24     # home VPN pool\n"
    "\r\n"
    "   \t\n"
    "2001:db8:1::/48 Branch v6 \n"
    "10.0.0.0/8\tlab";

static void test_trusted_list(void **state)
{
    struct fx *f = *state;
    char *p = text_file(f, "egress.txt", trusted_list);
    struct m365_enrich *e = load(f, NULL, NULL, p);
    assert_true(m365_enrich_has_trusted(e));
    assert_false(m365_enrich_has_ranges(e));
    static const struct {
        const char *ip, *label;
    } cases[] = {
        {"203.0.113.10", "Boston HQ"},
        {"203.0.113.11", "Boston HQ backup"},
        {"198.51.100.1", "trusted"},
        {"198.51.100.255", "trusted"},
        {"2001:db8:1:ffff::1", "Branch v6"},
        {"10.20.30.40", "lab"},
        {"203.0.113.12", NULL},
        {"198.51.101.1", NULL},
        {"2001:db8:2::1", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct m365_ipinfo *ii = look(f, e, cases[i].ip);
        assert_true(ii->valid);
        assert_false(ii->in_ranges);
        if (!cases[i].label) {
            if (ii->trusted) {
                fail_msg("%s should not be trusted (label %s)", cases[i].ip, ii->trusted_label);
            }
            continue;
        }
        if (!ii->trusted || !ii->trusted_label || strcmp(ii->trusted_label, cases[i].label)) {
            fail_msg("%s: trusted %d label %s, want %s", cases[i].ip, ii->trusted,
                     ii->trusted_label ? ii->trusted_label : "NULL", cases[i].label);
        }
    }
    m365_enrich_free(e);

    /* The same list as --ip-ranges: unlabelled lines are "hosting". */
    e = load(f, p, NULL, NULL);
    expect_label(f, e, "198.51.100.7", "hosting");
    expect_label(f, e, "203.0.113.10", "Boston HQ");
    assert_true(look(f, e, "198.51.100.7")->hosting);
    assert_false(look(f, e, "198.51.100.7")->trusted);
    m365_enrich_free(e);
    free(p);
}

static void test_cidr_list_errors(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *line, *shown;
    } bad[] = {
        {"300.1.1.1/24 office", "'300.1.1.1/24'"},
        {"10.0.0.0/33", "'10.0.0.0/33'"},
        {"10.0.0.0/-1", "'10.0.0.0/-1'"},
        {"10.0.0.0/+8", "'10.0.0.0/+8'"},
        {"10.0.0.0/", "'10.0.0.0/'"},
        {"10.0.0.0/8x", "'10.0.0.0/8x'"},
        {"::/129", "'::/129'"},
        {"2001:db8::/", "'2001:db8::/'"},
        {"vpn.contoso.com", "'vpn.contoso.com'"},
        {"203.0.113.10:443", "'203.0.113.10:443'"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[256], want[512];
        snprintf(text, sizeof(text), "# egress\n203.0.113.10 HQ\n\n%s\n198.51.100.0/24\n",
                 bad[i].line);
        char *p = text_file(f, "bad.txt", text);
        /* file:line, then the offending text. */
        snprintf(want, sizeof(want), "%s:4: %s is not an address or CIDR prefix", p,
                 bad[i].shown);
        load_fails(f, NULL, NULL, p, want);
        load_fails(f, p, NULL, NULL, want);
        free(p);
    }
    /* A long token is cut in the message, not overflowing it. */
    char longline[400];
    memset(longline, '9', sizeof(longline) - 2);
    longline[sizeof(longline) - 2] = '\n';
    longline[sizeof(longline) - 1] = '\0';
    char *p = text_file(f, "long.txt", longline);
    load_fails(f, NULL, NULL, p, ":1: '999999");
    free(p);
    /* A list with nothing in it is a mistake, not "no address is trusted". */
    p = text_file(f, "empty.txt", "# nothing here yet\n\n");
    load_fails(f, NULL, NULL, p, "no address or CIDR prefix");
    free(p);
    p = text_file(f, "zero.txt", "");
    load_fails(f, p, NULL, NULL, "no address or CIDR prefix");
    free(p);
}

/* Lists saved by Windows tools: UTF-8 with BOM, UTF-16LE (PowerShell 5 "> file"); gzip. */
static void test_encodings(void **state)
{
    struct fx *f = *state;
    char *p = text_file(f, "bom.txt", "\xEF\xBB\xBF" "203.0.113.10 Boston HQ\r\n");
    struct m365_enrich *e = load(f, NULL, NULL, p);
    assert_string_equal(look(f, e, "203.0.113.10")->trusted_label, "Boston HQ");
    m365_enrich_free(e);
    free(p);

    const char *txt = "203.0.113.0/24 Büro\r\n2001:db8::/32\r\n";
    unsigned char u16[256];
    size_t n = 0;
    u16[n++] = 0xff;
    u16[n++] = 0xfe;
    for (const unsigned char *s = (const unsigned char *)txt; *s;) {
        unsigned cp = *s++;
        if (cp >= 0xc0) { /* the one two-byte sequence in the text */
            cp = (cp & 0x1f) << 6 | (*s++ & 0x3f);
        }
        u16[n++] = (unsigned char)(cp & 0xff);
        u16[n++] = (unsigned char)(cp >> 8);
    }
    p = file(f, "utf16.txt", u16, n);
    e = load(f, NULL, NULL, p);
    assert_string_equal(look(f, e, "203.0.113.99")->trusted_label, "Büro");
    assert_string_equal(look(f, e, "2001:db8:ffff::1")->trusted_label, "trusted");
    m365_enrich_free(e);
    free(p);

    p = m365_test_path(f->dir, "ServiceTags_Public.json.gz");
    assert_int_equal(m365_test_write_gzip(p, service_tags, strlen(service_tags)), 0);
    e = load(f, p, NULL, NULL);
    check_service_tags(f, e);
    m365_enrich_free(e);
    free(p);
}

/* Results are cached by the (interned) address pointer. */
static void test_cache_by_pointer(void **state)
{
    struct fx *f = *state;
    char *p = text_file(f, "tags.json", service_tags);
    struct m365_enrich *e = load(f, p, NULL, NULL);
    const char *ip = m365_intern(&f->intern, "20.81.111.85", 12);
    const struct m365_ipinfo *a = m365_enrich_ip(e, ip);
    const struct m365_ipinfo *b = m365_enrich_ip(e, ip);
    assert_ptr_equal(a, b);
    /* Another pointer to the same text is looked up on its own, with the same answer. */
    char copy[] = "20.81.111.85";
    const struct m365_ipinfo *c = m365_enrich_ip(e, copy);
    assert_ptr_not_equal(a, c);
    assert_true(c->in_ranges);
    assert_ptr_equal(c->range_label, a->range_label);
    assert_ptr_equal(c->prefix, a->prefix);
    /* Many addresses: earlier answers stay where they were. */
    char buf[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(buf, sizeof(buf), "20.%d.%d.%d", 64 + i % 60, (i / 60) % 256, i % 251);
        assert_true(look(f, e, buf)->in_ranges);
    }
    assert_ptr_equal(m365_enrich_ip(e, ip), a);
    assert_string_equal(a->range_label, "AzureCloud.eastus2");
    m365_enrich_free(e);
    free(p);
}

/* Each thread remembers the addresses it looked up lately, by pointer: two enrich objects (or
 * one freed and another made, perhaps at the same address) never answer for each other. */
static void test_look_aside_per_enrich(void **state)
{
    struct fx *f = *state;
    char *p = text_file(f, "tags.json", service_tags);
    const char *ip = m365_intern(&f->intern, "20.81.111.85", 12);
    for (int round = 0; round < 3; round++) {
        struct m365_enrich *with = load(f, p, NULL, NULL);
        struct m365_enrich *without = load(f, NULL, NULL, NULL);
        for (int i = 0; i < 4; i++) {
            assert_true(m365_enrich_ip(with, ip)->in_ranges);
            assert_false(m365_enrich_ip(without, ip)->in_ranges);
        }
        /* Freed and made again, in either order: the new one answers from its own list. */
        m365_enrich_free(round % 2 ? with : without);
        struct m365_enrich *again = load(f, round % 2 ? NULL : p, NULL, NULL);
        assert_int_equal(m365_enrich_ip(again, ip)->in_ranges, round % 2 == 0);
        m365_enrich_free(again);
        m365_enrich_free(round % 2 ? without : with);
    }
    free(p);
}

struct look_job {
    struct m365_enrich *e;
    const char **ips;
    const struct m365_ipinfo **got;
    size_t n;
};

static void *look_all(void *arg)
{
    struct look_job *j = arg;
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < j->n; i++) {
            j->got[i] = m365_enrich_ip(j->e, j->ips[i]);
        }
    }
    return NULL;
}

/* Shared by threads (as the detections share it): each thread gets the one description of
 * each address, the same as a thread alone gets. */
static void test_shared_threads_agree(void **state)
{
    struct fx *f = *state;
    char *p = text_file(f, "tags.json", service_tags);
    struct m365_enrich *e = load(f, p, NULL, NULL);
    enum { N = 20000 };
    static const char *ips[N];
    static const struct m365_ipinfo *got[2][N];
    char buf[32];
    for (int i = 0; i < N; i++) {
        snprintf(buf, sizeof(buf), "%d.%d.%d.%d", 20 + i % 3, (i / 3) % 256, i % 251, i % 7);
        ips[i] = m365_intern(&f->intern, buf, strlen(buf));
    }
    m365_enrich_set_shared(e, true);
    struct look_job jobs[2] = {{e, ips, got[0], N}, {e, ips, got[1], N}};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, look_all, &jobs[1]), 0);
    look_all(&jobs[0]);
    pthread_join(t, NULL);
    m365_enrich_set_shared(e, false);
    for (int i = 0; i < N; i++) {
        assert_ptr_equal(got[0][i], got[1][i]);
        assert_ptr_equal(m365_enrich_ip(e, ips[i]), got[0][i]);
        assert_true(got[0][i]->valid);
    }
    m365_enrich_free(e);
    free(p);
}

/* --- ASN databases ------------------------------------------------------------------------ */

struct asn_case {
    const char *ip;
    uint32_t asn; /* 0: not in the database */
    const char *org;
};

static const char long_org[] =
    "A Very Long Organisation Name That Needs More Than Twenty-Nine Bytes Of String Length";

static struct m365_mmdb_writer *asn_writer(void)
{
    struct m365_mmdb_writer *w =
        m365_mmdb_writer_new("GeoLite2-ASN", "test ASN database", 1772582400);
    assert_non_null(w);
    /* The /24 is added before the /16 that holds it: the more specific still wins. */
    assert_int_equal(m365_mmdb_writer_add(w, "73.162.41.0/24", 7018, "ATT-INTERNET4"), 0);
    assert_int_equal(m365_mmdb_writer_add(w, "73.162.0.0/16", 7922, "COMCAST-7922"), 0);
    assert_int_equal(
        m365_mmdb_writer_add(w, "20.64.0.0/10", 8075, "MICROSOFT-CORP-MSN-AS-BLOCK"), 0);
    assert_int_equal(
        m365_mmdb_writer_add(w, "52.168.117.42", 8075, "MICROSOFT-CORP-MSN-AS-BLOCK"), 0);
    assert_int_equal(
        m365_mmdb_writer_add(w, "45.153.160.0/24", 64500, "Example Cloud Hosting Ltd"), 0);
    assert_int_equal(m365_mmdb_writer_add(w, "198.51.100.0/24", 64501, long_org), 0);
    assert_int_equal(m365_mmdb_writer_add(w, "192.0.2.0/24", 64502, NULL), 0);
    assert_int_equal(m365_mmdb_writer_add(w, "10.0.0.0/8", 16509, "AMAZON-02"), 0);
    assert_int_equal(
        m365_mmdb_writer_add(w, "2603:1000::/24", 8075, "MICROSOFT-CORP-MSN-AS-BLOCK"), 0);
    assert_int_equal(m365_mmdb_writer_add(w, "2a01:4f8::/32", 24940, "Hetzner Online GmbH"), 0);
    assert_int_equal(m365_mmdb_writer_add(w, "2a01:4f8:c17::/48", 4294967295u, "Max ASN"), 0);
    /* Malformed networks are refused. */
    assert_int_equal(m365_mmdb_writer_add(w, "73.162.0.0/33", 1, "x"), -1);
    assert_int_equal(m365_mmdb_writer_add(w, "nowhere", 1, "x"), -1);
    assert_int_equal(m365_mmdb_writer_add(w, "::/0", 1, "x"), -1);
    assert_int_equal(m365_mmdb_writer_add(w, "10.0.0.0/-1", 1, "x"), -1);
    return w;
}

static const struct asn_case asn_cases[] = {
    {"73.162.41.208", 7018, "ATT-INTERNET4"},
    {"73.162.40.255", 7922, "COMCAST-7922"},
    {"73.162.42.0", 7922, "COMCAST-7922"},
    {"73.163.0.1", 0, NULL},
    {"73.161.255.255", 0, NULL},
    {"20.81.111.85", 8075, "MICROSOFT-CORP-MSN-AS-BLOCK"},
    {"20.127.255.255", 8075, "MICROSOFT-CORP-MSN-AS-BLOCK"},
    {"20.128.0.0", 0, NULL},
    {"52.168.117.42", 8075, "MICROSOFT-CORP-MSN-AS-BLOCK"},
    {"52.168.117.43", 0, NULL},
    {"45.153.160.138", 64500, "Example Cloud Hosting Ltd"},
    {"198.51.100.34", 64501, long_org},
    {"192.0.2.25", 64502, NULL},
    {"8.8.8.8", 0, NULL},
    {"2603:10b6:510:2b9::12", 8075, "MICROSOFT-CORP-MSN-AS-BLOCK"},
    {"2603:1100::1", 0, NULL},
    {"2a01:4f8:1c1c:5e3a::1", 24940, "Hetzner Online GmbH"},
    {"2a01:4f8:c17:42::1", 4294967295u, "Max ASN"},
    {"2001:db8::1", 0, NULL},
};

static void mmdb_check(const char *path, unsigned record_size)
{
    MMDB_s db;
    int rc = MMDB_open(path, MMDB_MODE_MMAP, &db);
    if (rc != MMDB_SUCCESS) {
        fail_msg("MMDB_open(%s): %s", path, MMDB_strerror(rc));
    }
    assert_int_equal(db.metadata.record_size, record_size);
    assert_int_equal(db.metadata.ip_version, 6);
    assert_int_equal(db.metadata.binary_format_major_version, 2);
    assert_int_equal(db.metadata.binary_format_minor_version, 0);
    assert_true(db.metadata.node_count > 96); /* at least the ::/96 path to IPv4 */
    assert_string_equal(db.metadata.database_type, "GeoLite2-ASN");
    assert_true(db.metadata.build_epoch == 1772582400);
    assert_int_equal(db.metadata.languages.count, 1);
    assert_string_equal(db.metadata.languages.names[0], "en");
    assert_int_equal(db.metadata.description.count, 1);
    assert_string_equal(db.metadata.description.descriptions[0]->language, "en");
    assert_string_equal(db.metadata.description.descriptions[0]->description,
                        "test ASN database");
    for (size_t i = 0; i < sizeof(asn_cases) / sizeof(asn_cases[0]); i++) {
        const struct asn_case *c = &asn_cases[i];
        int gai = 0, mmerr = 0;
        MMDB_lookup_result_s r = MMDB_lookup_string(&db, c->ip, &gai, &mmerr);
        assert_int_equal(gai, 0);
        if (mmerr != MMDB_SUCCESS) {
            fail_msg("%s: %s (record size %u)", c->ip, MMDB_strerror(mmerr), record_size);
        }
        if (!c->asn) {
            if (r.found_entry) {
                fail_msg("%s: unexpectedly found (record size %u)", c->ip, record_size);
            }
            continue;
        }
        if (!r.found_entry) {
            fail_msg("%s: not found (record size %u)", c->ip, record_size);
        }
        MMDB_entry_data_s d;
        assert_int_equal(MMDB_get_value(&r.entry, &d, "autonomous_system_number", NULL),
                         MMDB_SUCCESS);
        assert_true(d.has_data);
        assert_int_equal(d.type, MMDB_DATA_TYPE_UINT32);
        assert_true(d.uint32 == c->asn);
        int orc = MMDB_get_value(&r.entry, &d, "autonomous_system_organization", NULL);
        if (c->org) {
            assert_int_equal(orc, MMDB_SUCCESS);
            assert_true(d.has_data);
            assert_int_equal(d.type, MMDB_DATA_TYPE_UTF8_STRING);
            assert_int_equal(d.data_size, strlen(c->org));
            assert_memory_equal(d.utf8_string, c->org, d.data_size);
        } else {
            assert_false(orc == MMDB_SUCCESS && d.has_data);
        }
    }
    /* The whole database walks cleanly. */
    MMDB_entry_data_list_s *list = NULL;
    int gai = 0, mmerr = 0;
    MMDB_lookup_result_s r = MMDB_lookup_string(&db, "20.81.111.85", &gai, &mmerr);
    assert_int_equal(MMDB_get_entry_data_list(&r.entry, &list), MMDB_SUCCESS);
    MMDB_free_entry_data_list(list);
    MMDB_close(&db);
}

/* The writer, checked with libmaxminddb: both record sizes, metadata, nesting, IPv4 and IPv6,
 * string sizes that need the extended size bytes. */
static void test_mmdb_writer(void **state)
{
    struct fx *f = *state;
    struct m365_mmdb_writer *w = asn_writer();
    static const unsigned sizes[] = {24, 28};
    for (size_t i = 0; i < 2; i++) {
        char name[32];
        snprintf(name, sizeof(name), "asn-%u.mmdb", sizes[i]);
        char *p = m365_test_path(f->dir, name);
        assert_int_equal(m365_mmdb_writer_write(w, sizes[i], p), 0);
        mmdb_check(p, sizes[i]);
        free(p);
    }
    size_t len;
    assert_null(m365_mmdb_writer_build(w, 32, &len)); /* only 24 and 28 are written */
    m365_mmdb_writer_free(w);

    /* Many networks: the 24-bit tree still addresses all of them; strings over 284 bytes use
     * two size bytes. */
    /* build_epoch 0 reads as "missing" to libmaxminddb: the writer refuses it. */
    w = m365_mmdb_writer_new("GeoLite2-ASN", "no epoch", 0);
    assert_int_equal(m365_mmdb_writer_add(w, "192.0.2.0/24", 64496, "x"), 0);
    assert_null(m365_mmdb_writer_build(w, 24, &len));
    m365_mmdb_writer_free(w);
    w = m365_mmdb_writer_new("GeoLite2-ASN", "big", 1772582400);
    char org[400];
    memset(org, 'x', sizeof(org) - 1);
    org[sizeof(org) - 1] = '\0';
    char cidr[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(cidr, sizeof(cidr), "100.%d.%d.0/24", 128 + i / 256, i % 256);
        assert_int_equal(
            m365_mmdb_writer_add(w, cidr, (uint32_t)(64512 + i % 7), i % 7 ? NULL : org), 0);
    }
    char *p = m365_test_path(f->dir, "big.mmdb");
    assert_int_equal(m365_mmdb_writer_write(w, 24, p), 0);
    MMDB_s db;
    assert_int_equal(MMDB_open(p, MMDB_MODE_MMAP, &db), MMDB_SUCCESS);
    for (int i = 0; i < 3000; i += 97) {
        snprintf(cidr, sizeof(cidr), "100.%d.%d.9", 128 + i / 256, i % 256);
        int gai = 0, mmerr = 0;
        MMDB_lookup_result_s r = MMDB_lookup_string(&db, cidr, &gai, &mmerr);
        assert_true(gai == 0 && mmerr == MMDB_SUCCESS && r.found_entry);
        MMDB_entry_data_s d;
        assert_int_equal(MMDB_get_value(&r.entry, &d, "autonomous_system_number", NULL),
                         MMDB_SUCCESS);
        assert_true(d.uint32 == (uint32_t)(64512 + i % 7));
        int orc = MMDB_get_value(&r.entry, &d, "autonomous_system_organization", NULL);
        if (i % 7 == 0) {
            assert_true(orc == MMDB_SUCCESS && d.has_data && d.data_size == strlen(org));
        } else {
            assert_false(orc == MMDB_SUCCESS && d.has_data);
        }
    }
    MMDB_close(&db);
    m365_mmdb_writer_free(w);
    free(p);
}

static void test_asn_lookups(void **state)
{
    struct fx *f = *state;
    struct m365_mmdb_writer *w = asn_writer();
    char *p28 = m365_test_path(f->dir, "GeoLite2-ASN.mmdb");
    assert_int_equal(m365_mmdb_writer_write(w, 28, p28), 0);
    m365_mmdb_writer_free(w);
    struct m365_enrich *e = load(f, NULL, p28, NULL);
    assert_true(m365_enrich_has_asn(e));
    for (size_t i = 0; i < sizeof(asn_cases) / sizeof(asn_cases[0]); i++) {
        const struct asn_case *c = &asn_cases[i];
        const struct m365_ipinfo *ii = look(f, e, c->ip);
        assert_true(ii->valid);
        if (ii->asn != c->asn) {
            fail_msg("%s: ASN %u, want %u", c->ip, ii->asn, c->asn);
        }
        if (c->org) {
            assert_non_null(ii->asn_org);
            assert_string_equal(ii->asn_org, c->org);
            assert_ptr_equal(ii->asn_org, m365_intern(&f->intern, c->org, strlen(c->org)));
        } else {
            assert_null(ii->asn_org);
        }
    }
    /* Hosting: by the built-in ASN table, or by the organisation's name. */
    assert_true(look(f, e, "20.81.111.85")->hosting_asn);
    assert_true(look(f, e, "20.81.111.85")->hosting);
    assert_false(look(f, e, "20.81.111.85")->in_ranges);
    assert_true(look(f, e, "2a01:4f8:1c1c:5e3a::1")->hosting);
    assert_true(look(f, e, "45.153.160.138")->hosting_asn);
    assert_false(look(f, e, "73.162.41.208")->hosting);
    assert_false(look(f, e, "73.162.40.1")->hosting);
    assert_false(look(f, e, "192.0.2.25")->hosting);
    assert_false(look(f, e, "8.8.8.8")->hosting);
    /* A hosting ASN on a private address (a lab's VPN pool) is still not "hosting". */
    const struct m365_ipinfo *lab = look(f, e, "10.9.8.7");
    assert_int_equal(lab->asn, 16509);
    assert_true(lab->hosting_asn);
    assert_false(lab->hosting);
    m365_enrich_free(e);

    /* All three sources at once. */
    char *tags = text_file(f, "tags.json", service_tags);
    char *egress = text_file(f, "egress.txt", "73.162.41.208 Dana home\n");
    e = load(f, tags, p28, egress);
    assert_true(m365_enrich_has_ranges(e) && m365_enrich_has_asn(e) && m365_enrich_has_trusted(e));
    const struct m365_ipinfo *ii = look(f, e, "20.81.111.85");
    assert_true(ii->in_ranges && ii->hosting_asn && ii->hosting && !ii->trusted);
    assert_string_equal(ii->range_label, "AzureCloud.eastus2");
    assert_int_equal(ii->asn, 8075);
    ii = look(f, e, "73.162.41.208");
    assert_true(ii->trusted && !ii->hosting);
    assert_string_equal(ii->trusted_label, "Dana home");
    assert_int_equal(ii->asn, 7018);
    m365_enrich_free(e);
    free(tags);
    free(egress);
    free(p28);
}

static void test_asn_db_errors(void **state)
{
    struct fx *f = *state;
    char *junk = text_file(f, "junk.mmdb", "this is not a MaxMind database\n");
    load_fails(f, NULL, junk, NULL, junk);
    char *missing = m365_test_path(f->dir, "GeoLite2-ASN-missing.mmdb");
    load_fails(f, NULL, missing, NULL, missing);
    /* A database cut short after the tree: the metadata marker is gone. */
    struct m365_mmdb_writer *w = asn_writer();
    size_t len;
    unsigned char *db = m365_mmdb_writer_build(w, 24, &len);
    assert_non_null(db);
    char *cut = file(f, "cut.mmdb", db, len / 2);
    load_fails(f, NULL, cut, NULL, cut);
    /* A bad --trusted-ips after good --ip-ranges and --asn-db leaks nothing (ASan). */
    char *good = file(f, "good.mmdb", db, len);
    char *tags = text_file(f, "tags.json", service_tags);
    char *bad = text_file(f, "bad.txt", "203.0.113.0/24\nnot-an-address\n");
    load_fails(f, tags, good, bad, ":2: 'not-an-address'");
    free(db);
    m365_mmdb_writer_free(w);
    free(junk);
    free(missing);
    free(cut);
    free(good);
    free(tags);
    free(bad);
}

/* --geo-db: GeoLite2-City's shape, as our writer builds it (the layout libmaxminddb reads). */
static void test_geo_lookups(void **state)
{
    struct fx *f = *state;
    struct m365_mmdb_writer *w =
        m365_mmdb_writer_new("GeoLite2-City", "test city database", 1772582400);
    assert_non_null(w);
    assert_int_equal(
        m365_mmdb_writer_add_city(w, "81.2.69.0/24", "GB", "London", 51.5142, -0.0931, 20), 0);
    assert_int_equal(
        m365_mmdb_writer_add_city(w, "81.2.0.0/16", "GB", NULL, 51.4964, -0.1224, 200), 0);
    assert_int_equal(
        m365_mmdb_writer_add_city(w, "2a02:c7f::/32", "de", "Berlin", 52.52, 13.405, 100), 0);
    /* Where a database knows only the country, some put the point at 0,0: no coordinates. */
    assert_int_equal(m365_mmdb_writer_add_city(w, "198.51.100.0/24", "NL", NULL, 0, 0, 1000), 0);
    assert_int_equal(
        m365_mmdb_writer_add_city(w, "10.0.0.0/8", "US", "Ashburn", 39.04, -77.49, 5), 0);
    assert_int_equal(m365_mmdb_writer_add_city(w, "192.0.2.0/24", "", "Nowhere", 1, 1, 1), -1);
    /* An ISO code is two letters: anything else is no country (found by fuzz_enrich). */
    assert_int_equal(m365_mmdb_writer_add_city(w, "192.0.2.0/24", "{U", "Nowhere", 1, 1, 1), 0);
    char *city = m365_test_path(f->dir, "GeoLite2-City.mmdb");
    assert_int_equal(m365_mmdb_writer_write(w, 24, city), 0);
    m365_mmdb_writer_free(w);

    struct m365_enrich *e = load_geo(f, NULL, NULL, NULL, city);
    assert_true(m365_enrich_has_geo(e));
    assert_false(m365_enrich_has_asn(e));
    const struct m365_ipinfo *ii = look(f, e, "81.2.69.160");
    assert_string_equal(ii->geo_country, "GB");
    assert_string_equal(ii->geo_city, "London");
    assert_true(ii->has_geo);
    assert_true(ii->geo_lat > 51.514 && ii->geo_lat < 51.515);
    assert_true(ii->geo_lon < -0.093 && ii->geo_lon > -0.094);
    assert_int_equal(ii->geo_radius_km, 20);
    ii = look(f, e, "81.2.70.1"); /* the /16 around it: the country, no city */
    assert_string_equal(ii->geo_country, "GB");
    assert_null(ii->geo_city);
    assert_int_equal(ii->geo_radius_km, 200);
    ii = look(f, e, "2a02:c7f:7e1c:100::1");
    assert_string_equal(ii->geo_country, "DE"); /* upper case whatever the database says */
    assert_string_equal(ii->geo_city, "Berlin");
    ii = look(f, e, "198.51.100.7");
    assert_string_equal(ii->geo_country, "NL");
    assert_false(ii->has_geo);
    ii = look(f, e, "10.1.2.3"); /* private: placed by nobody, whatever the file says */
    assert_null(ii->geo_country);
    assert_false(ii->has_geo);
    ii = look(f, e, "192.0.2.9");
    assert_null(ii->geo_country);
    assert_string_equal(ii->geo_city, "Nowhere");
    ii = look(f, e, "8.8.8.8");
    assert_null(ii->geo_country);
    assert_null(ii->geo_city);
    assert_false(ii->has_geo);
    m365_enrich_free(e);

    /* Each database in its own option: the wrong one is named, not silently useless. */
    struct m365_mmdb_writer *aw = asn_writer();
    char *asn = m365_test_path(f->dir, "GeoLite2-ASN.mmdb");
    assert_int_equal(m365_mmdb_writer_write(aw, 24, asn), 0);
    m365_mmdb_writer_free(aw);
    load_geo_fails(f, NULL, asn, NULL, asn, "it places no address (give it to --asn-db");
    load_geo_fails(f, NULL, city, NULL, city, "it holds places, not networks (give it to --geo-db");
    e = load_geo(f, NULL, asn, NULL, city);
    ii = look(f, e, "81.2.69.160");
    assert_string_equal(ii->geo_city, "London");
    assert_int_equal(ii->asn, 0);
    ii = look(f, e, "73.162.41.208");
    assert_int_equal(ii->asn, 7018);
    assert_null(ii->geo_country);
    m365_enrich_free(e);
    char *missing = m365_test_path(f->dir, "GeoLite2-City-missing.mmdb");
    load_geo_fails(f, NULL, NULL, NULL, missing, missing);
    free(missing);
    free(asn);
    free(city);
}

/* The source entry of an option (the n-th of that option: a second --geo-db). */
static const struct m365_enrichment_source *source_of(struct m365_enrich *e, const char *opt,
                                                      int nth)
{
    for (size_t i = 0; i < m365_enrich_n_sources(e); i++) {
        const struct m365_enrichment_source *src = m365_enrich_source(e, i);
        if (strcmp(src->option, opt) == 0 && nth-- == 0) {
            return src;
        }
    }
    fail_msg("no %s source", opt);
    return NULL;
}

/* --geo-db in the ip-location-db shape: flat records ({city, country_code, latitude,
 * longitude} as floats), IPv4 and IPv6 in two files, each an IPv4-only or IPv6 tree. Given
 * both, each address is placed by the one that holds it; each file counts what it was asked
 * and what it placed, and IPv6 addresses the IPv4 file alone cannot hold are counted apart. */
static void test_geo_flat_split_files(void **state)
{
    struct fx *f = *state;
    struct m365_mmdb_writer *w = m365_mmdb_writer_new("city ipv4", "test", 1772582400);
    assert_non_null(w);
    m365_mmdb_writer_set_shape(w, 1, 1);
    assert_int_equal(
        m365_mmdb_writer_add_city(w, "90.35.0.0/16", "FR", "Toury", 48.194, 1.93484, 0), 0);
    assert_int_equal(m365_mmdb_writer_add_city(w, "81.2.0.0/16", "GB", NULL, 51.5, -0.12, 0), 0);
    assert_int_equal(m365_mmdb_writer_add_city(w, "2a01:cb00::/32", "FR", NULL, 1, 1, 0), -1);
    char *v4 = m365_test_path(f->dir, "dbip-city-ipv4.mmdb");
    assert_int_equal(m365_mmdb_writer_write(w, 24, v4), 0);
    m365_mmdb_writer_free(w);
    w = m365_mmdb_writer_new("city ipv6", "test", 1772582400);
    assert_non_null(w);
    m365_mmdb_writer_set_shape(w, 1, 0);
    assert_int_equal(m365_mmdb_writer_add_city(w, "2a01:cb00::/32", "fr", "Neuilly-sur-Seine",
                                               48.8846, 2.26965, 0),
                     0);
    char *v6 = m365_test_path(f->dir, "dbip-city-ipv6.mmdb");
    assert_int_equal(m365_mmdb_writer_write(w, 24, v6), 0);
    m365_mmdb_writer_free(w);

    /* The IPv4 file alone: its places read, IPv6 counted as what it cannot hold. */
    struct m365_enrich *e = load_geo(f, NULL, NULL, NULL, v4);
    const struct m365_ipinfo *ii = look(f, e, "90.35.21.10");
    assert_string_equal(ii->geo_country, "FR");
    assert_string_equal(ii->geo_city, "Toury");
    assert_true(ii->has_geo);
    assert_true(ii->geo_lat > 48.19 && ii->geo_lat < 48.20);
    assert_true(ii->geo_lon > 1.93 && ii->geo_lon < 1.94);
    assert_int_equal(ii->geo_radius_km, 0);
    ii = look(f, e, "81.2.70.1"); /* "" is no city: the country alone */
    assert_string_equal(ii->geo_country, "GB");
    assert_null(ii->geo_city);
    ii = look(f, e, "2a01:cb00:1::5");
    assert_null(ii->geo_country);
    ii = look(f, e, "8.8.8.8");
    assert_null(ii->geo_country);
    look(f, e, "10.1.2.3");  /* private: never looked up */
    look(f, e, "8.8.8.8");   /* once per address */
    const struct m365_enrichment_source *src = source_of(e, "geo-db", 0);
    assert_string_equal(src->database_type, "city ipv4");
    assert_int_equal(src->looked_up, 3);
    assert_int_equal(src->found, 2);
    assert_int_equal(src->ipv6_unheld, 1);
    assert_int_equal(m365_enrich_geo_v6_unheld(e), 1);
    m365_enrich_free(e);

    /* Both files: the second is asked what the first does not place. */
    e = load_geo2(f, NULL, NULL, NULL, v4, v6);
    ii = look(f, e, "2a01:cb00:1::5");
    assert_string_equal(ii->geo_country, "FR");
    assert_string_equal(ii->geo_city, "Neuilly-sur-Seine");
    ii = look(f, e, "90.35.21.10");
    assert_string_equal(ii->geo_city, "Toury");
    ii = look(f, e, "8.8.8.8");
    assert_null(ii->geo_country);
    ii = look(f, e, "2001:db8::1");
    assert_null(ii->geo_country);
    assert_int_equal(m365_enrich_n_sources(e), 2);
    src = source_of(e, "geo-db", 0);
    assert_int_equal(src->looked_up, 2);
    assert_int_equal(src->found, 1);
    assert_int_equal(src->ipv6_unheld, 2);
    src = source_of(e, "geo-db", 1);
    assert_string_equal(src->path, v6);
    assert_int_equal(src->looked_up, 3); /* both IPv6 and the IPv4 the first did not know */
    assert_int_equal(src->found, 1);
    assert_int_equal(src->ipv6_unheld, 0);
    assert_int_equal(m365_enrich_geo_v6_unheld(e), 0);
    m365_enrich_free(e);

    /* The second alone (geo_db NULL) is the first. */
    e = load_geo2(f, NULL, NULL, NULL, NULL, v6);
    assert_true(m365_enrich_has_geo(e));
    assert_string_equal(look(f, e, "2a01:cb00:1::5")->geo_country, "FR");
    m365_enrich_free(e);
    free(v4);
    free(v6);
}

/* IPinfo's free databases: one flat record for place and network, "asn" as text ("AS174"),
 * no city and no coordinates. Lite names the country in `country` and codes it in
 * `country_code`; the legacy country_asn has the code in `country`. The same file serves
 * --geo-db (countries only) and --asn-db. */
static void test_geo_asn_ipinfo(void **state)
{
    struct fx *f = *state;
    for (int legacy = 0; legacy < 2; legacy++) {
        struct m365_mmdb_writer *w =
            m365_mmdb_writer_new(legacy ? "ipinfo country_asn.mmdb" : "ipinfo lite.mmdb", "test",
                                 1772582400);
        assert_non_null(w);
        assert_int_equal(m365_mmdb_writer_add_ipinfo(w, "154.24.39.204/30", legacy, "CA", "Canada",
                                                     174, "Cogent Communications"),
                         0);
        assert_int_equal(m365_mmdb_writer_add_ipinfo(w, "2a01:cb00::/32", legacy, "FR", "France",
                                                     3215, "Orange S.A."),
                         0);
        assert_int_equal(m365_mmdb_writer_add_ipinfo(w, "52.168.0.0/14", legacy, "US",
                                                     "United States", 8075, "Microsoft Corporation"),
                         0);
        char *db = m365_test_path(f->dir, legacy ? "country_asn.mmdb" : "ipinfo_lite.mmdb");
        assert_int_equal(m365_mmdb_writer_write(w, 24, db), 0);
        m365_mmdb_writer_free(w);

        struct m365_enrich *e = load_geo(f, NULL, db, NULL, db);
        const struct m365_ipinfo *ii = look(f, e, "154.24.39.205");
        assert_string_equal(ii->geo_country, "CA");
        assert_null(ii->geo_city);
        assert_false(ii->has_geo); /* a country alone: counted for countries, not for travel */
        assert_int_equal(ii->asn, 174);
        assert_string_equal(ii->asn_org, "Cogent Communications");
        assert_false(ii->hosting);
        ii = look(f, e, "2a01:cb00:1::5");
        assert_string_equal(ii->geo_country, "FR");
        assert_int_equal(ii->asn, 3215);
        ii = look(f, e, "52.170.1.2");
        assert_int_equal(ii->asn, 8075);
        assert_true(ii->hosting);
        ii = look(f, e, "8.8.8.8");
        assert_null(ii->geo_country);
        assert_int_equal(ii->asn, 0);
        const struct m365_enrichment_source *src = source_of(e, "asn-db", 0);
        assert_int_equal(src->looked_up, 4);
        assert_int_equal(src->found, 3);
        src = source_of(e, "geo-db", 0);
        assert_int_equal(src->found, 3);
        m365_enrich_free(e);
        free(db);
    }
}

static void test_asn_is_hosting(void **state)
{
    (void)state;
    static const uint32_t hosting[] = {8075, 8068, 16509, 14618, 15169, 396982, 14061, 16276,
                                       24940, 63949, 20473, 9009, 13335, 31898, 45102};
    for (size_t i = 0; i < sizeof(hosting) / sizeof(hosting[0]); i++) {
        if (!m365_asn_is_hosting(hosting[i], NULL)) {
            fail_msg("AS%u should be a hosting ASN", hosting[i]);
        }
    }
    /* 3598: Microsoft's corporate network, not its cloud (8075). */
    static const uint32_t isp[] = {7922, 701, 7018, 20115, 5650, 22773, 209, 3320, 3598, 0};
    for (size_t i = 0; i < sizeof(isp) / sizeof(isp[0]); i++) {
        if (m365_asn_is_hosting(isp[i], NULL)) {
            fail_msg("AS%u is a residential ISP", isp[i]);
        }
    }
    assert_true(m365_asn_is_hosting(64500, "Example Cloud Hosting Ltd"));
    assert_true(m365_asn_is_hosting(64500, "FASTVPS-SERVERS"));
    assert_true(m365_asn_is_hosting(64500, "Acme DataCenter GmbH"));
    assert_false(m365_asn_is_hosting(7922, "COMCAST-7922"));
    assert_false(m365_asn_is_hosting(64500, "Example Broadband Cooperative"));
    assert_false(m365_asn_is_hosting(64500, ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_service_tags_longest_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_tags_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_tags_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefix_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_private_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trusted_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cidr_list_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encodings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_by_pointer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_look_aside_per_enrich, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_threads_agree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mmdb_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_asn_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_asn_db_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_geo_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_geo_flat_split_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_geo_asn_ipinfo, setup, teardown),
        cmocka_unit_test(test_asn_is_hosting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
