/* Unified Audit Log records (Management Activity API, Purview AuditData, and Log Analytics
 * OfficeActivity rows, which are UAL records with renamed columns) -> m365_event. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../core/norm.h"
#include "entra_codes.h"
#include "read_ctx.h"

struct name_num {
    const char *name;
    int num;
};

/* RecordType names used by OfficeActivity, and their numbers. */
static const struct name_num record_types[] = {
    {"ExchangeAdmin", 1}, {"ExchangeItem", 2}, {"ExchangeItemGroup", 3}, {"SharePoint", 4},
    {"SharePointFileOperation", 6}, {"OneDrive", 7}, {"AzureActiveDirectory", 8},
    {"AzureActiveDirectoryAccountLogon", 9}, {"DataCenterSecurityCmdlet", 10},
    {"ComplianceDLPSharePoint", 11}, {"SharePointSharingOperation", 14},
    {"AzureActiveDirectoryStsLogon", 15}, {"SecurityComplianceCenterEOPCmdlet", 18},
    {"ExchangeAggregatedOperation", 19}, {"MicrosoftTeams", 25}, {"ThreatIntelligence", 28},
    {"MailSubmission", 29}, {"SharePointListOperation", 36}, {"SecurityComplianceAlerts", 40},
    {"ExchangeItemAggregated", 50}, {"SharePointContentTypeOperation", 55},
    {"SharePointFieldOperation", 56}, {NULL, 0}};

/* UserType names (OfficeActivity) and numbers. */
static const struct name_num user_types[] = {
    {"Regular", 0}, {"Reserved", 1}, {"Admin", 2}, {"DcAdmin", 3}, {"System", 4},
    {"Application", 5}, {"ServicePrincipal", 6}, {"CustomPolicy", 7}, {"SystemPolicy", 8},
    {"PartnerTechnician", 9}, {"Guest", 10}, {NULL, 0}};

static const struct name_num logon_types[] = {
    {"Owner", 0}, {"Admin", 1}, {"AdminAccess", 1}, {"Delegate", 2}, {"DelegatedAdmin", 6},
    {"Transport", 3}, {"SystemService", 4}, {NULL, 0}};

/* A number, a numeric string, or a name from the table. */
static bool enum_value(struct m365_read_ctx *ctx, struct m365_jv v, const struct name_num *tab,
                       int64_t *out)
{
    if (m365_jint(ctx, v, out)) {
        return true;
    }
    const char *s;
    size_t len;
    if (!m365_jtext(ctx, v, &s, &len)) {
        return false;
    }
    for (const struct name_num *t = tab; t->name; t++) {
        if (m365_ieqn(s, len, t->name)) {
            *out = t->num;
            return true;
        }
    }
    return false;
}

/* [{Name, Value}] lists (ExtendedProperties, DeviceProperties, Parameters, OperationProperties);
 * also accepts a JSON string holding such a list (OfficeActivity). */
typedef void (*kv_fn)(struct m365_read_ctx *ctx, const char *n, size_t nl, const char *v,
                      size_t vl);

static void each_name_value(struct m365_read_ctx *ctx, struct m365_jv list, kv_fn fn)
{
    struct m365_jv arr = m365_jnested(ctx, list);
    if (m365_jv_type(arr) != M365_J_ARRAY) {
        return;
    }
    struct m365_jit it;
    struct m365_jv el;
    m365_jv_iter(arr, &it);
    while (m365_jit_next(&it, NULL, NULL, &el)) {
        const char *n, *v = NULL;
        size_t nl, vl = 0;
        if (!m365_jtext(ctx, m365_jget(el, "Name", "name", "key", NULL), &n, &nl)) {
            continue;
        }
        struct m365_jv val = m365_jget(el, "Value", "value", NULL);
        if (!m365_jtext(ctx, val, &v, &vl)) {
            enum m365_jtype t = m365_jv_type(val);
            if (t == M365_J_ARRAY || t == M365_J_OBJECT) {
                v = m365_jv_text(ctx->json, val, &vl);
                v = m365_ev_copy(ctx, v, vl);
            }
        }
        fn(ctx, n, nl, v, vl);
    }
}

