/* Unified Audit Log records (Management Activity API / Purview AuditData), and the same records
 * as Log Analytics OfficeActivity rows (FL_OFFICE: renamed columns, names for enumerations,
 * nested values as dynamic cells). Field order and spelling follow real exports. */
#include <stdio.h>

#include "sim.h"

struct ual {
    struct sim *s;
    const struct sim_ev *e;
    struct jw *w;
    bool off; /* OfficeActivity row */
    char id[37];
};

static const char *const folder_paths[] = {"\\Inbox",         "\\Sent Items",  "\\Calendar",
                                           "\\Archive",       "\\Drafts",      "\\Deleted Items",
                                           "\\Inbox\\Alerts", "\\Inbox\\Board"};

static const char *server(const struct sim *s, uint64_t k)
{
    static const char *const nam[] = {
        "BN8PR05MB6609 (15.20.8489.011)", "SA1PR05MB8340 (15.20.8511.008)",
        "CH3PR05MB7781 (15.20.8489.011)", "MN2PR05MB7021 (15.20.8489.011)"};
    static const char *const eur[] = {
        "AM0PR07MB5763 (15.20.8489.011)", "DB9PR01MB7354 (15.20.8511.008)",
        "PA4PR01MB7390 (15.20.8489.011)", "VI1PR01MB6109 (15.20.8489.011)"};
    static const char *const apc[] = {
        "SY4PR01MB6190 (15.20.8489.011)", "ME3PR01MB7512 (15.20.8511.008)",
        "SY5PR01MB9132 (15.20.8489.011)", "ME0PR01MB6331 (15.20.8489.011)"};
    int off = s->tenant.utc_offset;
    const char *const *set = off >= 8 ? apc : off >= -1 ? eur : nam;
    return set[k % 4];
}

static const char *mail_domain(const struct sim *s)
{
    int off = s->tenant.utc_offset;
    return off >= 8    ? "ausprd01.prod.outlook.com"
           : off >= -1 ? "eurprd07.prod.outlook.com"
                       : "namprd05.prod.outlook.com";
}

static void key(struct ual *u, const char *ual_name, const char *office_name)
{
    jw_key(u->w, u->off ? office_name : ual_name);
}

static void ks(struct ual *u, const char *ual_name, const char *office_name, const char *v)
{
    key(u, ual_name, office_name);
    jw_str(u->w, v);
}

/* The envelope every UAL record starts with. */
static void head(struct ual *u, const char *op, int rt, const char *rt_name, const char *status,
                 const char *user_key, int user_type, const char *workload)
{
    struct jw *w = u->w;
    struct sim *s = u->s;
    const struct sim_ev *e = u->e;
    static const char *const ut_names[] = {"Regular", "Reserved", "Admin", "DcAdmin", "System"};
    if (u->off) {
        jw_ks(w, "TenantId", s->tenant.workspace);
        jw_ks(w, "SourceSystem", "OfficeActivityManager");
        jw_kt(w, "TimeGenerated", e->t, TF_Z3, 0);
        jw_ks(w, "RecordType", rt_name);
        jw_ks(w, "Operation", op);
        jw_ks(w, "OrganizationId", s->tenant.id);
        jw_ks(w, "UserType", user_type >= 0 && user_type < 5 ? ut_names[user_type] : "Regular");
        jw_ks(w, "UserKey", user_key);
        jw_ks(w, "OfficeWorkload", workload);
        if (status) {
            jw_ks(w, "ResultStatus", status);
        }
        jw_ks(w, "OfficeId", u->id);
        jw_ks(w, "SourceRecordId", u->id);
        jw_kt(w, "Start_Time", e->t, TF_Z3, 0);
        jw_ks(w, "OfficeTenantId", s->tenant.id);
        jw_ks(w, "Type", "OfficeActivity");
        return;
    }
    jw_kt(w, "CreationTime", e->t, TF_UAL, 0);
    jw_ks(w, "Id", u->id);
    jw_ks(w, "Operation", op);
    jw_ks(w, "OrganizationId", s->tenant.id);
    jw_ki(w, "RecordType", rt);
    if (status) {
        jw_ks(w, "ResultStatus", status);
    }
    jw_ks(w, "UserKey", user_key);
    jw_ki(w, "UserType", user_type);
    jw_ki(w, "Version", 1);
    jw_ks(w, "Workload", workload);
}

static void name_value(struct jw *w, const char *n, const char *v)
{
    jw_obj(w);
    jw_ks(w, "Name", n);
    jw_ks(w, "Value", v);
    jw_end(w);
}

