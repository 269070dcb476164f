/* Incidents: findings that share an attacker-side entity (user, address or its network, app,
 * service principal, mailbox) within a window are one incident, told as a story in ATT&CK
 * tactic order, with the mailboxes its principals read and those the logs cannot show. */
#include "incidents.h"
#include "../snapshot/snap_context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/arena.h"
#include "../core/buf.h"
#include "../core/hash.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../detections/m365_ids.h"
#include "../detections/mail_util.h"
#include "../enrich/enrich.h"
#include "scan_internal.h"
#include "../core/sort.h"

struct m365_incidents {
    struct m365_incident *v;
    size_t n;
};

static const struct {
    const char *rule;
    int phase;
} phases[] = {
    {"password-spray", 0},
    {"password-spray-success", 0},
    {"legacy-auth-signin", 0},
    {"signin-from-hosting-ip", 0},
    {"anomalous-signin-location", 0},
    {"token-without-signin", 0},
    {"foreign-app-privileged", 0},
    {"dormant-account-mfa-registration", 1},
    {"sp-credential-added", 1},
    {"sp-address-changed", 1},
    {"new-user-privileged-action", 1},
    {"high-privilege-consent", 1},
    {"federation-modified", 1},
    {"mailbox-delegation-granted", 1},
    {"privileged-role-assigned", 2},
    {"mail-app-role-granted", 2},
    {"application-impersonation-assigned", 2},
    {"advanced-audit-disabled", 3},
    {"auth-policy-weakened", 3},
    {"mail-audit-stopped", 3},
    {"mail-forwarding-rule", 4},
    {"app-mailbox-access", 4},
    {"rare-app-mail-access", 4},
    {"bulk-mail-access", 4},
    {"mailbox-access-after-audit-disabled", 4},
};

int m365_rule_phase(const char *rule)
{
    for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
        if (strcmp(phases[i].rule, rule) == 0) {
            return phases[i].phase;
        }
    }
    return 5;
}

static const char *const phase_names[] = {"Initial access", "Persistence",
                                          "Privilege escalation", "Defence evasion",
                                          "Collection", "Other activity"};

/* --- union-find ----------------------------------------------------------------------------- */

static size_t find(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

static void unite(size_t *parent, size_t a, size_t b)
{
    a = find(parent, a);
    b = find(parent, b);
    if (a != b) {
        parent[a > b ? a : b] = a < b ? a : b; /* the smaller index is the root: deterministic */
    }
}

/* Entities that tie nothing together: Microsoft's own apps, private and trusted addresses. */
static bool linking(struct m365_scan *s, int kind, const char *v)
{
    if (kind == M365_ENT_DOMAINS) {
        return false; /* the tenant's own domain would join everything */
    }
    if (kind == M365_ENT_APPS || kind == M365_ENT_SERVICE_PRINCIPALS) {
        if (m365_first_party_app(v)) {
            return false;
        }
        static const char *const names[] = {"Office 365 Exchange Online", "Microsoft Graph",
                                            "Windows Azure Active Directory",
                                            "Office 365 SharePoint Online", "Azure Portal",
                                            "Microsoft Office", "OfficeHome"};
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            if (strcmp(names[i], v) == 0) {
                return false;
            }
        }
    }
    if (kind == M365_ENT_IPS) {
        const char *ip = m365_scan_intern(s, v, strlen(v));
        const struct m365_ipinfo *ii = m365_enrich_ip(m365_scan_enrich(s), ip);
        if (ii->is_private || ii->trusted) {
            return false;
        }
    }
    return true;
}

struct member {
    size_t finding;
    int64_t first, last;
};

struct ent_list {
    struct member *v;
    size_t n, cap;
};

static int cmp_member(const void *a, const void *b)
{
    const struct member *x = a, *y = b;
    if (x->first != y->first) {
        return x->first < y->first ? -1 : 1;
    }
    return x->finding < y->finding ? -1 : x->finding > y->finding;
}

/* Sorted, unique copy in the arena. */
static const char **finish_list(struct m365_arena *ar, const char **v, size_t *n)
{
    if (!*n) {
        return NULL;
    }
    m365_qsort(v, *n, sizeof(*v), m365_cmp_cstr);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (k == 0 || strcmp(v[k - 1], v[i]) != 0) {
            v[k++] = v[i];
        }
    }
    *n = k;
    const char **out = m365_arena_alloc(ar, k * sizeof(*out));
    if (out) {
        memcpy(out, v, k * sizeof(*out));
    }
    return out;
}

struct exposure_acc {
    const char *mailbox;
    uint64_t items;
    uint32_t records;
    uint32_t graph_requests;
    uint64_t graph_bytes;
    int64_t first, last;
    const char *folders[32];
    size_t n_folders;
    const char *via[16];
    size_t n_via;
    const char *ips[32];
    size_t n_ips;
};

static void add_unique(const char **v, size_t *n, size_t max, const char *s)
{
    for (size_t i = 0; i < *n; i++) {
        if (v[i] == s || strcmp(v[i], s) == 0) {
            return;
        }
    }
    if (*n < max) {
        v[(*n)++] = s;
    }
}

