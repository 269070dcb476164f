/* The scan: queue inputs, read each with the reader its bytes match, de-duplicate, order by
 * time, run the detections, keep the accounting. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "../core/arena.h"
#include "../core/hash.h"
#include "../core/intern.h"
#include "../core/intervals.h"
#include "../core/limits.h"
#include "../core/map.h"
#include "../core/norm.h"
#include "../core/region.h"
#include "../io/input.h"
#include "../io/tar_archive.h"
#include "../io/zip_archive.h"
#include "../json/json.h"
#include "../readers/json_records.h"
#include "../readers/read_ctx.h"
#include "../readers/reader.h"
#include "../readers/sniff.h"
#include "../enrich/enrich.h"
#include "../snapshot/snap_context.h"
#include "config.h"
#include "detect.h"
#include "incidents.h"
#include "event_pack.h"
#include "scan_internal.h"
#include "../core/sort.h"

#define CHUNK_BYTES (1u << 20)
#define DEFAULT_SPLIT_BYTES (64ull << 20)
#define MAX_PARTS_PER_FILE 4096u
#define MAX_THREADS 256u
/* Address space for a spilled table's event chunks (file holes until written). */
#define SPILL_EVENTS_MAX ((size_t)64 << 30)
/* A spilled scan looks at its resident pages once per this many events stored or visited. */
#define SPILL_TICK 4096u

struct file_entry {
    char *path;
    /* A ZIP member: path is the archive's path, '/', the member's name; archive_len is the
     * length of the archive's path in it (0: not a member), member its index there. */
    size_t archive_len;
    uint64_t member;
    const char *archive_file; /* the archive's bytes when not at that path (an archive inside an
                                 archive, unpacked: scan.inner), else NULL */
    /* A tar or 7-Zip member: its `size` bytes at window_off in window_fd (tar_archive.h); the
     * archive's kind, M365_COMP_TAR or M365_COMP_7Z. */
    bool window;
    uint8_t window_comp;
    int window_fd;
    uint64_t window_off;
    struct m365_file_stats st;
    bool snapshot; /* a tenant snapshot file: loaded by load_snapshot, not the log readers */
    uint32_t first_unit, n_units; /* its read units, consecutive */
    uint64_t size; /* as queued: a regular file's size, else 0 */
    size_t first_event; /* its events' place in the file-order table: gathered file by file */
};

/* Events of one unit, packed (event_pack.h), in record order. Chunks grow from 8 KiB to
 * CHUNK_BYTES: a folder of ten thousand small files must not reserve a full chunk each. A record
 * never straddles two chunks. */
struct evchunk {
    unsigned char *p;
    size_t used, cap;
};
struct evstore {
    struct evchunk *chunks;
    size_t n_chunks, n;
    uint64_t *keys; /* de-duplication key per event (dedup_key) */
    size_t keys_cap;
    uint32_t log_sources; /* a bit per log source among the events (find_overlaps) */
};

static size_t chunk_cap(size_t k)
{
    return k < 7 ? (size_t)8192u << k : CHUNK_BYTES;
}

/* A spilled scan's event chunks come from one slab of the file per reading thread: a thread
 * reads one unit at a time, so the unused tail of a unit's last chunk is the slab's last bytes
 * and goes back to it. */
struct evslab {
    unsigned char *p;
    size_t used, cap;
};
#define SLAB_BYTES ((size_t)4 << 20)

static unsigned char *slab_alloc(struct m365_region *r, struct evslab *sl, size_t n)
{
    if (!sl) {
        return NULL;
    }
    if (sl->cap - sl->used < n) {
        size_t cap = n > SLAB_BYTES ? n : SLAB_BYTES;
        unsigned char *p = m365_region_alloc(r, cap);
        if (!p) {
            return NULL;
        }
        sl->p = p;
        sl->used = 0;
        sl->cap = cap;
    }
    unsigned char *at = sl->p + sl->used;
    sl->used += n;
    return at;
}

/* Gives back the unused tail of the last chunk and of the fingerprints once a unit is read: a
 * folder of small files would otherwise hold a third more than its events. Nothing points into
 * the chunks before the unit is gathered (gather_file, once it is done), so they may move. */
static void evstore_trim(struct evstore *es, const struct m365_region *spill, struct evslab *sl)
{
    struct evchunk *c = es->n_chunks ? &es->chunks[es->n_chunks - 1] : NULL;
    if (c && c->used < c->cap) {
        if (!m365_region_has(spill, c->p)) {
            unsigned char *np = realloc(c->p, c->used);
            if (np) {
                c->p = np;
                c->cap = c->used;
            }
        } else if (sl && c->p + c->cap == sl->p + sl->used) {
            sl->used -= c->cap - c->used; /* the slab's last bytes: back to it */
            c->cap = c->used;
        }
    }
    if (es->n && es->n < es->keys_cap) {
        uint64_t *f = realloc(es->keys, es->n * sizeof(*es->keys));
        if (f) {
            es->keys = f;
            es->keys_cap = es->n;
        }
    }
}

struct unit_diag {
    struct m365_diag d; /* file, field and msg point into this record or the scan's strings */
    char *field, *msg;
};

/* A file, or a part of a JSON Lines file split at newlines, read by one thread. */
/* A Search-UnifiedAuditLog session the rows of a unit came from: the results it reported
 * (ResultCount) and the highest ResultIndex among the rows. */
struct search_session {
    uint64_t count, last;
    uint32_t file;
};
/* Sessions checked per unit: an export of many short time slices appended to one file holds
 * hundreds; past these (a file crafted to hold a count per row) rows are not checked. */
#define UNIT_SEARCH_SESSIONS 256

struct m365_read_unit {
    struct m365_scan *scan;
    uint32_t file, part;
    bool ranged;          /* a part [start, end) of the file */
    bool hash_only;       /* only the SHA-256 of a file read in parts */
    bool snapshot;        /* a tenant snapshot file: left to load_snapshot */
    bool unread;          /* opened, or not, and not read: its one message says why */
    uint64_t start, end;
    const struct m365_reader *rd; /* planned reader of a split file */
    struct evstore store;
    struct evslab *slab; /* of the thread reading it, while it is read */
    struct m365_file_stats st; /* this unit's share of the file's counts */
    struct unit_diag *diags;
    size_t n_diags, cap_diags;
    uint32_t n_ctx_diags; /* diagnostics the reader raised (kept or not) */
    char *stop_msg;       /* "reading stopped: …" */
    enum m365_status stop_st;
    uint64_t newlines;
    uint64_t recoded;          /* records read as Windows-1252 */
    struct {
        uint64_t n, line; /* how many values, the first's line */
    } notes[M365_NOTE_N];
    uint64_t line_base;        /* lines of the file before this part (set by finish_file) */
    struct search_session *search; /* Search-UnifiedAuditLog sessions of its rows, or NULL */
    uint32_t n_search, cap_search, last_search;
    struct unit_pages *pages;  /* of a paged API export, or NULL */
    _Atomic uint64_t progress; /* bytes read so far */
    _Atomic bool done;
};

/* The pages of paged API exports a unit read, and those naming a next page, by the log sources
 * of the records each page held (bit per enum m365_log_source; 0: none kept). A few kinds per
 * unit; past UNIT_PAGE_KINDS the rest are counted as one with every source they hold. */
#define UNIT_PAGE_KINDS 8
struct unit_pages {
    struct unit_page_kind {
        uint16_t sources;
        uint64_t pages, next;
    } v[UNIT_PAGE_KINDS];
    unsigned n;
};

struct kept_slot {
    uint32_t seq1; /* seq + 1; 0 = empty */
    struct m365_event *ev;
};

struct m365_scan {
    struct m365_scan_options opts;
    /* The strings and details of the events live here, so that the packed events can refer to
     * them with 32-bit offsets (event_pack.h). */
    struct m365_region region;
    struct m365_intern intern;
    struct m365_arena arena;
    /* A spilled scan (m365_scan_options.spill): `region` is on a file, and so are the event
     * chunks, in `evregion`. */
    struct m365_region evregion;
    bool spilling;
    bool measure_rule_state; /* m365_scan_measure_rule_state */
    bool statm_open;
    int statm_fd; /* /proc/self/statm, to see how much of the files is mapped */
    uint64_t spill_resident;
    _Atomic uint32_t spill_ticks;
    _Atomic uint64_t spill_releases;

    struct m365_read_unit *units;
    size_t n_units, cap_units;
    struct m365_arena *thread_arenas; /* event details read by worker threads */
    unsigned n_thread_arenas;
    size_t n_events, cap_events;
    struct m365_packed **all; /* every stored event, in file (then record) order */
    /* De-duplication key per stored event, in a block with room for the sort's keys
     * (gather_room). */
    uint64_t *keys;
    enum m365_status gather_st;

    struct m365_packed **sorted; /* kept events, time order */
    size_t n_sorted;
    /* Each kept event's kind, in time order: the walks that pass over most events (detection,
     * coverage, incidents) pick theirs here without touching the others. */
    uint8_t *kinds;
    /* Events handed out whole and kept (m365_scan_event, m365_dctx_keep): by seq. */
    pthread_mutex_t kept_mu;
    struct kept_slot *kept;
    size_t kept_n, kept_cap;
    /* The text of record ids the table keeps as GUIDs, by seq, written the first time an event
     * is handed out with its id: untouched (and so never in memory) for the rest. */
    pthread_mutex_t id_mu;
    char (*id_text)[M365_GUID_LEN + 1];

    struct file_entry *files;
    size_t n_files, cap_files;
    struct archive_entry {
        struct m365_archive_stats st; /* its path malloc'd */
        const char *file;             /* its bytes when not at that path, else NULL */
        int fds[2]; /* a tar or 7-Zip archive's members are read from these, or -1 */
    } *archives;
    size_t n_archives, cap_archives;
    struct m365_zip_temps inner; /* archives inside archives, unpacked */
    struct m365_overlap *overlaps; /* each record_id malloc'd */
    size_t n_overlaps, cap_overlaps;

    struct m365_source_stats reader_stats[24]; /* log formats, then snapshot kinds */
    size_t n_reader_stats;
    struct m365_source_stats log_stats[M365_LOG__COUNT];
    /* Per log source, the time its files cover: each file's [first, last] of that source's
     * events, sorted and overlapping ones merged (gaps between exports stay gaps). */
    struct m365_intervals cover[M365_LOG__COUNT];

    struct m365_detect_state *detect;
    struct m365_rule_config rules;
    struct m365_enrich *enrich;
    const char *home_tenant;
    struct m365_tenant_records *tenants; /* every tenant the records carry, most records first */
    size_t n_tenants;
    struct m365_incidents *incidents;
    struct m365_map vips; /* lower-cased UPN (interned) -> 1 */
    struct m365_map object_ids; /* Entra object id -> UPN (object_ids.c) */
    struct m365_once object_ids_once; /* built before the detections, or on the first question */
    struct m365_app_names app_names;
    struct m365_coverage *coverage;
    struct m365_cut_search *cut_searches; /* cut_searches() */
    size_t n_cut_searches;
    struct m365_cut_pages *cut_pages; /* cut_pages() */
    size_t n_cut_pages;
    struct m365_snapshot *snap;       /* tenant snapshot files among the inputs, or NULL */
    struct m365_snap_ctx *snap_ctx;   /* its indexes, for the detections */
    uint64_t bytes_total, bytes_done;
    struct m365_scan_timing timing;
    bool ran;
    /* Files of one archive or one folder, one after another, not read for the same reason (an
     * encrypted archive without its password, screenshots and PDFs beside the logs): the first
     * are named one by one, the rest counted and named once. */
    struct {
        uint32_t file;      /* the run's first member */
        uint64_t n;         /* members in the run */
        enum m365_diag_level level;
        enum m365_status code;
        char why[320];      /* their message */
    } unread_run;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct m365_scan_timing m365_scan_timing(const struct m365_scan *s)
{
    struct m365_scan_timing t = s->timing;
    t.spilled = s->spilling;
    t.spill_releases = atomic_load(&((struct m365_scan *)(uintptr_t)s)->spill_releases);
    t.kept_events = m365_scan_kept_events(s);
    t.kept_bytes = (uint64_t)t.kept_events * sizeof(struct m365_event);
    return t;
}

unsigned m365_scan_detect_threads(struct m365_scan *s) { return s->timing.threads; }

void m365_scan_measure_rule_state(struct m365_scan *s, bool on) { s->measure_rule_state = on; }

bool m365_scan_measuring_rule_state(const struct m365_scan *s) { return s->measure_rule_state; }

const struct m365_detect_state *m365_scan_detect_state(const struct m365_scan *s)
{
    return s->detect;
}

void m365_scan_set_shared(struct m365_scan *s, bool shared)
{
    m365_intern_set_shared(&s->intern, shared);
    m365_enrich_set_shared(s->enrich, shared);
}

void m365_scan_options_init(struct m365_scan_options *o)
{
    memset(o, 0, sizeof(*o));
    o->limits.max_record_bytes = M365_DEFAULT_MAX_RECORD_BYTES;
    o->limits.max_decompressed_bytes = M365_DEFAULT_MAX_DECOMPRESSED;
    o->limits.max_decompress_ratio = M365_DEFAULT_MAX_RATIO;
    o->limits.max_json_depth = M365_DEFAULT_MAX_JSON_DEPTH;
    o->limits.max_distinct_values = M365_DEFAULT_MAX_DISTINCT_VALUES;
}

/* One mailbox (UPN) per line; '#' starts a comment. */
static enum m365_status load_vips(struct m365_scan *s, const char *path, char *err, size_t esz,
                                  unsigned long *err_line)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, esz, "cannot open: %s", strerror(errno));
        return M365_E_IO;
    }
    char line[1024];
    unsigned long n = 0;
    enum m365_status st = M365_OK;
    while (fgets(line, sizeof(line), f)) {
        n++;
        char *hash = strchr(line, '#');
        if (hash) {
            *hash = '\0';
        }
        char *p = line, *e = line + strlen(line);
        while (p < e && (*p == ' ' || *p == '\t')) {
            p++;
        }
        while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n' ||
                         e[-1] == ',')) {
            e--;
        }
        if (p == e) {
            continue;
        }
        if (!memchr(p, '@', (size_t)(e - p)) || memchr(p, ' ', (size_t)(e - p))) {
            snprintf(err, esz, "'%.*s' is not a mailbox address (user@domain)",
                     (int)(e - p > 80 ? 80 : e - p), p);
            *err_line = n;
            st = M365_E_CONFIG;
            break;
        }
        const char *k = m365_intern_lower(&s->intern, p, (size_t)(e - p));
        void **slot = k ? m365_map_put(&s->vips, k, NULL) : NULL;
        if (!slot) {
            st = M365_E_NOMEM;
            break;
        }
        *slot = (void *)1;
    }
    fclose(f);
    return st;
}

bool m365_scan_is_vip(struct m365_scan *s, const char *upn)
{
    return upn && m365_map_get(&s->vips, upn, NULL) != NULL;
}

size_t m365_scan_n_vips(struct m365_scan *s)
{
    return s->vips.n;
}

static void snapshot_options(const struct m365_scan *s, struct m365_snapshot_options *o)
{
    m365_snapshot_options_init(o);
    o->limits = s->opts.limits;
    o->on_diag = s->opts.on_diag;
    o->diag_user = s->opts.diag_user;
    o->config_path = s->opts.config_path;
    o->zip_passwords = s->opts.zip_passwords;
    o->n_zip_passwords = s->opts.n_zip_passwords;
}

/* The configuration's posture: section serves the snapshot files a scan may meet: a mistake in
 * it is a configuration error now, not after the logs were read. */
static enum m365_status check_posture_config(struct m365_scan *s)
{
    if (!s->opts.config_path) {
        return M365_OK;
    }
    struct m365_snapshot_options o;
    snapshot_options(s, &o);
    struct m365_snapshot *tmp = NULL;
    enum m365_status st = m365_snapshot_new(&tmp, &o);
    m365_snapshot_free(tmp);
    return st;
}

enum m365_status m365_scan_new(struct m365_scan **out, const struct m365_scan_options *opts)
{
    *out = NULL;
    if (opts->input_format && !m365_reader_find(opts->input_format)) {
        return M365_E_USAGE;
    }
    struct m365_scan *s = calloc(1, sizeof(*s));
    if (!s) {
        return M365_E_NOMEM;
    }
    s->opts = *opts;
    if (!s->opts.limits.max_record_bytes) {
        s->opts.limits.max_record_bytes = M365_DEFAULT_MAX_RECORD_BYTES;
    }
    if (!s->opts.limits.max_decompressed_bytes) {
        s->opts.limits.max_decompressed_bytes = M365_DEFAULT_MAX_DECOMPRESSED;
    }
    if (!s->opts.limits.max_decompress_ratio) {
        s->opts.limits.max_decompress_ratio = M365_DEFAULT_MAX_RATIO;
    }
    if (!s->opts.limits.max_json_depth) {
        s->opts.limits.max_json_depth = M365_DEFAULT_MAX_JSON_DEPTH;
    }
    if (!s->opts.limits.max_distinct_values) {
        s->opts.limits.max_distinct_values = M365_DEFAULT_MAX_DISTINCT_VALUES;
    }
    if (m365_intern_init(&s->intern) != 0) {
        free(s);
        return M365_E_NOMEM;
    }
    m365_intern_set_limit(&s->intern, s->opts.limits.max_distinct_values);
    m365_region_init(&s->region, M365_PACK_REGION_MAX);
    m365_intern_use_region(&s->intern, &s->region);
    m365_arena_init(&s->arena, 1u << 20);
    m365_arena_use_region(&s->arena, &s->region);
    pthread_mutex_init(&s->kept_mu, NULL);
    pthread_mutex_init(&s->id_mu, NULL);
    m365_once_init(&s->object_ids_once);
    m365_app_names_init(&s->app_names);
    if (m365_rule_config_init(&s->rules) != M365_OK) {
        m365_scan_free(s);
        return M365_E_NOMEM;
    }
    /* Configuration, then the command line's enrichment paths over the file's. */
    struct m365_config_paths cp = {0};
    char err[512] = "";
    unsigned long err_line = 0;
    const char *err_file = opts->config_path;
    enum m365_status st = M365_OK;
    if (opts->config_path) {
        st = m365_config_load(opts->config_path, &s->rules, &cp, err, sizeof(err), &err_line);
    }
    if (st == M365_OK) {
        err_file = "enrichment";
        /* The options' city databases replace the configuration's, both of them. */
        bool geo_opt = opts->geo_db || opts->geo_db2;
        st = m365_enrich_new(&s->enrich, &s->intern,
                             opts->ip_ranges ? opts->ip_ranges : cp.ip_ranges,
                             opts->asn_db ? opts->asn_db : cp.asn_db,
                             opts->trusted_ips ? opts->trusted_ips : cp.trusted_ips,
                             geo_opt ? opts->geo_db : cp.geo_db,
                             geo_opt ? opts->geo_db2 : cp.geo_db2, err, sizeof(err));
    }
    m365_config_paths_free(&cp);
    if (st == M365_OK && opts->vip_path) {
        err_file = opts->vip_path;
        st = load_vips(s, opts->vip_path, err, sizeof(err), &err_line);
    }
    if (st != M365_OK) {
        struct m365_diag d = {M365_DIAG_ERROR, st, err_file, err_line, NULL, err};
        if (opts->on_diag) {
            opts->on_diag(&d, opts->diag_user);
        }
        m365_scan_free(s);
        return st;
    }
    st = check_posture_config(s);
    if (st != M365_OK) {
        m365_scan_free(s);
        return st;
    }
    *out = s;
    return M365_OK;
}

