/* new-user-privileged-action: an account created in the evidence that, within hours, grants
 * OAuth consent, gets or hands out a role, adds a credential, registers an application or
 * grants app roles — Midnight Blizzard created users to consent to its OAuth apps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../engine/detect.h"
#include "consent_facts.h"
#include "identity_util.h"
#include "m365_ids.h"
#include "tenant_facts.h"
#include "../core/sort.h"

struct cfg {
    int64_t window; /* actions this soon after the creation count */
};

static const struct m365_param_def params[] = {
    M365_PARAM("window", M365_PARAM_DURATION, "48h", struct cfg, window,
               "privileged actions by (or for) a new account this long after its \"Add user\" "
               "record count"),
};

#define MAX_ACTIONS 16
#define MAX_ENT 16

enum kind {
    K_CONSENT = 1,
    K_ROLE_RECEIVED = 2,
    K_ROLE_ASSIGNED = 4,
    K_CREDENTIAL = 8,
    K_APP_CREATED = 16,
    K_APP_ROLE = 32,
};

struct action {
    const struct m365_event *ev;
    const char *what;
    unsigned kind;
    bool sensitive;
};

struct newuser {
    const char *upn, *id, *name, *creator;
    int64_t created;
    const struct m365_event *create_ev;
    struct action act[MAX_ACTIONS];
    uint32_t n_act, total;
    const struct m365_event *ev[MAX_ACTIONS * 2]; /* evidence: every record behind the actions */
    uint32_t n_ev;
    unsigned kinds, sensitive_kinds;
    bool tier0_role, exchange_role; /* received a tenant-takeover role, an Exchange role */
    struct m365_map apps, sps, ips; /* entity -> 1 */
};

struct state {
    struct m365_map keys; /* lower-cased upn / object id -> struct newuser (not owned) */
    struct newuser **all; /* owned */
    size_t n_all, cap_all;
    struct m365_id_office office; /* an administrator's onboarding at the office */
};

static struct newuser *lookup(struct m365_dctx *dc, struct state *s, const char *upn,
                              const char *id);

static void mark(struct m365_map *m, const char *k)
{
    if (!k || m->n >= MAX_ENT) {
        return;
    }
    void **slot = m365_map_put(m, k, NULL);
    if (slot) {
        *slot = (void *)1;
    }
}

static const char *prop_any(const struct m365_event *ev, const char *name)
{
    const struct m365_modprop *p = m365_event_prop(ev, name);
    if (!p) {
        return NULL;
    }
    if (p->new_value && *p->new_value) {
        return p->new_value;
    }
    return p->old_value && *p->old_value ? p->old_value : NULL;
}

static void put_key(struct state *s, const char *k, struct newuser *u)
{
    if (!k || m365_map_get(&s->keys, k, NULL)) {
        return;
    }
    void **slot = m365_map_put(&s->keys, k, NULL);
    if (slot) {
        *slot = u;
    }
}

static void on_add_user(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    const struct m365_target *t = ev->n_targets ? &ev->targets[0] : NULL;
    const char *upn = m365_tf_key(dc, prop_any(ev, "UserPrincipalName"));
    const char *t_upn = m365_tf_key(dc, t ? t->upn : NULL);
    const char *id = m365_tf_key(dc, t ? t->id : NULL);
    const char *actor_id = m365_tf_key(dc, ev->actor_id);
    /* Anonymised samples reuse one placeholder for creator and created: drop such keys. */
    if (t_upn && t_upn == ev->actor_upn) {
        t_upn = NULL;
    }
    if (id && id == actor_id) {
        id = NULL;
    }
    if (upn && upn == ev->actor_upn) {
        upn = NULL;
    }
    if (!upn) {
        upn = t_upn;
    }
    if (!upn && !id) {
        return;
    }
    /* The same creation logged again (another export of it, another log): one account, not a
     * new one per record. */
    struct newuser *same = lookup(dc, s, upn, id);
    if (same && ev->time_ms != M365_TIME_NONE && same->created != M365_TIME_NONE &&
        llabs(ev->time_ms - same->created) <= 60000) {
        mark(&same->ips, ev->ip);
        return;
    }
    if (s->n_all == s->cap_all) {
        size_t nc = s->cap_all ? s->cap_all * 2 : 16;
        struct newuser **na = realloc(s->all, nc * sizeof(*na));
        if (!na) {
            return;
        }
        s->all = na;
        s->cap_all = nc;
    }
    struct newuser *u = calloc(1, sizeof(*u));
    if (!u) {
        return;
    }
    s->all[s->n_all++] = u;
    u->upn = upn;
    u->id = id;
    u->name = t && t->name ? t->name : prop_any(ev, "DisplayName");
    u->created = ev->time_ms;
    u->create_ev = m365_dctx_keep(dc, ev);
    const char *who = ev->actor_upn ? ev->actor_upn : (ev->actor_name ? ev->actor_name : ev->actor_id);
    u->creator = who ? m365_dctx_intern(dc, who, strlen(who)) : NULL;
    put_key(s, upn, u);
    put_key(s, t_upn, u);
    put_key(s, id, u);
    mark(&u->ips, ev->ip);
}

