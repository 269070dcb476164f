/* Log Analytics / Microsoft Sentinel portal "Export to CSV" files (SigninLogs, AuditLogs,
 * OfficeActivity, …). Each row becomes the JSON object {"Column":"cell",…} that the Log
 * Analytics JSON export would have held (every value a string; the shared mapper parses dynamic
 * columns and converts numbers and booleans), then goes to m365_map_la_row.
 * Portal quirks: time columns are named "X [UTC]", some dynamic columns come twice as
 * "X_dynamic" and "X_string", dynamic values are pretty-printed JSON spanning lines. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/limits.h"
#include "../core/norm.h"
#include "csv_read.h"
#include "csv_rows.h"
#include "read_ctx.h"
#include "reader.h"

/* The column name as the table has it: trimmed, without " [UTC]", then without "_dynamic" or
 * "_string". Returns the new length. */
static size_t clean_name(const char **sp, size_t len)
{
    const char *s = *sp;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        len -= 3;
    }
    while (len && (s[0] == ' ' || s[0] == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }
    static const char *const suffixes[] = {" [UTC]", "_dynamic", "_string"};
    for (size_t k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
        size_t sl = strlen(suffixes[k]);
        if (len > sl && m365_ieqn(s + len - sl, sl, suffixes[k])) {
            len -= sl;
            if (k == 0) {
                while (len && s[len - 1] == ' ') {
                    len--;
                }
            } else {
                break; /* at most one of _dynamic / _string */
            }
        }
    }
    *sp = s;
    return len;
}

/* Per column: the JSON text `"Name":`, or NULL for a column that is not used (empty name, or a
 * name already seen: the first of X_dynamic / X_string wins). */
struct la_header {
    char **keys;
    size_t *key_len;
    size_t n;
};

static void header_free(struct la_header *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->keys[i]);
    }
    free(h->keys);
    free(h->key_len);
    h->keys = NULL;
    h->key_len = NULL;
    h->n = 0;
}

static int header_build(struct la_header *h, const struct m365_csv_row *row)
{
    h->n = 0;
    h->keys = calloc(row->n ? row->n : 1, sizeof(*h->keys));
    h->key_len = calloc(row->n ? row->n : 1, sizeof(*h->key_len));
    if (!h->keys || !h->key_len) {
        return -1;
    }
    h->n = row->n;
    struct m365_buf b;
    m365_buf_init(&b, 0);
    for (size_t i = 0; i < row->n; i++) {
        const char *s = row->fields[i].s;
        size_t len = clean_name(&s, row->fields[i].len);
        if (len == 0) {
            continue;
        }
        m365_buf_reset(&b);
        m365_json_str(&b, s, len);
        m365_buf_putc(&b, ':');
        if (b.failed) {
            m365_buf_free(&b);
            return -1;
        }
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++) {
            dup = h->keys[j] && h->key_len[j] == b.len && memcmp(h->keys[j], b.data, b.len) == 0;
        }
        if (dup) {
            continue;
        }
        h->keys[i] = malloc(b.len + 1);
        if (!h->keys[i]) {
            m365_buf_free(&b);
            return -1;
        }
        memcpy(h->keys[i], b.data, b.len + 1);
        h->key_len[i] = b.len;
    }
    m365_buf_free(&b);
    return 0;
}

static void map_row(struct m365_read_ctx *ctx, const struct la_header *h,
                    const struct m365_csv_row *row, struct m365_buf *b)
{
    m365_buf_reset(b);
    m365_buf_putc(b, '{');
    bool first = true;
    size_t n = row->n < h->n ? row->n : h->n; /* cells past the header have no name */
    /* Not UTF-8: a re-save in Windows-1252 (Excel's "CSV (Comma delimited)"); each cell is read
     * so rather than have its accented letters replaced. */
    bool cp1252 = m365_cp1252_likely(row->raw, row->raw_len);
    for (size_t i = 0; i < n; i++) {
        if (!h->keys[i] || row->fields[i].len == 0) {
            continue;
        }
        if (!first) {
            m365_buf_putc(b, ',');
        }
        first = false;
        m365_buf_append(b, h->keys[i], h->key_len[i]);
        char *u = NULL;
        size_t ulen = 0;
        if (cp1252 && (u = m365_recode_cp1252(row->fields[i].s, row->fields[i].len, &ulen))) {
            m365_json_str(b, u, ulen);
            free(u);
        } else {
            m365_json_str(b, row->fields[i].s, row->fields[i].len);
        }
    }
    if (cp1252) {
        m365_ctx_recoded(ctx);
    }
    m365_buf_putc(b, '}');
    struct m365_jv root;
    if (m365_csv_row_json(ctx, row, b, &root) != 0) {
        return;
    }
    m365_map_la_row(ctx, root, row->line, row->offset, b->data, b->len);
}

struct la_state {
    struct la_header h;
    struct m365_buf b;
};

static const char *la_header_row(void *user, struct m365_read_ctx *ctx,
                                 const struct m365_csv_row *row)
{
    (void)ctx;
    struct la_state *st = user;
    return header_build(&st->h, row) != 0 ? "out of memory reading the csv header" : NULL;
}

static void la_row(void *user, struct m365_read_ctx *ctx, const struct m365_csv_row *row)
{
    struct la_state *st = user;
    map_row(ctx, &st->h, row, &st->b);
}

static void la_read(struct m365_read_ctx *ctx)
{
    static const struct m365_csv_reader r = {false, la_header_row, la_row};
    struct la_state st = {{NULL, NULL, 0}, {0}};
    m365_buf_init(&st.b, 0);
    m365_csv_read(ctx, &r, &st);
    header_free(&st.h);
    m365_buf_free(&st.b);
}

/* Columns that (two at a time) mark a Log Analytics table. */
static const char *const la_columns[] = {
    "TenantId",      "SourceSystem", "OperationName", "TimeGenerated",    "OfficeWorkload",
    "ResultType",    "Category",     "CorrelationId", "UserPrincipalName",
};

struct sniff_state {
    bool type;
    unsigned seen; /* bit per la_columns entry */
};

static void sniff_cell(void *user, size_t index, const char *s, size_t len)
{
    struct sniff_state *st = user;
    (void)index;
    len = clean_name(&s, len);
    if (m365_ieqn(s, len, "Type")) {
        st->type = true;
    }
    for (size_t k = 0; k < sizeof(la_columns) / sizeof(la_columns[0]); k++) {
        if (m365_ieqn(s, len, la_columns[k])) {
            st->seen |= 1u << k;
        }
    }
}

static int la_sniff(const char *head, size_t len)
{
    if (m365_csv_head_is_json(head, len)) {
        return 0;
    }
    struct sniff_state st = {false, 0};
    if (m365_csv_first_row(head, len, false, sniff_cell, &st) < 0) {
        return 0;
    }
    unsigned n = 0;
    for (unsigned m = st.seen; m; m &= m - 1) {
        n++;
    }
    return st.type || n >= 2 ? 80 : 0;
}

const struct m365_reader m365_reader_la_csv = {
    "la-csv",
    "Log Analytics CSV export",
    "Log Analytics / Microsoft Sentinel portal \"Export to CSV\" of SigninLogs, "
    "AAD*SignInLogs, AuditLogs, OfficeActivity or MicrosoftGraphActivityLogs query results",
    la_sniff,
    la_read,
    false, /* a quoted field may span lines: never split */
};
