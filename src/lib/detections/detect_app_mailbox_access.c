/* app-mailbox-access: mail read by an application rather than a person. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../engine/detect.h"
#include "../snapshot/snap_context.h"
#include "m365_ids.h"
#include "mail_util.h"
#include "../core/sort.h"

struct cfg {
    uint32_t min_mailboxes; /* distinct mailboxes within the window */
    int64_t window;
    int64_t established; /* an app reading from the start of the mail logs is baseline */
};

static const struct m365_param_def params[] = {
    M365_PARAM("min_mailboxes", M365_PARAM_UINT, "3", struct cfg, min_mailboxes,
               "distinct mailboxes one application reads within the window"),
    M365_PARAM("window", M365_PARAM_DURATION, "24h", struct cfg, window,
               "the window for counting mailboxes"),
    M365_PARAM("established_within", M365_PARAM_DURATION, "24h", struct cfg, established,
               "an application already reading mail this soon after the MailItemsAccessed "
               "records start (a backup product) is baseline"),
};

#define RING 1024 /* recent accesses kept per app for the sliding window */
#define MAX_EV 64

struct mbox {
    uint64_t items;
    uint32_t records;
    int64_t first, last;
    bool not_owner;
    const char *folders[8];
    uint32_t n_folders;
};

struct app {
    const char *id;
    int64_t first_seen[2]; /* its first read in each log (MAIL_LOG, GRAPH_LOG); INT64_MIN: none */
    struct m365_map boxes;   /* mailbox -> struct mbox */
    struct m365_map window;  /* mailbox -> accesses in the window (count) */
    size_t in_window;        /* distinct mailboxes in the window */
    int64_t ring_t[RING];
    const char *ring_m[RING];
    size_t ring_head, ring_n;
    uint32_t peak;           /* most distinct mailboxes seen within one window */
    bool vip, impersonation;
    struct m365_map ips, users, paths;
    const struct m365_event *ev[MAX_EV];
    uint32_t n_ev, n_total;
    uint32_t graph_requests; /* of the reads: Graph requests, which count no items */
};

struct state {
    struct m365_map apps;
    /* The first record of each log that shows mail reads: an application is baseline when it
     * reads from the start of a log that shows its reads (the Graph activity log starting
     * earlier says nothing of an EWS reader). */
    int64_t mail_start[2];
};

enum { MAIL_LOG, GRAPH_LOG };

static void init(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    s->mail_start[MAIL_LOG] = s->mail_start[GRAPH_LOG] = INT64_MIN;
    m365_mail_reads_needed(dc);
}

