/* token-without-signin: mailbox or workload activity carrying a token that no sign-in in the
 * logs issued (the Storm-0558 pattern: forged or stolen tokens leave no sign-in record).
 *
 * A token is explained by a sign-in when, in that order:
 *   1. its UniqueTokenId is a sign-in's uniqueTokenIdentifier (any category, any address);
 *   2. its session (AppAccessContext.AADSessionId / SessionId) is a sign-in's sessionId;
 *   3. its client app signs in as a service principal in the lookback (app-only tokens);
 *   4. the user signed in from the same address (IPv6: the same /64) in the lookback,
 *      and the client app is one the user signs in to.
 * A missing sign-in only means something where the sign-in logs cover that period: both the
 * interactive and the non-interactive logs (and the service-principal logs for apps that have
 * their own credentials) must cover the activity's time and enough of its lookback. Coverage
 * is judged per export file, so the gaps between exports count as uncovered.
 *
 * Microsoft Graph activity logs add a user's Graph reads of mail (a GET of messages, with a
 * delegated token): the one record of such a read when the mailbox logs no MailItemsAccessed.
 * The request names its caller by object id; the sign-ins give the UPN (else a directory
 * change's target, else the tenant snapshot). Other Graph requests are left out: Microsoft's
 * own services call Graph for users all day. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/intervals.h"
#include "../core/json_out.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../enrich/enrich.h"
#include "../engine/detect.h"
#include "mail_util.h"
#include "signin_util.h"
#include "../core/sort.h"

struct cfg {
    int64_t lifetime;     /* a token may have been issued this long before its use */
    int64_t skew;         /* a sign-in this long after the activity still counts */
    int64_t min_coverage; /* sign-in logs must cover this much of the lookback */
    int64_t export_gap;   /* exports of one log this close together are one period */
};

static const struct m365_param_def params[] = {
    M365_PARAM("token_lifetime", M365_PARAM_DURATION, "24h", struct cfg, lifetime,
               "look back this far for the sign-in that issued the token (access tokens live "
               "60-90 min, continuous-access-evaluation tokens up to 28 h)"),
    M365_PARAM("clock_skew", M365_PARAM_DURATION, "5m", struct cfg, skew,
               "a sign-in logged up to this long after the activity still explains it "
               "(non-interactive sign-ins are aggregated and logged late)"),
    M365_PARAM("min_coverage", M365_PARAM_DURATION, "30m", struct cfg, min_coverage,
               "the interactive and the non-interactive sign-in logs must each cover at least "
               "this much of the lookback, and the activity's own time, else the record is "
               "not checked"),
    M365_PARAM("export_gap", M365_PARAM_DURATION, "15m", struct cfg, export_gap,
               "two exports of the same sign-in log (files) less than this far apart count as "
               "one continuous period; a longer gap is a period the logs do not cover"),
};

enum { CAT_INTER, CAT_NONINT, CAT_SP, N_CAT };
static const char *const cat_names[N_CAT] = {"interactive", "non-interactive",
                                             "service-principal"};

#define MAX_CAND 256   /* unexplained activity records kept per user */
#define MAX_LIST 16    /* ids / names listed per finding */

/* Sign-in times are kept as runs (struct m365_intervals, appended with the lookback as the
 * gap): consecutive times closer than the lookback share a run, so "was there one in [a, b]"
 * stays exact for any window at least that long. */

struct cand {
    const struct m365_event *ev;
    const char *ipkey;   /* address, or /64 for IPv6; NULL when the address says nothing */
    const char *client;  /* lower-cased client app id */
    const char *session; /* lower-cased session id */
    uint32_t alike;      /* without a non-interactive log: later records of the same address
                            and client app, folded into this one */
};

struct user {
    const char *upn;
    struct m365_map ips;  /* ipkey -> struct m365_intervals (successful sign-ins) */
    struct m365_map apps; /* app id -> 1: apps the user signed in to */
    struct cand *cand;
    uint32_t n_cand, cap_cand, overflow;
    uint32_t unchecked; /* without a non-interactive log: unexplained records, all counted */
};

struct span {
    int64_t first, last; /* its sign-ins', or the hour an Azure Monitor blob holds, the wider */
    uint8_t cats;        /* bit per CAT_* present in the file */
};

struct state {
    struct m365_map users;    /* upn (or an object id nothing names) -> struct user */
    struct m365_map sp_apps;  /* app id -> struct m365_intervals (its own sign-ins) */
    struct m365_map tok[2];   /* token ids (m365_text_key), two generations of one lookback each */
    int64_t tok_start;
    int tok_cur;
    struct m365_map late_tok; /* token ids first seen after an activity that carried them */
    struct m365_map pend_tok; /* token ids of unexplained activity */
    struct m365_map sessions; /* session id -> 1 */
    struct m365_map files;    /* evidence file -> struct span (its sign-ins) */
    struct m365_map act_hours; /* hour number + 1 -> 1: hours with in-scope activity */
    uint64_t activity;         /* in-scope activity records */
    uint64_t placeholders;     /* of them, with a placeholder token or session id */
    /* No non-interactive sign-in log at all (a Purview search, the Management Activity API):
     * nothing can be checked, only the unverified look-alikes said. */
    bool no_nonint;
    /* per category, the spans of the files holding its sign-ins, merged in finish */
    struct m365_intervals cov[N_CAT];
};