static bool in_list(const struct m365_strlist *l, const char *s)
{
    for (size_t i = 0; s && i < l->n; i++) {
        if (strcmp(l->items[i], s) == 0) {
            return true;
        }
    }
    return false;
}

static int cmp_exposure(const void *a, const void *b)
{
    return strcmp(((const struct m365_exposure *)a)->mailbox,
                  ((const struct m365_exposure *)b)->mailbox);
}

/* One of the incidents' applications, service principals or addresses, as exposure looks them
 * up: sorted by value, so that one pass over the mail reads serves every incident. */
struct reach {
    const char *value;
    size_t incident;
    size_t ip;   /* the address's place in the incident's list; SIZE_MAX for an application */
    int64_t named_from; /* the first finding naming it: its first time */
    bool own; /* an address that was the tenant's own by then (tenants_own_address) */
};

/* An address that signed someone in successfully this long before the first finding naming it
 * is the tenant's own (an office's egress, a user's home, the other end of an impossible
 * journey): not a way the attacker read mail. An attacker's address is new when it is first
 * seen; a quiet first use just before the finding (a proxy in the user's own country) is not
 * this old. */
#define ESTABLISHED_MS (48 * M365_HOUR_MS)

/* An address this many accounts had signed in from successfully before the first finding
 * naming it is the tenant's own however recently (an office's egress in an export of two days):
 * an attacker's address is named by the findings before or as it signs its victims in (the
 * spray's failures, the first victim's sign-in from a hosting provider). */
#define SHARED_ACCOUNTS 5

/* How an address signed accounts in: first, and when the SHARED_ACCOUNTS-th distinct account
 * did (INT64_MAX: not yet). */
struct address_use {
    int64_t first, shared_at;
    const char *accounts[SHARED_ACCOUNTS - 1];
    uint32_t n;
};

static void address_signin(struct address_use *u, const struct m365_event *ev, bool fresh)
{
    if (fresh) {
        u->first = ev->time_ms;
        u->shared_at = INT64_MAX;
    }
    if (u->shared_at != INT64_MAX || !ev->actor_upn) {
        return;
    }
    for (uint32_t i = 0; i < u->n; i++) {
        if (u->accounts[i] == ev->actor_upn || m365_ieq(u->accounts[i], ev->actor_upn)) {
            return;
        }
    }
    if (u->n < SHARED_ACCOUNTS - 1) {
        u->accounts[u->n++] = ev->actor_upn;
    } else {
        u->shared_at = ev->time_ms;
    }
}

static int cmp_reach(const void *a, const void *b)
{
    const struct reach *x = a, *y = b;
    int c = strcmp(x->value, y->value);
    if (c) {
        return c;
    }
    if (x->incident != y->incident) {
        return x->incident < y->incident ? -1 : 1;
    }
    return x->ip < y->ip ? -1 : x->ip > y->ip;
}

/* The first of r[0..n) whose value is v, or n. */
static size_t reach_find(const struct reach *r, size_t n, const char *v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(r[mid].value, v) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < n && strcmp(r[lo].value, v) == 0 ? lo : n;
}

/* A session or an access token the attacker used from one of an incident's addresses. The map
 * holds a list per key, as one can be several incidents'. Sessions are keyed by their interned
 * lower-case GUID; tokens (one per sign-in, not interned) by a hash of their text, with the
 * text kept in the link to compare. */
struct bearer_link {
    size_t incident;
    const char *via; /* "session <id>" or "token <id>", interned */
    char *token;     /* the token id, own copy; NULL for a session */
    int64_t from_ms; /* the record that made it the attacker's */
    struct bearer_link *next;
};

static const char token_tag; /* k2 of the tokens' keys (sessions': NULL) */

/* The event's session id, lower-case and interned, as the session map knows it; NULL unless a
 * GUID other than a placeholder (exports anonymised for sharing write one value in all). */
static const char *session_key(struct m365_scan *s, const char *v)
{
    if (!v || !m365_is_guid(v, strlen(v)) || !m365_id_usable(v)) {
        return NULL;
    }
    if (!strpbrk(v, "ABCDEF")) {
        return v;
    }
    char low[M365_GUID_LEN];
    for (size_t i = 0; i < M365_GUID_LEN; i++) {
        low[i] = (char)(v[i] >= 'A' && v[i] <= 'F' ? v[i] + 32 : v[i]);
    }
    return m365_scan_intern(s, low, sizeof(low));
}


static const void *token_key(const char *tok)
{
    return (const void *)(uintptr_t)(m365_hash_bytes(tok, strlen(tok), 0) | 1);
}

/* Joins the session (token == NULL) or the token under key to the incident from time from_ms;
 * false when out of memory. */
static bool bearer_join(struct m365_scan *s, struct m365_map *bearers, const void *key,
                        const char *token, size_t incident, int64_t from_ms)
{
    void **slot = m365_map_put(bearers, key, token ? &token_tag : NULL);
    if (!slot) {
        return false;
    }
    for (struct bearer_link *l = *slot; l; l = l->next) {
        if (l->incident == incident && (!token || strcmp(l->token, token) == 0)) {
            return true;
        }
    }
    char text[160];
    int len = snprintf(text, sizeof(text), "%s %s", token ? "token" : "session",
                       token ? token : (const char *)key);
    struct bearer_link *l = malloc(sizeof(*l));
    char *copy = token ? strdup(token) : NULL;
    const char *via = len > 0 && (size_t)len < sizeof(text) ? m365_scan_intern(s, text, (size_t)len)
                                                            : NULL;
    if (!l || (token && !copy) || !via) {
        free(l);
        free(copy);
        return false;
    }
    *l = (struct bearer_link){incident, via, copy, from_ms, *slot};
    *slot = l;
    return true;
}

