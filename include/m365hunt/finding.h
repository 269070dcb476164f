/* m365hunt — findings: the output contract described in docs/findings.md. */
#ifndef M365HUNT_FINDING_H
#define M365HUNT_FINDING_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum m365_severity {
    M365_SEV_INFO = 0,
    M365_SEV_LOW = 1,
    M365_SEV_MEDIUM = 2,
    M365_SEV_HIGH = 3,
    M365_SEV_CRITICAL = 4
};

const char *m365_severity_name(enum m365_severity s);
/* Parse "info".."critical" (case-insensitive); M365_E_USAGE when unknown. */
enum m365_status m365_severity_parse(const char *s, enum m365_severity *out);

/* Entity lists in a finding. */
enum m365_entity_kind {
    M365_ENT_USERS = 0,
    M365_ENT_IPS = 1,
    M365_ENT_APPS = 2,
    M365_ENT_SERVICE_PRINCIPALS = 3,
    M365_ENT_MAILBOXES = 4,
    M365_ENT_DOMAINS = 5,
    M365_ENT__COUNT
};

#define M365_FINDING_MAX_EVIDENCE 20

struct m365_strlist {
    size_t n;
    const char **items; /* sorted, unique */
};

struct m365_finding {
    const char *rule;          /* stable kebab-case id */
    const char *title;
    enum m365_severity severity;
    size_t n_techniques;
    const char **techniques;   /* ATT&CK ids */
    int64_t first_ms, last_ms;
    struct m365_strlist entities[M365_ENT__COUNT];
    const char *summary;       /* one sentence */
    const char *details_json;  /* a JSON object, rule-specific */
    size_t n_evidence;         /* up to M365_FINDING_MAX_EVIDENCE */
    const struct m365_event **evidence;
    uint64_t evidence_total;   /* all events behind the finding */
    int64_t incident;          /* incident number, or -1 */
};

/* One JSON object (no newline) per docs/findings.md. */
typedef int (*m365_finding_write_fn)(const char *data, size_t len, void *user);
enum m365_status m365_finding_write_json(const struct m365_finding *f, m365_finding_write_fn w,
                                         void *user);

#ifdef __cplusplus
}
#endif
#endif
