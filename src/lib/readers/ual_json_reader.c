/* Unified Audit Log records as JSON: Management Activity API blobs, JSON Lines, concatenated
 * objects. The mapping itself (shared with Purview CSV and OfficeActivity) is in ual_map.c. */
#include <string.h>

#include "../core/norm.h"
#include "read_ctx.h"
#include "reader.h"
#include "sniff.h"



static int sniff_ual(const char *head, size_t len)
{
    struct m365_sniff_keys k;
    if (!m365_sniff_json_keys(head, len, &k) || !m365_sniff_keys_has(&k, "CreationTime") ||
        !m365_sniff_keys_has(&k, "Operation") || m365_sniff_keys_has(&k, "OfficeWorkload")) {
        return 0;
    }
    static const char *const more[] = {"RecordType", "Workload", "UserKey", "OrganizationId",
                                       "UserId", "Id"};
    int score = 50;
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
        score += m365_sniff_keys_has(&k, more[i]) ? 8 : 0;
    }
    return score;
}

static void read_ual(struct m365_read_ctx *ctx)
{
    m365_json_read_all(ctx, m365_map_ual);
}

const struct m365_reader m365_reader_ual_json = {
    "ual-json", "Unified Audit Log records (JSON)",
    "Office 365 Management Activity API content blobs (a JSON array per blob), JSON Lines or "
    "concatenated objects: Search-UnifiedAuditLog AuditData dumps, Microsoft-Extractor-Suite "
    "JSON, SIEM exports of the API",
    sniff_ual, read_ual, true};
