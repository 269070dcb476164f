/* Snapshot readers: Graph users / userRegistrationDetails pages ({"value":[…]}, plain arrays or
 * JSON Lines) and Exchange Get-Mailbox output (ConvertTo-Json or Export-Csv), told apart by
 * the members of each object, never by file name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/norm.h"
#include "../io/input.h"
#include "../json/json.h"
#include "../readers/csv_rows.h"
#include "snap.h"
#include "snap_util.h"

/* A whole snapshot file is parsed at once: Graph pages are one document. 1 GiB holds several
 * hundred thousand users. */
#define SNAP_MAX_FILE_BYTES (1ull << 30)

/* SKUs whose service plans include M365_ADVANCED_AUDITING (Microsoft's "Product names and
 * service plan identifiers for licensing" list). Only used when assignedPlans is absent. */
static const char *const audit_skus[] = {
    "06ebc4ee-1bb5-47dd-8120-11324bc54e06", /* SPE_E5: Microsoft 365 E5 */
    "cd2925a3-5076-4233-8931-638a8c94f773", /* SPE_E5_NOPSTNCONF */
    "18a4bd3f-0b5b-4887-b04f-61dd0ee15f5e", /* Microsoft 365 E5 (no Teams) */
    "c7df2760-2c81-4ef7-b578-5b5392b571df", /* ENTERPRISEPREMIUM: Office 365 E5 */
    "26d45bd9-adf1-46cd-a9e1-51e9a5524128", /* ENTERPRISEPREMIUM_NOPSTNCONF */
    "184efa21-98c3-4e5d-95ab-d07053a96e67", /* INFORMATION_PROTECTION_COMPLIANCE: M365 E5 Compliance */
};

void m365_snap_db_init(struct m365_snap_db *db)
{
    memset(db, 0, sizeof(*db));
    m365_arena_init(&db->arena, 64 * 1024);
    db->newest = M365_TIME_NONE;
}

void m365_snap_db_free(struct m365_snap_db *db)
{
    free(db->users);
    free(db->regs);
    free(db->mbxs);
    free(db->sps);
    free(db->grants);
    free(db->assigns);
    free(db->apps);
    free(db->dirroles);
    free(db->cas);
    free(db->domains);
    free(db->feds);
    free(db->bypasses);
    free(db->mras);
    free(db->skus);
    free(db->owners);
    m365_arena_free(&db->arena);
    memset(db, 0, sizeof(*db));
}

const char *m365_snapshot_kind_name(enum m365_snapshot_kind k)
{
    switch (k) {
    case M365_SNAP_USERS: return "users";
    case M365_SNAP_REGISTRATION: return "userRegistrationDetails";
    case M365_SNAP_MAILBOXES: return "mailboxes";
    case M365_SNAP_SERVICE_PRINCIPALS: return "servicePrincipals";
    case M365_SNAP_GRANTS: return "oauth2PermissionGrants";
    case M365_SNAP_APP_ROLES: return "appRoleAssignments";
    case M365_SNAP_OTHER: return "other";
    case M365_SNAP_APPLICATIONS: return "applications";
    case M365_SNAP_DIRECTORY_ROLES: return "directoryRoles";
    case M365_SNAP_CA_POLICIES: return "conditionalAccessPolicies";
    case M365_SNAP_DOMAINS: return "domains";
    case M365_SNAP_FEDERATION: return "federationConfiguration";
    case M365_SNAP_AUDIT_BYPASS: return "mailboxAuditBypassAssociation";
    case M365_SNAP_MGMT_ROLES: return "managementRoleAssignments";
    case M365_SNAP_SUBSCRIBED_SKUS: return "subscribedSkus";
    case M365_SNAP_OWNERS: return "owners";
    case M365_SNAP__KINDS:
    case M365_SNAP_NONE: break;
    }
    return "none";
}

void *m365_snap_grow(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) {
        return p;
    }
    size_t nc = *cap ? *cap * 2 : 64;
    void *q = realloc(p, nc * size);
    if (q) {
        *cap = nc;
    }
    return q;
}

void m365_snap_warn(struct m365_snap_db *db, const char *path, uint64_t line, const char *field,
                 const char *msg)
{
    if (db->on_diag) {
        struct m365_diag d = {M365_DIAG_WARNING, M365_E_PARSE, path, line, field, msg};
        db->on_diag(&d, db->diag_user);
    }
}

const char *m365_snap_dup(struct m365_snap_db *db, const char *s, size_t len, bool lower)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }
    if (len == 0) {
        return NULL;
    }
    char *r = m365_arena_strndup(&db->arena, s, len);
    for (char *p = r; lower && p && *p; p++) {
        if (*p >= 'A' && *p <= 'Z') {
            *p = (char)(*p - 'A' + 'a');
        }
    }
    return r;
}

void m365_snap_note_time(struct m365_snap_db *db, int64_t t)
{
    if (t != M365_TIME_NONE && (db->newest == M365_TIME_NONE || t > db->newest)) {
        db->newest = t;
    }
}

/* ISO-8601, Purview-style, or Windows PowerShell 5.1's "/Date(1583000000000)/". */
int64_t m365_snap_parse_time(const char *s, size_t len)
{
    int64_t t;
    if (len > 7 && memcmp(s, "/Date(", 6) == 0) {
        size_t n = 6;
        while (n < len && ((s[n] >= '0' && s[n] <= '9') || (n == 6 && s[n] == '-'))) {
            n++;
        }
        if (m365_parse_i64(s + 6, n - 6, -62135596800000ll, 253402300799000ll, &t) == 0) {
            return t;
        }
        return M365_TIME_NONE;
    }
    return m365_time_parse(s, len, &t) == 0 ? t : M365_TIME_NONE;
}

/* true / false from a JSON bool, "True"/"False" text or 0/1. */
int m365_snap_tri_text(const char *s, size_t len)
{
    if (m365_ieqn(s, len, "true") || m365_ieqn(s, len, "1") || m365_ieqn(s, len, "$true")) {
        return 1;
    }
    if (m365_ieqn(s, len, "false") || m365_ieqn(s, len, "0") || m365_ieqn(s, len, "$false")) {
        return 0;
    }
    return M365_SNAP_UNSET;
}

int m365_snap_jv_tri(struct m365_jv v)
{
    bool b;
    int64_t i;
    const char *s;
    size_t n;
    if (m365_jv_bool(v, &b)) {
        return b;
    }
    if (m365_jv_i64(v, &i)) {
        return i != 0;
    }
    if (m365_jv_str(v, &s, &n)) {
        return tri_text(s, n);
    }
    return M365_SNAP_UNSET;
}

