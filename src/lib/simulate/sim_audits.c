/* Directory audit records and Exchange cmdlets, as one logical description each.
 *
 * Every builder fills the targets and modified properties the way Entra logs them. Values that
 * are JSON (arrays, objects) are kept as compact JSON text: the Graph renderer writes them as
 * they are and the UAL renderer pretty-prints them with CRLF, as the two real logs differ. */
#include <stdarg.h>
#include <stdio.h>

#include "sim.h"

const char *sim_aprintf(struct m365_arena *A, const char *fmt, ...)
{
    char tmp[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0) {
        n = 0;
    }
    if ((size_t)n >= sizeof(tmp)) {
        n = sizeof(tmp) - 1;
    }
    return m365_arena_strndup(A, tmp, (size_t)n);
}

/* ["text"] with the text JSON-escaped. */
static const char *jarr1(struct m365_arena *A, const char *v)
{
    struct sbuf b = {0};
    SB_LIT(&b, "[\"");
    sb_json_esc(&b, v, strlen(v));
    SB_LIT(&b, "\"]");
    const char *r = b.oom ? "[]" : m365_arena_strndup(A, b.p, b.len);
    sb_free(&b);
    return r;
}

/* ["2026-03-04T01:56:15Z"], as StsRefreshTokensValidFrom is logged. */
static const char *time_arr(struct m365_arena *A, int64_t t)
{
    struct sbuf b = {0};
    SB_LIT(&b, "[\"");
    sb_time(&b, t, TF_Z0, 0);
    SB_LIT(&b, "\"]");
    const char *r = b.oom ? "[]" : m365_arena_strndup(A, b.p, b.len);
    sb_free(&b);
    return r;
}

static void prop(struct sim_prop *p, const char *name, const char *old_v, const char *new_v,
                 bool json)
{
    p->name = name;
    p->old_v = old_v;
    p->new_v = new_v;
    p->json = json;
}

struct sim_ev *sim_audit_ev(struct sim *s, struct sim_ev *e, struct sim_rng *r, int64_t t,
                            struct sim_audit *a)
{
    (void)s;
    if (!e || !a) {
        return NULL;
    }
    e->t = t;
    e->type = EV_AUDIT;
    e->stream = ST_AUDIT;
    e->rich = a;
    e->user = a->actor_user;
    e->ip = a->ip;
    e->corr = sim_key(r);
    e->rnd = sim_next(r);
    if (!a->ual_op) {
        e->flags |= EVF_NO_UAL;
    }
    return e;
}

void sa_by_user(struct sim *s, struct sim_audit *a, uint32_t user, uint16_t ip, const char *ua)
{
    (void)s;
    a->actor_user = user;
    a->actor_app = SIM_NONE;
    a->ip = ip;
    a->ua = ua;
}

void sa_by_app(struct sim_audit *a, uint16_t app)
{
    a->actor_user = SIM_NONE;
    a->actor_app = app;
}

static struct sim_audit *with_user_target(struct sim *s, struct m365_arena *A, uint32_t u,
                                          unsigned n_props)
{
    struct sim_audit *a = sim_audit_new(A);
    struct sim_target *t = sim_targets(A, 1);
    struct sim_prop *p = n_props ? sim_props(A, n_props) : NULL;
    if (!a || !t || (n_props && !p)) {
        return NULL;
    }
    sim_tgt_user(s, t, u);
    t->props = p;
    t->n_props = (uint8_t)n_props;
    a->targets = t;
    a->n_targets = 1;
    a->object_id = s->users[u].upn;
    return a;
}

