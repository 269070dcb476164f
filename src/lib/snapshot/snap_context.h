/* The tenant snapshot as context for the scan's log detections (docs/snapshot.md, "Snapshot in
 * scan"): who last signed in when, which applications hold mail or directory permissions, who
 * owns them, which mailboxes can log MailItemsAccessed. Built once from a snapshot that ran;
 * lookups are binary searches over sorted indexes, so detections may call them per event. */
#ifndef M365_SNAP_CONTEXT_H
#define M365_SNAP_CONTEXT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "m365hunt/snapshot.h"
#include "m365hunt/status.h"

struct m365_snap_db;
struct m365_snap_assign;
struct m365_snap_ctx;

/* posture.c owns struct m365_snapshot; these read its database and home tenant (lower-case,
 * NULL when unknown) after m365_snapshot_run(). */
const struct m365_snap_db *m365_snapshot_db(const struct m365_snapshot *s);
const char *m365_snapshot_home_tenant(const struct m365_snapshot *s);
/* Whether a Get-MailboxAuditBypassAssociation entry names this Get-Mailbox mailbox (posture.c's
 * own join). */
struct m365_snap_bypass;
struct m365_snap_mbx;
bool m365_snapshot_bypass_matches(const struct m365_snap_bypass *b, const struct m365_snap_mbx *m);

/* Whether a file's first bytes look like a tenant snapshot export: 2 when the first record
 * has the members the snapshot reader classifies by (a users page, userRegistrationDetails,
 * Get-Mailbox JSON or CSV, servicePrincipals, grants, app role assignments) and none that only
 * log records carry; 1 when snapshot-only members (signInActivity, isMfaRegistered,
 * RecipientTypeDetails, …) appear somewhere in them; 0 otherwise. The scan routes a file to the
 * snapshot reader on 2, and on 1 when no log reader recognises it. */
int m365_snap_sniff(const char *head, size_t len);

/* The application permission an app role assignment gives, NULL when it is not one of the
 * permissions the rules track (m365_ids.h). */
const struct m365_permission *m365_snap_assign_perm(const struct m365_snap_assign *a);

enum m365_status m365_snap_ctx_new(struct m365_snap_ctx **out, const struct m365_snapshot *s);
void m365_snap_ctx_free(struct m365_snap_ctx *c);

int64_t m365_snap_ctx_as_of(const struct m365_snap_ctx *c); /* M365_TIME_NONE when unknown */
const char *m365_snap_ctx_home_tenant(const struct m365_snap_ctx *c);

/* An account's last sign-in per the snapshot (UPN or object id, any case). */
enum m365_snap_signin {
    M365_SNAP_SIGNIN_UNKNOWN = 0, /* not in the snapshot, or its export has no signInActivity */
    M365_SNAP_SIGNIN_NEVER,       /* signInActivity present, no sign-in recorded */
    M365_SNAP_SIGNIN_AT           /* *last set */
};
struct m365_snap_account {
    enum m365_snap_signin signin;
    int64_t last;    /* the latest interactive, non-interactive or successful sign-in */
    int64_t created; /* createdDateTime, M365_TIME_NONE when absent */
    int enabled;     /* accountEnabled: -1 absent, 0, 1 */
};
/* false when the account is not in the users export. */
bool m365_snap_ctx_account(const struct m365_snap_ctx *c, const char *upn_or_id,
                           struct m365_snap_account *out);

/* The UPN of the user or mailbox with this Entra object id (any case), as the snapshot spells
 * it; NULL when the snapshot does not know the id. */
const char *m365_snap_ctx_upn_of(const struct m365_snap_ctx *c, const char *id);

/* What the snapshot says about an application (appId or service principal object id, any
 * case): the m365_perm_class bits of the tracked application permissions its service principal
 * holds (0 when none, or not in the snapshot), their names (unique, up to max) and its owner
 * tenant (lower-case, NULL when unknown). Returns false when no service principal matches. */
struct m365_snap_app_info {
    unsigned cls;
    const char *roles[8];
    size_t n_roles;
    const char *owner;
    const char *name;
};
bool m365_snap_ctx_app(const struct m365_snap_ctx *c, const char *app_or_sp_id,
                       struct m365_snap_app_info *out);

/* Whether a mailbox (UPN, any case) can log MailItemsAccessed: 1 yes, 0 no (*reason says why:
 * "no Audit (Premium) licence", "Audit (Premium) plan disabled", "mailbox auditing off",
 * "audit bypass" (Get-Mailbox AuditBypassEnabled, or Get-MailboxAuditBypassAssociation: the
 * account's mailbox actions are not logged), "MailItemsAccessed removed from AuditOwner" (and
 * / or AuditDelegate, AuditAdmin: Get-Mailbox's audit lists, off Microsoft's default set)),
 * -1 the snapshot does not say. */
int m365_snap_ctx_auditable(const struct m365_snap_ctx *c, const char *upn, const char **reason);

/* Every mailbox (or, without Get-Mailbox output, licensed user) of the snapshot that cannot log
 * MailItemsAccessed, by UPN: the scan's "you can't audit me" list. */
size_t m365_snap_ctx_n_unauditable(const struct m365_snap_ctx *c);
void m365_snap_ctx_unauditable(const struct m365_snap_ctx *c, size_t i, const char **upn,
                               const char **reason);
#endif
