/* Plumbing and invariant checks shared by the fuzz targets (see fuzz_common.h). */
#define _GNU_SOURCE /* memfd_create */
#include "fuzz_common.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/norm.h"
#include "io/input.h"
#include "io/tar_archive.h"
#include "io/zip_archive.h"
#include "m365hunt/m365hunt.h"
#include "readers/csv_rows.h"
#include "readers/json_records.h"
#include "readers/reader.h"

#define JSON_CHECK_MAX (256u << 20) /* largest serialised event or finding the checker takes */

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz check failed: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

const char *fuzz_memfd_path(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[48];
    if (fd < 0) {
        fd = memfd_create("m365-fuzz", MFD_CLOEXEC);
        if (fd < 0) {
            fuzz_fail("memfd_create: %s", strerror(errno));
        }
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0) {
        fuzz_fail("ftruncate: %s", strerror(errno));
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            fuzz_fail("pwrite: %s", strerror(errno));
        }
        done += (size_t)n;
    }
    return path;
}

struct m365_limits fuzz_limits(size_t max_record_bytes)
{
    struct m365_scan_options o;
    m365_scan_options_init(&o);
    o.limits.max_record_bytes = max_record_bytes;
    o.limits.max_decompressed_bytes = FUZZ_MAX_DECOMPRESSED;
    return o.limits;
}

char *fuzz_decode_all(const char *path, const struct m365_limits *lim, size_t read_chunk,
                      size_t *len, enum m365_status *st)
{
    const char *err = NULL;
    struct m365_input *in = m365_input_open(path, lim, read_chunk, &err);
    if (!in) {
        fuzz_fail("m365_input_open(%s): %s", path, err ? err : "?");
    }
    struct m365_buf b;
    m365_buf_init(&b, 0);
    for (;;) {
        if (m365_buf_reserve(&b, 64 << 10) != 0) {
            fuzz_fail("out of memory decoding the input");
        }
        size_t n = m365_input_read(in, b.data + b.len, b.cap - b.len - 1);
        if (n == 0) {
            break;
        }
        b.len += n;
    }
    m365_input_error(in, st);
    m365_input_close(in);
    *len = b.len;
    if (!b.data) {
        b.data = malloc(1); /* an empty stream still gives a pointer to free */
        if (!b.data) {
            fuzz_fail("out of memory");
        }
    }
    return b.data;
}

struct m365_json *fuzz_json(void)
{
    static struct m365_json *j;
    if (!j) {
        j = m365_json_new(JSON_CHECK_MAX, 256);
        if (!j) {
            fuzz_fail("m365_json_new failed");
        }
    }
    return j;
}

void fuzz_check_json(const char *what, const char *text, size_t len)
{
    struct m365_json *j = fuzz_json();
    struct m365_jv root;
    const char *err = NULL;
    if (m365_json_parse(j, text, len, false, &root, &err) != 0) {
        fuzz_fail("%s is not valid JSON (%s): %.*s", what, err ? err : "?",
                  (int)(len > 4000 ? 4000 : len), text);
    }
    m365_json_reset(j);
}

int fuzz_buf_writer(const char *data, size_t len, void *user)
{
    return m365_buf_append(user, data, len);
}

void fuzz_touch(const void *p, size_t len)
{
    const volatile unsigned char *c = p;
    unsigned char acc = 0;
    for (size_t i = 0; i < len; i++) {
        acc ^= c[i];
    }
    (void)acc;
}

/* --- Whole scans ------------------------------------------------------------------------- */

static void on_diag(const struct m365_diag *d, void *user)
{
    (void)user;
    if (!d->file || !d->msg) {
        fuzz_fail("diagnostic without file or message");
    }
    if ((unsigned)d->level > M365_DIAG_ERROR) {
        fuzz_fail("diagnostic level %d out of range", (int)d->level);
    }
    /* scan.h: one short line of text, whatever the input held. */
    if (strchr(d->msg, '\n') || strchr(d->msg, '\r')) {
        fuzz_fail("diagnostic message holds a line break: %s", d->msg);
    }
    fuzz_touch(d->file, strlen(d->file));
    if (d->field) {
        fuzz_touch(d->field, strlen(d->field));
    }
}

static bool is_json_reader(const char *name)
{
    const struct m365_reader *rd = m365_reader_find(name);
    return rd && rd->json_records; /* read through m365_json_read_all */
}

