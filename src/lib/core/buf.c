#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void m365_buf_init(struct m365_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
    b->failed = 0;
}

void m365_buf_free(struct m365_buf *b)
{
    free(b->data);
    m365_buf_init(b, b->max);
}

int m365_buf_reserve(struct m365_buf *b, size_t extra)
{
    if (b->failed) {
        return -1;
    }
    if (extra > (size_t)-1 - b->len - 1 || (b->max && b->len + extra > b->max)) {
        b->failed = 1;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) {
        return 0;
    }
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < need) {
        ncap *= 2;
    }
    char *nd = realloc(b->data, ncap);
    if (!nd) {
        b->failed = 1;
        return -1;
    }
    b->data = nd;
    b->cap = ncap;
    return 0;
}

int m365_buf_append(struct m365_buf *b, const void *p, size_t n)
{
    if (m365_buf_reserve(b, n) != 0) {
        return -1;
    }
    if (n) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
    return 0;
}

int m365_buf_putc(struct m365_buf *b, char c)
{
    return m365_buf_append(b, &c, 1);
}

int m365_buf_puts(struct m365_buf *b, const char *s)
{
    return m365_buf_append(b, s, strlen(s));
}

int m365_buf_printf(struct m365_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        return -1;
    }
    if ((size_t)n < sizeof(small)) {
        return m365_buf_append(b, small, (size_t)n);
    }
    if (m365_buf_reserve(b, (size_t)n) != 0) {
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

const char *m365_buf_cstr(struct m365_buf *b)
{
    if (m365_buf_reserve(b, 0) != 0 || !b->data) {
        return "";
    }
    b->data[b->len] = '\0';
    return b->data;
}
