/* Library-internal view of a scan, for readers and detections. */
#ifndef M365_SCAN_INTERNAL_H
#define M365_SCAN_INTERNAL_H
#include <stdatomic.h>
#include <stdbool.h>

#include "../core/map.h"
#include "../core/once.h"
#include "m365hunt/scan.h"

struct m365_scan;

void m365_scan_emit_diag(struct m365_scan *s, const struct m365_diag *d);

/* What a reader thread reports while it reads one unit (a file, or a part of one); the scan
 * merges units in file order, so the output does not depend on the number of threads. */
struct m365_read_unit;
void m365_scan_unit_diag(struct m365_read_unit *u, const struct m365_diag *d);
/* Copies the event into the unit's store; fp is the record's content fingerprint.
 * Returns 0, or -1 when out of memory. */
int m365_scan_unit_store(struct m365_read_unit *u, const struct m365_event *ev, uint64_t fp);
/* A record of the unit was not UTF-8 and was read as Windows-1252 (said once per file). */
void m365_scan_unit_recoded(struct m365_read_unit *u);
/* What a value of the unit's record at `line` (of the unit) says of how the file was made:
 * said once per file, with how many and the first's line. */
enum m365_unit_note {
    M365_NOTE_FLATTENED, /* PowerShell's text for an object ConvertTo-Json did not write out */
    M365_NOTE_CUT,       /* cut at a spreadsheet cell's 32,767 characters */
    M365_NOTE_MINUTES,   /* a time to the minute only: a spreadsheet's display of a date */
    M365_NOTE_BAD_JSON,  /* a detail held as JSON text that does not parse (and was not cut) */
    M365_NOTE_N
};
void m365_scan_unit_note(struct m365_read_unit *u, enum m365_unit_note k, uint64_t line);
/* A Search-UnifiedAuditLog row of the unit: its ResultIndex of the ResultCount results its
 * search session reported (an export whose rows stop short of the count was cut). */
void m365_scan_unit_search_result(struct m365_read_unit *u, uint64_t index, uint64_t count);
/* A page of a paged API export the unit read, naming a next page or not, holding records of
 * the log sources in `sources` (bit per enum m365_log_source; 0: none kept). 0, or -1 when out
 * of memory. */
int m365_scan_unit_page(struct m365_read_unit *u, uint16_t sources, bool names_next);
/* Bytes read so far from the unit's input. */
void m365_scan_unit_progress(struct m365_read_unit *u, uint64_t bytes);
struct m365_arena;
struct m365_enrich;
struct m365_arena *m365_scan_arena(struct m365_scan *s);
/* The Search-UnifiedAuditLog exports whose rows stop short of their search's ResultCount, by
 * file then count (after reading). */
const struct m365_cut_search *m365_scan_cut_searches(const struct m365_scan *s, size_t *n);
/* The paged API exports (per format) none of whose pages is the last, by format. */
const struct m365_cut_pages *m365_scan_cut_pages(const struct m365_scan *s, size_t *n);
const char *m365_scan_intern(struct m365_scan *s, const char *str, size_t len);
const char *m365_scan_intern_lower(struct m365_scan *s, const char *str, size_t len);
/* An interned string as a case-blind map key: itself when it holds no capital letter (no
 * hashing: most ids are written in lower case), else its lower-case interned copy. NULL for
 * NULL or "", or when the distinct-value limit refuses the copy. */
const char *m365_scan_lower_key(struct m365_scan *s, const char *str);
struct m365_enrich *m365_scan_enrich(struct m365_scan *s); /* may be NULL */
/* Whether the files holding events of a log source cover time t (within slack): t falls in one
 * file's span of that source's events. Gaps between exports are not covered. */
bool m365_scan_source_covers(const struct m365_scan *s, enum m365_log_source src, int64_t t,
                             int64_t slack);

/* Detection threads (the reading threads' number), and whether several threads share the
 * scan's interning and enrichment (they then lock). */
/* Tests: the events' address range runs out after `bytes` (later events are packed wide). */
void m365_scan_limit_region(struct m365_scan *s, size_t bytes);
/* Events packed wide (64-bit pointers), and bytes of the range in use, for the tests. */
size_t m365_scan_wide_events(const struct m365_scan *s);
size_t m365_scan_region_used(const struct m365_scan *s);
/* Event i's kind, from a table kept in time order (no event is read); a kind the detections
 * do not know is M365_EV_OTHER. */
