/* Fuzz target: the bytes as one evidence file, scanned through the public API as entra-csv. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_scan_bytes(data, size, "entra-csv");
    return 0;
}
