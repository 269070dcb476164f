/* The scan keeps events packed (src/lib/engine/event_pack.c). Packing then unpacking must give
 * back every field, whatever subset of them a record carries; the field getters must agree
 * with the unpacked event; the short forms must take the room they are there to save; and the
 * scan's two ways of handing an event out must agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <stdbool.h>

#include "core/buf.h"
#include "core/region.h"
#include "engine/event_pack.h"
#include "engine/scan_internal.h"
#include "readers/reader.h"
#include "m365hunt/m365hunt.h"
#include "test_util.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t next64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static bool coin(void) { return next64() & 1; }

/* Record ids as GUIDs (the last three: lower case, upper case, mixed) are kept as 16 bytes
 * when their letters are all of one case. */
static const char *const words[] = {"a", "Exchange", "MailItemsAccessed", "alice@contoso.com",
                                    "203.0.113.7", "x y z",
                                    "00000002-0000-0ff1-ce00-000000000000",
                                    "9F5A2C1E-0B7D-4E3A-8C6F-1D2E3F4A5B6C",
                                    "9f5a2c1e-0B7D-4e3a-8c6f-1d2e3f4a5b6c"};
#define NW (sizeof(words) / sizeof(words[0]))

/* Values as a scan holds them: copies in the region, plus one string from elsewhere (which
 * makes its event wide). */
struct pool {
    struct m365_region region;
    const char *in[NW];
    struct m365_mail_access *mail;
    struct m365_target *tg;
    struct m365_kv *kv;
    struct m365_modprop *mp;
};

static void pool_init(struct pool *p)
{
    m365_region_init(&p->region, (size_t)1 << 26);
    assert_non_null(p->region.base);
    for (size_t i = 0; i < NW; i++) {
        char *c = m365_region_alloc(&p->region, strlen(words[i]) + 1);
        memcpy(c, words[i], strlen(words[i]) + 1);
        p->in[i] = c;
    }
    p->mail = m365_region_alloc(&p->region, sizeof(*p->mail));
    p->tg = m365_region_alloc(&p->region, sizeof(*p->tg));
    p->kv = m365_region_alloc(&p->region, 2 * sizeof(*p->kv));
    p->mp = m365_region_alloc(&p->region, sizeof(*p->mp));
}

/* A GUID the table keeps as 16 bytes: 8-4-4-4-12 hex digits, letters of one case. */
static bool packable_guid(const char *s)
{
    if (!s || strlen(s) != 36) {
        return false;
    }
    bool lower = false, upper = false;
    for (size_t i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') {
                return false;
            }
        } else if (c >= 'a' && c <= 'f') {
            lower = true;
        } else if (c >= 'A' && c <= 'F') {
            upper = true;
        } else if (c < '0' || c > '9') {
            return false;
        }
    }
    return !(lower && upper);
}

static bool outside; /* this event got a pointer from outside the region */

static const char *maybe_str(const struct pool *p)
{
    if (!coin()) {
        return NULL;
    }
    if (next64() % 64 == 0) {
        outside = true;
        return words[next64() % NW];
    }
    return p->in[next64() % NW];
}

static uint32_t count(bool *big)
{
    if (next64() % 32 == 0) {
        *big = true;
        return 65536u + (uint32_t)(next64() % 100000);
    }
    /* Under 256 (four fit a word), or not. */
    return (uint32_t)(next64() % (coin() ? 255 : 4096)) + 1;
}

