/* rare-app-mail-access: mail read by an application id the tenant's evidence never showed
 * before (the signal that exposed Storm-0558's forged tokens), in MailItemsAccessed or in the
 * Graph activity log's mail reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m365hunt/scan.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../engine/detect.h"
#include "m365_ids.h"
#include "mail_util.h"
#include "../core/sort.h"

struct cfg {
    int64_t baseline;
};

static const struct m365_param_def params[] = {
    M365_PARAM("baseline", M365_PARAM_DURATION, "7d", struct cfg, baseline,
               "mail-reading application ids seen this long from the start of the "
               "MailItemsAccessed records (or of the Graph activity log's mail reads) are the "
               "tenant's normal"),
};

#define MAX_EV 32

struct newapp {
    const char *id;
    struct m365_map mailboxes, users, ips;
    uint64_t items;
    uint32_t n_total;        /* reads counted */
    uint32_t graph_requests; /* of them, Graph requests: they name no item count */
    const struct m365_event *ev[MAX_EV];
    uint32_t n_ev;
};

/* Each log that shows mail reads has its own baseline: the Graph activity log, written for every
 * mailbox, may begin long after (or before) the MailItemsAccessed records, and an application
 * reading only mailboxes without Audit (Premium) appears first there. */
enum { MAIL_LOG, GRAPH_LOG, N_LOGS };

struct state {
    int64_t start[N_LOGS];
    struct m365_map seen;     /* app id -> the time of its first read (int64_t in the pointer) */
    struct m365_map newapps;  /* app id -> struct newapp */
};
_Static_assert(sizeof(uintptr_t) >= sizeof(int64_t), "a time fits a map value");

static void init(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    s->start[MAIL_LOG] = s->start[GRAPH_LOG] = INT64_MIN;
    bool mail = m365_dctx_has_kind(dc, M365_EV_MAIL_ACCESS);
    bool graph = m365_dctx_has_kind(dc, M365_EV_GRAPH_REQUEST);
    if (!mail && !graph) {
        m365_dctx_not_evaluated(dc, "needs MailItemsAccessed records or Microsoft Graph activity "
                                    "logs; the evidence holds neither");
        return;
    }
    int64_t span = -1;
    const enum m365_log_source logs[N_LOGS] = {M365_LOG_UAL, M365_LOG_GRAPH_ACTIVITY};
    for (int l = MAIL_LOG; l < N_LOGS; l++) {
        int64_t first, last;
        m365_dctx_source_span(dc, logs[l], &first, &last);
        if ((l == MAIL_LOG ? mail : graph) && first != INT64_MIN && last - first > span) {
            span = last - first;
        }
    }
    if (span <= c->baseline) {
        m365_dctx_not_evaluated(dc,
                                "needs more than %lld days of mailbox records to learn which "
                                "applications read mail; the evidence spans %.1f days",
                                (long long)(c->baseline / M365_DAY_MS),
                                span < 0 ? 0.0 : (double)span / (double)M365_DAY_MS);
    }
}

static void add(struct m365_map *m, const void *k)
{
    void **slot = m365_map_put(m, k, NULL);
    if (slot) {
        *slot = (void *)((uintptr_t)*slot + 1);
    }
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    bool graph = ev->kind == M365_EV_GRAPH_REQUEST;
    /* A Graph request counts when it read a mailbox's messages and succeeded. */
    if (!ev->mail || !ev->mail->mailbox_upn || ev->time_ms == M365_TIME_NONE ||
        (graph && ev->result != M365_RESULT_SUCCESS)) {
        return;
    }
    int log = graph ? GRAPH_LOG : MAIL_LOG;
    if (s->start[log] == INT64_MIN) {
        s->start[log] = ev->time_ms; /* events arrive in time order */
    }
    /* The client identity: with a ClientAppId, AppId is only the resource (Graph, Exchange). */
    const char *id = m365_mail_client(ev);
    if (!id) {
        return;
    }
    /* Microsoft's own services reading mail app-only, under their own service principals, are
     * the platform at work for the tenant, not a client anyone signs in to. */
    if (graph && ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL && m365_first_party_app(id)) {
        return;
    }
    /* The Graph log's ids are lower-case; an Exchange record's are as the export wrote them. */
    id = m365_dctx_lower_key(dc, id);
    if (!id) {
        return;
    }
    void **slot = m365_map_put(&s->seen, id, NULL);
    if (!slot) {
        return;
    }
    if (!*slot) {
        *slot = (void *)(uintptr_t)(ev->time_ms > 0 ? ev->time_ms : 1);
        if (ev->time_ms - s->start[log] < c->baseline) {
            return; /* part of the tenant's normal */
        }
        struct newapp *fresh = m365_map_obtain(&s->newapps, id, NULL, sizeof(*fresh), NULL);
        if (!fresh) {
            return;
        }
        fresh->id = id;
    }
    struct newapp *n = m365_map_get(&s->newapps, id, NULL);
    if (!n) {
        return;
    }
    /* A Graph request names the mailbox, and a delegated one its caller, by UPN or object id:
     * an id goes by the UPN the evidence or the snapshot gives it. */
    add(&n->mailboxes, m365_mail_box(dc, ev));
    const char *caller = ev->actor_upn ? ev->actor_upn : m365_graph_caller(dc, ev);
    if (caller) {
        add(&n->users, caller);
    }
    if (ev->ip) {
        add(&n->ips, ev->ip);
    }
    n->items += m365_mail_items(ev);
    n->graph_requests += graph;
    n->n_total++;
    if (n->n_ev < MAX_EV) {
        n->ev[n->n_ev++] = m365_dctx_keep(dc, ev);
    }
}

