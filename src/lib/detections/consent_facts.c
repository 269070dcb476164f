#include "consent_facts.h"

#include <string.h>

#include "../core/norm.h"
#include "m365_ids.h"
#include "tenant_facts.h"

/* "Key: value" inside one [ … ] block of ConsentAction.Permissions; values end at ',' or ']'. */
static bool field(const char *b, const char *e, const char *key, const char **val, size_t *len)
{
    size_t kl = strlen(key);
    for (const char *p = b; p + kl < e; p++) {
        if ((p == b || p[-1] == ' ' || p[-1] == '[' || p[-1] == ',') &&
            m365_ieqn(p, kl, key) && p[kl] == ':') {
            const char *v = p + kl + 1;
            while (v < e && *v == ' ') {
                v++;
            }
            const char *ve = v;
            while (ve < e && *ve != ',' && *ve != ']') {
                ve++;
            }
            while (ve > v && ve[-1] == ' ') {
                ve--;
            }
            *val = v;
            *len = (size_t)(ve - v);
            return true;
        }
    }
    return false;
}

static void copy_field(char *dst, size_t cap, const char *v, size_t len)
{
    if (dst[0] || len == 0) {
        return; /* the first non-empty value wins */
    }
    if (len >= cap) {
        len = cap - 1;
    }
    memcpy(dst, v, len);
    dst[len] = '\0';
}

static void append(char *dst, size_t cap, const char *v, size_t len)
{
    size_t n = strlen(dst);
    if (len == 0 || n + len + 2 > cap) {
        return;
    }
    if (n) {
        dst[n++] = ' ';
    }
    memcpy(dst + n, v, len);
    dst[n + len] = '\0';
}

/* The next block start "[Id:" at or after p, or e. */
static const char *next_block(const char *p, const char *e)
{
    for (; p + 4 <= e; p++) {
        if (*p == '[' && m365_ieqn(p + 1, 3, "Id:")) {
            return p;
        }
    }
    return e;
}

/* Scopes of every block in [b, e) into out (space separated). */
static void side_scopes(const char *b, const char *e, char *out, size_t cap)
{
    for (const char *blk = next_block(b, e); blk < e;) {
        const char *nb = next_block(blk + 1, e);
        const char *v;
        size_t len;
        if (field(blk, nb, "Scope", &v, &len)) {
            append(out, cap, v, len);
        }
        blk = nb;
    }
}

void m365_consent_parse_permissions(const char *text, struct m365_consent *out)
{
    const char *p = text;
    while (p && *p) {
        const char *arrow = strstr(p, "=>");
        if (!arrow) {
            break;
        }
        const char *end = strchr(arrow, ';');
        if (!end) {
            end = arrow + strlen(arrow);
        }
        char old_scopes[1024] = "";
        side_scopes(p, arrow, old_scopes, sizeof(old_scopes));
        for (const char *blk = next_block(arrow, end); blk < end;) {
            const char *nb = next_block(blk + 1, end);
            const char *v;
            size_t len;
            if (field(blk, nb, "Scope", &v, &len)) {
                char scope[1024];
                size_t n = len < sizeof(scope) - 1 ? len : sizeof(scope) - 1;
                memcpy(scope, v, n);
                scope[n] = '\0';
                append(out->scopes, sizeof(out->scopes), scope, strlen(scope));
                m365_tf_list_added(old_scopes, scope, out->added, sizeof(out->added));
            }
            if (field(blk, nb, "ConsentType", &v, &len)) {
                copy_field(out->consent_type, sizeof(out->consent_type), v, len);
                if (m365_ieqn(v, len, "AllPrincipals")) {
                    out->all_principals = true;
                }
            }
            if (field(blk, nb, "PrincipalId", &v, &len)) {
                copy_field(out->principal_id, sizeof(out->principal_id), v, len);
            }
            if (field(blk, nb, "ClientId", &v, &len)) {
                copy_field(out->buf_client, sizeof(out->buf_client), v, len);
            }
            if (field(blk, nb, "ResourceId", &v, &len)) {
                copy_field(out->buf_resource, sizeof(out->buf_resource), v, len);
            }
            blk = nb;
        }
        p = *end ? end + 1 : end;
    }
}

static const char *prop_new(const struct m365_event *ev, const char *name)
{
    const struct m365_modprop *mp = m365_event_prop(ev, name);
    return mp && mp->new_value && *mp->new_value ? mp->new_value : NULL;
}

