/* Fuzz target: m365_csv_split (readers/csv_rows.c) against libcsv, the library whose rules it
 * implements without a per-byte state machine. The input is one framed row, split at each
 * separator the readers use; both must give the same cells, byte for byte, and ours must
 * NUL-terminate each cell. */
#include <stdlib.h>

#include "csv_reference.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char seps[] = {',', ';', '\t'};
    for (size_t k = 0; k < sizeof(seps); k++) {
        char *report = NULL;
        int rc = m365_csv_split_vs_reference((const char *)data, size, seps[k], &report);
        if (rc == -1) {
            fuzz_fail("m365_csv_split: out of memory");
        }
        if (rc == 1) {
            fuzz_fail("cells differ from libcsv: %s", report ? report : "?");
        }
        free(report);
    }
    return 0;
}
