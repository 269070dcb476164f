/* ZIP archives as evidence: the members of an archive named *.zip are read as files of their
 * own, one after another or on several threads, without extracting them (libzip does the
 * reading and the CRC checks). A member is named by the archive's path, a slash and its name
 * in the archive. */
#ifndef M365_ZIP_ARCHIVE_H
#define M365_ZIP_ARCHIVE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "m365hunt/scan.h"
#include "m365hunt/status.h"

struct m365_zip;        /* one open archive; use it from one thread at a time */
struct m365_zip_stream; /* one member being read */

/* M365_OK; M365_E_FORMAT when the file is not a ZIP archive at all; M365_E_IO (or
 * M365_E_NOMEM) when it is one that cannot be read: err then says why. */
enum m365_status m365_zip_open(const char *path, struct m365_zip **out, char *err, size_t esz);
/* The same over bytes in memory (tests, fuzzing); data must outlive the archive. */
enum m365_status m365_zip_open_buffer(const void *data, size_t len, struct m365_zip **out,
                                      char *err, size_t esz);
void m365_zip_close(struct m365_zip *z);

/* Passwords to try, in order, on encrypted members (the traditional PKWARE method and WinZip's
 * AES); the strings must outlive the archive. Without any, an encrypted member is unreadable. */
void m365_zip_set_passwords(struct m365_zip *z, const char *const *pw, size_t n);

/* A path whose name ends in .zip (any case): opened as an archive. */
bool m365_zip_named(const char *path);
/* A file's first bytes: those of a ZIP archive; those of an Office Open XML document (a
 * workbook is a ZIP archive too, whose first members name its kind). */
bool m365_zip_bytes(const char *head, size_t len);
bool m365_zip_office_bytes(const char *head, size_t len);
/* A regular file that starts as a ZIP archive and is no Office document, whatever its name:
 * evidence given by path as "logs.zip.infected" or a download without an extension is opened
 * as the archive it is (files found in folders are known by their names, not opened to look). */
bool m365_zip_content(const char *path);
/* archive/name, malloc'd (NULL when out of memory): how a member is named in messages and
 * reports; control characters (a line break in a diagnostic) become '?'. */
char *m365_zip_member_path(const char *archive, const char *name);

uint64_t m365_zip_count(struct m365_zip *z);

/* The archive members are read from, kept open from one member to the next: opening reads the
 * whole directory, and libzip's handles are one thread's each. Zero it to start. */
struct m365_zip_cache {
    char *archive; /* its path, or NULL */
    size_t len;
    struct m365_zip *z;
    char why[200]; /* why it could not be opened */
};
/* The archive named by the first archive_len bytes of path (a member's path), open with the
 * passwords; NULL with *err set (valid until the next call) when it cannot be opened. Its bytes
 * are those of the file at archive_file when given (an archive inside an archive, unpacked to
 * a file of its own), else of the file so named. */
struct m365_zip *m365_zip_cache_open(struct m365_zip_cache *c, const char *path,
                                     size_t archive_len, const char *archive_file,
                                     const char *const *pw, size_t n_pw, const char **err);
void m365_zip_cache_close(struct m365_zip_cache *c);

/* An archive's files as evidence, in the archive's order, each named archive/name
 * (m365_zip_member_path); folders, macOS's resource forks (__MACOSX/: file attributes) and the
 * files past the M365_MAX_ZIP_MEMBERS-th are left out and counted, and so are the entries of a
 * damaged directory. */
struct m365_zip_files {
    struct m365_zip_file {
        char *path;
        uint64_t index, size;
    } *v;
    size_t n;
    size_t damaged, over, forks; /* left out */
};
/* The files of the archive at path. M365_E_FORMAT when it is not a ZIP archive at all;
 * M365_E_IO when it is one that cannot be read, with "ZIP archive cannot be read: why" in err;
 * M365_E_NOMEM. *out is empty unless M365_OK. */
enum m365_status m365_zip_files(const char *path, struct m365_zip_files *out, char *err,
                                size_t esz);
/* The same for the archive in the file at `file`, its files named name/member. */
enum m365_status m365_zip_files_as(const char *file, const char *name,
                                   struct m365_zip_files *out, char *err, size_t esz);
