/* Fuzz target: the text normalisers of norm_text.c — m365_ip_normalise, m365_op_normalise,
 * m365_parse_i64 and m365_one_line. Each output must be canonical: normalising it again changes
 * nothing. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/norm.h"
#include "fuzz_common.h"

static void check_ip(const char *s, size_t size)
{
    char out[46];
    size_t n = m365_ip_normalise(s, size, out, sizeof(out));
    if (n == 0) {
        return;
    }
    if (n >= sizeof(out) || strlen(out) != n) {
        fuzz_fail("ip: length %zu does not match the output", n);
    }
    unsigned char bin[16];
    if (inet_pton(AF_INET, out, bin) != 1 && inet_pton(AF_INET6, out, bin) != 1) {
        fuzz_fail("ip: output %s is not an address", out);
    }
    char again[46];
    size_t n2 = m365_ip_normalise(out, n, again, sizeof(again));
    if (n2 != n || memcmp(out, again, n) != 0) {
        fuzz_fail("ip: not canonical: %s -> %s", out, n2 ? again : "(rejected)");
    }
}

static void check_op_form(const char *out, size_t n)
{
    if (out[n] != '\0') {
        fuzz_fail("op: output not NUL-terminated");
    }
    for (size_t i = 0; i < n; i++) {
        char c = out[i];
        if (c == '\t' || c == '\r' || c == '\n' || (c == ' ' && (i == 0 || out[i - 1] == ' '))) {
            fuzz_fail("op: white space left at %zu", i);
        }
    }
    if (n > 0 && (out[n - 1] == '.' || out[n - 1] == ' ')) {
        fuzz_fail("op: trailing period or space left");
    }
}

static void check_op(const char *s, size_t size, uint8_t small)
{
    char *out = malloc(size + 1);
    if (!out) {
        return;
    }
    size_t n = m365_op_normalise(s, size, out, size + 1);
    if (n > size) {
        fuzz_fail("op: output longer than the input");
    }
    check_op_form(out, n);
    char *again = malloc(n + 1);
    if (again) {
        size_t n2 = m365_op_normalise(out, n, again, n + 1);
        if (n2 != n || memcmp(out, again, n) != 0) {
            fuzz_fail("op: not canonical (%zu -> %zu bytes)", n, n2);
        }
        free(again);
    }
    /* A short buffer (exactly cap bytes, so ASan sees any overrun) truncates, never overflows. */
    size_t cap = (size_t)small % 9;
    char *tiny = cap ? malloc(cap) : NULL;
    if (tiny) {
        size_t t = m365_op_normalise(s, size, tiny, cap);
        if (t >= cap || tiny[t] != '\0') {
            fuzz_fail("op: cap %zu gave length %zu", cap, t);
        }
        free(tiny);
    }
    free(out);
}

static void check_i64(const char *s, size_t size)
{
    int64_t v;
    if (m365_parse_i64(s, size, INT64_MIN, INT64_MAX, &v) != 0) {
        return;
    }
    char txt[32];
    int n = snprintf(txt, sizeof(txt), "%" PRId64, v);
    int64_t w;
    if (m365_parse_i64(txt, (size_t)n, INT64_MIN, INT64_MAX, &w) != 0 || w != v) {
        fuzz_fail("i64: %s does not parse back", txt);
    }
    /* The range check is inclusive at both ends. */
    if (m365_parse_i64(s, size, v, v, &w) != 0 || w != v ||
        (v < INT64_MAX && m365_parse_i64(s, size, v + 1, INT64_MAX, &w) == 0)) {
        fuzz_fail("i64: range check wrong for %s", txt);
    }
}

/* A summary made one line: no control byte, NEL or line separator left, never longer, never
 * shorter than a third, and once is enough. */
static void check_one_line(const char *s, size_t size)
{
    char *t = fuzz_cstr((const uint8_t *)s, size);
    if (!t) {
        return;
    }
    size_t in = strlen(t);
    size_t n = m365_one_line(t);
    if (n != strlen(t) || n > in) {
        fuzz_fail("one_line: length %zu for %zu bytes in", n, in);
    }
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = (const unsigned char *)t + i;
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] == 0x85) ||
            (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))) {
            fuzz_fail("one_line: a line break or control byte left at %zu", i);
        }
    }
    if (3 * n < in) { /* a replacement takes three bytes at most to one */
        fuzz_fail("one_line: %zu bytes out of %zu", n, in);
    }
    char *again = strdup(t);
    if (again && (m365_one_line(again) != n || memcmp(again, t, n) != 0)) {
        fuzz_fail("one_line: not canonical");
    }
    free(again);
    free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    check_ip(s, size);
    check_op(s, size, size ? data[0] : 0);
    check_i64(s, size);
    check_one_line(s, size);
    return 0;
}
