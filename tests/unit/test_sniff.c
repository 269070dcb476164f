/* The first record's keys (readers/sniff.h): which are listed, which are found, in any case, and
 * that the one-bit-per-key filter in front of the look-ups never hides a key that is there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "readers/sniff.h"
#include "snapshot/snap_context.h"

static const char ual_record[] =
    "{\"CreationTime\":\"2024-01-12T08:41:17\",\"Id\":\"5f1a2b3c-0000-4000-8000-00000000a1b2\","
    "\"Operation\":\"MailItemsAccessed\",\"OrganizationId\":\"3b1c5e7a-9d2f-4c1b-8a6e-"
    "2f4d6b8c0e1a\",\"RecordType\":50,\"ResultStatus\":\"Succeeded\",\"UserKey\":"
    "\"10032003A1B2C3D4\",\"UserType\":0,\"Version\":1,\"Workload\":\"Exchange\",\"UserId\":"
    "\"adele.vance@contoso.com\",\"AppId\":\"00000002-0000-0ff1-ce00-000000000000\","
    "\"ClientAppId\":\"d3590ed6-52b3-4102-aeff-aad2292ab01c\",\"ClientIPAddress\":\"203.0.113.7\","
    "\"ClientInfoString\":\"Client=REST;Client=RESTSystem;;\",\"ExternalAccess\":false,"
    "\"InternalLogonType\":0,\"LogonType\":0,\"LogonUserSid\":\"S-1-5-21-1\",\"MailboxGuid\":"
    "\"0b6b0f3a-1111-4222-8333-444455556666\",\"MailboxOwnerSid\":\"S-1-5-21-1\","
    "\"MailboxOwnerUPN\":\"adele.vance@contoso.com\",\"OperationProperties\":[{\"Name\":"
    "\"MailAccessType\",\"Value\":\"Bind\"}],\"OrganizationName\":\"contoso.onmicrosoft.com\","
    "\"OriginatingServer\":\"AM0PR01MB1234 (15.20.7181.019)\",\"Folders\":[{\"FolderItems\":[{"
    "\"InternetMessageId\":\"<a@b>\"}],\"Path\":\"\\\\Inbox\"}],\"OperationCount\":1}\n";

static void case_flipped(const char *in, char *out)
{
    for (; *in; in++, out++) {
        char c = *in;
        *out = (char)(c >= 'a' && c <= 'z' ? c - 32 : c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    *out = '\0';
}

static void test_keys_listed_and_found(void **state)
{
    (void)state;
    struct m365_sniff_keys k;
    assert_true(m365_sniff_json_keys(ual_record, strlen(ual_record), &k));
    assert_int_equal(k.n, 27);
    assert_null(k.wrapper);
    assert_false(k.in_array);
    assert_string_equal(k.keys[0], "CreationTime");
    assert_string_equal(k.keys[26], "OperationCount");
    for (unsigned i = 0; i < k.n; i++) {
        char flipped[48];
        case_flipped(k.keys[i], flipped);
        assert_true(m365_sniff_keys_has(&k, k.keys[i]));
        assert_true(m365_sniff_keys_maybe(&k, k.keys[i]));
        assert_true(m365_sniff_keys_maybe(&k, flipped)); /* the filter ignores case */
        assert_false(m365_sniff_keys_has(&k, flipped));  /* the look-up does not */
    }
    /* Nested members and values are not keys. */
    static const char *const absent[] = {"Name", "Value", "FolderItems", "Path", "Exchange",
                                         "TimeGenerated", "time", "operationName", "value", ""};
    for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
        assert_false(m365_sniff_keys_has(&k, absent[i]));
    }
}

/* Every key of a record with the most keys kept (96) is found, the filter's 64 bits all but
 * full; a record's keys past that are not listed. */
static void test_many_keys(void **state)
{
    (void)state;
    char text[8192];
    size_t n = 0;
    text[n++] = '{';
    for (int i = 0; i < 120; i++) {
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"Member%03dName\":%d", i ? "," : "",
                              i, i);
    }
    text[n++] = '}';
    text[n] = '\0';
    struct m365_sniff_keys k;
    assert_true(m365_sniff_json_keys(text, n, &k));
    assert_int_equal(k.n, M365_SNIFF_MAX_KEYS);
    for (int i = 0; i < 120; i++) {
        char key[32];
        snprintf(key, sizeof(key), "Member%03dName", i);
        assert_int_equal(m365_sniff_keys_has(&k, key), i < M365_SNIFF_MAX_KEYS);
    }
}

