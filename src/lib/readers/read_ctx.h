/* What a reader sees while reading one file: the decoded input, a JSON parser, diagnostics that
 * count skipped records, and a builder for the event of the current record.
 *
 * Record life cycle in a reader:
 *   struct m365_event *ev = m365_ev_begin(ctx, line, offset);
 *   ...fill ev fields with m365_ev_* setters...
 *   m365_ev_commit(ctx, raw, raw_len)            -> counted as parsed
 *   or m365_ev_skip(ctx, field, "why", …)        -> counted as skipped, with a diagnostic
 * A record that never reaches m365_ev_begin (framing errors) is skipped with m365_ctx_skip. */
#ifndef M365_READ_CTX_H
#define M365_READ_CTX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/arena.h"
#include "../core/buf.h"
#include "../core/intern.h"
#include "../io/input.h"
#include "../json/json.h"
#include "m365hunt/event.h"
#include "m365hunt/scan.h"

struct m365_scan;
struct m365_evb;
struct m365_read_unit;

struct m365_read_ctx {
    struct m365_scan *scan;
    struct m365_read_unit *unit; /* the file, or part of a file, being read: events, diagnostics */
    struct m365_input *in;
    const char *path; /* interned */
    uint32_t file_index;
    struct m365_file_stats *fs;
    struct m365_json *json;
    const struct m365_limits *lim;
    struct m365_intern *intern;
    struct m365_arena *arena; /* scan lifetime: event details (one per reading thread) */
    struct m365_detail_memo *details; /* the arena's thread's (m365_detail_memo_new); NULL:
                                       * every event's details are copied */
    bool force_lines;         /* a part of a JSON Lines file: frame by lines without looking */
    struct m365_evb *evb;
    uint16_t page_sources; /* bit per log source of the events kept since the last page */
    uint32_t n_diags; /* diagnostics emitted for this file */
    uint64_t n_untimed_reported;
    uint32_t ticks;
    /* A wrapper's name for the record's ClientAppId (Defender's AccountDisplayName), set
     * around m365_map_ual_wrapped; kept as the extra M365_CLIENT_NAME_EXTRA. */
    const char *client_name;
    size_t client_name_len;
};

/* What a reading thread remembers of the detail arrays it stored lately (folders, mail access,
 * targets, extended properties), so that an event whose array is the same as one of them shares
 * that copy. One per arena, used by one thread at a time; free it before or after its arena
 * (it only points into it). NULL when out of memory: nothing is shared then. */
struct m365_detail_memo;
struct m365_detail_memo *m365_detail_memo_new(void);
void m365_detail_memo_free(struct m365_detail_memo *m);

/* Diagnostics. m365_ctx_skip counts one skipped record. Messages are printf-formatted,
 * lower-case, without trailing period; after M365_MAX_DIAG_PER_FILE messages per file the rest
 * are counted and summarised once at the end of the file. */
