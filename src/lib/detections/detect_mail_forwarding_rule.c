/* mail-forwarding-rule: mail sent out of the tenant or hidden from its owner by inbox rules
 * (New-InboxRule, Set-InboxRule, Outlook's UpdateInboxRules), mailbox forwarding (Set-Mailbox
 * ForwardingSmtpAddress / ForwardingAddress) and transport rules (BlindCopyTo, CopyTo,
 * RedirectMessageTo, AddToRecipients). Recipients are judged against the tenant's own domains,
 * learnt from the evidence, once all of it is read. */
#include <ctype.h>
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
    uint32_t short_name;   /* rule names this short (characters) are "meaningless" */
    bool report_hide_only; /* delete / move to Junk, Deleted Items, Archive with no other sign */
};

static const struct m365_param_def params[] = {
    M365_PARAM("short_name", M365_PARAM_UINT, "2", struct cfg, short_name,
               "inbox rule names of at most this many characters (or only punctuation) are "
               "treated as made to go unnoticed"),
    M365_PARAM("report_hide_only", M365_PARAM_BOOL, "true", struct cfg, report_hide_only,
               "report (low) rules that only delete mail or move it to Deleted Items, Junk Email "
               "or Archive, with no sensitive words, odd name or forwarding"),
};

/* What a rule does. */
enum {
    SIG_HIDE = 1u << 0,        /* deletes, or moves to Deleted Items / Junk Email / Archive */
    SIG_HIDE_STRONG = 1u << 1, /* moves to RSS / Conversation History: folders people never read */
    SIG_MARK_READ = 1u << 2,
    SIG_WORDS = 1u << 3,       /* conditions on subject / body words */
    SIG_SENSITIVE = 1u << 4,   /* those words (or sender words) are security or payment themes */
    SIG_NAME = 1u << 5,        /* a name of one or two characters, or only punctuation */
    SIG_NO_COPY = 1u << 6,     /* Set-Mailbox DeliverToMailboxAndForward $false */
    SIG_FWD_ADDRESS = 1u << 7, /* Set-Mailbox ForwardingAddress: a recipient object (contact) */
};

enum what { W_INBOX_RULE, W_MAILBOX_FWD, W_TRANSPORT };

#define MAX_RECIP 8
#define MAX_RECS 4096

struct rec {
    const struct m365_event *ev;
    enum what what;
    const char *mbx_ident; /* the mailbox as the record names it (resolved at the end) */
    const char *name;      /* rule name */
    unsigned sig;
    const char *folder;    /* hiding folder */
    const char *word;      /* first sensitive word matched */
    const char *recip[MAX_RECIP];
    uint32_t n_recip, more_recip;
    /* Filled in finish(). */
    const char *key;
    enum m365_severity sev;
    uint32_t n_ext, n_unknown;
    bool judged; /* recipients judged against known tenant domains */
};

struct state {
    struct m365_exo_dir dir;
    struct rec *r;
    size_t n, cap;
    uint32_t dropped;
};

static void init(struct m365_dctx *dc, void *sv)
{
    (void)sv;
    if (!m365_dctx_has_kind(dc, M365_EV_EXCHANGE_ADMIN) &&
        !m365_dctx_has_kind(dc, M365_EV_MAILBOX_ITEM)) {
        m365_dctx_not_evaluated(dc, "needs Exchange records (admin cmdlets such as New-InboxRule, "
                                    "or UpdateInboxRules); the evidence holds none");
    }
}

/* --- vocabulary ---------------------------------------------------------------------------- */

/* Words public rules use for rules that hide warnings or watch payment threads, plus "legal"
 * (business-email-compromise actors watch legal and payment threads). */
static const char *const sensitive_words[] = {
    "phish",      "phishing",   "hacked",   "hack",        "security",  "helpdesk",
    "help desk",  "alert",      "suspicious", "fake",      "malicious", "spam",
    "do not click", "do not open", "hijacked", "compromised", "fatal",  "virus",
    "scam",       "password",   "invoice",  "wire",        "payment",   "fraud",
    "legal",      "bank",       "mfa",      "unusual sign-in", "verify",
};

