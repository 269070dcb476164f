#include "read_ctx.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hash.h"
#include "../core/limits.h"
#include "../core/norm.h"
#include "../core/swar.h"
#include "../engine/scan_internal.h"

#define VEC(T)                                                                                     \
    struct {                                                                                       \
        T *v;                                                                                      \
        size_t n, cap;                                                                             \
    }

struct m365_evb {
    struct m365_event ev;
    struct m365_mail_access mail;
    bool has_mail;
    bool active;
    bool over_limit; /* a value was refused: the scan holds the most distinct values allowed */
    const char *field_limit; /* a value or a list of this record is over its limit (why) */
    VEC(struct m365_target) targets;
    VEC(struct m365_modprop) props;
    VEC(struct m365_kv) params;
    VEC(struct m365_kv) extra;
    VEC(struct m365_folder) folders;
    char guid_id[M365_GUID_LEN + 1]; /* the record id, when a GUID, until it is packed */
    char *canon; /* the record's text with its escapes in one form (fingerprint) */
    size_t canon_cap;
    bool rewrote; /* the last record's escapes were rewritten */
};

#define VEC_PUSH(vec, item)                                                                        \
    do {                                                                                           \
        if ((vec).n == (vec).cap) {                                                                \
            size_t nc_ = (vec).cap ? (vec).cap * 2 : 8;                                            \
            void *nv_ = realloc((vec).v, nc_ * sizeof(*(vec).v));                                  \
            if (!nv_) {                                                                            \
                break;                                                                             \
            }                                                                                      \
            (vec).v = nv_;                                                                         \
            (vec).cap = nc_;                                                                       \
        }                                                                                          \
        (vec).v[(vec).n++] = (item);                                                               \
    } while (0)

void m365_evb_free(struct m365_evb *b)
{
    if (!b) {
        return;
    }
    free(b->targets.v);
    free(b->props.v);
    free(b->params.v);
    free(b->extra.v);
    free(b->folders.v);
    free(b->canon);
    free(b);
}

static void vdiag(struct m365_read_ctx *ctx, enum m365_diag_level lvl, uint64_t line,
                  const char *field, const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static void vdiag(struct m365_read_ctx *ctx, enum m365_diag_level lvl, uint64_t line,
                  const char *field, const char *fmt, va_list ap)
{
    ctx->n_diags++;
    if (ctx->n_diags > M365_MAX_DIAG_PER_FILE) {
        return; /* summarised by the scan at the end of the file */
    }
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    /* One line per message, whatever the input held. */
    for (char *p = msg; *p; p++) {
        if ((unsigned char)*p < 0x20) {
            *p = ' ';
        }
    }
    struct m365_diag d = {lvl, lvl == M365_DIAG_WARNING ? M365_E_PARSE : M365_OK, ctx->path, line,
                          field, msg};
    m365_scan_unit_diag(ctx->unit, &d);
}

void m365_ctx_skip(struct m365_read_ctx *ctx, uint64_t line, const char *field, const char *fmt,
                   ...)
{
    ctx->fs->skipped++;
    va_list ap;
    va_start(ap, fmt);
    vdiag(ctx, M365_DIAG_WARNING, line, field, fmt, ap);
    va_end(ap);
}

void m365_ctx_warn(struct m365_read_ctx *ctx, uint64_t line, const char *field, const char *fmt,
                   ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag(ctx, M365_DIAG_NOTE, line, field, fmt, ap);
    va_end(ap);
}

void m365_ctx_warning(struct m365_read_ctx *ctx, uint64_t line, const char *field,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag(ctx, M365_DIAG_WARNING, line, field, fmt, ap);
    va_end(ap);
}

void m365_ctx_tick(struct m365_read_ctx *ctx)
{
    if ((++ctx->ticks & 4095u) == 0) {
        m365_scan_unit_progress(ctx->unit, m365_input_bytes_in(ctx->in));
    }
}

struct m365_event *m365_ev_begin(struct m365_read_ctx *ctx, uint64_t line, uint64_t offset)
{
    if (!ctx->evb) {
        ctx->evb = calloc(1, sizeof(*ctx->evb));
        if (!ctx->evb) {
            return NULL;
        }
    }
    struct m365_evb *b = ctx->evb;
    memset(&b->ev, 0, sizeof(b->ev));
    memset(&b->mail, 0, sizeof(b->mail));
    b->mail.logon_type = -1;
    b->mail.is_throttled = -1;
    b->has_mail = false;
    b->active = true;
    b->over_limit = false;
    b->field_limit = NULL;
    b->targets.n = b->props.n = b->params.n = b->extra.n = b->folders.n = 0;
    b->ev.time_ms = M365_TIME_NONE;
    b->ev.record_type = -1;
    b->ev.is_interactive = -1;
    b->ev.evidence.file = ctx->path;
    b->ev.evidence.line = line;
    b->ev.evidence.offset = offset;
    return &b->ev;
}

static void *arena_dup(struct m365_read_ctx *ctx, const void *p, size_t n)
{
    if (n == 0) {
        return NULL;
    }
    void *d = m365_arena_alloc(ctx->arena, n);
    if (d) {
        memcpy(d, p, n);
    }
    return d;
}

/* Detail arrays repeat: a mailbox's access record and the folders it names, the targets of one
 * kind of change, the extended properties of one kind of sign-in come back event after event
 * (in the simulated 1 GiB UAL export, 1.3 million arrays hold 91 thousand different contents).
 * Each reading thread remembers the arrays it stored lately, by content, and an event whose
 * array is one of them points to that copy instead of a new one: two fifths less memory for
 * the event table's details, and fewer fresh pages for the kernel to zero. Contents are compared
 * member by member, strings by pointer: interned strings are equal exactly when their pointers
 * are, and a copied string (a parameter's value) is never equal to another copy, so that array
 * is simply stored again. Nothing changes an event's details once it is stored. */
#define DETAIL_SETS 256u
#define DETAIL_WAYS 4u
#define DETAIL_HEAD 10u /* words of contents an entry keeps: a mail record, five name/values */
enum detail_kind { D_FOLDERS = 1, D_MAIL, D_TARGETS, D_EXTRA };

/* Four arrays whose hashes pick the same set. The hashes and copies come first, in one
 * cache line, for the probe; then each array's first words of contents, compared here rather
 * than in the stored copy, which lies far away in memory (reading it cost a cache miss on every
 * hit); then what the hash already covers, checked on a match. */
struct detail_set {
    _Alignas(64) uint64_t hash[DETAIL_WAYS];
    const void *p[DETAIL_WAYS]; /* the stored copies; NULL: unused */
    uint64_t head[DETAIL_WAYS][DETAIL_HEAD];
    uint32_t n[DETAIL_WAYS]; /* elements */
    uint8_t kind[DETAIL_WAYS];
    uint8_t next; /* the way a new array takes */
};

struct m365_detail_memo {
    struct detail_set set[DETAIL_SETS];
};

struct m365_detail_memo *m365_detail_memo_new(void)
{
    return calloc(1, sizeof(struct m365_detail_memo));
}

void m365_detail_memo_free(struct m365_detail_memo *m) { free(m); }

static inline uint64_t ptr_word(const void *p) { return (uint64_t)(uintptr_t)p; }

/* Member i of an array of this kind as words, one per field (strings by pointer); how many. */
static inline size_t member_words(unsigned kind, const void *v, size_t i, uint64_t *w)
{
    switch (kind) {
    case D_FOLDERS: {
        const struct m365_folder *f = (const struct m365_folder *)v + i;
        w[0] = ptr_word(f->path);
        w[1] = f->n_items;
        return 2;
    }
    case D_TARGETS: {
        const struct m365_target *t = (const struct m365_target *)v + i;
        w[0] = ptr_word(t->type);
        w[1] = ptr_word(t->id);
        w[2] = ptr_word(t->name);
        w[3] = ptr_word(t->upn);
        return 4;
    }
    default: {
        const struct m365_kv *kv = (const struct m365_kv *)v + i;
        w[0] = ptr_word(kv->name);
        w[1] = ptr_word(kv->value);
        return 2;
    }
    }
}
#define MEMBER_WORDS_MAX 4u

static size_t mail_words(const struct m365_mail_access *m, uint64_t *w)
{
    w[0] = ptr_word(m->mailbox_upn);
    w[1] = ptr_word(m->mailbox_guid);
    w[2] = ptr_word(m->mailbox_owner_sid);
    w[3] = ptr_word(m->logon_user_sid);
    w[4] = ptr_word(m->client_info);
    w[5] = ptr_word(m->access_type);
    w[6] = (uint64_t)(uint32_t)m->logon_type | (uint64_t)(uint8_t)m->is_throttled << 32;
    w[7] = (uint64_t)m->operation_count | (uint64_t)m->n_items << 32;
    w[8] = (uint64_t)m->n_folders | (uint64_t)m->response_bytes << 32;
    w[9] = ptr_word(m->folders);
    return 10;
}
_Static_assert(DETAIL_HEAD >= 10, "a mail record's words fit an entry");

/* Every member the same, read from the stored copy (arrays longer than an entry's head). */
static bool members_same(unsigned kind, const void *stored, const void *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t a[MEMBER_WORDS_MAX], b[MEMBER_WORDS_MAX];
        size_t k = member_words(kind, stored, i, a);
        member_words(kind, v, i, b);
        if (memcmp(a, b, k * sizeof(*a)) != 0) {
            return false;
        }
    }
    return true;
}

