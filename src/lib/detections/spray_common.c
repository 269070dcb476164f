/* Password-spray analysis shared by password-spray and password-spray-success (see the header
 * for the model). */
#include "spray_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/arena.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../enrich/enrich.h"
#include "m365_ids.h"
#include "signin_util.h"
#include "../core/sort.h"

#define ACCT_RECENT 16   /* recent failure segments per account, for user-agent recovery */
#define SEG_MAX_PER_PAIR 256 /* beyond this, one (account, address) keeps extending its last */

struct vec {
    void **p;
    size_t n, cap;
};

static int vec_push(struct vec *v, void *x)
{
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 64;
        void **np = realloc(v->p, nc * sizeof(*np));
        if (!np) {
            return -1;
        }
        v->p = np;
        v->cap = nc;
    }
    v->p[v->n++] = x;
    return 0;
}

static const void *asn_key(uint32_t asn)
{
    return (const void *)(uintptr_t)asn;
}

struct pairst {
    struct m365_spray_seg *last;
    uint32_t nseg;
};

struct acctst {
    struct m365_spray_seg *recent[ACCT_RECENT];
    uint32_t n;
};

struct m365_spray {
    struct m365_arena arena;
    struct vec segs, oks;
    struct m365_map pairs;    /* (acct, ip) -> struct pairst */
    struct m365_map accts;    /* acct -> struct acctst */
    struct m365_map okpairs;  /* (acct, ip) -> struct m365_spray_ok */
    struct m365_map netfirst; /* (acct, net) -> int64_t * */
    struct m365_map asnfirst; /* (acct, asn) -> int64_t * */
    struct m365_map uafirst;  /* user agent -> int64_t * */
    struct m365_map acctua;   /* (acct, user agent) -> struct ua_use * */
    struct m365_map ipasn;    /* ip -> ASN, learnt from any record that gave one */
    struct m365_distinct ok_ip, ok_prefix, ok_asn, ok_ua, ok_app;
    struct m365_map ok_accts; /* acct -> 1: a correct password somewhere */
    uint32_t dist_accounts, dist_ips; /* the distributed thresholds the analysis used */
    bool saw_ok, saw_asn, analysed;
    struct m365_spray_campaign *camps;
    size_t n_camps;
};

struct m365_spray *m365_spray_new(void)
{
    struct m365_spray *sp = calloc(1, sizeof(*sp));
    if (sp) {
        m365_arena_init(&sp->arena, 64 * 1024);
    }
    return sp;
}

static void campaign_free(struct m365_spray_campaign *c)
{
    free(c->segs);
    free(c->accounts);
    free(c->ips);
    free(c->prefixes);
    free(c->asns);
    free(c->sources);
    free(c->sigs);
    free(c->uas);
    free(c->codes);
    free(c->apps);
}

void m365_spray_free(struct m365_spray *sp)
{
    if (!sp) {
        return;
    }
    for (size_t i = 0; i < sp->n_camps; i++) {
        campaign_free(&sp->camps[i]);
    }
    free(sp->camps);
    free(sp->segs.p);
    free(sp->oks.p);
    m365_map_free(&sp->pairs);
    m365_map_free(&sp->accts);
    m365_map_free(&sp->ok_accts);
    m365_map_free(&sp->okpairs);
    m365_map_free(&sp->netfirst);
    m365_map_free(&sp->asnfirst);
    m365_map_free(&sp->uafirst);
    m365_map_free(&sp->acctua);
    m365_map_free(&sp->ipasn);
    m365_distinct_free(&sp->ok_ip);
    m365_distinct_free(&sp->ok_prefix);
    m365_distinct_free(&sp->ok_asn);
    m365_distinct_free(&sp->ok_ua);
    m365_distinct_free(&sp->ok_app);
    m365_arena_free(&sp->arena);
    free(sp);
}

const char *m365_spray_account_of(const struct m365_event *ev)
{
    return ev->actor_upn ? ev->actor_upn : ev->actor_id;
}

uint32_t m365_spray_event_asn(struct m365_dctx *dc, const struct m365_event *ev)
{
    if (ev->ip) {
        const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, ev->ip);
        if (ii->asn) {
            return ii->asn;
        }
    }
    /* Graph beta, Azure Monitor and Log Analytics carry it (sometimes quoted, or as "AS123"). */
    const char *s = m365_event_extra(ev, "autonomousSystemNumber");
    if (!s) {
        return 0;
    }
    while (*s && (*s < '0' || *s > '9')) {
        s++;
    }
    unsigned long v = strtoul(s, NULL, 10);
    return v > 0 && v <= UINT32_MAX ? (uint32_t)v : 0;
}

void m365_spray_fmt_minute(int64_t ms, char *out, size_t size)
{
    int y, mo, d, h, mi, sec, msec;
    m365_civil_from_ms(ms, &y, &mo, &d, &h, &mi, &sec, &msec);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02dZ", y, mo, d, h, mi);
}

static const char *intern_opt(struct m365_dctx *dc, const char *s)
{
    return s && *s ? m365_dctx_intern(dc, s, strlen(s)) : NULL;
}

static void set_first(struct m365_spray *sp, struct m365_map *m, const void *k1, const void *k2,
                      int64_t t)
{
    void **slot = m365_map_put(m, k1, k2);
    if (!slot) {
        return;
    }
    if (!*slot) {
        int64_t *p = m365_arena_alloc(&sp->arena, sizeof(*p));
        if (!p) {
            return;
        }
        *p = t;
        *slot = p;
    } else if (t < *(int64_t *)*slot) {
        *(int64_t *)*slot = t;
    }
}

/* An account's use of one user agent: when first, and from which networks (the first few). */
#define UA_NETS 4
struct ua_use {
    int64_t first;
    const char *net[UA_NETS];
    int64_t net_first[UA_NETS];
    uint32_t n_nets;
};

