/* Entra ID sign-ins and directory audits -> m365_event. The same objects arrive as Graph items
 * (camelCase), Azure Monitor `properties` (camelCase) and Log Analytics rows (PascalCase, some
 * renamed, dynamic columns possibly JSON strings): look-ups fall back to case-insensitive keys,
 * and containers may be strings holding JSON. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/norm.h"
#include "entra_codes.h"
#include "read_ctx.h"

/* First text value among the keys of obj (NULL-terminated key list). */
static bool text_of(struct m365_read_ctx *ctx, struct m365_jv obj, const char **s, size_t *len,
                    ...)
{
    va_list ap;
    va_start(ap, len);
    bool ok = false;
    for (const char *k; !ok && (k = va_arg(ap, const char *)) != NULL;) {
        ok = m365_jtext(ctx, m365_jget(obj, k, NULL), s, len);
    }
    va_end(ap);
    return ok;
}

/* Sets dst, when unset, from the first of the keys of obj with text, stored by `how` (interned,
 * copied, interned lower-case). */
#define SET_AS(how, dst, obj, ...)                                                                 \
    do {                                                                                           \
        const char *s_;                                                                            \
        size_t l_;                                                                                 \
        if (!(dst) && text_of(ctx, (obj), &s_, &l_, __VA_ARGS__, NULL)) {                          \
            (dst) = how(ctx, s_, l_);                                                              \
        }                                                                                          \
    } while (0)
#define SET(dst, obj, ...) SET_AS(m365_ev_intern, dst, obj, __VA_ARGS__)
/* A value unique to the record (its id): copied, not interned. */
#define SET_COPY(dst, obj, ...) SET_AS(m365_ev_copy, dst, obj, __VA_ARGS__)
#define SET_LOWER(dst, obj, ...) SET_AS(m365_ev_intern_lower, dst, obj, __VA_ARGS__)

/* The sign-in's or audit's own members the mappers ask for, found in one pass over it
 * (m365_jfields): a Graph sign-in has some forty members and the mapper asks for fifty names.
 * Look-ups on other objects (the envelope, nested objects) go through m365_jget. */
#define ENTRA_NAMES(X)                                                                            \
    X(createdDateTime) X(TimeGenerated) X(authenticationDetails) X(id) X(Type)                    \
    X(servicePrincipalId) X(servicePrincipalName) X(appDisplayName) X(appId)                      \
    X(userPrincipalName) X(SignInIdentifier) X(AlternateSignInName) X(userId) X(userDisplayName)  \
    X(Identity) X(resourceId) X(ResourceIdentity) X(resourceDisplayName) X(clientAppUsed)         \
    X(userAgent) X(authenticationRequirement) X(correlationId) X(sessionId)                       \
    X(uniqueTokenIdentifier) X(resourceTenantId) X(AADTenantId) X(tenantId) X(ipAddress)          \
    X(isInteractive) X(status) X(ResultType) X(ResultDescription) X(location) X(LocationDetails)  \
    X(Location) X(deviceDetail) X(conditionalAccessStatus) X(homeTenantId) X(appOwnerTenantId)    \
    X(resourceOwnerTenantId) X(autonomousSystemNumber) X(signInEventTypes)                        \
    X(activityDisplayName) X(OperationName) X(activityDateTime) X(category)                       \
    X(resultReason) X(result) X(loggedByService) X(operationType) X(AADOperationType)             \
    X(initiatedBy) X(additionalDetails) X(targetResources) X(auditLogRecordType)

#define E_ID(n) E_##n,
enum entra_name { ENTRA_NAMES(E_ID) E_COUNT };
static const char *const entra_names[] = {ENTRA_NAMES(M365_JNAME_STR)};
_Static_assert(E_COUNT <= M365_JSCHEMA_MAX, "Entra names fit one schema");
static struct m365_jschema entra_schema = M365_JSCHEMA_INIT(entra_names);

#define IDS(...) ((const int[]){__VA_ARGS__, -1})
#define GET(...) m365_jfields_get(f, IDS(__VA_ARGS__))

