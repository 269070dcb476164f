/* Microsoft Graph activity logs (MicrosoftGraphActivityLogs): one row per Graph API request.
 * Azure Monitor's diagnostic records are mapped in azmon_json_reader.c; the Log Analytics table
 * (la-json, la-csv) here. Both name the mailbox a mail-reading request read, the only record of
 * an application's Graph mail reads when MailItemsAccessed is not logged for the mailbox. */
#include <stdint.h>
#include <string.h>

#include "../core/norm.h"
#include "read_ctx.h"

static bool seg_starts(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && m365_ieqn(s, k, prefix);
}

/* The path segment after *p (up to end), skipping empty ones; false at the end. */
static bool next_seg(const char **p, const char *end, const char **s, size_t *n)
{
    while (*p < end && **p == '/') {
        (*p)++;
    }
    if (*p >= end) {
        return false;
    }
    *s = *p;
    while (*p < end && **p != '/') {
        (*p)++;
    }
    *n = (size_t)(*p - *s);
    return true;
}

void m365_ev_graph_mail_read(struct m365_read_ctx *ctx, const char *uri, size_t ulen,
                             const char *method, size_t mlen, const char *caller, size_t clen,
                             int64_t bytes)
{
    if (!uri || !method || !m365_ieqn(method, mlen, "GET")) {
        return;
    }
    const char *p = uri, *end = uri + ulen;
    for (const char *q = p; q < end; q++) {
        if (*q == '?' || *q == '#') {
            end = q;
            break;
        }
    }
    const char *scheme = NULL;
    for (const char *q = p; q + 3 <= end; q++) {
        if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
            scheme = q;
            break;
        }
    }
    if (scheme) { /* the host */
        p = scheme + 3;
        while (p < end && *p != '/') {
            p++;
        }
    }
    const char *s;
    size_t n;
    if (!next_seg(&p, end, &s, &n)) {
        return;
    }
    if (m365_ieqn(s, n, "v1.0") || m365_ieqn(s, n, "beta")) {
        if (!next_seg(&p, end, &s, &n)) {
            return;
        }
    }
    const char *who = NULL;
    size_t wn = 0;
    if (m365_ieqn(s, n, "me")) {
        who = caller;
        wn = clen;
    } else if (m365_ieqn(s, n, "users")) {
        if (!next_seg(&p, end, &who, &wn)) {
            return;
        }
    } else if (seg_starts(s, n, "users(") && s[n - 1] == ')') { /* users('{id}') */
        who = s + 6;
        wn = n - 7;
        if (wn >= 2 && (who[0] == '\'' || who[0] == '"') && who[wn - 1] == who[0]) {
            who++;
            wn -= 2;
        }
    } else {
        return;
    }
    if (!who || !wn || !next_seg(&p, end, &s, &n) ||
        !(seg_starts(s, n, "messages") || seg_starts(s, n, "mailFolders"))) {
        return;
    }
    /* Messages, not the folder list: …/mailFolders('Inbox')/messages,
     * …/childFolders/{id}/messages. */
    while (!seg_starts(s, n, "messages")) {
        if (!next_seg(&p, end, &s, &n)) {
            return;
        }
    }
    /* The mailbox as the URI names it, percent-decoded: a UPN or the owner's object id. */
    char buf[320];
    size_t k = 0;
    for (size_t i = 0; i < wn; i++) {
        char c = who[i];
        int hi, lo;
        if (c == '%' && i + 2 < wn && (hi = m365_hex_digit(who[i + 1])) >= 0 &&
            (lo = m365_hex_digit(who[i + 2])) >= 0) {
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (k == sizeof(buf) || c == '\0' || c == '/') {
            return;
        }
        buf[k++] = c;
    }
    const char *mbx = m365_ev_intern_lower(ctx, buf, k);
    if (mbx) {
        struct m365_mail_access *m = m365_ev_mail(ctx);
        m->mailbox_upn = mbx;
        m->response_bytes = bytes < 0 ? 0 : bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
    }
}

/* Absent, null or empty: the record gives no value, which is not worth a warning. */
static bool graph_value_none(struct m365_jv v)
{
    enum m365_jtype t = m365_jv_type(v);
    const char *s;
    size_t len;
    return t == M365_J_ABSENT || t == M365_J_NULL ||
           (t == M365_J_STRING && m365_jv_str(v, &s, &len) && len == 0);
}

int64_t m365_ev_graph_response_bytes(struct m365_read_ctx *ctx, struct m365_jv v, uint64_t line,
                                     const char *field)
{
    int64_t bytes;
    if (m365_jint(ctx, v, &bytes) && bytes >= 0) {
        return bytes;
    }
    if (!graph_value_none(v)) {
        m365_ctx_warning(ctx, line, field, "not a byte count: the response's size is not counted");
    }
    return -1;
}

