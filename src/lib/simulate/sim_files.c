/* Output files: one per log stream and day, in a format chosen for that file, written through
 * large buffers (optionally gzip). Each format is a container around one of the two renderers:
 * UAL records (JSON Lines, API blobs, Purview CSV in both layouts, OfficeActivity rows) and
 * Entra records (Graph pages, Azure Monitor records, Log Analytics rows). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../core/norm.h"
#include "sim.h"

#define UAL_STREAMS ((1u << ST_EXO) | (1u << ST_SPO) | (1u << ST_GEN))
#define ENTRA_STREAMS                                                                              \
    ((1u << ST_SIGNIN) | (1u << ST_SIGNIN_NI) | (1u << ST_SIGNIN_SP) | (1u << ST_AUDIT))
#define UAL_FORM (UAL_STREAMS | (1u << ST_SIGNIN) | (1u << ST_AUDIT))
#define GRAPH_ACTIVITY (1u << ST_GRAPHACT) /* diagnostic settings only: no Graph API pages */

const struct sim_fmt_info sim_fmts[F__N] = {
    [F_UAL_JSONL] = {"ual-jsonl", "ual-json", "Management Activity API records, one per line",
                     UAL_FORM, false},
    [F_UAL_BLOB] = {"ual-blob", "ual-json", "Management Activity API content blobs (a JSON array)",
                    UAL_FORM, false},
    [F_PURVIEW_NEW] =
        {"purview-new", "purview-csv",
         "Purview audit search export, new layout (RecordId,CreationDate,…,AuditData)", UAL_FORM,
         true},
    [F_PURVIEW_CLASSIC] = {"purview-classic", "purview-csv",
                           "Search-UnifiedAuditLog | Export-Csv (#TYPE line, every cell quoted)",
                           UAL_FORM, true},
    [F_GRAPH] = {"graph-json", "graph-json",
                 "Graph /auditLogs/signIns and /directoryAudits pages (newest first)",
                 ENTRA_STREAMS, true},
    [F_AZMON_PT1H] = {"azmon-pt1h", "azmon-json",
                      "Entra diagnostic records (sign-ins, audits, Graph activity) in a storage "
                      "account's hourly PT1H.json blobs (one per line)",
                      ENTRA_STREAMS | GRAPH_ACTIVITY, false},
    [F_AZMON_EVENTHUB] = {"azmon-eventhub", "azmon-json",
                          "Entra diagnostic records as Event Hub messages {\"records\":[…]}",
                          ENTRA_STREAMS | GRAPH_ACTIVITY, false},
    [F_LA_JSON] = {"la-json", "la-json",
                   "Log Analytics rows as JSON Lines (SigninLogs, AAD*SignInLogs, AuditLogs, "
                   "OfficeActivity, MicrosoftGraphActivityLogs)",
                   UAL_STREAMS | ENTRA_STREAMS | GRAPH_ACTIVITY, false},
    [F_LA_CSV] = {"la-csv", "la-csv", "Log Analytics portal Export to CSV (same tables)",
                  UAL_STREAMS | ENTRA_STREAMS | GRAPH_ACTIVITY, true},
};

const char *sim_stream_name(enum sim_stream st)
{
    static const char *const names[ST__N] = {
        "ual-exchange",          "ual-sharepoint",           "ual-general",    "signin",
        "signin-noninteractive", "signin-service-principal", "directory-audit",
        "graph-activity"};
    return st < ST__N ? names[st] : "?";
}

/* --------------------------------------------------------------------------------------------- */

#define SINK_BUF (1u << 20)

struct sink {
    int fd;
    bool gz;
    z_stream z;
    char *zout;
    struct sbuf buf;
    uint64_t raw, disk;
    bool failed;
};

static int write_all(struct sink *k, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(k->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            k->failed = true;
            return -1;
        }
        p += w;
        n -= (size_t)w;
        k->disk += (uint64_t)w;
    }
    return 0;
}

static int sink_drain(struct sink *k, bool finish)
{
    if (!k->gz) {
        int rc = write_all(k, k->buf.p, k->buf.len);
        k->buf.len = 0;
        return rc;
    }
    k->z.next_in = (Bytef *)k->buf.p;
    k->z.avail_in = (uInt)k->buf.len;
    int zr;
    do {
        k->z.next_out = (Bytef *)k->zout;
        k->z.avail_out = SINK_BUF;
        zr = deflate(&k->z, finish ? Z_FINISH : Z_NO_FLUSH);
        if (zr == Z_STREAM_ERROR) {
            k->failed = true;
            return -1;
        }
        if (write_all(k, k->zout, SINK_BUF - k->z.avail_out) != 0) {
            return -1;
        }
    } while (k->z.avail_out == 0 || (finish && zr != Z_STREAM_END));
    k->buf.len = 0;
    return 0;
}

static void sink_put(struct sink *k, const char *p, size_t n)
{
    k->raw += n;
    if (k->buf.len + n > SINK_BUF && k->buf.len) {
        sink_drain(k, false);
    }
    sb_put(&k->buf, p, n);
}

