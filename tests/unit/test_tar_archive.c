/* Tar and 7-Zip archives (io/tar_archive.c) and the window input their members are read
 * through (m365_input_open_window): archives written here with libarchive's writer. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <archive.h>
#include <linux/magic.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "test_util.h"
#include "core/limits.h"
#include "io/input.h"
#include "io/tar_archive.h"

#define RECORD                                                                                 \
    "{\"Id\":\"8d1f0c7a-1f4e-4b7e-9a51-3c2d2b6f1e01\",\"Operation\":\"MailItemsAccessed\"}\n"

struct member {
    const char *name;
    const char *text; /* NULL: a folder */
    size_t len;
    const char *link; /* a symbolic link to this */
};

/* An archive of the members in a new temporary file: its path (static). */
static const char *write_archive(const char *format, const char *filter,
                                 const struct member *m, size_t n)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/m365-test-tar-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct archive *a = archive_write_new();
    assert_int_equal(archive_write_set_format_by_name(a, format), ARCHIVE_OK);
    if (filter) {
        assert_int_equal(archive_write_add_filter_by_name(a, filter), ARCHIVE_OK);
    }
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, m[i].name);
        archive_entry_set_perm(e, 0644);
        if (m[i].link) {
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_symlink(e, m[i].link);
        } else if (!m[i].text) {
            archive_entry_set_filetype(e, AE_IFDIR);
        } else {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_size(e, (la_int64_t)m[i].len);
        }
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (m[i].text && !m[i].link) {
            assert_int_equal(archive_write_data(a, m[i].text, m[i].len), (la_ssize_t)m[i].len);
        }
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    return path;
}

static struct m365_limits limits(void)
{
    struct m365_limits lim = {
        .max_record_bytes = M365_DEFAULT_MAX_RECORD_BYTES,
        .max_decompressed_bytes = M365_DEFAULT_MAX_DECOMPRESSED,
        .max_decompress_ratio = M365_DEFAULT_MAX_RATIO,
        .max_json_depth = M365_DEFAULT_MAX_JSON_DEPTH,
        .max_distinct_values = M365_DEFAULT_MAX_DISTINCT_VALUES,
    };
    return lim;
}

/* All of a window's decoded text (7 bytes a read: the reads cross every boundary). */
static char *window_text(const struct m365_tar_file *f, enum m365_compression *comp)
{
    struct m365_limits lim = limits();
    const char *err = NULL;
    struct m365_input *in =
        m365_input_open_window(f->fd, f->offset, f->size, M365_COMP_TAR, &lim, 7, &err);
    assert_non_null(in);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    for (size_t n; (n = m365_input_read(in, buf + len, cap - len)) > 0;) {
        len += n;
    }
    buf[len] = '\0';
    enum m365_status st;
    assert_null(m365_input_error(in, &st));
    *comp = m365_input_compression(in);
    m365_input_close(in);
    return buf;
}

static void test_names(void **state)
{
    (void)state;
    const char *yes[] = {"a.tar", "x/A.TAR.GZ", "b.tgz", "c.tar.zst", "c.tzst", "d.tar.xz",
                         "d.txz", "e.tar.bz2", "e.tbz2", "e.tbz", "f.7z", "F.7Z"};
    const char *no[] = {".tar", "a.tar.gz.txt", "a.gz", "a.zip", "a.tarx", "a.7zip", "tar"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
        assert_true(m365_tar_named(yes[i]));
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++) {
        assert_false(m365_tar_named(no[i]));
    }
}

static void test_bytes(void **state)
{
    (void)state;
    char head[600];
    memset(head, 0, sizeof(head));
    memcpy(head + 257, "ustar", 5);
    assert_true(m365_tar_bytes(head, sizeof(head)));
    assert_false(m365_tar_bytes(head, 261)); /* too short to hold the magic */
    head[257] = 'x';
    assert_false(m365_tar_bytes(head, sizeof(head)));
    assert_true(m365_tar_bytes("7z\xBC\xAF\x27\x1C\x00\x04", 8));
    assert_false(m365_tar_bytes("{\"Id\":1}", 8));
}

