/* Fuzz target: JSON record framing (readers/json_records.c) over a real m365_input.
 * Byte 0 is the read size (0 = the library default, else 1..255 bytes per read, so record and
 * chunk boundaries fall everywhere), byte 1 picks the record size limit (high bit set: a small
 * limit of 1..509 bytes), the rest is the file. Checks: every record handed out is exactly the
 * text at its offset in the decoded stream, on the line it claims, trimmed, padded, within the
 * limit, after the previous one; framing always progresses; and the same frames come out
 * whatever the read size. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "io/input.h"
#include "readers/json_records.h"

struct frame {
    enum m365_status st;
    uint64_t line, offset;
    size_t len;
    bool blank_line; /* a skip on a line that holds only white space */
    uint64_t pages;  /* pages told closed (m365_json_records_on_page) before it */
};

struct frames {
    struct frame *v;
    size_t n, cap;
    uint64_t pages, named; /* pages told closed, and those naming a next page */
};

static void page_told(void *user, bool names_next)
{
    struct frames *f = user;
    f->pages++;
    f->named += names_next;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void push(struct frames *f, struct frame fr)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 64;
        f->v = realloc(f->v, f->cap * sizeof(*f->v));
        if (!f->v) {
            fuzz_fail("out of memory");
        }
    }
    f->v[f->n++] = fr;
}

/* Line starts of the decoded stream: starts[i] is where line i + 1 begins. */
static uint64_t *line_starts(const char *stream, size_t slen, size_t *n)
{
    uint64_t *v = malloc((slen + 2) * sizeof(*v));
    if (!v) {
        fuzz_fail("out of memory");
    }
    *n = 0;
    v[(*n)++] = 0;
    for (size_t i = 0; i < slen; i++) {
        if (stream[i] == '\n') {
            v[(*n)++] = i + 1;
        }
    }
    return v;
}

static bool line_is_blank(const char *stream, size_t slen, const uint64_t *starts, size_t n,
                          uint64_t line)
{
    if (line == 0 || line > n) {
        return false;
    }
    for (size_t i = starts[line - 1]; i < slen && stream[i] != '\n'; i++) {
        if (!is_ws(stream[i])) {
            return false;
        }
    }
    return true;
}

static void frame_all(const char *path, const struct m365_limits *lim, size_t chunk,
                      const char *stream, size_t slen, const uint64_t *starts, size_t n_starts,
                      struct frames *out)
{
    const char *err = NULL;
    struct m365_input *in = m365_input_open(path, lim, chunk, &err);
    if (!in) {
        fuzz_fail("m365_input_open: %s", err ? err : "?");
    }
    size_t max_rec = (size_t)lim->max_record_bytes;
    struct m365_json_records *jr = m365_json_records_new(in, max_rec);
    if (!jr) {
        fuzz_fail("m365_json_records_new failed");
    }
    m365_json_records_on_page(jr, page_told, out);
    uint64_t prev_line = 1, ok_end = 0;
    uint64_t nl_at = 0, nl_line = 1; /* newlines counted in stream[0..nl_at) */
    struct m365_json_record rec;
    enum m365_status st;
    while ((st = m365_json_records_next(jr, &rec)) != M365_E_EOF) {
        if (out->n > slen + 1) {
            fuzz_fail("more records than bytes: framing does not progress");
        }
        if (st != M365_OK && st != M365_E_PARSE && st != M365_E_LIMIT) {
            fuzz_fail("unexpected status %d", (int)st);
        }
        if (rec.line < prev_line) {
            fuzz_fail("record %zu: line %llu before line %llu", out->n,
                      (unsigned long long)rec.line, (unsigned long long)prev_line);
        }
        prev_line = rec.line;
        struct frame fr = {st, rec.line, rec.offset, st == M365_OK ? rec.len : 0, false,
                           out->pages};
        if (st != M365_OK) {
            fr.blank_line = line_is_blank(stream, slen, starts, n_starts, rec.line);
            if (st == M365_E_LIMIT && fr.blank_line) {
                fuzz_fail("record %zu: a blank line skipped as too large", out->n); /* no record */
            }
            if (!rec.why) {
                fuzz_fail("record %zu skipped without a reason", out->n);
            }
            fuzz_touch(rec.why, strlen(rec.why));
            push(out, fr);
            continue;
        }
        if (rec.len > max_rec) {
            fuzz_fail("record %zu: %zu bytes handed out over the %zu-byte limit", out->n, rec.len,
                      max_rec);
        }
        if (!rec.data || rec.len == 0) {
            fuzz_fail("record %zu: empty", out->n);
        }
        /* The record and M365_JSON_PADDING bytes after it must be readable. */
        fuzz_touch(rec.data, rec.len + M365_JSON_PADDING);
        if (is_ws(rec.data[0]) || is_ws(rec.data[rec.len - 1])) {
            fuzz_fail("record %zu not trimmed", out->n);
        }
        if (rec.offset < ok_end || rec.offset > slen || rec.len > slen - rec.offset ||
            memcmp(rec.data, stream + rec.offset, rec.len) != 0) {
            fuzz_fail("record %zu (offset %llu, %zu bytes) is not the stream's text there",
                      out->n, (unsigned long long)rec.offset, rec.len);
        }
        ok_end = rec.offset + rec.len;
        for (; nl_at < rec.offset; nl_at++) {
            nl_line += stream[nl_at] == '\n';
        }
        if (rec.line != nl_line) {
            fuzz_fail("record %zu at offset %llu: line %llu, the stream says %llu", out->n,
                      (unsigned long long)rec.offset, (unsigned long long)rec.line,
                      (unsigned long long)nl_line);
        }
        push(out, fr);
    }
    m365_json_records_free(jr);
    m365_input_close(in);
}

