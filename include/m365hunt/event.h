/* m365hunt — the normalised event model.
 *
 * Every evidence record, whatever its source format, becomes one struct m365_event.
 * All string pointers are NUL-terminated and owned by the scan that produced the event:
 * valid until m365_scan_free(). NULL means "absent in the record". Repeated values (UPNs,
 * IPs, app ids, operations) are interned, so equal strings from one scan share one pointer. */
#ifndef M365HUNT_EVENT_H
#define M365HUNT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Which log the record belongs to, independent of the export format. */
enum m365_log_source {
    M365_LOG_UNKNOWN = 0,
    M365_LOG_UAL = 1,                   /* Unified Audit Log (Management API, Purview, OfficeActivity) */
    M365_LOG_SIGNIN = 2,                /* Entra interactive user sign-ins */
    M365_LOG_SIGNIN_NONINTERACTIVE = 3, /* Entra non-interactive user sign-ins */
    M365_LOG_SIGNIN_SERVICE_PRINCIPAL = 4,
    M365_LOG_SIGNIN_MANAGED_IDENTITY = 5,
    M365_LOG_DIRECTORY_AUDIT = 6,       /* Entra audit logs (directoryAudits, AuditLogs) */
    M365_LOG_GRAPH_ACTIVITY = 7,        /* MicrosoftGraphActivityLogs */
    M365_LOG_RISK = 8,                  /* Identity Protection risk events */
    M365_LOG_OTHER = 9,
    M365_LOG__COUNT
};

/* What happened, coarse-grained; detections subscribe to kinds. */
enum m365_event_kind {
    M365_EV_OTHER = 0,
    M365_EV_SIGNIN = 1,         /* an authentication attempt (result says how it ended) */
    M365_EV_DIRECTORY = 2,      /* an Entra ID directory change */
    M365_EV_EXCHANGE_ADMIN = 3, /* an Exchange admin cmdlet */
    M365_EV_MAIL_ACCESS = 4,    /* MailItemsAccessed */
    M365_EV_MAILBOX_ITEM = 5,   /* other mailbox item operations (Send, MoveToDeletedItems, rules…) */
    M365_EV_FILE = 6,           /* SharePoint / OneDrive */
    M365_EV_GRAPH_REQUEST = 7,  /* a Graph API request (MicrosoftGraphActivityLogs) */
    M365_EV_RISK = 8,           /* a risk detection */
    M365_EV__COUNT
};
#define M365_KIND_BIT(k) (1u << (k))

enum m365_result {
    M365_RESULT_UNKNOWN = 0,
    M365_RESULT_SUCCESS = 1,
    M365_RESULT_FAILURE = 2,
    M365_RESULT_INTERRUPTED = 3 /* sign-in interrupted for more user interaction (MFA, KMSI…) */
};

enum m365_actor_type {
    M365_ACTOR_UNKNOWN = 0,
    M365_ACTOR_USER = 1,
    M365_ACTOR_SERVICE_PRINCIPAL = 2, /* an application / service principal / managed identity */
    M365_ACTOR_SYSTEM = 3             /* Microsoft's own service accounts (NT AUTHORITY\SYSTEM, DcAdmin) */
};

struct m365_kv {
    const char *name;
    const char *value;
};

/* A modified property of a target object. `new_value`/`old_value` are decoded once more when
 * the raw value held JSON: a JSON string gives its text, an array of scalars its elements
 * joined by '\n'; anything else stays as the raw text. */
struct m365_modprop {
    const char *name;
    const char *old_value;
    const char *new_value;
    uint32_t target; /* index into m365_event.targets, or UINT32_MAX when not tied to one */
};

struct m365_target {
    const char *type; /* User, ServicePrincipal, Application, Group, Directory, Other… */
    const char *id;
    const char *name; /* display name */
    const char *upn;
};

struct m365_folder {
    const char *path;
    uint32_t n_items;
};

/* Mailbox access details (MailItemsAccessed and other Exchange item records). */
struct m365_mail_access {
    const char *mailbox_upn; /* lower-cased MailboxOwnerUPN */
    const char *mailbox_guid;
    const char *mailbox_owner_sid;
    const char *logon_user_sid;
    const char *client_info;   /* ClientInfoString */
    const char *access_type;   /* MailAccessType: Bind or Sync */
    int32_t logon_type;        /* 0 owner, 1 admin, 2 delegate, 6 delegated admin; -1 unknown */
    int8_t is_throttled;       /* 1 yes, 0 no, -1 unknown */
    uint32_t operation_count;  /* OperationCount, 0 when absent */
    uint32_t n_items;          /* sum of FolderItems over folders */
    uint32_t n_folders;
    /* A Graph request (MicrosoftGraphActivityLogs) that read mail: ResponseSizeBytes, the size
     * of what it returned (the log names no item count); saturates at UINT32_MAX; 0 absent. */
    uint32_t response_bytes;
    const struct m365_folder *folders;
};

