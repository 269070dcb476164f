/* Fuzz target: the bytes as one evidence file, scanned through the public API as defender-json. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_scan_bytes(data, size, "defender-json");
    return 0;
}
