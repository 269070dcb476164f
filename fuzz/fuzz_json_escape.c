/* Fuzz target: m365_json_str and friends (json_out.c). Whatever the bytes, the output must be
 * valid JSON for the library's own parser, must carry no raw control character, DEL, U+2028 or
 * U+2029, and must decode to the input with each byte that is not valid UTF-8 replaced by
 * U+FFFD (checked against a reference decoder written here). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json_out.h"
#include "fuzz_common.h"
#include "json/json.h"

/* Length of the well-formed UTF-8 sequence at p (Unicode table 3-7), 0 when there is none. */
static size_t ref_utf8(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c < 0x80) {
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (n < need || p[1] < lo || p[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < need; i++) {
        if (p[i] < 0x80 || p[i] > 0xbf) {
            return 0;
        }
    }
    return need;
}

/* What the escaped string must decode to. */
static char *expected(const unsigned char *p, size_t n, size_t *out_len)
{
    char *e = malloc(n * 3 + 1);
    if (!e) {
        fuzz_fail("out of memory");
    }
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = ref_utf8(p + i, n - i);
        if (k == 0) {
            memcpy(e + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(e + o, p + i, k);
            o += k;
            i += k;
        }
    }
    *out_len = o;
    return e;
}

static void check_raw(const struct m365_buf *b)
{
    const unsigned char *p = (const unsigned char *)b->data;
    for (size_t i = 0; i < b->len; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f) {
            fuzz_fail("raw control byte 0x%02x in the output at %zu", p[i], i);
        }
        if (i + 2 < b->len && p[i] == 0xe2 && p[i + 1] == 0x80 &&
            (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
            fuzz_fail("raw U+2028/U+2029 in the output at %zu", i);
        }
    }
}

static void check_string(const char *s, size_t size)
{
    struct m365_buf b;
    m365_buf_init(&b, 0);
    m365_json_str(&b, s, size);
    if (b.failed) {
        fuzz_fail("m365_json_str: buffer failed");
    }
    check_raw(&b);
    struct m365_json *j = fuzz_json();
    struct m365_jv root;
    const char *err = NULL;
    if (m365_json_parse(j, b.data, b.len, false, &root, &err) != 0) {
        fuzz_fail("escaped string is not valid JSON (%s): %.*s", err ? err : "?", (int)b.len,
                  b.data);
    }
    const char *dec;
    size_t dlen;
    if (m365_jv_type(root) != M365_J_STRING || !m365_jv_str(root, &dec, &dlen)) {
        fuzz_fail("escaped string does not parse as a string");
    }
    size_t elen;
    char *e = expected((const unsigned char *)s, size, &elen);
    if (dlen != elen || memcmp(dec, e, elen) != 0) {
        fuzz_fail("escaped string decodes to %zu bytes, %zu expected", dlen, elen);
    }
    free(e);
    m365_json_reset(j);
    m365_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    check_string(s, size);

    /* A whole object through the other writers: the first half (up to a NUL) as a key, the rest
     * as a value, then a time from the first eight bytes, then null. */
    size_t half = size / 2;
    char *key = malloc(half + 1);
    if (!key) {
        return 0;
    }
    memcpy(key, s, half);
    key[half] = '\0';
    int64_t ms = 0;
    memcpy(&ms, data, size < sizeof(ms) ? size : sizeof(ms));
    struct m365_buf b;
    m365_buf_init(&b, 0);
    int first = 1;
    m365_buf_putc(&b, '{');
    m365_json_key(&b, &first, key);
    m365_json_str(&b, s + half, size - half);
    m365_json_key(&b, &first, "time");
    m365_json_time(&b, ms);
    m365_json_key(&b, &first, "none");
    m365_json_cstr(&b, NULL);
    m365_buf_putc(&b, '}');
    if (b.failed) {
        fuzz_fail("object: buffer failed");
    }
    check_raw(&b);
    fuzz_check_json("object", b.data, b.len);
    m365_buf_free(&b);
    free(key);
    return 0;
}
