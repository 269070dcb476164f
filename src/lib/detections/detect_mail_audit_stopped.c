/* mail-audit-stopped: a mailbox that logged reads regularly goes silent for days while the
 * rest of the tenant keeps logging and its owner keeps signing in: auditing was probably
 * switched off outside the evidence (licence removed, audit bypass, mailbox auditing off). */
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
};

static const struct m365_param_def params[] = {
    M365_PARAM("silence", M365_PARAM_DURATION, "3d", struct cfg, silence,
               "time without a MailItemsAccessed record for the mailbox, up to the end of the "
               "evidence"),
    M365_PARAM("regular_days", M365_PARAM_UINT, "3", struct cfg, regular_days,
               "distinct days with records before the silence"),
};

#define DAY 86400000ll
#define MAX_EV 8

struct box {
    const char *mailbox;
    int64_t last_day, last_time;
    uint32_t days;
    uint32_t last_ev[MAX_EV]; /* m365_ev_ref of the latest records, for evidence */
    uint32_t n_last;
    int64_t owner_last_signin;
    const struct m365_event *signin;
};

struct state {
    struct m365_map boxes;  /* mailbox -> struct box */
    struct m365_map signins; /* upn -> m365_ev_ref of the latest successful sign-in */
    int64_t *tenant_days;   /* distinct days with any MailItemsAccessed record */
    size_t n_days, cap_days;
};

static struct box *box_of(struct state *s, const char *mb)
{
    bool fresh;
    struct box *b = m365_map_obtain(&s->boxes, mb, NULL, sizeof(*b), &fresh);
    if (b && fresh) {
        b->mailbox = mb;
        b->last_day = INT64_MIN;
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
        }
        return;
    }
    if (!ev->mail || !ev->mail->mailbox_upn) {
        return;
    }
    int64_t day = ev->time_ms / DAY;
    if (!s->n_days || s->tenant_days[s->n_days - 1] != day) {
        if (s->n_days == s->cap_days) {
            size_t nc = s->cap_days ? s->cap_days * 2 : 64;
            int64_t *nd = realloc(s->tenant_days, nc * sizeof(*nd));
            if (!nd) {
                return;
            }
            s->tenant_days = nd;
            s->cap_days = nc;
        }
        s->tenant_days[s->n_days++] = day;
    }
    struct box *b = box_of(s, ev->mail->mailbox_upn);
    if (!b) {
        return;
    }
    if (b->last_day != day) {
        b->days++;
        b->last_day = day;
    }
    b->last_time = ev->time_ms;
    if (b->n_last == MAX_EV) {
        memmove(b->last_ev, b->last_ev + 1, (MAX_EV - 1) * sizeof(*b->last_ev));
        b->n_last--;
    }
    b->last_ev[b->n_last++] = m365_ev_ref(ev);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    if (!s->n_days) {
        return;
    }
    int64_t end_day = s->tenant_days[s->n_days - 1];
    M365_MAP_EACH(&s->boxes, slot)
    {
        struct box *b = slot->val;
        if (b->days < c->regular_days) {
            continue;
        }
        /* Silent long enough, other mailboxes logging on at least two later days, and the
         * owner signing in after the last record: not a holiday, not a tenant-wide outage. */
        int64_t silent_ms = (end_day + 1) * DAY - b->last_time;
        size_t later_days = 0;
        for (size_t i = 0; i < s->n_days; i++) {
            later_days += s->tenant_days[i] > b->last_day;
        }
        struct m365_event sbuf;
        const struct m365_event *si = m365_dctx_ref_at(
            dc, (uint32_t)(uintptr_t)m365_map_get(&s->signins, b->mailbox, NULL), &sbuf);
        if (silent_ms < c->silence || later_days < 2 || !si || si->time_ms <= b->last_time) {
            continue;
        }
        m365_dctx_fact_audit_off(dc, b->mailbox, b->last_time, M365_TIME_NONE,
                                 "MailItemsAccessed records stopped");
        struct m365_fb *fb = m365_fb_begin(dc, M365_SEV_MEDIUM);
        if (!fb) {
            continue;
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
        m365_buf_printf(d, "%u", b->days);
        m365_json_key(d, first, "silent_days");
        m365_buf_printf(d, "%.1f", (double)silent_ms / (double)DAY);
        m365_json_key(d, first, "tenant_days_logging_after");
        m365_buf_printf(d, "%zu", later_days);
        m365_json_key(d, first, "owner_signed_in_after");
        m365_json_time(d, si->time_ms);
        m365_fb_summary(fb,
                        "Mailbox %s logged reads on %u days, then none for %.1f days while other "
                        "mailboxes kept logging and its owner kept signing in: its auditing was "
                        "probably switched off.",
                        b->mailbox, b->days, (double)silent_ms / (double)DAY);
        m365_fb_end(fb);
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    M365_MAP_EACH(&s->boxes, slot)
    {
        free(slot->val);
    }
    m365_map_free(&s->boxes);
    m365_map_free(&s->signins);
    free(s->tenant_days);
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
                "show. The mailbox is then listed as not auditable in coverage and incidents.",
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