const char *m365_snap_jv_dup(struct m365_snap_db *db, struct m365_jv v, bool lower)
{
    const char *s;
    size_t n;
    return m365_jv_str(v, &s, &n) ? dup_lower(db, s, n, lower) : NULL;
}

int64_t m365_snap_jv_time(struct m365_jv v)
{
    const char *s;
    size_t n;
    return m365_jv_str(v, &s, &n) ? parse_time(s, n) : M365_TIME_NONE;
}

bool m365_snap_jv_is(struct m365_jv v, const char *text)
{
    const char *s;
    size_t n;
    return m365_jv_str(v, &s, &n) && m365_ieqn(s, n, text);
}

bool m365_snap_present(struct m365_jv v)
{
    return m365_jv_type(v) != M365_J_ABSENT;
}

/* Which object an object is, from the members it has. A predicate, so that the scan asks the
 * same of a file's first record before reading it (snap_context.c). */
enum m365_snapshot_kind m365_snap_classify_members(m365_snap_has_fn has, const void *obj)
{
    /* An owners page with the owned object's id added (the page itself does not name it). */
    if ((has(obj, "servicePrincipalId", false) || has(obj, "applicationId", false)) &&
        has(obj, "id", false) &&
        (has(obj, "@odata.type", false) || has(obj, "AdditionalProperties", false))) {
        return M365_SNAP_OWNERS;
    }
    /* users/{id}/licenseDetails has skuId and servicePlans too, but no units or status. */
    if (has(obj, "skuId", false) && has(obj, "servicePlans", false) &&
        (has(obj, "capabilityStatus", false) || has(obj, "consumedUnits", false) ||
         has(obj, "prepaidUnits", false))) {
        return M365_SNAP_SUBSCRIBED_SKUS;
    }
    if (has(obj, "isMfaRegistered", false) || has(obj, "methodsRegistered", false)) {
        return M365_SNAP_REGISTRATION;
    }
    if ((has(obj, "RecipientTypeDetails", false) ||
         has(obj, "AuditEnabled", false)) &&
        (has(obj, "UserPrincipalName", false) ||
         has(obj, "PrimarySmtpAddress", false))) {
        return M365_SNAP_MAILBOXES;
    }
    /* Sign-in records also carry userPrincipalName and userType, never these members. */
    if (has(obj, "userPrincipalName", false) && !has(obj, "ipAddress", false) &&
        (has(obj, "accountEnabled", false) || has(obj, "assignedLicenses", false) ||
         has(obj, "assignedPlans", false) || has(obj, "signInActivity", false))) {
        return M365_SNAP_USERS;
    }
    if (has(obj, "appId", false) &&
        (has(obj, "appOwnerOrganizationId", false) ||
         has(obj, "servicePrincipalType", false))) {
        return M365_SNAP_SERVICE_PRINCIPALS;
    }
    if (has(obj, "clientId", false) && has(obj, "consentType", false) &&
        has(obj, "resourceId", false)) {
        return M365_SNAP_GRANTS;
    }
    if (has(obj, "appRoleId", false) && has(obj, "principalId", false) &&
        has(obj, "resourceId", false)) {
        return M365_SNAP_APP_ROLES;
    }
    /* Applications have no owner tenant or type (service principals do), but what is
     * registered: requiredResourceAccess, identifierUris, web / spa / publicClient. */
    if (has(obj, "appId", false) &&
        (has(obj, "requiredResourceAccess", false) ||
         has(obj, "identifierUris", false) || has(obj, "web", false) ||
         has(obj, "spa", false) || has(obj, "publicClient", false))) {
        return M365_SNAP_APPLICATIONS;
    }
    if (has(obj, "roleTemplateId", false) ||
        (has(obj, "principalId", false) && has(obj, "roleDefinitionId", false))) {
        return M365_SNAP_DIRECTORY_ROLES;
    }
    if (has(obj, "conditions", true) &&
        (has(obj, "grantControls", false) || has(obj, "state", false))) {
        return M365_SNAP_CA_POLICIES;
    }
    if (has(obj, "issuerUri", false) &&
        (has(obj, "signingCertificate", false) ||
         has(obj, "passiveSignInUri", false) ||
         has(obj, "PassiveLogOnUri", false))) {
        return M365_SNAP_FEDERATION;
    }
    /* Graph / Get-MgDomain: authenticationType and isVerified; Get-MsolDomain: Name,
     * Authentication and Status. */
    if ((has(obj, "authenticationType", false) && has(obj, "isVerified", false)) ||
        (has(obj, "Authentication", false) && has(obj, "Status", false) &&
         has(obj, "Name", false))) {
        return M365_SNAP_DOMAINS;
    }
    if (has(obj, "AuditBypassEnabled", false) &&
        (has(obj, "Name", false) || has(obj, "Identity", false))) {
        return M365_SNAP_AUDIT_BYPASS;
    }
    if (has(obj, "Role", false) &&
        (has(obj, "RoleAssigneeName", false) || has(obj, "RoleAssignee", false))) {
        return M365_SNAP_MGMT_ROLES;
    }
    return M365_SNAP_OTHER;
}

static bool has_member(const void *obj, const char *member, bool object)
{
    struct m365_jv v = m365_jv_geti(*(const struct m365_jv *)obj, member);
    return object ? m365_jv_type(v) == M365_J_OBJECT : present(v);
}

static enum m365_snapshot_kind classify(struct m365_jv o)
{
    if (m365_jv_type(o) != M365_J_OBJECT) {
        return M365_SNAP_NONE;
    }
    return m365_snap_classify_members(has_member, &o);
}

bool m365_snap_known_audit_sku(const char *sku)
{
    for (size_t k = 0; sku && k < sizeof(audit_skus) / sizeof(audit_skus[0]); k++) {
        if (strcmp(sku, audit_skus[k]) == 0) {
            return true;
        }
    }
    return false;
}

