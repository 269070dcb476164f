/* Events whose detail arrays (mail access, its folders, targets, extended properties) hold the
 * same contents share one stored copy: each reading thread remembers the arrays it stored
 * lately. Events whose arrays differ in anything never share one, and every event reads back
 * what its own record said, with one thread and with several. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "m365hunt/m365hunt.h"
#include "test_util.h"

#define FILES 6u
#define PER_FILE 240u
#define VARIANTS 12u /* 0-5 the same, 6-11 each different from it in one thing */

/* What record i is: its variant (records come in pairs, a mail access and a sign-in, and the
 * pairs go through every variant in a shuffled order), and the variant its contents are the same
 * as. */
static unsigned variant_of(unsigned i) { return (i / 2 * 5u) % VARIANTS; }
static unsigned same_as(unsigned i, unsigned v)
{
    bool audit = i % 2;
    return v < 6 || (audit && v > 8) ? 0 : v; /* a directory change has no variants 9-11 */
}

/* A mailbox read through OWA, with the thing variant v changes. */
static void mail_record(struct m365_buf *b, unsigned i, unsigned v)
{
    m365_buf_printf(
        b,
        "{\"CreationTime\":\"2026-03-07T13:%02u:%02u\",\"Id\":\"539b689a-6c08-4194-996f-%012u\","
        "\"Operation\":\"MailItemsAccessed\",\"OrganizationId\":"
        "\"6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14\",\"RecordType\":50,\"ResultStatus\":\"Succeeded\","
        "\"UserKey\":\"1003200A1B2C3D05\",\"UserType\":0,\"Version\":1,\"Workload\":\"Exchange\","
        "\"UserId\":\"lucia.fernandez@contoso.com\","
        "\"AppId\":\"00000002-0000-0ff1-ce00-000000000000\","
        "\"ClientIPAddress\":\"198.51.100.63\",\"ClientInfoString\":\"%s\",\"LogonType\":%u,"
        "\"LogonUserSid\":\"S-1-5-21-2961442807-1823374522-3371018419-52216618\","
        "\"MailboxGuid\":\"25ba7069-dee3-a7db-975e-0f8501f5a802\","
        "\"MailboxOwnerSid\":\"S-1-5-21-2961442807-1823374522-3371018419-52216618\","
        "\"MailboxOwnerUPN\":\"%s\",\"OperationCount\":%u,"
        "\"OperationProperties\":[{\"Name\":\"MailAccessType\",\"Value\":\"%s\"},"
        "{\"Name\":\"IsThrottled\",\"Value\":\"False\"}],"
        "\"Folders\":[{\"FolderItems\":[{\"InternetMessageId\":\"<a1@contoso.com>\"}%s],"
        "\"Path\":\"\\\\Inbox\"},{\"FolderItems\":[{\"InternetMessageId\":\"<c3@contoso.com>\"}],"
        "\"Path\":\"\\\\Sent Items\"}]}\n",
        (i / 60) % 60, i % 60, i,
        v == 6 ? "Client=REST;Client=RESTSystem" : "Client=OWA;Action=ViaProxy",
        v == 7 ? 1u : 0u, v == 8 ? "Pablo.Ruiz@contoso.com" : "Lucia.Fernandez@contoso.com",
        v == 9 ? 3u : 2u, v == 10 ? "Sync" : "Bind",
        v == 11 ? ",{\"InternetMessageId\":\"<b2@contoso.com>\"}" : "");
}

