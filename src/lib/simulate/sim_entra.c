/* Entra ID sign-ins and directory audits as Graph items (FL_GRAPH), Azure Monitor diagnostic
 * records (FL_AZMON: envelope + the Graph object in properties) and Log Analytics rows (FL_LA:
 * SigninLogs, AADNonInteractiveUserSignInLogs, AADServicePrincipalSignInLogs, AuditLogs).
 * The nested parts are written once and shared: in a row they become dynamic cells. */
#include <stdio.h>

#include "sim.h"

struct ent {
    struct sim *s;
    const struct sim_ev *e;
    struct jw *w;
    enum sim_flavour fl;
    char id[80];
    unsigned sub; /* sub-millisecond digits of 7-digit times */
};

static void k2(struct ent *c, const char *graph, const char *la)
{
    jw_key_fl(c->w, c->fl, graph, la);
}

static const char *failure_reason(int32_t code)
{
    switch (code) {
    case 0: return NULL;
    case 50126: return "Error validating credentials due to invalid username or password.";
    case 50074: return "Strong Authentication is required.";
    case 50079:
        return "Due to a configuration change made by your administrator, or because you moved "
               "to a new location, you must enroll in multi-factor authentication.";
    case 500121: return "Authentication failed during strong authentication request.";
    case 50140:
        return "This error occurred due to 'Keep me signed in' interrupt when the user was "
               "signing in.";
    case 50053:
        return "Account is locked because user tried to sign in too many times with an "
               "incorrect user ID or password.";
    case 50057:
        return "User account is disabled. The account has been disabled by an administrator.";
    case 50034: return "The user account does not exist in the directory.";
    case 53003:
        return "Access has been blocked by Conditional Access policies. The access policy does "
               "not allow token issuance.";
    case 65001:
        return "The user or administrator has not consented to use the application. Send an "
               "interactive authorization request for this user and resource.";
    default: return "Other.";
    }
}

static const char *client_used(uint8_t c)
{
    switch (c) {
    case SC_BROWSER: return "Browser";
    case SC_SMTP: return "Authenticated SMTP";
    case SC_IMAP: return "IMAP4";
    case SC_EAS: return "Exchange ActiveSync";
    default: return "Mobile Apps and Desktop clients";
    }
}

static bool legacy_client(uint8_t c)
{
    return c == SC_SMTP || c == SC_IMAP || c == SC_EAS;
}

static void step(struct ent *c, int64_t t, const char *method, const char *detail, bool ok,
                 const char *result, const char *req)
{
    struct jw *w = c->w;
    jw_obj(w);
    jw_kt(w, "authenticationStepDateTime", t, c->fl == FL_GRAPH ? TF_Z0 : TF_OFF7, c->sub);
    jw_ks(w, "authenticationMethod", method);
    if (detail) {
        jw_ks(w, "authenticationMethodDetail", detail);
    }
    jw_kb(w, "succeeded", ok);
    jw_ks(w, "authenticationStepResultDetail", result);
    jw_ks(w, "authenticationStepRequirement", req);
    if (c->fl != FL_GRAPH) {
        jw_ki(w, "StatusSequence", 0);
        jw_ki(w, "RequestSequence", 0);
    }
    jw_end(w);
}

static void auth_details(struct ent *c)
{
    const struct sim_ev *e = c->e;
    struct jw *w = c->w;
    jw_arr(w);
    switch (e->auth) {
    case AU_PASSWORD_FAIL:
        step(c, e->t, "Password", "Password in the cloud", false,
             "Invalid username or password or Invalid on-premise username or password.",
             "Primary authentication");
        break;
    case AU_CLAIM:
        step(c, e->t, "Previously satisfied", NULL, true,
             "First factor requirement satisfied by claim in the token", "Primary authentication");
        step(c, e->t, "Previously satisfied", NULL, true,
             "MFA requirement satisfied by claim in the token", "Primary authentication");
        break;
    case AU_CLAIM_SINGLE:
        step(c, e->t, "Previously satisfied", NULL, true,
             "First factor requirement satisfied by claim in the token", "Primary authentication");
        break;
    case AU_TAP:
        /* One step: the pass stands in for both the password and MFA. */
        step(c, e->t, "Temporary Access Pass", NULL, true, "MFA successfully completed",
             "Primary authentication");
        break;
    default:
        step(c, e->t, "Password", "Password in the cloud", true, "Correct password",
             "Primary authentication");
        if (e->auth == AU_MFA) {
            step(c, e->t, "Mobile app notification", NULL, true, "MFA successfully completed",
                 "Secondary authentication");
        } else if (e->err == 500121) {
            step(c, e->t, "Mobile app notification", NULL, false,
                 "MFA denied; user declined the authentication", "Secondary authentication");
        }
    }
    jw_end(w);
}

