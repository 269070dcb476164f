/* The tenant audit: reads snapshot files, joins users, MFA registration and mailboxes, and runs
 * the posture rules (docs/snapshot.md). Findings use the scan's JSON contract without evidence
 * events: their time is the snapshot time. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "../core/buf.h"
#include "../core/json_out.h"
#include "../core/limits.h"
#include "../core/norm.h"
#include "../io/input.h"
#include "../io/tar_archive.h"
#include "../io/zip_archive.h"
#include "m365hunt/version.h"
#include "snap.h"
#include "snap_context.h"
#include "posture_int.h"
/* m365_ids.h names the plan by its name; snap.h by its id, which the details report. */
#undef M365_PLAN_ADVANCED_AUDITING
#include "../detections/m365_ids.h"
#include "../core/sort.h"

#define CREATED_GRACE_DAYS 30 /* a new account that has not signed in yet is not dormant */
#define MAX_WALK_DEPTH 32

void m365_snapshot_options_init(struct m365_snapshot_options *o)
{
    memset(o, 0, sizeof(*o));
    o->limits.max_record_bytes = M365_DEFAULT_MAX_RECORD_BYTES;
    o->limits.max_decompressed_bytes = M365_DEFAULT_MAX_DECOMPRESSED;
    o->limits.max_decompress_ratio = M365_DEFAULT_MAX_RATIO;
    o->limits.max_json_depth = M365_DEFAULT_MAX_JSON_DEPTH;
    o->as_of_ms = M365_TIME_NONE;
}

static void diag(struct m365_snapshot *s, enum m365_diag_level lvl, enum m365_status code,
                 const char *file, uint64_t line, const char *msg)
{
    if (s->opts.on_diag) {
        struct m365_diag d = {lvl, code, file, line, NULL, msg};
        s->opts.on_diag(&d, s->opts.diag_user);
    }
}

static int push_str(char ***v, size_t *n, size_t *cap, const char *str, bool lower)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        char **q = realloc(*v, nc * sizeof(*q));
        if (!q) {
            return -1;
        }
        *v = q;
        *cap = nc;
    }
    char *c = strdup(str);
    if (!c) {
        return -1;
    }
    for (char *p = c; lower && *p; p++) {
        if (*p >= 'A' && *p <= 'Z') {
            *p = (char)(*p - 'A' + 'a');
        }
    }
    (*v)[(*n)++] = c;
    return 0;
}

enum m365_status m365_snapshot_allow(struct m365_snapshot *s, const char *account)
{
    while (*account == ' ') {
        account++;
    }
    if (!*account) {
        return M365_OK;
    }
    return push_str(&s->allow, &s->n_allow, &s->cap_allow, account, true) == 0 ? M365_OK
                                                                               : M365_E_NOMEM;
}

