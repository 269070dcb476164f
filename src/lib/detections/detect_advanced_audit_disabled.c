/* advanced-audit-disabled: mailbox auditing (MailItemsAccessed) or the audit log itself switched
 * off: M365_ADVANCED_AUDITING disabled or removed in a user's licence, Set-Mailbox audit
 * settings, audit bypass, Set-AdminAuditLogConfig, Set-OrganizationConfig. Each window (off, and
 * on again if it comes back) is kept per affected user and published as an audit fact for the
 * rules and the coverage report that follow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../engine/detect.h"
#include "exo_common.h"
#include "m365_ids.h"
#include "../core/sort.h"

struct cfg {
    int64_t access_window; /* another account reading an affected mailbox this soon: critical */
    bool new_actor_critical;
};

static const struct m365_param_def params[] = {
    M365_PARAM("access_window", M365_PARAM_DURATION, "24h", struct cfg, access_window,
               "another account reading an affected mailbox (MailItemsAccessed) this soon after "
               "auditing went off makes the finding critical"),
    M365_PARAM("new_actor_critical", M365_PARAM_BOOL, "true", struct cfg, new_actor_critical,
               "critical when the actor was created in the evidence, or has made no licence or "
               "audit change before while other admins did"),
};

/* What was switched off; "on" closes an open window of the same class only. */
enum cls {
    CLS_LICENCE = 0,  /* M365_ADVANCED_AUDITING plan (licence or assigned plan) */
    CLS_MAILBOX,      /* Set-Mailbox -AuditEnabled */
    CLS_ACTIONS,      /* MailItemsAccessed dropped from AuditOwner / AuditDelegate / AuditAdmin */
    CLS_BYPASS,       /* Set-MailboxAuditBypassAssociation: the account's actions are not logged */
    CLS_TENANT_UAL,   /* Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled */
    CLS_TENANT_ADMIN, /* Set-AdminAuditLogConfig -AdminAuditLogEnabled */
    CLS_TENANT_MBX,   /* Set-OrganizationConfig -AuditDisabled */
    CLS__COUNT
};
static bool cls_tenant(enum cls c)
{
    return c >= CLS_TENANT_UAL;
}

#define MAX_WINDOWS 4096
#define MAX_PER_SUBJECT 8
#define MAX_ACCESS_EV 5
#define MAX_ALSO 4
#define MAX_GRANTS 4096

struct window {
    const char *subject; /* lower-case UPN, identity as given, or "tenant" */
    const char *ident;   /* cmdlet identity as written (resolved again at the end), or NULL */
    enum cls cls;
    const char *how;
    const char *actor;
    const struct m365_event *off, *on;
    const char *on_by;
    /* MailItemsAccessed by other accounts within access_window: by accounts given FullAccess
     * on the mailbox before they read it (grantee_*), and by anyone else. */
    uint32_t accesses, grantee_accesses;
    const struct m365_event *access_ev[MAX_ACCESS_EV], *grantee_ev[MAX_ACCESS_EV];
    const struct m365_event *also[MAX_ALSO]; /* other records of the same change */
    uint32_t n_also;
    uint32_t n_access_ev, n_grantee_ev;
    bool actor_new, actor_unusual, actor_system;
    /* A leaver: the account was disabled (or deleted) before the licence went, or within a day
     * after, and not enabled again. */
    const struct account *leaver;
};

/* An account's last disable (or deletion) and enable in the evidence. */
struct account {
    int64_t disabled, enabled; /* M365_TIME_NONE: not seen */
    const char *disabled_by;
};

/* Add-MailboxPermission ... -AccessRights FullAccess: who was given which mailbox. */
struct grant {
    const char *mailbox, *mailbox_ident, *grantee, *grantee_ident;
    int64_t t;
};

struct state {
    struct m365_exo_dir dir;
    struct window *w;
    size_t n, cap;
    uint32_t dropped;
    struct m365_map open;     /* (subject, class marker) -> window index + 1 */
    struct m365_map count;    /* subject -> windows opened */
    struct m365_map changers; /* actor -> 1: made a licence / audit change already */
    struct m365_map accounts; /* subject, or target object id -> struct account * */
    struct m365_arena arena;  /* accounts */
    struct grant *grants;
    size_t n_grants, cap_grants;
    bool any_change;
    const char *tenant_key;
    const char *cls_key[CLS__COUNT]; /* stable addresses used as the map's second key */
    bool have_mail;
};

static const char cls_marks[CLS__COUNT] = {0};

static void init(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    if (!m365_dctx_has_kind(dc, M365_EV_DIRECTORY) &&
        !m365_dctx_has_kind(dc, M365_EV_EXCHANGE_ADMIN)) {
        m365_dctx_not_evaluated(dc, "needs Entra audit records (licence changes) or Exchange "
                                    "admin cmdlets; the evidence holds neither");
        return;
    }
    s->tenant_key = m365_dctx_intern(dc, "tenant", 6);
    m365_arena_init(&s->arena, 16 * 1024);
    for (int i = 0; i < CLS__COUNT; i++) {
        s->cls_key[i] = &cls_marks[i];
    }
    s->have_mail = m365_dctx_has_kind(dc, M365_EV_MAIL_ACCESS);
}

/* --- licence values ------------------------------------------------------------------------ */

struct lic {
    const char *sku;
    size_t sku_len;
    bool carries, disabled;
};

static const char *ifind(const char *hay, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; p && p + n <= end; p++) {
        if (m365_ieqn(p, n, needle)) {
            return p;
        }
    }
    return NULL;
}

