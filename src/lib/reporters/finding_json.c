/* One finding as a JSON object: the public contract of docs/findings.md. */
#include <string.h>

#include "../core/buf.h"
#include "../core/json_out.h"
#include "m365hunt/finding.h"
#include "m365hunt/scan.h"

static const char *const entity_keys[M365_ENT__COUNT] = {
    "users", "ips", "apps", "service_principals", "mailboxes", "domains"};

enum m365_status m365_finding_write_json(const struct m365_finding *f, m365_finding_write_fn w,
                                         void *user)
{
    struct m365_buf b;
    m365_buf_init(&b, 0);
    int first = 1;
    m365_buf_putc(&b, '{');
    m365_json_key(&b, &first, "rule");
    m365_json_cstr(&b, f->rule);
    m365_json_key(&b, &first, "title");
    m365_json_cstr(&b, f->title);
    m365_json_key(&b, &first, "severity");
    m365_json_cstr(&b, m365_severity_name(f->severity));
    m365_json_key(&b, &first, "techniques");
    m365_buf_putc(&b, '[');
    for (size_t i = 0; i < f->n_techniques; i++) {
        if (i) {
            m365_buf_putc(&b, ',');
        }
        m365_json_cstr(&b, f->techniques[i]);
    }
    m365_buf_putc(&b, ']');
    m365_json_key(&b, &first, "first_seen");
    m365_json_time(&b, f->first_ms);
    m365_json_key(&b, &first, "last_seen");
    m365_json_time(&b, f->last_ms);
    m365_json_key(&b, &first, "entities");
    m365_buf_putc(&b, '{');
    for (int k = 0; k < M365_ENT__COUNT; k++) {
        if (k) {
            m365_buf_putc(&b, ',');
        }
        m365_json_cstr(&b, entity_keys[k]);
        m365_buf_puts(&b, ":[");
        for (size_t i = 0; i < f->entities[k].n; i++) {
            if (i) {
                m365_buf_putc(&b, ',');
            }
            m365_json_cstr(&b, f->entities[k].items[i]);
        }
        m365_buf_putc(&b, ']');
    }
    m365_buf_putc(&b, '}');
    m365_json_key(&b, &first, "summary");
    m365_json_cstr(&b, f->summary);
    m365_json_key(&b, &first, "details");
    m365_buf_puts(&b, f->details_json && *f->details_json ? f->details_json : "{}");
    m365_json_key(&b, &first, "evidence");
    m365_buf_putc(&b, '[');
    for (size_t i = 0; i < f->n_evidence; i++) {
        const struct m365_event *ev = f->evidence[i];
        int ef = 1;
        m365_buf_puts(&b, i ? ",{" : "{");
        m365_json_key(&b, &ef, "file");
        m365_json_cstr(&b, ev->evidence.file);
        m365_json_key(&b, &ef, "line");
        m365_buf_printf(&b, "%llu", (unsigned long long)ev->evidence.line);
        m365_json_key(&b, &ef, "record_id");
        m365_json_cstr(&b, ev->evidence.record_id);
        m365_json_key(&b, &ef, "time");
        m365_json_time(&b, ev->time_ms);
        m365_json_key(&b, &ef, "operation");
        m365_json_cstr(&b, ev->operation_raw ? ev->operation_raw : ev->operation);
        m365_buf_putc(&b, '}');
    }
    m365_buf_putc(&b, ']');
    m365_json_key(&b, &first, "evidence_total");
    m365_buf_printf(&b, "%llu", (unsigned long long)f->evidence_total);
    m365_json_key(&b, &first, "incident");
    if (f->incident >= 0) {
        m365_buf_printf(&b, "%lld", (long long)f->incident);
    } else {
        m365_buf_puts(&b, "null");
    }
    m365_buf_putc(&b, '}');
    enum m365_status st = M365_OK;
    if (b.failed) {
        st = M365_E_NOMEM;
    } else if (w(b.data, b.len, user) != 0) {
        st = M365_E_IO;
    }
    m365_buf_free(&b);
    return st;
}
