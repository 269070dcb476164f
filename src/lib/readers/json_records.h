/* Framing a JSON evidence stream into records without holding the file in memory.
 *
 * Understands: JSON Lines; concatenated objects (pretty-printed or not); a top-level array of
 * records (Management Activity API blobs); wrapper objects whose "value", "records" or "Results"
 * member is the array of records (Graph pages, Azure Monitor, Defender advanced hunting
 * responses), several of them concatenated. Each record handed out is the exact text of one
 * element, followed by M365_JSON_PADDING readable bytes. */
#ifndef M365_JSON_RECORDS_H
#define M365_JSON_RECORDS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../io/input.h"
#include "m365hunt/status.h"

struct m365_json_records;

/* A wrapper's array member: "value" (Graph, the Log Analytics API), "records" (Azure Monitor),
 * "Results" / "results" (Defender advanced hunting: its API and Graph's runHuntingQuery). The
 * name as the wrapper calls it (static), or NULL. */
static inline const char *m365_json_wrapper_key(const char *key, size_t n)
{
    if (n == 5 && memcmp(key, "value", 5) == 0) {
        return "value";
    }
    if (n == 7 && memcmp(key, "records", 7) == 0) {
        return "records";
    }
    if (n == 7 && (memcmp(key, "Results", 7) == 0 || memcmp(key, "results", 7) == 0)) {
        return "Results";
    }
    return NULL;
}

/* Members a wrapper may have before its array: metadata, not a record's ("@odata.context",
 * "@odata.nextLink"; a hunting response's "Schema" and "Stats"). */
static inline bool m365_json_wrapper_meta_key(const char *key, size_t n)
{
    return (n > 0 && key[0] == '@') ||
           (n == 6 && (memcmp(key, "Schema", 6) == 0 || memcmp(key, "schema", 6) == 0)) ||
           (n == 5 && (memcmp(key, "Stats", 5) == 0 || memcmp(key, "stats", 5) == 0));
}

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
/* Called as each wrapper ({"value":[…]} page) closes, with whether it has an "@odata.nextLink"
 * member (a paged export whose every page names a next one lacks its last): every record it held
 * has been handed out by then (the call comes from the m365_json_records_next after its last). */
typedef void (*m365_json_page_fn)(void *user, bool names_next);
void m365_json_records_on_page(struct m365_json_records *r, m365_json_page_fn fn, void *user);
#endif
