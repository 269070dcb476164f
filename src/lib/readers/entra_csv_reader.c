/* Microsoft Entra admin center "Download" CSV files: the sign-in logs (InteractiveSignIns_…,
 * NonInteractiveSignIns_…, ApplicationSignIns_…, MSISignIns_…) and the audit logs
 * (AuditLogs_…). Each row becomes the Graph object it was flattened from (a signIn or a
 * directoryAudit) and goes to the mapper that reads Graph pages, so both shapes give the same
 * event. Columns are found by name, never by position: the portal adds columns over the years.
 * Portal quirks: names with a trailing space ("Application ID ") or a double one ("Autonomous
 * system  number"), "Incoming token type" twice, words where Graph has camelCase ("Single-factor
 * authentication", "Not Applied"), one "City, State, CC" Location cell, and audit targets spread
 * over numbered columns (Target1Type … Target3ModifiedProperty5NewValue,
 * AdditionalDetail6Key). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_out.h"
#include "../core/limits.h"
#include "../core/norm.h"
#include "csv_read.h"
#include "csv_rows.h"
#include "read_ctx.h"
#include "reader.h"

enum col_kind {
    K_NONE,
    K_KEY,       /* a top-level member: key */
    K_TIME,      /* Date (UTC) */
    K_STATUS,    /* Success / Failure / Interrupted */
    K_CODE,      /* Sign-in error code */
    K_REASON,    /* Failure reason */
    K_LOCATION,  /* City, State, CC */
    K_DEVICE,    /* deviceDetail.key */
    K_AUTH_REQ,  /* Authentication requirement */
    K_CA,        /* Conditional Access */
    K_MFA_METHOD,
    K_MFA_DETAIL,
    K_UA,        /* audit: User Agent, an additional detail in Graph */
    K_ACTOR,     /* audit: initiatedBy, part `sub` */
    K_TARGET,    /* audit: targetResources[t].key */
    K_PROP,      /* audit: targetResources[t].modifiedProperties[p].key */
    K_DETAIL,    /* audit: additionalDetails[t].key / value */
};

struct text {
    const char *s;
    size_t len;
};

enum actor_part { A_TYPE, A_NAME, A_ID, A_UPN, A_IP, A_SP_ID, A_SP_NAME, A__COUNT };

struct col {
    uint8_t kind;
    uint8_t sub;   /* actor part */
    uint16_t t, p; /* target / detail number, property number (from 1) */
    const char *key;
};

struct name_map {
    const char *name;
    uint8_t kind;
    const char *key;
};

/* Sign-in columns (the Interactive, Application and Managed identity downloads). */
static const struct name_map signin_names[] = {
    {"Date (UTC)", K_TIME, "createdDateTime"},
    {"Request ID", K_KEY, "id"},
    {"User agent", K_KEY, "userAgent"},
    {"Correlation ID", K_KEY, "correlationId"},
    {"User ID", K_KEY, "userId"},
    {"User", K_KEY, "userDisplayName"},
    {"Username", K_KEY, "userPrincipalName"},
    {"User type", K_KEY, "userType"},
    {"Cross tenant access type", K_KEY, "crossTenantAccessType"},
    {"Incoming token type", K_KEY, "incomingTokenType"},
    {"Authentication Protocol", K_KEY, "authenticationProtocol"},
    {"Unique token identifier", K_KEY, "uniqueTokenIdentifier"},
    {"Original transfer method", K_KEY, "originalTransferMethod"},
    {"Client credential type", K_KEY, "clientCredentialType"},
    {"Application", K_KEY, "appDisplayName"},
    {"Application ID", K_KEY, "appId"},
    {"App owner tenant ID", K_KEY, "appOwnerTenantId"},
    {"Resource", K_KEY, "resourceDisplayName"},
    {"Resource ID", K_KEY, "resourceId"},
    {"Resource tenant ID", K_KEY, "resourceTenantId"},
    {"Resource owner tenant ID", K_KEY, "resourceOwnerTenantId"},
    {"Home tenant ID", K_KEY, "homeTenantId"},
    {"Home tenant name", K_KEY, "homeTenantName"},
    {"IP address", K_KEY, "ipAddress"},
    {"Location", K_LOCATION, NULL},
    {"Status", K_STATUS, NULL},
    {"Sign-in error code", K_CODE, NULL},
    {"Failure reason", K_REASON, NULL},
    {"Client app", K_KEY, "clientAppUsed"},
    {"Device ID", K_DEVICE, "deviceId"},
    {"Browser", K_DEVICE, "browser"},
    {"Operating System", K_DEVICE, "operatingSystem"},
    {"Join Type", K_DEVICE, "trustType"},
    {"Multifactor authentication auth method", K_MFA_METHOD, NULL},
    {"Multifactor authentication auth detail", K_MFA_DETAIL, NULL},
    {"Authentication requirement", K_AUTH_REQ, NULL},
    {"Sign-in identifier", K_KEY, "signInIdentifier"},
    {"Session ID", K_KEY, "sessionId"},
    {"IP address (seen by resource)", K_KEY, "ipAddressFromResourceProvider"},
    {"Autonomous system number", K_KEY, "autonomousSystemNumber"},
    {"Flagged for review", K_KEY, "flaggedForReview"},
    {"Token issuer type", K_KEY, "tokenIssuerType"},
    {"Token issuer name", K_KEY, "tokenIssuerName"},
    {"Latency", K_KEY, "processingTimeInMilliseconds"},
    {"Conditional Access", K_CA, NULL},
    {"Managed Identity type", K_KEY, "managedIdentityType"},
    {"Service principal ID", K_KEY, "servicePrincipalId"},
    {"Service principal name", K_KEY, "servicePrincipalName"},
    {"Credential key ID", K_KEY, "servicePrincipalCredentialKeyId"},
    {"Credential thumbprint", K_KEY, "servicePrincipalCredentialThumbprint"},
};

