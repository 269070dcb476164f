/* auth-policy-weakened: authentication controls switched off or loosened — per-user MFA
 * disabled, Conditional Access policies deleted, disabled or given exclusions, trusted named
 * locations, security defaults off, user consent opened, Temporary Access Passes issued by an
 * admin for someone else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../engine/detect.h"
#include "../json/json.h"
#include "identity_util.h"
#include "tenant_facts.h"
#include "../core/sort.h"

struct cfg {
    int64_t new_account_window;
    bool report_only_counts;
    uint32_t min_exclusions;
};

static const struct m365_param_def params[] = {
    M365_PARAM("new_account_window", M365_PARAM_DURATION, "7d", struct cfg, new_account_window,
               "an actor created in the evidence at most this long before the change is a new "
               "account: the finding is raised one level"),
    M365_PARAM("report_only_counts", M365_PARAM_BOOL, "true", struct cfg, report_only_counts,
               "an enforced Conditional Access policy switched to report-only is a weakening "
               "(medium)"),
    M365_PARAM("min_exclusions_added", M365_PARAM_UINT, "1", struct cfg, min_exclusions,
               "exclusions (users, groups, roles, locations, applications) added to an enforced "
               "Conditional Access policy in one change that make a finding"),
};

#define MAX_EV 16
#define MAX_SET 32

enum what {
    W_MFA = 0,   /* per-user MFA disabled */
    W_CA,        /* Conditional Access policy */
    W_LOCATION,  /* trusted named location */
    W_DEFAULTS,  /* security defaults */
    W_CONSENT,   /* authorization policy: user consent */
    W_TAP,       /* Temporary Access Pass for another account */
    W__COUNT
};

static const char *const what_names[W__COUNT] = {
    "mfa_disabled",       "conditional_access", "trusted_location",
    "security_defaults",  "user_consent",       "temporary_access_pass"};

struct obj {
    enum what what;
    const char *key, *name, *id;
    enum m365_severity sev;
    bool actor_sp, actor_new, self;
    struct m365_map changes; /* short descriptions -> 1 */
    struct m365_map added;   /* excluded ids, trusted ranges, consent policies -> 1 */
    struct m365_map actors, ips;
    const char *state_old, *state_new;
    const struct m365_event *ev[MAX_EV];
    uint32_t n_ev, total;
    /* W_TAP: the account's creation when every pass came in its first days (an onboarding's
     * first pass), else NULL; not_new once one did not. */
    const struct m365_event *made;
    bool not_new;
};

struct state {
    struct m365_tf_created created;
    struct m365_id_office office; /* a new hire's first pass issued at the office */
    struct m365_map objs; /* (what, key) -> struct obj */
    struct m365_json *json;
};

static void init(struct m365_dctx *dc, void *sv)
{
    (void)dc;
    struct state *s = sv;
    s->json = m365_json_new(4u << 20, 64);
}

static void mark(struct m365_dctx *dc, struct m365_map *m, const char *k)
{
    if (!k || !*k || m->n >= MAX_SET) {
        return;
    }
    k = m365_dctx_intern(dc, k, strlen(k));
    void **slot = m365_map_put(m, k, NULL);
    if (slot) {
        *slot = (void *)1;
    }
}

/* Each space-separated token of text. */
static void mark_tokens(struct m365_dctx *dc, struct m365_map *m, const char *text)
{
    const char *p = text;
    while (*p) {
        while (*p == ' ') {
            p++;
        }
        size_t n = strcspn(p, " ");
        if (n) {
            char tok[256];
            snprintf(tok, sizeof(tok), "%.*s", (int)(n < 255 ? n : 255), p);
            mark(dc, m, tok);
        }
        p += n;
    }
}