static const char *prop_any(const struct m365_event *ev, const char *name)
{
    const struct m365_modprop *mp = m365_event_prop(ev, name);
    if (!mp) {
        return NULL;
    }
    if (mp->new_value && *mp->new_value) {
        return mp->new_value;
    }
    return mp->old_value && *mp->old_value ? mp->old_value : NULL;
}

static const char *nonempty(const char *s)
{
    return s && *s && !m365_ieq(s, "<null>") ? s : NULL;
}

/* The first ';'-separated item of a service principal name list (its app id). */
static const char *first_spn(const char *spns, char *buf, size_t cap)
{
    if (!spns) {
        return NULL;
    }
    size_t n = strcspn(spns, ";\n ");
    if (n == 0 || n >= cap) {
        return NULL;
    }
    memcpy(buf, spns, n);
    buf[n] = '\0';
    return buf;
}

static void finish(struct m365_consent *out)
{
    out->cls = m365_scopes_class(out->added);
    out->offline_access = m365_tf_list_has(out->scopes, "offline_access", 14);
    if (!out->client_sp_id && out->buf_client[0]) {
        out->client_sp_id = out->buf_client;
    }
    if (!out->resource_id && out->buf_resource[0]) {
        out->resource_id = out->buf_resource;
    }
}

bool m365_consent_read(const struct m365_event *ev, struct m365_consent *out)
{
    memset(out, 0, sizeof(*out));
    if (ev->kind != M365_EV_DIRECTORY || !ev->operation) {
        return false;
    }
    out->consent = m365_ieq(ev->operation, "Consent to application");
    out->grant = m365_ieq(ev->operation, "Add delegated permission grant") ||
                 m365_ieq(ev->operation, "Update delegated permission grant");
    if (!out->consent && !out->grant) {
        return false;
    }
    const struct m365_target *t0 = ev->n_targets ? &ev->targets[0] : NULL;
    if (out->consent) {
        out->admin = m365_tf_truthy(prop_new(ev, "ConsentContext.IsAdminConsent"));
        out->app_only = m365_tf_truthy(prop_new(ev, "ConsentContext.IsAppOnly"));
        out->all_principals = m365_tf_truthy(prop_new(ev, "ConsentContext.OnBehalfOfAll"));
        m365_consent_parse_permissions(prop_new(ev, "ConsentAction.Permissions"), out);
        if (t0) {
            out->client_sp_id = nonempty(t0->id);
            out->app_name = nonempty(t0->name);
        }
        out->app_id = nonempty(m365_event_extra(ev, "TargetAppId"));
        if (!out->app_id) {
            out->app_id = nonempty(m365_event_extra(ev, "AppId"));
        }
        if (!out->app_id) {
            out->app_id = first_spn(prop_new(ev, "TargetId.ServicePrincipalNames"), out->buf_app,
                                    sizeof(out->buf_app));
        }
    } else {
        const struct m365_modprop *sc = m365_event_prop(ev, "DelegatedPermissionGrant.Scope");
        if (sc && sc->new_value) {
            size_t n = strlen(sc->new_value);
            append(out->scopes, sizeof(out->scopes), sc->new_value,
                   n < sizeof(out->scopes) - 1 ? n : 0);
            /* Only what the grant newly holds: "User.Read" -> "User.Read Mail.ReadWrite" adds
             * Mail.ReadWrite. */
            m365_tf_list_added(sc->old_value, sc->new_value, out->added, sizeof(out->added));
        }
        const char *ct = prop_any(ev, "DelegatedPermissionGrant.ConsentType");
        if (ct) {
            copy_field(out->consent_type, sizeof(out->consent_type), ct, strlen(ct));
            out->all_principals = m365_ieq(ct, "AllPrincipals");
        }
        out->client_sp_id = prop_any(ev, "ServicePrincipal.ObjectID");
        out->app_id = prop_any(ev, "ServicePrincipal.AppId");
        out->app_name = prop_any(ev, "ServicePrincipal.DisplayName");
        /* The resource is the target the properties belong to; the client may be listed too. */
        for (uint32_t i = 0; i < ev->n_targets; i++) {
            const struct m365_target *t = &ev->targets[i];
            if (out->client_sp_id && t->id && m365_ieq(t->id, out->client_sp_id)) {
                if (!out->app_name) {
                    out->app_name = nonempty(t->name);
                }
                continue;
            }
            if (!out->resource_id && !out->resource_name) {
                out->resource_id = nonempty(t->id);
                out->resource_name = nonempty(t->name);
            }
        }
        if (!out->client_sp_id && ev->n_targets > 1) {
            out->client_sp_id = nonempty(ev->targets[1].id);
        }
    }
    finish(out);
    return true;
}