/* Audit log columns past the numbered targets and details. */
static const struct name_map audit_names[] = {
    {"Date (UTC)", K_TIME, "activityDateTime"},
    {"Id", K_KEY, "id"},
    {"CorrelationId", K_KEY, "correlationId"},
    {"Service", K_KEY, "loggedByService"},
    {"Category", K_KEY, "category"},
    {"Activity", K_KEY, "activityDisplayName"},
    {"Result", K_KEY, "result"},
    {"ResultReason", K_KEY, "resultReason"},
    {"User Agent", K_UA, NULL},
    {"ActorType", K_ACTOR, "type"},
    {"ActorDisplayName", K_ACTOR, "displayName"},
    {"ActorObjectId", K_ACTOR, "id"},
    {"ActorUserPrincipalName", K_ACTOR, "userPrincipalName"},
    {"IPAddress", K_ACTOR, "ipAddress"},
    {"ActorServicePrincipalId", K_ACTOR, "servicePrincipalId"},
    {"ActorServicePrincipalName", K_ACTOR, "servicePrincipalName"},
};
static const char *const actor_keys[A__COUNT] = {
    "type", "displayName", "id", "userPrincipalName", "ipAddress", "servicePrincipalId",
    "servicePrincipalName"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Targets and details beyond these numbers are not read (the portal writes 3, 5 and 6). */
#define MAX_TARGETS 16u
#define MAX_PROPS 64u
#define MAX_DETAILS 64u

/* A header name as the portal means it: no BOM, no surrounding space, one space between words.
 * Returns the length written to out (0 when it does not fit). */
static size_t canon(const char *s, size_t len, char *out, size_t cap)
{
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        len -= 3;
    }
    size_t n = 0;
    bool space = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = n > 0;
            continue;
        }
        if (n + (space ? 2 : 1) >= cap) {
            return 0;
        }
        if (space) {
            out[n++] = ' ';
            space = false;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return n;
}

/* Reads a number of 1..max at *s (advanced past it); 0 when there is none or it is too large. */
static unsigned number(const char **s, unsigned max)
{
    unsigned v = 0;
    const char *p = *s;
    while (*p >= '0' && *p <= '9' && v <= max) {
        v = v * 10 + (unsigned)(*p - '0');
        p++;
    }
    if (p == *s || v == 0 || v > max) {
        return 0;
    }
    *s = p;
    return v;
}

