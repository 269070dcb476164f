/* m365hunt — scanning evidence: files in, time-ordered events and findings out.
 *
 * Usage: m365_scan_options_init(&o); m365_scan_new(&s, &o); m365_scan_add_path(s, …)…;
 * m365_scan_run(s); read results; m365_scan_free(s).
 * The library never prints and never exits: problems arrive through the diagnostic callback,
 * progress through the progress callback. */
#ifndef M365HUNT_SCAN_H
#define M365HUNT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "finding.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum m365_diag_level {
    M365_DIAG_NOTE = 0,
    M365_DIAG_WARNING = 1, /* a record or file was skipped, a limit was hit */
    M365_DIAG_ERROR = 2    /* a whole file could not be read */
};

/* One problem with the evidence, filled at the innermost failure. */
struct m365_diag {
    enum m365_diag_level level;
    enum m365_status code;
    const char *file;  /* path, never NULL */
    uint64_t line;     /* 1-based, 0 when not tied to a line */
    const char *field; /* field or column name, NULL when not tied to one */
    const char *msg;   /* short lower-case text without trailing period or newline */
};

typedef void (*m365_diag_fn)(const struct m365_diag *d, void *user);
typedef void (*m365_progress_fn)(uint64_t bytes_done, uint64_t bytes_total, void *user);

/* Resource limits: every one, when hit, yields a diagnostic and a counted skip. */
struct m365_limits {
    uint64_t max_record_bytes;       /* one record (JSON object, CSV row); default 16 MiB */
    uint64_t max_decompressed_bytes; /* per compressed file; default 64 GiB */
    uint32_t max_decompress_ratio;   /* output/input, enforced past 256 MiB of output; default 250 */
    uint32_t max_json_depth;         /* nesting depth; default 64 */
    uint32_t max_distinct_values;    /* distinct interned values (entities); default 8 Mi */
};

struct m365_scan_options {
    const char *input_format; /* reader name to force, NULL for auto-detection */
    struct m365_limits limits;
    m365_diag_fn on_diag;
    void *diag_user;
    m365_progress_fn on_progress;
    void *progress_user;
    size_t read_chunk; /* bytes per read from each input; 0 for the default (tests use small values) */
    const char *config_path;  /* YAML configuration (rule parameters, enrichment), or NULL */
    const char *ip_ranges;    /* ServiceTags_Public*.json or a CIDR list: hosting / cloud ranges */
    const char *asn_db;       /* MaxMind / DB-IP ASN database (.mmdb) */
    const char *trusted_ips;  /* the tenant's own egress addresses (CIDR list) */
    const char *tenant_id;    /* the investigated tenant's id; NULL: inferred from the evidence */
    const char *vip_path;     /* mailboxes that matter most (executives, security, legal), one per line */
    bool hash_files;          /* compute each evidence file's SHA-256 (for reports) */
    /* Reading threads: 0 for one per core (m365_scan_default_threads). Files are read in
     * parallel, and a plain JSON Lines file of at least twice split_bytes in parts split at
     * newlines. Events, findings and messages are the same whatever the number. */
    unsigned threads;
    uint64_t split_bytes; /* part size for splitting large files; 0 for the default, 64 MiB */
    /* Where the event table lives. M365_SPILL_AUTO: in memory, unless the inputs come to
     * M365_SPILL_AUTO_BYTES or more (compressed files counted eight times): then, as with
     * ALWAYS, in an unlinked file in spill_dir, of which the scan keeps at most spill_resident
     * bytes mapped (the kernel caches the rest, or writes it out). NEVER: in memory. When the
     * file cannot be made, a note says so and the table stays in memory. docs/robustness.md,
     * "Memory". */
    enum m365_spill { M365_SPILL_AUTO, M365_SPILL_ALWAYS, M365_SPILL_NEVER } spill;
    const char *spill_dir;   /* NULL: $TMPDIR, else /tmp */
    uint64_t spill_resident; /* 0 for the default, M365_SPILL_RESIDENT */
    /* Passwords for encrypted ZIP members, tried in order (the one that opened the last member
     * first); the strings must outlive the scan. None: encrypted members are named, not read. */
    const char *const *zip_passwords;
    size_t n_zip_passwords;
    /* City or country database (.mmdb: GeoLite2-City, GeoLite2-Country, DB-IP City Lite, the
     * ip-location-db city files): places sign-ins whose records carry no location (the
     * UAL's). geo_db2, a second one, is asked what geo_db does not place (ip-location-db's
     * IPv4 and IPv6 files are two). */
    const char *geo_db;
    const char *geo_db2;
};
#define M365_SPILL_AUTO_BYTES ((uint64_t)2 << 30)
#define M365_SPILL_RESIDENT ((uint64_t)64 << 20)