static void bump(struct m365_map *m, const void *k)
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
    /* A Graph request that read a mailbox's messages counts when it succeeded; it names the
     * mailbox by UPN or by its owner's object id (which stands for the mailbox when nothing in
     * the evidence or the snapshot names it). */
    if (!ev->mail || !ev->mail->mailbox_upn || ev->time_ms == M365_TIME_NONE ||
        (ev->kind == M365_EV_GRAPH_REQUEST && ev->result != M365_RESULT_SUCCESS)) {
        return;
    }
    int log = ev->kind == M365_EV_GRAPH_REQUEST ? GRAPH_LOG : MAIL_LOG;
    if (s->mail_start[log] == INT64_MIN) {
        s->mail_start[log] = ev->time_ms; /* events arrive in time order */
    }
    if (ev->actor_type == M365_ACTOR_SYSTEM || !m365_mail_is_app(ev)) {
        return;
    }
    const char *id = m365_mail_client(ev);
    bool fresh;
    struct app *a = m365_map_obtain(&s->apps, id, NULL, sizeof(*a), &fresh);
    if (!a) {
        return;
    }
    if (fresh) {
        a->id = id;
        a->first_seen[MAIL_LOG] = a->first_seen[GRAPH_LOG] = INT64_MIN;
    }
    if (a->first_seen[log] == INT64_MIN) {
        a->first_seen[log] = ev->time_ms;
    }
    const char *mb = m365_mail_box(dc, ev); /* an owner's object id: the UPN it goes by */
    struct mbox *b = m365_map_obtain(&a->boxes, mb, NULL, sizeof(*b), &fresh);
    if (b && fresh) {
        b->first = ev->time_ms;
    }
    a->graph_requests += ev->kind == M365_EV_GRAPH_REQUEST;
    if (b) {
        b->items += m365_mail_items(ev);
        b->records++;
        b->last = ev->time_ms;
        b->not_owner |= m365_mail_not_owner(ev);
        for (uint32_t f = 0; f < ev->mail->n_folders && b->n_folders < 8; f++) {
            const char *p = ev->mail->folders[f].path;
            bool dup = !p;
            for (uint32_t k = 0; k < b->n_folders && !dup; k++) {
                dup = strcmp(b->folders[k], p) == 0;
            }
            if (!dup) {
                b->folders[b->n_folders++] = p;
            }
        }
    }
    /* Sliding window of distinct mailboxes. */
    while (a->ring_n && (ev->time_ms - a->ring_t[a->ring_head] > c->window || a->ring_n == RING)) {
        void **w = m365_map_put(&a->window, a->ring_m[a->ring_head], NULL);
        if (w && (uintptr_t)*w > 0) {
            *w = (void *)((uintptr_t)*w - 1);
            if (!*w) {
                a->in_window--;
            }
        }
        a->ring_head = (a->ring_head + 1) % RING;
        a->ring_n--;
    }
    size_t tail = (a->ring_head + a->ring_n) % RING;
    a->ring_t[tail] = ev->time_ms;
    a->ring_m[tail] = mb;
    a->ring_n++;
    void **w = m365_map_put(&a->window, mb, NULL);
    if (w) {
        if (!*w) {
            a->in_window++;
        }
        *w = (void *)((uintptr_t)*w + 1);
    }
    if (a->in_window > a->peak) {
        a->peak = (uint32_t)a->in_window;
    }
    a->vip |= m365_dctx_is_vip(dc, mb);
    a->impersonation |= m365_mail_not_owner(ev);
    if (ev->ip) {
        bump(&a->ips, ev->ip);
    }
    if (ev->actor_upn) {
        bump(&a->users, ev->actor_upn);
    }
    bump(&a->paths, m365_mail_path(ev));
    a->n_total++;
    if (a->n_ev < MAX_EV) {
        a->ev[a->n_ev++] = m365_dctx_keep(dc, ev);
    }
}

static size_t keys(const struct m365_map *m, const char **out, size_t max)
{
    size_t n = 0;
    M365_MAP_EACH(m, slot)
    {
        if (n < max) {
            out[n++] = slot->k1;
        }
    }
    m365_qsort(out, n, sizeof(*out), m365_cmp_cstr);
    return n;
}

