/* Framing a CSV evidence stream into rows without holding the file in memory.
 *
 * Rows are framed on '\n' with quote parity: a line with an odd number of '"' toggles "inside a
 * quoted cell", so quoted cells may hold line breaks and doubled quotes. The cells of a framed
 * row are split and unescaped by m365_csv_split (libcsv's rules, without its per-byte state
 * machine). Cells are kept byte for byte (no space trimming); a '\r' before the '\n' that ends
 * a row is dropped, line breaks inside quoted cells are kept.
 * Empty (or blank) lines are not rows. The row source does not know about headers. */
#ifndef M365_CSV_ROWS_H
#define M365_CSV_ROWS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../io/input.h"
#include "m365hunt/status.h"

struct m365_csv_rows;

/* Readable bytes after every cell's text in a row from m365_csv_rows_next (the cells that
 * follow it, then zeroes): enough for the JSON parser to read a cell in place. */
#define M365_CSV_CELL_PADDING 64

struct m365_csv_field {
    const char *s; /* NUL-terminated copy, owned by the row source; M365_CSV_CELL_PADDING
                    * readable bytes follow it */
    size_t len;
};

struct m365_csv_row {
    const struct m365_csv_field *fields; /* valid until the next call */
    size_t n;
    size_t n_dropped;  /* cells past M365_MAX_CSV_COLUMNS: counted, not kept */
    uint64_t line;     /* 1-based line of the row's first byte */
    uint64_t offset;   /* byte offset of the row in the decoded stream */
    const char *raw;   /* the row's text without its line end; valid until the next call */
    size_t raw_len;
    bool unterminated; /* the stream ended inside a quoted cell (the row is still handed out) */
    const char *why;   /* set with M365_E_LIMIT / M365_E_NOMEM: why the row was skipped */
};

/* The cells of one row, split by m365_csv_split: cell k is buf + offs[k] (NUL-terminated),
 * fields[k].len bytes; fields[k].s is set by the row source. */
struct m365_csv_cells {
    char *buf;
    size_t len, cap;
    size_t *offs;
    struct m365_csv_field *fields;
    size_t n, cap_fields;
    size_t n_dropped; /* cells past M365_MAX_CSV_COLUMNS */
    bool nomem;
};
/* Splits one framed row at `sep` (',', ';' or '\t'; rules in csv_rows.c, the same as libcsv's
 * non-strict mode with that delimiter). Returns 0, or -1 when out of memory. */
int m365_csv_split(struct m365_csv_cells *c, const char *p, size_t n, char sep);
void m365_csv_cells_free(struct m365_csv_cells *c);

/* max_record_bytes: the largest row kept (0 = M365_DEFAULT_MAX_RECORD_BYTES). NULL when out of
 * memory. The input stays owned by the caller. */
struct m365_csv_rows *m365_csv_rows_new(struct m365_input *in, size_t max_record_bytes);
void m365_csv_rows_free(struct m365_csv_rows *r);
/* Rows are split at ',' unless this finds the header row (m365_csv_first_row's, as skip_hash
 * says) in the input's first text split at ';' or tabs (m365_csv_sep). Call before the first
 * row. */
void m365_csv_rows_find_sep(struct m365_csv_rows *r, bool skip_hash);

/* M365_OK: a row. M365_E_LIMIT: a row larger than max_record_bytes was skipped whole (row->line,
 * row->offset and row->why are set); the next call goes on with the following row.
 * M365_E_EOF: end of stream (the caller checks m365_input_error for read/decompression errors).
 * M365_E_NOMEM: out of memory (stop). */
enum m365_status m365_csv_rows_next(struct m365_csv_rows *r, struct m365_csv_row *row);

/* Header helper for sniffers: splits the first row of `text` (a prefix of a file) that is not
 * blank and, when skip_hash, does not start with '#' (PowerShell's "#TYPE" line), at its
 * separator (m365_csv_sep). Calls fn for each cell (unescaped, not NUL-terminated), at most
 * M365_MAX_CSV_COLUMNS. Returns the number of cells, or -1 when there is no such row or memory
 * ran out. A row cut by the end of `text` is split as far as it goes. */
typedef void (*m365_csv_cell_fn)(void *user, size_t index, const char *s, size_t len);
int m365_csv_first_row(const char *text, size_t len, bool skip_hash, m365_csv_cell_fn fn,
                       void *user);

/* The separator of a CSV file from its first text (the header row, found as m365_csv_first_row
 * finds it): ';' or '\t' where that outnumbers the commas outside quotes, as in files saved by
 * Excel in locales whose list separator is ';', by Excel as "Unicode Text" (UTF-16, tabs) or by
 * Export-Csv -UseCulture / -Delimiter; else ','. */
char m365_csv_sep(const char *text, size_t len, bool skip_hash);

/* A copy of a header row's text (row->raw), to know it again; NULL when out of memory. */
struct m365_csv_header_text {
    char *s;
    size_t len;
};
void m365_csv_header_keep(struct m365_csv_header_text *h, const struct m365_csv_row *row);
void m365_csv_header_free(struct m365_csv_header_text *h);
/* Whether row is the header row again, or PowerShell's "#TYPE" line, in the middle of the file:
 * exports joined together (cat, Get-Content | Set-Content), a UTF-8 BOM before each ignored. */
bool m365_csv_header_again(const struct m365_csv_header_text *h, const struct m365_csv_row *row);

/* Header cell comparison: ASCII case-insensitive, ignoring a UTF-8 BOM and surrounding spaces. */
bool m365_csv_header_is(const char *cell, size_t len, const char *name);
#endif
