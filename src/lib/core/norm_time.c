#include <string.h>

#include "norm.h"

int64_t m365_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Era-based conversion: exact for every proleptic Gregorian date. */
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void m365_civil_from_ms(int64_t ms, int *y, int *mo, int *d, int *h, int *mi, int *s, int *msec)
{
    int64_t days = ms / M365_DAY_MS;
    int64_t rem = ms % M365_DAY_MS;
    if (rem < 0) {
        rem += M365_DAY_MS;
        days--;
    }
    *h = (int)(rem / M365_HOUR_MS);
    *mi = (int)(rem / 60000 % 60);
    *s = (int)(rem / 1000 % 60);
    *msec = (int)(rem % 1000);
    int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned dd = doy - (153 * mp + 2) / 5 + 1;
    const unsigned mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((int64_t)yoe + era * 400 + (mm <= 2));
    *mo = (int)mm;
    *d = (int)dd;
}

static int days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2) {
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        return leap ? 29 : 28;
    }
    return dim[m - 1];
}

struct cur {
    const char *p, *end;
};

static int digits(struct cur *c, int min, int max, int64_t *out)
{
    int n = 0;
    int64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && n < max) {
        v = v * 10 + (*c->p - '0');
        c->p++;
        n++;
    }
    if (n < min) {
        return -1;
    }
    *out = v;
    return n;
}

static bool eat(struct cur *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static void skip_spaces(struct cur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t')) {
        c->p++;
    }
}

/* Fraction after '.' or ',': milliseconds from the first three digits, the rest ignored. */
static int fraction(struct cur *c, int64_t *ms)
{
    int64_t v = 0;
    int n = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (n < 3) {
            v = v * 10 + (*c->p - '0');
        }
        n++;
        c->p++;
        if (n > 9) {
            return -1;
        }
    }
    if (n == 0) {
        return -1;
    }
    while (n < 3) {
        v *= 10;
        n++;
    }
    *ms = v;
    return 0;
}

static int finish(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s, int64_t ms,
                  int64_t off_min, int64_t *out)
{
    if (y < 1601 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (unsigned)mo) ||
        h > 23 || mi > 59 || s > 60) {
        return -1;
    }
    if (s == 60) {
        s = 59; /* leap second: keep it inside the minute */
    }
    int64_t days = m365_days_from_civil(y, (unsigned)mo, (unsigned)d);
    *out = ((days * 24 + h) * 60 + mi - off_min) * 60000 + s * 1000 + ms;
    return 0;
}

static int parse_iso(struct cur *c, int64_t *out)
{
    int64_t y, mo, d, h = 0, mi = 0, s = 0, ms = 0, off = 0;
    if (digits(c, 4, 4, &y) < 0 || !eat(c, '-') || digits(c, 2, 2, &mo) < 0 || !eat(c, '-') ||
        digits(c, 2, 2, &d) < 0) {
        return -1;
    }
    if (c->p < c->end && (*c->p == 'T' || *c->p == 't' || *c->p == ' ')) {
        c->p++;
        if (digits(c, 2, 2, &h) < 0 || !eat(c, ':') || digits(c, 2, 2, &mi) < 0) {
            return -1;
        }
        if (eat(c, ':')) {
            if (digits(c, 2, 2, &s) < 0) {
                return -1;
            }
            if ((eat(c, '.') || eat(c, ',')) && fraction(c, &ms) < 0) {
                return -1;
            }
        }
        skip_spaces(c);
        if (eat(c, 'Z') || eat(c, 'z')) {
            off = 0;
        } else if (c->p < c->end && (*c->p == '+' || *c->p == '-')) {
            int sign = *c->p == '-' ? -1 : 1;
            int64_t oh, om = 0;
            c->p++;
            if (digits(c, 2, 2, &oh) < 0) {
                return -1;
            }
            /* "+05", "+0530" and "+05:30"; a colon must be followed by the minutes. */
            if (eat(c, ':')) {
                if (digits(c, 2, 2, &om) < 0) {
                    return -1;
                }
            } else if (c->p < c->end && *c->p >= '0' && *c->p <= '9' &&
                       digits(c, 2, 2, &om) < 0) {
                return -1;
            }
            if (oh > 14 || om > 59) {
                return -1;
            }
            off = sign * (oh * 60 + om);
        } else if (c->end - c->p >= 3 && memcmp(c->p, "UTC", 3) == 0) {
            c->p += 3;
        }
    }
    return finish(y, mo, d, h, mi, s, ms, off, out);
}

