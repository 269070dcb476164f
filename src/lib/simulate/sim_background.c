/* The benign background: an organisation's ordinary day, believable enough that naive rules
 * fail on it (mistyped passwords, travel, delegates, a printer on SMTP AUTH, secret rotation,
 * a backup app reading every mailbox through Graph every night, new hires enrolling MFA). */
#include "sim.h"

static const char *const groups[] = {
    "All Staff", "Sales",         "Finance", "Engineering",     "Marketing",  "Operations",
    "Legal",     "Security Team", "IT Team", "Human Resources", "Leadership", "Project Falcon"};
#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

/* Documents a file operation picks from (the renderer owns the names). */
#define N_DOCS 15

/* A working day from a fraction of the window on. */
static int64_t pick_day(const struct sim *s, struct sim_rng *r, double frac)
{
    uint32_t days = s->opt->days;
    int64_t d = s->start + (int64_t)(days * frac + sim_below(r, days / 3 + 1)) * SIM_DAY_MS;
    if (d >= s->end) {
        d = s->end - SIM_DAY_MS;
    }
    while (!sim_is_working_day(s, d) && d + SIM_DAY_MS < s->end) {
        d += SIM_DAY_MS;
    }
    return d;
}

/* Any user with one of the roles, scenario or not: the background ignores claims. */
static uint32_t bg_pick(const struct sim *s, struct sim_rng *r, unsigned role_mask)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->n_users; i++) {
        n += (role_mask >> s->users[i].role) & 1u;
    }
    if (n == 0) {
        return SIM_NONE;
    }
    uint32_t k = sim_below(r, n);
    for (uint32_t i = 0; i < s->n_users; i++) {
        if (((role_mask >> s->users[i].role) & 1u) && k-- == 0) {
            return i;
        }
    }
    return SIM_NONE;
}

/* A leaving day: a working day from the third on with two working days after it in the window. */
static bool leaving_ok(const struct sim *s, uint32_t k)
{
    int64_t d = s->start + (int64_t)k * SIM_DAY_MS;
    if (k < 2 || !sim_is_working_day(s, d)) {
        return false;
    }
    unsigned after = 0;
    for (d += SIM_DAY_MS; d < s->end; d += SIM_DAY_MS) {
        after += sim_is_working_day(s, d);
    }
    return after >= 2;
}

/* One in the middle third of the window when there is one; 0 when there is none at all. */
static int64_t leaving_day(const struct sim *s, struct sim_rng *r)
{
    uint32_t days = s->opt->days;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t lo = pass ? 0 : days / 3, hi = pass ? days : days - days / 3, n = 0;
        for (uint32_t k = lo; k < hi; k++) {
            n += leaving_ok(s, k);
        }
        if (!n) {
            continue;
        }
        uint32_t pick = sim_below(r, n);
        for (uint32_t k = lo; k < hi; k++) {
            if (leaving_ok(s, k) && pick-- == 0) {
                return s->start + (int64_t)k * SIM_DAY_MS;
            }
        }
    }
    return 0;
}

/* Staff no other once-only activity, and no trip, is about. */
static bool ordinary(const struct sim *s, uint32_t i)
{
    const struct sim_plan *p = &s->plan;
    return s->users[i].role == R_STAFF && s->users[i].travel_ip == SIM_NONE &&
           i != p->consent_user && i != p->licence_user && i != p->imap_user;
}

/* Someone the leaver's mailbox can go to: another ordinary member of the department. */
static bool colleague(const struct sim *s, uint32_t leaver, uint32_t i)
{
    return i != leaver && ordinary(s, i) && strcmp(s->users[i].dept, s->users[leaver].dept) == 0;
}

/* An E5 mailbox (audited), a phone that keeps trying after the account is disabled, and a
 * colleague to hand the mailbox to. */
static bool leaver_ok(const struct sim *s, uint32_t i)
{
    const struct sim_user *u = &s->users[i];
    if (!ordinary(s, i) || u->lic != LIC_E5 || u->mob == DEV_NONE) {
        return false;
    }
    for (uint32_t k = 0; k < s->n_users; k++) {
        if (colleague(s, i, k)) {
            return true;
        }
    }
    return false;
}

/* New hires are onboarded with a Temporary Access Pass in tenants of 60 users and more only (like
 * the leaver), so that smaller tenants' records stay as they were. */
static bool tap_onboarding(const struct sim *s)
{
    return s->opt->users >= 60;
}

/* The leaver, in tenants of 60 users and more only (like the IT hire), so that smaller tenants'
 * records stay as they were. Drawn after everything else the plan draws, for the same reason. */
static void plan_leaver(struct sim *s, struct sim_rng *r)
{
    struct sim_plan *p = &s->plan;
    p->leaver_user = p->manager = SIM_NONE;
    if (s->opt->users < 60) {
        return;
    }
    int64_t day = leaving_day(s, r);
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->n_users; i++) {
        n += leaver_ok(s, i);
    }
    if (!day || !n) {
        return;
    }
    uint32_t k = sim_below(r, n), l = SIM_NONE, m = SIM_NONE;
    for (uint32_t i = 0; i < s->n_users && l == SIM_NONE; i++) {
        if (leaver_ok(s, i) && k-- == 0) {
            l = i;
        }
    }
    n = 0;
    for (uint32_t i = 0; i < s->n_users; i++) {
        n += colleague(s, l, i);
    }
    k = sim_below(r, n);
    for (uint32_t i = 0; i < s->n_users && m == SIM_NONE; i++) {
        if (colleague(s, l, i) && k-- == 0) {
            m = i;
        }
    }
    struct sim_user *lu = &s->users[l];
    /* Disabled late in the afternoon; the rest of the offboarding follows (offboarding()). */
    lu->disabled_at = sim_local(s, day, 16.15 + 0.6 * sim_unit(r));
    /* The scenarios pick their victims among the others. */
    lu->claimed = true;
    s->users[m].claimed = true;
    p->leaver = day;
    p->leaver_user = l;
    p->manager = m;
    int32_t gt = s->nm[NM_LEAVER] = sim_truth_new(
        s, false, NULL, "leaver-offboarding", "A leaver's offboarding",
        "An administrator disables a leaver's account from the office, revokes its sessions, "
        "converts the mailbox to a shared one with FullAccess for the manager and removes the "
        "licence; the manager's reads are logged until the audit lapses, and the leaver's phone "
        "keeps failing (50057).",
        "advanced-audit-disabled,mailbox-access-after-audit-disabled,mailbox-delegation-granted,"
        "password-spray,mail-audit-stopped");
    sim_truth_user(s, gt, l);
    sim_truth_user(s, gt, m);
    sim_truth_mailbox(s, gt, l);
    sim_truth_ip(s, gt, lu->home);
}

