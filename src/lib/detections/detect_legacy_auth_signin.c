/* legacy-auth-signin: successful sign-ins through protocols that cannot do MFA. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/intervals.h"
#include "../core/json_out.h"
#include "../core/map.h"
#include "../enrich/enrich.h"
#include "../engine/detect.h"
#include "signin_util.h"
#include "../core/sort.h"

struct cfg {
    int64_t established;   /* legacy use starting this early in the sign-in logs is baseline */
    int64_t spray_window;  /* failed passwords this long before the first legacy success */
    uint32_t spray_failures;
    uint32_t regular_days; /* legacy use on this many days from one network: a regular client */
    uint32_t shared_accounts; /* other accounts signing in from a network make it the tenant's */
};

static const struct m365_param_def params[] = {
    M365_PARAM("established_within", M365_PARAM_DURATION, "24h", struct cfg, established,
               "legacy use from one network seen this soon after the sign-in logs start is an "
               "established client (a scanner, a printer), not a finding"),
    M365_PARAM("spray_window", M365_PARAM_DURATION, "24h", struct cfg, spray_window,
               "look back this far for failed passwords against the account"),
    M365_PARAM("spray_failures", M365_PARAM_UINT, "3", struct cfg, spray_failures,
               "failed passwords in that window that make the account 'sprayed'"),
    M365_PARAM("regular_days", M365_PARAM_UINT, "3", struct cfg, regular_days,
               "legacy use from one network on this many days is a regular client: reported low, "
               "or not at all from --trusted-ips"),
    M365_PARAM("shared_accounts", M365_PARAM_UINT, "3", struct cfg, shared_accounts,
               "legacy sign-ins that all come from one network this many other accounts sign in "
               "from with modern authentication (the office), none of the failed passwords from "
               "it, are a device there: reported low, failed passwords from elsewhere or not"),
};

struct user {
    const char *upn;
    uint32_t legacy, modern, failures_before;
    int64_t first_legacy;
    struct m365_days days; /* distinct days with a legacy success */
    struct m365_map protocols; /* protocol -> count (stored as pointer-sized integer) */
    struct m365_map ips;       /* ip -> 1 */
    struct m365_map prefixes;  /* network prefix -> 1 */
    const struct m365_event *ev[64];
    uint32_t n_ev;
    int64_t recent_fail[16]; /* ring of failed-password times before the first legacy success */
    const char *fail_net[16]; /* and the networks they came from */
    uint32_t n_fail;
    bool fail_here; /* a counted failure came from the network of the legacy successes */
    const char *net; /* the network of the first legacy success */
    bool hosting, untrusted;
};

struct state {
    struct m365_map users; /* upn -> struct user */
    struct m365_distinct modern; /* network -> accounts with a modern success from it */
    int64_t logs_start;
};

static void init(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    s->logs_start = INT64_MAX;
    for (int src = M365_LOG_UAL; src <= M365_LOG_SIGNIN_NONINTERACTIVE; src++) {
        int64_t first, last;
        m365_dctx_source_span(dc, (enum m365_log_source)src, &first, &last);
        if (first != INT64_MIN && first < s->logs_start) {
            s->logs_start = first;
        }
    }
}

