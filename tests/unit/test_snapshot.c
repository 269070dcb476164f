/* Snapshot readers (snapshot/snap_read.c): Graph users and userRegistrationDetails in every
 * framing, Get-Mailbox as ConvertTo-Json and Export-Csv, and what must not be taken for them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/limits.h"
#include "snapshot/snap.h"
#include "snapshot/snap_context.h"
#include "test_util.h"

struct fixture {
    char *dir;
    struct m365_snap_db db;
    struct m365_limits lim;
    unsigned warnings;
};

static void count_diag(const struct m365_diag *d, void *user)
{
    (void)d;
    ((struct fixture *)user)->warnings++;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f) {
        return -1;
    }
    f->dir = m365_test_mkdtemp();
    m365_snap_db_init(&f->db);
    f->db.on_diag = count_diag;
    f->db.diag_user = f;
    f->lim.max_record_bytes = M365_DEFAULT_MAX_RECORD_BYTES;
    f->lim.max_decompressed_bytes = M365_DEFAULT_MAX_DECOMPRESSED;
    f->lim.max_decompress_ratio = M365_DEFAULT_MAX_RATIO;
    f->lim.max_json_depth = M365_DEFAULT_MAX_JSON_DEPTH;
    *state = f;
    return f->dir ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    m365_test_rmtree(f->dir);
    free(f->dir);
    m365_snap_db_free(&f->db);
    free(f);
    return 0;
}

/* Writes text (gzip'd when asked) and reads it into the database. */
static struct m365_snapshot_file read_text(struct fixture *f, const char *name, const char *text,
                                           bool gz)
{
    char *path = m365_test_path(f->dir, name);
    assert_non_null(path);
    if (gz) {
        assert_int_equal(m365_test_write_gzip(path, text, strlen(text)), 0);
    } else {
        assert_int_equal(m365_test_write_file(path, text, strlen(text)), 0);
    }
    struct m365_snapshot_file st;
    assert_int_equal(m365_snap_read_file(&f->db, path, &f->lim, &st), M365_OK);
    st.path = NULL; /* path is freed here */
    free(path);
    return st;
}

