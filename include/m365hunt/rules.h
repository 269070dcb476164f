/* m365hunt — the detections a build contains, their parameters and what they need. */
#ifndef M365HUNT_RULES_H
#define M365HUNT_RULES_H

#include <stddef.h>

#include "finding.h"

#ifdef __cplusplus
extern "C" {
#endif

enum m365_param_type {
    M365_PARAM_UINT = 0,     /* whole number */
    M365_PARAM_DOUBLE = 1,   /* real number */
    M365_PARAM_DURATION = 2, /* "90s", "60m", "24h", "7d" (stored in milliseconds) */
    M365_PARAM_BOOL = 3      /* true / false */
};

struct m365_param_info {
    const char *name;
    enum m365_param_type type;
    const char *def;  /* default, as text */
    const char *help; /* one line */
};

struct m365_rule_info {
    const char *id;          /* public rule id, kebab-case */
    const char *title;
    enum m365_severity severity; /* default severity; findings may raise or lower it */
    const char *const *techniques; /* NULL-terminated ATT&CK ids */
    const char *description; /* what it looks for */
    const char *needs;       /* the evidence it needs, in words */
    const char *blind_spots; /* what the logs cannot show */
    size_t n_params;
    const struct m365_param_info *params;
};

size_t m365_n_rules(void);
const struct m365_rule_info *m365_rule(size_t i);
const struct m365_rule_info *m365_rule_find(const char *id);

#ifdef __cplusplus
}
#endif
#endif
