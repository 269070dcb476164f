/* Shared helpers for the Exchange / mailbox detections: see exo_common.h. */
#include "exo_common.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../core/norm.h"
#include "../core/sort.h"

/* Marks a local part shared by several UPNs (two tenant domains): never resolved. */
static const char ambiguous[] = "";

static const char *intern_lower(struct m365_dctx *dc, const char *s, size_t len)
{
    char buf[512];
    if (!s || len == 0 || len >= sizeof(buf)) {
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        buf[i] = (char)tolower((unsigned char)s[i]);
    }
    buf[len] = '\0';
    return m365_dctx_intern(dc, buf, len);
}

static void trim(const char **s, size_t *len)
{
    while (*len && (isspace((unsigned char)**s) || **s == '"' || **s == '\'')) {
        (*s)++;
        (*len)--;
    }
    while (*len && (isspace((unsigned char)(*s)[*len - 1]) || (*s)[*len - 1] == '"' ||
                    (*s)[*len - 1] == '\'')) {
        (*len)--;
    }
}

static void set_flag(struct m365_map *m, const void *k, void *v)
{
    void **slot = m365_map_put(m, k, NULL);
    if (slot) {
        *slot = v;
    }
}

static void add_upn(struct m365_exo_dir *d, struct m365_dctx *dc, const char *upn)
{
    if (!upn || m365_icontains(upn, "#ext#") || m365_istarts(upn, "urn:")) {
        return;
    }
    const char *at = strrchr(upn, '@');
    if (!at || at == upn || !at[1] || !strchr(at + 1, '.')) {
        return;
    }
    const char *lu = intern_lower(dc, upn, strlen(upn));
    const char *dom = intern_lower(dc, at + 1, strlen(at + 1));
    const char *local = intern_lower(dc, upn, (size_t)(at - upn));
    if (!lu || !dom || !local) {
        return;
    }
    set_flag(&d->domains, dom, (void *)1);
    set_flag(&d->upns, lu, (void *)1);
    void **slot = m365_map_put(&d->locals, local, NULL);
    if (slot) {
        if (!*slot) {
            *slot = (void *)lu;
        } else if (*slot != lu) {
            *slot = (void *)ambiguous;
        }
    }
}

static void add_id(struct m365_exo_dir *d, struct m365_dctx *dc, const char *id, const char *upn)
{
    if (!id || !*id || !upn || !strchr(upn, '@')) {
        return;
    }
    const char *lid = intern_lower(dc, id, strlen(id));
    const char *lu = intern_lower(dc, upn, strlen(upn));
    if (lid && lu) {
        set_flag(&d->ids, lid, (void *)lu);
    }
}

/* "…/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/…": the tenant's
 * Exchange organisation, its initial domain. */
static void add_org_from_path(struct m365_exo_dir *d, struct m365_dctx *dc, const char *path)
{
    static const char key[] = "Hosted Organizations/";
    if (!path) {
        return;
    }
    const char *p = path;
    for (; *p; p++) {
        if (m365_istarts(p, key)) {
            break;
        }
    }
    if (!*p) {
        return;
    }
    p += sizeof(key) - 1;
    const char *e = p;
    while (*e && *e != '/' && *e != '\\') {
        e++;
    }
    if (e > p && memchr(p, '.', (size_t)(e - p))) {
        const char *dom = intern_lower(dc, p, (size_t)(e - p));
        if (dom) {
            set_flag(&d->domains, dom, (void *)1);
        }
    }
}

/* Whether a string pointer was met before (remembering it the first time). */
static bool seen_before(struct m365_exo_dir *d, const char *p)
{
    void **slot = m365_map_put(&d->seen, p, NULL);
    if (!slot || *slot) {
        return true;
    }
    *slot = (void *)1;
    return false;
}