/* Truth items for the near misses that this run's background will contain. */
void sim_background_prepare(struct sim *s)
{
    struct sim_rng r;
    sim_rng_seed(&r, s->opt->seed, 7);
    for (int i = 0; i < NM__N; i++) {
        s->nm[i] = -1;
    }
    struct sim_plan *p = &s->plan;
    uint32_t days = s->opt->days;
    p->rotation = pick_day(s, &r, 0.1);
    p->appreg = pick_day(s, &r, 0.3);
    p->reply = pick_day(s, &r, 0.4);
    p->consent = pick_day(s, &r, 0.2);
    p->role = pick_day(s, &r, 0.5);
    p->licence = pick_day(s, &r, 0.3);
    p->imap = pick_day(s, &r, 0.2);
    p->calendar = s->start;
    p->exosys[0] = s->start + (int64_t)sim_below(&r, days) * SIM_DAY_MS;
    p->exosys[1] = s->start + (int64_t)sim_below(&r, days) * SIM_DAY_MS;
    unsigned staffish = (1u << R_STAFF) | (1u << R_HELPDESK) | (1u << R_SECANALYST);
    p->consent_user = bg_pick(s, &r, staffish);
    p->role_user = bg_pick(s, &r, (1u << R_SECANALYST) | (1u << R_HELPDESK));
    p->licence_user = bg_pick(s, &r, (1u << R_STAFF));
    p->imap_user = bg_pick(s, &r, (1u << R_STAFF) | (1u << R_EXEC));
    /* The change's time, drawn apart: an E3 mailbox upgraded to E5 logs from an hour or two
     * after it, whichever part of the day is generated first. */
    struct sim_rng lr;
    sim_rng_seed(&lr, s->opt->seed, 0x6c6963656e6365ull);
    p->licence_at = sim_local(s, p->licence, 10.0 + 5.0 * sim_unit(&lr));
    if (p->licence_user != SIM_NONE && s->users[p->licence_user].lic == LIC_E3) {
        s->users[p->licence_user].audit_on = p->licence_at + sim_range(&lr, 60, 150) * SIM_MIN_MS;
    }
    p->explorer = sim_app_add(s, "de8bc8b5-d9f9-48b1-a8ad-b748da725064", "Graph Explorer",
                              APPK_FIRST_PARTY, "f8cdef31-a31e-4b4a-93e4-5f571e91255a", &r);
    p->reporting =
        sim_app_add(s, NULL, sim_printf(s, "%s Reporting", s->tenant.name), APPK_TENANT, NULL, &r);
    s->apps[p->reporting].sp_created = INT64_MAX; /* created during the window */

#define NM(k, id, title, desc, rules)                                                              \
    s->nm[k] = sim_truth_new(s, false, NULL, id, title, desc, rules)
    NM(NM_TYPO, "mistyped-passwords", "Mistyped passwords",
       "Users mistype their password (50126) and sign in a minute later from the same address.",
       "password-spray,password-spray-success");
    NM(NM_MFA, "mfa-prompts", "MFA prompts",
       "Sign-ins interrupted for MFA (50074), an occasional denied push (500121), then success.",
       "password-spray,password-spray-success");
    for (uint32_t i = 0; i < s->n_users; i++) {
        if (s->users[i].travel_ip != SIM_NONE) {
            NM(NM_TRAVEL, "business-travel", "A user travelling",
               "A user signs in from abroad for a few days, with MFA, from a hotel network.",
               "anomalous-signin-location,signin-from-hosting-ip");
            sim_truth_user(s, s->nm[NM_TRAVEL], i);
            sim_truth_ip(s, s->nm[NM_TRAVEL], s->users[i].travel_ip);
        }
    }
    NM(NM_DELEGATE, "assistant-delegation", "An executive assistant with calendar delegation",
       "The executive grants the assistant Editor on the calendar; the assistant then opens the "
       "executive's calendar and inbox as a delegate (LogonType 2) every working day.",
       "mailbox-delegation-granted,app-mailbox-access,bulk-mail-access");
    NM(NM_SECOPS, "shared-mailbox-delegates", "Analysts reading the security shared mailbox",
       "Security analysts read the shared secops mailbox as delegates on working days.",
       "app-mailbox-access,bulk-mail-access");
    NM(NM_PRINTER, "printer-smtp-auth", "Office printer on SMTP AUTH",
       "The multifunction printer sends scans with Authenticated SMTP from the office address; "
       "it is excluded from the legacy-authentication block on purpose.",
       "legacy-auth-signin");
    NM(NM_IMAP, "blocked-imap", "A legacy IMAP client blocked",
       "An old tablet mail app tries IMAP4 from home and is blocked by Conditional Access (53003).",
       "legacy-auth-signin,password-spray-success");
    NM(NM_ROTATION, "secret-rotation", "App secret rotated by its owner",
       "An administrator adds a new client secret named prod-rotation to the payroll connector "
       "and removes the old one half an hour later; the connector signs in with the new one.",
       "sp-credential-added");
    NM(NM_APPREG, "app-registration", "An administrator registers an app",
       "An administrator registers a single-tenant reporting app and gives it a client secret.",
       "sp-credential-added,high-privilege-consent");
    NM(NM_REPLY, "reply-url-added", "App owner adds a reply URL",
       "The owner of the in-house HR portal adds a second reply URL on the company's domain.",
       "sp-address-changed");
    NM(NM_BACKUP, "backup-app-graph-reads", "Nightly backup through Graph",
       "A backup SaaS application reads every mailbox through Microsoft Graph every night from "
       "one fixed address, with a token from its own service principal sign-in.",
       "app-mailbox-access,bulk-mail-access,rare-app-mail-access,token-without-signin,"
       "signin-from-hosting-ip");
    /* Smaller tenants onboard without a pass: their truth stays as it was. */
    NM(NM_NEWHIRE, "new-hire-onboarding", "New hires",
       tap_onboarding(s)
           ? "An administrator creates and licenses a new account and issues a Temporary Access "
             "Pass, Exchange provisions the mailbox, and the new hire signs in with the pass and "
             "registers MFA at the first sign-in, from the office; an IT hire is made Helpdesk "
             "Administrator and given the support mailbox from the office while onboarded."
           : "An administrator creates and licenses a new account, Exchange provisions the "
             "mailbox, and the new hire registers MFA at the first sign-in, from the office; an IT "
             "hire is made Helpdesk Administrator and given the support mailbox from the office "
             "while onboarded.",
       tap_onboarding(s) ? "dormant-account-mfa-registration,new-user-privileged-action,"
                           "privileged-role-assigned,mailbox-delegation-granted,"
                           "auth-policy-weakened"
                         : "dormant-account-mfa-registration,new-user-privileged-action,"
                           "privileged-role-assigned,mailbox-delegation-granted");
    NM(NM_CONSENT, "first-party-consent", "Consent to a Microsoft application",
       "A user consents to Graph Explorer (a Microsoft first-party application) for basic scopes.",
       "high-privilege-consent");
    NM(NM_EXOSYS, "exchange-system-cmdlets", "Exchange's own provisioning",
       "NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost) runs Set-Mailbox and "
       "Add-MailboxPermission on system mailboxes.",
       "mailbox-delegation-granted,mail-forwarding-rule");
    NM(NM_LICENCE, "licence-changes", "Licence changes",
       "An administrator changes licences (new hires, an upgrade); no auditing plan is removed.",
       "advanced-audit-disabled");
    NM(NM_ROLE, "reader-role", "A reader role assigned",
       "An administrator gives an analyst the Reports Reader role.", "privileged-role-assigned");
#undef NM
    sim_truth_ip(s, s->nm[NM_BACKUP], s->vendor_ip);
    sim_truth_app(s, s->nm[NM_BACKUP], A_BACKUP);
    sim_truth_sp(s, s->nm[NM_BACKUP], A_BACKUP);
    sim_truth_app(s, s->nm[NM_ROTATION], A_PAYROLL);
    sim_truth_app(s, s->nm[NM_REPLY], A_HR_PORTAL);
    sim_truth_app(s, s->nm[NM_APPREG], p->reporting);
    sim_truth_app(s, s->nm[NM_CONSENT], p->explorer);
    for (uint32_t i = 0; i < s->n_users; i++) {
        const struct sim_user *u = &s->users[i];
        if (u->role == R_PRINTER) {
            sim_truth_user(s, s->nm[NM_PRINTER], i);
            sim_truth_ip(s, s->nm[NM_PRINTER], u->office);
        } else if (u->role == R_NEWHIRE) {
            sim_truth_user(s, s->nm[NM_NEWHIRE], i);
        } else if (u->role == R_ASSISTANT) {
            sim_truth_user(s, s->nm[NM_DELEGATE], i);
            if (u->boss != SIM_NONE) {
                sim_truth_mailbox(s, s->nm[NM_DELEGATE], u->boss);
            }
        }
    }
    if (p->consent_user != SIM_NONE) {
        sim_truth_user(s, s->nm[NM_CONSENT], p->consent_user);
    }
    if (p->role_user != SIM_NONE) {
        sim_truth_user(s, s->nm[NM_ROLE], p->role_user);
    }
    if (p->imap_user != SIM_NONE) {
        sim_truth_user(s, s->nm[NM_IMAP], p->imap_user);
    }
    plan_leaver(s, &r);
}

/* --------------------------------------------------------------------------------------------- */

static bool person(const struct sim_user *u)
{
    return u->role != R_SHARED && u->role != R_PRINTER && u->role != R_LEGACY &&
           u->role != R_FORMER && u->role != R_ATTACKER;
}

static bool mail_audited(const struct sim *s, uint32_t owner, int64_t t)
{
    const struct sim_user *o = &s->users[owner];
    return (o->lic == LIC_E5 || o->audit_on != INT64_MIN) && t >= o->audit_on &&
           t < o->audit_off;
}

/* E5 on this day: licensed so, or upgraded during it (the licence change may be generated
 * after the user's day). */
static bool e5_on(const struct sim_user *u, const struct sim_day *d)
{
    return u->lic == LIC_E5 || (u->audit_on != INT64_MIN && u->audit_on < d->start + SIM_DAY_MS);
}

static uint32_t pick_admin(struct sim *s, struct sim_rng *r)
{
    return bg_pick(s, r, 1u << R_ADMIN);
}

