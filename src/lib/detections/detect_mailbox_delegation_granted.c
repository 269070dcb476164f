/* mailbox-delegation-granted: someone given another person's mail: FullAccess / ChangePermission
 * / ChangeOwner (Add-MailboxPermission), SendAs (Add-RecipientPermission), send on behalf
 * (Set-Mailbox -GrantSendOnBehalfTo), or read rights on the Inbox or the mailbox root
 * (Add-/Set-MailboxFolderPermission, UAL AddFolderPermissions / ModifyFolderPermissions).
 * Exchange's own provisioning and calendar / contacts sharing are not findings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../engine/detect.h"
#include "exo_common.h"
#include "identity_util.h"
#include "../core/sort.h"

struct cfg {
    int64_t new_account; /* grantee or actor created this soon before the grant: high */
};

static const struct m365_param_def params[] = {
    M365_PARAM("new_account_window", M365_PARAM_DURATION, "30d", struct cfg, new_account,
               "a grant to (or by) an account created in the evidence at most this long before "
               "is reported high"),
};

enum {
    R_FULL = 1u << 0,
    R_CHANGE_PERM = 1u << 1,
    R_CHANGE_OWNER = 1u << 2,
    R_SEND_AS = 1u << 3,
    R_SEND_ON_BEHALF = 1u << 4,
    R_FOLDER_READ = 1u << 5, /* read rights on the Inbox or the mailbox root */
};

#define MAX_RECS 4096

struct rec {
    const struct m365_event *ev;
    const char *mbx_ident, *grantee_ident;
    unsigned rights;
    const char *folder;   /* folder grants: "Inbox" or "(mailbox root)" */
    const char *role;     /* folder grants: the role or rights as logged */
    bool everyone;        /* Default / Anonymous / Everyone */
    /* Filled in finish(). */
    const char *mbx, *grantee;
    enum m365_severity sev;
    const char *why;
    const char *office; /* a grant made at the office (lowered): its network */
};

struct state {
    struct m365_exo_dir dir;
    struct m365_id_office office; /* an administrator's onboarding at the office */
    struct rec *r;
    size_t n, cap;
    uint32_t dropped;
};

static void init(struct m365_dctx *dc, void *sv)
{
    (void)sv;
    if (!m365_dctx_has_kind(dc, M365_EV_EXCHANGE_ADMIN) &&
        !m365_dctx_has_kind(dc, M365_EV_MAILBOX_ITEM)) {
        m365_dctx_not_evaluated(dc, "needs Exchange records (admin cmdlets or folder permission "
                                    "records); the evidence holds none");
    }
}

static struct rec *add(struct m365_dctx *dc, struct state *s, const struct m365_event *ev,
                       const char *mbx, const char *grantee, unsigned rights)
{
    if (!rights || !grantee || m365_exo_system_principal(grantee) ||
        m365_exo_system_mailbox(mbx)) {
        return NULL;
    }
    if (s->n >= MAX_RECS) {
        s->dropped++;
        return NULL;
    }
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        struct rec *nr = realloc(s->r, nc * sizeof(*nr));
        if (!nr) {
            s->dropped++;
            return NULL;
        }
        s->r = nr;
        s->cap = nc;
    }
    struct rec *r = &s->r[s->n++];
    memset(r, 0, sizeof(*r));
    r->ev = m365_dctx_keep(dc, ev);
    r->mbx_ident = mbx;
    r->grantee_ident = grantee;
    r->rights = rights;
    r->everyone = m365_ieq(grantee, "Default") || m365_ieq(grantee, "Anonymous") ||
                  m365_ieq(grantee, "Everyone") || m365_ieq(grantee, "S-1-1-0");
    return r;
}

/* "priya.raman:\\Inbox" -> Inbox, "priya.raman:\\" -> root; NULL for any other folder. */
static const char *read_folder(const char *path)
{
    static const char *const inbox[] = {
        "Inbox",  "Posteingang", "Boîte de réception", "Bandeja de entrada", "Posta in arrivo",
        "Postvak IN", "Caixa de Entrada", "Inkorgen", "Indbakke", "Innboks", "Saapuneet",
        "Skrzynka odbiorcza",
    };
    if (!path) {
        return NULL;
    }
    while (*path == '\\' || *path == '/') {
        path++;
    }
    size_t len = strlen(path);
    while (len && (path[len - 1] == '\\' || path[len - 1] == '/' || path[len - 1] == ' ')) {
        len--;
    }
    if (!len || m365_ieqn(path, len, "Top of Information Store")) {
        return "(mailbox root)";
    }
    for (size_t i = 0; i < sizeof(inbox) / sizeof(inbox[0]); i++) {
        if (m365_ieqn(path, len, inbox[i])) {
            return "Inbox";
        }
    }
    return NULL;
}

