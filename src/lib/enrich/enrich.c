#include "enrich.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <ctype.h>
#include <errno.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/hash.h"
#include "../core/map.h"
#include "../core/limits.h"
#include "../core/norm.h"
#include "../io/input.h"
#include "../json/json.h"
#include "m365hunt/scan.h"

/* One prefix: family, length, masked address bytes. */
struct prefix {
    uint8_t v6, len;
    uint8_t addr[16];
    const char *label;
};

/* Longest-prefix match: a hash set per (family, length), probed from the longest length. */
struct cidr_table {
    struct prefix *slots; /* open addressing; len 255 = empty */
    size_t cap, n;
    uint8_t lens4[33], n4; /* lengths present, longest first after sorting */
    uint8_t lens6[129], n6;
};

struct m365_enrich {
    struct m365_intern *intern;
    struct cidr_table ranges, trusted;
    bool has_ranges, has_trusted;
    MMDB_s mmdb, geo[2]; /* geo[1]: asked what geo[0] does not place (its IPv6 file, say) */
    bool has_asn, has_geo, has_geo2;
    struct m365_enrichment_source *asn_src, *geo_src[2]; /* their counts */
    struct m365_enrichment_source *ranges_src, *trusted_src;
    uint64_t geo_v6_unheld; /* public IPv6 addresses no city database could hold */
    struct m365_map cache; /* ip pointer -> struct m365_ipinfo */
    pthread_mutex_t mu;    /* guards the cache while detections run on several threads */
    bool shared;
    uint64_t id; /* unique per enrich: keys the threads' look-aside entries */
    struct m365_enrichment_source sources[5]; /* their paths malloc'd */
    size_t n_sources;
};

static _Atomic uint64_t next_enrich_id = 1;

/* Which kind of database: its metadata's database_type ("GeoLite2-City", "DBIP-City-Lite",
 * "GeoLite2-ASN", "DBIP-ASN-Lite (compat=GeoLite2-ASN)") names it. */
static bool db_is(const MMDB_s *db, const char *kind)
{
    const char *t = db->metadata.database_type;
    size_t k = strlen(kind);
    for (; t && *t; t++) {
        if (strncasecmp(t, kind, k) == 0) {
            return true;
        }
    }
    return false;
}

static bool db_places(const MMDB_s *db)
{
    return db_is(db, "city") || db_is(db, "country") || db_is(db, "location") ||
           db_is(db, "enterprise");
}

static int add_source(struct m365_enrich *e, const char *option, const char *path,
                      const MMDB_s *db, uint64_t prefixes,
                      struct m365_enrichment_source **out)
{
    char *p = strdup(path);
    if (!p) {
        return -1;
    }
    struct m365_enrichment_source *src = &e->sources[e->n_sources++];
    *src = (struct m365_enrichment_source){
        option, p, db ? db->metadata.database_type : NULL,
        db ? (int64_t)db->metadata.build_epoch * 1000 : M365_TIME_NONE, prefixes, 0, 0, 0};
    if (out) {
        *out = src;
    }
    return 0;
}

/* Opens an ASN database (asn) or a city one; the wrong kind is an error that names the right
 * option, not an enrichment that silently finds nothing. */
static int open_db(const char *path, MMDB_s *db, bool *open, bool asn, char *err, size_t esz)
{
    int rc = MMDB_open(path, MMDB_MODE_MMAP, db);
    if (rc != MMDB_SUCCESS) {
        snprintf(err, esz, "%s: %s", path, MMDB_strerror(rc));
        return -1;
    }
    *open = true;
    const char *type = db->metadata.database_type ? db->metadata.database_type : "?";
    if (asn && !db_is(db, "asn") && db_places(db)) {
        snprintf(err, esz, "%s: a %s database: it holds places, not networks (give it to "
                 "--geo-db; --asn-db takes GeoLite2-ASN or DB-IP ASN Lite)", path, type);
        return -1;
    }
    if (!asn && db_is(db, "asn") && !db_places(db)) {
        snprintf(err, esz, "%s: a %s database: it places no address (give it to --asn-db; "
                 "--geo-db takes GeoLite2-City, GeoLite2-Country or DB-IP City Lite)", path, type);
        return -1;
    }
    return 0;
}

