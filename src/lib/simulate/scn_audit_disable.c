/* audit-disable-and-collect: a hijacked admin session removes the advanced-auditing plan from
 * executives' licences (DisabledPlans newly holding M365_ADVANCED_AUDITING), grants itself
 * FullAccess and reads the mailboxes over EWS, or in half the tenants through Microsoft Graph
 * with the Graph command-line tools. Reads keep being logged for a few hours until the change
 * takes effect, then the mailboxes fall silent; the Graph activity log, which no mailbox's
 * auditing governs, goes on recording the Graph reads. */
#include "sim.h"

void sim_plan_audit_disable(struct sim *s, struct sim_rng *r, int64_t from, int64_t to)
{
    static const char *const sc = "audit-disable-and-collect";
    uint32_t admin = scn_pick(s, r, 1u << R_ADMIN, 1);
    uint32_t vip[16];
    uint32_t n_vip = scn_vip_mailboxes(s, r, vip, 16);
    if (admin == SIM_NONE || n_vip == 0) {
        return;
    }
    uint32_t n = n_vip < 3 ? n_vip : 2 + sim_below(r, 2);
    if (n > n_vip) {
        n = n_vip;
    }
    const struct sim_user *au = &s->users[admin];
    uint16_t vps = sim_ip_vps(s, r);
    int64_t day = scn_day(s, from, to, 0.35);
    int64_t t = sim_local(s, day, 1.0 + 3.0 * sim_unit(r));
    const char *ua = sim_devices[DEV_ATTACK_CHROME].ua;

    int32_t g1 = scn_step(s, sc, 1, "Hijacked admin session from a VPS",
                          "A stolen session of an administrator (MFA satisfied by the token's "
                          "claim) is replayed from a hosting address to the Azure portal.",
                          "signin-from-hosting-ip");
    scn_signin(s, r, g1, t, admin, A_AZURE_PORTAL, A_AZURE_MGMT, vps, 0, SC_BROWSER,
               DEV_ATTACK_CHROME, AU_CLAIM, true, sim_key(r));

    int32_t g2 = scn_step(s, sc, 2, "Advanced auditing removed from executives' licences",
                          "Change user license: DisabledPlans newly contains "
                          "M365_ADVANCED_AUDITING, so the mailboxes stop logging MailItemsAccessed "
                          "once the change takes effect.",
                          "advanced-audit-disabled");
    int64_t silent = INT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        t += sim_range(r, 40, 200) * 1000;
        struct sim_user *v = &s->users[vip[i]];
        const char *old = sim_licence_json(s, LIC_E5, "YAMMER_ENTERPRISE");
        const char *nw = sim_licence_json(s, LIC_E5, "YAMMER_ENTERPRISE, M365_ADVANCED_AUDITING");
        struct sim_audit *a = sa_licence(s, &s->arena, vip[i], old, nw);
        if (a) {
            sa_by_user(s, a, admin, vps, ua);
        }
        scn_audit(s, r, g2, t, a);
        sim_truth_mailbox(s, g2, vip[i]);
        v->audit_off = t + sim_range(r, 3 * 60, 8 * 60) * SIM_MIN_MS;
        v->audit_disabled_now = true;
        if (v->audit_off < silent) {
            silent = v->audit_off;
        }
    }

    int32_t g3 = scn_step(s, sc, 3, "FullAccess granted on the executives' mailboxes",
                          "Add-MailboxPermission FullAccess for the hijacked admin, from Exchange "
                          "Online PowerShell on the VPS.",
                          "mailbox-delegation-granted");
    t += sim_range(r, 3, 15) * SIM_MIN_MS;
    uint64_t ps = sim_key(r);
    scn_signin(s, r, g3, t, admin, A_EXO_PS, A_EXO, vps, 0, SC_MOBILE_DESKTOP, DEV_ATTACK_CHROME,
               AU_CLAIM, true, ps);
    for (uint32_t i = 0; i < n; i++) {
        t += sim_range(r, 20, 90) * 1000;
        const struct sim_user *v = &s->users[vip[i]];
        struct sim_cmdlet *c = sim_cmdlet_full_access(&s->arena, admin, vps, v->upn, au->upn);
        if (!c) {
            return;
        }
        c->object_id = sim_exo_object(s, &s->arena, v->nick);
        scn_cmdlet(s, r, g3, t, c);
        sim_truth_mailbox(s, g3, vip[i]);
    }

    /* The path is drawn from a generator of its own, so that tenants simulated before the
     * Graph variant existed keep every other record. */
    struct sim_rng gr;
    sim_rng_seed(&gr, s->opt->seed, 0x6772617068636f6cull);
    bool graph = sim_chance(&gr, 0.5);
    int32_t g4 =
        graph ? scn_step(s, sc, 4, "Graph collection from the mailboxes",
                         "The admin account reads the mailboxes through Microsoft Graph with the "
                         "Graph command-line tools for many hours; MailItemsAccessed logs only the "
                         "reads before the audit change takes effect, the Graph activity log all.",
                         "mailbox-access-after-audit-disabled,bulk-mail-access")
              : scn_step(s, sc, 4, "EWS collection from the mailboxes",
                         "The admin account reads the mailboxes over EWS for many hours; only the "
                         "reads before the audit change takes effect are logged.",
                         "mailbox-access-after-audit-disabled,bulk-mail-access");
    int64_t tc = t + sim_range(r, 10, 30) * SIM_MIN_MS;
    int64_t stop = tc + sim_range(r, 14, 20) * SIM_HOUR_MS;
    if (stop > to) {
        stop = to - 1000;
    }
    uint64_t tok = 0;
    int64_t issued = 0;
    for (int64_t tt = tc; tt < stop; tt += sim_range(r, 8, 35) * SIM_MIN_MS) {
        uint32_t v = vip[sim_below(r, n)];
        if (graph && (!tok || tt - issued > 60 * SIM_MIN_MS)) {
            /* The tools' token, refreshed hourly in the hijacked session. */
            issued = tt - sim_range(&gr, 20, 90) * 1000;
            struct sim_ev *si =
                scn_signin(s, &gr, g4, issued, admin, A_GRAPH_CLI, A_GRAPH, vps, 0,
                           SC_MOBILE_DESKTOP, DEV_ATTACK_CHROME, AU_CLAIM, !tok, ps);
            tok = si ? si->tok : 0;
        }
        struct sim_ev *e = scn_mail(s, r, g4, tt, admin, v, graph ? MC_REST : MC_EWS, vps, true);
        if (e && graph) {
            e->app2 = A_GRAPH_CLI;
            e->tok = tok;
            e->t2 = issued;
            e->key = ps;
        }
        if (e) {
            if (!graph) {
                e->app = A_OFFICE;
                e->app2 = A_OFFICE;
            }
            e->logon = 2;
            e->items = (uint8_t)(5 + sim_below(r, 8));
            /* One draw per statement: argument and operand order is unspecified in C, and the
             * output must not depend on the compiler. */
            uint8_t sent = sim_chance(r, 0.5) ? 2 : 0;
            uint8_t archive = sim_chance(r, 0.3) ? 8 : 0;
            e->folders = (uint8_t)(1 | sent | archive);
        }
    }
    sim_truth_app(s, g4, graph ? A_GRAPH_CLI : A_OFFICE);

    int32_t g5 = scn_step(s, sc, 5, "Executives' mailboxes stop logging mail access",
                          "From a few hours after the licence change on, the mailboxes produce no "
                          "MailItemsAccessed at all (owner, delegate, backup app or attacker), "
                          "while other E5 mailboxes keep logging.",
                          "mail-audit-stopped");
    scn_absence(s, g5, silent);
    for (uint32_t i = 0; i < n; i++) {
        sim_truth_mailbox(s, g5, vip[i]);
    }
}
