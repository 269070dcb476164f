/* anomalous-signin-location: a user's successful sign-ins from a country or network new to
 * them, faster than a plane can travel, or from many networks within minutes (rotating
 * residential proxies). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../enrich/enrich.h"
#include "../engine/detect.h"
#include "../snapshot/snap_context.h"
#include "identity_util.h"
#include "mail_util.h"
#include "signin_util.h"
#include "tenant_facts.h"
#include "../core/sort.h"

struct cfg {
    int64_t baseline;
    uint32_t baseline_signins;
    int64_t tenant_baseline;
    double max_speed;     /* km/h */
    double geo_tolerance; /* km */
    uint32_t burst_networks;
    int64_t burst_window;
    uint32_t stay_signins;
    int64_t stay_span;
    int64_t new_account;
};

static const struct m365_param_def params[] = {
    M365_PARAM("baseline", M365_PARAM_DURATION, "7d", struct cfg, baseline,
               "a user's countries and networks are learnt for this long from their first "
               "sign-in; only later sign-ins can be 'new' (a user seen for less has no baseline: "
               "no new-location finding but for a dormant account or a session carried to "
               "another device)"),
    M365_PARAM("baseline_signins", M365_PARAM_UINT, "3", struct cfg, baseline_signins,
               "successful sign-ins the baseline needs besides its duration"),
    M365_PARAM("tenant_baseline", M365_PARAM_DURATION, "3d", struct cfg, tenant_baseline,
               "an account whose first successful interactive sign-in (or earlier use: a token "
               "refresh, or its own mailbox through Microsoft's clients) comes this long after "
               "the tenant's first sign-in is dormant: its first located sign-in, from a country "
               "no account of the tenant signed in from, is new"),
    M365_PARAM("new_account", M365_PARAM_DURATION, "30d", struct cfg, new_account,
               "an account created this long or less before it is asked to enrol in MFA (the "
               "logs' Add user, else the snapshot's createdDateTime) is a new hire: an account "
               "without a method is judged as a dormant one only when older"),
    M365_PARAM("max_speed_kmh", M365_PARAM_DOUBLE, "900", struct cfg, max_speed,
               "travel between two successive successful sign-ins faster than this (km/h) is "
               "impossible"),
    M365_PARAM("geo_tolerance_km", M365_PARAM_DOUBLE, "300", struct cfg, geo_tolerance,
               "distance taken off every hop for the coarse geolocation of addresses (mobile "
               "carriers geolocate to a regional gateway; a phone and a laptop sign in from "
               "nearby towns): hops shorter than this are never travel"),
    M365_PARAM("burst_networks", M365_PARAM_UINT, "5", struct cfg, burst_networks,
               "distinct networks (/24, IPv6 /64) within burst_window that make a burst "
               "(rotating proxies)"),
    M365_PARAM("burst_window", M365_PARAM_DURATION, "10m", struct cfg, burst_window,
               "the window for burst_networks"),
    M365_PARAM("stay_signins", M365_PARAM_UINT, "3", struct cfg, stay_signins,
               "sign-ins from a user's new country, in a row with none placed in another "
               "country, that make a stay over stay_span: travel, reported at low"),
    M365_PARAM("stay_span", M365_PARAM_DURATION, "12h", struct cfg, stay_span,
               "how long those sign-ins must span to be a stay; one from anywhere else in between "
               "(the user at home while someone signs in abroad) ends the run"),
};

#define MAX_KNOWN 64 /* countries / ASNs remembered per user; past that nothing is new */
#define MAX_ANOM 16
#define MAX_RING 64
#define MAX_BURST_EV 16
#define MAX_ADDR 8 /* a user's most recent addresses whose first sign-in is remembered */
#define TWIN_SKEW (5 * 60 * 1000) /* ms between a UAL sign-in and its Entra twin */
#define MAX_DEV 8 /* a user's devices (system, browser) remembered; past that none is new */
#define MAX_UA 8  /* a user's user agents remembered, for the devices already at a new place */

struct novel {
    const struct m365_event *ev;
    const struct m365_event *prior; /* the address's first sign-in with the right password */
    const char *country; /* when new */
    uint32_t asn;        /* when new */
    bool tenant_new;     /* the country is new to the whole tenant (account without baseline) */
    bool tenant_visited; /* tenant_new, though accounts had signed in from there: none lives
                            there (a traveller, another dormant account) */
    /* The run of the user's sign-ins from the new country that it opens, until one placed
     * elsewhere: a traveller's stay is long and unbroken; a stolen session replayed abroad is
     * short, between the user's own sign-ins at home. */
    uint32_t stay_n;
    int64_t stay_last;
    bool stay_over;
    int64_t stay_end; /* the sign-in placed elsewhere that ended it */
    /* Reached with a token made elsewhere: single sign-on alone, on a device the user had not
     * signed in with, at an address where no credential was given (a stolen session). */
    bool carried;
    /* Where the run starts: this sign-in, or the token refreshes of one of the user's own
     * devices from its very address before it, with nothing from elsewhere in between (the
     * traveller's phone syncs from the hotel before the laptop signs in). */
    int64_t stay_first;
    bool enrol; /* the account was asked to enrol in MFA before its first success */
    /* tenant_new in the user's first days (no baseline of their own yet): kept only when the
     * user was back elsewhere within stay_span and nobody of the tenant lives there */
    bool first_days;
};

struct hop {
    const struct m365_event *from, *to;
    double km, hours, kmh;
    /* The end's country was the user's before it: their own place, not named as an address of
     * the finding unless both ends are (a responder blocks what a finding names). */
    bool from_known, to_known;
    /* The end's address had the user's right password on an earlier day: their home, not a
     * place an intruder reached (an attacker is not on the user's own line). */
    bool from_home, to_home;
};

struct burst {
    int64_t start, end;
    uint32_t networks;
    const struct m365_event *ev[MAX_BURST_EV];
    uint32_t n_ev, total;
};

struct seen {
    int64_t t;
    const char *net;
    uint32_t ref; /* m365_ev_ref: every sign-in passes through the ring */
};

/* An address's first sign-in with the right password, stopped by MFA or a policy or not. */
struct addr {
    int64_t last; /* its latest sign-in: the least recent address gives way */
    const char *ip;
    uint32_t ref; /* m365_ev_ref of the first */
};

/* A device the user signed in with: its system and browser family, and the oldest browser
 * version seen (a browser updates itself; it does not go back to an older version). */
struct device {
    const char *os, *family; /* interned */
    uint32_t version;        /* major version, 0 unknown */
};

struct user {
    const char *upn;
    struct device devs[MAX_DEV];
    uint32_t n_devs, dev_signins; /* devices; successful interactive sign-ins that named one */
    bool devs_over;               /* more devices than MAX_DEV: none is new any more */
    const char *shared_net;       /* the network last counted in state.shared for the user */
    int64_t first_success; /* the account's first successful sign-in, any log */
    /* The account's first successful sign-in of any kind (a laptop's Teams refreshing at the
     * office): with its owner's first use of their mailbox (state.mail_first), an account in
     * use, though the export holds none of its interactive sign-ins (the UAL logs few: a phone's
     * Outlook signs in through Microsoft's service), is not dormant. */
    int64_t first_use;
    /* The country of the account's first successful sign-in of its own from outside the cloud,
     * token refreshes included (a laptop's Teams at the office): where it was before anything
     * else; a traveller's first days abroad are not where the traveller lives. */
    const char *first_country;
    int64_t first_country_at;
    /* The same for its latest such sign-in: someone who lives in a country is there at both
     * ends of the evidence, unless nearly all their sign-ins are from there (a resident's trip
     * at the export's end); a traveller first seen abroad is home by the end. */
    const char *last_country;
    bool seen; /* a sign-in judged here: refreshes follow its stays */
    struct m365_map countries; /* country -> 1 + its sign-ins from outside the cloud */
    struct m365_map asns;
    uint32_t placed_own; /* located sign-ins from outside the cloud: the countries' total */
    /* A dormant account's first place in a country accounts had signed in from: judged in
     * finish, once it is known whether any account lives there or only visited. */
    const struct m365_event *visit_ev, *visit_prior;
    const char *visit_country;
    bool late; /* first placed well after the tenant's first sign-in, or asked to enrol in MFA
                  before it: a dormant or new account */
    /* Asked to enrol in MFA (50079, 50072) before its first success: the account had no
     * method, which no account in everyday use of a tenant that asks for one lacks. */
    bool enrol_first;
    int64_t country_first, asn_first;
    uint32_t country_n, asn_n;
    uint32_t last_geo; /* m365_ev_ref */
    bool last_geo_known; /* its country was already the user's */
    struct seen ring[MAX_RING];
    uint32_t n_ring;
    struct addr addrs[MAX_ADDR];
    uint32_t n_addrs;
    /* The user's most recent addresses where a password or MFA was given, accepted or
     * interrupted ("keep me signed in?"): a token made there is the user's own. */
    const char *typed[MAX_ADDR];
    uint32_t n_typed;
    bool in_burst;
    /* The current run of the user's successful sign-ins from one address (pre_ip), since
     * pre_first, pre_n of them; pre_known: its first came from a user agent the user had
     * signed in with elsewhere before (their own device, not a newcomer). */
    const char *pre_ip;
    int64_t pre_first;
    uint32_t pre_n;
    bool pre_known;
    const char *uas[MAX_UA];
    uint32_t n_uas;
    struct novel novel[MAX_ANOM];
    uint32_t n_novel, total_novel, new_countries;
    struct hop hops[MAX_ANOM];
    uint32_t n_hops, total_hops;
    struct burst bursts[MAX_ANOM];
    uint32_t n_bursts, total_bursts;
};