static void bearers_free(struct m365_map *bearers)
{
    M365_MAP_EACH(bearers, slot)
    {
        for (struct bearer_link *l = slot->val, *next; l; l = next) {
            next = l->next;
            free(l->token);
            free(l);
        }
    }
    m365_map_free(bearers);
}

/* The records that name a session or a token: sign-ins, Exchange's, SharePoint's
 * (AppAccessContext), Graph requests; not the directory's. */
#define BEARER_KINDS                                                                               \
    (M365_KIND_BIT(M365_EV_SIGNIN) | M365_KIND_BIT(M365_EV_EXCHANGE_ADMIN) |                       \
     M365_KIND_BIT(M365_EV_MAIL_ACCESS) | M365_KIND_BIT(M365_EV_MAILBOX_ITEM) |                    \
     M365_KIND_BIT(M365_EV_FILE) | M365_KIND_BIT(M365_EV_GRAPH_REQUEST))

struct incident_reads {
    struct m365_map acc;  /* mailbox -> exposure_acc */
    int64_t *ip_until;    /* per address of the incident: reads from it count until then */
    const char *via;      /* for the read at hand (`seen` says which) */
    size_t seen;
    size_t aside_seen;    /* the read at hand was set aside as the account's own */
    struct m365_exposure_aside aside;
    const char *aside_ips[32];
};

/* mailbox: the event's, its owner's object id resolved to a UPN where the logs tie them. */
static void count_read(struct incident_reads *r, const struct m365_event *ev, const char *mailbox)
{
    bool fresh;
    struct exposure_acc *a = m365_map_obtain(&r->acc, mailbox, NULL, sizeof(*a), &fresh);
    if (!a) {
        return;
    }
    if (fresh) {
        a->mailbox = mailbox;
        a->first = ev->time_ms;
    }
    a->records++;
    if (ev->kind == M365_EV_GRAPH_REQUEST) {
        a->graph_requests++;
        a->graph_bytes += ev->mail->response_bytes;
    }
    a->items += m365_mail_items(ev);
    a->last = ev->time_ms;
    for (uint32_t f = 0; f < ev->mail->n_folders; f++) {
        if (ev->mail->folders[f].path) {
            add_unique(a->folders, &a->n_folders, 32, ev->mail->folders[f].path);
        }
    }
    add_unique(a->via, &a->n_via, 16, r->via);
    if (ev->ip) {
        add_unique(a->ips, &a->n_ips, 32, ev->ip);
    }
}

/* An address that had signed someone in ESTABLISHED_MS before at_ms, or SHARED_ACCOUNTS
 * accounts by then: the tenant's own (an office, a user's home), for an incident's address at
 * the first finding naming it, and for a read in a session or with a token the attacker took at
 * the time they took it. */
static bool tenants_own_address(const struct m365_map *signed_in, const char *ip, int64_t at_ms)
{
    const struct address_use *u = ip ? m365_map_get(signed_in, ip, NULL) : NULL;
    return u && (u->first <= at_ms - ESTABLISHED_MS || u->shared_at <= at_ms);
}

static void set_aside(struct incident_reads *r, const struct m365_event *ev)
{
    r->aside.records++;
    r->aside.items += m365_mail_items(ev);
    add_unique(r->aside_ips, &r->aside.n_ips, 32, ev->ip);
}

static void finish_exposure(struct m365_arena *ar, struct m365_incident *inc, struct m365_map *acc)
{
    struct m365_exposure *ex = acc->n ? m365_arena_calloc(ar, acc->n * sizeof(*ex)) : NULL;
    size_t k = 0;
    M365_MAP_EACH(acc, slot)
    {
        struct exposure_acc *a = slot->val;
        if (ex) {
            ex[k].mailbox = a->mailbox;
            ex[k].items = a->items;
            ex[k].records = a->records;
            ex[k].graph_requests = a->graph_requests;
            ex[k].graph_bytes = a->graph_bytes;
            ex[k].first_ms = a->first;
            ex[k].last_ms = a->last;
            ex[k].n_folders = a->n_folders;
            ex[k].folders = finish_list(ar, a->folders, &ex[k].n_folders);
            ex[k].n_via = a->n_via;
            ex[k].via = finish_list(ar, a->via, &ex[k].n_via);
            ex[k].n_ips = a->n_ips;
            ex[k].ips = finish_list(ar, a->ips, &ex[k].n_ips);
            k++;
        }
        free(a);
    }
    m365_map_free(acc);
    if (ex) {
        m365_qsort(ex, k, sizeof(*ex), cmp_exposure);
    }
    inc->exposed = ex;
    inc->n_exposed = ex ? k : 0;
}

/* Whether a finding of the incident at floor or above names v as an entity of the kind; the
 * first time of the earliest such finding in *from. */