/* A directory change with extended properties and a target, changed by the variant. */
static void audit_record(struct m365_buf *b, unsigned i, unsigned v)
{
    m365_buf_printf(
        b,
        "{\"CreationTime\":\"2026-03-07T14:%02u:%02u\",\"Id\":\"6c08539b-689a-4194-996f-%012u\","
        "\"Operation\":\"Update user.\","
        "\"OrganizationId\":\"6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14\","
        "\"RecordType\":8,\"ResultStatus\":\"Success\",\"UserKey\":\"Not Available\","
        "\"UserType\":4,\"Version\":1,\"Workload\":\"AzureActiveDirectory\","
        "\"ObjectId\":\"lucia.fernandez@contoso.com\",\"UserId\":\"ServicePrincipal_"
        "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0\",\"AzureActiveDirectoryEventType\":1,"
        "\"ExtendedProperties\":[{\"Name\":\"additionalDetails\",\"Value\":\"%s\"},"
        "{\"Name\":\"extendedAuditEventCategory\",\"Value\":\"User\"}%s],"
        "\"Target\":[{\"ID\":\"User_%s\",\"Type\":2},"
        "{\"ID\":\"lucia.fernandez@contoso.com\",\"Type\":5}]}\n",
        (i / 60) % 60, i % 60, i, v == 6 ? "{\\\"UserType\\\":\\\"Guest\\\"}" : "{}",
        v == 7 ? ",{\"Name\":\"KeepMeSignedIn\",\"Value\":\"true\"}" : "",
        v == 8 ? "7d1c0e52-3f4a-4b6c-9d8e-0a1b2c3d4e5f" : "a1b2c3d4-e5f6-4789-8abc-def012345678");
}

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = m365_test_mkdtemp();
    if (!dir) {
        return -1;
    }
    for (unsigned f = 0; f < FILES; f++) {
        struct m365_buf b;
        m365_buf_init(&b, 0);
        for (unsigned k = 0; k < PER_FILE; k++) {
            unsigned i = f * PER_FILE + k;
            if (i % 2) {
                audit_record(&b, i, variant_of(i));
            } else {
                mail_record(&b, i, variant_of(i));
            }
        }
        char name[32];
        snprintf(name, sizeof(name), "ual-%u.jsonl", f);
        char *path = m365_test_path(dir, name);
        int rc = path ? m365_test_write_file(path, b.data, b.len) : -1;
        free(path);
        m365_buf_free(&b);
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    m365_test_rmtree(dir);
    free(dir);
    return 0;
}

static bool str_same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool mail_same(const struct m365_mail_access *a, const struct m365_mail_access *b)
{
    if (!a || !b) {
        return a == b;
    }
    if (!str_same(a->mailbox_upn, b->mailbox_upn) || !str_same(a->client_info, b->client_info) ||
        !str_same(a->access_type, b->access_type) || !str_same(a->mailbox_guid, b->mailbox_guid) ||
        !str_same(a->mailbox_owner_sid, b->mailbox_owner_sid) ||
        !str_same(a->logon_user_sid, b->logon_user_sid) || a->logon_type != b->logon_type ||
        a->is_throttled != b->is_throttled || a->operation_count != b->operation_count ||
        a->n_items != b->n_items || a->n_folders != b->n_folders) {
        return false;
    }
    for (uint32_t k = 0; k < a->n_folders; k++) {
        if (!str_same(a->folders[k].path, b->folders[k].path) ||
            a->folders[k].n_items != b->folders[k].n_items) {
            return false;
        }
    }
    return true;
}

static bool details_same(const struct m365_event *a, const struct m365_event *b)
{
    if (!mail_same(a->mail, b->mail) || a->n_extra != b->n_extra ||
        a->n_targets != b->n_targets) {
        return false;
    }
    for (uint32_t k = 0; k < a->n_extra; k++) {
        if (!str_same(a->extra[k].name, b->extra[k].name) ||
            !str_same(a->extra[k].value, b->extra[k].value)) {
            return false;
        }
    }
    for (uint32_t k = 0; k < a->n_targets; k++) {
        if (!str_same(a->targets[k].type, b->targets[k].type) ||
            !str_same(a->targets[k].id, b->targets[k].id)) {
            return false;
        }
    }
    return true;
}

/* Whether two events point to the same stored arrays, every one of them. */
static bool all_shared(const struct m365_event *a, const struct m365_event *b)
{
    return a->mail == b->mail && a->extra == b->extra && a->targets == b->targets &&
           (!a->mail || a->mail->folders == b->mail->folders);
}