/* Online processors, at least 1. */
unsigned m365_scan_default_threads(void);

void m365_scan_options_init(struct m365_scan_options *o);

struct m365_scan;

/* M365_E_CONFIG / M365_E_IO when the configuration or an enrichment file is bad; the reason is
 * delivered through on_diag first. M365_E_USAGE for an unknown input_format. */
enum m365_status m365_scan_new(struct m365_scan **out, const struct m365_scan_options *opts);
void m365_scan_free(struct m365_scan *s);

/* Queue a file, a directory (walked recursively, in name order) or "-" (standard input). A
 * file named *.zip that is a ZIP archive is queued member by member, in name order, each member
 * a file named archive/member; an archive that cannot be read is listed with its error, as a
 * file that cannot be opened is. Returns M365_E_IO when the path does not exist (also reported
 * as a diagnostic). */
enum m365_status m365_scan_add_path(struct m365_scan *s, const char *path);

/* Read everything queued, de-duplicate, sort by time, run the detections. */
enum m365_status m365_scan_run(struct m365_scan *s);

/* Per-file accounting: records_read = parsed + skipped + duplicates, always. */
struct m365_file_stats {
    const char *path;
    const char *reader;     /* format name, NULL when no format matched */
    const char *compression; /* "gzip", "zstd" or NULL */
    const char *encoding;    /* "utf-8", "utf-8-bom", "utf-16le", "utf-16be" */
    uint64_t bytes;          /* bytes read from disk */
    uint64_t records_read, parsed, skipped, duplicates;
    uint64_t untimed;          /* parsed records that carry no timestamp at all */
    int64_t first_ms, last_ms; /* over parsed records; INT64_MIN when none */
    char sha256[65];           /* hex digest when hash_files was set, else "" */
    uint32_t parts;            /* pieces it was read in: 1, or more for a large JSON Lines file
                                  read by several threads (never in the reports: they do not
                                  depend on the number of threads) */
    enum m365_status status;   /* M365_OK, or why the file could not be read */
    const char *error;         /* human text when status != M365_OK */
    size_t archive_len;        /* a member of a ZIP archive: the length of the archive's path at
                                  the start of `path` (then '/' and the member's name); else 0 */
    const char *why;           /* a file no reader took: why, in full ("a PDF document, not an
                                  export"; static text, as in its message); else NULL */
};

/* Members of one archive, or files of one folder, not read for one reason, one after another
 * (an encrypted archive given without its password, screenshots beside the logs): this many
 * are named in a message each, the rest in one message on the archive or the folder ("N more
 * members after these…", "N more files in this folder after these…"); each keeps its file
 * stats and its place in the reports. */
#define M365_UNREAD_FILES_NAMED 3u

/* Accounting per reader (input format) or per log source. */
struct m365_source_stats {
    const char *name;
    uint32_t n_files;
    uint64_t records_read, parsed, skipped, duplicates;
    uint64_t events; /* events kept after de-duplication */
    int64_t first_ms, last_ms;
};

size_t m365_scan_n_files(const struct m365_scan *s);
const struct m365_file_stats *m365_scan_file(const struct m365_scan *s, size_t i);

/* A ZIP archive among the paths, whose members are files of their own (m365_scan_file): the
 * evidence as it was handed over, for the chain of custody. In the order given. */
struct m365_archive_stats {
    const char *path;
    uint64_t bytes;   /* its size on disk */
    uint64_t members; /* files taken from it (folders, resource forks, damaged entries and the
                         files past M365_MAX_ZIP_MEMBERS left out) */
    char sha256[65];  /* hex digest of the archive's bytes with hash_files, else "" */
};
/* An enrichment source the scan loaded, from the command line or the configuration: the record
 * of what labelled and placed the addresses (a database's build says how current it was). */
