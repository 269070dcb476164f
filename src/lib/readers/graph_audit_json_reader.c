/* Microsoft Graph audit log query records (GET /security/auditLog/queries/{id}/records, beta and
 * v1.0): the Purview audit search through Graph, and what Microsoft-Extractor-Suite's
 * Get-UALGraph writes. Each record wraps the unified audit log record (auditData) in camelCase
 * fields of its own; the record is mapped as ual-json maps it. */
#include <string.h>

#include "read_ctx.h"
#include "reader.h"
#include "sniff.h"

static int sniff_graph_audit(const char *head, size_t len)
{
    struct m365_sniff_keys k;
    if (!m365_sniff_json_keys(head, len, &k)) {
        return 0;
    }
    if (m365_sniff_keys_has(&k, "auditLogRecordType")) {
        return 95;
    }
    return m365_sniff_keys_has(&k, "auditData") &&
                   (m365_sniff_keys_has(&k, "createdDateTime") ||
                    m365_sniff_keys_has(&k, "operation"))
               ? 90
               : 0;
}

static void map_graph_audit(struct m365_read_ctx *ctx, struct m365_jv rec, uint64_t line,
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

static void read_graph_audit(struct m365_read_ctx *ctx)
{
    m365_json_read_all(ctx, map_graph_audit);
}

const struct m365_reader m365_reader_graph_audit_json = {
    "graph-audit-json", "Purview audit log query records via Graph (JSON)",
    "GET /security/auditLog/queries/{id}/records (v1.0 or beta): a page {\"value\":[...]}, "
    "pages concatenated, a plain array or JSON Lines; Microsoft-Extractor-Suite Get-UALGraph "
    "output. Each record's auditData is a unified audit log record",
    sniff_graph_audit, read_graph_audit, true};