/* Folder roles that read items (Reviewer and above) or the ReadItems right. */
static bool reads_items(const char *rights)
{
    static const char *const roles[] = {"Owner", "PublishingEditor", "Editor", "PublishingAuthor",
                                        "Author", "NonEditingAuthor", "Reviewer", "ReadItems",
                                        "ReadAny"};
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
        if (m365_exo_list_has(rights, roles[i])) {
            return true;
        }
    }
    return false;
}

struct sob_ctx {
    struct m365_dctx *dc;
    struct state *s;
    const struct m365_event *ev;
    const char *mbx;
};

static void sob_grantee(void *user, const char *t, size_t len)
{
    struct sob_ctx *c = user;
    /* "@{Add=...}" style hashtables: keep the names only. */
    if (len > 4 && m365_ieqn(t, 4, "Add=")) {
        t += 4;
        len -= 4;
    }
    while (len && (*t == '"' || *t == '\'')) {
        t++;
        len--;
    }
    while (len && (t[len - 1] == '"' || t[len - 1] == '\'')) {
        len--;
    }
    if (m365_ieqn(t, len, "@") || m365_ieqn(t, len, "Remove") || len == 0) {
        return;
    }
    add(c->dc, c->s, c->ev, c->mbx, m365_dctx_intern(c->dc, t, len), R_SEND_ON_BEHALF);
}

static void observe_cmdlet(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    const char *op = ev->operation;
    const char *ident = m365_event_param(ev, "Identity");
    if (m365_ieq(op, "Add-MailboxPermission")) {
        const char *rights = m365_event_param(ev, "AccessRights");
        unsigned r = (m365_exo_list_has(rights, "FullAccess") ? R_FULL : 0) |
                     (m365_exo_list_has(rights, "ChangePermission") ? R_CHANGE_PERM : 0) |
                     (m365_exo_list_has(rights, "ChangeOwner") ? R_CHANGE_OWNER : 0);
        add(dc, s, ev, ident, m365_event_param(ev, "User"), r);
    } else if (m365_ieq(op, "Add-RecipientPermission")) {
        const char *rights = m365_event_param(ev, "AccessRights");
        add(dc, s, ev, ident, m365_event_param(ev, "Trustee"),
            m365_exo_list_has(rights, "SendAs") ? R_SEND_AS : 0);
    } else if (m365_ieq(op, "Add-ADPermission")) {
        const char *rights = m365_event_param(ev, "ExtendedRights");
        add(dc, s, ev, ident, m365_event_param(ev, "User"),
            m365_icontains(rights, "Send-As") || m365_icontains(rights, "Send As") ? R_SEND_AS
                                                                                  : 0);
    } else if (m365_ieq(op, "Set-Mailbox")) {
        const char *sob = m365_exo_param_set(ev, "GrantSendOnBehalfTo");
        if (sob && !m365_icontains(sob, "Remove=")) {
            struct sob_ctx c = {dc, s, ev, ident};
            m365_exo_each_recipient(sob, sob_grantee, &c);
        }
    } else if (m365_ieq(op, "Add-MailboxFolderPermission") ||
               m365_ieq(op, "Set-MailboxFolderPermission")) {
        const char *colon = ident ? strchr(ident, ':') : NULL;
        const char *folder = read_folder(colon ? colon + 1 : NULL);
        const char *rights = m365_event_param(ev, "AccessRights");
        if (colon && folder && reads_items(rights)) {
            struct rec *r = add(dc, s, ev, m365_dctx_intern(dc, ident, (size_t)(colon - ident)),
                                m365_event_param(ev, "User"), R_FOLDER_READ);
            if (r) {
                r->folder = folder;
                r->role = rights;
            }
        }
    }
}

/* UAL AddFolderPermissions / ModifyFolderPermissions: Item.ParentFolder.{MemberRights,
 * MemberUpn, MemberSid, Name, Path}. */
