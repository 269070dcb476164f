#include "tenant_facts.h"

#include <stdlib.h>
#include <string.h>

#include "../core/norm.h"
#include "../engine/detect.h"

const char *m365_tf_key(struct m365_dctx *dc, const char *s)
{
    if (!s || !*s || m365_ieq(s, "<null>") || m365_ieq(s, "null")) {
        return NULL;
    }
    char buf[512];
    size_t n = strlen(s);
    if (n >= sizeof(buf)) {
        n = sizeof(buf) - 1;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        buf[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
    buf[n] = '\0';
    return m365_dctx_intern(dc, buf, n);
}

bool m365_tf_effective(const struct m365_event *ev)
{
    return ev->result != M365_RESULT_FAILURE && ev->actor_type != M365_ACTOR_SYSTEM;
}

enum m365_severity m365_tf_sev_add(enum m365_severity s, int steps)
{
    int v = (int)s + steps;
    if (v < (int)M365_SEV_INFO) {
        v = M365_SEV_INFO;
    }
    if (v > (int)M365_SEV_CRITICAL) {
        v = M365_SEV_CRITICAL;
    }
    return (enum m365_severity)v;
}

/* --- accounts created in the evidence ------------------------------------------------------ */

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

static void put_key(struct m365_tf_created *c, const char *key, const struct m365_tf_account *a)
{
    if (!key || m365_map_get(&c->keys, key, NULL)) {
        return; /* the first creation is the one that counts */
    }
    void **slot = m365_map_put(&c->keys, key, NULL);
    if (!slot) {
        return;
    }
    struct m365_tf_account *copy = malloc(sizeof(*copy));
    if (!copy) {
        return;
    }
    *copy = *a;
    *slot = copy;
}

void m365_tf_created_observe(struct m365_dctx *dc, struct m365_tf_created *c,
                             const struct m365_event *ev)
{
    if (ev->kind != M365_EV_DIRECTORY || !ev->operation || ev->result == M365_RESULT_FAILURE ||
        ev->time_ms == M365_TIME_NONE) {
        return;
    }
    bool user = m365_ieq(ev->operation, "Add user");
    bool sp = m365_ieq(ev->operation, "Add service principal");
    bool app = m365_ieq(ev->operation, "Add application");
    if (!user && !sp && !app) {
        return;
    }
    const struct m365_target *t = ev->n_targets ? &ev->targets[0] : NULL;
    struct m365_tf_account a = {ev->time_ms, m365_dctx_keep(dc, ev), NULL, NULL, NULL, sp || app};
    a.id = m365_tf_key(dc, t ? t->id : NULL);
    a.name = t ? t->name : NULL;
    const char *upn = NULL;
    if (user) {
        upn = prop_any(ev, "UserPrincipalName");
        if (!upn && t) {
            upn = t->upn;
        }
    }
    a.upn = m365_tf_key(dc, upn);
    const char *t_upn = m365_tf_key(dc, t ? t->upn : NULL);
    const char *app_id = sp ? m365_tf_key(dc, prop_any(ev, "AppPrincipalId"))
                            : (app ? m365_tf_key(dc, prop_any(ev, "AppId")) : NULL);
    /* Anonymised samples write the same placeholder for creator and created: an account does
     * not create itself. */
    if ((a.upn && ev->actor_upn && a.upn == ev->actor_upn) ||
        (a.id && ev->actor_id && a.id == m365_tf_key(dc, ev->actor_id))) {
        return;
    }
    put_key(c, a.upn, &a);
    if (t_upn != a.upn && !(t_upn && ev->actor_upn && t_upn == ev->actor_upn)) {
        put_key(c, t_upn, &a);
    }
    put_key(c, a.id, &a);
    put_key(c, app_id, &a);
}

const struct m365_tf_account *m365_tf_created_find(struct m365_dctx *dc,
                                                   const struct m365_tf_created *c,
                                                   const char *upn, const char *id)
{
    const char *k = m365_tf_key(dc, upn);
    const struct m365_tf_account *a = k ? m365_map_get(&c->keys, k, NULL) : NULL;
    if (!a) {
        k = m365_tf_key(dc, id);
        a = k ? m365_map_get(&c->keys, k, NULL) : NULL;
    }
    return a;
}

const struct m365_tf_account *m365_tf_actor_new(struct m365_dctx *dc,
                                                const struct m365_tf_created *c,
                                                const struct m365_event *ev, int64_t window)
{
    if (ev->time_ms == M365_TIME_NONE) {
        return NULL;
    }
    const struct m365_tf_account *a = m365_tf_created_find(dc, c, ev->actor_upn, ev->actor_id);
    if (!a && ev->actor_app_id) {
        a = m365_tf_created_find(dc, c, NULL, ev->actor_app_id);
    }
    if (!a || a->ev == ev || ev->time_ms < a->created || ev->time_ms - a->created > window) {
        return NULL;
    }
    return a;
}

void m365_tf_created_free(struct m365_tf_created *c)
{
    M365_MAP_EACH(&c->keys, slot)
    {
        free(slot->val);
    }
    m365_map_free(&c->keys);
}

/* --- directory role assignments ------------------------------------------------------------ */

static enum m365_tf_role_op role_op(const char *op)
{
    if (!op || m365_icontains(op, "requested") || m365_icontains(op, "approv") ||
        m365_icontains(op, "denied") || m365_icontains(op, "deny ")) {
        return M365_TF_ROLE_NONE; /* a request or an approval step changes nothing yet */
    }
    if (m365_istarts(op, "Add member to role") || m365_istarts(op, "Add scoped member to role")) {
        if (m365_icontains(op, "activation")) {
            return m365_icontains(op, "completed") ? M365_TF_ROLE_ACTIVATE : M365_TF_ROLE_NONE;
        }
        return M365_TF_ROLE_ADD;
    }
    if (m365_istarts(op, "Add eligible member to role")) {
        return M365_TF_ROLE_ADD_ELIGIBLE;
    }
    if (m365_istarts(op, "Remove member from role") ||
        m365_istarts(op, "Remove eligible member from role") ||
        m365_istarts(op, "Remove scoped member from role")) {
        return M365_TF_ROLE_REMOVE;
    }
    return M365_TF_ROLE_NONE;
}

static const char *extra_nonempty(const struct m365_event *ev, const char *name)
{
    const char *v = m365_event_extra(ev, name);
    return v && *v ? v : NULL;
}

static bool is_member_type(const char *type)
{
    return type && (m365_ieq(type, "User") || m365_ieq(type, "ServicePrincipal") ||
                    m365_ieq(type, "Group") || m365_ieq(type, "Application"));
}

bool m365_tf_role_event(const struct m365_event *ev, struct m365_tf_role *out)
{
    memset(out, 0, sizeof(*out));
    if (ev->kind != M365_EV_DIRECTORY) {
        return false;
    }
    out->op = role_op(ev->operation);
    if (out->op == M365_TF_ROLE_NONE) {
        return false;
    }
    const char *svc = m365_event_extra(ev, "loggedByService");
    out->pim = (svc && m365_ieq(svc, "PIM")) || m365_icontains(ev->operation, "PIM") ||
               m365_tf_actor_is_pim_service(ev);
    const struct m365_target *role_t = NULL, *member = NULL;
    for (uint32_t i = 0; i < ev->n_targets; i++) {
        const struct m365_target *t = &ev->targets[i];
        if (t->type && m365_ieq(t->type, "Role")) {
            if (!role_t) {
                role_t = t;
            }
        } else if (!member && (is_member_type(t->type) || (!t->type && (t->upn || t->id)))) {
            member = t;
        }
    }
    if (member) {
        out->member_type = member->type ? member->type : (member->upn ? "User" : NULL);
        out->member_id = member->id;
        out->member_upn = member->upn;
        out->member_name = member->name;
    }
    /* The role: Core Directory and UAL spell it in Role.* properties of the member target, PIM
     * as a target of type Role with TemplateId / RoleDefinitionOriginId. */
    const char *tmpl = prop_any(ev, "Role.TemplateId");
    if (!tmpl) {
        tmpl = prop_any(ev, "TemplateId");
    }
    if (!tmpl) {
        tmpl = extra_nonempty(ev, "TemplateId");
    }
    const char *origin = prop_any(ev, "RoleDefinitionOriginId");
    if (!origin) {
        origin = extra_nonempty(ev, "RoleDefinitionOriginId");
    }
    const char *obj = prop_any(ev, "Role.ObjectID");
    const char *name = prop_any(ev, "Role.DisplayName");
    const char *wk = prop_any(ev, "Role.WellKnownObjectName");
    const char *keys[] = {tmpl,     origin, role_t ? role_t->id : NULL, obj,
                          name,     role_t ? role_t->name : NULL, wk};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && !out->priv; i++) {
        out->priv = m365_privileged_role(keys[i]);
    }
    out->role_name = name ? name : (role_t && role_t->name ? role_t->name : NULL);
    if (!out->role_name && out->priv) {
        out->role_name = out->priv->name;
    }
    if (!out->role_name) {
        out->role_name = wk;
    }
    out->role_key = tmpl ? tmpl : (origin ? origin : (role_t && role_t->id ? role_t->id : obj));
    return out->role_name || out->role_key;
}

bool m365_tf_actor_is_pim_service(const struct m365_event *ev)
{
    return ev->actor_name &&
           (m365_ieq(ev->actor_name, "MS-PIM") || m365_ieq(ev->actor_name, "MS-PIM-Fairfax") ||
            m365_ieq(ev->actor_name, "Azure AD PIM"));
}

bool m365_tf_role_member_is_sp(const struct m365_tf_role *r)
{
    return r->member_type &&
           (m365_ieq(r->member_type, "ServicePrincipal") || m365_ieq(r->member_type, "Application"));
}

bool m365_tf_exchange_role_grant(const struct m365_event *ev, const char **role,
                                 const char **member)
{
    *role = *member = NULL;
    if (ev->kind != M365_EV_EXCHANGE_ADMIN || !ev->operation) {
        return false;
    }
    if (m365_ieq(ev->operation, "New-ManagementRoleAssignment")) {
        *role = m365_event_param(ev, "Role");
        *member = m365_event_param(ev, "User");
    } else if (m365_ieq(ev->operation, "Add-RoleGroupMember")) {
        *role = m365_event_param(ev, "Identity");
        *member = m365_event_param(ev, "Member");
    }
    return *member && **member;
}

bool m365_tf_exchange_role_sensitive(const char *role)
{
    static const char *const roles[] = {"ApplicationImpersonation", "Mailbox Import Export",
                                        "Organization Management", "Role Management"};
    for (size_t i = 0; role && i < sizeof(roles) / sizeof(roles[0]); i++) {
        if (m365_ieq(role, roles[i])) {
            return true;
        }
    }
    return false;
}

/* --- text ------------------------------------------------------------------------------------ */

static bool is_sep(char c)
{
    return c == ' ' || c == ',' || c == '\n' || c == '\r' || c == '\t';
}

bool m365_tf_list_has(const char *list, const char *tok, size_t tok_len)
{
    const char *p = list;
    while (p && *p) {
        while (*p && is_sep(*p)) {
            p++;
        }
        const char *e = p;
        while (*e && !is_sep(*e)) {
            e++;
        }
        if (e > p && (size_t)(e - p) == tok_len) {
            bool same = true;
            for (size_t i = 0; i < tok_len && same; i++) {
                char a = p[i], b = tok[i];
                a = (char)(a >= 'A' && a <= 'Z' ? a + 32 : a);
                b = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
                same = a == b;
            }
            if (same) {
                return true;
            }
        }
        p = e;
    }
    return false;
}

size_t m365_tf_list_added(const char *prev, const char *next, char *out, size_t cap)
{
    size_t n = 0, len = out && cap ? strlen(out) : 0;
    const char *p = next;
    while (p && *p) {
        while (*p && is_sep(*p)) {
            p++;
        }
        const char *e = p;
        while (*e && !is_sep(*e)) {
            e++;
        }
        size_t tl = (size_t)(e - p);
        if (tl && !m365_tf_list_has(prev, p, tl) && !m365_tf_list_has(out, p, tl)) {
            if (out && len + tl + 2 <= cap) {
                if (len) {
                    out[len++] = ' ';
                }
                memcpy(out + len, p, tl);
                len += tl;
                out[len] = '\0';
            }
            n++;
        }
        p = e;
    }
    return n;
}

bool m365_tf_truthy(const char *v)
{
    while (v && (*v == ' ' || *v == '"' || *v == '[' || *v == '\n' || *v == '\r')) {
        v++;
    }
    return v && (m365_istarts(v, "true") || (*v == '1' && (v[1] == '\0' || v[1] == ']')));
}