static bool names_audit_plan(const char *p, const char *e)
{
    char buf[1024];
    size_t n = (size_t)(e - p) < sizeof(buf) - 1 ? (size_t)(e - p) : sizeof(buf) - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return m365_exo_list_has(buf, M365_PLAN_ADVANCED_AUDITING) ||
           m365_exo_list_has(buf, M365_PLAN_ADVANCED_AUDITING_ID);
}

/* "[SkuName=SPE_E5, AccountId=…, SkuId=…, DisabledPlans=[A, B]]", one per licence. */
static size_t parse_licences(const char *v, struct lic *out, size_t max)
{
    if (!v) {
        return 0;
    }
    const char *end = v + strlen(v);
    const char *key = ifind(v, end, "SkuName=") ? "SkuName=" : "SkuId=";
    size_t n = 0;
    for (const char *p = ifind(v, end, key); p && n < max;) {
        const char *val = p + strlen(key);
        const char *next = ifind(val, end, key);
        const char *stop = next ? next : end;
        const char *e = val;
        while (e < stop && *e != ',' && *e != ']' && *e != ' ') {
            e++;
        }
        struct lic *l = &out[n++];
        l->sku = val;
        l->sku_len = (size_t)(e - val);
        l->disabled = false;
        const char *dp = ifind(val, stop, "DisabledPlans=");
        if (dp) {
            const char *o = strchr(dp, '[');
            const char *c = o && o < stop ? strchr(o, ']') : NULL;
            if (c && c <= stop) {
                l->disabled = names_audit_plan(o + 1, c);
            }
        }
        l->carries = l->disabled || m365_sku_has_advanced_auditing(l->sku, l->sku_len);
        p = next;
    }
    return n;
}

static bool has_auditing(const struct lic *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (l[i].carries && !l[i].disabled) {
            return true;
        }
    }
    return false;
}

static const struct lic *same_sku(const struct lic *l, size_t n, const struct lic *k)
{
    for (size_t i = 0; i < n; i++) {
        bool eq = l[i].sku_len == k->sku_len && k->sku_len > 0;
        for (size_t j = 0; eq && j < k->sku_len; j++) {
            eq = (l[i].sku[j] | 0x20) == (k->sku[j] | 0x20);
        }
        if (eq) {
            return &l[i];
        }
    }
    return NULL;
}

/* 1 auditing switched on, -1 off, 0 no change to it; *how describes the change. */
static int licence_change(const struct m365_modprop *p, char *how, size_t hs)
{
    struct lic o[16], nw[16];
    size_t no = parse_licences(p->old_value, o, 16), nn = parse_licences(p->new_value, nw, 16);
    /* Every licence removed: the new value is "[]", which the readers give as no value. */
    if (!p->new_value && !p->old_value) {
        return 0;
    }
    for (size_t i = 0; i < nn; i++) {
        const struct lic *was = same_sku(o, no, &nw[i]);
        if (was && !was->disabled && nw[i].disabled) {
            snprintf(how, hs, "%s disabled in licence %.*s", M365_PLAN_ADVANCED_AUDITING,
                     (int)nw[i].sku_len, nw[i].sku);
            return -1;
        }
        if (was && was->disabled && !nw[i].disabled) {
            snprintf(how, hs, "%s enabled again in licence %.*s", M365_PLAN_ADVANCED_AUDITING,
                     (int)nw[i].sku_len, nw[i].sku);
            return 1;
        }
    }
    bool before = has_auditing(o, no), after = has_auditing(nw, nn);
    if (before && !after) {
        for (size_t i = 0; i < no; i++) {
            if (o[i].carries && !o[i].disabled && !same_sku(nw, nn, &o[i])) {
                snprintf(how, hs, "licence %.*s, which carried %s, removed", (int)o[i].sku_len,
                         o[i].sku, M365_PLAN_ADVANCED_AUDITING);
                return -1;
            }
        }
        snprintf(how, hs, "%s no longer in any licence", M365_PLAN_ADVANCED_AUDITING);
        return -1;
    }
    if (!before && after) {
        snprintf(how, hs, "licence with %s assigned", M365_PLAN_ADVANCED_AUDITING);
        return 1;
    }
    return 0;
}

enum plan_state { PLAN_ABSENT = 0, PLAN_OFF = 1, PLAN_ON = 2 };

/* The auditing plan in an AssignedPlan value (JSON objects or "[…, CapabilityStatus=…,
 * ServicePlanId=…]" entries): enabled if any entry for it is Enabled (status 0). */
static enum plan_state plan_state(const char *v, char *status, size_t ss)
{
    if (!v) {
        return PLAN_ABSENT;
    }
    const char *end = v + strlen(v);
    enum plan_state st = PLAN_ABSENT;
    for (const char *p = ifind(v, end, M365_PLAN_ADVANCED_AUDITING_ID); p;
         p = ifind(p + 1, end, M365_PLAN_ADVANCED_AUDITING_ID)) {
        const char *b = p;
        while (b > v && b[-1] != '{' && b[-1] != '[') {
            b--;
        }
        const char *e = p;
        while (e < end && *e != '}' && *e != ']') {
            e++;
        }
        const char *cs = ifind(b, e, "CapabilityStatus");
        bool on = true;
        if (cs) {
            cs += strlen("CapabilityStatus");
            while (cs < e && (*cs == '"' || *cs == ':' || *cs == '=' || *cs == ' ')) {
                cs++;
            }
            const char *ce = cs;
            while (ce < e && *ce != '"' && *ce != ',' && *ce != ' ' && *ce != '}' && *ce != ']') {
                ce++;
            }
            size_t cl = (size_t)(ce - cs);
            on = m365_ieqn(cs, cl, "Enabled") || m365_ieqn(cs, cl, "0") || cl == 0;
            if (!on && status) {
                snprintf(status, ss, "%.*s", (int)(cl < 32 ? cl : 32), cs);
            }
        }
        if (on) {
            st = PLAN_ON;
        } else if (st == PLAN_ABSENT) {
            st = PLAN_OFF;
        }
    }
    return st;
}