static int sink_open(struct sink *k, const char *path, bool gz)
{
    memset(k, 0, sizeof(*k));
    k->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (k->fd < 0) {
        return -1;
    }
    k->gz = gz;
    if (gz) {
        /* windowBits 31: a gzip member with mtime 0 and no name, so output is reproducible. */
        if (deflateInit2(&k->z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            close(k->fd);
            return -1;
        }
        k->zout = malloc(SINK_BUF);
        if (!k->zout) {
            deflateEnd(&k->z);
            close(k->fd);
            return -1;
        }
    }
    if (sb_grow(&k->buf, SINK_BUF) != 0) {
        if (gz) {
            deflateEnd(&k->z);
            free(k->zout);
        }
        close(k->fd);
        return -1;
    }
    return 0;
}

static int sink_close(struct sink *k)
{
    int rc = sink_drain(k, true);
    if (k->gz) {
        deflateEnd(&k->z);
        free(k->zout);
    }
    if (close(k->fd) != 0) {
        rc = -1;
    }
    sb_free(&k->buf);
    return rc || k->failed || k->buf.oom ? -1 : 0;
}

/* --------------------------------------------------------------------------------------------- */

int sim_mkdirs(struct sim *s, const char *rel)
{
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/%s", s->out_dir, rel);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return -1;
    }
    for (char *p = path + strlen(s->out_dir) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(path, 0755) != 0 && errno != EEXIST) {
                return -1;
            }
            *p = '/';
        }
    }
    return 0;
}

/* Log Analytics CSV columns, in the portal's order. A "_dynamic" column gets the JSON of the
 * cell, its "_string" twin stays empty, " [UTC]" columns hold times. */
static const char *const cols_signin[] = {"TenantId",
                                          "SourceSystem",
                                          "TimeGenerated [UTC]",
                                          "ResourceId",
                                          "OperationName",
                                          "OperationVersion",
                                          "Category",
                                          "ResultType",
                                          "ResultSignature",
                                          "ResultDescription",
                                          "DurationMs",
                                          "CorrelationId",
                                          "Resource",
                                          "ResourceGroup",
                                          "ResourceProvider",
                                          "Identity",
                                          "Level",
                                          "Location",
                                          "AlternateSignInName",
                                          "AppDisplayName",
                                          "AppId",
                                          "AuthenticationDetails",
                                          "AuthenticationMethodsUsed",
                                          "AuthenticationProcessingDetails",
                                          "AuthenticationRequirement",
                                          "AuthenticationRequirementPolicies",
                                          "ClientAppUsed",
                                          "ConditionalAccessPolicies_dynamic",
                                          "ConditionalAccessPolicies_string",
                                          "ConditionalAccessStatus",
                                          "CreatedDateTime [UTC]",
                                          "DeviceDetail_dynamic",
                                          "DeviceDetail_string",
                                          "IsInteractive",
                                          "Id",
                                          "IPAddress",
                                          "IsRisky",
                                          "LocationDetails_dynamic",
                                          "LocationDetails_string",
                                          "MfaDetail_dynamic",
                                          "MfaDetail_string",
                                          "NetworkLocationDetails",
                                          "OriginalRequestId",
                                          "ProcessingTimeInMilliseconds",
                                          "RiskDetail",
                                          "RiskEventTypes",
                                          "RiskEventTypes_V2",
                                          "RiskLevelAggregated",
                                          "RiskLevelDuringSignIn",
                                          "RiskState",
                                          "ResourceDisplayName",
                                          "ResourceIdentity",
                                          "ServicePrincipalId",
                                          "ServicePrincipalName",
                                          "Status_dynamic",
                                          "Status_string",
                                          "TokenIssuerName",
                                          "TokenIssuerType",
                                          "UserAgent",
                                          "UserDisplayName",
                                          "UserId",
                                          "UserPrincipalName",
                                          "AADTenantId",
                                          "UserType",
                                          "FlaggedForReview",
                                          "SignInIdentifier",
                                          "SignInIdentifierType",
                                          "ResourceTenantId",
                                          "HomeTenantId",
                                          "AutonomousSystemNumber",
                                          "CrossTenantAccessType",
                                          "IncomingTokenType",
                                          "AuthenticationProtocol",
                                          "SessionId",
                                          "UniqueTokenIdentifier",
                                          "Type",
                                          NULL};
static const char *const cols_sp[] = {"TenantId",
                                      "SourceSystem",
                                      "TimeGenerated [UTC]",
                                      "ResourceId",
                                      "OperationName",
                                      "OperationVersion",
                                      "Category",
                                      "ResultType",
                                      "ResultSignature",
                                      "ResultDescription",
                                      "DurationMs",
                                      "CorrelationId",
                                      "ResourceGroup",
                                      "Identity",
                                      "Level",
                                      "Location",
                                      "AppId",
                                      "AppDisplayName",
                                      "AuthenticationProcessingDetails",
                                      "ClientCredentialType",
                                      "ConditionalAccessStatus",
                                      "CreatedDateTime [UTC]",
                                      "Id",
                                      "IPAddress",
                                      "LocationDetails",
                                      "ResourceDisplayName",
                                      "ResourceIdentity",
                                      "ResourceServicePrincipalId",
                                      "ServicePrincipalCredentialKeyId",
                                      "ServicePrincipalCredentialThumbprint",
                                      "ServicePrincipalId",
                                      "ServicePrincipalName",
                                      "UniqueTokenIdentifier",
                                      "AppOwnerTenantId",
                                      "ResourceOwnerTenantId",
                                      "AutonomousSystemNumber",
                                      "TokenIssuerType",
                                      "UserAgent",
                                      "AADTenantId",
                                      "Type",
                                      NULL};