struct m365_arena *m365_scan_arena(struct m365_scan *s) { return &s->arena; }

const char *m365_scan_intern(struct m365_scan *s, const char *str, size_t len)
{
    return m365_intern(&s->intern, str, len);
}

const char *m365_scan_intern_lower(struct m365_scan *s, const char *str, size_t len)
{
    return m365_intern_lower(&s->intern, str, len);
}

const char *m365_scan_lower_key(struct m365_scan *s, const char *str)
{
    if (!str || !*str) {
        return NULL;
    }
    for (const char *p = str; *p; p++) {
        if (*p >= 'A' && *p <= 'Z') {
            return m365_intern_lower(&s->intern, str, strlen(str));
        }
    }
    return str; /* interned with no capital: its own lower-case key */
}

struct m365_enrich *m365_scan_enrich(struct m365_scan *s) { return s->enrich; }

void m365_scan_free(struct m365_scan *s)
{
    if (!s) {
        return;
    }
    m365_map_free(&s->vips);
    m365_map_free(&s->object_ids);
    m365_app_names_free(&s->app_names);
    for (int l = 0; l < M365_LOG__COUNT; l++) {
        m365_intervals_free(&s->cover[l]);
    }
    for (size_t i = 0; i < s->n_archives; i++) {
        free((char *)s->archives[i].st.path);
        for (int k = 0; k < 2; k++) {
            if (s->archives[i].fds[k] >= 0) {
                close(s->archives[i].fds[k]);
            }
        }
    }
    free(s->archives);
    for (size_t i = 0; i < s->n_overlaps; i++) {
        free((char *)s->overlaps[i].record_id);
    }
    free(s->overlaps);
    m365_zip_temps_free(&s->inner);
    m365_snap_ctx_free(s->snap_ctx);
    m365_snapshot_free(s->snap);
    m365_incidents_free(s->incidents);
    m365_coverage_free(s->coverage);
    m365_detect_free(s->detect);
    m365_rule_config_free(&s->rules);
    m365_enrich_free(s->enrich);
    for (size_t u = 0; u < s->n_units; u++) {
        struct m365_read_unit *ru = &s->units[u];
        for (size_t i = 0; i < ru->store.n_chunks; i++) {
            if (!m365_region_has(&s->evregion, ru->store.chunks[i].p)) {
                free(ru->store.chunks[i].p);
            }
        }
        free(ru->store.chunks);
        free(ru->store.keys);
        for (size_t i = 0; i < ru->n_diags; i++) {
            free(ru->diags[i].field);
            free(ru->diags[i].msg);
        }
        free(ru->diags);
        free(ru->stop_msg);
        free(ru->search);
        free(ru->pages);
    }
    free(s->units);
    free(s->cut_searches);
    free(s->tenants);
    free(s->cut_pages);
    for (unsigned i = 0; i < s->n_thread_arenas; i++) {
        m365_arena_free(&s->thread_arenas[i]);
    }
    free(s->thread_arenas);
    free(s->all);
    free(s->keys);
    free((void *)s->sorted);
    free(s->kinds);
    for (size_t j = 0; j < s->kept_cap; j++) {
        free(s->kept[j].ev);
    }
    free(s->kept);
    pthread_mutex_destroy(&s->kept_mu);
    free(s->id_text);
    pthread_mutex_destroy(&s->id_mu);
    m365_once_destroy(&s->object_ids_once);
    for (size_t i = 0; i < s->n_files; i++) {
        free(s->files[i].path);
    }
    free(s->files);
    m365_arena_free(&s->arena);
    m365_intern_free(&s->intern);
    m365_region_free(&s->region);
    m365_region_free(&s->evregion);
    if (s->statm_open) {
        close(s->statm_fd);
    }
    free(s);
}

void m365_scan_emit_diag(struct m365_scan *s, const struct m365_diag *d)
{
    if (s->opts.on_diag) {
        s->opts.on_diag(d, s->opts.diag_user);
    }
}

static void diag(struct m365_scan *s, enum m365_diag_level lvl, enum m365_status code,
                 const char *file, const char *msg)
{
    struct m365_diag d = {lvl, code, file, 0, NULL, msg};
    m365_scan_emit_diag(s, &d);
}

void m365_scan_unit_diag(struct m365_read_unit *u, const struct m365_diag *d)
{
    if (u->n_diags == u->cap_diags) {
        size_t nc = u->cap_diags ? u->cap_diags * 2 : 8;
        struct unit_diag *nd = realloc(u->diags, nc * sizeof(*nd));
        if (!nd) {
            return;
        }
        u->diags = nd;
        u->cap_diags = nc;
    }
    struct unit_diag *ud = &u->diags[u->n_diags];
    ud->d = *d;
    ud->field = d->field ? strdup(d->field) : NULL;
    ud->msg = strdup(d->msg ? d->msg : "");
    if (!ud->msg || (d->field && !ud->field)) {
        free(ud->field);
        free(ud->msg);
        return;
    }
    ud->d.field = ud->field;
    ud->d.msg = ud->msg;
    u->n_diags++;
}

void m365_scan_unit_progress(struct m365_read_unit *u, uint64_t bytes)
{
    atomic_store_explicit(&u->progress, bytes, memory_order_relaxed);
    struct m365_scan *s = u->scan;
    if (s->opts.on_progress && s->n_thread_arenas == 0) {
        s->opts.on_progress(s->bytes_done + bytes, s->bytes_total, s->opts.progress_user);
    }
}

/* A spilled scan lets go of the files' pages once the process holds more than spill_resident
 * bytes of file-backed pages (its own program's included); the next touch maps them again, from
 * the kernel's cache or the disk. Without /proc, it lets go every time it looks. */
static void spill_settle(struct m365_scan *s)
{
    if (s->statm_open) {
        char b[160];
        ssize_t n = pread(s->statm_fd, b, sizeof(b) - 1, 0);
        unsigned long long size, resident, shared;
        if (n > 0) {
            b[n] = '\0';
            if (sscanf(b, "%llu %llu %llu", &size, &resident, &shared) == 3 &&
                shared * (unsigned long long)sysconf(_SC_PAGESIZE) <= s->spill_resident) {
                return;
            }
        }
    }
    m365_region_release(&s->region);
    m365_region_release(&s->evregion);
    atomic_fetch_add(&s->spill_releases, 1);
}

static inline void spill_tick(struct m365_scan *s, size_t i)
{
    if (s->spilling && i % SPILL_TICK == 0) {
        spill_settle(s);
    }
}

/* Every event stored, and every visit of a walk over the sorted events, ticks here; both
 * happen on several threads. */
static void spill_visit(const struct m365_scan *s)
{
    if (s->spilling) {
        struct m365_scan *m = (struct m365_scan *)(uintptr_t)s;
        spill_tick(m, atomic_fetch_add_explicit(&m->spill_ticks, 1, memory_order_relaxed));
    }
}

/* Input bytes for the spill decision: a compressed file counts eight times its size. */
static uint64_t spill_estimate(const struct m365_scan *s)
{
    uint64_t total = 0;
    for (size_t i = 0; i < s->n_files; i++) {
        const struct file_entry *f = &s->files[i];
        if (f->st.status != M365_OK) {
            continue;
        }
        size_t n = strlen(f->path);
        bool packed = (n > 3 && strcmp(f->path + n - 3, ".gz") == 0) ||
                      (n > 4 && strcmp(f->path + n - 4, ".zst") == 0);
        total += f->size * (packed ? 8u : 1u);
    }
    return total;
}

static const char *spill_dir(const struct m365_scan *s)
{
    return m365_temp_dir(s->opts.spill_dir);
}

/* Before reading: puts the table on files when asked to, or when the inputs are large. */
static void spill_start(struct m365_scan *s)
{
    if (s->opts.spill == M365_SPILL_NEVER ||
        (s->opts.spill == M365_SPILL_AUTO && spill_estimate(s) < M365_SPILL_AUTO_BYTES)) {
        return;
    }
    const char *dir = spill_dir(s);
    /* The chunks' range first: it is empty, so failing there costs nothing. */
    int err = 0;
    m365_region_init(&s->evregion, SPILL_EVENTS_MAX);
    if (m365_region_spill(&s->evregion, dir) != 0 || m365_region_spill(&s->region, dir) != 0) {
        err = errno;
        m365_region_free(&s->evregion); /* the chunks come from the heap */
    }
    if (err) {
        char msg[320];
        snprintf(msg, sizeof(msg), "the event table stays in memory: no file for it here (%s)",
                 strerror(err));
        diag(s, M365_DIAG_WARNING, M365_E_IO, dir, msg);
    }
    s->spilling = s->region.spilled;
    if (s->spilling) {
        /* On tmpfs the file's pages are memory too: the process lets them go, the machine
         * keeps them (or swaps them). */
        struct statfs sf;
        if (statfs(dir, &sf) == 0 && (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC)) {
            diag(s, M365_DIAG_WARNING, M365_OK, dir,
                 "the spill directory is in memory (tmpfs): the event table leaves the process, "
                 "not the machine's memory; point TMPDIR at a directory on a disk");
        }
        s->spill_resident = s->opts.spill_resident ? s->opts.spill_resident : M365_SPILL_RESIDENT;
        s->statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
        s->statm_open = s->statm_fd >= 0;
    }
}

/* Same record id and same content = the same record exported twice. The key folds the two
 * together where the event is stored (on the reading threads), so that de-duplication reads
 * no event but the candidates: for one id, equal keys mean equal fingerprints (the mix is a
 * bijection; only the key 0, kept for "no id", is moved to 1). */
/* An event's log source as a bit of a mask (find_overlaps); one out of range is "unknown". */
_Static_assert(M365_LOG__COUNT <= 32, "a log source is a bit of a 32-bit mask");
static inline uint32_t log_bit(unsigned l)
{
    return 1u << (l < M365_LOG__COUNT ? l : M365_LOG_UNKNOWN);
}

static uint64_t dedup_key(const char *rid, uint64_t fp)
{
    if (!rid) {
        return 0;
    }
    uint64_t k = m365_hash_mix(m365_hash_bytes(rid, strlen(rid), 0x1d) ^ fp);
    return k ? k : 1;
}

int m365_scan_unit_store(struct m365_read_unit *u, const struct m365_event *ev, uint64_t fp)
{
    struct evstore *es = &u->store;
    struct evchunk *c = es->n_chunks ? &es->chunks[es->n_chunks - 1] : NULL;
    if (!c || c->cap - c->used < M365_PACKED_MAX) {
        size_t nc = es->n_chunks + 1;
        struct evchunk *chunks = realloc(es->chunks, nc * sizeof(*chunks));
        if (!chunks) {
            return -1;
        }
        es->chunks = chunks;
        c = &es->chunks[nc - 1];
        c->cap = chunk_cap(nc - 1);
        c->used = 0;
        c->p = u->scan->spilling ? slab_alloc(&u->scan->evregion, u->slab, c->cap) : NULL;
        if (!c->p) {
            c->p = malloc(c->cap);
        }
        if (!c->p) {
            return -1;
        }
        es->n_chunks = nc;
    }
    if (es->n == es->keys_cap) {
        size_t ncap = es->keys_cap ? es->keys_cap * 2 : 32;
        uint64_t *keys = realloc(es->keys, ncap * sizeof(*keys));
        if (!keys) {
            return -1;
        }
        es->keys = keys;
        es->keys_cap = ncap;
    }
    struct m365_packed *at = (struct m365_packed *)(void *)(c->p + c->used);
    /* A part's line and offset are its own until gather_file adds the file's lines and bytes
     * before the part: at most its start each, as each line ends in a byte. */
    c->used += m365_event_pack(ev, &u->scan->region, u->ranged ? u->start : 0, at);
    es->keys[es->n++] = dedup_key(ev->evidence.record_id, fp);
    es->log_sources |= log_bit(ev->log_source);
    spill_visit(u->scan);
    return 0;
}

void m365_scan_unit_recoded(struct m365_read_unit *u) { u->recoded++; }

void m365_scan_unit_search_result(struct m365_read_unit *u, uint64_t index, uint64_t count)
{
    if (index == 0 || count == 0 || index > count) {
        return; /* not a result of that session: nothing to say about its end */
    }
    /* A session's rows come one after another: its entry is most often the last one used. */
    uint32_t i = u->last_search;
    if (i >= u->n_search || u->search[i].count != count) {
        i = 0;
        while (i < u->n_search && u->search[i].count != count) {
            i++;
        }
    }
    if (i < u->n_search) {
        u->search[i].last = index > u->search[i].last ? index : u->search[i].last;
        u->last_search = i;
        return;
    }
    if (u->n_search == UNIT_SEARCH_SESSIONS) {
        return;
    }
    if (u->n_search == u->cap_search) {
        uint32_t nc = u->cap_search ? u->cap_search * 2 : 4;
        struct search_session *nv = realloc(u->search, nc * sizeof(*nv));
        if (!nv) {
            return;
        }
        u->search = nv;
        u->cap_search = nc;
    }
    u->last_search = u->n_search;
    u->search[u->n_search++] = (struct search_session){count, index, u->file};
}

static int cmp_search_session(const void *a, const void *b)
{
    const struct search_session *x = a, *y = b;
    if (x->count != y->count) {
        return x->count < y->count ? -1 : 1;
    }
    return x->file < y->file ? -1 : x->file > y->file;
}

static int cmp_cut_search(const void *a, const void *b)
{
    const struct m365_cut_search *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (c) {
        return c;
    }
    return x->result_count < y->result_count ? -1 : x->result_count > y->result_count;
}

/* The sessions of every unit, one per ResultCount (a session's rows may lie in several files:
 * exports split at 50,000 rows), and those whose rows stop short of it, named. Two sessions
 * that reported the same count are taken as one: at worst a cut one is not named. */
static enum m365_status cut_searches(struct m365_scan *s)
{
    size_t n = 0;
    for (size_t u = 0; u < s->n_units; u++) {
        n += s->units[u].n_search;
    }
    if (!n) {
        return M365_OK;
    }
    struct search_session *v = malloc(n * sizeof(*v));
    if (!v) {
        return M365_E_NOMEM;
    }
    n = 0;
    for (size_t u = 0; u < s->n_units; u++) {
        if (s->units[u].n_search) {
            memcpy(v + n, s->units[u].search, s->units[u].n_search * sizeof(*v));
            n += s->units[u].n_search;
        }
    }
    m365_qsort(v, n, sizeof(*v), cmp_search_session);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) { /* per count: the first file, the highest index */
        if (k && v[k - 1].count == v[i].count) {
            v[k - 1].last = v[i].last > v[k - 1].last ? v[i].last : v[k - 1].last;
        } else {
            v[k++] = v[i];
        }
    }
    s->cut_searches = calloc(k, sizeof(*s->cut_searches));
    if (!s->cut_searches) {
        free(v);
        return M365_E_NOMEM;
    }
    for (size_t i = 0; i < k; i++) {
        if (v[i].last < v[i].count) {
            s->cut_searches[s->n_cut_searches++] =
                (struct m365_cut_search){s->files[v[i].file].path, v[i].count, v[i].last};
        }
    }
    free(v);
    m365_qsort(s->cut_searches, s->n_cut_searches, sizeof(*s->cut_searches), cmp_cut_search);
    for (size_t i = 0; i < s->n_cut_searches; i++) {
        const struct m365_cut_search *c = &s->cut_searches[i];
        char msg[400];
        snprintf(msg, sizeof(msg),
                 "a Search-UnifiedAuditLog export cut short: its search reported %llu results "
                 "(ResultCount), its rows stop at result %llu (ResultIndex): the other %llu "
                 "were never exported (the cmdlet returns at most 50,000 per session); search "
                 "again in shorter time slices",
                 (unsigned long long)c->result_count, (unsigned long long)c->last_index,
                 (unsigned long long)(c->result_count - c->last_index));
        diag(s, M365_DIAG_WARNING, M365_OK, c->file, msg);
    }
    return M365_OK;
}

