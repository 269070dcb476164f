/* password-spray-success: an account a spray targeted shows a correct password from the spray's
 * address, network, ASN or user agent (the spray analysis is spray_common.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../enrich/enrich.h"
#include "../engine/detect.h"
#include "spray_common.h"
#include "../core/sort.h"

#define MAX_EV 64   /* correct-password events kept per account (all are counted) */
#define MAX_IPS 32  /* addresses listed per account */

struct cfg {
    struct m365_spray_cfg spray;
    int64_t success_window;
    int64_t address_window;
};

static const struct m365_param_def params[] = {
    M365_SPRAY_PARAMS(struct cfg, spray),
    M365_PARAM("success_window", M365_PARAM_DURATION, "24h", struct cfg, success_window,
               "a correct password this long after the spray's last failure still counts"),
    M365_PARAM("address_window", M365_PARAM_DURATION, "7d", struct cfg, address_window,
               "a correct password from a spraying address itself still counts this long after the "
               "spray's last failure (attackers come back for the accounts they found)"),
};

/* How a correct password ties to the spray, strongest first. */
enum match {
    MATCH_NONE = 0,
    MATCH_OWN_DEVICE,  /* a spraying address or network, but the account's own device */
    MATCH_HOSTING_ASN, /* same hosting / cloud ASN */
    MATCH_UA,          /* the spray's own user agent, from a network new to the account */
    MATCH_ASN_UA,      /* same ASN and the spray's user agent */
    MATCH_PREFIX,      /* same /24 or /64 */
    MATCH_IP,          /* a spraying address */
};

static const char *match_name(enum match m)
{
    switch (m) {
    case MATCH_IP:
        return "ip";
    case MATCH_PREFIX:
        return "prefix";
    case MATCH_ASN_UA:
        return "asn_and_user_agent";
    case MATCH_UA:
        return "user_agent";
    case MATCH_HOSTING_ASN:
        return "hosting_asn";
    case MATCH_OWN_DEVICE:
        return "address_with_own_device";
    default:
        return "none";
    }
}

struct hit {
    const char *acct;
    enum match best;
    uint32_t matches; /* bit per enum match */
    const struct m365_spray_campaign *camp; /* of the strongest match */
    const struct m365_event *ev[MAX_EV];
    uint32_t n_ev, total;
    const char *ips[MAX_IPS];
    uint32_t n_ips;
    bool targeted;
    int64_t first;
    const struct m365_event *first_ev; /* the earliest tied sign-in */
};

struct state {
    struct m365_spray *sp;
};

static void init(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    (void)dc;
    s->sp = m365_spray_new();
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    m365_spray_observe(s->sp, dc, &c->spray, ev);
}

/* The strongest tie between one correct password and one campaign. */
static enum match match_of(struct m365_dctx *dc, const struct m365_spray *sp, const struct cfg *c,
                           const struct m365_spray_campaign *cp, const struct m365_spray_ok *ok,
                           const struct m365_event *ev, bool *targeted)
{
    int64_t reach = c->address_window > c->success_window ? c->address_window : c->success_window;
    if (ev->time_ms < cp->first || ev->time_ms > cp->last + reach) {
        return MATCH_NONE;
    }
    /* Past success_window only the spraying address itself still ties the sign-in. */
    bool late = ev->time_ms > cp->last + c->success_window;
    if (late && !m365_spray_campaign_has_ip(cp, ok->ip)) {
        return MATCH_NONE;
    }
    /* A network the account signed in from before the spray began is its own. */
    if (m365_spray_net_first(sp, ok->acct, ok->prefix ? ok->prefix : ok->ip) < cp->first) {
        return MATCH_NONE;
    }
    const struct m365_spray_account *a = m365_spray_campaign_account(cp, ok->acct);
    *targeted = a && a->first <= ev->time_ms;
    const char *uas = ev->user_agent ? m365_dctx_intern(dc, ev->user_agent, strlen(ev->user_agent))
                                     : NULL;
    bool spray_ua = uas && m365_spray_campaign_has_ua(cp, uas);
    /* The account's own browser or app from before the spray, not the spray's: a user behind
     * the same carrier-grade NAT or proxy pool address, more likely than an attacker who knows
     * the user's device. */
    bool own_device =
        uas && !spray_ua && m365_spray_account_ua_first(sp, ok->acct, uas) < cp->first;
    if (m365_spray_campaign_has_ip(cp, ok->ip)) {
        /* A spraying address getting in, even on its first try at the account. */
        if (own_device) {
            return *targeted ? MATCH_OWN_DEVICE : MATCH_NONE;
        }
        return MATCH_IP;
    }
    if (!*targeted) {
        return MATCH_NONE;
    }
    if (m365_spray_campaign_has_prefix(cp, ok->prefix)) {
        /* Or a device the account used earlier at a network the spray never used (the office,
         * in an export that begins after the spray did): the person at a neighbour's line. */
        bool own_elsewhere =
            uas && !spray_ua &&
            m365_spray_account_ua_elsewhere(sp, cp, ok->acct, uas, ok->prefix, ev->time_ms);
        return own_device || own_elsewhere ? MATCH_OWN_DEVICE : MATCH_PREFIX;
    }
    const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, ok->ip);
    if (ii->trusted) {
        return MATCH_NONE; /* the tenant's own egress: weaker ties do not hold there */
    }
    /* The spray's user agent counts only when nobody in the tenant got in with it before the
     * spray began (an everyday browser string ties nothing). */
    bool ua = spray_ua && m365_spray_ua_first(sp, uas) >= cp->first;
    bool asn = ok->asn && m365_spray_campaign_has_asn(cp, ok->asn) &&
               m365_spray_asn_first(sp, ok->acct, ok->asn) >= cp->first;
    if (asn && ua) {
        return MATCH_ASN_UA;
    }
    if (ua) {
        return MATCH_UA;
    }
    /* A residential ASN alone says nothing (every user at home shares it); a hosting one does. */
    if (asn && (ii->hosting_asn || m365_asn_is_hosting(ok->asn, NULL))) {
        return MATCH_HOSTING_ASN;
    }
    return MATCH_NONE;
}