/* A scanned file opened again: a plain one, or a member of the ZIP, tar or 7-Zip archive its
 * path starts with (archive_len; found by its name as the scan writes it). NULL (no check
 * possible) for a member whose name the archive holds twice, or one of an archive inside an
 * archive (its unpacked copy is the scan's own). */
struct fuzz_reopen {
    struct m365_zip *zip;
    struct m365_tar_files tar;
};

/* A member of the tar or 7-Zip archive, listed again (unpacked again when compressed). */
static struct m365_input *reopen_tar(const struct m365_file_stats *fs, const char *archive,
                                     const struct m365_limits *lim, struct fuzz_reopen *ro,
                                     const char *zip_why)
{
    char why[512];
    memset(&ro->tar, 0, sizeof(ro->tar));
    ro->tar.archive_fd = ro->tar.temp_fd = -1;
    if (m365_tar_files(archive, NULL, NULL, lim, &ro->tar, why, sizeof(why)) != M365_OK) {
        fuzz_fail("%s: the archive opened by the scan cannot be opened again: %s; %s", fs->path,
                  zip_why, why);
    }
    const struct m365_tar_file *found = NULL;
    size_t hits = 0;
    for (size_t i = 0; i < ro->tar.n; i++) {
        if (strcmp(ro->tar.v[i].path, fs->path) == 0) {
            found = &ro->tar.v[i];
            hits++;
        }
    }
    if (hits != 1) {
        return NULL;
    }
    const char *err = NULL;
    struct m365_input *in = m365_input_open_window(
        found->fd, found->offset, found->size, ro->tar.seven_zip ? M365_COMP_7Z : M365_COMP_TAR,
        lim, 0, &err);
    if (!in) {
        fuzz_fail("%s: member read by the scan cannot be opened again: %s", fs->path,
                  err ? err : "?");
    }
    return in;
}

static bool same_member_name(const char *label, const char *name)
{
    for (; *name; label++, name++) {
        unsigned char c = (unsigned char)*name;
        if (*label != (c < 0x20 || c == 0x7f ? '?' : (char)c)) {
            return false;
        }
    }
    return *label == '\0';
}

