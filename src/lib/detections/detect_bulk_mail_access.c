/* bulk-mail-access: one principal syncing or binding unusually much mail in a short time, or
 * asking Graph for a mailbox's messages unusually often or for much of it, and throttling, after
 * which Exchange stops logging the mailbox's reads for 24 hours. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../engine/detect.h"
#include "m365hunt/scan.h"
#include "m365_ids.h"
#include "mail_util.h"
#include "../core/sort.h"

struct cfg {
    int64_t window;
    uint32_t min_items;   /* items bound within the window */
    uint32_t min_folders; /* folders synced within the window */
    uint32_t min_graph_requests; /* Graph requests for messages within the window */
    uint32_t min_graph_mb;       /* MB (10^6 bytes) of messages Graph returned in the window */
    int64_t established;  /* an app reading from the start of the mail records is baseline */
};

static const struct m365_param_def params[] = {
    M365_PARAM("window", M365_PARAM_DURATION, "1h", struct cfg, window,
               "the window over which one principal's reads add up"),
    M365_PARAM("min_items", M365_PARAM_UINT, "500", struct cfg, min_items,
               "items bound (MailAccessType Bind) within the window"),
    M365_PARAM("min_folders", M365_PARAM_UINT, "50", struct cfg, min_folders,
               "folders synchronised (MailAccessType Sync) within the window"),
    M365_PARAM("min_graph_requests", M365_PARAM_UINT, "300", struct cfg, min_graph_requests,
               "successful Graph requests for a mailbox's messages (MicrosoftGraphActivityLogs) "
               "within the window"),
    M365_PARAM("min_graph_mb", M365_PARAM_UINT, "50", struct cfg, min_graph_mb,
               "MB (millions of bytes) of messages those requests returned (ResponseSizeBytes) "
               "within the window"),
    M365_PARAM("established_within", M365_PARAM_DURATION, "24h", struct cfg, established,
               "an application already reading mail this soon after the records of a log "
               "that shows its reads start (MailItemsAccessed, the Graph activity log), and at "
               "least 12 hours before its bulk reads, on two mailboxes and a quarter of those the "
               "log shows read (a backup product "
               "taking in a migrated mailbox), is baseline: its bulk reads are no finding, its "
               "throttling is reported at low"),
};

/* An established application's reads began at least this long before its bulk reads: an app
 * first seen in the same night's burst is not yet anyone's baseline. */
#define ESTABLISHED_LEAD (12 * M365_HOUR_MS)

#define RING_MAX 4096 /* records kept per principal for the sliding window */
#define MAX_EV 64

/* A record in a principal's window: items bound, folders synchronised or, for a Graph request,
 * the bytes it returned (each record counts one of them), and the record, for the evidence of
 * a window that turns bulk. 16 bytes: a busy session's window holds thousands. */
enum { REC_BIND, REC_SYNC, REC_GRAPH };
#define REC_N_MAX 0x3fffffffu
struct rec {
    int64_t t;
    uint32_t ref;
    uint32_t n : 30, kind : 2;
};

/* The logs that show mail reads, each with its own start: an application is baseline in the log
 * that shows its reads from the start, whenever another log begins. */
enum { MAIL_LOG, GRAPH_LOG, N_LOGS };

/* An application's reads in each log: each mailbox's first, the earliest of them its first read
 * (a backup reads every mailbox from its first night). */
struct app_reads {
    struct m365_map boxes[N_LOGS]; /* mailbox -> int64_t */
};

/* An established application had read, ESTABLISHED_LEAD before its bulk reads, at least two
 * mailboxes and one in this many of those the log shows read by anyone. */
#define ESTABLISHED_SHARE 4

