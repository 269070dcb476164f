#include "cpu.h"

#include <stdatomic.h>

static _Atomic int wide = -1; /* -1: the CPU not asked yet */

static bool cpu_has_wide(void)
{
#ifdef M365_WIDE
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("popcnt") &&
           __builtin_cpu_supports("pclmul");
#else
    return false;
#endif
}

bool m365_cpu_wide(void)
{
    int w = atomic_load_explicit(&wide, memory_order_relaxed);
    if (w < 0) {
        w = cpu_has_wide();
        atomic_store_explicit(&wide, w, memory_order_relaxed);
    }
    return w;
}

bool m365_cpu_set_wide(bool on)
{
    bool can = cpu_has_wide();
    atomic_store_explicit(&wide, on && can, memory_order_relaxed);
    return can;
}
