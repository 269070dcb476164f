/* m365hunt command line: shared declarations. */
#ifndef M365_CLI_H
#define M365_CLI_H
#include <stdbool.h>
#include <stdio.h>

#include "m365hunt/m365hunt.h"

/* Exit codes: public contract, documented in docs/cli.md. */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FINDINGS = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_NO_EVIDENCE = 3,
    CLI_EXIT_SKIPPED = 4
};

struct cli_term {
    bool err_tty, out_tty;
    bool color_err, color_out;
    bool quiet, verbose, progress;
};

void cli_term_init(struct cli_term *t, const char *color_mode);
const char *cli_c(const struct cli_term *t, bool out, const char *sgr); /* "" without colour */
/* Prints text with control characters replaced: log values are attacker-controlled. Pads it
 * to `width` columns; never cuts it (a cut address can read as another one). */
void cli_put_safe(FILE *f, const char *s, int width);

int cli_scan(int argc, char **argv);
int cli_rules(int argc, char **argv);
int cli_simulate(int argc, char **argv);
int cli_coverage(int argc, char **argv);
int cli_audit(int argc, char **argv);
void cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_parse_size(const char *s, unsigned long long *out);

/* --zip-password, for scan, coverage and audit (cli_zip_password.c). */
#define CLI_MAX_ZIP_PASSWORDS 16
struct cli_zip_passwords {
    const char *pw[CLI_MAX_ZIP_PASSWORDS];
    size_t n;
};
/* 0, or -1 after a usage error (too many). */
int cli_zip_password_add(struct cli_zip_passwords *z, const char *pw);
/* M365HUNT_ZIP_PASSWORD, when set and no --zip-password was given. */
void cli_zip_password_env(struct cli_zip_passwords *z);
/* The command line as typed (getopt_long reorders argv), with every --zip-password's value
 * replaced by "(hidden)": the reports record it. malloc'd, NULL when out of memory. */
char **cli_hide_passwords(int argc, char **argv);
#endif