static struct sim_ev *signin(struct sim *s, struct sim_day *d, int64_t t, uint32_t u, uint16_t app,
                             uint16_t res, uint16_t ip, int32_t err, uint8_t client, uint8_t dev,
                             uint8_t auth, bool inter, uint64_t sess)
{
    struct sim_ev *e = sim_mk_signin(s, sim_day_ev(s, d), &d->rng, t, u, app, res, ip, err, client,
                                     dev, auth, inter);
    if (e) {
        e->sess = sess;
    }
    return e;
}

/* The apps a person opens in the morning: client, resource, device. */
static void pick_app(const struct sim_user *u, struct sim_rng *r, uint16_t *app, uint16_t *res,
                     uint8_t *dev, uint8_t *client)
{
    static const uint16_t apps[][2] = {{A_OFFICEHOME, A_OFFICEHOME},
                                       {A_OWA, A_EXO},
                                       {A_TEAMS, A_TEAMS_SVC},
                                       {A_OFFICE, A_EXO},
                                       {A_OFFICE, A_SPO}};
    uint32_t k = sim_below(r, 5);
    *app = apps[k][0];
    *res = apps[k][1];
    *dev = u->desk;
    *client = SC_BROWSER;
    if (*app == A_OFFICE || *app == A_TEAMS) {
        *client = SC_MOBILE_DESKTOP;
        if (*app == A_OFFICE && (u->desk == DEV_WIN_EDGE || u->desk == DEV_WIN_CHROME)) {
            *dev = DEV_WIN_OUTLOOK;
        }
    }
}

/* NULL when the mailbox does not log MailItemsAccessed at t. */
static struct sim_ev *mail(struct sim *s, struct sim_day *d, int64_t t, uint32_t actor,
                           uint32_t owner, uint8_t client, uint16_t ip, bool bind, uint64_t sess,
                           int32_t gt, uint8_t folders)
{
    if (!mail_audited(s, owner, t)) {
        return NULL;
    }
    struct sim_ev *e = sim_mk_mail(s, sim_day_ev(s, d), &d->rng, t, actor, owner, client, ip, bind);
    if (!e) {
        return NULL;
    }
    e->sess = client == MC_OWA ? sess : 0;
    e->gt = gt;
    if (folders) {
        e->folders = folders;
    }
    return e;
}

static void item(struct sim *s, struct sim_day *d, int64_t t, uint32_t u, uint16_t ip,
                 const char *op, const char *folder, uint8_t client)
{
    struct sim_ev *e = sim_day_ev(s, d);
    struct sim_item *it = m365_arena_calloc(&d->arena, sizeof(*it));
    if (!e || !it) {
        return;
    }
    static const char *const subjects[] = {
        "Re: Q3 planning",     "Invoice 4471",   "Weekly update",           "Lunch?",
        "Re: contract review", "Travel booking", "FW: customer escalation", "Agenda for Monday"};
    it->op = op;
    it->folder = folder;
    it->subject = subjects[sim_below(&d->rng, 8)];
    e->t = t;
    e->type = EV_ITEM;
    e->stream = ST_EXO;
    e->user = u;
    e->owner = u;
    e->ip = ip;
    e->client = client;
    e->rich = it;
    e->rnd = sim_next(&d->rng);
}

static void file_op(struct sim *s, struct sim_day *d, int64_t t, uint32_t u, uint16_t ip)
{
    struct sim_ev *e = sim_day_ev(s, d);
    if (!e) {
        return;
    }
    static const uint8_t ops[] = {FO_ACCESSED, FO_ACCESSED,  FO_ACCESSED,   FO_ACCESSED,
                                  FO_ACCESSED, FO_PREVIEWED, FO_PREVIEWED,  FO_MODIFIED,
                                  FO_MODIFIED, FO_MODIFIED,  FO_DOWNLOADED, FO_DOWNLOADED,
                                  FO_UPLOADED};
    e->t = t;
    e->type = EV_FILE;
    e->stream = ST_SPO;
    e->op = ops[sim_below(&d->rng, sizeof(ops))];
    e->user = u;
    e->ip = ip;
    e->items = (uint8_t)sim_below(&d->rng, N_DOCS);
    e->bind = sim_chance(&d->rng, 0.5); /* OneDrive (personal) or a team site */
    e->rnd = sim_next(&d->rng);
}

static void teams(struct sim *s, struct sim_day *d, int64_t t, uint32_t u, uint16_t ip, uint8_t op)
{
    struct sim_ev *e = sim_day_ev(s, d);
    if (!e) {
        return;
    }
    e->t = t;
    e->type = EV_TEAMS;
    e->stream = ST_GEN;
    e->op = op;
    e->user = u;
    e->ip = ip;
    e->rnd = sim_next(&d->rng);
}

/* lo..hi things, scaled by the activity level; the fraction is kept by a random rounding. */
static unsigned amount(const struct sim *s, struct sim_rng *r, unsigned lo, unsigned hi)
{
    double v = (double)(lo + sim_below(r, hi - lo + 1)) * s->opt->activity;
    unsigned n = (unsigned)v;
    return n + (sim_unit(r) < v - (double)n ? 1u : 0u);
}

static int64_t within(struct sim_rng *r, int64_t a, int64_t b)
{
    return sim_range(r, a, b > a ? b : a);
}

/* A leaver's phone keeps refreshing Outlook's token at home after the account is disabled:
 * 50057 (disabled), not a wrong password. */
static void leaver_phone(struct sim *s, struct sim_day *d, uint32_t i)
{
    const struct sim_user *u = &s->users[i];
    struct sim_rng *r = &d->rng;
    int64_t from = sim_local(s, d->start, 7.0), to = sim_local(s, d->start, 23.0);
    if (from < u->disabled_at + 5 * SIM_MIN_MS) {
        from = u->disabled_at + 5 * SIM_MIN_MS;
    }
    unsigned n = 2 + sim_below(r, 5);
    for (unsigned k = 0; k < n; k++) {
        int64_t t = within(r, from, to);
        struct sim_ev *e = signin(s, d, t, i, A_OUTLOOK_MOBILE, A_EXO, u->home, 50057,
                                  SC_MOBILE_DESKTOP, u->mob, AU_PASSWORD, false, 0);
        if (e) {
            e->gt = s->nm[NM_LEAVER];
        }
    }
}

