/* The tenant snapshot at the end of the window, as the Graph pages (and the Get-Mailbox JSON)
 * an investigator collects alongside the logs: users with licences and sign-in activity,
 * service principals with their credentials, permission grants, app role assignments, MFA
 * registration, mailboxes. It agrees with the logs: licence changes, new credentials, consents
 * and registrations made during the window are in it.
 *
 * None of these objects carries both createdDateTime and userPrincipalName / appId, so the
 * readers do not mistake a snapshot page for sign-in records. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"

#define PLAN_YAMMER "7547a3fe-08ee-4ccb-b430-5077c5041653"
#define PLAN_AUDIT "2f442157-a11c-46b9-ae5b-6e39ff4e5849"
#define PLAN_SWAY "a23b959c-7ce8-4e57-9140-b90eb88a9e97"

void sim_grant_add(struct sim *s, uint16_t client, uint16_t resource, uint32_t principal,
                   const char *scope, const char *role_id, int64_t t)
{
    if (s->n_grants < SIM_MAX_GRANTS) {
        s->grants[s->n_grants++] =
            (struct sim_grant){client, resource, principal, scope, role_id, t};
    }
}

static int write_file(struct sim *s, const char *name, struct sbuf *b)
{
    if (b->oom) {
        sim_error(s, "out of memory writing the snapshot");
        return -1;
    }
    char rel[128];
    snprintf(rel, sizeof(rel), "snapshot/%s", name);
    if (sim_mkdirs(s, rel) != 0) {
        sim_error(s, "%s/snapshot: cannot create the folder", s->out_dir);
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", s->out_dir, rel);
    FILE *f = fopen(path, "wb");
    int rc = 0;
    if (!f || fwrite(b->p, 1, b->len, f) != b->len) {
        rc = -1;
    }
    if (f && fclose(f) != 0) {
        rc = -1;
    }
    if (rc != 0) {
        sim_error(s, "%s: cannot write: %s", path, strerror(errno));
    }
    return rc;
}

static void page_start(struct jw *w, const char *context)
{
    jw_obj(w);
    jw_ks(w, "@odata.context", context);
    jw_key(w, "value");
    jw_arr(w);
}

static void time_or_null(struct jw *w, const char *k, int64_t t)
{
    jw_key(w, k);
    if (t > 0) {
        jw_time(w, t, TF_Z0, 0);
    } else {
        jw_null(w);
    }
}

static bool mailbox_user(const struct sim_user *u)
{
    return u->role != R_ATTACKER && u->role != R_FORMER;
}

static int users(struct sim *s)
{
    struct sbuf b = {0};
    struct jw w;
    jw_start(&w, &b, false);
    page_start(&w, "https://graph.microsoft.com/beta/$metadata#users(id,displayName,"
                   "userPrincipalName,accountEnabled,userType,jobTitle,department,"
                   "assignedLicenses,signInActivity)");
    for (uint32_t i = 0; i < s->n_users; i++) {
        const struct sim_user *u = &s->users[i];
        bool left = u->disabled_at < s->gen_end; /* disabled and unlicensed when it left */
        jw_obj(&w);
        jw_ks(&w, "id", u->id);
        jw_ks(&w, "displayName", u->display);
        jw_ks(&w, "userPrincipalName", u->upn);
        jw_kb(&w, "accountEnabled", u->enabled && !left);
        jw_ks(&w, "userType", "Member");
        jw_ks(&w, "jobTitle", u->job);
        jw_ks(&w, "department", u->dept);
        jw_key(&w, "assignedLicenses");
        jw_arr(&w);
        if (u->lic != LIC_NONE && !left) {
            jw_obj(&w);
            jw_key(&w, "disabledPlans");
            jw_arr(&w);
            jw_str(&w, PLAN_YAMMER);
            if (u->e5_extra_disabled) {
                jw_str(&w, PLAN_SWAY);
            }
            if (u->audit_disabled_now) {
                jw_str(&w, PLAN_AUDIT);
            }
            jw_end(&w);
            jw_ks(&w, "skuId",
                  u->lic == LIC_E5 ? "06ebc4ee-1bb5-47dd-8120-11324bc54e06"
                                   : "05e9a617-0261-4cee-bb44-138d3ef5d965");
            jw_end(&w);
        }
        jw_end(&w);
        int64_t last = u->last_signin ? u->last_signin : u->last_signin_before;
        int64_t ni = u->last_ni_signin ? u->last_ni_signin : 0;
        int64_t ok = u->last_success ? u->last_success : u->last_signin_before;
        jw_key(&w, "signInActivity");
        jw_obj(&w);
        time_or_null(&w, "lastSignInDateTime", last);
        jw_key(&w, "lastSignInRequestId");
        if (last > 0) {
            jw_guid(&w, sim_str_hash(u->id) ^ (uint64_t)last);
        } else {
            jw_null(&w);
        }
        time_or_null(&w, "lastNonInteractiveSignInDateTime", ni);
        jw_key(&w, "lastNonInteractiveSignInRequestId");
        if (ni > 0) {
            jw_guid(&w, sim_str_hash(u->id) ^ (uint64_t)ni);
        } else {
            jw_null(&w);
        }
        time_or_null(&w, "lastSuccessfulSignInDateTime", ok);
        jw_key(&w, "lastSuccessfulSignInRequestId");
        if (ok > 0) {
            jw_guid(&w, sim_str_hash(u->id) ^ (uint64_t)ok ^ 1);
        } else {
            jw_null(&w);
        }
        jw_end(&w);
        jw_end(&w);
    }
    jw_end(&w);
    jw_end(&w);
    sb_putc(&b, '\n');
    int rc = write_file(s, "users.json", &b);
    sb_free(&b);
    return rc;
}

