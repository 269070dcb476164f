/* Azure Monitor diagnostic records: Entra diagnostic settings to a storage account (PT1H.json)
 * or an Event Hub ({"records":[...]}). The envelope (time, category, callerIpAddress, resultType)
 * wraps the Graph object in `properties`. */
#include <string.h>

#include "../core/norm.h"
#include "read_ctx.h"
#include "reader.h"
#include "sniff.h"


/* Text of the first key present. */
static bool text_of(struct m365_read_ctx *ctx, struct m365_jv obj, const char *key, const char **s,
                    size_t *len)
{
    return m365_jtext(ctx, m365_jget(obj, key, NULL), s, len);
}

#define SET(dst, obj, key)                                                                         \
    do {                                                                                           \
        const char *s_;                                                                            \
        size_t l_;                                                                                 \
        if (!(dst) && text_of(ctx, (obj), (key), &s_, &l_)) {                                      \
            (dst) = m365_ev_intern(ctx, s_, l_);                                                   \
        }                                                                                          \
    } while (0)

static const struct {
    const char *category;
    enum m365_log_source src;
} signin_categories[] = {
    {"SignInLogs", M365_LOG_SIGNIN},
    {"NonInteractiveUserSignInLogs", M365_LOG_SIGNIN_NONINTERACTIVE},
    {"ServicePrincipalSignInLogs", M365_LOG_SIGNIN_SERVICE_PRINCIPAL},
    {"ManagedIdentitySignInLogs", M365_LOG_SIGNIN_MANAGED_IDENTITY},
};

