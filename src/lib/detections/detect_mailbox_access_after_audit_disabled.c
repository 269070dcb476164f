/* mailbox-access-after-audit-disabled: once auditing of a mailbox is switched off, any sign that
 * someone still reached it in the window the logs can no longer show. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../enrich/enrich.h"
#include "../engine/detect.h"
#include "app_facts.h"
#include "identity_util.h"
#include "m365_ids.h"
#include "mail_util.h"
#include "signin_util.h"
#include "../core/sort.h"

#define MAX_EV 48
#define MAX_WINDOWS 256

struct window {
    const char *mailbox;
    int64_t from, to; /* to = M365_TIME_NONE: still off at the end of the evidence */
    const char *how;
    uint32_t reads, routine_reads, new_place_signins, holder_activity;
    /* A leaver's mailbox handed to colleagues (advanced-audit-disabled's facts): grantee ->
     * when it was given; their reads after that are the handover, not a sign. */
    struct m365_map handed;
    uint32_t handed_reads;
    uint32_t graph_reads; /* Graph requests for its mail: logged whatever its auditing */
    struct m365_map users, apps, ips;
    /* Who read the mailbox before the window, and on which day: an application (not
     * Microsoft's) or another account -> day + 2, or 1 once seen on two days or more. */
    struct m365_map earlier_apps, earlier_users;
    const struct m365_event *ev[MAX_EV];
    uint32_t n_ev;
    /* The owner's sign-ins from networks new to them, judged at the end against the tenant's
     * shared networks; those past the list count as new. */
    struct {
        const char *net;
        const struct m365_event *ev;
    } cand[MAX_EV];
    uint32_t n_cand, cand_over;
};

struct state {
    struct window w[MAX_WINDOWS];
    size_t n;
    struct m365_map holders;   /* app id or UPN holding full_access_as_app / impersonation -> 1 */
    struct m365_map places;    /* (upn, network prefix) -> 1: where each user signed in before */
    struct m365_distinct shared; /* the tenant's shared networks (m365_id_shared_add) */
    struct m365_map mbx_apps;  /* (mailbox, app) -> 1: apps that read a mailbox */
    struct m365_app_facts apps; /* a grantee's app id when the grant record lacks it */
    struct m365_map ids;        /* a user's object id (lower-case) -> UPN, from sign-ins */
    /* The first mail record of each log (Exchange's, the Graph activity log): where the history
     * of the readers that log shows begins. */
    int64_t mail_first[2];
};

static void init(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    s->mail_first[0] = s->mail_first[1] = M365_TIME_NONE;
    for (size_t i = 0; i < m365_dctx_n_facts(dc) && s->n < MAX_WINDOWS; i++) {
        const struct m365_audit_fact *f = m365_dctx_fact(dc, i);
        if (f->throttled || f->grantee || f->from_ms == M365_TIME_NONE) {
            continue;
        }
        struct window *w = &s->w[s->n++];
        w->mailbox = f->mailbox;
        w->from = f->from_ms;
        w->to = f->to_ms;
        w->how = f->how;
    }
    for (size_t i = 0; i < m365_dctx_n_facts(dc); i++) {
        const struct m365_audit_fact *f = m365_dctx_fact(dc, i);
        for (size_t k = 0; f->grantee && k < s->n; k++) {
            if (s->w[k].mailbox == f->mailbox) {
                void **slot = m365_map_put(&s->w[k].handed, f->grantee, NULL);
                if (slot && !*slot) {
                    *slot = (void *)(intptr_t)f->at_ms;
                }
            }
        }
    }
    if (!s->n) {
        m365_dctx_not_evaluated(dc, "no mailbox had its auditing switched off in the evidence "
                                    "(advanced-audit-disabled, mail-audit-stopped found none)");
    }
}

static bool in_window(const struct window *w, int64_t t)
{
    return t >= w->from && (w->to == M365_TIME_NONE || t < w->to);
}

static void put(struct m365_map *m, const void *a, const void *b)
{
    void **slot = m365_map_put(m, a, b);
    if (slot) {
        *slot = (void *)1;
    }
}