int m365_scan_unit_page(struct m365_read_unit *u, uint16_t sources, bool names_next)
{
    if (!u->pages && !(u->pages = calloc(1, sizeof(*u->pages)))) {
        return -1;
    }
    struct unit_pages *p = u->pages;
    unsigned i = 0;
    while (i < p->n && p->v[i].sources != sources) {
        i++;
    }
    if (i == p->n) {
        if (p->n < UNIT_PAGE_KINDS) {
            p->v[p->n++].sources = sources;
        } else {
            i = UNIT_PAGE_KINDS - 1; /* joined: fewer exports told apart, none named wrongly */
            p->v[i].sources |= sources;
        }
    }
    p->v[i].pages++;
    p->v[i].next += names_next;
    return 0;
}

/* One paged export as cut_pages() sees it: a format's pages whose records' log sources are
 * joined by the pages that hold several (one export), or the pages that kept no record. */
struct page_group {
    const char *format;
    uint16_t sources;
    const char *file;
    uint64_t pages; /* naming a next page */
    bool last;      /* one is the last */
};

static enum m365_status add_page_group(struct page_group **g, size_t *n, size_t *cap,
                                       struct page_group add)
{
    for (size_t i = 0; i < *n; i++) {
        struct page_group *x = &(*g)[i];
        if (strcmp(x->format, add.format) == 0 &&
            (x->sources & add.sources || x->sources == add.sources)) {
            x->sources |= add.sources;
            x->pages += add.pages;
            x->last |= add.last;
            /* The one it joins may now touch others of its format: fold them in. */
            for (size_t j = i + 1; j < *n; j++) {
                struct page_group *y = &(*g)[j];
                if (strcmp(y->format, x->format) == 0 && x->sources & y->sources) {
                    x->sources |= y->sources;
                    x->pages += y->pages;
                    x->last |= y->last;
                    memmove(y, y + 1, (--*n - j) * sizeof(*y)); /* order kept */
                    j--;
                }
            }
            return M365_OK;
        }
    }
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        struct page_group *ng = realloc(*g, nc * sizeof(*ng));
        if (!ng) {
            return M365_E_NOMEM;
        }
        *g = ng;
        *cap = nc;
    }
    (*g)[(*n)++] = add;
    return M365_OK;
}

/* The paged API exports read whose every page names a next one: none is the last anywhere, so
 * the collector stopped before the end. Told apart by format and by the log sources of their
 * records (non-interactive sign-ins beside interactive ones and directory audits); pages holding
 * records of several sources make those one export. A last page that kept no record might end
 * any export of its format: it ends them all. Pages that kept no record, none the last, are
 * named only when the format has no other pages. (Two exports of one format and source, one
 * whole, hide a cut one: the last page is there, of the other.) */
static enum m365_status cut_pages(struct m365_scan *s)
{
    struct page_group *g = NULL;
    size_t n = 0, cap = 0;
    enum m365_status st = M365_OK;
    for (size_t u = 0; u < s->n_units && st == M365_OK; u++) {
        const struct m365_read_unit *ru = &s->units[u];
        if (!ru->pages || !ru->st.reader) {
            continue;
        }
        for (unsigned k = 0; k < ru->pages->n && st == M365_OK; k++) {
            const struct unit_page_kind *pk = &ru->pages->v[k];
            st = add_page_group(&g, &n, &cap,
                                (struct page_group){ru->st.reader, pk->sources,
                                                    s->files[ru->file].path, pk->next,
                                                    pk->next < pk->pages});
        }
    }
    for (size_t i = 0; i < n && st == M365_OK; i++) {
        if (g[i].sources) {
            continue;
        }
        bool others = false;
        for (size_t j = 0; j < n; j++) {
            if (j != i && strcmp(g[j].format, g[i].format) == 0) {
                g[j].last |= g[i].last;
                others = true;
            }
        }
        g[i].last |= others; /* its pages are those of one of the others */
    }
    free(s->cut_pages);
    s->cut_pages = NULL;
    s->n_cut_pages = 0;
    for (size_t i = 0; i < n && st == M365_OK; i++) {
        if (g[i].last) {
            continue;
        }
        if (!s->cut_pages && !(s->cut_pages = calloc(n, sizeof(*s->cut_pages)))) {
            st = M365_E_NOMEM;
            break;
        }
        s->cut_pages[s->n_cut_pages++] =
            (struct m365_cut_pages){g[i].format, g[i].sources, g[i].file, g[i].pages};
    }
    free(g);
    for (size_t i = 0; i < s->n_cut_pages; i++) {
        const struct m365_cut_pages *c = &s->cut_pages[i];
        char of[200] = "";
        m365_log_sources_text(c->sources, of, sizeof(of));
        char msg[480];
        snprintf(msg, sizeof(msg),
                 "a paged export with no last page: its %llu %s page%s%s%s each name%s a next "
                 "page (@odata.nextLink), none is the last: the collector stopped before the end "
                 "and the records after them were never saved; page through to a page without "
                 "@odata.nextLink",
                 (unsigned long long)c->pages, c->format, c->pages == 1 ? "" : "s",
                 *of ? " of " : "", of, c->pages == 1 ? "s" : "");
        diag(s, M365_DIAG_WARNING, M365_OK, c->file, msg);
    }
    return st;
}

const struct m365_cut_pages *m365_scan_cut_pages(const struct m365_scan *s, size_t *n)
{
    *n = s->n_cut_pages;
    return s->cut_pages;
}

const struct m365_cut_search *m365_scan_cut_searches(const struct m365_scan *s, size_t *n)
{
    *n = s->n_cut_searches;
    return s->cut_searches;
}

void m365_scan_unit_note(struct m365_read_unit *u, enum m365_unit_note k, uint64_t line)
{
    if (!u->notes[k].n++) {
        u->notes[k].line = line;
    }
}

static struct m365_packed *stored(struct m365_scan *s, size_t i)
{
    return s->all[i];
}
/* The array v (n elements of `size` bytes, room for *cap) with room for one more: itself, or
 * moved to twice the room (`first` to start). NULL when out of memory: v is still the caller's. */
static void *room_for_one(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
    if (n < *cap) {
        return v;
    }
    size_t nc = *cap ? *cap * 2 : first;
    void *nv = realloc(v, nc * size);
    if (nv) {
        *cap = nc;
    }
    return nv;
}

static struct file_entry *add_file(struct m365_scan *s, const char *path)
{
    struct file_entry *files =
        room_for_one(s->files, s->n_files, &s->cap_files, sizeof(*s->files), 16);
    if (!files) {
        return NULL;
    }
    s->files = files;
    struct file_entry *f = &s->files[s->n_files];
    memset(f, 0, sizeof(*f));
    f->path = strdup(path);
    if (!f->path) {
        return NULL;
    }
    f->st.path = f->path;
    f->st.first_ms = INT64_MIN;
    f->st.last_ms = INT64_MIN;
    s->n_files++;
    return f;
}

static int cmp_file(const void *a, const void *b)
{
    const struct file_entry *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : (x < y ? -1 : x > y); /* "-" given twice keeps its order */
}


/* What an archive's file list left out, or that it holds no file, named. */
static void report_left_out(struct m365_scan *s, const char *path,
                            const struct m365_zip_files *files)
{
    char msg[200];
    enum m365_diag_level level;
    enum m365_status code;
    for (int k = 0; k < M365_ZIP_LEFT_OUT_KINDS; k++) {
        if (m365_zip_left_out(files, k, msg, sizeof(msg), &level, &code)) {
            diag(s, level, code, path, msg);
        }
    }
}

/* Lists an archive whose members are files of the scan. */
static enum m365_status add_archive(struct m365_scan *s, const char *path, const char *file,
                                    uint64_t bytes, uint64_t members)
{
    struct archive_entry *archives =
        room_for_one(s->archives, s->n_archives, &s->cap_archives, sizeof(*s->archives), 4);
    if (!archives) {
        return M365_E_NOMEM;
    }
    s->archives = archives;
    struct archive_entry *e = &s->archives[s->n_archives];
    memset(e, 0, sizeof(*e));
    e->st.path = strdup(path);
    if (!e->st.path) {
        return M365_E_NOMEM;
    }
    e->file = file;
    e->fds[0] = e->fds[1] = -1;
    e->st.bytes = bytes;
    e->st.members = members;
    s->n_archives++;
    return M365_OK;
}

/* The SHA-256 of each archive as it is on disk (hash_files): its members' digests are those of
 * their unpacked bytes, which say nothing of the file that was handed over. */
static void hash_archives(struct m365_scan *s)
{
    for (size_t i = 0; s->opts.hash_files && i < s->n_archives; i++) {
        struct m365_archive_stats *a = &s->archives[i].st;
        const char *file = s->archives[i].file ? s->archives[i].file : a->path;
        const char *err = NULL;
        struct m365_input *in = m365_input_open(file, &s->opts.limits, s->opts.read_chunk, &err);
        if (in) {
            m365_input_hash(in);
            if (m365_input_sha256(in, a->sha256) != 0) {
                a->sha256[0] = '\0';
                err = "reading failed";
            }
            m365_input_close(in);
        }
        if (!a->sha256[0]) {
            char msg[256];
            snprintf(msg, sizeof(msg), "the archive's SHA-256 could not be computed: %s",
                     err ? err : "unknown error");
            diag(s, M365_DIAG_WARNING, M365_E_IO, a->path, msg);
        }
    }
}

static enum m365_status add_inner(struct m365_scan *s, const char *outer, struct m365_zip **z,
                                  const struct m365_zip_file *zf);

/* A member of an archive whose path is archive_len bytes long, queued as a file of its own;
 * NULL when out of memory. */
static struct file_entry *add_member(struct m365_scan *s, const char *path, size_t archive_len,
                                     uint64_t size)
{
    struct file_entry *f = add_file(s, path);
    if (f) {
        f->archive_len = archive_len;
        f->st.archive_len = archive_len;
        f->size = size;
        s->bytes_total += size;
    }
    return f;
}

/* An archive whose files cannot be listed, named (why) and listed as a file that cannot be
 * opened: the scan goes on. */
static enum m365_status unreadable_archive(struct m365_scan *s, const char *path,
                                           const char *why)
{
    diag(s, M365_DIAG_ERROR, M365_E_IO, path, why);
    struct file_entry *f = add_file(s, path);
    if (!f) {
        return M365_E_NOMEM;
    }
    f->st.status = M365_E_IO;
    f->st.error = strncmp(why, "encrypted", 9) == 0 ? "encrypted: not opened" : "cannot be opened";
    return M365_OK;
}

/* The members of a ZIP archive, queued as files of their own. M365_E_FORMAT when the file is
 * no archive (it is queued as a plain file then). Folders are not files; macOS's resource forks
 * (__MACOSX/) are named; a member that cannot be unpacked is named when it is opened. The
 * archive's bytes are in `file` when not at `path` (an archive inside an archive, unpacked);
 * the archives inside a top-level one, members named *.zip, are opened too (one level). */
static enum m365_status add_zip(struct m365_scan *s, const char *path, const char *file,
                                uint64_t bytes)
{
    struct m365_zip_files files;
    char err[320];
    enum m365_status st = m365_zip_files_as(file ? file : path, path, &files, err, sizeof(err));
    if (st == M365_E_FORMAT || st == M365_E_NOMEM) {
        return st;
    }
    if (st != M365_OK) {
        return unreadable_archive(s, path, err);
    }
    /* Listed before the archives inside it. */
    st = add_archive(s, path, file, bytes, files.n);
    /* In the archive's order: the scan puts every file in name order before reading. */
    size_t archive_len = strlen(path);
    struct m365_zip *z = NULL; /* this archive, open for the archives inside it */
    for (size_t i = 0; i < files.n && st == M365_OK; i++) {
        if (!file && m365_zip_named(files.v[i].path)) {
            st = add_inner(s, path, &z, &files.v[i]);
            if (st != M365_E_FORMAT) {
                continue; /* its members queued, or it was named; or out of memory */
            }
            st = M365_OK; /* no archive after all, or unreadable: a file, named when read */
        }
        struct file_entry *f = add_member(s, files.v[i].path, archive_len, files.v[i].size);
        if (!f) {
            st = M365_E_NOMEM;
            break;
        }
        f->archive_file = file;
        f->member = files.v[i].index;
    }
    m365_zip_close(z);
    if (st == M365_OK) {
        report_left_out(s, path, &files);
    }
    m365_zip_files_free(&files);
    return st;
}

/* An archive inside an archive whose bytes are not to be had here (past the limits, no room
 * for its copy): named and listed, not read. */
static enum m365_status inner_not_read(struct m365_scan *s, const char *path, enum m365_status st,
                                       const char *err)
{
    diag(s, M365_DIAG_ERROR, st, path, err);
    struct file_entry *f = add_file(s, path);
    if (!f) {
        return M365_E_NOMEM;
    }
    f->st.status = st;
    f->st.error = st == M365_E_LIMIT ? "limit reached" : "cannot be unpacked";
    return M365_OK;
}

/* The members of an archive inside an archive, its bytes unpacked or copied to `file` (the last
 * of s->inner: kept open while its members name it, closed when none does). */
static enum m365_status add_unpacked_zip(struct m365_scan *s, const char *path, const char *file,
                                         uint64_t bytes)
{
    size_t archives = s->n_archives;
    enum m365_status st = add_zip(s, path, file, bytes);
    if (s->n_archives == archives) { /* nothing names the file: no archive, or none readable */
        m365_zip_temps_drop_last(&s->inner);
    }
    return st;
}

/* Member zf of the archive `outer`, named *.zip: unpacked to a temporary file and its members
 * queued (add_zip). M365_E_FORMAT when it is to be queued as a file instead: no archive after
 * all, or its bytes cannot be had (encrypted without its password, damaged: said when it is
 * read). An archive past the decompression limits is named and listed, not read. */
static enum m365_status add_inner(struct m365_scan *s, const char *outer, struct m365_zip **z,
                                  const struct m365_zip_file *zf)
{
    const char *file = NULL;
    uint64_t bytes = 0;
    char err[PATH_MAX + 200];
    enum m365_status st = m365_zip_temps_unpack(&s->inner, z, outer, s->opts.zip_passwords,
                                                s->opts.n_zip_passwords, zf->index, spill_dir(s),
                                                &s->opts.limits, &file, &bytes, err, sizeof(err));
    if (st == M365_E_LIMIT || st == M365_E_IO) {
        return inner_not_read(s, zf->path, st, err);
    }
    if (st != M365_OK) {
        return st; /* M365_E_FORMAT: read as a file, which names why */
    }
    return add_unpacked_zip(s, zf->path, file, bytes);
}

/* Member m of a tar or 7-Zip archive, named *.zip: copied to a temporary file (a ZIP archive is
 * read from its end) and its members queued (add_zip), one level, as inside a ZIP archive.
 * M365_E_FORMAT when it is to be queued as a file instead. */
static enum m365_status add_tar_zip(struct m365_scan *s, const struct m365_tar_file *m)
{
    const char *file = NULL;
    char err[PATH_MAX + 200];
    enum m365_status st = m365_zip_temps_copy(&s->inner, m->fd, m->offset, m->size,
                                              spill_dir(s), &file, err, sizeof(err));
    if (st == M365_E_IO) {
        return inner_not_read(s, m->path, st, err);
    }
    return st == M365_OK ? add_unpacked_zip(s, m->path, file, m->size) : st;
}

/* An archive unpacked to tmpfs this large is worth a warning: its bytes stay in memory. */
#define TAR_IN_MEMORY_WARN ((uint64_t)1 << 30)

/* The progress bar while an archive is unpacked, before any file is read. */
static void unpacking(uint64_t read, uint64_t size, void *user)
{
    const struct m365_scan *s = user;
    s->opts.on_progress(read, size, s->opts.progress_user);
}

/* The members of a tar or 7-Zip archive, queued as files of their own, their bytes where the
 * listing left them (tar_archive.h). M365_E_FORMAT when the file is no such archive (it is
 * queued as a plain file then). An archive that cannot be listed or unpacked is named and
 * listed as a file that cannot be opened; one that stops part way (damage, a limit) is named
 * and what came before is read. */
static enum m365_status add_tar(struct m365_scan *s, const char *path, uint64_t bytes)
{
    struct m365_tar_files tf = {.tick = s->opts.on_progress ? unpacking : NULL, .tick_user = s};
    char err[PATH_MAX + 200];
    enum m365_status st =
        m365_tar_files(path, NULL, spill_dir(s), &s->opts.limits, &tf, err, sizeof(err));
    if (st == M365_E_FORMAT || st == M365_E_NOMEM) {
        return st;
    }
    if (st != M365_OK) {
        return unreadable_archive(s, path, err);
    }
    st = add_archive(s, path, NULL, bytes, tf.n);
    if (st == M365_OK) {
        struct archive_entry *e = &s->archives[s->n_archives - 1];
        e->fds[0] = tf.archive_fd;
        e->fds[1] = tf.temp_fd;
        tf.archive_fd = tf.temp_fd = -1; /* the scan's now, closed when it is freed */
    }
    size_t archive_len = strlen(path);
    for (size_t i = 0; i < tf.n && st == M365_OK; i++) {
        if (m365_zip_named(tf.v[i].path)) {
            st = add_tar_zip(s, &tf.v[i]);
            if (st != M365_E_FORMAT) {
                continue; /* its members queued, or it was named; or out of memory */
            }
            st = M365_OK; /* no archive after all, or unreadable: a file, named when read */
        }
        struct file_entry *f = add_member(s, tf.v[i].path, archive_len, tf.v[i].size);
        if (!f) {
            st = M365_E_NOMEM;
            break;
        }
        f->window = true;
        f->window_comp = tf.seven_zip ? M365_COMP_7Z : M365_COMP_TAR;
        f->window_fd = tf.v[i].fd;
        f->window_off = tf.v[i].offset;
    }
    if (st == M365_OK && tf.in_memory && tf.unpacked >= TAR_IN_MEMORY_WARN) {
        char msg[320];
        snprintf(msg, sizeof(msg), "unpacked to a temporary file in memory (tmpfs): %.1f GiB of "
                 "the machine's memory while the scan runs; point TMPDIR at a folder on a disk",
                 (double)tf.unpacked / (1u << 30));
        diag(s, M365_DIAG_WARNING, M365_OK, path, msg);
    }
    for (int k = 0; k < M365_TAR_LEFT_OUT_KINDS && st == M365_OK; k++) {
        char msg[320];
        enum m365_diag_level level;
        enum m365_status code;
        if (m365_tar_left_out(&tf, k, msg, sizeof(msg), &level, &code)) {
            diag(s, level, code, path, msg);
        }
    }
    m365_tar_files_free(&tf);
    return st;
}

