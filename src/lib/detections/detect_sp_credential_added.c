/* sp-credential-added: a credential added to an application or service principal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/norm.h"
#include "../engine/detect.h"
#include "../snapshot/snap_context.h"
#include "app_facts.h"

struct cfg {
    int64_t rotation_window; /* the old secret removed this close to the new one: a rotation */
    int64_t setup_window;    /* first credential this soon after the creator made the object */
    bool ignore_signing;     /* SAML token-signing certificates are not sign-in credentials */
};

static const struct m365_param_def params[] = {
    M365_PARAM("rotation_window", M365_PARAM_DURATION, "7d", struct cfg, rotation_window,
               "a new secret whose predecessor the same actor removes within this time (before or "
               "after) is a completed rotation"),
    M365_PARAM("setup_window", M365_PARAM_DURATION, "24h", struct cfg, setup_window,
               "a first credential added by the object's creator this soon after creating it is "
               "set-up, not a first credential on an established application"),
    M365_PARAM("ignore_signing_certificates", M365_PARAM_BOOL, "true", struct cfg,
               ignore_signing,
               "leave out SAML token-signing certificates (KeyUsage Sign, or a Sign+Verify pair "
               "of one subject): Entra keeps their private key"),
};

struct state {
    struct m365_app_facts facts;
};

/* The verdict on one credential change. */
struct eval {
    const struct m365_app_cred *c;
    bool cert, federated, first, setup, mimic, actor_new, others_before;
    bool rotation, rotation_done, managed_before;
    bool dup; /* a repeat of an earlier record: evidence only */
    unsigned priv_cls;
    unsigned snap_cls; /* mail / directory permissions the snapshot shows the application holds */
    bool exo;
    int factors;
    int sev; /* enum m365_severity, or -1 for no finding */
};

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    m365_app_facts_observe(&s->facts, dc, ev);
}

/* "CN=Name, O=…" or "Name": the credential is named like the application. */
static bool named_after(const char *key_name, const char *app_name)
{
    if (!key_name || !app_name || !*app_name) {
        return false;
    }
    const char *k = key_name;
    if (m365_istarts(k, "CN=")) {
        k += 3;
    }
    size_t n = 0;
    while (k[n] && k[n] != ',') {
        n++;
    }
    while (n && k[n - 1] == ' ') {
        n--;
    }
    return n > 0 && m365_ieqn(k, n, app_name);
}

static bool removed_elsewhere(const struct cfg *c, const struct m365_app *a,
                              const struct m365_app_cred *cr)
{
    if (cr->n_removed) {
        return true; /* the same change replaced a key */
    }
    const struct m365_app_cred *all = a->creds.p;
    for (uint32_t i = 0; i < a->creds.n; i++) {
        const struct m365_app_cred *x = &all[i];
        if (x == cr || !x->n_removed || !m365_app_same_actor(x->ev, cr->ev)) {
            continue;
        }
        bool own = false;
        for (uint32_t j = 0; j < x->n_removed && j < M365_APP_KEYS; j++) {
            for (uint32_t k = 0; k < cr->n_added && k < M365_APP_KEYS; k++) {
                own |= x->removed[j].id && cr->added[k].id &&
                       m365_ieq(x->removed[j].id, cr->added[k].id);
            }
        }
        int64_t dt = m365_app_dt(x->ev, cr->ev);
        bool close = dt >= 0 ? dt <= c->rotation_window : x->ev->seq > cr->ev->seq;
        if (!own && close) {
            return true;
        }
    }
    return false;
}

/* Every key of this change was already added by an earlier record: the same addition logged
 * twice (two exports, or an audit pipeline that repeats rows). */