void m365_exo_dir_observe(struct m365_exo_dir *d, struct m365_dctx *dc,
                          const struct m365_event *ev)
{
    bool tenant_action = ev->kind == M365_EV_EXCHANGE_ADMIN || ev->kind == M365_EV_MAILBOX_ITEM ||
                         ev->kind == M365_EV_DIRECTORY || ev->kind == M365_EV_MAIL_ACCESS;
    if (!tenant_action) {
        return;
    }
    /* Event strings are interned: a pointer seen before was learnt already (mail reads come
     * by the million; this keeps them to one look-up each). */
    if (ev->actor_type == M365_ACTOR_USER && ev->actor_upn &&
        (ev->kind == M365_EV_DIRECTORY || !seen_before(d, ev->actor_upn))) {
        add_upn(d, dc, ev->actor_upn);
        if (ev->kind == M365_EV_DIRECTORY) {
            add_id(d, dc, ev->actor_id, ev->actor_upn);
        }
    }
    if (ev->mail && ev->mail->mailbox_upn && !seen_before(d, ev->mail->mailbox_upn)) {
        add_upn(d, dc, ev->mail->mailbox_upn);
        add_id(d, dc, ev->mail->mailbox_guid, ev->mail->mailbox_upn);
    }
    if (ev->kind == M365_EV_DIRECTORY) {
        for (uint32_t i = 0; i < ev->n_targets; i++) {
            const struct m365_target *t = &ev->targets[i];
            if (t->upn && (!t->type || m365_ieq(t->type, "User"))) {
                add_upn(d, dc, t->upn);
                add_id(d, dc, t->id, t->upn);
            }
        }
        if (ev->operation && m365_ieq(ev->operation, "Add user") &&
            ev->result != M365_RESULT_FAILURE) {
            for (uint32_t i = 0; i < ev->n_targets; i++) {
                if (ev->targets[i].upn) {
                    const char *lu =
                        intern_lower(dc, ev->targets[i].upn, strlen(ev->targets[i].upn));
                    void **slot = lu ? m365_map_put(&d->created, lu, NULL) : NULL;
                    if (slot && !*slot) {
                        *slot = (void *)m365_dctx_keep(dc, ev);
                    }
                }
            }
        }
    }
    if (ev->kind == M365_EV_EXCHANGE_ADMIN || ev->kind == M365_EV_MAILBOX_ITEM) {
        add_org_from_path(d, dc, m365_event_extra(ev, "ObjectId"));
        for (uint32_t i = 0; i < ev->n_targets; i++) {
            add_org_from_path(d, dc, ev->targets[i].id);
        }
    }
    /* New-MailContact -Name X -ExternalEmailAddress SMTP:a@b: a forwarding target by name. */
    if (ev->kind == M365_EV_EXCHANGE_ADMIN && ev->operation &&
        m365_ieq(ev->operation, "New-MailContact") && ev->result != M365_RESULT_FAILURE) {
        const char *addr = m365_event_param(ev, "ExternalEmailAddress");
        if (addr && m365_istarts(addr, "smtp:")) {
            addr += 5;
        }
        if (addr && strchr(addr, '@')) {
            const char *la = intern_lower(dc, addr, strlen(addr));
            const char *names[] = {m365_event_param(ev, "Name"), m365_event_param(ev, "Alias"),
                                   m365_event_param(ev, "DisplayName")};
            for (size_t i = 0; i < 3 && la; i++) {
                if (names[i] && *names[i]) {
                    const char *ln = intern_lower(dc, names[i], strlen(names[i]));
                    if (ln) {
                        set_flag(&d->contacts, ln, (void *)la);
                    }
                }
            }
        }
    }
}

void m365_exo_dir_free(struct m365_exo_dir *d)
{
    m365_map_free(&d->domains);
    m365_map_free(&d->locals);
    m365_map_free(&d->upns);
    m365_map_free(&d->ids);
    m365_map_free(&d->created);
    m365_map_free(&d->contacts);
    m365_map_free(&d->seen);
}

