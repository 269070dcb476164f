/* Snapshot readers for the tenant's configuration: Graph applications, directory roles
 * (directoryRoles?$expand=members, roleManagement/directory/roleAssignments), Conditional Access
 * policies, domains and their federation configuration (with the signing certificates decoded),
 * and Exchange Get-MailboxAuditBypassAssociation / Get-ManagementRoleAssignment objects (JSON or
 * CSV rows). Classification is snap_read.c's; here each object becomes a database entry. */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/norm.h"
#include "snap_util.h"

/* Graph ids and names are compared lower-cased. */
static const char *rec_dup(struct m365_snap_db *db, const struct m365_snap_rec *r,
                           const char *name, bool lower)
{
    const char *s;
    size_t n;
    char tmp[32];
    m365_snap_rec_get(r, name, &s, &n, tmp, sizeof(tmp));
    return s ? dup_lower(db, s, n, lower) : NULL;
}

static int rec_tri(const struct m365_snap_rec *r, const char *name)
{
    const char *s;
    size_t n;
    char tmp[32];
    m365_snap_rec_get(r, name, &s, &n, tmp, sizeof(tmp));
    return s ? tri_text(s, n) : M365_SNAP_UNSET;
}

/* How many elements an array member has (0 when it is not an array). */
static size_t arr_count(struct m365_jv v)
{
    return m365_jv_type(v) == M365_J_ARRAY ? m365_jv_count(v) : 0;
}

static bool arr_has(struct m365_jv arr, const char *text)
{
    struct m365_jit it;
    struct m365_jv e;
    m365_jv_iter(arr, &it);
    while (m365_jit_next(&it, NULL, NULL, &e)) {
        if (jv_is(e, text)) {
            return true;
        }
    }
    return false;
}

/* --- applications ------------------------------------------------------------------------- */

int m365_snap_add_app(struct m365_snap_db *db, struct m365_jv o, struct m365_snap_why *why)
{
    const char *app_id = jv_dup(db, m365_jv_geti(o, "appId"), true);
    if (!app_id) {
        *why = (struct m365_snap_why){"appId", "application without an appId"};
        return 1;
    }
    struct m365_snap_app *v = grow(db->apps, &db->cap_apps, db->n_apps, sizeof(*v));
    if (!v) {
        return -1;
    }
    db->apps = v;
    struct m365_snap_app *a = &v[db->n_apps++];
    memset(a, 0, sizeof(*a));
    a->app_id = app_id;
    a->id = jv_dup(db, m365_jv_geti(o, "id"), true);
    a->name = jv_dup(db, m365_jv_geti(o, "displayName"), false);
    a->audience = jv_dup(db, m365_jv_geti(o, "signInAudience"), false);
    a->created = jv_time(m365_jv_geti(o, "createdDateTime"));
    note_time(db, a->created);
    if (m365_snap_add_creds(db, m365_jv_geti(o, "keyCredentials"),
                            m365_jv_geti(o, "passwordCredentials"), &a->creds, &a->n_creds) != 0) {
        return -1;
    }
    static const char *const clients[] = {"web", "spa", "publicClient"};
    for (size_t k = 0; k < 3; k++) {
        a->n_redirect_uris += arr_count(m365_jv_geti(m365_jv_geti(o, clients[k]), "redirectUris"));
    }
    a->n_identifier_uris = arr_count(m365_jv_geti(o, "identifierUris"));
    /* requiredResourceAccess: [{resourceAppId, resourceAccess: [{id, type Role|Scope}]}] */
    struct m365_jv rra = m365_jv_geti(o, "requiredResourceAccess");
    size_t n_roles = 0;
    struct m365_jit it, it2;
    struct m365_jv e, ra;
    m365_jv_iter(rra, &it);
    while (m365_jit_next(&it, NULL, NULL, &e)) {
        n_roles += arr_count(m365_jv_geti(e, "resourceAccess"));
    }
    if (n_roles) {
        a->app_roles = m365_arena_alloc(&db->arena, n_roles * sizeof(*a->app_roles));
        if (!a->app_roles) {
            return -1;
        }
        m365_jv_iter(rra, &it);
        while (m365_jit_next(&it, NULL, NULL, &e)) {
            m365_jv_iter(m365_jv_geti(e, "resourceAccess"), &it2);
            while (m365_jit_next(&it2, NULL, NULL, &ra) && a->n_app_roles < n_roles) {
                const char *id = jv_is(m365_jv_geti(ra, "type"), "Role")
                                     ? jv_dup(db, m365_jv_geti(ra, "id"), true)
                                     : NULL;
                if (id) {
                    a->app_roles[a->n_app_roles++] = id;
                }
            }
        }
    }
    size_t bad;
    return m365_snap_add_owners_of(db, m365_jv_geti(o, "owners"), a->id, true, &bad);
}

