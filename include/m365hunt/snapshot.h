/* m365hunt — offline tenant-configuration audit from an exported snapshot (docs/snapshot.md).
 *
 * Usage: m365_snapshot_options_init(&o); m365_snapshot_new(&s, &o); m365_snapshot_add_path(s, …)…;
 * m365_snapshot_run(s); read files and findings; m365_snapshot_free(s).
 * Inputs are Graph `users`, `userRegistrationDetails`, `servicePrincipals`, `applications`,
 * `oauth2PermissionGrants`, `appRoleAssignments`, `directoryRoles` / `roleAssignments`,
 * Conditional Access `policies`, `domains`, `federationConfiguration`, `subscribedSkus` and
 * application / service principal `owners` pages and Exchange
 * Get-Mailbox, Get-MailboxAuditBypassAssociation and Get-ManagementRoleAssignment output (JSON
 * or CSV), detected from their content. Like the scan, the library never prints. */
#ifndef M365HUNT_SNAPSHOT_H
#define M365HUNT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "finding.h"
#include "scan.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

struct m365_snapshot_options {
    struct m365_limits limits;
    m365_diag_fn on_diag;
    void *diag_user;
    const char *config_path; /* YAML: its posture: section (allow_accounts, dormant_days…) */
    int64_t as_of_ms;        /* snapshot time; M365_TIME_NONE: the newest time in the files */
    uint32_t dormant_days;   /* 0: the configuration's, else 90 */
    uint32_t recent_days;    /* 0: 30; an app credential this new is flagged */
    const char *tenant_id;   /* home tenant; NULL: the owner of most non-Microsoft apps */
    /* Passwords for encrypted ZIP members (m365_snapshot_add_member), as for the scan. */
    const char *const *zip_passwords;
    size_t n_zip_passwords;
};

void m365_snapshot_options_init(struct m365_snapshot_options *o);

struct m365_snapshot;

/* M365_E_CONFIG / M365_E_IO when the configuration is bad (the reason comes through on_diag). */
enum m365_status m365_snapshot_new(struct m365_snapshot **out,
                                   const struct m365_snapshot_options *opts);
void m365_snapshot_free(struct m365_snapshot *s);

/* An account (UPN or object id, case-insensitive) the posture rules never report: break-glass
 * accounts and others whose exception is deliberate. */
enum m365_status m365_snapshot_allow(struct m365_snapshot *s, const char *account);

/* Queue a file or a directory (walked recursively, in name order). M365_E_IO when missing. */
enum m365_status m365_snapshot_add_path(struct m365_snapshot *s, const char *path);

/* Queue member `index` of a ZIP archive, named as the scan names members: path is the
 * archive's path (its first archive_len bytes), '/', the member's name. The archive's bytes are
 * in the file at archive_file when given (an archive inside an archive, unpacked to a file of
 * its own; it must stay there until the run), else at that path. M365_E_USAGE when path is not
 * so. */
enum m365_status m365_snapshot_add_member(struct m365_snapshot *s, const char *path,
                                          size_t archive_len, const char *archive_file,
                                          uint64_t index);

/* Queue the `size` bytes at `offset` of the open file fd, named path: a member of a tar or
 * 7-Zip archive (read in place, or unpacked to a temporary file, by the scan). fd stays the
 * caller's, open until the run. */
enum m365_status m365_snapshot_add_window(struct m365_snapshot *s, const char *path, int fd,
                                          uint64_t offset, uint64_t size);

/* Read everything queued, join users, registrations and mailboxes, run the posture rules. */
enum m365_status m365_snapshot_run(struct m365_snapshot *s);

enum m365_snapshot_kind {
    M365_SNAP_NONE = 0,    /* not a snapshot file (or unreadable) */
    M365_SNAP_USERS,       /* Graph users */
    M365_SNAP_REGISTRATION, /* Graph reports/authenticationMethods/userRegistrationDetails */
    M365_SNAP_MAILBOXES,   /* Exchange Get-Mailbox (JSON or CSV) */
    M365_SNAP_SERVICE_PRINCIPALS, /* Graph servicePrincipals */
    M365_SNAP_GRANTS,             /* Graph oauth2PermissionGrants (delegated consents) */
    M365_SNAP_APP_ROLES,          /* Graph appRoleAssignments / appRoleAssignedTo */
    M365_SNAP_OTHER,       /* a Graph page of another kind: not used */
    /* Added later (after OTHER, so the earlier values stay as they were): */
    M365_SNAP_APPLICATIONS,       /* Graph applications (app registrations) */
    M365_SNAP_DIRECTORY_ROLES,    /* Graph directoryRoles?$expand=members or
                                     roleManagement/directory/roleAssignments */
    M365_SNAP_CA_POLICIES,        /* Graph identity/conditionalAccess/policies */
    M365_SNAP_DOMAINS,            /* Graph domains (Get-MgDomain, Get-MsolDomain) */
    M365_SNAP_FEDERATION,         /* Graph domains/{id}/federationConfiguration,
                                     Get-MsolDomainFederationSettings */
    M365_SNAP_AUDIT_BYPASS,       /* Exchange Get-MailboxAuditBypassAssociation */
    M365_SNAP_MGMT_ROLES,         /* Exchange Get-ManagementRoleAssignment */
    M365_SNAP_SUBSCRIBED_SKUS,    /* Graph subscribedSkus (the tenant's licences, their plans) */
    M365_SNAP_OWNERS,             /* Graph servicePrincipals/{id}/owners, applications/{id}/owners
                                     (with the owned object's id added) */
    M365_SNAP__KINDS              /* the number of kinds */
};
const char *m365_snapshot_kind_name(enum m365_snapshot_kind k);

struct m365_snapshot_file {
    const char *path;
    enum m365_snapshot_kind kind;
    const char *format;        /* "graph-page", "json-array", "jsonl", "csv", or NULL */
    uint64_t records, skipped; /* objects seen; objects of no known kind or unreadable */
    const char *error;         /* why the file was not read, NULL when it was */
};

size_t m365_snapshot_n_files(const struct m365_snapshot *s);
const struct m365_snapshot_file *m365_snapshot_file(const struct m365_snapshot *s, size_t i);

struct m365_snapshot_counts {
    size_t users, registrations, mailboxes;
    size_t service_principals, grants, app_role_assignments;
    int64_t as_of_ms; /* the snapshot time the rules used */
    /* Added later: */
    size_t applications, directory_role_assignments, ca_policies, domains;
    size_t federation_configs, audit_bypass, management_role_assignments;
    size_t subscribed_skus, owners; /* owners: from owners pages and $expand=owners */
};
struct m365_snapshot_counts m365_snapshot_counts(const struct m365_snapshot *s);

/* Rules that could not run on this snapshot, and why (a missing input file). */
size_t m365_snapshot_n_not_evaluated(const struct m365_snapshot *s);
void m365_snapshot_not_evaluated(const struct m365_snapshot *s, size_t i, const char **rule,
                                 const char **reason);

/* Findings: admins and higher severities first. first_seen / last_seen are the snapshot time;
 * there are no evidence events. */
size_t m365_snapshot_n_findings(const struct m365_snapshot *s);
const struct m365_finding *m365_snapshot_finding(const struct m365_snapshot *s, size_t i);

/* The JSON document of `m365hunt audit --format json` (docs/snapshot.md). */
enum m365_status m365_snapshot_write_report_json(const struct m365_snapshot *s, int argc,
                                                 char *const *argv, m365_write_fn w, void *user);

#ifdef __cplusplus
}
#endif
#endif
