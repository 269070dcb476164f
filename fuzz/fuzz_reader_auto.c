/* Fuzz target: the bytes as one evidence file, scanned with format detection. Inputs that start
 * with the gzip (1f 8b) or zstd (28 b5 2f fd) magic numbers go through the decompressors, and
 * BOMs or zero bytes through UTF-16 transcoding: the seeds include such files. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_scan_bytes(data, size, NULL);
    return 0;
}