/* A random event; *narrow_ok says whether it can be packed narrow. */
static void random_event(struct m365_event *ev, const struct pool *p, bool *narrow_ok)
{
    outside = false;
    bool big = false;
    memset(ev, 0, sizeof(*ev));
    ev->time_ms = coin() ? M365_TIME_NONE : (int64_t)(next64() % 4000000000000ull) - 1000;
    ev->seq = (uint32_t)next64();
    ev->log_source = (uint8_t)(next64() % M365_LOG__COUNT);
    ev->kind = (uint8_t)(next64() % M365_EV__COUNT);
    ev->result = (uint8_t)(next64() % 4);
    ev->actor_type = (uint8_t)(next64() % 4);
    ev->is_interactive = (int8_t)((int)(next64() % 3) - 1);
    ev->error_code = coin() ? 0 : (int32_t)next64();
    ev->record_type = coin() ? -1 : next64() % 8 ? (int32_t)(next64() % 400) : (int32_t)next64();
    const char **fields[] = {
        &ev->workload,      &ev->operation,      &ev->operation_raw,  &ev->category,
        &ev->result_detail, &ev->actor_upn,      &ev->actor_id,       &ev->actor_name,
        &ev->actor_app_id,  &ev->ip,             &ev->user_agent,     &ev->app_id,
        &ev->app_name,      &ev->client_app_id,  &ev->resource_id,    &ev->resource_name,
        &ev->client_app_used, &ev->auth_requirement, &ev->session_id, &ev->correlation_id,
        &ev->token_id,      &ev->tenant_id,      &ev->country,        &ev->city};
    /* Most records' operation needs no normalising: the raw one is the same string. */
    bool op_same = coin();
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        *fields[i] = op_same && fields[i] == &ev->operation_raw ? ev->operation : maybe_str(p);
    }
    /* The reader: a registered one (by its registry pointer), none, or a stray name. */
    unsigned rk = (unsigned)(next64() % 8);
    if (rk < 6 && rk < m365_n_readers_registered) {
        ev->reader = m365_readers[rk]->name;
    } else if (rk == 7) {
        ev->reader = p->in[next64() % NW];
        outside = true; /* in the region, but not a registered reader */
    }
    if (coin()) {
        ev->has_geo = coin();
        ev->lat = (double)(int64_t)(next64() % 180000) / 1000.0 - 90.0;
        ev->lon = coin() ? -0.0 : (double)(int64_t)(next64() % 360000) / 1000.0 - 180.0;
    }
    ev->mail = coin() ? p->mail : NULL;
    if (coin()) {
        ev->n_targets = count(&big);
        ev->targets = p->tg;
    }
    if (coin()) {
        ev->n_props = count(&big);
        ev->props = p->mp;
    }
    if (coin()) {
        ev->n_params = count(&big);
        ev->params = p->kv;
    }
    if (coin()) {
        ev->n_extra = count(&big);
        ev->extra = p->kv + 1;
    }
    ev->evidence.file = next64() % 64 ? p->in[next64() % NW] : (outside = true, words[0]);
    ev->evidence.line = next64() >> (next64() % 64);
    ev->evidence.offset = next64() >> (next64() % 64);
    bool was_outside = outside;
    ev->evidence.record_id = maybe_str(p);
    if (packable_guid(ev->evidence.record_id)) {
        outside = was_outside; /* kept as its 16 bytes: not a reference */
    }
    *narrow_ok = !outside && !big;
}

/* Unpacks p; a record id kept as a GUID must come back as the same text, and is then given
 * the original's pointer so that the two events compare whole. */
static void unpack_as(const struct m365_packed *p, const struct m365_region *r,
                      const struct m365_event *ev, struct m365_event *back)
{
    m365_event_unpack(p, r, ev->seq, back);
    char g[M365_GUID_LEN + 1];
    bool guid = m365_packed_guid_id(p, g);
    assert_int_equal(guid, packable_guid(ev->evidence.record_id));
    const char *rid = m365_packed_record_id(p, r, g);
    if (guid) {
        assert_null(back->evidence.record_id);
        assert_string_equal(g, ev->evidence.record_id);
        assert_ptr_equal(rid, g);
        back->evidence.record_id = ev->evidence.record_id;
    } else {
        assert_ptr_equal(rid, ev->evidence.record_id);
    }
}

