#ifndef M365_CORE_SORT_H
#define M365_CORE_SORT_H

#include <stdlib.h>

/* qsort's base is declared nonnull even when n is 0; empty lists here are
 * often NULL, so every sort goes through this. */
static inline void m365_qsort(void *base, size_t n, size_t size,
                              int (*cmp)(const void *, const void *))
{
    if (base && n > 1) {
        qsort(base, n, size, cmp);
    }
}

#endif