static void add_extra(struct m365_read_ctx *ctx, const char *n, size_t nl, const char *v, size_t vl)
{
    m365_ev_add_extra(ctx, n, nl, v, vl);
}

static void add_param(struct m365_read_ctx *ctx, const char *n, size_t nl, const char *v, size_t vl)
{
    m365_ev_add_param(ctx, n, nl, v, vl);
}

/* The record's members the mapper asks for, found in one pass over the record (m365_jfields):
 * a UAL record has some thirty members and the mapper asks for sixty names, most of them the
 * other export formats' spellings. */
#define UAL_NAMES(X)                                                                              \
    X(Operation) X(Operations) X(CreationTime) X(TimeGenerated) X(CreationDate) X(Start_Time)     \
    X(Id) X(OfficeId) X(SourceRecordId) X(Workload) X(OfficeWorkload) X(OrganizationId)           \
    X(OfficeTenantId) X(RecordType) X(UserType) X(UserId) X(UserIds) X(Actor) X(ClientIPAddress)  \
    X(Client_IPAddress) X(ClientIP) X(ActorIpAddress) X(ClientIP_) X(UserAgent) X(AppId)          \
    X(ApplicationId) X(ClientAppId) X(SessionId) X(AADSessionId) X(CorrelationId)                 \
    X(AppAccessContext) X(ExtendedProperties) X(DeviceProperties) X(Parameters)                   \
    X(OperationProperties) X(ErrorNumber) X(LogonError) X(ResultReasonType) X(ResultStatus)       \
    X(Target) X(ObjectId) X(OfficeObjectId) X(ModifiedProperties) X(MailboxOwnerUPN)              \
    X(MailboxGuid) X(MailboxOwnerSid) X(LogonUserSid) X(ClientInfoString) X(Client_InfoString)    \
    X(LogonType) X(Logon_Type) X(OperationCount) X(Folders) X(Item) X(ApplicationDisplayName)

#define U_ID(n) U_##n,
enum ual_name { UAL_NAMES(U_ID) U_COUNT };
static const char *const ual_names[] = {UAL_NAMES(M365_JNAME_STR)};
_Static_assert(U_COUNT <= M365_JSCHEMA_MAX, "UAL names fit one schema");
static struct m365_jschema ual_schema = M365_JSCHEMA_INIT(ual_names);

/* m365_jget on the record: GET(U_UserId, U_UserIds). */
#define GET(...) m365_jfields_get(f, (const int[]){__VA_ARGS__, -1})
#define FIELD(dst, ...) record_text(ctx, f, &(dst), 0, (const int[]){__VA_ARGS__, -1})
#define FIELD_LOWER(dst, ...) record_text(ctx, f, &(dst), 1, (const int[]){__VA_ARGS__, -1})

/* The first name (in list order) with text: the record id (lower 3), copied (2), interned
 * lower-case (1) or as is. */
static void record_text(struct m365_read_ctx *ctx, const struct m365_jfields *f, const char **dst,
                        int lower, const int *ids)
{
    if (*dst) {
        return;
    }
    const char *s;
    size_t len;
    if (m365_jfields_text(ctx, f, ids, &s, &len)) {
        *dst = lower == 3   ? m365_ev_record_id(ctx, s, len)
               : lower == 2 ? m365_ev_copy(ctx, s, len)
               : lower ? m365_ev_intern_lower(ctx, s, len)
                       : m365_ev_intern(ctx, s, len);
    }
}