/* One person's day. */
static void user_day(struct sim *s, struct sim_day *d, uint32_t i, bool work)
{
    struct sim_user *u = &s->users[i];
    struct sim_rng *r = &d->rng;
    if (!person(u) || (u->role == R_NEWHIRE && d->start <= u->created)) {
        return; /* a new hire's first day is the onboarding sequence */
    }
    /* A leaver works until the afternoon the account is disabled; only the phone goes on. */
    bool leaving = u->disabled_at < d->start + SIM_DAY_MS;
    if (leaving) {
        leaver_phone(s, d, i);
        if (d->start > u->disabled_at) {
            return;
        }
    }
    int64_t noon = d->start + 12 * SIM_HOUR_MS;
    /* The day the trip starts and the day after it ends are spent flying: nothing signs in, so
     * that no hop between home and abroad is faster than an airliner (the trip may be to the
     * other side of the world). */
    if (u->travel_from != INT64_MAX &&
        ((noon >= u->travel_from && noon < u->travel_from + SIM_DAY_MS) ||
         (noon >= u->travel_to && noon < u->travel_to + SIM_DAY_MS))) {
        return;
    }
    bool travel = noon >= u->travel_from && noon < u->travel_to;
    uint16_t mob_ip = travel ? u->travel_ip : SIM_NONE;

    /* Phones refresh tokens in the evening even on days off. */
    if (u->mob != DEV_NONE && !leaving) {
        unsigned n = amount(s, r, 1, 3);
        for (unsigned k = 0; k < n; k++) {
            int64_t t = sim_local(s, d->start, 18.0 + 5.0 * sim_unit(r));
            uint16_t ip = mob_ip != SIM_NONE ? mob_ip : sim_chance(r, 0.5) ? u->home : u->carrier;
            signin(s, d, t, i, A_OUTLOOK_MOBILE, A_EXO, ip, 0, SC_MOBILE_DESKTOP, u->mob,
                   AU_CLAIM_SINGLE, false, sim_key(r));
            if (e5_on(u, d) && sim_chance(r, 0.6)) {
                /* One draw per statement: argument order is unspecified in C, and the output
                 * must not depend on the compiler. */
                int64_t tm = t + sim_range(r, 5000, 90000);
                uint16_t via = s->ms6[sim_below(r, s->n_ms6)];
                mail(s, d, tm, i, i, u->mob == DEV_IOS_OUTLOOK ? MC_IOS : MC_ANDROID, via, true, 0,
                     -1, 0);
            }
        }
    }
    double p_active = travel ? 1.0 : work ? 0.93 : 0.1; /* a traveller works every day abroad */
    if (!sim_chance(r, p_active)) {
        return;
    }
    uint16_t ip = travel ? u->travel_ip : sim_chance(r, 0.6) ? u->office : u->home;
    double start_h = work ? 7.5 + 2.0 * sim_unit(r) : 10.0 + 4.0 * sim_unit(r);
    double len_h = work ? 7.0 + 2.5 * sim_unit(r) : 0.5 + 2.0 * sim_unit(r);
    int64_t t0 = sim_local(s, d->start, start_h);
    int64_t t1 = t0 + (int64_t)(len_h * (double)SIM_HOUR_MS);
    if (leaving && t1 > u->disabled_at - 10 * SIM_MIN_MS) {
        t1 = u->disabled_at - 10 * SIM_MIN_MS;
    }
    const struct sim_plan *p = &s->plan;
    if (i == p->manager && d->start == p->leaver) {
        ip = u->office; /* at the office when the leaver's mailbox is handed over */
    }
    uint64_t sess = sim_key(r);
    int32_t gt_travel = travel ? s->nm[NM_TRAVEL] : -1;

    /* The first interactive sign-in of the day. */
    uint16_t app, res;
    uint8_t dev, client;
    pick_app(u, r, &app, &res, &dev, &client);
    int64_t t = t0;
    struct sim_ev *e;
    if (sim_chance(r, 0.03)) {
        e = signin(s, d, t, i, app, res, ip, 50126, client, dev, AU_PASSWORD_FAIL, true, 0);
        if (e) {
            e->gt = s->nm[NM_TYPO];
        }
        sim_truth_user(s, s->nm[NM_TYPO], i);
        t += sim_range(r, 20000, 90000);
    }
    bool mfa = travel || u->role == R_ADMIN || sim_chance(r, 0.12);
    if (mfa) {
        e = signin(s, d, t, i, app, res, ip, 50074, client, dev, AU_PASSWORD, true, sess);
        if (e) {
            e->gt = travel ? gt_travel : s->nm[NM_MFA];
        }
        if (!travel) {
            sim_truth_user(s, s->nm[NM_MFA], i);
        }
        t += sim_range(r, 12000, 45000);
        if (sim_chance(r, 0.05)) {
            e = signin(s, d, t, i, app, res, ip, 500121, client, dev, AU_PASSWORD, true, sess);
            if (e) {
                e->gt = s->nm[NM_MFA];
            }
            t += sim_range(r, 30000, 90000);
        }
    } else if (sim_chance(r, 0.05)) {
        e = signin(s, d, t, i, app, res, ip, 50140, client, dev, AU_PASSWORD, true, sess);
        if (e) {
            e->flags |= EVF_KMSI;
        }
        t += sim_range(r, 3000, 9000);
    }
    e = signin(s, d, t, i, app, res, ip, 0, client, dev, mfa ? AU_MFA : AU_CLAIM, true, sess);
    if (e) {
        e->gt = gt_travel;
    }

    /* Other interactive sign-ins, and token refreshes every hour or two. */
    unsigned n_more = amount(s, r, 0, 2);
    for (unsigned k = 0; k < n_more; k++) {
        pick_app(u, r, &app, &res, &dev, &client);
        e = signin(s, d, within(r, t, t1), i, app, res, ip, 0, client, dev, AU_CLAIM, true, sess);
        if (e) {
            e->gt = gt_travel;
        }
    }
    static const uint16_t ni_apps[][2] = {{A_TEAMS, A_TEAMS_SVC},
                                          {A_OFFICE, A_EXO},
                                          {A_ONEDRIVE, A_SPO},
                                          {A_OFFICE, A_GRAPH},
                                          {A_AUTH_BROKER, A_GRAPH}};
    for (int64_t tt = t + sim_range(r, 20, 70) * SIM_MIN_MS; tt < t1;
         tt += (int64_t)((double)sim_range(r, 45, 110) / s->opt->activity) * SIM_MIN_MS) {
        uint32_t k = sim_below(r, 5);
        uint8_t ndev =
            ni_apps[k][0] == A_OFFICE && u->desk <= DEV_WIN_CHROME ? DEV_WIN_OUTLOOK : u->desk;
        e = signin(s, d, tt, i, ni_apps[k][0], ni_apps[k][1], ip, 0, SC_MOBILE_DESKTOP, ndev,
                   AU_CLAIM_SINGLE, false, sess);
        if (e) {
            e->gt = gt_travel;
        }
    }

    /* Mailbox: Outlook syncs, OWA reads, phones; sent mail, deletions. */
    if (e5_on(u, d)) {
        unsigned n = amount(s, r, 2, 6);
        for (unsigned k = 0; k < n; k++) {
            mail(s, d, within(r, t, t1), i, i, MC_RPC, ip, false, 0, -1, 0);
        }
        n = amount(s, r, 0, 3);
        for (unsigned k = 0; k < n; k++) {
            mail(s, d, within(r, t, t1), i, i, MC_OWA, ip, true, sess, -1, 0);
        }
        if (u->mob != DEV_NONE) {
            n = amount(s, r, 0, 3);
            for (unsigned k = 0; k < n; k++) {
                int64_t tm = within(r, t, t1);
                uint16_t via = s->ms6[sim_below(r, s->n_ms6)];
                mail(s, d, tm, i, i, u->mob == DEV_IOS_OUTLOOK ? MC_IOS : MC_ANDROID, via, true, 0,
                     -1, 0);
            }
        }
        n = amount(s, r, 1, 6);
        for (unsigned k = 0; k < n; k++) {
            item(s, d, within(r, t, t1), i, ip, "Send", "\\Sent Items", MC_RPC);
        }
    }
    unsigned nd = amount(s, r, 0, 3);
    for (unsigned k = 0; k < nd; k++) {
        int64_t tm = within(r, t, t1);
        const char *op = sim_chance(r, 0.6) ? "MoveToDeletedItems" : "SoftDelete";
        uint8_t via = sim_chance(r, 0.7) ? MC_RPC : MC_OWA;
        item(s, d, tm, i, ip, op, "\\Inbox", via);
    }

    /* Delegates. */
    if (u->role == R_ASSISTANT && u->boss != SIM_NONE) {
        unsigned n = amount(s, r, 2, 5);
        for (unsigned k = 0; k < n; k++) {
            int64_t tm = within(r, t, t1);
            uint8_t via = sim_chance(r, 0.5) ? MC_OWA : MC_RPC;
            uint8_t folders = sim_chance(r, 0.7) ? 4 : 1;
            mail(s, d, tm, i, u->boss, via, ip, true, sess, s->nm[NM_DELEGATE], folders);
        }
    }
    if (u->role == R_SECANALYST) {
        uint32_t secops = SIM_NONE;
        for (uint32_t k = 0; k < s->n_users; k++) {
            if (strcmp(s->users[k].nick, "secops") == 0) {
                secops = k;
                break;
            }
        }
        if (secops != SIM_NONE) {
            sim_truth_user(s, s->nm[NM_SECOPS], i);
            sim_truth_mailbox(s, s->nm[NM_SECOPS], secops);
            unsigned n = amount(s, r, 1, 4);
            for (unsigned k = 0; k < n; k++) {
                int64_t tm = within(r, t, t1);
                uint8_t via = sim_chance(r, 0.5) ? MC_OWA : MC_RPC;
                mail(s, d, tm, i, secops, via, ip, true, sess, s->nm[NM_SECOPS], 64);
            }
        }
    }
    /* A leaver's manager looks through the leaver's mailbox (FullAccess) on working days; the
     * mailbox stopped logging shortly after its licence went, so these show nowhere. */
    if (i == p->manager && work && d->start > p->leaver) {
        unsigned n = 2 + sim_below(r, 3);
        for (unsigned k = 0; k < n; k++) {
            int64_t tm = within(r, t, t1);
            mail(s, d, tm, i, p->leaver_user, MC_OWA, ip, true, sess, s->nm[NM_LEAVER], 1);
        }
    }

    /* Files and Teams. */
    unsigned nf = amount(s, r, 3, 12);
    for (unsigned k = 0; k < nf; k++) {
        file_op(s, d, within(r, t, t1), i, ip);
    }
    teams(s, d, t + sim_range(r, 30000, 600000), i, ip, TO_SESSION);
    if (sim_chance(r, 0.25 * s->opt->activity)) {
        teams(s, d, within(r, t, t1), i, ip, TO_CHAT);
    }
    if (sim_chance(r, 0.3 * s->opt->activity)) {
        teams(s, d, within(r, t, t1), i, ip, TO_LINK);
    }
}