/* The mailbox part of an identity: "org\\alias" -> alias, "alias:\\Inbox" -> alias. */
static void mailbox_part(const char **s, size_t *len)
{
    trim(s, len);
    for (size_t i = 0; i + 1 < *len; i++) {
        if ((*s)[i] == ':' && ((*s)[i + 1] == '\\' || (*s)[i + 1] == '/')) {
            *len = i;
            break;
        }
    }
    if (*len && (*s)[*len - 1] == ':') {
        (*len)--;
    }
    for (size_t i = *len; i > 0; i--) {
        if ((*s)[i - 1] == '\\' || (*s)[i - 1] == '/') {
            *s += i;
            *len -= i;
            break;
        }
    }
    trim(s, len);
}

const char *m365_exo_dir_resolve(struct m365_exo_dir *d, struct m365_dctx *dc, const char *ident)
{
    if (!ident) {
        return NULL;
    }
    const char *s = ident;
    size_t len = strlen(ident);
    mailbox_part(&s, &len);
    if (!len) {
        return NULL;
    }
    const char *l = intern_lower(dc, s, len);
    if (!l) {
        return NULL;
    }
    if (memchr(l, '@', len)) {
        return l;
    }
    const char *u = m365_map_get(&d->ids, l, NULL);
    if (u) {
        return u;
    }
    /* Exchange names a mailbox created since about 2020 by its owner's Entra object id (the
     * ObjectId path ".../contoso.onmicrosoft.com/<id>\\rule"): the sign-ins tie the id to
     * its UPN. */
    if (m365_is_guid(l, len) && (u = m365_dctx_upn_of_id(dc, l)) != NULL) {
        return intern_lower(dc, u, strlen(u));
    }
    u = m365_map_get(&d->locals, l, NULL);
    return u && u != ambiguous ? u : NULL;
}

/* The organisation of a cmdlet record, from its ObjectId path, or NULL. */
static const char *record_org(const struct m365_event *ev, size_t *len)
{
    static const char key[] = "Hosted Organizations/";
    const char *paths[] = {m365_event_extra(ev, "ObjectId"),
                           ev->n_targets ? ev->targets[0].id : NULL};
    for (size_t i = 0; i < 2; i++) {
        for (const char *p = paths[i]; p && *p; p++) {
            if (m365_istarts(p, key)) {
                p += sizeof(key) - 1;
                const char *e = p;
                while (*e && *e != '/' && *e != '\\') {
                    e++;
                }
                *len = (size_t)(e - p);
                return *len ? p : NULL;
            }
        }
    }
    return NULL;
}

static bool ieq_n(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) {
            return false;
        }
    }
    return true;
}

const char *m365_exo_dir_resolve_in(struct m365_exo_dir *d, struct m365_dctx *dc,
                                    const char *ident, const struct m365_event *ev)
{
    if (!ident) {
        return NULL;
    }
    const char *s = ident;
    size_t len = strlen(ident);
    mailbox_part(&s, &len);
    if (len && ev && !memchr(s, '@', len)) {
        /* The actor's own mailbox, named by its alias. */
        const char *a = ev->actor_upn;
        const char *at = a ? strchr(a, '@') : NULL;
        if (at && (size_t)(at - a) == len && ieq_n(a, s, len)) {
            return intern_lower(dc, a, strlen(a));
        }
        /* alias@<the record's organisation>, when the evidence holds that UPN. */
        size_t ol = 0;
        const char *org = record_org(ev, &ol);
        char buf[512];
        if (org && len + 1 + ol < sizeof(buf)) {
            memcpy(buf, s, len);
            buf[len] = '@';
            memcpy(buf + len + 1, org, ol);
            const char *cand = intern_lower(dc, buf, len + 1 + ol);
            if (cand && m365_map_get(&d->upns, cand, NULL)) {
                return cand;
            }
        }
    }
    return m365_exo_dir_resolve(d, dc, ident);
}

const char *m365_exo_dir_name_in(struct m365_exo_dir *d, struct m365_dctx *dc, const char *ident,
                                 const struct m365_event *ev)
{
    const char *u = m365_exo_dir_resolve_in(d, dc, ident, ev);
    return u ? u : m365_exo_dir_name(d, dc, ident);
}

