#include "m365_ids.h"

#include <string.h>

#include "../core/norm.h"
#include "../core/swar.h"

static const struct m365_app_id first_party[] = {
    {"00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online", false},
    {"00000003-0000-0000-c000-000000000000", "Microsoft Graph", false},
    {"00000002-0000-0000-c000-000000000000", "Windows Azure Active Directory", false},
    {"00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online", false},
    {"c5393580-f805-4401-95e8-94b7a6ef2fc2", "Office 365 Management APIs", false},
    {"c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal", false},
    {"797f4846-ba00-4fd7-ba43-dac1f8f63013", "Windows Azure Service Management API", false},
    {"04b07795-8ddb-461a-bbee-02f9e1bf7b46", "Microsoft Azure CLI", true},
    {"1950a258-227b-4e31-a9cf-717495945fc2", "Microsoft Azure PowerShell", true},
    /* The MSOnline and AzureAD modules: the client password sprays name most often. */
    {"1b730954-1685-4b74-9bfd-dac224a7b894", "Azure Active Directory PowerShell", true},
    {"14d82eec-204b-4c2f-b7e8-296a70dab67e", "Microsoft Graph Command Line Tools", true},
    {"de8bc8b5-d9f9-48b1-a8ad-b748da725064", "Graph Explorer", true},
    {"fb78d390-0c51-40cd-8e17-fdbfab77341b", "Microsoft Exchange REST API Based PowerShell", true},
    {"d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office", false},
    {"29d9ed98-a469-4536-ade2-f981bc1d605e", "Microsoft Authentication Broker", false},
    {"89bee1f7-5e6e-4d8a-9f3d-ecd601259da7", "Office365 Shell WCSS-Client", false},
    {"4345a7b9-9a63-4910-a426-35363201d503", "O365 Suite UX", false},
    {"5e3ce6c0-2b1f-4285-8d4b-75ee78787346", "Microsoft Teams Web Client", false},
    {"1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams", false},
    {"27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile", false},
    {"00000006-0000-0ff1-ce00-000000000000", "Microsoft Office 365 Portal", false},
    {"4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome", false},
    {"9199bf20-a13f-4107-85dc-02114787ef48", "One Outlook Web", false},
    {"5d661950-3475-41cd-a2c3-d671a3162bc1", "Outlook", false},
    {"ab9b8c07-8f02-4f72-87fa-80105867a763", "OneDrive SyncEngine", false},
    {"0ec893e0-5785-4de6-99da-4ed124e5296c", "Office UWP PWA", false},
    {"872cd9fa-d31f-45e0-9eab-6e460a02d1f1", "Visual Studio", true},
    {"00b41c95-dab0-4487-9791-b9d2c32c80f2", "Office 365 Management", false},
    {"0000000c-0000-0000-c000-000000000000", "Microsoft App Access Panel", false},
};

/* Every mail access asks this of its client, in three rules: each id is first compared by its
 * first eight bytes at once, with ASCII letters folded to lower case by setting bit 5 (which
 * the digits and '-' of a lower-case GUID have already), and only a match is compared in full. */
const struct m365_app_id *m365_first_party_app(const char *app_id)
{
    if (!app_id || strnlen(app_id, M365_GUID_LEN + 1) != M365_GUID_LEN) {
        return NULL; /* every id below is a GUID */
    }
    uint64_t head = m365_swar_load(app_id) | 0x2020202020202020ull;
    for (size_t i = 0; i < sizeof(first_party) / sizeof(first_party[0]); i++) {
        if (m365_swar_load(first_party[i].id) == head && m365_ieq(first_party[i].id, app_id)) {
            return &first_party[i];
        }
    }
    return NULL;
}

bool m365_is_microsoft_tenant(const char *tenant_id)
{
    return tenant_id && (m365_ieq(tenant_id, "72f988bf-86f1-41af-91ab-2d7cd011db47") ||
                         m365_ieq(tenant_id, "f8cdef31-a31e-4b4a-93e4-5f571e91255a"));
}

#define EXO M365_APP_EXCHANGE_ONLINE
#define GRAPH M365_APP_GRAPH