static void printer_day(struct sim *s, struct sim_day *d, uint32_t i)
{
    struct sim_rng *r = &d->rng;
    unsigned n = amount(s, r, 3, 8);
    for (unsigned k = 0; k < n; k++) {
        int64_t t = sim_local(s, d->start, 8.0 + 9.0 * sim_unit(r));
        struct sim_ev *e = signin(s, d, t, i, A_EXO, A_EXO, s->users[i].office, 0, SC_SMTP,
                                  DEV_LEGACY, AU_PASSWORD, true, 0);
        if (e) {
            e->gt = s->nm[NM_PRINTER];
        }
    }
}

/* Every night since the start: the backup app signs in and reads every mailbox through Graph.
 * E3 mailboxes are read too, but only E5 mailboxes log MailItemsAccessed. */
static void backup_night(struct sim *s, struct sim_day *d)
{
    struct sim_rng *r = &d->rng;
    int64_t t = sim_local(s, d->start, 1.5 + sim_unit(r));
    struct sim_ev *si = sim_mk_sp_signin(s, sim_day_ev(s, d), r, t, A_BACKUP, A_GRAPH, s->vendor_ip,
                                         s->apps[A_BACKUP].creds[0].key, false);
    if (!si) {
        return;
    }
    si->gt = s->nm[NM_BACKUP];
    uint64_t tok = si->tok;
    int64_t issued = t;
    t += sim_range(r, 20000, 60000);
    for (uint32_t i = 0; i < s->n_users; i++) {
        const struct sim_user *u = &s->users[i];
        if (u->role == R_ATTACKER || u->role == R_FORMER || u->created > t) {
            continue;
        }
        unsigned n = sim_chance(r, 0.3) ? 2 : 1;
        for (unsigned k = 0; k < n; k++) {
            t += sim_range(r, 15000, 80000);
            /* A mailbox MailItemsAccessed does not cover is read all the same: the Graph
             * activity log shows it. Its randomness is its own, so that the records of tenants
             * simulated without that log stay as they were. */
            struct sim_rng own;
            struct sim_rng *rr = r;
            if (!mail_audited(s, i, t)) {
                if (!s->allowed[ST_GRAPHACT]) {
                    continue;
                }
                sim_rng_seed(&own, s->opt->seed, 0x6261636b7570ull ^ ((uint64_t)t << 12) ^ i);
                rr = &own;
            }
            struct sim_ev *e =
                sim_mk_mail(s, sim_day_ev(s, d), rr, t, i, i, MC_REST, s->vendor_ip, false);
            if (!e) {
                return;
            }
            e->app2 = A_BACKUP;
            e->res = A_BACKUP; /* the token's service principal */
            e->tok = tok;
            e->t2 = issued;
            e->folders = k ? 8 : 3;
            e->gt = s->nm[NM_BACKUP];
        }
    }
}

static void connector_night(struct sim *s, struct sim_day *d)
{
    struct sim_rng *r = &d->rng;
    const struct sim_app *a = &s->apps[A_PAYROLL];
    int64_t t = sim_local(s, d->start, 2.5 + 0.2 * sim_unit(r));
    /* The newest live secret is the one the connector uses. */
    uint64_t key = a->creds[0].key;
    for (unsigned k = 0; k < a->n_creds; k++) {
        if (a->creds[k].added <= t && (!a->creds[k].removed || a->creds[k].removed > t)) {
            key = a->creds[k].key;
        }
    }
    struct sim_ev *e = sim_mk_sp_signin(s, sim_day_ev(s, d), r, t, A_PAYROLL, A_GRAPH,
                                        s->office_ips[0], key, false);
    if (e && s->plan.rotation < t) {
        e->gt = s->nm[NM_ROTATION];
    }
}

static struct sim_ev *audit(struct sim *s, struct sim_day *d, int64_t t, struct sim_audit *a,
                            int32_t gt)
{
    struct sim_ev *e = sim_audit_ev(s, sim_day_ev(s, d), &d->rng, t, a);
    if (e) {
        e->gt = gt;
    }
    return e;
}

static void exo_cmdlet(struct sim *s, struct sim_day *d, int64_t t, struct sim_cmdlet *c,
                       int32_t gt)
{
    struct sim_ev *e = c ? sim_cmdlet_ev(s, sim_day_ev(s, d), &d->rng, t, c) : NULL;
    if (e) {
        e->gt = gt;
    }
}

static uint64_t group_key(struct sim *s, const char *g)
{
    return sim_str_hash(g) ^ sim_str_hash(s->tenant.id);
}

static struct sim_ev *admin_signin(struct sim *s, struct sim_day *d, uint32_t a, int64_t t,
                                   uint16_t app, uint16_t res)
{
    return signin(s, d, t, a, app, res, s->users[a].office, 0, SC_BROWSER, s->users[a].desk,
                  AU_MFA, true, sim_key(&d->rng));
}

static void admin_day(struct sim *s, struct sim_day *d)
{
    struct sim_rng *r = &d->rng;
    if (!sim_chance(r, 0.7)) {
        return;
    }
    uint32_t a = pick_admin(s, r);
    if (a == SIM_NONE) {
        return;
    }
    const struct sim_user *au = &s->users[a];
    int64_t t = sim_local(s, d->start, 9.0 + 6.0 * sim_unit(r));
    admin_signin(s, d, a, t, A_AZURE_PORTAL, A_AZURE_MGMT);
    unsigned tasks = 1 + sim_below(r, 3);
    for (unsigned k = 0; k < tasks; k++) {
        t += sim_range(r, 60000, 1800000);
        uint32_t who = bg_pick(s, r, (1u << R_STAFF) | (1u << R_HELPDESK));
        if (who == SIM_NONE || s->users[who].disabled_at <= t) {
            continue; /* nobody changes a leaver's groups or title after the fact */
        }
        struct sim_audit *x = NULL;
        switch (sim_below(r, 4)) {
        case 0:
        case 1: {
            const char *g = groups[sim_below(r, N_GROUPS)];
            x = sa_group_member(s, &d->arena, who, g, group_key(s, g), sim_chance(r, 0.8));
            break;
        }
        case 2: {
            struct sim_prop p[1] = {{"JobTitle",
                                     sim_aprintf(&d->arena, "[\"%s\"]",
                                                 s->users[who].job ? s->users[who].job : "Analyst"),
                                     sim_aprintf(&d->arena, "[\"Senior %s\"]",
                                                 s->users[who].job ? s->users[who].job : "Analyst"),
                                     true}};
            x = sa_update_user(s, &d->arena, who, p, 1);
            break;
        }
        default: {
            /* An Exchange task in Exchange Online PowerShell. */
            signin(s, d, t - 20000, a, A_EXO_PS, A_EXO, au->office, 0, SC_MOBILE_DESKTOP, au->desk,
                   AU_MFA, true, sim_key(r));
            struct sim_cmdlet *c;
            if (sim_chance(r, 0.5)) {
                c = sim_cmdlet_new(&d->arena, "Set-CASMailbox", a, au->office, 2);
                if (c) {
                    c->params[0] = (struct sim_kv){"Identity", s->users[who].nick};
                    c->params[1] = (struct sim_kv){"OWAEnabled", "True"};
                }
            } else {
                c = sim_cmdlet_new(&d->arena, "Add-DistributionGroupMember", a, au->office, 2);
                if (c) {
                    c->params[0] = (struct sim_kv){"Identity", "All Staff"};
                    c->params[1] = (struct sim_kv){"Member", s->users[who].upn};
                }
            }
            if (c) {
                c->object_id =
                    sim_aprintf(&d->arena, "%s/%s", s->tenant.domain, c->params[0].value);
            }
            sim_cmdlet_ev(s, sim_day_ev(s, d), r, t, c);
            continue;
        }
        }
        if (x) {
            sa_by_user(s, x, a, au->office, sim_devices[au->desk].ua);
            audit(s, d, t, x, -1);
        }
    }
}

static void service_noise(struct sim *s, struct sim_day *d)
{
    struct sim_rng *r = &d->rng;
    unsigned n = 1 + sim_below(r, 3);
    for (unsigned k = 0; k < n; k++) {
        uint32_t who = bg_pick(s, r, (1u << R_STAFF) | (1u << R_EXEC));
        if (who == SIM_NONE) {
            break;
        }
        audit(s, d, d->start + sim_range(r, 0, SIM_DAY_MS - 1),
              sa_service_touch(s, &d->arena, who, false, 0), -1);
    }
    if (sim_chance(r, 0.5)) {
        int64_t tm = d->start + sim_range(r, 0, SIM_DAY_MS - 1);
        audit(s, d, tm, sa_service_touch(s, &d->arena, 0, true, sim_key(r)), -1);
    }
}

