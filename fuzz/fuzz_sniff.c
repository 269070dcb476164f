/* Fuzz target: format detection on a file's first bytes — m365_sniff_json_keys, the quoted-key
 * helper and every registered reader's sniff function, on exactly the bytes given (libFuzzer's
 * buffer is a heap block of that size, so any over-read is caught). */
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
        }
        if (k.wrapper && strcmp(k.wrapper, "value") != 0 && strcmp(k.wrapper, "records") != 0) {
            fuzz_fail("wrapper %s", k.wrapper);
        }
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
