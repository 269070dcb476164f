/* What the evidence says about applications and service principals, for the application rules
 * (sp-credential-added, sp-address-changed, mail-app-role-granted, foreign-app-privileged).
 *
 * Each rule keeps its own struct m365_app_facts and feeds it every directory and Exchange admin
 * event. An application is known by several identifiers: its appId, the object id of its
 * application registration, the object id of its service principal, its display name. Records
 * name different ones ("Update application" the registration, "Add service principal
 * credentials" the service principal), so objects are merged as soon as one record names two of
 * them (additionalDetails AppId, UAL TargetAppId, TargetId.ServicePrincipalNames…). Memory grows
 * with distinct applications: every per-application list is capped and counts what it drops. */
#ifndef M365_APP_FACTS_H
#define M365_APP_FACTS_H
#include <stdbool.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/map.h"
#include "m365_ids.h"
#include "m365hunt/event.h"

struct m365_dctx;
struct m365_fb;
struct m365_json;

/* One credential: a KeyDescription entry, a federated identity credential or a Credential
 * entry of a service principal. Strings are interned. */
struct m365_app_key {
    const char *id;      /* KeyIdentifier / federated credential name / KeyStoreId */
    const char *type;    /* AsymmetricX509Cert, Password, FederatedIdentityCredential, … */
    const char *usage;   /* Verify, Sign (KeyDescription only) */
    const char *name;    /* DisplayName: certificate subject or secret description */
    const char *issuer;  /* federated credentials */
    const char *subject; /* federated credentials */
};

enum m365_key_kind {
    M365_KEY_OTHER = 0,
    M365_KEY_SECRET = 1,
    M365_KEY_CERT = 2,
    M365_KEY_FEDERATED = 3
};
enum m365_key_kind m365_app_key_kind(const struct m365_app_key *k);
const char *m365_app_key_kind_name(enum m365_key_kind k); /* "secret", "certificate", … */

/* Entries of a KeyDescription value ("[KeyIdentifier=…,KeyType=…,KeyUsage=…,DisplayName=…]",
 * one per line once decoded, or still inside a JSON array of strings). Fills up to max entries
 * and returns how many there are. */
size_t m365_app_parse_keydesc(struct m365_dctx *dc, const char *value, struct m365_app_key *out,
                              size_t max);

#define M365_APP_KEYS 4  /* keys kept per credential change */
#define M365_APP_ADDRS 8 /* addresses kept per address change */

/* A growable list with a cap: `dropped` counts what did not fit. */
struct m365_app_vec {
    void *p;
    uint32_t n, cap, dropped;
};

/* A change of an object's credentials (additions, removals or both). */
struct m365_app_cred {
    const struct m365_event *ev;
    const char *property; /* KeyDescription, FederatedIdentityCredentials, Credential */
    struct m365_app_key added[M365_APP_KEYS];
    struct m365_app_key removed[M365_APP_KEYS];
    uint32_t n_added, n_removed, n_old; /* full counts; n_old: entries before the change */
    bool object_sp;            /* on the service principal (else the registration) */
    bool same_name_existed;    /* an added secret is named like a credential already there */
    bool signing_only;         /* only SAML token-signing keys (Sign, or a Sign+Verify pair) */
};

/* Reply URLs, identifier URIs or a homepage added to an object. */
struct m365_app_addr {
    const struct m365_event *ev;
    const char *property;                   /* of the first address */
    const char *added[M365_APP_ADDRS];
    const char *added_prop[M365_APP_ADDRS]; /* the property each address was added to */
    uint32_t n_added;
    bool created; /* set by the record that created the object */
};

/* An app role assigned to the application's service principal (it is the grantee). */
struct m365_app_grant {
    const struct m365_event *ev;
    const char *perm;    /* AppRole.Value, or the id when the record has no value */
    const char *perm_id; /* AppRole.Id */
    unsigned cls;        /* enum m365_perm_class bits of a listed application permission, else 0 */
    bool per_mailbox;    /* SMTP.SendAsApp, IMAP/POP.AccessAsApp: usable only with mailbox rights */
    const char *resource_name, *resource_sp, *resource_app_id;
};

/* A permission newly listed in the registration's RequiredResourceAccess (asked, not granted). */
struct m365_app_request {
    const struct m365_event *ev;
    const char *perm;            /* permission value from the identifier table */
    const char *perm_id;
    const char *resource_app_id;
    bool application;            /* DirectAccessGrant / type Role: an application permission */
    unsigned cls;
};

/* Consent to application. */
struct m365_app_consent {
    const struct m365_event *ev;
    bool admin;    /* IsAdminConsent, OnBehalfOfAll or ConsentType AllPrincipals */
    bool app_only; /* IsAppOnly */
    unsigned cls;  /* classes of the scopes consented */
};

/* The registration opened to other tenants (AvailableToOtherTenants, SignInAudience). */
struct m365_app_audience {
    const struct m365_event *ev;
    const char *property;
    const char *old_value, *new_value;
    bool created;
};

/* An Exchange role for the application (New-ManagementRoleAssignment -App): impersonation. */
struct m365_app_exo_role {
    const struct m365_event *ev;
    const char *role;
};

/* Someone who changed the object, with their first change. */
struct m365_app_manager {
    const char *upn, *id, *app_id;
    uint32_t first_seq;
};

