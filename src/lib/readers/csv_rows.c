#include "csv_rows.h"

#include <csv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"
#include "../core/norm.h"

#define INITIAL_CAP (64u << 10)
#define MIN_READ 16u /* m365_input_read decodes UTF-16 in pieces of at least this size */

struct m365_csv_rows {
    struct m365_input *in;
    size_t max_row;

    /* Framing. */
    char *buf;
    size_t cap, len;
    size_t rs;         /* buffer index of the current row's first byte */
    size_t scan;       /* bytes before this index have been framed */
    uint64_t base;     /* stream offset of buf[0] */
    uint64_t line;     /* line number at buf[scan] */
    uint64_t row_line; /* line and stream offset of the current row's first byte */
    uint64_t row_off;
    bool inq; /* quote parity of the current row up to scan */
    bool eof;
    bool oversize;    /* the current row passed max_row: its bytes are dropped as they come */
    bool blank_drop;  /* white space past max_row dropped so far: a blank line unless more comes */
    uint64_t dropped; /* bytes of the oversize row dropped so far */

    /* Splitting: libcsv fills cells/offs through the callbacks. */
    struct csv_parser csv;
    char *cells;
    size_t cells_len, cells_cap;
    size_t *offs;
    struct m365_csv_field *fields;
    size_t n_fields, fields_cap;
    size_t n_dropped;
    bool nomem;

    char why[192];
};

/* Cells are kept byte for byte and only the quote character is special: libcsv's space
 * trimming and its CR/LF record ends are switched off (the framer already decided where the row
 * ends, and line breaks inside it belong to quoted cells). */
static int never(unsigned char c)
{
    (void)c;
    return 0;
}

static int csv_setup(struct csv_parser *p)
{
    if (csv_init(p, 0) != 0) {
        return -1;
    }
    csv_set_space_func(p, never);
    csv_set_term_func(p, never);
    return 0;
}

struct m365_csv_rows *m365_csv_rows_new(struct m365_input *in, size_t max_record_bytes)
{
    struct m365_csv_rows *r = calloc(1, sizeof(*r));
    if (!r) {
        return NULL;
    }
    r->in = in;
    r->max_row = max_record_bytes ? max_record_bytes : (size_t)M365_DEFAULT_MAX_RECORD_BYTES;
    if (r->max_row > SIZE_MAX / 4) {
        r->max_row = SIZE_MAX / 4; /* keeps the buffer arithmetic clear of overflow */
    }
    r->cap = INITIAL_CAP;
    r->buf = malloc(r->cap);
    if (!r->buf || csv_setup(&r->csv) != 0) {
        free(r->buf);
        free(r);
        return NULL;
    }
    r->line = 1;
    r->row_line = 1;
    return r;
}

void m365_csv_rows_free(struct m365_csv_rows *r)
{
    if (!r) {
        return;
    }
    csv_free(&r->csv);
    free(r->buf);
    free(r->cells);
    free(r->offs);
    free(r->fields);
    free(r);
}

/* Drop the bytes before the current row, make room and read more. Returns -1 when out of
 * memory; sets eof when the input has nothing more. */
static int refill(struct m365_csv_rows *r)
{
    if (r->rs > 0) {
        memmove(r->buf, r->buf + r->rs, r->len - r->rs);
        r->len -= r->rs;
        r->scan -= r->rs;
        r->base += r->rs;
        r->rs = 0;
    }
    if (r->cap - r->len < MIN_READ) {
        /* Bounded: the pending row is at most max_row + 2 bytes (see the oversize check). */
        size_t ncap = r->cap * 2;
        char *nb = realloc(r->buf, ncap);
        if (!nb) {
            return -1;
        }
        r->buf = nb;
        r->cap = ncap;
    }
    size_t n = m365_input_read(r->in, r->buf + r->len, r->cap - r->len);
    if (n == 0) {
        r->eof = true;
    }
    r->len += n;
    return 0;
}

static size_t count_quotes(const char *p, size_t n)
{
    size_t q = 0;
    const char *e = p + n;
    while (p < e && (p = memchr(p, '"', (size_t)(e - p))) != NULL) {
        q++;
        p++;
    }
    return q;
}

static bool is_blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') {
            return false;
        }
    }
    return true;
}

