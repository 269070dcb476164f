/* signin-from-hosting-ip: a user signing in, or administering the tenant, from a cloud / hosting
 * provider's address (an attacker's VM) that the account did not use before. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/intervals.h"
#include "../core/json_out.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../enrich/enrich.h"
#include "../engine/detect.h"
#include "identity_util.h"
#include "m365_ids.h"
#include "signin_util.h"
#include "tenant_facts.h"
#include "../core/sort.h"

struct cfg {
    int64_t established; /* hosting use this close to the start of the logs predates them */
};

static const struct m365_param_def params[] = {
    M365_PARAM("established_within", M365_PARAM_DURATION, "24h", struct cfg, established,
               "a user's hosting network seen this soon after its logs start, and carrying a "
               "third of the user's sign-ins (two or more, over two hours or on two days, or "
               "its first) or its first one and more on another day, is an existing habit (a "
               "virtual desktop, a jump host), not a finding"),
};

#define MAX_EV 32
#define MAX_LIST 16

/* A habit goes on: a network the user came back to over this long, or on two days. A hijacked
 * session's sign-ins from a VM come in one visit. */
#define HABIT_SPAN_MS (2 * M365_HOUR_MS)

/* One user's use of one hosting network (a range label or an ASN). */
struct net {
    const char *label;
    int64_t first_signin, first_admin;
    int64_t last_signin; /* the last successful sign-in */
    int64_t first;    /* the first sign-in or admin action */
    uint8_t first_src; /* the log that recorded it */
    uint8_t signin_src; /* the log that recorded the first successful sign-in */
    uint32_t signins, admin, other; /* other: first factor accepted but not completed */
    struct m365_days signin_days;   /* days with a successful sign-in from it */
    bool opened;                    /* the user's first successful sign-in came from it */
    const struct m365_event *ev[MAX_EV];
    uint32_t n_ev;
    const char *ips[MAX_LIST], *apps[MAX_LIST], *ops[MAX_LIST];
    uint32_t n_ips, n_apps, n_ops;
};

struct user {
    const char *upn;
    int64_t first_success; /* the first successful interactive sign-in, in any log */
    uint32_t successes;    /* successful interactive sign-ins, from anywhere */
    struct net **nets;
    uint32_t n_nets, cap_nets;
};

struct state {
    struct m365_map users; /* upn -> struct user */
    /* Addresses that a sign-in record placed in a hosting ASN: audit records carry no ASN, so
     * later admin actions from the same address are recognised through this. */
    struct m365_map record_asn_ips; /* ip -> label */
    struct m365_tf_created created; /* accounts created in the evidence: no habit before it */
    int64_t log_start[M365_LOG__COUNT]; /* first record of each log, INT64_MIN if none */
    uint64_t signins, signins_with_asn; /* user sign-ins seen, and those carrying their ASN */
};

/* Service tags of Microsoft platforms that act for users on their own (Power Automate and
 * Logic Apps connectors, Entra itself, Power BI…): their addresses are not an attacker's VM.
 * Compute ranges (AzureCloud.*) and non-Microsoft providers stay hosting. */
static bool microsoft_service(const char *label)
{
    static const char *const tags[] = {
        "AzureActiveDirectory", "AzureConnectors", "LogicApps", "PowerPlatformInfra",
        "PowerPlatformPlex", "PowerBI", "PowerQueryOnline", "AzureFrontDoor",
        "M365ManagementActivityApi", "ActionGroup", "AzureMonitor"};
    if (!label) {
        return false;
    }
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        if (m365_istarts(label, tags[i])) {
            size_t n = strlen(tags[i]);
            if (label[n] == '\0' || label[n] == '.') {
                return true;
            }
        }
    }
    return false;
}

/* Outlook Mobile's sign-ins from Microsoft's own address space are its sync service, not the
 * user's VM. */
static bool microsoft_brokered(const struct m365_event *ev, const struct m365_ipinfo *ii,
                               const char *label)
{
    if (!m365_id_brokered_client(ev)) {
        return false;
    }
    return m365_id_microsoft_asn(m365_id_event_asn(ev, ii)) ||
           (label && m365_istarts(label, "AzureCloud"));
}