/* SET_AS over the record's members (the names' ids). */
#define FSET_AS(how, dst, ...)                                                                     \
    do {                                                                                           \
        const char *s_;                                                                            \
        size_t l_;                                                                                 \
        if (!(dst) && m365_jfields_text(ctx, f, IDS(__VA_ARGS__), &s_, &l_)) {                     \
            (dst) = how(ctx, s_, l_);                                                              \
        }                                                                                          \
    } while (0)
#define FSET(dst, ...) FSET_AS(m365_ev_intern, dst, __VA_ARGS__)
#define FSET_COPY(dst, ...) FSET_AS(m365_ev_copy, dst, __VA_ARGS__)
#define FSET_LOWER(dst, ...) FSET_AS(m365_ev_intern_lower, dst, __VA_ARGS__)

/* time_of over the record's members. */
static int ftime(struct m365_read_ctx *ctx, const struct m365_jfields *f, const char **bad,
                 const int *ids)
{
    int rc = 0;
    for (size_t i = 0; ids[i] >= 0; i++) {
        const char *s;
        size_t len;
        if (m365_jtext(ctx, m365_jfields_get(f, IDS(ids[i])), &s, &len)) {
            if (m365_ev_set_time(ctx, s, len) == 0) {
                return 1;
            }
            if (rc == 0) {
                *bad = entra_names[ids[i]];
                rc = -1;
            }
        }
    }
    return rc;
}

/* Time: the first parsable of the keys. Returns 1 set, 0 absent, -1 present but invalid. */
static int time_of(struct m365_read_ctx *ctx, struct m365_jv obj, const char **bad, ...)
{
    va_list ap;
    va_start(ap, bad);
    int rc = 0;
    for (const char *k; (k = va_arg(ap, const char *)) != NULL;) {
        const char *s;
        size_t len;
        if (m365_jtext(ctx, m365_jget(obj, k, NULL), &s, &len)) {
            if (m365_ev_set_time(ctx, s, len) == 0) {
                rc = 1;
                break;
            }
            if (rc == 0) {
                *bad = k;
                rc = -1;
            }
        }
    }
    va_end(ap);
    return rc;
}

static void location(struct m365_read_ctx *ctx, struct m365_event *ev,
                     const struct m365_jfields *f)
{
    struct m365_jv loc = m365_jfields_exact(f, E_location);
    if (m365_jv_type(loc) != M365_J_OBJECT) {
        loc = m365_jnested(ctx, GET(E_LocationDetails));
    }
    if (m365_jv_type(loc) != M365_J_OBJECT) {
        /* The Graph PowerShell SDK's "Location" object (Log Analytics' is a country code). */
        loc = m365_jfields_exact(f, E_Location);
    }
    if (m365_jv_type(loc) == M365_J_OBJECT) {
        SET(ev->country, loc, "countryOrRegion");
        SET(ev->city, loc, "city");
        struct m365_jv geo = m365_jget(loc, "geoCoordinates", NULL);
        double lat, lon;
        if (m365_jv_f64(m365_jget(geo, "latitude", NULL), &lat) &&
            m365_jv_f64(m365_jget(geo, "longitude", NULL), &lon) && lat >= -90 && lat <= 90 &&
            lon >= -180 && lon <= 180 && !(lat == 0 && lon == 0)) {
            ev->lat = lat;
            ev->lon = lon;
            ev->has_geo = true;
        }
    }
    if (!ev->country) {
        const char *s;
        size_t len;
        struct m365_jv l = GET(E_Location, E_location);
        if (m365_jv_type(l) == M365_J_STRING && m365_jtext(ctx, l, &s, &len) && len <= 3) {
            ev->country = m365_ev_intern(ctx, s, len);
        }
    }
}