/* The next row starts at the framing position. */
static void start_row(struct m365_csv_rows *r)
{
    r->rs = r->scan;
    r->row_line = r->line;
    r->row_off = r->base + r->rs;
    r->inq = false;
    r->oversize = false;
    r->blank_drop = false;
    r->dropped = 0;
}

static void on_cell(void *data, size_t len, void *user)
{
    struct m365_csv_rows *r = user;
    if (r->nomem) {
        return;
    }
    if (r->n_fields >= M365_MAX_CSV_COLUMNS) {
        r->n_dropped++;
        return;
    }
    if (r->n_fields == r->fields_cap) {
        size_t nc = r->fields_cap ? r->fields_cap * 2 : 64;
        size_t *no = realloc(r->offs, nc * sizeof(*no));
        if (!no) {
            r->nomem = true;
            return;
        }
        r->offs = no;
        struct m365_csv_field *nf = realloc(r->fields, nc * sizeof(*nf));
        if (!nf) {
            r->nomem = true;
            return;
        }
        r->fields = nf;
        r->fields_cap = nc;
    }
    if (r->cells_cap - r->cells_len < len + 1) {
        size_t nc = r->cells_cap ? r->cells_cap : 1024;
        while (nc - r->cells_len < len + 1) {
            nc *= 2;
        }
        char *ncells = realloc(r->cells, nc);
        if (!ncells) {
            r->nomem = true;
            return;
        }
        r->cells = ncells;
        r->cells_cap = nc;
    }
    if (len) {
        memcpy(r->cells + r->cells_len, data, len);
    }
    r->cells[r->cells_len + len] = '\0';
    r->offs[r->n_fields] = r->cells_len;
    r->fields[r->n_fields].len = len;
    r->n_fields++;
    r->cells_len += len + 1;
}

static void on_row_end(int c, void *user)
{
    (void)c;
    (void)user;
}

/* Split [p, p+n) into cells. Returns 0, or -1 when out of memory. */
static int split(struct m365_csv_rows *r, const char *p, size_t n)
{
    r->n_fields = 0;
    r->n_dropped = 0;
    r->cells_len = 0;
    r->nomem = false;
    if (csv_parse(&r->csv, p, n, on_cell, on_row_end, r) != n) {
        r->nomem = true;
    }
    csv_fini(&r->csv, on_cell, on_row_end, r);
    if (r->nomem) {
        return -1;
    }
    for (size_t i = 0; i < r->n_fields; i++) {
        r->fields[i].s = r->cells + r->offs[i];
    }
    return 0;
}

