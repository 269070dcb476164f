/* mail-audit-stopped: a mailbox that logged reads regularly goes silent for days while the
 * rest of the tenant keeps logging and its owner keeps signing in: auditing was probably
 * switched off outside the evidence (licence removed, audit bypass, mailbox auditing off).
 * A short export cannot show days of silence; there the test is the owner's own hours: how
 * often the mailbox logged in the hours its owner signed in before, against how many such
 * hours since have no record while other mailboxes logged around them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../engine/detect.h"
#include "signin_util.h"

struct cfg {
    int64_t silence;       /* how long the mailbox must stay silent */
    uint32_t regular_days; /* days with records before, to call the mailbox "regular" */
    uint32_t hours_after;  /* owner's signed-in hours without a record, short-silence test */
    double max_chance;     /* chance of that many quiet hours by luck, short-silence test */
};

static const struct m365_param_def params[] = {
    M365_PARAM("silence", M365_PARAM_DURATION, "3d", struct cfg, silence,
               "time without a MailItemsAccessed record for the mailbox, up to the end of the "
               "evidence"),
    M365_PARAM("regular_days", M365_PARAM_UINT, "3", struct cfg, regular_days,
               "distinct days with records before the silence"),
    M365_PARAM("hours_after", M365_PARAM_UINT, "4", struct cfg, hours_after,
               "short silences: hours the owner signed in since the last record, in sessions "
               "begun after it, each with other mailboxes logging within an hour"),
    M365_PARAM("max_chance", M365_PARAM_DOUBLE, "0.001", struct cfg, max_chance,
               "short silences: report when the chance that the mailbox logged nothing in those "
               "hours by luck, from how often it logged in the owner's signed-in hours before, "
               "is at most this"),
};

#define MAX_EV 8
/* Weight of the tenant's rate in a mailbox's own rate: a mailbox seen for an hour or two
 * borrows from every other mailbox's owner. */
#define PRIOR_HOURS 2.0
/* Hours without a sign-in that end one working session and begin the next. Only sessions
 * begun after the last record count: the rest of an afternoon with no mail read is no
 * silence, a fresh day of work with none is. */
#define SESSION_GAP 6u
#define WORKDAY 10u

/* Distinct hours (since the epoch) in time order. */
struct hours {
    uint32_t *h;
    uint32_t n, cap;
};

/* A user's hours with a successful sign-in; typed: those with one not known to be a token
 * refresh (a phone refreshing through the night begins no working session). */
struct owner {
    struct hours all, typed;
};

struct box {
    const char *mailbox;
    int64_t last_time;
    struct hours hours; /* hours with a record */
    bool throttled;     /* Exchange stops logging a throttled mailbox for 24 h */
    uint32_t last_ev[MAX_EV]; /* m365_ev_ref of the latest records, for evidence */
    uint32_t n_last;
};

struct state {
    struct m365_map boxes;  /* mailbox -> struct box */
    struct m365_map signins; /* upn -> m365_ev_ref of the latest successful sign-in */
    struct m365_map owners;  /* upn -> struct owner */
    struct hours tenant_hours;  /* hours with any MailItemsAccessed record */
};

/* Appends an hour unless it is the latest one; false when out of memory. */
static bool hours_add(struct hours *hs, uint32_t h)
{
    if (hs->n && hs->h[hs->n - 1] == h) {
        return true;
    }
    if (hs->n == hs->cap) {
        uint32_t nc = hs->cap ? hs->cap * 2 : 16;
        uint32_t *nh = realloc(hs->h, nc * sizeof(*nh));
        if (!nh) {
            return false;
        }
        hs->h = nh;
        hs->cap = nc;
    }
    hs->h[hs->n++] = h;
    return true;
}

