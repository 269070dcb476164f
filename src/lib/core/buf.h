/* Growable byte buffer with an upper bound. */
#ifndef M365_BUF_H
#define M365_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct m365_buf {
    char *data;
    size_t len, cap;
    size_t max; /* 0 = unbounded */
    int failed; /* set once an append failed (out of memory or over max) */
};

void m365_buf_init(struct m365_buf *b, size_t max);
void m365_buf_free(struct m365_buf *b);
int m365_buf_reserve(struct m365_buf *b, size_t extra);
int m365_buf_append(struct m365_buf *b, const void *p, size_t n);
int m365_buf_putc(struct m365_buf *b, char c);
int m365_buf_puts(struct m365_buf *b, const char *s);
int m365_buf_printf(struct m365_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminates (not counted in len) and returns data. */
const char *m365_buf_cstr(struct m365_buf *b);
static inline void m365_buf_reset(struct m365_buf *b) { b->len = 0; b->failed = 0; }
#endif