/* --- directory roles ---------------------------------------------------------------------- */

static struct m365_snap_dirrole *new_dirrole(struct m365_snap_db *db)
{
    struct m365_snap_dirrole *v =
        grow(db->dirroles, &db->cap_dirroles, db->n_dirroles, sizeof(*v));
    if (!v) {
        return NULL;
    }
    db->dirroles = v;
    struct m365_snap_dirrole *d = &v[db->n_dirroles++];
    memset(d, 0, sizeof(*d));
    return d;
}

const char *m365_snap_odata_type(struct m365_snap_db *db, struct m365_jv o)
{
    const char *s;
    size_t n;
    if (!m365_jv_str(m365_jv_geti(o, "@odata.type"), &s, &n)) {
        return NULL;
    }
    static const char pre[] = "#microsoft.graph.";
    if (n > sizeof(pre) - 1 && m365_ieqn(s, sizeof(pre) - 1, pre)) {
        s += sizeof(pre) - 1;
        n -= sizeof(pre) - 1;
    }
    return dup_lower(db, s, n, false);
}

static void principal_from(struct m365_snap_db *db, struct m365_snap_dirrole *d, struct m365_jv p)
{
    if (m365_jv_type(p) != M365_J_OBJECT) {
        return;
    }
    if (!d->principal) {
        d->principal = jv_dup(db, m365_jv_geti(p, "id"), true);
    }
    /* The PowerShell SDK (Get-MgDirectoryRoleMember, -ExpandProperty members) puts the members'
     * own properties under AdditionalProperties. */
    struct m365_jv extra = m365_jv_geti(p, "AdditionalProperties");
    if (m365_jv_type(extra) == M365_J_OBJECT && !present(m365_jv_geti(p, "@odata.type"))) {
        p = extra;
    }
    d->principal_type = m365_snap_odata_type(db, p);
    d->upn = jv_dup(db, m365_jv_geti(p, "userPrincipalName"), true);
    d->principal_name = jv_dup(db, m365_jv_geti(p, "displayName"), false);
    if (!d->principal_type && present(m365_jv_geti(p, "servicePrincipalType"))) {
        d->principal_type = "servicePrincipal";
    } else if (!d->principal_type && d->upn) {
        d->principal_type = "user";
    }
}