/* Folders people never read: an attacker's favourite hiding places (en, fr, de, es). */
static const char *const strong_folders[] = {
    "RSS Feeds", "RSS Subscriptions", "Conversation History", "Historique des conversations",
    "Flux RSS", "Unterhaltungsverlauf", "RSS-Feeds", "RSS-Abonnements",
    "Historial de conversaciones", "Fuentes RSS", "Suscripciones RSS",
};
static const char *const weak_folders[] = {
    "Deleted Items", "Junk Email", "Junk E-mail", "Archive", "Éléments supprimés",
    "Courrier indésirable", "Archives", "Gelöschte Elemente", "Junk-E-Mail", "Archiv",
    "Elementos eliminados", "Correo no deseado", "Archivo",
};

static const char *folder_leaf(const char *f)
{
    const char *b = strrchr(f, '\\');
    return b ? b + 1 : f;
}

static const char *match_list(const char *v, const char *const *list, size_t n)
{
    const char *leaf = folder_leaf(v);
    for (size_t i = 0; i < n; i++) {
        if (m365_ieq(leaf, list[i])) {
            return list[i];
        }
    }
    return NULL;
}

static const char *sensitive(const char *text)
{
    int i = m365_exo_first_word(text, sensitive_words,
                                sizeof(sensitive_words) / sizeof(sensitive_words[0]));
    return i >= 0 ? sensitive_words[i] : NULL;
}

/* Number of characters (UTF-8) and whether all are ASCII punctuation or space. */
static bool odd_name(const char *name, uint32_t short_len)
{
    if (!name || !*name) {
        return false;
    }
    size_t chars = 0;
    bool punct = true;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        chars += (*p & 0xC0) != 0x80;
        punct &= *p < 0x80 && (ispunct(*p) || isspace(*p));
    }
    return punct || chars <= short_len;
}

/* --- records ------------------------------------------------------------------------------- */

static struct rec *new_rec(struct m365_dctx *dc, struct state *s, const struct m365_event *ev,
                           enum what w)
{
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
    struct rec *r = &s->r[s->n];
    memset(r, 0, sizeof(*r));
    r->ev = m365_dctx_keep(dc, ev);
    r->what = w;
    return r;
}

struct recip_ctx {
    struct m365_dctx *dc;
    struct rec *r;
};

static void add_recip(void *user, const char *t, size_t len)
{
    struct recip_ctx *c = user;
    for (uint32_t i = 0; i < c->r->n_recip; i++) {
        if (strlen(c->r->recip[i]) == len && m365_ieqn(t, len, c->r->recip[i])) {
            return;
        }
    }
    if (c->r->n_recip < MAX_RECIP) {
        c->r->recip[c->r->n_recip++] = m365_dctx_intern(c->dc, t, len);
    } else {
        c->r->more_recip++;
    }
}

static bool addr_char(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '_' || c == '-' || c == '+' || c == '%' || c == '\'';
}

/* E-mail addresses anywhere in a text (Outlook rule JSON). */
static void scan_addresses(struct m365_dctx *dc, struct rec *r, const char *text)
{
    struct recip_ctx c = {dc, r};
    for (const char *p = text ? strchr(text, '@') : NULL; p; p = strchr(p + 1, '@')) {
        const char *b = p, *e = p + 1;
        while (b > text && addr_char((unsigned char)b[-1])) {
            b--;
        }
        while (*e && addr_char((unsigned char)*e)) {
            e++;
        }
        while (e > p + 1 && e[-1] == '.') {
            e--;
        }
        if (b < p && memchr(p + 1, '.', (size_t)(e - p - 1))) {
            size_t len = (size_t)(e - b);
            if (len > 5 && m365_ieqn(b, 5, "smtp:")) {
                b += 5;
                len -= 5;
            }
            add_recip(&c, b, len);
        }
    }
}

static void keep(struct state *s, struct rec *r)
{
    if (r->sig || r->n_recip) {
        s->n++;
    }
}

/* The mailbox an inbox-rule cmdlet changed: -Mailbox, the "mailbox\\rule" identity, the
 * ObjectId path ".../alias\\rule", else the actor's own. */
