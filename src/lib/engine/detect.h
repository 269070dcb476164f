/* Detection engine: a registry of detections, each handed only the event kinds it asked for,
 * in time order; findings collected and ordered deterministically.
 *
 * A detection is one file src/lib/detections/detect_<name>.c ending in a const
 * struct m365_detection, plus one line M365_DETECTION(<name>) in detections.def.
 * Its parameters are data (struct m365_param_def): defaults, help, YAML config and
 * `m365hunt rules show` all come from that one table. */
#ifndef M365_DETECT_H
#define M365_DETECT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/arena.h"
#include "../core/buf.h"
#include "m365hunt/event.h"
#include "m365hunt/finding.h"
#include "m365hunt/rules.h"
#include "m365hunt/status.h"

struct m365_scan;
struct m365_detect_state;
struct m365_dctx;

/* A parameter: info for users plus where its value lives in the detection's config struct
 * (uint32_t for UINT, double for DOUBLE, int64_t milliseconds for DURATION, bool for BOOL). */
struct m365_param_def {
    struct m365_param_info info;
    size_t offset;
};
#define M365_PARAM(name, type, def, cfg_type, field, help)                                         \
    {{name, type, def, help}, offsetof(cfg_type, field)}

struct m365_detection {
    struct m365_rule_info info; /* info.params is filled by the registry from params */
    const struct m365_param_def *params;
    size_t n_params;
    size_t cfg_size;   /* the config struct, filled from defaults then the config file */
    uint32_t kinds;    /* M365_KIND_BIT() mask of the events it wants */
    uint32_t needs;    /* M365_KIND_BIT() mask: evidence kinds that must all be present */
    size_t state_size; /* zeroed state handed to every call */
    /* M365_ENT bit mask (1u << kind) of entity lists that name targets, not actors: a spray's
     * hundred failed accounts. They do not join findings into incidents. */
    uint32_t target_entities;
    /* Reads facts other detections state (m365_dctx_fact): it runs after all of those. */
    bool reads_facts;
    /* Optional: decide whether the detection can run on this evidence; call
     * m365_dctx_not_evaluated() to skip it with a reason. */
    void (*init)(struct m365_dctx *dc, void *state);
    void (*observe)(struct m365_dctx *dc, void *state, const struct m365_event *ev);
    void (*finish)(struct m365_dctx *dc, void *state); /* after the last event; may be NULL */
    void (*free_state)(void *state);                   /* may be NULL */
};

#define M365_DETECTION(id) extern const struct m365_detection m365_detect_##id;
#include "../detections/detections.def"
#undef M365_DETECTION

extern const struct m365_detection *const m365_detections[];
extern const size_t m365_n_detections;
const struct m365_detection *m365_detection_find(const char *id);

/* Configuration of all detections: parameter values, per detection (built by the scan from
 * defaults and the config file). */
struct m365_rule_config {
    void **cfg;    /* one config struct per registered detection */
    bool *enabled; /* per detection */
};
enum m365_status m365_rule_config_init(struct m365_rule_config *rc);
void m365_rule_config_free(struct m365_rule_config *rc);
/* Set one parameter from text; returns M365_E_CONFIG with *why set on a bad name or value. */
enum m365_status m365_rule_config_set(struct m365_rule_config *rc, const char *rule,
                                      const char *param, const char *value, const char **why);
/* Text form of a value of a given type (durations: "90s", "60m"…): parse. */
int m365_param_parse(enum m365_param_type t, const char *text, void *out);

/* A rule that could not be evaluated on this evidence. */
struct m365_not_evaluated {
    const char *rule;
    const char *reason;
    bool in_part; /* the rule ran, but part of it had nothing to judge */
};

enum m365_status m365_detect_run(struct m365_scan *s, const struct m365_rule_config *rc,
                                 struct m365_detect_state **out);
size_t m365_detect_n_findings(const struct m365_detect_state *d);
/* Heap the registered detection i held after its last event (its state: maps, lists, what it
 * keeps per entity), measured when the detections ran on one thread; -1 otherwise or when it
 * did not run. */
