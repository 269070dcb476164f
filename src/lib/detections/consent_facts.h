/* OAuth consent records read alike from every format: "Consent to application" (its
 * ConsentContext.* flags and the free-text ConsentAction.Permissions) and "Add / Update delegated
 * permission grant" (DelegatedPermissionGrant.Scope old -> new). Only scopes a record newly
 * grants count as added. */
#ifndef M365_CONSENT_FACTS_H
#define M365_CONSENT_FACTS_H
#include <stdbool.h>
#include <stddef.h>

#include "m365hunt/event.h"

struct m365_consent {
    bool consent;        /* "Consent to application" */
    bool grant;          /* "Add / Update delegated permission grant" */
    bool admin;          /* ConsentContext.IsAdminConsent */
    bool app_only;       /* ConsentContext.IsAppOnly (application permissions) */
    bool all_principals; /* tenant-wide: ConsentType AllPrincipals or OnBehalfOfAll */
    bool offline_access; /* offline_access among the scopes the record grants */
    unsigned cls;        /* m365_scopes_class() of the added scopes */
    const char *client_sp_id;  /* client service principal object id, or NULL */
    const char *app_id;        /* client application id, or NULL */
    const char *app_name;      /* client display name, or NULL */
    const char *resource_id;   /* resource service principal object id, or NULL */
    const char *resource_name; /* "Microsoft Graph", or NULL */
    char consent_type[32];     /* Principal / AllPrincipals, or "" */
    char principal_id[64];     /* the user a Principal grant is for, or "" */
    char scopes[1024];         /* every scope the record grants (space separated) */
    char added[1024];          /* those not held before */
    char buf_client[64], buf_app[64], buf_resource[64];
};

/* Read a consent or delegated grant record; false for other events. */
bool m365_consent_read(const struct m365_event *ev, struct m365_consent *out);

/* Parse ConsentAction.Permissions text ("[old] => [[Id: …, ClientId: …, ConsentType: …,
 * Scope: a b c, …]]; "): fills scopes, added, consent_type, principal_id, client / resource
 * buffers and all_principals. Exposed for tests. */
void m365_consent_parse_permissions(const char *text, struct m365_consent *out);
#endif
