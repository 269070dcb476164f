/* m365hunt scan: read evidence, print the summary or findings, set the exit code. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

enum out_format { OUT_TEXT, OUT_JSONL, OUT_JSON };

struct scan_cli {
    struct cli_term term;
    enum out_format format;
    const char *events_path;
    bool fail_on_set;
    enum m365_severity fail_on;
    double max_skip_ratio;
    bool strict;
    unsigned top;
    unsigned long warnings, errors;
    int argc;
    char **argv;
    bool progress_shown;
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

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (const char *const *)a, y = (uintptr_t) * (const char *const *)b;
    return x < y ? -1 : x > y;
}

static int cmp_count(const void *a, const void *b)
{
    const struct count *x = a, *y = b;
    if (x->n != y->n) {
        return x->n > y->n ? -1 : 1;
    }
    return strcmp(x->key, y->key);
}

/* Most frequent values of an interned field (pointer equality = string equality). */
static size_t busiest(const struct m365_scan *s, int which, struct count *out, size_t max)
{
    size_t n = m365_scan_n_events(s);
    const char **keys = malloc((n ? n : 1) * sizeof(*keys));
    if (!keys) {
        return 0;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct m365_event *ev = m365_scan_event(s, i);
        const char *v = which == 0 ? ev->actor_upn : ev->ip;
        if (v) {
            keys[k++] = v;
        }
    }
    qsort(keys, k, sizeof(*keys), cmp_ptr);
    struct count *all = malloc((k ? k : 1) * sizeof(*all));
    size_t na = 0;
    for (size_t i = 0; all && i < k; i++) {
        if (na && all[na - 1].key == keys[i]) {
            all[na - 1].n++;
        } else {
            all[na].key = keys[i];
            all[na].n = 1;
            na++;
        }
    }
    free(keys);
    if (!all) {
        return 0;
    }
    qsort(all, na, sizeof(*all), cmp_count);
    size_t r = na < max ? na : max;
    memcpy(out, all, r * sizeof(*out));
    free(all);
    return r;
}

static void print_stats_row(FILE *o, const char *name, unsigned files,
                            const struct m365_source_stats *st)
{
    char a[24], b[24];
    fmt_time(st->first_ms, a, sizeof(a));
    fmt_time(st->last_ms, b, sizeof(b));
    fprintf(o, "  %-11s %5u %8llu %8llu %7llu %5llu  %-16.16s  %-16.16s\n", name, files,
            (unsigned long long)st->records_read, (unsigned long long)st->parsed,
            (unsigned long long)st->skipped, (unsigned long long)st->duplicates, a, b);
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

    fprintf(o, "%sEVIDENCE%s (times UTC)\n", B, R);
    fprintf(o, "  %-11s %5s %8s %8s %7s %5s  %-16s  %-16s\n", "format", "files", "records",
            "parsed", "skipped", "dups", "first", "last");
    for (size_t i = 0; i < m365_scan_n_readers(s); i++) {
        const struct m365_source_stats *st = m365_scan_reader_stats(s, i);
        print_stats_row(o, st->name, st->n_files, st);
    }
    print_stats_row(o, "total", (unsigned)tot.n_files, &tot);
    fprintf(o, "  records read %llu = parsed %llu + skipped %llu + duplicates %llu\n",
            (unsigned long long)tot.records_read, (unsigned long long)tot.parsed,
            (unsigned long long)tot.skipped, (unsigned long long)tot.duplicates);
    uint64_t untimed = 0;
    for (size_t i = 0; i < m365_scan_n_files(s); i++) {
        untimed += m365_scan_file(s, i)->untimed;
    }
    if (untimed) {
        fprintf(o, "  %llu events carry no timestamp (kept, shown first in time order)\n",
                (unsigned long long)untimed);
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

    if (unread) {
        fprintf(o, "\n%sNOT READ%s (%zu files; see the messages on stderr)\n", B, R, unread);
        for (size_t i = 0; i < m365_scan_n_files(s); i++) {
            const struct m365_file_stats *fs = m365_scan_file(s, i);
            if (fs->status != M365_OK || !fs->reader) {
                fputs("  ", o);
                cli_put_safe(o, fs->path, -1);
                fprintf(o, ": %s\n", fs->error ? fs->error : "not read");
            }
        }
    }

    struct count users[64], ips[64];
    unsigned top = c->top > 64 ? 64 : c->top;
    size_t nu = busiest(s, 0, users, top), ni = busiest(s, 1, ips, top);
    if (nu || ni) {
        fprintf(o, "\n%s%-30s %7s    %-30s %7s%s\n", B, "BUSIEST USERS", "events", "BUSIEST IPS",
                "events", R);
        for (size_t i = 0; i < (nu > ni ? nu : ni); i++) {
            fputs("  ", o);
            if (i < nu) {
                cli_put_safe(o, users[i].key, 28);
                fprintf(o, " %7llu    ", (unsigned long long)users[i].n);
            } else {
                fprintf(o, "%-28s %7s    ", "", "");
            }
            if (i < ni) {
                cli_put_safe(o, ips[i].key, 30);
                fprintf(o, " %7llu", (unsigned long long)ips[i].n);
            }
            fputc('\n', o);
        }
    }

    size_t nne = m365_scan_n_not_evaluated(s);
    if (nne) {
        fprintf(o, "\n%sNOT EVALUATED%s (%zu rules: an empty result from them proves nothing)\n", B,
                R, nne);
        for (size_t i = 0; i < nne; i++) {
            const char *rule, *reason;
            m365_scan_not_evaluated(s, i, &rule, &reason);
            fprintf(o, "  %s: %s\n", rule, reason);
        }
    }

    fprintf(o, "\n%sFINDINGS%s\n", B, R);
    size_t nf = m365_scan_n_findings(s);
    if (nf == 0) {
        fprintf(o, "  none%s\n", "");
    }
    for (size_t i = 0; i < nf; i++) {
        const struct m365_finding *f = m365_scan_finding(s, i);
        char a[24];
        fmt_time(f->first_ms, a, sizeof(a));
        fprintf(o, "  %-8s %-16.16s %s: ", m365_severity_name(f->severity), a, f->rule);
        cli_put_safe(o, f->summary ? f->summary : f->title, -1);
        fputc('\n', o);
    }
}

static void json_str(FILE *o, const char *s)
{
    /* Minimal escaping for values we control (paths and names from argv or the filesystem). */
    fputc('"', o);
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(o, "\\%c", *p);
        } else if (*p < 0x20) {
            fprintf(o, "\\u%04x", *p);
        } else {
            fputc(*p, o);
        }
    }
    fputc('"', o);
}

