/* Writing JSON text: strings are escaped for JSON, with invalid UTF-8 replaced by U+FFFD and
 * every control character escaped, so attacker-controlled log text stays inert. */
#ifndef M365_JSON_OUT_H
#define M365_JSON_OUT_H
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when the bytes are not valid UTF-8
 * (overlong forms, surrogates and code points past U+10FFFF included). */
size_t m365_utf8_seq(const unsigned char *p, size_t n);

/* Quoted, escaped string. */
void m365_json_str(struct m365_buf *b, const char *s, size_t len);
/* As above for a NUL-terminated string; NULL writes null. */
void m365_json_cstr(struct m365_buf *b, const char *s);
/* A JSON array of the strings, in the order given. */
void m365_json_cstr_array(struct m365_buf *b, const char *const *v, size_t n);
/* "key": (with a leading comma when *first is 0; sets *first to 0). */
void m365_json_key(struct m365_buf *b, int *first, const char *key);
/* ISO-8601 UTC time string with milliseconds, or null for M365_TIME_NONE. */
void m365_json_time(struct m365_buf *b, int64_t ms);
#endif