static const char *const cols_graph[] = {"TenantId",
                                         "TimeGenerated [UTC]",
                                         "Location",
                                         "RequestId",
                                         "OperationId",
                                         "ClientRequestId",
                                         "ApiVersion",
                                         "RequestMethod",
                                         "ResponseStatusCode",
                                         "AadTenantId",
                                         "IPAddress",
                                         "UserAgent",
                                         "RequestUri",
                                         "DurationMs",
                                         "ResponseSizeBytes",
                                         "SignInActivityId",
                                         "Roles",
                                         "TokenIssuedAt [UTC]",
                                         "AppId",
                                         "UserId",
                                         "ServicePrincipalId",
                                         "Scopes",
                                         "IdentityProvider",
                                         "ClientAuthMethod",
                                         "Wids",
                                         "SessionId",
                                         "SourceSystem",
                                         "Type",
                                         NULL};
static const char *const cols_audit[] = {"TenantId",
                                         "SourceSystem",
                                         "TimeGenerated [UTC]",
                                         "ResourceId",
                                         "OperationName",
                                         "OperationVersion",
                                         "Category",
                                         "ResultType",
                                         "ResultSignature",
                                         "ResultDescription",
                                         "DurationMs",
                                         "CorrelationId",
                                         "Resource",
                                         "ResourceGroup",
                                         "ResourceProvider",
                                         "Identity",
                                         "Level",
                                         "Location",
                                         "AdditionalDetails",
                                         "Id",
                                         "InitiatedBy",
                                         "LoggedByService",
                                         "Result",
                                         "ResultReason",
                                         "TargetResources",
                                         "AADTenantId",
                                         "ActivityDisplayName",
                                         "ActivityDateTime [UTC]",
                                         "AADOperationType",
                                         "Type",
                                         NULL};
static const char *const cols_office[] = {"TenantId",
                                          "Application",
                                          "UserDomain",
                                          "UserAgent",
                                          "RecordType",
                                          "TimeGenerated [UTC]",
                                          "Operation",
                                          "OrganizationId",
                                          "OrganizationId_",
                                          "UserType",
                                          "UserKey",
                                          "OfficeWorkload",
                                          "ResultStatus",
                                          "ResultReasonType",
                                          "OfficeObjectId",
                                          "UserId",
                                          "UserId_",
                                          "ClientIP",
                                          "ClientIP_",
                                          "Scope",
                                          "Site_",
                                          "ItemType",
                                          "EventSource",
                                          "Source_Name",
                                          "MachineDomainInfo",
                                          "MachineId",
                                          "Site_Url",
                                          "Site_Url_",
                                          "SourceRelativeUrl",
                                          "SourceRelativeUrl_",
                                          "SourceFileName",
                                          "SourceFileName_",
                                          "SourceFileExtension",
                                          "DestinationRelativeUrl",
                                          "DestinationFileName",
                                          "DestinationFileExtension",
                                          "UserSharedWith",
                                          "SharingType",
                                          "CustomEvent",
                                          "Event_Data",
                                          "ModifiedObjectResolvedName",
                                          "Parameters",
                                          "ExternalAccess",
                                          "OriginatingServer",
                                          "OrganizationName",
                                          "Logon_Type",
                                          "InternalLogonType",
                                          "MailboxGuid",
                                          "MailboxOwnerUPN",
                                          "MailboxOwnerSid",
                                          "MailboxOwnerMasterAccountSid",
                                          "LogonUserSid",
                                          "LogonUserDisplayName",
                                          "ClientInfoString",
                                          "Client_IPAddress",
                                          "ClientMachineName",
                                          "ClientProcessName",
                                          "ClientVersion",
                                          "Folder",
                                          "CrossMailboxOperations",
                                          "DestMailboxId",
                                          "DestMailboxOwnerUPN",
                                          "DestMailboxOwnerSid",
                                          "DestMailboxOwnerMasterAccountSid",
                                          "DestFolder",
                                          "Folders",
                                          "AffectedItems",
                                          "Item",
                                          "ModifiedProperties",
                                          "SendAsUserSmtp",
                                          "SendAsUserMailboxGuid",
                                          "SendOnBehalfOfUserSmtp",
                                          "SendonBehalfOfUserMailboxGuid",
                                          "ExtendedProperties",
                                          "Client",
                                          "LoginStatus",
                                          "Actor",
                                          "ActorContextId",
                                          "ActorIpAddress",
                                          "InterSystemsId",
                                          "IntraSystemId",
                                          "SupportTicketId",
                                          "TargetContextId",
                                          "DataCenterSecurityEventType",
                                          "EffectiveOrganization",
                                          "ElevationTime [UTC]",
                                          "ElevationApprover",
                                          "ElevationApprovedTime [UTC]",
                                          "ElevationRequestId",
                                          "ElevationRole",
                                          "ElevationDuration",
                                          "GenericInfo",
                                          "SourceSystem",
                                          "OfficeId",
                                          "SourceRecordId",
                                          "AzureActiveDirectory_EventType",
                                          "AADTarget",
                                          "Start_Time [UTC]",
                                          "OfficeTenantId",
                                          "OfficeTenantId_",
                                          "TargetUserOrGroupName",
                                          "TargetUserOrGroupType",
                                          "MessageId",
                                          "Members",
                                          "TeamName",
                                          "TeamGuid",
                                          "ChannelType",
                                          "ChannelName",
                                          "ChannelGuid",
                                          "ExtraProperties",
                                          "AddOnType",
                                          "AddonName",
                                          "TabType",
                                          "Name",
                                          "OldValue",
                                          "NewValue",
                                          "ItemName",
                                          "ChatThreadId",
                                          "ChatName",
                                          "CommunicationType",
                                          "AADGroupId",
                                          "AddOnGuid",
                                          "AppDistributionMode",
                                          "TargetUserId",
                                          "OperationScope",
                                          "AzureADAppId",
                                          "OperationProperties",
                                          "AppId",
                                          "ClientAppId",
                                          "Type",
                                          "_ResourceId",
                                          NULL};

