/* Tenant snapshot: the objects the posture rules read, and the readers that fill them.
 * Strings live in the database's arena; UPNs are lower-cased (accounts are joined on them). */
#ifndef M365_SNAP_H
#define M365_SNAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/arena.h"
#include "m365hunt/scan.h"
#include "m365hunt/snapshot.h"

/* Whether the account's licences give it Audit (Premium), which logs MailItemsAccessed. */
enum m365_snap_audit {
    M365_SNAP_AUDIT_UNKNOWN = 0, /* the users page had neither assignedPlans nor assignedLicenses */
    M365_SNAP_AUDIT_NONE,        /* no licence carries the M365_ADVANCED_AUDITING plan */
    M365_SNAP_AUDIT_DISABLED,    /* the plan is assigned but disabled or suspended */
    M365_SNAP_AUDIT_ENABLED
};

enum { M365_SNAP_UNSET = -1 }; /* tri-state fields: -1 absent, 0 false, 1 true */

struct m365_snap_user {
    const char *id, *upn; /* either may be NULL */
    int enabled;          /* accountEnabled */
    bool guest;           /* userType Guest */
    int64_t created;      /* createdDateTime, M365_TIME_NONE when absent */
    bool has_activity;    /* signInActivity was present (needs Entra ID P1 and AuditLog.Read.All) */
    int64_t last_signin;  /* latest of interactive / non-interactive, M365_TIME_NONE: never */
    enum m365_snap_audit audit;
    bool audit_from_plans; /* judged from assignedPlans (exact), else from known skuIds */
    bool licensed;         /* at least one assigned licence or plan */
};

struct m365_snap_reg {
    const char *id, *upn;
    int is_admin;
    int mfa_registered; /* isMfaRegistered, else whether methodsRegistered holds an MFA method */
    bool guest;
};

struct m365_snap_mbx {
    const char *upn, *ext_id; /* UserPrincipalName (else PrimarySmtpAddress), directory id */
    const char *type;         /* RecipientTypeDetails, NULL when absent */
    bool no_signin;           /* shared, room, equipment or scheduling mailbox */
    int audit_enabled, audit_bypass;
    int64_t created; /* WhenCreatedUTC (or WhenCreated), M365_TIME_NONE when absent */
};

/* A service principal's key (certificate) or password credential. */
struct m365_snap_cred {
    const char *name, *type, *usage, *key_id; /* displayName, type, usage, keyId; NULL absent */
    int64_t start;                            /* startDateTime, M365_TIME_NONE when absent */
    bool is_key;                              /* keyCredentials, else passwordCredentials */
};

struct m365_snap_sp {
    const char *id, *app_id, *name, *owner, *type; /* ids lower-cased */
    struct m365_snap_cred *creds;                  /* in the arena */
    size_t n_creds, n_reply_urls;
};

struct m365_snap_grant { /* oauth2PermissionGrant */
    const char *client, *consent, *principal, *resource, *scope;
};

struct m365_snap_assign { /* appRoleAssignment */
    const char *id, *principal, *principal_type, *resource, *resource_name, *role_id, *role_value;
};

struct m365_snap_db {
    struct m365_arena arena;
    struct m365_snap_user *users;
    size_t n_users, cap_users;
    struct m365_snap_reg *regs;
    size_t n_regs, cap_regs;
    struct m365_snap_mbx *mbxs;
    size_t n_mbxs, cap_mbxs;
    struct m365_snap_sp *sps;
    size_t n_sps, cap_sps;
    struct m365_snap_grant *grants;
    size_t n_grants, cap_grants;
    struct m365_snap_assign *assigns;
    size_t n_assigns, cap_assigns;
    int64_t newest; /* newest time seen in any object, M365_TIME_NONE when none */
    m365_diag_fn on_diag;
    void *diag_user;
};

void m365_snap_db_init(struct m365_snap_db *db);
void m365_snap_db_free(struct m365_snap_db *db);

/* Reads one file into db and fills *st (path must outlive db's use of st). Problems with
 * single objects are warnings through db->on_diag; a file that is not a snapshot file gets
 * kind M365_SNAP_NONE and st->error. Returns M365_E_NOMEM only when memory ran out. */
enum m365_status m365_snap_read_file(struct m365_snap_db *db, const char *path,
                                     const struct m365_limits *lim,
                                     struct m365_snapshot_file *st);

/* Audit (Premium) from a user object's assignedPlans / assignedLicenses (exposed for tests). */
#define M365_PLAN_ADVANCED_AUDITING "2f442157-a11c-46b9-ae5b-6e39ff4e5849"
#endif