static bool sp_exists(const struct sim *s, const struct sim_app *a)
{
    if (a->kind == APPK_FIRST_PARTY || a->kind == APPK_SERVICE) {
        return true;
    }
    return a->sp_created != INT64_MAX && a->sp_created < s->gen_end;
}

static void credentials(struct jw *w, const struct sim_app *a, bool cert, int64_t end)
{
    jw_key(w, cert ? "keyCredentials" : "passwordCredentials");
    jw_arr(w);
    for (unsigned k = 0; k < a->n_creds; k++) {
        const struct sim_cred *c = &a->creds[k];
        if (c->cert != cert || (c->removed && c->removed < end) || c->added >= end) {
            continue;
        }
        jw_obj(w);
        if (cert) {
            char thumb[41];
            sim_hex(c->key ^ 0x7468756d62ull, thumb, 40, true);
            jw_ks(w, "customKeyIdentifier", thumb);
        }
        jw_ks(w, "displayName", c->name);
        jw_kt(w, "endDateTime", c->added + 730 * SIM_DAY_MS, TF_Z0, 0);
        if (!cert) {
            char hint[4];
            sim_hex(c->key, hint, 3, false);
            jw_ks(w, "hint", hint);
        }
        jw_kg(w, "keyId", c->key);
        jw_kt(w, "startDateTime", c->added, TF_Z0, 0);
        if (cert) {
            jw_ks(w, "type", "AsymmetricX509Cert");
            jw_ks(w, "usage", "Verify");
        }
        jw_end(w);
    }
    jw_end(w);
}

static int service_principals(struct sim *s)
{
    struct sbuf b = {0};
    struct jw w;
    jw_start(&w, &b, false);
    page_start(&w, "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals");
    for (uint32_t i = 0; i < s->n_apps; i++) {
        const struct sim_app *a = &s->apps[i];
        if (!sp_exists(s, a)) {
            continue;
        }
        jw_obj(&w);
        jw_ks(&w, "id", a->sp);
        jw_kb(&w, "accountEnabled", true);
        jw_ks(&w, "appId", a->id);
        jw_ks(&w, "appDisplayName", a->name);
        jw_ks(&w, "displayName", a->name);
        jw_ks(&w, "appOwnerOrganizationId", a->owner_tenant);
        jw_ks(&w, "servicePrincipalType", "Application");
        jw_ks(&w, "signInAudience",
              a->multi_tenant || a->kind == APPK_FIRST_PARTY ? "AzureADMultipleOrgs"
                                                             : "AzureADMyOrg");
        jw_key(&w, "replyUrls");
        jw_arr(&w);
        if (a->reply_url) {
            jw_str(&w, a->reply_url);
        }
        if (a->reply_url2) {
            jw_str(&w, a->reply_url2);
        }
        jw_end(&w);
        credentials(&w, a, true, s->gen_end);
        credentials(&w, a, false, s->gen_end);
        jw_end(&w);
    }
    jw_end(&w);
    jw_end(&w);
    sb_putc(&b, '\n');
    int rc = write_file(s, "servicePrincipals.json", &b);
    sb_free(&b);
    return rc;
}

static int grants(struct sim *s, bool roles)
{
    struct sbuf b = {0};
    struct jw w;
    jw_start(&w, &b, false);
    page_start(&w, roles ? "https://graph.microsoft.com/v1.0/$metadata#appRoleAssignments"
                         : "https://graph.microsoft.com/v1.0/$metadata#oauth2PermissionGrants");
    for (uint32_t i = 0; i < s->n_grants; i++) {
        const struct sim_grant *g = &s->grants[i];
        if ((g->role_id != NULL) != roles || g->t >= s->gen_end) {
            continue;
        }
        const struct sim_app *c = &s->apps[g->client], *res = &s->apps[g->resource];
        uint64_t id = sim_str_hash(c->sp) ^ sim_str_hash(res->sp) ^ (uint64_t)i;
        jw_obj(&w);
        if (roles) {
            jw_kg(&w, "id", id);
            jw_kt(&w, "createdDateTime", g->t, TF_Z0, 0);
            jw_ks(&w, "appRoleId", g->role_id);
            jw_ks(&w, "principalDisplayName", c->name);
            jw_ks(&w, "principalId", c->sp);
            jw_ks(&w, "principalType", "ServicePrincipal");
            jw_ks(&w, "resourceDisplayName", res->name);
            jw_ks(&w, "resourceId", res->sp);
            jw_ks(&w, "appRoleValue", g->scope);
        } else {
            jw_ks(&w, "clientId", c->sp);
            jw_ks(&w, "consentType", g->principal == SIM_NONE ? "AllPrincipals" : "Principal");
            jw_kg(&w, "id", id);
            jw_key(&w, "principalId");
            if (g->principal == SIM_NONE) {
                jw_null(&w);
            } else {
                jw_str(&w, s->users[g->principal].id);
            }
            jw_ks(&w, "resourceId", res->sp);
            jw_ks(&w, "scope", g->scope);
        }
        jw_end(&w);
    }
    jw_end(&w);
    jw_end(&w);
    sb_putc(&b, '\n');
    int rc = write_file(s, roles ? "appRoleAssignments.json" : "oauth2PermissionGrants.json", &b);
    sb_free(&b);
    return rc;
}