static void folder_id(struct sbuf *b, const struct sim_user *o, unsigned f)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint64_t h = o->key ^ (f * 0x9e3779b97f4a7c15ull);
    SB_LIT(b, "LgAAAAB");
    for (int i = 0; i < 46; i++) {
        if (i % 10 == 0) {
            h = sim_mix64(h + (uint64_t)i);
        }
        sb_putc(b, b64[(h >> (6 * (i % 10))) & 63]);
    }
    SB_LIT(b, "AAAB");
}

static void message_id(struct sbuf *b, const struct sim *s, uint64_t k)
{
    char hex[33];
    sim_hex(k, hex, 32, true);
    const char *srv = server(s, k >> 7);
    size_t sl = strcspn(srv, " ");
    sb_putc(b, '<');
    sb_put(b, srv, sl);
    sb_put(b, hex, 24);
    sb_putc(b, '@');
    sb_put(b, srv, sl);
    sb_putc(b, '.');
    sb_puts(b, mail_domain(s));
    sb_putc(b, '>');
}

static void folders(struct ual *u, const struct sim_user *owner, unsigned *count)
{
    struct jw *w = u->w;
    const struct sim_ev *e = u->e;
    struct sbuf tmp = {0};
    *count = 0;
    jw_arr(w);
    uint64_t k = e->rnd;
    for (unsigned f = 0; f < 8; f++) {
        if (!(e->folders & (1u << f))) {
            continue;
        }
        jw_obj(w);
        if (e->bind) {
            jw_key(w, "FolderItems");
            jw_arr(w);
            for (unsigned i = 0; i < e->items; i++) {
                k = sim_mix64(k + i + 1);
                jw_obj(w);
                tmp.len = 0;
                message_id(&tmp, u->s, k);
                jw_key(w, "InternetMessageId");
                jw_strn(w, tmp.p, tmp.len);
                jw_ki(w, "SizeInBytes", 20000 + (int64_t)(k % 2400000));
                jw_end(w);
                (*count)++;
            }
            jw_end(w);
        } else {
            (*count)++;
        }
        tmp.len = 0;
        folder_id(&tmp, owner, f);
        jw_key(w, "Id");
        jw_strn(w, tmp.p, tmp.len);
        jw_ks(w, "Path", folder_paths[f]);
        jw_end(w);
    }
    jw_end(w);
    sb_free(&tmp);
}

static const char *client_info(uint8_t c)
{
    switch (c) {
    case MC_RPC: return "Client=MSExchangeRPC";
    case MC_OWA: return "Client=OWA;Action=ViaProxy";
    case MC_IOS: return "Client=OutlookService;Outlook-iOS/2.0;";
    case MC_ANDROID: return "Client=OutlookService;Outlook-Android/2.0;";
    case MC_REST: return "Client=REST;Client=RESTSystem;;";
    default: return "Client=WebServices;ExchangeWebServices/15.0;";
    }
}

static void app_access_context(struct ual *u)
{
    const struct sim_ev *e = u->e;
    struct jw *w = u->w;
    if (u->off || !e->tok) {
        return;
    }
    jw_key(w, "AppAccessContext");
    jw_obj(w);
    if (e->key) {
        jw_kg(w, "AADSessionId", e->key);
    }
    if (e->app2 != SIM_NONE) {
        jw_ks(w, "ClientAppId", u->s->apps[e->app2].id);
    }
    if (e->t2) {
        jw_kt(w, "IssuedAtTime", e->t2, TF_UAL, 0);
    }
    jw_key(w, "UniqueTokenId");
    jw_token(w, e->tok);
    jw_end(w);
}

static void mailbox_common(struct ual *u, const struct sim_user *actor,
                           const struct sim_user *owner, uint8_t logon)
{
    struct jw *w = u->w;
    static const char *const logons[] = {"Owner", "Admin", "Delegate"};
    key(u, "ExternalAccess", "ExternalAccess");
    jw_bool(w, false);
    jw_ki(w, "InternalLogonType", logon == 2 ? 0 : logon);
    key(u, "LogonType", "Logon_Type");
    if (u->off) {
        jw_str(w, logons[logon < 3 ? logon : 0]);
    } else {
        jw_int(w, logon);
    }
    jw_ks(w, "LogonUserSid", actor->sid);
    jw_ks(w, "MailboxGuid", owner->mbx);
    jw_ks(w, "MailboxOwnerSid", owner->sid);
    jw_ks(w, "MailboxOwnerUPN", owner->upn);
}