/* Columns the portal writes pretty-printed over several lines. */
static bool pretty_column(const char *name)
{
    static const char *const names[] = {"AuthenticationDetails",
                                        "AuthenticationProcessingDetails",
                                        "Folders",
                                        "Parameters",
                                        "ExtendedProperties",
                                        "ModifiedProperties",
                                        "Actor",
                                        NULL};
    for (int i = 0; names[i]; i++) {
        if (strcmp(names[i], name) == 0) {
            return true;
        }
    }
    return false;
}

struct file {
    struct sim *s;
    struct sink k;
    uint8_t fmt, stream;
    bool office; /* LA rows of a UAL stream */
    struct sim_outfile *info;
    uint64_t n;     /* records written */
    uint64_t total; /* records this file will hold (Purview classic ResultCount) */
    uint32_t page;  /* Graph: records in the current page; Event Hub: in the batch */
    uint32_t batch; /* Event Hub batch size */
    struct sim_rng rng;
    const char *const *cols;
    char runspace[37];
};

static bool renderable(const struct sim_ev *e, uint8_t fmt)
{
    switch (fmt) {
    case F_UAL_JSONL:
    case F_UAL_BLOB:
    case F_PURVIEW_NEW:
    case F_PURVIEW_CLASSIC:
        if (e->type == EV_AUDIT) {
            return !(e->flags & EVF_NO_UAL);
        }
        return e->type != EV_SIGNIN || (e->flags & (EVF_INTERACTIVE | EVF_SP)) == EVF_INTERACTIVE;
    default: return true;
    }
}

static const char *ual_content(uint8_t st)
{
    switch (st) {
    case ST_EXO: return "Exchange";
    case ST_SPO: return "SharePoint";
    case ST_GEN: return "General";
    case ST_SIGNIN: return "AzureActiveDirectory-SignIns";
    default: return "AzureActiveDirectory";
    }
}

static const char *entra_name(uint8_t st, uint8_t fmt)
{
    static const char *const graph[] = {"",
                                        "",
                                        "",
                                        "signIns",
                                        "nonInteractiveSignIns",
                                        "servicePrincipalSignIns",
                                        "directoryAudits",
                                        ""};
    static const char *const cat[] = {"",
                                      "",
                                      "",
                                      "SignInLogs",
                                      "NonInteractiveUserSignInLogs",
                                      "ServicePrincipalSignInLogs",
                                      "AuditLogs",
                                      "MicrosoftGraphActivityLogs"};
    static const char *const la[] = {"",
                                     "",
                                     "",
                                     "SigninLogs",
                                     "AADNonInteractiveUserSignInLogs",
                                     "AADServicePrincipalSignInLogs",
                                     "AuditLogs",
                                     "MicrosoftGraphActivityLogs"};
    if (st < ST_SIGNIN || st >= ST__N) {
        return "";
    }
    return fmt == F_GRAPH ? graph[st] : (fmt == F_LA_JSON || fmt == F_LA_CSV) ? la[st] : cat[st];
}

/* day: the local day's midnight (UTC ms); hour: for azmon-pt1h, the UTC hour the blob holds. */
static void file_path(struct sim *s, uint8_t st, uint8_t fmt, int64_t day, int64_t hour,
                      char *out, size_t n)
{
    char date[16] = "1970-01-01", compact[16];
    struct sbuf b = {0};
    /* The local date of the day (day is its local midnight in UTC). */
    sb_time(&b, day + (int64_t)s->tenant.utc_offset * SIM_HOUR_MS + SIM_HOUR_MS, TF_DATE, 0);
    if (!b.oom && b.len == 10) {
        memcpy(date, b.p, 10);
    }
    sb_free(&b);
    snprintf(compact, sizeof(compact), "%.4s%.2s%.2s", date, date + 5, date + 8);
    const char *gz = s->opt->gzip ? ".gz" : "";
    bool ual_stream = ((1u << st) & UAL_STREAMS) != 0;
    char lower[64];
    snprintf(lower, sizeof(lower), "%s", entra_name(st, F_AZMON_PT1H));
    for (char *p = lower; *p; p++) {
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    }
    switch (fmt) {
    case F_UAL_JSONL: snprintf(out, n, "ual/Audit.%s_%s.jsonl%s", ual_content(st), date, gz); break;
    case F_UAL_BLOB:
        snprintf(out, n, "ual/blob-%s-Audit.%s.json%s", compact, ual_content(st), gz);
        break;
    case F_PURVIEW_NEW:
        snprintf(out, n, "purview/AuditLog_%s_%s.csv%s", date, ual_content(st), gz);
        break;
    case F_PURVIEW_CLASSIC:
        snprintf(out, n, "purview/Search-UnifiedAuditLog_%s_%s.csv%s", date, ual_content(st), gz);
        break;
    case F_GRAPH: snprintf(out, n, "entra/%s_%s.json%s", entra_name(st, fmt), date, gz); break;
    case F_AZMON_PT1H: {
        /* The storage account's blob of one hour, as diagnostic settings name it. */
        int y, mo, dd, h, mi, sec, ms;
        m365_civil_from_ms(hour, &y, &mo, &dd, &h, &mi, &sec, &ms);
        snprintf(out, n,
                 "azmon/insights-logs-%s/resourceId=/tenants/%s/providers/Microsoft.aadiam/"
                 "y=%04d/m=%02d/d=%02d/h=%02d/m=00/PT1H.json%s",
                 lower, s->tenant.id, y, mo, dd, h, gz);
        break;
    }
    case F_AZMON_EVENTHUB: snprintf(out, n, "azmon/eventhub-%s-%s.json%s", lower, date, gz); break;
    default:
        if (ual_stream) {
            snprintf(out, n, "sentinel/OfficeActivity_%s_%s.%s%s", ual_content(st), date,
                     fmt == F_LA_CSV ? "csv" : "json", gz);
        } else {
            snprintf(out, n, "sentinel/%s_%s.%s%s", entra_name(st, fmt), date,
                     fmt == F_LA_CSV ? "csv" : "json", gz);
        }
    }
}