/* TargetN… / AdditionalDetailN… audit columns. */
static bool numbered(const char *name, struct col *c)
{
    static const char *const target_keys[][2] = {{"Type", "type"},
                                                  {"DisplayName", "displayName"},
                                                  {"ObjectId", "id"},
                                                  {"UserPrincipalName", "userPrincipalName"}};
    static const char *const prop_keys[][2] = {
        {"Name", "displayName"}, {"OldValue", "oldValue"}, {"NewValue", "newValue"}};
    const char *p = name;
    if (m365_istarts(p, "Target")) {
        p += 6;
        unsigned t = number(&p, MAX_TARGETS);
        if (!t) {
            return false;
        }
        c->t = (uint16_t)t;
        for (size_t k = 0; k < COUNT(target_keys); k++) {
            if (m365_ieq(p, target_keys[k][0])) {
                c->kind = K_TARGET;
                c->key = target_keys[k][1];
                return true;
            }
        }
        if (!m365_istarts(p, "ModifiedProperty")) {
            return false;
        }
        p += 16;
        unsigned m = number(&p, MAX_PROPS);
        if (!m) {
            return false;
        }
        c->p = (uint16_t)m;
        for (size_t k = 0; k < COUNT(prop_keys); k++) {
            if (m365_ieq(p, prop_keys[k][0])) {
                c->kind = K_PROP;
                c->key = prop_keys[k][1];
                return true;
            }
        }
        return false;
    }
    if (m365_istarts(p, "AdditionalDetail")) {
        p += 16;
        unsigned d = number(&p, MAX_DETAILS);
        if (!d) {
            return false;
        }
        c->t = (uint16_t)d;
        if (m365_ieq(p, "Key") || m365_ieq(p, "Value")) {
            c->kind = K_DETAIL;
            c->key = (p[0] == 'K' || p[0] == 'k') ? "key" : "value";
            return true;
        }
    }
    return false;
}

static const struct name_map *lookup(const struct name_map *map, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (m365_ieq(name, map[i].name)) {
            return &map[i];
        }
    }
    return NULL;
}

/* Which download a header is: sign-ins carry a Request ID or a Username, audits an Activity. */
enum file_kind { F_UNKNOWN, F_SIGNIN, F_AUDIT };

struct kind_votes {
    bool date, signin, audit;
    bool user, service_principal; /* Username, Service principal ID */
};

static void vote(struct kind_votes *v, const char *name)
{
    v->user |= m365_ieq(name, "Username");
    v->service_principal |= m365_ieq(name, "Service principal ID");
    if (m365_ieq(name, "Date (UTC)")) {
        v->date = true;
    } else if (m365_ieq(name, "Request ID") || m365_ieq(name, "Username") ||
               m365_ieq(name, "Service principal ID") || m365_ieq(name, "Sign-in error code")) {
        v->signin = true;
    } else if (m365_ieq(name, "Activity") || m365_ieq(name, "ActorType") ||
               m365_ieq(name, "Target1Type")) {
        v->audit = true;
    }
}

static enum file_kind kind_of(const struct kind_votes *v)
{
    if (!v->date || v->signin == v->audit) {
        return F_UNKNOWN;
    }
    return v->signin ? F_SIGNIN : F_AUDIT;
}

struct entra_csv {
    enum file_kind kind;
    enum m365_log_source src;   /* sign-ins: from the file name */
    struct col *cols;
    size_t n_cols;
    unsigned max_prop; /* the last ModifiedProperty number the header has */
    uint64_t n_rows; /* rows handed to the mapper */
    long time_col;   /* Date (UTC), -1 when absent */
    uint64_t full_rows, full_first; /* audit rows whose last property columns are all used */
    struct m365_buf b;
    /* Per row: the cells of the columns that become nested objects. */
    const struct m365_csv_field **cell; /* by column */
    /* The numbered audit columns in the order their objects are written: targets by number,
     * each target's own cells, then its properties by number; details by number, key first. */
    size_t *order;
    size_t n_order;
};

/* The portal names each sign-in download after its tab; a renamed file is read as interactive
 * (the tab the portal opens on) and said so once. Letters and digits of the name only, so that
 * "Application-SignIns" or "msi_signins" count too. */
static enum m365_log_source source_from_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char name[256];
    size_t n = 0;
    for (; *base && n + 1 < sizeof(name); base++) {
        char c = *base;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            name[n++] = c;
        } else if (c >= 'A' && c <= 'Z') {
            name[n++] = (char)(c + 32);
        }
    }
    name[n] = '\0';
    if (strstr(name, "noninteractive")) {
        return M365_LOG_SIGNIN_NONINTERACTIVE;
    }
    if (strstr(name, "interactive")) {
        return M365_LOG_SIGNIN;
    }
    if (strstr(name, "applicationsignin") || strstr(name, "serviceprincipal")) {
        return M365_LOG_SIGNIN_SERVICE_PRINCIPAL;
    }
    if (strstr(name, "msisignin") || strstr(name, "managedidentit")) {
        return M365_LOG_SIGNIN_MANAGED_IDENTITY;
    }
    return M365_LOG_UNKNOWN;
}

