/* attack-layer.json: an ATT&CK Navigator layer (format 4.5) scoring the techniques found:
 * score = the highest severity among the findings that name the technique (1 info .. 5
 * critical); the comment lists the rules and how many findings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/json_out.h"
#include "m365hunt/m365hunt.h"
#include "../core/sort.h"

struct tech {
    const char *id;
    int score;
    unsigned count;
    char rules[512];
};

static int cmp_tech(const void *a, const void *b)
{
    return strcmp(((const struct tech *)a)->id, ((const struct tech *)b)->id);
}

enum m365_status m365_scan_write_attack_layer(const struct m365_scan *s, m365_write_fn w,
                                              void *user)
{
    struct tech t[128];
    size_t nt = 0;
    for (size_t i = 0; i < m365_scan_n_findings(s); i++) {
        const struct m365_finding *f = m365_scan_finding(s, i);
        for (size_t k = 0; k < f->n_techniques; k++) {
            size_t j = 0;
            while (j < nt && strcmp(t[j].id, f->techniques[k]) != 0) {
                j++;
            }
            if (j == nt) {
                if (nt == sizeof(t) / sizeof(t[0])) {
                    continue;
                }
                memset(&t[nt], 0, sizeof(t[nt]));
                t[nt].id = f->techniques[k];
                nt++;
            }
            t[j].count++;
            if ((int)f->severity + 1 > t[j].score) {
                t[j].score = (int)f->severity + 1;
            }
            if (!strstr(t[j].rules, f->rule) &&
                strlen(t[j].rules) + strlen(f->rule) + 3 < sizeof(t[j].rules)) {
                size_t at = strlen(t[j].rules);
                snprintf(t[j].rules + at, sizeof(t[j].rules) - at, "%s%s", at ? ", " : "",
                         f->rule);
            }
        }
    }
    m365_qsort(t, nt, sizeof(*t), cmp_tech);
    struct m365_buf b;
    m365_buf_init(&b, 0);
    int first = 1;
    m365_buf_putc(&b, '{');
    m365_json_key(&b, &first, "name");
    m365_json_cstr(&b, "m365hunt findings");
    m365_json_key(&b, &first, "versions");
    m365_buf_puts(&b, "{\"attack\":\"15\",\"navigator\":\"4.9.1\",\"layer\":\"4.5\"}");
    m365_json_key(&b, &first, "domain");
    m365_json_cstr(&b, "enterprise-attack");
    m365_json_key(&b, &first, "description");
    char desc[256];
    snprintf(desc, sizeof(desc),
             "Techniques behind %zu findings (score: highest severity, 1 info to 5 critical); "
             "m365hunt %s",
             m365_scan_n_findings(s), M365HUNT_VERSION);
    m365_json_cstr(&b, desc);
    m365_json_key(&b, &first, "filters");
    m365_buf_puts(&b, "{\"platforms\":[\"Azure AD\",\"Office 365\",\"SaaS\",\"IaaS\"]}");
    m365_json_key(&b, &first, "sorting");
    m365_buf_puts(&b, "3");
    m365_json_key(&b, &first, "hideDisabled");
    m365_buf_puts(&b, "false");
    m365_json_key(&b, &first, "techniques");
    m365_buf_putc(&b, '[');
    for (size_t i = 0; i < nt; i++) {
        int tf = 1;
        m365_buf_puts(&b, i ? ",{" : "{");
        m365_json_key(&b, &tf, "techniqueID");
        m365_json_cstr(&b, t[i].id);
        m365_json_key(&b, &tf, "score");
        m365_buf_printf(&b, "%d", t[i].score);
        m365_json_key(&b, &tf, "comment");
        char c[640];
        snprintf(c, sizeof(c), "%u finding%s: %s", t[i].count, t[i].count == 1 ? "" : "s",
                 t[i].rules);
        m365_json_cstr(&b, c);
        m365_json_key(&b, &tf, "enabled");
        m365_buf_puts(&b, "true");
        m365_json_key(&b, &tf, "showSubtechniques");
        m365_buf_puts(&b, "true");
        m365_buf_putc(&b, '}');
    }
    m365_buf_putc(&b, ']');
    m365_json_key(&b, &first, "gradient");
    m365_buf_puts(&b, "{\"colors\":[\"#fff3b0\",\"#f59e0b\",\"#b91c1c\"],\"minValue\":1,"
                      "\"maxValue\":5}");
    m365_json_key(&b, &first, "legendItems");
    m365_buf_puts(&b, "[{\"label\":\"info/low\",\"color\":\"#fff3b0\"},{\"label\":\"medium/high\","
                      "\"color\":\"#f59e0b\"},{\"label\":\"critical\",\"color\":\"#b91c1c\"}]");
    m365_buf_puts(&b, "}\n");
    enum m365_status st = b.failed ? M365_E_NOMEM : w(b.data, b.len, user) == 0 ? M365_OK : M365_E_IO;
    m365_buf_free(&b);
    return st;
}