/* A plain tar's files are read where they lie; what is no file is left out and counted. */
static void test_plain_in_place(void **state)
{
    (void)state;
    char big[3000];
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (char)('a' + i % 26);
    }
    const struct member m[] = {
        {"./logs/", NULL, 0, NULL},
        {"./logs/audit.jsonl", RECORD, strlen(RECORD), NULL},
        {"./logs/._audit.jsonl", "\0\5\26\7", 4, NULL},
        {"./logs/latest.jsonl", "", 0, "audit.jsonl"},
        {"./logs/big.txt", big, sizeof(big), NULL},
        {"./logs/empty.json", "", 0, NULL},
    };
    for (int pax = 0; pax < 2; pax++) {
        const char *path = write_archive(pax ? "pax" : "gnutar", NULL, m, 6);
        struct m365_limits lim = limits();
        struct m365_tar_files tf = {0};
        char err[256];
        assert_int_equal(m365_tar_files(path, "ev.tar", "/nonexistent", &lim, &tf, err,
                                        sizeof(err)),
                         M365_OK);
        assert_int_equal(tf.n, 3);
        assert_string_equal(tf.v[0].path, "ev.tar/logs/audit.jsonl");
        assert_string_equal(tf.v[1].path, "ev.tar/logs/big.txt");
        assert_string_equal(tf.v[2].path, "ev.tar/logs/empty.json");
        assert_int_equal(tf.temp_fd, -1); /* nothing unpacked: no temporary file needed */
        for (size_t i = 0; i < tf.n; i++) {
            assert_int_equal(tf.v[i].fd, tf.archive_fd);
            assert_int_equal(tf.v[i].offset % 512, 0);
        }
        assert_int_equal(tf.forks, 1);
        assert_int_equal(tf.links, 1);
        assert_false(tf.compressed);
        enum m365_compression comp;
        char *t = window_text(&tf.v[0], &comp);
        assert_string_equal(t, RECORD);
        assert_int_equal(comp, M365_COMP_TAR);
        free(t);
        t = window_text(&tf.v[1], &comp);
        assert_int_equal(strlen(t), sizeof(big));
        assert_memory_equal(t, big, sizeof(big));
        free(t);
        t = window_text(&tf.v[2], &comp);
        assert_string_equal(t, "");
        free(t);
        char msg[320];
        enum m365_diag_level level;
        enum m365_status code;
        assert_true(m365_tar_left_out(&tf, 3, msg, sizeof(msg), &level, &code));
        assert_string_equal(msg, "1 link (another name for a file) and 0 other entries that "
                                 "are no files (devices, pipes) not scanned");
        assert_int_equal(level, M365_DIAG_NOTE);
        assert_false(m365_tar_left_out(&tf, 0, msg, sizeof(msg), &level, &code));
        assert_false(m365_tar_left_out(&tf, 5, msg, sizeof(msg), &level, &code));
        m365_tar_files_free(&tf);
        unlink(path);
    }
}

/* A compressed tar and a 7-Zip archive are unpacked to one temporary file; a .gz file inside
 * is read as gzip from it. */
static void test_unpacked(void **state)
{
    (void)state;
    size_t gzlen;
    unsigned char *gz = m365_test_gzip(RECORD, strlen(RECORD), &gzlen);
    assert_non_null(gz);
    const struct member m[] = {
        {"a.jsonl", RECORD, strlen(RECORD), NULL},
        {"b.jsonl.gz", (const char *)gz, gzlen, NULL},
    };
    const char *shapes[][2] = {{"pax", "gzip"}, {"gnutar", "zstd"}, {"7zip", NULL}};
    for (size_t k = 0; k < 3; k++) {
        const char *path = write_archive(shapes[k][0], shapes[k][1], m, 2);
        struct m365_limits lim = limits();
        struct m365_tar_files tf = {0};
        char err[256];
        assert_int_equal(m365_tar_files(path, NULL, NULL, &lim, &tf, err, sizeof(err)), M365_OK);
        assert_int_equal(tf.n, 2);
        assert_true(tf.temp_fd >= 0);
        assert_int_equal(tf.seven_zip, k == 2);
        assert_int_equal(tf.compressed, k < 2);
        assert_int_equal(tf.unpacked, strlen(RECORD) + gzlen);
        for (size_t i = 0; i < 2; i++) {
            assert_int_equal(tf.v[i].fd, tf.temp_fd);
            enum m365_compression comp;
            char *t = window_text(&tf.v[i], &comp);
            assert_string_equal(t, RECORD);
            assert_int_equal(comp, i == 0 ? M365_COMP_TAR : M365_COMP_GZIP);
            free(t);
        }
        m365_tar_files_free(&tf);
        /* No place for the temporary file: the archive is not read, and says where. */
        assert_int_equal(m365_tar_files(path, "x.tgz", "/nonexistent", &lim, &tf, err,
                                        sizeof(err)),
                         M365_E_IO);
        assert_non_null(strstr(err, "cannot be unpacked to a temporary file in /nonexistent"));
        assert_int_equal(tf.n, 0);
        /* Past the size limit: what came before is kept, the stop is said. */
        lim.max_decompressed_bytes = strlen(RECORD) + 1;
        assert_int_equal(m365_tar_files(path, "x.tgz", NULL, &lim, &tf, err, sizeof(err)),
                         M365_OK);
        assert_int_equal(tf.n, 1);
        assert_int_equal(tf.stop_status, M365_E_LIMIT);
        assert_string_equal(tf.stopped, "unpacking stopped at b.jsonl.gz: the unpacked size "
                                        "exceeds the limit (--max-decompressed, --max-ratio): "
                                        "it and the rest of the archive are not read");
        m365_tar_files_free(&tf);
        unlink(path);
    }
    free(gz);
}

