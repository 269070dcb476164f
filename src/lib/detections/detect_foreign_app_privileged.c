/* foreign-app-privileged: an application another tenant owns gets an app role, admin consent or
 * a credential here; or an application is opened to other tenants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/norm.h"
#include "../engine/detect.h"
#include "app_facts.h"

struct cfg {
    bool created_multitenant; /* report applications registered multi-tenant from the start */
};

static const struct m365_param_def params[] = {
    M365_PARAM("report_multitenant_creation", M365_PARAM_BOOL, "true", struct cfg,
               created_multitenant,
               "also report (low) an application registered as multi-tenant from the start; a "
               "switch of an existing one is always reported"),
};

struct state {
    struct m365_app_facts facts;
};

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    m365_app_facts_observe(&s->facts, dc, ev);
}

enum item_kind { IT_GRANT, IT_CONSENT, IT_CREDENTIAL, IT_AUDIENCE };

struct item {
    enum item_kind kind;
    const struct m365_event *ev;
    const char *what; /* permission, key name, property */
    int sev;
};

static bool actor_ok(const struct m365_event *ev)
{
    return ev->actor_type != M365_ACTOR_SYSTEM;
}

/* Privileged in the evidence at any time: granted or asked application permissions, Exchange
 * application roles. */
static bool app_privileged(const struct m365_app *a)
{
    bool exo = false;
    if (m365_app_privileged_before(a, UINT32_MAX, &exo) || exo) {
        return true;
    }
    const struct m365_app_request *r = a->requests.p;
    for (uint32_t i = 0; i < a->requests.n; i++) {
        if (r[i].application && (r[i].cls & M365_APP_PRIV_CLASSES)) {
            return true;
        }
    }
    return false;
}

static bool got_credential(const struct m365_app *a)
{
    const struct m365_app_cred *c = a->creds.p;
    for (uint32_t i = 0; i < a->creds.n; i++) {
        if (c[i].n_added && !c[i].signing_only && actor_ok(c[i].ev)) {
            return true;
        }
    }
    return false;
}

static size_t collect(struct m365_dctx *dc, const struct cfg *c, const struct m365_app *a,
                      struct item *it, size_t max)
{
    size_t n = 0;
    if (m365_app_foreign(dc, a) == 1) {
        const struct m365_app_grant *g = a->grants.p;
        for (uint32_t i = 0; i < a->grants.n && n < max; i++) {
            if (actor_ok(g[i].ev)) {
                it[n++] = (struct item){IT_GRANT, g[i].ev, g[i].perm,
                                        (g[i].cls & M365_APP_PRIV_CLASSES) ? M365_SEV_CRITICAL
                                                                           : M365_SEV_HIGH};
            }
        }
        const struct m365_app_consent *k = a->consents.p;
        for (uint32_t i = 0; i < a->consents.n && n < max; i++) {
            if (k[i].admin && actor_ok(k[i].ev)) {
                it[n++] = (struct item){IT_CONSENT, k[i].ev, NULL,
                                        (k[i].cls & M365_APP_PRIV_CLASSES) ? M365_SEV_CRITICAL
                                                                           : M365_SEV_HIGH};
            }
        }
        const struct m365_app_cred *cr = a->creds.p;
        for (uint32_t i = 0; i < a->creds.n && n < max; i++) {
            if (cr[i].n_added && !cr[i].signing_only && actor_ok(cr[i].ev)) {
                it[n++] = (struct item){IT_CREDENTIAL, cr[i].ev, cr[i].added[0].name,
                                        M365_SEV_HIGH};
            }
        }
    }
    if (m365_app_is_first_party(a)) {
        return n;
    }
    bool raised = app_privileged(a) || got_credential(a);
    const struct m365_app_audience *u = a->audiences.p;
    for (uint32_t i = 0; i < a->audiences.n && n < max; i++) {
        if (!actor_ok(u[i].ev) || (u[i].created && !c->created_multitenant)) {
            continue;
        }
        int sev = raised ? M365_SEV_HIGH : u[i].created ? M365_SEV_LOW : M365_SEV_MEDIUM;
        it[n++] = (struct item){IT_AUDIENCE, u[i].ev, u[i].property, sev};
    }
    return n;
}

static const char *kind_name(enum item_kind k)
{
    switch (k) {
    case IT_GRANT:
        return "app_role";
    case IT_CONSENT:
        return "admin_consent";
    case IT_CREDENTIAL:
        return "credential";
    default:
        return "multi_tenant";
    }
}

