#include "event_pack.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../core/norm.h"
#include "../core/region.h"
#include "../core/swar.h"
#include "../readers/reader.h"

/* Slots, in order: the 25 strings of struct m365_event, then the rest. A reference slot is a
 * pointer (wide) or a 32-bit offset (narrow; the reader then lives in the header); geo is two
 * doubles; counts are four 32-bit (wide), 16-bit (narrow) or 8-bit (narrow, all under 256)
 * numbers; the error code is 32 bits, kept only when not 0. The slot indexes named below are
 * checked by tests/unit/test_event_pack.c through the getters. */
static const size_t str_off[] = {
    offsetof(struct m365_event, reader),
    offsetof(struct m365_event, workload),
    offsetof(struct m365_event, operation),
    offsetof(struct m365_event, operation_raw),
    offsetof(struct m365_event, category),
    offsetof(struct m365_event, result_detail),
    offsetof(struct m365_event, actor_upn),
    offsetof(struct m365_event, actor_id),
    offsetof(struct m365_event, actor_name),
    offsetof(struct m365_event, actor_app_id),
    offsetof(struct m365_event, ip),
    offsetof(struct m365_event, user_agent),
    offsetof(struct m365_event, app_id),
    offsetof(struct m365_event, app_name),
    offsetof(struct m365_event, client_app_id),
    offsetof(struct m365_event, resource_id),
    offsetof(struct m365_event, resource_name),
    offsetof(struct m365_event, client_app_used),
    offsetof(struct m365_event, auth_requirement),
    offsetof(struct m365_event, session_id),
    offsetof(struct m365_event, correlation_id),
    offsetof(struct m365_event, token_id),
    offsetof(struct m365_event, tenant_id),
    offsetof(struct m365_event, country),
    offsetof(struct m365_event, city),
};
#define N_STR (sizeof(str_off) / sizeof(str_off[0]))
enum {
    S_READER = 0,
    S_OPERATION = 2,
    S_OPERATION_RAW = 3,
    S_TENANT = 22,
    S_GEO = N_STR, /* lat, lon */
    S_MAIL,
    S_COUNTS, /* n_targets, n_props; n_params, n_extra */
    S_TARGETS,
    S_PROPS,
    S_PARAMS,
    S_EXTRA,
    S_RECORD_ID,
    S_ERROR,
    S_COUNT
};
#define BIT(s) (1ull << (s))
/* Flags after the slots. The record's operation as written is nearly always the normalised
 * one (the same interned string): a flag says so instead of a second reference. */
#define F_OP_RAW_SAME BIT(62)
#define F_SMALL_COUNTS BIT(61)
/* Line and offset in 32 bits each (else 64): any file under 4 GiB, and the first 4 GiB of
 * larger ones. */
#define F_SMALL_POS BIT(60)
/* A record id written as a canonical GUID (nearly all of them) is kept as its 16 bytes, after
 * the slots, in place of a reference to a copy of its 36 characters; the second flag says its
 * letters were upper case. */
#define F_GUID_ID BIT(59)
#define F_GUID_UPPER BIT(58)
/* Header fields that take a bit or two: narrow (M365_PACKED_NARROW, bit 57), has_geo, and
 * is_interactive + 1 (-1, 0 or 1; the event model has no other). A RecordType outside 16 bits
 * goes in 4 bytes at the very end. */
#define F_HAS_GEO BIT(56)
#define F_INTERACTIVE_SHIFT 54
#define F_INTERACTIVE (3ull << F_INTERACTIVE_SHIFT)
#define F_WIDE_RECORD_TYPE BIT(53)
_Static_assert(M365_PACKED_NARROW == BIT(57), "the narrow flag is bit 57");
_Static_assert(S_COUNT <= 53, "slots fit the present mask, below the flags");
/* Slots that are one reference (pointer or offset); geo, counts and the error are values. */
#define REFS (((1ull << S_COUNT) - 1) & ~(BIT(S_GEO) | BIT(S_COUNTS) | BIT(S_ERROR)))

