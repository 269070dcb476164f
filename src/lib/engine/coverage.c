/* Coverage: what the evidence can and cannot show. Per log source, its span and the UTC days
 * with no record; per mailbox, whether MailItemsAccessed records exist while its owner signs in
 * (on an E3 tenant: never), auditing switched off, throttling. */
#include <stdlib.h>
#include <string.h>

#include "../core/arena.h"
#include "../core/intervals.h"
#include "../core/map.h"
#include "../snapshot/snap_context.h"
#include "incidents.h"
#include "scan_internal.h"
#include "../core/sort.h"


static int cmp_mailbox(const void *a, const void *b)
{
    return strcmp(((const struct m365_mailbox_coverage *)a)->mailbox,
                  ((const struct m365_mailbox_coverage *)b)->mailbox);
}

static int64_t day_of(int64_t ms)
{
    return ms >= 0 ? ms / M365_DAY_MS : -((-ms + M365_DAY_MS - 1) / M365_DAY_MS);
}

struct mailboxes {
    struct m365_map index; /* mailbox -> position + 1 */
    struct m365_mailbox_coverage *v;
    size_t n, cap;
};

static struct m365_mailbox_coverage *mailbox(struct mailboxes *mb, const char *name)
{
    void **slot = m365_map_put(&mb->index, name, NULL);
    if (!slot) {
        return NULL;
    }
    if (!*slot) {
        if (mb->n == mb->cap) {
            size_t nc = mb->cap ? mb->cap * 2 : 64;
            struct m365_mailbox_coverage *nv = realloc(mb->v, nc * sizeof(*nv));
            if (!nv) {
                return NULL;
            }
            mb->v = nv;
            mb->cap = nc;
        }
        struct m365_mailbox_coverage *m = &mb->v[mb->n];
        memset(m, 0, sizeof(*m));
        m->mailbox = name;
        m->throttled_at = M365_TIME_NONE;
        m->audit_off_from = M365_TIME_NONE;
        m->audit_off_to = M365_TIME_NONE;
        *slot = (void *)(uintptr_t)(++mb->n);
    }
    return &mb->v[(uintptr_t)*slot - 1];
}

enum m365_status m365_coverage_build(struct m365_scan *s, struct m365_detect_state *d,
                                     struct m365_coverage **out)
{
    size_t n = m365_scan_n_events(s);
    struct m365_event buf;
    struct m365_arena *ar = m365_scan_arena(s);
    struct m365_coverage *c = m365_arena_calloc(ar, sizeof(*c));
    if (!c) {
        return M365_E_NOMEM;
    }
    *out = c;
    c->cut_searches = m365_scan_cut_searches(s, &c->n_cut_searches);
    c->cut_pages = m365_scan_cut_pages(s, &c->n_cut_pages);

    /* Sources: per log source, the runs of consecutive UTC days with records. */
    struct m365_source_coverage *src = m365_arena_calloc(ar, M365_LOG__COUNT * sizeof(*src));
    struct m365_intervals days[M365_LOG__COUNT] = {0};
    for (size_t i = 0; src && i < n; i++) {
        int64_t t;
        unsigned l = m365_scan_event_source(s, i, &t);
        l = l < M365_LOG__COUNT ? l : 0;
        src[l].events++;
        if (t == M365_TIME_NONE) {
            continue;
        }
        int64_t dd = day_of(t);
        struct m365_intervals *dl = &days[l];
        if (dl->n && dl->iv[dl->n - 1][0] <= dd && dd <= dl->iv[dl->n - 1][1]) {
            continue; /* events are in time order: most repeats are adjacent */
        }
        m365_intervals_add(dl, dd, dd);
    }
    size_t k = 0;
    for (int l = 0; src && l < M365_LOG__COUNT; l++) {
        if (!src[l].events) {
            m365_intervals_free(&days[l]);
            continue;
        }
        const struct m365_source_stats *st = m365_scan_log_stats(s, (enum m365_log_source)l);
        struct m365_source_coverage sc = src[l];
        sc.source = m365_log_source_name((enum m365_log_source)l);
        sc.first_ms = st ? st->first_ms : INT64_MIN;
        sc.last_ms = st ? st->last_ms : INT64_MIN;
        struct m365_intervals *dl = &days[l];
        m365_intervals_merge(dl, 1); /* day d and day d + 1 are one run */
        if (dl->n) {
            sc.days = (uint32_t)(dl->iv[dl->n - 1][1] - dl->iv[0][0] + 1);
            struct m365_gap *gaps = m365_arena_alloc(ar, dl->n * sizeof(*gaps));
            size_t ng = 0;
            for (uint32_t i = 1; gaps && i < dl->n; i++) {
                gaps[ng].from_ms = (dl->iv[i - 1][1] + 1) * M365_DAY_MS;
                gaps[ng].to_ms = dl->iv[i][0] * M365_DAY_MS;
                ng++;
            }
            sc.gaps = gaps;
            sc.n_gaps = ng;
        }
        m365_intervals_free(dl);
        src[k++] = sc;
    }
    c->sources = src;
    c->n_sources = k;