static void init(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    for (int src = 0; src < M365_LOG__COUNT; src++) {
        int64_t last;
        m365_dctx_source_span(dc, (enum m365_log_source)src, &s->log_start[src], &last);
    }
}

static bool enriched(struct m365_dctx *dc)
{
    return m365_dctx_has_ip_ranges(dc) || m365_dctx_has_asn_db(dc);
}

static struct user *user_of(struct state *s, const char *upn)
{
    bool fresh;
    struct user *u = m365_map_obtain(&s->users, upn, NULL, sizeof(*u), &fresh);
    if (u && fresh) {
        u->upn = upn;
        u->first_success = M365_TIME_NONE;
    }
    return u;
}

static struct net *net_of(struct user *u, const char *label)
{
    for (uint32_t i = 0; i < u->n_nets; i++) {
        if (u->nets[i]->label == label) {
            return u->nets[i];
        }
    }
    if (u->n_nets == MAX_LIST) {
        return NULL; /* a user on this many hosting networks: the first ones tell the story */
    }
    if (u->n_nets == u->cap_nets) {
        uint32_t nc = u->cap_nets ? u->cap_nets * 2 : 2;
        struct net **nn = realloc(u->nets, nc * sizeof(*nn));
        if (!nn) {
            return NULL;
        }
        u->nets = nn;
        u->cap_nets = nc;
    }
    struct net *n = calloc(1, sizeof(*n));
    if (!n) {
        return NULL;
    }
    n->label = label;
    n->first_signin = n->first_admin = n->first = M365_TIME_NONE;
    u->nets[u->n_nets++] = n;
    return n;
}

static void add_str(const char **v, uint32_t *n, const char *s)
{
    if (!s) {
        return;
    }
    for (uint32_t i = 0; i < *n; i++) {
        if (v[i] == s || strcmp(v[i], s) == 0) {
            return;
        }
    }
    if (*n < MAX_LIST) {
        v[(*n)++] = s;
    }
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    if (ev->time_ms == M365_TIME_NONE) {
        return;
    }
    m365_tf_created_observe(dc, &s->created, ev);
    bool signin = ev->kind == M365_EV_SIGNIN;
    /* Users only: service principals, managed identities and Microsoft's own service accounts
     * (actor type system) act from Microsoft's ranges all day. */
    if (ev->actor_type != M365_ACTOR_USER || !ev->actor_upn || !strchr(ev->actor_upn, '@') ||
        !ev->ip) {
        return;
    }
    bool success = false, other = false;
    struct user *u = NULL;
    if (signin) {
        if (!m365_signin_is_user(ev) || ev->is_interactive == 0 ||
            ev->log_source == M365_LOG_SIGNIN_NONINTERACTIVE) {
            return; /* token refreshes come from wherever the client's service runs */
        }
        success = ev->result == M365_RESULT_SUCCESS;
        u = success ? user_of(s, ev->actor_upn) : NULL;
        if (u && u->first_success == M365_TIME_NONE) {
            u->first_success = ev->time_ms; /* events arrive in time order */
        }
        if (u) {
            u->successes++;
        }
        /* The password was accepted but consent or MFA interrupted: evidence, not a trigger. */
        other = !success && (m365_signin_password_correct(ev) || ev->error_code == 65001);
        if (!success && !other) {
            return;
        }
    } else if (ev->result == M365_RESULT_FAILURE) {
        return;
    }
    const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, ev->ip);
    if (signin) {
        s->signins++;
        s->signins_with_asn += m365_id_event_asn(ev, NULL) != 0;
    }
    const char *label;
    if (ii->trusted || microsoft_service(ii->range_label)) {
        return;
    }
    if (!m365_id_hosting(dc, ev, ii, &label)) {
        label = m365_map_get(&s->record_asn_ips, ev->ip, NULL);
        if (!label) {
            return;
        }
    } else if (!ii->hosting) {
        void **p = m365_map_put(&s->record_asn_ips, ev->ip, NULL);
        if (p && !*p) {
            *p = (void *)label;
        }
    }
    if (signin && microsoft_brokered(ev, ii, label)) {
        return;
    }
    u = u ? u : user_of(s, ev->actor_upn);
    struct net *n = u ? net_of(u, label) : NULL;
    if (!n) {
        return;
    }
    if (signin) {
        if (success) {
            n->signins++;
            n->opened |= n->signins == 1 && ev->time_ms == u->first_success;
            m365_days_add(&n->signin_days, ev->time_ms);
            n->last_signin = ev->time_ms;
            if (n->first_signin == M365_TIME_NONE) {
                n->first_signin = ev->time_ms;
                n->signin_src = ev->log_source;
            }
        } else {
            n->other++;
        }
        const struct m365_app_id *fp = ev->app_name ? NULL : m365_first_party_app(ev->app_id);
        add_str(n->apps, &n->n_apps, ev->app_name ? ev->app_name : fp ? fp->name : ev->app_id);
    } else {
        n->admin++;
        if (n->first_admin == M365_TIME_NONE) {
            n->first_admin = ev->time_ms;
        }
        add_str(n->ops, &n->n_ops, ev->operation);
    }
    if (n->first == M365_TIME_NONE && (success || !signin)) {
        n->first = ev->time_ms;
        n->first_src = ev->log_source;
    }
    add_str(n->ips, &n->n_ips, ev->ip);
    if (n->n_ev < MAX_EV) {
        n->ev[n->n_ev++] = m365_dctx_keep(dc, ev);
    }
}

