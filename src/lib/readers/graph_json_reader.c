/* Microsoft Graph /auditLogs/signIns and /auditLogs/directoryAudits exports. */
#include <string.h>

#include "../core/norm.h"
#include "read_ctx.h"
#include "reader.h"
#include "sniff.h"

static int sniff_graph(const char *head, size_t len)
{
    struct m365_sniff_keys k;
    /* Any case: Graph writes camelCase, the Graph PowerShell SDK's objects PascalCase
     * (Get-MgAuditLogSignIn | ConvertTo-Json). */
    if (!m365_sniff_json_keys(head, len, &k) || m365_sniff_keys_has_any_case(&k, "TimeGenerated") ||
        m365_sniff_keys_has_any_case(&k, "operationName")) {
        return 0;
    }
    int score = 0;
    if (m365_sniff_keys_has_any_case(&k, "activityDisplayName") &&
        m365_sniff_keys_has_any_case(&k, "activityDateTime")) {
        score = 80;
    } else if (m365_sniff_keys_has_any_case(&k, "createdDateTime") &&
               (m365_sniff_keys_has_any_case(&k, "userPrincipalName") ||
                m365_sniff_keys_has_any_case(&k, "appId"))) {
        score = 75;
    }
    return score && k.wrapper && k.wrapper[0] == 'v' ? score + 10 : score;
}

static void read_graph(struct m365_read_ctx *ctx)
{
    m365_json_read_all(ctx, m365_map_graph_item);
}

const struct m365_reader m365_reader_graph_json = {
    "graph-json", "Microsoft Graph signIns / directoryAudits (JSON)",
    "GET /auditLogs/signIns and /auditLogs/directoryAudits (v1.0 or beta): a page "
    "{\"value\":[...]}, several pages concatenated, a plain array, or JSON Lines; also "
    "Get-MgAuditLogSignIn / Get-MgAuditLogDirectoryAudit | ConvertTo-Json (PascalCase)",
    sniff_graph, read_graph, true};
