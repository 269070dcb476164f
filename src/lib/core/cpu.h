/* The block code's choice of instruction set, made at run time: the build stays x86-64
 * baseline (SSE2), and the CSV splitter and the JSON element framer run an AVX-512 block code
 * on CPUs that have AVX-512 BW and VBMI2, POPCNT and the carry-less multiply (x86-64 since Ice
 * Lake and Zen 4). Tests turn it off to hold both block codes to the same libraries. */
#ifndef M365_CPU_H
#define M365_CPU_H
#include <stdbool.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define M365_WIDE 1
#define M365_WIDE_TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt,pclmul")))
#endif

/* Whether the AVX-512 block code runs: the CPU has it and it was not turned off. */
bool m365_cpu_wide(void);
/* Off (false), or back to what the CPU has (true). Returns whether the CPU has it. */
bool m365_cpu_set_wide(bool on);
#endif
