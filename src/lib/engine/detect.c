/* The detection engine: registry, parameters, dispatch, finding builder. */
#include "detect.h"

#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/norm.h"
#include "../enrich/enrich.h"
#include "scan_internal.h"
#include "../core/sort.h"

const struct m365_detection *const m365_detections[] = {
#define M365_DETECTION(id) &m365_detect_##id,
#include "../detections/detections.def"
#undef M365_DETECTION
    NULL};
const size_t m365_n_detections = sizeof(m365_detections) / sizeof(m365_detections[0]) - 1;

const struct m365_detection *m365_detection_find(const char *id)
{
    for (size_t i = 0; i < m365_n_detections; i++) {
        if (strcmp(m365_detections[i]->info.id, id) == 0) {
            return m365_detections[i];
        }
    }
    return NULL;
}

/* --- public rule information --------------------------------------------------------------- */

size_t m365_n_rules(void)
{
    return m365_n_detections;
}

static struct m365_rule_info rule_infos[sizeof(m365_detections) / sizeof(m365_detections[0])];

const struct m365_rule_info *m365_rule(size_t i)
{
    if (i >= m365_n_detections) {
        return NULL;
    }
    if (!rule_infos[i].id) {
        const struct m365_detection *d = m365_detections[i];
        rule_infos[i] = d->info;
        /* Parameter info lives in the definitions; expose it as a plain array. */
        static struct m365_param_info store[sizeof(m365_detections) / sizeof(m365_detections[0])][32];
        size_t n = d->n_params < 32 ? d->n_params : 32;
        for (size_t k = 0; k < n; k++) {
            store[i][k] = d->params[k].info;
        }
        rule_infos[i].params = store[i];
        rule_infos[i].n_params = n;
    }
    return &rule_infos[i];
}

const struct m365_rule_info *m365_rule_find(const char *id)
{
    for (size_t i = 0; i < m365_n_detections; i++) {
        if (strcmp(m365_detections[i]->info.id, id) == 0) {
            return m365_rule(i);
        }
    }
    return NULL;
}

/* --- parameters ---------------------------------------------------------------------------- */

int m365_param_parse(enum m365_param_type t, const char *text, void *out)
{
    char *end;
    switch (t) {
    case M365_PARAM_UINT: {
        int64_t v;
        if (m365_parse_i64(text, strlen(text), 0, UINT32_MAX, &v) != 0) {
            return -1;
        }
        *(uint32_t *)out = (uint32_t)v;
        return 0;
    }
    case M365_PARAM_DOUBLE: {
        double v = strtod(text, &end);
        if (end == text || *end || v != v) {
            return -1;
        }
        *(double *)out = v;
        return 0;
    }
    case M365_PARAM_DURATION: {
        double v = strtod(text, &end);
        if (end == text || v < 0 || v != v) {
            return -1;
        }
        double mul;
        if (strcmp(end, "ms") == 0) {
            mul = 1;
        } else if (strcmp(end, "s") == 0 || *end == '\0') {
            mul = 1000;
        } else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0) {
            mul = 60e3;
        } else if (strcmp(end, "h") == 0) {
            mul = 3600e3;
        } else if (strcmp(end, "d") == 0) {
            mul = 86400e3;
        } else {
            return -1;
        }
        if (v * mul > 9.0e15) {
            return -1;
        }
        *(int64_t *)out = (int64_t)(v * mul);
        return 0;
    }
    case M365_PARAM_BOOL:
        if (m365_ieq(text, "true") || m365_ieq(text, "yes") || strcmp(text, "1") == 0 ||
            m365_ieq(text, "on")) {
            *(bool *)out = true;
            return 0;
        }
        if (m365_ieq(text, "false") || m365_ieq(text, "no") || strcmp(text, "0") == 0 ||
            m365_ieq(text, "off")) {
            *(bool *)out = false;
            return 0;
        }
        return -1;
    }
    return -1;
}

enum m365_status m365_rule_config_init(struct m365_rule_config *rc)
{
    size_t n = m365_n_detections ? m365_n_detections : 1;
    rc->cfg = calloc(n, sizeof(*rc->cfg));
    rc->enabled = calloc(n, sizeof(*rc->enabled));
    if (!rc->cfg || !rc->enabled) {
        m365_rule_config_free(rc);
        return M365_E_NOMEM;
    }
    for (size_t i = 0; i < m365_n_detections; i++) {
        const struct m365_detection *d = m365_detections[i];
        rc->enabled[i] = true;
        rc->cfg[i] = calloc(1, d->cfg_size ? d->cfg_size : 1);
        if (!rc->cfg[i]) {
            m365_rule_config_free(rc);
            return M365_E_NOMEM;
        }
        for (size_t k = 0; k < d->n_params; k++) {
            const struct m365_param_def *p = &d->params[k];
            /* Defaults are part of the build: a bad one is a programmer error. */
            if (m365_param_parse(p->info.type, p->info.def, (char *)rc->cfg[i] + p->offset) != 0) {
                fprintf(stderr, "m365hunt: internal error: %s.%s: bad default '%s'\n",
                        d->info.id, p->info.name, p->info.def);
                abort();
            }
        }
    }
    return M365_OK;
}

void m365_rule_config_free(struct m365_rule_config *rc)
{
    if (rc->cfg) {
        for (size_t i = 0; i < m365_n_detections; i++) {
            free(rc->cfg[i]);
        }
    }
    free(rc->cfg);
    free(rc->enabled);
    rc->cfg = NULL;
    rc->enabled = NULL;
}

