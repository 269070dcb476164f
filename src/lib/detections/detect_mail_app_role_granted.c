/* mail-app-role-granted: an application permission that reaches every mailbox, or rewrites
 * applications and roles, granted to (or requested by) an application. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/norm.h"
#include "../engine/detect.h"
#include "app_facts.h"

struct cfg {
    int64_t new_app_window;  /* grantee created this recently in the evidence: critical */
    bool report_requests;    /* RequiredResourceAccess additions (asked, not granted) */
    bool delegated_requests; /* ... including delegated mail scopes */
};

static const struct m365_param_def params[] = {
    M365_PARAM("new_app_window", M365_PARAM_DURATION, "7d", struct cfg, new_app_window,
               "a grant to an application created (Add application / Add service principal) "
               "this recently in the evidence is critical"),
    M365_PARAM("report_requests", M365_PARAM_BOOL, "true", struct cfg, report_requests,
               "also report permissions newly listed in an app registration's "
               "RequiredResourceAccess (medium for application permissions): asked for, not yet "
               "granted"),
    M365_PARAM("delegated_requests", M365_PARAM_BOOL, "true", struct cfg, delegated_requests,
               "with report_requests, also report delegated mail / directory scopes newly "
               "requested (low)"),
};

struct state {
    struct m365_app_facts facts;
};

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    m365_app_facts_observe(&s->facts, dc, ev);
}

struct gverdict {
    int sev;
    bool by_sp, new_app, foreign;
    int64_t age; /* ms since the grantee was created, -1 unknown */
};

static void judge_grant(struct m365_dctx *dc, const struct cfg *c, const struct m365_app *a,
                        const struct m365_app_grant *g, struct gverdict *v)
{
    memset(v, 0, sizeof(*v));
    v->sev = -1;
    v->age = -1;
    const struct m365_event *ev = g->ev;
    bool listed = (g->cls & M365_APP_PRIV_CLASSES) != 0;
    if (ev->actor_type == M365_ACTOR_SYSTEM || (!listed && !g->per_mailbox)) {
        return;
    }
    if (m365_app_is_first_party(a) && ev->actor_type != M365_ACTOR_USER) {
        return; /* Microsoft provisioning its own applications */
    }
    if (!listed) {
        /* SMTP.SendAsApp and IMAP/POP.AccessAsApp act only on mailboxes Exchange allows. */
        v->sev = M365_SEV_MEDIUM;
        return;
    }
    v->by_sp = ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL;
    const struct m365_event *made = a->created_ev;
    if (made && made->seq <= ev->seq) {
        v->age = m365_app_dt(made, ev);
        v->new_app = v->age >= 0 && v->age <= c->new_app_window;
    }
    v->foreign = m365_app_foreign(dc, a) == 1;
    v->sev = v->by_sp || v->new_app || v->foreign ? M365_SEV_CRITICAL : M365_SEV_HIGH;
}

static int judge_request(const struct cfg *c, const struct m365_app_request *r)
{
    if (!c->report_requests || r->ev->actor_type == M365_ACTOR_SYSTEM) {
        return -1;
    }
    if (r->application) {
        return M365_SEV_MEDIUM;
    }
    return c->delegated_requests ? M365_SEV_LOW : -1;
}