static void note_ua_use(struct m365_spray *sp, const char *acct, const char *ua, const char *net,
                        int64_t t)
{
    void **slot = m365_map_put(&sp->acctua, acct, ua);
    if (!slot) {
        return;
    }
    struct ua_use *u = *slot;
    if (!u) {
        u = m365_arena_calloc(&sp->arena, sizeof(*u));
        if (!u) {
            return;
        }
        u->first = t;
        *slot = u;
    } else if (t < u->first) {
        u->first = t;
    }
    if (!net) {
        return;
    }
    for (uint32_t i = 0; i < u->n_nets; i++) {
        if (u->net[i] == net) {
            if (t < u->net_first[i]) {
                u->net_first[i] = t;
            }
            return;
        }
    }
    if (u->n_nets < UA_NETS) {
        u->net[u->n_nets] = net;
        u->net_first[u->n_nets++] = t;
    }
}

static struct acctst *acct_of(struct m365_spray *sp, const char *acct)
{
    void **slot = m365_map_put(&sp->accts, acct, NULL);
    if (!slot) {
        return NULL;
    }
    if (!*slot) {
        *slot = m365_arena_calloc(&sp->arena, sizeof(struct acctst));
    }
    return *slot;
}

static void record_ok(struct m365_spray *sp, struct m365_dctx *dc, const struct m365_spray_cfg *c,
                      const struct m365_event *ev, const char *acct, const char *prefix,
                      uint32_t asn, const char *ua, bool establishes)
{
    int64_t t = ev->time_ms;
    if (establishes) {
        const char *net = prefix ? prefix : ev->ip;
        if (net) {
            set_first(sp, &sp->netfirst, acct, net, t);
        }
        if (asn) {
            set_first(sp, &sp->asnfirst, acct, asn_key(asn), t);
            m365_distinct_add(&sp->ok_asn, asn_key(asn), acct);
        }
        m365_distinct_add(&sp->ok_ip, ev->ip, acct);
        m365_distinct_add(&sp->ok_prefix, prefix, acct);
        m365_distinct_add(&sp->ok_ua, ua, acct);
        if (ua) {
            set_first(sp, &sp->uafirst, ua, NULL, t);
            note_ua_use(sp, acct, ua, prefix ? prefix : ev->ip, t);
        }
        m365_distinct_add(&sp->ok_app, intern_opt(dc, ev->app_id), acct);
        void **oa = m365_map_put(&sp->ok_accts, acct, NULL);
        if (oa) {
            *oa = (void *)1;
        }
        sp->saw_ok = true;
        /* The same device got in soon after failing: a mistyped password, even across networks
         * (a phone moving from Wi-Fi to cellular). */
        struct acctst *a = ua ? acct_of(sp, acct) : NULL;
        if (a) {
            uint32_t n = a->n < ACCT_RECENT ? a->n : ACCT_RECENT;
            for (uint32_t i = 0; i < n; i++) {
                struct m365_spray_seg *s = a->recent[i];
                if (s->ua == ua && s->last <= t && t - s->last <= c->recovery_window) {
                    s->own = true;
                }
            }
        }
    }
    if (!ev->ip) {
        return;
    }
    void **slot = m365_map_put(&sp->okpairs, acct, ev->ip);
    if (!slot) {
        return;
    }
    struct m365_spray_ok *o = *slot;
    if (!o) {
        o = m365_arena_calloc(&sp->arena, sizeof(*o));
        if (!o || vec_push(&sp->oks, o) != 0) {
            return;
        }
        o->acct = acct;
        o->ip = ev->ip;
        o->prefix = prefix;
        o->asn = asn;
        o->first = t;
        *slot = o;
    }
    o->count++;
    o->last = t;
    if (o->n_ev < M365_SPRAY_OK_EV) {
        o->ev[o->n_ev++] = m365_ev_ref(ev);
    }
}

static void record_failure(struct m365_spray *sp, struct m365_dctx *dc, const struct m365_event *ev,
                           const char *acct, const struct m365_ipinfo *ii, uint32_t asn,
                           const char *ua)
{
    int64_t t = ev->time_ms;
    const char *app_id = intern_opt(dc, ev->app_id);
    void **slot = m365_map_put(&sp->pairs, acct, ev->ip);
    if (!slot) {
        return;
    }
    if (!*slot) {
        *slot = m365_arena_calloc(&sp->arena, sizeof(struct pairst));
        if (!*slot) {
            return;
        }
    }
    struct pairst *p = *slot;
    struct m365_spray_seg *s = p->last;
    bool same = s && s->ua == ua && s->code == ev->error_code && s->app_id == app_id &&
                t - s->first <= M365_SPRAY_SEG_SPAN_MS;
    if (!same && p->nseg < SEG_MAX_PER_PAIR) {
        s = m365_arena_calloc(&sp->arena, sizeof(*s));
        if (!s || vec_push(&sp->segs, s) != 0) {
            return;
        }
        s->acct = acct;
        s->ip = ev->ip;
        s->prefix = ii->prefix;
        s->ua = ua;
        s->app_id = app_id;
        s->app_name = intern_opt(dc, ev->app_name);
        s->code = ev->error_code;
        s->asn = asn;
        s->hosting = ii->hosting;
        s->first = t;
        s->seq = ev->seq;
        s->ep = -1;
        p->last = s;
        p->nseg++;
        struct acctst *a = acct_of(sp, acct);
        if (a) {
            a->recent[a->n++ % ACCT_RECENT] = s;
        }
    }
    if (!s->app_name && ev->app_name) {
        s->app_name = intern_opt(dc, ev->app_name);
    }
    s->last = t;
    s->tries++;
    if (s->n_ev < M365_SPRAY_SEG_EV) {
        s->ev[s->n_ev++] = m365_ev_ref(ev);
    }
}