/* `path` and its stat() result (`stat_errno` when that failed): a directory's entries are
 * looked up relative to it, not by their whole path again. */
static enum m365_status walk(struct m365_scan *s, const char *path, const struct stat *stp,
                             int stat_errno, unsigned depth)
{
    if (stat_errno) {
        char msg[256];
        snprintf(msg, sizeof(msg), "cannot read: %s", strerror(stat_errno));
        diag(s, M365_DIAG_ERROR, M365_E_IO, path, msg);
        struct file_entry *f = add_file(s, path);
        if (f) {
            f->st.status = M365_E_IO;
            f->st.error = "cannot be opened";
        }
        return M365_E_IO;
    }
    if (!S_ISDIR(stp->st_mode)) {
        if (!S_ISREG(stp->st_mode) && !S_ISFIFO(stp->st_mode) && !S_ISCHR(stp->st_mode)) {
            diag(s, M365_DIAG_NOTE, M365_OK, path, "not a regular file: ignored");
            return M365_OK;
        }
        /* Named on the command line, a ZIP archive is one whatever its name ("…zip.infected");
         * files in folders are not each opened to look. */
        if (S_ISREG(stp->st_mode) &&
            (m365_zip_named(path) || (depth == 0 && m365_zip_content(path)))) {
            enum m365_status zr = add_zip(s, path, NULL, (uint64_t)stp->st_size);
            if (zr != M365_E_FORMAT) {
                return zr;
            }
        } else if (S_ISREG(stp->st_mode) &&
                   (m365_tar_named(path) || (depth == 0 && m365_tar_content(path)))) {
            enum m365_status tr = add_tar(s, path, (uint64_t)stp->st_size);
            if (tr != M365_E_FORMAT) {
                return tr;
            }
        }
        struct file_entry *f = add_file(s, path);
        if (!f) {
            return M365_E_NOMEM;
        }
        f->size = S_ISREG(stp->st_mode) ? (uint64_t)stp->st_size : 0;
        s->bytes_total += f->size;
        return M365_OK;
    }
    if (depth >= M365_MAX_WALK_DEPTH) {
        diag(s, M365_DIAG_WARNING, M365_E_LIMIT, path, "directory nesting too deep: not walked");
        return M365_OK;
    }
    DIR *d = opendir(path);
    if (!d) {
        char msg[256];
        snprintf(msg, sizeof(msg), "cannot open directory: %s", strerror(errno));
        diag(s, M365_DIAG_ERROR, M365_E_IO, path, msg);
        return M365_E_IO;
    }
    /* Each entry's path is path + sep + name; its name starts at `base` in it. */
    const char *sep = path[strlen(path) - 1] == '/' ? "" : "/";
    size_t base = strlen(path) + strlen(sep);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    enum m365_status rc = M365_OK;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (!nn) {
                rc = M365_E_NOMEM;
                break;
            }
            names = nn;
        }
        size_t len = base + strlen(de->d_name) + 1;
        names[n] = malloc(len);
        if (!names[n]) {
            rc = M365_E_NOMEM;
            break;
        }
        snprintf(names[n], len, "%s%s%s", path, sep, de->d_name);
        n++;
    }
    /* Name order: the same evidence gives the same file order, hence the same output. */
    m365_qsort(names, n, sizeof(*names), m365_cmp_cstr);
    /* The directory stays open while its entries are walked: one per level, at most
     * M365_MAX_WALK_DEPTH at once. */
    for (size_t i = 0; i < n; i++) {
        if (rc == M365_OK) {
            struct stat cst;
            int e = fstatat(dirfd(d), names[i] + base, &cst, 0) != 0 ? errno : 0;
            enum m365_status r = walk(s, names[i], &cst, e, depth + 1);
            if (r == M365_E_NOMEM) {
                rc = r;
            }
        }
        free(names[i]);
    }
    closedir(d);
    free(names);
    return rc;
}

enum m365_status m365_scan_add_path(struct m365_scan *s, const char *path)
{
    if (strcmp(path, "-") == 0) {
        return add_file(s, "-") ? M365_OK : M365_E_NOMEM;
    }
    struct stat st;
    int e = stat(path, &st) != 0 ? errno : 0;
    return walk(s, path, &st, e, 0);
}

/* The first byte at or after i that is not white space, or n. */
static size_t skip_space(const char *p, size_t i, size_t n)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) {
        i++;
    }
    return i;
}

static bool starts(const char *head, size_t len, const char *magic, size_t n)
{
    return len >= n && memcmp(head, magic, n) == 0;
}

/* Files that land in an evidence folder and are not exports, named by their first bytes with
 * what to do about them; NULL for anything else. */
static const char *known_binary(const char *head, size_t len)
{
    if (m365_zip_bytes(head, len)) {
        if (m365_zip_office_bytes(head, len)) {
            return "an Office document (an Excel workbook?), not an export: save the sheet as "
                   "CSV UTF-8, or better, scan the export as it was downloaded";
        }
        return "a ZIP archive whose name does not end in .zip, found in a folder or read from "
               "standard input: give its path on the command line (or rename it *.zip) and "
               "its members are scanned";
    }
    if (m365_tar_bytes(head, len)) {
        return "a tar or 7-Zip archive not named .tar, .tar.gz, .tgz, .tar.zst, .tar.xz, .tar.bz2 "
               "or .7z, found in a folder or read from standard input: give its path on the "
               "command line (or rename it) and its members are scanned";
    }
    if (starts(head, len, "Rar!\x1A\x07", 6)) {
        return "a RAR archive: extract it and scan the folder";
    }
    if ((starts(head, len, "BZh", 3) && len > 3 && head[3] >= '1' && head[3] <= '9') ||
        starts(head, len, "\xFD" "7zXZ\x00", 6)) {
        return "bzip2- or xz-compressed: decompress it first (gzip and zstd are read as they are)";
    }
    if (starts(head, len, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)) {
        return "an Office 97-2003 file (.xls, .msg, .doc), not an export: save a workbook as "
               "CSV UTF-8";
    }
    if (starts(head, len, "ElfFile\x00", 8)) {
        return "a Windows event log (.evtx), not Microsoft 365 or Entra ID evidence";
    }
    if (starts(head, len, "!BDN", 4)) {
        return "an Outlook data file (.pst/.ost), not an audit log";
    }
    if (starts(head, len, "SQLite format 3\x00", 16)) {
        return "an SQLite database, not an export";
    }
    if (starts(head, len, "%PDF-", 5)) {
        return "a PDF document, not an export";
    }
    return NULL;
}

/* Files that sit beside the logs in an evidence folder and are no evidence: what the file list
 * says of them (its own line of NOT READ tells what to do); NULL for anything else. Named in a
 * note: nothing in them was lost. */
static const char *companion_file(const char *path, const char *head, size_t len)
{
    /* Its marker sits near the end, past any head we look at, unless the file is small. */
    size_t pl = path ? strlen(path) : 0;
    if ((pl > 5 && strcasecmp(path + pl - 5, ".mmdb") == 0 && len && memchr(head, '\0', len)) ||
        m365_bytes_hold(head, len, "\xAB\xCD\xEFMaxMind.com")) {
        return "not evidence: a MaxMind DB file, an ASN or city database (give it with --asn-db "
               "or --geo-db)";
    }
    struct m365_sniff_keys k;
    if (m365_sniff_json_keys(head, len, &k) && !k.wrapper && !k.in_array) {
        if (m365_sniff_keys_has(&k, "changeNumber") && m365_sniff_keys_has(&k, "cloud") &&
            m365_sniff_keys_has(&k, "values")) {
            return "not evidence: Microsoft's Azure IP ranges and service tags (give it with "
                   "--ip-ranges)";
        }
        if (m365_sniff_keys_has(&k, "schema_version") && m365_sniff_keys_has(&k, "generator") &&
            m365_bytes_hold(head, len, "\"m365hunt simulate\"")) {
            return "not evidence: the ground truth of a tenant m365hunt simulate wrote";
        }
        return NULL;
    }
    if (m365_enrich_range_list_text(head, len)) {
        return "not evidence: a list of address ranges (give it with --ip-ranges or "
               "--trusted-ips)";
    }
    return NULL;
}

/* Why nothing matched: said to the user instead of skipping the file silently. */
static const char *no_format_reason(const char *head, size_t len, bool whole)
{
    size_t i = skip_space(head, 0, len);
    if (len == 0) {
        return "file is empty";
    }
    if (i == len) {
        _Static_assert(M365_MAX_LEADING_SPACE == 16u << 20, "the message names the limit");
        return whole ? "file holds only white space"
                     : "no text in its first 16 MiB, only white space (not looked at further)";
    }
    const char *kind = known_binary(head, len);
    if (kind) {
        return kind;
    }
    if (memchr(head, '\0', len)) {
        return "binary data (not a text export; an unsupported archive or compression?)";
    }
    /* Snapshot files are routed to the snapshot reader as they are opened (is_snapshot_file),
     * except standard input and pipes, which can be read only once. */
    if (m365_snap_sniff(head, len)) {
        return "a tenant snapshot file on standard input or a pipe: give the path of a regular "
               "file instead (snapshot files are read from files and folders)";
    }
    if (head[i] == '{' || head[i] == '[') {
        struct m365_sniff_keys k;
        if (m365_sniff_json_keys(head, len, &k) && k.wrapper &&
            strcmp(k.wrapper, "Results") == 0) {
            /* A hunting response is read through its rows; these were none the readers know. */
            return "a Defender advanced hunting response whose rows are not table rows with "
                   "Timestamp, ActionType and ReportId (a projection?): query CloudAppEvents "
                   "with its RawEventData column";
        }
        return "JSON, but not Unified Audit Log, Graph, Log Analytics, Azure Monitor or "
               "Defender records (no recognised fields in the first records)";
    }
    return "text whose header matches no known CSV export (Purview audit search or Log "
           "Analytics)";
}

static void account(struct m365_source_stats *st, const struct m365_file_stats *fs)
{
    st->n_files++;
    st->records_read += fs->records_read;
    st->parsed += fs->parsed;
    st->skipped += fs->skipped;
    st->duplicates += fs->duplicates;
}

static void span_reset(int64_t span[][2])
{
    for (int l = 0; l < M365_LOG__COUNT; l++) {
        span[l][0] = span[l][1] = INT64_MIN;
    }
}

/* One file's spans per log source go to the coverage lists; an Azure Monitor storage blob
 * (".../h=02/m=00/PT1H.json") covers its whole hour. */
static bool cover_add(struct m365_scan *s, const char *path, int64_t span[][2])
{
    bool ok = true;
    int64_t hour;
    bool blob = m365_path_hour(path, &hour);
    for (int l = 0; l < M365_LOG__COUNT; l++) {
        if (span[l][0] != INT64_MIN) {
            if (blob) {
                m365_span_hold_hour(hour, &span[l][0], &span[l][1]);
            }
            ok &= m365_intervals_add(&s->cover[l], span[l][0], span[l][1]);
        }
    }
    span_reset(span);
    return ok;
}

/* A span [*first, *last] (INT64_MIN while empty) grown to hold t. */
static void widen_span(int64_t *first, int64_t *last, int64_t t)
{
    if (t == M365_TIME_NONE) {
        return;
    }
    if (*first == INT64_MIN || t < *first) {
        *first = t;
    }
    if (*last == INT64_MIN || t > *last) {
        *last = t;
    }
}

static void widen(struct m365_source_stats *st, int64_t t)
{
    widen_span(&st->first_ms, &st->last_ms, t);
}

static void unit_stop(struct m365_read_unit *u, enum m365_status st, const char *msg)
{
    if (!u->stop_msg) {
        u->stop_msg = strdup(msg);
        u->stop_st = st;
    }
}

/* The reader whose sniffer scores head highest; NULL when none knows it. */
static const struct m365_reader *best_sniff(const char *head, size_t hlen, bool json_only)
{
    const struct m365_reader *rd = NULL;
    int best = 0;
    for (size_t i = 0; i < m365_n_readers_registered; i++) {
        if (json_only && !m365_readers[i]->json_records) {
            continue;
        }
        int sc = m365_readers[i]->sniff(head, hlen);
        if (sc > best) {
            best = sc;
            rd = m365_readers[i];
        }
    }
    return rd;
}

#define SNIFF_MORE_LINES 8u

static const struct m365_reader *choose_reader(struct m365_scan *s, const char *head,
                                               size_t hlen)
{
    if (s->opts.input_format) {
        return m365_reader_find(s->opts.input_format);
    }
    const struct m365_reader *rd = best_sniff(head, hlen, false);
    /* A JSON Lines export whose first line is cut or damaged (a file split or copied mid-record)
     * is still that export: the next lines are asked too, by the readers of JSON records only,
     * which report the bad lines and read on (a CSV reader would take the wrong header).
     * Binary data stays unread, whatever text it holds. */
    size_t at = skip_space(head, 0, hlen);
    bool text = rd || !memchr(head, '\0', hlen);
    for (unsigned k = 0; !rd && text && k < SNIFF_MORE_LINES; k++) {
        const char *nl = memchr(head + at, '\n', hlen - at);
        if (!nl) {
            break;
        }
        at = skip_space(head, (size_t)(nl - head) + 1, hlen); /* blank lines are not tries */
        rd = best_sniff(head + at, hlen - at, true);
    }
    return rd;
}

/* Text a tenant snapshot file holds: its first record is a snapshot object, or no log reader
 * recognises its first bytes and they carry members only snapshot objects have. */
static bool is_snapshot_text(const char *head, size_t hlen)
{
    int snap = m365_snap_sniff(head, hlen);
    bool log = false;
    for (size_t r = 0; r < m365_n_readers_registered && snap == 1 && !log; r++) {
        log = m365_readers[r]->sniff(head, hlen) > 0;
    }
    return snap == 2 || (snap == 1 && !log);
}

/* A tenant snapshot file, for the snapshot reader rather than the log readers, which reads it
 * again: a regular file or a ZIP member. Standard input and pipes can be read only once. */
static bool is_snapshot_file(const struct m365_input *in, const struct file_entry *f,
                             const char *head, size_t hlen)
{
    return (m365_input_is_regular(in) || f->archive_len) && is_snapshot_text(head, hlen);
}

/* A file, or a tar or 7-Zip member, from its first byte. */
static struct m365_input *open_whole(const struct m365_scan *s, const struct file_entry *f,
                                     size_t read_chunk, const char **err)
{
    if (f->window) {
        return m365_input_open_window(f->window_fd, f->window_off, f->size,
                                      (enum m365_compression)f->window_comp, &s->opts.limits,
                                      read_chunk, err);
    }
    return m365_input_open(f->path, &s->opts.limits, read_chunk, err);
}

/* Part u of a file, or of a tar or 7-Zip member, read in parts. */
static struct m365_input *open_part(const struct m365_scan *s, const struct file_entry *f,
                                    const struct m365_read_unit *u, const char **err)
{
    if (f->window) {
        return m365_input_open_window_part(f->window_fd, f->window_off, f->size,
                                           (enum m365_compression)f->window_comp,
                                           &s->opts.limits, s->opts.read_chunk, u->start, u->end,
                                           err);
    }
    return m365_input_open_range(f->path, &s->opts.limits, s->opts.read_chunk, u->start, u->end,
                                 err);
}

static struct m365_input *open_member(struct m365_scan *s, struct m365_zip_cache *zc,
                                      const struct file_entry *f, const char **err)
{
    struct m365_zip *z = m365_zip_cache_open(zc, f->path, f->archive_len, f->archive_file,
                                             s->opts.zip_passwords, s->opts.n_zip_passwords, err);
    return z ? m365_input_open_member(z, f->member, &s->opts.limits, s->opts.read_chunk, err)
             : NULL;
}

/* Reads one unit into its own store, statistics and diagnostic list (any thread). File-level
 * outcomes (cannot open, no format) are recorded as the unit's stop reason or file stats. */