/* M/D/YYYY[,] H:MM[:SS[.fff]] [AM|PM] — US locale, as Purview and the Azure portal write it;
 * with day_first, D.M.YYYY H:MM[:SS[,fff]] — what Excel writes re-saving an export in locales
 * that date with dots (German, Polish, Russian, Czech…), always day first. Slashed dates stay
 * month first: a day-first reading of those would be a guess. */
static int parse_numeric_date(struct cur *c, bool day_first, int64_t *out)
{
    int64_t mo, d, y, h = 0, mi = 0, s = 0, ms = 0;
    char sep = day_first ? '.' : '/';
    if (digits(c, 1, 2, day_first ? &d : &mo) < 0 || !eat(c, sep) ||
        digits(c, 1, 2, day_first ? &mo : &d) < 0 || !eat(c, sep) || digits(c, 4, 4, &y) < 0) {
        return -1;
    }
    eat(c, ',');
    skip_spaces(c);
    if (c->p < c->end) {
        if (digits(c, 1, 2, &h) < 0 || !eat(c, ':') || digits(c, 2, 2, &mi) < 0) {
            return -1;
        }
        if (eat(c, ':')) {
            if (digits(c, 2, 2, &s) < 0) {
                return -1;
            }
            if ((eat(c, '.') || (day_first && eat(c, ','))) && fraction(c, &ms) < 0) {
                return -1;
            }
        }
        skip_spaces(c);
        if (!day_first && c->end - c->p >= 2 && (c->p[1] == 'M' || c->p[1] == 'm')) {
            char ap = c->p[0];
            if (h < 1 || h > 12) {
                return -1;
            }
            if (ap == 'A' || ap == 'a') {
                h = h == 12 ? 0 : h;
            } else if (ap == 'P' || ap == 'p') {
                h = h == 12 ? 12 : h + 12;
            } else {
                return -1;
            }
            c->p += 2;
        }
        skip_spaces(c);
        if (c->end - c->p >= 3 && memcmp(c->p, "UTC", 3) == 0) {
            c->p += 3;
        } else {
            eat(c, 'Z');
        }
    }
    return finish(y, mo, d, h, mi, s, ms, 0, out);
}

/* The shape nearly every export writes, "2025-09-01T12:34:56[.fffffff][Z]", read at fixed
 * places instead of through the cursor: the same answer for a fraction of the work. 1 when s has
 * exactly that shape (*rc is then the general parser's result), 0 to leave s to the general
 * parser. Text that starts with anything but a digit never comes here: tests/unit/test_norm_time.c
 * and fuzz/fuzz_time.c put a space in front to compare the two parsers. */
static int parse_canonical(const char *s, size_t len, int64_t *out, int *rc)
{
    if (len < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') {
        return 0;
    }
    static const unsigned char at[14] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
    unsigned v[14];
    for (size_t i = 0; i < 14; i++) {
        v[i] = (unsigned)(unsigned char)s[at[i]] - '0';
        if (v[i] > 9) {
            return 0;
        }
    }
    int64_t ms = 0;
    size_t i = 19;
    if (i < len && (s[i] == '.' || s[i] == ',')) {
        int n = 0;
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, n++) {
            if (n < 3) {
                ms = ms * 10 + (s[i] - '0');
            }
        }
        if (n == 0 || n > 9) {
            return 0;
        }
        for (; n < 3; n++) {
            ms *= 10;
        }
    }
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    }
    if (i != len) {
        return 0;
    }
    int64_t y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    *rc = finish(y, v[4] * 10 + v[5], v[6] * 10 + v[7], v[8] * 10 + v[9], v[10] * 10 + v[11],
                 v[12] * 10 + v[13], ms, 0, out);
    return 1;
}

/* "/Date(1764666071000)/": how Windows PowerShell's ConvertTo-Json writes a DateTime, in
 * milliseconds since 1970 (UTC); an offset after them ("+0100") only says where it was local. */