struct state {
    struct m365_map users; /* upn -> struct user */
    /* upn -> the owner's first use of their own mailbox through Microsoft's clients, as
     * (uintptr_t)ms: kept apart from users, for most mailboxes' owners sign in too */
    struct m365_map mail_first;
    bool asn_seen;         /* any ASN known at all (--asn-db or in the records) */
    /* Countries any account signed in from, learnt like a user's for accounts that have no
     * baseline of their own (a dormant or brand-new account). */
    struct m365_map tenant_countries;
    /* Countries seen only from cloud / hosting addresses (a VM, a VPN's exit, an attack box):
     * such an address places nobody, so a person's sign-in from there is still new. */
    struct m365_map tenant_hosting_countries;
    struct m365_distinct shared; /* the tenant's shared networks (m365_id_shared_add) */
    struct m365_tf_created created; /* accounts created in the evidence: new hires */
    int64_t tenant_first; /* the first successful sign-in of any account */
    uint64_t signins, placed; /* sign-ins judged; of them, interactive ones with a location */
    uint64_t placed_by_db;    /* of those, placed by --geo-db */
    /* Located interactive sign-ins of the sign-in logs, and those that name their
     * authentication steps and device: a carried session needs both. */
    uint64_t placed_entra, placed_with_steps;
};

static struct user *user_of(struct state *s, const char *upn)
{
    bool fresh;
    struct user *u = m365_map_obtain(&s->users, upn, NULL, sizeof(*u), &fresh);
    if (u && fresh) {
        u->upn = upn;
        u->country_first = u->asn_first = u->first_success = u->first_use = M365_TIME_NONE;
    }
    return u;
}

/* Where a sign-in was: the record's own location (Microsoft's geolocation) or, for a record
 * without one (the UAL's sign-ins), where --geo-db puts its address. */
struct place {
    const char *country, *city; /* NULL when unknown */
    bool geo;                   /* coordinates known */
    double lat, lon;
    double radius; /* km the database may be off by; 0 for a record's own location */
    bool from_db;
};

static struct place place_of(struct m365_dctx *dc, const struct m365_event *ev)
{
    struct place p = {0};
    if ((ev->country && *ev->country) || m365_id_has_geo(ev)) {
        p.country = ev->country && *ev->country ? ev->country : NULL;
        p.city = ev->city && *ev->city ? ev->city : NULL;
        p.geo = m365_id_has_geo(ev);
        p.lat = ev->lat;
        p.lon = ev->lon;
        return p;
    }
    const struct m365_ipinfo *ii = ev->ip ? m365_dctx_ipinfo(dc, ev->ip) : NULL;
    if (ii && (ii->geo_country || ii->has_geo)) {
        p.country = ii->geo_country;
        p.city = ii->geo_city;
        /* Without a city the point is the country's middle (a carrier placed by country only):
         * good for the country, not for measuring travel. */
        p.geo = ii->has_geo && ii->geo_city;
        p.lat = ii->geo_lat;
        p.lon = ii->geo_lon;
        p.radius = ii->geo_radius_km;
        p.from_db = true;
    }
    return p;
}

