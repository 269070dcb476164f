#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void cli_term_init(struct cli_term *t, const char *color_mode)
{
    memset(t, 0, sizeof(*t));
    t->err_tty = isatty(2) == 1;
    t->out_tty = isatty(1) == 1;
    const char *nc = getenv("NO_COLOR");
    bool allow = !(nc && *nc);
    if (color_mode && strcmp(color_mode, "always") == 0) {
        t->color_err = t->color_out = true;
    } else if (color_mode && strcmp(color_mode, "never") == 0) {
        t->color_err = t->color_out = false;
    } else {
        t->color_err = allow && t->err_tty;
        t->color_out = allow && t->out_tty;
    }
    t->progress = t->err_tty;
}

const char *cli_c(const struct cli_term *t, bool out, const char *sgr)
{
    return (out ? t->color_out : t->color_err) ? sgr : "";
}

void cli_put_safe(FILE *f, const char *s, int width)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        /* No terminal escape or control byte from a log reaches the terminal. */
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
        n += (*p & 0xc0) != 0x80;
    }
    for (; n < width; n++) {
        fputc(' ', f);
    }
}

void cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("m365hunt: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry 'm365hunt --help'.\n", stderr);
    va_end(ap);
}

int cli_parse_size(const char *s, unsigned long long *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s) {
        return -1;
    }
    unsigned long long mul = 1;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': mul = 1ull << 10; end++; break;
    case 'm': case 'M': mul = 1ull << 20; end++; break;
    case 'g': case 'G': mul = 1ull << 30; end++; break;
    default: return -1;
    }
    if (*end == 'B' || *end == 'b') {
        end++;
    }
    if (*end != '\0' || v == 0 || v > ~0ull / mul) {
        return -1;
    }
    *out = v * mul;
    return 0;
}