static void exo_system(struct sim *s, struct sim_day *d, int64_t t, int which)
{
    struct sim_cmdlet *c;
    const char *object;
    if (which == 0) {
        object = "DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}";
        c = sim_cmdlet_new(&d->arena, "Set-Mailbox", SIM_NONE, SIM_NONE, 2);
        if (c) {
            c->params[0] = (struct sim_kv){
                "Identity", sim_aprintf(&d->arena, "%s\\%s", s->tenant.domain, object)};
            c->params[1] = (struct sim_kv){"UseDatabaseQuotaDefaults", "False"};
        }
    } else {
        char g[37];
        sim_guid(sim_key(&d->rng), g);
        object = sim_aprintf(&d->arena, "SystemMailbox{%s}", g);
        c = sim_cmdlet_full_access(&d->arena, SIM_NONE, SIM_NONE, object, "NT AUTHORITY\\SYSTEM");
    }
    if (c) {
        c->object_id = sim_exo_object(s, &d->arena, object);
    }
    exo_cmdlet(s, d, t, c, s->nm[NM_EXOSYS]);
}

/* A new hire's first day. */
static void onboarding(struct sim *s, struct sim_day *d, uint32_t i)
{
    struct sim_rng *r = &d->rng;
    struct sim_user *u = &s->users[i];
    uint32_t a = pick_admin(s, r);
    if (a == SIM_NONE) {
        return;
    }
    const struct sim_user *au = &s->users[a];
    int32_t gt = s->nm[NM_NEWHIRE];
    int64_t t = u->created;
    admin_signin(s, d, a, t - sim_range(r, 60000, 300000), A_AZURE_PORTAL, A_AZURE_MGMT);
    struct sim_audit *x = sa_add_user(s, &d->arena, i, t, false);
    if (x) {
        sa_by_user(s, x, a, au->office, sim_devices[au->desk].ua);
        x->details = NULL;
        audit(s, d, t, x, gt);
    }
    t += sim_range(r, 30000, 300000);
    struct sim_prop p[2] = {
        {"JobTitle", "[]", sim_aprintf(&d->arena, "[\"%s\"]", u->job), true},
        {"Department", "[]", sim_aprintf(&d->arena, "[\"%s\"]", u->dept), true}};
    x = sa_update_user(s, &d->arena, i, p, 2);
    if (x) {
        sa_by_user(s, x, a, au->office, sim_devices[au->desk].ua);
        audit(s, d, t, x, gt);
    }
    t += sim_range(r, 30000, 300000);
    x = sa_group_member(s, &d->arena, i, u->dept, group_key(s, u->dept), true);
    if (x) {
        sa_by_user(s, x, a, au->office, sim_devices[au->desk].ua);
        audit(s, d, t, x, gt);
    }
    if (strcmp(u->dept, "IT") == 0) {
        t += sim_range(r, 60000, 600000);
        x = sa_role_member(s, &d->arena, i, "Helpdesk Administrator",
                           "729827e3-9c14-49f7-bb1b-9608f156bbb8");
        if (x) {
            sa_by_user(s, x, a, au->office, sim_devices[au->desk].ua);
            audit(s, d, t, x, gt);
        }
        /* ...and reaches the support team's shared mailbox. */
        for (uint32_t k = 0; k < s->n_users; k++) {
            if (strcmp(s->users[k].nick, "support") != 0) {
                continue;
            }
            t += sim_range(r, 30000, 300000);
            struct sim_cmdlet *c =
                sim_cmdlet_full_access(&d->arena, a, au->office, s->users[k].upn, u->upn);
            if (c) {
                c->object_id = sim_exo_object(s, &d->arena, s->users[k].nick);
            }
            exo_cmdlet(s, d, t, c, gt);
            break;
        }
    }
    t += sim_range(r, 30000, 300000);
    x = sa_licence(s, &d->arena, i, "[]", sim_licence_json(s, u->lic, "YAMMER_ENTERPRISE"));
    if (x) {
        sa_by_user(s, x, a, au->office, sim_devices[au->desk].ua);
        audit(s, d, t, x, gt);
    }
    sim_truth_ent(s, s->nm[NM_LICENCE], ENT_USERS, u->upn);
    /* The administrator issues a Temporary Access Pass instead of leaving the hire to the
     * enrolment prompt; smaller tenants keep that flow, draw for draw. */
    bool tap = tap_onboarding(s);
    int64_t tap_t = t;
    if (tap) {
        tap_t += sim_range(r, 20000, 120000);
        x = sa_tap(s, &d->arena, i, tap_t, sim_key(r), sim_chance(r, 0.7));
        if (x) {
            sa_by_user(s, x, a, au->office, sim_devices[au->desk].ua);
            audit(s, d, tap_t, x, gt);
        }
    }
    /* Exchange provisions the mailbox a few minutes later. */
    t += sim_range(r, 120000, 900000);
    struct sim_cmdlet *c = sim_cmdlet_new(&d->arena, "Set-Mailbox", SIM_NONE, SIM_NONE, 2);
    if (c) {
        c->params[0] = (struct sim_kv){"Identity", u->id};
        c->params[1] = (struct sim_kv){"RetentionPolicy", "Default MRM Policy"};
        c->object_id = sim_exo_object(s, &d->arena, u->id);
    }
    exo_cmdlet(s, d, t, c, gt);
    t += sim_range(r, 5000, 60000);
    c = sim_cmdlet_new(&d->arena, "Set-CASMailbox", SIM_NONE, SIM_NONE, 3);
    if (c) {
        c->params[0] = (struct sim_kv){"Identity", u->id};
        c->params[1] = (struct sim_kv){"PopEnabled", "False"};
        c->params[2] = (struct sim_kv){"ImapEnabled", "False"};
        c->object_id = sim_exo_object(s, &d->arena, u->id);
    }
    exo_cmdlet(s, d, t, c, gt);
    /* First sign-in: with the pass, or told to enrol in MFA (50079); then registers the
     * Authenticator app and signs in with it. */
    t = sim_local(s, d->start, 9.0 + sim_unit(r));
    if (t < u->created + 20 * SIM_MIN_MS) {
        t = u->created + 20 * SIM_MIN_MS;
    }
    if (tap && t < tap_t + 10 * SIM_MIN_MS) {
        t = tap_t + 10 * SIM_MIN_MS; /* the pass reaches the hire before it is used */
    }
    uint64_t sess = sim_key(r);
    struct sim_ev *e = signin(s, d, t, i, A_OFFICEHOME, A_OFFICEHOME, u->office, tap ? 0 : 50079,
                              SC_BROWSER, u->desk, tap ? AU_TAP : AU_PASSWORD, true, sess);
    if (e) {
        e->gt = gt;
    }
    t += sim_range(r, 20000, 60000);
    for (int k = 0; k < 3; k++) {
        x = sa_security_info(s, &d->arena, i, k);
        if (x) {
            sa_by_user(s, x, i, u->office, NULL);
            audit(s, d, t, x, gt);
        }
        t += k == 0 ? sim_range(r, 60000, 200000) : sim_range(r, 500, 1500);
    }
    x = sa_strong_auth(s, &d->arena, i);
    audit(s, d, t, x, gt);
    u->mfa_now = true;
    u->methods = 1;
    t += sim_range(r, 5000, 30000);
    e = signin(s, d, t, i, A_OFFICEHOME, A_OFFICEHOME, u->office, 0, SC_BROWSER, u->desk, AU_MFA,
               true, sess);
    if (e) {
        e->gt = gt;
    }
    /* Some work on the first afternoon. */
    int64_t t1 = sim_local(s, d->start, 17.0);
    for (unsigned k = 0; k < 4; k++) {
        file_op(s, d, within(r, t, t1), i, u->office);
    }
}

