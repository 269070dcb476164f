/* Scenario kit: attack steps and the events that make them. A step's entities come from the
 * records actually written (sim_truth_written), so they never name what the evidence lacks. */
#include <stdio.h>

#include "sim.h"

int32_t scn_step(struct sim *s, const char *scenario, int n, const char *title,
                 const char *description, const char *rules)
{
    char id[96];
    snprintf(id, sizeof(id), "%s-%02d", scenario, n);
    return sim_truth_new(s, true, scenario, id, title, description, rules);
}

void scn_absence(struct sim *s, int32_t gt, int64_t at)
{
    if (gt >= 0 && (uint32_t)gt < s->n_truth) {
        s->truth[gt].absence = true;
        s->truth[gt].first = at;
        s->truth[gt].last = at;
    }
}

struct sim_ev *scn_signin(struct sim *s, struct sim_rng *r, int32_t gt, int64_t t, uint32_t user,
                          uint16_t app, uint16_t res, uint16_t ip, int32_t err, uint8_t client,
                          uint8_t dev, uint8_t auth, bool interactive, uint64_t sess)
{
    struct sim_ev *e = sim_mk_signin(s, sim_ev_new(s), r, t, user, app, res, ip, err, client, dev,
                                     auth, interactive);
    if (e) {
        e->sess = sess;
        e->gt = gt;
    }
    return e;
}

struct sim_ev *scn_sp_signin(struct sim *s, struct sim_rng *r, int32_t gt, int64_t t, uint16_t app,
                             uint16_t res, uint16_t ip, uint64_t key, bool cert)
{
    struct sim_ev *e = sim_mk_sp_signin(s, sim_ev_new(s), r, t, app, res, ip, key, cert);
    if (e) {
        e->gt = gt;
    }
    return e;
}

struct sim_ev *scn_audit(struct sim *s, struct sim_rng *r, int32_t gt, int64_t t,
                         struct sim_audit *a)
{
    if (!a) {
        return NULL;
    }
    struct sim_ev *e = sim_audit_ev(s, sim_ev_new(s), r, t, a);
    if (!e) {
        return NULL;
    }
    e->gt = gt;
    return e;
}

struct sim_ev *scn_cmdlet(struct sim *s, struct sim_rng *r, int32_t gt, int64_t t,
                          struct sim_cmdlet *c)
{
    struct sim_ev *e = sim_cmdlet_ev(s, sim_ev_new(s), r, t, c);
    if (e) {
        e->gt = gt;
    }
    return e;
}

struct sim_ev *scn_mail(struct sim *s, struct sim_rng *r, int32_t gt, int64_t t, uint32_t actor,
                        uint32_t owner, uint8_t client, uint16_t ip, bool bind)
{
    struct sim_ev *e = sim_mk_mail(s, sim_ev_new(s), r, t, actor, owner, client, ip, bind);
    if (e) {
        e->gt = gt;
    }
    return e;
}

struct sim_ev *scn_item(struct sim *s, struct sim_rng *r, int32_t gt, int64_t t, uint32_t user,
                        uint16_t ip, uint8_t client, const char *op, const char *folder,
                        const struct sim_kv *props, unsigned n_props)
{
    struct sim_ev *e = sim_ev_new(s);
    struct sim_item *it = m365_arena_calloc(&s->arena, sizeof(*it));
    if (!e || !it) {
        return NULL;
    }
    it->op = op;
    it->folder = folder;
    it->subject = "";
    it->props = props;
    it->n_props = (uint8_t)n_props;
    e->t = t;
    e->type = EV_ITEM;
    e->stream = ST_EXO;
    e->user = user;
    e->owner = user;
    e->ip = ip;
    e->client = client;
    e->rich = it;
    e->rnd = sim_next(r);
    e->gt = gt;
    return e;
}

struct sim_ev *scn_file(struct sim *s, struct sim_rng *r, int32_t gt, int64_t t, uint32_t user,
                        uint16_t ip, uint8_t op)
{
    struct sim_ev *e = sim_ev_new(s);
    if (!e) {
        return NULL;
    }
    e->t = t;
    e->type = EV_FILE;
    e->stream = ST_SPO;
    e->op = op;
    e->user = user;
    e->ip = ip;
    e->items = (uint8_t)sim_below(r, 15);
    e->bind = 0;
    e->rnd = sim_next(r);
    e->gt = gt;
    return e;
}