static struct newuser *lookup(struct m365_dctx *dc, struct state *s, const char *upn,
                              const char *id)
{
    const char *k = m365_tf_key(dc, upn);
    struct newuser *u = k ? m365_map_get(&s->keys, k, NULL) : NULL;
    if (!u) {
        k = m365_tf_key(dc, id);
        u = k ? m365_map_get(&s->keys, k, NULL) : NULL;
    }
    return u;
}

static bool in_window(const struct cfg *c, const struct newuser *u, const struct m365_event *ev)
{
    return u && ev != u->create_ev && ev->time_ms != M365_TIME_NONE &&
           ev->time_ms >= u->created && ev->time_ms - u->created <= c->window;
}

static void add_action(struct m365_dctx *dc, struct newuser *u, const struct m365_event *ev,
                       unsigned kind, bool sensitive, const char *what)
{
    u->kinds |= kind;
    if (sensitive) {
        u->sensitive_kinds |= kind;
    }
    mark(&u->ips, ev->ip);
    if (u->n_ev < MAX_ACTIONS * 2) {
        u->ev[u->n_ev++] = m365_dctx_keep(dc, ev);
    }
    what = m365_dctx_intern(dc, what, strlen(what));
    for (uint32_t i = 0; i < u->n_act; i++) {
        if (u->act[i].what == what) {
            return; /* the consent and its grant record: one action */
        }
    }
    u->total++;
    if (u->n_act < MAX_ACTIONS) {
        struct action *a = &u->act[u->n_act++];
        a->ev = m365_dctx_keep(dc, ev);
        a->kind = kind;
        a->sensitive = sensitive;
        a->what = what;
    }
}

static bool is_credential_op(const char *op)
{
    return m365_ieq(op, "Add service principal credentials") ||
           m365_istarts(op, "Update application - Certificates and secrets management") ||
           m365_istarts(op, "Update service principal - Certificates and secrets management");
}

