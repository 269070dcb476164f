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

static void read_graph_audit(struct m365_read_ctx *ctx)
{
    m365_json_read_all(ctx, m365_map_graph_audit_record);
}

const struct m365_reader m365_reader_graph_audit_json = {
    "graph-audit-json", "Purview audit log query records via Graph (JSON)",
    "GET /security/auditLog/queries/{id}/records (v1.0 or beta): a page {\"value\":[...]}, "
    "pages concatenated, a plain array or JSON Lines; Microsoft-Extractor-Suite Get-UALGraph "
    "output. Each record's auditData is a unified audit log record",
    sniff_graph_audit, read_graph_audit, true};
