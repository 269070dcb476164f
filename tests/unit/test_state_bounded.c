/* Detection state grows with distinct entities, not with events (issue: "memory stays bounded
 * by the number of distinct entities"). A simulated tenant with every attack scenario is scanned
 * as written, then with every record repeated four times (new record ids, the same users,
 * addresses, applications, mailboxes and times): each detection's state after its last event
 * must stay about the same, while the events are four times as many. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <sys/stat.h>

#include "engine/detect.h"
#include "engine/scan_internal.h"
#include "m365hunt/m365hunt.h"
#include "test_util.h"

#define REPEAT 4

/* Every line of src written REPEAT times; copies get their record id prefixed "dupN-". */
static void repeat_file(const char *src, const char *dst)
{
    size_t len;
    char *text = m365_test_read_file(src, &len);
    assert_non_null(text);
    FILE *out = fopen(dst, "w");
    assert_non_null(out);
    for (char *line = text; line < text + len;) {
        char *nl = memchr(line, '\n', (size_t)(text + len - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(text + len - line);
        for (int k = 0; k < REPEAT; k++) {
            const char *id = k ? memmem(line, n, "\"Id\":\"", 6) : NULL;
            if (id) {
                size_t head = (size_t)(id - line) + 6;
                fprintf(out, "%.*sdup%d-%.*s\n", (int)head, line, k, (int)(n - head), line + head);
            } else {
                fprintf(out, "%.*s\n", (int)n, line);
            }
        }
        line += n + 1;
    }
    fclose(out);
    free(text);
}

struct measured {
    size_t events;
    int64_t state[64];
};

static void scan(const char *dir, struct measured *m)
{
    struct m365_scan_options o;
    m365_scan_options_init(&o);
    o.threads = 1;
    struct m365_scan *s;
    assert_int_equal(m365_scan_new(&s, &o), M365_OK);
    m365_scan_measure_rule_state(s, true);
    assert_int_equal(m365_scan_add_path(s, dir), M365_OK);
    assert_int_equal(m365_scan_run(s), M365_OK);
    m->events = m365_scan_n_events(s);
    assert_true(m365_n_detections <= 64);
    for (size_t d = 0; d < m365_n_detections; d++) {
        m->state[d] = m365_detect_state_bytes(m365_scan_detect_state(s), d);
    }
    m365_scan_free(s);
}

static void state_does_not_grow_with_events(void **state)
{
    (void)state;
    char *root = m365_test_mkdtemp();
    assert_non_null(root);
    char *a = m365_test_path(root, "a"), *b = m365_test_path(root, "b");
    assert_int_equal(m365_test_simulate_all(a, 8, 7, "ual-jsonl", 2.0), 0);
    char *a_ual = m365_test_path(a, "ual");
    assert_int_equal(mkdir(b, 0700), 0);
    DIR *dir = opendir(a_ual);
    assert_non_null(dir);
    struct dirent *de;
    unsigned files = 0;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char *src = m365_test_path(a_ual, de->d_name), *dst = m365_test_path(b, de->d_name);
        repeat_file(src, dst);
        free(src);
        free(dst);
        files++;
    }
    closedir(dir);
    assert_true(files > 0);

    struct measured once, four;
    scan(a_ual, &once);
    scan(b, &four);
    assert_int_equal(four.events, once.events * REPEAT);
    unsigned measured = 0;
    for (size_t d = 0; d < m365_n_detections; d++) {
        const char *id = m365_detections[d]->info.id;
        if (once.state[d] < 0 || four.state[d] < 0) {
            continue; /* not evaluated on this evidence */
        }
        measured++;
        /* The same entities: the same state, give or take allocator rounding and lists that
         * keep a bounded number of example records. */
        int64_t allowed = once.state[d] + once.state[d] / 8 + 16 * 1024;
        if (four.state[d] > allowed) {
            fail_msg("%s: state %lld bytes for the evidence once, %lld with every record %d "
                     "times: it grows with events",
                     id, (long long)once.state[d], (long long)four.state[d], REPEAT);
        }
    }
    assert_true(measured >= 15);
    free(a_ual);
    m365_test_rmtree(root);
    free(a);
    free(b);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_does_not_grow_with_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