static void status(struct ent *c)
{
    const struct sim_ev *e = c->e;
    struct jw *w = c->w;
    jw_obj(w);
    jw_ki(w, "errorCode", e->err);
    const char *why = failure_reason(e->err);
    if (c->fl == FL_GRAPH) {
        jw_ks(w, "failureReason", why ? why : "Other.");
        jw_key(w, "additionalDetails");
        if (e->err == 0 && e->auth == AU_CLAIM) {
            jw_str(w, "MFA requirement satisfied by claim in the token");
        } else if (e->err == 50126) {
            jw_str(w, "The user didn't enter the right credentials. It's expected to see some "
                      "number of these errors in your logs due to users making mistakes.");
        } else {
            jw_null(w);
        }
    } else if (why) {
        jw_ks(w, "failureReason", why);
    }
    jw_end(w);
}

static void device(struct ent *c)
{
    const struct sim_devinfo *d = &sim_devices[c->e->dev];
    struct jw *w = c->w;
    jw_obj(w);
    jw_ks(w, "deviceId", "");
    if (c->fl == FL_GRAPH) {
        jw_ks(w, "displayName", "");
    }
    jw_ks(w, "operatingSystem", d->os);
    if (d->browser[0]) {
        jw_ks(w, "browser", d->browser);
    }
    jw_kb(w, "isCompliant", false);
    jw_kb(w, "isManaged", false);
    if (c->fl == FL_GRAPH) {
        jw_ks(w, "trustType", "");
    }
    jw_end(w);
}

static void location(struct ent *c)
{
    const struct sim_ip *ip = &c->s->ips[c->e->ip];
    struct jw *w = c->w;
    char num[32];
    jw_obj(w);
    jw_ks(w, "city", ip->geo.city);
    jw_ks(w, "state", ip->geo.state);
    jw_ks(w, "countryOrRegion", ip->geo.country);
    jw_key(w, "geoCoordinates");
    jw_obj(w);
    if (c->fl == FL_GRAPH) {
        jw_kn(w, "altitude");
    }
    snprintf(num, sizeof(num), "%.5f", ip->geo.lat);
    jw_key(w, "latitude");
    jw_num(w, num);
    snprintf(num, sizeof(num), "%.5f", ip->geo.lon);
    jw_key(w, "longitude");
    jw_num(w, num);
    jw_end(w);
    jw_end(w);
}

static bool is_admin(const struct sim_user *u)
{
    return u->global_admin || u->role == R_ADMIN;
}

static void ca_policies(struct ent *c)
{
    const struct sim_ev *e = c->e;
    const struct sim_user *u = &c->s->users[e->user];
    struct jw *w = c->w;
    bool legacy = legacy_client(e->client);
    /* CA001 requires MFA for administrators; CA002 blocks legacy authentication. The legacy
     * leftovers and the printer are excluded from both (the mistake the attack relies on). */
    bool excluded = u->role == R_LEGACY || u->role == R_PRINTER;
    const char *r1 = is_admin(u) && !excluded && e->err == 0 ? "success" : "notApplied";
    const char *r2 =
        legacy && !excluded ? (e->flags & EVF_CA_BLOCK ? "failure" : "notApplied") : "notApplied";
    for (int k = 0; k < 2; k++) {
        jw_obj(w);
        jw_ks(w, "id", k ? c->s->tenant.ca2 : c->s->tenant.ca1);
        jw_ks(w, "displayName",
              k ? "CA002: Block legacy authentication" : "CA001: Require MFA for administrators");
        jw_key(w, "enforcedGrantControls");
        jw_arr(w);
        jw_str(w, k ? "Block" : "Mfa");
        jw_end(w);
        jw_key(w, "enforcedSessionControls");
        jw_arr(w);
        jw_end(w);
        const char *res = k ? r2 : r1;
        jw_ks(w, "result", res);
        if (c->fl != FL_GRAPH) {
            bool hit = strcmp(res, "notApplied") != 0;
            jw_ki(w, "conditionsSatisfied", hit ? 1 : 0);
            jw_ki(w, "conditionsNotSatisfied", hit ? 0 : 1);
        }
        jw_end(w);
    }
}

static const char *ca_status(const struct sim *s, const struct sim_ev *e)
{
    const struct sim_user *u = &s->users[e->user];
    if (e->flags & EVF_CA_BLOCK) {
        return "failure";
    }
    if (is_admin(u) && u->role != R_LEGACY && e->err == 0) {
        return "success";
    }
    return "notApplied";
}

static void empty_arr(struct jw *w, const char *k)
{
    jw_key(w, k);
    jw_arr(w);
    jw_end(w);
}

