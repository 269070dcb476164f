/* m365_jget answers from a per-object key index; it must give exactly what scanning the members
 * gives (the first exact match of any key, in key order, else the first case-insensitive one;
 * null values skipped), and m365_jget_exact what simdjson's exact look-up gives; the one-pass
 * field reader (m365_jfields) what m365_jget gives. Checked on generated objects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "json/json.h"
#include "readers/read_ctx.h"

static const char *const variants[] = {"Id",        "ID",       "id",         "UserId",
                                       "userid",    "USERID",   "ClientIP",   "clientip",
                                       "Operation", "Workload", "CreationTime", "RecordType",
                                       "ObjectId",  "ResultStatus", "UserKey", "Xy"};
#define NV (sizeof(variants) / sizeof(variants[0]))

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static unsigned next(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static size_t variant_id(const char *k)
{
    for (size_t i = 0; i < NV; i++) {
        if (variants[i] == k) {
            return i;
        }
    }
    fail_msg("%s is not a variant", k);
    return 0;
}

/* Reference: the two scans m365_jget used to do. */
static struct m365_jv reference(struct m365_jv obj, const char *const *keys, size_t n)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            struct m365_jv v = pass ? m365_jv_geti(obj, keys[i]) : m365_jv_get(obj, keys[i]);
            if (v.present && m365_jv_type(v) != M365_J_NULL) {
                return v;
            }
        }
    }
    return m365_jv_none();
}

static struct m365_jv jget_n(struct m365_jv obj, const char *const *k, size_t n)
{
    switch (n) {
    case 1: return m365_jget(obj, k[0], NULL);
    case 2: return m365_jget(obj, k[0], k[1], NULL);
    default: return m365_jget(obj, k[0], k[1], k[2], NULL);
    }
}

static void same_as_scanning(void **state)
{
    (void)state;
    struct m365_json *j = m365_json_new(1 << 20, 64);
    assert_non_null(j);
    struct m365_buf b;
    m365_buf_init(&b, 0);
    unsigned checked = 0, found = 0, indexed_sizes = 0, exact_found = 0, exact_nulls = 0;
    unsigned fields_checked = 0;
    static struct m365_jschema schema = M365_JSCHEMA_INIT(variants);
    struct m365_jfields fields;
    for (unsigned round = 0; round < 3000; round++) {
        /* 1 to 80 members: below, inside and above the indexed sizes. */
        unsigned members = 1 + next(round % 10 == 0 ? 80 : 20);
        indexed_sizes += members >= 6 && members <= 64;
        m365_buf_reset(&b);
        m365_buf_putc(&b, '{');
        for (unsigned m = 0; m < members; m++) {
            unsigned v = next(NV + 8);
            if (v < NV) {
                m365_buf_printf(&b, "%s\"%s\":", m ? "," : "", variants[v]);
            } else {
                m365_buf_printf(&b, "%s\"k%u\":", m ? "," : "", m);
            }
            if (next(4) == 0) {
                m365_buf_printf(&b, "null");
            } else {
                m365_buf_printf(&b, "\"v%u\"", m);
            }
        }
        m365_buf_putc(&b, '}');
        struct m365_jv root;
        const char *err = NULL;
        assert_int_equal(m365_json_parse(j, b.data, b.len, false, &root, &err), 0);
        m365_jfields_read(&fields, &schema, root);
        for (unsigned q = 0; q < 20; q++) {
            const char *keys[3];
            size_t n = 1 + next(3);
            for (size_t i = 0; i < n; i++) {
                keys[i] = variants[next(NV)];
            }
            struct m365_jv want = reference(root, keys, n), got = jget_n(root, keys, n);
            assert_int_equal(got.present, want.present);
            if (want.present) {
                const char *ws, *gs;
                size_t wl, gl;
                assert_true(m365_jv_str(want, &ws, &wl));
                assert_true(m365_jv_str(got, &gs, &gl));
                if (wl != gl || memcmp(ws, gs, wl) != 0) {
                    fail_msg("%s: keys %s%s%s: want %.*s got %.*s", b.data, keys[0],
                             n > 1 ? keys[1] : "", n > 2 ? keys[2] : "", (int)wl, ws, (int)gl,
                             gs);
                }
                found++;
            }
            checked++;
            /* The one-pass reader answers as m365_jget does, for any list of names. */
            int ids[4];
            for (size_t i = 0; i < n; i++) {
                ids[i] = (int)variant_id(keys[i]);
            }
            ids[n] = -1;
            struct m365_jv fv = m365_jfields_get(&fields, ids);
            assert_int_equal(m365_jv_type(fv), m365_jv_type(got));
            assert_memory_equal(fv.w, got.w, sizeof(fv.w));
            struct m365_jv fe = m365_jfields_exact(&fields, ids[0]);
            assert_int_equal(m365_jv_type(fe), m365_jv_type(m365_jv_get(root, keys[0])));
            fields_checked += !fields.looked_up;
            /* The exact look-up gives what simdjson's own gives, null members included. */
            struct m365_jv ex = m365_jget_exact(root, keys[0]), sj = m365_jv_get(root, keys[0]);
            assert_int_equal(m365_jv_type(ex), m365_jv_type(sj));
            if (m365_jv_type(sj) == M365_J_STRING) {
                const char *es = NULL, *ss = NULL;
                size_t el = 0, sl = 0;
                assert_true(m365_jv_str(ex, &es, &el) && m365_jv_str(sj, &ss, &sl));
                assert_true(el == sl && es == ss);
                exact_found++;
            }
            exact_nulls += m365_jv_type(sj) == M365_J_NULL;
        }
        m365_json_reset(j); /* the next object may reuse these handles */
    }
    assert_true(found > checked / 4);
    assert_true(exact_found > checked / 8 && exact_nulls > checked / 40);
    assert_true(fields_checked > checked / 2 && fields_checked < checked); /* both paths */
    assert_true(indexed_sizes > 1000);
    m365_buf_free(&b);
    m365_json_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_as_scanning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
