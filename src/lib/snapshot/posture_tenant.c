/* Posture rules on the tenant's configuration (docs/snapshot.md): Conditional Access
 * (posture-mfa-registration-unrestricted, posture-legacy-auth-allowed), Exchange RBAC
 * (posture-application-impersonation), federated domains (posture-federated-domain), and the
 * directory-role lookup the account and application rules use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/norm.h"
#include "../core/sort.h"
#include "posture_int.h"
/* m365_ids.h names the plan by its name; snap.h by its id. */
#undef M365_PLAN_ADVANCED_AUDITING
#include "../detections/m365_ids.h"

/* Directory Synchronization Accounts: tier 0 in the role table, but the Entra Connect account
 * holds it in every hybrid tenant and cannot do MFA; it does not raise severities here. */
#define ROLE_DIRSYNC "d29b2b05-8046-44ba-8758-1e26182fcf32"
#define MAX_NAMES 16

/* --- directory roles ---------------------------------------------------------------------- */

static const struct m365_role *dirrole_role(const struct m365_snap_dirrole *d)
{
    const struct m365_role *r = m365_privileged_role(d->template_id);
    return r ? r : m365_privileged_role(d->role_name);
}

static int cmp_key_i(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : x->i < y->i ? -1 : x->i > y->i;
}

int m365_posture_roles_build(struct m365_snapshot *s)
{
    struct role_idx *x = &s->roles;
    memset(x, 0, sizeof(*x));
    size_t n = s->db.n_dirroles ? s->db.n_dirroles : 1;
    x->by_id.v = malloc(n * sizeof(struct key));
    x->by_upn.v = malloc(n * sizeof(struct key));
    if (!x->by_id.v || !x->by_upn.v) {
        return -1;
    }
    for (size_t i = 0; i < s->db.n_dirroles; i++) {
        const struct m365_snap_dirrole *d = &s->db.dirroles[i];
        if (!dirrole_role(d)) {
            continue; /* custom and unprivileged roles */
        }
        if (d->principal) {
            x->by_id.v[x->by_id.n++] = (struct key){d->principal, i};
        }
        if (d->upn) {
            x->by_upn.v[x->by_upn.n++] = (struct key){d->upn, i};
        }
    }
    if (x->by_id.n > 1) {
        qsort(x->by_id.v, x->by_id.n, sizeof(struct key), cmp_key_i);
    }
    if (x->by_upn.n > 1) {
        qsort(x->by_upn.v, x->by_upn.n, sizeof(struct key), cmp_key_i);
    }
    return 0;
}

void m365_posture_roles_free(struct m365_snapshot *s)
{
    free(s->roles.by_id.v);
    free(s->roles.by_upn.v);
    memset(&s->roles, 0, sizeof(s->roles));
}

static size_t add_roles_from(const struct m365_snapshot *s, const struct index *x, const char *k,
                             const char **names, size_t n, size_t max, bool *tier0)
{
    for (size_t j = lower_bound(x, k); j < x->n && strcmp(x->v[j].k, k) == 0; j++) {
        const struct m365_snap_dirrole *d = &s->db.dirroles[x->v[j].i];
        const struct m365_role *r = dirrole_role(d);
        if (r->tier == 0 && strcmp(r->template_id, ROLE_DIRSYNC) != 0) {
            *tier0 = true;
        }
        bool dup = false;
        for (size_t k2 = 0; k2 < n; k2++) {
            dup = dup || strcmp(names[k2], r->name) == 0;
        }
        if (!dup && n < max) {
            names[n++] = r->name;
        }
    }
    return n;
}

size_t m365_posture_roles_of(const struct m365_snapshot *s, const char *id, const char *upn,
                             const char **names, size_t max, bool *tier0)
{
    *tier0 = false;
    size_t n = 0;
    if (id) {
        n = add_roles_from(s, &s->roles.by_id, id, names, n, max, tier0);
    }
    if (upn) {
        n = add_roles_from(s, &s->roles.by_upn, upn, names, n, max, tier0);
    }
    if (n > 1) {
        qsort(names, n, sizeof(*names), m365_cmp_cstr);
    }
    return n;
}

