/* Fuzz target: format detection on a file's first bytes — m365_sniff_json_keys, the quoted-key
 * helper and every registered reader's sniff function, on exactly the bytes given (libFuzzer's
 * buffer is a heap block of that size, so any over-read is caught). */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "readers/read_ctx.h"
#include "readers/reader.h"
#include "readers/sniff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *head = (const char *)data;
    struct m365_sniff_keys k;
    if (m365_sniff_json_keys(head, size, &k)) {
        if (k.n > M365_SNIFF_MAX_KEYS) {
            fuzz_fail("%u keys", k.n);
        }
        for (unsigned i = 0; i < k.n; i++) {
            size_t len = strnlen(k.keys[i], sizeof(k.keys[i]));
            if (len == sizeof(k.keys[i])) {
                fuzz_fail("key %u not NUL-terminated", i);
            }
            for (unsigned j = 0; j < i; j++) {
                if (strcmp(k.keys[i], k.keys[j]) == 0) {
                    fuzz_fail("key %s listed twice", k.keys[i]);
                }
            }
            if (!m365_sniff_keys_has(&k, k.keys[i])) {
                fuzz_fail("key %s listed but not found", k.keys[i]);
            }
            char flipped[sizeof(k.keys[i])];
            for (size_t c = 0; c <= len; c++) {
                unsigned char b = (unsigned char)k.keys[i][c];
                flipped[c] = (char)(b >= 'a' && b <= 'z'   ? b - 32
                                    : b >= 'A' && b <= 'Z' ? b + 32
                                                           : b);
            }
            if (!m365_sniff_keys_maybe(&k, flipped)) {
                fuzz_fail("key %s hidden by the filter in another case", k.keys[i]);
            }
        }
        if (k.wrapper && strcmp(k.wrapper, "value") != 0 && strcmp(k.wrapper, "records") != 0 &&
            strcmp(k.wrapper, "Results") != 0) {
            fuzz_fail("wrapper %s", k.wrapper);
        }
    }
    /* The last answer is remembered with the bytes it came from: a changed byte or a shorter
     * length must give what a fresh reading gives (a one-byte text in between forgets). */
    if (size > 0) {
        char *copy = malloc(size);
        if (!copy) {
            return 0;
        }
        memcpy(copy, head, size);
        size_t at = data[0] % size, cut = size - data[size - 1] % (size + 1);
        copy[at] = (char)(copy[at] ^ 0x5b);
        struct m365_sniff_keys again, fresh;
        for (int pass = 0; pass < 2; pass++) {
            size_t n = pass ? cut : size;
            (void)m365_sniff_json_keys(head, size, &k);
            bool r1 = m365_sniff_json_keys(copy, n, &again);
            (void)m365_sniff_json_keys("x", 1, &fresh);
            bool r2 = m365_sniff_json_keys(copy, n, &fresh);
            if (r1 != r2 || again.n != fresh.n || again.seen != fresh.seen ||
                again.wrapper != fresh.wrapper ||
                again.in_array != fresh.in_array ||
                memcmp(again.keys, fresh.keys, sizeof(again.keys[0]) * again.n) != 0) {
                fuzz_fail("remembered answer differs from a fresh one (length %zu)", n);
            }
        }
        free(copy);
    }
    (void)m365_sniff_has_key(head, size, "CreationTime");
    (void)m365_sniff_has_key(head, size, "");
    for (size_t i = 0; i < m365_n_readers_registered; i++) {
        int score = m365_readers[i]->sniff(head, size);
        if (score < 0 || score > 100) {
            fuzz_fail("reader %s scores %d", m365_readers[i]->name, score);
        }
    }
    return 0;
}
