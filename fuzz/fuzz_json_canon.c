/* Fuzz target: m365_json_escapes_canon (core/json_canon.c), the one form of a record's escapes
 * that de-duplication hashes. Whatever the bytes: the form fits in the input's length (the
 * buffer is exactly that long); and when the bytes are one JSON value, the form is the same value
 * as simdjson reads it (its compact text of both) and the form of the form is itself. (Broken
 * escapes are kept as they are, so a text that is no JSON can gain an escape: "\ud83d\ude0\u0044"
 * becomes "\ud83d\ude0D".) */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/norm.h"
#include "fuzz_common.h"
#include "json/json.h"

/* simdjson's compact text of the value in text, malloc'd; NULL when it is not one. */
static char *compact(struct m365_json *j, const char *text, size_t n, size_t *len)
{
    struct m365_jv root;
    const char *err;
    char *copy = NULL;
    if (m365_json_parse(j, text, n, false, &root, &err) == 0) {
        const char *t = m365_jv_text(j, root, len);
        copy = malloc(*len + 1);
        if (!copy) {
            fuzz_fail("out of memory");
        }
        memcpy(copy, t, *len);
    }
    m365_json_reset(j);
    return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    char *out = malloc(size ? size : 1), *again = malloc(size ? size : 1);
    if (!out || !again) {
        fuzz_fail("out of memory");
    }
    size_t len = 0, len2 = 0;
    if (m365_json_escapes_canon(in, size, out, &len)) {
        if (len > size) {
            fuzz_fail("the form is longer (%zu) than the text (%zu)", len, size);
        }
        struct m365_json *j = fuzz_json();
        size_t ta = 0, tb = 0;
        char *a = compact(j, in, size, &ta);
        if (a) {
            if (m365_json_escapes_canon(out, len, again, &len2) &&
                (len2 != len || memcmp(again, out, len) != 0)) {
                fuzz_fail("the form of the form differs from the form");
            }
            char *b = compact(j, out, len, &tb);
            if (!b) {
                fuzz_fail("a JSON text's form is no JSON: %.*s", (int)len, out);
            }
            if (ta != tb || memcmp(a, b, ta) != 0) {
                fuzz_fail("the form reads otherwise: %.*s against %.*s", (int)tb, b, (int)ta, a);
            }
            free(b);
        }
        free(a);
    }
    free(out);
    free(again);
    return 0;
}
