/* Microsoft's own app ids (m365_first_party_app): every listed id is found, in any letter case,
 * and nothing else is, however close. GUIDs as 16 bytes (m365_guid_pack, the event table's
 * record ids): back to the same text, and only for the texts that come back so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/norm.h"
#include "detections/m365_ids.h"
#include "test_util.h"

/* The ids the detections rely on, as the logs write them (Graph and UAL: lower case; some
 * exports: upper case). */
static const char *const listed[][2] = {
    {"00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"},
    {"00000003-0000-0000-c000-000000000000", "Microsoft Graph"},
    {"00000002-0000-0000-c000-000000000000", "Windows Azure Active Directory"},
    {"00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"},
    {"0000000c-0000-0000-c000-000000000000", "Microsoft App Access Panel"},
    {"00b41c95-dab0-4487-9791-b9d2c32c80f2", "Office 365 Management"},
    {"1950a258-227b-4e31-a9cf-717495945fc2", "Microsoft Azure PowerShell"},
    {"d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"},
    {"fb78d390-0c51-40cd-8e17-fdbfab77341b", "Microsoft Exchange REST API Based PowerShell"},
};

static void upper(char *s)
{
    for (; *s; s++) {
        if (*s >= 'a' && *s <= 'z') {
            *s = (char)(*s - 32);
        }
    }
}

static void listed_ids_found_in_any_case(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++) {
        const struct m365_app_id *a = m365_first_party_app(listed[i][0]);
        assert_non_null(a);
        assert_string_equal(a->id, listed[i][0]);
        assert_string_equal(a->name, listed[i][1]);
        char up[64];
        strcpy(up, listed[i][0]);
        upper(up);
        assert_ptr_equal(m365_first_party_app(up), a);
    }
}

/* Ids one character away from a listed one: found only when they are a listed id. */
static void every_answer_is_found_again(void **state)
{
    (void)state;
    const char hex[] = "0123456789abcdef";
    size_t found = 0;
    /* Walk ids that share the listed ones' prefixes: each hit must come back for its own id. */
    for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++) {
        for (size_t pos = 0; pos < 36; pos++) {
            if (listed[i][0][pos] == '-') {
                continue;
            }
            for (size_t h = 0; h < 16; h++) {
                char id[40];
                strcpy(id, listed[i][0]);
                id[pos] = hex[h];
                const struct m365_app_id *a = m365_first_party_app(id);
                if (strcmp(id, listed[i][0]) == 0) {
                    assert_non_null(a);
                }
                if (a) {
                    assert_string_equal(a->id, id);
                    found++;
                }
            }
        }
    }
    assert_true(found >= 32 * 9); /* each listed id at least once per position */
}

static void others_not_found(void **state)
{
    (void)state;
    static const char *const others[] = {
        "",
        "0",
        "00000003-0000-0000-c000-00000000000",   /* one short */
        "00000003-0000-0000-c000-0000000000000", /* one long */
        "00000003-0000-0000-c000-000000000001",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "11111111-1111-1111-1111-111111111111",
        "d3590ed6-52b3-4102-aeff-aad2292ab01d",
        "Microsoft Office",
        "d3590ed6 52b3 4102 aeff aad2292ab01c",
        /* Exchange Online's id with bit 5 cleared in its first eight bytes (control characters
         * where the digits are): the same bytes once bit 5 is set, still not the id. */
        "\x10\x10\x10\x10\x10\x10\x10\x12-0000-0ff1-ce00-000000000000",
        "D\023\025\031\020ED\026-52b3-4102-aeff-aad2292ab01c", /* octal: 3 digits at most */
    };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        assert_null(m365_first_party_app(others[i]));
    }
    assert_null(m365_first_party_app(NULL));
}

static uint64_t rng = 0x853c49e6748fea9bull;
static uint64_t next64(void) { return m365_test_rand64(&rng); }

/* Random GUID texts in lower, upper and no-letter forms come back exactly; any single byte
 * changed to a non-digit, or one letter's case flipped among others of the other case, is
 * refused. m365_is_guid takes the same texts and refuses the same changes, but for the case:
 * mixed case is a GUID to it. */