static void map_azmon(struct m365_read_ctx *ctx, struct m365_jv rec, uint64_t line,
                      uint64_t offset, const char *raw, size_t raw_len)
{
    const char *cat = NULL;
    size_t cl = 0;
    text_of(ctx, rec, "category", &cat, &cl);
    struct m365_jv props = m365_jnested(ctx, m365_jget(rec, "properties", NULL));
    if (cat && m365_jv_type(props) == M365_J_OBJECT) {
        for (size_t i = 0; i < sizeof(signin_categories) / sizeof(signin_categories[0]); i++) {
            if (m365_ieqn(cat, cl, signin_categories[i].category)) {
                m365_map_entra_signin(ctx, props, rec, signin_categories[i].src, line, offset, raw,
                                      raw_len);
                return;
            }
        }
        if (m365_ieqn(cat, cl, "AuditLogs")) {
            m365_map_entra_audit(ctx, props, rec, line, offset, raw, raw_len);
            return;
        }
    }
    /* Other categories (Graph activity, risk events, provisioning…): keep the envelope facts. */
    struct m365_event *ev = m365_ev_begin(ctx, line, offset);
    if (!ev) {
        m365_ctx_skip(ctx, line, NULL, "out of memory");
        return;
    }
    const char *s;
    size_t len;
    if (!text_of(ctx, rec, "time", &s, &len)) {
        m365_ev_skip(ctx, "time", "no time field: not an Azure Monitor diagnostic record");
        return;
    }
    if (m365_ev_set_time(ctx, s, len) != 0) {
        m365_ev_skip(ctx, "time", "not a valid timestamp");
        return;
    }
    if (text_of(ctx, rec, "operationName", &s, &len)) {
        m365_ev_set_operation(ctx, s, len);
    }
    ev->category = cat ? m365_ev_intern(ctx, cat, cl) : NULL;
    if (cat && m365_ieqn(cat, cl, "MicrosoftGraphActivityLogs")) {
        ev->log_source = M365_LOG_GRAPH_ACTIVITY;
        ev->kind = M365_EV_GRAPH_REQUEST;
    } else if (cat && (m365_ieqn(cat, cl, "UserRiskEvents") || m365_ieqn(cat, cl, "RiskyUsers") ||
                       m365_ieqn(cat, cl, "ServicePrincipalRiskEvents") ||
                       m365_ieqn(cat, cl, "RiskyServicePrincipals"))) {
        ev->log_source = M365_LOG_RISK;
        ev->kind = M365_EV_RISK;
    } else {
        ev->log_source = M365_LOG_OTHER;
    }
    if (!ev->correlation_id && text_of(ctx, rec, "correlationId", &s, &len)) {
        ev->correlation_id = m365_ev_copy(ctx, s, len); /* one per flow: not interned */
    }
    SET(ev->tenant_id, rec, "tenantId");
    if (!ev->evidence.record_id && text_of(ctx, props, "id", &s, &len)) {
        ev->evidence.record_id = m365_ev_record_id(ctx, s, len); /* unique: not interned */
    }
    /* A Graph request has no id: its requestId names it, as in the Log Analytics table. */
    if (!ev->evidence.record_id && ev->kind == M365_EV_GRAPH_REQUEST &&
        text_of(ctx, props, "requestId", &s, &len)) {
        ev->evidence.record_id = m365_ev_record_id(ctx, s, len);
    }
    if (text_of(ctx, props, "userPrincipalName", &s, &len)) {
        ev->actor_upn = m365_ev_intern_lower(ctx, s, len);
    }
    SET(ev->actor_id, props, "userId");
    if (text_of(ctx, props, "appId", &s, &len)) {
        ev->app_id = m365_ev_intern_lower(ctx, s, len);
    }
    SET(ev->user_agent, props, "userAgent");
    /* Graph activity's signInActivityId is the sign-in's uniqueTokenIdentifier (copied, not
     * interned: one per sign-in). */
    if (text_of(ctx, props, "signInActivityId", &s, &len)) {
        ev->token_id = m365_ev_copy(ctx, s, len);
    }
    if (text_of(ctx, props, "ipAddress", &s, &len) ||
        text_of(ctx, rec, "callerIpAddress", &s, &len)) {
        m365_ev_set_ip(ctx, s, len);
    }
    const char *uri = NULL, *method = NULL, *caller = NULL;
    size_t ulen = 0, mlen = 0, clen = 0;
    if (text_of(ctx, props, "requestUri", &uri, &ulen)) {
        m365_ev_add_extra(ctx, "requestUri", 10, uri, ulen);
    }
    if (text_of(ctx, props, "requestMethod", &method, &mlen)) {
        m365_ev_add_extra(ctx, "requestMethod", 13, method, mlen);
    }
    if (text_of(ctx, props, "riskEventType", &s, &len)) {
        m365_ev_add_extra(ctx, "riskEventType", 13, s, len);
    }
    int64_t code = m365_ev_graph_status(ctx, m365_jget(props, "responseStatusCode", NULL), line,
                                        "properties.responseStatusCode");
    if (code >= 0) {
        ev->result = code >= 200 && code < 400 ? M365_RESULT_SUCCESS : M365_RESULT_FAILURE;
        ev->error_code = (int32_t)code;
    }
    if (ev->actor_upn || ev->actor_id) {
        ev->actor_type = M365_ACTOR_USER;
    } else if (ev->app_id) {
        ev->actor_type = M365_ACTOR_SERVICE_PRINCIPAL;
    }
    if (ev->kind == M365_EV_GRAPH_REQUEST) {
        /* An app-only request names its service principal; /me is the signed-in user. */
        if (!ev->actor_id && text_of(ctx, props, "servicePrincipalId", &s, &len)) {
            ev->actor_id = m365_ev_intern_lower(ctx, s, len);
        }
        text_of(ctx, props, "userId", &caller, &clen);
        int64_t bytes = m365_ev_graph_response_bytes(
            ctx, m365_jget(props, "responseSizeBytes", NULL), line, "properties.responseSizeBytes");
        m365_ev_graph_mail_read(ctx, uri, ulen, method, mlen, caller, clen, bytes);
    }
    m365_ev_commit(ctx, raw, raw_len);
}


static int sniff_azmon(const char *head, size_t len)
{
    struct m365_sniff_keys k;
    if (!m365_sniff_json_keys(head, len, &k) || !m365_sniff_keys_has(&k, "time") ||
        !m365_sniff_keys_has(&k, "category") || !m365_sniff_keys_has(&k, "operationName")) {
        return 0;
    }
    return 80 + (m365_sniff_keys_has(&k, "properties") ? 8 : 0) +
           (m365_sniff_keys_has(&k, "resourceId") ? 4 : 0);
}

static void read_azmon(struct m365_read_ctx *ctx)
{
    m365_json_read_all(ctx, map_azmon);
}

const struct m365_reader m365_reader_azmon_json = {
    "azmon-json", "Azure Monitor diagnostic records (JSON)",
    "Entra ID diagnostic settings streamed to a storage account (PT1H.json, one record per line) "
    "or an Event Hub ({\"records\":[...]}): SignInLogs, NonInteractiveUserSignInLogs, "
    "ServicePrincipalSignInLogs, AuditLogs, MicrosoftGraphActivityLogs, risk events",
    sniff_azmon, read_azmon, true};
