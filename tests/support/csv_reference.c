#include "csv_reference.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "readers/csv_rows.h"

static int never(unsigned char c)
{
    (void)c;
    return 0;
}

struct ref_ctx {
    m365_ref_cell_fn fn;
    void *user;
    size_t n;
};

static void on_cell(void *data, size_t len, void *user)
{
    struct ref_ctx *c = user;
    c->fn(c->user, c->n++, len ? data : "", len);
}

static void on_row(int c, void *user)
{
    (void)c;
    (void)user;
}

long m365_csv_reference_split(const char *p, size_t n, char sep, m365_ref_cell_fn fn,
                              void *user)
{
    struct csv_parser cp;
    if (csv_init(&cp, 0) != 0) {
        return -1;
    }
    csv_set_delim(&cp, (unsigned char)sep);
    csv_set_space_func(&cp, never);
    csv_set_term_func(&cp, never);
    struct ref_ctx c = {fn, user, 0};
    long rc = csv_parse(&cp, p, n, on_cell, on_row, &c) == n ? 0 : -1;
    csv_fini(&cp, on_cell, on_row, &c);
    csv_free(&cp);
    return rc == 0 ? (long)c.n : -1;
}

static void collect(void *user, size_t index, const char *s, size_t len)
{
    struct m365_buf *b = user;
    m365_buf_printf(b, "[%zu:%zu:", index, len);
    m365_buf_append(b, s, len);
    m365_buf_putc(b, ']');
}

int m365_csv_split_vs_reference(const char *p, size_t n, char sep, char **report)
{
    *report = NULL;
    struct m365_buf want, got;
    m365_buf_init(&want, 0);
    m365_buf_init(&got, 0);
    long cells = m365_csv_reference_split(p, n, sep, collect, &want);
    struct m365_csv_cells c;
    memset(&c, 0, sizeof(c));
    int rc = m365_csv_split(&c, p, n, sep) != 0 ? -1 : 0;
    for (size_t k = 0; rc == 0 && k < c.n; k++) {
        if (c.buf[c.offs[k] + c.fields[k].len] != '\0') {
            rc = 1; /* not NUL-terminated */
        }
        collect(&got, k, c.buf + c.offs[k], c.fields[k].len);
    }
    if (rc == 0 && (cells < 0 || c.n_dropped)) {
        rc = 2; /* libcsv has no column cap */
    } else if (rc == 0 && ((long)c.n != cells || want.len != got.len ||
                           (got.len && memcmp(want.data, got.data, got.len) != 0))) {
        rc = 1;
    }
    if (rc == 1) {
        size_t sz = want.len + got.len + n + 64;
        *report = malloc(sz);
        if (*report) {
            snprintf(*report, sz, "row \"%.*s\" split at 0x%02x: libcsv %.*s, ours %.*s", (int)n, p,
                     (unsigned char)sep,
                     (int)want.len, want.data ? want.data : "", (int)got.len,
                     got.data ? got.data : "");
        }
    }
    m365_csv_cells_free(&c);
    m365_buf_free(&want);
    m365_buf_free(&got);
    return rc;
}