static const struct m365_permission perms[] = {
    {"dc890d15-9560-4a4c-9b7f-a736ec74ec40", "full_access_as_app", EXO, true,
     M365_PERM_MAIL | M365_PERM_EWS_ALL},
    {"3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5", "EWS.AccessAsUser.All", EXO, false,
     M365_PERM_MAIL | M365_PERM_EWS_ALL},
    {"810c84a8-4a9e-49e6-bf7d-12d183f40d01", "Mail.Read", GRAPH, true, M365_PERM_MAIL},
    {"e2a3a72e-5f79-4c64-b1b1-878b674786c9", "Mail.ReadWrite", GRAPH, true, M365_PERM_MAIL},
    {"b633e1c5-b582-4048-a93e-9f11b44c7e96", "Mail.Send", GRAPH, true, M365_PERM_MAIL},
    {"693c5e45-0940-467d-9b8a-1022fb9d42ef", "Mail.ReadBasic.All", GRAPH, true, M365_PERM_MAIL},
    {"1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Application.ReadWrite.All", GRAPH, true,
     M365_PERM_DIRECTORY},
    {"06b708a9-e830-4db3-a914-8e69da51d44f", "AppRoleAssignment.ReadWrite.All", GRAPH, true,
     M365_PERM_DIRECTORY},
    {"9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8", "RoleManagement.ReadWrite.Directory", GRAPH, true,
     M365_PERM_DIRECTORY},
    {"19dbc75e-c2e2-444c-a770-ec69d8559fc7", "Directory.ReadWrite.All", GRAPH, true,
     M365_PERM_DIRECTORY},
    {"75359482-378d-4052-8f01-80520e7db3cd", "Files.ReadWrite.All", GRAPH, true, M365_PERM_FILES},
    {"01d4889c-1287-42c6-ac1f-5d1e02578ef6", "Files.Read.All", GRAPH, true, M365_PERM_FILES},
    {"9492366f-7969-46a4-8d15-ed1a20078fff", "Sites.ReadWrite.All", GRAPH, true, M365_PERM_FILES},
    {"332a536c-c7ef-4017-ab91-336970924f0d", "Sites.Read.All", GRAPH, true, M365_PERM_FILES},
    {"a82116e5-55eb-4c41-a434-62fe8a61c773", "Sites.FullControl.All", GRAPH, true,
     M365_PERM_FILES},
    /* Delegated scopes (matched by value; ids differ from the app roles'). */
    {"570282fd-fa5c-430d-a7fd-fc8dc98a9dca", "Mail.Read", GRAPH, false, M365_PERM_MAIL},
    {"024d486e-b451-40bb-833d-3e66d98c5c73", "Mail.ReadWrite", GRAPH, false, M365_PERM_MAIL},
    {"e383f46e-2787-4529-855e-0e479a3ffac0", "Mail.Send", GRAPH, false, M365_PERM_MAIL},
    {"7b9103a5-4610-446b-9670-80643382c1fa", "Mail.Read.Shared", GRAPH, false, M365_PERM_MAIL},
    {"5df07973-7d5d-46ed-9847-1271055cbd51", "Mail.ReadWrite.Shared", GRAPH, false,
     M365_PERM_MAIL},
    {"a367ab51-6b49-43bf-a716-a1fb06d2a174", "Mail.Send.Shared", GRAPH, false, M365_PERM_MAIL},
    {"a4b8392a-d8d1-4954-a029-8e668a39a170", "Mail.ReadBasic", GRAPH, false, M365_PERM_MAIL},
    {NULL, "IMAP.AccessAsUser.All", GRAPH, false, M365_PERM_MAIL},
    {NULL, "POP.AccessAsUser.All", GRAPH, false, M365_PERM_MAIL},
    {NULL, "EAS.AccessAsUser.All", GRAPH, false, M365_PERM_MAIL},
    {"0e263e50-5827-48a4-b97c-d940288653c7", "Directory.AccessAsUser.All", GRAPH, false,
     M365_PERM_DIRECTORY},
    {"c5366453-9fb0-48a5-a156-24f0c49a4b84", "Directory.ReadWrite.All", GRAPH, false,
     M365_PERM_DIRECTORY},
    {"bdfbf15f-ee85-4955-8675-146e8e5296b5", "Application.ReadWrite.All", GRAPH, false,
     M365_PERM_DIRECTORY},
    {"d01b97e9-cbc0-49fe-810a-750afd5527a3", "RoleManagement.ReadWrite.Directory", GRAPH, false,
     M365_PERM_DIRECTORY},
    {"863451e7-0667-486c-a5d6-d135439485f0", "Files.ReadWrite.All", GRAPH, false,
     M365_PERM_FILES},
    {"df85f4d6-205c-4ac5-a5ea-6bf408dba283", "Files.Read.All", GRAPH, false, M365_PERM_FILES},
    {"89fe6a52-be36-487e-b7d8-d061c450a026", "Sites.ReadWrite.All", GRAPH, false,
     M365_PERM_FILES},
    {"205e70e5-aba6-4c52-a976-6d2d46c48043", "Sites.Read.All", GRAPH, false, M365_PERM_FILES},
};

const struct m365_permission *m365_permission_by_id(const char *id)
{
    for (size_t i = 0; id && i < sizeof(perms) / sizeof(perms[0]); i++) {
        if (perms[i].id && m365_ieq(perms[i].id, id)) {
            return &perms[i];
        }
    }
    return NULL;
}