void m365_posture_put_strings(struct m365_buf *b, int *first, const char *key,
                              const char *const *v, size_t n)
{
    m365_json_key(b, first, key);
    m365_buf_putc(b, '[');
    for (size_t k = 0; k < n; k++) {
        if (k) {
            m365_buf_putc(b, ',');
        }
        m365_json_cstr(b, v[k]);
    }
    m365_buf_putc(b, ']');
}

/* --- Conditional Access ------------------------------------------------------------------- */

static const char *const tech_mfa[] = {"T1098.005", "T1556.006"};
static const char *const tech_legacy[] = {"T1078.004", "T1110.003"};

static const char *ca_state_name(enum m365_ca_state st)
{
    return st == M365_CA_ON ? "enabled" : st == M365_CA_REPORT_ONLY ? "report-only" : "disabled";
}

static const char *ca_name(const struct m365_snap_ca *p)
{
    return p->name ? p->name : p->id ? p->id : "?";
}

/* An excluded object by UPN when it is a known user, else as exported (id, "GuestsOrExternal…"). */
static const char *excluded_name(const struct m365_snapshot *s, const char *x)
{
    for (size_t i = 0; i < s->db.n_users; i++) {
        if (s->db.users[i].id && s->db.users[i].upn && strcmp(s->db.users[i].id, x) == 0) {
            return s->db.users[i].upn;
        }
    }
    const struct m365_role *r = m365_privileged_role(x);
    return r ? r->name : x;
}

static void put_policy(const struct m365_snapshot *s, struct m365_buf *b, bool comma,
                       const struct m365_snap_ca *p, const char *why)
{
    int h = 1;
    m365_buf_puts(b, comma ? ",{" : "{");
    m365_json_key(b, &h, "name");
    m365_json_cstr(b, ca_name(p));
    m365_json_key(b, &h, "id");
    json_str_or_null(b, p->id);
    m365_json_key(b, &h, "state");
    m365_json_cstr(b, ca_state_name(p->state));
    m365_json_key(b, &h, "all_users");
    m365_buf_puts(b, p->all_users ? "true" : "false");
    m365_json_key(b, &h, "excluded");
    m365_buf_putc(b, '[');
    for (size_t k = 0; k < p->n_excluded; k++) {
        if (k) {
            m365_buf_putc(b, ',');
        }
        m365_json_cstr(b, excluded_name(s, p->excluded[k]));
    }
    m365_buf_putc(b, ']');
    if (why) {
        m365_json_key(b, &h, "not_counted");
        m365_json_cstr(b, why);
    }
    m365_buf_putc(b, '}');
}

/* Whether a policy's grant makes registering security info need more than a password: MFA,
 * an authentication strength, a compliant or joined device, or a block (with a location
 * condition: only from trusted locations). With AND every control applies; with OR any one
 * of them may be chosen, so each must restrict. */
static bool restricts_registration(const struct m365_snap_ca *p)
{
    const unsigned strong = M365_CA_GRANT_BLOCK | M365_CA_GRANT_MFA | M365_CA_GRANT_COMPLIANT |
                            M365_CA_GRANT_DOMAIN_JOINED;
    if (p->auth_strength) {
        return true;
    }
    if (p->grants == 0) {
        return false;
    }
    return p->and_operator ? (p->grants & strong) != 0 : (p->grants & ~strong) == 0;
}

/* The accounts posture-no-mfa reported (it runs first): enabled members without a method,
 * allow-listed ones left out. */
static size_t accounts_without_mfa(const struct m365_snapshot *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_findings; i++) {
        n += strcmp(s->findings[i].rule, "posture-no-mfa") == 0;
    }
    return n;
}

