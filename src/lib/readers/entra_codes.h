/* Entra sign-in result codes shared by readers and detections. */
#ifndef M365_ENTRA_CODES_H
#define M365_ENTRA_CODES_H
#include <stdbool.h>
#include <stdint.h>

#include "m365hunt/event.h"

/* Codes that interrupt a sign-in for more user interaction (MFA, KMSI, consent) rather than
 * failing it. */
bool m365_entra_code_is_interrupt(int64_t code);
/* Result for a sign-in error code (0 = success). */
enum m365_result m365_entra_code_result(int64_t code);
#endif
