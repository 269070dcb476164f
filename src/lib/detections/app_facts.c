/* Application and service-principal facts shared by the application rules (see app_facts.h). */
#include "app_facts.h"
#include "../snapshot/snap_context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/norm.h"
#include "../enrich/enrich.h"
#include "../engine/detect.h"
#include "../json/json.h"
#include "m365_ids.h"
#include "../core/sort.h"

/* List caps per application. */
enum {
    CAP_MANAGERS = 32,
    CAP_CREDS = 32,
    CAP_ADDRS = 16,
    CAP_GRANTS = 32,
    CAP_REQUESTS = 32,
    CAP_CONSENTS = 16,
    CAP_AUDIENCES = 8,
    CAP_EXO = 8,
    MAX_PARSED = 64, /* entries read from one property value */
};

/* --- small string helpers ------------------------------------------------------------------- */

static const char *intern_lower(struct m365_dctx *dc, const char *s, size_t n)
{
    char buf[256];
    if (!s || n == 0) {
        return NULL;
    }
    if (n >= sizeof(buf)) {
        n = sizeof(buf) - 1;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return m365_dctx_intern(dc, buf, n);
}

/* Trim spaces, quotes and brackets around a decoded value. */
static void trim(const char **s, size_t *n)
{
    while (*n && strchr(" \t\r\n\"[]", **s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && strchr(" \t\r\n\"[]", (*s)[*n - 1])) {
        (*n)--;
    }
}

static bool value_is(const char *v, const char *word)
{
    if (!v) {
        return false;
    }
    size_t n = strlen(v);
    trim(&v, &n);
    return m365_ieqn(v, n, word);
}

/* A GUID-shaped value (trimmed), interned lower-case; NULL otherwise. */
static const char *guid_of(struct m365_dctx *dc, const char *v)
{
    if (!v) {
        return NULL;
    }
    size_t n = strlen(v);
    trim(&v, &n);
    return m365_is_guid(v, n) ? intern_lower(dc, v, n) : NULL;
}

static const char *prop_new(const struct m365_event *ev, const char *name)
{
    const struct m365_modprop *p = m365_event_prop(ev, name);
    return p && p->new_value && *p->new_value ? p->new_value : NULL;
}

/* --- lists ---------------------------------------------------------------------------------- */

static void *vec_push(struct m365_app_vec *v, size_t size, uint32_t cap)
{
    if (v->n >= cap) {
        v->dropped++;
        return NULL;
    }
    if (v->n == v->cap) {
        uint32_t nc = v->cap ? v->cap * 2 : 4;
        if (nc > cap) {
            nc = cap;
        }
        void *np = realloc(v->p, (size_t)nc * size);
        if (!np) {
            v->dropped++;
            return NULL;
        }
        v->p = np;
        v->cap = nc;
    }
    void *slot = (char *)v->p + (size_t)v->n * size;
    memset(slot, 0, size);
    v->n++;
    return slot;
}

static void vec_merge(struct m365_app_vec *into, struct m365_app_vec *from, size_t size,
                      uint32_t cap)
{
    for (uint32_t i = 0; i < from->n; i++) {
        void *slot = vec_push(into, size, cap);
        if (slot) {
            memcpy(slot, (char *)from->p + (size_t)i * size, size);
        }
    }
    into->dropped += from->dropped;
    free(from->p);
    memset(from, 0, sizeof(*from));
}

/* --- keys ------------------------------------------------------------------------------------ */

enum m365_key_kind m365_app_key_kind(const struct m365_app_key *k)
{
    if (!k->type) {
        return M365_KEY_OTHER;
    }
    if (m365_ieq(k->type, "FederatedIdentityCredential")) {
        return M365_KEY_FEDERATED;
    }
    if (m365_icontains(k->type, "X509") || m365_icontains(k->type, "Cert") ||
        m365_icontains(k->type, "Asymmetric")) {
        return M365_KEY_CERT;
    }
    if (m365_ieq(k->type, "Password") || m365_ieq(k->type, "Symmetric")) {
        return M365_KEY_SECRET;
    }
    return M365_KEY_OTHER;
}

const char *m365_app_key_kind_name(enum m365_key_kind k)
{
    switch (k) {
    case M365_KEY_SECRET:
        return "secret";
    case M365_KEY_CERT:
        return "certificate";
    case M365_KEY_FEDERATED:
        return "federated";
    default:
        return "other";
    }
}

/* Value of "Field=" inside [from, to): up to the next ',' (or to the end for the last field). */
static const char *kd_field(struct m365_dctx *dc, const char *from, const char *to,
                            const char *field, bool rest)
{
    size_t fl = strlen(field);
    for (const char *p = from; p + fl <= to; p++) {
        if ((p == from || p[-1] == ',' || p[-1] == '[' || p[-1] == ' ') &&
            m365_ieqn(p, fl, field) && p[fl] == '=') {
            const char *v = p + fl + 1, *e = v;
            while (e < to && (rest || *e != ',')) {
                e++;
            }
            size_t n = (size_t)(e - v);
            while (n && strchr(" \t\r\n\",[]", v[n - 1])) {
                n--;
            }
            return n ? m365_dctx_intern(dc, v, n) : NULL;
        }
    }
    return NULL;
}

static const char *find_ci(const char *hay, const char *needle)
{
    for (const char *p = hay; p && *p; p++) {
        if (m365_istarts(p, needle)) {
            return p;
        }
    }
    return NULL;
}

size_t m365_app_parse_keydesc(struct m365_dctx *dc, const char *value, struct m365_app_key *out,
                              size_t max)
{
    size_t n = 0;
    const char *p = value ? find_ci(value, "KeyIdentifier=") : NULL;
    while (p) {
        const char *next = find_ci(p + 14, "KeyIdentifier=");
        const char *end = next ? next : p + strlen(p);
        if (n < max) {
            struct m365_app_key *k = &out[n];
            memset(k, 0, sizeof(*k));
            k->id = kd_field(dc, p, end, "KeyIdentifier", false);
            k->type = kd_field(dc, p, end, "KeyType", false);
            k->usage = kd_field(dc, p, end, "KeyUsage", false);
            /* DisplayName comes last and may hold commas (certificate subjects). */
            k->name = kd_field(dc, p, end, "DisplayName", true);
        }
        n++;
        p = next;
    }
    return n;
}

/* Federated identity credentials or service-principal Credential entries: a JSON array of
 * objects. */
static size_t parse_json_keys(struct m365_app_facts *f, struct m365_dctx *dc, const char *value,
                              bool federated, struct m365_app_key *out, size_t max)
{
    if (!value || !*value || !f->json) {
        return 0;
    }
    struct m365_jv root;
    const char *err;
    m365_json_reset(f->json);
    if (m365_json_parse(f->json, value, strlen(value), false, &root, &err) != 0) {
        return 0;
    }
    if (m365_jv_type(root) == M365_J_OBJECT) {
        /* a single credential, not in an array */
    } else if (m365_jv_type(root) != M365_J_ARRAY) {
        return 0;
    }
    struct m365_jit it;
    struct m365_jv el;
    size_t n = 0;
    bool single = m365_jv_type(root) == M365_J_OBJECT;
    m365_jv_iter(root, &it);
    for (;;) {
        if (single) {
            if (n > 0) {
                break;
            }
            el = root;
        } else if (!m365_jit_next(&it, NULL, NULL, &el)) {
            break;
        }
        if (m365_jv_type(el) != M365_J_OBJECT) {
            continue;
        }
        const char *s;
        size_t l;
        struct m365_app_key k;
        memset(&k, 0, sizeof(k));
        if (federated) {
            k.type = m365_dctx_intern(dc, "FederatedIdentityCredential", 27);
            if (m365_jv_str(m365_jv_geti(el, "Name"), &s, &l) && l) {
                k.name = m365_dctx_intern(dc, s, l);
            }
            if (m365_jv_str(m365_jv_geti(el, "Issuer"), &s, &l) && l) {
                k.issuer = m365_dctx_intern(dc, s, l);
            }
            if (m365_jv_str(m365_jv_geti(el, "Subject"), &s, &l) && l) {
                k.subject = m365_dctx_intern(dc, s, l);
            }
            if (k.name) {
                k.id = k.name;
            } else if (k.issuer || k.subject) {
                char buf[512];
                int w = snprintf(buf, sizeof(buf), "%s|%s", k.issuer ? k.issuer : "",
                                 k.subject ? k.subject : "");
                k.id = m365_dctx_intern(dc, buf, w > 0 && (size_t)w < sizeof(buf) ? (size_t)w : 0);
            }
        } else {
            int64_t ct;
            if (m365_jv_str(m365_jv_geti(el, "KeyStoreId"), &s, &l) && l) {
                k.id = intern_lower(dc, s, l);
            }
            if (m365_jv_i64(m365_jv_geti(el, "CredentialType"), &ct)) {
                char buf[48];
                int w = snprintf(buf, sizeof(buf), "CredentialType %lld", (long long)ct);
                k.type = m365_dctx_intern(dc, buf, (size_t)w);
            }
        }
        if (!k.id) {
            continue;
        }
        if (n < max) {
            out[n] = k;
        }
        n++;
    }
    return n;
}

static bool key_in(const struct m365_app_key *k, const struct m365_app_key *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i].id && k->id && m365_ieq(list[i].id, k->id)) {
            return true;
        }
    }
    return false;
}