static void mask(uint8_t *a, unsigned len, unsigned total)
{
    for (unsigned i = 0; i < total; i++) {
        unsigned bits = len > i * 8 ? len - i * 8 : 0;
        a[i] &= bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);
    }
}

static uint64_t prefix_hash(uint8_t v6, uint8_t len, const uint8_t *a)
{
    return m365_hash_bytes(a, v6 ? 16 : 4, (uint64_t)v6 << 8 | len);
}

static int table_add(struct cidr_table *t, const struct prefix *p)
{
    if ((t->n + 1) * 2 > t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 1024;
        struct prefix *ns = malloc(ncap * sizeof(*ns));
        if (!ns) {
            return -1;
        }
        for (size_t i = 0; i < ncap; i++) {
            ns[i].len = 255;
        }
        for (size_t i = 0; i < t->cap; i++) {
            if (t->slots[i].len != 255) {
                size_t j = prefix_hash(t->slots[i].v6, t->slots[i].len, t->slots[i].addr) & (ncap - 1);
                while (ns[j].len != 255) {
                    j = (j + 1) & (ncap - 1);
                }
                ns[j] = t->slots[i];
            }
        }
        free(t->slots);
        t->slots = ns;
        t->cap = ncap;
    }
    size_t j = prefix_hash(p->v6, p->len, p->addr) & (t->cap - 1);
    for (; t->slots[j].len != 255; j = (j + 1) & (t->cap - 1)) {
        struct prefix *q = &t->slots[j];
        if (q->v6 == p->v6 && q->len == p->len && memcmp(q->addr, p->addr, 16) == 0) {
            /* The same prefix under several tags: keep the more specific (longer) label. */
            if (p->label && (!q->label || strlen(p->label) > strlen(q->label))) {
                q->label = p->label;
            }
            return 0;
        }
    }
    t->slots[j] = *p;
    t->n++;
    uint8_t *lens = p->v6 ? t->lens6 : t->lens4;
    uint8_t *n = p->v6 ? &t->n6 : &t->n4;
    for (unsigned i = 0; i < *n; i++) {
        if (lens[i] == p->len) {
            return 0;
        }
    }
    unsigned i = *n;
    while (i > 0 && lens[i - 1] < p->len) {
        lens[i] = lens[i - 1];
        i--;
    }
    lens[i] = p->len;
    (*n)++;
    return 0;
}

static const struct prefix *table_find(const struct cidr_table *t, bool v6, const uint8_t *addr)
{
    if (!t->cap) {
        return NULL;
    }
    const uint8_t *lens = v6 ? t->lens6 : t->lens4;
    unsigned n = v6 ? t->n6 : t->n4;
    for (unsigned i = 0; i < n; i++) {
        uint8_t a[16] = {0};
        memcpy(a, addr, v6 ? 16 : 4);
        mask(a, lens[i], v6 ? 16 : 4);
        size_t j = prefix_hash(v6, lens[i], a) & (t->cap - 1);
        for (; t->slots[j].len != 255; j = (j + 1) & (t->cap - 1)) {
            const struct prefix *q = &t->slots[j];
            if (q->v6 == v6 && q->len == lens[i] && memcmp(q->addr, a, 16) == 0) {
                return q;
            }
        }
    }
    return NULL;
}

int m365_cidr_parse(const char *s, size_t n, bool *v6, uint8_t addr[16], unsigned *len_out)
{
    char buf[64];
    if (n == 0 || n >= sizeof(buf)) {
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *slash = strchr(buf, '/');
    long len = -1;
    if (slash) {
        char *end;
        *slash = '\0';
        /* Digits only: strtol alone takes "/-1" (then read as a host route) and "/ 8". */
        if (slash[1] < '0' || slash[1] > '9') {
            return -1;
        }
        len = strtol(slash + 1, &end, 10);
        if (*end) {
            return -1;
        }
    }
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *v6 = false;
    } else if (inet_pton(AF_INET6, buf, addr) == 1) {
        *v6 = true;
    } else {
        return -1;
    }
    long max = *v6 ? 128 : 32;
    if (len < 0) {
        len = max;
    }
    if (len > max) {
        return -1;
    }
    *len_out = (unsigned)len;
    mask(addr, *len_out, *v6 ? 16 : 4);
    return 0;
}

