/* federation-modified: domains added, verified or switched to federated authentication, and
 * federation trust changes (issuer, signing certificate) — the Golden SAML / rogue-IdP backdoor
 * that lets an attacker mint tokens for any user of the domain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../engine/detect.h"
#include "tenant_facts.h"
#include "../core/sort.h"

struct cfg {
    int64_t new_account_window;
    bool report_unverified;
};

static const struct m365_param_def params[] = {
    M365_PARAM("new_account_window", M365_PARAM_DURATION, "7d", struct cfg, new_account_window,
               "an actor created in the evidence at most this long before the change is a new "
               "account: the finding becomes critical"),
    M365_PARAM("report_unverified_domains", M365_PARAM_BOOL, "true", struct cfg,
               report_unverified,
               "report a domain that was added but never verified (low); false: only verified, "
               "federated or trust changes"),
};

#define MAX_EV 16
#define MAX_SET 16

struct dom {
    const char *key, *name;
    bool added, verified, removed, federated, defederated, settings, settings_opaque;
    bool cert, next_cert, issuer, risky_props, exo_accepted, exo_trust, exo_cert;
    bool actor_sp, actor_new;
    const char *issuer_old, *issuer_new;
    struct m365_map props;   /* changed federation property names -> 1 */
    struct m365_map cmdlets; /* Exchange cmdlets -> 1 */
    struct m365_map actors, ips;
    const struct m365_event *ev[MAX_EV];
    uint32_t n_ev, total;
};

struct state {
    struct m365_tf_created created;
    struct m365_map doms; /* lower-cased domain (or "federation trust …") -> struct dom */
};

static void mark(struct m365_map *m, const char *k)
{
    if (!k || m->n >= MAX_SET) {
        return;
    }
    void **slot = m365_map_put(m, k, NULL);
    if (slot) {
        *slot = (void *)1;
    }
}

static const char *prop_any(const struct m365_event *ev, const char *name)
{
    const struct m365_modprop *p = m365_event_prop(ev, name);
    if (!p) {
        return NULL;
    }
    if (p->new_value && *p->new_value) {
        return p->new_value;
    }
    return p->old_value && *p->old_value ? p->old_value : NULL;
}

static bool domain_like(const char *s)
{
    return s && strchr(s, '.') && !strchr(s, '@') && !strchr(s, ' ') && !strchr(s, '/');
}

/* The domain a directory record is about: its Name property, else a target that looks like a
 * domain name, else the UAL ObjectId. */
static const char *domain_of(const struct m365_event *ev)
{
    const char *n = prop_any(ev, "Name");
    if (domain_like(n)) {
        return n;
    }
    for (uint32_t i = 0; i < ev->n_targets; i++) {
        if (domain_like(ev->targets[i].name)) {
            return ev->targets[i].name;
        }
        if (domain_like(ev->targets[i].id)) {
            return ev->targets[i].id;
        }
    }
    n = m365_event_extra(ev, "ObjectId");
    return domain_like(n) ? n : NULL;
}

static struct dom *dom_of(struct m365_dctx *dc, struct state *s, const char *name)
{
    const char *key = m365_tf_key(dc, name);
    if (!key) {
        return NULL;
    }
    bool fresh;
    struct dom *d = m365_map_obtain(&s->doms, key, NULL, sizeof(*d), &fresh);
    if (d && fresh) {
        d->key = key;
        d->name = m365_dctx_intern(dc, name, strlen(name));
    }
    return d;
}

static bool changed(const struct m365_modprop *p)
{
    const char *o = p->old_value ? p->old_value : "";
    const char *n = p->new_value ? p->new_value : "";
    return *n && strcmp(o, n) != 0;
}

/* Federation settings properties that do not move trust: everything else (issuer, signing
 * certificates, sign-in / metadata URIs, SupportsMfa…) decides who can mint tokens. */
static bool benign_fed_prop(const char *name)
{
    return m365_ieq(name, "FederationBrandName") || m365_ieq(name, "Included Updated Properties") ||
           m365_istarts(name, "TargetId.") || m365_ieq(name, "Name");
}