struct m365_app {
    struct m365_app *parent; /* merged into another object: see m365_app_root */
    uint32_t index;          /* creation order (deterministic: events are) */
    const char *app_id;      /* lower-case */
    const char *app_object;  /* application registration object id */
    const char *sp_object;   /* service principal object id */
    const char *other_id;    /* an id of unknown kind (Exchange -App, odd target types) */
    const char *name;
    const char *owner_tenant; /* stated by a record (appOwnerTenantId…), else NULL */
    const struct m365_event *owner_ev;
    const struct m365_event *created_ev; /* Add application / Add service principal */
    struct m365_app_vec managers;  /* struct m365_app_manager */
    struct m365_app_vec creds;     /* struct m365_app_cred */
    struct m365_app_vec addrs;     /* struct m365_app_addr */
    struct m365_app_vec grants;    /* struct m365_app_grant */
    struct m365_app_vec requests;  /* struct m365_app_request */
    struct m365_app_vec consents;  /* struct m365_app_consent */
    struct m365_app_vec audiences; /* struct m365_app_audience */
    struct m365_app_vec exo_roles; /* struct m365_app_exo_role */
};

struct m365_app_facts {
    struct m365_map ids;   /* lower-cased id -> struct m365_app */
    struct m365_map names; /* lower-cased display name -> struct m365_app (look-ups only) */
    struct m365_app **apps;
    uint32_t n_apps, cap_apps;
    struct m365_json *json;
};

/* Feed one event (directory or Exchange admin; anything else is ignored). */
void m365_app_facts_observe(struct m365_app_facts *f, struct m365_dctx *dc,
                            const struct m365_event *ev);
void m365_app_facts_free(struct m365_app_facts *f);

/* The object an application was merged into (itself when it was not). */
struct m365_app *m365_app_root(struct m365_app *a);
#define M365_APP_EACH_ROOT(f, var)                                                                 \
    for (uint32_t var##_i = 0; var##_i < (f)->n_apps; var##_i++)                                   \
        for (struct m365_app *var = (f)->apps[var##_i]; var && !var->parent; var = NULL)

/* Whether the event's actor changed the object before event seq; whether anybody else did. */
bool m365_app_actor_managed_before(const struct m365_app *a, const struct m365_event *ev);
bool m365_app_others_managed_before(const struct m365_app *a, const struct m365_event *ev);
/* Two events by the same actor. */
bool m365_app_same_actor(const struct m365_event *a, const struct m365_event *b);
/* Name of an event's actor for summaries: UPN, display name, object id. */
const char *m365_app_actor_label(const struct m365_event *ev);

/* Permission classes (enum m365_perm_class) of application permissions granted to the object
 * before event seq (UINT32_MAX: at any time); *exo set when an Exchange impersonation / app role
 * was assigned to it before then. */
unsigned m365_app_privileged_before(const struct m365_app *a, uint32_t seq, bool *exo);
/* The classes that make an application privileged here: mail, EWS, directory rewrite. */
#define M365_APP_PRIV_CLASSES (M365_PERM_MAIL | M365_PERM_EWS_ALL | M365_PERM_DIRECTORY)

/* A Microsoft first-party application (by appId). */
bool m365_app_is_first_party(const struct m365_app *a);
/* What a tenant snapshot loaded beside the logs says about the application (its service
 * principal by appId, else by object id): false when there is no snapshot or it does not list
 * the application. */
struct m365_snap_app_info;
bool m365_app_snapshot(struct m365_dctx *dc, const struct m365_app *a, struct m365_snap_app_info *out);
/* The owner tenant: stated by a record, else the snapshot's appOwnerOrganizationId (*from_snapshot
 * set, may be NULL); NULL when neither says. */
const char *m365_app_owner(struct m365_dctx *dc, const struct m365_app *a, bool *from_snapshot);
/* 1: the records (or the snapshot) say another tenant (not the home tenant, not Microsoft's)
 * owns the application; 0: they say the home tenant or Microsoft does; -1: unknown (no owner
 * stated, or no home tenant to compare with). */
int m365_app_foreign(struct m365_dctx *dc, const struct m365_app *a);
/* Display label: name, else appId, else an object id. */
const char *m365_app_label(const struct m365_app *a);

/* The object's identifiers as finding entities (apps: appId + name; service principals: object
 * id + name) and as details members (app_id, application_object_id, service_principal_id,
 * app_name, owner_tenant). */
void m365_app_entities(struct m365_fb *fb, const struct m365_app *a, bool as_sp);
void m365_app_details_ids(struct m365_dctx *dc, struct m365_buf *d, int *first,
                          const struct m365_app *a);
/* The actor of an event as entities (user UPN, or service principal id/name + app id) and IP. */
void m365_app_actor_entities(struct m365_fb *fb, const struct m365_event *ev);
/* The address is a hosting / cloud provider's (only with --ip-ranges or --asn-db). */
bool m365_app_from_hosting(struct m365_dctx *dc, const struct m365_event *ev);

/* A URL to this machine (localhost, 127.0.0.1, [::1]); the host of a URL, lower-case, without a
 * leading "*." (NULL when it has none, e.g. urn: or api:// without a host). */
bool m365_app_url_is_localhost(const char *url);
const char *m365_app_url_host(struct m365_dctx *dc, const char *url);

/* Time distance of two events in ms, or -1 when either has no time. */
int64_t m365_app_dt(const struct m365_event *a, const struct m365_event *b);
/* A string array (sorted, unique, case-sensitive) as a JSON array. */
void m365_app_json_strings(struct m365_buf *d, const char **v, size_t n);
#endif