static int parse_ms_date(struct cur *c, int64_t *out)
{
    if (c->end - c->p < 9 || memcmp(c->p, "/Date(", 6) != 0) {
        return -1;
    }
    c->p += 6;
    bool neg = eat(c, '-');
    int64_t ms;
    if (digits(c, 1, 15, &ms) < 0) {
        return -1;
    }
    int64_t off;
    if ((eat(c, '+') || eat(c, '-')) && digits(c, 4, 4, &off) < 0) {
        return -1;
    }
    if (!eat(c, ')') || !eat(c, '/')) {
        return -1;
    }
    ms = neg ? -ms : ms;
    /* The years the other forms accept: 1601 to 9999. */
    int64_t lo = (m365_days_from_civil(1601, 1, 1)) * M365_DAY_MS, hi =
        m365_days_from_civil(10000, 1, 1) * M365_DAY_MS;
    if (ms < lo || ms >= hi) {
        return -1;
    }
    *out = ms;
    return 0;
}

int m365_time_parse(const char *s, size_t len, int64_t *out_ms)
{
    int64_t v;
    int rc;
    if (len >= 19 && s[0] >= '0' && s[0] <= '9' && parse_canonical(s, len, &v, &rc)) {
        if (rc != 0) {
            return -1;
        }
        *out_ms = v;
        return 0;
    }
    struct cur c = {s, s + len};
    /* The same characters are trimmed at both ends (CSV cells may carry line breaks). */
    while (c.p < c.end &&
           (*c.p == ' ' || *c.p == '\t' || *c.p == '"' || *c.p == '\r' || *c.p == '\n')) {
        c.p++;
    }
    while (c.end > c.p && (c.end[-1] == ' ' || c.end[-1] == '\t' || c.end[-1] == '"' ||
                           c.end[-1] == '\r' || c.end[-1] == '\n')) {
        c.end--;
    }
    if (c.p == c.end) {
        return -1;
    }
    const char *q = c.p;
    while (q < c.end && *q >= '0' && *q <= '9') {
        q++;
    }
    if (*c.p == '/') {
        rc = parse_ms_date(&c, &v);
    } else if (q < c.end && *q == '/') {
        rc = parse_numeric_date(&c, false, &v);
    } else if (q < c.end && *q == '.' && q - c.p <= 2) {
        rc = parse_numeric_date(&c, true, &v);
    } else {
        rc = parse_iso(&c, &v);
    }
    if (rc != 0 || c.p != c.end) {
        return -1;
    }
    *out_ms = v;
    return 0;
}

/* The number after "<key>=" ending at end (exclusive): 1..4 digits; -1 when absent. */
static int path_field(const char *p, const char *end, const char **start, char key)
{
    const char *q = end;
    int v = 0, mul = 1, n = 0;
    while (q > p && q[-1] >= '0' && q[-1] <= '9' && n < 4) {
        q--;
        v += (q[0] - '0') * mul;
        mul *= 10;
        n++;
    }
    if (n == 0 || q - p < 3 || q[-1] != '=' || q[-2] != key || q[-3] != '/') {
        return -1;
    }
    *start = q - 3;
    return v;
}

bool m365_path_hour(const char *path, int64_t *start_ms)
{
    if (!path) {
        return false;
    }
    size_t n = strlen(path);
    static const char blob[] = "/PT1H.json";
    const size_t bl = sizeof(blob) - 1;
    if (n >= bl + 3 && strcmp(path + n - 3, ".gz") == 0) {
        n -= 3;
    }
    if (n < bl || strncmp(path + n - bl, blob, bl) != 0) {
        return false;
    }
    /* Backwards from the blob's name: m=00, h, d, m, y. */
    const char *end = path + n - bl, *at;
    int v[5];
    static const char keys[5] = {'m', 'h', 'd', 'm', 'y'};
    for (int i = 0; i < 5; i++) {
        v[i] = path_field(path, end, &at, keys[i]);
        if (v[i] < 0) {
            return false;
        }
        end = at;
    }
    int minute = v[0], hour = v[1], day = v[2], month = v[3], year = v[4];
    if (minute != 0 || hour > 23 || day < 1 || day > 31 || month < 1 || month > 12 ||
        year < 1970 || year > 9999) {
        return false;
    }
    int64_t days = m365_days_from_civil(year, (unsigned)month, (unsigned)day);
    int y, mo, d, h, mi, sec, ms;
    m365_civil_from_ms(days * M365_DAY_MS, &y, &mo, &d, &h, &mi, &sec, &ms);
    if (mo != month || d != day) {
        return false; /* 31 February */
    }
    *start_ms = days * M365_DAY_MS + (int64_t)hour * M365_HOUR_MS;
    return true;
}
