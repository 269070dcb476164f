/* core/hash.h's record fingerprint (m365_hash_long): two records are folded together as one
 * exported twice when their record ids and fingerprints agree, so a fingerprint must follow
 * every byte of the text, and nothing else: not the address it lies at, not what follows it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hash.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A record-like text of n bytes. */
static void fill(unsigned char *p, size_t n, unsigned salt)
{
    for (size_t i = 0; i < n; i++) {
        static const char rec[] = "{\"Operation\":\"MailItemsAccessed\",\"UserId\":\"a@b.c\"}";
        p[i] = (unsigned char)rec[(i + salt) % (sizeof(rec) - 1)];
    }
}

static void same_text_same_value(void **state)
{
    (void)state;
    unsigned char *a = malloc(4096 + 64), *b = malloc(4096 + 64);
    assert_non_null(a);
    assert_non_null(b);
    for (size_t n = 0; n <= 4096; n = n < 200 ? n + 1 : n * 2 - 7) {
        fill(a, n, 3);
        /* The same bytes at another alignment, followed by other bytes. */
        for (size_t off = 0; off < 16; off += 5) {
            memcpy(b + off, a, n);
            memset(b + off + n, 0x5a, 64 - off);
            assert_true(m365_hash_long(a, n, 0x5eed) == m365_hash_long(b + off, n, 0x5eed));
        }
        /* The seed and the length are part of the value. */
        assert_true(m365_hash_long(a, n, 0x5eed) != m365_hash_long(a, n, 0x5eee));
        if (n > 0) {
            assert_true(m365_hash_long(a, n, 1) != m365_hash_long(a, n - 1, 1));
        }
    }
    free(a);
    free(b);
}

/* Every single-bit change and every one-byte change to a pair of bytes, at every offset, gives
 * a value of its own (over lengths that end inside a 64-byte round, on one and after several). */
static void every_small_change_differs(void **state)
{
    (void)state;
    static const size_t lens[] = {63, 64, 65, 100, 128, 300, 1500};
    for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
        size_t n = lens[li];
        unsigned char *p = malloc(n);
        assert_non_null(p);
        fill(p, n, (unsigned)li);
        size_t cap = n * 8 + n * 2 + 1, k = 0;
        uint64_t *v = malloc(cap * sizeof(*v));
        assert_non_null(v);
        v[k++] = m365_hash_long(p, n, 7);
        for (size_t i = 0; i < n; i++) {
            for (unsigned bit = 0; bit < 8; bit++) {
                p[i] ^= (unsigned char)(1u << bit);
                v[k++] = m365_hash_long(p, n, 7);
                p[i] ^= (unsigned char)(1u << bit);
            }
            /* Two bytes changed together: the same byte moved from one 8-byte half of a lane
             * to the other, which a sum alone would not see. */
            if (i + 8 < n) {
                unsigned char x = p[i], y = p[i + 8];
                if (x != y) {
                    p[i] = y;
                    p[i + 8] = x;
                    v[k++] = m365_hash_long(p, n, 7);
                    p[i] = x;
                    p[i + 8] = y;
                }
            }
            /* One byte replaced by the byte at the same place of the next 64-byte round (not
             * when the two differ in one bit: that text is among the flips already). */
            unsigned diff = i + 64 < n ? (unsigned)(p[i] ^ p[i + 64]) : 0;
            if (diff && (diff & (diff - 1))) {
                unsigned char x = p[i];
                p[i] = p[i + 64];
                v[k++] = m365_hash_long(p, n, 7);
                p[i] = x;
            }
        }
        qsort(v, k, sizeof(*v), cmp_u64);
        for (size_t i = 1; i < k; i++) {
            if (v[i] == v[i - 1]) {
                fail_msg("length %zu: two of %zu variants share a value", n, k);
            }
        }
        free(v);
        free(p);
    }
}

/* Where a 32-bit half of the input equals the key's, its product with the other half is zero
 * whatever that other half holds: the other half must still count (it is added, swapped into the
 * neighbouring word, as well as multiplied). */
static void zero_products_still_count(void **state)
{
    (void)state;
#if defined(__SSE2__)
    unsigned char p[200];
    for (unsigned word = 0; word < 8; word++) {
        for (unsigned half = 0; half < 2; half++) {
            fill(p, sizeof(p), word);
            uint64_t k = m365_hash_long_key[word];
            uint32_t kh = (uint32_t)(half ? k >> 32 : k);
            unsigned char kb[4];
            for (unsigned b = 0; b < 4; b++) {
                kb[b] = (unsigned char)(kh >> (8 * b));
            }
            /* The first round's word: one half the key's, the other half changed in turn. */
            memcpy(p + 8 * word + 4 * half, kb, 4);
            uint64_t base = m365_hash_long(p, sizeof(p), 9);
            unsigned char *other = p + 8 * word + 4 * (1 - half);
            for (unsigned b = 0; b < 4; b++) {
                other[b] ^= 0x10;
                assert_true(m365_hash_long(p, sizeof(p), 9) != base);
                other[b] ^= 0x10;
            }
        }
    }
#else
    skip();
#endif
}

/* The tail load is the copy into a zeroed word it stands for, for every length 0-7, read from
 * the end of an allocation (ASan catches a read past it). */
static void tail_is_copy(void **state)
{
    (void)state;
    unsigned char *buf = malloc(8);
    assert_non_null(buf);
    for (size_t n = 0; n < 8; n++) {
        for (unsigned salt = 0; salt < 64; salt++) {
            unsigned char *p = buf + 8 - n; /* the allocation's last n bytes */
            fill(buf, 8, salt);
            for (size_t i = 0; i < 8; i++) {
                buf[i] ^= (unsigned char)((salt >> (i % 6) & 1) << 7); /* bytes past 0x7f too */
            }
            uint64_t want = 0;
            memcpy(&want, p, n);
            assert_true(m365_hash_tail(p, n) == want);
        }
    }
    free(buf);
}

/* m365_hash_long_seen: the same value as m365_hash_long, and whether the byte is there, at
 * every place a byte can be (the 64-byte rounds, the tail) and at every alignment. */
static void seen_is_memchr(void **state)
{
    (void)state;
    unsigned char *a = malloc(400 + 16);
    assert_non_null(a);
    for (size_t n = 0; n <= 400; n++) {
        for (size_t off = 0; off < 16; off += 7) {
            unsigned char *p = a + off;
            fill(p, n, (unsigned)n);
            bool seen = true;
            assert_true(m365_hash_long_seen(p, n, 0x5eed, '\\', &seen) ==
                        m365_hash_long(p, n, 0x5eed));
            assert_false(seen);
            for (size_t at = 0; at < n; at += n < 70 ? 1 : 13) {
                unsigned char was = p[at];
                p[at] = '\\';
                seen = false;
                assert_true(m365_hash_long_seen(p, n, 0x5eed, '\\', &seen) ==
                            m365_hash_long(p, n, 0x5eed));
                assert_true(seen);
                p[at] = was;
            }
        }
    }
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_text_same_value),
        cmocka_unit_test(every_small_change_differs),
        cmocka_unit_test(zero_products_still_count),
        cmocka_unit_test(tail_is_copy),
        cmocka_unit_test(seen_is_memchr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