static enum m365_log_source infer_signin_source(struct m365_read_ctx *ctx,
                                                const struct m365_jfields *f,
                                                enum m365_log_source given)
{
    if (given != M365_LOG_UNKNOWN) {
        return given;
    }
    struct m365_jv types = GET(E_signInEventTypes);
    struct m365_jit it;
    struct m365_jv el;
    m365_jv_iter(types, &it);
    while (m365_jit_next(&it, NULL, NULL, &el)) {
        const char *s;
        size_t len;
        if (!m365_jtext(ctx, el, &s, &len)) {
            continue;
        }
        if (m365_ieqn(s, len, "interactiveUser")) {
            return M365_LOG_SIGNIN;
        }
        if (m365_ieqn(s, len, "nonInteractiveUser")) {
            return M365_LOG_SIGNIN_NONINTERACTIVE;
        }
        if (m365_ieqn(s, len, "servicePrincipal")) {
            return M365_LOG_SIGNIN_SERVICE_PRINCIPAL;
        }
        if (m365_ieqn(s, len, "managedIdentity")) {
            return M365_LOG_SIGNIN_MANAGED_IDENTITY;
        }
    }
    bool inter;
    if (m365_jbool(ctx, GET(E_isInteractive), &inter)) {
        return inter ? M365_LOG_SIGNIN : M365_LOG_SIGNIN_NONINTERACTIVE;
    }
    const char *s;
    size_t len;
    if (!m365_jfields_text(ctx, f, IDS(E_userPrincipalName), &s, &len) &&
        m365_jfields_text(ctx, f, IDS(E_servicePrincipalId), &s, &len)) {
        return M365_LOG_SIGNIN_SERVICE_PRINCIPAL;
    }
    return M365_LOG_SIGNIN;
}

