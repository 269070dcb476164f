/* Application and service principal ids named. Mail records and Graph requests name the
 * client by id alone, Exchange's role assignments an application by its service principal's
 * object id; the sign-ins carry the id with its display name (a service principal's own
 * sign-ins name a third-party app that reads mail app-only), so do Defender's CloudAppEvents
 * rows whose account is the app that read mail (M365_CLIENT_NAME_EXTRA); the directory changes
 * that add an application's service principal, consent to it or target it name it too,
 * Microsoft's own clients are in a table, and the tenant snapshot lists every service
 * principal. The rules ask only when they report, so the events are walked once, on the first
 * question, by whichever detection thread asks it. */
#include <stdint.h>
#include <string.h>

#include "../core/map.h"
#include "../core/norm.h"
#include "../detections/consent_facts.h"
#include "../detections/m365_ids.h"
#include "../snapshot/snap_context.h"
#include "scan_internal.h"

void m365_app_names_init(struct m365_app_names *n)
{
    memset(n, 0, sizeof(*n));
    atomic_init(&n->client_named_kinds, 0);
    m365_once_init(&n->built);
}

void m365_app_names_free(struct m365_app_names *n)
{
    m365_map_free(&n->names);
    m365_map_free(&n->directory);
    m365_once_destroy(&n->built);
}

/* The earliest record that names an id gives its name; false when out of memory. */
static bool put(struct m365_map *m, const char *key, const char *name)
{
    if (!key || !name || !*name) {
        return true; /* at the distinct-value limit, or nothing to say: the id stays unnamed */
    }
    void **slot = m365_map_put(m, key, NULL);
    if (!slot) {
        return false;
    }
    if (!*slot) {
        *slot = (void *)(uintptr_t)name;
    }
    return true;
}

/* put() under an id as a record writes it (any case, perhaps in a caller's buffer): only a
 * GUID, interned lower-case. */
static bool put_id(struct m365_scan *s, struct m365_map *m, const char *id, const char *name)
{
    if (!id || !m365_is_guid(id, strlen(id))) {
        return true;
    }
    return put(m, m365_scan_intern_lower(s, id, strlen(id)), name);
}

/* A directory change names an application with its id: the service principal added to the
 * tenant (AppPrincipalId), a consent or delegated grant to it (the client, not the resource;
 * other changes name a target beside an AppId that may be another application's), and its
 * ServicePrincipal and Application targets, each its own object id beside its name. */
static bool put_directory(struct m365_scan *s, struct m365_map *m, const struct m365_event *ev)
{
    struct m365_consent c;
    if (ev->operation && m365_ieq(ev->operation, "Add service principal") && ev->n_targets) {
        const struct m365_modprop *p = m365_event_prop(ev, "AppPrincipalId");
        if (!put_id(s, m, p ? p->new_value : NULL, ev->targets[0].name)) {
            return false;
        }
    } else if (m365_consent_read(ev, &c) && !put_id(s, m, c.app_id, c.app_name)) {
        return false;
    }
    for (uint32_t t = 0; t < ev->n_targets; t++) {
        const struct m365_target *tg = &ev->targets[t];
        if (tg->type &&
            (m365_ieq(tg->type, "ServicePrincipal") || m365_ieq(tg->type, "Application")) &&
            !put_id(s, m, tg->id, tg->name)) {
            return false;
        }
    }
    return true;
}

/* Exchange's own registration of an application (New-ServicePrincipal -AppId -ObjectId
 * -DisplayName), the step before a role is assigned to it with -App. */
static bool put_exchange_sp(struct m365_scan *s, struct m365_map *m, const struct m365_event *ev)
{
    if (!ev->operation || !m365_ieq(ev->operation, "New-ServicePrincipal")) {
        return true;
    }
    const char *name = m365_event_param(ev, "DisplayName");
    return put_id(s, m, m365_event_param(ev, "AppId"), name) &&
           put_id(s, m, m365_event_param(ev, "ObjectId"), name);
}

static void build(struct m365_scan *s, struct m365_app_names *n)
{
    size_t ne = m365_scan_n_events(s);
    const uint8_t *kinds = m365_scan_event_kinds(s);
    /* The kinds that can name an application; each such event is unpacked once. */
    uint32_t client_named = atomic_load(&n->client_named_kinds);
    uint32_t wanted = client_named | 1u << M365_EV_DIRECTORY | 1u << M365_EV_EXCHANGE_ADMIN |
                      1u << M365_EV_SIGNIN;
    struct m365_event buf;
    for (size_t i = 0; i < ne; i++) {
        if (kinds[i] >= 32 || !(wanted >> kinds[i] & 1u)) {
            continue;
        }
        const struct m365_event *ev = m365_scan_event_brief(s, i, &buf);
        if (!ev) {
            continue;
        }
        /* A mail read in Defender's CloudAppEvents: the row names the app that read. */
        if ((client_named >> kinds[i] & 1u) &&
            !put_id(s, &n->names, ev->client_app_id,
                    m365_event_extra(ev, M365_CLIENT_NAME_EXTRA))) {
            return; /* out of memory: the ids not yet named stay ids */
        }
        if (kinds[i] == M365_EV_DIRECTORY) {
            if (!put_directory(s, &n->directory, ev)) {
                return;
            }
            continue;
        }
        if (kinds[i] == M365_EV_EXCHANGE_ADMIN) {
            if (!put_exchange_sp(s, &n->directory, ev)) {
                return;
            }
            continue;
        }
        if (kinds[i] != M365_EV_SIGNIN) {
            continue;
        }
        if (ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL &&
            !put_id(s, &n->names, ev->actor_id, ev->actor_name)) {
            return; /* its object id: servicePrincipalId */
        }
        if (!ev->app_id) {
            continue;
        }
        /* A service principal's sign-in names it servicePrincipalName (Azure Monitor's and Log
         * Analytics' rows have no appDisplayName). */
        const char *name = ev->app_name;
        if ((!name || !*name) && ev->actor_type == M365_ACTOR_SERVICE_PRINCIPAL) {
            name = ev->actor_name;
        }
        if (name && *name && !put(&n->names, m365_scan_lower_key(s, ev->app_id), name)) {
            return;
        }
    }
}

const char *m365_app_names_get(struct m365_scan *s, struct m365_app_names *n, const char *id)
{
    if (!id || !*id) {
        return NULL;
    }
    const struct m365_app_id *fp = m365_first_party_app(id);
    if (fp) {
        return fp->name;
    }
    /* Interned here, not taken as the caller's: a key from a buffer would miss in silence. */
    const char *key = m365_scan_intern_lower(s, id, strlen(id));
    const char *name = NULL;
    if (m365_once_begin(&n->built)) {
        build(s, n);
        m365_once_end(&n->built);
    }
    if (key && n->names.n) {
        name = m365_map_get(&n->names, key, NULL);
    }
    if (key && !name && n->directory.n) {
        name = m365_map_get(&n->directory, key, NULL);
    }
    const struct m365_snap_ctx *snap = m365_scan_snap_ctx(s);
    struct m365_snap_app_info info;
    if (!name && snap && m365_snap_ctx_app(snap, id, &info) && info.name && *info.name) {
        name = info.name;
    }
    return name;
}