static const char *upper(struct m365_dctx *dc, const char *s)
{
    char buf[64];
    size_t n = strlen(s);
    if (n >= sizeof(buf)) {
        n = sizeof(buf) - 1;
    }
    for (size_t i = 0; i < n; i++) {
        buf[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
    }
    return m365_dctx_intern(dc, buf, n);
}

/* Has the attribute been learnt long enough (and often enough) to call a value new? */
static bool baselined(const struct cfg *c, int64_t first, uint32_t n, int64_t now)
{
    return first != M365_TIME_NONE && now - first >= c->baseline && n >= c->baseline_signins;
}

/* Returns true when the value was not known (and records it). */
static bool learn(struct m365_map *m, const void *key)
{
    if (m365_map_get(m, key, NULL)) {
        return false;
    }
    if (m->n >= MAX_KNOWN) {
        return false; /* a user on this many networks: nothing is unusual any more */
    }
    void **p = m365_map_put(m, key, NULL);
    if (p) {
        *p = (void *)1;
    }
    return true;
}

/* Remembers when each of the user's recent addresses first had the right password, in any log:
 * when the address later signs in from a new place, that is when the account was first used
 * there (a dormant account's 50079 and its unlocated UAL sign-ins, before the located one). */
static void remember_address(struct user *u, const struct m365_event *ev)
{
    uint32_t oldest = 0;
    for (uint32_t i = 0; i < u->n_addrs; i++) {
        if (strcmp(u->addrs[i].ip, ev->ip) == 0) {
            u->addrs[i].last = ev->time_ms;
            return;
        }
        if (u->addrs[i].last < u->addrs[oldest].last) {
            oldest = i;
        }
    }
    uint32_t k = u->n_addrs < MAX_ADDR ? u->n_addrs++ : oldest;
    u->addrs[k] = (struct addr){ev->time_ms, ev->ip, m365_ev_ref(ev)};
}

static const struct addr *addr_of(const struct user *u, const char *ip)
{
    for (uint32_t i = 0; ip && i < u->n_addrs; i++) {
        if (strcmp(u->addrs[i].ip, ip) == 0) {
            return &u->addrs[i];
        }
    }
    return NULL;
}

/* Whether the user had the right password from the address a day or more before t. */
static bool home_address(struct m365_dctx *dc, const struct user *u, const char *ip, int64_t t)
{
    const struct addr *a = addr_of(u, ip);
    if (!a) {
        return false;
    }
    struct m365_event buf;
    const struct m365_event *f = m365_dctx_ref_at(dc, a->ref, &buf);
    return f && f->time_ms != M365_TIME_NONE && t - f->time_ms >= M365_DAY_MS;
}

static const struct m365_event *first_from_address(struct m365_dctx *dc, const struct user *u,
                                                   const struct m365_event *ev)
{
    const struct addr *a = addr_of(u, ev->ip);
    return a && a->ref != m365_ev_ref(ev) ? m365_dctx_ref_keep(dc, a->ref) : NULL;
}

/* The device a sign-in names (Entra deviceDetail), the browser split into family and major
 * version ("Chrome 133.0.0"). */
struct devname {
    const char *os, *family;
    size_t family_len;
    uint32_t version;
    bool registered; /* it carries a device id: joined to or registered with the tenant */
};

static bool device_of(const struct m365_event *ev, struct devname *d)
{
    /* One pass: every successful interactive sign-in comes here. */
    const char *os = NULL, *br = NULL, *id = NULL;
    for (uint32_t i = 0; i < ev->n_extra; i++) {
        const char *k = ev->extra[i].name;
        if (!k || strncmp(k, "deviceDetail.", 13) != 0) {
            continue;
        }
        if (strcmp(k + 13, "operatingSystem") == 0) {
            os = ev->extra[i].value;
        } else if (strcmp(k + 13, "browser") == 0) {
            br = ev->extra[i].value;
        } else if (strcmp(k + 13, "deviceId") == 0) {
            id = ev->extra[i].value;
        }
    }
    *d = (struct devname){0};
    if ((!os || !*os) && (!br || !*br)) {
        return false;
    }
    d->registered = id && *id && strcmp(id, "00000000-0000-0000-0000-000000000000") != 0;
    d->os = os ? os : "";
    d->family = br ? br : "";
    d->family_len = strlen(d->family);
    const char *sp = strrchr(d->family, ' ');
    if (sp && sp[1] >= '0' && sp[1] <= '9') {
        d->family_len = (size_t)(sp - d->family);
        for (const char *q = sp + 1; *q >= '0' && *q <= '9' && d->version < 100000; q++) {
            d->version = d->version * 10 + (uint32_t)(*q - '0');
        }
    }
    return true;
}

static struct device *device_find(struct user *u, const struct devname *d)
{
    for (uint32_t i = 0; i < u->n_devs; i++) {
        struct device *k = &u->devs[i];
        if (m365_ieq(k->os, d->os) && m365_ieqn(d->family, d->family_len, k->family)) {
            return k;
        }
    }
    return NULL;
}

/* A device the user had signed in with: the same system and browser, at the version seen or
 * a later one (an update), or too many devices to tell. */
static bool device_known(struct user *u, const struct devname *d)
{
    const struct device *k = device_find(u, d);
    return u->devs_over || (k && (!d->version || !k->version || d->version >= k->version));
}

static void learn_device(struct m365_dctx *dc, struct user *u, const struct devname *d)
{
    u->dev_signins++;
    struct device *k = device_find(u, d);
    if (k) {
        if (d->version && (!k->version || d->version < k->version)) {
            k->version = d->version;
        }
        return;
    }
    if (u->n_devs == MAX_DEV) {
        u->devs_over = true;
        return;
    }
    k = &u->devs[u->n_devs++];
    k->os = m365_dctx_intern(dc, d->os, strlen(d->os));
    k->family = m365_dctx_intern(dc, d->family, d->family_len);
    k->version = d->version;
    if (!k->os || !k->family) {
        u->n_devs--;
        u->devs_over = true; /* out of memory: nothing may be called new for want of it */
    }
}

/* Whether the address is a cloud or hosting provider's (m365_id_hosting): such an address
 * places nobody. */
static bool hosted_at(struct m365_dctx *dc, const struct m365_event *ev,
                      const struct m365_ipinfo *ii)
{
    const char *why;
    return m365_id_hosting(dc, ev, ii, &why);
}

/* The user's small rings of recent strings (addresses, user agents): the oldest gives way. */
static bool ring_has(const char *const *ring, uint32_t n, uint32_t cap, const char *v)
{
    for (uint32_t i = 0; i < n && i < cap; i++) {
        if (strcmp(ring[i], v) == 0) {
            return true;
        }
    }
    return false;
}

static void ring_add(const char **ring, uint32_t *n, uint32_t cap, const char *v)
{
    ring[(*n)++ % cap] = v;
}

/* Extends or ends the runs of sign-ins that the user's new countries opened. An address that
 * places nobody (a cloud VM, a VPN's exit) neither extends nor ends one. A token refresh
 * (non-interactive) ends one too, and extends one only from the very address of the new place:
 * the device that is there. Outlook Mobile's sign-ins only extend one, from that very address
 * (the phone itself; its service signs in from Microsoft's addresses, never such a place). */
static void follow_stays(struct user *u, const struct m365_event *ev, const struct m365_ipinfo *ii,
                         const struct place *pl, bool hosted, bool interactive)
{
    if (!pl->country || ii->trusted || ii->is_private || hosted) {
        return;
    }
    bool brokered = m365_id_brokered_client(ev);
    for (uint32_t i = 0; i < u->n_novel; i++) {
        struct novel *n = &u->novel[i];
        if (!n->country || n->stay_over) {
            continue;
        }
        if (brokered) {
            if (strcmp(n->ev->ip, ev->ip) == 0) {
                n->stay_n++;
                n->stay_last = ev->time_ms;
            }
            continue;
        }
        if (n->country != pl->country) {
            n->stay_over = true;
            n->stay_end = ev->time_ms;
        } else if (interactive || strcmp(n->ev->ip, ev->ip) == 0) {
            n->stay_n++;
            n->stay_last = ev->time_ms;
        }
    }
}

/* The user's current run of successful sign-ins from one address. Another address starts a
 * new one, but not one that places nobody (the tenant's own egress, a private or cloud
 * address). Outlook Mobile's sign-ins count: from the very address of a new place they are
 * the phone itself, and its service's addresses never are such a place. */
static void pre_run(struct m365_dctx *dc, struct user *u, const struct m365_event *ev)
{
    bool known = ev->user_agent && ring_has(u->uas, u->n_uas, MAX_UA, ev->user_agent);
    if (ev->ip == u->pre_ip) {
        u->pre_n++;
    } else {
        const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, ev->ip);
        if (!ii->trusted && !ii->is_private && !hosted_at(dc, ev, ii)) {
            u->pre_ip = ev->ip;
            u->pre_first = ev->time_ms;
            u->pre_n = 1;
            u->pre_known = known;
        }
    }
    if (ev->user_agent && !known) {
        ring_add(u->uas, &u->n_uas, MAX_UA, ev->user_agent);
    }
}

/* A successful token refresh: the user's current run, and the runs of their new places. */
static void refresh(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    struct user *u = ev->result == M365_RESULT_SUCCESS
                         ? m365_map_get(&s->users, ev->actor_upn, NULL)
                         : NULL;
    if (!u || !u->seen) {
        return;
    }
    pre_run(dc, u, ev);
    if (!u->n_novel) {
        return;
    }
    struct place pl = place_of(dc, ev);
    if (pl.country) {
        pl.country = upper(dc, pl.country);
    }
    const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, ev->ip);
    follow_stays(u, ev, ii, &pl, hosted_at(dc, ev, ii), false);
}

/* A sign-in by single sign-on alone on a device the user had not signed in with (fresh_dev),
 * at an address where the user gave no credential before it, after enough sign-ins to know the
 * user's devices: the token was made on another device. The user's own device carries its
 * token; a traveller on a new one types a password. */
static bool carried_token(const struct cfg *c, const struct user *u, const struct m365_event *ev,
                          bool fresh_dev, uint32_t placed_before)
{
    if (!fresh_dev || placed_before < c->baseline_signins ||
        u->dev_signins < c->baseline_signins) {
        return false;
    }
    return !ring_has(u->typed, u->n_typed, MAX_ADDR, ev->ip);
}

static void remember_typed(struct user *u, const struct m365_event *ev)
{
    if (!ring_has(u->typed, u->n_typed, MAX_ADDR, ev->ip)) {
        ring_add(u->typed, &u->n_typed, MAX_ADDR, ev->ip);
    }
}