int m365_snap_add_dirrole(struct m365_snap_db *db, struct m365_jv o, struct m365_snap_why *why)
{
    struct m365_jv tmpl = m365_jv_geti(o, "roleTemplateId");
    if (present(tmpl)) { /* directoryRole, members expanded */
        const char *tid = jv_dup(db, tmpl, true);
        const char *name = jv_dup(db, m365_jv_geti(o, "displayName"), false);
        struct m365_jv members = m365_jv_geti(o, "members");
        if (!tid) {
            *why = (struct m365_snap_why){"roleTemplateId", "directory role without a template id"};
            return 1;
        }
        if (m365_jv_type(members) != M365_J_ARRAY) {
            *why = (struct m365_snap_why){"members", "directory role without members: export "
                                                     "it with $expand=members"};
            return 1;
        }
        struct m365_jit it;
        struct m365_jv m;
        m365_jv_iter(members, &it);
        while (m365_jit_next(&it, NULL, NULL, &m)) {
            if (m365_jv_type(m) != M365_J_OBJECT) {
                continue;
            }
            struct m365_snap_dirrole *d = new_dirrole(db);
            if (!d) {
                return -1;
            }
            d->template_id = tid;
            d->role_name = name;
            principal_from(db, d, m);
        }
        return 0;
    }
    /* unifiedRoleAssignment: principalId, roleDefinitionId, directoryScopeId; $expand=principal
     * and roleDefinition optional. */
    const char *principal = jv_dup(db, m365_jv_geti(o, "principalId"), true);
    const char *def = jv_dup(db, m365_jv_geti(o, "roleDefinitionId"), true);
    if (!principal || !def) {
        *why = (struct m365_snap_why){principal ? "roleDefinitionId" : "principalId",
                                      "role assignment without a principal or a role"};
        return 1;
    }
    struct m365_snap_dirrole *d = new_dirrole(db);
    if (!d) {
        return -1;
    }
    d->principal = principal;
    d->template_id = def;
    d->scope = jv_dup(db, m365_jv_geti(o, "directoryScopeId"), false);
    principal_from(db, d, m365_jv_geti(o, "principal"));
    struct m365_jv rd = m365_jv_geti(o, "roleDefinition");
    if (m365_jv_type(rd) == M365_J_OBJECT) {
        d->role_name = jv_dup(db, m365_jv_geti(rd, "displayName"), false);
        const char *t = jv_dup(db, m365_jv_geti(rd, "templateId"), true);
        d->template_id = t ? t : d->template_id;
    }
    note_time(db, jv_time(m365_jv_geti(o, "createdDateTime")));
    return 0;
}

/* --- Conditional Access ------------------------------------------------------------------- */

static unsigned client_bits(struct m365_jv arr)
{
    unsigned b = 0;
    struct m365_jit it;
    struct m365_jv e;
    m365_jv_iter(arr, &it);
    while (m365_jit_next(&it, NULL, NULL, &e)) {
        b |= jv_is(e, "browser")                 ? M365_CA_CLIENT_BROWSER
             : jv_is(e, "mobileAppsAndDesktopClients") ? M365_CA_CLIENT_MOBILE_DESKTOP
             : jv_is(e, "exchangeActiveSync")    ? M365_CA_CLIENT_EAS
             : jv_is(e, "other")                 ? M365_CA_CLIENT_OTHER
             : jv_is(e, "all")                   ? M365_CA_CLIENT_ALL
                                                 : 0u;
    }
    return b;
}

static unsigned grant_bits(struct m365_jv arr)
{
    unsigned b = 0;
    struct m365_jit it;
    struct m365_jv e;
    m365_jv_iter(arr, &it);
    while (m365_jit_next(&it, NULL, NULL, &e)) {
        b |= jv_is(e, "block")                   ? M365_CA_GRANT_BLOCK
             : jv_is(e, "mfa")                   ? M365_CA_GRANT_MFA
             : jv_is(e, "compliantDevice")       ? M365_CA_GRANT_COMPLIANT
             : jv_is(e, "domainJoinedDevice")    ? M365_CA_GRANT_DOMAIN_JOINED
             : jv_is(e, "approvedApplication")   ? M365_CA_GRANT_APPROVED_APP
             : jv_is(e, "compliantApplication")  ? M365_CA_GRANT_APP_PROTECTION
             : jv_is(e, "passwordChange")        ? M365_CA_GRANT_PASSWORD_CHANGE
                                                 : M365_CA_GRANT_OTHER;
    }
    return b;
}