/* Bytes of line and offset (then comes the evidence file's reference). */
static inline size_t pos_bytes(uint64_t m)
{
    return (m & F_SMALL_POS) ? 8 : 16;
}

_Static_assert(sizeof(struct m365_packed) % 8 == 0, "header is whole words");

static const char *str_at(const struct m365_event *ev, size_t k)
{
    return *(const char *const *)((const char *)ev + str_off[k]);
}

static uint64_t present_of(const struct m365_event *ev)
{
    uint64_t m = 0;
    for (size_t k = 0; k < N_STR; k++) {
        if (str_at(ev, k)) {
            m |= BIT(k);
        }
    }
    uint64_t lat, lon; /* bits: -0.0 must come back as -0.0 */
    memcpy(&lat, &ev->lat, 8);
    memcpy(&lon, &ev->lon, 8);
    if (ev->has_geo || lat || lon) {
        m |= BIT(S_GEO);
    }
    if (ev->mail) {
        m |= BIT(S_MAIL);
    }
    if (ev->n_targets || ev->n_props || ev->n_params || ev->n_extra) {
        m |= BIT(S_COUNTS);
    }
    m |= ev->targets ? BIT(S_TARGETS) : 0;
    m |= ev->props ? BIT(S_PROPS) : 0;
    m |= ev->params ? BIT(S_PARAMS) : 0;
    m |= ev->extra ? BIT(S_EXTRA) : 0;
    m |= ev->evidence.record_id ? BIT(S_RECORD_ID) : 0;
    m |= ev->error_code ? BIT(S_ERROR) : 0;
    if (ev->operation_raw && ev->operation_raw == ev->operation) {
        m = (m & ~BIT(S_OPERATION_RAW)) | F_OP_RAW_SAME;
    }
    return m;
}

static const void *ref_of(const struct m365_event *ev, unsigned s)
{
    switch (s) {
    case S_MAIL:
        return ev->mail;
    case S_TARGETS:
        return ev->targets;
    case S_PROPS:
        return ev->props;
    case S_PARAMS:
        return ev->params;
    case S_EXTRA:
        return ev->extra;
    case S_RECORD_ID:
        return ev->evidence.record_id;
    default:
        return str_at(ev, s);
    }
}

static unsigned reader_index(const char *name)
{
    for (size_t i = 0; i < m365_n_readers_registered && i < 255; i++) {
        if (m365_readers[i]->name == name) {
            return (unsigned)i + 1;
        }
    }
    return 0;
}

/* Narrow when every reference lies in the region, the reader is a registered one and the
 * counts fit 16 bits. */
static bool fits_narrow(const struct m365_event *ev, uint64_t m, const struct m365_region *r)
{
    if (!r || !r->base || !m365_region_has(r, ev->evidence.file)) {
        return false;
    }
    if (ev->reader && !reader_index(ev->reader)) {
        return false;
    }
    uint64_t refs = m & REFS & ~BIT(S_READER);
    while (refs) {
        unsigned s = (unsigned)__builtin_ctzll(refs);
        refs &= refs - 1;
        if (!m365_region_has(r, ref_of(ev, s))) {
            return false;
        }
    }
    return ev->n_targets <= UINT16_MAX && ev->n_props <= UINT16_MAX &&
           ev->n_params <= UINT16_MAX && ev->n_extra <= UINT16_MAX;
}

/* Bytes of the body before slot s (s = S_COUNT: the whole body). */
static size_t body_before(uint64_t m, bool narrow, unsigned s)
{
    uint64_t below = m & (BIT(s) - 1);
    uint64_t refs = below & REFS;
    if (narrow) {
        refs &= ~BIT(S_READER);
    }
    size_t ref = narrow ? 4 : 8;
    size_t counts = !narrow ? 16 : (m & F_SMALL_COUNTS) ? 4 : 8;
    return pos_bytes(m) + ref + ref * (size_t)m365_popcount64(refs) +
           (below & BIT(S_GEO) ? 16 : 0) + (below & BIT(S_COUNTS) ? counts : 0) +
           (below & BIT(S_ERROR) ? 4 : 0);
}