static void check(const struct m365_event *ev, const struct m365_region *r, bool narrow)
{
    uint64_t buf[M365_PACKED_MAX / 8 + 1];
    struct m365_event back;
    memset(buf, 0xa5, sizeof(buf));
    struct m365_packed *p = (struct m365_packed *)buf;
    /* Room for the rebase below, or more, or (line and offset then as they are) none. */
    uint64_t room = next64() % 4 ? 11 + (next64() >> (next64() % 63 + 1)) : 0;
    size_t size = m365_event_pack(ev, r, room, p);
    assert_true(size % 8 == 0 && size <= M365_PACKED_MAX && size >= sizeof(struct m365_packed));
    assert_int_equal(m365_packed_narrow(p), narrow);
    assert_int_equal((size_t)p->words * 8, size);
    assert_int_equal(((unsigned char *)buf)[size], 0xa5); /* wrote no further */
    unpack_as(p, r, ev, &back);
    assert_memory_equal(ev, &back, sizeof(back));
    assert_ptr_equal(m365_packed_tenant_id(p, r), ev->tenant_id);
    assert_ptr_equal(m365_packed_file(p, r), ev->evidence.file);
    assert_true(m365_packed_line(p) == ev->evidence.line);
    assert_true(m365_packed_offset(p) == ev->evidence.offset);
    if (room == 0) {
        return;
    }
    assert_true(m365_packed_rebase(p, 7, 11));
    unpack_as(p, r, ev, &back);
    assert_true(back.evidence.line == ev->evidence.line + 7);
    assert_true(back.evidence.offset == ev->evidence.offset + 11);
}

static void round_trip(void **state)
{
    (void)state;
    struct pool pool;
    pool_init(&pool);
    unsigned narrow = 0, wide = 0;
    for (int i = 0; i < 200000; i++) {
        struct m365_event ev;
        bool ok;
        random_event(&ev, &pool, &ok);
        check(&ev, &pool.region, ok);
        check(&ev, NULL, false); /* no region: always wide */
        narrow += ok;
        wide += !ok;
    }
    assert_true(narrow > 1000 && wide > 1000); /* both forms were exercised */
    m365_region_free(&pool.region);
}

static size_t packed_size_room(const struct m365_event *ev, const struct m365_region *r,
                               uint64_t room)
{
    uint64_t buf[M365_PACKED_MAX / 8 + 1];
    struct m365_packed *p = (struct m365_packed *)buf;
    size_t size = m365_event_pack(ev, r, room, p);
    struct m365_event back;
    unpack_as(p, r, ev, &back);
    assert_memory_equal(ev, &back, sizeof(back));
    return size;
}

static size_t packed_size(const struct m365_event *ev, const struct m365_region *r)
{
    return packed_size_room(ev, r, 0);
}

/* Exact sizes: a 24-byte header, then line and offset (8 when both fit 32 bits with the room
 * asked for, else 16), the file (4) and 4 bytes per reference, counts in 4 bytes when all are
 * under 256 (else 8), the error code only when not 0, rounded up to 8 bytes. */
static void short_forms_save_room(void **state)
{
    (void)state;
    struct pool pool;
    pool_init(&pool);
    struct m365_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.time_ms = 1767225600000;
    ev.record_type = 50;
    ev.evidence.file = pool.in[1];
    ev.evidence.line = 12;
    ev.evidence.offset = 3456;
    ev.evidence.record_id = pool.in[5]; /* not a GUID: a reference */
    ev.operation = ev.operation_raw = pool.in[2];
    ev.tenant_id = pool.in[6];
    assert_int_equal(packed_size(&ev, &pool.region), 24 + 8 + 4 + 3 * 4 + 0); /* 48 */
    /* A RecordType is 16 bits in the header; one outside them takes 4 bytes more. */
    static const int32_t narrow_types[] = {-1, 0, INT16_MAX, INT16_MIN};
    for (size_t i = 0; i < sizeof(narrow_types) / sizeof(narrow_types[0]); i++) {
        ev.record_type = narrow_types[i];
        assert_int_equal(packed_size(&ev, &pool.region), 48);
    }
    static const int32_t wide_types[] = {INT16_MAX + 1, INT16_MIN - 1, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < sizeof(wide_types) / sizeof(wide_types[0]); i++) {
        ev.record_type = wide_types[i];
        assert_int_equal(packed_size(&ev, &pool.region), 24 + 8 + 4 + 3 * 4 + 4 + 4); /* 56 */
    }
    ev.record_type = 50;
    ev.operation_raw = pool.in[3]; /* written otherwise: its own reference */
    assert_int_equal(packed_size(&ev, &pool.region), 24 + 8 + 4 + 4 * 4 + 4); /* 56 */
    ev.operation_raw = ev.operation;
    ev.error_code = 50126;
    assert_int_equal(packed_size(&ev, &pool.region), 24 + 8 + 4 + 3 * 4 + 4 + 4); /* 56 */
    ev.error_code = 0;
    ev.targets = pool.tg;
    ev.n_targets = 255;
    assert_int_equal(packed_size(&ev, &pool.region), 24 + 8 + 4 + 4 * 4 + 4); /* 56 */
    ev.n_targets = 256;
    assert_int_equal(packed_size(&ev, &pool.region), 24 + 8 + 4 + 4 * 4 + 8 + 4); /* 64 */
    ev.n_targets = 3;
    ev.n_extra = 300;
    ev.extra = pool.kv;
    assert_int_equal(packed_size(&ev, &pool.region), 24 + 8 + 4 + 5 * 4 + 8); /* 64 */
    /* Wide: 8-byte references and 4-byte counts, the error still 4 bytes. */
    ev.error_code = -1;
    assert_int_equal(packed_size(&ev, NULL), 24 + 8 + 8 + 5 * 8 + 16 + 4 + 4); /* 104 */
    m365_region_free(&pool.region);
}

