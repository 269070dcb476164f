/* storm-0558: mailbox reads with forged tokens. The records look like the owner reading their
 * own mail through Graph, but no sign-in ever issued the tokens they carry, the client
 * application id was never seen in the tenant, and the addresses are hosting ones. */
#include "sim.h"

void sim_plan_storm_0558(struct sim *s, struct sim_rng *r, int64_t from, int64_t to)
{
    static const char *const sc = "storm-0558";
    uint32_t vip[16];
    uint32_t n_vip = scn_vip_mailboxes(s, r, vip, 16);
    uint32_t n = n_vip < 3 ? n_vip : 3 + sim_below(r, n_vip - 2 < 4 ? n_vip - 2 : 4);
    if (n == 0) {
        return;
    }
    char owner[37];
    sim_guid(sim_key(r), owner);
    /* An application nobody in the tenant has used; its name is unknown to the victim. */
    char id[37];
    sim_guid(sim_key(r), id);
    uint16_t app = sim_app_add(s, id, id, APPK_ATTACKER, owner, r);
    uint16_t ips[3];
    for (int i = 0; i < 3; i++) {
        ips[i] = sim_ip_vps(s, r);
    }
    int32_t g = scn_step(s, sc, 1, "Mailbox reads with forged tokens",
                         "MailItemsAccessed as each mailbox's owner through Graph, with tokens no "
                         "sign-in issued (AppAccessContext.UniqueTokenId matches no sign-in), an "
                         "unseen client application id, from hosting addresses, over several days.",
                         "token-without-signin,rare-app-mail-access");
    for (uint32_t i = 0; i < n; i++) {
        int64_t day = scn_day(s, from, to, 0.3 + 0.1 * (double)i);
        int64_t t = sim_local(s, day, 1.0 + 4.0 * sim_unit(r));
        unsigned days = 2 + sim_below(r, 2);
        for (unsigned d = 0; d < days; d++) {
            uint64_t tok = sim_key(r);
            int64_t issued = t - sim_range(r, 60, 900) * 1000;
            unsigned reads = 2 + sim_below(r, 5);
            for (unsigned k = 0; k < reads && t < to; k++) {
                struct sim_ev *e =
                    scn_mail(s, r, g, t, vip[i], vip[i], MC_REST, ips[sim_below(r, 3)], true);
                if (e) {
                    e->app2 = app;
                    e->tok = tok;
                    e->t2 = issued;
                    e->items = (uint8_t)(2 + sim_below(r, 9));
                    e->folders = (uint8_t)(1 | (sim_chance(r, 0.4) ? 2 : 0));
                }
                t += sim_range(r, 2, 25) * SIM_MIN_MS;
            }
            t += sim_range(r, 18, 30) * SIM_HOUR_MS;
            if (t >= to) {
                break;
            }
        }
        sim_truth_user(s, g, vip[i]);
    }
    sim_truth_ent(s, g, ENT_APPS, s->apps[app].id);
    sim_truth_ent(s, g, ENT_APPS, s->apps[A_GRAPH].id);
    sim_truth_ent(s, g, ENT_APPS, s->apps[A_GRAPH].name);
}
