/* The tenant snapshot as context for the log detections: sorted indexes over the snapshot
 * database and the answers the detections ask for (snap_context.h). */
#define _GNU_SOURCE /* memmem */
#include "snap_context.h"

#include <stdlib.h>
#include <string.h>

#include "../core/norm.h"
#include "../core/sort.h"
#include "../readers/csv_rows.h"
#include "../readers/sniff.h"
#include "snap.h"
/* m365_ids.h names the plan by its name; snap.h by its id. */
#undef M365_PLAN_ADVANCED_AUDITING
#include "../detections/m365_ids.h"

struct key {
    const char *k;
    size_t i;
};

struct idx {
    struct key *v;
    size_t n;
};

struct sp_info {
    unsigned cls;
    const char *roles[8];
    size_t n_roles;
};

struct unaudit {
    const char *upn, *reason;
};

struct m365_snap_ctx {
    const struct m365_snap_db *db;
    const char *home;
    int64_t as_of;
    struct idx user_upn, user_id, mbx_upn, mbx_id, sp_app, sp_id;
    struct sp_info *sp; /* parallel to db->sps */
    bool *bypassed;     /* parallel to db->mbxs: Get-MailboxAuditBypassAssociation lists it */
    struct unaudit *unaudit;
    size_t n_unaudit;
};

/* The snapshot reader's predicate over a key list: only names are known, not value types. */
static bool keys_have(const void *obj, const char *member, bool object)
{
    (void)object;
    return m365_sniff_keys_has_any_case(obj, member);
}

static void add_header_key(void *user, size_t index, const char *s, size_t len)
{
    struct m365_sniff_keys *k = user;
    (void)index;
    while (len && s[0] == ' ') {
        s++;
        len--;
    }
    while (len && s[len - 1] == ' ') {
        len--;
    }
    if (len && len < sizeof(k->keys[0]) && k->n < M365_SNIFF_MAX_KEYS) {
        m365_sniff_keys_add(k, s, len);
    }
}

/* A CSV header row (after PowerShell's optional #TYPE line) as a key list, split at the file's
 * separator as the snapshot reader splits it. */
static void csv_header_keys(const char *head, size_t len, struct m365_sniff_keys *k)
{
    m365_sniff_keys_clear(k);
    m365_csv_first_row(head, len, true, add_header_key, k);
}

/* The first record's members (a JSON object, or a CSV header), classified as the snapshot
 * reader classifies each object: 1 a snapshot object, -1 a log record (members that only log
 * records carry), 0 cannot tell. */
static int first_record_kind(const char *head, size_t len)
{
    struct m365_sniff_keys k;
    if (!m365_sniff_json_keys(head, len, &k)) {
        csv_header_keys(head, len, &k);
    }
    static const char *const log_only[] = {"TimeGenerated", "ipAddress", "activityDateTime",
                                           "CreationTime", "CreationDate", "RecordType",
                                           "operationName", "Workload", "time"};
    for (size_t i = 0; i < sizeof(log_only) / sizeof(log_only[0]); i++) {
        if (m365_sniff_keys_has_any_case(&k, log_only[i])) {
            return -1;
        }
    }
    enum m365_snapshot_kind kind = k.n ? m365_snap_classify_members(keys_have, &k) : M365_SNAP_NONE;
    return kind != M365_SNAP_NONE && kind != M365_SNAP_OTHER ? 1 : 0;
}

int m365_snap_sniff(const char *head, size_t len)
{
    int first = first_record_kind(head, len);
    if (first != 0) {
        return first > 0 ? 2 : 0; /* a log record first: a log file, nothing to search for */
    }
    /* Members only snapshot objects carry, anywhere in the first bytes. */
    static const char *const marks[] = {
        "\"signInActivity\"",     "\"assignedLicenses\"", "\"assignedPlans\"",
        "\"isMfaRegistered\"",    "\"methodsRegistered\"", "RecipientTypeDetails",
        "\"servicePrincipalType\"", "\"appOwnerOrganizationId\"", "\"consentType\"",
        "\"appRoleId\"",            "\"requiredResourceAccess\"", "\"roleTemplateId\"",
        "\"grantControls\"",        "\"issuerUri\"",             "AuditBypassEnabled",
        "RoleAssigneeName",         "\"skuPartNumber\"",         "DefaultAuditSet"};
    for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
        if (memmem(head, len, marks[k], strlen(marks[k]))) {
            return 1;
        }
    }
    return 0;
}