struct sim_audit *sa_add_user(struct sim *s, struct m365_arena *A, uint32_t u, int64_t t,
                              bool no_expiry)
{
    struct sim_audit *a = with_user_target(s, A, u, no_expiry ? 9 : 8);
    if (!a) {
        return NULL;
    }
    struct sim_user *us = &s->users[u];
    struct sim_prop *p = (struct sim_prop *)a->targets[0].props;
    const char *sts = time_arr(A, t);
    int k = 0;
    prop(&p[k++], "AccountEnabled", "[]", "[true]", true);
    prop(&p[k++], "DisplayName", "[]", jarr1(A, us->display), true);
    prop(&p[k++], "MailNickname", "[]", jarr1(A, us->nick), true);
    if (no_expiry) {
        prop(&p[k++], "PasswordPolicies", "[]", "[\"DisablePasswordExpiration\"]", true);
    }
    prop(&p[k++], "StsRefreshTokensValidFrom", "[]", sts, true);
    prop(&p[k++], "UserPrincipalName", "[]", jarr1(A, us->upn), true);
    prop(&p[k++], "UserType", "[]", "[\"Member\"]", true);
    prop(&p[k++], "Included Updated Properties", NULL,
         no_expiry ? "AccountEnabled, DisplayName, MailNickname, PasswordPolicies, "
                     "StsRefreshTokensValidFrom, UserPrincipalName, UserType"
                   : "AccountEnabled, DisplayName, MailNickname, StsRefreshTokensValidFrom, "
                     "UserPrincipalName, UserType",
         false);
    prop(&p[k++], "TargetId.UserType", NULL, "Member", false);
    a->activity = "Add user";
    a->ual_op = "Add user.";
    a->op_type = "Add";
    return a;
}

struct sim_audit *sa_update_user(struct sim *s, struct m365_arena *A, uint32_t u,
                                 const struct sim_prop *props, unsigned n)
{
    struct sim_audit *a = with_user_target(s, A, u, n + 2);
    if (!a) {
        return NULL;
    }
    struct sim_prop *p = (struct sim_prop *)a->targets[0].props;
    struct sbuf names = {0};
    for (unsigned i = 0; i < n; i++) {
        p[i] = props[i];
        if (i) {
            SB_LIT(&names, ", ");
        }
        sb_puts(&names, props[i].name);
    }
    prop(&p[n], "Included Updated Properties", NULL,
         names.oom ? "" : m365_arena_strndup(A, names.p ? names.p : "", names.len), false);
    sb_free(&names);
    prop(&p[n + 1], "TargetId.UserType", NULL, "Member", false);
    a->activity = "Update user";
    a->ual_op = "Update user.";
    return a;
}

struct sim_audit *sa_disable_user(struct sim *s, struct m365_arena *A, uint32_t u)
{
    static const struct sim_prop p = {"AccountEnabled", "[true]", "[false]", true};
    struct sim_audit *a = sa_update_user(s, A, u, &p, 1);
    if (a) {
        a->activity = "Disable account";
        a->ual_op = "Disable account.";
    }
    return a;
}

struct sim_audit *sa_revoke_sessions(struct sim *s, struct m365_arena *A, uint32_t u,
                                     int64_t since, int64_t t)
{
    struct sim_prop p = {"StsRefreshTokensValidFrom", time_arr(A, since), time_arr(A, t), true};
    return sa_update_user(s, A, u, &p, 1);
}

struct sim_audit *sa_licence(struct sim *s, struct m365_arena *A, uint32_t u, const char *old_json,
                             const char *new_json)
{
    struct sim_audit *a = with_user_target(s, A, u, 3);
    if (!a) {
        return NULL;
    }
    struct sim_prop *p = (struct sim_prop *)a->targets[0].props;
    prop(&p[0], "AssignedLicense", old_json, new_json, true);
    prop(&p[1], "Included Updated Properties", NULL, "AssignedLicense", false);
    prop(&p[2], "TargetId.UserType", NULL, "Member", false);
    a->activity = "Change user license";
    a->ual_op = "Change user license.";
    return a;
}

