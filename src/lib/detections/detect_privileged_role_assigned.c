/* privileged-role-assigned: a privileged Entra directory role given to an account (directly,
 * as a PIM eligibility, or by activating one) — worst when the member is an application, an
 * account created in the evidence, or one that never signed in. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../engine/detect.h"
#include "identity_util.h"
#include "m365_ids.h"
#include "signin_util.h"
#include "tenant_facts.h"
#include "../core/sort.h"

struct cfg {
    int64_t new_account_window; /* a member created this recently in the evidence is new */
    int64_t dormant_history;    /* sign-in logs must reach this far back to call a member dormant */
    int64_t coverage_gap;       /* …and hold some sign-in this close before the assignment */
    bool report_tier1;          /* report high-tier roles given to established accounts (low) */
};

static const struct m365_param_def params[] = {
    M365_PARAM("new_account_window", M365_PARAM_DURATION, "7d", struct cfg, new_account_window,
               "a member (or an assigning actor) created in the evidence at most this long before "
               "the assignment is a new account"),
    M365_PARAM("dormant_history", M365_PARAM_DURATION, "7d", struct cfg, dormant_history,
               "a user member is dormant when the sign-in logs reach at least this far back "
               "before the assignment and hold no sign-in of that user"),
    M365_PARAM("coverage_gap", M365_PARAM_DURATION, "24h", struct cfg, coverage_gap,
               "dormancy is only judged when the sign-in logs hold a sign-in (of any account) "
               "at most this long before the assignment, i.e. they cover that time"),
    M365_PARAM("report_tier1", M365_PARAM_BOOL, "true", struct cfg, report_tier1,
               "report high-tier roles (Exchange, Application, Security administrators…) given "
               "to established accounts, at low; tenant-takeover roles are always reported"),
};

#define MAX_EV 16
#define MAX_ACTORS 16

struct grant {
    const char *member_key, *role_key;
    const char *member_upn, *member_id, *member_name, *member_type;
    const char *role_name;
    const struct m365_role *priv;
    int64_t first_add, removed_at;
    uint32_t n_activations, n_direct, n_eligible, n_removed, n_adds;
    bool member_sp, member_new, dormant, dormancy_judged, actor_sp, actor_new, self_assigned;
    bool pim;
    struct m365_map actors; /* assigning actor -> 1 */
    struct m365_map ips;
    const struct m365_event *ev[MAX_EV];
    uint32_t n_ev, total;
};

struct state {
    struct m365_tf_created created;
    struct m365_map active;   /* lower-cased upn / id of accounts with a usable sign-in -> 1 */
    int64_t first_signin, last_signin;
    struct m365_map grants;   /* (member key, role key) -> struct grant */
    struct m365_map upn_to_id; /* lower-cased member UPN -> lower-cased object id */
    struct m365_id_office office; /* an administrator's onboarding at the office */
};

static void init(struct m365_dctx *dc, void *sv)
{
    (void)dc;
    struct state *s = sv;
    s->first_signin = s->last_signin = M365_TIME_NONE;
}

static void mark(struct m365_map *m, const char *k, size_t max)
{
    if (!k || m->n >= max) {
        return;
    }
    void **slot = m365_map_put(m, k, NULL);
    if (slot) {
        *slot = (void *)1;
    }
}

static void observe_signin(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    if (ev->time_ms == M365_TIME_NONE || !m365_signin_is_user(ev)) {
        return;
    }
    const struct m365_tf_account *na =
        m365_tf_created_find(dc, &s->created, ev->actor_upn, ev->actor_id);
    m365_id_office_signin(dc, &s->office, ev, na ? na->created : M365_TIME_NONE);
    if (s->first_signin == M365_TIME_NONE) {
        s->first_signin = ev->time_ms;
    }
    s->last_signin = ev->time_ms;
    if (ev->result == M365_RESULT_SUCCESS || m365_signin_password_correct(ev)) {
        mark(&s->active, ev->actor_upn, SIZE_MAX);
        mark(&s->active, m365_tf_key(dc, ev->actor_id), SIZE_MAX);
    }
}