static const char *yscalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The posture: section of the shared configuration file; the scan's sections are ignored. */
static enum m365_status load_config(struct m365_snapshot *s, const char *path)
{
    FILE *f = fopen(path, "rb");
    char msg[256];
    if (!f) {
        snprintf(msg, sizeof(msg), "cannot open: %s", strerror(errno));
        diag(s, M365_DIAG_ERROR, M365_E_IO, path, 0, msg);
        return M365_E_IO;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(msg, sizeof(msg), "%s", parser.problem ? parser.problem : "invalid YAML");
        diag(s, M365_DIAG_ERROR, M365_E_CONFIG, path,
             (uint64_t)parser.problem_mark.line + 1, msg);
        yaml_parser_delete(&parser);
        fclose(f);
        return M365_E_CONFIG;
    }
    enum m365_status st = M365_OK;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    for (yaml_node_pair_t *pr = root && root->type == YAML_MAPPING_NODE
                                    ? root->data.mapping.pairs.start
                                    : NULL;
         pr && pr < root->data.mapping.pairs.top && st == M365_OK; pr++) {
        const char *key = yscalar(yaml_document_get_node(&doc, pr->key));
        yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
        if (!key || strcmp(key, "posture") != 0) {
            continue;
        }
        if (!v || v->type != YAML_MAPPING_NODE) {
            diag(s, M365_DIAG_ERROR, M365_E_CONFIG, path, v ? v->start_mark.line + 1 : 0,
                 "posture: takes a mapping (allow_accounts, dormant_days)");
            st = M365_E_CONFIG;
            break;
        }
        for (yaml_node_pair_t *pp = v->data.mapping.pairs.start;
             pp < v->data.mapping.pairs.top && st == M365_OK; pp++) {
            yaml_node_t *pk = yaml_document_get_node(&doc, pp->key);
            yaml_node_t *pv = yaml_document_get_node(&doc, pp->value);
            const char *name = yscalar(pk);
            uint64_t line = pk ? pk->start_mark.line + 1 : 0;
            if (name && strcmp(name, "allow_accounts") == 0 && pv &&
                pv->type == YAML_SEQUENCE_NODE) {
                for (yaml_node_item_t *it = pv->data.sequence.items.start;
                     it < pv->data.sequence.items.top && st == M365_OK; it++) {
                    const char *a = yscalar(yaml_document_get_node(&doc, *it));
                    if (!a) {
                        diag(s, M365_DIAG_ERROR, M365_E_CONFIG, path, line,
                             "posture.allow_accounts: a list of UPNs or object ids");
                        st = M365_E_CONFIG;
                    } else if (m365_snapshot_allow(s, a) != M365_OK) {
                        st = M365_E_NOMEM;
                    }
                }
            } else if (name && strcmp(name, "dormant_days") == 0 && yscalar(pv)) {
                int64_t d;
                const char *t = yscalar(pv);
                if (m365_parse_i64(t, strlen(t), 1, 36500, &d) != 0) {
                    diag(s, M365_DIAG_ERROR, M365_E_CONFIG, path, line,
                         "posture.dormant_days: a whole number of days, 1 to 36500");
                    st = M365_E_CONFIG;
                } else if (s->opts.dormant_days == 0) { /* the command line wins */
                    s->dormant_days = (uint32_t)d;
                }
            } else if (name && strcmp(name, "recent_days") == 0 && yscalar(pv)) {
                int64_t d;
                const char *t = yscalar(pv);
                if (m365_parse_i64(t, strlen(t), 1, 36500, &d) != 0) {
                    diag(s, M365_DIAG_ERROR, M365_E_CONFIG, path, line,
                         "posture.recent_days: a whole number of days, 1 to 36500");
                    st = M365_E_CONFIG;
                } else if (s->opts.recent_days == 0) { /* the command line wins */
                    s->recent_days = (uint32_t)d;
                }
            } else {
                snprintf(msg, sizeof(msg),
                         "posture.%s: unknown (expected allow_accounts: [list], dormant_days: N, "
                         "recent_days: N)",
                         name ? name : "?");
                diag(s, M365_DIAG_ERROR, M365_E_CONFIG, path, line, msg);
                st = M365_E_CONFIG;
            }
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    return st;
}

enum m365_status m365_snapshot_new(struct m365_snapshot **out,
                                   const struct m365_snapshot_options *opts)
{
    *out = NULL;
    struct m365_snapshot *s = calloc(1, sizeof(*s));
    if (!s) {
        return M365_E_NOMEM;
    }
    if (opts) {
        s->opts = *opts;
    } else {
        m365_snapshot_options_init(&s->opts);
    }
    m365_snap_db_init(&s->db);
    s->db.on_diag = s->opts.on_diag;
    s->db.diag_user = s->opts.diag_user;
    s->dormant_days = s->opts.dormant_days ? s->opts.dormant_days : 90;
    s->recent_days = s->opts.recent_days ? s->opts.recent_days : 30;
    s->as_of = M365_TIME_NONE;
    if (s->opts.config_path) {
        enum m365_status st = load_config(s, s->opts.config_path);
        if (st != M365_OK) {
            m365_snapshot_free(s);
            return st;
        }
    }
    *out = s;
    return M365_OK;
}

void m365_snapshot_free(struct m365_snapshot *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->n_paths; i++) {
        free(s->paths[i]);
    }
    free(s->paths);
    free(s->where);
    m365_zip_temps_free(&s->inner);
    for (size_t i = 0; i < s->n_tar_fds; i++) {
        close(s->tar_fds[i]);
    }
    free(s->tar_fds);
    for (size_t i = 0; i < s->n_allow; i++) {
        free(s->allow[i]);
    }
    free(s->allow);
    free(s->files);
    free(s->findings); /* their strings live in the db arena */
    m365_snap_db_free(&s->db);
    free(s);
}

/* path queued, its bytes where `where` says. */
static enum m365_status queue(struct m365_snapshot *s, const char *path, size_t archive_len,
                              const char *archive_file, uint64_t member)
{
    size_t cap = s->cap_paths;
    if (push_str(&s->paths, &s->n_paths, &s->cap_paths, path, false) != 0) {
        return M365_E_NOMEM;
    }
    if (s->cap_paths != cap || !s->where) {
        struct snap_where *w = realloc(s->where, s->cap_paths * sizeof(*w));
        if (!w) {
            free(s->paths[--s->n_paths]);
            return M365_E_NOMEM;
        }
        s->where = w;
    }
    s->where[s->n_paths - 1] = (struct snap_where){archive_len, archive_file, member, -1, 0};
    return M365_OK;
}

enum m365_status m365_snapshot_add_member(struct m365_snapshot *s, const char *path,
                                          size_t archive_len, const char *archive_file,
                                          uint64_t index)
{
    if (archive_len == 0 || archive_len >= strlen(path) || path[archive_len] != '/') {
        return M365_E_USAGE;
    }
    return queue(s, path, archive_len, archive_file, index);
}

enum m365_status m365_snapshot_add_window(struct m365_snapshot *s, const char *path, int fd,
                                          uint64_t offset, uint64_t size)
{
    if (fd < 0) {
        return M365_E_USAGE;
    }
    enum m365_status st = queue(s, path, 0, NULL, offset);
    if (st == M365_OK) {
        s->where[s->n_paths - 1].fd = fd;
        s->where[s->n_paths - 1].size = size;
    }
    return st;
}

static int cmp_zip_file(const void *a, const void *b)
{
    const struct m365_zip_file *x = a, *y = b;
    return strcmp(x->path, y->path);
}

static enum m365_status add_inner(struct m365_snapshot *s, const char *outer,
                                  struct m365_zip **z, const struct m365_zip_file *zf);

/* The files of a ZIP archive queued in name order, named as the scan names them; what the list
 * left out is named as the scan names it. M365_E_FORMAT when the file is no archive. Its bytes
 * are in `file` when not at `path` (an archive inside an archive); the archives inside a
 * top-level one, members named *.zip, are read as the scan reads them (one level). */
static enum m365_status add_zip(struct m365_snapshot *s, const char *path, const char *file)
{
    struct m365_zip_files files;
    char err[320];
    enum m365_status st = m365_zip_files_as(file ? file : path, path, &files, err, sizeof(err));
    if (st == M365_E_IO) {
        diag(s, M365_DIAG_ERROR, M365_E_IO, path, 0, err);
    }
    if (st != M365_OK) {
        return st;
    }
    qsort(files.v, files.n, sizeof(*files.v), cmp_zip_file);
    size_t archive_len = strlen(path);
    struct m365_zip *z = NULL; /* this archive, open for the archives inside it */
    for (size_t i = 0; i < files.n && st == M365_OK; i++) {
        if (!file && m365_zip_named(files.v[i].path)) {
            st = add_inner(s, path, &z, &files.v[i]);
            if (st != M365_E_FORMAT) {
                continue;
            }
        }
        st = queue(s, files.v[i].path, archive_len, file, files.v[i].index);
    }
    m365_zip_close(z);
    char msg[200];
    enum m365_diag_level level;
    enum m365_status code;
    for (int k = 0; k < M365_ZIP_LEFT_OUT_KINDS && st == M365_OK; k++) {
        if (m365_zip_left_out(&files, k, msg, sizeof(msg), &level, &code)) {
            diag(s, level, code, path, 0, msg);
        }
    }
    m365_zip_files_free(&files);
    return st;
}

/* The files of an archive inside an archive, its bytes unpacked or copied to `file` (the last
 * of s->inner, closed again when nothing of it is queued). */
static enum m365_status add_unpacked_zip(struct m365_snapshot *s, const char *path,
                                         const char *file)
{
    size_t queued = s->n_paths;
    enum m365_status st = add_zip(s, path, file);
    if (st == M365_E_IO) {
        st = M365_OK; /* an inner archive that cannot be read: named */
    }
    if (s->n_paths == queued) {
        m365_zip_temps_drop_last(&s->inner);
    }
    return st;
}

/* Member zf of `outer`, named *.zip, unpacked to a temporary file and its files queued.
 * M365_E_FORMAT when it is to be queued as a file instead (no archive, or its bytes not to be
 * had: said when it is read); past the limits, or with no temporary file, it is named. */
static enum m365_status add_inner(struct m365_snapshot *s, const char *outer,
                                  struct m365_zip **z, const struct m365_zip_file *zf)
{
    const char *file = NULL;
    uint64_t bytes = 0;
    char err[4400];
    enum m365_status st = m365_zip_temps_unpack(&s->inner, z, outer, s->opts.zip_passwords,
                                                s->opts.n_zip_passwords, zf->index, NULL,
                                                &s->opts.limits, &file, &bytes, err, sizeof(err));
    if (st == M365_E_LIMIT || st == M365_E_IO) {
        diag(s, M365_DIAG_ERROR, st, zf->path, 0, err);
        return M365_OK;
    }
    return st == M365_OK ? add_unpacked_zip(s, zf->path, file) : st;
}

/* Member m of a tar or 7-Zip archive, named *.zip: copied to a temporary file and its files
 * queued, as the scan does. M365_E_FORMAT when it is to be queued as a file instead. */
static enum m365_status add_tar_zip(struct m365_snapshot *s, const struct m365_tar_file *m)
{
    const char *file = NULL;
    char err[4400];
    enum m365_status st =
        m365_zip_temps_copy(&s->inner, m->fd, m->offset, m->size, NULL, &file, err, sizeof(err));
    if (st == M365_E_IO) {
        diag(s, M365_DIAG_ERROR, st, m->path, 0, err);
        return M365_OK;
    }
    return st == M365_OK ? add_unpacked_zip(s, m->path, file) : st;
}

static int cmp_tar_file(const void *a, const void *b)
{
    const struct m365_tar_file *x = a, *y = b;
    return strcmp(x->path, y->path);
}

static int keep_fd(struct m365_snapshot *s, int *fd)
{
    if (*fd < 0) {
        return 0;
    }
    if (s->n_tar_fds == s->cap_tar_fds) {
        size_t nc = s->cap_tar_fds ? s->cap_tar_fds * 2 : 4;
        int *v = realloc(s->tar_fds, nc * sizeof(*v));
        if (!v) {
            return -1;
        }
        s->tar_fds = v;
        s->cap_tar_fds = nc;
    }
    s->tar_fds[s->n_tar_fds++] = *fd;
    *fd = -1;
    return 0;
}

/* The files of a tar or 7-Zip archive queued in name order, as the scan queues them (read in
 * place or unpacked: tar_archive.h). M365_E_FORMAT when the file is no such archive. */
static enum m365_status add_tar(struct m365_snapshot *s, const char *path)
{
    struct m365_tar_files tf = {0};
    char err[4400];
    enum m365_status st = m365_tar_files(path, NULL, NULL, &s->opts.limits, &tf, err, sizeof(err));
    if (st == M365_E_IO) {
        diag(s, M365_DIAG_ERROR, M365_E_IO, path, 0, err);
    }
    if (st != M365_OK) {
        return st;
    }
    if (keep_fd(s, &tf.archive_fd) != 0 || keep_fd(s, &tf.temp_fd) != 0) {
        m365_tar_files_free(&tf);
        return M365_E_NOMEM;
    }
    qsort(tf.v, tf.n, sizeof(*tf.v), cmp_tar_file);
    for (size_t i = 0; i < tf.n && st == M365_OK; i++) {
        if (m365_zip_named(tf.v[i].path)) {
            st = add_tar_zip(s, &tf.v[i]);
            if (st != M365_E_FORMAT) {
                continue;
            }
            st = M365_OK;
        }
        st = m365_snapshot_add_window(s, tf.v[i].path, tf.v[i].fd, tf.v[i].offset, tf.v[i].size);
    }
    char msg[320];
    enum m365_diag_level level;
    enum m365_status code;
    for (int k = 0; k < M365_TAR_LEFT_OUT_KINDS && st == M365_OK; k++) {
        if (m365_tar_left_out(&tf, k, msg, sizeof(msg), &level, &code)) {
            diag(s, level, code, path, 0, msg);
        }
    }
    m365_tar_files_free(&tf);
    return st;
}

static enum m365_status walk(struct m365_snapshot *s, const char *path, unsigned depth)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        char msg[160];
        snprintf(msg, sizeof(msg), "cannot open: %s", strerror(errno));
        diag(s, M365_DIAG_ERROR, M365_E_IO, path, 0, msg);
        return M365_E_IO;
    }
    if (!S_ISDIR(sb.st_mode)) {
        bool zip = S_ISREG(sb.st_mode) &&
                   (m365_zip_named(path) || (depth == 0 && m365_zip_content(path)));
        bool tar = !zip && S_ISREG(sb.st_mode) &&
                   (m365_tar_named(path) || (depth == 0 && m365_tar_content(path)));
        enum m365_status st = zip   ? add_zip(s, path, NULL)
                              : tar ? add_tar(s, path)
                                    : M365_E_FORMAT;
        return st == M365_E_FORMAT ? queue(s, path, 0, NULL, 0) : st;
    }
    if (depth >= MAX_WALK_DEPTH) {
        diag(s, M365_DIAG_WARNING, M365_E_LIMIT, path, 0, "folders nested too deep: not read");
        return M365_OK;
    }
    DIR *d = opendir(path);
    if (!d) {
        diag(s, M365_DIAG_ERROR, M365_E_IO, path, 0, "cannot open the folder");
        return M365_E_IO;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    enum m365_status st = M365_OK;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue; /* ".", ".." and hidden files */
        }
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        char *full = malloc(len);
        if (!full) {
            st = M365_E_NOMEM;
            break;
        }
        snprintf(full, len, "%s/%s", path, e->d_name);
        int rc = push_str(&names, &n, &cap, full, false);
        free(full);
        if (rc != 0) {
            st = M365_E_NOMEM;
            break;
        }
    }
    closedir(d);
    if (n > 1) {
        qsort(names, n, sizeof(*names), m365_cmp_cstr);
    }
    for (size_t i = 0; i < n; i++) {
        if (st == M365_OK) {
            enum m365_status w = walk(s, names[i], depth + 1);
            st = w == M365_E_NOMEM ? w : st;
        }
        free(names[i]);
    }
    free(names);
    return st;
}

enum m365_status m365_snapshot_add_path(struct m365_snapshot *s, const char *path)
{
    return walk(s, path, 0);
}

/* --- joining ------------------------------------------------------------------------------ */

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const struct key *)a)->k, ((const struct key *)b)->k);
}

static void index_add(struct index *x, const char *k, size_t i)
{
    if (k) {
        x->v[x->n++] = (struct key){k, i};
    }
}

static long index_find(const struct index *x, const char *k)
{
    if (!k || x->n == 0) {
        return -1;
    }
    struct key want = {k, 0};
    const struct key *f = bsearch(&want, x->v, x->n, sizeof(*x->v), cmp_key);
    return f ? (long)f->i : -1;
}

struct joins {
    struct index user_id, user_upn, reg_id, reg_upn, mbx_id, mbx_upn;
};

