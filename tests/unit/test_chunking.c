/* Every reader, fed the same bytes in reads of every size from 1 byte up, gives the same
 * events and the same accounting as with the default read size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "m365hunt/m365hunt.h"
#include "test_util.h"

static const char ual_jsonl[] =
    "{\"CreationTime\":\"2026-03-02T10:00:00\",\"Id\":\"a1\",\"Operation\":\"UserLoggedIn\","
    "\"RecordType\":15,\"ResultStatus\":\"Success\",\"UserId\":\"Alice@Contoso.com\",\"Workload\":"
    "\"AzureActiveDirectory\",\"ClientIP\":\"203.0.113.10\",\"ExtendedProperties\":[{\"Name\":"
    "\"UserAgent\",\"Value\":\"Mozilla\\/5.0 \\u00e9\"}]}\r\n"
    "\n"
    "{\"CreationTime\":\"2026-03-02T09:00:00\",\"Id\":\"a2\",\"Operation\":\"New-InboxRule\","
    "\"RecordType\":1,\"ResultStatus\":\"True\",\"UserId\":\"bob@contoso.com\",\"Workload\":"
    "\"Exchange\",\"ClientIP\":\"[2a01:110::1]:443\",\"Parameters\":[{\"Name\":\"Name\",\"Value\":"
    "\"x\"},{\"Name\":\"MoveToFolder\",\"Value\":\"RSS Feeds\"}]}\n"
    "{\"CreationTime\":\"2026-03-02T11:00:00\",\"Operation\": broken}\n"
    "{\"CreationTime\":\"2026-03-02T10:00:00\",\"Id\":\"a1\",\"Operation\":\"UserLoggedIn\","
    "\"RecordType\":15,\"ResultStatus\":\"Success\",\"UserId\":\"Alice@Contoso.com\",\"Workload\":"
    "\"AzureActiveDirectory\",\"ClientIP\":\"203.0.113.10\",\"ExtendedProperties\":[{\"Name\":"
    "\"UserAgent\",\"Value\":\"Mozilla\\/5.0 \\u00e9\"}]}\n";

/* A pretty-printed Management API blob: records inside an array, with strings holding braces. */
static const char ual_array[] =
    "[\n  {\n    \"CreationTime\": \"2026-03-03T08:00:00\",\n    \"Id\": \"b1\",\n"
    "    \"Operation\": \"Update application \xe2\x80\x93 Certificates and secrets management \",\n"
    "    \"RecordType\": 8, \"UserId\": \"admin@contoso.com\", \"Workload\": \"AzureActiveDirectory\",\n"
    "    \"ModifiedProperties\": [{\"Name\": \"KeyDescription\", \"OldValue\": \"[]\", \"NewValue\":"
    " \"[\\\"[KeyIdentifier=1,KeyType=AsymmetricX509Cert,KeyUsage=Verify,DisplayName=CN={app}]\\\"]\"}],\n"
    "    \"Target\": [{\"ID\": \"Application_5f0c6a46-53f3-4b3c-9d3c-3a3d1f2e4b5a\", \"Type\": 2},"
    " {\"ID\": \"App ]} name\", \"Type\": 1}]\n  },\n  42,\n"
    "  {\"CreationTime\": \"2026-03-03T08:01:00\", \"Id\": \"b2\", \"Operation\": \"Add user.\","
    " \"RecordType\": 8, \"UserId\": \"admin@contoso.com\", \"Workload\": \"AzureActiveDirectory\"}\n]\n";

/* Two Graph pages concatenated, with @odata keys before and after the records. */
static const char graph_pages[] =
    "{\"@odata.context\":\"https://graph.microsoft.com/beta/$metadata#auditLogs/signIns\","
    "\"value\":[{\"id\":\"s1\",\"createdDateTime\":\"2026-03-04T10:00:00.1234567Z\","
    "\"userPrincipalName\":\"carol@contoso.com\",\"appId\":\"00000002-0000-0ff1-ce00-000000000000\","
    "\"ipAddress\":\"198.51.100.4\",\"status\":{\"errorCode\":50126,\"failureReason\":\"Invalid "
    "username or password.\"},\"signInEventTypes\":[\"interactiveUser\"],\"location\":{\"city\":"
    "\"Oslo\",\"countryOrRegion\":\"NO\",\"geoCoordinates\":{\"latitude\":59.9,\"longitude\":10.7}}}],"
    "\"@odata.nextLink\":\"https://graph.microsoft.com/beta/auditLogs/signIns?$skiptoken=x\"}\n"
    "{\"@odata.context\":\"x\",\"value\":[{\"id\":\"s2\",\"createdDateTime\":"
    "\"2026-03-04T10:01:00Z\",\"userPrincipalName\":\"dave@contoso.com\",\"appId\":\"a\","
    "\"status\":{\"errorCode\":0},\"isInteractive\":false}]}";