static void observe_folder_record(struct m365_dctx *dc, struct state *s,
                                  const struct m365_event *ev)
{
    const char *rights = m365_event_extra(ev, "Item.ParentFolder.MemberRights");
    const char *member = m365_event_extra(ev, "Item.ParentFolder.MemberUpn");
    const char *sid = m365_event_extra(ev, "Item.ParentFolder.MemberSid");
    const char *name = m365_event_extra(ev, "Item.ParentFolder.Name");
    const char *path = ev->mail && ev->mail->n_folders ? ev->mail->folders[0].path : NULL;
    const char *folder = read_folder(path ? path : name);
    if (!folder && name) {
        folder = read_folder(name);
    }
    if (!folder || !m365_exo_list_has(rights, "ReadAny")) {
        return;
    }
    if ((!member || !*member) && sid && strcmp(sid, "S-1-1-0") == 0) {
        member = "Everyone";
    }
    const char *mbx = ev->mail ? ev->mail->mailbox_upn : NULL;
    struct rec *r = add(dc, s, ev, mbx ? mbx : m365_exo_actor(ev), member, R_FOLDER_READ);
    if (r) {
        r->folder = folder;
        r->role = rights;
    }
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    if (ev->kind == M365_EV_SIGNIN) {
        const struct m365_event *made = m365_exo_dir_created(&s->dir, ev->actor_upn);
        m365_id_office_signin(dc, &s->office, ev, made ? made->time_ms : M365_TIME_NONE);
        return;
    }
    m365_exo_dir_observe(&s->dir, dc, ev);
    if (ev->result == M365_RESULT_FAILURE || !ev->operation || m365_exo_system_actor(ev)) {
        return;
    }
    if (ev->kind == M365_EV_EXCHANGE_ADMIN) {
        observe_cmdlet(dc, s, ev);
    } else if (ev->kind == M365_EV_MAILBOX_ITEM &&
               (m365_ieq(ev->operation, "AddFolderPermissions") ||
                m365_ieq(ev->operation, "ModifyFolderPermissions"))) {
        observe_folder_record(dc, s, ev);
    }
}

/* --- findings ------------------------------------------------------------------------------ */

static bool is_external(struct state *s, struct m365_dctx *dc, const char *who)
{
    if (!who) {
        return false;
    }
    if (m365_icontains(who, "#ext#")) {
        return true;
    }
    const char *at = strrchr(who, '@');
    return at && m365_exo_domain_internal(&s->dir, dc, at + 1, strlen(at + 1)) == 0;
}

static bool created_recently(const struct state *s, const struct cfg *c, const char *upn,
                             const struct m365_event *grant)
{
    const struct m365_event *made = m365_exo_dir_created(&s->dir, upn);
    if (!made || made->seq > grant->seq) {
        return false;
    }
    return made->time_ms == M365_TIME_NONE || grant->time_ms == M365_TIME_NONE ||
           grant->time_ms - made->time_ms <= c->new_account;
}

/* A grant made by a user from the office (m365_id_office_made), as an administrator's everyday
 * grants are; an intruder grants from their own address. Returns the network. */
static const char *at_office(struct m365_dctx *dc, const struct state *s, const struct rec *r)
{
    const char *net;
    return m365_id_office_made(dc, &s->office, r->ev, &net) ? net : NULL;
}

/* A new colleague given access as an administrator onboards one: the account made at the office
 * too, and not used from a cloud host in its first days. */
static bool onboarded(struct m365_dctx *dc, const struct state *s, const struct rec *r)
{
    const struct m365_event *made = m365_exo_dir_created(&s->dir, r->grantee);
    const char *net;
    return made && m365_id_office_made(dc, &s->office, made, &net) &&
           !m365_id_office_hosted(&s->office, r->grantee);
}

static void judge(struct m365_dctx *dc, struct state *s, struct rec *r)
{
    const struct cfg *c = m365_dctx_cfg(dc);
    const char *actor = r->ev->actor_upn;
    enum m365_severity sev = r->rights == R_SEND_ON_BEHALF ? M365_SEV_LOW : M365_SEV_MEDIUM;
    r->why = "a delegation grant: check it was requested";
    const char *office = at_office(dc, s, r);
    bool new_grantee = created_recently(s, c, r->grantee, r->ev);
    if (r->everyone) {
        r->why = "granted to everyone in the organisation";
        sev = M365_SEV_HIGH;
    } else if (new_grantee && !(office && onboarded(dc, s, r))) {
        r->why = "the grantee is an account created shortly before";
        sev = M365_SEV_HIGH;
    } else if (is_external(s, dc, r->grantee)) {
        r->why = "the grantee is outside the tenant";
        sev = M365_SEV_HIGH;
    } else if (actor && r->grantee && strcmp(actor, r->grantee) == 0 && r->mbx &&
               strcmp(r->mbx, actor) != 0) {
        r->why = "the actor granted itself access to another mailbox";
        sev = M365_SEV_HIGH;
    } else if (actor && created_recently(s, c, actor, r->ev)) {
        r->why = "made by an account created shortly before";
        sev = M365_SEV_HIGH;
    } else if (office) {
        r->office = office;
        r->why = new_grantee ? "the grantee is an account created shortly before, both at the "
                               "office, as an onboarding is: check it was requested"
                             : "made at the office: check it was requested";
        if (!m365_dctx_is_vip(dc, r->mbx)) {
            sev = M365_SEV_LOW;
        }
    }
    r->sev = sev;
}

