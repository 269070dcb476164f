/* dormant-account-mfa-registration: an MFA method registered for an account that had not
 * signed in for a long time (or ever) — how a sprayed, forgotten account is made usable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../enrich/enrich.h"
#include "../engine/detect.h"
#include "../snapshot/snap_context.h"
#include "identity_util.h"
#include "signin_util.h"
#include "../core/sort.h"

struct cfg {
    int64_t dormancy;       /* no successful sign-in for this long: dormant */
    int64_t lead_in;        /* sign-ins this close before the registration are its own session */
    int64_t failure_window; /* failed passwords this long before the registration */
};

static const struct m365_param_def params[] = {
    M365_PARAM("dormancy", M365_PARAM_DURATION, "30d", struct cfg, dormancy,
               "an account with no successful sign-in for this long before the registration is "
               "dormant"),
    M365_PARAM("lead_in", M365_PARAM_DURATION, "24h", struct cfg, lead_in,
               "successful sign-ins this close before the registration belong to the session "
               "that registered (often the attacker's) and do not make the account active"),
    M365_PARAM("failure_window", M365_PARAM_DURATION, "7d", struct cfg, failure_window,
               "failed passwords against the account this long before the registration "
               "raise the severity"),
};

#define MAX_RECENT 256 /* successes inside lead_in kept per account; older ones settle */
#define MAX_FAIL 16
#define MAX_REG 16
#define MAX_LEAD 8
#define MAX_IPS 16
#define MAX_KNOWN 32

struct hit {
    int64_t t;
    uint32_t ref; /* m365_ev_ref: every sign-in passes through, few are reported */
};

struct user {
    const char *upn;
    int64_t created; /* "Add user" time, or M365_TIME_NONE */
    const struct m365_event *created_ev;
    /* Successful sign-ins: the latest one old enough to count as activity, and the recent ones
     * that may still turn out to be a registration's own session. */
    int64_t last_active;
    uint32_t last_active_ref;
    uint32_t n_active;
    struct hit *recent;
    uint32_t n_recent, cap_recent;
    /* Networks of the counted (settled) sign-ins: /24 or /64 prefixes, ASNs, countries. */
    struct m365_map prefixes, asns, countries;
    struct hit fail[MAX_FAIL]; /* ring of failed passwords */
    uint32_t n_fail;
    uint32_t started_ref; /* latest "User started security info registration" */
    /* The finding, opened by the first registration made while the account was dormant. */
    bool flagged;
    const struct m365_event *reg[MAX_REG];
    uint32_t n_reg, total_reg;
    const struct m365_event *lead[MAX_LEAD];
    uint32_t n_lead, total_lead;
    const struct m365_event *fails[MAX_FAIL];
    uint32_t n_fails;
    const char *ips[MAX_IPS];
    uint32_t n_ips;
    int64_t first_reg, history_from;
    int64_t prior_active; /* last_active when the finding opened (it moves on afterwards) */
    const struct m365_event *prior_active_ev;
    bool full_history, logs_reach, hosting, dormant_since_known;
    /* The tenant snapshot: whether it knows the account's sign-ins, and whether its last
     * sign-in (or its never having signed in) decided the dormancy. */
    bool snap_known, snap_used, snap_never;
    int64_t snap_last, snap_as_of, snap_created;
    int new_network; /* 1 new, 0 a network the account used before, -1 nothing to compare */
    const char *hosting_label;
    int methods_before, methods_after; /* StrongAuthenticationMethod counts, -1 unknown */
};

struct state {
    struct m365_map users; /* upn -> struct user */
    int64_t signin_first, signin_last; /* any account's sign-in attempts seen so far */
};

static void init(struct m365_dctx *dc, void *sv)
{
    (void)dc;
    struct state *s = sv;
    s->signin_first = s->signin_last = M365_TIME_NONE;
}

static struct user *user_of(struct state *s, const char *upn)
{
    bool fresh;
    struct user *u = m365_map_obtain(&s->users, upn, NULL, sizeof(*u), &fresh);
    if (u && fresh) {
        u->upn = upn;
    u->created = u->last_active = M365_TIME_NONE;
    u->snap_last = u->snap_as_of = u->snap_created = M365_TIME_NONE;
    u->methods_before = u->methods_after = -1;
    }
    return u;
}