/* --- objects --------------------------------------------------------------------------------- */

struct m365_app *m365_app_root(struct m365_app *a)
{
    while (a && a->parent) {
        a = a->parent;
    }
    return a;
}

static struct m365_app *app_new(struct m365_app_facts *f)
{
    if (f->n_apps == f->cap_apps) {
        uint32_t nc = f->cap_apps ? f->cap_apps * 2 : 16;
        struct m365_app **na = realloc(f->apps, nc * sizeof(*na));
        if (!na) {
            return NULL;
        }
        f->apps = na;
        f->cap_apps = nc;
    }
    struct m365_app *a = calloc(1, sizeof(*a));
    if (!a) {
        return NULL;
    }
    a->index = f->n_apps;
    f->apps[f->n_apps++] = a;
    return a;
}

#define MERGE_VEC(field, type, cap) vec_merge(&into->field, &from->field, sizeof(type), cap)

static void app_merge(struct m365_app *into, struct m365_app *from)
{
    if (into == from) {
        return;
    }
    if (!into->app_id) {
        into->app_id = from->app_id;
    }
    if (!into->app_object) {
        into->app_object = from->app_object;
    }
    if (!into->sp_object) {
        into->sp_object = from->sp_object;
    }
    if (!into->other_id) {
        into->other_id = from->other_id;
    }
    if (!into->name) {
        into->name = from->name;
    }
    if (!into->owner_tenant) {
        into->owner_tenant = from->owner_tenant;
        into->owner_ev = from->owner_ev;
    }
    if (!into->created_ev ||
        (from->created_ev && from->created_ev->seq < into->created_ev->seq)) {
        into->created_ev = from->created_ev ? from->created_ev : into->created_ev;
    }
    /* Managers: keep each actor once, with the earliest change. */
    struct m365_app_manager *fm = from->managers.p;
    for (uint32_t i = 0; i < from->managers.n; i++) {
        struct m365_app_manager *im = into->managers.p;
        bool found = false;
        for (uint32_t j = 0; j < into->managers.n; j++) {
            bool same = (fm[i].upn && im[j].upn && m365_ieq(fm[i].upn, im[j].upn)) ||
                        (fm[i].id && im[j].id && m365_ieq(fm[i].id, im[j].id));
            if (same) {
                if (fm[i].first_seq < im[j].first_seq) {
                    im[j].first_seq = fm[i].first_seq;
                }
                found = true;
                break;
            }
        }
        if (!found) {
            struct m365_app_manager *m = vec_push(&into->managers, sizeof(*m), CAP_MANAGERS);
            if (m) {
                *m = fm[i];
            }
        }
    }
    into->managers.dropped += from->managers.dropped;
    free(from->managers.p);
    memset(&from->managers, 0, sizeof(from->managers));
    MERGE_VEC(creds, struct m365_app_cred, CAP_CREDS);
    MERGE_VEC(addrs, struct m365_app_addr, CAP_ADDRS);
    MERGE_VEC(grants, struct m365_app_grant, CAP_GRANTS);
    MERGE_VEC(requests, struct m365_app_request, CAP_REQUESTS);
    MERGE_VEC(consents, struct m365_app_consent, CAP_CONSENTS);
    MERGE_VEC(audiences, struct m365_app_audience, CAP_AUDIENCES);
    MERGE_VEC(exo_roles, struct m365_app_exo_role, CAP_EXO);
    from->parent = into;
}