/* --- helpers ------------------------------------------------------------------------------- */

static struct m365_intervals *runs_of(struct m365_map *m, const void *k)
{
    return m365_map_obtain(m, k, NULL, sizeof(struct m365_intervals), NULL);
}

static void runs_map_free(struct m365_map *m)
{
    M365_MAP_EACH(m, slot)
    {
        struct m365_intervals *rs = slot->val;
        if (rs) {
            m365_intervals_free(rs);
            free(rs);
        }
    }
    m365_map_free(m);
}

static void set_put(struct m365_map *m, const void *k)
{
    void **slot = m365_map_put(m, k, NULL);
    if (slot) {
        *slot = (void *)1;
    }
}

/* A new candidate slot of the user's, NULL (and counted as overflow) when it is full. */
static struct cand *cand_slot(struct user *u)
{
    if (u->n_cand == u->cap_cand) {
        if (u->cap_cand == MAX_CAND) {
            u->overflow++;
            return NULL;
        }
        uint32_t nc = u->cap_cand ? u->cap_cand * 2 : 4;
        struct cand *ncd = realloc(u->cand, nc * sizeof(*ncd));
        if (!ncd) {
            u->overflow++;
            return NULL;
        }
        u->cand = ncd;
        u->cap_cand = nc;
    }
    return &u->cand[u->n_cand++];
}

static struct user *user_of(struct state *s, const char *upn)
{
    bool fresh;
    struct user *u = m365_map_obtain(&s->users, upn, NULL, sizeof(*u), &fresh);
    if (u && fresh) {
        u->upn = upn;
    }
    return u;
}

static int sign_in_cat(const struct m365_event *ev)
{
    switch (ev->log_source) {
    case M365_LOG_SIGNIN_NONINTERACTIVE:
        return CAT_NONINT;
    case M365_LOG_SIGNIN_SERVICE_PRINCIPAL:
    case M365_LOG_SIGNIN_MANAGED_IDENTITY:
        return CAT_SP;
    case M365_LOG_SIGNIN:
    case M365_LOG_UAL: /* UserLoggedIn: interactive sign-ins */
        return CAT_INTER;
    default:
        return ev->is_interactive == 0 ? CAT_NONINT : CAT_INTER;
    }
}

/* Token ids are copied, not interned: the token sets hold them by their text (m365_text_key). */

static void tok_put(struct m365_map *m, struct m365_text_key k)
{
    void **slot = m365_map_put(m, k.k1, k.k2);
    if (slot) {
        *slot = (void *)1;
    }
}

static bool tok_has(const struct m365_map *m, struct m365_text_key k)
{
    return m365_map_get(m, k.k1, k.k2) != NULL;
}

static bool key_known(const struct state *s, struct m365_text_key k)
{
    return tok_has(&s->tok[0], k) || tok_has(&s->tok[1], k) || tok_has(&s->late_tok, k);
}

/* A record's token id, unless it is a placeholder: a redacted export writes one value into
 * every sign-in and every mailbox record, which would take any read for one a sign-in issued. */
static const char *token_of(const struct m365_event *ev)
{
    return m365_token_usable(ev->token_id) ? ev->token_id : NULL;
}

/* Its session id, lower-case and interned, unless a placeholder (as token_of). */
static const char *session_of(struct m365_dctx *dc, const struct m365_event *ev)
{
    return m365_id_usable(ev->session_id) ? m365_dctx_lower_key(dc, ev->session_id) : NULL;
}

static bool token_known(const struct state *s, const char *tok)
{
    return tok && key_known(s, m365_text_key(tok));
}

/* Exchange's own assistants acting in a mailbox: not a user's token. */
static bool exchange_internal(const struct m365_event *ev)
{
    const char *ci = ev->mail ? ev->mail->client_info : NULL;
    return ci && (m365_icontains(ci, "Microsoft.Exchange") ||
                  m365_istarts(ci, "Client=TimeBasedAssistants") ||
                  m365_istarts(ci, "Client=Hub Transport"));
}

/* Outlook mobile reaches the mailbox through Microsoft's own service: the address logged is
 * a Microsoft data-centre one, never the device's, so only the app can be compared. */
static bool address_is_service(const struct m365_event *ev)
{
    const char *ci = ev->mail ? ev->mail->client_info : NULL;
    return ci && m365_istarts(ci, "Client=OutlookService");
}

/* A user's Graph read of mail: a successful GET of messages, made with a delegated token. */
static bool graph_mail_read(const struct m365_event *ev)
{
    return ev->kind == M365_EV_GRAPH_REQUEST && ev->mail && ev->mail->mailbox_upn &&
           ev->actor_type == M365_ACTOR_USER && ev->actor_id &&
           ev->result == M365_RESULT_SUCCESS && ev->time_ms != M365_TIME_NONE;
}