struct m365_enrichment_source {
    const char *option;        /* "ip-ranges", "asn-db", "geo-db" or "trusted-ips" */
    const char *path;          /* as given (a configuration's resolved against its folder) */
    const char *database_type; /* a MaxMind DB's ("GeoLite2-City"); NULL for an address list */
    int64_t built_ms;          /* a MaxMind DB's build time; M365_TIME_NONE for a list */
    uint64_t prefixes;         /* an address list's prefixes; 0 for a database */
    /* Its use, once the scan has run: the distinct addresses looked up in it (a database: the
     * public ones), those it placed in a country (geo-db), named the network of (asn-db) or
     * holds in its prefixes (a list); for a database, the IPv6 ones an IPv4-only file could
     * not hold (not counted in looked_up). A second geo-db is asked only what the first does
     * not place. */
    uint64_t looked_up, found, ipv6_unheld;
};
/* In the order ip-ranges, asn-db, geo-db (one or two), trusted-ips; only those loaded. */
size_t m365_scan_n_enrichment(const struct m365_scan *s);
const struct m365_enrichment_source *m365_scan_enrichment(const struct m365_scan *s, size_t i);
/* A source's use in words, for the reports: "placed 812 of 830 addresses; 14 IPv6 addresses
 * it cannot hold (IPv4 only)", "14 of 830 addresses in it" (a list); "" when nothing was
 * asked of it. */
void m365_enrichment_use(const struct m365_enrichment_source *e, char *buf, size_t n);

size_t m365_scan_n_archives(const struct m365_scan *s);
const struct m365_archive_stats *m365_scan_archive(const struct m365_scan *s, size_t i);

/* One log handed over in two shapes (sign-ins from Graph and from Log Analytics, the UAL from
 * Purview and as OfficeActivity rows): records of second_format that have the id and the log
 * source of a record read as first_format (earlier in file-name order), but not its text, so
 * that both are kept and the detections see the record twice. One per pair of formats, in the
 * order found. */
struct m365_overlap {
    const char *first_format, *second_format;
    uint64_t records;
    /* The first such record of second_format: where it is and its id. */
    const char *file;
    uint64_t line;
    const char *record_id;
};
size_t m365_scan_n_overlaps(const struct m365_scan *s);
const struct m365_overlap *m365_scan_overlap(const struct m365_scan *s, size_t i);

size_t m365_scan_n_readers(const struct m365_scan *s);
const struct m365_source_stats *m365_scan_reader_stats(const struct m365_scan *s, size_t i);
const struct m365_source_stats *m365_scan_log_stats(const struct m365_scan *s,
                                                    enum m365_log_source src);
/* Where a scan's time went (wall seconds), for `scan -v` and the benchmark. */
struct m365_scan_timing {
    double read;       /* reading, parsing and normalising every file (all threads) */
    double order;      /* de-duplication and the time sort */
    double detect;     /* every detection */
    double correlate;  /* incidents and coverage */
    unsigned threads;  /* reading threads used */
    size_t units;      /* files and file parts read */
    /* Memory held once reading is done (bytes): the event table, the events' details
     * (targets, properties, parameters, copied values) and the interned strings. */
    uint64_t event_bytes, detail_bytes, string_bytes;
    size_t strings; /* distinct interned strings */
    /* Events copied out whole for the detections to hold on to (evidence, reference records),
     * as of the end of the scan, and their bytes. */
    size_t kept_events;
    uint64_t kept_bytes;
    /* The event table was spilled to a file, and how many times its pages were let go. */
    bool spilled;
    uint64_t spill_releases;
};
struct m365_scan_timing m365_scan_timing(const struct m365_scan *s);

/* Totals over all files. */
struct m365_source_stats m365_scan_totals(const struct m365_scan *s);

/* The events, in time order (i < m365_scan_n_events). The scan holds them packed; both calls
 * unpack one. To walk them all, use m365_scan_event_at: it fills *buf and returns buf (NULL when
 * i is out of range), valid until buf is reused. m365_scan_event returns a copy that lives as
 * long as the scan, the same pointer for the same i every time; each event asked for this way
 * stays in memory, so keep it to the few events a caller holds on to. Strings and details of
 * both stay valid until m365_scan_free. */
size_t m365_scan_n_events(const struct m365_scan *s);
const struct m365_event *m365_scan_event_at(const struct m365_scan *s, size_t i,
                                           struct m365_event *buf);
