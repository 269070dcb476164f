/* The reference for m365_csv_split: libcsv itself, configured as the readers used it before
 * they split rows themselves (non-strict, no space trimming, no record terminators). Used by the
 * unit tests and the fuzz_csv_split target to hold our splitter against the library. */
#ifndef M365_CSV_REFERENCE_H
#define M365_CSV_REFERENCE_H
#include <stddef.h>

/* Splits row [p, p+n) at sep with libcsv; calls fn for every cell (not NUL-terminated). Returns
 * the number of cells, or -1 when libcsv failed. */
typedef void (*m365_ref_cell_fn)(void *user, size_t index, const char *s, size_t len);
long m365_csv_reference_split(const char *p, size_t n, char sep, m365_ref_cell_fn fn,
                              void *user);

/* Splits row [p, p+n) at sep with m365_csv_split and with libcsv and compares the cells. 0: the same,
 * byte for byte, each of ours NUL-terminated; 1: they differ (*report, malloc'd, shows both);
 * 2: nothing to compare (libcsv failed, or a cell past our column cap was dropped); -1: out of
 * memory. */
int m365_csv_split_vs_reference(const char *p, size_t n, char sep, char **report);
#endif
