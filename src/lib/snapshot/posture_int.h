/* Inside the tenant audit: the snapshot object, finding drafts and the lookups the posture rules
 * share (posture.c: accounts and applications; posture_tenant.c: Conditional Access, Exchange
 * RBAC, federation; directory roles for both). */
#ifndef M365_POSTURE_INT_H
#define M365_POSTURE_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../io/zip_archive.h"
#include "m365hunt/finding.h"
#include "snap.h"


struct not_eval {
    const char *rule, *reason;
};

struct key {
    const char *k;
    size_t i;
};

struct index {
    struct key *v;
    size_t n;
};

/* Privileged directory-role holders by principal id and by UPN (entries: db.dirroles). */
struct role_idx {
    struct index by_id, by_upn;
};

struct m365_snapshot {
    struct m365_snapshot_options opts;
    struct m365_snap_db db;
    char **paths;
    size_t n_paths, cap_paths;
    struct m365_zip_temps inner; /* archives inside archives the walk found, unpacked */
    int *tar_fds; /* tar and 7-Zip archives the walk found, and their unpacked files: open */
    size_t n_tar_fds, cap_tar_fds;
    /* Where each path's bytes are: the file itself (archive_len 0), or member `member` of the
     * ZIP archive named by the path's first archive_len bytes (m365_snapshot_add_member). */
    struct snap_where {
        size_t archive_len;
        const char *archive_file; /* the archive's bytes, when not at that path (the caller's) */
        uint64_t member;
        int fd; /* >= 0: the bytes are `size` at `member` in fd (m365_snapshot_add_window) */
        uint64_t size;
    } *where;
    struct m365_snapshot_file *files;
    size_t n_files;
    char **allow; /* lower-cased */
    size_t n_allow, cap_allow;
    uint32_t dormant_days, recent_days;
    int64_t as_of;
    const char *home_tenant; /* lower-cased, NULL when unknown */
    char home_buf[64];
    struct m365_finding *findings;
    size_t n_findings, cap_findings;
    struct not_eval not_eval[16];
    size_t n_not_eval;
    struct role_idx roles;
    bool nomem;
};

struct fdraft {
    const char *rule, *title;
    enum m365_severity sev;
    const char *const *techs;
    size_t n_techs;
    const char *users[1]; /* single-account findings */
    const char **list;    /* or a list (malloc'd, moved into the finding) */
    size_t n_list;
    enum m365_entity_kind list_kind;
    const char **list2; /* mailboxes beside users */
    size_t n_list2;
    struct m365_buf summary, details; /* details: members without braces */
};

#define emit m365_posture_emit
#define draft_init m365_posture_draft_init
#define draft_free m365_posture_draft_free
#define not_evaluated m365_posture_not_evaluated
#define json_str_or_null m365_posture_json_str_or_null
#define key_time m365_posture_key_time
#define key_tri m365_posture_key_tri
#define allowed m365_posture_allowed
#define lower_bound m365_posture_lower_bound

/* Moves the draft into the findings (its lists too); the caller still frees the draft. */
void m365_posture_emit(struct m365_snapshot *s, struct fdraft *d);
void m365_posture_draft_init(struct fdraft *d, const char *rule, const char *title,
                             enum m365_severity sev);
void m365_posture_draft_free(struct fdraft *d);
void m365_posture_not_evaluated(struct m365_snapshot *s, const char *rule, const char *reason);
void m365_posture_json_str_or_null(struct m365_buf *b, const char *v);
void m365_posture_key_time(struct m365_buf *b, int *first, const char *k, int64_t t);
void m365_posture_key_tri(struct m365_buf *b, int *first, const char *k, int v);
bool m365_posture_allowed(const struct m365_snapshot *s, const char *id, const char *upn);
/* The first entry of x with key k (x->n when none); x sorted by key. */
size_t m365_posture_lower_bound(const struct index *x, const char *k);

/* Directory roles (posture_tenant.c). */
int m365_posture_roles_build(struct m365_snapshot *s); /* -1: out of memory */
void m365_posture_roles_free(struct m365_snapshot *s);
/* The privileged roles a principal holds (by id, else UPN): their names, unique, into
 * names[] (up to max); *tier0 set when one of them can take the tenant over. */
size_t m365_posture_roles_of(const struct m365_snapshot *s, const char *id, const char *upn,
                             const char **names, size_t max, bool *tier0);
void m365_posture_put_strings(struct m365_buf *b, int *first, const char *key,
                              const char *const *v, size_t n);

/* The rules of posture_tenant.c. */
void m365_posture_rule_mfa_registration(struct m365_snapshot *s);
void m365_posture_rule_legacy_auth(struct m365_snapshot *s);
void m365_posture_rule_app_impersonation(struct m365_snapshot *s);
void m365_posture_rule_federated_domain(struct m365_snapshot *s);
void m365_posture_rule_mailbox_forwarding(struct m365_snapshot *s);
#endif
