/* Shared by the fuzz targets: the fuzzed bytes as a file (a memfd), a whole scan through the
 * public API, and the checks every scan must pass. Every failed check calls abort(), which
 * libFuzzer (and fuzz_replay) report as a crash. */
#ifndef M365_FUZZ_COMMON_H
#define M365_FUZZ_COMMON_H
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "json/json.h"
#include "m365hunt/scan.h"

/* Limits the reader targets scan with (small, so that limit paths are reachable). */
#define FUZZ_MAX_RECORD_BYTES (1u << 20)
#define FUZZ_MAX_DECOMPRESSED (64u << 20)

/* Every target defines this (libFuzzer's entry point; fuzz_replay.c calls it too). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fuzzed bytes as a C string (malloc'd, NUL after them; an inner NUL ends it early), or
 * NULL when out of memory. */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* Prints the message and aborts. */
_Noreturn void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "/proc/self/fd/N" of a memfd holding exactly these bytes. One memfd per process, rewritten
 * on every call: the path stays the same. */
const char *fuzz_memfd_path(const uint8_t *data, size_t size);

/* Limits as the reader targets use them. */
struct m365_limits fuzz_limits(size_t max_record_bytes);

/* Every byte the decoded stream of path holds (read_chunk as for m365_input_open), malloc'd;
 * *st receives m365_input_error's status. */
char *fuzz_decode_all(const char *path, const struct m365_limits *lim, size_t read_chunk,
                      size_t *len, enum m365_status *st);

/* A JSON parser context shared by the checks (reset by whoever used it last). */
struct m365_json *fuzz_json(void);
/* Aborts unless text[0..len) is exactly one JSON value. */
void fuzz_check_json(const char *what, const char *text, size_t len);

/* m365_write_fn appending to a struct m365_buf. */
int fuzz_buf_writer(const char *data, size_t len, void *user);

/* Reads every byte of [p, p+len) so the sanitizers see any bad pointer. */
void fuzz_touch(const void *p, size_t len);

/* Writes the bytes to the memfd and scans them with input_format forced (NULL: detection),
 * then checks the scan's invariants: accounting per file, the record count against an
 * independent framing of the same bytes, every event and finding serialised as one line of
 * valid JSON, events in time order. */
void fuzz_scan_bytes(const uint8_t *data, size_t size, const char *input_format);
/* The same checks for a scan of path (size: the bytes it holds, which pick the read size). */
void fuzz_scan_path(const char *path, size_t size, const char *input_format);
/* The passwords every fuzzed scan tries on encrypted ZIP members (the seeds use them). */
#define FUZZ_N_ZIP_PASSWORDS 2u
extern const char *const fuzz_zip_passwords[FUZZ_N_ZIP_PASSWORDS];
/* A file of this process named with the suffix (".zip": the scan reads it as an archive),
 * rewritten with the bytes on every call: the path stays the same. */
const char *fuzz_file_path(const uint8_t *data, size_t size, const char *suffix);
#endif
