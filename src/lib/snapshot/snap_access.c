/* Snapshot readers for who can reach what: the tenant's licences (Graph subscribedSkus) and the
 * Audit (Premium) judgement they allow for users exported without assignedPlans; owners of
 * service principals and applications (…/owners pages, or $expand=owners); Get-Mailbox's
 * per-logon-type audit lists (AuditOwner, AuditDelegate, AuditAdmin, DefaultAuditSet). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/norm.h"
#include "snap_util.h"

/* --- subscribedSkus ----------------------------------------------------------------------- */

int m365_snap_add_sku(struct m365_snap_db *db, struct m365_jv o, struct m365_snap_why *why)
{
    const char *sku = jv_dup(db, m365_jv_geti(o, "skuId"), true);
    struct m365_jv plans = m365_jv_geti(o, "servicePlans");
    if (!sku) {
        *why = (struct m365_snap_why){"skuId", "subscribedSku without a skuId"};
        return 1;
    }
    if (m365_jv_type(plans) != M365_J_ARRAY) {
        *why = (struct m365_snap_why){"servicePlans", "servicePlans is not an array"};
        return 1;
    }
    struct m365_snap_sku *v = grow(db->skus, &db->cap_skus, db->n_skus, sizeof(*v));
    if (!v) {
        return -1;
    }
    db->skus = v;
    struct m365_snap_sku *k = &v[db->n_skus++];
    memset(k, 0, sizeof(*k));
    k->sku_id = sku;
    k->part = jv_dup(db, m365_jv_geti(o, "skuPartNumber"), false);
    k->capability = jv_dup(db, m365_jv_geti(o, "capabilityStatus"), false);
    k->consumed = -1;
    k->prepaid = -1;
    int64_t n;
    if (m365_jv_i64(m365_jv_geti(o, "consumedUnits"), &n)) {
        k->consumed = n;
    }
    if (m365_jv_i64(m365_jv_geti(m365_jv_geti(o, "prepaidUnits"), "enabled"), &n)) {
        k->prepaid = n;
    }
    struct m365_jit it;
    struct m365_jv e;
    m365_jv_iter(plans, &it);
    while (m365_jit_next(&it, NULL, NULL, &e)) {
        k->n_plans++;
        if (jv_is(m365_jv_geti(e, "servicePlanId"), M365_PLAN_ADVANCED_AUDITING)) {
            k->has_audit = true;
            k->audit_status = jv_dup(db, m365_jv_geti(e, "provisioningStatus"), false);
        }
    }
    return 0;
}

const struct m365_snap_sku *m365_snap_sku_find(const struct m365_snap_db *db, const char *sku)
{
    for (size_t i = 0; sku && i < db->n_skus; i++) {
        if (strcmp(db->skus[i].sku_id, sku) == 0) {
            return &db->skus[i];
        }
    }
    return NULL;
}

/* A subscription that has lapsed (Suspended, Deleted, LockedOut) no longer serves its plans;
 * Enabled and Warning (the grace period) do. */
static bool sku_serves(const struct m365_snap_sku *k)
{
    return !k->capability || m365_ieq(k->capability, "Enabled") ||
           m365_ieq(k->capability, "Warning");
}

/* The tenant's own table decides for every licence it lists; a skuId it does not list is
 * judged by the built-in list of E5 skuIds, as without the table. */
void m365_snap_resolve_licences(struct m365_snap_db *db)
{
    if (db->n_skus == 0) {
        return;
    }
    for (size_t i = 0; i < db->n_users; i++) {
        struct m365_snap_user *u = &db->users[i];
        if (u->audit_src == M365_SNAP_SRC_PLANS || u->n_lics == 0) {
            continue;
        }
        bool listed = false;
        enum m365_snap_audit a = M365_SNAP_AUDIT_NONE;
        for (size_t l = 0; l < u->n_lics; l++) {
            const struct m365_snap_sku *k = m365_snap_sku_find(db, u->lics[l].sku);
            bool carries = k ? k->has_audit : m365_snap_known_audit_sku(u->lics[l].sku);
            listed = listed || k;
            if (!carries) {
                continue;
            }
            bool works = !u->lics[l].audit_off &&
                         (!k || (sku_serves(k) && !(k->audit_status &&
                                                    m365_ieq(k->audit_status, "Disabled"))));
            if (works) {
                a = M365_SNAP_AUDIT_ENABLED;
            } else if (a != M365_SNAP_AUDIT_ENABLED) {
                a = M365_SNAP_AUDIT_DISABLED;
            }
        }
        if (listed) {
            u->audit = a;
            u->audit_src = M365_SNAP_SRC_SUBSCRIBED;
        }
    }
}