const struct m365_permission *m365_snap_assign_perm(const struct m365_snap_assign *a)
{
    const struct m365_permission *p = a->role_id ? m365_permission_by_id(a->role_id) : NULL;
    if (!p && a->role_value) {
        p = m365_permission_by_value(a->role_value);
    }
    return p && p->application ? p : NULL;
}

static int cmp_key(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : x->i < y->i ? -1 : x->i > y->i; /* the first object of a key wins */
}

static int idx_alloc(struct idx *x, size_t n)
{
    x->n = 0;
    x->v = malloc((n ? n : 1) * sizeof(*x->v));
    return x->v ? 0 : -1;
}

static void idx_add(struct idx *x, const char *k, size_t i)
{
    if (k) {
        x->v[x->n++] = (struct key){k, i};
    }
}

static long idx_find(const struct idx *x, const char *k)
{
    size_t lo = 0, hi = x->n;
    while (k && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(x->v[mid].k, k) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return k && lo < x->n && strcmp(x->v[lo].k, k) == 0 ? (long)x->v[lo].i : -1;
}

/* Keys in the database are lower-cased; so are the questions. */
static const char *lower(const char *s, char *buf, size_t size)
{
    if (!s) {
        return NULL;
    }
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ') {
        n--;
    }
    if (n == 0 || n >= size) {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        buf[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    }
    buf[n] = '\0';
    return buf;
}

static const struct m365_snap_user *user_by(const struct m365_snap_ctx *c, const char *key)
{
    long i = idx_find(&c->user_upn, key);
    if (i < 0) {
        i = idx_find(&c->user_id, key);
    }
    return i < 0 ? NULL : &c->db->users[i];
}

static const struct m365_snap_mbx *mbx_by(const struct m365_snap_ctx *c, const char *upn,
                                          const char *id)
{
    long i = idx_find(&c->mbx_upn, upn);
    if (i < 0) {
        i = idx_find(&c->mbx_id, id);
    }
    return i < 0 ? NULL : &c->db->mbxs[i];
}

/* 1 auditable, 0 not (reason), -1 unknown. */
static int audit_of(const struct m365_snap_ctx *c, const struct m365_snap_user *u,
                    const struct m365_snap_mbx *m, const char **reason)
{
    *reason = NULL;
    if (m && m->audit_enabled == 0) {
        *reason = "mailbox auditing off";
        return 0;
    }
    if (m && (m->audit_bypass == 1 || c->bypassed[m - c->db->mbxs])) {
        *reason = "audit bypass";
        return 0;
    }
    /* AuditOwner / AuditDelegate / AuditAdmin without MailItemsAccessed (and not Microsoft's
     * default set): reads by those logon types are not logged. */
    if (m && m->mia_reason) {
        *reason = m->mia_reason;
        return 0;
    }
    if (!u) {
        return -1;
    }
    switch (u->audit) {
    case M365_SNAP_AUDIT_DISABLED:
        *reason = "Audit (Premium) plan disabled";
        return 0;
    case M365_SNAP_AUDIT_NONE:
        *reason = "no Audit (Premium) licence";
        return 0;
    case M365_SNAP_AUDIT_ENABLED:
        return 1;
    case M365_SNAP_AUDIT_UNKNOWN:
        break;
    }
    return -1;
}

static int cmp_unaudit(const void *a, const void *b)
{
    return strcmp(((const struct unaudit *)a)->upn, ((const struct unaudit *)b)->upn);
}

/* The population of posture-no-advanced-audit: mailboxes when Get-Mailbox output is there,
 * else licensed users; leavers' (disabled) and guests' accounts left out. */
static int build_unaudit(struct m365_snap_ctx *c)
{
    const struct m365_snap_db *db = c->db;
    size_t n = db->n_mbxs ? db->n_mbxs : db->n_users;
    c->unaudit = malloc((n + db->n_bypasses + 1) * sizeof(*c->unaudit));
    if (!c->unaudit) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const struct m365_snap_mbx *m = db->n_mbxs ? &db->mbxs[i] : NULL;
        const struct m365_snap_user *u = m ? NULL : &db->users[i];
        if (m) {
            long k = idx_find(&c->user_id, m->ext_id);
            if (k < 0) {
                k = idx_find(&c->user_upn, m->upn);
            }
            u = k < 0 ? NULL : &db->users[k];
        }
        const char *upn = m && m->upn ? m->upn : u ? u->upn : NULL;
        if (!upn || (u && u->guest) || (u && u->enabled == 0 && !(m && m->no_signin)) ||
            (!m && !u->licensed)) {
            continue;
        }
        const char *why;
        if (audit_of(c, u, m, &why) == 0) {
            c->unaudit[c->n_unaudit++] = (struct unaudit){upn, why};
        }
    }
    /* Bypassed accounts without a mailbox in the Get-Mailbox output (service accounts), by
     * their identity or name: what they read is never logged either. */
    for (size_t i = 0; i < db->n_bypasses; i++) {
        const struct m365_snap_bypass *b = &db->bypasses[i];
        bool found = false;
        for (size_t k = 0; k < db->n_mbxs && !found; k++) {
            found = m365_snapshot_bypass_matches(b, &db->mbxs[k]);
        }
        const char *who = b->identity ? b->identity : b->name;
        if (b->enabled == 1 && !found && who) {
            c->unaudit[c->n_unaudit++] = (struct unaudit){who, "audit bypass"};
        }
    }
    m365_qsort(c->unaudit, c->n_unaudit, sizeof(*c->unaudit), cmp_unaudit);
    return 0;
}

