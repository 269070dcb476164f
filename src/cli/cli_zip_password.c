/* Passwords for encrypted ZIP evidence: from the command line or the environment, and kept out
 * of the reports, which record the command line. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ZIP_PASSWORD_ENV "M365HUNT_ZIP_PASSWORD"

int cli_zip_password_add(struct cli_zip_passwords *z, const char *pw)
{
    if (z->n == CLI_MAX_ZIP_PASSWORDS) {
        cli_usage_error("--zip-password: at most %d passwords", CLI_MAX_ZIP_PASSWORDS);
        return -1;
    }
    z->pw[z->n++] = pw;
    return 0;
}

void cli_zip_password_env(struct cli_zip_passwords *z)
{
    const char *pw = getenv(ZIP_PASSWORD_ENV);
    if (z->n == 0 && pw && *pw) {
        z->pw[z->n++] = pw;
    }
}

/* "--zip-password" or a prefix getopt_long takes for it ("--zip", "--zip-pass"); *value is what
 * follows '=', or NULL. */
static bool zip_password_option(const char *arg, const char **value)
{
    static const char name[] = "--zip-password";
    size_t n = strcspn(arg, "=");
    if (n < 5 || n >= sizeof(name) || strncmp(arg, name, n) != 0) {
        return false;
    }
    *value = arg[n] == '=' ? arg + n + 1 : NULL;
    return true;
}

char **cli_hide_passwords(int argc, char **argv)
{
    char **v = calloc((size_t)argc + 1, sizeof(*v));
    if (!v) {
        return NULL;
    }
    bool options = true;
    for (int i = 0; i < argc; i++) {
        const char *value;
        v[i] = argv[i];
        if (options && strcmp(argv[i], "--") == 0) {
            options = false;
        } else if (options && i > 0 && zip_password_option(argv[i], &value)) {
            if (value) {
                v[i] = "--zip-password=(hidden)";
            } else if (i + 1 < argc) {
                v[i + 1] = "(hidden)";
                i++;
            }
        }
    }
    return v;
}
