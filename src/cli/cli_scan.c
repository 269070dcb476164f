/* m365hunt scan: read evidence, print the summary or findings, set the exit code. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum out_format { OUT_TEXT, OUT_JSONL, OUT_JSON };

struct scan_cli {
    struct cli_term term;
    const char *out_dir;  /* --out */
    bool timeline_all;    /* --timeline all */
    bool coverage_only; /* m365hunt coverage */
    enum out_format format;
    const char *events_path;
    bool fail_on_set;
    enum m365_severity fail_on;
    double max_skip_ratio;
    bool strict;
    unsigned top;
    unsigned long warnings, errors;
    int argc;
    char **argv; /* as typed, passwords hidden: the reports record it */
    bool progress_shown;
    struct cli_zip_passwords zip_pw;
};

static int write_file(const char *data, size_t len, void *user)
{
    return fwrite(data, 1, len, (FILE *)user) == len ? 0 : -1;
}

static void on_diag(const struct m365_diag *d, void *user)
{
    struct scan_cli *c = user;
    if (d->level == M365_DIAG_ERROR) {
        c->errors++;
    } else if (d->level == M365_DIAG_WARNING) {
        c->warnings++;
    }
    if (c->term.quiet && d->level != M365_DIAG_ERROR) {
        return;
    }
    if (d->level == M365_DIAG_NOTE && !c->term.verbose) {
        return;
    }
    if (c->progress_shown) {
        fputs("\r\033[K", stderr);
        c->progress_shown = false;
    }
    const char *lvl = d->level == M365_DIAG_ERROR     ? "error"
                      : d->level == M365_DIAG_WARNING ? "warning"
                                                      : "note";
    const char *col = d->level == M365_DIAG_ERROR ? "\033[31m" : "\033[33m";
    fprintf(stderr, "m365hunt: %s%s%s: ", cli_c(&c->term, false, col), lvl,
            cli_c(&c->term, false, "\033[0m"));
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

static void on_progress(uint64_t done, uint64_t total, void *user)
{
    struct scan_cli *c = user;
    if (!c->term.progress || c->term.quiet || total == 0) {
        return;
    }
    unsigned pct = (unsigned)(done >= total ? 100 : done * 100 / total);
    char bar[31];
    unsigned fill = pct * 30 / 100;
    for (unsigned i = 0; i < 30; i++) {
        bar[i] = i < fill ? '#' : '.';
    }
    bar[30] = '\0';
    fprintf(stderr, "\r\033[Kreading [%s] %3u%%  %.1f / %.1f MiB", bar, pct,
            (double)done / 1048576.0, (double)total / 1048576.0);
    fflush(stderr);
    c->progress_shown = true;
}

static void fmt_time(int64_t ms, char *buf, size_t n)
{
    if (ms == INT64_MIN || ms == M365_TIME_NONE) {
        snprintf(buf, n, "-");
        return;
    }
    char iso[40];
    m365_format_time(ms, iso, sizeof(iso));
    /* 2026-03-04T01:56:15.000Z -> 2026-03-04 01:56:15 */
    snprintf(buf, n, "%.10s %.8s", iso, iso + 11);
}

struct count {
    const char *key;
    uint64_t n;
};

static int cmp_count(const void *a, const void *b)
{
    const struct count *x = a, *y = b;
    if (x->n != y->n) {
        return x->n > y->n ? -1 : 1;
    }
    return strcmp(x->key, y->key);
}

/* Counts per interned value (pointer equality = string equality): open addressing. */
struct counter {
    struct count *t;
    size_t cap, n;
    bool failed;
};

/* The key's slot: where it is, or the empty one where it goes. */
static struct count *counter_slot(struct count *t, size_t cap, const char *key)
{
    size_t j = ((uintptr_t)key >> 3) * 0x9e3779b97f4a7c15ull & (cap - 1);
    while (t[j].key && t[j].key != key) {
        j = (j + 1) & (cap - 1);
    }
    return &t[j];
}

static void counter_add(struct counter *c, const char *key)
{
    if (c->failed) {
        return;
    }
    if ((c->n + 1) * 2 > c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 1024;
        struct count *nt = calloc(ncap, sizeof(*nt));
        if (!nt) {
            c->failed = true;
            return;
        }
        for (size_t i = 0; i < c->cap; i++) {
            if (c->t[i].key) {
                *counter_slot(nt, ncap, c->t[i].key) = c->t[i];
            }
        }
        free(c->t);
        c->t = nt;
        c->cap = ncap;
    }
    struct count *e = counter_slot(c->t, c->cap, key);
    if (!e->key) {
        e->key = key;
        c->n++;
    }
    e->n++;
}

/* The `max` most frequent, most first (ties by name); frees the counter. */
static size_t counter_top(struct counter *c, struct count *out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < c->cap; i++) {
        if (c->t[i].key) {
            c->t[k++] = c->t[i];
        }
    }
    if (k > 1) {
        qsort(c->t, k, sizeof(*c->t), cmp_count);
    }
    size_t r = c->failed ? 0 : k < max ? k : max;
    if (r) {
        memcpy(out, c->t, r * sizeof(*out));
    }
    free(c->t);
    return r;
}

/* The busiest users and addresses, in one walk over the events. */
static void busiest(const struct m365_scan *s, struct count *users, size_t *nu, struct count *ips,
                    size_t *ni, size_t max)
{
    struct counter cu = {0}, ci = {0};
    struct m365_event buf;
    for (size_t i = 0; i < m365_scan_n_events(s); i++) {
        const struct m365_event *ev = m365_scan_event_brief(s, i, &buf);
        if (ev->actor_upn) {
            counter_add(&cu, ev->actor_upn);
        }
        if (ev->ip) {
            counter_add(&ci, ev->ip);
        }
    }
    *nu = counter_top(&cu, users, max);
    *ni = counter_top(&ci, ips, max);
}

static void print_stats_row(FILE *o, int width, const char *name, unsigned files,
                            const struct m365_source_stats *st)
{
    char a[24], b[24];
    fmt_time(st->first_ms, a, sizeof(a));
    fmt_time(st->last_ms, b, sizeof(b));
    fprintf(o, "  %-*s %5u %8llu %8llu %7llu %5llu  %-10.10s  %-10.10s\n", width, name, files,
            (unsigned long long)st->records_read, (unsigned long long)st->parsed,
            (unsigned long long)st->skipped, (unsigned long long)st->duplicates, a, b);
}


/* Prints text wrapped at 78 columns with an indent; log text goes through cli_put_safe. */
static void wrap(FILE *o, const char *text, int indent)
{
    const char *p = text ? text : "";
    int width = 78 - indent;
    while (*p) {
        int n = (int)strlen(p);
        if (n > width) {
            n = width;
            while (n > 0 && p[n] != ' ') {
                n--;
            }
            if (n == 0) {
                n = width;
            }
        }
        char line[160];
        snprintf(line, sizeof(line), "%.*s", n, p);
        fprintf(o, "%*s", indent, "");
        cli_put_safe(o, line, -1);
        fputc('\n', o);
        p += n;
        while (*p == ' ') {
            p++;
        }
    }
}

