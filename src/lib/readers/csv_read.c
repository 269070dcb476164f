#include "csv_read.h"

#include <string.h>

#include "../core/buf.h"
#include "../core/limits.h"
#include "read_ctx.h"

void m365_csv_read(struct m365_read_ctx *ctx, const struct m365_csv_reader *r, void *user)
{
    struct m365_csv_rows *rows = m365_csv_rows_new(ctx->in, (size_t)ctx->lim->max_record_bytes);
    if (!rows) {
        m365_ctx_skip(ctx, 0, NULL, "out of memory");
        return;
    }
    m365_csv_rows_find_sep(rows, r->skip_hash);
    bool wide_warned = false;
    bool have_header = false;
    const char *no_header = NULL; /* why the header row could not be read */
    struct m365_csv_header_text header = {NULL, 0};
    for (;;) {
        struct m365_csv_row row;
        enum m365_status st = m365_csv_rows_next(rows, &row);
        m365_ctx_tick(ctx);
        if (st == M365_E_EOF) {
            break;
        }
        if (st == M365_E_NOMEM) {
            m365_ctx_skip(ctx, row.line, NULL, "%s", row.why);
            break;
        }
        if (st == M365_E_LIMIT) {
            m365_ctx_skip(ctx, row.line, NULL, "%s", row.why);
            if (!have_header) {
                /* Without a header no later row can be understood. */
                have_header = true;
                no_header = "the csv header row was skipped";
            }
            continue;
        }
        if (row.unterminated) {
            m365_ctx_warn(ctx, row.line, NULL, "the file ends inside a quoted cell");
        }
        if (row.n_dropped && !wide_warned) {
            wide_warned = true; /* said once per file */
            m365_ctx_warning(ctx, row.line, NULL,
                             "row has more than %u cells: the cells past that are ignored",
                             (unsigned)M365_MAX_CSV_COLUMNS);
        }
        if (!have_header) {
            if (r->skip_hash && row.raw_len > 0 && row.raw[0] == '#') {
                continue; /* Export-Csv's "#TYPE …" line */
            }
            have_header = true;
            no_header = r->header(user, ctx, &row);
            m365_csv_header_keep(&header, &row);
            continue;
        }
        if (no_header) {
            m365_ctx_skip(ctx, row.line, NULL, "%s", no_header);
            continue;
        }
        if (m365_csv_header_again(&header, &row)) {
            m365_ctx_skip(ctx, row.line, NULL,
                          "a header line again (exports joined together?): not a record");
            continue;
        }
        r->row(user, ctx, &row);
        m365_json_reset(ctx->json);
    }
    m365_csv_header_free(&header);
    m365_csv_rows_free(rows);
}

int m365_csv_row_json(struct m365_read_ctx *ctx, const struct m365_csv_row *row,
                      struct m365_buf *b, struct m365_jv *root)
{
    if (m365_buf_reserve(b, M365_JSON_PADDING) != 0) {
        m365_ctx_skip(ctx, row->line, NULL, "out of memory building the row's JSON");
        return -1;
    }
    memset(b->data + b->len, 0, M365_JSON_PADDING);
    const char *err;
    if (m365_json_parse(ctx->json, b->data, b->len, true, root, &err) != 0) {
        m365_ctx_skip(ctx, row->line, NULL, "row could not be read as a JSON object: %s", err);
        return -1;
    }
    return 0;
}

bool m365_csv_head_is_json(const char *head, size_t len)
{
    size_t i = len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < len && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) {
        i++;
    }
    return i < len && (head[i] == '{' || head[i] == '[');
}
