/* The tenant simulator: byte-identical output for the same options, different output for
 * another seed, every scenario in several formats read back without a single skipped record,
 * and the ground truth listing the steps each scenario defines. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "m365hunt/m365hunt.h"
#include "m365hunt/simulate.h"
#include "test_util.h"

/* Attack steps each scenario writes into ground-truth.json. */
static const struct {
    const char *name;
    unsigned steps;
} expected[] = {
    {"password-spray", 4},  {"dormant-mfa-takeover", 3}, {"audit-disable-and-collect", 5},
    {"sp-backdoor", 6},     {"midnight-blizzard", 10},   {"storm-0558", 2},
    {"mail-forwarding", 5}, {"federation-backdoor", 4}};
#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

struct walk {
    char **paths;
    size_t n, cap;
};

static void walk_dir(const char *root, const char *rel, struct walk *w)
{
    char *dir = rel[0] ? m365_test_path(root, rel) : strdup(root);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        char sub[1024];
        snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
        char *full = m365_test_path(root, sub);
        struct stat st;
        assert_int_equal(stat(full, &st), 0);
        free(full);
        if (S_ISDIR(st.st_mode)) {
            walk_dir(root, sub, w);
        } else {
            if (w->n == w->cap) {
                w->cap = w->cap ? w->cap * 2 : 64;
                w->paths = realloc(w->paths, w->cap * sizeof(*w->paths));
                assert_non_null(w->paths);
            }
            w->paths[w->n++] = strdup(sub);
        }
    }
    closedir(d);
    free(dir);
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_free(struct walk *w)
{
    for (size_t i = 0; i < w->n; i++) {
        free(w->paths[i]);
    }
    free(w->paths);
}

/* Every file of a equals the file of b with the same path, and no file is missing. */
static bool same_tree(const char *a, const char *b)
{
    struct walk wa = {0}, wb = {0};
    walk_dir(a, "", &wa);
    walk_dir(b, "", &wb);
    bool same = wa.n == wb.n && wa.n > 0;
    qsort(wa.paths, wa.n, sizeof(*wa.paths), cmp_path);
    qsort(wb.paths, wb.n, sizeof(*wb.paths), cmp_path);
    for (size_t i = 0; same && i < wa.n; i++) {
        same = strcmp(wa.paths[i], wb.paths[i]) == 0;
        if (!same) {
            break;
        }
        char *pa = m365_test_path(a, wa.paths[i]), *pb = m365_test_path(b, wb.paths[i]);
        size_t la, lb;
        char *da = m365_test_read_file(pa, &la), *db = m365_test_read_file(pb, &lb);
        same = da && db && la == lb && memcmp(da, db, la) == 0;
        free(da);
        free(db);
        free(pa);
        free(pb);
    }
    walk_free(&wa);
    walk_free(&wb);
    return same;
}

static struct m365_sim_stats simulate(const char *dir, uint64_t seed, const char *formats,
                                      const char *scenario, bool gzip, bool snapshot)
{
    struct m365_sim_options o;
    m365_sim_options_init(&o);
    const char *names[1] = {scenario};
    o.out_dir = dir;
    o.users = 16;
    o.days = 3;
    o.seed = seed;
    o.formats = formats;
    o.gzip = gzip;
    o.snapshot = snapshot;
    o.scenarios = names;
    o.n_scenarios = scenario ? 1 : 0;
    struct m365_sim_stats st;
    char err[256];
    enum m365_status rc = m365_simulate(&o, &st, err, sizeof(err));
    if (rc != M365_OK) {
        fail_msg("simulate %s %s: %s", scenario ? scenario : "-", formats, err);
    }
    return st;
}

static void count_warning(const struct m365_diag *d, void *user)
{
    if (d->level == M365_DIAG_WARNING) {
        (*(unsigned *)user)++;
        print_message("diag: %s:%llu: %s: %s\n", d->file, (unsigned long long)d->line,
                      d->field ? d->field : "-", d->msg);
    }
}

/* A configuration that switches every detection off: these tests are about reading, and must
 * not depend on the detections' state. */
static char *no_rules_config(const char *dir)
{
    char *path = m365_test_path(dir, "no-rules.yaml");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("rules:\n", f);
    for (size_t i = 0; i < m365_n_rules(); i++) {
        fprintf(f, "  %s:\n    enabled: false\n", m365_rule(i)->id);
    }
    assert_int_equal(fclose(f), 0);
    return path;
}