/* A principal: the session when the record has one, else account + client + address. */
struct principal {
    const char *user, *client, *ip;
    const char *sp; /* an app-only Graph request's service principal */
    const char *app_key; /* the client's case-blind key, when an application read */
    bool owner_client; /* the owner through a Microsoft client: a new device's first sync */
    bool app;          /* every read by an application, not one of Microsoft's clients */
    bool script;        /* every read through one of Microsoft's scripting clients */
    bool ms_graph;      /* a read through Graph by one of Microsoft's other clients */
    bool not_owner;     /* any read by someone other than the owner */
    struct rec *ring; /* grows on demand: most sessions hold a handful of records */
    size_t cap, head, n;
    uint64_t win_items, win_folders, win_requests, win_bytes;
    uint64_t peak_items, peak_folders, peak_requests, peak_bytes;
    bool bulk, throttled;
    int64_t bulk_at, throttled_at;
    /* The mailboxes it read: the first one, and all of them in the map once there is a
     * second (most sessions read one mailbox, and an empty map costs nothing). */
    const char *box1;
    struct m365_map mailboxes;
    /* Allocated when the principal first turns bulk or throttled: there is one principal per
     * mail session, tens of thousands in a large tenant, and few ever report. */
    const struct m365_event **ev;
    uint32_t n_ev;
    bool n_ev_throttled; /* evidence kept for throttling before the reads turned bulk */
    uint32_t last_ref;   /* the last bulk or throttled record, kept or not: the finding ends there */
};

struct state {
    struct m365_map principals; /* (key1, key2) -> struct principal */
    struct m365_map own;        /* the same, for owners' reads through Microsoft's clients */
    struct m365_map app_first;  /* application -> struct app_reads */
    struct m365_map log_boxes[N_LOGS]; /* every mailbox each log shows read */
    int64_t mail_start[N_LOGS]; /* each log's first mail record; INT64_MIN until there is one */
};

static void init(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    for (int l = 0; l < N_LOGS; l++) {
        s->mail_start[l] = INT64_MIN;
    }
    m365_mail_reads_needed(dc);
}

/* A user's request for another person's mailbox. Object ids are unique, so one that is not the
 * caller's names someone else; a UPN is compared with the UPN the caller's id goes by, and when
 * nothing names the caller it is not taken for someone else's. An app-only request has no owner
 * to differ from (the application's ladder applies). */
static bool graph_not_owner(const struct m365_event *ev, const char *who, const char *box)
{
    const char *raw = ev->mail->mailbox_upn;
    if (ev->actor_type != M365_ACTOR_USER || !ev->actor_id || m365_ieq(raw, ev->actor_id)) {
        return false;
    }
    if (!strchr(raw, '@')) {
        return true;
    }
    return who != ev->actor_id && !m365_ieq(who, box);
}

static void window_add(struct principal *p, const struct rec *r, int sign)
{
    uint64_t *w = r->kind == REC_GRAPH  ? &p->win_bytes
                  : r->kind == REC_SYNC ? &p->win_folders
                                        : &p->win_items;
    *w += sign > 0 ? r->n : -(uint64_t)r->n;
    p->win_requests += sign > 0 ? (r->kind == REC_GRAPH) : -(uint64_t)(r->kind == REC_GRAPH);
}

/* Appends a record to the principal's window. Exchange's records of one kind at the same
 * instant leave the window together, so one entry holds them: a burst logged in one second, or
 * a record exported twice under two ids, takes one. (A Graph entry counts one request, and
 * Graph's times have milliseconds.) */
static bool ring_push(struct principal *p, const struct rec *r)
{
    struct rec *last = p->n ? &p->ring[(p->head + p->n - 1) % p->cap] : NULL;
    if (last && last->t == r->t && last->kind == r->kind && r->kind != REC_GRAPH &&
        REC_N_MAX - last->n >= r->n) {
        last->n += r->n;
        return true;
    }
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 4;
        struct rec *nr = malloc(nc * sizeof(*nr));
        if (!nr) {
            return false;
        }
        for (size_t i = 0; i < p->n; i++) {
            nr[i] = p->ring[(p->head + i) % p->cap];
        }
        free(p->ring);
        p->ring = nr;
        p->cap = nc;
        p->head = 0;
    }
    p->ring[(p->head + p->n) % p->cap] = *r;
    p->n++;
    return true;
}

