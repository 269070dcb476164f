/* password-spray: a noisy single-source spray, then a low-and-slow one through residential
 * proxies (never more than a few attempts per exit) that hits a legacy account without MFA,
 * which the attacker then uses over IMAP4. */
#include "sim.h"

#define MAX_TARGETS 200

void sim_plan_password_spray(struct sim *s, struct sim_rng *r, int64_t from, int64_t to)
{
    static const char *const sc = "password-spray";
    uint32_t hit_user = scn_pick(s, r, 1u << R_LEGACY, 0);
    uint32_t targets[MAX_TARGETS];
    uint32_t n = scn_spray_targets(s, r, targets, MAX_TARGETS, hit_user);
    if (n < 3) {
        return;
    }

    /* Phase 1: one VPS, every account within the hour. */
    uint16_t vps = sim_ip_vps(s, r);
    int32_t g1 = scn_step(s, sc, 1, "Password spray from a single VPS",
                          "One hosting address tries one password against every account within "
                          "about an hour (50126; 50057 for disabled accounts).",
                          "password-spray");
    int64_t day = scn_day(s, from, to, 0.05);
    int64_t t = sim_local(s, day, 1.0 + 2.0 * sim_unit(r));
    scn_spray(s, r, g1, targets, n, &vps, 1, t, 15, 75, DEV_PYTHON, NULL);

    /* Phase 2: residential proxies, two nights, one attempt per account per night. */
    uint16_t ips[64];
    uint32_t n_ips = n / 4 + 1;
    if (n_ips < 10) {
        n_ips = 10;
    }
    if (n_ips > 64) {
        n_ips = 64;
    }
    for (uint32_t i = 0; i < n_ips; i++) {
        ips[i] = sim_ip_residential(s, r);
    }
    int32_t g2 = scn_step(s, sc, 2, "Low-and-slow password spray through residential proxies",
                          "Two night-time waves, each account tried once per wave, minutes apart, "
                          "from rotating residential proxy exits with a handful of attempts each.",
                          "password-spray");
    int32_t g3 = scn_step(s, sc, 3, "Spray success on a legacy account without MFA",
                          "The sprayed legacy account (no MFA, excluded from Conditional Access) "
                          "signs in with the sprayed password (ROPC, single factor).",
                          "password-spray-success");
    /* Each wave lasts about six hours, whatever the number of accounts. */
    int gap = (int)(6 * 3600 / n);
    if (gap < 30) {
        gap = 30;
    }
    int64_t day1 = scn_day(s, from, to, 0.3), day2 = scn_day(s, from, to, 0.45);
    if (day2 == day1) {
        day2 = day1 + SIM_DAY_MS / 2; /* a short window: the second wave the same day */
    }
    scn_spray(s, r, g2, targets, n, ips, n_ips, sim_local(s, day1, 0.5 + sim_unit(r)), gap / 2,
              gap * 3 / 2, DEV_ATTACK_CHROME, NULL);
    struct scn_hit hit = {hit_user, 0, g3, 0, 0, 0};
    for (uint32_t i = 0; i < n; i++) {
        if (targets[i] == hit_user) {
            hit.at = i;
        }
    }
    scn_spray(s, r, g2, targets, n, ips, n_ips, sim_local(s, day2, 0.5 + sim_unit(r)), gap / 2,
              gap * 3 / 2, DEV_ATTACK_CHROME, hit_user == SIM_NONE ? NULL : &hit);
    if (hit_user == SIM_NONE || !hit.t) {
        return;
    }

    /* Phase 3: the account is used over IMAP4, which Conditional Access does not block for it. */
    int32_t g4 = scn_step(s, sc, 4, "Legacy IMAP4 sign-ins to the sprayed account",
                          "Minutes after the hit the attacker reads the account's mail over IMAP4 "
                          "from the same exit (legacy authentication, no MFA possible).",
                          "legacy-auth-signin");
    int64_t tt = hit.t + sim_range(r, 10, 40) * SIM_MIN_MS;
    unsigned k = 2 + sim_below(r, 3);
    for (unsigned i = 0; i < k && tt < to; i++) {
        scn_signin(s, r, g4, tt, hit_user, A_EXO, A_EXO, hit.ip, 0, SC_IMAP, DEV_LEGACY,
                   AU_PASSWORD, true, 0);
        tt += sim_range(r, 20, 180) * SIM_MIN_MS;
    }
}