enum id_kind { ID_APP, ID_APP_OBJECT, ID_SP_OBJECT, ID_OTHER };

/* The application named by these identifiers (any may be NULL; ids interned lower-case),
 * created when none is known; objects named by two of them are merged. */
static struct m365_app *app_get(struct m365_app_facts *f, struct m365_dctx *dc,
                                const char *app_id, const char *obj, enum id_kind obj_kind,
                                const char *name)
{
    const char *ids[2] = {app_id, obj};
    struct m365_app *found = NULL;
    for (int i = 0; i < 2; i++) {
        if (!ids[i]) {
            continue;
        }
        struct m365_app *a = m365_app_root(m365_map_get(&f->ids, ids[i], NULL));
        if (!a) {
            continue;
        }
        if (!found) {
            found = a;
        } else if (a != found) {
            /* Keep the older object so that lists stay in event order as far as possible. */
            if (a->index < found->index) {
                app_merge(a, found);
                found = a;
            } else {
                app_merge(found, a);
            }
        }
    }
    const char *lname = name && *name ? intern_lower(dc, name, strlen(name)) : NULL;
    if (!found && lname) {
        /* By name only when the record has no id, or the named object has none yet (an
         * Exchange -App given as a display name). */
        struct m365_app *byname = m365_app_root(m365_map_get(&f->names, lname, NULL));
        if (byname && ((!app_id && !obj) || (!byname->app_id && !byname->app_object &&
                                             !byname->sp_object && !byname->other_id))) {
            found = byname;
        }
    }
    if (!found) {
        found = app_new(f);
        if (!found) {
            return NULL;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (ids[i]) {
            void **slot = m365_map_put(&f->ids, ids[i], NULL);
            if (slot) {
                *slot = found;
            }
        }
    }
    if (app_id && !found->app_id) {
        found->app_id = app_id;
    }
    if (obj) {
        const char **dst = obj_kind == ID_APP_OBJECT  ? &found->app_object
                           : obj_kind == ID_SP_OBJECT ? &found->sp_object
                           : obj_kind == ID_APP       ? &found->app_id
                                                      : &found->other_id;
        if (!*dst) {
            *dst = obj;
        }
    }
    if (name && *name && !found->name) {
        found->name = name;
    }
    if (lname) {
        void **slot = m365_map_put(&f->names, lname, NULL);
        if (slot && !*slot) {
            *slot = found;
        }
    }
    return found;
}

/* --- actors ---------------------------------------------------------------------------------- */

bool m365_app_same_actor(const struct m365_event *a, const struct m365_event *b)
{
    if (a->actor_upn && b->actor_upn) {
        return m365_ieq(a->actor_upn, b->actor_upn);
    }
    if (a->actor_id && b->actor_id) {
        return m365_ieq(a->actor_id, b->actor_id);
    }
    if (a->actor_app_id && b->actor_app_id) {
        return m365_ieq(a->actor_app_id, b->actor_app_id);
    }
    return a->actor_name && b->actor_name && m365_ieq(a->actor_name, b->actor_name);
}

const char *m365_app_actor_label(const struct m365_event *ev)
{
    return ev->actor_upn    ? ev->actor_upn
           : ev->actor_name ? ev->actor_name
           : ev->actor_id   ? ev->actor_id
           : ev->actor_app_id ? ev->actor_app_id
                              : "an unknown actor";
}

static bool manager_is(const struct m365_app_manager *m, const struct m365_event *ev)
{
    if (m->upn && ev->actor_upn) {
        return m365_ieq(m->upn, ev->actor_upn);
    }
    if (m->id && ev->actor_id) {
        return m365_ieq(m->id, ev->actor_id);
    }
    return m->app_id && ev->actor_app_id && m365_ieq(m->app_id, ev->actor_app_id);
}

static bool has_actor(const struct m365_event *ev)
{
    return ev->actor_upn || ev->actor_id || ev->actor_app_id;
}

static void add_manager(struct m365_app *a, const struct m365_event *ev)
{
    if (!has_actor(ev) || ev->actor_type == M365_ACTOR_SYSTEM) {
        return;
    }
    struct m365_app_manager *m = a->managers.p;
    for (uint32_t i = 0; i < a->managers.n; i++) {
        if (manager_is(&m[i], ev)) {
            return;
        }
    }
    struct m365_app_manager *nm = vec_push(&a->managers, sizeof(*nm), CAP_MANAGERS);
    if (nm) {
        nm->upn = ev->actor_upn;
        nm->id = ev->actor_id;
        nm->app_id = ev->actor_app_id;
        nm->first_seq = ev->seq;
    }
}

bool m365_app_actor_managed_before(const struct m365_app *a, const struct m365_event *ev)
{
    const struct m365_app_manager *m = a->managers.p;
    for (uint32_t i = 0; i < a->managers.n; i++) {
        if (m[i].first_seq < ev->seq && manager_is(&m[i], ev)) {
            return true;
        }
    }
    /* Past the cap we cannot tell: do not call the actor new. */
    return a->managers.dropped > 0;
}

bool m365_app_others_managed_before(const struct m365_app *a, const struct m365_event *ev)
{
    const struct m365_app_manager *m = a->managers.p;
    for (uint32_t i = 0; i < a->managers.n; i++) {
        if (m[i].first_seq < ev->seq && !manager_is(&m[i], ev)) {
            return true;
        }
    }
    return false;
}

unsigned m365_app_privileged_before(const struct m365_app *a, uint32_t seq, bool *exo)
{
    unsigned cls = 0;
    const struct m365_app_grant *g = a->grants.p;
    for (uint32_t i = 0; i < a->grants.n; i++) {
        if (g[i].ev->seq < seq) {
            cls |= g[i].cls & M365_APP_PRIV_CLASSES;
        }
    }
    bool x = false;
    const struct m365_app_exo_role *r = a->exo_roles.p;
    for (uint32_t i = 0; i < a->exo_roles.n; i++) {
        x |= r[i].ev->seq < seq;
    }
    if (exo) {
        *exo = x;
    }
    return cls;
}

bool m365_app_is_first_party(const struct m365_app *a)
{
    return a->app_id && m365_first_party_app(a->app_id) != NULL;
}

bool m365_app_snapshot(struct m365_dctx *dc, const struct m365_app *a, struct m365_snap_app_info *out)
{
    const struct m365_snap_ctx *sc = m365_dctx_snapshot(dc);
    if (!sc) {
        return false;
    }
    return (a->app_id && m365_snap_ctx_app(sc, a->app_id, out)) ||
           (a->sp_object && m365_snap_ctx_app(sc, a->sp_object, out)) ||
           (a->other_id && m365_snap_ctx_app(sc, a->other_id, out));
}

const char *m365_app_owner(struct m365_dctx *dc, const struct m365_app *a, bool *from_snapshot)
{
    if (from_snapshot) {
        *from_snapshot = false;
    }
    if (a->owner_tenant) {
        return a->owner_tenant;
    }
    struct m365_snap_app_info sa;
    if (!m365_app_snapshot(dc, a, &sa) || !sa.owner) {
        return NULL;
    }
    if (from_snapshot) {
        *from_snapshot = true;
    }
    return sa.owner;
}

int m365_app_foreign(struct m365_dctx *dc, const struct m365_app *a)
{
    const char *owner = m365_app_owner(dc, a, NULL);
    if (!owner) {
        return -1;
    }
    if (m365_is_microsoft_tenant(owner)) {
        return 0;
    }
    const char *home = m365_dctx_home_tenant(dc);
    if (!home) {
        return -1;
    }
    return m365_ieq(home, owner) ? 0 : 1;
}

const char *m365_app_label(const struct m365_app *a)
{
    return a->name         ? a->name
           : a->app_id     ? a->app_id
           : a->sp_object  ? a->sp_object
           : a->app_object ? a->app_object
           : a->other_id   ? a->other_id
                           : "an unnamed application";
}

/* --- event parsing --------------------------------------------------------------------------- */

static const char *extra_app_id(struct m365_app_facts *f, struct m365_dctx *dc,
                                const struct m365_event *ev, bool use_additional)
{
    const char *id = guid_of(dc, m365_event_extra(ev, "TargetAppId"));
    if (id || !use_additional) {
        return id;
    }
    id = guid_of(dc, m365_event_extra(ev, "AppId"));
    if (id) {
        return id;
    }
    /* UAL: additionalDetails is a JSON object in one ExtendedProperties value. */
    const char *ad = m365_event_extra(ev, "additionalDetails");
    if (ad && f->json) {
        struct m365_jv root;
        const char *err;
        m365_json_reset(f->json);
        if (m365_json_parse(f->json, ad, strlen(ad), false, &root, &err) == 0) {
            const char *s;
            size_t l;
            if (m365_jv_str(m365_jv_geti(root, "AppId"), &s, &l) && m365_is_guid(s, l)) {
                return intern_lower(dc, s, l);
            }
        }
    }
    return NULL;
}

/* The appId at the head of TargetId.ServicePrincipalNames ("<appId>;https://…" or
 * "<appId>/host;…"). */
static const char *spn_app_id(struct m365_dctx *dc, const struct m365_event *ev)
{
    const char *v = prop_new(ev, "TargetId.ServicePrincipalNames");
    if (!v) {
        return NULL;
    }
    while (*v == '"' || *v == '[' || *v == ' ') {
        v++;
    }
    size_t n = 0;
    while (v[n] && v[n] != ';' && v[n] != '/' && v[n] != '"' && v[n] != '\n') {
        n++;
    }
    return m365_is_guid(v, n) ? intern_lower(dc, v, n) : NULL;
}

static bool is_owner_tenant_name(const char *n, bool grantee)
{
    if (!n) {
        return false;
    }
    if (grantee) {
        return m365_ieq(n, "ServicePrincipal.AppOwnerTenantId") ||
               m365_ieq(n, "ServicePrincipal.AppOwnerOrganizationId");
    }
    return m365_ieq(n, "AppOwnerTenantId") || m365_ieq(n, "AppOwnerOrganizationId");
}

static void note_owner(struct m365_dctx *dc, struct m365_app *a, const struct m365_event *ev,
                       bool grantee)
{
    const char *t = NULL;
    for (uint32_t i = 0; i < ev->n_props && !t; i++) {
        if (is_owner_tenant_name(ev->props[i].name, grantee)) {
            t = guid_of(dc, ev->props[i].new_value);
        }
    }
    if (!t && !grantee) {
        t = guid_of(dc, m365_event_extra(ev, "appOwnerTenantId"));
        if (!t) {
            t = guid_of(dc, m365_event_extra(ev, "appOwnerOrganizationId"));
        }
    }
    if (t && !a->owner_tenant) {
        a->owner_tenant = t;
        a->owner_ev = m365_dctx_keep(dc, ev);
    }
}

/* Credential changes recorded in KeyDescription, FederatedIdentityCredentials or Credential. */
static void note_credentials(struct m365_app_facts *f, struct m365_dctx *dc, struct m365_app *a,
                             const struct m365_event *ev, bool object_sp)
{
    static const char *const props[] = {"KeyDescription", "FederatedIdentityCredentials",
                                        "Credential"};
    for (int pi = 0; pi < 3; pi++) {
        const struct m365_modprop *p = m365_event_prop(ev, props[pi]);
        if (!p) {
            continue;
        }
        struct m365_app_key oldk[MAX_PARSED], newk[MAX_PARSED];
        size_t no, nn;
        if (pi == 0) {
            no = m365_app_parse_keydesc(dc, p->old_value, oldk, MAX_PARSED);
            nn = m365_app_parse_keydesc(dc, p->new_value, newk, MAX_PARSED);
        } else {
            no = parse_json_keys(f, dc, p->old_value, pi == 1, oldk, MAX_PARSED);
            nn = parse_json_keys(f, dc, p->new_value, pi == 1, newk, MAX_PARSED);
        }
        size_t ko = no < MAX_PARSED ? no : MAX_PARSED, kn = nn < MAX_PARSED ? nn : MAX_PARSED;
        struct m365_app_cred c;
        memset(&c, 0, sizeof(c));
        c.ev = m365_dctx_keep(dc, ev);
        c.property = props[pi];
        c.object_sp = object_sp;
        c.n_old = (uint32_t)no;
        bool all_sign = true, verify_unpaired = false;
        for (size_t i = 0; i < kn; i++) {
            if (key_in(&newk[i], oldk, ko)) {
                continue;
            }
            if (c.n_added < M365_APP_KEYS) {
                c.added[c.n_added] = newk[i];
            }
            c.n_added++;
            const struct m365_app_key *k = &newk[i];
            bool sign = k->usage && m365_ieq(k->usage, "Sign");
            all_sign &= sign;
            if (!sign && m365_app_key_kind(k) == M365_KEY_CERT) {
                /* A Verify certificate added with a Sign key of the same subject: SAML signing. */
                bool paired = false;
                for (size_t j = 0; j < kn && !paired; j++) {
                    paired = j != i && newk[j].usage && m365_ieq(newk[j].usage, "Sign") &&
                             newk[j].name && k->name && m365_ieq(newk[j].name, k->name) &&
                             !key_in(&newk[j], oldk, ko);
                }
                verify_unpaired |= !paired;
            } else if (!sign) {
                verify_unpaired = true;
            }
            if (m365_app_key_kind(k) == M365_KEY_SECRET && k->name && *k->name) {
                for (size_t j = 0; j < ko; j++) {
                    c.same_name_existed |= oldk[j].name && m365_ieq(oldk[j].name, k->name);
                }
            }
        }
        for (size_t i = 0; i < ko; i++) {
            if (key_in(&oldk[i], newk, kn)) {
                continue;
            }
            if (c.n_removed < M365_APP_KEYS) {
                c.removed[c.n_removed] = oldk[i];
            }
            c.n_removed++;
        }
        c.signing_only = c.n_added > 0 && (all_sign || !verify_unpaired);
        if (c.n_added == 0 && c.n_removed == 0) {
            continue;
        }
        struct m365_app_cred *slot = vec_push(&a->creds, sizeof(*slot), CAP_CREDS);
        if (slot) {
            *slot = c;
        }
    }
}

bool m365_app_url_is_localhost(const char *url)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    return m365_istarts(h, "localhost") || m365_istarts(h, "127.0.0.1") ||
           m365_istarts(h, "[::1]");
}