static bool signed_in(struct m365_dctx *dc, const struct state *s, const char *upn,
                      const char *id)
{
    const char *k = m365_tf_key(dc, upn);
    if (k && m365_map_get(&s->active, k, NULL)) {
        return true;
    }
    k = m365_tf_key(dc, id);
    return k && m365_map_get(&s->active, k, NULL);
}

static void add_event(struct m365_dctx *dc, struct grant *g, const struct m365_event *ev)
{
    g->total++;
    if (g->n_ev < MAX_EV) {
        g->ev[g->n_ev++] = m365_dctx_keep(dc, ev);
    }
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    if (ev->kind == M365_EV_SIGNIN) {
        observe_signin(dc, s, ev);
        return;
    }
    m365_tf_created_observe(dc, &s->created, ev);
    struct m365_tf_role r;
    if (!m365_tf_effective(ev) || !m365_tf_role_event(ev, &r) || !r.priv) {
        return; /* not a change, or a role that does not reach tenant control */
    }
    /* Members are keyed by object id (every role record carries it); a record naming the member
     * only by UPN finds it through the UPN seen with that id before. */
    const char *by_upn = m365_tf_key(dc, r.member_upn);
    const char *by_id = m365_tf_key(dc, r.member_id);
    const char *mkey = by_id;
    if (by_upn && by_id && !m365_map_get(&s->upn_to_id, by_upn, NULL)) {
        void **a = m365_map_put(&s->upn_to_id, by_upn, NULL);
        if (a) {
            *a = (void *)by_id;
        }
    }
    if (!mkey && by_upn) {
        mkey = m365_map_get(&s->upn_to_id, by_upn, NULL);
        if (!mkey) {
            mkey = by_upn;
        }
    }
    if (!mkey) {
        return;
    }
    const char *rkey = m365_tf_key(dc, r.priv->template_id);
    if (r.op == M365_TF_ROLE_REMOVE) {
        /* Removal closes an assignment seen in the evidence, found by id or else by UPN. */
        struct grant *g = m365_map_get(&s->grants, mkey, rkey);
        if (!g && by_upn) {
            const char *alt = m365_map_get(&s->upn_to_id, by_upn, NULL);
            g = m365_map_get(&s->grants, alt ? alt : by_upn, rkey);
        }
        if (g) {
            g->removed_at = ev->time_ms;
            g->n_removed++;
            add_event(dc, g, ev);
        }
        return;
    }
    bool fresh;
    struct grant *g = m365_map_obtain(&s->grants, mkey, rkey, sizeof(*g), &fresh);
    if (!g) {
        return;
    }
    if (fresh) {
        g->member_key = mkey;
        g->role_key = rkey;
        g->priv = r.priv;
        g->first_add = ev->time_ms;
        g->removed_at = M365_TIME_NONE;
        g->member_sp = m365_tf_role_member_is_sp(&r);
        const struct m365_tf_account *na =
            m365_tf_created_find(dc, &s->created, r.member_upn, r.member_id);
        g->member_new = na && ev->time_ms != M365_TIME_NONE && ev->time_ms >= na->created &&
                        ev->time_ms - na->created <= c->new_account_window;
        bool user = !g->member_sp && (!r.member_type || m365_ieq(r.member_type, "User"));
        g->dormancy_judged = user && !g->member_new && ev->time_ms != M365_TIME_NONE &&
                             s->first_signin != M365_TIME_NONE &&
                             ev->time_ms - s->first_signin >= c->dormant_history &&
                             ev->time_ms - s->last_signin <= c->coverage_gap;
        g->dormant = g->dormancy_judged && !signed_in(dc, s, r.member_upn, r.member_id);
    }
    if (!g->member_upn) {
        g->member_upn = by_upn;
    }
    if (!g->member_id) {
        g->member_id = by_id;
    }
    if (!g->member_name && r.member_name) {
        g->member_name = m365_dctx_intern(dc, r.member_name, strlen(r.member_name));
    }
    if (!g->member_type && r.member_type) {
        g->member_type = m365_dctx_intern(dc, r.member_type, strlen(r.member_type));
    }
    if (!g->role_name && r.role_name) {
        g->role_name = m365_dctx_intern(dc, r.role_name, strlen(r.role_name));
    }
    if (g->removed_at != M365_TIME_NONE) {
        g->removed_at = M365_TIME_NONE; /* given again after a removal */
    }
    g->n_adds++;
    g->pim |= r.pim;
    bool pim_service = m365_tf_actor_is_pim_service(ev);
    if (r.op == M365_TF_ROLE_ACTIVATE) {
        g->n_activations++;
    } else if (!pim_service) {
        g->n_direct++;
        g->n_eligible += r.op == M365_TF_ROLE_ADD_ELIGIBLE;
        if ((ev->actor_upn && ev->actor_upn == by_upn) ||
            (ev->actor_id && by_id && m365_tf_key(dc, ev->actor_id) == by_id)) {
            g->self_assigned = true;
        }
    }
    if (!pim_service) {
        g->actor_sp |= ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL;
        g->actor_new |= m365_tf_actor_new(dc, &s->created, ev, c->new_account_window) != NULL;
        if (r.op != M365_TF_ROLE_ACTIVATE) {
            const char *who = ev->actor_upn ? ev->actor_upn
                                            : (ev->actor_name ? ev->actor_name : ev->actor_id);
            mark(&g->actors, who ? m365_dctx_intern(dc, who, strlen(who)) : NULL, MAX_ACTORS);
        }
    }
    mark(&g->ips, ev->ip, MAX_ACTORS);
    add_event(dc, g, ev);
}

