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

/* Which export decided a user's Audit (Premium). */
enum m365_snap_audit_src {
    M365_SNAP_SRC_NONE = 0,     /* undecided (no licence data) */
    M365_SNAP_SRC_PLANS,        /* assignedPlans: exact */
    M365_SNAP_SRC_SUBSCRIBED,   /* assignedLicenses through the tenant's subscribedSkus */
    M365_SNAP_SRC_KNOWN_SKUS    /* assignedLicenses through the built-in list of E5 skuIds */
};

/* One assignedLicenses entry. */
struct m365_snap_lic {
    const char *sku;   /* skuId, lower-cased; NULL when absent */
    bool audit_off;    /* disabledPlans holds M365_ADVANCED_AUDITING */
};

/* A subscribedSku: which service plans a licence of the tenant carries. */
struct m365_snap_sku {
    const char *sku_id, *part; /* skuId (lower-cased), skuPartNumber */
    const char *capability;    /* capabilityStatus: Enabled, Warning, Suspended, Deleted, LockedOut */
    bool has_audit;            /* servicePlans holds M365_ADVANCED_AUDITING */
    const char *audit_status;  /* that plan's provisioningStatus, NULL when absent */
    size_t n_plans;
    int64_t consumed, prepaid; /* consumedUnits, prepaidUnits.enabled; -1 when absent */
};

/* An owner of a service principal or an application (…/owners, or $expand=owners). */
struct m365_snap_owner {
    const char *of;   /* object id of the owned service principal or application, lower-cased */
    bool of_app;      /* of is an application object (else a service principal) */
    const char *type; /* "user", "servicePrincipal", … (from @odata.type); NULL unknown */
    const char *id, *upn, *name, *app_id; /* id / upn / appId lower-cased; displayName */
};

/* Get-Mailbox AuditAdmin / AuditDelegate / AuditOwner and DefaultAuditSet: per logon type. */
enum { M365_LOGON_ADMIN = 1, M365_LOGON_DELEGATE = 2, M365_LOGON_OWNER = 4 };

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
    /* Added later: what decided `audit`, and the assignedLicenses kept for the tenant's own SKU
     * table (subscribedSkus), which may be read after the users. */
    enum m365_snap_audit_src audit_src;
    struct m365_snap_lic *lics; /* in the arena */
    size_t n_lics;
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
    const char *name, *exo_id; /* Name, ExchangeObjectId (else Guid), lower-cased; NULL absent */
    /* Added later. M365_LOGON_* bits: the logon types whose audit list (AuditOwner…) was
     * exported, lacks MailItemsAccessed and is not on DefaultAuditSet; mia_reason says so
     * ("MailItemsAccessed removed from AuditOwner, AuditDelegate"), NULL when none. */
    unsigned mia_removed;
    const char *mia_reason;
    /* ForwardingSmtpAddress without its "smtp:" prefix, lower-cased (NULL: none); the
     * ForwardingAddress recipient; DeliverToMailboxAndForward (tri-state). */
    const char *fwd_smtp, *fwd_recipient;
    int fwd_keep_copy;
};