static int assigned_plan_change(const struct m365_modprop *p, char *how, size_t hs)
{
    if (!p->new_value && !p->old_value) {
        return 0;
    }
    char status[40] = "removed";
    enum plan_state was = plan_state(p->old_value, NULL, 0);
    enum plan_state now = plan_state(p->new_value, status, sizeof(status));
    if (was == PLAN_ON && now != PLAN_ON) {
        snprintf(how, hs, "assigned plan %s (%s) %s%s", M365_PLAN_ADVANCED_AUDITING,
                 M365_PLAN_ADVANCED_AUDITING_ID, now == PLAN_OFF ? "now " : "",
                 now == PLAN_OFF ? status : "removed");
        return -1;
    }
    if (was != PLAN_ON && now == PLAN_ON && p->old_value) {
        snprintf(how, hs, "assigned plan %s enabled", M365_PLAN_ADVANCED_AUDITING);
        return 1;
    }
    return 0;
}

/* The user a modified property belongs to. */
static const char *prop_user(const struct m365_event *ev, const struct m365_modprop *p)
{
    const struct m365_target *t = NULL;
    if (p->target < ev->n_targets) {
        t = &ev->targets[p->target];
    }
    for (uint32_t i = 0; !t && i < ev->n_targets; i++) {
        if (!ev->targets[i].type || m365_ieq(ev->targets[i].type, "User")) {
            t = &ev->targets[i];
        }
    }
    if (!t) {
        return m365_event_extra(ev, "ObjectId");
    }
    return t->upn ? t->upn : t->id;
}

/* --- windows ------------------------------------------------------------------------------- */

static struct window *open_window(struct state *s, const char *subject, enum cls c)
{
    size_t idx = (size_t)(uintptr_t)m365_map_get(&s->open, subject, s->cls_key[c]);
    return idx ? &s->w[idx - 1] : NULL;
}

static void change(struct m365_dctx *dc, struct state *s, const struct m365_event *ev,
                   const char *subject, const char *ident, enum cls c, int dir, const char *how)
{
    const char *actor = m365_exo_actor(ev);
    struct window *w = subject ? open_window(s, subject, c) : NULL;
    if (dir > 0) {
        if (w && !w->on) {
            w->on = m365_dctx_keep(dc, ev);
            w->on_by = actor;
            void **slot = m365_map_put(&s->open, subject, s->cls_key[c]);
            if (slot) {
                *slot = NULL;
            }
        }
        return;
    }
    if (!subject) {
        return;
    }
    if (w) {
        /* Already off (Entra logs "Change user license" and "Update user" for one change). */
        if (w->n_also < MAX_ALSO && (!actor || !w->actor || strcmp(actor, w->actor) == 0)) {
            w->also[w->n_also++] = m365_dctx_keep(dc, ev);
        }
        return;
    }
    void **cnt = m365_map_put(&s->count, subject, NULL);
    if (!cnt || (uintptr_t)*cnt >= MAX_PER_SUBJECT || s->n >= MAX_WINDOWS) {
        s->dropped++;
        return;
    }
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        struct window *nw = realloc(s->w, nc * sizeof(*nw));
        if (!nw) {
            s->dropped++;
            return;
        }
        s->w = nw;
        s->cap = nc;
    }
    *cnt = (void *)((uintptr_t)*cnt + 1);
    w = &s->w[s->n++];
    memset(w, 0, sizeof(*w));
    w->subject = subject;
    w->ident = ident;
    w->cls = c;
    w->how = m365_dctx_intern(dc, how, strlen(how));
    w->actor = actor;
    w->off = m365_dctx_keep(dc, ev);
    w->actor_system = m365_exo_system_actor(ev);
    const char *who = ev->actor_upn ? m365_exo_dir_resolve(&s->dir, dc, ev->actor_upn) : NULL;
    const struct m365_event *made = m365_exo_dir_created(&s->dir, who);
    w->actor_new = made && made->seq < ev->seq;
    w->actor_unusual = s->any_change && actor && !m365_map_get(&s->changers, actor, NULL);
    void **slot = m365_map_put(&s->open, subject, s->cls_key[c]);
    if (slot) {
        *slot = (void *)(uintptr_t)s->n;
    }
}

static void note_changer(struct state *s, const struct m365_event *ev)
{
    const char *actor = m365_exo_actor(ev);
    if (actor) {
        void **slot = m365_map_put(&s->changers, actor, NULL);
        if (slot) {
            *slot = (void *)1;
        }
    }
    s->any_change = true;
}

static struct account *account(struct state *s, const char *key)
{
    void **slot = key ? m365_map_put(&s->accounts, key, NULL) : NULL;
    if (slot && !*slot) {
        struct account *a = m365_arena_calloc(&s->arena, sizeof(*a));
        if (a) {
            a->disabled = a->enabled = M365_TIME_NONE;
        }
        *slot = a;
    }
    return slot ? *slot : NULL;
}