static bool in_scope(const struct m365_event *ev)
{
    if (ev->kind == M365_EV_GRAPH_REQUEST) {
        return graph_mail_read(ev);
    }
    if (ev->kind == M365_EV_SIGNIN || ev->time_ms == M365_TIME_NONE || !ev->actor_upn) {
        return false;
    }
    if (ev->actor_type != M365_ACTOR_USER && ev->actor_type != M365_ACTOR_UNKNOWN) {
        return false; /* applications and Microsoft's own service accounts */
    }
    /* A user's UPN has a dotted domain; SharePoint's own "app@sharepoint" has none. */
    const char *at = strchr(ev->actor_upn, '@');
    if (!at || !strchr(at, '.')) {
        return false;
    }
    return ev->result != M365_RESULT_FAILURE && !exchange_internal(ev);
}

/* --- observing ----------------------------------------------------------------------------- */

static void init(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    s->tok_start = INT64_MIN;
    if (!m365_dctx_has_kind(dc, M365_EV_MAIL_ACCESS) &&
        !m365_dctx_has_kind(dc, M365_EV_MAILBOX_ITEM) && !m365_dctx_has_kind(dc, M365_EV_FILE) &&
        !m365_dctx_has_kind(dc, M365_EV_EXCHANGE_ADMIN) &&
        !m365_dctx_has_kind(dc, M365_EV_GRAPH_REQUEST)) {
        m365_dctx_not_evaluated(dc, "needs mailbox or workload activity (MailItemsAccessed, "
                                    "Exchange or SharePoint records, Microsoft Graph activity "
                                    "logs); the evidence holds none");
        return;
    }
    if (!m365_dctx_has_source(dc, M365_LOG_SIGNIN_NONINTERACTIVE)) {
        s->no_nonint = true;
        return;
    }
    int64_t nf, nl, uf, ul;
    m365_dctx_source_span(dc, M365_LOG_SIGNIN_NONINTERACTIVE, &nf, &nl);
    m365_dctx_source_span(dc, M365_LOG_UAL, &uf, &ul);
    if (uf != INT64_MIN && (nl + c->skew < uf || nf - c->skew > ul)) {
        m365_dctx_not_evaluated(dc, "the non-interactive sign-in logs do not overlap the audit "
                                    "log's period: no activity can be checked");
    }
}

static void observe_signin(struct m365_dctx *dc, struct state *s, const struct cfg *c,
                           const struct m365_event *ev)
{
    int cat = sign_in_cat(ev);
    const char *file = ev->evidence.file ? ev->evidence.file : "-";
    bool fresh;
    struct span *sp = m365_map_obtain(&s->files, file, NULL, sizeof(*sp), &fresh);
    if (sp && fresh) {
        /* A storage blob (".../h=02/m=00/PT1H.json") holds its whole hour, however few
         * sign-ins it has: the night is covered hour by hour, not only between two records. */
        int64_t hour;
        sp->first = sp->last = ev->time_ms;
        if (m365_path_hour(file, &hour)) {
            m365_span_hold_hour(hour, &sp->first, &sp->last);
        }
    }
    if (sp) {
        sp->last = ev->time_ms > sp->last ? ev->time_ms : sp->last; /* events in time order */
        sp->cats |= (uint8_t)(1u << cat);
    }
    if (ev->result != M365_RESULT_SUCCESS) {
        return; /* no token was issued; the record still shows the logs were collected */
    }
    const char *token = token_of(ev);
    if (token) {
        if (s->tok_start == INT64_MIN) {
            s->tok_start = ev->time_ms;
        } else if (ev->time_ms - s->tok_start >= c->lifetime) {
            /* Tokens older than two lookbacks cannot be in use any more: drop them. */
            int old = 1 - s->tok_cur;
            m365_map_free(&s->tok[old]);
            s->tok_cur = old;
            s->tok_start = ev->time_ms;
        }
        struct m365_text_key k = m365_text_key(token);
        tok_put(&s->tok[s->tok_cur], k);
        if (tok_has(&s->pend_tok, k)) {
            tok_put(&s->late_tok, k);
        }
    }
    const char *sess = session_of(dc, ev);
    if (sess) {
        set_put(&s->sessions, sess);
    }
    const char *app = m365_dctx_lower_key(dc, ev->app_id ? ev->app_id : ev->actor_app_id);
    if (cat == CAT_SP || ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL) {
        if (app) {
            struct m365_intervals *rs = runs_of(&s->sp_apps, app);
            if (rs) {
                m365_intervals_append(rs, ev->time_ms, c->lifetime);
            }
        }
        return;
    }
    if (!m365_signin_is_user(ev) || !ev->actor_upn) {
        return;
    }
    struct user *u = user_of(s, ev->actor_upn);
    if (!u) {
        return;
    }
    if (app) {
        set_put(&u->apps, app);
    }
    const char *ipkey = NULL;
    if (ev->ip) {
        const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, ev->ip);
        ipkey = ii->valid && ii->v6 && ii->prefix ? ii->prefix : ev->ip;
        struct m365_intervals *rs = runs_of(&u->ips, ipkey);
        if (rs) {
            m365_intervals_append(rs, ev->time_ms, c->lifetime);
        }
    }
    /* Free the slots of the user's records this sign-in explains (finish re-checks anyway). */
    uint32_t k = 0;
    for (uint32_t i = 0; i < u->n_cand; i++) {
        const struct cand *cd = &u->cand[i];
        /* The sign-in's token is no placeholder, nor then is a record's equal to it. */
        bool explained = (token && cd->ev->token_id && strcmp(cd->ev->token_id, token) == 0) ||
                         (cd->session && cd->session == sess) ||
                         (cd->ipkey && cd->ipkey == ipkey &&
                          ev->time_ms - cd->ev->time_ms <= c->skew &&
                          (!cd->client || m365_map_get(&u->apps, cd->client, NULL)));
        if (!explained) {
            u->cand[k++] = *cd;
        }
    }
    u->n_cand = k;
}