static void note(struct m365_dctx *dc, struct window *w, const struct m365_event *ev, bool with_ip)
{
    if (ev->actor_upn) {
        put(&w->users, ev->actor_upn, NULL);
    }
    const char *app = ev->kind == M365_EV_SIGNIN ? ev->app_id : m365_mail_client(ev);
    if (app && !m365_first_party_app(app)) {
        put(&w->apps, app, NULL);
    }
    if (ev->ip && with_ip) {
        put(&w->ips, ev->ip, NULL);
    }
    if (w->n_ev < MAX_EV) {
        w->ev[w->n_ev++] = m365_dctx_keep(dc, ev);
    }
}

/* Grants that reach every mailbox: full_access_as_app to an app, ApplicationImpersonation. */
static void learn_holders(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    if (ev->kind == M365_EV_DIRECTORY && ev->operation &&
        strcmp(ev->operation, "Add app role assignment to service principal") == 0) {
        const struct m365_modprop *role = m365_event_prop(ev, "AppRole.Id");
        const struct m365_modprop *val = m365_event_prop(ev, "AppRole.Value");
        bool fa = (role && role->new_value && strstr(role->new_value, M365_PERM_FULL_ACCESS_AS_APP)) ||
                  (val && val->new_value && strcmp(val->new_value, "full_access_as_app") == 0);
        const struct m365_modprop *appid = m365_event_prop(ev, "ServicePrincipal.AppId");
        const char *app = appid && appid->new_value ? appid->new_value : NULL;
        if (fa && !app) {
            /* A download that cuts the record (the Entra admin center keeps five properties a
             * target) lacks the grantee's AppId: the application facts know the grantee from
             * its target, and its AppId from the records that made it. */
            M365_APP_EACH_ROOT(&s->apps, a)
            {
                for (uint32_t i = 0; i < a->grants.n && !app; i++) {
                    const struct m365_app_grant *g = &((struct m365_app_grant *)a->grants.p)[i];
                    app = g->ev->seq == ev->seq ? a->app_id : NULL;
                }
            }
        }
        if (fa && app) {
            put(&s->holders, m365_dctx_intern(dc, app, strlen(app)), NULL);
        }
    } else if (ev->kind == M365_EV_EXCHANGE_ADMIN && ev->operation &&
               (strcmp(ev->operation, "New-ManagementRoleAssignment") == 0)) {
        const char *role = m365_event_param(ev, "Role");
        if (role && strstr(role, "ApplicationImpersonation")) {
            const char *who = m365_event_param(ev, "User");
            if (!who) {
                who = m365_event_param(ev, "App");
            }
            if (who) {
                char low[320];
                size_t n = strlen(who) < sizeof(low) - 1 ? strlen(who) : sizeof(low) - 1;
                for (size_t i = 0; i < n; i++) {
                    low[i] = (char)(who[i] >= 'A' && who[i] <= 'Z' ? who[i] + 32 : who[i]);
                }
                put(&s->holders, m365_dctx_intern(dc, low, n), NULL);
            }
        }
    }
}

static void seen_before(struct m365_map *m, const char *who, int64_t t)
{
    void **slot = m365_map_put(m, who, NULL);
    if (!slot) {
        return;
    }
    uintptr_t day = (uintptr_t)(t / M365_DAY_MS) + 2;
    if (!*slot) {
        *slot = (void *)day;
    } else if ((uintptr_t)*slot != day) {
        *slot = (void *)1;
    }
}

/* A read by one of the mailbox's regular readers (a backup application, an assistant), who read
 * it on two days or more before the window: their reads in it are routine, not a sign. When the
 * mail records begin less than two days before the window, nobody can have read it on two days:
 * having read it before is as regular as the evidence can show. */
