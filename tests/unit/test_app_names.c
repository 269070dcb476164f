/* Application ids, and service principals' object ids, named for the summaries
 * (engine/app_names.c): by a service principal's own sign-in, by the directory change that
 * added it, by Exchange's New-ServicePrincipal, never by the resource of a grant that does not
 * name its client; Microsoft's clients from the table; any case, any buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/scan_internal.h"
#include "m365hunt/m365hunt.h"

#define FIXTURES M365_SOURCE_DIR "/tests/detections/app-mailbox-access/"
#define APP "4a7d1c9e-2b36-4f85-9e01-8c5b3a6d7f24"

static struct m365_scan *scan_limited(const char *dir, uint32_t max_distinct)
{
    struct m365_scan_options o;
    m365_scan_options_init(&o);
    if (max_distinct) {
        o.limits.max_distinct_values = max_distinct;
    }
    struct m365_scan *s;
    assert_int_equal(m365_scan_new(&s, &o), M365_OK);
    assert_int_equal(m365_scan_add_path(s, dir), M365_OK);
    assert_int_equal(m365_scan_run(s), M365_OK);
    return s;
}

static struct m365_scan *scan_of(const char *dir)
{
    return scan_limited(dir, 0);
}

/* The id as a caller may hold it: in its own buffer, in capitals. */
static const char *ask(struct m365_scan *s, const char *id, bool upper)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", id);
    for (char *p = buf; upper && *p; p++) {
        *p = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
    }
    return m365_scan_app_name(s, buf);
}

static void named_by_its_service_principal_signin(void **state)
{
    (void)state;
    struct m365_scan *s = scan_of(FIXTURES "pos_ual_app_named_by_its_service_principal_signin");
    assert_string_equal(ask(s, APP, false), "Inbox Insights");
    assert_string_equal(ask(s, APP, true), "Inbox Insights");
    /* The sign-in's servicePrincipalId, the object id Exchange's -App takes */
    assert_string_equal(ask(s, "6e0a9c42-1f7b-4d38-95e6-b2c4d8a1f073", true), "Inbox Insights");
    assert_null(ask(s, "9b1e6f02-7c3d-4a58-b2e9-0d4c8f1a6e37", false)); /* named nowhere */
    assert_string_equal(ask(s, "14D82EEC-204B-4C2F-B7E8-296A70DAB67E", false),
                        "Microsoft Graph Command Line Tools");
    assert_null(m365_scan_app_name(s, ""));
    assert_null(m365_scan_app_name(s, NULL));
    /* What else an exposure's via holds: an address, a session */
    assert_null(m365_scan_app_name(s, "203.0.113.10"));
    assert_null(m365_scan_app_name(s, "session 9f1c2e34-5b6a-4d7e-8f90-a1b2c3d4e5f6"));
    m365_scan_free(s);
}

/* A Defender CloudAppEvents row whose account is the client app names it; one whose account is
 * the mailbox owner names nothing. */
static void named_by_its_defender_rows(void **state)
{
    (void)state;
    struct m365_scan *s = scan_of(FIXTURES "pos_defender_app_named_by_its_cloudapp_rows");
    assert_string_equal(ask(s, "4a7d1c9e-2b36-4f85-9e01-8c5b3a6d7f24", true), "Inbox Insights");
    m365_scan_free(s);
    s = scan_of(FIXTURES "pos_defender_user_rows_name_no_app");
    assert_null(ask(s, "4a7d1c9e-2b36-4f85-9e01-8c5b3a6d7f24", false));
    m365_scan_free(s);
}

static void named_by_the_service_principal_added(void **state)
{
    (void)state;
    struct m365_scan *s = scan_of(FIXTURES "pos_ual_app_named_by_the_service_principal_added");
    assert_string_equal(ask(s, APP, true), "Inbox Insights");
    /* the service principal's object id: the change's target */
    assert_string_equal(ask(s, "3e5c9a71-64d2-4b8f-a0c3-d7e21f9b6a58", false), "Inbox Insights");
    /* the user who added it is a target of nothing here, and no application */
    assert_null(ask(s, "6add17ed-d676-4427-ade3-890a6802be56", false));
    m365_scan_free(s);
}

static void named_by_exchange_new_service_principal(void **state)
{
    (void)state;
    struct m365_scan *s = scan_of(M365_SOURCE_DIR
                                  "/tests/detections/application-impersonation-assigned/"
                                  "pos_purview_app_assignment");
    assert_string_equal(ask(s, "a180a517-d1dc-49cd-840f-d8ed6d18c848", false), "MailVault Sync");
    assert_string_equal(ask(s, "B7E4A0D2-6C19-4F8A-93D5-1E2F6A8C0B47", false), "MailVault Sync");
    m365_scan_free(s);
}

static void not_named_after_the_resource_of_its_grant(void **state)
{
    (void)state;
    struct m365_scan *s =
        scan_of(FIXTURES "pos_ual_app_not_named_after_the_resource_of_its_grant");
    assert_null(ask(s, APP, false));
    /* Microsoft Graph itself keeps its own name (the table's), not the client's. */
    const char *graph = ask(s, "00000003-0000-0000-c000-000000000000", false);
    assert_true(graph == NULL || strcmp(graph, "Microsoft Graph") == 0);
    m365_scan_free(s);
}

/* At the distinct-value limit the ids that cannot be interned stay unnamed: never a wrong name,
 * never a crash, whichever values the limit cut off. */
static void at_the_distinct_value_limit(void **state)
{
    (void)state;
    int named = 0, unnamed = 0;
    for (uint32_t limit = 8; limit <= 512; limit += 8) {
        struct m365_scan *s =
            scan_limited(FIXTURES "pos_ual_app_named_by_its_service_principal_signin", limit);
        const char *ids[] = {APP, "6e0a9c42-1f7b-4d38-95e6-b2c4d8a1f073"};
        for (size_t i = 0; i < 2; i++) {
            const char *n = ask(s, ids[i], i == 1);
            if (n) {
                assert_string_equal(n, "Inbox Insights");
                named++;
            } else {
                unnamed++;
            }
        }
        m365_scan_free(s);
    }
    assert_true(named > 0);   /* a generous limit names them */
    assert_true(unnamed > 0); /* a tight one cannot */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(named_by_its_service_principal_signin),
        cmocka_unit_test(named_by_the_service_principal_added),
        cmocka_unit_test(named_by_exchange_new_service_principal),
        cmocka_unit_test(named_by_its_defender_rows),
        cmocka_unit_test(not_named_after_the_resource_of_its_grant),
        cmocka_unit_test(at_the_distinct_value_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