struct sim_audit *sa_group_member(struct sim *s, struct m365_arena *A, uint32_t u,
                                  const char *group, uint64_t group_key, bool add)
{
    struct sim_audit *a = sim_audit_new(A);
    struct sim_target *t = sim_targets(A, 2);
    struct sim_prop *p = sim_props(A, 3);
    if (!a || !t || !p) {
        return NULL;
    }
    char gid[37];
    sim_guid(group_key, gid);
    const char *gids = m365_arena_strndup(A, gid, 36);
    sim_tgt_user(s, &t[0], u);
    prop(&p[0], "Group.ObjectID", NULL, gids, false);
    prop(&p[1], "Group.DisplayName", NULL, group, false);
    prop(&p[2], "Group.WellKnownObjectName", NULL, NULL, false);
    t[0].props = p;
    t[0].n_props = 3;
    t[1].type = "Group";
    t[1].id = gids;
    t[1].name = group;
    a->targets = t;
    a->n_targets = 2;
    a->activity = add ? "Add member to group" : "Remove member from group";
    a->ual_op = add ? "Add member to group." : "Remove member from group.";
    a->category = "GroupManagement";
    a->op_type = add ? "Assign" : "Unassign";
    a->ual_class = "Group";
    a->object_id = s->users[u].upn;
    return a;
}

struct sim_audit *sa_role_member(struct sim *s, struct m365_arena *A, uint32_t u, const char *role,
                                 const char *template_id)
{
    struct sim_audit *a = with_user_target(s, A, u, 4);
    if (!a) {
        return NULL;
    }
    struct sim_prop *p = (struct sim_prop *)a->targets[0].props;
    char rid[37];
    sim_guid(sim_str_hash(template_id) ^ sim_str_hash(s->tenant.id), rid);
    prop(&p[0], "Role.ObjectID", NULL, m365_arena_strndup(A, rid, 36), false);
    prop(&p[1], "Role.DisplayName", NULL, role, false);
    prop(&p[2], "Role.TemplateId", NULL, template_id, false);
    prop(&p[3], "Role.WellKnownObjectName", NULL,
         strcmp(role, "Global Administrator") == 0 ? "TenantAdmins" : "", false);
    a->activity = "Add member to role";
    a->ual_op = "Add member to role.";
    a->category = "RoleManagement";
    a->op_type = "Assign";
    a->ual_class = "Role";
    return a;
}

const char *sim_key_desc(struct sim *s, const struct sim_cred *c)
{
    char kid[37];
    sim_guid(c->key, kid);
    return sim_printf(s, "[KeyIdentifier=%s,KeyType=%s,KeyUsage=Verify,DisplayName=%s]", kid,
                      c->cert ? "AsymmetricX509Cert" : "Password", c->name);
}

struct sim_audit *sa_credentials(struct sim *s, struct m365_arena *A, uint16_t app, bool on_sp,
                                 const char *old_json, const char *new_json)
{
    struct sim_audit *a = sim_audit_new(A);
    struct sim_target *t = sim_app_target(s, A, app, !on_sp);
    struct sim_prop *p = sim_props(A, 3);
    if (!a || !t || !p) {
        return NULL;
    }
    prop(&p[0], "KeyDescription", old_json, new_json, true);
    prop(&p[1], "Included Updated Properties", NULL, "KeyDescription", false);
    prop(&p[2], "TargetId.ServicePrincipalNames", NULL, s->apps[app].id, false);
    t->props = p;
    t->n_props = on_sp ? 3 : 2;
    a->targets = t;
    a->n_targets = 1;
    a->category = "ApplicationManagement";
    a->ual_class = on_sp ? "ServicePrincipal" : "Application";
    if (on_sp) {
        a->activity = "Add service principal credentials";
        a->ual_op = "Add service principal credentials.";
        a->op_type = "Add";
        a->object_id = s->apps[app].id;
    } else {
        /* Real spelling: EN DASH and a trailing space, in both logs. */
        a->activity = "Update application \xe2\x80\x93 Certificates and secrets management ";
        a->ual_op = a->activity;
        a->op_type = "Update";
        a->object_id = sim_aprintf(A, "Application_%s", s->apps[app].obj);
    }
    a->app_detail = s->apps[app].id;
    return a;
}

static const char *address_json(struct m365_arena *A, const char *u1, const char *u2)
{
    if (!u1) {
        return "[]";
    }
    if (!u2) {
        return sim_aprintf(A,
                           "[{\"AddressType\":0,\"Address\":\"%s\",\"ReplyAddressClientType\":1,"
                           "\"ReplyAddressIndex\":null,\"IsReplyAddressDefault\":false}]",
                           u1);
    }
    return sim_aprintf(A,
                       "[{\"AddressType\":0,\"Address\":\"%s\",\"ReplyAddressClientType\":1,"
                       "\"ReplyAddressIndex\":null,\"IsReplyAddressDefault\":false},"
                       "{\"AddressType\":0,\"Address\":\"%s\",\"ReplyAddressClientType\":1,"
                       "\"ReplyAddressIndex\":null,\"IsReplyAddressDefault\":false}]",
                       u1, u2);
}