/* A user account disabled (AccountEnabled true -> false, "Disable account", "Delete user") or
 * enabled again; kept by name and by object id (a deleted user's UPN is rewritten). */
static void note_account(struct m365_dctx *dc, struct state *s, const struct m365_event *ev,
                         const struct m365_target *t, const char *user, bool enabled)
{
    const char *keys[2] = {user ? m365_exo_dir_name(&s->dir, dc, user) : NULL,
                           t && t->id ? m365_dctx_intern_lower(dc, t->id, strlen(t->id)) : NULL};
    for (int i = 0; i < 2; i++) {
        struct account *a = account(s, keys[i]);
        if (!a) {
            continue;
        }
        if (enabled) {
            a->enabled = ev->time_ms;
        } else {
            a->disabled = ev->time_ms;
            a->disabled_by = m365_exo_actor(ev);
        }
    }
}

static void observe_account(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    if (ev->operation && m365_ieq(ev->operation, "Delete user")) {
        for (uint32_t i = 0; i < ev->n_targets; i++) {
            const struct m365_target *t = &ev->targets[i];
            if (!t->type || m365_ieq(t->type, "User")) {
                note_account(dc, s, ev, t, t->upn, false);
                return;
            }
        }
        return;
    }
    for (uint32_t i = 0; i < ev->n_props; i++) {
        const struct m365_modprop *p = &ev->props[i];
        if (!p->name || !m365_ieq(p->name, "AccountEnabled") || !p->old_value ||
            !p->new_value) {
            continue; /* a new account's is no change */
        }
        bool was = m365_icontains(p->old_value, "true"), now = m365_icontains(p->new_value, "true");
        if (was != now) {
            const struct m365_target *t = p->target < ev->n_targets ? &ev->targets[p->target]
                                                                   : NULL;
            note_account(dc, s, ev, t, prop_user(ev, p), now);
        }
    }
}

static void observe_directory(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    bool touched = false;
    observe_account(dc, s, ev);
    for (uint32_t i = 0; i < ev->n_props; i++) {
        const struct m365_modprop *p = &ev->props[i];
        if (!p->name) {
            continue;
        }
        char how[256];
        int dir = 0;
        if (m365_ieq(p->name, "AssignedLicense")) {
            dir = licence_change(p, how, sizeof(how));
            touched = true;
        } else if (m365_ieq(p->name, "AssignedPlan")) {
            dir = assigned_plan_change(p, how, sizeof(how));
            touched = true;
        }
        if (dir) {
            const char *user = prop_user(ev, p);
            const char *subject = m365_exo_dir_name(&s->dir, dc, user);
            change(dc, s, ev, subject, user, CLS_LICENCE, dir, how);
        }
    }
    if (touched) {
        note_changer(s, ev);
    }
}

/* Set-Mailbox audit lists: MailItemsAccessed removed (-1), kept (1), not touched (0). */
static int actions_change(const struct m365_event *ev, const char **which)
{
    static const char *const lists[] = {"AuditOwner", "AuditDelegate", "AuditAdmin"};
    int r = 0;
    for (size_t i = 0; i < 3; i++) {
        const char *v = m365_event_param(ev, lists[i]);
        if (!v) {
            continue;
        }
        bool has = m365_exo_list_has(v, "MailItemsAccessed");
        bool removes = m365_icontains(v, "Remove");
        bool adds = m365_icontains(v, "Add");
        if ((has && removes) || (!has && !adds)) {
            *which = lists[i];
            return -1;
        }
        if (has) {
            r = 1;
        }
    }
    return r;
}

static void note_grant(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    const char *ident = m365_event_param(ev, "Identity"), *user = m365_event_param(ev, "User");
    const char *rights = m365_event_param(ev, "AccessRights");
    if (!ident || !user || !rights || !m365_exo_list_has(rights, "FullAccess") ||
        ev->time_ms == M365_TIME_NONE || s->n_grants >= MAX_GRANTS) {
        return;
    }
    if (s->n_grants == s->cap_grants) {
        size_t nc = s->cap_grants ? s->cap_grants * 2 : 16;
        struct grant *ng = realloc(s->grants, nc * sizeof(*ng));
        if (!ng) {
            return;
        }
        s->grants = ng;
        s->cap_grants = nc;
    }
    struct grant *g = &s->grants[s->n_grants++];
    g->mailbox_ident = m365_dctx_intern(dc, ident, strlen(ident));
    g->grantee_ident = m365_dctx_intern(dc, user, strlen(user));
    g->mailbox = m365_exo_dir_name_in(&s->dir, dc, ident, ev);
    g->grantee = m365_exo_dir_name_in(&s->dir, dc, user, ev);
    g->t = ev->time_ms;
}

/* Whether the reader was given FullAccess on the mailbox before reading it. */
static bool granted(const struct state *s, const char *mailbox, const char *reader, int64_t t)
{
    for (size_t i = 0; reader && i < s->n_grants; i++) {
        const struct grant *g = &s->grants[i];
        if (g->t <= t && g->mailbox && g->grantee && m365_ieq(g->mailbox, mailbox) &&
            m365_ieq(g->grantee, reader)) {
            return true;
        }
    }
    return false;
}