uint8_t m365_scan_event_kind(const struct m365_scan *s, size_t i);
/* That table: every kept event's kind, in time order. */
const uint8_t *m365_scan_event_kinds(const struct m365_scan *s);
/* Event i's log source (enum m365_log_source) and time, also without unpacking it. */
uint8_t m365_scan_event_source(const struct m365_scan *s, size_t i, int64_t *time_ms);
/* How many events m365_scan_event has copied out whole (kept by detections or callers). */
size_t m365_scan_kept_events(const struct m365_scan *s);

unsigned m365_scan_detect_threads(struct m365_scan *s);
/* Tests: run the detections one by one on one thread and measure the heap each holds after its
 * last event (m365_detect_state_bytes); otherwise they share walks over the events. */
void m365_scan_measure_rule_state(struct m365_scan *s, bool on);
bool m365_scan_measuring_rule_state(const struct m365_scan *s);
void m365_scan_set_shared(struct m365_scan *s, bool shared);

/* The detections' state after their last event, per registered detection (detect.h). */
struct m365_detect_state;
const struct m365_detect_state *m365_scan_detect_state(const struct m365_scan *s);

/* VIP mailboxes (--vip): upn is an interned lower-case address. */
bool m365_scan_is_vip(struct m365_scan *s, const char *upn);
size_t m365_scan_n_vips(struct m365_scan *s);

/* The loaded tenant snapshot's indexes (snapshot/snap_context.h), NULL when none. */
struct m365_snap_ctx;
const struct m365_snap_ctx *m365_scan_snap_ctx(struct m365_scan *s);

/* Entra object ids named as accounts (object_ids.c). m365_object_ids_build fills ids (object id,
 * lower-case and interned -> the UPN, interned lower-case) from the sign-ins and the directory
 * changes' user targets. The scan builds it after the snapshot is loaded and before the
 * detections when the evidence holds Graph requests, which name accounts by id all the time;
 * else on the first question (an Exchange cmdlet that names a mailbox by its owner's id). */
struct m365_map;
enum m365_status m365_object_ids_build(struct m365_scan *s, struct m365_map *ids);
const char *m365_object_ids_upn(struct m365_scan *s, const struct m365_map *ids, const char *id);
/* The UPN an object id is known by: the evidence's, else the tenant snapshot's; NULL when
 * nothing names it (or id is not an object id). Safe from the detection threads. */
const char *m365_scan_upn_of_id(struct m365_scan *s, const char *id);

/* Application ids, and service principals' object ids, named (app_names.c): Microsoft's own
 * clients from the first-party table, the rest from the sign-ins' display names (the earliest
 * sign-in's; a service principal's names its object id too) and Defender's rows, else a
 * directory change that adds the application's service principal, consents to it or targets
 * it, else the tenant snapshot's service principals. The events are walked once, on the first
 * question. m365_scan_app_name (m365hunt/scan.h) is safe from the detection threads. */
struct m365_app_names {
    struct m365_once built;    /* by the first to ask; the maps are read-only from then on */
    struct m365_map names;     /* lower-case interned app id -> display name, from sign-ins
                                * and Defender's rows */
    struct m365_map directory; /* the same from directory changes (app_names.c) */
    /* Bit per event kind of which some record names its client app beside it (Defender's
     * CloudAppEvents rows): only those kinds are walked for it. Set by the reading threads. */
    _Atomic uint32_t client_named_kinds;
};
void m365_app_names_init(struct m365_app_names *n);
void m365_app_names_free(struct m365_app_names *n);
const char *m365_app_names_get(struct m365_scan *s, struct m365_app_names *n, const char *id);
/* The extra a record carries when its collector named the record's ClientAppId (Defender's
 * CloudAppEvents column AccountDisplayName, beside an AccountObjectId that is the client). */
#define M365_CLIENT_NAME_EXTRA "AccountDisplayName"
/* A reader kept an event of this kind with M365_CLIENT_NAME_EXTRA. */
void m365_scan_note_client_named(struct m365_scan *s, uint8_t kind);
#endif