/* A key given twice is listed once; a wrapper's own keys make way for its first record's. */
static void test_repeats_and_wrappers(void **state)
{
    (void)state;
    struct m365_sniff_keys k;
    const char *twice = "{\"a\":1,\"B\":2,\"a\":3,\"b\":4}";
    assert_true(m365_sniff_json_keys(twice, strlen(twice), &k));
    assert_int_equal(k.n, 3);
    const char *page = "{\"@odata.context\":\"x\",\"value\":[{\"createdDateTime\":\"2024-01-01\","
                       "\"userPrincipalName\":\"u@c.com\"}]}";
    assert_true(m365_sniff_json_keys(page, strlen(page), &k));
    assert_string_equal(k.wrapper, "value");
    assert_int_equal(k.n, 2);
    assert_true(m365_sniff_keys_has(&k, "userPrincipalName"));
    assert_false(m365_sniff_keys_has(&k, "@odata.context"));
    assert_false(m365_sniff_keys_maybe(&k, "value") && m365_sniff_keys_has(&k, "value"));
    /* The same answer again from the remembered one, and for a fresh reading after another. */
    struct m365_sniff_keys again;
    assert_true(m365_sniff_json_keys(page, strlen(page), &again));
    assert_int_equal(again.n, k.n);
    assert_true(again.seen == k.seen);
    assert_ptr_equal(again.wrapper, k.wrapper);
    assert_true(m365_sniff_keys_has(&again, "createdDateTime"));

    /* A Defender advanced hunting response: Stats and Schema are metadata, the keys are the
     * first row's; Graph's runHuntingQuery writes them in lower case. */
    const char *hunt = "{\"Stats\":{\"ExecutionTime\":0.5},\"Schema\":[{\"Name\":\"Timestamp\","
                       "\"Type\":\"DateTime\"}],\"Results\":[{\"Timestamp\":\"2024-01-01\","
                       "\"ActionType\":\"MailItemsAccessed\",\"ReportId\":1}]}";
    assert_true(m365_sniff_json_keys(hunt, strlen(hunt), &k));
    assert_string_equal(k.wrapper, "Results");
    assert_int_equal(k.n, 3);
    assert_true(m365_sniff_keys_has(&k, "ReportId"));
    assert_false(m365_sniff_keys_has(&k, "Name"));
    const char *graph = "{\"@odata.context\":\"x\",\"schema\":[],\"results\":[{\"Timestamp\":1}]}";
    assert_true(m365_sniff_json_keys(graph, strlen(graph), &k));
    assert_string_equal(k.wrapper, "Results");
    assert_true(m365_sniff_keys_has(&k, "Timestamp"));
    /* A record's own key named Results is not a wrapper: another key came first. */
    const char *rec = "{\"Operation\":\"x\",\"Results\":[{\"a\":1}]}";
    assert_true(m365_sniff_json_keys(rec, strlen(rec), &k));
    assert_null(k.wrapper);
    assert_true(m365_sniff_keys_has(&k, "Operation"));
}

/* A CSV header's columns, as the snapshot sniffer reads them, in whatever case the export
 * writes them: a snapshot export is recognised, a log export is not. */
static void test_csv_header_any_case(void **state)
{
    (void)state;
    const char *users = "#TYPE Selected.Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser\n"
                        "\"id\",\"userPrincipalName\",\"accountEnabled\",\"createdDateTime\","
                        "\"assignedLicenses\",\"signInActivity\"\n";
    assert_int_not_equal(m365_snap_sniff(users, strlen(users)), 0);
    const char *log = "CreationDate,UserIds,Operations,AuditData\n";
    assert_int_equal(m365_snap_sniff(log, strlen(log)), 0);
    const char *log_upper = "CREATIONDATE,USERIDS,OPERATIONS,AUDITDATA\n";
    assert_int_equal(m365_snap_sniff(log_upper, strlen(log_upper)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_listed_and_found),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_repeats_and_wrappers),
        cmocka_unit_test(test_csv_header_any_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