enum m365_status m365_rule_config_set(struct m365_rule_config *rc, const char *rule,
                                      const char *param, const char *value, const char **why)
{
    for (size_t i = 0; i < m365_n_detections; i++) {
        const struct m365_detection *d = m365_detections[i];
        if (strcmp(d->info.id, rule) != 0) {
            continue;
        }
        if (strcmp(param, "enabled") == 0) {
            if (m365_param_parse(M365_PARAM_BOOL, value, &rc->enabled[i]) != 0) {
                *why = "enabled takes true or false";
                return M365_E_CONFIG;
            }
            return M365_OK;
        }
        for (size_t k = 0; k < d->n_params; k++) {
            const struct m365_param_def *p = &d->params[k];
            if (strcmp(p->info.name, param) == 0) {
                if (m365_param_parse(p->info.type, value, (char *)rc->cfg[i] + p->offset) != 0) {
                    static const char *const kinds[] = {
                        "takes a whole number", "takes a number",
                        "takes a duration such as 90s, 60m, 24h or 7d", "takes true or false"};
                    *why = kinds[p->info.type];
                    return M365_E_CONFIG;
                }
                return M365_OK;
            }
        }
        *why = "unknown parameter for this rule (see 'm365hunt rules show')";
        return M365_E_CONFIG;
    }
    *why = "unknown rule id (see 'm365hunt rules list')";
    return M365_E_CONFIG;
}

/* --- running ------------------------------------------------------------------------------- */

struct m365_detect_state {
    struct m365_finding *findings;
    size_t n, cap;
    struct m365_audit_fact *facts;
    size_t n_facts, cap_facts;
    struct m365_not_evaluated *skipped;
    size_t n_skipped, cap_skipped;
    struct m365_arena *arenas; /* one per detection thread: what findings point to */
    unsigned n_arenas;
    int64_t *rule_state; /* per registered detection: state held after the last event, or -1 */
};

struct m365_dctx {
    struct m365_scan *scan;
    struct m365_detect_state *st;          /* where this detection's results go */
    const struct m365_detect_state *facts; /* the facts it may read: earlier detections' */
    const struct m365_detection *det;
    const void *cfg;
    bool skip;
    uint32_t kinds_present;
    struct m365_arena *arena;
};

const void *m365_dctx_cfg(struct m365_dctx *dc) { return dc->cfg; }

const struct m365_event *m365_dctx_keep(struct m365_dctx *dc, const struct m365_event *ev)
{
    return ev ? m365_scan_event(dc->scan, ev->seq) : NULL;
}

const struct m365_event *m365_dctx_ref_at(struct m365_dctx *dc, uint32_t ref,
                                          struct m365_event *buf)
{
    return ref ? m365_scan_event_brief(dc->scan, ref - 1, buf) : NULL;
}

const struct m365_event *m365_dctx_ref_keep(struct m365_dctx *dc, uint32_t ref)
{
    return ref ? m365_scan_event(dc->scan, ref - 1) : NULL;
}

struct m365_arena *m365_dctx_arena(struct m365_dctx *dc) { return dc->arena; }

const char *m365_dctx_intern(struct m365_dctx *dc, const char *s, size_t len)
{
    return m365_scan_intern(dc->scan, s, len);
}

const char *m365_dctx_intern_lower(struct m365_dctx *dc, const char *s, size_t len)
{
    return m365_scan_intern_lower(dc->scan, s, len);
}

const char *m365_dctx_lower_key(struct m365_dctx *dc, const char *s)
{
    return m365_scan_lower_key(dc->scan, s);
}

const char *m365_dctx_upn_of_id(struct m365_dctx *dc, const char *id)
{
    return m365_scan_upn_of_id(dc->scan, id);
}

const char *m365_dctx_app_name(struct m365_dctx *dc, const char *id)
{
    return m365_scan_app_name(dc->scan, id);
}

const char *m365_dctx_app_label(struct m365_dctx *dc, const char *id, char *buf, size_t size)
{
    const char *l = id ? m365_scan_app_label(dc->scan, id, buf, size) : "?";
    if (l != buf) {
        snprintf(buf, size, "%s", l);
    }
    return buf;
}

size_t m365_dctx_app_list(struct m365_dctx *dc, const char *const *ids, size_t shown, size_t n,
                          char *out, size_t size)
{
    enum { MAX = 8, LABEL = 320 };
    char labels[MAX][LABEL];
    const char *items[MAX];
    shown = shown < MAX ? shown : MAX;
    for (size_t i = 0; i < shown; i++) {
        items[i] = m365_dctx_app_label(dc, ids[i], labels[i], LABEL);
    }
    return m365_join_list(items, shown, n, out, size);
}

bool m365_dctx_has_kind(struct m365_dctx *dc, enum m365_event_kind k)
{
    return (dc->kinds_present & M365_KIND_BIT(k)) != 0;
}

bool m365_dctx_has_source(struct m365_dctx *dc, enum m365_log_source s)
{
    const struct m365_source_stats *st = m365_scan_log_stats(dc->scan, s);
    return st && st->events > 0;
}

void m365_dctx_source_span(struct m365_dctx *dc, enum m365_log_source s, int64_t *first,
                           int64_t *last)
{
    const struct m365_source_stats *st = m365_scan_log_stats(dc->scan, s);
    *first = st ? st->first_ms : INT64_MIN;
    *last = st ? st->last_ms : INT64_MIN;
}

