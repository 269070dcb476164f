#include "csv_reference.h"

#include <csv.h>

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

long m365_csv_reference_split(const char *p, size_t n, m365_ref_cell_fn fn, void *user)
{
    struct csv_parser cp;
    if (csv_init(&cp, 0) != 0) {
        return -1;
    }
    csv_set_space_func(&cp, never);
    csv_set_term_func(&cp, never);
    struct ref_ctx c = {fn, user, 0};
    long rc = csv_parse(&cp, p, n, on_cell, on_row, &c) == n ? 0 : -1;
    csv_fini(&cp, on_cell, on_row, &c);
    csv_free(&cp);
    return rc == 0 ? (long)c.n : -1;
}