void m365_posture_rule_mfa_registration(struct m365_snapshot *s)
{
    static const char *const rule = "posture-mfa-registration-unrestricted";
    if (!s->db.ca_loaded) {
        not_evaluated(s, rule, "needs the Conditional Access policies "
                               "(identity/conditionalAccess/policies)");
        return;
    }
    size_t n_targeting = 0, n_report_only = 0;
    for (size_t i = 0; i < s->db.n_cas; i++) {
        const struct m365_snap_ca *p = &s->db.cas[i];
        if (!p->register_security) {
            continue;
        }
        n_targeting++;
        if (p->state == M365_CA_ON && p->all_users && restricts_registration(p)) {
            return; /* protected */
        }
        n_report_only += p->state == M365_CA_REPORT_ONLY && p->all_users &&
                         restricts_registration(p);
    }
    size_t exposed = accounts_without_mfa(s);
    struct fdraft d;
    draft_init(&d, rule, "Security-info registration not protected by Conditional Access",
               exposed ? M365_SEV_HIGH : M365_SEV_MEDIUM);
    d.techs = tech_mfa;
    d.n_techs = 2;
    m365_buf_printf(&d.summary,
                    "No enabled Conditional Access policy requires MFA, a compliant device or a "
                    "trusted location to register security info: a password alone can add an "
                    "MFA method");
    if (n_report_only) {
        m365_buf_printf(&d.summary, " (%zu report-only polic%s would, but do%s not enforce)",
                        n_report_only, n_report_only == 1 ? "y" : "ies",
                        n_report_only == 1 ? "es" : "");
    }
    if (exposed) {
        m365_buf_printf(&d.summary, "; %zu account%s without MFA can be enrolled by whoever "
                                    "has the password",
                        exposed, exposed == 1 ? "" : "s");
    }
    int first = 1;
    m365_json_key(&d.details, &first, "user_action");
    m365_json_cstr(&d.details, "urn:user:registersecurityinfo");
    m365_json_key(&d.details, &first, "policies_considered");
    m365_buf_putc(&d.details, '[');
    bool comma = false;
    for (size_t i = 0; i < s->db.n_cas; i++) {
        const struct m365_snap_ca *p = &s->db.cas[i];
        if (!p->register_security) {
            continue;
        }
        const char *why = p->state == M365_CA_REPORT_ONLY ? "report-only: not enforced"
                          : p->state == M365_CA_OFF       ? "disabled"
                          : !p->all_users                 ? "not for all users"
                                                          : "grant does not need MFA, a "
                                                            "compliant device or a location";
        put_policy(s, &d.details, comma, p, why);
        comma = true;
    }
    m365_buf_putc(&d.details, ']');
    m365_json_key(&d.details, &first, "ca_policies");
    m365_buf_printf(&d.details, "%zu", s->db.n_cas);
    m365_json_key(&d.details, &first, "policies_targeting_registration");
    m365_buf_printf(&d.details, "%zu", n_targeting);
    m365_json_key(&d.details, &first, "accounts_without_mfa");
    if (s->db.n_regs) {
        m365_buf_printf(&d.details, "%zu", exposed);
    } else {
        m365_buf_puts(&d.details, "null");
    }
    emit(s, &d);
    draft_free(&d);
}

/* A policy that blocks legacy clients: enabled, all users (exclusions allowed), all cloud apps
 * (or Office 365), block, and client app types exchangeActiveSync and/or other. A location
 * condition does not stop it counting. Returns the legacy client bits it blocks. */
static unsigned legacy_blocked(const struct m365_snap_ca *p, bool enforced_only)
{
    if ((enforced_only && p->state != M365_CA_ON) || !p->all_users ||
        !(p->all_apps || p->office365) || !(p->grants & M365_CA_GRANT_BLOCK)) {
        return 0;
    }
    /* Only client types named as such: a block of every client type is an access
     * restriction (by location, platform…), not a legacy-authentication policy. */
    return p->clients & (M365_CA_CLIENT_EAS | M365_CA_CLIENT_OTHER);
}

