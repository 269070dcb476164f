/* Fuzz target: the YAML configuration file (--config, engine/config.c) from arbitrary bytes.
 * Checks: an error always carries a message, and a line no further than the text holds; the
 * same bytes always give the same outcome (status, message, line, enrichment paths); paths
 * that are set are strings; nothing leaks (LeakSanitizer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/config.h"
#include "fuzz_common.h"

struct outcome {
    enum m365_status st;
    char err[512];
    unsigned long line;
    char paths[5][512];
};

static void load(const char *path, struct outcome *o)
{
    struct m365_rule_config rc;
    if (m365_rule_config_init(&rc) != M365_OK) {
        fuzz_fail("m365_rule_config_init failed");
    }
    struct m365_config_paths cp = {0};
    memset(o, 0, sizeof(*o));
    o->st = m365_config_load(path, &rc, &cp, o->err, sizeof(o->err), &o->line);
    const char *p[5] = {cp.ip_ranges, cp.asn_db, cp.trusted_ips, cp.geo_db, cp.geo_db2};
    for (int i = 0; i < 5; i++) {
        if (p[i]) {
            fuzz_touch(p[i], strlen(p[i]) + 1);
            snprintf(o->paths[i], sizeof(o->paths[i]), "%s", p[i]);
        }
    }
    m365_config_paths_free(&cp);
    m365_rule_config_free(&rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_memfd_path(data, size);
    struct outcome a, b;
    load(path, &a);
    if (a.st != M365_OK) {
        if (a.st != M365_E_CONFIG && a.st != M365_E_IO && a.st != M365_E_NOMEM) {
            fuzz_fail("unexpected status %d", (int)a.st);
        }
        if (!memchr(a.err, '\0', sizeof(a.err)) || a.err[0] == '\0') {
            fuzz_fail("error %d without a message", (int)a.st);
        }
        unsigned long lines = 1;
        for (size_t i = 0; i < size; i++) {
            lines += data[i] == '\n' || data[i] == '\r';
        }
        if (a.line > lines) {
            fuzz_fail("error on line %lu of a %lu-line text: %s", a.line, lines, a.err);
        }
    }
    load(path, &b);
    if (a.st != b.st || a.line != b.line || strcmp(a.err, b.err) != 0 ||
        memcmp(a.paths, b.paths, sizeof(a.paths)) != 0) {
        fuzz_fail("two loads of the same bytes differ: %d/%s vs %d/%s", (int)a.st, a.err,
                  (int)b.st, b.err);
    }
    return 0;
}
