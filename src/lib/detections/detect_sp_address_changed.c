/* sp-address-changed: a reply URL, identifier URI or homepage added to an application or service
 * principal; linked to a credential added to the same application close in time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/norm.h"
#include "../engine/detect.h"
#include "app_facts.h"

struct cfg {
    int64_t link_window;   /* a credential this close (either way) links the change */
    bool ignore_localhost; /* developer loopback redirect URIs */
};

static const struct m365_param_def params[] = {
    M365_PARAM("link_window", M365_PARAM_DURATION, "72h", struct cfg, link_window,
               "a credential added to the same application this long before or after the address "
               "change links them (the backdoor and its cover)"),
    M365_PARAM("ignore_localhost", M365_PARAM_BOOL, "true", struct cfg, ignore_localhost,
               "leave out addresses on localhost / 127.0.0.1 / [::1] (developers' test redirect "
               "URIs, useless to an attacker elsewhere)"),
};

struct state {
    struct m365_app_facts facts;
};

struct eval {
    const struct m365_app_addr *r;
    const char *urls[M365_APP_ADDRS];
    const char *props[M365_APP_ADDRS];
    size_t n_urls;
    bool wildcard, plain_http;
    const struct m365_app_cred *link; /* the closest credential addition in the window */
    int64_t link_dt;
    bool same_actor;
    int sev; /* -1: no finding */
};

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    m365_app_facts_observe(&s->facts, dc, ev);
}

static void evaluate(struct m365_dctx *dc, const struct cfg *c, const struct m365_app *a,
                     const struct m365_app_addr *r, struct eval *e)
{
    memset(e, 0, sizeof(*e));
    e->r = r;
    e->sev = -1;
    if (r->ev->actor_type == M365_ACTOR_SYSTEM || m365_app_is_first_party(a)) {
        return;
    }
    for (uint32_t i = 0; i < r->n_added && i < M365_APP_ADDRS; i++) {
        const char *u = r->added[i];
        if (c->ignore_localhost && m365_app_url_is_localhost(u)) {
            continue;
        }
        e->props[e->n_urls] = r->added_prop[i];
        e->urls[e->n_urls++] = u;
        e->wildcard |= strchr(u, '*') != NULL;
        e->plain_http |= m365_istarts(u, "http://") && !m365_app_url_is_localhost(u);
    }
    if (!e->n_urls) {
        return;
    }
    const struct m365_app_cred *cr = a->creds.p;
    for (uint32_t i = 0; i < a->creds.n; i++) {
        if (!cr[i].n_added || cr[i].signing_only || cr[i].ev->actor_type == M365_ACTOR_SYSTEM) {
            continue;
        }
        int64_t dt = m365_app_dt(cr[i].ev, r->ev);
        if (dt < 0 || dt > c->link_window) {
            continue;
        }
        bool same = m365_app_same_actor(cr[i].ev, r->ev);
        /* Prefer a credential by the same actor, then the closest one. */
        if (!e->link || (same && !e->same_actor) || (same == e->same_actor && dt < e->link_dt)) {
            e->link = &cr[i];
            e->link_dt = dt;
            e->same_actor = same;
        }
    }
    if (r->created && !e->link && !e->wildcard && !e->plain_http) {
        return; /* addresses an application is registered with: ordinary */
    }
    e->sev = !e->link ? M365_SEV_LOW : e->same_actor ? M365_SEV_HIGH : M365_SEV_MEDIUM;
    /* A person registering a new application with its address and then its secret is how every
     * app is set up. It matters when an application does it (the legacy app minting apps) or
     * when it comes from a hosting provider. */
    if (r->created && e->link && r->ev->actor_type == M365_ACTOR_USER && !e->wildcard &&
        !e->plain_http && !m365_app_from_hosting(dc, r->ev) &&
        !m365_app_from_hosting(dc, e->link->ev)) {
        e->sev = M365_SEV_LOW;
    }
}

