/* core/map.h: the pointer-keyed hash map every detection keeps its state in. Puts and gets
 * are held against a plain list through many growths; m365_map_obtain hands out one zeroed
 * value per key and says when it made it; m365_distinct counts each member of a key once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/map.h"

#define N_KEYS 5000

static void put_and_get_agree_with_a_list(void **state)
{
    (void)state;
    static char pool[N_KEYS]; /* stable addresses to key by */
    struct m365_map m = {0};
    assert_null(m365_map_get(&m, pool, NULL));
    uint64_t r = 0x243f6a8885a308d3ull;
    for (size_t i = 0; i < N_KEYS; i++) {
        /* Each key twice: alone, and paired with a second pointer. */
        void **a = m365_map_put(&m, pool + i, NULL);
        assert_non_null(a);
        assert_null(*a);
        *a = (void *)(uintptr_t)(2 * i + 1);
        void **b = m365_map_put(&m, pool + i, pool + (i * 7) % N_KEYS);
        assert_non_null(b);
        assert_null(*b);
        *b = (void *)(uintptr_t)(2 * i + 2);
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        size_t j = (size_t)(r % (i + 1)); /* a key put earlier, across the growths */
        assert_int_equal((uintptr_t)m365_map_get(&m, pool + j, NULL), 2 * j + 1);
        assert_int_equal((uintptr_t)m365_map_get(&m, pool + j, pool + (j * 7) % N_KEYS),
                         2 * j + 2);
        assert_null(m365_map_get(&m, pool + j, pool + (j * 7 + 1) % N_KEYS));
    }
    assert_int_equal(m.n, 2 * N_KEYS);
    size_t seen = 0;
    M365_MAP_EACH(&m, slot)
    {
        seen++;
        size_t i = (size_t)((const char *)slot->k1 - pool);
        assert_int_equal((uintptr_t)slot->val, slot->k2 ? 2 * i + 2 : 2 * i + 1);
    }
    assert_int_equal(seen, 2 * N_KEYS);
    m365_map_free(&m);
    assert_null(m.slots);
    assert_int_equal(m.n, 0);
}

struct counter {
    const char *name;
    uint64_t hits;
};

static void obtain_makes_one_zeroed_value_per_key(void **state)
{
    (void)state;
    static const char *const names[] = {"alice", "bob", "carol", "dave"};
    struct m365_map m = {0};
    struct counter *first[4] = {0};
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 4; i++) {
            bool fresh = !round; /* the opposite of what it must say */
            struct counter *c = m365_map_obtain(&m, names[i], NULL, sizeof(*c), &fresh);
            assert_non_null(c);
            assert_int_equal(fresh, round == 0);
            if (fresh) {
                assert_null(c->name);
                assert_int_equal(c->hits, 0);
                c->name = names[i];
                first[i] = c;
            }
            assert_ptr_equal(c, first[i]);
            c->hits++;
            assert_ptr_equal(m365_map_obtain(&m, names[i], NULL, sizeof(*c), NULL), c);
        }
    }
    assert_int_equal(m.n, 4);
    const char *keys[4];
    assert_int_equal(m365_map_keys_sorted(&m, keys, 4), 4);
    assert_string_equal(keys[0], "alice");
    assert_string_equal(keys[3], "dave");
    M365_MAP_EACH(&m, slot)
    {
        struct counter *c = slot->val;
        assert_non_null(c);
        assert_int_equal(c->hits, 3);
        assert_ptr_equal(c->name, slot->k1);
        free(c);
    }
    m365_map_free(&m);
}

/* Distinct members per key, against a plain count over a table of which pairs were added. */
static void distinct_counts_each_member_once(void **state)
{
    (void)state;
    enum { KEYS = 40, MEMBERS = 60 };
    static char keys[KEYS], members[MEMBERS];
    static bool added[KEYS][MEMBERS];
    struct m365_distinct d = {0};
    m365_distinct_add(&d, NULL, members);
    m365_distinct_add(&d, keys, NULL);
    assert_int_equal(m365_distinct_count(&d, keys), 0);
    assert_int_equal(m365_distinct_count(&d, NULL), 0);
    uint64_t r = 0x13198a2e03707344ull;
    for (int i = 0; i < 20000; i++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        size_t k = (size_t)(r >> 33) % KEYS, m = (size_t)(r >> 17) % MEMBERS;
        m365_distinct_add(&d, keys + k, members + m);
        added[k][m] = true;
    }
    for (size_t k = 0; k < KEYS; k++) {
        size_t want = 0;
        for (size_t m = 0; m < MEMBERS; m++) {
            want += added[k][m];
            assert_int_equal(m365_distinct_has(&d, keys + k, members + m), added[k][m]);
        }
        assert_int_equal(m365_distinct_count(&d, keys + k), want);
        for (size_t m = 0; m < MEMBERS; m++) {
            assert_int_equal(m365_distinct_others(&d, keys + k, members + m),
                             want - added[k][m]);
        }
    }
    assert_false(m365_distinct_has(&d, NULL, members));
    m365_distinct_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_and_get_agree_with_a_list),
        cmocka_unit_test(obtain_makes_one_zeroed_value_per_key),
        cmocka_unit_test(distinct_counts_each_member_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
