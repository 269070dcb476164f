/* Search-UnifiedAuditLog results as JSON (ConvertTo-Json of the cmdlet's objects, by hand or by a
 * collector): the PowerShell object's fields (CreationDate, UserIds, Operations, RecordType,
 * Identity, ResultIndex...) around the unified audit log record, which AuditData holds as JSON
 * text. The JSON twin of the classic purview-csv layout. */
#include <stdint.h>
#include <string.h>

#include "read_ctx.h"
#include "reader.h"
#include "sniff.h"

static int sniff_ual_search(const char *head, size_t len)
{
    struct m365_sniff_keys k;
    if (!m365_sniff_json_keys(head, len, &k) || !m365_sniff_keys_has(&k, "AuditData") ||
        m365_sniff_keys_has(&k, "auditLogRecordType")) {
        return 0;
    }
    static const char *const more[] = {"CreationDate", "Operations", "UserIds", "ResultIndex",
                                       "Identity", "RecordType"};
    int score = 0;
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
        score += m365_sniff_keys_has(&k, more[i]);
    }
    return score >= 2 ? 90 : 0;
}

/* ResultIndex / ResultCount: a whole number from 1 up, as ConvertTo-Json writes it; else 0. */
static uint64_t count_value(struct m365_jv v)
{
    int64_t n;
    return m365_jv_i64(v, &n) && n >= 1 && n <= (int64_t)1e12 ? (uint64_t)n : 0;
}

static void map_ual_search(struct m365_read_ctx *ctx, struct m365_jv rec, uint64_t line,
                           uint64_t offset, const char *raw, size_t raw_len)
{
    m365_ctx_search_result(ctx, count_value(m365_jv_get(rec, "ResultIndex")),
                           count_value(m365_jv_get(rec, "ResultCount")));
    const struct m365_ual_stand_in in[] = {
        {"Id", NULL, m365_jv_get(rec, "Identity")},
        {"CreationTime", NULL, m365_jv_get(rec, "CreationDate")},
        {"Operation", NULL, m365_jv_get(rec, "Operations")},
        {"UserId", NULL, m365_jv_get(rec, "UserIds")},
    };
    m365_map_ual_wrapped(ctx, m365_jv_get(rec, "AuditData"), in, sizeof(in) / sizeof(in[0]),
                         line, offset, raw, raw_len);
}

static void read_ual_search(struct m365_read_ctx *ctx)
{
    m365_json_read_all(ctx, map_ual_search);
}

const struct m365_reader m365_reader_ual_search_json = {
    "ual-search-json", "Search-UnifiedAuditLog results (JSON)",
    "Search-UnifiedAuditLog ... | ConvertTo-Json: the cmdlet's objects (CreationDate, UserIds, "
    "Operations, RecordType, Identity, ResultIndex...) with the unified audit log record as "
    "JSON text in AuditData; a plain array, objects one per line or concatenated",
    sniff_ual_search, read_ual_search, true};