/* One short line under a mailbox read: what reached it and from where, a few of each (the
 * JSON and HTML reports list them all). */
static void exposure_how(FILE *o, const struct m365_scan *s, const struct m365_exposure *e)
{
    char line[768];
    size_t w = 0;
    char size[40] = "", text[24];
    if (e->graph_bytes) { /* what Graph returned: the log counts no items */
        m365_format_bytes(e->graph_bytes, text, sizeof(text));
        snprintf(size, sizeof(size), " returning %s", text);
    }
    if (e->graph_requests && e->items) { /* else the row counts them */
        w += (size_t)snprintf(line, sizeof(line), "%u Graph request%s%s%s", e->graph_requests,
                              e->graph_requests > 1 ? "s" : "", size, e->n_via ? "; " : "");
    } else if (size[0]) {
        w += (size_t)snprintf(line, sizeof(line), "%s%s", size + 1, e->n_via ? "; " : "");
    }
    for (size_t i = 0; i < e->n_via && i < 2 && w < sizeof(line); i++) {
        char label[320]; /* an application as the summaries name it */
        w += (size_t)snprintf(line + w, sizeof(line) - w, "%s%s", i ? ", " : "via ",
                              m365_scan_app_label(s, e->via[i], label, sizeof(label)));
    }
    if (e->n_via > 2 && w < sizeof(line)) {
        w += (size_t)snprintf(line + w, sizeof(line) - w, " (+%zu)", e->n_via - 2);
    }
    for (size_t i = 0; i < e->n_ips && i < 3 && w < sizeof(line); i++) {
        w += (size_t)snprintf(line + w, sizeof(line) - w, "%s%s",
                              i ? ", " : w ? "; from " : "from ", e->ips[i]);
    }
    if (e->n_ips > 3 && w < sizeof(line)) {
        w += (size_t)snprintf(line + w, sizeof(line) - w, " (+%zu)", e->n_ips - 3);
    }
    if (w) {
        wrap(o, line, 8);
    }
}

static int utf8_columns(const char *s)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        n += (*p & 0xc0) != 0x80;
    }
    return n;
}

/* A mailbox (or other name) in a column of `width` after `indent` spaces, never cut: which
 * mailboxes cannot be seen is part of the answer, and a cut address can read as another one. A
 * longer one takes its own line, the rest of the row going on under the column's end. */
static void put_mailbox(FILE *o, const char *mailbox, int width, int indent)
{
    int n = utf8_columns(mailbox);
    cli_put_safe(o, mailbox, width);
    if (n > width) {
        fprintf(o, "\n%*s", indent + width, "");
    }
}

static void print_incidents(struct scan_cli *c, const struct m365_scan *s, FILE *o)
{
    const struct cli_term *t = &c->term;
    const char *B = cli_c(t, true, "\033[1m"), *R = cli_c(t, true, "\033[0m");
    size_t ni = m365_scan_n_incidents(s);
    fprintf(o, "%sINCIDENTS%s", B, R);
    if (ni == 0) {
        fprintf(o, "\n  none\n");
        return;
    }
    fprintf(o, " (%zu)\n", ni);
    for (size_t i = 0; i < ni; i++) {
        const struct m365_incident *inc = m365_scan_incident(s, i);
        char a[24], b[24];
        fmt_time(inc->first_ms, a, sizeof(a));
        fmt_time(inc->last_ms, b, sizeof(b));
        const char *col = inc->severity >= M365_SEV_HIGH ? "\033[31m" : "\033[33m";
        /* Findings on records without a time (a CSV row whose date was blank, say). */
        char span[48];
        if (a[0] == '-' && b[0] == '-') {
            snprintf(span, sizeof(span), "time not recorded");
        } else {
            snprintf(span, sizeof(span), "%.16s .. %.16s", a, b);
        }
        fprintf(o, "  %s#%lld %s%s  %s  %zu finding%s\n", cli_c(t, true, col),
                (long long)inc->number, m365_severity_name(inc->severity), R, span,
                inc->n_findings, inc->n_findings == 1 ? "" : "s");
        wrap(o, inc->story, 4);
        if (inc->n_exposed) {
            fprintf(o, "    Mailboxes read (%zu):\n", inc->n_exposed);
            /* Whole addresses, and 80 columns: when the longest leaves no room for its counts
             * on the line, every row puts them on a line of its own. */
            int w = 0;
            for (size_t k = 0; k < inc->n_exposed; k++) {
                int n = utf8_columns(inc->exposed[k].mailbox);
                w = n > w ? n : w;
            }
            bool one_line = 6 + w + 40 <= 80;
            for (size_t k = 0; k < inc->n_exposed; k++) {
                const struct m365_exposure *e = &inc->exposed[k];
                fmt_time(e->first_ms, a, sizeof(a));
                fmt_time(e->last_ms, b, sizeof(b));
                fputs("      ", o);
                cli_put_safe(o, e->mailbox, one_line ? w : -1);
                /* Month, day and minute: the year is the incident's. A mailbox read only
                 * through Graph requests has requests, not items. */
                bool requests = e->graph_requests && !e->items;
                fprintf(o, "%s %6llu %s  %.11s .. %.11s\n", one_line ? "" : "\n        ",
                        (unsigned long long)(requests ? e->graph_requests : e->items),
                        requests ? "reqs " : "items", a[0] == '-' ? a : a + 5,
                        b[0] == '-' ? b : b + 5);
                exposure_how(o, s, e);
            }
        }
        for (size_t k = 0; k < inc->n_blind; k++) {
            const struct m365_blind_spot *bs = &inc->blind[k];
            fmt_time(bs->from_ms, a, sizeof(a));
            char line[400];
            snprintf(line, sizeof(line), "Not auditable: %s from %.16s%s%.16s (%s)", bs->mailbox, a,
                     bs->to_ms != M365_TIME_NONE ? " to " : "",
                     bs->to_ms != M365_TIME_NONE ? (fmt_time(bs->to_ms, b, sizeof(b)), b) : "",
                     bs->reason);
            wrap(o, line, 4);
        }
    }
}