    /* Mailboxes: MailItemsAccessed records per mailbox, successful sign-ins per owner. */
    struct mailboxes mbx = {0};
    for (size_t i = 0; i < n; i++) {
        uint8_t kind = m365_scan_event_kind(s, i);
        if (kind != M365_EV_MAIL_ACCESS && kind != M365_EV_SIGNIN) {
            continue;
        }
        const struct m365_event *ev = m365_scan_event_brief(s, i, &buf);
        if (ev->kind == M365_EV_MAIL_ACCESS && ev->mail && ev->mail->mailbox_upn) {
            struct m365_mailbox_coverage *m = mailbox(&mbx, ev->mail->mailbox_upn);
            if (m) {
                m->mail_access_records++;
                if (ev->mail->is_throttled == 1 && !m->throttled) {
                    m->throttled = true;
                    m->throttled_at = ev->time_ms;
                }
            }
        } else if (ev->kind == M365_EV_SIGNIN && ev->result == M365_RESULT_SUCCESS &&
                   ev->actor_type == M365_ACTOR_USER && ev->actor_upn &&
                   strchr(ev->actor_upn, '@')) {
            struct m365_mailbox_coverage *m = mailbox(&mbx, ev->actor_upn);
            if (m) {
                m->owner_signins++;
            }
        }
    }
    for (size_t i = 0; i < m365_detect_n_facts(d); i++) {
        const struct m365_audit_fact *f = m365_detect_fact(d, i);
        struct m365_mailbox_coverage *m = f->grantee ? NULL : mailbox(&mbx, f->mailbox);
        if (!m) {
            continue;
        }
        if (f->throttled) {
            if (!m->throttled) {
                m->throttled = true;
                m->throttled_at = f->at_ms;
            }
        } else if (!m->audit_off) {
            m->audit_off = true;
            m->audit_off_from = f->from_ms;
            m->audit_off_to = f->to_ms;
        }
    }
    /* "You can't audit me": a snapshot's licences and Get-Mailbox settings say which mailboxes
     * log no reads at all; each is listed, whether or not the logs mention it. */
    const struct m365_snap_ctx *sc = m365_scan_snap_ctx(s);
    for (size_t i = 0; sc && i < m365_snap_ctx_n_unauditable(sc); i++) {
        const char *upn, *why;
        m365_snap_ctx_unauditable(sc, i, &upn, &why);
        const char *name = m365_scan_intern(s, upn, strlen(upn));
        struct m365_mailbox_coverage *m = name ? mailbox(&mbx, name) : NULL;
        if (m) {
            m->not_auditable = why;
        }
    }
    for (size_t i = 0; sc && i < mbx.n; i++) {
        const char *why;
        if (!mbx.v[i].not_auditable && m365_snap_ctx_auditable(sc, mbx.v[i].mailbox, &why) == 0) {
            mbx.v[i].not_auditable = why;
        }
        c->n_not_auditable += mbx.v[i].not_auditable != NULL;
    }
    m365_map_free(&mbx.index);
    if (mbx.n) {
        m365_qsort(mbx.v, mbx.n, sizeof(*mbx.v), cmp_mailbox);
    }
    struct m365_mailbox_coverage *copy = mbx.n ? m365_arena_alloc(ar, mbx.n * sizeof(*copy)) : NULL;
    if (copy) {
        memcpy(copy, mbx.v, mbx.n * sizeof(*copy));
        c->mailboxes = copy;
        c->n_mailboxes = mbx.n;
        for (size_t i = 0; i < mbx.n; i++) {
            c->n_visible += copy[i].mail_access_records > 0;
            c->n_invisible += copy[i].mail_access_records == 0 && copy[i].owner_signins > 0;
        }
    }
    free(mbx.v);
    return M365_OK;
}

void m365_coverage_free(struct m365_coverage *c)
{
    (void)c; /* arena-allocated */
}