/* The stored copy of an array with these contents: the one this thread stored lately, else a
 * new one it remembers. w holds the first nw of its `total` words; h hashes them all. Sets of
 * four, filled in turn, so that a few arrays that fall in one set do not keep pushing each other
 * out. */
static const void *detail_share(struct m365_read_ctx *ctx, unsigned kind, const void *v,
                                size_t n, size_t bytes, const uint64_t *w, size_t nw,
                                size_t total, uint64_t h)
{
    h = m365_hash_mix(h ^ n ^ (uint64_t)kind << 56);
    struct detail_set *set = &ctx->details->set[h >> 56 & (DETAIL_SETS - 1)];
    for (unsigned i = 0; i < DETAIL_WAYS; i++) {
        if (set->hash[i] == h && set->p[i] && set->kind[i] == kind && set->n[i] == n &&
            memcmp(set->head[i], w, nw * sizeof(*w)) == 0 &&
            (total <= DETAIL_HEAD || members_same(kind, set->p[i], v, n))) {
            return set->p[i];
        }
    }
    const void *d = arena_dup(ctx, v, bytes);
    if (d) {
        unsigned i = set->next++ % DETAIL_WAYS;
        set->hash[i] = h;
        set->p[i] = d;
        set->n[i] = (uint32_t)n;
        set->kind[i] = (uint8_t)kind;
        memcpy(set->head[i], w, nw * sizeof(*w));
    }
    return d;
}

static uint64_t words_hash(const uint64_t *w, size_t nw, uint64_t h)
{
    for (size_t i = 0; i < nw; i++) {
        h = m365_hash_rotl((h ^ w[i]) * 0x9e3779b97f4a7c15ull, 29);
    }
    return h;
}

/* An array of folders, targets or name/values, shared when this thread stored the same lately. */
static inline const void *keep_array(struct m365_read_ctx *ctx, unsigned kind, const void *v,
                                     size_t n, size_t size)
{
    if (n == 0 || !ctx->details) {
        return arena_dup(ctx, v, n * size);
    }
    uint64_t w[DETAIL_HEAD], x[MEMBER_WORDS_MAX], h = 0;
    size_t nw = 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = member_words(kind, v, i, x);
        h = words_hash(x, k, h);
        if (nw == total && nw + k <= DETAIL_HEAD) { /* the head: whole members from the first */
            memcpy(w + nw, x, k * sizeof(*x));
            nw += k;
        }
        total += k;
    }
    return detail_share(ctx, kind, v, n, n * size, w, nw, total, h);
}

static const struct m365_mail_access *keep_mail(struct m365_read_ctx *ctx,
                                                const struct m365_mail_access *m)
{
    if (!ctx->details) {
        return arena_dup(ctx, m, sizeof(*m));
    }
    uint64_t w[DETAIL_HEAD];
    size_t nw = mail_words(m, w);
    return detail_share(ctx, D_MAIL, m, 1, sizeof(*m), w, nw, nw, words_hash(w, nw, 0));
}