static int parse_cidr(const char *s, size_t n, struct prefix *p)
{
    bool v6;
    unsigned len;
    memset(p, 0, sizeof(*p));
    if (m365_cidr_parse(s, n, &v6, p->addr, &len) != 0) {
        return -1;
    }
    p->v6 = v6;
    p->len = (uint8_t)len;
    return 0;
}

/* The whole file, decoded the way evidence is: gzip or zstd, UTF-8 with or without BOM, or
 * UTF-16 (PowerShell 5 writes "> egress.txt" as UTF-16LE). */
static char *read_all(const char *path, size_t *len, char *err, size_t esz)
{
    struct m365_limits lim = {M365_DEFAULT_MAX_RECORD_BYTES, 512ull << 20,
                              M365_DEFAULT_MAX_RATIO, M365_DEFAULT_MAX_JSON_DEPTH,
                              M365_DEFAULT_MAX_DISTINCT_VALUES};
    const char *why = NULL;
    /* "-" is a file name here: standard input carries evidence. */
    struct m365_input *in = m365_input_open(strcmp(path, "-") == 0 ? "./-" : path, &lim, 0, &why);
    if (!in) {
        snprintf(err, esz, "%s: %s", path, why);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = m365_input_read(in, buf + n, cap - n);
        n += got;
        if (got == 0) {
            break;
        }
        if (n < cap) {
            continue;
        }
        if (cap >= (512u << 20)) {
            snprintf(err, esz, "%s: larger than 512 MiB", path);
            free(buf);
            buf = NULL;
            break;
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    enum m365_status st;
    const char *ierr = m365_input_error(in, &st);
    if (buf && ierr) {
        snprintf(err, esz, "%s: %s", path, ierr);
        free(buf);
        buf = NULL;
    }
    m365_input_close(in);
    if (buf) {
        *len = n;
    } else if (!err[0]) {
        snprintf(err, esz, "%s: out of memory", path);
    }
    return buf;
}

/* Microsoft's Service Tags file: {"values":[{"name":…,"properties":{"addressPrefixes":[…]}}]}. */
static int load_service_tags(struct m365_enrich *e, struct cidr_table *t, const char *path,
                             const char *data, size_t len, char *err, size_t esz)
{
    struct m365_json *j = m365_json_new(len + 64, 64);
    struct m365_jv root;
    const char *jerr;
    if (!j || m365_json_parse(j, data, len, false, &root, &jerr) != 0) {
        snprintf(err, esz, "%s: not valid JSON (%s)", path, j ? jerr : "out of memory");
        m365_json_free(j);
        return -1;
    }
    struct m365_jit it;
    struct m365_jv tag;
    m365_jv_iter(m365_jv_get(root, "values"), &it);
    size_t added = 0;
    while (m365_jit_next(&it, NULL, NULL, &tag)) {
        const char *name = NULL;
        size_t nl = 0;
        m365_jv_str(m365_jv_get(tag, "name"), &name, &nl);
        const char *label = name ? m365_intern(e->intern, name, nl) : NULL;
        struct m365_jit pit;
        struct m365_jv pv;
        m365_jv_iter(m365_jv_get(m365_jv_get(tag, "properties"), "addressPrefixes"), &pit);
        while (m365_jit_next(&pit, NULL, NULL, &pv)) {
            const char *s;
            size_t sl;
            struct prefix p;
            if (m365_jv_str(pv, &s, &sl) && parse_cidr(s, sl, &p) == 0) {
                p.label = label;
                if (table_add(t, &p) != 0) {
                    m365_json_free(j);
                    snprintf(err, esz, "%s: out of memory", path);
                    return -1;
                }
                added++;
            }
        }
    }
    m365_json_free(j);
    if (!added) {
        snprintf(err, esz, "%s: no values[].properties.addressPrefixes found", path);
        return -1;
    }
    return 0;
}

/* One prefix per line, optionally followed by a label; '#' starts a comment. */
static int load_list(struct m365_enrich *e, struct cidr_table *t, const char *path,
                     const char *data, size_t len, const char *default_label, char *err,
                     size_t esz)
{
    size_t line = 0, added = 0;
    for (const char *p = data, *end = data + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        const char *hash = memchr(p, '#', (size_t)(le - p));
        const char *ce = hash ? hash : le;
        while (p < ce && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }
        const char *ws = p;
        while (ws < ce && *ws != ' ' && *ws != '\t' && *ws != ',' && *ws != '\r') {
            ws++;
        }
        if (ws > p) {
            struct prefix pf;
            if (parse_cidr(p, (size_t)(ws - p), &pf) != 0) {
                snprintf(err, esz, "%s:%zu: '%.*s' is not an address or CIDR prefix", path, line,
                         (int)(ws - p > 60 ? 60 : ws - p), p);
                return -1;
            }
            const char *lb = ws;
            while (lb < ce && (*lb == ' ' || *lb == '\t' || *lb == ',')) {
                lb++;
            }
            const char *lbe = ce;
            while (lbe > lb && (lbe[-1] == ' ' || lbe[-1] == '\t' || lbe[-1] == '\r')) {
                lbe--;
            }
            pf.label = lbe > lb ? m365_intern(e->intern, lb, (size_t)(lbe - lb))
                                : m365_intern(e->intern, default_label, strlen(default_label));
            if (table_add(t, &pf) != 0) {
                snprintf(err, esz, "%s: out of memory", path);
                return -1;
            }
            added++;
        }
        p = nl ? nl + 1 : end;
    }
    if (!added) {
        /* An empty list would still count as loaded and make every address untrusted. */
        snprintf(err, esz, "%s: no address or CIDR prefix found", path);
        return -1;
    }
    return 0;
}

bool m365_enrich_range_list_text(const char *head, size_t len)
{
    size_t prefixes = 0;
    for (const char *p = head, *end = head + len; p < end && prefixes < 32;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            break; /* perhaps cut short where the bytes looked at end */
        }
        const char *hash = memchr(p, '#', (size_t)(nl - p));
        const char *ce = hash ? hash : nl;
        while (p < ce && (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r')) {
            p++;
        }
        const char *ws = p;
        while (ws < ce && *ws != ' ' && *ws != '\t' && *ws != ',' && *ws != '\r') {
            ws++;
        }
        struct prefix pf;
        if (ws > p) {
            /* A bare address is a prefix to --ip-ranges, but a log's line may start with one. */
            if (!memchr(p, '/', (size_t)(ws - p)) || parse_cidr(p, (size_t)(ws - p), &pf) != 0) {
                return false;
            }
            prefixes++;
        }
        p = nl + 1;
    }
    return prefixes > 0;
}

static int load_prefixes(struct m365_enrich *e, struct cidr_table *t, const char *path,
                         const char *default_label, char *err, size_t esz)
{
    size_t len = 0;
    err[0] = '\0';
    char *data = read_all(path, &len, err, esz);
    if (!data) {
        return -1;
    }
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) {
        i++;
    }
    int rc = i < len && data[i] == '{'
                 ? load_service_tags(e, t, path, data, len, err, esz)
                 : load_list(e, t, path, data, len, default_label, err, esz);
    free(data);
    return rc;
}

enum m365_status m365_enrich_new(struct m365_enrich **out, struct m365_intern *intern,
                                 const char *ip_ranges, const char *asn_db,
                                 const char *trusted_ips, const char *geo_db,
                                 const char *geo_db2, char *err, size_t err_size)
{
    *out = NULL;
    struct m365_enrich *e = calloc(1, sizeof(*e));
    if (!e) {
        snprintf(err, err_size, "out of memory");
        return M365_E_NOMEM;
    }
    e->intern = intern;
    e->id = atomic_fetch_add(&next_enrich_id, 1);
    pthread_mutex_init(&e->mu, NULL);
    if (ip_ranges) {
        if (load_prefixes(e, &e->ranges, ip_ranges, "hosting", err, err_size) != 0) {
            m365_enrich_free(e);
            return M365_E_CONFIG;
        }
        e->has_ranges = true;
    }
    if (trusted_ips) {
        if (load_prefixes(e, &e->trusted, trusted_ips, "trusted", err, err_size) != 0) {
            m365_enrich_free(e);
            return M365_E_CONFIG;
        }
        e->has_trusted = true;
    }
    if (!geo_db) {
        geo_db = geo_db2;
        geo_db2 = NULL;
    }
    if ((asn_db && open_db(asn_db, &e->mmdb, &e->has_asn, true, err, err_size) != 0) ||
        (geo_db && open_db(geo_db, &e->geo[0], &e->has_geo, false, err, err_size) != 0) ||
        (geo_db2 && open_db(geo_db2, &e->geo[1], &e->has_geo2, false, err, err_size) != 0)) {
        m365_enrich_free(e);
        return M365_E_CONFIG;
    }
    if ((ip_ranges &&
         add_source(e, "ip-ranges", ip_ranges, NULL, e->ranges.n, &e->ranges_src) != 0) ||
        (asn_db && add_source(e, "asn-db", asn_db, &e->mmdb, 0, &e->asn_src) != 0) ||
        (geo_db && add_source(e, "geo-db", geo_db, &e->geo[0], 0, &e->geo_src[0]) != 0) ||
        (geo_db2 && add_source(e, "geo-db", geo_db2, &e->geo[1], 0, &e->geo_src[1]) != 0) ||
        (trusted_ips &&
         add_source(e, "trusted-ips", trusted_ips, NULL, e->trusted.n, &e->trusted_src) != 0)) {
        snprintf(err, err_size, "out of memory");
        m365_enrich_free(e);
        return M365_E_NOMEM;
    }
    *out = e;
    return M365_OK;
}

void m365_enrich_free(struct m365_enrich *e)
{
    if (!e) {
        return;
    }
    pthread_mutex_destroy(&e->mu);
    free(e->ranges.slots);
    free(e->trusted.slots);
    if (e->has_asn) {
        MMDB_close(&e->mmdb);
    }
    if (e->has_geo) {
        MMDB_close(&e->geo[0]);
    }
    if (e->has_geo2) {
        MMDB_close(&e->geo[1]);
    }
    for (size_t i = 0; i < e->n_sources; i++) {
        free((char *)e->sources[i].path);
    }
    M365_MAP_EACH(&e->cache, slot)
    {
        free(slot->val);
    }
    m365_map_free(&e->cache);
    free(e);
}

bool m365_enrich_has_ranges(const struct m365_enrich *e) { return e && e->has_ranges; }
bool m365_enrich_has_asn(const struct m365_enrich *e) { return e && e->has_asn; }
bool m365_enrich_has_geo(const struct m365_enrich *e) { return e && e->has_geo; }

uint64_t m365_enrich_geo_v6_unheld(const struct m365_enrich *e)
{
    return e ? e->geo_v6_unheld : 0;
}

size_t m365_enrich_n_sources(const struct m365_enrich *e) { return e ? e->n_sources : 0; }

const struct m365_enrichment_source *m365_enrich_source(const struct m365_enrich *e, size_t i)
{
    return e && i < e->n_sources ? &e->sources[i] : NULL;
}

bool m365_enrich_has_trusted(const struct m365_enrich *e) { return e && e->has_trusted; }

static bool is_private(bool v6, const uint8_t *a)
{
    if (!v6) {
        return a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
               (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
               (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] == 0;
    }
    static const uint8_t zero[15], mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a, mapped, 12) == 0) {
        return is_private(false, a + 12); /* ::ffff:10.1.2.3 is 10.1.2.3 */
    }
    /* ULA fc00::/7, link-local fe80::/10, loopback ::1 and the unspecified :: */
    return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
           (memcmp(a, zero, 15) == 0 && a[15] <= 1);
}