static struct hit *hit_of(struct m365_map *hits, const char *acct)
{
    bool fresh;
    struct hit *h = m365_map_obtain(hits, acct, NULL, sizeof(*h), &fresh);
    if (h && fresh) {
        h->acct = acct;
        h->first = INT64_MAX;
    }
    return h;
}

static void add_ip(struct hit *h, const char *ip)
{
    for (uint32_t i = 0; i < h->n_ips; i++) {
        if (h->ips[i] == ip) {
            return;
        }
    }
    if (h->n_ips < MAX_IPS) {
        h->ips[h->n_ips++] = ip;
    }
}

static int cmp_hit(const void *a, const void *b)
{
    const struct hit *x = *(struct hit *const *)a, *y = *(struct hit *const *)b;
    if (x->first != y->first) {
        return x->first < y->first ? -1 : 1;
    }
    return strcmp(x->acct, y->acct);
}

/* Outcome of a correct-password sign-in: "success" or the error code that stopped it. */
static void outcome(const struct m365_event *ev, char *out, size_t size)
{
    if (ev->result == M365_RESULT_SUCCESS) {
        snprintf(out, size, "success");
    } else {
        snprintf(out, size, "%d", (int)ev->error_code);
    }
}

static const char *stop_reason(int32_t code)
{
    switch (code) {
    case 50055:
        return "an expired password";
    case 50072:
    case 50074:
    case 50076:
    case 50079:
        return "the MFA requirement";
    case 50158:
        return "an external security challenge";
    case 53000:
    case 53001:
    case 53003:
        return "Conditional Access";
    default:
        return "an interrupt";
    }
}