/* Scans dir; returns the totals and checks nothing was skipped. */
static struct m365_source_stats scan_clean(const char *dir)
{
    struct m365_scan_options so;
    m365_scan_options_init(&so);
    char *tmp = m365_test_mkdtemp();
    char *config = no_rules_config(tmp);
    so.config_path = config;
    unsigned warnings = 0;
    so.on_diag = count_warning;
    so.diag_user = &warnings;
    struct m365_scan *s;
    assert_int_equal(m365_scan_new(&s, &so), M365_OK);
    assert_int_equal(m365_scan_add_path(s, dir), M365_OK);
    assert_int_equal(m365_scan_run(s), M365_OK);
    struct m365_source_stats tot = m365_scan_totals(s);
    /* Every evidence file was recognised; only the ground truth and the hosting ranges are not
     * evidence. The snapshot's files are read as snapshot files (their kind is their format),
     * and their objects are not log records: they are left out of the totals returned. */
    for (size_t i = 0; i < m365_scan_n_files(s); i++) {
        const struct m365_file_stats *f = m365_scan_file(s, i);
        bool in_snapshot = strstr(f->path, "/snapshot/") != NULL;
        if (in_snapshot) {
            if (!f->reader || !m365_scan_snapshot(s)) {
                fail_msg("%s was not read as a snapshot file: %s", f->path,
                         f->error ? f->error : "?");
            }
            bool log_format = false;
            for (size_t k = 0; k < m365_n_formats(); k++) {
                log_format = log_format || strcmp(m365_format(k)->name, f->reader) == 0;
            }
            if (log_format) {
                fail_msg("%s was read as %s logs", f->path, f->reader);
            }
            tot.records_read -= f->records_read;
            tot.parsed -= f->parsed;
            continue;
        }
        if (!f->reader) {
            bool side = strstr(f->path, "ground-truth.json") ||
                        strstr(f->path, "/enrichment/ip-ranges.txt") ||
                        strstr(f->path, "/enrichment/city.mmdb");
            if (!side) {
                fail_msg("%s was not recognised: %s", f->path, f->error ? f->error : "?");
            }
        }
    }
    m365_scan_free(s);
    m365_test_rmtree(tmp);
    free(tmp);
    free(config);
    assert_int_equal(tot.skipped, 0);
    assert_int_equal(tot.duplicates, 0);
    assert_int_equal(warnings, 0);
    return tot;
}

static unsigned count(const char *hay, const char *needle)
{
    unsigned n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

static char *truth(const char *dir)
{
    char *p = m365_test_path(dir, "ground-truth.json");
    size_t len;
    char *t = m365_test_read_file(p, &len);
    free(p);
    assert_non_null(t);
    return t;
}

static void same_options_same_bytes(void **state)
{
    (void)state;
    char *tmp = m365_test_mkdtemp();
    char *a = m365_test_path(tmp, "a"), *b = m365_test_path(tmp, "b"),
         *c = m365_test_path(tmp, "c");
    simulate(a, 42, "mixed", "all", true, true);
    simulate(b, 42, "mixed", "all", true, true);
    simulate(c, 43, "mixed", "all", true, true);
    assert_true(same_tree(a, b));
    assert_false(same_tree(a, c));
    char *ta = truth(a), *tc = truth(c);
    assert_string_not_equal(ta, tc);
    free(ta);
    free(tc);
    m365_test_rmtree(tmp);
    free(a);
    free(b);
    free(c);
    free(tmp);
}

/* Each scenario alone, in three format choices: all records read back, steps as defined. */
static void scenarios_read_back(void **state)
{
    (void)state;
    static const char *const formats[] = {"mixed", "la-csv", "ual-json,azmon-json"};
    char *tmp = m365_test_mkdtemp();
    for (size_t i = 0; i < N_EXPECTED; i++) {
        for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
            char name[64];
            snprintf(name, sizeof(name), "%zu-%zu", i, f);
            char *dir = m365_test_path(tmp, name);
            struct m365_sim_stats st =
                simulate(dir, 100 + i, formats[f], expected[i].name, false, false);
            struct m365_source_stats tot = scan_clean(dir);
            assert_int_equal(tot.records_read, st.records);
            assert_int_equal(tot.parsed, st.records);
            char *t = truth(dir);
            char key[96];
            snprintf(key, sizeof(key), "\"scenario\":\"%s\"", expected[i].name);
            if (count(t, key) != expected[i].steps || st.attack_steps != expected[i].steps) {
                fail_msg("%s in %s: %u steps in the ground truth, %u expected", expected[i].name,
                         formats[f], count(t, key), expected[i].steps);
            }
            /* Every step has records in these formats (they hold every log stream). */
            assert_int_equal(count(t, "\"observable\":false"), 0);
            assert_int_equal(st.streams_not_written, 0);
            free(t);
            free(dir);
        }
    }
    m365_test_rmtree(tmp);
    free(tmp);
}