static bool routine_reader(const struct state *s, const struct window *w,
                           const struct m365_event *ev, const char *app)
{
    uintptr_t before = 0;
    if (app && !m365_first_party_app(app)) {
        before = (uintptr_t)m365_map_get(&w->earlier_apps, app, NULL);
    } else if (!m365_mail_is_app(ev) && ev->actor_upn) {
        before = (uintptr_t)m365_map_get(&w->earlier_users, ev->actor_upn, NULL);
    }
    int64_t first = s->mail_first[ev->kind == M365_EV_GRAPH_REQUEST];
    bool short_history = first != M365_TIME_NONE && w->from - first < 2 * M365_DAY_MS;
    return before == 1 || (before && short_history);
}

/* A read by a colleague the leaver's mailbox was handed to, after it was. */
static bool handed_reader(const struct window *w, const struct m365_event *ev, const char *user)
{
    if (!user || m365_mail_is_app(ev) || ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL) {
        return false;
    }
    void *at = m365_map_get(&w->handed, user, NULL);
    return at && (int64_t)(intptr_t)at <= ev->time_ms;
}

static bool is_holder(struct state *s, const struct m365_event *ev)
{
    const char *ids[4] = {ev->actor_app_id, ev->app_id, ev->client_app_id, ev->actor_upn};
    for (int i = 0; i < 4; i++) {
        if (ids[i] && m365_map_get(&s->holders, ids[i], NULL)) {
            return true;
        }
    }
    return false;
}

static bool holder_place_known(struct m365_dctx *dc, const struct state *s,
                               const struct m365_event *ev)
{
    if (!ev->ip || !ev->actor_upn) {
        return false;
    }
    const char *net = m365_dctx_ipinfo(dc, ev->ip)->prefix;
    return net && m365_map_get(&s->places, ev->actor_upn, net);
}

/* An object id as the ids map keys it: lower-case, interned. */
static const char *id_key(struct m365_dctx *dc, const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return m365_is_guid(id, n) ? m365_dctx_intern_lower(dc, id, n) : NULL;
}

/* A Graph request that read a mailbox's mail (MicrosoftGraphActivityLogs): the mailbox's UPN,
 * its owner's object id resolved through the sign-ins seen so far; NULL for anything else. *other
 * says whether someone other than the owner read it: an application's own request (not one of
 * Microsoft's), another user's, or the owner's through an application not Microsoft's. A user
 * the sign-ins do not name is not taken for someone else. *by: the user whose token it was, when
 * the sign-ins name them. */
static const char *graph_read(struct m365_dctx *dc, struct state *s, const struct m365_event *ev,
                              const char *app, bool *other, const char **by)
{
    if (!ev->mail || !ev->mail->mailbox_upn || ev->result != M365_RESULT_SUCCESS) {
        return NULL;
    }
    const char *mbx = ev->mail->mailbox_upn;
    const char *key = id_key(dc, mbx);
    if (key) {
        mbx = m365_map_get(&s->ids, key, NULL);
        if (!mbx) {
            return NULL;
        }
    }
    const char *caller = NULL;
    if (ev->actor_type == M365_ACTOR_USER) {
        const char *k = id_key(dc, ev->actor_id);
        caller = k ? m365_map_get(&s->ids, k, NULL) : NULL;
    }
    /* Microsoft's own services reading as themselves (no user) are Exchange's business. */
    bool microsoft = app && m365_first_party_app(app);
    *by = caller;
    *other = (ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL && !microsoft) ||
             (caller && caller != mbx) || m365_mail_is_app(ev);
    return mbx;
}

/* A Graph read says nothing of grants or places: it is a read of a window's mailbox, or
 * nothing. */