static struct obj *obj_of(struct m365_dctx *dc, struct state *s, enum what w, const char *key,
                          const char *name)
{
    const char *k = m365_tf_key(dc, key ? key : name);
    if (!k) {
        k = m365_dctx_intern(dc, "(unnamed)", 9);
    }
    bool fresh;
    struct obj *o = m365_map_obtain(&s->objs, k, what_names[w], sizeof(*o), &fresh);
    if (!o) {
        return NULL;
    }
    if (fresh) {
        o->what = w;
        o->key = k;
        o->sev = M365_SEV_INFO;
    }
    if (!o->name && name && *name) {
        o->name = m365_dctx_intern(dc, name, strlen(name));
    }
    if (!o->id && key && *key && key != name) {
        o->id = m365_dctx_intern(dc, key, strlen(key));
    }
    return o;
}

static void sev_raise(struct obj *o, enum m365_severity sev)
{
    if (sev > o->sev) {
        o->sev = sev;
    }
}

static void note(struct m365_dctx *dc, struct state *s, const struct cfg *c, struct obj *o,
                 const struct m365_event *ev)
{
    o->actor_sp |= ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL;
    o->actor_new |= m365_tf_actor_new(dc, &s->created, ev, c->new_account_window) != NULL;
    const char *who = ev->actor_upn ? ev->actor_upn : (ev->actor_name ? ev->actor_name : ev->actor_id);
    mark(dc, &o->actors, who);
    mark(dc, &o->ips, ev->ip);
    o->total++;
    if (o->n_ev < MAX_EV) {
        o->ev[o->n_ev++] = m365_dctx_keep(dc, ev);
    }
}

static const struct m365_target *target_user(const struct m365_event *ev)
{
    for (uint32_t i = 0; i < ev->n_targets; i++) {
        if (ev->targets[i].upn || (ev->targets[i].type && m365_ieq(ev->targets[i].type, "User"))) {
            return &ev->targets[i];
        }
    }
    return ev->n_targets ? &ev->targets[0] : NULL;
}

static bool same_account(struct m365_dctx *dc, const struct m365_event *ev,
                         const struct m365_target *t)
{
    return t && ((t->upn && ev->actor_upn && m365_tf_key(dc, t->upn) == ev->actor_upn) ||
                 (t->id && ev->actor_id && m365_tf_key(dc, t->id) == m365_tf_key(dc, ev->actor_id)));
}

/* --- JSON helpers for policy documents held in modified properties --------------------------- */

static bool parse(struct state *s, const char *text, struct m365_jv *root)
{
    const char *err;
    if (!s->json || !text) {
        return false;
    }
    while (*text == ' ' || *text == '\n' || *text == '\r' || *text == '\t') {
        text++;
    }
    if (*text != '{') {
        return false;
    }
    return m365_json_parse(s->json, text, strlen(text), false, root, &err) == 0 &&
           m365_jv_type(*root) == M365_J_OBJECT;
}

static struct m365_jv path(struct m365_jv v, const char *a, const char *b, const char *c)
{
    v = m365_jv_geti(v, a);
    if (b) {
        v = m365_jv_geti(v, b);
    }
    if (c) {
        v = m365_jv_geti(v, c);
    }
    return v;
}

/* Strings of a JSON array, newline-joined. */
static void arr_text(struct m365_jv arr, char *out, size_t cap)
{
    out[0] = '\0';
    size_t n = 0;
    struct m365_jit it;
    struct m365_jv el;
    m365_jv_iter(arr, &it);
    while (m365_jit_next(&it, NULL, NULL, &el)) {
        const char *str;
        size_t len;
        if (m365_jv_type(el) == M365_J_OBJECT) {
            /* ipRanges: [{"cidrAddress": …}] */
            struct m365_jv cidr = m365_jv_geti(el, "cidrAddress");
            el = m365_jv_type(cidr) == M365_J_STRING ? cidr : el;
        }
        if (!m365_jv_str(el, &str, &len) || n + len + 2 > cap) {
            continue;
        }
        if (n) {
            out[n++] = '\n';
        }
        memcpy(out + n, str, len);
        n += len;
        out[n] = '\0';
    }
}

static const char *jstr(struct m365_dctx *dc, struct m365_jv v)
{
    const char *str;
    size_t len;
    return m365_jv_str(v, &str, &len) ? m365_dctx_intern(dc, str, len) : NULL;
}