static bool logged_before(const struct m365_app *a, const struct m365_app_cred *cr)
{
    const struct m365_app_cred *all = a->creds.p;
    for (uint32_t k = 0; k < cr->n_added && k < M365_APP_KEYS; k++) {
        bool seen = false;
        for (uint32_t i = 0; i < a->creds.n && !seen; i++) {
            if (all[i].ev->seq >= cr->ev->seq) {
                continue;
            }
            for (uint32_t j = 0; j < all[i].n_added && j < M365_APP_KEYS && !seen; j++) {
                seen = all[i].added[j].id && cr->added[k].id &&
                       m365_ieq(all[i].added[j].id, cr->added[k].id);
            }
        }
        if (!seen) {
            return false;
        }
    }
    return cr->n_added > 0 && cr->n_added <= M365_APP_KEYS;
}

static void evaluate(const struct cfg *c, const struct m365_app *a, const struct m365_snap_app_info *sa,
                     const struct m365_app_cred *cr, struct eval *e)
{
    memset(e, 0, sizeof(*e));
    e->c = cr;
    e->sev = -1;
    const struct m365_event *ev = cr->ev;
    if (!cr->n_added || ev->actor_type == M365_ACTOR_SYSTEM ||
        (c->ignore_signing && cr->signing_only)) {
        return;
    }
    if (logged_before(a, cr)) {
        e->dup = true;
        return;
    }
    bool secret_only = true;
    for (uint32_t i = 0; i < cr->n_added && i < M365_APP_KEYS; i++) {
        enum m365_key_kind k = m365_app_key_kind(&cr->added[i]);
        e->cert |= k == M365_KEY_CERT;
        e->federated |= k == M365_KEY_FEDERATED;
        secret_only &= k == M365_KEY_SECRET;
        e->mimic |= named_after(cr->added[i].name, a->name);
    }
    /* Federated credentials sit beside the keys: an empty list there says nothing about the
     * object's secrets and certificates. */
    e->first = cr->n_old == 0 && strcmp(cr->property, "FederatedIdentityCredentials") != 0;
    const struct m365_event *made = a->created_ev;
    if (made && (made == ev || (m365_app_same_actor(made, ev) && made->seq <= ev->seq &&
                                m365_app_dt(made, ev) >= 0 &&
                                m365_app_dt(made, ev) <= c->setup_window))) {
        e->setup = true;
    }
    e->priv_cls = m365_app_privileged_before(a, ev->seq, &e->exo);
    /* The snapshot shows what the application holds when it was taken, usually after the
     * change, without the time of the grant: whenever the permission came, the new credential
     * is a way to use it now, which is what makes the credential matter. */
    e->snap_cls = sa ? sa->cls & M365_APP_PRIV_CLASSES : 0;
    e->managed_before = m365_app_actor_managed_before(a, ev);
    e->actor_new = !e->managed_before;
    e->others_before = m365_app_others_managed_before(a, ev);
    bool privileged = e->priv_cls || e->exo || e->snap_cls;
    e->rotation_done = removed_elsewhere(c, a, cr);
    e->rotation =
        secret_only && !e->first && !e->mimic && (cr->same_name_existed || e->rotation_done);
    if (e->rotation) {
        /* An owner's routine rotation: quiet, unless the application is privileged or the
         * actor is new to it and left the old secret in place. */
        e->sev = (e->rotation_done || e->managed_before) && !privileged ? -1 : M365_SEV_LOW;
        return;
    }
    e->factors = (e->cert || e->federated) + (e->first && !e->setup) + e->mimic + privileged +
                 (e->actor_new && e->others_before);
    int sev = M365_SEV_LOW + e->factors;
    e->sev = sev > M365_SEV_CRITICAL ? M365_SEV_CRITICAL : sev;
}

static const char *kinds_text(const struct m365_app_cred *cr)
{
    if (cr->n_added > 1) {
        return "credentials";
    }
    switch (m365_app_key_kind(&cr->added[0])) {
    case M365_KEY_CERT:
        return "a certificate";
    case M365_KEY_SECRET:
        return "a client secret";
    case M365_KEY_FEDERATED:
        return "a federated identity credential";
    default:
        return "a credential";
    }
}