static void render_mail(struct ual *u, struct sim_rendered *out)
{
    struct jw *w = u->w;
    struct sim *s = u->s;
    const struct sim_ev *e = u->e;
    const struct sim_user *owner = &s->users[e->owner];
    const struct sim_user *actor = e->user < s->n_users ? &s->users[e->user] : owner;
    app_access_context(u);
    head(u, "MailItemsAccessed", 50, "50", "Succeeded", actor->puid, 0, "Exchange");
    jw_ks(w, "UserId", actor->upn);
    if (e->app != SIM_NONE) {
        jw_ks(w, "AppId", s->apps[e->app].id);
    }
    if (e->app2 != SIM_NONE) {
        jw_ks(w, "ClientAppId", s->apps[e->app2].id);
    }
    ks(u, "ClientIPAddress", "Client_IPAddress", s->ips[e->ip].addr);
    jw_ks(w, "ClientInfoString", client_info(e->client));
    mailbox_common(u, actor, owner, e->logon);
    key(u, "OperationProperties", "OperationProperties");
    jw_arr(w);
    name_value(w, "MailAccessType", e->bind ? "Bind" : "Sync");
    name_value(w, "IsThrottled", "False");
    jw_end(w);
    jw_ks(w, "OrganizationName", s->tenant.domain);
    jw_key(w, "OriginatingServer");
    char srv[64];
    snprintf(srv, sizeof(srv), "%s\r\n", server(s, e->rnd));
    jw_str(w, srv);
    if (e->sess) {
        jw_kg(w, "SessionId", e->sess);
    }
    if (!u->off && e->res != SIM_NONE) {
        jw_ks(w, "TokenObjectId", s->apps[e->res].sp);
        jw_ks(w, "TokenTenantId", s->tenant.id);
    } else if (!u->off && e->logon == 1 && e->user < s->n_users) {
        jw_ks(w, "TokenObjectId", actor->id);
        jw_ks(w, "TokenTenantId", s->tenant.id);
    }
    unsigned n;
    jw_key(w, "Folders");
    folders(u, owner, &n);
    if (!u->off) {
        jw_ki(w, "OperationCount", n);
    }
    out->user = actor->upn;
    out->record_type = 50;
    out->op = "MailItemsAccessed";
}

static void render_item(struct ual *u, struct sim_rendered *out)
{
    struct jw *w = u->w;
    struct sim *s = u->s;
    const struct sim_ev *e = u->e;
    const struct sim_item *it = e->rich;
    const struct sim_user *owner = &s->users[e->owner];
    const struct sim_user *actor = &s->users[e->user];
    head(u, it->op, 2, "ExchangeItem", "Succeeded", actor->puid, 0, "Exchange");
    ks(u, "ClientIP", "ClientIP", s->ips[e->ip].addr);
    jw_ks(w, "UserId", actor->upn);
    if (e->client == MC_OWA) {
        jw_ks(w, "AppId", s->apps[A_EXO].id);
    }
    ks(u, "ClientIPAddress", "Client_IPAddress", s->ips[e->ip].addr);
    jw_ks(w, "ClientInfoString", client_info(e->client));
    mailbox_common(u, actor, owner, e->logon);
    if (it->n_props) {
        key(u, "OperationProperties", "OperationProperties");
        jw_arr(w);
        for (unsigned i = 0; i < it->n_props; i++) {
            name_value(w, it->props[i].name, it->props[i].value);
        }
        jw_end(w);
    }
    jw_ks(w, "OrganizationName", s->tenant.domain);
    jw_key(w, "OriginatingServer");
    char srv[64];
    snprintf(srv, sizeof(srv), "%s\r\n", server(s, e->rnd));
    jw_str(w, srv);
    struct sbuf tmp = {0};
    bool send = strcmp(it->op, "Send") == 0;
    unsigned fi = strcmp(it->folder, "\\Sent Items") == 0 ? 1 : 0;
    if (send || it->n_props) {
        jw_key(w, "Item");
        jw_obj(w);
        jw_kg(w, "Id", e->rnd ^ 0x17);
        if (send) {
            tmp.len = 0;
            message_id(&tmp, s, e->rnd);
            jw_key(w, "InternetMessageId");
            jw_strn(w, tmp.p, tmp.len);
        }
        jw_key(w, "ParentFolder");
        jw_obj(w);
        tmp.len = 0;
        folder_id(&tmp, owner, fi);
        jw_key(w, "Id");
        jw_strn(w, tmp.p, tmp.len);
        jw_ks(w, "Path", it->folder);
        jw_end(w);
        if (send) {
            jw_ki(w, "SizeInBytes", 8000 + (int64_t)(e->rnd % 900000));
            jw_ks(w, "Subject", it->subject);
        }
        jw_end(w);
    } else {
        jw_key(w, "AffectedItems");
        jw_arr(w);
        jw_obj(w);
        jw_kg(w, "Id", e->rnd ^ 0x29);
        tmp.len = 0;
        message_id(&tmp, s, e->rnd);
        jw_key(w, "InternetMessageId");
        jw_strn(w, tmp.p, tmp.len);
        jw_key(w, "ParentFolder");
        jw_obj(w);
        tmp.len = 0;
        folder_id(&tmp, owner, fi);
        jw_key(w, "Id");
        jw_strn(w, tmp.p, tmp.len);
        jw_ks(w, "Path", it->folder);
        jw_end(w);
        jw_ks(w, "Subject", it->subject);
        jw_end(w);
        jw_end(w);
        jw_key(w, "Folder");
        jw_obj(w);
        tmp.len = 0;
        folder_id(&tmp, owner, fi);
        jw_key(w, "Id");
        jw_strn(w, tmp.p, tmp.len);
        jw_ks(w, "Path", it->folder);
        jw_end(w);
    }
    sb_free(&tmp);
    out->user = actor->upn;
    out->record_type = 2;
    out->op = it->op;
}

