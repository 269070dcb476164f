/* Fuzz target: the bytes as one tenant-snapshot file (users, userRegistrationDetails, Get-Mailbox
 * JSON or CSV, servicePrincipals, appRoleAssignments, oauth2PermissionGrants; a JSON array may mix
 * them, so the application rules run too: seed apps-mixed.json), audited through the public API
 * (snapshot.h). Checks: the file's accounting holds
 * (skipped <= records), the report document and every finding serialise as one valid JSON value,
 * finding entity lists are sorted and unique. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "m365hunt/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_memfd_path(data, size);
    struct m365_snapshot_options o;
    m365_snapshot_options_init(&o);
    o.limits = fuzz_limits(FUZZ_MAX_RECORD_BYTES);
    struct m365_snapshot *s = NULL;
    if (m365_snapshot_new(&s, &o) != M365_OK) {
        fuzz_fail("m365_snapshot_new failed");
    }
    m365_snapshot_allow(s, "breakglass@contoso.com");
    /* Bytes that start as a ZIP archive are opened as one (a path given by name), and one whose
     * directory cannot be read is named and not queued, as a damaged *.zip is. */
    bool zip = size >= 4 && (memcmp(data, "PK\x03\x04", 4) == 0 ||
                             memcmp(data, "PK\x05\x06", 4) == 0);
    enum m365_status ast = m365_snapshot_add_path(s, path);
    if (ast != M365_OK && !(zip && ast == M365_E_IO)) {
        fuzz_fail("the memfd could not be queued: %s", m365_status_str(ast));
    }
    enum m365_status st = m365_snapshot_run(s);
    if (st != M365_OK && st != M365_E_NOMEM) {
        fuzz_fail("m365_snapshot_run: %s", m365_status_str(st));
    }
    if (st == M365_OK) {
        for (size_t i = 0; i < m365_snapshot_n_files(s); i++) {
            const struct m365_snapshot_file *f = m365_snapshot_file(s, i);
            if (f->skipped > f->records) {
                fuzz_fail("%s: skipped %llu > records %llu", f->path,
                          (unsigned long long)f->skipped, (unsigned long long)f->records);
            }
        }
        struct m365_buf b;
        m365_buf_init(&b, 0);
        char *argv[] = {(char *)"audit", (char *)path};
        if (m365_snapshot_write_report_json(s, 2, argv, fuzz_buf_writer, &b) != M365_OK) {
            fuzz_fail("report not written");
        }
        fuzz_check_json("audit report", b.data, b.len ? b.len - 1 : 0); /* without its newline */
        for (size_t i = 0; i < m365_snapshot_n_findings(s); i++) {
            const struct m365_finding *f = m365_snapshot_finding(s, i);
            m365_buf_reset(&b);
            if (m365_finding_write_json(f, fuzz_buf_writer, &b) != M365_OK) {
                fuzz_fail("finding not written");
            }
            fuzz_check_json("finding", b.data, b.len);
            for (int k = 0; k < M365_ENT__COUNT; k++) {
                for (size_t e = 1; e < f->entities[k].n; e++) {
                    if (strcmp(f->entities[k].items[e - 1], f->entities[k].items[e]) >= 0) {
                        fuzz_fail("entities not sorted and unique");
                    }
                }
            }
        }
        m365_buf_free(&b);
    }
    m365_snapshot_free(s);
    return 0;
}