/* A lower-cased, interned UPN (targets keep the record's casing). */
static const char *lower_upn(struct m365_dctx *dc, const char *upn)
{
    char buf[512];
    size_t n = strlen(upn);
    if (n >= sizeof(buf)) {
        return NULL;
    }
    for (size_t i = 0; i <= n; i++) {
        char c = upn[i];
        buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return m365_dctx_intern(dc, buf, n);
}

static void mark(struct m365_map *m, const void *key)
{
    if (key && m->n < MAX_KNOWN) {
        void **p = m365_map_put(m, key, NULL);
        if (p) {
            *p = (void *)1;
        }
    }
}

/* A success that is now older than lead_in counts as activity: remember when and from where. */
static void settle(struct m365_dctx *dc, struct user *u, const struct hit *h)
{
    if (u->last_active == M365_TIME_NONE || h->t >= u->last_active) {
        u->last_active = h->t;
        u->last_active_ref = h->ref;
    }
    u->n_active++;
    struct m365_event buf;
    const struct m365_event *ev = m365_dctx_ref_at(dc, h->ref, &buf);
    if (!ev || !ev->ip) {
        return;
    }
    const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, ev->ip);
    mark(&u->prefixes, ii->prefix);
    uint32_t asn = m365_id_event_asn(ev, ii);
    if (asn) {
        mark(&u->asns, (const void *)(uintptr_t)asn);
    }
    if (ev->country) {
        mark(&u->countries, lower_upn(dc, ev->country));
    }
}

static void prune(struct m365_dctx *dc, const struct cfg *c, struct user *u, int64_t now)
{
    uint32_t k = 0;
    while (k < u->n_recent && u->recent[k].t <= now - c->lead_in) {
        settle(dc, u, &u->recent[k]);
        k++;
    }
    if (k) {
        memmove(u->recent, u->recent + k, (u->n_recent - k) * sizeof(*u->recent));
        u->n_recent -= k;
    }
}

static void add_success(struct m365_dctx *dc, const struct cfg *c, struct user *u,
                        const struct m365_event *ev)
{
    prune(dc, c, u, ev->time_ms);
    if (u->n_recent == MAX_RECENT) {
        /* More sign-ins inside lead_in than we keep: the oldest counts as activity, which can
         * only hide a finding, never invent one. */
        settle(dc, u, &u->recent[0]);
        memmove(u->recent, u->recent + 1, (u->n_recent - 1) * sizeof(*u->recent));
        u->n_recent--;
    }
    if (u->n_recent == u->cap_recent) {
        uint32_t nc = u->cap_recent ? u->cap_recent * 2 : 4;
        struct hit *nr = realloc(u->recent, nc * sizeof(*nr));
        if (!nr) {
            return;
        }
        u->recent = nr;
        u->cap_recent = nc;
    }
    u->recent[u->n_recent++] = (struct hit){ev->time_ms, m365_ev_ref(ev)};
}

static int count_methods(const char *v)
{
    if (!v) {
        return 0;
    }
    int n = 0;
    for (const char *p = v; (p = strstr(p, "MethodType")) != NULL; p += 10) {
        n++;
    }
    return n;
}

/* Which account an MFA registration is for, or NULL when the event is not one. */
static const char *registration_for(struct m365_dctx *dc, const struct m365_event *ev,
                                    int *before, int *after)
{
    *before = *after = -1;
    if (ev->result == M365_RESULT_FAILURE || !ev->operation) {
        return NULL;
    }
    const char *target = NULL;
    for (uint32_t i = 0; i < ev->n_targets; i++) {
        if (ev->targets[i].upn && (!ev->targets[i].type || m365_ieq(ev->targets[i].type, "User"))) {
            target = ev->targets[i].upn;
            break;
        }
    }
    if (m365_ieq(ev->operation, "User registered security info") ||
        m365_ieq(ev->operation, "User registered all required security info")) {
        const char *who = target ? target : ev->actor_upn;
        return who ? lower_upn(dc, who) : NULL;
    }
    if (m365_ieq(ev->operation, "Update user") && target) {
        const struct m365_modprop *p = m365_event_prop(ev, "StrongAuthenticationMethod");
        if (p && count_methods(p->new_value) > count_methods(p->old_value)) {
            *before = count_methods(p->old_value);
            *after = count_methods(p->new_value);
            return lower_upn(dc, target);
        }
    }
    return NULL;
}

