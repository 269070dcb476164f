/* mail-forwarding: a phished user's session is replayed from abroad; the attacker forwards mail
 * out with an inbox rule, mailbox forwarding and an Outlook (MAPI) rule, and shares the inbox
 * with everyone in the organisation. */
#include <stdio.h>

#include "sim.h"

void sim_plan_mail_forwarding(struct sim *s, struct sim_rng *r, int64_t from, int64_t to)
{
    static const char *const sc = "mail-forwarding";
    static const char *const providers[] = {"protonmail.com", "gmail.com", "outlook.com",
                                            "yandex.com", "gmx.com"};
    static const char *const boxes[] = {"invoices.desk", "accounts.payable", "ap.team",
                                        "finance.ops", "billing.dept"};
    uint32_t u = scn_pick(s, r, (1u << R_STAFF) | (1u << R_EXEC), -1);
    if (u == SIM_NONE) {
        return;
    }
    const struct sim_user *us = &s->users[u];
    uint16_t ip = sim_ip_pool(s, r, IPK_TRAVEL);
    s->ips[ip].kind = IPK_PROXY;
    /* One draw per statement: argument order is unspecified in C. */
    const char *box = boxes[sim_below(r, 5)];
    unsigned num = 10 + sim_below(r, 89);
    const char *provider = providers[sim_below(r, 5)];
    const char *ext = sim_printf(s, "%s%u@%s", box, num, provider);
    const char *ext_domain = strchr(ext, '@') + 1;
    int64_t day = scn_day(s, from, to, 0.5);
    int64_t t = sim_local(s, day, 3.0 + 3.0 * sim_unit(r));
    uint64_t sess = sim_key(r);

    int32_t g1 = scn_step(s, sc, 1, "Phished session replayed from abroad",
                          "The user's stolen session (MFA satisfied by the token's claim) is used "
                          "for Outlook on the web from another country.",
                          "anomalous-signin-location");
    scn_signin(s, r, g1, t, u, A_OWA, A_EXO, ip, 0, SC_BROWSER, DEV_ATTACK_CHROME, AU_CLAIM, true,
               sess);

    int32_t g2 = scn_step(s, sc, 2, "Inbox rule forwarding payment mail outside",
                          "New-InboxRule from Outlook on the web: mail about invoices and payments "
                          "is forwarded to an external address, marked read and hidden.",
                          "mail-forwarding-rule");
    t += sim_range(r, 2, 9) * SIM_MIN_MS;
    struct sim_cmdlet *c = sim_cmdlet_new(&s->arena, "New-InboxRule", u, ip, 7);
    if (!c) {
        return;
    }
    c->app_id = "00000002-0000-0ff1-ce00-000000000000";
    c->params[0] = (struct sim_kv){"AlwaysDeleteOutlookRulesBlob", "False"};
    c->params[1] = (struct sim_kv){"Force", "False"};
    c->params[2] = (struct sim_kv){"ForwardTo", ext};
    c->params[3] = (struct sim_kv){"Name", "."};
    c->params[4] = (struct sim_kv){"SubjectOrBodyContainsWords", "invoice;payment;wire transfer"};
    c->params[5] = (struct sim_kv){"MarkAsRead", "True"};
    c->params[6] = (struct sim_kv){"MoveToFolder", "RSS Feeds"};
    c->object_id = sim_exo_object(s, &s->arena, sim_printf(s, "%s\\.", us->id));
    struct sim_ev *e = scn_cmdlet(s, r, g2, t, c);
    if (e) {
        e->sess = sess;
    }
    sim_truth_mailbox(s, g2, u);
    sim_truth_ent(s, g2, ENT_DOMAINS, ext_domain);

    int32_t g3 = scn_step(s, sc, 3, "Mailbox forwarding to an external address",
                          "Set-Mailbox ForwardingSmtpAddress smtp:<external>, keeping a copy.",
                          "mail-forwarding-rule");
    t += sim_range(r, 2, 10) * SIM_MIN_MS;
    c = sim_cmdlet_new(&s->arena, "Set-Mailbox", u, ip, 3);
    if (!c) {
        return;
    }
    c->app_id = "00000002-0000-0ff1-ce00-000000000000";
    c->params[0] = (struct sim_kv){"Identity", us->upn};
    c->params[1] = (struct sim_kv){"ForwardingSmtpAddress", sim_printf(s, "smtp:%s", ext)};
    c->params[2] = (struct sim_kv){"DeliverToMailboxAndForward", "True"};
    c->object_id = sim_exo_object(s, &s->arena, us->id);
    e = scn_cmdlet(s, r, g3, t, c);
    if (e) {
        e->sess = sess;
    }
    s->users[u].forwarding = c->params[1].value;
    sim_truth_mailbox(s, g3, u);
    sim_truth_ent(s, g3, ENT_DOMAINS, ext_domain);

    int32_t g4 = scn_step(s, sc, 4, "Outlook rule forwarding mail",
                          "UpdateInboxRules from a MAPI client: a rule whose action forwards "
                          "every message to the external address.",
                          "mail-forwarding-rule");
    t += sim_range(r, 30, 120) * SIM_MIN_MS;
    struct sim_kv *p = sim_kvs(&s->arena, 6);
    if (!p) {
        return;
    }
    p[0] = (struct sim_kv){"RuleOperation", "AddMailboxRule"};
    p[1] = (struct sim_kv){"RuleName", "Sync"};
    p[2] = (struct sim_kv){"RuleState", "Enabled"};
    p[3] = (struct sim_kv){"RuleCondition", "{(Exists(ItemClass))}"};
    p[4] = (struct sim_kv){"RuleProvider", "RuleOrganizer"};
    p[5] = (struct sim_kv){"RuleActions",
                           sim_printf(s,
                                      "[{\"ActionType\":\"Forward\",\"Recipients\":[\"%s\"],"
                                      "\"ForwardFlags\":\"None\"}]",
                                      ext)};
    scn_item(s, r, g4, t, u, ip, MC_RPC, "UpdateInboxRules", "\\Inbox", p, 6);
    sim_truth_ent(s, g4, ENT_DOMAINS, ext_domain);

    int32_t g5 = scn_step(s, sc, 5, "Inbox shared with the whole organisation",
                          "Add-MailboxFolderPermission: Default gets Reviewer on the Inbox, so any "
                          "account of the tenant can read it.",
                          "mailbox-delegation-granted");
    t += sim_range(r, 5, 30) * SIM_MIN_MS;
    c = sim_cmdlet_new(&s->arena, "Add-MailboxFolderPermission", u, ip, 3);
    if (!c) {
        return;
    }
    c->app_id = "00000002-0000-0ff1-ce00-000000000000";
    c->params[0] = (struct sim_kv){"Identity", sim_printf(s, "%s:\\Inbox", us->upn)};
    c->params[1] = (struct sim_kv){"User", "Default"};
    c->params[2] = (struct sim_kv){"AccessRights", "Reviewer"};
    c->object_id = c->params[0].value;
    e = scn_cmdlet(s, r, g5, t, c);
    if (e) {
        e->sess = sess;
    }
    sim_truth_mailbox(s, g5, u);
    (void)to;
}
