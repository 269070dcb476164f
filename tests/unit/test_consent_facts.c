/* Consent and role facts shared by the tenant-change detections: ConsentAction.Permissions
 * parsing, scope differences, role assignment records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "detections/consent_facts.h"
#include "detections/m365_ids.h"
#include "detections/tenant_facts.h"

static void permissions_real_shapes(void **state)
{
    (void)state;
    struct m365_consent c;
    /* SEKOIA's anonymised UAL record: sign-in scopes only. */
    memset(&c, 0, sizeof(c));
    m365_consent_parse_permissions(
        "[] => [[Id: REDACTED, ClientId: 33333333-3333-3333-3333-333333333333, PrincipalId: "
        "55555555-5555-5555-5555-555555555555, ResourceId: 22222222-1111-1111-1111-222222222222, "
        "ConsentType: Principal, Scope:  openid profile email offline_access, CreatedDateTime: , "
        "LastModifiedDateTime ]]; ",
        &c);
    assert_string_equal(c.scopes, "openid profile email offline_access");
    assert_string_equal(c.added, "openid profile email offline_access");
    assert_string_equal(c.consent_type, "Principal");
    assert_string_equal(c.buf_client, "33333333-3333-3333-3333-333333333333");
    assert_string_equal(c.principal_id, "55555555-5555-5555-5555-555555555555");
    assert_false(c.all_principals);
    assert_int_equal(m365_scopes_class(c.added), 0);

    /* Tenant-wide: PrincipalId empty, ConsentType AllPrincipals. */
    memset(&c, 0, sizeof(c));
    m365_consent_parse_permissions(
        "[] => [[Id: abc, ClientId: 0d2f5969-011b-460d-ac74-3291d227d49f, PrincipalId: , "
        "ResourceId: 401dd906-ea4f-4d41-b762-7e936d222368, ConsentType: AllPrincipals, Scope:  "
        "User.Read Mail.ReadWrite, CreatedDateTime: , LastModifiedDateTime ]]; ",
        &c);
    assert_true(c.all_principals);
    assert_string_equal(c.principal_id, "");
    assert_int_equal(m365_scopes_class(c.added), M365_PERM_MAIL);
}

static void permissions_only_added_scopes(void **state)
{
    (void)state;
    struct m365_consent c;
    memset(&c, 0, sizeof(c));
    /* An existing grant extended: only Mail.Send is new; two resources in one record. */
    m365_consent_parse_permissions(
        "[[Id: g1, ClientId: c1, PrincipalId: p1, ResourceId: r1, ConsentType: Principal, Scope: "
        " Mail.Read User.Read, CreatedDateTime: , LastModifiedDateTime ]] => [[Id: g1, ClientId: "
        "c1, PrincipalId: p1, ResourceId: r1, ConsentType: Principal, Scope:  Mail.Read User.Read "
        "Mail.Send, CreatedDateTime: , LastModifiedDateTime ]]; [] => [[Id: g2, ClientId: c1, "
        "PrincipalId: p1, ResourceId: r2, ConsentType: Principal, Scope:  EWS.AccessAsUser.All, "
        "CreatedDateTime: , LastModifiedDateTime ]]; ",
        &c);
    assert_string_equal(c.added, "Mail.Send EWS.AccessAsUser.All");
    assert_int_equal(m365_scopes_class(c.added), M365_PERM_MAIL | M365_PERM_EWS_ALL);
    assert_string_equal(c.buf_resource, "r1");

    char out[128] = "";
    assert_int_equal(m365_tf_list_added("User.Read", "User.Read Mail.ReadWrite", out, sizeof(out)),
                     1);
    assert_string_equal(out, "Mail.ReadWrite");
    out[0] = '\0';
    assert_int_equal(m365_tf_list_added("a\nb", "b c c", out, sizeof(out)), 1);
    assert_string_equal(out, "c");
    assert_true(m365_tf_list_has("User.Read offline_access", "OFFLINE_ACCESS", 14));
    assert_false(m365_tf_list_has("User.ReadBasic", "User.Read", 9));
    /* Garbage in: nothing out, no crash. */
    memset(&c, 0, sizeof(c));
    m365_consent_parse_permissions("=> [[Scope: ", &c);
    m365_consent_parse_permissions("[Id:", &c);
    m365_consent_parse_permissions(NULL, &c);
    assert_int_equal(m365_scopes_class(c.added), 0);
}