/* A key as a JSON object left open, so that the caller adds the change's facts. */
static void key_json_open(struct m365_buf *d, const struct m365_app_key *k, int *first)
{
    *first = 1;
    m365_buf_putc(d, '{');
    m365_json_key(d, first, "key_id");
    m365_json_cstr(d, k->id);
    m365_json_key(d, first, "kind");
    m365_json_cstr(d, m365_app_key_kind_name(m365_app_key_kind(k)));
    m365_json_key(d, first, "key_type");
    m365_json_cstr(d, k->type);
    m365_json_key(d, first, "key_usage");
    m365_json_cstr(d, k->usage);
    m365_json_key(d, first, "display_name");
    m365_json_cstr(d, k->name);
    if (k->issuer || k->subject) {
        m365_json_key(d, first, "issuer");
        m365_json_cstr(d, k->issuer);
        m365_json_key(d, first, "subject");
        m365_json_cstr(d, k->subject);
    }
}

static void report(struct m365_dctx *dc, const struct m365_app *a, const struct m365_snap_app_info *sa,
                   struct eval *ev, size_t n)
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
    m365_app_entities(fb, a, w->c->object_sp);
    size_t reported = 0;
    bool hosting = false;
    const char *actors[32], *kinds[8], *perms[32], *roles[8];
    size_t nact = 0, nkind = 0, nperm = 0, nrole = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].dup) {
            m365_fb_event(fb, ev[i].c->ev);
        }
        if (ev[i].sev < 0) {
            continue;
        }
        reported++;
        const struct m365_event *e = ev[i].c->ev;
        m365_fb_event(fb, e);
        m365_app_actor_entities(fb, e);
        hosting |= m365_app_from_hosting(dc, e);
        if (nact < 32) {
            actors[nact++] = m365_app_actor_label(e);
        }
        for (uint32_t k = 0; k < ev[i].c->n_added && k < M365_APP_KEYS && nkind < 8; k++) {
            kinds[nkind++] = m365_app_key_kind_name(m365_app_key_kind(&ev[i].c->added[k]));
        }
    }
    /* What made the object privileged, as evidence too. */
    const struct m365_app_grant *g = a->grants.p;
    for (uint32_t i = 0; i < a->grants.n; i++) {
        if (g[i].ev->seq < w->c->ev->seq && (g[i].cls & M365_APP_PRIV_CLASSES)) {
            m365_fb_event(fb, g[i].ev);
            if (nperm < 32 && g[i].perm) {
                perms[nperm++] = g[i].perm;
            }
        }
    }
    const struct m365_app_exo_role *r = a->exo_roles.p;
    for (uint32_t i = 0; i < a->exo_roles.n; i++) {
        if (r[i].ev->seq < w->c->ev->seq) {
            m365_fb_event(fb, r[i].ev);
            if (nrole < 8 && r[i].role) {
                roles[nrole++] = r[i].role;
            }
        }
    }

    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    m365_app_details_ids(dc, d, first, a);
    m365_json_key(d, first, "credential_additions");
    m365_buf_printf(d, "%zu", reported);
    m365_json_key(d, first, "credentials");
    m365_buf_putc(d, '[');
    size_t listed = 0;
    for (size_t i = 0; i < n && listed < 16; i++) {
        if (ev[i].sev < 0) {
            continue;
        }
        const struct m365_app_cred *cr = ev[i].c;
        for (uint32_t k = 0; k < cr->n_added && k < M365_APP_KEYS; k++) {
            if (listed++) {
                m365_buf_putc(d, ',');
            }
            int f2;
            key_json_open(d, &cr->added[k], &f2);
            m365_json_key(d, &f2, "time");
            m365_json_time(d, cr->ev->time_ms);
            m365_json_key(d, &f2, "actor");
            m365_json_cstr(d, m365_app_actor_label(cr->ev));
            m365_json_key(d, &f2, "object");
            m365_json_cstr(d, cr->object_sp ? "service_principal" : "application");
            m365_json_key(d, &f2, "severity");
            m365_json_cstr(d, m365_severity_name((enum m365_severity)ev[i].sev));
            m365_buf_putc(d, '}');
        }
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "key_types");
    m365_app_json_strings(d, kinds, nkind);
    m365_json_key(d, first, "first_credential");
    m365_buf_puts(d, w->first ? "true" : "false");
    m365_json_key(d, first, "set_up_by_creator");
    m365_buf_puts(d, w->setup ? "true" : "false");
    m365_json_key(d, first, "named_after_app");
    m365_buf_puts(d, w->mimic ? "true" : "false");
    m365_json_key(d, first, "privileged_target");
    m365_buf_puts(d, w->priv_cls || w->exo || w->snap_cls ? "true" : "false");
    if (m365_dctx_snapshot(dc)) {
        m365_json_key(d, first, "in_snapshot");
        m365_buf_puts(d, sa ? "true" : "false");
        m365_json_key(d, first, "privileged_per_snapshot");
        m365_buf_puts(d, w->snap_cls ? "true" : "false");
        m365_json_key(d, first, "snapshot_app_roles");
        const char *sroles[sizeof(sa->roles) / sizeof(sa->roles[0])];
        size_t nsr = sa ? sa->n_roles : 0;
        for (size_t i = 0; i < nsr; i++) {
            sroles[i] = sa->roles[i];
        }
        m365_app_json_strings(d, sroles, nsr);
    }
    m365_json_key(d, first, "privileged_permissions");
    m365_app_json_strings(d, perms, nperm);
    m365_json_key(d, first, "exchange_app_roles");
    m365_app_json_strings(d, roles, nrole);
    m365_json_key(d, first, "actor_new_to_object");
    m365_buf_puts(d, w->actor_new ? "true" : "false");
    m365_json_key(d, first, "object_managed_by_others_before");
    m365_buf_puts(d, w->others_before ? "true" : "false");
    m365_json_key(d, first, "actor_type");
    m365_json_cstr(d, m365_actor_type_name((enum m365_actor_type)w->c->ev->actor_type));
    m365_json_key(d, first, "rotation");
    m365_buf_puts(d, w->rotation ? "true" : "false");
    m365_json_key(d, first, "actors");
    m365_app_json_strings(d, actors, nact);
    m365_json_key(d, first, "from_hosting");
    m365_buf_puts(d, hosting ? "true" : "false");
    m365_json_key(d, first, "ip_ranges_loaded");
    m365_buf_puts(d, m365_dctx_has_ip_ranges(dc) || m365_dctx_has_asn_db(dc) ? "true" : "false");
    if (!w->others_before && w->actor_new) {
        m365_json_key(d, first, "note");
        m365_json_cstr(d, "no earlier change of this object in the evidence: whether the actor "
                          "usually manages it is unknown (widen the audit export to see)");
    }

    const struct m365_app_cred *cr = w->c;
    char why[384] = "";
    size_t wl = 0;
    if (w->first && !w->setup) {
        wl += (size_t)snprintf(why + wl, sizeof(why) - wl, ", the object's first credential");
    }
    if (w->mimic && wl < sizeof(why)) {
        wl += (size_t)snprintf(why + wl, sizeof(why) - wl, ", named after the application");
    }
    if ((w->priv_cls || w->exo) && wl < sizeof(why)) {
        wl += (size_t)snprintf(why + wl, sizeof(why) - wl, ", on an application holding %s",
                               nperm ? perms[0] : roles[0]);
    } else if (w->snap_cls && sa->n_roles && wl < sizeof(why)) {
        wl += (size_t)snprintf(why + wl, sizeof(why) - wl,
                               ", on an application holding %s (tenant snapshot)", sa->roles[0]);
    }
    if (w->actor_new && w->others_before && wl < sizeof(why)) {
        wl += (size_t)snprintf(why + wl, sizeof(why) - wl,
                               ", by an actor who never managed it before");
    }
    if (w->rotation && wl < sizeof(why)) {
        wl += (size_t)snprintf(why + wl, sizeof(why) - wl,
                               ", which looks like a secret rotation");
    }
    if (hosting && wl < sizeof(why)) {
        snprintf(why + wl, sizeof(why) - wl, ", from a hosting provider");
    }
    const char *kname = cr->added[0].name ? cr->added[0].name : "";
    char more[64] = "";
    if (reported > 1) {
        snprintf(more, sizeof(more), " (%zu credential additions in all)", reported);
    }
    m365_fb_summary(fb, "%s added %s%s%s%s to the %s %s%s%s%s%s%s.",
                    m365_app_actor_label(cr->ev), kinds_text(cr), *kname ? " \"" : "", kname,
                    *kname ? "\"" : "", cr->object_sp ? "service principal" : "application",
                    m365_app_label(a), a->app_id ? " (" : "", a->app_id ? a->app_id : "",
                    a->app_id ? ")" : "", why, more);
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    M365_APP_EACH_ROOT(&s->facts, a)
    {
        if (!a->creds.n) {
            continue;
        }
        struct eval *ev = calloc(a->creds.n, sizeof(*ev));
        if (!ev) {
            continue;
        }
        struct m365_snap_app_info sa;
        const struct m365_snap_app_info *sap = m365_app_snapshot(dc, a, &sa) ? &sa : NULL;
        const struct m365_app_cred *cr = a->creds.p;
        for (uint32_t i = 0; i < a->creds.n; i++) {
            evaluate(c, a, sap, &cr[i], &ev[i]);
        }
        report(dc, a, sap, ev, a->creds.n);
        free(ev);
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    m365_app_facts_free(&s->facts);
}