static void processing_details(struct ent *c, bool sp)
{
    struct jw *w = c->w;
    jw_arr(w);
    jw_obj(w);
    if (sp) {
        jw_ks(w, "key", "Azure AD App Authentication Library");
        jw_ks(w, "value", "Family: MSAL Library: MSAL.NET 4.66.1 Platform: .NET");
    } else {
        jw_ks(w, "key", "Legacy TLS (TLS 1.0, 1.1, 3DES)");
        jw_ks(w, "value", "False");
        jw_end(w);
        jw_obj(w);
        jw_ks(w, "key", "Is CAE Token");
        jw_ks(w, "value", "False");
    }
    jw_end(w);
    jw_end(w);
}

static void network_location(struct ent *c)
{
    struct jw *w = c->w;
    jw_arr(w);
    if (c->e->flags & EVF_TRUSTED) {
        jw_obj(w);
        jw_ks(w, "networkType", "trustedNamedLocation");
        jw_key(w, "networkNames");
        jw_arr(w);
        jw_str(w, c->s->tenant.named_location);
        jw_end(w);
        jw_end(w);
    }
    jw_end(w);
}

static void mfa_detail(struct ent *c)
{
    struct jw *w = c->w;
    if ((c->e->auth == AU_MFA || c->e->auth == AU_TAP) && c->e->err == 0) {
        jw_obj(w);
        jw_ks(w, "authMethod",
              c->e->auth == AU_TAP ? "Temporary Access Pass" : "Mobile app notification");
        jw_kn(w, "authDetail");
        jw_end(w);
    } else if (c->fl == FL_GRAPH) {
        jw_null(w);
    } else {
        jw_obj(w);
        jw_end(w);
    }
}

static const char *category_of(const struct sim_ev *e)
{
    if (e->type == EV_AUDIT) {
        return "AuditLogs";
    }
    if (e->flags & EVF_SP) {
        return "ServicePrincipalSignInLogs";
    }
    return e->flags & EVF_INTERACTIVE ? "SignInLogs" : "NonInteractiveUserSignInLogs";
}

const char *sim_la_table(const struct sim_ev *e)
{
    if (e->type == EV_AUDIT) {
        return "AuditLogs";
    }
    if (e->type != EV_SIGNIN) {
        return "OfficeActivity";
    }
    if (e->flags & EVF_SP) {
        return "AADServicePrincipalSignInLogs";
    }
    return e->flags & EVF_INTERACTIVE ? "SigninLogs" : "AADNonInteractiveUserSignInLogs";
}

static void la_common(struct ent *c, const char *op, const char *category)
{
    struct jw *w = c->w;
    struct sim *s = c->s;
    char rid[96];
    snprintf(rid, sizeof(rid), "/tenants/%s/providers/Microsoft.aadiam", s->tenant.id);
    jw_ks(w, "TenantId", s->tenant.workspace);
    jw_ks(w, "SourceSystem", "Azure AD");
    jw_kt(w, "TimeGenerated", c->e->t, TF_Z3, 0);
    jw_ks(w, "ResourceId", rid);
    jw_ks(w, "OperationName", op);
    jw_ks(w, "OperationVersion", "1.0");
    jw_ks(w, "Category", category);
}

/* Azure Monitor envelope, up to "properties". Non-interactive and service principal records
 * are delivered 40 to 150 s after the sign-in, as real ones are. */
static void azmon_envelope(struct ent *c, const char *op, const char *category, const char *rtype,
                           const char *identity)
{
    struct jw *w = c->w;
    struct sim *s = c->s;
    const struct sim_ev *e = c->e;
    char rid[96];
    snprintf(rid, sizeof(rid), "/tenants/%s/providers/Microsoft.aadiam", s->tenant.id);
    int64_t t = e->t;
    if (e->type == EV_SIGNIN && !(e->flags & EVF_INTERACTIVE)) {
        t += 40000 + (int64_t)(e->rnd % 110000);
    }
    jw_kt(w, "time", t, TF_Z7, c->sub);
    jw_ks(w, "resourceId", rid);
    jw_ks(w, "operationName", op);
    jw_ks(w, "operationVersion", "1.0");
    jw_ks(w, "category", category);
    jw_ks(w, "tenantId", s->tenant.id);
    if (rtype) {
        jw_ks(w, "resultType", rtype);
    }
    jw_ks(w, "resultSignature",
          e->type == EV_AUDIT || (e->flags & EVF_INTERACTIVE) ? "None"
          : e->err == 0                                       ? "SUCCESS"
                                                              : "FAILURE");
    jw_ki(w, "durationMs", 0);
    jw_ks(w, "callerIpAddress", e->ip != SIM_NONE ? s->ips[e->ip].addr : "<null>");
    jw_kg(w, "correlationId", e->corr);
    if (identity) {
        jw_ks(w, "identity", identity);
    }
    jw_ki(w, "Level", 4);
    if (e->type == EV_SIGNIN) {
        jw_ks(w, "location", s->ips[e->ip].geo.country);
    }
}