bool m365_dctx_source_covers(struct m365_dctx *dc, enum m365_log_source s, int64_t t,
                             int64_t slack)
{
    return m365_scan_source_covers(dc->scan, s, t, slack);
}

bool m365_dctx_is_vip(struct m365_dctx *dc, const char *mailbox)
{
    return m365_scan_is_vip(dc->scan, mailbox);
}

size_t m365_dctx_n_vips(struct m365_dctx *dc)
{
    return m365_scan_n_vips(dc->scan);
}

const char *m365_dctx_home_tenant(struct m365_dctx *dc)
{
    return m365_scan_home_tenant(dc->scan);
}

const struct m365_snap_ctx *m365_dctx_snapshot(struct m365_dctx *dc)
{
    return m365_scan_snap_ctx(dc->scan);
}

const struct m365_ipinfo *m365_dctx_ipinfo(struct m365_dctx *dc, const char *ip)
{
    return m365_enrich_ip(m365_scan_enrich(dc->scan), ip);
}

bool m365_dctx_has_ip_ranges(struct m365_dctx *dc)
{
    return m365_enrich_has_ranges(m365_scan_enrich(dc->scan));
}

bool m365_dctx_has_asn_db(struct m365_dctx *dc)
{
    return m365_enrich_has_asn(m365_scan_enrich(dc->scan));
}

bool m365_dctx_has_geo_db(struct m365_dctx *dc)
{
    return m365_enrich_has_geo(m365_scan_enrich(dc->scan));
}

bool m365_dctx_has_trusted_ips(struct m365_dctx *dc)
{
    return m365_enrich_has_trusted(m365_scan_enrich(dc->scan));
}

static void add_not_evaluated(struct m365_detect_state *st, const char *rule, const char *reason,
                              bool in_part)
{
    if (st->n_skipped == st->cap_skipped) {
        size_t nc = st->cap_skipped ? st->cap_skipped * 2 : 8;
        struct m365_not_evaluated *ns = realloc(st->skipped, nc * sizeof(*ns));
        if (!ns) {
            return;
        }
        st->skipped = ns;
        st->cap_skipped = nc;
    }
    st->skipped[st->n_skipped].rule = rule;
    st->skipped[st->n_skipped].reason = reason;
    st->skipped[st->n_skipped].in_part = in_part;
    st->n_skipped++;
}

__attribute__((format(printf, 3, 0))) static void rule_note(struct m365_dctx *dc, bool in_part,
                                                          const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    add_not_evaluated(dc->st, dc->det->info.id, m365_dctx_intern(dc, msg, strlen(msg)), in_part);
}

void m365_dctx_not_evaluated(struct m365_dctx *dc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rule_note(dc, false, fmt, ap);
    va_end(ap);
    dc->skip = true;
}

void m365_dctx_evaluated_in_part(struct m365_dctx *dc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rule_note(dc, true, fmt, ap);
    va_end(ap);
}

static void add_fact(struct m365_dctx *dc, const struct m365_audit_fact *f)
{
    struct m365_detect_state *st = dc->st;
    if (st->n_facts == st->cap_facts) {
        size_t nc = st->cap_facts ? st->cap_facts * 2 : 16;
        struct m365_audit_fact *nf = realloc(st->facts, nc * sizeof(*nf));
        if (!nf) {
            return;
        }
        st->facts = nf;
        st->cap_facts = nc;
    }
    st->facts[st->n_facts++] = *f;
}

void m365_dctx_fact_audit_off(struct m365_dctx *dc, const char *mailbox, int64_t from_ms,
                              int64_t to_ms, const char *how)
{
    if (!mailbox) {
        return;
    }
    struct m365_audit_fact f = {m365_dctx_intern(dc, mailbox, strlen(mailbox)), from_ms, to_ms,
                                from_ms, how ? m365_dctx_intern(dc, how, strlen(how)) : NULL,
                                false, NULL};
    add_fact(dc, &f);
}

void m365_dctx_fact_handed_over(struct m365_dctx *dc, const char *mailbox, const char *grantee,
                                int64_t at_ms)
{
    if (!mailbox || !grantee) {
        return;
    }
    struct m365_audit_fact f = {m365_dctx_intern_lower(dc, mailbox, strlen(mailbox)), at_ms,
                                M365_TIME_NONE, at_ms, "handed over", false,
                                m365_dctx_intern_lower(dc, grantee, strlen(grantee))};
    add_fact(dc, &f);
}

void m365_dctx_fact_throttled(struct m365_dctx *dc, const char *mailbox, int64_t at_ms)
{
    if (!mailbox) {
        return;
    }
    struct m365_audit_fact f = {m365_dctx_intern(dc, mailbox, strlen(mailbox)), at_ms,
                                at_ms == M365_TIME_NONE ? M365_TIME_NONE : at_ms + M365_DAY_MS,
                                at_ms, "throttled", true, NULL};
    add_fact(dc, &f);
}

static int cmp_opt_str(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) : (a != NULL) - (b != NULL);
}

static int cmp_fact(const void *a, const void *b)
{
    const struct m365_audit_fact *x = a, *y = b;
    int c = cmp_opt_str(x->mailbox, y->mailbox);
    if (c) {
        return c;
    }
    if (x->throttled != y->throttled) {
        return x->throttled ? 1 : -1;
    }
    c = cmp_opt_str(x->grantee, y->grantee);
    if (c) {
        return c;
    }
    if (x->from_ms != y->from_ms) {
        return x->from_ms < y->from_ms ? -1 : 1;
    }
    if (x->to_ms != y->to_ms) {
        return x->to_ms < y->to_ms ? -1 : 1;
    }
    if (x->at_ms != y->at_ms) {
        return x->at_ms < y->at_ms ? -1 : 1;
    }
    return cmp_opt_str(x->how, y->how);
}

