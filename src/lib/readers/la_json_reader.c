/* Log Analytics / Sentinel rows exported as JSON. Row mapping (by the Type column) is
 * m365_map_la_row in entra_map.c, shared with the portal CSV reader. */
#include <string.h>

#include "../core/norm.h"
#include "read_ctx.h"
#include "reader.h"
#include "sniff.h"



static int sniff_la(const char *head, size_t len)
{
    struct m365_sniff_keys k;
    if (!m365_sniff_json_keys(head, len, &k) || !m365_sniff_keys_has(&k, "TimeGenerated")) {
        return 0;
    }
    static const char *const more[] = {"TenantId", "SourceSystem", "Type", "OfficeWorkload",
                                       "ActivityDisplayName", "ResultType", "OperationName",
                                       "Operation", "Category"};
    int n = 0;
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
        n += m365_sniff_keys_has(&k, more[i]);
    }
    return n >= 2 ? 60 + n * 4 : 0;
}

static void read_la(struct m365_read_ctx *ctx)
{
    m365_json_read_all(ctx, m365_map_la_row);
}

const struct m365_reader m365_reader_la_json = {
    "la-json", "Log Analytics / Sentinel rows (JSON)",
    "SigninLogs, AADNonInteractiveUserSignInLogs, AADServicePrincipalSignInLogs, AuditLogs, "
    "OfficeActivity and MicrosoftGraphActivityLogs exported as JSON (az monitor log-analytics "
    "query, API); dynamic columns may be JSON strings",
    sniff_la, read_la, true};