static void keep_ev(struct principal *p, const struct m365_event *kept)
{
    if (!p->ev) {
        p->ev = malloc(MAX_EV * sizeof(*p->ev));
    }
    if (p->ev && kept && p->n_ev < MAX_EV) {
        p->ev[p->n_ev++] = kept;
    }
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    /* A Graph request read mail when it succeeded; it says how much it returned, not how many
     * messages. */
    if (!ev->mail || !ev->mail->mailbox_upn || ev->time_ms == M365_TIME_NONE ||
        (ev->kind == M365_EV_GRAPH_REQUEST && ev->result != M365_RESULT_SUCCESS)) {
        return;
    }
    bool graph = ev->kind == M365_EV_GRAPH_REQUEST;
    int log = graph ? GRAPH_LOG : MAIL_LOG;
    const char *client = m365_mail_client(ev);
    if (s->mail_start[log] == INT64_MIN) {
        s->mail_start[log] = ev->time_ms; /* events arrive in time order */
    }
    /* Not one of Microsoft's clients (m365_mail_is_app), or one of its scripting clients. */
    const struct m365_app_id *fp = client ? m365_first_party_app(client) : NULL;
    bool is_app = client && !fp;
    bool script = fp && fp->scripting;
    /* Microsoft's mail clients do not sync mail through Graph; tools holding a stolen token of
     * one of its clients do (GraphRunner and TokenTactics ask for the Microsoft Office
     * client's): no new device's first sync to excuse. */
    bool ms_graph = graph && fp && !fp->scripting;
    /* A Graph request names its caller and the mailbox (/me: the caller's) by UPN or id. */
    const char *user = graph ? m365_graph_caller(dc, ev) : ev->actor_upn;
    const char *box = m365_mail_box(dc, ev);
    bool not_owner = graph ? graph_not_owner(ev, user, box) : m365_mail_not_owner(ev);
    /* An id's case can differ between exports of one log: compared without it. */
    const char *app_key = is_app && client ? m365_dctx_lower_key(dc, client) : NULL;
    if (app_key) {
        bool fresh;
        struct app_reads *a = m365_map_obtain(&s->app_first, app_key, NULL, sizeof(*a), &fresh);
        int64_t *t = a ? m365_map_obtain(&a->boxes[log], box, NULL, sizeof(*t), &fresh) : NULL;
        if (t && fresh) {
            *t = ev->time_ms;
        }
    }
    void **seen = m365_map_put(&s->log_boxes[log], box, NULL);
    if (seen) {
        *seen = (void *)1;
    }
    const char *sp = graph && ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL ? ev->actor_id
                                                                              : NULL;
    /* An anonymised export's one placeholder session would make every reader one principal. */
    const char *session = m365_id_usable(ev->session_id) ? ev->session_id : NULL;
    const void *k1 = session ? (const void *)session
                     : user  ? (const void *)user
                             : (const void *)(sp ? sp : "?");
    const void *k2 = session ? NULL : (const void *)(client ? client : ev->ip);
    /* The owner's reads of their own mailbox through Microsoft's mail and office clients are a
     * principal apart: a delegate's reads of a shared mailbox are judged by themselves, not
     * added to the sync of their own (an analyst's Outlook syncing both all day). */
    bool own = !is_app && !script && !not_owner && !ms_graph;
    bool fresh;
    struct principal *p =
        m365_map_obtain(own ? &s->own : &s->principals, k1, k2, sizeof(*p), &fresh);
    if (!p) {
        return;
    }
    if (fresh) {
        p->user = user;
        p->sp = sp;
        p->client = client;
        p->ip = ev->ip;
        p->owner_client = own;
        p->app = is_app;
        p->app_key = app_key;
        p->script = script;
    }
    p->ms_graph |= ms_graph;
    p->app &= is_app;
    p->script &= script;
    p->not_owner |= not_owner;
    bool sync = !graph && ev->mail->access_type && strcmp(ev->mail->access_type, "Sync") == 0;
    struct rec r = {.t = ev->time_ms, .ref = m365_ev_ref(ev)};
    uint64_t n = graph ? ev->mail->response_bytes
                 : sync ? (ev->mail->n_folders ? ev->mail->n_folders : 1)
                        : m365_mail_items(ev);
    r.n = n > REC_N_MAX ? REC_N_MAX : (uint32_t)n;
    r.kind = graph ? REC_GRAPH : sync ? REC_SYNC : REC_BIND;
    while (p->n && (ev->time_ms - p->ring[p->head].t > c->window || p->n == RING_MAX)) {
        window_add(p, &p->ring[p->head], -1);
        p->head = (p->head + 1) % p->cap;
        p->n--;
    }
    if (!ring_push(p, &r)) {
        return;
    }
    window_add(p, &r, 1);
    p->peak_items = p->win_items > p->peak_items ? p->win_items : p->peak_items;
    p->peak_folders = p->win_folders > p->peak_folders ? p->win_folders : p->peak_folders;
    p->peak_requests = p->win_requests > p->peak_requests ? p->win_requests : p->peak_requests;
    p->peak_bytes = p->win_bytes > p->peak_bytes ? p->win_bytes : p->peak_bytes;
    bool now_bulk = p->win_items >= c->min_items || p->win_folders >= c->min_folders ||
                    p->win_requests >= c->min_graph_requests ||
                    p->win_bytes >= (uint64_t)c->min_graph_mb * 1000000u;
    if (now_bulk && !p->bulk) {
        p->bulk_at = ev->time_ms;
        /* The finding starts with the window that turned bulk, not with its last record (a
         * throttled principal's evidence started with its throttling): its first record is
         * kept, not all of them, which grow with the records. */
        if (p->n > 1 && !p->n_ev_throttled && !p->owner_client) {
            keep_ev(p, m365_dctx_ref_keep(dc, p->ring[p->head].ref));
        }
    }
    p->bulk |= now_bulk;
    if (ev->mail->is_throttled == 1) {
        if (!p->throttled) {
            p->throttled_at = ev->time_ms;
        }
        p->throttled = true;
        m365_dctx_fact_throttled(dc, ev->mail->mailbox_upn, ev->time_ms);
    }
    if (!p->box1) {
        p->box1 = box;
    } else if (box != p->box1 || p->mailboxes.n) {
        if (!p->mailboxes.n) {
            m365_map_put(&p->mailboxes, p->box1, NULL);
        }
        m365_map_put(&p->mailboxes, box, NULL);
    }
    /* The owner's own sync through Outlook is reported only when throttled: its bulk reads keep
     * no evidence until then (or until someone else's read joins the principal). */
    if ((now_bulk && !p->owner_client) || ev->mail->is_throttled == 1) {
        p->last_ref = r.ref;
        if (p->n_ev < MAX_EV) {
            keep_ev(p, m365_dctx_keep(dc, ev));
            p->n_ev_throttled |= !now_bulk;
        }
    }
}

