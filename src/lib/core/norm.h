/* Normalisation of the values every log spells differently. Pure functions, no allocation. */
#ifndef M365_NORM_H
#define M365_NORM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "m365hunt/event.h"

/* Parse any timestamp form found in M365 / Entra exports into UTC milliseconds:
 * ISO-8601 with or without zone or fraction (up to 9 digits, "T" or space), UAL's zone-less
 * UTC times, Purview "9/26/2023 1:56:15 AM", Log Analytics portal "4/28/2021, 2:08:45.221 PM",
 * 24-hour "M/D/YYYY HH:MM:SS". Surrounding spaces and quotes are ignored.
 * Returns 0 on success, -1 when the text is not a valid time. */
int m365_time_parse(const char *s, size_t len, int64_t *out_ms);

/* The hour an Azure Monitor storage blob holds, from its path as diagnostic settings name it
 * (".../y=2024/m=01/d=15/h=10/m=00/PT1H.json", a trailing ".gz" allowed): its first
 * millisecond, UTC. false for any other path. The blob holds that hour's records, so it covers
 * the whole hour, whatever times its first and last records carry. */
bool m365_path_hour(const char *path, int64_t *start_ms);
/* A span [*first, *last] (ms) widened to hold the whole hour that starts at `hour`. */
static inline void m365_span_hold_hour(int64_t hour, int64_t *first, int64_t *last)
{
    const int64_t end = hour + M365_HOUR_MS - 1;
    *first = hour < *first ? hour : *first;
    *last = end > *last ? end : *last;
}

/* Days since 1970-01-01 for a proleptic Gregorian date. */
int64_t m365_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Inverse of the above for a UTC millisecond time. */
void m365_civil_from_ms(int64_t ms, int *y, int *mo, int *d, int *h, int *mi, int *s, int *msec);
/* v as `width` decimal digits at p, zero-padded (v must fit them); returns p + width. For the
 * fields of a time written without printf. */
static inline char *m365_put_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* Bare canonical address from the forms logs use: "1.2.3.4:5678", "[2a01::1]:443", "::ffff:1.2.3.4",
 * "fe80::1%eth0". Writes a NUL-terminated string into out (cap >= 46) and returns its length;
 * returns 0 when the value is absent ("", "<null>", "null", "Not Available") or not an address. */
size_t m365_ip_normalise(const char *s, size_t len, char *out, size_t cap);

/* Operation name normalisation: surrounding spaces and trailing periods trimmed, runs of white
 * space collapsed to one space, en dash / em dash / minus sign turned into '-'.
 * Returns the length written (out is NUL-terminated; cap >= len + 1 is always enough). */
size_t m365_op_normalise(const char *s, size_t len, char *out, size_t cap);

/* ASCII case-insensitive comparisons. */
bool m365_ieq(const char *a, const char *b);
/* m365_ieq behind a test of the first byte, which tells most pairs apart without a call (for
 * look-ups run on every event). Two bytes equal but for ASCII case differ at most in 0x20. */
static inline bool m365_ieq_quick(const char *a, const char *b)
{
    return a && b && ((unsigned char)a[0] | 0x20) == ((unsigned char)b[0] | 0x20) &&
           m365_ieq(a, b);
}
bool m365_ieqn(const char *a, size_t alen, const char *b);
/* The value of a hex digit of either case, or -1. */
static inline int m365_hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
        return (c | 0x20) - 'a' + 10;
    }
    return -1;
}
bool m365_istarts(const char *s, const char *prefix);
bool m365_icontains(const char *hay, const char *needle);
/* Whether `needle` occurs in the bytes hay[0..len) (which may hold NULs: a file's first bytes). */
bool m365_bytes_hold(const char *hay, size_t len, const char *needle);

/* GUIDs as the logs write record ids: 8-4-4-4-12 hex digits, 36 characters. */
#define M365_GUID_LEN 36
/* Whether s is a GUID so written, letters of either case, mixed included. */
bool m365_is_guid(const char *s, size_t len);
/* A token id as Entra writes them (uniqueTokenIdentifier, SignInActivityId: base64url, 22
 * characters today), not a placeholder of zeros or a redacted value, which many records share
 * and which ties none of them together. Compared exactly: base64 is case-sensitive. */
bool m365_token_usable(const char *v);
/* A session or tenant id (Entra sessionId, AppAccessContext.AADSessionId, Exchange SessionId,
 * OrganizationId: GUIDs), not a placeholder ("ANONYMIZED", the empty GUID, "1111...-6666...")
 * that an anonymised export writes into every record and which would make all of them one. */
bool m365_id_usable(const char *v);
/* A finding's summary made one line, in place: control characters, NEL and U+2028/U+2029 (from
 * names in the logs) become '?', as on a terminal. Returns the new length. */
size_t m365_one_line(char *s);
/* The first `shown` of n items joined as a summary lists them into out: "A", "A and B",
 * "A, B and C"; when n > shown, "A, B and 3 more". Returns the length written (cut to size). */
size_t m365_join_list(const char *const *items, size_t shown, size_t n, char *out, size_t size);
/* Whether s is a GUID so written, its letters all lower or all upper case (*upper says which);
 * false for anything else (mixed case, braces, other lengths), which stays text. */
bool m365_guid_check(const char *s, size_t len, bool *upper);
/* m365_guid_check, and the 16 bytes the GUID spells into out. */
bool m365_guid_pack(const char *s, size_t len, uint8_t out[16], bool *upper);
/* The text m365_guid_pack read, exactly: 36 characters and a NUL. */
void m365_guid_format(const uint8_t in[16], bool upper, char out[M365_GUID_LEN + 1]);

/* Code point cp (at most U+10FFFF) as UTF-8 at o, 1 to 4 bytes; returns how many. */
static inline size_t m365_utf8_put(unsigned cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Text that is not UTF-8 but reads as Windows-1252: bytes over 0x7F, none of them starting a
 * valid UTF-8 sequence (UTF-8 with a broken byte is not taken for it). */
bool m365_cp1252_likely(const char *s, size_t n);
/* s as UTF-8 into out (room for 3 * n bytes); returns the bytes written. */
size_t m365_cp1252_to_utf8(const char *s, size_t n, char *out);

/* The most characters a spreadsheet cell holds (Excel, LibreOffice Calc): a longer value of a
 * CSV file opened and saved in one comes out cut at this length. */
#define M365_SPREADSHEET_CELL 32767
/* Whether text is exactly M365_SPREADSHEET_CELL characters long, counted as Excel does (UTF-16
 * units; one per byte for text that is not UTF-8, read as Windows-1252). */
bool m365_spreadsheet_cell_full(const char *s, size_t n);

/* The text of a JSON value with its string escapes in one form, so that two exports of one
 * record compare equal: "\/" becomes "/", and "\uXXXX" (a surrogate pair: both) the character as
 * UTF-8, or for a quote, a backslash or a control character its short escape ("\"", "\\",
 * "\n"; "\u00xx" in lower case where JSON has none). Other escapes and all other bytes are kept;
 * text that is not JSON is rewritten only where it reads as such. The canonical text is never
 * longer: out has room for n bytes. False, out untouched, when p is in that form already. */
bool m365_json_escapes_canon(const char *p, size_t n, char *out, size_t *out_len);

/* Parse an integer in [min,max] from text (surrounding spaces and quotes allowed). */
int m365_parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);
#endif