/* Sort key of a numbered audit column: details after targets; by number; a target's own cells
 * before its properties, a property's name before its values, a detail's key before its value. */
static uint64_t order_key(const struct col *c)
{
    uint64_t group = c->kind == K_DETAIL ? 1 : 0;
    uint64_t field = c->kind == K_PROP ? 1 : 0;
    uint64_t sub = c->key[0] == 'd' || c->key[0] == 'k' ? 0 : 1; /* displayName / key first */
    return group << 40 | (uint64_t)c->t << 24 | field << 23 | (uint64_t)c->p << 8 | sub << 7;
}

struct order_item {
    uint64_t key;
    size_t col;
};

static int order_cmp(const void *a, const void *b)
{
    const struct order_item *x = a, *y = b;
    if (x->key != y->key) {
        return x->key < y->key ? -1 : 1;
    }
    return x->col < y->col ? -1 : x->col > y->col;
}

static int order_numbered(struct entra_csv *st)
{
    struct order_item *items = calloc(st->n_cols ? st->n_cols : 1, sizeof(*items));
    st->order = calloc(st->n_cols ? st->n_cols : 1, sizeof(*st->order));
    if (!items || !st->order) {
        free(items);
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < st->n_cols; i++) {
        const struct col *c = &st->cols[i];
        if (c->kind == K_TARGET || c->kind == K_PROP || c->kind == K_DETAIL) {
            items[n].key = order_key(c);
            items[n].col = i;
            n++;
        }
    }
    qsort(items, n, sizeof(*items), order_cmp);
    for (size_t k = 0; k < n; k++) {
        st->order[k] = items[k].col;
    }
    st->n_order = n;
    free(items);
    return 0;
}

static const char *entra_header(void *user, struct m365_read_ctx *ctx,
                                const struct m365_csv_row *row)
{
    struct entra_csv *st = user;
    char name[96];
    struct kind_votes v = {false, false, false, false, false};
    for (size_t i = 0; i < row->n; i++) {
        if (canon(row->fields[i].s, row->fields[i].len, name, sizeof(name))) {
            vote(&v, name);
        }
    }
    st->kind = kind_of(&v);
    if (st->kind == F_UNKNOWN) {
        return "the header row is neither an Entra sign-in nor an audit log download "
               "(column names in another language? download again with the portal in English)";
    }
    st->cols = calloc(row->n ? row->n : 1, sizeof(*st->cols));
    st->cell = calloc(row->n ? row->n : 1, sizeof(*st->cell));
    if (!st->cols || !st->cell) {
        return "out of memory reading the csv header";
    }
    st->n_cols = row->n;
    for (size_t i = 0; i < row->n; i++) {
        struct col *c = &st->cols[i];
        if (!canon(row->fields[i].s, row->fields[i].len, name, sizeof(name))) {
            continue;
        }
        const struct name_map *m =
            st->kind == F_SIGNIN ? lookup(signin_names, COUNT(signin_names), name)
                                 : lookup(audit_names, COUNT(audit_names), name);
        if (m) {
            if (m->kind == K_TIME && st->time_col < 0) {
                st->time_col = (long)i;
            }
            c->kind = m->kind;
            c->key = m->key;
            if (m->kind == K_ACTOR) {
                for (uint8_t a = 0; a < A__COUNT; a++) {
                    if (strcmp(actor_keys[a], m->key) == 0) {
                        c->sub = a;
                    }
                }
            }
        } else if (st->kind == F_AUDIT && numbered(name, c)) {
            st->max_prop = c->p > st->max_prop ? c->p : st->max_prop;
        }
        /* A name the header has twice ("Incoming token type"): the first is read. */
        for (size_t j = 0; j < i && c->kind != K_NONE; j++) {
            const struct col *o = &st->cols[j];
            if (o->kind == c->kind && o->key == c->key && o->t == c->t && o->p == c->p) {
                c->kind = K_NONE;
            }
        }
    }
    if (st->kind == F_AUDIT && order_numbered(st) != 0) {
        return "out of memory reading the csv header";
    }
    if (st->kind == F_SIGNIN) {
        st->src = source_from_name(ctx->path);
        if (st->src == M365_LOG_UNKNOWN && v.service_principal && !v.user) {
            /* No user columns: the application download (a managed identity's reads so too). */
            st->src = M365_LOG_SIGNIN_SERVICE_PRINCIPAL;
        }
    }
    return NULL;
}

/* Cell i of the row as it is (Graph keeps a trailing space in some activity names); NULL when
 * absent or blank. */