void m365_spray_observe(struct m365_spray *sp, struct m365_dctx *dc,
                        const struct m365_spray_cfg *c, const struct m365_event *ev)
{
    if (!sp || sp->analysed || !m365_signin_is_user(ev) || ev->time_ms == M365_TIME_NONE) {
        return;
    }
    const char *acct = m365_spray_account_of(ev);
    if (!acct) {
        return;
    }
    const struct m365_ipinfo *ii = ev->ip ? m365_dctx_ipinfo(dc, ev->ip) : NULL;
    const char *prefix = ii && ii->prefix ? ii->prefix : NULL;
    uint32_t asn = m365_spray_event_asn(dc, ev);
    if (asn && ev->ip) {
        /* UAL records carry no ASN: learn it from the address's other sign-ins. */
        sp->saw_asn = true;
        void **slot = m365_map_put(&sp->ipasn, ev->ip, NULL);
        if (slot && !*slot) {
            *slot = (void *)(uintptr_t)asn;
        }
    }
    const char *ua = intern_opt(dc, ev->user_agent);
    bool bad = m365_signin_is_bad_password(ev);
    if (m365_signin_password_correct(ev)) {
        /* 50055 (expired password) is both: the password was right, and spray rules count it. */
        record_ok(sp, dc, c, ev, acct, prefix, asn, ua, !bad);
    }
    if (bad && ev->ip && ii->valid) {
        record_failure(sp, dc, ev, acct, ii, asn, ua);
    }
}

/* --- analysis ------------------------------------------------------------------------------ */

/* qsort that accepts an empty (possibly NULL) array. */
static void sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (base && n > 1) {
        m365_qsort(base, n, size, cmp);
    }
}