static int joins_build(struct m365_snapshot *s, struct joins *j)
{
    const struct m365_snap_db *db = &s->db;
    memset(j, 0, sizeof(*j));
    struct index *all[6] = {&j->user_id, &j->user_upn, &j->reg_id,
                            &j->reg_upn, &j->mbx_id,   &j->mbx_upn};
    size_t sizes[6] = {db->n_users, db->n_users, db->n_regs, db->n_regs, db->n_mbxs, db->n_mbxs};
    for (int k = 0; k < 6; k++) {
        all[k]->v = malloc((sizes[k] ? sizes[k] : 1) * sizeof(struct key));
        if (!all[k]->v) {
            return -1;
        }
    }
    for (size_t i = 0; i < db->n_users; i++) {
        index_add(&j->user_id, db->users[i].id, i);
        index_add(&j->user_upn, db->users[i].upn, i);
    }
    for (size_t i = 0; i < db->n_regs; i++) {
        index_add(&j->reg_id, db->regs[i].id, i);
        index_add(&j->reg_upn, db->regs[i].upn, i);
    }
    for (size_t i = 0; i < db->n_mbxs; i++) {
        index_add(&j->mbx_id, db->mbxs[i].ext_id, i);
        index_add(&j->mbx_upn, db->mbxs[i].upn, i);
    }
    for (int k = 0; k < 6; k++) {
        if (all[k]->n > 1) {
            qsort(all[k]->v, all[k]->n, sizeof(struct key), cmp_key);
        }
    }
    return 0;
}

static void joins_free(struct joins *j)
{
    free(j->user_id.v);
    free(j->user_upn.v);
    free(j->reg_id.v);
    free(j->reg_upn.v);
    free(j->mbx_id.v);
    free(j->mbx_upn.v);
}

static const struct m365_snap_user *find_user(const struct m365_snapshot *s,
                                              const struct joins *j, const char *id,
                                              const char *upn)
{
    long i = index_find(&j->user_id, id);
    if (i < 0) {
        i = index_find(&j->user_upn, upn);
    }
    return i < 0 ? NULL : &s->db.users[i];
}

static const struct m365_snap_reg *find_reg(const struct m365_snapshot *s, const struct joins *j,
                                            const char *id, const char *upn)
{
    long i = index_find(&j->reg_id, id);
    if (i < 0) {
        i = index_find(&j->reg_upn, upn);
    }
    return i < 0 ? NULL : &s->db.regs[i];
}

static const struct m365_snap_mbx *find_mbx(const struct m365_snapshot *s, const struct joins *j,
                                            const char *id, const char *upn)
{
    long i = index_find(&j->mbx_id, id);
    if (i < 0) {
        i = index_find(&j->mbx_upn, upn);
    }
    return i < 0 ? NULL : &s->db.mbxs[i];
}

bool allowed(const struct m365_snapshot *s, const char *id, const char *upn)
{
    for (size_t i = 0; i < s->n_allow; i++) {
        if ((id && strcmp(s->allow[i], id) == 0) || (upn && strcmp(s->allow[i], upn) == 0)) {
            return true;
        }
    }
    return false;
}

/* --- findings ----------------------------------------------------------------------------- */

static const char *const tech_accounts[] = {"T1078.004"};

static const char *arena_copy(struct m365_snapshot *s, const char *p, size_t n)
{
    const char *r = m365_arena_strndup(&s->db.arena, p ? p : "", p ? n : 0);
    if (!r) {
        s->nomem = true;
    }
    return r;
}

/* Sorted, unique copy of a list into the arena. */
static struct m365_strlist strlist(struct m365_snapshot *s, const char **v, size_t n)
{
    struct m365_strlist l = {0, NULL};
    if (n == 0) {
        return l;
    }
    qsort(v, n, sizeof(*v), m365_cmp_cstr);
    const char **out = m365_arena_alloc(&s->db.arena, n * sizeof(*out));
    if (!out) {
        s->nomem = true;
        return l;
    }
    for (size_t i = 0; i < n; i++) {
        if (l.n == 0 || strcmp(out[l.n - 1], v[i]) != 0) {
            out[l.n++] = v[i];
        }
    }
    l.items = out;
    return l;
}

void emit(struct m365_snapshot *s, struct fdraft *d)
{
    if (s->n_findings == s->cap_findings) {
        size_t nc = s->cap_findings ? s->cap_findings * 2 : 32;
        struct m365_finding *q = realloc(s->findings, nc * sizeof(*q));
        if (!q) {
            s->nomem = true;
            return;
        }
        s->findings = q;
        s->cap_findings = nc;
    }
    struct m365_finding *f = &s->findings[s->n_findings];
    memset(f, 0, sizeof(*f));
    f->rule = d->rule;
    f->title = d->title;
    f->severity = d->sev;
    f->n_techniques = d->n_techs;
    f->techniques = (const char **)d->techs;
    f->first_ms = f->last_ms = s->as_of;
    f->incident = -1;
    if (d->users[0]) {
        f->entities[M365_ENT_USERS] = strlist(s, d->users, 1);
    }
    if (d->n_list) {
        f->entities[d->list_kind] = strlist(s, d->list, d->n_list);
    }
    if (d->n_list2) {
        f->entities[M365_ENT_MAILBOXES] = strlist(s, d->list2, d->n_list2);
    }
    /* One sentence, as every finding's (findings.md): ends with a period, on one line. */
    if (!d->summary.len || d->summary.data[d->summary.len - 1] != '.') {
        m365_buf_putc(&d->summary, '.');
    }
    m365_buf_cstr(&d->summary); /* terminated, for m365_one_line */
    if (d->summary.data) {
        d->summary.len = m365_one_line(d->summary.data);
    }
    f->summary = arena_copy(s, d->summary.data, d->summary.len);
    m365_buf_putc(&d->details, '}');
    f->details_json = arena_copy(s, d->details.data, d->details.len);
    if (d->summary.failed || d->details.failed) {
        s->nomem = true;
    }
    s->n_findings++;
}

void draft_init(struct fdraft *d, const char *rule, const char *title,
                       enum m365_severity sev)
{
    memset(d, 0, sizeof(*d));
    d->rule = rule;
    d->title = title;
    d->sev = sev;
    m365_buf_init(&d->summary, 0);
    m365_buf_init(&d->details, 0);
    m365_buf_putc(&d->details, '{');
}

void draft_free(struct fdraft *d)
{
    m365_buf_free(&d->summary);
    m365_buf_free(&d->details);
    free(d->list);
    free(d->list2);
}

void not_evaluated(struct m365_snapshot *s, const char *rule, const char *reason)
{
    if (s->n_not_eval < sizeof(s->not_eval) / sizeof(s->not_eval[0])) {
        s->not_eval[s->n_not_eval++] = (struct not_eval){rule, reason};
    }
}

static const char *name_of(const char *upn, const char *id)
{
    return upn ? upn : id ? id : "?";
}

void key_time(struct m365_buf *b, int *first, const char *k, int64_t t)
{
    m365_json_key(b, first, k);
    m365_json_time(b, t);
}

void key_tri(struct m365_buf *b, int *first, const char *k, int v)
{
    m365_json_key(b, first, k);
    m365_buf_puts(b, v == M365_SNAP_UNSET ? "null" : v ? "true" : "false");
}

/* posture-no-mfa: accounts that can sign in with a password alone. Guests are left out: their
 * MFA is registered in their home tenant, which userRegistrationDetails does not show. */
#define MAX_DIR_ROLES 16

static void rule_no_mfa(struct m365_snapshot *s, const struct joins *j)
{
    if (s->db.n_regs == 0) {
        not_evaluated(s, "posture-no-mfa",
                      "needs reports/authenticationMethods/userRegistrationDetails");
        return;
    }
    for (size_t i = 0; i < s->db.n_regs && !s->nomem; i++) {
        const struct m365_snap_reg *r = &s->db.regs[i];
        const struct m365_snap_user *u = find_user(s, j, r->id, r->upn);
        const char *id = r->id ? r->id : u ? u->id : NULL;
        const char *upn = r->upn ? r->upn : u ? u->upn : NULL;
        const struct m365_snap_mbx *m = find_mbx(s, j, id, upn);
        if (r->mfa_registered != 0 || r->guest || (u && (u->guest || u->enabled == 0)) ||
            (m && m->no_signin) || allowed(s, id, upn)) {
            continue;
        }
        const char *roles[MAX_DIR_ROLES];
        bool tier0;
        size_t n_roles = m365_posture_roles_of(s, id, upn, roles, MAX_DIR_ROLES, &tier0);
        bool admin = r->is_admin == 1 || n_roles > 0;
        struct fdraft d;
        draft_init(&d, "posture-no-mfa", "Account without MFA",
                   tier0 ? M365_SEV_CRITICAL : admin ? M365_SEV_HIGH : M365_SEV_MEDIUM);
        d.techs = tech_accounts;
        d.n_techs = 1;
        d.users[0] = name_of(upn, id);
        m365_buf_printf(&d.summary, "%s%s", admin ? "Administrator " : "", d.users[0]);
        for (size_t k = 0; k < n_roles; k++) {
            m365_buf_printf(&d.summary, "%s%s", k ? ", " : " (", roles[k]);
        }
        m365_buf_printf(&d.summary, "%s has no MFA method registered: a password alone signs "
                                    "it in",
                        n_roles ? ")" : "");
        int first = 1;
        key_tri(&d.details, &first, "is_admin", r->is_admin);
        m365_posture_put_strings(&d.details, &first, "directory_roles", roles, n_roles);
        key_tri(&d.details, &first, "account_enabled", u ? u->enabled : M365_SNAP_UNSET);
        m365_json_key(&d.details, &first, "user_id");
        if (id) {
            m365_json_cstr(&d.details, id);
        } else {
            m365_buf_puts(&d.details, "null");
        }
        emit(s, &d);
        draft_free(&d);
    }
}

/* Whether an enabled account that can sign in is dormant at the snapshot time: 0 no (or the
 * snapshot cannot say), 1 no sign-in for dormant_days, 2 never signed in (and not new). *created
 * is its creation time (the user's, else the mailbox's). */