static void read_unit(struct m365_scan *s, struct m365_read_unit *u, struct m365_json *json,
                      struct m365_arena *arena, struct m365_detail_memo *details,
                      struct evslab *slab, struct m365_zip_cache *zc)
{
    u->slab = slab;
    struct file_entry *f = &s->files[u->file];
    struct m365_file_stats *st = &u->st;
    const char *err = NULL;
    if (u->hash_only) {
        /* The parts cannot hash the file: SHA-256 runs from the first byte to the last. */
        struct m365_input *hin = open_whole(s, f, 0, &err);
        if (hin) {
            m365_input_hash(hin);
            m365_input_sha256(hin, st->sha256);
            m365_input_close(hin);
        }
        return;
    }
    struct m365_input *in = f->archive_len && !f->window ? open_member(s, zc, f, &err)
                            : u->ranged ? open_part(s, f, u, &err)
                                        : open_whole(s, f, s->opts.read_chunk, &err);
    if (!in) {
        char msg[256];
        snprintf(msg, sizeof(msg), "cannot open: %s", err ? err : "unknown error");
        struct m365_diag d = {M365_DIAG_ERROR, M365_E_IO, f->path, 0, NULL, msg};
        m365_scan_unit_diag(u, &d);
        st->status = M365_E_IO;
        st->error = f->archive_len && err && strncmp(err, "encrypted", 9) == 0
                        ? "encrypted: not opened"
                        : "cannot be opened";
        u->unread = true;
        return;
    }
    if (s->opts.hash_files && !u->ranged) {
        m365_input_hash(in);
    }
    const char *head;
    size_t hlen;
    if (m365_input_peek(in, &head, &hlen) != 0) {
        struct m365_diag d = {M365_DIAG_ERROR, M365_E_NOMEM, f->path, 0, NULL, "out of memory"};
        m365_scan_unit_diag(u, &d);
        st->status = M365_E_NOMEM;
        st->error = "out of memory";
        m365_input_close(in);
        return;
    }
    st->compression = m365_compression_name(m365_input_compression(in));
    st->encoding = m365_encoding_name(m365_input_encoding(in));
    /* --input-format reads every input as that format, snapshot files too. */
    if (!u->ranged && !s->opts.input_format && is_snapshot_file(in, f, head, hlen)) {
        u->snapshot = true;
        if (s->opts.hash_files) {
            m365_input_sha256(in, st->sha256);
        }
        /* Its size at open: the snapshot loader reads it again, whole. */
        st->bytes = s->opts.hash_files ? m365_input_bytes_in(in) : m365_input_size(in);
        m365_input_close(in);
        return;
    }
    /* A snapshot file on standard input or a pipe is named, not read as a log by a reader that
     * claims its objects (a Graph users page looks like sign-ins to the Graph reader). */
    bool unreachable_snapshot =
        !u->ranged && !m365_input_is_regular(in) && is_snapshot_text(head, hlen);
    const struct m365_reader *rd =
        u->rd ? u->rd
        : unreachable_snapshot || m365_tar_bytes(head, hlen) ? NULL
                                                             : choose_reader(s, head, hlen);
    enum m365_status ist;
    const char *ierr = m365_input_error(in, &ist);
    if (!rd) {
        const char *companion = ierr ? NULL : companion_file(f->path, head, hlen);
        const char *why = ierr        ? ierr
                          : companion ? companion
                                      : no_format_reason(head, hlen, m365_input_peek_all(in));
        if (!ierr && f->archive_len && m365_zip_bytes(head, hlen) &&
            !m365_zip_office_bytes(head, hlen)) {
            why = f->window ? "a ZIP archive inside a tar or 7-Zip archive, not opened (members "
                              "named *.zip are): extract the outer one and scan the folder"
                  : f->archive_file ? "a ZIP archive inside an archive inside an archive: extract "
                                      "the outer ones and scan the folder"
                                  : "a ZIP archive inside the archive, not opened (members "
                                    "named *.zip are): extract the outer one and scan the "
                                    "folder";
        }
        if (!ierr && f->archive_len && m365_tar_bytes(head, hlen)) {
            why = "a tar or 7-Zip archive inside an archive, not opened: extract the outer one "
                  "and scan the folder";
        }
        char msg[320];
        snprintf(msg, sizeof(msg), "not read: %s", why);
        struct m365_diag d = {companion ? M365_DIAG_NOTE : M365_DIAG_ERROR,
                              ierr ? ist : M365_E_FORMAT, f->path, 0, NULL, msg};
        m365_scan_unit_diag(u, &d);
        u->unread = true;
        st->status = ierr ? ist : M365_E_FORMAT;
        st->error = ierr        ? "cannot be decoded"
                    : companion ? companion
                                : "matches no known format";
        st->why = ierr ? NULL : why;
        if (s->opts.hash_files) {
            m365_input_sha256(in, st->sha256);
        }
        st->bytes = m365_input_bytes_in(in);
        m365_input_close(in);
        return;
    }
    st->reader = rd->name;
    struct m365_read_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.scan = s;
    ctx.unit = u;
    ctx.in = in;
    ctx.path = m365_intern(&s->intern, f->path, strlen(f->path));
    if (!ctx.path) {
        ctx.path = f->path; /* over the distinct-value limit: the file's own copy lives as long */
    }
    ctx.file_index = u->file;
    ctx.fs = st;
    ctx.json = json;
    ctx.lim = &s->opts.limits;
    ctx.intern = &s->intern;
    ctx.arena = arena;
    ctx.details = details;
    ctx.force_lines = u->ranged;
    rd->read(&ctx);
    m365_evb_free(ctx.evb);
    evstore_trim(&u->store, &s->evregion, u->slab);
    u->slab = NULL;
    u->n_ctx_diags = ctx.n_diags;
    ierr = m365_input_error(in, &ist);
    if (ierr) {
        char msg[320];
        snprintf(msg, sizeof(msg), "reading stopped: %s", ierr);
        unit_stop(u, ist, msg);
        st->status = ist;
        st->error = ist == M365_E_LIMIT ? "limit reached" : "cannot be fully decoded";
    }
    if (s->opts.hash_files && !u->ranged) {
        m365_input_sha256(in, st->sha256);
    }
    st->bytes = m365_input_bytes_in(in);
    u->newlines = m365_input_newlines(in);
    m365_input_close(in);
}

/* A large plain JSON Lines file is read in parts, split after newlines near equal offsets:
 * every newline of such a file ends a record, so the parts frame exactly as the whole would. */
static size_t plan_parts(struct m365_scan *s, struct file_entry *f, uint64_t split,
                         const struct m365_reader **rd_out, uint64_t *bounds, size_t max_parts)
{
    uint64_t size = f->size; /* as queued; 0 unless a regular file or an archive member */
    if (size < 2 * split || (f->archive_len && !f->window)) {
        return 1; /* a ZIP member is read from its first byte */
    }
    const char *err = NULL;
    struct m365_input *in = open_whole(s, f, 0, &err);
    if (!in) {
        return 1;
    }
    const char *head;
    size_t hlen;
    enum m365_status ist;
    const struct m365_reader *rd = NULL;
    enum m365_compression comp = m365_input_compression(in); /* a member's: its archive's */
    bool ok = m365_input_peek(in, &head, &hlen) == 0 && !m365_input_error(in, &ist) &&
              (comp == M365_COMP_NONE || (f->window && comp == f->window_comp)) &&
              (m365_input_encoding(in) == M365_ENC_UTF8 ||
               m365_input_encoding(in) == M365_ENC_UTF8_BOM) &&
              (rd = choose_reader(s, head, hlen)) != NULL && rd->json_records &&
              !m365_snap_sniff(head, hlen) && m365_json_records_lines_mode(in);
    m365_input_close(in);
    if (!ok) {
        return 1;
    }
    /* A member's bytes lie in its archive (or the file it was unpacked to) from window_off. */
    int fd = f->window ? f->window_fd : open(f->path, O_RDONLY | O_CLOEXEC);
    uint64_t base = f->window ? f->window_off : 0;
    if (fd < 0) {
        return 1;
    }
    size_t want = (size_t)(size / split);
    if (want > max_parts) {
        want = max_parts;
    }
    size_t n = 0;
    uint64_t prev = 0;
    char buf[1 << 16];
    for (size_t k = 1; k < want; k++) {
        uint64_t target = size / want * k;
        if (target <= prev) {
            continue;
        }
        uint64_t pos = target - 1, cut = 0;
        ssize_t got;
        while (!cut && pos < size &&
               (got = pread(fd, buf, (size_t)(size - pos < sizeof(buf) ? size - pos : sizeof(buf)),
                            (off_t)(base + pos))) > 0) {
            const char *nl = memchr(buf, '\n', (size_t)got);
            if (nl) {
                cut = pos + (uint64_t)(nl - buf) + 1;
            }
            pos += (uint64_t)got;
        }
        if (!cut || cut >= size) {
            break;
        }
        bounds[n++] = cut;
        prev = cut;
    }
    if (!f->window) {
        close(fd);
    }
    *rd_out = rd;
    return n + 1;
}

static struct m365_read_unit *add_unit(struct m365_scan *s, uint32_t file)
{
    if (s->n_units == s->cap_units) {
        size_t nc = s->cap_units ? s->cap_units * 2 : 16;
        struct m365_read_unit *nu = realloc(s->units, nc * sizeof(*nu));
        if (!nu) {
            return NULL;
        }
        s->units = nu;
        s->cap_units = nc;
    }
    struct m365_read_unit *u = &s->units[s->n_units++];
    memset(u, 0, sizeof(*u));
    u->scan = s;
    u->file = file;
    u->st.first_ms = u->st.last_ms = INT64_MIN;
    return u;
}

static enum m365_status plan_units(struct m365_scan *s, unsigned threads)
{
    uint64_t split = s->opts.split_bytes ? s->opts.split_bytes : DEFAULT_SPLIT_BYTES;
    uint64_t *bounds = malloc(MAX_PARTS_PER_FILE * sizeof(*bounds));
    if (!bounds) {
        return M365_E_NOMEM;
    }
    for (uint32_t i = 0; i < s->n_files; i++) {
        struct file_entry *f = &s->files[i];
        f->first_unit = (uint32_t)s->n_units;
        if (f->st.status != M365_OK) {
            continue; /* reported when it was queued */
        }
        const struct m365_reader *rd = NULL;
        size_t parts = threads > 1 ? plan_parts(s, f, split, &rd, bounds, MAX_PARTS_PER_FILE) : 1;
        for (size_t k = 0; k < parts; k++) {
            struct m365_read_unit *u = add_unit(s, i);
            if (!u) {
                free(bounds);
                return M365_E_NOMEM;
            }
            u->part = (uint32_t)k;
            if (parts > 1) {
                u->ranged = true;
                u->rd = rd;
                u->start = k ? bounds[k - 1] : 0;
                u->end = k + 1 < parts ? bounds[k] : UINT64_MAX;
            }
        }
        if (parts > 1 && s->opts.hash_files) {
            struct m365_read_unit *u = add_unit(s, i);
            if (!u) {
                free(bounds);
                return M365_E_NOMEM;
            }
            u->hash_only = true;
        }
        f->n_units = (uint32_t)(s->n_units - f->first_unit);
    }
    free(bounds);
    return M365_OK;
}

/* Emits a unit's diagnostics with line numbers of the whole file; the per-file cap counts
 * across the file's parts exactly as one reader would. */
static void flush_unit_diags(struct m365_scan *s, struct m365_read_unit *u, uint64_t line_base,
                             uint32_t *file_emitted)
{
    for (size_t i = 0; i < u->n_diags; i++) {
        struct m365_diag d = u->diags[i].d;
        if (d.level != M365_DIAG_ERROR) { /* the reader's, not the file's */
            if (*file_emitted >= M365_MAX_DIAG_PER_FILE) {
                continue;
            }
            (*file_emitted)++;
        }
        if (d.line) {
            d.line += line_base;
        }
        m365_scan_emit_diag(s, &d);
    }
}

/* The files a file is counted with when not read: an archive's members, else a folder's files
 * (the length of the archive's path or of the folder's at the start of its path). */
static size_t unread_group_len(const struct file_entry *f)
{
    if (f->archive_len) {
        return f->archive_len;
    }
    const char *slash = strrchr(f->path, '/');
    return slash ? (size_t)(slash - f->path) : 0;
}

/* Names once the files of the run past the first M365_UNREAD_FILES_NAMED. */
static void end_unread_run(struct m365_scan *s)
{
    if (s->unread_run.n > M365_UNREAD_FILES_NAMED) {
        const struct file_entry *f = &s->files[s->unread_run.file];
        const char *why = s->unread_run.why;
        const char *what = "were not read";
        if (strncmp(why, "cannot open: ", 13) == 0) {
            why += 13;
            what = "cannot be opened";
        } else if (strncmp(why, "not read: ", 10) == 0) {
            why += 10;
        }
        char msg[480];
        uint64_t more = s->unread_run.n - M365_UNREAD_FILES_NAMED;
        snprintf(msg, sizeof(msg), "%llu more %s%s %safter these %s, for the same reason (each "
                 "listed in the report): %s",
                 (unsigned long long)more, f->archive_len ? "member" : "file",
                 more == 1 ? "" : "s", f->archive_len ? "" : "in this folder ", what, why);
        size_t g = unread_group_len(f);
        char *group = g ? strndup(f->path, g) : strdup(".");
        diag(s, s->unread_run.level, s->unread_run.code, group ? group : f->path, msg);
        free(group);
    }
    s->unread_run.n = 0;
}

/* Whether the file's messages are emitted (true), or the file, not read, is only counted in the
 * run of its archive's members, or its folder's files, not read for the same reason. Every
 * other file ends the run. */
static bool unread_named(struct m365_scan *s, uint32_t fi)
{
    const struct file_entry *f = &s->files[fi];
    const struct m365_read_unit *u = &s->units[f->first_unit];
    bool unread = f->n_units == 1 && u->unread && u->n_diags == 1;
    if (unread && s->unread_run.n) {
        const struct file_entry *r = &s->files[s->unread_run.file];
        size_t g = unread_group_len(f);
        if (r->archive_len == f->archive_len && unread_group_len(r) == g &&
            memcmp(r->path, f->path, g) == 0 &&
            s->unread_run.level == u->diags[0].d.level &&
            strcmp(s->unread_run.why, u->diags[0].d.msg) == 0) {
            return ++s->unread_run.n <= M365_UNREAD_FILES_NAMED;
        }
    }
    end_unread_run(s);
    if (unread) {
        s->unread_run.file = fi;
        s->unread_run.n = 1;
        s->unread_run.level = u->diags[0].d.level;
        s->unread_run.code = u->diags[0].d.code;
        snprintf(s->unread_run.why, sizeof(s->unread_run.why), "%s", u->diags[0].d.msg);
    }
    return true;
}

/* File-level accounting and messages once all of a file's units are read. */

/* What each m365_unit_note says of the file, and what to do. */
static const struct {
    const char *what, *why;
} unit_notes[M365_NOTE_N] = {
    [M365_NOTE_FLATTENED] = {"are PowerShell's text for an object (\"@{...}\", "
                             "\"System.Object[]\", \"Microsoft.Graph.PowerShell.Models...\")",
                             "ConvertTo-Json stopped at its depth limit (2 unless -Depth is "
                             "given), so what they held (sign-in status, authentication steps, "
                             "parameters...) is not in this file; export again with -Depth 10"},
    [M365_NOTE_CUT] = {"end at 32,767 characters, the most a spreadsheet cell holds, with their "
                       "JSON unfinished",
                       "the file was opened and saved in Excel or another spreadsheet, which cut "
                       "longer cells, so what they held is not whole (a record whose AuditData "
                       "was cut is skipped; a cut detail of a row is left out); read the export "
                       "as it was downloaded"},
    [M365_NOTE_MINUTES] = {"are times to the minute only (\"3/2/2026 10:05\")",
                           "a spreadsheet's display of a date, which Excel writes when it saves "
                           "a CSV file: the seconds are lost, so records of one minute keep the "
                           "file's order and the time between them is not known; read the "
                           "export as it was downloaded"},
    [M365_NOTE_BAD_JSON] = {"hold JSON text that does not parse",
                            "what they held (a sign-in's location or steps, an audit record's "
                            "targets or details...) is left out of their records, which are read "
                            "without it"},
};

static void finish_file(struct m365_scan *s, uint32_t fi)
{
    struct file_entry *f = &s->files[fi];
    if (!f->n_units) {
        return;
    }
    bool named = unread_named(s, fi);
    uint64_t line_base = 0;
    uint32_t emitted = 0, raised = 0;
    struct m365_read_unit *first = &s->units[f->first_unit];
    if (first->snapshot) {
        /* Counted, and its progress reported, by load_snapshot. */
        f->snapshot = true;
        f->st.compression = first->st.compression;
        f->st.encoding = first->st.encoding;
        f->st.bytes = first->st.bytes;
        memcpy(f->st.sha256, first->st.sha256, sizeof(f->st.sha256));
        return;
    }
    f->st.reader = first->st.reader;
    f->st.compression = first->st.compression;
    f->st.encoding = first->st.encoding;
    memcpy(f->st.sha256, first->st.sha256, sizeof(f->st.sha256));
    const char *stop = NULL;
    enum m365_status stop_st = M365_OK;
    uint64_t recoded = 0, notes[M365_NOTE_N] = {0}, note_line[M365_NOTE_N] = {0};
    for (uint32_t k = 0; k < f->n_units; k++) {
        struct m365_read_unit *u = &s->units[f->first_unit + k];
        if (u->hash_only) {
            memcpy(f->st.sha256, u->st.sha256, sizeof(f->st.sha256));
            continue;
        }
        u->line_base = line_base;
        if (named) {
            flush_unit_diags(s, u, line_base, &emitted);
        }
        f->st.parts++;
        raised += u->n_ctx_diags;
        line_base += u->newlines;
        f->st.parsed += u->st.parsed;
        f->st.skipped += u->st.skipped;
        f->st.untimed += u->st.untimed;
        recoded += u->recoded;
        for (int n = 0; n < M365_NOTE_N; n++) {
            if (u->notes[n].n && !notes[n]) {
                note_line[n] = u->notes[n].line ? u->notes[n].line + u->line_base : 0;
            }
            notes[n] += u->notes[n].n;
        }
        f->st.bytes += u->st.bytes;
        if (u->st.status != M365_OK && f->st.status == M365_OK) {
            f->st.status = u->st.status;
            f->st.error = u->st.error;
            f->st.why = u->st.why;
        }
        if (u->stop_msg && !stop) {
            stop = u->stop_msg;
            stop_st = u->stop_st;
        }
    }
    if (raised > M365_MAX_DIAG_PER_FILE) {
        char msg[160];
        snprintf(msg, sizeof(msg), "%u more problems in this file not shown",
                 raised - M365_MAX_DIAG_PER_FILE);
        diag(s, M365_DIAG_WARNING, M365_E_PARSE, f->path, msg);
    }
    if (stop) {
        diag(s, M365_DIAG_ERROR, stop_st, f->path, stop);
    }
    if (f->st.reader) {
        if (f->st.untimed) {
            char msg[200];
            snprintf(msg, sizeof(msg),
                     "%llu record(s) carry no timestamp; kept with an unknown time (not placed "
                     "on the timeline)",
                     (unsigned long long)f->st.untimed);
            diag(s, M365_DIAG_WARNING, M365_E_PARSE, f->path, msg);
        }
        for (int n = 0; n < M365_NOTE_N; n++) {
            if (!notes[n]) {
                continue;
            }
            char msg[600], at[48] = "";
            if (note_line[n]) {
                snprintf(at, sizeof(at), " (the first at line %llu)",
                         (unsigned long long)note_line[n]);
            }
            snprintf(msg, sizeof(msg), "%llu value(s) %s%s: %s", (unsigned long long)notes[n],
                     unit_notes[n].what, at, unit_notes[n].why);
            diag(s, M365_DIAG_WARNING, M365_E_PARSE, f->path, msg);
        }
        if (recoded) {
            char msg[300];
            snprintf(msg, sizeof(msg),
                     "%llu record(s) are not UTF-8 and were read as Windows-1252 (Excel's \"CSV "
                     "(Comma delimited)\", Windows PowerShell's -Encoding Default): check names "
                     "with accents against the source",
                     (unsigned long long)recoded);
            diag(s, M365_DIAG_WARNING, M365_E_PARSE, f->path, msg);
        }
        if (f->st.parsed + f->st.skipped == 0 && !stop) {
            diag(s, M365_DIAG_WARNING, M365_E_FORMAT, f->path, "no records in this file");
        }
    }
    s->bytes_done += f->st.bytes;
    if (s->opts.on_progress) {
        s->opts.on_progress(s->bytes_done, s->bytes_total, s->opts.progress_user);
    }
}