/* An application reading mail from the start of the mail records, and since well before this
 * principal's bulk reads or throttling, a good share of the mailboxes: a backup product taking in
 * a large mailbox. A token forged for a user or two and used a day into a short export reads
 * their mail, then the next victim's in bulk: no backup. */
static bool established_app(const struct state *s, const struct cfg *c,
                            const struct principal *p)
{
    if (!p->app || !p->app_key) {
        return false;
    }
    const struct app_reads *a = m365_map_get(&s->app_first, p->app_key, NULL);
    if (!a) {
        return false;
    }
    int64_t mark = p->bulk ? p->bulk_at : p->throttled_at;
    if (p->throttled && p->throttled_at < mark) {
        mark = p->throttled_at;
    }
    for (int l = 0; l < N_LOGS; l++) {
        int64_t first = INT64_MAX;
        size_t early = 0;
        M365_MAP_EACH(&a->boxes[l], b)
        {
            int64_t t = *(const int64_t *)b->val;
            first = t < first ? t : first;
            early += t <= mark - ESTABLISHED_LEAD;
        }
        if (early >= 2 && first - s->mail_start[l] <= c->established &&
            ESTABLISHED_SHARE * early >= s->log_boxes[l].n) {
            return true;
        }
    }
    return false;
}

static void judge(struct m365_dctx *dc, const struct cfg *c, const struct state *s,
                  struct principal *p)
{
    /* A new device syncing its owner's mailbox through Outlook is bulk, but ordinary. */
    if (!(p->bulk && !p->owner_client) && !p->throttled) {
        return;
    }
    /* So is an established application's: only the blind spot its throttling leaves is
     * worth saying. */
    bool established = established_app(s, c, p);
    if (established && !p->throttled) {
        return;
    }
    /* A person's script on their own mailbox is plausible; so is their stolen session. */
    bool own_script = (p->script || p->ms_graph) && !p->not_owner;
    enum m365_severity sev = p->owner_client || established ? M365_SEV_LOW
                             : own_script                   ? M365_SEV_MEDIUM
                                                            : M365_SEV_HIGH;
    struct m365_fb *fb = m365_fb_begin(dc, sev);
    if (!fb) {
        return;
    }
    m365_fb_entity(fb, M365_ENT_USERS, p->user);
    m365_fb_entity(fb, M365_ENT_SERVICE_PRINCIPALS, p->sp);
    m365_fb_entity(fb, M365_ENT_IPS, p->ip);
    if (p->client) {
        m365_fb_entity(fb, M365_ENT_APPS, p->client);
    }
    const char *boxes[256];
    size_t nb = 0;
    if (!p->mailboxes.n && p->box1) {
        boxes[nb++] = p->box1;
    }
    M365_MAP_EACH(&p->mailboxes, m)
    {
        if (nb < 256) {
            boxes[nb++] = m->k1;
        }
    }
    m365_qsort(boxes, nb, sizeof(*boxes), m365_cmp_cstr);
    for (size_t i = 0; i < nb; i++) {
        m365_fb_entity(fb, M365_ENT_MAILBOXES, boxes[i]);
    }
    for (uint32_t i = 0; i < p->n_ev; i++) {
        m365_fb_event(fb, p->ev[i]);
    }
    if (p->n_ev && p->last_ref != m365_ev_ref(p->ev[p->n_ev - 1])) {
        m365_fb_ref(fb, p->last_ref); /* past the kept ones: last seen is the last read */
    }
    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    m365_json_key(d, first, "peak_items_in_window");
    m365_buf_printf(d, "%llu", (unsigned long long)p->peak_items);
    m365_json_key(d, first, "peak_folders_in_window");
    m365_buf_printf(d, "%llu", (unsigned long long)p->peak_folders);
    m365_json_key(d, first, "peak_graph_requests_in_window");
    m365_buf_printf(d, "%llu", (unsigned long long)p->peak_requests);
    m365_json_key(d, first, "peak_graph_bytes_in_window");
    m365_buf_printf(d, "%llu", (unsigned long long)p->peak_bytes);
    m365_json_key(d, first, "window_minutes");
    m365_buf_printf(d, "%lld", (long long)(c->window / 60000));
    m365_json_key(d, first, "throttled");
    m365_buf_puts(d, p->throttled ? "true" : "false");
    m365_json_key(d, first, "owner_through_microsoft_client");
    m365_buf_puts(d, p->owner_client ? "true" : "false");
    m365_json_key(d, first, "established_application");
    m365_buf_puts(d, established ? "true" : "false");
    m365_json_key(d, first, "scripting_client");
    m365_buf_puts(d, p->script ? "true" : "false");
    m365_json_key(d, first, "microsoft_client_through_graph");
    m365_buf_puts(d, p->ms_graph ? "true" : "false");
    if (p->throttled) {
        m365_json_key(d, first, "throttled_at");
        m365_json_time(d, p->throttled_at);
    }
    char who[640], label[320];
    if (!p->user && p->client) { /* app-only: the application is the principal */
        snprintf(who, sizeof(who), "Application %s",
                 m365_dctx_app_label(dc, p->client, label, sizeof(label)));
    } else {
        snprintf(who, sizeof(who), "%s%s%s", p->user ? p->user : "an unnamed principal",
                 p->client ? " via " : "",
                 p->client ? m365_dctx_app_label(dc, p->client, label, sizeof(label)) : "");
    }
    char why[256] = "";
    if (established) {
        snprintf(why, sizeof(why), " The application has read mail since the records began "
                                   "(a backup product's pattern).");
    } else if (p->ms_graph && !p->script) {
        snprintf(why, sizeof(why),
                 " Microsoft's mail clients do not read mail through Graph: a script of %s "
                 "with this client's token (as GraphRunner and TokenTactics do), or of "
                 "whoever holds their session.",
                 own_script ? "the mailbox's owner" : "the signed-in user");
    } else if (p->script) {
        snprintf(why, sizeof(why),
                 " That is a scripting client, not a mail client: a script of %s, or of "
                 "whoever holds their session.",
                 own_script ? "the mailbox's owner" : "the signed-in user");
    }
    if (p->throttled && !(p->bulk && !p->owner_client)) {
        m365_fb_summary(fb,
                        "Exchange throttled mailbox reads by %s: reads of %s were not logged "
                        "for 24 hours from then.%s",
                        who, nb ? boxes[0] : "the mailbox", why);
    } else {
        /* What the logs counted: Exchange's items and folders, Graph's requests and bytes
         * (a Graph request names no item count). */
        char what[200] = "", req[120] = "";
        if (p->peak_items || p->peak_folders || !p->peak_requests) {
            snprintf(what, sizeof(what), "read up to %llu items and %llu folders",
                     (unsigned long long)p->peak_items, (unsigned long long)p->peak_folders);
        }
        if (p->peak_requests) {
            char size[32];
            m365_format_bytes(p->peak_bytes, size, sizeof(size));
            snprintf(req, sizeof(req),
                     "made up to %llu Graph requests for messages (%s returned)",
                     (unsigned long long)p->peak_requests, size);
        }
        m365_fb_summary(fb, "%s %s%s%s within %lld minutes across %zu mailbox%s%s.%s", who,
                        what, *what && *req ? ", and " : "", req,
                        (long long)(c->window / 60000), nb, nb == 1 ? "" : "es",
                        p->throttled ? "; Exchange then throttled its logging" : "", why);
    }
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    for (int lane = 0; lane < 2; lane++) {
        M365_MAP_EACH(lane ? &s->own : &s->principals, slot)
        {
            judge(dc, c, s, slot->val);
        }
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    for (int lane = 0; lane < 2; lane++) {
        struct m365_map *m = lane ? &s->own : &s->principals;
        M365_MAP_EACH(m, slot)
        {
            struct principal *p = slot->val;
            m365_map_free(&p->mailboxes);
            free(p->ring);
            free(p->ev);
            free(p);
        }
        m365_map_free(m);
    }
    M365_MAP_EACH(&s->app_first, slot)
    {
        struct app_reads *a = slot->val;
        for (int l = 0; l < N_LOGS; l++) {
            M365_MAP_EACH(&a->boxes[l], b)
            {
                free(b->val);
            }
            m365_map_free(&a->boxes[l]);
        }
        free(a);
    }
    m365_map_free(&s->app_first);
    for (int l = 0; l < N_LOGS; l++) {
        m365_map_free(&s->log_boxes[l]);
    }
}

static const char *const techniques[] = {"T1114.002", NULL};

const struct m365_detection m365_detect_bulk_mail_access = {
    .info =
        {
            .id = "bulk-mail-access",
            .title = "Bulk mailbox reads or throttled mailbox logging",
            .severity = M365_SEV_HIGH,
            .techniques = techniques,
            .description =
                "One principal (a session, else an account with its client and address) binding "
                "at least min_items items or synchronising min_folders folders within the "
                "window, or making min_graph_requests successful Graph requests for a mailbox's "
                "messages or taking min_graph_mb MB of them through Graph "
                "(MicrosoftGraphActivityLogs); and any MailItemsAccessed record with IsThrottled True: Exchange then "
                "stops logging that mailbox's reads for 24 hours, a blind spot in itself. The "
                "owner's own first sync through Outlook on a new device is ordinary: only a "
                "throttled owner sync is reported, at low. So is an established application's "
                "(reading mail from the start of a log's records, 12 hours or more before its bulk "
                "reads, in a quarter of the mailboxes: a backup product taking in a migrated "
                "mailbox): only its throttling is "
                "reported, at low. Bulk reads of the account's own mailbox through one of "
                "Microsoft's scripting clients (Graph command-line tools, Azure CLI…) are "
                "someone's script: medium; so are bulk Graph reads of it through Microsoft's "
                "other clients, which do not read mail through Graph (a stolen Microsoft Office "
                "token in GraphRunner or TokenTactics does). The owner's own reads through "
                "Microsoft's clients are weighed apart from the same session's reads of other "
                "mailboxes (a delegate's of a shared mailbox).",
            .needs = "MailItemsAccessed records (Audit Premium), or Microsoft Graph activity logs",
            .blind_spots =
                "After throttling, the mailbox's reads are not logged for 24 hours: what was read "
                "then cannot be known. Sync records name folders, not the items inside. A Graph "
                "request says how much it returned, not how many messages; EWS reads are not in "
                "the Graph activity log.",
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