int m365_snap_add_ca(struct m365_snap_db *db, struct m365_jv o, struct m365_snap_why *why)
{
    struct m365_jv state = m365_jv_geti(o, "state");
    enum m365_ca_state st;
    if (jv_is(state, "enabled")) {
        st = M365_CA_ON;
    } else if (jv_is(state, "enabledForReportingButNotEnforced")) {
        st = M365_CA_REPORT_ONLY;
    } else if (jv_is(state, "disabled")) {
        st = M365_CA_OFF;
    } else {
        *why = (struct m365_snap_why){"state", "Conditional Access policy with an unknown state "
                                               "(enabled, disabled, "
                                               "enabledForReportingButNotEnforced)"};
        return 1;
    }
    struct m365_snap_ca *v = grow(db->cas, &db->cap_cas, db->n_cas, sizeof(*v));
    if (!v) {
        return -1;
    }
    db->cas = v;
    struct m365_snap_ca *p = &v[db->n_cas++];
    memset(p, 0, sizeof(*p));
    db->ca_loaded = true;
    p->state = st;
    p->id = jv_dup(db, m365_jv_geti(o, "id"), true);
    p->name = jv_dup(db, m365_jv_geti(o, "displayName"), false);
    struct m365_jv cond = m365_jv_geti(o, "conditions");
    struct m365_jv users = m365_jv_geti(cond, "users");
    struct m365_jv apps = m365_jv_geti(cond, "applications");
    struct m365_jv locs = m365_jv_geti(cond, "locations");
    struct m365_jv grant = m365_jv_geti(o, "grantControls");
    p->all_users = arr_has(m365_jv_geti(users, "includeUsers"), "All");
    p->n_include_users = arr_count(m365_jv_geti(users, "includeUsers"));
    p->n_include_groups = arr_count(m365_jv_geti(users, "includeGroups"));
    p->n_include_roles = arr_count(m365_jv_geti(users, "includeRoles"));
    p->all_apps = arr_has(m365_jv_geti(apps, "includeApplications"), "All");
    p->office365 = arr_has(m365_jv_geti(apps, "includeApplications"), "Office365");
    p->register_security =
        arr_has(m365_jv_geti(apps, "includeUserActions"), "urn:user:registersecurityinfo");
    p->locations = arr_count(m365_jv_geti(locs, "includeLocations")) > 0 ||
                   arr_count(m365_jv_geti(locs, "excludeLocations")) > 0;
    p->clients = client_bits(m365_jv_geti(cond, "clientAppTypes"));
    p->grants = grant_bits(m365_jv_geti(grant, "builtInControls"));
    p->and_operator = jv_is(m365_jv_geti(grant, "operator"), "AND");
    p->auth_strength = m365_jv_type(m365_jv_geti(grant, "authenticationStrength")) == M365_J_OBJECT;
    static const char *const excl[] = {"excludeUsers", "excludeGroups", "excludeRoles"};
    size_t n = 0;
    for (size_t k = 0; k < 3; k++) {
        n += arr_count(m365_jv_geti(users, excl[k]));
    }
    if (n) {
        p->excluded = m365_arena_alloc(&db->arena, n * sizeof(*p->excluded));
        if (!p->excluded) {
            return -1;
        }
        for (size_t k = 0; k < 3; k++) {
            struct m365_jit it;
            struct m365_jv e;
            m365_jv_iter(m365_jv_geti(users, excl[k]), &it);
            while (m365_jit_next(&it, NULL, NULL, &e) && p->n_excluded < n) {
                const char *x = jv_dup(db, e, true);
                if (x) {
                    p->excluded[p->n_excluded++] = x;
                }
            }
        }
    }
    note_time(db, jv_time(m365_jv_geti(o, "modifiedDateTime")));
    note_time(db, jv_time(m365_jv_geti(o, "createdDateTime")));
    return 0;
}

/* --- domains and federation --------------------------------------------------------------- */

