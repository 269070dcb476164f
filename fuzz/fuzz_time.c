/* Fuzz target: m365_time_parse on arbitrary text. An accepted time must lie in the documented
 * year range, survive a round trip through the ISO-8601 text the library writes, and be the
 * same with extra surrounding quotes and spaces (which the parser ignores). The wrapped text
 * starts with a space, so it always takes the general parser: the unwrapped one, when it has the
 * usual "YYYY-MM-DDTHH:MM:SS[.f…][Z]" shape, takes the fast path, and the two are compared. */
#include <stdlib.h>
#include <string.h>

#include "core/norm.h"
#include "fuzz_common.h"
#include "m365hunt/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