/* Bytes of the body: the slots, then a GUID record id, then a wide RecordType. */
static size_t body_bytes(uint64_t m, bool narrow)
{
    return body_before(m, narrow, S_COUNT) + ((m & F_GUID_ID) ? 16 : 0) +
           ((m & F_WIDE_RECORD_TYPE) ? 4 : 0);
}

static size_t words_of(uint64_t m, bool narrow)
{
    return sizeof(struct m365_packed) / 8 + (body_bytes(m, narrow) + 7) / 8;
}

static unsigned char *body(const struct m365_packed *p)
{
    return (unsigned char *)(uintptr_t)p + sizeof(*p);
}

struct writer {
    unsigned char *at;
    const char *base; /* narrow: the region's base; wide: NULL */
};

static void put_ref(struct writer *w, const void *v)
{
    if (w->base) {
        uint32_t off = (uint32_t)((uintptr_t)v - (uintptr_t)w->base);
        memcpy(w->at, &off, 4);
        w->at += 4;
    } else {
        memcpy(w->at, &v, 8);
        w->at += 8;
    }
}

static void put_bytes(struct writer *w, const void *v, size_t n)
{
    memcpy(w->at, v, n);
    w->at += n;
}

_Static_assert(sizeof(struct m365_packed) + 16 + 8 + 8 * (S_COUNT + 2) + 16 + 4 <= M365_PACKED_MAX,
               "the largest event fits M365_PACKED_MAX");

static bool counts_small(const struct m365_event *ev)
{
    return ev->n_targets <= UINT8_MAX && ev->n_props <= UINT8_MAX && ev->n_params <= UINT8_MAX &&
           ev->n_extra <= UINT8_MAX;
}