/* --- Conditional Access ---------------------------------------------------------------------- */

static const struct m365_modprop *ca_prop(const struct m365_event *ev)
{
    const struct m365_modprop *p = m365_event_prop(ev, "ConditionalAccessPolicy");
    return p ? p : m365_event_prop(ev, "conditionalAccessPolicy");
}

static void on_ca(struct m365_dctx *dc, struct state *s, const struct cfg *c,
                  const struct m365_event *ev, bool deleted)
{
    const struct m365_modprop *p = ca_prop(ev);
    const struct m365_target *t = ev->n_targets ? &ev->targets[0] : NULL;
    struct m365_jv oldj = m365_jv_none(), newj = m365_jv_none();
    bool have_old = p && parse(s, p->old_value, &oldj);
    bool have_new = p && parse(s, p->new_value, &newj);
    const char *name = t && t->name ? t->name : (have_old ? jstr(dc, m365_jv_geti(oldj, "displayName")) : NULL);
    if (!name && have_new) {
        name = jstr(dc, m365_jv_geti(newj, "displayName"));
    }
    const char *id = t && t->id ? t->id : NULL;
    const char *old_state = have_old ? jstr(dc, m365_jv_geti(oldj, "state")) : NULL;
    if (old_state && !m365_ieq(old_state, "enabled")) {
        m365_json_reset(s->json);
        return; /* a policy that did not enforce anything cannot be weakened */
    }
    enum m365_severity sev = M365_SEV_INFO;
    char changes[4][160];
    int nch = 0;
    char added[4096] = "";
    bool self = false;
    if (deleted) {
        sev = M365_SEV_HIGH;
        snprintf(changes[nch++], sizeof(changes[0]), "policy deleted");
    } else if (have_old && have_new) {
        const char *new_state = jstr(dc, m365_jv_geti(newj, "state"));
        if (new_state && m365_ieq(new_state, "disabled")) {
            sev = M365_SEV_HIGH;
            snprintf(changes[nch++], sizeof(changes[0]), "state enabled -> disabled");
        } else if (new_state && m365_ieq(new_state, "enabledForReportingButNotEnforced") &&
                   c->report_only_counts) {
            sev = M365_SEV_MEDIUM;
            snprintf(changes[nch++], sizeof(changes[0]), "state enabled -> report-only");
        }
        static const char *const excl[][3] = {
            {"users", "excludeUsers", "excluded users"},
            {"users", "excludeGroups", "excluded groups"},
            {"users", "excludeRoles", "excluded roles"},
            {"locations", "excludeLocations", "excluded locations"},
            {"applications", "excludeApplications", "excluded applications"},
            {"platforms", "excludePlatforms", "excluded platforms"},
        };
        uint32_t n_excl = 0;
        for (size_t i = 0; i < sizeof(excl) / sizeof(excl[0]); i++) {
            char o[2048], n[2048], add[2048] = "";
            arr_text(path(oldj, "conditions", excl[i][0], excl[i][1]), o, sizeof(o));
            arr_text(path(newj, "conditions", excl[i][0], excl[i][1]), n, sizeof(n));
            size_t k = m365_tf_list_added(o, n, add, sizeof(add));
            if (k) {
                n_excl += (uint32_t)k;
                m365_tf_list_added(added, add, added, sizeof(added));
                if (nch < 4) {
                    snprintf(changes[nch++], sizeof(changes[0]), "%zu %s added", k, excl[i][2]);
                }
                if (i == 0 && ev->actor_id && m365_tf_list_has(add, ev->actor_id, strlen(ev->actor_id))) {
                    self = true;
                }
            }
        }
        if (n_excl && n_excl >= c->min_exclusions && sev < M365_SEV_MEDIUM) {
            sev = M365_SEV_MEDIUM;
        }
        /* Grant controls dropped (mfa, block, compliantDevice…) and users no longer all. */
        char o[1024], n[1024], lost[1024] = "";
        arr_text(path(oldj, "grantControls", "builtInControls", NULL), o, sizeof(o));
        arr_text(path(newj, "grantControls", "builtInControls", NULL), n, sizeof(n));
        if (m365_tf_list_added(n, o, lost, sizeof(lost)) && nch < 4) {
            snprintf(changes[nch++], sizeof(changes[0]), "grant controls removed: %.100s", lost);
            if (sev < M365_SEV_MEDIUM) {
                sev = M365_SEV_MEDIUM;
            }
        }
        arr_text(path(oldj, "conditions", "users", "includeUsers"), o, sizeof(o));
        arr_text(path(newj, "conditions", "users", "includeUsers"), n, sizeof(n));
        if (m365_tf_list_has(o, "All", 3) && !m365_tf_list_has(n, "All", 3) && nch < 4) {
            snprintf(changes[nch++], sizeof(changes[0]), "no longer applies to all users");
            if (sev < M365_SEV_MEDIUM) {
                sev = M365_SEV_MEDIUM;
            }
        }
    }
    m365_json_reset(s->json);
    if (sev == M365_SEV_INFO) {
        return; /* renamed, tightened or otherwise unchanged in strength */
    }
    struct obj *ob = obj_of(dc, s, W_CA, id, name);
    if (!ob) {
        return;
    }
    sev_raise(ob, sev);
    ob->self |= self;
    for (int i = 0; i < nch; i++) {
        mark(dc, &ob->changes, changes[i]);
    }
    mark_tokens(dc, &ob->added, added);
    if (!ob->state_old) {
        ob->state_old = old_state;
    }
    note(dc, s, c, ob, ev);
}