/* An event with a file and an operation only (its raw form the same), over a new pool. */
static void bare_event(struct m365_event *ev, struct pool *pool)
{
    pool_init(pool);
    memset(ev, 0, sizeof(*ev));
    ev->evidence.file = pool->in[1];
    ev->operation = ev->operation_raw = pool->in[2];
}

/* Line and offset take 4 bytes each up to 2^32 - 1, counting the room asked for a rebase; the
 * rebase fits in that room, and not past it. */
static void positions_short_and_long(void **state)
{
    (void)state;
    struct pool pool;
    struct m365_event ev;
    bare_event(&ev, &pool);
    const size_t small = 24 + 8 + 4 + 4, large = 24 + 16 + 4 + 4; /* 40, 48 */
    ev.evidence.line = UINT32_MAX;
    ev.evidence.offset = UINT32_MAX;
    assert_int_equal(packed_size(&ev, &pool.region), small);
    assert_int_equal(packed_size(&ev, NULL), 24 + 8 + 8 + 8 + 0);
    ev.evidence.offset = (uint64_t)UINT32_MAX + 1;
    assert_int_equal(packed_size(&ev, &pool.region), large);
    ev.evidence.offset = 5;
    ev.evidence.line = (uint64_t)UINT32_MAX + 1;
    assert_int_equal(packed_size(&ev, &pool.region), large);
    ev.evidence.line = 10;
    ev.evidence.offset = 20;
    assert_int_equal(packed_size_room(&ev, &pool.region, UINT32_MAX - 20), small);
    assert_int_equal(packed_size_room(&ev, &pool.region, UINT32_MAX - 19), large);
    assert_int_equal(packed_size_room(&ev, &pool.region, UINT64_MAX), large);
    /* Rebased by all the room it was packed with, then by a line more than that. */
    uint64_t buf[M365_PACKED_MAX / 8 + 1];
    struct m365_packed *p = (struct m365_packed *)buf;
    uint64_t room = UINT32_MAX - 20;
    assert_int_equal(m365_event_pack(&ev, &pool.region, room, p), small);
    assert_true(m365_packed_rebase(p, room, room));
    assert_true(m365_packed_line(p) == 10 + room && m365_packed_offset(p) == UINT32_MAX);
    assert_int_equal(m365_event_pack(&ev, &pool.region, room, p), small);
    assert_false(m365_packed_rebase(p, 10, (uint64_t)UINT32_MAX - 19));
    assert_true(m365_packed_line(p) == 10 && m365_packed_offset(p) == 20); /* unchanged */
    assert_false(m365_packed_rebase(p, (uint64_t)UINT32_MAX - 9, 0));
    assert_true(m365_packed_line(p) == 10 && m365_packed_offset(p) == 20);
    struct m365_event back;
    unpack_as(p, &pool.region, &ev, &back);
    assert_memory_equal(&ev, &back, sizeof(back));
    /* Long positions take any rebase. */
    ev.evidence.offset = (uint64_t)1 << 40;
    assert_int_equal(m365_event_pack(&ev, &pool.region, 0, p), large);
    assert_true(m365_packed_rebase(p, (uint64_t)1 << 33, (uint64_t)1 << 41));
    assert_true(m365_packed_line(p) == 10 + ((uint64_t)1 << 33));
    assert_true(m365_packed_offset(p) == ((uint64_t)3 << 40));
    m365_region_free(&pool.region);
}