size_t m365_event_pack(const struct m365_event *ev, const struct m365_region *r,
                       uint64_t rebase_max, struct m365_packed *out)
{
    uint64_t m = present_of(ev);
    uint8_t guid[16];
    bool upper;
    const char *rid = ev->evidence.record_id;
    if (rid && m365_guid_pack(rid, strnlen(rid, M365_GUID_LEN + 1), guid, &upper)) {
        m = (m & ~BIT(S_RECORD_ID)) | F_GUID_ID | (upper ? F_GUID_UPPER : 0);
    }
    bool narrow = fits_narrow(ev, m, r);
    if (narrow && (m & BIT(S_COUNTS)) && counts_small(ev)) {
        m |= F_SMALL_COUNTS;
    }
    if (rebase_max <= UINT32_MAX && ev->evidence.line <= UINT32_MAX - rebase_max &&
        ev->evidence.offset <= UINT32_MAX - rebase_max) {
        m |= F_SMALL_POS;
    }
    m |= narrow ? M365_PACKED_NARROW : 0;
    m |= ev->has_geo ? F_HAS_GEO : 0;
    int ia = ev->is_interactive < 0 ? -1 : ev->is_interactive > 0 ? 1 : 0;
    m |= (uint64_t)(ia + 1) << F_INTERACTIVE_SHIFT;
    bool rt16 = ev->record_type >= INT16_MIN && ev->record_type <= INT16_MAX;
    m |= rt16 ? 0 : F_WIDE_RECORD_TYPE;
    out->time_ms = ev->time_ms;
    out->present = m;
    out->record_type = rt16 ? (int16_t)ev->record_type : 0;
    out->log_source = ev->log_source;
    out->kind = ev->kind;
    out->result = ev->result;
    out->actor_type = ev->actor_type;
    out->words = (uint8_t)words_of(m, narrow);
    out->reader = narrow && ev->reader ? (uint8_t)reader_index(ev->reader) : 0;
    struct writer w = {body(out), narrow ? r->base : NULL};
    if (m & F_SMALL_POS) {
        uint32_t pos[2] = {(uint32_t)ev->evidence.line, (uint32_t)ev->evidence.offset};
        put_bytes(&w, pos, 8);
    } else {
        put_bytes(&w, &ev->evidence.line, 8);
        put_bytes(&w, &ev->evidence.offset, 8);
    }
    put_ref(&w, ev->evidence.file);
    for (unsigned k = 0; k < N_STR; k++) {
        if ((m & BIT(k)) && !(narrow && k == S_READER)) {
            put_ref(&w, str_at(ev, k));
        }
    }
    if (m & BIT(S_GEO)) {
        put_bytes(&w, &ev->lat, 8);
        put_bytes(&w, &ev->lon, 8);
    }
    if (m & BIT(S_MAIL)) {
        put_ref(&w, ev->mail);
    }
    if (m & BIT(S_COUNTS)) {
        uint32_t n[4] = {ev->n_targets, ev->n_props, ev->n_params, ev->n_extra};
        for (int i = 0; i < 4; i++) {
            if (m & F_SMALL_COUNTS) {
                uint8_t v = (uint8_t)n[i];
                put_bytes(&w, &v, 1);
            } else if (narrow) {
                uint16_t v = (uint16_t)n[i];
                put_bytes(&w, &v, 2);
            } else {
                put_bytes(&w, &n[i], 4);
            }
        }
    }
    for (unsigned k = S_TARGETS; k <= S_RECORD_ID; k++) {
        if (m & BIT(k)) {
            put_ref(&w, ref_of(ev, k));
        }
    }
    if (m & BIT(S_ERROR)) {
        put_bytes(&w, &ev->error_code, 4);
    }
    if (m & F_GUID_ID) {
        put_bytes(&w, guid, 16);
    }
    if (m & F_WIDE_RECORD_TYPE) {
        put_bytes(&w, &ev->record_type, 4);
    }
    /* The tail of the last word: zero, so equal events pack to equal bytes. */
    unsigned char *end = (unsigned char *)out + (size_t)out->words * 8;
    memset(w.at, 0, (size_t)(end - w.at));
    return (size_t)out->words * 8;
}

struct reader_ {
    const unsigned char *at;
    const char *base;
};

static const void *get_ref(struct reader_ *rd)
{
    if (rd->base) {
        uint32_t off;
        memcpy(&off, rd->at, 4);
        rd->at += 4;
        return rd->base + off;
    }
    const void *v;
    memcpy(&v, rd->at, 8);
    rd->at += 8;
    return v;
}