size_t m365_dctx_n_facts(struct m365_dctx *dc)
{
    return dc->facts ? dc->facts->n_facts : 0;
}

const struct m365_audit_fact *m365_dctx_fact(struct m365_dctx *dc, size_t i)
{
    return dc->facts && i < dc->facts->n_facts ? &dc->facts->facts[i] : NULL;
}

size_t m365_detect_n_facts(const struct m365_detect_state *d)
{
    return d ? d->n_facts : 0;
}

const struct m365_audit_fact *m365_detect_fact(const struct m365_detect_state *d, size_t i)
{
    return d && i < d->n_facts ? &d->facts[i] : NULL;
}

struct m365_finding *m365_detect_finding_mut(struct m365_detect_state *d, size_t i)
{
    return d && i < d->n ? &d->findings[i] : NULL;
}

static const char *first_entity(const struct m365_finding *f)
{
    for (int k = 0; k < M365_ENT__COUNT; k++) {
        if (f->entities[k].n) {
            return f->entities[k].items[0];
        }
    }
    return "";
}

/* first_seen, then rule id, then first entity, then summary: stable whatever the input order. */
static int cmp_finding(const void *a, const void *b)
{
    const struct m365_finding *x = a, *y = b;
    if (x->first_ms != y->first_ms) {
        return x->first_ms < y->first_ms ? -1 : 1;
    }
    int c = strcmp(x->rule, y->rule);
    if (c == 0) {
        c = strcmp(first_entity(x), first_entity(y));
    }
    return c ? c : strcmp(x->summary ? x->summary : "", y->summary ? y->summary : "");
}

static const char *kind_list(uint32_t mask, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t n = 0;
    for (int k = 0; k < M365_EV__COUNT; k++) {
        if (mask & M365_KIND_BIT(k)) {
            n += (size_t)snprintf(buf + n, size > n ? size - n : 0, "%s%s", n ? ", " : "",
                                  m365_event_kind_name((enum m365_event_kind)k));
        }
    }
    return buf;
}

/* Detections that read facts other detections state (m365_dctx_fact) run after those have
 * finished; every other detection runs in parallel with the rest. */
static bool reads_facts(const struct m365_detection *det)
{
    return det->reads_facts;
}

/* A detection under way: its context and state. */
struct det_live {
    struct m365_dctx dc;
    void *state;
    size_t heap0;
    bool begun;     /* set up by job_begin: job_end finishes it */
    bool observing; /* set up, and its init did not skip the evidence */
};

/* One detection's run: its results stay apart until they are merged in registry order. */
struct det_job {
    size_t d;
    uint64_t cost; /* events it will observe: the longest jobs are dealt first */
    uint32_t group; /* which walk over the events it joins (run_phase) */
    struct det_live live;
    int64_t state_bytes; /* heap it held after its last event (when measuring), else -1 */
    struct m365_detect_state part;
    enum m365_status status;
};

struct det_run {
    struct m365_scan *s;
    bool measure; /* one thread, one detection at a time: the heap each grows is its own */
    const struct m365_rule_config *rc;
    const uint8_t *kinds; /* event i's kind: every detection walks this, not the events */
    const uint64_t *per_kind; /* events of each kind */
    size_t n;
    uint32_t present;
    const struct m365_detect_state *facts; /* merged facts of the first phase */
    struct det_job **order;                /* jobs of the current phase, group by group */
    size_t n_order;
    size_t *group_at; /* group g is order[group_at[g] .. group_at[g + 1]) */
    size_t n_groups;
    _Atomic size_t next; /* the next group to take */
};

/* Checks and sets a job up (job->live.begun: job_end must finish it). Not begun when it has
 * nothing to run (disabled, kinds missing, out of memory): its outcome is recorded already. */
static void job_begin(struct det_run *r, struct det_job *job, struct m365_arena *arena)
{
    const struct m365_detection *det = m365_detections[job->d];
    struct m365_detect_state *st = &job->part;
    struct det_live *lv = &job->live;
    struct m365_dctx dc = {r->s,   st,    r->facts, det, r->rc->cfg[job->d],
                           false,  r->present, arena};
    lv->dc = dc;
    lv->begun = lv->observing = false;
    if (!r->rc->enabled[job->d]) {
        add_not_evaluated(st, det->info.id, "disabled in the configuration", false);
        return;
    }
    if ((det->needs & r->present) != det->needs) {
        char kinds[256], msg[512];
        snprintf(msg, sizeof(msg), "needs %s; the evidence holds no %s events", det->info.needs,
                 kind_list(det->needs & ~r->present, kinds, sizeof(kinds)));
        add_not_evaluated(st, det->info.id, m365_scan_intern(r->s, msg, strlen(msg)), false);
        return;
    }
    lv->state = calloc(1, det->state_size ? det->state_size : 1);
    if (!lv->state) {
        job->status = M365_E_NOMEM;
        return;
    }
    lv->heap0 = 0;
    if (r->measure) {
        struct mallinfo2 mi = mallinfo2();
        lv->heap0 = mi.uordblks + mi.hblkhd;
    }
    if (det->init) {
        det->init(&lv->dc, lv->state);
    }
    lv->begun = true;
    lv->observing = !lv->dc.skip;
}

