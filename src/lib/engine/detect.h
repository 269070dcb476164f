/* Detection engine: a registry of detections, each handed only the event kinds it asked for,
 * in time order; findings collected and ordered deterministically.
 * A detection is one file src/lib/detections/detect_<id>.c plus one line in detections.def. */
#ifndef M365_DETECT_H
#define M365_DETECT_H
#include <stddef.h>
#include <stdint.h>

#include "m365hunt/event.h"
#include "m365hunt/finding.h"
#include "m365hunt/status.h"

struct m365_scan;
struct m365_detect_state;
struct m365_dctx;

struct m365_detection {
    const char *id;    /* public rule id, kebab-case */
    const char *title;
    enum m365_severity severity; /* default severity */
    const char *const *techniques; /* NULL-terminated ATT&CK ids */
    uint32_t kinds;    /* M365_KIND_BIT() mask of the events it wants */
    size_t state_size; /* zeroed state handed to every call */
    void (*observe)(struct m365_dctx *dc, void *state, const struct m365_event *ev);
    void (*finish)(struct m365_dctx *dc, void *state); /* after the last event; may be NULL */
    void (*free_state)(void *state);                   /* may be NULL */
};

#define M365_DETECTION(id) extern const struct m365_detection m365_detect_##id;
#include "../detections/detections.def"
#undef M365_DETECTION

extern const struct m365_detection *const m365_detections[];
extern const size_t m365_n_detections;

enum m365_status m365_detect_run(struct m365_scan *s, struct m365_detect_state **out,
                                 const struct m365_event *const *events, size_t n);
size_t m365_detect_n_findings(const struct m365_detect_state *d);
const struct m365_finding *m365_detect_finding(const struct m365_detect_state *d, size_t i);
void m365_detect_free(struct m365_detect_state *d);

/* For detections: report a finding. The finding is copied; its strings must live as long as
 * the scan (interned or from events). */
enum m365_status m365_dctx_report(struct m365_dctx *dc, const struct m365_finding *f);
#endif