static void add_ip(struct user *u, const char *ip)
{
    if (!ip) {
        return;
    }
    for (uint32_t i = 0; i < u->n_ips; i++) {
        if (u->ips[i] == ip) {
            return;
        }
    }
    if (u->n_ips < MAX_IPS) {
        u->ips[u->n_ips++] = ip;
    }
}

static void note_hosting(struct m365_dctx *dc, struct user *u, const struct m365_event *ev)
{
    if (!ev->ip) {
        return;
    }
    const char *why;
    if (m365_id_hosting(dc, ev, m365_dctx_ipinfo(dc, ev->ip), &why) && !u->hosting) {
        u->hosting = true;
        u->hosting_label = why;
    }
}

/* Is any address of the registering session a network the account never used before? */
static int network_novelty(struct m365_dctx *dc, const struct user *u)
{
    if (!u->n_active) {
        return -1;
    }
    bool any = false;
    for (uint32_t i = 0; i < u->n_ips; i++) {
        const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, u->ips[i]);
        if (!ii->valid || ii->is_private) {
            continue;
        }
        any = true;
        /* The same ISP from a new /24 (dynamic home addresses) is not a new place. */
        uint32_t asn = 0;
        const char *country = NULL;
        for (uint32_t k = 0; k < u->n_lead; k++) {
            if (u->lead[k]->ip == u->ips[i]) {
                asn = m365_id_event_asn(u->lead[k], ii);
                country = u->lead[k]->country;
            }
        }
        if (!asn) {
            asn = ii->asn;
        }
        if (country && !m365_map_get(&u->countries, lower_upn(dc, country), NULL) &&
            u->countries.n) {
            return 1;
        }
        bool known_prefix = ii->prefix && m365_map_get(&u->prefixes, ii->prefix, NULL);
        bool known_asn = asn && m365_map_get(&u->asns, (const void *)(uintptr_t)asn, NULL);
        if (!known_prefix && !known_asn) {
            return 1;
        }
    }
    return any ? 0 : -1;
}

/* What a tenant snapshot says about the account's sign-ins before a registration at t.
 *
 * The snapshot's signInActivity is the account's last sign-in L (or none) as of the snapshot
 * time as_of, which usually comes after the events. Read relative to t it says two things:
 * there was a sign-in at L, and there was none between L and as_of.
 *  - L in [t - dormancy, t - lead_in): a sign-in inside the window before the registration and
 *    older than its own session: the account was in use (the same test the logs' sign-ins get).
 *  - L before t - dormancy, or no sign-in ever: nothing between L and as_of. When that quiet
 *    stretch reaches the registration's session (as_of >= t - lead_in) or the start of the
 *    sign-in logs (which show the rest), the account was dormant over the whole window, even
 *    when the logs start later.
 *  - L at or after t - lead_in (the usual case for a snapshot taken later: the registering
 *    session, the attacker's later sign-ins, or the owner's): it says nothing about the time
 *    before t, and the logs alone decide.
 * 1 active, 0 nothing to add, -1 dormant over the window (*quiet). */
static int snapshot_says(struct m365_dctx *dc, const struct cfg *c, const struct state *s,
                         struct user *u, int64_t t)
{
    const struct m365_snap_ctx *sc = m365_dctx_snapshot(dc);
    struct m365_snap_account a;
    if (!sc || !m365_snap_ctx_account(sc, u->upn, &a) || a.signin == M365_SNAP_SIGNIN_UNKNOWN) {
        return 0;
    }
    u->snap_known = true;
    u->snap_never = a.signin == M365_SNAP_SIGNIN_NEVER;
    u->snap_last = a.last;
    u->snap_as_of = m365_snap_ctx_as_of(sc);
    u->snap_created = a.created;
    if (!u->snap_never && a.last >= t - c->lead_in) {
        return 0;
    }
    if (!u->snap_never && t - a.last < c->dormancy) {
        return 1;
    }
    int64_t as_of = u->snap_as_of;
    bool reaches = as_of != M365_TIME_NONE &&
                   (as_of >= t - c->lead_in ||
                    (s->signin_first != M365_TIME_NONE && as_of >= s->signin_first));
    return reaches ? -1 : 0;
}