/* A disk full part way (here a file size limit): the files unpacked before it are read, the
 * stop is said; and an unpacked file on tmpfs is known to be in memory. */
static void test_temporary_file(void **state)
{
    (void)state;
    static char big[100000];
    memset(big, 'x', sizeof(big));
    const struct member m[] = {
        {"a.jsonl", RECORD, strlen(RECORD), NULL},
        {"b.jsonl", big, sizeof(big), NULL},
        {"c.jsonl", RECORD, strlen(RECORD), NULL},
    };
    const char *path = write_archive("pax", "gzip", m, 3);
    struct m365_limits lim = limits();
    struct m365_tar_files tf = {0};
    char err[256];
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    struct rlimit small = {4096, old.rlim_max};
    void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    enum m365_status st = m365_tar_files(path, "t.tgz", NULL, &lim, &tf, err, sizeof(err));
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, was);
    assert_int_equal(st, M365_OK);
    assert_int_equal(tf.n, 1);
    assert_string_equal(tf.v[0].path, "t.tgz/a.jsonl");
    assert_int_equal(tf.stop_status, M365_E_IO);
    assert_non_null(strstr(tf.stopped, "unpacking stopped at b.jsonl: the temporary file cannot "
                                       "take more (File too large): it and the rest of the "
                                       "archive are not read"));
    enum m365_compression comp;
    char *t = window_text(&tf.v[0], &comp);
    assert_string_equal(t, RECORD);
    free(t);
    m365_tar_files_free(&tf);

    const char *dirs[] = {"/dev/shm", "/tmp", "."};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
        struct statfs sf;
        if (statfs(dirs[i], &sf) != 0 || access(dirs[i], W_OK) != 0) {
            continue;
        }
        bool mem = sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC;
        assert_int_equal(m365_tar_files(path, NULL, dirs[i], &lim, &tf, err, sizeof(err)),
                         M365_OK);
        assert_int_equal(tf.n, 3);
        assert_int_equal(tf.in_memory, mem);
        m365_tar_files_free(&tf);
    }
    unlink(path);
}

/* A new temporary file (its name in path) holding RECORD: open, at its end. */
static int record_file(char path[64])
{
    snprintf(path, 64, "/tmp/m365-test-tar-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, RECORD, strlen(RECORD)), (ssize_t)strlen(RECORD));
    return fd;
}

/* Not an archive: M365_E_FORMAT, nothing to free; content recognition agrees. */
static void test_not_archive(void **state)
{
    (void)state;
    char path[64];
    close(record_file(path));
    struct m365_limits lim = limits();
    struct m365_tar_files tf = {0};
    char err[256];
    assert_int_equal(m365_tar_files(path, NULL, NULL, &lim, &tf, err, sizeof(err)),
                     M365_E_FORMAT);
    assert_int_equal(tf.archive_fd, -1);
    assert_false(m365_tar_content(path));
    unlink(path);
    const struct member m[] = {{"a.jsonl", RECORD, strlen(RECORD), NULL}};
    const char *tgz = write_archive("ustar", "gzip", m, 1);
    assert_true(m365_tar_content(tgz));
    unlink(tgz);
}

/* A window reaching past its file's end stops with a read error, not short text. */
static void test_window_cut(void **state)
{
    (void)state;
    char path[64];
    int fd = record_file(path);
    struct m365_limits lim = limits();
    const char *err = NULL;
    struct m365_input *in =
        m365_input_open_window(fd, 4, strlen(RECORD), M365_COMP_TAR, &lim, 0, &err);
    assert_non_null(in);
    char buf[256];
    size_t len = 0;
    for (size_t n; (n = m365_input_read(in, buf + len, sizeof(buf) - len)) > 0;) {
        len += n;
    }
    enum m365_status st;
    assert_non_null(m365_input_error(in, &st));
    assert_int_equal(st, M365_E_IO);
    assert_int_equal(len, strlen(RECORD) - 4);
    m365_input_close(in);
    close(fd);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),          cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_plain_in_place), cmocka_unit_test(test_unpacked),
        cmocka_unit_test(test_not_archive),    cmocka_unit_test(test_window_cut),
        cmocka_unit_test(test_temporary_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