/* Without a non-interactive log nothing can be checked; a record can only be one of the
 * unverified look-alikes, from a cloud or hosting address. One example per address and client
 * app is kept, the rest counted: the state grows with them, not with the records. */
static bool keep_unchecked(struct m365_dctx *dc, struct user *u, const struct m365_event *ev,
                           const char *ipkey, const char *client)
{
    u->unchecked++;
    if (!ipkey || !client || !m365_dctx_ipinfo(dc, ev->ip)->hosting) {
        return false;
    }
    for (uint32_t i = 0; i < u->n_cand; i++) {
        if (u->cand[i].ipkey == ipkey && u->cand[i].client == client) {
            u->cand[i].alike++;
            return false;
        }
    }
    return true;
}

static void observe_activity(struct m365_dctx *dc, struct state *s, const struct cfg *c,
                             const struct m365_event *ev)
{
    if (!in_scope(ev)) {
        return;
    }
    s->activity++;
    if (ev->time_ms >= 0) {
        set_put(&s->act_hours, (const void *)(uintptr_t)(ev->time_ms / M365_HOUR_MS + 1));
    }
    const char *token = token_of(ev), *sess = session_of(dc, ev);
    /* An anonymised export's one value (not an absent id): only the address and app remain. */
    s->placeholders += (ev->token_id && *ev->token_id && !token) ||
                       (!sess && ev->session_id && *ev->session_id &&
                        !m365_id_usable(ev->session_id));
    /* A Graph request's AppId is the client app (its resource is Graph itself). */
    const char *client =
        m365_dctx_lower_key(dc, ev->kind == M365_EV_GRAPH_REQUEST ? ev->app_id : ev->client_app_id);
    struct m365_text_key tk = {NULL, NULL};
    if (token) {
        tk = m365_text_key(token);
    }
    if ((tk.k1 && key_known(s, tk)) || (sess && m365_map_get(&s->sessions, sess, NULL))) {
        return;
    }
    if (client) {
        const struct m365_intervals *sp = m365_map_get(&s->sp_apps, client, NULL);
        if (m365_intervals_meet(sp, ev->time_ms - c->lifetime, ev->time_ms)) {
            return; /* an app with its own credentials, signing in as itself */
        }
    }
    const char *who = ev->actor_upn;
    if (!who) { /* a Graph request: the UPN the id is known by, else the id itself */
        const char *id = m365_dctx_lower_key(dc, ev->actor_id);
        who = m365_dctx_upn_of_id(dc, id);
        who = who ? who : id;
    }
    struct user *u = who ? user_of(s, who) : NULL;
    if (!u) {
        return;
    }
    const char *ipkey = NULL;
    if (ev->ip && !address_is_service(ev)) {
        const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, ev->ip);
        if (ii->valid && !ii->is_private) {
            ipkey = ii->v6 && ii->prefix ? ii->prefix : ev->ip;
        }
    }
    bool app_ok = !client || m365_map_get(&u->apps, client, NULL);
    if (ipkey) {
        const struct m365_intervals *rs = m365_map_get(&u->ips, ipkey, NULL);
        if (app_ok && m365_intervals_meet(rs, ev->time_ms - c->lifetime, ev->time_ms)) {
            return;
        }
    } else if (!client) {
        return; /* no address worth comparing, no client app, unknown ids */
    } else if (app_ok) {
        return;
    }
    if (s->no_nonint && !keep_unchecked(dc, u, ev, ipkey, client)) {
        return;
    }
    struct cand *cd = cand_slot(u);
    if (!cd) {
        return;
    }
    *cd = (struct cand){m365_dctx_keep(dc, ev), ipkey, client, sess, 0};
    if (tk.k1) {
        tok_put(&s->pend_tok, tk); /* its sign-in may still come, within clock_skew */
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
        observe_signin(dc, s, c, ev);
    } else {
        observe_activity(dc, s, c, ev);
    }
}

/* --- coverage ------------------------------------------------------------------------------ */

/* Each file's span of sign-ins counts for every category it holds; exports less than gap
 * apart are one period. */
static void build_coverage(struct state *s, int64_t gap)
{
    for (int cat = 0; cat < N_CAT; cat++) {
        M365_MAP_EACH(&s->files, slot)
        {
            const struct span *sp = slot->val;
            if (sp && (sp->cats & (1u << cat))) {
                m365_intervals_add(&s->cov[cat], sp->first, sp->last);
            }
        }
        m365_intervals_merge(&s->cov[cat], gap);
    }
}

/* --- reporting ----------------------------------------------------------------------------- */

struct flagged {
    const struct cand *cd;
    bool ip_unmatched, app_unseen, hosting;
    int64_t cov_min[N_CAT]; /* coverage of the lookback, per category checked */
    bool sp_checked;
};