static int dormancy(const struct m365_snapshot *s, const struct m365_snap_user *u,
                    const struct m365_snap_mbx *m, int64_t *created)
{
    *created = u->created != M365_TIME_NONE ? u->created : m ? m->created : M365_TIME_NONE;
    if (s->as_of == M365_TIME_NONE || !u->has_activity || u->enabled == 0 ||
        (m && m->no_signin)) {
        return 0;
    }
    int64_t cutoff = s->as_of - (int64_t)s->dormant_days * M365_DAY_MS;
    int64_t young = s->as_of - CREATED_GRACE_DAYS * M365_DAY_MS;
    if (u->last_signin != M365_TIME_NONE && u->last_signin >= cutoff) {
        return 0;
    }
    if (*created != M365_TIME_NONE && *created > young) {
        return 0;
    }
    return u->last_signin == M365_TIME_NONE ? 2 : 1;
}

/* posture-dormant-account: enabled accounts nobody uses, the accounts password sprays and
 * MFA self-enrolment take over unnoticed. */
static void rule_dormant(struct m365_snapshot *s, const struct joins *j)
{
    size_t with_activity = 0;
    for (size_t i = 0; i < s->db.n_users; i++) {
        with_activity += s->db.users[i].has_activity;
    }
    if (with_activity == 0) {
        not_evaluated(s, "posture-dormant-account",
                      s->db.n_users ? "the users export has no signInActivity (select it; it "
                                      "needs Entra ID P1 and AuditLog.Read.All)"
                                    : "needs the users export with signInActivity");
        return;
    }
    if (s->as_of == M365_TIME_NONE) {
        not_evaluated(s, "posture-dormant-account", "no time in the snapshot: give --as-of");
        return;
    }
    for (size_t i = 0; i < s->db.n_users && !s->nomem; i++) {
        const struct m365_snap_user *u = &s->db.users[i];
        const struct m365_snap_mbx *m = find_mbx(s, j, u->id, u->upn);
        int64_t created;
        if (allowed(s, u->id, u->upn) || dormancy(s, u, m, &created) == 0) {
            continue;
        }
        const struct m365_snap_reg *r = find_reg(s, j, u->id, u->upn);
        const char *roles[MAX_DIR_ROLES];
        bool tier0;
        size_t n_roles = m365_posture_roles_of(s, u->id, u->upn, roles, MAX_DIR_ROLES, &tier0);
        bool admin = (r && r->is_admin == 1) || n_roles > 0;
        struct fdraft d;
        draft_init(&d, "posture-dormant-account", "Dormant enabled account",
                   admin ? M365_SEV_HIGH : M365_SEV_MEDIUM);
        d.techs = tech_accounts;
        d.n_techs = 1;
        d.users[0] = name_of(u->upn, u->id);
        if (u->last_signin == M365_TIME_NONE) {
            m365_buf_printf(&d.summary, "%s%s is enabled and has never signed in",
                            admin ? "Administrator " : "", d.users[0]);
        } else {
            m365_buf_printf(&d.summary, "%s%s is enabled and has not signed in for %lld days",
                            admin ? "Administrator " : "", d.users[0],
                            (long long)((s->as_of - u->last_signin) / M365_DAY_MS));
        }
        int first = 1;
        key_time(&d.details, &first, "last_signin", u->last_signin);
        key_time(&d.details, &first, "created", created);
        m365_json_key(&d.details, &first, "dormant_days");
        m365_buf_printf(&d.details, "%u", s->dormant_days);
        key_tri(&d.details, &first, "is_admin", r ? r->is_admin : M365_SNAP_UNSET);
        m365_posture_put_strings(&d.details, &first, "directory_roles", roles, n_roles);
        key_tri(&d.details, &first, "mfa_registered", r ? r->mfa_registered : M365_SNAP_UNSET);
        m365_json_key(&d.details, &first, "guest");
        m365_buf_puts(&d.details, u->guest ? "true" : "false");
        emit(s, &d);
        draft_free(&d);
    }
}

/* posture-no-advanced-audit: mailboxes that cannot log MailItemsAccessed. One finding per
 * reason, listing the accounts: it is a coverage list, not an alarm. */
enum { AR_PLAN_DISABLED, AR_MAILBOX_OFF, AR_NOT_LICENSED, AR_BYPASSED, AR_MIA_REMOVED, AR__N };

static bool bypass_is(const struct m365_snap_bypass *b, const struct m365_snap_mbx *m)
{
    return (b->exo_id && m->exo_id && strcmp(b->exo_id, m->exo_id) == 0) ||
           (m->name && ((b->name && strcmp(b->name, m->name) == 0) ||
                        (b->identity && strcmp(b->identity, m->name) == 0))) ||
           (m->upn && b->identity && strcmp(b->identity, m->upn) == 0);
}

/* The mailbox of an account Get-MailboxAuditBypassAssociation lists, NULL when none. */
static const struct m365_snap_mbx *bypass_mailbox(const struct m365_snapshot *s,
                                                  const struct m365_snap_bypass *b)
{
    for (size_t i = 0; i < s->db.n_mbxs; i++) {
        if (bypass_is(b, &s->db.mbxs[i])) {
            return &s->db.mbxs[i];
        }
    }
    return NULL;
}

/* Whether the association file says this mailbox's account bypasses auditing. */
static bool listed_bypass(const struct m365_snapshot *s, const struct m365_snap_mbx *m)
{
    for (size_t i = 0; i < s->db.n_bypasses; i++) {
        if (s->db.bypasses[i].enabled == 1 && bypass_is(&s->db.bypasses[i], m)) {
            return true;
        }
    }
    return false;
}

