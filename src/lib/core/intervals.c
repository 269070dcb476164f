#include "intervals.h"

#include <stdlib.h>

#include "m365hunt/event.h"

#include "sort.h"

static bool grow(struct m365_intervals *v)
{
    if (v->n < v->cap) {
        return true;
    }
    if (v->cap > UINT32_MAX / 2) {
        return false;
    }
    uint32_t cap = v->cap ? 2 * v->cap : 2; /* most lists hold one or two */
    int64_t(*iv)[2] = realloc(v->iv, (size_t)cap * sizeof(*iv));
    if (!iv) {
        return false;
    }
    v->iv = iv;
    v->cap = cap;
    return true;
}

bool m365_intervals_add(struct m365_intervals *v, int64_t from, int64_t to)
{
    if (!grow(v)) {
        return false;
    }
    v->iv[v->n][0] = from;
    v->iv[v->n][1] = to;
    v->n++;
    return true;
}

static int cmp_start(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

void m365_intervals_merge(struct m365_intervals *v, int64_t gap)
{
    int64_t(*iv)[2] = v->iv;
    uint32_t m = 0;
    m365_qsort(iv, v->n, sizeof(*iv), cmp_start);
    for (uint32_t i = 0; i < v->n; i++) {
        /* The distance in unsigned arithmetic: exact, and no overflow at the ends of time. */
        if (m && (iv[i][0] <= iv[m - 1][1] ||
                  (uint64_t)iv[i][0] - (uint64_t)iv[m - 1][1] <= (uint64_t)gap)) {
            if (iv[i][1] > iv[m - 1][1]) {
                iv[m - 1][1] = iv[i][1];
            }
        } else {
            iv[m][0] = iv[i][0];
            iv[m][1] = iv[i][1];
            m++;
        }
    }
    v->n = m;
}

bool m365_intervals_append(struct m365_intervals *v, int64_t t, int64_t gap)
{
    int64_t end = v->n ? v->iv[v->n - 1][1] : 0;
    if (v->n && (t < end || (uint64_t)t - (uint64_t)end < (uint64_t)gap)) {
        if (t > end) {
            v->iv[v->n - 1][1] = t;
        }
        return true;
    }
    return m365_intervals_add(v, t, t);
}

/* The first interval ending at or after t (n when none). */
static uint32_t first_ending_from(const struct m365_intervals *v, int64_t t)
{
    uint32_t lo = 0, hi = v->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (v->iv[mid][1] < t) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

bool m365_intervals_meet(const struct m365_intervals *v, int64_t a, int64_t b)
{
    if (!v) {
        return false;
    }
    uint32_t i = first_ending_from(v, a);
    return i < v->n && v->iv[i][0] <= b;
}

int64_t m365_intervals_amount(const struct m365_intervals *v, int64_t a, int64_t b)
{
    int64_t sum = 0;
    for (uint32_t i = v ? first_ending_from(v, a) : 0; v && i < v->n && v->iv[i][0] < b; i++) {
        int64_t lo = v->iv[i][0] > a ? v->iv[i][0] : a;
        int64_t hi = v->iv[i][1] < b ? v->iv[i][1] : b;
        if (hi > lo) {
            sum += hi - lo;
        }
    }
    return sum;
}

void m365_intervals_free(struct m365_intervals *v)
{
    free(v->iv);
    v->iv = NULL;
    v->n = v->cap = 0;
}

void m365_days_add(struct m365_days *d, int64_t t)
{
    int64_t day = t / M365_DAY_MS;
    if (!d->n || day != d->last) {
        d->n++;
        d->last = day;
    }
}