/* Adds s to a small sorted-unique list. */
static void list_add(const char **list, size_t *n, size_t max, const char *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(list[i], s) == 0) {
            return;
        }
    }
    if (*n < max) {
        list[(*n)++] = s;
    }
}

static void json_list(struct m365_buf *d, int *first, const char *key, const char **list,
                      size_t n)
{
    m365_qsort(list, n, sizeof(*list), m365_cmp_cstr);
    m365_json_key(d, first, key);
    m365_json_cstr_array(d, list, n);
}

/* "client app NAME (ID)", "client apps A and B", "client apps A, B and 3 more". */
static void client_apps(struct m365_dctx *dc, const char *const *ids, size_t n, char *out,
                        size_t size)
{
    if (n == 0) {
        snprintf(out, size, "a client app");
        return;
    }
    size_t w = (size_t)snprintf(out, size, "client app%s ", n > 1 ? "s" : "");
    if (w < size) {
        m365_dctx_app_list(dc, ids, n > 3 ? 2 : n, n, out + w, size - w);
    }
}

/* unverified: the records fell outside the sign-in logs' coverage (OUTSIDE_SUSPECT). */
static void report(struct m365_dctx *dc, const struct cfg *c, struct user *u,
                   const struct flagged *fl, size_t n, uint32_t outside, bool unverified)
{
    enum m365_severity sev = M365_SEV_LOW;
    bool any_ip = false, any_app = false, any_host = false, full = true;
    int64_t cov_min[N_CAT] = {INT64_MAX, INT64_MAX, INT64_MAX};
    const char *ips[MAX_LIST], *apps[MAX_LIST], *unseen[MAX_LIST], *toks[MAX_LIST],
        *sess[MAX_LIST], *ops[MAX_LIST], *boxes[MAX_LIST], *noip[MAX_LIST];
    size_t nip = 0, napp = 0, nun = 0, ntok = 0, nsess = 0, nop = 0, nbox = 0, nnoip = 0;
    for (size_t i = 0; i < n; i++) {
        const struct flagged *f = &fl[i];
        const struct m365_event *ev = f->cd->ev;
        /* Only the client app is new (the address matches or says nothing): worth a look. */
        enum m365_severity s = M365_SEV_LOW;
        if (f->ip_unmatched) {
            s = f->app_unseen || f->hosting ? M365_SEV_HIGH : M365_SEV_MEDIUM;
        }
        if (s > sev) {
            sev = s;
        }
        any_ip |= f->ip_unmatched;
        any_app |= f->app_unseen;
        any_host |= f->hosting;
        for (int k = 0; k < N_CAT; k++) {
            if ((k != CAT_SP || f->sp_checked) && f->cov_min[k] < cov_min[k]) {
                cov_min[k] = f->cov_min[k];
            }
            if ((k != CAT_SP || f->sp_checked) && f->cov_min[k] < c->lifetime) {
                full = false;
            }
        }
        /* Outlook mobile's address is Microsoft's service, not an address of the finding: a
         * responder blocks what a finding names, and an incident would read other users'
         * phones through it. */
        list_add(ips, &nip, MAX_LIST, address_is_service(ev) ? NULL : ev->ip);
        if (f->ip_unmatched) {
            list_add(noip, &nnoip, MAX_LIST, ev->ip);
        }
        list_add(apps, &napp, MAX_LIST, f->cd->client);
        if (f->app_unseen) {
            list_add(unseen, &nun, MAX_LIST, f->cd->client);
        }
        list_add(toks, &ntok, MAX_LIST, token_of(ev));
        list_add(sess, &nsess, MAX_LIST, f->cd->session);
        list_add(ops, &nop, MAX_LIST, ev->operation);
        /* A Graph read names the mailbox by its owner's object id as often as by UPN. */
        list_add(boxes, &nbox, MAX_LIST, m365_mail_box(dc, ev));
    }
    if (unverified) {
        sev = M365_SEV_LOW;
        full = false;
    }
    struct m365_fb *fb = m365_fb_begin(dc, sev);
    if (!fb) {
        return;
    }
    m365_fb_entity(fb, M365_ENT_USERS, u->upn);
    for (size_t i = 0; i < nip; i++) {
        m365_fb_entity(fb, M365_ENT_IPS, ips[i]);
    }
    for (size_t i = 0; i < napp; i++) {
        m365_fb_entity(fb, M365_ENT_APPS, apps[i]);
    }
    for (size_t i = 0; i < nbox; i++) {
        m365_fb_entity(fb, M365_ENT_MAILBOXES, boxes[i]);
    }
    for (size_t i = 0; i < n; i++) {
        m365_fb_event(fb, fl[i].cd->ev);
    }
    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    /* A Graph read is often in MailItemsAccessed too: the two kinds are counted apart. */
    size_t records = 0, graph = 0;
    const char *other_op = NULL;
    bool other_ops = false;
    for (size_t i = 0; i < n; i++) {
        const struct m365_event *ev = fl[i].cd->ev;
        size_t k = 1 + (size_t)fl[i].cd->alike;
        records += k;
        if (ev->kind == M365_EV_GRAPH_REQUEST) {
            graph += k;
        } else if (!other_op) {
            other_op = ev->operation;
        } else if (!ev->operation || strcmp(other_op, ev->operation) != 0) {
            other_ops = true;
        }
    }
    char what[160];
    if (!graph) {
        snprintf(what, sizeof(what), "%zu %s record(s)", records,
                 nop == 1 ? ops[0] : "mailbox/workload");
    } else if (graph == records) {
        snprintf(what, sizeof(what), "%zu Graph request(s) for mail", graph);
    } else {
        snprintf(what, sizeof(what), "%zu %s record(s) and %zu Graph request(s) for mail",
                 records - graph, other_op && !other_ops ? other_op : "mailbox/workload", graph);
    }
    m365_json_key(d, first, "records");
    m365_buf_printf(d, "%zu", records);
    m365_json_key(d, first, "graph_requests");
    m365_buf_printf(d, "%zu", graph);
    json_list(d, first, "operations", ops, nop);
    json_list(d, first, "ips_without_signin", noip, nnoip);
    json_list(d, first, "client_apps", apps, napp);
    json_list(d, first, "client_apps_never_signed_in", unseen, nun);
    json_list(d, first, "unmatched_token_ids", toks, ntok);
    json_list(d, first, "unmatched_session_ids", sess, nsess);
    m365_json_key(d, first, "lookback_minutes");
    m365_buf_printf(d, "%lld", (long long)(c->lifetime / 60000));
    m365_json_key(d, first, "coverage_minutes");
    m365_buf_putc(d, '{');
    int cfirst = 1;
    for (int k = 0; k < N_CAT; k++) {
        if (cov_min[k] != INT64_MAX) {
            m365_json_key(d, &cfirst, cat_names[k]);
            m365_buf_printf(d, "%lld", (long long)(cov_min[k] / 60000));
        }
    }
    m365_buf_putc(d, '}');
    m365_json_key(d, first, "full_coverage");
    m365_buf_puts(d, full ? "true" : "false");
    m365_json_key(d, first, "records_outside_coverage");
    m365_buf_printf(d, "%u", outside);
    m365_json_key(d, first, "unverified");
    m365_buf_puts(d, unverified ? "true" : "false");
    if (u->overflow) {
        m365_json_key(d, first, "records_not_rechecked");
        m365_buf_printf(d, "%u", u->overflow);
    }
    m365_json_key(d, first, "from_hosting");
    m365_buf_puts(d, any_host ? "true" : "false");
    m365_json_key(d, first, "ip_ranges_loaded");
    m365_buf_puts(d, m365_dctx_has_ip_ranges(dc) || m365_dctx_has_asn_db(dc) ? "true" : "false");
    char note[512] = "";
    size_t w = 0;
    if (unverified) {
        w += (size_t)snprintf(note + w, sizeof(note) - w,
                              "The sign-in logs do not cover these records: a missing sign-in "
                              "cannot be shown. Collect the sign-ins of that period.");
    } else if (!full) {
        w += (size_t)snprintf(note + w, sizeof(note) - w,
                              "The sign-in logs cover only part of the %lld h lookback: a sign-in "
                              "before that cannot be ruled out.",
                              (long long)(c->lifetime / M365_HOUR_MS));
    }
    if (!m365_dctx_has_ip_ranges(dc) && !m365_dctx_has_asn_db(dc) && w < sizeof(note)) {
        snprintf(note + w, sizeof(note) - w,
                 "%sNo --ip-ranges or --asn-db: hosting addresses were not recognised.",
                 w ? " " : "");
    }
    if (note[0]) {
        m365_json_key(d, first, "note");
        m365_json_cstr(d, note);
    }
    char why[1024] = "", apps_txt[720];
    client_apps(dc, unseen, nun, apps_txt, sizeof(apps_txt));
    w = 0;
    if (any_ip) {
        w += (size_t)snprintf(why + w, sizeof(why) - w,
                              "; the user has no sign-in from %s in the preceding %lld h",
                              nnoip == 1 ? noip[0] : "those addresses",
                              (long long)(c->lifetime / M365_HOUR_MS));
    }
    if (any_app && w < sizeof(why)) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, "; %s %s in none of the user's sign-ins",
                              apps_txt, nun > 1 ? "appear" : "appears");
    }
    if (ntok && w < sizeof(why)) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, "; its token id matches no sign-in");
    }
    if (any_host && w < sizeof(why)) {
        snprintf(why + w, sizeof(why) - w, "; from a hosting provider");
    }
    if (unverified) {
        m365_fb_summary(fb,
                        "%s by %s came from a hosting provider through %s, which none of the "
                        "user's sign-ins used, in a period the sign-in logs do not cover: whether "
                        "a sign-in issued their token cannot be checked.",
                        what, u->upn, apps_txt);
    } else {
        m365_fb_summary(fb, "%s by %s carry a token that no sign-in in the logs issued%s.", what,
                        u->upn, why);
    }
    m365_fb_end(fb);
}

