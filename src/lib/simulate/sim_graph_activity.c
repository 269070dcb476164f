/* Microsoft Graph activity logs (MicrosoftGraphActivityLogs): one record per Graph API request,
 * as an Azure Monitor diagnostic record (FL_AZMON) or a Log Analytics row (FL_LA). They are not
 * events of their own: a mail read made through Graph (Client=REST) is also a Graph request,
 * and a successful sign-in whose resource is Microsoft Graph makes one request with its token.
 * The Graph log has no tie to a mailbox's auditing, so a read is written here whether or not
 * MailItemsAccessed records it: the point of the log after Midnight Blizzard. */
#include <stdio.h>

#include "sim.h"

bool sim_graph_activity_of(const struct sim *s, const struct sim_ev *e)
{
    if (e->type == EV_MAIL) {
        return e->client == MC_REST && e->owner < s->n_users && e->ip != SIM_NONE;
    }
    if (e->type == EV_SIGNIN) {
        return e->err == 0 && e->res == A_GRAPH && e->ip != SIM_NONE &&
               ((e->flags & EVF_SP) ? e->app < s->n_apps : e->user < s->n_users);
    }
    return false;
}

struct req {
    char uri[256];
    const char *ua, *scopes, *roles;
    uint16_t client;  /* the calling application */
    uint32_t user;    /* the signed-in user, SIM_NONE for an app-only token */
    uint16_t sp;      /* the calling service principal (app-only) */
    uint64_t tok;     /* the token's sign-in (0: none) */
    int64_t t;        /* when the request was made */
    unsigned bytes;   /* response size */
};

static const char *const user_uris[] = {
    "https://graph.microsoft.com/v1.0/me",
    "https://graph.microsoft.com/v1.0/me/photo/$value",
    "https://graph.microsoft.com/beta/me/profile",
    "https://graph.microsoft.com/v1.0/me/memberOf?$select=id,displayName",
    "https://graph.microsoft.com/v1.0/me/drive/recent",
    "https://graph.microsoft.com/v1.0/me/calendar/events?$top=10",
};

static const char *app_ua(const struct sim *s, uint16_t app)
{
    if (app == A_BACKUP) {
        return "BackupService/5.4 Microsoft.Graph.Core/3.1.3";
    }
    if (app == A_GRAPH_CLI) {
        return "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) "
               "PowerShell/7.4.1";
    }
    if (app < s->n_apps && s->apps[app].kind == APPK_ATTACKER) {
        return "python-requests/2.31.0";
    }
    return "Microsoft.Graph.Core/3.1.3 (.NET 8.0.1)";
}