/* env: the Azure Monitor envelope (absent otherwise), for fallbacks. */
static void map_signin(struct m365_read_ctx *ctx, const struct m365_jfields *f,
                       struct m365_jv env, enum m365_log_source src, uint64_t line,
                       uint64_t offset, const char *raw, size_t raw_len)
{
    struct m365_event *ev = m365_ev_begin(ctx, line, offset);
    if (!ev) {
        m365_ctx_skip(ctx, line, NULL, "out of memory");
        return;
    }
    const char *bad = NULL;
    int tr = ftime(ctx, f, &bad, IDS(E_createdDateTime, E_TimeGenerated));
    if (tr == 0) {
        tr = time_of(ctx, env, &bad, "time", NULL);
    }
    if (tr == 0) {
        /* Query exports without a time column still carry the authentication step times. */
        struct m365_jv steps = m365_jnested_list(ctx, GET(E_authenticationDetails));
        struct m365_jit it;
        struct m365_jv el;
        m365_jv_iter(steps, &it);
        if (m365_jit_next(&it, NULL, NULL, &el)) {
            tr = time_of(ctx, el, &bad, "authenticationStepDateTime", NULL);
        }
    }
    if (tr < 0) {
        m365_ev_skip(ctx, bad, "not a valid timestamp");
        return;
    }
    src = infer_signin_source(ctx, f, src);
    ev->log_source = (uint8_t)src;
    ev->kind = M365_EV_SIGNIN;
    ev->workload = m365_ev_intern(ctx, "AzureActiveDirectory", 20);
    m365_ev_set_operation(ctx, "Sign-in activity", 16);
    FSET_AS(m365_ev_record_id, ev->evidence.record_id, E_id);
    FSET(ev->category, E_Type);
    SET(ev->category, env, "category");
    if (!ev->category) {
        static const char *const names[] = {
            [M365_LOG_SIGNIN] = "SignInLogs",
            [M365_LOG_SIGNIN_NONINTERACTIVE] = "NonInteractiveUserSignInLogs",
            [M365_LOG_SIGNIN_SERVICE_PRINCIPAL] = "ServicePrincipalSignInLogs",
            [M365_LOG_SIGNIN_MANAGED_IDENTITY] = "ManagedIdentitySignInLogs"};
        if (src < sizeof(names) / sizeof(names[0]) && names[src]) {
            ev->category = m365_ev_intern(ctx, names[src], strlen(names[src]));
        }
    }

    bool sp = src == M365_LOG_SIGNIN_SERVICE_PRINCIPAL || src == M365_LOG_SIGNIN_MANAGED_IDENTITY;
    if (sp) {
        ev->actor_type = M365_ACTOR_SERVICE_PRINCIPAL;
        FSET(ev->actor_id, E_servicePrincipalId);
        FSET(ev->actor_name, E_servicePrincipalName, E_appDisplayName);
        FSET_LOWER(ev->actor_app_id, E_appId);
    } else {
        ev->actor_type = M365_ACTOR_USER;
        FSET_LOWER(ev->actor_upn, E_userPrincipalName, E_SignInIdentifier, E_AlternateSignInName);
        FSET(ev->actor_id, E_userId);
        FSET(ev->actor_name, E_userDisplayName, E_Identity);
        SET(ev->actor_name, env, "identity");
    }
    FSET_LOWER(ev->app_id, E_appId);
    FSET(ev->app_name, E_appDisplayName);
    /* Log Analytics has the resource's id as ResourceIdentity, and as ResourceId the Azure path
     * of the tenant's directory ("/tenants/…/providers/Microsoft.aadiam"), which is no resource. */
    FSET_LOWER(ev->resource_id, E_ResourceIdentity);
    const char *rid;
    size_t rid_len;
    if (!ev->resource_id && m365_jfields_text(ctx, f, IDS(E_resourceId), &rid, &rid_len) &&
        rid[0] != '/') {
        ev->resource_id = m365_ev_intern_lower(ctx, rid, rid_len);
    }
    FSET(ev->resource_name, E_resourceDisplayName);
    FSET(ev->client_app_used, E_clientAppUsed);
    FSET(ev->user_agent, E_userAgent);
    FSET(ev->auth_requirement, E_authenticationRequirement);
    FSET_COPY(ev->correlation_id, E_correlationId); /* one per flow: not interned */
    SET_COPY(ev->correlation_id, env, "correlationId");
    FSET(ev->session_id, E_sessionId);
    FSET_COPY(ev->token_id, E_uniqueTokenIdentifier); /* one per sign-in: not interned */
    FSET(ev->tenant_id, E_resourceTenantId, E_AADTenantId, E_tenantId);
    SET(ev->tenant_id, env, "tenantId");

    const char *s;
    size_t len;
    if (m365_jfields_text(ctx, f, IDS(E_ipAddress), &s, &len)) {
        m365_ev_set_ip(ctx, s, len);
    }
    if (text_of(ctx, env, &s, &len, "callerIpAddress", NULL)) {
        m365_ev_set_ip(ctx, s, len);
    }
    bool inter;
    if (m365_jbool(ctx, GET(E_isInteractive), &inter)) {
        ev->is_interactive = inter ? 1 : 0;
    } else if (src == M365_LOG_SIGNIN) {
        ev->is_interactive = 1;
    } else if (src == M365_LOG_SIGNIN_NONINTERACTIVE || src == M365_LOG_SIGNIN_SERVICE_PRINCIPAL ||
               src == M365_LOG_SIGNIN_MANAGED_IDENTITY) {
        ev->is_interactive = 0; /* what Graph says of them; Log Analytics' tables have no column */
    }

    int64_t code = 0;
    bool have_code = false;
    struct m365_jv status = m365_jnested(ctx, GET(E_status));
    if (m365_jv_type(status) == M365_J_OBJECT) {
        have_code = m365_jint(ctx, m365_jget(status, "errorCode", NULL), &code);
        SET(ev->result_detail, status, "failureReason");
    }
    if (!have_code) {
        have_code = m365_jint(ctx, GET(E_ResultType), &code) ||
                    m365_jint(ctx, m365_jget(env, "resultType", NULL), &code);
    }
    FSET(ev->result_detail, E_ResultDescription);
    SET(ev->result_detail, env, "resultDescription");
    if (have_code) {
        ev->error_code = (int32_t)code;
        ev->result = (uint8_t)m365_entra_code_result(code);
    }
    location(ctx, ev, f);

    struct m365_jv dev = m365_jnested(ctx, GET(E_deviceDetail));
    if (m365_jv_type(dev) == M365_J_OBJECT) {
        if (text_of(ctx, dev, &s, &len, "operatingSystem", NULL)) {
            m365_ev_add_extra(ctx, "deviceDetail.operatingSystem", 28, s, len);
        }
        if (text_of(ctx, dev, &s, &len, "browser", NULL)) {
            m365_ev_add_extra(ctx, "deviceDetail.browser", 20, s, len);
        }
        if (text_of(ctx, dev, &s, &len, "deviceId", NULL)) {
            m365_ev_add_extra(ctx, "deviceDetail.deviceId", 21, s, len);
        }
    }
    if (m365_jfields_text(ctx, f, IDS(E_conditionalAccessStatus), &s, &len)) {
        m365_ev_add_extra(ctx, "conditionalAccessStatus", 23, s, len);
    }
    if (m365_jfields_text(ctx, f, IDS(E_homeTenantId), &s, &len)) {
        m365_ev_add_extra(ctx, "homeTenantId", 12, s, len);
    }
    /* Who owns the client and the resource applications: foreign apps show here. */
    if (m365_jfields_text(ctx, f, IDS(E_appOwnerTenantId), &s, &len)) {
        m365_ev_add_extra(ctx, "appOwnerTenantId", 16, s, len);
    }
    if (m365_jfields_text(ctx, f, IDS(E_resourceOwnerTenantId), &s, &len)) {
        m365_ev_add_extra(ctx, "resourceOwnerTenantId", 21, s, len);
    }
    int64_t asn;
    if (m365_jint(ctx, GET(E_autonomousSystemNumber), &asn) && asn > 0) {
        /* A number in Graph, a string in portal CSV exports: keep the digits only. */
        char digits[24];
        int n = snprintf(digits, sizeof(digits), "%lld", (long long)asn);
        m365_ev_add_extra(ctx, "autonomousSystemNumber", 22, digits, (size_t)n);
    }
    /* Which methods satisfied authentication, for MFA-aware detections. */
    struct m365_jv steps = m365_jnested_list(ctx, GET(E_authenticationDetails));
    struct m365_jit it;
    struct m365_jv el;
    m365_jv_iter(steps, &it);
    while (m365_jit_next(&it, NULL, NULL, &el)) {
        bool ok;
        if (m365_jbool(ctx, m365_jget(el, "succeeded", NULL), &ok) && ok &&
            text_of(ctx, el, &s, &len, "authenticationMethod", NULL)) {
            m365_ev_add_extra(ctx, "authenticationMethod", 20, s, len);
        }
    }
    if (!ev->actor_upn && !ev->actor_id && !ev->app_id && !have_code) {
        /* Query results shaped like SigninLogs (summaries) carry no sign-in at all. */
        m365_ev_skip(ctx, "UserPrincipalName",
                     "not a sign-in record: no user, application or result code");
        return;
    }
    m365_ev_commit(ctx, raw, raw_len);
}

