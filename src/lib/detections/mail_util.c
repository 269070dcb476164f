#include "mail_util.h"

#include <string.h>

#include "../core/norm.h"
#include "m365_ids.h"

const char *m365_mail_client(const struct m365_event *ev)
{
    return ev->client_app_id ? ev->client_app_id : ev->app_id;
}

bool m365_mail_is_app(const struct m365_event *ev)
{
    const char *c = m365_mail_client(ev);
    return c && !m365_first_party_app(c);
}

const char *m365_mail_path(const struct m365_event *ev)
{
    if (ev->kind == M365_EV_GRAPH_REQUEST) {
        return "Graph";
    }
    const char *ci = ev->mail ? ev->mail->client_info : NULL;
    if (!ci) {
        return "other";
    }
    if (m365_icontains(ci, "Client=WebServices") || m365_icontains(ci, "ExchangeWebServices")) {
        return "EWS";
    }
    if (m365_icontains(ci, "Client=REST")) {
        return "REST";
    }
    if (m365_icontains(ci, "Client=OWA")) {
        return "OWA";
    }
    if (m365_icontains(ci, "Client=MSExchangeRPC") || m365_icontains(ci, "Outlook")) {
        return m365_icontains(ci, "OutlookService") ? "mobile" : "Outlook";
    }
    return "other";
}

bool m365_mail_not_owner(const struct m365_event *ev)
{
    const struct m365_mail_access *m = ev->mail;
    if (!m) {
        return false;
    }
    if (m->logon_user_sid && m->mailbox_owner_sid) {
        return strcmp(m->logon_user_sid, m->mailbox_owner_sid) != 0;
    }
    return m->logon_type > 0;
}

uint64_t m365_mail_items(const struct m365_event *ev)
{
    if (!ev->mail || ev->kind == M365_EV_GRAPH_REQUEST) {
        return 0;
    }
    if (ev->mail->n_items) {
        return ev->mail->n_items;
    }
    return ev->mail->operation_count ? ev->mail->operation_count : 1;
}
