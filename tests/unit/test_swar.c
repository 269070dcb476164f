/* core/swar.h's word-at-a-time helpers that stand in for library calls on hot paths: the
 * popcount (no POPCNT on the x86-64 baseline) and the byte comparison that replaces memcmp for
 * short strings. Each is held against the plain definition. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/swar.h"

static unsigned naive_popcount(uint64_t x)
{
    unsigned n = 0;
    for (; x; x >>= 1) {
        n += (unsigned)(x & 1);
    }
    return n;
}

static void popcount_counts_every_bit(void **state)
{
    (void)state;
    assert_int_equal(m365_popcount64(0), 0);
    assert_int_equal(m365_popcount64(~0ull), 64);
    for (unsigned i = 0; i < 64; i++) {
        assert_int_equal(m365_popcount64(1ull << i), 1);
        assert_int_equal(m365_popcount64(~(1ull << i)), 63);
    }
    uint64_t r = 0x9e3779b97f4a7c15ull;
    for (unsigned i = 0; i < 100000; i++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        uint64_t x = r & (r >> (i % 7)); /* sparse and dense words alike */
        assert_int_equal(m365_popcount64(x), naive_popcount(x));
    }
}

/* Every length up to 80, every position of a differing byte (and a difference in each bit),
 * at several alignments: the same answer as memcmp. */
static void mem_eq_is_memcmp(void **state)
{
    (void)state;
    unsigned char a[100], b[100];
    for (size_t n = 0; n <= 80; n++) {
        for (size_t off = 0; off < 4; off++) {
            for (size_t i = 0; i < n + off; i++) {
                a[i] = (unsigned char)('a' + i % 23);
            }
            memcpy(b + 3, a + off, n);
            assert_true(m365_mem_eq(a + off, b + 3, n));
            for (size_t k = 0; k < n; k++) {
                for (unsigned bit = 0; bit < 8; bit++) {
                    b[3 + k] ^= (unsigned char)(1u << bit);
                    int want = memcmp(a + off, b + 3, n) == 0;
                    if (m365_mem_eq(a + off, b + 3, n) != want) {
                        fail_msg("length %zu, byte %zu, bit %u: differs from memcmp", n, k, bit);
                    }
                    b[3 + k] ^= (unsigned char)(1u << bit);
                }
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(popcount_counts_every_bit),
        cmocka_unit_test(mem_eq_is_memcmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
