/* MaxMind DB writer (see mmdb_writer.h). Layout, from the MaxMind DB format
 * specification 2.0:
 *
 *   binary search tree | 16 zero bytes | data section | "\xAB\xCD\xEFMaxMind.com" | metadata map
 *
 * Each tree node holds two records (bit 0, bit 1) of record_size bits. A record below
 * node_count is a node number, equal to node_count means "no data", above it points into the
 * data section at (record - node_count - 16). Data fields start with a control byte: the type
 * in the top 3 bits (0 = extended: type - 7 in the next byte) and the size in the low 5 bits
 * (29, 30, 31: the size continues in 1, 2, 3 more bytes). */
#include "mmdb_writer.h"

#include "../core/hash.h"
#include "enrich.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    T_STRING = 2,
    T_DOUBLE = 3,
    T_UINT16 = 5,
    T_UINT32 = 6,
    T_MAP = 7,
    T_UINT64 = 9,
    T_ARRAY = 11,
    T_FLOAT = 15,
};

struct bytes {
    unsigned char *p;
    size_t n, cap;
    int oom;
};

static void put(struct bytes *b, const void *src, size_t n)
{
    if (b->oom) {
        return;
    }
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->n + n) {
            nc *= 2;
        }
        unsigned char *np = realloc(b->p, nc);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put1(struct bytes *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}

static void ctrl(struct bytes *b, unsigned type, size_t size)
{
    unsigned low;
    size_t extra = 0, nextra = 0;
    if (size < 29) {
        low = (unsigned)size;
    } else if (size < 29 + 256) {
        low = 29;
        extra = size - 29;
        nextra = 1;
    } else if (size < 285 + 65536) {
        low = 30;
        extra = size - 285;
        nextra = 2;
    } else {
        low = 31;
        extra = size - 65821;
        nextra = 3;
    }
    if (type <= 7) {
        put1(b, type << 5 | low);
    } else {
        put1(b, low);
        put1(b, type - 7);
    }
    for (size_t i = nextra; i-- > 0;) {
        put1(b, (unsigned)(extra >> (8 * i)) & 0xff);
    }
}

static void put_str(struct bytes *b, const char *s)
{
    size_t n = strlen(s);
    ctrl(b, T_STRING, n);
    put(b, s, n);
}

/* Doubles are 8 bytes, IEEE 754 big-endian. */
static void put_double(struct bytes *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof(u));
    ctrl(b, T_DOUBLE, 8);
    for (size_t i = 8; i-- > 0;) {
        put1(b, (unsigned)(u >> (8 * i)) & 0xff);
    }
}

/* Floats are 4 bytes, IEEE 754 big-endian (the ip-location-db databases' coordinates). */
static void put_float(struct bytes *b, double v)
{
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, sizeof(u));
    ctrl(b, T_FLOAT, 4);
    for (size_t i = 4; i-- > 0;) {
        put1(b, (unsigned)(u >> (8 * i)) & 0xff);
    }
}

/* Unsigned integers are stored big-endian in as few bytes as the value needs (none for 0). */
static void put_uint(struct bytes *b, unsigned type, uint64_t v)
{
    size_t n = 0;
    while (n < 8 && (v >> (8 * n)) != 0) {
        n++;
    }
    ctrl(b, type, n);
    for (size_t i = n; i-- > 0;) {
        put1(b, (unsigned)(v >> (8 * i)) & 0xff);
    }
}

struct net {
    uint8_t addr[16];
    unsigned len; /* in the IPv6 tree */
    uint32_t asn;
    char *org;
    /* A city record (GeoLite2-City shape) when country is set; an IPinfo one when ipinfo is
     * (city then holds the country's name). */
    char *country, *city;
    int ipinfo; /* 0, 1 Lite, 2 the legacy country_asn */
    double lat, lon;
    unsigned radius;
    size_t order;
};

