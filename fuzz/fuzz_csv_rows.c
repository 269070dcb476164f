/* Fuzz target: CSV row framing and splitting (readers/csv_rows.c) over a real m365_input, and
 * the header helpers the CSV sniffers use. Byte 0 is the read size (0 = default, else 1..255),
 * byte 1 the row size limit (high bit set: 1..509 bytes) and, in its low bit, the skip_hash flag
 * of m365_csv_first_row; the rest is the file. Checks: each row's raw text is the stream's text
 * at its offset, on the line it claims; cells are NUL-terminated and within the column limit;
 * framing progresses; the same rows come out whatever the read size; a blank line is never
 * skipped as too large. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "fuzz_common.h"
#include "io/input.h"
#include "readers/csv_rows.h"

struct row_sum {
    enum m365_status st;
    uint64_t line, offset;
    size_t raw_len, n, n_dropped;
    bool unterminated;
    uint64_t cells_hash;
    bool blank; /* a skip of a line that holds only white space */
};

struct rows {
    struct row_sum *v;
    size_t n, cap;
};

static uint64_t hash_cells(const struct m365_csv_row *row)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < row->n; i++) {
        const unsigned char *p = (const unsigned char *)row->fields[i].s;
        for (size_t k = 0; k <= row->fields[i].len; k++) { /* the NUL too: cells are separated */
            h = (h ^ p[k]) * 1099511628211ull;
        }
    }
    return h;
}

static void push(struct rows *r, struct row_sum s)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->v = realloc(r->v, r->cap * sizeof(*r->v));
        if (!r->v) {
            fuzz_fail("out of memory");
        }
    }
    r->v[r->n++] = s;
}

static bool blank_from(const char *stream, size_t slen, uint64_t off)
{
    for (size_t i = off; i < slen && stream[i] != '\n'; i++) {
        if (stream[i] != ' ' && stream[i] != '\t' && stream[i] != '\r') {
            return false;
        }
    }
    return true;
}

static void rows_all(const char *path, const struct m365_limits *lim, size_t chunk,
                     const char *stream, size_t slen, struct rows *out)
{
    const char *err = NULL;
    struct m365_input *in = m365_input_open(path, lim, chunk, &err);
    if (!in) {
        fuzz_fail("m365_input_open: %s", err ? err : "?");
    }
    size_t max_row = (size_t)lim->max_record_bytes;
    struct m365_csv_rows *rows = m365_csv_rows_new(in, max_row);
    if (!rows) {
        fuzz_fail("m365_csv_rows_new failed");
    }
    uint64_t prev_line = 0, prev_off = 0, ok_end = 0;
    uint64_t nl_at = 0, nl_line = 1;
    struct m365_csv_row row;
    enum m365_status st;
    while ((st = m365_csv_rows_next(rows, &row)) != M365_E_EOF) {
        if (out->n > slen + 1) {
            fuzz_fail("more rows than bytes: framing does not progress");
        }
        if (st != M365_OK && st != M365_E_LIMIT) {
            fuzz_fail("unexpected status %d", (int)st);
        }
        if (row.line <= prev_line || (out->n > 0 && row.offset <= prev_off)) {
            fuzz_fail("row %zu (line %llu, offset %llu) does not follow the previous one",
                      out->n, (unsigned long long)row.line, (unsigned long long)row.offset);
        }
        prev_line = row.line;
        prev_off = row.offset;
        for (; nl_at < row.offset && nl_at < slen; nl_at++) {
            nl_line += stream[nl_at] == '\n';
        }
        if (row.offset > slen || row.line != nl_line) {
            fuzz_fail("row %zu at offset %llu: line %llu, the stream says %llu", out->n,
                      (unsigned long long)row.offset, (unsigned long long)row.line,
                      (unsigned long long)nl_line);
        }
        struct row_sum s = {st, row.line, row.offset, 0, 0, 0, false, 0, false};
        if (st == M365_E_LIMIT) {
            s.blank = blank_from(stream, slen, row.offset);
            if (!row.why) {
                fuzz_fail("row %zu skipped without a reason", out->n);
            }
            fuzz_touch(row.why, strlen(row.why));
            push(out, s);
            continue;
        }
        if (row.raw_len > max_row || row.offset < ok_end || row.raw_len > slen - row.offset ||
            (row.raw_len && memcmp(row.raw, stream + row.offset, row.raw_len) != 0)) {
            fuzz_fail("row %zu (offset %llu, %zu bytes) is not the stream's text there", out->n,
                      (unsigned long long)row.offset, row.raw_len);
        }
        ok_end = row.offset + row.raw_len;
        if (row.n > M365_MAX_CSV_COLUMNS || (row.n_dropped && row.n != M365_MAX_CSV_COLUMNS)) {
            fuzz_fail("row %zu: %zu cells kept, %zu dropped", out->n, row.n, row.n_dropped);
        }
        for (size_t i = 0; i < row.n; i++) {
            const struct m365_csv_field *f = &row.fields[i];
            fuzz_touch(f->s, f->len + 1);
            if (f->s[f->len] != '\0' || f->len > row.raw_len) {
                fuzz_fail("row %zu cell %zu: %zu bytes, not NUL-terminated or too long", out->n,
                          i, f->len);
            }
            (void)m365_csv_header_is(f->s, f->len, "AuditData");
        }
        s.raw_len = row.raw_len;
        s.n = row.n;
        s.n_dropped = row.n_dropped;
        s.unterminated = row.unterminated;
        s.cells_hash = hash_cells(&row);
        push(out, s);
    }
    m365_csv_rows_free(rows);
    m365_input_close(in);
}