static void map_audit(struct m365_read_ctx *ctx, const struct m365_jfields *f, struct m365_jv env,
                      uint64_t line, uint64_t offset, const char *raw, size_t raw_len)
{
    struct m365_event *ev = m365_ev_begin(ctx, line, offset);
    if (!ev) {
        m365_ctx_skip(ctx, line, NULL, "out of memory");
        return;
    }
    const char *s;
    size_t len;
    if (!m365_jfields_text(ctx, f, IDS(E_activityDisplayName, E_OperationName), &s, &len) &&
        !text_of(ctx, env, &s, &len, "operationName", NULL)) {
        m365_ev_skip(ctx, "activityDisplayName", "no activity name: not a directory audit record");
        return;
    }
    m365_ev_set_operation(ctx, s, len);
    const char *bad = NULL;
    int tr = ftime(ctx, f, &bad, IDS(E_activityDateTime, E_TimeGenerated));
    if (tr == 0) {
        tr = time_of(ctx, env, &bad, "time", NULL);
    }
    if (tr < 0) {
        m365_ev_skip(ctx, bad, "not a valid timestamp");
        return;
    }
    ev->log_source = M365_LOG_DIRECTORY_AUDIT;
    ev->kind = M365_EV_DIRECTORY;
    ev->workload = m365_ev_intern(ctx, "AzureActiveDirectory", 20);
    FSET_AS(m365_ev_record_id, ev->evidence.record_id, E_id);
    FSET(ev->category, E_category);
    FSET_COPY(ev->correlation_id, E_correlationId); /* one per flow: not interned */
    SET_COPY(ev->correlation_id, env, "correlationId");
    /* Log Analytics' TenantId is the workspace's id, not the tenant's: never taken for it. */
    FSET(ev->tenant_id, E_AADTenantId);
    SET(ev->tenant_id, env, "tenantId");
    FSET(ev->result_detail, E_resultReason);
    if (m365_jfields_text(ctx, f, IDS(E_result), &s, &len) ||
        text_of(ctx, env, &s, &len, "resultType", NULL)) {
        if (m365_ieqn(s, len, "success")) {
            ev->result = M365_RESULT_SUCCESS;
        } else if (m365_ieqn(s, len, "failure") || m365_ieqn(s, len, "timeout")) {
            ev->result = M365_RESULT_FAILURE;
        }
    }
    if (m365_jfields_text(ctx, f, IDS(E_loggedByService), &s, &len)) {
        m365_ev_add_extra(ctx, "loggedByService", 15, s, len);
    }
    if (m365_jfields_text(ctx, f, IDS(E_operationType, E_AADOperationType), &s, &len)) {
        m365_ev_add_extra(ctx, "operationType", 13, s, len);
    }

    struct m365_jv by = m365_jnested(ctx, GET(E_initiatedBy));
    struct m365_jv user = m365_jget(by, "user", NULL);
    struct m365_jv app = m365_jget(by, "app", NULL);
    if (m365_jv_type(user) == M365_J_OBJECT &&
        (text_of(ctx, user, &s, &len, "userPrincipalName", "id", NULL))) {
        ev->actor_type = M365_ACTOR_USER;
        SET_LOWER(ev->actor_upn, user, "userPrincipalName");
        SET(ev->actor_id, user, "id");
        SET(ev->actor_name, user, "displayName");
        if (text_of(ctx, user, &s, &len, "ipAddress", NULL)) {
            m365_ev_set_ip(ctx, s, len);
        }
    } else if (m365_jv_type(app) == M365_J_OBJECT) {
        ev->actor_type = M365_ACTOR_SERVICE_PRINCIPAL;
        SET(ev->actor_id, app, "servicePrincipalId");
        SET(ev->actor_name, app, "displayName", "servicePrincipalName");
        SET_LOWER(ev->actor_app_id, app, "appId");
        if (text_of(ctx, app, &s, &len, "ipAddress", NULL)) {
            m365_ev_set_ip(ctx, s, len);
        }
    }
    if (text_of(ctx, env, &s, &len, "callerIpAddress", NULL)) {
        m365_ev_set_ip(ctx, s, len);
    }

    struct m365_jv details = m365_jnested(ctx, GET(E_additionalDetails));
    struct m365_jit it;
    struct m365_jv el;
    m365_jv_iter(details, &it);
    while (m365_jit_next(&it, NULL, NULL, &el)) {
        const char *k, *v;
        size_t kl, vl;
        if (text_of(ctx, el, &k, &kl, "key", NULL) && text_of(ctx, el, &v, &vl, "value", NULL)) {
            m365_ev_add_extra(ctx, k, kl, v, vl);
            if (m365_ieqn(k, kl, "User-Agent") && !ev->user_agent) {
                ev->user_agent = m365_ev_intern(ctx, v, vl);
            }
        }
    }

    struct m365_jv targets = m365_jnested(ctx, GET(E_targetResources));
    m365_jv_iter(targets, &it);
    while (m365_jit_next(&it, NULL, NULL, &el)) {
        const char *ty = NULL, *id = NULL, *nm = NULL, *up = NULL;
        size_t tyl = 0, idl = 0, nml = 0, upl = 0;
        text_of(ctx, el, &ty, &tyl, "type", NULL);
        text_of(ctx, el, &id, &idl, "id", NULL);
        text_of(ctx, el, &nm, &nml, "displayName", NULL);
        text_of(ctx, el, &up, &upl, "userPrincipalName", NULL);
        uint32_t ti = m365_ev_add_target(ctx, ty, tyl, id, idl, nm, nml, up, upl);
        struct m365_jv mods = m365_jnested(ctx, m365_jget(el, "modifiedProperties", NULL));
        struct m365_jit mit;
        struct m365_jv mp;
        m365_jv_iter(mods, &mit);
        while (m365_jit_next(&mit, NULL, NULL, &mp)) {
            const char *n, *o = NULL, *nv = NULL;
            size_t nl, ol = 0, nvl = 0;
            if (!text_of(ctx, mp, &n, &nl, "displayName", NULL)) {
                continue;
            }
            text_of(ctx, mp, &o, &ol, "oldValue", NULL);
            text_of(ctx, mp, &nv, &nvl, "newValue", NULL);
            m365_ev_add_prop(ctx, ti, n, nl, o, ol, nv, nvl);
        }
    }
    m365_ev_commit(ctx, raw, raw_len);
}

