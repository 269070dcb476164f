/* A spilled scan (m365_scan_options.spill) keeps its event table in an unlinked file and lets
 * its pages go as it reads and walks: it must give the same events and findings as a scan in
 * memory, with its pages let go all the time, with its address range running out, when the
 * spill directory cannot be used, and when the disk fills up half-way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/magic.h>
#include <stdbool.h>

#include "core/buf.h"
#include "core/region.h"
#include "engine/scan_internal.h"
#include "m365hunt/m365hunt.h"
#include "test_util.h"

static char *corpus;

static int append(const char *data, size_t len, void *user)
{
    return m365_buf_append(user, data, len) == 0 && !((struct m365_buf *)user)->failed ? 0 : -1;
}

struct outcome {
    struct m365_buf text; /* every event and finding, as JSON */
    bool spilled;
    uint64_t releases;
    size_t events, wide, used;
    char warning[512]; /* the last warning */
};

static void on_diag(const struct m365_diag *d, void *user)
{
    struct outcome *o = user;
    if (d->level == M365_DIAG_WARNING) {
        snprintf(o->warning, sizeof(o->warning), "%s: %s", d->file, d->msg);
    }
}

static size_t pre_run_used; /* of the range, before reading: configuration, enrichment */

static void scan(enum m365_spill spill, const char *dir, uint64_t resident, size_t region_bytes,
                 struct outcome *out)
{
    memset(out, 0, sizeof(*out));
    m365_buf_init(&out->text, 0);
    struct m365_scan_options o;
    m365_scan_options_init(&o);
    o.spill = spill;
    o.spill_dir = dir;
    o.spill_resident = resident;
    o.on_diag = on_diag;
    o.diag_user = out;
    struct m365_scan *s;
    assert_int_equal(m365_scan_new(&s, &o), M365_OK);
    if (region_bytes) {
        m365_scan_limit_region(s, region_bytes);
    }
    assert_int_equal(m365_scan_add_path(s, corpus), M365_OK);
    pre_run_used = m365_scan_region_used(s);
    assert_int_equal(m365_scan_run(s), M365_OK);
    struct m365_event buf;
    for (size_t i = 0; i < m365_scan_n_events(s); i++) {
        assert_int_equal(m365_event_write_json(m365_scan_event_at(s, i, &buf), append, &out->text),
                         M365_OK);
        m365_buf_putc(&out->text, '\n');
    }
    for (size_t i = 0; i < m365_scan_n_findings(s); i++) {
        assert_int_equal(m365_finding_write_json(m365_scan_finding(s, i), append, &out->text),
                         M365_OK);
        m365_buf_putc(&out->text, '\n');
    }
    struct m365_scan_timing t = m365_scan_timing(s);
    out->spilled = t.spilled;
    out->releases = t.spill_releases;
    out->events = m365_scan_n_events(s);
    out->wide = m365_scan_wide_events(s);
    out->used = m365_scan_region_used(s);
    m365_scan_free(s);
}

/* The scan in memory every spilled one is held to, made once. */
static struct outcome mem;

static int setup(void **state)
{
    (void)state;
    corpus = m365_test_mkdtemp();
    if (!corpus ||
        m365_test_simulate_all(corpus, 30, 5, "ual-jsonl,graph-json,purview-new", 0) != 0) {
        return -1;
    }
    scan(M365_SPILL_NEVER, NULL, 0, 0, &mem);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    m365_buf_free(&mem.text);
    m365_test_rmtree(corpus);
    free(corpus);
    return 0;
}

static void same(const struct outcome *a, const struct outcome *b)
{
    assert_int_equal(a->events, b->events);
    assert_int_equal(a->text.len, b->text.len);
    assert_memory_equal(a->text.data, b->text.data, a->text.len);
}

