/* m365_jget answers from a per-object key index; it must give exactly what scanning the members
 * gives (the first exact match of any key, in key order, else the first case-insensitive one;
 * null values skipped), and m365_jget_exact what simdjson's exact look-up gives; the one-pass
 * field reader (m365_jfields) what m365_jget gives. Checked on generated objects, and on
 * objects that repeat a few shapes, as an export's records do (the reader remembers shapes). */
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

/* The same few key sequences again and again, with their values changed: shapes that differ in
 * one key's case, in one byte, in length, in order, by a member more, past the 64 members read
 * in one pass, with a long key and with many key bytes; more shapes than are remembered, and two
 * schemas over the same names in different orders. Every answer is m365_jget's. */
static void repeated_shapes(void **state)
{
    (void)state;
    static const char *const reversed[] = {"Xy",       "UserKey",    "ResultStatus", "ObjectId",
                                           "RecordType", "CreationTime", "Workload",   "Operation",
                                           "clientip", "ClientIP",   "USERID",       "userid",
                                           "UserId",   "id",         "ID",           "Id"};
    static struct m365_jschema forward_schema = M365_JSCHEMA_INIT(variants);
    static struct m365_jschema reversed_schema = M365_JSCHEMA_INIT(reversed);
    char long_key[301], mid_key[61];
    memset(long_key, 'L', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    memset(mid_key, 'M', sizeof(mid_key) - 1);
    mid_key[sizeof(mid_key) - 1] = '\0';
    const char *shapes[12][70];
    size_t shape_len[12];
    static const char *const base[] = {"CreationTime", "Id",     "Operation", "RecordType",
                                       "UserId",       "Workload", "ClientIP", "ObjectId"};
    for (size_t s = 0; s < 12; s++) {
        shape_len[s] = 8;
        memcpy(shapes[s], base, sizeof(base));
    }
    shapes[1][4] = "userid";                  /* one key's case */
    shapes[2][1] = "ID";                      /* another */
    shapes[3][6] = "ClientIQ";                /* one byte, same length */
    shape_len[4] = 7;                         /* a member fewer */
    shapes[5][8] = "UserKey";                 /* a member more */
    shape_len[5] = 9;
    shapes[6][0] = "Id";                      /* order */
    shapes[6][1] = "CreationTime";
    shapes[7][7] = long_key;                  /* a key too long to remember */
    shapes[8][2] = "USERID";                  /* a name twice, in two cases */
    shapes[8][5] = "UserId";
    for (size_t m = 8; m < 66; m++) {         /* past one pass, then just inside it */
        shapes[9][m] = m % 2 ? "Xy" : "ResultStatus";
        shapes[10][m] = m % 3 ? mid_key : "Xy";
    }
    shape_len[9] = 66;
    shape_len[10] = 64;                       /* over 2 KiB of keys */
    shapes[11][3] = "k3";                     /* a name not in the schema */
    struct m365_json *j = m365_json_new(1 << 20, 64);
    assert_non_null(j);
    struct m365_buf b;
    m365_buf_init(&b, 0);
    struct m365_jfields fields;
    unsigned checked = 0, found = 0, one_pass = 0;
    for (unsigned round = 0; round < 4000; round++) {
        size_t s = next(12);
        m365_buf_reset(&b);
        m365_buf_putc(&b, '{');
        for (size_t m = 0; m < shape_len[s]; m++) {
            m365_buf_printf(&b, "%s\"%s\":", m ? "," : "", shapes[s][m]);
            if (next(5) == 0) {
                m365_buf_printf(&b, "null");
            } else {
                m365_buf_printf(&b, "\"r%u-%zu\"", round, m);
            }
        }
        m365_buf_putc(&b, '}');
        struct m365_jv root;
        const char *err = NULL;
        assert_int_equal(m365_json_parse(j, b.data, b.len, false, &root, &err), 0);
        bool rev = next(3) == 0;
        m365_jfields_read(&fields, rev ? &reversed_schema : &forward_schema, root);
        one_pass += !fields.looked_up;
        const char *const *names = rev ? reversed : variants;
        for (size_t a = 0; a < NV; a++) {
            for (size_t c = 0; c < 3; c++) {
                /* Alone, and as the first of two names. */
                size_t other = (a + 1 + c * 5) % NV;
                const char *keys[2] = {names[a], names[other]};
                size_t n = c == 0 ? 1 : 2;
                int ids[3] = {(int)a, (int)other, -1};
                ids[n] = -1;
                struct m365_jv want = reference(root, keys, n);
                struct m365_jv got = m365_jfields_get(&fields, ids);
                assert_int_equal(m365_jv_type(got), m365_jv_type(want));
                if (want.present) {
                    assert_memory_equal(got.w, want.w, sizeof(got.w));
                    found++;
                }
                checked++;
            }
            struct m365_jv fe = m365_jfields_exact(&fields, (int)a);
            struct m365_jv sj = m365_jv_get(root, names[a]);
            assert_int_equal(m365_jv_type(fe), m365_jv_type(sj));
            if (sj.present) {
                assert_memory_equal(fe.w, sj.w, sizeof(fe.w));
            }
        }
        m365_json_reset(j);
    }
    assert_true(found > checked / 4);
    assert_true(one_pass > 3000 && one_pass < 4000);
    m365_buf_free(&b);
    m365_json_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_as_scanning),
        cmocka_unit_test(repeated_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