struct pool {
    struct m365_scan *s;
    _Atomic size_t next;
    _Atomic size_t wake_at; /* the unit whose completion the finishing thread waits for */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool failed; /* a worker could not start its parser */
};

/* The finishing thread waits for a unit this far ahead of the one it needs next, so that it is
 * woken once per batch of small files rather than once per file (ten thousand context switches
 * on two cores for a 1 GiB export of 100 KB files). */
#define WAKE_AHEAD 64u

struct worker {
    struct pool *pool;
    struct m365_arena *arena;
    struct evslab slab;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;
    struct m365_scan *s = p->s;
    struct m365_json *json =
        m365_json_new(s->opts.limits.max_record_bytes, s->opts.limits.max_json_depth);
    struct m365_detail_memo *details = m365_detail_memo_new();
    struct m365_zip_cache zc = {0};
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= s->n_units) {
            break;
        }
        struct m365_read_unit *u = &s->units[i];
        if (json) {
            read_unit(s, u, json, w->arena, details, &w->slab, &zc);
        } else {
            struct m365_diag d = {M365_DIAG_ERROR, M365_E_NOMEM, s->files[u->file].path, 0, NULL,
                                  "out of memory"};
            m365_scan_unit_diag(u, &d);
            u->st.status = M365_E_NOMEM;
            u->st.error = "out of memory";
        }
        atomic_store(&u->done, true);
        /* Seen after the store of done: a finishing thread that published this unit before it
         * looked at done is woken; one that published it later saw done itself. */
        if (atomic_load(&p->wake_at) == i) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_broadcast(&p->cv);
            pthread_mutex_unlock(&p->mu);
        }
    }
    m365_zip_cache_close(&zc);
    m365_detail_memo_free(details);
    m365_json_free(json);
    return NULL;
}

unsigned m365_scan_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : n > (long)MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

/* Room in the file-order tables for `more` events. The de-duplication keys lie in a block with
 * room for the time sort's keys, which take it over once they are read (fresh memory costs page
 * faults). The first capacity is a guess from the input's size (pages never touched cost
 * nothing). */
static enum m365_status gather_room(struct m365_scan *s, size_t more)
{
    size_t need = s->n_events + more;
    if (need <= s->cap_events) {
        return M365_OK;
    }
    size_t cap = s->cap_events;
    if (!cap) {
        uint64_t guess = s->bytes_total / 512;
        cap = guess > 4096 && guess < ((size_t)1 << 28) ? (size_t)guess : 4096;
    }
    while (cap < need) {
        cap *= 2;
    }
    _Static_assert(sizeof(struct m365_time_key) >= sizeof(*s->keys),
                   "the sort's keys fit where the de-duplication keys were");
    struct m365_packed **all = realloc(s->all, cap * sizeof(*all));
    if (!all) {
        return M365_E_NOMEM;
    }
    s->all = all;
    uint64_t *keys = realloc(s->keys, cap * sizeof(struct m365_time_key));
    if (!keys) {
        return M365_E_NOMEM;
    }
    s->keys = keys;
    s->cap_events = cap;
    return M365_OK;
}

/* File fi's events join the file-order tables, as soon as the file is read and finished (the
 * main thread does it while the workers read on, with the events lately written): their
 * places and de-duplication keys, their lines and offsets made the file's for a file read in
 * parts. Files come in order, every one, so each file's events follow the last file's. */
static void gather_file(struct m365_scan *s, uint32_t fi)
{
    struct file_entry *f = &s->files[fi];
    f->first_event = s->n_events;
    size_t more = 0;
    for (uint32_t p = 0; p < f->n_units; p++) {
        more += s->units[f->first_unit + p].store.n;
    }
    if (s->gather_st == M365_OK && more) {
        s->gather_st = gather_room(s, more);
    }
    /* Offsets are in the decoded stream, which starts after a byte-order mark. */
    uint64_t bom = f->st.encoding && strcmp(f->st.encoding, "utf-8-bom") == 0 ? 3 : 0;
    size_t k = s->n_events;
    for (uint32_t p = 0; p < f->n_units; p++) {
        struct m365_read_unit *u = &s->units[f->first_unit + p];
        uint64_t off_base = u->ranged && u->start ? u->start - bom : 0;
        size_t i = 0;
        for (size_t ck = 0; s->gather_st == M365_OK && ck < u->store.n_chunks; ck++) {
            const struct evchunk *c = &u->store.chunks[ck];
            for (size_t at = 0; at < c->used; i++) {
                struct m365_packed *ev = (struct m365_packed *)(void *)(c->p + at);
                at += (size_t)ev->words * 8;
                if (u->ranged && u->start && !m365_packed_rebase(ev, u->line_base, off_base)) {
                    s->gather_st = M365_E_INTERNAL; /* a line beyond the bytes before it */
                    break;
                }
                s->all[k] = ev;
                s->keys[k] = u->store.keys[i];
                spill_tick(s, ++k);
            }
        }
        free(u->store.keys);
        u->store.keys = NULL;
    }
    s->n_events = k;
}

/* Reads every unit: on this thread when threads is 1, else on a pool. Files are finished, and
 * their messages emitted, in file order as their units complete. */
static enum m365_status read_units(struct m365_scan *s, unsigned threads)
{
    if (threads > s->n_units) {
        threads = s->n_units ? (unsigned)s->n_units : 1;
    }
    if (threads <= 1) {
        hash_archives(s);
        struct m365_json *json =
            m365_json_new(s->opts.limits.max_record_bytes, s->opts.limits.max_json_depth);
        if (!json) {
            return M365_E_NOMEM;
        }
        struct evslab slab = {NULL, 0, 0};
        struct m365_detail_memo *details = m365_detail_memo_new();
        struct m365_zip_cache zc = {0};
        for (uint32_t i = 0; i < s->n_files; i++) {
            struct file_entry *f = &s->files[i];
            for (uint32_t k = 0; k < f->n_units; k++) {
                read_unit(s, &s->units[f->first_unit + k], json, &s->arena, details, &slab, &zc);
            }
            finish_file(s, i);
            gather_file(s, i);
        }
        m365_zip_cache_close(&zc);
        m365_detail_memo_free(details);
        m365_json_free(json);
        return M365_OK;
    }
    s->thread_arenas = calloc(threads, sizeof(*s->thread_arenas));
    struct worker *ws = calloc(threads, sizeof(*ws));
    pthread_t *tids = calloc(threads, sizeof(*tids));
    if (!s->thread_arenas || !ws || !tids) {
        free(ws);
        free(tids);
        return M365_E_NOMEM;
    }
    s->n_thread_arenas = threads;
    struct pool p;
    memset(&p, 0, sizeof(p));
    p.s = s;
    atomic_init(&p.next, 0);
    atomic_init(&p.wake_at, SIZE_MAX);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    m365_intern_set_shared(&s->intern, true);
    unsigned started = 0;
    for (unsigned t = 0; t < threads; t++) {
        m365_arena_init(&s->thread_arenas[t], 1u << 20);
        m365_arena_use_region(&s->thread_arenas[t], &s->region);
        ws[t].pool = &p;
        ws[t].arena = &s->thread_arenas[t];
        if (pthread_create(&tids[t], NULL, worker_main, &ws[t]) == 0) {
            started++;
        } else {
            break;
        }
    }
    if (!started) {
        /* No thread could start: read here. */
        ws[0].pool = &p;
        worker_main(&ws[0]);
    }
    hash_archives(s); /* while the workers read */
    /* Finish files in order as they complete; report progress meanwhile. */
    for (uint32_t i = 0; i < s->n_files; i++) {
        struct file_entry *f = &s->files[i];
        for (uint32_t k = 0; k < f->n_units; k++) {
            size_t ui = f->first_unit + k;
            struct m365_read_unit *u = &s->units[ui];
            pthread_mutex_lock(&p.mu);
            while (!atomic_load(&u->done)) {
                size_t target = ui + WAKE_AHEAD < s->n_units ? ui + WAKE_AHEAD : s->n_units - 1;
                if (atomic_load(&s->units[target].done)) {
                    target = ui; /* the units ahead are read: this one is the slow one */
                }
                atomic_store(&p.wake_at, target);
                if (atomic_load(&s->units[target].done)) {
                    continue;
                }
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += 200 * 1000000L;
                if (ts.tv_nsec >= 1000000000L) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&p.cv, &p.mu, &ts);
                if (s->opts.on_progress && !atomic_load(&u->done)) {
                    uint64_t inflight = 0;
                    for (size_t j = f->first_unit; j < s->n_units; j++) {
                        inflight += atomic_load_explicit(&s->units[j].progress,
                                                         memory_order_relaxed);
                    }
                    s->opts.on_progress(s->bytes_done + inflight, s->bytes_total,
                                        s->opts.progress_user);
                }
            }
            pthread_mutex_unlock(&p.mu);
        }
        finish_file(s, i);
        gather_file(s, i);
    }
    for (unsigned t = 0; t < started; t++) {
        pthread_join(tids[t], NULL);
    }
    m365_intern_set_shared(&s->intern, false);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    free(ws);
    free(tids);
    return M365_OK;
}

/* Marks each event whose record (same id, same content) an earlier one in file order holds.
 * The table of event indexes lies in the keys' block, right after the keys, in the bytes the
 * time sort's keys take over later (16 an event, the keys 8): its pages are touched once for
 * both (fresh memory costs page faults). Two slots an event, so the table is at most half
 * full; a key picks its slot by its high half times the table's size (any size will do). */
static enum m365_status dedup(struct m365_scan *s, bool *dup)
{
    size_t n = s->n_events;
    _Static_assert(sizeof(struct m365_time_key) >= sizeof(uint64_t) + 2 * sizeof(uint32_t),
                   "two table slots an event fit beside the keys");
    size_t size = 2 * n; /* within the block: it has room for n_events <= cap_events keys */
    if (size > UINT32_MAX) {
        size = UINT32_MAX; /* the slot's arithmetic below is 64-bit; n < UINT32_MAX */
    }
    uint32_t *slots = (uint32_t *)(void *)(s->keys + n); /* event indexes fit: seq is 32-bit */
    for (size_t i = 0; i < size; i++) {
        slots[i] = UINT32_MAX;
    }
    /* The table is far larger than the caches and each event lands in a random slot: ask for
     * slots a few events ahead. */
    enum { AHEAD = 16 };
    const uint64_t *key = s->keys;
#define SLOT_OF(k) ((size_t)((((k) >> 32) * (uint64_t)size) >> 32))
    for (size_t i = 0; i < AHEAD && i < n; i++) {
        __builtin_prefetch(&slots[SLOT_OF(key[i])]);
    }
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD < n) {
            __builtin_prefetch(&slots[SLOT_OF(key[i + AHEAD])]);
        }
        dup[i] = false;
        spill_tick(s, i); /* the candidates' pages, in a spilled table */
        if (!key[i]) {
            continue; /* no record id */
        }
        size_t j = SLOT_OF(key[i]);
        while (slots[j] != UINT32_MAX) {
            char ga[M365_GUID_LEN + 1], gb[M365_GUID_LEN + 1];
            if (key[slots[j]] == key[i] &&
                strcmp(m365_packed_record_id(stored(s, slots[j]), &s->region, ga),
                       m365_packed_record_id(stored(s, i), &s->region, gb)) == 0) {
                dup[i] = true;
                break;
            }
            j = j + 1 == size ? 0 : j + 1;
        }
        if (!dup[i]) {
            slots[j] = (uint32_t)i;
        }
    }
#undef SLOT_OF
    return M365_OK;
}

/* The file holding event i (files hold consecutive events, in file order). */
static const struct file_entry *file_of_event(const struct m365_scan *s, size_t i)
{
    size_t lo = 0, hi = s->n_files;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->files[mid].first_event <= i) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return &s->files[lo];
}

/* Counts one more record of `second` whose id a `first` record has (found in file order). */
static void add_overlap(struct m365_scan *s, const char *first, const char *second,
                        const struct file_entry *f, const struct m365_packed *ev, const char *rid)
{
    for (size_t k = 0; k < s->n_overlaps; k++) {
        if (s->overlaps[k].first_format == first && s->overlaps[k].second_format == second) {
            s->overlaps[k].records++;
            return;
        }
    }
    struct m365_overlap *o =
        room_for_one(s->overlaps, s->n_overlaps, &s->cap_overlaps, sizeof(*s->overlaps), 4);
    char *id = strdup(rid);
    if (!o || !id) {
        free(id);
        return; /* out of memory: the warning is lost, not the scan */
    }
    s->overlaps = o;
    s->overlaps[s->n_overlaps++] =
        (struct m365_overlap){first, second, 1, f->st.path, m365_packed_line(ev), id};
}

/* Records kept in two formats under one id and log source (not the same text, or they would be
 * duplicates): one log handed over in two shapes, which the detections see twice. Looked for
 * only in the log sources read by more than one format (sign-ins from Graph and UAL records
 * from Purview are not), in the block of the de-duplication keys, spent now: a table keyed by
 * the id alone, each slot the event's index and 32 bits of its key, so that a probe reads
 * no other event but one with the same id. A record whose id an earlier one of its own format
 * has (ids reused by anonymised samples) is no overlap. */
static void find_overlaps(struct m365_scan *s, const bool *dup)
{
    const char *reader_of[M365_LOG__COUNT] = {NULL};
    uint32_t shared = 0;
    for (size_t i = 0; i < s->n_files; i++) {
        const struct file_entry *f = &s->files[i];
        uint32_t mask = 0;
        for (uint32_t u = 0; f->st.reader && u < f->n_units; u++) {
            mask |= s->units[f->first_unit + u].store.log_sources;
        }
        for (int l = 0; l < M365_LOG__COUNT; l++) {
            if (mask & 1u << l) {
                shared |= reader_of[l] && reader_of[l] != f->st.reader ? 1u << l : 0;
                reader_of[l] = reader_of[l] ? reader_of[l] : f->st.reader;
            }
        }
    }
    size_t n = s->n_events, size = 2 * n;
    if (!shared || size > UINT32_MAX) {
        return;
    }
    _Static_assert(sizeof(struct m365_time_key) >= 2 * sizeof(uint64_t),
                   "two 64-bit slots an event fit in the keys' block");
    uint64_t *slots = s->keys; /* the block holds n_events time keys */
    for (size_t i = 0; i < size; i++) {
        slots[i] = UINT64_MAX;
    }
    size_t fi = 0;
    for (size_t i = 0; i < n; i++) {
        while (fi + 1 < s->n_files && s->files[fi + 1].first_event <= i) {
            fi++;
        }
        spill_tick(s, i);
        const struct m365_packed *ev = stored(s, i);
        if (dup[i] || !(shared & log_bit(ev->log_source))) {
            continue;
        }
        char g[M365_GUID_LEN + 1], gc[M365_GUID_LEN + 1];
        const char *rid = m365_packed_record_id(ev, &s->region, g);
        if (!rid) {
            continue;
        }
        uint64_t h = m365_hash_mix(m365_hash_bytes(rid, strlen(rid), 0x0b) ^ ev->log_source);
        uint64_t tag = h << 32;
        size_t j = (size_t)(((h >> 32) * (uint64_t)size) >> 32);
        for (; slots[j] != UINT64_MAX; j = j + 1 == size ? 0 : j + 1) {
            if ((slots[j] & ~(uint64_t)UINT32_MAX) != tag) {
                continue;
            }
            const struct m365_packed *c = stored(s, (uint32_t)slots[j]);
            if (c->log_source == ev->log_source &&
                strcmp(m365_packed_record_id(c, &s->region, gc), rid) == 0) {
                break;
            }
        }
        if (slots[j] == UINT64_MAX) {
            slots[j] = tag | i;
            continue;
        }
        const char *first = file_of_event(s, (uint32_t)slots[j])->st.reader;
        if (first && s->files[fi].st.reader && first != s->files[fi].st.reader) {
            add_overlap(s, first, s->files[fi].st.reader, &s->files[fi], ev, rid);
        }
    }
    for (size_t k = 0; k < s->n_overlaps; k++) {
        const struct m365_overlap *o = &s->overlaps[k];
        char msg[512];
        snprintf(msg, sizeof(msg),
                 "%llu record%s read as %s %s the id of one read as %s, written another way "
                 "(this file's line %llu: %s): one log handed over in two shapes is seen twice "
                 "by the detections, and counts in findings may be doubled; give one export of "
                 "each log",
                 (unsigned long long)o->records, o->records == 1 ? "" : "s", o->second_format,
                 o->records == 1 ? "has" : "have", o->first_format,
                 (unsigned long long)o->line, o->record_id);
        diag(s, M365_DIAG_WARNING, M365_OK, o->file, msg);
    }
}

