/* m365_exo_first_word answers in one pass what asking m365_exo_has_word for each word of the
 * list in turn answers: checked on generated texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "detections/exo_common.h"

static const char *const words[] = {"phish", "phishing", "hack", "hacked", "help desk", "mfa",
                                    "wire", "Forward", "ForwardAsAttachment", "s", "a"};
static const char *const pieces[] = {"phish", "PHISHING", "hacks", "Hacked", "help desk",
                                     "helpdesk", "MFA", "wires", "wired", "forward",
                                     "ForwardAsAttachments", "x", "s", "a", "_", "é", " ",
                                     ",", "-", "\"", "[", "1"};

static void same_as_asking_word_by_word(void **state)
{
    (void)state;
    const size_t nw = sizeof(words) / sizeof(words[0]);
    uint64_t r = 0x9E3779B97F4A7C15ull;
    unsigned hits = 0;
    for (unsigned round = 0; round < 50000; round++) {
        char text[256] = "";
        size_t len = 0;
        unsigned n = 1 + (unsigned)(r % 9);
        for (unsigned k = 0; k < n; k++) {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            const char *p = pieces[r % (sizeof(pieces) / sizeof(pieces[0]))];
            len += (size_t)snprintf(text + len, sizeof(text) - len, "%s", p);
        }
        /* a list that starts anywhere in words[]: the order matters */
        size_t from = r % nw;
        const char *list[sizeof(words) / sizeof(words[0])];
        size_t m = 0;
        for (size_t i = from; i < nw; i++) {
            list[m++] = words[i];
        }
        int want = -1;
        for (size_t i = 0; i < m && want < 0; i++) {
            if (m365_exo_has_word(text, list[i])) {
                want = (int)i;
            }
        }
        int got = m365_exo_first_word(text, list, m);
        if (got != want) {
            fail_msg("\"%s\": first word %d, asking word by word %d", text, got, want);
        }
        hits += want >= 0;
    }
    assert_true(hits > 5000); /* about 9,000: both outcomes are well exercised */
    assert_int_equal(m365_exo_first_word(NULL, words, 3), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_as_asking_word_by_word),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