static void human_dt(char *buf, size_t size, int64_t ms)
{
    int64_t s = ms / 1000;
    if (s < 120) {
        snprintf(buf, size, "%lld seconds", (long long)s);
    } else if (s < 7200) {
        snprintf(buf, size, "%lld minutes", (long long)(s / 60));
    } else {
        snprintf(buf, size, "%lld hours", (long long)(s / 3600));
    }
}

static const char *prop_label(const char *prop)
{
    if (!prop) {
        return "address";
    }
    if (m365_ieq(prop, "AppAddress") || m365_icontains(prop, "Reply") ||
        m365_icontains(prop, "Redirect")) {
        return "reply URL";
    }
    if (m365_icontains(prop, "Homepage")) {
        return "homepage";
    }
    return "identifier URI";
}

static void report(struct m365_dctx *dc, const struct m365_app *a, struct eval *ev, size_t n)
{
    size_t worst = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].sev >= 0 && (worst == SIZE_MAX || ev[i].sev > ev[worst].sev)) {
            worst = i;
        }
    }
    if (worst == SIZE_MAX) {
        return;
    }
    const struct eval *w = &ev[worst];
    struct m365_fb *fb = m365_fb_begin(dc, (enum m365_severity)w->sev);
    if (!fb) {
        return;
    }
    bool sp = false;
    const char *urls[64], *props[16], *actors[16];
    size_t nurl = 0, nprop = 0, nact = 0, changes = 0;
    bool wildcard = false, plain = false, created = false, hosting = false;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].sev < 0) {
            continue;
        }
        changes++;
        const struct m365_event *e = ev[i].r->ev;
        m365_fb_event(fb, e);
        m365_app_actor_entities(fb, e);
        hosting |= m365_app_from_hosting(dc, e);
        sp |= e->n_targets && e->targets[0].type &&
              m365_ieq(e->targets[0].type, "ServicePrincipal");
        for (size_t k = 0; k < ev[i].n_urls; k++) {
            bool seen = false;
            for (size_t j = 0; j < nurl && !seen; j++) {
                seen = strcmp(urls[j], ev[i].urls[k]) == 0;
            }
            if (!seen && nurl < 64) {
                urls[nurl++] = ev[i].urls[k];
            }
            m365_fb_entity(fb, M365_ENT_DOMAINS, m365_app_url_host(dc, ev[i].urls[k]));
            if (nprop < 16 && ev[i].props[k]) {
                props[nprop++] = ev[i].props[k];
            }
        }
        if (nact < 16) {
            actors[nact++] = m365_app_actor_label(e);
        }
        wildcard |= ev[i].wildcard;
        plain |= ev[i].plain_http;
        created |= ev[i].r->created;
        if (ev[i].link) {
            m365_fb_event(fb, ev[i].link->ev);
        }
    }
    m365_app_entities(fb, a, sp);

    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    m365_app_details_ids(dc, d, first, a);
    m365_json_key(d, first, "addresses_added");
    m365_app_json_strings(d, urls, nurl);
    m365_json_key(d, first, "properties");
    m365_app_json_strings(d, props, nprop);
    m365_json_key(d, first, "changes");
    m365_buf_printf(d, "%zu", changes);
    m365_json_key(d, first, "actors");
    m365_app_json_strings(d, actors, nact);
    m365_json_key(d, first, "set_at_creation");
    m365_buf_puts(d, created ? "true" : "false");
    m365_json_key(d, first, "wildcard");
    m365_buf_puts(d, wildcard ? "true" : "false");
    m365_json_key(d, first, "plain_http");
    m365_buf_puts(d, plain ? "true" : "false");
    m365_json_key(d, first, "linked_credential");
    m365_buf_puts(d, w->link ? "true" : "false");
    if (w->link) {
        const struct m365_app_cred *l = w->link;
        m365_json_key(d, first, "credential_time");
        m365_json_time(d, l->ev->time_ms);
        m365_json_key(d, first, "credential_actor");
        m365_json_cstr(d, m365_app_actor_label(l->ev));
        m365_json_key(d, first, "credential_key_type");
        m365_json_cstr(d, m365_app_key_kind_name(m365_app_key_kind(&l->added[0])));
        m365_json_key(d, first, "credential_display_name");
        m365_json_cstr(d, l->added[0].name);
        m365_json_key(d, first, "credential_before_change");
        m365_buf_puts(d, l->ev->seq < w->r->ev->seq ? "true" : "false");
        m365_json_key(d, first, "minutes_apart");
        m365_buf_printf(d, "%lld", (long long)(w->link_dt / 60000));
        m365_json_key(d, first, "same_actor");
        m365_buf_puts(d, w->same_actor ? "true" : "false");
    }
    m365_json_key(d, first, "from_hosting");
    m365_buf_puts(d, hosting ? "true" : "false");

    char link[256] = "";
    if (w->link) {
        char dt[48];
        human_dt(dt, sizeof(dt), w->link_dt);
        snprintf(link, sizeof(link), ", %s %s %s was added to it%s", dt,
                 w->link->ev->seq < w->r->ev->seq ? "after" : "before",
                 m365_app_key_kind(&w->link->added[0]) == M365_KEY_CERT ? "a certificate"
                 : m365_app_key_kind(&w->link->added[0]) == M365_KEY_SECRET
                     ? "a client secret"
                     : "a credential",
                 w->same_actor ? " by the same actor" : "");
    } else if (w->wildcard || w->plain_http) {
        snprintf(link, sizeof(link), " (%s)",
                 w->wildcard ? "a wildcard address" : "a plain-HTTP address");
    }
    char more[64] = "";
    if (nurl > 1) {
        snprintf(more, sizeof(more), " and %zu more", nurl - 1);
    }
    m365_fb_summary(fb, "%s added %s %s%s to the %s %s%s%s%s%s.",
                    m365_app_actor_label(w->r->ev), prop_label(w->props[0]), w->urls[0], more,
                    sp ? "service principal" : "application", m365_app_label(a),
                    a->app_id ? " (" : "", a->app_id ? a->app_id : "", a->app_id ? ")" : "", link);
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    M365_APP_EACH_ROOT(&s->facts, a)
    {
        if (!a->addrs.n) {
            continue;
        }
        struct eval *ev = calloc(a->addrs.n, sizeof(*ev));
        if (!ev) {
            continue;
        }
        const struct m365_app_addr *r = a->addrs.p;
        for (uint32_t i = 0; i < a->addrs.n; i++) {
            evaluate(dc, c, a, &r[i], &ev[i]);
        }
        report(dc, a, ev, a->addrs.n);
        free(ev);
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    m365_app_facts_free(&s->facts);
}

static const char *const techniques[] = {"T1098.001", NULL};

const struct m365_detection m365_detect_sp_address_changed = {
    .info =
        {
            .id = "sp-address-changed",
            .title = "Reply URL or identifier URI added to an application",
            .severity = M365_SEV_LOW,
            .techniques = techniques,
            .description =
                "A reply URL (AppAddress, ReplyUrls), identifier URI or homepage added to an "
                "application registration or service principal (\"Update application\", \"Update "
                "service principal\"). Only addresses absent from the old value count. One "
                "finding per application: low on its own; medium when a credential was added to "
                "the same application within link_window before or after (the cover change that "
                "goes with a backdoor credential), high when the same actor did both. Addresses "
                "an application is created with are reported only when linked, or when they are "
                "wildcards or plain HTTP.",
            .needs = "Entra audit logs (directoryAudits, AuditLogs, Azure Monitor) or UAL "
                     "AzureActiveDirectory records",
            .blind_spots =
                "Whether the new host belongs to the application's vendor or to the attacker is "
                "not in the logs (check the domain's owner). Credentials added outside the "
                "evidence window cannot be linked. Microsoft first-party applications are left "
                "out.",
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