/* Where the event came from. */
struct m365_evidence {
    const char *file;      /* path as given (or "-" for stdin) */
    uint64_t line;         /* 1-based line of the record's first byte in the decoded stream */
    uint64_t offset;       /* byte offset of the record in the decoded stream */
    const char *record_id; /* Id / id / RecordId / OfficeId, when present; copied, not interned */
};

/* time_ms of a record that carries no timestamp at all (some Log Analytics query exports). */
#define M365_TIME_NONE INT64_MIN
#define M365_HOUR_MS 3600000ll
#define M365_DAY_MS 86400000ll

struct m365_event {
    int64_t time_ms;  /* UTC milliseconds since the Unix epoch, or M365_TIME_NONE */
    uint32_t seq;     /* position in the scan's time-ordered stream */
    uint8_t log_source; /* enum m365_log_source */
    uint8_t kind;       /* enum m365_event_kind */
    uint8_t result;     /* enum m365_result */
    uint8_t actor_type; /* enum m365_actor_type */
    int8_t is_interactive; /* sign-ins: 1 interactive, 0 non-interactive, -1 unknown */
    int32_t error_code;  /* Entra error code (ResultType, status.errorCode, ErrorNumber); 0 none */
    int32_t record_type; /* UAL RecordType number, -1 when not a UAL record */
    const char *reader;        /* input format name, e.g. "ual-json" */
    const char *workload;      /* AzureActiveDirectory, Exchange, SharePoint, Entra… */
    const char *operation;     /* normalised: trailing period/spaces trimmed, dashes unified */
    const char *operation_raw; /* as written in the record */
    const char *category;      /* audit category or Log Analytics table */
    const char *result_detail; /* failure reason, LogonError, ResultStatus text */
    const char *actor_upn;     /* lower-cased user principal name */
    const char *actor_id;      /* object id of the user or service principal */
    const char *actor_name;    /* display name */
    const char *actor_app_id;  /* appId when the actor is an application */
    const char *ip;            /* bare address: no port, no brackets, no ::ffff: */
    const char *user_agent;
    const char *app_id;        /* client application id (sign-ins: appId; UAL: AppId) */
    const char *app_name;
    const char *client_app_id; /* OAuth client behind a workload action (UAL ClientAppId) */
    const char *resource_id;   /* sign-ins: the resource the token is for */
    const char *resource_name;
    const char *client_app_used; /* sign-ins: Browser, IMAP4, Exchange ActiveSync, … */
    const char *auth_requirement; /* singleFactorAuthentication / multiFactorAuthentication */
    const char *session_id;
    const char *correlation_id; /* one per request or flow: copied, not interned */
    const char *token_id; /* uniqueTokenIdentifier / AppAccessContext.UniqueTokenId: one per
                           * sign-in, copied, not interned (compare with strcmp) */
    const char *tenant_id;
    const char *country;       /* ISO 3166 alpha-2 as logged */
    const char *city;
    double lat, lon;
    bool has_geo;
    const struct m365_mail_access *mail; /* NULL unless a mailbox access record */
    uint32_t n_targets, n_props, n_params, n_extra;
    const struct m365_target *targets;
    const struct m365_modprop *props;
    const struct m365_kv *params; /* Exchange cmdlet Parameters (and OperationProperties) */
    const struct m365_kv *extra;  /* ExtendedProperties / additionalDetails / DeviceProperties */
    struct m365_evidence evidence;
};

const char *m365_log_source_name(enum m365_log_source s); /* "ual", "signin", … */
/* The names of the log sources in `sources` (bit per enum m365_log_source), joined by ", ", in
 * out (n bytes, cut to fit); "" for none. */
void m365_log_sources_text(uint16_t sources, char *out, size_t n);
const char *m365_event_kind_name(enum m365_event_kind k);
const char *m365_result_name(enum m365_result r);
const char *m365_actor_type_name(enum m365_actor_type t);

/* Look-ups by name (case-insensitive); NULL when absent. */
const char *m365_event_param(const struct m365_event *ev, const char *name);
const char *m365_event_extra(const struct m365_event *ev, const char *name);
const struct m365_modprop *m365_event_prop(const struct m365_event *ev, const char *name);

#ifdef __cplusplus
}
#endif
#endif
