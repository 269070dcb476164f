/* dormant-mfa-takeover: a dormant account that never registered MFA signs in from abroad, is
 * told to enrol (50079), registers the attacker's authenticator app and is then used. */
#include "sim.h"

void sim_plan_dormant_mfa(struct sim *s, struct sim_rng *r, int64_t from, int64_t to)
{
    static const char *const sc = "dormant-mfa-takeover";
    uint32_t u = scn_pick(s, r, 1u << R_LEGACY, 0);
    if (u == SIM_NONE) {
        return;
    }
    struct sim_user *us = &s->users[u];
    uint16_t ip = sim_ip_pool(s, r, IPK_TRAVEL);
    s->ips[ip].kind = IPK_PROXY;
    int64_t day = scn_day(s, from, to, 0.4);
    int64_t t = sim_local(s, day, 2.0 + 3.0 * sim_unit(r));
    uint64_t sess = sim_key(r);

    int32_t g1 = scn_step(s, sc, 1, "Dormant account signs in from abroad",
                          "An account with no sign-in for a long time signs in with its password "
                          "from a country the tenant never signs in from, and is asked to enrol "
                          "in MFA (50079).",
                          "anomalous-signin-location");
    scn_signin(s, r, g1, t, u, A_OFFICEHOME, A_OFFICEHOME, ip, 50079, SC_BROWSER, DEV_ATTACK_CHROME,
               AU_PASSWORD, true, sess);

    int32_t g2 = scn_step(s, sc, 2, "MFA method registered on the dormant account",
                          "The attacker registers an authenticator app on the dormant account "
                          "(security info registration, StrongAuthenticationMethod added).",
                          "dormant-account-mfa-registration");
    t += sim_range(r, 40, 120) * 1000;
    for (int k = 0; k < 3; k++) {
        struct sim_audit *a = sa_security_info(s, &s->arena, u, k);
        if (a) {
            sa_by_user(s, a, u, ip, NULL);
        }
        scn_audit(s, r, g2, t, a);
        t += k == 0 ? sim_range(r, 90, 300) * 1000 : sim_range(r, 500, 1500);
    }
    scn_audit(s, r, g2, t, sa_strong_auth(s, &s->arena, u));
    us->mfa_now = true;
    us->methods = 1;

    int32_t g3 = scn_step(s, sc, 3, "Sign-ins with the new MFA method, files downloaded",
                          "The account signs in with the attacker's MFA from the same foreign "
                          "address and downloads documents from SharePoint.",
                          "anomalous-signin-location");
    t += sim_range(r, 10, 60) * 1000;
    scn_signin(s, r, g3, t, u, A_OFFICEHOME, A_OFFICEHOME, ip, 0, SC_BROWSER, DEV_ATTACK_CHROME,
               AU_MFA, true, sess);
    unsigned n = 8 + sim_below(r, 12);
    for (unsigned i = 0; i < n; i++) {
        t += sim_range(r, 20, 400) * 1000;
        scn_file(s, r, g3, t, u, ip, FO_DOWNLOADED);
    }
    int64_t t2 = sim_local(s, day + SIM_DAY_MS, 2.0 + 4.0 * sim_unit(r));
    if (t2 < to) {
        scn_signin(s, r, g3, t2, u, A_OFFICEHOME, A_OFFICEHOME, ip, 0, SC_BROWSER,
                   DEV_ATTACK_CHROME, AU_CLAIM, true, sim_key(r));
        for (unsigned i = 0; i < 4; i++) {
            t2 += sim_range(r, 30, 600) * 1000;
            scn_file(s, r, g3, t2, u, ip, FO_DOWNLOADED);
        }
    }
}
