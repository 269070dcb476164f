/* Purview audit search / Search-UnifiedAuditLog CSV exports: one unified audit log record per
 * row, as JSON in the AuditData cell. Columns are found by header name, never by position:
 *   new portal:  RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdmin…
 *   classic:     CreationDate,UserIds,Operations,AuditData (Export-Csv may add a "#TYPE" first
 *                line, quote every cell and add RunspaceId, RecordType, ResultIndex, ResultCount,
 *                Identity, IsValid, ObjectState). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/norm.h"
#include "csv_read.h"
#include "csv_rows.h"
#include "../core/limits.h"
#include "read_ctx.h"
#include "reader.h"

struct purview_cols {
    long audit;     /* AuditData */
    long record_id; /* RecordId (new layout) */
    long identity;  /* Identity (PowerShell: the record id) */
    long created;   /* CreationDate */
    long result_index, result_count; /* Search-UnifiedAuditLog's place of the row in its search */
};

static void find_cols(const struct m365_csv_row *h, struct purview_cols *c)
{
    c->audit = c->record_id = c->identity = c->created = -1;
    c->result_index = c->result_count = -1;
    for (size_t i = 0; i < h->n; i++) {
        const char *s = h->fields[i].s;
        size_t n = h->fields[i].len;
        /* First of a repeated name wins. */
        if (c->audit < 0 && m365_csv_header_is(s, n, "AuditData")) {
            c->audit = (long)i;
        } else if (c->record_id < 0 && m365_csv_header_is(s, n, "RecordId")) {
            c->record_id = (long)i;
        } else if (c->identity < 0 && m365_csv_header_is(s, n, "Identity")) {
            c->identity = (long)i;
        } else if (c->created < 0 && m365_csv_header_is(s, n, "CreationDate")) {
            c->created = (long)i;
        } else if (c->result_index < 0 && m365_csv_header_is(s, n, "ResultIndex")) {
            c->result_index = (long)i;
        } else if (c->result_count < 0 && m365_csv_header_is(s, n, "ResultCount")) {
            c->result_count = (long)i;
        }
    }
}

/* Cell col of the row with surrounding spaces trimmed; false when absent or blank. */
static bool cell(const struct m365_csv_row *row, long col, const char **s, size_t *len)
{
    if (col < 0 || (size_t)col >= row->n) {
        return false;
    }
    const char *p = row->fields[col].s;
    size_t n = row->fields[col].len;
    while (n && (p[0] == ' ' || p[0] == '\t' || p[0] == '\r' || p[0] == '\n')) {
        p++;
        n--;
    }
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n')) {
        n--;
    }
    if (n == 0) {
        return false;
    }
    *s = p;
    *len = n;
    return true;
}

static bool has_text(struct m365_read_ctx *ctx, struct m365_jv v)
{
    const char *s;
    size_t len;
    return m365_jtext(ctx, v, &s, &len);
}

/* AuditData with the row's RecordId / CreationDate added in front when it lacks an id or a time,
 * so the shared UAL mapper picks them up ("Id" and "CreationTime" are what it reads first).
 * Returns false (root unchanged) when nothing was added. The id and the time are looked for
 * first where m365_jget looks first, with simdjson's own scan (both lead a UAL record): the key
 * index would be built for these two look-ups alone, the mapper reading the record in one pass
 * of its own. */
static bool add_fallbacks(struct m365_read_ctx *ctx, const struct purview_cols *c,
                          const struct m365_csv_row *row, const char *json, size_t json_len,
                          struct m365_buf *b, struct m365_jv *root)
{
    const char *id = NULL, *when = NULL;
    size_t id_len = 0, when_len = 0;
    struct m365_jv idv = m365_jv_get(*root, "Id"), tv = m365_jv_get(*root, "CreationTime");
    if (!idv.present || m365_jv_type(idv) == M365_J_NULL) {
        idv = m365_jget(*root, "Id", "OfficeId", "SourceRecordId", NULL);
    }
    if (!tv.present || m365_jv_type(tv) == M365_J_NULL) {
        tv = m365_jget(*root, "CreationTime", "TimeGenerated", "CreationDate", NULL);
    }
    bool need_id = !has_text(ctx, idv) && (cell(row, c->record_id, &id, &id_len) ||
                                           cell(row, c->identity, &id, &id_len));
    bool need_time = !has_text(ctx, tv) && cell(row, c->created, &when, &when_len);
    if (!need_id && !need_time) {
        return false;
    }
    const char *brace = memchr(json, '{', json_len);
    if (!brace) {
        return false;
    }
    m365_buf_reset(b);
    int first = 1;
    m365_buf_putc(b, '{');
    if (need_id) {
        m365_json_key(b, &first, "Id");
        m365_json_str(b, id, id_len);
    }
    if (need_time) {
        m365_json_key(b, &first, "CreationTime");
        m365_json_str(b, when, when_len);
    }
    if (m365_jv_count(*root) > 0) {
        m365_buf_putc(b, ',');
    }
    m365_buf_append(b, brace + 1, json_len - (size_t)(brace + 1 - json));
    if (m365_buf_reserve(b, M365_JSON_PADDING) != 0) {
        return false;
    }
    memset(b->data + b->len, 0, M365_JSON_PADDING);
    struct m365_jv r2;
    const char *err;
    if (m365_json_parse(ctx->json, b->data, b->len, true, &r2, &err) != 0) {
        return false; /* map the record as it is */
    }
    *root = r2;
    return true;
}