/* A service principal's key (certificate) or password credential. */
struct m365_snap_cred {
    const char *name, *type, *usage, *key_id; /* displayName, type, usage, keyId; NULL absent */
    int64_t start;                            /* startDateTime, M365_TIME_NONE when absent */
    bool is_key;                              /* keyCredentials, else passwordCredentials */
    int64_t end;                              /* endDateTime, M365_TIME_NONE when absent */
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

/* Graph application (app registration): credentials and settings on the application object. */
struct m365_snap_app {
    const char *id, *app_id, *name, *audience; /* ids lower-cased; signInAudience */
    struct m365_snap_cred *creds;              /* in the arena */
    size_t n_creds;
    size_t n_redirect_uris; /* web, spa and publicClient redirectUris together */
    size_t n_identifier_uris;
    const char **app_roles; /* requiredResourceAccess entries of type Role: their ids, lower */
    size_t n_app_roles;
    int64_t created; /* createdDateTime */
};

/* One holder of a directory role, from directoryRoles?$expand=members or from
 * roleManagement/directory/roleAssignments. */
struct m365_snap_dirrole {
    const char *principal;      /* principal object id, lower-cased */
    const char *principal_type; /* "user", "servicePrincipal", "group" or NULL (not expanded) */
    const char *upn;            /* userPrincipalName of an expanded user principal, lower-cased */
    const char *principal_name; /* displayName of the principal, when expanded */
    const char *template_id;    /* role template id (= roleDefinitionId of built-in roles) */
    const char *role_name;      /* displayName of the role, when present */
    const char *scope;          /* directoryScopeId; NULL for directoryRoles (tenant-wide) */
};

/* Conditional Access: client app types, built-in grant controls. */
enum {
    M365_CA_CLIENT_BROWSER = 1,
    M365_CA_CLIENT_MOBILE_DESKTOP = 2,
    M365_CA_CLIENT_EAS = 4,
    M365_CA_CLIENT_OTHER = 8,
    M365_CA_CLIENT_ALL = 16
};
enum {
    M365_CA_GRANT_BLOCK = 1,
    M365_CA_GRANT_MFA = 2,
    M365_CA_GRANT_COMPLIANT = 4,
    M365_CA_GRANT_DOMAIN_JOINED = 8,
    M365_CA_GRANT_APPROVED_APP = 16,
    M365_CA_GRANT_APP_PROTECTION = 32,
    M365_CA_GRANT_PASSWORD_CHANGE = 64,
    M365_CA_GRANT_OTHER = 128
};
enum m365_ca_state { M365_CA_OFF = 0, M365_CA_ON, M365_CA_REPORT_ONLY };

struct m365_snap_ca {
    const char *id, *name;
    enum m365_ca_state state;
    bool all_users;            /* conditions.users.includeUsers holds "All" */
    bool all_apps;             /* conditions.applications.includeApplications holds "All" */
    bool office365;            /* … or "Office365" (the Office 365 app group) */
    bool register_security;    /* includeUserActions holds urn:user:registersecurityinfo */
    bool locations;            /* conditions.locations includes or excludes a location */
    bool auth_strength;        /* grantControls.authenticationStrength is set */
    bool and_operator;         /* grantControls.operator AND */
    unsigned clients;          /* M365_CA_CLIENT_* bits; 0: the condition is not set (all) */
    unsigned grants;           /* M365_CA_GRANT_* bits */
    const char **excluded;     /* excludeUsers, excludeGroups, excludeRoles ids (as exported) */
    size_t n_excluded;
    size_t n_include_users, n_include_groups, n_include_roles;
};

/* A verified domain (Graph domains, Get-MgDomain, Get-MsolDomain). */
struct m365_snap_domain {
    const char *name;        /* id (Name), lower-cased */
    int federated;           /* authenticationType Federated; -1 unknown */
    int verified, is_default;
};

/* A signing certificate of a federation configuration, decoded when it is X.509 DER. */
struct m365_snap_cert {
    bool given, parsed; /* the member was set; it decoded as an X.509 certificate */
    const char *subject, *issuer, *thumbprint; /* thumbprint: SHA-1, upper-case hex */
    int64_t not_before, not_after;
};

/* internalDomainFederation (Graph) or Get-MsolDomainFederationSettings output. */
struct m365_snap_fed {
    const char *domain; /* from a domain member, or the page's @odata.context; lower-cased */
    const char *display_name, *issuer, *passive_uri, *mfa_behavior, *protocol;
    struct m365_snap_cert signing, next;
};

/* Get-MailboxAuditBypassAssociation: one account. */
struct m365_snap_bypass {
    const char *name, *identity, *exo_id; /* Name, Identity, ExchangeObjectId (else Guid) */
    const char *object_class;             /* the last ObjectClass ("user", "computer") */
    int enabled;                          /* AuditBypassEnabled */
};

/* Get-ManagementRoleAssignment: one Exchange RBAC assignment. */
struct m365_snap_mra {
    const char *name, *role, *assignee_name, *assignee_type, *assignee;
    const char *custom_scope, *recipient_scope, *method, *delegation;
    int enabled, valid;
    int64_t created;
};

struct m365_snap_db {
    struct m365_arena arena;
    struct m365_snap_user *users;
    size_t n_users, cap_users;
    struct m365_snap_reg *regs;
    size_t n_regs, cap_regs;
    struct m365_snap_mbx *mbxs;
    size_t n_mbxs, cap_mbxs;
    bool fwd_exported; /* a Get-Mailbox export carried ForwardingSmtpAddress */
    struct m365_snap_sp *sps;
    size_t n_sps, cap_sps;
    struct m365_snap_grant *grants;
    size_t n_grants, cap_grants;
    struct m365_snap_assign *assigns;
    size_t n_assigns, cap_assigns;
    struct m365_snap_app *apps;
    size_t n_apps, cap_apps;
    struct m365_snap_dirrole *dirroles;
    size_t n_dirroles, cap_dirroles;
    struct m365_snap_ca *cas;
    size_t n_cas, cap_cas;
    bool ca_loaded; /* a Conditional Access policy list was read (it may be empty) */
    struct m365_snap_domain *domains;
    size_t n_domains, cap_domains;
    struct m365_snap_fed *feds;
    size_t n_feds, cap_feds;
    struct m365_snap_bypass *bypasses;
    size_t n_bypasses, cap_bypasses;
    struct m365_snap_mra *mras;
    size_t n_mras, cap_mras;
    struct m365_snap_sku *skus;
    size_t n_skus, cap_skus;
    struct m365_snap_owner *owners;
    size_t n_owners, cap_owners;
    bool owners_loaded; /* an owners page or an owners[] member was read (it may be empty) */
    size_t owners_bad;  /* owners[] entries left out (not an object, no id) */
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
/* The same from an input already open (a ZIP member), which it closes; in NULL: it could not be
 * opened, err says why. */
struct m365_input;
enum m365_status m365_snap_read_input(struct m365_snap_db *db, struct m365_input *in,
                                      const char *err, const char *path,
                                      const struct m365_limits *lim,
                                      struct m365_snapshot_file *st);

/* Which snapshot object has these members (M365_SNAP_OTHER: none the readers know). has()
 * answers whether obj has a member (case-insensitive) and, with object set, whether it is a
 * JSON object. */
typedef bool (*m365_snap_has_fn)(const void *obj, const char *member, bool object);
enum m365_snapshot_kind m365_snap_classify_members(m365_snap_has_fn has, const void *obj);

/* Audit (Premium) from a user object's assignedPlans / assignedLicenses (exposed for tests). */
#define M365_PLAN_ADVANCED_AUDITING "2f442157-a11c-46b9-ae5b-6e39ff4e5849"

/* After every file is read: users without assignedPlans are judged again through the tenant's
 * subscribedSkus, when it was exported (snap_access.c). */
void m365_snap_resolve_licences(struct m365_snap_db *db);
/* The subscribedSku with this skuId (lower-case), NULL when none. */
const struct m365_snap_sku *m365_snap_sku_find(const struct m365_snap_db *db, const char *sku);
/* The object counts as members of a JSON object ("users":11,…), the same for `audit`'s and
 * `scan`'s snapshot member. */
struct m365_buf;
void m365_snapshot_counts_json(struct m365_buf *b, int *first, const struct m365_snapshot_counts *k);
#endif