/* A member created in the evidence and given the role by an administrator at the office, as an
 * onboarding is: every record from the office (m365_id_office_made), and the member not signing
 * in from a hosting address in its first days. Returns the first record's network. */
static const char *onboarding(struct m365_dctx *dc, const struct state *s,
                              const struct grant *g)
{
    const char *net = NULL, *other;
    if (!g->member_new || g->member_sp || g->n_ev < g->total ||
        m365_id_office_hosted(&s->office, g->member_upn)) {
        return NULL;
    }
    for (uint32_t i = 0; i < g->n_ev; i++) {
        if (!m365_id_office_made(dc, &s->office, g->ev[i], &other)) {
            return NULL;
        }
        net = net ? net : other;
    }
    return net;
}

static void report(struct m365_dctx *dc, const struct cfg *c, const struct state *s,
                   struct grant *g)
{
    bool tier0 = g->priv->tier == 0;
    bool activation_only = g->n_activations > 0 && g->n_direct == 0;
    const char *office = onboarding(dc, s, g);
    bool risk = g->member_sp || (g->member_new && !office) || g->dormant || g->actor_sp ||
                g->actor_new || g->self_assigned;
    enum m365_severity sev;
    if (risk) {
        sev = tier0 ? M365_SEV_CRITICAL : M365_SEV_HIGH;
    } else {
        sev = tier0 ? M365_SEV_MEDIUM : M365_SEV_LOW;
        if (activation_only) {
            /* An eligible admin using PIM as designed; the assignment itself was approved. */
            sev = m365_tf_sev_add(sev, -1);
        }
        if (!tier0 && (!c->report_tier1 || activation_only)) {
            return;
        }
    }
    struct m365_fb *fb = m365_fb_begin(dc, sev);
    if (!fb) {
        return;
    }
    const char *member = g->member_upn ? g->member_upn : (g->member_id ? g->member_id : g->member_key);
    m365_fb_entity(fb, g->member_sp ? M365_ENT_SERVICE_PRINCIPALS : M365_ENT_USERS, member);
    char label[300];
    if (!g->member_upn && g->member_name) {
        snprintf(label, sizeof(label), "%s (%s)", g->member_name, member);
    } else {
        snprintf(label, sizeof(label), "%s", member);
    }
    const char *actors[MAX_ACTORS], *ips[MAX_ACTORS];
    size_t na = m365_map_keys_sorted(&g->actors, actors, MAX_ACTORS);
    size_t ni = m365_map_keys_sorted(&g->ips, ips, MAX_ACTORS);
    for (size_t i = 0; i < ni; i++) {
        m365_fb_entity(fb, M365_ENT_IPS, ips[i]);
    }
    for (uint32_t i = 0; i < g->n_ev; i++) {
        const struct m365_event *ev = g->ev[i];
        m365_fb_event(fb, ev);
        if (ev->actor_upn) {
            m365_fb_entity(fb, M365_ENT_USERS, ev->actor_upn);
        } else if (ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL && ev->actor_id &&
                   !m365_tf_actor_is_pim_service(ev)) {
            m365_fb_entity(fb, M365_ENT_SERVICE_PRINCIPALS, ev->actor_id);
        }
    }
    const char *kind = activation_only ? "activation"
                                       : (g->n_eligible && g->n_eligible == g->n_direct ? "eligible"
                                                                                      : "active");
    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    m365_json_key(d, first, "role");
    m365_json_cstr(d, g->role_name ? g->role_name : g->priv->name);
    m365_json_key(d, first, "role_template_id");
    m365_json_cstr(d, g->priv->template_id);
    m365_json_key(d, first, "tier");
    m365_buf_puts(d, tier0 ? "\"tenant takeover\"" : "\"high\"");
    m365_json_key(d, first, "member");
    m365_json_cstr(d, member);
    m365_json_key(d, first, "member_name");
    m365_json_cstr(d, g->member_name);
    m365_json_key(d, first, "member_id");
    m365_json_cstr(d, g->member_id);
    m365_json_key(d, first, "member_type");
    m365_json_cstr(d, g->member_type);
    m365_json_key(d, first, "assignment");
    m365_json_cstr(d, kind);
    m365_json_key(d, first, "via_pim");
    m365_buf_puts(d, g->pim ? "true" : "false");
    m365_json_key(d, first, "assigned_by");
    m365_buf_putc(d, '[');
    for (size_t i = 0; i < na; i++) {
        if (i) {
            m365_buf_putc(d, ',');
        }
        m365_json_cstr(d, actors[i]);
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "member_is_service_principal");
    m365_buf_puts(d, g->member_sp ? "true" : "false");
    m365_json_key(d, first, "member_new_account");
    m365_buf_puts(d, g->member_new ? "true" : "false");
    m365_json_key(d, first, "member_dormant");
    m365_buf_puts(d, g->dormancy_judged ? (g->dormant ? "true" : "false") : "null");
    m365_json_key(d, first, "by_service_principal");
    m365_buf_puts(d, g->actor_sp ? "true" : "false");
    m365_json_key(d, first, "by_new_account");
    m365_buf_puts(d, g->actor_new ? "true" : "false");
    m365_json_key(d, first, "self_assigned");
    m365_buf_puts(d, g->self_assigned ? "true" : "false");
    m365_json_key(d, first, "assignments");
    m365_buf_printf(d, "%u", g->n_adds);
    m365_json_key(d, first, "removed");
    m365_buf_puts(d, g->removed_at != M365_TIME_NONE ? "true" : "false");
    m365_json_key(d, first, "removed_at");
    m365_json_time(d, g->removed_at);
    if (office) {
        m365_id_office_details(d, first, &s->office, office);
    }
    if (!g->dormancy_judged && !g->member_sp && !g->member_new) {
        m365_json_key(d, first, "note");
        m365_json_cstr(d, "the sign-in logs do not cover the time before the assignment: "
                          "whether the member was dormant is unknown");
    }