static bool named_at(struct m365_detect_state *d, const struct m365_incident *inc, int kind,
                     const char *v, enum m365_severity floor, int64_t *from)
{
    bool named = false;
    *from = INT64_MAX;
    for (size_t i = 0; i < inc->n_findings; i++) {
        const struct m365_finding *f = m365_detect_finding(d, inc->findings[i]);
        if (f->severity < floor) {
            continue;
        }
        if (in_list(&f->entities[kind], v)) {
            named = true;
            if (f->first_ms != M365_TIME_NONE && f->first_ms < *from) {
                *from = f->first_ms;
            }
        }
    }
    return named;
}

/* Each incident's exposure: the mailboxes read (MailItemsAccessed) from its first time on by one
 * of its applications or service principals (not Microsoft's own), else from one of its
 * addresses, else in a session or with a token the attacker used from one of them. An
 * application stays the attacker's once it is theirs; an address only while they use it (proxies
 * and cloud addresses pass to others): reads from one count until window_ms after the incident's
 * last finding, and on while each follows the last so counted within window_ms, as findings join
 * an incident. A session (AADSessionId, Exchange SessionId, the sign-in's) or a token
 * (UniqueTokenId, the sign-in's uniqueTokenIdentifier) stays theirs from the first record of it
 * made from such an address: a residential proxy pool changes exit within one session.
 * Events come in time order; one pass serves all. */
