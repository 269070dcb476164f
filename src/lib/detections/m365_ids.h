/* The identifiers detections depend on, in one table each: Microsoft first-party applications,
 * permissions (app roles and delegated scopes) that reach mail or rewrite the directory,
 * privileged directory roles, the advanced-auditing service plan, Microsoft's own tenants.
 * Source: shared reference, section 1.14, and Microsoft's published identifiers. */
#ifndef M365_IDS_H
#define M365_IDS_H
#include <stdbool.h>
#include <stddef.h>

#define M365_APP_EXCHANGE_ONLINE "00000002-0000-0ff1-ce00-000000000000"
#define M365_APP_GRAPH "00000003-0000-0000-c000-000000000000"
#define M365_APP_AAD_GRAPH "00000002-0000-0000-c000-000000000000"
#define M365_APP_SHAREPOINT "00000003-0000-0ff1-ce00-000000000000"

#define M365_PERM_FULL_ACCESS_AS_APP "dc890d15-9560-4a4c-9b7f-a736ec74ec40"
#define M365_PLAN_ADVANCED_AUDITING "M365_ADVANCED_AUDITING"
#define M365_PLAN_ADVANCED_AUDITING_ID "2f442157-a11c-46b9-ae5b-6e39ff4e5849"

/* Microsoft first-party applications (clients and resources). */
struct m365_app_id {
    const char *id;
    const char *name;
    /* A scripting or developer client (command-line tools, Graph Explorer, Visual Studio),
     * not a mail or office client: reading mail through one is someone's script. */
    bool scripting;
};
const struct m365_app_id *m365_first_party_app(const char *app_id); /* case-insensitive; NULL */

/* Microsoft's app-owner tenants. */
bool m365_is_microsoft_tenant(const char *tenant_id);

/* A permission that matters: by id (app role / entitlement id) or by value ("Mail.Read"). */
enum m365_perm_class {
    M365_PERM_MAIL = 1,      /* reads, writes or sends mail */
    M365_PERM_EWS_ALL = 2,   /* full_access_as_app / EWS.AccessAsUser.All */
    M365_PERM_DIRECTORY = 4, /* rewrites applications, role assignments, the directory */
    M365_PERM_FILES = 8,     /* all files / sites */
};
struct m365_permission {
    const char *id;       /* app role id or delegated scope id; NULL when only a value */
    const char *value;    /* "Mail.Read" */
    const char *resource; /* resource application id */
    bool application;     /* an application permission (app role), not a delegated scope */
    unsigned cls;         /* enum m365_perm_class bits */
};
const struct m365_permission *m365_permission_by_id(const char *id);
const struct m365_permission *m365_permission_by_value(const char *value); /* exact, case-insens. */
/* Scope strings ("Mail.Read offline_access User.Read"): the union of the classes of the scopes
 * it lists, including wildcards such as Files.*.All and Sites.*.All. */
unsigned m365_scopes_class(const char *scopes);

/* Privileged directory roles by template id or display name. */
struct m365_role {
    const char *template_id;
    const char *name;
    int tier; /* 0 = tenant takeover (Global, Privileged Role…), 1 = high */
};
const struct m365_role *m365_privileged_role(const char *template_id_or_name);
/* Licences (SkuName / skuPartNumber) whose service plans include M365_ADVANCED_AUDITING
 * (E5, A5, G5, E5 Compliance, E5 developer), case-insensitive. */
bool m365_sku_has_advanced_auditing(const char *sku_name, size_t len);
#endif
