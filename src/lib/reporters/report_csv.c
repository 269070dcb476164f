/* timeline.csv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/map.h"
#include "m365hunt/m365hunt.h"
#include "../core/sort.h"

static void cell(struct m365_buf *b, const char *s, bool last)
{
    if (s && *s) {
        /* A spreadsheet runs a cell starting with = + - @ (and tab / CR) as a formula. */
        bool formula = strchr("=+-@\t\r", s[0]) != NULL;
        bool quote = formula || strpbrk(s, ",\"\n\r") != NULL;
        if (quote) {
            m365_buf_putc(b, '"');
        }
        if (formula) {
            m365_buf_putc(b, '\'');
        }
        for (const char *p = s; *p; p++) {
            if (*p == '"') {
                m365_buf_puts(b, "\"\"");
            } else if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') {
                m365_buf_putc(b, ' '); /* other control characters carry no meaning in a cell */
            } else {
                m365_buf_putc(b, *p);
            }
        }
        if (quote) {
            m365_buf_putc(b, '"');
        }
    }
    m365_buf_putc(b, last ? '\n' : ',');
}

struct links {
    char rules[256];
    int64_t incident;
};

struct cited {
    const struct m365_event *ev;
    const struct links *l;
};

static int cmp_seq(const void *a, const void *b)
{
    const struct m365_event *x = ((const struct cited *)a)->ev;
    const struct m365_event *y = ((const struct cited *)b)->ev;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

enum m365_status m365_scan_write_timeline_csv(const struct m365_scan *s, bool all_events,
                                              m365_write_fn w, void *user)
{
    /* event -> the rules (and incident) that cite it */
    struct m365_map lk = {0};
    for (size_t i = 0; i < m365_scan_n_findings(s); i++) {
        const struct m365_finding *f = m365_scan_finding(s, i);
        for (size_t k = 0; k < f->n_evidence; k++) {
            struct links *l = m365_map_obtain(&lk, f->evidence[k], NULL, sizeof(*l), NULL);
            if (!l) {
                continue;
            }
            if (!strstr(l->rules, f->rule) && strlen(l->rules) + strlen(f->rule) + 2 < sizeof(l->rules)) {
                size_t at = strlen(l->rules);
                snprintf(l->rules + at, sizeof(l->rules) - at, "%s%s", at ? " " : "", f->rule);
            }
            if (f->incident >= 0) {
                l->incident = f->incident;
            }
        }
    }
    /* The cited events in time order; all events are unpacked one at a time, beside them. */
    struct cited *cit = malloc((lk.n ? lk.n : 1) * sizeof(*cit));
    if (!cit) {
        M365_MAP_EACH(&lk, slot)
        {
            free(slot->val);
        }
        m365_map_free(&lk);
        return M365_E_NOMEM;
    }
    size_t nc = 0;
    M365_MAP_EACH(&lk, slot)
    {
        cit[nc].ev = slot->k1;
        cit[nc++].l = slot->val;
    }
    m365_qsort(cit, nc, sizeof(*cit), cmp_seq);
    size_t k = all_events ? m365_scan_n_events(s) : nc, next = 0;
    struct m365_event buf;
    struct m365_buf b;
    m365_buf_init(&b, 0);
    m365_buf_puts(&b, "time,source,operation,actor,ip,app,target,result,rule_ids,incident\n");
    enum m365_status st = M365_OK;
    for (size_t i = 0; i < k && st == M365_OK; i++) {
        const struct m365_event *ev;
        const struct links *l = NULL;
        if (!all_events) {
            ev = cit[i].ev;
            l = cit[i].l;
        } else {
            ev = m365_scan_event_brief(s, i, &buf);
            if (next < nc && cit[next].ev->seq == i) {
                l = cit[next++].l;
            }
        }
        char t[40];
        m365_format_time(ev->time_ms, t, sizeof(t));
        cell(&b, ev->time_ms == M365_TIME_NONE ? "" : t, false);
        cell(&b, m365_log_source_name(ev->log_source), false);
        cell(&b, ev->operation, false);
        cell(&b, ev->actor_upn ? ev->actor_upn : ev->actor_name ? ev->actor_name : ev->actor_id,
             false);
        cell(&b, ev->ip, false);
        char label[320];
        /* A mail record names its client by id: named as the summaries name it. */
        cell(&b,
             ev->app_name ? ev->app_name
                          : m365_scan_app_label(s, ev->client_app_id ? ev->client_app_id
                                                                     : ev->app_id,
                                                label, sizeof(label)),
             false);
        const char *target = ev->mail && ev->mail->mailbox_upn ? ev->mail->mailbox_upn : NULL;
        if (!target && ev->n_targets) {
            target = ev->targets[0].upn   ? ev->targets[0].upn
                     : ev->targets[0].name ? ev->targets[0].name
                                           : ev->targets[0].id;
        }
        cell(&b, target, false);
        cell(&b, m365_result_name(ev->result), false);
        cell(&b, l ? l->rules : NULL, false);
        char inc[24] = "";
        if (l && l->incident > 0) {
            snprintf(inc, sizeof(inc), "%lld", (long long)l->incident);
        }
        cell(&b, inc, true);
        if (b.len > (1u << 20)) {
            st = w(b.data, b.len, user) == 0 ? M365_OK : M365_E_IO;
            m365_buf_reset(&b);
        }
    }
    if (st == M365_OK) {
        st = b.failed ? M365_E_NOMEM : w(b.data, b.len, user) == 0 ? M365_OK : M365_E_IO;
    }
    m365_buf_free(&b);
    M365_MAP_EACH(&lk, slot)
    {
        free(slot->val);
    }
    m365_map_free(&lk);
    free(cit);
    return st;
}
