/* m365hunt rules list | show ID */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *type_name(enum m365_param_type t)
{
    switch (t) {
    case M365_PARAM_UINT: return "count";
    case M365_PARAM_DOUBLE: return "number";
    case M365_PARAM_DURATION: return "duration";
    case M365_PARAM_BOOL: return "true/false";
    }
    return "?";
}

static void techniques(const struct m365_rule_info *r)
{
    for (size_t i = 0; r->techniques && r->techniques[i]; i++) {
        printf("%s%s", i ? ", " : "", r->techniques[i]);
    }
}

/* Wrapped paragraph, indented. */
static void para(const char *label, const char *text)
{
    printf("%s\n", label);
    const char *p = text ? text : "";
    while (*p) {
        size_t n = strlen(p);
        if (n > 74) {
            n = 74;
            while (n > 0 && p[n] != ' ') {
                n--;
            }
            if (n == 0) {
                n = 74;
            }
        }
        printf("  %.*s\n", (int)n, p);
        p += n;
        while (*p == ' ') {
            p++;
        }
    }
}

int cli_rules(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "list") == 0) {
        printf("%-34s %-9s %s\n", "RULE", "SEVERITY", "TITLE");
        for (size_t i = 0; i < m365_n_rules(); i++) {
            const struct m365_rule_info *r = m365_rule(i);
            printf("%-34s %-9s %s\n", r->id, m365_severity_name(r->severity), r->title);
        }
        printf("\n%zu rules. 'm365hunt rules show ID' explains one.\n", m365_n_rules());
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "show") == 0 && argc == 3) {
        const struct m365_rule_info *r = m365_rule_find(argv[2]);
        if (!r) {
            cli_usage_error("no rule '%s' (see 'm365hunt rules list')", argv[2]);
            return CLI_EXIT_USAGE;
        }
        printf("%s — %s\n", r->id, r->title);
        printf("severity: %s (default; a finding may be raised or lowered)\nATT&CK: ",
               m365_severity_name(r->severity));
        techniques(r);
        printf("\n\n");
        para("What it looks for:", r->description);
        printf("\n");
        para("Evidence it needs:", r->needs);
        printf("\n");
        para("What the logs cannot show:", r->blind_spots);
        printf("\nParameters (set in --config FILE under rules: %s:):\n", r->id);
        printf("  %-26s %-11s %-8s %s\n", "name", "type", "default", "meaning");
        printf("  %-26s %-11s %-8s %s\n", "enabled", "true/false", "true", "run this rule");
        for (size_t k = 0; k < r->n_params; k++) {
            const struct m365_param_info *p = &r->params[k];
            printf("  %-26s %-11s %-8s %s\n", p->name, type_name(p->type), p->def, p->help);
        }
        printf("\nMore: docs/detections/%s.md\n", r->id);
        return CLI_EXIT_OK;
    }
    cli_usage_error("usage: m365hunt rules list | m365hunt rules show RULE-ID");
    return CLI_EXIT_USAGE;
}