#define SYSTEM_USER "NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)"

static void render_cmdlet(struct ual *u, struct sim_rendered *out)
{
    struct jw *w = u->w;
    struct sim *s = u->s;
    const struct sim_ev *e = u->e;
    const struct sim_cmdlet *c = e->rich;
    bool sys = c->user == SIM_NONE;
    const struct sim_user *us = sys ? NULL : &s->users[c->user];
    if (!u->off && e->tok) {
        jw_key(w, "AppAccessContext");
        jw_obj(w);
        if (e->t2) {
            jw_kt(w, "IssuedAtTime", e->t2, TF_UAL, 0);
        }
        jw_key(w, "UniqueTokenId");
        jw_token(w, e->tok);
        jw_end(w);
    }
    head(u, c->op, 1, "ExchangeAdmin", c->failed ? "False" : "True", sys ? SYSTEM_USER : us->puid,
         sys ? 3 : 2, "Exchange");
    if (c->ip != SIM_NONE) {
        char ipp[64];
        const char *a = s->ips[c->ip].addr;
        if (strchr(a, ':')) {
            snprintf(ipp, sizeof(ipp), "[%s]:%u", a, c->port);
        } else {
            snprintf(ipp, sizeof(ipp), "%s:%u", a, c->port);
        }
        jw_ks(w, "ClientIP", ipp);
    }
    ks(u, "ObjectId", "OfficeObjectId", c->object_id ? c->object_id : "");
    jw_ks(w, "UserId", sys ? SYSTEM_USER : us->upn);
    jw_ks(w, "AppId", c->app_id ? c->app_id : "");
    jw_ks(w, "ClientAppId", "");
    jw_kb(w, "ExternalAccess", sys);
    jw_ks(w, "OrganizationName", s->tenant.domain);
    jw_ks(w, "OriginatingServer", server(s, e->rnd));
    jw_key(w, "Parameters");
    jw_arr(w);
    for (unsigned i = 0; i < c->n_params; i++) {
        name_value(w, c->params[i].name, c->params[i].value);
    }
    jw_end(w);
    if (!sys && e->sess) {
        jw_kg(w, "SessionId", e->sess);
    }
    out->user = sys ? SYSTEM_USER : us->upn;
    out->record_type = 1;
    out->op = c->op;
}