void m365_posture_rule_legacy_auth(struct m365_snapshot *s)
{
    static const char *const rule = "posture-legacy-auth-allowed";
    if (!s->db.ca_loaded) {
        not_evaluated(s, rule, "needs the Conditional Access policies "
                               "(identity/conditionalAccess/policies)");
        return;
    }
    const unsigned both = M365_CA_CLIENT_EAS | M365_CA_CLIENT_OTHER;
    unsigned blocked = 0;
    for (size_t i = 0; i < s->db.n_cas; i++) {
        blocked |= legacy_blocked(&s->db.cas[i], true);
    }
    if ((blocked & both) == both) {
        return; /* exclusions (break-glass) do not undo the block */
    }
    struct fdraft d;
    draft_init(&d, rule, "Legacy authentication not blocked by Conditional Access",
               M365_SEV_MEDIUM);
    d.techs = tech_legacy;
    d.n_techs = 2;
    m365_buf_printf(&d.summary, "No enabled Conditional Access policy blocks %s for all users: "
                                "passwords can be sprayed and used without MFA over IMAP, POP, "
                                "SMTP AUTH, Exchange ActiveSync",
                    blocked & M365_CA_CLIENT_EAS     ? "other legacy clients"
                    : blocked & M365_CA_CLIENT_OTHER ? "Exchange ActiveSync"
                                                     : "legacy authentication");
    int first = 1;
    m365_json_key(&d.details, &first, "blocks_exchange_active_sync");
    m365_buf_puts(&d.details, blocked & M365_CA_CLIENT_EAS ? "true" : "false");
    m365_json_key(&d.details, &first, "blocks_other_clients");
    m365_buf_puts(&d.details, blocked & M365_CA_CLIENT_OTHER ? "true" : "false");
    m365_json_key(&d.details, &first, "policies_considered");
    m365_buf_putc(&d.details, '[');
    bool comma = false;
    for (size_t i = 0; i < s->db.n_cas; i++) {
        const struct m365_snap_ca *p = &s->db.cas[i];
        if (!(p->grants & M365_CA_GRANT_BLOCK) ||
            !(p->clients & (M365_CA_CLIENT_EAS | M365_CA_CLIENT_OTHER))) {
            continue;
        }
        unsigned b = legacy_blocked(p, false);
        const char *why = p->state == M365_CA_REPORT_ONLY ? "report-only: not enforced"
                          : p->state == M365_CA_OFF       ? "disabled"
                          : !p->all_users                 ? "not for all users"
                          : !(p->all_apps || p->office365) ? "not for all cloud apps"
                          : (b & both) != both             ? "not every legacy client type"
                                                           : NULL;
        put_policy(s, &d.details, comma, p, why);
        comma = true;
    }
    m365_buf_putc(&d.details, ']');
    m365_json_key(&d.details, &first, "ca_policies");
    m365_buf_printf(&d.details, "%zu", s->db.n_cas);
    emit(s, &d);
    draft_free(&d);
}

/* --- Exchange RBAC: ApplicationImpersonation ---------------------------------------------- */

static const char *const tech_impersonation[] = {"T1098.002", "T1114.002"};

/* Exchange names keep their case; the allow-list is lower-cased. */
static bool allowed_name(const struct m365_snapshot *s, const char *name)
{
    for (size_t i = 0; name && i < s->n_allow; i++) {
        if (m365_ieq(s->allow[i], name)) {
            return true;
        }
    }
    return false;
}

static bool delegating(const struct m365_snap_mra *m)
{
    if (m->delegation) {
        return m365_istarts(m->delegation, "Delegating");
    }
    size_t n = m->name ? strlen(m->name) : 0;
    return n > 11 && m365_ieq(m->name + n - 11, "-Delegating");
}