/* assignedLicenses, kept for the tenant's SKU table (m365_snap_resolve_licences). */
static int user_lics(struct m365_snap_db *db, struct m365_snap_user *u, struct m365_jv lics)
{
    size_t n = m365_jv_type(lics) == M365_J_ARRAY ? m365_jv_count(lics) : 0;
    if (n == 0) {
        return 0;
    }
    u->lics = m365_arena_alloc(&db->arena, n * sizeof(*u->lics));
    if (!u->lics) {
        return -1;
    }
    struct m365_jit it, dit;
    struct m365_jv e, d;
    m365_jv_iter(lics, &it);
    while (m365_jit_next(&it, NULL, NULL, &e) && u->n_lics < n) {
        struct m365_snap_lic *l = &u->lics[u->n_lics++];
        l->sku = jv_dup(db, m365_jv_geti(e, "skuId"), true);
        l->audit_off = false;
        m365_jv_iter(m365_jv_geti(e, "disabledPlans"), &dit);
        while (m365_jit_next(&dit, NULL, NULL, &d)) {
            l->audit_off = l->audit_off || jv_is(d, M365_PLAN_ADVANCED_AUDITING);
        }
    }
    return 0;
}

static void user_audit(struct m365_snap_user *u, struct m365_jv o)
{
    struct m365_jv plans = m365_jv_geti(o, "assignedPlans");
    struct m365_jit it;
    struct m365_jv e;
    if (m365_jv_type(plans) == M365_J_ARRAY) {
        u->audit_from_plans = true;
        u->audit_src = M365_SNAP_SRC_PLANS;
        u->audit = M365_SNAP_AUDIT_NONE;
        u->licensed = m365_jv_count(plans) > 0;
        m365_jv_iter(plans, &it);
        while (m365_jit_next(&it, NULL, NULL, &e)) {
            if (!jv_is(m365_jv_geti(e, "servicePlanId"), M365_PLAN_ADVANCED_AUDITING)) {
                continue;
            }
            /* "Warning" is the grace period after a lapse: the plan still works. */
            struct m365_jv cs = m365_jv_geti(e, "capabilityStatus");
            if (jv_is(cs, "Enabled") || jv_is(cs, "Warning")) {
                u->audit = M365_SNAP_AUDIT_ENABLED;
            } else if (u->audit != M365_SNAP_AUDIT_ENABLED) {
                u->audit = M365_SNAP_AUDIT_DISABLED;
            }
        }
        return;
    }
    struct m365_jv lics = m365_jv_geti(o, "assignedLicenses");
    if (m365_jv_type(lics) != M365_J_ARRAY) {
        return;
    }
    u->audit = M365_SNAP_AUDIT_NONE;
    u->audit_src = M365_SNAP_SRC_KNOWN_SKUS;
    u->licensed = m365_jv_count(lics) > 0;
    m365_jv_iter(lics, &it);
    while (m365_jit_next(&it, NULL, NULL, &e)) {
        bool known = false;
        for (size_t k = 0; k < sizeof(audit_skus) / sizeof(audit_skus[0]); k++) {
            known = known || jv_is(m365_jv_geti(e, "skuId"), audit_skus[k]);
        }
        if (!known) {
            continue;
        }
        bool off = false;
        struct m365_jit dit;
        struct m365_jv d;
        m365_jv_iter(m365_jv_geti(e, "disabledPlans"), &dit);
        while (m365_jit_next(&dit, NULL, NULL, &d)) {
            off = off || jv_is(d, M365_PLAN_ADVANCED_AUDITING);
        }
        if (!off) {
            u->audit = M365_SNAP_AUDIT_ENABLED;
        } else if (u->audit != M365_SNAP_AUDIT_ENABLED) {
            u->audit = M365_SNAP_AUDIT_DISABLED;
        }
    }
}

static int add_user(struct m365_snap_db *db, struct m365_jv o)
{
    struct m365_snap_user *v = grow(db->users, &db->cap_users, db->n_users, sizeof(*v));
    if (!v) {
        return -1;
    }
    db->users = v;
    struct m365_snap_user *u = &v[db->n_users++];
    memset(u, 0, sizeof(*u));
    u->id = jv_dup(db, m365_jv_geti(o, "id"), true);
    u->upn = jv_dup(db, m365_jv_geti(o, "userPrincipalName"), true);
    u->enabled = jv_tri(m365_jv_geti(o, "accountEnabled"));
    u->guest = jv_is(m365_jv_geti(o, "userType"), "Guest");
    u->created = jv_time(m365_jv_geti(o, "createdDateTime"));
    note_time(db, u->created);
    u->last_signin = M365_TIME_NONE;
    struct m365_jv act = m365_jv_geti(o, "signInActivity");
    if (m365_jv_type(act) == M365_J_OBJECT) {
        u->has_activity = true;
        static const char *const keys[] = {"lastSignInDateTime", "lastNonInteractiveSignInDateTime",
                                           "lastSuccessfulSignInDateTime"};
        for (size_t k = 0; k < 3; k++) {
            int64_t t = jv_time(m365_jv_geti(act, keys[k]));
            note_time(db, t);
            if (t != M365_TIME_NONE && (u->last_signin == M365_TIME_NONE || t > u->last_signin)) {
                u->last_signin = t;
            }
        }
    }
    user_audit(u, o);
    return user_lics(db, u, m365_jv_geti(o, "assignedLicenses"));
}

/* Methods that are a second factor; email and security questions only serve password reset. */
static bool mfa_method(struct m365_jv m)
{
    return !(jv_is(m, "email") || jv_is(m, "securityQuestion") || jv_is(m, "none") ||
             jv_is(m, "password") || m365_jv_type(m) != M365_J_STRING);
}

static int add_reg(struct m365_snap_db *db, struct m365_jv o)
{
    struct m365_snap_reg *v = grow(db->regs, &db->cap_regs, db->n_regs, sizeof(*v));
    if (!v) {
        return -1;
    }
    db->regs = v;
    struct m365_snap_reg *r = &v[db->n_regs++];
    memset(r, 0, sizeof(*r));
    r->id = jv_dup(db, m365_jv_geti(o, "id"), true);
    r->upn = jv_dup(db, m365_jv_geti(o, "userPrincipalName"), true);
    r->is_admin = jv_tri(m365_jv_geti(o, "isAdmin"));
    r->guest = jv_is(m365_jv_geti(o, "userType"), "guest");
    r->mfa_registered = jv_tri(m365_jv_geti(o, "isMfaRegistered"));
    struct m365_jv methods = m365_jv_geti(o, "methodsRegistered");
    if (r->mfa_registered == M365_SNAP_UNSET && m365_jv_type(methods) == M365_J_ARRAY) {
        r->mfa_registered = 0;
        struct m365_jit it;
        struct m365_jv m;
        m365_jv_iter(methods, &it);
        while (m365_jit_next(&it, NULL, NULL, &m)) {
            r->mfa_registered = r->mfa_registered || mfa_method(m);
        }
    }
    note_time(db, jv_time(m365_jv_geti(o, "lastUpdatedDateTime")));
    return 0;
}

