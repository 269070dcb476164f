/* Fuzz target: the bytes as an archive named *.zip, scanned member by member (libzip reads
 * the directory; deflated members are inflated by ISA-L in io/input.c, the others by libzip).
 * Every member read is checked as any file is: its records counted again from the member's own
 * bytes. Then each member is read twice, by the scan's input and by libzip alone: where both
 * read it whole, the text is the same; where one finds it damaged, so does the other. Encrypted
 * members are compared so with each of the fuzz passwords (the seeds use them). One input in
 * three is also audited (the snapshot reader's own walk of the archive). Archives inside the
 * archive are unpacked and read by both (seed nested-deep-encrypted-infected.zip). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "fuzz_common.h"
#include "m365hunt/snapshot.h"
#include "io/input.h"
#include "io/zip_archive.h"

#define MEMBERS_COMPARED 16u
#define TEXT_MAX (FUZZ_MAX_DECOMPRESSED / 4)

/* All of it, up to TEXT_MAX bytes; false when the reader failed. An encrypted member with the
 * archive's default password. */
static bool by_libzip(zip_t *za, uint64_t i, struct m365_buf *b)
{
    zip_file_t *zf = zip_fopen_index(za, i, 0);
    if (!zf) {
        return false;
    }
    bool ok = true;
    for (;;) {
        if (m365_buf_reserve(b, 1 << 16) != 0) {
            fuzz_fail("out of memory");
        }
        zip_int64_t n = zip_fread(zf, b->data + b->len, 1 << 16);
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        b->len += (size_t)n;
        if (b->len > TEXT_MAX) {
            ok = false; /* not compared: past what the target reads */
            break;
        }
    }
    zip_fclose(zf);
    return ok;
}

static bool by_input(struct m365_zip *z, uint64_t i, struct m365_buf *b, bool *plain)
{
    struct m365_limits lim = fuzz_limits(FUZZ_MAX_RECORD_BYTES);
    const char *err = NULL;
    struct m365_input *in = m365_input_open_member(z, i, &lim, 0, &err);
    if (!in) {
        if (!err) {
            fuzz_fail("member %llu: no input and no reason", (unsigned long long)i);
        }
        return false;
    }
    for (;;) {
        if (m365_buf_reserve(b, 1 << 16) != 0) {
            fuzz_fail("out of memory");
        }
        size_t n = m365_input_read(in, b->data + b->len, 1 << 16);
        if (n == 0) {
            break;
        }
        b->len += n;
        if (b->len > TEXT_MAX) {
            break;
        }
    }
    enum m365_status st;
    bool ok = !m365_input_error(in, &st) && b->len <= TEXT_MAX;
    /* The text is the member's bytes when nothing was decoded on top of the unpacking. */
    *plain = m365_input_compression(in) == M365_COMP_ZIP &&
             m365_input_encoding(in) == M365_ENC_UTF8;
    m365_input_close(in);
    return ok;
}

/* One member read by the scan's input and by libzip alone. */
static void compare_member(struct m365_zip *z, zip_t *za, uint64_t i,
                           const struct m365_zip_member *mp)
{
    if (mp->unreadable) {
        return;
    }
    struct m365_buf ours, theirs;
    m365_buf_init(&ours, 0);
    m365_buf_init(&theirs, 0);
    bool plain = false;
    bool ok_ours = by_input(z, i, &ours, &plain);
    bool ok_theirs = by_libzip(za, i, &theirs);
    if (ok_ours && ok_theirs && plain &&
        (ours.len != theirs.len || (ours.len && memcmp(ours.data, theirs.data, ours.len)))) {
        fuzz_fail("member %llu (%s): %zu bytes read, libzip reads %zu other ones",
                  (unsigned long long)i, mp->name, ours.len, theirs.len);
    }
    /* Damage both see (ours also stops at the fuzz limits, which libzip has not). libzip takes a
     * member whose directory entry says 0 bytes packed for an empty file, unread and its CRC-32
     * unchecked; the input reads it, and calls it damaged when its CRC-32 or its local header
     * says otherwise (docs/robustness.md). */
    zip_stat_t zs;
    bool empty_for_libzip = zip_stat_index(za, i, 0, &zs) == 0 &&
                            (zs.valid & ZIP_STAT_COMP_SIZE) && zs.comp_size == 0;
    if (ok_theirs && !ok_ours && theirs.len < FUZZ_MAX_DECOMPRESSED / 8 && plain &&
        !empty_for_libzip) {
        fuzz_fail("member %llu (%s): damaged for the input, whole for libzip",
                  (unsigned long long)i, mp->name);
    }
    if (ok_ours && !ok_theirs && theirs.len <= TEXT_MAX) {
        fuzz_fail("member %llu (%s): whole for the input, damaged for libzip",
                  (unsigned long long)i, mp->name);
    }
    m365_buf_free(&ours);
    m365_buf_free(&theirs);
}