static void render_sp_signin(struct ent *c)
{
    struct jw *w = c->w;
    struct sim *s = c->s;
    const struct sim_ev *e = c->e;
    const struct sim_app *a = &s->apps[e->app];
    const struct sim_app *res = &s->apps[e->res];
    bool la = c->fl == FL_LA;
    char key[37] = "", thumb[41] = "";
    if (e->key) {
        sim_guid(e->key, key);
    }
    if (e->cred) {
        sim_hex(e->key ^ 0x7468756d62ull, thumb, 40, true);
    }
    if (la) {
        la_common(c, "Sign-in activity", "ServicePrincipalSignInLogs");
        jw_ks(w, "ResultType", e->err ? "1" : "0");
        jw_ks(w, "ResultSignature", "SUCCESS");
        jw_kg(w, "CorrelationId", e->corr);
        jw_ks(w, "Location", s->ips[e->ip].geo.country);
    } else if (c->fl == FL_AZMON) {
        azmon_envelope(c, "Sign-in activity", "ServicePrincipalSignInLogs", "0", NULL);
        jw_key(w, "properties");
        jw_obj(w);
    }
    k2(c, "id", "Id");
    jw_str(w, c->id);
    k2(c, "createdDateTime", "CreatedDateTime");
    jw_time(w, e->t, c->fl == FL_GRAPH ? TF_Z0 : TF_OFF7, c->sub);
    if (c->fl == FL_GRAPH) {
        jw_kn(w, "userDisplayName");
        jw_kn(w, "userPrincipalName");
        jw_ks(w, "userId", "");
    }
    k2(c, "appId", "AppId");
    jw_str(w, a->id);
    k2(c, "appDisplayName", "AppDisplayName");
    jw_str(w, a->name);
    k2(c, "ipAddress", "IPAddress");
    jw_str(w, s->ips[e->ip].addr);
    if (!la) {
        jw_key(w, "status");
        status(c);
    }
    k2(c, "userAgent", "UserAgent");
    jw_str(w, "");
    k2(c, "location", "LocationDetails");
    location(c);
    if (!la) {
        jw_kg(w, "correlationId", e->corr);
    }
    k2(c, "conditionalAccessStatus", "ConditionalAccessStatus");
    jw_str(w, "notApplied");
    if (!la) {
        empty_arr(w, "appliedConditionalAccessPolicies");
        jw_kb(w, "isInteractive", false);
    }
    k2(c, "tokenIssuerType", "TokenIssuerType");
    jw_str(w, "AzureAD");
    k2(c, "authenticationProcessingDetails", "AuthenticationProcessingDetails");
    processing_details(c, true);
    k2(c, "clientCredentialType", "ClientCredentialType");
    jw_str(w, e->cred ? "certificate" : "clientSecret");
    k2(c, "resourceDisplayName", "ResourceDisplayName");
    jw_str(w, res->name);
    k2(c, "resourceId", "ResourceIdentity");
    jw_str(w, res->id);
    k2(c, "servicePrincipalName", "ServicePrincipalName");
    jw_str(w, a->name);
    k2(c, "servicePrincipalId", "ServicePrincipalId");
    jw_str(w, a->sp);
    k2(c, "servicePrincipalCredentialKeyId", "ServicePrincipalCredentialKeyId");
    jw_str(w, key);
    k2(c, "servicePrincipalCredentialThumbprint", "ServicePrincipalCredentialThumbprint");
    jw_str(w, thumb);
    k2(c, "uniqueTokenIdentifier", "UniqueTokenIdentifier");
    jw_token(w, e->tok);
    k2(c, "resourceServicePrincipalId", "ResourceServicePrincipalId");
    jw_str(w, res->sp);
    k2(c, "appOwnerTenantId", "AppOwnerTenantId");
    jw_str(w, a->owner_tenant);
    k2(c, "resourceOwnerTenantId", "ResourceOwnerTenantId");
    jw_str(w, res->owner_tenant);
    k2(c, "autonomousSystemNumber", "AutonomousSystemNumber");
    jw_int(w, s->ips[e->ip].asn);
    if (c->fl == FL_GRAPH) {
        jw_key(w, "signInEventTypes");
        jw_arr(w);
        jw_str(w, "servicePrincipal");
        jw_end(w);
        jw_ks(w, "resourceTenantId", s->tenant.id);
    }
    if (la) {
        jw_ks(w, "AADTenantId", s->tenant.id);
        jw_ks(w, "Type", "AADServicePrincipalSignInLogs");
    } else if (c->fl == FL_AZMON) {
        jw_end(w);
    }
}

