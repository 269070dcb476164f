/* Ground truth: every attack step and benign near miss, with the records that were written for
 * it, written to ground-truth.json (schema in docs/simulate.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "m365hunt/version.h"
#include "sim.h"
#include "../core/sort.h"

static int set_add(struct sim *s, struct sim_strset *set, const char *v)
{
    if (!v || !*v) {
        return 0;
    }
    for (uint32_t i = 0; i < set->n; i++) {
        if (strcmp(set->v[i], v) == 0) {
            return 0;
        }
    }
    if (set->n == set->cap) {
        uint32_t cap = set->cap ? set->cap * 2 : 8;
        const char **n = realloc(set->v, cap * sizeof(*n));
        if (!n) {
            return -1;
        }
        set->v = n;
        set->cap = cap;
    }
    set->v[set->n++] = sim_strdup(s, v);
    return 0;
}

int32_t sim_truth_new(struct sim *s, bool attack, const char *scenario, const char *id,
                      const char *title, const char *description, const char *rules)
{
    if (s->n_truth == s->cap_truth) {
        uint32_t cap = s->cap_truth ? s->cap_truth * 2 : 64;
        struct sim_truth *n = realloc(s->truth, cap * sizeof(*n));
        if (!n) {
            return -1;
        }
        s->truth = n;
        s->cap_truth = cap;
    }
    struct sim_truth *t = &s->truth[s->n_truth];
    memset(t, 0, sizeof(*t));
    t->attack = attack;
    t->scenario = scenario;
    t->id = sim_strdup(s, id);
    t->title = title;
    t->description = description;
    t->first = INT64_MAX;
    t->last = INT64_MIN;
    /* "a,b,c" -> rules[] */
    const char *p = rules;
    while (p && *p && t->n_rules < sizeof(t->rules) / sizeof(t->rules[0])) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        t->rules[t->n_rules++] = m365_arena_strndup(&s->arena, p, n);
        p = c ? c + 1 : NULL;
    }
    return (int32_t)s->n_truth++;
}

/* Near misses recur every day: their entity lists are capped so large tenants stay fast. */
#define NEAR_MISS_MAX_ENTITIES 100

void sim_truth_ent(struct sim *s, int32_t t, enum sim_ent k, const char *v)
{
    if (t < 0 || (uint32_t)t >= s->n_truth) {
        return;
    }
    struct sim_truth *x = &s->truth[t];
    if (!x->attack && x->ent[k].n >= NEAR_MISS_MAX_ENTITIES) {
        return;
    }
    if (set_add(s, &x->ent[k], v) != 0) {
        s->io_failed = true;
    }
}

void sim_truth_user(struct sim *s, int32_t t, uint32_t user)
{
    if (user < s->n_users) {
        sim_truth_ent(s, t, ENT_USERS, s->users[user].upn);
    }
}

void sim_truth_ip(struct sim *s, int32_t t, uint16_t ip)
{
    if (ip < s->n_ips) {
        sim_truth_ent(s, t, ENT_IPS, s->ips[ip].addr);
    }
}

void sim_truth_app(struct sim *s, int32_t t, uint16_t app)
{
    if (app < s->n_apps) {
        sim_truth_ent(s, t, ENT_APPS, s->apps[app].id);
        sim_truth_ent(s, t, ENT_APPS, s->apps[app].name);
    }
}

void sim_truth_sp(struct sim *s, int32_t t, uint16_t app)
{
    if (app < s->n_apps) {
        sim_truth_ent(s, t, ENT_SPS, s->apps[app].sp);
        sim_truth_ent(s, t, ENT_SPS, s->apps[app].name);
    }
}

void sim_truth_mailbox(struct sim *s, int32_t t, uint32_t user)
{
    if (user < s->n_users) {
        sim_truth_ent(s, t, ENT_MAILBOXES, s->users[user].upn);
    }
}

/* The entities a written record of an attack step shows (users, addresses, apps, service
 * principals, mailboxes, domains), as the finding contract spells them. */