static void rule_no_audit(struct m365_snapshot *s, const struct joins *j)
{
    if (s->db.n_mbxs == 0 && s->db.n_users == 0 && s->db.n_bypasses == 0) {
        not_evaluated(s, "posture-no-advanced-audit",
                      "needs the users export (assignedPlans), Get-Mailbox or "
                      "Get-MailboxAuditBypassAssociation output");
        return;
    }
    static const char *const reason[AR__N] = {"plan-disabled", "mailbox-audit-off",
                                              "not-licensed", "audit-bypassed",
                                              "mail-items-accessed-removed"};
    struct fdraft d[AR__N];
    static const enum m365_severity sev[AR__N] = {M365_SEV_LOW, M365_SEV_LOW, M365_SEV_INFO,
                                                  M365_SEV_MEDIUM, M365_SEV_MEDIUM};
    size_t cap = s->db.n_mbxs + s->db.n_users + s->db.n_bypasses + 1;
    size_t from_skus = 0;
    /* What decided the licence reasons, per reason: assignedPlans, subscribedSkus, known ids. */
    size_t src[AR__N][4];
    memset(src, 0, sizeof(src));
    /* The mailboxes of mail-items-accessed-removed, parallel to its list. */
    const struct m365_snap_mbx **mia = malloc(cap * sizeof(*mia));
    if (!mia) {
        s->nomem = true;
    }
    for (int k = 0; k < AR__N; k++) {
        draft_init(&d[k], "posture-no-advanced-audit", "Mailbox cannot log MailItemsAccessed",
                   sev[k]);
        d[k].list = malloc(cap * sizeof(*d[k].list));
        d[k].list2 = malloc(cap * sizeof(*d[k].list2));
        d[k].list_kind = M365_ENT_USERS;
        if (!d[k].list || !d[k].list2) {
            s->nomem = true;
        }
    }
    /* With Get-Mailbox output the mailboxes are the population; without it, licensed users. */
    size_t n = s->db.n_mbxs ? s->db.n_mbxs : s->db.n_users;
    for (size_t i = 0; i < n && !s->nomem; i++) {
        const struct m365_snap_mbx *m = s->db.n_mbxs ? &s->db.mbxs[i] : NULL;
        const struct m365_snap_user *u =
            m ? find_user(s, j, m->ext_id, m->upn) : &s->db.users[i];
        const char *id = u ? u->id : m->ext_id;
        const char *upn = u && u->upn ? u->upn : m ? m->upn : NULL;
        /* A disabled person's mailbox is a leaver's; shared mailboxes' accounts are disabled by
         * design and people still read them. */
        if (allowed(s, id, upn) || (u && u->enabled == 0 && !(m && m->no_signin)) ||
            (u && u->guest)) {
            continue;
        }
        if (!m && !u->licensed) {
            continue; /* no mailbox list: an unlicensed user has no mailbox to audit */
        }
        bool hit[AR__N] = {false, false, false, false, false};
        /* A bypass the association file lists is reported as audit-bypassed instead. */
        if (m && (m->audit_enabled == 0 || (m->audit_bypass == 1 && !listed_bypass(s, m)))) {
            hit[AR_MAILBOX_OFF] = true;
        }
        if (u && u->audit == M365_SNAP_AUDIT_DISABLED) {
            hit[AR_PLAN_DISABLED] = true;
        } else if (u && u->audit == M365_SNAP_AUDIT_NONE) {
            hit[AR_NOT_LICENSED] = true;
        }
        if (!m && hit[AR_NOT_LICENSED] && !u->audit_from_plans) {
            from_skus++;
        }
        hit[AR_MIA_REMOVED] = m && m->mia_removed;
        if (hit[AR_MIA_REMOVED]) {
            mia[d[AR_MIA_REMOVED].n_list] = m;
        }
        for (int k = 0; k < AR__N; k++) {
            if (hit[k] && u && (k == AR_PLAN_DISABLED || k == AR_NOT_LICENSED)) {
                src[k][u->audit_src]++;
            }
            if (hit[k]) {
                d[k].list[d[k].n_list++] = name_of(upn, id);
                if (m && m->upn) {
                    d[k].list2[d[k].n_list2++] = m->upn;
                }
            }
        }
    }
    /* Get-MailboxAuditBypassAssociation: accounts whose actions in any mailbox go unlogged. */
    for (size_t i = 0; i < s->db.n_bypasses && !s->nomem; i++) {
        const struct m365_snap_bypass *b = &s->db.bypasses[i];
        if (b->enabled != 1) {
            continue;
        }
        const struct m365_snap_mbx *m = bypass_mailbox(s, b);
        const struct m365_snap_user *u = m ? find_user(s, j, m->ext_id, m->upn) : NULL;
        const char *id = u ? u->id : m ? m->ext_id : NULL;
        const char *upn = u && u->upn ? u->upn : m ? m->upn : NULL;
        const char *nm = b->name ? b->name : b->identity;
        if (allowed(s, id, upn) || allowed(s, nm, b->identity) ||
            (u && u->enabled == 0 && !(m && m->no_signin))) {
            continue;
        }
        d[AR_BYPASSED].list[d[AR_BYPASSED].n_list++] = upn ? upn : nm;
        if (m && m->upn) {
            d[AR_BYPASSED].list2[d[AR_BYPASSED].n_list2++] = m->upn;
        }
    }
    for (int k = 0; k < AR__N && !s->nomem; k++) {
        if (d[k].n_list == 0) {
            continue;
        }
        size_t cnt = d[k].n_list;
        switch (k) {
        case AR_PLAN_DISABLED:
            m365_buf_printf(&d[k].summary,
                            "%zu account%s hold%s Audit (Premium) with the plan disabled or "
                            "suspended: their mail reads are not logged",
                            cnt, cnt == 1 ? "" : "s", cnt == 1 ? "s" : "");
            break;
        case AR_MAILBOX_OFF:
            m365_buf_printf(&d[k].summary,
                            "%zu mailbox%s with auditing off or bypassed (AuditEnabled false, "
                            "AuditBypassEnabled true): no mailbox actions are logged",
                            cnt, cnt == 1 ? "" : "es");
            break;
        case AR_BYPASSED:
            m365_buf_printf(&d[k].summary,
                            "%zu account%s bypass%s mailbox auditing "
                            "(Get-MailboxAuditBypassAssociation): nothing %s in any mailbox "
                            "is logged, MailItemsAccessed included",
                            cnt, cnt == 1 ? "" : "s", cnt == 1 ? "es" : "",
                            cnt == 1 ? "it does" : "they do");
            break;
        case AR_MIA_REMOVED:
            m365_buf_printf(&d[k].summary,
                            "%zu mailbox%s no longer log%s MailItemsAccessed for some logon "
                            "types (removed from AuditOwner, AuditDelegate or AuditAdmin): "
                            "reads by those logons are not logged",
                            cnt, cnt == 1 ? "" : "es", cnt == 1 ? "s" : "");
            break;
        default:
            m365_buf_printf(&d[k].summary,
                            "%zu account%s without an Audit (Premium) licence: mail reads "
                            "(MailItemsAccessed) are not logged for them",
                            cnt, cnt == 1 ? "" : "s");
            break;
        }
        int first = 1;
        m365_json_key(&d[k].details, &first, "reason");
        m365_json_cstr(&d[k].details, reason[k]);
        m365_json_key(&d[k].details, &first, "count");
        m365_buf_printf(&d[k].details, "%zu", cnt);
        m365_json_key(&d[k].details, &first, "service_plan_id");
        m365_json_cstr(&d[k].details, M365_PLAN_ADVANCED_AUDITING_ID);
        if (k == AR_NOT_LICENSED && from_skus) {
            /* assignedLicenses alone: judged from known SKUs, an add-on may be missed. */
            m365_json_key(&d[k].details, &first, "judged_from_sku_ids");
            m365_buf_printf(&d[k].details, "%zu", from_skus);
        }
        if (k == AR_PLAN_DISABLED || k == AR_NOT_LICENSED) {
            /* Which export decided, per account: assignedPlans (exact), the tenant's
             * subscribedSkus, or the built-in list of E5 skuIds. */
            m365_json_key(&d[k].details, &first, "licence_source");
            m365_buf_printf(&d[k].details,
                            "{\"assignedPlans\":%zu,\"subscribedSkus\":%zu,\"known_sku_ids\":%zu}",
                            src[k][M365_SNAP_SRC_PLANS], src[k][M365_SNAP_SRC_SUBSCRIBED],
                            src[k][M365_SNAP_SRC_KNOWN_SKUS]);
        }
        if (k == AR_MIA_REMOVED) {
            m365_json_key(&d[k].details, &first, "mailboxes");
            m365_buf_putc(&d[k].details, '[');
            for (size_t i = 0; i < d[k].n_list; i++) {
                int h = 1;
                m365_buf_puts(&d[k].details, i ? ",{" : "{");
                m365_json_key(&d[k].details, &h, "mailbox");
                json_str_or_null(&d[k].details, mia[i]->upn);
                const char *from[3];
                size_t nf = 0;
                static const unsigned bits[3] = {M365_LOGON_OWNER, M365_LOGON_DELEGATE,
                                                 M365_LOGON_ADMIN};
                static const char *const names[3] = {"AuditOwner", "AuditDelegate",
                                                     "AuditAdmin"};
                for (int b = 0; b < 3; b++) {
                    if (mia[i]->mia_removed & bits[b]) {
                        from[nf++] = names[b];
                    }
                }
                m365_posture_put_strings(&d[k].details, &h, "removed_from", from, nf);
                m365_buf_putc(&d[k].details, '}');
            }
            m365_buf_putc(&d[k].details, ']');
        }
        emit(s, &d[k]);
    }
    for (int k = 0; k < AR__N; k++) {
        draft_free(&d[k]);
    }
    free(mia);
}

/* --- applications ------------------------------------------------------------------------- */

static const char *const tech_apps[] = {"T1098.001", "T1528"};

/* Microsoft's own service principals: owned by a Microsoft tenant, or (when the owner is not
 * exported) a known first-party application id. */
static bool microsoft_sp(const struct m365_snap_sp *sp)
{
    return sp->owner ? m365_is_microsoft_tenant(sp->owner)
                     : m365_first_party_app(sp->app_id) != NULL;
}

static bool sp_principal(const struct m365_snap_assign *a, const struct m365_snap_sp *sp)
{
    return sp->id && a->principal && strcmp(a->principal, sp->id) == 0 &&
           (!a->principal_type || m365_ieq(a->principal_type, "ServicePrincipal"));
}

static void home_tenant(struct m365_snapshot *s)
{
    if (s->opts.tenant_id && *s->opts.tenant_id) {
        snprintf(s->home_buf, sizeof(s->home_buf), "%s", s->opts.tenant_id);
        for (char *p = s->home_buf; *p; p++) {
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        }
        s->home_tenant = s->home_buf;
        return;
    }
    /* The tenant that owns most of the non-Microsoft service principals (ties: the smallest
     * id, so the choice does not depend on file order). */
    const char **own = malloc((s->db.n_sps ? s->db.n_sps : 1) * sizeof(*own));
    if (!own) {
        s->nomem = true;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < s->db.n_sps; i++) {
        const char *o = s->db.sps[i].owner;
        if (o && !m365_is_microsoft_tenant(o)) {
            own[n++] = o;
        }
    }
    if (n > 1) {
        qsort(own, n, sizeof(*own), m365_cmp_cstr);
    }
    size_t best = 0;
    for (size_t i = 0; i < n;) {
        size_t k = i + 1;
        while (k < n && strcmp(own[k], own[i]) == 0) {
            k++;
        }
        if (k - i > best) {
            best = k - i;
            s->home_tenant = own[i];
        }
        i = k;
    }
    free(own);
}

void json_str_or_null(struct m365_buf *b, const char *v)
{
    if (v) {
        m365_json_cstr(b, v);
    } else {
        m365_buf_puts(b, "null");
    }
}

/* Assignments by principal and grants by client, in file order within a key. */
struct app_idx {
    struct index asg, grt;
};

static int cmp_key_i(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : x->i < y->i ? -1 : x->i > y->i;
}

static int app_idx_build(const struct m365_snapshot *s, struct app_idx *x)
{
    memset(x, 0, sizeof(*x));
    x->asg.v = malloc((s->db.n_assigns ? s->db.n_assigns : 1) * sizeof(struct key));
    x->grt.v = malloc((s->db.n_grants ? s->db.n_grants : 1) * sizeof(struct key));
    if (!x->asg.v || !x->grt.v) {
        return -1;
    }
    for (size_t i = 0; i < s->db.n_assigns; i++) {
        index_add(&x->asg, s->db.assigns[i].principal, i);
    }
    for (size_t i = 0; i < s->db.n_grants; i++) {
        index_add(&x->grt, s->db.grants[i].client, i);
    }
    qsort(x->asg.v, x->asg.n, sizeof(struct key), cmp_key_i);
    qsort(x->grt.v, x->grt.n, sizeof(struct key), cmp_key_i);
    return 0;
}

static void app_idx_free(struct app_idx *x)
{
    free(x->asg.v);
    free(x->grt.v);
}