struct sim_audit *sa_app_address(struct sim *s, struct m365_arena *A, uint16_t app,
                                 const char *old_url, const char *new_url)
{
    struct sim_audit *a = sim_audit_new(A);
    struct sim_target *t = sim_app_target(s, A, app, true);
    struct sim_prop *p = sim_props(A, 2);
    if (!a || !t || !p) {
        return NULL;
    }
    prop(&p[0], "AppAddress", address_json(A, old_url, NULL), address_json(A, old_url, new_url),
         true);
    prop(&p[1], "Included Updated Properties", NULL, "AppAddress", false);
    t->props = p;
    t->n_props = 2;
    a->targets = t;
    a->n_targets = 1;
    a->activity = "Update application";
    a->ual_op = "Update application.";
    a->category = "ApplicationManagement";
    a->ual_class = "Application";
    a->object_id = sim_aprintf(A, "Application_%s", s->apps[app].obj);
    a->app_detail = s->apps[app].id;
    return a;
}

struct sim_audit *sa_add_app(struct sim *s, struct m365_arena *A, uint16_t app, bool multi,
                             const char *url)
{
    struct sim_audit *a = sim_audit_new(A);
    struct sim_target *t = sim_app_target(s, A, app, true);
    struct sim_prop *p = sim_props(A, 6);
    if (!a || !t || !p) {
        return NULL;
    }
    prop(&p[0], "AppAddress", "[]", address_json(A, url, NULL), true);
    prop(&p[1], "AppId", "[]", jarr1(A, s->apps[app].id), true);
    prop(&p[2], "AvailableToOtherTenants", "[]", multi ? "[true]" : "[false]", true);
    prop(&p[3], "DisplayName", "[]", jarr1(A, s->apps[app].name), true);
    prop(&p[4], "SignInAudience", "[]", multi ? "[\"AzureADMultipleOrgs\"]" : "[\"AzureADMyOrg\"]",
         true);
    prop(&p[5], "Included Updated Properties", NULL,
         "AppAddress, AppId, AvailableToOtherTenants, DisplayName, SignInAudience", false);
    t->props = p;
    t->n_props = 6;
    a->targets = t;
    a->n_targets = 1;
    a->activity = "Add application";
    a->ual_op = "Add application.";
    a->category = "ApplicationManagement";
    a->op_type = "Add";
    a->ual_class = "Application";
    a->object_id = sim_aprintf(A, "Application_%s", s->apps[app].obj);
    a->app_detail = s->apps[app].id;
    return a;
}

struct sim_audit *sa_add_sp(struct sim *s, struct m365_arena *A, uint16_t app)
{
    struct sim_audit *a = sim_audit_new(A);
    struct sim_target *t = sim_app_target(s, A, app, false);
    struct sim_prop *p = sim_props(A, 6);
    if (!a || !t || !p) {
        return NULL;
    }
    prop(&p[0], "AccountEnabled", "[]", "[true]", true);
    prop(&p[1], "AppPrincipalId", "[]", jarr1(A, s->apps[app].id), true);
    prop(&p[2], "DisplayName", "[]", jarr1(A, s->apps[app].name), true);
    prop(&p[3], "ServicePrincipalName", "[]", jarr1(A, s->apps[app].id), true);
    prop(&p[4], "Included Updated Properties", NULL,
         "AccountEnabled, AppPrincipalId, DisplayName, ServicePrincipalName", false);
    prop(&p[5], "TargetId.ServicePrincipalNames", NULL, s->apps[app].id, false);
    t->props = p;
    t->n_props = 6;
    a->targets = t;
    a->n_targets = 1;
    a->activity = "Add service principal";
    a->ual_op = "Add service principal.";
    a->category = "ApplicationManagement";
    a->op_type = "Add";
    a->ual_class = "ServicePrincipal";
    a->object_id = s->apps[app].id;
    a->app_detail = s->apps[app].id;
    return a;
}

