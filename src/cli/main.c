/* m365hunt — entry point and help. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void help(FILE *f)
{
    fputs(
        "m365hunt " M365HUNT_VERSION " - find, scope and explain Microsoft 365 / Entra ID "
        "intrusions\n"
        "in exported evidence (APT29 / Midnight Blizzard, Storm-0558 tradecraft).\n"
        "\n"
        "Point it at the logs you exported; it reads every format it knows, puts all records\n"
        "on one UTC timeline and tells you what it read, what it could not, and what it found.\n"
        "\n"
        "Usage:\n"
        "  m365hunt scan [OPTIONS] PATH...   read files, folders (recursively), .zip, .tar(.gz)\n"
        "                                    and .7z archives, or - (stdin)\n"
        "  m365hunt coverage PATH...         what the evidence can and cannot show (gaps, exports\n"
        "                                    cut short, mailboxes without MailItemsAccessed, rules\n"
        "                                    that cannot run)\n"
        "  m365hunt audit PATH...            posture findings from a tenant snapshot (Graph users,\n"
        "                                    MFA registration, Get-Mailbox; docs/snapshot.md)\n"
        "  m365hunt formats                  list the evidence formats it reads\n"
        "  m365hunt rules list               list the detections\n"
        "  m365hunt rules show RULE          what a detection looks for, needs, cannot see\n"
        "  m365hunt simulate --out DIR ...   write a simulated tenant's logs and ground truth\n"
        "                                    (m365hunt simulate --help, docs/simulate.md)\n"
        "  m365hunt version                  print the version\n"
        "  m365hunt help                     this text (also -h, --help)\n"
        "\n"
        "Try it on the bundled example tenant:\n"
        "  m365hunt scan examples/contoso-demo/\n"
        "\n"
        "Common workflows:\n"
        "  m365hunt scan evidence/ > summary.txt          human summary\n"
        "  m365hunt scan --format jsonl evidence/ | jq .  one finding per line, for a SIEM\n"
        "  m365hunt scan --events events.jsonl evidence/  every normalised event, to pivot on\n"
        "  m365hunt scan --out case-42/ evidence/         HTML report, timeline, ATT&CK layer\n"
        "  m365hunt scan --fail-on high evidence/         exit 1 when something high is found\n"
        "  m365hunt scan --ip-ranges ServiceTags_Public.json --trusted-ips egress.txt evidence/\n"
        "\n"
        "Scan options:\n"
        "  -f, --format FMT         text (default), jsonl (one finding per line), json (one\n"
        "                           document: evidence accounting + findings)\n"
        "      --events FILE        also write the normalised events as JSON Lines (- = stdout)\n"
        "      --out DIR            write findings.jsonl, report.json, timeline.csv, report.html\n"
        "                           and attack-layer.json into DIR (created if needed)\n"
        "      --timeline WHICH     timeline.csv rows: findings (default) or all events\n"
        "      --input-format NAME  read every input as NAME instead of detecting the format\n"
        "      --config FILE        YAML: rule parameters, enrichment files (docs/config.md)\n"
        "      --ip-ranges FILE     hosting / cloud ranges: ServiceTags_Public*.json or CIDR list\n"
        "      --asn-db FILE        ASN database (.mmdb: GeoLite2-ASN, DB-IP, IPinfo Lite)\n"
        "      --geo-db FILE        city database (.mmdb: GeoLite2-City, DB-IP City Lite,\n"
        "                           ip-location-db): places sign-ins logged without a\n"
        "                           location (the UAL's); twice for IPv4 and IPv6 files\n"
        "      --trusted-ips FILE   the tenant's own egress addresses (CIDR list)\n"
        "      --tenant-id ID       the investigated tenant (default: the one most records\n"
        "                           carry); scan each tenant's evidence apart\n"
        "      --vip FILE           mailboxes that matter most (executives, security, legal)\n"
        "      --fail-on SEVERITY   exit 1 if a finding is at least info|low|medium|high|critical\n"
        "      --max-skip-ratio R   exit 4 if more than R (0..1) of records were skipped\n"
        "                           (default 0.5)\n"
        "      --strict             exit 4 on any skipped record or unreadable file\n"
        "      --max-record-size N  largest record accepted, e.g. 16M (default 16M)\n"
        "      --max-decompressed N largest decompressed size per file (default 64G)\n"
        "      --max-ratio N        largest decompression ratio past 256M (default 250)\n"
        "      --zip-password PW    password for encrypted .zip members (repeatable; or set\n"
        "                           M365HUNT_ZIP_PASSWORD, which ps does not show)\n"
        "      --max-distinct-values N  distinct users, addresses, ids… held (default 8388608);\n"
        "                           records needing more are skipped and counted\n"
        "      --top N              busiest users and IPs shown (default 10)\n"
        "      --threads N          reading threads (default: one per core); files are read in\n"
        "                           parallel, large JSON Lines files in parts. The output is\n"
        "                           the same whatever N\n"
        "      --split-size N       part size for large JSON Lines files (default 64M)\n"
        "      --spill WHEN         keep the event table in a temporary file in $TMPDIR (or\n"
        "                           /tmp), mapping at most 64M of it at a time: auto (default:\n"
        "                           when the inputs reach 2G), always, never\n"
        "  -q, --quiet              no progress and no warnings (errors still shown)\n"
        "      --no-progress        no progress bar\n"
        "      --color WHEN         auto (default), always, never; NO_COLOR is honoured\n"
        "\n"
        "Output: results on stdout; progress, warnings and errors on stderr, one line each as\n"
        "'m365hunt: warning: FILE:LINE: FIELD: what was wrong'. Nothing is dropped silently:\n"
        "records read = parsed + skipped + duplicates, for every file and in total.\n"
        "\n"
        "Exit codes: 0 scan completed, 1 findings at or above --fail-on, 2 usage error,\n"
        "3 no readable evidence, 4 too many records skipped (--max-skip-ratio, --strict).\n"
        "\n"
        "Documentation: docs/cli.md, docs/findings.md, docs/events.md, docs/formats/,\n"
        "docs/simulate.md.\n",
        f);
}

static int formats(void)
{
    int width = 0; /* the longest name, so that every title and description lines up */
    for (size_t i = 0; i < m365_n_formats(); i++) {
        int n = (int)strlen(m365_format(i)->name);
        width = n > width ? n : width;
    }
    int wrap = 76 - width - 1; /* descriptions wrap at 76 columns under the titles */
    for (size_t i = 0; i < m365_n_formats(); i++) {
        const struct m365_format_info *fi = m365_format(i);
        printf("%-*s %s\n", width, fi->name, fi->title);
        const char *d = fi->description;
        while (*d) {
            int n = (int)strlen(d);
            if (n > wrap) {
                n = wrap;
                while (n > 0 && d[n] != ' ') {
                    n--;
                }
                if (n == 0) {
                    n = wrap;
                }
            }
            printf("%*s %.*s\n", width, "", n, d);
            d += n;
            while (*d == ' ') {
                d++;
            }
        }
    }
    printf("\nAny of them may be gzip- or zstd-compressed, UTF-8 (with or without BOM) or "
           "UTF-16,\nor inside a ZIP archive named *.zip or given by path (read member by "
           "member, not extracted),\nor inside a tar (plain, .gz, .zst, .xz, .bz2) or 7-Zip "
           "archive (a plain tar read in place,\nthe others unpacked once to a temporary "
           "file; *.zip archives inside these are opened too).\n");
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        help(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("m365hunt %s (finding schema %d)\n", M365HUNT_VERSION, M365HUNT_SCHEMA_VERSION);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "formats") == 0) {
        return formats();
    }
    if (strcmp(cmd, "coverage") == 0) {
        return cli_coverage(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "audit") == 0) {
        return cli_audit(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "rules") == 0) {
        return cli_rules(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "scan") == 0) {
        return cli_scan(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "simulate") == 0) {
        return cli_simulate(argc - 1, argv + 1);
    }
    cli_usage_error("unknown command '%s'", cmd);
    return CLI_EXIT_USAGE;
}
