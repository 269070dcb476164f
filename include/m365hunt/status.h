/* m365hunt — status codes returned by every fallible library function.
 * Values are public API: numbered explicitly, never renumbered. */
#ifndef M365HUNT_STATUS_H
#define M365HUNT_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

enum m365_status {
    M365_OK = 0,
    M365_E_NOMEM = 1,   /* allocation failed */
    M365_E_IO = 2,      /* a file could not be opened, read or written */
    M365_E_PARSE = 3,   /* malformed input (record-level problems are diagnostics, not this) */
    M365_E_LIMIT = 4,   /* a configured limit was hit */
    M365_E_CONFIG = 5,  /* invalid option or configuration value */
    M365_E_USAGE = 6,   /* API misuse or unknown name */
    M365_E_FORMAT = 7,  /* input matches no known evidence format */
    M365_E_EOF = 8,     /* no more data (internal iteration) */
    M365_E_INTERNAL = 9 /* broken invariant */
};

/* Generic English text for a status; never NULL. */
const char *m365_status_str(enum m365_status st);

#ifdef __cplusplus
}
#endif
#endif
