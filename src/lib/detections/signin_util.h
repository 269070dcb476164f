/* Shared sign-in facts for identity detections. */
#ifndef M365_SIGNIN_UTIL_H
#define M365_SIGNIN_UTIL_H
#include <stdbool.h>

#include "m365hunt/event.h"

/* The legacy protocol behind a sign-in (IMAP4, POP3, Authenticated SMTP, Exchange ActiveSync,
 * …), or NULL for modern authentication. Covers Entra clientAppUsed and the UAL's basic-auth
 * user agents (BAV2ROPC). */
const char *m365_signin_legacy_protocol(const struct m365_event *ev);

/* Error codes meaning a wrong password or probing (50126, 50053, 50056, 50034, 50057, 50064,
 * 50055). */
bool m365_signin_is_bad_password(const struct m365_event *ev);
/* The password was right though the sign-in did not complete (MFA required, CA block, expired
 * password): 50072, 50074, 50076, 50079, 50158, 53000, 53001, 53003, 50055 — and plain success. */
bool m365_signin_password_correct(const struct m365_event *ev);
/* A user's sign-in (not a service principal's or a managed identity's). */
bool m365_signin_is_user(const struct m365_event *ev);

/* How a sign-in's identity was proved, from the methods its succeeded authentication steps
 * name (Entra authenticationDetails): M365_PROOF_UNKNOWN when the record lists none (the UAL,
 * Graph v1.0 without the steps), M365_PROOF_TOKEN when every one is "Previously satisfied"
 * (single sign-on with a token made earlier, on the device holding it), M365_PROOF_TYPED when
 * a password, an MFA method or another credential was given there. The portal's CSV download
 * names the MFA step's method alone: never M365_PROOF_TOKEN from it. */
enum m365_signin_proof { M365_PROOF_UNKNOWN, M365_PROOF_TOKEN, M365_PROOF_TYPED };
enum m365_signin_proof m365_signin_proof(const struct m365_event *ev);
#endif