void m365_posture_rule_app_impersonation(struct m365_snapshot *s)
{
    static const char *const rule = "posture-application-impersonation";
    if (s->db.n_mras == 0) {
        not_evaluated(s, rule, "needs Exchange Get-ManagementRoleAssignment output");
        return;
    }
    for (size_t i = 0; i < s->db.n_mras && !s->nomem; i++) {
        const struct m365_snap_mra *m = &s->db.mras[i];
        if (!m365_ieq(m->role, "ApplicationImpersonation") || m->enabled == 0) {
            continue;
        }
        const char *who = m->assignee_name ? m->assignee_name : m->assignee;
        bool deleg = delegating(m);
        const char *type = m->assignee_type ? m->assignee_type : "";
        /* What Exchange creates itself: Organization Management may hand the role out
         * (delegating), not use it. */
        if (deleg && m365_ieq(who, "Organization Management") &&
            (!m->assignee_type || m365_ieq(type, "RoleGroup"))) {
            continue;
        }
        if (allowed_name(s, who) || allowed_name(s, m->assignee)) {
            continue;
        }
        bool scoped = m->custom_scope != NULL ||
                      (m->recipient_scope && !m365_ieq(m->recipient_scope, "Organization") &&
                       !m365_ieq(m->recipient_scope, "None"));
        bool holder = m365_ieq(type, "User") || m365_ieq(type, "ServicePrincipal") ||
                      m365_ieq(type, "Computer") || m365_ieq(type, "ForeignSecurityPrincipal");
        enum m365_severity sev = deleg     ? M365_SEV_INFO
                                 : !holder ? M365_SEV_MEDIUM /* a group: its members hold it */
                                 : scoped  ? M365_SEV_MEDIUM
                                           : M365_SEV_HIGH;
        struct fdraft d;
        draft_init(&d, rule, "ApplicationImpersonation role assigned", sev);
        d.techs = tech_impersonation;
        d.n_techs = 2;
        if (m365_ieq(type, "ServicePrincipal")) {
            d.list = malloc(sizeof(*d.list));
            if (!d.list) {
                s->nomem = true;
                draft_free(&d);
                return;
            }
            d.list[0] = who;
            d.n_list = 1;
            d.list_kind = M365_ENT_SERVICE_PRINCIPALS;
        } else if (holder) {
            d.users[0] = who;
        }
        if (deleg) {
            m365_buf_printf(&d.summary, "%s %s may assign ApplicationImpersonation to others "
                                        "(delegating assignment %s)",
                            *type ? type : "Assignee", who, m->name ? m->name : "?");
        } else {
            m365_buf_printf(&d.summary, "%s %s holds ApplicationImpersonation over %s: it can "
                                        "open any mailbox in scope through EWS as its owner",
                            *type ? type : "Assignee", who,
                            m->custom_scope ? m->custom_scope
                            : scoped        ? m->recipient_scope
                                            : "every mailbox");
            if (!holder) {
                m365_buf_puts(&d.summary, " (every member of the group holds it)");
            }
        }
        int first = 1;
        m365_json_key(&d.details, &first, "assignment");
        json_str_or_null(&d.details, m->name);
        m365_json_key(&d.details, &first, "assignee");
        json_str_or_null(&d.details, m->assignee);
        m365_json_key(&d.details, &first, "assignee_type");
        json_str_or_null(&d.details, m->assignee_type);
        m365_json_key(&d.details, &first, "assignment_method");
        json_str_or_null(&d.details, m->method);
        m365_json_key(&d.details, &first, "delegating");
        m365_buf_puts(&d.details, deleg ? "true" : "false");
        m365_json_key(&d.details, &first, "custom_recipient_write_scope");
        json_str_or_null(&d.details, m->custom_scope);
        m365_json_key(&d.details, &first, "recipient_write_scope");
        json_str_or_null(&d.details, m->recipient_scope);
        key_time(&d.details, &first, "created", m->created);
        emit(s, &d);
        draft_free(&d);
    }
}

/* --- federated domains -------------------------------------------------------------------- */

static const char *const tech_federation[] = {"T1484.002", "T1606.002"};

#define ROLLOVER_WINDOW_DAYS 60 /* AD FS makes the next certificate 20 days before expiry */
#define LONG_VALIDITY_DAYS 1096 /* three years; AD FS's own certificates last one */

static void put_cert(struct m365_buf *b, int *first, const char *key,
                     const struct m365_snap_cert *c)
{
    m365_json_key(b, first, key);
    if (!c->given) {
        m365_buf_puts(b, "null");
        return;
    }
    int h = 1;
    m365_buf_putc(b, '{');
    m365_json_key(b, &h, "decoded");
    m365_buf_puts(b, c->parsed ? "true" : "false");
    m365_json_key(b, &h, "subject");
    json_str_or_null(b, c->subject);
    m365_json_key(b, &h, "issuer");
    json_str_or_null(b, c->issuer);
    m365_json_key(b, &h, "thumbprint");
    json_str_or_null(b, c->thumbprint);
    key_time(b, &h, "not_before", c->not_before);
    key_time(b, &h, "not_after", c->not_after);
    m365_buf_putc(b, '}');
}

struct fed_flags {
    const char *v[8];
    size_t n;
    enum m365_severity sev;
};

static void flag(struct fed_flags *f, const char *name, enum m365_severity sev)
{
    if (f->n < sizeof(f->v) / sizeof(f->v[0])) {
        f->v[f->n++] = name;
    }
    if (sev > f->sev) {
        f->sev = sev;
    }
}