static size_t next_kept(const struct frames *f, size_t i)
{
    (void)f;
    return i;
}

static void compare(const struct frames *a, const struct frames *b, size_t chunk)
{
    size_t i = next_kept(a, 0), j = next_kept(b, 0);
    while (i < a->n || j < b->n) {
        const struct frame *x = i < a->n ? &a->v[i] : NULL, *y = j < b->n ? &b->v[j] : NULL;
        bool same = x && y && x->line == y->line && x->st == y->st && x->pages == y->pages;
        if (same && x->st == M365_OK) {
            same = x->offset == y->offset && x->len == y->len;
        }
        if (!same) {
            fuzz_fail("record %zu/%zu differs between %zu-byte reads (%s, line %llu) and default "
                      "reads (%s, line %llu)",
                      i, j, chunk, x ? (x->st == M365_OK ? "ok" : "skip") : "none",
                      x ? (unsigned long long)x->line : 0ull,
                      y ? (y->st == M365_OK ? "ok" : "skip") : "none",
                      y ? (unsigned long long)y->line : 0ull);
        }
        i = next_kept(a, i + 1);
        j = next_kept(b, j + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    size_t chunk = data[0];
    size_t max_rec = (data[1] & 0x80) ? (size_t)(data[1] & 0x7f) * 4 + 1 : FUZZ_MAX_RECORD_BYTES;
    struct m365_limits lim = fuzz_limits(max_rec);
    const char *path = fuzz_memfd_path(data + 2, size - 2);

    /* The decoded stream, which must not depend on the read size either. */
    size_t slen, slen2;
    enum m365_status dst, dst2;
    char *stream = fuzz_decode_all(path, &lim, 0, &slen, &dst);
    if (chunk) {
        char *s2 = fuzz_decode_all(path, &lim, chunk, &slen2, &dst2);
        if (slen != slen2 || dst != dst2 || memcmp(stream, s2, slen) != 0) {
            fuzz_fail("decoding with %zu-byte reads gives %zu bytes (status %d), default "
                      "reads %zu bytes (status %d)",
                      chunk, slen2, (int)dst2, slen, (int)dst);
        }
        free(s2);
    }

    size_t n_starts;
    uint64_t *starts = line_starts(stream, slen, &n_starts);
    struct frames a = {0}, b = {0};
    frame_all(path, &lim, chunk, stream, slen, starts, n_starts, &a);
    if (chunk) {
        frame_all(path, &lim, 0, stream, slen, starts, n_starts, &b);
        compare(&a, &b, chunk);
        if (a.pages != b.pages || a.named != b.named) {
            fuzz_fail("%llu pages told with %zu-byte reads, %llu with default reads",
                      (unsigned long long)a.pages, chunk, (unsigned long long)b.pages);
        }
    }
    free(starts);
    free(a.v);
    free(b.v);
    free(stream);
    return 0;
}
