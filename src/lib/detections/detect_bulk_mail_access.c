/* bulk-mail-access: one principal syncing or binding unusually much mail in a short time, and
 * throttling, after which Exchange stops logging the mailbox's reads for 24 hours. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../engine/detect.h"
#include "m365_ids.h"
#include "mail_util.h"
#include "../core/sort.h"

struct cfg {
    int64_t window;
    uint32_t min_items;   /* items bound within the window */
    uint32_t min_folders; /* folders synced within the window */
    int64_t established;  /* an app reading from the start of the mail records is baseline */
};

static const struct m365_param_def params[] = {
    M365_PARAM("window", M365_PARAM_DURATION, "1h", struct cfg, window,
               "the window over which one principal's reads add up"),
    M365_PARAM("min_items", M365_PARAM_UINT, "500", struct cfg, min_items,
               "items bound (MailAccessType Bind) within the window"),
    M365_PARAM("min_folders", M365_PARAM_UINT, "50", struct cfg, min_folders,
               "folders synchronised (MailAccessType Sync) within the window"),
    M365_PARAM("established_within", M365_PARAM_DURATION, "24h", struct cfg, established,
               "an application already reading mail this soon after the MailItemsAccessed "
               "records start, and at least 12 hours before its bulk reads (a backup product "
               "taking in a migrated mailbox), is baseline: its bulk reads are no finding, its "
               "throttling is reported at low"),
};

/* An established application's reads began at least this long before its bulk reads: an app
 * first seen in the same night's burst is not yet anyone's baseline. */
#define ESTABLISHED_LEAD (12 * 3600 * 1000LL)

#define RING_MAX 4096 /* records kept per principal for the sliding window */
#define MAX_EV 64

struct rec {
    int64_t t;
    uint32_t items, folders;
};

/* A principal: the session when the record has one, else account + client + address. */
struct principal {
    const char *user, *client, *ip;
    const char *app_key; /* the client's case-blind key, when an application read */
    bool owner_client; /* the owner through a Microsoft client: a new device's first sync */
    bool app;          /* every read by an application, not one of Microsoft's clients */
    bool script;        /* every read through one of Microsoft's scripting clients */
    bool not_owner;     /* any read by someone other than the owner */
    struct rec *ring; /* grows on demand: most sessions hold a handful of records */
    size_t cap, head, n;
    uint64_t win_items, win_folders;
    uint64_t peak_items, peak_folders;
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
};

struct state {
    struct m365_map principals; /* (key1, key2) -> struct principal */
    struct m365_map app_first;  /* application -> its first mail read (int64_t) */
    int64_t mail_start;         /* the first mail record; 0 until there is one */
    bool started;
};

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    if (!ev->mail || !ev->mail->mailbox_upn || ev->time_ms == M365_TIME_NONE) {
        return;
    }
    const char *client = m365_mail_client(ev);
    if (!s->started) {
        s->mail_start = ev->time_ms; /* events arrive in time order */
        s->started = true;
    }
    /* Not one of Microsoft's clients (m365_mail_is_app), or one of its scripting clients. */
    const struct m365_app_id *fp = client ? m365_first_party_app(client) : NULL;
    bool is_app = client && !fp;
    bool script = fp && fp->scripting;
    bool not_owner = m365_mail_not_owner(ev);
    /* An id's case can differ between exports of one log: compared without it. */
    const char *app_key = is_app && client ? m365_dctx_lower_key(dc, client) : NULL;
    if (app_key) {
        bool fresh_app;
        int64_t *first = m365_map_obtain(&s->app_first, app_key, NULL, sizeof(*first), &fresh_app);
        if (first && fresh_app) {
            *first = ev->time_ms;
        }
    }
    const void *k1 = ev->session_id ? (const void *)ev->session_id
                                    : (const void *)(ev->actor_upn ? ev->actor_upn : "?");
    const void *k2 = ev->session_id ? NULL : (const void *)(client ? client : ev->ip);
    bool fresh;
    struct principal *p = m365_map_obtain(&s->principals, k1, k2, sizeof(*p), &fresh);
    if (!p) {
        return;
    }
    if (fresh) {
        p->user = ev->actor_upn;
        p->client = client;
        p->ip = ev->ip;
        p->owner_client = !is_app && !script && !not_owner;
        p->app = is_app;
        p->app_key = app_key;
        p->script = script;
    }
    p->owner_client &= !is_app && !script && !not_owner;
    p->app &= is_app;
    p->script &= script;
    p->not_owner |= not_owner;
    bool sync = ev->mail->access_type && strcmp(ev->mail->access_type, "Sync") == 0;
    uint32_t items = sync ? 0 : (uint32_t)m365_mail_items(ev);
    uint32_t folders = sync ? (ev->mail->n_folders ? ev->mail->n_folders : 1) : 0;
    while (p->n && (ev->time_ms - p->ring[p->head].t > c->window || p->n == RING_MAX)) {
        p->win_items -= p->ring[p->head].items;
        p->win_folders -= p->ring[p->head].folders;
        p->head = (p->head + 1) % p->cap;
        p->n--;
    }
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 4;
        struct rec *nr = malloc(nc * sizeof(*nr));
        if (!nr) {
            return;
        }
        for (size_t i = 0; i < p->n; i++) {
            nr[i] = p->ring[(p->head + i) % p->cap];
        }
        free(p->ring);
        p->ring = nr;
        p->cap = nc;
        p->head = 0;
    }
    size_t tail = (p->head + p->n) % p->cap;
    p->ring[tail] = (struct rec){ev->time_ms, items, folders};
    p->n++;
    p->win_items += items;
    p->win_folders += folders;
    if (p->win_items > p->peak_items) {
        p->peak_items = p->win_items;
    }
    if (p->win_folders > p->peak_folders) {
        p->peak_folders = p->win_folders;
    }
    bool now_bulk = p->win_items >= c->min_items || p->win_folders >= c->min_folders;
    if (now_bulk && !p->bulk) {
        p->bulk_at = ev->time_ms;
    }
    p->bulk |= now_bulk;
    if (ev->mail->is_throttled == 1) {
        if (!p->throttled) {
            p->throttled_at = ev->time_ms;
        }
        p->throttled = true;
        m365_dctx_fact_throttled(dc, ev->mail->mailbox_upn, ev->time_ms);
    }
    const char *box = ev->mail->mailbox_upn;
    if (!p->box1) {
        p->box1 = box;
    } else if (box != p->box1 || p->mailboxes.n) {
        if (!p->mailboxes.n) {
            m365_map_put(&p->mailboxes, p->box1, NULL);
        }
        m365_map_put(&p->mailboxes, box, NULL);
    }
    if ((now_bulk || ev->mail->is_throttled == 1) && p->n_ev < MAX_EV) {
        if (!p->ev) {
            p->ev = malloc(MAX_EV * sizeof(*p->ev));
        }
        if (p->ev) {
            p->ev[p->n_ev++] = m365_dctx_keep(dc, ev);
        }
    }
}