void m365_map_entra_signin(struct m365_read_ctx *ctx, struct m365_jv obj, struct m365_jv env,
                           enum m365_log_source src, uint64_t line, uint64_t offset,
                           const char *raw, size_t raw_len)
{
    struct m365_jfields f;
    m365_jfields_read(&f, &entra_schema, obj);
    map_signin(ctx, &f, env, src, line, offset, raw, raw_len);
}

void m365_map_entra_audit(struct m365_read_ctx *ctx, struct m365_jv obj, struct m365_jv env,
                          uint64_t line, uint64_t offset, const char *raw, size_t raw_len)
{
    struct m365_jfields f;
    m365_jfields_read(&f, &entra_schema, obj);
    map_audit(ctx, &f, env, line, offset, raw, raw_len);
}

void m365_map_graph_item(struct m365_read_ctx *ctx, struct m365_jv rec, uint64_t line,
                         uint64_t offset, const char *raw, size_t raw_len)
{
    struct m365_jfields f;
    m365_jfields_read(&f, &entra_schema, rec);
    /* Names of any case (the Graph PowerShell SDK's objects are PascalCase). An audit log query
     * record has a sign-in's createdDateTime and userPrincipalName: it is read as the UAL record
     * it holds, never as a sign-in (say under --input-format). */
    if (m365_jfields_get(&f, (const int[]){E_auditLogRecordType, -1}).present) {
        m365_map_graph_audit_record(ctx, rec, line, offset, raw, raw_len);
    } else if (m365_jfields_get(&f, (const int[]){E_activityDisplayName, -1}).present) {
        map_audit(ctx, &f, m365_jv_none(), line, offset, raw, raw_len);
    } else if (m365_jfields_get(&f, (const int[]){E_createdDateTime, -1}).present) {
        map_signin(ctx, &f, m365_jv_none(), M365_LOG_UNKNOWN, line, offset, raw, raw_len);
    } else {
        m365_ctx_skip(ctx, line, NULL,
                      "neither a Graph signIn (createdDateTime) nor a directoryAudit "
                      "(activityDisplayName) object");
    }
}