static void str_array(struct m365_buf *d, const char **v, size_t n)
{
    m365_qsort(v, n, sizeof(*v), m365_cmp_cstr);
    m365_json_cstr_array(d, v, n);
}

static int cmp_net(const void *a, const void *b)
{
    const struct net *x = *(const struct net *const *)a, *y = *(const struct net *const *)b;
    return strcmp(x->label, y->label);
}

/* Already in use when the log that first shows it begins: the habit predates the evidence.
 * Sign-ins decide when there are any: an audit log whose first record is the attacker's own
 * change (a quiet tenant) starts with the attack, which is no habit. Nor is a network first
 * seen when an Entra export of the last days begins if another log (the UAL) recorded the
 * user signing in well before, never from it. */
static bool established(struct m365_dctx *dc, const struct cfg *c, const struct state *s,
                        const struct user *u, const struct net *n)
{
    if (m365_tf_created_find(dc, &s->created, u->upn, NULL)) {
        return false; /* the account did not exist before the evidence, nor any habit of it */
    }
    int64_t first = n->signins ? n->first_signin : n->first;
    uint8_t src = n->signins ? n->signin_src : n->first_src;
    int64_t start = src < M365_LOG__COUNT ? s->log_start[src] : INT64_MIN;
    if (n->signins && u->first_success != M365_TIME_NONE && u->first_success < start) {
        start = u->first_success;
    }
    if (first == M365_TIME_NONE || start == INT64_MIN || first - start > c->established) {
        return false;
    }
    /* A habit goes on: a third of the user's own sign-ins (a virtual desktop, a jump host), and
     * over HABIT_SPAN_MS or on two days unless the first (a sprayed account used once from a VM
     * after its first success elsewhere is one of two; a session hijacked in the night is three
     * sign-ins in half an hour, a third of a quiet admin's), or the user's first sign-in of the
     * evidence and more on another day. A session hijacked in the export's first hours is a few
     * sign-ins among the user's many from the office, after the first of them, though the
     * attacker come back on later days. */
    bool goes_on = n->signins >= 2 && (n->last_signin - n->first_signin >= HABIT_SPAN_MS ||
                                       n->signin_days.n >= 2);
    return !n->signins ||
           (3 * (uint64_t)n->signins >= u->successes && (goes_on || n->opened)) ||
           (n->opened && n->signin_days.n >= 2);
}