static void record_entities(struct sim *s, int32_t gt, const struct sim_ev *e)
{
    sim_truth_ip(s, gt, e->ip);
    switch (e->type) {
    case EV_SIGNIN:
        if (e->flags & EVF_SP) {
            sim_truth_sp(s, gt, e->app);
        } else {
            sim_truth_user(s, gt, e->user);
        }
        sim_truth_app(s, gt, e->app);
        break;
    case EV_AUDIT: {
        const struct sim_audit *a = e->rich;
        if (a->actor_user != SIM_NONE) {
            sim_truth_user(s, gt, a->actor_user);
        } else if (a->actor_app < s->n_apps && s->apps[a->actor_app].kind != APPK_SERVICE) {
            sim_truth_app(s, gt, a->actor_app);
            sim_truth_sp(s, gt, a->actor_app);
        }
        for (unsigned i = 0; i < a->n_targets; i++) {
            const struct sim_target *tg = &a->targets[i];
            if (!tg->type) {
                continue;
            }
            if (strcmp(tg->type, "User") == 0) {
                sim_truth_ent(s, gt, ENT_USERS, tg->upn);
            } else if (strcmp(tg->type, "ServicePrincipal") == 0 ||
                       strcmp(tg->type, "Application") == 0) {
                sim_truth_ent(s, gt, ENT_APPS, tg->app_id);
                sim_truth_ent(s, gt, ENT_APPS, tg->name);
                if (strcmp(tg->type, "ServicePrincipal") == 0) {
                    sim_truth_ent(s, gt, ENT_SPS, tg->id);
                    sim_truth_ent(s, gt, ENT_SPS, tg->name);
                }
            } else if (strcmp(tg->type, "Directory") == 0) {
                sim_truth_ent(s, gt, ENT_DOMAINS, tg->name);
            }
        }
        break;
    }
    case EV_MAIL:
        if (e->user != e->owner) {
            sim_truth_user(s, gt, e->user);
        }
        sim_truth_mailbox(s, gt, e->owner);
        if (e->app2 != SIM_NONE) {
            sim_truth_app(s, gt, e->app2);
        } else if (e->app != SIM_NONE) {
            sim_truth_app(s, gt, e->app);
        }
        break;
    case EV_ITEM:
        sim_truth_user(s, gt, e->user);
        sim_truth_mailbox(s, gt, e->owner);
        break;
    case EV_CMDLET: {
        const struct sim_cmdlet *c = e->rich;
        if (c->user != SIM_NONE) {
            sim_truth_user(s, gt, c->user);
        }
        break;
    }
    default: sim_truth_user(s, gt, e->user); break;
    }
}

void sim_truth_written(struct sim *s, const struct sim_ev *e, const char *file,
                       const char *record_id, int64_t t)
{
    if (e->gt < 0 || (uint32_t)e->gt >= s->n_truth) {
        return;
    }
    struct sim_truth *x = &s->truth[e->gt];
    if (x->attack) {
        record_entities(s, e->gt, e);
    }
    x->written++;
    if (t < x->first) {
        x->first = t;
    }
    if (t > x->last) {
        x->last = t;
    }
    uint32_t max = x->attack ? SIM_TRUTH_MAX_EVIDENCE : 20;
    if (x->n_ev >= max) {
        return;
    }
    if (x->n_ev == x->cap_ev) {
        uint32_t cap = x->cap_ev ? x->cap_ev * 2 : 8;
        struct sim_evref *n = realloc(x->ev, cap * sizeof(*n));
        if (!n) {
            s->io_failed = true;
            return;
        }
        x->ev = n;
        x->cap_ev = cap;
    }
    struct sim_evref *r = &x->ev[x->n_ev++];
    r->file = file;
    snprintf(r->id, sizeof(r->id), "%s", record_id ? record_id : "");
    r->t = t;
}

/* --------------------------------------------------------------------------------------------- */

static int cmp_ev(const void *a, const void *b)
{
    const struct sim_evref *x = a, *y = b;
    if (x->t != y->t) {
        return x->t < y->t ? -1 : 1;
    }
    int c = strcmp(x->file, y->file);
    return c ? c : strcmp(x->id, y->id);
}

