#include "detect.h"

#include <stdlib.h>
#include <string.h>

const struct m365_detection *const m365_detections[] = {
#define M365_DETECTION(id) &m365_detect_##id,
#include "../detections/detections.def"
#undef M365_DETECTION
    NULL};
const size_t m365_n_detections = sizeof(m365_detections) / sizeof(m365_detections[0]) - 1;

struct m365_detect_state {
    struct m365_finding *findings;
    size_t n, cap;
};

struct m365_dctx {
    struct m365_scan *scan;
    struct m365_detect_state *st;
    const struct m365_detection *det;
};

enum m365_status m365_dctx_report(struct m365_dctx *dc, const struct m365_finding *f)
{
    struct m365_detect_state *st = dc->st;
    if (st->n == st->cap) {
        size_t nc = st->cap ? st->cap * 2 : 16;
        struct m365_finding *nf = realloc(st->findings, nc * sizeof(*nf));
        if (!nf) {
            return M365_E_NOMEM;
        }
        st->findings = nf;
        st->cap = nc;
    }
    st->findings[st->n++] = *f;
    return M365_OK;
}

static const char *first_entity(const struct m365_finding *f)
{
    for (int k = 0; k < M365_ENT__COUNT; k++) {
        if (f->entities[k].n) {
            return f->entities[k].items[0];
        }
    }
    return "";
}

/* first_seen, then rule id, then first entity: stable whatever the input order. */
static int cmp_finding(const void *a, const void *b)
{
    const struct m365_finding *x = a, *y = b;
    if (x->first_ms != y->first_ms) {
        return x->first_ms < y->first_ms ? -1 : 1;
    }
    int c = strcmp(x->rule, y->rule);
    return c ? c : strcmp(first_entity(x), first_entity(y));
}

enum m365_status m365_detect_run(struct m365_scan *s, struct m365_detect_state **out,
                                 const struct m365_event *const *events, size_t n)
{
    struct m365_detect_state *st = calloc(1, sizeof(*st));
    if (!st) {
        return M365_E_NOMEM;
    }
    *out = st;
    enum m365_status rc = M365_OK;
    for (size_t d = 0; d < m365_n_detections && rc == M365_OK; d++) {
        const struct m365_detection *det = m365_detections[d];
        struct m365_dctx dc = {s, st, det};
        void *state = calloc(1, det->state_size ? det->state_size : 1);
        if (!state) {
            return M365_E_NOMEM;
        }
        for (size_t i = 0; i < n; i++) {
            if (det->kinds & M365_KIND_BIT(events[i]->kind)) {
                det->observe(&dc, state, events[i]);
            }
        }
        if (det->finish) {
            det->finish(&dc, state);
        }
        if (det->free_state) {
            det->free_state(state);
        }
        free(state);
    }
    if (st->n > 1) {
        qsort(st->findings, st->n, sizeof(*st->findings), cmp_finding);
    }
    return rc;
}

size_t m365_detect_n_findings(const struct m365_detect_state *d)
{
    return d ? d->n : 0;
}

const struct m365_finding *m365_detect_finding(const struct m365_detect_state *d, size_t i)
{
    return d && i < d->n ? &d->findings[i] : NULL;
}

void m365_detect_free(struct m365_detect_state *d)
{
    if (d) {
        free(d->findings);
        free(d);
    }
}