static int cmp_seg_time(const void *a, const void *b)
{
    const struct m365_spray_seg *x = *(struct m365_spray_seg *const *)a;
    const struct m365_spray_seg *y = *(struct m365_spray_seg *const *)b;
    if (x->first != y->first) {
        return x->first < y->first ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_cstr(const char *a, const char *b)
{
    if (a == b) {
        return 0;
    }
    if (!a || !b) {
        return a ? 1 : -1;
    }
    return strcmp(a, b);
}

/* A segment under a grouping key: a string, or a number (ASN, error code). */
struct keyed {
    const char *s;
    uint32_t n;
    struct m365_spray_seg *seg;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    int r = cmp_cstr(x->s, y->s);
    if (r) {
        return r;
    }
    if (x->n != y->n) {
        return x->n < y->n ? -1 : 1;
    }
    return cmp_seg_time(&x->seg, &y->seg);
}

static bool same_key(const struct keyed *a, const struct keyed *b)
{
    return a->n == b->n && cmp_cstr(a->s, b->s) == 0;
}

/* Counter keyed by pointer, for sliding windows: add / remove return the new count. */
static uintptr_t ctr_add(struct m365_map *m, const void *k, uintptr_t d)
{
    void **slot = m365_map_put(m, k, NULL);
    if (!slot) {
        return 0;
    }
    *slot = (void *)((uintptr_t)*slot + d);
    return (uintptr_t)*slot;
}

static uintptr_t ctr_sub(struct m365_map *m, const void *k, uintptr_t d)
{
    void **slot = m365_map_put(m, k, NULL);
    if (!slot) {
        return 0;
    }
    *slot = (void *)((uintptr_t)*slot - d);
    return (uintptr_t)*slot;
}

struct episode {
    bool distributed;
    struct keyed key;       /* the source, or the signature */
    const char *level;      /* single source: "ip", "prefix", "asn" */
    const char *kind;       /* distributed: "user_agent", "error_code" */
    struct m365_spray_seg **segs;
    size_t n;
    uint32_t accounts, ips, ips_left_out;
};

struct analysis {
    struct m365_spray *sp;
    const struct m365_spray_cfg *c;
    struct episode *eps;
    size_t n_eps, cap_eps;
};

static size_t count_distinct(struct m365_spray_seg **segs, size_t n, size_t field_off)
{
    struct m365_map m = {0};
    for (size_t i = 0; i < n; i++) {
        const void *k = *(const void *const *)((const char *)segs[i] + field_off);
        if (k) {
            void **slot = m365_map_put(&m, k, NULL);
            if (slot) {
                *slot = (void *)1;
            }
        }
    }
    size_t r = m.n;
    m365_map_free(&m);
    return r;
}

static void add_episode(struct analysis *an, const struct episode *e)
{
    if (an->n_eps == an->cap_eps) {
        size_t nc = an->cap_eps ? an->cap_eps * 2 : 16;
        struct episode *ne = realloc(an->eps, nc * sizeof(*ne));
        if (!ne) {
            return;
        }
        an->eps = ne;
        an->cap_eps = nc;
    }
    struct episode *d = &an->eps[an->n_eps];
    *d = *e;
    d->segs = malloc(e->n * sizeof(*d->segs));
    if (!d->segs) {
        return;
    }
    memcpy(d->segs, e->segs, e->n * sizeof(*d->segs));
    an->n_eps++;
}

/* Accounts that signed in correctly from / with a key: the guard against shared egress and
 * everyday clients. */
static uint32_t ok_accounts(const struct m365_spray *sp, const char *level, const struct keyed *k)
{
    if (strcmp(level, "ip") == 0) {
        return (uint32_t)m365_distinct_count(&sp->ok_ip, k->s);
    }
    if (strcmp(level, "prefix") == 0) {
        return (uint32_t)m365_distinct_count(&sp->ok_prefix, k->s);
    }
    if (strcmp(level, "asn") == 0) {
        return (uint32_t)m365_distinct_count(&sp->ok_asn, asn_key(k->n));
    }
    if (strcmp(level, "user_agent") == 0) {
        return (uint32_t)m365_distinct_count(&sp->ok_ua, k->s);
    }
    return (uint32_t)m365_distinct_count(&sp->ok_app, k->s); /* error_code: the application */
}

/* One source's session (failures no more than `window` apart): a spray when some window holds
 * min_accounts accounts at max_avg_tries failures each or fewer. */
static void single_session(struct analysis *an, const char *level, const struct keyed *key,
                           struct m365_spray_seg **s, size_t n)
{
    const struct m365_spray_cfg *c = an->c;
    struct m365_map win = {0};
    size_t left = 0, distinct = 0;
    uint64_t tries = 0;
    bool hit = false;
    for (size_t r = 0; r < n && !hit; r++) {
        if (ctr_add(&win, s[r]->acct, 1) == 1) {
            distinct++;
        }
        tries += s[r]->tries;
        while (s[r]->first - s[left]->first > c->window) {
            if (ctr_sub(&win, s[left]->acct, 1) == 0) {
                distinct--;
            }
            tries -= s[left]->tries;
            left++;
        }
        hit = distinct >= c->min_accounts && distinct > 0 &&
              (double)tries <= c->max_avg_tries * (double)distinct;
    }
    m365_map_free(&win);
    if (!hit) {
        return;
    }
    size_t accounts = count_distinct(s, n, offsetof(struct m365_spray_seg, acct));
    if (accounts <= ok_accounts(an->sp, level, key)) {
        return; /* more accounts sign in from there than fail: shared egress, not a sprayer */
    }
    /* A prefix or ASN that is one address (one prefix) adds nothing to that address's own. */
    if (strcmp(level, "prefix") == 0 &&
        count_distinct(s, n, offsetof(struct m365_spray_seg, ip)) < 2) {
        return;
    }
    if (strcmp(level, "asn") == 0 &&
        count_distinct(s, n, offsetof(struct m365_spray_seg, prefix)) < 2) {
        return;
    }
    struct episode e = {.distributed = false, .key = *key, .level = level, .segs = s, .n = n};
    e.accounts = (uint32_t)accounts;
    e.ips = (uint32_t)count_distinct(s, n, offsetof(struct m365_spray_seg, ip));
    add_episode(an, &e);
}

static int cmp_seg_ip_time(const void *a, const void *b)
{
    const struct m365_spray_seg *x = *(struct m365_spray_seg *const *)a;
    const struct m365_spray_seg *y = *(struct m365_spray_seg *const *)b;
    int r = strcmp(x->ip, y->ip);
    return r ? r : cmp_seg_time(a, b);
}

/* The session's spray exits: addresses that touched at most max_accounts_per_ip accounts within
 * any `window` (each stays under the single-source radar) and tried each account at most
 * max_avg_tries times on average. A brute-forcer or a shared egress with the same signature
 * stays out. Their failures go to out (n entries at most); returns how many, and the number of
 * exits in *n_exits. */
static size_t spray_exits(const struct m365_spray_cfg *c, struct m365_spray_seg **s, size_t n,
                          struct m365_spray_seg **out, uint32_t *n_exits, uint32_t *n_shared)
{
    memcpy(out, s, n * sizeof(*out));
    sort_n(out, n, sizeof(*out), cmp_seg_ip_time);
    size_t kept = 0;
    *n_exits = 0;
    *n_shared = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && out[j]->ip == out[i]->ip) {
            j++;
        }
        struct m365_map win = {0};
        size_t left = i, distinct = 0, most = 0;
        uint64_t tries = 0;
        for (size_t r = i; r < j; r++) {
            if (ctr_add(&win, out[r]->acct, 1) == 1) {
                distinct++;
            }
            tries += out[r]->tries;
            while (out[r]->first - out[left]->first > c->window) {
                if (ctr_sub(&win, out[left]->acct, 1) == 0) {
                    distinct--;
                }
                left++;
            }
            most = distinct > most ? distinct : most;
        }
        m365_map_free(&win);
        size_t accounts = count_distinct(out + i, j - i, offsetof(struct m365_spray_seg, acct));
        if (most <= c->max_accounts_per_ip &&
            (double)tries <= c->max_avg_tries * (double)accounts) {
            memmove(out + kept, out + i, (j - i) * sizeof(*out));
            kept += j - i;
            (*n_exits)++;
            *n_shared += accounts >= 2;
        }
        i = j;
    }
    return kept;
}

static void distributed_session(struct analysis *an, const char *kind, const struct keyed *key,
                                struct m365_spray_seg **s, size_t n)
{
    const struct m365_spray_cfg *c = an->c;
    size_t ips = count_distinct(s, n, offsetof(struct m365_spray_seg, ip));
    /* Exits that each failed for several accounts are no one's own address: fewer will do. */
    uint32_t shared_min = c->dist_shared_exits ? c->dist_shared_exits : UINT32_MAX;
    uint32_t min_ips = an->sp->dist_ips < shared_min ? an->sp->dist_ips : shared_min;
    if (ips < min_ips || n < an->sp->dist_accounts) {
        return; /* cannot reach the thresholds: skip the work */
    }
    struct m365_spray_seg **t = malloc(n * sizeof(*t));
    if (!t) {
        return;
    }
    uint32_t exits = 0, shared = 0;
    size_t kept = spray_exits(c, s, n, t, &exits, &shared);
    size_t accounts = count_distinct(t, kept, offsetof(struct m365_spray_seg, acct));
    /* More accounts sign in with an everyday user agent / application than fail with it. */
    if ((exits >= an->sp->dist_ips || shared >= shared_min) &&
        accounts >= an->sp->dist_accounts && accounts > 0 &&
        accounts > ok_accounts(an->sp, kind, key)) {
        sort_n(t, kept, sizeof(*t), cmp_seg_time);
        struct episode e = {.distributed = true, .key = *key, .kind = kind, .segs = t, .n = kept};
        e.accounts = (uint32_t)accounts;
        e.ips = exits;
        e.ips_left_out = (uint32_t)(ips - exits);
        add_episode(an, &e);
    }
    free(t);
}