static void report(struct m365_dctx *dc, const struct m365_spray *sp, struct hit *h)
{
    const struct m365_spray_campaign *cp = h->camp;
    enum m365_severity sev = h->best >= MATCH_ASN_UA       ? M365_SEV_CRITICAL
                             : h->best >= MATCH_HOSTING_ASN ? M365_SEV_HIGH
                                                            : M365_SEV_MEDIUM;
    struct m365_fb *fb = m365_fb_begin(dc, sev);
    if (!fb) {
        return;
    }
    m365_fb_entity(fb, M365_ENT_USERS, h->acct);
    m365_qsort(h->ips, h->n_ips, sizeof(*h->ips), m365_cmp_cstr);
    for (uint32_t i = 0; i < h->n_ips; i++) {
        m365_fb_entity(fb, M365_ENT_IPS, h->ips[i]);
    }
    /* Outcomes, counted: success, or the code that stopped a correct password. */
    char names[8][16];
    uint32_t counts[8], n_out = 0;
    for (uint32_t i = 0; i < h->n_ev; i++) {
        const struct m365_event *ev = h->ev[i];
        m365_fb_event(fb, ev);
        if (ev->app_name) {
            m365_fb_entity(fb, M365_ENT_APPS, ev->app_name);
        }
        char o[16];
        outcome(ev, o, sizeof(o));
        uint32_t j = 0;
        while (j < n_out && strcmp(names[j], o) != 0) {
            j++;
        }
        if (j == n_out && n_out < 8) {
            snprintf(names[n_out], sizeof(names[n_out]), "%s", o);
            counts[n_out++] = 0;
        }
        if (j < n_out) {
            counts[j]++;
        }
    }
    /* The spray's failures against the account are the password-spray finding's evidence;
     * here they are counted, so that first_seen is when the password worked. */
    const struct m365_spray_account *a = m365_spray_campaign_account(cp, h->acct);
    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    m365_json_key(d, first, "account");
    m365_json_cstr(d, h->acct);
    m365_json_key(d, first, "match");
    m365_json_cstr(d, match_name(h->best));
    m365_json_key(d, first, "matches");
    m365_buf_putc(d, '[');
    bool any = false;
    for (int m = MATCH_IP; m > MATCH_NONE; m--) {
        if (h->matches & (1u << m)) {
            m365_buf_puts(d, any ? "," : "");
            m365_json_cstr(d, match_name((enum match)m));
            any = true;
        }
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "targeted");
    m365_buf_puts(d, h->targeted ? "true" : "false");
    m365_json_key(d, first, "correct_password_signins");
    m365_buf_printf(d, "%u", h->total);
    m365_json_key(d, first, "outcomes");
    m365_buf_putc(d, '{');
    for (uint32_t i = 0; i < n_out; i++) {
        m365_buf_puts(d, i ? "," : "");
        m365_json_cstr(d, names[i]);
        m365_buf_printf(d, ":%u", counts[i]);
    }
    m365_buf_putc(d, '}');
    m365_json_key(d, first, "ips");
    m365_buf_putc(d, '[');
    for (uint32_t i = 0; i < h->n_ips; i++) {
        m365_buf_puts(d, i ? "," : "");
        m365_json_cstr(d, h->ips[i]);
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "first_correct_password");
    m365_json_time(d, h->first);
    m365_json_key(d, first, "spray_failures_against_account");
    m365_buf_printf(d, "%u", a ? a->failures : 0);
    m365_json_key(d, first, "first_spray_failure_against_account");
    m365_json_time(d, a ? a->first : M365_TIME_NONE);
    m365_json_key(d, first, "spray");
    m365_buf_putc(d, '{');
    int f = 1;
    m365_json_key(d, &f, "first_failure");
    m365_json_time(d, cp->first);
    m365_json_key(d, &f, "last_failure");
    m365_json_time(d, cp->last);
    m365_json_key(d, &f, "accounts");
    m365_buf_printf(d, "%zu", cp->n_accounts);
    m365_json_key(d, &f, "ips");
    m365_buf_printf(d, "%zu", cp->n_ips);
    m365_json_key(d, &f, "failures");
    m365_buf_printf(d, "%u", cp->failures);
    m365_buf_putc(d, '}');
    if (!m365_spray_saw_asn(sp)) {
        m365_json_key(d, first, "notes");
        m365_buf_putc(d, '[');
        m365_json_cstr(d, "no ASN for these addresses (give --asn-db): only address, network and "
                          "user-agent ties were checked");
        m365_buf_putc(d, ']');
    }
    char when[32], from[32];
    m365_spray_fmt_minute(h->first, when, sizeof(when));
    m365_spray_fmt_minute(cp->first, from, sizeof(from));
    const char *how = h->best == MATCH_IP       ? "a spraying address"
                      : h->best == MATCH_PREFIX ? "a spraying network"
                      : h->best == MATCH_ASN_UA ? "the spray's ASN and user agent"
                      : h->best == MATCH_UA     ? "the spray's user agent, on a network new to it"
                      : h->best == MATCH_HOSTING_ASN
                          ? "the spray's hosting ASN"
                          : "a spraying address or network, but with the account's own "
                            "device: a shared carrier or proxy address?";
    /* The first sign-in's outcome, in words, when it was not a plain success. */
    const struct m365_event *fe = h->first_ev;
    char stopped[96] = "";
    int32_t code = fe && fe->result != M365_RESULT_SUCCESS ? fe->error_code : 0;
    if (code) {
        snprintf(stopped, sizeof(stopped), "; only %s stopped it (%d)", stop_reason(code),
                 (int)code);
    }
    m365_fb_summary(fb,
                    "%s gave a correct password at %s from %s (%s)%s, %s the password spray that "
                    "began %s and hit %zu accounts from %zu %s.",
                    h->acct, when, fe && fe->ip ? fe->ip : "an unknown address", how, stopped,
                    h->targeted ? "after being targeted by" : "during", from, cp->n_accounts,
                    cp->n_ips, cp->n_ips == 1 ? "address" : "addresses");
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    m365_spray_analyse(s->sp, &c->spray);
    size_t nc = m365_spray_n_campaigns(s->sp);
    if (!nc) {
        return;
    }
    struct m365_map hits = {0};
    for (size_t i = 0; i < m365_spray_n_ok(s->sp); i++) {
        const struct m365_spray_ok *ok = m365_spray_ok_at(s->sp, i);
        /* Each sign-in's strongest tie, over every campaign. */
        struct {
            enum match m;
            const struct m365_spray_campaign *cp;
            bool targeted;
        } tie[M365_SPRAY_OK_EV] = {{MATCH_NONE, NULL, false}};
        bool own = false;
        for (uint8_t e = 0; e < ok->n_ev; e++) {
            struct m365_event buf;
            const struct m365_event *ev = m365_dctx_ref_at(dc, ok->ev[e], &buf);
            for (size_t ci = 0; ci < nc; ci++) {
                const struct m365_spray_campaign *cp = m365_spray_campaign_at(s->sp, ci);
                bool t = false;
                enum match m = match_of(dc, s->sp, c, cp, ok, ev, &t);
                if (m > tie[e].m) {
                    tie[e].m = m;
                    tie[e].cp = cp;
                    tie[e].targeted = t;
                }
            }
            own |= tie[e].m == MATCH_OWN_DEVICE;
        }
        for (uint8_t e = 0; e < ok->n_ev; e++) {
            enum match best = tie[e].m;
            const struct m365_spray_campaign *bc = tie[e].cp;
            bool targeted = tie[e].targeted;
            /* The account's own device signed in from this very address (its phone, with a
             * client used before the spray began): the address is the user's (home, or the
             * carrier's NAT), and sharing a /24 with a spraying address ties its other
             * sign-ins no more than that one. The spraying address itself still does. */
            if (own && best == MATCH_PREFIX) {
                best = MATCH_OWN_DEVICE;
            }
            if (best == MATCH_NONE) {
                continue;
            }
            struct m365_event buf;
            const struct m365_event *ev = m365_dctx_ref_at(dc, ok->ev[e], &buf);
            struct hit *h = hit_of(&hits, ok->acct);
            if (!h) {
                continue;
            }
            h->matches |= 1u << best;
            if (best > h->best) {
                h->best = best;
                h->camp = bc;
                h->targeted = targeted;
            }
            h->total++;
            if (h->n_ev < MAX_EV) {
                h->ev[h->n_ev++] = m365_dctx_keep(dc, ev);
            }
            add_ip(h, ok->ip);
            if (ev->time_ms < h->first) {
                h->first = ev->time_ms;
                h->first_ev = m365_dctx_keep(dc, ev);
            }
        }
    }
    struct hit **list = malloc((hits.n ? hits.n : 1) * sizeof(*list));
    size_t n = 0;
    M365_MAP_EACH(&hits, slot)
    {
        if (list) {
            list[n++] = slot->val;
        } else {
            free(slot->val);
        }
    }
    m365_map_free(&hits);
    if (!list) {
        return;
    }
    m365_qsort(list, n, sizeof(*list), cmp_hit);
    for (size_t i = 0; i < n; i++) {
        report(dc, s->sp, list[i]);
        free(list[i]);
    }
    free(list);
}