static int registration(struct sim *s)
{
    struct sbuf b = {0};
    struct jw w;
    jw_start(&w, &b, false);
    page_start(&w, "https://graph.microsoft.com/beta/$metadata#reports/authenticationMethods/"
                   "userRegistrationDetails");
    for (uint32_t i = 0; i < s->n_users; i++) {
        const struct sim_user *u = &s->users[i];
        bool mfa = u->mfa || u->mfa_now;
        jw_obj(&w);
        jw_ks(&w, "id", u->id);
        jw_ks(&w, "userPrincipalName", u->upn);
        jw_ks(&w, "userDisplayName", u->display);
        jw_ks(&w, "userType", "member");
        jw_kb(&w, "isAdmin", u->global_admin || u->role == R_ADMIN);
        jw_kb(&w, "isSsprRegistered", mfa);
        jw_kb(&w, "isSsprEnabled", true);
        jw_kb(&w, "isSsprCapable", mfa);
        jw_kb(&w, "isMfaRegistered", mfa);
        jw_kb(&w, "isMfaCapable", mfa);
        jw_kb(&w, "isPasswordlessCapable", false);
        jw_key(&w, "methodsRegistered");
        jw_arr(&w);
        if (mfa) {
            jw_str(&w, "microsoftAuthenticatorPush");
            jw_str(&w, "softwareOneTimePasscode");
            if (u->methods & 2) {
                jw_str(&w, "mobilePhone");
            }
        }
        jw_end(&w);
        jw_key(&w, "defaultMfaMethod");
        jw_str(&w, mfa ? "microsoftAuthenticatorPush" : "none");
        jw_kt(&w, "lastUpdatedDateTime", s->gen_end - SIM_HOUR_MS, TF_Z0, 0);
        jw_end(&w);
    }
    jw_end(&w);
    jw_end(&w);
    sb_putc(&b, '\n');
    int rc = write_file(s, "userRegistrationDetails.json", &b);
    sb_free(&b);
    return rc;
}

/* Get-Mailbox -ResultSize Unlimited | ConvertTo-Json (a plain array). */
static int mailboxes(struct sim *s)
{
    struct sbuf b = {0};
    struct jw w;
    jw_start(&w, &b, false);
    jw_arr(&w);
    for (uint32_t i = 0; i < s->n_users; i++) {
        const struct sim_user *u = &s->users[i];
        if (!mailbox_user(u) || (u->role == R_NEWHIRE && u->created >= s->gen_end)) {
            continue;
        }
        jw_obj(&w);
        jw_ks(&w, "Name", u->id);
        jw_ks(&w, "Alias", u->nick);
        jw_ks(&w, "DisplayName", u->display);
        jw_ks(&w, "UserPrincipalName", u->upn);
        jw_ks(&w, "PrimarySmtpAddress", u->upn);
        jw_ks(&w, "ExchangeGuid", u->mbx);
        jw_ks(&w, "ExternalDirectoryObjectId", u->id);
        /* A leaver's mailbox was converted to a shared one. */
        bool shared = u->role == R_SHARED || u->disabled_at < s->gen_end;
        jw_ks(&w, "RecipientTypeDetails", shared ? "SharedMailbox" : "UserMailbox");
        jw_key(&w, "ForwardingSmtpAddress");
        jw_str(&w, u->forwarding);
        jw_kb(&w, "DeliverToMailboxAndForward", u->forwarding != NULL);
        jw_kb(&w, "AuditEnabled", true);
        jw_key(&w, "GrantSendOnBehalfTo");
        jw_arr(&w);
        jw_end(&w);
        jw_kt(&w, "WhenCreatedUTC", u->created, TF_Z0, 0);
        jw_end(&w);
    }
    jw_end(&w);
    sb_putc(&b, '\n');
    int rc = write_file(s, "mailboxes.json", &b);
    sb_free(&b);
    return rc;
}

int sim_snapshot_write(struct sim *s)
{
    if (users(s) != 0 || service_principals(s) != 0 || grants(s, false) != 0 ||
        grants(s, true) != 0 || registration(s) != 0 || mailboxes(s) != 0) {
        return -1;
    }
    return 0;
}