static const char azmon_records[] =
    "{\"records\":[{\"time\":\"2026-03-05T07:00:00.0000000Z\",\"category\":\"AuditLogs\","
    "\"operationName\":\"Add member to role\",\"callerIpAddress\":\"<null>\",\"properties\":{"
    "\"activityDisplayName\":\"Add member to role\",\"activityDateTime\":"
    "\"2026-03-05T07:00:00.0000000+00:00\",\"result\":\"success\",\"initiatedBy\":{\"user\":{"
    "\"userPrincipalName\":\"admin@contoso.com\",\"ipAddress\":\"203.0.113.11\"}},"
    "\"targetResources\":[{\"type\":\"User\",\"userPrincipalName\":\"eve@contoso.com\","
    "\"modifiedProperties\":[{\"displayName\":\"Role.DisplayName\",\"oldValue\":null,"
    "\"newValue\":\"\\\"Global Administrator\\\"\"}]}]}}]}";

static const char purview_csv[] =
    "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,"
    "AssociatedAdminUnitsNames\r\n"
    "c1,3/6/2026 1:56:15 AM,1,Set-Mailbox,frank@contoso.com,\"{\"\"CreationTime\"\":"
    "\"\"2026-03-06T01:56:15\"\",\"\"Id\"\":\"\"c1\"\",\"\"Operation\"\":\"\"Set-Mailbox\"\","
    "\"\"RecordType\"\":1,\"\"UserId\"\":\"\"frank@contoso.com\"\",\"\"Workload\"\":\"\"Exchange\"\","
    "\"\"ClientIP\"\":\"\"185.73.124.135:19823\"\",\"\"Parameters\"\":[{\"\"Name\"\":"
    "\"\"ForwardingSmtpAddress\"\",\"\"Value\"\":\"\"smtp:x@evil.example\"\"}]}\",\"a,\nb\",\r\n"
    "c2,3/6/2026 2:00:00 AM,50,MailItemsAccessed,frank@contoso.com,\"{\"\"CreationTime\"\":"
    "\"\"2026-03-06T02:00:00\"\",\"\"Id\"\":\"\"c2\"\",\"\"Operation\"\":\"\"MailItemsAccessed\"\","
    "\"\"RecordType\"\":50,\"\"UserId\"\":\"\"frank@contoso.com\"\",\"\"Workload\"\":\"\"Exchange\"\","
    "\"\"MailboxOwnerUPN\"\":\"\"frank@contoso.com\"\",\"\"Folders\"\":[{\"\"Path\"\":\"\"\\\\Inbox\"\","
    "\"\"FolderItems\"\":[{\"\"Id\"\":\"\"1\"\"},{\"\"Id\"\":\"\"2\"\"}]}]}\",,\r\n";

static const char la_csv[] =
    "TenantId,TimeGenerated [UTC],OperationName,Category,ResultType,UserPrincipalName,IPAddress,"
    "LocationDetails_dynamic,Status_dynamic,Type\n"
    "t,\"4/28/2021, 2:08:45.221 PM\",Sign-in activity,SignInLogs,0,adelev@contoso.com,"
    "175.45.176.99,\"{\n  \"\"countryOrRegion\"\": \"\"IL\"\",\n  \"\"city\"\": \"\"Azor\"\"\n}\","
    "\"{\"\"errorCode\"\":0}\",SigninLogs\n";

struct fixture {
    const char *name;
    const char *data;
    size_t len;
    int encoding; /* 0 as is, 1 gzip, 2 zstd, 3 UTF-16LE with BOM */
};

static void serialise_scan(const char *path, size_t chunk, struct m365_buf *out);

static int append(const char *d, size_t n, void *u)
{
    return m365_buf_append(u, d, n);
}

static void serialise_scan(const char *path, size_t chunk, struct m365_buf *out)
{
    struct m365_scan_options o;
    m365_scan_options_init(&o);
    o.read_chunk = chunk;
    struct m365_scan *s;
    assert_int_equal(m365_scan_new(&s, &o), M365_OK);
    assert_int_equal(m365_scan_add_path(s, path), M365_OK);
    assert_int_equal(m365_scan_run(s), M365_OK);
    m365_buf_reset(out);
    for (size_t i = 0; i < m365_scan_n_files(s); i++) {
        const struct m365_file_stats *f = m365_scan_file(s, i);
        m365_buf_printf(out, "%s read=%llu parsed=%llu skipped=%llu dups=%llu\n",
                        f->reader ? f->reader : "-", (unsigned long long)f->records_read,
                        (unsigned long long)f->parsed, (unsigned long long)f->skipped,
                        (unsigned long long)f->duplicates);
    }
    for (size_t i = 0; i < m365_scan_n_events(s); i++) {
        assert_int_equal(m365_event_write_json(m365_scan_event(s, i), append, out), M365_OK);
        m365_buf_putc(out, '\n');
    }
    m365_scan_free(s);
}