static void entities(struct m365_fb *fb, const struct m365_map *m, enum m365_entity_kind k)
{
    const char *v[256];
    size_t n = 0;
    M365_MAP_EACH(m, slot)
    {
        if (n < 256) {
            v[n++] = slot->k1;
        }
    }
    m365_qsort(v, n, sizeof(*v), m365_cmp_cstr);
    for (size_t i = 0; i < n; i++) {
        m365_fb_entity(fb, k, v[i]);
    }
}

struct since {
    const char *id;
    int64_t first; /* its first mail read */
};

/* The latest to start first: an intrusion under way late in the baseline heads the list. */
static int cmp_since(const void *a, const void *b)
{
    const struct since *x = a, *y = b;
    if (x->first != y->first) {
        return x->first > y->first ? -1 : 1;
    }
    return strcmp(x->id, y->id);
}

/* The baseline is the rule's blind spot: an application already reading mail in it (an intrusion
 * under way when the records begin, or begun in its last days) is normal to it. Say when that
 * was, and name the third-party applications it took as normal there with the time each began
 * reading, the latest first, for the responder to look at. */
static void baseline_statement(struct m365_dctx *dc, const struct state *s, const struct cfg *c)
{
    if (s->start[MAIL_LOG] == INT64_MIN && s->start[GRAPH_LOG] == INT64_MIN) {
        return;
    }
    enum { NAMED = 5 }; /* third-party ids written out; the rest counted */
    struct since third[NAMED + 1];
    size_t n_apps = 0, n_third = 0, kept = 0;
    M365_MAP_EACH(&s->seen, slot)
    {
        if (m365_map_get(&s->newapps, slot->k1, NULL)) {
            continue;
        }
        n_apps++;
        if (!m365_first_party_app(slot->k1)) {
            /* The NAMED latest, in order: one more slot, sorted, the last dropped. */
            third[kept++] = (struct since){slot->k1, (int64_t)(uintptr_t)slot->val};
            m365_qsort(third, kept, sizeof(*third), cmp_since);
            kept -= kept > NAMED;
            n_third++;
        }
    }
    size_t shown = kept;
    /* "2026-03-02T08:00 to 2026-03-09T08:00 (the first 7 days of mail records)", per log. */
    char when[256] = "";
    size_t ww = 0;
    for (int l = MAIL_LOG; l < N_LOGS && ww < sizeof(when); l++) {
        if (s->start[l] == INT64_MIN) {
            continue;
        }
        char from[40], to[40];
        m365_format_time(s->start[l], from, sizeof(from));
        m365_format_time(s->start[l] + c->baseline, to, sizeof(to));
        ww += (size_t)snprintf(when + ww, sizeof(when) - ww, "%s%.16s to %.16s (the first %lld days "
                               "of %s)", ww ? "; " : "", from, to,
                               (long long)(c->baseline / M365_DAY_MS),
                               l == MAIL_LOG ? "mail records" : "the Graph activity log's mail reads");
    }
    char items[NAMED][384], list[2048];
    const char *item[NAMED];
    for (size_t i = 0; i < shown; i++) {
        char label[320], t[40];
        m365_format_time(third[i].first, t, sizeof(t));
        snprintf(items[i], sizeof(items[i]), "%s reading from %.16s",
                 m365_dctx_app_label(dc, third[i].id, label, sizeof(label)), t);
        item[i] = items[i];
    }
    m365_join_list(item, shown, n_third, list, sizeof(list));
    m365_dctx_evaluated_in_part(
        dc,
        "applications reading mail in the baseline, %s, were taken as normal: %zu application "
        "id%s, %zu of them third-party%s%s",
        when, n_apps, n_apps == 1 ? "" : "s", n_third,
        n_third ? n_third > 1 ? ", the latest to begin first: " : ": " : "", list);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    M365_MAP_EACH(&s->newapps, slot)
    {
        struct newapp *n = slot->val;
        const struct m365_app_id *fp = m365_first_party_app(n->id);
        struct m365_fb *fb = m365_fb_begin(dc, fp ? M365_SEV_MEDIUM : M365_SEV_HIGH);
        if (!fb) {
            continue;
        }
        m365_fb_entity(fb, M365_ENT_APPS, n->id);
        if (fp) {
            m365_fb_entity(fb, M365_ENT_APPS, fp->name);
        }
        entities(fb, &n->mailboxes, M365_ENT_MAILBOXES);
        entities(fb, &n->users, M365_ENT_USERS);
        entities(fb, &n->ips, M365_ENT_IPS);
        for (uint32_t i = 0; i < n->n_ev; i++) {
            m365_fb_event(fb, n->ev[i]);
        }
        int *first;
        struct m365_buf *d = m365_fb_details(fb, &first);
        m365_json_key(d, first, "app_id");
        m365_json_cstr(d, n->id);
        const char *app_name = m365_dctx_app_name(dc, n->id);
        if (app_name) {
            m365_json_key(d, first, "app_name");
            m365_json_cstr(d, app_name);
        }
        m365_json_key(d, first, "first_party");
        m365_buf_puts(d, fp ? "true" : "false");
        m365_json_key(d, first, "mailboxes");
        m365_buf_printf(d, "%zu", n->mailboxes.n);
        m365_json_key(d, first, "items");
        m365_buf_printf(d, "%llu", (unsigned long long)n->items);
        m365_json_key(d, first, "graph_requests");
        m365_buf_printf(d, "%u", n->graph_requests);
        m365_json_key(d, first, "baseline_days");
        m365_buf_printf(d, "%lld", (long long)(c->baseline / M365_DAY_MS));
        /* A Graph request names the mailbox it read, not how many messages it returned. */
        char reads[96];
        const char *nb = n->mailboxes.n == 1 ? "" : "es";
        if (n->graph_requests == n->n_total) {
            snprintf(reads, sizeof(reads), "made %u Graph request%s for the mail of %zu mailbox%s",
                     n->graph_requests, n->graph_requests == 1 ? "" : "s", n->mailboxes.n, nb);
        } else if (n->graph_requests) {
            snprintf(reads, sizeof(reads), "read %zu mailbox%s (%llu items, and %u Graph request%s)",
                     n->mailboxes.n, nb, (unsigned long long)n->items, n->graph_requests,
                     n->graph_requests == 1 ? "" : "s");
        } else {
            snprintf(reads, sizeof(reads), "read %zu mailbox%s (%llu items)", n->mailboxes.n, nb,
                     (unsigned long long)n->items);
        }
        char label[320];
        m365_fb_summary(fb,
                        "Application %s, never seen reading mail in the first %lld days of "
                        "records, %s.",
                        m365_dctx_app_label(dc, n->id, label, sizeof(label)),
                        (long long)(c->baseline / M365_DAY_MS), reads);
        m365_fb_end(fb);
    }
    baseline_statement(dc, s, c);
}