/* What the request was: who made it, with which token, for which URI. */
static void request_of(const struct sim *s, const struct sim_ev *e, struct req *q)
{
    memset(q, 0, sizeof(*q));
    q->user = SIM_NONE;
    q->sp = SIM_NONE;
    q->tok = e->tok;
    q->bytes = 900 + (unsigned)(e->rnd % 60000);
    if (e->type == EV_SIGNIN) {
        q->t = e->t + 200 + (int64_t)((e->rnd >> 8) % 4000);
        q->client = e->app;
        if (e->flags & EVF_SP) {
            q->sp = e->app;
            q->roles = "User.Read.All Mail.Read";
            snprintf(q->uri, sizeof(q->uri),
                     "https://graph.microsoft.com/v1.0/users?$select=id,userPrincipalName,mail"
                     "&$top=%u",
                     e->app == A_PAYROLL ? 500u : 999u);
            q->ua = app_ua(s, e->app);
        } else {
            q->user = e->user;
            q->scopes = "User.Read Files.ReadWrite.All Calendars.Read Mail.ReadWrite";
            snprintf(q->uri, sizeof(q->uri), "%s",
                     user_uris[(e->rnd >> 24) % (sizeof(user_uris) / sizeof(user_uris[0]))]);
            q->ua = sim_devices[e->dev].ua;
        }
        return;
    }
    /* A mail read: app-only when the token is a service principal's (res), else the user's.
     * Its response holds the messages it read, 4 to 40 kB each with their bodies. */
    const struct sim_user *o = &s->users[e->owner];
    q->t = e->t;
    q->bytes = 600 + (e->items ? e->items : 1u) * (4000u + (unsigned)((e->rnd >> 40) % 36000));
    q->client = e->app2 != SIM_NONE ? e->app2 : e->app;
    static const char *const folders[] = {"inbox", "sentitems", "archive"};
    const char *folder = folders[(e->rnd >> 16) % 3];
    unsigned top = e->items > 10 ? 100u : 25u;
    if (e->res != SIM_NONE && e->res < s->n_apps) {
        q->sp = e->res;
        q->roles = "Mail.Read";
        if (e->res == A_BACKUP) { /* a backup enumerates by object id, page after page */
            snprintf(q->uri, sizeof(q->uri),
                     "https://graph.microsoft.com/v1.0/users/%s/mailFolders/%s/messages/delta"
                     "?$top=%u",
                     o->id, folder, top);
        } else {
            snprintf(q->uri, sizeof(q->uri),
                     "https://graph.microsoft.com/v1.0/users/%s/messages?$top=%u"
                     "&$select=subject,from,toRecipients,body,hasAttachments",
                     o->upn, top);
        }
    } else if (e->user == e->owner) {
        q->user = e->owner;
        q->scopes = "Mail.Read Mail.ReadWrite User.Read offline_access";
        snprintf(q->uri, sizeof(q->uri),
                 "https://graph.microsoft.com/v1.0/me/mailFolders('%s')/messages?$top=%u", folder,
                 top);
    } else {
        q->user = e->user;
        q->scopes = "Mail.Read Mail.Read.Shared User.Read";
        snprintf(q->uri, sizeof(q->uri),
                 "https://graph.microsoft.com/v1.0/users/%s/mailFolders/%s/messages?$top=%u",
                 o->upn, folder, top);
    }
    q->ua = app_ua(s, q->client);
}