static void compare_members(const uint8_t *data, size_t size)
{
    struct m365_zip *z = NULL;
    char why[200];
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, size, 0, &ze);
    zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (src && !za) {
        zip_source_free(src);
    }
    zip_error_fini(&ze);
    if (m365_zip_open_buffer(data, size, &z, why, sizeof(why)) != M365_OK) {
        if (za) {
            fuzz_fail("libzip opens the archive, m365_zip_open_buffer does not: %s", why);
        }
        return;
    }
    if (!za) {
        fuzz_fail("m365_zip_open_buffer opens an archive libzip does not");
    }
    uint64_t n = m365_zip_count(z);
    for (uint64_t i = 0; i < n && i < MEMBERS_COMPARED; i++) {
        struct m365_zip_member m;
        if (m365_zip_member(z, i, &m) != 0 || m.dir) {
            continue;
        }
        if (!m.encrypted) {
            compare_member(z, za, i, &m);
            continue;
        }
        if (!m.unreadable) {
            fuzz_fail("member %llu (%s): encrypted and readable without a password",
                      (unsigned long long)i, m.name);
        }
        /* With each password alone, as libzip reads it with that one. */
        for (size_t k = 0; k < FUZZ_N_ZIP_PASSWORDS; k++) {
            m365_zip_set_passwords(z, fuzz_zip_passwords + k, 1);
            if (m365_zip_member(z, i, &m) == 0) {
                zip_set_default_password(za, fuzz_zip_passwords[k]);
                compare_member(z, za, i, &m);
                zip_set_default_password(za, NULL);
            }
        }
        m365_zip_set_passwords(z, NULL, 0);
    }
    zip_discard(za);
    m365_zip_close(z);
}

/* audit over the archive: its own walk (archives inside it too) and reading of members. */
static void audit_path(const char *path)
{
    struct m365_snapshot_options o;
    m365_snapshot_options_init(&o);
    o.limits = fuzz_limits(FUZZ_MAX_RECORD_BYTES);
    o.zip_passwords = fuzz_zip_passwords;
    o.n_zip_passwords = FUZZ_N_ZIP_PASSWORDS;
    struct m365_snapshot *s = NULL;
    if (m365_snapshot_new(&s, &o) != M365_OK) {
        fuzz_fail("m365_snapshot_new failed");
    }
    enum m365_status st = m365_snapshot_add_path(s, path);
    if (st != M365_OK && st != M365_E_IO && st != M365_E_NOMEM) {
        fuzz_fail("m365_snapshot_add_path: %s", m365_status_str(st));
    }
    st = m365_snapshot_run(s);
    if (st != M365_OK && st != M365_E_NOMEM) {
        fuzz_fail("m365_snapshot_run: %s", m365_status_str(st));
    }
    m365_snapshot_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file_path(data, size, ".zip");
    fuzz_scan_path(path, size, NULL);
    if (size % 3 == 0) {
        audit_path(path);
    }
    compare_members(data, size);
    return 0;
}