static const char *cell_text(const struct m365_csv_row *row, size_t i, size_t *len)
{
    if (i >= row->n) {
        return NULL;
    }
    const char *s = row->fields[i].s;
    size_t n = row->fields[i].len;
    for (size_t k = 0; k < n; k++) {
        if (s[k] != ' ' && s[k] != '\t' && s[k] != '\r' && s[k] != '\n') {
            *len = n;
            return s;
        }
    }
    return NULL;
}

/* A cell without surrounding spaces, for the cells the reader parses. */
static struct text trim(struct text t)
{
    while (t.len && (t.s[0] == ' ' || t.s[0] == '\t')) {
        t.s++;
        t.len--;
    }
    while (t.len && (t.s[t.len - 1] == ' ' || t.s[t.len - 1] == '\t' || t.s[t.len - 1] == '\r')) {
        t.len--;
    }
    return t;
}

static void kv(struct m365_buf *b, int *first, const char *key, const char *v, size_t vlen)
{
    m365_json_key(b, first, key);
    m365_json_str(b, v, vlen);
}

static void kv_raw(struct m365_buf *b, int *first, const char *key, const char *raw)
{
    m365_json_key(b, first, key);
    m365_buf_puts(b, raw);
}

/* The opening brace of an array's next object. */
static void item(struct m365_buf *b, int *first)
{
    m365_buf_puts(b, *first ? "{" : ",{");
    *first = 0;
}

/* "City, State, CC" (or "City, CC", or "CC") as Graph's location object: the country after the
 * last comma, the city before the first, the state between (it may hold a comma itself). */
static void put_location(struct m365_buf *b, int *first, struct text t)
{
    const char *end = t.s + t.len;
    const char *c1 = memchr(t.s, ',', t.len);
    const char *c2 = c1;
    for (const char *p = c1; p; p = memchr(p + 1, ',', (size_t)(end - p - 1))) {
        c2 = p;
    }
    m365_json_key(b, first, "location");
    m365_buf_putc(b, '{');
    int f = 1;
    if (!c1) {
        kv(b, &f, t.len <= 3 ? "countryOrRegion" : "city", t.s, t.len);
    } else {
        struct text city = trim((struct text){t.s, (size_t)(c1 - t.s)}),
                    country = trim((struct text){c2 + 1, (size_t)(end - c2 - 1)});
        if (city.len) {
            kv(b, &f, "city", city.s, city.len);
        }
        if (c2 != c1) {
            struct text state = trim((struct text){c1 + 1, (size_t)(c2 - c1 - 1)});
            if (state.len) {
                kv(b, &f, "state", state.s, state.len);
            }
        }
        if (country.len) {
            kv(b, &f, "countryOrRegion", country.s, country.len);
        }
    }
    m365_buf_putc(b, '}');
}

/* The portal's words for Graph's enumeration values. */
static void put_enum(struct m365_buf *b, int *first, const char *key, struct text t)
{
    static const char *const words[][2] = {
        {"Single-factor authentication", "singleFactorAuthentication"},
        {"Multifactor authentication", "multiFactorAuthentication"},
        {"Multi-factor authentication", "multiFactorAuthentication"},
        {"Not Applied", "notApplied"},
        {"Success", "success"},
        {"Failure", "failure"},
    };
    for (size_t i = 0; i < COUNT(words); i++) {
        if (m365_ieqn(t.s, t.len, words[i][0])) {
            kv(b, first, key, words[i][1], strlen(words[i][1]));
            return;
        }
    }
    kv(b, first, key, t.s, t.len);
}