int64_t m365_ev_graph_status(struct m365_read_ctx *ctx, struct m365_jv v, uint64_t line,
                             const char *field)
{
    int64_t code;
    if (m365_jint(ctx, v, &code) && code >= 0 && code <= INT32_MAX) {
        return code;
    }
    if (!graph_value_none(v)) {
        m365_ctx_warning(ctx, line, field, "not an HTTP status: the request's outcome is unknown");
    }
    return -1;
}

/* Text of the first of the keys present (NULL-terminated list). */
#define TEXT(obj, s, len, ...) m365_jtext(ctx, m365_jget((obj), __VA_ARGS__, NULL), (s), (len))

void m365_map_graph_activity_row(struct m365_read_ctx *ctx, struct m365_jv row, uint64_t line,
                                 uint64_t offset, const char *raw, size_t raw_len)
{
    struct m365_event *ev = m365_ev_begin(ctx, line, offset);
    if (!ev) {
        m365_ctx_skip(ctx, line, NULL, "out of memory");
        return;
    }
    const char *s;
    size_t len;
    if (!TEXT(row, &s, &len, "TimeGenerated")) {
        m365_ev_skip(ctx, "TimeGenerated", "no time: a MicrosoftGraphActivityLogs row needs one");
        return;
    }
    if (m365_ev_set_time(ctx, s, len) != 0) {
        m365_ev_skip(ctx, "TimeGenerated", "not a valid timestamp");
        return;
    }
    m365_ev_set_operation(ctx, "Microsoft Graph Activity", 24);
    ev->category = m365_ev_intern(ctx, "MicrosoftGraphActivityLogs", 26);
    ev->log_source = M365_LOG_GRAPH_ACTIVITY;
    ev->kind = M365_EV_GRAPH_REQUEST;
    /* The row's TenantId is the Log Analytics workspace's; AadTenantId is the tenant. */
    if (TEXT(row, &s, &len, "AadTenantId")) {
        ev->tenant_id = m365_ev_intern_lower(ctx, s, len);
    }
    if (TEXT(row, &s, &len, "RequestId")) {
        ev->evidence.record_id = m365_ev_record_id(ctx, s, len);
    }
    if (TEXT(row, &s, &len, "OperationId")) {
        ev->correlation_id = m365_ev_copy(ctx, s, len);
    }
    const char *caller = NULL;
    size_t clen = 0;
    if (TEXT(row, &caller, &clen, "UserId")) {
        ev->actor_id = m365_ev_intern_lower(ctx, caller, clen);
        ev->actor_type = M365_ACTOR_USER;
    } else if (TEXT(row, &s, &len, "ServicePrincipalId")) {
        ev->actor_id = m365_ev_intern_lower(ctx, s, len);
        ev->actor_type = M365_ACTOR_SERVICE_PRINCIPAL;
    }
    if (TEXT(row, &s, &len, "AppId")) {
        ev->app_id = m365_ev_intern_lower(ctx, s, len);
        if (ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL) {
            ev->actor_app_id = ev->app_id;
        }
    }
    if (TEXT(row, &s, &len, "UserAgent")) {
        ev->user_agent = m365_ev_intern(ctx, s, len);
    }
    /* SignInActivityId is the sign-in's uniqueTokenIdentifier: one per sign-in, copied. */
    if (TEXT(row, &s, &len, "SignInActivityId")) {
        ev->token_id = m365_ev_copy(ctx, s, len);
    }
    if (TEXT(row, &s, &len, "SessionId")) {
        ev->session_id = m365_ev_intern_lower(ctx, s, len);
    }
    if (TEXT(row, &s, &len, "IPAddress")) {
        m365_ev_set_ip(ctx, s, len);
    }
    const char *uri = NULL, *method = NULL;
    size_t ulen = 0, mlen = 0;
    if (TEXT(row, &uri, &ulen, "RequestUri")) {
        m365_ev_add_extra(ctx, "requestUri", 10, uri, ulen);
    }
    if (TEXT(row, &method, &mlen, "RequestMethod")) {
        m365_ev_add_extra(ctx, "requestMethod", 13, method, mlen);
    }
    int64_t code = m365_ev_graph_status(ctx, m365_jget(row, "ResponseStatusCode", NULL), line,
                                        "ResponseStatusCode");
    if (code >= 0) {
        ev->result = code >= 200 && code < 400 ? M365_RESULT_SUCCESS : M365_RESULT_FAILURE;
        ev->error_code = (int32_t)code;
    }
    int64_t bytes = m365_ev_graph_response_bytes(
        ctx, m365_jget(row, "ResponseSizeBytes", NULL), line, "ResponseSizeBytes");
    m365_ev_graph_mail_read(ctx, uri, ulen, method, mlen, caller, clen, bytes);
    m365_ev_commit(ctx, raw, raw_len);
}