static void on_directory(struct m365_dctx *dc, struct dom *d, const struct m365_event *ev)
{
    const char *op = ev->operation;
    if (m365_ieq(op, "Add unverified domain") || m365_ieq(op, "Add domain to company")) {
        d->added = true;
    } else if (m365_ieq(op, "Add verified domain")) {
        d->added = d->verified = true;
    } else if (m365_ieq(op, "Verify domain") || m365_ieq(op, "Verify email verified domain")) {
        d->verified = true;
    } else if (m365_istarts(op, "Remove") && m365_icontains(op, "domain")) {
        d->removed = true;
    }
    const char *lt[] = {"LiveType", "Authentication", "AuthenticationType"};
    for (size_t i = 0; i < 3; i++) {
        const struct m365_modprop *p = m365_event_prop(ev, lt[i]);
        if (p && p->new_value && m365_icontains(p->new_value, "Federated") &&
            !m365_icontains(p->old_value, "Federated")) {
            d->federated = true;
        } else if (p && p->old_value && m365_icontains(p->old_value, "Federated") &&
                   p->new_value && !m365_icontains(p->new_value, "Federated")) {
            d->defederated = true;
        }
    }
    if (m365_icontains(op, "federation settings")) {
        d->settings = true;
        bool any = false;
        for (uint32_t i = 0; i < ev->n_props; i++) {
            const struct m365_modprop *p = &ev->props[i];
            if (!changed(p) || benign_fed_prop(p->name)) {
                continue;
            }
            any = true;
            d->risky_props = true;
            mark(&d->props, m365_dctx_intern(dc, p->name, strlen(p->name)));
            if (m365_ieq(p->name, "SigningCertificate")) {
                d->cert = true;
            } else if (m365_ieq(p->name, "NextSigningCertificate")) {
                d->next_cert = true;
            } else if (m365_ieq(p->name, "IssuerUri")) {
                d->issuer = true;
                d->issuer_old = p->old_value;
                d->issuer_new = p->new_value;
            }
        }
        if (!any) {
            /* Only a brand name changed, or the record lists nothing: say which. */
            bool listed = false;
            for (uint32_t i = 0; i < ev->n_props; i++) {
                if (changed(&ev->props[i]) && m365_ieq(ev->props[i].name, "FederationBrandName")) {
                    listed = true;
                    mark(&d->props, m365_dctx_intern(dc, "FederationBrandName", 19));
                }
            }
            d->settings_opaque |= !listed;
        }
    }
}

static struct dom *on_exchange(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    const char *op = ev->operation;
    bool accepted = m365_ieq(op, "Set-AcceptedDomain") || m365_ieq(op, "New-AcceptedDomain");
    bool trust = m365_ieq(op, "New-FederationTrust") || m365_ieq(op, "Set-FederationTrust");
    bool fed = m365_ieq(op, "Add-FederatedDomain") ||
               m365_ieq(op, "Set-MsolDomainFederationSettings");
    if (!accepted && !trust && !fed) {
        return NULL;
    }
    const char *name = m365_event_param(ev, "DomainName");
    if (!name) {
        name = m365_event_param(ev, trust ? "Name" : "Identity");
    }
    if (!name) {
        name = m365_event_param(ev, trust ? "Identity" : "Name");
    }
    char key[300];
    snprintf(key, sizeof(key), "%s%s", trust ? "federation trust " : "",
             name ? name : (trust ? "(unnamed)" : "(unknown domain)"));
    struct dom *d = dom_of(dc, s, key);
    if (!d) {
        return NULL;
    }
    mark(&d->cmdlets, ev->operation);
    if (accepted) {
        d->exo_accepted = true;
    } else {
        d->exo_trust = true;
    }
    static const char *const cert_params[] = {"Thumbprint", "SigningCertificate",
                                              "NextSigningCertificate", "IssuerUri",
                                              "PassiveLogOnUri", "MetadataUrl"};
    for (size_t i = 0; i < sizeof(cert_params) / sizeof(cert_params[0]); i++) {
        const char *v = m365_event_param(ev, cert_params[i]);
        if (v && *v) {
            d->exo_cert = true;
            mark(&d->props, m365_dctx_intern(dc, cert_params[i], strlen(cert_params[i])));
            if (i == 3) {
                d->issuer = true;
                d->issuer_new = v;
            }
        }
    }
    return d;
}

static void note_actor(struct m365_dctx *dc, struct state *s, const struct cfg *c, struct dom *d,
                       const struct m365_event *ev)
{
    d->actor_sp |= ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL;
    d->actor_new |= m365_tf_actor_new(dc, &s->created, ev, c->new_account_window) != NULL;
    const char *who = ev->actor_upn ? ev->actor_upn : (ev->actor_name ? ev->actor_name : ev->actor_id);
    mark(&d->actors, who ? m365_dctx_intern(dc, who, strlen(who)) : NULL);
    mark(&d->ips, ev->ip);
}

static struct dom *on_domain_record(struct m365_dctx *dc, struct state *s,
                                    const struct m365_event *ev);