/* The database's entry for the address; false when it has none (or the lookup failed). */
static bool db_find(MMDB_s *db, const char *ip, MMDB_lookup_result_s *r)
{
    int gai = 0, mmerr = 0;
    *r = MMDB_lookup_string(db, ip, &gai, &mmerr);
    return gai == 0 && mmerr == MMDB_SUCCESS && r->found_entry;
}

/* Whether the database can hold the address at all: an IPv4-only tree has no IPv6 (a lookup
 * fails), which the reports count apart from the addresses it does not know. */
static bool db_holds(const MMDB_s *db, bool v6, uint64_t *unheld)
{
    if (v6 && db->metadata.ip_version == 4) {
        (*unheld)++;
        return false;
    }
    return true;
}

/* A non-empty text value at path in a database entry; its length in *len. */
static const char *mmdb_str(MMDB_entry_s *entry, const char *const *path, uint32_t *len)
{
    MMDB_entry_data_s d;
    if (MMDB_aget_value(entry, &d, path) == MMDB_SUCCESS && d.has_data &&
        d.type == MMDB_DATA_TYPE_UTF8_STRING && d.data_size) {
        *len = d.data_size;
        return d.utf8_string;
    }
    return NULL;
}

static void asn_lookup(struct m365_enrich *e, const char *ip, struct m365_ipinfo *info)
{
    MMDB_lookup_result_s r;
    if (!db_holds(&e->mmdb, info->v6, &e->asn_src->ipv6_unheld)) {
        return;
    }
    e->asn_src->looked_up++;
    if (!db_find(&e->mmdb, ip, &r)) {
        return;
    }
    MMDB_entry_data_s d;
    if (MMDB_get_value(&r.entry, &d, "autonomous_system_number", NULL) == MMDB_SUCCESS &&
        d.has_data) {
        if (d.type == MMDB_DATA_TYPE_UINT32) {
            info->asn = d.uint32;
        } else if (d.type == MMDB_DATA_TYPE_UINT16) {
            info->asn = d.uint16;
        } else if (d.type == MMDB_DATA_TYPE_UINT64) {
            info->asn = (uint32_t)d.uint64;
        }
    }
    if (MMDB_get_value(&r.entry, &d, "autonomous_system_organization", NULL) == MMDB_SUCCESS &&
        d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING) {
        info->asn_org = m365_intern(e->intern, d.utf8_string, d.data_size);
    }
    /* IPinfo's databases: asn "AS174", as_name. */
    static const char *const asn_text[] = {"asn", NULL};
    static const char *const as_name[] = {"as_name", NULL};
    uint32_t n = 0;
    const char *a = info->asn ? NULL : mmdb_str(&r.entry, asn_text, &n);
    if (a && n > 2 && n < 13 && (a[0] | 32) == 'a' && (a[1] | 32) == 's') {
        uint64_t v = 0;
        uint32_t k = 2;
        for (; k < n && a[k] >= '0' && a[k] <= '9'; k++) {
            v = v * 10 + (uint64_t)(a[k] - '0');
        }
        if (k == n && v > 0 && v <= UINT32_MAX) {
            info->asn = (uint32_t)v;
            uint32_t on = 0;
            const char *org = mmdb_str(&r.entry, as_name, &on);
            if (org) {
                info->asn_org = m365_intern(e->intern, org, on);
            }
        }
    }
    e->asn_src->found += info->asn != 0;
}