static void observe_graph(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    bool other = false;
    const char *by = NULL; /* the user whose token made the request, when the logs name them */
    const char *app = m365_mail_client(ev);
    const char *mbx = graph_read(dc, s, ev, app, &other, &by);
    if (!mbx) {
        return;
    }
    if (s->mail_first[1] == M365_TIME_NONE) {
        s->mail_first[1] = ev->time_ms;
    }
    /* A user's token (the owner's through an application, a delegate's): where that user signs
     * in every day, or the office others sign in from, is not where the mail was reached from;
     * an incident would take every read from there. */
    const char *net = by && ev->ip ? m365_dctx_ipinfo(dc, ev->ip)->prefix : NULL;
    bool known = net && (m365_map_get(&s->places, by, net) ||
                         m365_id_shared_by_others(&s->shared, net, by));
    for (size_t i = 0; i < s->n; i++) {
        struct window *w = &s->w[i];
        if (mbx != w->mailbox) {
            continue;
        }
        if (ev->time_ms < w->from) {
            if (app && !m365_first_party_app(app)) {
                seen_before(&w->earlier_apps, app, ev->time_ms);
            }
        } else if (in_window(w, ev->time_ms) && other) {
            if (routine_reader(s, w, ev, app)) {
                w->routine_reads++;
            } else if (handed_reader(w, ev, by)) {
                w->handed_reads++;
            } else {
                w->graph_reads++;
                note(dc, w, ev, !known);
            }
        }
    }
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    if (ev->time_ms == M365_TIME_NONE) {
        return;
    }
    if (ev->kind == M365_EV_SIGNIN && ev->actor_upn && ev->actor_id) {
        const char *k = id_key(dc, ev->actor_id);
        void **slot = k ? m365_map_put(&s->ids, k, NULL) : NULL;
        if (slot && !*slot) {
            *slot = (void *)(uintptr_t)ev->actor_upn;
        }
    }
    if (ev->kind == M365_EV_GRAPH_REQUEST) {
        observe_graph(dc, s, ev);
        return;
    }
    m365_app_facts_observe(&s->apps, dc, ev);
    learn_holders(dc, s, ev);
    if (ev->mail && s->mail_first[0] == M365_TIME_NONE) {
        s->mail_first[0] = ev->time_ms; /* events arrive in time order */
    }
    bool holder = is_holder(s, ev);
    for (size_t i = 0; i < s->n; i++) {
        struct window *w = &s->w[i];
        if (ev->mail && ev->mail->mailbox_upn == w->mailbox) {
            const char *app = m365_mail_client(ev);
            bool other = m365_mail_not_owner(ev) || m365_mail_is_app(ev);
            if (ev->time_ms < w->from) {
                if (app && !m365_first_party_app(app)) {
                    seen_before(&w->earlier_apps, app, ev->time_ms);
                } else if (other && !m365_mail_is_app(ev) && ev->actor_upn) {
                    seen_before(&w->earlier_users, ev->actor_upn, ev->time_ms);
                }
            } else if (in_window(w, ev->time_ms) && other) {
                if (routine_reader(s, w, ev, app)) {
                    w->routine_reads++; /* a holder's still counts below */
                } else if (handed_reader(w, ev, ev->actor_upn)) {
                    w->handed_reads++;
                } else {
                    /* Logged before the change took effect. A read from the office others
                     * sign in from names its reader, not the office: an incident would take
                     * every colleague's read from there for the attacker's. */
                    const char *net = ev->ip ? m365_dctx_ipinfo(dc, ev->ip)->prefix : NULL;
                    w->reads++;
                    note(dc, w, ev,
                         !net || !m365_id_shared_by_others(&s->shared, net, ev->actor_upn));
                    continue;
                }
            }
        }
        if (!in_window(w, ev->time_ms)) {
            continue;
        }
        if (ev->kind == M365_EV_SIGNIN && ev->result == M365_RESULT_SUCCESS &&
            ev->actor_upn == w->mailbox && ev->ip &&
            ((ev->app_id && strcmp(ev->app_id, M365_APP_EXCHANGE_ONLINE) == 0) ||
             (ev->resource_id && strcmp(ev->resource_id, M365_APP_EXCHANGE_ONLINE) == 0))) {
            const char *net = m365_dctx_ipinfo(dc, ev->ip)->prefix;
            if (net && !m365_map_get(&s->places, ev->actor_upn, net)) {
                const struct m365_event *kept =
                    w->n_cand < MAX_EV ? m365_dctx_keep(dc, ev) : NULL;
                if (kept) {
                    w->cand[w->n_cand].net = net;
                    w->cand[w->n_cand++].ev = kept;
                } else {
                    w->cand_over++;
                }
            }
        } else if (holder && (ev->kind == M365_EV_SIGNIN ||
                              (ev->kind == M365_EV_MAIL_ACCESS &&
                               (m365_mail_not_owner(ev) || m365_mail_is_app(ev))))) {
            /* The grant lets its holder reach this mailbox unseen; where the holder signs in
             * every day (the admin at the office) is not where it was reached from, so only
             * networks new to the holder are named. Reading one's own mail uses no grant. */
            w->holder_activity++;
            note(dc, w, ev, !holder_place_known(dc, s, ev));
        }
    }
    if (ev->kind == M365_EV_SIGNIN && ev->result == M365_RESULT_SUCCESS && ev->actor_upn &&
        ev->ip) {
        const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, ev->ip);
        if (ii->prefix) {
            put(&s->places, ev->actor_upn, ii->prefix);
        }
        m365_id_shared_add(&s->shared, ii, ev->actor_upn);
    }
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    for (size_t i = 0; i < s->n; i++) {
        struct window *w = &s->w[i];
        for (uint32_t k = 0; k < w->n_cand; k++) {
            /* The office is no new place, however late in the evidence the others came. */
            if (!m365_id_shared_by_others(&s->shared, w->cand[k].net, w->mailbox)) {
                w->new_place_signins++;
                note(dc, w, w->cand[k].ev, true);
            }
        }
        w->new_place_signins += w->cand_over;
        if (!w->reads && !w->graph_reads && !w->new_place_signins && !w->holder_activity) {
            continue;
        }
        struct m365_fb *fb = m365_fb_begin(dc, M365_SEV_CRITICAL);
        if (!fb) {
            continue;
        }
        m365_fb_entity(fb, M365_ENT_MAILBOXES, w->mailbox);
        const char *v[128];
        size_t n = m365_map_keys_sorted(&w->users, v, 128);
        for (size_t k = 0; k < n; k++) {
            m365_fb_entity(fb, M365_ENT_USERS, v[k]);
        }
        n = m365_map_keys_sorted(&w->apps, v, 128);
        for (size_t k = 0; k < n; k++) {
            m365_fb_entity(fb, M365_ENT_APPS, v[k]);
        }
        n = m365_map_keys_sorted(&w->ips, v, 128);
        for (size_t k = 0; k < n; k++) {
            m365_fb_entity(fb, M365_ENT_IPS, v[k]);
        }
        for (uint32_t k = 0; k < w->n_ev; k++) {
            m365_fb_event(fb, w->ev[k]);
        }
        int *first;
        struct m365_buf *d = m365_fb_details(fb, &first);
        m365_json_key(d, first, "audit_off_from");
        m365_json_time(d, w->from);
        m365_json_key(d, first, "audit_off_to");
        m365_json_time(d, w->to);
        m365_json_key(d, first, "how");
        m365_json_cstr(d, w->how);
        m365_json_key(d, first, "reads_still_logged");
        m365_buf_printf(d, "%u", w->reads);
        m365_json_key(d, first, "graph_reads");
        m365_buf_printf(d, "%u", w->graph_reads);
        m365_json_key(d, first, "routine_reads");
        m365_buf_printf(d, "%u", w->routine_reads);
        if (w->handed.n) {
            m365_json_key(d, first, "handed_over_reads");
            m365_buf_printf(d, "%u", w->handed_reads);
        }
        m365_json_key(d, first, "owner_signins_from_new_networks");
        m365_buf_printf(d, "%u", w->new_place_signins);
        m365_json_key(d, first, "mailbox_wide_grant_holder_activity");
        m365_buf_printf(d, "%u", w->holder_activity);
        n = m365_map_keys_sorted(&w->earlier_apps, v, 128);
        m365_json_key(d, first, "apps_that_read_it_before");
        m365_buf_putc(d, '[');
        for (size_t k = 0; k < n; k++) {
            if (k) {
                m365_buf_putc(d, ',');
            }
            m365_json_cstr(d, v[k]);
        }
        m365_buf_putc(d, ']');
        char parts[256] = "";
        size_t pl = 0;
        if (w->reads) {
            pl += (size_t)snprintf(parts + pl, sizeof(parts) - pl, "%s%u read(s) by others",
                                   pl ? ", " : "", w->reads);
        }
        if (w->graph_reads && pl < sizeof(parts)) {
            pl += (size_t)snprintf(parts + pl, sizeof(parts) - pl,
                                   "%s%u Graph request(s) by others for its mail "
                                   "(MicrosoftGraphActivityLogs, logged whatever its auditing)",
                                   pl ? ", " : "", w->graph_reads);
        }
        if (w->new_place_signins && pl < sizeof(parts)) {
            pl += (size_t)snprintf(parts + pl, sizeof(parts) - pl,
                                   "%s%u owner sign-in(s) to Exchange from new networks",
                                   pl ? ", " : "", w->new_place_signins);
        }
        if (w->holder_activity && pl < sizeof(parts)) {
            snprintf(parts + pl, sizeof(parts) - pl,
                     "%s%u action(s) by holders of mailbox-wide access", pl ? ", " : "",
                     w->holder_activity);
        }
        m365_fb_summary(fb,
                        "After auditing of %s was switched off (%s), signs of access in the "
                        "unauditable window: %s.",
                        w->mailbox, w->how ? w->how : "audit disabled", parts);
        m365_fb_end(fb);
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    for (size_t i = 0; i < s->n; i++) {
        m365_map_free(&s->w[i].users);
        m365_map_free(&s->w[i].apps);
        m365_map_free(&s->w[i].ips);
        m365_map_free(&s->w[i].earlier_apps);
        m365_map_free(&s->w[i].earlier_users);
        m365_map_free(&s->w[i].handed);
    }
    m365_map_free(&s->holders);
    m365_map_free(&s->ids);
    m365_distinct_free(&s->shared);
    m365_map_free(&s->places);
    m365_map_free(&s->mbx_apps);
    m365_app_facts_free(&s->apps);
}

