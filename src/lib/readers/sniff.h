/* Format detection helpers: the top-level keys of the first JSON record in a file's first bytes,
 * looking through a top-level array and through {"value":[…]} / {"records":[…]} / {"Results":[…]}
 * wrappers (json_records.h). */
#ifndef M365_SNIFF_H
#define M365_SNIFF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define M365_SNIFF_MAX_KEYS 96

struct m365_sniff_keys {
    unsigned n;
    /* One bit per key, picked by its lower-case spelling's hash: a name whose bit is clear is
     * not among the keys (each format's sniffer asks for a dozen names, mostly absent). */
    uint64_t seen;
    char keys[M365_SNIFF_MAX_KEYS][48]; /* truncated keys are ignored */
    const char *wrapper;                /* "value", "records", "Results" or NULL */
    bool in_array;                      /* records inside a top-level array */
};

/* False when the text does not start with a JSON object or array. */
bool m365_sniff_json_keys(const char *head, size_t len, struct m365_sniff_keys *out);
bool m365_sniff_keys_has(const struct m365_sniff_keys *k, const char *key);
/* As m365_sniff_keys_has, the letters' case aside: Graph's camelCase keys and the PascalCase
 * the Graph PowerShell SDK's objects have once ConvertTo-Json writes them. */
bool m365_sniff_keys_has_any_case(const struct m365_sniff_keys *k, const char *key);
/* No key, no wrapper. */
void m365_sniff_keys_clear(struct m365_sniff_keys *k);
/* Appends key[0..len) (len under 48, room left). */
void m365_sniff_keys_add(struct m365_sniff_keys *k, const char *key, size_t len);
/* False when no key is `key` in any case; true when one may be. */
bool m365_sniff_keys_maybe(const struct m365_sniff_keys *k, const char *key);
#endif