/* Index of the first hour >= h. */
static uint32_t hours_find(const struct hours *hs, uint32_t h)
{
    uint32_t lo = 0, hi = hs->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (hs->h[mid] < h) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Distinct days of the hours on days after the given one. */
static uint32_t days_after(const struct hours *hs, int64_t day)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < hs->n; i++) {
        int64_t d = hs->h[i] / 24;
        if (d > day) {
            n++;
            day = d;
        }
    }
    return n;
}

static bool hours_near(const struct hours *hs, uint32_t h)
{
    uint32_t i = hours_find(hs, h ? h - 1 : 0);
    return i < hs->n && hs->h[i] <= h + 1;
}

static struct box *box_of(struct state *s, const char *mb)
{
    bool fresh;
    struct box *b = m365_map_obtain(&s->boxes, mb, NULL, sizeof(*b), &fresh);
    if (b && fresh) {
        b->mailbox = mb;
    }
    return b;
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    (void)dc;
    struct state *s = sv;
    if (ev->time_ms == M365_TIME_NONE) {
        return;
    }
    if (ev->kind == M365_EV_SIGNIN) {
        if (ev->result == M365_RESULT_SUCCESS && m365_signin_is_user(ev) && ev->actor_upn) {
            void **slot = m365_map_put(&s->signins, ev->actor_upn, NULL);
            if (slot) {
                *slot = (void *)(uintptr_t)m365_ev_ref(ev);
            }
            struct owner *o = m365_map_obtain(&s->owners, ev->actor_upn, NULL, sizeof(*o), NULL);
            if (o) {
                uint32_t h = (uint32_t)(ev->time_ms / M365_HOUR_MS);
                hours_add(&o->all, h);
                if (ev->is_interactive != 0) {
                    hours_add(&o->typed, h);
                }
            }
        }
        return;
    }
    if (!ev->mail || !ev->mail->mailbox_upn) {
        return;
    }
    struct box *b = box_of(s, ev->mail->mailbox_upn);
    if (!b) {
        return;
    }
    b->last_time = ev->time_ms;
    b->throttled |= ev->mail->is_throttled == 1;
    uint32_t hour = (uint32_t)(ev->time_ms / M365_HOUR_MS);
    hours_add(&b->hours, hour);
    hours_add(&s->tenant_hours, hour);
    if (b->n_last == MAX_EV) {
        memmove(b->last_ev, b->last_ev + 1, (MAX_EV - 1) * sizeof(*b->last_ev));
        b->n_last--;
    }
    b->last_ev[b->n_last++] = m365_ev_ref(ev);
}

/* The owner's signed-in hours against a mailbox's records: before its last record (from its
 * first on), and after it, in sessions begun after it, with other mailboxes logging within
 * an hour (any record then is another mailbox's: this one's stopped more than an hour
 * before). */
struct quiet {
    uint32_t before, hits, after;
    int64_t first_after, last_after;
    double rate, chance;
};

static void count_hours(const struct state *s, const struct box *b, const struct owner *o,
                        struct quiet *q)
{
    uint32_t first = b->hours.h[0], last = b->hours.h[b->hours.n - 1];
    /* A throttled mailbox is not logged for 24 h; the hour after the last record may still
     * hold reads whose records are late. */
    uint32_t skip = b->throttled ? 24 : 1;
    *q = (struct quiet){0, 0, 0, 0, 0, 0.0, 1.0};
    const struct hours *ty = &o->typed;
    uint32_t session = 0, k = 0;
    for (uint32_t i = 0; i < o->all.n; i++) {
        uint32_t h = o->all.h[i];
        /* The session an hour is in begins at the latest typed hour up to it that follows
         * SESSION_GAP hours without one. */
        for (; k < ty->n && ty->h[k] <= h; k++) {
            if (!k || ty->h[k] - ty->h[k - 1] >= SESSION_GAP) {
                session = ty->h[k];
            }
        }
        /* A refresh a working day or more after the owner's latest typed sign-in is a device
         * on its own (a phone in the evening, reading mail or not), not the owner at work. */
        if (h < first || !k || h - ty->h[k - 1] >= WORKDAY) {
            continue;
        }
        if (h <= last) {
            q->before++;
            q->hits += hours_near(&b->hours, h);
        } else if (session > last + skip && hours_near(&s->tenant_hours, h)) {
            if (!q->after++) {
                q->first_after = (int64_t)h * M365_HOUR_MS;
            }
            q->last_after = (int64_t)h * M365_HOUR_MS;
        }
    }
}