int m365_snap_add_domain(struct m365_snap_db *db, struct m365_jv o, struct m365_snap_why *why)
{
    struct m365_jv idv = m365_jv_geti(o, "id");
    const char *name = jv_dup(db, present(idv) ? idv : m365_jv_geti(o, "Name"), true);
    if (!name) {
        *why = (struct m365_snap_why){"id", "domain without a name"};
        return 1;
    }
    struct m365_snap_domain *v = grow(db->domains, &db->cap_domains, db->n_domains, sizeof(*v));
    if (!v) {
        return -1;
    }
    db->domains = v;
    struct m365_snap_domain *d = &v[db->n_domains++];
    memset(d, 0, sizeof(*d));
    d->name = name;
    const char *s;
    size_t n;
    char tmp[24];
    struct m365_jv at = m365_jv_geti(o, "authenticationType");
    jv_text(present(at) ? at : m365_jv_geti(o, "Authentication"), &s, &n, tmp, sizeof(tmp));
    /* Get-MsolDomain serialises enums as numbers: Managed 0, Federated 1. */
    d->federated = !s                              ? M365_SNAP_UNSET
                   : m365_ieqn(s, n, "Federated") || m365_ieqn(s, n, "1") ? 1
                                                                          : 0;
    struct m365_jv ver = m365_jv_geti(o, "isVerified");
    if (present(ver)) {
        d->verified = jv_tri(ver);
    } else {
        jv_text(m365_jv_geti(o, "Status"), &s, &n, tmp, sizeof(tmp)); /* Verified 1 */
        d->verified = !s ? M365_SNAP_UNSET : m365_ieqn(s, n, "Verified") || m365_ieqn(s, n, "1");
    }
    d->is_default = jv_tri(m365_jv_geti(o, "isDefault"));
    return 0;
}

const char *m365_snap_context_domain(struct m365_snap_db *db, struct m365_jv obj)
{
    const char *s;
    size_t n;
    if (!m365_jv_str(m365_jv_geti(obj, "@odata.context"), &s, &n)) {
        return NULL;
    }
    static const char key[] = "domains('";
    for (size_t i = 0; i + sizeof(key) - 1 < n; i++) {
        if (m365_ieqn(s + i, sizeof(key) - 1, key)) {
            size_t b = i + sizeof(key) - 1, e = b;
            while (e < n && s[e] != '\'') {
                e++;
            }
            return e < n && e > b ? dup_lower(db, s + b, e - b, true) : NULL;
        }
    }
    return NULL;
}

/* ASN1 time → epoch milliseconds through the ISO form the rest of the code parses. */
static int64_t asn1_ms(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) {
        return M365_TIME_NONE;
    }
    char iso[40];
    int k = snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    int64_t ms;
    return k > 0 && m365_time_parse(iso, (size_t)k, &ms) == 0 ? ms : M365_TIME_NONE;
}

static const char *name_text(struct m365_snap_db *db, const X509_NAME *nm)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b) {
        return NULL;
    }
    const char *r = NULL;
    if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0) {
        char *p;
        long n = BIO_get_mem_data(b, &p);
        r = n > 0 ? dup_lower(db, p, (size_t)n, false) : NULL;
    }
    BIO_free(b);
    return r;
}

void m365_snap_cert_decode(struct m365_snap_db *db, const char *b64, size_t len,
                           struct m365_snap_cert *c)
{
    memset(c, 0, sizeof(*c));
    c->not_before = c->not_after = M365_TIME_NONE;
    if (!b64 || len == 0) {
        return;
    }
    c->given = true;
    if (len > (1u << 20)) {
        return; /* not a certificate */
    }
    /* Base64 without white space (PowerShell and the portal wrap lines). */
    unsigned char *clean = malloc(len + 1);
    unsigned char *der = malloc(len + 1);
    size_t n = 0, pad = 0;
    if (!clean || !der) {
        free(clean);
        free(der);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (b64[i] != ' ' && b64[i] != '\r' && b64[i] != '\n' && b64[i] != '\t') {
            clean[n++] = (unsigned char)b64[i];
            pad = b64[i] == '=' ? pad + 1 : 0;
        }
    }
    int dn = n % 4 == 0 && n <= (size_t)0x7fffffff ? EVP_DecodeBlock(der, clean, (int)n) : -1;
    if (dn > 0) {
        dn -= (int)(pad > 2 ? 2 : pad);
        const unsigned char *p = der;
        X509 *x = d2i_X509(NULL, &p, dn);
        if (x) {
            c->parsed = true;
            c->subject = name_text(db, X509_get_subject_name(x));
            c->issuer = name_text(db, X509_get_issuer_name(x));
            c->not_before = asn1_ms(X509_get0_notBefore(x));
            c->not_after = asn1_ms(X509_get0_notAfter(x));
            unsigned char md[EVP_MAX_MD_SIZE];
            unsigned int mdn = 0;
            if (X509_digest(x, EVP_sha1(), md, &mdn) == 1 && mdn <= 32) {
                char hex[65];
                for (unsigned int i = 0; i < mdn; i++) {
                    snprintf(hex + 2 * i, 3, "%02X", md[i]);
                }
                c->thumbprint = dup_lower(db, hex, 2 * mdn, false);
            }
            X509_free(x);
        }
    }
    free(clean);
    free(der);
}