static void put(struct file *f, const char *p, size_t n)
{
    sink_put(&f->k, p, n);
}

#define PUT_LIT(f, lit) put((f), (lit), sizeof(lit) - 1)

static void graph_page_head(struct file *f)
{
    if (f->stream == ST_AUDIT) {
        PUT_LIT(f, "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#auditLogs/"
                   "directoryAudits\",\"value\":[");
    } else {
        PUT_LIT(f, "{\"@odata.context\":\"https://graph.microsoft.com/beta/$metadata#auditLogs/"
                   "signIns\",\"value\":[");
    }
}

static int file_open(struct sim *s, struct file *f, uint8_t st, uint8_t fmt, int64_t day,
                     int64_t hour, uint64_t total)
{
    memset(f, 0, sizeof(*f));
    f->s = s;
    f->fmt = fmt;
    f->stream = st;
    f->total = total;
    f->office = ((1u << st) & UAL_STREAMS) != 0;
    sim_rng_seed(&f->rng, s->opt->seed, 0x5100000ull + (uint64_t)(day / SIM_DAY_MS) * 16 + st);
    char rel[512];
    file_path(s, st, fmt, day, hour, rel, sizeof(rel));
    if (sim_mkdirs(s, rel) != 0) {
        sim_error(s, "%s/%s: cannot create the folder: %s", s->out_dir, rel, strerror(errno));
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", s->out_dir, rel);
    if (sink_open(&f->k, path, s->opt->gzip) != 0) {
        sim_error(s, "%s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    if (s->n_files == s->cap_files) {
        uint32_t cap = s->cap_files ? s->cap_files * 2 : 64;
        struct sim_outfile *n = realloc(s->files, cap * sizeof(*n));
        if (!n) {
            sink_close(&f->k);
            return -1;
        }
        s->files = n;
        s->cap_files = cap;
    }
    f->info = &s->files[s->n_files++];
    memset(f->info, 0, sizeof(*f->info));
    f->info->path = sim_strdup(s, rel);
    f->info->stream = st;
    f->info->fmt = fmt;
    f->info->gzip = s->opt->gzip;
    f->info->first = INT64_MAX;
    f->info->last = INT64_MIN;
    sim_guid(sim_key(&f->rng), f->runspace);
    switch (fmt) {
    case F_UAL_BLOB: PUT_LIT(f, "["); break;
    case F_PURVIEW_NEW:
        PUT_LIT(f, "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,"
                   "AssociatedAdminUnits,AssociatedAdminUnitsNames\r\n");
        break;
    case F_PURVIEW_CLASSIC:
        PUT_LIT(f, "#TYPE Deserialized.Microsoft.Exchange.Management.SystemConfigurationTasks."
                   "AuditRecord\r\n\"RunspaceId\",\"RecordType\",\"CreationDate\",\"UserIds\","
                   "\"Operations\",\"AuditData\",\"ResultIndex\",\"ResultCount\",\"Identity\","
                   "\"IsValid\",\"ObjectState\"\r\n");
        break;
    case F_GRAPH: graph_page_head(f); break;
    case F_LA_CSV: {
        f->cols = f->office            ? cols_office
                  : st == ST_AUDIT     ? cols_audit
                  : st == ST_SIGNIN_SP ? cols_sp
                  : st == ST_GRAPHACT  ? cols_graph
                                       : cols_signin;
        PUT_LIT(f, "\xef\xbb\xbf");
        for (int i = 0; f->cols[i]; i++) {
            if (i) {
                PUT_LIT(f, ",");
            }
            put(f, f->cols[i], strlen(f->cols[i]));
        }
        PUT_LIT(f, "\r\n");
        break;
    }
    default: break;
    }
    return 0;
}

static int file_close(struct file *f)
{
    switch (f->fmt) {
    case F_UAL_BLOB: PUT_LIT(f, "]"); break;
    case F_GRAPH: PUT_LIT(f, "]}\n"); break;
    case F_AZMON_EVENTHUB:
        if (f->page) {
            PUT_LIT(f, "]}\n");
        }
        break;
    default: break;
    }
    struct sim *s = f->s;
    f->info->records = f->n;
    f->info->bytes = f->k.raw;
    s->bytes += f->k.raw;
    s->stats.bytes += f->k.raw;
    s->stats.records += f->n;
    s->stats.files++;
    int rc = sink_close(&f->k);
    s->stats.bytes_on_disk += f->k.disk;
    if (rc != 0 && !s->err[0]) {
        sim_error(s, "%s/%s: write failed: %s", s->out_dir, f->info->path,
                  strerror(errno ? errno : EIO));
    }
    return rc;
}

/* CSV cell: quoted when it needs to be, quotes doubled. */
static void csv_cell(struct sbuf *o, const char *p, size_t n, bool force)
{
    bool q = force;
    for (size_t i = 0; i < n && !q; i++) {
        char c = p[i];
        q = c == ',' || c == '"' || c == '\n' || c == '\r';
    }
    if (!q && n && (p[0] == ' ' || p[n - 1] == ' ')) {
        q = true;
    }
    if (!q) {
        sb_put(o, p, n);
        return;
    }
    sb_putc(o, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        run++;
        if (p[i] == '"') {
            sb_put(o, p + i - run + 1, run);
            sb_putc(o, '"');
            run = 0;
        }
    }
    sb_put(o, p + n - run, run);
    sb_putc(o, '"');
}

/* AuditData as Purview writes it: "/" escaped as "\/" inside the JSON. */
static void slash_escape(struct sbuf *o, const char *p, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '/') {
            sb_put(o, p + i - run, run);
            SB_LIT(o, "\\/");
            run = 0;
        } else {
            run++;
        }
    }
    sb_put(o, p + n - run, run);
}