/* --- owners ------------------------------------------------------------------------------- */

int m365_snap_add_owner(struct m365_snap_db *db, struct m365_jv o, const char *of, bool of_app,
                        struct m365_snap_why *why)
{
    if (m365_jv_type(o) != M365_J_OBJECT) {
        *why = (struct m365_snap_why){"owners", "owner is not an object"};
        return 1;
    }
    const char *id = jv_dup(db, m365_jv_geti(o, "id"), true);
    if (!id) {
        *why = (struct m365_snap_why){"id", "owner without an id"};
        return 1;
    }
    struct m365_snap_owner *v = grow(db->owners, &db->cap_owners, db->n_owners, sizeof(*v));
    if (!v) {
        return -1;
    }
    db->owners = v;
    struct m365_snap_owner *w = &v[db->n_owners++];
    memset(w, 0, sizeof(*w));
    db->owners_loaded = true;
    w->of = of;
    w->of_app = of_app;
    w->id = id;
    /* The PowerShell SDK (Get-MgServicePrincipalOwner, -ExpandProperty owners) puts the owner's
     * own properties under AdditionalProperties. */
    struct m365_jv extra = m365_jv_geti(o, "AdditionalProperties");
    if (m365_jv_type(extra) == M365_J_OBJECT && !present(m365_jv_geti(o, "@odata.type"))) {
        o = extra;
    }
    w->type = m365_snap_odata_type(db, o);
    w->upn = jv_dup(db, m365_jv_geti(o, "userPrincipalName"), true);
    w->name = jv_dup(db, m365_jv_geti(o, "displayName"), false);
    w->app_id = jv_dup(db, m365_jv_geti(o, "appId"), true);
    if (!w->type && (w->app_id || present(m365_jv_geti(o, "servicePrincipalType")))) {
        w->type = "servicePrincipal";
    } else if (!w->type && w->upn) {
        w->type = "user";
    }
    return 0;
}

/* owners[] of a servicePrincipals / applications object fetched with $expand=owners. Owners
 * that cannot be used are left out with the count in *bad. */
int m365_snap_add_owners_of(struct m365_snap_db *db, struct m365_jv arr, const char *of,
                            bool of_app, size_t *bad)
{
    struct m365_jit it;
    struct m365_jv e;
    *bad = 0;
    if (!of || m365_jv_type(arr) != M365_J_ARRAY) {
        return 0;
    }
    db->owners_loaded = true;
    m365_jv_iter(arr, &it);
    while (m365_jit_next(&it, NULL, NULL, &e)) {
        struct m365_snap_why why;
        int rc = m365_snap_add_owner(db, e, of, of_app, &why);
        if (rc < 0) {
            return -1;
        }
        *bad += rc > 0;
    }
    db->owners_bad += *bad;
    return 0;
}

/* --- Get-Mailbox audit lists -------------------------------------------------------------- */

/* Whether text holds the word, the list being separated by spaces, commas or semicolons, and
 * perhaps in braces (Export-Csv writes a MultiValuedProperty's text). */
static bool text_has_word(const char *s, size_t n, const char *word)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == ',' || s[i] == ';' || s[i] == '{' ||
                         s[i] == '}' || s[i] == '\t' || s[i] == '"')) {
            i++;
        }
        size_t j = i;
        while (j < n && !(s[j] == ' ' || s[j] == ',' || s[j] == ';' || s[j] == '{' ||
                          s[j] == '}' || s[j] == '\t' || s[j] == '"')) {
            j++;
        }
        if (j > i && m365_ieqn(s + i, j - i, word)) {
            return true;
        }
        i = j;
    }
    return false;
}