/* A record id that is a GUID with letters of one case takes 16 bytes after the slots, in
 * place of a reference (4 bytes narrow, 8 wide) to its 36 characters elsewhere; anything else
 * stays a reference. */
static void guid_ids_take_16_bytes(void **state)
{
    (void)state;
    struct pool pool;
    struct m365_event ev;
    bare_event(&ev, &pool);
    for (size_t w = 6; w <= 7; w++) {
        ev.evidence.record_id = pool.in[w];
        assert_int_equal(packed_size(&ev, &pool.region), 24 + 8 + 4 + 4 + 16); /* 56 */
        assert_int_equal(packed_size(&ev, NULL), 24 + 8 + 8 + 8 + 16);         /* 64 */
        ev.evidence.record_id = words[w]; /* not in the region: no matter, it is not a reference */
        assert_int_equal(packed_size(&ev, &pool.region), 24 + 8 + 4 + 4 + 16);
    }
    ev.evidence.record_id = pool.in[8]; /* mixed case */
    assert_int_equal(packed_size(&ev, &pool.region), 24 + 8 + 4 + 4 + 4 + 4); /* 48 */
    ev.evidence.record_id = NULL;
    assert_int_equal(packed_size(&ev, &pool.region), 24 + 8 + 4 + 4); /* 40 */
    m365_region_free(&pool.region);
}

static const char ual[] =
    "{\"CreationTime\":\"2026-03-02T10:00:00\",\"Id\":\"a1\",\"Operation\":\"UserLoggedIn\","
    "\"RecordType\":15,\"ResultStatus\":\"Success\",\"UserId\":\"alice@contoso.com\",\"Workload\":"
    "\"AzureActiveDirectory\",\"ClientIP\":\"203.0.113.10\",\"OrganizationId\":"
    "\"4a2d1c6e-0b7f-4c1e-9a58-2f3e6d7c8b90\"}\n"
    "{\"CreationTime\":\"2026-03-02T09:00:00\",\"Id\":\"5D1E2C3B-4A5F-4B6C-9D8E-7F6A5B4C3D2E\","
    "\"Operation\":\"MailItemsAccessed\","
    "\"RecordType\":50,\"ResultStatus\":\"Succeeded\",\"UserId\":\"bob@contoso.com\",\"Workload\":"
    "\"Exchange\",\"ClientIP\":\"198.51.100.2\",\"MailboxOwnerUPN\":\"bob@contoso.com\","
    "\"OperationProperties\":[{\"Name\":\"MailAccessType\",\"Value\":\"Bind\"}],"
    "\"Folders\":[{\"Path\":\"\\\\Inbox\",\"FolderItems\":[{\"Id\":\"x\"},{\"Id\":\"y\"}]}]}\n";