static void cert_member(struct m365_snap_db *db, struct m365_jv o, const char *name,
                        struct m365_snap_cert *c)
{
    const char *s;
    size_t n;
    if (m365_jv_str(m365_jv_geti(o, name), &s, &n)) {
        m365_snap_cert_decode(db, s, n, c);
    } else {
        memset(c, 0, sizeof(*c));
        c->not_before = c->not_after = M365_TIME_NONE;
    }
}

int m365_snap_add_fed(struct m365_snap_db *db, struct m365_jv o, const char *page_domain,
                      struct m365_snap_why *why)
{
    const char *issuer = jv_dup(db, m365_jv_geti(o, "issuerUri"), false);
    if (!issuer) {
        *why = (struct m365_snap_why){"issuerUri", "federation configuration without an issuer"};
        return 1;
    }
    struct m365_snap_fed *v = grow(db->feds, &db->cap_feds, db->n_feds, sizeof(*v));
    if (!v) {
        return -1;
    }
    db->feds = v;
    struct m365_snap_fed *f = &v[db->n_feds++];
    memset(f, 0, sizeof(*f));
    f->issuer = issuer;
    /* The domain: a member added by the exporter (Graph pages do not carry it), else the
     * page's @odata.context. */
    static const char *const dkeys[] = {"domainName", "domain", "domainId"};
    for (size_t k = 0; k < 3 && !f->domain; k++) {
        f->domain = jv_dup(db, m365_jv_geti(o, dkeys[k]), true);
    }
    if (!f->domain && page_domain) {
        f->domain = page_domain;
    }
    struct m365_jv dn = m365_jv_geti(o, "displayName");
    f->display_name = jv_dup(db, present(dn) ? dn : m365_jv_geti(o, "FederationBrandName"), false);
    struct m365_jv pu = m365_jv_geti(o, "passiveSignInUri");
    f->passive_uri = jv_dup(db, present(pu) ? pu : m365_jv_geti(o, "PassiveLogOnUri"), false);
    const char *s;
    size_t n;
    char tmp[24];
    jv_text(m365_jv_geti(o, "preferredAuthenticationProtocol"), &s, &n, tmp, sizeof(tmp));
    f->protocol = s ? dup_lower(db, s, n, false) : NULL;
    jv_text(m365_jv_geti(o, "federatedIdpMfaBehavior"), &s, &n, tmp, sizeof(tmp));
    f->mfa_behavior = s ? dup_lower(db, s, n, false) : NULL;
    if (!f->mfa_behavior) {
        /* Get-MsolDomainFederationSettings: SupportsMfa true is the older spelling of
         * enforceMfaByFederatedIdp, false of acceptIfMfaDoneByFederatedIdp. */
        int sm = jv_tri(m365_jv_geti(o, "SupportsMfa"));
        f->mfa_behavior = sm == 1 ? "enforceMfaByFederatedIdp"
                          : sm == 0 ? "acceptIfMfaDoneByFederatedIdp"
                                    : NULL;
    }
    cert_member(db, o, "signingCertificate", &f->signing);
    cert_member(db, o, "nextSigningCertificate", &f->next);
    return 0;
}

/* --- Exchange ----------------------------------------------------------------------------- */

