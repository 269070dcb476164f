/* midnight-blizzard: the January 2024 chain. A spray through residential proxies finds a legacy
 * test account without MFA that is still Global Administrator; it adds a certificate to a legacy
 * OAuth app; the app creates new OAuth apps; a newly created user consents to a foreign app; the
 * legacy app's service principal grants that app full_access_as_app; the foreign app reads
 * leadership and security mailboxes over EWS, from residential and Azure addresses. */
#include <stdio.h>

#include "sim.h"

#define MAX_TARGETS 200

void sim_plan_midnight_blizzard(struct sim *s, struct sim_rng *r, int64_t from, int64_t to)
{
    static const char *const sc = "midnight-blizzard";
    static const char *const new_apps[] = {"M365 Sync Connector", "Mail Archive Bridge",
                                           "Exchange Migration Helper", "Graph Data Sync"};
    static const char *const foreign[] = {"MailVault Sync", "CloudMail Relay", "InboxBridge Pro",
                                          "SyncPoint Mail"};
    uint32_t legacy = scn_pick(s, r, 1u << R_LEGACY, 1);
    if (legacy == SIM_NONE) {
        return;
    }
    s->users[legacy].global_admin = true;
    uint32_t targets[MAX_TARGETS];
    uint32_t n = scn_spray_targets(s, r, targets, MAX_TARGETS, legacy);
    uint16_t proxies[64];
    /* Residential proxy networks rotate exits per request: about one exit per two accounts,
     * so that no exit touches more than a few accounts. */
    uint32_t n_ips = n / 2 + 1 < 16 ? 16 : n / 2 + 1 > 64 ? 64 : n / 2 + 1;
    for (uint32_t i = 0; i < n_ips; i++) {
        proxies[i] = sim_ip_residential(s, r);
    }
    uint16_t ops = sim_ip_azure(s, r), coll = sim_ip_azure(s, r);
    const char *ua = sim_devices[DEV_ATTACK_CHROME].ua;

    /* 1-2: the spray and its hit. */
    int32_t g1 = scn_step(s, sc, 1, "Password spray through residential proxies",
                          "Two night-time waves, one attempt per account per wave, from rotating "
                          "residential proxy exits (a few attempts each).",
                          "password-spray");
    int32_t g2 = scn_step(s, sc, 2, "Spray success on the legacy test account",
                          "The legacy test account (no MFA, excluded from Conditional Access, "
                          "still Global Administrator) signs in with the sprayed password.",
                          "password-spray-success");
    /* Windows under five days get the same chain, compressed into hours. */
    bool compress = to - from < 4 * SIM_DAY_MS;
    int gap = (int)((compress ? 5400 : 6 * 3600) / (n ? n : 1));
    if (gap < 20) {
        gap = 20;
    }
    int64_t d1 = scn_day(s, from, to, 0.0), d2 = scn_day(s, from, to, 0.12);
    int64_t w1 = sim_local(s, d1, 0.3 + sim_unit(r));
    int64_t w1_end = scn_spray(s, r, g1, targets, n, proxies, n_ips, w1, gap / 2, gap * 3 / 2,
                               DEV_ATTACK_CHROME, NULL);
    int64_t w2 = compress || d2 == d1 ? w1_end + sim_range(r, 30, 60) * SIM_MIN_MS
                                      : sim_local(s, d2, 0.3 + sim_unit(r));
    struct scn_hit hit = {legacy, 0, g2, 0, 0, 0};
    for (uint32_t i = 0; i < n; i++) {
        if (targets[i] == legacy) {
            hit.at = i;
        }
    }
    scn_spray(s, r, g1, targets, n, proxies, n_ips, w2, gap / 2, gap * 3 / 2, DEV_ATTACK_CHROME,
              &hit);
    if (!hit.t) {
        return;
    }

    /* 3: the account used from an Azure VM. */
    int64_t d3 = scn_day(s, from, to, 0.3);
    int64_t t = sim_local(s, d3, 14.0 + 3.0 * sim_unit(r));
    if (compress || t <= hit.t) {
        t = hit.t + sim_range(r, compress ? 15 : 60, compress ? 30 : 180) * SIM_MIN_MS;
    }
    int32_t g3 = scn_step(s, sc, 3, "The legacy account signs in from an Azure VM",
                          "Interactive sign-in to the Azure portal from a cloud virtual machine, "
                          "single factor (the account is excluded from the admin MFA policy).",
                          "signin-from-hosting-ip");
    scn_signin(s, r, g3, t, legacy, A_AZURE_PORTAL, A_AZURE_MGMT, ops, 0, SC_BROWSER,
               DEV_ATTACK_CHROME, AU_PASSWORD, true, sim_key(r));

    /* 4: a certificate on the legacy OAuth app's service principal. */
    uint16_t la = A_LEGACY_AUTO;
    struct sim_app *lapp = &s->apps[la];
    int32_t g4 = scn_step(s, sc, 4, "Certificate added to the legacy OAuth app",
                          "Add service principal credentials: the legacy app's first credential, "
                          "an AsymmetricX509Cert named CN=<app name>, by the legacy account.",
                          "sp-credential-added");
    t += sim_range(r, 4, 15) * SIM_MIN_MS;
    lapp->creds[0] = (struct sim_cred){sim_key(r), true, sim_printf(s, "CN=%s", lapp->name), t, 0};
    lapp->n_creds = 1;
    struct sim_audit *a = sa_credentials(
        s, &s->arena, la, true, "[]", sim_printf(s, "[\"%s\"]", sim_key_desc(s, &lapp->creds[0])));
    if (a) {
        sa_by_user(s, a, legacy, ops, ua);
    }
    scn_audit(s, r, g4, t, a);

    /* 5: the legacy app signs in with it and creates new OAuth apps. */
    int32_t g5 = scn_step(s, sc, 5, "The legacy app creates new OAuth applications",
                          "The legacy app's service principal signs in with the new certificate "
                          "and registers multi-tenant applications, each given a client secret.",
                          "sp-credential-added");
    t += sim_range(r, compress ? 5 : 20, compress ? 15 : 60) * SIM_MIN_MS;
    scn_sp_signin(s, r, g5, t, la, A_GRAPH, coll, lapp->creds[0].key, true);
    unsigned n_new = 1 + sim_below(r, 2);
    uint32_t first_new = sim_below(r, 4);
    for (unsigned k = 0; k < n_new; k++) {
        uint16_t na = sim_app_add(s, NULL, new_apps[(first_new + k) % 4], APPK_ATTACKER, NULL, r);
        struct sim_app *np = &s->apps[na];
        np->multi_tenant = true;
        np->sp_created = INT64_MAX;
        /* One draw per statement: argument order is unspecified in C. */
        int c1 = 'a' + (int)sim_below(r, 26);
        int c2 = 'a' + (int)sim_below(r, 26);
        unsigned num = 100 + sim_below(r, 900);
        np->reply_url = sim_printf(s, "https://%c%c%u-sync.azurewebsites.net/auth", c1, c2, num);
        t += sim_range(r, 30, 300) * 1000;
        a = sa_add_app(s, &s->arena, na, true, np->reply_url);
        if (a) {
            sa_by_app(a, la);
            a->ip = coll;
        }
        scn_audit(s, r, g5, t, a);
        t += sim_range(r, 5, 60) * 1000;
        np->creds[0] = (struct sim_cred){sim_key(r), false, "sync", t, 0};
        np->n_creds = 1;
        a = sa_credentials(s, &s->arena, na, false, "[]",
                           sim_printf(s, "[\"%s\"]", sim_key_desc(s, &np->creds[0])));
        if (a) {
            sa_by_app(a, la);
            a->ip = coll;
        }
        scn_audit(s, r, g5, t, a);
    }

    /* 6: a new user to consent with. */
    int64_t d6 = scn_day(s, from, to, 0.45);
    int64_t t6 = sim_local(s, d6, 14.0 + 3.0 * sim_unit(r));
    if (compress || t6 <= t) {
        t6 = t + sim_range(r, compress ? 10 : 60, compress ? 25 : 240) * SIM_MIN_MS;
    }
    t = t6;
    char nick[48];
    static const char *const nicks[] = {"svc-m365sync", "svc-mailsync", "sync.service",
                                        "svc-o365connector"};
    snprintf(nick, sizeof(nick), "%s", nicks[sim_below(r, 4)]);
    uint32_t nu = sim_user_add(s, nick, "M365 Sync Service", R_ATTACKER, LIC_NONE, r);
    if (nu == SIM_NONE) {
        return;
    }
    s->users[nu].created = t;
    s->users[nu].claimed = true;
    s->users[nu].desk = DEV_ATTACK_CHROME;
    int32_t g6 = scn_step(s, sc, 6, "A new account is created",
                          "Add user by the legacy account from the Azure VM: an enabled account "
                          "whose password never expires.",
                          "new-user-privileged-action");
    a = sa_add_user(s, &s->arena, nu, t, true);
    if (a) {
        sa_by_user(s, a, legacy, ops, ua);
        a->ua = NULL;
    }
    scn_audit(s, r, g6, t, a);

    /* 7-8: the new user signs in and consents to the foreign app. */
    char owner[37];
    sim_guid(sim_key(r), owner);
    uint16_t fa = sim_app_add(s, NULL, foreign[sim_below(r, 4)], APPK_ATTACKER, owner, r);
    s->apps[fa].multi_tenant = true;
    s->apps[fa].sp_created = INT64_MAX;
    int32_t g7 = scn_step(s, sc, 7, "The new account signs in from the Azure VM",
                          "First sign-ins of the new account, to the foreign app: consent required "
                          "(65001), then success.",
                          "signin-from-hosting-ip");
    t += sim_range(r, 6, 20) * SIM_MIN_MS;
    uint64_t sess = sim_key(r);
    scn_signin(s, r, g7, t, nu, fa, A_GRAPH, ops, 65001, SC_BROWSER, DEV_ATTACK_CHROME, AU_PASSWORD,
               true, sess);
    int32_t g8 = scn_step(s, sc, 8, "The new account consents to a foreign OAuth app",
                          "Add service principal, Add delegated permission grant (Mail.Read "
                          "offline_access User.Read) and Consent to application, by the account "
                          "created minutes earlier, for an app registered in another tenant.",
                          "high-privilege-consent,new-user-privileged-action");
    t += sim_range(r, 40, 80) * 1000;
    const char *scope = "Mail.Read offline_access User.Read";
    s->apps[fa].sp_created = t;
    a = sa_add_sp(s, &s->arena, fa);
    if (a) {
        sa_by_user(s, a, nu, ops, "EvoSTS");
        a->ests = true;
    }
    scn_audit(s, r, g8, t, a);
    a = sa_grant(s, &s->arena, fa, A_GRAPH, scope, false);
    if (a) {
        sa_by_user(s, a, nu, ops, "EvoSTS");
    }
    scn_audit(s, r, g8, t + 1000, a);
    a = sa_consent(s, &s->arena, fa, nu, A_GRAPH, scope, false, sim_key(r));
    if (a) {
        sa_by_user(s, a, nu, ops, "EvoSTS");
    }
    scn_audit(s, r, g8, t + 1000, a);
    scn_signin(s, r, g7, t + 3000, nu, fa, A_GRAPH, ops, 0, SC_BROWSER, DEV_ATTACK_CHROME,
               AU_PASSWORD, true, sess);

    /* 9: full_access_as_app granted by a service principal. */
    int64_t d9 = scn_day(s, from, to, 0.6);
    int64_t t9 = sim_local(s, d9, 15.0 + 2.0 * sim_unit(r));
    if (compress || t9 <= t) {
        t9 = t + sim_range(r, compress ? 10 : 60, compress ? 25 : 180) * SIM_MIN_MS;
    }
    t = t9;
    int32_t g9 = scn_step(s, sc, 9, "full_access_as_app granted by the legacy app",
                          "Add app role assignment to service principal made by a service "
                          "principal (the legacy app, with its new certificate): Office 365 "
                          "Exchange Online full_access_as_app for the foreign app.",
                          "mail-app-role-granted,foreign-app-privileged");
    scn_sp_signin(s, r, g9, t - sim_range(r, 60, 300) * 1000, la, A_GRAPH, coll, lapp->creds[0].key,
                  true);
    a = sa_app_role(s, &s->arena, A_EXO, "dc890d15-9560-4a4c-9b7f-a736ec74ec40",
                    "full_access_as_app",
                    "Use Exchange Web Services with full access to all mailboxes", fa, t);
    if (a) {
        sa_by_app(a, la);
        a->ip = coll;
    }
    scn_audit(s, r, g9, t, a);

    /* 10: EWS collection until the end of the window. */
    int32_t g10 = scn_step(s, sc, 10, "EWS collection from leadership and security mailboxes",
                           "MailItemsAccessed over EWS by the foreign app (AppId = ClientAppId), "
                           "in the new account's session, across executive and security "
                           "mailboxes, from residential proxies and an Azure VM.",
                           "app-mailbox-access,rare-app-mail-access,bulk-mail-access");
    uint32_t vip[16];
    uint32_t n_vip = scn_vip_mailboxes(s, r, vip, 16);
    int64_t tc = t + sim_range(r, 30, 90) * SIM_MIN_MS;
    /* A short window: start at once and read faster, so the collection is in the evidence. */
    bool short_window = compress || to - t < 12 * SIM_HOUR_MS;
    if (short_window) {
        tc = t + sim_range(r, 3, 10) * SIM_MIN_MS;
    }
    uint64_t tok = 0;
    int64_t issued = 0;
    while (tc < to && n_vip) {
        if (!tok || tc - issued > 50 * SIM_MIN_MS) {
            tok = sim_key(r);
            issued = tc - sim_range(r, 60, 600) * 1000;
        }
        uint32_t v = vip[sim_below(r, n_vip)];
        uint16_t ip = sim_chance(r, 0.5) ? coll : proxies[sim_below(r, n_ips)];
        struct sim_ev *e = scn_mail(s, r, g10, tc, nu, v, MC_EWS, ip, true);
        if (e) {
            e->app = fa;
            e->app2 = fa;
            e->logon = 1;
            e->tok = tok;
            e->t2 = issued;
            e->key = sess;
            e->items = (uint8_t)(4 + sim_below(r, 5));
            e->folders = sim_chance(r, 0.3) ? 128 : 1;
        }
        /* Bursts in the attacker's working hours, quiet otherwise. */
        int64_t gap_ms =
            short_window ? sim_range(r, 1, 4) * SIM_MIN_MS : sim_range(r, 6, 40) * SIM_MIN_MS;
        int64_t local_h = ((tc + (int64_t)s->tenant.utc_offset * SIM_HOUR_MS) / SIM_HOUR_MS) % 24;
        if (!short_window && (local_h >= 22 || local_h < 8)) {
            gap_ms += sim_range(r, 3, 8) * SIM_HOUR_MS;
        }
        tc += gap_ms;
    }
    sim_truth_app(s, g10, fa);
    sim_truth_sp(s, g10, fa);
    sim_truth_user(s, g10, nu);
}