static void check(unsigned threads)
{
    struct m365_scan_options o;
    m365_scan_options_init(&o);
    o.threads = threads;
    struct m365_scan *s = NULL;
    assert_int_equal(m365_scan_new(&s, &o), M365_OK);
    assert_int_equal(m365_scan_add_path(s, dir), M365_OK);
    assert_int_equal(m365_scan_run(s), M365_OK);
    size_t n = m365_scan_n_events(s);
    assert_int_equal(n, FILES * PER_FILE);
    struct m365_event *ev = calloc(n, sizeof(*ev));
    unsigned *rec = calloc(n, sizeof(*rec));
    assert_non_null(ev);
    assert_non_null(rec);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(m365_scan_event_at(s, i, &ev[i]));
        const char *id = ev[i].evidence.record_id;
        assert_non_null(id);
        rec[i] = (unsigned)strtoul(id + 24, NULL, 10);
        assert_true(ev[i].mail ? rec[i] % 2 == 0 : rec[i] % 2 == 1);
    }
    /* The first event of each kind and content: what the others are compared with. */
    size_t first[2][VARIANTS];
    for (unsigned k = 0; k < 2; k++) {
        for (unsigned v = 0; v < VARIANTS; v++) {
            first[k][v] = SIZE_MAX;
        }
    }
    for (size_t i = 0; i < n; i++) {
        unsigned v = same_as(rec[i], variant_of(rec[i])), k = rec[i] % 2;
        if (first[k][v] == SIZE_MAX) {
            first[k][v] = i;
        }
    }
    for (size_t i = 0; i < n; i++) {
        unsigned v = same_as(rec[i], variant_of(rec[i])), k = rec[i] % 2;
        /* Same contents as the first of its content; different from every other content's,
         * and then never the same copies. */
        assert_true(details_same(&ev[i], &ev[first[k][v]]));
        for (unsigned w = 0; w < VARIANTS; w++) {
            size_t j = first[k][w];
            if (j != SIZE_MAX && w != v) {
                if (details_same(&ev[i], &ev[j])) {
                    fail_msg("record %u (variant %u) and record %u (variant %u) read the same",
                             rec[i], variant_of(rec[i]), rec[j], variant_of(rec[j]));
                }
                assert_false(all_shared(&ev[i], &ev[j]));
            }
        }
    }
    /* Each content is stored about once per reading thread; without the memory, once per event
     * (some 20 events each). */
    for (unsigned k = 0; k < 2; k++) {
        for (unsigned v = 0; v < VARIANTS; v++) {
            if (first[k][v] == SIZE_MAX) {
                continue;
            }
            size_t copies[8], n_copies = 0;
            for (size_t i = 0; i < n && n_copies < 8; i++) {
                if (rec[i] % 2 != k || same_as(rec[i], variant_of(rec[i])) != v) {
                    continue;
                }
                size_t c = 0;
                while (c < n_copies && !all_shared(&ev[copies[c]], &ev[i])) {
                    c++;
                }
                if (c == n_copies) {
                    copies[n_copies++] = i;
                }
            }
            if (n_copies > 2 * threads) {
                fail_msg("%s content %u: %zu copies with %u thread(s)",
                         k ? "directory change" : "mail", v, n_copies, threads);
            }
        }
    }
    /* The mail records read back as written. */
    const struct m365_mail_access *m = ev[first[0][0]].mail;
    assert_string_equal(m->mailbox_upn, "lucia.fernandez@contoso.com");
    assert_string_equal(m->client_info, "Client=OWA;Action=ViaProxy");
    assert_string_equal(m->access_type, "Bind");
    assert_int_equal(m->operation_count, 2);
    assert_int_equal(m->n_folders, 2);
    assert_string_equal(m->folders[0].path, "\\Inbox");
    assert_int_equal(m->folders[0].n_items, 1);
    assert_string_equal(ev[first[0][8]].mail->mailbox_upn, "pablo.ruiz@contoso.com");
    assert_int_equal(ev[first[0][11]].mail->folders[0].n_items, 2);
    assert_string_equal(ev[first[0][10]].mail->access_type, "Sync");
    const struct m365_event *au = &ev[first[1][0]], *au8 = &ev[first[1][8]];
    assert_int_equal(au->n_targets, 1);
    assert_string_equal(au->targets[0].id, "a1b2c3d4-e5f6-4789-8abc-def012345678");
    assert_string_equal(au8->targets[0].id, "7d1c0e52-3f4a-4b6c-9d8e-0a1b2c3d4e5f");
    assert_true(au->n_extra >= 2 && ev[first[1][7]].n_extra == au->n_extra + 1);
    free(rec);
    free(ev);
    m365_scan_free(s);
}

static void one_thread(void **state)
{
    (void)state;
    check(1);
}

static void two_threads(void **state)
{
    (void)state;
    check(2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_thread),
        cmocka_unit_test(two_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
