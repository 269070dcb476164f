/* Fuzz target: the bytes as an archive named *.zip, scanned member by member (libzip reads
 * the directory and unpacks; the scan names members, limits and damage). Every member read
 * is checked as any file is: its records counted again from the member's own bytes. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_scan_path(fuzz_file_path(data, size, ".zip"), size, NULL);
    return 0;
}