static void novelty(struct m365_dctx *dc, const struct cfg *c, struct state *s, struct user *u,
                    const struct m365_event *ev, const struct m365_ipinfo *ii,
                    const struct place *pl, bool hosted, bool fresh_dev)
{
    int64_t t = ev->time_ms;
    const char *country = pl->country; /* upper case, interned (observe) */
    uint32_t asn = m365_id_event_asn(ev, ii);
    s->asn_seen |= asn != 0;
    bool new_country = false, new_asn = false;
    bool tenant_new = false, carried = false, first_days = false, visited = false;
    if (country) {
        bool ready = baselined(c, u->country_first, u->country_n, t);
        bool first_place = u->country_n == 0;
        uint32_t placed_before = u->country_n;
        if (u->country_first == M365_TIME_NONE) {
            u->country_first = t;
        }
        u->country_n++;
        bool unseen = learn(&u->countries, country);
        new_country = unseen && ready;
        if (unseen) {
            /* Before a baseline too: a session stolen in the user's first week. */
            carried = carried_token(c, u, ev, fresh_dev, placed_before);
            new_country |= carried;
        }
        if (!hosted && m365_map_get(&u->countries, country, NULL)) {
            void **v = m365_map_put(&u->countries, country, NULL); /* there: no new key */
            if (v && *v) {
                *v = (void *)((uintptr_t)*v + 1);
                u->placed_own++;
            }
        }
        /* A dormant account has no history of its own: its first located sign-in, coming
         * well after the tenant's, is compared with the tenant, where a country nobody signed
         * in from is new. A new hire seen at home first, accounts active from the start (their
         * own baseline) and guests (their own organisations) are not compared so. */
        bool unknown_to_tenant =
            hosted ? learn(&s->tenant_hosting_countries, country) &&
                         !m365_map_get(&s->tenant_countries, country, NULL)
                   : learn(&s->tenant_countries, country);
        /* presence saw every success first: first_use is never after first_success. */
        int64_t first_use = u->first_use;
        uintptr_t mail = (uintptr_t)m365_map_get(&s->mail_first, u->upn, NULL);
        if (mail && (first_use == M365_TIME_NONE || (int64_t)mail < first_use)) {
            first_use = (int64_t)mail;
        }
        bool late = first_use != M365_TIME_NONE && s->tenant_first != M365_TIME_NONE &&
                    first_use - s->tenant_first >= c->tenant_baseline;
        bool guest = m365_icontains(u->upn, "#ext#");
        bool dormant = !ready && late && first_place && !guest;
        /* An account without an MFA method is judged as a dormant one, however early: once
         * every sign-in is in, for the tenant's countries are not all known yet. */
        bool unenrolled = !ready && !late && first_place && !guest && u->enrol_first;
        u->late |= first_place && (late || u->enrol_first);
        if (dormant && unknown_to_tenant) {
            new_country = tenant_new = true;
        } else if ((dormant || unenrolled) && !hosted) {
            u->visit_ev = m365_dctx_keep(dc, ev);
            u->visit_prior = first_from_address(dc, u, ev);
            u->visit_country = country;
        }
        /* A user in their own first days: a country nobody of the tenant lives in is new to
         * them too (a session replayed abroad in the first week of a short export), as it would
         * be with a baseline. Who lives where is judged in finish, once every sign-in is in:
         * accounts that only visited it (another account taken over from there) do not count,
         * and an office abroad whose staff first sign in after the user still does. */
        first_days = !ready && !first_place && unseen && !new_country && !hosted && !guest &&
                     u->n_novel < MAX_ANOM; /* judged in finish: only one kept can be */
        if (first_days) {
            new_country = tenant_new = true;
            visited = !unknown_to_tenant;
        }
    }
    if (asn) {
        bool ready = baselined(c, u->asn_first, u->asn_n, t);
        if (u->asn_first == M365_TIME_NONE) {
            u->asn_first = t;
        }
        u->asn_n++;
        new_asn = learn(&u->asns, (const void *)(uintptr_t)asn) && ready;
    }
    if (!new_country && !new_asn) {
        return;
    }
    u->total_novel++;
    u->new_countries += new_country;
    if (u->n_novel < MAX_ANOM) {
        struct novel *n = &u->novel[u->n_novel++];
        *n = (struct novel){.ev = m365_dctx_keep(dc, ev),
                            .prior = first_from_address(dc, u, ev),
                            .country = new_country ? country : NULL,
                            .asn = new_asn ? asn : 0,
                            .tenant_new = tenant_new,
                            .stay_n = 1,
                            .stay_last = t,
                            .carried = carried && new_country,
                            .stay_first = t,
                            .enrol = tenant_new && u->enrol_first,
                            .first_days = first_days,
                            .tenant_visited = visited};
        if (u->pre_ip == ev->ip && u->pre_known && u->pre_first < t) {
            n->stay_first = u->pre_first;
            n->stay_n += u->pre_n;
        }
    }
}

/* The farthest one provider's gateways in one country place its users apart (Sydney to
 * Melbourne 713 km, Boston to Chicago 1,365 km). */
#define SAME_PROVIDER_KM 1500.0

static void travel(struct m365_dctx *dc, const struct cfg *c, struct user *u,
                   const struct m365_event *ev, const struct m365_ipinfo *ii,
                   const struct place *to, bool to_known)
{
    if (!to->geo || ii->trusted) {
        return; /* the tenant's own egress (VPN, proxies) says nothing about where users are */
    }
    struct m365_event pbuf;
    const struct m365_event *p = m365_dctx_ref_at(dc, u->last_geo, &pbuf);
    bool from_known = u->last_geo_known;
    u->last_geo = m365_ev_ref(ev);
    u->last_geo_known = to_known;
    /* One address is one place, however it was geolocated each time (Microsoft's place for one
     * carrier address can move within minutes). */
    if (!p || (p->ip && strcmp(p->ip, ev->ip) == 0)) {
        return;
    }
    struct place from = place_of(dc, p);
    if (from.city && to->city && m365_ieq(from.city, to->city) &&
        (!from.country || !to->country || m365_ieq(from.country, to->country))) {
        return;
    }
    double km = m365_id_km(from.lat, from.lon, to->lat, to->lon);
    /* One provider's addresses in one country are placed at whichever of its gateways: a phone
     * on the office's own carrier placed in Melbourne a quarter of an hour before the office in
     * Sydney is no journey. Not hosting: a VM is placed where it runs. */
    uint32_t asn = m365_id_event_asn(ev, ii);
    if (asn && !ii->hosting && km <= SAME_PROVIDER_KM && from.country && to->country &&
        m365_ieq(from.country, to->country)) {
        const struct m365_ipinfo *pi = m365_dctx_ipinfo(dc, p->ip);
        if (!pi->hosting && m365_id_event_asn(p, pi) == asn) {
            return;
        }
    }
    /* A database's place is a circle: the sign-ins may have been anywhere in either. */
    double effective = km - c->geo_tolerance - from.radius - to->radius;
    if (effective <= 0) {
        return;
    }
    /* Sign-ins in the same minute still need a finite speed to report. */
    double hours = (double)(ev->time_ms - p->time_ms) / (double)M365_HOUR_MS;
    double h = hours < 1.0 / 60 ? 1.0 / 60 : hours;
    if (effective / h <= c->max_speed) {
        return;
    }
    u->total_hops++;
    if (u->n_hops < MAX_ANOM) {
        u->hops[u->n_hops++] = (struct hop){m365_dctx_keep(dc, p),
                                            m365_dctx_keep(dc, ev),
                                            km,
                                            hours,
                                            km / h,
                                            from_known,
                                            to_known,
                                            home_address(dc, u, p->ip, p->time_ms),
                                            home_address(dc, u, ev->ip, ev->time_ms)};
    }
}

static void burst(struct m365_dctx *dc, const struct cfg *c, struct user *u,
                  const struct m365_event *ev, const struct m365_ipinfo *ii)
{
    if (!ii->prefix || ii->trusted || ii->is_private) {
        return;
    }
    int64_t t = ev->time_ms;
    uint32_t k = 0;
    while (k < u->n_ring && t - u->ring[k].t > c->burst_window) {
        k++;
    }
    if (k == 0 && u->n_ring == MAX_RING) {
        k = 1;
    }
    if (k) {
        memmove(u->ring, u->ring + k, (u->n_ring - k) * sizeof(*u->ring));
        u->n_ring -= k;
    }
    u->ring[u->n_ring++] = (struct seen){t, ii->prefix, m365_ev_ref(ev)};
    uint32_t distinct = 0;
    for (uint32_t i = 0; i < u->n_ring; i++) {
        uint32_t j = 0;
        while (j < i && u->ring[j].net != u->ring[i].net) {
            j++;
        }
        distinct += j == i;
    }
    if (distinct < c->burst_networks || c->burst_networks < 2) {
        u->in_burst = false;
        return;
    }
    struct burst *b;
    if (!u->in_burst) {
        u->in_burst = true;
        u->total_bursts++;
        if (u->n_bursts == MAX_ANOM) {
            return;
        }
        b = &u->bursts[u->n_bursts++];
        memset(b, 0, sizeof(*b));
        b->start = u->ring[0].t;
        for (uint32_t i = 0; i + 1 < u->n_ring; i++) {
            b->total++;
            if (b->n_ev < MAX_BURST_EV) {
                const struct m365_event *e = m365_dctx_ref_keep(dc, u->ring[i].ref);
                if (e) {
                    b->ev[b->n_ev++] = e;
                }
            }
        }
    } else if (u->total_bursts > u->n_bursts) {
        return; /* a burst past the ones kept */
    } else {
        b = &u->bursts[u->n_bursts - 1];
    }
    b->end = t;
    if (distinct > b->networks) {
        b->networks = distinct;
    }
    b->total++;
    if (b->n_ev < MAX_BURST_EV) {
        b->ev[b->n_ev++] = m365_dctx_keep(dc, ev);
    }
}