static void text_field(struct m365_read_ctx *ctx, struct m365_jv obj, const char **dst,
                       int lower, ...)
{
    if (*dst) {
        return;
    }
    va_list ap;
    va_start(ap, lower);
    for (const char *k; (k = va_arg(ap, const char *)) != NULL;) {
        const char *s;
        size_t len;
        if (m365_jtext(ctx, m365_jget(obj, k, NULL), &s, &len)) {
            *dst = lower == 2   ? m365_ev_copy(ctx, s, len)
                   : lower ? m365_ev_intern_lower(ctx, s, len)
                           : m365_ev_intern(ctx, s, len);
            break;
        }
    }
    va_end(ap);
}

static void set_ip_from(struct m365_read_ctx *ctx, const struct m365_jfields *f, int id)
{
    const char *s;
    size_t len;
    if (m365_jtext(ctx, m365_jfields_exact(f, id), &s, &len)) {
        m365_ev_set_ip(ctx, s, len);
    }
}

/* UAL Actor[] / Target[] entries {ID, Type}: Type 0 object id, 1 name, 2 class or Class_<id>,
 * 3 PUID, 4 SPN (app id), 5 UPN. */
struct ident {
    const char *cls, *id, *name, *upn, *spn, *guid;
    size_t cls_l, id_l, name_l, upn_l, spn_l, guid_l;
    bool id_qualified; /* id came from a Class_<guid> entry */
};

static void read_idents(struct m365_read_ctx *ctx, struct m365_jv list, struct ident *out)
{
    memset(out, 0, sizeof(*out));
    struct m365_jv arr = m365_jnested(ctx, list);
    struct m365_jit it;
    struct m365_jv el;
    m365_jv_iter(arr, &it);
    while (m365_jit_next(&it, NULL, NULL, &el)) {
        const char *s;
        size_t len;
        int64_t type;
        if (!m365_jtext(ctx, m365_jget(el, "ID", NULL), &s, &len) ||
            !m365_jint(ctx, m365_jget(el, "Type", NULL), &type)) {
            continue;
        }
        switch (type) {
        case 0:
            if (!out->id) {
                out->id = s;
                out->id_l = len;
            }
            break;
        case 1:
            if (!out->name) {
                out->name = s;
                out->name_l = len;
            }
            break;
        case 2: {
            const char *us = memchr(s, '_', len);
            if (us && m365_is_guid(us + 1, len - (size_t)(us + 1 - s))) {
                /* "ServicePrincipal_<object id>": the object id, whatever came before. */
                if (out->id && !out->id_qualified && !out->guid) {
                    out->guid = out->id;
                    out->guid_l = out->id_l;
                }
                if (!out->id_qualified) {
                    out->id = us + 1;
                    out->id_l = len - (size_t)(us + 1 - s);
                    out->id_qualified = true;
                }
                if (!out->cls) {
                    out->cls = s;
                    out->cls_l = (size_t)(us - s);
                }
            } else if (!m365_is_guid(s, len)) {
                out->cls = s;
                out->cls_l = len;
            } else if (!out->id) {
                out->id = s;
                out->id_l = len;
            } else if (!out->guid && !(out->id_l == len && memcmp(out->id, s, len) == 0)) {
                out->guid = s; /* for a service principal, usually its app id */
                out->guid_l = len;
            }
            break;
        }
        case 4:
            if (!out->spn) {
                out->spn = s;
                out->spn_l = len;
            }
            break;
        case 5:
            if (!out->upn) {
                out->upn = s;
                out->upn_l = len;
            }
            break;
        default:
            break;
        }
    }
}