void m365_event_unpack(const struct m365_packed *p, const struct m365_region *r, uint32_t seq,
                       struct m365_event *out)
{
    memset(out, 0, sizeof(*out));
    uint64_t m = p->present;
    out->time_ms = p->time_ms;
    out->seq = seq;
    out->record_type = p->record_type;
    if (m & F_WIDE_RECORD_TYPE) {
        memcpy(&out->record_type, body(p) + body_bytes(m, m365_packed_narrow(p)) - 4, 4);
    }
    out->log_source = p->log_source;
    out->kind = p->kind;
    out->result = p->result;
    out->actor_type = p->actor_type;
    out->is_interactive = (int8_t)((int)((m & F_INTERACTIVE) >> F_INTERACTIVE_SHIFT) - 1);
    out->has_geo = (m & F_HAS_GEO) != 0;
    struct reader_ rd = {body(p), m365_packed_narrow(p) ? r->base : NULL};
    out->evidence.line = m365_packed_line(p);
    out->evidence.offset = m365_packed_offset(p);
    rd.at += pos_bytes(m);
    out->evidence.file = get_ref(&rd);
    uint64_t sm = m & (BIT(N_STR) - 1);
    if (m365_packed_narrow(p) && (m & BIT(S_READER))) {
        out->reader = p->reader ? m365_readers[p->reader - 1]->name : NULL;
        sm &= ~BIT(S_READER);
    }
    while (sm) {
        size_t k = (size_t)__builtin_ctzll(sm);
        sm &= sm - 1;
        const void *v = get_ref(&rd);
        memcpy((char *)out + str_off[k], &v, sizeof(v));
    }
    if (m & F_OP_RAW_SAME) {
        out->operation_raw = out->operation;
    }
    if (m & BIT(S_GEO)) {
        memcpy(&out->lat, rd.at, 8);
        memcpy(&out->lon, rd.at + 8, 8);
        rd.at += 16;
    }
    if (m & BIT(S_MAIL)) {
        out->mail = get_ref(&rd);
    }
    if (m & BIT(S_COUNTS)) {
        uint32_t n[4];
        for (int i = 0; i < 4; i++) {
            if (m & F_SMALL_COUNTS) {
                n[i] = *rd.at++;
            } else if (m365_packed_narrow(p)) {
                uint16_t v;
                memcpy(&v, rd.at, 2);
                rd.at += 2;
                n[i] = v;
            } else {
                memcpy(&n[i], rd.at, 4);
                rd.at += 4;
            }
        }
        out->n_targets = n[0];
        out->n_props = n[1];
        out->n_params = n[2];
        out->n_extra = n[3];
    }
    if (m & BIT(S_TARGETS)) {
        out->targets = get_ref(&rd);
    }
    if (m & BIT(S_PROPS)) {
        out->props = get_ref(&rd);
    }
    if (m & BIT(S_PARAMS)) {
        out->params = get_ref(&rd);
    }
    if (m & BIT(S_EXTRA)) {
        out->extra = get_ref(&rd);
    }
    if (m & BIT(S_RECORD_ID)) {
        out->evidence.record_id = get_ref(&rd);
    }
    if (m & BIT(S_ERROR)) {
        memcpy(&out->error_code, rd.at, 4);
    }
}

/* The reference in slot s, or NULL when the event lacks it. */
static const char *slot_ref(const struct m365_packed *p, const struct m365_region *r, unsigned s)
{
    if (!(p->present & BIT(s))) {
        return NULL;
    }
    struct reader_ rd = {body(p) + body_before(p->present, m365_packed_narrow(p), s),
                         m365_packed_narrow(p) ? r->base : NULL};
    return get_ref(&rd);
}

bool m365_packed_guid_id(const struct m365_packed *p, char out[M365_GUID_LEN + 1])
{
    if (!(p->present & F_GUID_ID)) {
        return false;
    }
    m365_guid_format(body(p) + body_before(p->present, m365_packed_narrow(p), S_COUNT),
                     (p->present & F_GUID_UPPER) != 0, out);
    return true;
}

const char *m365_packed_record_id(const struct m365_packed *p, const struct m365_region *r,
                                  char guid[M365_GUID_LEN + 1])
{
    return m365_packed_guid_id(p, guid) ? guid : slot_ref(p, r, S_RECORD_ID);
}

const char *m365_packed_tenant_id(const struct m365_packed *p, const struct m365_region *r)
{
    return slot_ref(p, r, S_TENANT);
}

const char *m365_packed_file(const struct m365_packed *p, const struct m365_region *r)
{
    struct reader_ rd = {body(p) + pos_bytes(p->present), m365_packed_narrow(p) ? r->base : NULL};
    return get_ref(&rd);
}

uint64_t m365_packed_line(const struct m365_packed *p)
{
    if (p->present & F_SMALL_POS) {
        uint32_t v;
        memcpy(&v, body(p), 4);
        return v;
    }
    uint64_t v;
    memcpy(&v, body(p), 8);
    return v;
}

