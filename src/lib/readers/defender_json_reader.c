/* Microsoft Defender XDR advanced hunting rows as JSON (the API's and Graph runHuntingQuery's
 * results, or a collector's JSON Lines): CloudAppEvents rows carry the unified audit log record
 * in RawEventData, which is mapped as ual-json maps it, the row's own Timestamp, ActionType and
 * IPAddress standing in for what the record lacks. Rows of other tables (DeviceEvents,
 * IdentityDirectoryEvents…) and CloudAppEvents of other clouds' apps hold no such record: they
 * are counted as skipped with the reason. Sentinel's copy of the table (Type CloudAppEvents) is
 * read by la-json / la-csv through the same mapper. */
#include <string.h>

#include "../core/norm.h"
#include "read_ctx.h"
#include "reader.h"
#include "sniff.h"

/* A row whose account is the application that acted (an app-only mail read: AccountObjectId
 * is the record's ClientAppId) names it in AccountDisplayName, which the record itself never
 * does: kept with the event for the summaries that name the app. A user's row names the user. */
static void client_name(struct m365_read_ctx *ctx, struct m365_jv row, struct m365_jv rec)
{
    const char *acct, *client, *name;
    size_t acct_len, client_len, name_len;
    ctx->client_name = NULL;
    if (!m365_jtext(ctx, m365_jv_get(row, "AccountObjectId"), &acct, &acct_len) ||
        !m365_is_guid(acct, acct_len) ||
        !m365_jtext(ctx, m365_jv_get(row, "AccountDisplayName"), &name, &name_len) ||
        m365_is_guid(name, name_len)) {
        return;
    }
    struct m365_jv aac = m365_jnested(ctx, m365_jv_get(rec, "AppAccessContext"));
    if (!m365_jtext(ctx, m365_jv_get(rec, "ClientAppId"), &client, &client_len) &&
        !(m365_jv_type(aac) == M365_J_OBJECT &&
          m365_jtext(ctx, m365_jv_get(aac, "ClientAppId"), &client, &client_len))) {
        return;
    }
    if (client_len != acct_len) {
        return;
    }
    for (size_t i = 0; i < acct_len; i++) {
        if ((client[i] | 0x20) != (acct[i] | 0x20)) { /* GUIDs: hex digits and dashes */
            return;
        }
    }
    ctx->client_name = name;
    ctx->client_name_len = name_len;
}

void m365_map_cloudapp_event(struct m365_read_ctx *ctx, struct m365_jv row, uint64_t line,
                             uint64_t offset, const char *raw, size_t raw_len)
{
    struct m365_jv rec = m365_jnested(ctx, m365_jv_get(row, "RawEventData"));
    const char *s;
    size_t len;
    if (m365_jv_type(rec) != M365_J_OBJECT) {
        /* DeviceEvents, IdentityDirectoryEvents…: evidence for another tool. */
        if (!m365_jtext(ctx, m365_jv_get(row, "ActionType"), &s, &len)) {
            s = "?";
            len = 1;
        }
        m365_ctx_skip(ctx, line, "RawEventData",
                      "no audit record in this row (ActionType \"%.*s\"): a row of another "
                      "Defender table, or a query that left RawEventData out",
                      (int)(len > 80 ? 80 : len), s);
        return;
    }
    if (!m365_jv_get(rec, "RecordType").present && !m365_jv_get(rec, "Operation").present) {
        if (!m365_jtext(ctx, m365_jv_get(row, "Application"), &s, &len)) {
            s = "?";
            len = 1;
        }
        m365_ctx_skip(ctx, line, "RawEventData",
                      "not a unified audit log record: an event of another cloud app (%.*s)",
                      (int)(len > 80 ? 80 : len), s);
        return;
    }
    const struct m365_ual_stand_in in[] = {
        {"CreationTime", NULL, m365_jv_get(row, "Timestamp")},
        {"Operation", NULL, m365_jv_get(row, "ActionType")},
        {"ClientIP", "ClientIPAddress", m365_jv_get(row, "IPAddress")},
    };
    client_name(ctx, row, rec);
    m365_map_ual_wrapped(ctx, rec, in, sizeof(in) / sizeof(in[0]), line, offset, raw, raw_len);
    ctx->client_name = NULL;
}

static int sniff_defender(const char *head, size_t len)
{
    struct m365_sniff_keys k;
    /* TimeGenerated: Sentinel's copy, for la-json. */
    if (!m365_sniff_json_keys(head, len, &k) || !m365_sniff_keys_has(&k, "ReportId") ||
        !m365_sniff_keys_has(&k, "ActionType") || !m365_sniff_keys_has(&k, "Timestamp") ||
        m365_sniff_keys_has(&k, "TimeGenerated")) {
        return 0;
    }
    return 85;
}

static void read_defender(struct m365_read_ctx *ctx)
{
    m365_json_read_all(ctx, m365_map_cloudapp_event);
}

const struct m365_reader m365_reader_defender_json = {
    "defender-json", "Defender XDR advanced hunting rows (JSON)",
    "Microsoft Defender XDR advanced hunting results as JSON (the API's or Graph "
    "runHuntingQuery's results array, JSON Lines, a plain array): CloudAppEvents rows, whose "
    "RawEventData is the unified audit log record (MailItemsAccessed, consents, admin changes); "
    "rows of other tables are counted as skipped",
    sniff_defender, read_defender, true};