static void build_signin(struct entra_csv *st, const struct m365_csv_row *row)
{
    struct m365_buf *b = &st->b;
    int first = 1;
    struct text status = {0}, code = {0}, reason = {0}, loc = {0}, method = {0}, detail = {0};
    struct text dev_text[8];
    const char *dev_key[8];
    size_t n_dev = 0;
    m365_buf_putc(b, '{');
    for (size_t i = 0; i < st->n_cols; i++) {
        const struct col *c = &st->cols[i];
        size_t len;
        const char *s = c->kind == K_NONE ? NULL : cell_text(row, i, &len);
        if (!s) {
            continue;
        }
        struct text t = trim((struct text){s, len});
        switch (c->kind) {
        case K_KEY:
        case K_TIME:
            kv(b, &first, c->key, s, len);
            break;
        case K_STATUS: status = t; break;
        case K_CODE: code = t; break;
        case K_REASON: reason = t; break;
        case K_LOCATION: loc = t; break;
        case K_MFA_METHOD: method = t; break;
        case K_MFA_DETAIL: detail = t; break;
        case K_AUTH_REQ: put_enum(b, &first, "authenticationRequirement", t); break;
        case K_CA: put_enum(b, &first, "conditionalAccessStatus", t); break;
        case K_DEVICE:
            if (n_dev < COUNT(dev_key)) {
                dev_key[n_dev] = c->key;
                dev_text[n_dev++] = t;
            }
            break;
        default:
            break;
        }
    }
    if (st->src != M365_LOG_UNKNOWN) {
        kv_raw(b, &first, "isInteractive", st->src == M365_LOG_SIGNIN ? "true" : "false");
    }
    bool ok = status.s && m365_ieqn(status.s, status.len, "Success");
    if (code.s || reason.s || ok) {
        m365_json_key(b, &first, "status");
        m365_buf_putc(b, '{');
        int f = 1;
        if (code.s) {
            kv(b, &f, "errorCode", code.s, code.len);
        } else if (ok) {
            kv_raw(b, &f, "errorCode", "0"); /* the portal leaves a success's code blank */
        }
        if (reason.s) {
            kv(b, &f, "failureReason", reason.s, reason.len);
        }
        m365_buf_putc(b, '}');
    }
    if (loc.s) {
        put_location(b, &first, loc);
    }
    if (n_dev) {
        m365_json_key(b, &first, "deviceDetail");
        m365_buf_putc(b, '{');
        int f = 1;
        for (size_t k = 0; k < n_dev; k++) {
            kv(b, &f, dev_key[k], dev_text[k].s, dev_text[k].len);
        }
        m365_buf_putc(b, '}');
    }
    if (method.s) {
        /* One step: the method the download names, which satisfied a sign-in that succeeded. */
        m365_json_key(b, &first, "authenticationDetails");
        m365_buf_puts(b, "[{");
        int f = 1;
        kv(b, &f, "authenticationMethod", method.s, method.len);
        if (detail.s) {
            kv(b, &f, "authenticationMethodDetail", detail.s, detail.len);
        }
        kv_raw(b, &f, "succeeded", ok ? "true" : "false");
        m365_buf_puts(b, "}]");
    }
    m365_buf_putc(b, '}');
}

/* Ends a target object: its property list (an empty one when none was opened: fl < 0) and the
 * open property (open_p). */
static void close_target(struct m365_buf *b, int *fk, int fl, unsigned open_p)
{
    if (fl < 0) {
        m365_json_key(b, fk, "modifiedProperties");
        m365_buf_putc(b, '[');
    } else if (open_p) {
        m365_buf_putc(b, '}');
    }
    m365_buf_puts(b, "]}");
}

/* A target's or a detail's cells: the objects are written in number order, each with the cells
 * it has, and one with none is left out. */