static enum m365_status exposure(struct m365_scan *s, struct m365_detect_state *ds,
                                 struct m365_incidents *x, int64_t window_ms)
{
    size_t nr = 0;
    for (size_t q = 0; q < x->n; q++) {
        const struct m365_strlist *e = x->v[q].entities;
        nr += e[M365_ENT_APPS].n + e[M365_ENT_SERVICE_PRINCIPALS].n + e[M365_ENT_IPS].n;
    }
    struct reach *r = nr ? malloc(nr * sizeof(*r)) : NULL;
    struct incident_reads *ir = calloc(x->n ? x->n : 1, sizeof(*ir));
    enum m365_status st = (nr && !r) || !ir ? M365_E_NOMEM : M365_OK;
    size_t k = 0;
    for (size_t q = 0; st == M365_OK && q < x->n; q++) {
        const struct m365_incident *inc = &x->v[q];
        const struct m365_strlist *e = inc->entities;
        /* Reads are reached through what the incident's findings at medium or above name: a
         * low one is, by its rule's own account, most likely routine (an owner rotating a
         * secret from the office), and its address is often everyone's. */
        enum m365_severity floor = inc->severity >= M365_SEV_MEDIUM ? M365_SEV_MEDIUM
                                                                    : M365_SEV_INFO;
        for (int kind = M365_ENT_APPS; kind <= M365_ENT_SERVICE_PRINCIPALS; kind++) {
            for (size_t i = 0; i < e[kind].n; i++) {
                int64_t from;
                if (named_at(ds, inc, kind, e[kind].items[i], floor, &from)) {
                    r[k++] = (struct reach){e[kind].items[i], q, SIZE_MAX, from, false};
                }
            }
        }
        const struct m365_strlist *ips = &e[M365_ENT_IPS];
        ir[q].ip_until = ips->n ? malloc(ips->n * sizeof(*ir[q].ip_until)) : NULL;
        if (ips->n && !ir[q].ip_until) {
            st = M365_E_NOMEM;
            break;
        }
        for (size_t j = 0; j < ips->n; j++) {
            ir[q].ip_until[j] = inc->last_ms == M365_TIME_NONE ||
                                        inc->last_ms > INT64_MAX - window_ms
                                    ? INT64_MAX
                                    : inc->last_ms + window_ms;
            int64_t from;
            if (linking(s, M365_ENT_IPS, ips->items[j]) &&
                named_at(ds, inc, M365_ENT_IPS, ips->items[j], floor, &from)) {
                r[k++] = (struct reach){ips->items[j], q, j, from, false};
            }
        }
    }
    bool by_address = false;
    for (size_t j = 0; j < k; j++) {
        by_address |= r[j].ip != SIZE_MAX;
    }
    if (k) {
        m365_qsort(r, k, sizeof(*r), cmp_reach);
    }
    size_t n = st == M365_OK && k ? m365_scan_n_events(s) : 0;
    struct m365_event buf;
    /* When each address first signed someone in, and SHARED_ACCOUNTS accounts (events in time
     * order); then which of the incidents' addresses were the tenant's own when first named. */
    struct m365_map signed_in = {0};
    for (size_t i = 0; by_address && st == M365_OK && i < n; i++) {
        if (m365_scan_event_kind(s, i) != M365_EV_SIGNIN) {
            continue;
        }
        const struct m365_event *ev = m365_scan_event_brief(s, i, &buf);
        if (!ev || !ev->ip || ev->result != M365_RESULT_SUCCESS ||
            ev->time_ms == M365_TIME_NONE) {
            continue;
        }
        bool fresh;
        struct address_use *u = m365_map_obtain(&signed_in, ev->ip, NULL, sizeof(*u), &fresh);
        if (!u) {
            st = M365_E_NOMEM;
            break;
        }
        address_signin(u, ev, fresh);
    }
    for (size_t j = 0; by_address && j < k; j++) {
        r[j].own = r[j].ip != SIZE_MAX && r[j].named_from != INT64_MAX &&
                   tenants_own_address(&signed_in, r[j].value, r[j].named_from);
    }
    struct m365_map bearers = {0}; /* session or token key -> bearer_link list */
    for (size_t i = 0; st == M365_OK && i < n; i++) {
        uint8_t kind = m365_scan_event_kind(s, i);
        if (kind != M365_EV_MAIL_ACCESS && kind != M365_EV_GRAPH_REQUEST &&
            (!by_address || !(M365_KIND_BIT(kind) & BEARER_KINDS))) {
            continue;
        }
        const struct m365_event *ev = m365_scan_event_brief(s, i, &buf);
        if (!ev || ev->time_ms == M365_TIME_NONE) {
            continue;
        }
        /* A record the attacker made from one of an incident's addresses while it was theirs
         * (not a failed sign-in: it opens no session, issues no token) puts its session and its
         * token in the incident. */
        const char *sk = by_address ? session_key(s, ev->session_id) : NULL;
        const char *tk = by_address && m365_token_usable(ev->token_id) ? ev->token_id : NULL;
        const void *tkey = tk ? token_key(tk) : NULL;
        if ((sk || tk) && ev->ip && !(kind == M365_EV_SIGNIN && ev->result == M365_RESULT_FAILURE)) {
            for (size_t j = reach_find(r, k, ev->ip); j < k && strcmp(r[j].value, ev->ip) == 0;
                 j++) {
                const struct m365_incident *inc = &x->v[r[j].incident];
                if (r[j].ip != SIZE_MAX && !r[j].own && ev->time_ms >= inc->first_ms &&
                    ev->time_ms <= ir[r[j].incident].ip_until[r[j].ip] &&
                    ((sk && !bearer_join(s, &bearers, sk, NULL, r[j].incident, ev->time_ms)) ||
                     (tk &&
                      !bearer_join(s, &bearers, tkey, tk, r[j].incident, ev->time_ms)))) {
                    st = M365_E_NOMEM;
                }
            }
        }
        /* A mail read: MailItemsAccessed, or a Graph request that read a mailbox's messages
         * and succeeded (MicrosoftGraphActivityLogs: logged whatever the mailbox's auditing). */
        bool graph = kind == M365_EV_GRAPH_REQUEST;
        if ((kind != M365_EV_MAIL_ACCESS && !graph) || !ev->mail || !ev->mail->mailbox_upn ||
            (graph && ev->result != M365_RESULT_SUCCESS)) {
            continue;
        }
        const char *mailbox = ev->mail->mailbox_upn;
        if (graph) { /* named by its owner's object id as often as by UPN */
            const char *upn = m365_scan_upn_of_id(s, mailbox);
            mailbox = upn ? upn : mailbox;
        }
        const struct bearer_link *held[2] = {
            sk ? m365_map_get(&bearers, sk, NULL) : NULL,
            tk ? m365_map_get(&bearers, tkey, &token_tag) : NULL};
        /* The event's own application first (ClientAppId, then AppId), then its address; each
         * looked up once, its entries r[at[c]…] (at[c] == k: none). */
        const char *v[3] = {ev->client_app_id, ev->app_id, ev->ip};
        size_t at[3];
        for (int c = 0; c < 3; c++) {
            at[c] = !v[c] || (c < 2 && m365_first_party_app(v[c])) ? k : reach_find(r, k, v[c]);
        }
        for (int c = 0; c < 3; c++) {
            for (size_t j = at[c]; j < k && strcmp(r[j].value, v[c]) == 0; j++) {
                struct incident_reads *d = &ir[r[j].incident];
                bool app = r[j].ip == SIZE_MAX;
                if (app != (c < 2) || d->seen == i + 1 || r[j].own ||
                    ev->time_ms < x->v[r[j].incident].first_ms ||
                    (!app && ev->time_ms > d->ip_until[r[j].ip])) {
                    continue;
                }
                d->seen = i + 1;
                d->via = v[c];
                if (!app && d->ip_until[r[j].ip] < ev->time_ms + window_ms) {
                    d->ip_until[r[j].ip] = ev->time_ms + window_ms;
                }
            }
        }
        /* A session taken over whole (a stolen cookie) is the owner's too: a read in it from an
         * address that had long signed people in is theirs, set aside. */
        for (int b = 0; b < 2; b++) {
            for (const struct bearer_link *l = held[b]; l; l = l->next) {
                struct incident_reads *d = &ir[l->incident];
                if (d->seen != i + 1 && ev->time_ms >= x->v[l->incident].first_ms &&
                    (!l->token || strcmp(l->token, tk) == 0)) {
                    if (tenants_own_address(&signed_in, ev->ip, l->from_ms)) {
                        d->aside_seen = i + 1;
                    } else {
                        d->seen = i + 1;
                        d->via = l->via;
                    }
                }
            }
        }
        for (int b = 0; b < 2; b++) {
            for (const struct bearer_link *l = held[b]; l; l = l->next) {
                struct incident_reads *d = &ir[l->incident];
                if (d->aside_seen == i + 1 && d->seen != i + 1) {
                    set_aside(d, ev);
                    d->aside_seen = SIZE_MAX;
                }
            }
        }
        /* Counted once per incident that reached it. */
        for (int c = 0; c < 3; c++) {
            for (size_t j = at[c]; j < k && strcmp(r[j].value, v[c]) == 0; j++) {
                struct incident_reads *d = &ir[r[j].incident];
                if (d->seen == i + 1) {
                    count_read(d, ev, mailbox);
                    d->seen = SIZE_MAX; /* counted */
                }
            }
        }
        for (int b = 0; b < 2; b++) {
            for (const struct bearer_link *l = held[b]; l; l = l->next) {
                struct incident_reads *d = &ir[l->incident];
                if (d->seen == i + 1) {
                    count_read(d, ev, mailbox);
                    d->seen = SIZE_MAX;
                }
            }
        }
    }
    bearers_free(&bearers);
    M365_MAP_EACH(&signed_in, slot)
    {
        free(slot->val);
    }
    m365_map_free(&signed_in);
    struct m365_arena *ar = m365_scan_arena(s);
    for (size_t q = 0; ir && q < x->n; q++) {
        finish_exposure(ar, &x->v[q], &ir[q].acc);
        x->v[q].set_aside = ir[q].aside;
        x->v[q].set_aside.ips = finish_list(ar, ir[q].aside_ips, &x->v[q].set_aside.n_ips);
        free(ir[q].ip_until);
    }
    free(ir);
    free(r);
    return st;
}

