/* Rule parameters: text forms, bounds, and every registered default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/detect.h"

static void durations(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(m365_param_parse(M365_PARAM_DURATION, "1500ms", &v), 0);
    assert_int_equal(v, 1500);
    assert_int_equal(m365_param_parse(M365_PARAM_DURATION, "90s", &v), 0);
    assert_int_equal(v, 90000);
    assert_int_equal(m365_param_parse(M365_PARAM_DURATION, "90", &v), 0);
    assert_int_equal(v, 90000);
    assert_int_equal(m365_param_parse(M365_PARAM_DURATION, "60m", &v), 0);
    assert_int_equal(v, 3600000);
    assert_int_equal(m365_param_parse(M365_PARAM_DURATION, "1.5h", &v), 0);
    assert_int_equal(v, 5400000);
    assert_int_equal(m365_param_parse(M365_PARAM_DURATION, "7d", &v), 0);
    assert_int_equal(v, 604800000);
    const char *bad[] = {"", "m", "-1h", "3 weeks", "10y", "1e300d", "nan", "5hh"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(m365_param_parse(M365_PARAM_DURATION, bad[i], &v), -1);
    }
}

static void numbers_and_bools(void **state)
{
    (void)state;
    uint32_t u;
    assert_int_equal(m365_param_parse(M365_PARAM_UINT, "10", &u), 0);
    assert_int_equal(u, 10);
    assert_int_equal(m365_param_parse(M365_PARAM_UINT, "4294967295", &u), 0);
    assert_int_equal(m365_param_parse(M365_PARAM_UINT, "4294967296", &u), -1);
    assert_int_equal(m365_param_parse(M365_PARAM_UINT, "-1", &u), -1);
    assert_int_equal(m365_param_parse(M365_PARAM_UINT, "ten", &u), -1);
    double d;
    assert_int_equal(m365_param_parse(M365_PARAM_DOUBLE, "0.75", &d), 0);
    assert_true(d == 0.75);
    assert_int_equal(m365_param_parse(M365_PARAM_DOUBLE, "0.75x", &d), -1);
    bool b;
    const char *yes[] = {"true", "True", "yes", "on", "1"};
    const char *no[] = {"false", "FALSE", "no", "off", "0"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(m365_param_parse(M365_PARAM_BOOL, yes[i], &b), 0);
        assert_true(b);
        assert_int_equal(m365_param_parse(M365_PARAM_BOOL, no[i], &b), 0);
        assert_false(b);
    }
    assert_int_equal(m365_param_parse(M365_PARAM_BOOL, "maybe", &b), -1);
}

/* Every rule: metadata complete, defaults parse (m365_rule_config_init aborts otherwise), every
 * parameter can be set from text, unknown names are refused. */
static void registry(void **state)
{
    (void)state;
    struct m365_rule_config rc;
    assert_int_equal(m365_rule_config_init(&rc), M365_OK);
    assert_true(m365_n_rules() > 0);
    for (size_t i = 0; i < m365_n_rules(); i++) {
        const struct m365_rule_info *r = m365_rule(i);
        assert_non_null(r->id);
        assert_non_null(r->title);
        assert_non_null(r->description);
        assert_non_null(r->needs);
        assert_non_null(r->blind_spots);
        assert_non_null(r->techniques);
        assert_non_null(r->techniques[0]);
        for (const char *p = r->id; *p; p++) {
            assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-');
        }
        assert_ptr_equal(m365_rule_find(r->id), r);
        const char *why = NULL;
        for (size_t k = 0; k < r->n_params; k++) {
            assert_int_equal(m365_rule_config_set(&rc, r->id, r->params[k].name,
                                                  r->params[k].def, &why),
                             M365_OK);
            assert_non_null(r->params[k].help);
        }
        assert_int_equal(m365_rule_config_set(&rc, r->id, "no_such_param", "1", &why),
                         M365_E_CONFIG);
        assert_int_equal(m365_rule_config_set(&rc, r->id, "enabled", "no", &why), M365_OK);
        assert_false(rc.enabled[i]);
    }
    const char *why = NULL;
    assert_int_equal(m365_rule_config_set(&rc, "no-such-rule", "x", "1", &why), M365_E_CONFIG);
    assert_non_null(why);
    m365_rule_config_free(&rc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durations),
        cmocka_unit_test(numbers_and_bools),
        cmocka_unit_test(registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
