/* application-impersonation-assigned: the Exchange ApplicationImpersonation role given to an
 * account or app: New-ManagementRoleAssignment -Role ApplicationImpersonation, New-RoleGroup
 * -Roles ApplicationImpersonation, or members added to a role group that holds it. Microsoft has
 * retired the role in Exchange Online, so any new assignment is suspicious. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../engine/detect.h"
#include "exo_common.h"
#include "../core/sort.h"

struct cfg {
    bool report_failed;
};

static const struct m365_param_def params[] = {
    M365_PARAM("report_failed", M365_PARAM_BOOL, "true", struct cfg, report_failed,
               "also report assignments that failed (medium): someone tried"),
};

#define ROLE "ApplicationImpersonation"
#define MAX_RECS 1024
#define MAX_EV 16

struct rec {
    const struct m365_event *ev;
    const char *assignee; /* as written: user, app, security / role group */
    const char *kind;     /* "user", "app", "group", "policy" */
    const char *via;      /* the role group, for group membership */
    bool failed;
};

struct state {
    struct m365_exo_dir dir;
    struct rec *r;
    size_t n, cap;
    uint32_t dropped;
    struct m365_map groups; /* lower-case role group name -> the event that gave it the role */
    /* Role group membership changes, judged once every group holding the role is known. */
    struct rec *pending;
    size_t n_pending, cap_pending;
};

static bool names_role(const char *v)
{
    return v && m365_icontains(v, ROLE);
}

static void push(struct rec **arr, size_t *n, size_t *cap, uint32_t *dropped, struct rec r)
{
    if (*n >= MAX_RECS) {
        (*dropped)++;
        return;
    }
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        struct rec *na = realloc(*arr, nc * sizeof(*na));
        if (!na) {
            (*dropped)++;
            return;
        }
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = r;
}

static const char *lower_key(struct m365_dctx *dc, const char *s)
{
    char buf[256];
    size_t n = s ? strlen(s) : 0;
    if (!n || n >= sizeof(buf)) {
        return NULL;
    }
    for (size_t i = 0; i <= n; i++) {
        buf[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    }
    return m365_dctx_intern(dc, buf, n);
}

static void role_group(struct m365_dctx *dc, struct state *s, const char *name,
                       const struct m365_event *ev)
{
    const char *k = lower_key(dc, name);
    void **slot = k ? m365_map_put(&s->groups, k, NULL) : NULL;
    if (slot && !*slot) {
        *slot = (void *)m365_dctx_keep(dc, ev);
    }
}

struct member_ctx {
    struct state *s;
    struct m365_dctx *dc;
    struct rec base;
    bool pending;
};

static void member(void *user, const char *t, size_t len)
{
    struct member_ctx *c = user;
    struct rec r = c->base;
    r.assignee = m365_dctx_intern(c->dc, t, len);
    if (c->pending) {
        push(&c->s->pending, &c->s->n_pending, &c->s->cap_pending, &c->s->dropped, r);
    } else {
        push(&c->s->r, &c->s->n, &c->s->cap, &c->s->dropped, r);
    }
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    m365_exo_dir_observe(&s->dir, dc, ev);
    if (ev->kind != M365_EV_EXCHANGE_ADMIN || !ev->operation || m365_exo_system_actor(ev)) {
        return;
    }
    bool failed = ev->result == M365_RESULT_FAILURE;
    if (failed && !c->report_failed) {
        return;
    }
    const char *op = ev->operation;
    struct rec base = {m365_dctx_keep(dc, ev), NULL, NULL, NULL, failed};
    if (m365_ieq(op, "New-ManagementRoleAssignment") && names_role(m365_event_param(ev, "Role"))) {
        static const struct {
            const char *param, *kind;
        } who[] = {{"User", "user"}, {"App", "app"}, {"SecurityGroup", "group"},
                   {"Policy", "policy"}, {"Computer", "computer"}};
        for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
            const char *v = m365_exo_param_set(ev, who[i].param);
            if (v) {
                struct rec r = base;
                r.assignee = v;
                r.kind = who[i].kind;
                push(&s->r, &s->n, &s->cap, &s->dropped, r);
                if (!failed && strcmp(who[i].kind, "group") == 0) {
                    role_group(dc, s, v, ev);
                }
            }
        }
    } else if (m365_ieq(op, "New-RoleGroup") && names_role(m365_event_param(ev, "Roles"))) {
        const char *name = m365_event_param(ev, "Name");
        if (!failed) {
            role_group(dc, s, name, ev);
        }
        struct member_ctx mc = {s, dc, base, false};
        mc.base.kind = "user";
        mc.base.via = name;
        const char *members = m365_exo_param_set(ev, "Members");
        if (members) {
            m365_exo_each_recipient(members, member, &mc);
        } else {
            struct rec r = base;
            r.assignee = name;
            r.kind = "group";
            push(&s->r, &s->n, &s->cap, &s->dropped, r);
        }
    } else if (m365_ieq(op, "New-ManagementRoleAssignment") ||
               m365_ieq(op, "Add-RoleGroupMember") || m365_ieq(op, "Update-RoleGroupMember")) {
        /* Membership of a role group: judged at the end, once every group holding the role
         * is known (the group may have been given it later in the evidence, or earlier). */
        const char *group = m365_event_param(ev, "Identity");
        const char *members = m365_exo_param_set(ev, "Member");
        if (!members) {
            members = m365_exo_param_set(ev, "Members");
        }
        if (group && members && !m365_ieq(op, "New-ManagementRoleAssignment")) {
            struct member_ctx mc = {s, dc, base, true};
            mc.base.kind = "user";
            mc.base.via = group;
            m365_exo_each_recipient(members, member, &mc);
        }
    }
}