void m365_zip_files_free(struct m365_zip_files *f);
/* What was left out, one kind at a time (kind 0 to M365_ZIP_LEFT_OUT_KINDS - 1; the last: the
 * archive holds no file at all), for a diagnostic: its text ("… not scanned") in buf, its level
 * and status; false when none of that kind was left out. */
#define M365_ZIP_LEFT_OUT_KINDS 4
bool m365_zip_left_out(const struct m365_zip_files *f, int kind, char *buf, size_t n,
                       enum m365_diag_level *level, enum m365_status *code);

struct m365_zip_member {
    const char *name; /* UTF-8 (a name not flagged as such is read as code page 437) */
    uint64_t size, comp_size;
    bool dir;       /* a folder entry: nothing to read */
    bool deflated;  /* packed with deflate, its CRC-32 known: it can be inflated by the caller */
    bool encrypted; /* libzip decrypts it, with the first password given that opens it */
    uint32_t crc;   /* CRC-32 of the unpacked bytes (deflated) */
    const char *unreadable; /* why its bytes cannot be had (encrypted, unknown method), or NULL */
};
/* 0, or -1 when the entry cannot be described (a damaged central directory). */
int m365_zip_member(struct m365_zip *z, uint64_t index, struct m365_zip_member *m);

/* NULL with *err set (static text or the archive's own message, valid until the next call on
 * z) when the member cannot be opened. packed: its bytes as stored in the archive (raw deflate
 * data for a deflated member), for the caller to unpack; else unpacked and CRC-checked, and
 * decrypted (an encrypted member, never packed). */
struct m365_zip_stream *m365_zip_stream_open(struct m365_zip *z, uint64_t index, bool packed,
                                             const char **err);
/* The member's next bytes, 0 at its end, -1 with *err set (valid until the stream is closed)
 * when its data is damaged. */
ssize_t m365_zip_stream_read(struct m365_zip_stream *zs, void *buf, size_t cap,
                             const char **err);
void m365_zip_stream_close(struct m365_zip_stream *zs);

/* Archives inside archives, each a member unpacked into a file of its own: an unlinked
 * temporary file, held open and opened again by its name (/proc/self/fd/N) until the list is
 * freed, so that nothing is left on disk whatever happens. Zero it to start. */
struct m365_zip_temps {
    struct m365_zip_temp {
        int fd;
        char name[32];
    } **v;
    size_t n, cap;
};
/* Member `index` of the archive at `outer` (opened once, into *z, with the passwords; close it
 * when done) unpacked (decrypted, CRC-checked) into a temporary file in dir (NULL: $TMPDIR,
 * else /tmp), added to k: *name opens it, *bytes its size. M365_OK; M365_E_LIMIT past
 * lim->max_decompressed_bytes, or past lim->max_decompress_ratio times its packed size once
 * over 256 MiB (a bomb), and M365_E_IO when no temporary file can be written, each with the
 * message in err; M365_E_FORMAT when outer cannot be opened again or the member's bytes cannot
 * be had (encrypted without its password, damaged: said when it is read as a file);
 * M365_E_NOMEM. */
enum m365_status m365_zip_temps_unpack(struct m365_zip_temps *k, struct m365_zip **z,
                                       const char *outer, const char *const *pw, size_t n_pw,
                                       uint64_t index, const char *dir,
                                       const struct m365_limits *lim, const char **name,
                                       uint64_t *bytes, char *err, size_t esz);
/* Bytes [offset, offset + size) of the file open as src (a ZIP archive inside a tar or 7-Zip
 * archive: a member's place) copied into a temporary file in dir, added to k: *name opens it.
 * M365_OK; M365_E_IO when it cannot be read or written, with the message in err; M365_E_NOMEM.
 * The size is the member's, already within the outer archive's limits. */
enum m365_status m365_zip_temps_copy(struct m365_zip_temps *k, int src, uint64_t offset,
                                     uint64_t size, const char *dir, const char **name,
                                     char *err, size_t esz);
/* Closes the last one unpacked: nothing is read from it. */
void m365_zip_temps_drop_last(struct m365_zip_temps *k);
void m365_zip_temps_free(struct m365_zip_temps *k);
#endif