static const char *rule_mailbox(struct m365_dctx *dc, const struct m365_event *ev)
{
    const char *m = m365_exo_param_set(ev, "Mailbox");
    if (m) {
        return m;
    }
    const char *paths[] = {m365_event_param(ev, "Identity"), m365_event_extra(ev, "ObjectId"),
                           ev->n_targets ? ev->targets[0].id : NULL};
    for (size_t i = 0; i < 3; i++) {
        const char *p = paths[i];
        const char *bs = p ? strrchr(p, '\\') : NULL;
        if (!bs || bs == p) {
            continue;
        }
        const char *b = bs;
        while (b > p && b[-1] != '/' && b[-1] != '\\') {
            b--;
        }
        if (bs > b) {
            return m365_dctx_intern(dc, b, (size_t)(bs - b));
        }
    }
    return m365_exo_actor(ev);
}

static void observe_inbox_rule(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    const struct cfg *c = m365_dctx_cfg(dc);
    struct rec *r = new_rec(dc, s, ev, W_INBOX_RULE);
    if (!r) {
        return;
    }
    r->mbx_ident = rule_mailbox(dc, ev);
    r->name = m365_event_param(ev, "Name");
    if (!r->name) {
        const char *id = m365_event_param(ev, "Identity");
        r->name = id ? m365_exo_leaf(dc, id) : NULL;
    }
    static const char *const fwd[] = {"ForwardTo", "ForwardAsAttachmentTo", "RedirectTo"};
    struct recip_ctx rc = {dc, r};
    for (size_t i = 0; i < 3; i++) {
        m365_exo_each_recipient(m365_exo_param_set(ev, fwd[i]), add_recip, &rc);
    }
    if (m365_exo_param_bool(ev, "DeleteMessage") == 1 ||
        m365_exo_param_bool(ev, "SoftDeleteMessage") == 1) {
        r->sig |= SIG_HIDE;
    }
    if (m365_exo_param_bool(ev, "MarkAsRead") == 1) {
        r->sig |= SIG_MARK_READ;
    }
    const char *mv = m365_exo_param_set(ev, "MoveToFolder");
    if (mv) {
        size_t ns = sizeof(strong_folders) / sizeof(*strong_folders);
        size_t nw = sizeof(weak_folders) / sizeof(*weak_folders);
        const char *f = match_list(mv, strong_folders, ns);
        if (f) {
            r->sig |= SIG_HIDE_STRONG;
        } else if ((f = match_list(mv, weak_folders, nw))) {
            r->sig |= SIG_HIDE;
        }
        r->folder = f ? m365_dctx_intern(dc, folder_leaf(mv), strlen(folder_leaf(mv))) : NULL;
    }
    static const char *const content[] = {"SubjectContainsWords", "BodyContainsWords",
                                          "SubjectOrBodyContainsWords", "HeaderContainsWords"};
    static const char *const sender[] = {"From", "FromAddressContainsWords"};
    for (size_t i = 0; i < 4; i++) {
        const char *v = m365_exo_param_set(ev, content[i]);
        if (v) {
            r->sig |= SIG_WORDS;
            if (!r->word && (r->word = sensitive(v))) {
                r->sig |= SIG_SENSITIVE;
            }
        }
    }
    for (size_t i = 0; i < 2 && !r->word; i++) {
        if ((r->word = sensitive(m365_exo_param_set(ev, sender[i])))) {
            r->sig |= SIG_SENSITIVE;
        }
    }
    if (odd_name(r->name, c->short_name)) {
        r->sig |= SIG_NAME;
    }
    keep(s, r);
}

/* Outlook-made rules: OperationProperties RuleName, RuleActions ([{ActionType, Recipients}]),
 * RuleCondition, or the older Actions / ServerRule JSON. */