/* Finishes a job that job_begin set up. */
static void job_end(struct det_run *r, struct det_job *job)
{
    struct det_live *lv = &job->live;
    const struct m365_detection *det = lv->dc.det;
    struct m365_detect_state *st = lv->dc.st;
    if (lv->observing) {
        if (r->measure) {
            /* What the detection keeps across events, measured before finish() reports. */
            struct mallinfo2 mi = mallinfo2();
            size_t heap1 = mi.uordblks + mi.hblkhd;
            job->state_bytes = heap1 > lv->heap0 ? (int64_t)(heap1 - lv->heap0) : 0;
        }
        if (det->finish) {
            det->finish(&lv->dc, lv->state);
        }
    }
    /* Detections often state facts while walking a map, in address order: put them in an
     * order of their own so that later detections and the coverage see the same list whatever
     * the memory layout (threads, allocator). */
    if (st->n_facts > 1) {
        m365_qsort(st->facts, st->n_facts, sizeof(*st->facts), cmp_fact);
    }
    if (det->free_state) {
        det->free_state(lv->state);
    }
    free(lv->state);
}

/* One walk over the events, in time order, for jobs[0..n): each event is unpacked once for all
 * of them (unpacking is much of what a detection costs per event) and handed to each job that
 * wants its kind, in the jobs' order. */
static void observe_events(struct det_run *r, struct det_job **jobs, size_t n)
{
    uint32_t want = 0;
    for (size_t j = 0; j < n; j++) {
        want |= jobs[j]->live.observing ? jobs[j]->live.dc.det->kinds : 0;
    }
    for (size_t i = 0; i < r->n && want; i++) {
        uint32_t bit = M365_KIND_BIT(r->kinds[i]);
        if (!(want & bit)) {
            continue;
        }
#ifdef M365_CHECK_TRANSIENT_EVENTS
        /* Each event in its own allocation, freed after the calls: a detection that holds on
         * to it without m365_dctx_keep() reads freed memory (ASan). */
        struct m365_event *ev = malloc(sizeof(*ev));
        if (!ev) {
            for (size_t j = 0; j < n; j++) {
                jobs[j]->status = jobs[j]->live.observing ? M365_E_NOMEM : jobs[j]->status;
            }
            return;
        }
        m365_scan_event_brief(r->s, i, ev);
#else
        struct m365_event evb; /* unpacked for these calls only */
        const struct m365_event *ev = m365_scan_event_brief(r->s, i, &evb);
#endif
        for (size_t j = 0; j < n; j++) {
            struct det_live *lv = &jobs[j]->live;
            if (lv->observing && (lv->dc.det->kinds & bit)) {
                lv->dc.det->observe(&lv->dc, lv->state, ev);
            }
        }
#ifdef M365_CHECK_TRANSIENT_EVENTS
        memset(ev, 0xa5, sizeof(*ev));
        free(ev);
#endif
    }
}

/* Runs group g: its jobs set up (unless run_phase did, to deal them), one walk over the events,
 * finished. */
static void run_group(struct det_run *r, size_t g, struct m365_arena *arena)
{
    struct det_job **jobs = r->order + r->group_at[g];
    size_t n = r->group_at[g + 1] - r->group_at[g];
    for (size_t j = 0; j < n; j++) {
        if (r->measure) {
            job_begin(r, jobs[j], arena);
        }
        jobs[j]->live.dc.arena = arena; /* this thread's from now on */
    }
    observe_events(r, jobs, n);
    for (size_t j = 0; j < n; j++) {
        if (jobs[j]->live.begun) {
            job_end(r, jobs[j]);
        }
    }
}

struct det_worker {
    struct det_run *run;
    struct m365_arena *arena;
};

static void *det_worker_main(void *arg)
{
    struct det_worker *w = arg;
    struct det_run *r = w->run;
    for (;;) {
        size_t g = atomic_fetch_add(&r->next, 1);
        if (g >= r->n_groups) {
            break;
        }
        run_group(r, g, w->arena);
    }
    return NULL;
}

static int cmp_job_cost(const void *a, const void *b)
{
    const struct det_job *x = *(const struct det_job *const *)a;
    const struct det_job *y = *(const struct det_job *const *)b;
    if (x->cost != y->cost) {
        return x->cost > y->cost ? -1 : 1;
    }
    return x->d < y->d ? -1 : x->d > y->d;
}

static int cmp_job_group(const void *a, const void *b)
{
    const struct det_job *x = *(const struct det_job *const *)a;
    const struct det_job *y = *(const struct det_job *const *)b;
    if (x->group != y->group) {
        return x->group < y->group ? -1 : 1;
    }
    return x->d < y->d ? -1 : x->d > y->d;
}

/* Events a walk unpacks for detections wanting `kinds`. */
static uint64_t walk_cost(const struct det_run *r, uint32_t kinds)
{
    uint64_t n = 0;
    for (int k = 0; k < M365_EV__COUNT; k++) {
        n += (kinds & M365_KIND_BIT(k)) ? r->per_kind[k] : 0;
    }
    return n;
}

/* Runs the jobs in r->order on up to `threads` threads (the calling one included). Measuring
 * (tests, one thread), each job is set up and walks the events alone, so that the heap it grows
 * is its own. Else every job is set up first (its init may find it has nothing to do), then the
 * jobs are dealt into one group per thread, the longest first, each to the group whose walk it
 * lengthens least (events unpacked plus observe calls), and each group walks the events once. */