static void on_registration(struct m365_dctx *dc, const struct cfg *c, struct state *s,
                            struct user *u, const struct m365_event *ev, int before, int after)
{
    int64_t t = ev->time_ms;
    prune(dc, c, u, t);
    int snap = 0;
    /* The steps of one registration (started, registered, all required, the directory update)
     * share the finding; a later registration must find the account dormant again. */
    if (!u->flagged || t - u->first_reg > c->lead_in) {
        /* An account created less than `dormancy` ago cannot be dormant: a new hire enrolling
         * on the first day. The logs' "Add user", else the snapshot's createdDateTime. */
        int64_t created = u->created;
        struct m365_snap_account a;
        if (created == M365_TIME_NONE && m365_dctx_snapshot(dc) &&
            m365_snap_ctx_account(m365_dctx_snapshot(dc), u->upn, &a)) {
            created = a.created;
        }
        if (created != M365_TIME_NONE && t - created < c->dormancy) {
            return;
        }
        if (u->last_active != M365_TIME_NONE && t - u->last_active < c->dormancy) {
            return; /* an active account */
        }
        snap = snapshot_says(dc, c, s, u, t);
        if (snap == 1) {
            return; /* the snapshot's last sign-in falls inside the window */
        }
    }
    if (!u->flagged) {
        /* Sign-ins before the first sign-in record, or before the account existed, are unknown. */
        int64_t from = s->signin_first;
        if (from == M365_TIME_NONE && snap != -1) {
            return; /* no sign-in log reaches this far: nothing to say about activity */
        }
        if (u->created != M365_TIME_NONE && (from == M365_TIME_NONE || u->created > from)) {
            from = u->created;
        }
        u->flagged = true;
        u->first_reg = t;
        u->dormant_since_known = u->last_active != M365_TIME_NONE;
        u->prior_active = u->last_active;
        u->prior_active_ev = m365_dctx_ref_keep(dc, u->last_active_ref);
        u->full_history = u->last_active != M365_TIME_NONE ||
                          (from != M365_TIME_NONE && t - from >= c->dormancy);
        /* Sign-in logs that stop well before the registration say nothing about its time. */
        u->logs_reach = s->signin_last != M365_TIME_NONE && t - s->signin_last <= c->lead_in;
        if (snap == -1) {
            /* The snapshot proves the whole window quiet: the history is complete back to its
             * last sign-in (or, for an account that never signed in, to its creation). */
            u->snap_used = true;
            u->full_history = true;
            u->logs_reach = u->logs_reach || u->snap_as_of >= t - c->lead_in;
            if (!u->snap_never && (u->prior_active == M365_TIME_NONE ||
                                   u->snap_last > u->prior_active)) {
                u->prior_active = u->snap_last;
                u->prior_active_ev = NULL;
                u->dormant_since_known = true;
            }
            if (!u->snap_never && (from == M365_TIME_NONE || u->snap_last < from)) {
                from = u->snap_last;
            }
            /* Never signed in: quiet since the account exists (logs' "Add user", else the
             * snapshot's createdDateTime), when that is known. */
            int64_t made = u->created != M365_TIME_NONE ? u->created : u->snap_created;
            if (u->snap_never && made != M365_TIME_NONE && made < t) {
                from = made;
            }
        }
        u->history_from = from != M365_TIME_NONE ? from : t;
        for (uint32_t i = 0; i < u->n_recent && i < MAX_LEAD; i++) {
            const struct m365_event *lead = m365_dctx_ref_keep(dc, u->recent[i].ref);
            if (!lead) {
                continue;
            }
            u->lead[u->n_lead++] = lead;
            add_ip(u, lead->ip);
            note_hosting(dc, u, lead);
        }
        u->total_lead = u->n_recent;
        uint32_t nf = u->n_fail < MAX_FAIL ? u->n_fail : MAX_FAIL;
        for (uint32_t i = 0; i < nf; i++) {
            const struct hit *h = &u->fail[(u->n_fail - nf + i) % MAX_FAIL];
            const struct m365_event *fail =
                t - h->t <= c->failure_window ? m365_dctx_ref_keep(dc, h->ref) : NULL;
            if (fail) {
                u->fails[u->n_fails++] = fail;
            }
        }
        struct m365_event sbuf;
        const struct m365_event *started = m365_dctx_ref_at(dc, u->started_ref, &sbuf);
        const struct m365_event *kept =
            started && t - started->time_ms <= M365_HOUR_MS ? m365_dctx_keep(dc, started) : NULL;
        if (kept) {
            u->reg[u->n_reg++] = kept;
        }
    }
    add_ip(u, ev->ip);
    note_hosting(dc, u, ev);
    if (before >= 0) {
        u->methods_before = u->methods_before < 0 ? before : u->methods_before;
        u->methods_after = after;
    }
    u->total_reg++;
    if (u->n_reg < MAX_REG) {
        u->reg[u->n_reg++] = m365_dctx_keep(dc, ev);
    }
    if (u->total_reg == 1) {
        u->new_network = network_novelty(dc, u);
    }
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    if (ev->time_ms == M365_TIME_NONE) {
        return;
    }
    if (ev->kind == M365_EV_SIGNIN) {
        if (s->signin_first == M365_TIME_NONE) {
            s->signin_first = ev->time_ms;
        }
        s->signin_last = ev->time_ms;
        if (!m365_signin_is_user(ev) || !ev->actor_upn) {
            return;
        }
        struct user *u = user_of(s, ev->actor_upn);
        if (!u) {
            return;
        }
        if (ev->result == M365_RESULT_SUCCESS) {
            add_success(dc, c, u, ev);
        } else if (m365_signin_is_bad_password(ev)) {
            u->fail[u->n_fail++ % MAX_FAIL] = (struct hit){ev->time_ms, m365_ev_ref(ev)};
        }
        return;
    }
    if (ev->kind != M365_EV_DIRECTORY || !ev->operation) {
        return;
    }
    if (m365_ieq(ev->operation, "Add user") && ev->result != M365_RESULT_FAILURE) {
        for (uint32_t i = 0; i < ev->n_targets; i++) {
            if (ev->targets[i].upn) {
                const char *upn = lower_upn(dc, ev->targets[i].upn);
                struct user *u = upn ? user_of(s, upn) : NULL;
                if (u && u->created == M365_TIME_NONE) {
                    u->created = ev->time_ms;
                    u->created_ev = m365_dctx_keep(dc, ev);
                }
                break;
            }
        }
        return;
    }
    if (m365_ieq(ev->operation, "User started security info registration") && ev->actor_upn) {
        struct user *u = user_of(s, ev->actor_upn);
        if (u) {
            u->started_ref = m365_ev_ref(ev);
        }
        return;
    }
    int before, after;
    const char *upn = registration_for(dc, ev, &before, &after);
    struct user *u = upn ? user_of(s, upn) : NULL;
    if (u) {
        on_registration(dc, c, s, u, ev, before, after);
    }
}

