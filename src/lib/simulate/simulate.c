/* m365_simulate(): options, the scenario and format registries, and the day loop. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "m365hunt/simulate.h"
#include "../core/norm.h"
#include "sim.h"
#include "../core/sort.h"

const struct sim_scn sim_scenarios[] = {
#define M365_SIM_SCENARIO(id, name, title, desc) {name, title, desc, sim_plan_##id},
#include "scenarios.def"
#undef M365_SIM_SCENARIO
};
const size_t sim_n_scenarios = sizeof(sim_scenarios) / sizeof(sim_scenarios[0]);

void m365_sim_options_init(struct m365_sim_options *o)
{
    memset(o, 0, sizeof(*o));
    o->users = 40;
    o->days = 10;
    o->seed = 1;
    o->activity = 1.0;
}

size_t m365_sim_n_scenarios(void)
{
    return sim_n_scenarios;
}

const struct m365_sim_info *m365_sim_scenario(size_t i)
{
    static struct m365_sim_info infos[sizeof(sim_scenarios) / sizeof(sim_scenarios[0])];
    if (i >= sim_n_scenarios) {
        return NULL;
    }
    infos[i].name = sim_scenarios[i].name;
    infos[i].title = sim_scenarios[i].title;
    infos[i].description = sim_scenarios[i].description;
    return &infos[i];
}

size_t m365_sim_n_formats(void)
{
    return F__N;
}

const struct m365_sim_info *m365_sim_format(size_t i)
{
    static struct m365_sim_info infos[F__N];
    if (i >= F__N) {
        return NULL;
    }
    infos[i].name = sim_fmts[i].name;
    infos[i].title = sim_fmts[i].reader;
    infos[i].description = sim_fmts[i].description;
    return &infos[i];
}

/* --------------------------------------------------------------------------------------------- */

static int fail(char *err, size_t n, enum m365_status *st, enum m365_status code, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t n, enum m365_status *st, enum m365_status code, const char *fmt,
                ...)
{
    if (err && n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, n, fmt, ap);
        va_end(ap);
    }
    *st = code;
    return -1;
}

static int parse_formats(struct sim *s, const char *list, char *err, size_t n, enum m365_status *st)
{
    unsigned sel = 0;
    if (!list || strcmp(list, "mixed") == 0) {
        sel = (1u << F__N) - 1;
        s->mixed = true;
    } else {
        const char *p = list;
        while (*p) {
            const char *c = strchr(p, ',');
            size_t len = c ? (size_t)(c - p) : strlen(p);
            char tok[64];
            if (len == 0 || len >= sizeof(tok)) {
                return fail(err, n, st, M365_E_USAGE,
                            "--formats: '%s' is not a list of format names", list);
            }
            memcpy(tok, p, len);
            tok[len] = '\0';
            unsigned hit = 0;
            for (int f = 0; f < F__N; f++) {
                if (strcmp(tok, sim_fmts[f].name) == 0 || strcmp(tok, sim_fmts[f].reader) == 0) {
                    hit |= 1u << f;
                }
            }
            if (strcmp(tok, "mixed") == 0) {
                hit = (1u << F__N) - 1;
            }
            if (!hit) {
                return fail(err, n, st, M365_E_USAGE,
                            "--formats: unknown format '%s' (see m365hunt simulate --list)", tok);
            }
            sel |= hit;
            p = c ? c + 1 : p + len;
        }
    }
    for (int st2 = 0; st2 < ST__N; st2++) {
        s->allowed[st2] = 0;
        for (int f = 0; f < F__N; f++) {
            if ((sel & (1u << f)) && (sim_fmts[f].holds & (1u << st2))) {
                s->allowed[st2] |= 1u << f;
            }
        }
        if (!s->allowed[st2]) {
            s->stats.streams_not_written++;
        }
    }
    return 0;
}

static int prepare_dir(struct sim *s, char *err, size_t n, enum m365_status *st)
{
    const char *dir = s->opt->out_dir;
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode)) {
            return fail(err, n, st, M365_E_CONFIG, "%s: exists and is not a folder", dir);
        }
        DIR *d = opendir(dir);
        if (!d) {
            return fail(err, n, st, M365_E_IO, "%s: cannot read the folder", dir);
        }
        bool empty = true;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
                empty = false;
                break;
            }
        }
        closedir(d);
        if (!empty && !s->opt->force) {
            return fail(err, n, st, M365_E_CONFIG,
                        "%s: the folder is not empty (use another one, or --force)", dir);
        }
        return 0;
    }
    /* Create it, parents included. */
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/", dir) >= (int)sizeof(path)) {
        return fail(err, n, st, M365_E_CONFIG, "%s: path too long", dir);
    }
    for (char *p = path + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(path, 0755) != 0 && errno != EEXIST) {
                return fail(err, n, st, M365_E_IO, "%s: cannot create the folder", path);
            }
            *p = '/';
        }
    }
    return 0;
}