static void rotation(struct sim *s, struct sim_day *d)
{
    struct sim_rng *r = &d->rng;
    uint32_t a = pick_admin(s, r);
    if (a == SIM_NONE) {
        return;
    }
    const struct sim_user *au = &s->users[a];
    struct sim_app *app = &s->apps[A_PAYROLL];
    int64_t t = sim_local(s, d->start, 10.0 + 5.0 * sim_unit(r));
    admin_signin(s, d, a, t - sim_range(r, 60000, 600000), A_AZURE_PORTAL, A_AZURE_MGMT);
    if (app->n_creds >= 4) {
        return;
    }
    struct sim_cred *old = &app->creds[0];
    struct sim_cred *nw = &app->creds[app->n_creds++];
    *nw = (struct sim_cred){sim_key(r), false, "prod-rotation", t, 0};
    const char *k_old = sim_key_desc(s, old), *k_new = sim_key_desc(s, nw);
    struct sim_audit *x =
        sa_credentials(s, &d->arena, A_PAYROLL, false, sim_aprintf(&d->arena, "[\"%s\"]", k_old),
                       sim_aprintf(&d->arena, "[\"%s\",\"%s\"]", k_old, k_new));
    if (x) {
        sa_by_user(s, x, a, au->office, sim_devices[au->desk].ua);
        audit(s, d, t, x, s->nm[NM_ROTATION]);
    }
    sim_truth_user(s, s->nm[NM_ROTATION], a);
    int64_t t2 = t + sim_range(r, 15, 45) * SIM_MIN_MS;
    old->removed = t2;
    x = sa_credentials(s, &d->arena, A_PAYROLL, false,
                       sim_aprintf(&d->arena, "[\"%s\",\"%s\"]", k_old, k_new),
                       sim_aprintf(&d->arena, "[\"%s\"]", k_new));
    if (x) {
        x->op_type = "Update";
        sa_by_user(s, x, a, au->office, sim_devices[au->desk].ua);
        audit(s, d, t2, x, s->nm[NM_ROTATION]);
    }
}

static void app_registration(struct sim *s, struct sim_day *d)
{
    struct sim_rng *r = &d->rng;
    uint32_t a = pick_admin(s, r);
    if (a == SIM_NONE) {
        return;
    }
    const struct sim_user *au = &s->users[a];
    uint16_t ap = s->plan.reporting;
    struct sim_app *app = &s->apps[ap];
    int64_t t = sim_local(s, d->start, 10.0 + 5.0 * sim_unit(r));
    int32_t gt = s->nm[NM_APPREG];
    admin_signin(s, d, a, t - sim_range(r, 60000, 600000), A_AZURE_PORTAL, A_AZURE_MGMT);
    const char *url =
        sim_printf(s, "https://reports.%.*s.com/signin-oidc",
                   (int)(strchr(s->tenant.domain, '.') - s->tenant.domain), s->tenant.domain);
    app->reply_url = url;
    struct sim_audit *x = sa_add_app(s, &d->arena, ap, false, url);
    if (x) {
        sa_by_user(s, x, a, au->office, sim_devices[au->desk].ua);
        audit(s, d, t, x, gt);
    }
    t += sim_range(r, 1000, 5000);
    app->sp_created = t;
    x = sa_add_sp(s, &d->arena, ap);
    if (x) {
        sa_by_user(s, x, a, au->office, sim_devices[au->desk].ua);
        audit(s, d, t, x, gt);
    }
    t += sim_range(r, 60000, 600000);
    app->creds[0] = (struct sim_cred){sim_key(r), false, "reporting-secret", t, 0};
    app->n_creds = 1;
    x = sa_credentials(s, &d->arena, ap, false, "[]",
                       sim_aprintf(&d->arena, "[\"%s\"]", sim_key_desc(s, &app->creds[0])));
    if (x) {
        sa_by_user(s, x, a, au->office, sim_devices[au->desk].ua);
        audit(s, d, t, x, gt);
    }
    sim_truth_user(s, gt, a);
}

static void reply_url(struct sim *s, struct sim_day *d)
{
    struct sim_rng *r = &d->rng;
    uint32_t a = pick_admin(s, r);
    if (a == SIM_NONE) {
        return;
    }
    const struct sim_user *au = &s->users[a];
    struct sim_app *app = &s->apps[A_HR_PORTAL];
    int64_t t = sim_local(s, d->start, 10.0 + 5.0 * sim_unit(r));
    admin_signin(s, d, a, t - sim_range(r, 60000, 600000), A_AZURE_PORTAL, A_AZURE_MGMT);
    const char *nu =
        sim_printf(s, "https://hr-staging.%.*s.com/signin-oidc",
                   (int)(strchr(s->tenant.domain, '.') - s->tenant.domain), s->tenant.domain);
    struct sim_audit *x = sa_app_address(s, &d->arena, A_HR_PORTAL, app->reply_url, nu);
    app->reply_url2 = nu;
    if (x) {
        sa_by_user(s, x, a, au->office, sim_devices[au->desk].ua);
        audit(s, d, t, x, s->nm[NM_REPLY]);
    }
    sim_truth_user(s, s->nm[NM_REPLY], a);
}

static void first_party_consent(struct sim *s, struct sim_day *d)
{
    struct sim_rng *r = &d->rng;
    uint32_t u = s->plan.consent_user;
    if (u == SIM_NONE) {
        return;
    }
    const struct sim_user *us = &s->users[u];
    uint16_t app = s->plan.explorer;
    int64_t t = sim_local(s, d->start, 10.0 + 5.0 * sim_unit(r));
    int32_t gt = s->nm[NM_CONSENT];
    struct sim_ev *e = signin(s, d, t, u, app, A_GRAPH, us->office, 65001, SC_BROWSER, us->desk,
                              AU_CLAIM, true, sim_key(r));
    if (e) {
        e->gt = gt;
    }
    t += sim_range(r, 20000, 60000);
    const char *scope = "openid profile User.Read offline_access Calendars.Read";
    s->apps[app].sp_created = t;
    struct sim_audit *x = sa_add_sp(s, &d->arena, app);
    if (x) {
        sa_by_user(s, x, u, us->office, "EvoSTS");
        x->ests = true;
        audit(s, d, t, x, gt);
    }
    x = sa_grant(s, &d->arena, app, A_GRAPH, scope, false);
    if (x) {
        sa_by_user(s, x, u, us->office, "EvoSTS");
        audit(s, d, t + 1000, x, gt);
    }
    x = sa_consent(s, &d->arena, app, u, A_GRAPH, scope, false, sim_key(r));
    if (x) {
        sa_by_user(s, x, u, us->office, "EvoSTS");
        audit(s, d, t + 1000, x, gt);
    }
    e = signin(s, d, t + 3000, u, app, A_GRAPH, us->office, 0, SC_BROWSER, us->desk, AU_CLAIM, true,
               sim_key(r));
    if (e) {
        e->gt = gt;
    }
}

static void reader_role(struct sim *s, struct sim_day *d)
{
    struct sim_rng *r = &d->rng;
    uint32_t a = pick_admin(s, r), u = s->plan.role_user;
    if (a == SIM_NONE || u == SIM_NONE) {
        return;
    }
    const struct sim_user *au = &s->users[a];
    int64_t t = sim_local(s, d->start, 10.0 + 5.0 * sim_unit(r));
    admin_signin(s, d, a, t - sim_range(r, 60000, 600000), A_AZURE_PORTAL, A_AZURE_MGMT);
    struct sim_audit *x =
        sa_role_member(s, &d->arena, u, "Reports Reader", "4a5d8f65-41da-4de4-8968-e035b65339cf");
    if (x) {
        sa_by_user(s, x, a, au->office, sim_devices[au->desk].ua);
        audit(s, d, t, x, s->nm[NM_ROLE]);
    }
    sim_truth_user(s, s->nm[NM_ROLE], a);
}

static void licence_change(struct sim *s, struct sim_day *d)
{
    struct sim_rng *r = &d->rng;
    uint32_t a = pick_admin(s, r), u = s->plan.licence_user;
    if (a == SIM_NONE || u == SIM_NONE) {
        return;
    }
    struct sim_user *us = &s->users[u];
    const struct sim_user *au = &s->users[a];
    int64_t t = s->plan.licence_at;
    admin_signin(s, d, a, t - sim_range(r, 60000, 600000), A_AZURE_PORTAL, A_AZURE_MGMT);
    const char *old = sim_licence_json(s, us->lic, "YAMMER_ENTERPRISE");
    const char *nw;
    if (us->lic == LIC_E3) {
        /* An upgrade: the mailbox starts logging MailItemsAccessed (audit_on, planned). */
        us->lic = LIC_E5;
        nw = sim_licence_json(s, LIC_E5, "YAMMER_ENTERPRISE");
    } else {
        nw = sim_licence_json(s, us->lic, "YAMMER_ENTERPRISE, SWAY");
        us->e5_extra_disabled = true;
    }
    struct sim_audit *x = sa_licence(s, &d->arena, u, old, nw);
    if (x) {
        sa_by_user(s, x, a, au->office, sim_devices[au->desk].ua);
        audit(s, d, t, x, s->nm[NM_LICENCE]);
    }
    sim_truth_user(s, s->nm[NM_LICENCE], u);
    sim_truth_user(s, s->nm[NM_LICENCE], a);
}

