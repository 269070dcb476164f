/* Shared facts for the identity detections (dormant MFA registration, hosting sign-ins,
 * anomalous sign-in locations): where an address is on the Internet and how far apart two
 * sign-ins are. */
#ifndef M365_IDENTITY_UTIL_H
#define M365_IDENTITY_UTIL_H
#include <stdbool.h>
#include <stdint.h>

#include "../core/map.h"
#include "m365hunt/event.h"

struct m365_buf;
struct m365_dctx;
struct m365_ipinfo;

/* The autonomous system of an event's address: from --asn-db when it knows the address, else
 * from the sign-in record itself (Graph beta / SigninLogs autonomousSystemNumber); 0 if unknown. */
uint32_t m365_id_event_asn(const struct m365_event *ev, const struct m365_ipinfo *ii);

/* The address belongs to a hosting / cloud provider: --ip-ranges, a hosting ASN from --asn-db,
 * or (only when one of those is loaded) a hosting ASN named by the sign-in record. *why gets a
 * short label ("AzureCloud.eastus", "AS8075"), interned or static. */
bool m365_id_hosting(struct m365_dctx *dc, const struct m365_event *ev,
                     const struct m365_ipinfo *ii, const char **why);

/* A client whose sign-ins Microsoft's own cloud makes for the user (Outlook for iOS / Android
 * syncs through a Microsoft service), so their address is Microsoft's, not the user's. */
bool m365_id_brokered_client(const struct m365_event *ev);

/* Microsoft's own autonomous systems (MSN, Microsoft Corporation's regional ones, Azure). */
bool m365_id_microsoft_asn(uint32_t asn);

/* Great-circle distance in kilometres. */
double m365_id_km(double lat1, double lon1, double lat2, double lon2);

/* Coordinates that mean something (sign-in logs write 0,0 when they have none). */
bool m365_id_has_geo(const struct m365_event *ev);

/* The tenant's shared networks: the accounts signing in successfully from each /24 or /64
 * outside the cloud. One that M365_ID_SHARED_ACCOUNTS or more accounts besides a user sign in
 * from is the office, not a place new to the user or an intruder's. */
#define M365_ID_SHARED_ACCOUNTS 3
/* Counts upn on the address's network (a hosting address counts nowhere). */
void m365_id_shared_add(struct m365_distinct *d, const struct m365_ipinfo *ii, const char *upn);
/* Whether the network (a prefix from struct m365_ipinfo) is shared by others than upn. */
bool m365_id_shared_by_others(const struct m365_distinct *d, const char *net, const char *upn);

/* An administrator onboarding a colleague works from the office: the records that made an
 * account and gave it a role come from a network other accounts sign in from. An intruder making
 * a backdoor account works from their own address (a VM, a proxy exit) and uses the account at
 * once, often from a VM. Judged once every sign-in is in. */
struct m365_id_office {
    struct m365_distinct shared; /* the tenant's shared networks (m365_id_shared_add) */
    struct m365_distinct failed; /* network -> accounts whose password failed from it */
    struct m365_map hosted;      /* watched account -> 1: signed in from a hosting address */
};
/* How long a new account is watched: its first days, when a colleague is being set up and an
 * intruder puts a backdoor account to use. */
#define M365_ID_ONBOARDING_MS (48 * M365_HOUR_MS)
/* Feed every event; sign-ins count. created: when the actor was created in the evidence (it is
 * watched for M365_ID_ONBOARDING_MS from then), or M365_TIME_NONE. */
void m365_id_office_signin(struct m365_dctx *dc, struct m365_id_office *o,
                           const struct m365_event *ev, int64_t created);
/* The record was made by a user from a network at least M365_ID_SHARED_ACCOUNTS other accounts
 * sign in from, and fewer accounts failed their password from than succeeded (a spray that
 * guessed a few is no office): *net gets it. */
bool m365_id_office_made(struct m365_dctx *dc, const struct m365_id_office *o,
                         const struct m365_event *ev, const char **net);
/* The watched account signed in from a hosting address in its first days (true as well when
 * there is no UPN to find its sign-ins by). */
bool m365_id_office_hosted(const struct m365_id_office *o, const char *upn);
/* An onboarding at the office: the record that made the account (upn) and every record for it
 * (evs) made at the office (m365_id_office_made), and the account not used from a cloud host in
 * its first days. The network it was made from, or NULL. */
const char *m365_id_office_onboarding(struct m365_dctx *dc, const struct m365_id_office *o,
                                      const struct m365_event *made,
                                      const struct m365_event *const *evs, size_t n,
                                      const char *upn);
/* The accounts signing in from an office network. */
size_t m365_id_office_accounts(const struct m365_id_office *o, const char *net);
/* A finding's details keys for the office it was made at: office_network, office_accounts. */
void m365_id_office_details(struct m365_buf *d, int *first, const struct m365_id_office *o,
                            const char *net);
void m365_id_office_free(struct m365_id_office *o);
#endif
