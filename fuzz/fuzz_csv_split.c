/* Fuzz target: m365_csv_split (readers/csv_rows.c) against libcsv, the library whose rules it
 * implements without a per-byte state machine. The input is one framed row; both must give the
 * same cells, byte for byte, and ours must NUL-terminate each cell. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "csv_reference.h"
#include "fuzz_common.h"
#include "readers/csv_rows.h"

static void collect(void *user, size_t index, const char *p, size_t len)
{
    struct m365_buf *b = user;
    m365_buf_printf(b, "[%zu:%zu:", index, len);
    m365_buf_append(b, p, len);
    m365_buf_putc(b, ']');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *row = (const char *)data;
    struct m365_buf want, got;
    m365_buf_init(&want, 0);
    m365_buf_init(&got, 0);
    long cells = m365_csv_reference_split(row, size, collect, &want);
    struct m365_csv_cells c;
    memset(&c, 0, sizeof(c));
    if (m365_csv_split(&c, row, size) != 0) {
        fuzz_fail("m365_csv_split: out of memory");
    }
    for (size_t k = 0; k < c.n; k++) {
        if (c.buf[c.offs[k] + c.fields[k].len] != '\0') {
            fuzz_fail("cell %zu is not NUL-terminated", k);
        }
        collect(&got, k, c.buf + c.offs[k], c.fields[k].len);
    }
    /* libcsv has no column cap; compare while ours kept every cell. */
    if (cells >= 0 && c.n_dropped == 0 &&
        ((long)c.n != cells || want.len != got.len ||
         (got.len && memcmp(want.data, got.data, got.len) != 0))) {
        fuzz_fail("cells differ from libcsv: %ld vs %zu cells", cells, c.n);
    }
    m365_csv_cells_free(&c);
    m365_buf_free(&want);
    m365_buf_free(&got);
    return 0;
}