struct m365_mmdb_writer {
    char *type, *description;
    uint64_t epoch;
    bool flat, ipv4_only;
    struct net *nets;
    size_t n, cap;
};

struct m365_mmdb_writer *m365_mmdb_writer_new(const char *database_type,
                                              const char *description, uint64_t build_epoch)
{
    struct m365_mmdb_writer *w = calloc(1, sizeof(*w));
    if (!w) {
        return NULL;
    }
    w->type = strdup(database_type);
    w->description = strdup(description);
    w->epoch = build_epoch;
    if (!w->type || !w->description) {
        m365_mmdb_writer_free(w);
        return NULL;
    }
    return w;
}

void m365_mmdb_writer_free(struct m365_mmdb_writer *w)
{
    if (!w) {
        return;
    }
    for (size_t i = 0; i < w->n; i++) {
        free(w->nets[i].org);
        free(w->nets[i].country);
        free(w->nets[i].city);
    }
    free(w->nets);
    free(w->type);
    free(w->description);
    free(w);
}

void m365_mmdb_writer_set_shape(struct m365_mmdb_writer *w, int flat, int ipv4_only)
{
    w->flat = flat != 0;
    w->ipv4_only = ipv4_only != 0;
}

static int parse_net(const struct m365_mmdb_writer *w, const char *cidr, struct net *nt)
{
    bool v6;
    uint8_t a[16];
    unsigned len;
    memset(nt, 0, sizeof(*nt));
    if (m365_cidr_parse(cidr, strlen(cidr), &v6, a, &len) != 0) {
        return -1;
    }
    if (v6 && w->ipv4_only) {
        return -1;
    }
    if (v6) {
        memcpy(nt->addr, a, 16);
    } else {
        memcpy(nt->addr + 12, a, 4);
        len += 96; /* IPv4 lives in ::/96 */
    }
    if (len == (w->ipv4_only ? 96u : 0u)) {
        return -1; /* the whole address space would be the root itself */
    }
    nt->len = len;
    return 0;
}

static int push(struct m365_mmdb_writer *w, struct net *nt)
{
    nt->order = w->n;
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 8;
        struct net *nn = realloc(w->nets, nc * sizeof(*nn));
        if (!nn) {
            return -1;
        }
        w->nets = nn;
        w->cap = nc;
    }
    w->nets[w->n++] = *nt;
    return 0;
}

int m365_mmdb_writer_add(struct m365_mmdb_writer *w, const char *cidr, uint32_t asn,
                         const char *org)
{
    struct net nt;
    if (parse_net(w, cidr, &nt) != 0) {
        return -1;
    }
    nt.asn = asn;
    if (org && !(nt.org = strdup(org))) {
        return -1;
    }
    if (push(w, &nt) != 0) {
        free(nt.org);
        return -1;
    }
    return 0;
}

int m365_mmdb_writer_add_ipinfo(struct m365_mmdb_writer *w, const char *cidr, int legacy,
                                const char *country_code, const char *country_name,
                                uint32_t asn, const char *as_name)
{
    struct net nt;
    if (!country_code || !country_name || !as_name || parse_net(w, cidr, &nt) != 0) {
        return -1;
    }
    nt.ipinfo = legacy ? 2 : 1;
    nt.asn = asn;
    nt.country = strdup(country_code);
    nt.city = strdup(country_name);
    nt.org = strdup(as_name);
    if (!nt.country || !nt.city || !nt.org || push(w, &nt) != 0) {
        free(nt.country);
        free(nt.city);
        free(nt.org);
        return -1;
    }
    return 0;
}

int m365_mmdb_writer_add_city(struct m365_mmdb_writer *w, const char *cidr, const char *country,
                              const char *city, double lat, double lon, unsigned radius_km)
{
    struct net nt;
    if (!country || !*country || parse_net(w, cidr, &nt) != 0) {
        return -1;
    }
    nt.country = strdup(country);
    nt.city = city && *city ? strdup(city) : NULL;
    nt.lat = lat;
    nt.lon = lon;
    nt.radius = radius_km;
    if (!nt.country || (city && *city && !nt.city) || push(w, &nt) != 0) {
        free(nt.country);
        free(nt.city);
        return -1;
    }
    return 0;
}