static void print_coverage(struct scan_cli *c, const struct m365_scan *s, FILE *o, bool full)
{
    const struct cli_term *t = &c->term;
    const char *B = cli_c(t, true, "\033[1m"), *R = cli_c(t, true, "\033[0m");
    const struct m365_coverage *cv = m365_scan_coverage(s);
    fprintf(o, "%sCOVERAGE%s (what an empty result does not prove)\n", B, R);
    for (size_t i = 0; i < cv->n_sources; i++) {
        const struct m365_source_coverage *sc = &cv->sources[i];
        char a[24], b[24];
        fmt_time(sc->first_ms, a, sizeof(a));
        fmt_time(sc->last_ms, b, sizeof(b));
        size_t gap_days = 0;
        for (size_t g = 0; g < sc->n_gaps; g++) {
            gap_days += (size_t)((sc->gaps[g].to_ms - sc->gaps[g].from_ms) / M365_DAY_MS);
        }
        fprintf(o, "  %-24s %.10s .. %.10s  %u day%s, %zu without records\n", sc->source, a, b,
                sc->days, sc->days == 1 ? "" : "s", gap_days);
        for (size_t g = 0; g < sc->n_gaps && (full || g < 3); g++) {
            fmt_time(sc->gaps[g].from_ms, a, sizeof(a));
            fmt_time(sc->gaps[g].to_ms - 1, b, sizeof(b)); /* the last day without records */
            if (strncmp(a, b, 10) == 0) {
                fprintf(o, "      no records on %.10s\n", a);
            } else {
                fprintf(o, "      no records from %.10s to %.10s\n", a, b);
            }
        }
    }
    if (cv->n_cut_searches) {
        fprintf(o, "  Search-UnifiedAuditLog exports cut short (%zu):\n", cv->n_cut_searches);
        for (size_t i = 0; i < cv->n_cut_searches; i++) {
            const struct m365_cut_search *cs = &cv->cut_searches[i];
            fputs("    ", o);
            cli_put_safe(o, cs->file, -1);
            fputc('\n', o);
            char line[240];
            snprintf(line, sizeof(line),
                     "its search reported %llu results, its rows stop at result %llu: %llu "
                     "never exported",
                     (unsigned long long)cs->result_count, (unsigned long long)cs->last_index,
                     (unsigned long long)(cs->result_count - cs->last_index));
            wrap(o, line, 6);
        }
        wrap(o, "(the cmdlet returns at most 50,000 results per session: search again in "
                "shorter time slices)", 4);
    }
    if (cv->n_cut_pages) {
        fprintf(o, "  Paged exports with no last page (%zu):\n", cv->n_cut_pages);
        for (size_t i = 0; i < cv->n_cut_pages; i++) {
            const struct m365_cut_pages *cp = &cv->cut_pages[i];
            char of[200];
            m365_log_sources_text(cp->sources, of, sizeof(of));
            fprintf(o, "    %s%s%s%s, %llu page%s from ", cp->format, *of ? " (" : "", of,
                    *of ? ")" : "", (unsigned long long)cp->pages, cp->pages == 1 ? "" : "s");
            cli_put_safe(o, cp->file, -1);
            fputc('\n', o);
        }
        wrap(o, "(every page names a next one, @odata.nextLink: the collector stopped before "
                "the end; the records after them were never saved)", 4);
    }
    size_t nne = m365_scan_n_not_evaluated(s), npart = 0;
    for (size_t i = 0; i < nne; i++) {
        npart += m365_scan_not_evaluated_in_part(s, i);
    }
    for (int part = 0; part < 2; part++) {
        size_t n = part ? npart : nne - npart;
        if (!n) {
            continue;
        }
        fprintf(o, "  Rules %s (%zu):\n", part ? "evaluated in part" : "not evaluated", n);
        for (size_t i = 0; i < nne; i++) {
            if (m365_scan_not_evaluated_in_part(s, i) != (part == 1)) {
                continue;
            }
            const char *rule, *reason;
            m365_scan_not_evaluated(s, i, &rule, &reason);
            char line[640];
            snprintf(line, sizeof(line), "%s: %s", rule, reason);
            wrap(o, line, 4);
        }
    }
    char mline[200];
    snprintf(mline, sizeof(mline),
             "Mailbox reads (MailItemsAccessed): %zu mailboxes logged; %zu owners sign in but "
             "their mailbox logs none",
             cv->n_visible, cv->n_invisible);
    wrap(o, mline, 2);
    if (cv->n_invisible) {
        wrap(o, "(no Audit Premium licence, auditing off or bypassed: reads of these mailboxes "
                "cannot be seen)",
             4);
    }
    /* The Graph activity log does not depend on the mailbox's auditing. */
    const struct m365_source_stats *ga = m365_scan_log_stats(s, M365_LOG_GRAPH_ACTIVITY);
    if (ga && ga->events) {
        char a[24], b[24];
        fmt_time(ga->first_ms, a, sizeof(a));
        fmt_time(ga->last_ms, b, sizeof(b));
        snprintf(mline, sizeof(mline),
                 "Graph activity log %.10s .. %.10s: Graph reads of any mailbox are logged there "
                 "whatever its auditing (EWS, Outlook and OWA reads are not)",
                 a, b);
        wrap(o, mline, 4);
    }
    if (cv->n_not_auditable) {
        snprintf(mline, sizeof(mline),
                 "Tenant snapshot: %zu mailbox%s cannot log MailItemsAccessed at all (no Audit "
                 "(Premium) licence, plan disabled, auditing off or bypassed)%s",
                 cv->n_not_auditable, cv->n_not_auditable == 1 ? "" : "es",
                 full ? "" : "; 'm365hunt coverage' lists them");
        wrap(o, mline, 2);
    }
    /* The rows shown, twice: the first pass finds the widest mailbox for the column. */
    int col = 38;
    for (int pass = 0; pass < 2; pass++) {
        size_t shown = 0;
        for (size_t i = 0; i < cv->n_mailboxes; i++) {
            const struct m365_mailbox_coverage *m = &cv->mailboxes[i];
            bool blind = !m->mail_access_records && m->owner_signins;
            if (!(m->audit_off || m->throttled || (full && (blind || m->not_auditable)))) {
                continue;
            }
            if (!full && shown++ >= 10) {
                continue;
            }
            if (pass == 0) {
                int n = utf8_columns(m->mailbox);
                col = n > col && n <= 44 ? n : col; /* 44: the status still fits 80 columns */
                continue;
            }
            char a[24];
            fputs("    ", o);
            put_mailbox(o, m->mailbox, col, 4);
            if (m->audit_off) {
                fmt_time(m->audit_off_from, a, sizeof(a));
                fprintf(o, " audit off from %.16s", a);
                if (m->audit_off_to != M365_TIME_NONE) {
                    fmt_time(m->audit_off_to, a, sizeof(a));
                    fprintf(o, "\n%*s to %.16s", 4 + col, "", a);
                }
            }
            if (m->throttled) {
                fmt_time(m->throttled_at, a, sizeof(a));
                fprintf(o, " throttled at %.16s", a);
            }
            if (m->not_auditable) {
                fputs(" cannot be audited: ", o);
                cli_put_safe(o, m->not_auditable, -1);
            } else if (blind && !m->audit_off && !m->throttled) {
                fputs(" no MailItemsAccessed records", o);
            }
            fputc('\n', o);
        }
    }
}

