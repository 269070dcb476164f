/* Every resource limit of the library in one place; m365_scan_options.limits overrides the
 * run-time ones. */
#ifndef M365_LIMITS_H
#define M365_LIMITS_H

#define M365_DEFAULT_MAX_RECORD_BYTES (16ull << 20)
#define M365_DEFAULT_MAX_DECOMPRESSED (64ull << 30)
#define M365_DEFAULT_MAX_RATIO 250u
#define M365_RATIO_GRACE_BYTES (256ull << 20) /* ratio is only enforced past this much output */
#define M365_DEFAULT_MAX_JSON_DEPTH 64u
/* Distinct values (users, addresses, app ids, operations…) the scan interns; detection state is
 * keyed by them, so this bounds it too. About 8 million: a few hundred MB at the very most. */
#define M365_DEFAULT_MAX_DISTINCT_VALUES (8u << 20)

#define M365_READ_CHUNK (1u << 20)        /* bytes per read() */
#define M365_SNIFF_BYTES (64u << 10)      /* bytes inspected to detect a file's format */
#define M365_MAX_LEADING_SPACE (16u << 20) /* white space looked past before those bytes */
#define M365_MAX_NESTED_DOCS 256u         /* JSON-in-string documents parsed per record */
#define M365_MAX_FIELD_ITEMS 4096u        /* targets, properties, parameters kept per record */
#define M365_MAX_VALUE_BYTES (1u << 20)   /* one stored field value */
#define M365_MAX_CSV_COLUMNS 1024u
#define M365_MAX_DIAG_PER_FILE 50u        /* identical-kind messages per file before summarising */
#define M365_MAX_WALK_DEPTH 64u           /* directory recursion */
#define M365_MAX_ZIP_MEMBERS (1u << 18)   /* files of one ZIP archive scanned */

#define M365_INCIDENT_WINDOW_MS (7 * M365_DAY_MS) /* findings sharing an entity this close: one incident */

#endif