static const char *const techniques[] = {"T1562.008", "T1114.002", NULL};

const struct m365_detection m365_detect_mailbox_access_after_audit_disabled = {
    .info =
        {
            .id = "mailbox-access-after-audit-disabled",
            .title = "Mailbox reached after its auditing was switched off",
            .severity = M365_SEV_CRITICAL,
            .techniques = techniques,
            .description =
                "For each mailbox whose auditing another rule found switched off "
                "(advanced-audit-disabled, mail-audit-stopped), signs of access inside the "
                "window (switched off until re-enabled or the end of the evidence): reads by "
                "others still logged before the change took effect, Graph requests by others "
                "for its mail (MicrosoftGraphActivityLogs, written whatever the mailbox's "
                "auditing), sign-ins of the owner to "
                "Exchange Online from networks the owner had not used before, activity (sign-ins, "
                "mailbox reads) of accounts and applications holding full_access_as_app or "
                "ApplicationImpersonation. Reads by the mailbox's regular readers (an application "
                "or account that read it on two days or more before the switch, such as a backup "
                "service) are routine: counted in the details, not a sign; so are reads of a "
                "leaver's mailbox by the colleagues it was handed to (FullAccess given). Details "
                "name the "
                "applications that read the mailbox before the switch.",
            .needs = "mailbox records; an audit switch-off found by another rule",
            .blind_spots =
                "This is the window the logs cannot show: the rule lists signs, never what was "
                "read. A reader that leaves no sign-in or directory trace (a token already "
                "issued) remains invisible.",
        },
    .kinds = M365_KIND_BIT(M365_EV_MAIL_ACCESS) | M365_KIND_BIT(M365_EV_MAILBOX_ITEM) |
             M365_KIND_BIT(M365_EV_SIGNIN) | M365_KIND_BIT(M365_EV_DIRECTORY) |
             M365_KIND_BIT(M365_EV_EXCHANGE_ADMIN) | M365_KIND_BIT(M365_EV_GRAPH_REQUEST),
    .state_size = sizeof(struct state),
    .reads_facts = true,
    .init = init,
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