/* --- named locations ------------------------------------------------------------------------- */

static void on_location(struct m365_dctx *dc, struct state *s, const struct cfg *c,
                        const struct m365_event *ev, bool add)
{
    /* The location is a JSON document in one property (or isTrusted on its own). */
    const struct m365_modprop *doc = NULL;
    for (uint32_t i = 0; i < ev->n_props && !doc; i++) {
        const char *nv = ev->props[i].new_value;
        if (nv && (m365_icontains(nv, "isTrusted") || m365_icontains(nv, "ipRanges"))) {
            doc = &ev->props[i];
        }
    }
    const struct m365_target *t = ev->n_targets ? &ev->targets[0] : NULL;
    bool old_trusted = false, new_trusted = false;
    char old_r[4096] = "", new_r[4096] = "", added[4096] = "";
    const char *name = t ? t->name : NULL;
    struct m365_jv oldj, newj;
    if (doc && parse(s, doc->new_value, &newj)) {
        bool b;
        new_trusted = m365_jv_bool(m365_jv_geti(newj, "isTrusted"), &b) && b;
        arr_text(m365_jv_geti(newj, "ipRanges"), new_r, sizeof(new_r));
        if (!name) {
            name = jstr(dc, m365_jv_geti(newj, "displayName"));
        }
        if (!add && parse(s, doc->old_value, &oldj)) {
            old_trusted = m365_jv_bool(m365_jv_geti(oldj, "isTrusted"), &b) && b;
            arr_text(m365_jv_geti(oldj, "ipRanges"), old_r, sizeof(old_r));
        }
    } else {
        const struct m365_modprop *it = m365_event_prop(ev, "isTrusted");
        new_trusted = it && m365_tf_truthy(it->new_value);
        old_trusted = it && m365_tf_truthy(it->old_value);
    }
    m365_json_reset(s->json);
    if (!new_trusted) {
        return;
    }
    const char *change = NULL;
    if (add) {
        change = "trusted location added";
        m365_tf_list_added("", new_r, added, sizeof(added));
    } else if (!old_trusted) {
        change = "location marked trusted";
        m365_tf_list_added("", new_r, added, sizeof(added));
    } else if (m365_tf_list_added(old_r, new_r, added, sizeof(added))) {
        change = "address ranges added to a trusted location";
    }
    if (!change) {
        return;
    }
    struct obj *o = obj_of(dc, s, W_LOCATION, t ? t->id : NULL, name);
    if (!o) {
        return;
    }
    sev_raise(o, M365_SEV_MEDIUM);
    mark(dc, &o->changes, change);
    mark_tokens(dc, &o->added, added);
    note(dc, s, c, o, ev);
}