static void run_phase(struct det_run *r, struct det_worker *ws, unsigned threads)
{
    atomic_store(&r->next, 0);
    m365_qsort(r->order, r->n_order, sizeof(*r->order), cmp_job_cost);
    size_t groups = r->measure ? r->n_order : threads;
    if (groups > r->n_order) {
        groups = r->n_order;
    }
    uint64_t calls[64] = {0};
    uint32_t kinds[64] = {0};
    for (size_t j = 0; j < r->n_order; j++) {
        struct det_job *job = r->order[j];
        size_t g = 0;
        if (r->measure) {
            g = j;
        } else {
            job_begin(r, job, ws[0].arena);
            uint32_t jk = job->live.observing ? job->live.dc.det->kinds : 0;
            uint64_t best = UINT64_MAX;
            for (size_t k = 0; k < groups; k++) {
                uint64_t l = walk_cost(r, kinds[k] | jk) + calls[k];
                if (l < best) {
                    best = l;
                    g = k;
                }
            }
            kinds[g] |= jk;
            calls[g] += job->live.observing ? job->cost : 0;
        }
        job->group = (uint32_t)g;
    }
    /* Group by group, each in registry order. */
    m365_qsort(r->order, r->n_order, sizeof(*r->order), cmp_job_group);
    r->n_groups = 0;
    for (size_t j = 0; j < r->n_order; j++) {
        if (j == 0 || r->order[j]->group != r->order[j - 1]->group) {
            r->group_at[r->n_groups++] = j;
        }
    }
    r->group_at[r->n_groups] = r->n_order;
    if (threads > r->n_groups) {
        threads = r->n_groups ? (unsigned)r->n_groups : 1;
    }
    pthread_t tids[64];
    unsigned started = 0;
    for (unsigned t = 1; t < threads && t < 64; t++) {
        if (pthread_create(&tids[started], NULL, det_worker_main, &ws[t]) == 0) {
            started++;
        }
    }
    det_worker_main(&ws[0]);
    for (unsigned t = 0; t < started; t++) {
        pthread_join(tids[t], NULL);
    }
}

/* Appends src's results to dst (findings, facts, rules not evaluated), in that order. */
static enum m365_status merge_part(struct m365_detect_state *dst, struct m365_detect_state *src)
{
    if (src->n) {
        struct m365_finding *nf =
            realloc(dst->findings, (dst->n + src->n) * sizeof(*nf));
        if (!nf) {
            return M365_E_NOMEM;
        }
        memcpy(nf + dst->n, src->findings, src->n * sizeof(*nf));
        dst->findings = nf;
        dst->n += src->n;
        dst->cap = dst->n;
    }
    if (src->n_facts) {
        struct m365_audit_fact *nf =
            realloc(dst->facts, (dst->n_facts + src->n_facts) * sizeof(*nf));
        if (!nf) {
            return M365_E_NOMEM;
        }
        memcpy(nf + dst->n_facts, src->facts, src->n_facts * sizeof(*nf));
        dst->facts = nf;
        dst->n_facts += src->n_facts;
        dst->cap_facts = dst->n_facts;
    }
    for (size_t i = 0; i < src->n_skipped; i++) {
        add_not_evaluated(dst, src->skipped[i].rule, src->skipped[i].reason,
                          src->skipped[i].in_part);
    }
    return M365_OK;
}