const char *m365_app_url_host(struct m365_dctx *dc, const char *url)
{
    const char *h = strstr(url, "://");
    if (!h) {
        return NULL;
    }
    h += 3;
    const char *at = h;
    while (*at && !strchr("/?#", *at)) {
        if (*at == '@') {
            h = at + 1; /* user info */
        }
        at++;
    }
    while (m365_istarts(h, "*.")) {
        h += 2;
    }
    size_t n = 0;
    while (h[n] && !strchr(":/?#", h[n])) {
        n++;
    }
    return n ? intern_lower(dc, h, n) : NULL;
}

/* URL-like tokens of a value (JSON text, one per line, ';'-separated…), "\/" unescaped. */
static size_t extract_urls(struct m365_dctx *dc, const char *v, const char **out, size_t max)
{
    size_t n = 0;
    if (!v) {
        return 0;
    }
    size_t len = strlen(v);
    char *buf = malloc(len + 1);
    if (!buf) {
        return 0;
    }
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] == '\\' && v[i + 1] == '/') {
            continue;
        }
        buf[w++] = v[i];
    }
    buf[w] = '\0';
    static const char delim[] = "\"' \t\r\n,;]}<>\\";
    for (char *p = buf; *p;) {
        char *sep = strstr(p, "://");
        char *urn = NULL;
        for (char *q = p; *q && (!sep || q < sep); q++) {
            if ((q == buf || strchr(delim, q[-1]) || q[-1] == '[' || q[-1] == '{') &&
                m365_istarts(q, "urn:")) {
                urn = q;
                break;
            }
        }
        char *start;
        if (urn) {
            start = urn;
        } else if (sep) {
            start = sep;
            while (start > p && (((start[-1] | 32) >= 'a' && (start[-1] | 32) <= 'z') ||
                                 (start[-1] >= '0' && start[-1] <= '9') || start[-1] == '+' ||
                                 start[-1] == '-' || start[-1] == '.')) {
                start--;
            }
            if (start == sep) {
                p = sep + 3;
                continue;
            }
        } else {
            break;
        }
        char *e = start;
        while (*e && !strchr(delim, *e)) {
            e++;
        }
        size_t ul = (size_t)(e - start);
        if (ul > (urn ? 4u : (size_t)(sep - start) + 3)) {
            const char *u = m365_dctx_intern(dc, start, ul);
            bool dup = false;
            for (size_t i = 0; i < n && i < max; i++) {
                dup |= m365_ieq(out[i], u);
            }
            if (!dup) {
                if (n < max) {
                    out[n] = u;
                }
                n++;
            }
        }
        p = *e ? e + 1 : e;
    }
    free(buf);
    return n;
}

