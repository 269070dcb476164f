/* Incidents and coverage, built after the detections ran. */
#ifndef M365_INCIDENTS_H
#define M365_INCIDENTS_H
#include <stddef.h>

#include "detect.h"
#include "m365hunt/incident.h"

struct m365_scan;
struct m365_incidents;

/* Groups the findings into incidents (setting each finding's incident number) and computes
 * exposure scopes and blind spots. window_ms: findings sharing an entity this close in time
 * belong together. */
enum m365_status m365_incidents_build(struct m365_scan *s, struct m365_detect_state *d,
                                      int64_t window_ms, struct m365_incidents **out);
size_t m365_incidents_count(const struct m365_incidents *x);
const struct m365_incident *m365_incidents_get(const struct m365_incidents *x, size_t i);
void m365_incidents_free(struct m365_incidents *x);

/* The ATT&CK phase of a rule for stories: 0 initial access, 1 persistence, 2 privilege
 * escalation, 3 defence evasion, 4 collection, 5 other. */
int m365_rule_phase(const char *rule);

enum m365_status m365_coverage_build(struct m365_scan *s, struct m365_detect_state *d,
                                     struct m365_coverage **out);
void m365_coverage_free(struct m365_coverage *c);
#endif