/* Application permissions per service principal, from the assignments whose principal it is. */
static int build_sp(struct m365_snap_ctx *c)
{
    const struct m365_snap_db *db = c->db;
    c->sp = calloc(db->n_sps ? db->n_sps : 1, sizeof(*c->sp));
    struct idx by_principal;
    if (!c->sp || idx_alloc(&by_principal, db->n_assigns) != 0) {
        return -1;
    }
    for (size_t i = 0; i < db->n_assigns; i++) {
        const struct m365_snap_assign *a = &db->assigns[i];
        /* appRoleAssignedTo pages also list users and groups: only service principals count. */
        if (!a->principal_type || m365_ieq(a->principal_type, "ServicePrincipal")) {
            idx_add(&by_principal, a->principal, i);
        }
    }
    m365_qsort(by_principal.v, by_principal.n, sizeof(struct key), cmp_key);
    for (size_t s = 0; s < db->n_sps; s++) {
        const char *id = db->sps[s].id;
        struct sp_info *si = &c->sp[s];
        if (!id) {
            continue;
        }
        size_t lo = 0, hi = by_principal.n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(by_principal.v[mid].k, id) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for (; lo < by_principal.n && strcmp(by_principal.v[lo].k, id) == 0; lo++) {
            const struct m365_snap_assign *a = &db->assigns[by_principal.v[lo].i];
            const struct m365_permission *p = m365_snap_assign_perm(a);
            if (!p) {
                continue;
            }
            si->cls |= p->cls;
            bool dup = false;
            for (size_t k = 0; k < si->n_roles && !dup; k++) {
                dup = strcmp(si->roles[k], p->value) == 0;
            }
            if (!dup && si->n_roles < sizeof(si->roles) / sizeof(si->roles[0])) {
                si->roles[si->n_roles++] = p->value;
            }
        }
    }
    free(by_principal.v);
    return 0;
}

enum m365_status m365_snap_ctx_new(struct m365_snap_ctx **out, const struct m365_snapshot *s)
{
    *out = NULL;
    struct m365_snap_ctx *c = calloc(1, sizeof(*c));
    if (!c) {
        return M365_E_NOMEM;
    }
    const struct m365_snap_db *db = m365_snapshot_db(s);
    c->db = db;
    c->home = m365_snapshot_home_tenant(s);
    c->as_of = m365_snapshot_counts(s).as_of_ms;
    int rc = idx_alloc(&c->user_upn, db->n_users) | idx_alloc(&c->user_id, db->n_users) |
             idx_alloc(&c->mbx_upn, db->n_mbxs) | idx_alloc(&c->mbx_id, db->n_mbxs) |
             idx_alloc(&c->sp_app, db->n_sps) | idx_alloc(&c->sp_id, db->n_sps);
    if (rc != 0) {
        m365_snap_ctx_free(c);
        return M365_E_NOMEM;
    }
    for (size_t i = 0; i < db->n_users; i++) {
        idx_add(&c->user_upn, db->users[i].upn, i);
        idx_add(&c->user_id, db->users[i].id, i);
    }
    for (size_t i = 0; i < db->n_mbxs; i++) {
        idx_add(&c->mbx_upn, db->mbxs[i].upn, i);
        idx_add(&c->mbx_id, db->mbxs[i].ext_id, i);
    }
    for (size_t i = 0; i < db->n_sps; i++) {
        idx_add(&c->sp_app, db->sps[i].app_id, i);
        idx_add(&c->sp_id, db->sps[i].id, i);
    }
    struct idx *all[] = {&c->user_upn, &c->user_id, &c->mbx_upn,
                         &c->mbx_id,   &c->sp_app,  &c->sp_id};
    for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
        m365_qsort(all[k]->v, all[k]->n, sizeof(struct key), cmp_key);
    }
    c->bypassed = calloc(db->n_mbxs ? db->n_mbxs : 1, sizeof(*c->bypassed));
    for (size_t b = 0; c->bypassed && b < db->n_bypasses; b++) {
        for (size_t k = 0; db->bypasses[b].enabled == 1 && k < db->n_mbxs; k++) {
            c->bypassed[k] = c->bypassed[k] || m365_snapshot_bypass_matches(&db->bypasses[b],
                                                                            &db->mbxs[k]);
        }
    }
    if (!c->bypassed || build_sp(c) != 0 || build_unaudit(c) != 0) {
        m365_snap_ctx_free(c);
        return M365_E_NOMEM;
    }
    *out = c;
    return M365_OK;
}

