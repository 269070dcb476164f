#include "signin_util.h"

#include <string.h>

#include "../core/norm.h"

const char *m365_signin_legacy_protocol(const struct m365_event *ev)
{
    static const char *const legacy[] = {
        "IMAP4", "POP3", "Authenticated SMTP", "Exchange ActiveSync", "MAPI Over HTTP",
        "Exchange Web Services", "Other clients", "AutoDiscover", "Outlook Anywhere (RPC over HTTP)",
        "Offline Address Book", "Exchange Online PowerShell", "Reporting Web Services",
        "Universal Outlook"};
    if (ev->client_app_used) {
        for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
            if (m365_ieq_quick(ev->client_app_used, legacy[i])) {
                return legacy[i];
            }
        }
        return NULL;
    }
    /* UAL sign-ins carry no clientAppUsed: basic authentication shows in the user agent. */
    if (ev->user_agent && m365_istarts(ev->user_agent, "BAV2ROPC")) {
        return "Basic authentication (BAV2ROPC)";
    }
    return NULL;
}

bool m365_signin_is_bad_password(const struct m365_event *ev)
{
    switch (ev->error_code) {
    case 50126:
    case 50053:
    case 50056:
    case 50034:
    case 50057:
    case 50064:
    case 50055:
        return true;
    default:
        return false;
    }
}

bool m365_signin_password_correct(const struct m365_event *ev)
{
    if (ev->result == M365_RESULT_SUCCESS) {
        return true;
    }
    switch (ev->error_code) {
    case 50072:
    case 50074:
    case 50076:
    case 50079:
    case 50158:
    case 53000:
    case 53001:
    case 53003:
    case 50055:
        return true;
    default:
        return false;
    }
}

bool m365_signin_is_user(const struct m365_event *ev)
{
    return ev->kind == M365_EV_SIGNIN && ev->actor_type == M365_ACTOR_USER &&
           ev->log_source != M365_LOG_SIGNIN_SERVICE_PRINCIPAL &&
           ev->log_source != M365_LOG_SIGNIN_MANAGED_IDENTITY && (ev->actor_upn || ev->actor_id);
}

enum m365_signin_proof m365_signin_proof(const struct m365_event *ev)
{
    enum m365_signin_proof proof = M365_PROOF_UNKNOWN;
    for (uint32_t i = 0; i < ev->n_extra; i++) {
        const struct m365_kv *kv = &ev->extra[i];
        if (!kv->name || !kv->value || strcmp(kv->name, "authenticationMethod") != 0) {
            continue;
        }
        if (!m365_ieq(kv->value, "Previously satisfied")) {
            return M365_PROOF_TYPED;
        }
        proof = M365_PROOF_TOKEN;
    }
    /* The portal's CSV download names one method, the MFA step's: "Previously satisfied" there
     * says nothing of the password. */
    if (proof == M365_PROOF_TOKEN && ev->reader && strcmp(ev->reader, "entra-csv") == 0) {
        return M365_PROOF_UNKNOWN;
    }
    return proof;
}