static void note_addresses(struct m365_dctx *dc, struct m365_app *a, const struct m365_event *ev,
                           bool created)
{
    static const char *const props[] = {
        "AppAddress",  "ReplyUrls", "ReplyUrl",             "RedirectUris",         "IdentifierUris",
        "AppIdentifierUri", "WwwHomepage", "Homepage", "ServicePrincipalName",
        "ServicePrincipalNames"};
    struct m365_app_addr r;
    memset(&r, 0, sizeof(r));
    r.ev = m365_dctx_keep(dc, ev);
    r.created = created;
    for (size_t pi = 0; pi < sizeof(props) / sizeof(props[0]); pi++) {
        const struct m365_modprop *p = m365_event_prop(ev, props[pi]);
        if (!p || !p->new_value) {
            continue;
        }
        const char *oldu[MAX_PARSED], *newu[MAX_PARSED];
        size_t no = extract_urls(dc, p->old_value, oldu, MAX_PARSED);
        size_t nn = extract_urls(dc, p->new_value, newu, MAX_PARSED);
        no = no < MAX_PARSED ? no : MAX_PARSED;
        nn = nn < MAX_PARSED ? nn : MAX_PARSED;
        for (size_t i = 0; i < nn; i++) {
            bool had = false;
            for (size_t j = 0; j < no && !had; j++) {
                had = m365_ieq(newu[i], oldu[j]);
            }
            for (uint32_t j = 0; j < r.n_added && j < M365_APP_ADDRS && !had; j++) {
                had = m365_ieq(newu[i], r.added[j]);
            }
            if (had) {
                continue;
            }
            if (!r.property) {
                r.property = props[pi];
            }
            if (r.n_added < M365_APP_ADDRS) {
                r.added[r.n_added] = newu[i];
                r.added_prop[r.n_added] = props[pi];
            }
            r.n_added++;
        }
    }
    if (r.n_added) {
        struct m365_app_addr *slot = vec_push(&a->addrs, sizeof(*slot), CAP_ADDRS);
        if (slot) {
            *slot = r;
        }
    }
}