enum m365_status m365_csv_rows_next(struct m365_csv_rows *r, struct m365_csv_row *row)
{
    memset(row, 0, sizeof(*row));
    for (;;) {
        size_t end;
        if (r->scan == r->len) {
            if (!r->eof) {
                if (refill(r) != 0) {
                    row->line = r->row_line;
                    row->offset = r->row_off;
                    row->why = "out of memory reading a csv row";
                    return M365_E_NOMEM;
                }
                continue;
            }
            if (r->rs == r->len && !r->oversize) {
                return M365_E_EOF;
            }
            end = r->len; /* last row, without a line end */
        } else {
            const char *p = r->buf + r->scan;
            size_t avail = r->len - r->scan;
            const char *nl = memchr(p, '\n', avail);
            size_t seg = nl ? (size_t)(nl - p) : avail;
            if (count_quotes(p, seg) & 1) {
                r->inq = !r->inq;
            }
            r->scan += nl ? seg + 1 : seg;
            if (nl) {
                r->line++;
            }
            if (!nl || r->inq) {
                /* The row goes on. Past the limit its bytes are dropped as they come, so memory
                 * stays bounded by max_row whatever the input holds. */
                if (r->scan - r->rs > r->max_row + 2) {
                    /* White space alone is a blank line so far, as it would be read whole. */
                    if (!r->oversize && !r->inq && is_blank(r->buf + r->rs, r->scan - r->rs)) {
                        r->blank_drop = true;
                    } else {
                        r->oversize = true;
                    }
                    r->dropped += r->scan - r->rs;
                    r->rs = r->scan;
                }
                continue;
            }
            end = r->scan - 1;
        }

        /* A row is complete in [rs, end). */
        bool unterminated = r->eof && r->scan == r->len && r->inq;
        if (r->blank_drop && !r->oversize) {
            size_t m = end - r->rs;
            if (!unterminated && is_blank(r->buf + r->rs, m)) {
                start_row(r); /* a long blank line: skipped like any blank line */
                continue;
            }
            r->oversize = true; /* text after the blanks: the row is over the limit */
        }
        if (r->oversize) {
            uint64_t total = r->dropped + (end - r->rs);
            row->line = r->row_line;
            row->offset = r->row_off;
            snprintf(r->why, sizeof(r->why),
                     "csv row of %" PRIu64 " bytes is larger than the record limit of %zu bytes%s",
                     total, r->max_row, unterminated ? " (unterminated quoted cell)" : "");
            row->why = r->why;
            start_row(r);
            return M365_E_LIMIT;
        }
        size_t n = end - r->rs;
        const char *p = r->buf + r->rs;
        if (n > 0 && p[n - 1] == '\r') {
            n--;
        }
        if (!unterminated && is_blank(p, n)) {
            start_row(r);
            continue;
        }
        row->line = r->row_line;
        row->offset = r->row_off;
        if (n > r->max_row) {
            snprintf(r->why, sizeof(r->why),
                     "csv row of %zu bytes is larger than the record limit of %zu bytes", n,
                     r->max_row);
            row->why = r->why;
            start_row(r);
            return M365_E_LIMIT;
        }
        if (split(r, p, n) != 0) {
            row->why = "out of memory splitting a csv row";
            start_row(r);
            return M365_E_NOMEM;
        }
        row->fields = r->fields;
        row->n = r->n_fields;
        row->n_dropped = r->n_dropped;
        row->raw = p;
        row->raw_len = n;
        row->unterminated = unterminated;
        /* The row's bytes stay in the buffer until the next call compacts it. */
        start_row(r);
        return M365_OK;
    }
}

/* --- Header helpers ------------------------------------------------------------------------ */

struct first_row_ctx {
    m365_csv_cell_fn fn;
    void *user;
    size_t n;
};

static void first_row_cell(void *data, size_t len, void *user)
{
    struct first_row_ctx *c = user;
    if (c->n >= M365_MAX_CSV_COLUMNS) {
        return;
    }
    c->fn(c->user, c->n, len ? data : "", len);
    c->n++;
}

int m365_csv_first_row(const char *text, size_t len, bool skip_hash, m365_csv_cell_fn fn,
                       void *user)
{
    size_t i = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        i = 3;
    }
    /* Skip blank lines and, when asked, '#' comment lines. */
    for (;;) {
        if (i >= len) {
            return -1;
        }
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len;
        if (!is_blank(text + i, e - i) && !(skip_hash && text[i] == '#')) {
            break;
        }
        i = e + 1;
    }
    /* Frame one row with quote parity, as the row source does. */
    size_t start = i, end = len;
    bool inq = false;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len;
        if (count_quotes(text + i, e - i) & 1) {
            inq = !inq;
        }
        if (!nl) {
            break;
        }
        if (!inq) {
            end = e;
            break;
        }
        i = e + 1;
    }
    if (end > start && text[end - 1] == '\r') {
        end--;
    }
    struct csv_parser p;
    if (csv_setup(&p) != 0) {
        return -1;
    }
    struct first_row_ctx c = {fn, user, 0};
    int rc = 0;
    if (csv_parse(&p, text + start, end - start, first_row_cell, on_row_end, &c) !=
        end - start) {
        rc = -1;
    }
    csv_fini(&p, first_row_cell, on_row_end, &c);
    csv_free(&p);
    return rc == 0 ? (int)c.n : -1;
}

bool m365_csv_header_is(const char *cell, size_t len, const char *name)
{
    if (len >= 3 && memcmp(cell, "\xEF\xBB\xBF", 3) == 0) {
        cell += 3;
        len -= 3;
    }
    while (len && (cell[0] == ' ' || cell[0] == '\t')) {
        cell++;
        len--;
    }
    while (len && (cell[len - 1] == ' ' || cell[len - 1] == '\t')) {
        len--;
    }
    return m365_ieqn(cell, len, name);
}