static void creds_from(struct m365_snap_db *db, struct m365_snap_cred *v, size_t *n,
                       struct m365_jv arr, bool is_key)
{
    struct m365_jit it;
    struct m365_jv e;
    m365_jv_iter(arr, &it);
    while (m365_jit_next(&it, NULL, NULL, &e)) {
        if (m365_jv_type(e) != M365_J_OBJECT) {
            continue;
        }
        struct m365_snap_cred *c = &v[(*n)++];
        c->is_key = is_key;
        c->name = jv_dup(db, m365_jv_geti(e, "displayName"), false);
        c->type = jv_dup(db, m365_jv_geti(e, "type"), false);
        c->usage = jv_dup(db, m365_jv_geti(e, "usage"), false);
        c->key_id = jv_dup(db, m365_jv_geti(e, "keyId"), true);
        /* Not snapshot times: the newest credential would always look "recent". */
        c->start = jv_time(m365_jv_geti(e, "startDateTime"));
        c->end = jv_time(m365_jv_geti(e, "endDateTime"));
    }
}

int m365_snap_add_creds(struct m365_snap_db *db, struct m365_jv keys, struct m365_jv pwds,
                        struct m365_snap_cred **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    size_t n = (m365_jv_type(keys) == M365_J_ARRAY ? m365_jv_count(keys) : 0) +
               (m365_jv_type(pwds) == M365_J_ARRAY ? m365_jv_count(pwds) : 0);
    if (n == 0) {
        return 0;
    }
    struct m365_snap_cred *v = m365_arena_alloc(&db->arena, n * sizeof(*v));
    if (!v) {
        return -1;
    }
    memset(v, 0, n * sizeof(*v));
    creds_from(db, v, n_out, keys, true);
    creds_from(db, v, n_out, pwds, false);
    *out = v;
    return 0;
}

static int add_sp(struct m365_snap_db *db, struct m365_jv o)
{
    struct m365_snap_sp *v = grow(db->sps, &db->cap_sps, db->n_sps, sizeof(*v));
    if (!v) {
        return -1;
    }
    db->sps = v;
    struct m365_snap_sp *sp = &v[db->n_sps++];
    memset(sp, 0, sizeof(*sp));
    sp->id = jv_dup(db, m365_jv_geti(o, "id"), true);
    sp->app_id = jv_dup(db, m365_jv_geti(o, "appId"), true);
    sp->name = jv_dup(db, m365_jv_geti(o, "displayName"), false);
    if (!sp->name) {
        sp->name = jv_dup(db, m365_jv_geti(o, "appDisplayName"), false);
    }
    sp->owner = jv_dup(db, m365_jv_geti(o, "appOwnerOrganizationId"), true);
    sp->type = jv_dup(db, m365_jv_geti(o, "servicePrincipalType"), false);
    if (m365_snap_add_creds(db, m365_jv_geti(o, "keyCredentials"),
                            m365_jv_geti(o, "passwordCredentials"), &sp->creds,
                            &sp->n_creds) != 0) {
        return -1;
    }
    struct m365_jv urls = m365_jv_geti(o, "replyUrls");
    sp->n_reply_urls = m365_jv_type(urls) == M365_J_ARRAY ? m365_jv_count(urls) : 0;
    size_t bad;
    return m365_snap_add_owners_of(db, m365_jv_geti(o, "owners"), sp->id, false, &bad);
}

static int add_grant(struct m365_snap_db *db, struct m365_jv o)
{
    struct m365_snap_grant *v = grow(db->grants, &db->cap_grants, db->n_grants, sizeof(*v));
    if (!v) {
        return -1;
    }
    db->grants = v;
    struct m365_snap_grant *g = &v[db->n_grants++];
    g->client = jv_dup(db, m365_jv_geti(o, "clientId"), true);
    g->consent = jv_dup(db, m365_jv_geti(o, "consentType"), false);
    g->principal = jv_dup(db, m365_jv_geti(o, "principalId"), true);
    g->resource = jv_dup(db, m365_jv_geti(o, "resourceId"), true);
    g->scope = jv_dup(db, m365_jv_geti(o, "scope"), false);
    return 0;
}

static int add_assign(struct m365_snap_db *db, struct m365_jv o)
{
    struct m365_snap_assign *v = grow(db->assigns, &db->cap_assigns, db->n_assigns, sizeof(*v));
    if (!v) {
        return -1;
    }
    db->assigns = v;
    struct m365_snap_assign *a = &v[db->n_assigns++];
    a->id = jv_dup(db, m365_jv_geti(o, "id"), true);
    a->principal = jv_dup(db, m365_jv_geti(o, "principalId"), true);
    a->principal_type = jv_dup(db, m365_jv_geti(o, "principalType"), false);
    a->resource = jv_dup(db, m365_jv_geti(o, "resourceId"), true);
    a->resource_name = jv_dup(db, m365_jv_geti(o, "resourceDisplayName"), false);
    a->role_id = jv_dup(db, m365_jv_geti(o, "appRoleId"), true);
    a->role_value = jv_dup(db, m365_jv_geti(o, "appRoleValue"), false);
    note_time(db, jv_time(m365_jv_geti(o, "createdDateTime")));
    return 0;
}

/* Get-Mailbox values, whatever carried them (JSON members or CSV cells). */
struct mbx_raw {
    const char *upn, *smtp, *ext, *type, *audit, *bypass, *created, *name, *exo;
    size_t upn_n, smtp_n, ext_n, type_n, audit_n, bypass_n, created_n, name_n, exo_n;
    const char *fwd_smtp, *fwd_rcpt, *fwd_keep;
    size_t fwd_smtp_n, fwd_rcpt_n, fwd_keep_n;
    bool fwd_column; /* ForwardingSmtpAddress was exported (possibly empty) */
    struct m365_snap_mbx_lists lists; /* AuditAdmin, AuditDelegate, AuditOwner, DefaultAuditSet */
};

static bool no_signin_type(const char *s, size_t n)
{
    return m365_ieqn(s, n, "SharedMailbox") || m365_ieqn(s, n, "RoomMailbox") ||
           m365_ieqn(s, n, "EquipmentMailbox") || m365_ieqn(s, n, "SchedulingMailbox") ||
           m365_ieqn(s, n, "4") || m365_ieqn(s, n, "16") || m365_ieqn(s, n, "32");
}