static void render_user_signin(struct ent *c)
{
    struct jw *w = c->w;
    struct sim *s = c->s;
    const struct sim_ev *e = c->e;
    const struct sim_user *u = &s->users[e->user];
    const struct sim_app *a = &s->apps[e->app];
    const struct sim_app *res = &s->apps[e->res];
    const struct sim_ip *ip = &s->ips[e->ip];
    bool la = c->fl == FL_LA, inter = (e->flags & EVF_INTERACTIVE) != 0;
    const char *category = category_of(e);
    char code[16];
    snprintf(code, sizeof(code), "%d", (int)e->err);
    const char *why = failure_reason(e->err);
    const char *areq = e->auth == AU_MFA || e->auth == AU_CLAIM || e->auth == AU_TAP
                           ? "multiFactorAuthentication"
                           : "singleFactorAuthentication";
    bool ropc = e->client == SC_ROPC || legacy_client(e->client);
    if (la) {
        la_common(c, "Sign-in activity", category);
        jw_ks(w, "ResultType", code);
        jw_ks(w, "ResultSignature", inter ? "None" : e->err ? "FAILURE" : "SUCCESS");
        jw_ks(w, "ResultDescription", why ? why : "");
        jw_ks(w, "DurationMs", "0");
        jw_kg(w, "CorrelationId", e->corr);
        jw_ks(w, "Resource", "Microsoft.aadiam");
        jw_ks(w, "ResourceGroup", "Microsoft.aadiam");
        jw_ks(w, "Identity", u->display);
        jw_ks(w, "Level", "4");
        jw_ks(w, "Location", ip->geo.country);
        jw_ks(w, "AlternateSignInName", u->upn);
    } else if (c->fl == FL_AZMON) {
        azmon_envelope(c, "Sign-in activity", category, code, u->display);
        jw_key(w, "properties");
        jw_obj(w);
    }
    k2(c, "id", "Id");
    jw_str(w, c->id);
    k2(c, "createdDateTime", "CreatedDateTime");
    jw_time(w, e->t, c->fl == FL_GRAPH ? TF_Z0 : TF_OFF7, c->sub);
    k2(c, "userDisplayName", "UserDisplayName");
    jw_str(w, u->display);
    k2(c, "userPrincipalName", "UserPrincipalName");
    jw_str(w, u->upn);
    k2(c, "userId", "UserId");
    jw_str(w, u->id);
    k2(c, "appId", "AppId");
    jw_str(w, a->id);
    k2(c, "appDisplayName", "AppDisplayName");
    jw_str(w, a->name);
    k2(c, "ipAddress", "IPAddress");
    jw_str(w, ip->addr);
    if (c->fl == FL_GRAPH) {
        jw_kn(w, "ipAddressFromResourceProvider");
    }
    k2(c, "clientAppUsed", "ClientAppUsed");
    jw_str(w, client_used(e->client));
    k2(c, "userAgent", "UserAgent");
    jw_str(w, sim_devices[e->dev].ua);
    if (!la) {
        jw_kg(w, "correlationId", e->corr);
    }
    k2(c, "conditionalAccessStatus", "ConditionalAccessStatus");
    jw_str(w, ca_status(s, e));
    k2(c, "originalRequestId", "OriginalRequestId");
    jw_str(w, c->id);
    k2(c, "isInteractive", "IsInteractive");
    jw_bool(w, inter);
    k2(c, "tokenIssuerName", "TokenIssuerName");
    jw_str(w, "");
    k2(c, "tokenIssuerType", "TokenIssuerType");
    jw_str(w, "AzureAD");
    if (!la) {
        jw_ks(w, "clientCredentialType", "none");
    }
    k2(c, "processingTimeInMilliseconds", "ProcessingTimeInMilliseconds");
    if (la) {
        char pt[12];
        snprintf(pt, sizeof(pt), "%u", (unsigned)(120 + e->rnd % 400));
        jw_str(w, pt);
    } else {
        jw_int(w, (int64_t)(120 + e->rnd % 400));
    }
    k2(c, "riskDetail", "RiskDetail");
    jw_str(w, "none");
    k2(c, "riskLevelAggregated", "RiskLevelAggregated");
    jw_str(w, "none");
    k2(c, "riskLevelDuringSignIn", "RiskLevelDuringSignIn");
    jw_str(w, "none");
    k2(c, "riskState", "RiskState");
    jw_str(w, "none");
    if (la) {
        jw_ks(w, "RiskEventTypes", "[]");
        jw_ks(w, "RiskEventTypes_V2", "[]");
    } else {
        empty_arr(w, "riskEventTypes");
        empty_arr(w, "riskEventTypes_v2");
    }
    k2(c, "resourceDisplayName", "ResourceDisplayName");
    jw_str(w, res->name);
    k2(c, "resourceId", "ResourceIdentity");
    jw_str(w, res->id);
    k2(c, "resourceTenantId", "ResourceTenantId");
    jw_str(w, s->tenant.id);
    k2(c, "homeTenantId", "HomeTenantId");
    jw_str(w, s->tenant.id);
    if (c->fl == FL_GRAPH) {
        jw_ks(w, "homeTenantName", s->tenant.name);
        empty_arr(w, "authenticationMethodsUsed");
    } else if (c->fl == FL_AZMON) {
        jw_ks(w, "tenantId", s->tenant.id);
    }
    k2(c, "authenticationRequirement", "AuthenticationRequirement");
    jw_str(w, areq);
    k2(c, "signInIdentifier", "SignInIdentifier");
    jw_str(w, u->upn);
    if (c->fl == FL_GRAPH) {
        jw_kn(w, "signInIdentifierType");
        jw_kn(w, "servicePrincipalName");
        jw_key(w, "signInEventTypes");
        jw_arr(w);
        jw_str(w, inter ? "interactiveUser" : "nonInteractiveUser");
        jw_end(w);
    } else if (c->fl == FL_AZMON) {
        jw_ks(w, "alternateSignInName", u->upn);
    }
    k2(c, "servicePrincipalId", "ServicePrincipalId");
    jw_str(w, "");
    if (c->fl == FL_GRAPH) {
        jw_kn(w, "federatedCredentialId");
    }
    k2(c, "userType", "UserType");
    jw_str(w, c->fl == FL_GRAPH ? "member" : "Member");
    k2(c, "flaggedForReview", "FlaggedForReview");
    jw_bool(w, false);
    if (!la) {
        jw_kb(w, "isTenantRestricted", false);
    }
    k2(c, "autonomousSystemNumber", "AutonomousSystemNumber");
    jw_int(w, ip->asn);
    k2(c, "crossTenantAccessType", "CrossTenantAccessType");
    jw_str(w, "none");
    if (c->fl == FL_GRAPH) {
        jw_ks(w, "servicePrincipalCredentialKeyId", "");
        jw_ks(w, "servicePrincipalCredentialThumbprint", "");
    }
    k2(c, "uniqueTokenIdentifier", "UniqueTokenIdentifier");
    jw_token(w, e->tok);
    k2(c, "incomingTokenType", "IncomingTokenType");
    jw_str(w, "none");
    k2(c, "authenticationProtocol", "AuthenticationProtocol");
    jw_str(w, ropc ? "ropc" : "none");
    if (!la) {
        jw_ks(w, "resourceServicePrincipalId", res->sp);
    }
    k2(c, "sessionId", "SessionId");
    if (e->sess) {
        jw_guid(w, e->sess);
    } else {
        jw_str(w, "");
    }
    k2(c, "mfaDetail", "MfaDetail");
    mfa_detail(c);
    k2(c, "status", "Status");
    status(c);
    k2(c, "deviceDetail", "DeviceDetail");
    device(c);
    k2(c, "location", "LocationDetails");
    location(c);
    k2(c, "appliedConditionalAccessPolicies", "ConditionalAccessPolicies");
    jw_arr(w);
    ca_policies(c);
    jw_end(w);
    if (!la) {
        empty_arr(w, "authenticationContextClassReferences");
    }
    k2(c, "authenticationProcessingDetails", "AuthenticationProcessingDetails");
    processing_details(c, false);
    k2(c, "networkLocationDetails", "NetworkLocationDetails");
    network_location(c);
    k2(c, "authenticationDetails", "AuthenticationDetails");
    auth_details(c);
    if (la) {
        jw_ks(w, "AuthenticationRequirementPolicies", "[]");
        jw_ks(w, "AADTenantId", s->tenant.id);
        jw_ks(w, "Type", sim_la_table(e));
    } else {
        empty_arr(w, "authenticationRequirementPolicies");
        empty_arr(w, "sessionLifetimePolicies");
    }
    if (c->fl == FL_AZMON) {
        jw_ks(w, "appOwnerTenantId", a->owner_tenant);
        jw_ks(w, "resourceOwnerTenantId", res->owner_tenant);
        jw_end(w);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Directory audits. */

static void audit_id(struct ent *c, const struct sim_audit *a)
{
    char corr[37];
    sim_guid(c->e->corr, corr);
    uint64_t k = c->e->rnd;
    if (strcmp(a->service, "Authentication Methods") == 0) {
        snprintf(c->id, sizeof(c->id), "SSGM_%s_%018llu", corr,
                 (unsigned long long)(k % 1000000000000000000ull));
    } else {
        static const char an[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        char tag[6];
        for (int i = 0; i < 5; i++) {
            tag[i] = an[(k >> (6 * i)) % 36];
        }
        tag[5] = '\0';
        snprintf(c->id, sizeof(c->id), "Directory_%s_%s_%09llu", corr, tag,
                 (unsigned long long)((k >> 32) % 1000000000ull));
    }
}

static void graph_value(struct jw *w, const struct sim_prop *p, bool old)
{
    const char *v = old ? p->old_v : p->new_v;
    if (!v) {
        jw_null(w);
    } else if (p->json) {
        jw_str(w, v); /* the JSON text, as a string */
    } else {
        /* Plain values are JSON-encoded strings in the Entra log: "\"Member\"". */
        struct sbuf b = {0};
        sb_putc(&b, '"');
        sb_json_esc(&b, v, strlen(v));
        sb_putc(&b, '"');
        jw_strn(w, b.p ? b.p : "", b.len);
        sb_free(&b);
    }
}

static void initiated_by(struct ent *c, const struct sim_audit *a)
{
    struct jw *w = c->w;
    struct sim *s = c->s;
    jw_obj(w);
    if (a->actor_user != SIM_NONE) {
        const struct sim_user *u = &s->users[a->actor_user];
        if (c->fl == FL_GRAPH) {
            jw_kn(w, "app");
        }
        jw_key(w, "user");
        jw_obj(w);
        jw_ks(w, "id", u->id);
        jw_kn(w, "displayName");
        jw_ks(w, "userPrincipalName", u->upn);
        jw_key(w, "ipAddress");
        if (a->ip != SIM_NONE) {
            jw_str(w, s->ips[a->ip].addr);
        } else {
            jw_null(w);
        }
        if (c->fl == FL_GRAPH) {
            jw_kn(w, "userType");
            jw_kn(w, "homeTenantId");
            jw_kn(w, "homeTenantName");
        } else {
            empty_arr(w, "roles");
        }
        jw_end(w);
    } else {
        const struct sim_app *ap = &s->apps[a->actor_app != SIM_NONE ? a->actor_app : A_GRAPH];
        jw_key(w, "app");
        jw_obj(w);
        jw_key(w, "appId");
        if (ap->kind == APPK_SERVICE) {
            jw_null(w); /* Microsoft's own service actors are logged without an appId */
        } else {
            jw_str(w, ap->id);
        }
        jw_ks(w, "displayName", ap->name);
        jw_ks(w, "servicePrincipalId", ap->sp);
        jw_kn(w, "servicePrincipalName");
        jw_end(w);
        if (c->fl == FL_GRAPH) {
            jw_kn(w, "user");
        }
    }
    jw_end(w);
}

static void target_resources(struct ent *c, const struct sim_audit *a)
{
    struct jw *w = c->w;
    jw_arr(w);
    for (unsigned ti = 0; ti < a->n_targets; ti++) {
        const struct sim_target *t = &a->targets[ti];
        jw_obj(w);
        jw_ks(w, "id", t->id);
        jw_ks(w, "displayName", t->name);
        jw_ks(w, "type", t->type);
        if (t->upn || c->fl == FL_GRAPH) {
            jw_ks(w, "userPrincipalName", t->upn);
        }
        if (c->fl == FL_GRAPH) {
            jw_kn(w, "groupType");
        }
        jw_key(w, "modifiedProperties");
        jw_arr(w);
        for (unsigned i = 0; i < t->n_props; i++) {
            jw_obj(w);
            jw_ks(w, "displayName", t->props[i].name);
            jw_key(w, "oldValue");
            graph_value(w, &t->props[i], true);
            jw_key(w, "newValue");
            graph_value(w, &t->props[i], false);
            jw_end(w);
        }
        jw_end(w);
        if (c->fl != FL_GRAPH) {
            empty_arr(w, "administrativeUnits");
        }
        jw_end(w);
    }
    jw_end(w);
}

static void additional_details(struct ent *c, const struct sim_audit *a)
{
    struct jw *w = c->w;
    jw_arr(w);
#define KV(k, v)                                                                                   \
    do {                                                                                           \
        jw_obj(w);                                                                                 \
        jw_ks(w, "key", k);                                                                        \
        jw_ks(w, "value", v);                                                                      \
        jw_end(w);                                                                                 \
    } while (0)
    if (a->ua) {
        KV("User-Agent", a->ua);
    }
    if (a->app_detail) {
        KV("AppId", a->app_detail);
    }
    if (strcmp(a->service, "Core Directory") == 0 && a->n_targets && a->targets[0].type &&
        strcmp(a->targets[0].type, "User") == 0) {
        KV("UserType", "Member");
    }
    for (unsigned i = 0; i < a->n_details; i++) {
        KV(a->details[i].name, a->details[i].value);
    }
#undef KV
    jw_end(w);
}

static void render_audit(struct ent *c)
{
    struct jw *w = c->w;
    struct sim *s = c->s;
    const struct sim_ev *e = c->e;
    const struct sim_audit *a = e->rich;
    audit_id(c, a);
    const char *identity = a->actor_user != SIM_NONE  ? s->users[a->actor_user].upn
                           : a->actor_app != SIM_NONE ? s->apps[a->actor_app].name
                                                      : NULL;
    const char *result = a->failure ? "failure" : "success";
    if (c->fl == FL_LA) {
        la_common(c, a->activity, a->category);
        jw_ks(w, "ResultSignature", "None");
        jw_kg(w, "CorrelationId", e->corr);
        jw_ks(w, "Resource", "Microsoft.aadiam");
        jw_ks(w, "ResourceGroup", "Microsoft.aadiam");
        jw_ks(w, "Level", "4");
        jw_key(w, "AdditionalDetails");
        additional_details(c, a);
        jw_ks(w, "Id", c->id);
        jw_key(w, "InitiatedBy");
        initiated_by(c, a);
        jw_ks(w, "LoggedByService", a->service);
        jw_ks(w, "Result", result);
        jw_ks(w, "ResultReason", a->result_reason ? a->result_reason : "");
        jw_key(w, "TargetResources");
        target_resources(c, a);
        jw_ks(w, "AADTenantId", s->tenant.id);
        jw_ks(w, "ActivityDisplayName", a->activity);
        jw_kt(w, "ActivityDateTime", e->t, TF_Z3, 0);
        jw_ks(w, "AADOperationType", a->op_type);
        jw_ks(w, "Type", "AuditLogs");
        return;
    }
    if (c->fl == FL_AZMON) {
        azmon_envelope(c, a->activity, "AuditLogs", NULL, identity);
        jw_key(w, "properties");
        jw_obj(w);
        jw_ks(w, "tenantId", s->tenant.id);
        jw_ks(w, "resultType", "");
        jw_ks(w, "resultDescription", "");
        jw_ks(w, "operationName", a->activity);
        jw_ks(w, "identity", identity);
        jw_ks(w, "tenantGeo",
              s->tenant.utc_offset >= 8    ? "AP"
              : s->tenant.utc_offset >= -1 ? "EU"
                                           : "NA");
    }
    jw_ks(w, "id", c->id);
    jw_ks(w, "category", a->category);
    jw_kg(w, "correlationId", e->corr);
    jw_ks(w, "result", result);
    jw_ks(w, "resultReason", a->result_reason ? a->result_reason : "");
    jw_ks(w, "activityDisplayName", a->activity);
    jw_kt(w, "activityDateTime", e->t, c->fl == FL_GRAPH ? TF_Z7 : TF_OFF7, c->sub);
    jw_ks(w, "loggedByService", a->service);
    jw_ks(w, "operationType", a->op_type);
    if (c->fl == FL_AZMON) {
        jw_kn(w, "userAgent");
    }
    jw_key(w, "initiatedBy");
    initiated_by(c, a);
    jw_key(w, "targetResources");
    target_resources(c, a);
    jw_key(w, "additionalDetails");
    additional_details(c, a);
    if (c->fl == FL_AZMON) {
        jw_end(w);
    }
}

bool sim_render_entra(struct sim *s, const struct sim_ev *e, struct jw *w, enum sim_flavour fl,
                      struct sim_rendered *out)
{
    if (e->type != EV_SIGNIN && e->type != EV_AUDIT) {
        return false;
    }
    struct ent c = {s, e, w, fl, {0}, (unsigned)((e->rnd >> 20) % 10000)};
    memset(out, 0, sizeof(*out));
    sim_guid(e->rnd, c.id);
    jw_obj(w);
    if (e->type == EV_AUDIT) {
        render_audit(&c);
        out->op = ((const struct sim_audit *)e->rich)->activity;
    } else if (e->flags & EVF_SP) {
        render_sp_signin(&c);
        out->op = "Sign-in activity";
    } else {
        render_user_signin(&c);
        out->op = "Sign-in activity";
    }
    jw_end(w);
    snprintf(out->id, sizeof(out->id), "%s", c.id);
    bool graph_signin = fl == FL_GRAPH && e->type == EV_SIGNIN;
    out->t = sim_time_as_written(e->t, graph_signin ? TF_Z0 : TF_Z3);
    return true;
}