static void actions_by(struct m365_dctx *dc, struct state *s, struct newuser *u,
                       const struct m365_event *ev)
{
    char what[512];
    struct m365_consent cs;
    struct m365_tf_role r;
    const char *role, *member;
    const struct m365_target *t = ev->n_targets ? &ev->targets[0] : NULL;
    const char *tname = t ? (t->name ? t->name : t->id) : NULL;
    if (m365_consent_read(ev, &cs)) {
        if (!cs.cls && !cs.all_principals) {
            return; /* sign-in scopes only: single sign-on to a new hire's everyday apps */
        }
        const char *app = cs.app_name ? cs.app_name : (cs.app_id ? cs.app_id : cs.client_sp_id);
        snprintf(what, sizeof(what), "consented to %.200s (%.250s)", app ? app : "an application",
                 cs.added[0] ? cs.added : cs.scopes);
        if (cs.app_name) {
            mark(&u->apps, m365_dctx_intern(dc, cs.app_name, strlen(cs.app_name)));
        }
        if (cs.app_id) {
            mark(&u->apps, m365_tf_key(dc, cs.app_id));
        }
        if (cs.client_sp_id) {
            mark(&u->sps, m365_tf_key(dc, cs.client_sp_id));
        }
        add_action(dc, u, ev, K_CONSENT, true, what);
    } else if (m365_tf_role_event(ev, &r)) {
        if (r.op == M365_TF_ROLE_REMOVE || lookup(dc, s, r.member_upn, r.member_id) == u) {
            return; /* its own role is counted as received */
        }
        const char *m = r.member_upn ? r.member_upn : (r.member_name ? r.member_name : r.member_id);
        snprintf(what, sizeof(what), "assigned the %s role to %s",
                 r.role_name ? r.role_name : "a directory", m ? m : "an account");
        add_action(dc, u, ev, K_ROLE_ASSIGNED, r.priv != NULL, what);
    } else if (m365_tf_exchange_role_grant(ev, &role, &member)) {
        if (lookup(dc, s, member, NULL) == u) {
            return;
        }
        snprintf(what, sizeof(what), "assigned the Exchange role %s to %s", role ? role : "?",
                 member);
        add_action(dc, u, ev, K_ROLE_ASSIGNED, m365_tf_exchange_role_sensitive(role), what);
    } else if (ev->kind == M365_EV_DIRECTORY && is_credential_op(ev->operation)) {
        snprintf(what, sizeof(what), "added a credential to %s", tname ? tname : "an application");
        if (tname) {
            mark(&u->apps, m365_dctx_intern(dc, tname, strlen(tname)));
        }
        add_action(dc, u, ev, K_CREDENTIAL, true, what);
    } else if (ev->kind == M365_EV_DIRECTORY && m365_ieq(ev->operation, "Add application")) {
        snprintf(what, sizeof(what), "registered the application %s",
                 tname ? tname : "(unnamed)");
        if (tname) {
            mark(&u->apps, m365_dctx_intern(dc, tname, strlen(tname)));
        }
        add_action(dc, u, ev, K_APP_CREATED, false, what);
    } else if (ev->kind == M365_EV_DIRECTORY &&
               (m365_ieq(ev->operation, "Add app role assignment to service principal") ||
                m365_ieq(ev->operation, "Add app role assignment grant to user"))) {
        const char *val = prop_any(ev, "AppRole.Value");
        const char *rid = prop_any(ev, "AppRole.Id");
        const struct m365_permission *p = m365_permission_by_value(val);
        if (!p) {
            p = m365_permission_by_id(rid);
        }
        const char *to = prop_any(ev, "ServicePrincipal.DisplayName");
        snprintf(what, sizeof(what), "granted the app role %s to %s",
                 val ? val : (rid ? rid : "?"), to ? to : (tname ? tname : "an application"));
        add_action(dc, u, ev, K_APP_ROLE, p != NULL, what);
    }
}

static void actions_for(struct m365_dctx *dc, struct state *s, const struct cfg *c,
                        const struct m365_event *ev)
{
    char what[512];
    struct m365_tf_role r;
    const char *role, *member;
    if (m365_tf_role_event(ev, &r) && r.op != M365_TF_ROLE_REMOVE) {
        struct newuser *u = lookup(dc, s, r.member_upn, r.member_id);
        if (in_window(c, u, ev)) {
            snprintf(what, sizeof(what), "received the %s role%s",
                     r.role_name ? r.role_name : "directory",
                     r.op == M365_TF_ROLE_ADD_ELIGIBLE ? " (eligible)" : "");
            add_action(dc, u, ev, K_ROLE_RECEIVED, r.priv != NULL, what);
            u->tier0_role |= r.priv && r.priv->tier == 0;
        }
    } else if (m365_tf_exchange_role_grant(ev, &role, &member)) {
        struct newuser *u = lookup(dc, s, member, NULL);
        if (in_window(c, u, ev)) {
            u->exchange_role = true;
            snprintf(what, sizeof(what), "received the Exchange role %s", role ? role : "?");
            add_action(dc, u, ev, K_ROLE_RECEIVED, m365_tf_exchange_role_sensitive(role), what);
        }
    }
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    if (ev->kind == M365_EV_SIGNIN) {
        const struct newuser *u = lookup(dc, s, ev->actor_upn, ev->actor_id);
        m365_id_office_signin(dc, &s->office, ev, u ? u->created : M365_TIME_NONE);
        return;
    }
    if (!m365_tf_effective(ev) || ev->time_ms == M365_TIME_NONE) {
        return;
    }
    if (ev->kind == M365_EV_DIRECTORY && m365_ieq(ev->operation, "Add user")) {
        on_add_user(dc, s, ev);
        return;
    }
    struct newuser *u = lookup(dc, s, ev->actor_upn, ev->actor_id);
    if (in_window(c, u, ev)) {
        actions_by(dc, s, u, ev);
    }
    actions_for(dc, s, c, ev);
}

