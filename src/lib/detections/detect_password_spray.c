/* password-spray: many accounts failing with wrong-password codes from one source, or from many
 * rotating addresses that share a user agent or an error code (see spray_common.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../engine/detect.h"
#include "spray_common.h"

#define MAX_LISTED 500 /* accounts / addresses written into details (all are counted) */

struct cfg {
    struct m365_spray_cfg spray;
};

static const struct m365_param_def params[] = {
    M365_SPRAY_PARAMS(struct cfg, spray),
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

static void json_time_key(struct m365_buf *d, int *first, const char *key, int64_t ms)
{
    m365_json_key(d, first, key);
    m365_json_time(d, ms);
}

static void write_sources(struct m365_buf *d, int *first, const struct m365_spray_campaign *cp)
{
    m365_json_key(d, first, "sources");
    m365_buf_putc(d, '[');
    for (size_t i = 0; i < cp->n_sources; i++) {
        const struct m365_spray_source *so = &cp->sources[i];
        int f = 1;
        m365_buf_puts(d, i ? ",{" : "{");
        m365_json_key(d, &f, "level");
        m365_json_cstr(d, so->level);
        if (so->value) {
            m365_json_key(d, &f, "value");
            m365_json_cstr(d, so->value);
        } else {
            m365_json_key(d, &f, "asn");
            m365_buf_printf(d, "%u", so->asn);
        }
        m365_json_key(d, &f, "accounts");
        m365_buf_printf(d, "%u", so->accounts);
        m365_json_key(d, &f, "failures");
        m365_buf_printf(d, "%u", so->failures);
        m365_buf_putc(d, '}');
    }
    m365_buf_putc(d, ']');
}

static void write_signatures(struct m365_buf *d, int *first, const struct m365_spray_campaign *cp)
{
    m365_json_key(d, first, "signatures");
    m365_buf_putc(d, '[');
    for (size_t i = 0; i < cp->n_sigs; i++) {
        const struct m365_spray_signature *g = &cp->sigs[i];
        int f = 1;
        m365_buf_puts(d, i ? ",{" : "{");
        m365_json_key(d, &f, "kind");
        m365_json_cstr(d, g->kind);
        if (g->ua) {
            m365_json_key(d, &f, "user_agent");
            m365_json_cstr(d, g->ua);
        } else {
            m365_json_key(d, &f, "error_code");
            m365_buf_printf(d, "%d", (int)g->code);
            m365_json_key(d, &f, "app_id");
            m365_json_cstr(d, g->app_id);
            m365_json_key(d, &f, "app");
            m365_json_cstr(d, g->app_name);
        }
        m365_json_key(d, &f, "accounts");
        m365_buf_printf(d, "%u", g->accounts);
        m365_json_key(d, &f, "ips");
        m365_buf_printf(d, "%u", g->ips);
        m365_json_key(d, &f, "ips_left_out");
        m365_buf_printf(d, "%u", g->ips_left_out);
        m365_buf_putc(d, '}');
    }
    m365_buf_putc(d, ']');
}

static void write_lists(struct m365_buf *d, int *first, const struct m365_spray_campaign *cp)
{
    m365_json_key(d, first, "accounts");
    m365_buf_putc(d, '[');
    for (size_t i = 0; i < cp->n_accounts && i < MAX_LISTED; i++) {
        const struct m365_spray_account *a = &cp->accounts[i];
        int f = 1;
        m365_buf_puts(d, i ? ",{" : "{");
        m365_json_key(d, &f, "account");
        m365_json_cstr(d, a->name);
        m365_json_key(d, &f, "failures");
        m365_buf_printf(d, "%u", a->failures);
        json_time_key(d, &f, "first", a->first);
        json_time_key(d, &f, "last", a->last);
        m365_buf_putc(d, '}');
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "ips");
    m365_buf_putc(d, '[');
    for (size_t i = 0; i < cp->n_ips && i < MAX_LISTED; i++) {
        const struct m365_spray_ip *p = &cp->ips[i];
        int f = 1;
        m365_buf_puts(d, i ? ",{" : "{");
        m365_json_key(d, &f, "ip");
        m365_json_cstr(d, p->ip);
        m365_json_key(d, &f, "accounts");
        m365_buf_printf(d, "%u", p->accounts);
        m365_json_key(d, &f, "failures");
        m365_buf_printf(d, "%u", p->failures);
        m365_json_key(d, &f, "asn");
        if (p->asn) {
            m365_buf_printf(d, "%u", p->asn);
        } else {
            m365_buf_puts(d, "null");
        }
        m365_json_key(d, &f, "hosting");
        m365_buf_puts(d, p->hosting ? "true" : "false");
        m365_buf_putc(d, '}');
    }
    m365_buf_putc(d, ']');
    if (cp->n_accounts > MAX_LISTED || cp->n_ips > MAX_LISTED) {
        m365_json_key(d, first, "lists_truncated_to");
        m365_buf_printf(d, "%d", MAX_LISTED);
    }
    m365_json_key(d, first, "error_codes");
    m365_buf_putc(d, '{');
    for (size_t i = 0; i < cp->n_codes; i++) {
        m365_buf_printf(d, "%s\"%d\":%u", i ? "," : "", (int)cp->codes[i].code, cp->codes[i].n);
    }
    m365_buf_putc(d, '}');
    m365_json_key(d, first, "user_agents");
    m365_buf_putc(d, '[');
    for (size_t i = 0; i < cp->n_uas; i++) {
        if (i) {
            m365_buf_putc(d, ',');
        }
        m365_json_cstr(d, cp->uas[i].name);
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "apps");
    m365_buf_putc(d, '[');
    for (size_t i = 0; i < cp->n_apps; i++) {
        if (i) {
            m365_buf_putc(d, ',');
        }
        m365_json_cstr(d, cp->apps[i].name);
    }
    m365_buf_putc(d, ']');
}

/* What made it a spray, in words, for the summary. */
static void describe(const struct m365_spray_campaign *cp, const struct cfg *c, char *out,
                     size_t size)
{
    long long minutes = (long long)(c->spray.window / 60000);
    size_t w = 0;
    out[0] = '\0';
    for (size_t i = 0; i < cp->n_sigs && w < size; i++) {
        const struct m365_spray_signature *g = &cp->sigs[i];
        if (g->ua) {
            w += (size_t)snprintf(out + w, size - w, "%sone shared user agent", w ? "; " : "");
        } else {
            w += (size_t)snprintf(out + w, size - w, "%sshared error %d against %s", w ? "; " : "",
                                  (int)g->code, g->app_name ? g->app_name : g->app_id);
        }
    }
    for (size_t i = 0; i < cp->n_sources && w < size; i++) {
        const struct m365_spray_source *so = &cp->sources[i];
        if (so->value) {
            w += (size_t)snprintf(out + w, size - w, "%s%u accounts within %lld min from %s",
                                  w ? "; " : "", so->accounts, minutes, so->value);
        } else {
            w += (size_t)snprintf(out + w, size - w, "%s%u accounts within %lld min from AS%u",
                                  w ? "; " : "", so->accounts, minutes, so->asn);
        }
    }
}

static void report(struct m365_dctx *dc, const struct cfg *c, const struct m365_spray *sp,
                   const struct m365_spray_campaign *cp)
{
    /* Without a single correct password in the evidence (a failures-only export), neither the
     * users' own networks nor everyday clients can be set apart: say so, and report medium. */
    bool ok = m365_spray_saw_ok(sp);
    struct m365_fb *fb = m365_fb_begin(dc, ok ? M365_SEV_HIGH : M365_SEV_MEDIUM);
    if (!fb) {
        return;
    }
    uint32_t max_attempts = 0;
    for (size_t i = 0; i < cp->n_accounts; i++) {
        m365_fb_entity(fb, M365_ENT_USERS, cp->accounts[i].name);
    }
    for (size_t i = 0; i < cp->n_ips; i++) {
        m365_fb_entity(fb, M365_ENT_IPS, cp->ips[i].ip);
        if (cp->ips[i].failures > max_attempts) {
            max_attempts = cp->ips[i].failures;
        }
    }
    for (size_t i = 0; i < cp->n_segs; i++) {
        m365_fb_entity(fb, M365_ENT_APPS, cp->segs[i]->app_name);
        m365_fb_entity(fb, M365_ENT_APPS, cp->segs[i]->app_id);
        for (uint8_t j = 0; j < cp->segs[i]->n_ev; j++) {
            m365_fb_ref(fb, cp->segs[i]->ev[j]);
        }
    }
    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    m365_json_key(d, first, "forms");
    m365_buf_printf(d, "[%s%s%s]", cp->distributed ? "\"distributed\"" : "",
                    cp->distributed && cp->single_source ? "," : "",
                    cp->single_source ? "\"single_source\"" : "");
    m365_json_key(d, first, "failures");
    m365_buf_printf(d, "%u", cp->failures);
    m365_json_key(d, first, "distinct_users");
    m365_buf_printf(d, "%zu", cp->n_accounts);
    m365_json_key(d, first, "distinct_ips");
    m365_buf_printf(d, "%zu", cp->n_ips);
    m365_json_key(d, first, "max_attempts_per_ip");
    m365_buf_printf(d, "%u", max_attempts);
    m365_json_key(d, first, "max_accounts_per_ip");
    m365_buf_printf(d, "%u", cp->max_accounts_per_ip);
    /* Addresses that failed for two accounts or more: no one's own (distributed_shared_exits). */
    uint32_t shared = 0;
    for (size_t i = 0; i < cp->n_ips; i++) {
        shared += cp->ips[i].accounts >= 2;
    }
    m365_json_key(d, first, "shared_exits");
    m365_buf_printf(d, "%u", shared);
    json_time_key(d, first, "first_failure", cp->first);
    json_time_key(d, first, "last_failure", cp->last);
    m365_json_key(d, first, "span_minutes");
    m365_buf_printf(d, "%lld", (long long)((cp->last - cp->first) / 60000));
    write_signatures(d, first, cp);
    write_sources(d, first, cp);
    write_lists(d, first, cp);
    uint32_t tenant, min_accounts, min_ips;
    m365_spray_distributed_thresholds(sp, &tenant, &min_accounts, &min_ips);
    /* Said only where the small tenant's thresholds were needed: the signature that made the
     * campaign distributed reached fewer accounts or exits than the parameters ask. */
    bool small = false;
    for (size_t i = 0; i < cp->n_sigs && min_accounts < c->spray.dist_min_accounts; i++) {
        small |= cp->sigs[i].accounts < c->spray.dist_min_accounts ||
                 cp->sigs[i].ips < c->spray.dist_min_ips;
    }
    if (small) {
        m365_json_key(d, first, "small_tenant");
        m365_buf_printf(d, "{\"accounts_signing_in\":%u,\"min_accounts\":%u,\"min_exits\":%u}",
                        tenant, min_accounts, min_ips);
    }
    bool asn = m365_spray_saw_asn(sp);
    m365_json_key(d, first, "asn_known");
    m365_buf_puts(d, asn ? "true" : "false");
    m365_json_key(d, first, "own_network_check");
    m365_buf_puts(d, ok ? "true" : "false");
    if (!asn || !ok) {
        m365_json_key(d, first, "notes");
        m365_buf_putc(d, '[');
        if (!asn) {
            m365_json_cstr(d, "no ASN for these addresses (give --asn-db, or export sign-ins with "
                              "autonomousSystemNumber): sources were not grouped by ASN");
        }
        if (!ok) {
            m365_buf_puts(d, asn ? "" : ",");
            m365_json_cstr(d, "no correct-password sign-ins in the evidence (a failures-only "
                              "export?): failures could not be set apart as the users' own "
                              "(mistyped passwords, shared egress, everyday browsers), so the "
                              "finding is medium; export successes too");
        }
        m365_buf_putc(d, ']');
    }
    char from[32], to[32], how[512], where[96];
    m365_spray_fmt_minute(cp->first, from, sizeof(from));
    m365_spray_fmt_minute(cp->last, to, sizeof(to));
    describe(cp, c, how, sizeof(how));
    if (cp->n_ips == 1) {
        snprintf(where, sizeof(where), "%s", cp->ips[0].ip);
    } else {
        snprintf(where, sizeof(where), "%zu addresses (at most %u account%s each)", cp->n_ips,
                 cp->max_accounts_per_ip, cp->max_accounts_per_ip == 1 ? "" : "s");
    }
    /* A distributed campaign through fewer exits than distributed_min_ips: say why it is one. */
    bool few = false;
    for (size_t i = 0; i < cp->n_sigs && cp->distributed; i++) {
        few |= cp->sigs[i].ips < c->spray.dist_min_ips;
    }
    char of[160] = "";
    if (small) {
        snprintf(of, sizeof(of), "; %u accounts signed in correctly in the evidence: a small "
                 "tenant's thresholds", tenant);
    } else if (few) {
        snprintf(of, sizeof(of), "; %u of the addresses failed for two accounts or more, which "
                 "no one's own address does", shared);
    }
    m365_fb_summary(fb,
                    "Password spray: %zu accounts failed with a wrong password %u times from %s "
                    "between %s and %s (%s%s).",
                    cp->n_accounts, cp->failures, where, from, to, how, of);
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    m365_spray_analyse(s->sp, &c->spray);
    for (size_t i = 0; i < m365_spray_n_campaigns(s->sp); i++) {
        report(dc, c, s->sp, m365_spray_campaign_at(s->sp, i));
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    m365_spray_free(s->sp);
    s->sp = NULL;
}

static const char *const techniques[] = {"T1110.003", NULL};

const struct m365_detection m365_detect_password_spray = {
    .target_entities = 1u << M365_ENT_USERS,
    .info =
        {
            .id = "password-spray",
            .title = "Password spray",
            .severity = M365_SEV_HIGH,
            .techniques = techniques,
            .description =
                "Wrong-password failures (50126, 50053, 50056, 50034, 50057, 50064, 50055; UAL "
                "UserLoginFailed ErrorNumber) across many accounts. Single source: one address, "
                "its /24 or /64, or its ASN fails against min_accounts accounts within `window` "
                "with at most max_avg_tries failures per account. Distributed (low and slow, "
                "residential proxies): failures sharing one user agent, or one error code against "
                "one application, with no pause longer than distributed_window, reach "
                "distributed_min_accounts accounts from distributed_min_ips spray exits "
                "(addresses that each touched at most max_accounts_per_ip accounts within "
                "`window`, at most max_avg_tries times each); in a tenant where fewer accounts "
                "sign in than twice distributed_min_accounts, half of them (at least "
                "distributed_small_tenant) from as many exits; or distributed_min_accounts "
                "accounts from distributed_shared_exits exits that each failed for two accounts "
                "or more (no one's own address). A failure followed by a correct "
                "password from the same network or device within recovery_window, or from a "
                "network where the account got in before, is the user's own and is left out; a "
                "source or signature that more accounts sign in with than fail with is shared "
                "egress or an everyday client. Findings that share failures are merged: one "
                "finding per campaign with its sources, accounts, counts and time span. Medium "
                "instead of high when the evidence holds no correct password at all.",
            .needs = "sign-in logs with failures (Entra sign-ins, or UAL UserLoginFailed)",
            .blind_spots =
                "A spray from the users' own networks (the office egress, a compromised internal "
                "host) is set apart as their own failures. Attempts against accounts that do not "
                "exist are logged only when the tenant logs them (50034). Smart-lockout blocks "
                "(50053) from addresses Microsoft already blocks are counted, but a spray that "
                "Entra ID Protection stopped before password validation may not be logged at "
                "all. Without successful sign-ins in the evidence, own-network checks cannot run.",
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