static double geo_double(MMDB_entry_s *entry, const char *const *path, bool *ok)
{
    MMDB_entry_data_s d;
    if (MMDB_aget_value(entry, &d, path) != MMDB_SUCCESS || !d.has_data) {
        *ok = false;
        return 0;
    }
    if (d.type == MMDB_DATA_TYPE_DOUBLE) {
        return d.double_value;
    }
    if (d.type == MMDB_DATA_TYPE_FLOAT) {
        return d.float_value;
    }
    *ok = false;
    return 0;
}

static bool ascii_letter(char c)
{
    return (c | 32) >= 'a' && (c | 32) <= 'z';
}

/* One entry of a city or country database, in either layout: MaxMind's (GeoLite2, GeoIP2,
 * DB-IP Lite: country.iso_code, city.names.en, location.latitude) or a flat one: the
 * ip-location-db databases' (country_code, city, latitude, longitude), IPinfo Lite's
 * (country_code; country is the name) or IPinfo's legacy country_asn (country, the code). True
 * when it places the address in a country. */
static bool geo_read(struct m365_enrich *e, MMDB_entry_s *entry, struct m365_ipinfo *info)
{
    static const char *const country[] = {"country", "iso_code", NULL};
    static const char *const country_flat[] = {"country_code", NULL};
    static const char *const country_plain[] = {"country", NULL};
    static const char *const city[] = {"city", "names", "en", NULL};
    static const char *const city_flat[] = {"city", NULL};
    static const char *const lat[] = {"location", "latitude", NULL};
    static const char *const lon[] = {"location", "longitude", NULL};
    static const char *const lat_flat[] = {"latitude", NULL};
    static const char *const lon_flat[] = {"longitude", NULL};
    uint32_t n = 0;
    const char *cc = mmdb_str(entry, country, &n);
    bool flat = !cc;
    if (flat) {
        cc = mmdb_str(entry, country_flat, &n);
    }
    if (!cc) {
        cc = mmdb_str(entry, country_plain, &n); /* a name ("Canada") is not taken below */
    }
    if (cc && n == 2 && ascii_letter(cc[0]) && ascii_letter(cc[1])) {
        char up[3] = {(char)toupper((unsigned char)cc[0]), (char)toupper((unsigned char)cc[1]),
                      0};
        info->geo_country = m365_intern(e->intern, up, 2);
    }
    /* MaxMind's city is a map of names; the flat layout's a string ("" when unknown). */
    const char *c = mmdb_str(entry, flat ? city_flat : city, &n);
    if (c) {
        info->geo_city = m365_intern(e->intern, c, n);
    }
    bool ok = true;
    double la = geo_double(entry, flat ? lat_flat : lat, &ok);
    double lo = geo_double(entry, flat ? lon_flat : lon, &ok);
    /* 0,0 is no place anybody signs in from: databases put it where they know nothing. */
    if (ok && la >= -90 && la <= 90 && lo >= -180 && lo <= 180 && !(la == 0 && lo == 0)) {
        info->has_geo = true;
        info->geo_lat = la;
        info->geo_lon = lo;
        static const char *const radius[] = {"location", "accuracy_radius", NULL};
        MMDB_entry_data_s d;
        if (!flat && MMDB_aget_value(entry, &d, radius) == MMDB_SUCCESS && d.has_data) {
            info->geo_radius_km = d.type == MMDB_DATA_TYPE_UINT16   ? d.uint16
                                  : d.type == MMDB_DATA_TYPE_UINT32 ? d.uint32
                                                                     : 0;
        }
    }
    return info->geo_country != NULL;
}