static void scan_hands_out_the_same_event(void **state)
{
    (void)state;
    char *dir = m365_test_mkdtemp();
    char *path = m365_test_path(dir, "ual.jsonl");
    assert_int_equal(m365_test_write_file(path, ual, sizeof(ual) - 1), 0);
    struct m365_scan_options o;
    m365_scan_options_init(&o);
    struct m365_scan *s;
    assert_int_equal(m365_scan_new(&s, &o), M365_OK);
    assert_int_equal(m365_scan_add_path(s, path), M365_OK);
    assert_int_equal(m365_scan_run(s), M365_OK);
    assert_int_equal(m365_scan_n_events(s), 2);
    for (size_t i = 0; i < 2; i++) {
        struct m365_event buf;
        const struct m365_event *a = m365_scan_event_at(s, i, &buf);
        const struct m365_event *k = m365_scan_event(s, i);
        assert_ptr_equal(a, &buf);
        assert_non_null(k);
        assert_ptr_equal(k, m365_scan_event(s, i)); /* one copy per event */
        assert_memory_equal(a, k, sizeof(*a));
        assert_int_equal(k->seq, i);
        /* Brief: the same but for the record id. */
        struct m365_event bb;
        const struct m365_event *b = m365_scan_event_brief(s, i, &bb);
        assert_ptr_equal(b, &bb);
        assert_non_null(k->evidence.record_id);
        assert_null(b->evidence.record_id);
        bb.evidence.record_id = k->evidence.record_id;
        assert_memory_equal(b, k, sizeof(*b));
    }
    const struct m365_event *first = m365_scan_event(s, 0), *second = m365_scan_event(s, 1);
    assert_string_equal(first->operation, "MailItemsAccessed"); /* time order */
    assert_non_null(first->mail);
    assert_string_equal(first->mail->mailbox_upn, "bob@contoso.com");
    assert_int_equal(first->mail->n_items, 2);
    assert_string_equal(second->actor_upn, "alice@contoso.com");
    assert_string_equal(second->evidence.record_id, "a1");
    /* The GUID id, kept as 16 bytes, comes back as written, at one address however asked. */
    assert_string_equal(first->evidence.record_id, "5D1E2C3B-4A5F-4B6C-9D8E-7F6A5B4C3D2E");
    struct m365_event again;
    assert_ptr_equal(m365_scan_event_at(s, 0, &again)->evidence.record_id,
                     first->evidence.record_id);
    assert_int_equal(second->evidence.line, 1);
    assert_null(m365_scan_event(s, 2));
    struct m365_event buf;
    assert_null(m365_scan_event_at(s, 2, &buf));
    assert_null(m365_scan_event_brief(s, 2, &buf));
    m365_scan_free(s);
    m365_test_rmtree(dir);
    free(path);
    free(dir);
}

static int append(const char *data, size_t len, void *user)
{
    return m365_buf_append(user, data, len) == 0 && !((struct m365_buf *)user)->failed ? 0 : -1;
}

/* Every event and every finding of a scan, as JSON. */
static void scan_text(const char *dir, size_t region_bytes, struct m365_buf *out, size_t *kept,
                      size_t *wide, size_t *events, size_t *used)
{
    struct m365_scan_options o;
    m365_scan_options_init(&o);
    struct m365_scan *s;
    assert_int_equal(m365_scan_new(&s, &o), M365_OK);
    if (region_bytes) {
        m365_scan_limit_region(s, region_bytes);
    }
    assert_int_equal(m365_scan_add_path(s, dir), M365_OK);
    assert_int_equal(m365_scan_run(s), M365_OK);
    struct m365_event buf;
    for (size_t i = 0; i < m365_scan_n_events(s); i++) {
        assert_int_equal(m365_event_write_json(m365_scan_event_at(s, i, &buf), append, out),
                         M365_OK);
        m365_buf_putc(out, '\n');
    }
    for (size_t i = 0; i < m365_scan_n_findings(s); i++) {
        assert_int_equal(m365_finding_write_json(m365_scan_finding(s, i), append, out), M365_OK);
        m365_buf_putc(out, '\n');
    }
    *kept = m365_scan_timing(s).kept_events;
    *wide = m365_scan_wide_events(s);
    *events = m365_scan_n_events(s);
    *used = m365_scan_region_used(s);
    m365_scan_free(s);
}

/* The same evidence with the address range running out part-way (events packed narrow, then
 * wide, strings on both sides of the limit) gives the same events and findings. */
static void narrow_and_wide_agree(void **state)
{
    (void)state;
    char *root = m365_test_mkdtemp();
    assert_int_equal(m365_test_simulate_all(root, 40, 11, "ual-jsonl,graph-json", 0), 0);
    struct m365_buf full, limited;
    m365_buf_init(&full, 0);
    m365_buf_init(&limited, 0);
    size_t kept_full, kept_limited, wide_full, wide_limited, n_full, n_limited, used, u2;
    scan_text(root, 0, &full, &kept_full, &wide_full, &n_full, &used);
    /* Half the range the whole scan used: it runs out while the events are read. */
    scan_text(root, used / 2, &limited, &kept_limited, &wide_limited, &n_limited, &u2);
    assert_int_equal(wide_full, 0); /* the whole range: every event narrow */
    assert_int_equal(n_full, n_limited);
    assert_true(wide_limited > n_limited / 10 && wide_limited < n_limited); /* both forms */
    assert_true(kept_full > 0); /* findings with evidence */
    assert_int_equal(kept_full, kept_limited);
    assert_int_equal(full.len, limited.len);
    assert_memory_equal(full.data, limited.data, full.len);
    m365_buf_free(&full);
    m365_buf_free(&limited);
    m365_test_rmtree(root);
    free(root);
}