static int cmp_ev(const void *a, const void *b)
{
    const struct sim_ev *x = *(const struct sim_ev *const *)a,
                        *y = *(const struct sim_ev *const *)b;
    if (x->t != y->t) {
        return x->t < y->t ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_sev(const void *a, const void *b)
{
    const struct sim_ev *x = a, *y = b;
    if (x->t != y->t) {
        return x->t < y->t ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void sim_free(struct sim *s)
{
    for (uint32_t i = 0; i < s->n_truth; i++) {
        for (int k = 0; k < ENT__N; k++) {
            free(s->truth[i].ent[k].v);
        }
        free(s->truth[i].ev);
    }
    free(s->truth);
    free(s->sev);
    free(s->users);
    free(s->ips);
    free(s->files);
    free(s->out_dir);
    m365_arena_free(&s->arena);
}

static int run(struct sim *s)
{
    const struct m365_sim_options *o = s->opt;
    struct sim_day d;
    memset(&d, 0, sizeof(d));
    m365_arena_init(&d.arena, 256 * 1024);
    struct sim_ev **order = NULL;
    uint32_t cap_order = 0;
    int rc = 0;
    for (uint32_t day = 0;; day++) {
        if (day >= o->days && (o->size == 0 || s->bytes >= o->size)) {
            break;
        }
        if (day >= M365_SIM_MAX_DAYS * 10u) {
            break; /* a size no format choice can reach (nothing written): stop anyway */
        }
        d.start = s->start + (int64_t)day * SIM_DAY_MS;
        d.n = 0;
        m365_arena_free(&d.arena);
        m365_arena_init(&d.arena, 256 * 1024);
        sim_rng_seed(&d.rng, o->seed, 0x100000ull + day);
        if (sim_background_day(s, &d) != 0) {
            sim_error(s, "out of memory");
            rc = -1;
            break;
        }
        /* The scenario events of this day. */
        int64_t end = d.start + SIM_DAY_MS;
        uint32_t first = s->sev_next;
        while (s->sev_next < s->n_sev && s->sev[s->sev_next].t < end) {
            s->sev_next++;
        }
        uint32_t n = d.n + (s->sev_next - first);
        if (n > cap_order) {
            struct sim_ev **no = realloc(order, n * sizeof(*no));
            if (!no) {
                sim_error(s, "out of memory");
                rc = -1;
                break;
            }
            order = no;
            cap_order = n;
        }
        uint32_t k = 0;
        for (uint32_t i = 0; i < d.n; i++) {
            order[k++] = &d.ev[i];
        }
        for (uint32_t i = first; i < s->sev_next; i++) {
            if (s->sev[i].t >= d.start) {
                order[k++] = &s->sev[i];
            }
        }
        m365_qsort(order, k, sizeof(*order), cmp_ev);
        if (sim_write_day(s, &d, order, k) != 0) {
            rc = -1;
            break;
        }
        s->days_done++;
        s->gen_end = end;
        if (o->on_progress) {
            o->on_progress(s->bytes, o->size, s->days_done, o->progress_user);
        }
    }
    free(order);
    free(d.ev);
    m365_arena_free(&d.arena);
    return rc;
}

enum m365_status m365_simulate(const struct m365_sim_options *o, struct m365_sim_stats *stats,
                               char *err, size_t err_size)
{
    enum m365_status st = M365_OK;
    if (err && err_size) {
        err[0] = '\0';
    }
    if (stats) {
        memset(stats, 0, sizeof(*stats));
    }
    if (!o || !o->out_dir || !*o->out_dir) {
        fail(err, err_size, &st, M365_E_USAGE, "%s", "no output folder given");
        return st;
    }
    if (o->users < M365_SIM_MIN_USERS || o->users > M365_SIM_MAX_USERS) {
        char tmp[64];
        snprintf(tmp, sizeof(tmp), "%u..%u", M365_SIM_MIN_USERS, M365_SIM_MAX_USERS);
        fail(err, err_size, &st, M365_E_CONFIG, "the number of users must be in %s", tmp);
        return st;
    }
    if (o->days < M365_SIM_MIN_DAYS || o->days > M365_SIM_MAX_DAYS) {
        char tmp[64];
        snprintf(tmp, sizeof(tmp), "%u..%u", M365_SIM_MIN_DAYS, M365_SIM_MAX_DAYS);
        fail(err, err_size, &st, M365_E_CONFIG, "the number of days must be in %s", tmp);
        return st;
    }
    if (!(o->activity >= M365_SIM_MIN_ACTIVITY && o->activity <= M365_SIM_MAX_ACTIVITY)) {
        fail(err, err_size, &st, M365_E_CONFIG, "the activity level must be in %g..%g",
             M365_SIM_MIN_ACTIVITY, M365_SIM_MAX_ACTIVITY);
        return st;
    }
    struct sim *s = calloc(1, sizeof(*s));
    if (!s) {
        return M365_E_NOMEM;
    }
    s->opt = o;
    m365_arena_init(&s->arena, 256 * 1024);
    for (size_t i = 0; i < o->n_scenarios; i++) {
        const char *name = o->scenarios[i];
        bool found = false;
        for (size_t k = 0; k < sim_n_scenarios; k++) {
            if (strcmp(name, "all") == 0 || strcmp(name, sim_scenarios[k].name) == 0) {
                s->scenario_mask |= 1 << k;
                found = true;
            }
        }
        if (!found && strcmp(name, "none") != 0) {
            fail(err, err_size, &st, M365_E_USAGE,
                 "unknown scenario '%s' (see m365hunt simulate --list)", name);
            sim_free(s);
            free(s);
            return st;
        }
    }
    if (parse_formats(s, o->formats, err, err_size, &st) != 0 ||
        prepare_dir(s, err, err_size, &st) != 0) {
        sim_free(s);
        free(s);
        return st;
    }
    s->out_dir = malloc(strlen(o->out_dir) + 1);
    if (!s->out_dir) {
        sim_free(s);
        free(s);
        return M365_E_NOMEM;
    }
    strcpy(s->out_dir, o->out_dir);
    size_t ol = strlen(s->out_dir);
    while (ol > 1 && s->out_dir[ol - 1] == '/') {
        s->out_dir[--ol] = '\0';
    }
    int y, mo, dd;
    char tail;
    if (o->start) {
        if (sscanf(o->start, "%4d-%2d-%2d%c", &y, &mo, &dd, &tail) != 3 || y < 2000 || y > 2100 ||
            mo < 1 || mo > 12 || dd < 1 || dd > 31) {
            fail(err, err_size, &st, M365_E_CONFIG, "'%s' is not a date like 2026-03-01", o->start);
            sim_free(s);
            free(s);
            return st;
        }
        s->start_days = m365_days_from_civil(y, (unsigned)mo, (unsigned)dd);
    } else {
        /* A Sunday in 2025 or 2026, from the seed. */
        int64_t base = 20093; /* 2025-01-05, a Sunday */
        s->start_days = base + (int64_t)(sim_mix64(o->seed ^ 0x5ea5011ull) % 80) * 7;
    }
    int rc = sim_tenant_build(s);
    /* The scenarios add a few accounts (Midnight Blizzard's new user); a move of the array
     * after the tenant is built would leave the audits' targets pointing at freed ids. */
    if (rc == 0) {
        rc = sim_users_pin(s, 16);
    }
    if (rc == 0) {
        sim_background_prepare(s);
        for (size_t k = 0; k < sim_n_scenarios; k++) {
            if (s->scenario_mask & (1 << k)) {
                struct sim_rng r;
                sim_rng_seed(&r, o->seed, sim_str_hash(sim_scenarios[k].name));
                sim_scenarios[k].plan(s, &r, s->start + SIM_DAY_MS, s->end);
            }
        }
        if (s->n_sev > 1) {
            m365_qsort(s->sev, s->n_sev, sizeof(*s->sev), cmp_sev);
        }
        rc = run(s);
    }
    if (rc == 0) {
        rc = sim_truth_write(s);
    }
    if (rc == 0) {
        rc = sim_hosting_ranges_write(s);
    }
    if (rc == 0) {
        rc = sim_city_db_write(s);
    }
    if (rc == 0 && o->snapshot) {
        rc = sim_snapshot_write(s);
    }
    if (rc != 0) {
        st = s->io_failed || s->err[0] ? M365_E_IO : M365_E_NOMEM;
        if (err && err_size) {
            snprintf(err, err_size, "%s", s->err[0] ? s->err : "out of memory");
        }
    }
    s->stats.days = s->days_done;
    s->stats.users = s->n_users;
    if (stats) {
        *stats = s->stats;
    }
    sim_free(s);
    free(s);
    return st;
}
