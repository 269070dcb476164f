#include <stdlib.h>
#include <string.h>

#include "json_records.h"
#include "read_ctx.h"

static void page_closed(void *user, bool names_next)
{
    m365_ctx_page(user, names_next);
}

void m365_json_read_all(struct m365_read_ctx *ctx, m365_json_map_fn map)
{
    struct m365_json_records *jr = m365_json_records_new(ctx->in, ctx->lim->max_record_bytes);
    if (!jr) {
        m365_ctx_warn(ctx, 0, NULL, "out of memory");
        return;
    }
    if (ctx->force_lines) {
        m365_json_records_force_lines(jr);
    }
    ctx->page_sources = 0;
    m365_json_records_on_page(jr, page_closed, ctx);
    struct m365_json_record rec;
    enum m365_status st;
    while ((st = m365_json_records_next(jr, &rec)) != M365_E_EOF) {
        m365_ctx_tick(ctx);
        if (st == M365_E_NOMEM) {
            m365_ctx_warn(ctx, rec.line, NULL, "out of memory: the rest of the file is not read");
            break;
        }
        if (st != M365_OK) {
            m365_ctx_skip(ctx, rec.line, NULL, "%s", rec.why);
            continue;
        }
        struct m365_jv root;
        const char *err = NULL;
        char *recoded = NULL;
        size_t rlen = 0;
        int rc = m365_json_parse(ctx->json, rec.data, rec.len, true, &root, &err);
        if (rc != 0 && (recoded = m365_recode_cp1252(rec.data, rec.len, &rlen)) != NULL) {
            /* Not UTF-8: Windows-1252 text (a re-saved or Windows PowerShell 5 export). */
            const char *err2;
            rc = m365_json_parse(ctx->json, recoded, rlen, true, &root, &err2);
            if (rc == 0) {
                rec.data = recoded;
                rec.len = rlen;
                m365_ctx_recoded(ctx);
            }
        }
        if (rc != 0) {
            /* A line cut at its start reads as the structural framing reports it. */
            if (rec.data[0] != '{' && rec.data[0] != '[') {
                m365_ctx_skip(ctx, rec.line, NULL, "text outside any JSON value");
            } else {
                m365_ctx_skip(ctx, rec.line, NULL, "invalid JSON: %s", err);
            }
        } else if (m365_jv_type(root) != M365_J_OBJECT) {
            m365_ctx_skip(ctx, rec.line, NULL, "record is not a JSON object");
        } else {
            map(ctx, root, rec.line, rec.offset, rec.data, rec.len);
        }
        m365_json_reset(ctx->json);
        free(recoded);
    }
    m365_json_records_free(jr);
}
