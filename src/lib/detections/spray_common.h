/* Password-spray analysis shared by password-spray and password-spray-success.
 *
 * Each rule owns a collector: it feeds it every user sign-in (observe), then asks it for the
 * spray campaigns once the stream is over (analyse). Memory grows with distinct entities:
 * failures are folded into segments (one account, one address, one user agent / error code /
 * application, at most M365_SPRAY_SEG_SPAN_MS long), correct passwords into one record per
 * (account, address).
 *
 * A failure (m365_signin_is_bad_password) is left out of the spray analysis when it is the
 * account's own: the account had a correct password from the same network (/24, /64) before
 * it or within recovery_window after it, or from the same user agent within recovery_window
 * after it (a mistyped password, a password-expiry morning).
 *
 * Campaigns are found two ways and merged when they share failures:
 *  - single source: one IP, /24 or /64, or ASN fails against at least min_accounts accounts
 *    within `window`, with at most max_avg_tries failures per account on average;
 *  - distributed: failures sharing a user agent, or an error code against one application,
 *    that follow each other with no pause longer than distributed_window, reach
 *    distributed_min_accounts accounts from distributed_min_ips spray exits: addresses that
 *    each touched at most max_accounts_per_ip accounts within `window`, with at most
 *    max_avg_tries failures per account (others sharing the signature are left out).
 * Either way the source or signature must have failed for more accounts than it signed in
 * correctly (the shared-egress / everyday-browser guard of Sentinel's SigninPasswordSpray). */
#ifndef M365_SPRAY_COMMON_H
#define M365_SPRAY_COMMON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/detect.h"
#include "m365hunt/event.h"

#define M365_SPRAY_SEG_SPAN_MS (10 * 60 * 1000)
#define M365_SPRAY_SEG_EV 4 /* evidence events kept per segment (tries counts them all) */
#define M365_SPRAY_OK_EV 16 /* correct-password events kept per (account, address) */

struct m365_spray_cfg {
    int64_t window;          /* single source: sliding window */
    uint32_t min_accounts;   /* single source: distinct accounts in the window */
    double max_avg_tries;    /* a source or spray exit: failures per account, on average, at most */
    int64_t dist_window;     /* distributed: longest pause inside one campaign */
    uint32_t dist_min_accounts;
    uint32_t dist_min_ips;
    uint32_t dist_small_floor; /* a small tenant's campaign: at least this many accounts */
    uint32_t max_accounts_per_ip; /* distributed: "each IP touches only a few accounts" */
    uint32_t dist_shared_exits; /* distributed: or this many exits that each failed for 2+ */
    int64_t recovery_window; /* a correct password this soon after a failure makes it the user's */
};

