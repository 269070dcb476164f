#ifndef M365_CORE_SORT_H
#define M365_CORE_SORT_H

#include <stdlib.h>
#include <string.h>

/* qsort's base is declared nonnull even when n is 0; empty lists here are
 * often NULL, so every sort goes through this. */
static inline void m365_qsort(void *base, size_t n, size_t size,
                              int (*cmp)(const void *, const void *))
{
    if (base && n > 1) {
        qsort(base, n, size, cmp);
    }
}

/* Comparator for arrays of C strings (const char *). */
static inline int m365_cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

#endif