static unsigned popcount(unsigned v)
{
    unsigned n = 0;
    for (; v; v &= v - 1) {
        n++;
    }
    return n;
}

static const char *kind_name(unsigned k)
{
    switch (k) {
    case K_CONSENT:
        return "consent";
    case K_ROLE_RECEIVED:
        return "role_received";
    case K_ROLE_ASSIGNED:
        return "role_assigned";
    case K_CREDENTIAL:
        return "credential_added";
    case K_APP_CREATED:
        return "application_created";
    default:
        return "app_role_granted";
    }
}

/* An administrator's onboarding of a colleague: a user made the account and gave it directory
 * roles, every record from the office (m365_id_office_made), and the account did not sign in
 * from a hosting address in its first days. Returns the network the account was made from. */
static const char *onboarding(struct m365_dctx *dc, const struct state *s,
                              const struct newuser *u)
{
    if (u->kinds != K_ROLE_RECEIVED || u->exchange_role || u->n_ev < u->total) {
        return NULL;
    }
    return m365_id_office_onboarding(dc, &s->office, u->create_ev, u->ev, u->n_ev, u->upn);
}

static void report(struct m365_dctx *dc, struct state *s, struct newuser *u)
{
    enum m365_severity sev = M365_SEV_MEDIUM;
    if (u->sensitive_kinds) {
        sev = popcount(u->sensitive_kinds) >= 2 ? M365_SEV_CRITICAL : M365_SEV_HIGH;
    }
    const char *office = onboarding(dc, s, u);
    if (office) {
        sev = u->tier0_role ? M365_SEV_MEDIUM : M365_SEV_LOW;
    }
    struct m365_fb *fb = m365_fb_begin(dc, sev);
    if (!fb) {
        return;
    }
    const char *who = u->upn ? u->upn : u->id;
    m365_fb_entity(fb, M365_ENT_USERS, who);
    if (u->creator && u->create_ev->actor_type == M365_ACTOR_USER) {
        m365_fb_entity(fb, M365_ENT_USERS, u->creator);
    }
    const char *list[MAX_ENT];
    size_t n = m365_map_keys_sorted(&u->apps, list, MAX_ENT);
    for (size_t i = 0; i < n; i++) {
        m365_fb_entity(fb, M365_ENT_APPS, list[i]);
    }
    n = m365_map_keys_sorted(&u->sps, list, MAX_ENT);
    for (size_t i = 0; i < n; i++) {
        m365_fb_entity(fb, M365_ENT_SERVICE_PRINCIPALS, list[i]);
    }
    n = m365_map_keys_sorted(&u->ips, list, MAX_ENT);
    for (size_t i = 0; i < n; i++) {
        m365_fb_entity(fb, M365_ENT_IPS, list[i]);
    }
    m365_fb_event(fb, u->create_ev);
    for (uint32_t i = 0; i < u->n_ev; i++) {
        m365_fb_event(fb, u->ev[i]);
    }
    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    m365_json_key(d, first, "new_user");
    m365_json_cstr(d, who);
    m365_json_key(d, first, "new_user_id");
    m365_json_cstr(d, u->id);
    m365_json_key(d, first, "created_at");
    m365_json_time(d, u->created);
    m365_json_key(d, first, "created_by");
    m365_json_cstr(d, u->creator);
    int64_t gap = u->n_act ? u->act[0].ev->time_ms - u->created : 0;
    m365_json_key(d, first, "minutes_to_first_action");
    m365_buf_printf(d, "%lld", (long long)(gap / 60000));
    m365_json_key(d, first, "kinds");
    m365_buf_putc(d, '[');
    int k1 = 1;
    for (unsigned k = 1; k <= K_APP_ROLE; k <<= 1) {
        if (u->kinds & k) {
            if (!k1) {
                m365_buf_putc(d, ',');
            }
            k1 = 0;
            m365_json_cstr(d, kind_name(k));
        }
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "sensitive");
    m365_buf_puts(d, u->sensitive_kinds ? "true" : "false");
    m365_json_key(d, first, "actions");
    m365_buf_putc(d, '[');
    for (uint32_t i = 0; i < u->n_act; i++) {
        if (i) {
            m365_buf_putc(d, ',');
        }
        m365_buf_putc(d, '{');
        int f2 = 1;
        m365_json_key(d, &f2, "time");
        m365_json_time(d, u->act[i].ev->time_ms);
        m365_json_key(d, &f2, "action");
        m365_json_cstr(d, kind_name(u->act[i].kind));
        m365_json_key(d, &f2, "what");
        m365_json_cstr(d, u->act[i].what);
        m365_json_key(d, &f2, "sensitive");
        m365_buf_puts(d, u->act[i].sensitive ? "true" : "false");
        m365_buf_putc(d, '}');
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "actions_total");
    m365_buf_printf(d, "%u", u->total);
    if (office) {
        m365_id_office_details(d, first, &s->office, office);
    }

    long long mins = (long long)(gap / 60000);
    char when[64];
    if (mins < 120) {
        snprintf(when, sizeof(when), "%lld minute(s)", mins);
    } else {
        snprintf(when, sizeof(when), "%lld hour(s)", mins / 60);
    }
    char rest[600] = "";
    if (u->n_act > 1) {
        snprintf(rest, sizeof(rest), ", then %s%s", u->act[u->n_act - 1].what,
                 u->total > 2 ? " among other things" : "");
    }
    char onboard[300] = "";
    if (office) {
        snprintf(onboard, sizeof(onboard),
                 " Made and given the role from %s, the office (%zu accounts sign in from it), "
                 "and not used from a cloud host: an onboarding looks like this; check the "
                 "request.",
                 office, m365_id_office_accounts(&s->office, office));
    }
    m365_fb_summary(fb, "%s, created by %s, %s %s after its creation%s.%s", who,
                    u->creator ? u->creator : "an unknown actor", u->act[0].what, when, rest,
                    onboard);
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    for (size_t i = 0; i < s->n_all; i++) {
        if (s->all[i]->total) {
            report(dc, s, s->all[i]);
        }
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    for (size_t i = 0; i < s->n_all; i++) {
        m365_map_free(&s->all[i]->apps);
        m365_map_free(&s->all[i]->sps);
        m365_map_free(&s->all[i]->ips);
        free(s->all[i]);
    }
    free(s->all);
    m365_map_free(&s->keys);
    m365_id_office_free(&s->office);
}

static const char *const techniques[] = {"T1136.003", NULL};

const struct m365_detection m365_detect_new_user_privileged_action = {
    .info =
        {
            .id = "new-user-privileged-action",
            .title = "New account used for privileged actions soon after its creation",
            .severity = M365_SEV_HIGH,
            .techniques = techniques,
            .description =
                "An account created in the evidence (\"Add user\") that within `window` grants "
                "OAuth consent or a delegated permission grant, receives or assigns a directory "
                "role (or an Exchange management role), adds a credential to an application or "
                "service principal, registers an application, or grants app roles. The new "
                "account is matched by UPN and by object id. One finding per new account. High "
                "when an action is sensitive (consent to mail / file / directory scopes, a "
                "privileged or mailbox-wide role, a credential, a mail or directory app role), "
                "critical when two kinds of sensitive action occur, medium otherwise (a "
                "non-privileged role, an application registered). Consent to sign-in scopes "
                "only (openid, profile, User.Read…) is ordinary single sign-on and not counted. "
                "An onboarding at the office is low (medium for a tenant-takeover role): only "
                "directory roles received, the creation and every role record made by a user "
                "from a network at least 3 other accounts sign in from (fewer failing their "
                "password there), and the account not signing in from a hosting address in "
                "its first 48 hours.",
            .needs = "Entra audit logs or UAL AzureActiveDirectory records holding the \"Add user\" "
                     "record and the later actions; UAL Exchange admin records for Exchange roles",
            .blind_spots =
                "Accounts created before the evidence starts are not new here. Accounts "
                "synchronised from on-premises AD or invited as guests do not produce \"Add "
                "user\" in every tenant. Sign-ins, MFA registration and mail reads are ordinary "
                "for new hires and are not counted.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_DIRECTORY) | M365_KIND_BIT(M365_EV_EXCHANGE_ADMIN) |
             M365_KIND_BIT(M365_EV_SIGNIN),
    .needs = M365_KIND_BIT(M365_EV_DIRECTORY),
    .state_size = sizeof(struct state),
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