static void blind_spots(struct m365_scan *s, struct m365_detect_state *d,
                        struct m365_incident *inc)
{
    struct m365_arena *ar = m365_scan_arena(s);
    size_t nf = m365_detect_n_facts(d), k = 0;
    /* With a tenant snapshot: the incident's mailboxes (those its findings name and those it
     * read) that cannot log reads at all, for the whole incident. */
    const struct m365_snap_ctx *sc = m365_scan_snap_ctx(s);
    const struct m365_strlist *named = &inc->entities[M365_ENT_MAILBOXES];
    size_t ns = sc ? named->n + inc->n_exposed : 0;
    struct m365_blind_spot *b = nf + ns ? m365_arena_calloc(ar, (nf + ns) * sizeof(*b)) : NULL;
    for (size_t i = 0; b && i < ns; i++) {
        const char *mb = i < named->n ? named->items[i] : inc->exposed[i - named->n].mailbox;
        const char *why;
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++) {
            dup = strcmp(b[j].mailbox, mb) == 0;
        }
        if (dup || m365_snap_ctx_auditable(sc, mb, &why) != 0) {
            continue;
        }
        char text[160];
        snprintf(text, sizeof(text), "tenant snapshot: %s", why);
        b[k].mailbox = mb;
        b[k].reason = m365_arena_strndup(ar, text, strlen(text));
        b[k].from_ms = inc->first_ms;
        b[k].to_ms = M365_TIME_NONE;
        k += b[k].reason != NULL;
    }
    for (size_t i = 0; b && i < nf; i++) {
        const struct m365_audit_fact *f = m365_detect_fact(d, i);
        if (f->grantee) {
            continue; /* a handover, not a blind spot */
        }
        bool mine = in_list(&inc->entities[M365_ENT_USERS], f->mailbox) ||
                    in_list(&inc->entities[M365_ENT_MAILBOXES], f->mailbox);
        for (size_t e = 0; !mine && e < inc->n_exposed; e++) {
            mine = strcmp(inc->exposed[e].mailbox, f->mailbox) == 0;
        }
        if (!mine) {
            continue;
        }
        b[k].mailbox = f->mailbox;
        b[k].reason = f->throttled ? "throttled: Exchange stopped logging mailbox reads for 24 hours"
                                   : f->how ? f->how : "auditing switched off";
        b[k].from_ms = f->from_ms;
        b[k].to_ms = f->to_ms;
        k++;
    }
    inc->blind = b;
    inc->n_blind = k;
}