static void role_records(void **state)
{
    (void)state;
    /* Core Directory / UAL: the member target carries Role.* properties. */
    struct m365_target member = {"User", "46522b15-1bf5-4bed-8a6c-4edc58c05b23", NULL,
                                 "john.doe@example.com"};
    struct m365_modprop props[] = {
        {"Role.ObjectID", NULL, "54fc7176-29ef-4b41-808f-3cdeb8010649", 0},
        {"Role.DisplayName", NULL, "Global Administrator", 0},
        {"Role.TemplateId", NULL, "ad1cbca4-efcc-4149-b4a2-aeb40412fe48", 0},
        {"Role.WellKnownObjectName", NULL, "TenantAdmins", 0},
    };
    struct m365_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = M365_EV_DIRECTORY;
    ev.operation = "Add member to role";
    ev.targets = &member;
    ev.n_targets = 1;
    ev.props = props;
    ev.n_props = 4;
    struct m365_tf_role r;
    assert_true(m365_tf_role_event(&ev, &r));
    assert_int_equal(r.op, M365_TF_ROLE_ADD);
    assert_non_null(r.priv); /* by display name: the template id is anonymised */
    assert_string_equal(r.priv->template_id, "62e90394-69f5-4237-9190-012177145e10");
    assert_string_equal(r.member_upn, "john.doe@example.com");
    assert_false(m365_tf_role_member_is_sp(&r));

    /* Requests and approvals are not changes. */
    ev.operation = "Add member to role requested (PIM activation)";
    assert_false(m365_tf_role_event(&ev, &r));
    ev.operation = "Add member to role completed (PIM activation)";
    assert_true(m365_tf_role_event(&ev, &r));
    assert_int_equal(r.op, M365_TF_ROLE_ACTIVATE);
    ev.operation = "Remove member from role (PIM activation expired)";
    assert_true(m365_tf_role_event(&ev, &r));
    assert_int_equal(r.op, M365_TF_ROLE_REMOVE);

    /* PIM: a Role target with TemplateId, the member further down the list. */
    struct m365_target pim[] = {
        {"Role", "fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator", NULL},
        {"Request", "9a1f", NULL, NULL},
        {"ServicePrincipal", "0c1d", "Deploy Bot", NULL},
        {"Directory", "tenant", "Fabrikam", NULL},
    };
    struct m365_modprop pprops[] = {{"TemplateId", "", "fe930be7-5e62-47db-91af-98c3a49a38b1", 0}};
    ev.operation = "Add eligible member to role in PIM completed (permanent)";
    ev.targets = pim;
    ev.n_targets = 4;
    ev.props = pprops;
    ev.n_props = 1;
    assert_true(m365_tf_role_event(&ev, &r));
    assert_int_equal(r.op, M365_TF_ROLE_ADD_ELIGIBLE);
    assert_non_null(r.priv);
    assert_string_equal(r.role_name, "User Administrator");
    assert_string_equal(r.member_id, "0c1d");
    assert_true(m365_tf_role_member_is_sp(&r));

    /* A reader role is not privileged. */
    struct m365_modprop reader[] = {{"Role.DisplayName", NULL, "Reports Reader", 0},
                                    {"Role.TemplateId", NULL,
                                     "4a5d8f65-41da-4de4-8968-e035b65339cf", 0}};
    ev.operation = "Add member to role";
    ev.targets = &member;
    ev.n_targets = 1;
    ev.props = reader;
    ev.n_props = 2;
    assert_true(m365_tf_role_event(&ev, &r));
    assert_null(r.priv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(permissions_real_shapes),
        cmocka_unit_test(permissions_only_added_scopes),
        cmocka_unit_test(role_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