static int cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    int c = strcmp(x->assignee, y->assignee);
    if (c) {
        return c;
    }
    return x->ev->seq < y->ev->seq ? -1 : x->ev->seq > y->ev->seq;
}

static void report(struct m365_dctx *dc, struct state *s, struct rec *r, size_t n)
{
    bool all_failed = true;
    for (size_t i = 0; i < n; i++) {
        all_failed &= r[i].failed;
    }
    struct m365_fb *fb = m365_fb_begin(dc, all_failed ? M365_SEV_MEDIUM : M365_SEV_HIGH);
    if (!fb) {
        return;
    }
    const char *assignee = r[0].assignee;
    /* -App takes the service principal's object id, its application id or its name. */
    bool app = strcmp(r[0].kind, "app") == 0;
    const char *app_name = app ? m365_dctx_app_name(dc, assignee) : NULL;
    if (app_name && m365_ieq(app_name, assignee)) {
        app_name = NULL;
    }
    if (app) {
        m365_fb_entity(fb, M365_ENT_SERVICE_PRINCIPALS, assignee);
        m365_fb_entity(fb, M365_ENT_SERVICE_PRINCIPALS, app_name);
    } else if (strchr(assignee, '@')) {
        m365_fb_entity(fb, M365_ENT_USERS, assignee);
    }
    for (size_t i = 0; i < n; i++) {
        m365_fb_event(fb, r[i].ev);
        m365_fb_entity(fb, M365_ENT_USERS, r[i].ev->actor_upn);
        m365_fb_entity(fb, M365_ENT_IPS, r[i].ev->ip);
    }
    int *fp;
    struct m365_buf *d = m365_fb_details(fb, &fp);
    m365_json_key(d, fp, "role");
    m365_json_cstr(d, ROLE);
    m365_json_key(d, fp, "assignee");
    m365_json_cstr(d, assignee);
    m365_json_key(d, fp, "assignee_type");
    m365_json_cstr(d, r[0].kind);
    if (app_name) {
        m365_json_key(d, fp, "assignee_name");
        m365_json_cstr(d, app_name);
    }
    m365_json_key(d, fp, "assignments");
    m365_buf_putc(d, '[');
    static const char *const scopes[] = {"CustomRecipientWriteScope",
                                         "RecipientOrganizationalUnitScope",
                                         "RecipientRelativeWriteScope",
                                         "ExclusiveRecipientWriteScope",
                                         "RecipientAdministrativeUnitScope", "RecipientGroupScope"};
    bool scoped = false;
    for (size_t i = 0; i < n && i < MAX_EV; i++) {
        const struct m365_event *ev = r[i].ev;
        int f = 1;
        m365_buf_puts(d, i ? ",{" : "{");
        m365_json_key(d, &f, "operation");
        m365_json_cstr(d, ev->operation);
        m365_json_key(d, &f, "at");
        m365_json_time(d, ev->time_ms);
        m365_json_key(d, &f, "by");
        m365_json_cstr(d, m365_exo_actor(ev));
        m365_json_key(d, &f, "ip");
        m365_json_cstr(d, ev->ip);
        m365_json_key(d, &f, "name");
        m365_json_cstr(d, m365_event_param(ev, "Name"));
        if (r[i].via) {
            m365_json_key(d, &f, "role_group");
            m365_json_cstr(d, r[i].via);
        }
        m365_json_key(d, &f, "scope");
        m365_buf_putc(d, '{');
        int fs = 1;
        for (size_t k = 0; k < sizeof(scopes) / sizeof(scopes[0]); k++) {
            const char *v = m365_event_param(ev, scopes[k]);
            if (v) {
                m365_json_key(d, &fs, scopes[k]);
                m365_json_cstr(d, v);
                scoped = true;
            }
        }
        m365_buf_putc(d, '}');
        m365_json_key(d, &f, "result");
        m365_json_cstr(d, r[i].failed ? "failure" : "success");
        m365_buf_putc(d, '}');
    }
    m365_buf_putc(d, ']');
    if (s->dropped) {
        m365_json_key(d, fp, "assignments_not_tracked");
        m365_buf_printf(d, "%u", s->dropped);
    }
    m365_json_key(d, fp, "organisation_wide");
    m365_buf_puts(d, scoped ? "false" : "true");
    const char *actor = m365_exo_actor(r[0].ev);
    const char *created = NULL;
    const char *au = m365_exo_dir_resolve(&s->dir, dc, assignee);
    if (au && m365_exo_dir_created(&s->dir, au)) {
        created = " (an account created in the evidence)";
    }
    char label[320];
    m365_fb_summary(fb, "%s %s %s%s the retired ApplicationImpersonation role%s%s, %s.",
                    actor ? actor : "Someone", all_failed ? "tried to give" : "gave",
                    app ? m365_dctx_app_label(dc, assignee, label, sizeof(label)) : assignee,
                    created ? created : "", r[0].via ? " through role group " : "",
                    r[0].via ? r[0].via : "",
                    scoped ? "within a management scope"
                           : "over every mailbox of the organisation (no scope)");
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    for (size_t i = 0; i < s->n_pending; i++) {
        const char *k = lower_key(dc, s->pending[i].via);
        if (k && m365_map_get(&s->groups, k, NULL)) {
            push(&s->r, &s->n, &s->cap, &s->dropped, s->pending[i]);
        }
    }
    for (size_t i = 0; i < s->n; i++) {
        const char *u = m365_exo_dir_resolve_in(&s->dir, dc, s->r[i].assignee, s->r[i].ev);
        if (u && strcmp(s->r[i].kind, "user") == 0) {
            s->r[i].assignee = u;
        }
    }
    if (s->n > 1) {
        m365_qsort(s->r, s->n, sizeof(*s->r), cmp_rec);
    }
    for (size_t i = 0; i < s->n;) {
        size_t j = i + 1;
        while (j < s->n && strcmp(s->r[j].assignee, s->r[i].assignee) == 0) {
            j++;
        }
        report(dc, s, &s->r[i], j - i);
        i = j;
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    m365_exo_dir_free(&s->dir);
    m365_map_free(&s->groups);
    free(s->r);
    free(s->pending);
}

static const char *const techniques[] = {"T1098.002", NULL};

const struct m365_detection m365_detect_application_impersonation_assigned = {
    .info =
        {
            .id = "application-impersonation-assigned",
            .title = "ApplicationImpersonation role assigned",
            .severity = M365_SEV_HIGH,
            .techniques = techniques,
            .description =
                "New-ManagementRoleAssignment -Role ApplicationImpersonation (to a user, app, "
                "security group or policy), New-RoleGroup -Roles ApplicationImpersonation, and "
                "Add-RoleGroupMember / Update-RoleGroupMember on a role group the evidence shows "
                "holding the role. The role lets the assignee open every mailbox in its scope "
                "through EWS; Microsoft has retired it in Exchange Online, so any new assignment "
                "is suspicious: high (medium for a failed attempt). One finding per assignee, "
                "with the scope parameters (none: the whole organisation). Exchange's own "
                "service accounts are ignored.",
            .needs = "Exchange admin cmdlets (UAL, Purview, OfficeActivity)",
            .blind_spots =
                "Assignments made before the logs begin, and role groups that held the role "
                "before them, are not seen: membership added to such a group is missed. Use of "
                "the role shows in MailItemsAccessed (LogonType 1, EWS) only where mailbox "
                "auditing records it.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_EXCHANGE_ADMIN) | M365_KIND_BIT(M365_EV_DIRECTORY) |
             M365_KIND_BIT(M365_EV_MAIL_ACCESS),
    .needs = M365_KIND_BIT(M365_EV_EXCHANGE_ADMIN),
    .state_size = sizeof(struct state),
    .init = NULL,
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