static void observe_update_rules(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    const struct cfg *c = m365_dctx_cfg(dc);
    const char *op = m365_event_param(ev, "RuleOperation");
    if (op && m365_icontains(op, "Remove")) {
        return;
    }
    struct rec *r = new_rec(dc, s, ev, W_INBOX_RULE);
    if (!r) {
        return;
    }
    r->mbx_ident = ev->mail && ev->mail->mailbox_upn ? ev->mail->mailbox_upn : m365_exo_actor(ev);
    r->name = m365_exo_param_set(ev, "RuleName");
    if (!r->name) {
        r->name = m365_exo_param_set(ev, "Name");
    }
    const char *texts[] = {m365_event_param(ev, "RuleActions"), m365_event_param(ev, "Actions"),
                           m365_event_param(ev, "ServerRule")};
    bool fwd = false;
    for (size_t i = 0; i < 3; i++) {
        const char *t = texts[i];
        if (!t) {
            continue;
        }
        static const char *const fwd_words[] = {"Forward", "Redirect", "ForwardAsAttachment",
                                                 "Delegate"};
        fwd |= m365_exo_first_word(t, fwd_words, 4) >= 0 ||
               m365_icontains(t, "ForwardToRecipientsAction") ||
               m365_icontains(t, "RedirectToRecipientsAction") ||
               m365_icontains(t, "ForwardAsAttachmentToRecipientsAction");
        if (m365_exo_has_word(t, "Delete") || m365_exo_has_word(t, "PermanentDelete") ||
            m365_icontains(t, "DeleteAction")) {
            r->sig |= SIG_HIDE;
        }
        if (m365_exo_has_word(t, "MarkAsRead") || m365_icontains(t, "MarkAsReadAction")) {
            r->sig |= SIG_MARK_READ;
        }
        for (size_t k = 0; k < sizeof(strong_folders) / sizeof(*strong_folders); k++) {
            if (m365_icontains(t, strong_folders[k])) {
                r->sig |= SIG_HIDE_STRONG;
                r->folder = strong_folders[k];
            }
        }
    }
    if (fwd) {
        for (size_t i = 0; i < 3; i++) {
            scan_addresses(dc, r, texts[i]);
        }
    }
    const char *cond = m365_event_param(ev, "RuleCondition");
    if (cond && m365_icontains(cond, "SubString")) {
        r->sig |= SIG_WORDS;
    }
    if ((r->word = sensitive(cond))) {
        r->sig |= SIG_SENSITIVE;
    }
    if (odd_name(r->name, c->short_name)) {
        r->sig |= SIG_NAME;
    }
    keep(s, r);
}

static void observe_set_mailbox(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    const char *smtp = m365_exo_param_set(ev, "ForwardingSmtpAddress");
    const char *addr = m365_exo_param_set(ev, "ForwardingAddress");
    if (!smtp && !addr) {
        return; /* quotas, retention, or forwarding removed */
    }
    struct rec *r = new_rec(dc, s, ev, W_MAILBOX_FWD);
    if (!r) {
        return;
    }
    r->mbx_ident = m365_event_param(ev, "Identity");
    if (!r->mbx_ident) {
        r->mbx_ident = m365_exo_actor(ev);
    }
    struct recip_ctx rc = {dc, r};
    m365_exo_each_recipient(smtp, add_recip, &rc);
    m365_exo_each_recipient(addr, add_recip, &rc);
    if (addr) {
        r->sig |= SIG_FWD_ADDRESS;
    }
    if (m365_exo_param_bool(ev, "DeliverToMailboxAndForward") == 0) {
        r->sig |= SIG_NO_COPY;
    }
    keep(s, r);
}

static void observe_transport(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    static const char *const copy[] = {"BlindCopyTo", "RedirectMessageTo", "CopyTo",
                                       "AddToRecipients"};
    struct rec *r = new_rec(dc, s, ev, W_TRANSPORT);
    if (!r) {
        return;
    }
    r->name = m365_event_param(ev, "Name");
    if (!r->name) {
        const char *id = m365_event_param(ev, "Identity");
        r->name = id ? m365_exo_leaf(dc, id) : m365_event_extra(ev, "ObjectId");
    }
    struct recip_ctx rc = {dc, r};
    for (size_t i = 0; i < 4; i++) {
        m365_exo_each_recipient(m365_exo_param_set(ev, copy[i]), add_recip, &rc);
    }
    if (r->n_recip) {
        keep(s, r);
    }
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    m365_exo_dir_observe(&s->dir, dc, ev);
    if (ev->result == M365_RESULT_FAILURE || !ev->operation || m365_exo_system_actor(ev)) {
        return;
    }
    const char *op = ev->operation;
    if (ev->kind == M365_EV_EXCHANGE_ADMIN) {
        if (m365_ieq(op, "New-InboxRule") || m365_ieq(op, "Set-InboxRule")) {
            observe_inbox_rule(dc, s, ev);
        } else if (m365_ieq(op, "Set-Mailbox")) {
            observe_set_mailbox(dc, s, ev);
        } else if (m365_ieq(op, "New-TransportRule") || m365_ieq(op, "Set-TransportRule")) {
            observe_transport(dc, s, ev);
        }
    } else if (ev->kind == M365_EV_MAILBOX_ITEM && m365_ieq(op, "UpdateInboxRules")) {
        observe_update_rules(dc, s, ev);
    }
}