/* An event's kind as the detections take it: one they do not know is "other". */
static uint8_t kind_of(const struct m365_packed *ev)
{
    return ev->kind < M365_EV__COUNT ? ev->kind : (uint8_t)M365_EV_OTHER;
}

/* Sorts the pointer table by time, ties in file order (an event's place in it is its seq,
 * which unpacking hands out), and fills the table of kinds in that order: the keys are made
 * in file order, from the times at the start of `scratch` and the kinds in `kinds_in`, and
 * merge sorted. The sort reads no event: in time order, each read would be a cache miss (and,
 * spilled, a page that comes back many times over). */
static enum m365_status sort_events(struct m365_scan *s, void *scratch, const uint8_t *kinds_in)
{
    size_t n = s->n_sorted;
    struct m365_time_key *k = scratch; /* room for n_events keys */
    s->kinds = malloc(n ? n : 1);
    s->id_text = calloc(n ? n : 1, sizeof(*s->id_text)); /* pages of zeros until written */
    if (!k || !s->kinds || !s->id_text) {
        free(k);
        return M365_E_NOMEM;
    }
    /* The kept events' times lie at the block's start, 8 bytes each (m365_scan_run): key i
     * takes bytes 16i to 16i+16, the times of events 2i and 2i+1, so the keys are made from the
     * last down, each time read before a key is written over it. */
    _Static_assert(sizeof(*k) % sizeof(int64_t) == 0, "key i covers times i and up only");
    for (size_t i = n; i-- > 0;) {
        int64_t t;
        memcpy(&t, (const char *)scratch + i * sizeof(t), sizeof(t));
        k[i].time_ms = t;
        k[i].seq = (uint32_t)i;
        k[i].kind = kinds_in[i];
        memset(k[i].spare, 0, sizeof(k[i].spare));
    }
    if (m365_time_keys_sort(k, n) != 0) {
        free(k);
        return M365_E_NOMEM;
    }
    /* The pointers in order, written over the keys: slot j's bytes are key j/2's, read by then
     * (key j itself is read before slot j is written). */
    struct m365_packed **p = (struct m365_packed **)(void *)k;
    for (size_t j = 0; j < n; j++) {
        uint32_t at = k[j].seq;
        s->kinds[j] = k[j].kind;
        p[j] = s->sorted[at];
    }
    free((void *)s->sorted);
    struct m365_packed **shrunk = realloc(p, (n ? n : 1) * sizeof(*p));
    s->sorted = shrunk ? shrunk : p;
    return M365_OK;
}

static int reader_slot(struct m365_scan *s, const char *name)
{
    for (size_t i = 0; i < s->n_reader_stats; i++) {
        if (strcmp(s->reader_stats[i].name, name) == 0) {
            return (int)i;
        }
    }
    if (s->n_reader_stats == sizeof(s->reader_stats) / sizeof(s->reader_stats[0])) {
        return -1;
    }
    struct m365_source_stats *st = &s->reader_stats[s->n_reader_stats];
    memset(st, 0, sizeof(*st));
    st->name = name;
    st->first_ms = st->last_ms = INT64_MIN;
    return (int)s->n_reader_stats++;
}

/* The tenant id most events carry (ties: the smallest id, for determinism), counted while
 * the kept events are gathered in file order: runs of one id (most evidence is one tenant's),
 * then runs of equal ids added up. */
struct tenant_runs {
    struct tenant_run {
        const char *id;
        size_t n;
    } *v;
    size_t n, cap;
    bool failed;
};

static void tenant_count(struct m365_scan *s, struct tenant_runs *tr, const struct m365_packed *ev)
{
    if (tr->failed) {
        return;
    }
    const char *t = m365_packed_tenant_id(ev, &s->region);
    /* A sign-in's tenant is the resource's (another tenant's, for a guest's sign-in there). */
    if (!t || ev->log_source == M365_LOG_SIGNIN) {
        return;
    }
    if (tr->n && tr->v[tr->n - 1].id == t) {
        tr->v[tr->n - 1].n++;
        return;
    }
    /* Only GUIDs: Log Analytics workspace names and placeholders (a zero GUID) are not tenants. */
    if (strlen(t) != M365_GUID_LEN || !m365_id_usable(t)) {
        return;
    }
    if (tr->n == tr->cap) {
        size_t nc = tr->cap ? tr->cap * 2 : 64;
        struct tenant_run *v = realloc(tr->v, nc * sizeof(*v));
        if (!v) {
            tr->failed = true;
            return;
        }
        tr->v = v;
        tr->cap = nc;
    }
    tr->v[tr->n].id = t;
    tr->v[tr->n++].n = 1;
}

static int cmp_tenant_records(const void *a, const void *b)
{
    const struct m365_tenant_records *x = a, *y = b;
    if (x->records != y->records) {
        return x->records > y->records ? -1 : 1;
    }
    return strcmp(x->id, y->id);
}

/* The tenants the records carry (s->tenants) and the home tenant: the one given, else the one
 * most records carry. */
