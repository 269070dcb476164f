#include "json_out.h"

#include <string.h>

#include "m365hunt/event.h"
#include "m365hunt/scan.h"

size_t m365_utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0x80) {
        return 1;
    }
    size_t need;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < need) {
        return 0;
    }
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (need == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
        return 0;
    }
    return need;
}

void m365_json_str(struct m365_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    m365_buf_putc(b, '"');
    size_t run = 0; /* bytes copied verbatim in one go */
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7f) {
            run++;
            i++;
            continue;
        }
        size_t seq = c >= 0x80 ? m365_utf8_seq(p + i, len - i) : 0;
        if (seq > 1) {
            /* U+2028/U+2029 break JavaScript string literals; escape them for HTML reports. */
            if (seq == 3 && c == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
                m365_buf_append(b, s + i - run, run);
                run = 0;
                m365_buf_puts(b, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
                i += 3;
                continue;
            }
            run += seq;
            i += seq;
            continue;
        }
        m365_buf_append(b, s + i - run, run);
        run = 0;
        switch (c) {
        case '"': m365_buf_puts(b, "\\\""); break;
        case '\\': m365_buf_puts(b, "\\\\"); break;
        case '\n': m365_buf_puts(b, "\\n"); break;
        case '\r': m365_buf_puts(b, "\\r"); break;
        case '\t': m365_buf_puts(b, "\\t"); break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                m365_buf_append(b, u, 6);
            } else {
                m365_buf_puts(b, "\\ufffd"); /* invalid UTF-8 byte */
            }
        }
        i++;
    }
    m365_buf_append(b, s + len - run, run);
    m365_buf_putc(b, '"');
}

void m365_json_cstr(struct m365_buf *b, const char *s)
{
    if (!s) {
        m365_buf_puts(b, "null");
    } else {
        m365_json_str(b, s, strlen(s));
    }
}

void m365_json_key(struct m365_buf *b, int *first, const char *key)
{
    if (!*first) {
        m365_buf_putc(b, ',');
    }
    *first = 0;
    m365_json_cstr(b, key);
    m365_buf_putc(b, ':');
}

void m365_json_time(struct m365_buf *b, int64_t ms)
{
    if (ms == M365_TIME_NONE) {
        m365_buf_puts(b, "null");
        return;
    }
    char t[40];
    m365_format_time(ms, t, sizeof(t));
    m365_buf_putc(b, '"');
    m365_buf_puts(b, t);
    m365_buf_putc(b, '"');
}

void m365_json_cstr_array(struct m365_buf *b, const char *const *v, size_t n)
{
    m365_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) {
            m365_buf_putc(b, ',');
        }
        m365_json_cstr(b, v[i]);
    }
    m365_buf_putc(b, ']');
}