/* Purview's UserId column: the case of the domain varies from row to row in real exports. */
static void user_column(struct file *f, struct sbuf *o, const char *user, bool force)
{
    if (!user) {
        csv_cell(o, "", 0, force);
        return;
    }
    const char *at = strchr(user, '@');
    if (!at || sim_below(&f->rng, 4) != 0) {
        csv_cell(o, user, strlen(user), force);
        return;
    }
    char tmp[160];
    snprintf(tmp, sizeof(tmp), "%s", user);
    char *d = tmp + (at - user) + 1;
    bool up = true;
    for (char *p = d; *p && *p != '.'; p++) {
        if (up && *p >= 'a' && *p <= 'z') {
            *p = (char)(*p - 32);
        }
        up = false;
    }
    csv_cell(o, tmp, strlen(tmp), force);
}

struct scratch {
    struct sbuf rec, aux, line;
    struct jw w;
};

static void la_json_row(struct file *f, struct scratch *x)
{
    struct sbuf *o = &x->line;
    o->len = 0;
    sb_putc(o, '{');
    for (uint32_t i = 0; i < x->w.n_cells; i++) {
        const struct jw_cellrec *c = &x->w.cells[i];
        if (i) {
            sb_putc(o, ',');
        }
        sb_putc(o, '"');
        sb_puts(o, c->name);
        SB_LIT(o, "\":");
        const char *v = x->rec.p + c->off;
        switch (c->kind) {
        case CELL_STR:
        case CELL_JSON:
            sb_putc(o, '"');
            sb_json_esc(o, v, c->len);
            sb_putc(o, '"');
            break;
        case CELL_TIME:
            sb_putc(o, '"');
            sb_time(o, c->t, TF_Z3, 0);
            sb_putc(o, '"');
            break;
        default: sb_put(o, v, c->len); break;
        }
    }
    SB_LIT(o, "}\n");
    put(f, o->p, o->len);
}

static void la_csv_row(struct file *f, struct scratch *x)
{
    struct sbuf *o = &x->line;
    o->len = 0;
    for (int i = 0; f->cols[i]; i++) {
        if (i) {
            sb_putc(o, ',');
        }
        const char *col = f->cols[i];
        size_t cl = strlen(col);
        if (cl > 7 && strcmp(col + cl - 7, "_string") == 0) {
            continue; /* the portal leaves the string twin of a dynamic column empty */
        }
        if (cl > 6 && strcmp(col + cl - 6, " [UTC]") == 0) {
            cl -= 6;
        } else if (cl > 8 && strcmp(col + cl - 8, "_dynamic") == 0) {
            cl -= 8;
        }
        const struct jw_cellrec *c = NULL;
        for (uint32_t k = 0; k < x->w.n_cells; k++) {
            const char *n = x->w.cells[k].name;
            if (strncmp(n, col, cl) == 0 && n[cl] == '\0') {
                c = &x->w.cells[k];
                break;
            }
        }
        if (!c) {
            continue;
        }
        const char *v = x->rec.p + c->off;
        switch (c->kind) {
        case CELL_TIME:
            x->aux.len = 0;
            sb_time(&x->aux, c->t, TF_PORTAL, 0);
            csv_cell(o, x->aux.p, x->aux.len, false); /* "3/4/2026, 1:56:15.221 PM": quoted */
            break;
        case CELL_BOOL_T: SB_LIT(o, "TRUE"); break;
        case CELL_BOOL_F: SB_LIT(o, "FALSE"); break;
        case CELL_NULL: break;
        case CELL_JSON:
            if (pretty_column(c->name)) {
                x->aux.len = 0;
                sb_pretty(&x->aux, v, c->len);
                csv_cell(o, x->aux.p, x->aux.len, true);
            } else {
                csv_cell(o, v, c->len, false);
            }
            break;
        default: csv_cell(o, v, c->len, false); break;
        }
    }
    SB_LIT(o, "\r\n");
    put(f, o->p, o->len);
}