static void report(struct m365_dctx *dc, const struct cfg *c, struct state *s, struct app *a)
{
    bool established = false;
    for (int log = MAIL_LOG; log <= GRAPH_LOG; log++) {
        established |= a->first_seen[log] != INT64_MIN &&
                       a->first_seen[log] - s->mail_start[log] <= c->established;
    }
    bool many = a->peak >= c->min_mailboxes;
    if (established || !(many || a->vip || a->impersonation)) {
        return;
    }
    enum m365_severity sev = M365_SEV_HIGH;
    if ((a->vip || a->impersonation) && many) {
        sev = M365_SEV_CRITICAL;
    }
    /* A tenant snapshot that shows the application holding an application permission to every
     * mailbox (Mail.Read, Mail.ReadWrite, full_access_as_app…) confirms the reads are its own
     * standing access, not one user's delegation: every mailbox is within its reach. */
    const struct m365_snap_ctx *sc = m365_dctx_snapshot(dc);
    struct m365_snap_app_info sa;
    bool in_snap = sc && m365_snap_ctx_app(sc, a->id, &sa);
    bool tenant_wide = in_snap && (sa.cls & (M365_PERM_MAIL | M365_PERM_EWS_ALL));
    if (tenant_wide) {
        sev = M365_SEV_CRITICAL;
    }
    struct m365_fb *fb = m365_fb_begin(dc, sev);
    if (!fb) {
        return;
    }
    m365_fb_entity(fb, M365_ENT_APPS, a->id);
    const struct m365_app_id *fp = m365_first_party_app(a->id);
    if (fp) {
        m365_fb_entity(fb, M365_ENT_APPS, fp->name);
    }
    const char *list[256];
    size_t nu = keys(&a->users, list, 256);
    for (size_t i = 0; i < nu; i++) {
        m365_fb_entity(fb, M365_ENT_USERS, list[i]);
    }
    size_t ni = keys(&a->ips, list, 256);
    for (size_t i = 0; i < ni; i++) {
        m365_fb_entity(fb, M365_ENT_IPS, list[i]);
    }
    for (uint32_t i = 0; i < a->n_ev; i++) {
        m365_fb_event(fb, a->ev[i]);
    }
    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    m365_json_key(d, first, "app_id");
    m365_json_cstr(d, a->id);
    const char *app_name = m365_dctx_app_name(dc, a->id);
    if (app_name) {
        m365_json_key(d, first, "app_name");
        m365_json_cstr(d, app_name);
    }
    const char *paths[8];
    size_t np = keys(&a->paths, paths, 8);
    m365_json_key(d, first, "access_paths");
    m365_buf_putc(d, '[');
    for (size_t i = 0; i < np; i++) {
        if (i) {
            m365_buf_putc(d, ',');
        }
        m365_json_cstr(d, paths[i]);
    }
    m365_buf_putc(d, ']');
    size_t nb = keys(&a->boxes, list, 256);
    uint64_t items = 0;
    m365_json_key(d, first, "mailboxes");
    m365_buf_putc(d, '[');
    for (size_t i = 0; i < nb; i++) {
        const struct mbox *b = m365_map_get(&a->boxes, list[i], NULL);
        m365_fb_entity(fb, M365_ENT_MAILBOXES, list[i]);
        items += b->items;
        int f2 = 1;
        m365_buf_puts(d, i ? ",{" : "{");
        m365_json_key(d, &f2, "mailbox");
        m365_json_cstr(d, list[i]);
        m365_json_key(d, &f2, "items");
        m365_buf_printf(d, "%llu", (unsigned long long)b->items);
        m365_json_key(d, &f2, "records");
        m365_buf_printf(d, "%u", b->records);
        m365_json_key(d, &f2, "first_access");
        m365_json_time(d, b->first);
        m365_json_key(d, &f2, "last_access");
        m365_json_time(d, b->last);
        m365_json_key(d, &f2, "vip");
        m365_buf_puts(d, m365_dctx_is_vip(dc, list[i]) ? "true" : "false");
        m365_json_key(d, &f2, "not_owner");
        m365_buf_puts(d, b->not_owner ? "true" : "false");
        const char *fl[8];
        memcpy(fl, b->folders, b->n_folders * sizeof(*fl));
        m365_qsort(fl, b->n_folders, sizeof(*fl), m365_cmp_cstr);
        m365_json_key(d, &f2, "folders");
        m365_buf_putc(d, '[');
        for (uint32_t k = 0; k < b->n_folders; k++) {
            if (k) {
                m365_buf_putc(d, ',');
            }
            m365_json_cstr(d, fl[k]);
        }
        m365_buf_puts(d, "]}");
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "items");
    m365_buf_printf(d, "%llu", (unsigned long long)items);
    m365_json_key(d, first, "graph_requests");
    m365_buf_printf(d, "%u", a->graph_requests);
    m365_json_key(d, first, "peak_mailboxes_in_window");
    m365_buf_printf(d, "%u", a->peak);
    m365_json_key(d, first, "vip_mailbox");
    m365_buf_puts(d, a->vip ? "true" : "false");
    m365_json_key(d, first, "impersonation");
    m365_buf_puts(d, a->impersonation ? "true" : "false");
    m365_json_key(d, first, "vip_list_loaded");
    m365_buf_puts(d, m365_dctx_n_vips(dc) ? "true" : "false");
    if (sc) {
        m365_json_key(d, first, "in_snapshot");
        m365_buf_puts(d, in_snap ? "true" : "false");
        m365_json_key(d, first, "mail_permission_per_snapshot");
        m365_buf_puts(d, tenant_wide ? "true" : "false");
        const char *roles[sizeof(sa.roles) / sizeof(sa.roles[0])];
        size_t nr = in_snap ? sa.n_roles : 0;
        for (size_t i = 0; i < nr; i++) {
            roles[i] = sa.roles[i];
        }
        m365_qsort(roles, nr, sizeof(*roles), m365_cmp_cstr);
        m365_json_key(d, first, "snapshot_app_roles");
        m365_json_cstr_array(d, roles, nr);
        m365_json_key(d, first, "snapshot_owner_tenant");
        m365_json_cstr(d, in_snap ? sa.owner : NULL);
    }
    char why[320] = "";
    size_t w = 0;
    if (a->impersonation) {
        w += (size_t)snprintf(why, sizeof(why), ", logging on as another account");
    }
    if (a->vip && w < sizeof(why)) {
        w += (size_t)snprintf(why + w, sizeof(why) - w, ", including VIP mailboxes");
    }
    if (tenant_wide && w < sizeof(why)) {
        snprintf(why + w, sizeof(why) - w, "; it holds %s on every mailbox (tenant snapshot)",
                 sa.n_roles ? sa.roles[0] : "a mail permission");
    }
    /* A Graph request says which mailbox it read, not how many messages. */
    char what[160];
    if (a->graph_requests == a->n_total) {
        snprintf(what, sizeof(what), "made %u Graph request(s) for the mail of %zu mailboxes",
                 a->graph_requests, nb);
    } else {
        const char *path = "the API"; /* the first of the item reads' paths */
        for (size_t i = np; i-- > 0;) {
            path = strcmp(paths[i], "Graph") != 0 ? paths[i] : path;
        }
        snprintf(what, sizeof(what), "read %llu items in %zu mailboxes over %s%s",
                 (unsigned long long)items, nb, path, a->graph_requests ? " and Graph" : "");
    }
    char label[320];
    m365_fb_summary(fb, "Application %s %s%s.", m365_dctx_app_label(dc, a->id, label, sizeof(label)),
                    what, why);
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    M365_MAP_EACH(&s->apps, slot)
    {
        report(dc, c, s, slot->val);
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    M365_MAP_EACH(&s->apps, slot)
    {
        struct app *a = slot->val;
        M365_MAP_EACH(&a->boxes, b)
        {
            free(b->val);
        }
        m365_map_free(&a->boxes);
        m365_map_free(&a->window);
        m365_map_free(&a->ips);
        m365_map_free(&a->users);
        m365_map_free(&a->paths);
        free(a);
    }
    m365_map_free(&s->apps);
}

static const char *const techniques[] = {"T1114.002", NULL};

const struct m365_detection m365_detect_app_mailbox_access = {
    .info =
        {
            .id = "app-mailbox-access",
            .title = "Mailboxes read by an application",
            .severity = M365_SEV_HIGH,
            .techniques = techniques,
            .description =
                "MailItemsAccessed (and other mailbox item operations), or Graph requests for a "
                "mailbox's messages (MicrosoftGraphActivityLogs), whose AppId / ClientAppId "
                "is not one of Microsoft's own clients, over EWS or Graph/REST, reading at least "
                "min_mailboxes mailboxes within the window, or any --vip mailbox, or logging on as "
                "another account than the mailbox owner (LogonUserSid differs from "
                "MailboxOwnerSid: impersonation). One finding per application, with its "
                "mailboxes, items, folders and addresses. Critical when VIP mailboxes or "
                "impersonation come with reads across many mailboxes, or when a tenant snapshot "
                "loaded beside the logs shows it holding an application permission to all mail "
                "(Mail.Read, Mail.ReadWrite, full_access_as_app). An application that already "
                "reads mail when the records start (a backup product) is baseline.",
            .needs = "MailItemsAccessed records (Audit Premium: E5 or the add-on), or Microsoft "
                     "Graph activity logs",
            .blind_spots =
                "Mailboxes without Audit (Premium) log no reads at all: an application reading "
                "them is invisible (see the coverage section). Throttled mailboxes stop logging "
                "for 24 hours. Sync records name folders, not items: the items count is a floor.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_MAIL_ACCESS) | M365_KIND_BIT(M365_EV_MAILBOX_ITEM) |
             M365_KIND_BIT(M365_EV_GRAPH_REQUEST),
    .state_size = sizeof(struct state),
    .init = init,
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