/* The first city database that places the address; the second is asked only what the first
 * cannot place (ip-location-db ships IPv4 and IPv6 as two files). */
static void geo_lookup(struct m365_enrich *e, const char *ip, struct m365_ipinfo *info)
{
    int n = e->has_geo2 ? 2 : 1, unheld = 0;
    struct m365_ipinfo partial = *info; /* a place without a country: kept if none has one */
    bool have_partial = false;
    for (int k = 0; k < n; k++) {
        struct m365_enrichment_source *src = e->geo_src[k];
        if (!db_holds(&e->geo[k], info->v6, &src->ipv6_unheld)) {
            unheld++;
            continue;
        }
        src->looked_up++;
        MMDB_lookup_result_s r;
        if (db_find(&e->geo[k], ip, &r)) {
            struct m365_ipinfo got = *info;
            if (geo_read(e, &r.entry, &got)) {
                *info = got;
                src->found++;
                return;
            }
            if (!have_partial && (got.has_geo || got.geo_city)) {
                partial = got;
                have_partial = true;
            }
        }
    }
    *info = partial;
    /* Held by none of them: the reports ask for the database's IPv6 file. */
    e->geo_v6_unheld += unheld == n;
}

static const struct m365_ipinfo *enrich_ip(struct m365_enrich *e, const char *ip);

