/* Entra object ids named as accounts. A Graph request names its caller, and often the mailbox
 * it read, by object id. The sign-ins carry both the id and the UPN; a directory change that
 * targets a user names both too (a shared mailbox never signs in); the tenant snapshot knows the
 * rest. A caller nothing of that names (a token no sign-in issued: Storm-0558's) is named by
 * Exchange's record of the same read: one access token, the same uti in the Graph request's
 * SignInActivityId and the MailItemsAccessed record's AppAccessContext.UniqueTokenId, whose
 * UserId is the UPN. Built once over the whole evidence, before the detections, so the rules
 * and the incidents' exposure give an id the same name. */
#include <stdint.h>
#include <string.h>

#include "../core/map.h"
#include "../core/norm.h"
#include "../snapshot/snap_context.h"
#include "scan_internal.h"

static enum m365_status put(struct m365_scan *s, struct m365_map *ids, const char *id,
                            const char *upn)
{
    if (!id || !upn || !m365_is_guid(id, strlen(id))) {
        return M365_OK;
    }
    const char *key = m365_scan_lower_key(s, id);
    if (!key) {
        return M365_OK; /* at the distinct-value limit: the id stays unnamed, the scan goes on */
    }
    void **slot = m365_map_put(ids, key, NULL);
    if (!slot) {
        return M365_E_NOMEM;
    }
    if (!*slot) { /* the earliest event that names the id gives its name */
        *slot = (void *)(uintptr_t)upn;
    }
    return M365_OK;
}

/* Graph callers no sign-in or directory change named, keyed by their requests' tokens (copied
 * per record, so held by their text: m365_text_key); then the UPN of Exchange's records that
 * carry one of those tokens. Only when there is a caller to name: a scan without Graph requests
 * does not walk its mail records again. */
static enum m365_status name_by_tokens(struct m365_scan *s, struct m365_map *ids)
{
    size_t n = m365_scan_n_events(s);
    const uint8_t *kinds = m365_scan_event_kinds(s);
    struct m365_event buf;
    struct m365_map callers = {0}; /* token -> the caller's object id (interned) */
    enum m365_status st = M365_OK;
    for (size_t i = 0; i < n && st == M365_OK; i++) {
        if (kinds[i] != M365_EV_GRAPH_REQUEST) {
            continue;
        }
        const struct m365_event *ev = m365_scan_event_brief(s, i, &buf);
        /* A placeholder token (zeros, a redacted export's) is many users': it names nobody. */
        if (ev && ev->actor_type == M365_ACTOR_USER && ev->actor_id &&
            m365_token_usable(ev->token_id) && m365_is_guid(ev->actor_id, strlen(ev->actor_id)) &&
            !m365_object_ids_upn(s, ids, ev->actor_id)) {
            struct m365_text_key k = m365_text_key(ev->token_id);
            void **slot = m365_map_put(&callers, k.k1, k.k2);
            if (!slot) {
                st = M365_E_NOMEM;
            } else if (!*slot) {
                *slot = (void *)(uintptr_t)ev->actor_id;
            }
        }
    }
    for (size_t i = 0; i < n && st == M365_OK && callers.n; i++) {
        if (kinds[i] != M365_EV_MAIL_ACCESS) {
            continue;
        }
        const struct m365_event *ev = m365_scan_event_brief(s, i, &buf);
        if (!ev || !ev->token_id || !*ev->token_id || !ev->actor_upn ||
            !strchr(ev->actor_upn, '@')) {
            continue;
        }
        struct m365_text_key k = m365_text_key(ev->token_id);
        const char *id = m365_map_get(&callers, k.k1, k.k2);
        if (id) {
            st = put(s, ids, id, ev->actor_upn);
        }
    }
    m365_map_free(&callers);
    return st;
}

enum m365_status m365_object_ids_build(struct m365_scan *s, struct m365_map *ids)
{
    size_t n = m365_scan_n_events(s);
    const uint8_t *kinds = m365_scan_event_kinds(s);
    struct m365_event buf;
    enum m365_status st = M365_OK;
    for (size_t i = 0; i < n && st == M365_OK; i++) {
        if (kinds[i] != M365_EV_SIGNIN && kinds[i] != M365_EV_DIRECTORY) {
            continue;
        }
        const struct m365_event *ev = m365_scan_event_brief(s, i, &buf);
        if (!ev) {
            continue;
        }
        if (kinds[i] == M365_EV_SIGNIN) {
            st = put(s, ids, ev->actor_id, ev->actor_upn); /* interned lower-case */
            continue;
        }
        for (uint32_t t = 0; t < ev->n_targets && st == M365_OK; t++) {
            const struct m365_target *tg = &ev->targets[t];
            if (tg->type && m365_ieq(tg->type, "User") && tg->upn) {
                st = put(s, ids, tg->id, m365_scan_intern_lower(s, tg->upn, strlen(tg->upn)));
            }
        }
    }
    return st == M365_OK ? name_by_tokens(s, ids) : st;
}

const char *m365_object_ids_upn(struct m365_scan *s, const struct m365_map *ids, const char *id)
{
    if (!id || !m365_is_guid(id, strlen(id))) {
        return NULL;
    }
    const char *key = m365_scan_lower_key(s, id);
    const char *upn = key && ids->n ? m365_map_get(ids, key, NULL) : NULL;
    if (!upn) {
        const char *t = m365_snap_ctx_upn_of(m365_scan_snap_ctx(s), id);
        upn = t ? m365_scan_intern_lower(s, t, strlen(t)) : NULL;
    }
    return upn;
}