/* A new hire is asked to enrol in MFA too: an account created less than new_account before. */
static bool new_account(struct m365_dctx *dc, const struct cfg *c, struct state *s,
                        const char *upn, int64_t t)
{
    const struct m365_tf_account *a = m365_tf_created_find(dc, &s->created, upn, NULL);
    int64_t created = a ? a->created : M365_TIME_NONE;
    struct m365_snap_account sa;
    if (created == M365_TIME_NONE && m365_dctx_snapshot(dc) &&
        m365_snap_ctx_account(m365_dctx_snapshot(dc), upn, &sa)) {
        created = sa.created;
    }
    return created != M365_TIME_NONE && t - created < c->new_account;
}

/* Where the account was first and where it is last: its successful sign-ins of its own, from
 * outside the cloud and the tenant's own egress, that a place can be given to. The first use of
 * any kind is noted too. */
static void presence(struct m365_dctx *dc, struct state *s, const struct m365_event *ev)
{
    if (ev->result != M365_RESULT_SUCCESS) {
        return;
    }
    struct user *u = user_of(s, ev->actor_upn);
    if (!u) {
        return;
    }
    if (u->first_use == M365_TIME_NONE || ev->time_ms < u->first_use) {
        u->first_use = ev->time_ms;
    }
    const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, ev->ip);
    if (ii->trusted || ii->is_private || hosted_at(dc, ev, ii)) {
        return;
    }
    /* Outlook Mobile's refreshes come from Microsoft's sync service, or from the phone itself:
     * only an address on a network known not to be Microsoft's places the user. */
    if (m365_id_brokered_client(ev)) {
        uint32_t asn = m365_id_event_asn(ev, ii);
        if (!asn || m365_id_microsoft_asn(asn)) {
            return;
        }
    }
    struct place pl = place_of(dc, ev);
    if (!pl.country) {
        return;
    }
    u->last_country = upper(dc, pl.country); /* sign-ins come in time order */
    if (!u->first_country) {
        u->first_country = u->last_country;
        u->first_country_at = ev->time_ms;
    }
}

/* The owner at their own mailbox (Outlook, OWA, mobile; not an application holding rights to
 * it, not a delegate, not Exchange's own actions). */
static void mail_use(struct state *s, const struct m365_event *ev)
{
    const char *box = ev->mail ? ev->mail->mailbox_upn : NULL;
    /* time_ms <= 0: no time, or before 1970, which a pointer-sized count cannot keep */
    if (ev->time_ms <= 0 || !box || !ev->actor_upn || strcmp(box, ev->actor_upn) != 0 ||
        ev->result == M365_RESULT_FAILURE || m365_mail_not_owner(ev) || m365_mail_is_app(ev)) {
        return;
    }
    void **slot = m365_map_put(&s->mail_first, ev->actor_upn, NULL);
    if (slot && (!*slot || (uintptr_t)ev->time_ms < (uintptr_t)*slot)) {
        *slot = (void *)(uintptr_t)ev->time_ms;
    }
}

