#include <arpa/inet.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdint.h>
#include <stdio.h>
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

/* Where each byte's two digits start in the text. */
static const uint8_t guid_pair_at[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
#define GUID_DASHES ((1ull << 8) | (1ull << 13) | (1ull << 18) | (1ull << 23))

/* Bit i of each mask: byte i of the 36 is a dash, a digit, a lower-case or an upper-case hex
 * letter. (Called on every record's id: sixteen bytes a step where SSE2 is there.) */
struct guid_classes {
    uint64_t dash, digit, lower, upper;
};

#if defined(__SSE2__)
static inline void classify16(const char *p, unsigned shift, struct guid_classes *c)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
#define IN_RANGE(lo, hi) \
    _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)((lo) - 1))), \
                  _mm_cmpgt_epi8(_mm_set1_epi8((char)((hi) + 1)), v))
    c->dash |= (uint64_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('-'))) << shift;
    c->digit |= (uint64_t)_mm_movemask_epi8(IN_RANGE('0', '9')) << shift;
    c->lower |= (uint64_t)_mm_movemask_epi8(IN_RANGE('a', 'f')) << shift;
    c->upper |= (uint64_t)_mm_movemask_epi8(IN_RANGE('A', 'F')) << shift;
#undef IN_RANGE
}
#endif

static void guid_classify(const char *s, struct guid_classes *c)
{
    memset(c, 0, sizeof(*c));
#if defined(__SSE2__)
    classify16(s, 0, c);
    classify16(s + 16, 16, c);
    classify16(s + 20, 20, c); /* bytes 20 to 35: the first twelve again, the same bits */
#else
    for (unsigned i = 0; i < M365_GUID_LEN; i++) {
        unsigned char ch = (unsigned char)s[i];
        uint64_t bit = 1ull << i;
        c->dash |= ch == '-' ? bit : 0;
        c->digit |= ch >= '0' && ch <= '9' ? bit : 0;
        c->lower |= ch >= 'a' && ch <= 'f' ? bit : 0;
        c->upper |= ch >= 'A' && ch <= 'F' ? bit : 0;
    }
#endif
}

/* Dashes at 8, 13, 18 and 23, hex digits of either case everywhere else. */
static bool classes_are_guid(const struct guid_classes *c)
{
    const uint64_t all = (1ull << M365_GUID_LEN) - 1;
    return c->dash == GUID_DASHES && (c->dash | c->digit | c->lower | c->upper) == all;
}

bool m365_is_guid(const char *s, size_t len)
{
    if (len != M365_GUID_LEN) {
        return false;
    }
    struct guid_classes c;
    guid_classify(s, &c);
    return classes_are_guid(&c);
}

bool m365_guid_check(const char *s, size_t len, bool *upper)
{
    if (len != M365_GUID_LEN) {
        return false;
    }
    struct guid_classes c;
    guid_classify(s, &c);
    if (!classes_are_guid(&c) || (c.lower && c.upper)) {
        return false; /* not a GUID so written; or letters in both cases, kept as written */
    }
    *upper = c.upper != 0;
    return true;
}

/* The four bytes eight hex digits at p spell, the first in the low byte (a dash among them
 * gives a byte of no use). A digit's value is its low four bits, plus 9 for a letter: '0'-'9'
 * are 0x30-0x39, the letters 0x41-0x46 and 0x61-0x66 (and '-', 0x2d, gives 13). */
static inline uint32_t hex8(const char *p)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w;
    memcpy(&w, p, 8);
    w = (w & 0x0f0f0f0f0f0f0f0full) + (w >> 6 & 0x0101010101010101ull) * 9; /* each under 16 */
    w = (w & 0x00ff00ff00ff00ffull) << 4 | (w >> 8 & 0x00ff00ff00ff00ffull); /* pairs */
    w = (w | w >> 8) & 0x0000ffff0000ffffull;
    return (uint32_t)(w | w >> 16);
