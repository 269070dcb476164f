/* Names of the public enums, and look-ups on events. */
#include <stdio.h>
#include <string.h>

#include "../core/norm.h"
#include "m365hunt/event.h"
#include "m365hunt/finding.h"
#include "m365hunt/scan.h"
#include "m365hunt/status.h"

const char *m365_status_str(enum m365_status st)
{
    switch (st) {
    case M365_OK: return "success";
    case M365_E_NOMEM: return "out of memory";
    case M365_E_IO: return "input/output error";
    case M365_E_PARSE: return "malformed input";
    case M365_E_LIMIT: return "limit reached";
    case M365_E_CONFIG: return "invalid configuration";
    case M365_E_USAGE: return "invalid use";
    case M365_E_FORMAT: return "unknown input format";
    case M365_E_EOF: return "end of input";
    case M365_E_INTERNAL: return "internal error";
    }
    return "unknown status";
}

const char *m365_log_source_name(enum m365_log_source s)
{
    static const char *const names[M365_LOG__COUNT] = {
        "unknown", "ual", "signin", "signin-noninteractive", "signin-service-principal",
        "signin-managed-identity", "directory-audit", "graph-activity", "risk", "other"};
    return (unsigned)s < M365_LOG__COUNT ? names[s] : "unknown";
}

void m365_log_sources_text(uint16_t sources, char *out, size_t n)
{
    size_t len = 0;
    if (n) {
        out[0] = '\0';
    }
    for (int k = 0; k < M365_LOG__COUNT && n; k++) {
        if (sources & (1u << k)) {
            int w = snprintf(out + len, n - len, "%s%s", len ? ", " : "",
                             m365_log_source_name((enum m365_log_source)k));
            len = w < 0 || (size_t)w >= n - len ? n - 1 : len + (size_t)w;
        }
    }
}

const char *m365_event_kind_name(enum m365_event_kind k)
{
    static const char *const names[M365_EV__COUNT] = {
        "other", "signin", "directory", "exchange-admin", "mail-access", "mailbox-item",
        "file", "graph-request", "risk"};
    return (unsigned)k < M365_EV__COUNT ? names[k] : "other";
}

const char *m365_result_name(enum m365_result r)
{
    switch (r) {
    case M365_RESULT_SUCCESS: return "success";
    case M365_RESULT_FAILURE: return "failure";
    case M365_RESULT_INTERRUPTED: return "interrupted";
    default: return "unknown";
    }
}

const char *m365_actor_type_name(enum m365_actor_type t)
{
    switch (t) {
    case M365_ACTOR_USER: return "user";
    case M365_ACTOR_SERVICE_PRINCIPAL: return "service-principal";
    case M365_ACTOR_SYSTEM: return "system";
    default: return "unknown";
    }
}

const char *m365_severity_name(enum m365_severity s)
{
    static const char *const names[] = {"info", "low", "medium", "high", "critical"};
    return (unsigned)s <= M365_SEV_CRITICAL ? names[s] : "info";
}

enum m365_status m365_severity_parse(const char *s, enum m365_severity *out)
{
    for (int i = M365_SEV_INFO; i <= M365_SEV_CRITICAL; i++) {
        if (m365_ieq(s, m365_severity_name((enum m365_severity)i))) {
            *out = (enum m365_severity)i;
            return M365_OK;
        }
    }
    return M365_E_USAGE;
}

const char *m365_event_param(const struct m365_event *ev, const char *name)
{
    for (uint32_t i = 0; i < ev->n_params; i++) {
        if (m365_ieq_quick(ev->params[i].name, name)) {
            return ev->params[i].value;
        }
    }
    return NULL;
}

const char *m365_event_extra(const struct m365_event *ev, const char *name)
{
    for (uint32_t i = 0; i < ev->n_extra; i++) {
        if (m365_ieq_quick(ev->extra[i].name, name)) {
            return ev->extra[i].value;
        }
    }
    return NULL;
}

const struct m365_modprop *m365_event_prop(const struct m365_event *ev, const char *name)
{
    for (uint32_t i = 0; i < ev->n_props; i++) {
        if (m365_ieq_quick(ev->props[i].name, name)) {
            return &ev->props[i];
        }
    }
    return NULL;
}

void m365_format_bytes(uint64_t bytes, char *buf, size_t size)
{
    static const char *const unit[] = {"kB", "MB", "GB", "TB"};
    if (bytes < 1000) {
        snprintf(buf, size, "%llu byte%s", (unsigned long long)bytes, bytes == 1 ? "" : "s");
        return;
    }
    double v = (double)bytes / 1000.0;
    int u = 0;
    while (v >= 999.95 && u < 3) {
        v /= 1000.0;
        u++;
    }
    snprintf(buf, size, "%.1f %s", v, unit[u]);
}

void m365_format_time(int64_t ms, char *buf, size_t size)
{
    if (ms == M365_TIME_NONE) {
        snprintf(buf, size, "unknown");
        return;
    }
    int y, mo, d, h, mi, s, msec;
    m365_civil_from_ms(ms, &y, &mo, &d, &h, &mi, &s, &msec);
    /* Digit by digit (a report writes two times per file read: snprintf was half its cost);
     * what the four-digit form cannot hold goes through snprintf, which prints the same. */
    if (y < 0 || y > 9999 || size < sizeof("YYYY-MM-DDTHH:MM:SS.mmmZ")) {
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, d, h, mi, s, msec);
        return;
    }
    char *p = m365_put_digits(buf, (unsigned)y, 4);
    *p++ = '-';
    p = m365_put_digits(p, (unsigned)mo, 2);
    *p++ = '-';
    p = m365_put_digits(p, (unsigned)d, 2);
    *p++ = 'T';
    p = m365_put_digits(p, (unsigned)h, 2);
    *p++ = ':';
    p = m365_put_digits(p, (unsigned)mi, 2);
    *p++ = ':';
    p = m365_put_digits(p, (unsigned)s, 2);
    *p++ = '.';
    p = m365_put_digits(p, (unsigned)msec, 3);
    *p++ = 'Z';
    *p = '\0';
}