/* The record's text, as de-duplication compares it: surrounding white space aside, and its
 * escapes in one form, so that the same record from the Management Activity API and in a
 * Purview search's AuditData (which escapes every '/') is one record. */
static uint64_t fingerprint(struct m365_evb *b, const char *raw, size_t len)
{
    while (len && (raw[0] == ' ' || raw[0] == '\t' || raw[0] == '\r' || raw[0] == '\n')) {
        raw++;
        len--;
    }
    while (len && (raw[len - 1] == ' ' || raw[len - 1] == '\t' || raw[len - 1] == '\r' ||
                   raw[len - 1] == '\n')) {
        len--;
    }
    /* Most records have no escape at all: one pass hashes the text and says so. A file whose
     * records were rewritten (a Purview export: every record) is rewritten first. */
    bool escapes = true, hashed = !b->rewrote;
    uint64_t h = 0;
    if (hashed) {
        h = m365_hash_long_seen(raw, len, 0x5eed, '\\', &escapes);
        if (!escapes) {
            return h;
        }
    }
    if (len > b->canon_cap) {
        char *c = realloc(b->canon, len);
        if (c) {
            b->canon = c;
            b->canon_cap = len;
        }
    }
    size_t clen;
    b->rewrote = len <= b->canon_cap && m365_json_escapes_canon(raw, len, b->canon, &clen);
    if (b->rewrote) {
        return m365_hash_long(b->canon, clen, 0x5eed);
    }
    return hashed ? h : m365_hash_long(raw, len, 0x5eed); /* in that form already */
}

void m365_ev_commit(struct m365_read_ctx *ctx, const char *raw, size_t raw_len)
{
    struct m365_evb *b = ctx->evb;
    if (!b || !b->active) {
        return;
    }
    b->active = false;
    struct m365_event *ev = &b->ev;
    if (b->field_limit) {
        m365_ctx_skip(ctx, ev->evidence.line, NULL,
                      "%s: record skipped (limits in docs/robustness.md)", b->field_limit);
        return;
    }
    if (b->over_limit) {
        m365_ctx_skip(ctx, ev->evidence.line, NULL,
                      "the scan already holds %u distinct values (users, addresses, ids…), its "
                      "limit: record skipped (--max-distinct-values)",
                      ctx->lim->max_distinct_values);
        return;
    }
    if (b->has_mail) {
        b->mail.n_folders = (uint32_t)b->folders.n;
        b->mail.folders = keep_array(ctx, D_FOLDERS, b->folders.v, b->folders.n,
                                     sizeof(*b->folders.v));
        ev->mail = keep_mail(ctx, &b->mail);
    }
    ev->n_targets = (uint32_t)b->targets.n;
    ev->targets = keep_array(ctx, D_TARGETS, b->targets.v, b->targets.n, sizeof(*b->targets.v));
    ev->n_props = (uint32_t)b->props.n;
    ev->props = arena_dup(ctx, b->props.v, b->props.n * sizeof(*b->props.v));
    ev->n_params = (uint32_t)b->params.n;
    ev->params = arena_dup(ctx, b->params.v, b->params.n * sizeof(*b->params.v));
    ev->n_extra = (uint32_t)b->extra.n;
    ev->extra = keep_array(ctx, D_EXTRA, b->extra.v, b->extra.n, sizeof(*b->extra.v));
    ev->reader = ctx->fs->reader;
    if (ev->time_ms == M365_TIME_NONE) {
        ctx->fs->untimed++;
    }
    if (m365_scan_unit_store(ctx->unit, ev, fingerprint(b, raw, raw_len)) != 0) {
        m365_ctx_skip(ctx, ev->evidence.line, NULL, "out of memory storing the event");
        return;
    }
    if (ev->log_source < M365_LOG__COUNT) {
        ctx->page_sources |= (uint16_t)(1u << ev->log_source);
    }
    ctx->fs->parsed++;
}

void m365_ev_skip(struct m365_read_ctx *ctx, const char *field, const char *fmt, ...)
{
    uint64_t line = 0;
    if (ctx->evb) {
        ctx->evb->active = false;
        line = ctx->evb->ev.evidence.line;
    }
    ctx->fs->skipped++;
    va_list ap;
    va_start(ap, fmt);
    vdiag(ctx, M365_DIAG_WARNING, line, field, fmt, ap);
    va_end(ap);
}

/* A record with a value or a list over its limit is skipped, not kept in part. */
static void value_limit(struct m365_read_ctx *ctx)
{
    if (ctx->evb && ctx->evb->active && !ctx->evb->field_limit) {
        ctx->evb->field_limit = "a value longer than 1 MiB";
    }
}

static bool items_limit(struct m365_read_ctx *ctx, size_t n)
{
    if (n < M365_MAX_FIELD_ITEMS) {
        return false;
    }
    if (ctx->evb && ctx->evb->active && !ctx->evb->field_limit) {
        ctx->evb->field_limit = "more than 4096 targets, properties, parameters or folders";
    }
    return true;
}

/* A value refused because the distinct-value limit is reached makes its record a skip. */
static const char *limited(struct m365_read_ctx *ctx, const char *r)
{
    if (!r && ctx->evb && ctx->evb->active && m365_intern_full(ctx->intern)) {
        ctx->evb->over_limit = true;
    }
    return r;
}

const char *m365_ev_intern(struct m365_read_ctx *ctx, const char *s, size_t len)
{
    if (!s || len == 0) {
        return NULL;
    }
    if (len > M365_MAX_VALUE_BYTES) {
        len = M365_MAX_VALUE_BYTES;
        value_limit(ctx);
    }
    return limited(ctx, m365_intern(ctx->intern, s, len));
}

const char *m365_ev_intern_lower(struct m365_read_ctx *ctx, const char *s, size_t len)
{
    if (!s || len == 0) {
        return NULL;
    }
    if (len > M365_MAX_VALUE_BYTES) {
        len = M365_MAX_VALUE_BYTES;
        value_limit(ctx);
    }
    return limited(ctx, m365_intern_lower(ctx->intern, s, len));
}