static const char *infer_tenant(struct m365_scan *s, struct tenant_runs *tr)
{
    const char *best = NULL;
    size_t best_n = 0;
    if (!tr->failed) {
        m365_qsort(tr->v, tr->n, sizeof(*tr->v), m365_cmp_cstr); /* id is the first member */
        size_t k = 0;
        for (size_t i = 0; i < tr->n; k++) { /* runs of one id merged in place */
            size_t n = 0, j = i;
            for (; j < tr->n && strcmp(tr->v[j].id, tr->v[i].id) == 0; j++) {
                n += tr->v[j].n;
            }
            tr->v[k] = (struct tenant_run){tr->v[i].id, n};
            if (n > best_n) { /* ties: the first id in sort order */
                best = tr->v[k].id;
                best_n = n;
            }
            i = j;
        }
        s->tenants = k ? malloc(k * sizeof(*s->tenants)) : NULL;
        if (s->tenants) {
            for (size_t i = 0; i < k; i++) {
                s->tenants[i] = (struct m365_tenant_records){tr->v[i].id, tr->v[i].n, false};
            }
            s->n_tenants = k;
            m365_qsort(s->tenants, k, sizeof(*s->tenants), cmp_tenant_records);
        }
    }
    free(tr->v);
    if (s->opts.tenant_id) {
        char lower[64];
        size_t n = strlen(s->opts.tenant_id);
        if (n >= sizeof(lower)) {
            n = sizeof(lower) - 1;
        }
        for (size_t i = 0; i < n; i++) {
            char c = s->opts.tenant_id[i];
            lower[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        return m365_intern(&s->intern, lower, n);
    }
    return best;
}

/* Marks the investigated tenant among the evidence's, and warns of evidence of several tenants,
 * read as one: every baseline, spray and exposure mixes them. A tenant with a handful of
 * records (a guest's, a sample's) is not worth the warning. */
static void tenants_check(struct m365_scan *s)
{
    size_t others = 0;
    for (size_t i = 0; i < s->n_tenants; i++) {
        struct m365_tenant_records *t = &s->tenants[i];
        t->investigated = s->home_tenant && m365_ieq(t->id, s->home_tenant);
        others += !t->investigated && t->records >= 20 && t->records * 100 >= s->tenants[0].records;
    }
    if (!others) {
        return;
    }
    char msg[768];
    size_t w = (size_t)snprintf(msg, sizeof(msg), "the evidence holds the records of %zu tenants:",
                                s->n_tenants);
    for (size_t i = 0; i < s->n_tenants && i < 4 && w < sizeof(msg); i++) {
        const struct m365_tenant_records *t = &s->tenants[i];
        w += (size_t)snprintf(msg + w, sizeof(msg) - w, "%s %s (%llu record%s%s)",
                              i ? (i + 1 == s->n_tenants ? " and" : ",") : "", t->id,
                              (unsigned long long)t->records, t->records == 1 ? "" : "s",
                              t->investigated ? ", the investigated tenant" : "");
    }
    if (s->n_tenants > 4 && w < sizeof(msg)) {
        w += (size_t)snprintf(msg + w, sizeof(msg) - w, " and %zu more", s->n_tenants - 4);
    }
    if (w < sizeof(msg)) {
        snprintf(msg + w, sizeof(msg) - w,
                 ". The rules read them as one tenant (sign-in baselines, sprays, consents, "
                 "mail exposure): scan each tenant's evidence apart (--tenant-id names the "
                 "investigated one; the default is the one most records carry)");
    }
    diag(s, M365_DIAG_WARNING, M365_OK, "--tenant-id", msg);
}

const char *m365_scan_home_tenant(const struct m365_scan *s)
{
    return s->home_tenant;
}

size_t m365_scan_n_tenants(const struct m365_scan *s)
{
    return s->n_tenants;
}

const struct m365_tenant_records *m365_scan_tenant(const struct m365_scan *s, size_t i)
{
    return i < s->n_tenants ? &s->tenants[i] : NULL;
}

/* The snapshot files, read by the snapshot reader; their posture rules run with the scan's home
 * tenant (--tenant-id, else the logs'); the snapshot's own guess fills it when the logs give
 * none. Called once the logs are read and the home tenant inferred. */
static enum m365_status load_snapshot(struct m365_scan *s)
{
    uint32_t *which = malloc((s->n_files ? s->n_files : 1) * sizeof(*which));
    if (!which) {
        return M365_E_NOMEM;
    }
    size_t n = 0, used = 0;
    struct m365_snapshot_options o;
    snapshot_options(s, &o);
    char home[64];
    if (s->home_tenant && strlen(s->home_tenant) < sizeof(home)) {
        size_t k = 0;
        for (; s->home_tenant[k]; k++) {
            char c = s->home_tenant[k];
            home[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        home[k] = '\0';
        o.tenant_id = home;
    }
    enum m365_status st = M365_OK;
    for (uint32_t i = 0; i < s->n_files && st == M365_OK; i++) {
        if (!s->files[i].snapshot) {
            continue;
        }
        if (!s->snap) {
            st = m365_snapshot_new(&s->snap, &o);
            if (st != M365_OK) {
                break;
            }
        }
        const struct file_entry *f = &s->files[i];
        if ((f->window ? m365_snapshot_add_window(s->snap, f->path, f->window_fd, f->window_off,
                                                  f->size)
             : f->archive_len ? m365_snapshot_add_member(s->snap, f->path, f->archive_len,
                                                         f->archive_file, f->member)
                              : m365_snapshot_add_path(s->snap, f->path)) == M365_OK) {
            which[n++] = i;
        } else { /* vanished since it was routed; the snapshot reported it */
            s->files[i].st.status = M365_E_IO;
            s->files[i].st.error = "cannot be opened";
        }
    }
    if (st == M365_OK && s->snap) {
        st = m365_snapshot_run(s->snap);
    }
    for (size_t k = 0; st == M365_OK && k < n; k++) {
        struct m365_file_stats *fs = &s->files[which[k]].st;
        const struct m365_snapshot_file *sf = m365_snapshot_file(s->snap, k);
        s->bytes_done += fs->bytes;
        if (!sf || sf->kind == M365_SNAP_NONE || sf->kind == M365_SNAP_OTHER) {
            char msg[320];
            snprintf(msg, sizeof(msg), "not read: %s",
                     sf && sf->error ? sf->error
                                     : "tenant snapshot objects of a kind the scan does not use");
            diag(s, M365_DIAG_ERROR, M365_E_FORMAT, fs->path, msg);
            fs->status = M365_E_FORMAT;
            fs->error = "matches no known format";
            continue;
        }
        used++;
        fs->reader = m365_snapshot_kind_name(sf->kind);
        fs->skipped = sf->skipped;
        fs->parsed = sf->records - sf->skipped;
        fs->records_read = sf->records;
        int slot = reader_slot(s, fs->reader);
        if (slot >= 0) {
            account(&s->reader_stats[slot], fs);
        }
    }
    free(which);
    if (st == M365_OK && s->snap && used == 0) {
        /* Nothing a rule could use (only unreadable or unused files): no snapshot to speak of. */
        m365_snapshot_free(s->snap);
        s->snap = NULL;
    }
    if (s->opts.on_progress && n) {
        s->opts.on_progress(s->bytes_done, s->bytes_total, s->opts.progress_user);
    }
    if (st == M365_OK && s->snap) {
        st = m365_snap_ctx_new(&s->snap_ctx, s->snap);
    }
    const char *sh = s->snap_ctx ? m365_snap_ctx_home_tenant(s->snap_ctx) : NULL;
    if (st == M365_OK && !s->home_tenant && sh) {
        s->home_tenant = m365_intern(&s->intern, sh, strlen(sh));
    }
    return st;
}

const struct m365_snapshot *m365_scan_snapshot(const struct m365_scan *s)
{
    return s->snap;
}

const struct m365_snap_ctx *m365_scan_snap_ctx(struct m365_scan *s)
{
    return s->snap_ctx;
}

const char *m365_scan_upn_of_id(struct m365_scan *s, const char *id)
{
    if (id && m365_is_guid(id, strlen(id)) && m365_once_begin(&s->object_ids_once)) {
        /* out of memory: the ids not yet named stay ids */
        (void)m365_object_ids_build(s, &s->object_ids);
        m365_once_end(&s->object_ids_once);
    }
    return m365_object_ids_upn(s, &s->object_ids, id);
}

const char *m365_scan_app_name(const struct m365_scan *cs, const char *id)
{
    if (!id || !m365_is_guid(id, strlen(id))) {
        return NULL; /* an address, a session: nothing to look up (nor to intern) */
    }
    struct m365_scan *s = (struct m365_scan *)(uintptr_t)cs; /* the lookup is built lazily */
    return m365_app_names_get(s, &s->app_names, id);
}

const char *m365_scan_app_label(const struct m365_scan *s, const char *id, char *buf,
                                size_t size)
{
    const char *name = m365_scan_app_name(s, id);
    if (!name) {
        return id;
    }
    snprintf(buf, size, "%s (%s)", name, id);
    return buf;
}

void m365_scan_note_client_named(struct m365_scan *s, uint8_t kind)
{
    if (kind < 32) {
        atomic_fetch_or_explicit(&s->app_names.client_named_kinds, 1u << kind,
                                 memory_order_relaxed);
    }
}

/* A database that answered nothing is named: a layout the scan does not read, or the wrong
 * file of a pair, would otherwise look like evidence without foreign sign-ins. */
static void enrichment_warnings(struct m365_scan *s)
{
    const char *geo_path = NULL;
    for (size_t i = 0; i < m365_enrich_n_sources(s->enrich); i++) {
        const struct m365_enrichment_source *e = m365_enrich_source(s->enrich, i);
        bool asn = strcmp(e->option, "asn-db") == 0;
        geo_path = !asn && e->database_type && !geo_path ? e->path : geo_path;
        if (!e->database_type && strcmp(e->option, "trusted-ips") == 0 && e->looked_up &&
            !e->found) {
            char msg[320];
            snprintf(msg, sizeof(msg),
                     "--trusted-ips holds none of the %llu address%s looked up: the tenant's "
                     "own egress, as the logs see it, is public addresses (its offices', VPN's "
                     "and cloud desktops' way out), not internal ones",
                     (unsigned long long)e->looked_up, e->looked_up == 1 ? "" : "es");
            diag(s, M365_DIAG_WARNING, M365_OK, e->path, msg);
        }
        if (!e->database_type || !e->looked_up || e->found) {
            continue;
        }
        char msg[320];
        snprintf(msg, sizeof(msg),
                 asn ? "--asn-db named the network of none of the %llu public address%s looked "
                       "up in it: its records have no autonomous_system_number"
                     : "--geo-db placed none of the %llu public address%s looked up in it: it "
                       "holds none of them, or its records name no country the scan reads "
                       "(MaxMind's country.iso_code, ip-location-db's country_code)",
                 (unsigned long long)e->looked_up, e->looked_up == 1 ? "" : "es");
        diag(s, M365_DIAG_WARNING, M365_OK, e->path, msg);
    }
    uint64_t v6 = m365_enrich_geo_v6_unheld(s->enrich);
    if (v6 && geo_path) {
        char msg[320];
        snprintf(msg, sizeof(msg),
                 "--geo-db holds IPv4 only: %llu public IPv6 address%s could not be placed (give "
                 "the database's IPv6 file as a second --geo-db)",
                 (unsigned long long)v6, v6 == 1 ? "" : "es");
        diag(s, M365_DIAG_WARNING, M365_OK, geo_path, msg);
    }
}

enum m365_status m365_scan_run(struct m365_scan *s)
{
    if (s->ran) {
        return M365_E_USAGE;
    }
    s->ran = true;
    /* Path order, whatever order the paths were given in: the same evidence gives the same
     * output (ties in time are broken by file order). */
    m365_qsort(s->files, s->n_files, sizeof(*s->files), cmp_file);
    double t0 = now_s();
    unsigned threads = s->opts.threads ? s->opts.threads : m365_scan_default_threads();
    if (threads > MAX_THREADS) {
        threads = MAX_THREADS;
    }
    enum m365_status rst = plan_units(s, threads);
    s->timing.threads = threads;
    s->timing.units = s->n_units;
    if (rst == M365_OK) {
        spill_start(s);
        rst = read_units(s, threads);
        end_unread_run(s);
    }
    if (rst == M365_OK) {
        rst = s->gather_st;
    }
    if (rst == M365_OK && !s->keys) {
        rst = gather_room(s, 1); /* no event: the tables exist all the same */
    }
    if (rst != M365_OK) {
        return rst;
    }
    double t1 = now_s();
    s->timing.read = t1 - t0;
    for (int k = 0; k < 2; k++) {
        const struct m365_region *r = k ? &s->evregion : &s->region;
        if (r->spilled && r->commit_failed) {
            const char *dir = spill_dir(s);
            char msg[320];
            snprintf(msg, sizeof(msg),
                     "the spill file cannot grow (%s): the rest of the event table was kept in "
                     "memory",
                     strerror(r->commit_errno));
            diag(s, M365_DIAG_WARNING, M365_E_IO, dir, msg);
            break;
        }
    }
    for (size_t u = 0; u < s->n_units; u++) {
        const struct evstore *es = &s->units[u].store;
        for (size_t k = 0; k < es->n_chunks; k++) {
            s->timing.event_bytes += es->chunks[k].cap;
        }
        s->timing.event_bytes += es->n * sizeof(uint64_t); /* fingerprints (kept) */
    }
    s->timing.detail_bytes = s->arena.total;
    for (unsigned i = 0; i < s->n_thread_arenas; i++) {
        s->timing.detail_bytes += s->thread_arenas[i].total;
    }
    s->timing.string_bytes = m365_intern_bytes(&s->intern);
    s->timing.strings = m365_intern_count(&s->intern);

    for (int l = 0; l < M365_LOG__COUNT; l++) {
        s->log_stats[l].first_ms = s->log_stats[l].last_ms = INT64_MIN;
    }
    if (s->n_events >= UINT32_MAX) {
        return M365_E_LIMIT; /* seq, and the de-duplication's table, are 32-bit */
    }
    if (cut_searches(s) != M365_OK || cut_pages(s) != M365_OK) {
        return M365_E_NOMEM;
    }
    bool *dup = calloc(s->n_events ? s->n_events : 1, sizeof(*dup));
    if (!dup || dedup(s, dup) != M365_OK) {
        free(dup);
        return M365_E_NOMEM;
    }
    find_overlaps(s, dup);
    /* The kept events, compacted in place: the file-order table becomes the sorted one. This
     * is the one walk over the events before the sort: each kept event's time goes to the
     * front of the block whose de-duplication keys are spent now, and its kind to the front of
     * the duplicate marks, which are read by then (the sort's keys are made from both), and its
     * tenant is counted. */
    s->sorted = s->all;
    s->all = NULL;
    char *times = (char *)(void *)s->keys;
    uint8_t *kinds_in = (uint8_t *)dup;
    _Static_assert(sizeof(*dup) == sizeof(*kinds_in), "a kind takes a duplicate mark's place");
    struct tenant_runs tenants = {NULL, 0, 0, false};
    size_t fi = 0; /* the file of event i: files hold consecutive events */
    int64_t span[M365_LOG__COUNT][2]; /* this file's, per log source */
    span_reset(span);
    bool cover_ok = true;
    for (int l = 0; l < M365_LOG__COUNT; l++) {
        s->cover[l].n = 0;
    }
    for (size_t i = 0; i < s->n_events; i++) {
        while (fi + 1 < s->n_files && s->files[fi + 1].first_event <= i) {
            cover_ok &= cover_add(s, s->files[fi].st.path, span);
            fi++;
        }
        struct file_entry *f = &s->files[fi];
        if (dup[i]) {
            f->st.duplicates++;
            f->st.parsed--;
            continue;
        }
        struct m365_packed *ev = s->sorted[i];
        memcpy(times + s->n_sorted * sizeof(ev->time_ms), &ev->time_ms, sizeof(ev->time_ms));
        kinds_in[s->n_sorted] = kind_of(ev);
        s->sorted[s->n_sorted++] = ev;
        tenant_count(s, &tenants, ev);
        spill_tick(s, i);
        widen_span(&f->st.first_ms, &f->st.last_ms, ev->time_ms);
        struct m365_source_stats *ls = &s->log_stats[ev->log_source < M365_LOG__COUNT
                                                         ? ev->log_source
                                                         : M365_LOG_UNKNOWN];
        ls->events++;
        widen(ls, ev->time_ms);
        int64_t *sp = span[ls - s->log_stats];
        widen_span(&sp[0], &sp[1], ev->time_ms);
    }
    cover_ok &= cover_add(s, s->n_files ? s->files[fi].st.path : NULL, span);
    if (!cover_ok) {
        free(dup);
        free(tenants.v);
        return M365_E_NOMEM;
    }
    for (int l = 0; l < M365_LOG__COUNT; l++) {
        m365_intervals_merge(&s->cover[l], 0);
    }
    /* De-duplicated: the file-order tables are not needed any more; their block is the sort's. */
    void *scratch = s->keys;
    s->keys = NULL;
    s->home_tenant = infer_tenant(s, &tenants);
    tenants_check(s);
    enum m365_status sorted = sort_events(s, scratch, kinds_in);
    free(dup);
    if (sorted != M365_OK) {
        return M365_E_NOMEM;
    }

    for (enum m365_log_source l = 0; l < M365_LOG__COUNT; l++) {
        s->log_stats[l].name = m365_log_source_name(l);
    }
    for (size_t i = 0; i < s->n_files; i++) {
        struct m365_file_stats *fs = &s->files[i].st;
        fs->records_read = fs->parsed + fs->skipped + fs->duplicates;
        if (!fs->reader) {
            continue;
        }
        int slot = reader_slot(s, fs->reader);
        if (slot >= 0) {
            account(&s->reader_stats[slot], fs);
            /* Every event carries its file's reader, and a log file's kept events are its
             * parsed records now that duplicates are taken off (snapshot files have no reader
             * yet: load_snapshot names it). */
            s->reader_stats[slot].events += fs->parsed;
            widen(&s->reader_stats[slot], fs->first_ms);
            widen(&s->reader_stats[slot], fs->last_ms);
        }
    }
    double t2 = now_s();
    s->timing.order = t2 - t1;
    enum m365_status st = load_snapshot(s);
    /* Graph requests name accounts by id at every turn: the ids are named before the
     * detections. Without them a question is rare: m365_scan_upn_of_id answers it. */
    if (st == M365_OK && s->n_sorted &&
        memchr(m365_scan_event_kinds(s), M365_EV_GRAPH_REQUEST, s->n_sorted) &&
        m365_once_begin(&s->object_ids_once)) {
        st = m365_object_ids_build(s, &s->object_ids);
        m365_once_end(&s->object_ids_once);
    }
    if (st == M365_OK) {
        st = m365_detect_run(s, &s->rules, &s->detect);
    }
    double t3 = now_s();
    s->timing.detect = t3 - t2;
    if (st == M365_OK) {
        st = m365_incidents_build(s, s->detect, M365_INCIDENT_WINDOW_MS,
                                  &s->incidents);
    }
    if (st == M365_OK) {
        st = m365_coverage_build(s, s->detect, &s->coverage);
    }
    s->timing.correlate = now_s() - t3;
    if (st == M365_OK) {
        enrichment_warnings(s);
    }
    if (st == M365_OK && s->timing.threads > 1 && m365_intern_full(&s->intern)) {
        /* Threads race for the last free values: which records get them is not fixed. */
        char msg[320];
        snprintf(msg, sizeof(msg),
                 "the scan reached this limit (%u distinct values) on %u threads: which records "
                 "were skipped for it can differ from one run to the next (--threads 1 makes "
                 "the scan reproducible)",
                 s->opts.limits.max_distinct_values, s->timing.threads);
        diag(s, M365_DIAG_WARNING, M365_E_LIMIT, "--max-distinct-values", msg);
    }
    return st;
}

size_t m365_scan_n_files(const struct m365_scan *s) { return s->n_files; }

bool m365_scan_source_covers(const struct m365_scan *s, enum m365_log_source src, int64_t t,
                             int64_t slack)
{
    if (src >= M365_LOG__COUNT || t == M365_TIME_NONE) {
        return false;
    }
    return m365_intervals_meet(&s->cover[src], t - slack, t + slack);
}

const struct m365_file_stats *m365_scan_file(const struct m365_scan *s, size_t i)
{
    return i < s->n_files ? &s->files[i].st : NULL;
}

size_t m365_scan_n_archives(const struct m365_scan *s) { return s->n_archives; }

size_t m365_scan_n_enrichment(const struct m365_scan *s)
{
    return m365_enrich_n_sources(s->enrich);
}

const struct m365_enrichment_source *m365_scan_enrichment(const struct m365_scan *s, size_t i)
{
    return m365_enrich_source(s->enrich, i);
}

void m365_enrichment_use(const struct m365_enrichment_source *e, char *buf, size_t n)
{
    if (n == 0) {
        return;
    }
    buf[0] = '\0';
    if (!e->looked_up && !e->ipv6_unheld) {
        return;
    }
    if (!e->database_type) {
        snprintf(buf, n, "%llu of %llu address%s in it", (unsigned long long)e->found,
                 (unsigned long long)e->looked_up, e->looked_up == 1 ? "" : "es");
        return;
    }
    int k = snprintf(buf, n, "%s %llu of %llu address%s",
                     strcmp(e->option, "asn-db") == 0 ? "named the network of" : "placed",
                     (unsigned long long)e->found, (unsigned long long)e->looked_up,
                     e->looked_up == 1 ? "" : "es");
    if (e->ipv6_unheld && k > 0 && (size_t)k < n) {
        snprintf(buf + k, n - (size_t)k, "; %llu IPv6 address%s it cannot hold (IPv4 only)",
                 (unsigned long long)e->ipv6_unheld, e->ipv6_unheld == 1 ? "" : "es");
    }
}

const struct m365_archive_stats *m365_scan_archive(const struct m365_scan *s, size_t i)
{
    return i < s->n_archives ? &s->archives[i].st : NULL;
}

size_t m365_scan_n_overlaps(const struct m365_scan *s) { return s->n_overlaps; }

const struct m365_overlap *m365_scan_overlap(const struct m365_scan *s, size_t i)
{
    return i < s->n_overlaps ? &s->overlaps[i] : NULL;
}

size_t m365_scan_n_readers(const struct m365_scan *s) { return s->n_reader_stats; }

const struct m365_source_stats *m365_scan_reader_stats(const struct m365_scan *s, size_t i)
{
    return i < s->n_reader_stats ? &s->reader_stats[i] : NULL;
}

const struct m365_source_stats *m365_scan_log_stats(const struct m365_scan *s,
                                                    enum m365_log_source src)
{
    return src < M365_LOG__COUNT ? &s->log_stats[src] : NULL;
}

struct m365_source_stats m365_scan_totals(const struct m365_scan *s)
{
    struct m365_source_stats t;
    memset(&t, 0, sizeof(t));
    t.name = "total";
    t.first_ms = t.last_ms = INT64_MIN;
    for (size_t i = 0; i < s->n_files; i++) {
        const struct m365_file_stats *fs = &s->files[i].st;
        account(&t, fs);
        widen(&t, fs->first_ms);
        widen(&t, fs->last_ms);
    }
    t.events = s->n_sorted;
    return t;
}

size_t m365_scan_n_events(const struct m365_scan *s) { return s->n_sorted; }

/* Callers walk the table in time order, and the events lie in file order: each is a cache
 * miss unless asked for ahead. The first `lines` 64-byte lines of the event this far ahead are
 * asked for now (a whole event to unpack, its header alone for a field or two). */
#define EVENT_AHEAD 16u
static inline void ask_ahead(const struct m365_scan *s, size_t i, unsigned lines)
{
    if (i + EVENT_AHEAD < s->n_sorted) {
        const char *next = (const char *)s->sorted[i + EVENT_AHEAD];
        for (unsigned k = 0; k < lines; k++) {
            __builtin_prefetch(next + 64 * k);
        }
    }
}

/* Gives ev, event i unpacked, its record id when the table keeps it as a GUID: its text,
 * written once (none after a run that failed before its sort). */
static void give_guid_id(struct m365_scan *s, size_t i, struct m365_event *ev)
{
    if (ev->evidence.record_id || !s->id_text) {
        return;
    }
    pthread_mutex_lock(&s->id_mu);
    char *t = s->id_text[i];
    if (t[0] || m365_packed_guid_id(s->sorted[i], t)) {
        ev->evidence.record_id = t;
    }
    pthread_mutex_unlock(&s->id_mu);
}

/* Event i unpacked into *buf (a record id kept as a GUID left NULL); false past the end. */
static bool unpack_at(const struct m365_scan *s, size_t i, struct m365_event *buf)
{
    if (i >= s->n_sorted) {
        return false;
    }
    spill_visit(s);
    ask_ahead(s, i, 2);
    m365_event_unpack(s->sorted[i], &s->region, (uint32_t)i, buf);
    return true;
}

const struct m365_event *m365_scan_event_brief(const struct m365_scan *s, size_t i,
                                              struct m365_event *buf)
{
    if (!unpack_at(s, i, buf)) {
        return NULL;
    }
    buf->evidence.record_id = NULL;
    return buf;
}

const struct m365_event *m365_scan_event_at(const struct m365_scan *cs, size_t i,
                                           struct m365_event *buf)
{
    struct m365_scan *s = (struct m365_scan *)(uintptr_t)cs;
    if (!unpack_at(s, i, buf)) {
        return NULL;
    }
    give_guid_id(s, i, buf);
    return buf;
}

void m365_scan_limit_region(struct m365_scan *s, size_t bytes)
{
    m365_region_limit(&s->region, bytes);
}

size_t m365_scan_region_used(const struct m365_scan *s)
{
    return m365_region_used(&s->region);
}

size_t m365_scan_wide_events(const struct m365_scan *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_sorted; i++) {
        n += !m365_packed_narrow(s->sorted[i]);
    }
    return n;
}

uint8_t m365_scan_event_kind(const struct m365_scan *s, size_t i)
{
    return s->kinds[i];
}

const uint8_t *m365_scan_event_kinds(const struct m365_scan *s)
{
    return s->kinds;
}

uint8_t m365_scan_event_source(const struct m365_scan *s, size_t i, int64_t *time_ms)
{
    spill_visit(s);
    ask_ahead(s, i, 1);
    *time_ms = s->sorted[i]->time_ms;
    return s->sorted[i]->log_source;
}

static struct kept_slot *kept_find(struct kept_slot *t, size_t cap, uint32_t seq1)
{
    size_t j = m365_hash_mix(seq1) & (cap - 1);
    while (t[j].seq1 && t[j].seq1 != seq1) {
        j = (j + 1) & (cap - 1);
    }
    return &t[j];
}

/* Whole copies live as long as the scan, one per event however often asked for: callers may
 * compare them by address. Locked: detections run on several threads. */
const struct m365_event *m365_scan_event(const struct m365_scan *cs, size_t i)
{
    struct m365_scan *s = (struct m365_scan *)(uintptr_t)cs;
    if (i >= s->n_sorted) {
        return NULL;
    }
    uint32_t seq1 = (uint32_t)i + 1;
    struct m365_event *ev = NULL;
    pthread_mutex_lock(&s->kept_mu);
    if (s->kept_n * 2 >= s->kept_cap) {
        size_t ncap = s->kept_cap ? s->kept_cap * 2 : 1024;
        struct kept_slot *nt = calloc(ncap, sizeof(*nt));
        if (!nt) {
            pthread_mutex_unlock(&s->kept_mu);
            return NULL;
        }
        for (size_t j = 0; j < s->kept_cap; j++) {
            if (s->kept[j].seq1) {
                *kept_find(nt, ncap, s->kept[j].seq1) = s->kept[j];
            }
        }
        free(s->kept);
        s->kept = nt;
        s->kept_cap = ncap;
    }
    struct kept_slot *k = kept_find(s->kept, s->kept_cap, seq1);
    if (k->seq1) {
        ev = k->ev;
    } else {
        ev = malloc(sizeof(*ev)); /* not an arena: each detection's share is measured */
        if (ev) {
            m365_event_unpack(s->sorted[i], &s->region, (uint32_t)i, ev);
            give_guid_id(s, i, ev);
            k->seq1 = seq1;
            k->ev = ev;
            s->kept_n++;
        }
    }
    pthread_mutex_unlock(&s->kept_mu);
    return ev;
}

size_t m365_scan_kept_events(const struct m365_scan *cs)
{
    struct m365_scan *s = (struct m365_scan *)(uintptr_t)cs;
    pthread_mutex_lock(&s->kept_mu);
    size_t n = s->kept_n;
    pthread_mutex_unlock(&s->kept_mu);
    return n;
}

size_t m365_scan_n_incidents(const struct m365_scan *s)
{
    return m365_incidents_count(s->incidents);
}

const struct m365_incident *m365_scan_incident(const struct m365_scan *s, size_t i)
{
    return m365_incidents_get(s->incidents, i);
}

const struct m365_coverage *m365_scan_coverage(const struct m365_scan *s)
{
    static const struct m365_coverage empty;
    return s->coverage ? s->coverage : &empty;
}

/* The log detections' rules and findings, then the posture rules' when a snapshot was loaded:
 * posture findings are context, not events, so incidents (built from the detection state)
 * never include them. */
size_t m365_scan_n_not_evaluated(const struct m365_scan *s)
{
    return m365_detect_n_not_evaluated(s->detect) +
           (s->snap ? m365_snapshot_n_not_evaluated(s->snap) : 0);
}

void m365_scan_not_evaluated(const struct m365_scan *s, size_t i, const char **rule,
                             const char **reason)
{
    size_t nd = m365_detect_n_not_evaluated(s->detect);
    if (i >= nd && s->snap) {
        m365_snapshot_not_evaluated(s->snap, i - nd, rule, reason);
        return;
    }
    const struct m365_not_evaluated *ne = m365_detect_not_evaluated(s->detect, i);
    *rule = ne ? ne->rule : NULL;
    *reason = ne ? ne->reason : NULL;
}

bool m365_scan_not_evaluated_in_part(const struct m365_scan *s, size_t i)
{
    const struct m365_not_evaluated *ne = m365_detect_not_evaluated(s->detect, i);
    return ne && ne->in_part;
}

size_t m365_scan_n_findings(const struct m365_scan *s)
{
    return m365_detect_n_findings(s->detect) + (s->snap ? m365_snapshot_n_findings(s->snap) : 0);
}

const struct m365_finding *m365_scan_finding(const struct m365_scan *s, size_t i)
{
    size_t nd = m365_detect_n_findings(s->detect);
    if (i >= nd && s->snap) {
        return m365_snapshot_finding(s->snap, i - nd);
    }
    return m365_detect_finding(s->detect, i);
}