const char *m365_exo_dir_name(struct m365_exo_dir *d, struct m365_dctx *dc, const char *ident)
{
    const char *u = m365_exo_dir_resolve(d, dc, ident);
    if (u || !ident) {
        return u;
    }
    const char *s = ident;
    size_t len = strlen(ident);
    mailbox_part(&s, &len);
    return len ? m365_dctx_intern(dc, s, len) : NULL;
}

int m365_exo_domain_internal(const struct m365_exo_dir *d, struct m365_dctx *dc,
                             const char *domain, size_t len)
{
    if (d->domains.n == 0) {
        return -1;
    }
    while (len && domain[len - 1] == '.') {
        len--;
    }
    const char *l = intern_lower(dc, domain, len);
    if (!l || !len) {
        return -1;
    }
    /* The domain itself or any parent of it (sub.contoso.com under contoso.com). */
    for (size_t i = 0; i < len; i++) {
        if (i == 0 || l[i - 1] == '.') {
            const char *p = m365_dctx_intern(dc, l + i, len - i);
            if (p && m365_map_get(&d->domains, p, NULL)) {
                return 1;
            }
        }
    }
    /* contoso.mail.onmicrosoft.com is the routing domain of contoso.onmicrosoft.com. */
    static const char mail_suffix[] = ".mail.onmicrosoft.com";
    size_t ms = sizeof(mail_suffix) - 1;
    if (len > ms && m365_ieq(l + len - ms, mail_suffix)) {
        char buf[512];
        size_t pre = len - ms;
        if (pre + sizeof(".onmicrosoft.com") < sizeof(buf)) {
            memcpy(buf, l, pre);
            memcpy(buf + pre, ".onmicrosoft.com", sizeof(".onmicrosoft.com"));
            const char *p = m365_dctx_intern(dc, buf, strlen(buf));
            if (p && m365_map_get(&d->domains, p, NULL)) {
                return 1;
            }
        }
    }
    return 0;
}

const struct m365_event *m365_exo_dir_created(const struct m365_exo_dir *d, const char *upn)
{
    return upn ? m365_map_get(&d->created, upn, NULL) : NULL;
}

bool m365_exo_system_principal(const char *who)
{
    if (!who) {
        return false;
    }
    return m365_istarts(who, "NT AUTHORITY\\") || m365_istarts(who, "S-1-5-") ||
           m365_ieq(who, "Owner@local") || m365_ieq(who, "Member@local") ||
           m365_ieq(who, "NT AUTHORITY") || m365_istarts(who, "NT SERVICE\\");
}

bool m365_exo_system_actor(const struct m365_event *ev)
{
    if (ev->actor_type == M365_ACTOR_SYSTEM) {
        return true;
    }
    return m365_exo_system_principal(ev->actor_upn) || m365_exo_system_principal(ev->actor_name);
}

bool m365_exo_system_mailbox(const char *ident)
{
    static const char *const names[] = {
        "SystemMailbox",         "DiscoverySearchMailbox", "FederatedEmail.",
        "Migration.",            "HealthMailbox",          "SearchInsightsConnector",
        "QuarantineOrgShard",    "SystemMailboxRemote",    "Microsoft Exchange Approval",
        "Microsoft Exchange Migration",
    };
    if (!ident) {
        return false;
    }
    const char *s = ident;
    size_t len = strlen(ident);
    mailbox_part(&s, &len);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t n = strlen(names[i]);
        if (len >= n && m365_istarts(s, names[i])) {
            return true;
        }
    }
    return false;
}

const char *m365_exo_param_set(const struct m365_event *ev, const char *name)
{
    const char *v = m365_event_param(ev, name);
    if (!v) {
        return NULL;
    }
    const char *s = v;
    size_t len = strlen(v);
    trim(&s, &len);
    if (!len || m365_ieqn(s, len, "$null") || m365_ieqn(s, len, "null") ||
        m365_ieqn(s, len, "[]") || m365_ieqn(s, len, "{}")) {
        return NULL;
    }
    return v;
}

