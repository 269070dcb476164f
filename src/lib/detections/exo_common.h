/* Shared helpers for the Exchange / mailbox detections (advanced-audit-disabled,
 * application-impersonation-assigned, mailbox-delegation-granted, mail-forwarding-rule):
 * who the tenant's users and domains are (learnt from the evidence), resolving the identities
 * cmdlets name (alias, UPN, GUID), Exchange's own service accounts, cmdlet parameter values. */
#ifndef M365_EXO_COMMON_H
#define M365_EXO_COMMON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/map.h"
#include "../engine/detect.h"

/* The tenant as the evidence shows it. Keys are interned lower-case strings. */
struct m365_exo_dir {
    struct m365_map domains; /* domain -> (void *)1 */
    struct m365_map locals;  /* UPN local part -> UPN, or the ambiguity marker */
    struct m365_map upns;    /* every tenant UPN seen -> (void *)1 */
    struct m365_map ids;     /* directory object id / mailbox GUID -> UPN */
    struct m365_map created; /* UPN -> the "Add user" event that created it */
    struct m365_map contacts; /* mail contact name / alias -> its external address */
    struct m365_map seen;     /* actor / mailbox strings already learnt (event pointers) */
};

/* Learn users, domains and object ids from any event (directory targets, Exchange actors,
 * mailbox owners, Exchange's hosted-organisation paths, New-MailContact). */
void m365_exo_dir_observe(struct m365_exo_dir *d, struct m365_dctx *dc,
                          const struct m365_event *ev);
void m365_exo_dir_free(struct m365_exo_dir *d);
/* A cmdlet identity ("priya.raman", "Priya.Raman@Contoso.com", "contoso.com\\priya.raman",
 * a mailbox GUID or object id, "priya.raman:\\Inbox") as the lower-case UPN it names, or NULL
 * when the evidence does not say. Interned. */
const char *m365_exo_dir_resolve(struct m365_exo_dir *d, struct m365_dctx *dc, const char *ident);
/* As m365_exo_dir_resolve, for an identity named by a cmdlet record: an alias that is the
 * actor's own, or a UPN of the record's Exchange organisation, wins when the alias alone is
 * ambiguous (evidence from several tenants). */
const char *m365_exo_dir_resolve_in(struct m365_exo_dir *d, struct m365_dctx *dc,
                                    const char *ident, const struct m365_event *ev);
/* The identity for output: the resolved UPN, else the text as given (interned), or NULL. */
const char *m365_exo_dir_name(struct m365_exo_dir *d, struct m365_dctx *dc, const char *ident);
const char *m365_exo_dir_name_in(struct m365_exo_dir *d, struct m365_dctx *dc, const char *ident,
                                 const struct m365_event *ev);
/* Whether an e-mail domain is the tenant's: 1 yes, 0 no, -1 unknown (no domain learnt yet).
 * Sub-domains of a tenant domain and <name>.mail.onmicrosoft.com count as the tenant's. */
int m365_exo_domain_internal(const struct m365_exo_dir *d, struct m365_dctx *dc,
                             const char *domain, size_t len);
/* The "Add user" event that created this UPN, or NULL. */
const struct m365_event *m365_exo_dir_created(const struct m365_exo_dir *d, const char *upn);

/* Exchange / Microsoft running its own provisioning: NT AUTHORITY\SYSTEM (…), S-1-5-18, the
 * service-account actor type. Never a finding. */
bool m365_exo_system_actor(const struct m365_event *ev);
/* Exchange's own principals as a grantee (NT AUTHORITY\SYSTEM, NT AUTHORITY\SELF, S-1-5-…,
 * Owner@local). */
bool m365_exo_system_principal(const char *who);
/* System / arbitration mailboxes (SystemMailbox{…}, DiscoverySearchMailbox{…}, FederatedEmail,
 * Migration., HealthMailbox, SearchInsightsConnector, QuarantineOrgShard…). */
bool m365_exo_system_mailbox(const char *ident);

/* A boolean cmdlet parameter: 1 true ("True", "$true", "1"), 0 false, -1 absent or other. */
int m365_exo_param_bool(const struct m365_event *ev, const char *name);
/* A parameter that is present and not empty / "$null" / "null". */
const char *m365_exo_param_set(const struct m365_event *ev, const char *name);
/* Whether a list value ("FullAccess, ReadPermission", "{Reviewer}") holds a token
 * (case-insensitive, whole token). */
bool m365_exo_list_has(const char *list, const char *token);
/* Whole-word, case-insensitive search (a word may be several words: "do not open"); a
 * trailing "s" is allowed ("alerts"). */
bool m365_exo_has_word(const char *text, const char *word);
/* The lowest index i such that m365_exo_has_word(text, words[i]), in one pass over text; -1
 * when none. */
int m365_exo_first_word(const char *text, const char *const *words, size_t n_words);

/* The actor for output: UPN, else display name, else id. */
const char *m365_exo_actor(const struct m365_event *ev);
/* The rule / object name after the last backslash of a cmdlet ObjectId or Identity. */
const char *m365_exo_leaf(struct m365_dctx *dc, const char *path);

/* Split a recipient list ("a@b.com;smtp:c@d.com", "[\"a@b\",\"c@d\"]", "{a@b, c@d}") and call
 * fn for each recipient text (trimmed; "smtp:" and quotes removed). */
typedef void (*m365_exo_recipient_fn)(void *user, const char *r, size_t len);
void m365_exo_each_recipient(const char *list, m365_exo_recipient_fn fn, void *user);

#endif