static bool in_memory_fs(const char *dir)
{
    struct statfs sf;
    return statfs(dir, &sf) == 0 && (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
}

static const char *tmpdir(void)
{
    const char *d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

/* Auto leaves a small scan in memory; always spills, and with one page allowed resident it lets
 * go at every look; the output is the same byte for byte. */
static void spilled_scan_agrees(void **state)
{
    (void)state;
    struct outcome autom, spilled;
    scan(M365_SPILL_AUTO, NULL, 0, 0, &autom);
    scan(M365_SPILL_ALWAYS, NULL, 4096, 0, &spilled);
    assert_false(mem.spilled);
    assert_false(autom.spilled);
    assert_true(spilled.spilled);
    assert_int_equal(mem.releases, 0);
    /* One look per 4096 events stored or visited: reading, ordering and every detection's walk. */
    assert_true(spilled.releases >= 2 * spilled.events / 4096);
    assert_true(mem.events > 10000);
    assert_non_null(strstr(mem.text.data, "\"evidence\":[{")); /* findings with evidence */
    /* Quiet, unless $TMPDIR is on tmpfs (unusable_directory's twin below). */
    if (!in_memory_fs(tmpdir())) {
        assert_string_equal(spilled.warning, "");
    }
    same(&mem, &autom);
    same(&mem, &spilled);
    m365_buf_free(&autom.text);
    m365_buf_free(&spilled.text);
}

/* A spilled scan whose address range runs out part-way: events narrow, then wide. */
static void spilled_range_runs_out(void **state)
{
    (void)state;
    struct outcome spilled;
    scan(M365_SPILL_ALWAYS, NULL, 4096, mem.used * 3 / 4, &spilled);
    assert_true(spilled.spilled);
    assert_true(spilled.wide > 0 && spilled.wide < spilled.events);
    same(&mem, &spilled);
    m365_buf_free(&spilled.text);
}

/* No file can be made in the directory: a warning naming it, and the table stays in memory. */
static void unusable_directory(void **state)
{
    (void)state;
    struct outcome spilled;
    scan(M365_SPILL_ALWAYS, "/nonexistent/m365hunt-spill", 4096, 0, &spilled);
    assert_false(spilled.spilled);
    assert_non_null(strstr(spilled.warning, "/nonexistent/m365hunt-spill: the event table stays "
                                            "in memory"));
    same(&mem, &spilled);
    m365_buf_free(&spilled.text);
}

/* A spill directory on tmpfs works, with a warning that the table stays in the machine's
 * memory. */
static void directory_in_memory(void **state)
{
    (void)state;
    if (!in_memory_fs("/dev/shm")) {
        skip(); /* no tmpfs here to try */
    }
    struct outcome spilled;
    scan(M365_SPILL_ALWAYS, "/dev/shm", 4096, 0, &spilled);
    assert_true(spilled.spilled);
    assert_non_null(strstr(spilled.warning, "/dev/shm: the spill directory is in memory (tmpfs)"));
    same(&mem, &spilled);
    m365_buf_free(&spilled.text);
}

/* The disk fills up while the events are read (a file size limit stands in for it): the file
 * grows no further, the rest of the table comes from the heap, nothing is lost. */
static void disk_fills_up(void **state)
{
    (void)state;
    struct outcome spilled;
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of the signal */
    struct rlimit lim = old;
    /* Half-way through what the scan puts in its range; the files grow in 1 MiB steps. */
    lim.rlim_cur = pre_run_used + (mem.used - pre_run_used) / 2;
    assert_true(mem.used - pre_run_used > (3u << 20));
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    scan(M365_SPILL_ALWAYS, NULL, 4096, 0, &spilled);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_true(spilled.spilled);
    assert_non_null(strstr(spilled.warning, "the spill file cannot grow"));
    same(&mem, &spilled);
    m365_buf_free(&spilled.text);
}

/* The range itself: contents and addresses survive the move to the file and letting go. */
static void region_keeps_contents(void **state)
{
    (void)state;
    struct m365_region r;
    m365_region_init(&r, (size_t)256 << 20);
    assert_non_null(r.base);
    char *a = m365_region_alloc(&r, 100000);
    for (size_t i = 0; i < 100000; i++) {
        a[i] = (char)(i * 7);
    }
    assert_int_equal(m365_region_spill(&r, tmpdir()), 0);
    assert_true(r.spilled);
    assert_int_equal(m365_region_spill(&r, "/tmp"), -1); /* once */
    char *b = m365_region_alloc(&r, (size_t)40 << 20); /* past the first step of the file */
    assert_non_null(b);
    memset(b, 0x5a, (size_t)40 << 20);
    m365_region_release(&r);
    for (size_t i = 0; i < 100000; i++) {
        assert_int_equal(a[i], (char)(i * 7));
    }
    for (size_t i = 0; i < ((size_t)40 << 20); i += 4093) {
        assert_int_equal(b[i], 0x5a);
    }
    m365_region_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(region_keeps_contents),
        cmocka_unit_test(spilled_scan_agrees),
        cmocka_unit_test(spilled_range_runs_out),
        cmocka_unit_test(unusable_directory),
        cmocka_unit_test(directory_in_memory),
        cmocka_unit_test(disk_fills_up),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
