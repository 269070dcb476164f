/* m365hunt — reports a responder can hand over: timeline CSV, ATT&CK Navigator layer, a
 * self-contained HTML investigation report. All text from the logs is escaped for the output
 * it goes to (log fields are attacker-controlled). */
#ifndef M365HUNT_REPORT_H
#define M365HUNT_REPORT_H

#include <stdbool.h>

#include "scan.h"

#ifdef __cplusplus
extern "C" {
#endif

/* timeline.csv: one row per event behind a finding (all events with all_events), columns
 * time,source,operation,actor,ip,app,target,result,rule_ids,incident. Cells that a spreadsheet
 * would run as a formula (starting with = + - @ tab or CR) are prefixed with a quote. */
enum m365_status m365_scan_write_timeline_csv(const struct m365_scan *s, bool all_events,
                                              m365_write_fn w, void *user);

/* attack-layer.json: an ATT&CK Navigator layer scoring the techniques found. */
enum m365_status m365_scan_write_attack_layer(const struct m365_scan *s, m365_write_fn w,
                                              void *user);

/* What the HTML report says about the run itself. */
struct m365_report_meta {
    int argc;
    char *const *argv;
    double elapsed_seconds;
};

/* report.html: one self-contained page (no scripts, fonts or requests), printable. */
enum m365_status m365_scan_write_report_html(const struct m365_scan *s,
                                             const struct m365_report_meta *meta,
                                             m365_write_fn w, void *user);

#ifdef __cplusplus
}
#endif
#endif