static void report(struct m365_dctx *dc, const struct cfg *c, const struct state *s,
                   struct user *u)
{
    struct net *nets[MAX_LIST];
    uint32_t nn = 0, signins = 0, admin = 0, other = 0;
    for (uint32_t i = 0; i < u->n_nets; i++) {
        struct net *n = u->nets[i];
        if ((n->signins || n->admin) && !established(dc, c, s, u, n)) {
            nets[nn++] = n;
            signins += n->signins;
            admin += n->admin;
            other += n->other;
        }
    }
    if (!nn) {
        return;
    }
    m365_qsort(nets, nn, sizeof(*nets), cmp_net);
    struct m365_fb *fb = m365_fb_begin(dc, admin ? M365_SEV_HIGH : M365_SEV_MEDIUM);
    if (!fb) {
        return;
    }
    m365_fb_entity(fb, M365_ENT_USERS, u->upn);
    const char *ips[MAX_LIST], *apps[MAX_LIST], *ops[MAX_LIST]; /* the first MAX_LIST of each */
    uint32_t n_ips = 0, n_apps = 0, n_ops = 0;
    for (uint32_t i = 0; i < nn; i++) {
        for (uint32_t k = 0; k < nets[i]->n_ev; k++) {
            m365_fb_event(fb, nets[i]->ev[k]);
        }
        for (uint32_t k = 0; k < nets[i]->n_ips; k++) {
            m365_fb_entity(fb, M365_ENT_IPS, nets[i]->ips[k]);
            add_str(ips, &n_ips, nets[i]->ips[k]);
        }
        for (uint32_t k = 0; k < nets[i]->n_apps; k++) {
            m365_fb_entity(fb, M365_ENT_APPS, nets[i]->apps[k]);
            add_str(apps, &n_apps, nets[i]->apps[k]);
        }
        for (uint32_t k = 0; k < nets[i]->n_ops; k++) {
            add_str(ops, &n_ops, nets[i]->ops[k]);
        }
    }
    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    m365_json_key(d, first, "signins");
    m365_buf_printf(d, "%u", signins);
    m365_json_key(d, first, "interrupted_signins");
    m365_buf_printf(d, "%u", other);
    m365_json_key(d, first, "admin_actions");
    m365_buf_printf(d, "%u", admin);
    m365_json_key(d, first, "hosting_ips");
    str_array(d, ips, n_ips);
    m365_json_key(d, first, "networks");
    m365_buf_putc(d, '[');
    for (uint32_t i = 0; i < nn; i++) {
        const struct net *n = nets[i];
        m365_buf_puts(d, i ? ",{" : "{");
        int f = 1;
        m365_json_key(d, &f, "network");
        m365_json_cstr(d, n->label);
        m365_json_key(d, &f, "first_signin");
        m365_json_time(d, n->first_signin);
        m365_json_key(d, &f, "first_admin_action");
        m365_json_time(d, n->first_admin);
        m365_json_key(d, &f, "signins");
        m365_buf_printf(d, "%u", n->signins);
        m365_json_key(d, &f, "admin_actions");
        m365_buf_printf(d, "%u", n->admin);
        m365_buf_putc(d, '}');
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "apps");
    str_array(d, apps, n_apps);
    m365_json_key(d, first, "operations");
    str_array(d, ops, n_ops);
    m365_json_key(d, first, "ip_ranges_loaded");
    m365_buf_puts(d, m365_dctx_has_ip_ranges(dc) ? "true" : "false");
    m365_json_key(d, first, "asn_db_loaded");
    m365_buf_puts(d, m365_dctx_has_asn_db(dc) ? "true" : "false");
    if (!enriched(dc)) {
        m365_json_key(d, first, "signins_with_record_asn");
        m365_buf_printf(d, "%llu", (unsigned long long)s->signins_with_asn);
        m365_json_key(d, first, "signins_without_asn");
        m365_buf_printf(d, "%llu", (unsigned long long)(s->signins - s->signins_with_asn));
    }
    if (!m365_dctx_has_trusted_ips(dc)) {
        m365_json_key(d, first, "confidence_note");
        m365_json_cstr(d, "No --trusted-ips: the tenant's own cloud egress (virtual desktops, "
                          "jump hosts) cannot be told apart except by its use from the start of "
                          "the logs.");
    }
    char what[128];
    if (signins && admin) {
        snprintf(what, sizeof(what), "signed in %u time(s) and made %u admin change(s)", signins,
                 admin);
    } else if (admin) {
        snprintf(what, sizeof(what), "made %u admin change(s)", admin);
    } else {
        snprintf(what, sizeof(what), "signed in %u time(s)", signins);
    }
    /* Name the first network with its own first address. */
    const char *ip0 = nets[0]->n_ips ? nets[0]->ips[0] : "?";
    for (uint32_t k = 1; k < nets[0]->n_ips; k++) {
        if (strcmp(nets[0]->ips[k], ip0) < 0) {
            ip0 = nets[0]->ips[k];
        }
    }
    m365_fb_summary(fb, "%s %s from hosting address %s (%s)%s, %s it had not used before.", u->upn,
                    what, ip0, nets[0]->label, n_ips > 1 ? " and others" : "",
                    nn > 1 ? "networks" : "a network");
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    if (!enriched(dc) && s->signins_with_asn == 0) {
        m365_dctx_not_evaluated(dc, "needs --ip-ranges (Microsoft ServiceTags_Public*.json or a "
                                    "CIDR list), --asn-db, or sign-in records that carry "
                                    "autonomousSystemNumber, to know which addresses belong "
                                    "to hosting providers");
        return;
    }
    M365_MAP_EACH(&s->users, slot)
    {
        report(dc, c, s, slot->val);
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    M365_MAP_EACH(&s->users, slot)
    {
        struct user *u = slot->val;
        for (uint32_t i = 0; i < u->n_nets; i++) {
            free(u->nets[i]);
        }
        free(u->nets);
        free(u);
    }
    m365_map_free(&s->users);
    m365_tf_created_free(&s->created);
    m365_map_free(&s->record_asn_ips);
}

static const char *const techniques[] = {"T1583.003", "T1090.003", NULL};

const struct m365_detection m365_detect_signin_from_hosting_ip = {
    .info =
        {
            .id = "signin-from-hosting-ip",
            .title = "User sign-in or admin action from a hosting provider's address",
            .severity = M365_SEV_HIGH,
            .techniques = techniques,
            .description =
                "A successful interactive user sign-in, or a directory change or Exchange admin "
                "cmdlet by a user, from an address in --ip-ranges (Azure service tags or a CIDR "
                "list) or in a hosting ASN (--asn-db, or else the sign-in record's own "
                "autonomousSystemNumber; Azure VMs included), on a hosting network "
                "the user was not already using when the logs start. One finding per user: high "
                "with admin actions, medium for sign-ins alone. Sign-ins interrupted after the "
                "password was accepted (consent, MFA) from the same network are added as "
                "evidence. Service principals, Microsoft's own service accounts, Microsoft "
                "platform service tags (connectors, Power Platform, Entra) and --trusted-ips are "
                "left alone.",
            .needs = "--ip-ranges or --asn-db (or sign-in records carrying "
                     "autonomousSystemNumber), and sign-in logs or audit logs with client "
                     "addresses",
            .blind_spots =
                "Residential proxies are not hosting and are not reported here (see "
                "anomalous-signin-location). A user whose own virtual desktop is in the same "
                "hosting network as the attacker's VM from the start of the logs is not "
                "reported: list the tenant's egress in --trusted-ips and lower "
                "established_within. Non-interactive sign-ins are ignored, and so are Outlook "
                "Mobile sign-ins from Microsoft's address space; actions through Power Automate "
                "or Logic Apps connectors look like Microsoft's.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_SIGNIN) | M365_KIND_BIT(M365_EV_DIRECTORY) |
             M365_KIND_BIT(M365_EV_EXCHANGE_ADMIN),
    .needs = 0,
    .state_size = sizeof(struct state),
    .init = init,
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
