/* sp-backdoor: a hijacked admin gives an old in-house app's service principal a certificate
 * named after the app (CN=<app name>), adds a reply URL on an azurewebsites.net host and grants
 * ApplicationImpersonation; the app then signs in with the certificate from a VPS and reads
 * mailboxes through Graph. */
#include <stdio.h>

#include "sim.h"

void sim_plan_sp_backdoor(struct sim *s, struct sim_rng *r, int64_t from, int64_t to)
{
    static const char *const sc = "sp-backdoor";
    static const char *const words[] = {"docsync", "o365bridge", "filerelay",
                                        "mailhub", "syncportal", "teamconnect"};
    uint32_t admin = scn_pick(s, r, 1u << R_ADMIN, -1);
    if (admin == SIM_NONE) {
        return;
    }
    size_t pl = strcspn(s->tenant.domain, ".");
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "%.*s", (int)(pl > 40 ? 40 : pl), s->tenant.domain);
    for (size_t i = strlen(prefix); i > 0 && prefix[i - 1] >= '0' && prefix[i - 1] <= '9'; i--) {
        prefix[i - 1] = '\0';
    }
    uint16_t app = sim_app_add(s, NULL, sim_printf(s, "%s Document Sync", s->tenant.name),
                               APPK_TENANT, NULL, r);
    s->apps[app].sp_created = s->start - (900 + sim_below(r, 600)) * SIM_DAY_MS;
    s->apps[app].reply_url = sim_printf(s, "https://docsync.%s.com/auth", prefix);
    uint16_t vps = sim_ip_vps(s, r), vm = sim_ip_azure(s, r);
    const char *ua = sim_devices[DEV_ATTACK_CHROME].ua;
    int64_t day = scn_day(s, from, to, 0.45);
    int64_t t = sim_local(s, day, 20.0 + 3.0 * sim_unit(r));

    int32_t g1 = scn_step(s, sc, 1, "Hijacked admin session from a VPS",
                          "A stolen administrator session is replayed from a hosting address.",
                          "signin-from-hosting-ip");
    scn_signin(s, r, g1, t, admin, A_AZURE_PORTAL, A_AZURE_MGMT, vps, 0, SC_BROWSER,
               DEV_ATTACK_CHROME, AU_CLAIM, true, sim_key(r));

    int32_t g2 = scn_step(s, sc, 2, "Certificate added to an old app's service principal",
                          "Add service principal credentials: the first credential on the "
                          "service principal, an AsymmetricX509Cert named CN=<app name>.",
                          "sp-credential-added");
    t += sim_range(r, 3, 12) * SIM_MIN_MS;
    struct sim_app *ap = &s->apps[app];
    ap->creds[0] = (struct sim_cred){sim_key(r), true, sim_printf(s, "CN=%s", ap->name), t, 0};
    ap->n_creds = 1;
    struct sim_audit *a = sa_credentials(s, &s->arena, app, true, "[]",
                                         sim_printf(s, "[\"%s\"]", sim_key_desc(s, &ap->creds[0])));
    if (a) {
        sa_by_user(s, a, admin, vps, ua);
    }
    scn_audit(s, r, g2, t, a);

    int32_t g3 = scn_step(s, sc, 3, "New reply URL on the app",
                          "Update application: AppAddress gains an azurewebsites.net URL.",
                          "sp-address-changed");
    t += sim_range(r, 1, 6) * SIM_MIN_MS;
    char hex[9];
    sim_hex(sim_key(r), hex, 6, false);
    const char *url =
        sim_printf(s, "https://%s-%s.azurewebsites.net/signin-oidc", words[sim_below(r, 6)], hex);
    a = sa_app_address(s, &s->arena, app, ap->reply_url, url);
    if (a) {
        sa_by_user(s, a, admin, vps, ua);
    }
    scn_audit(s, r, g3, t, a);
    ap->reply_url2 = url;
    sim_truth_ent(s, g3, ENT_DOMAINS, scn_host(s, url));

    int32_t g4 = scn_step(s, sc, 4, "ApplicationImpersonation assigned to the app",
                          "New-ManagementRoleAssignment -Role ApplicationImpersonation for the "
                          "app's service principal, from Exchange Online PowerShell.",
                          "application-impersonation-assigned");
    t += sim_range(r, 5, 20) * SIM_MIN_MS;
    scn_signin(s, r, g4, t - 40000, admin, A_EXO_PS, A_EXO, vps, 0, SC_MOBILE_DESKTOP,
               DEV_ATTACK_CHROME, AU_CLAIM, true, sim_key(r));
    struct sim_cmdlet *c = sim_cmdlet_new(&s->arena, "New-ManagementRoleAssignment", admin, vps, 3);
    if (!c) {
        return;
    }
    const char *name = sim_printf(s, "%s-Impersonation", words[sim_below(r, 6)]);
    c->params[0] = (struct sim_kv){"Name", name};
    c->params[1] = (struct sim_kv){"Role", "ApplicationImpersonation"};
    c->params[2] = (struct sim_kv){"App", ap->sp};
    c->object_id = name;
    scn_cmdlet(s, r, g4, t, c);
    sim_truth_app(s, g4, app);
    sim_truth_sp(s, g4, app);

    int32_t g5 = scn_step(s, sc, 5, "The app signs in with the new certificate from Azure",
                          "Service principal sign-ins with the certificate credential, from an "
                          "Azure virtual machine. Context only: service principals run in "
                          "Azure all day, so no rule is expected to flag this step by itself.",
                          "");
    int32_t g6 = scn_step(s, sc, 6, "The app reads mailboxes through Graph",
                          "MailItemsAccessed through Microsoft Graph by the backdoored app "
                          "(ClientAppId) across the leadership and security mailboxes.",
                          "app-mailbox-access,rare-app-mail-access,bulk-mail-access");
    uint32_t vip[16];
    uint32_t n_vip = scn_vip_mailboxes(s, r, vip, 16);
    int64_t tt = t + sim_range(r, 30, 90) * SIM_MIN_MS;
    for (int k = 0; k < 3 && tt < to; k++) {
        struct sim_ev *si = scn_sp_signin(s, r, g5, tt, app, A_GRAPH, vm, ap->creds[0].key, true);
        if (!si) {
            return;
        }
        uint64_t tok = si->tok;
        int64_t issued = tt;
        int64_t tm = tt + sim_range(r, 30, 120) * 1000;
        for (uint32_t i = 0; i < n_vip && tm < to; i++) {
            unsigned reads = 1 + sim_below(r, 3);
            for (unsigned j = 0; j < reads && tm < to; j++) {
                struct sim_ev *e = scn_mail(s, r, g6, tm, vip[i], vip[i], MC_REST, vm, true);
                if (e) {
                    e->app2 = app;
                    e->res = app;
                    e->tok = tok;
                    e->t2 = issued;
                    e->items = (uint8_t)(4 + sim_below(r, 10));
                }
                tm += sim_range(r, 5, 90) * 1000;
            }
        }
        sim_truth_app(s, g6, app);
        tt += sim_range(r, 20, 30) * SIM_HOUR_MS;
    }
}