static void render_file(struct ual *u, struct sim_rendered *out)
{
    static const char *const ops[FO__N] = {"FileAccessed", "FilePreviewed", "FileModified",
                                           "FileDownloaded", "FileUploaded"};
    static const char *const docs[] = {
        "Q3 Forecast.xlsx",          "Board Deck.pptx",    "Roadmap 2026.docx",
        "Onboarding Checklist.docx", "Budget.xlsx",        "Contract Draft.docx",
        "Customer List.xlsx",        "Architecture.vsdx",  "Meeting Notes.docx",
        "Travel Policy.pdf",         "Pricing.xlsx",       "Incident Runbook.docx",
        "Sales Pipeline.xlsx",       "Design Review.pptx", "Handbook.pdf"};
    struct jw *w = u->w;
    struct sim *s = u->s;
    const struct sim_ev *e = u->e;
    const struct sim_user *us = &s->users[e->user];
    bool od = e->bind != 0;
    const char *doc = docs[e->items % (sizeof(docs) / sizeof(docs[0]))];
    const char *ext = strrchr(doc, '.') + 1;
    size_t pl = strcspn(s->tenant.domain, ".");
    char site[256], rel[64], obj[512], ukey[64];
    if (od) {
        char who[96];
        snprintf(who, sizeof(who), "%s", us->upn);
        for (char *p = who; *p; p++) {
            if (*p == '.' || *p == '@') {
                *p = '_';
            }
        }
        snprintf(site, sizeof(site), "https://%.*s-my.sharepoint.com/personal/%s/", (int)pl,
                 s->tenant.domain, who);
        snprintf(rel, sizeof(rel), "Documents");
    } else {
        snprintf(site, sizeof(site), "https://%.*s.sharepoint.com/sites/%s/", (int)pl,
                 s->tenant.domain, us->dept ? us->dept : "Intranet");
        for (char *p = site + 8; *p; p++) {
            if (*p == ' ') {
                *p = '-';
            }
        }
        snprintf(rel, sizeof(rel), "Shared Documents");
    }
    snprintf(obj, sizeof(obj), "%s%s/%s", site, rel, doc);
    char lower_puid[17];
    for (int i = 0; i < 17; i++) {
        char c = us->puid[i];
        lower_puid[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    snprintf(ukey, sizeof(ukey), "i:0h.f|membership|%s@live.com", lower_puid);
    const char *workload = od ? "OneDrive" : "SharePoint";
    head(u, ops[e->op % FO__N], 6, "SharePointFileOperation", NULL, ukey, 0, workload);
    jw_ks(w, "ClientIP", s->ips[e->ip].addr);
    ks(u, "ObjectId", "OfficeObjectId", obj);
    jw_ks(w, "UserId", us->upn);
    const struct sim_devinfo *dv = &sim_devices[us->desk];
    /* Stable per site and document: the same file keeps its ids from record to record. */
    uint64_t site_key =
        od ? sim_mix64(us->key ^ 0x6f6e6564ull) : sim_mix64(s->tenant.key ^ sim_str_hash(us->dept));
    uint64_t doc_key = sim_mix64(site_key + e->items);
    if (!u->off) {
        jw_ks(w, "AuthenticationType", "OAuth");
        jw_ks(w, "BrowserName", dv->browser);
        jw_ks(w, "BrowserVersion", "");
        jw_kg(w, "CorrelationId", e->rnd ^ 0x61);
    }
    jw_ks(w, "EventSource", "SharePoint");
    if (!u->off) {
        jw_kb(w, "IsManagedDevice", false);
    }
    jw_ks(w, "ItemType", "File");
    if (!u->off) {
        jw_kg(w, "ListId", site_key ^ 0x11);
        jw_kg(w, "ListItemUniqueId", doc_key);
        jw_ks(w, "Platform", strncmp(dv->os, "Mac", 3) == 0 ? "MacOSX" : "WinDesktop");
        jw_kg(w, "Site", site_key);
    } else {
        jw_ks(w, "Site_", "");
    }
    jw_ks(w, "UserAgent", dv->ua);
    if (!u->off) {
        jw_kg(w, "WebId", site_key ^ 0x22);
        jw_ki(w, "FileSizeBytes", 12000 + (int64_t)(doc_key % 3000000));
        jw_kb(w, "HighPriorityMediaProcessing", false);
        jw_ki(w, "ListBaseType", 1);
        jw_ki(w, "ListServerTemplate", od ? 700 : 101);
    }
    jw_ks(w, "SourceFileExtension", ext);
    ks(u, "SiteUrl", "Site_Url", site);
    jw_ks(w, "SourceRelativeUrl", rel);
    jw_ks(w, "SourceFileName", doc);
    out->user = us->upn;
    out->record_type = 6;
    out->op = ops[e->op % FO__N];
}

static void render_teams(struct ual *u, struct sim_rendered *out)
{
    static const char *const ops[TO__N] = {"TeamsSessionStarted", "ChatCreated",
                                           "MessageCreatedHasLink"};
    struct jw *w = u->w;
    struct sim *s = u->s;
    const struct sim_ev *e = u->e;
    const struct sim_user *us = &s->users[e->user];
    const char *op = ops[e->op % TO__N];
    head(u, op, 25, "MicrosoftTeams", NULL, us->id, 0, "MicrosoftTeams");
    jw_ks(w, "ClientIP", s->ips[e->ip].addr);
    jw_ks(w, "UserId", us->upn);
    if (e->op != TO_SESSION) {
        char thread[96];
        char g[37];
        sim_guid(e->rnd ^ 0x7468726561ull, g); /* a thread, not the record's own id */
        snprintf(thread, sizeof(thread), "19:%s@unq.gbl.spaces", g);
        jw_ks(w, "ChatThreadId", thread);
        jw_ks(w, "CommunicationType", "OneOnOne");
        if (e->op == TO_LINK) {
            jw_ki(w, "MessageId", 1700000000000 + (int64_t)(e->rnd % 100000000000));
        }
    }
    if (!u->off) {
        jw_key(w, "ExtraProperties");
        jw_arr(w);
        jw_obj(w);
        jw_ks(w, "Key", "OsName");
        jw_ks(w, "Value", strncmp(sim_devices[us->desk].os, "Mac", 3) == 0 ? "macos" : "windows");
        jw_end(w);
        jw_obj(w);
        jw_ks(w, "Key", "ClientName");
        jw_ks(w, "Value", "skypeteams");
        jw_end(w);
        jw_end(w);
    }
    out->user = us->upn;
    out->record_type = 25;
    out->op = op;
}

/* UAL form of an Entra interactive sign-in (RecordType 15). */
static const char *logon_error(int32_t code)
{
    switch (code) {
    case 50126: return "InvalidUserNameOrPassword";
    case 50074: return "UserStrongAuthClientAuthNRequired";
    case 50079: return "UserStrongAuthEnrollmentRequired";
    case 500121: return "AuthenticationFailedSasError";
    case 50053: return "IdsLocked";
    case 50057: return "UserAccountDisabled";
    case 50034: return "UserAccountNotFound";
    case 53003: return "BlockedByConditionalAccess";
    case 65001: return "DelegationDoesNotExist";
    default: return "Other";
    }
}

static void render_signin(struct ual *u, struct sim_rendered *out)
{
    struct jw *w = u->w;
    struct sim *s = u->s;
    const struct sim_ev *e = u->e;
    const struct sim_user *us = &s->users[e->user];
    bool ok = e->err == 0 || e->err == 50140;
    const char *op = ok ? "UserLoggedIn" : "UserLoginFailed";
    head(u, op, 15, "AzureActiveDirectoryStsLogon", "Success", us->id, 0, "AzureActiveDirectory");
    const char *ip = s->ips[e->ip].addr;
    jw_ks(w, "ClientIP", ip);
    jw_ks(w, "ObjectId", s->apps[e->res].id);
    jw_ks(w, "UserId", us->upn);
    jw_ki(w, "AzureActiveDirectoryEventType", 1);
    jw_key(w, "ExtendedProperties");
    jw_arr(w);
    name_value(w, "ResultStatusDetail", ok ? "Success" : "Redirect");
    if (e->flags & EVF_KMSI) {
        name_value(w, "KeepMeSignedIn", "true");
    }
    name_value(w, "UserAgent", sim_devices[e->dev].ua);
    name_value(w, "UserAuthenticationMethod", e->auth == AU_MFA || e->auth == AU_TAP ? "2" : "1");
    name_value(w, "RequestType",
               e->client == SC_BROWSER ? "Login:login"
               : e->client == SC_ROPC || e->client == SC_SMTP || e->client == SC_IMAP
                   ? "OAuth2:Token"
                   : "OAuth2:Authorize");
    jw_end(w);
    jw_key(w, "ModifiedProperties");
    jw_arr(w);
    jw_end(w);
    jw_key(w, "Actor");
    jw_arr(w);
    jw_obj(w);
    jw_ks(w, "ID", us->id);
    jw_ki(w, "Type", 0);
    jw_end(w);
    jw_obj(w);
    jw_ks(w, "ID", us->upn);
    jw_ki(w, "Type", 5);
    jw_end(w);
    jw_end(w);
    jw_ks(w, "ActorContextId", s->tenant.id);
    jw_ks(w, "ActorIpAddress", ip);
    jw_kg(w, "InterSystemsId", e->corr);
    jw_kg(w, "IntraSystemId", e->rnd ^ 0x33);
    jw_ks(w, "SupportTicketId", "");
    jw_key(w, "Target");
    jw_arr(w);
    jw_obj(w);
    jw_ks(w, "ID", s->apps[e->res].id);
    jw_ki(w, "Type", 0);
    jw_end(w);
    jw_end(w);
    jw_ks(w, "TargetContextId", s->tenant.id);
    jw_ks(w, "ApplicationId", s->apps[e->app].id);
    jw_key(w, "DeviceProperties");
    jw_arr(w);
    const struct sim_devinfo *dv = &sim_devices[e->dev];
    if (dv->os[0]) {
        name_value(w, "OS", dv->os);
    }
    if (dv->browser[0]) {
        char br[32];
        snprintf(br, sizeof(br), "%.*s", (int)strcspn(dv->browser, " "), dv->browser);
        name_value(w, "BrowserType", br);
    }
    name_value(w, "IsCompliantAndManaged", "False");
    if (e->sess) {
        char g[37];
        sim_guid(e->sess, g);
        name_value(w, "SessionId", g);
    }
    jw_end(w);
    char num[16];
    snprintf(num, sizeof(num), "%d", (int)e->err);
    jw_ks(w, "ErrorNumber", num);
    if (!ok) {
        jw_ks(w, "LogonError", logon_error(e->err));
    }
    out->user = us->upn;
    out->record_type = 15;
    out->op = op;
}

/* UAL form of an Entra directory audit (RecordType 8). */
static void actor_ids(struct ual *u, const struct sim_audit *a)
{
    struct jw *w = u->w;
    struct sim *s = u->s;
    char tmp[128];
    jw_key(w, "Actor");
    jw_arr(w);
#define ID(v, t)                                                                                   \
    do {                                                                                           \
        jw_obj(w);                                                                                 \
        jw_ks(w, "ID", v);                                                                         \
        jw_ki(w, "Type", t);                                                                       \
        jw_end(w);                                                                                 \
    } while (0)
    if (a->actor_user != SIM_NONE) {
        const struct sim_user *us = &s->users[a->actor_user];
        ID(us->upn, 5);
        ID(us->puid, 3);
        if (a->ests) {
            ID("Azure ESTS Service", 1);
            ID("00000001-0000-0000-c000-000000000000", 2);
        }
        snprintf(tmp, sizeof(tmp), "User_%s", us->id);
        ID(tmp, 2);
        ID(us->id, 2);
        ID("User", 2);
    } else if (a->actor_app != SIM_NONE) {
        const struct sim_app *ap = &s->apps[a->actor_app];
        ID(ap->name, 1);
        ID(ap->id, 2);
        snprintf(tmp, sizeof(tmp), "ServicePrincipal_%s", ap->sp);
        ID(tmp, 2);
        ID(ap->sp, 2);
        ID("ServicePrincipal", 2);
    }
    jw_end(w);
    jw_ks(w, "ActorContextId", s->tenant.id);
    if (a->ip != SIM_NONE) {
        jw_ks(w, "ActorIpAddress", s->ips[a->ip].addr);
    }
    jw_kg(w, "InterSystemsId", u->e->corr);
    jw_kg(w, "IntraSystemId", u->e->rnd ^ 0x44);
    jw_ks(w, "SupportTicketId", "");
    jw_key(w, "Target");
    jw_arr(w);
    const struct sim_target *t = &a->targets[0];
    if (a->n_targets && t->type) {
        if (strcmp(t->type, "User") == 0 || strcmp(t->type, "ServicePrincipal") == 0 ||
            strcmp(t->type, "Application") == 0 || strcmp(t->type, "Group") == 0) {
            snprintf(tmp, sizeof(tmp), "%s_%s", t->type, t->id);
            ID(tmp, 2);
            ID(t->id, 2);
            ID(t->type, 2);
            if (t->upn) {
                ID(t->upn, 5);
            }
            if (t->puid) {
                ID(t->puid, 3);
            }
            if (t->name) {
                ID(t->name, 1);
            }
            if (t->app_id) {
                ID(t->app_id, 2);
                ID(t->app_id, 4);
            }
        } else {
            ID(t->name ? t->name : t->id, 1);
        }
    }
    jw_end(w);
#undef ID
    jw_ks(w, "TargetContextId", s->tenant.id);
}

static void render_audit(struct ual *u, struct sim_rendered *out)
{
    struct jw *w = u->w;
    struct sim *s = u->s;
    const struct sim_ev *e = u->e;
    const struct sim_audit *a = e->rich;
    bool app_actor = a->actor_user == SIM_NONE;
    const struct sim_user *us = app_actor ? NULL : &s->users[a->actor_user];
    char ukey[96], uid[96];
    if (app_actor) {
        snprintf(ukey, sizeof(ukey), "Not Available");
        snprintf(uid, sizeof(uid), "ServicePrincipal_%s",
                 a->actor_app != SIM_NONE ? s->apps[a->actor_app].sp : "");
    } else {
        snprintf(ukey, sizeof(ukey), "%s@%s", us->puid, s->tenant.domain);
        snprintf(uid, sizeof(uid), "%s", us->upn);
    }
    head(u, a->ual_op, 8, "AzureActiveDirectory", a->failure ? "Failure" : "Success", ukey,
         app_actor ? 4 : 0, "AzureActiveDirectory");
    if (a->ip != SIM_NONE) {
        jw_ks(w, "ClientIP", s->ips[a->ip].addr);
    }
    jw_ks(w, "ObjectId", a->object_id ? a->object_id : "");
    jw_ks(w, "UserId", uid);
    jw_ki(w, "AzureActiveDirectoryEventType", 1);
    /* additionalDetails: a JSON object held in a string. */
    struct sbuf det = {0};
    sb_putc(&det, '{');
    bool first = true;
#define DET(k, v)                                                                                  \
    do {                                                                                           \
        if (!first) {                                                                              \
            sb_putc(&det, ',');                                                                    \
        }                                                                                          \
        first = false;                                                                             \
        SB_LIT(&det, "\"" k "\":\"");                                                              \
        sb_json_esc(&det, (v), strlen(v));                                                         \
        sb_putc(&det, '"');                                                                        \
    } while (0)
    if (a->ua) {
        DET("User-Agent", a->ua);
    }
    if (a->app_detail) {
        DET("AppId", a->app_detail);
    }
    if (a->n_targets && a->targets[0].type && strcmp(a->targets[0].type, "User") == 0) {
        DET("UserType", "Member");
    }
#undef DET
    sb_putc(&det, '}');
    jw_key(w, "ExtendedProperties");
    jw_arr(w);
    jw_obj(w);
    jw_ks(w, "Name", "additionalDetails");
    jw_key(w, "Value");
    jw_strn(w, det.p ? det.p : "{}", det.p ? det.len : 2);
    jw_end(w);
    name_value(w, "extendedAuditEventCategory", a->ual_class);
    jw_end(w);
    sb_free(&det);
    jw_key(w, "ModifiedProperties");
    jw_arr(w);
    struct sbuf pretty = {0};
    for (unsigned ti = 0; ti < a->n_targets; ti++) {
        const struct sim_target *t = &a->targets[ti];
        for (unsigned i = 0; i < t->n_props; i++) {
            const struct sim_prop *p = &t->props[i];
            jw_obj(w);
            jw_ks(w, "Name", p->name);
            jw_key(w, "NewValue");
            if (p->json && p->new_v) {
                pretty.len = 0;
                sb_pretty(&pretty, p->new_v, strlen(p->new_v));
                jw_strn(w, pretty.p ? pretty.p : "", pretty.len);
            } else {
                jw_str(w, p->new_v ? p->new_v : "");
            }
            jw_key(w, "OldValue");
            if (p->json && p->old_v) {
                pretty.len = 0;
                sb_pretty(&pretty, p->old_v, strlen(p->old_v));
                jw_strn(w, pretty.p ? pretty.p : "", pretty.len);
            } else {
                jw_str(w, p->old_v ? p->old_v : "");
            }
            jw_end(w);
        }
    }
    sb_free(&pretty);
    jw_end(w);
    actor_ids(u, a);
    snprintf(out->user_buf, sizeof(out->user_buf), "%s", uid);
    out->user = out->user_buf;
    out->record_type = 8;
    out->op = a->ual_op;
}

bool sim_render_ual(struct sim *s, const struct sim_ev *e, struct jw *w, enum sim_flavour fl,
                    struct sim_rendered *out)
{
    struct ual u = {s, e, w, fl == FL_OFFICE, {0}};
    if (e->type == EV_AUDIT && !((const struct sim_audit *)e->rich)->ual_op) {
        return false;
    }
    if (e->type == EV_SIGNIN && (!(e->flags & EVF_INTERACTIVE) || (e->flags & EVF_SP))) {
        return false;
    }
    if (u.off && (e->type == EV_SIGNIN || e->type == EV_AUDIT)) {
        return false; /* OfficeActivity carries Exchange, SharePoint and Teams only */
    }
    sim_guid(e->rnd, u.id);
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", u.id);
    out->t = sim_time_as_written(e->t, u.off ? TF_Z3 : TF_UAL);
    jw_obj(w);
    switch (e->type) {
    case EV_MAIL: render_mail(&u, out); break;
    case EV_ITEM: render_item(&u, out); break;
    case EV_CMDLET: render_cmdlet(&u, out); break;
    case EV_FILE: render_file(&u, out); break;
    case EV_TEAMS: render_teams(&u, out); break;
    case EV_SIGNIN: render_signin(&u, out); break;
    case EV_AUDIT: render_audit(&u, out); break;
    default: break;
    }
    jw_end(w);
    return true;
}
