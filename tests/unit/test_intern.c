/* The interning table: one copy per distinct string, also when several threads intern at once
 * (shard locks, and each thread's look-aside cache of recent strings), and a cache never answers
 * for a table that is gone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "core/intern.h"

#define N_STRINGS 5000
#define N_THREADS 4

struct worker {
    struct m365_intern *t;
    const char *got[N_STRINGS];
    unsigned offset;
};

static void *intern_all(void *arg)
{
    struct worker *w = arg;
    char buf[64];
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned k = 0; k < N_STRINGS; k++) {
            unsigned i = (k + w->offset) % N_STRINGS; /* every thread in its own order */
            int n = snprintf(buf, sizeof(buf), "user%u@contoso.com", i);
            const char *p = m365_intern(w->t, buf, (size_t)n);
            if (w->got[i] && w->got[i] != p) {
                w->got[i] = NULL; /* two copies: reported by the test */
                return NULL;
            }
            w->got[i] = p;
        }
    }
    return NULL;
}

static void one_copy_across_threads(void **state)
{
    (void)state;
    struct m365_intern t;
    assert_int_equal(m365_intern_init(&t), 0);
    m365_intern_set_shared(&t, true);
    static struct worker ws[N_THREADS];
    pthread_t tid[N_THREADS];
    for (unsigned i = 0; i < N_THREADS; i++) {
        memset(&ws[i], 0, sizeof(ws[i]));
        ws[i].t = &t;
        ws[i].offset = i * 997;
        assert_int_equal(pthread_create(&tid[i], NULL, intern_all, &ws[i]), 0);
    }
    for (unsigned i = 0; i < N_THREADS; i++) {
        pthread_join(tid[i], NULL);
    }
    m365_intern_set_shared(&t, false);
    assert_int_equal(m365_intern_count(&t), N_STRINGS);
    for (unsigned k = 0; k < N_STRINGS; k++) {
        assert_non_null(ws[0].got[k]);
        for (unsigned i = 1; i < N_THREADS; i++) {
            assert_ptr_equal(ws[i].got[k], ws[0].got[k]);
        }
        char buf[64];
        snprintf(buf, sizeof(buf), "user%u@contoso.com", k);
        assert_string_equal(ws[0].got[k], buf);
    }
    m365_intern_free(&t);
}

static void cache_never_outlives_its_table(void **state)
{
    (void)state;
    for (int round = 0; round < 3; round++) {
        struct m365_intern a, b;
        assert_int_equal(m365_intern_init(&a), 0);
        m365_intern_set_shared(&a, true);
        const char *pa = m365_intern(&a, "Set-Mailbox", 11);
        assert_non_null(pa);
        assert_ptr_equal(m365_intern(&a, "Set-Mailbox", 11), pa); /* from the cache */
        m365_intern_free(&a);
        /* b may even sit where a was: the cache must not hand out a's freed copy. */
        assert_int_equal(m365_intern_init(&b), 0);
        m365_intern_set_shared(&b, true);
        const char *pb = m365_intern(&b, "Set-Mailbox", 11);
        assert_non_null(pb);
        assert_int_equal(m365_intern_count(&b), 1);
        assert_string_equal(pb, "Set-Mailbox");
        m365_intern_free(&b);
    }
}

/* Values alike at both ends (same length, first and last eight bytes) share a look-aside slot:
 * each must still get its own copy, every time, shared or not; and once the table is full,
 * values it holds are still found while new ones are refused. */
static void look_aside_collisions_and_limit(void **state)
{
    (void)state;
    for (int shared = 0; shared < 2; shared++) {
        struct m365_intern t;
        assert_int_equal(m365_intern_init(&t), 0);
        m365_intern_set_shared(&t, shared);
        const char *first[200];
        char buf[64];
        for (int pass = 0; pass < 3; pass++) {
            for (int i = 0; i < 200; i++) {
                int n = snprintf(buf, sizeof(buf), "user-%04d@contoso.onmicrosoft.com", i);
                const char *p = m365_intern(&t, buf, (size_t)n);
                assert_non_null(p);
                assert_string_equal(p, buf);
                if (pass == 0) {
                    first[i] = p;
                } else {
                    assert_ptr_equal(p, first[i]);
                }
            }
        }
        assert_int_equal(m365_intern_count(&t), 200);
        m365_intern_free(&t);

        /* Short values, 1 to 9 bytes (read by the look-aside in smaller pieces), each in its own
         * exact-size allocation so that ASan sees any read past it. */
        assert_int_equal(m365_intern_init(&t), 0);
        m365_intern_set_shared(&t, shared);
        const char *shorts[9][26];
        for (int pass = 0; pass < 2; pass++) {
            for (size_t len = 1; len <= 9; len++) {
                for (int c = 0; c < 26; c++) {
                    char *v = malloc(len);
                    assert_non_null(v);
                    memset(v, 'a' + c, len);
                    v[len / 2] = 'A' + (char)((c * 7) % 26); /* the middle differs too */
                    const char *p = m365_intern(&t, v, len);
                    assert_non_null(p);
                    assert_memory_equal(p, v, len);
                    assert_int_equal(p[len], '\0');
                    if (pass == 0) {
                        shorts[len - 1][c] = p;
                    } else {
                        assert_ptr_equal(p, shorts[len - 1][c]);
                    }
                    free(v);
                }
            }
        }
        assert_int_equal(m365_intern_count(&t), 9 * 26);
        m365_intern_free(&t);

        /* Longer than the bytes a look-aside entry keeps (44): values that differ only past
         * them, or only inside them, in one slot. */
        assert_int_equal(m365_intern_init(&t), 0);
        m365_intern_set_shared(&t, shared);
        const char *longs[2][10];
        for (int pass = 0; pass < 3; pass++) {
            for (int at = 0; at < 2; at++) {
                for (int i = 0; i < 10; i++) {
                    memset(buf, 'a', sizeof(buf));
                    buf[at ? 50 : 20] = (char)('0' + i);
                    const char *p = m365_intern(&t, buf, sizeof(buf));
                    assert_non_null(p);
                    assert_memory_equal(p, buf, sizeof(buf));
                    if (pass == 0) {
                        longs[at][i] = p;
                    } else {
                        assert_ptr_equal(p, longs[at][i]);
                    }
                }
            }
        }
        assert_int_equal(m365_intern_count(&t), 20);
        m365_intern_free(&t);

        assert_int_equal(m365_intern_init(&t), 0);
        m365_intern_set_shared(&t, shared);
        m365_intern_set_limit(&t, 64);
        static const char *got[2000];
        size_t kept = 0;
        for (int i = 0; i < 2000; i++) {
            int n = snprintf(buf, sizeof(buf), "10.%d.%d.%d", i / 65536, (i / 256) % 256, i % 256);
            got[i] = m365_intern(&t, buf, (size_t)n);
            kept += got[i] != NULL;
        }
        assert_true(m365_intern_full(&t));
        assert_true(kept > 0 && kept < 2000);
        assert_int_equal(m365_intern_count(&t), kept);
        for (int i = 0; i < 2000; i++) {
            int n = snprintf(buf, sizeof(buf), "10.%d.%d.%d", i / 65536, (i / 256) % 256, i % 256);
            /* What was kept is found again (same copy); what was refused stays refused. */
            assert_ptr_equal(m365_intern(&t, buf, (size_t)n), got[i]);
        }
        assert_int_equal(m365_intern_count(&t), kept); /* nothing new got in */
        m365_intern_free(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(look_aside_collisions_and_limit),
        cmocka_unit_test(one_copy_across_threads),
        cmocka_unit_test(cache_never_outlives_its_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