static void judge_fed(const struct m365_snapshot *s, const struct m365_snap_fed *c,
                      struct fed_flags *f)
{
    const struct m365_snap_cert *sg = &c->signing, *nx = &c->next;
    /* AADInternals' backdoor (ConvertTo-AADIntBackdoor) federates with issuer any.sts. */
    if (c->issuer && m365_icontains(c->issuer, "any.sts")) {
        flag(f, "issuer-any-sts", M365_SEV_HIGH);
    }
    if (sg->parsed && nx->parsed) {
        bool same = sg->subject && nx->subject && strcmp(sg->subject, nx->subject) == 0 &&
                    sg->issuer && nx->issuer && strcmp(sg->issuer, nx->issuer) == 0;
        if (!same) {
            flag(f, "next-certificate-differs", M365_SEV_HIGH);
        } else if (sg->not_after != M365_TIME_NONE && nx->not_before != M365_TIME_NONE &&
                   nx->not_before < sg->not_after - ROLLOVER_WINDOW_DAYS * M365_DAY_MS) {
            flag(f, "next-certificate-outside-rollover", M365_SEV_MEDIUM);
        } else {
            flag(f, "next-certificate-rollover", M365_SEV_LOW);
        }
    } else if (nx->given) {
        flag(f, "next-certificate-not-decoded", M365_SEV_LOW);
    }
    if (sg->given && !sg->parsed) {
        flag(f, "signing-certificate-not-decoded", M365_SEV_LOW);
    }
    int64_t recent = s->as_of == M365_TIME_NONE ? M365_TIME_NONE
                                                : s->as_of - (int64_t)s->recent_days * M365_DAY_MS;
    if (recent != M365_TIME_NONE && sg->not_before != M365_TIME_NONE && sg->not_before >= recent) {
        flag(f, "recent-signing-certificate", M365_SEV_LOW);
    }
    if (sg->not_before != M365_TIME_NONE && sg->not_after != M365_TIME_NONE &&
        sg->not_after - sg->not_before > LONG_VALIDITY_DAYS * M365_DAY_MS) {
        flag(f, "long-validity", M365_SEV_LOW);
    }
    if (s->as_of != M365_TIME_NONE && sg->not_after != M365_TIME_NONE && sg->not_after < s->as_of) {
        flag(f, "signing-certificate-expired", M365_SEV_LOW);
    }
    if (c->mfa_behavior && m365_ieq(c->mfa_behavior, "acceptIfMfaDoneByFederatedIdp")) {
        flag(f, "accepts-federated-mfa", M365_SEV_LOW);
    }
}

static void report_fed(struct m365_snapshot *s, const char *domain,
                       const struct m365_snap_domain *dom, const struct m365_snap_fed *c)
{
    struct fed_flags f;
    memset(&f, 0, sizeof(f));
    f.sev = M365_SEV_LOW;
    if (c) {
        judge_fed(s, c, &f);
    }
    struct fdraft d;
    draft_init(&d, "posture-federated-domain", "Federated domain", f.sev);
    d.techs = tech_federation;
    d.n_techs = 2;
    if (domain) {
        d.list = malloc(sizeof(*d.list));
        if (!d.list) {
            s->nomem = true;
            draft_free(&d);
            return;
        }
        d.list[0] = domain;
        d.n_list = 1;
        d.list_kind = M365_ENT_DOMAINS;
    }
    m365_buf_printf(&d.summary, "%s is federated", domain ? domain : "A domain");
    if (c) {
        m365_buf_printf(&d.summary, " with %s", c->issuer);
        if (c->signing.subject) {
            m365_buf_printf(&d.summary, " (signing certificate %s", c->signing.subject);
            if (c->signing.thumbprint) {
                m365_buf_printf(&d.summary, ", %s", c->signing.thumbprint);
            }
            m365_buf_putc(&d.summary, ')');
        }
        m365_buf_puts(&d.summary, ": whoever holds its token-signing key signs in as any of "
                                  "its users");
    } else {
        m365_buf_puts(&d.summary, " (its federationConfiguration was not exported)");
    }
    for (size_t k = 0; k < f.n; k++) {
        if (strcmp(f.v[k], "issuer-any-sts") == 0) {
            m365_buf_puts(&d.summary, "; the issuer is AADInternals' any.sts backdoor");
        } else if (strcmp(f.v[k], "next-certificate-differs") == 0) {
            m365_buf_puts(&d.summary, "; the next signing certificate comes from another "
                                      "subject or issuer");
        } else if (strcmp(f.v[k], "next-certificate-outside-rollover") == 0) {
            m365_buf_puts(&d.summary, "; a second signing certificate was added long before "
                                      "the current one expires");
        }
    }
    int first = 1;
    m365_json_key(&d.details, &first, "domain");
    json_str_or_null(&d.details, domain);
    key_tri(&d.details, &first, "is_default", dom ? dom->is_default : M365_SNAP_UNSET);
    key_tri(&d.details, &first, "is_verified", dom ? dom->verified : M365_SNAP_UNSET);
    m365_json_key(&d.details, &first, "federation_exported");
    m365_buf_puts(&d.details, c ? "true" : "false");
    m365_json_key(&d.details, &first, "issuer_uri");
    json_str_or_null(&d.details, c ? c->issuer : NULL);
    m365_json_key(&d.details, &first, "passive_sign_in_uri");
    json_str_or_null(&d.details, c ? c->passive_uri : NULL);
    m365_json_key(&d.details, &first, "display_name");
    json_str_or_null(&d.details, c ? c->display_name : NULL);
    m365_json_key(&d.details, &first, "preferred_authentication_protocol");
    json_str_or_null(&d.details, c ? c->protocol : NULL);
    m365_json_key(&d.details, &first, "federated_idp_mfa_behavior");
    json_str_or_null(&d.details, c ? c->mfa_behavior : NULL);
    static const struct m365_snap_cert none = {false, false, NULL, NULL, NULL, 0, 0};
    put_cert(&d.details, &first, "signing_certificate", c ? &c->signing : &none);
    put_cert(&d.details, &first, "next_signing_certificate", c ? &c->next : &none);
    m365_posture_put_strings(&d.details, &first, "flags", f.v, f.n);
    emit(s, &d);
    draft_free(&d);
}