static void story(struct m365_scan *s, struct m365_detect_state *d, struct m365_incident *inc)
{
    struct m365_buf b;
    m365_buf_init(&b, 1u << 16);
    for (int ph = 0; ph < 6; ph++) {
        size_t shown = 0, total = 0;
        for (size_t i = 0; i < inc->n_findings; i++) {
            const struct m365_finding *f = m365_detect_finding(d, inc->findings[i]);
            if (m365_rule_phase(f->rule) != ph) {
                continue;
            }
            total++;
            if (shown < 3) {
                if (shown == 0) {
                    m365_buf_printf(&b, "%s%s: ", b.len ? " " : "", phase_names[ph]);
                } else {
                    m365_buf_puts(&b, " ");
                }
                const char *sum = f->summary && *f->summary ? f->summary : f->title;
                m365_buf_puts(&b, sum);
                if (b.len && b.data[b.len - 1] != '.') {
                    m365_buf_putc(&b, '.');
                }
                shown++;
            }
        }
        if (total > shown) {
            m365_buf_printf(&b, " (%zu more %s finding%s.)", total - shown,
                            phase_names[ph][0] == 'O' ? "other" : "such", total - shown > 1 ? "s" : "");
        }
    }
    if (inc->n_exposed) {
        uint64_t items = 0, graph = 0, bytes = 0;
        for (size_t i = 0; i < inc->n_exposed; i++) {
            items += inc->exposed[i].items;
            graph += inc->exposed[i].graph_requests;
            bytes += inc->exposed[i].graph_bytes;
        }
        m365_buf_printf(&b, " Exposure: %zu mailbox%s read (", inc->n_exposed,
                        inc->n_exposed > 1 ? "es" : "");
        if (items || !graph) {
            m365_buf_printf(&b, "%llu items%s", (unsigned long long)items, graph ? ", " : "");
        }
        if (graph) {
            m365_buf_printf(&b, "%llu Graph request%s", (unsigned long long)graph,
                            graph > 1 ? "s" : "");
        }
        if (bytes) { /* the only measure of what Graph returned: it counts no items */
            char size[32];
            m365_format_bytes(bytes, size, sizeof(size));
            m365_buf_printf(&b, " returning %s", size);
        }
        m365_buf_puts(&b, ").");
    }
    if (inc->set_aside.records) {
        m365_buf_printf(&b,
                        " Not counted: %llu mail read%s in the sessions or with the tokens the "
                        "attacker took, from addresses that had signed users in for two days or "
                        "more before (the owner's own use).",
                        (unsigned long long)inc->set_aside.records,
                        inc->set_aside.records > 1 ? "s" : "");
    }
    if (inc->n_blind) {
        m365_buf_printf(&b, " %zu mailbox%s could not be audited for part of the time.",
                        inc->n_blind, inc->n_blind > 1 ? "es" : "");
    }
    inc->story = b.failed ? "" : m365_arena_strndup(m365_scan_arena(s), b.data, b.len);
    m365_buf_free(&b);
}