static int add_mbx(struct m365_snap_db *db, const struct mbx_raw *m)
{
    struct m365_snap_mbx *v = grow(db->mbxs, &db->cap_mbxs, db->n_mbxs, sizeof(*v));
    if (!v) {
        return -1;
    }
    db->mbxs = v;
    struct m365_snap_mbx *x = &v[db->n_mbxs++];
    memset(x, 0, sizeof(*x));
    x->upn = m->upn ? dup_lower(db, m->upn, m->upn_n, true) : NULL;
    if (!x->upn && m->smtp) {
        x->upn = dup_lower(db, m->smtp, m->smtp_n, true);
    }
    x->ext_id = m->ext ? dup_lower(db, m->ext, m->ext_n, true) : NULL;
    x->type = m->type ? dup_lower(db, m->type, m->type_n, false) : NULL;
    x->no_signin = m->type && no_signin_type(m->type, m->type_n);
    x->audit_enabled = m->audit ? tri_text(m->audit, m->audit_n) : M365_SNAP_UNSET;
    x->audit_bypass = m->bypass ? tri_text(m->bypass, m->bypass_n) : M365_SNAP_UNSET;
    x->created = m->created ? parse_time(m->created, m->created_n) : M365_TIME_NONE;
    note_time(db, x->created);
    x->name = m->name ? dup_lower(db, m->name, m->name_n, true) : NULL;
    x->exo_id = m->exo ? dup_lower(db, m->exo, m->exo_n, true) : NULL;
    const char *f = m->fwd_smtp;
    size_t fn = m->fwd_smtp_n;
    if (f && fn > 5 && m365_ieqn(f, 5, "smtp:")) {
        f += 5;
        fn -= 5;
    }
    x->fwd_smtp = f && fn ? dup_lower(db, f, fn, true) : NULL;
    x->fwd_recipient = m->fwd_rcpt && m->fwd_rcpt_n ? dup_lower(db, m->fwd_rcpt, m->fwd_rcpt_n, false)
                                                    : NULL;
    x->fwd_keep_copy = m->fwd_keep ? tri_text(m->fwd_keep, m->fwd_keep_n) : M365_SNAP_UNSET;
    db->fwd_exported |= m->fwd_column;
    return m365_snap_mia_removed(db, &m->lists, &x->mia_removed, &x->mia_reason);
}

/* A member's value as text: strings as they are, booleans and numbers spelt out,
 * {"Value": …} (enums in some PowerShell serialisations) unwrapped. */
void m365_snap_jv_text(struct m365_jv v, const char **s, size_t *n, char *tmp, size_t tmpsz)
{
    *s = NULL;
    *n = 0;
    if (m365_jv_type(v) == M365_J_OBJECT) {
        struct m365_jv in = m365_jv_geti(v, "Value");
        v = present(in) ? in : m365_jv_geti(v, "Name");
    }
    bool b;
    int64_t i;
    if (m365_jv_str(v, s, n)) {
        return;
    }
    if (m365_jv_bool(v, &b)) {
        *s = b ? "true" : "false";
        *n = strlen(*s);
    } else if (tmpsz > 0 && m365_jv_i64(v, &i)) {
        /* Enum values as numbers (RecipientTypeDetails 4 = SharedMailbox). */
        int k = snprintf(tmp, tmpsz, "%lld", (long long)i);
        if (k > 0 && (size_t)k < tmpsz) {
            *s = tmp;
            *n = (size_t)k;
        }
    }
}

static int add_mbx_json(struct m365_snap_db *db, struct m365_jv o)
{
    struct mbx_raw m;
    memset(&m, 0, sizeof(m));
    char t1[24], t2[24], t3[24], t4[24];
    jv_text(m365_jv_geti(o, "UserPrincipalName"), &m.upn, &m.upn_n, t1, 0);
    jv_text(m365_jv_geti(o, "PrimarySmtpAddress"), &m.smtp, &m.smtp_n, t1, 0);
    jv_text(m365_jv_geti(o, "ExternalDirectoryObjectId"), &m.ext, &m.ext_n, t1, 0);
    jv_text(m365_jv_geti(o, "RecipientTypeDetails"), &m.type, &m.type_n, t1, sizeof(t1));
    jv_text(m365_jv_geti(o, "AuditEnabled"), &m.audit, &m.audit_n, t2, sizeof(t2));
    jv_text(m365_jv_geti(o, "AuditBypassEnabled"), &m.bypass, &m.bypass_n, t3, sizeof(t3));
    struct m365_jv c = m365_jv_geti(o, "WhenCreatedUTC");
    jv_text(present(c) ? c : m365_jv_geti(o, "WhenCreated"), &m.created, &m.created_n, t4, sizeof(t4));
    jv_text(m365_jv_geti(o, "Name"), &m.name, &m.name_n, t1, 0);
    struct m365_jv x = m365_jv_geti(o, "ExchangeObjectId");
    jv_text(present(x) ? x : m365_jv_geti(o, "Guid"), &m.exo, &m.exo_n, t1, 0);
    struct m365_jv fs = m365_jv_geti(o, "ForwardingSmtpAddress");
    m.fwd_column = present(fs);
    jv_text(fs, &m.fwd_smtp, &m.fwd_smtp_n, t1, 0);
    jv_text(m365_jv_geti(o, "ForwardingAddress"), &m.fwd_rcpt, &m.fwd_rcpt_n, t1, 0);
    char t5[24];
    jv_text(m365_jv_geti(o, "DeliverToMailboxAndForward"), &m.fwd_keep, &m.fwd_keep_n, t5,
            sizeof(t5));
    for (int k = 0; k < 3; k++) {
        m.lists.has_mia[k] = m365_snap_list_has(m365_jv_geti(o, m365_snap_audit_list_name(k)),
                                                NULL, 0, "MailItemsAccessed");
    }
    struct m365_jv ds = m365_jv_geti(o, "DefaultAuditSet");
    m365_snap_default_set(&m.lists, ds, NULL, 0,
                          present(ds) && m365_jv_type(ds) != M365_J_NULL);
    return add_mbx(db, &m);
}

struct counts {
    uint64_t by_kind[M365_SNAP__KINDS];
    bool ca_page; /* a Conditional Access policies page, possibly empty */
};