void m365_enrich_set_shared(struct m365_enrich *e, bool shared)
{
    if (e) {
        e->shared = shared;
    }
}

static const struct m365_ipinfo no_info; /* no address, or no memory to describe it */

/* Each thread remembers the addresses it asked about lately (detections ask once per sign-in,
 * several of them per event): no lock, where every look-up in the shared cache took one, and
 * two threads taking it by the million made the detections' second thread nearly worthless.
 * An entry names its enrich by id; what it points to lives as long as that enrich. */
#define IP_ASIDE 4096u
struct ip_aside {
    uint64_t id;
    const char *ip;
    const struct m365_ipinfo *info;
};
static _Thread_local struct ip_aside ip_aside[IP_ASIDE];

const struct m365_ipinfo *m365_enrich_ip(struct m365_enrich *e, const char *ip)
{
    if (!e || !ip) {
        return &no_info;
    }
    /* Addresses come interned: the pointer is the key, as in the cache. */
    struct ip_aside *a = &ip_aside[m365_hash_ptr_slot(ip, 12)]; /* IP_ASIDE slots */
    if (a->id == e->id && a->ip == ip) {
        return a->info;
    }
    const struct m365_ipinfo *r;
    if (e->shared) {
        pthread_mutex_lock(&e->mu);
        r = enrich_ip(e, ip);
        pthread_mutex_unlock(&e->mu);
    } else {
        r = enrich_ip(e, ip);
    }
    if (r != &no_info) {
        a->id = e->id;
        a->ip = ip;
        a->info = r;
    }
    return r;
}