enum m365_status m365_detect_run(struct m365_scan *s, const struct m365_rule_config *rc,
                                 struct m365_detect_state **out)
{
    size_t n = m365_scan_n_events(s);
    struct m365_detect_state *st = calloc(1, sizeof(*st));
    if (!st) {
        return M365_E_NOMEM;
    }
    *out = st;
    uint32_t present = 0;
    uint64_t per_kind[M365_EV__COUNT] = {0};
    const uint8_t *kinds = m365_scan_event_kinds(s);
    for (size_t i = 0; i < n; i++) {
        present |= M365_KIND_BIT(kinds[i]);
        per_kind[kinds[i]]++;
    }
    bool measure = m365_scan_measuring_rule_state(s);
    unsigned threads = measure ? 1 : m365_scan_detect_threads(s);
    if (threads < 1) {
        threads = 1;
    }
    if (threads > m365_n_detections) {
        threads = (unsigned)m365_n_detections;
    }
    if (threads > 64) {
        threads = 64; /* run_phase's groups */
    }
    struct det_job *jobs = calloc(m365_n_detections ? m365_n_detections : 1, sizeof(*jobs));
    struct det_job **order = calloc(m365_n_detections ? m365_n_detections : 1, sizeof(*order));
    size_t *group_at = calloc(m365_n_detections + 1, sizeof(*group_at));
    struct det_worker *ws = calloc(threads, sizeof(*ws));
    st->arenas = threads > 1 ? calloc(threads, sizeof(*st->arenas)) : NULL;
    if (!jobs || !order || !group_at || !ws || (threads > 1 && !st->arenas)) {
        free(jobs);
        free(order);
        free(group_at);
        free(ws);
        return M365_E_NOMEM;
    }
    struct det_run r;
    memset(&r, 0, sizeof(r));
    r.s = s;
    r.rc = rc;
    r.kinds = kinds;
    r.per_kind = per_kind;
    r.n = n;
    r.present = present;
    r.order = order;
    r.group_at = group_at;
    r.measure = measure;
    for (unsigned t = 0; t < threads; t++) {
        ws[t].run = &r;
        if (threads > 1) {
            m365_arena_init(&st->arenas[t], 1u << 16);
            ws[t].arena = &st->arenas[t];
        } else {
            ws[t].arena = m365_scan_arena(s);
        }
    }
    st->n_arenas = threads > 1 ? threads : 0;
    st->rule_state = calloc(m365_n_detections ? m365_n_detections : 1, sizeof(*st->rule_state));
    for (size_t d = 0; d < m365_n_detections; d++) {
        jobs[d].d = d;
        jobs[d].state_bytes = -1;
        for (int k = 0; k < M365_EV__COUNT; k++) {
            if (m365_detections[d]->kinds & M365_KIND_BIT(k)) {
                jobs[d].cost += per_kind[k];
            }
        }
    }
    if (threads > 1) {
        m365_scan_set_shared(s, true);
    }
    /* Phase 1: every detection that reads no other's facts. */
    for (size_t d = 0; d < m365_n_detections; d++) {
        if (!reads_facts(m365_detections[d])) {
            order[r.n_order++] = &jobs[d];
        }
    }
    run_phase(&r, ws, threads);
    /* Their facts, in registry order, for phase 2. */
    struct m365_detect_state facts;
    memset(&facts, 0, sizeof(facts));
    enum m365_status rs = M365_OK;
    for (size_t d = 0; d < m365_n_detections && rs == M365_OK; d++) {
        if (!reads_facts(m365_detections[d]) && jobs[d].part.n_facts) {
            struct m365_detect_state only = {0};
            only.facts = jobs[d].part.facts;
            only.n_facts = jobs[d].part.n_facts;
            rs = merge_part(&facts, &only);
        }
    }
    r.facts = &facts;
    r.n_order = 0;
    for (size_t d = 0; d < m365_n_detections; d++) {
        if (reads_facts(m365_detections[d])) {
            order[r.n_order++] = &jobs[d];
        }
    }
    if (rs == M365_OK) {
        run_phase(&r, ws, threads);
    }
    if (threads > 1) {
        m365_scan_set_shared(s, false);
    }
    /* Everything in registry order, as if the detections had run one after the other. */
    for (size_t d = 0; d < m365_n_detections; d++) {
        if (rs == M365_OK && jobs[d].status != M365_OK) {
            rs = jobs[d].status;
        }
        if (rs == M365_OK) {
            rs = merge_part(st, &jobs[d].part);
        }
        if (st->rule_state) {
            st->rule_state[d] = jobs[d].state_bytes;
        }
        free(jobs[d].part.findings);
        free(jobs[d].part.facts);
        free(jobs[d].part.skipped);
    }
    free(facts.facts);
    free(jobs);
    free(order);
    free(group_at);
    free(ws);
    if (rs != M365_OK) {
        return rs;
    }
    if (st->n > 1) {
        m365_qsort(st->findings, st->n, sizeof(*st->findings), cmp_finding);
    }
    return M365_OK;
}

size_t m365_detect_n_findings(const struct m365_detect_state *d) { return d ? d->n : 0; }

int64_t m365_detect_state_bytes(const struct m365_detect_state *d, size_t i)
{
    return d && d->rule_state && i < m365_n_detections ? d->rule_state[i] : -1;
}

const struct m365_finding *m365_detect_finding(const struct m365_detect_state *d, size_t i)
{
    return d && i < d->n ? &d->findings[i] : NULL;
}

size_t m365_detect_n_not_evaluated(const struct m365_detect_state *d)
{
    return d ? d->n_skipped : 0;
}

const struct m365_not_evaluated *m365_detect_not_evaluated(const struct m365_detect_state *d,
                                                           size_t i)
{
    return d && i < d->n_skipped ? &d->skipped[i] : NULL;
}

void m365_detect_free(struct m365_detect_state *d)
{
    if (d) {
        for (unsigned i = 0; i < d->n_arenas; i++) {
            m365_arena_free(&d->arenas[i]);
        }
        free(d->arenas);
        free(d->rule_state);
        free(d->facts);
        free(d->findings);
        free(d->skipped);
        free(d);
    }
}

/* --- finding builder ----------------------------------------------------------------------- */

struct m365_fb {
    struct m365_dctx *dc;
    struct m365_finding f;
    const char **ent[M365_ENT__COUNT];
    size_t n_ent[M365_ENT__COUNT], cap_ent[M365_ENT__COUNT];
    const struct m365_event *ev[M365_FINDING_MAX_EVIDENCE];
    struct m365_buf details;
    int details_first;
    char summary[1024];
};

struct m365_fb *m365_fb_begin(struct m365_dctx *dc, enum m365_severity sev)
{
    struct m365_fb *fb = calloc(1, sizeof(*fb));
    if (!fb) {
        return NULL;
    }
    fb->dc = dc;
    fb->f.rule = dc->det->info.id;
    fb->f.title = dc->det->info.title;
    fb->f.severity = sev;
    fb->f.first_ms = fb->f.last_ms = M365_TIME_NONE;
    fb->f.incident = -1;
    size_t nt = 0;
    while (dc->det->info.techniques && dc->det->info.techniques[nt]) {
        nt++;
    }
    fb->f.techniques = (const char **)dc->det->info.techniques;
    fb->f.n_techniques = nt;
    m365_buf_init(&fb->details, 1u << 20);
    fb->details_first = 1;
    return fb;
}

void m365_fb_severity(struct m365_fb *fb, enum m365_severity sev)
{
    if (fb) {
        fb->f.severity = sev;
    }
}