const struct m365_event *m365_scan_event(const struct m365_scan *s, size_t i);
/* m365_scan_event_at without the record id (evidence.record_id is NULL), for walks over every
 * event that name none of them by id (detection, statistics): the scan keeps most ids as
 * 16-byte GUIDs and writes an id's text only for an event handed out with it. */
const struct m365_event *m365_scan_event_brief(const struct m365_scan *s, size_t i,
                                              struct m365_event *buf);

/* The home tenant: given in the options, else the tenant id most records carry; NULL when
 * unknown. */
const char *m365_scan_home_tenant(const struct m365_scan *s);

/* The tenants the evidence's records carry (UAL OrganizationId, the Entra audit and Graph
 * activity logs' tenant; not sign-ins, whose tenant is the resource's), with how many records
 * carry each, most first. Placeholder ids (a zero GUID) are not counted. */
struct m365_tenant_records {
    const char *id; /* a GUID, as the records write it */
    uint64_t records;
    bool investigated; /* the home tenant (m365_scan_home_tenant) */
};
size_t m365_scan_n_tenants(const struct m365_scan *s);
const struct m365_tenant_records *m365_scan_tenant(const struct m365_scan *s, size_t i);

/* The display name of an application id or a service principal's object id (any case), as the
 * finding summaries write it "NAME (ID)" (docs/findings.md, `summary`): Microsoft's own clients
 * from a built-in table, else what the evidence or the tenant snapshot names it; NULL when
 * nothing does, or when id is not one (an address). After m365_scan_run. */
const char *m365_scan_app_name(const struct m365_scan *s, const char *id);
/* "NAME (ID)" in buf when m365_scan_app_name names id, and buf is returned; else id itself. */
const char *m365_scan_app_label(const struct m365_scan *s, const char *id, char *buf,
                                size_t size);

/* The tenant snapshot read from snapshot files among the inputs (users, MFA registration,
 * mailboxes, service principals, grants, app role assignments: docs/snapshot.md, "Snapshot in
 * scan"), or NULL when there were none. Its files are also in m365_scan_file() with their
 * snapshot kind as the format. Valid until m365_scan_free(). */
struct m365_snapshot;
const struct m365_snapshot *m365_scan_snapshot(const struct m365_scan *s);

/* Rules that did not run on this evidence, and why (missing log source, disabled…); then, when a
 * snapshot was loaded, the posture rules that could not run on it. */
size_t m365_scan_n_not_evaluated(const struct m365_scan *s);
void m365_scan_not_evaluated(const struct m365_scan *s, size_t i, const char **rule,
                             const char **reason);
/* Whether entry i is a rule that ran but could judge only part of what it covers (its reason says
 * which part): "evaluated in part" rather than "not evaluated". */
bool m365_scan_not_evaluated_in_part(const struct m365_scan *s, size_t i);

/* The log detections' findings (time order), then the snapshot's posture findings (as in
 * m365hunt audit). Posture findings have no evidence events and belong to no incident. */
size_t m365_scan_n_findings(const struct m365_scan *s);
const struct m365_finding *m365_scan_finding(const struct m365_scan *s, size_t i);

/* Input formats the library reads. */
struct m365_format_info {
    const char *name;
    const char *title;
    const char *description;
};
size_t m365_n_formats(void);
const struct m365_format_info *m365_format(size_t i);

/* Serialisation. The writer receives bytes to output; it returns 0 on success. */
typedef int (*m365_write_fn)(const char *data, size_t len, void *user);

/* One JSON object (no newline) describing the event, schema in docs/events.md. */
enum m365_status m365_event_write_json(const struct m365_event *ev, m365_write_fn w, void *user);

/* The JSON report document (schema in docs/cli.md): command is recorded as given. */
enum m365_status m365_scan_write_report_json(const struct m365_scan *s, int argc,
                                             char *const *argv, m365_write_fn w, void *user);

/* Format a UTC time as ISO-8601 "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (>= 32 bytes). */
void m365_format_time(int64_t ms, char *buf, size_t size);
/* A size for people, in decimal units: "850 bytes", "48.2 kB", "1.3 MB", "2.1 GB". */
void m365_format_bytes(uint64_t bytes, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