static void jstr(struct sbuf *b, const char *s)
{
    if (!s) {
        SB_LIT(b, "null");
        return;
    }
    sb_putc(b, '"');
    sb_json_esc(b, s, strlen(s));
    sb_putc(b, '"');
}

static void jtime(struct sbuf *b, int64_t t)
{
    if (t == INT64_MAX || t == INT64_MIN) {
        SB_LIT(b, "null");
        return;
    }
    sb_putc(b, '"');
    sb_time(b, t, TF_Z3, 0);
    sb_putc(b, '"');
}

static void entities(struct sbuf *b, struct sim_truth *t)
{
    static const char *const names[ENT__N] = {"users",     "ips",    "apps", "service_principals",
                                              "mailboxes", "domains"};
    SB_LIT(b, "{");
    for (int k = 0; k < ENT__N; k++) {
        struct sim_strset *set = &t->ent[k];
        if (set->n > 1) {
            m365_qsort(set->v, set->n, sizeof(*set->v), m365_cmp_cstr);
        }
        if (k) {
            sb_putc(b, ',');
        }
        jstr(b, names[k]);
        SB_LIT(b, ":[");
        for (uint32_t i = 0; i < set->n; i++) {
            if (i) {
                sb_putc(b, ',');
            }
            jstr(b, set->v[i]);
        }
        sb_putc(b, ']');
    }
    sb_putc(b, '}');
}

static void item(struct sbuf *b, struct sim_truth *t)
{
    SB_LIT(b, "{\"id\":");
    jstr(b, t->id);
    if (t->attack) {
        SB_LIT(b, ",\"scenario\":");
        jstr(b, t->scenario);
    }
    SB_LIT(b, ",\"title\":");
    jstr(b, t->title);
    SB_LIT(b, ",\"description\":");
    jstr(b, t->description);
    SB_LIT(b, ",\"rules\":[");
    for (unsigned i = 0; i < t->n_rules; i++) {
        if (i) {
            sb_putc(b, ',');
        }
        jstr(b, t->rules[i]);
    }
    SB_LIT(b, "],\"first\":");
    jtime(b, t->first);
    SB_LIT(b, ",\"last\":");
    jtime(b, t->last);
    if (t->attack) {
        SB_LIT(b, ",\"records_planned\":");
        sb_u64(b, t->planned);
    }
    SB_LIT(b, ",\"records\":");
    sb_u64(b, t->written);
    if (t->attack) {
        SB_LIT(b, ",\"observable\":");
        sb_puts(b, t->written || t->absence ? "true" : "false");
        SB_LIT(b, ",\"kind\":");
        sb_puts(b, t->absence ? "\"absence\"" : "\"records\"");
    }
    SB_LIT(b, ",\"entities\":");
    entities(b, t);
    if (t->n_ev > 1) {
        m365_qsort(t->ev, t->n_ev, sizeof(*t->ev), cmp_ev);
    }
    SB_LIT(b, ",\"evidence\":[");
    for (uint32_t i = 0; i < t->n_ev; i++) {
        sb_puts(b, i ? ",\n    {\"file\":" : "\n    {\"file\":");
        jstr(b, t->ev[i].file);
        SB_LIT(b, ",\"record_id\":");
        jstr(b, t->ev[i].id);
        SB_LIT(b, ",\"time\":");
        jtime(b, t->ev[i].t);
        sb_putc(b, '}');
    }
    SB_LIT(b, "]}");
}