/* --- security defaults, authorization policy ------------------------------------------------- */

static bool mentions_defaults(const struct m365_event *ev)
{
    for (uint32_t i = 0; i < ev->n_targets; i++) {
        const char *n = ev->targets[i].name;
        if (n && (m365_icontains(n, "security defaults") || m365_icontains(n, "securitydefaults"))) {
            return true;
        }
    }
    for (uint32_t i = 0; i < ev->n_props; i++) {
        if (m365_icontains(ev->props[i].name, "SecurityDefaults") ||
            m365_icontains(ev->props[i].new_value, "identitySecurityDefaultsEnforcementPolicy")) {
            return true;
        }
    }
    return false;
}

/* isEnabled went from true (or unknown) to false: in a property of that name or inside a
 * policy document. */
static bool defaults_off(struct state *s, const struct m365_event *ev)
{
    bool off = false;
    for (uint32_t i = 0; i < ev->n_props && !off; i++) {
        const struct m365_modprop *p = &ev->props[i];
        if (m365_icontains(p->name, "IsEnabled")) {
            off = p->new_value && m365_istarts(p->new_value, "false") &&
                  !(p->old_value && m365_istarts(p->old_value, "false"));
            continue;
        }
        struct m365_jv o, n;
        bool b, ob = true;
        if (parse(s, p->new_value, &n) && m365_jv_bool(m365_jv_geti(n, "isEnabled"), &b) && !b) {
            if (parse(s, p->old_value, &o) && m365_jv_bool(m365_jv_geti(o, "isEnabled"), &ob)) {
                off = ob;
            } else {
                off = true;
            }
        }
        m365_json_reset(s->json);
    }
    return off;
}

static void on_authorization(struct m365_dctx *dc, struct state *s, const struct cfg *c,
                             const struct m365_event *ev)
{
    static const char *const legacy = "ManagePermissionGrantsForSelf.microsoft-user-default-legacy";
    static const char *const low = "ManagePermissionGrantsForSelf.microsoft-user-default-low";
    bool got_legacy = false, got_low = false;
    for (uint32_t i = 0; i < ev->n_props; i++) {
        const struct m365_modprop *p = &ev->props[i];
        got_legacy |= m365_icontains(p->new_value, legacy) && !m365_icontains(p->old_value, legacy);
        got_low |= m365_icontains(p->new_value, low) && !m365_icontains(p->old_value, low);
    }
    if (!got_legacy && !got_low) {
        return;
    }
    const struct m365_target *t = ev->n_targets ? &ev->targets[0] : NULL;
    struct obj *o = obj_of(dc, s, W_CONSENT, "authorizationpolicy",
                           t && t->name ? t->name : "Authorization Policy");
    if (!o) {
        return;
    }
    sev_raise(o, got_legacy ? M365_SEV_HIGH : M365_SEV_MEDIUM);
    mark(dc, &o->changes, got_legacy ? "users may consent to any application"
                                     : "users may consent to verified-publisher apps (low risk)");
    mark(dc, &o->added, got_legacy ? legacy : low);
    note(dc, s, c, o, ev);
}

/* --- per-user MFA, Temporary Access Pass ----------------------------------------------------- */