static void str_array(struct m365_buf *d, const char **v, size_t n)
{
    m365_qsort(v, n, sizeof(*v), m365_cmp_cstr);
    m365_json_cstr_array(d, v, n);
}

static size_t add_unique(const char **v, size_t n, size_t max, const char *s)
{
    if (!s) {
        return n;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i], s) == 0) {
            return n;
        }
    }
    if (n < max) {
        v[n++] = s;
    }
    return n;
}

static void report(struct m365_dctx *dc, const struct cfg *c, struct user *u)
{
    /* Dormancy proven over the whole window counts twice; corroboration adds one each. */
    bool short_history = !u->full_history || !u->logs_reach;
    int score = short_history ? 1 : 2;
    score += u->n_fails > 0;
    score += u->hosting;
    score += u->new_network == 1;
    score -= u->new_network == 0; /* a returning user, back on a network they used before */
    enum m365_severity sev = score >= 4   ? M365_SEV_CRITICAL
                             : score == 3 ? M365_SEV_HIGH
                             : score == 2 ? M365_SEV_MEDIUM
                                          : M365_SEV_LOW;
    struct m365_fb *fb = m365_fb_begin(dc, sev);
    if (!fb) {
        return;
    }
    m365_fb_entity(fb, M365_ENT_USERS, u->upn);
    for (uint32_t i = 0; i < u->n_ips; i++) {
        m365_fb_entity(fb, M365_ENT_IPS, u->ips[i]);
    }
    const char *methods[MAX_REG], *fail_ips[MAX_FAIL], *apps[MAX_LEAD];
    size_t n_methods = 0, n_fail_ips = 0, n_apps = 0;
    for (uint32_t i = 0; i < u->n_reg; i++) {
        m365_fb_event(fb, u->reg[i]);
        if (m365_ieq(u->reg[i]->operation, "User registered security info")) {
            n_methods = add_unique(methods, n_methods, MAX_REG, u->reg[i]->result_detail);
        }
    }
    for (uint32_t i = 0; i < u->n_lead; i++) {
        m365_fb_event(fb, u->lead[i]);
        n_apps = add_unique(apps, n_apps, MAX_LEAD, u->lead[i]->app_name);
        if (u->lead[i]->app_name) {
            m365_fb_entity(fb, M365_ENT_APPS, u->lead[i]->app_name);
        }
    }
    /* Context: the account's creation and its last sign-in before it went quiet. */
    m365_fb_event(fb, u->created_ev);
    m365_fb_event(fb, u->prior_active_ev);
    for (uint32_t i = 0; i < u->n_fails; i++) {
        m365_fb_event(fb, u->fails[i]);
        n_fail_ips = add_unique(fail_ips, n_fail_ips, MAX_FAIL, u->fails[i]->ip);
    }
    double history_days = (double)(u->first_reg - u->history_from) / (double)M365_DAY_MS;
    double dormancy_days = (double)c->dormancy / (double)M365_DAY_MS;

    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    m365_json_key(d, first, "registrations");
    m365_buf_printf(d, "%u", u->total_reg);
    m365_json_key(d, first, "methods");
    str_array(d, methods, n_methods);
    if (u->methods_before >= 0) {
        m365_json_key(d, first, "strong_auth_methods_before");
        m365_buf_printf(d, "%d", u->methods_before);
        m365_json_key(d, first, "strong_auth_methods_after");
        m365_buf_printf(d, "%d", u->methods_after);
    }
    m365_json_key(d, first, "registration_ips");
    str_array(d, u->ips, u->n_ips);
    m365_json_key(d, first, "last_successful_signin");
    m365_json_time(d, u->prior_active);
    m365_json_key(d, first, "last_signin_source");
    m365_json_cstr(d, u->snap_used ? "snapshot" : "evidence");
    if (u->snap_known) {
        /* The snapshot's own view, also when the logs decided (its sign-in came later). */
        m365_json_key(d, first, "snapshot_last_signin");
        m365_json_time(d, u->snap_never ? M365_TIME_NONE : u->snap_last);
        m365_json_key(d, first, "snapshot_as_of");
        m365_json_time(d, u->snap_as_of);
    }
    m365_json_key(d, first, "days_without_signin");
    m365_buf_printf(d, "%.1f", u->dormant_since_known
                                   ? (double)(u->first_reg - u->prior_active) / (double)M365_DAY_MS
                                   : history_days);
    m365_json_key(d, first, "signin_history_days");
    m365_buf_printf(d, "%.1f", history_days);
    m365_json_key(d, first, "dormancy_days");
    m365_buf_printf(d, "%.1f", dormancy_days);
    m365_json_key(d, first, "history_shorter_than_dormancy");
    m365_buf_puts(d, short_history ? "true" : "false");
    m365_json_key(d, first, "account_created");
    m365_json_time(d, u->created != M365_TIME_NONE ? u->created : u->snap_created);
    m365_json_key(d, first, "lead_in_signins");
    m365_buf_printf(d, "%u", u->total_lead);
    m365_json_key(d, first, "lead_in_apps");
    str_array(d, apps, n_apps);
    m365_json_key(d, first, "failed_signins_before");
    m365_buf_printf(d, "%u", u->n_fails);
    m365_json_key(d, first, "failed_signin_ips");
    str_array(d, fail_ips, n_fail_ips);
    m365_json_key(d, first, "new_network");
    m365_buf_puts(d, u->new_network < 0 ? "null" : u->new_network ? "true" : "false");
    m365_json_key(d, first, "from_hosting");
    m365_buf_puts(d, u->hosting ? "true" : "false");
    if (u->hosting_label) {
        m365_json_key(d, first, "hosting");
        m365_json_cstr(d, u->hosting_label);
    }
    m365_json_key(d, first, "ip_ranges_loaded");
    m365_buf_puts(d, m365_dctx_has_ip_ranges(dc) || m365_dctx_has_asn_db(dc) ? "true" : "false");
    char note[512] = "";
    size_t w = 0;
    if (!u->full_history) {
        w += (size_t)snprintf(note + w, sizeof(note) - w,
                              "The sign-in history before the registration (%.1f days) is shorter "
                              "than the %.0f-day dormancy window: the account may have signed in "
                              "before the evidence starts. ",
                              history_days, dormancy_days);
    }
    if (!u->logs_reach && w < sizeof(note)) {
        w += (size_t)snprintf(note + w, sizeof(note) - w,
                              "The sign-in logs stop more than %.0f h before the registration. ",
                              (double)c->lead_in / (double)M365_HOUR_MS);
    }
    if (!m365_dctx_has_ip_ranges(dc) && !m365_dctx_has_asn_db(dc) && w < sizeof(note)) {
        w += (size_t)snprintf(note + w, sizeof(note) - w,
                              "No --ip-ranges or --asn-db: hosting addresses not checked. ");
    }
    if (w) {
        note[w - 1] = '\0';
        m365_json_key(d, first, "confidence_note");
        m365_json_cstr(d, note);
    }

    char why[384] = "";
    w = 0;
    if (u->dormant_since_known) {
        w += (size_t)snprintf(why, sizeof(why), "%.0f days after its last successful sign-in%s",
                              (double)(u->first_reg - u->prior_active) / (double)M365_DAY_MS,
                              u->snap_used ? " (tenant snapshot)" : "");
    } else if (u->snap_used && u->snap_never) {
        w += (size_t)snprintf(why, sizeof(why),
                              "although it had never signed in (tenant snapshot)");
    } else {
        w += (size_t)snprintf(why, sizeof(why),
                              "with no successful sign-in in the %.1f days of sign-in history "
                              "before it",
                              history_days);
    }
    if (u->n_ips && w < sizeof(why)) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, ", from %s%s", u->ips[0],
                              u->n_ips > 1 ? " and others" : "");
    }
    if (u->hosting && w < sizeof(why)) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, " (hosting: %s)", u->hosting_label);
    }
    if (u->new_network == 1 && w < sizeof(why)) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, ", a network the account never used");
    }
    if (u->n_fails && w < sizeof(why)) {
        snprintf(why + w, sizeof(why) - w, ", after %u failed sign-in(s) against it", u->n_fails);
    }
    m365_fb_summary(fb, "%s registered an MFA method %s.", u->upn, why);
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    M365_MAP_EACH(&s->users, slot)
    {
        struct user *u = slot->val;
        if (u->flagged) {
            report(dc, c, u);
        }
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    M365_MAP_EACH(&s->users, slot)
    {
        struct user *u = slot->val;
        free(u->recent);
        m365_map_free(&u->prefixes);
        m365_map_free(&u->asns);
        m365_map_free(&u->countries);
        free(u);
    }
    m365_map_free(&s->users);
}