static void observe(struct m365_dctx *dc, void *sv, const struct m365_event *ev)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    if (ev->kind == M365_EV_DIRECTORY) {
        m365_tf_created_observe(dc, &s->created, ev);
        return;
    }
    if (ev->kind == M365_EV_MAIL_ACCESS || ev->kind == M365_EV_MAILBOX_ITEM) {
        mail_use(s, ev);
        return;
    }
    /* Interactive sign-ins only, but for following stays: token refreshes of mobile apps come
     * from their cloud services, geolocated wherever Microsoft runs them. */
    if (ev->time_ms == M365_TIME_NONE || !m365_signin_is_user(ev) || !ev->actor_upn ||
        !ev->ip) {
        return;
    }
    presence(dc, s, ev);
    if (ev->is_interactive == 0 || ev->log_source == M365_LOG_SIGNIN_NONINTERACTIVE) {
        refresh(dc, s, ev);
        return;
    }
    bool success = ev->result == M365_RESULT_SUCCESS;
    enum m365_signin_proof proof = m365_signin_proof(ev);
    bool typed = proof == M365_PROOF_TYPED;
    if (!success && !m365_signin_password_correct(ev) && !typed) {
        return;
    }
    struct user *u = user_of(s, ev->actor_upn);
    if (!u) {
        return;
    }
    u->seen = true;
    if (typed) {
        remember_typed(u, ev);
    }
    if (!success && !m365_signin_password_correct(ev)) {
        return; /* a credential given, the sign-in interrupted: "keep me signed in?" */
    }
    /* UAL sign-ins do not say whether they were interactive: Outlook Mobile's sync service
     * signs in from Microsoft's addresses there, so its sign-ins are left out. */
    if (ev->is_interactive != 1 && m365_id_brokered_client(ev)) {
        return;
    }
    if (!success && u->first_success == M365_TIME_NONE && !u->enrol_first &&
        (ev->error_code == 50079 || ev->error_code == 50072)) {
        u->enrol_first = !new_account(dc, c, s, u->upn, ev->time_ms);
    }
    if (success) {
        if (s->tenant_first == M365_TIME_NONE) {
            s->tenant_first = ev->time_ms;
        }
        if (u->first_success == M365_TIME_NONE) {
            u->first_success = ev->time_ms;
        }
    }
    const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, ev->ip);
    remember_address(u, ev);
    /* A proxy rotation shows in attempts whose password was right, blocked or not. */
    burst(dc, c, u, ev, ii);
    s->signins++; /* judged: a burst may still show; a place needs what follows */
    if (!success) {
        return;
    }
    if (ii->prefix != u->shared_net) {
        m365_id_shared_add(&s->shared, ii, ev->actor_upn); /* a user stays on a network */
        u->shared_net = ii->prefix;
    }
    /* Places need an interactive sign-in. The UAL's do not say, and carry no location: with
     * --geo-db they are placed (the UAL logs users' own sign-ins; Outlook Mobile's service,
     * which signs in from Microsoft's addresses, was left out above). */
    struct place pl = place_of(dc, ev);
    if (pl.country) {
        pl.country = upper(dc, pl.country); /* the key of the users' and tenant's maps */
    }
    bool ual = ev->is_interactive == -1 && ev->log_source == M365_LOG_UAL;
    /* A UAL sign-in inside an Entra interactive sign-in export has its located twin there:
     * two geolocations of one sign-in would disagree, and a disagreement looks like travel. */
    bool twin = pl.from_db && m365_dctx_source_covers(dc, M365_LOG_SIGNIN, ev->time_ms, TWIN_SKEW);
    if (ev->is_interactive != 1 && !(ual && pl.from_db && !twin)) {
        return;
    }
    s->placed += pl.country || pl.geo;
    s->placed_by_db += pl.from_db;
    bool known = pl.country && m365_map_get(&u->countries, pl.country, NULL);
    struct devname dn;
    bool named = ev->is_interactive == 1 && device_of(ev, &dn);
    if (ev->is_interactive == 1 && (pl.country || pl.geo)) {
        s->placed_entra++;
        s->placed_with_steps += named && proof != M365_PROOF_UNKNOWN;
    }
    if (!ii->trusted && !ii->is_private) {
        bool hosted = hosted_at(dc, ev, ii);
        /* A device new to the user, holding a token it did not make there. */
        bool fresh_dev = named && proof == M365_PROOF_TOKEN && !dn.registered &&
                         !device_known(u, &dn);
        follow_stays(u, ev, ii, &pl, hosted, true);
        novelty(dc, c, s, u, ev, ii, &pl, hosted, fresh_dev);
    }
    pre_run(dc, u, ev);
    travel(dc, c, u, ev, ii, &pl, known);
    if (named) {
        learn_device(dc, u, &dn);
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void ev_where(struct m365_dctx *dc, struct m365_buf *d, int *f, const char *prefix,
                     const struct m365_event *ev)
{
    struct place pl = place_of(dc, ev);
    char k[32];
    snprintf(k, sizeof(k), "%stime", prefix);
    m365_json_key(d, f, k);
    m365_json_time(d, ev->time_ms);
    snprintf(k, sizeof(k), "%sip", prefix);
    m365_json_key(d, f, k);
    m365_json_cstr(d, ev->ip);
    snprintf(k, sizeof(k), "%scity", prefix);
    m365_json_key(d, f, k);
    m365_json_cstr(d, pl.city);
    snprintf(k, sizeof(k), "%scountry", prefix);
    m365_json_key(d, f, k);
    m365_json_cstr(d, pl.country);
    if (pl.from_db) {
        snprintf(k, sizeof(k), "%slocated_by", prefix);
        m365_json_key(d, f, k);
        m365_json_cstr(d, "geo-db");
    }
}

/* How many of the user's sign-ins from outside the cloud came from the country of ev. */
static uint32_t home_weight(struct m365_dctx *dc, const struct user *u, const struct m365_event *ev)
{
    struct place pl = place_of(dc, ev);
    uintptr_t n = pl.country ? (uintptr_t)m365_map_get(&u->countries, upper(dc, pl.country), NULL)
                             : 0;
    return n ? (uint32_t)(n - 1) : 0;
}

/* Whether the event's network is the tenant's office (m365_id_shared_by_others). */
static bool shared_network(struct m365_dctx *dc, const struct state *s, const struct user *u,
                           const struct m365_event *ev)
{
    return m365_id_shared_by_others(&s->shared, m365_dctx_ipinfo(dc, ev->ip)->prefix, u->upn);
}

/* A new country the user then stayed in, as a traveller does; a dormant account's first
 * country, new to the whole tenant, is never one, nor a country reached with a token carried
 * from elsewhere (the traveller's own device is not there). */
static bool is_stay(const struct cfg *c, const struct novel *n)
{
    return n->country && !n->tenant_new && !n->carried && n->stay_n >= c->stay_signins &&
           n->stay_last - n->stay_first >= c->stay_span;
}

static void report(struct m365_dctx *dc, const struct cfg *c, struct state *s, struct user *u)
{
    bool asn_only = u->total_novel && !u->new_countries;
    uint32_t stays = 0;
    for (uint32_t i = 0; i < u->n_novel; i++) {
        stays += is_stay(c, &u->novel[i]);
    }
    /* New countries that were all stays say travel: low, unless travel or a burst shows too. */
    int strong = (u->new_countries > stays) + (u->total_hops > 0) + (u->total_bursts > 0);
    enum m365_severity sev = strong >= 2 ? M365_SEV_HIGH : strong ? M365_SEV_MEDIUM : M365_SEV_LOW;
    struct m365_fb *fb = m365_fb_begin(dc, sev);
    if (!fb) {
        return;
    }
    m365_fb_entity(fb, M365_ENT_USERS, u->upn);
    for (uint32_t i = 0; i < u->n_novel; i++) {
        m365_fb_event(fb, u->novel[i].ev);
        if (u->novel[i].prior) {
            m365_fb_event(fb, u->novel[i].prior);
        }
        m365_fb_entity(fb, M365_ENT_IPS, u->novel[i].ev->ip);
        m365_fb_entity(fb, M365_ENT_APPS, u->novel[i].ev->app_name);
    }
    for (uint32_t i = 0; i < u->n_hops; i++) {
        const struct hop *h = &u->hops[i];
        bool name_from = !h->from_known, name_to = !h->to_known;
        bool weighed = h->from_known == h->to_known;
        if (weighed) {
            /* Both ends known (an attacker's second sign-in from a country it made known) or
             * neither: the end whose country the user's own sign-ins rarely came from is not
             * the user; when neither is clearly rarer, both are named. */
            uint32_t wf = home_weight(dc, u, h->from), wt = home_weight(dc, u, h->to);
            name_from = !(3 * wt < wf);
            name_to = !(3 * wf < wt);
        }
        if (!weighed || (name_from && name_to)) {
            /* Still both, or only the end new to the user: a network other accounts of the
             * tenant sign in from too is the office, where the user was, and the other end
             * alone is named (an export that begins with the attacker's sign-ins makes the
             * attacker's country the user's first, and the office the new one). */
            bool sf = shared_network(dc, s, u, h->from), st = shared_network(dc, s, u, h->to);
            if (sf != st) {
                name_from = !sf;
                name_to = !st;
            }
        }
        m365_fb_event(fb, h->from);
        m365_fb_event(fb, h->to);
        if (name_from) {
            m365_fb_entity(fb, M365_ENT_IPS, h->from->ip);
        }
        if (name_from && !name_to) {
            m365_fb_entity(fb, M365_ENT_APPS, h->from->app_name);
        }
        if (name_to) {
            m365_fb_entity(fb, M365_ENT_IPS, h->to->ip);
            m365_fb_entity(fb, M365_ENT_APPS, h->to->app_name);
        }
    }
    for (uint32_t i = 0; i < u->n_bursts; i++) {
        for (uint32_t k = 0; k < u->bursts[i].n_ev; k++) {
            m365_fb_event(fb, u->bursts[i].ev[k]);
            m365_fb_entity(fb, M365_ENT_IPS, u->bursts[i].ev[k]->ip);
        }
    }
    int *first;
    struct m365_buf *d = m365_fb_details(fb, &first);
    m365_json_key(d, first, "new_locations");
    m365_buf_putc(d, '[');
    for (uint32_t i = 0; i < u->n_novel; i++) {
        const struct novel *n = &u->novel[i];
        m365_buf_puts(d, i ? ",{" : "{");
        int f = 1;
        ev_where(dc, d, &f, "", n->ev);
        m365_json_key(d, &f, "new_country");
        m365_buf_puts(d, n->country ? "true" : "false");
        m365_json_key(d, &f, "asn");
        uint32_t asn = m365_id_event_asn(n->ev, m365_dctx_ipinfo(dc, n->ev->ip));
        if (asn) {
            m365_buf_printf(d, "%u", asn);
        } else {
            m365_buf_puts(d, "null");
        }
        m365_json_key(d, &f, "new_asn");
        m365_buf_puts(d, n->asn ? "true" : "false");
        m365_json_key(d, &f, "new_to_tenant");
        m365_buf_puts(d, n->tenant_new ? "true" : "false");
        m365_json_key(d, &f, "tenant_visited");
        m365_buf_puts(d, n->tenant_visited ? "true" : "false");
        m365_json_key(d, &f, "mfa_enrolment_asked");
        m365_buf_puts(d, n->enrol ? "true" : "false");
        m365_json_key(d, &f, "user_first_days");
        m365_buf_puts(d, n->first_days ? "true" : "false");
        if (n->country) {
            m365_json_key(d, &f, "stay");
            m365_buf_puts(d, is_stay(c, n) ? "true" : "false");
            m365_json_key(d, &f, "stay_signins");
            m365_buf_printf(d, "%u", n->stay_n);
            m365_json_key(d, &f, "stay_hours");
            m365_buf_printf(d, "%.1f",
                            (double)(n->stay_last - n->stay_first) / (double)M365_HOUR_MS);
        }
        m365_json_key(d, &f, "session_carried");
        m365_buf_puts(d, n->carried ? "true" : "false");
        if (n->carried) {
            m365_json_key(d, &f, "device");
            m365_buf_putc(d, '{');
            int g = 1;
            m365_json_key(d, &g, "os");
            m365_json_cstr(d, m365_event_extra(n->ev, "deviceDetail.operatingSystem"));
            m365_json_key(d, &g, "browser");
            m365_json_cstr(d, m365_event_extra(n->ev, "deviceDetail.browser"));
            m365_buf_putc(d, '}');
        }
        m365_json_key(d, &f, "first_signin_from_address");
        if (n->prior) {
            m365_buf_putc(d, '{');
            int g = 1;
            m365_json_key(d, &g, "time");
            m365_json_time(d, n->prior->time_ms);
            m365_json_key(d, &g, "error_code");
            m365_buf_printf(d, "%d", (int)n->prior->error_code);
            m365_buf_putc(d, '}');
        } else {
            m365_buf_puts(d, "null");
        }
        m365_buf_putc(d, '}');
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "impossible_travel");
    m365_buf_putc(d, '[');
    for (uint32_t i = 0; i < u->n_hops; i++) {
        const struct hop *h = &u->hops[i];
        m365_buf_puts(d, i ? ",{" : "{");
        int f = 1;
        ev_where(dc, d, &f, "from_", h->from);
        ev_where(dc, d, &f, "to_", h->to);
        m365_json_key(d, &f, "km");
        m365_buf_printf(d, "%.0f", h->km);
        m365_json_key(d, &f, "hours");
        m365_buf_printf(d, "%.2f", h->hours);
        m365_json_key(d, &f, "kmh");
        m365_buf_printf(d, "%.0f", h->kmh);
        m365_buf_putc(d, '}');
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "ip_bursts");
    m365_buf_putc(d, '[');
    for (uint32_t i = 0; i < u->n_bursts; i++) {
        const struct burst *b = &u->bursts[i];
        m365_buf_puts(d, i ? ",{" : "{");
        int f = 1;
        m365_json_key(d, &f, "start");
        m365_json_time(d, b->start);
        m365_json_key(d, &f, "end");
        m365_json_time(d, b->end);
        m365_json_key(d, &f, "networks");
        m365_buf_printf(d, "%u", b->networks);
        m365_json_key(d, &f, "signins");
        m365_buf_printf(d, "%u", b->total);
        const char *ips[MAX_BURST_EV];
        size_t n = 0;
        for (uint32_t k = 0; k < b->n_ev; k++) {
            size_t j = 0;
            while (j < n && strcmp(ips[j], b->ev[k]->ip) != 0) {
                j++;
            }
            if (j == n) {
                ips[n++] = b->ev[k]->ip;
            }
        }
        m365_qsort(ips, n, sizeof(*ips), m365_cmp_cstr);
        m365_json_key(d, &f, "ips");
        m365_buf_putc(d, '[');
        for (size_t k = 0; k < n; k++) {
            if (k) {
                m365_buf_putc(d, ',');
            }
            m365_json_cstr(d, ips[k]);
        }
        m365_buf_puts(d, "]}");
    }
    m365_buf_putc(d, ']');
    const char *countries[MAX_KNOWN];
    uint32_t asns[MAX_KNOWN];
    size_t nc = 0, na = 0;
    M365_MAP_EACH(&u->countries, slot)
    {
        countries[nc++] = slot->k1;
    }
    M365_MAP_EACH(&u->asns, slot)
    {
        asns[na++] = (uint32_t)(uintptr_t)slot->k1;
    }
    m365_qsort(countries, nc, sizeof(*countries), m365_cmp_cstr);
    m365_qsort(asns, na, sizeof(*asns), cmp_u32);
    m365_json_key(d, first, "countries_seen");
    m365_buf_putc(d, '[');
    for (size_t i = 0; i < nc; i++) {
        if (i) {
            m365_buf_putc(d, ',');
        }
        m365_json_cstr(d, countries[i]);
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "asns_seen");
    m365_buf_putc(d, '[');
    for (size_t i = 0; i < na; i++) {
        m365_buf_printf(d, i ? ",%u" : "%u", asns[i]);
    }
    m365_buf_putc(d, ']');
    m365_json_key(d, first, "counts");
    m365_buf_printf(d, "{\"new_locations\":%u,\"impossible_travel\":%u,\"ip_bursts\":%u}",
                    u->total_novel, u->total_hops, u->total_bursts);
    if (!s->asn_seen) {
        m365_json_key(d, first, "confidence_note");
        m365_json_cstr(d, "No ASN known (no --asn-db and no autonomousSystemNumber in the "
                          "sign-in records): only countries were compared.");
    }

    char what[512] = "";
    size_t w = 0;
    if (u->n_hops) {
        const struct hop *h = &u->hops[0];
        struct place to = place_of(dc, h->to), from = place_of(dc, h->from);
        w += (size_t)snprintf(what + w, sizeof(what) - w,
                              "signed in from %s (%s) %.0f km and %.1f h after %s (%s), "
                              "%.0f km/h%s",
                              to.city ? to.city : h->to->ip, to.country ? to.country : "?", h->km,
                              h->hours, from.city ? from.city : h->from->ip,
                              from.country ? from.country : "?", h->kmh,
                              to.from_db || from.from_db ? " (placed by --geo-db)" : "");
    }
    if (u->n_novel && w < sizeof(what)) {
        const struct novel *n = &u->novel[0];
        char asn[24] = "";
        if (n->asn) {
            snprintf(asn, sizeof(asn), "AS%u", n->asn);
        }
        char stay[192] = "";
        if (is_stay(c, n)) {
            snprintf(stay, sizeof(stay), ", then stayed: %u sign-ins over %.0f h from there alone",
                     n->stay_n, (double)(n->stay_last - n->stay_first) / (double)M365_HOUR_MS);
        } else if (n->carried) {
            const char *os = m365_event_extra(n->ev, "deviceDetail.operatingSystem");
            const char *br = m365_event_extra(n->ev, "deviceDetail.browser");
            snprintf(stay, sizeof(stay),
                     ", by single sign-on alone on a device the user had not signed in with "
                     "(%s%s%s): a token made elsewhere",
                     os && *os ? os : "", os && *os && br && *br ? ", " : "", br ? br : "");
        }
        w += (size_t)snprintf(what + w, sizeof(what) - w,
                              "%ssigned in from new %s %s%s%s (%s%s)%s%s%s", w ? "; " : "",
                              n->country ? "country" : "network", n->country ? n->country : "",
                              n->country && n->asn ? " / " : "", asn, n->ev->ip,
                              n->country && place_of(dc, n->ev).from_db ? ", placed by --geo-db"
                                                                        : "",
                              n->first_days && n->tenant_visited
                                  ? ", a country accounts of the tenant had signed in from but "
                                    "none lives in, in the user's first days in the evidence"
                              : n->first_days ? ", a country no account of the tenant signs in "
                                                "from, in the user's first days in the evidence"
                              : n->tenant_visited ? ", a country accounts of the tenant had signed "
                                                    "in from but none lives in, with no sign-in "
                                                    "history of its own"
                              : n->tenant_new ? ", a country no account of the tenant had signed "
                                                "in from, with no sign-in history of its own"
                                              : "",
                              n->enrol ? " and no MFA method (asked to enrol first)" : "",
                              stay);
    }
    if (u->n_bursts && w < sizeof(what)) {
        const struct burst *b = &u->bursts[0];
        snprintf(what + w, sizeof(what) - w, "%sused %u networks within %.0f minutes",
                 w ? "; " : "", b->networks, (double)(b->end - b->start) / 60000.0);
    }
    m365_fb_summary(fb, "%s %s%s.", u->upn, what,
                    asn_only && !u->n_hops && !u->n_bursts ? " (same country)" : "");
    m365_fb_end(fb);
}

/* Whether an account other than u, active from the start, signs in mostly from the country
 * (outside the cloud), and was there when first seen: someone of the tenant lives there. Late
 * accounts do not vouch: a second dormant account taken over from the attacker's country would,
 * for the first. Nor does a traveller, first seen at home, whose few sign-ins of the export are
 * mostly from abroad, nor one first seen abroad, home by the end (a trip the export begins
 * in, most of a quiet user's few sign-ins), unless two in three are from there. by: first seen
 * there no later than this (a dormant account's first sign-in: a colleague who first turns up
 * there after it does not vouch for it). */
static bool someone_lives_in(const struct state *s, const struct user *u, const char *country,
                             int64_t by)
{
    M365_MAP_EACH(&s->users, slot)
    {
        const struct user *v = slot->val;
        uintptr_t n = v == u || v->late || v->first_country != country ||
                              v->first_country_at > by
                          ? 0
                          : (uintptr_t)m365_map_get(&v->countries, country, NULL);
        if (n > 1 && 2 * (n - 1) >= v->placed_own &&
            (v->last_country == country || 3 * (n - 1) >= 2 * (uintptr_t)v->placed_own)) {
            return true;
        }
    }
    return false;
}

/* Whether an account other than u signed in from the country at all. */
static bool someone_was_in(const struct state *s, const struct user *u, const char *country)
{
    M365_MAP_EACH(&s->users, slot)
    {
        const struct user *v = slot->val;
        if (v != u && m365_map_get(&v->countries, country, NULL)) {
            return true;
        }
    }
    return false;
}

/* A country new to a user in their first days, with no baseline of the user's to say how they
 * travel, is kept in the shape of a session replayed there: the user signs in from elsewhere
 * again, within stay_span or after a single sign-in there (a traveller is away longer, and signs
 * in where they are more than once), and, now all sign-ins are in, nobody of the tenant lives
 * there (an office abroad that signs in later in the evidence does). */
static void judge_first_days(const struct cfg *c, const struct state *s, struct user *u)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < u->n_novel; i++) {
        const struct novel *n = &u->novel[i];
        bool away = n->stay_end - n->stay_first >= c->stay_span && n->stay_n > 1;
        if (n->first_days &&
            (!n->stay_over || away || someone_lives_in(s, u, n->country, INT64_MAX))) {
            u->total_novel--;
            u->new_countries--;
            continue;
        }
        u->novel[kept++] = *n;
    }
    u->n_novel = kept;
}

