/* Application ids named for the summaries (engine/app_names.c): by a service principal's own
 * sign-in, by the directory change that added it, never by the resource of a grant that does
 * not name its client; Microsoft's clients from the table; any case, any buffer. */
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

static struct m365_scan *scan_of(const char *dir)
{
    struct m365_scan_options o;
    m365_scan_options_init(&o);
    struct m365_scan *s;
    assert_int_equal(m365_scan_new(&s, &o), M365_OK);
    assert_int_equal(m365_scan_add_path(s, dir), M365_OK);
    assert_int_equal(m365_scan_run(s), M365_OK);
    return s;
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
    assert_null(ask(s, "9b1e6f02-7c3d-4a58-b2e9-0d4c8f1a6e37", false)); /* named nowhere */
    assert_string_equal(ask(s, "14D82EEC-204B-4C2F-B7E8-296A70DAB67E", false),
                        "Microsoft Graph Command Line Tools");
    assert_null(m365_scan_app_name(s, ""));
    assert_null(m365_scan_app_name(s, NULL));
    m365_scan_free(s);
}

static void named_by_the_service_principal_added(void **state)
{
    (void)state;
    struct m365_scan *s = scan_of(FIXTURES "pos_ual_app_named_by_the_service_principal_added");
    assert_string_equal(ask(s, APP, true), "Inbox Insights");
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(named_by_its_service_principal_signin),
        cmocka_unit_test(named_by_the_service_principal_added),
        cmocka_unit_test(not_named_after_the_resource_of_its_grant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