static int cmp_flagged(const void *a, const void *b)
{
    const struct flagged *x = a, *y = b;
    return x->cd->ev->seq < y->cd->ev->seq ? -1 : x->cd->ev->seq > y->cd->ev->seq;
}

static int cmp_user(const void *a, const void *b)
{
    return strcmp((*(struct user *const *)a)->upn, (*(struct user *const *)b)->upn);
}

enum verdict {
    EXPLAINED,
    FLAGGED,
    OUTSIDE,         /* not checkable: the sign-in logs do not cover it */
    OUTSIDE_SUSPECT, /* not checkable, but from a hosting address through an app never used */
};

/* Final check of one record with everything the logs hold. */
static enum verdict check(struct m365_dctx *dc, struct state *s, const struct cfg *c,
                          struct user *u, const struct cand *cd, struct flagged *f)
{
    const struct m365_event *ev = cd->ev;
    int64_t t = ev->time_ms, a = t - c->lifetime, b = t + c->skew;
    if (token_known(s, token_of(ev)) ||
        (cd->session && m365_map_get(&s->sessions, cd->session, NULL))) {
        return EXPLAINED;
    }
    const struct m365_intervals *sp =
        cd->client ? m365_map_get(&s->sp_apps, cd->client, NULL) : NULL;
    if (m365_intervals_meet(sp, a, b)) {
        return EXPLAINED;
    }
    memset(f, 0, sizeof(*f));
    f->cd = cd;
    f->ip_unmatched =
        cd->ipkey && !m365_intervals_meet(m365_map_get(&u->ips, cd->ipkey, NULL), a, b);
    f->app_unseen = cd->client && !m365_map_get(&u->apps, cd->client, NULL);
    if (!f->ip_unmatched && !f->app_unseen) {
        return EXPLAINED;
    }
    if (ev->ip) {
        const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, ev->ip);
        f->hosting = ii->hosting;
    }
    /* Only a period the sign-in logs cover can show that a sign-in is missing. */
    f->sp_checked = sp != NULL; /* the client app has credentials of its own */
    bool inside = true;
    for (int k = 0; k < N_CAT; k++) {
        if (k == CAT_SP && !f->sp_checked) {
            continue;
        }
        f->cov_min[k] = m365_intervals_amount(&s->cov[k], a, t);
        inside &= f->cov_min[k] >= c->min_coverage &&
                  m365_intervals_meet(&s->cov[k], t - c->skew, t + c->skew);
    }
    if (inside) {
        return FLAGGED;
    }
    /* Two signs the missing logs cannot take away: a cloud provider's address and an app none
     * of the user's sign-ins, anywhere in the evidence, ever used. */
    return f->ip_unmatched && f->app_unseen && f->hosting ? OUTSIDE_SUSPECT : OUTSIDE;
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    build_coverage(s, c->export_gap);
    size_t nu = 0;
    struct user **users = malloc((s->users.n ? s->users.n : 1) * sizeof(*users));
    struct flagged *fl = malloc(MAX_CAND * sizeof(*fl));
    struct flagged *sus = malloc(MAX_CAND * sizeof(*sus));
    if (!users || !fl || !sus) {
        free(users);
        free(fl);
        free(sus);
        return;
    }
    M365_MAP_EACH(&s->users, slot)
    {
        struct user *u = slot->val;
        if (u->n_cand || u->unchecked) {
            users[nu++] = u;
        }
    }
    m365_qsort(users, nu, sizeof(*users), cmp_user);
    size_t findings = 0, users_outside = 0, users_unverified = 0;
    uint64_t all_outside = 0;
    for (size_t i = 0; i < nu; i++) {
        struct user *u = users[i];
        size_t n = 0, nsus = 0;
        uint32_t outside = 0;
        for (uint32_t k = 0; k < u->n_cand; k++) {
            enum verdict v = check(dc, s, c, u, &u->cand[k], &fl[n]);
            outside += v == OUTSIDE || v == OUTSIDE_SUSPECT;
            if (v == FLAGGED) {
                n++;
            } else if (v == OUTSIDE_SUSPECT) {
                sus[nsus++] = fl[n]; /* fl[n] is free again for the next record */
            }
        }
        if (s->no_nonint) {
            outside = u->unchecked; /* the records not kept were outside too */
        }
        all_outside += outside;
        users_outside += outside > 0;
        if (n) {
            m365_qsort(fl, n, sizeof(*fl), cmp_flagged);
            report(dc, c, u, fl, n, outside, false);
            findings++;
        } else if (nsus) {
            /* Nothing checkable, yet these look like Storm-0558's reads: say what cannot be
             * known rather than stay silent. */
            m365_qsort(sus, nsus, sizeof(*sus), cmp_flagged);
            report(dc, c, u, sus, nsus, outside, true);
            users_unverified++;
        }
    }
    free(users);
    free(fl);
    free(sus);
    if (s->no_nonint) {
        /* Without the non-interactive log every record is outside coverage: say so whole. */
        if (!all_outside) {
            return;
        }
        char which[96] = "no user's records";
        if (users_unverified) {
            snprintf(which, sizeof(which), "the records of %zu user%s", users_unverified,
                     users_unverified == 1 ? "" : "s");
        }
        m365_dctx_evaluated_in_part(
            dc,
            "no non-interactive sign-in logs (NonInteractiveUserSignInLogs, "
            "AADNonInteractiveUserSignInLogs): a token an app refreshed silently looks like one "
            "no sign-in issued, so none of the %llu record%s of %zu user%s that no token id, "
            "session or application sign-in explained could be checked; %s came from a cloud "
            "or hosting address through an app the user never signed in with (reported as "
            "unverified, at low)%s",
            (unsigned long long)all_outside, all_outside == 1 ? "" : "s", users_outside,
            users_outside == 1 ? "" : "s", which,
            m365_dctx_has_ip_ranges(dc) || m365_dctx_has_asn_db(dc)
                ? ""
                : " (no --ip-ranges or --asn-db: hosting addresses were not recognised)");
        return;
    }
    if (!findings && s->activity) {
        /* Nothing fired: say so when no activity fell in a period the logs cover. */
        bool any = false;
        M365_MAP_EACH(&s->act_hours, slot)
        {
            int64_t h0 = ((int64_t)(uintptr_t)slot->k1 - 1) * M365_HOUR_MS, h1 = h0 + M365_HOUR_MS;
            any |= m365_intervals_amount(&s->cov[CAT_INTER], h0, h1) > 0 &&
                   m365_intervals_amount(&s->cov[CAT_NONINT], h0, h1) > 0;
        }
        if (!any) {
            m365_dctx_not_evaluated(dc,
                                    "none of the %llu mailbox or workload records falls in a "
                                    "period covered by both interactive and non-interactive "
                                    "sign-in logs",
                                    (unsigned long long)s->activity);
            return;
        }
    }
    if (all_outside) {
        m365_dctx_evaluated_in_part(
            dc,
            "%llu record%s of %zu user%s that no token id, session or application sign-in "
            "explained fell outside the sign-in logs' coverage (the gaps between exports "
            "included) and could not be checked; the sign-ins of those periods would check them",
            (unsigned long long)all_outside, all_outside == 1 ? "" : "s", users_outside,
            users_outside == 1 ? "" : "s");
    }
    if (s->placeholders) {
        m365_dctx_evaluated_in_part(
            dc,
            "%llu of the %llu mailbox or workload records carry a placeholder token or session "
            "id (an export anonymised for sharing writes one value, such as ANONYMIZED or "
            "0000..., into every record): they were judged by address and client app alone, so "
            "a stolen token or session used from an address and app its owner also signs in "
            "with is not told apart",
            (unsigned long long)s->placeholders, (unsigned long long)s->activity);
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    M365_MAP_EACH(&s->users, slot)
    {
        struct user *u = slot->val;
        runs_map_free(&u->ips);
        m365_map_free(&u->apps);
        free(u->cand);
        free(u);
    }
    m365_map_free(&s->users);
    runs_map_free(&s->sp_apps);
    m365_map_free(&s->tok[0]);
    m365_map_free(&s->tok[1]);
    m365_map_free(&s->late_tok);
    m365_map_free(&s->pend_tok);
    m365_map_free(&s->sessions);
    M365_MAP_EACH(&s->files, slot)
    {
        free(slot->val);
    }
    m365_map_free(&s->files);
    m365_map_free(&s->act_hours);
    for (int k = 0; k < N_CAT; k++) {
        m365_intervals_free(&s->cov[k]);
    }
}