const char *m365_ev_copy(struct m365_read_ctx *ctx, const char *s, size_t len)
{
    if (!s || len == 0) {
        return NULL;
    }
    if (len > M365_MAX_VALUE_BYTES) {
        len = M365_MAX_VALUE_BYTES;
        value_limit(ctx);
    }
    return m365_arena_strndup(ctx->arena, s, len);
}

const char *m365_ev_record_id(struct m365_read_ctx *ctx, const char *s, size_t len)
{
    bool upper;
    if (s && ctx->evb && m365_guid_check(s, len, &upper)) {
        memcpy(ctx->evb->guid_id, s, M365_GUID_LEN);
        ctx->evb->guid_id[M365_GUID_LEN] = '\0';
        return ctx->evb->guid_id;
    }
    return m365_ev_copy(ctx, s, len);
}

/* A few dozen operation names make up a whole export: each thread remembers what the ones it
 * saw lately normalise to, by the interned name (entries name their table, as the intern
 * look-aside's do). */
#define OP_MEMO 64u
struct op_memo {
    uint64_t table;
    const char *raw, *op;
};
static _Thread_local struct op_memo op_memo[OP_MEMO];

void m365_ev_set_operation(struct m365_read_ctx *ctx, const char *s, size_t len)
{
    struct m365_event *ev = &ctx->evb->ev;
    ev->operation_raw = m365_ev_intern(ctx, s, len);
    struct op_memo *m = NULL;
    if (ev->operation_raw) {
        m = &op_memo[m365_hash_ptr_slot(ev->operation_raw, 6)]; /* OP_MEMO slots */
        if (m->table == ctx->intern->id && m->raw == ev->operation_raw) {
            ev->operation = m->op;
            return;
        }
    }
    char small[256];
    char *tmp = len < sizeof(small) ? small : malloc(len + 1);
    if (!tmp) {
        ev->operation = ev->operation_raw;
        return;
    }
    size_t n = m365_op_normalise(s, len, tmp, len + 1);
    ev->operation = m365_ev_intern(ctx, tmp, n);
    if (tmp != small) {
        free(tmp);
    }
    if (m && ev->operation) {
        m->table = ctx->intern->id;
        m->raw = ev->operation_raw;
        m->op = ev->operation;
    }
}

/* Addresses repeat record after record: each thread remembers the ones it normalised and
 * interned lately, by their text as written (the IPv6 and address:port forms cost inet_pton
 * and inet_ntop). Entries name their intern table, as the intern look-aside's do. */
#define IP_MEMO 256u
struct ip_memo {
    uint64_t table;
    const char *ip;
    uint32_t len;
    char raw[44];
};
static _Thread_local struct ip_memo ip_memo[IP_MEMO];

void m365_ev_set_ip(struct m365_read_ctx *ctx, const char *s, size_t len)
{
    struct m365_event *ev = &ctx->evb->ev;
    if (ev->ip || !s) {
        return;
    }
    struct ip_memo *m = NULL;
    if (len <= sizeof(m->raw)) {
        m = &ip_memo[m365_hash_short(s, len, 0x1b) & (IP_MEMO - 1)];
        if (m->table == ctx->intern->id && m->len == len && m365_mem_eq(m->raw, s, len)) {
            ev->ip = m->ip;
            return;
        }
    }
    char out[64];
    size_t n = m365_ip_normalise(s, len, out, sizeof(out));
    if (n) {
        ev->ip = m365_ev_intern(ctx, out, n);
    }
    if (ev->ip && m) {
        m->table = ctx->intern->id;
        m->ip = ev->ip;
        m->len = (uint32_t)len;
        memcpy(m->raw, s, len);
    }
}

/* A note on the file (m365_unit_note) from a value of the record at line, or line 0: the
 * record being built's. */
static void note(struct m365_read_ctx *ctx, enum m365_unit_note k, uint64_t line)
{
    if (ctx->unit) {
        struct m365_evb *b = ctx->evb;
        m365_scan_unit_note(ctx->unit, k, line ? line : b && b->active ? b->ev.evidence.line : 0);
    }
}

/* Whether a time's text that has hours and minutes has seconds too ("10:05" has not). */
static bool has_seconds(const char *s, size_t len)
{
    const char *c = memchr(s, ':', len);
    if (!c) {
        return true; /* no clock at all ("/Date(...)/", epoch numbers): not a display */
    }
    size_t i = (size_t)(c - s) + 1;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    return i < len && s[i] == ':';
}

int m365_ev_set_time(struct m365_read_ctx *ctx, const char *s, size_t len)
{
    int64_t ms;
    if (m365_time_parse(s, len, &ms) != 0) {
        return -1;
    }
    ctx->evb->ev.time_ms = ms;
    if (ms % 60000 == 0 && !has_seconds(s, len)) {
        note(ctx, M365_NOTE_MINUTES, 0);
    }
    return 0;
}

uint32_t m365_ev_add_target(struct m365_read_ctx *ctx, const char *type, size_t tlen,
                            const char *id, size_t ilen, const char *name, size_t nlen,
                            const char *upn, size_t ulen)
{
    struct m365_evb *b = ctx->evb;
    if (items_limit(ctx, b->targets.n)) {
        return UINT32_MAX;
    }
    struct m365_target t = {m365_ev_intern(ctx, type, tlen), m365_ev_intern(ctx, id, ilen),
                            m365_ev_intern(ctx, name, nlen), m365_ev_intern_lower(ctx, upn, ulen)};
    size_t before = b->targets.n;
    VEC_PUSH(b->targets, t);
    return b->targets.n > before ? (uint32_t)before : UINT32_MAX;
}

/* A modified-property value once more: JSON string -> its text; array of scalars -> elements
 * joined by '\n'; anything else -> the raw text. */
