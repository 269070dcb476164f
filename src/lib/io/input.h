/* Reading one evidence stream: a file or standard input, gzip- or zstd-compressed or not,
 * UTF-8 (with or without BOM) or UTF-16 (transcoded to UTF-8). Readers only ever see UTF-8. */
#ifndef M365_INPUT_H
#define M365_INPUT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "m365hunt/scan.h"

/* ZIP, TAR, 7Z: a member of such an archive, stored or deflated in it (a .gz member says
 * gzip). */
enum m365_compression {
    M365_COMP_NONE = 0,
    M365_COMP_GZIP,
    M365_COMP_ZSTD,
    M365_COMP_ZIP,
    M365_COMP_TAR,
    M365_COMP_7Z
};
enum m365_encoding { M365_ENC_UTF8 = 0, M365_ENC_UTF8_BOM, M365_ENC_UTF16LE, M365_ENC_UTF16BE };

struct m365_input;
struct m365_zip;

/* Opens path ("-" = standard input). On failure returns NULL and sets *err (static text or
 * strerror). */
struct m365_input *m365_input_open(const char *path, const struct m365_limits *lim,
                                   size_t read_chunk, const char **err);
/* The bytes of the open file fd from where it stands, gzip or zstd decompressed (ISA-L, zstd)
 * but not decoded as text: no byte-order mark or UTF-16 is looked for (a tar archive read
 * through libarchive, tar_archive.c). fd stays the caller's. */
struct m365_input *m365_input_open_bytes(int fd, const struct m365_limits *lim, const char **err);
/* Member `index` of an open archive (zip_archive.h), read as a file of its own. Its bytes are
 * the member's unpacked ones (bytes in, the hash and the size count those), under the same
 * decompression limits, with the ratio taken to its packed size. The archive must stay open
 * until the input is closed. */
struct m365_input *m365_input_open_member(struct m365_zip *z, uint64_t index,
                                          const struct m365_limits *lim, size_t read_chunk,
                                          const char **err);
/* The `size` bytes at `offset` in the open file fd (a member of a tar or 7-Zip archive,
 * tar_archive.h), read as a file of its own: decompression and encodings as for a file. fd
 * stays the caller's and open until the input is closed; it is read with pread, so that
 * several inputs may share it. `comp` names the archive's kind for a member stored as it is
 * (M365_COMP_TAR or M365_COMP_7Z). */
struct m365_input *m365_input_open_window(int fd, uint64_t offset, uint64_t size,
                                          enum m365_compression comp,
                                          const struct m365_limits *lim, size_t read_chunk,
                                          const char **err);
/* Bytes [start, end) of a window (m365_input_open_window) holding plain UTF-8 text, as
 * m365_input_open_range reads a file's: end is cut to the window's size. */
struct m365_input *m365_input_open_window_part(int fd, uint64_t offset, uint64_t size,
                                               enum m365_compression comp,
                                               const struct m365_limits *lim, size_t read_chunk,
                                               uint64_t start, uint64_t end, const char **err);
/* Bytes [start, end) of a plain (uncompressed) UTF-8 file, for reading one file in parts on
 * several threads; start must be 0 or the byte after a newline. Only the part at start 0
 * recognises a byte-order mark. Newlines delivered are counted (m365_input_newlines). */
struct m365_input *m365_input_open_range(const char *path, const struct m365_limits *lim,
                                         size_t read_chunk, uint64_t start, uint64_t end,
                                         const char **err);
uint64_t m365_input_newlines(const struct m365_input *in);
/* Hash every byte read from the file with SHA-256 (call right after opening). */
void m365_input_hash(struct m365_input *in);
/* Reads whatever the reader left unread, finishes the hash and writes 64 hex digits + NUL
 * into out. Returns -1 when hashing was not enabled or failed. */
int m365_input_sha256(struct m365_input *in, char out[65]);
void m365_input_close(struct m365_input *in);

/* The first decoded text, without consuming it: M365_SNIFF_BYTES past the white space it starts
 * with, if there is that much; the white space is looked past up to M365_MAX_LEADING_SPACE. */
int m365_input_peek(struct m365_input *in, const char **data, size_t *len);
/* After m365_input_peek: the look-ahead holds all the text there is (the stream ended in it). */
bool m365_input_peek_all(const struct m365_input *in);

/* Decoded UTF-8 bytes; 0 at end of stream or after an error (see m365_input_error). */
size_t m365_input_read(struct m365_input *in, char *buf, size_t cap);
/* All the rest of the text at once, where it lies, when the file was read whole at open (a plain
 * UTF-8 file that fit the first read): *data stays valid until the input is closed and is
 * followed by `padding` readable zero bytes. Counts as read. False (nothing consumed) otherwise:
 * read with m365_input_read. */
bool m365_input_rest(struct m365_input *in, const char **data, size_t *len, size_t padding);

/* NULL when the stream ended normally; otherwise what went wrong (decompression error, limit,
 * read error). The status is M365_E_IO, M365_E_PARSE or M365_E_LIMIT. */
const char *m365_input_error(const struct m365_input *in, enum m365_status *st);

uint64_t m365_input_bytes_in(const struct m365_input *in);  /* bytes read from the file */
uint64_t m365_input_bytes_out(const struct m365_input *in); /* decoded bytes delivered */
uint64_t m365_input_size(const struct m365_input *in);      /* file size, 0 when unknown */
/* Opened whole by m365_input_open from a path naming a regular file (not standard input, a pipe
 * or a device): it can be opened again and read from the start. */
bool m365_input_is_regular(const struct m365_input *in);
enum m365_compression m365_input_compression(const struct m365_input *in);
enum m365_encoding m365_input_encoding(const struct m365_input *in);
const char *m365_compression_name(enum m365_compression c);
const char *m365_encoding_name(enum m365_encoding e);
#endif