/* The first entry of x with key k (x->n when none). */
size_t lower_bound(const struct index *x, const char *k)
{
    size_t lo = 0, hi = x->n;
    while (k && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(x->v[mid].k, k) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return k ? lo : x->n;
}

/* Names of the tracked roles an SP holds, unique, into roles[] (up to max); class bits. */
static size_t sp_roles(const struct m365_snapshot *s, const struct app_idx *x,
                       const struct m365_snap_sp *sp, const char **roles, size_t max,
                       unsigned *cls, size_t *n_any)
{
    size_t n = 0;
    *cls = 0;
    *n_any = 0;
    for (size_t j = lower_bound(&x->asg, sp->id);
         j < x->asg.n && strcmp(x->asg.v[j].k, sp->id) == 0; j++) {
        const struct m365_snap_assign *a = &s->db.assigns[x->asg.v[j].i];
        if (!sp_principal(a, sp)) {
            continue;
        }
        (*n_any)++;
        const struct m365_permission *p = m365_snap_assign_perm(a);
        if (!p) {
            continue;
        }
        *cls |= p->cls;
        bool dup = false;
        for (size_t k = 0; k < n; k++) {
            dup = dup || strcmp(roles[k], p->value) == 0;
        }
        if (!dup && n < max) {
            roles[n++] = p->value;
        }
    }
    return n;
}

static void put_roles(struct m365_buf *b, int *first, const char **roles, size_t n)
{
    m365_json_key(b, first, "roles");
    m365_buf_putc(b, '[');
    for (size_t k = 0; k < n; k++) {
        if (k) {
            m365_buf_putc(b, ',');
        }
        m365_json_cstr(b, roles[k]);
    }
    m365_buf_putc(b, ']');
}

/* The finding names the service principal (display name, else object id). */
static void app_entities(struct m365_snapshot *s, struct fdraft *d, const struct m365_snap_sp *sp,
                         const char **one)
{
    one[0] = sp->name ? sp->name : sp->id ? sp->id : "?";
    d->list = malloc(sizeof(*d->list));
    if (!d->list) {
        s->nomem = true;
        return;
    }
    d->list[0] = one[0];
    d->n_list = 1;
    d->list_kind = M365_ENT_SERVICE_PRINCIPALS;
}

#define PRIV_CLASSES (M365_PERM_MAIL | M365_PERM_EWS_ALL | M365_PERM_DIRECTORY)
#define MAX_ROLES 16

/* The application object of a service principal (same appId), NULL when not exported. */
static const struct m365_snap_app *sp_app(const struct m365_snapshot *s,
                                          const struct m365_snap_sp *sp)
{
    for (size_t i = 0; sp->app_id && i < s->db.n_apps; i++) {
        if (strcmp(s->db.apps[i].app_id, sp->app_id) == 0) {
            return &s->db.apps[i];
        }
    }
    return NULL;
}

/* A credential that replaces one of the same kind on the same object: it started after, or
 * within ROTATION_DAYS before, the older one's end. That is what rotating a secret or a
 * certificate looks like; a new credential beside long-valid ones is not. */
#define ROTATION_DAYS 30

static bool rotation(const struct m365_snap_cred *v, size_t n, const struct m365_snap_cred *c)
{
    for (size_t k = 0; k < n; k++) {
        const struct m365_snap_cred *o = &v[k];
        if (o == c || o->is_key != c->is_key || o->start == M365_TIME_NONE ||
            o->end == M365_TIME_NONE || o->start >= c->start) {
            continue;
        }
        if (c->start >= o->end - ROTATION_DAYS * M365_DAY_MS) {
            return true;
        }
    }
    return false;
}

struct cred_flags {
    size_t named, certs, recent, rotated;
};

static void judge_creds(const struct m365_snap_cred *v, size_t n, const char *app_name,
                        int64_t recent, struct cred_flags *f)
{
    for (size_t k = 0; k < n; k++) {
        const struct m365_snap_cred *c = &v[k];
        const char *nm = c->name;
        if (nm && m365_istarts(nm, "CN=")) {
            nm += 3;
        }
        f->named += nm && app_name && m365_ieq(nm, app_name);
        /* A signing certificate is listed twice (Sign and Verify): count one of them. */
        f->certs += c->is_key && !(c->usage && m365_ieq(c->usage, "Sign"));
        if (recent != M365_TIME_NONE && c->start != M365_TIME_NONE && c->start >= recent) {
            if (rotation(v, n, c)) {
                f->rotated++;
            } else {
                f->recent++;
            }
        }
    }
}

static void put_creds(struct m365_buf *b, bool *comma, const struct m365_snap_cred *v, size_t n,
                      const char *on)
{
    for (size_t k = 0; k < n; k++) {
        const struct m365_snap_cred *c = &v[k];
        int h = 1;
        m365_buf_puts(b, *comma ? ",{" : "{");
        *comma = true;
        m365_json_key(b, &h, "kind");
        m365_json_cstr(b, c->is_key ? "key" : "password");
        m365_json_key(b, &h, "on");
        m365_json_cstr(b, on);
        m365_json_key(b, &h, "display_name");
        json_str_or_null(b, c->name);
        m365_json_key(b, &h, "type");
        json_str_or_null(b, c->type);
        m365_json_key(b, &h, "key_id");
        json_str_or_null(b, c->key_id);
        key_time(b, &h, "start", c->start);
        key_time(b, &h, "end", c->end);
        m365_buf_putc(b, '}');
    }
}

/* Owners of a privileged service principal and of its application object; the ones an
 * attacker would use to add a credential stand out: guests, service principals (one app's
 * credential reaching another), and accounts nobody signs in with. */
enum { OWN_GUEST = 1, OWN_SP = 2, OWN_DORMANT = 4, OWN_NEVER = 8 };

struct owner_hit {
    const struct m365_snap_owner *o;
    unsigned flags;
};

static size_t app_owners(const struct m365_snapshot *s, const struct joins *j,
                         const struct m365_snap_sp *sp, const struct m365_snap_app *app,
                         struct owner_hit *out, size_t max, unsigned *all)
{
    size_t n = 0;
    *all = 0;
    for (size_t i = 0; i < s->db.n_owners && n < max; i++) {
        const struct m365_snap_owner *o = &s->db.owners[i];
        bool mine = o->of_app ? app && app->id && strcmp(o->of, app->id) == 0
                              : sp->id && strcmp(o->of, sp->id) == 0;
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++) {
            dup = out[k].o->of_app == o->of_app && strcmp(out[k].o->id, o->id) == 0;
        }
        if (!mine || dup) {
            continue;
        }
        unsigned f = 0;
        const struct m365_snap_user *u = find_user(s, j, o->id, o->upn);
        const char *upn = o->upn ? o->upn : u ? u->upn : NULL;
        if (!allowed(s, o->id, upn)) {
            if ((upn && strstr(upn, "#ext#")) || (u && u->guest)) {
                f |= OWN_GUEST;
            }
            if (o->type && m365_ieq(o->type, "servicePrincipal")) {
                f |= OWN_SP;
            }
            int64_t created;
            int dz = u ? dormancy(s, u, find_mbx(s, j, u->id, u->upn), &created) : 0;
            f |= dz == 1 ? OWN_DORMANT : dz == 2 ? OWN_NEVER : 0;
        }
        out[n++] = (struct owner_hit){o, f};
        *all |= f;
    }
    return n;
}

static void put_owners(struct m365_buf *b, int *first, const struct owner_hit *v, size_t n,
                       bool loaded)
{
    m365_json_key(b, first, "owners");
    if (!loaded) {
        m365_buf_puts(b, "null"); /* no owners export: unknown, not "none" */
        return;
    }
    m365_buf_putc(b, '[');
    for (size_t k = 0; k < n; k++) {
        const struct m365_snap_owner *o = v[k].o;
        int h = 1;
        m365_buf_puts(b, k ? ",{" : "{");
        m365_json_key(b, &h, "on");
        m365_json_cstr(b, o->of_app ? "application" : "servicePrincipal");
        m365_json_key(b, &h, "type");
        json_str_or_null(b, o->type);
        m365_json_key(b, &h, "id");
        json_str_or_null(b, o->id);
        m365_json_key(b, &h, "user_principal_name");
        json_str_or_null(b, o->upn);
        m365_json_key(b, &h, "display_name");
        json_str_or_null(b, o->name);
        m365_json_key(b, &h, "app_id");
        json_str_or_null(b, o->app_id);
        const char *f[4];
        size_t nf = 0;
        if (v[k].flags & OWN_GUEST) {
            f[nf++] = "guest";
        }
        if (v[k].flags & OWN_SP) {
            f[nf++] = "service-principal";
        }
        if (v[k].flags & OWN_DORMANT) {
            f[nf++] = "dormant";
        }
        if (v[k].flags & OWN_NEVER) {
            f[nf++] = "never-signed-in";
        }
        m365_posture_put_strings(b, &h, "flags", f, nf);
        m365_buf_putc(b, '}');
    }
    m365_buf_putc(b, ']');
}

#define MAX_OWNERS 32

/* posture-privileged-app: non-Microsoft service principals holding application permissions
 * that read all mail or rewrite the directory, or a privileged directory role, with what could
 * sign in as them (credentials on the service principal and on its application object). */
