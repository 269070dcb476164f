/* The scan's event table: each event packed into a header plus one slot per field the record
 * actually carries, instead of a full struct m365_event (344 bytes, two thirds of it NULL
 * pointers for a typical audit record). Detections and reporters see full events, unpacked on
 * the way out (m365_scan_event_at).
 *
 * Two forms. Narrow: every string and detail the event points to lies in the scan's region
 * (core/region.h), so each is a 32-bit offset from the region's base and the reader is an index
 * into the reader registry. Wide: 64-bit pointers, for anything else (a region used up, a
 * pointer from elsewhere). Both unpack to the same event. */
#ifndef M365_EVENT_PACK_H
#define M365_EVENT_PACK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/norm.h"
#include "m365hunt/event.h"

struct m365_region;

/* Offsets are 32-bit: a region for narrow events is at most this large. */
#define M365_PACK_REGION_MAX ((size_t)1 << 32)

/* Three words. The event's place in time order (its seq) is not kept: the table's index is it,
 * and unpacking takes it from the caller. Whether the event is narrow, has_geo and
 * is_interactive are flags in `present`. */
struct m365_packed {
    int64_t time_ms;
    uint64_t present; /* one bit per optional slot, in slot order, then flags (event_pack.c) */
    int16_t record_type; /* a UAL RecordType; one outside 16 bits is a slot at the end */
    uint8_t log_source, kind, result, actor_type;
    uint8_t words;  /* whole size in 8-byte words, header included */
    uint8_t reader; /* narrow: 1 + index in the reader registry, 0 none */
    /* then: line, offset, evidence file; then the present slots */
};
/* The flag in `present` of an event whose references are 32-bit offsets from the region's
 * base (else 64-bit pointers). */
#define M365_PACKED_NARROW (1ull << 57)
static inline bool m365_packed_narrow(const struct m365_packed *p)
{
    return (p->present & M365_PACKED_NARROW) != 0;
}

/* The most bytes a packed event takes. */
#define M365_PACKED_MAX 512
/* Packs ev into out (8-byte aligned, room for M365_PACKED_MAX bytes); returns the bytes used,
 * a multiple of 8. r may be NULL (always wide). rebase_max: the most m365_packed_rebase will
 * later add to the line or the offset (0: never rebased); line and offset take 4 bytes each
 * when they fit that way with it added. */
size_t m365_event_pack(const struct m365_event *ev, const struct m365_region *r,
                       uint64_t rebase_max, struct m365_packed *out);
/* Unpacks p (packed with region r) into out, every field set but a record id kept as a GUID
 * (evidence.record_id NULL; m365_packed_guid_id writes it); seq is the event's place in the
 * scan's time order. */
void m365_event_unpack(const struct m365_packed *p, const struct m365_region *r, uint32_t seq,
                       struct m365_event *out);

/* Fields read without unpacking the whole event (sorting, de-duplication, statistics). */
/* The record id kept as a GUID, written into out (36 characters and a NUL); false when the
 * event has none so kept. */
bool m365_packed_guid_id(const struct m365_packed *p, char out[M365_GUID_LEN + 1]);
/* The record id whichever way it is kept (a GUID written into guid), NULL when none. */
const char *m365_packed_record_id(const struct m365_packed *p, const struct m365_region *r,
                                  char guid[M365_GUID_LEN + 1]);
const char *m365_packed_tenant_id(const struct m365_packed *p, const struct m365_region *r);
const char *m365_packed_file(const struct m365_packed *p, const struct m365_region *r);
uint64_t m365_packed_line(const struct m365_packed *p);
uint64_t m365_packed_offset(const struct m365_packed *p);
/* Adds to the line and offset (the part of a file read from its middle). False, and the event
 * unchanged, when a base over the rebase_max it was packed with leaves them no room. */
bool m365_packed_rebase(struct m365_packed *p, uint64_t line_base, uint64_t off_base);

/* What the event sort compares, copied out of the events: a merge then reads one array front
 * to back instead of two events per comparison, scattered over the whole table. */
struct m365_time_key {
    int64_t time_ms;
    uint32_t seq; /* the event's place in the table being sorted: ties go in that order */
    uint8_t kind; /* carried along, so that the table of kinds in time order reads no event */
    uint8_t spare[3];
};
/* Sorts keys by (time_ms, seq), the order qsort with that comparison gives (seq is unique). A
 * merge sort that turns falling runs round and checks whether two runs are already in order
 * before merging them: the scan's keys come in file order, and each export file is in time
 * order (rising, or falling for Graph and Purview), so most merges are one comparison. Returns
 * -1 (keys unchanged) when out of memory. */
int m365_time_keys_sort(struct m365_time_key *k, size_t n);

#endif
