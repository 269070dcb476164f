/* m365hunt audit: posture findings from an exported tenant snapshot (docs/snapshot.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_FAIL_ON = 256, OPT_CONFIG, OPT_AS_OF, OPT_DORMANT, OPT_ALLOW, OPT_NO_PROGRESS,
       OPT_TENANT, OPT_RECENT, OPT_ZIP_PASSWORD };
enum audit_format { A_TEXT, A_JSONL, A_JSON };

struct audit_cli {
    struct cli_term term;
    unsigned errors;
};

static int write_file(const char *data, size_t len, void *user)
{
    return fwrite(data, 1, len, (FILE *)user) == len ? 0 : -1;
}

static void on_diag(const struct m365_diag *d, void *user)
{
    struct audit_cli *c = user;
    if (d->level == M365_DIAG_ERROR) {
        c->errors++;
    }
    if ((c->term.quiet && d->level != M365_DIAG_ERROR) ||
        (d->level == M365_DIAG_NOTE && !c->term.verbose)) {
        return;
    }
    const char *lvl = d->level == M365_DIAG_ERROR     ? "error"
                      : d->level == M365_DIAG_WARNING ? "warning"
                                                      : "note";
    fprintf(stderr, "m365hunt: %s: ", lvl);
    cli_put_safe(stderr, d->file, -1);
    if (d->line) {
        fprintf(stderr, ":%llu", (unsigned long long)d->line);
    }
    fputs(": ", stderr);
    if (d->field) {
        cli_put_safe(stderr, d->field, -1);
        fputs(": ", stderr);
    }
    cli_put_safe(stderr, d->msg, -1);
    fputc('\n', stderr);
}

static void help(FILE *f)
{
    fputs("Usage: m365hunt audit [OPTIONS] PATH...\n"
          "Posture findings from an exported tenant snapshot: Graph users (with signInActivity,\n"
          "assignedPlans), reports/authenticationMethods/userRegistrationDetails, Exchange\n"
          "Get-Mailbox (ConvertTo-Json or Export-Csv), servicePrincipals, applications,\n"
          "oauth2PermissionGrants, appRoleAssignments, directoryRoles / roleAssignments,\n"
          "Conditional Access policies, domains and federationConfiguration, Exchange\n"
          "Get-MailboxAuditBypassAssociation and Get-ManagementRoleAssignment. Files are\n"
          "recognised by content; folders are walked and .zip, tar and .7z archives read\n"
          "member by member.\n"
          "\n"
          "  -f, --format FMT       text (default), jsonl (one finding per line), json\n"
          "      --config FILE      YAML; its posture: section (allow_accounts, dormant_days,\n"
          "                         recent_days)\n"
          "      --allow ACCOUNT    never report this UPN or object id (break-glass); repeatable\n"
          "      --dormant-days N   days without sign-in that make an account dormant (90)\n"
          "      --as-of TIME       snapshot time (default: the newest time in the files)\n"
          "      --tenant-id ID     home tenant (default: the owner of most non-Microsoft apps)\n"
          "      --recent-days N    app credentials this new are flagged (30)\n"
          "      --fail-on SEV      exit 1 if a finding is at least info|low|medium|high|critical\n"
          "      --zip-password PW  password for encrypted .zip members (repeatable; or set\n"
          "                         M365HUNT_ZIP_PASSWORD, which ps does not show)\n"
          "  -q, --quiet            no warnings (errors still shown)\n"
          "  -v, --verbose          also notes (files that are not snapshot files)\n"
          "\n"
          "Exit codes: 0 done, 1 finding at or above --fail-on, 2 usage error, 3 no snapshot\n"
          "object could be read. Documentation: docs/snapshot.md.\n",
          f);
}

static void fmt_day(int64_t ms, char *buf, size_t n)
{
    if (ms == M365_TIME_NONE) {
        snprintf(buf, n, "unknown");
        return;
    }
    char t[40];
    m365_format_time(ms, t, sizeof(t));
    snprintf(buf, n, "%.10s", t);
}

static void print_text(const struct m365_snapshot *s, FILE *o)
{
    struct m365_snapshot_counts c = m365_snapshot_counts(s);
    char day[40];
    fmt_day(c.as_of_ms, day, sizeof(day));
    fprintf(o, "SNAPSHOT (as of %s)\n", day);
    for (size_t i = 0; i < m365_snapshot_n_files(s); i++) {
        const struct m365_snapshot_file *f = m365_snapshot_file(s, i);
        fputs("  ", o);
        cli_put_safe(o, f->path, -1);
        if (f->kind == M365_SNAP_NONE) {
            fputs(": not read: ", o);
            cli_put_safe(o, f->error ? f->error : "?", -1);
            fputc('\n', o);
        } else {
            fprintf(o, ": %s, %s, %llu objects, %llu skipped\n", m365_snapshot_kind_name(f->kind),
                    f->format ? f->format : "?", (unsigned long long)f->records,
                    (unsigned long long)f->skipped);
        }
    }
    fprintf(o, "  users %zu, MFA registrations %zu, mailboxes %zu\n", c.users, c.registrations,
            c.mailboxes);
    if (c.service_principals || c.grants || c.app_role_assignments || c.applications) {
        fprintf(o, "  service principals %zu, applications %zu, app role assignments %zu, "
                   "delegated grants %zu\n",
                c.service_principals, c.applications, c.app_role_assignments, c.grants);
    }
    if (c.directory_role_assignments || c.ca_policies || c.domains || c.federation_configs) {
        fprintf(o, "  directory role holders %zu, Conditional Access policies %zu, domains %zu, "
                   "federation configurations %zu\n",
                c.directory_role_assignments, c.ca_policies, c.domains, c.federation_configs);
    }
    if (c.audit_bypass || c.management_role_assignments) {
        fprintf(o, "  audit bypass associations %zu, management role assignments %zu\n",
                c.audit_bypass, c.management_role_assignments);
    }
    if (c.subscribed_skus || c.owners) {
        fprintf(o, "  subscribed SKUs %zu, application owners %zu\n", c.subscribed_skus,
                c.owners);
    }
    if (m365_snapshot_n_not_evaluated(s)) {
        fputs("\nNOT EVALUATED\n", o);
        for (size_t i = 0; i < m365_snapshot_n_not_evaluated(s); i++) {
            const char *rule, *reason;
            m365_snapshot_not_evaluated(s, i, &rule, &reason);
            fprintf(o, "  %s: %s\n", rule, reason);
        }
    }
    fprintf(o, "\nFINDINGS (%zu)\n", m365_snapshot_n_findings(s));
    for (size_t i = 0; i < m365_snapshot_n_findings(s); i++) {
        const struct m365_finding *f = m365_snapshot_finding(s, i);
        fprintf(o, "  %-8s %-26s ", m365_severity_name(f->severity), f->rule);
        cli_put_safe(o, f->summary, -1);
        fputc('\n', o);
        const struct m365_strlist *u = &f->entities[M365_ENT_USERS];
        if (u->n > 1) {
            for (size_t k = 0; k < u->n; k++) {
                fputs("           ", o);
                cli_put_safe(o, u->items[k], -1);
                fputc('\n', o);
            }
        }
    }
}

static int audit_typed(int argc, char **argv, char **typed);

int cli_audit(int argc, char **argv)
{
    char **typed = cli_hide_passwords(argc, argv);
    if (!typed) {
        fputs("m365hunt: error: out of memory\n", stderr);
        return CLI_EXIT_NO_EVIDENCE;
    }
    int rc = audit_typed(argc, argv, typed);
    free(typed);
    return rc;
}

/* typed: the command line to record (cli_hide_passwords). */
static int audit_typed(int argc, char **argv, char **typed)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"config", required_argument, NULL, OPT_CONFIG},
                                         {"allow", required_argument, NULL, OPT_ALLOW},
                                         {"dormant-days", required_argument, NULL, OPT_DORMANT},
                                         {"as-of", required_argument, NULL, OPT_AS_OF},
                                         {"tenant-id", required_argument, NULL, OPT_TENANT},
                                         {"recent-days", required_argument, NULL, OPT_RECENT},
                                         {"zip-password", required_argument, NULL,
                                          OPT_ZIP_PASSWORD},
                                         {"fail-on", required_argument, NULL, OPT_FAIL_ON},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct audit_cli c;
    memset(&c, 0, sizeof(c));
    struct m365_snapshot_options so;
    m365_snapshot_options_init(&so);
    so.on_diag = on_diag;
    so.diag_user = &c;
    enum audit_format fmt = A_TEXT;
    bool fail_on_set = false, quiet = false, verbose = false;
    enum m365_severity fail_on = M365_SEV_INFO;
    struct cli_zip_passwords zp = {{NULL}, 0};
    const char **allow = calloc((size_t)argc + 1, sizeof(*allow));
    size_t n_allow = 0;
    if (!allow) {
        return CLI_EXIT_USAGE;
    }
    int ch, rc = CLI_EXIT_OK;
    optind = 1;
    while (rc == CLI_EXIT_OK && (ch = getopt_long(argc, argv, "f:qvh", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 'f':
            if (strcmp(optarg, "text") == 0) {
                fmt = A_TEXT;
            } else if (strcmp(optarg, "jsonl") == 0) {
                fmt = A_JSONL;
            } else if (strcmp(optarg, "json") == 0) {
                fmt = A_JSON;
            } else {
                cli_usage_error("--format: '%s' is not text, jsonl or json", optarg);
                rc = CLI_EXIT_USAGE;
            }
            break;
        case OPT_CONFIG: so.config_path = optarg; break;
        case OPT_ALLOW: allow[n_allow++] = optarg; break;
        case OPT_DORMANT: {
            unsigned long v = strtoul(optarg, &end, 10);
            if (end == optarg || *end || v < 1 || v > 36500) {
                cli_usage_error("--dormant-days: '%s' is not a number of days (1-36500)", optarg);
                rc = CLI_EXIT_USAGE;
            }
            so.dormant_days = (uint32_t)v;
            break;
        }
        case OPT_TENANT: so.tenant_id = optarg; break;
        case OPT_ZIP_PASSWORD:
            if (cli_zip_password_add(&zp, optarg) != 0) {
                rc = CLI_EXIT_USAGE;
            }
            break;
        case OPT_RECENT: {
            unsigned long v = strtoul(optarg, &end, 10);
            if (end == optarg || *end || v < 1 || v > 36500) {
                cli_usage_error("--recent-days: '%s' is not a number of days (1-36500)", optarg);
                rc = CLI_EXIT_USAGE;
            }
            so.recent_days = (uint32_t)v;
            break;
        }
        case OPT_AS_OF: {
            /* Any time the logs use; the JSON parser's time reader is not public, so ISO only. */
            int y, mo, d, h = 0, mi = 0, sec = 0;
            int n = sscanf(optarg, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec);
            if ((n != 3 && n != 6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
                mi > 59 || sec > 60) {
                cli_usage_error("--as-of: '%s' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ",
                                optarg);
                rc = CLI_EXIT_USAGE;
                break;
            }
            /* Days from civil (Howard Hinnant's algorithm). */
            int yy = mo <= 2 ? y - 1 : y;
            long era = (yy >= 0 ? yy : yy - 399) / 400;
            long yoe = yy - era * 400;
            long doy = (153L * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
            long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            long days = era * 146097 + doe - 719468;
            so.as_of_ms = ((int64_t)days * 86400 + h * 3600 + mi * 60 + sec) * 1000;
            break;
        }
        case OPT_FAIL_ON:
            if (m365_severity_parse(optarg, &fail_on) != M365_OK) {
                cli_usage_error("--fail-on: '%s' is not info, low, medium, high or critical",
                                optarg);
                rc = CLI_EXIT_USAGE;
            }
            fail_on_set = true;
            break;
        case 'q': quiet = true; break;
        case 'v': verbose = true; break;
        case OPT_NO_PROGRESS: break; /* accepted like scan's: audit shows no progress */
        case 'h':
            help(stdout);
            free(allow);
            return CLI_EXIT_OK;
        default: rc = CLI_EXIT_USAGE; break;
        }
    }
    if (rc == CLI_EXIT_OK && optind >= argc) {
        cli_usage_error("audit: no snapshot files or folders given");
        rc = CLI_EXIT_USAGE;
    }
    if (rc != CLI_EXIT_OK) { /* cli_usage_error said what and where to look */
        free(allow);
        return rc;
    }
    cli_zip_password_env(&zp);
    so.zip_passwords = zp.pw;
    so.n_zip_passwords = zp.n;
    cli_term_init(&c.term, "never");
    c.term.quiet = quiet;
    c.term.verbose = verbose;
    struct m365_snapshot *s = NULL;
    enum m365_status st = m365_snapshot_new(&s, &so);
    if (st != M365_OK) {
        if (st == M365_E_NOMEM) {
            fputs("m365hunt: error: out of memory\n", stderr);
        }
        free(allow);
        return CLI_EXIT_USAGE; /* a bad configuration, reported through on_diag */
    }
    for (size_t i = 0; i < n_allow && st == M365_OK; i++) {
        st = m365_snapshot_allow(s, allow[i]);
    }
    free(allow);
    for (int i = optind; i < argc && st != M365_E_NOMEM; i++) {
        enum m365_status a = m365_snapshot_add_path(s, argv[i]);
        st = a == M365_E_NOMEM ? a : st;
    }
    if (st == M365_OK) {
        st = m365_snapshot_run(s);
    }
    if (st != M365_OK) {
        fprintf(stderr, "m365hunt: error: %s\n", m365_status_str(st));
        m365_snapshot_free(s);
        return CLI_EXIT_NO_EVIDENCE;
    }
    struct m365_snapshot_counts cnt = m365_snapshot_counts(s);
    if (fmt == A_JSON) {
        m365_snapshot_write_report_json(s, argc, typed, write_file, stdout);
    } else if (fmt == A_JSONL) {
        for (size_t i = 0; i < m365_snapshot_n_findings(s); i++) {
            m365_finding_write_json(m365_snapshot_finding(s, i), write_file, stdout);
            fputc('\n', stdout);
        }
    } else {
        print_text(s, stdout);
    }
    bool ca_read = false; /* an empty policy list is still a Conditional Access export */
    for (size_t i = 0; i < m365_snapshot_n_files(s); i++) {
        ca_read = ca_read || m365_snapshot_file(s, i)->kind == M365_SNAP_CA_POLICIES;
    }
    if (cnt.users + cnt.registrations + cnt.mailboxes + cnt.service_principals + cnt.grants +
                cnt.app_role_assignments + cnt.applications + cnt.directory_role_assignments +
                cnt.ca_policies + cnt.domains + cnt.federation_configs + cnt.audit_bypass +
                cnt.management_role_assignments + cnt.subscribed_skus + cnt.owners ==
            0 &&
        !ca_read) {
        fputs("m365hunt: error: no snapshot objects (users, userRegistrationDetails, mailboxes, "
              "servicePrincipals, applications, grants, role assignments, Conditional Access "
              "policies, domains, audit bypass or management role assignments) in the paths "
              "given\n",
              stderr);
        rc = CLI_EXIT_NO_EVIDENCE;
    } else if (fail_on_set) {
        for (size_t i = 0; i < m365_snapshot_n_findings(s); i++) {
            if (m365_snapshot_finding(s, i)->severity >= fail_on) {
                rc = CLI_EXIT_FINDINGS;
            }
        }
    }
    m365_snapshot_free(s);
    if (fflush(stdout) != 0 && rc == CLI_EXIT_OK) {
        rc = CLI_EXIT_USAGE;
    }
    return rc;
}
