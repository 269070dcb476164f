/* Unified Audit Log records handed out inside a collector's wrapper: the record (AuditData, an
 * object or JSON text) is mapped as any UAL record, with the wrapper's own fields standing in
 * for the ones it lacks. Used by graph-audit-json and ual-search-json. */
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/json_out.h"
#include "read_ctx.h"

/* The member named key (or also), when it has text. */
static bool has_member(struct m365_read_ctx *ctx, struct m365_jv obj, const char *key,
                       const char *also)
{
    const char *s;
    size_t len;
    return m365_jtext(ctx, m365_jv_get(obj, key), &s, &len) ||
           (also && m365_jtext(ctx, m365_jv_get(obj, also), &s, &len));
}

/* An AuditData object's text as the service wrote the record, for de-duplication: its compact
 * text without the "@odata.type" Graph puts first, malloc'd (the parser's text buffer is
 * reused while the record is mapped); NULL when out of memory. */
static char *record_text(struct m365_read_ctx *ctx, struct m365_jv audit, size_t *len)
{
    static const char odata[] = "{\"@odata.type\":\"";
    size_t n;
    const char *t = m365_jv_text(ctx->json, audit, &n);
    if (!t) {
        return NULL;
    }
    size_t skip = 0;
    if (n > sizeof(odata) && memcmp(t, odata, sizeof(odata) - 1) == 0) {
        size_t i = sizeof(odata) - 1;
        while (i < n && t[i] != '"') {
            i += t[i] == '\\' ? 2 : 1;
        }
        if (i + 1 < n && t[i + 1] == ',') {
            skip = i + 1; /* the type and its comma; the record's first member follows '{' */
        }
    }
    char *own = malloc(n - skip + 1);
    if (own) {
        own[0] = '{';
        memcpy(own + 1, t + 1 + skip, n - 1 - skip);
        own[n - skip] = '\0';
        *len = n - skip;
    }
    return own;
}

void m365_map_ual_wrapped(struct m365_read_ctx *ctx, struct m365_jv audit,
                          const struct m365_ual_stand_in *in, size_t n_in, uint64_t line,
                          uint64_t offset, const char *raw, size_t raw_len)
{
    /* AuditData held as text is the record as the service wrote it: de-duplication compares
     * that text, not the wrapper's, so that the record exported another way is one record. */
    const char *text = raw;
    size_t text_len = raw_len;
    bool held_object = m365_jv_type(audit) == M365_J_OBJECT;
    if (m365_jv_type(audit) == M365_J_STRING) {
        if (!m365_jv_str(audit, &text, &text_len)) {
            text = raw;
            text_len = raw_len;
        }
        audit = m365_jnested(ctx, audit);
    }
    bool object = m365_jv_type(audit) == M365_J_OBJECT;
    bool need[M365_UAL_STAND_INS] = {false};
    bool any = false;
    const char *s;
    size_t len;
    for (size_t i = 0; i < n_in && i < M365_UAL_STAND_INS; i++) {
        need[i] = m365_jtext(ctx, in[i].val, &s, &len) &&
                  !(object && has_member(ctx, audit, in[i].key, in[i].also));
        any |= need[i];
    }
    if (!object && !any) {
        m365_ctx_skip(ctx, line, "AuditData", "no AuditData object in the record");
        return;
    }
    if (!any) {
        size_t own_len = 0;
        char *own = held_object ? record_text(ctx, audit, &own_len) : NULL;
        m365_map_ual(ctx, audit, line, offset, own ? own : text, own ? own_len : text_len);
        free(own);
        return;
    }
    /* The stand-ins in front of the record's own members: a name is read where it is found
     * first, and the record keeps every member it has. */
    struct m365_buf b;
    m365_buf_init(&b, 0);
    m365_buf_putc(&b, '{');
    int first = 1;
    for (size_t i = 0; i < n_in && i < M365_UAL_STAND_INS; i++) {
        if (need[i]) {
            m365_json_key(&b, &first, in[i].key);
            const char *t = m365_jv_text(ctx->json, in[i].val, &len);
            m365_buf_append(&b, t, len);
        }
    }
    if (object && m365_jv_count(audit) > 0) {
        const char *t = m365_jv_text(ctx->json, audit, &len);
        m365_buf_putc(&b, ',');
        m365_buf_append(&b, t + 1, len - 1); /* its members and closing brace */
    } else {
        m365_buf_putc(&b, '}');
    }
    struct m365_jv root;
    const char *err;
    if (b.failed) {
        m365_ctx_skip(ctx, line, NULL, "out of memory");
    } else if (m365_json_parse(ctx->json, b.data, b.len, false, &root, &err) != 0) {
        m365_ctx_skip(ctx, line, "AuditData", "the record with its wrapper's fields: %s", err);
    } else {
        m365_map_ual(ctx, root, line, offset, raw, raw_len);
    }
    m365_buf_free(&b);
}

/* A Graph audit log query record (graph-audit-json): camelCase fields around auditData. */
void m365_map_graph_audit_record(struct m365_read_ctx *ctx, struct m365_jv rec, uint64_t line,
                                 uint64_t offset, const char *raw, size_t raw_len)
{
    struct m365_jv user = m365_jv_get(rec, "userPrincipalName");
    const char *s;
    size_t len;
    if (!m365_jtext(ctx, user, &s, &len)) {
        user = m365_jv_get(rec, "userId");
    }
    const struct m365_ual_stand_in in[] = {
        {"Id", NULL, m365_jv_get(rec, "id")},
        {"CreationTime", NULL, m365_jv_get(rec, "createdDateTime")},
        {"Operation", NULL, m365_jv_get(rec, "operation")},
        {"UserId", NULL, user},
        {"ClientIP", "ClientIPAddress", m365_jv_get(rec, "clientIp")},
        {"Workload", NULL, m365_jv_get(rec, "service")},
        {"OrganizationId", NULL, m365_jv_get(rec, "organizationId")},
        {"ObjectId", NULL, m365_jv_get(rec, "objectId")},
    };
    m365_map_ual_wrapped(ctx, m365_jv_get(rec, "auditData"), in, sizeof(in) / sizeof(in[0]),
                         line, offset, raw, raw_len);
}
