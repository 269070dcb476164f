/* high-privilege-consent: OAuth consent or a delegated permission grant that newly gives an
 * application mail, EWS, file or directory scopes — the illicit-consent step of Midnight
 * Blizzard's OAuth tradecraft. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../engine/detect.h"
#include "consent_facts.h"
#include "m365_ids.h"
#include "tenant_facts.h"
#include "../core/sort.h"

struct cfg {
    int64_t new_account_window; /* a consenter created this recently in the evidence is new */
    bool user_consent_files;    /* report one user's consent that reaches only files / sites */
};

static const struct m365_param_def params[] = {
    M365_PARAM("new_account_window", M365_PARAM_DURATION, "7d", struct cfg, new_account_window,
               "a consenting account created in the evidence at most this long before the "
               "consent is a new account: the finding is raised one level"),
    M365_PARAM("user_consent_files", M365_PARAM_BOOL, "true", struct cfg, user_consent_files,
               "report a single user's consent whose only sensitive scopes are Files.*.All / "
               "Sites.*.All (false: only tenant-wide file consents)"),
};

#define MAX_EV 32
#define MAX_USERS 64

struct app {
    const char *key;
    const char *sp_id, *app_id, *app_name, *resource;
    char scopes[1024], added[1024];
    unsigned cls;
    bool admin, tenant_wide, app_only, offline, first_party, actor_sp, actor_new;
    struct m365_map users;  /* consenting actor -> 1 */
    struct m365_map ips;    /* actor address -> 1 */
    struct m365_map ctypes; /* consent type -> 1 */
    struct m365_map new_actors; /* actor created in the evidence -> 1 */
    const struct m365_event *ev[MAX_EV];
    uint32_t n_ev, total;
    uint32_t consents, grants;
};

struct state {
    struct m365_tf_created created;
    struct m365_map apps; /* client key -> struct app */
};

static void mark(struct m365_map *m, const char *k)
{
    if (!k || m->n >= MAX_USERS) {
        return;
    }
    void **slot = m365_map_put(m, k, NULL);
    if (slot) {
        *slot = (void *)1;
    }
}

static struct app *app_of(struct m365_dctx *dc, struct state *s, const struct m365_consent *c)
{
    const char *key = m365_tf_key(dc, c->client_sp_id);
    if (!key) {
        key = m365_tf_key(dc, c->app_id);
    }
    if (!key) {
        key = m365_tf_key(dc, c->app_name);
    }
    if (!key) {
        key = m365_dctx_intern(dc, "(unnamed application)", 21);
    }
    bool fresh;
    struct app *a = m365_map_obtain(&s->apps, key, NULL, sizeof(*a), &fresh);
    if (a && fresh) {
        a->key = key;
    }
    return a;
}

static const char *keep(struct m365_dctx *dc, const char *s)
{
    return s && *s ? m365_dctx_intern(dc, s, strlen(s)) : NULL;
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    m365_tf_created_observe(dc, &s->created, ev);
    struct m365_consent cs;
    if (!m365_tf_effective(ev) || !m365_consent_read(ev, &cs)) {
        return;
    }
    struct app *a = app_of(dc, s, &cs);
    if (!a) {
        return;
    }
    if (!a->sp_id) {
        a->sp_id = keep(dc, cs.client_sp_id);
    }
    if (!a->app_id && cs.app_id) {
        a->app_id = m365_tf_key(dc, cs.app_id);
    }
    if (!a->app_name) {
        a->app_name = keep(dc, cs.app_name);
    }
    if (!a->resource) {
        a->resource = keep(dc, cs.resource_name);
    }
    m365_tf_list_added(a->scopes, cs.scopes, a->scopes, sizeof(a->scopes));
    m365_tf_list_added(a->added, cs.added, a->added, sizeof(a->added));
    a->cls |= cs.cls;
    a->admin |= cs.admin;
    a->app_only |= cs.app_only;
    a->tenant_wide |= cs.all_principals || cs.admin || cs.app_only;
    a->offline |= cs.offline_access;
    a->first_party |= m365_first_party_app(cs.app_id) != NULL;
    a->actor_sp |= ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL;
    const struct m365_tf_account *na =
        m365_tf_actor_new(dc, &s->created, ev, c->new_account_window);
    if (na) {
        a->actor_new = true;
        mark(&a->new_actors, ev->actor_upn ? ev->actor_upn : m365_tf_key(dc, ev->actor_id));
    }
    mark(&a->users, ev->actor_upn ? ev->actor_upn
                                  : keep(dc, ev->actor_name ? ev->actor_name : ev->actor_id));
    mark(&a->ips, ev->ip);
    if (cs.consent_type[0]) {
        mark(&a->ctypes, keep(dc, cs.consent_type));
    }
    a->consents += cs.consent;
    a->grants += cs.grant;
    a->total++;
    if (a->n_ev < MAX_EV) {
        a->ev[a->n_ev++] = m365_dctx_keep(dc, ev);
    }
}