    char why[256] = "";
    size_t w = 0;
    if (g->member_sp) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, "; the member is a service principal");
    }
    if (g->member_new && w < sizeof(why)) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, "; the member was created in the evidence");
    }
    if (office && w < sizeof(why)) {
        w += (size_t)snprintf(why + w, sizeof(why) - w,
                              ", all from %s, the office (%zu accounts sign in from it), as an "
                              "onboarding is",
                              office, m365_id_office_accounts(&s->office, office));
    }
    if (g->dormant && w < sizeof(why)) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, "; the member never signed in before");
    }
    if (g->actor_sp && w < sizeof(why)) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, "; assigned by a service principal");
    }
    if (g->actor_new && w < sizeof(why)) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, "; assigned by a new account");
    }
    if (g->self_assigned && w < sizeof(why)) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, "; self-assigned");
    }
    if (g->removed_at != M365_TIME_NONE && w < sizeof(why)) {
        snprintf(why + w, sizeof(why) - w, "; later removed");
    }
    const char *role = g->role_name ? g->role_name : g->priv->name;
    if (activation_only) {
        m365_fb_summary(fb, "%s activated the %s role through PIM%s.", label, role, why);
    } else {
        m365_fb_summary(fb, "%s was given the %s role%s%s%s%s.", label, role,
                        strcmp(kind, "eligible") == 0 ? " (eligible)" : "", na ? " by " : "",
                        na ? actors[0] : "", why);
    }
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    M365_MAP_EACH(&s->grants, slot)
    {
        report(dc, c, s, slot->val);
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    M365_MAP_EACH(&s->grants, slot)
    {
        struct grant *g = slot->val;
        m365_map_free(&g->actors);
        m365_map_free(&g->ips);
        free(g);
    }
    m365_map_free(&s->grants);
    m365_map_free(&s->upn_to_id);
    m365_map_free(&s->active);
    m365_tf_created_free(&s->created);
    m365_id_office_free(&s->office);
}

