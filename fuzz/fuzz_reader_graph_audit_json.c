/* Fuzz target: the bytes as one evidence file, scanned through the public API as
 * graph-audit-json. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_scan_bytes(data, size, "graph-audit-json");
    return 0;
}