static void on_user(struct m365_dctx *dc, struct state *s, const struct cfg *c,
                    const struct m365_event *ev)
{
    const char *op = ev->operation;
    const struct m365_target *t = target_user(ev);
    if (m365_ieq(op, "Disable Strong Authentication")) {
        struct obj *o = obj_of(dc, s, W_MFA, t ? (t->upn ? t->upn : t->id) : NULL, t ? t->upn : NULL);
        if (o) {
            sev_raise(o, M365_SEV_MEDIUM);
            mark(dc, &o->changes, "per-user MFA disabled");
            note(dc, s, c, o, ev);
        }
        return;
    }
    if (m365_ieq(op, "Update user")) {
        const struct m365_modprop *p = m365_event_prop(ev, "StrongAuthenticationRequirement");
        if (!p || !p->old_value || !m365_icontains(p->old_value, "State") ||
            m365_icontains(p->old_value, "Disabled")) {
            return;
        }
        bool off = !p->new_value || !m365_icontains(p->new_value, "State") ||
                   m365_icontains(p->new_value, "Disabled");
        if (!off) {
            return;
        }
        struct obj *o = obj_of(dc, s, W_MFA, t ? (t->upn ? t->upn : t->id) : NULL, t ? t->upn : NULL);
        if (o) {
            sev_raise(o, M365_SEV_MEDIUM);
            mark(dc, &o->changes, "StrongAuthenticationRequirement cleared");
            note(dc, s, c, o, ev);
        }
        return;
    }
    bool tap = m365_icontains(op, "temporary access pass") ||
               (m365_ieq(op, "Admin registered security info") &&
                m365_icontains(ev->result_detail, "temporary access pass"));
    for (uint32_t i = 0; !tap && m365_ieq(op, "Admin registered security info") && i < ev->n_props;
         i++) {
        tap = m365_istarts(ev->props[i].name, "TemporaryAccessPass");
    }
    if (!tap || same_account(dc, ev, t)) {
        return; /* not a pass, or one's own */
    }
    struct obj *o = obj_of(dc, s, W_TAP, t ? (t->upn ? t->upn : t->id) : NULL, t ? t->upn : NULL);
    if (o) {
        sev_raise(o, M365_SEV_MEDIUM);
        mark(dc, &o->changes, "Temporary Access Pass issued by an admin");
        note(dc, s, c, o, ev);
        const struct m365_tf_account *a =
            t ? m365_tf_created_find(dc, &s->created, t->upn, t->id) : NULL;
        bool fresh = a && a->ev && ev->time_ms != M365_TIME_NONE &&
                     a->created != M365_TIME_NONE && ev->time_ms >= a->created &&
                     ev->time_ms - a->created <= M365_ID_ONBOARDING_MS;
        o->not_new |= !fresh;
        o->made = o->not_new ? NULL : m365_dctx_keep(dc, a->ev);
    }
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    if (ev->kind == M365_EV_SIGNIN) {
        const struct m365_tf_account *a =
            m365_tf_created_find(dc, &s->created, ev->actor_upn, ev->actor_id);
        m365_id_office_signin(dc, &s->office, ev, a ? a->created : M365_TIME_NONE);
        return;
    }
    m365_tf_created_observe(dc, &s->created, ev);
    if (!m365_tf_effective(ev) || !ev->operation) {
        return;
    }
    const char *op = ev->operation;
    if (m365_ieq(op, "Delete conditional access policy")) {
        on_ca(dc, s, c, ev, true);
    } else if (m365_ieq(op, "Update conditional access policy") ||
               (m365_ieq(op, "Update policy") && ca_prop(ev))) {
        on_ca(dc, s, c, ev, false);
    } else if (m365_ieq(op, "Add named location") || m365_ieq(op, "Update named location")) {
        on_location(dc, s, c, ev, m365_ieq(op, "Add named location"));
    } else if (m365_ieq(op, "Update authorization policy")) {
        on_authorization(dc, s, c, ev);
    } else if (m365_ieq(op, "Update policy") && mentions_defaults(ev)) {
        if (defaults_off(s, ev)) {
            struct obj *o = obj_of(dc, s, W_DEFAULTS, "securitydefaults", "Security Defaults");
            if (o) {
                sev_raise(o, M365_SEV_HIGH);
                mark(dc, &o->changes, "security defaults disabled");
                note(dc, s, c, o, ev);
            }
        }
    } else {
        on_user(dc, s, c, ev);
    }
}

/* A new hire's first pass: the account made, and every pass for it issued, by users at the
 * office (m365_id_office_made), within its first days, and the account not used from a cloud
 * host. An intruder issues one to an account of its own making, from its own address, and uses
 * it from a VM. The office's network, or NULL. */