static void csv_time_cell(struct sbuf *o, int64_t t, bool quote)
{
    if (quote) {
        sb_putc(o, '"');
    }
    sb_time(o, t, TF_PURVIEW, 0);
    if (quote) {
        sb_putc(o, '"');
    }
}

/* Render one event into the file. Returns 1 when written. */
static int file_record(struct file *f, struct scratch *x, const struct sim_ev *e)
{
    struct sim *s = f->s;
    struct sim_rendered r;
    bool ual_family = f->fmt <= F_PURVIEW_CLASSIC;
    bool la = f->fmt == F_LA_JSON || f->fmt == F_LA_CSV;
    x->rec.len = 0;
    jw_start(&x->w, &x->rec, la);
    bool ok;
    if (ual_family || (la && f->office)) {
        ok = sim_render_ual(s, e, &x->w, la ? FL_OFFICE : FL_UAL, &r);
    } else if (f->stream == ST_GRAPHACT) {
        ok = sim_render_graph_activity(s, e, &x->w, la ? FL_LA : FL_AZMON, &r);
    } else {
        ok = sim_render_entra(s, e, &x->w,
                              la                  ? FL_LA
                              : f->fmt == F_GRAPH ? FL_GRAPH
                                                  : FL_AZMON,
                              &r);
    }
    if (!ok || x->rec.oom) {
        return 0;
    }
    switch (f->fmt) {
    case F_UAL_JSONL:
    case F_AZMON_PT1H:
        sb_putc(&x->rec, '\n');
        put(f, x->rec.p, x->rec.len);
        break;
    case F_UAL_BLOB:
        if (f->n) {
            PUT_LIT(f, ",");
        }
        put(f, x->rec.p, x->rec.len);
        break;
    case F_GRAPH:
        if (f->page == 1000) {
            char tok[23];
            sim_token(sim_key(&f->rng), tok);
            PUT_LIT(f, "],\"@odata.nextLink\":\"https://graph.microsoft.com/");
            if (f->stream == ST_AUDIT) {
                PUT_LIT(f, "v1.0/auditLogs/directoryAudits?$top=1000&$skiptoken=");
            } else {
                PUT_LIT(f, "beta/auditLogs/signIns?$top=1000&$skiptoken=");
            }
            put(f, tok, 22);
            PUT_LIT(f, "\"}\n");
            graph_page_head(f);
            f->page = 0;
        }
        if (f->page) {
            PUT_LIT(f, ",");
        }
        put(f, x->rec.p, x->rec.len);
        f->page++;
        break;
    case F_AZMON_EVENTHUB:
        if (f->page == 0) {
            f->batch = 1 + sim_below(&f->rng, 40);
            PUT_LIT(f, "{\"records\":[");
        } else {
            PUT_LIT(f, ",");
        }
        put(f, x->rec.p, x->rec.len);
        if (++f->page == f->batch) {
            PUT_LIT(f, "]}\n");
            f->page = 0;
        }
        break;
    case F_LA_JSON: la_json_row(f, x); break;
    case F_LA_CSV: la_csv_row(f, x); break;
    case F_PURVIEW_NEW:
    case F_PURVIEW_CLASSIC: {
        bool classic = f->fmt == F_PURVIEW_CLASSIC;
        struct sbuf *o = &x->line;
        o->len = 0;
        x->aux.len = 0;
        slash_escape(&x->aux, x->rec.p, x->rec.len);
        char num[24];
        snprintf(num, sizeof(num), "%d", r.record_type);
        if (classic) {
            csv_cell(o, f->runspace, 36, true);
            sb_putc(o, ',');
            csv_cell(o, num, strlen(num), true);
            sb_putc(o, ',');
            csv_time_cell(o, e->t, true);
            sb_putc(o, ',');
            user_column(f, o, r.user, true);
            sb_putc(o, ',');
            csv_cell(o, r.op, strlen(r.op), true);
            sb_putc(o, ',');
            csv_cell(o, x->aux.p, x->aux.len, true);
            snprintf(num, sizeof(num), "\"%llu\",\"%llu\",", (unsigned long long)f->n + 1,
                     (unsigned long long)f->total);
            sb_putc(o, ',');
            sb_puts(o, num);
            csv_cell(o, r.id, strlen(r.id), true);
            SB_LIT(o, ",\"True\",\"Unchanged\"\r\n");
        } else {
            sb_puts(o, r.id);
            sb_putc(o, ',');
            csv_time_cell(o, e->t, false);
            sb_putc(o, ',');
            sb_puts(o, num);
            sb_putc(o, ',');
            csv_cell(o, r.op, strlen(r.op), false);
            sb_putc(o, ',');
            user_column(f, o, r.user, false);
            sb_putc(o, ',');
            csv_cell(o, x->aux.p, x->aux.len, true);
            SB_LIT(o, ",,\r\n");
        }
        put(f, o->p, o->len);
        break;
    }
    default: break;
    }
    f->n++;
    if (r.t < f->info->first) {
        f->info->first = r.t;
    }
    if (r.t > f->info->last) {
        f->info->last = r.t;
    }
    sim_truth_written(s, e, f->info->path, r.id, r.t);
    return 1;
}