/* Export-Csv of a list that was not joined writes its .NET type name instead of the values
 * ("System.Collections.ArrayList", "Microsoft.Exchange.Data.MultiValuedProperty`1[…]"). */
bool m365_snap_type_name(const char *s, size_t n)
{
    return (n > 7 && m365_ieqn(s, 7, "System.")) || (n > 10 && m365_ieqn(s, 10, "Microsoft."));
}

int m365_snap_list_has(struct m365_jv v, const char *text, size_t text_n, const char *word)
{
    if (text) {
        return m365_snap_type_name(text, text_n) ? M365_SNAP_UNSET
                                                 : text_has_word(text, text_n, word);
    }
    const char *s;
    size_t n;
    switch (m365_jv_type(v)) {
    case M365_J_ABSENT:
    case M365_J_NULL: return M365_SNAP_UNSET;
    case M365_J_STRING:
        m365_jv_str(v, &s, &n);
        return text_has_word(s, n, word);
    case M365_J_ARRAY: {
        struct m365_jit it;
        struct m365_jv e;
        m365_jv_iter(v, &it);
        while (m365_jit_next(&it, NULL, NULL, &e)) {
            jv_text(e, &s, &n, NULL, 0);
            if (s && text_has_word(s, n, word)) {
                return 1;
            }
        }
        return 0;
    }
    default: break;
    }
    return M365_SNAP_UNSET;
}

static const char *const list_names[3] = {"AuditAdmin", "AuditDelegate", "AuditOwner"};
static const char *const logon_names[3] = {"Admin", "Delegate", "Owner"};
static const unsigned logon_bits[3] = {M365_LOGON_ADMIN, M365_LOGON_DELEGATE, M365_LOGON_OWNER};

const char *m365_snap_audit_list_name(int k)
{
    return k >= 0 && k < 3 ? list_names[k] : NULL;
}

/* The logon types whose list lacks MailItemsAccessed while DefaultAuditSet does not hold them:
 * someone changed the list (Set-Mailbox -AuditOwner …) and left MailItemsAccessed out. Without
 * DefaultAuditSet nothing is concluded: Microsoft's own default lists differ per licence. */
int m365_snap_mia_removed(struct m365_snap_db *db, const struct m365_snap_mbx_lists *l,
                          unsigned *bits, const char **reason)
{
    *bits = 0;
    *reason = NULL;
    if (l->deflt < 0) {
        return 0;
    }
    char buf[160];
    size_t w = 0;
    for (int k = 0; k < 3; k++) {
        if (l->has_mia[k] != 0 || (l->deflt_bits & logon_bits[k])) {
            continue;
        }
        *bits |= logon_bits[k];
    }
    /* Owner first: it is the account's own reads (stolen credentials, tokens). */
    for (int k = 2; k >= 0; k--) {
        if (*bits & logon_bits[k]) {
            int r = snprintf(buf + w, sizeof(buf) - w, "%s%s", w ? ", " : "",
                             list_names[k]);
            w += r > 0 ? (size_t)r : 0;
        }
    }
    if (*bits == 0) {
        return 0;
    }
    char full[200];
    snprintf(full, sizeof(full), "MailItemsAccessed removed from %s", buf);
    *reason = dup_lower(db, full, strlen(full), false);
    return *reason ? 0 : -1;
}

void m365_snap_default_set(struct m365_snap_mbx_lists *l, struct m365_jv v, const char *text,
                           size_t text_n, bool given)
{
    l->deflt = given && !(text && m365_snap_type_name(text, text_n)) ? 0 : M365_SNAP_UNSET;
    l->deflt_bits = 0;
    if (l->deflt != 0) {
        return;
    }
    for (int k = 0; k < 3; k++) {
        if (m365_snap_list_has(v, text, text_n, logon_names[k]) == 1) {
            l->deflt_bits |= logon_bits[k];
        }
    }
}