static void guid_text_round_trips(void **state)
{
    (void)state;
    static const char hex[] = "0123456789abcdef0123456789ABCDEF";
    unsigned upper_seen = 0, lower_seen = 0;
    for (int round = 0; round < 20000; round++) {
        char t[M365_GUID_LEN + 1], back[M365_GUID_LEN + 1];
        unsigned form = (unsigned)(next64() % 3); /* 0 lower, 1 upper, 2 digits only */
        for (size_t i = 0; i < M365_GUID_LEN; i++) {
            unsigned d = (unsigned)(next64() % (form == 2 ? 10 : 16));
            t[i] = (i == 8 || i == 13 || i == 18 || i == 23) ? '-' : hex[d + (form == 1 ? 16 : 0)];
        }
        t[M365_GUID_LEN] = '\0';
        uint8_t g[16];
        bool upper = false;
        assert_true(m365_guid_pack(t, M365_GUID_LEN, g, &upper));
        assert_true(m365_is_guid(t, M365_GUID_LEN));
        m365_guid_format(g, upper, back);
        assert_string_equal(back, t);
        upper_seen += upper;
        lower_seen += !upper && form == 0;
        /* One byte changed: a dash or a digit elsewhere, a letter past f, a space. */
        size_t at = (size_t)(next64() % M365_GUID_LEN);
        char was = t[at];
        bool dash = at == 8 || at == 13 || at == 18 || at == 23;
        static const char bad[] = {'g', 'G', ' ', '{', '\0', '/', ':', '@', '`'};
        t[at] = dash ? "0aF"[next64() % 3] : bad[next64() % sizeof(bad)];
        assert_false(m365_guid_pack(t, M365_GUID_LEN, g, &upper));
        assert_false(m365_is_guid(t, M365_GUID_LEN));
        if (!dash) {
            t[at] = '-';
            assert_false(m365_guid_pack(t, M365_GUID_LEN, g, &upper));
            assert_false(m365_is_guid(t, M365_GUID_LEN));
        }
        t[at] = was;
        /* A letter in the other case among letters of one case. */
        for (size_t i = 0; i < M365_GUID_LEN && form != 2; i++) {
            if (t[i] >= 'a' && t[i] <= 'f') {
                t[i] = (char)(t[i] - 32);
                bool mixed = false;
                for (size_t j = 0; j < M365_GUID_LEN; j++) {
                    mixed |= t[j] >= 'a' && t[j] <= 'f';
                }
                assert_int_equal(m365_guid_pack(t, M365_GUID_LEN, g, &upper), !mixed);
                assert_true(m365_is_guid(t, M365_GUID_LEN));
                break;
            }
            if (t[i] >= 'A' && t[i] <= 'F') {
                t[i] = (char)(t[i] + 32);
                bool mixed = false;
                for (size_t j = 0; j < M365_GUID_LEN; j++) {
                    mixed |= t[j] >= 'A' && t[j] <= 'F';
                }
                assert_int_equal(m365_guid_pack(t, M365_GUID_LEN, g, &upper), !mixed);
                assert_true(m365_is_guid(t, M365_GUID_LEN));
                break;
            }
        }
    }
    assert_true(upper_seen > 1000 && lower_seen > 1000);
    /* Other lengths and shapes. */
    static const char *const not_guids[] = {
        "00000003-0000-0000-c000-00000000000",    /* one short */
        "{00000003-0000-0000-c000-000000000000}", /* braces */
        "000000030000-0000-c000-0000000000000",   /* a dash moved */
        "00000003-0000-0000-c000-00000000000z",
        "Directory_0a1b2c3d-0000-0000-c000-000000000000",
    };
    for (size_t i = 0; i < sizeof(not_guids) / sizeof(not_guids[0]); i++) {
        uint8_t g[16];
        bool upper;
        assert_false(m365_guid_pack(not_guids[i], strlen(not_guids[i]), g, &upper));
        assert_false(m365_is_guid(not_guids[i], strlen(not_guids[i])));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(listed_ids_found_in_any_case),
        cmocka_unit_test(every_answer_is_found_again),
        cmocka_unit_test(others_not_found),
        cmocka_unit_test(guid_text_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