/* The parameter rows, for a rule whose config struct holds a struct m365_spray_cfg `member`. */
#define M365_SPRAY_PARAMS(cfg_type, member)                                                        \
    M365_PARAM("window", M365_PARAM_DURATION, "60m", cfg_type, member.window,                      \
               "single source: the sliding window in which one IP, /24 (/64) or ASN must fail "    \
               "against min_accounts accounts"),                                                   \
    M365_PARAM("min_accounts", M365_PARAM_UINT, "10", cfg_type, member.min_accounts,               \
               "single source: distinct accounts failing from one source within the window"),      \
    M365_PARAM("max_avg_tries", M365_PARAM_DOUBLE, "3", cfg_type, member.max_avg_tries,            \
               "failures per account, on average, at most, for a source or a spray exit (more is " \
               "brute force or a broken client, not a spray)"),                                    \
    M365_PARAM("distributed_window", M365_PARAM_DURATION, "24h", cfg_type, member.dist_window,     \
               "distributed: failures sharing a user agent or error code with no pause longer "    \
               "than this form one campaign"),                                                     \
    M365_PARAM("distributed_min_accounts", M365_PARAM_UINT, "20", cfg_type,                        \
               member.dist_min_accounts, "distributed: distinct accounts in the campaign"),        \
    M365_PARAM("distributed_min_ips", M365_PARAM_UINT, "15", cfg_type, member.dist_min_ips,        \
               "distributed: distinct spray exits (addresses that stay under max_accounts_per_ip " \
               "and max_avg_tries)"),                                                              \
    M365_PARAM("distributed_small_tenant", M365_PARAM_UINT, "8", cfg_type,                         \
               member.dist_small_floor,                                                            \
               "distributed: where fewer than twice distributed_min_accounts accounts sign in "   \
               "correctly in the evidence, half of them (not fewer than this) is enough, from as " \
               "many exits"),                                                                      \
    M365_PARAM("max_accounts_per_ip", M365_PARAM_UINT, "5", cfg_type, member.max_accounts_per_ip,  \
               "distributed: an address is a spray exit when it failed against at most this "      \
               "many accounts within `window` (and at most max_avg_tries per account)"),           \
    M365_PARAM("distributed_shared_exits", M365_PARAM_UINT, "8", cfg_type,                         \
               member.dist_shared_exits,                                                           \
               "distributed: fewer exits than distributed_min_ips are enough when this many of "   \
               "them each failed for two accounts or more (a person's own address fails for one; " \
               "a proxy rotated through a tenant's accounts, for several)"),                       \
    M365_PARAM("recovery_window", M365_PARAM_DURATION, "30m", cfg_type, member.recovery_window,    \
               "a failure followed this soon by a correct password for the same account from "     \
               "the same network or user agent is the user's own mistake, not a spray attempt")

/* Failed passwords of one account from one address with one user agent, error code and app. */
struct m365_spray_seg {
    const char *acct, *ip, *prefix, *ua, *app_id, *app_name;
    int32_t code;
    uint32_t asn;        /* 0 when unknown */
    bool hosting;        /* the address is a hosting / cloud one (enrichment) */
    bool own;            /* the account's own network or device: not a spray attempt */
    int64_t first, last;
    uint32_t tries;
    uint32_t seq;        /* seq of the first event: a stable tie-breaker */
    int32_t ep;          /* internal: first episode that claimed it, -1 none */
    uint8_t n_ev;
    uint32_t ev[M365_SPRAY_SEG_EV]; /* m365_ev_ref: the segments hold every failure */
};

/* Correct passwords (success, MFA / CA interrupt, expired password) of one account from one
 * address. */
struct m365_spray_ok {
    const char *acct, *ip, *prefix;
    uint32_t asn;
    uint32_t count;
    int64_t first, last;
    uint8_t n_ev;
    uint32_t ev[M365_SPRAY_OK_EV]; /* m365_ev_ref */
};

struct m365_spray_account {
    const char *name;
    uint32_t failures;
    int64_t first, last;
};

struct m365_spray_ip {
    const char *ip, *prefix;
    uint32_t asn;
    bool hosting;
    uint32_t accounts, failures;
};

struct m365_spray_source {
    const char *level; /* "ip", "prefix", "asn" */
    const char *value; /* the address or prefix; NULL for an ASN */
    uint32_t asn;
    uint32_t accounts, failures;
};

struct m365_spray_signature {
    const char *kind; /* "user_agent" or "error_code" */
    const char *ua;
    int32_t code;
    const char *app_id, *app_name;
    uint32_t accounts, ips; /* of the spray exits */
    uint32_t ips_left_out;  /* same signature, but too many accounts or tries per account */
};

struct m365_spray_count {
    const char *name; /* user agent or application; NULL for an error code */
    int32_t code;
    uint32_t n;
};

struct m365_spray_campaign {
    int64_t first, last;
    bool single_source, distributed;
    uint32_t failures;
    struct m365_spray_seg **segs; /* by time */
    size_t n_segs;
    struct m365_spray_account *accounts; /* by name */
    size_t n_accounts;
    struct m365_spray_ip *ips; /* by address */
    size_t n_ips;
    const char **prefixes; /* sorted, unique */
    size_t n_prefixes;
    uint32_t *asns; /* sorted, unique */
    size_t n_asns;
    struct m365_spray_source *sources; /* single-source detections */
    size_t n_sources;
    struct m365_spray_signature *sigs; /* distributed detections */
    size_t n_sigs;
    struct m365_spray_count *uas, *codes, *apps; /* by name / code */
    size_t n_uas, n_codes, n_apps;
    uint32_t max_accounts_per_ip;
};