uint64_t m365_packed_offset(const struct m365_packed *p)
{
    if (p->present & F_SMALL_POS) {
        uint32_t v;
        memcpy(&v, body(p) + 4, 4);
        return v;
    }
    uint64_t v;
    memcpy(&v, body(p) + 8, 8);
    return v;
}

bool m365_packed_rebase(struct m365_packed *p, uint64_t line_base, uint64_t off_base)
{
    uint64_t line = m365_packed_line(p) + line_base, off = m365_packed_offset(p) + off_base;
    if (p->present & F_SMALL_POS) {
        if (line > UINT32_MAX || off > UINT32_MAX) {
            return false; /* a base over the rebase_max it was packed with */
        }
        uint32_t pos[2] = {(uint32_t)line, (uint32_t)off};
        memcpy(body(p), pos, 8);
    } else {
        memcpy(body(p), &line, 8);
        memcpy(body(p) + 8, &off, 8);
    }
    return true;
}

static inline bool before(const struct m365_time_key *x, const struct m365_time_key *y)
{
    return x->time_ms < y->time_ms || (x->time_ms == y->time_ms && x->seq < y->seq);
}

/* Merges the sorted a[lo, mid) and a[mid, hi), copying the shorter side to tmp. */
static void merge(struct m365_time_key *a, size_t lo, size_t mid, size_t hi,
                  struct m365_time_key *tmp)
{
    if (!before(&a[mid], &a[mid - 1])) {
        return; /* already in order */
    }
    size_t nl = mid - lo, nr = hi - mid;
    if (nl <= nr) {
        memcpy(tmp, a + lo, nl * sizeof(*tmp));
        size_t i = 0, j = mid, k = lo;
        while (i < nl && j < hi) {
            a[k++] = before(&a[j], &tmp[i]) ? a[j++] : tmp[i++];
        }
        while (i < nl) {
            a[k++] = tmp[i++];
        }
        return;
    }
    memcpy(tmp, a + mid, nr * sizeof(*tmp));
    size_t i = nr, j = mid, k = hi; /* one past the next to place, from the top down */
    while (i > 0 && j > lo) {
        a[--k] = before(&tmp[i - 1], &a[j - 1]) ? a[--j] : tmp[--i];
    }
    while (i > 0) {
        a[--k] = tmp[--i];
    }
}

/* Sorts a[0, n). Runs in falling order are turned round first (keys are unique, so this keeps
 * the order qsort gives): Graph and Purview exports list the newest first, and the merges then
 * find their halves in order. */
static void sort_keys(struct m365_time_key *a, size_t n, struct m365_time_key *tmp)
{
    enum { BLOCK = 32 };
    for (size_t lo = 0; lo + 1 < n;) {
        size_t hi = lo + 1;
        while (hi < n && before(&a[hi], &a[hi - 1])) {
            hi++;
        }
        for (size_t i = lo, j = hi - 1; i < j; i++, j--) {
            struct m365_time_key t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        lo = hi;
    }
    for (size_t lo = 0; lo < n; lo += BLOCK) {
        size_t hi = lo + BLOCK < n ? lo + BLOCK : n;
        for (size_t i = lo + 1; i < hi; i++) {
            struct m365_time_key x = a[i];
            size_t j = i;
            for (; j > lo && before(&x, &a[j - 1]); j--) {
                a[j] = a[j - 1];
            }
            a[j] = x;
        }
    }
    for (size_t w = BLOCK; w < n; w *= 2) {
        for (size_t lo = 0; lo + w < n; lo += 2 * w) {
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            merge(a, lo, lo + w, hi, tmp);
        }
    }
}

int m365_time_keys_sort(struct m365_time_key *k, size_t n)
{
    if (n < 2) {
        return 0;
    }
    struct m365_time_key *tmp = malloc((n / 2 + 1) * sizeof(*tmp));
    if (!tmp) {
        return -1;
    }
    sort_keys(k, n, tmp);
    free(tmp);
    return 0;
}
