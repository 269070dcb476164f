/* m365_exo_first_word (and m365_exo_has_word, built on it) answer what a plain reading of the
 * rule answers: the first word of the list found in the text as a whole word, ASCII
 * case-insensitively, a plural "s" allowed. Checked against a naive reference on generated
 * texts. */
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

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_word_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '_' || c >= 0x80;
}

/* The reference: try every position. */
static int naive_has_word(const char *text, const char *word)
{
    size_t n = strlen(word), len = strlen(text);
    for (size_t i = 0; i + n <= len; i++) {
        if (i > 0 && is_word_char((unsigned char)text[i - 1])) {
            continue;
        }
        size_t k = 0;
        while (k < n && lower((unsigned char)text[i + k]) == lower((unsigned char)word[k])) {
            k++;
        }
        if (k < n) {
            continue;
        }
        unsigned char after = (unsigned char)text[i + n];
        if (!is_word_char(after)) {
            return 1;
        }
        if ((after == 's' || after == 'S') && !is_word_char((unsigned char)text[i + n + 1])) {
            return 1;
        }
    }
    return 0;
}

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
            if (naive_has_word(text, list[i])) {
                want = (int)i;
            }
        }
        for (size_t i = 0; i < m; i++) {
            if (m365_exo_has_word(text, list[i]) != (naive_has_word(text, list[i]) != 0)) {
                fail_msg("\"%s\": has_word(%s) differs from the reference", text, list[i]);
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