int64_t scn_spray(struct sim *s, struct sim_rng *r, int32_t gt, const uint32_t *targets, uint32_t n,
                  const uint16_t *ips, uint32_t n_ips, int64_t t, int gap_lo, int gap_hi,
                  uint8_t dev, struct scn_hit *hit)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t u = targets[i];
        /* Exits in turn, shifted every round, so no exit repeats an account pattern. */
        uint16_t ip = ips[n_ips > 1 ? (i + i / n_ips) % n_ips : 0];
        const struct sim_user *us = &s->users[u];
        bool ok = hit && u == hit->user && i == hit->at;
        int32_t err = ok ? 0 : !us->enabled || t >= us->disabled_at ? 50057 : 50126;
        uint64_t sess = ok ? sim_key(r) : 0;
        scn_signin(s, r, ok ? hit->gt : gt, t, u, A_AAD_PS, A_AADGRAPH, ip, err, SC_ROPC, dev,
                   ok ? AU_PASSWORD : AU_PASSWORD_FAIL, true, sess);
        if (ok) {
            hit->t = t;
            hit->sess = sess;
            hit->ip = ip;
            /* The spray step names the account that fell too. */
            sim_truth_user(s, gt, u);
            sim_truth_ip(s, gt, ip);
        }
        t += (int64_t)sim_range(r, gap_lo, gap_hi) * 1000;
        t += sim_range(r, 0, 999);
    }
    return t;
}

int64_t scn_day(const struct sim *s, int64_t from, int64_t to, double frac)
{
    int64_t t = from + (int64_t)((double)(to - from) * frac);
    int64_t k = (t - s->start) / SIM_DAY_MS;
    if (k < 0) {
        k = 0;
    }
    return s->start + k * SIM_DAY_MS;
}

uint32_t scn_pick(struct sim *s, struct sim_rng *r, unsigned mask, int ga)
{
    for (int pass = 0; pass < 2; pass++) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < s->n_users; i++) {
            const struct sim_user *u = &s->users[i];
            if (((mask >> u->role) & 1u) && (pass || !u->claimed) &&
                (ga < 0 || u->global_admin == (ga == 1))) {
                n++;
            }
        }
        if (!n) {
            continue;
        }
        uint32_t k = sim_below(r, n);
        for (uint32_t i = 0; i < s->n_users; i++) {
            struct sim_user *u = &s->users[i];
            if (((mask >> u->role) & 1u) && (pass || !u->claimed) &&
                (ga < 0 || u->global_admin == (ga == 1)) && k-- == 0) {
                u->claimed = true;
                return i;
            }
        }
    }
    return ga >= 0 ? scn_pick(s, r, mask, -1) : SIM_NONE;
}

uint32_t scn_spray_targets(struct sim *s, struct sim_rng *r, uint32_t *out, uint32_t max,
                           uint32_t must)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->n_users && n < max; i++) {
        const struct sim_user *u = &s->users[i];
        if (u->role == R_ATTACKER || u->role == R_NEWHIRE) {
            continue;
        }
        out[n++] = i;
    }
    if (must != SIM_NONE) {
        bool in = false;
        for (uint32_t i = 0; i < n; i++) {
            in |= out[i] == must;
        }
        if (!in && n) {
            out[n - 1] = must;
        }
    }
    /* Shuffle: sprays walk a harvested list, not the directory order. */
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = sim_below(r, i);
        uint32_t tmp = out[i - 1];
        out[i - 1] = out[j];
        out[j] = tmp;
    }
    return n;
}

uint32_t scn_vip_mailboxes(struct sim *s, struct sim_rng *r, uint32_t *out, uint32_t max)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->n_users && n < max; i++) {
        const struct sim_user *u = &s->users[i];
        bool vip = u->role == R_EXEC || u->role == R_CISO || u->role == R_SECANALYST ||
                   (u->role == R_SHARED && u->lic == LIC_E5);
        /* Mailboxes another scenario already silenced would log nothing. */
        if (vip && u->lic == LIC_E5 && u->audit_off == INT64_MAX) {
            out[n++] = i;
        }
    }
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = sim_below(r, i);
        uint32_t tmp = out[i - 1];
        out[i - 1] = out[j];
        out[j] = tmp;
    }
    return n;
}

const char *scn_host(struct sim *s, const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/:");
    return m365_arena_strndup(&s->arena, p, n);
}