struct rra_entry {
    const char *resource, *perm;
    bool application;
};

static size_t parse_rra(struct m365_app_facts *f, struct m365_dctx *dc, const char *v,
                        struct rra_entry *out, size_t max)
{
    if (!v || !*v || !f->json) {
        return 0;
    }
    struct m365_jv root;
    const char *err;
    m365_json_reset(f->json);
    if (m365_json_parse(f->json, v, strlen(v), false, &root, &err) != 0 ||
        m365_jv_type(root) != M365_J_ARRAY) {
        return 0;
    }
    size_t n = 0;
    struct m365_jit it;
    struct m365_jv el;
    m365_jv_iter(root, &it);
    while (m365_jit_next(&it, NULL, NULL, &el)) {
        const char *s;
        size_t l;
        const char *res = NULL;
        if (m365_jv_str(m365_jv_geti(el, "ResourceAppId"), &s, &l) && l) {
            res = intern_lower(dc, s, l);
        }
        /* Directory shape: RequiredAppPermissions[{EntitlementId, DirectAccessGrant}];
         * Graph shape: resourceAccess[{id, type: Role|Scope}]. */
        struct m365_jv perms = m365_jv_geti(el, "RequiredAppPermissions");
        bool graph = m365_jv_type(perms) != M365_J_ARRAY;
        if (graph) {
            perms = m365_jv_geti(el, "ResourceAccess");
        }
        struct m365_jit pit;
        struct m365_jv pe;
        m365_jv_iter(perms, &pit);
        while (m365_jit_next(&pit, NULL, NULL, &pe)) {
            struct rra_entry e = {res, NULL, false};
            if (m365_jv_str(m365_jv_geti(pe, graph ? "Id" : "EntitlementId"), &s, &l) && l) {
                e.perm = intern_lower(dc, s, l);
            }
            if (graph) {
                e.application = m365_jv_str(m365_jv_geti(pe, "Type"), &s, &l) &&
                                m365_ieqn(s, l, "Role");
            } else {
                bool b = false;
                e.application = m365_jv_bool(m365_jv_geti(pe, "DirectAccessGrant"), &b) && b;
            }
            if (!e.perm) {
                continue;
            }
            if (n < max) {
                out[n] = e;
            }
            n++;
        }
    }
    return n;
}

static void note_requests(struct m365_app_facts *f, struct m365_dctx *dc, struct m365_app *a,
                          const struct m365_event *ev)
{
    const struct m365_modprop *p = m365_event_prop(ev, "RequiredResourceAccess");
    if (!p) {
        return;
    }
    struct rra_entry olde[MAX_PARSED], newe[MAX_PARSED];
    size_t no = parse_rra(f, dc, p->old_value, olde, MAX_PARSED);
    size_t nn = parse_rra(f, dc, p->new_value, newe, MAX_PARSED);
    no = no < MAX_PARSED ? no : MAX_PARSED;
    nn = nn < MAX_PARSED ? nn : MAX_PARSED;
    for (size_t i = 0; i < nn; i++) {
        bool had = false;
        for (size_t j = 0; j < no && !had; j++) {
            had = olde[j].perm == newe[i].perm && olde[j].resource == newe[i].resource &&
                  olde[j].application == newe[i].application;
        }
        const struct m365_permission *perm = m365_permission_by_id(newe[i].perm);
        if (had || !perm || !(perm->cls & M365_APP_PRIV_CLASSES)) {
            continue;
        }
        struct m365_app_request *r = vec_push(&a->requests, sizeof(*r), CAP_REQUESTS);
        if (r) {
            r->ev = m365_dctx_keep(dc, ev);
            r->perm = perm->value;
            r->perm_id = newe[i].perm;
            r->resource_app_id = newe[i].resource;
            r->application = newe[i].application;
            r->cls = perm->cls;
        }
    }
}

static void note_audience(struct m365_dctx *dc, struct m365_app *a, const struct m365_event *ev,
                          bool created)
{
    const struct m365_modprop *p = m365_event_prop(ev, "AvailableToOtherTenants");
    const char *prop = "AvailableToOtherTenants";
    bool opened = p && value_is(p->new_value, "true") && !value_is(p->old_value, "true");
    if (!opened) {
        p = m365_event_prop(ev, "SignInAudience");
        prop = "SignInAudience";
        bool nm = p && (value_is(p->new_value, "AzureADMultipleOrgs") ||
                        value_is(p->new_value, "AzureADandPersonalMicrosoftAccount"));
        bool om = p && (value_is(p->old_value, "AzureADMultipleOrgs") ||
                        value_is(p->old_value, "AzureADandPersonalMicrosoftAccount"));
        opened = nm && !om;
    }
    if (!opened) {
        return;
    }
    struct m365_app_audience *r = vec_push(&a->audiences, sizeof(*r), CAP_AUDIENCES);
    if (r) {
        r->ev = m365_dctx_keep(dc, ev);
        r->property = prop;
        r->old_value = p->old_value;
        r->new_value = p->new_value;
        r->created = created;
    }
}

static bool prop_true(const struct m365_event *ev, const char *name)
{
    const struct m365_modprop *p = m365_event_prop(ev, name);
    return p && value_is(p->new_value, "true");
}

static void note_consent(struct m365_dctx *dc, struct m365_app *a, const struct m365_event *ev)
{
    struct m365_app_consent *c = vec_push(&a->consents, sizeof(*c), CAP_CONSENTS);
    if (!c) {
        return;
    }
    c->ev = m365_dctx_keep(dc, ev);
    c->app_only = prop_true(ev, "ConsentContext.IsAppOnly");
    c->admin = prop_true(ev, "ConsentContext.IsAdminConsent") ||
               prop_true(ev, "ConsentContext.OnBehalfOfAll");
    const char *perms = prop_new(ev, "ConsentAction.Permissions");
    if (perms) {
        c->admin |= m365_icontains(perms, "ConsentType: AllPrincipals");
        /* "… Scope:  Mail.Read offline_access, CreatedDateTime: …": classes of each Scope. */
        for (const char *p = find_ci(perms, "Scope:"); p; p = find_ci(p + 6, "Scope:")) {
            const char *s = p + 6, *e = s;
            while (*e && *e != ',' && *e != ']') {
                e++;
            }
            char tmp[1024];
            size_t n = (size_t)(e - s) < sizeof(tmp) - 1 ? (size_t)(e - s) : sizeof(tmp) - 1;
            memcpy(tmp, s, n);
            tmp[n] = '\0';
            c->cls |= m365_scopes_class(tmp);
        }
    }
}