static const char *spns(struct sim *s, uint16_t app)
{
    if (app == A_GRAPH) {
        return "00000003-0000-0000-c000-000000000000/ags.windows.net;"
               "00000003-0000-0000-c000-000000000000;https://canary.graph.microsoft.com;"
               "https://graph.microsoft.com;https://ags.windows.net;https://graph.microsoft.us;"
               "https://graph.microsoft.com/;https://dod-graph.microsoft.us;"
               "https://canary.graph.microsoft.com/;https://graph.microsoft.us/;"
               "https://dod-graph.microsoft.us/";
    }
    if (app == A_EXO) {
        return "00000002-0000-0ff1-ce00-000000000000/outlook.office365.com;"
               "00000002-0000-0ff1-ce00-000000000000/outlook.office.com;"
               "https://outlook.office365.com/;https://outlook.office.com/;https://ps.outlook.com;"
               "Office 365 Exchange Online;Microsoft.Exchange";
    }
    return s->apps[app].id;
}

struct sim_audit *sa_grant(struct sim *s, struct m365_arena *A, uint16_t client, uint16_t resource,
                           const char *scope, bool all_principals)
{
    struct sim_audit *a = sim_audit_new(A);
    struct sim_target *t = sim_app_target(s, A, resource, false);
    struct sim_prop *p = sim_props(A, 8);
    if (!a || !t || !p) {
        return NULL;
    }
    const struct sim_app *c = &s->apps[client];
    prop(&p[0], "DelegatedPermissionGrant.Scope", NULL, scope, false);
    prop(&p[1], "DelegatedPermissionGrant.ConsentType", NULL,
         all_principals ? "AllPrincipals" : "Principal", false);
    prop(&p[2], "ServicePrincipal.ObjectID", NULL, c->sp, false);
    prop(&p[3], "ServicePrincipal.DisplayName", NULL, c->name, false);
    prop(&p[4], "ServicePrincipal.AppId", NULL, c->id, false);
    prop(&p[5], "ServicePrincipal.Name", NULL, c->id, false);
    prop(&p[6], "Included Updated Properties", NULL,
         "DelegatedPermissionGrant.Scope, DelegatedPermissionGrant.ConsentType", false);
    prop(&p[7], "TargetId.ServicePrincipalNames", NULL, spns(s, resource), false);
    t->props = p;
    t->n_props = 8;
    a->targets = t;
    a->n_targets = 1;
    a->activity = "Add delegated permission grant";
    a->ual_op = "Add delegated permission grant.";
    a->category = "ApplicationManagement";
    a->op_type = "Assign";
    a->ual_class = "ServicePrincipal";
    a->object_id = s->apps[resource].sp;
    a->app_detail = c->id;
    a->ests = true;
    return a;
}

struct sim_audit *sa_consent(struct sim *s, struct m365_arena *A, uint16_t client, uint32_t user,
                             uint16_t resource, const char *scope, bool admin, uint64_t grant_key)
{
    struct sim_audit *a = sim_audit_new(A);
    struct sim_target *t = sim_app_target(s, A, client, false);
    struct sim_prop *p = sim_props(A, 6);
    if (!a || !t || !p) {
        return NULL;
    }
    char gid[23];
    sim_token(grant_key, gid);
    prop(&p[0], "ConsentContext.IsAdminConsent", NULL, admin ? "True" : "False", false);
    prop(&p[1], "ConsentContext.IsAppOnly", NULL, "False", false);
    prop(&p[2], "ConsentContext.OnBehalfOfAll", NULL, admin ? "True" : "False", false);
    prop(&p[3], "ConsentContext.Tags", NULL, "WindowsAzureActiveDirectoryIntegratedApp", false);
    prop(&p[4], "ConsentAction.Permissions", NULL,
         sim_aprintf(A,
                     "[] => [[Id: %s%s, ClientId: %s, PrincipalId: %s, ResourceId: %s, "
                     "ConsentType: %s, Scope:  %s, CreatedDateTime: , LastModifiedDateTime ]]; ",
                     gid, gid, s->apps[client].sp, admin ? "" : s->users[user].id,
                     s->apps[resource].sp, admin ? "AllPrincipals" : "Principal", scope),
         false);
    prop(&p[5], "TargetId.ServicePrincipalNames", NULL, s->apps[client].id, false);
    t->props = p;
    t->n_props = 6;
    a->targets = t;
    a->n_targets = 1;
    sim_grant_add(s, client, resource, admin ? SIM_NONE : user, scope, NULL, 0);
    a->activity = "Consent to application";
    a->ual_op = "Consent to application.";
    a->category = "ApplicationManagement";
    a->op_type = "Assign";
    a->ual_class = "ServicePrincipal";
    a->object_id = s->apps[client].id;
    a->app_detail = s->apps[client].id;
    a->ests = true;
    return a;
}