static const char *onboarding(struct m365_dctx *dc, struct state *s, const struct obj *o)
{
    if (o->what != W_TAP || o->actor_sp || o->actor_new || o->total > o->n_ev) {
        return NULL;
    }
    return m365_id_office_onboarding(dc, &s->office, o->made, o->ev, o->n_ev,
                                     m365_tf_key(dc, o->name));
}

static void report(struct m365_dctx *dc, struct state *s, struct obj *o)
{
    enum m365_severity sev = o->sev;
    if (o->actor_sp || o->actor_new || o->self) {
        sev = m365_tf_sev_add(sev, 1);
    }
    const char *office = onboarding(dc, s, o);
    if (office) {
        sev = M365_SEV_LOW;
    }
    struct m365_fb *fb = m365_fb_begin(dc, sev);
    if (!fb) {
        return;
    }
    const char *actors[MAX_SET], *ips[MAX_SET], *changes[MAX_SET], *added[MAX_SET];
    size_t na = m365_map_keys_sorted(&o->actors, actors, MAX_SET);
    size_t ni = m365_map_keys_sorted(&o->ips, ips, MAX_SET);
    size_t nc = m365_map_keys_sorted(&o->changes, changes, MAX_SET);
    size_t nd = m365_map_keys_sorted(&o->added, added, MAX_SET);
    const char *obj = o->name ? o->name : (o->id ? o->id : o->key);
    bool user_obj = o->what == W_MFA || o->what == W_TAP;
    if (user_obj) {
        m365_fb_entity(fb, M365_ENT_USERS, obj);
    }
    for (size_t i = 0; i < ni; i++) {
        m365_fb_entity(fb, M365_ENT_IPS, ips[i]);
    }
    for (uint32_t i = 0; i < o->n_ev; i++) {
        const struct m365_event *ev = o->ev[i];
        m365_fb_event(fb, ev);
        if (ev->actor_upn) {
            m365_fb_entity(fb, M365_ENT_USERS, ev->actor_upn);
        } else if (ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL && ev->actor_id) {
            m365_fb_entity(fb, M365_ENT_SERVICE_PRINCIPALS, ev->actor_id);
        }
    }
    int *first;
    struct m365_buf *b = m365_fb_details(fb, &first);
    m365_json_key(b, first, "control");
    m365_json_cstr(b, what_names[o->what]);
    m365_json_key(b, first, user_obj ? "user" : "object");
    m365_json_cstr(b, obj);
    m365_json_key(b, first, "object_id");
    m365_json_cstr(b, o->id);
    m365_json_key(b, first, "changes");
    m365_json_cstr_array(b, changes, nc);
    m365_json_key(b, first, o->what == W_LOCATION ? "ranges_added"
                                                  : (o->what == W_CONSENT ? "policies_added"
                                                                          : "exclusions_added"));
    m365_json_cstr_array(b, added, nd);
    if (o->what == W_CA) {
        m365_json_key(b, first, "state_before");
        m365_json_cstr(b, o->state_old);
    }
    m365_json_key(b, first, "actors");
    m365_json_cstr_array(b, actors, na);
    m365_json_key(b, first, "by_service_principal");
    m365_buf_puts(b, o->actor_sp ? "true" : "false");
    m365_json_key(b, first, "by_new_account");
    m365_buf_puts(b, o->actor_new ? "true" : "false");
    m365_json_key(b, first, "actor_excluded_itself");
    m365_buf_puts(b, o->self ? "true" : "false");
    m365_json_key(b, first, "changes_total");
    m365_buf_printf(b, "%u", o->total);
    if (o->what == W_TAP) {
        m365_json_key(b, first, "account_created_at");
        if (o->made) {
            m365_json_time(b, o->made->time_ms);
        } else {
            m365_buf_puts(b, "null");
        }
    }
    if (office) {
        m365_id_office_details(b, first, &s->office, office);
    }

    const char *by = na ? actors[0] : "an unknown actor";
    switch (o->what) {
    case W_MFA:
        m365_fb_summary(fb, "%s disabled per-user MFA for %s.", by, obj);
        break;
    case W_TAP:
        if (office) {
            m365_fb_summary(fb, "%s issued a Temporary Access Pass for %s, which signs in "
                                "without the user's password or MFA. The account was made %lld "
                                "minute(s) before, both from %s, the office (%zu accounts sign "
                                "in from it), and not used from a cloud host: a new hire's first "
                                "pass looks like this; check it was requested.", by, obj,
                            (long long)((o->ev[0]->time_ms - o->made->time_ms) / 60000), office,
                            m365_id_office_accounts(&s->office, office));
        } else {
            m365_fb_summary(fb, "%s issued a Temporary Access Pass for %s, which signs in "
                                "without the user's password or MFA.", by, obj);
        }
        break;
    case W_CA:
        m365_fb_summary(fb, "%s weakened the Conditional Access policy \"%s\" (%s%s).", by, obj,
                        nc ? changes[0] : "changed", nc > 1 ? ", …" : "");
        break;
    case W_LOCATION:
        m365_fb_summary(fb, "%s made the named location \"%s\" trusted or widened it (%zu range(s) "
                            "added), which Conditional Access may exempt from MFA.", by, obj, nd);
        break;
    case W_DEFAULTS:
        m365_fb_summary(fb, "%s turned security defaults off for the tenant.", by);
        break;
    default:
        m365_fb_summary(fb, "%s changed the authorization policy so that %s.", by,
                        nc ? changes[0] : "users may consent to applications");
        break;
    }
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    M365_MAP_EACH(&s->objs, slot)
    {
        struct obj *o = slot->val;
        if (o->sev > M365_SEV_INFO) {
            report(dc, s, o);
        }
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    M365_MAP_EACH(&s->objs, slot)
    {
        struct obj *o = slot->val;
        m365_map_free(&o->changes);
        m365_map_free(&o->added);
        m365_map_free(&o->actors);
        m365_map_free(&o->ips);
        free(o);
    }
    m365_map_free(&s->objs);
    m365_tf_created_free(&s->created);
    m365_id_office_free(&s->office);
    m365_json_free(s->json);
}

static const char *const techniques[] = {"T1556.006", "T1562.001", NULL};

const struct m365_detection m365_detect_auth_policy_weakened = {
    .info =
        {
            .id = "auth-policy-weakened",
            .title = "Authentication policy weakened",
            .severity = M365_SEV_MEDIUM,
            .techniques = techniques,
            .description =
                "Authentication controls loosened: per-user MFA disabled (\"Disable Strong "
                "Authentication\", or StrongAuthenticationRequirement cleared in \"Update "
                "user\"); an enforced Conditional Access policy deleted, disabled, switched to "
                "report-only, given new exclusions (users, groups, roles, locations, "
                "applications), stripped of grant controls or no longer applied to all users "
                "(the ConditionalAccessPolicy document old vs new); a named location added as "
                "or made trusted, or a trusted one widened; security defaults turned off; the "
                "authorization policy letting users consent to applications; a Temporary Access "
                "Pass issued by an admin for another account. One finding per user, policy or "
                "location. High for a deleted or disabled policy, security defaults off and "
                "consent to any app; medium otherwise; raised one level when the actor is a "
                "service principal, an account created in the evidence, or excluded itself; a "
                "new hire's first pass (the account made and the pass issued at the office "
                "within 48 hours, not used from a cloud host) is low. "
                "Creating a policy (even in report-only) and renaming one are not reported.",
            .needs = "Entra audit logs or UAL AzureActiveDirectory records (sign-in logs to "
                     "tell a new hire's first Temporary Access Pass)",
            .blind_spots =
                "Policy documents are compared only when the record carries them (old and new). "
                "The legacy MFA service settings (trusted IPs of per-user MFA) are not in the "
                "audit logs. Whether an excluded account is the attacker's cannot be told from "
                "the change alone: look at what the excluded accounts did next.",
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