static void on_cell(void *user, size_t index, const char *s, size_t len)
{
    size_t *count = user;
    if (index != *count) {
        fuzz_fail("first_row: cell %zu reported as %zu", *count, index);
    }
    fuzz_touch(s, len);
    (*count)++;
}

/* A blank line is never a row, however long and however it arrives. */
static size_t next_kept(const struct rows *r, size_t i)
{
    if (i < r->n && r->v[i].st == M365_E_LIMIT && r->v[i].blank) {
        fuzz_fail("row %zu: a blank line skipped as too large", i);
    }
    return i;
}

static void compare(const struct rows *a, const struct rows *b, size_t chunk)
{
    size_t i = next_kept(a, 0), j = next_kept(b, 0);
    while (i < a->n || j < b->n) {
        const struct row_sum *x = i < a->n ? &a->v[i] : NULL, *y = j < b->n ? &b->v[j] : NULL;
        if (!x || !y || x->st != y->st || x->line != y->line || x->offset != y->offset ||
            x->raw_len != y->raw_len || x->n != y->n || x->n_dropped != y->n_dropped ||
            x->unterminated != y->unterminated || x->cells_hash != y->cells_hash) {
            fuzz_fail("row %zu/%zu differs between %zu-byte reads (%s, line %llu) and default "
                      "reads (%s, line %llu)",
                      i, j, chunk, x ? (x->st == M365_OK ? "ok" : "skip") : "none",
                      x ? (unsigned long long)x->line : 0ull,
                      y ? (y->st == M365_OK ? "ok" : "skip") : "none",
                      y ? (unsigned long long)y->line : 0ull);
        }
        i = next_kept(a, i + 1);
        j = next_kept(b, j + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    size_t chunk = data[0];
    size_t max_row = (data[1] & 0x80) ? (size_t)(data[1] & 0x7f) * 4 + 1 : FUZZ_MAX_RECORD_BYTES;
    bool skip_hash = data[1] & 1;
    struct m365_limits lim = fuzz_limits(max_row);

    /* The header helper works on a prefix of the raw text, as the sniffers use it. */
    size_t cells = 0;
    int n = m365_csv_first_row((const char *)data + 2, size - 2, skip_hash, on_cell, &cells);
    if (n >= 0 && (size_t)n != cells) {
        fuzz_fail("first_row returned %d after %zu cells", n, cells);
    }

    const char *path = fuzz_memfd_path(data + 2, size - 2);
    size_t slen;
    enum m365_status dst;
    char *stream = fuzz_decode_all(path, &lim, 0, &slen, &dst);
    struct rows a = {NULL, 0, 0}, b = {NULL, 0, 0};
    rows_all(path, &lim, chunk, stream, slen, &a);
    if (chunk) {
        rows_all(path, &lim, 0, stream, slen, &b);
        compare(&a, &b, chunk);
    }
    free(a.v);
    free(b.v);
    free(stream);
    return 0;
}
