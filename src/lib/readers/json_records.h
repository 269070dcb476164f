/* Framing a JSON evidence stream into records without holding the file in memory.
 *
 * Understands: JSON Lines; concatenated objects (pretty-printed or not); a top-level array of
 * records (Management Activity API blobs); wrapper objects whose "value" or "records" member is
 * the array of records (Graph pages, Azure Monitor), several of them concatenated. Each record
 * handed out is the exact text of one element, followed by M365_JSON_PADDING readable bytes. */
#ifndef M365_JSON_RECORDS_H
#define M365_JSON_RECORDS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../io/input.h"
#include "m365hunt/status.h"

struct m365_json_records;

struct m365_json_record {
    const char *data; /* valid until the next call */
    size_t len;
    uint64_t line;   /* 1-based line of the first byte */
    uint64_t offset; /* byte offset in the decoded stream */
    const char *why; /* set when the status is M365_E_PARSE or M365_E_LIMIT: the skip reason */
};

struct m365_json_records *m365_json_records_new(struct m365_input *in, size_t max_record_bytes);
void m365_json_records_free(struct m365_json_records *r);
/* M365_OK: a record. M365_E_PARSE / M365_E_LIMIT: a record (or stray text) that must be
 * counted as skipped, with rec->why and rec->line. M365_E_EOF: end of stream.
 * M365_E_NOMEM: out of memory (stop). */
enum m365_status m365_json_records_next(struct m365_json_records *r, struct m365_json_record *rec);

/* Whether the stream's first bytes make it JSON Lines (one record per line), the way
 * m365_json_records_next decides: every newline of such a stream ends a record, so the scan may
 * split it into parts at newlines. Only peeks. */
bool m365_json_records_lines_mode(struct m365_input *in);
/* Frame as JSON Lines without looking (a part of a file already judged to be JSON Lines). */
void m365_json_records_force_lines(struct m365_json_records *r);
#endif