/* Log Analytics tables -> log sources. */
static const struct {
    const char *table;
    enum m365_log_source src;
} la_tables[] = {
    {"SigninLogs", M365_LOG_SIGNIN},
    {"AADNonInteractiveUserSignInLogs", M365_LOG_SIGNIN_NONINTERACTIVE},
    {"AADServicePrincipalSignInLogs", M365_LOG_SIGNIN_SERVICE_PRINCIPAL},
    {"AADManagedIdentitySignInLogs", M365_LOG_SIGNIN_MANAGED_IDENTITY},
    {"AuditLogs", M365_LOG_DIRECTORY_AUDIT},
    {"OfficeActivity", M365_LOG_UAL},
};

void m365_map_la_row(struct m365_read_ctx *ctx, struct m365_jv row, uint64_t line,
                     uint64_t offset, const char *raw, size_t raw_len)
{
    const char *s;
    size_t len;
    enum m365_log_source src = M365_LOG_UNKNOWN;
    bool typed = text_of(ctx, row, &s, &len, "Type", NULL);
    if (typed ? m365_ieqn(s, len, "CloudAppEvents")
              : m365_jget(row, "RawEventData", NULL).present &&
                    m365_jget(row, "ActionType", NULL).present) {
        /* Defender's rows, streamed to Sentinel: the audit record is their RawEventData. */
        m365_map_cloudapp_event(ctx, row, line, offset, raw, raw_len);
        return;
    }
    if (typed ? m365_ieqn(s, len, "MicrosoftGraphActivityLogs")
              : m365_jget(row, "RequestUri", NULL).present &&
                    m365_jget(row, "RequestMethod", NULL).present) {
        m365_map_graph_activity_row(ctx, row, line, offset, raw, raw_len);
        return;
    }
    if (typed) {
        for (size_t i = 0; i < sizeof(la_tables) / sizeof(la_tables[0]); i++) {
            if (m365_ieqn(s, len, la_tables[i].table)) {
                src = la_tables[i].src;
            }
        }
    }
    if (src == M365_LOG_UNKNOWN) {
        /* Query exports often drop the Type column: recognise the table by its columns. */
        if (text_of(ctx, row, &s, &len, "Category", NULL) &&
            (m365_ieqn(s, len, "SignInLogs") || m365_ieqn(s, len, "NonInteractiveUserSignInLogs") ||
             m365_ieqn(s, len, "ServicePrincipalSignInLogs"))) {
            src = m365_ieqn(s, len, "SignInLogs") ? M365_LOG_SIGNIN
                  : m365_ieqn(s, len, "NonInteractiveUserSignInLogs")
                      ? M365_LOG_SIGNIN_NONINTERACTIVE
                      : M365_LOG_SIGNIN_SERVICE_PRINCIPAL;
        } else if (m365_jget(row, "OfficeWorkload", NULL).present ||
                   (m365_jget(row, "Operation", NULL).present &&
                    m365_jget(row, "RecordType", NULL).present)) {
            src = M365_LOG_UAL;
        } else if (m365_jget(row, "TargetResources", NULL).present ||
                   m365_jget(row, "InitiatedBy", NULL).present) {
            src = M365_LOG_DIRECTORY_AUDIT;
        } else if (text_of(ctx, row, &s, &len, "OperationName", NULL) &&
                   m365_ieqn(s, len, "Sign-in activity")) {
            src = M365_LOG_SIGNIN;
        }
    }
    struct m365_jv none;
    memset(&none, 0, sizeof(none));
    switch (src) {
    case M365_LOG_UAL:
        m365_map_ual(ctx, row, line, offset, raw, raw_len);
        return;
    case M365_LOG_DIRECTORY_AUDIT:
        m365_map_entra_audit(ctx, row, none, line, offset, raw, raw_len);
        return;
    case M365_LOG_UNKNOWN:
        m365_ctx_skip(ctx, line, "Type",
                      "not a SigninLogs, AAD*SignInLogs, AuditLogs, OfficeActivity, "
                      "CloudAppEvents or MicrosoftGraphActivityLogs row");
        return;
    default:
        m365_map_entra_signin(ctx, row, none, src, line, offset, raw, raw_len);
        return;
    }
}