/* The snapshot objects loaded beside the logs (their files are in the EVIDENCE table). */
static void print_snapshot(struct scan_cli *c, const struct m365_scan *s, FILE *o)
{
    const struct m365_snapshot *snap = m365_scan_snapshot(s);
    if (!snap) {
        return;
    }
    const struct cli_term *t = &c->term;
    const char *B = cli_c(t, true, "\033[1m"), *R = cli_c(t, true, "\033[0m");
    struct m365_snapshot_counts k = m365_snapshot_counts(snap);
    char a[24];
    fmt_time(k.as_of_ms, a, sizeof(a));
    fprintf(o, "\n%sTENANT SNAPSHOT%s (as of %.16s)\n", B, R, a);
    /* Objects per kind, the kinds with none left out. */
    const struct {
        enum m365_snapshot_kind kind;
        size_t n;
    } kinds[] = {{M365_SNAP_USERS, k.users},
                 {M365_SNAP_REGISTRATION, k.registrations},
                 {M365_SNAP_MAILBOXES, k.mailboxes},
                 {M365_SNAP_SERVICE_PRINCIPALS, k.service_principals},
                 {M365_SNAP_GRANTS, k.grants},
                 {M365_SNAP_APP_ROLES, k.app_role_assignments},
                 {M365_SNAP_APPLICATIONS, k.applications},
                 {M365_SNAP_DIRECTORY_ROLES, k.directory_role_assignments},
                 {M365_SNAP_CA_POLICIES, k.ca_policies},
                 {M365_SNAP_DOMAINS, k.domains},
                 {M365_SNAP_FEDERATION, k.federation_configs},
                 {M365_SNAP_AUDIT_BYPASS, k.audit_bypass},
                 {M365_SNAP_MGMT_ROLES, k.management_role_assignments},
                 {M365_SNAP_SUBSCRIBED_SKUS, k.subscribed_skus},
                 {M365_SNAP_OWNERS, k.owners}};
    char line[800];
    size_t w = 0;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && w < sizeof(line); i++) {
        if (kinds[i].n) {
            w += (size_t)snprintf(line + w, sizeof(line) - w, "%s%s %zu", w ? ", " : "",
                                  m365_snapshot_kind_name(kinds[i].kind), kinds[i].n);
        }
    }
    wrap(o, w ? line : "no objects", 2);
    wrap(o, "context for the log detections (last sign-ins, application permissions and "
            "owners, mailbox auditing); posture findings are under FINDINGS",
         2);
}

/* The length of the archive's path, or of the folder's, at the start of the file's path: the
 * files it is listed with when not read. */
static size_t unread_group_len(const struct m365_file_stats *fs)
{
    if (fs->archive_len) {
        return fs->archive_len;
    }
    const char *slash = strrchr(fs->path, '/');
    return slash ? (size_t)(slash - fs->path) : 0;
}

/* The files not read, one a line; those of one archive or folder not read for one reason (all
 * of an encrypted archive's, without its password) past the first few on one line, as on
 * stderr. */
static void print_unread(const struct m365_scan *s, FILE *o)
{
    size_t n = m365_scan_n_files(s);
    for (size_t i = 0; i < n; i++) {
        const struct m365_file_stats *fs = m365_scan_file(s, i);
        if (fs->status == M365_OK && fs->reader) {
            continue;
        }
        const char *why = fs->error ? fs->error : "not read";
        size_t g = unread_group_len(fs);
        size_t run = 1; /* this file and the files after it alike */
        while (i + run < n) {
            const struct m365_file_stats *h = m365_scan_file(s, i + run);
            if (h->status == M365_OK || !h->error || strcmp(h->error, why) != 0 ||
                (h->why != fs->why && (!h->why || !fs->why || strcmp(h->why, fs->why) != 0)) ||
                h->archive_len != fs->archive_len || unread_group_len(h) != g ||
                memcmp(h->path, fs->path, g) != 0) {
                break;
            }
            run++;
        }
        size_t shown = run > M365_UNREAD_FILES_NAMED ? M365_UNREAD_FILES_NAMED : run;
        for (size_t k = 0; k < shown; k++) {
            fputs("  ", o);
            cli_put_safe(o, m365_scan_file(s, i + k)->path, -1);
            fprintf(o, ": %s\n", why);
        }
        if (shown < run) {
            char *group = g ? strndup(fs->path, g) : strdup(".");
            fputs("  ", o);
            cli_put_safe(o, group ? group : fs->path, -1);
            fprintf(o, ": %zu more %s%s, %s\n", run - shown, fs->archive_len ? "member" : "file",
                    run - shown == 1 ? "" : "s", why);
            free(group);
        }
        i += run - 1;
    }
}