static void observe_exchange(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    const char *op = ev->operation;
    char how[256];
    bool touched = false;
    if (m365_ieq(op, "Set-Mailbox")) {
        const char *ident = m365_event_param(ev, "Identity");
        const char *subject = m365_exo_dir_name_in(&s->dir, dc, ident, ev);
        int on = m365_exo_param_bool(ev, "AuditEnabled");
        if (on >= 0) {
            snprintf(how, sizeof(how), "mailbox auditing %s (Set-Mailbox -AuditEnabled %s)",
                     on ? "turned on" : "turned off", on ? "$true" : "$false");
            change(dc, s, ev, subject, ident, CLS_MAILBOX, on ? 1 : -1, how);
            touched = true;
        }
        const char *which = NULL;
        int a = actions_change(ev, &which);
        if (a) {
            snprintf(how, sizeof(how), "MailItemsAccessed %s %s (Set-Mailbox)",
                     a < 0 ? "removed from" : "audited again in",
                     which ? which : "the audit lists");
            change(dc, s, ev, subject, ident, CLS_ACTIONS, a, how);
            touched = true;
        }
    } else if (m365_ieq(op, "Add-MailboxPermission")) {
        note_grant(dc, s, ev);
    } else if (m365_ieq(op, "Set-MailboxAuditBypassAssociation")) {
        const char *ident = m365_event_param(ev, "Identity");
        int on = m365_exo_param_bool(ev, "AuditBypassEnabled");
        if (on >= 0) {
            snprintf(how, sizeof(how), "audit bypass %s: the account's mailbox actions %s logged",
                     on ? "enabled" : "disabled", on ? "are not" : "are");
            change(dc, s, ev, m365_exo_dir_name_in(&s->dir, dc, ident, ev), ident, CLS_BYPASS,
                   on ? -1 : 1, how);
            touched = true;
        }
    } else if (m365_ieq(op, "Set-AdminAuditLogConfig")) {
        int ual = m365_exo_param_bool(ev, "UnifiedAuditLogIngestionEnabled");
        if (ual >= 0) {
            snprintf(how, sizeof(how), "unified audit log ingestion %s for the tenant",
                     ual ? "turned on" : "turned off");
            change(dc, s, ev, s->tenant_key, NULL, CLS_TENANT_UAL, ual ? 1 : -1, how);
            touched = true;
        }
        int adm = m365_exo_param_bool(ev, "AdminAuditLogEnabled");
        if (adm >= 0) {
            snprintf(how, sizeof(how), "Exchange admin audit log %s for the tenant",
                     adm ? "turned on" : "turned off");
            change(dc, s, ev, s->tenant_key, NULL, CLS_TENANT_ADMIN, adm ? 1 : -1, how);
            touched = true;
        }
    } else if (m365_ieq(op, "Set-OrganizationConfig")) {
        int off = m365_exo_param_bool(ev, "AuditDisabled");
        if (off >= 0) {
            snprintf(how, sizeof(how), "mailbox auditing %s for the whole organisation "
                                       "(Set-OrganizationConfig -AuditDisabled %s)",
                     off ? "turned off" : "turned on", off ? "$true" : "$false");
            change(dc, s, ev, s->tenant_key, NULL, CLS_TENANT_MBX, off ? -1 : 1, how);
            touched = true;
        }
    }
    if (touched) {
        note_changer(s, ev);
    }
}

/* Another account reading a mailbox whose auditing was just switched off. */
static void observe_access(struct m365_dctx *dc, const struct cfg *c, struct state *s,
                           const struct m365_event *ev)
{
    const struct m365_mail_access *m = ev->mail;
    if (!m || !m->mailbox_upn || ev->time_ms == M365_TIME_NONE) {
        return;
    }
    bool other = (m->logon_type > 0) ||
                 (m->logon_user_sid && m->mailbox_owner_sid &&
                  strcmp(m->logon_user_sid, m->mailbox_owner_sid) != 0) ||
                 (ev->actor_upn && strcmp(ev->actor_upn, m->mailbox_upn) != 0);
    if (!other) {
        return;
    }
    for (int k = CLS_LICENCE; k <= CLS_ACTIONS; k++) {
        struct window *w = open_window(s, m->mailbox_upn, (enum cls)k);
        if (!w || w->off->time_ms == M365_TIME_NONE || ev->time_ms < w->off->time_ms ||
            ev->time_ms - w->off->time_ms > c->access_window) {
            continue;
        }
        if (granted(s, m->mailbox_upn, ev->actor_upn, ev->time_ms)) {
            w->grantee_accesses++;
            if (w->n_grantee_ev < MAX_ACCESS_EV) {
                w->grantee_ev[w->n_grantee_ev++] = m365_dctx_keep(dc, ev);
            }
            continue;
        }
        w->accesses++;
        if (w->n_access_ev < MAX_ACCESS_EV) {
            w->access_ev[w->n_access_ev++] = m365_dctx_keep(dc, ev);
        }
    }
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    m365_exo_dir_observe(&s->dir, dc, ev);
    if (ev->result == M365_RESULT_FAILURE) {
        return;
    }
    if (ev->kind == M365_EV_MAIL_ACCESS) {
        observe_access(dc, c, s, ev);
    } else if (ev->kind == M365_EV_DIRECTORY) {
        observe_directory(dc, s, ev);
    } else if (ev->kind == M365_EV_EXCHANGE_ADMIN && ev->operation && !m365_exo_system_actor(ev)) {
        observe_exchange(dc, s, ev);
    }
}

/* --- findings ------------------------------------------------------------------------------ */