struct sim_audit *sa_app_role(struct sim *s, struct m365_arena *A, uint16_t resource,
                              const char *role_id, const char *role_value, const char *role_name,
                              uint16_t grantee, int64_t t)
{
    struct sim_audit *a = sim_audit_new(A);
    struct sim_target *tg = sim_targets(A, 2);
    struct sim_prop *p = sim_props(A, 10);
    if (!a || !tg || !p) {
        return NULL;
    }
    struct sbuf tb = {0};
    sb_time(&tb, t, TF_Z7, (unsigned)(t % 9973));
    const char *ts = tb.oom ? "" : m365_arena_strndup(A, tb.p, tb.len);
    sb_free(&tb);
    const struct sim_app *g = &s->apps[grantee];
    prop(&p[0], "AppRole.Id", NULL, role_id, false);
    prop(&p[1], "AppRole.Value", NULL, role_value, false);
    prop(&p[2], "AppRole.DisplayName", NULL, role_name, false);
    prop(&p[3], "AppRoleAssignment.CreatedDateTime", NULL, ts, false);
    prop(&p[4], "AppRoleAssignment.LastModifiedDateTime", NULL, ts, false);
    prop(&p[5], "ServicePrincipal.ObjectID", NULL, g->sp, false);
    prop(&p[6], "ServicePrincipal.DisplayName", NULL, g->name, false);
    prop(&p[7], "ServicePrincipal.AppId", NULL, g->id, false);
    prop(&p[8], "ServicePrincipal.Name", NULL, g->id, false);
    prop(&p[9], "TargetId.ServicePrincipalNames", NULL, spns(s, resource), false);
    sim_tgt_app(s, &tg[0], resource, false);
    tg[0].props = p;
    tg[0].n_props = 10;
    sim_tgt_app(s, &tg[1], grantee, false);
    sim_grant_add(s, grantee, resource, SIM_NONE, role_value, role_id, t);
    a->targets = tg;
    a->n_targets = 2;
    a->activity = "Add app role assignment to service principal";
    a->ual_op = "Add app role assignment to service principal.";
    a->category = "ApplicationManagement";
    a->op_type = "Assign";
    a->ual_class = "ServicePrincipal";
    a->object_id = s->apps[resource].id;
    return a;
}

struct sim_audit *sa_security_info(struct sim *s, struct m365_arena *A, uint32_t u, int which)
{
    struct sim_audit *a = with_user_target(s, A, u, 0);
    if (!a) {
        return NULL;
    }
    static const char *const acts[] = {"User started security info registration",
                                       "User registered security info",
                                       "User registered all required security info"};
    static const char *const why[] = {
        "User started the registration for Authenticator App with Notification and Code",
        "User registered Authenticator App with Notification and Code",
        "User registered all required security info"};
    a->activity = acts[which % 3];
    a->result_reason = why[which % 3];
    a->ual_op = NULL; /* the Authentication Methods service does not write to the UAL */
    a->service = "Authentication Methods";
    a->op_type = "Add";
    return a;
}

/* An administrator issues a Temporary Access Pass valid for eight hours from t. The values are
 * plain strings, logged JSON-encoded, the old ones empty: "\"\"". */