static void rights_text(struct m365_buf *b, unsigned rights, const char *folder)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{R_FULL, "FullAccess"},           {R_CHANGE_PERM, "ChangePermission"},
                 {R_CHANGE_OWNER, "ChangeOwner"},  {R_SEND_AS, "SendAs"},
                 {R_SEND_ON_BEHALF, "SendOnBehalf"}, {R_FOLDER_READ, "read"}};
    size_t start = b->len;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (rights & names[i].bit) {
            m365_buf_printf(b, "%s%s", b->len > start ? ", " : "", names[i].name);
            if (names[i].bit == R_FOLDER_READ && folder) {
                m365_buf_printf(b, " (%s)", folder);
            }
        }
    }
}

static int cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    int c = strcmp(x->mbx, y->mbx);
    if (!c) {
        c = strcmp(x->grantee, y->grantee);
    }
    if (c) {
        return c;
    }
    return x->ev->seq < y->ev->seq ? -1 : x->ev->seq > y->ev->seq;
}

static void report(struct m365_dctx *dc, const struct state *s, struct rec *r, size_t n)
{
    const struct rec *worst = &r[0];
    unsigned rights = 0;
    const char *folder = NULL;
    for (size_t i = 0; i < n; i++) {
        if (r[i].sev > worst->sev) {
            worst = &r[i];
        }
        rights |= r[i].rights;
        if (r[i].folder && (!folder || strcmp(r[i].folder, "Inbox") == 0)) {
            folder = r[i].folder;
        }
    }
    struct m365_fb *fb = m365_fb_begin(dc, worst->sev);
    if (!fb) {
        return;
    }
    m365_fb_entity(fb, M365_ENT_MAILBOXES, worst->mbx);
    m365_fb_entity(fb, M365_ENT_USERS, strchr(worst->mbx, '@') ? worst->mbx : NULL);
    m365_fb_entity(fb, M365_ENT_USERS, strchr(worst->grantee, '@') ? worst->grantee : NULL);
    for (size_t i = 0; i < n; i++) {
        m365_fb_event(fb, r[i].ev);
        m365_fb_entity(fb, M365_ENT_USERS, r[i].ev->actor_upn);
        m365_fb_entity(fb, M365_ENT_IPS, r[i].ev->ip);
    }
    int *fp;
    struct m365_buf *d = m365_fb_details(fb, &fp);
    m365_json_key(d, fp, "mailbox");
    m365_json_cstr(d, worst->mbx);
    m365_json_key(d, fp, "grantee");
    m365_json_cstr(d, worst->grantee);
    m365_json_key(d, fp, "rights");
    struct m365_buf t;
    m365_buf_init(&t, 1024);
    rights_text(&t, rights, folder);
    m365_json_cstr(d, m365_buf_cstr(&t));
    m365_json_key(d, fp, "why");
    m365_json_cstr(d, worst->why);
    if (worst->office) {
        m365_id_office_details(d, fp, &s->office, worst->office);
    }
    if (s->dropped) {
        m365_json_key(d, fp, "grants_not_tracked");
        m365_buf_printf(d, "%u", s->dropped);
    }
    m365_json_key(d, fp, "grants");
    m365_buf_putc(d, '[');
    for (size_t i = 0; i < n && i < 16; i++) {
        int f = 1;
        m365_buf_puts(d, i ? ",{" : "{");
        m365_json_key(d, &f, "operation");
        m365_json_cstr(d, r[i].ev->operation);
        m365_json_key(d, &f, "at");
        m365_json_time(d, r[i].ev->time_ms);
        m365_json_key(d, &f, "by");
        m365_json_cstr(d, m365_exo_actor(r[i].ev));
        m365_json_key(d, &f, "ip");
        m365_json_cstr(d, r[i].ev->ip);
        if (r[i].role) {
            m365_json_key(d, &f, "folder_rights");
            m365_json_cstr(d, r[i].role);
        }
        m365_buf_putc(d, '}');
    }
    m365_buf_putc(d, ']');
    const char *actor = m365_exo_actor(worst->ev);
    if (rights == R_FOLDER_READ) {
        m365_fb_summary(fb, "%s gave %s read access to %s of %s's mailbox (%s).",
                        actor ? actor : "Someone", worst->grantee,
                        folder && strcmp(folder, "Inbox") == 0 ? "the Inbox" : "the root",
                        worst->mbx, worst->why);
    } else {
        m365_fb_summary(fb, "%s gave %s %s on %s's mailbox (%s).", actor ? actor : "Someone",
                        worst->grantee, m365_buf_cstr(&t), worst->mbx, worst->why);
    }
    m365_buf_free(&t);
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    for (size_t i = 0; i < s->n; i++) {
        struct rec *r = &s->r[i];
        r->mbx = m365_exo_dir_name_in(&s->dir, dc, r->mbx_ident, r->ev);
        r->grantee = r->everyone ? m365_dctx_intern(dc, "Everyone", 8)
                                 : m365_exo_dir_name_in(&s->dir, dc, r->grantee_ident, r->ev);
        if (!r->mbx) {
            r->mbx = m365_dctx_intern(dc, "(unknown mailbox)", 17);
        }
        if (!r->grantee) {
            r->grantee = m365_dctx_intern(dc, "(unknown)", 9);
        }
        judge(dc, s, r);
    }
    if (s->n > 1) {
        m365_qsort(s->r, s->n, sizeof(*s->r), cmp_rec);
    }
    for (size_t i = 0; i < s->n;) {
        size_t j = i + 1;
        while (j < s->n && strcmp(s->r[j].mbx, s->r[i].mbx) == 0 &&
               strcmp(s->r[j].grantee, s->r[i].grantee) == 0) {
            j++;
        }
        /* A user's rights on their own mailbox are not a delegation. */
        if (strcmp(s->r[i].mbx, s->r[i].grantee) != 0) {
            report(dc, s, &s->r[i], j - i);
        }
        i = j;
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    m365_exo_dir_free(&s->dir);
    m365_id_office_free(&s->office);
    free(s->r);
}

static const char *const techniques[] = {"T1098.002", NULL};

const struct m365_detection m365_detect_mailbox_delegation_granted = {
    .info =
        {
            .id = "mailbox-delegation-granted",
            .title = "Access to another person's mailbox granted",
            .severity = M365_SEV_MEDIUM,
            .techniques = techniques,
            .description =
                "Add-MailboxPermission FullAccess / ChangePermission / ChangeOwner, "
                "Add-RecipientPermission SendAs, Set-Mailbox -GrantSendOnBehalfTo, and read "
                "rights (Reviewer and above, ReadItems / ReadAny) on the Inbox or the mailbox "
                "root through Add-/Set-MailboxFolderPermission or the UAL AddFolderPermissions / "
                "ModifyFolderPermissions records. One finding per mailbox and grantee. Medium "
                "(send on behalf: low); high when granted to everyone, to an account outside the "
                "tenant, to an account created within new_account_window before, by such an "
                "account, or by the grantee to itself on someone else's mailbox. Made by a user "
                "from the office (a network at least 3 other accounts sign in from, fewer "
                "failing their password there): low unless the mailbox is a --vip one, and a new "
                "grantee also created there, not used from a cloud host, is no risk (an "
                "onboarding). Exchange's own "
                "provisioning (NT AUTHORITY\\SYSTEM, system mailboxes) and calendar / contacts "
                "sharing are not findings.",
            .needs = "Exchange admin cmdlets (UAL, Purview, OfficeActivity) or folder permission "
                     "mailbox records",
            .blind_spots =
                "Delegation made before the logs begin, and permissions inherited from groups, "
                "are not seen. Whether the grant was requested (an assistant, a shared mailbox) "
                "the logs cannot say: the finding asks the question.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_EXCHANGE_ADMIN) | M365_KIND_BIT(M365_EV_MAILBOX_ITEM) |
             M365_KIND_BIT(M365_EV_DIRECTORY) | M365_KIND_BIT(M365_EV_MAIL_ACCESS) |
             M365_KIND_BIT(M365_EV_SIGNIN),
    .needs = 0,
    .state_size = sizeof(struct state),
    .init = init,
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