static void free_state(void *sv)
{
    struct state *s = sv;
    m365_spray_free(s->sp);
    s->sp = NULL;
}

static const char *const techniques[] = {"T1110.003", "T1078.004", NULL};

const struct m365_detection m365_detect_password_spray_success = {
    .info =
        {
            .id = "password-spray-success",
            .title = "Correct password for a sprayed account",
            .severity = M365_SEV_CRITICAL,
            .techniques = techniques,
            .description =
                "After a password spray (the password-spray analysis, run with the same "
                "parameters), a correct password — a success, or a sign-in stopped only by MFA, "
                "Conditional Access or an expired password (50072, 50074, 50076, 50079, 50158, "
                "53000, 53001, 53003, 50055) — for an account the spray targeted, within "
                "success_window of the spray's last failure, from a network the account had not "
                "used before the spray. Critical when it comes from a spraying address (even for "
                "an account the spray got on its first try) or its /24 or /64, or from the "
                "spray's ASN with its user agent; high when only the spray's user agent (one no "
                "account used before the spray) or its hosting ASN ties it; medium when a "
                "spraying address or network comes with the account's own earlier device (a "
                "shared carrier address): one used before the spray, or, beside a spraying "
                "address, one used earlier at a network the spray never used. One finding per "
                "account.",
            .needs = "sign-in logs with failures and successes (Entra sign-ins, or UAL "
                     "UserLoginFailed / UserLoggedIn)",
            .blind_spots =
                "A correct password from an address the spray never used, with a different user "
                "agent (the attacker switching infrastructure after the guess) is not tied to the "
                "spray here: look at signin-from-hosting-ip and the account's later activity. A "
                "residential ASN shared with the spray is not enough on its own. An attacker "
                "beside a spray exit (same /24) whose browser string matches one the account "
                "used at the office earlier is reported medium, as the person would be. Only the "
                "first 16 correct-password sign-ins per account and address are examined.",
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
