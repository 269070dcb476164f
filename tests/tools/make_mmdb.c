/* make_mmdb: builds a GeoLite2-ASN or GeoLite2-City style .mmdb for test fixtures, since no
 * such database may be downloaded. Reads "CIDR ASN ORGANISATION" lines on standard input, or
 * with -c "CIDR COUNTRY LATITUDE LONGITUDE RADIUS_KM CITY" lines ('#' starts a comment, blank
 * lines are skipped; the organisation or city is the rest of the line and may be empty):
 *
 *   printf '52.168.0.0/14 8075 MICROSOFT-CORP-MSN-AS-BLOCK\n' | make_mmdb asn.mmdb
 *   printf '81.2.69.0/24 GB 51.5142 -0.0931 20 London\n' | make_mmdb -c city.mmdb
 *
 * -f writes the city records flat, as the ip-location-db databases do ({city, country_code,
 * latitude, longitude, ...}, database_type "city ipv4" or "city ipv6"); -4 an IPv4-only tree
 * (their split IPv4 file).
 *
 * Usage: make_mmdb [-r 24|28] [-c | -f] [-4] OUT.mmdb */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrich/mmdb_writer.h"

static void usage(void)
{
    fputs("usage: make_mmdb [-r 24|28] [-4] OUT.mmdb < 'CIDR ASN ORGANISATION' lines\n"
          "       make_mmdb [-r 24|28] -c|-f [-4] OUT.mmdb < 'CIDR CC LAT LON RADIUS_KM CITY' "
          "lines\n",
          stderr);
}

/* "CC LAT LON RADIUS_KM CITY" after the network. */
static int add_city(struct m365_mmdb_writer *w, const char *cidr, char *p, unsigned long lineno)
{
    char *cc = p;
    p += strcspn(p, " \t");
    if (*p) {
        *p++ = '\0';
    }
    char *end;
    double lat = strtod(p, &end);
    bool ok = end != p && (*end == ' ' || *end == '\t');
    p = end;
    double lon = strtod(p, &end);
    ok = ok && end != p && (*end == ' ' || *end == '\t');
    p = end;
    unsigned long radius = strtoul(p, &end, 10);
    ok = ok && end != p && (!*end || *end == ' ' || *end == '\t') && radius <= 0xffff &&
         strlen(cc) == 2;
    if (!ok) {
        fprintf(stderr, "make_mmdb: stdin:%lu: expected 'CIDR CC LAT LON RADIUS_KM CITY'\n",
                lineno);
        return -1;
    }
    const char *name = end + strspn(end, " \t");
    if (m365_mmdb_writer_add_city(w, cidr, cc, *name ? name : NULL, lat, lon,
                                  (unsigned)radius) != 0) {
        fprintf(stderr, "make_mmdb: stdin:%lu: '%s' is not an address or CIDR prefix\n", lineno,
                cidr);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    unsigned record_size = 24;
    int i = 1;
    bool city = false, flat = false, v4 = false;
    for (; i + 1 < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-r") == 0 && i + 2 < argc) {
            record_size = (unsigned)strtoul(argv[++i], NULL, 10);
            if (record_size != 24 && record_size != 28) {
                usage();
                return 2;
            }
        } else if (strcmp(argv[i], "-c") == 0) {
            city = true;
        } else if (strcmp(argv[i], "-f") == 0) {
            city = flat = true;
        } else if (strcmp(argv[i], "-4") == 0) {
            v4 = true;
        } else {
            usage();
            return 2;
        }
    }
    if (i + 1 != argc) {
        usage();
        return 2;
    }
    const char *out = argv[i];
    /* A fixed build time (2026-03-01T00:00Z) keeps fixtures byte-for-byte reproducible. */
    const char *type = flat ? (v4 ? "city ipv4" : "city ipv6")
                       : city ? "GeoLite2-City"
                              : "GeoLite2-ASN";
    struct m365_mmdb_writer *w =
        m365_mmdb_writer_new(type, city ? "m365hunt test city database"
                                        : "m365hunt test ASN database", 1772323200);
    if (!w) {
        fputs("make_mmdb: out of memory\n", stderr);
        return 1;
    }
    m365_mmdb_writer_set_shape(w, flat, v4);
    char line[1024];
    unsigned long lineno = 0;
    size_t added = 0;
    int rc = 0;
    while (fgets(line, sizeof(line), stdin)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(stdin)) {
            fprintf(stderr, "make_mmdb: stdin:%lu: line too long\n", lineno);
            rc = 1;
            break;
        }
        char *hash = strchr(line, '#');
        if (hash) {
            *hash = '\0';
        }
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
                         line[n - 1] == '\t')) {
            line[--n] = '\0';
        }
        char *p = line + strspn(line, " \t");
        if (!*p) {
            continue;
        }
        char *cidr = p;
        p += strcspn(p, " \t");
        if (*p) {
            *p++ = '\0';
        }
        p += strspn(p, " \t");
        if (city) {
            if (add_city(w, cidr, p, lineno) != 0) {
                rc = 1;
                break;
            }
            added++;
            continue;
        }
        char *end;
        unsigned long asn = strtoul(p, &end, 10);
        if (end == p || (*end && *end != ' ' && *end != '\t') || asn > 0xffffffffUL) {
            fprintf(stderr, "make_mmdb: stdin:%lu: expected 'CIDR ASN ORGANISATION'\n", lineno);
            rc = 1;
            break;
        }
        const char *org = end + strspn(end, " \t");
        if (m365_mmdb_writer_add(w, cidr, (uint32_t)asn, *org ? org : NULL) != 0) {
            fprintf(stderr, "make_mmdb: stdin:%lu: '%s' is not an address or CIDR prefix\n",
                    lineno, cidr);
            rc = 1;
            break;
        }
        added++;
    }
    if (rc == 0 && !added) {
        fputs("make_mmdb: no networks on standard input\n", stderr);
        rc = 1;
    }
    if (rc == 0 && m365_mmdb_writer_write(w, record_size, out) != 0) {
        fprintf(stderr, "make_mmdb: %s: cannot write the database\n", out);
        rc = 1;
    }
    m365_mmdb_writer_free(w);
    return rc;
}
