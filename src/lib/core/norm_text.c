#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "norm.h"

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ":1234" (1 to 5 digits) or nothing: what may follow an address. */
static bool port_suffix_ok(const char *p)
{
    if (*p == '\0') {
        return true;
    }
    if (*p != ':') {
        return false;
    }
    size_t n = 0;
    for (p++; *p >= '0' && *p <= '9'; p++) {
        n++;
    }
    return *p == '\0' && n >= 1 && n <= 5;
}

/* A dotted quad already in the form inet_ntop writes (four decimal octets up to 255, no
 * leading zeros): the common case, copied without a round trip through the resolver library. */
static bool canonical_ipv4(const char *p, size_t n)
{
    if (n < 7 || n > 15) {
        return false;
    }
    unsigned parts = 0, digits = 0, val = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == '.') {
            if (digits == 0 || val > 255 || (digits > 1 && p[i - digits] == '0')) {
                return false;
            }
            parts++;
            digits = val = 0;
        } else if (p[i] >= '0' && p[i] <= '9' && digits < 3) {
            val = val * 10 + (unsigned)(p[i] - '0');
            digits++;
        } else {
            return false;
        }
    }
    return parts == 4;
}

size_t m365_ip_normalise(const char *s, size_t len, char *out, size_t cap)
{
    const char *p = s, *e = s + len;
    while (p < e && (is_space((unsigned char)*p) || *p == '"')) {
        p++;
    }
    while (e > p && (is_space((unsigned char)e[-1]) || e[-1] == '"')) {
        e--;
    }
    size_t n = (size_t)(e - p);
    /* An embedded NUL would silently cut the value short below. */
    if (n == 0 || n > 64 || cap < 46 || memchr(p, '\0', n)) {
        return 0;
    }
    if (canonical_ipv4(p, n)) {
        memcpy(out, p, n);
        out[n] = '\0';
        return n;
    }
    char tmp[65];
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    char *a = tmp;
    if (a[0] == '[') {
        char *close = strchr(a, ']');
        if (!close || !port_suffix_ok(close + 1)) {
            return 0;
        }
        *close = '\0';
        a++;
    } else {
        char *colon = strchr(a, ':');
        /* One colon: IPv4 with a port. More: IPv6 without brackets. */
        if (colon && !strchr(colon + 1, ':')) {
            if (!port_suffix_ok(colon)) {
                return 0;
            }
            *colon = '\0';
        }
    }
    char *pct = strchr(a, '%');
    if (pct) {
        *pct = '\0';
    }
    unsigned char bin[16];
    if (inet_pton(AF_INET, a, bin) == 1) {
        return inet_ntop(AF_INET, bin, out, (socklen_t)cap) ? strlen(out) : 0;
    }
    if (inet_pton(AF_INET6, a, bin) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(bin, mapped, 12) == 0) {
            return inet_ntop(AF_INET, bin + 12, out, (socklen_t)cap) ? strlen(out) : 0;
        }
        return inet_ntop(AF_INET6, bin, out, (socklen_t)cap) ? strlen(out) : 0;
    }
    return 0;
}

size_t m365_op_normalise(const char *s, size_t len, char *out, size_t cap)
{
    if (cap == 0) {
        return 0;
    }
    size_t o = 0;
    bool pending_space = false;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        char emit;
        /* A bare 0xa0 byte is a UTF-8 continuation byte (as in "\xc3\xa0"), not a space;
         * the no-break space is the two-byte sequence handled below. */
        if (is_space(c)) {
            pending_space = o > 0;
            continue;
        }
        /* U+2013 en dash, U+2014 em dash, U+2212 minus: E2 80 93 / E2 80 94 / E2 88 92. */
        if (c == 0xe2 && i + 2 < len &&
            (((unsigned char)s[i + 1] == 0x80 &&
              ((unsigned char)s[i + 2] == 0x93 || (unsigned char)s[i + 2] == 0x94)) ||
             ((unsigned char)s[i + 1] == 0x88 && (unsigned char)s[i + 2] == 0x92))) {
            emit = '-';
            i += 2;
        } else if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] == 0xa0) {
            pending_space = o > 0; /* UTF-8 no-break space */
            i += 1;
            continue;
        } else {
            emit = (char)c;
        }
        if (pending_space) {
            if (o + 2 >= cap) {
                break;
            }
            out[o++] = ' ';
            pending_space = false;
        }
        out[o++] = emit;
    }
    while (o > 0 && (out[o - 1] == '.' || out[o - 1] == ' ')) {
        o--;
    }
    out[o] = '\0';
    return o;
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

bool m365_ieq(const char *a, const char *b)
{
    if (!a || !b) {
        return false;
    }
    while (*a && lower((unsigned char)*a) == lower((unsigned char)*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

bool m365_ieqn(const char *a, size_t alen, const char *b)
{
    size_t i = 0;
    for (; i < alen; i++) {
        if (b[i] == '\0' || lower((unsigned char)a[i]) != lower((unsigned char)b[i])) {
            return false;
        }
    }
    return b[i] == '\0';
}

bool m365_istarts(const char *s, const char *prefix)
{
    if (!s) {
        return false;
    }
    while (*prefix) {
        if (lower((unsigned char)*s) != lower((unsigned char)*prefix)) {
            return false;
        }
        s++;
        prefix++;
    }
    return true;
}

bool m365_icontains(const char *hay, const char *needle)
{
    if (!hay || !needle) {
        return false;
    }
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        if (m365_istarts(hay, needle)) {
            return true;
        }
    }
    return n == 0;
}

int m365_parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
    const char *p = s, *e = s + len;
    while (p < e && (is_space((unsigned char)*p) || *p == '"')) {
        p++;
    }
    while (e > p && (is_space((unsigned char)e[-1]) || e[-1] == '"')) {
        e--;
    }
    bool neg = false;
    if (p < e && (*p == '-' || *p == '+')) {
        neg = *p == '-';
        p++;
    }
    if (p == e) {
        return -1;
    }
    uint64_t v = 0;
    for (; p < e; p++) {
        if (*p < '0' || *p > '9') {
            return -1;
        }
        if (v > (UINT64_MAX - 9) / 10) {
            return -1;
        }
        v = v * 10 + (uint64_t)(*p - '0');
    }
    /* The magnitude of INT64_MIN is one more than INT64_MAX. */
    if (v > (uint64_t)INT64_MAX + (neg ? 1u : 0u)) {
        return -1;
    }
    int64_t r = !neg ? (int64_t)v : v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v;
    if (r < min || r > max) {
        return -1;
    }
    *out = r;
    return 0;
}