static const char *decode_value(struct m365_read_ctx *ctx, const char *s, size_t len)
{
    const char *p = s, *e = s + len;
    while (p < e && (*p == ' ' || *p == '\r' || *p == '\n' || *p == '\t')) {
        p++;
    }
    while (e > p && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\n' || e[-1] == '\t')) {
        e--;
    }
    if (p == e) {
        return NULL;
    }
    if ((*p == '"' && e[-1] == '"' && e - p >= 2) || (*p == '[' && e[-1] == ']')) {
        struct m365_jv root;
        const char *err;
        if (m365_json_parse(ctx->json, p, (size_t)(e - p), false, &root, &err) == 0) {
            const char *t;
            size_t tl;
            if (m365_jv_type(root) == M365_J_STRING && m365_jv_str(root, &t, &tl)) {
                return m365_ev_copy(ctx, t, tl);
            }
            if (m365_jv_type(root) == M365_J_ARRAY) {
                struct m365_buf out;
                m365_buf_init(&out, M365_MAX_VALUE_BYTES);
                struct m365_jit it;
                struct m365_jv el;
                m365_jv_iter(root, &it);
                bool scalars = true;
                size_t n = 0;
                while (m365_jit_next(&it, NULL, NULL, &el)) {
                    if (!m365_jtext(ctx, el, &t, &tl)) {
                        enum m365_jtype ty = m365_jv_type(el);
                        if (ty == M365_J_ARRAY || ty == M365_J_OBJECT) {
                            scalars = false;
                            break;
                        }
                        continue;
                    }
                    if (n++) {
                        m365_buf_putc(&out, '\n');
                    }
                    m365_buf_append(&out, t, tl);
                }
                const char *r = NULL;
                if (scalars && !out.failed) {
                    r = n ? m365_ev_copy(ctx, out.data, out.len) : NULL;
                    m365_buf_free(&out);
                    return r;
                }
                m365_buf_free(&out);
            }
        }
    }
    return m365_ev_copy(ctx, s, len);
}

void m365_ev_add_prop(struct m365_read_ctx *ctx, uint32_t target, const char *name, size_t nlen,
                      const char *oldv, size_t olen, const char *newv, size_t nwlen)
{
    struct m365_evb *b = ctx->evb;
    if (!name || nlen == 0 || items_limit(ctx, b->props.n)) {
        return;
    }
    struct m365_modprop p = {m365_ev_intern(ctx, name, nlen),
                             oldv ? decode_value(ctx, oldv, olen) : NULL,
                             newv ? decode_value(ctx, newv, nwlen) : NULL, target};
    VEC_PUSH(b->props, p);
}

void m365_ev_add_param(struct m365_read_ctx *ctx, const char *name, size_t nlen, const char *v,
                       size_t vlen)
{
    struct m365_evb *b = ctx->evb;
    if (!name || nlen == 0 || items_limit(ctx, b->params.n)) {
        return;
    }
    struct m365_kv kv = {m365_ev_intern(ctx, name, nlen), m365_ev_copy(ctx, v, vlen)};
    VEC_PUSH(b->params, kv);
}

void m365_ev_add_extra(struct m365_read_ctx *ctx, const char *name, size_t nlen, const char *v,
                       size_t vlen)
{
    struct m365_evb *b = ctx->evb;
    if (!name || nlen == 0 || items_limit(ctx, b->extra.n)) {
        return;
    }
    struct m365_kv kv = {m365_ev_intern(ctx, name, nlen), m365_ev_intern(ctx, v, vlen)};
    VEC_PUSH(b->extra, kv);
}

uint32_t m365_ev_target_count(struct m365_read_ctx *ctx)
{
    return (uint32_t)ctx->evb->targets.n;
}

const char *m365_ev_find_extra(struct m365_read_ctx *ctx, const char *name)
{
    struct m365_evb *b = ctx->evb;
    for (size_t i = 0; i < b->extra.n; i++) {
        if (m365_ieq(b->extra.v[i].name, name)) {
            return b->extra.v[i].value;
        }
    }
    return NULL;
}

void m365_ev_add_client_name(struct m365_read_ctx *ctx)
{
    struct m365_event *ev = &ctx->evb->ev;
    if (!ctx->client_name || !ev->client_app_id) {
        return;
    }
    m365_ev_add_extra(ctx, M365_CLIENT_NAME_EXTRA, sizeof(M365_CLIENT_NAME_EXTRA) - 1,
                      ctx->client_name, ctx->client_name_len);
    m365_scan_note_client_named(ctx->scan, ev->kind);
}

struct m365_mail_access *m365_ev_mail(struct m365_read_ctx *ctx)
{
    ctx->evb->has_mail = true;
    return &ctx->evb->mail;
}

void m365_ev_add_folder(struct m365_read_ctx *ctx, const char *path, size_t plen, uint32_t n_items)
{
    struct m365_evb *b = ctx->evb;
    if (items_limit(ctx, b->folders.n)) {
        return;
    }
    struct m365_folder f = {m365_ev_intern(ctx, path, plen), n_items};
    VEC_PUSH(b->folders, f);
    m365_ev_mail(ctx)->n_items += n_items;
}

/* --- JSON access ---------------------------------------------------------------------------- */

/* Member look-up through a per-object index. A record's mapper asks one object for dozens of
 * keys, most of them absent (each absent key used to cost an exact and a case-insensitive scan
 * of every member); the index is built in one pass and answers each key from its lower-case
 * hash. It gives exactly the members the scans gave: the first in member order. */
#define JIDX_MIN 6u      /* smaller objects are scanned */
#define JIDX_MAX 64u     /* larger ones too (rare: a scan is as good) */
#define JIDX_SLOTS 128u  /* twice JIDX_MAX: short probe chains */
#define JIDX_CACHE 4u    /* the record, its AuditData or properties, a nested object or two */

struct jidx {
    uint64_t gen, w0, w1; /* the object: handle words within a generation */
    uint32_t n;
    bool usable;
    uint32_t lh[JIDX_MAX];
    struct m365_jmember mem[JIDX_MAX];
    uint8_t slot[JIDX_SLOTS]; /* member index + 1, 0 empty */
};

static _Thread_local struct jidx jcache[JIDX_CACHE];
static _Thread_local unsigned jcache_next;