static void init(struct m365_dctx *dc, void *sv)
{
    (void)sv;
    if (!m365_dctx_has_kind(dc, M365_EV_DIRECTORY) &&
        !m365_dctx_has_kind(dc, M365_EV_EXCHANGE_ADMIN)) {
        m365_dctx_not_evaluated(dc, "needs directory audit records or Exchange admin records");
    }
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    m365_tf_created_observe(dc, &s->created, ev);
    if (!m365_tf_effective(ev) || !ev->operation) {
        return;
    }
    struct dom *d = NULL;
    if (ev->kind == M365_EV_EXCHANGE_ADMIN) {
        d = on_exchange(dc, s, ev);
    } else {
        d = on_domain_record(dc, s, ev);
    }
    if (!d) {
        return;
    }
    note_actor(dc, s, c, d, ev);
    d->total++;
    if (d->n_ev < MAX_EV) {
        d->ev[d->n_ev++] = m365_dctx_keep(dc, ev);
    }
}

static struct dom *on_domain_record(struct m365_dctx *dc, struct state *s,
                                    const struct m365_event *ev)
{
    const char *op = ev->operation;
    bool relevant = (m365_icontains(op, "domain") &&
                     (m365_istarts(op, "Add") || m365_istarts(op, "Verify") ||
                      m365_istarts(op, "Remove") || m365_istarts(op, "Set") ||
                      m365_istarts(op, "Update"))) ||
                    m365_icontains(op, "federation settings");
    if (!relevant) {
        return NULL;
    }
    const char *name = domain_of(ev);
    struct dom *d = name ? dom_of(dc, s, name) : NULL;
    if (d) {
        on_directory(dc, d, ev);
    }
    return d;
}