static int cmp_window(const void *a, const void *b)
{
    const struct window *x = *(const struct window *const *)a;
    const struct window *y = *(const struct window *const *)b;
    int c = strcmp(x->subject, y->subject);
    if (c) {
        return c;
    }
    return x->off->seq < y->off->seq ? -1 : x->off->seq > y->off->seq;
}

/* The first read of the mailbox by another account after the change. */
static const struct m365_event *first_read(const struct window *w)
{
    const struct m365_event *a = w->n_access_ev ? w->access_ev[0] : NULL;
    const struct m365_event *g = w->n_grantee_ev ? w->grantee_ev[0] : NULL;
    return !a ? g : !g ? a : g->seq < a->seq ? g : a;
}

static void report(struct m365_dctx *dc, struct state *s, const char *actor, struct window **ws,
                   size_t n)
{
    const struct cfg *c = m365_dctx_cfg(dc);
    bool accessed = false, is_new = false, unusual = false, all_system = true, open_any = false;
    bool all_leavers = true;
    size_t n_users = 0;
    for (size_t i = 0; i < n; i++) {
        /* A leaver's mailbox handed to a colleague is read by that colleague next. */
        accessed |= ws[i]->accesses > 0 || (!ws[i]->leaver && ws[i]->grantee_accesses > 0);
        is_new |= ws[i]->actor_new;
        unusual |= ws[i]->actor_unusual;
        all_system &= ws[i]->actor_system;
        all_leavers &= ws[i]->leaver != NULL;
        open_any |= ws[i]->on == NULL;
        n_users += !cls_tenant(ws[i]->cls);
    }
    enum m365_severity sev = M365_SEV_HIGH;
    if (accessed || (c->new_actor_critical && (is_new || (unusual && !all_leavers)))) {
        sev = M365_SEV_CRITICAL;
    } else if (all_leavers) {
        sev = M365_SEV_LOW; /* offboarding: the licence goes with the account */
    } else if (all_system) {
        sev = M365_SEV_MEDIUM; /* Microsoft's own service (group-based licensing) did it */
    }
    struct m365_fb *fb = m365_fb_begin(dc, sev);
    if (!fb) {
        return;
    }
    const struct m365_event *first = ws[0]->off;
    if (first->actor_upn) {
        m365_fb_entity(fb, M365_ENT_USERS, first->actor_upn);
    } else if (first->actor_type == M365_ACTOR_SERVICE_PRINCIPAL) {
        m365_fb_entity(fb, M365_ENT_SERVICE_PRINCIPALS, first->actor_app_id ? first->actor_app_id
                                                                             : first->actor_id);
        m365_fb_entity(fb, M365_ENT_APPS, first->actor_name);
    }
    for (size_t i = 0; i < n; i++) {
        struct window *w = ws[i];
        m365_fb_event(fb, w->off);
        for (uint32_t k = 0; k < w->n_also; k++) {
            m365_fb_event(fb, w->also[k]);
        }
        if (w->on) {
            m365_fb_event(fb, w->on);
        }
        if (w->off->ip) {
            m365_fb_entity(fb, M365_ENT_IPS, w->off->ip);
        }
        for (uint32_t k = 0; k < w->n_access_ev; k++) {
            m365_fb_event(fb, w->access_ev[k]);
            m365_fb_entity(fb, M365_ENT_USERS, w->access_ev[k]->actor_upn);
        }
        for (uint32_t k = 0; k < w->n_grantee_ev; k++) {
            m365_fb_event(fb, w->grantee_ev[k]);
            if (!w->leaver) {
                m365_fb_entity(fb, M365_ENT_USERS, w->grantee_ev[k]->actor_upn);
            }
        }
        if (!cls_tenant(w->cls)) {
            m365_fb_entity(fb, M365_ENT_USERS, w->subject);
            m365_fb_entity(fb, M365_ENT_MAILBOXES, w->subject);
        }
    }
    int *fp;
    struct m365_buf *d = m365_fb_details(fb, &fp);
    m365_json_key(d, fp, "actor");
    m365_json_cstr(d, actor);
    for (int tenant = 0; tenant < 2; tenant++) {
        m365_json_key(d, fp, tenant ? "tenant_settings" : "users");
        m365_buf_putc(d, '[');
        int firstw = 1;
        for (size_t i = 0; i < n; i++) {
            struct window *w = ws[i];
            if (cls_tenant(w->cls) != (tenant == 1)) {
                continue;
            }
            int f = 1;
            m365_buf_puts(d, firstw ? "{" : ",{");
            firstw = 0;
            if (!tenant) {
                m365_json_key(d, &f, "user");
                m365_json_cstr(d, w->subject);
            }
            m365_json_key(d, &f, "disabled_at");
            m365_json_time(d, w->off->time_ms);
            m365_json_key(d, &f, "reenabled_at");
            if (w->on) {
                m365_json_time(d, w->on->time_ms);
            } else {
                m365_buf_puts(d, "null");
            }
            m365_json_key(d, &f, "how");
            m365_json_cstr(d, w->how);
            m365_json_key(d, &f, "by");
            m365_json_cstr(d, w->actor);
            if (w->on) {
                m365_json_key(d, &f, "reenabled_by");
                m365_json_cstr(d, w->on_by);
            }
            if (!tenant) {
                m365_json_key(d, &f, "read_by_others_after");
                m365_buf_printf(d, "%u", w->accesses + w->grantee_accesses);
                const struct m365_event *fr = first_read(w);
                if (fr) {
                    m365_json_key(d, &f, "first_read_after");
                    m365_json_time(d, fr->time_ms);
                    m365_json_key(d, &f, "first_reader");
                    m365_json_cstr(d, m365_exo_actor(fr));
                }
                if (w->grantee_accesses) {
                    m365_json_key(d, &f, "read_by_grantees_after");
                    m365_buf_printf(d, "%u", w->grantee_accesses);
                }
                if (w->leaver) {
                    m365_json_key(d, &f, "account_disabled_at");
                    m365_json_time(d, w->leaver->disabled);
                    m365_json_key(d, &f, "account_disabled_by");
                    m365_json_cstr(d, w->leaver->disabled_by);
                }
            }
            m365_buf_putc(d, '}');
        }
        m365_buf_putc(d, ']');
    }
    m365_json_key(d, fp, "still_disabled");
    m365_buf_puts(d, open_any ? "true" : "false");
    if (all_leavers) {
        m365_json_key(d, fp, "offboarding");
        m365_buf_puts(d, "true");
    }
    m365_json_key(d, fp, "actor_created_in_evidence");
    m365_buf_puts(d, is_new ? "true" : "false");
    m365_json_key(d, fp, "actor_first_licence_or_audit_change");
    m365_buf_puts(d, unusual ? "true" : "false");
    if (s->dropped) {
        m365_json_key(d, fp, "changes_not_tracked");
        m365_buf_printf(d, "%u", s->dropped);
    }
    m365_json_key(d, fp, "mail_access_checked");
    m365_buf_puts(d, s->have_mail ? "true" : "false");
    if (!s->have_mail && n_users) {
        m365_json_key(d, fp, "note");
        m365_json_cstr(d, "no MailItemsAccessed records in the evidence: reads of the affected "
                          "mailboxes after the change could not be checked");
    }

    /* Summary: what was switched off, for whom (up to three changes). */
    struct m365_buf t;
    m365_buf_init(&t, 4096);
    for (size_t i = 0; i < n && i < 3; i++) {
        m365_buf_printf(&t, "%s%s", i ? "; " : "", ws[i]->how);
        if (!cls_tenant(ws[i]->cls)) {
            m365_buf_printf(&t, " for %s", ws[i]->subject);
        }
    }
    if (n > 3) {
        m365_buf_printf(&t, "; and %zu more", n - 3);
    }
    const char *tail = open_any ? "; still off at the end of the evidence"
                                : "; switched back on later";
    /* The read that raised it: by someone not given the mailbox, else (not a leaver's) by one
     * who was. */
    const struct window *acc = NULL;
    const struct m365_event *ar = NULL;
    for (size_t i = 0; i < n && !ar; i++) {
        acc = ws[i];
        ar = acc->n_access_ev ? acc->access_ev[0] : NULL;
    }
    for (size_t i = 0; i < n && !ar; i++) {
        acc = ws[i];
        ar = !acc->leaver && acc->n_grantee_ev ? acc->grantee_ev[0] : NULL;
    }
    char accs[256] = "";
    if (ar) {
        int64_t mins = (ar->time_ms - acc->off->time_ms) / 60000;
        const char *reader = m365_exo_actor(ar);
        snprintf(accs, sizeof(accs), "; %s read %s's mailbox %lld minute(s) later",
                 reader ? reader : "another account", acc->subject, (long long)mins);
    }
    char leaver[320] = "";
    if (all_leavers && n_users) {
        snprintf(leaver, sizeof(leaver),
                 "; the account%s had been disabled%s%s, as a leaver's is: an offboarding "
                 "looks like this; check it was requested",
                 n > 1 ? "s" : "", ws[0]->leaver->disabled_by ? " by " : "",
                 ws[0]->leaver->disabled_by ? ws[0]->leaver->disabled_by : "");
    }
    m365_fb_summary(fb, "%s switched off auditing: %s%s%s%s.", actor ? actor : "An unknown actor",
                    m365_buf_cstr(&t), tail, accs, leaver);
    m365_buf_free(&t);
    m365_fb_end(fb);
}