/* One object (or a Graph page, whose value array holds the objects). */
static int take(struct m365_snap_db *db, struct m365_jv o, struct counts *c,
                struct m365_snapshot_file *st, uint64_t line, bool page_ok,
                const char *page_domain)
{
    struct m365_jv value = m365_jv_geti(o, "value");
    if (page_ok && m365_jv_type(value) == M365_J_ARRAY) {
        const char *ctx;
        size_t ctx_n;
        if (m365_jv_str(m365_jv_geti(o, "@odata.context"), &ctx, &ctx_n) && ctx_n < 4096) {
            char tmp[4096];
            memcpy(tmp, ctx, ctx_n);
            tmp[ctx_n] = 0;
            if (m365_icontains(tmp, "conditionalAccess/policies")) {
                c->ca_page = true; /* an empty list still says "no policies" */
                db->ca_loaded = true;
            }
        }
        const char *dom = m365_snap_context_domain(db, o);
        struct m365_jit it;
        struct m365_jv e;
        m365_jv_iter(value, &it);
        while (m365_jit_next(&it, NULL, NULL, &e)) {
            if (take(db, e, c, st, line, false, dom) != 0) {
                return -1;
            }
        }
        return 0;
    }
    st->records++;
    enum m365_snapshot_kind k = classify(o);
    size_t owners_bad = db->owners_bad;
    int rc = 0;
    struct m365_snap_why why = {NULL, NULL};
    struct m365_snap_rec rec = {o, NULL, NULL, 0};
    switch (k) {
    case M365_SNAP_USERS: rc = add_user(db, o); break;
    case M365_SNAP_REGISTRATION: rc = add_reg(db, o); break;
    case M365_SNAP_MAILBOXES: rc = add_mbx_json(db, o); break;
    case M365_SNAP_SERVICE_PRINCIPALS: rc = add_sp(db, o); break;
    case M365_SNAP_GRANTS: rc = add_grant(db, o); break;
    case M365_SNAP_APP_ROLES: rc = add_assign(db, o); break;
    case M365_SNAP_APPLICATIONS: rc = m365_snap_add_app(db, o, &why); break;
    case M365_SNAP_DIRECTORY_ROLES: rc = m365_snap_add_dirrole(db, o, &why); break;
    case M365_SNAP_CA_POLICIES: rc = m365_snap_add_ca(db, o, &why); break;
    case M365_SNAP_DOMAINS: rc = m365_snap_add_domain(db, o, &why); break;
    case M365_SNAP_FEDERATION:
        rc = m365_snap_add_fed(db, o, page_domain ? page_domain : m365_snap_context_domain(db, o),
                               &why);
        break;
    case M365_SNAP_AUDIT_BYPASS: rc = m365_snap_add_bypass(db, &rec, &why); break;
    case M365_SNAP_MGMT_ROLES: rc = m365_snap_add_mra(db, &rec, &why); break;
    case M365_SNAP_SUBSCRIBED_SKUS: rc = m365_snap_add_sku(db, o, &why); break;
    case M365_SNAP_OWNERS: {
        struct m365_jv sp = m365_jv_geti(o, "servicePrincipalId");
        const char *of = jv_dup(db, present(sp) ? sp : m365_jv_geti(o, "applicationId"), true);
        if (!of) {
            why = (struct m365_snap_why){present(sp) ? "servicePrincipalId" : "applicationId",
                                         "owner without the owned object's id"};
            rc = 1;
        } else {
            rc = m365_snap_add_owner(db, o, of, !present(sp), &why);
        }
        break;
    }
    case M365_SNAP_OTHER: break;
    case M365_SNAP__KINDS:
    case M365_SNAP_NONE:
        st->skipped++;
        warn(db, st->path, line, NULL, "not a JSON object");
        return 0;
    }
    if (rc > 0) {
        st->skipped++;
        warn(db, st->path, line, why.field, why.msg ? why.msg : "object not usable");
        return 0;
    }
    if (rc == 0 && db->owners_bad > owners_bad) {
        /* $expand=owners: the object is read, its unusable owners are left out. */
        warn(db, st->path, line, "owners", "owner without an id left out");
    }
    c->by_kind[k]++;
    return rc;
}

static enum m365_status read_json(struct m365_snap_db *db, struct m365_input *in,
                                  const struct m365_limits *lim, struct m365_snapshot_file *st,
                                  struct counts *c)
{
    struct m365_buf b;
    m365_buf_init(&b, SNAP_MAX_FILE_BYTES + M365_JSON_PADDING);
    for (;;) {
        if (m365_buf_reserve(&b, 1 << 20) != 0) {
            m365_buf_free(&b);
            st->error = "file larger than 1 GiB";
            return M365_OK;
        }
        size_t n = m365_input_read(in, b.data + b.len, b.cap - b.len);
        if (n == 0) {
            break;
        }
        b.len += n;
    }
    if (m365_buf_reserve(&b, M365_JSON_PADDING) != 0) {
        m365_buf_free(&b);
        st->error = "out of memory";
        return M365_E_NOMEM;
    }
    memset(b.data + b.len, 0, M365_JSON_PADDING);
    uint32_t depth = lim->max_json_depth ? lim->max_json_depth : M365_DEFAULT_MAX_JSON_DEPTH;
    struct m365_json *j = m365_json_new(b.len, depth);
    if (!j) {
        m365_buf_free(&b);
        st->error = "out of memory";
        return M365_E_NOMEM;
    }
    struct m365_jv root;
    const char *err = NULL;
    int rc = 0;
    if (m365_json_parse(j, b.data, b.len, true, &root, &err) == 0) {
        st->format = m365_jv_type(root) == M365_J_ARRAY ? "json-array"
                     : m365_jv_type(m365_jv_geti(root, "value")) == M365_J_ARRAY ? "graph-page"
                                                                                : "json-object";
        if (m365_jv_type(root) == M365_J_ARRAY) {
            struct m365_jit it;
            struct m365_jv e;
            m365_jv_iter(root, &it);
            while (rc == 0 && m365_jit_next(&it, NULL, NULL, &e)) {
                rc = take(db, e, c, st, 0, true, NULL);
            }
        } else {
            rc = take(db, root, c, st, 1, true, NULL);
        }
    } else {
        /* Not one document: JSON Lines (of objects or of whole pages). */
        st->format = "jsonl";
        uint64_t line = 0;
        size_t pos = 0;
        while (rc == 0 && pos < b.len) {
            char *nl = memchr(b.data + pos, '\n', b.len - pos);
            size_t end = nl ? (size_t)(nl - b.data) : b.len;
            line++;
            size_t s = pos;
            while (s < end && (b.data[s] == ' ' || b.data[s] == '\t' || b.data[s] == '\r')) {
                s++;
            }
            if (s < end) {
                m365_json_reset(j);
                if (m365_json_parse(j, b.data + s, end - s, false, &root, &err) == 0) {
                    rc = take(db, root, c, st, line, true, NULL);
                } else {
                    st->records++;
                    st->skipped++;
                    if (st->skipped <= 50) { /* a truncated pretty-printed file fails every line */
                        warn(db, st->path, line, NULL, err ? err : "invalid JSON");
                    }
                }
            }
            pos = end + 1;
        }
    }
    m365_json_free(j);
    m365_buf_free(&b);
    return rc == 0 ? M365_OK : M365_E_NOMEM;
}