void m365_posture_rule_federated_domain(struct m365_snapshot *s)
{
    if (s->db.n_domains == 0 && s->db.n_feds == 0) {
        not_evaluated(s, "posture-federated-domain",
                      "needs the domains export and each federated domain's "
                      "federationConfiguration");
        return;
    }
    /* One configuration whose domain is unknown and one federated domain without one: they
     * belong together. */
    size_t lone_cfg = 0, n_lone_cfg = 0, lone_dom = 0, n_lone_dom = 0;
    for (size_t i = 0; i < s->db.n_feds; i++) {
        if (!s->db.feds[i].domain) {
            lone_cfg = i;
            n_lone_cfg++;
        }
    }
    for (size_t i = 0; i < s->db.n_domains; i++) {
        const struct m365_snap_domain *dm = &s->db.domains[i];
        bool has = false;
        for (size_t k = 0; k < s->db.n_feds && !has; k++) {
            has = s->db.feds[k].domain && strcmp(s->db.feds[k].domain, dm->name) == 0;
        }
        if (dm->federated == 1 && !has) {
            lone_dom = i;
            n_lone_dom++;
        }
    }
    bool pair = n_lone_cfg == 1 && n_lone_dom == 1;
    for (size_t i = 0; i < s->db.n_domains && !s->nomem; i++) {
        const struct m365_snap_domain *dm = &s->db.domains[i];
        if (dm->federated != 1) {
            continue; /* managed domains: nothing to report */
        }
        const struct m365_snap_fed *c = pair && i == lone_dom ? &s->db.feds[lone_cfg] : NULL;
        for (size_t k = 0; k < s->db.n_feds && !c; k++) {
            if (s->db.feds[k].domain && strcmp(s->db.feds[k].domain, dm->name) == 0) {
                c = &s->db.feds[k];
            }
        }
        report_fed(s, dm->name, dm, c);
    }
    /* Configurations of domains the domains export does not list as federated. */
    for (size_t k = 0; k < s->db.n_feds && !s->nomem; k++) {
        const struct m365_snap_fed *c = &s->db.feds[k];
        if (pair && k == lone_cfg) {
            continue;
        }
        const struct m365_snap_domain *dm = NULL;
        for (size_t i = 0; i < s->db.n_domains && c->domain && !dm; i++) {
            dm = strcmp(s->db.domains[i].name, c->domain) == 0 ? &s->db.domains[i] : NULL;
        }
        if (dm && dm->federated == 1) {
            continue; /* reported above */
        }
        report_fed(s, c->domain, dm, c);
    }
}