struct sim_audit *sa_tap(struct sim *s, struct m365_arena *A, uint32_t u, int64_t t, uint64_t key,
                         bool once)
{
    struct sim_audit *a = with_user_target(s, A, u, 4);
    if (!a) {
        return NULL;
    }
    char id[37];
    sim_guid(key, id);
    struct sbuf b = {0};
    sb_time(&b, t, TF_Z7, (unsigned)(key % 9973));
    size_t n = b.len;
    sb_time(&b, t + 8 * SIM_HOUR_MS, TF_Z7, (unsigned)(key % 9973));
    const char *start = b.oom ? "" : m365_arena_strndup(A, b.p, n);
    const char *end = b.oom ? "" : m365_arena_strndup(A, b.p + n, b.len - n);
    sb_free(&b);
    struct sim_prop *p = (struct sim_prop *)a->targets[0].props;
    prop(&p[0], "TemporaryAccessPass.Id", "", m365_arena_strndup(A, id, 36), false);
    prop(&p[1], "TemporaryAccessPass.StartDateTime", "", start, false);
    prop(&p[2], "TemporaryAccessPass.EndDateTime", "", end, false);
    prop(&p[3], "TemporaryAccessPass.AccessPassUsage", "", once ? "OneTime" : "Multiple", false);
    a->activity = "Admin registered security info";
    a->result_reason = "Admin registered temporary access pass method for user";
    a->ual_op = NULL; /* the Authentication Methods service does not write to the UAL */
    a->service = "Authentication Methods";
    a->op_type = "Add";
    return a;
}

struct sim_audit *sa_strong_auth(struct sim *s, struct m365_arena *A, uint32_t u)
{
    static const struct sim_prop p[] = {
        {"StrongAuthenticationMethod", "[]",
         "[{\"MethodType\":6,\"Default\":false},{\"MethodType\":7,\"Default\":true}]", true}};
    struct sim_audit *a = sa_update_user(s, A, u, p, 1);
    if (a) {
        sa_by_app(a, A_SVC_CREDCONF);
        a->details = NULL;
    }
    return a;
}

struct sim_audit *sa_domain(struct sim *s, struct m365_arena *A, const char *domain, int which,
                            const char *issuer, const char *cert)
{
    (void)s;
    struct sim_audit *a = sim_audit_new(A);
    struct sim_target *t = sim_targets(A, 1);
    struct sim_prop *p = sim_props(A, 4);
    if (!a || !t || !p) {
        return NULL;
    }
    t->type = "Directory";
    t->name = domain;
    t->id = domain;
    t->props = p;
    a->targets = t;
    a->n_targets = 1;
    a->category = "DirectoryManagement";
    a->ual_class = "Directory";
    a->object_id = domain;
    if (which == 0) {
        prop(&p[0], "LiveType", "Managed", "Federated", false);
        prop(&p[1], "Included Updated Properties", NULL, "LiveType", false);
        t->n_props = 2;
        a->activity = "Set domain authentication";
        a->ual_op = "Set domain authentication.";
    } else {
        prop(&p[0], "IssuerUri", NULL, issuer, false);
        prop(&p[1], "SigningCertificate", NULL, cert, false);
        prop(&p[2], "FederationBrandName", NULL, domain, false);
        prop(&p[3], "Included Updated Properties", NULL,
             "IssuerUri, SigningCertificate, FederationBrandName", false);
        t->n_props = 4;
        a->activity = "Set federation settings on domain";
        a->ual_op = "Set federation settings on domain.";
    }
    return a;
}

