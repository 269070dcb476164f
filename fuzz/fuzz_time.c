/* Fuzz target: m365_time_parse on arbitrary text. An accepted time must lie in the documented
 * year range, survive a round trip through the ISO-8601 text the library writes, and be the
 * same with extra surrounding quotes and spaces (which the parser ignores). The wrapped text
 * starts with a space, so it always takes the general parser: the unwrapped one, when it has the
 * usual "YYYY-MM-DDTHH:MM:SS[.f…][Z]" shape, takes the fast path, and the two are compared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/norm.h"
#include "fuzz_common.h"
#include "m365hunt/scan.h"

/* A blob path's hour: whole hours of years 1970..9999, and the same hour when written back. */
static void path_hour(const uint8_t *data, size_t size)
{
    char *path = fuzz_cstr(data, size);
    if (!path) {
        return;
    }
    int64_t hour;
    if (m365_path_hour(path, &hour)) {
        if (hour % 3600000 != 0 || hour < 0 ||
            hour >= m365_days_from_civil(10000, 1, 1) * 86400000) {
            fuzz_fail("blob hour %lld is not a whole hour of 1970..9999", (long long)hour);
        }
        int y, mo, d, h, mi, sec, msec;
        m365_civil_from_ms(hour, &y, &mo, &d, &h, &mi, &sec, &msec);
        char again[80];
        snprintf(again, sizeof(again), "/y=%04d/m=%02d/d=%02d/h=%02d/m=00/PT1H.json", y, mo, d, h);
        int64_t back;
        if (!m365_path_hour(again, &back) || back != hour) {
            fuzz_fail("blob hour %lld written back as %s reads otherwise", (long long)hour, again);
        }
    }
    free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    path_hour(data, size);
    const char *s = (const char *)data;
    int64_t ms = 0;
    int rc = m365_time_parse(s, size, &ms);

    char *wrapped = malloc(size + 4);
    if (!wrapped) {
        return 0;
    }
    memcpy(wrapped, " \"", 2);
    memcpy(wrapped + 2, s, size);
    memcpy(wrapped + 2 + size, "\" ", 2);
    int64_t ms2 = 0;
    int rc2 = m365_time_parse(wrapped, size + 4, &ms2);
    free(wrapped);
    if (rc != rc2 || (rc == 0 && ms != ms2)) {
        fuzz_fail("quotes and spaces around the text changed the result: %d/%lld vs %d/%lld", rc,
                  (long long)ms, rc2, (long long)ms2);
    }
    if (rc != 0) {
        return 0;
    }
    /* Years 1601..9999 in local time; a zone offset moves UTC by less than a day. */
    const int64_t day = 86400000;
    if (ms < (m365_days_from_civil(1601, 1, 1) - 1) * day ||
        ms >= (m365_days_from_civil(10000, 1, 1) + 1) * day) {
        fuzz_fail("time %lld outside the accepted years", (long long)ms);
    }
    int y, mo, d, h, mi, sec, msec;
    m365_civil_from_ms(ms, &y, &mo, &d, &h, &mi, &sec, &msec);
    int64_t back = ((m365_days_from_civil(y, (unsigned)mo, (unsigned)d) * 24 + h) * 60 + mi) *
                       60000 + sec * 1000 + msec;
    if (back != ms) {
        fuzz_fail("civil round trip: %lld -> %d-%d-%d %d:%d:%d.%d -> %lld", (long long)ms, y, mo,
                  d, h, mi, sec, msec, (long long)back);
    }
    if (y >= 1601 && y <= 9999) {
        char iso[40];
        m365_format_time(ms, iso, sizeof(iso));
        int64_t again = 0;
        if (m365_time_parse(iso, strlen(iso), &again) != 0 || again != ms) {
            fuzz_fail("ISO round trip: %lld -> %s -> %lld", (long long)ms, iso, (long long)again);
        }
    }
    return 0;
}