static void build_audit(struct entra_csv *st, const struct m365_csv_row *row)
{
    struct m365_buf *b = &st->b;
    int first = 1;
    struct text actor[A__COUNT];
    memset(actor, 0, sizeof(actor));
    struct text ua = {0};
    m365_buf_putc(b, '{');
    for (size_t i = 0; i < st->n_cols; i++) {
        const struct col *c = &st->cols[i];
        size_t len;
        const char *s = c->kind == K_NONE ? NULL : cell_text(row, i, &len);
        st->cell[i] = NULL;
        if (!s) {
            continue;
        }
        switch (c->kind) {
        case K_KEY:
        case K_TIME:
            kv(b, &first, c->key, s, len);
            break;
        case K_UA:
            ua = (struct text){s, len};
            break;
        case K_ACTOR:
            actor[c->sub] = trim((struct text){s, len});
            break;
        default:
            st->cell[i] = &row->fields[i]; /* a target's or a detail's */
            break;
        }
    }
    /* Who acted: a user when the row names one, else the application. */
    bool app = !actor[A_UPN].s &&
               (actor[A_SP_ID].s || actor[A_SP_NAME].s ||
                (actor[A_TYPE].s && (m365_ieqn(actor[A_TYPE].s, actor[A_TYPE].len, "Application") ||
                                     m365_ieqn(actor[A_TYPE].s, actor[A_TYPE].len,
                                               "ServicePrincipal"))));
    if (actor[A_UPN].s || actor[A_ID].s || actor[A_NAME].s || app) {
        m365_json_key(b, &first, "initiatedBy");
        m365_buf_puts(b, app ? "{\"app\":{" : "{\"user\":{");
        int f = 1;
        if (app) {
            struct text id = actor[A_SP_ID].s ? actor[A_SP_ID] : actor[A_ID];
            struct text nm = actor[A_NAME].s ? actor[A_NAME] : actor[A_SP_NAME];
            if (id.s) {
                kv(b, &f, "servicePrincipalId", id.s, id.len);
            }
            if (nm.s) {
                kv(b, &f, "displayName", nm.s, nm.len);
            }
            if (actor[A_SP_NAME].s) {
                kv(b, &f, "servicePrincipalName", actor[A_SP_NAME].s, actor[A_SP_NAME].len);
            }
        } else {
            for (int a = A_NAME; a <= A_UPN; a++) {
                if (actor[a].s) {
                    kv(b, &f, actor_keys[a], actor[a].s, actor[a].len);
                }
            }
        }
        if (actor[A_IP].s) {
            kv(b, &f, "ipAddress", actor[A_IP].s, actor[A_IP].len);
        }
        m365_buf_puts(b, "}}");
    }
    /* Additional details, the User Agent column first among them, where Graph has it. */
    m365_json_key(b, &first, "additionalDetails");
    m365_buf_putc(b, '[');
    int fd = 1;
    if (ua.s) {
        item(b, &fd);
        int f = 1;
        kv(b, &f, "key", "User-Agent", 10);
        kv(b, &f, "value", ua.s, ua.len);
        m365_buf_putc(b, '}');
    }
    /* Which targets and details have a cell: an object with none is left out, a detail
     * without its key too. */
    bool target_used[MAX_TARGETS + 1] = {false}, detail_keyed[MAX_DETAILS + 1] = {false};
    for (size_t k = 0; k < st->n_order; k++) {
        const struct col *c = &st->cols[st->order[k]];
        if (!st->cell[st->order[k]]) {
            continue;
        }
        if (c->kind == K_DETAIL) {
            detail_keyed[c->t] |= c->key[0] == 'k';
        } else {
            target_used[c->t] = true;
        }
    }
    size_t k = 0; /* the first detail column: details are ordered after the targets */
    while (k < st->n_order && st->cols[st->order[k]].kind != K_DETAIL) {
        k++;
    }
    unsigned open_detail = 0;
    int fv = 1;
    for (size_t j = k; j < st->n_order; j++) {
        const struct col *c = &st->cols[st->order[j]];
        const struct m365_csv_field *v = st->cell[st->order[j]];
        if (!v || !detail_keyed[c->t]) {
            continue;
        }
        if (c->t != open_detail) {
            if (open_detail) {
                m365_buf_putc(b, '}');
            }
            item(b, &fd);
            open_detail = c->t;
            fv = 1;
        }
        kv(b, &fv, c->key, v->s, v->len);
    }
    if (open_detail) {
        m365_buf_putc(b, '}');
    }
    m365_buf_putc(b, ']');
    m365_json_key(b, &first, "targetResources");
    m365_buf_putc(b, '[');
    /* ft: targets in the list; fk: members of the open target; fl: properties in its list (-1
     * before the list is opened); fp: members of the open property. */
    unsigned open_t = 0, open_p = 0;
    int ft = 1, fk = 1, fl = -1, fp = 1;
    bool cut = false;
    for (size_t j = 0; j < k; j++) {
        const struct col *c = &st->cols[st->order[j]];
        const struct m365_csv_field *v = st->cell[st->order[j]];
        if (!target_used[c->t]) {
            continue;
        }
        if (c->t != open_t) {
            if (open_t) {
                close_target(b, &fk, fl, open_p);
            }
            item(b, &ft);
            open_t = c->t;
            open_p = 0;
            fk = 1;
            fl = -1;
        }
        if (c->kind == K_PROP && fl < 0) {
            m365_json_key(b, &fk, "modifiedProperties");
            m365_buf_putc(b, '[');
            fl = 1;
        }
        if (!v) {
            continue;
        }
        if (c->kind == K_TARGET) {
            kv(b, &fk, c->key, v->s, v->len);
            continue;
        }
        if (c->p != open_p) {
            if (open_p) {
                m365_buf_putc(b, '}');
            }
            item(b, &fl);
            open_p = c->p;
            fp = 1;
        }
        kv(b, &fp, c->key, v->s, v->len);
        cut |= c->p == st->max_prop && c->key[0] == 'd'; /* its last property columns in use */
    }
    if (open_t) {
        close_target(b, &fk, fl, open_p);
    }
    if (cut && st->full_rows++ == 0) {
        st->full_first = row->line;
    }
    m365_buf_puts(b, "]}");
}

