/* Fuzz target: the enrichment files a responder hands over (enrich/enrich.c) from arbitrary
 * bytes. The first byte picks what the rest is: an --ip-ranges file (a CIDR list or Microsoft's
 * ServiceTags JSON), a --trusted-ips list, an --asn-db or a --geo-db MaxMind database (read by
 * libmaxminddb; our lookups walk whatever types its entries hold, in MaxMind's layout or the
 * flat one of ip-location-db), or the same database given twice to --geo-db (the second asked
 * what the first does not place). Checks: an error always
 * carries a message and leaves no enrichment; a loaded one records its source; every lookup of
 * a fixed set of addresses gives facts that hold together (a country of two upper-case letters,
 * coordinates on the globe, hosting only for a public address); nothing leaks (LeakSanitizer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/intern.h"
#include "enrich/enrich.h"
#include "fuzz_common.h"

/* libmaxminddb before 1.12 (Debian 12 ships 1.7.1) leaks a few KiB when MMDB_open meets
 * malformed metadata (fixed upstream: maxmind/libmaxminddb pull request 356). The open fails,
 * the scan stops with exit 2, and the memory is the library's: not ours to free. Only leaks
 * allocated inside libmaxminddb are suppressed, and only in this target; the unit tests open
 * and close databases under LeakSanitizer without it. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libmaxminddb.so\n"; }

static const char *const addresses[] = {
    "203.0.113.7",   "81.2.69.160",  "10.1.2.3",      "8.8.8.8",     "52.168.117.42",
    "2a02:c7f::1",   "2001:db8::1",  "::ffff:1.2.3.4", "fe80::1",     "0.0.0.0",
    "255.255.255.255", "not an address",
};

static void check_info(const char *ip, const struct m365_ipinfo *ii)
{
    if (!ii) {
        fuzz_fail("%s: no facts", ip);
    }
    if (ii->prefix) {
        fuzz_touch(ii->prefix, strlen(ii->prefix) + 1);
    }
    if (ii->range_label) {
        fuzz_touch(ii->range_label, strlen(ii->range_label) + 1);
    }
    if (ii->asn_org) {
        fuzz_touch(ii->asn_org, strlen(ii->asn_org) + 1);
    }
    if (ii->geo_city) {
        fuzz_touch(ii->geo_city, strlen(ii->geo_city) + 1);
    }
    if (ii->geo_country && (strlen(ii->geo_country) != 2 || ii->geo_country[0] < 'A' ||
                            ii->geo_country[0] > 'Z' || ii->geo_country[1] < 'A' ||
                            ii->geo_country[1] > 'Z')) {
        fuzz_fail("%s: country '%s' is not two upper-case letters", ip, ii->geo_country);
    }
    if (ii->has_geo && (!(ii->geo_lat >= -90 && ii->geo_lat <= 90) ||
                        !(ii->geo_lon >= -180 && ii->geo_lon <= 180))) {
        fuzz_fail("%s: coordinates %f,%f off the globe", ip, ii->geo_lat, ii->geo_lon);
    }
    if (ii->hosting && (ii->is_private || !ii->valid)) {
        fuzz_fail("%s: hosting but private or not an address", ip);
    }
    if ((ii->geo_country || ii->has_geo) && ii->is_private) {
        fuzz_fail("%s: a private address placed", ip);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    unsigned which = data[0] % 5;
    const char *path = fuzz_memfd_path(data + 1, size - 1);
    struct m365_intern intern;
    if (m365_intern_init(&intern) != 0) {
        fuzz_fail("m365_intern_init failed");
    }
    struct m365_enrich *e = NULL;
    char err[512] = "";
    enum m365_status st =
        m365_enrich_new(&e, &intern, which == 0 ? path : NULL, which == 2 ? path : NULL,
                        which == 1 ? path : NULL, which >= 3 ? path : NULL,
                        which == 4 ? path : NULL, err, sizeof(err));
    if (st != M365_OK) {
        if (e) {
            fuzz_fail("status %d with an enrichment", (int)st);
        }
        if (!err[0]) {
            fuzz_fail("status %d without a message", (int)st);
        }
        m365_intern_free(&intern);
        return 0;
    }
    if (!e || m365_enrich_n_sources(e) != (which == 4 ? 2u : 1u)) {
        fuzz_fail("loaded, but %zu sources recorded", e ? m365_enrich_n_sources(e) : (size_t)0);
    }
    const struct m365_enrichment_source *src = m365_enrich_source(e, 0);
    fuzz_touch(src->path, strlen(src->path) + 1);
    if (src->database_type) {
        fuzz_touch(src->database_type, strlen(src->database_type) + 1);
    }
    for (size_t i = 0; i < sizeof(addresses) / sizeof(addresses[0]); i++) {
        const char *ip = m365_intern(&intern, addresses[i], strlen(addresses[i]));
        check_info(addresses[i], m365_enrich_ip(e, ip));
    }
    /* What a database answered: never more than it was asked, each address asked once. */
    for (size_t k = 0; k < m365_enrich_n_sources(e); k++) {
        const struct m365_enrichment_source *s = m365_enrich_source(e, k);
        size_t n = sizeof(addresses) / sizeof(addresses[0]);
        if (s->found > s->looked_up || s->looked_up + s->ipv6_unheld > n) {
            fuzz_fail("%s: found %llu of %llu looked up (%llu unheld) for %zu addresses",
                      s->option, (unsigned long long)s->found,
                      (unsigned long long)s->looked_up, (unsigned long long)s->ipv6_unheld, n);
        }
    }
    m365_enrich_free(e);
    m365_intern_free(&intern);
    return 0;
}