int m365_exo_param_bool(const struct m365_event *ev, const char *name)
{
    const char *v = m365_event_param(ev, name);
    if (!v) {
        return -1;
    }
    const char *s = v;
    size_t len = strlen(v);
    trim(&s, &len);
    if (len && *s == '$') {
        s++;
        len--;
    }
    if (m365_ieqn(s, len, "true") || m365_ieqn(s, len, "1")) {
        return 1;
    }
    if (m365_ieqn(s, len, "false") || m365_ieqn(s, len, "0")) {
        return 0;
    }
    return -1;
}

static bool word_char(unsigned char c)
{
    /* isalnum() of the C locale (the program never sets another), without the table call. */
    return (c >= '0' && c <= '9') || ((c | 0x20u) >= 'a' && (c | 0x20u) <= 'z') || c == '_' ||
           c >= 0x80;
}

bool m365_exo_list_has(const char *list, const char *token)
{
    if (!list || !token) {
        return false;
    }
    size_t n = strlen(token);
    for (const char *p = list; *p; p++) {
        if ((p == list || !word_char((unsigned char)p[-1])) && m365_istarts(p, token) &&
            !word_char((unsigned char)p[n])) {
            return true;
        }
    }
    return false;
}

/* Whether word (ASCII case-insensitively, optionally plural) starts at p, which starts a word. */
static bool word_at(const char *p, const char *word, size_t n)
{
    if (!m365_istarts(p, word)) {
        return false;
    }
    const char *e = p + n;
    if (*e == 's' || *e == 'S') {
        e++;
    }
    return !word_char((unsigned char)*e) || !word_char((unsigned char)p[n]);
}

int m365_exo_first_word(const char *text, const char *const *words, size_t n_words)
{
    if (!text) {
        return -1;
    }
    size_t best = n_words;
    for (const char *p = text; *p && best > 0; p++) {
        if (p != text && word_char((unsigned char)p[-1])) {
            continue; /* only where a word can start */
        }
        unsigned char c = (unsigned char)*p;
        c = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        for (size_t i = 0; i < best; i++) {
            unsigned char w0 = (unsigned char)words[i][0];
            w0 = (unsigned char)(w0 >= 'A' && w0 <= 'Z' ? w0 + 32 : w0);
            if (w0 == c && word_at(p, words[i], strlen(words[i]))) {
                best = i; /* an earlier word of the list may still come later in the text */
                break;
            }
        }
    }
    return best < n_words ? (int)best : -1;
}

bool m365_exo_has_word(const char *text, const char *word)
{
    return word && m365_exo_first_word(text, &word, 1) == 0;
}


const char *m365_exo_actor(const struct m365_event *ev)
{
    return ev->actor_upn ? ev->actor_upn : ev->actor_name ? ev->actor_name : ev->actor_id;
}

const char *m365_exo_leaf(struct m365_dctx *dc, const char *path)
{
    if (!path) {
        return NULL;
    }
    const char *b = strrchr(path, '\\');
    const char *s = b ? b + 1 : path;
    return m365_dctx_intern(dc, s, strlen(s));
}

void m365_exo_each_recipient(const char *list, m365_exo_recipient_fn fn, void *user)
{
    if (!list) {
        return;
    }
    const char *p = list;
    while (*p) {
        while (*p && strchr(";,\n\r\t[]{}", *p)) {
            p++;
        }
        const char *s = p;
        /* An X500 / legacy DN may hold commas only in a display name; addresses never. */
        while (*p && !strchr(";,\n\r\t[]{}", *p)) {
            p++;
        }
        size_t len = (size_t)(p - s);
        trim(&s, &len);
        if (len >= 5 && m365_ieqn(s, 5, "smtp:")) {
            s += 5;
            len -= 5;
        }
        /* "Display Name <a@b.com>" */
        const char *lt = memchr(s, '<', len);
        if (lt && s[len - 1] == '>') {
            len -= (size_t)(lt + 1 - s) + 1;
            s = lt + 1;
        }
        trim(&s, &len);
        if (len) {
            fn(user, s, len);
        }
    }
}
