/* Text as spreadsheets leave it: Windows-1252, as Excel's "CSV (Comma delimited)" and Windows
 * PowerShell's "-Encoding Default" write it on Western-European systems, turned into UTF-8; cells
 * cut at the most a spreadsheet cell holds. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "json_out.h"
#include "norm.h"

/* The code points of bytes 0x80..0x9F; the five bytes Windows-1252 leaves undefined keep their
 * C1 control code points, as Windows itself maps them. */
static const unsigned short c1[32] = {
    0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
    0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

bool m365_cp1252_likely(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    bool invalid = false;
    for (size_t i = 0; i < n;) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!(w & 0x8080808080808080ull)) {
                i += 8; /* nearly all log text is ASCII: a word at a time */
                continue;
            }
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t seq = m365_utf8_seq(p + i, n - i);
        if (seq > 1) {
            return false; /* UTF-8 text with a broken byte stays what it is */
        }
        invalid = true;
        i++;
    }
    return invalid;
}

size_t m365_cp1252_to_utf8(const char *s, size_t n, char *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        o += m365_utf8_put(p[i] >= 0x80 && p[i] < 0xa0 ? c1[p[i] - 0x80] : p[i], out + o);
    }
    return o;
}

bool m365_spreadsheet_cell_full(const char *s, size_t n)
{
    if (n < M365_SPREADSHEET_CELL || n > 4 * (size_t)M365_SPREADSHEET_CELL) {
        return false; /* a UTF-16 unit is one to three bytes of UTF-8, a pair four */
    }
    const unsigned char *p = (const unsigned char *)s;
    size_t units = 0;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x80) {
            units++;
            i++;
            continue;
        }
        size_t seq = m365_utf8_seq(p + i, n - i);
        if (seq <= 1) {
            return n == M365_SPREADSHEET_CELL; /* Windows-1252: a character per byte */
        }
        units += seq == 4 ? 2 : 1; /* beyond the BMP: a surrogate pair */
        i += seq;
    }
    return units == M365_SPREADSHEET_CELL;
}