static const char *const techniques[] = {"T1098.003", NULL};

const struct m365_detection m365_detect_privileged_role_assigned = {
    .info =
        {
            .id = "privileged-role-assigned",
            .title = "Privileged directory role assigned",
            .severity = M365_SEV_MEDIUM,
            .techniques = techniques,
            .description =
                "\"Add member to role\", \"Add eligible member to role\" and the PIM completions "
                "(\"… completed (PIM activation)\", \"… in PIM completed (permanent)\") for "
                "privileged roles (Global, Privileged Role, Privileged Authentication, Hybrid "
                "Identity, Application, Cloud Application, Exchange, Security, User, "
                "Conditional Access administrators…), by template id or name, from Core "
                "Directory, PIM and UAL records. One finding per member and role; a later "
                "removal is shown in details. Critical (tenant-takeover roles) or high when the "
                "member is a service principal, was created in the evidence, never signed in "
                "although the sign-in logs cover the time before, or when an application, a new "
                "account or the member itself made the assignment (a new member onboarded at the "
                "office is none: every record by a user from a network at least 3 other "
                "accounts sign in from, the member not signing in from a hosting address in "
                "its first 48 hours); "
                "otherwise medium for "
                "tenant-takeover roles and low for the others. A PIM activation of an eligible "
                "role by an established account is one level lower (high-tier activations are "
                "not reported).",
            .needs = "Entra audit logs or UAL AzureActiveDirectory records; sign-in logs to judge "
                     "dormant members",
            .blind_spots =
                "Role assignments older than the evidence, Azure RBAC (subscription) roles, "
                "Exchange RBAC role groups and administrative-unit scope are not evaluated here. "
                "Without sign-in logs covering the time before an assignment, a dormant member "
                "cannot be told from an active one (details say so).",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_DIRECTORY) | M365_KIND_BIT(M365_EV_SIGNIN),
    .needs = M365_KIND_BIT(M365_EV_DIRECTORY),
    .state_size = sizeof(struct state),
    .init = init,
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
