/* The row loop every CSV reader shares: rows framed by csv_rows.c, the header handed to the
 * reader once, every later row handed to it or counted as a skip with the reason (a row too
 * large, no usable header, the header again in the middle of the file). */
#ifndef M365_CSV_READ_H
#define M365_CSV_READ_H
#include <stdbool.h>
#include <stddef.h>

#include "csv_rows.h"

struct m365_read_ctx;

struct m365_csv_reader {
    /* Skip rows starting with '#' before the header (Export-Csv's "#TYPE" line). */
    bool skip_hash;
    /* The header row. Returns NULL, or why no later row can be read (each is then skipped with
     * that reason). */
    const char *(*header)(void *user, struct m365_read_ctx *ctx, const struct m365_csv_row *row);
    /* A record row: an event, or a counted skip. */
    void (*row)(void *user, struct m365_read_ctx *ctx, const struct m365_csv_row *row);
};

void m365_csv_read(struct m365_read_ctx *ctx, const struct m365_csv_reader *r, void *user);

/* For readers that turn a row into the JSON object a mapper reads: pads the object built in b
 * and parses it into *root. Returns 0, or -1 after counting the row as skipped with the reason. */
struct m365_buf;
struct m365_jv;
int m365_csv_row_json(struct m365_read_ctx *ctx, const struct m365_csv_row *row,
                      struct m365_buf *b, struct m365_jv *root);

/* Whether a file's first text (after a BOM and white space) opens a JSON value: JSON never
 * starts a CSV header, and splitting a one-line JSON file into cells costs more than reading
 * it. */
bool m365_csv_head_is_json(const char *head, size_t len);
#endif
