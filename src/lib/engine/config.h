/* The YAML configuration file (--config): rule parameters and enrichment sources.
 *
 *   rules:
 *     password-spray:
 *       min_accounts: 15
 *       window: 30m
 *     legacy-auth-signin:
 *       enabled: false
 *   enrichment:
 *     ip_ranges: ServiceTags_Public_20260302.json   # relative to this file
 *     asn_db: GeoLite2-ASN.mmdb
 *     geo_db: GeoLite2-City.mmdb
 *     trusted_ips: egress.txt
 */
#ifndef M365_CONFIG_H
#define M365_CONFIG_H
#include <stddef.h>

#include "detect.h"
#include "m365hunt/status.h"

struct m365_config_paths {
    char *ip_ranges, *asn_db, *trusted_ips, *geo_db; /* malloc'd, NULL when not given */
    char *geo_db2; /* geo_db given as a list of two (a database's IPv4 and IPv6 files) */
};

/* Applies the file to rc and fills paths. On error returns M365_E_CONFIG (or M365_E_IO) with
 * what was wrong in err and its line in *err_line (0 when not tied to a line). */
enum m365_status m365_config_load(const char *path, struct m365_rule_config *rc,
                                  struct m365_config_paths *paths, char *err, size_t err_size,
                                  unsigned long *err_line);
void m365_config_paths_free(struct m365_config_paths *p);
#endif
