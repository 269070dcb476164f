/* Tenant simulator: shared model of the generator (internal).
 *
 * The generator works day by day. A day's events (struct sim_ev) are produced in memory by the
 * background model and merged with the scenario events that fall on that day, sorted by time,
 * routed to their log stream and rendered into the output file that stream has for that day.
 * Only one day is ever held, so memory does not grow with the size of the output.
 *
 * Cross-references between records (a sign-in's token id reused by later mailbox records, a
 * session id, a correlation id) are 64-bit keys stored in the events; the renderers turn a key
 * into the same GUID or token text wherever it appears. */
#ifndef M365_SIM_H
#define M365_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "m365hunt/simulate.h"
#include "../core/arena.h"

/* ---------------------------------------------------------------------------------------------
 * Byte buffer with inline appends (the renderers' hot path). */
struct sbuf {
    char *p;
    size_t len, cap;
    bool oom; /* set once growing failed; appends are then dropped */
};

int sb_grow(struct sbuf *b, size_t extra);
void sb_free(struct sbuf *b);

static inline void sb_put(struct sbuf *b, const char *s, size_t n)
{
    if (b->cap - b->len < n && sb_grow(b, n) != 0) {
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static inline void sb_putc(struct sbuf *b, char c)
{
    if (b->cap == b->len && sb_grow(b, 1) != 0) {
        return;
    }
    b->p[b->len++] = c;
}

static inline void sb_puts(struct sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

#define SB_LIT(b, lit) sb_put((b), (lit), sizeof(lit) - 1)

void sb_u64(struct sbuf *b, uint64_t v);
void sb_i64(struct sbuf *b, int64_t v);
/* v zero-padded to width digits. */
void sb_pad(struct sbuf *b, unsigned v, int width);
/* JSON string body escaping (no quotes). */
void sb_json_esc(struct sbuf *b, const char *s, size_t n);

/* ---------------------------------------------------------------------------------------------
 * Deterministic randomness: xoshiro256** seeded through splitmix64. */
struct sim_rng {
    uint64_t s[4];
};

uint64_t sim_mix64(uint64_t x); /* splitmix64 finaliser: a good 64-bit hash */
void sim_rng_seed(struct sim_rng *r, uint64_t seed, uint64_t stream);

static inline uint64_t sim_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t sim_next(struct sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = sim_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sim_rotl(s[3], 45);
    return res;
}

uint32_t sim_below(struct sim_rng *r, uint32_t n);            /* uniform in [0, n), n > 0 */
int64_t sim_range(struct sim_rng *r, int64_t lo, int64_t hi); /* uniform in [lo, hi] */
double sim_unit(struct sim_rng *r);                           /* [0, 1) */
bool sim_chance(struct sim_rng *r, double p);
/* Non-zero 64-bit key for cross-referenced ids. */
uint64_t sim_key(struct sim_rng *r);

/* Text forms of a key: GUID (36 chars), base64url token (22 chars), hex (n chars). */
void sim_guid(uint64_t key, char out[37]);
void sim_token(uint64_t key, char out[23]);
void sim_hex(uint64_t key, char *out, int n, bool upper);

/* ---------------------------------------------------------------------------------------------
 * Time text. All times are UTC milliseconds since the epoch. */
enum sim_tfmt {
    TF_UAL,     /* 2026-03-04T01:56:15 */
    TF_Z0,      /* 2026-03-04T01:56:15Z */
    TF_Z3,      /* 2026-03-04T01:56:15.123Z */
    TF_Z7,      /* 2026-03-04T01:56:15.1234567Z */
    TF_OFF7,    /* 2026-03-04T01:56:15.1234567+00:00 */
    TF_PURVIEW, /* 3/4/2026 1:56:15 AM */
    TF_PORTAL,  /* 3/4/2026, 1:56:15.123 PM */
    TF_DATE     /* 2026-03-04 */
};
/* sub: 4 extra digits (0..9999) after the milliseconds for the 7-digit forms. */
void sb_time(struct sbuf *b, int64_t ms, enum sim_tfmt f, unsigned sub);
/* The time a reader gets back from text written in form f (precision lost). */
int64_t sim_time_as_written(int64_t ms, enum sim_tfmt f);

#define SIM_DAY_MS 86400000LL
#define SIM_HOUR_MS 3600000LL
#define SIM_MIN_MS 60000LL

/* ---------------------------------------------------------------------------------------------
 * The tenant. */
struct sim_geo {
    const char *country, *state, *city;
    double lat, lon;
};

enum sim_ip_kind {
    IPK_OFFICE,
    IPK_HOME,
    IPK_CARRIER,   /* mobile network */
    IPK_MICROSOFT, /* Microsoft's own (Outlook mobile service) */
    IPK_VENDOR,    /* the backup vendor's fixed address */
    IPK_TRAVEL,
    IPK_PROXY,  /* residential proxy exit */
    IPK_HOSTING /* cloud / VPS */
};

struct sim_ip {
    char addr[40];
    uint32_t asn;
    uint8_t kind;
    struct sim_geo geo;
};

enum sim_role {
    R_EXEC,
    R_CISO,
    R_ADMIN,
    R_HELPDESK,
    R_SECANALYST,
    R_ASSISTANT,
    R_STAFF,
    R_SHARED,  /* shared mailbox: nobody signs in */
    R_PRINTER, /* multifunction printer sending mail with SMTP AUTH */
    R_LEGACY,  /* dormant test / service account from a migration */
    R_FORMER,  /* former employee, disabled */
    R_NEWHIRE, /* created during the window */
    R_ATTACKER /* created by an attacker during the window */
};

enum sim_lic { LIC_NONE, LIC_E3, LIC_E5 };

/* Device profiles (deviceDetail, user agent). */
enum sim_dev {
    DEV_NONE,
    DEV_WIN_EDGE,
    DEV_WIN_CHROME,
    DEV_MAC_CHROME,
    DEV_MAC_SAFARI,
    DEV_WIN_OUTLOOK, /* Office desktop client */
    DEV_IOS_OUTLOOK,
    DEV_ANDROID_OUTLOOK,
    DEV_LEGACY, /* BAV2ROPC */
    DEV_ATTACK_CHROME,
    DEV_PYTHON,
    DEV__N
};

struct sim_devinfo {
    const char *os, *browser, *ua;
};
extern const struct sim_devinfo sim_devices[DEV__N];

#define SIM_NONE 0xffffu

struct sim_user {
    const char *upn, *display, *job, *dept, *nick;
    size_t upn_len;
    char id[37], puid[17], sid[56], mbx[37];
    uint64_t key;                 /* hash of the user's ids: seeds per-user stable values */
    uint8_t role, lic, desk, mob; /* desk / mob: enum sim_dev (mob DEV_NONE when no phone) */
    bool mfa;                     /* has MFA methods registered before the window */
    bool enabled;
    bool global_admin;
    bool e5_extra_disabled;         /* disabled plans list already includes more than Yammer */
    uint16_t home, office, carrier; /* ip indices */
    uint32_t boss;                  /* assistant: the executive (SIM_NONE otherwise) */
    int64_t created;                /* account creation time */
    int64_t start;                  /* first day of activity (new hires) */
    int64_t last_signin_before;     /* last successful sign-in before the window (0: never) */
    int64_t audit_on;               /* MailItemsAccessed logged from this time (an upgrade) */
    int64_t audit_off;              /* MailItemsAccessed no longer logged from this time */
    int64_t disabled_at;            /* a leaver's account is disabled from this time */
    int64_t travel_from, travel_to;
    uint16_t travel_ip;
    /* Filled while generating, for the snapshot. */
    int64_t last_signin, last_ni_signin, last_success;
    bool mfa_now, audit_disabled_now;
    uint8_t methods;        /* bit 0 authenticator app, bit 1 phone, bit 2 TAP */
    bool claimed;           /* taken by a scenario */
    const char *forwarding; /* ForwardingSmtpAddress set during the window */
};

enum sim_app_kind { APPK_FIRST_PARTY, APPK_TENANT, APPK_VENDOR, APPK_ATTACKER, APPK_SERVICE };

struct sim_cred {
    uint64_t key; /* key id */
    bool cert;
    const char *name; /* DisplayName (secret description or certificate subject) */
    int64_t added, removed;
};

struct sim_app {
    const char *id, *name;
    char sp[37], obj[37];
    const char *owner_tenant;
    uint8_t kind;
    bool multi_tenant;
    const char *reply_url, *reply_url2;
    struct sim_cred creds[4];
    uint8_t n_creds;
    int64_t sp_created;
};

/* Well-known application slots (indices into sim.apps). */
enum {
    A_EXO,
    A_GRAPH,
    A_AADGRAPH,
    A_SPO,
    A_OFFICEHOME,
    A_OWA,
    A_TEAMS,
    A_TEAMS_SVC,
    A_OFFICE,
    A_OUTLOOK_MOBILE,
    A_ONEDRIVE,
    A_AZURE_PORTAL,
    A_AZURE_MGMT,
    A_MY_SIGNINS,
    A_AAD_PS,
    A_GRAPH_CLI,
    A_EXO_PS,
    A_AUTH_BROKER,
    A_ACCESS_PANEL,
    A_SVC_CREDCONF, /* Microsoft service actors in directory audits */
    A_SVC_SUBSTRATE,
    A_SVC_DRS,
    A_SVC_ESTS,
    A_BACKUP,      /* the backup vendor's multi-tenant app */
    A_PAYROLL,     /* in-tenant app with the prod-rotation secret */
    A_LEGACY_AUTO, /* in-tenant legacy automation app (holds AppRoleAssignment.ReadWrite.All) */
    A_HR_PORTAL,   /* in-tenant app whose owner adds a reply URL */
    A__FIXED
};

#define SIM_MAX_APPS 64

struct sim_tenant {
    const char *name, *domain;
    char id[37], workspace[37], ca1[37], ca2[37];
    char sid_dom[40]; /* domain part of the users' SIDs */
    uint64_t key;     /* hash of the tenant id */
    const char *region_name, *named_location;
    int utc_offset;           /* hours */
    int weekend_a, weekend_b; /* weekday numbers 0 = Sunday */
};

/* ---------------------------------------------------------------------------------------------
 * Events. */
enum sim_stream {
    ST_EXO,       /* UAL Audit.Exchange */
    ST_SPO,       /* UAL Audit.SharePoint */
    ST_GEN,       /* UAL Audit.General (Teams) */
    ST_SIGNIN,    /* Entra interactive sign-ins */
    ST_SIGNIN_NI, /* Entra non-interactive sign-ins */
    ST_SIGNIN_SP, /* Entra service principal sign-ins */
    ST_AUDIT,     /* Entra directory audit */
    ST_GRAPHACT,  /* Microsoft Graph activity log: requests made by Graph mail reads and
                   * sign-ins to Graph (sim_graph_activity.c), no events of its own */
    ST__N
};

enum sim_ev_type { EV_SIGNIN, EV_AUDIT, EV_MAIL, EV_ITEM, EV_CMDLET, EV_FILE, EV_TEAMS };

/* Mail clients (ClientInfoString and friends). */
enum sim_mclient {
    MC_RPC,     /* Outlook desktop: Client=MSExchangeRPC */
    MC_OWA,     /* Client=OWA;Action=ViaProxy */
    MC_IOS,     /* Client=OutlookService;Outlook-iOS/2.0; */
    MC_ANDROID, /* Client=OutlookService;Outlook-Android/2.0; */
    MC_REST,    /* Graph: Client=REST;Client=RESTSystem;; */
    MC_EWS      /* Client=WebServices;ExchangeWebServices/15.0; */
};

/* Sign-in client kinds (clientAppUsed, protocol). */
enum sim_sclient {
    SC_BROWSER,
    SC_MOBILE_DESKTOP, /* "Mobile Apps and Desktop clients" */
    SC_ROPC,           /* Mobile Apps and Desktop clients over ROPC (scripts, spray tools) */
    SC_SMTP,           /* Authenticated SMTP */
    SC_IMAP,           /* IMAP4 */
    SC_EAS             /* Exchange ActiveSync */
};

/* Authentication of a sign-in. */
enum sim_auth {
    AU_PASSWORD,      /* single factor, password */
    AU_MFA,           /* password then MFA now */
    AU_CLAIM,         /* both satisfied by claims in the token (SSO) */
    AU_CLAIM_SINGLE,  /* previously satisfied, single factor */
    AU_PASSWORD_FAIL, /* the password step failed */
    AU_TAP            /* a Temporary Access Pass, which satisfies MFA on its own */
};

/* Flags on events. */
#define EVF_INTERACTIVE 0x01
#define EVF_SP 0x02       /* service principal sign-in */
#define EVF_TRUSTED 0x04  /* from a trusted named location */
#define EVF_CA_BLOCK 0x08 /* blocked by the legacy-auth CA policy */
#define EVF_KMSI 0x10     /* keep me signed in interrupt */
#define EVF_NO_UAL 0x20   /* directory audit with no UAL form */

struct sim_kv {
    const char *name, *value;
};

/* A modified property: json = the values are JSON text (arrays, objects), else plain strings. */
struct sim_prop {
    const char *name, *old_v, *new_v;
    bool json;
};

struct sim_target {
    const char *type; /* User, ServicePrincipal, Application, Group, Directory, Policy, Other */
    const char *id, *name, *upn;
    const char *app_id; /* ServicePrincipal / Application targets */
    const char *puid;   /* User targets (UAL Target Type 3) */
    const struct sim_prop *props;
    uint8_t n_props;
};

/* A directory audit record, rendered as Graph / Azure Monitor / Log Analytics and, when
 * ual_op is set, as a UAL AzureActiveDirectory record. */
struct sim_audit {
    const char *activity; /* activityDisplayName */
    const char *ual_op;   /* UAL Operation, NULL when the UAL does not carry it */
    const char *category, *service, *op_type,
        *ual_class; /* ual_class: extendedAuditEventCategory */
    const char *result_reason;
    bool failure;
    uint32_t actor_user;    /* SIM_NONE when an application acted */
    uint16_t actor_app;     /* SIM_NONE when a user acted */
    bool ests;              /* consent records: the actor chain includes Azure ESTS Service */
    uint16_t ip;            /* SIM_NONE: none logged */
    const char *ua;         /* User-Agent additional detail */
    const char *app_detail; /* AppId additional detail */
    const char *object_id;  /* UAL ObjectId */
    const struct sim_target *targets;
    uint8_t n_targets;
    const struct sim_kv *details; /* other additionalDetails */
    uint8_t n_details;
};

/* An Exchange cmdlet (UAL RecordType 1). */
struct sim_cmdlet {
    const char *op;
    uint32_t user; /* SIM_NONE: NT AUTHORITY\SYSTEM (Microsoft.Exchange.ServiceHost) */
    uint16_t ip;   /* SIM_NONE: none */
    uint16_t port;
    const char *app_id; /* AppId (EXO PowerShell, Exchange Online…), NULL for the system */
    const char *object_id;
    struct sim_kv *params;
    uint8_t n_params;
    bool failed;
};

/* A mailbox item operation (UAL RecordType 2): Send, SoftDelete, UpdateInboxRules… */
struct sim_item {
    const char *op;
    const char *folder; /* ParentFolder path */
    const char *subject;
    const struct sim_kv *props; /* OperationProperties (UpdateInboxRules) */
    uint8_t n_props;
};

enum sim_file_op { FO_ACCESSED, FO_PREVIEWED, FO_MODIFIED, FO_DOWNLOADED, FO_UPLOADED, FO__N };
enum sim_teams_op { TO_SESSION, TO_CHAT, TO_LINK, TO__N };

struct sim_ev {
    int64_t t;
    uint32_t seq;
    uint8_t type, stream, op, client;
    int32_t gt;                  /* ground-truth item, -1 none */
    uint32_t user;               /* actor user; for service principal sign-ins the app index */
    uint32_t owner;              /* mailbox owner (mail, items), SIM_NONE otherwise */
    uint16_t ip, app, app2, res; /* app: client app; app2: ClientAppId / token app; res: resource */
    int32_t err;
    uint8_t logon, bind, folders, items, dev, auth, cred, flags;
    uint64_t rnd;                  /* per-record randomness for cosmetic values */
    uint64_t tok, sess, corr, key; /* cross-referenced ids; 0 = absent */
    int64_t t2;                    /* token issue time (mail), 0 = none */
    const void *rich;              /* struct sim_audit / sim_cmdlet / sim_item */
};

/* ---------------------------------------------------------------------------------------------
 * Ground truth. */
enum sim_ent { ENT_USERS, ENT_IPS, ENT_APPS, ENT_SPS, ENT_MAILBOXES, ENT_DOMAINS, ENT__N };

struct sim_strset {
    const char **v;
    uint32_t n, cap;
};

struct sim_evref {
    const char *file; /* interned in the sim arena */
    char id[96];
    int64_t t;
};

#define SIM_TRUTH_MAX_EVIDENCE 500

struct sim_truth {
    bool attack;
    const char *scenario, *id, *title, *description;
    const char *rules[6];
    uint8_t n_rules;
    struct sim_strset ent[ENT__N];
    uint64_t planned, written; /* records planned / written */
    int64_t first, last;       /* over written records */
    struct sim_evref *ev;      /* up to SIM_TRUTH_MAX_EVIDENCE (attack steps only) */
    bool absence;              /* observed by records stopping (first = last = when) */
    uint32_t n_ev, cap_ev;
};

/* ---------------------------------------------------------------------------------------------
 * Output formats. */
enum sim_fmt {
    F_UAL_JSONL,
    F_UAL_BLOB,
    F_PURVIEW_NEW,
    F_PURVIEW_CLASSIC,
    F_GRAPH,
    F_AZMON_PT1H,
    F_AZMON_EVENTHUB,
    F_LA_JSON,
    F_LA_CSV,
    F__N
};

struct sim_fmt_info {
    const char *name, *reader, *description;
    unsigned holds; /* bit per stream */
    bool newest_first;
};
extern const struct sim_fmt_info sim_fmts[F__N];

/* ---------------------------------------------------------------------------------------------
 * The simulation. */
/* Benign near-miss activities: ground-truth items the background writes into. */
enum sim_nm {
    NM_TYPO, /* mistyped passwords */
    NM_MFA,  /* MFA prompts and a denied push */
    NM_TRAVEL,
    NM_DELEGATE, /* the assistant's calendar delegation */
    NM_SECOPS,   /* analysts reading the shared security mailbox */
    NM_PRINTER,  /* SMTP AUTH from the office printer */
    NM_IMAP,     /* a legacy IMAP attempt blocked by Conditional Access */
    NM_ROTATION, /* prod-rotation secret rotated by its owner */
    NM_APPREG,   /* an admin registers an app and gives it a secret */
    NM_REPLY,    /* an app owner adds a reply URL */
    NM_BACKUP,   /* the backup app's nightly Graph reads */
    NM_NEWHIRE,  /* new hire: account, licence, mailbox, MFA registration */
    NM_CONSENT,  /* a user consents to a Microsoft first-party app */
    NM_EXOSYS,   /* Exchange's own provisioning cmdlets */
    NM_LICENCE,  /* licence changes that do not touch auditing */
    NM_ROLE,     /* a non-privileged directory role assigned */
    NM_LEAVER,   /* a leaver's offboarding: disabled, shared mailbox, manager's access */
    NM__N
};

/* Permissions held at the end of the window (for the snapshot). */
struct sim_grant {
    uint16_t client, resource;
    uint32_t principal;  /* delegated grant to one user; SIM_NONE: AllPrincipals / app role */
    const char *scope;   /* delegated scopes, or the app role's value */
    const char *role_id; /* app role id; NULL for delegated grants */
    int64_t t;
};
#define SIM_MAX_GRANTS 64

struct sim_plan {
    int64_t rotation, appreg, reply, consent, role, licence, calendar, imap, exosys[2], leaver;
    int64_t licence_at; /* when the licence change is made */
    uint32_t consent_user, role_user, licence_user, imap_user;
    uint32_t leaver_user, manager; /* the leaver's mailbox goes to the manager */
    uint16_t explorer, reporting; /* apps: Graph Explorer, the admin's new app */
};

struct sim {
    const struct m365_sim_options *opt;
    int32_t nm[NM__N];
    struct sim_plan plan;
    struct sim_grant grants[SIM_MAX_GRANTS];
    uint32_t n_grants;
    struct m365_arena arena; /* lives as long as the simulation */
    struct sim_tenant tenant;
    struct sim_user *users;
    uint32_t n_users, cap_users;
    bool users_pinned; /* sim_users_pin: the array no longer moves */
    struct sim_app apps[SIM_MAX_APPS];
    uint32_t n_apps;
    struct sim_ip *ips;
    uint32_t n_ips, cap_ips;
    uint16_t office_ips[3];
    uint8_t n_office;
    uint16_t vendor_ip;
    uint16_t ms6[16]; /* Microsoft addresses Outlook mobile mail access comes from */
    uint8_t n_ms6;
    int64_t start_days; /* the first day's date, days since 1970-01-01 */
    int64_t start, end; /* [start, end) of the configured window (local midnights) */
    int64_t gen_end;    /* end of what was generated (grows with --size) */
    uint32_t days_done;

    /* Scenario events, in creation order until sorted. */
    struct sim_ev *sev;
    uint32_t n_sev, cap_sev, sev_next;
    uint32_t seq;

    struct sim_truth *truth;
    uint32_t n_truth, cap_truth;

    /* Formats: allowed per stream (bits of enum sim_fmt); chosen per file. */
    unsigned allowed[ST__N];
    bool mixed;

    /* Writing. */
    char *out_dir;
    struct m365_sim_stats stats;
    uint64_t bytes;            /* uncompressed bytes of evidence written */
    struct sim_outfile *files; /* list of written files (for the ground truth) */
    uint32_t n_files, cap_files;
    bool io_failed;
    char err[256];
    int scenario_mask;
};

/* Tenant model (sim_tenant.c). */
int sim_tenant_build(struct sim *s);
uint16_t sim_ip_add(struct sim *s, const char *addr, uint32_t asn, uint8_t kind,
                    const struct sim_geo *geo);
/* A random address from an address pool of the given kind near the tenant (or abroad). */
uint16_t sim_ip_pool(struct sim *s, struct sim_rng *r, uint8_t kind);
uint16_t sim_ip_residential(struct sim *s,
                            struct sim_rng *r); /* proxy exit in the tenant's country */
uint16_t sim_ip_azure(struct sim *s, struct sim_rng *r);
uint16_t sim_ip_vps(struct sim *s, struct sim_rng *r);
uint16_t sim_ip_microsoft6(struct sim *s, struct sim_rng *r);
/* After the tenant is built, audits, cmdlets and events point into users' inline ids (id, puid,
 * sid, mbx): the array must not move. Reserves room for the accounts the scenarios add, after
 * which sim_user_add adds no more than that (SIM_NONE). 0 on success. */
int sim_users_pin(struct sim *s, uint32_t headroom);
uint32_t sim_user_add(struct sim *s, const char *nick, const char *display, uint8_t role,
                      uint8_t lic, struct sim_rng *r);
uint16_t sim_app_add(struct sim *s, const char *id, const char *name, uint8_t kind,
                     const char *owner_tenant, struct sim_rng *r);
const char *sim_strdup(struct sim *s, const char *text);
/* Records why the simulation failed (the first reason wins). */
void sim_error(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *sim_aprintf(struct m365_arena *A, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
uint64_t sim_str_hash(const char *s); /* stable across runs (FNV-1a, then mixed) */
const char *sim_printf(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Pick an unclaimed user with one of the roles (mask of 1 << role); SIM_NONE when none. */
uint32_t sim_pick_user(struct sim *s, struct sim_rng *r, unsigned role_mask, bool claim);
/* Days are the tenant's local calendar days: day_start is local midnight, as UTC ms. */
bool sim_is_working_day(const struct sim *s, int64_t day_start);
/* UTC time of local hour h (fractional) on the day starting at day_start. */
int64_t sim_local(const struct sim *s, int64_t day_start, double hour);
/* Exchange object path: "<forest>.PROD.OUTLOOK.COM/Microsoft Exchange Hosted
 * Organizations/<domain>/<name>", the forest following the tenant's region. */
const char *sim_exo_object(struct sim *s, struct m365_arena *A, const char *name);
/* "[SkuName=SPE_E5, AccountId=…, SkuId=…, DisabledPlans=[…]]" JSON array text. */
const char *sim_licence_json(struct sim *s, uint8_t lic, const char *disabled);

/* Events (sim_events.c). */
struct sim_ev *sim_ev_new(struct sim *s); /* a scenario event, zeroed, gt = -1 */
struct sim_audit *sim_audit_new(struct m365_arena *a);
struct sim_target *sim_targets(struct m365_arena *a, unsigned n);
struct sim_prop *sim_props(struct m365_arena *a, unsigned n);
struct sim_kv *sim_kvs(struct m365_arena *a, unsigned n);
/* Common record builders, used by the background and the scenarios. */
struct sim_ev *sim_mk_signin(struct sim *s, struct sim_ev *e, struct sim_rng *r, int64_t t,
                             uint32_t user, uint16_t app, uint16_t res, uint16_t ip, int32_t err,
                             uint8_t client, uint8_t dev, uint8_t auth, bool interactive);
struct sim_ev *sim_mk_sp_signin(struct sim *s, struct sim_ev *e, struct sim_rng *r, int64_t t,
                                uint16_t app, uint16_t res, uint16_t ip, uint64_t key, bool cert);
struct sim_ev *sim_mk_mail(struct sim *s, struct sim_ev *e, struct sim_rng *r, int64_t t,
                           uint32_t actor, uint32_t owner, uint8_t client, uint16_t ip, bool bind);
struct sim_target *sim_app_target(struct sim *s, struct m365_arena *a, uint16_t app,
                                  bool application);
void sim_tgt_user(struct sim *s, struct sim_target *t, uint32_t user);
void sim_tgt_app(struct sim *s, struct sim_target *t, uint16_t app, bool application);

/* Directory audit builders (sim_audits.c). Each returns the audit, allocated in `a`, with the
 * activity's targets and modified properties; the caller sets the actor and attaches it to an
 * event with sim_audit_ev. */
struct sim_ev *sim_audit_ev(struct sim *s, struct sim_ev *e, struct sim_rng *r, int64_t t,
                            struct sim_audit *a);
void sa_by_user(struct sim *s, struct sim_audit *a, uint32_t user, uint16_t ip, const char *ua);
void sa_by_app(struct sim_audit *a, uint16_t app);
struct sim_audit *sa_add_user(struct sim *s, struct m365_arena *A, uint32_t u, int64_t t,
                              bool no_expiry);
struct sim_audit *sa_update_user(struct sim *s, struct m365_arena *A, uint32_t u,
                                 const struct sim_prop *props, unsigned n);
/* Disable account: AccountEnabled [true] -> [false]. */
struct sim_audit *sa_disable_user(struct sim *s, struct m365_arena *A, uint32_t u);
/* Update user: StsRefreshTokensValidFrom moved from `since` to t (sign-in sessions revoked). */
struct sim_audit *sa_revoke_sessions(struct sim *s, struct m365_arena *A, uint32_t u,
                                     int64_t since, int64_t t);
struct sim_audit *sa_licence(struct sim *s, struct m365_arena *A, uint32_t u, const char *old_json,
                             const char *new_json);
struct sim_audit *sa_group_member(struct sim *s, struct m365_arena *A, uint32_t u,
                                  const char *group, uint64_t group_key, bool add);
struct sim_audit *sa_role_member(struct sim *s, struct m365_arena *A, uint32_t u, const char *role,
                                 const char *template_id);
struct sim_audit *sa_credentials(struct sim *s, struct m365_arena *A, uint16_t app, bool on_sp,
                                 const char *old_json, const char *new_json);
struct sim_audit *sa_app_address(struct sim *s, struct m365_arena *A, uint16_t app,
                                 const char *old_url, const char *new_url);
struct sim_audit *sa_add_app(struct sim *s, struct m365_arena *A, uint16_t app, bool multi,
                             const char *url);
struct sim_audit *sa_add_sp(struct sim *s, struct m365_arena *A, uint16_t app);
struct sim_audit *sa_grant(struct sim *s, struct m365_arena *A, uint16_t client, uint16_t resource,
                           const char *scope, bool all_principals);
struct sim_audit *sa_consent(struct sim *s, struct m365_arena *A, uint16_t client, uint32_t user,
                             uint16_t resource, const char *scope, bool admin, uint64_t grant_key);
struct sim_audit *sa_app_role(struct sim *s, struct m365_arena *A, uint16_t resource,
                              const char *role_id, const char *role_value, const char *role_name,
                              uint16_t grantee, int64_t t);
struct sim_audit *sa_security_info(struct sim *s, struct m365_arena *A, uint32_t u, int which);
struct sim_audit *sa_tap(struct sim *s, struct m365_arena *A, uint32_t u, int64_t t, uint64_t key,
                         bool once);
struct sim_audit *sa_strong_auth(struct sim *s, struct m365_arena *A, uint32_t u);
struct sim_audit *sa_domain(struct sim *s, struct m365_arena *A, const char *domain, int which,
                            const char *issuer, const char *cert);
struct sim_audit *sa_ca_policy(struct sim *s, struct m365_arena *A, const char *policy_id,
                               const char *name, const char *old_state, const char *new_state);
struct sim_audit *sa_service_touch(struct sim *s, struct m365_arena *A, uint32_t u, bool device,
                                   uint64_t key);
/* A key description list entry: [KeyIdentifier=…,KeyType=…,KeyUsage=Verify,DisplayName=…]. */
const char *sim_key_desc(struct sim *s, const struct sim_cred *c);
/* An Exchange cmdlet event (UAL Audit.Exchange, RecordType 1). */
struct sim_ev *sim_cmdlet_ev(struct sim *s, struct sim_ev *e, struct sim_rng *r, int64_t t,
                             struct sim_cmdlet *c);
struct sim_cmdlet *sim_cmdlet_new(struct m365_arena *A, const char *op, uint32_t user, uint16_t ip,
                                  unsigned n_params);
/* Add-MailboxPermission -Identity identity -User grantee -AccessRights FullAccess
 * -InheritanceType All. */
struct sim_cmdlet *sim_cmdlet_full_access(struct m365_arena *A, uint32_t user, uint16_t ip,
                                          const char *identity, const char *grantee);

/* Ground truth (sim_truth.c). */
int32_t sim_truth_new(struct sim *s, bool attack, const char *scenario, const char *id,
                      const char *title, const char *description, const char *rules);
void sim_truth_ent(struct sim *s, int32_t t, enum sim_ent k, const char *v);
void sim_truth_user(struct sim *s, int32_t t, uint32_t user);
void sim_truth_ip(struct sim *s, int32_t t, uint16_t ip);
void sim_truth_app(struct sim *s, int32_t t, uint16_t app);
void sim_truth_sp(struct sim *s, int32_t t, uint16_t app);
void sim_truth_mailbox(struct sim *s, int32_t t, uint32_t user);
void sim_truth_written(struct sim *s, const struct sim_ev *e, const char *file,
                       const char *record_id, int64_t t);
int sim_truth_write(struct sim *s);
int sim_hosting_ranges_write(struct sim *s); /* enrichment/ip-ranges.txt */
int sim_city_db_write(struct sim *s);       /* enrichment/city.mmdb */

/* Background (sim_background.c): the day's benign events. */
struct sim_day {
    int64_t start;
    struct sim_ev *ev;
    uint32_t n, cap;
    struct m365_arena arena; /* rich data of the day's background events */
    struct sim_rng rng;
};
void sim_background_prepare(struct sim *s); /* near-miss bookkeeping before the first day */
int sim_background_day(struct sim *s, struct sim_day *d);
struct sim_ev *sim_day_ev(struct sim *s, struct sim_day *d);

/* Scenarios (scn_*.c, scenarios.def). */
struct sim_scn {
    const char *name, *title, *description;
    void (*plan)(struct sim *s, struct sim_rng *r, int64_t from, int64_t to);
};
#define M365_SIM_SCENARIO(id, name, title, desc)                                                   \
    void sim_plan_##id(struct sim *s, struct sim_rng *r, int64_t from, int64_t to);
#include "scenarios.def"
#undef M365_SIM_SCENARIO
extern const struct sim_scn sim_scenarios[];
extern const size_t sim_n_scenarios;

/* Scenario kit (scn_kit.c): steps and the events of a step, with their entities. */
int32_t scn_step(struct sim *s, const char *scenario, int n, const char *title,
                 const char *description, const char *rules);
/* A step observed through the absence of records from `at` on (mail-audit-stopped). */
void scn_absence(struct sim *s, int32_t gt, int64_t at);
struct sim_ev *scn_signin(struct sim *s, struct sim_rng *r, int32_t gt, int64_t t, uint32_t user,
                          uint16_t app, uint16_t res, uint16_t ip, int32_t err, uint8_t client,
                          uint8_t dev, uint8_t auth, bool interactive, uint64_t sess);
struct sim_ev *scn_sp_signin(struct sim *s, struct sim_rng *r, int32_t gt, int64_t t, uint16_t app,
                             uint16_t res, uint16_t ip, uint64_t key, bool cert);
struct sim_ev *scn_audit(struct sim *s, struct sim_rng *r, int32_t gt, int64_t t,
                         struct sim_audit *a);
struct sim_ev *scn_cmdlet(struct sim *s, struct sim_rng *r, int32_t gt, int64_t t,
                          struct sim_cmdlet *c);
struct sim_ev *scn_mail(struct sim *s, struct sim_rng *r, int32_t gt, int64_t t, uint32_t actor,
                        uint32_t owner, uint8_t client, uint16_t ip, bool bind);
struct sim_ev *scn_item(struct sim *s, struct sim_rng *r, int32_t gt, int64_t t, uint32_t user,
                        uint16_t ip, uint8_t client, const char *op, const char *folder,
                        const struct sim_kv *props, unsigned n_props);
struct sim_ev *scn_file(struct sim *s, struct sim_rng *r, int32_t gt, int64_t t, uint32_t user,
                        uint16_t ip, uint8_t op);
/* A password spray: one attempt per target, from the addresses in turn, gap_lo..gap_hi seconds
 * apart from t. With hit, that account succeeds at attempt hit->at, recorded under hit->gt.
 * Returns the time after the last attempt. */
struct scn_hit {
    uint32_t user, at; /* in: the account that falls, at attempt number `at` */
    int32_t gt;        /* in: the step its success belongs to */
    int64_t t;         /* out */
    uint64_t sess;     /* out */
    uint16_t ip;       /* out */
};
int64_t scn_spray(struct sim *s, struct sim_rng *r, int32_t gt, const uint32_t *targets, uint32_t n,
                  const uint16_t *ips, uint32_t n_ips, int64_t t, int gap_lo, int gap_hi,
                  uint8_t dev, struct scn_hit *hit);
/* Local midnight of the window day at fraction frac of [from, to). */
int64_t scn_day(const struct sim *s, int64_t from, int64_t to, double frac);
/* A user with a role in mask (ga: 1 Global Administrators only, 0 none, -1 either), claimed
 * for the scenario; an already claimed one when every candidate is taken. */
uint32_t scn_pick(struct sim *s, struct sim_rng *r, unsigned mask, int ga);
/* Everyone a spray would try: people, shared mailboxes, leftovers; at most max. */
uint32_t scn_spray_targets(struct sim *s, struct sim_rng *r, uint32_t *out, uint32_t max,
                           uint32_t must);
/* E5 mailboxes worth stealing: executives, the CISO, security staff and secops. */
uint32_t scn_vip_mailboxes(struct sim *s, struct sim_rng *r, uint32_t *out, uint32_t max);
/* The domain part of a URL, for the domains entity. */
const char *scn_host(struct sim *s, const char *url);

/* Rendering (sim_ual.c, sim_entra.c) through the JSON writer (sim_jw.c). */
enum jw_cell { CELL_STR, CELL_RAW, CELL_BOOL_T, CELL_BOOL_F, CELL_NULL, CELL_JSON, CELL_TIME };

struct jw_cellrec {
    const char *name;
    uint32_t off, len;
    uint8_t kind;
    int64_t t;
};

#define JW_MAX_DEPTH 24
#define JW_MAX_CELLS 192

struct jw {
    struct sbuf *b;
    int depth;
    bool first[JW_MAX_DEPTH];
    char closer[JW_MAX_DEPTH];
    bool row;    /* row mode: the top object's members become cells */
    bool in_key; /* row mode: a key was given at depth 1, its value is next */
    const char *key;
    struct jw_cellrec cells[JW_MAX_CELLS];
    uint32_t n_cells;
};

void jw_start(struct jw *w, struct sbuf *b, bool row);
void jw_obj(struct jw *w);
void jw_end(struct jw *w);
void jw_arr(struct jw *w);
void jw_keyn(struct jw *w, const char *k, size_t n);
/* Keys are mostly literals: their length is folded at compile time. */
#define jw_key(w, k) jw_keyn((w), (k), strlen(k))
void jw_str(struct jw *w, const char *s);
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_num(struct jw *w, const char *literal); /* a number written as given */
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_guid(struct jw *w, uint64_t key);
void jw_token(struct jw *w, uint64_t key);
/* A time: in row mode kept as a time cell (the container formats it), else text in form f. */
void jw_time(struct jw *w, int64_t ms, enum sim_tfmt f, unsigned sub);
/* Convenience: key + value. */
void jw_ks(struct jw *w, const char *k, const char *v);
void jw_ki(struct jw *w, const char *k, int64_t v);
void jw_kb(struct jw *w, const char *k, bool v);
void jw_kn(struct jw *w, const char *k);
void jw_kg(struct jw *w, const char *k, uint64_t key);
void jw_kt(struct jw *w, const char *k, int64_t ms, enum sim_tfmt f, unsigned sub);
/* Pretty-print JSON text (2 spaces, CRLF) as Exchange / the portal do. */
void sb_pretty(struct sbuf *out, const char *json, size_t len);

/* What a renderer reports about the record it wrote. */
struct sim_rendered {
    char id[96];
    const char *op;    /* operation / activity, for CSV columns */
    const char *user;  /* UserId */
    char user_buf[96]; /* storage for a UserId made up while rendering */
    int record_type;
    int64_t t; /* the time as written */
};

enum sim_flavour {
    FL_UAL,    /* Management API / Purview AuditData */
    FL_OFFICE, /* Log Analytics OfficeActivity row */
    FL_GRAPH,  /* Graph signIns / directoryAudits item */
    FL_AZMON,  /* Azure Monitor diagnostic record */
    FL_LA      /* Log Analytics SigninLogs / AAD* / AuditLogs row */
};

/* Graph / Azure Monitor spell keys in camelCase, Log Analytics in PascalCase. */
void jw_key_fl(struct jw *w, enum sim_flavour fl, const char *camel, const char *pascal);

/* false when the event has no form in this flavour (e.g. an audit the UAL does not carry). */
bool sim_render_ual(struct sim *s, const struct sim_ev *e, struct jw *w, enum sim_flavour fl,
                    struct sim_rendered *out);
bool sim_render_entra(struct sim *s, const struct sim_ev *e, struct jw *w, enum sim_flavour fl,
                      struct sim_rendered *out);
const char *sim_la_table(const struct sim_ev *e); /* Log Analytics table of an event */
/* Whether an event makes a Graph request (written to ST_GRAPHACT besides its own stream). */
bool sim_graph_activity_of(const struct sim *s, const struct sim_ev *e);
bool sim_render_graph_activity(struct sim *s, const struct sim_ev *e, struct jw *w,
                               enum sim_flavour fl, struct sim_rendered *out);

/* Files (sim_files.c). */
struct sim_outfile {
    const char *path; /* relative to the output directory */
    uint8_t stream, fmt;
    bool gzip;
    uint64_t records, bytes;
    int64_t first, last;
};
int sim_write_day(struct sim *s, struct sim_day *d, struct sim_ev **evs, uint32_t n);
int sim_mkdirs(struct sim *s, const char *rel);

/* Snapshot (sim_snapshot.c). */
int sim_snapshot_write(struct sim *s);
void sim_grant_add(struct sim *s, uint16_t client, uint16_t resource, uint32_t principal,
                   const char *scope, const char *role_id, int64_t t);

/* Names used in several places. */
const char *sim_stream_name(enum sim_stream st);
extern const char *const sim_first_names[];
extern const size_t sim_n_first_names;
extern const char *const sim_last_names[];
extern const size_t sim_n_last_names;

#endif