/* Split each key's segments into sessions (no pause longer than gap) and examine each. */
static void by_key(struct analysis *an, struct keyed *k, size_t nk, int64_t gap, bool distributed,
                   const char *name)
{
    sort_n(k, nk, sizeof(*k), cmp_keyed);
    struct m365_spray_seg **s = malloc((nk ? nk : 1) * sizeof(*s));
    if (!s) {
        return;
    }
    for (size_t i = 0; i < nk;) {
        size_t j = i;
        while (j < nk && same_key(&k[i], &k[j])) {
            j++;
        }
        size_t start = i;
        int64_t last = k[i].seg->last;
        for (size_t r = i + 1; r <= j; r++) {
            if (r < j && k[r].seg->first - last <= gap) {
                last = k[r].seg->last > last ? k[r].seg->last : last;
                continue;
            }
            size_t n = 0;
            for (size_t q = start; q < r; q++) {
                s[n++] = k[q].seg;
            }
            if (distributed) {
                distributed_session(an, name, &k[i], s, n);
            } else {
                single_session(an, name, &k[i], s, n);
            }
            start = r;
            if (r < j) {
                last = k[r].seg->last;
            }
        }
        i = j;
    }
    free(s);
}

static size_t uf_find(size_t *parent, size_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static int cmp_account(const void *a, const void *b)
{
    return strcmp(((const struct m365_spray_account *)a)->name,
                  ((const struct m365_spray_account *)b)->name);
}

static int cmp_ip(const void *a, const void *b)
{
    return strcmp(((const struct m365_spray_ip *)a)->ip, ((const struct m365_spray_ip *)b)->ip);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_count(const void *a, const void *b)
{
    const struct m365_spray_count *x = a, *y = b;
    int r = cmp_cstr(x->name, y->name);
    if (r) {
        return r;
    }
    return x->code < y->code ? -1 : x->code > y->code;
}

static int cmp_source(const void *a, const void *b)
{
    const struct m365_spray_source *x = a, *y = b;
    int r = strcmp(x->level, y->level);
    if (r) {
        return r;
    }
    r = cmp_cstr(x->value, y->value);
    if (r) {
        return r;
    }
    return x->asn < y->asn ? -1 : x->asn > y->asn;
}

static int cmp_sig(const void *a, const void *b)
{
    const struct m365_spray_signature *x = a, *y = b;
    int r = strcmp(x->kind, y->kind);
    if (r) {
        return r;
    }
    r = cmp_cstr(x->ua, y->ua);
    if (r) {
        return r;
    }
    r = cmp_cstr(x->app_id, y->app_id);
    if (r) {
        return r;
    }
    return x->code < y->code ? -1 : x->code > y->code;
}

static int cmp_ok(const void *a, const void *b)
{
    const struct m365_spray_ok *x = *(struct m365_spray_ok *const *)a;
    const struct m365_spray_ok *y = *(struct m365_spray_ok *const *)b;
    if (x->first != y->first) {
        return x->first < y->first ? -1 : 1;
    }
    return x->ev[0] < y->ev[0] ? -1 : x->ev[0] > y->ev[0];
}

static int cmp_campaign(const void *a, const void *b)
{
    const struct m365_spray_campaign *x = a, *y = b;
    return cmp_seg_time(&x->segs[0], &y->segs[0]);
}

/* Count a name or code in a list, finding its entry through a map (name, code) -> index + 1. */
static void count_in(struct m365_map *idx, struct m365_spray_count **v, size_t *n, const char *name,
                     int32_t code, uint32_t d)
{
    static const char none = 0;
    void **slot = m365_map_put(idx, name ? (const void *)name : (const void *)&none,
                               (const void *)(uintptr_t)(uint32_t)code);
    if (!slot) {
        return;
    }
    if (*slot) {
        (*v)[(uintptr_t)*slot - 1].n += d;
        return;
    }
    struct m365_spray_count *nv = realloc(*v, (*n + 1) * sizeof(*nv));
    if (!nv) {
        return;
    }
    *v = nv;
    nv[*n] = (struct m365_spray_count){name, code, d};
    (*n)++;
    *slot = (void *)(uintptr_t)*n;
}

static void build_campaign(struct m365_spray_campaign *c, struct m365_spray_seg **segs, size_t n)
{
    c->segs = segs;
    c->n_segs = n;
    sort_n(segs, n, sizeof(*segs), cmp_seg_time);
    c->first = segs[0]->first;
    c->last = segs[0]->last;
    c->accounts = calloc(n, sizeof(*c->accounts));
    c->ips = calloc(n, sizeof(*c->ips));
    c->prefixes = calloc(n, sizeof(*c->prefixes));
    c->asns = calloc(n, sizeof(*c->asns));
    if (!c->accounts || !c->ips || !c->prefixes || !c->asns) {
        return;
    }
    struct m365_map acc = {0}, ip = {0}, pfx = {0}, asn = {0}, pair = {0}, app = {0};
    /* UAL records name the application by id only: borrow the name from the sign-in logs. */
    for (size_t i = 0; i < n; i++) {
        if (segs[i]->app_id && segs[i]->app_name) {
            void **slot = m365_map_put(&app, segs[i]->app_id, NULL);
            if (slot) {
                *slot = (void *)(uintptr_t)segs[i]->app_name;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (segs[i]->app_id && !segs[i]->app_name) {
            segs[i]->app_name = m365_map_get(&app, segs[i]->app_id, NULL);
        }
        if (segs[i]->app_id && !segs[i]->app_name) {
            const struct m365_app_id *fp = m365_first_party_app(segs[i]->app_id);
            segs[i]->app_name = fp ? fp->name : NULL;
        }
    }
    m365_map_free(&app);
    struct m365_map uas = {0}, codes = {0}, apps = {0};
    for (size_t i = 0; i < n; i++) {
        struct m365_spray_seg *s = segs[i];
        c->failures += s->tries;
        if (s->last > c->last) {
            c->last = s->last;
        }
        void **a = m365_map_put(&acc, s->acct, NULL);
        if (a && !*a) {
            c->accounts[c->n_accounts] = (struct m365_spray_account){s->acct, 0, s->first, s->last};
            *a = &c->accounts[c->n_accounts++];
        }
        if (a && *a) {
            struct m365_spray_account *ac = *a;
            ac->failures += s->tries;
            ac->first = s->first < ac->first ? s->first : ac->first;
            ac->last = s->last > ac->last ? s->last : ac->last;
        }
        void **p = m365_map_put(&ip, s->ip, NULL);
        if (p && !*p) {
            c->ips[c->n_ips] = (struct m365_spray_ip){s->ip, s->prefix, s->asn, s->hosting, 0, 0};
            *p = &c->ips[c->n_ips++];
        }
        if (p && *p) {
            struct m365_spray_ip *ipi = *p;
            ipi->failures += s->tries;
            void **pp = m365_map_put(&pair, s->ip, s->acct);
            if (pp && !*pp) {
                *pp = (void *)1;
                ipi->accounts++;
            }
        }
        if (s->prefix) {
            void **q = m365_map_put(&pfx, s->prefix, NULL);
            if (q && !*q) {
                *q = (void *)1;
                c->prefixes[c->n_prefixes++] = s->prefix;
            }
        }
        if (s->asn) {
            void **q = m365_map_put(&asn, asn_key(s->asn), NULL);
            if (q && !*q) {
                *q = (void *)1;
                c->asns[c->n_asns++] = s->asn;
            }
        }
        if (s->ua) {
            count_in(&uas, &c->uas, &c->n_uas, s->ua, 0, s->tries);
        }
        count_in(&codes, &c->codes, &c->n_codes, NULL, s->code, s->tries);
        if (s->app_name || s->app_id) {
            count_in(&apps, &c->apps, &c->n_apps, s->app_name ? s->app_name : s->app_id, 0,
                     s->tries);
        }
    }
    m365_map_free(&uas);
    m365_map_free(&codes);
    m365_map_free(&apps);
    m365_map_free(&acc);
    m365_map_free(&ip);
    m365_map_free(&pfx);
    m365_map_free(&asn);
    m365_map_free(&pair);
    sort_n(c->accounts, c->n_accounts, sizeof(*c->accounts), cmp_account);
    sort_n(c->ips, c->n_ips, sizeof(*c->ips), cmp_ip);
    sort_n(c->prefixes, c->n_prefixes, sizeof(*c->prefixes), m365_cmp_cstr);
    sort_n(c->asns, c->n_asns, sizeof(*c->asns), cmp_u32);
    sort_n(c->uas, c->n_uas, sizeof(*c->uas), cmp_count);
    sort_n(c->codes, c->n_codes, sizeof(*c->codes), cmp_count);
    sort_n(c->apps, c->n_apps, sizeof(*c->apps), cmp_count);
    for (size_t i = 0; i < c->n_ips; i++) {
        if (c->ips[i].accounts > c->max_accounts_per_ip) {
            c->max_accounts_per_ip = c->ips[i].accounts;
        }
    }
}

/* Every single-source and distributed episode among the candidate failures. */
static void find_episodes(struct analysis *an, struct m365_spray_seg **cand, size_t n,
                          struct keyed *k)
{
    const struct m365_spray_cfg *c = an->c;
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        k[nk++] = (struct keyed){cand[i]->ip, 0, cand[i]};
    }
    by_key(an, k, nk, c->window, false, "ip");
    nk = 0;
    for (size_t i = 0; i < n; i++) {
        if (cand[i]->prefix) {
            k[nk++] = (struct keyed){cand[i]->prefix, 0, cand[i]};
        }
    }
    by_key(an, k, nk, c->window, false, "prefix");
    nk = 0;
    for (size_t i = 0; i < n; i++) {
        if (cand[i]->asn) {
            k[nk++] = (struct keyed){NULL, cand[i]->asn, cand[i]};
        }
    }
    by_key(an, k, nk, c->window, false, "asn");
    nk = 0;
    for (size_t i = 0; i < n; i++) {
        if (cand[i]->ua) {
            k[nk++] = (struct keyed){cand[i]->ua, 0, cand[i]};
        }
    }
    by_key(an, k, nk, c->dist_window, true, "user_agent");
    nk = 0;
    for (size_t i = 0; i < n; i++) {
        if (cand[i]->app_id) {
            k[nk++] = (struct keyed){cand[i]->app_id, (uint32_t)cand[i]->code, cand[i]};
        }
    }
    by_key(an, k, nk, c->dist_window, true, "error_code");
}

/* Record in a campaign what found it: the spraying source, or the shared signature. */
static void attribute(struct m365_spray_campaign *cp, const struct episode *ep)
{
    if (ep->distributed) {
        cp->distributed = true;
        struct m365_spray_signature *ns = realloc(cp->sigs, (cp->n_sigs + 1) * sizeof(*ns));
        if (!ns) {
            return;
        }
        cp->sigs = ns;
        bool is_ua = strcmp(ep->kind, "user_agent") == 0;
        const char *app_name = NULL;
        for (size_t i = 0; i < ep->n && !app_name && !is_ua; i++) {
            app_name = ep->segs[i]->app_name;
        }
        ns[cp->n_sigs++] = (struct m365_spray_signature){
            ep->kind,     is_ua ? ep->key.s : NULL, is_ua ? 0 : (int32_t)ep->key.n,
            is_ua ? NULL : ep->key.s, app_name, ep->accounts, ep->ips, ep->ips_left_out};
        return;
    }
    cp->single_source = true;
    struct m365_spray_source *ns = realloc(cp->sources, (cp->n_sources + 1) * sizeof(*ns));
    if (!ns) {
        return;
    }
    cp->sources = ns;
    uint32_t failures = 0;
    for (size_t i = 0; i < ep->n; i++) {
        failures += ep->segs[i]->tries;
    }
    ns[cp->n_sources++] =
        (struct m365_spray_source){ep->level, ep->key.s, ep->key.n, ep->accounts, failures};
}

/* Episodes that share failures are one campaign (union-find over episodes). */
static void merge_episodes(struct m365_spray *sp, struct analysis *an, struct m365_spray_seg **cand,
                           size_t n)
{
    size_t ne = an->n_eps;
    size_t *parent = malloc((ne ? ne : 1) * sizeof(*parent));
    size_t *slot = malloc((ne ? ne : 1) * sizeof(*slot));
    size_t *cnt = calloc(ne ? ne : 1, sizeof(*cnt));
    sp->camps = calloc(ne ? ne : 1, sizeof(*sp->camps));
    if (!parent || !slot || !cnt || !sp->camps) {
        free(parent);
        free(slot);
        free(cnt);
        return;
    }
    for (size_t e = 0; e < ne; e++) {
        parent[e] = e;
        slot[e] = SIZE_MAX;
        for (size_t i = 0; i < an->eps[e].n; i++) {
            struct m365_spray_seg *s = an->eps[e].segs[i];
            if (s->ep < 0) {
                s->ep = (int32_t)e;
                continue;
            }
            size_t a = uf_find(parent, (size_t)s->ep), b = uf_find(parent, e);
            if (a != b) {
                parent[a < b ? b : a] = a < b ? a : b;
            }
        }
    }
    /* Each failure once, in the campaign of its first episode. */
    for (size_t i = 0; i < n; i++) {
        if (cand[i]->ep >= 0) {
            cnt[uf_find(parent, (size_t)cand[i]->ep)]++;
        }
    }
    for (size_t e = 0; e < ne; e++) {
        if (uf_find(parent, e) == e && cnt[e]) {
            slot[e] = sp->n_camps++;
            sp->camps[slot[e]].segs = malloc(cnt[e] * sizeof(struct m365_spray_seg *));
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (cand[i]->ep >= 0) {
            struct m365_spray_campaign *cp =
                &sp->camps[slot[uf_find(parent, (size_t)cand[i]->ep)]];
            if (cp->segs) {
                cp->segs[cp->n_segs++] = cand[i];
            }
        }
    }
    for (size_t ci = 0; ci < sp->n_camps; ci++) {
        struct m365_spray_campaign *cp = &sp->camps[ci];
        struct m365_spray_seg **segs = cp->segs;
        size_t ns = cp->n_segs;
        cp->segs = NULL;
        cp->n_segs = 0;
        if (segs && ns) {
            build_campaign(cp, segs, ns);
        } else {
            free(segs);
        }
    }
    for (size_t e = 0; e < ne; e++) {
        size_t ci = slot[uf_find(parent, e)];
        if (ci != SIZE_MAX) {
            attribute(&sp->camps[ci], &an->eps[e]);
        }
    }
    /* Drop campaigns that could not be built (out of memory); order what is reported. */
    size_t w = 0;
    for (size_t ci = 0; ci < sp->n_camps; ci++) {
        struct m365_spray_campaign *cp = &sp->camps[ci];
        if (cp->n_segs && cp->accounts) {
            sort_n(cp->sources, cp->n_sources, sizeof(*cp->sources), cmp_source);
            sort_n(cp->sigs, cp->n_sigs, sizeof(*cp->sigs), cmp_sig);
            sp->camps[w++] = *cp;
        } else {
            campaign_free(cp);
        }
    }
    sp->n_camps = w;
    sort_n(sp->camps, sp->n_camps, sizeof(*sp->camps), cmp_campaign);
    free(parent);
    free(slot);
    free(cnt);
}

void m365_spray_analyse(struct m365_spray *sp, const struct m365_spray_cfg *c)
{
    if (!sp || sp->analysed) {
        return;
    }
    sp->analysed = true;
    /* The correct-password records, in time order, for the success rule. */
    sort_n(sp->oks.p, sp->oks.n, sizeof(*sp->oks.p), cmp_ok);
    for (size_t i = 0; i < sp->oks.n; i++) {
        struct m365_spray_ok *o = sp->oks.p[i];
        if (!o->asn) {
            o->asn = (uint32_t)(uintptr_t)m365_map_get(&sp->ipasn, o->ip, NULL);
        }
    }
    size_t nseg = sp->segs.n ? sp->segs.n : 1;
    struct m365_spray_seg **cand = malloc(nseg * sizeof(*cand));
    struct keyed *k = malloc(nseg * sizeof(*k));
    if (!cand || !k) {
        free(cand);
        free(k);
        return;
    }
    /* Leave out the account's own failures: from a network where it got in before, or soon
     * after (the user-agent recovery was marked as the events came). */
    size_t n = 0;
    for (size_t i = 0; i < sp->segs.n; i++) {
        struct m365_spray_seg *s = sp->segs.p[i];
        if (!s->asn) {
            s->asn = (uint32_t)(uintptr_t)m365_map_get(&sp->ipasn, s->ip, NULL);
        }
        if (!s->own) {
            int64_t first_ok = m365_spray_net_first(sp, s->acct, s->prefix ? s->prefix : s->ip);
            s->own = first_ok != INT64_MAX && first_ok <= s->last + c->recovery_window;
        }
        if (!s->own) {
            cand[n++] = s;
        }
    }
    /* A campaign over half of a small tenant is a spray though it cannot reach twenty accounts;
     * it needs as many exits as accounts, as the parameters ask of a large one. */
    sp->dist_accounts = c->dist_min_accounts;
    sp->dist_ips = c->dist_min_ips;
    size_t active = sp->ok_accts.n;
    if (active && active < 2 * (size_t)c->dist_min_accounts) {
        uint32_t half = (uint32_t)((active + 1) / 2);
        sp->dist_accounts = half > c->dist_small_floor ? half : c->dist_small_floor;
        sp->dist_accounts = sp->dist_accounts < c->dist_min_accounts ? sp->dist_accounts
                                                                       : c->dist_min_accounts;
        sp->dist_ips = sp->dist_ips < sp->dist_accounts ? sp->dist_ips : sp->dist_accounts;
    }
    struct analysis an = {.sp = sp, .c = c};
    find_episodes(&an, cand, n, k);
    merge_episodes(sp, &an, cand, n);
    for (size_t e = 0; e < an.n_eps; e++) {
        free(an.eps[e].segs);
    }
    free(an.eps);
    free(cand);
    free(k);
}

size_t m365_spray_n_campaigns(const struct m365_spray *sp)
{
    return sp ? sp->n_camps : 0;
}

const struct m365_spray_campaign *m365_spray_campaign_at(const struct m365_spray *sp, size_t i)
{
    return sp && i < sp->n_camps ? &sp->camps[i] : NULL;
}

static int cmp_key_account(const void *k, const void *e)
{
    return strcmp(k, ((const struct m365_spray_account *)e)->name);
}

static int cmp_key_ip(const void *k, const void *e)
{
    return strcmp(k, ((const struct m365_spray_ip *)e)->ip);
}

static int cmp_key_str(const void *k, const void *e)
{
    return strcmp(k, *(const char *const *)e);
}

static int cmp_key_count(const void *k, const void *e)
{
    return cmp_cstr(k, ((const struct m365_spray_count *)e)->name);
}

const struct m365_spray_account *m365_spray_campaign_account(const struct m365_spray_campaign *c,
                                                             const char *acct)
{
    if (!c || !acct || !c->n_accounts) {
        return NULL;
    }
    return bsearch(acct, c->accounts, c->n_accounts, sizeof(*c->accounts), cmp_key_account);
}

bool m365_spray_campaign_has_ip(const struct m365_spray_campaign *c, const char *ip)
{
    return c && ip && c->n_ips &&
           bsearch(ip, c->ips, c->n_ips, sizeof(*c->ips), cmp_key_ip) != NULL;
}

bool m365_spray_campaign_has_prefix(const struct m365_spray_campaign *c, const char *prefix)
{
    return c && prefix && c->n_prefixes &&
           bsearch(prefix, c->prefixes, c->n_prefixes, sizeof(*c->prefixes), cmp_key_str) != NULL;
}

bool m365_spray_campaign_has_asn(const struct m365_spray_campaign *c, uint32_t asn)
{
    return c && asn && c->n_asns &&
           bsearch(&asn, c->asns, c->n_asns, sizeof(*c->asns), cmp_u32) != NULL;
}

bool m365_spray_campaign_has_ua(const struct m365_spray_campaign *c, const char *ua)
{
    return c && ua && c->n_uas &&
           bsearch(ua, c->uas, c->n_uas, sizeof(*c->uas), cmp_key_count) != NULL;
}

size_t m365_spray_n_ok(const struct m365_spray *sp)
{
    return sp ? sp->oks.n : 0;
}

const struct m365_spray_ok *m365_spray_ok_at(const struct m365_spray *sp, size_t i)
{
    return sp && i < sp->oks.n ? sp->oks.p[i] : NULL;
}

int64_t m365_spray_net_first(const struct m365_spray *sp, const char *acct, const char *net)
{
    const int64_t *p = acct && net ? m365_map_get(&sp->netfirst, acct, net) : NULL;
    return p ? *p : INT64_MAX;
}

int64_t m365_spray_asn_first(const struct m365_spray *sp, const char *acct, uint32_t asn)
{
    const int64_t *p = acct && asn ? m365_map_get(&sp->asnfirst, acct, asn_key(asn)) : NULL;
    return p ? *p : INT64_MAX;
}

int64_t m365_spray_ua_first(const struct m365_spray *sp, const char *ua)
{
    const int64_t *p = ua ? m365_map_get(&sp->uafirst, ua, NULL) : NULL;
    return p ? *p : INT64_MAX;
}

int64_t m365_spray_account_ua_first(const struct m365_spray *sp, const char *acct, const char *ua)
{
    const struct ua_use *u = acct && ua ? m365_map_get(&sp->acctua, acct, ua) : NULL;
    return u ? u->first : INT64_MAX;
}

bool m365_spray_account_ua_elsewhere(const struct m365_spray *sp,
                                     const struct m365_spray_campaign *cp, const char *acct,
                                     const char *ua, const char *net, int64_t before)
{
    const struct ua_use *u = acct && ua ? m365_map_get(&sp->acctua, acct, ua) : NULL;
    for (uint32_t i = 0; u && i < u->n_nets; i++) {
        if (u->net_first[i] < before && u->net[i] != net &&
            !m365_spray_campaign_has_prefix(cp, u->net[i]) &&
            !m365_spray_campaign_has_ip(cp, u->net[i])) {
            return true;
        }
    }
    return false;
}

bool m365_spray_saw_ok(const struct m365_spray *sp)
{
    return sp && sp->saw_ok;
}

bool m365_spray_saw_asn(const struct m365_spray *sp)
{
    return sp && sp->saw_asn;
}

void m365_spray_distributed_thresholds(const struct m365_spray *sp, uint32_t *tenant_accounts,
                                       uint32_t *min_accounts, uint32_t *min_ips)
{
    *tenant_accounts = (uint32_t)sp->ok_accts.n;
    *min_accounts = sp->dist_accounts;
    *min_ips = sp->dist_ips;
}