int64_t m365_detect_state_bytes(const struct m365_detect_state *d, size_t i);
const struct m365_finding *m365_detect_finding(const struct m365_detect_state *d, size_t i);
size_t m365_detect_n_not_evaluated(const struct m365_detect_state *d);
const struct m365_not_evaluated *m365_detect_not_evaluated(const struct m365_detect_state *d,
                                                           size_t i);
void m365_detect_free(struct m365_detect_state *d);
struct m365_audit_fact;
size_t m365_detect_n_facts(const struct m365_detect_state *d);
const struct m365_audit_fact *m365_detect_fact(const struct m365_detect_state *d, size_t i);
struct m365_finding *m365_detect_finding_mut(struct m365_detect_state *d, size_t i);

/* --- for detections ------------------------------------------------------------------------ */

const void *m365_dctx_cfg(struct m365_dctx *dc);
struct m365_arena *m365_dctx_arena(struct m365_dctx *dc); /* scan lifetime */
const char *m365_dctx_intern(struct m365_dctx *dc, const char *s, size_t len);
const char *m365_dctx_intern_lower(struct m365_dctx *dc, const char *s, size_t len);
/* An interned string (an event's) as a case-blind map key: m365_scan_lower_key. */
const char *m365_dctx_lower_key(struct m365_dctx *dc, const char *s);
/* Skip this detection (from init) with a reason shown in the summary and in JSON output. */
void m365_dctx_not_evaluated(struct m365_dctx *dc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The rule runs on, but part of what it judges had no evidence (say which, from finish): listed
 * with the rules not evaluated, marked "in part", so that its silence is not read as clean. */
void m365_dctx_evaluated_in_part(struct m365_dctx *dc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Whether the evidence holds events of a kind, or of a log source; their time span. */
bool m365_dctx_has_kind(struct m365_dctx *dc, enum m365_event_kind k);
bool m365_dctx_has_source(struct m365_dctx *dc, enum m365_log_source s);
void m365_dctx_source_span(struct m365_dctx *dc, enum m365_log_source s, int64_t *first,
                           int64_t *last);
/* Whether a file of that log source spans time t (within slack ms): its records would be
 * there, if it had any. The gaps between exports are not covered. */
bool m365_dctx_source_covers(struct m365_dctx *dc, enum m365_log_source s, int64_t t,
                             int64_t slack);
/* Whether a mailbox (lower-case UPN, interned) is on the --vip list; how many there are. */
bool m365_dctx_is_vip(struct m365_dctx *dc, const char *mailbox);
size_t m365_dctx_n_vips(struct m365_dctx *dc);
/* The investigated tenant's id (--tenant-id, else inferred from the evidence), or NULL. */
const char *m365_dctx_home_tenant(struct m365_dctx *dc);
/* The tenant snapshot loaded beside the logs (snapshot/snap_context.h: last sign-ins,
 * applications' permissions and owners, mailbox auditing), NULL when none was. */
struct m365_snap_ctx;
const struct m365_snap_ctx *m365_dctx_snapshot(struct m365_dctx *dc);
/* The UPN an Entra object id is known by in the evidence (its sign-ins, the directory changes
 * that target it) or the tenant snapshot; NULL when nothing names it. A Graph request names its
 * caller, and often the mailbox it read, by id. */
const char *m365_dctx_upn_of_id(struct m365_dctx *dc, const char *id);
/* An application id's, or a service principal object id's, display name: Microsoft's table,
 * the sign-ins', the directory changes that add, consent to or target it, else the tenant
 * snapshot's; NULL when nothing names it. For reports: it walks the events once, on the first
 * question. */
const char *m365_dctx_app_name(struct m365_dctx *dc, const char *id);
/* "NAME (ID)", as the consent and permission rules write an application, or the id alone when
 * nothing names it, into buf (cut to size); returns buf. */
const char *m365_dctx_app_label(struct m365_dctx *dc, const char *id, char *buf, size_t size);
/* The first `shown` (at most 8) of n application ids, labelled so, joined into out
 * (m365_join_list): "A", "A and B", "A, B and C", "A, B and 3 more". */
size_t m365_dctx_app_list(struct m365_dctx *dc, const char *const *ids, size_t shown, size_t n,
                          char *out, size_t size);
/* Offline enrichment of an address (interned IP string from an event); never NULL. */
struct m365_ipinfo;
const struct m365_ipinfo *m365_dctx_ipinfo(struct m365_dctx *dc, const char *ip);
/* Which enrichment sources were loaded (for confidence notes in details). */
bool m365_dctx_has_ip_ranges(struct m365_dctx *dc);
bool m365_dctx_has_asn_db(struct m365_dctx *dc);
bool m365_dctx_has_geo_db(struct m365_dctx *dc);
bool m365_dctx_has_trusted_ips(struct m365_dctx *dc);

/* Facts detections establish for the engine and for later detections (registry order):
 * a mailbox whose auditing was switched off (to = M365_TIME_NONE while it stays off), a mailbox
 * Exchange throttled, a leaver's mailbox handed to a colleague (FullAccess given at at_ms).
 * Mailboxes are lower-cased UPNs. */
void m365_dctx_fact_audit_off(struct m365_dctx *dc, const char *mailbox, int64_t from_ms,
                              int64_t to_ms, const char *how);
void m365_dctx_fact_throttled(struct m365_dctx *dc, const char *mailbox, int64_t at_ms);
void m365_dctx_fact_handed_over(struct m365_dctx *dc, const char *mailbox, const char *grantee,
                                int64_t at_ms);
struct m365_audit_fact {
    const char *mailbox;
    int64_t from_ms, to_ms, at_ms;
    const char *how;
    bool throttled;      /* else: auditing off, unless grantee is set */
    const char *grantee; /* handed over to this account (lower-case UPN); no auditing fact */
};
size_t m365_dctx_n_facts(struct m365_dctx *dc);
const struct m365_audit_fact *m365_dctx_fact(struct m365_dctx *dc, size_t i);

/* The event handed to observe() is valid only during that call: the scan keeps its events in
 * a compact form and unpacks each one for the detections. A detection that holds on to an event
 * (in its state, in a list, as a finding's evidence later) keeps it through this, which returns
 * a copy that lives as long as the scan, the same pointer for the same event every time (so
 * pointers of kept events compare equal; a kept event and the one in hand compare by seq).
 * NULL only when ev is NULL or memory runs out. m365_fb_event keeps its events itself. The
 * event in hand carries no record id (evidence.record_id NULL: m365_scan_event_brief); a kept
 * one does, for the reports. */
const struct m365_event *m365_dctx_keep(struct m365_dctx *dc, const struct m365_event *ev);

/* A detection that looks back at many events but reports few (rings of recent sign-ins) holds
 * references instead: m365_ev_ref(ev) is a number, 0 never names an event, so zeroed state
 * holds none. m365_dctx_ref_at unpacks the event into *buf (valid until buf is reused) and
 * m365_dctx_ref_keep keeps it, as m365_dctx_keep; both return NULL for 0. */
static inline uint32_t m365_ev_ref(const struct m365_event *ev) { return ev->seq + 1u; }
const struct m365_event *m365_dctx_ref_at(struct m365_dctx *dc, uint32_t ref,
                                          struct m365_event *buf);
const struct m365_event *m365_dctx_ref_keep(struct m365_dctx *dc, uint32_t ref);

/* Finding builder: begin, add entities / events / details, end (which reports it).
 * Entities are de-duplicated and sorted; up to M365_FINDING_MAX_EVIDENCE events are kept as
 * evidence (the earliest), all are counted, and first/last seen follow them. */
struct m365_fb;
struct m365_fb *m365_fb_begin(struct m365_dctx *dc, enum m365_severity sev);
void m365_fb_severity(struct m365_fb *fb, enum m365_severity sev); /* change it */
void m365_fb_entity(struct m365_fb *fb, enum m365_entity_kind k, const char *value);
void m365_fb_event(struct m365_fb *fb, const struct m365_event *ev);
void m365_fb_ref(struct m365_fb *fb, uint32_t ref); /* m365_fb_event by reference; 0: none */
void m365_fb_summary(struct m365_fb *fb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The details object's members, written with the json_out helpers (no surrounding braces;
 * m365_json_key handles commas through *first). */
struct m365_buf *m365_fb_details(struct m365_fb *fb, int **first);
enum m365_status m365_fb_end(struct m365_fb *fb);
#endif