static const char *const techniques[] = {"T1098.001", NULL};

const struct m365_detection m365_detect_sp_credential_added = {
    .info =
        {
            .id = "sp-credential-added",
            .title = "Credential added to an application or service principal",
            .severity = M365_SEV_MEDIUM,
            .techniques = techniques,
            .description =
                "A certificate, client secret or federated identity credential added to an "
                "application registration or service principal (KeyDescription of \"Update "
                "application - Certificates and secrets management\" and \"Add service principal "
                "credentials\", FederatedIdentityCredentials of \"Update application\", Credential "
                "of \"Add service principal\"). Only keys absent from the old value count. One "
                "finding per application. Low for a secret on its own; one step higher for each "
                "of: a certificate or federated credential, the object's first credential (not "
                "set-up by its creator), a certificate or secret named after the application "
                "(CN=<app name>), an application holding mail or directory permissions or an "
                "Exchange application role (ApplicationImpersonation, Application Mail.*) earlier "
                "in the evidence, or per a tenant snapshot loaded beside the logs (its app role "
                "assignments), an actor new to an object others managed. An owner rotating a "
                "secret (same name as the old one, or the old one removed by the same actor "
                "within rotation_window) is not reported, or low on a privileged application or "
                "when the actor is new and left the old secret. SAML token-signing certificates "
                "are left out.",
            .needs = "Entra audit logs (directoryAudits, AuditLogs, Azure Monitor) or UAL "
                     "AzureActiveDirectory records",
            .blind_spots =
                "The records carry no key expiry date, so an expiring secret being replaced looks "
                "like any second secret. Whether the actor owns the application, and the "
                "permissions it was granted before the evidence starts, are not in the logs: a "
                "tenant snapshot (owners, appRoleAssignments, keyCredentials) is needed. Sign-ins "
                "with the new credential are in the service-principal sign-in logs "
                "(servicePrincipalCredentialKeyId), which this rule does not read.",
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