/* A record while building: empty, a node, or a data offset. */
enum { R_EMPTY, R_NODE, R_DATA };
struct rec {
    uint8_t kind;
    uint32_t v;
};
struct node {
    struct rec r[2];
};

static int cmp_net(const void *a, const void *b)
{
    const struct net *x = a, *y = b;
    if (x->len != y->len) {
        return x->len < y->len ? -1 : 1;
    }
    return x->order < y->order ? -1 : x->order > y->order;
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static uint64_t data_hash(const struct net *n)
{
    uint64_t h = m365_hash_bytes(&n->asn, sizeof(n->asn), 0);
    h = m365_hash_bytes(&n->radius, sizeof(n->radius), h);
    double ll[2] = {n->lat + 0.0, n->lon + 0.0}; /* -0.0 and 0.0 compare equal: hash equal */
    h = m365_hash_bytes(ll, sizeof(ll), h);
    const char *s[3] = {n->org, n->country, n->city};
    for (int i = 0; i < 3; i++) { /* NULL and "" hash alike: same_data tells them apart */
        h = m365_hash_bytes(s[i] ? s[i] : "", s[i] ? strlen(s[i]) : 0, h);
    }
    return h;
}

static bool same_data(const struct net *a, const struct net *b)
{
    return a->ipinfo == b->ipinfo && a->asn == b->asn && same_str(a->org, b->org) &&
           same_str(a->country, b->country) &&
           same_str(a->city, b->city) && a->lat == b->lat && a->lon == b->lon &&
           a->radius == b->radius;
}

/* IPinfo Lite's record, or (ipinfo 2) the legacy country_asn one; as_domain left empty and
 * the continent fields left out (nothing reads them). */
static void put_ipinfo(struct bytes *b, const struct net *n)
{
    char asn[16];
    snprintf(asn, sizeof(asn), "AS%u", (unsigned)n->asn);
    bool legacy = n->ipinfo == 2;
    ctrl(b, T_MAP, 5);
    put_str(b, "as_domain");
    put_str(b, "");
    put_str(b, "as_name");
    put_str(b, n->org);
    put_str(b, "asn");
    put_str(b, asn);
    put_str(b, "country");
    put_str(b, legacy ? n->country : n->city);
    put_str(b, legacy ? "country_name" : "country_code");
    put_str(b, legacy ? n->city : n->country);
}

/* {city, country_code, latitude, longitude, postcode, state1, state2, timezone}, as the
 * ip-location-db city databases have them: "" for what they do not know. */
static void put_city_flat(struct bytes *b, const struct net *n)
{
    ctrl(b, T_MAP, 8);
    put_str(b, "city");
    put_str(b, n->city ? n->city : "");
    put_str(b, "country_code");
    put_str(b, n->country);
    put_str(b, "latitude");
    put_float(b, n->lat);
    put_str(b, "longitude");
    put_float(b, n->lon);
    put_str(b, "postcode");
    put_str(b, "");
    put_str(b, "state1");
    put_str(b, "");
    put_str(b, "state2");
    put_str(b, "");
    put_str(b, "timezone");
    put_str(b, "");
}

/* {city: {names: {en}}, country: {iso_code}, location: {accuracy_radius, latitude,
 * longitude}}, as GeoLite2-City and DB-IP City Lite have them. */
static void put_city(struct bytes *b, const struct net *n)
{
    ctrl(b, T_MAP, n->city ? 3 : 2);
    if (n->city) {
        put_str(b, "city");
        ctrl(b, T_MAP, 1);
        put_str(b, "names");
        ctrl(b, T_MAP, 1);
        put_str(b, "en");
        put_str(b, n->city);
    }
    put_str(b, "country");
    ctrl(b, T_MAP, 1);
    put_str(b, "iso_code");
    put_str(b, n->country);
    put_str(b, "location");
    ctrl(b, T_MAP, 3);
    put_str(b, "accuracy_radius");
    put_uint(b, T_UINT16, n->radius);
    put_str(b, "latitude");
    put_double(b, n->lat);
    put_str(b, "longitude");
    put_double(b, n->lon);
}

static uint32_t record_value(struct rec r, uint32_t node_count)
{
    switch (r.kind) {
    case R_NODE:
        return r.v;
    case R_DATA:
        return node_count + 16 + r.v;
    default:
        return node_count;
    }
}

unsigned char *m365_mmdb_writer_build(struct m365_mmdb_writer *w, unsigned record_size,
                                      size_t *len)
{
    if ((record_size != 24 && record_size != 28) || !w->epoch) {
        return NULL; /* libmaxminddb takes build_epoch 0 for "missing" and refuses the file */
    }
    /* Shorter networks first, so that a more specific one splits them afterwards. */
    struct net *nets = malloc((w->n ? w->n : 1) * sizeof(*nets));
    struct node *nodes = malloc(sizeof(*nodes));
    size_t *offsets = malloc((w->n ? w->n : 1) * sizeof(*offsets));
    size_t *seen = NULL;
    struct bytes data = {0}, out = {0};
    size_t n_nodes = 1, cap_nodes = 1;
    unsigned char *result = NULL;
    if (!nets || !nodes || !offsets) {
        goto done;
    }
    if (w->n) {
        memcpy(nets, w->nets, w->n * sizeof(*nets));
    }
    qsort(nets, w->n, sizeof(*nets), cmp_net);
    memset(nodes, 0, sizeof(*nodes));

    /* Data section: one map per distinct record, shared by networks that have it (found by
     * hashing: a simulated Internet has tens of thousands of addresses). */
    size_t cap = 16;
    while (cap < 2 * w->n) {
        cap *= 2;
    }
    seen = malloc(cap * sizeof(*seen));
    if (!seen) {
        goto done;
    }
    for (size_t i = 0; i < cap; i++) {
        seen[i] = SIZE_MAX;
    }
    for (size_t i = 0; i < w->n; i++) {
        size_t h = (size_t)data_hash(&nets[i]) & (cap - 1);
        while (seen[h] != SIZE_MAX && !same_data(&nets[seen[h]], &nets[i])) {
            h = (h + 1) & (cap - 1);
        }
        if (seen[h] != SIZE_MAX) {
            offsets[i] = offsets[seen[h]];
            continue;
        }
        seen[h] = i;
        offsets[i] = data.n;
        if (nets[i].ipinfo) {
            put_ipinfo(&data, &nets[i]);
            continue;
        }
        if (nets[i].country) {
            (w->flat ? put_city_flat : put_city)(&data, &nets[i]);
            continue;
        }
        ctrl(&data, T_MAP, nets[i].org ? 2 : 1);
        put_str(&data, "autonomous_system_number");
        put_uint(&data, T_UINT32, nets[i].asn);
        if (nets[i].org) {
            put_str(&data, "autonomous_system_organization");
            put_str(&data, nets[i].org);
        }
    }

    /* The tree: walk the network's bits from the root, splitting any record on the way. */
    /* An IPv4 tree starts at the 97th bit of the IPv6 one (IPv4 lives in ::/96 there). */
    unsigned from = w->ipv4_only ? 96 : 0;
    for (size_t i = 0; i < w->n; i++) {
        uint32_t cur = 0;
        for (unsigned bit = from; bit < nets[i].len; bit++) {
            unsigned b = (nets[i].addr[bit / 8] >> (7 - bit % 8)) & 1;
            if (bit + 1 == nets[i].len) {
                nodes[cur].r[b] = (struct rec){R_DATA, (uint32_t)offsets[i]};
                break;
            }
            if (nodes[cur].r[b].kind != R_NODE) {
                if (n_nodes == cap_nodes) {
                    struct node *nn = realloc(nodes, cap_nodes * 2 * sizeof(*nn));
                    if (!nn) {
                        goto done;
                    }
                    nodes = nn;
                    cap_nodes *= 2;
                }
                struct rec inherited = nodes[cur].r[b];
                nodes[n_nodes].r[0] = nodes[n_nodes].r[1] = inherited;
                nodes[cur].r[b] = (struct rec){R_NODE, (uint32_t)n_nodes};
                n_nodes++;
            }
            cur = nodes[cur].r[b].v;
        }
    }

    uint64_t max = (uint64_t)1 << record_size;
    if (n_nodes + 16 + data.n >= max || data.oom) {
        goto done;
    }
    uint32_t nc = (uint32_t)n_nodes;
    for (size_t i = 0; i < n_nodes; i++) {
        uint32_t l = record_value(nodes[i].r[0], nc), r = record_value(nodes[i].r[1], nc);
        if (record_size == 24) {
            unsigned char b[6] = {(unsigned char)(l >> 16), (unsigned char)(l >> 8),
                                  (unsigned char)l,         (unsigned char)(r >> 16),
                                  (unsigned char)(r >> 8),  (unsigned char)r};
            put(&out, b, sizeof(b));
        } else {
            /* 28 bits: the middle byte holds the top nibble of each record. */
            unsigned char b[7] = {(unsigned char)(l >> 16),
                                  (unsigned char)(l >> 8),
                                  (unsigned char)l,
                                  (unsigned char)(((l >> 24) & 0x0f) << 4 | ((r >> 24) & 0x0f)),
                                  (unsigned char)(r >> 16),
                                  (unsigned char)(r >> 8),
                                  (unsigned char)r};
            put(&out, b, sizeof(b));
        }
    }
    static const unsigned char zeros[16];
    put(&out, zeros, sizeof(zeros));
    put(&out, data.p ? data.p : zeros, data.n);
    put(&out, "\xAB\xCD\xEFMaxMind.com", 14);

    ctrl(&out, T_MAP, 9);
    put_str(&out, "binary_format_major_version");
    put_uint(&out, T_UINT16, 2);
    put_str(&out, "binary_format_minor_version");
    put_uint(&out, T_UINT16, 0);
    put_str(&out, "build_epoch");
    put_uint(&out, T_UINT64, w->epoch);
    put_str(&out, "database_type");
    put_str(&out, w->type);
    put_str(&out, "description");
    ctrl(&out, T_MAP, 1);
    put_str(&out, "en");
    put_str(&out, w->description);
    put_str(&out, "ip_version");
    put_uint(&out, T_UINT16, w->ipv4_only ? 4 : 6);
    put_str(&out, "languages");
    ctrl(&out, T_ARRAY, 1);
    put_str(&out, "en");
    put_str(&out, "node_count");
    put_uint(&out, T_UINT32, nc);
    put_str(&out, "record_size");
    put_uint(&out, T_UINT16, record_size);
    if (!out.oom) {
        result = out.p;
        *len = out.n;
        out.p = NULL;
    }
done:
    free(out.p);
    free(data.p);
    free(nets);
    free(nodes);
    free(offsets);
    free(seen);
    return result;
}

int m365_mmdb_writer_write(struct m365_mmdb_writer *w, unsigned record_size, const char *path)
{
    size_t len;
    unsigned char *db = m365_mmdb_writer_build(w, record_size, &len);
    if (!db) {
        errno = EINVAL;
        return -1;
    }
    FILE *f = fopen(path, "wb");
    int rc = -1;
    if (f) {
        rc = fwrite(db, 1, len, f) == len ? 0 : -1;
        if (fclose(f) != 0) {
            rc = -1;
        }
    }
    free(db);
    return rc;
}
