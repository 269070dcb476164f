/* A small MaxMind DB writer: builds GeoLite2-ASN style databases (networks mapped to
 * {autonomous_system_number, autonomous_system_organization}) and GeoLite2-City style ones
 * ({city.names.en, country.iso_code, location.{latitude, longitude, accuracy_radius}})
 * following the public MaxMind DB format specification, version 2.0. The simulator writes the
 * city database of its made-up Internet with it, and tests the databases they read (nothing
 * may be downloaded).
 *
 * The tree is an IPv6 tree (ip_version 6); IPv4 networks live in ::/96 as the specification
 * describes, which is where libmaxminddb looks them up. The most specific network wins inside
 * a shorter one that contains it, whatever the order they were added in; for the very same
 * network the last one added wins. */
#ifndef M365_ENRICH_MMDB_WRITER_H
#define M365_ENRICH_MMDB_WRITER_H
#include <stddef.h>
#include <stdint.h>

struct m365_mmdb_writer;

/* database_type is e.g. "GeoLite2-ASN"; description is the English description; build_epoch
 * (seconds since 1970) must not be 0: libmaxminddb refuses such a database. */
struct m365_mmdb_writer *m365_mmdb_writer_new(const char *database_type,
                                              const char *description, uint64_t build_epoch);
void m365_mmdb_writer_free(struct m365_mmdb_writer *w);

/* Maps "203.0.113.0/24", "2001:db8::/32" or a bare address to an ASN and organisation (org may
 * be NULL: the key is then left out). Returns 0, or -1 for a malformed network or no memory. */
int m365_mmdb_writer_add(struct m365_mmdb_writer *w, const char *cidr, uint32_t asn,
                         const char *org);

/* The shape of what is written, before anything is added: flat, city records as the
 * ip-location-db databases have them ({city, country_code, latitude, longitude} as float,
 * state1, state2, postcode, timezone; no accuracy radius); ipv4_only, an IPv4 tree (ip_version
 * 4: IPv6 networks cannot be added, IPv6 addresses cannot be looked up), as their split files
 * are. Default: MaxMind's shape, an IPv6 tree. */
void m365_mmdb_writer_set_shape(struct m365_mmdb_writer *w, int flat, int ipv4_only);

/* IPinfo's free databases, one record for both place and network: Lite ({country: name,
 * country_code, continent, continent_code, asn: "AS174", as_name, as_domain}) or, legacy,
 * country_asn ({country: ISO code, country_name, continent, continent_name, asn, as_name,
 * as_domain}). No city, no coordinates. Returns 0 or -1 as m365_mmdb_writer_add. */
int m365_mmdb_writer_add_ipinfo(struct m365_mmdb_writer *w, const char *cidr, int legacy,
                                const char *country_code, const char *country_name,
                                uint32_t asn, const char *as_name);

/* Maps a network to a place: ISO 3166 country code (required), English city name (may be NULL),
 * coordinates and the accuracy radius in km. Returns 0 or -1 as m365_mmdb_writer_add. */
int m365_mmdb_writer_add_city(struct m365_mmdb_writer *w, const char *cidr, const char *country,
                              const char *city, double lat, double lon, unsigned radius_km);

/* The database with 24- or 28-bit records; malloc'd, NULL on failure (record_size unsupported,
 * build_epoch 0, too many nodes for the record size, no memory). */
unsigned char *m365_mmdb_writer_build(struct m365_mmdb_writer *w, unsigned record_size,
                                      size_t *len);
/* The same, written to path. Returns 0 or -1 (errno set by the failing call). */
int m365_mmdb_writer_write(struct m365_mmdb_writer *w, unsigned record_size, const char *path);
#endif
