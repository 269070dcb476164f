/* The snapshot as context for the scan (snapshot/snap_context.c): routing a file's first bytes,
 * and the lookups the detections make on the contoso snapshot (tests/snapshot/contoso). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "m365hunt/m365hunt.h"
#include "core/norm.h"
#include "snapshot/snap_context.h"
#include "detections/m365_ids.h"
#include "test_util.h"

static int sniff(const char *text)
{
    return m365_snap_sniff(text, strlen(text));
}

static void sniffing(void **state)
{
    (void)state;
    /* Graph users page: the first record is a user, whatever comes first in it */
    assert_int_equal(sniff("{\"@odata.context\":\"x\",\"value\":[{\"id\":\"1\","
                           "\"userPrincipalName\":\"a@b.c\","
                           "\"createdDateTime\":\"2026-01-01T00:00:00Z\","
                           "\"accountEnabled\":true}]}"),
                     2);
    /* PowerShell spelling, plain array */
    assert_int_equal(sniff("[{\"UserPrincipalName\":\"a@b.c\",\"AccountEnabled\":true}]"), 2);
    assert_int_equal(sniff("{\"id\":\"1\",\"isMfaRegistered\":false}\n{\"id\":\"2\"}"), 2);
    assert_int_equal(sniff("{\"value\":[{\"appId\":\"x\",\"appOwnerOrganizationId\":\"y\"}]}"), 2);
    assert_int_equal(sniff("{\"appRoleId\":\"r\",\"principalId\":\"p\",\"resourceId\":\"q\"}"), 2);
    /* Get-Mailbox CSV, with and without PowerShell's #TYPE line */
    assert_int_equal(sniff("#TYPE Deserialized.Microsoft.Exchange.Data.Directory.Management."
                           "Mailbox\r\n"
                           "\"UserPrincipalName\",\"RecipientTypeDetails\",\"AuditEnabled\"\r\n"
                           "\"a@b.c\",\"UserMailbox\",\"True\"\r\n"),
                     2);
    assert_int_equal(sniff("PrimarySmtpAddress,AuditEnabled\na@b.c,False\n"), 2);
    /* Sign-ins carry userPrincipalName and createdDateTime, and an address: logs */
    assert_int_equal(sniff("{\"value\":[{\"id\":\"1\",\"createdDateTime\":\"2026-01-01T00:00:00Z\","
                           "\"userPrincipalName\":\"a@b.c\",\"ipAddress\":\"192.0.2.1\","
                           "\"appId\":\"x\"}]}"),
                     0);
    /* A Log Analytics row naming service principals is no service principal object */
    assert_int_equal(sniff("[{\"TimeGenerated\":\"2026-01-01T00:00:00Z\",\"AppId\":\"x\","
                           "\"ServicePrincipalType\":\"Application\"}]"),
                     0);
    assert_int_equal(sniff("CreationDate,UserIds,Operations,AuditData\n"), 0);
    /* A snapshot-only member later in the first bytes: routed only when no log reader matches */
    assert_int_equal(sniff("{\"value\":[{\"id\":\"g\",\"displayName\":\"Finance\","
                           "\"assignedLicenses\":[]}]}"),
                     1);
    /* Truncated heads and nothing at all never read past the end */
    assert_int_equal(m365_snap_sniff("{\"value\":[{\"userPrincipalName\":\"a", 30), 0);
    assert_int_equal(m365_snap_sniff("", 0), 0);
    assert_int_equal(m365_snap_sniff("UserPrincipalName", 17), 0);
}