void m365_snap_ctx_free(struct m365_snap_ctx *c)
{
    if (!c) {
        return;
    }
    free(c->user_upn.v);
    free(c->user_id.v);
    free(c->mbx_upn.v);
    free(c->mbx_id.v);
    free(c->sp_app.v);
    free(c->sp_id.v);
    free(c->sp);
    free(c->bypassed);
    free(c->unaudit);
    free(c);
}

int64_t m365_snap_ctx_as_of(const struct m365_snap_ctx *c)
{
    return c->as_of;
}

const char *m365_snap_ctx_home_tenant(const struct m365_snap_ctx *c)
{
    return c->home;
}

bool m365_snap_ctx_account(const struct m365_snap_ctx *c, const char *upn_or_id,
                           struct m365_snap_account *out)
{
    char buf[512];
    const struct m365_snap_user *u = user_by(c, lower(upn_or_id, buf, sizeof(buf)));
    memset(out, 0, sizeof(*out));
    out->last = out->created = M365_TIME_NONE;
    out->enabled = M365_SNAP_UNSET;
    if (!u) {
        return false;
    }
    out->created = u->created;
    out->enabled = u->enabled;
    if (u->has_activity) {
        out->signin = u->last_signin == M365_TIME_NONE ? M365_SNAP_SIGNIN_NEVER
                                                        : M365_SNAP_SIGNIN_AT;
        out->last = u->last_signin;
    }
    return true;
}

const char *m365_snap_ctx_upn_of(const struct m365_snap_ctx *c, const char *id)
{
    char buf[128];
    const char *k = c ? lower(id, buf, sizeof(buf)) : NULL;
    long i = k ? idx_find(&c->user_id, k) : -1;
    if (i >= 0 && c->db->users[i].upn) {
        return c->db->users[i].upn;
    }
    i = k ? idx_find(&c->mbx_id, k) : -1; /* shared mailboxes: Get-Mailbox's directory id */
    return i >= 0 ? c->db->mbxs[i].upn : NULL;
}

bool m365_snap_ctx_app(const struct m365_snap_ctx *c, const char *app_or_sp_id,
                       struct m365_snap_app_info *out)
{
    char buf[128];
    const char *k = lower(app_or_sp_id, buf, sizeof(buf));
    memset(out, 0, sizeof(*out));
    long i = idx_find(&c->sp_app, k);
    if (i < 0) {
        i = idx_find(&c->sp_id, k);
    }
    if (i < 0) {
        return false;
    }
    const struct sp_info *si = &c->sp[i];
    out->cls = si->cls;
    memcpy(out->roles, si->roles, si->n_roles * sizeof(*si->roles));
    out->n_roles = si->n_roles;
    out->owner = c->db->sps[i].owner;
    out->name = c->db->sps[i].name;
    return true;
}

int m365_snap_ctx_auditable(const struct m365_snap_ctx *c, const char *upn, const char **reason)
{
    char buf[512];
    const char *k = lower(upn, buf, sizeof(buf));
    const struct m365_snap_user *u = k ? user_by(c, k) : NULL;
    const struct m365_snap_mbx *m = k ? mbx_by(c, k, u ? u->id : NULL) : NULL;
    if (!u && m && m->ext_id) {
        u = user_by(c, m->ext_id);
    }
    *reason = NULL;
    if (!u && !m) {
        return -1;
    }
    return audit_of(c, u, m, reason);
}

size_t m365_snap_ctx_n_unauditable(const struct m365_snap_ctx *c)
{
    return c->n_unaudit;
}

void m365_snap_ctx_unauditable(const struct m365_snap_ctx *c, size_t i, const char **upn,
                               const char **reason)
{
    *upn = i < c->n_unaudit ? c->unaudit[i].upn : NULL;
    *reason = i < c->n_unaudit ? c->unaudit[i].reason : NULL;
}