/* Cheap on purpose (length and three case-folded bytes): candidates are compared anyway. */
static uint32_t lower_hash(const char *k, size_t n)
{
    if (n == 0) {
        return 0;
    }
    uint32_t a = (unsigned char)k[0] | 0x20u, b = (unsigned char)k[n / 2] | 0x20u,
             c = (unsigned char)k[n - 1] | 0x20u;
    return ((uint32_t)n * 0x9e3779b1u) ^ (a * 0x85ebca6bu) ^ (b * 0xc2b2ae35u) ^ (c << 7);
}

/* 2 when key a[0..n) is b exactly, 1 when it is b but for ASCII case, else 0 (b holds n bytes). */
static int key_match(const char *a, const char *b, size_t n)
{
    return m365_mem_eq(a, b, n) ? 2 : m365_ieqn(a, n, b) ? 1 : 0;
}

/* Puts id + 1 in the first free slot from h on (linear probing keeps equal hashes in order). */
static void slot_insert(uint8_t *slot, size_t nslots, uint32_t h, size_t id)
{
    size_t j = h & (nslots - 1);
    while (slot[j]) {
        j = (j + 1) & (nslots - 1);
    }
    slot[j] = (uint8_t)(id + 1);
}

static const struct jidx *jidx_of(struct m365_jv obj)
{
    uint64_t gen = m365_json_generation();
    for (unsigned i = 0; i < JIDX_CACHE; i++) {
        const struct jidx *x = &jcache[i];
        if (x->gen == gen && x->w0 == obj.w[0] && x->w1 == obj.w[1]) {
            return x->usable ? x : NULL;
        }
    }
    size_t count = m365_jv_count(obj);
    if (count < JIDX_MIN || count > JIDX_MAX) {
        return NULL; /* scanned; and it must not evict the record's index */
    }
    struct jidx *x = &jcache[jcache_next++ % JIDX_CACHE];
    x->gen = gen;
    x->w0 = obj.w[0];
    x->w1 = obj.w[1];
    memset(x->slot, 0, sizeof(x->slot));
    /* All members in one call: one call per member cost more than the hashing below. */
    x->n = (uint32_t)m365_jv_members(obj, x->mem, JIDX_MAX);
    x->usable = x->n == count;
    if (!x->usable) {
        return NULL;
    }
    for (uint32_t m = 0; m < x->n; m++) {
        x->lh[m] = lower_hash(x->mem[m].key, x->mem[m].klen);
        slot_insert(x->slot, JIDX_SLOTS, x->lh[m], m);
    }
    return x;
}

/* One probe answers both questions a look-up asks of a key: the first member (in member order)
 * whose key equals k exactly, and the first that equals it ignoring ASCII case. Members whose
 * keys fold to the same text share a hash, and linear probing keeps them in member order. */
static void jidx_find(const struct jidx *x, const char *k, const struct m365_jv **exact,
                      const struct m365_jv **folded)
{
    size_t n = strlen(k);
    uint32_t h = lower_hash(k, n);
    *exact = *folded = NULL;
    for (size_t j = h & (JIDX_SLOTS - 1); x->slot[j]; j = (j + 1) & (JIDX_SLOTS - 1)) {
        uint32_t m = x->slot[j] - 1u;
        if (x->lh[m] != h || x->mem[m].klen != n) {
            continue;
        }
        int match = key_match(x->mem[m].key, k, n);
        if (match && !*folded) {
            *folded = &x->mem[m].val;
        }
        if (match == 2) {
            *exact = &x->mem[m].val;
            return;
        }
    }
}

static bool usable(const struct m365_jv *v)
{
    return v && v->present && m365_jv_type(*v) != M365_J_NULL;
}

struct m365_jv m365_jget_keys(struct m365_jv obj, const char *const *keys)
{
    const struct jidx *x = m365_jv_type(obj) == M365_J_OBJECT ? jidx_of(obj) : NULL;
    if (x) {
        /* Every key exactly first, then every key ignoring case: one probe per key. */
        const struct m365_jv *folded[16];
        size_t n = 0;
        for (; n < 16 && keys[n]; n++) {
            const struct m365_jv *exact;
            jidx_find(x, keys[n], &exact, &folded[n]);
            if (usable(exact)) {
                return *exact;
            }
        }
        for (size_t i = 0; i < n; i++) {
            if (usable(folded[i])) {
                return *folded[i];
            }
        }
        return m365_jv_none();
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < 16 && keys[i]; i++) {
            struct m365_jv v = pass == 0 ? m365_jv_get(obj, keys[i]) : m365_jv_geti(obj, keys[i]);
            if (usable(&v)) {
                return v;
            }
        }
    }
    return m365_jv_none();
}

struct m365_jv m365_jget_exact(struct m365_jv obj, const char *key)
{
    const struct jidx *x = m365_jv_type(obj) == M365_J_OBJECT ? jidx_of(obj) : NULL;
    if (!x) {
        return m365_jv_get(obj, key);
    }
    const struct m365_jv *exact, *folded;
    jidx_find(x, key, &exact, &folded);
    return exact ? *exact : m365_jv_none();
}

static pthread_mutex_t schema_mu = PTHREAD_MUTEX_INITIALIZER;

static void schema_build(struct m365_jschema *sc)
{
    pthread_mutex_lock(&schema_mu);
    if (!atomic_load_explicit(&sc->ready, memory_order_relaxed)) {
        memset(sc->slot, 0, sizeof(sc->slot));
        for (size_t id = 0; id < sc->n && id < M365_JSCHEMA_MAX; id++) {
            sc->len[id] = (uint32_t)strlen(sc->names[id]);
            sc->hash[id] = lower_hash(sc->names[id], sc->len[id]);
            slot_insert(sc->slot, M365_JSCHEMA_SLOTS, sc->hash[id], id);
        }
        atomic_store_explicit(&sc->ready, 1, memory_order_release);
    }
    pthread_mutex_unlock(&schema_mu);
}

/* Records of one export repeat a few shapes: the same keys in the same order, and so the same
 * answers. Each thread remembers the last shapes it matched, per schema, key bytes included; a
 * record whose keys are those, byte for byte, takes the answers without hashing a key. */
#define SHAPE_MEMO 8u
#define SHAPE_KEY_BYTES 2048u