bool sim_render_graph_activity(struct sim *s, const struct sim_ev *e, struct jw *w,
                               enum sim_flavour fl, struct sim_rendered *out)
{
    if ((fl != FL_AZMON && fl != FL_LA) || !sim_graph_activity_of(s, e)) {
        return false;
    }
    struct req q;
    request_of(s, e, &q);
    const struct sim_ip *ip = &s->ips[e->ip];
    const struct sim_app *client = &s->apps[q.client < s->n_apps ? q.client : A_GRAPH];
    bool la = fl == FL_LA;
    unsigned sub = (unsigned)((e->rnd >> 20) % 10000);
    char req_id[37], op_id[37], client_req[37];
    sim_guid(e->rnd ^ 0x67726170686163ull, req_id);
    sim_guid(e->rnd ^ 0x6f7065726174ull, op_id);
    sim_guid(e->rnd ^ 0x636c69656e74ull, client_req);
    unsigned dur = 40 + (unsigned)((e->rnd >> 32) % 900);
    memset(out, 0, sizeof(*out));
    jw_obj(w);
    if (la) {
        jw_ks(w, "TenantId", s->tenant.workspace);
        jw_kt(w, "TimeGenerated", q.t, TF_Z3, 0);
        jw_ks(w, "Location", ip->geo.country);
    } else {
        char rid[96];
        snprintf(rid, sizeof(rid), "/TENANTS/%s/PROVIDERS/MICROSOFT.AADIAM", s->tenant.id);
        jw_kt(w, "time", q.t, TF_Z7, sub);
        jw_ks(w, "resourceId", rid);
        jw_ks(w, "operationName", "Microsoft Graph Activity");
        jw_ks(w, "operationVersion", "v1.0");
        jw_ks(w, "category", "MicrosoftGraphActivityLogs");
        jw_ks(w, "resultSignature", "200");
        char d[16];
        snprintf(d, sizeof(d), "%u", dur * 1000);
        jw_ks(w, "durationMs", d);
        jw_ks(w, "callerIpAddress", ip->addr);
        jw_ks(w, "correlationId", req_id);
        jw_ks(w, "level", "Informational");
        jw_ks(w, "location", ip->geo.country);
        jw_key(w, "properties");
        jw_obj(w);
        jw_kt(w, "timeGenerated", q.t, TF_Z7, sub);
        jw_ks(w, "location", ip->geo.country);
    }
    jw_key_fl(w, fl, "requestId", "RequestId");
    jw_str(w, req_id);
    jw_key_fl(w, fl, "operationId", "OperationId");
    jw_str(w, op_id);
    jw_key_fl(w, fl, "clientRequestId", "ClientRequestId");
    jw_str(w, client_req);
    jw_key_fl(w, fl, "apiVersion", "ApiVersion");
    jw_str(w, strstr(q.uri, "/beta/") ? "beta" : "v1.0");
    jw_key_fl(w, fl, "requestMethod", "RequestMethod");
    jw_str(w, "GET");
    jw_key_fl(w, fl, "responseStatusCode", "ResponseStatusCode");
    jw_int(w, 200);
    jw_key_fl(w, fl, "tenantId", "AadTenantId");
    jw_str(w, s->tenant.id);
    jw_key_fl(w, fl, "durationMs", "DurationMs");
    jw_int(w, dur * 1000);
    jw_key_fl(w, fl, "responseSizeBytes", "ResponseSizeBytes");
    jw_int(w, q.bytes);
    jw_key_fl(w, fl, "signInActivityId", "SignInActivityId");
    if (q.tok) {
        jw_token(w, q.tok);
    } else {
        jw_str(w, "");
    }
    jw_key_fl(w, fl, "roles", "Roles");
    jw_str(w, q.roles ? q.roles : "");
    jw_key_fl(w, fl, "tokenIssuedAt", "TokenIssuedAt");
    jw_time(w, e->t2 ? e->t2 : (e->type == EV_SIGNIN ? e->t : q.t - 600000), TF_Z7, 0);
    jw_key_fl(w, fl, "appId", "AppId");
    jw_str(w, client->id);
    jw_key_fl(w, fl, "userId", "UserId");
    jw_str(w, q.user != SIM_NONE ? s->users[q.user].id : "");
    jw_key_fl(w, fl, "servicePrincipalId", "ServicePrincipalId");
    jw_str(w, q.sp != SIM_NONE && q.sp < s->n_apps ? s->apps[q.sp].sp : "");
    jw_key_fl(w, fl, "scopes", "Scopes");
    jw_str(w, q.scopes ? q.scopes : "");
    jw_key_fl(w, fl, "identityProvider", "IdentityProvider");
    char idp[80];
    snprintf(idp, sizeof(idp), "https://sts.windows.net/%s/", s->tenant.id);
    jw_str(w, idp);
    jw_key_fl(w, fl, "clientAuthMethod", "ClientAuthMethod");
    jw_str(w, q.sp != SIM_NONE ? (e->cred ? "2" : "1") : "0");
    jw_key_fl(w, fl, "wids", "Wids");
    jw_str(w, q.sp != SIM_NONE ? "0997a1d0-0d1d-4acb-b408-d5ca73121e90"
                               : "b79fbf4d-3ef9-4689-8143-76b194e85509");
    jw_key_fl(w, fl, "ipAddress", "IPAddress");
    jw_str(w, ip->addr);
    jw_key_fl(w, fl, "userAgent", "UserAgent");
    jw_str(w, q.ua ? q.ua : "");
    jw_key_fl(w, fl, "requestUri", "RequestUri");
    jw_str(w, q.uri);
    if (q.user != SIM_NONE && e->sess) {
        jw_key_fl(w, fl, "sessionId", "SessionId");
        jw_guid(w, e->sess);
    }
    if (la) {
        jw_ks(w, "SourceSystem", "Azure AD");
        jw_ks(w, "Type", "MicrosoftGraphActivityLogs");
    } else {
        jw_end(w);
        jw_ks(w, "tenantId", s->tenant.id);
    }
    jw_end(w);
    snprintf(out->id, sizeof(out->id), "%s", req_id);
    out->op = "Microsoft Graph Activity";
    out->t = sim_time_as_written(q.t, TF_Z3);
    return true;
}