static void json_time(FILE *o, int64_t ms)
{
    if (ms == INT64_MIN || ms == M365_TIME_NONE) {
        fputs("null", o);
        return;
    }
    char iso[40];
    m365_format_time(ms, iso, sizeof(iso));
    fprintf(o, "\"%s\"", iso);
}

static void json_stats(FILE *o, const struct m365_source_stats *st)
{
    fprintf(o, "{\"name\":");
    json_str(o, st->name);
    fprintf(o,
            ",\"files\":%u,\"records_read\":%llu,\"parsed\":%llu,\"skipped\":%llu,"
            "\"duplicates\":%llu,\"events\":%llu,\"first\":",
            st->n_files, (unsigned long long)st->records_read, (unsigned long long)st->parsed,
            (unsigned long long)st->skipped, (unsigned long long)st->duplicates,
            (unsigned long long)st->events);
    json_time(o, st->first_ms);
    fputs(",\"last\":", o);
    json_time(o, st->last_ms);
    fputc('}', o);
}

static void print_json(struct scan_cli *c, const struct m365_scan *s)
{
    FILE *o = stdout;
    fprintf(o, "{\"schema_version\":%d,\"tool_version\":\"%s\",\"command\":[",
            M365HUNT_SCHEMA_VERSION, M365HUNT_VERSION);
    for (int i = 0; i < c->argc; i++) {
        if (i) {
            fputc(',', o);
        }
        json_str(o, c->argv[i]);
    }
    fputs("],\"tenant_id\":", o);
    m365_scan_home_tenant(s) ? json_str(o, m365_scan_home_tenant(s)) : (void)fputs("null", o);
    fputs(",\"evidence\":{\"files\":[", o);
    for (size_t i = 0; i < m365_scan_n_files(s); i++) {
        const struct m365_file_stats *fs = m365_scan_file(s, i);
        fputs(i ? ",{\"path\":" : "{\"path\":", o);
        json_str(o, fs->path);
        fputs(",\"format\":", o);
        fs->reader ? json_str(o, fs->reader) : (void)fputs("null", o);
        fputs(",\"compression\":", o);
        fs->compression ? json_str(o, fs->compression) : (void)fputs("null", o);
        fprintf(o,
                ",\"bytes\":%llu,\"records_read\":%llu,\"parsed\":%llu,\"skipped\":%llu,"
                "\"duplicates\":%llu,\"untimed\":%llu,\"first\":",
                (unsigned long long)fs->bytes, (unsigned long long)fs->records_read,
                (unsigned long long)fs->parsed, (unsigned long long)fs->skipped,
                (unsigned long long)fs->duplicates, (unsigned long long)fs->untimed);
        json_time(o, fs->first_ms);
        fputs(",\"last\":", o);
        json_time(o, fs->last_ms);
        fputs(",\"error\":", o);
        fs->status != M365_OK && fs->error ? json_str(o, fs->error) : (void)fputs("null", o);
        fputc('}', o);
    }
    fputs("],\"formats\":[", o);
    for (size_t i = 0; i < m365_scan_n_readers(s); i++) {
        if (i) {
            fputc(',', o);
        }
        json_stats(o, m365_scan_reader_stats(s, i));
    }
    fputs("],\"log_sources\":[", o);
    bool first = true;
    for (int l = 0; l < M365_LOG__COUNT; l++) {
        const struct m365_source_stats *st = m365_scan_log_stats(s, (enum m365_log_source)l);
        if (st->events) {
            if (!first) {
                fputc(',', o);
            }
            first = false;
            json_stats(o, st);
        }
    }
    struct m365_source_stats tot = m365_scan_totals(s);
    fputs("],\"totals\":", o);
    json_stats(o, &tot);
    fputs("},\"not_evaluated\":[", o);
    for (size_t i = 0; i < m365_scan_n_not_evaluated(s); i++) {
        const char *rule, *reason;
        m365_scan_not_evaluated(s, i, &rule, &reason);
        fputs(i ? ",{\"rule\":" : "{\"rule\":", o);
        json_str(o, rule);
        fputs(",\"reason\":", o);
        json_str(o, reason);
        fputc('}', o);
    }
    fputs("],\"findings\":[", o);
    for (size_t i = 0; i < m365_scan_n_findings(s); i++) {
        if (i) {
            fputc(',', o);
        }
        m365_finding_write_json(m365_scan_finding(s, i), write_file, o);
    }
    fputs("]}\n", o);
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
    for (size_t i = 0; i < m365_scan_n_events(s) && rc == 0; i++) {
        if (m365_event_write_json(m365_scan_event(s, i), write_file, f) != M365_OK ||
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
    OPT_TRUSTED,
    OPT_TENANT
};

int cli_scan(int argc, char **argv)
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
        {"trusted-ips", required_argument, NULL, OPT_TRUSTED},
        {"tenant-id", required_argument, NULL, OPT_TENANT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct scan_cli c;
    memset(&c, 0, sizeof(c));
    c.max_skip_ratio = 0.5;
    c.top = 10;
    c.argc = argc;
    c.argv = argv;
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
        case 'f':
            if (strcmp(optarg, "text") == 0) {
                c.format = OUT_TEXT;
            } else if (strcmp(optarg, "jsonl") == 0) {
                c.format = OUT_JSONL;
            } else if (strcmp(optarg, "json") == 0) {
                c.format = OUT_JSON;
            } else {
                cli_usage_error("--format: '%s' is not text, jsonl or json", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
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
        case OPT_TRUSTED: so.trusted_ips = optarg; break;
        case OPT_TENANT: so.tenant_id = optarg; break;
        case 'q': quiet = true; break;
        case 'v': verbose = true; break;
        case OPT_NO_PROGRESS: no_progress = true; break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
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
        cli_usage_error("scan needs at least one PATH (a file, a folder or - for stdin)");
        return CLI_EXIT_USAGE;
    }
    cli_term_init(&c.term, color);
    c.term.quiet = quiet;
    c.term.verbose = verbose;
    if (no_progress) {
        c.term.progress = false;
    }
    so.on_diag = on_diag;
    so.diag_user = &c;
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
    int rc = CLI_EXIT_OK;
    if (c.events_path && write_events(s, c.events_path) != 0) {
        rc = CLI_EXIT_USAGE;
    }
    if (c.format == OUT_TEXT) {
        print_text(&c, s, secs);
    } else if (c.format == OUT_JSON) {
        print_json(&c, s);
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