struct shape_memo {
    const struct m365_jschema *schema; /* NULL: unused */
    uint32_t count;
    uint8_t klen[M365_JFIELDS_MEMBERS];
    uint8_t exact[M365_JSCHEMA_MAX], folded[M365_JSCHEMA_MAX];
    char keys[SHAPE_KEY_BYTES]; /* the keys, one after another */
};

static _Thread_local struct shape_memo shape_memo[SHAPE_MEMO];
static _Thread_local unsigned shape_next;

static bool shape_is(const struct shape_memo *sm, const struct m365_jmember *mem, size_t count)
{
    if (sm->count != count) {
        return false;
    }
    const char *k = sm->keys;
    for (size_t m = 0; m < count; m++) {
        size_t kl = mem[m].klen;
        if (sm->klen[m] != kl || !m365_mem_eq(k, mem[m].key, kl)) {
            return false;
        }
        k += kl;
    }
    return true;
}

/* Remembers the record's answers (keys over 255 bytes, or too many key bytes, are not kept). */
static void shape_keep(const struct m365_jfields *f, size_t count, size_t n)
{
    size_t bytes = 0;
    for (size_t m = 0; m < count; m++) {
        if (f->mem[m].klen > UINT8_MAX) {
            return;
        }
        bytes += f->mem[m].klen;
    }
    if (bytes > SHAPE_KEY_BYTES) {
        return;
    }
    struct shape_memo *sm = &shape_memo[shape_next++ % SHAPE_MEMO];
    sm->schema = f->schema;
    sm->count = (uint32_t)count;
    char *k = sm->keys;
    for (size_t m = 0; m < count; m++) {
        sm->klen[m] = (uint8_t)f->mem[m].klen;
        memcpy(k, f->mem[m].key, f->mem[m].klen);
        k += f->mem[m].klen;
    }
    memcpy(sm->exact, f->exact, n);
    memcpy(sm->folded, f->folded, n);
}

void m365_jfields_read(struct m365_jfields *f, struct m365_jschema *sc, struct m365_jv obj)
{
    if (!atomic_load_explicit(&sc->ready, memory_order_acquire)) {
        schema_build(sc);
    }
    f->obj = obj;
    f->schema = sc;
    size_t n = sc->n < M365_JSCHEMA_MAX ? sc->n : M365_JSCHEMA_MAX;
    size_t count = m365_jv_type(obj) == M365_J_OBJECT
                       ? m365_jv_members(obj, f->mem, M365_JFIELDS_MEMBERS)
                       : 0;
    f->looked_up = count > M365_JFIELDS_MEMBERS;
    if (f->looked_up) {
        return;
    }
    for (unsigned i = 0; i < SHAPE_MEMO; i++) {
        const struct shape_memo *sm = &shape_memo[i];
        if (sm->schema == sc && shape_is(sm, f->mem, count)) {
            memcpy(f->exact, sm->exact, n);
            memcpy(f->folded, sm->folded, n);
            return;
        }
    }
    memset(f->exact, 0, n);
    memset(f->folded, 0, n);
    /* Every name a member's key folds to, in member order: the first exact and the first
     * case-folded match per name, as the per-name look-ups find them. */
    for (size_t m = 0; m < count; m++) {
        const char *k = f->mem[m].key;
        size_t kl = f->mem[m].klen;
        uint32_t h = lower_hash(k, kl);
        for (size_t j = h & (M365_JSCHEMA_SLOTS - 1); sc->slot[j];
             j = (j + 1) & (M365_JSCHEMA_SLOTS - 1)) {
            size_t id = sc->slot[j] - 1u;
            if (sc->hash[id] != h || sc->len[id] != kl || (f->folded[id] && f->exact[id])) {
                continue;
            }
            int match = key_match(k, sc->names[id], kl);
            if (match == 0) {
                continue;
            }
            if (match == 2 && !f->exact[id]) {
                f->exact[id] = (uint8_t)(m + 1);
            }
            if (!f->folded[id]) {
                f->folded[id] = (uint8_t)(m + 1);
            }
        }
    }
    shape_keep(f, count, n);
}

struct m365_jv m365_jfields_get(const struct m365_jfields *f, const int *ids)
{
    if (f->looked_up) {
        const char *keys[17];
        size_t n = 0;
        for (; n < 16 && ids[n] >= 0; n++) {
            keys[n] = f->schema->names[ids[n]];
        }
        keys[n] = NULL;
        return m365_jget_keys(f->obj, keys);
    }
    for (size_t i = 0; ids[i] >= 0; i++) {
        unsigned m = f->exact[ids[i]];
        if (m && usable(&f->mem[m - 1].val)) {
            return f->mem[m - 1].val;
        }
    }
    for (size_t i = 0; ids[i] >= 0; i++) {
        unsigned m = f->folded[ids[i]];
        if (m && usable(&f->mem[m - 1].val)) {
            return f->mem[m - 1].val;
        }
    }
    return m365_jv_none();
}

struct m365_jv m365_jfields_exact(const struct m365_jfields *f, int id)
{
    if (f->looked_up) {
        return m365_jget_exact(f->obj, f->schema->names[id]);
    }
    unsigned m = f->exact[id];
    return m ? f->mem[m - 1].val : m365_jv_none();
}

bool m365_jfields_text(struct m365_read_ctx *ctx, const struct m365_jfields *f, const int *ids,
                       const char **s, size_t *len)
{
    for (size_t i = 0; ids[i] >= 0; i++) {
        if (m365_jtext(ctx, m365_jfields_get(f, (const int[]){ids[i], -1}), s, len)) {
            return true;
        }
    }
    return false;
}

bool m365_jtext(struct m365_read_ctx *ctx, struct m365_jv v, const char **s, size_t *len)
{
    switch (m365_jv_type(v)) {
    case M365_J_STRING:
        if (!m365_jv_str(v, s, len) || *len == 0) {
            return false;
        }
        return true;
    case M365_J_INT:
    case M365_J_UINT:
    case M365_J_DOUBLE:
    case M365_J_BOOL:
        *s = m365_jv_text(ctx->json, v, len);
        /* The text buffer is reused by the next call: keep a copy valid for this record. */
        *s = m365_ev_intern(ctx, *s, *len);
        return *s != NULL;
    default:
        return false;
    }
}