static void print_text(struct scan_cli *c, const struct m365_scan *s, double secs)
{
    FILE *o = stdout;
    const struct cli_term *t = &c->term;
    const char *B = cli_c(t, true, "\033[1m"), *R = cli_c(t, true, "\033[0m");
    struct m365_source_stats tot = m365_scan_totals(s);
    uint64_t bytes = 0;
    size_t unread = 0;
    for (size_t i = 0; i < m365_scan_n_files(s); i++) {
        bytes += m365_scan_file(s, i)->bytes;
        unread += m365_scan_file(s, i)->status != M365_OK || !m365_scan_file(s, i)->reader;
    }
    fprintf(o, "%sm365hunt %s%s: %zu files, %.1f MiB, %llu events, %.2f s\n\n", B,
            M365HUNT_VERSION, R, m365_scan_n_files(s), (double)bytes / 1048576.0,
            (unsigned long long)tot.events, secs);

    print_incidents(c, s, o);
    fputc('\n', o);
    fprintf(o, "%sEVIDENCE%s (times UTC)\n", B, R);
    int width = 11; /* snapshot kinds (userRegistrationDetails) are longer than format names */
    for (size_t i = 0; i < m365_scan_n_readers(s); i++) {
        int len = (int)strlen(m365_scan_reader_stats(s, i)->name);
        width = len > width ? len : width;
    }
    fprintf(o, "  %-*s %5s %8s %8s %7s %5s  %-10s  %-10s\n", width, "format", "files", "records",
            "parsed", "skipped", "dups", "first", "last");
    for (size_t i = 0; i < m365_scan_n_readers(s); i++) {
        const struct m365_source_stats *st = m365_scan_reader_stats(s, i);
        print_stats_row(o, width, st->name, st->n_files, st);
    }
    print_stats_row(o, width, "total", (unsigned)tot.n_files, &tot);
    fprintf(o, "  records read %llu = parsed %llu + skipped %llu + duplicates %llu\n",
            (unsigned long long)tot.records_read, (unsigned long long)tot.parsed,
            (unsigned long long)tot.skipped, (unsigned long long)tot.duplicates);
    size_t nt = m365_scan_n_tenants(s);
    if (nt > 1) { /* the rules read them as one tenant: say whose records these are */
        fprintf(o, "  records of %zu tenants:", nt);
        for (size_t i = 0; i < nt && i < 4; i++) {
            const struct m365_tenant_records *tr = m365_scan_tenant(s, i);
            fprintf(o, "%s %s (%llu record%s%s)", i ? "," : "", tr->id,
                    (unsigned long long)tr->records, tr->records == 1 ? "" : "s",
                    tr->investigated ? ", investigated" : "");
        }
        if (nt > 4) {
            fprintf(o, " and %zu more", nt - 4);
        }
        fputc('\n', o);
    }
    uint64_t untimed = 0;
    for (size_t i = 0; i < m365_scan_n_files(s); i++) {
        untimed += m365_scan_file(s, i)->untimed;
    }
    if (untimed) {
        fprintf(o, "  %llu events carry no timestamp (kept, shown first in time order)\n",
                (unsigned long long)untimed);
    }
    for (size_t i = 0; i < m365_scan_n_archives(s); i++) {
        const struct m365_archive_stats *a = m365_scan_archive(s, i);
        fputs("  from the archive ", o);
        cli_put_safe(o, a->path, -1);
        fprintf(o, ": %llu file%s (%.1f MiB packed)", (unsigned long long)a->members,
                a->members == 1 ? "" : "s", (double)a->bytes / (1024.0 * 1024.0));
        if (a->sha256[0]) {
            fprintf(o, ", SHA-256 %s", a->sha256);
        }
        fputc('\n', o);
    }

    for (size_t i = 0; i < m365_scan_n_enrichment(s); i++) {
        const struct m365_enrichment_source *e = m365_scan_enrichment(s, i);
        fprintf(o, "  enrichment --%s ", e->option);
        cli_put_safe(o, e->path, -1);
        if (e->database_type) {
            char built[24];
            fmt_time(e->built_ms, built, sizeof(built));
            fputs(" (", o);
            cli_put_safe(o, e->database_type, -1);
            fprintf(o, ", built %.10s)", built);
        } else {
            fprintf(o, " (%llu prefix%s)", (unsigned long long)e->prefixes,
                    e->prefixes == 1 ? "" : "es");
        }
        /* How much it answered: a database in a layout not read, an IPv4-only file asked
         * about IPv6 addresses, a list that holds none of them, shows here, not as silence. */
        char use[160];
        m365_enrichment_use(e, use, sizeof(use));
        fprintf(o, "%s%s\n", use[0] ? ": " : "", use);
    }
    for (size_t i = 0; i < m365_scan_n_overlaps(s); i++) {
        const struct m365_overlap *ov = m365_scan_overlap(s, i);
        fprintf(o,
                "  %s%llu record%s read as %s %s the id of one read as %s, written another way:"
                "%s\n    one log in two shapes, seen twice by the detections (e.g. ",
                cli_c(t, true, "\033[33m"), (unsigned long long)ov->records,
                ov->records == 1 ? "" : "s", ov->second_format, ov->records == 1 ? "has" : "have",
                ov->first_format, R);
        cli_put_safe(o, ov->file, -1);
        fprintf(o, ":%llu)\n", (unsigned long long)ov->line);
    }

    fprintf(o, "\n%sLOG SOURCES%s\n", B, R);
    fprintf(o, "  %-26s %8s  %-16s  %-16s\n", "source", "events", "first", "last");
    for (int l = 0; l < M365_LOG__COUNT; l++) {
        const struct m365_source_stats *st = m365_scan_log_stats(s, (enum m365_log_source)l);
        if (!st->events) {
            continue;
        }
        char a[24], b2[24];
        fmt_time(st->first_ms, a, sizeof(a));
        fmt_time(st->last_ms, b2, sizeof(b2));
        fprintf(o, "  %-26s %8llu  %-16.16s  %-16.16s\n", st->name,
                (unsigned long long)st->events, a, b2);
    }

    print_snapshot(c, s, o);

    if (unread) {
        fprintf(o, "\n%sNOT READ%s (%zu files; see the messages on stderr)\n", B, R, unread);
        print_unread(s, o);
    }

    struct count users[64], ips[64];
    unsigned top = c->top > 64 ? 64 : c->top;
    size_t nu, ni;
    busiest(s, users, &nu, ips, &ni, top);
    /* Side by side when the widest name of each fits; else one table under the other. */
    int uw = 28, iw = 30;
    for (size_t i = 0; i < nu; i++) {
        int n = utf8_columns(users[i].key);
        uw = n > uw ? n : uw;
    }
    for (size_t i = 0; i < ni; i++) {
        int n = utf8_columns(ips[i].key);
        iw = n > iw ? n : iw;
    }
    if ((nu || ni) && 2 + uw + 12 + iw + 8 <= 80) {
        fprintf(o, "\n%s%-*s %7s    %-*s %7s%s\n", B, uw + 2, "BUSIEST USERS", "events", iw,
                "BUSIEST IPS", "events", R);
        for (size_t i = 0; i < (nu > ni ? nu : ni); i++) {
            fputs("  ", o);
            if (i < nu) {
                cli_put_safe(o, users[i].key, uw);
                fprintf(o, " %7llu    ", (unsigned long long)users[i].n);
            } else {
                fprintf(o, "%-*s %7s    ", uw, "", "");
            }
            if (i < ni) {
                cli_put_safe(o, ips[i].key, iw);
                fprintf(o, " %7llu", (unsigned long long)ips[i].n);
            }
            fputc('\n', o);
        }
    } else if (nu || ni) {
        for (int k = 0; k < 2; k++) {
            const struct count *v = k ? ips : users;
            size_t n = k ? ni : nu;
            int w = k ? iw : uw;
            w = w > 60 ? 60 : w;
            fprintf(o, "\n%s%-*s %7s%s\n", B, w + 2, k ? "BUSIEST IPS" : "BUSIEST USERS", "events",
                    R);
            for (size_t i = 0; i < n; i++) {
                fputs("  ", o);
                put_mailbox(o, v[i].key, w, 2);
                fprintf(o, " %7llu\n", (unsigned long long)v[i].n);
            }
        }
    }

    fputc('\n', o);
    print_coverage(c, s, o, false);

    fprintf(o, "\n%sFINDINGS%s (%zu)\n", B, R, m365_scan_n_findings(s));
    size_t nf = m365_scan_n_findings(s);
    if (nf == 0) {
        fprintf(o, "  none\n");
    }
    /* By severity, most severe first; in time order within a severity. */
    for (int sev = M365_SEV_CRITICAL; sev >= M365_SEV_INFO; sev--) {
        bool header = false;
        for (size_t i = 0; i < nf; i++) {
            const struct m365_finding *f = m365_scan_finding(s, i);
            if ((int)f->severity != sev) {
                continue;
            }
            if (!header) {
                const char *col = sev >= M365_SEV_HIGH ? "\033[31m"
                                  : sev == M365_SEV_MEDIUM ? "\033[33m"
                                                           : "";
                fprintf(o, "  %s%s%s\n", cli_c(t, true, col), m365_severity_name((enum m365_severity)sev),
                        *col ? R : "");
                header = true;
            }
            char a[24], inc[24] = "";
            fmt_time(f->first_ms, a, sizeof(a));
            if (f->incident >= 0) {
                snprintf(inc, sizeof(inc), "#%lld", (long long)f->incident);
            }
            fprintf(o, "    %-4s %.16s  %s\n", inc, a, f->rule);
            wrap(o, f->summary ? f->summary : f->title, 9);
        }
    }
}

