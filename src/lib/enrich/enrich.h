/* Offline enrichment of IP addresses: hosting / cloud ranges (Microsoft ServiceTags_Public*.json
 * or a CIDR list with labels), the tenant's own egress addresses, ASN and organisation from a
 * MaxMind / DB-IP ASN database, country, city and coordinates from a city or country database
 * (for records that carry no location of their own, such as the UAL's sign-ins). Nothing is
 * fetched; missing sources just leave fields unset. */
#ifndef M365_ENRICH_H
#define M365_ENRICH_H
#include <stdbool.h>
#include <stdint.h>

#include "../core/intern.h"
#include "m365hunt/status.h"

struct m365_ipinfo {
    bool valid;            /* the text is an address */
    bool v6;
    bool is_private;       /* RFC 1918, loopback, link-local, CGNAT, IPv6 ULA */
    const char *prefix;    /* its /24 (IPv4) or /64 (IPv6) network, e.g. "203.0.113.0/24" */
    bool in_ranges;        /* inside a --ip-ranges prefix */
    const char *range_label; /* the most specific matching label (e.g. "AzureCloud.eastus") */
    bool trusted;          /* inside a --trusted-ips prefix */
    const char *trusted_label;
    uint32_t asn;          /* 0 when unknown */
    const char *asn_org;
    bool hosting_asn;      /* a cloud / hosting provider's ASN (built-in table or org name) */
    bool hosting;          /* in_ranges || hosting_asn */
    const char *geo_country; /* --geo-db: ISO 3166 alpha-2, upper case; NULL when unknown */
    const char *geo_city;    /* English name; NULL when unknown */
    bool has_geo;            /* geo_lat / geo_lon known */
    double geo_lat, geo_lon;
    uint32_t geo_radius_km; /* how far off the database says it may be; 0 when not given */
};

struct m365_enrich;

/* Any path may be NULL. On failure err holds the message ("FILE:LINE: what" when a line is at
 * fault). Lists may be compressed (gzip, zstd) or UTF-16, like evidence; an empty list is an
 * error (it would make every address untrusted). geo_db2 is a second city database, asked
 * what geo_db does not place (its IPv6 file, say). */
enum m365_status m365_enrich_new(struct m365_enrich **out, struct m365_intern *intern,
                                 const char *ip_ranges, const char *asn_db,
                                 const char *trusted_ips, const char *geo_db,
                                 const char *geo_db2, char *err, size_t err_size);
void m365_enrich_free(struct m365_enrich *e);
/* While several threads look addresses up (detections in parallel), the cache is locked. */
void m365_enrich_set_shared(struct m365_enrich *e, bool shared);
/* ip: an interned, normalised address (cached by pointer). Never NULL. */
const struct m365_ipinfo *m365_enrich_ip(struct m365_enrich *e, const char *ip);
bool m365_enrich_has_ranges(const struct m365_enrich *e);
/* What was loaded, for the reports (struct m365_enrichment_source, m365hunt/scan.h). */
struct m365_enrichment_source;
size_t m365_enrich_n_sources(const struct m365_enrich *e);
const struct m365_enrichment_source *m365_enrich_source(const struct m365_enrich *e, size_t i);
bool m365_enrich_has_asn(const struct m365_enrich *e);
bool m365_enrich_has_geo(const struct m365_enrich *e);
/* Public IPv6 addresses looked up that no city database could hold (IPv4-only files). */
uint64_t m365_enrich_geo_v6_unheld(const struct m365_enrich *e);
bool m365_enrich_has_trusted(const struct m365_enrich *e);
/* A file's first bytes: those of a list of address ranges as --ip-ranges and --trusted-ips
 * take (each line a prefix, perhaps a label, '#' comments), which lands in evidence folders
 * beside the logs and is no evidence. The first lines decide; a last line cut short is not
 * looked at. */
bool m365_enrich_range_list_text(const char *head, size_t len);
/* "10.0.0.0/8", "2001:db8::/32" or a bare address (a host route) in s[0..n): the family, the
 * address masked to the length (4 bytes of addr for IPv4, 16 for IPv6) and the length. -1 when
 * malformed (a length past the family's, anything but digits after '/'). */
int m365_cidr_parse(const char *s, size_t n, bool *v6, uint8_t addr[16], unsigned *len);
/* Well-known hosting / cloud ASNs (Microsoft, Amazon, Google, DigitalOcean, OVH…). */
bool m365_asn_is_hosting(uint32_t asn, const char *org);
#endif
