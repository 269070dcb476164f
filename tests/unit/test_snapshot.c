/* Snapshot readers (snapshot/snap_read.c): Graph users and userRegistrationDetails in every
 * framing, Get-Mailbox as ConvertTo-Json and Export-Csv, and what must not be taken for them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/limits.h"
#include "snapshot/snap.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_users_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registration_jsonl_and_array, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mailbox_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mailbox_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_snapshot, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