/* All scenarios together, each UAL and Entra format on its own, gzip: still all read back. */
static void all_scenarios_each_format(void **state)
{
    (void)state;
    static const char *const formats[] = {"ual-jsonl,graph-json", "ual-blob,azmon-pt1h",
                                          "purview-new,azmon-eventhub", "purview-classic,la-json"};
    char *tmp = m365_test_mkdtemp();
    unsigned total_steps = 0;
    for (size_t i = 0; i < N_EXPECTED; i++) {
        total_steps += expected[i].steps;
    }
    for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
        char name[16];
        snprintf(name, sizeof(name), "f%zu", f);
        char *dir = m365_test_path(tmp, name);
        struct m365_sim_stats st = simulate(dir, 7 + f, formats[f], "all", f % 2 == 0, f == 0);
        struct m365_source_stats tot = scan_clean(dir);
        assert_int_equal(tot.records_read, st.records);
        assert_int_equal(st.attack_steps, total_steps);
        free(dir);
    }
    m365_test_rmtree(tmp);
    free(tmp);
}

static void size_and_streams(void **state)
{
    (void)state;
    char *tmp = m365_test_mkdtemp();
    char *dir = m365_test_path(tmp, "size");
    struct m365_sim_options o;
    m365_sim_options_init(&o);
    o.out_dir = dir;
    o.users = 16;
    o.days = 2;
    o.size = 3u << 20;
    o.formats = "ual-jsonl";
    struct m365_sim_stats st;
    char err[256];
    assert_int_equal(m365_simulate(&o, &st, err, sizeof(err)), M365_OK);
    assert_true(st.bytes >= o.size);
    assert_true(st.days > 2);
    /* The UAL cannot hold non-interactive or service principal sign-ins, nor Graph requests. */
    assert_int_equal(st.streams_not_written, 3);
    scan_clean(dir);
    free(dir);
    m365_test_rmtree(tmp);
    free(tmp);
}

static void bad_options(void **state)
{
    (void)state;
    char *tmp = m365_test_mkdtemp();
    char *dir = m365_test_path(tmp, "x");
    struct m365_sim_options o;
    struct m365_sim_stats st;
    char err[256];
    const char *bad_scenario[] = {"password-spray", "no-such-thing"};

    m365_sim_options_init(&o);
    assert_int_equal(m365_simulate(&o, &st, err, sizeof(err)), M365_E_USAGE);
    o.out_dir = dir;
    o.scenarios = bad_scenario;
    o.n_scenarios = 2;
    assert_int_equal(m365_simulate(&o, &st, err, sizeof(err)), M365_E_USAGE);
    assert_non_null(strstr(err, "no-such-thing"));
    o.n_scenarios = 0;
    o.formats = "ual-json,xml";
    assert_int_equal(m365_simulate(&o, &st, err, sizeof(err)), M365_E_USAGE);
    assert_non_null(strstr(err, "xml"));
    o.formats = NULL;
    o.users = 3;
    assert_int_equal(m365_simulate(&o, &st, err, sizeof(err)), M365_E_CONFIG);
    o.users = 16;
    o.activity = 0.01;
    assert_int_equal(m365_simulate(&o, &st, err, sizeof(err)), M365_E_CONFIG);
    o.activity = 0.5;
    o.days = 1;
    assert_int_equal(m365_simulate(&o, &st, err, sizeof(err)), M365_E_CONFIG);
    o.days = 2;
    o.start = "2026-13-01";
    assert_int_equal(m365_simulate(&o, &st, err, sizeof(err)), M365_E_CONFIG);
    o.start = "2026-03-01";
    assert_int_equal(m365_simulate(&o, &st, err, sizeof(err)), M365_OK);
    /* Not empty any more: refused unless forced. */
    assert_int_equal(m365_simulate(&o, &st, err, sizeof(err)), M365_E_CONFIG);
    o.force = true;
    assert_int_equal(m365_simulate(&o, &st, err, sizeof(err)), M365_OK);
    char *t = truth(dir);
    assert_non_null(strstr(t, "\"start\":\"2026-03-01\""));
    free(t);
    free(dir);
    m365_test_rmtree(tmp);
    free(tmp);
}

static void registries(void **state)
{
    (void)state;
    assert_int_equal(m365_sim_n_scenarios(), N_EXPECTED);
    for (size_t i = 0; i < m365_sim_n_scenarios(); i++) {
        assert_string_equal(m365_sim_scenario(i)->name, expected[i].name);
        assert_non_null(m365_sim_scenario(i)->description);
    }
    assert_null(m365_sim_scenario(N_EXPECTED));
    /* Every simulated format is read by one of the library's readers. */
    for (size_t i = 0; i < m365_sim_n_formats(); i++) {
        bool found = false;
        for (size_t k = 0; k < m365_n_formats(); k++) {
            found |= strcmp(m365_sim_format(i)->title, m365_format(k)->name) == 0;
        }
        assert_true(found);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registries),
        cmocka_unit_test(bad_options),
        cmocka_unit_test(same_options_same_bytes),
        cmocka_unit_test(scenarios_read_back),
        cmocka_unit_test(all_scenarios_each_format),
        cmocka_unit_test(size_and_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