static char *utf16le(const char *s, size_t len, size_t *out_len)
{
    /* The fixtures are ASCII apart from one en dash, which needs no surrogate pair. */
    char *o = malloc(2 + len * 2);
    size_t n = 0;
    o[n++] = (char)0xff;
    o[n++] = (char)0xfe;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        unsigned cp;
        if (c < 0x80) {
            cp = c;
            i++;
        } else {
            cp = ((c & 0x0fu) << 12) | (((unsigned char)s[i + 1] & 0x3fu) << 6) |
                 ((unsigned char)s[i + 2] & 0x3fu);
            i += 3;
        }
        o[n++] = (char)(cp & 0xff);
        o[n++] = (char)(cp >> 8);
    }
    *out_len = n;
    return o;
}

static void check_fixture(const struct fixture *fx, size_t expect_events)
{
    char *dir = m365_test_mkdtemp();
    assert_non_null(dir);
    char *path = m365_test_path(dir, fx->name);
    if (fx->encoding == 1) {
        assert_int_equal(m365_test_write_gzip(path, fx->data, fx->len), 0);
    } else if (fx->encoding == 2) {
        assert_int_equal(m365_test_write_zstd(path, fx->data, fx->len), 0);
    } else if (fx->encoding == 3) {
        size_t n;
        char *w = utf16le(fx->data, fx->len, &n);
        assert_int_equal(m365_test_write_file(path, w, n), 0);
        free(w);
    } else {
        assert_int_equal(m365_test_write_file(path, fx->data, fx->len), 0);
    }
    struct m365_buf ref, got;
    m365_buf_init(&ref, 0);
    m365_buf_init(&got, 0);
    serialise_scan(path, 0, &ref);
    size_t lines = 0;
    for (size_t i = 0; i < ref.len; i++) {
        lines += ref.data[i] == '\n';
    }
    assert_int_equal(lines, 1 + expect_events); /* one accounting line, then the events */
    static const size_t extra_sizes[] = {97, 128, 1000, 4096};
    for (size_t chunk = 1; chunk <= 64 + sizeof(extra_sizes) / sizeof(extra_sizes[0]); chunk++) {
        size_t c = chunk <= 64 ? chunk : extra_sizes[chunk - 65];
        serialise_scan(path, c, &got);
        if (got.len != ref.len || memcmp(got.data, ref.data, ref.len) != 0) {
            fail_msg("%s: read size %zu changed the result:\n--- default\n%.*s\n--- %zu\n%.*s",
                     fx->name, c, (int)ref.len, ref.data, c, (int)got.len, got.data);
        }
    }
    m365_buf_free(&ref);
    m365_buf_free(&got);
    m365_test_rmtree(dir);
    free(path);
    free(dir);
}

#define FX(n, d, e) {n, d, sizeof(d) - 1, e}

static void ual_json_lines(void **state)
{
    (void)state;
    struct fixture fx = FX("audit.jsonl", ual_jsonl, 0);
    check_fixture(&fx, 2); /* 4 records: 2 parsed, 1 skipped, 1 duplicate */
}

static void ual_json_array(void **state)
{
    (void)state;
    struct fixture fx = FX("blob.json", ual_array, 0);
    check_fixture(&fx, 2);
}

static void graph_concatenated_pages(void **state)
{
    (void)state;
    struct fixture fx = FX("signins.json", graph_pages, 0);
    check_fixture(&fx, 2);
}

static void azmon_wrapper(void **state)
{
    (void)state;
    struct fixture fx = FX("PT1H.json", azmon_records, 0);
    check_fixture(&fx, 1);
}

static void purview_csv_multiline(void **state)
{
    (void)state;
    struct fixture fx = FX("AuditLog.csv", purview_csv, 0);
    check_fixture(&fx, 2);
}

static void la_csv_portal(void **state)
{
    (void)state;
    struct fixture fx = FX("SigninLogs.csv", la_csv, 0);
    check_fixture(&fx, 1);
}

static void gzip_zstd_utf16(void **state)
{
    (void)state;
    struct fixture gz = FX("audit.jsonl.gz", ual_jsonl, 1);
    check_fixture(&gz, 2);
    struct fixture zs = FX("blob.json.zst", ual_array, 2);
    check_fixture(&zs, 2);
    struct fixture u16 = FX("AuditLog-utf16.csv", purview_csv, 3);
    check_fixture(&u16, 2);
    struct fixture u16j = FX("blob-utf16.json", ual_array, 3);
    check_fixture(&u16j, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ual_json_lines),     cmocka_unit_test(ual_json_array),
        cmocka_unit_test(graph_concatenated_pages), cmocka_unit_test(azmon_wrapper),
        cmocka_unit_test(purview_csv_multiline), cmocka_unit_test(la_csv_portal),
        cmocka_unit_test(gzip_zstd_utf16),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