/* --- judging ------------------------------------------------------------------------------- */

/* 1 outside the tenant, 0 inside, -1 cannot tell. */
static int recipient_external(struct state *s, struct m365_dctx *dc, const char *r,
                              const char **shown)
{
    *shown = r;
    /* X500 / legacy Exchange DN: a recipient of this organisation. */
    if (r[0] == '/' || m365_istarts(r, "x500:") || m365_istarts(r, "ex:")) {
        return 0;
    }
    const char *at = strrchr(r, '@');
    if (!at) {
        /* A name: a mail contact created in the evidence, else a user of the tenant. */
        char buf[256];
        size_t n = strlen(r);
        if (n < sizeof(buf)) {
            for (size_t i = 0; i <= n; i++) {
                buf[i] = (char)tolower((unsigned char)r[i]);
            }
            const char *k = m365_dctx_intern(dc, buf, n);
            const char *contact = k ? m365_map_get(&s->dir.contacts, k, NULL) : NULL;
            if (contact) {
                *shown = contact;
                at = strrchr(contact, '@');
                return m365_exo_domain_internal(&s->dir, dc, at + 1, strlen(at + 1)) == 1 ? 0 : 1;
            }
        }
        return m365_exo_dir_resolve(&s->dir, dc, r) ? 0 : -1;
    }
    int in = m365_exo_domain_internal(&s->dir, dc, at + 1, strlen(at + 1));
    return in < 0 ? -1 : !in;
}

static enum m365_severity judge(const struct cfg *c, const struct rec *r, bool *report)
{
    unsigned g = r->sig;
    bool hide = g & (SIG_HIDE | SIG_HIDE_STRONG);
    bool fwd = r->n_recip > 0;
    *report = true;
    if (r->n_ext) {
        return hide || (g & (SIG_SENSITIVE | SIG_NO_COPY | SIG_MARK_READ)) ? M365_SEV_CRITICAL
                                                                           : M365_SEV_HIGH;
    }
    if (hide && (g & (SIG_SENSITIVE | SIG_NAME))) {
        return M365_SEV_HIGH;
    }
    if ((g & SIG_HIDE_STRONG) && (g & (SIG_WORDS | SIG_MARK_READ))) {
        return M365_SEV_HIGH;
    }
    if (g & SIG_HIDE_STRONG) {
        return M365_SEV_MEDIUM;
    }
    if ((g & SIG_HIDE) && (g & SIG_WORDS)) {
        return M365_SEV_MEDIUM;
    }
    if (r->n_unknown && (r->what != W_INBOX_RULE || !r->judged)) {
        return M365_SEV_MEDIUM; /* a contact, or a tenant whose domains the evidence hides */
    }
    if ((g & SIG_NAME) && fwd) {
        return M365_SEV_MEDIUM;
    }
    if (g & SIG_SENSITIVE) {
        return M365_SEV_LOW; /* watches security or payment words: a BEC watch list or a filer */
    }
    if (hide && c->report_hide_only) {
        return M365_SEV_LOW;
    }
    if (r->n_unknown || (r->what == W_TRANSPORT && fwd)) {
        return M365_SEV_LOW;
    }
    *report = false;
    return M365_SEV_INFO;
}