static int64_t t(const char *iso)
{
    /* Days from civil for the few dates used here. */
    int y, mo, d, h, mi, s;
    assert_int_equal(sscanf(iso, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s), 6);
    int yy = mo <= 2 ? y - 1 : y;
    long era = yy / 400, yoe = yy - era * 400;
    long doy = (153L * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    return ((int64_t)days * 86400 + h * 3600 + mi * 60 + s) * 1000;
}

static void test_users_page(void **state)
{
    struct fixture *f = *state;
    const char *page =
        "{\"@odata.context\":\"https://graph.microsoft.com/beta/$metadata#users\",\"value\":[\n"
        /* assignedPlans: the audit plan enabled */
        "{\"id\":\"A1\",\"userPrincipalName\":\"Ann@Contoso.com\",\"accountEnabled\":true,"
        "\"userType\":\"Member\",\"createdDateTime\":\"2021-04-12T09:30:11Z\","
        "\"assignedLicenses\":[{\"disabledPlans\":[],\"skuId\":\"05e9a617-0261-4cee-bb44-138d3ef5d965\"}],"
        "\"assignedPlans\":[{\"assignedDateTime\":\"2023-02-01T10:00:00Z\",\"capabilityStatus\":\"Enabled\","
        "\"service\":\"M365AdvancedAuditing\",\"servicePlanId\":\"2f442157-a11c-46b9-ae5b-6e39ff4e5849\"}],"
        "\"signInActivity\":{\"lastSignInDateTime\":\"2026-03-01T10:00:00Z\",\"lastSignInRequestId\":null,"
        "\"lastNonInteractiveSignInDateTime\":\"2026-03-02T11:00:00Z\"}},\n"
        /* assignedPlans: suspended */
        "{\"id\":\"a2\",\"userPrincipalName\":\"bo@contoso.com\",\"accountEnabled\":false,"
        "\"assignedPlans\":[{\"capabilityStatus\":\"Suspended\",\"servicePlanId\":"
        "\"2f442157-a11c-46b9-ae5b-6e39ff4e5849\"}],"
        "\"signInActivity\":{\"lastSignInDateTime\":null,\"lastNonInteractiveSignInDateTime\":null}},\n"
        /* assignedLicenses only: an E5 SKU with the plan in disabledPlans */
        "{\"id\":\"a3\",\"userPrincipalName\":\"cy@contoso.com\",\"accountEnabled\":true,"
        "\"assignedLicenses\":[{\"disabledPlans\":[\"2f442157-a11c-46b9-ae5b-6e39ff4e5849\"],"
        "\"skuId\":\"06ebc4ee-1bb5-47dd-8120-11324bc54e06\"}]},\n"
        /* E5 SKU, plan on; a guest */
        "{\"id\":\"a4\",\"userPrincipalName\":\"g#EXT#@contoso.onmicrosoft.com\",\"userType\":\"Guest\","
        "\"accountEnabled\":true,\"assignedLicenses\":[{\"disabledPlans\":[],"
        "\"skuId\":\"06ebc4ee-1bb5-47dd-8120-11324bc54e06\"}]},\n"
        /* no licence information at all */
        "{\"id\":\"a5\",\"userPrincipalName\":\"dee@contoso.com\",\"accountEnabled\":true}\n"
        "]}\n";
    struct m365_snapshot_file st = read_text(f, "u.json", page, false);
    assert_int_equal(st.kind, M365_SNAP_USERS);
    assert_string_equal(st.format, "graph-page");
    assert_int_equal(st.records, 5);
    assert_int_equal(st.skipped, 0);
    assert_null(st.error);
    assert_int_equal(f->db.n_users, 5);
    const struct m365_snap_user *u = f->db.users;
    assert_string_equal(u[0].upn, "ann@contoso.com"); /* lower-cased for joining */
    assert_string_equal(u[0].id, "a1");
    assert_int_equal(u[0].enabled, 1);
    assert_false(u[0].guest);
    assert_true(u[0].has_activity);
    assert_true(u[0].last_signin == t("2026-03-02T11:00:00")); /* the later of the two */
    assert_true(u[0].created == t("2021-04-12T09:30:11"));
    assert_int_equal(u[0].audit, M365_SNAP_AUDIT_ENABLED);
    assert_true(u[0].audit_from_plans);
    assert_int_equal(u[1].enabled, 0);
    assert_true(u[1].has_activity);
    assert_true(u[1].last_signin == M365_TIME_NONE);
    assert_int_equal(u[1].audit, M365_SNAP_AUDIT_DISABLED);
    assert_int_equal(u[2].audit, M365_SNAP_AUDIT_DISABLED);
    assert_false(u[2].audit_from_plans);
    assert_false(u[2].has_activity);
    assert_int_equal(u[3].audit, M365_SNAP_AUDIT_ENABLED);
    assert_true(u[3].guest);
    assert_int_equal(u[4].audit, M365_SNAP_AUDIT_UNKNOWN);
    assert_false(u[4].licensed);
    assert_true(f->db.newest == t("2026-03-02T11:00:00"));
}

static void test_registration_jsonl_and_array(void **state)
{
    struct fixture *f = *state;
    const char *lines =
        "{\"id\":\"a1\",\"userPrincipalName\":\"ann@contoso.com\",\"isAdmin\":true,"
        "\"isMfaRegistered\":false,\"methodsRegistered\":[],\"userType\":\"member\","
        "\"lastUpdatedDateTime\":\"2026-03-10T06:00:00Z\"}\r\n"
        "\n"
        "not json at all\n"
        /* isMfaRegistered absent: judged from the methods; email alone is not MFA */
        "{\"id\":\"a2\",\"userPrincipalName\":\"bo@contoso.com\",\"methodsRegistered\":[\"email\"]}\n"
        "{\"id\":\"a3\",\"userPrincipalName\":\"cy@contoso.com\",\"methodsRegistered\":[\"email\","
        "\"fido2SecurityKey\"],\"userType\":\"guest\"}\n";
    struct m365_snapshot_file st = read_text(f, "r.jsonl", lines, false);
    assert_int_equal(st.kind, M365_SNAP_REGISTRATION);
    assert_string_equal(st.format, "jsonl");
    assert_int_equal(st.records, 4);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(f->warnings, 1);
    assert_int_equal(f->db.n_regs, 3);
    assert_int_equal(f->db.regs[0].is_admin, 1);
    assert_int_equal(f->db.regs[0].mfa_registered, 0);
    assert_int_equal(f->db.regs[1].mfa_registered, 0);
    assert_int_equal(f->db.regs[1].is_admin, M365_SNAP_UNSET);
    assert_int_equal(f->db.regs[2].mfa_registered, 1);
    assert_true(f->db.regs[2].guest);
    assert_true(f->db.newest == t("2026-03-10T06:00:00"));

    /* A plain array (jq '.value'), gzip'd */
    st = read_text(f, "r.json.gz",
                   "[{\"userPrincipalName\":\"x@contoso.com\",\"isMfaRegistered\":true}]", true);
    assert_int_equal(st.kind, M365_SNAP_REGISTRATION);
    assert_string_equal(st.format, "json-array");
    assert_int_equal(f->db.n_regs, 4);
    assert_int_equal(f->db.regs[3].mfa_registered, 1);
}

static void test_mailbox_json(void **state)
{
    struct fixture *f = *state;
    /* ConvertTo-Json of one mailbox is an object, not an array; Windows PowerShell 5.1 writes
     * dates as \/Date(ms)\/ and may write enums as numbers. */
    const char *one =
        "{\r\n    \"Name\":  \"Finance\",\r\n    \"UserPrincipalName\":  \"Finance@contoso.com\",\r\n"
        "    \"RecipientTypeDetails\":  4,\r\n    \"AuditEnabled\":  \"False\",\r\n"
        "    \"WhenCreatedUTC\":  \"\\/Date(1583020800000)\\/\",\r\n"
        "    \"ExternalDirectoryObjectId\":  \"A9\"\r\n}\r\n";
    struct m365_snapshot_file st = read_text(f, "m1.json", one, false);
    assert_int_equal(st.kind, M365_SNAP_MAILBOXES);
    assert_string_equal(st.format, "json-object");
    assert_int_equal(f->db.n_mbxs, 1);
    const struct m365_snap_mbx *m = &f->db.mbxs[0];
    assert_string_equal(m->upn, "finance@contoso.com");
    assert_string_equal(m->ext_id, "a9");
    assert_true(m->no_signin);
    assert_int_equal(m->audit_enabled, 0);
    assert_int_equal(m->audit_bypass, M365_SNAP_UNSET);
    assert_true(m->created == 1583020800000ll);

    /* PowerShell 7 / the simulator: an array, ISO times, strings, booleans */
    const char *arr =
        "[{\"PrimarySmtpAddress\":\"ann@contoso.com\",\"RecipientTypeDetails\":\"UserMailbox\","
        "\"AuditEnabled\":true,\"AuditBypassEnabled\":true,\"WhenCreatedUTC\":\"2022-05-25T00:00:00Z\"},"
        "{\"UserPrincipalName\":\"room1@contoso.com\",\"RecipientTypeDetails\":{\"Value\":\"RoomMailbox\"}}]";
    st = read_text(f, "m2.json", arr, false);
    assert_int_equal(st.kind, M365_SNAP_MAILBOXES);
    assert_int_equal(f->db.n_mbxs, 3);
    m = &f->db.mbxs[1];
    assert_string_equal(m->upn, "ann@contoso.com"); /* PrimarySmtpAddress when no UPN */
    assert_false(m->no_signin);
    assert_int_equal(m->audit_enabled, 1);
    assert_int_equal(m->audit_bypass, 1);
    assert_true(f->db.mbxs[2].no_signin);
}

static void test_mailbox_csv(void **state)
{
    struct fixture *f = *state;
    const char *csv =
        "#TYPE Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox\r\n"
        "\"Name\",\"UserPrincipalName\",\"PrimarySmtpAddress\",\"RecipientTypeDetails\","
        "\"AuditEnabled\",\"WhenCreated\",\"WhenCreatedUTC\"\r\n"
        "\"Ann\",\"ann@contoso.com\",\"ann@contoso.com\",\"UserMailbox\",\"True\","
        "\"4/12/2021 11:31:02 AM\",\"4/12/2021 9:31:02 AM\"\r\n"
        "\"Shared\",\"\",\"shared@contoso.com\",\"SharedMailbox\",\"False\",\"\",\"\"\r\n"
        "\"Nobody\",\"\",\"\",\"UserMailbox\",\"True\",\"\",\"\"\r\n";
    struct m365_snapshot_file st = read_text(f, "m.csv", csv, false);
    assert_int_equal(st.kind, M365_SNAP_MAILBOXES);
    assert_string_equal(st.format, "csv");
    assert_int_equal(st.records, 3);
    assert_int_equal(st.skipped, 1); /* no address */
    assert_int_equal(f->db.n_mbxs, 2);
    assert_string_equal(f->db.mbxs[0].upn, "ann@contoso.com");
    assert_int_equal(f->db.mbxs[0].audit_enabled, 1);
    assert_true(f->db.mbxs[0].created == t("2021-04-12T09:31:02")); /* the UTC column */
    assert_string_equal(f->db.mbxs[1].upn, "shared@contoso.com");
    assert_true(f->db.mbxs[1].no_signin);
    assert_int_equal(f->db.mbxs[1].audit_enabled, 0);
}

/* servicePrincipals page with credentials; appRoleAssignments as JSON Lines (one of them an
 * assignment to a user); oauth2PermissionGrants as a plain array; a mixed array. */
static void test_apps(void **state)
{
    struct fixture *f = *state;
    const char *sps =
        "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#servicePrincipals\","
        "\"value\":[{\"id\":\"AAAA-1\",\"appId\":\"BBBB-1\",\"displayName\":\"Legacy Sync\","
        "\"appOwnerOrganizationId\":\"CCCC-1\",\"servicePrincipalType\":\"Application\","
        "\"replyUrls\":[\"https://a.example\",\"https://b.example\"],"
        "\"keyCredentials\":[{\"displayName\":\"CN=Legacy Sync\",\"type\":\"AsymmetricX509Cert\","
        "\"usage\":\"Verify\",\"keyId\":\"K1\",\"startDateTime\":\"2025-06-01T00:00:00Z\"},"
        "\"not an object\"],"
        "\"passwordCredentials\":[{\"displayName\":null,\"keyId\":\"P1\","
        "\"startDateTime\":\"2026-03-01T00:00:00Z\"}]},"
        "{\"id\":\"s2\",\"appId\":\"a2\",\"appDisplayName\":\"Only App Name\","
        "\"servicePrincipalType\":\"ManagedIdentity\"}]}";
    struct m365_snapshot_file st = read_text(f, "sp.json", sps, false);
    assert_int_equal(st.kind, M365_SNAP_SERVICE_PRINCIPALS);
    assert_string_equal(st.format, "graph-page");
    assert_int_equal(f->db.n_sps, 2);
    const struct m365_snap_sp *sp = &f->db.sps[0];
    assert_string_equal(sp->id, "aaaa-1");
    assert_string_equal(sp->app_id, "bbbb-1");
    assert_string_equal(sp->owner, "cccc-1");
    assert_string_equal(sp->name, "Legacy Sync");
    assert_int_equal(sp->n_reply_urls, 2);
    assert_int_equal(sp->n_creds, 2); /* the non-object entry is not a credential */
    assert_true(sp->creds[0].is_key);
    assert_string_equal(sp->creds[0].name, "CN=Legacy Sync");
    assert_string_equal(sp->creds[0].type, "AsymmetricX509Cert");
    assert_string_equal(sp->creds[0].key_id, "k1");
    assert_true(sp->creds[0].start == t("2025-06-01T00:00:00"));
    assert_false(sp->creds[1].is_key);
    assert_null(sp->creds[1].name);
    assert_true(f->db.newest == M365_TIME_NONE); /* credential times are not the snapshot's */
    assert_null(f->db.sps[1].owner);
    assert_string_equal(f->db.sps[1].name, "Only App Name");
    assert_int_equal(f->db.sps[1].n_creds, 0);

    const char *ara =
        "{\"id\":\"x1\",\"appRoleId\":\"DC890D15-9560-4A4C-9B7F-A736EC74EC40\","
        "\"principalId\":\"AAAA-1\",\"principalType\":\"ServicePrincipal\","
        "\"resourceId\":\"r1\",\"resourceDisplayName\":\"Office 365 Exchange Online\"}\n"
        "\n"
        "{\"id\":\"x2\",\"appRoleId\":\"00000000-0000-0000-0000-000000000000\","
        "\"principalId\":\"u1\",\"principalType\":\"User\",\"resourceId\":\"AAAA-1\"}\n";
    st = read_text(f, "ara.jsonl", ara, false);
    assert_int_equal(st.kind, M365_SNAP_APP_ROLES);
    assert_string_equal(st.format, "jsonl");
    assert_int_equal(st.records, 2);
    assert_int_equal(f->db.n_assigns, 2);
    assert_string_equal(f->db.assigns[0].role_id, "dc890d15-9560-4a4c-9b7f-a736ec74ec40");
    assert_string_equal(f->db.assigns[0].principal, "aaaa-1");
    assert_string_equal(f->db.assigns[0].principal_type, "ServicePrincipal");
    assert_string_equal(f->db.assigns[0].resource_name, "Office 365 Exchange Online");
    assert_string_equal(f->db.assigns[1].principal_type, "User");

    const char *grants = "[{\"clientId\":\"AAAA-1\",\"consentType\":\"AllPrincipals\","
                         "\"principalId\":null,\"resourceId\":\"r2\",\"scope\":\" Mail.Read "
                         "User.Read\"}]";
    st = read_text(f, "g.json", grants, false);
    assert_int_equal(st.kind, M365_SNAP_GRANTS);
    assert_string_equal(st.format, "json-array");
    assert_int_equal(f->db.n_grants, 1);
    assert_string_equal(f->db.grants[0].client, "aaaa-1");
    assert_string_equal(f->db.grants[0].consent, "AllPrincipals");
    assert_null(f->db.grants[0].principal);
    assert_string_equal(f->db.grants[0].scope, "Mail.Read User.Read");

    /* One array of mixed objects: each is read; the file's kind is the most common one. */
    const char *mixed = "[{\"clientId\":\"c\",\"consentType\":\"Principal\",\"resourceId\":\"r\"},"
                        "{\"appRoleId\":\"a\",\"principalId\":\"p\",\"resourceId\":\"r\"},"
                        "{\"appRoleId\":\"b\",\"principalId\":\"p\",\"resourceId\":\"r\"}]";
    st = read_text(f, "m.json", mixed, false);
    assert_int_equal(st.kind, M365_SNAP_APP_ROLES);
    assert_int_equal(f->db.n_grants, 2);
    assert_int_equal(f->db.n_assigns, 4);
    assert_int_equal(f->warnings, 0);
}

static void test_not_snapshot(void **state)
{
    struct fixture *f = *state;
    /* A Graph signIns page: userPrincipalName and userType, but it is a sign-in. */
    const char *signins =
        "{\"value\":[{\"id\":\"s1\",\"createdDateTime\":\"2026-03-01T10:00:00Z\","
        "\"userPrincipalName\":\"ann@contoso.com\",\"userType\":\"member\",\"appId\":\"x\","
        "\"ipAddress\":\"203.0.113.5\",\"status\":{\"errorCode\":0}}]}";
    struct m365_snapshot_file st = read_text(f, "s.json", signins, false);
    assert_int_equal(st.kind, M365_SNAP_OTHER);
    assert_int_equal(f->db.n_users, 0);
    /* A CSV of something else */
    st = read_text(f, "x.csv", "a,b,c\r\n1,2,3\r\n", false);
    assert_int_equal(st.kind, M365_SNAP_NONE);
    assert_non_null(st.error);
    st = read_text(f, "e.json", "   \n", false);
    assert_int_equal(st.kind, M365_SNAP_NONE);
    assert_non_null(st.error);
    /* A truncated page falls back to lines, each of which fails: skipped, not fatal */
    st = read_text(f, "t.json", "{\"value\":[{\"id\":\"a\",\n\"userPrincipalName\":", false);
    assert_int_equal(st.kind, M365_SNAP_NONE);
    assert_int_equal(st.skipped, 2);
    /* A missing file */
    struct m365_snapshot_file st2;
    assert_int_equal(m365_snap_read_file(&f->db, "/nonexistent/m365/snap.json", &f->lim, &st2),
                     M365_OK);
    assert_int_equal(st2.kind, M365_SNAP_NONE);
    assert_non_null(st2.error);
}

/* --- tenant configuration readers -------------------------------------------------------- */

/* Self-signed EC certificates (CN=ADFS Signing - sts.example.org; the last another subject). */
#define CERT_CUR \
    "MIIBUjCB+KADAgECAhQa+/3T/aDS1MeCJ02TErhLM2LNLTAKBggqhkjOPQQDAjApMScwJQYD" \
    "VQQDDB5BREZTIFNpZ25pbmcgLSBzdHMuZXhhbXBsZS5vcmcwHhcNMjUwNDAxMDAwMDAwWhcN" \
    "MjYwNDAxMDAwMDAwWjApMScwJQYDVQQDDB5BREZTIFNpZ25pbmcgLSBzdHMuZXhhbXBsZS5v" \
    "cmcwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARfdZdWCz6aRrMb893Usg1GLvns7j9mqu3I" \
    "O1rjEuX8E6TgW/0YgWalGonuwSl5wxkZGOsI4IjC8vfaAvY6pHuxMAoGCCqGSM49BAMCA0kA" \
    "MEYCIQDgpTj284EzZ1IfAEWb/HmzzXyfVvh+2uZECjjeQYyvYgIhAN0iU4dzgM0PltLyDk8a" \
    "v6FsRD92DS9KvyToqMn9TTFy"
#define THUMB_CUR "832DDAC08AF77C80594AD6382605352A624E8839"
#define CERT_ROLL \
    "MIIBUjCB+KADAgECAhQkgW6UzXfs50TnA+3vpqG7lXwhVTAKBggqhkjOPQQDAjApMScwJQYD" \
    "VQQDDB5BREZTIFNpZ25pbmcgLSBzdHMuZXhhbXBsZS5vcmcwHhcNMjYwMzEyMDAwMDAwWhcN" \
    "MjcwMzEyMDAwMDAwWjApMScwJQYDVQQDDB5BREZTIFNpZ25pbmcgLSBzdHMuZXhhbXBsZS5v" \
    "cmcwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATpItmLEBSsorvFhM+Q+ghmkdkAwWBvBFtT" \
    "XqpuUucF41T9+I3b4OEH/gCed9saaMnV4v42gtPaps+JkShFdi/uMAoGCCqGSM49BAMCA0kA" \
    "MEYCIQDb/fksz8P0H4I9JbGRdVtV+3V56fOtqI/Ac+/5iWNaLAIhANI67u/0XkAZWQKQVnAX" \
    "yIMfoxPtyOHXHoFWDIm0/GIk"
#define THUMB_ROLL "BB6A64480B0485DCF60055F88A33C5881A9DFFA3"
#define CERT_EARLY \
    "MIIBUTCB+KADAgECAhRnI41/leztJf2NUZcW0nrVFJA4QzAKBggqhkjOPQQDAjApMScwJQYD" \
    "VQQDDB5BREZTIFNpZ25pbmcgLSBzdHMuZXhhbXBsZS5vcmcwHhcNMjUxMDAxMDAwMDAwWhcN" \
    "MjYxMDAxMDAwMDAwWjApMScwJQYDVQQDDB5BREZTIFNpZ25pbmcgLSBzdHMuZXhhbXBsZS5v" \
    "cmcwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQWLsxQPned4++0B189BXVYcjXq012s2YfY" \
    "OvrNDMNMWqE5DjUV9wtMdv8T5RWEwEJyfm13uAlJCA4Fo8XqA1rxMAoGCCqGSM49BAMCA0gA" \
    "MEUCIFmudTn/2WvUznQnJTMpgJ+UbhlGYBXsUoORDo4OhEIRAiEA5ahaiGRdtcBeGrz35Q/h" \
    "+mUt9q51BpNdaidgExy58os="
#define THUMB_EARLY "8AB58670226847F489392D95C8B7A794983E8A97"
#define CERT_OTHER \
    "MIIBXjCCAQSgAwIBAgIUDhhYqzSGVxgnRy4Wt05Xqf8utQcwCgYIKoZIzj0EAwIwLzEtMCsG" \
    "A1UEAwwkQURGUyBTaWduaW5nIC0gbG9naW4uZXhhbXBsZS1zc28ubmV0MB4XDTI2MDMxMDAw" \
    "MDAwMFoXDTM2MDMxMDAwMDAwMFowLzEtMCsGA1UEAwwkQURGUyBTaWduaW5nIC0gbG9naW4u" \
    "ZXhhbXBsZS1zc28ubmV0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpBzjK3LSiTiHSls7" \
    "xTblNBVkOACAAJaGPnHiEhQ6ekuWWd7tw8gyG1xu6kENssNi7rs1g1nsmNT43rYgQbb7SDAK" \
    "BggqhkjOPQQDAgNIADBFAiEA3IAD76hRtMuaUxsRyUPaE1AdYWkeVyRUyzq9cJsZMF4CIBZF" \
    "aM+1ocwOnb2k1jHfVGqBNKj0Lj46S4vX8UQJDy1j"
#define THUMB_OTHER "2F9DD7DF321038885E2EDE51662CFF26700337E5"

static void test_applications(void **state)
{
    struct fixture *f = *state;
    const char *page =
        "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#applications\",\"value\":["
        "{\"id\":\"APP-1\",\"appId\":\"AID-1\",\"displayName\":\"Payroll Sync\","
        "\"createdDateTime\":\"2024-01-02T03:04:05Z\",\"signInAudience\":\"AzureADMyOrg\","
        "\"identifierUris\":[\"api://payroll\"],"
        "\"web\":{\"redirectUris\":[\"https://a.example/cb\",\"https://b.example/cb\"]},"
        "\"spa\":{\"redirectUris\":[\"https://c.example\"]},\"publicClient\":{\"redirectUris\":[]},"
        "\"keyCredentials\":[{\"displayName\":\"CN=Payroll Sync\",\"type\":\"AsymmetricX509Cert\","
        "\"usage\":\"Verify\",\"keyId\":\"K1\",\"startDateTime\":\"2025-01-01T00:00:00Z\","
        "\"endDateTime\":\"2027-01-01T00:00:00Z\"}],"
        "\"passwordCredentials\":[{\"displayName\":\"rotated\",\"keyId\":\"P1\","
        "\"startDateTime\":\"2026-03-01T00:00:00Z\",\"endDateTime\":\"2027-03-01T00:00:00Z\"}],"
        "\"requiredResourceAccess\":[{\"resourceAppId\":\"00000003-0000-0000-c000-000000000000\","
        "\"resourceAccess\":[{\"id\":\"810C84A8-4A9E-49E6-BF7D-12D183F40D01\",\"type\":\"Role\"},"
        "{\"id\":\"e1fe6dd8-ba31-4d61-89e7-88639da4683d\",\"type\":\"Scope\"}]}]},"
        /* appId null: skipped with a warning */
        "{\"id\":\"APP-2\",\"appId\":null,\"displayName\":\"broken\","
        "\"requiredResourceAccess\":[]}]}";
    struct m365_snapshot_file st = read_text(f, "apps.json", page, false);
    assert_int_equal(st.kind, M365_SNAP_APPLICATIONS);
    assert_int_equal(st.records, 2);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(f->warnings, 1);
    assert_int_equal(f->db.n_apps, 1);
    const struct m365_snap_app *a = &f->db.apps[0];
    assert_string_equal(a->id, "app-1");
    assert_string_equal(a->app_id, "aid-1");
    assert_string_equal(a->name, "Payroll Sync");
    assert_string_equal(a->audience, "AzureADMyOrg");
    assert_int_equal(a->n_redirect_uris, 3);
    assert_int_equal(a->n_identifier_uris, 1);
    assert_int_equal(a->n_app_roles, 1); /* Scope entries are delegated, not app roles */
    assert_string_equal(a->app_roles[0], "810c84a8-4a9e-49e6-bf7d-12d183f40d01");
    assert_int_equal(a->n_creds, 2);
    assert_true(a->creds[0].is_key);
    assert_true(a->creds[0].end == t("2027-01-01T00:00:00"));
    assert_false(a->creds[1].is_key);
    assert_true(a->creds[1].start == t("2026-03-01T00:00:00"));
    assert_true(f->db.newest == t("2024-01-02T03:04:05"));
    assert_string_equal(m365_snapshot_kind_name(M365_SNAP_APPLICATIONS), "applications");
}

static void test_directory_roles(void **state)
{
    struct fixture *f = *state;
    const char *roles =
        "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#directoryRoles(members())\","
        "\"value\":[{\"id\":\"r1\",\"displayName\":\"Global Administrator\","
        "\"roleTemplateId\":\"62E90394-69F5-4237-9190-012177145E10\",\"members\":["
        "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"U1\",\"displayName\":\"Ann\","
        "\"userPrincipalName\":\"Ann@Contoso.com\"},"
        "{\"@odata.type\":\"#microsoft.graph.servicePrincipal\",\"id\":\"SP1\","
        "\"displayName\":\"Automation\",\"appId\":\"x\"},"
        /* Get-MgDirectoryRole -ExpandProperty members | ConvertTo-Json */
        "{\"Id\":\"U9\",\"DeletedDateTime\":null,\"AdditionalProperties\":{\"@odata.type\":"
        "\"#microsoft.graph.user\",\"userPrincipalName\":\"Zed@Contoso.com\"}}]},"
        /* not expanded: skipped with a warning */
        "{\"id\":\"r2\",\"displayName\":\"User Administrator\","
        "\"roleTemplateId\":\"fe930be7-5e62-47db-91af-98c3a49a38b1\"}]}";
    struct m365_snapshot_file st = read_text(f, "roles.json", roles, false);
    assert_int_equal(st.kind, M365_SNAP_DIRECTORY_ROLES);
    assert_int_equal(st.records, 2);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(f->warnings, 1);
    assert_int_equal(f->db.n_dirroles, 3);
    const struct m365_snap_dirrole *d = f->db.dirroles;
    assert_string_equal(d[0].template_id, "62e90394-69f5-4237-9190-012177145e10");
    assert_string_equal(d[0].role_name, "Global Administrator");
    assert_string_equal(d[0].principal, "u1");
    assert_string_equal(d[0].upn, "ann@contoso.com");
    assert_string_equal(d[0].principal_type, "user");
    assert_null(d[0].scope);
    assert_string_equal(d[1].principal_type, "servicePrincipal");
    assert_null(d[1].upn);
    assert_string_equal(d[2].principal, "u9");
    assert_string_equal(d[2].upn, "zed@contoso.com");
    assert_string_equal(d[2].principal_type, "user");

    const char *ras =
        "{\"id\":\"a1\",\"principalId\":\"U2\",\"directoryScopeId\":\"/\","
        "\"roleDefinitionId\":\"29232cdf-9323-42fd-ade2-1d097af3e4de\"}\n"
        "{\"id\":\"a2\",\"principalId\":\"U3\",\"directoryScopeId\":\"/administrativeUnits/x\","
        "\"roleDefinitionId\":\"custom-1\",\"roleDefinition\":{\"displayName\":\"Mail Helper\","
        "\"templateId\":\"custom-1\"},\"principal\":{\"@odata.type\":\"#microsoft.graph.user\","
        "\"id\":\"U3\",\"userPrincipalName\":\"cy@contoso.com\"}}\n"
        "{\"id\":\"a3\",\"principalId\":null,\"roleDefinitionId\":\"x\"}\n";
    st = read_text(f, "ra.jsonl", ras, false);
    assert_int_equal(st.kind, M365_SNAP_DIRECTORY_ROLES);
    assert_string_equal(st.format, "jsonl");
    assert_int_equal(st.records, 3);
    assert_int_equal(st.skipped, 1); /* no principal */
    assert_int_equal(f->db.n_dirroles, 5);
    assert_string_equal(f->db.dirroles[3].principal, "u2");
    assert_string_equal(f->db.dirroles[3].template_id, "29232cdf-9323-42fd-ade2-1d097af3e4de");
    assert_string_equal(f->db.dirroles[3].scope, "/");
    assert_null(f->db.dirroles[3].principal_type);
    assert_string_equal(f->db.dirroles[4].upn, "cy@contoso.com");
    assert_string_equal(f->db.dirroles[4].role_name, "Mail Helper");
}

static void test_ca_policies(void **state)
{
    struct fixture *f = *state;
    const char *page =
        "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies\","
        "\"value\":[{\"id\":\"P1\",\"displayName\":\"Block legacy\",\"state\":\"enabled\","
        "\"modifiedDateTime\":\"2026-01-05T10:00:00Z\",\"conditions\":{\"clientAppTypes\":"
        "[\"exchangeActiveSync\",\"other\"],\"applications\":{\"includeApplications\":[\"All\"]},"
        "\"users\":{\"includeUsers\":[\"All\"],\"excludeUsers\":[\"BG-1\"],\"excludeGroups\":[],"
        "\"excludeRoles\":[\"62e90394-69f5-4237-9190-012177145e10\"]},\"locations\":null},"
        "\"grantControls\":{\"operator\":\"OR\",\"builtInControls\":[\"block\"]}},"
        "{\"id\":\"P2\",\"displayName\":\"Register\",\"state\":\"enabledForReportingButNotEnforced\","
        "\"conditions\":{\"clientAppTypes\":[\"all\"],\"applications\":{\"includeApplications\":[],"
        "\"includeUserActions\":[\"urn:user:registersecurityinfo\"]},\"users\":{\"includeUsers\":"
        "[\"All\"]},\"locations\":{\"includeLocations\":[\"All\"],\"excludeLocations\":[\"AllTrusted\"]}},"
        "\"grantControls\":{\"operator\":\"AND\",\"builtInControls\":[\"mfa\",\"compliantDevice\"],"
        "\"authenticationStrength\":{\"id\":\"00000000-0000-0000-0000-000000000002\"}}},"
        "{\"id\":\"P3\",\"state\":\"on\",\"conditions\":{}}]}";
    struct m365_snapshot_file st = read_text(f, "ca.json", page, false);
    assert_int_equal(st.kind, M365_SNAP_CA_POLICIES);
    assert_int_equal(st.records, 3);
    assert_int_equal(st.skipped, 1); /* state "on" */
    assert_true(f->db.ca_loaded);
    assert_int_equal(f->db.n_cas, 2);
    const struct m365_snap_ca *p = f->db.cas;
    assert_int_equal(p[0].state, M365_CA_ON);
    assert_true(p[0].all_users && p[0].all_apps);
    assert_false(p[0].register_security || p[0].locations || p[0].auth_strength);
    assert_int_equal(p[0].clients, M365_CA_CLIENT_EAS | M365_CA_CLIENT_OTHER);
    assert_int_equal(p[0].grants, M365_CA_GRANT_BLOCK);
    assert_int_equal(p[0].n_excluded, 2);
    assert_string_equal(p[0].excluded[0], "bg-1");
    assert_int_equal(p[1].state, M365_CA_REPORT_ONLY);
    assert_true(p[1].register_security && p[1].locations && p[1].auth_strength);
    assert_true(p[1].and_operator);
    assert_int_equal(p[1].clients, M365_CA_CLIENT_ALL);
    assert_int_equal(p[1].grants, M365_CA_GRANT_MFA | M365_CA_GRANT_COMPLIANT);
    assert_true(f->db.newest == t("2026-01-05T10:00:00"));

    /* A tenant without policies: the empty page is still the export. */
    m365_snap_db_free(&f->db);
    m365_snap_db_init(&f->db);
    st = read_text(f, "none.json",
                   "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#identity/"
                   "conditionalAccess/policies\",\"value\":[]}",
                   false);
    assert_int_equal(st.kind, M365_SNAP_CA_POLICIES);
    assert_int_equal(st.records, 0);
    assert_null(st.error);
    assert_true(f->db.ca_loaded);
    /* Any other empty page is nothing. */
    m365_snap_db_free(&f->db);
    m365_snap_db_init(&f->db);
    st = read_text(f, "empty.json", "{\"value\":[]}", false);
    assert_int_equal(st.kind, M365_SNAP_NONE);
    assert_false(f->db.ca_loaded);
}

static void test_domains_federation(void **state)
{
    struct fixture *f = *state;
    const char *domains =
        "{\"value\":[{\"id\":\"Contoso.com\",\"authenticationType\":\"Federated\","
        "\"isVerified\":true,\"isDefault\":true},{\"id\":\"contoso.onmicrosoft.com\","
        "\"authenticationType\":\"Managed\",\"isVerified\":true,\"isDefault\":false}]}";
    struct m365_snapshot_file st = read_text(f, "d.json", domains, false);
    assert_int_equal(st.kind, M365_SNAP_DOMAINS);
    assert_int_equal(f->db.n_domains, 2);
    assert_string_equal(f->db.domains[0].name, "contoso.com");
    assert_int_equal(f->db.domains[0].federated, 1);
    assert_int_equal(f->db.domains[0].is_default, 1);
    assert_int_equal(f->db.domains[1].federated, 0);
    /* Get-MsolDomain | ConvertTo-Json: enums as numbers */
    st = read_text(f, "msol.json",
                   "[{\"Authentication\":1,\"Capabilities\":5,\"IsDefault\":false,\"IsInitial\":false,"
                   "\"Name\":\"fabrikam.com\",\"RootDomain\":null,\"Status\":1,"
                   "\"VerificationMethod\":1}]",
                   false);
    assert_int_equal(st.kind, M365_SNAP_DOMAINS);
    assert_int_equal(f->db.domains[2].federated, 1);
    assert_int_equal(f->db.domains[2].verified, 1);

    const char *fed =
        "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#domains('Contoso.com')/"
        "federationConfiguration\",\"value\":[{\"@odata.type\":\"#microsoft.graph."
        "internalDomainFederation\",\"id\":\"f1\",\"displayName\":\"Contoso\",\"issuerUri\":"
        "\"http://sts.example.org/adfs/services/trust\",\"passiveSignInUri\":"
        "\"https://sts.example.org/adfs/ls/\",\"preferredAuthenticationProtocol\":\"wsFed\","
        "\"federatedIdpMfaBehavior\":\"acceptIfMfaDoneByFederatedIdp\",\"signingCertificate\":\""
        CERT_CUR "\",\"nextSigningCertificate\":\"bm90IGEgY2VydGlmaWNhdGU=\"}]}";
    st = read_text(f, "fed.json", fed, false);
    assert_int_equal(st.kind, M365_SNAP_FEDERATION);
    assert_int_equal(f->db.n_feds, 1);
    const struct m365_snap_fed *c = &f->db.feds[0];
    assert_string_equal(c->domain, "contoso.com");
    assert_string_equal(c->issuer, "http://sts.example.org/adfs/services/trust");
    assert_string_equal(c->mfa_behavior, "acceptIfMfaDoneByFederatedIdp");
    assert_true(c->signing.given && c->signing.parsed);
    assert_string_equal(c->signing.subject, "CN=ADFS Signing - sts.example.org");
    assert_string_equal(c->signing.issuer, "CN=ADFS Signing - sts.example.org");
    assert_string_equal(c->signing.thumbprint, THUMB_CUR);
    assert_true(c->signing.not_before == t("2025-04-01T00:00:00"));
    assert_true(c->signing.not_after == t("2026-04-01T00:00:00"));
    assert_true(c->next.given); /* base64, but not a certificate */
    assert_false(c->next.parsed);
    assert_null(c->next.subject);

    /* Get-MsolDomainFederationSettings: PascalCase, SupportsMfa, the domain added by hand,
     * the certificate wrapped over lines. */
    const char *msol =
        "{\"ActiveLogOnUri\":\"https://sts.example.org/adfs/services/trust/2005/usernamemixed\","
        "\"DefaultInteractiveAuthenticationMethod\":null,\"FederationBrandName\":\"Example\","
        "\"IssuerUri\":\"http://any.sts/8B1F2C3D\",\"PassiveLogOnUri\":"
        "\"https://sts.example.org/adfs/ls/\",\"SigningCertificate\":\"" CERT_ROLL "\","
        "\"NextSigningCertificate\":null,\"SupportsMfa\":true,\"DomainName\":\"example.org\"}";
    st = read_text(f, "msolfed.json", msol, false);
    assert_int_equal(st.kind, M365_SNAP_FEDERATION);
    c = &f->db.feds[1];
    assert_string_equal(c->domain, "example.org");
    assert_string_equal(c->display_name, "Example");
    assert_string_equal(c->passive_uri, "https://sts.example.org/adfs/ls/");
    assert_string_equal(c->mfa_behavior, "enforceMfaByFederatedIdp");
    assert_string_equal(c->signing.thumbprint, THUMB_ROLL);
    assert_false(c->next.given);
    assert_int_equal(f->warnings, 0);
}

static void test_exchange_rbac_and_bypass(void **state)
{
    struct fixture *f = *state;
    const char *csv =
        "#TYPE Deserialized.Microsoft.Exchange.Management.RecipientTasks.MailboxAuditBypassAssociation\r\n"
        "\"RunspaceId\",\"AuditBypassEnabled\",\"Name\",\"Identity\",\"ObjectClass\","
        "\"WhenChangedUTC\",\"ExchangeObjectId\",\"Guid\"\r\n"
        "\"r\",\"True\",\"Svc Backup\",\"Svc Backup\",\"top person organizationalPerson user\","
        "\"3/2/2026 11:48:20 PM\",\"6E2D0000-1A2B-4C3D-8E4F-0C0A50C0B000\",\"x\"\r\n"
        "\"r\",\"False\",\"Ann\",\"Ann\",\"top person organizationalPerson user\",\"\",\"\",\"G-2\"\r\n"
        "\"r\",\"maybe\",\"Bad\",\"Bad\",\"\",\"\",\"\",\"\"\r\n";
    struct m365_snapshot_file st = read_text(f, "bypass.csv", csv, false);
    assert_int_equal(st.kind, M365_SNAP_AUDIT_BYPASS);
    assert_string_equal(st.format, "csv");
    assert_int_equal(st.records, 3);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(f->warnings, 1);
    assert_int_equal(f->db.n_bypasses, 2);
    assert_string_equal(f->db.bypasses[0].name, "svc backup");
    assert_int_equal(f->db.bypasses[0].enabled, 1);
    assert_string_equal(f->db.bypasses[0].exo_id, "6e2d0000-1a2b-4c3d-8e4f-0c0a50c0b000");
    assert_string_equal(f->db.bypasses[0].object_class, "user");
    assert_int_equal(f->db.bypasses[1].enabled, 0);
    assert_string_equal(f->db.bypasses[1].exo_id, "g-2"); /* Guid when ExchangeObjectId is empty */
    assert_true(f->db.newest == t("2026-03-02T23:48:20"));

    const char *json =
        "{\"AuditBypassEnabled\":true,\"Name\":\"scanner\",\"Identity\":\"scanner\","
        "\"ObjectClass\":[\"top\",\"person\",\"organizationalPerson\",\"user\",\"computer\"]}";
    st = read_text(f, "bypass.json", json, false);
    assert_int_equal(st.kind, M365_SNAP_AUDIT_BYPASS);
    assert_string_equal(f->db.bypasses[2].object_class, "computer");

    const char *mra =
        "[{\"Name\":\"ApplicationImpersonation-Organization Management-Delegating\","
        "\"Role\":{\"Name\":\"ApplicationImpersonation\"},\"RoleAssigneeType\":\"RoleGroup\","
        "\"RoleAssigneeName\":\"Organization Management\",\"RoleAssignee\":\"Organization Management\","
        "\"AssignmentMethod\":\"Direct\",\"RoleAssignmentDelegationType\":\"DelegatingOrgWide\","
        "\"RecipientWriteScope\":\"Organization\",\"CustomRecipientWriteScope\":null,"
        "\"Enabled\":true,\"IsValid\":true,\"WhenCreatedUTC\":\"/Date(1560240902000)/\"},"
        "{\"Name\":\"no role\",\"RoleAssigneeName\":\"x\",\"Role\":\"\"}]";
    st = read_text(f, "mra.json", mra, false);
    assert_int_equal(st.kind, M365_SNAP_MGMT_ROLES);
    assert_int_equal(st.records, 2);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(f->db.n_mras, 1);
    const struct m365_snap_mra *m = &f->db.mras[0];
    assert_string_equal(m->role, "ApplicationImpersonation");
    assert_string_equal(m->delegation, "DelegatingOrgWide");
    assert_null(m->custom_scope);
    assert_int_equal(m->enabled, 1);
    assert_true(m->created == 1560240902000ll);

    /* Export-Csv without the #TYPE line (-NoTypeInformation) */
    const char *mcsv =
        "Name,Role,RoleAssigneeType,RoleAssigneeName,RoleAssignee,AssignmentMethod,"
        "CustomRecipientWriteScope,RecipientWriteScope,Enabled,RoleAssignmentDelegationType\n"
        "ApplicationImpersonation-svc,ApplicationImpersonation,User,svc,svc,Direct,"
        "Sync Mailboxes,CustomRecipientScope,True,Regular\n";
    st = read_text(f, "mra.csv", mcsv, false);
    assert_int_equal(st.kind, M365_SNAP_MGMT_ROLES);
    assert_int_equal(f->db.n_mras, 2);
    assert_string_equal(f->db.mras[1].custom_scope, "Sync Mailboxes");
    assert_string_equal(f->db.mras[1].assignee_type, "User");
    /* A CSV of none of the three cmdlets */
    st = read_text(f, "other.csv", "Name,Role\nx,y\n", false);
    assert_int_equal(st.kind, M365_SNAP_NONE);
    assert_non_null(st.error);
}

/* --- posture rules on small snapshots (public API) ----------------------------------------- */

/* Writes the files into a fresh folder, audits it at as_of, returns the snapshot. */
static struct m365_snapshot *audit_files(struct fixture *f, const char *sub, const char *const *names,
                                         const char *const *texts, size_t n, const char *as_of)
{
    char *dir = m365_test_path(f->dir, sub);
    assert_non_null(dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    for (size_t i = 0; i < n; i++) {
        char *p = m365_test_path(dir, names[i]);
        assert_non_null(p);
        assert_int_equal(m365_test_write_file(p, texts[i], strlen(texts[i])), 0);
        free(p);
    }
    struct m365_snapshot_options o;
    m365_snapshot_options_init(&o);
    o.as_of_ms = as_of ? t(as_of) : M365_TIME_NONE;
    struct m365_snapshot *s = NULL;
    assert_int_equal(m365_snapshot_new(&s, &o), M365_OK);
    assert_int_equal(m365_snapshot_add_path(s, dir), M365_OK);
    assert_int_equal(m365_snapshot_run(s), M365_OK);
    free(dir);
    return s;
}

static const struct m365_finding *find_rule(const struct m365_snapshot *s, const char *rule,
                                            size_t *count)
{
    const struct m365_finding *first = NULL;
    *count = 0;
    for (size_t i = 0; i < m365_snapshot_n_findings(s); i++) {
        const struct m365_finding *x = m365_snapshot_finding(s, i);
        if (strcmp(x->rule, rule) == 0) {
            first = first ? first : x;
            (*count)++;
        }
    }
    return first;
}

static bool not_evaluated_has(const struct m365_snapshot *s, const char *rule)
{
    for (size_t i = 0; i < m365_snapshot_n_not_evaluated(s); i++) {
        const char *r, *why;
        m365_snapshot_not_evaluated(s, i, &r, &why);
        if (strcmp(r, rule) == 0 && why && *why) {
            return true;
        }
    }
    return false;
}

#define CA_PAGE_START                                                                             \
    "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/" \
    "policies\",\"value\":["
#define CA_POLICY(name, state, clients, actions, grant, excl)                                    \
    "{\"displayName\":\"" name "\",\"state\":\"" state "\",\"conditions\":{\"clientAppTypes\":[" \
    clients "],\"applications\":{\"includeApplications\":[" actions                               \
    "]},\"users\":{\"includeUsers\":[\"All\"],\"excludeUsers\":[" excl "]}},"                      \
    "\"grantControls\":{\"operator\":\"OR\",\"builtInControls\":[" grant "]}}"

static void test_posture_conditional_access(void **state)
{
    struct fixture *f = *state;
    size_t n;
    /* Legacy blocked in two policies (one per client type), one excluding break-glass; a
     * registration policy requiring MFA: both rules quiet. */
    const char *good =
        CA_PAGE_START
        CA_POLICY("Block EAS", "enabled", "\"exchangeActiveSync\"", "\"All\"", "\"block\"", "\"bg\"") ","
        CA_POLICY("Block other", "enabled", "\"other\"", "\"Office365\"", "\"block\"", "") ","
        "{\"displayName\":\"MFA to register\",\"state\":\"enabled\",\"conditions\":{\"clientAppTypes\":"
        "[\"all\"],\"applications\":{\"includeApplications\":[],\"includeUserActions\":["
        "\"urn:user:registersecurityinfo\"]},\"users\":{\"includeUsers\":[\"All\"]}},"
        "\"grantControls\":{\"operator\":\"OR\",\"builtInControls\":[\"mfa\"]}}]}";
    const char *names[] = {"ca.json"};
    const char *texts[] = {good};
    struct m365_snapshot *s = audit_files(f, "good", names, texts, 1, "2026-03-10T00:00:00");
    assert_null(find_rule(s, "posture-legacy-auth-allowed", &n));
    assert_null(find_rule(s, "posture-mfa-registration-unrestricted", &n));
    assert_false(not_evaluated_has(s, "posture-legacy-auth-allowed"));
    m365_snapshot_free(s);

    /* Only EAS blocked; registration "protected" by a report-only policy and by an OR that lets
     * the user pick an approved app instead of MFA: both fire. */
    const char *weak =
        CA_PAGE_START
        CA_POLICY("Block EAS", "enabled", "\"exchangeActiveSync\"", "\"All\"", "\"block\"", "") ","
        CA_POLICY("Block other (pilot)", "enabledForReportingButNotEnforced", "\"other\"", "\"All\"",
                  "\"block\"", "") ","
        "{\"displayName\":\"Register (pilot)\",\"state\":\"enabledForReportingButNotEnforced\","
        "\"conditions\":{\"applications\":{\"includeUserActions\":[\"urn:user:registersecurityinfo\"]},"
        "\"users\":{\"includeUsers\":[\"All\"]}},\"grantControls\":{\"operator\":\"OR\","
        "\"builtInControls\":[\"mfa\"]}},"
        "{\"displayName\":\"Register\",\"state\":\"enabled\",\"conditions\":{\"applications\":"
        "{\"includeUserActions\":[\"urn:user:registersecurityinfo\"]},\"users\":{\"includeUsers\":"
        "[\"All\"]}},\"grantControls\":{\"operator\":\"OR\",\"builtInControls\":[\"mfa\","
        "\"approvedApplication\"]}}]}";
    texts[0] = weak;
    s = audit_files(f, "weak", names, texts, 1, "2026-03-10T00:00:00");
    const struct m365_finding *x = find_rule(s, "posture-legacy-auth-allowed", &n);
    assert_int_equal(n, 1);
    assert_int_equal(x->severity, M365_SEV_MEDIUM);
    assert_non_null(strstr(x->details_json, "\"blocks_exchange_active_sync\":true"));
    assert_non_null(strstr(x->details_json, "\"blocks_other_clients\":false"));
    assert_non_null(strstr(x->details_json, "report-only: not enforced"));
    x = find_rule(s, "posture-mfa-registration-unrestricted", &n);
    assert_int_equal(n, 1);
    assert_int_equal(x->severity, M365_SEV_MEDIUM); /* no registration report: no accounts */
    assert_non_null(strstr(x->summary, "1 report-only policy would"));
    assert_non_null(strstr(x->details_json, "\"policies_targeting_registration\":2"));
    m365_snapshot_free(s);

    /* No Conditional Access export at all: not evaluated, with a reason. */
    const char *users = "{\"value\":[{\"id\":\"u1\",\"userPrincipalName\":\"a@b.c\","
                        "\"accountEnabled\":true}]}";
    const char *unames[] = {"users.json"};
    texts[0] = users;
    s = audit_files(f, "noca", unames, texts, 1, NULL);
    assert_true(not_evaluated_has(s, "posture-legacy-auth-allowed"));
    assert_true(not_evaluated_has(s, "posture-mfa-registration-unrestricted"));
    assert_true(not_evaluated_has(s, "posture-application-impersonation"));
    assert_true(not_evaluated_has(s, "posture-federated-domain"));
    m365_snapshot_free(s);
}

static void test_posture_federation(void **state)
{
    struct fixture *f = *state;
    size_t n;
    const char *domains = "{\"value\":[{\"id\":\"a.example\",\"authenticationType\":\"Federated\","
                          "\"isVerified\":true},{\"id\":\"b.example\",\"authenticationType\":"
                          "\"Federated\",\"isVerified\":true},{\"id\":\"c.example\","
                          "\"authenticationType\":\"Federated\",\"isVerified\":true},"
                          "{\"id\":\"m.example\",\"authenticationType\":\"Managed\",\"isVerified\":true}]}";
    /* a: ordinary rollover (low); b: a second certificate of the same subject six months
     * early (medium); c: another subject as next certificate (high). */
    const char *feds =
        "{\"domainName\":\"a.example\",\"issuerUri\":\"http://sts.example.org/adfs/services/trust\","
        "\"signingCertificate\":\"" CERT_CUR "\",\"nextSigningCertificate\":\"" CERT_ROLL "\"}\n"
        "{\"domainName\":\"b.example\",\"issuerUri\":\"http://sts.example.org/adfs/services/trust\","
        "\"signingCertificate\":\"" CERT_CUR "\",\"nextSigningCertificate\":\"" CERT_EARLY "\"}\n"
        "{\"domainName\":\"c.example\",\"issuerUri\":\"http://sts.example.org/adfs/services/trust\","
        "\"signingCertificate\":\"" CERT_CUR "\",\"nextSigningCertificate\":\"" CERT_OTHER "\"}\n";
    const char *names[] = {"domains.json", "fed.jsonl"};
    const char *texts[] = {domains, feds};
    struct m365_snapshot *s = audit_files(f, "fed", names, texts, 2, "2026-03-20T00:00:00");
    find_rule(s, "posture-federated-domain", &n);
    assert_int_equal(n, 3); /* the managed domain is not reported */
    for (size_t i = 0; i < m365_snapshot_n_findings(s); i++) {
        const struct m365_finding *x = m365_snapshot_finding(s, i);
        const char *dom = x->entities[M365_ENT_DOMAINS].items[0];
        if (strcmp(dom, "a.example") == 0) {
            assert_int_equal(x->severity, M365_SEV_LOW);
            assert_non_null(strstr(x->details_json, "\"flags\":[\"next-certificate-rollover\"]"));
            assert_non_null(strstr(x->details_json, THUMB_CUR));
        } else if (strcmp(dom, "b.example") == 0) {
            assert_int_equal(x->severity, M365_SEV_MEDIUM);
            assert_non_null(strstr(x->details_json, "next-certificate-outside-rollover"));
        } else {
            assert_string_equal(dom, "c.example");
            assert_int_equal(x->severity, M365_SEV_HIGH);
            assert_non_null(strstr(x->details_json, "next-certificate-differs"));
        }
    }
    m365_snapshot_free(s);

    /* AADInternals' issuer, a recent signing certificate (rollover just done: stays low
     * without the issuer) and no domains export. */
    const char *backdoor = "{\"issuerUri\":\"http://any.sts/B231A11F\",\"domainName\":\"d.example\","
                           "\"signingCertificate\":\"" CERT_OTHER "\"}";
    const char *recent = "{\"issuerUri\":\"http://sts.example.org/adfs/services/trust\","
                         "\"domainName\":\"e.example\",\"signingCertificate\":\"" CERT_ROLL "\","
                         "\"federatedIdpMfaBehavior\":\"acceptIfMfaDoneByFederatedIdp\"}";
    const char *n2[] = {"backdoor.json", "recent.json"};
    const char *t2[] = {backdoor, recent};
    s = audit_files(f, "fed2", n2, t2, 2, "2026-03-20T00:00:00");
    find_rule(s, "posture-federated-domain", &n);
    assert_int_equal(n, 2);
    const struct m365_finding *x = m365_snapshot_finding(s, 0); /* high first */
    assert_int_equal(x->severity, M365_SEV_HIGH);
    assert_string_equal(x->entities[M365_ENT_DOMAINS].items[0], "d.example");
    assert_non_null(strstr(x->details_json, "issuer-any-sts"));
    assert_non_null(strstr(x->details_json, "long-validity"));
    x = m365_snapshot_finding(s, 1);
    assert_int_equal(x->severity, M365_SEV_LOW);
    assert_non_null(strstr(x->details_json,
                           "\"flags\":[\"recent-signing-certificate\",\"accepts-federated-mfa\"]"));
    m365_snapshot_free(s);
}

static void test_posture_impersonation_and_apps(void **state)
{
    struct fixture *f = *state;
    size_t n;
    const char *mra =
        "Name,Role,RoleAssigneeType,RoleAssigneeName,AssignmentMethod,RecipientWriteScope,"
        "CustomRecipientWriteScope,Enabled,RoleAssignmentDelegationType\n"
        "ApplicationImpersonation-Organization Management-Delegating,ApplicationImpersonation,"
        "RoleGroup,Organization Management,Direct,Organization,,True,DelegatingOrgWide\n"
        "ApplicationImpersonation-HelpDesk-Delegating,ApplicationImpersonation,RoleGroup,"
        "Help Desk,Direct,Organization,,True,\n"
        "ApplicationImpersonation-old,ApplicationImpersonation,User,old-svc,Direct,Organization,,"
        "False,Regular\n"
        "ApplicationImpersonation-grp,ApplicationImpersonation,SecurityGroup,EWS Apps,Direct,"
        "Organization,,True,Regular\n"
        "ApplicationImpersonation-bg,ApplicationImpersonation,User,breakglass,Direct,Organization,,"
        "True,Regular\n";
    /* A privileged app whose secret was rotated, and whose certificate was added beside
     * long-valid ones (flagged); a foreign-tenant SP holding Global Administrator (high). */
    const char *sps =
        "{\"value\":[{\"id\":\"sp1\",\"appId\":\"app1\",\"displayName\":\"Mailer\","
        "\"appOwnerOrganizationId\":\"t-home\",\"keyCredentials\":[],\"passwordCredentials\":[]},"
        "{\"id\":\"sp2\",\"appId\":\"app2\",\"displayName\":\"Tool\","
        "\"appOwnerOrganizationId\":\"t-home\",\"keyCredentials\":[],\"passwordCredentials\":[]},"
        "{\"id\":\"sp3\",\"appId\":\"app3\",\"displayName\":\"Vendor\","
        "\"appOwnerOrganizationId\":\"t-other\"}]}";
    const char *apps =
        "{\"value\":[{\"id\":\"o1\",\"appId\":\"app1\",\"displayName\":\"Mailer\","
        "\"requiredResourceAccess\":[],\"passwordCredentials\":["
        "{\"displayName\":\"2025\",\"startDateTime\":\"2025-03-20T00:00:00Z\","
        "\"endDateTime\":\"2026-03-25T00:00:00Z\"},"
        "{\"displayName\":\"2026\",\"startDateTime\":\"2026-03-05T00:00:00Z\","
        "\"endDateTime\":\"2027-03-05T00:00:00Z\"}]},"
        "{\"id\":\"o2\",\"appId\":\"app2\",\"displayName\":\"Tool\",\"requiredResourceAccess\":[],"
        "\"passwordCredentials\":[{\"displayName\":\"long\",\"startDateTime\":"
        "\"2025-01-01T00:00:00Z\",\"endDateTime\":\"2027-01-01T00:00:00Z\"},{\"displayName\":\"new\","
        "\"startDateTime\":\"2026-03-05T00:00:00Z\",\"endDateTime\":\"2028-03-05T00:00:00Z\"}]}]}";
    const char *ras =
        "{\"principalId\":\"sp1\",\"roleDefinitionId\":\"29232cdf-9323-42fd-ade2-1d097af3e4de\"}\n"
        "{\"principalId\":\"sp2\",\"roleDefinitionId\":\"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3\"}\n"
        "{\"principalId\":\"sp3\",\"roleDefinitionId\":\"62e90394-69f5-4237-9190-012177145e10\"}\n";
    const char *names[] = {"mra.csv", "sps.json", "apps.json", "ras.jsonl"};
    const char *texts[] = {mra, sps, apps, ras};
    struct m365_snapshot *s = audit_files(f, "imp", names, texts, 4, "2026-03-10T00:00:00");
    const struct m365_finding *x = find_rule(s, "posture-application-impersonation", &n);
    assert_int_equal(n, 3); /* Org Management's own and the disabled one are not reported */
    for (size_t i = 0; i < m365_snapshot_n_findings(s); i++) {
        x = m365_snapshot_finding(s, i);
        if (strcmp(x->rule, "posture-application-impersonation") != 0) {
            continue;
        }
        if (strstr(x->summary, "Help Desk")) {
            assert_int_equal(x->severity, M365_SEV_INFO); /* delegating, from the name */
        } else if (strstr(x->summary, "EWS Apps")) {
            assert_int_equal(x->severity, M365_SEV_MEDIUM); /* a group */
        } else {
            assert_int_equal(x->severity, M365_SEV_HIGH);
            assert_string_equal(x->entities[M365_ENT_USERS].items[0], "breakglass");
        }
    }
    for (size_t i = 0; i < m365_snapshot_n_findings(s); i++) {
        x = m365_snapshot_finding(s, i);
        if (strcmp(x->rule, "posture-privileged-app") != 0) {
            continue;
        }
        const char *sp = x->entities[M365_ENT_SERVICE_PRINCIPALS].items[0];
        if (strcmp(sp, "Mailer") == 0) {
            assert_int_equal(x->severity, M365_SEV_MEDIUM); /* rotation: not flagged */
            assert_non_null(strstr(x->details_json, "\"rotated_credentials\":1"));
            assert_non_null(strstr(x->details_json, "\"flags\":[]"));
            assert_non_null(strstr(x->details_json, "\"directory_roles\":[\"Exchange Administrator\"]"));
        } else if (strcmp(sp, "Tool") == 0) {
            assert_int_equal(x->severity, M365_SEV_HIGH);
            assert_non_null(strstr(x->details_json, "\"flags\":[\"recent-credential\"]"));
            assert_non_null(strstr(x->details_json, "\"on\":\"application\""));
        } else {
            assert_string_equal(sp, "Vendor");
            assert_int_equal(x->severity, M365_SEV_HIGH); /* Global Administrator */
        }
    }
    find_rule(s, "posture-privileged-app", &n);
    assert_int_equal(n, 3);
    m365_snapshot_free(s);
}

/* subscribedSkus: the tenant's SKU → service plan table decides for users exported without
 * assignedPlans; assignedPlans still wins; a skuId the table does not list falls back to the
 * built-in list. Unusable SKUs are skipped with a warning; licenseDetails is not a SKU. */
static void test_subscribed_skus(void **state)
{
    struct fixture *f = *state;
    const char *skus =
        "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#subscribedSkus\",\"value\":["
        "{\"accountName\":\"w\",\"appliesTo\":\"User\",\"capabilityStatus\":\"Enabled\","
        "\"consumedUnits\":1,\"id\":\"t_c42b\",\"skuId\":\"C42B9CAE-EA4F-4AB7-9717-81576235CCAC\","
        "\"skuPartNumber\":\"DEVELOPERPACK_E5\",\"prepaidUnits\":{\"enabled\":1,\"suspended\":0,"
        "\"warning\":0,\"lockedOut\":0},\"servicePlans\":[{\"servicePlanId\":"
        "\"2f442157-a11c-46b9-ae5b-6e39ff4e5849\",\"servicePlanName\":\"M365_ADVANCED_AUDITING\","
        "\"provisioningStatus\":\"Success\",\"appliesTo\":\"User\"}]},"
        "{\"capabilityStatus\":\"Enabled\",\"consumedUnits\":3,\"skuId\":"
        "\"05e9a617-0261-4cee-bb44-138d3ef5d965\",\"skuPartNumber\":\"SPE_E3\",\"servicePlans\":["
        "{\"servicePlanId\":\"efb87545-963c-4e0d-99df-69c6916d9eb0\",\"provisioningStatus\":"
        "\"Success\"}]},"
        "{\"capabilityStatus\":\"Suspended\",\"consumedUnits\":2,\"skuId\":\"sku-lapsed\","
        "\"servicePlans\":[{\"servicePlanId\":\"2f442157-a11c-46b9-ae5b-6e39ff4e5849\"}]},"
        "{\"capabilityStatus\":\"Enabled\",\"consumedUnits\":2,\"skuId\":"
        "\"06ebc4ee-1bb5-47dd-8120-11324bc54e06\",\"servicePlans\":[{\"servicePlanId\":"
        "\"2f442157-a11c-46b9-ae5b-6e39ff4e5849\",\"provisioningStatus\":\"Disabled\"}]},"
        "{\"capabilityStatus\":\"Enabled\",\"consumedUnits\":0,\"skuId\":null,\"servicePlans\":[]},"
        "{\"capabilityStatus\":\"Enabled\",\"skuId\":\"x\",\"consumedUnits\":0,\"servicePlans\":7},"
        "{\"id\":\"ld1\",\"skuId\":\"05e9a617-0261-4cee-bb44-138d3ef5d965\",\"skuPartNumber\":"
        "\"SPE_E3\",\"servicePlans\":[]}]}";
    struct m365_snapshot_file st = read_text(f, "skus.json", skus, false);
    assert_int_equal(st.kind, M365_SNAP_SUBSCRIBED_SKUS);
    assert_string_equal(m365_snapshot_kind_name(st.kind), "subscribedSkus");
    assert_int_equal(st.records, 7);
    assert_int_equal(st.skipped, 2); /* no skuId; servicePlans not an array */
    assert_int_equal(f->warnings, 2);
    assert_int_equal(f->db.n_skus, 4); /* the licenseDetails object is "other" */
    const struct m365_snap_sku *k = m365_snap_sku_find(&f->db, "c42b9cae-ea4f-4ab7-9717-81576235ccac");
    assert_non_null(k);
    assert_true(k->has_audit);
    assert_string_equal(k->part, "DEVELOPERPACK_E5");
    assert_true(k->consumed == 1 && k->prepaid == 1);
    assert_false(m365_snap_sku_find(&f->db, "05e9a617-0261-4cee-bb44-138d3ef5d965")->has_audit);

    const char *users =
        "{\"value\":["
        "{\"id\":\"u1\",\"userPrincipalName\":\"dev@w.com\",\"accountEnabled\":true,"
        "\"assignedLicenses\":[{\"disabledPlans\":[],\"skuId\":\"c42b9cae-ea4f-4ab7-9717-81576235ccac\"}]},"
        "{\"id\":\"u2\",\"userPrincipalName\":\"e3@w.com\",\"accountEnabled\":true,"
        "\"assignedLicenses\":[{\"disabledPlans\":[],\"skuId\":\"05e9a617-0261-4cee-bb44-138d3ef5d965\"}]},"
        "{\"id\":\"u3\",\"userPrincipalName\":\"off@w.com\",\"accountEnabled\":true,"
        "\"assignedLicenses\":[{\"disabledPlans\":[\"2f442157-a11c-46b9-ae5b-6e39ff4e5849\"],"
        "\"skuId\":\"c42b9cae-ea4f-4ab7-9717-81576235ccac\"}]},"
        "{\"id\":\"u4\",\"userPrincipalName\":\"lapsed@w.com\",\"accountEnabled\":true,"
        "\"assignedLicenses\":[{\"disabledPlans\":[],\"skuId\":\"sku-lapsed\"}]},"
        "{\"id\":\"u5\",\"userPrincipalName\":\"plans@w.com\",\"accountEnabled\":true,"
        "\"assignedLicenses\":[{\"disabledPlans\":[],\"skuId\":\"05e9a617-0261-4cee-bb44-138d3ef5d965\"}],"
        "\"assignedPlans\":[{\"capabilityStatus\":\"Enabled\",\"servicePlanId\":"
        "\"2f442157-a11c-46b9-ae5b-6e39ff4e5849\"}]},"
        "{\"id\":\"u6\",\"userPrincipalName\":\"o365e5@w.com\",\"accountEnabled\":true,"
        "\"assignedLicenses\":[{\"disabledPlans\":[],\"skuId\":\"c7df2760-2c81-4ef7-b578-5b5392b571df\"}]},"
        "{\"id\":\"u7\",\"userPrincipalName\":\"mixed@w.com\",\"accountEnabled\":true,"
        "\"assignedLicenses\":[{\"disabledPlans\":[],\"skuId\":\"05e9a617-0261-4cee-bb44-138d3ef5d965\"},"
        "{\"disabledPlans\":[],\"skuId\":\"c7df2760-2c81-4ef7-b578-5b5392b571df\"}]},"
        "{\"id\":\"u8\",\"userPrincipalName\":\"e5tenantoff@w.com\",\"accountEnabled\":true,"
        "\"assignedLicenses\":[{\"disabledPlans\":[],\"skuId\":\"06ebc4ee-1bb5-47dd-8120-11324bc54e06\"}]}"
        "]}";
    st = read_text(f, "users.json", users, false);
    assert_int_equal(st.kind, M365_SNAP_USERS);
    const struct m365_snap_user *u = f->db.users;
    /* Before the table is applied: the built-in list only. */
    assert_int_equal(u[0].audit, M365_SNAP_AUDIT_NONE);
    assert_int_equal(u[0].audit_src, M365_SNAP_SRC_KNOWN_SKUS);
    assert_int_equal(u[0].n_lics, 1);
    assert_string_equal(u[0].lics[0].sku, "c42b9cae-ea4f-4ab7-9717-81576235ccac");
    assert_true(u[2].lics[0].audit_off);
    m365_snap_resolve_licences(&f->db);
    assert_int_equal(u[0].audit, M365_SNAP_AUDIT_ENABLED);
    assert_int_equal(u[0].audit_src, M365_SNAP_SRC_SUBSCRIBED);
    assert_int_equal(u[1].audit, M365_SNAP_AUDIT_NONE);
    assert_int_equal(u[1].audit_src, M365_SNAP_SRC_SUBSCRIBED);
    assert_int_equal(u[2].audit, M365_SNAP_AUDIT_DISABLED); /* disabledPlans */
    assert_int_equal(u[3].audit, M365_SNAP_AUDIT_DISABLED); /* the subscription is suspended */
    assert_int_equal(u[4].audit, M365_SNAP_AUDIT_ENABLED);  /* assignedPlans wins */
    assert_int_equal(u[4].audit_src, M365_SNAP_SRC_PLANS);
    assert_int_equal(u[5].audit, M365_SNAP_AUDIT_ENABLED);  /* not in the table: built-in list */
    assert_int_equal(u[5].audit_src, M365_SNAP_SRC_KNOWN_SKUS);
    assert_int_equal(u[6].audit, M365_SNAP_AUDIT_ENABLED);  /* E3 by the table, O365 E5 by the list */
    assert_int_equal(u[6].audit_src, M365_SNAP_SRC_SUBSCRIBED);
    assert_int_equal(u[7].audit, M365_SNAP_AUDIT_DISABLED); /* the plan is disabled tenant-wide */
}

/* Get-Mailbox AuditOwner / AuditDelegate / AuditAdmin and DefaultAuditSet: arrays
 * (ConvertTo-Json), text (Windows PowerShell's string, Export-Csv's space- or comma-separated
 * values); MailItemsAccessed is "removed" only for a logon type off the default set. */
static void test_mailbox_audit_lists(void **state)
{
    struct fixture *f = *state;
    const char *json =
        "[{\"UserPrincipalName\":\"owner@c.com\",\"RecipientTypeDetails\":\"UserMailbox\","
        "\"AuditEnabled\":true,\"AuditOwner\":[\"Update\",\"HardDelete\"],"
        "\"AuditDelegate\":[\"Update\",\"MailItemsAccessed\"],\"AuditAdmin\":[{\"Value\":"
        "\"MailItemsAccessed\"}],\"DefaultAuditSet\":[\"Admin\",\"Delegate\"]},"
        "{\"UserPrincipalName\":\"e3@c.com\",\"AuditEnabled\":true,\"AuditOwner\":[\"Update\"],"
        "\"DefaultAuditSet\":[\"Admin\",\"Delegate\",\"Owner\"]},"
        "{\"UserPrincipalName\":\"nodefault@c.com\",\"AuditEnabled\":true,\"AuditOwner\":[\"Update\"]},"
        "{\"UserPrincipalName\":\"all@c.com\",\"AuditEnabled\":true,\"AuditOwner\":\"Update HardDelete\","
        "\"AuditDelegate\":[],\"AuditAdmin\":\"Update\",\"DefaultAuditSet\":[]},"
        "{\"UserPrincipalName\":\"nulls@c.com\",\"AuditEnabled\":true,\"AuditOwner\":null,"
        "\"DefaultAuditSet\":null}]";
    struct m365_snapshot_file st = read_text(f, "m.json", json, false);
    assert_int_equal(st.kind, M365_SNAP_MAILBOXES);
    assert_int_equal(f->db.n_mbxs, 5);
    const struct m365_snap_mbx *m = f->db.mbxs;
    assert_int_equal(m[0].mia_removed, M365_LOGON_OWNER);
    assert_string_equal(m[0].mia_reason, "MailItemsAccessed removed from AuditOwner");
    assert_int_equal(m[1].mia_removed, 0); /* Microsoft's default (an E3 mailbox) */
    assert_null(m[1].mia_reason);
    assert_int_equal(m[2].mia_removed, 0); /* no DefaultAuditSet: nothing concluded */
    assert_int_equal(m[3].mia_removed, M365_LOGON_OWNER | M365_LOGON_DELEGATE | M365_LOGON_ADMIN);
    assert_string_equal(m[3].mia_reason,
                        "MailItemsAccessed removed from AuditOwner, AuditDelegate, AuditAdmin");
    assert_int_equal(m[4].mia_removed, 0);

    const char *csv =
        "\"UserPrincipalName\",\"RecipientTypeDetails\",\"AuditEnabled\",\"AuditAdmin\","
        "\"AuditDelegate\",\"AuditOwner\",\"DefaultAuditSet\"\r\n"
        "\"a@c.com\",\"UserMailbox\",\"True\",\"{Update, MailItemsAccessed}\",\"Update,Create\","
        "\"MailItemsAccessed Update\",\"Owner\"\r\n"
        "\"b@c.com\",\"UserMailbox\",\"True\",\"\",\"\",\"\",\"Admin, Delegate, Owner\"\r\n"
        "\"c@c.com\",\"SharedMailbox\",\"True\",\"Update\",\"MailItemsAccessedX\",\"Update\",\"\"\r\n"
        /* Lists exported without their values: not judged (a warning) */
        "\"d@c.com\",\"UserMailbox\",\"True\",\"System.Collections.ArrayList\","
        "\"System.Collections.ArrayList\",\"System.Collections.ArrayList\","
        "\"System.Collections.ArrayList\"\r\n";
    st = read_text(f, "m.csv", csv, false);
    assert_int_equal(st.kind, M365_SNAP_MAILBOXES);
    assert_int_equal(st.skipped, 0);
    m = f->db.mbxs;
    assert_int_equal(m[5].mia_removed, M365_LOGON_DELEGATE);
    assert_string_equal(m[5].mia_reason, "MailItemsAccessed removed from AuditDelegate");
    assert_int_equal(m[6].mia_removed, 0); /* empty lists, all on the default set */
    /* A word is a whole word; an empty DefaultAuditSet cell: no logon type on it. */
    assert_int_equal(m[7].mia_removed, M365_LOGON_OWNER | M365_LOGON_DELEGATE | M365_LOGON_ADMIN);
    assert_int_equal(m[8].mia_removed, 0);
    assert_int_equal(f->warnings, 1); /* once per file, with the way to export them */
}

static bool unauditable_has(const struct m365_snap_ctx *c, const char *upn, const char *reason)
{
    for (size_t i = 0; i < m365_snap_ctx_n_unauditable(c); i++) {
        const char *u, *r;
        m365_snap_ctx_unauditable(c, i, &u, &r);
        if (strcmp(u, upn) == 0) {
            return strcmp(r, reason) == 0;
        }
    }
    return false;
}

/* The posture rule and the scan's context agree on a mailbox whose AuditOwner lost
 * MailItemsAccessed, and on a licence judged through subscribedSkus. */
static void test_posture_audit_lists_and_skus(void **state)
{
    struct fixture *f = *state;
    size_t n;
    const char *users =
        "{\"value\":[{\"id\":\"u1\",\"userPrincipalName\":\"dan@w.com\",\"accountEnabled\":true,"
        "\"assignedLicenses\":[{\"disabledPlans\":[],\"skuId\":\"sku-e5\"}]},"
        "{\"id\":\"u2\",\"userPrincipalName\":\"ben@w.com\",\"accountEnabled\":true,"
        "\"assignedLicenses\":[{\"disabledPlans\":[],\"skuId\":\"sku-e3\"}]},"
        "{\"id\":\"u3\",\"userPrincipalName\":\"eve@w.com\",\"accountEnabled\":true,"
        "\"assignedLicenses\":[{\"disabledPlans\":[],\"skuId\":\"sku-e5\"}]}]}";
    const char *skus =
        "[{\"skuId\":\"sku-e5\",\"capabilityStatus\":\"Enabled\",\"servicePlans\":[{\"servicePlanId\":"
        "\"2f442157-a11c-46b9-ae5b-6e39ff4e5849\",\"provisioningStatus\":\"Success\"}]},"
        "{\"skuId\":\"sku-e3\",\"capabilityStatus\":\"Enabled\",\"servicePlans\":[]}]";
    const char *mbx =
        "[{\"UserPrincipalName\":\"dan@w.com\",\"ExternalDirectoryObjectId\":\"u1\",\"AuditEnabled\":true,"
        "\"AuditOwner\":[\"Update\"],\"AuditDelegate\":[\"MailItemsAccessed\"],\"AuditAdmin\":"
        "[\"MailItemsAccessed\"],\"DefaultAuditSet\":[\"Admin\",\"Delegate\"]},"
        "{\"UserPrincipalName\":\"ben@w.com\",\"ExternalDirectoryObjectId\":\"u2\",\"AuditEnabled\":true,"
        "\"AuditOwner\":[\"Update\"],\"DefaultAuditSet\":[\"Admin\",\"Delegate\",\"Owner\"]},"
        "{\"UserPrincipalName\":\"eve@w.com\",\"ExternalDirectoryObjectId\":\"u3\",\"AuditEnabled\":true,"
        "\"AuditOwner\":[\"MailItemsAccessed\"],\"DefaultAuditSet\":[\"Admin\",\"Delegate\",\"Owner\"]}]";
    const char *names[] = {"a-users.json", "b-mailboxes.json", "z-skus.json"};
    const char *texts[] = {users, mbx, skus};
    struct m365_snapshot *s = audit_files(f, "al", names, texts, 3, "2026-03-10T00:00:00");
    find_rule(s, "posture-no-advanced-audit", &n);
    assert_int_equal(n, 2);
    bool seen_mia = false, seen_lic = false;
    for (size_t i = 0; i < m365_snapshot_n_findings(s); i++) {
        const struct m365_finding *x = m365_snapshot_finding(s, i);
        const struct m365_strlist *us = &x->entities[M365_ENT_USERS];
        if (strstr(x->details_json, "\"reason\":\"mail-items-accessed-removed\"")) {
            seen_mia = true;
            assert_int_equal(x->severity, M365_SEV_MEDIUM);
            assert_int_equal(us->n, 1);
            assert_string_equal(us->items[0], "dan@w.com");
            assert_non_null(strstr(x->details_json, "\"removed_from\":[\"AuditOwner\"]"));
        } else if (strstr(x->details_json, "\"reason\":\"not-licensed\"")) {
            seen_lic = true;
            assert_int_equal(x->severity, M365_SEV_INFO);
            assert_int_equal(us->n, 1);
            assert_string_equal(us->items[0], "ben@w.com"); /* the SKU table read after users */
            assert_non_null(strstr(x->details_json, "\"licence_source\":{\"assignedPlans\":0,"
                                                    "\"subscribedSkus\":1,\"known_sku_ids\":0}"));
        }
    }
    assert_true(seen_mia && seen_lic);
    struct m365_snap_ctx *c = NULL;
    assert_int_equal(m365_snap_ctx_new(&c, s), M365_OK);
    const char *why;
    assert_int_equal(m365_snap_ctx_auditable(c, "DAN@w.com", &why), 0);
    assert_string_equal(why, "MailItemsAccessed removed from AuditOwner");
    assert_int_equal(m365_snap_ctx_auditable(c, "eve@w.com", &why), 1);
    assert_int_equal(m365_snap_ctx_auditable(c, "ben@w.com", &why), 0);
    assert_string_equal(why, "no Audit (Premium) licence");
    assert_int_equal(m365_snap_ctx_n_unauditable(c), 2);
    assert_true(unauditable_has(c, "dan@w.com", "MailItemsAccessed removed from AuditOwner"));
    assert_true(unauditable_has(c, "ben@w.com", "no Audit (Premium) licence"));
    m365_snap_ctx_free(c);
    m365_snapshot_free(s);
}

/* Owners: servicePrincipals?$expand=owners, applications?$expand=owners, …/owners pages with
 * the owned object's id added, the PowerShell SDK's AdditionalProperties; the privileged app's
 * finding lists them and flags guests, service principals and dormant accounts. */
static void test_owners(void **state)
{
    struct fixture *f = *state;
    size_t n;
    const char *sps =
        "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#servicePrincipals(owners())\","
        "\"value\":[{\"id\":\"SP1\",\"appId\":\"app1\",\"displayName\":\"Mailer\","
        "\"appOwnerOrganizationId\":\"t-home\",\"owners\":[{\"@odata.type\":"
        "\"#microsoft.graph.user\",\"id\":\"U-old\",\"userPrincipalName\":\"Old@c.com\"},"
        "{\"@odata.type\":\"#microsoft.graph.user\"},7]},"
        "{\"id\":\"sp2\",\"appId\":\"app2\",\"displayName\":\"Reader\",\"appOwnerOrganizationId\":"
        "\"t-home\",\"owners\":[{\"Id\":\"u-live\",\"DeletedDateTime\":null,\"AdditionalProperties\":"
        "{\"@odata.type\":\"#microsoft.graph.user\",\"userPrincipalName\":\"live@c.com\","
        "\"displayName\":\"Live\"}}]},"
        "{\"id\":\"sp3\",\"appId\":\"app3\",\"displayName\":\"Quiet\",\"appOwnerOrganizationId\":"
        "\"t-home\",\"owners\":[]}]}";
    const char *apps =
        "{\"value\":[{\"id\":\"o2\",\"appId\":\"app2\",\"displayName\":\"Reader\","
        "\"requiredResourceAccess\":[],\"owners\":[{\"@odata.type\":"
        "\"#microsoft.graph.servicePrincipal\",\"id\":\"sp9\",\"appId\":\"app9\","
        "\"displayName\":\"Automation\"}]}]}";
    const char *owners =
        "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u-guest\",\"userPrincipalName\":"
        "\"p_x.com#EXT#@c.onmicrosoft.com\",\"displayName\":\"P\",\"servicePrincipalId\":\"sp3\"}\n"
        "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":null,\"servicePrincipalId\":\"sp3\"}\n"
        "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u-live\",\"applicationId\":\"\"}\n"
        "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u-live\",\"servicePrincipalId\":\"sp1\","
        "\"userPrincipalName\":\"live@c.com\"}\n";
    const char *users =
        "{\"value\":[{\"id\":\"u-old\",\"userPrincipalName\":\"old@c.com\",\"accountEnabled\":true,"
        "\"createdDateTime\":\"2020-01-01T00:00:00Z\",\"signInActivity\":{\"lastSignInDateTime\":"
        "\"2025-06-01T00:00:00Z\"}},{\"id\":\"u-live\",\"userPrincipalName\":\"live@c.com\","
        "\"accountEnabled\":true,\"signInActivity\":{\"lastSignInDateTime\":\"2026-03-09T00:00:00Z\"}}]}";
    const char *ras =
        "{\"principalId\":\"sp1\",\"principalType\":\"ServicePrincipal\",\"resourceId\":\"r\","
        "\"appRoleId\":\"810c84a8-4a9e-49e6-bf7d-12d183f40d01\"}\n"
        "{\"principalId\":\"sp2\",\"principalType\":\"ServicePrincipal\",\"resourceId\":\"r\","
        "\"appRoleId\":\"810c84a8-4a9e-49e6-bf7d-12d183f40d01\"}\n"
        "{\"principalId\":\"sp3\",\"principalType\":\"ServicePrincipal\",\"resourceId\":\"r\","
        "\"appRoleId\":\"810c84a8-4a9e-49e6-bf7d-12d183f40d01\"}\n"
        "{\"principalId\":\"sp4\",\"principalType\":\"ServicePrincipal\",\"resourceId\":\"r\","
        "\"appRoleId\":\"810c84a8-4a9e-49e6-bf7d-12d183f40d01\"}\n";
    const char *extra = "{\"value\":[{\"id\":\"sp4\",\"appId\":\"app4\",\"displayName\":\"Live only\","
                        "\"appOwnerOrganizationId\":\"t-home\"}]}";
    const char *names[] = {"apps.json", "owners.jsonl", "ras.jsonl", "sps.json", "sps4.json",
                           "users.json"};
    const char *texts[] = {apps, owners, ras, sps, extra, users};
    struct m365_snapshot *s = audit_files(f, "own", names, texts, 6, "2026-03-10T00:00:00");
    for (size_t i = 0; i < m365_snapshot_n_files(s); i++) {
        const struct m365_snapshot_file *fi = m365_snapshot_file(s, i);
        if (strstr(fi->path, "owners.jsonl")) {
            assert_int_equal(fi->kind, M365_SNAP_OWNERS);
            assert_int_equal(fi->records, 4);
            assert_int_equal(fi->skipped, 2); /* no id; an empty owned object id */
        }
    }
    assert_int_equal(m365_snapshot_counts(s).owners, 5); /* 2 expanded, 1 on the app, 2 pages */
    assert_int_equal(m365_snapshot_db(s)->owners_bad, 2); /* Mailer's owners[]: one without an id, a number */
    find_rule(s, "posture-privileged-app", &n);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < m365_snapshot_n_findings(s); i++) {
        const struct m365_finding *x = m365_snapshot_finding(s, i);
        if (strcmp(x->rule, "posture-privileged-app") != 0) {
            continue;
        }
        const char *sp = x->entities[M365_ENT_SERVICE_PRINCIPALS].items[0];
        if (strcmp(sp, "Mailer") == 0) {
            /* Owned by an account 282 days without a sign-in, and by one in use. */
            assert_int_equal(x->severity, M365_SEV_HIGH);
            assert_non_null(strstr(x->details_json, "\"flags\":[\"dormant-owner\"]"));
            assert_non_null(strstr(x->details_json, "\"user_principal_name\":\"old@c.com\","
                                                    "\"display_name\":null,\"app_id\":null,"
                                                    "\"flags\":[\"dormant\"]"));
            assert_non_null(strstr(x->details_json, "\"id\":\"u-live\""));
            assert_non_null(strstr(x->summary, "owned by old@c.com (dormant)"));
        } else if (strcmp(sp, "Reader") == 0) {
            /* The SDK's owner (AdditionalProperties) and a service principal owning the app. */
            assert_int_equal(x->severity, M365_SEV_HIGH);
            assert_non_null(strstr(x->details_json, "\"flags\":[\"service-principal-owner\"]"));
            assert_non_null(strstr(x->details_json, "\"on\":\"application\",\"type\":"
                                                    "\"servicePrincipal\",\"id\":\"sp9\""));
            assert_non_null(strstr(x->details_json, "\"user_principal_name\":\"live@c.com\","
                                                    "\"display_name\":\"Live\""));
        } else if (strcmp(sp, "Quiet") == 0) {
            assert_int_equal(x->severity, M365_SEV_HIGH);
            assert_non_null(strstr(x->details_json, "\"flags\":[\"guest-owner\"]"));
        } else {
            assert_string_equal(sp, "Live only");
            assert_int_equal(x->severity, M365_SEV_MEDIUM); /* owners exported: none */
            assert_non_null(strstr(x->details_json, "\"owners\":[]"));
        }
    }
    m365_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_users_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registration_jsonl_and_array, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mailbox_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mailbox_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_applications, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ca_policies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_domains_federation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exchange_rbac_and_bypass, setup, teardown),
        cmocka_unit_test_setup_teardown(test_posture_conditional_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_posture_federation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_posture_impersonation_and_apps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subscribed_skus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mailbox_audit_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_posture_audit_lists_and_skus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owners, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