/* --- posture-mailbox-forwarding ----------------------------------------------------------- */

static const char *const tech_forwarding[] = {"T1114.003"};

/* Whether dom (dn bytes) is domain t or a subdomain of it; t may be NULL. */
static bool same_or_sub(const char *dom, size_t dn, const char *t)
{
    size_t tn = t ? strlen(t) : 0;
    return tn && ((dn == tn && strcmp(dom, t) == 0) ||
                  (dn > tn && dom[dn - tn - 1] == '.' && strcmp(dom + dn - tn, t) == 0));
}

static const char *upn_domain(const char *upn)
{
    const char *at = upn ? strrchr(upn, '@') : NULL;
    return at ? at + 1 : NULL;
}

/* Whether the address's domain is the tenant's: one of its domains (the domains export), else
 * one its accounts and mailboxes use; subdomains of those count too. */
static bool tenant_domain(const struct m365_snapshot *s, const char *addr)
{
    const char *dom = upn_domain(addr);
    if (!dom || !*dom) {
        return true; /* not an address: nothing to judge */
    }
    size_t dn = strlen(dom);
    if (s->db.n_domains) { /* the domains export is the list */
        for (size_t i = 0; i < s->db.n_domains; i++) {
            if (same_or_sub(dom, dn, s->db.domains[i].name)) {
                return true;
            }
        }
        return false;
    }
    for (size_t i = 0; i < s->db.n_users; i++) {
        if (same_or_sub(dom, dn, upn_domain(s->db.users[i].upn))) {
            return true;
        }
    }
    for (size_t i = 0; i < s->db.n_mbxs; i++) {
        if (same_or_sub(dom, dn, upn_domain(s->db.mbxs[i].upn))) {
            return true;
        }
    }
    return false;
}

void m365_posture_rule_mailbox_forwarding(struct m365_snapshot *s)
{
    static const char *const rule = "posture-mailbox-forwarding";
    if (!s->db.fwd_exported) {
        not_evaluated(s, rule,
                      s->db.n_mbxs ? "the Get-Mailbox export has no ForwardingSmtpAddress column "
                                     "(select it)"
                                   : "needs Get-Mailbox output with ForwardingSmtpAddress");
        return;
    }
    for (size_t i = 0; i < s->db.n_mbxs && !s->nomem; i++) {
        const struct m365_snap_mbx *m = &s->db.mbxs[i];
        if (!m->fwd_smtp || tenant_domain(s, m->fwd_smtp) || allowed(s, m->ext_id, m->upn)) {
            continue; /* forwarding inside the tenant is ordinary (assistants, shared work) */
        }
        bool diverted = m->fwd_keep_copy == 0;
        struct fdraft d;
        draft_init(&d, rule, "Mailbox forwards outside the tenant",
                   diverted ? M365_SEV_HIGH : M365_SEV_MEDIUM);
        d.techs = tech_forwarding;
        d.n_techs = 1;
        const char *who = m->upn ? m->upn : (m->name ? m->name : "?");
        d.list2 = malloc(sizeof(*d.list2));
        if (!d.list2) {
            s->nomem = true;
            draft_free(&d);
            return;
        }
        d.list2[0] = who;
        d.n_list2 = 1;
        m365_buf_printf(&d.summary, "Mailbox %s forwards all its mail to %s, outside the tenant%s",
                        who, m->fwd_smtp,
                        diverted ? ", without keeping a copy (the owner does not see it)"
                                 : m->fwd_keep_copy == 1 ? ", keeping a copy" : "");
        int first = 1;
        m365_json_key(&d.details, &first, "forwarding_smtp_address");
        json_str_or_null(&d.details, m->fwd_smtp);
        key_tri(&d.details, &first, "deliver_to_mailbox_and_forward", m->fwd_keep_copy);
        m365_json_key(&d.details, &first, "forwarding_address");
        json_str_or_null(&d.details, m->fwd_recipient);
        m365_json_key(&d.details, &first, "tenant_domains_from");
        m365_buf_puts(&d.details, s->db.n_domains ? "\"domains\"" : "\"account addresses\"");
        emit(s, &d);
        draft_free(&d);
    }
}