bool m365_snap_rec_has(const struct m365_snap_rec *r, const char *name)
{
    if (!r->row) {
        return present(m365_jv_geti(r->o, name));
    }
    for (size_t i = 0; i < r->n_head; i++) {
        if (m365_csv_header_is(r->head[i].s, r->head[i].len, name)) {
            return true;
        }
    }
    return false;
}

void m365_snap_rec_get(const struct m365_snap_rec *r, const char *name, const char **s, size_t *n,
                       char *tmp, size_t tmpsz)
{
    *s = NULL;
    *n = 0;
    if (!r->row) {
        jv_text(m365_jv_geti(r->o, name), s, n, tmp, tmpsz);
        if (*s && *n == 0) {
            *s = NULL;
        }
        return;
    }
    for (size_t i = 0; i < r->n_head && i < r->row->n; i++) {
        if (m365_csv_header_is(r->head[i].s, r->head[i].len, name)) {
            if (r->row->fields[i].len > 0) {
                *s = r->row->fields[i].s;
                *n = r->row->fields[i].len;
            }
            return;
        }
    }
}

/* The header cells, kept (the row's storage is reused). */
struct csv_head {
    struct m365_csv_field *cells;
    size_t n;
};

static int head_keep(struct m365_snap_db *db, struct csv_head *h, const struct m365_csv_row *row)
{
    h->cells = calloc(row->n ? row->n : 1, sizeof(*h->cells));
    if (!h->cells) {
        return -1;
    }
    for (size_t i = 0; i < row->n; i++) {
        char *c = m365_arena_strndup(&db->arena, row->fields[i].s, row->fields[i].len);
        if (!c) {
            return -1;
        }
        h->cells[i].s = c;
        h->cells[i].len = row->fields[i].len;
    }
    h->n = row->n;
    return 0;
}

static bool head_has(const struct csv_head *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++) {
        if (m365_csv_header_is(h->cells[i].s, h->cells[i].len, name)) {
            return true;
        }
    }
    return false;
}

/* Export-Csv of Get-Mailbox, Get-MailboxAuditBypassAssociation or Get-ManagementRoleAssignment:
 * an optional "#TYPE" line, a header row, one row per object. Which cmdlet wrote it comes from
 * the header. */
