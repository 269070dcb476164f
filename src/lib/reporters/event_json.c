/* One normalised event as a JSON object (schema: docs/events.md). Absent fields are omitted. */
#include <stdio.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/json_out.h"
#include "m365hunt/scan.h"

static void kv_str(struct m365_buf *b, int *first, const char *key, const char *v)
{
    if (v) {
        m365_json_key(b, first, key);
        m365_json_cstr(b, v);
    }
}

static void kv_int(struct m365_buf *b, int *first, const char *key, long long v)
{
    m365_json_key(b, first, key);
    m365_buf_printf(b, "%lld", v);
}

static void kv_list(struct m365_buf *b, int *first, const char *key, const struct m365_kv *kv,
                    uint32_t n)
{
    if (!n) {
        return;
    }
    m365_json_key(b, first, key);
    m365_buf_putc(b, '[');
    for (uint32_t i = 0; i < n; i++) {
        int f = 1;
        m365_buf_puts(b, i ? ",{" : "{");
        m365_json_key(b, &f, "name");
        m365_json_cstr(b, kv[i].name);
        m365_json_key(b, &f, "value");
        m365_json_cstr(b, kv[i].value);
        m365_buf_putc(b, '}');
    }
    m365_buf_putc(b, ']');
}

enum m365_status m365_event_write_json(const struct m365_event *ev, m365_write_fn w, void *user)
{
    struct m365_buf b;
    m365_buf_init(&b, 0);
    int first = 1;
    m365_buf_putc(&b, '{');
    m365_json_key(&b, &first, "time");
    m365_json_time(&b, ev->time_ms);
    kv_str(&b, &first, "source", m365_log_source_name(ev->log_source));
    kv_str(&b, &first, "kind", m365_event_kind_name(ev->kind));
    kv_str(&b, &first, "format", ev->reader);
    kv_str(&b, &first, "workload", ev->workload);
    kv_str(&b, &first, "operation", ev->operation);
    if (ev->operation_raw && ev->operation && strcmp(ev->operation_raw, ev->operation) != 0) {
        kv_str(&b, &first, "operation_raw", ev->operation_raw);
    }
    kv_str(&b, &first, "category", ev->category);
    if (ev->record_type >= 0) {
        kv_int(&b, &first, "record_type", ev->record_type);
    }
    kv_str(&b, &first, "result", m365_result_name(ev->result));
    if (ev->error_code) {
        kv_int(&b, &first, "error_code", ev->error_code);
    }
    kv_str(&b, &first, "result_detail", ev->result_detail);

    m365_json_key(&b, &first, "actor");
    int af = 1;
    m365_buf_putc(&b, '{');
    kv_str(&b, &af, "type", m365_actor_type_name(ev->actor_type));
    kv_str(&b, &af, "upn", ev->actor_upn);
    kv_str(&b, &af, "id", ev->actor_id);
    kv_str(&b, &af, "name", ev->actor_name);
    kv_str(&b, &af, "app_id", ev->actor_app_id);
    m365_buf_putc(&b, '}');