static const struct m365_ipinfo *enrich_ip(struct m365_enrich *e, const char *ip)
{
    void **slot = m365_map_put(&e->cache, ip, NULL);
    if (!slot) {
        return &no_info;
    }
    if (*slot) {
        return *slot;
    }
    struct m365_ipinfo *info = calloc(1, sizeof(*info));
    if (!info) {
        return &no_info;
    }
    *slot = info;
    uint8_t a[16] = {0};
    if (inet_pton(AF_INET, ip, a) == 1) {
        info->v6 = false;
    } else if (inet_pton(AF_INET6, ip, a) == 1) {
        info->v6 = true;
    } else {
        return info;
    }
    info->valid = true;
    info->is_private = is_private(info->v6, a);
    uint8_t net[16];
    memcpy(net, a, 16);
    mask(net, info->v6 ? 64 : 24, info->v6 ? 16 : 4);
    char txt[64];
    if (inet_ntop(info->v6 ? AF_INET6 : AF_INET, net, txt, sizeof(txt))) {
        size_t n = strlen(txt);
        snprintf(txt + n, sizeof(txt) - n, "/%d", info->v6 ? 64 : 24);
        info->prefix = m365_intern(e->intern, txt, strlen(txt));
    }
    const struct prefix *p = table_find(&e->ranges, info->v6, a);
    if (p) {
        info->in_ranges = true;
        info->range_label = p->label;
    }
    p = table_find(&e->trusted, info->v6, a);
    if (p) {
        info->trusted = true;
        info->trusted_label = p->label;
    }
    /* A list's use: the addresses inside it (a trusted list that holds none of the evidence's
     * addresses is more likely the wrong file than a tenant without an office). */
    if (e->ranges_src) {
        e->ranges_src->looked_up++;
        e->ranges_src->found += info->in_ranges;
    }
    if (e->trusted_src) {
        e->trusted_src->looked_up++;
        e->trusted_src->found += info->trusted;
    }
    if (e->has_asn) {
        asn_lookup(e, ip, info);
    }
    if (e->has_geo && !info->is_private) {
        geo_lookup(e, ip, info);
    }
    info->hosting_asn = info->asn && m365_asn_is_hosting(info->asn, info->asn_org);
    info->hosting = !info->is_private && (info->in_ranges || info->hosting_asn);
    return info;
}

bool m365_asn_is_hosting(uint32_t asn, const char *org)
{
    /* Cloud and hosting providers' ASNs; residential ISPs are not here on purpose. Microsoft's
     * are its cloud's and services'; not AS3598, its corporate network (131.107.0.0/16,
     * 2001:4898::/32: its offices), where no one rents a machine. */
    static const uint32_t hosting[] = {
        8068,   8069,   8070,  8071,  8072,  8073,  8074,  8075,  12076,  /* Microsoft */
        14618,  16509,  /* Amazon */
        15169,  19527,  396982, /* Google */
        14061,  /* DigitalOcean */
        16276,  /* OVH */
        24940,  /* Hetzner */
        63949,  /* Akamai Linode */
        20473,  /* Vultr / Choopa */
        9009,   /* M247 */
        16265,  28753,  60781, /* Leaseweb */
        51167,  /* Contabo */
        31898,  /* Oracle */
        45102,  /* Alibaba */
        132203, /* Tencent */
        12876,  /* Scaleway */
        36352,  /* ColoCrossing */
        53667,  /* FranTech / BuyVM */
        46606,  /* Unified Layer */
        26496,  /* GoDaddy */
        13335,  /* Cloudflare */
        202425, /* IP Volume */
        60068,  212238, /* Datacamp / CDN77 */
        62240,  /* Clouvider */
        40021,  /* Contabo US */
        35916,  /* MultaCom */
        8100,   /* QuadraNet */
        62904,  /* Eonix */
        399629, /* BL Networks */
    };
    for (size_t i = 0; i < sizeof(hosting) / sizeof(hosting[0]); i++) {
        if (hosting[i] == asn) {
            return true;
        }
    }
    static const char *const words[] = {"hosting", "cloud", "datacenter", "data center",
                                        "server", "vps", "colocation", "virtual"};
    for (size_t i = 0; org && i < sizeof(words) / sizeof(words[0]); i++) {
        if (m365_icontains(org, words[i])) {
            return true;
        }
    }
    return false;
}