static enum m365_status read_csv(struct m365_snap_db *db, struct m365_input *in,
                                 const struct m365_limits *lim, struct m365_snapshot_file *st,
                                 struct counts *c)
{
    struct m365_csv_rows *rows = m365_csv_rows_new(in, lim->max_record_bytes);
    if (!rows) {
        return M365_E_NOMEM;
    }
    m365_csv_rows_find_sep(rows, true);
    struct csv_head head = {NULL, 0};
    enum m365_snapshot_kind kind = M365_SNAP_NONE;
    bool warned_typed = false;
    struct m365_csv_row row;
    enum m365_status rs;
    enum m365_status out = M365_OK;
    st->format = "csv";
    while ((rs = m365_csv_rows_next(rows, &row)) != M365_E_EOF) {
        if (rs == M365_E_NOMEM) {
            out = M365_E_NOMEM;
            break;
        }
        if (rs != M365_OK) {
            st->records++;
            st->skipped++;
            warn(db, st->path, row.line, NULL, row.why ? row.why : "row skipped");
            continue;
        }
        if (kind == M365_SNAP_NONE) {
            if (row.n > 0 && row.fields[0].len > 0 && row.fields[0].s[0] == '#') {
                continue; /* PowerShell's #TYPE line */
            }
            if (head_keep(db, &head, &row) != 0) {
                out = M365_E_NOMEM;
                break;
            }
            if ((head_has(&head, "UserPrincipalName") || head_has(&head, "PrimarySmtpAddress")) &&
                (head_has(&head, "RecipientTypeDetails") || head_has(&head, "AuditEnabled"))) {
                kind = M365_SNAP_MAILBOXES;
            } else if (head_has(&head, "AuditBypassEnabled") &&
                       (head_has(&head, "Name") || head_has(&head, "Identity"))) {
                kind = M365_SNAP_AUDIT_BYPASS;
            } else if (head_has(&head, "Role") && (head_has(&head, "RoleAssigneeName") ||
                                                   head_has(&head, "RoleAssignee"))) {
                kind = M365_SNAP_MGMT_ROLES;
            } else {
                st->error = "CSV without the columns of Get-Mailbox (UserPrincipalName or "
                            "PrimarySmtpAddress, RecipientTypeDetails or AuditEnabled), "
                            "Get-MailboxAuditBypassAssociation (Name, AuditBypassEnabled) or "
                            "Get-ManagementRoleAssignment (Role, RoleAssigneeName)";
                break;
            }
            continue;
        }
        st->records++;
        struct m365_snap_rec rec = {m365_jv_none(), &row, head.cells, head.n};
        struct m365_snap_why why = {NULL, NULL};
        int rc;
        if (kind == M365_SNAP_MAILBOXES) {
            struct mbx_raw m;
            memset(&m, 0, sizeof(m));
            m365_snap_rec_get(&rec, "UserPrincipalName", &m.upn, &m.upn_n, NULL, 0);
            m365_snap_rec_get(&rec, "PrimarySmtpAddress", &m.smtp, &m.smtp_n, NULL, 0);
            m365_snap_rec_get(&rec, "ExternalDirectoryObjectId", &m.ext, &m.ext_n, NULL, 0);
            m365_snap_rec_get(&rec, "RecipientTypeDetails", &m.type, &m.type_n, NULL, 0);
            m365_snap_rec_get(&rec, "AuditEnabled", &m.audit, &m.audit_n, NULL, 0);
            m365_snap_rec_get(&rec, "AuditBypassEnabled", &m.bypass, &m.bypass_n, NULL, 0);
            m365_snap_rec_get(&rec, "WhenCreatedUTC", &m.created, &m.created_n, NULL, 0);
            if (!m.created) {
                m365_snap_rec_get(&rec, "WhenCreated", &m.created, &m.created_n, NULL, 0);
            }
            m365_snap_rec_get(&rec, "Name", &m.name, &m.name_n, NULL, 0);
            m.fwd_column = m365_snap_rec_has(&rec, "ForwardingSmtpAddress");
            m365_snap_rec_get(&rec, "ForwardingSmtpAddress", &m.fwd_smtp, &m.fwd_smtp_n, NULL, 0);
            m365_snap_rec_get(&rec, "ForwardingAddress", &m.fwd_rcpt, &m.fwd_rcpt_n, NULL, 0);
            m365_snap_rec_get(&rec, "DeliverToMailboxAndForward", &m.fwd_keep, &m.fwd_keep_n,
                              NULL, 0);
            m365_snap_rec_get(&rec, "ExchangeObjectId", &m.exo, &m.exo_n, NULL, 0);
            if (!m.exo) {
                m365_snap_rec_get(&rec, "Guid", &m.exo, &m.exo_n, NULL, 0);
            }
            for (int k = 0; k < 3; k++) {
                const char *ls;
                size_t ln;
                const char *col = m365_snap_audit_list_name(k);
                m365_snap_rec_get(&rec, col, &ls, &ln, NULL, 0);
                /* An empty cell under the column: the list was exported and is empty. */
                m.lists.has_mia[k] = ls ? m365_snap_list_has(m365_jv_none(), ls, ln,
                                                             "MailItemsAccessed")
                                     : head_has(&head, col) ? 0
                                                            : M365_SNAP_UNSET;
            }
            {
                const char *ds;
                size_t dn;
                m365_snap_rec_get(&rec, "DefaultAuditSet", &ds, &dn, NULL, 0);
                bool typed = ds && m365_snap_type_name(ds, dn);
                for (int k = 0; k < 3 && !typed; k++) {
                    const char *ls;
                    size_t ln;
                    m365_snap_rec_get(&rec, m365_snap_audit_list_name(k), &ls, &ln, NULL, 0);
                    typed = ls && m365_snap_type_name(ls, ln);
                }
                if (typed && !warned_typed) { /* once per file */
                    warned_typed = true;
                    warn(db, st->path, row.line, "AuditOwner",
                         "audit lists exported as a type name, not their values: not judged "
                         "(join them: @{n='AuditOwner'; e={$_.AuditOwner -join ' '}})");
                }
                m365_snap_default_set(&m.lists, m365_jv_none(), ds ? ds : "", ds ? dn : 0,
                                      head_has(&head, "DefaultAuditSet"));
            }
            if (!m.upn && !m.smtp) {
                why = (struct m365_snap_why){"UserPrincipalName", "mailbox without an address"};
                rc = 1;
            } else {
                rc = add_mbx(db, &m);
            }
        } else if (kind == M365_SNAP_AUDIT_BYPASS) {
            rc = m365_snap_add_bypass(db, &rec, &why);
        } else {
            rc = m365_snap_add_mra(db, &rec, &why);
        }
        if (rc < 0) {
            out = M365_E_NOMEM;
            break;
        }
        if (rc > 0) {
            st->skipped++;
            warn(db, st->path, row.line, why.field, why.msg ? why.msg : "row not usable");
            continue;
        }
        c->by_kind[kind]++;
    }
    if (kind == M365_SNAP_NONE && !st->error) {
        st->error = "not JSON and no CSV header row";
    }
    free(head.cells);
    m365_csv_rows_free(rows);
    return out;
}

enum m365_status m365_snap_read_file(struct m365_snap_db *db, const char *path,
                                     const struct m365_limits *lim,
                                     struct m365_snapshot_file *st)
{
    const char *err = NULL;
    return m365_snap_read_input(db, m365_input_open(path, lim, 0, &err), err, path, lim, st);
}

enum m365_status m365_snap_read_input(struct m365_snap_db *db, struct m365_input *in,
                                      const char *err, const char *path,
                                      const struct m365_limits *lim,
                                      struct m365_snapshot_file *st)
{
    memset(st, 0, sizeof(*st));
    st->path = path;
    if (!in) {
        st->error = m365_arena_strndup(&db->arena, err ? err : "cannot open",
                                       strlen(err ? err : "cannot open"));
        return st->error ? M365_OK : M365_E_NOMEM;
    }
    const char *peek = NULL;
    size_t plen = 0;
    if (m365_input_peek(in, &peek, &plen) != 0) {
        plen = 0;
    }
    size_t i = 0;
    while (i < plen && (peek[i] == ' ' || peek[i] == '\t' || peek[i] == '\r' || peek[i] == '\n')) {
        i++;
    }
    struct counts c;
    memset(&c, 0, sizeof(c));
    enum m365_status rc;
    if (i == plen) {
        st->error = "empty";
        rc = M365_OK;
    } else if (peek[i] == '{' || peek[i] == '[') {
        rc = read_json(db, in, lim, st, &c);
    } else {
        rc = read_csv(db, in, lim, st, &c);
    }
    enum m365_status ist;
    const char *ierr = m365_input_error(in, &ist);
    if (ierr && !st->error) {
        st->error = m365_arena_strndup(&db->arena, ierr, strlen(ierr)); /* in dies below */
    }
    m365_input_close(in);
    /* The file's kind: the kind most of its objects have. */
    uint64_t best = 0;
    for (int k = M365_SNAP_USERS; k < M365_SNAP__KINDS; k++) {
        if (k != M365_SNAP_OTHER && c.by_kind[k] > best) {
            best = c.by_kind[k];
            st->kind = (enum m365_snapshot_kind)k;
        }
    }
    if (st->kind == M365_SNAP_NONE && c.ca_page) {
        st->kind = M365_SNAP_CA_POLICIES; /* a tenant without policies: an empty page */
    }
    if (st->kind == M365_SNAP_NONE && c.by_kind[M365_SNAP_OTHER] > 0) {
        st->kind = M365_SNAP_OTHER;
    }
    if (st->kind == M365_SNAP_NONE && !st->error) {
        st->error = "no snapshot objects (users, userRegistrationDetails, mailboxes, "
                    "servicePrincipals, applications, grants, role assignments, Conditional "
                    "Access policies, domains, audit bypass or management role assignments)";
    }
    return rc;
}
