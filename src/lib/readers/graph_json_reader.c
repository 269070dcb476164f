/* Microsoft Graph /auditLogs/signIns and /auditLogs/directoryAudits exports. */
#include <string.h>

#include "../core/norm.h"
#include "read_ctx.h"
#include "reader.h"
#include "sniff.h"


static void map_graph(struct m365_read_ctx *ctx, struct m365_jv rec, uint64_t line,
                      uint64_t offset, const char *raw, size_t raw_len)
{
    if (m365_jget_exact(rec, "activityDisplayName").present) {
        m365_map_entra_audit(ctx, rec, m365_jv_none(), line, offset, raw, raw_len);
    } else if (m365_jget_exact(rec, "createdDateTime").present) {
        m365_map_entra_signin(ctx, rec, m365_jv_none(), M365_LOG_UNKNOWN, line, offset, raw, raw_len);
    } else {
        m365_ctx_skip(ctx, line, NULL,
                      "neither a Graph signIn (createdDateTime) nor a directoryAudit "
                      "(activityDisplayName) object");
    }
}

static int sniff_graph(const char *head, size_t len)
{
    struct m365_sniff_keys k;
    if (!m365_sniff_json_keys(head, len, &k) || m365_sniff_keys_has(&k, "TimeGenerated") ||
        m365_sniff_keys_has(&k, "operationName")) {
        return 0;
    }
    int score = 0;
    if (m365_sniff_keys_has(&k, "activityDisplayName") &&
        m365_sniff_keys_has(&k, "activityDateTime")) {
        score = 80;
    } else if (m365_sniff_keys_has(&k, "createdDateTime") &&
               (m365_sniff_keys_has(&k, "userPrincipalName") ||
                m365_sniff_keys_has(&k, "appId"))) {
        score = 75;
    }
    return score && k.wrapper && k.wrapper[0] == 'v' ? score + 10 : score;
}

static void read_graph(struct m365_read_ctx *ctx)
{
    m365_json_read_all(ctx, map_graph);
}

const struct m365_reader m365_reader_graph_json = {
    "graph-json", "Microsoft Graph signIns / directoryAudits (JSON)",
    "GET /auditLogs/signIns and /auditLogs/directoryAudits (v1.0 or beta): a page "
    "{\"value\":[...]}, several pages concatenated, a plain array, or JSON Lines",
    sniff_graph, read_graph, true};
