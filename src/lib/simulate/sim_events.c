/* Building events: the record builders the background and the scenarios share. */
#include <stdlib.h>

#include "sim.h"

struct sim_ev *sim_ev_new(struct sim *s)
{
    if (s->n_sev == s->cap_sev) {
        uint32_t cap = s->cap_sev ? s->cap_sev * 2 : 256;
        struct sim_ev *n = realloc(s->sev, cap * sizeof(*n));
        if (!n) {
            return NULL;
        }
        s->sev = n;
        s->cap_sev = cap;
    }
    struct sim_ev *e = &s->sev[s->n_sev++];
    memset(e, 0, sizeof(*e));
    e->gt = -1;
    e->seq = s->seq++;
    e->owner = SIM_NONE;
    e->ip = e->app = e->app2 = e->res = SIM_NONE;
    return e;
}

struct sim_ev *sim_day_ev(struct sim *s, struct sim_day *d)
{
    if (d->n == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 4096;
        struct sim_ev *n = realloc(d->ev, cap * sizeof(*n));
        if (!n) {
            return NULL;
        }
        d->ev = n;
        d->cap = cap;
    }
    struct sim_ev *e = &d->ev[d->n++];
    memset(e, 0, sizeof(*e));
    e->gt = -1;
    e->seq = s->seq++;
    e->owner = SIM_NONE;
    e->ip = e->app = e->app2 = e->res = SIM_NONE;
    return e;
}


struct sim_audit *sim_audit_new(struct m365_arena *a)
{
    struct sim_audit *x = m365_arena_calloc(a, sizeof(*x));
    if (x) {
        x->actor_user = SIM_NONE;
        x->actor_app = SIM_NONE;
        x->ip = SIM_NONE;
        x->category = "UserManagement";
        x->service = "Core Directory";
        x->op_type = "Update";
        x->ual_class = "User";
    }
    return x;
}

struct sim_target *sim_targets(struct m365_arena *a, unsigned n)
{
    return m365_arena_calloc(a, n * sizeof(struct sim_target));
}

struct sim_prop *sim_props(struct m365_arena *a, unsigned n)
{
    return m365_arena_calloc(a, n * sizeof(struct sim_prop));
}

struct sim_kv *sim_kvs(struct m365_arena *a, unsigned n)
{
    return m365_arena_calloc(a, n * sizeof(struct sim_kv));
}

struct sim_ev *sim_mk_signin(struct sim *s, struct sim_ev *e, struct sim_rng *r, int64_t t,
                             uint32_t user, uint16_t app, uint16_t res, uint16_t ip, int32_t err,
                             uint8_t client, uint8_t dev, uint8_t auth, bool interactive)
{
    if (!e) {
        return NULL;
    }
    e->t = t;
    e->type = EV_SIGNIN;
    e->stream = interactive ? ST_SIGNIN : ST_SIGNIN_NI;
    e->user = user;
    e->app = app;
    e->res = res;
    e->ip = ip;
    e->err = err;
    e->client = client;
    e->dev = dev;
    e->auth = auth;
    e->flags = interactive ? EVF_INTERACTIVE : 0;
    if (ip != SIM_NONE && s->ips[ip].kind == IPK_OFFICE) {
        e->flags |= EVF_TRUSTED;
    }
    e->tok = sim_key(r);
    e->corr = sim_key(r);
    e->rnd = sim_next(r);
    return e;
}

struct sim_ev *sim_mk_sp_signin(struct sim *s, struct sim_ev *e, struct sim_rng *r, int64_t t,
                                uint16_t app, uint16_t res, uint16_t ip, uint64_t key, bool cert)
{
    (void)s;
    if (!e) {
        return NULL;
    }
    e->t = t;
    e->type = EV_SIGNIN;
    e->stream = ST_SIGNIN_SP;
    e->flags = EVF_SP;
    e->user = app;
    e->app = app;
    e->res = res;
    e->ip = ip;
    e->key = key;
    e->cred = cert ? 1 : 0;
    e->tok = sim_key(r);
    e->corr = sim_key(r);
    e->rnd = sim_next(r);
    return e;
}

struct sim_ev *sim_mk_mail(struct sim *s, struct sim_ev *e, struct sim_rng *r, int64_t t,
                           uint32_t actor, uint32_t owner, uint8_t client, uint16_t ip, bool bind)
{
    (void)s;
    if (!e) {
        return NULL;
    }
    e->t = t;
    e->type = EV_MAIL;
    e->stream = ST_EXO;
    e->user = actor;
    e->owner = owner;
    e->client = client;
    e->ip = ip;
    e->bind = bind ? 1 : 0;
    e->logon = actor == owner ? 0 : 2;
    e->folders = bind ? 1 : 3; /* Inbox; Sync covers Inbox and Sent Items */
    e->items = bind ? (uint8_t)(1 + sim_below(r, 3)) : 0;
    switch (client) {
    case MC_OWA: e->app = A_EXO; break;
    case MC_IOS:
    case MC_ANDROID:
        e->app = A_OUTLOOK_MOBILE;
        e->app2 = A_OUTLOOK_MOBILE;
        break;
    case MC_REST: e->app = A_GRAPH; break;
    default: break;
    }
    e->rnd = sim_next(r);
    return e;
}

void sim_tgt_user(struct sim *s, struct sim_target *t, uint32_t user)
{
    if (user < s->n_users) {
        t->type = "User";
        t->id = s->users[user].id;
        t->upn = s->users[user].upn;
        t->puid = s->users[user].puid;
    }
}

void sim_tgt_app(struct sim *s, struct sim_target *t, uint16_t app, bool application)
{
    if (app < s->n_apps) {
        t->type = application ? "Application" : "ServicePrincipal";
        t->id = application ? s->apps[app].obj : s->apps[app].sp;
        t->name = s->apps[app].name;
        t->app_id = s->apps[app].id;
    }
}


struct sim_target *sim_app_target(struct sim *s, struct m365_arena *a, uint16_t app,
                                  bool application)
{
    struct sim_target *t = sim_targets(a, 1);
    if (t) {
        sim_tgt_app(s, t, app, application);
    }
    return t;
}
