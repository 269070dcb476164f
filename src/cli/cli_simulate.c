/* m365hunt simulate: write a simulated tenant's evidence and its ground truth. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "m365hunt/simulate.h"

static void usage(FILE *f)
{
    fputs("Usage: m365hunt simulate --out DIR [OPTIONS]\n"
          "       m365hunt simulate --list\n"
          "\n"
          "Writes a made-up Microsoft 365 / Entra ID tenant's logs into DIR, in the export\n"
          "formats m365hunt reads, with optional attack scenarios, and DIR/ground-truth.json\n"
          "listing every attack step and benign near miss. The same options give the same\n"
          "bytes. See docs/simulate.md.\n"
          "\n"
          "Options:\n"
          "  -o, --out DIR          output folder (created; must be empty unless --force)\n"
          "  -u, --users N          accounts in the directory (default 40, 16..5000)\n"
          "  -d, --days D           days in the window; scenarios happen inside it (default 10)\n"
          "  -s, --seed S           random seed (default 1)\n"
          "      --start DATE       first day, YYYY-MM-DD (default: chosen by the seed)\n"
          "      --activity LEVEL   background volume: low (0.25), normal (1, default), high (3)\n"
          "                         or a factor from 0.1 to 10\n"
          "      --size SIZE        keep adding background days until the evidence reaches\n"
          "                         SIZE bytes (512M, 1G, 8G…); for benchmarks\n"
          "      --scenario NAME    add an attack scenario; repeat, or give a comma list, or\n"
          "                         'all' (default: none, a benign tenant)\n"
          "      --formats LIST     'mixed' (default: formats vary from file to file) or a\n"
          "                         comma list of formats; see --list\n"
          "      --gzip             gzip every evidence file\n"
          "      --snapshot         also write the tenant snapshot (DIR/snapshot/)\n"
          "      --force            write into a folder that is not empty\n"
          "  -q, --quiet            no summary, no progress\n"
          "      --list             list the scenarios and formats\n",
          f);
}

static void list(void)
{
    printf("Scenarios:\n");
    for (size_t i = 0; i < m365_sim_n_scenarios(); i++) {
        const struct m365_sim_info *x = m365_sim_scenario(i);
        printf("  %-26s %s\n", x->name, x->title);
    }
    printf("\nFormats (a reader name selects all its formats):\n");
    for (size_t i = 0; i < m365_sim_n_formats(); i++) {
        const struct m365_sim_info *x = m365_sim_format(i);
        printf("  %-16s %-12s %s\n", x->name, x->title, x->description);
    }
}

struct progress {
    bool on, shown;
};

static void on_progress(uint64_t bytes, uint64_t target, uint32_t days, void *user)
{
    struct progress *p = user;
    if (!p->on) {
        return;
    }
    if (target) {
        fprintf(stderr, "\r\033[Ksimulating: %.1f / %.1f MiB, %u days", (double)bytes / 1048576.0,
                (double)target / 1048576.0, days);
    } else {
        fprintf(stderr, "\r\033[Ksimulating: %u days, %.1f MiB", days, (double)bytes / 1048576.0);
    }
    fflush(stderr);
    p->shown = true;
}

static int parse_u32(const char *opt, const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v > 0xffffffffull) {
        cli_usage_error("%s: '%s' is not a whole number", opt, s);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

enum {
    OPT_START = 256,
    OPT_SIZE,
    OPT_SCENARIO,
    OPT_FORMATS,
    OPT_GZIP,
    OPT_SNAPSHOT,
    OPT_FORCE,
    OPT_LIST,
    OPT_ACTIVITY
};

int cli_simulate(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"users", required_argument, NULL, 'u'},
                                         {"days", required_argument, NULL, 'd'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"start", required_argument, NULL, OPT_START},
                                         {"activity", required_argument, NULL, OPT_ACTIVITY},
                                         {"size", required_argument, NULL, OPT_SIZE},
                                         {"scenario", required_argument, NULL, OPT_SCENARIO},
                                         {"formats", required_argument, NULL, OPT_FORMATS},
                                         {"gzip", no_argument, NULL, OPT_GZIP},
                                         {"snapshot", no_argument, NULL, OPT_SNAPSHOT},
                                         {"force", no_argument, NULL, OPT_FORCE},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"list", no_argument, NULL, OPT_LIST},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct m365_sim_options o;
    m365_sim_options_init(&o);
    /* Scenario names point into argv (split on commas in place). */
    size_t cap = (size_t)argc + 1;
    for (int i = 0; i < argc; i++) {
        for (const char *p = argv[i]; *p; p++) {
            cap += *p == ',';
        }
    }
    const char **names = calloc(cap, sizeof(*names));
    size_t n_names = 0;
    bool quiet = false, any_scenario = false;
    int rc = CLI_EXIT_OK;
    if (!names) {
        fprintf(stderr, "m365hunt: error: out of memory\n");
        return CLI_EXIT_USAGE;
    }
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "o:u:d:s:qh", opts, NULL)) != -1) {
        char *end;
        unsigned long long v;
        switch (ch) {
        case 'o': o.out_dir = optarg; break;
        case 'u':
            if (parse_u32("--users", optarg, &o.users) != 0) {
                rc = CLI_EXIT_USAGE;
            }
            break;
        case 'd':
            if (parse_u32("--days", optarg, &o.days) != 0) {
                rc = CLI_EXIT_USAGE;
            }
            break;
        case 's':
            errno = 0;
            o.seed = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end) {
                cli_usage_error("--seed: '%s' is not a whole number", optarg);
                rc = CLI_EXIT_USAGE;
            }
            break;
        case OPT_START: o.start = optarg; break;
        case OPT_ACTIVITY:
            if (strcmp(optarg, "low") == 0) {
                o.activity = 0.25;
            } else if (strcmp(optarg, "normal") == 0) {
                o.activity = 1.0;
            } else if (strcmp(optarg, "high") == 0) {
                o.activity = 3.0;
            } else {
                errno = 0;
                o.activity = strtod(optarg, &end);
                if (errno || end == optarg || *end || !(o.activity >= M365_SIM_MIN_ACTIVITY) ||
                    !(o.activity <= M365_SIM_MAX_ACTIVITY)) {
                    cli_usage_error("--activity: '%s' is not low, normal, high or a factor from "
                                    "0.1 to 10",
                                    optarg);
                    rc = CLI_EXIT_USAGE;
                }
            }
            break;
        case OPT_SIZE:
            if (cli_parse_size(optarg, &v) != 0) {
                cli_usage_error("--size: '%s' is not a size like 512M, 1G or 8G", optarg);
                rc = CLI_EXIT_USAGE;
            }
            o.size = v;
            break;
        case OPT_SCENARIO: {
            any_scenario = true;
            for (char *p = strtok(optarg, ","); p; p = strtok(NULL, ",")) {
                names[n_names++] = p;
            }
            break;
        }
        case OPT_FORMATS: o.formats = optarg; break;
        case OPT_GZIP: o.gzip = true; break;
        case OPT_SNAPSHOT: o.snapshot = true; break;
        case OPT_FORCE: o.force = true; break;
        case 'q': quiet = true; break;
        case OPT_LIST:
            list();
            free(names);
            return CLI_EXIT_OK;
        case 'h':
            usage(stdout);
            free(names);
            return CLI_EXIT_OK;
        default:
            fputs("Try 'm365hunt simulate --help'.\n", stderr);
            free(names);
            return CLI_EXIT_USAGE;
        }
        if (rc != CLI_EXIT_OK) {
            free(names);
            return rc;
        }
    }
    /* "--scenario a b c": names after the options, once --scenario was given. */
    for (int i = optind; i < argc; i++) {
        if (!any_scenario) {
            cli_usage_error("unexpected argument '%s'", argv[i]);
            free(names);
            return CLI_EXIT_USAGE;
        }
        for (char *p = strtok(argv[i], ","); p; p = strtok(NULL, ",")) {
            names[n_names++] = p;
        }
    }
    if (!o.out_dir) {
        cli_usage_error("simulate needs --out DIR");
        free(names);
        return CLI_EXIT_USAGE;
    }
    o.scenarios = names;
    o.n_scenarios = n_names;
    struct progress pr = {!quiet && isatty(2) == 1, false};
    o.on_progress = on_progress;
    o.progress_user = &pr;

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct m365_sim_stats st;
    char err[512];
    enum m365_status s = m365_simulate(&o, &st, err, sizeof(err));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (pr.shown) {
        fputs("\r\033[K", stderr);
    }
    free(names);
    if (s != M365_OK) {
        fprintf(stderr, "m365hunt: error: %s\n", err[0] ? err : m365_status_str(s));
        if (s == M365_E_USAGE || s == M365_E_CONFIG) {
            fputs("Try 'm365hunt simulate --help'.\n", stderr);
        }
        return CLI_EXIT_USAGE;
    }
    if (!quiet) {
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        double mib = (double)st.bytes / 1048576.0;
        printf("wrote %llu files, %llu records, %.1f MiB (%.1f MiB on disk): %u users, %u days, "
               "in %.2f s (%.0f MiB/s)\n",
               (unsigned long long)st.files, (unsigned long long)st.records, mib,
               (double)st.bytes_on_disk / 1048576.0, st.users, st.days, secs,
               secs > 0 ? mib / secs : 0.0);
        printf("ground truth: %s/ground-truth.json (%u attack steps, %u benign near misses)\n",
               o.out_dir, st.attack_steps, st.near_misses);
        if (o.snapshot) {
            printf("snapshot: %s/snapshot/\n", o.out_dir);
        }
        if (st.streams_not_written) {
            printf("note: %u log streams were not written: no format in --formats holds them "
                   "(see ground-truth.json \"streams\")\n",
                   st.streams_not_written);
        }
    }
    return CLI_EXIT_OK;
}
