#include "mail_util.h"

#include <string.h>

#include "../core/norm.h"
#include "../engine/detect.h"
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

const char *m365_mail_box(struct m365_dctx *dc, const struct m365_event *ev)
{
    const char *box = ev->mail ? ev->mail->mailbox_upn : NULL;
    const char *named =
        box && ev->kind == M365_EV_GRAPH_REQUEST ? m365_dctx_upn_of_id(dc, box) : NULL;
    return named ? named : box;
}

const char *m365_graph_caller(struct m365_dctx *dc, const struct m365_event *ev)
{
    if (ev->kind != M365_EV_GRAPH_REQUEST || ev->actor_type != M365_ACTOR_USER || !ev->actor_id) {
        return NULL;
    }
    const char *upn = m365_dctx_upn_of_id(dc, ev->actor_id);
    return upn ? upn : ev->actor_id;
}

void m365_mail_reads_needed(struct m365_dctx *dc)
{
    if (!m365_dctx_has_kind(dc, M365_EV_MAIL_ACCESS) &&
        !m365_dctx_has_kind(dc, M365_EV_GRAPH_REQUEST)) {
        m365_dctx_not_evaluated(dc, "needs MailItemsAccessed records (Audit Premium: E5 or the "
                                    "add-on) or Microsoft Graph activity logs; the evidence "
                                    "holds neither");
    }
}