static void report(struct m365_dctx *dc, const struct box *b, const struct m365_event *si,
                   uint32_t days, int64_t silent_ms, uint32_t later_days, const struct quiet *q)
{
    m365_dctx_fact_audit_off(dc, b->mailbox, b->last_time, M365_TIME_NONE,
                             "MailItemsAccessed records stopped");
    struct m365_fb *fb = m365_fb_begin(dc, M365_SEV_MEDIUM);
    if (!fb) {
        return;
    }
    m365_fb_entity(fb, M365_ENT_MAILBOXES, b->mailbox);
    m365_fb_entity(fb, M365_ENT_USERS, b->mailbox);
    for (uint32_t i = 0; i < b->n_last; i++) {
        m365_fb_ref(fb, b->last_ev[i]);
    }
    m365_fb_event(fb, si);
    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    m365_json_key(d, first, "last_record");
    m365_json_time(d, b->last_time);
    m365_json_key(d, first, "days_with_records_before");
    m365_buf_printf(d, "%u", days);
    m365_json_key(d, first, "silent_days");
    m365_buf_printf(d, "%.1f", (double)silent_ms / (double)M365_DAY_MS);
    m365_json_key(d, first, "tenant_days_logging_after");
    m365_buf_printf(d, "%u", later_days);
    m365_json_key(d, first, "owner_signed_in_after");
    m365_json_time(d, si->time_ms);
    m365_json_key(d, first, "basis");
    m365_json_cstr(d, q ? "owner_hours" : "days");
    if (q) {
        m365_json_key(d, first, "owner_hours_before");
        m365_buf_printf(d, "%u", q->before);
        m365_json_key(d, first, "owner_hours_before_with_records");
        m365_buf_printf(d, "%u", q->hits);
        m365_json_key(d, first, "owner_hours_after_without_records");
        m365_buf_printf(d, "%u", q->after);
        m365_json_key(d, first, "chance_by_luck");
        m365_buf_printf(d, "%.2g", q->chance);
        m365_json_key(d, first, "throttled");
        m365_buf_puts(d, b->throttled ? "true" : "false");
        m365_fb_summary(fb,
                        "Mailbox %s logged reads in %u of the %u hours its owner signed in, then "
                        "none in %u signed-in hours over %.1f days while other mailboxes kept "
                        "logging: its auditing was probably switched off.",
                        b->mailbox, q->hits, q->before, q->after,
                        (double)silent_ms / (double)M365_DAY_MS);
    } else {
        m365_fb_summary(fb,
                        "Mailbox %s logged reads on %u days, then none for %.1f days while other "
                        "mailboxes kept logging and its owner kept signing in: its auditing was "
                        "probably switched off.",
                        b->mailbox, days, (double)silent_ms / (double)M365_DAY_MS);
    }
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    if (!s->tenant_hours.n) {
        return;
    }
    /* How often any mailbox logs in an hour its owner signed in: the prior for mailboxes
     * seen only briefly before they fell silent. */
    uint64_t all_before = 0, all_hits = 0;
    M365_MAP_EACH(&s->boxes, slot)
    {
        const struct box *b = slot->val;
        const struct owner *o = m365_map_get(&s->owners, b->mailbox, NULL);
        if (o && b->hours.n) {
            struct quiet q;
            count_hours(s, b, o, &q);
            all_before += q.before;
            all_hits += q.hits;
        }
    }
    double prior = all_before ? (double)all_hits / (double)all_before : 0.0;
    int64_t end_day = s->tenant_hours.h[s->tenant_hours.n - 1] / 24;
    M365_MAP_EACH(&s->boxes, slot)
    {
        struct box *b = slot->val;
        if (!b->hours.n) {
            continue;
        }
        int64_t silent_ms = (end_day + 1) * M365_DAY_MS - b->last_time;
        uint32_t days = days_after(&b->hours, -1);
        uint32_t later_days = days_after(&s->tenant_hours, b->hours.h[b->hours.n - 1] / 24);
        struct m365_event sbuf;
        const struct m365_event *si = m365_dctx_ref_at(
            dc, (uint32_t)(uintptr_t)m365_map_get(&s->signins, b->mailbox, NULL), &sbuf);
        if (!si || si->time_ms <= b->last_time) {
            continue;
        }
        /* Silent long enough, other mailboxes logging on at least two later days, and the
         * owner signing in after the last record: not a holiday, not a tenant-wide outage. */
        if (days >= c->regular_days && silent_ms >= c->silence && later_days >= 2) {
            report(dc, b, si, days, silent_ms, later_days, NULL);
            continue;
        }
        /* A shorter silence: the owner's signed-in hours since, in fresh sessions, with other
         * mailboxes logging around them. */
        const struct owner *o = m365_map_get(&s->owners, b->mailbox, NULL);
        if (!o) {
            continue;
        }
        struct quiet q;
        count_hours(s, b, o, &q);
        if (!q.before || q.after < c->hours_after) {
            continue;
        }
        q.rate = ((double)q.hits + PRIOR_HOURS * prior) / ((double)q.before + PRIOR_HOURS);
        q.chance = pow(1.0 - q.rate, (double)q.after);
        if (q.chance <= c->max_chance) {
            report(dc, b, si, days, silent_ms, later_days, &q);
        }
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    M365_MAP_EACH(&s->boxes, slot)
    {
        free(((struct box *)slot->val)->hours.h);
        free(slot->val);
    }
    m365_map_free(&s->boxes);
    m365_map_free(&s->signins);
    M365_MAP_EACH(&s->owners, slot)
    {
        struct owner *o = slot->val;
        free(o->all.h);
        free(o->typed.h);
        free(o);
    }
    m365_map_free(&s->owners);
    free(s->tenant_hours.h);
}

static const char *const techniques[] = {"T1562.008", NULL};

const struct m365_detection m365_detect_mail_audit_stopped = {
    .info =
        {
            .id = "mail-audit-stopped",
            .title = "Mailbox stopped logging reads",
            .severity = M365_SEV_MEDIUM,
            .techniques = techniques,
            .description =
                "A mailbox with MailItemsAccessed records on at least regular_days days whose "
                "records stop for at least the silence time up to the end of the evidence, "
                "while other mailboxes keep logging (on two or more later days) and the owner "
                "keeps signing in: auditing was likely switched off (licence or service plan "
                "removed, audit bypass, mailbox auditing off) somewhere the evidence does not "
                "show. In an export too short for that, the owner's signed-in hours: a mailbox "
                "that logged in the hours its owner signed in, then in none of at least "
                "hours_after hours in sessions begun after its last record, while other "
                "mailboxes logged around them. The mailbox is then listed as not auditable in "
                "coverage and incidents.",
            .needs = "MailItemsAccessed records and sign-in logs",
            .blind_spots =
                "A mailbox simply not used (owner away) also goes silent: the owner's sign-ins "
                "are required to tell them apart. Whatever was read after the silence began is "
                "not in the logs.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_MAIL_ACCESS) | M365_KIND_BIT(M365_EV_SIGNIN),
    .needs = M365_KIND_BIT(M365_EV_MAIL_ACCESS) | M365_KIND_BIT(M365_EV_SIGNIN),
    .state_size = sizeof(struct state),
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