/* A dormant account whose first place was a country accounts of the tenant had only visited
 * (a traveller's destination) is new to the tenant as well, and so is an account without an
 * MFA method first placed where nobody lives: judged now all sign-ins are in. */
static void judge_visit(struct state *s, struct user *u)
{
    if (!u->visit_ev || someone_lives_in(s, u, u->visit_country, u->visit_ev->time_ms)) {
        return;
    }
    if (u->n_novel == MAX_ANOM) {
        u->n_novel--; /* the first place goes first; the last kept gives way */
    }
    memmove(&u->novel[1], &u->novel[0], u->n_novel * sizeof(u->novel[0]));
    u->novel[0] = (struct novel){.ev = u->visit_ev,
                                 .prior = u->visit_prior,
                                 .country = u->visit_country,
                                 .tenant_new = true,
                                 .tenant_visited = someone_was_in(s, u, u->visit_country),
                                 .stay_n = 1,
                                 .stay_last = u->visit_ev->time_ms,
                                 .stay_first = u->visit_ev->time_ms,
                                 .enrol = u->enrol_first};
    u->n_novel++;
    u->total_novel++;
    u->new_countries++;
}

/* A hop between the user's home and the office is the corporate VPN (its exit is the office's
 * network) or a remote worker's day at the office, not travel: dropped, once the office is
 * known. A hop to anywhere else stays, the office's included. */
