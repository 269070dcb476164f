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
/* archive/name, malloc'd (NULL when out of memory): how a member is named in messages and
 * reports; control characters (a line break in a diagnostic) become '?'. */
char *m365_zip_member_path(const char *archive, const char *name);

uint64_t m365_zip_count(struct m365_zip *z);

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
#endif