static void calendar_grant(struct sim *s, struct sim_day *d)
{
    for (uint32_t i = 0; i < s->n_users; i++) {
        const struct sim_user *u = &s->users[i];
        if (u->role != R_ASSISTANT || u->boss == SIM_NONE) {
            continue;
        }
        const struct sim_user *b = &s->users[u->boss];
        uint32_t a = pick_admin(s, &d->rng);
        if (a == SIM_NONE) {
            return;
        }
        int64_t t = sim_local(s, d->start, 9.5 + sim_unit(&d->rng));
        signin(s, d, t - 30000, a, A_EXO_PS, A_EXO, s->users[a].office, 0, SC_MOBILE_DESKTOP,
               s->users[a].desk, AU_MFA, true, sim_key(&d->rng));
        struct sim_cmdlet *c =
            sim_cmdlet_new(&d->arena, "Add-MailboxFolderPermission", a, s->users[a].office, 4);
        if (!c) {
            return;
        }
        c->params[0] = (struct sim_kv){"Identity", sim_aprintf(&d->arena, "%s:\\Calendar", b->upn)};
        c->params[1] = (struct sim_kv){"User", u->upn};
        c->params[2] = (struct sim_kv){"AccessRights", "Editor"};
        c->params[3] = (struct sim_kv){"SharingPermissionFlags", "Delegate"};
        c->object_id = sim_aprintf(&d->arena, "%s:\\Calendar", b->upn);
        exo_cmdlet(s, d, t, c, s->nm[NM_DELEGATE]);
    }
}

static void blocked_imap(struct sim *s, struct sim_day *d)
{
    uint32_t u = s->plan.imap_user;
    if (u == SIM_NONE) {
        return;
    }
    int64_t t = sim_local(s, d->start, 19.0 + 3.0 * sim_unit(&d->rng));
    struct sim_ev *e = signin(s, d, t, u, A_EXO, A_EXO, s->users[u].home, 53003, SC_IMAP,
                              DEV_LEGACY, AU_PASSWORD, true, 0);
    if (e) {
        e->gt = s->nm[NM_IMAP];
        e->flags |= EVF_CA_BLOCK;
    }
    sim_truth_ip(s, s->nm[NM_IMAP], s->users[u].home);
}

/* A leaver's last afternoon, from the administrator's desk: the account disabled, its sessions
 * revoked, the mailbox converted to a shared one with FullAccess for the manager, the licence
 * removed. MailItemsAccessed lapses some time after the licence: the manager's first look at
 * the mailbox, that evening, is still logged. */
static void offboarding(struct sim *s, struct sim_day *d)
{
    struct sim_rng *r = &d->rng;
    const struct sim_plan *p = &s->plan;
    uint32_t a = pick_admin(s, r), l = p->leaver_user, m = p->manager;
    if (a == SIM_NONE) {
        return;
    }
    struct sim_user *lu = &s->users[l];
    const struct sim_user *au = &s->users[a], *mu = &s->users[m];
    const char *ua = sim_devices[au->desk].ua;
    int32_t gt = s->nm[NM_LEAVER];
    sim_truth_user(s, gt, a);
    int64_t t = lu->disabled_at;
    struct sim_ev *e =
        admin_signin(s, d, a, t - sim_range(r, 60000, 480000), A_AZURE_PORTAL, A_AZURE_MGMT);
    if (e) {
        e->gt = gt;
    }
    struct sim_audit *x = sa_disable_user(s, &d->arena, l);
    if (x) {
        sa_by_user(s, x, a, au->office, ua);
        audit(s, d, t, x, gt);
    }
    t += sim_range(r, 30000, 180000);
    x = sa_revoke_sessions(s, &d->arena, l, lu->created, t);
    if (x) {
        sa_by_user(s, x, a, au->office, ua);
        audit(s, d, t, x, gt);
    }
    /* The mailbox, in Exchange Online PowerShell. */
    t += sim_range(r, 120000, 360000);
    e = signin(s, d, t, a, A_EXO_PS, A_EXO, au->office, 0, SC_MOBILE_DESKTOP, au->desk, AU_MFA,
               true, sim_key(r));
    if (e) {
        e->gt = gt;
    }
    t += sim_range(r, 20000, 60000);
    struct sim_cmdlet *c = sim_cmdlet_new(&d->arena, "Set-Mailbox", a, au->office, 2);
    if (c) {
        c->params[0] = (struct sim_kv){"Identity", lu->upn};
        c->params[1] = (struct sim_kv){"Type", "Shared"};
        c->object_id = sim_exo_object(s, &d->arena, lu->id);
    }
    exo_cmdlet(s, d, t, c, gt);
    t += sim_range(r, 60000, 240000);
    int64_t t_perm = t;
    c = sim_cmdlet_full_access(&d->arena, a, au->office, lu->upn, mu->upn);
    if (c) {
        c->object_id = sim_exo_object(s, &d->arena, lu->id);
    }
    exo_cmdlet(s, d, t, c, gt);
    /* A shared mailbox needs no licence: back in the portal. */
    t += sim_range(r, 180000, 600000);
    x = sa_licence(s, &d->arena, l, sim_licence_json(s, lu->lic, "YAMMER_ENTERPRISE"), "[]");
    if (x) {
        sa_by_user(s, x, a, au->office, ua);
        audit(s, d, t, x, gt);
    }
    /* Audit Premium goes with the licence, not at once. */
    int64_t lag = sim_range(r, 30, 90) * SIM_MIN_MS;
    lu->audit_off = t + lag;
    /* The manager opens the mailbox in Outlook on the web 20-60 minutes after the grant. */
    int64_t hi = t_perm + 60 * SIM_MIN_MS;
    if (hi > lu->audit_off - 2 * SIM_MIN_MS) {
        hi = lu->audit_off - 2 * SIM_MIN_MS;
    }
    int64_t tm = within(r, t_perm + 20 * SIM_MIN_MS, hi);
    uint64_t sess = sim_key(r);
    int64_t ts = tm - sim_range(r, 30000, 180000);
    e = signin(s, d, ts, m, A_OWA, A_EXO, mu->office, 0, SC_BROWSER, mu->desk, AU_CLAIM, true,
               sess);
    if (e) {
        e->gt = gt;
    }
    mail(s, d, tm, m, l, MC_OWA, mu->office, true, sess, gt, 1); /* a delegate (LogonType 2) */
}

int sim_background_day(struct sim *s, struct sim_day *d)
{
    bool work = sim_is_working_day(s, d->start);
    for (uint32_t i = 0; i < s->n_users; i++) {
        const struct sim_user *u = &s->users[i];
        if (u->role == R_PRINTER) {
            if (work) {
                printer_day(s, d, i);
            }
            continue;
        }
        if (u->role == R_NEWHIRE && u->start == d->start) {
            onboarding(s, d, i);
            continue;
        }
        user_day(s, d, i, work);
    }
    backup_night(s, d);
    connector_night(s, d);
    if (work) {
        admin_day(s, d);
    }
    service_noise(s, d);
    const struct sim_plan *p = &s->plan;
    if (d->start == p->rotation) {
        rotation(s, d);
    }
    if (d->start == p->appreg) {
        app_registration(s, d);
    }
    if (d->start == p->reply) {
        reply_url(s, d);
    }
    if (d->start == p->consent) {
        first_party_consent(s, d);
    }
    if (d->start == p->role) {
        reader_role(s, d);
    }
    if (d->start == p->licence) {
        licence_change(s, d);
    }
    if (d->start == p->calendar) {
        calendar_grant(s, d);
    }
    if (d->start == p->imap) {
        blocked_imap(s, d);
    }
    if (p->leaver_user != SIM_NONE && d->start == p->leaver) {
        offboarding(s, d);
    }
    for (int k = 0; k < 2; k++) {
        if (d->start == p->exosys[k]) {
            exo_system(s, d, d->start + sim_range(&d->rng, 0, SIM_DAY_MS - 1), k);
        }
    }
    for (uint32_t i = 0; i < d->n; i++) {
        if (d->ev[i].t < d->start) {
            d->ev[i].t = d->start; /* a local-time computation before UTC midnight */
        } else if (d->ev[i].t >= d->start + SIM_DAY_MS) {
            d->ev[i].t = d->start + SIM_DAY_MS - 1000;
        }
    }
    return d->ev == NULL && d->n ? -1 : 0;
}