static const char *const techniques[] = {"T1550.001", "T1606", NULL};

const struct m365_detection m365_detect_token_without_signin = {
    .info =
        {
            .id = "token-without-signin",
            .title = "Mailbox or workload activity with a token no sign-in issued",
            .severity = M365_SEV_HIGH,
            .techniques = techniques,
            .description =
                "A user's mailbox or workload activity (MailItemsAccessed, other Exchange item "
                "and admin records, SharePoint, Graph reads of mail in the Graph activity log) "
                "whose token no sign-in in the logs explains: its "
                "UniqueTokenId and session id match no sign-in, its client app does not sign in "
                "as a service principal, and the user has no successful sign-in from that "
                "address (IPv6: that /64) in the preceding token lifetime, or the client app is "
                "one the user never signed in to. This is what a forged (Storm-0558) or stolen "
                "access token looks like. Only records in a period that both the interactive and "
                "the non-interactive sign-in logs cover are checked. One finding per user: high "
                "when a never-used client app or a hosting address adds to the missing sign-in, "
                "medium for a missing sign-in alone, low when only the client app is new, and "
                "low ('unverified') for records outside coverage that come from a hosting "
                "address through a client app the user never signed in to.",
            .needs = "UAL mailbox or workload records or Microsoft Graph activity logs, plus "
                     "interactive and non-interactive sign-in logs covering the same period "
                     "(interactive ones alone: only the unverified look-alikes)",
            .blind_spots =
                "Activity outside the sign-in logs' coverage (including the gaps between "
                "exports, and everything when there is no non-interactive log) is not checked. "
                "A stolen refresh token that the attacker redeems "
                "produces a genuine sign-in from the attacker's address and is not this rule's "
                "case. Outlook mobile is only checked by app, since Exchange logs Microsoft's "
                "service address. Dual-stack clients that sign in over IPv4 and reach Exchange "
                "over IPv6 (or the reverse) look like a missing sign-in.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_SIGNIN) | M365_KIND_BIT(M365_EV_MAIL_ACCESS) |
             M365_KIND_BIT(M365_EV_MAILBOX_ITEM) | M365_KIND_BIT(M365_EV_FILE) |
             M365_KIND_BIT(M365_EV_EXCHANGE_ADMIN) | M365_KIND_BIT(M365_EV_GRAPH_REQUEST),
    .needs = M365_KIND_BIT(M365_EV_SIGNIN),
    .state_size = sizeof(struct state),
    .init = init,
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
