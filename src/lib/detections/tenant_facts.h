/* Shared facts for the tenant-change detections (privileged roles, new users, federation,
 * authentication policies, consent): accounts created in the evidence, directory role
 * assignments read from Core Directory, PIM and UAL records alike, and small text helpers. */
#ifndef M365_TENANT_FACTS_H
#define M365_TENANT_FACTS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/map.h"
#include "m365_ids.h"
#include "m365hunt/event.h"
#include "m365hunt/finding.h"

struct m365_dctx;

/* Lower-cased, interned copy of s; NULL for NULL, "" or "<null>". */
const char *m365_tf_key(struct m365_dctx *dc, const char *s);

/* The event changed something (not a failure) and was not made by Microsoft's own services. */
bool m365_tf_effective(const struct m365_event *ev);

/* Raise or lower a severity by steps, within info..critical. */
enum m365_severity m365_tf_sev_add(enum m365_severity s, int steps);

/* --- accounts created in the evidence ------------------------------------------------------ */

/* "Add user", "Add service principal", "Add application" targets, by lower-cased UPN, object id
 * and (service principals) app id. Memory grows with created accounts, not events. */
struct m365_tf_created {
    struct m365_map keys; /* key -> struct m365_tf_account */
};
struct m365_tf_account {
    int64_t created;                /* time of the creating record */
    const struct m365_event *ev;    /* the creating record */
    const char *upn, *id, *name;    /* lower-cased UPN / object id (interned), display name */
    bool service_principal;
};
/* Remember the account an event creates (any event kind may be passed). */
void m365_tf_created_observe(struct m365_dctx *dc, struct m365_tf_created *c,
                             const struct m365_event *ev);
/* The account created in the evidence under that UPN or id, or NULL. */
const struct m365_tf_account *m365_tf_created_find(struct m365_dctx *dc,
                                                   const struct m365_tf_created *c,
                                                   const char *upn, const char *id);
/* The event's actor was created in the evidence at most `window` before the event. */
const struct m365_tf_account *m365_tf_actor_new(struct m365_dctx *dc,
                                                const struct m365_tf_created *c,
                                                const struct m365_event *ev, int64_t window);
void m365_tf_created_free(struct m365_tf_created *c);

/* --- directory role assignments ------------------------------------------------------------ */

enum m365_tf_role_op {
    M365_TF_ROLE_NONE = 0,
    M365_TF_ROLE_ADD,          /* active assignment (Core Directory, UAL, PIM permanent/timebound) */
    M365_TF_ROLE_ADD_ELIGIBLE, /* PIM eligibility */
    M365_TF_ROLE_ACTIVATE,     /* PIM activation of an eligible assignment */
    M365_TF_ROLE_REMOVE        /* assignment or eligibility removed, activation ended */
};

struct m365_tf_role {
    enum m365_tf_role_op op;
    bool pim;                     /* logged by PIM (or performed by the MS-PIM service) */
    const char *role_name;        /* display name as logged, or NULL */
    const char *role_key;         /* template id / object id as logged, or NULL */
    const struct m365_role *priv; /* privileged role (m365_ids), or NULL */
    const char *member_type;      /* User, ServicePrincipal, Group… (target type), or NULL */
    const char *member_id;        /* object id, or NULL */
    const char *member_upn;       /* UPN, or NULL (as logged; not lower-cased) */
    const char *member_name;      /* display name, or NULL */
};
/* Read a directory role assignment change; false when the event is not one (requests and
 * approvals are not changes). */
bool m365_tf_role_event(const struct m365_event *ev, struct m365_tf_role *out);
/* The event was made by the PIM service itself (MS-PIM, "Azure AD PIM"), on behalf of a request
 * logged separately. */
bool m365_tf_actor_is_pim_service(const struct m365_event *ev);
/* The member is a service principal / application. */
bool m365_tf_role_member_is_sp(const struct m365_tf_role *r);

/* Exchange role assignment to a user: New-ManagementRoleAssignment -User, Add-RoleGroupMember
 * -Member. Sets *role (Role / Identity parameter) and *member; false otherwise. */
bool m365_tf_exchange_role_grant(const struct m365_event *ev, const char **role,
                                 const char **member);
/* Exchange roles that reach every mailbox or the organisation's configuration. */
bool m365_tf_exchange_role_sensitive(const char *role);

/* --- text ------------------------------------------------------------------------------------ */

/* Whether a white-space / comma / newline separated list holds the token (case-insensitive). */
bool m365_tf_list_has(const char *list, const char *tok, size_t tok_len);
/* Append tokens of `next` that are not in `prev` to out (space separated, NUL-terminated);
 * returns how many were appended. */
size_t m365_tf_list_added(const char *prev, const char *next, char *out, size_t cap);
/* A value that says "true" (True, "true", [true], 1). */
bool m365_tf_truthy(const char *v);
#endif