/* The window's user as a leaver: disabled (or deleted) before the licence change, or within a
 * day after it, and not enabled again since. */
static const struct account *leaver(struct m365_dctx *dc, struct state *s,
                                    const struct window *w)
{
    const struct account *a = m365_map_get(&s->accounts, w->subject, NULL);
    for (uint32_t i = 0; !a && i < w->off->n_targets; i++) {
        const char *id = w->off->targets[i].id;
        a = id ? m365_map_get(&s->accounts, m365_dctx_intern_lower(dc, id, strlen(id)), NULL)
               : NULL;
    }
    if (!a || a->disabled == M365_TIME_NONE || a->disabled > w->off->time_ms + M365_DAY_MS ||
        (a->enabled != M365_TIME_NONE && a->enabled >= a->disabled)) {
        return NULL;
    }
    return a;
}

/* Publish who was given the leaver's mailbox, for the rule that judges reads in the window. */
static void handed_over(struct m365_dctx *dc, const struct state *s, const struct window *w)
{
    for (size_t i = 0; i < s->n_grants; i++) {
        const struct grant *g = &s->grants[i];
        if (g->mailbox && g->grantee && m365_ieq(g->mailbox, w->subject)) {
            m365_dctx_fact_handed_over(dc, w->subject, g->grantee, g->t);
        }
    }
}

