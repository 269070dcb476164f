/* Reading with several threads, large JSON Lines files split into parts, gives exactly what
 * one thread gives: the same accounting, events (line numbers and offsets included), findings,
 * facts and messages, in the same order. */
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

static int append(const char *d, size_t n, void *u)
{
    return m365_buf_append(u, d, n);
}

static void on_diag(const struct m365_diag *d, void *user)
{
    m365_buf_printf(user, "%d %d %s:%llu: %s: %s\n", (int)d->level, (int)d->code, d->file,
                    (unsigned long long)d->line, d->field ? d->field : "-", d->msg);
}

/* A day of UAL sign-ins as JSON Lines, with everything a framer can meet: a password spray
 * (findings), CRLF endings, blank lines, broken records (more than the per-file message cap),
 * an oversize line, exact duplicates, and a record without a time. */
static void make_ual(struct m365_buf *b, bool bom, unsigned n, unsigned salt)
{
    if (bom) {
        m365_buf_append(b, "\xef\xbb\xbf", 3);
    }
    for (unsigned i = 0; i < n; i++) {
        unsigned min = i % 60, sec = (i * 7) % 60;
        bool fail = i % 5 != 0;
        m365_buf_printf(
            b,
            "{\"CreationTime\":\"2026-03-%02uT%02u:%02u:%02u\",\"Id\":\"%08x-1111-4222-8333-%012u\","
            "\"Operation\":\"%s\",\"OrganizationId\":\"5b8a4f2e-1c3d-4e5f-9a0b-1c2d3e4f5a6b\","
            "\"RecordType\":15,\"ResultStatus\":\"%s\",\"UserKey\":\"1003200%05u\","
            "\"UserType\":0,\"Version\":1,\"Workload\":\"AzureActiveDirectory\","
            "\"ClientIP\":\"%s\",\"ObjectId\":\"00000002-0000-0000-c000-000000000000\","
            "\"UserId\":\"user%u@contoso.com\",\"AzureActiveDirectoryEventType\":1,"
            "\"ExtendedProperties\":[{\"Name\":\"UserAgent\",\"Value\":\"python-requests/2.31\"},"
            "{\"Name\":\"RequestType\",\"Value\":\"OAuth2:Token\"}],"
            "\"ErrorNumber\":\"%s\",\"LogonError\":\"%s\"}%s",
            salt ? 3u : 2u, 10 + (i / 60) % 10, min, sec, salt + i, i, fail ? "UserLoginFailed" : "UserLoggedIn",
            fail ? "Failed" : "Success", i % 97, fail ? "203.0.113.66" : "198.51.100.20", i % 40,
            fail ? "50126" : "0", fail ? "InvalidUserNameOrPassword" : "", i % 3 ? "\n" : "\r\n");
        if (i % 23 == 7) {
            m365_buf_printf(b, "{\"CreationTime\":\"2026-03-02T10:00:00\",\"Operation\": oops}\n");
        }
        if (i % 53 == 3) {
            m365_buf_printf(b, "\n   \n");
        }
        if (i % 211 == 5) {
            /* the same record exported twice */
            m365_buf_printf(b,
                            "{\"CreationTime\":\"2026-03-02T09:00:00\",\"Id\":\"dup-1\","
                            "\"Operation\":\"UserLoggedIn\",\"RecordType\":15,\"ResultStatus\":"
                            "\"Success\",\"UserId\":\"admin@contoso.com\",\"Workload\":"
                            "\"AzureActiveDirectory\",\"ClientIP\":\"198.51.100.1\"}\n");
        }
        if (i == n / 2) {
            m365_buf_putc(b, '{');
            for (unsigned k = 0; k < 3000; k++) {
                m365_buf_putc(b, ' ');
            }
            m365_buf_printf(b, "}\n");
            m365_buf_printf(b, "{\"Id\":\"no-time\",\"Operation\":\"UserLoggedIn\","
                               "\"RecordType\":15,\"UserId\":\"x@contoso.com\"}\n");
        }
    }
}

static const char purview_csv[] =
    "RecordId,CreationDate,RecordType,Operation,UserId,AuditData\r\n"
    "c1,3/2/2026 1:56:15 AM,1,Set-Mailbox,frank@contoso.com,\"{\"\"CreationTime\"\":"
    "\"\"2026-03-02T01:56:15\"\",\"\"Id\"\":\"\"c1\"\",\"\"Operation\"\":\"\"Set-Mailbox\"\","
    "\"\"RecordType\"\":1,\"\"UserId\"\":\"\"frank@contoso.com\"\",\"\"Workload\"\":\"\"Exchange\"\","
    "\"\"ClientIP\"\":\"\"185.73.124.135:19823\"\",\"\"Parameters\"\":[{\"\"Name\"\":"
    "\"\"ForwardingSmtpAddress\"\",\"\"Value\"\":\"\"smtp:x@evil.example\"\"}]}\"\r\n";