static enum m365_event_kind kind_for(int64_t rt, const char *workload, const char *op,
                                     bool has_params)
{
    if (op && (strcmp(op, "UserLoggedIn") == 0 || strcmp(op, "UserLoginFailed") == 0)) {
        return M365_EV_SIGNIN;
    }
    if (op && strcmp(op, "MailItemsAccessed") == 0) {
        return M365_EV_MAIL_ACCESS;
    }
    switch (rt) {
    case 15:
        return M365_EV_SIGNIN;
    case 8:
        return M365_EV_DIRECTORY;
    case 1:
        return M365_EV_EXCHANGE_ADMIN;
    case 50:
        return M365_EV_MAIL_ACCESS;
    case 2:
    case 3:
        return M365_EV_MAILBOX_ITEM;
    case 4:
    case 6:
    case 7:
    case 14:
    case 36:
    case 55:
    case 56:
        return M365_EV_FILE;
    default:
        break;
    }
    if (workload) {
        if (m365_ieq(workload, "AzureActiveDirectory")) {
            return M365_EV_DIRECTORY;
        }
        if (m365_ieq(workload, "Exchange")) {
            return has_params ? M365_EV_EXCHANGE_ADMIN : M365_EV_MAILBOX_ITEM;
        }
        if (m365_ieq(workload, "SharePoint") || m365_ieq(workload, "OneDrive")) {
            return M365_EV_FILE;
        }
    }
    return M365_EV_OTHER;
}

static void mail_fields(struct m365_read_ctx *ctx, const struct m365_jfields *f)
{
    struct m365_mail_access *m = m365_ev_mail(ctx);
    FIELD_LOWER(m->mailbox_upn, U_MailboxOwnerUPN);
    FIELD(m->mailbox_guid, U_MailboxGuid);
    FIELD(m->mailbox_owner_sid, U_MailboxOwnerSid);
    FIELD(m->logon_user_sid, U_LogonUserSid);
    FIELD(m->client_info, U_ClientInfoString, U_Client_InfoString);
    int64_t v;
    if (enum_value(ctx, GET(U_LogonType, U_Logon_Type), logon_types, &v)) {
        m->logon_type = (int32_t)v;
    }
    if (m365_jint(ctx, GET(U_OperationCount), &v) && v >= 0 && v <= UINT32_MAX) {
        m->operation_count = (uint32_t)v;
    }
    struct m365_jv props = m365_jnested(ctx, GET(U_OperationProperties));
    struct m365_jit it;
    struct m365_jv el;
    m365_jv_iter(props, &it);
    while (m365_jit_next(&it, NULL, NULL, &el)) {
        const char *n, *s;
        size_t nl, sl;
        if (!m365_jtext(ctx, m365_jget(el, "Name", NULL), &n, &nl) ||
            !m365_jtext(ctx, m365_jget(el, "Value", NULL), &s, &sl)) {
            m365_jnote_flattened(ctx, el);
            continue;
        }
        if (m365_ieqn(n, nl, "MailAccessType")) {
            m->access_type = m365_ev_intern(ctx, s, sl);
        } else if (m365_ieqn(n, nl, "IsThrottled")) {
            m->is_throttled = m365_ieqn(s, sl, "True") ? 1 : 0;
        }
    }
    struct m365_jv folders = m365_jnested(ctx, GET(U_Folders));
    m365_jv_iter(folders, &it);
    while (m365_jit_next(&it, NULL, NULL, &el)) {
        const char *p;
        size_t pl;
        if (!m365_jtext(ctx, m365_jget(el, "Path", NULL), &p, &pl)) {
            p = NULL;
            pl = 0;
            m365_jnote_flattened(ctx, el);
        }
        size_t n = m365_jv_count(m365_jget(el, "FolderItems", NULL));
        m365_ev_add_folder(ctx, p, pl, (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n));
    }
    /* Single-item operations (Send, SoftDelete…) carry Item / AffectedItems instead. */
    struct m365_jv item = m365_jnested(ctx, GET(U_Item));
    if (m365_jv_type(item) == M365_J_OBJECT) {
        const char *p;
        size_t pl;
        struct m365_jv pf = m365_jget(item, "ParentFolder", NULL);
        if (m365_jtext(ctx, m365_jget(pf, "Path", NULL), &p, &pl)) {
            m365_ev_add_folder(ctx, p, pl, 1);
        }
        /* Folder permission records (AddFolderPermissions…): who got which rights. */
        static const char *const member[][2] = {
            {"MemberRights", "Item.ParentFolder.MemberRights"},
            {"MemberUpn", "Item.ParentFolder.MemberUpn"},
            {"MemberSid", "Item.ParentFolder.MemberSid"},
            {"Name", "Item.ParentFolder.Name"},
        };
        bool perm = m365_jv_type(m365_jget(pf, "MemberRights", NULL)) != M365_J_ABSENT;
        for (size_t i = 0; perm && i < sizeof(member) / sizeof(member[0]); i++) {
            if (m365_jtext(ctx, m365_jget(pf, member[i][0], NULL), &p, &pl)) {
                m365_ev_add_extra(ctx, member[i][1], strlen(member[i][1]), p, pl);
            }
        }
    }
}