struct sim_audit *sa_ca_policy(struct sim *s, struct m365_arena *A, const char *policy_id,
                               const char *name, const char *old_state, const char *new_state)
{
    (void)s;
    struct sim_audit *a = sim_audit_new(A);
    struct sim_target *t = sim_targets(A, 1);
    struct sim_prop *p = sim_props(A, 1);
    if (!a || !t || !p) {
        return NULL;
    }
#define CA_FMT                                                                                     \
    "{\"id\":\"%s\",\"displayName\":\"%s\",\"state\":\"%s\",\"conditions\":{\"clientAppTypes\":["  \
    "\"all\"],\"users\":{\"includeRoles\":[\"62e90394-69f5-4237-9190-012177145e10\"]}},"           \
    "\"grantControls\":{\"operator\":\"OR\",\"builtInControls\":[\"mfa\"]}}"
    prop(&p[0], "ConditionalAccessPolicy", sim_aprintf(A, CA_FMT, policy_id, name, old_state),
         sim_aprintf(A, CA_FMT, policy_id, name, new_state), true);
#undef CA_FMT
    t->type = "Policy";
    t->id = policy_id;
    t->name = name;
    t->props = p;
    t->n_props = 1;
    a->targets = t;
    a->n_targets = 1;
    a->activity = "Update conditional access policy";
    a->ual_op = "Update conditional access policy.";
    a->category = "Policy";
    a->service = "Conditional Access";
    a->ual_class = "Policy";
    a->object_id = policy_id;
    return a;
}

struct sim_audit *sa_service_touch(struct sim *s, struct m365_arena *A, uint32_t u, bool device,
                                   uint64_t key)
{
    if (!device) {
        struct sim_audit *a = sa_update_user(s, A, u, NULL, 0);
        if (a) {
            ((struct sim_prop *)a->targets[0].props)[0].new_v = "";
            sa_by_app(a, A_SVC_SUBSTRATE);
        }
        return a;
    }
    struct sim_audit *a = sim_audit_new(A);
    struct sim_target *t = sim_targets(A, 1);
    struct sim_prop *p = sim_props(A, 1);
    if (!a || !t || !p) {
        return NULL;
    }
    char id[37];
    sim_guid(key, id);
    t->type = "Device";
    t->id = m365_arena_strndup(A, id, 36);
    t->name = sim_aprintf(A, "%c%c-LT-%04u", s->tenant.name[0] & ~0x20, s->tenant.name[1] & ~0x20,
                          (unsigned)(key % 9000) + 100);
    prop(&p[0], "Included Updated Properties", NULL, "", false);
    t->props = p;
    t->n_props = 1;
    a->targets = t;
    a->n_targets = 1;
    a->activity = "Update device";
    a->ual_op = "Update device.";
    a->category = "Device";
    a->ual_class = "Device";
    a->object_id = t->id;
    sa_by_app(a, A_SVC_DRS);
    return a;
}

struct sim_cmdlet *sim_cmdlet_new(struct m365_arena *A, const char *op, uint32_t user, uint16_t ip,
                                  unsigned n_params)
{
    struct sim_cmdlet *c = m365_arena_calloc(A, sizeof(*c));
    if (!c) {
        return NULL;
    }
    c->op = op;
    c->user = user;
    c->ip = ip;
    c->port = 0;
    c->app_id = user == SIM_NONE ? NULL : "fb78d390-0c51-40cd-8e17-fdbfab77341b";
    if (n_params) {
        c->params = sim_kvs(A, n_params);
        if (!c->params) {
            return NULL;
        }
        c->n_params = (uint8_t)n_params;
    }
    return c;
}

struct sim_cmdlet *sim_cmdlet_full_access(struct m365_arena *A, uint32_t user, uint16_t ip,
                                          const char *identity, const char *grantee)
{
    struct sim_cmdlet *c = sim_cmdlet_new(A, "Add-MailboxPermission", user, ip, 4);
    if (c) {
        c->params[0] = (struct sim_kv){"Identity", identity};
        c->params[1] = (struct sim_kv){"User", grantee};
        c->params[2] = (struct sim_kv){"AccessRights", "FullAccess"};
        c->params[3] = (struct sim_kv){"InheritanceType", "All"};
    }
    return c;
}

struct sim_ev *sim_cmdlet_ev(struct sim *s, struct sim_ev *e, struct sim_rng *r, int64_t t,
                             struct sim_cmdlet *c)
{
    (void)s;
    if (!e || !c) {
        return NULL;
    }
    e->t = t;
    e->type = EV_CMDLET;
    e->stream = ST_EXO;
    e->user = c->user;
    e->ip = c->ip;
    e->rich = c;
    if (!c->port) {
        c->port = (uint16_t)(49152 + sim_below(r, 16000));
    }
    e->sess = sim_key(r);
    e->rnd = sim_next(r);
    return e;
}