static struct user *user_of(struct state *s, const char *upn)
{
    bool fresh;
    struct user *u = m365_map_obtain(&s->users, upn, NULL, sizeof(*u), &fresh);
    if (u && fresh) {
        u->upn = upn;
    }
    return u;
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    if (!m365_signin_is_user(ev) || !ev->actor_upn || ev->time_ms == M365_TIME_NONE) {
        return;
    }
    struct user *u = user_of(s, ev->actor_upn);
    if (!u) {
        return;
    }
    const char *proto = m365_signin_legacy_protocol(ev);
    if (ev->result != M365_RESULT_SUCCESS) {
        if (m365_signin_is_bad_password(ev) && !u->legacy) {
            u->fail_net[u->n_fail % 16] = ev->ip ? m365_dctx_ipinfo(dc, ev->ip)->prefix : NULL;
            u->recent_fail[u->n_fail++ % 16] = ev->time_ms;
        }
        return;
    }
    const char *net = ev->ip ? m365_dctx_ipinfo(dc, ev->ip)->prefix : NULL;
    if (!proto) {
        u->modern++;
        m365_distinct_add(&s->modern, net, u->upn);
        return;
    }
    if (!u->legacy) {
        u->first_legacy = ev->time_ms;
        u->net = net;
        for (uint32_t i = 0; i < (u->n_fail < 16 ? u->n_fail : 16); i++) {
            bool counted = ev->time_ms - u->recent_fail[i] <= c->spray_window;
            u->failures_before += counted;
            u->fail_here |= counted && (!net || !u->fail_net[i] || u->fail_net[i] == net);
        }
    }
    u->legacy++;
    m365_days_add(&u->days, ev->time_ms);
    void **pc = m365_map_put(&u->protocols, proto, NULL);
    if (pc) {
        *pc = (void *)((uintptr_t)*pc + 1);
    }
    if (ev->ip) {
        const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, ev->ip);
        void **ps = m365_map_put(&u->ips, ev->ip, NULL);
        if (ps) {
            *ps = (void *)1;
        }
        if (ii->prefix) {
            void **pp = m365_map_put(&u->prefixes, ii->prefix, NULL);
            if (pp) {
                *pp = (void *)1;
            }
        }
        u->hosting |= ii->hosting;
        u->untrusted |= !ii->trusted;
    }
    if (u->n_ev < 64) {
        u->ev[u->n_ev++] = m365_dctx_keep(dc, ev);
    }
}

static void report(struct m365_dctx *dc, const struct cfg *c, struct state *s, struct user *u)
{
    bool mixed = u->modern > 0;
    bool several_networks = u->prefixes.n > 1;
    size_t sharers = m365_distinct_others(&s->modern, u->net, u->upn);
    /* Legacy use from the office (one network the staff sign in from, no failed password from
     * it) is a device there, a printer or a script: an intruder who guessed a password signs in
     * from outside. A spray that failed elsewhere says nothing of it either, and in an export of
     * a few days it need not show on regular_days days to be what it is. */
    bool office = !several_networks && !u->fail_here && sharers >= c->shared_accounts;
    bool sprayed_elsewhere = u->failures_before >= c->spray_failures && office;
    bool sprayed = u->failures_before >= c->spray_failures && !sprayed_elsewhere;
    bool established = u->first_legacy - s->logs_start <= c->established && !several_networks;
    bool regular = !several_networks && u->days.n >= c->regular_days;
    bool warning = mixed || sprayed || u->hosting;
    if (!warning && (!u->untrusted || (established && !sprayed_elsewhere))) {
        return; /* an established or trusted legacy client: baseline, not an intrusion */
    }
    enum m365_severity sev = M365_SEV_MEDIUM;
    if (!warning && (regular || office)) {
        sev = M365_SEV_LOW; /* exposure worth knowing (a printer, a script), not an attack sign */
    } else if (sprayed || u->hosting || (mixed && !established)) {
        sev = M365_SEV_HIGH;
    }
    struct m365_fb *fb = m365_fb_begin(dc, sev);
    if (!fb) {
        return;
    }
    m365_fb_entity(fb, M365_ENT_USERS, u->upn);
    const char *keys[64];
    size_t nip = m365_map_keys_sorted(&u->ips, keys, 64);
    for (size_t i = 0; i < nip; i++) {
        m365_fb_entity(fb, M365_ENT_IPS, keys[i]);
    }
    for (uint32_t i = 0; i < u->n_ev; i++) {
        m365_fb_event(fb, u->ev[i]);
        if (u->ev[i]->app_name) {
            m365_fb_entity(fb, M365_ENT_APPS, u->ev[i]->app_name);
        }
    }
    const char *protos[16];
    size_t np = m365_map_keys_sorted(&u->protocols, protos, 16);
    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    m365_json_key(d, first, "protocols");
    m365_buf_putc(d, '{');
    for (size_t i = 0; i < np; i++) {
        if (i) {
            m365_buf_putc(d, ',');
        }
        m365_json_cstr(d, protos[i]);
        m365_buf_printf(d, ":%lu", (unsigned long)(uintptr_t)m365_map_get(&u->protocols, protos[i], NULL));
    }
    m365_buf_putc(d, '}');
    m365_json_key(d, first, "legacy_signins");
    m365_buf_printf(d, "%u", u->legacy);
    m365_json_key(d, first, "modern_signins");
    m365_buf_printf(d, "%u", u->modern);
    m365_json_key(d, first, "failed_passwords_before");
    m365_buf_printf(d, "%u", u->failures_before);
    m365_json_key(d, first, "from_hosting");
    m365_buf_puts(d, u->hosting ? "true" : "false");
    m365_json_key(d, first, "days");
    m365_buf_printf(d, "%u", u->days.n);
    m365_json_key(d, first, "regular_client");
    m365_buf_puts(d, !warning && regular ? "true" : "false");
    m365_json_key(d, first, "networks");
    m365_buf_printf(d, "%zu", u->prefixes.n);
    if (sprayed_elsewhere) {
        m365_json_key(d, first, "sprayed_from_elsewhere");
        m365_buf_puts(d, "true");
    }
    if (office) {
        m365_json_key(d, first, "office_network");
        m365_json_cstr(d, u->net);
        m365_json_key(d, first, "office_accounts");
        m365_buf_printf(d, "%zu", sharers);
    }
    m365_json_key(d, first, "ip_ranges_loaded");
    m365_buf_puts(d, m365_dctx_has_ip_ranges(dc) || m365_dctx_has_asn_db(dc) ? "true" : "false");
    char why[384] = "";
    size_t w = 0;
    if (sprayed) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, "; %u failed passwords before it",
                              u->failures_before);
    }
    if (sprayed_elsewhere) {
        w += (size_t)snprintf(why + w, sizeof(why) - w,
                              "; %u failed passwords before it came from other networks, and it "
                              "signs in from %s, where %zu other accounts sign in too",
                              u->failures_before, u->net, sharers);
    }
    if (mixed && w < sizeof(why)) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, "; the account otherwise uses modern auth");
    }
    if (u->hosting && w < sizeof(why)) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, "; from a hosting provider");
    }
    if (several_networks && w < sizeof(why)) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, "; from %zu networks", u->prefixes.n);
    }
    if (!warning && regular && w < sizeof(why)) {
        snprintf(why + w, sizeof(why) - w, " (a regular client: %u days from one network)",
                 u->days.n);
    } else if (!warning && office && !sprayed_elsewhere && w < sizeof(why)) {
        snprintf(why + w, sizeof(why) - w,
                 " (from %s, the office: %zu other accounts sign in from it with modern "
                 "authentication)",
                 u->net, sharers);
    }
    m365_fb_summary(fb, "%s signed in %u time(s) with %s, which bypasses MFA%s.", u->upn,
                    u->legacy, np ? protos[0] : "a legacy protocol", why);
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    M365_MAP_EACH(&s->users, slot)
    {
        struct user *u = slot->val;
        if (u->legacy) {
            report(dc, c, s, u);
        }
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    M365_MAP_EACH(&s->users, slot)
    {
        struct user *u = slot->val;
        m365_map_free(&u->protocols);
        m365_map_free(&u->ips);
        m365_map_free(&u->prefixes);
        free(u);
    }
    m365_map_free(&s->users);
    m365_distinct_free(&s->modern);
}

