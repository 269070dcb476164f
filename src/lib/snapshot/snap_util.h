/* Helpers shared by the snapshot readers (snap_read.c, snap_tenant.c). Strings are copied into
 * the database's arena. */
#ifndef M365_SNAP_UTIL_H
#define M365_SNAP_UTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../json/json.h"
#include "../readers/csv_rows.h"
#include "snap.h"

/* Short names for the shared helpers inside the snapshot readers. */
#define grow m365_snap_grow
#define warn m365_snap_warn
#define dup_lower m365_snap_dup
#define note_time m365_snap_note_time
#define parse_time m365_snap_parse_time
#define tri_text m365_snap_tri_text
#define jv_tri m365_snap_jv_tri
#define jv_dup m365_snap_jv_dup
#define jv_time m365_snap_jv_time
#define jv_is m365_snap_jv_is
#define present m365_snap_present
#define jv_text m365_snap_jv_text

/* Room for one more element of size `size` in p (capacity *cap, n used); NULL: out of memory. */
void *m365_snap_grow(void *p, size_t *cap, size_t n, size_t size);
void m365_snap_warn(struct m365_snap_db *db, const char *path, uint64_t line, const char *field,
                    const char *msg);
/* Trimmed copy (lower-cased when asked); NULL when empty. */
const char *m365_snap_dup(struct m365_snap_db *db, const char *s, size_t len, bool lower);
void m365_snap_note_time(struct m365_snap_db *db, int64_t t);
int64_t m365_snap_parse_time(const char *s, size_t len);
int m365_snap_tri_text(const char *s, size_t len);
int m365_snap_jv_tri(struct m365_jv v);
const char *m365_snap_jv_dup(struct m365_snap_db *db, struct m365_jv v, bool lower);
int64_t m365_snap_jv_time(struct m365_jv v);
bool m365_snap_jv_is(struct m365_jv v, const char *text);
bool m365_snap_present(struct m365_jv v);
/* A member's value as text: strings, booleans and numbers (into tmp), {"Value": …} and
 * {"Name": …} unwrapped. */
void m365_snap_jv_text(struct m365_jv v, const char **s, size_t *n, char *tmp, size_t tmpsz);

/* One Exchange object, from ConvertTo-Json or from an Export-Csv row. */
struct m365_snap_rec {
    struct m365_jv o;                  /* JSON object, when row is NULL */
    const struct m365_csv_row *row;    /* CSV row */
    const struct m365_csv_field *head; /* CSV header cells */
    size_t n_head;
};
/* The text of field `name` (NULL, 0 when absent or empty). */
/* Whether the object has the member, or the CSV header the column (even when empty here). */
bool m365_snap_rec_has(const struct m365_snap_rec *r, const char *name);
void m365_snap_rec_get(const struct m365_snap_rec *r, const char *name, const char **s, size_t *n,
                       char *tmp, size_t tmpsz);

/* Why an object was not used: the member at fault and the reason (static strings). */
struct m365_snap_why {
    const char *field, *msg;
};

/* Object parsers of snap_tenant.c: 0 taken, 1 not usable (*why says why; the caller warns and
 * counts it as skipped), -1 out of memory. */
int m365_snap_add_app(struct m365_snap_db *db, struct m365_jv o, struct m365_snap_why *why);
/* directoryRoles?$expand=members (one role, its members) or a roleAssignment. */
int m365_snap_add_dirrole(struct m365_snap_db *db, struct m365_jv o, struct m365_snap_why *why);
int m365_snap_add_ca(struct m365_snap_db *db, struct m365_jv o, struct m365_snap_why *why);
int m365_snap_add_domain(struct m365_snap_db *db, struct m365_jv o, struct m365_snap_why *why);
/* page_domain: the domain named by the page's @odata.context, NULL when none. */
int m365_snap_add_fed(struct m365_snap_db *db, struct m365_jv o, const char *page_domain,
                      struct m365_snap_why *why);
int m365_snap_add_bypass(struct m365_snap_db *db, const struct m365_snap_rec *r,
                         struct m365_snap_why *why);
int m365_snap_add_mra(struct m365_snap_db *db, const struct m365_snap_rec *r,
                      struct m365_snap_why *why);
/* snap_access.c: subscribedSkus, owners (one, or a $expand=owners array: *bad counts the
 * owners left out), Get-Mailbox's audit lists. */
int m365_snap_add_sku(struct m365_snap_db *db, struct m365_jv o, struct m365_snap_why *why);
int m365_snap_add_owner(struct m365_snap_db *db, struct m365_jv o, const char *of, bool of_app,
                        struct m365_snap_why *why);
int m365_snap_add_owners_of(struct m365_snap_db *db, struct m365_jv arr, const char *of,
                            bool of_app, size_t *bad);
/* Whether the skuId (lower-case) is one of the built-in E5 SKUs that carry Audit (Premium). */
bool m365_snap_known_audit_sku(const char *sku);
/* Get-Mailbox AuditAdmin / AuditDelegate / AuditOwner (index 0, 1, 2) and DefaultAuditSet. */
struct m365_snap_mbx_lists {
    int has_mia[3];      /* the list holds MailItemsAccessed: -1 not exported, 0, 1 */
    int deflt;           /* DefaultAuditSet: -1 not exported, 0 exported */
    unsigned deflt_bits; /* M365_LOGON_* on DefaultAuditSet */
};
/* Whether a list (JSON array or string, or CSV text when text is set) holds word: -1 when the
 * JSON member is absent or null. */
int m365_snap_list_has(struct m365_jv v, const char *text, size_t text_n, const char *word);
/* Whether CSV text is a .NET type name (a list Export-Csv wrote without its values). */
bool m365_snap_type_name(const char *s, size_t n);
void m365_snap_default_set(struct m365_snap_mbx_lists *l, struct m365_jv v, const char *text,
                           size_t text_n, bool given);
const char *m365_snap_audit_list_name(int k); /* "AuditAdmin", "AuditDelegate", "AuditOwner" */
/* -1 out of memory. */
int m365_snap_mia_removed(struct m365_snap_db *db, const struct m365_snap_mbx_lists *l,
                          unsigned *bits, const char **reason);
/* An object's @odata.type without its namespace ("#microsoft.graph.servicePrincipal" gives
 * "servicePrincipal"), copied into the arena; NULL when absent. */
const char *m365_snap_odata_type(struct m365_snap_db *db, struct m365_jv o);

/* The domain in an @odata.context such as "…$metadata#domains('contoso.com')/federation…",
 * lower-cased into the arena; NULL when there is none. */
const char *m365_snap_context_domain(struct m365_snap_db *db, struct m365_jv obj);
/* Decodes a base64 DER certificate (subject, issuer, SHA-1 thumbprint, validity). */
void m365_snap_cert_decode(struct m365_snap_db *db, const char *b64, size_t len,
                           struct m365_snap_cert *c);
/* The credentials of a keyCredentials / passwordCredentials pair into the arena. */
int m365_snap_add_creds(struct m365_snap_db *db, struct m365_jv keys, struct m365_jv pwds,
                        struct m365_snap_cred **out, size_t *n_out);
#endif
