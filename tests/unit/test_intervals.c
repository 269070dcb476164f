/* core/intervals.h: the interval lists behind the scan's per-log-source coverage and
 * token-without-signin's coverage and sign-in runs. Each operation is held against a plain
 * definition over many random lists: a merge that joins pairs until none is left to join, a
 * meet and an amount that look at every interval. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/intervals.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static int64_t rnd(int64_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (int64_t)(rng % (uint64_t)n);
}

/* Joins any two intervals at most gap apart until none are; then sorts by start. */
static size_t naive_merge(int64_t (*iv)[2], size_t n, int64_t gap)
{
    for (int joined = 1; joined;) {
        joined = 0;
        for (size_t i = 0; i < n && !joined; i++) {
            for (size_t j = i + 1; j < n && !joined; j++) {
                if (iv[j][0] - gap <= iv[i][1] && iv[i][0] - gap <= iv[j][1]) {
                    iv[i][0] = iv[i][0] < iv[j][0] ? iv[i][0] : iv[j][0];
                    iv[i][1] = iv[i][1] > iv[j][1] ? iv[i][1] : iv[j][1];
                    memcpy(iv[j], iv[n - 1], sizeof(iv[j]));
                    n--;
                    joined = 1;
                }
            }
        }
    }
    for (size_t i = 1; i < n; i++) { /* insertion sort by start */
        for (size_t k = i; k > 0 && iv[k - 1][0] > iv[k][0]; k--) {
            int64_t t[2] = {iv[k][0], iv[k][1]};
            memcpy(iv[k], iv[k - 1], sizeof(t));
            memcpy(iv[k - 1], t, sizeof(t));
        }
    }
    return n;
}

static void check_queries(const struct m365_intervals *v, int64_t (*iv)[2], size_t n,
                          int64_t span)
{
    for (int64_t a = -3; a < span + 3; a++) {
        for (int64_t b = a - 2; b < span + 3; b++) {
            int want_meet = 0;
            int64_t want_amount = 0;
            for (size_t i = 0; i < n; i++) {
                want_meet |= iv[i][0] <= b && iv[i][1] >= a;
                int64_t lo = iv[i][0] > a ? iv[i][0] : a, hi = iv[i][1] < b ? iv[i][1] : b;
                want_amount += hi > lo ? hi - lo : 0;
            }
            if (m365_intervals_meet(v, a, b) != (want_meet != 0)) {
                fail_msg("meet [%lld, %lld]: want %d", (long long)a, (long long)b, want_meet);
            }
            if (m365_intervals_amount(v, a, b) != want_amount) {
                fail_msg("amount [%lld, %lld]: %lld, want %lld", (long long)a, (long long)b,
                         (long long)m365_intervals_amount(v, a, b), (long long)want_amount);
            }
        }
    }
}

/* The list is want[0..m), and answers every query over [-3, span + 3) as want does. */
static void check_list(const struct m365_intervals *v, int64_t (*want)[2], size_t m, int64_t span)
{
    assert_int_equal(v->n, m);
    for (size_t i = 0; i < m; i++) {
        assert_int_equal(v->iv[i][0], want[i][0]);
        assert_int_equal(v->iv[i][1], want[i][1]);
    }
    check_queries(v, want, m, span);
}

static void merge_joins_what_lies_within_the_gap(void **state)
{
    (void)state;
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)rnd(13);
        int64_t gap = rnd(4) == 0 ? 0 : rnd(9), span = 60;
        int64_t want[16][2];
        struct m365_intervals v = {0};
        for (size_t i = 0; i < n; i++) {
            int64_t a = rnd(span), len = rnd(4) == 0 ? 0 : rnd(12);
            want[i][0] = a;
            want[i][1] = a + len;
            assert_true(m365_intervals_add(&v, a, a + len));
        }
        m365_intervals_merge(&v, gap);
        size_t m = naive_merge(want, n, gap);
        check_list(&v, want, m, span + 12);
        m365_intervals_free(&v);
        assert_null(v.iv);
        assert_int_equal(v.n, 0);
    }
}

/* Appending in time order: a time less than gap after the last run's end extends it. */
static void append_keeps_runs(void **state)
{
    (void)state;
    for (int round = 0; round < 2000; round++) {
        int64_t gap = 1 + rnd(8), t = rnd(5);
        int64_t want[64][2];
        size_t m = 0;
        struct m365_intervals v = {0};
        for (int k = rnd(40); k > 0; k--) {
            assert_true(m365_intervals_append(&v, t, gap));
            if (m && t - want[m - 1][1] < gap) {
                want[m - 1][1] = t;
            } else {
                want[m][0] = want[m][1] = t;
                m++;
            }
            t += rnd(4) == 0 ? 0 : rnd(2 * gap + 1);
        }
        check_list(&v, want, m, t + 3);
        m365_intervals_free(&v);
    }
}

/* Days of times in order, against the distinct values of t / day over the whole list. */
static void days_count_each_day_once(void **state)
{
    (void)state;
    for (int round = 0; round < 2000; round++) {
        int64_t t = rnd(3) * 86400000 + rnd(86400000), seen[64];
        size_t m = 0;
        struct m365_days d = {0};
        for (int k = rnd(40); k > 0; k--) {
            m365_days_add(&d, t);
            bool dup = false;
            for (size_t i = 0; i < m; i++) {
                dup |= seen[i] == t / 86400000;
            }
            if (!dup) {
                seen[m++] = t / 86400000;
            }
            t += rnd(3) == 0 ? 0 : rnd(2 * 86400000);
        }
        assert_int_equal(d.n, m);
    }
}

static void empty_and_absent_lists_cover_nothing(void **state)
{
    (void)state;
    struct m365_intervals v = {0};
    m365_intervals_merge(&v, 10);
    assert_false(m365_intervals_meet(&v, INT64_MIN, INT64_MAX));
    assert_false(m365_intervals_meet(NULL, 0, 100));
    assert_int_equal(m365_intervals_amount(&v, 0, 100), 0);
    assert_int_equal(m365_intervals_amount(NULL, 0, 100), 0);
    /* Real times near the ends of the range merge without overflow. */
    assert_true(m365_intervals_add(&v, INT64_MAX - 10, INT64_MAX - 5));
    assert_true(m365_intervals_add(&v, INT64_MIN + 5, INT64_MIN + 10));
    assert_true(m365_intervals_add(&v, INT64_MIN + 20, INT64_MIN + 30));
    assert_true(m365_intervals_add(&v, INT64_MAX - 3, INT64_MAX));
    m365_intervals_merge(&v, 1000);
    assert_int_equal(v.n, 2);
    assert_int_equal(v.iv[0][1], INT64_MIN + 30);
    assert_int_equal(v.iv[1][0], INT64_MAX - 10);
    assert_true(m365_intervals_meet(&v, INT64_MAX - 7, INT64_MAX - 7));
    m365_intervals_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(merge_joins_what_lies_within_the_gap),
        cmocka_unit_test(append_keeps_runs),
        cmocka_unit_test(days_count_each_day_once),
        cmocka_unit_test(empty_and_absent_lists_cover_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