/* Per-mailbox Exchange app roles: they let the app act on mailboxes the Exchange side allows. */
static bool per_mailbox_role(const char *v)
{
    return v && (m365_ieq(v, "SMTP.SendAsApp") || m365_ieq(v, "IMAP.AccessAsApp") ||
                 m365_ieq(v, "POP.AccessAsApp"));
}

static void note_grant(struct m365_app_facts *f, struct m365_dctx *dc,
                       const struct m365_event *ev)
{
    const char *value = prop_new(ev, "AppRole.Value");
    const char *rid = guid_of(dc, prop_new(ev, "AppRole.Id"));
    const char *gid = guid_of(dc, prop_new(ev, "ServicePrincipal.ObjectID"));
    const char *gapp = guid_of(dc, prop_new(ev, "ServicePrincipal.AppId"));
    const char *gname = prop_new(ev, "ServicePrincipal.DisplayName");
    const struct m365_target *res = ev->n_targets ? &ev->targets[0] : NULL;
    if (!gid) {
        /* Entra lists the grantee as the second target when the property is missing. */
        for (uint32_t i = 1; i < ev->n_targets && !gid; i++) {
            if (ev->targets[i].type && m365_ieq(ev->targets[i].type, "ServicePrincipal")) {
                gid = guid_of(dc, ev->targets[i].id);
                if (gid && !gname) {
                    gname = ev->targets[i].name;
                }
            }
        }
    }
    if (!gid && !gapp) {
        return;
    }
    struct m365_app *a = app_get(f, dc, gapp, gid, ID_SP_OBJECT, gname);
    if (!a) {
        return;
    }
    note_owner(dc, a, ev, true);
    struct m365_app_grant *g = vec_push(&a->grants, sizeof(*g), CAP_GRANTS);
    if (g) {
        g->ev = m365_dctx_keep(dc, ev);
        g->perm_id = rid;
        g->perm = value ? value : rid;
        const struct m365_permission *p = m365_permission_by_id(rid);
        if (!p || !p->application) {
            p = m365_permission_by_value(value);
        }
        g->cls = p && p->application ? p->cls : 0;
        g->per_mailbox = per_mailbox_role(value);
        g->resource_name = res ? res->name : NULL;
        g->resource_sp = res ? guid_of(dc, res->id) : NULL;
        g->resource_app_id = guid_of(dc, m365_event_extra(ev, "TargetAppId"));
        if (!g->resource_app_id) {
            g->resource_app_id = spn_app_id(dc, ev);
        }
        if (!g->resource_app_id && p && p->application && p->resource) {
            /* An app role belongs to one resource: a record cut before its service principal
             * names (the Entra admin center's download) still tells it by the role. */
            g->resource_app_id = p->resource;
        }
    }
    add_manager(a, ev);
}

/* Exchange RBAC roles that give an application mailbox access. */
static bool exo_app_role(const char *role)
{
    return role && (m365_ieq(role, "ApplicationImpersonation") ||
                    m365_istarts(role, "Application Mail.") ||
                    m365_istarts(role, "Application EWS.") ||
                    m365_ieq(role, "Application Exchange Full Access"));
}

static void observe_exchange(struct m365_app_facts *f, struct m365_dctx *dc,
                             const struct m365_event *ev)
{
    if (!ev->operation) {
        return;
    }
    if (m365_ieq(ev->operation, "New-ServicePrincipal")) {
        /* Registers an Entra application with Exchange RBAC: links its ids. */
        const char *app = guid_of(dc, m365_event_param(ev, "AppId"));
        const char *obj = guid_of(dc, m365_event_param(ev, "ObjectId"));
        if (!obj) {
            obj = guid_of(dc, m365_event_param(ev, "ServiceId"));
        }
        if (app || obj) {
            app_get(f, dc, app, obj, ID_SP_OBJECT, m365_event_param(ev, "DisplayName"));
        }
        return;
    }
    if (!m365_ieq(ev->operation, "New-ManagementRoleAssignment")) {
        return;
    }
    const char *role = m365_event_param(ev, "Role");
    const char *app = m365_event_param(ev, "App");
    if (!exo_app_role(role) || !app || !*app) {
        return;
    }
    const char *id = guid_of(dc, app);
    struct m365_app *a = id ? app_get(f, dc, NULL, id, ID_OTHER, NULL)
                            : app_get(f, dc, NULL, NULL, ID_OTHER, app);
    if (!a) {
        return;
    }
    struct m365_app_exo_role *r = vec_push(&a->exo_roles, sizeof(*r), CAP_EXO);
    if (r) {
        r->ev = m365_dctx_keep(dc, ev);
        r->role = role;
    }
}

static bool op_is(const struct m365_event *ev, const char *op)
{
    return ev->operation && m365_ieq(ev->operation, op);
}

