/* Helpers shared by the unit tests: temporary directories and files, gzip/zstd compression, a
 * repeatable pseudo-random sequence.
 * Every function returns NULL / -1 on failure and never aborts, so tests can assert on it. */
#ifndef M365_TEST_UTIL_H
#define M365_TEST_UTIL_H
#include <stddef.h>
#include <stdint.h>

/* Fresh private directory under $TMPDIR (or /tmp); malloc'd path. */
char *m365_test_mkdtemp(void);
/* Removes path and everything below it; symbolic links are removed, never followed.
 * A path that does not exist counts as removed. */
int m365_test_rmtree(const char *path);
/* cmocka setup / teardown for tests whose state is a fresh private directory (a char *). */
int m365_test_dir_setup(void **state);
int m365_test_dir_teardown(void **state);
/* malloc'd "dir/name". */
char *m365_test_path(const char *dir, const char *name);

/* Writes len bytes to path (created or truncated, mode 0600). */
int m365_test_write_file(const char *path, const void *data, size_t len);
/* Whole file, malloc'd and NUL-terminated (the NUL is not counted in *len). */
char *m365_test_read_file(const char *path, size_t *len);

/* One gzip member / one zstd frame (with checksum) holding data; malloc'd. */
unsigned char *m365_test_gzip(const void *data, size_t len, size_t *out_len);
unsigned char *m365_test_zstd(const void *data, size_t len, size_t *out_len);
/* The same, written to a file. */
int m365_test_write_gzip(const char *path, const void *data, size_t len);
int m365_test_write_zstd(const char *path, const void *data, size_t len);

/* A valid gzip member holding `times` copies of block, built without compressing every copy:
 * the block is deflated once up to a full flush (which makes the compressed piece independent
 * of what precedes it) and that piece is repeated. Makes decompression bombs cheap to build. */
unsigned char *m365_test_gzip_repeat(const void *block, size_t block_len, uint64_t times,
                                     size_t *out_len);

/* A simulated tenant with every attack scenario (m365hunt simulate --scenario all) written to
 * dir in the given formats; activity 0 keeps the simulator's default. 0 on success. */
int m365_test_simulate_all(const char *dir, unsigned days, uint64_t seed, const char *formats,
                           double activity);
/* The next of a repeatable sequence of pseudo-random numbers (xorshift64; *state not 0). */
static inline uint64_t m365_test_rand64(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

#endif