static const char *const techniques[] = {"T1098.005", NULL};

const struct m365_detection m365_detect_dormant_account_mfa_registration = {
    .info =
        {
            .id = "dormant-account-mfa-registration",
            .title = "MFA method registered on a dormant account",
            .severity = M365_SEV_HIGH,
            .techniques = techniques,
            .description =
                "An MFA method registered ('User registered security info', 'User registered all "
                "required security info', or an 'Update user' whose StrongAuthenticationMethod "
                "list grew) for an account with no successful sign-in in the `dormancy` window "
                "before it, or none at all in the evidence. Sign-ins in the `lead_in` just before "
                "the registration are the registering session (an attacker signs in seconds "
                "before) and do not make the account active. One finding per account. High when "
                "the evidence covers the whole window; one level lower when it is shorter (the "
                "account may have signed in before the evidence starts); one level higher each "
                "for failed passwords against it beforehand, a hosting address, or a network the "
                "account never used; one lower when it returns on a network it used before. An "
                "account created less than `dormancy` before the registration is a new hire, not "
                "a dormant account. A tenant snapshot loaded beside the logs adds its last "
                "sign-in dates and creation times (read relative to the registration time).",
            .needs = "Entra audit logs (or UAL) with the registration, and sign-in logs (Entra "
                     "sign-ins or UAL UserLoggedIn) covering the weeks before it",
            .blind_spots =
                "Without a tenant snapshot, dormancy is judged from the evidence alone: an account "
                "that signed in before the exported sign-in logs start looks dormant (the details "
                "give the history length and the severity is lowered). A snapshot's last sign-in "
                "settles it when it falls before the window (or there is none) or inside it; a "
                "last sign-in after the registration says nothing about the time before. "
                "Registrations older than the first sign-in record cannot be judged and are not "
                "reported, unless a snapshot shows the window quiet. Admin-registered methods and "
                "Temporary "
                "Access Passes are not covered. Registrations that failed are ignored.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_SIGNIN) | M365_KIND_BIT(M365_EV_DIRECTORY),
    .needs = M365_KIND_BIT(M365_EV_SIGNIN) | M365_KIND_BIT(M365_EV_DIRECTORY),
    .state_size = sizeof(struct state),
    .init = init,
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