static struct m365_input *reopen(const struct m365_file_stats *fs, const struct m365_limits *lim,
                                 struct fuzz_reopen *ro)
{
    ro->zip = NULL;
    memset(&ro->tar, 0, sizeof(ro->tar));
    ro->tar.archive_fd = ro->tar.temp_fd = -1;
    const char *path = fs->path;
    const char *err = NULL;
    if (!fs->archive_len) {
        struct m365_input *in = m365_input_open(path, lim, 0, &err);
        if (!in) {
            fuzz_fail("m365_input_open(%s): %s", path, err ? err : "?");
        }
        return in;
    }
    char archive[4096];
    snprintf(archive, sizeof(archive), "%.*s", (int)fs->archive_len, path);
    struct stat sb;
    if (stat(archive, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        return NULL;
    }
    const char *member = path + fs->archive_len + 1;
    char why[200];
    if (m365_zip_open(archive, &ro->zip, why, sizeof(why)) != M365_OK) {
        ro->zip = NULL;
        struct m365_input *in = reopen_tar(fs, archive, lim, ro, why);
        if (!in) {
            m365_tar_files_free(&ro->tar);
        }
        return in;
    }
    m365_zip_set_passwords(ro->zip, fuzz_zip_passwords, FUZZ_N_ZIP_PASSWORDS);
    uint64_t found = UINT64_MAX, hits = 0;
    for (uint64_t i = 0; i < m365_zip_count(ro->zip); i++) {
        struct m365_zip_member m;
        if (m365_zip_member(ro->zip, i, &m) == 0 && same_member_name(member, m.name)) {
            found = i;
            hits++;
        }
    }
    if (hits != 1) {
        m365_zip_close(ro->zip);
        ro->zip = NULL;
        return NULL;
    }
    struct m365_input *in = m365_input_open_member(ro->zip, found, lim, 0, &err);
    if (!in) {
        fuzz_fail("%s: member read by the scan cannot be opened again: %s", path,
                  err ? err : "?");
    }
    return in;
}

static void reclose(struct m365_input *in, struct fuzz_reopen *ro)
{
    m365_input_close(in);
    m365_zip_close(ro->zip);
    m365_tar_files_free(&ro->tar);
}

/* Records a JSON reader must account for: every framed element, kept or skipped;
 * UINT64_MAX when the file cannot be told apart to be read again. */
static uint64_t count_json_records(const struct m365_file_stats *fs,
                                   const struct m365_limits *lim)
{
    struct fuzz_reopen ro;
    struct m365_input *in = reopen(fs, lim, &ro);
    if (!in) {
        return UINT64_MAX;
    }
    struct m365_json_records *jr = m365_json_records_new(in, (size_t)lim->max_record_bytes);
    if (!jr) {
        fuzz_fail("m365_json_records_new failed");
    }
    uint64_t n = 0;
    struct m365_json_record rec;
    enum m365_status st;
    while ((st = m365_json_records_next(jr, &rec)) != M365_E_EOF) {
        if (st == M365_E_NOMEM) {
            fuzz_fail("out of memory framing JSON records");
        }
        n++;
    }
    m365_json_records_free(jr);
    reclose(in, &ro);
    return n;
}

/* Records a CSV reader must account for: every row after the header, the header itself when it
 * was too large to keep; Purview skips "#TYPE" lines before its header. Mirrors the readers'
 * header rule (csv_read.c). */
static uint64_t count_csv_records(const struct m365_file_stats *fs, const struct m365_limits *lim,
                                  bool purview)
{
    struct fuzz_reopen ro;
    struct m365_input *in = reopen(fs, lim, &ro);
    if (!in) {
        return UINT64_MAX;
    }
    struct m365_csv_rows *rows = m365_csv_rows_new(in, (size_t)lim->max_record_bytes);
    if (!rows) {
        fuzz_fail("m365_csv_rows_new failed");
    }
    uint64_t n = 0;
    bool have_header = false;
    struct m365_csv_row row;
    enum m365_status st;
    while ((st = m365_csv_rows_next(rows, &row)) != M365_E_EOF) {
        if (st == M365_E_NOMEM) {
            fuzz_fail("out of memory framing CSV rows");
        }
        if (st == M365_E_LIMIT) {
            n++;
            have_header = true;
            continue;
        }
        if (!have_header) {
            if (!(purview && row.raw_len > 0 && row.raw[0] == '#')) {
                have_header = true;
            }
            continue;
        }
        n++;
    }
    m365_csv_rows_free(rows);
    reclose(in, &ro);
    return n;
}

static void check_file(const struct m365_file_stats *fs, const char *input_format,
                       const struct m365_limits *lim)
{
    if (fs->records_read != fs->parsed + fs->skipped + fs->duplicates) {
        fuzz_fail("%s: records_read %" PRIu64 " != parsed %" PRIu64 " + skipped %" PRIu64
                  " + duplicates %" PRIu64,
                  fs->path, fs->records_read, fs->parsed, fs->skipped, fs->duplicates);
    }
    /* untimed is counted when an event is stored, before duplicates are taken out. */
    if (fs->untimed > fs->parsed + fs->duplicates) {
        fuzz_fail("%s: untimed %" PRIu64 " > parsed %" PRIu64 " + duplicates %" PRIu64, fs->path,
                  fs->untimed, fs->parsed, fs->duplicates);
    }
    if ((fs->first_ms == INT64_MIN) != (fs->last_ms == INT64_MIN) ||
        fs->first_ms > fs->last_ms) {
        fuzz_fail("%s: first_ms %" PRId64 " / last_ms %" PRId64 " inconsistent", fs->path,
                  fs->first_ms, fs->last_ms);
    }
    if (fs->status != M365_OK && !fs->error) {
        fuzz_fail("%s: status %d without error text", fs->path, (int)fs->status);
    }
    if (input_format && fs->reader && strcmp(fs->reader, input_format) != 0) {
        fuzz_fail("%s: read as %s, %s was forced", fs->path, fs->reader, input_format);
    }
    if (!fs->reader) {
        if (fs->records_read != 0) {
            fuzz_fail("%s: records counted without a reader", fs->path);
        }
        return;
    }
    /* The reader's count against an independent framing of the same bytes: a record that
     * vanishes (neither parsed nor skipped) or is counted twice shows here. */
    uint64_t want;
    if (is_json_reader(fs->reader)) {
        want = count_json_records(fs, lim);
    } else if (strcmp(fs->reader, "purview-csv") == 0 || strcmp(fs->reader, "la-csv") == 0 ||
               strcmp(fs->reader, "entra-csv") == 0) {
        want = count_csv_records(fs, lim, fs->reader[0] == 'p');
    } else {
        return; /* a reader this check does not know yet */
    }
    if (want != UINT64_MAX && fs->records_read != want) {
        fuzz_fail("%s (%s): records_read %" PRIu64 " (parsed %" PRIu64 ", skipped %" PRIu64
                  ", duplicates %" PRIu64 ") but the stream frames into %" PRIu64 " records",
                  fs->path, fs->reader, fs->records_read, fs->parsed, fs->skipped,
                  fs->duplicates, want);
    }
}

static void check_event(const struct m365_event *ev, size_t i, const char *input_format,
                        struct m365_buf *b)
{
    if (ev->seq != i) {
        fuzz_fail("event %zu has seq %" PRIu32, i, ev->seq);
    }
    if (!ev->reader || !ev->evidence.file) {
        fuzz_fail("event %zu without reader or evidence file", i);
    }
    if (input_format && strcmp(ev->reader, input_format) != 0) {
        fuzz_fail("event %zu from reader %s, %s was forced", i, ev->reader, input_format);
    }
    if (ev->log_source >= M365_LOG__COUNT || ev->kind >= M365_EV__COUNT ||
        ev->result > M365_RESULT_INTERRUPTED || ev->actor_type > M365_ACTOR_SYSTEM) {
        fuzz_fail("event %zu: enum out of range (source %u kind %u result %u actor %u)", i,
                  ev->log_source, ev->kind, ev->result, ev->actor_type);
    }
    if (ev->evidence.line == 0) {
        fuzz_fail("event %zu: evidence line 0 (lines are 1-based)", i);
    }
    /* Times come from m365_time_parse: years 1601..9999, moved by a zone offset at most. */
    const int64_t day = 86400000;
    if (ev->time_ms != M365_TIME_NONE &&
        (ev->time_ms < (m365_days_from_civil(1601, 1, 1) - 1) * day ||
         ev->time_ms >= (m365_days_from_civil(10000, 1, 1) + 1) * day)) {
        fuzz_fail("event %zu: time %" PRId64 " outside the accepted years", i, ev->time_ms);
    }
    for (uint32_t k = 0; k < ev->n_props; k++) {
        if (ev->props[k].target != UINT32_MAX && ev->props[k].target >= ev->n_targets) {
            fuzz_fail("event %zu: property %" PRIu32 " tied to target %" PRIu32 " of %" PRIu32, i,
                      k, ev->props[k].target, ev->n_targets);
        }
    }
    if (ev->mail) {
        /* event.h: n_items is the sum of FolderItems over the folders. */
        uint64_t sum = 0;
        for (uint32_t k = 0; k < ev->mail->n_folders; k++) {
            sum += ev->mail->folders[k].n_items;
        }
        if (sum != ev->mail->n_items) {
            fuzz_fail("event %zu: n_items %" PRIu32 " but the folders hold %" PRIu64, i,
                      ev->mail->n_items, sum);
        }
    }
    m365_buf_reset(b);
    if (m365_event_write_json(ev, fuzz_buf_writer, b) != M365_OK || b->failed) {
        fuzz_fail("m365_event_write_json failed for event %zu", i);
    }
    /* One JSON object per line (JSON Lines output). */
    if (b->len == 0 || memchr(b->data, '\n', b->len)) {
        fuzz_fail("event %zu serialises to %zu bytes holding a line break: %.*s", i, b->len,
                  (int)(b->len > 4000 ? 4000 : b->len), b->data ? b->data : "");
    }
    fuzz_check_json("event", b->data, b->len);
}

static void check_scan(struct m365_scan *s, const char *input_format,
                       const struct m365_limits *lim)
{
    uint64_t parsed = 0;
    for (size_t i = 0; i < m365_scan_n_files(s); i++) {
        const struct m365_file_stats *fs = m365_scan_file(s, i);
        check_file(fs, input_format, lim);
        /* A tenant snapshot file (its kind as the format) holds objects, not events. */
        if (!fs->reader || m365_reader_find(fs->reader)) {
            parsed += fs->parsed;
        }
    }
    size_t n = m365_scan_n_events(s);
    if (parsed != n) {
        fuzz_fail("%zu events kept but %" PRIu64 " records counted as parsed", n, parsed);
    }
    struct m365_source_stats t = m365_scan_totals(s);
    if (t.events != n || t.records_read != t.parsed + t.skipped + t.duplicates) {
        fuzz_fail("totals inconsistent: events %" PRIu64 "/%zu, read %" PRIu64, t.events, n,
                  t.records_read);
    }
    struct m365_buf b;
    m365_buf_init(&b, 0);
    int64_t prev = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        const struct m365_event *ev = m365_scan_event(s, i);
        if (!ev) {
            fuzz_fail("event %zu of %zu is NULL", i, n);
        }
        if (ev->time_ms < prev) {
            fuzz_fail("event %zu out of time order", i);
        }
        prev = ev->time_ms;
        check_event(ev, i, input_format, &b);
    }
    for (size_t i = 0; i < m365_scan_n_findings(s); i++) {
        const struct m365_finding *f = m365_scan_finding(s, i);
        m365_buf_reset(&b);
        if (!f || m365_finding_write_json(f, fuzz_buf_writer, &b) != M365_OK || b.failed) {
            fuzz_fail("finding %zu cannot be serialised", i);
        }
        if (memchr(b.data, '\n', b.len)) {
            fuzz_fail("finding %zu serialises with a line break", i);
        }
        fuzz_check_json("finding", b.data, b.len);
    }
    m365_buf_free(&b);
}