    kv_str(&b, &first, "ip", ev->ip);
    kv_str(&b, &first, "user_agent", ev->user_agent);
    kv_str(&b, &first, "app_id", ev->app_id);
    kv_str(&b, &first, "app_name", ev->app_name);
    kv_str(&b, &first, "client_app_id", ev->client_app_id);
    kv_str(&b, &first, "resource_id", ev->resource_id);
    kv_str(&b, &first, "resource_name", ev->resource_name);
    kv_str(&b, &first, "client_app_used", ev->client_app_used);
    kv_str(&b, &first, "auth_requirement", ev->auth_requirement);
    if (ev->is_interactive >= 0) {
        m365_json_key(&b, &first, "is_interactive");
        m365_buf_puts(&b, ev->is_interactive ? "true" : "false");
    }
    kv_str(&b, &first, "session_id", ev->session_id);
    kv_str(&b, &first, "correlation_id", ev->correlation_id);
    kv_str(&b, &first, "token_id", ev->token_id);
    kv_str(&b, &first, "tenant_id", ev->tenant_id);
    if (ev->country || ev->city || ev->has_geo) {
        m365_json_key(&b, &first, "location");
        int lf = 1;
        m365_buf_putc(&b, '{');
        kv_str(&b, &lf, "country", ev->country);
        kv_str(&b, &lf, "city", ev->city);
        if (ev->has_geo) {
            m365_json_key(&b, &lf, "lat");
            m365_buf_printf(&b, "%.5f", ev->lat);
            m365_json_key(&b, &lf, "lon");
            m365_buf_printf(&b, "%.5f", ev->lon);
        }
        m365_buf_putc(&b, '}');
    }
    if (ev->mail) {
        const struct m365_mail_access *m = ev->mail;
        m365_json_key(&b, &first, "mail");
        int mf = 1;
        m365_buf_putc(&b, '{');
        kv_str(&b, &mf, "mailbox", m->mailbox_upn);
        kv_str(&b, &mf, "mailbox_guid", m->mailbox_guid);
        kv_str(&b, &mf, "mailbox_owner_sid", m->mailbox_owner_sid);
        kv_str(&b, &mf, "logon_user_sid", m->logon_user_sid);
        kv_str(&b, &mf, "client_info", m->client_info);
        kv_str(&b, &mf, "access_type", m->access_type);
        if (m->logon_type >= 0) {
            kv_int(&b, &mf, "logon_type", m->logon_type);
        }
        if (m->is_throttled >= 0) {
            m365_json_key(&b, &mf, "is_throttled");
            m365_buf_puts(&b, m->is_throttled ? "true" : "false");
        }
        kv_int(&b, &mf, "operation_count", m->operation_count);
        kv_int(&b, &mf, "items", m->n_items);
        if (ev->kind == M365_EV_GRAPH_REQUEST) {
            kv_int(&b, &mf, "response_bytes", m->response_bytes);
        }
        if (m->n_folders) {
            m365_json_key(&b, &mf, "folders");
            m365_buf_putc(&b, '[');
            for (uint32_t i = 0; i < m->n_folders; i++) {
                int ff = 1;
                m365_buf_puts(&b, i ? ",{" : "{");
                kv_str(&b, &ff, "path", m->folders[i].path);
                kv_int(&b, &ff, "items", m->folders[i].n_items);
                m365_buf_putc(&b, '}');
            }
            m365_buf_putc(&b, ']');
        }
        m365_buf_putc(&b, '}');
    }
    if (ev->n_targets) {
        m365_json_key(&b, &first, "targets");
        m365_buf_putc(&b, '[');
        for (uint32_t i = 0; i < ev->n_targets; i++) {
            int tf = 1;
            m365_buf_puts(&b, i ? ",{" : "{");
            kv_str(&b, &tf, "type", ev->targets[i].type);
            kv_str(&b, &tf, "id", ev->targets[i].id);
            kv_str(&b, &tf, "name", ev->targets[i].name);
            kv_str(&b, &tf, "upn", ev->targets[i].upn);
            m365_buf_putc(&b, '}');
        }
        m365_buf_putc(&b, ']');
    }
    if (ev->n_props) {
        m365_json_key(&b, &first, "modified_properties");
        m365_buf_putc(&b, '[');
        for (uint32_t i = 0; i < ev->n_props; i++) {
            int pf = 1;
            m365_buf_puts(&b, i ? ",{" : "{");
            kv_str(&b, &pf, "name", ev->props[i].name);
            m365_json_key(&b, &pf, "old");
            m365_json_cstr(&b, ev->props[i].old_value);
            m365_json_key(&b, &pf, "new");
            m365_json_cstr(&b, ev->props[i].new_value);
            if (ev->props[i].target != UINT32_MAX) {
                kv_int(&b, &pf, "target", ev->props[i].target);
            }
            m365_buf_putc(&b, '}');
        }
        m365_buf_putc(&b, ']');
    }
    kv_list(&b, &first, "parameters", ev->params, ev->n_params);
    kv_list(&b, &first, "extra", ev->extra, ev->n_extra);
    m365_json_key(&b, &first, "evidence");
    int ef = 1;
    m365_buf_putc(&b, '{');
    kv_str(&b, &ef, "file", ev->evidence.file);
    kv_int(&b, &ef, "line", (long long)ev->evidence.line);
    kv_int(&b, &ef, "offset", (long long)ev->evidence.offset);
    kv_str(&b, &ef, "record_id", ev->evidence.record_id);
    m365_buf_puts(&b, "}}");
    enum m365_status st = M365_OK;
    if (b.failed) {
        st = M365_E_NOMEM;
    } else if (w(b.data, b.len, user) != 0) {
        st = M365_E_IO;
    }
    m365_buf_free(&b);
    return st;
}