void m365_app_facts_observe(struct m365_app_facts *f, struct m365_dctx *dc,
                            const struct m365_event *ev)
{
    if (ev->result == M365_RESULT_FAILURE || !ev->operation) {
        return;
    }
    if (!f->json) {
        f->json = m365_json_new(4u << 20, 64);
    }
    if (ev->kind == M365_EV_EXCHANGE_ADMIN) {
        observe_exchange(f, dc, ev);
        return;
    }
    if (ev->kind != M365_EV_DIRECTORY) {
        return;
    }
    if (op_is(ev, "Add app role assignment to service principal")) {
        note_grant(f, dc, ev);
        return;
    }
    /* Records about an application or service principal itself; grants and role changes whose
     * target is a resource or a user are not. */
    bool about_app = m365_icontains(ev->operation, "application") ||
                     m365_icontains(ev->operation, "service principal");
    if (!about_app || m365_icontains(ev->operation, "permission grant") ||
        m365_icontains(ev->operation, "app role assignment") ||
        m365_icontains(ev->operation, "owner to") || m365_icontains(ev->operation, "owner from")) {
        return;
    }
    const struct m365_target *t = NULL;
    bool sp = false;
    for (uint32_t i = 0; i < ev->n_targets && !t; i++) {
        const char *ty = ev->targets[i].type;
        if (ty && (m365_ieq(ty, "Application") || m365_ieq(ty, "ServicePrincipal"))) {
            t = &ev->targets[i];
            sp = m365_ieq(ty, "ServicePrincipal");
        }
    }
    if (!t && ev->n_targets) {
        t = &ev->targets[0];
        sp = m365_icontains(ev->operation, "service principal");
    }
    bool consent = op_is(ev, "Consent to application");
    if (consent) {
        sp = true;
    }
    const char *app_id = guid_of(dc, prop_new(ev, "AppId"));
    if (!app_id) {
        app_id = guid_of(dc, prop_new(ev, "AppPrincipalId"));
    }
    if (!app_id) {
        app_id = extra_app_id(f, dc, ev, true);
    }
    if (!app_id) {
        app_id = spn_app_id(dc, ev);
    }
    const char *obj = t ? guid_of(dc, t->id) : NULL;
    if (!obj && t && t->id && *t->id) {
        obj = intern_lower(dc, t->id, strlen(t->id));
    }
    const char *name = t ? t->name : NULL;
    if (!name) {
        name = prop_new(ev, "DisplayName");
    }
    if (!app_id && !obj && !name) {
        return;
    }
    struct m365_app *a =
        app_get(f, dc, app_id, obj, sp ? ID_SP_OBJECT : ID_APP_OBJECT, name);
    if (!a) {
        return;
    }
    bool created = op_is(ev, "Add application") || op_is(ev, "Add service principal");
    if (created && !a->created_ev) {
        a->created_ev = m365_dctx_keep(dc, ev);
    }
    note_owner(dc, a, ev, false);
    if (consent) {
        note_consent(dc, a, ev);
    } else {
        note_credentials(f, dc, a, ev, sp);
        note_addresses(dc, a, ev, created);
        note_requests(f, dc, a, ev);
        note_audience(dc, a, ev, created);
    }
    add_manager(a, ev);
}

void m365_app_facts_free(struct m365_app_facts *f)
{
    for (uint32_t i = 0; i < f->n_apps; i++) {
        struct m365_app *a = f->apps[i];
        free(a->managers.p);
        free(a->creds.p);
        free(a->addrs.p);
        free(a->grants.p);
        free(a->requests.p);
        free(a->consents.p);
        free(a->audiences.p);
        free(a->exo_roles.p);
        free(a);
    }
    free(f->apps);
    m365_map_free(&f->ids);
    m365_map_free(&f->names);
    if (f->json) {
        m365_json_free(f->json);
    }
    memset(f, 0, sizeof(*f));
}

/* --- output helpers -------------------------------------------------------------------------- */

void m365_app_entities(struct m365_fb *fb, const struct m365_app *a, bool as_sp)
{
    if (a->app_id) {
        m365_fb_entity(fb, M365_ENT_APPS, a->app_id);
        if (a->name) {
            m365_fb_entity(fb, M365_ENT_APPS, a->name);
        }
    } else if (a->name && !a->sp_object) {
        m365_fb_entity(fb, M365_ENT_APPS, a->name);
    }
    /* A display name goes with the service principal only when the records name one; an
     * application registration alone has none in this tenant's logs. */
    (void)as_sp;
    if (a->sp_object) {
        m365_fb_entity(fb, M365_ENT_SERVICE_PRINCIPALS, a->sp_object);
        if (a->name) {
            m365_fb_entity(fb, M365_ENT_SERVICE_PRINCIPALS, a->name);
        }
    }
}

void m365_app_details_ids(struct m365_dctx *dc, struct m365_buf *d, int *first,
                          const struct m365_app *a)
{
    m365_json_key(d, first, "app_name");
    m365_json_cstr(d, a->name);
    m365_json_key(d, first, "app_id");
    m365_json_cstr(d, a->app_id);
    m365_json_key(d, first, "application_object_id");
    m365_json_cstr(d, a->app_object);
    m365_json_key(d, first, "service_principal_id");
    m365_json_cstr(d, a->sp_object);
    bool from_snapshot;
    const char *owner = m365_app_owner(dc, a, &from_snapshot);
    m365_json_key(d, first, "owner_tenant");
    m365_json_cstr(d, owner);
    m365_json_key(d, first, "owner_tenant_known");
    m365_buf_puts(d, owner ? "true" : "false");
    if (from_snapshot) {
        m365_json_key(d, first, "owner_tenant_source");
        m365_json_cstr(d, "snapshot");
    }
    int foreign = m365_app_foreign(dc, a);
    m365_json_key(d, first, "foreign_owner");
    m365_buf_puts(d, foreign == 1 ? "true" : foreign == 0 ? "false" : "null");
}

void m365_app_actor_entities(struct m365_fb *fb, const struct m365_event *ev)
{
    if (ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL) {
        m365_fb_entity(fb, M365_ENT_SERVICE_PRINCIPALS, ev->actor_id);
        m365_fb_entity(fb, M365_ENT_SERVICE_PRINCIPALS, ev->actor_name);
        m365_fb_entity(fb, M365_ENT_APPS, ev->actor_app_id);
        m365_fb_entity(fb, M365_ENT_APPS, ev->actor_name);
    } else if (ev->actor_upn) {
        m365_fb_entity(fb, M365_ENT_USERS, ev->actor_upn);
    } else if (ev->actor_id) {
        m365_fb_entity(fb, M365_ENT_USERS, ev->actor_id);
    }
    m365_fb_entity(fb, M365_ENT_IPS, ev->ip);
}

bool m365_app_from_hosting(struct m365_dctx *dc, const struct m365_event *ev)
{
    return ev->ip && m365_dctx_ipinfo(dc, ev->ip)->hosting;
}

int64_t m365_app_dt(const struct m365_event *a, const struct m365_event *b)
{
    if (a->time_ms == M365_TIME_NONE || b->time_ms == M365_TIME_NONE) {
        return -1;
    }
    return a->time_ms > b->time_ms ? a->time_ms - b->time_ms : b->time_ms - a->time_ms;
}

void m365_app_json_strings(struct m365_buf *d, const char **v, size_t n)
{
    m365_qsort(v, n, sizeof(*v), m365_cmp_cstr);
    m365_buf_putc(d, '[');
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(v[i], v[i - 1]) == 0) {
            continue;
        }
        if (w++) {
            m365_buf_putc(d, ',');
        }
        m365_json_cstr(d, v[i]);
    }
    m365_buf_putc(d, ']');
}
