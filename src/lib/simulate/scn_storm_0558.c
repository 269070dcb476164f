/* storm-0558: mailbox reads with forged tokens. The records look like the owner reading their
 * own mail through Graph, but no sign-in ever issued the tokens they carry, the client
 * application id was never seen in the tenant, and the addresses are hosting ones. One mailbox
 * read has no Audit (Premium): only the Graph activity log shows its reads. Then one mailbox is
 * taken whole in a night, page after page (Storm-0558 took some 60,000 messages from one
 * department). */
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
                         "unseen client application id, from hosting addresses, over several days; "
                         "one more mailbox without Audit (Premium), whose reads only the Graph "
                         "activity log shows.",
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
    /* The mailbox MailItemsAccessed cannot show: an E3 colleague's. Drawn on a generator of its
     * own, so that the tenant's other records stay as they were. */
    struct sim_rng own;
    sim_rng_seed(&own, s->opt->seed, 0x73746f726d4533ull);
    uint32_t e3[64], n3 = 0, v3 = SIM_NONE;
    for (uint32_t i = 0; i < s->n_users && n3 < 64; i++) {
        const struct sim_user *u = &s->users[i];
        if ((u->role == R_EXEC || u->role == R_STAFF) && u->lic == LIC_E3 && u->enabled &&
            !u->claimed) {
            e3[n3++] = i;
        }
    }
    if (n3) {
        uint32_t v = e3[sim_below(&own, n3)];
        v3 = v;
        int64_t t = sim_local(s, scn_day(s, from, to, 0.45), 2.0 + 3.0 * sim_unit(&own));
        uint64_t tok = sim_key(&own);
        int64_t issued = t - sim_range(&own, 60, 900) * 1000;
        unsigned reads = 3 + sim_below(&own, 4);
        for (unsigned k = 0; k < reads && t < to; k++) {
            uint16_t ip = ips[sim_below(&own, 3)];
            struct sim_ev *e = scn_mail(s, &own, g, t, v, v, MC_REST, ip, true);
            if (e) {
                e->app2 = app;
                e->tok = tok;
                e->t2 = issued;
                e->items = (uint8_t)(2 + sim_below(&own, 9));
            }
            t += sim_range(&own, 2, 25) * SIM_MIN_MS;
        }
        sim_truth_user(s, g, v);
    }
    sim_truth_ent(s, g, ENT_APPS, s->apps[app].id);
    sim_truth_ent(s, g, ENT_APPS, s->apps[A_GRAPH].id);
    sim_truth_ent(s, g, ENT_APPS, s->apps[A_GRAPH].name);

    /* A mailbox taken whole: pages of 100 messages with their bodies, one every 20 to 50 seconds
     * for about an hour, with a forged token of its own; the first mailbox, or in half the
     * tenants the E3 colleague's, whose download only the Graph activity log shows. On a
     * generator of its own too. */
    struct sim_rng bulk;
    sim_rng_seed(&bulk, s->opt->seed, 0x73746f726d42756cull);
    uint32_t box = v3 != SIM_NONE && sim_chance(&bulk, 0.5) ? v3 : vip[0];
    int32_t g2 = scn_step(s, sc, 2, "A mailbox downloaded whole with a forged token",
                          "Graph pages of 100 messages of one mailbox (the first, or in half the "
                          "tenants the E3 colleague's, which logs no MailItemsAccessed), one "
                          "every 20 to 50 seconds for about an hour at night, as its owner, with "
                          "a token no sign-in issued: thousands of items bound where "
                          "MailItemsAccessed is logged, and in the Graph activity log a hundred "
                          "requests returning some 200 MB.",
                          "bulk-mail-access,token-without-signin");
    int64_t t = sim_local(s, scn_day(s, from, to, 0.6), 1.0 + 2.0 * sim_unit(&bulk));
    uint64_t tok = sim_key(&bulk);
    int64_t issued = t - sim_range(&bulk, 60, 900) * 1000;
    unsigned pages = 80 + sim_below(&bulk, 60);
    uint16_t ip = ips[sim_below(&bulk, 3)];
    for (unsigned k = 0; k < pages && t < to; k++) {
        struct sim_ev *e = scn_mail(s, &bulk, g2, t, box, box, MC_REST, ip, true);
        if (e) {
            e->app2 = app;
            e->tok = tok;
            e->t2 = issued;
            e->items = 100;
            e->folders = 1;
        }
        t += sim_range(&bulk, 20, 50) * 1000;
    }
    sim_truth_user(s, g2, box);
    sim_truth_mailbox(s, g2, box);
    sim_truth_ent(s, g2, ENT_APPS, s->apps[app].id);
}