static void judge_office_hops(struct m365_dctx *dc, const struct state *s, struct user *u)
{
    uint32_t k = 0, stored = u->n_hops;
    for (uint32_t i = 0; i < u->n_hops; i++) {
        const struct hop *h = &u->hops[i];
        if ((h->from_home && shared_network(dc, s, u, h->to)) ||
            (h->to_home && shared_network(dc, s, u, h->from))) {
            continue;
        }
        u->hops[k++] = *h;
    }
    u->n_hops = k;
    u->total_hops -= stored - k;
}

static void finish(struct m365_dctx *dc, void *sv)
{
    struct state *s = sv;
    const struct cfg *c = m365_dctx_cfg(dc);
    M365_MAP_EACH(&s->users, slot)
    {
        struct user *u = slot->val;
        judge_first_days(c, s, u);
        judge_visit(s, u);
        judge_office_hops(dc, s, u);
        if (u->total_novel || u->total_hops || u->total_bursts) {
            report(dc, c, s, u);
        }
    }
    if (s->signins && !s->placed) {
        m365_dctx_evaluated_in_part(
            dc,
            "none of the %llu sign-ins with the right password is a successful interactive one "
            "with a location (the Unified Audit Log's sign-ins carry no location and do not say "
            "whether they were interactive): new countries and impossible travel were not "
            "judged, only bursts of networks; Entra ID's sign-in logs for the period (Graph, Log "
            "Analytics, Azure Monitor)%s would show them",
            (unsigned long long)s->signins,
            m365_dctx_has_geo_db(dc) ? "" : ", or a city database (--geo-db) for the UAL's,");
    } else if (s->placed_by_db) {
        /* Honest about whose geolocation it is: a database's, which may differ from
         * Microsoft's for the same address. */
        m365_dctx_evaluated_in_part(
            dc,
            "%llu of the %llu successful sign-ins judged for place were placed by --geo-db "
            "(their records carry no location): countries and distances there are the "
            "database's, not Microsoft's, and an address it cannot place is not judged",
            (unsigned long long)s->placed_by_db, (unsigned long long)s->placed);
    } else if (s->placed_entra && !s->placed_with_steps) {
        m365_dctx_evaluated_in_part(
            dc,
            "none of the %llu located interactive sign-ins names its authentication steps and "
            "its device (Graph v1.0 and the portal's CSV downloads leave the steps out): a "
            "session carried to another device, single sign-on on a device the user had not "
            "used, was not judged, and a user without a baseline gets no new-country finding "
            "from it; Graph beta, Log Analytics or Azure Monitor sign-in logs would show it",
            (unsigned long long)s->placed_entra);
    }
}

static void free_state(void *sv)
{
    struct state *s = sv;
    M365_MAP_EACH(&s->users, slot)
    {
        struct user *u = slot->val;
        m365_map_free(&u->countries);
        m365_map_free(&u->asns);
        free(u);
    }
    m365_map_free(&s->users);
    m365_map_free(&s->mail_first);
    m365_map_free(&s->tenant_countries);
    m365_map_free(&s->tenant_hosting_countries);
    m365_tf_created_free(&s->created);
    m365_distinct_free(&s->shared);
}

static void init(struct m365_dctx *dc, void *sv)
{
    (void)dc;
    struct state *s = sv;
    s->tenant_first = M365_TIME_NONE;
}

static const char *const techniques[] = {"T1078.004", NULL};

const struct m365_detection m365_detect_anomalous_signin_location = {
    .info =
        {
            .id = "anomalous-signin-location",
            .title = "Sign-in from a new country or network, impossible travel, or a burst of "
                     "addresses",
            .severity = M365_SEV_MEDIUM,
            .techniques = techniques,
            .description =
                "Per user, over successful interactive sign-ins: (1) after a `baseline` learnt "
                "from the user's own first sign-ins, a country or ASN never seen for them; (2) "
                "impossible travel: two successive sign-ins with coordinates further apart than "
                "`geo_tolerance_km` and faster than `max_speed_kmh` (same city never counts); "
                "(3) a burst of `burst_networks` distinct networks (/24, /64) within "
                "`burst_window`, counting attempts whose password was right (rotating "
                "proxies). One finding per user: medium for a new country, impossible travel or "
                "a burst, high for two of them, low for a new ASN in a known country. A dormant "
                "account (first successful interactive sign-in, or earlier use: a token refresh, "
                "its own mailbox through Microsoft's clients, `tenant_baseline` after the "
                "tenant's first sign-in, or asked to enrol in MFA before it and not created "
                "within `new_account`) whose "
                "first located sign-in comes from a country no account of the tenant signed in "
                "from is reported as a new country. So is, baseline or not, a new country "
                "reached by single sign-on alone on a device (system, browser) the user had not "
                "signed in with, without a device id, where the user gave no credential before: "
                "a token made elsewhere (a stolen session); never a stay. And, in the user's "
                "first days (no baseline of their own yet), a country nobody of the tenant "
                "lives in (judged once every sign-in is in; accounts that only visited do not "
                "count), when the user signs in from elsewhere again within `stay_span`, or "
                "later after that one sign-in alone there (a session replayed between their own "
                "days, or before their weekend).",
            .needs = "interactive sign-in logs with locations (Entra sign-ins, or UAL sign-ins "
                     "with --geo-db; ASNs from the Graph beta / SigninLogs records or --asn-db)",
            .blind_spots =
                "A user with less than `baseline` of history has no baseline and gets no "
                "new-location finding (travel and bursts are still checked), unless it is a "
                "dormant account first seen in a country new to the tenant, a session carried "
                "to another device, or a country nobody of the tenant lives in between the "
                "user's own sign-ins elsewhere (within `stay_span`, or after one sign-in "
                "there). An "
                "attacker's browser matching the "
                "user's system and browser at the same or a later version is not told apart "
                "from the user's own. Geolocation is Microsoft's, from the logs (or --geo-db's "
                "for records without one), and is "
                "coarse for mobile carriers and VPNs. UAL sign-ins (no location, interactivity "
                "unknown) count only for bursts unless --geo-db places them (not inside an "
                "Entra sign-in export's time span, which has them located), Outlook Mobile's "
                "excepted. "
                "Non-interactive sign-ins count only for stays. An intruder refreshing the user's "
                "tokens from one address with the user's own client string for stay_span, while "
                "every device of the user is silent, looks like a stay. An attacker using a "
                "residential proxy in the user's own city and ISP looks like the user.",
        },
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .cfg_size = sizeof(struct cfg),
    .kinds = M365_KIND_BIT(M365_EV_SIGNIN) | M365_KIND_BIT(M365_EV_DIRECTORY) |
             M365_KIND_BIT(M365_EV_MAIL_ACCESS) | M365_KIND_BIT(M365_EV_MAILBOX_ITEM),
    .needs = M365_KIND_BIT(M365_EV_SIGNIN),
    .state_size = sizeof(struct state),
    .init = init,
    .observe = observe,
    .finish = finish,
    .free_state = free_state,
};