struct timed {
    int64_t time_ms;
    uint32_t seq;
};

static int cmp_time_seq(const void *a, const void *b)
{
    const struct timed *x = *(const struct timed *const *)a;
    const struct timed *y = *(const struct timed *const *)b;
    if (x->time_ms != y->time_ms) {
        return x->time_ms < y->time_ms ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The run-aware merge sort of the events' keys gives qsort's order on tables shaped like the
 * scan's (files in rising or falling time order one after another, interleaved sources, equal
 * times) and on shapeless ones. */
static void sort_by_time_is_qsort(void **state)
{
    (void)state;
    uint64_t x = 0x2545f4914f6cdd1dull;
    static const size_t sizes[] = {0, 1, 2, 31, 32, 33, 63, 64, 65, 100, 1000, 4099, 20000};
    size_t merged_checked = 0;
    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        size_t n = sizes[si];
        struct timed *ev = calloc(n ? n : 1, sizeof(*ev));
        struct m365_time_key *got = calloc(n ? n : 1, sizeof(*got));
        struct timed **want = calloc(n ? n : 1, sizeof(*want));
        assert_true(ev && got && want);
        for (int shape = 0; shape < 7; shape++) {
            size_t runs = shape == 6 ? 7 : 1 + (size_t)shape * 3;
            for (size_t i = 0; i < n; i++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                int64_t t;
                switch (shape) {
                case 0: t = (int64_t)(x % 1000000); break;          /* no order */
                case 1: t = (int64_t)(x % 4); break;                /* mostly equal times */
                case 2: t = (int64_t)(n - i) * 10; break;             /* descending */
                default: /* `runs` files, each in time order, over overlapping spans */
                    t = (int64_t)((i % (n / runs + 1)) * 100 + (i * runs / (n + 1)) * 37 +
                                  (int64_t)(x % 3));
                    break;
                }
                ev[i].time_ms = t;
                ev[i].seq = (uint32_t)i;
                want[i] = &ev[i];
            }
            if (shape >= 3) {
                /* Each file's events ascending (shape 6: descending, as Graph and Purview
                 * export them), then the files one after another. */
                size_t per = n / runs + 1;
                for (size_t lo = 0; lo < n; lo += per) {
                    size_t hi = lo + per < n ? lo + per : n;
                    for (size_t i = lo + 1; i < hi; i++) {
                        if (ev[i].time_ms < ev[i - 1].time_ms) {
                            ev[i].time_ms = ev[i - 1].time_ms + (int64_t)(x % 2);
                        }
                    }
                    if (shape == 6) {
                        for (size_t i = lo, j = hi - 1; i < j; i++, j--) {
                            int64_t t = ev[i].time_ms;
                            ev[i].time_ms = ev[j].time_ms;
                            ev[j].time_ms = t;
                        }
                    }
                }
            }
            if (n > 1) {
                qsort(want, n, sizeof(*want), cmp_time_seq);
            }
            for (size_t i = 0; i < n; i++) {
                got[i].time_ms = ev[i].time_ms;
                got[i].seq = ev[i].seq;
                got[i].kind = (uint8_t)(i * 7);
            }
            assert_int_equal(m365_time_keys_sort(got, n), 0);
            for (size_t i = 0; i < n; i++) {
                if (&ev[got[i].seq] != want[i] || got[i].kind != (uint8_t)(got[i].seq * 7) ||
                    got[i].time_ms != want[i]->time_ms) {
                    fail_msg("n %zu shape %d: position %zu holds seq %u, qsort has seq %u", n,
                             shape, i, got[i].seq, want[i]->seq);
                }
            }
            merged_checked += n > 64;
        }
        free(ev);
        free(got);
        free(want);
    }
    assert_true(merged_checked >= 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(short_forms_save_room),
        cmocka_unit_test(positions_short_and_long),
        cmocka_unit_test(guid_ids_take_16_bytes),
        cmocka_unit_test(sort_by_time_is_qsort),
        cmocka_unit_test(scan_hands_out_the_same_event),
        cmocka_unit_test(narrow_and_wide_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
