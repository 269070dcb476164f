/* One form for the escapes of a JSON text (norm.h): two exports of one record write the same
 * strings with different escapes (a Purview search's AuditData escapes every '/'), and the
 * scan's de-duplication compares records' texts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "norm.h"

/* The four hex digits at p (before e) as a code unit; false when they are not there. */
static bool hex4(const char *p, const char *e, unsigned *out)
{
    if (e - p < 4) {
        return false;
    }
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int d = m365_hex_digit(p[i]);
        if (d < 0) {
            return false;
        }
        v = v << 4 | (unsigned)d;
    }
    *out = v;
    return true;
}

static char *put_u_escape(char *o, unsigned v)
{
    static const char hex[] = "0123456789abcdef";
    o[0] = '\\';
    o[1] = 'u';
    o[2] = hex[v >> 12 & 15];
    o[3] = hex[v >> 8 & 15];
    o[4] = hex[v >> 4 & 15];
    o[5] = hex[v & 15];
    return o + 6;
}

/* A code point as the canonical text writes it: the quote, the backslash and the control
 * characters escaped (short forms where JSON has them), everything else as UTF-8. */
static char *put_code_point(char *o, unsigned cp)
{
    static const char short_form[] = {['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r',
                                      ['\t'] = 't'};
    if (cp == '"' || cp == '\\') {
        *o++ = '\\';
        *o++ = (char)cp;
    } else if (cp < 0x20) {
        if (cp < sizeof(short_form) && short_form[cp]) {
            *o++ = '\\';
            *o++ = short_form[cp];
        } else {
            o = put_u_escape(o, cp);
        }
    } else {
        o += m365_utf8_put(cp, o);
    }
    return o;
}

/* The first escape that the canonical form writes otherwise ("\/" or "\u…"), or NULL. Other
 * escapes ("\"", "\\", "\n"…) are already in that form; each is stepped over whole, so the '/'
 * of "\\/" is not taken for an escape. */
static const char *first_to_rewrite(const char *p, const char *e)
{
    for (const char *b = memchr(p, '\\', (size_t)(e - p)); b && e - b >= 2;
         b = memchr(b + 2, '\\', (size_t)(e - b - 2))) {
        if (b[1] == '/' || b[1] == 'u') {
            return b;
        }
    }
    return NULL;
}

bool m365_json_escapes_canon(const char *p, size_t n, char *out, size_t *out_len)
{
    const char *e = p + n, *b = first_to_rewrite(p, e);
    if (!b) {
        return false;
    }
    memcpy(out, p, (size_t)(b - p));
    char *o = out + (b - p);
    const char *q = b;
    while (q < e) {
        b = memchr(q, '\\', (size_t)(e - q));
        if (!b) {
            memcpy(o, q, (size_t)(e - q));
            o += e - q;
            break;
        }
        memcpy(o, q, (size_t)(b - q));
        o += b - q;
        unsigned cp, lo;
        if (e - b < 2) { /* a lone backslash at the end */
            *o++ = '\\';
            break;
        }
        if (b[1] == '/') {
            *o++ = '/';
            q = b + 2;
        } else if (b[1] == 'u' && hex4(b + 2, e, &cp)) {
            q = b + 6;
            if (cp >= 0xd800 && cp < 0xdc00 && e - q >= 2 && q[0] == '\\' && q[1] == 'u' &&
                hex4(q + 2, e, &lo) && lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                q += 6;
            }
            /* A lone surrogate is no character: it keeps its escape, in lower case. */
            o = cp >= 0xd800 && cp < 0xe000 ? put_u_escape(o, cp) : put_code_point(o, cp);
        } else {
            memcpy(o, b, 2);
            o += 2;
            q = b + 2;
        }
    }
    *out_len = (size_t)(o - out);
    return true;
}
