/* Fuzz target: the bytes as one evidence file, scanned through the public API as
 * ual-search-json. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_scan_bytes(data, size, "ual-search-json");
    return 0;
}