const struct m365_permission *m365_permission_by_value(const char *value)
{
    for (size_t i = 0; value && i < sizeof(perms) / sizeof(perms[0]); i++) {
        if (m365_ieq(perms[i].value, value)) {
            return &perms[i];
        }
    }
    return NULL;
}

unsigned m365_scopes_class(const char *scopes)
{
    unsigned cls = 0;
    const char *p = scopes;
    while (p && *p) {
        while (*p == ' ' || *p == ',' || *p == '\n' || *p == '\t') {
            p++;
        }
        const char *e = p;
        while (*e && *e != ' ' && *e != ',' && *e != '\n' && *e != '\t') {
            e++;
        }
        size_t n = (size_t)(e - p);
        char tok[96];
        if (n > 0 && n < sizeof(tok)) {
            memcpy(tok, p, n);
            tok[n] = '\0';
            const struct m365_permission *perm = m365_permission_by_value(tok);
            if (perm) {
                cls |= perm->cls;
            } else if (m365_istarts(tok, "Mail.")) {
                cls |= M365_PERM_MAIL;
            } else if ((m365_istarts(tok, "Files.") || m365_istarts(tok, "Sites.")) &&
                       n > 4 && m365_ieq(tok + n - 4, ".All")) {
                cls |= M365_PERM_FILES;
            } else if (m365_istarts(tok, "Directory.") && !m365_ieq(tok, "Directory.Read.All")) {
                cls |= M365_PERM_DIRECTORY;
            }
        }
        p = e;
    }
    return cls;
}

static const struct m365_role roles[] = {
    {"62e90394-69f5-4237-9190-012177145e10", "Global Administrator", 0},
    {"e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator", 0},
    {"7be44c8a-adaf-4e2a-84d6-ab2649e08a13", "Privileged Authentication Administrator", 0},
    {"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator", 1},
    {"158c047a-c907-4556-b7ef-446551a6b5f7", "Cloud Application Administrator", 1},
    {"29232cdf-9323-42fd-ade2-1d097af3e4de", "Exchange Administrator", 1},
    {"194ae4cb-b126-40b2-bd5b-6091b380977d", "Security Administrator", 1},
    {"f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "SharePoint Administrator", 1},
    {"fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator", 1},
    {"c4e39bd9-1100-46d3-8c65-fb160da0071f", "Authentication Administrator", 1},
    {"b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "Conditional Access Administrator", 1},
    {"8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", "Hybrid Identity Administrator", 0},
    {"d29b2b05-8046-44ba-8758-1e26182fcf32", "Directory Synchronization Accounts", 0},
    {"17315797-102d-40b4-93e0-432062caca18", "Compliance Administrator", 1},
    {"e6d1a23a-da11-4be4-9570-befc86d067a7", "Compliance Data Administrator", 1},
    {"3a2c62db-5318-420d-8d74-23affee5d9d5", "Intune Administrator", 1},
    {"966707d0-3269-4727-9be2-8c3a10f19b9d", "Password Administrator", 1},
    {"729827e3-9c14-49f7-bb1b-9608f156bbb8", "Helpdesk Administrator", 1},
};

const struct m365_role *m365_privileged_role(const char *key)
{
    for (size_t i = 0; key && i < sizeof(roles) / sizeof(roles[0]); i++) {
        if (m365_ieq(roles[i].template_id, key) || m365_ieq(roles[i].name, key)) {
            return &roles[i];
        }
    }
    /* Older records say "Company Administrator" for Global Administrator. */
    return key && m365_ieq(key, "Company Administrator") ? &roles[0] : NULL;
}

static const char *const audit_skus[] = {
    "SPE_E5", "SPE_E5_NOPSTNCONF", "SPE_E5_CALLINGMINUTES", "SPE_E5_USGOV_GCCHIGH",
    "ENTERPRISEPREMIUM", "ENTERPRISEPREMIUM_NOPSTNCONF", "ENTERPRISEPREMIUM_FACULTY",
    "ENTERPRISEPREMIUM_STUDENT", "DEVELOPERPACK_E5", "INFORMATION_PROTECTION_COMPLIANCE",
    "M365EDU_A5_FACULTY", "M365EDU_A5_STUDENT", "M365_G5_GCC", "Microsoft_365_E5_(no_Teams)",
};

bool m365_sku_has_advanced_auditing(const char *sku_name, size_t len)
{
    for (size_t i = 0; sku_name && i < sizeof(audit_skus) / sizeof(audit_skus[0]); i++) {
        if (m365_ieqn(sku_name, len, audit_skus[i])) {
            return true;
        }
    }
    return false;
}