/* Space-separated tokens, sorted, as a JSON array; the sorted text goes to out. */
static void json_tokens(struct m365_buf *d, const char *list, char *out, size_t cap)
{
    char tmp[1024];
    snprintf(tmp, sizeof(tmp), "%s", list);
    const char *tok[128];
    size_t n = 0;
    for (char *p = tmp; *p && n < 128;) {
        while (*p == ' ') {
            *p++ = '\0';
        }
        if (*p) {
            tok[n++] = p;
        }
        while (*p && *p != ' ') {
            p++;
        }
    }
    m365_qsort(tok, n, sizeof(*tok), m365_cmp_cstr);
    m365_json_cstr_array(d, tok, n);
    size_t w = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && w < cap; i++) {
        w += (size_t)snprintf(out + w, cap - w, "%s%s", i ? " " : "", tok[i]);
    }
}

static void report(struct m365_dctx *dc, const struct cfg *c, struct app *a)
{
    bool sensitive = (a->cls & (M365_PERM_MAIL | M365_PERM_EWS_ALL | M365_PERM_DIRECTORY)) != 0;
    if (!a->cls || (!sensitive && !a->tenant_wide && !c->user_consent_files)) {
        return; /* nothing beyond sign-in / profile scopes, or file scopes the tenant accepts */
    }
    enum m365_severity sev = M365_SEV_MEDIUM;
    bool mail_offline = (a->cls & M365_PERM_MAIL) && a->offline;
    if (a->tenant_wide || (a->cls & (M365_PERM_EWS_ALL | M365_PERM_DIRECTORY)) || mail_offline) {
        sev = M365_SEV_HIGH;
    }
    if (a->actor_new || a->actor_sp) {
        sev = m365_tf_sev_add(sev, 1);
    }
    if (a->first_party && sev > M365_SEV_LOW) {
        sev = m365_tf_sev_add(sev, -1); /* Microsoft's own client: admin tooling, usually */
    }
    struct m365_fb *fb = m365_fb_begin(dc, sev);
    if (!fb) {
        return;
    }
    const char *users[MAX_USERS], *ips[MAX_USERS], *ctypes[16], *newa[MAX_USERS];
    size_t nu = m365_map_keys_sorted(&a->users, users, MAX_USERS);
    size_t ni = m365_map_keys_sorted(&a->ips, ips, MAX_USERS);
    size_t nc = m365_map_keys_sorted(&a->ctypes, ctypes, 16);
    size_t nn = m365_map_keys_sorted(&a->new_actors, newa, MAX_USERS);
    for (size_t i = 0; i < nu; i++) {
        m365_fb_entity(fb, M365_ENT_USERS, users[i]);
    }
    for (size_t i = 0; i < ni; i++) {
        m365_fb_entity(fb, M365_ENT_IPS, ips[i]);
    }
    if (a->app_name) {
        m365_fb_entity(fb, M365_ENT_APPS, a->app_name);
    }
    if (a->app_id) {
        m365_fb_entity(fb, M365_ENT_APPS, a->app_id);
    }
    if (a->sp_id) {
        m365_fb_entity(fb, M365_ENT_SERVICE_PRINCIPALS, a->sp_id);
    }
    for (uint32_t i = 0; i < a->n_ev; i++) {
        m365_fb_event(fb, a->ev[i]);
    }
    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    char added[1024], all[1024];
    m365_json_key(d, first, "application");
    m365_json_cstr(d, a->app_name);
    m365_json_key(d, first, "app_id");
    m365_json_cstr(d, a->app_id);
    m365_json_key(d, first, "service_principal_id");
    m365_json_cstr(d, a->sp_id);
    m365_json_key(d, first, "resource");
    m365_json_cstr(d, a->resource);
    m365_json_key(d, first, "scopes_added");
    json_tokens(d, a->added, added, sizeof(added));
    m365_json_key(d, first, "scopes");
    json_tokens(d, a->scopes, all, sizeof(all));
    m365_json_key(d, first, "classes");
    const char *cls[4];
    size_t ncls = 0;
    if (a->cls & M365_PERM_DIRECTORY) {
        cls[ncls++] = "directory";
    }
    if (a->cls & M365_PERM_EWS_ALL) {
        cls[ncls++] = "ews";
    }
    if (a->cls & M365_PERM_FILES) {
        cls[ncls++] = "files";
    }
    if (a->cls & M365_PERM_MAIL) {
        cls[ncls++] = "mail";
    }
    m365_json_cstr_array(d, cls, ncls);
    m365_json_key(d, first, "consent_types");
    m365_json_cstr_array(d, ctypes, nc);
    m365_json_key(d, first, "admin_consent");
    m365_buf_puts(d, a->admin ? "true" : "false");
    m365_json_key(d, first, "tenant_wide");
    m365_buf_puts(d, a->tenant_wide ? "true" : "false");
    m365_json_key(d, first, "offline_access");
    m365_buf_puts(d, a->offline ? "true" : "false");
    m365_json_key(d, first, "consented_by");
    m365_json_cstr_array(d, users, nu);
    m365_json_key(d, first, "new_accounts");
    m365_json_cstr_array(d, newa, nn);
    m365_json_key(d, first, "by_service_principal");
    m365_buf_puts(d, a->actor_sp ? "true" : "false");
    m365_json_key(d, first, "microsoft_first_party");
    m365_buf_puts(d, a->first_party ? "true" : "false");
    m365_json_key(d, first, "consent_records");
    m365_buf_printf(d, "%u", a->consents);
    m365_json_key(d, first, "grant_records");
    m365_buf_printf(d, "%u", a->grants);

    char app[256];
    if (a->app_name && a->app_id) {
        snprintf(app, sizeof(app), "%s (%s)", a->app_name, a->app_id);
    } else {
        snprintf(app, sizeof(app), "%s",
                 a->app_name ? a->app_name : (a->app_id ? a->app_id : (a->sp_id ? a->sp_id : a->key)));
    }
    char who[300];
    if (nu == 1) {
        snprintf(who, sizeof(who), "%s%s", users[0],
                 nn ? " (an account created in the evidence shortly before)" : "");
    } else {
        snprintf(who, sizeof(who), "%zu accounts%s", nu, nn ? ", some created shortly before," : "");
    }
    m365_fb_summary(fb, "%s consented %s to %s%s: %s.", who,
                    a->tenant_wide ? "for the whole tenant" : (nu == 1 ? "for their own account" : "each for their own account"),
                    app, a->first_party ? " (a Microsoft first-party client)" : "",
                    added[0] ? added : all);
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    M365_MAP_EACH(&s->apps, slot)
    {
        report(dc, c, slot->val);
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    M365_MAP_EACH(&s->apps, slot)
    {
        struct app *a = slot->val;
        m365_map_free(&a->users);
        m365_map_free(&a->ips);
        m365_map_free(&a->ctypes);
        m365_map_free(&a->new_actors);
        free(a);
    }
    m365_map_free(&s->apps);
    m365_tf_created_free(&s->created);
}

static const char *const techniques[] = {"T1528", NULL};

const struct m365_detection m365_detect_high_privilege_consent = {
    .info =
        {
            .id = "high-privilege-consent",
            .title = "OAuth consent to mail, EWS, file or directory permissions",
            .severity = M365_SEV_HIGH,
            .techniques = techniques,
            .description =
                "\"Consent to application\" and \"Add / Update delegated permission grant\" "
                "records that newly give an application mail (Mail.*), EWS "
                "(EWS.AccessAsUser.All, full_access_as_app), file (Files.*.All, Sites.*.All) or "
                "directory write scopes; scopes the grant already held do not count. One finding "
                "per application. High for tenant-wide consent (admin consent, AllPrincipals, "
                "app-only), EWS or directory scopes, or mail scopes with offline_access; medium "
                "for one user's consent to mail or file scopes. Raised one level when the "
                "consenting account was created in the evidence shortly before or is a service "
                "principal; lowered one level for Microsoft first-party clients.",
            .needs = "Entra audit logs or UAL AzureActiveDirectory records (Consent to "
                     "application, Add delegated permission grant)",
            .blind_spots =
                "Application permissions granted through app role assignments are covered by "
                "mail-app-role-granted. Whether the application is malicious (publisher, owner "
                "tenant, reply URLs) is not in the consent record. Consents older than the "
                "evidence are invisible: an existing grant used later is not reported here.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_DIRECTORY),
    .needs = M365_KIND_BIT(M365_EV_DIRECTORY),
    .state_size = sizeof(struct state),
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
