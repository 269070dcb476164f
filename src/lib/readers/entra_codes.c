#include "entra_codes.h"

bool m365_entra_code_is_interrupt(int64_t code)
{
    switch (code) {
    case 16000: /* account selection */
    case 16001:
    case 16003:
    case 50058: /* silent sign-in without a session */
    case 50072: /* MFA enrolment required */
    case 50074: /* strong authentication required */
    case 50076:
    case 50079:
    case 50097: /* device authentication required */
    case 50125: /* password reset / registration interrupt */
    case 50129:
    case 50140: /* "keep me signed in" */
    case 50158: /* external security challenge */
    case 50199:
    case 81010:
    case 81012:
        return true;
    default:
        return false;
    }
}

enum m365_result m365_entra_code_result(int64_t code)
{
    if (code == 0) {
        return M365_RESULT_SUCCESS;
    }
    return m365_entra_code_is_interrupt(code) ? M365_RESULT_INTERRUPTED : M365_RESULT_FAILURE;
}
