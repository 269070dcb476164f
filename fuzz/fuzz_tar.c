/* Fuzz target: the bytes as an archive named *.tar (libarchive finds a tar, compressed or not,
 * or a 7-Zip archive by content), scanned member by member with the scan's checks. Then the
 * list is held against libarchive alone, reading from memory the bytes our decoders give back
 * (gzip and zstd are undone by io/input.c before libarchive sees them, in the scan as here; a
 * gzip stream cut short gives what it holds, where libarchive's own gzip filter may refuse it
 * at once): the files the list names, in order, are the entries a plain reading finds and
 * keeps by the same rules (regular files, no links, no macOS attribute files, not encrypted),
 * and each file's bytes, where the list says they are (in the archive itself or unpacked), are
 * those the plain reading gives. */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>

#include "fuzz_common.h"
#include "io/input.h"
#include "io/tar_archive.h"

#define MEMBERS_COMPARED 32u

static bool kept(struct archive_entry *e)
{
    const char *name = archive_entry_pathname_utf8(e);
    if (!name) {
        name = archive_entry_pathname(e);
    }
    while (name && (name[0] == '/' || (name[0] == '.' && name[1] == '/'))) {
        name += name[0] == '/' ? 1 : 2;
    }
    if (!name || !*name || archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) ||
        archive_entry_is_data_encrypted(e) > 0) {
        return false;
    }
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    return strncmp(base, "._", 2) != 0 && strncmp(name, "__MACOSX/", 9) != 0;
}

/* The member's bytes as libarchive reads them; false when the reading fails part way. */
static bool plain_bytes(struct archive *a, struct m365_buf *b)
{
    for (;;) {
        if (m365_buf_reserve(b, 1 << 16) != 0) {
            fuzz_fail("out of memory");
        }
        la_ssize_t n = archive_read_data(a, b->data + b->len, 1 << 16);
        if (n < 0) {
            return false;
        }
        if (n == 0) {
            return true;
        }
        b->len += (size_t)n;
        if (b->len > FUZZ_MAX_DECOMPRESSED) {
            return false;
        }
    }
}

static void compare(const uint8_t *data, size_t size, const struct m365_tar_files *tf)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_7zip(a);
    if (archive_read_open_memory(a, data, size) != ARCHIVE_OK) {
        if (tf->n) {
            fuzz_fail("the list names %zu files, libarchive opens no archive", tf->n);
        }
        archive_read_free(a);
        return;
    }
    struct m365_buf theirs = {0}, ours = {0};
    struct archive_entry *e;
    size_t i = 0;
    while (i < tf->n && i < MEMBERS_COMPARED && archive_read_next_header(a, &e) >= ARCHIVE_WARN) {
        if (!kept(e)) {
            continue;
        }
        const struct m365_tar_file *f = &tf->v[i++];
        theirs.len = ours.len = 0;
        bool whole = plain_bytes(a, &theirs);
        if (m365_buf_reserve(&ours, f->size + 1) != 0) {
            fuzz_fail("out of memory");
        }
        ssize_t n = pread(f->fd, ours.data, f->size, (off_t)f->offset);
        if (n != (ssize_t)f->size) {
            fuzz_fail("%s: %llu bytes at %llu, read %zd", f->path, (unsigned long long)f->size,
                      (unsigned long long)f->offset, n);
        }
        ours.len = (size_t)n;
        if (whole && (ours.len != theirs.len || memcmp(ours.data, theirs.data, ours.len) != 0)) {
            fuzz_fail("%s: %zu bytes listed, libarchive reads %zu (or others)", f->path, ours.len,
                      theirs.len);
        }
        if (!whole) {
            break; /* the list stops at the same damage */
        }
    }
    free(theirs.data);
    free(ours.data);
    archive_read_free(a);
}

/* The file's bytes as m365_input_open_bytes gives them (gzip, zstd undone), whatever came out
 * before an error. */
static void decoded(const char *path, struct m365_buf *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fuzz_fail("cannot open %s", path);
    }
    struct m365_limits lim = fuzz_limits(FUZZ_MAX_RECORD_BYTES);
    const char *err = NULL;
    struct m365_input *in = m365_input_open_bytes(fd, &lim, &err);
    for (size_t n = 1; in && n && b->len <= FUZZ_MAX_DECOMPRESSED;) {
        if (m365_buf_reserve(b, 1 << 16) != 0) {
            fuzz_fail("out of memory");
        }
        n = m365_input_read(in, b->data + b->len, 1 << 16);
        b->len += n;
    }
    m365_input_close(in);
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file_path(data, size, ".tar");
    fuzz_scan_path(path, size, NULL);

    struct m365_limits lim = fuzz_limits(FUZZ_MAX_RECORD_BYTES);
    struct m365_tar_files tf = {0};
    char err[512];
    enum m365_status st = m365_tar_files(path, NULL, NULL, &lim, &tf, err, sizeof(err));
    if (st == M365_OK) {
        size_t plen = strlen(path);
        for (size_t i = 0; i < tf.n; i++) {
            if (strncmp(tf.v[i].path, path, plen) != 0 || tf.v[i].path[plen] != '/') {
                fuzz_fail("member %zu named %s", i, tf.v[i].path);
            }
        }
        struct m365_buf bytes = {0};
        decoded(path, &bytes);
        compare(bytes.len ? (const uint8_t *)bytes.data : data, bytes.len, &tf);
        free(bytes.data);
        m365_tar_files_free(&tf);
    } else if (st != M365_E_FORMAT && st != M365_E_IO) {
        fuzz_fail("listing: status %d", (int)st);
    }
    return 0;
}