static const char *const techniques[] = {"T1078.004", NULL};

const struct m365_detection m365_detect_legacy_auth_signin = {
    .info =
        {
            .id = "legacy-auth-signin",
            .title = "Successful sign-in through a legacy protocol that bypasses MFA",
            .severity = M365_SEV_MEDIUM,
            .techniques = techniques,
            .description =
                "Successful user sign-ins over IMAP4, POP3, Authenticated SMTP, Exchange "
                "ActiveSync, MAPI, EWS basic, Autodiscover, 'Other clients' or basic-auth "
                "(BAV2ROPC) clients: they take a password alone. One finding per account. High "
                "when the account otherwise uses modern authentication, had failed passwords just "
                "before (unless all of them came from outside the office network the account signs "
                "in from), or came from a hosting provider. A regular legacy client (one network, "
                "several days, or the office network the staff sign in from; no other warning "
                "sign: a printer's SMTP AUTH) is reported low; one "
                "that is already in use when the sign-in logs start, or that comes from "
                "--trusted-ips, is left alone.",
            .needs = "sign-in logs (Entra sign-ins with clientAppUsed, or UAL UserLoggedIn)",
            .blind_spots =
                "Legacy sign-ins that Conditional Access blocked are not successes and are not "
                "reported here. UAL UserLoggedIn records carry no protocol: only basic-auth user "
                "agents reveal legacy use there. A mailbox read over IMAP after the sign-in is "
                "not logged at all.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_SIGNIN),
    .needs = M365_KIND_BIT(M365_EV_SIGNIN),
    .state_size = sizeof(struct state),
    .init = init,
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