void m365_ctx_skip(struct m365_read_ctx *ctx, uint64_t line, const char *field, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
void m365_ctx_warn(struct m365_read_ctx *ctx, uint64_t line, const char *field, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

/* A warning (shown without -v) about data ignored in a record that is still kept. */
void m365_ctx_warning(struct m365_read_ctx *ctx, uint64_t line, const char *field,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A record's text that is not UTF-8 but reads as Windows-1252 (m365_cp1252_likely), as UTF-8:
 * malloc'd, M365_JSON_PADDING zero bytes after its *out_len bytes; NULL for any other text (or
 * out of memory). The caller frees it, and calls m365_ctx_recoded when the record was read so
 * (the file's message counts them). */
char *m365_recode_cp1252(const char *p, size_t n, size_t *out_len);
void m365_ctx_recoded(struct m365_read_ctx *ctx);
/* A Search-UnifiedAuditLog row (ResultIndex, ResultCount), kept or skipped: the scan names an
 * export whose rows stop short of the count its search reported. */
void m365_ctx_search_result(struct m365_read_ctx *ctx, uint64_t index, uint64_t count);
/* A page of a paged API export read ({"value":[…]}), naming a next page ("@odata.nextLink") or
 * not, counted for the log sources of the records kept since the page before (page_sources):
 * the scan names an export of one log source whose every page names a next one. */
void m365_ctx_page(struct m365_read_ctx *ctx, bool names_next);

/* Progress: readers call this once per record; it reports to the scan every 4096 records. */
void m365_ctx_tick(struct m365_read_ctx *ctx);

/* Event under construction for the current record (zeroed, evidence filled in). */
struct m365_event *m365_ev_begin(struct m365_read_ctx *ctx, uint64_t line, uint64_t offset);
void m365_ev_commit(struct m365_read_ctx *ctx, const char *raw, size_t raw_len);
void m365_ev_skip(struct m365_read_ctx *ctx, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Strings: interned (repeated values) or copied; empty input gives NULL. */
const char *m365_ev_intern(struct m365_read_ctx *ctx, const char *s, size_t len);
const char *m365_ev_intern_lower(struct m365_read_ctx *ctx, const char *s, size_t len);
const char *m365_ev_copy(struct m365_read_ctx *ctx, const char *s, size_t len);
/* The record's id: copied, except a canonical GUID (nearly every id), which the event table
 * keeps as 16 bytes (event_pack.c) and so needs no copy of its own. */
const char *m365_ev_record_id(struct m365_read_ctx *ctx, const char *s, size_t len);

/* Setters that normalise. */
void m365_ev_set_operation(struct m365_read_ctx *ctx, const char *s, size_t len);
void m365_ev_set_ip(struct m365_read_ctx *ctx, const char *s, size_t len); /* keeps the first valid */
/* Returns 0, or -1 when the text is not a time (the caller decides whether to skip). */
int m365_ev_set_time(struct m365_read_ctx *ctx, const char *s, size_t len);

/* Repeated items; values are copied. Over M365_MAX_FIELD_ITEMS per record they are dropped. */
uint32_t m365_ev_add_target(struct m365_read_ctx *ctx, const char *type, size_t tlen,
                            const char *id, size_t ilen, const char *name, size_t nlen,
                            const char *upn, size_t ulen);
/* Old/new values are decoded once more when they hold JSON (see struct m365_modprop). */
void m365_ev_add_prop(struct m365_read_ctx *ctx, uint32_t target, const char *name, size_t nlen,
                      const char *oldv, size_t olen, const char *newv, size_t nwlen);
void m365_ev_add_param(struct m365_read_ctx *ctx, const char *name, size_t nlen, const char *v,
                       size_t vlen);
void m365_ev_add_extra(struct m365_read_ctx *ctx, const char *name, size_t nlen, const char *v,
                       size_t vlen);
struct m365_mail_access *m365_ev_mail(struct m365_read_ctx *ctx);
void m365_ev_add_folder(struct m365_read_ctx *ctx, const char *path, size_t plen, uint32_t n_items);

/* Look-ups into the record being built. */
uint32_t m365_ev_target_count(struct m365_read_ctx *ctx);
const char *m365_ev_find_extra(struct m365_read_ctx *ctx, const char *name); /* case-insensitive */
/* The wrapper's name for the client (ctx->client_name), as an extra of an event that has a
 * client_app_id and its kind; nothing otherwise. */
void m365_ev_add_client_name(struct m365_read_ctx *ctx);

void m365_evb_free(struct m365_evb *b);

/* --- JSON access for mappers --------------------------------------------------------------- */

/* First member present (and not null) among the keys, tried case-sensitively, then
 * case-insensitively. The key list ends with NULL: m365_jget(rec, "UserId", "UserIds", NULL).
 * A macro, so the keys reach m365_jget_keys as an array (a variadic call cost more than the
 * look-up it made, and mappers make dozens per record). */
#define m365_jget(obj, ...) m365_jget_keys((obj), (const char *const[]){__VA_ARGS__})
/* The same, the keys given as a NULL-terminated array. */
struct m365_jv m365_jget_keys(struct m365_jv obj, const char *const *keys);
/* The member named exactly key (null included), as m365_jv_get gives it, through the index. */
struct m365_jv m365_jget_exact(struct m365_jv obj, const char *key);
/* One pass over a record for a mapper that asks it for dozens of names (most of them absent):
 * each member is matched against the mapper's list of names once, instead of each name being
 * looked up. Answers are exactly m365_jget's and m365_jget_exact's on the same object.
 * A record whose keys are, byte for byte and in order, those of one of the last few records its
 * thread read with the same schema takes that record's matches: so a schema is static, never
 * freed while the process reads (the memory is keyed by its address).
 *
 *   static const char *const names[] = {"Operation", "UserId", ...};  (ids: their positions)
 *   static struct m365_jschema schema = M365_JSCHEMA_INIT(names);
 *   struct m365_jfields f;
 *   m365_jfields_read(&f, &schema, rec);
 *   m365_jfields_get(&f, (const int[]){ID_UserId, ID_UserIds, -1});
 */
#define M365_JSCHEMA_MAX 128u   /* names in one schema */
#define M365_JSCHEMA_SLOTS 256u /* twice that: short probe chains */
#define M365_JFIELDS_MEMBERS 64u /* members read in one pass; a bigger object is looked up */

struct m365_jschema {
    const char *const *names;
    size_t n;
    _Atomic int ready; /* the table below is built on first use */
    uint32_t hash[M365_JSCHEMA_MAX], len[M365_JSCHEMA_MAX];
    uint8_t slot[M365_JSCHEMA_SLOTS]; /* name id + 1, 0 empty */
};
#define M365_JSCHEMA_INIT(names) {(names), sizeof(names) / sizeof((names)[0]), 0, {0}, {0}, {0}}

struct m365_jfields {
    struct m365_jv obj;
    bool looked_up; /* too many members for one pass: answers come from m365_jget */
    const struct m365_jschema *schema;
    uint8_t exact[M365_JSCHEMA_MAX], folded[M365_JSCHEMA_MAX]; /* member index + 1, 0 none */
    struct m365_jmember mem[M365_JFIELDS_MEMBERS];
};

/* For a mapper's list of names as an X-macro, LIST(X) with X(Name) per name:
 *   #define U_ID(n) U_##n,
 *   enum ual_name { UAL_NAMES(U_ID) U_COUNT };
 *   static const char *const ual_names[] = {UAL_NAMES(M365_JNAME_STR)}; */
#define M365_JNAME_STR(n) #n,

void m365_jfields_read(struct m365_jfields *f, struct m365_jschema *schema, struct m365_jv obj);
/* m365_jget over the names with these ids (the list ends with -1). */
struct m365_jv m365_jfields_get(const struct m365_jfields *f, const int *ids);
/* m365_jget_exact of one name. */
struct m365_jv m365_jfields_exact(const struct m365_jfields *f, int id);
/* The text (m365_jtext) of the first name in the list (ends with -1) that has one, each name
 * looked up on its own (exact, then case-folded); false when none has. */
bool m365_jfields_text(struct m365_read_ctx *ctx, const struct m365_jfields *f, const int *ids,
                       const char **s, size_t *len);

/* Text of a scalar: strings as they are, numbers and booleans as JSON spells them.
 * False for absent, null, empty strings and containers. */
bool m365_jtext(struct m365_read_ctx *ctx, struct m365_jv v, const char **s, size_t *len);
/* A container, parsing a string value once more when it holds JSON ("dynamic" columns). A string
 * that is PowerShell's text for an object (ConvertTo-Json's depth limit) is noted for the file's
 * message. */
struct m365_jv m365_jnested(struct m365_read_ctx *ctx, struct m365_jv v);
/* m365_jnested for a list of objects, which also notes a list whose first element is
 * PowerShell's text for one: used where that is what the depth limit leaves (a sign-in's
 * authentication steps), not on every list of every record. */
struct m365_jv m365_jnested_list(struct m365_read_ctx *ctx, struct m365_jv v);
/* For a list element that should be an object: notes PowerShell's text for one cut by
 * ConvertTo-Json's depth limit ("@{Id=…; Path=\\Inbox; FolderItems=System.Object[]}"). Call it
 * where an element could not be read, not on every element. */
void m365_jnote_flattened(struct m365_read_ctx *ctx, struct m365_jv el);
/* Whether a value that is not valid JSON was cut at a spreadsheet cell's 32,767 characters (the
 * file was opened and saved in Excel): if so it is counted, and said once per file. line: the
 * record's, or 0 for the record being built. */
bool m365_ctx_cut(struct m365_read_ctx *ctx, uint64_t line, const char *s, size_t len);
/* Integer from a number or numeric string. */
bool m365_jint(struct m365_read_ctx *ctx, struct m365_jv v, int64_t *out);
/* Boolean from true/false, "True"/"FALSE"/"1"/"0". */
bool m365_jbool(struct m365_read_ctx *ctx, struct m365_jv v, bool *out);

/* Shared JSON driver: frame the stream into records and hand each object to map(), which
 * builds the event (m365_ev_begin … commit/skip). */
typedef void (*m365_json_map_fn)(struct m365_read_ctx *ctx, struct m365_jv root, uint64_t line,
                                 uint64_t offset, const char *raw, size_t raw_len);
void m365_json_read_all(struct m365_read_ctx *ctx, m365_json_map_fn map);

/* Mappers shared between formats (same objects, different containers). */
void m365_map_ual(struct m365_read_ctx *ctx, struct m365_jv rec, uint64_t line, uint64_t offset,
                  const char *raw, size_t raw_len);
/* A UAL record inside a collector's wrapper (a Graph audit log query record, a
 * Search-UnifiedAuditLog result): audit is the record (an object, or a string holding one). Each
 * stand-in with text is added as the record's member `key` when the record has neither `key` nor
 * `also` with text; with no record and no stand-in the record is skipped. */
#define M365_UAL_STAND_INS 12
struct m365_ual_stand_in {
    const char *key, *also;
    struct m365_jv val;
};
void m365_map_ual_wrapped(struct m365_read_ctx *ctx, struct m365_jv audit,
                          const struct m365_ual_stand_in *in, size_t n_in, uint64_t line,
                          uint64_t offset, const char *raw, size_t raw_len);
/* A Graph audit log query record (/security/auditLog/queries/{id}/records): its auditData with
 * the record's own fields standing in (docs/formats/graph-audit-json.md). */
void m365_map_graph_audit_record(struct m365_read_ctx *ctx, struct m365_jv rec, uint64_t line,
                                 uint64_t offset, const char *raw, size_t raw_len);
/* env: an Azure Monitor envelope for fallbacks (time, callerIpAddress, resultType…), or
 * m365_jv_none(). src M365_LOG_UNKNOWN: inferred from signInEventTypes / isInteractive. */
void m365_map_entra_signin(struct m365_read_ctx *ctx, struct m365_jv obj, struct m365_jv env,
                           enum m365_log_source src, uint64_t line, uint64_t offset,
                           const char *raw, size_t raw_len);
/* A Graph /auditLogs item: a directoryAudit (activityDisplayName) or a signIn
 * (createdDateTime); anything else is skipped. */
void m365_map_graph_item(struct m365_read_ctx *ctx, struct m365_jv rec, uint64_t line,
                         uint64_t offset, const char *raw, size_t raw_len);
void m365_map_entra_audit(struct m365_read_ctx *ctx, struct m365_jv obj, struct m365_jv env,
                          uint64_t line, uint64_t offset, const char *raw, size_t raw_len);
/* A Defender XDR CloudAppEvents row (advanced hunting, or Sentinel's copy): its RawEventData
 * as a UAL record; rows without one are skipped (docs/formats/defender-json.md). */
void m365_map_cloudapp_event(struct m365_read_ctx *ctx, struct m365_jv row, uint64_t line,
                             uint64_t offset, const char *raw, size_t raw_len);
/* A Graph activity record (MicrosoftGraphActivityLogs) that read mail (GET …/users/{UPN or
 * id}/messages…, …/mailFolders/{folder}/messages…, /me/… the same): sets the event's mailbox
 * to the one it names, its UPN lower-cased or its owner's object id (caller, the request's
 * userId, for /me), and the size of the response (bytes, negative when the record gives none).
 * Anything else leaves the event as it is. graph_activity_map.c */
void m365_ev_graph_mail_read(struct m365_read_ctx *ctx, const char *uri, size_t ulen,
                             const char *method, size_t mlen, const char *caller, size_t clen,
                             int64_t bytes);
/* A Graph activity record's ResponseSizeBytes (v, the field so named): the bytes, or -1 when
 * the record gives none. A value that is not a byte count is a warning naming the field, and
 * the record is kept without it. graph_activity_map.c */
int64_t m365_ev_graph_response_bytes(struct m365_read_ctx *ctx, struct m365_jv v, uint64_t line,
                                     const char *field);
/* A Graph activity record's ResponseStatusCode (v, the field so named): the HTTP status, or -1
 * when the record gives none. A value that is not a status is a warning naming the field, and
 * the record is kept with its outcome unknown. graph_activity_map.c */
int64_t m365_ev_graph_status(struct m365_read_ctx *ctx, struct m365_jv v, uint64_t line,
                             const char *field);
/* A Log Analytics MicrosoftGraphActivityLogs row. */
void m365_map_graph_activity_row(struct m365_read_ctx *ctx, struct m365_jv row, uint64_t line,
                                 uint64_t offset, const char *raw, size_t raw_len);
/* A Log Analytics row (SigninLogs, AAD*SignInLogs, AuditLogs, OfficeActivity, CloudAppEvents,
 * MicrosoftGraphActivityLogs) as a JSON object. */
void m365_map_la_row(struct m365_read_ctx *ctx, struct m365_jv row, uint64_t line,
                     uint64_t offset, const char *raw, size_t raw_len);

/* Sniff helper: does the text contain the quoted JSON key ("key" followed by optional spaces
 * and a colon)? */
bool m365_sniff_has_key(const char *head, size_t len, const char *key);
#endif