static int write_events(const struct m365_scan *s, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : NULL;
    char tmp[4096];
    if (!f) {
        /* Written beside the target, renamed at the end: never a half-written file. */
        snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
        f = fopen(tmp, "w");
        if (!f) {
            fprintf(stderr, "m365hunt: error: %s: cannot write: %s\n", path, strerror(errno));
            return -1;
        }
    }
    int rc = 0;
    struct m365_event buf;
    for (size_t i = 0; i < m365_scan_n_events(s) && rc == 0; i++) {
        if (m365_event_write_json(m365_scan_event_at(s, i, &buf), write_file, f) != M365_OK ||
            fputc('\n', f) == EOF) {
            rc = -1;
        }
    }
    if (f != stdout) {
        if (fclose(f) != 0) {
            rc = -1;
        }
        if (rc == 0 && rename(tmp, path) != 0) {
            rc = -1;
        }
        if (rc != 0) {
            fprintf(stderr, "m365hunt: error: %s: cannot write: %s\n", path, strerror(errno));
            remove(tmp);
        }
    } else {
        fflush(f);
    }
    return rc;
}

/* One output file: written under a temporary name in the same folder, then renamed. */
struct out_file {
    FILE *f;
    char tmp[4096], path[4096];
};

static int out_open(struct out_file *o, const char *dir, const char *name)
{
    snprintf(o->path, sizeof(o->path), "%s/%s", dir, name);
    snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.tmp.%ld", dir, name, (long)getpid());
    o->f = fopen(o->tmp, "w");
    return o->f ? 0 : -1;
}

static int out_close(struct out_file *o, int ok)
{
    int rc = fclose(o->f) == 0 && ok ? 0 : -1;
    if (rc == 0 && rename(o->tmp, o->path) != 0) {
        rc = -1;
    }
    if (rc != 0) {
        fprintf(stderr, "m365hunt: error: %s: cannot write: %s\n", o->path, strerror(errno));
        remove(o->tmp);
    }
    return rc;
}

static int write_out_dir(struct scan_cli *c, const struct m365_scan *s, double secs)
{
    if (mkdir(c->out_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "m365hunt: error: %s: cannot create: %s\n", c->out_dir, strerror(errno));
        return -1;
    }
    struct out_file o;
    int rc = 0;
    if (out_open(&o, c->out_dir, "findings.jsonl") == 0) {
        int ok = 1;
        for (size_t i = 0; i < m365_scan_n_findings(s) && ok; i++) {
            ok = m365_finding_write_json(m365_scan_finding(s, i), write_file, o.f) == M365_OK &&
                 fputc('\n', o.f) != EOF;
        }
        rc |= out_close(&o, ok);
    } else {
        rc = -1;
    }
    if (out_open(&o, c->out_dir, "report.json") == 0) {
        rc |= out_close(&o, m365_scan_write_report_json(s, c->argc, c->argv, write_file, o.f) ==
                                M365_OK);
    } else {
        rc = -1;
    }
    if (out_open(&o, c->out_dir, "timeline.csv") == 0) {
        rc |= out_close(&o, m365_scan_write_timeline_csv(s, c->timeline_all, write_file, o.f) ==
                                M365_OK);
    } else {
        rc = -1;
    }
    if (out_open(&o, c->out_dir, "attack-layer.json") == 0) {
        rc |= out_close(&o, m365_scan_write_attack_layer(s, write_file, o.f) == M365_OK);
    } else {
        rc = -1;
    }
    if (out_open(&o, c->out_dir, "report.html") == 0) {
        struct m365_report_meta meta = {c->argc, c->argv, secs};
        rc |= out_close(&o, m365_scan_write_report_html(s, &meta, write_file, o.f) == M365_OK);
    } else {
        rc = -1;
    }
    if (rc != 0 && !errno) {
        fprintf(stderr, "m365hunt: error: %s: cannot write the reports\n", c->out_dir);
    }
    return rc;
}

enum {
    OPT_EVENTS = 256,
    OPT_INPUT_FORMAT,
    OPT_FAIL_ON,
    OPT_MAX_SKIP,
    OPT_STRICT,
    OPT_MAX_RECORD,
    OPT_MAX_DECOMP,
    OPT_MAX_RATIO,
    OPT_TOP,
    OPT_NO_PROGRESS,
    OPT_COLOR,
    OPT_READ_CHUNK,
    OPT_CONFIG,
    OPT_IP_RANGES,
    OPT_ASN_DB,
    OPT_GEO_DB,
    OPT_TRUSTED,
    OPT_TENANT,
    OPT_VIP,
    OPT_OUT,
    OPT_TIMELINE,
    OPT_THREADS,
    OPT_SPILL,
    OPT_SPILL_RESIDENT,
    OPT_SPLIT_SIZE,
    OPT_MAX_DISTINCT,
    OPT_ZIP_PASSWORD
};

static int run_scan(int argc, char **argv, bool coverage_only);

int cli_scan(int argc, char **argv)
{
    return run_scan(argc, argv, false);
}

int cli_coverage(int argc, char **argv)
{
    return run_scan(argc, argv, true);
}

/* The values of --spill and --color. */
static const char *const when_names[] = {"auto", "always", "never", NULL};