/* --------------------------------------------------------------------------------------------- */

static uint8_t choose_format(struct sim *s, uint8_t st, int64_t day)
{
    unsigned mask = s->allowed[st];
    unsigned n = 0;
    for (int f = 0; f < F__N; f++) {
        n += (mask >> f) & 1u;
    }
    struct sim_rng r;
    sim_rng_seed(&r, s->opt->seed, 0x4000000ull + (uint64_t)(day / SIM_DAY_MS) * 16 + st);
    uint32_t k = sim_below(&r, n ? n : 1);
    for (int f = 0; f < F__N; f++) {
        if (((mask >> f) & 1u) && k-- == 0) {
            return (uint8_t)f;
        }
    }
    return F_UAL_JSONL;
}

int sim_write_day(struct sim *s, struct sim_day *d, struct sim_ev **evs, uint32_t n)
{
    /* Bucket by stream (keeping time order), dropping what the tenant would not log. An event
     * that makes a Graph request is also written to the Graph activity log, whatever the
     * mailbox's auditing. */
    uint32_t *idx = malloc((n ? 2 * (size_t)n : 1) * sizeof(*idx));
    uint32_t count[ST__N] = {0}, start[ST__N];
    if (!idx) {
        return -1;
    }
    bool graph_log = s->allowed[ST_GRAPHACT] != 0;
    for (uint32_t i = 0; i < n; i++) {
        struct sim_ev *e = evs[i];
        if (graph_log && sim_graph_activity_of(s, e)) {
            count[ST_GRAPHACT]++;
            if (e->gt >= 0 && (uint32_t)e->gt < s->n_truth) {
                s->truth[e->gt].planned++;
            }
        }
        if (e->type == EV_MAIL &&
            (e->owner >= s->n_users || s->users[e->owner].lic != LIC_E5 ||
             e->t < s->users[e->owner].audit_on || e->t >= s->users[e->owner].audit_off)) {
            e->stream = ST__N; /* no MailItemsAccessed: no E5 audit for this mailbox */
            continue;
        }
        if (e->type == EV_SIGNIN && !(e->flags & EVF_SP) && e->err == 0 && e->user < s->n_users) {
            struct sim_user *u = &s->users[e->user];
            if (e->flags & EVF_INTERACTIVE) {
                u->last_signin = e->t;
            } else {
                u->last_ni_signin = e->t;
            }
            u->last_success = e->t;
        }
        if (e->gt >= 0 && (uint32_t)e->gt < s->n_truth) {
            s->truth[e->gt].planned++;
        }
        count[e->stream]++;
    }
    uint32_t acc = 0;
    for (int st = 0; st < ST__N; st++) {
        start[st] = acc;
        acc += count[st];
        count[st] = 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint8_t st = evs[i]->stream;
        if (st < ST__N) {
            idx[start[st] + count[st]++] = i;
        }
        if (graph_log && sim_graph_activity_of(s, evs[i])) {
            idx[start[ST_GRAPHACT] + count[ST_GRAPHACT]++] = i;
        }
    }
    struct scratch x;
    memset(&x, 0, sizeof(x));
    int rc = 0;
    for (int st = 0; st < ST__N && rc == 0; st++) {
        if (!count[st] || !s->allowed[st]) {
            continue;
        }
        uint8_t fmt = choose_format(s, (uint8_t)st, d->start);
        uint64_t total = 0;
        for (uint32_t k = 0; k < count[st]; k++) {
            total += renderable(evs[idx[start[st] + k]], fmt);
        }
        if (!total) {
            continue;
        }
        /* A storage account writes one blob an hour (azmon-pt1h); the others, one file a day. */
        bool hourly = fmt == F_AZMON_PT1H;
        struct file f;
        bool open = false;
        int64_t hour = INT64_MIN;
        bool rev = sim_fmts[fmt].newest_first;
        for (uint32_t k = 0; k < count[st] && rc == 0; k++) {
            uint32_t j = rev ? count[st] - 1 - k : k;
            const struct sim_ev *e = evs[idx[start[st] + j]];
            if (!renderable(e, fmt)) {
                continue;
            }
            int64_t h = hourly ? e->t - e->t % SIM_HOUR_MS : d->start;
            if (open && h != hour) {
                rc = file_close(&f) != 0 ? -1 : 0;
                open = false;
            }
            if (!open && rc == 0) {
                if (file_open(s, &f, (uint8_t)st, fmt, d->start, h, total) != 0) {
                    rc = -1;
                    break;
                }
                open = true;
                hour = h;
            }
            file_record(&f, &x, e);
        }
        if (x.rec.oom || x.aux.oom || x.line.oom) {
            sim_error(s, "out of memory rendering records");
            rc = -1;
        }
        if (open && file_close(&f) != 0) {
            rc = -1;
        }
        if (rc != 0) {
            break;
        }
    }
    sb_free(&x.rec);
    sb_free(&x.aux);
    sb_free(&x.line);
    free(idx);
    return rc;
}