void m365_fb_entity(struct m365_fb *fb, enum m365_entity_kind k, const char *value)
{
    if (!fb || !value || !*value || (unsigned)k >= M365_ENT__COUNT) {
        return;
    }
    for (size_t i = 0; i < fb->n_ent[k]; i++) {
        if (strcmp(fb->ent[k][i], value) == 0) {
            return;
        }
    }
    if (fb->n_ent[k] == fb->cap_ent[k]) {
        size_t nc = fb->cap_ent[k] ? fb->cap_ent[k] * 2 : 8;
        const char **ne = realloc(fb->ent[k], nc * sizeof(*ne));
        if (!ne) {
            return;
        }
        fb->ent[k] = ne;
        fb->cap_ent[k] = nc;
    }
    fb->ent[k][fb->n_ent[k]++] = m365_dctx_intern(fb->dc, value, strlen(value));
}

void m365_fb_event(struct m365_fb *fb, const struct m365_event *ev)
{
    if (!fb || !ev) {
        return;
    }
    fb->f.evidence_total++;
    if (ev->time_ms != M365_TIME_NONE) {
        if (fb->f.first_ms == M365_TIME_NONE || ev->time_ms < fb->f.first_ms) {
            fb->f.first_ms = ev->time_ms;
        }
        if (fb->f.last_ms == M365_TIME_NONE || ev->time_ms > fb->f.last_ms) {
            fb->f.last_ms = ev->time_ms;
        }
    }
    /* Keep the earliest events (by stream position, which is time order). */
    size_t n = fb->f.n_evidence;
    size_t i = n;
    while (i > 0 && fb->ev[i - 1]->seq > ev->seq) {
        i--;
    }
    if (i > 0 && fb->ev[i - 1]->seq == ev->seq) {
        fb->f.evidence_total--; /* the same event twice */
        return;
    }
    if (i == M365_FINDING_MAX_EVIDENCE) {
        return; /* later than every kept one */
    }
    const struct m365_event *kept = m365_dctx_keep(fb->dc, ev);
    if (!kept) {
        return;
    }
    if (n == M365_FINDING_MAX_EVIDENCE) {
        n--; /* the latest gives way */
    }
    memmove(&fb->ev[i + 1], &fb->ev[i], (n - i) * sizeof(fb->ev[0]));
    fb->ev[i] = kept;
    fb->f.n_evidence = n + 1;
}

void m365_fb_ref(struct m365_fb *fb, uint32_t ref)
{
    struct m365_event buf;
    if (fb && ref) {
        m365_fb_event(fb, m365_dctx_ref_at(fb->dc, ref, &buf));
    }
}

void m365_fb_summary(struct m365_fb *fb, const char *fmt, ...)
{
    if (!fb) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(fb->summary, sizeof(fb->summary), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(fb->summary)) { /* names from the logs made it long: cut, said so */
        size_t cut = sizeof(fb->summary) - 5;
        while (cut && ((unsigned char)fb->summary[cut] & 0xc0) == 0x80) {
            cut--; /* not inside a character */
        }
        memcpy(fb->summary + cut, "\xe2\x80\xa6.", 5); /* "…." */
    }
    /* One line to paste into a ticket, though a name from the logs may hold line breaks (an
     * inbox rule named "a\nb"); the details keep the text as logged. */
    m365_one_line(fb->summary);
}

struct m365_buf *m365_fb_details(struct m365_fb *fb, int **first)
{
    *first = &fb->details_first;
    return &fb->details;
}

enum m365_status m365_fb_end(struct m365_fb *fb)
{
    if (!fb) {
        return M365_E_NOMEM;
    }
    struct m365_arena *ar = m365_dctx_arena(fb->dc);
    enum m365_status st = M365_OK;
    for (int k = 0; k < M365_ENT__COUNT; k++) {
        if (fb->n_ent[k]) {
            m365_qsort(fb->ent[k], fb->n_ent[k], sizeof(*fb->ent[k]), m365_cmp_cstr);
            const char **items = m365_arena_alloc(ar, fb->n_ent[k] * sizeof(*items));
            if (items) {
                memcpy(items, fb->ent[k], fb->n_ent[k] * sizeof(*items));
                fb->f.entities[k].items = items;
                fb->f.entities[k].n = fb->n_ent[k];
            }
        }
        free(fb->ent[k]);
    }
    const struct m365_event **evs = m365_arena_alloc(ar, (fb->f.n_evidence + 1) * sizeof(*evs));
    if (evs) {
        memcpy(evs, fb->ev, fb->f.n_evidence * sizeof(*evs));
        fb->f.evidence = evs;
    }
    fb->f.summary = m365_arena_strndup(ar, fb->summary, strlen(fb->summary));
    struct m365_buf obj;
    m365_buf_init(&obj, 0);
    m365_buf_putc(&obj, '{');
    m365_buf_append(&obj, fb->details.data, fb->details.len);
    m365_buf_putc(&obj, '}');
    fb->f.details_json = obj.failed ? "{}" : m365_arena_strndup(ar, obj.data, obj.len);
    m365_buf_free(&obj);
    m365_buf_free(&fb->details);
    if (!evs || !fb->f.summary || !fb->f.details_json) {
        st = M365_E_NOMEM;
    } else {
        struct m365_detect_state *ds = fb->dc->st;
        if (ds->n == ds->cap) {
            size_t nc = ds->cap ? ds->cap * 2 : 16;
            struct m365_finding *nf = realloc(ds->findings, nc * sizeof(*nf));
            if (!nf) {
                free(fb);
                return M365_E_NOMEM;
            }
            ds->findings = nf;
            ds->cap = nc;
        }
        ds->findings[ds->n++] = fb->f;
    }
    free(fb);
    return st;
}
