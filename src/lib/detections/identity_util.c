#include "identity_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/norm.h"
#include "../engine/detect.h"
#include "../enrich/enrich.h"
#include "signin_util.h"

uint32_t m365_id_event_asn(const struct m365_event *ev, const struct m365_ipinfo *ii)
{
    if (ii && ii->asn) {
        return ii->asn;
    }
    const char *s = m365_event_extra(ev, "autonomousSystemNumber");
    int64_t v;
    if (s && m365_parse_i64(s, strlen(s), 1, UINT32_MAX, &v) == 0) {
        return (uint32_t)v;
    }
    return 0;
}

bool m365_id_hosting(struct m365_dctx *dc, const struct m365_event *ev,
                     const struct m365_ipinfo *ii, const char **why)
{
    *why = NULL;
    if (!ii->valid || ii->is_private) {
        return false;
    }
    if (ii->in_ranges) {
        *why = ii->range_label ? ii->range_label : "hosting range";
        return true;
    }
    char buf[32];
    if (ii->hosting_asn) {
        snprintf(buf, sizeof(buf), "AS%u", ii->asn);
        *why = m365_dctx_intern(dc, buf, strlen(buf));
        return true;
    }
    /* Without an ASN database the record's own autonomousSystemNumber (Log Analytics, Azure
     * Monitor and beta Graph sign-ins carry it) still places the address. */
    if (!ii->asn) {
        uint32_t asn = m365_id_event_asn(ev, NULL);
        if (asn && m365_asn_is_hosting(asn, NULL)) {
            snprintf(buf, sizeof(buf), "AS%u", asn);
            *why = m365_dctx_intern(dc, buf, strlen(buf));
            return true;
        }
    }
    return false;
}

bool m365_id_brokered_client(const struct m365_event *ev)
{
    static const char *const apps[] = {"27922004-5251-4030-b22d-91ecd9a37ea4"}; /* Outlook Mobile */
    for (size_t i = 0; ev->app_id && i < sizeof(apps) / sizeof(apps[0]); i++) {
        if (m365_ieq(ev->app_id, apps[i])) {
            return true;
        }
    }
    return false;
}

bool m365_id_microsoft_asn(uint32_t asn)
{
    return asn == 8075 || (asn >= 8068 && asn <= 8074) || asn == 12076 || asn == 3598;
}

double m365_id_km(double lat1, double lon1, double lat2, double lon2)
{
    const double r = 6371.0088, rad = 3.14159265358979323846 / 180.0;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    if (a > 1) {
        a = 1;
    }
    return 2 * r * atan2(sqrt(a), sqrt(1 - a));
}

bool m365_id_has_geo(const struct m365_event *ev)
{
    return ev->has_geo && !(ev->lat == 0 && ev->lon == 0) && ev->lat >= -90 && ev->lat <= 90 &&
           ev->lon >= -180 && ev->lon <= 180;
}

void m365_id_shared_add(struct m365_distinct *d, const struct m365_ipinfo *ii, const char *upn)
{
    if (ii->prefix && !ii->hosting) {
        m365_distinct_add(d, ii->prefix, upn);
    }
}

bool m365_id_shared_by_others(const struct m365_distinct *d, const char *net, const char *upn)
{
    return net && m365_distinct_others(d, net, upn) >= M365_ID_SHARED_ACCOUNTS;
}

void m365_id_office_signin(struct m365_dctx *dc, struct m365_id_office *o,
                           const struct m365_event *ev, int64_t created)
{
    if (ev->kind != M365_EV_SIGNIN || !ev->actor_upn || !ev->ip || !m365_signin_is_user(ev)) {
        return;
    }
    bool watch = created != M365_TIME_NONE && ev->time_ms != M365_TIME_NONE &&
                 ev->time_ms >= created && ev->time_ms - created <= M365_ID_ONBOARDING_MS;
    const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, ev->ip);
    if (m365_signin_is_bad_password(ev)) {
        m365_distinct_add(&o->failed, ii->prefix, ev->actor_upn);
        return;
    }
    if (ev->result == M365_RESULT_SUCCESS) {
        m365_id_shared_add(&o->shared, ii, ev->actor_upn);
    }
    if (watch && ii->hosting && m365_signin_password_correct(ev)) {
        void **slot = m365_map_put(&o->hosted, ev->actor_upn, NULL);
        if (slot) {
            *slot = (void *)1;
        }
    }
}

bool m365_id_office_made(struct m365_dctx *dc, const struct m365_id_office *o,
                         const struct m365_event *ev, const char **net)
{
    *net = NULL;
    if (ev->actor_type != M365_ACTOR_USER || !ev->actor_upn || !ev->ip) {
        return false;
    }
    const struct m365_ipinfo *ii = m365_dctx_ipinfo(dc, ev->ip);
    if (ii->hosting || !m365_id_shared_by_others(&o->shared, ii->prefix, ev->actor_upn) ||
        m365_distinct_count(&o->failed, ii->prefix) >=
            m365_distinct_count(&o->shared, ii->prefix)) {
        return false;
    }
    *net = ii->prefix;
    return true;
}

bool m365_id_office_hosted(const struct m365_id_office *o, const char *upn)
{
    return !upn || m365_map_get(&o->hosted, upn, NULL);
}

const char *m365_id_office_onboarding(struct m365_dctx *dc, const struct m365_id_office *o,
                                      const struct m365_event *made,
                                      const struct m365_event *const *evs, size_t n,
                                      const char *upn)
{
    const char *net, *other;
    if (!made || !m365_id_office_made(dc, o, made, &net) || m365_id_office_hosted(o, upn)) {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!m365_id_office_made(dc, o, evs[i], &other)) {
            return NULL;
        }
    }
    return net;
}

size_t m365_id_office_accounts(const struct m365_id_office *o, const char *net)
{
    return m365_distinct_count(&o->shared, net);
}

void m365_id_office_details(struct m365_buf *d, int *first, const struct m365_id_office *o,
                            const char *net)
{
    m365_json_key(d, first, "office_network");
    m365_json_cstr(d, net);
    m365_json_key(d, first, "office_accounts");
    m365_buf_printf(d, "%zu", m365_id_office_accounts(o, net));
}

void m365_id_office_free(struct m365_id_office *o)
{
    m365_distinct_free(&o->shared);
    m365_distinct_free(&o->failed);
    m365_map_free(&o->hosted);
}