void fuzz_scan_bytes(const uint8_t *data, size_t size, const char *input_format)
{
    fuzz_scan_path(fuzz_memfd_path(data, size), size, input_format);
}

const char *fuzz_file_path(const uint8_t *data, size_t size, const char *suffix)
{
    static char path[256];
    if (!path[0]) {
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(path, sizeof(path), "%s/m365-fuzz-%ld%s", dir, (long)getpid(), suffix);
    }
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp) != 0) {
        fuzz_fail("cannot write %s: %s", path, strerror(errno));
    }
    return path;
}

const char *const fuzz_zip_passwords[FUZZ_N_ZIP_PASSWORDS] = {"wrong", "infected"};

void fuzz_scan_path(const char *path, size_t size, const char *input_format)
{
    /* The read size follows the input length, so chunk boundaries move as the fuzzer mutates
     * without taking bytes away from the evidence itself (seeds stay real files). */
    static const size_t chunks[] = {0, 0, 1, 3, 16, 61, 4093};
    struct m365_scan_options o;
    m365_scan_options_init(&o);
    o.input_format = input_format;
    o.limits = fuzz_limits(FUZZ_MAX_RECORD_BYTES);
    o.zip_passwords = fuzz_zip_passwords;
    o.n_zip_passwords = FUZZ_N_ZIP_PASSWORDS;
    o.on_diag = on_diag;
    o.read_chunk = chunks[size % (sizeof(chunks) / sizeof(chunks[0]))];
    o.hash_files = size % 2 == 1; /* the digests --out computes: files, parts, archives */
    struct m365_scan *s = NULL;
    if (m365_scan_new(&s, &o) != M365_OK || !s) {
        fuzz_fail("m365_scan_new failed (format %s)", input_format ? input_format : "auto");
    }
    if (m365_scan_add_path(s, path) != M365_OK) {
        fuzz_fail("m365_scan_add_path(%s) failed", path);
    }
    enum m365_status st = m365_scan_run(s);
    if (st != M365_OK) {
        fuzz_fail("m365_scan_run: %s", m365_status_str(st));
    }
    check_scan(s, input_format, &o.limits);
    for (size_t i = 0; i < m365_scan_n_archives(s); i++) {
        const struct m365_archive_stats *a = m365_scan_archive(s, i);
        /* The archive is a file the fuzzer just wrote: its digest cannot fail. */
        if (o.hash_files ? strlen(a->sha256) != 64 : a->sha256[0] != '\0') {
            fuzz_fail("archive %s: SHA-256 '%s' with hash_files %d", a->path, a->sha256,
                      (int)o.hash_files);
        }
        if (strcmp(a->path, path) == 0 && a->bytes != size) { /* not one inside it */
            fuzz_fail("archive %s: %llu bytes, the file has %zu", a->path,
                      (unsigned long long)a->bytes, size);
        }
    }
    m365_scan_free(s);
}

char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}