#else
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) {
        unsigned char h = (unsigned char)p[2 * i], l = (unsigned char)p[2 * i + 1];
        v = v << 8 | ((h & 15u) + 9u * (h >> 6 & 1u)) << 4 | ((l & 15u) + 9u * (l >> 6 & 1u));
    }
    return v;
#endif
}

bool m365_guid_pack(const char *s, size_t len, uint8_t out[16], bool *upper)
{
    if (!m365_guid_check(s, len, upper)) {
        return false;
    }
    /* 8-4-4-4-12: eight digits at 0, four at 9, 14 and 19, twelve at 24 (as 24-31 and 28-35,
     * which overlap). Stores in place: the bytes in memory order either way. */
    uint32_t w[6] = {hex8(s), hex8(s + 9), hex8(s + 14), hex8(s + 19), hex8(s + 24), hex8(s + 28)};
    uint8_t b[6][4];
    for (int i = 0; i < 6; i++) {
        for (int j = 0; j < 4; j++) {
            b[i][j] = (uint8_t)(w[i] >> (8 * j));
        }
    }
    memcpy(out, b[0], 4);
    memcpy(out + 4, b[1], 2);
    memcpy(out + 6, b[2], 2);
    memcpy(out + 8, b[3], 2);
    memcpy(out + 10, b[4], 4);
    memcpy(out + 12, b[5], 4);
    return true;
}

void m365_guid_format(const uint8_t in[16], bool upper, char out[M365_GUID_LEN + 1])
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    memset(out, '-', M365_GUID_LEN);
    for (size_t k = 0; k < 16; k++) {
        out[guid_pair_at[k]] = digits[in[k] >> 4];
        out[guid_pair_at[k] + 1] = digits[in[k] & 15];
    }
    out[M365_GUID_LEN] = '\0';
}

bool m365_bytes_hold(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n && i + n <= len; i++) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

size_t m365_one_line(char *s)
{
    unsigned char *r = (unsigned char *)s, *w = r;
    while (*r) {
        if (*r < 0x20 || *r == 0x7f) {
            *w++ = '?';
            r++;
        } else if (r[0] == 0xc2 && r[1] == 0x85) {
            *w++ = '?';
            r += 2;
        } else if (r[0] == 0xe2 && r[1] == 0x80 && (r[2] == 0xa8 || r[2] == 0xa9)) {
            *w++ = '?';
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - (unsigned char *)s);
}

size_t m365_join_list(const char *const *items, size_t shown, size_t n, char *out, size_t size)
{
    size_t w = 0;
    if (size) {
        out[0] = '\0';
    }
    for (size_t i = 0; i < shown && w < size; i++) {
        bool last = i + 1 == shown && n == shown;
        w += (size_t)snprintf(out + w, size - w, "%s%s", i == 0 ? "" : last ? " and " : ", ",
                              items[i]);
    }
    if (n > shown && w < size) {
        w += (size_t)snprintf(out + w, size - w, " and %zu more", n - shown);
    }
    return w < size ? w : size ? size - 1 : 0;
}

/* Redacted exports repeat a character or two ("0000...", "aaaa...", "1111-...-6666"); 16 random
 * bytes in base64 or hex almost never use fewer than 6 distinct characters. v is ASCII. */
static bool varied(const char *v, size_t n)
{
    uint64_t seen[2] = {0, 0};
    int distinct = 0;
    for (size_t i = 0; i < n && distinct < 6; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch == '-' || ch == '=') {
            continue;
        }
        uint64_t bit = (uint64_t)1 << (ch & 63);
        if (!(seen[(ch >> 6) & 1] & bit)) {
            seen[(ch >> 6) & 1] |= bit;
            distinct++;
        }
    }
    return distinct >= 6;
}

/* An id of 16 to 128 characters, all of them in chars (ASCII), and not a placeholder. */
static bool id_usable(const char *v, const char *chars)
{
    size_t n = v ? strlen(v) : 0;
    return n >= 16 && n <= 128 && strspn(v, chars) == n && varied(v, n);
}

bool m365_token_usable(const char *v)
{
    return id_usable(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=");
}

bool m365_id_usable(const char *v)
{
    return id_usable(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_{}");
}