struct fixture {
    struct m365_snapshot *snap;
    struct m365_snap_ctx *ctx;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct m365_snapshot_options o;
    m365_snapshot_options_init(&o);
    if (!f || m365_snapshot_new(&f->snap, &o) != M365_OK ||
        m365_snapshot_add_path(f->snap, M365_SOURCE_DIR "/tests/snapshot/contoso") != M365_OK ||
        m365_snapshot_run(f->snap) != M365_OK || m365_snap_ctx_new(&f->ctx, f->snap) != M365_OK) {
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    m365_snap_ctx_free(f->ctx);
    m365_snapshot_free(f->snap);
    free(f);
    return 0;
}

static void accounts(void **state)
{
    struct fixture *f = *state;
    struct m365_snap_account a;
    int64_t t;
    /* any case; the latest of the interactive, non-interactive and successful sign-ins */
    assert_true(m365_snap_ctx_account(f->ctx, "Alex.Admin@Contoso.com", &a));
    assert_int_equal(a.signin, M365_SNAP_SIGNIN_AT);
    assert_int_equal(m365_time_parse("2026-03-09T21:03:10Z", 20, &t), 0);
    assert_int_equal(a.last, t);
    assert_int_equal(a.enabled, 1);
    assert_true(m365_snap_ctx_account(f->ctx, "nigel.never@contoso.com", &a));
    assert_int_equal(a.signin, M365_SNAP_SIGNIN_NEVER);
    assert_int_equal(a.last, M365_TIME_NONE);
    assert_false(m365_snap_ctx_account(f->ctx, "nobody@contoso.com", &a));
    assert_int_equal(a.signin, M365_SNAP_SIGNIN_UNKNOWN);
    assert_false(m365_snap_ctx_account(f->ctx, NULL, &a));
    assert_string_equal(m365_snap_ctx_home_tenant(f->ctx), "5e1f0c2a-7d4b-4c3e-9a61-0c0a50c0a501");
    assert_int_equal(m365_time_parse("2026-03-10T06:00:00Z", 20, &t), 0);
    assert_int_equal(m365_snap_ctx_as_of(f->ctx), t);
}

static void apps(void **state)
{
    struct fixture *f = *state;
    struct m365_snap_app_info a;
    /* by appId, any case */
    assert_true(m365_snap_ctx_app(f->ctx, "7B1D4C2F-9A3E-4F8B-86DA-2E1F3A4B5C02", &a));
    assert_true(a.cls & M365_PERM_EWS_ALL);
    assert_int_equal(a.n_roles, 1);
    assert_string_equal(a.roles[0], "full_access_as_app");
    assert_string_equal(a.owner, "5e1f0c2a-7d4b-4c3e-9a61-0c0a50c0a501");
    /* by service principal object id */
    assert_true(m365_snap_ctx_app(f->ctx, "30000000-0000-4000-8000-00000000f001", &a));
    assert_string_equal(a.name, "Fabrikam MailGuard");
    assert_true(a.cls & M365_PERM_MAIL);
    /* delegated grants only: listed, holds no application permission */
    assert_true(m365_snap_ctx_app(f->ctx, "f5e4d3c2-2b3c-4d4e-9f5a-6b7c8d9e0f21", &a));
    assert_int_equal(a.cls, 0);
    assert_int_equal(a.n_roles, 0);
    assert_false(m365_snap_ctx_app(f->ctx, "00000000-0000-0000-0000-000000000000", &a));
    assert_null(a.owner);
}

static void auditing(void **state)
{
    struct fixture *f = *state;
    const char *why;
    assert_int_equal(m365_snap_ctx_auditable(f->ctx, "alex.admin@contoso.com", &why), 1);
    assert_null(why);
    assert_int_equal(m365_snap_ctx_auditable(f->ctx, "Carol.Chen@contoso.com", &why), 0);
    assert_string_equal(why, "Audit (Premium) plan disabled");
    assert_int_equal(m365_snap_ctx_auditable(f->ctx, "dave.diaz@contoso.com", &why), 0);
    assert_string_equal(why, "mailbox auditing off");
    assert_int_equal(m365_snap_ctx_auditable(f->ctx, "nina.new@contoso.com", &why), 0);
    assert_string_equal(why, "no Audit (Premium) licence");
    /* Get-MailboxAuditBypassAssociation lists him (AuditBypassEnabled True): before licences */
    assert_int_equal(m365_snap_ctx_auditable(f->ctx, "bob.baker@contoso.com", &why), 0);
    assert_string_equal(why, "audit bypass");
    assert_int_equal(m365_snap_ctx_auditable(f->ctx, "nobody@contoso.com", &why), -1);
    /* The list: sorted, the leaver (disabled, bypassed too) and the guest left out; the
     * bypassed service account without a mailbox in by its name */
    size_t n = m365_snap_ctx_n_unauditable(f->ctx);
    assert_int_equal(n, 8);
    const char *prev = "";
    for (size_t i = 0; i < n; i++) {
        const char *upn, *reason;
        m365_snap_ctx_unauditable(f->ctx, i, &upn, &reason);
        assert_true(strcmp(prev, upn) < 0);
        assert_non_null(reason);
        assert_null(strstr(upn, "lee.leaver"));
        assert_null(strstr(upn, "#EXT#"));
        prev = upn;
    }
    const char *upn, *reason;
    m365_snap_ctx_unauditable(f->ctx, n - 1, &upn, &reason);
    assert_string_equal(upn, "svc-backup");
    assert_string_equal(reason, "audit bypass");
    m365_snap_ctx_unauditable(f->ctx, n, &upn, &reason);
    assert_null(upn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sniffing),
        cmocka_unit_test_setup_teardown(accounts, setup, teardown),
        cmocka_unit_test_setup_teardown(apps, setup, teardown),
        cmocka_unit_test_setup_teardown(auditing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