void m365_map_ual(struct m365_read_ctx *ctx, struct m365_jv rec, uint64_t line, uint64_t offset,
                  const char *raw, size_t raw_len)
{
    struct m365_event *ev = m365_ev_begin(ctx, line, offset);
    if (!ev) {
        m365_ctx_skip(ctx, line, NULL, "out of memory");
        return;
    }
    struct m365_jfields fields, *f = &fields;
    m365_jfields_read(f, &ual_schema, rec);
    const char *s;
    size_t len;
    if (!m365_jtext(ctx, GET(U_Operation, U_Operations), &s, &len)) {
        m365_ev_skip(ctx, "Operation", "no Operation field: not a unified audit log record");
        return;
    }
    m365_ev_set_operation(ctx, s, len);
    /* OfficeActivity query exports may drop TimeGenerated; Start_Time is minutes later at most. */
    struct m365_jv t =
        GET(U_CreationTime, U_TimeGenerated, U_CreationDate, U_Start_Time);
    if (m365_jtext(ctx, t, &s, &len)) {
        if (m365_ev_set_time(ctx, s, len) != 0) {
            m365_ev_skip(ctx, "CreationTime", "not a valid timestamp: '%.40s'", s);
            return;
        }
    }
    ev->log_source = M365_LOG_UAL;
    /* Unique per record: not interned (the intern table is for repeated values). */
    record_text(ctx, f, &ev->evidence.record_id, 3,
                (const int[]){U_Id, U_OfficeId, U_SourceRecordId, -1});
    FIELD(ev->workload, U_Workload, U_OfficeWorkload);
    /* Log Analytics' OfficeActivity: TenantId is the workspace's id, OfficeTenantId the tenant. */
    FIELD(ev->tenant_id, U_OrganizationId, U_OfficeTenantId);
    int64_t rt = -1;
    if (enum_value(ctx, GET(U_RecordType), record_types, &rt)) {
        ev->record_type = (int32_t)rt;
    }
    int64_t ut = -1;
    enum_value(ctx, GET(U_UserType), user_types, &ut);

    /* Actor. */
    const char *user_id = NULL;
    size_t user_id_len = 0;
    if (m365_jtext(ctx, GET(U_UserId, U_UserIds), &user_id, &user_id_len)) {
        if (memchr(user_id, '@', user_id_len)) {
            ev->actor_upn = m365_ev_intern_lower(ctx, user_id, user_id_len);
        } else {
            ev->actor_name = m365_ev_intern(ctx, user_id, user_id_len);
        }
    }
    struct ident actor;
    read_idents(ctx, GET(U_Actor), &actor);
    if (!ev->actor_upn && actor.upn) {
        ev->actor_upn = m365_ev_intern_lower(ctx, actor.upn, actor.upn_l);
    }
    if (actor.id) {
        ev->actor_id = m365_ev_intern(ctx, actor.id, actor.id_l);
    }
    bool actor_is_sp = (actor.cls && m365_ieqn(actor.cls, actor.cls_l, "ServicePrincipal")) ||
                       (user_id && m365_istarts(user_id, "ServicePrincipal_"));
    if (actor.name && (actor_is_sp || (!ev->actor_name && !ev->actor_upn))) {
        /* The display name (an app's name) says more than "ServicePrincipal_<id>". */
        ev->actor_name = m365_ev_intern(ctx, actor.name, actor.name_l);
    }
    if (actor.spn) {
        ev->actor_app_id = m365_ev_intern_lower(ctx, actor.spn, actor.spn_l);
    } else if (actor_is_sp && actor.guid) {
        ev->actor_app_id = m365_ev_intern_lower(ctx, actor.guid, actor.guid_l);
    }
    if (actor_is_sp) {
        ev->actor_type = M365_ACTOR_SERVICE_PRINCIPAL;
    } else if (ut == 3 || ut == 4 || (user_id && m365_istarts(user_id, "NT AUTHORITY\\"))) {
        ev->actor_type = M365_ACTOR_SYSTEM;
    } else if (ut == 5 || ut == 6) {
        ev->actor_type = M365_ACTOR_SERVICE_PRINCIPAL;
    } else if (ev->actor_upn || ut >= 0) {
        ev->actor_type = M365_ACTOR_USER;
    }

    /* Addresses: Exchange writes ClientIP with a port, mailbox records ClientIPAddress. */
    set_ip_from(ctx, f, U_ClientIPAddress);
    set_ip_from(ctx, f, U_Client_IPAddress);
    set_ip_from(ctx, f, U_ClientIP);
    set_ip_from(ctx, f, U_ActorIpAddress);
    set_ip_from(ctx, f, U_ClientIP_);

    FIELD(ev->user_agent, U_UserAgent);
    FIELD(ev->app_id, U_AppId, U_ApplicationId);
    FIELD(ev->client_app_id, U_ClientAppId);
    FIELD(ev->session_id, U_SessionId, U_AADSessionId);
    /* One per request, like the record id: copied, not interned. */
    record_text(ctx, f, &ev->correlation_id, 2, (const int[]){U_CorrelationId, -1});
    struct m365_jv aac = m365_jnested(ctx, GET(U_AppAccessContext));
    /* SharePoint and OneDrive name the client (ApplicationDisplayName: "Microsoft Teams",
     * "WebExcel"); a name that is the id again names nothing. */
    FIELD(ev->app_name, U_ApplicationDisplayName);
    if (m365_jv_type(aac) == M365_J_OBJECT) {
        text_field(ctx, aac, &ev->token_id, 2, "UniqueTokenId", NULL); /* copied: see token_id */
        text_field(ctx, aac, &ev->client_app_id, 0, "ClientAppId", NULL);
        text_field(ctx, aac, &ev->session_id, 0, "AADSessionId", NULL);
    }
    if (ev->app_name && m365_is_guid(ev->app_name, strlen(ev->app_name))) {
        ev->app_name = NULL;
    }

    /* Name/value lists. */
    each_name_value(ctx, GET(U_ExtendedProperties), add_extra);
    each_name_value(ctx, GET(U_DeviceProperties), add_extra);
    if (rt == 15 && !ev->session_id) {
        /* An Entra sign-in names its session in DeviceProperties: the SessionId of the Exchange
         * records and the Graph sign-ins made in that session. */
        ev->session_id = m365_ev_find_extra(ctx, "SessionId");
    }
    each_name_value(ctx, GET(U_Parameters), add_param);
    if (rt != 50) {
        each_name_value(ctx, GET(U_OperationProperties), add_param);
    }
    if (!ev->user_agent) {
        ev->user_agent = m365_ev_find_extra(ctx, "UserAgent");
    }
    ev->kind = (uint8_t)kind_for(rt, ev->workload, ev->operation,
                                 m365_jv_type(GET(U_Parameters)) != M365_J_ABSENT);
    m365_ev_add_client_name(ctx);

    /* Result. UserLoginFailed keeps ResultStatus "Success": the operation says it failed. */
    int64_t code = 0;
    if (m365_jint(ctx, GET(U_ErrorNumber), &code)) {
        ev->error_code = (int32_t)code;
    }
    FIELD(ev->result_detail, U_LogonError, U_ResultReasonType, U_ResultStatus);
    if (ev->operation && strcmp(ev->operation, "UserLoginFailed") == 0) {
        ev->result = m365_entra_code_is_interrupt(code) ? M365_RESULT_INTERRUPTED
                                                        : M365_RESULT_FAILURE;
    } else if (ev->operation && strcmp(ev->operation, "UserLoggedIn") == 0) {
        ev->result = M365_RESULT_SUCCESS;
    } else if (m365_jtext(ctx, GET(U_ResultStatus), &s, &len)) {
        if (m365_ieqn(s, len, "Success") || m365_ieqn(s, len, "Succeeded") ||
            m365_ieqn(s, len, "True") || m365_ieqn(s, len, "PartiallySucceeded")) {
            ev->result = M365_RESULT_SUCCESS;
        } else if (m365_ieqn(s, len, "Failed") || m365_ieqn(s, len, "Failure") ||
                   m365_ieqn(s, len, "False")) {
            ev->result = M365_RESULT_FAILURE;
        }
    }

    /* Sign-ins: the client is ApplicationId, the resource the ObjectId / first target. */
    struct ident target;
    read_idents(ctx, GET(U_Target), &target);
    const char *objid = NULL;
    size_t objid_l = 0;
    m365_jtext(ctx, GET(U_ObjectId, U_OfficeObjectId), &objid, &objid_l);
    if (ev->kind == M365_EV_SIGNIN) {
        if (objid && m365_is_guid(objid, objid_l)) {
            ev->resource_id = m365_ev_intern_lower(ctx, objid, objid_l);
        } else if (target.id) {
            ev->resource_id = m365_ev_intern_lower(ctx, target.id, target.id_l);
        }
        ev->actor_type = M365_ACTOR_USER;
    } else if (target.cls || target.id || target.name || target.upn) {
        const char *tupn = target.upn;
        size_t tupn_l = target.upn_l;
        if (!tupn && objid && memchr(objid, '@', objid_l)) {
            tupn = objid;
            tupn_l = objid_l;
        }
        m365_ev_add_target(ctx, target.cls, target.cls_l, target.id, target.id_l, target.name,
                           target.name_l, tupn, tupn_l);
        if (target.spn) {
            m365_ev_add_extra(ctx, "TargetAppId", 11, target.spn, target.spn_l);
        }
    } else if (objid) {
        m365_ev_add_target(ctx, NULL, 0, objid, objid_l, NULL, 0,
                           memchr(objid, '@', objid_l) ? objid : NULL, objid_l);
    }
    if (objid) {
        m365_ev_add_extra(ctx, "ObjectId", 8, objid, objid_l);
    }

    /* Modified properties belong to the (single) target of a UAL directory record. */
    struct m365_jv mods = m365_jnested(ctx, GET(U_ModifiedProperties));
    struct m365_jit it;
    struct m365_jv el;
    m365_jv_iter(mods, &it);
    uint32_t tgt = m365_ev_target_count(ctx) ? 0 : UINT32_MAX;
    while (m365_jit_next(&it, NULL, NULL, &el)) {
        const char *n, *o = NULL, *nv = NULL;
        size_t nl, ol = 0, nvl = 0;
        if (!m365_jtext(ctx, m365_jget(el, "Name", NULL), &n, &nl)) {
            continue;
        }
        m365_jtext(ctx, m365_jget(el, "OldValue", NULL), &o, &ol);
        m365_jtext(ctx, m365_jget(el, "NewValue", NULL), &nv, &nvl);
        m365_ev_add_prop(ctx, tgt, n, nl, o, ol, nv, nvl);
    }

    if (ev->kind == M365_EV_MAIL_ACCESS || ev->kind == M365_EV_MAILBOX_ITEM ||
        m365_jv_type(GET(U_MailboxOwnerUPN)) != M365_J_ABSENT) {
        mail_fields(ctx, f);
    }
    m365_ev_commit(ctx, raw, raw_len);
}