enum m365_status m365_incidents_build(struct m365_scan *s, struct m365_detect_state *d,
                                      int64_t window_ms, struct m365_incidents **out)
{
    struct m365_incidents *x = calloc(1, sizeof(*x));
    if (!x) {
        return M365_E_NOMEM;
    }
    *out = x;
    size_t nf = m365_detect_n_findings(d);
    if (!nf) {
        return M365_OK;
    }
    size_t *parent = malloc(nf * sizeof(*parent));
    if (!parent) {
        return M365_E_NOMEM;
    }
    for (size_t i = 0; i < nf; i++) {
        parent[i] = i;
    }
    /* Entity -> findings that mention it (addresses also by their network). */
    struct m365_map ents = {0};
    for (size_t i = 0; i < nf; i++) {
        const struct m365_finding *f = m365_detect_finding(d, i);
        const struct m365_detection *det = m365_detection_find(f->rule);
        uint32_t targets = det ? det->target_entities : 0;
        for (int k = 0; k < M365_ENT__COUNT; k++) {
            if (targets & (1u << k)) {
                continue;
            }
            for (size_t e = 0; e < f->entities[k].n; e++) {
                const char *v = f->entities[k].items[e];
                if (!linking(s, k, v)) {
                    continue;
                }
                const char *keys[2] = {m365_scan_intern(s, v, strlen(v)), NULL};
                if (k == M365_ENT_IPS) {
                    keys[1] = m365_enrich_ip(m365_scan_enrich(s), keys[0])->prefix;
                }
                for (int q = 0; q < 2 && keys[q]; q++) {
                    struct ent_list *l = m365_map_obtain(
                        &ents, keys[q], (const void *)(uintptr_t)(k + 1), sizeof(*l), NULL);
                    if (!l) {
                        continue;
                    }
                    if (l->n == l->cap) {
                        size_t nc = l->cap ? l->cap * 2 : 4;
                        struct member *nm = realloc(l->v, nc * sizeof(*nm));
                        if (!nm) {
                            continue;
                        }
                        l->v = nm;
                        l->cap = nc;
                    }
                    l->v[l->n++] = (struct member){i, f->first_ms, f->last_ms};
                }
            }
        }
    }
    /* Low and informational findings (hygiene: a printer's SMTP AUTH, an app registered with
     * its secret) never bridge findings: each may only join the component of one medium-or-
     * higher finding it shares an entity with, so two of them cannot make an incident. */
    size_t *attach = malloc(nf * sizeof(*attach));
    if (!attach) {
        m365_map_free(&ents);
        free(parent);
        return M365_E_NOMEM;
    }
    for (size_t i = 0; i < nf; i++) {
        attach[i] = SIZE_MAX;
    }
#define M365_IS_LOW(idx) (m365_detect_finding(d, (idx))->severity < M365_SEV_MEDIUM)
    M365_MAP_EACH(&ents, slot)
    {
        struct ent_list *l = slot->val;
        m365_qsort(l->v, l->n, sizeof(*l->v), cmp_member);
        int64_t reach = INT64_MIN; /* latest last_seen so far in this entity's chain */
        size_t prev = SIZE_MAX;    /* the previous medium-or-higher member */
        for (size_t i = 0; i < l->n; i++) {
            if (M365_IS_LOW(l->v[i].finding)) {
                continue;
            }
            bool untimed = l->v[i].first == M365_TIME_NONE;
            if (prev != SIZE_MAX &&
                (untimed || reach == INT64_MIN || l->v[i].first - reach <= window_ms)) {
                unite(parent, l->v[prev].finding, l->v[i].finding);
            }
            if (!untimed && (reach == INT64_MIN || l->v[i].last > reach)) {
                reach = l->v[i].last;
            }
            prev = i;
        }
        for (size_t i = 0; i < l->n; i++) {
            size_t lo = l->v[i].finding;
            if (!M365_IS_LOW(lo)) {
                continue;
            }
            for (size_t j = 0; j < l->n; j++) {
                size_t hi = l->v[j].finding;
                if (M365_IS_LOW(hi)) {
                    continue;
                }
                bool near = l->v[i].first == M365_TIME_NONE || l->v[j].first == M365_TIME_NONE ||
                            (l->v[i].first - l->v[j].last <= window_ms &&
                             l->v[j].first - l->v[i].last <= window_ms);
                if (near && (attach[lo] == SIZE_MAX || hi < attach[lo])) {
                    attach[lo] = hi; /* the earliest such finding: deterministic */
                }
            }
        }
        free(l->v);
        free(l);
    }
#undef M365_IS_LOW
    for (size_t i = 0; i < nf; i++) {
        if (attach[i] != SIZE_MAX) {
            unite(parent, i, attach[i]);
        }
    }
    free(attach);
    m365_map_free(&ents);

    /* Components: an incident when it holds one finding at high or above, or two with one of
     * them at medium or above. */
    size_t *count = calloc(nf, sizeof(*count));
    enum m365_severity *maxsev = calloc(nf, sizeof(*maxsev));
    if (!count || !maxsev) {
        free(parent);
        free(count);
        free(maxsev);
        return M365_E_NOMEM;
    }
    for (size_t i = 0; i < nf; i++) {
        size_t r = find(parent, i);
        count[r]++;
        if (m365_detect_finding(d, i)->severity > maxsev[r]) {
            maxsev[r] = m365_detect_finding(d, i)->severity;
        }
    }
    struct m365_arena *ar = m365_scan_arena(s);
    /* Findings are sorted by first_seen, so roots in index order are incidents in time order. */
    size_t *number = calloc(nf, sizeof(*number));
    x->v = calloc(nf, sizeof(*x->v));
    if (!number || !x->v) {
        free(parent);
        free(count);
        free(maxsev);
        free(number);
        return M365_E_NOMEM;
    }
    for (size_t i = 0; i < nf; i++) {
        size_t r = find(parent, i);
        if (maxsev[r] < M365_SEV_MEDIUM || (count[r] < 2 && maxsev[r] < M365_SEV_HIGH)) {
            continue;
        }
        if (!number[r]) {
            number[r] = ++x->n;
            struct m365_incident *inc = &x->v[x->n - 1];
            inc->number = (int64_t)x->n;
            inc->severity = maxsev[r];
            inc->first_ms = inc->last_ms = M365_TIME_NONE;
            inc->findings = m365_arena_alloc(ar, count[r] * sizeof(size_t));
        }
        struct m365_incident *inc = &x->v[number[r] - 1];
        struct m365_finding *f = m365_detect_finding_mut(d, i);
        f->incident = inc->number;
        if (inc->findings) {
            ((size_t *)inc->findings)[inc->n_findings++] = i;
        }
        if (f->first_ms != M365_TIME_NONE &&
            (inc->first_ms == M365_TIME_NONE || f->first_ms < inc->first_ms)) {
            inc->first_ms = f->first_ms;
        }
        if (f->last_ms != M365_TIME_NONE &&
            (inc->last_ms == M365_TIME_NONE || f->last_ms > inc->last_ms)) {
            inc->last_ms = f->last_ms;
        }
    }
    for (size_t q = 0; q < x->n; q++) {
        struct m365_incident *inc = &x->v[q];
        for (int k = 0; k < M365_ENT__COUNT; k++) {
            size_t total = 0;
            for (size_t i = 0; i < inc->n_findings; i++) {
                total += m365_detect_finding(d, inc->findings[i])->entities[k].n;
            }
            const char **tmp = total ? malloc(total * sizeof(*tmp)) : NULL;
            size_t m = 0;
            for (size_t i = 0; tmp && i < inc->n_findings; i++) {
                const struct m365_finding *f = m365_detect_finding(d, inc->findings[i]);
                for (size_t e = 0; e < f->entities[k].n; e++) {
                    tmp[m++] = f->entities[k].items[e];
                }
            }
            inc->entities[k].n = m;
            inc->entities[k].items = tmp ? finish_list(ar, tmp, &inc->entities[k].n) : NULL;
            free(tmp);
        }
    }
    enum m365_status st = exposure(s, d, x, window_ms);
    for (size_t q = 0; st == M365_OK && q < x->n; q++) {
        blind_spots(s, d, &x->v[q]);
        story(s, d, &x->v[q]);
    }
    free(parent);
    free(count);
    free(maxsev);
    free(number);
    return st;
}

size_t m365_incidents_count(const struct m365_incidents *x) { return x ? x->n : 0; }

const struct m365_incident *m365_incidents_get(const struct m365_incidents *x, size_t i)
{
    return x && i < x->n ? &x->v[i] : NULL;
}

void m365_incidents_free(struct m365_incidents *x)
{
    if (x) {
        free(x->v);
        free(x);
    }
}