/* A grant's name the directory learnt only later: resolved once, at the end. */
static void resolve_late(struct m365_dctx *dc, struct state *s, const char **name,
                         const char *ident)
{
    if (*name && !strchr(*name, '@')) {
        const char *u = m365_exo_dir_resolve(&s->dir, dc, ident);
        *name = u ? u : *name;
    }
}

static int cmp_by_actor(const void *a, const void *b)
{
    const struct window *x = *(const struct window *const *)a;
    const struct window *y = *(const struct window *const *)b;
    int c = strcmp(x->actor ? x->actor : "", y->actor ? y->actor : "");
    return c ? c : cmp_window(a, b);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    if (!s->n) {
        return;
    }
    /* Identities named before the evidence said whose they were: resolve them now. */
    for (size_t i = 0; i < s->n; i++) {
        if (s->w[i].ident && !strchr(s->w[i].subject, '@')) {
            const char *u = m365_exo_dir_resolve_in(&s->dir, dc, s->w[i].ident, s->w[i].off);
            if (u) {
                s->w[i].subject = u;
            }
        }
    }
    for (size_t i = 0; i < s->n_grants; i++) {
        resolve_late(dc, s, &s->grants[i].mailbox, s->grants[i].mailbox_ident);
        resolve_late(dc, s, &s->grants[i].grantee, s->grants[i].grantee_ident);
    }
    struct window **ws = malloc(s->n * sizeof(*ws));
    if (!ws) {
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        ws[i] = &s->w[i];
        struct window *w = ws[i];
        if (w->cls == CLS_LICENCE) {
            w->leaver = leaver(dc, s, w);
        }
        /* Per-mailbox facts for the later rules and the coverage report. */
        if (w->cls == CLS_LICENCE || w->cls == CLS_MAILBOX || w->cls == CLS_ACTIONS) {
            if (strchr(w->subject, '@')) {
                char how[320];
                snprintf(how, sizeof(how), "auditing switched off: %s%s", w->how,
                         w->leaver ? " with the account disabled (a leaver)" : "");
                m365_dctx_fact_audit_off(dc, w->subject, w->off->time_ms,
                                         w->on ? w->on->time_ms : M365_TIME_NONE, how);
                if (w->leaver) {
                    handed_over(dc, s, w);
                }
            }
        }
    }
    m365_qsort(ws, s->n, sizeof(*ws), cmp_by_actor);
    for (size_t i = 0; i < s->n;) {
        size_t j = i + 1;
        while (j < s->n && strcmp(ws[j]->actor ? ws[j]->actor : "",
                                  ws[i]->actor ? ws[i]->actor : "") == 0) {
            j++;
        }
        report(dc, s, ws[i]->actor, ws + i, j - i);
        i = j;
    }
    free(ws);
}

static void free_state(void *sv)
{
    struct state *s = sv;
    m365_exo_dir_free(&s->dir);
    m365_map_free(&s->open);
    m365_map_free(&s->count);
    m365_map_free(&s->changers);
    m365_map_free(&s->accounts);
    m365_arena_free(&s->arena);
    free(s->grants);
    free(s->w);
}

static const char *const techniques[] = {"T1562.008", NULL};

const struct m365_detection m365_detect_advanced_audit_disabled = {
    .info =
        {
            .id = "advanced-audit-disabled",
            .title = "Mailbox auditing or the audit log switched off",
            .severity = M365_SEV_HIGH,
            .techniques = techniques,
            .description =
                "A licence or service-plan change that turns off M365_ADVANCED_AUDITING for a "
                "user (newly in DisabledPlans, the assigned plan no longer Enabled, or the only "
                "licence carrying it removed: old and new values compared, so licence changes "
                "that leave it alone are ignored); Set-Mailbox -AuditEnabled $false or audit "
                "lists that lose MailItemsAccessed; Set-MailboxAuditBypassAssociation "
                "-AuditBypassEnabled $true; Set-AdminAuditLogConfig turning off unified or admin "
                "audit logging; Set-OrganizationConfig -AuditDisabled $true. One finding per "
                "actor, naming every affected user with the time auditing went off and, if it "
                "came back, the time it was re-enabled. High; critical when another account "
                "reads an affected mailbox within access_window, or the actor was created in the "
                "evidence or never changed licences or audit settings before while other admins "
                "did; medium when only Microsoft's own services made the change; low for a "
                "leaver's offboarding (the account disabled or deleted by then, or within a day, "
                "and not enabled again; read only by colleagues given FullAccess on the "
                "mailbox). Exchange's own provisioning (NT AUTHORITY\\SYSTEM) is ignored.",
            .needs = "Entra audit records (UAL AzureActiveDirectory, directoryAudits, AuditLogs) "
                     "with AssignedLicense / AssignedPlan, or Exchange admin cmdlets",
            .blind_spots =
                "The change takes effect hours later; reads in between are still logged, reads "
                "after it are not logged at all. Group-based licensing changes appear as the "
                "licensing service's; the group membership change behind them is another record. "
                "A licence removal is judged from the SKU name (E5, A5, G5, E5 Compliance): an "
                "unknown add-on that carried the plan is not seen.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_DIRECTORY) | M365_KIND_BIT(M365_EV_EXCHANGE_ADMIN) |
             M365_KIND_BIT(M365_EV_MAIL_ACCESS) | M365_KIND_BIT(M365_EV_MAILBOX_ITEM),
    .needs = 0,
    .state_size = sizeof(struct state),
    .init = init,
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