/* Index of arg among the NULL-terminated names, or -1. */
static int keyword(const char *arg, const char *const *names)
{
    for (int i = 0; names[i]; i++) {
        if (strcmp(arg, names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

static int scan_typed(int argc, char **argv, bool coverage_only, char **typed);

static int run_scan(int argc, char **argv, bool coverage_only)
{
    char **typed = cli_hide_passwords(argc, argv);
    if (!typed) {
        fputs("m365hunt: error: out of memory\n", stderr);
        return CLI_EXIT_NO_EVIDENCE;
    }
    int rc = scan_typed(argc, argv, coverage_only, typed);
    free(typed);
    return rc;
}

/* typed: the command line to record (cli_hide_passwords). */
static int scan_typed(int argc, char **argv, bool coverage_only, char **typed)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"events", required_argument, NULL, OPT_EVENTS},
        {"input-format", required_argument, NULL, OPT_INPUT_FORMAT},
        {"fail-on", required_argument, NULL, OPT_FAIL_ON},
        {"max-skip-ratio", required_argument, NULL, OPT_MAX_SKIP},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"max-record-size", required_argument, NULL, OPT_MAX_RECORD},
        {"max-decompressed", required_argument, NULL, OPT_MAX_DECOMP},
        {"max-ratio", required_argument, NULL, OPT_MAX_RATIO},
        {"top", required_argument, NULL, OPT_TOP},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
        {"color", required_argument, NULL, OPT_COLOR},
        {"read-chunk", required_argument, NULL, OPT_READ_CHUNK}, /* testing aid, undocumented */
        {"config", required_argument, NULL, OPT_CONFIG},
        {"ip-ranges", required_argument, NULL, OPT_IP_RANGES},
        {"asn-db", required_argument, NULL, OPT_ASN_DB},
        {"geo-db", required_argument, NULL, OPT_GEO_DB},
        {"trusted-ips", required_argument, NULL, OPT_TRUSTED},
        {"tenant-id", required_argument, NULL, OPT_TENANT},
        {"vip", required_argument, NULL, OPT_VIP},
        {"out", required_argument, NULL, OPT_OUT},
        {"timeline", required_argument, NULL, OPT_TIMELINE},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"spill", required_argument, NULL, OPT_SPILL},
        {"spill-resident", required_argument, NULL, OPT_SPILL_RESIDENT}, /* testing aid */
        {"split-size", required_argument, NULL, OPT_SPLIT_SIZE},
        {"max-distinct-values", required_argument, NULL, OPT_MAX_DISTINCT},
        {"zip-password", required_argument, NULL, OPT_ZIP_PASSWORD},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct scan_cli c;
    memset(&c, 0, sizeof(c));
    c.max_skip_ratio = 0.5;
    c.top = 10;
    c.argc = argc;
    c.argv = typed;
    c.coverage_only = coverage_only;
    struct m365_scan_options so;
    m365_scan_options_init(&so);
    const char *color = "auto";
    bool quiet = false, verbose = false, no_progress = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "f:qvh", opts, NULL)) != -1) {
        unsigned long long v;
        char *end;
        switch (ch) {
        case 'f': {
            static const char *const names[] = {"text", "jsonl", "json", NULL};
            static const enum out_format values[] = {OUT_TEXT, OUT_JSONL, OUT_JSON};
            int k = keyword(optarg, names);
            if (k < 0) {
                cli_usage_error("--format: '%s' is not text, jsonl or json", optarg);
                return CLI_EXIT_USAGE;
            }
            c.format = values[k];
            break;
        }
        case OPT_EVENTS: c.events_path = optarg; break;
        case OPT_INPUT_FORMAT: so.input_format = optarg; break;
        case OPT_FAIL_ON:
            if (m365_severity_parse(optarg, &c.fail_on) != M365_OK) {
                cli_usage_error("--fail-on: '%s' is not info, low, medium, high or critical",
                                optarg);
                return CLI_EXIT_USAGE;
            }
            c.fail_on_set = true;
            break;
        case OPT_MAX_SKIP:
            errno = 0;
            c.max_skip_ratio = strtod(optarg, &end);
            if (errno || *end || end == optarg || c.max_skip_ratio < 0 || c.max_skip_ratio > 1) {
                cli_usage_error("--max-skip-ratio: '%s' is not a number from 0 to 1", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_STRICT: c.strict = true; break;
        case OPT_MAX_RECORD:
        case OPT_MAX_DECOMP:
            if (cli_parse_size(optarg, &v) != 0) {
                cli_usage_error("%s: '%s' is not a size like 512K, 16M or 2G",
                                ch == OPT_MAX_RECORD ? "--max-record-size" : "--max-decompressed",
                                optarg);
                return CLI_EXIT_USAGE;
            }
            if (ch == OPT_MAX_RECORD) {
                so.limits.max_record_bytes = v;
            } else {
                so.limits.max_decompressed_bytes = v;
            }
            break;
        case OPT_SPLIT_SIZE:
            if (cli_parse_size(optarg, &v) != 0 || v < 4096) {
                cli_usage_error("--split-size: '%s' is not a size of at least 4K (like 64M)",
                                optarg);
                return CLI_EXIT_USAGE;
            }
            so.split_bytes = v;
            break;
        case OPT_THREADS:
            errno = 0;
            v = strtoull(optarg, &end, 10);
            if (errno || *end || end == optarg || v == 0 || v > 256) {
                cli_usage_error("--threads: '%s' is not a number of threads from 1 to 256", optarg);
                return CLI_EXIT_USAGE;
            }
            so.threads = (unsigned)v;
            break;
        case OPT_SPILL: {
            static const enum m365_spill values[] = {M365_SPILL_AUTO, M365_SPILL_ALWAYS,
                                                     M365_SPILL_NEVER};
            int k = keyword(optarg, when_names);
            if (k < 0) {
                cli_usage_error("--spill: '%s' is not auto, always or never", optarg);
                return CLI_EXIT_USAGE;
            }
            so.spill = values[k];
            break;
        }
        case OPT_SPILL_RESIDENT:
            if (cli_parse_size(optarg, &v) != 0 || v < 4096) {
                cli_usage_error("--spill-resident: '%s' is not a size of at least 4K", optarg);
                return CLI_EXIT_USAGE;
            }
            so.spill_resident = v;
            break;
        case OPT_ZIP_PASSWORD:
            if (cli_zip_password_add(&c.zip_pw, optarg) != 0) {
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_MAX_DISTINCT:
            errno = 0;
            v = strtoull(optarg, &end, 10);
            if (errno || *end || end == optarg || v < 16 || v > 4000000000ull) {
                cli_usage_error("--max-distinct-values: '%s' is not a number from 16 to 4000000000",
                                optarg);
                return CLI_EXIT_USAGE;
            }
            so.limits.max_distinct_values = (uint32_t)v;
            break;
        case OPT_MAX_RATIO:
        case OPT_TOP:
        case OPT_READ_CHUNK:
            errno = 0;
            v = strtoull(optarg, &end, 10);
            if (errno || *end || end == optarg || v == 0 || v > 1000000000ull) {
                cli_usage_error("'%s' is not a positive whole number", optarg);
                return CLI_EXIT_USAGE;
            }
            if (ch == OPT_MAX_RATIO) {
                so.limits.max_decompress_ratio = (uint32_t)v;
            } else if (ch == OPT_TOP) {
                c.top = (unsigned)v;
            } else {
                so.read_chunk = (size_t)v;
            }
            break;
        case OPT_CONFIG: so.config_path = optarg; break;
        case OPT_IP_RANGES: so.ip_ranges = optarg; break;
        case OPT_ASN_DB: so.asn_db = optarg; break;
        case OPT_GEO_DB:
            /* Twice for a database shipped as IPv4 and IPv6 files (ip-location-db's). */
            if (so.geo_db2) {
                cli_usage_error("--geo-db: given three times; it takes a city database, or its "
                                "IPv4 and IPv6 files");
                return CLI_EXIT_USAGE;
            }
            *(so.geo_db ? &so.geo_db2 : &so.geo_db) = optarg;
            break;
        case OPT_TRUSTED: so.trusted_ips = optarg; break;
        case OPT_TENANT: so.tenant_id = optarg; break;
        case OPT_VIP: so.vip_path = optarg; break;
        case OPT_OUT: c.out_dir = optarg; break;
        case OPT_TIMELINE:
            if (strcmp(optarg, "all") == 0) {
                c.timeline_all = true;
            } else if (strcmp(optarg, "findings") != 0) {
                cli_usage_error("--timeline: '%s' is not findings or all", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'q': quiet = true; break;
        case 'v': verbose = true; break;
        case OPT_NO_PROGRESS: no_progress = true; break;
        case OPT_COLOR:
            if (keyword(optarg, when_names) < 0) {
                cli_usage_error("--color: '%s' is not auto, always or never", optarg);
                return CLI_EXIT_USAGE;
            }
            color = optarg;
            break;
        case 'h':
            printf("Usage: m365hunt scan [OPTIONS] PATH...   (m365hunt --help for the options)\n");
            return CLI_EXIT_OK;
        default:
            fputs("Try 'm365hunt --help'.\n", stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_usage_error("%s needs at least one PATH (a file, a folder or - for stdin)", argv[0]);
        return CLI_EXIT_USAGE;
    }
    cli_term_init(&c.term, color);
    c.term.quiet = quiet;
    c.term.verbose = verbose;
    if (no_progress) {
        c.term.progress = false;
    }
    cli_zip_password_env(&c.zip_pw);
    so.zip_passwords = c.zip_pw.pw;
    so.n_zip_passwords = c.zip_pw.n;
    so.on_diag = on_diag;
    so.diag_user = &c;
    so.hash_files = c.out_dir != NULL; /* the HTML report lists each file's SHA-256 */
    so.on_progress = on_progress;
    so.progress_user = &c;

    struct m365_scan *s;
    enum m365_status st = m365_scan_new(&s, &so);
    if (st == M365_E_USAGE) {
        cli_usage_error("--input-format: unknown format '%s' (see 'm365hunt formats')",
                        so.input_format);
        return CLI_EXIT_USAGE;
    }
    if (st == M365_E_CONFIG || st == M365_E_IO) {
        fputs("Try 'm365hunt --help'.\n", stderr); /* the reason came through on_diag */
        return CLI_EXIT_USAGE;
    }
    if (st != M365_OK) {
        fprintf(stderr, "m365hunt: error: %s\n", m365_status_str(st));
        return CLI_EXIT_NO_EVIDENCE;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = optind; i < argc; i++) {
        m365_scan_add_path(s, argv[i]);
    }
    st = m365_scan_run(s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (c.progress_shown) {
        fputs("\r\033[K", stderr);
    }
    if (st != M365_OK) {
        fprintf(stderr, "m365hunt: error: scan failed: %s\n", m365_status_str(st));
        m365_scan_free(s);
        return CLI_EXIT_NO_EVIDENCE;
    }
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (verbose && !quiet) {
        struct m365_scan_timing tm = m365_scan_timing(s);
        fprintf(stderr,
                "m365hunt: note: scanned in %.2f s: read %.2f s (%u thread%s, %zu file part%s), "
                "order %.2f s, detect %.2f s, correlate %.2f s\n",
                secs, tm.read, tm.threads, tm.threads == 1 ? "" : "s", tm.units,
                tm.units == 1 ? "" : "s", tm.order, tm.detect, tm.correlate);
        fprintf(stderr,
                "m365hunt: note: memory after reading: events %.1f MiB, their details %.1f MiB, "
                "%zu distinct strings %.1f MiB\n",
                (double)tm.event_bytes / 1048576.0, (double)tm.detail_bytes / 1048576.0,
                tm.strings, (double)tm.string_bytes / 1048576.0);
        fprintf(stderr, "m365hunt: note: events kept whole by the detections: %zu (%.1f MiB)\n",
                tm.kept_events, (double)tm.kept_bytes / 1048576.0);
        if (tm.spilled) {
            fprintf(stderr,
                    "m365hunt: note: the event table was spilled to a temporary file; its pages "
                    "were let go %llu times\n",
                    (unsigned long long)tm.spill_releases);
        }
    }
    int rc = CLI_EXIT_OK;
    if (c.events_path && write_events(s, c.events_path) != 0) {
        rc = CLI_EXIT_USAGE;
    }
    if (c.out_dir && write_out_dir(&c, s, secs) != 0) {
        rc = CLI_EXIT_USAGE;
    }
    if (c.coverage_only && c.format == OUT_TEXT) {
        print_coverage(&c, s, stdout, true);
    } else if (c.format == OUT_TEXT) {
        print_text(&c, s, secs);
    } else if (c.format == OUT_JSON) {
        m365_scan_write_report_json(s, c.argc, c.argv, write_file, stdout);
    } else {
        for (size_t i = 0; i < m365_scan_n_findings(s); i++) {
            m365_finding_write_json(m365_scan_finding(s, i), write_file, stdout);
            fputc('\n', stdout);
        }
    }
    fflush(stdout);

    struct m365_source_stats tot = m365_scan_totals(s);
    size_t unread = 0;
    for (size_t i = 0; i < m365_scan_n_files(s); i++) {
        unread += m365_scan_file(s, i)->status != M365_OK;
    }
    if (rc == CLI_EXIT_OK) {
        if (tot.parsed == 0) {
            fprintf(stderr, "m365hunt: error: no readable evidence: no record could be read from "
                            "the paths given\n");
            rc = CLI_EXIT_NO_EVIDENCE;
        } else if ((c.strict && (tot.skipped > 0 || unread > 0)) ||
                   (tot.records_read &&
                    (double)tot.skipped / (double)tot.records_read > c.max_skip_ratio)) {
            fprintf(stderr, "m365hunt: error: %llu of %llu records skipped%s\n",
                    (unsigned long long)tot.skipped, (unsigned long long)tot.records_read,
                    c.strict ? " (--strict)" : " (over --max-skip-ratio)");
            rc = CLI_EXIT_SKIPPED;
        } else if (c.fail_on_set) {
            for (size_t i = 0; i < m365_scan_n_findings(s); i++) {
                if (m365_scan_finding(s, i)->severity >= c.fail_on) {
                    rc = CLI_EXIT_FINDINGS;
                    break;
                }
            }
        }
    }
    m365_scan_free(s);
    return rc;
}