static void report(struct m365_dctx *dc, const struct cfg *c, const struct m365_app *a)
{
    struct item it[64];
    size_t n = collect(dc, c, a, it, 64);
    if (!n) {
        return;
    }
    size_t w = 0;
    for (size_t i = 1; i < n; i++) {
        if (it[i].sev > it[w].sev) {
            w = i;
        }
    }
    struct m365_fb *fb = m365_fb_begin(dc, (enum m365_severity)it[w].sev);
    if (!fb) {
        return;
    }
    m365_app_entities(fb, a, true);
    const char *actors[64];
    size_t nact = 0;
    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    m365_app_details_ids(dc, d, first, a);
    m365_json_key(d, first, "home_tenant");
    m365_json_cstr(d, m365_dctx_home_tenant(dc));
    m365_json_key(d, first, "changes");
    m365_buf_putc(d, '[');
    for (size_t i = 0; i < n; i++) {
        m365_fb_event(fb, it[i].ev);
        m365_app_actor_entities(fb, it[i].ev);
        actors[nact++] = m365_app_actor_label(it[i].ev);
        if (i >= 16) {
            continue;
        }
        if (i) {
            m365_buf_putc(d, ',');
        }
        int f = 1;
        m365_buf_putc(d, '{');
        m365_json_key(d, &f, "time");
        m365_json_time(d, it[i].ev->time_ms);
        m365_json_key(d, &f, "change");
        m365_json_cstr(d, kind_name(it[i].kind));
        m365_json_key(d, &f, "value");
        m365_json_cstr(d, it[i].what);
        m365_json_key(d, &f, "actor");
        m365_json_cstr(d, m365_app_actor_label(it[i].ev));
        m365_json_key(d, &f, "severity");
        m365_json_cstr(d, m365_severity_name((enum m365_severity)it[i].sev));
        m365_buf_putc(d, '}');
    }
    m365_buf_putc(d, ']');
    if (a->owner_ev) {
        m365_fb_event(fb, a->owner_ev);
    }
    m365_json_key(d, first, "actors");
    m365_app_json_strings(d, actors, nact);
    m365_json_key(d, first, "privileged_in_evidence");
    m365_buf_puts(d, app_privileged(a) ? "true" : "false");
    m365_json_key(d, first, "credential_added_in_evidence");
    m365_buf_puts(d, got_credential(a) ? "true" : "false");
    /* The owner from the records, else from a tenant snapshot loaded beside the logs. */
    const char *owner = m365_app_owner(dc, a, NULL);
    if (!owner) {
        m365_json_key(d, first, "note");
        m365_json_cstr(d, "the records do not say which tenant owns this application; a tenant "
                          "snapshot (servicePrincipal appOwnerOrganizationId) would");
    }

    const struct item *x = &it[w];
    char label[256];
    snprintf(label, sizeof(label), "%s%s%s%s", m365_app_label(a), a->app_id ? " (" : "",
             a->app_id ? a->app_id : "", a->app_id ? ")" : "");
    const char *who = m365_app_actor_label(x->ev);
    switch (x->kind) {
    case IT_GRANT:
        m365_fb_summary(fb, "%s granted %s to %s, an application owned by another tenant (%s).",
                        who, x->what ? x->what : "an app role", label, owner);
        break;
    case IT_CONSENT:
        m365_fb_summary(fb, "%s gave admin consent to %s, an application owned by another "
                            "tenant (%s).",
                        who, label, owner);
        break;
    case IT_CREDENTIAL:
        m365_fb_summary(fb, "%s added a credential to %s, an application owned by another "
                            "tenant (%s).",
                        who, label, owner);
        break;
    default:
        m365_fb_summary(fb, "%s %s %s %s (%s)%s.", who,
                        x->ev == a->created_ev ? "registered" : "opened", label,
                        x->ev == a->created_ev ? "as a multi-tenant application"
                                               : "to other tenants",
                        x->what,
                        app_privileged(a)   ? ", and it holds mail or directory permissions"
                        : got_credential(a) ? ", and it got a new credential in the evidence"
                                            : "");
        break;
    }
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    M365_APP_EACH_ROOT(&s->facts, a)
    {
        report(dc, c, a);
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    m365_app_facts_free(&s->facts);
}

static const char *const techniques[] = {"T1199", NULL};

const struct m365_detection m365_detect_foreign_app_privileged = {
    .info =
        {
            .id = "foreign-app-privileged",
            .title = "Application of another tenant privileged here, or an application opened to "
                     "other tenants",
            .severity = M365_SEV_HIGH,
            .techniques = techniques,
            .description =
                "An application that the records say another tenant owns (appOwnerTenantId, "
                "ServicePrincipal.AppOwnerTenantId; neither the home tenant nor Microsoft's) "
                "receives an app role (critical for mail or directory permissions, else high), "
                "admin consent (critical with mail or directory scopes, else high) or a "
                "credential (high) in this tenant. When the records do not name the owner, a "
                "tenant snapshot loaded beside the logs does (servicePrincipals "
                "appOwnerOrganizationId). Also an application switched to multi-tenant "
                "(AvailableToOtherTenants true, SignInAudience AzureADMultipleOrgs or "
                "AzureADandPersonalMicrosoftAccount): medium, high when it holds mail or "
                "directory permissions or got a credential in the evidence; low when registered "
                "that way from the start. Ownership is never guessed.",
            .needs = "Entra audit logs (directoryAudits, AuditLogs, Azure Monitor) or UAL "
                     "AzureActiveDirectory records; the home tenant (--tenant-id or inferred)",
            .blind_spots =
                "Audit records seldom state which tenant owns an application, so without a tenant "
                "snapshot (servicePrincipals appOwnerOrganizationId) most foreign applications "
                "look like any other here; an application deleted before the snapshot was taken "
                "is not in it. Without a home tenant "
                "ownership cannot be compared. What the application did in other tenants is not "
                "in this tenant's logs.",
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