static void rule_privileged_app(struct m365_snapshot *s, const struct app_idx *x,
                                const struct joins *j)
{
    if (s->db.n_sps == 0 || (s->db.n_assigns == 0 && s->db.n_dirroles == 0)) {
        not_evaluated(s, "posture-privileged-app",
                      "needs servicePrincipals and their appRoleAssignments or directory role "
                      "assignments");
        return;
    }
    int64_t recent = s->as_of == M365_TIME_NONE ? M365_TIME_NONE
                                                : s->as_of - (int64_t)s->recent_days * M365_DAY_MS;
    for (size_t i = 0; i < s->db.n_sps && !s->nomem; i++) {
        const struct m365_snap_sp *sp = &s->db.sps[i];
        if (microsoft_sp(sp)) {
            continue;
        }
        const char *roles[MAX_ROLES];
        unsigned cls;
        size_t n_any;
        size_t n_roles = sp_roles(s, x, sp, roles, MAX_ROLES, &cls, &n_any);
        const char *dir[MAX_DIR_ROLES];
        bool tier0;
        size_t n_dir = m365_posture_roles_of(s, sp->id, NULL, dir, MAX_DIR_ROLES, &tier0);
        if (!(cls & PRIV_CLASSES) && n_dir == 0) {
            continue;
        }
        const struct m365_snap_app *app = sp_app(s, sp);
        struct cred_flags cf = {0, 0, 0, 0};
        judge_creds(sp->creds, sp->n_creds, sp->name, recent, &cf);
        if (app) {
            judge_creds(app->creds, app->n_creds, app->name ? app->name : sp->name, recent, &cf);
        }
        size_t n_creds = sp->n_creds + (app ? app->n_creds : 0);
        struct owner_hit own[MAX_OWNERS];
        unsigned oflags;
        size_t n_own = app_owners(s, j, sp, app, own, MAX_OWNERS, &oflags);
        bool flagged = cf.named > 0 || cf.certs > 1 || cf.recent > 0 || oflags != 0;
        const char *foreign = sp->owner && s->home_tenant && strcmp(sp->owner, s->home_tenant) != 0
                                  ? sp->owner
                                  : NULL;
        struct fdraft d;
        const char *one[1];
        draft_init(&d, "posture-privileged-app",
                   "Application with mail or directory-write permissions",
                   flagged || tier0 ? M365_SEV_HIGH : M365_SEV_MEDIUM);
        d.techs = tech_apps;
        d.n_techs = 2;
        app_entities(s, &d, sp, one);
        m365_buf_printf(&d.summary, "%s holds ", one[0]);
        for (size_t k = 0; k < n_roles; k++) {
            m365_buf_printf(&d.summary, "%s%s", k ? ", " : "", roles[k]);
        }
        for (size_t k = 0; k < n_dir; k++) {
            m365_buf_printf(&d.summary, "%s%s", k || n_roles ? ", " : "the directory role ",
                            dir[k]);
        }
        m365_buf_printf(&d.summary, " with %zu credential%s", n_creds, n_creds == 1 ? "" : "s");
        if (cf.named) {
            m365_buf_puts(&d.summary, "; a credential is named after the app");
        }
        if (cf.certs > 1) {
            m365_buf_printf(&d.summary, "; %zu certificates", cf.certs);
        }
        if (cf.recent) {
            m365_buf_printf(&d.summary, "; %zu credential%s added in the last %u days", cf.recent,
                            cf.recent == 1 ? "" : "s", s->recent_days);
        }
        for (size_t k = 0, said = 0; k < n_own; k++) {
            unsigned f = own[k].flags;
            if (!f) {
                continue;
            }
            const struct m365_snap_owner *o = own[k].o;
            m365_buf_printf(&d.summary, "%s%s (%s)", said++ ? ", " : "; owned by ",
                            o->upn ? o->upn : o->name ? o->name : o->id,
                            f & OWN_GUEST     ? "a guest"
                            : f & OWN_SP      ? "a service principal"
                            : f & OWN_NEVER   ? "never signed in"
                                              : "dormant");
        }
        int first = 1;
        m365_json_key(&d.details, &first, "app_id");
        json_str_or_null(&d.details, sp->app_id);
        m365_json_key(&d.details, &first, "service_principal_id");
        json_str_or_null(&d.details, sp->id);
        m365_json_key(&d.details, &first, "application_id");
        json_str_or_null(&d.details, app ? app->id : NULL);
        m365_json_key(&d.details, &first, "owner_tenant");
        json_str_or_null(&d.details, sp->owner);
        m365_json_key(&d.details, &first, "foreign");
        m365_buf_puts(&d.details, foreign ? "true" : "false");
        put_roles(&d.details, &first, roles, n_roles);
        m365_posture_put_strings(&d.details, &first, "directory_roles", dir, n_dir);
        put_owners(&d.details, &first, own, n_own, s->db.owners_loaded);
        m365_json_key(&d.details, &first, "credentials");
        m365_buf_putc(&d.details, '[');
        bool comma = false;
        put_creds(&d.details, &comma, sp->creds, sp->n_creds, "servicePrincipal");
        if (app) {
            put_creds(&d.details, &comma, app->creds, app->n_creds, "application");
        }
        m365_buf_putc(&d.details, ']');
        m365_json_key(&d.details, &first, "rotated_credentials");
        m365_buf_printf(&d.details, "%zu", cf.rotated);
        const char *flags[6];
        size_t n_flags = 0;
        if (cf.named) {
            flags[n_flags++] = "credential-named-after-app";
        }
        if (cf.certs > 1) {
            flags[n_flags++] = "several-certificates";
        }
        if (cf.recent) {
            flags[n_flags++] = "recent-credential";
        }
        if (oflags & OWN_GUEST) {
            flags[n_flags++] = "guest-owner";
        }
        if (oflags & OWN_SP) {
            flags[n_flags++] = "service-principal-owner";
        }
        if (oflags & (OWN_DORMANT | OWN_NEVER)) {
            flags[n_flags++] = "dormant-owner";
        }
        m365_posture_put_strings(&d.details, &first, "flags", flags, n_flags);
        emit(s, &d);
        draft_free(&d);
    }
}

/* posture-foreign-app: service principals of another, non-Microsoft tenant holding app roles
 * or delegated consent here. Severity follows what they hold: directory write or
 * full_access_as_app high, mail (application, or delegated for everyone) medium, else low. */
static void rule_foreign_app(struct m365_snapshot *s, const struct app_idx *x)
{
    if (s->db.n_sps == 0 || (s->db.n_assigns == 0 && s->db.n_grants == 0)) {
        not_evaluated(s, "posture-foreign-app",
                      "needs servicePrincipals and their appRoleAssignments or "
                      "oauth2PermissionGrants");
        return;
    }
    if (!s->home_tenant) {
        not_evaluated(s, "posture-foreign-app",
                      "home tenant unknown (no app owned by this tenant): give --tenant-id");
        return;
    }
    for (size_t i = 0; i < s->db.n_sps && !s->nomem; i++) {
        const struct m365_snap_sp *sp = &s->db.sps[i];
        if (!sp->owner || microsoft_sp(sp) || strcmp(sp->owner, s->home_tenant) == 0) {
            continue;
        }
        const char *roles[MAX_ROLES];
        unsigned cls;
        size_t n_any;
        size_t n_roles = sp_roles(s, x, sp, roles, MAX_ROLES, &cls, &n_any);
        size_t n_grants = 0;
        unsigned gcls = 0;
        bool all_users = false;
        for (size_t k = lower_bound(&x->grt, sp->id);
             k < x->grt.n && strcmp(x->grt.v[k].k, sp->id) == 0; k++) {
            const struct m365_snap_grant *g = &s->db.grants[x->grt.v[k].i];
            n_grants++;
            unsigned c = m365_scopes_class(g->scope);
            bool tenant_wide = g->consent && m365_ieq(g->consent, "AllPrincipals");
            all_users = all_users || tenant_wide;
            gcls |= tenant_wide ? c : c & (M365_PERM_MAIL | M365_PERM_DIRECTORY);
        }
        if (n_any == 0 && n_grants == 0) {
            continue;
        }
        enum m365_severity sev = M365_SEV_LOW;
        if (cls & (M365_PERM_DIRECTORY | M365_PERM_EWS_ALL)) {
            sev = M365_SEV_HIGH;
        } else if ((cls & M365_PERM_MAIL) || (all_users && (gcls & PRIV_CLASSES))) {
            sev = M365_SEV_MEDIUM;
        }
        struct fdraft d;
        const char *one[1];
        draft_init(&d, "posture-foreign-app", "Application of another tenant with access here",
                   sev);
        d.techs = tech_apps;
        d.n_techs = 2;
        app_entities(s, &d, sp, one);
        m365_buf_printf(&d.summary, "%s, owned by tenant %s, holds %zu app role%s", one[0],
                        sp->owner, n_any, n_any == 1 ? "" : "s");
        if (n_roles) {
            m365_buf_puts(&d.summary, " (");
            for (size_t k = 0; k < n_roles; k++) {
                m365_buf_printf(&d.summary, "%s%s", k ? ", " : "", roles[k]);
            }
            m365_buf_putc(&d.summary, ')');
        }
        m365_buf_printf(&d.summary, " and %zu delegated grant%s%s", n_grants,
                        n_grants == 1 ? "" : "s", all_users ? " (one for all users)" : "");
        int first = 1;
        m365_json_key(&d.details, &first, "app_id");
        json_str_or_null(&d.details, sp->app_id);
        m365_json_key(&d.details, &first, "service_principal_id");
        json_str_or_null(&d.details, sp->id);
        m365_json_key(&d.details, &first, "owner_tenant");
        json_str_or_null(&d.details, sp->owner);
        m365_json_key(&d.details, &first, "home_tenant");
        m365_json_cstr(&d.details, s->home_tenant);
        m365_json_key(&d.details, &first, "app_role_assignments");
        m365_buf_printf(&d.details, "%zu", n_any);
        put_roles(&d.details, &first, roles, n_roles);
        m365_json_key(&d.details, &first, "delegated_grants");
        m365_buf_printf(&d.details, "%zu", n_grants);
        m365_json_key(&d.details, &first, "delegated_for_all_users");
        m365_buf_puts(&d.details, all_users ? "true" : "false");
        emit(s, &d);
        draft_free(&d);
    }
}

static int cmp_finding(const void *a, const void *b)
{
    const struct m365_finding *x = a, *y = b;
    if (x->severity != y->severity) {
        return x->severity > y->severity ? -1 : 1;
    }
    int c = strcmp(x->rule, y->rule);
    if (c) {
        return c;
    }
    const char *ex = x->entities[M365_ENT_USERS].n ? x->entities[M365_ENT_USERS].items[0] : "";
    const char *ey = y->entities[M365_ENT_USERS].n ? y->entities[M365_ENT_USERS].items[0] : "";
    c = strcmp(ex, ey);
    return c ? c : strcmp(x->summary, y->summary);
}

/* Path i's member, or NULL with *err set. */
static struct m365_input *open_member(struct m365_snapshot *s, struct m365_zip_cache *zc,
                                      size_t i, const char **err)
{
    struct m365_zip *z = m365_zip_cache_open(zc, s->paths[i], s->where[i].archive_len,
                                             s->where[i].archive_file, s->opts.zip_passwords,
                                             s->opts.n_zip_passwords, err);
    return z ? m365_input_open_member(z, s->where[i].member, &s->opts.limits, 0, err) : NULL;
}