struct m365_spray;

struct m365_spray *m365_spray_new(void);
void m365_spray_free(struct m365_spray *sp);
void m365_spray_observe(struct m365_spray *sp, struct m365_dctx *dc,
                        const struct m365_spray_cfg *c, const struct m365_event *ev);
/* Find the campaigns (once, after the last event), ordered by first failure. */
void m365_spray_analyse(struct m365_spray *sp, const struct m365_spray_cfg *c);
/* After the analysis: the accounts with a correct password in the evidence, and the distributed
 * thresholds used (lower than the parameters in a small tenant). */
void m365_spray_distributed_thresholds(const struct m365_spray *sp, uint32_t *tenant_accounts,
                                       uint32_t *min_accounts, uint32_t *min_ips);
size_t m365_spray_n_campaigns(const struct m365_spray *sp);
const struct m365_spray_campaign *m365_spray_campaign_at(const struct m365_spray *sp, size_t i);

/* Look-ups in a campaign (NULL / false when absent). */
const struct m365_spray_account *m365_spray_campaign_account(const struct m365_spray_campaign *c,
                                                             const char *acct);
bool m365_spray_campaign_has_ip(const struct m365_spray_campaign *c, const char *ip);
bool m365_spray_campaign_has_prefix(const struct m365_spray_campaign *c, const char *prefix);
bool m365_spray_campaign_has_asn(const struct m365_spray_campaign *c, uint32_t asn);
bool m365_spray_campaign_has_ua(const struct m365_spray_campaign *c, const char *ua);

/* Correct-password sign-ins, one record per (account, address), ordered by first time. */
size_t m365_spray_n_ok(const struct m365_spray *sp);
const struct m365_spray_ok *m365_spray_ok_at(const struct m365_spray *sp, size_t i);
/* First correct password of an account from a network (prefix, or the address when it has
 * none) / from an ASN; INT64_MAX when never. Correct passwords that were also counted as
 * failures (50055, expired) do not establish a network. */
int64_t m365_spray_net_first(const struct m365_spray *sp, const char *acct, const char *net);
int64_t m365_spray_asn_first(const struct m365_spray *sp, const char *acct, uint32_t asn);
/* When anyone / this account first signed in with a correct password using this (interned) user
 * agent; INT64_MAX when never. */
int64_t m365_spray_ua_first(const struct m365_spray *sp, const char *ua);
int64_t m365_spray_account_ua_first(const struct m365_spray *sp, const char *acct, const char *ua);
/* Whether the account signed in with a correct password using this user agent before `before`
 * from a network (interned prefix, or address) other than net that the campaign never sprayed
 * from: the office the device was at earlier in a short export. */
bool m365_spray_account_ua_elsewhere(const struct m365_spray *sp,
                                     const struct m365_spray_campaign *cp, const char *acct,
                                     const char *ua, const char *net, int64_t before);
/* Whether the evidence held any correct password (else own-network checks could not run), and
 * any ASN (from --asn-db or the sign-in records). */
bool m365_spray_saw_ok(const struct m365_spray *sp);
bool m365_spray_saw_asn(const struct m365_spray *sp);

/* The ASN of a sign-in: --asn-db first, then the record's own autonomousSystemNumber. */
uint32_t m365_spray_event_asn(struct m365_dctx *dc, const struct m365_event *ev);
/* "2026-03-02T22:03Z" (UTC, to the minute) for summaries. */
void m365_spray_fmt_minute(int64_t ms, char *out, size_t size);
/* The account key of a sign-in: UPN, else object id. */
const char *m365_spray_account_of(const struct m365_event *ev);
#endif