/* "forwards mail to a@b.com outside the tenant, deletes it when it mentions 'invoice'". */
static void describe(struct m365_buf *b, struct state *s, struct m365_dctx *dc,
                     const struct rec *r)
{
    size_t start = b->len;
#define NOUN (b->len > start ? "it" : "mail")
#define SEP (b->len > start ? ", " : "")
    if (r->n_recip) {
        const char *shown;
        int ext = -1;
        const char *first = NULL;
        for (uint32_t i = 0; i < r->n_recip; i++) {
            int e = recipient_external(s, dc, r->recip[i], &shown);
            if (!first || (e == 1 && ext != 1)) {
                first = shown;
                ext = e;
            }
        }
        m365_buf_printf(b, "%s mail to %s%s%s", r->what == W_TRANSPORT ? "copies" : "forwards",
                        first, r->n_recip > 1 ? " and others" : "",
                        ext == 1 ? " outside the tenant" : ext == 0 ? " inside the tenant" : "");
    }
    if (r->sig & SIG_HIDE_STRONG || (r->sig & SIG_HIDE && r->folder)) {
        const char *sep = SEP;
        m365_buf_printf(b, "%smoves %s to '%s'", sep, NOUN, r->folder);
    } else if (r->sig & SIG_HIDE) {
        const char *sep = SEP;
        m365_buf_printf(b, "%sdeletes %s", sep, NOUN);
    }
    if (r->sig & SIG_MARK_READ) {
        const char *sep = SEP;
        m365_buf_printf(b, "%smarks %s as read", sep, NOUN);
    }
    if (r->sig & SIG_NO_COPY) {
        const char *sep = SEP;
        m365_buf_printf(b, "%skeeps no copy in the mailbox", sep);
    }
    if (b->len == start) {
        m365_buf_puts(b, "watches mail");
    }
    if (r->word) {
        m365_buf_printf(b, " when it mentions '%s'", r->word);
    } else if (r->sig & SIG_WORDS) {
        m365_buf_puts(b, " for chosen words");
    }
#undef NOUN
#undef SEP
}

static void rec_json(struct m365_buf *d, struct state *s, struct m365_dctx *dc, const struct rec *r)
{
    int f = 1;
    m365_buf_putc(d, '{');
    m365_json_key(d, &f, "operation");
    m365_json_cstr(d, r->ev->operation);
    m365_json_key(d, &f, "at");
    m365_json_time(d, r->ev->time_ms);
    m365_json_key(d, &f, "by");
    m365_json_cstr(d, m365_exo_actor(r->ev));
    m365_json_key(d, &f, "ip");
    m365_json_cstr(d, r->ev->ip);
    if (r->what != W_MAILBOX_FWD) {
        m365_json_key(d, &f, "name");
        m365_json_cstr(d, r->name);
    }
    m365_json_key(d, &f, "severity");
    m365_json_cstr(d, m365_severity_name(r->sev));
    m365_json_key(d, &f, "does");
    struct m365_buf t;
    m365_buf_init(&t, 4096);
    describe(&t, s, dc, r);
    m365_json_cstr(d, m365_buf_cstr(&t));
    m365_buf_free(&t);
    const char *shown;
    for (int pass = 0; pass < 3; pass++) {
        static const char *const keys[] = {"external_recipients", "internal_recipients",
                                           "unresolved_recipients"};
        const char *list[MAX_RECIP];
        size_t n = 0;
        for (uint32_t i = 0; i < r->n_recip; i++) {
            int e = recipient_external(s, dc, r->recip[i], &shown);
            if ((pass == 0 && e == 1) || (pass == 1 && e == 0) || (pass == 2 && e < 0)) {
                list[n++] = shown;
            }
        }
        if (!n) {
            continue;
        }
        m365_qsort(list, n, sizeof(*list), m365_cmp_cstr);
        m365_json_key(d, &f, keys[pass]);
        m365_buf_putc(d, '[');
        for (size_t i = 0; i < n; i++) {
            if (i) {
                m365_buf_putc(d, ',');
            }
            m365_json_cstr(d, list[i]);
        }
        m365_buf_putc(d, ']');
    }
    if (r->more_recip) {
        m365_json_key(d, &f, "more_recipients");
        m365_buf_printf(d, "%u", r->more_recip);
    }
    static const struct {
        unsigned bit;
        const char *text;
    } signs[] = {
        {SIG_HIDE, "deletes or files mail where it goes unseen"},
        {SIG_HIDE_STRONG, "moves mail to a folder nobody reads"},
        {SIG_MARK_READ, "marks mail as read"},
        {SIG_WORDS, "matches chosen words"},
        {SIG_SENSITIVE, "watches security or payment words"},
        {SIG_NAME, "meaningless name"},
        {SIG_NO_COPY, "no copy kept in the mailbox"},
        {SIG_FWD_ADDRESS, "forwards to a recipient object (contact or mailbox)"},
    };
    m365_json_key(d, &f, "signs");
    m365_buf_putc(d, '[');
    int fs = 1;
    for (size_t i = 0; i < sizeof(signs) / sizeof(signs[0]); i++) {
        if (r->sig & signs[i].bit) {
            m365_buf_puts(d, fs ? "" : ",");
            fs = 0;
            m365_json_cstr(d, signs[i].text);
        }
    }
    m365_buf_putc(d, ']');
    if (r->word) {
        m365_json_key(d, &f, "word");
        m365_json_cstr(d, r->word);
    }
    m365_buf_putc(d, '}');
}