/* PowerShell's text for an object it did not write out: what ConvertTo-Json leaves past its
 * depth limit ("@{errorCode=50126; …}", "System.Object[]", "Microsoft.Graph.PowerShell.Models.
 * MicrosoftGraphAuthenticationDetail"). */
static bool powershell_flattened(const char *s, size_t len)
{
    return (len >= 3 && s[0] == '@' && s[1] == '{' && s[len - 1] == '}') ||
           (len > 7 && memcmp(s, "System.", 7) == 0 && !memchr(s, ' ', len)) ||
           (len > 34 && memcmp(s, "Microsoft.Graph.PowerShell.Models.", 34) == 0) ||
           (len > 13 && memcmp(s, "Deserialized.", 13) == 0 && !memchr(s, ' ', len));
}

bool m365_ctx_cut(struct m365_read_ctx *ctx, uint64_t line, const char *s, size_t len)
{
    if (!m365_spreadsheet_cell_full(s, len)) {
        return false;
    }
    note(ctx, M365_NOTE_CUT, line);
    return true;
}

void m365_jnote_flattened(struct m365_read_ctx *ctx, struct m365_jv el)
{
    const char *s;
    size_t len;
    if (m365_jv_type(el) == M365_J_STRING && m365_jv_str(el, &s, &len) &&
        powershell_flattened(s, len)) {
        note(ctx, M365_NOTE_FLATTENED, 0);
    }
}

struct m365_jv m365_jnested_list(struct m365_read_ctx *ctx, struct m365_jv v)
{
    if (m365_jv_type(v) == M365_J_ARRAY) {
        struct m365_jit it;
        const char *k;
        size_t kl;
        struct m365_jv first;
        m365_jv_iter(v, &it);
        if (m365_jit_next(&it, &k, &kl, &first)) {
            m365_jnote_flattened(ctx, first);
        }
        return v;
    }
    return m365_jnested(ctx, v);
}

struct m365_jv m365_jnested(struct m365_read_ctx *ctx, struct m365_jv v)
{
    enum m365_jtype t = m365_jv_type(v);
    const char *s;
    size_t len;
    if (t == M365_J_ARRAY || t == M365_J_OBJECT) {
        return v;
    }
    struct m365_jv none;
    memset(&none, 0, sizeof(none));
    if (t != M365_J_STRING || !m365_jv_str(v, &s, &len)) {
        return none;
    }
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\r' || s[i] == '\n' || s[i] == '\t')) {
        i++;
    }
    if (i == len || (s[i] != '{' && s[i] != '[')) {
        if (powershell_flattened(s + i, len - i)) {
            note(ctx, M365_NOTE_FLATTENED, 0);
        }
        return none;
    }
    struct m365_jv root;
    const char *err;
    if (m365_json_parse(ctx->json, s, len, false, &root, &err) != 0) {
        if (!m365_ctx_cut(ctx, 0, s, len)) { /* a detail cut short by a spreadsheet, or not */
            note(ctx, M365_NOTE_BAD_JSON, 0);
        }
        return none;
    }
    return root;
}

bool m365_jint(struct m365_read_ctx *ctx, struct m365_jv v, int64_t *out)
{
    (void)ctx;
    if (m365_jv_i64(v, out)) {
        return true;
    }
    const char *s;
    size_t len;
    if (m365_jv_type(v) == M365_J_STRING && m365_jv_str(v, &s, &len)) {
        return m365_parse_i64(s, len, INT64_MIN, INT64_MAX, out) == 0;
    }
    return false;
}

bool m365_jbool(struct m365_read_ctx *ctx, struct m365_jv v, bool *out)
{
    (void)ctx;
    if (m365_jv_bool(v, out)) {
        return true;
    }
    const char *s;
    size_t len;
    if (m365_jv_type(v) == M365_J_STRING && m365_jv_str(v, &s, &len)) {
        if (m365_ieqn(s, len, "true") || m365_ieqn(s, len, "1") || m365_ieqn(s, len, "yes")) {
            *out = true;
            return true;
        }
        if (m365_ieqn(s, len, "false") || m365_ieqn(s, len, "0") || m365_ieqn(s, len, "no")) {
            *out = false;
            return true;
        }
    }
    int64_t i;
    if (m365_jv_i64(v, &i)) {
        *out = i != 0;
        return true;
    }
    return false;
}

bool m365_sniff_has_key(const char *head, size_t len, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl + 2 < len; i++) {
        if (head[i] != '"' || memcmp(head + i + 1, key, kl) != 0 || head[i + 1 + kl] != '"') {
            continue;
        }
        size_t j = i + kl + 2;
        while (j < len && (head[j] == ' ' || head[j] == '\t' || head[j] == '\r' || head[j] == '\n')) {
            j++;
        }
        if (j < len && head[j] == ':') {
            return true;
        }
    }
    return false;
}

char *m365_recode_cp1252(const char *p, size_t n, size_t *out_len)
{
    if (n > (SIZE_MAX - M365_JSON_PADDING) / 3 || !m365_cp1252_likely(p, n)) {
        return NULL;
    }
    char *u = malloc(3 * n + M365_JSON_PADDING);
    if (!u) {
        return NULL;
    }
    *out_len = m365_cp1252_to_utf8(p, n, u);
    memset(u + *out_len, 0, M365_JSON_PADDING);
    return u;
}

void m365_ctx_recoded(struct m365_read_ctx *ctx)
{
    if (ctx->unit) {
        m365_scan_unit_recoded(ctx->unit);
    }
}

void m365_ctx_search_result(struct m365_read_ctx *ctx, uint64_t index, uint64_t count)
{
    if (ctx->unit) {
        m365_scan_unit_search_result(ctx->unit, index, count);
    }
}

void m365_ctx_page(struct m365_read_ctx *ctx, bool names_next)
{
    if (ctx->unit && m365_scan_unit_page(ctx->unit, ctx->page_sources, names_next) != 0) {
        m365_ctx_warn(ctx, 0, NULL, "out of memory: the export's pages are not counted");
    }
    ctx->page_sources = 0;
}