static void entra_row(void *user, struct m365_read_ctx *ctx, const struct m365_csv_row *row)
{
    struct entra_csv *st = user;
    struct m365_buf *b = &st->b;
    size_t tl;
    const char *ts = st->time_col >= 0 ? cell_text(row, (size_t)st->time_col, &tl) : NULL;
    int64_t ms;
    if (ts && m365_time_parse(ts, tl, &ms) != 0) {
        /* Named here: the mapper would name Graph's member, not the download's column. */
        m365_ctx_skip(ctx, row->line, "Date (UTC)", "not a valid timestamp");
        return;
    }
    m365_buf_reset(b);
    if (st->kind == F_SIGNIN) {
        build_signin(st, row);
    } else {
        build_audit(st, row);
    }
    struct m365_jv root;
    if (m365_csv_row_json(ctx, row, b, &root) != 0) {
        return;
    }
    struct m365_jv none;
    memset(&none, 0, sizeof(none));
    st->n_rows++;
    if (st->kind == F_SIGNIN) {
        m365_map_entra_signin(ctx, root, none, st->src, row->line, row->offset, b->data, b->len);
    } else {
        m365_map_entra_audit(ctx, root, none, row->line, row->offset, b->data, b->len);
    }
}

static void entra_read(struct m365_read_ctx *ctx)
{
    static const struct m365_csv_reader r = {false, entra_header, entra_row};
    struct entra_csv st;
    memset(&st, 0, sizeof(st));
    st.src = M365_LOG_UNKNOWN;
    st.time_col = -1;
    m365_buf_init(&st.b, 0);
    m365_csv_read(ctx, &r, &st);
    if (st.kind == F_SIGNIN && st.src == M365_LOG_UNKNOWN && st.n_rows > 0) {
        m365_ctx_warning(ctx, 0, NULL,
                         "the file name does not say which sign-ins these are (the portal names "
                         "them InteractiveSignIns_…, NonInteractiveSignIns_…, "
                         "ApplicationSignIns_…, MSISignIns_…): user sign-ins read as "
                         "interactive");
    }
    if (st.full_rows) {
        m365_ctx_warning(ctx, st.full_first, NULL,
                         "%llu audit record(s) fill a target's last modified-property columns "
                         "(Target…ModifiedProperty%u): the download keeps no more, so any "
                         "later properties are not in the file (an app role grant's "
                         "ServicePrincipal.AppId among them); Graph, Log Analytics and the "
                         "storage account exports keep them all",
                         (unsigned long long)st.full_rows, st.max_prop);
    }
    free(st.cols);
    free(st.cell);
    free(st.order);
    m365_buf_free(&st.b);
}

static void sniff_cell(void *user, size_t index, const char *s, size_t len)
{
    (void)index;
    char name[96];
    if (canon(s, len, name, sizeof(name))) {
        vote(user, name);
    }
}

static int entra_sniff(const char *head, size_t len)
{
    if (m365_csv_head_is_json(head, len)) {
        return 0;
    }
    /* Every other CSV file is sniffed too: split its header only when it names "(UTC)" (on
     * its first line that is not blank). */
    size_t i = 0;
    while (i < len && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) {
        i++;
    }
    const char *eol = memchr(head + i, '\n', len - i);
    size_t end = eol ? (size_t)(eol - head) : len;
    bool utc = false;
    for (const char *p = head + i; !utc && (p = memchr(p, '(', end - (size_t)(p - head)));
         p++) {
        utc = end - (size_t)(p - head) >= 5 && memcmp(p, "(UTC)", 5) == 0;
    }
    if (!utc) {
        return 0;
    }
    struct kind_votes v = {false, false, false, false, false};
    if (m365_csv_first_row(head, len, false, sniff_cell, &v) < 0) {
        return 0;
    }
    /* Above la-csv, which an audit download's CorrelationId and Category also suggest. */
    return kind_of(&v) != F_UNKNOWN ? 90 : 0;
}

const struct m365_reader m365_reader_entra_csv = {
    "entra-csv",
    "Entra admin center CSV download",
    "Microsoft Entra admin center Sign-in logs / Audit logs \"Download\" as CSV "
    "(InteractiveSignIns_…, NonInteractiveSignIns_…, ApplicationSignIns_…, MSISignIns_…, "
    "AuditLogs_…)",
    entra_sniff,
    entra_read,
    false, /* a quoted cell may span lines: never split */
};