static void free_state(void *sv)
{
    struct state *s = sv;
    M365_MAP_EACH(&s->newapps, slot)
    {
        struct newapp *n = slot->val;
        m365_map_free(&n->mailboxes);
        m365_map_free(&n->users);
        m365_map_free(&n->ips);
        free(n);
    }
    m365_map_free(&s->newapps);
    m365_map_free(&s->seen);
}

static const char *const techniques[] = {"T1114.002", "T1550.001", NULL};

const struct m365_detection m365_detect_rare_app_mail_access = {
    .info =
        {
            .id = "rare-app-mail-access",
            .title = "Mail read by an application never seen before",
            .severity = M365_SEV_HIGH,
            .techniques = techniques,
            .description =
                "After a baseline (default the first 7 days of mailbox records), mail accessed "
                "through an AppId or ClientAppId the evidence never showed before, Microsoft's "
                "own or not, in MailItemsAccessed or in the Graph activity log's mail reads: "
                "forged or stolen tokens (Storm-0558) and newly consented collection apps show "
                "up this way. One finding per new application. High for a third-party "
                "application, medium for a Microsoft client id.",
            .needs = "MailItemsAccessed records, or Microsoft Graph activity logs, spanning more "
                     "than the baseline",
            .blind_spots =
                "Applications that read mail during the baseline are taken as normal, attackers "
                "included: the baseline must precede the intrusion. Mailboxes without Audit "
                "(Premium) show no application in MailItemsAccessed; the Graph activity log "
                "shows their Graph reads, not EWS, Outlook or OWA ones.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_MAIL_ACCESS) | M365_KIND_BIT(M365_EV_GRAPH_REQUEST),
    .state_size = sizeof(struct state),
    .init = init,
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