/* A cell holding a whole number from 1 up (ResultIndex, ResultCount), else 0. */
static uint64_t count_cell(const struct m365_csv_row *row, long col)
{
    const char *p;
    size_t n;
    uint64_t v = 0;
    if (!cell(row, col, &p, &n) || n > 12) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return 0;
        }
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    return v;
}

static void map_row(struct m365_read_ctx *ctx, const struct purview_cols *c,
                    const struct m365_csv_row *row, struct m365_buf *b)
{
    if (c->result_index >= 0 && c->result_count >= 0) {
        m365_ctx_search_result(ctx, count_cell(row, c->result_index),
                               count_cell(row, c->result_count));
    }
    if (c->audit < 0) {
        m365_ctx_skip(ctx, row->line, "AuditData", "no AuditData column in the csv header");
        return;
    }
    const char *json;
    size_t json_len;
    if ((size_t)c->audit >= row->n) {
        m365_ctx_skip(ctx, row->line, "AuditData",
                      "row has %zu cells, the AuditData column is cell %ld", row->n,
                      c->audit + 1);
        return;
    }
    if (!cell(row, c->audit, &json, &json_len)) {
        m365_ctx_skip(ctx, row->line, "AuditData", "empty AuditData cell");
        return;
    }
    struct m365_jv root;
    const char *err;
    _Static_assert(M365_CSV_CELL_PADDING >= M365_JSON_PADDING, "cells are parsed in place");
    char *recoded = NULL;
    if (m365_json_parse(ctx->json, json, json_len, true, &root, &err) != 0) {
        /* Not UTF-8: a re-save in Windows-1252 (Excel's "CSV (Comma delimited)"). */
        size_t rlen;
        const char *err2;
        recoded = m365_recode_cp1252(json, json_len, &rlen);
        if (!recoded || m365_json_parse(ctx->json, recoded, rlen, true, &root, &err2) != 0) {
            free(recoded);
            const struct m365_csv_field *raw = &row->fields[c->audit]; /* untrimmed */
            if (m365_ctx_cut(ctx, row->line, raw->s, raw->len)) {
                m365_ctx_skip(ctx, row->line, "AuditData",
                              "AuditData is cut at 32,767 characters, the most a spreadsheet "
                              "cell holds (the file was saved from Excel): %s",
                              err);
            } else {
                m365_ctx_skip(ctx, row->line, "AuditData", "AuditData is not valid JSON: %s",
                              err);
            }
            return;
        }
        json = recoded;
        json_len = rlen;
        m365_ctx_recoded(ctx);
    }
    if (m365_jv_type(root) != M365_J_OBJECT) {
        m365_ctx_skip(ctx, row->line, "AuditData", "AuditData is not a JSON object");
    } else if (add_fallbacks(ctx, c, row, json, json_len, b, &root)) {
        m365_map_ual(ctx, root, row->line, row->offset, b->data, b->len);
    } else {
        m365_map_ual(ctx, root, row->line, row->offset, json, json_len);
    }
    free(recoded);
}

struct purview_state {
    struct purview_cols cols;
    struct m365_buf b;
};

static const char *purview_header(void *user, struct m365_read_ctx *ctx,
                                  const struct m365_csv_row *row)
{
    (void)ctx;
    struct purview_state *st = user;
    find_cols(row, &st->cols);
    return NULL;
}

static void purview_row(void *user, struct m365_read_ctx *ctx, const struct m365_csv_row *row)
{
    struct purview_state *st = user;
    map_row(ctx, &st->cols, row, &st->b);
}

static void purview_read(struct m365_read_ctx *ctx)
{
    static const struct m365_csv_reader r = {true, purview_header, purview_row};
    struct purview_state st = {{-1, -1, -1, -1, -1, -1}, {0}};
    m365_buf_init(&st.b, 0);
    m365_csv_read(ctx, &r, &st);
    m365_buf_free(&st.b);
}

struct sniff_state {
    bool audit, created;
};

static void sniff_cell(void *user, size_t index, const char *s, size_t len)
{
    struct sniff_state *st = user;
    (void)index;
    if (m365_csv_header_is(s, len, "AuditData")) {
        st->audit = true;
    } else if (m365_csv_header_is(s, len, "CreationDate")) {
        st->created = true;
    }
}

static int purview_sniff(const char *head, size_t len)
{
    if (m365_csv_head_is_json(head, len)) {
        return 0;
    }
    struct sniff_state st = {false, false};
    if (m365_csv_first_row(head, len, true, sniff_cell, &st) < 0) {
        return 0;
    }
    return st.audit && st.created ? 90 : 0;
}

const struct m365_reader m365_reader_purview_csv = {
    "purview-csv",
    "Purview audit search CSV export",
    "Microsoft Purview audit search exports and Search-UnifiedAuditLog | Export-Csv files: one "
    "unified audit log record per row, as JSON in the AuditData column",
    purview_sniff,
    purview_read,
    false, /* a quoted field may span lines: never split */
};
