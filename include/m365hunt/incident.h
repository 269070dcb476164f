/* m365hunt — incidents (findings tied together by shared entities) and evidence coverage
 * ("what an empty result does not prove"). Valid until m365_scan_free(). */
#ifndef M365HUNT_INCIDENT_H
#define M365HUNT_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "finding.h"

struct m365_scan;

#ifdef __cplusplus
extern "C" {
#endif

/* A mailbox read by the incident's principals, or from its addresses while the attacker held
 * them (docs/cli.md, Incidents). */
struct m365_exposure {
    const char *mailbox;
    uint64_t items;    /* items read (FolderItems, else OperationCount, else 1 per record) */
    uint32_t records;  /* MailItemsAccessed records and Graph requests */
    uint32_t graph_requests; /* of the records: Graph requests (MicrosoftGraphActivityLogs) */
    uint64_t graph_bytes;    /* what those requests returned (ResponseSizeBytes), in bytes */
    int64_t first_ms, last_ms;
    size_t n_folders;
    const char **folders; /* sorted */
    size_t n_via;
    const char **via;     /* the apps, addresses, sessions, tokens that reached it, sorted */
    size_t n_ips;
    const char **ips;     /* the addresses the reads came from (up to 32), sorted */
};

/* Mail reads in the attacker's sessions or with its tokens that came from an address which had
 * signed someone in successfully 48 hours or more before the attacker took the session or token:
 * the account owner's own use of a session taken over whole (a stolen cookie). Not counted in
 * the exposure; their addresses are not the attacker's exits. */
struct m365_exposure_aside {
    uint64_t records;
    uint64_t items;
    size_t n_ips;
    const char **ips; /* sorted, up to 32 */
};

/* A mailbox of the incident whose access the logs cannot show. */
struct m365_blind_spot {
    const char *mailbox;
    const char *reason;    /* "advanced auditing disabled", "throttled", … */
    int64_t from_ms, to_ms; /* to_ms = M365_TIME_NONE: until the end of the evidence */
};

struct m365_incident {
    int64_t number;        /* 1-based, by first time */
    enum m365_severity severity; /* the highest of its findings */
    int64_t first_ms, last_ms;
    const char *story;     /* one paragraph, ATT&CK tactic order */
    size_t n_findings;
    const size_t *findings; /* indexes into the scan's findings */
    struct m365_strlist entities[M365_ENT__COUNT];
    size_t n_exposed;
    const struct m365_exposure *exposed; /* by mailbox name */
    size_t n_blind;
    const struct m365_blind_spot *blind;
    struct m365_exposure_aside set_aside;
};

size_t m365_scan_n_incidents(const struct m365_scan *s);
const struct m365_incident *m365_scan_incident(const struct m365_scan *s, size_t i);

/* --- coverage --------------------------------------------------------------------------- */

struct m365_gap {
    int64_t from_ms, to_ms; /* whole UTC days without a record, [from, to) */
};

struct m365_source_coverage {
    const char *source; /* log source name */
    uint64_t events;
    int64_t first_ms, last_ms;
    uint32_t days;      /* UTC days spanned */
    size_t n_gaps;
    const struct m365_gap *gaps;
};

struct m365_mailbox_coverage {
    const char *mailbox;
    uint64_t mail_access_records; /* MailItemsAccessed records for this mailbox */
    uint64_t owner_signins;       /* successful sign-ins of the owner */
    bool audit_off;               /* advanced auditing switched off in the evidence */
    int64_t audit_off_from, audit_off_to; /* to = M365_TIME_NONE: not re-enabled */
    bool throttled;               /* IsThrottled: Exchange stopped logging it for 24 h */
    int64_t throttled_at;
    /* Why a tenant snapshot loaded beside the logs says the mailbox cannot log
     * MailItemsAccessed at all ("no Audit (Premium) licence", "mailbox auditing off"…); NULL
     * when it can, or no snapshot says. */
    const char *not_auditable;
};

/* A Search-UnifiedAuditLog export cut short: the rows of a search session stop at ResultIndex
 * last_index of the result_count results the session reported (ResultCount): the rest were
 * never exported (the cmdlet returns at most 50,000 results per session). */
struct m365_cut_search {
    const char *file;      /* the first file holding rows of the session */
    uint64_t result_count; /* ResultCount */
    uint64_t last_index;   /* the highest ResultIndex among its rows */
};

/* A paged API export (Graph /auditLogs/signIns, /directoryAudits… saved page by page) none of
 * whose pages is the last: every one names a next page (@odata.nextLink), so the collector
 * stopped before the end and the records after them were never saved. Told apart by format and
 * by the log sources of their records (non-interactive sign-ins beside interactive ones). */
struct m365_cut_pages {
    const char *format; /* the reader: "graph-json", … */
    uint16_t sources;   /* the log sources of its records: bit per enum m365_log_source
                         * (m365_log_sources_text); 0 when its pages held none */
    const char *file;   /* the first file holding its pages */
    uint64_t pages;     /* pages read, each naming a next one */
};

struct m365_coverage {
    size_t n_sources;
    const struct m365_source_coverage *sources;
    size_t n_mailboxes;
    const struct m365_mailbox_coverage *mailboxes; /* sorted by mailbox */
    size_t n_visible;   /* mailboxes with MailItemsAccessed records */
    size_t n_invisible; /* owners who sign in but whose mailbox logs no MailItemsAccessed */
    size_t n_not_auditable; /* mailboxes with not_auditable set (they are all listed) */
    size_t n_cut_searches;
    const struct m365_cut_search *cut_searches; /* by file, then result_count */
    size_t n_cut_pages;
    const struct m365_cut_pages *cut_pages; /* in the order of their first files */
};

const struct m365_coverage *m365_scan_coverage(const struct m365_scan *s);

#ifdef __cplusplus
}
#endif
#endif