static int cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) {
        return c;
    }
    return x->ev->seq < y->ev->seq ? -1 : x->ev->seq > y->ev->seq;
}

#define MAX_SHOWN 16

static void report(struct m365_dctx *dc, struct state *s, struct rec *r, size_t n)
{
    const struct rec *worst = NULL;
    size_t reported = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i].sev > M365_SEV_INFO && (!worst || r[i].sev > worst->sev)) {
            worst = &r[i];
        }
        reported += r[i].sev > M365_SEV_INFO;
    }
    if (!worst) {
        return;
    }
    struct m365_fb *fb = m365_fb_begin(dc, worst->sev);
    if (!fb) {
        return;
    }
    bool transport = worst->what == W_TRANSPORT;
    const char *mbx = transport ? NULL : worst->key;
    if (mbx) {
        m365_fb_entity(fb, M365_ENT_MAILBOXES, mbx);
        if (strchr(mbx, '@')) {
            m365_fb_entity(fb, M365_ENT_USERS, mbx);
        }
    }
    const char *shown;
    for (size_t i = 0; i < n; i++) {
        if (r[i].sev == M365_SEV_INFO) {
            continue;
        }
        m365_fb_event(fb, r[i].ev);
        if (r[i].ev->actor_upn) {
            m365_fb_entity(fb, M365_ENT_USERS, r[i].ev->actor_upn);
        }
        m365_fb_entity(fb, M365_ENT_IPS, r[i].ev->ip);
        for (uint32_t k = 0; k < r[i].n_recip; k++) {
            if (recipient_external(s, dc, r[i].recip[k], &shown) == 1) {
                const char *at = strrchr(shown, '@');
                m365_fb_entity(fb, M365_ENT_DOMAINS, at ? at + 1 : NULL);
            }
        }
    }
    int *fp;
    struct m365_buf *d = m365_fb_details(fb, &fp);
    if (transport) {
        m365_json_key(d, fp, "transport_rule");
        m365_json_cstr(d, worst->name);
    } else {
        m365_json_key(d, fp, "mailbox");
        m365_json_cstr(d, mbx);
    }
    m365_json_key(d, fp, "changes");
    m365_buf_putc(d, '[');
    size_t shown_n = 0;
    for (size_t i = 0; i < n && shown_n < MAX_SHOWN; i++) {
        if (r[i].sev == M365_SEV_INFO) {
            continue;
        }
        if (shown_n++) {
            m365_buf_putc(d, ',');
        }
        rec_json(d, s, dc, &r[i]);
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, fp, "rules_reported");
    m365_buf_printf(d, "%zu", reported);
    if (s->dropped) {
        m365_json_key(d, fp, "changes_not_tracked");
        m365_buf_printf(d, "%u", s->dropped);
    }
    m365_json_key(d, fp, "tenant_domains_known");
    m365_buf_puts(d, s->dir.domains.n ? "true" : "false");
    if (!s->dir.domains.n) {
        m365_json_key(d, fp, "note");
        m365_json_cstr(d, "the evidence names none of the tenant's domains: recipients could not "
                          "be judged inside or outside the tenant");
    }
    struct m365_buf t;
    m365_buf_init(&t, 4096);
    describe(&t, s, dc, worst);
    const char *actor = m365_exo_actor(worst->ev);
    if (worst->what == W_TRANSPORT) {
        m365_fb_summary(fb, "%s %s transport rule '%s', which %s.", actor ? actor : "Someone",
                        m365_istarts(worst->ev->operation, "New") ? "created" : "changed",
                        worst->name ? worst->name : "?", m365_buf_cstr(&t));
    } else if (worst->what == W_MAILBOX_FWD) {
        m365_fb_summary(fb, "%s set mailbox forwarding on %s: it %s.", actor ? actor : "Someone",
                        mbx, m365_buf_cstr(&t));
    } else {
        m365_fb_summary(fb, "%s %s inbox rule '%s' in %s, which %s%s.", actor ? actor : "Someone",
                        m365_istarts(worst->ev->operation, "Set") ? "changed" : "created",
                        worst->name ? worst->name : "(no name)", mbx, m365_buf_cstr(&t),
                        reported > 1 ? " (and other suspicious rules)" : "");
    }
    m365_buf_free(&t);
    m365_fb_end(fb);
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    for (size_t i = 0; i < s->n; i++) {
        struct rec *r = &s->r[i];
        if (r->what == W_TRANSPORT) {
            char key[300];
            snprintf(key, sizeof(key), "transport rule %s", r->name ? r->name : "?");
            r->key = m365_dctx_intern(dc, key, strlen(key));
        } else {
            r->key = m365_exo_dir_name_in(&s->dir, dc, r->mbx_ident, r->ev);
            if (!r->key) {
                r->key = m365_dctx_intern(dc, "(unknown mailbox)", 17);
            }
        }
        const char *shown;
        r->judged = s->dir.domains.n > 0;
        for (uint32_t k = 0; k < r->n_recip; k++) {
            int e = recipient_external(s, dc, r->recip[k], &shown);
            r->n_ext += e == 1;
            r->n_unknown += e < 0;
        }
        bool rep;
        r->sev = judge(c, r, &rep);
        if (!rep) {
            r->sev = M365_SEV_INFO;
        }
    }
    if (s->n > 1) {
        m365_qsort(s->r, s->n, sizeof(*s->r), cmp_rec);
    }
    for (size_t i = 0; i < s->n;) {
        size_t j = i + 1;
        while (j < s->n && strcmp(s->r[j].key, s->r[i].key) == 0) {
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
    free(s->r);
}

static const char *const techniques[] = {"T1114.003", "T1564.008", NULL};

const struct m365_detection m365_detect_mail_forwarding_rule = {
    .info =
        {
            .id = "mail-forwarding-rule",
            .title = "Mail forwarded out of the tenant or hidden by a rule",
            .severity = M365_SEV_HIGH,
            .techniques = techniques,
            .description =
                "Inbox rules (New-InboxRule, Set-InboxRule, Outlook's UpdateInboxRules), mailbox "
                "forwarding (Set-Mailbox ForwardingSmtpAddress / ForwardingAddress) and transport "
                "rules (BlindCopyTo, CopyTo, RedirectMessageTo, AddToRecipients) that send mail "
                "outside the tenant, and inbox rules that hide mail: delete it, mark it read, move "
                "it to RSS / Conversation History / Deleted Items / Junk / Archive, watch "
                "security or payment words, or carry a meaningless name. The tenant's domains "
                "are learnt from the UPNs and Exchange organisation in the evidence; forwarding "
                "inside the tenant is not a finding. One finding per mailbox (per transport "
                "rule). Critical: external forwarding that also hides mail; high: external "
                "forwarding, or hiding combined with sensitive words, a meaningless name or a "
                "never-read folder; medium: a never-read folder alone, deleting on chosen words, "
                "forwarding to a recipient the evidence cannot place; low: rules that only watch "
                "sensitive words or only delete / junk mail.",
            .needs = "Exchange admin cmdlets (UAL, Purview, OfficeActivity) or UpdateInboxRules "
                     "mailbox records",
            .blind_spots =
                "Rules made in Outlook desktop before the logs begin, and forwarding set by "
                "Graph / EWS rule APIs that are not audited, are invisible. The tenant's domains "
                "are only those the evidence names: forwarding to an accepted domain no user "
                "holds looks external. Transport rules made in the Exchange admin centre are "
                "logged the same way as cmdlets.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_EXCHANGE_ADMIN) | M365_KIND_BIT(M365_EV_MAILBOX_ITEM) |
             M365_KIND_BIT(M365_EV_DIRECTORY) | M365_KIND_BIT(M365_EV_MAIL_ACCESS),
    .needs = 0,
    .state_size = sizeof(struct state),
    .init = init,
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
