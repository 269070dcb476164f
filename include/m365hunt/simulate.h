/* m365hunt — a simulated tenant's evidence, for tests, demos and benchmarks.
 *
 * m365_simulate() writes ten days (or more) of a made-up Microsoft 365 / Entra ID tenant into a
 * folder, in the export formats the readers accept, with optional attack scenarios and a
 * ground-truth file (docs/simulate.md). The output depends only on the options: the same options
 * give byte-identical files.
 *
 * Usage: m365_sim_options_init(&o); set o.out_dir and what else you need; m365_simulate(&o, …).
 * The library never prints: the reason for a failure is written into err. */
#ifndef M365HUNT_SIMULATE_H
#define M365HUNT_SIMULATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define M365_SIM_MIN_USERS 16u
#define M365_SIM_MAX_USERS 5000u
#define M365_SIM_MIN_DAYS 2u
#define M365_SIM_MAX_DAYS 3660u
#define M365_SIM_MIN_ACTIVITY 0.1
#define M365_SIM_MAX_ACTIVITY 10.0

struct m365_sim_options {
    const char *out_dir; /* created when missing; must be empty unless force */
    uint32_t users;      /* accounts in the directory, default 40 */
    uint32_t days;       /* the window, default 10; scenarios happen inside it */
    uint64_t seed;       /* default 1 */
    double activity;     /* background volume per person and day, 1.0 (default) is an
                              ordinary office; 0.1..10 */
    const char *start;   /* first day, "YYYY-MM-DD" (local midnight); NULL: derived from seed */
    uint64_t size;       /* 0: exactly `days`; else add background days until this many bytes
                              of evidence (uncompressed) have been written */
    const char *const *scenarios; /* names (see m365_sim_scenario), "all" for every one */
    size_t n_scenarios;
    const char *formats; /* "mixed" (default, NULL) or a comma list of format names */
    bool gzip;           /* gzip every evidence file */
    bool snapshot;       /* also write the tenant snapshot into out_dir/snapshot/ */
    bool force;          /* write into a folder that is not empty */
    /* Called after every simulated day. */
    void (*on_progress)(uint64_t bytes, uint64_t target, uint32_t days, void *user);
    void *progress_user;
};

struct m365_sim_stats {
    uint64_t files;   /* evidence files written */
    uint64_t records; /* evidence records written */
    uint64_t bytes;   /* uncompressed evidence bytes */
    uint64_t bytes_on_disk;
    uint32_t days, users;
    uint32_t attack_steps, near_misses;
    uint32_t streams_not_written; /* log streams no format in `formats` could hold */
};

void m365_sim_options_init(struct m365_sim_options *o);

/* M365_E_USAGE: unknown scenario or format name; M365_E_CONFIG: a value out of range or an
 * output folder that is not empty; M365_E_IO: a file could not be written; M365_E_NOMEM. */
enum m365_status m365_simulate(const struct m365_sim_options *o, struct m365_sim_stats *st,
                               char *err, size_t err_size);

struct m365_sim_info {
    const char *name;
    const char *title;
    const char *description;
};

/* Attack scenarios. */
size_t m365_sim_n_scenarios(void);
const struct m365_sim_info *m365_sim_scenario(size_t i);

/* Output formats (`formats` names). Reader names (ual-json, purview-csv…) select every
 * variant of that reader. */
size_t m365_sim_n_formats(void);
const struct m365_sim_info *m365_sim_format(size_t i);

#ifdef __cplusplus
}
#endif
#endif