static void report(struct m365_dctx *dc, const struct cfg *c, struct dom *d)
{
    bool trust_change = d->federated || d->cert || d->next_cert || d->issuer || d->risky_props ||
                        d->settings_opaque || d->exo_cert;
    if (d->removed && !d->verified && !trust_change && !d->settings && !d->exo_trust) {
        return; /* added and removed again without verification: a typo or a test */
    }
    enum m365_severity sev;
    if (trust_change) {
        sev = M365_SEV_HIGH;
    } else if (d->verified || d->settings || d->exo_trust) {
        sev = M365_SEV_MEDIUM;
    } else if (d->added || d->exo_accepted) {
        if (d->added && !c->report_unverified && !d->exo_accepted) {
            return;
        }
        sev = M365_SEV_LOW;
    } else {
        return; /* de-federation or other domain housekeeping */
    }
    if (d->actor_sp || d->actor_new) {
        sev = sev >= M365_SEV_MEDIUM ? M365_SEV_CRITICAL : M365_SEV_MEDIUM;
    }
    struct m365_fb *fb = m365_fb_begin(dc, sev);
    if (!fb) {
        return;
    }
    bool is_trust = m365_istarts(d->key, "federation trust ");
    if (!is_trust && domain_like(d->key)) {
        m365_fb_entity(fb, M365_ENT_DOMAINS, d->key);
    }
    const char *actors[MAX_SET], *ips[MAX_SET], *props[MAX_SET], *cmdlets[MAX_SET];
    size_t na = m365_map_keys_sorted(&d->actors, actors, MAX_SET);
    size_t ni = m365_map_keys_sorted(&d->ips, ips, MAX_SET);
    size_t np = m365_map_keys_sorted(&d->props, props, MAX_SET);
    size_t nc = m365_map_keys_sorted(&d->cmdlets, cmdlets, MAX_SET);
    for (size_t i = 0; i < ni; i++) {
        m365_fb_entity(fb, M365_ENT_IPS, ips[i]);
    }
    for (uint32_t i = 0; i < d->n_ev; i++) {
        const struct m365_event *ev = d->ev[i];
        m365_fb_event(fb, ev);
        if (ev->actor_upn) {
            m365_fb_entity(fb, M365_ENT_USERS, ev->actor_upn);
        } else if (ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL && ev->actor_id) {
            m365_fb_entity(fb, M365_ENT_SERVICE_PRINCIPALS, ev->actor_id);
        }
    }
    int *first;
    struct m365_buf *b = m365_fb_details(fb, &first);
    m365_json_key(b, first, is_trust ? "federation_trust" : "domain");
    m365_json_cstr(b, is_trust ? d->name + 17 : d->name);
    m365_json_key(b, first, "added");
    m365_buf_puts(b, d->added ? "true" : "false");
    m365_json_key(b, first, "verified");
    m365_buf_puts(b, d->verified ? "true" : "false");
    m365_json_key(b, first, "removed");
    m365_buf_puts(b, d->removed ? "true" : "false");
    m365_json_key(b, first, "federated");
    m365_buf_puts(b, d->federated ? "true" : "false");
    m365_json_key(b, first, "federation_settings_changed");
    m365_buf_puts(b, d->settings ? "true" : "false");
    m365_json_key(b, first, "properties_changed");
    m365_json_cstr_array(b, props, np);
    m365_json_key(b, first, "signing_certificate_changed");
    m365_buf_puts(b, d->cert || d->exo_cert ? "true" : "false");
    m365_json_key(b, first, "next_signing_certificate_changed");
    m365_buf_puts(b, d->next_cert ? "true" : "false");
    m365_json_key(b, first, "issuer_uri_old");
    m365_json_cstr(b, d->issuer_old);
    m365_json_key(b, first, "issuer_uri_new");
    m365_json_cstr(b, d->issuer_new);
    m365_json_key(b, first, "exchange_cmdlets");
    m365_json_cstr_array(b, cmdlets, nc);
    m365_json_key(b, first, "actors");
    m365_json_cstr_array(b, actors, na);
    m365_json_key(b, first, "by_service_principal");
    m365_buf_puts(b, d->actor_sp ? "true" : "false");
    m365_json_key(b, first, "by_new_account");
    m365_buf_puts(b, d->actor_new ? "true" : "false");
    if (d->settings_opaque) {
        m365_json_key(b, first, "note");
        m365_json_cstr(b, "the record does not list which federation settings changed: treat it "
                          "as a possible signing-certificate change");
    }

    const char *by = na ? actors[0] : "an unknown actor";
    const char *what, *tail = "";
    if (d->federated) {
        what = "was switched to federated authentication";
    } else if (d->cert || d->exo_cert) {
        what = "got a new token-signing certificate";
    } else if (d->next_cert) {
        what = "got a new next (rollover) token-signing certificate";
    } else if (d->issuer) {
        what = "got a new federation issuer";
    } else if (d->risky_props || d->settings_opaque) {
        what = "had its federation settings changed";
    } else if (d->settings) {
        what = "had its federation branding changed";
    } else if (d->exo_trust) {
        what = "was changed with Exchange federation cmdlets";
    } else if (d->verified) {
        what = d->added ? "was added to the tenant and verified" : "was verified";
    } else if (d->added) {
        what = "was added to the tenant";
        tail = " and never verified";
    } else {
        what = "was changed as an Exchange accepted domain";
    }
    bool issuer = d->issuer && d->issuer_new;
    m365_fb_summary(fb, "%s %s %s by %s%s%s%s%s.", is_trust ? "The Exchange" : "The domain",
                    d->name, what, by, tail, issuer ? " (issuer " : "",
                    issuer ? d->issuer_new : "", issuer ? ")" : "");
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    M365_MAP_EACH(&s->doms, slot)
    {
        report(dc, c, slot->val);
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    M365_MAP_EACH(&s->doms, slot)
    {
        struct dom *d = slot->val;
        m365_map_free(&d->props);
        m365_map_free(&d->cmdlets);
        m365_map_free(&d->actors);
        m365_map_free(&d->ips);
        free(d);
    }
    m365_map_free(&s->doms);
    m365_tf_created_free(&s->created);
}

static const char *const techniques[] = {"T1484.002", NULL};

const struct m365_detection m365_detect_federation_modified = {
    .info =
        {
            .id = "federation-modified",
            .title = "Domain federation or trust modified",
            .severity = M365_SEV_HIGH,
            .techniques = techniques,
            .description =
                "Domains switched to federated authentication (\"Set domain authentication\", "
                "LiveType Managed -> Federated), federation settings changed (\"Set federation "
                "settings on domain\": issuer, signing certificates, sign-in URIs), new domains "
                "added and verified (\"Add unverified domain\" + \"Verify domain\", \"Add "
                "verified domain\"; UAL \"Add domain to company.\", \"Verify domain.\") and "
                "Exchange federation cmdlets (Set-/New-AcceptedDomain, Add-FederatedDomain, "
                "New-/Set-FederationTrust, Set-MsolDomainFederationSettings). One finding per "
                "domain. High for federation or a new signing certificate / issuer, medium for a "
                "domain added and verified or an Exchange federation trust change, low for a "
                "domain added but never verified or an accepted-domain change; critical when the "
                "actor is a service principal or an account created in the evidence. A domain "
                "added and removed again unverified is not reported.",
            .needs = "Entra audit logs or UAL AzureActiveDirectory records; UAL Exchange admin "
                     "records for the cmdlets",
            .blind_spots =
                "The audit records do not carry the certificates themselves in every format, "
                "and federation configured through Graph's internalDomainFederation may log "
                "fewer properties (reported as an unknown settings change). Token-signing keys "
                "stolen from an existing AD FS server (Golden SAML) change nothing in the "
                "tenant and are invisible here.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_DIRECTORY) | M365_KIND_BIT(M365_EV_EXCHANGE_ADMIN),
    .needs = 0,
    .state_size = sizeof(struct state),
    .init = init,
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
