/* federation-backdoor: a hijacked Global Administrator disables the admin MFA policy, makes a
 * second account Global Administrator and federates the tenant's custom domain to an attacker
 * token issuer with a new signing certificate (AADInternals-style), so that it can mint SAML
 * tokens for any user of that domain. */
#include <stdio.h>

#include "sim.h"

void sim_plan_federation_backdoor(struct sim *s, struct sim_rng *r, int64_t from, int64_t to)
{
    static const char *const sc = "federation-backdoor";
    uint32_t admin = scn_pick(s, r, 1u << R_ADMIN, 1);
    uint32_t second = scn_pick(s, r, (1u << R_STAFF) | (1u << R_HELPDESK), -1);
    if (admin == SIM_NONE || second == SIM_NONE) {
        return;
    }
    uint16_t vps = sim_ip_vps(s, r);
    const char *ua = sim_devices[DEV_ATTACK_CHROME].ua;
    size_t pl = strcspn(s->tenant.domain, ".");
    char name[64];
    snprintf(name, sizeof(name), "%.*s", (int)(pl > 40 ? 40 : pl), s->tenant.domain);
    for (size_t i = strlen(name); i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9'; i--) {
        name[i - 1] = '\0';
    }
    const char *domain = sim_printf(s, "%s.com", name);
    int64_t day = scn_day(s, from, to, 0.65);
    int64_t t = sim_local(s, day, 22.0 + 1.5 * sim_unit(r));

    int32_t g1 = scn_step(s, sc, 1, "Hijacked Global Administrator session from a VPS",
                          "A stolen Global Administrator session is replayed from a hosting "
                          "address to the Azure portal.",
                          "signin-from-hosting-ip");
    scn_signin(s, r, g1, t, admin, A_AZURE_PORTAL, A_AZURE_MGMT, vps, 0, SC_BROWSER,
               DEV_ATTACK_CHROME, AU_CLAIM, true, sim_key(r));

    int32_t g2 = scn_step(s, sc, 2, "Admin MFA policy disabled",
                          "Update conditional access policy: CA001 (MFA for administrators) goes "
                          "from enabled to disabled.",
                          "auth-policy-weakened");
    t += sim_range(r, 2, 8) * SIM_MIN_MS;
    struct sim_audit *a =
        sa_ca_policy(s, &s->arena, s->tenant.ca1, "CA001: Require MFA for administrators",
                     "enabled", "disabled");
    if (a) {
        sa_by_user(s, a, admin, vps, ua);
    }
    scn_audit(s, r, g2, t, a);

    int32_t g3 = scn_step(s, sc, 3, "A second account made Global Administrator",
                          "Add member to role: Global Administrator for an ordinary account, as a "
                          "second way back in.",
                          "privileged-role-assigned");
    t += sim_range(r, 3, 12) * SIM_MIN_MS;
    a = sa_role_member(s, &s->arena, second, "Global Administrator",
                       "62e90394-69f5-4237-9190-012177145e10");
    if (a) {
        sa_by_user(s, a, admin, vps, ua);
    }
    scn_audit(s, r, g3, t, a);

    int32_t g4 = scn_step(s, sc, 4, "Custom domain federated to an attacker token issuer",
                          "Set domain authentication (Managed to Federated) and Set federation "
                          "settings on domain with a new issuer and signing certificate.",
                          "federation-modified");
    t += sim_range(r, 5, 20) * SIM_MIN_MS;
    a = sa_domain(s, &s->arena, domain, 0, NULL, NULL);
    if (a) {
        sa_by_user(s, a, admin, vps, ua);
    }
    scn_audit(s, r, g4, t, a);
    char hex[9], cert[89];
    sim_hex(sim_key(r), hex, 8, true);
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    snprintf(cert, sizeof(cert), "MIIC8DCCAdigAwIBAgIQ");
    for (size_t i = strlen(cert); i < sizeof(cert) - 1; i++) {
        cert[i] = b64[sim_below(r, 64)];
    }
    cert[sizeof(cert) - 1] = '\0';
    t += sim_range(r, 1, 3) * 1000;
    a = sa_domain(s, &s->arena, domain, 1, sim_printf(s, "http://any.sts/%s", hex),
                  sim_strdup(s, cert));
    if (a) {
        sa_by_user(s, a, admin, vps, ua);
    }
    scn_audit(s, r, g4, t, a);
    (void)to;
}