int m365_snap_add_bypass(struct m365_snap_db *db, const struct m365_snap_rec *r,
                         struct m365_snap_why *why)
{
    const char *name = rec_dup(db, r, "Name", true);
    const char *ident = rec_dup(db, r, "Identity", true);
    int enabled = rec_tri(r, "AuditBypassEnabled");
    if (!name && !ident) {
        *why = (struct m365_snap_why){"Name", "audit bypass association without a name"};
        return 1;
    }
    if (enabled == M365_SNAP_UNSET) {
        *why = (struct m365_snap_why){"AuditBypassEnabled", "neither true nor false"};
        return 1;
    }
    struct m365_snap_bypass *v =
        grow(db->bypasses, &db->cap_bypasses, db->n_bypasses, sizeof(*v));
    if (!v) {
        return -1;
    }
    db->bypasses = v;
    struct m365_snap_bypass *b = &v[db->n_bypasses++];
    memset(b, 0, sizeof(*b));
    b->name = name;
    b->identity = ident;
    b->enabled = enabled;
    b->exo_id = rec_dup(db, r, "ExchangeObjectId", true);
    if (!b->exo_id) {
        b->exo_id = rec_dup(db, r, "Guid", true);
    }
    /* ObjectClass: a JSON array (top, person, organizationalPerson, user) or, in CSV, the
     * same names joined by spaces; the last is the one that says what it is. */
    struct m365_jv oc = r->row ? m365_jv_none() : m365_jv_geti(r->o, "ObjectClass");
    if (m365_jv_type(oc) == M365_J_ARRAY) {
        struct m365_jit it;
        struct m365_jv e;
        m365_jv_iter(oc, &it);
        while (m365_jit_next(&it, NULL, NULL, &e)) {
            const char *c = jv_dup(db, e, false);
            b->object_class = c ? c : b->object_class;
        }
    } else {
        const char *s;
        size_t n;
        m365_snap_rec_get(r, "ObjectClass", &s, &n, NULL, 0);
        if (s) {
            size_t st = n;
            while (st > 0 && s[st - 1] != ' ') {
                st--;
            }
            b->object_class = dup_lower(db, s + st, n - st, false);
        }
    }
    const char *w;
    size_t wn;
    m365_snap_rec_get(r, "WhenChangedUTC", &w, &wn, NULL, 0);
    if (w) {
        note_time(db, parse_time(w, wn));
    }
    return 0;
}

int m365_snap_add_mra(struct m365_snap_db *db, const struct m365_snap_rec *r,
                      struct m365_snap_why *why)
{
    const char *role = rec_dup(db, r, "Role", false);
    const char *aname = rec_dup(db, r, "RoleAssigneeName", false);
    const char *assignee = rec_dup(db, r, "RoleAssignee", false);
    if (!role) {
        *why = (struct m365_snap_why){"Role", "management role assignment without a role"};
        return 1;
    }
    if (!aname && !assignee) {
        *why = (struct m365_snap_why){"RoleAssigneeName",
                                      "management role assignment without an assignee"};
        return 1;
    }
    struct m365_snap_mra *v = grow(db->mras, &db->cap_mras, db->n_mras, sizeof(*v));
    if (!v) {
        return -1;
    }
    db->mras = v;
    struct m365_snap_mra *m = &v[db->n_mras++];
    memset(m, 0, sizeof(*m));
    m->role = role;
    m->assignee_name = aname;
    m->assignee = assignee;
    m->name = rec_dup(db, r, "Name", false);
    m->assignee_type = rec_dup(db, r, "RoleAssigneeType", false);
    m->custom_scope = rec_dup(db, r, "CustomRecipientWriteScope", false);
    m->recipient_scope = rec_dup(db, r, "RecipientWriteScope", false);
    m->method = rec_dup(db, r, "AssignmentMethod", false);
    m->delegation = rec_dup(db, r, "RoleAssignmentDelegationType", false);
    m->enabled = rec_tri(r, "Enabled");
    m->valid = rec_tri(r, "IsValid");
    const char *w;
    size_t wn;
    m365_snap_rec_get(r, "WhenCreatedUTC", &w, &wn, NULL, 0);
    m->created = w ? parse_time(w, wn) : M365_TIME_NONE;
    return 0;
}