int sim_truth_write(struct sim *s)
{
    struct sbuf b = {0};
    const struct m365_sim_options *o = s->opt;
    SB_LIT(&b,
           "{\"schema_version\":1,\n \"generator\":{\"tool\":\"m365hunt simulate\",\"version\":");
    jstr(&b, M365HUNT_VERSION);
    SB_LIT(&b, "},\n \"options\":{\"seed\":");
    sb_u64(&b, o->seed);
    SB_LIT(&b, ",\"users\":");
    sb_u64(&b, o->users);
    SB_LIT(&b, ",\"days\":");
    sb_u64(&b, o->days);
    SB_LIT(&b, ",\"activity\":");
    char act[32];
    snprintf(act, sizeof(act), "%g", o->activity);
    sb_puts(&b, act);
    SB_LIT(&b, ",\"start\":\"");
    sb_time(&b, s->start_days * SIM_DAY_MS, TF_DATE, 0);
    SB_LIT(&b, "\",\"size\":");
    sb_u64(&b, o->size);
    SB_LIT(&b, ",\"formats\":");
    jstr(&b, o->formats ? o->formats : "mixed");
    SB_LIT(&b, ",\"gzip\":");
    sb_puts(&b, o->gzip ? "true" : "false");
    SB_LIT(&b, ",\"snapshot\":");
    sb_puts(&b, o->snapshot ? "true" : "false");
    SB_LIT(&b, ",\"scenarios\":[");
    bool first = true;
    for (size_t i = 0; i < sim_n_scenarios; i++) {
        if (s->scenario_mask & (1 << i)) {
            if (!first) {
                sb_putc(&b, ',');
            }
            first = false;
            jstr(&b, sim_scenarios[i].name);
        }
    }
    const struct sim_tenant *t = &s->tenant;
    SB_LIT(&b, "]},\n \"tenant\":{\"name\":");
    jstr(&b, t->name);
    SB_LIT(&b, ",\"domain\":");
    jstr(&b, t->domain);
    SB_LIT(&b, ",\"tenant_id\":");
    jstr(&b, t->id);
    SB_LIT(&b, ",\"workspace_id\":");
    jstr(&b, t->workspace);
    SB_LIT(&b, ",\"region\":");
    jstr(&b, t->region_name);
    SB_LIT(&b, ",\"utc_offset_hours\":");
    sb_i64(&b, t->utc_offset);
    SB_LIT(&b, ",\"window\":{\"start\":");
    jtime(&b, s->start);
    SB_LIT(&b, ",\"end\":");
    jtime(&b, s->end);
    SB_LIT(&b, "},\"generated\":{\"start\":");
    jtime(&b, s->start);
    SB_LIT(&b, ",\"end\":");
    jtime(&b, s->gen_end);
    SB_LIT(&b, ",\"days\":");
    sb_u64(&b, s->days_done);
    SB_LIT(&b, "},\"users\":");
    sb_u64(&b, s->n_users);
    SB_LIT(&b, ",\"office_ips\":[");
    for (unsigned i = 0; i < s->n_office; i++) {
        if (i) {
            sb_putc(&b, ',');
        }
        jstr(&b, s->ips[s->office_ips[i]].addr);
    }
    SB_LIT(&b, "],\"backup_app\":{\"app_id\":");
    jstr(&b, s->apps[A_BACKUP].id);
    SB_LIT(&b, ",\"name\":");
    jstr(&b, s->apps[A_BACKUP].name);
    SB_LIT(&b, ",\"ip\":");
    jstr(&b, s->ips[s->vendor_ip].addr);
    /* Microsoft's own applications: an attack step may use one (the Office client, the Graph
     * tools) without making every finding that names it the attacker's. */
    SB_LIT(&b, "},\"microsoft_apps\":[");
    bool first_app = true;
    for (uint32_t i = 0; i < s->n_apps; i++) {
        const struct sim_app *a = &s->apps[i];
        if (a->kind != APPK_FIRST_PARTY && a->kind != APPK_SERVICE) {
            continue;
        }
        sb_puts(&b, first_app ? "{\"app_id\":" : ",{\"app_id\":");
        first_app = false;
        jstr(&b, a->id);
        SB_LIT(&b, ",\"name\":");
        jstr(&b, a->name);
        sb_putc(&b, '}');
    }
    SB_LIT(&b, "]},\n \"streams\":[");
    for (int st = 0; st < ST__N; st++) {
        sb_puts(&b, st ? ",\n  {\"name\":" : "\n  {\"name\":");
        jstr(&b, sim_stream_name((enum sim_stream)st));
        SB_LIT(&b, ",\"written\":");
        sb_puts(&b, s->allowed[st] ? "true" : "false");
        SB_LIT(&b, ",\"formats\":[");
        bool f1 = true;
        for (int f = 0; f < F__N; f++) {
            if (s->allowed[st] & (1u << f)) {
                if (!f1) {
                    sb_putc(&b, ',');
                }
                f1 = false;
                jstr(&b, sim_fmts[f].name);
            }
        }
        SB_LIT(&b, "]}");
    }
    SB_LIT(&b, "],\n \"files\":[");
    for (uint32_t i = 0; i < s->n_files; i++) {
        const struct sim_outfile *f = &s->files[i];
        sb_puts(&b, i ? ",\n  {\"path\":" : "\n  {\"path\":");
        jstr(&b, f->path);
        SB_LIT(&b, ",\"stream\":");
        jstr(&b, sim_stream_name((enum sim_stream)f->stream));
        SB_LIT(&b, ",\"format\":");
        jstr(&b, sim_fmts[f->fmt].name);
        SB_LIT(&b, ",\"reader\":");
        jstr(&b, sim_fmts[f->fmt].reader);
        SB_LIT(&b, ",\"gzip\":");
        sb_puts(&b, f->gzip ? "true" : "false");
        SB_LIT(&b, ",\"records\":");
        sb_u64(&b, f->records);
        SB_LIT(&b, ",\"bytes\":");
        sb_u64(&b, f->bytes);
        SB_LIT(&b, ",\"first\":");
        jtime(&b, f->first);
        SB_LIT(&b, ",\"last\":");
        jtime(&b, f->last);
        sb_putc(&b, '}');
    }
    uint64_t attack_records = 0;
    uint32_t n_attack = 0, n_nm = 0;
    SB_LIT(&b, "],\n \"attack_steps\":[");
    for (uint32_t i = 0; i < s->n_truth; i++) {
        if (s->truth[i].attack) {
            sb_puts(&b, n_attack ? ",\n  " : "\n  ");
            item(&b, &s->truth[i]);
            attack_records += s->truth[i].written;
            n_attack++;
        }
    }
    SB_LIT(&b, "],\n \"near_misses\":[");
    for (uint32_t i = 0; i < s->n_truth; i++) {
        if (!s->truth[i].attack && s->truth[i].written) {
            sb_puts(&b, n_nm ? ",\n  " : "\n  ");
            item(&b, &s->truth[i]);
            n_nm++;
        }
    }
    SB_LIT(&b, "],\n \"totals\":{\"files\":");
    sb_u64(&b, s->stats.files);
    SB_LIT(&b, ",\"records\":");
    sb_u64(&b, s->stats.records);
    SB_LIT(&b, ",\"bytes\":");
    sb_u64(&b, s->stats.bytes);
    SB_LIT(&b, ",\"attack_steps\":");
    sb_u64(&b, n_attack);
    SB_LIT(&b, ",\"attack_records\":");
    sb_u64(&b, attack_records);
    SB_LIT(&b, ",\"near_misses\":");
    sb_u64(&b, n_nm);
    SB_LIT(&b, "}}\n");
    s->stats.attack_steps = n_attack;
    s->stats.near_misses = n_nm;
    if (b.oom) {
        sb_free(&b);
        sim_error(s, "out of memory writing the ground truth");
        return -1;
    }
    char *path = malloc(strlen(s->out_dir) + 32);
    if (!path) {
        sb_free(&b);
        return -1;
    }
    sprintf(path, "%s/ground-truth.json", s->out_dir);
    FILE *f = fopen(path, "wb");
    int rc = 0;
    if (!f || fwrite(b.p, 1, b.len, f) != b.len) {
        rc = -1;
    }
    if (f && fclose(f) != 0) {
        rc = -1;
    }
    if (rc != 0) {
        sim_error(s, "%s: cannot write: %s", path, strerror(errno));
    }
    free(path);
    sb_free(&b);
    return rc;
}