enum m365_status m365_snapshot_run(struct m365_snapshot *s)
{
    s->files = calloc(s->n_paths ? s->n_paths : 1, sizeof(*s->files));
    if (!s->files) {
        return M365_E_NOMEM;
    }
    struct m365_zip_cache zc = {0};
    for (size_t i = 0; i < s->n_paths; i++) {
        struct m365_snapshot_file *f = &s->files[s->n_files++];
        enum m365_status rst;
        if (s->where[i].archive_len || s->where[i].fd >= 0) {
            const char *err = NULL;
            struct m365_input *in =
                s->where[i].fd >= 0
                    ? m365_input_open_window(s->where[i].fd, s->where[i].member, s->where[i].size,
                                             M365_COMP_NONE, &s->opts.limits, 0, &err)
                    : open_member(s, &zc, i, &err);
            rst = m365_snap_read_input(&s->db, in, err, s->paths[i], &s->opts.limits, f);
        } else {
            rst = m365_snap_read_file(&s->db, s->paths[i], &s->opts.limits, f);
        }
        if (rst != M365_OK) {
            m365_zip_cache_close(&zc);
            return M365_E_NOMEM;
        }
        if (f->error) {
            diag(s, M365_DIAG_NOTE, M365_E_FORMAT, f->path, 0, f->error);
        }
    }
    m365_zip_cache_close(&zc);
    m365_snap_resolve_licences(&s->db);
    s->as_of = s->opts.as_of_ms != M365_TIME_NONE ? s->opts.as_of_ms : s->db.newest;
    struct joins j;
    if (joins_build(s, &j) != 0) {
        joins_free(&j);
        return M365_E_NOMEM;
    }
    if (m365_posture_roles_build(s) != 0) {
        joins_free(&j);
        m365_posture_roles_free(s);
        return M365_E_NOMEM;
    }
    rule_no_audit(s, &j);
    rule_no_mfa(s, &j);
    rule_dormant(s, &j);
    struct app_idx ax;
    if (app_idx_build(s, &ax) != 0) {
        app_idx_free(&ax);
        joins_free(&j);
        m365_posture_roles_free(s);
        return M365_E_NOMEM;
    }
    home_tenant(s);
    rule_privileged_app(s, &ax, &j);
    joins_free(&j);
    rule_foreign_app(s, &ax);
    app_idx_free(&ax);
    m365_posture_rule_mfa_registration(s);
    m365_posture_rule_legacy_auth(s);
    m365_posture_rule_app_impersonation(s);
    m365_posture_rule_federated_domain(s);
    m365_posture_rule_mailbox_forwarding(s);
    m365_posture_roles_free(s);
    if (s->nomem) {
        return M365_E_NOMEM;
    }
    if (s->n_findings > 1) {
        qsort(s->findings, s->n_findings, sizeof(*s->findings), cmp_finding);
    }
    return M365_OK;
}

size_t m365_snapshot_n_files(const struct m365_snapshot *s)
{
    return s->n_files;
}

const struct m365_snapshot_file *m365_snapshot_file(const struct m365_snapshot *s, size_t i)
{
    return i < s->n_files ? &s->files[i] : NULL;
}

struct m365_snapshot_counts m365_snapshot_counts(const struct m365_snapshot *s)
{
    struct m365_snapshot_counts c;
    memset(&c, 0, sizeof(c));
    c.users = s->db.n_users;
    c.registrations = s->db.n_regs;
    c.mailboxes = s->db.n_mbxs;
    c.service_principals = s->db.n_sps;
    c.grants = s->db.n_grants;
    c.app_role_assignments = s->db.n_assigns;
    c.as_of_ms = s->as_of;
    c.applications = s->db.n_apps;
    c.directory_role_assignments = s->db.n_dirroles;
    c.ca_policies = s->db.n_cas;
    c.domains = s->db.n_domains;
    c.federation_configs = s->db.n_feds;
    c.audit_bypass = s->db.n_bypasses;
    c.management_role_assignments = s->db.n_mras;
    c.subscribed_skus = s->db.n_skus;
    c.owners = s->db.n_owners;
    return c;
}

void m365_snapshot_counts_json(struct m365_buf *b, int *first, const struct m365_snapshot_counts *k)
{
    const struct {
        const char *key;
        size_t n;
    } kinds[] = {{"users", k->users},
                 {"registrations", k->registrations},
                 {"mailboxes", k->mailboxes},
                 {"service_principals", k->service_principals},
                 {"oauth2_permission_grants", k->grants},
                 {"app_role_assignments", k->app_role_assignments},
                 {"applications", k->applications},
                 {"directory_role_assignments", k->directory_role_assignments},
                 {"ca_policies", k->ca_policies},
                 {"domains", k->domains},
                 {"federation_configs", k->federation_configs},
                 {"audit_bypass", k->audit_bypass},
                 {"management_role_assignments", k->management_role_assignments},
                 {"subscribed_skus", k->subscribed_skus},
                 {"owners", k->owners}};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        m365_json_key(b, first, kinds[i].key);
        m365_buf_printf(b, "%zu", kinds[i].n);
    }
}

size_t m365_snapshot_n_not_evaluated(const struct m365_snapshot *s)
{
    return s->n_not_eval;
}

void m365_snapshot_not_evaluated(const struct m365_snapshot *s, size_t i, const char **rule,
                                 const char **reason)
{
    *rule = i < s->n_not_eval ? s->not_eval[i].rule : NULL;
    *reason = i < s->n_not_eval ? s->not_eval[i].reason : NULL;
}

size_t m365_snapshot_n_findings(const struct m365_snapshot *s)
{
    return s->n_findings;
}

const struct m365_finding *m365_snapshot_finding(const struct m365_snapshot *s, size_t i)
{
    return i < s->n_findings ? &s->findings[i] : NULL;
}

static int buf_writer(const char *data, size_t len, void *user)
{
    return m365_buf_append(user, data, len);
}

enum m365_status m365_snapshot_write_report_json(const struct m365_snapshot *s, int argc,
                                                 char *const *argv, m365_write_fn w, void *user)
{
    struct m365_buf b;
    m365_buf_init(&b, 0);
    int f = 1;
    m365_buf_putc(&b, '{');
    m365_json_key(&b, &f, "schema_version");
    m365_buf_printf(&b, "%d", M365HUNT_SCHEMA_VERSION);
    m365_json_key(&b, &f, "tool_version");
    m365_json_cstr(&b, M365HUNT_VERSION);
    m365_json_key(&b, &f, "command");
    m365_buf_putc(&b, '[');
    for (int i = 0; i < argc; i++) {
        if (i) {
            m365_buf_putc(&b, ',');
        }
        m365_json_cstr(&b, argv[i]);
    }
    m365_buf_putc(&b, ']');
    key_time(&b, &f, "as_of", s->as_of);
    m365_json_key(&b, &f, "snapshot");
    int g = 1;
    m365_buf_putc(&b, '{');
    m365_json_key(&b, &g, "files");
    m365_buf_putc(&b, '[');
    for (size_t i = 0; i < s->n_files; i++) {
        const struct m365_snapshot_file *fi = &s->files[i];
        int h = 1;
        m365_buf_puts(&b, i ? ",{" : "{");
        m365_json_key(&b, &h, "path");
        m365_json_cstr(&b, fi->path);
        m365_json_key(&b, &h, "kind");
        if (fi->kind == M365_SNAP_NONE) {
            m365_buf_puts(&b, "null");
        } else {
            m365_json_cstr(&b, m365_snapshot_kind_name(fi->kind));
        }
        m365_json_key(&b, &h, "format");
        if (fi->format) {
            m365_json_cstr(&b, fi->format);
        } else {
            m365_buf_puts(&b, "null");
        }
        m365_json_key(&b, &h, "records");
        m365_buf_printf(&b, "%llu", (unsigned long long)fi->records);
        m365_json_key(&b, &h, "skipped");
        m365_buf_printf(&b, "%llu", (unsigned long long)fi->skipped);
        m365_json_key(&b, &h, "error");
        if (fi->error) {
            m365_json_cstr(&b, fi->error);
        } else {
            m365_buf_puts(&b, "null");
        }
        m365_buf_putc(&b, '}');
    }
    m365_buf_putc(&b, ']');
    struct m365_snapshot_counts counts = m365_snapshot_counts(s);
    m365_snapshot_counts_json(&b, &g, &counts);
    m365_json_key(&b, &g, "home_tenant");
    json_str_or_null(&b, s->home_tenant);
    m365_buf_putc(&b, '}');
    m365_json_key(&b, &f, "not_evaluated");
    m365_buf_putc(&b, '[');
    for (size_t i = 0; i < s->n_not_eval; i++) {
        int h = 1;
        m365_buf_puts(&b, i ? ",{" : "{");
        m365_json_key(&b, &h, "rule");
        m365_json_cstr(&b, s->not_eval[i].rule);
        m365_json_key(&b, &h, "reason");
        m365_json_cstr(&b, s->not_eval[i].reason);
        m365_buf_putc(&b, '}');
    }
    m365_buf_putc(&b, ']');
    m365_json_key(&b, &f, "findings");
    m365_buf_putc(&b, '[');
    enum m365_status st = M365_OK;
    for (size_t i = 0; i < s->n_findings && st == M365_OK; i++) {
        if (i) {
            m365_buf_putc(&b, ',');
        }
        st = m365_finding_write_json(&s->findings[i], buf_writer, &b);
    }
    m365_buf_puts(&b, "]}\n");
    if (st == M365_OK && b.failed) {
        st = M365_E_NOMEM;
    }
    if (st == M365_OK && w(b.data, b.len, user) != 0) {
        st = M365_E_IO;
    }
    m365_buf_free(&b);
    return st;
}

/* For the scan's snapshot context (snap_context.h). */
const struct m365_snap_db *m365_snapshot_db(const struct m365_snapshot *s)
{
    return &s->db;
}

const char *m365_snapshot_home_tenant(const struct m365_snapshot *s)
{
    return s->home_tenant;
}

bool m365_snapshot_bypass_matches(const struct m365_snap_bypass *b, const struct m365_snap_mbx *m)
{
    return bypass_is(b, m);
}