/* An application reading mail from the start of the mail records, and since well before this
 * principal's bulk reads or throttling: a backup product taking in a large mailbox. */
static bool established_app(const struct state *s, const struct cfg *c,
                            const struct principal *p)
{
    if (!p->app || !p->app_key) {
        return false;
    }
    const int64_t *first = m365_map_get(&s->app_first, p->app_key, NULL);
    if (!first) {
        return false;
    }
    int64_t mark = p->bulk ? p->bulk_at : p->throttled_at;
    if (p->throttled && p->throttled_at < mark) {
        mark = p->throttled_at;
    }
    return *first - s->mail_start <= c->established && *first <= mark - ESTABLISHED_LEAD;
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    M365_MAP_EACH(&s->principals, slot)
    {
        struct principal *p = slot->val;
        /* A new device syncing its owner's mailbox through Outlook is bulk, but ordinary. */
        if (!(p->bulk && !p->owner_client) && !p->throttled) {
            continue;
        }
        /* So is an established application's: only the blind spot its throttling leaves is
         * worth saying. */
        bool established = established_app(s, c, p);
        if (established && !p->throttled) {
            continue;
        }
        /* A person's script on their own mailbox is plausible; so is their stolen session. */
        bool own_script = p->script && !p->not_owner;
        enum m365_severity sev = p->owner_client || established ? M365_SEV_LOW
                                 : own_script                   ? M365_SEV_MEDIUM
                                                                : M365_SEV_HIGH;
        struct m365_fb *fb = m365_fb_begin(dc, sev);
        if (!fb) {
            continue;
        }
        m365_fb_entity(fb, M365_ENT_USERS, p->user);
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
        int *first;
        struct m365_buf *d = m365_fb_details(fb, &first);
        m365_json_key(d, first, "peak_items_in_window");
        m365_buf_printf(d, "%llu", (unsigned long long)p->peak_items);
        m365_json_key(d, first, "peak_folders_in_window");
        m365_buf_printf(d, "%llu", (unsigned long long)p->peak_folders);
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
        if (p->throttled) {
            m365_json_key(d, first, "throttled_at");
            m365_json_time(d, p->throttled_at);
        }
        char who[640], label[320];
        snprintf(who, sizeof(who), "%s%s%s", p->user ? p->user : "an unnamed principal",
                 p->client ? " via " : "",
                 p->client ? m365_dctx_app_label(dc, p->client, label, sizeof(label)) : "");
        char why[200] = "";
        if (established) {
            snprintf(why, sizeof(why), " The application has read mail since the records began "
                                       "(a backup product's pattern).");
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
            m365_fb_summary(fb,
                            "%s read up to %llu items and %llu folders within %lld minutes across "
                            "%zu mailbox%s%s.%s",
                            who, (unsigned long long)p->peak_items,
                            (unsigned long long)p->peak_folders, (long long)(c->window / 60000),
                            nb, nb == 1 ? "" : "es",
                            p->throttled ? "; Exchange then throttled its logging" : "", why);
        }
        m365_fb_end(fb);
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    M365_MAP_EACH(&s->principals, slot)
    {
        struct principal *p = slot->val;
        m365_map_free(&p->mailboxes);
        free(p->ring);
        free(p->ev);
        free(p);
    }
    m365_map_free(&s->principals);
    M365_MAP_EACH(&s->app_first, slot)
    {
        free(slot->val);
    }
    m365_map_free(&s->app_first);
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
                "window; and any MailItemsAccessed record with IsThrottled True: Exchange then "
                "stops logging that mailbox's reads for 24 hours, a blind spot in itself. The "
                "owner's own first sync through Outlook on a new device is ordinary: only a "
                "throttled owner sync is reported, at low. So is an established application's "
                "(reading mail from the start of the records, 12 hours or more before its bulk "
                "reads: a backup product taking in a migrated mailbox): only its throttling is "
                "reported, at low. Bulk reads of the account's own mailbox through one of "
                "Microsoft's scripting clients (Graph command-line tools, Azure CLI…) are "
                "someone's script: medium.",
            .needs = "MailItemsAccessed records (Audit Premium)",
            .blind_spots =
                "After throttling, the mailbox's reads are not logged for 24 hours: what was read "
                "then cannot be known. Sync records name folders, not the items inside.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_MAIL_ACCESS),
    .needs = M365_KIND_BIT(M365_EV_MAIL_ACCESS),
    .state_size = sizeof(struct state),
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
