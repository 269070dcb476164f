#ifndef M365_CORE_INTERVALS_H
#define M365_CORE_INTERVALS_H

#include <stdbool.h>
#include <stdint.h>

/* Closed time intervals [from, to] in milliseconds: the periods a log's exports cover, the runs
 * of a user's sign-ins from one address. Built one of two ways, never both on one list:
 * - m365_intervals_add in any order, then m365_intervals_merge once (sorted, disjoint);
 * - m365_intervals_append in time order (always sorted).
 * The queries need a sorted list whose ends rise, which both ways give. The counts are 32-bit
 * because a detection keeps one list per user and address. */
struct m365_intervals {
    int64_t (*iv)[2];
    uint32_t n, cap;
};

/* Adds [from, to]; false when out of memory (the list is unchanged). */
bool m365_intervals_add(struct m365_intervals *v, int64_t from, int64_t to);
/* Sorts and joins the intervals that overlap or lie at most gap (>= 0) apart. */
void m365_intervals_merge(struct m365_intervals *v, int64_t gap);
/* Adds time t, no earlier than any before it: extends the last interval when t is less than
 * gap (>= 0) after its end, else starts [t, t]. False when out of memory. */
bool m365_intervals_append(struct m365_intervals *v, int64_t t, int64_t gap);

/* Whether an interval meets [a, b]. */
bool m365_intervals_meet(const struct m365_intervals *v, int64_t a, int64_t b);
/* How much of [a, b] the intervals cover (ms). */
int64_t m365_intervals_amount(const struct m365_intervals *v, int64_t a, int64_t b);

void m365_intervals_free(struct m365_intervals *v);

/* The distinct days (UTC, t / M365_DAY_MS) of times given in time order: the days an account did
 * something. Zeroed is empty. */
struct m365_days {
    int64_t last; /* the latest day counted */
    uint32_t n;
};
void m365_days_add(struct m365_days *d, int64_t t);

#endif