static void report(struct m365_dctx *dc, const struct cfg *c, const struct m365_app *a)
{
    uint32_t ng = a->grants.n, nr = a->requests.n;
    struct gverdict *gv = calloc(ng ? ng : 1, sizeof(*gv));
    int *rv = calloc(nr ? nr : 1, sizeof(*rv));
    if (!gv || !rv) {
        free(gv);
        free(rv);
        return;
    }
    const struct m365_app_grant *g = a->grants.p;
    const struct m365_app_request *r = a->requests.p;
    int sev = -1;
    const struct m365_app_grant *wg = NULL;
    const struct m365_app_request *wr = NULL;
    const struct gverdict *wv = NULL;
    for (uint32_t i = 0; i < ng; i++) {
        judge_grant(dc, c, a, &g[i], &gv[i]);
        if (gv[i].sev > sev || (gv[i].sev == sev && gv[i].sev >= 0 && !wg)) {
            sev = gv[i].sev;
            wg = &g[i];
            wv = &gv[i];
        }
    }
    for (uint32_t i = 0; i < nr; i++) {
        rv[i] = judge_request(c, &r[i]);
        if (rv[i] > sev) {
            sev = rv[i];
            wr = &r[i];
            wg = NULL;
            wv = NULL;
        }
    }
    if (sev < 0) {
        free(gv);
        free(rv);
        return;
    }
    struct m365_fb *fb = m365_fb_begin(dc, (enum m365_severity)sev);
    if (!fb) {
        free(gv);
        free(rv);
        return;
    }
    m365_app_entities(fb, a, true);
    const char *perms[64], *reqs[64], *resources[16], *actors[16];
    size_t np = 0, nq = 0, nres = 0, nact = 0;
    bool by_sp = false, hosting = false;
    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    m365_app_details_ids(dc, d, first, a);
    m365_json_key(d, first, "grants");
    m365_buf_putc(d, '[');
    size_t listed = 0;
    for (uint32_t i = 0; i < ng; i++) {
        if (gv[i].sev < 0) {
            continue;
        }
        const struct m365_event *e = g[i].ev;
        m365_fb_event(fb, e);
        m365_app_actor_entities(fb, e);
        m365_fb_entity(fb, M365_ENT_APPS, g[i].resource_app_id);
        m365_fb_entity(fb, M365_ENT_APPS, g[i].resource_name);
        m365_fb_entity(fb, M365_ENT_SERVICE_PRINCIPALS, g[i].resource_sp);
        m365_fb_entity(fb, M365_ENT_SERVICE_PRINCIPALS, g[i].resource_name);
        hosting |= m365_app_from_hosting(dc, e);
        by_sp |= gv[i].by_sp;
        if (np < 64 && g[i].perm) {
            perms[np++] = g[i].perm;
        }
        if (nres < 16 && g[i].resource_name) {
            resources[nres++] = g[i].resource_name;
        }
        if (nact < 16) {
            actors[nact++] = m365_app_actor_label(e);
        }
        if (listed++ >= 16) {
            continue;
        }
        if (listed > 1) {
            m365_buf_putc(d, ',');
        }
        int f = 1;
        m365_buf_putc(d, '{');
        m365_json_key(d, &f, "time");
        m365_json_time(d, e->time_ms);
        m365_json_key(d, &f, "permission");
        m365_json_cstr(d, g[i].perm);
        m365_json_key(d, &f, "permission_id");
        m365_json_cstr(d, g[i].perm_id);
        m365_json_key(d, &f, "resource");
        m365_json_cstr(d, g[i].resource_name);
        m365_json_key(d, &f, "resource_app_id");
        m365_json_cstr(d, g[i].resource_app_id);
        m365_json_key(d, &f, "granted_by");
        m365_json_cstr(d, m365_app_actor_label(e));
        m365_json_key(d, &f, "granted_by_type");
        m365_json_cstr(d, m365_actor_type_name((enum m365_actor_type)e->actor_type));
        m365_json_key(d, &f, "severity");
        m365_json_cstr(d, m365_severity_name((enum m365_severity)gv[i].sev));
        m365_buf_putc(d, '}');
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "requests");
    m365_buf_putc(d, '[');
    listed = 0;
    for (uint32_t i = 0; i < nr; i++) {
        if (rv[i] < 0) {
            continue;
        }
        const struct m365_event *e = r[i].ev;
        m365_fb_event(fb, e);
        m365_app_actor_entities(fb, e);
        hosting |= m365_app_from_hosting(dc, e);
        if (nq < 64 && r[i].perm) {
            reqs[nq++] = r[i].perm;
        }
        if (nact < 16) {
            actors[nact++] = m365_app_actor_label(e);
        }
        if (listed++ >= 16) {
            continue;
        }
        if (listed > 1) {
            m365_buf_putc(d, ',');
        }
        int f = 1;
        m365_buf_putc(d, '{');
        m365_json_key(d, &f, "time");
        m365_json_time(d, e->time_ms);
        m365_json_key(d, &f, "permission");
        m365_json_cstr(d, r[i].perm);
        m365_json_key(d, &f, "permission_id");
        m365_json_cstr(d, r[i].perm_id);
        m365_json_key(d, &f, "resource_app_id");
        m365_json_cstr(d, r[i].resource_app_id);
        m365_json_key(d, &f, "type");
        m365_json_cstr(d, r[i].application ? "application" : "delegated");
        m365_json_key(d, &f, "requested_by");
        m365_json_cstr(d, m365_app_actor_label(e));
        m365_buf_putc(d, '}');
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "permissions_granted");
    m365_app_json_strings(d, perms, np);
    m365_json_key(d, first, "permissions_requested");
    m365_app_json_strings(d, reqs, nq);
    m365_json_key(d, first, "resources");
    m365_app_json_strings(d, resources, nres);
    m365_json_key(d, first, "actors");
    m365_app_json_strings(d, actors, nact);
    m365_json_key(d, first, "granted_by_service_principal");
    m365_buf_puts(d, by_sp ? "true" : "false");
    m365_json_key(d, first, "grantee_created");
    m365_json_time(d, a->created_ev ? a->created_ev->time_ms : M365_TIME_NONE);
    m365_json_key(d, first, "grantee_new");
    m365_buf_puts(d, wv && wv->new_app ? "true" : "false");
    m365_json_key(d, first, "from_hosting");
    m365_buf_puts(d, hosting ? "true" : "false");
    if (!a->owner_tenant) {
        m365_json_key(d, first, "note");
        m365_json_cstr(d, "the records do not say which tenant owns this application; a tenant "
                          "snapshot (servicePrincipal appOwnerOrganizationId) would");
    }

    char why[320] = "";
    size_t wl = 0;
    if (wv && wv->by_sp) {
        wl += (size_t)snprintf(why + wl, sizeof(why) - wl,
                               "; granted by a service principal, not a person");
    }
    if (wv && wv->new_app && wl < sizeof(why)) {
        wl += (size_t)snprintf(why + wl, sizeof(why) - wl,
                               "; the application was created %lld hour(s) earlier",
                               (long long)(wv->age / M365_HOUR_MS));
    }
    if (wv && wv->foreign && wl < sizeof(why)) {
        wl += (size_t)snprintf(why + wl, sizeof(why) - wl, "; it belongs to tenant %s",
                               a->owner_tenant);
    }
    if (wg && wg->per_mailbox && !(wg->cls & M365_APP_PRIV_CLASSES) && wl < sizeof(why)) {
        snprintf(why + wl, sizeof(why) - wl,
                 "; it acts on the mailboxes Exchange lets the application use");
    }
    char label[256];
    snprintf(label, sizeof(label), "%s%s%s%s", m365_app_label(a), a->app_id ? " (" : "",
             a->app_id ? a->app_id : "", a->app_id ? ")" : "");
    if (wg) {
        m365_fb_summary(fb, "%s granted the application permission %s on %s to %s%s.",
                        m365_app_actor_label(wg->ev), wg->perm ? wg->perm : "(unnamed)",
                        wg->resource_name ? wg->resource_name : "a resource", label, why);
    } else {
        m365_fb_summary(fb, "%s added %s (%s permission) to the permissions %s requests; it is "
                            "not granted yet.",
                        m365_app_actor_label(wr->ev), wr->perm,
                        wr->application ? "application" : "delegated", label);
    }
    m365_fb_end(fb);
    free(gv);
    free(rv);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    M365_APP_EACH_ROOT(&s->facts, a)
    {
        if (a->grants.n || a->requests.n) {
            report(dc, c, a);
        }
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    m365_app_facts_free(&s->facts);
}

static const char *const techniques[] = {"T1098.003", NULL};

const struct m365_detection m365_detect_mail_app_role_granted = {
    .info =
        {
            .id = "mail-app-role-granted",
            .title = "Mail or directory application permission granted to an application",
            .severity = M365_SEV_HIGH,
            .techniques = techniques,
            .description =
                "\"Add app role assignment to service principal\" granting full_access_as_app, "
                "Graph Mail.Read / Mail.ReadWrite / Mail.Send / Mail.ReadBasic.All, "
                "Application.ReadWrite.All, AppRoleAssignment.ReadWrite.All, "
                "RoleManagement.ReadWrite.Directory or Directory.ReadWrite.All (by AppRole.Id, "
                "else AppRole.Value). High; critical when a service principal made the grant "
                "(an application granting another one: the legacy-app-to-new-app chain), when "
                "the grantee was created within new_app_window in the evidence, or when the "
                "records say a foreign tenant owns it. SMTP.SendAsApp and IMAP/POP.AccessAsApp "
                "are medium (they act only on mailboxes Exchange allows). Permissions newly "
                "listed in RequiredResourceAccess (\"Update application\" / \"Add application\") "
                "are requests: medium for application permissions, low for delegated scopes. "
                "One finding per grantee application.",
            .needs = "Entra audit logs (directoryAudits, AuditLogs, Azure Monitor) or UAL "
                     "AzureActiveDirectory records",
            .blind_spots =
                "Grants made before the evidence starts (a backup product's Mail.Read from "
                "years ago) are not seen: a tenant snapshot of appRoleAssignments is. The owner "
                "tenant of an application is rarely in the records: without it the foreign-owner "
                "escalation cannot apply. Exchange RBAC for applications "
                "(New-ManagementRoleAssignment -App) can scope or replace these permissions and is "
                "not weighed here.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_DIRECTORY) | M365_KIND_BIT(M365_EV_EXCHANGE_ADMIN),
    .needs = M365_KIND_BIT(M365_EV_DIRECTORY),
    .state_size = sizeof(struct state),
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