static void serialise(const char *dir, unsigned threads, uint64_t split, struct m365_buf *out,
                      uint32_t *max_parts)
{
    struct m365_scan_options o;
    m365_scan_options_init(&o);
    o.threads = threads;
    o.split_bytes = split;
    o.limits.max_record_bytes = 2048;
    o.hash_files = true;
    o.on_diag = on_diag;
    o.diag_user = out;
    m365_buf_reset(out);
    struct m365_scan *s;
    assert_int_equal(m365_scan_new(&s, &o), M365_OK);
    assert_int_equal(m365_scan_add_path(s, dir), M365_OK);
    assert_int_equal(m365_scan_run(s), M365_OK);
    *max_parts = 0;
    for (size_t i = 0; i < m365_scan_n_files(s); i++) {
        const struct m365_file_stats *f = m365_scan_file(s, i);
        if (f->parts > *max_parts) {
            *max_parts = f->parts;
        }
        m365_buf_printf(out, "%s %s read=%llu parsed=%llu skipped=%llu dups=%llu untimed=%llu "
                             "first=%lld last=%lld bytes=%llu sha=%s\n",
                        f->path, f->reader ? f->reader : "-",
                        (unsigned long long)f->records_read, (unsigned long long)f->parsed,
                        (unsigned long long)f->skipped, (unsigned long long)f->duplicates,
                        (unsigned long long)f->untimed, (long long)f->first_ms,
                        (long long)f->last_ms, (unsigned long long)f->bytes, f->sha256);
    }
    for (size_t i = 0; i < m365_scan_n_events(s); i++) {
        assert_int_equal(m365_event_write_json(m365_scan_event(s, i), append, out), M365_OK);
        m365_buf_putc(out, '\n');
    }
    for (size_t i = 0; i < m365_scan_n_findings(s); i++) {
        assert_int_equal(m365_finding_write_json(m365_scan_finding(s, i), append, out), M365_OK);
        m365_buf_putc(out, '\n');
    }
    assert_int_equal(m365_scan_write_report_json(s, 0, NULL, append, out), M365_OK);
    m365_scan_free(s);
}

static void same_whatever_the_threads(void **state)
{
    (void)state;
    char *dir = m365_test_mkdtemp();
    assert_non_null(dir);
    struct m365_buf a, b;
    m365_buf_init(&a, 0);
    m365_buf_init(&b, 0);
    make_ual(&a, false, 1500, 0);
    make_ual(&b, true, 700, 0x100000);
    char *p1 = m365_test_path(dir, "ual-a.jsonl");
    char *p2 = m365_test_path(dir, "ual-b-bom.jsonl");
    char *p3 = m365_test_path(dir, "purview.csv");
    assert_int_equal(m365_test_write_file(p1, a.data, a.len), 0);
    assert_int_equal(m365_test_write_file(p2, b.data, b.len), 0);
    assert_int_equal(m365_test_write_file(p3, purview_csv, sizeof(purview_csv) - 1), 0);

    struct m365_buf ref, got;
    m365_buf_init(&ref, 0);
    m365_buf_init(&got, 0);
    uint32_t parts;
    serialise(dir, 1, 4096, &ref, &parts);
    assert_int_equal(parts, 1); /* one thread never splits */
    /* The reference itself holds what the comparison is about. */
    assert_non_null(strstr(m365_buf_cstr(&ref), "password-spray"));
    assert_non_null(strstr(m365_buf_cstr(&ref), "more problems in this file not shown"));
    assert_non_null(strstr(m365_buf_cstr(&ref), "larger than the maximum record size"));
    assert_non_null(strstr(m365_buf_cstr(&ref), "dups=7 untimed=1"));

    static const struct {
        unsigned threads;
        uint64_t split;
    } runs[] = {{2, 4096}, {3, 1000}, {8, 20000}, {2, 64u << 20}, {5, 777}};
    for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
        serialise(dir, runs[r].threads, runs[r].split, &got, &parts);
        if (runs[r].split < a.len / 2) {
            assert_true(parts > 1);
        }
        if (got.len != ref.len || memcmp(got.data, ref.data, ref.len) != 0) {
            size_t k = 0;
            while (k < got.len && k < ref.len && got.data[k] == ref.data[k]) {
                k++;
            }
            size_t from = k > 200 ? k - 200 : 0;
            fail_msg("%u threads, parts of %llu bytes: output differs at byte %zu:\n--- one "
                     "thread\n%.*s\n--- threads\n%.*s",
                     runs[r].threads, (unsigned long long)runs[r].split, k, 400,
                     ref.data + from, 400, got.data + from);
        }
    }
    m365_buf_free(&ref);
    m365_buf_free(&got);
    m365_buf_free(&a);
    m365_buf_free(&b);
    m365_test_rmtree(dir);
    free(p1);
    free(p2);
    free(p3);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_whatever_the_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
