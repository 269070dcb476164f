/* Shared mailbox-access facts for the collection rules. */
#ifndef M365_MAIL_UTIL_H
#define M365_MAIL_UTIL_H
#include <stdbool.h>
#include <stdint.h>

#include "m365hunt/event.h"

/* The OAuth client behind a mailbox access: ClientAppId, else AppId; NULL when the record names
 * none (Outlook desktop over MAPI). Lower-case ids as the readers intern them may differ in
 * case between sources: compare with m365_ieq. */
const char *m365_mail_client(const struct m365_event *ev);
/* An application that is not one of Microsoft's own clients (Outlook, OWA, mobile, Teams…). */
bool m365_mail_is_app(const struct m365_event *ev);
/* The access path from ClientInfoString: "EWS", "REST" (Graph / REST), "OWA", "Outlook",
 * "mobile" or "other". */
const char *m365_mail_path(const struct m365_event *ev);
/* Someone other than the owner's own session read it (LogonUserSid differs from
 * MailboxOwnerSid, or a delegate / admin logon type). */
bool m365_mail_not_owner(const struct m365_event *ev);
/* Items the record stands for: FolderItems, else OperationCount, else 1; none for a Graph
 * request, which names the mailbox it read, not how many messages. */
uint64_t m365_mail_items(const struct m365_event *ev);

struct m365_dctx;
/* The mailbox a record read. A Graph request names it by UPN or by its owner's object id: an
 * id goes by the UPN the evidence or the tenant snapshot gives it (m365_dctx_upn_of_id), else
 * stays as written. NULL when the record names no mailbox. */
const char *m365_mail_box(struct m365_dctx *dc, const struct m365_event *ev);
/* Who made a Graph request with a user's token: the UPN the caller's object id goes by, else
 * the id. NULL for any other record, and for an app-only request (its caller is the service
 * principal). */
const char *m365_graph_caller(struct m365_dctx *dc, const struct m365_event *ev);
/* Marks the rule not evaluated when the evidence holds neither MailItemsAccessed records nor
 * the Graph activity log, the two logs that show mail reads. */
void m365_mail_reads_needed(struct m365_dctx *dc);
#endif
