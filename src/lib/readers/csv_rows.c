#include "csv_rows.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cpu.h"
#include "../core/limits.h"
#include "../core/norm.h"
#include "../core/swar.h"

#define INITIAL_CAP (64u << 10)
#define MIN_READ 16u /* m365_input_read decodes UTF-16 in pieces of at least this size */

struct m365_csv_rows {
    struct m365_input *in;
    size_t max_row;

    /* Framing. */
    char *buf;     /* allocated at the first read, unless borrowed */
    bool borrowed; /* buf is the input's own copy of the whole file (m365_input_rest) */
    size_t cap, len;
    size_t rs;         /* buffer index of the current row's first byte */
    size_t scan;       /* bytes before this index have been framed */
    uint64_t base;     /* stream offset of buf[0] */
    uint64_t line;     /* line number at buf[scan] */
    uint64_t row_line; /* line and stream offset of the current row's first byte */
    uint64_t row_off;
    bool inq; /* quote parity of the current row up to scan */
    bool eof;
    bool oversize;    /* the current row passed max_row: its bytes are dropped as they come */
    bool blank_drop;  /* white space past max_row dropped so far: a blank line unless more comes */
    uint64_t dropped; /* bytes of the oversize row dropped so far */

    struct m365_csv_cells cells; /* the current row's cells */
    char sep;                    /* the cell separator: ',', ';' or '\t' */

    char why[192];
};

struct m365_csv_rows *m365_csv_rows_new(struct m365_input *in, size_t max_record_bytes)
{
    struct m365_csv_rows *r = calloc(1, sizeof(*r));
    if (!r) {
        return NULL;
    }
    r->in = in;
    r->max_row = max_record_bytes ? max_record_bytes : (size_t)M365_DEFAULT_MAX_RECORD_BYTES;
    if (r->max_row > SIZE_MAX / 4) {
        r->max_row = SIZE_MAX / 4; /* keeps the buffer arithmetic clear of overflow */
    }
    r->line = 1;
    r->row_line = 1;
    r->sep = ',';
    return r;
}

void m365_csv_rows_find_sep(struct m365_csv_rows *r, bool skip_hash)
{
    const char *head;
    size_t len;
    if (m365_input_peek(r->in, &head, &len) == 0) {
        r->sep = m365_csv_sep(head, len, skip_hash);
    }
}

void m365_csv_rows_free(struct m365_csv_rows *r)
{
    if (!r) {
        return;
    }
    if (!r->borrowed) {
        free(r->buf);
    }
    m365_csv_cells_free(&r->cells);
    free(r);
}

/* Drop the bytes before the current row, make room and read more. Returns -1 when out of
 * memory; sets eof when the input has nothing more. */
static int refill(struct m365_csv_rows *r)
{
    if (!r->buf) {
        /* First read: a file read whole at open is framed where it lies (no copy). */
        const char *all;
        size_t n;
        if (m365_input_rest(r->in, &all, &n, 0)) {
            r->buf = (char *)(uintptr_t)all; /* only read: never moved, grown or freed */
            r->borrowed = true;
            r->cap = r->len = n;
            r->eof = true;
            return 0;
        }
        r->cap = INITIAL_CAP;
        r->buf = malloc(r->cap);
        if (!r->buf) {
            return -1;
        }
    }
    if (r->rs > 0) {
        memmove(r->buf, r->buf + r->rs, r->len - r->rs);
        r->len -= r->rs;
        r->scan -= r->rs;
        r->base += r->rs;
        r->rs = 0;
    }
    if (r->cap - r->len < MIN_READ) {
        /* Bounded: the pending row is at most max_row + 2 bytes (see the oversize check). */
        size_t ncap = r->cap * 2;
        char *nb = realloc(r->buf, ncap);
        if (!nb) {
            return -1;
        }
        r->buf = nb;
        r->cap = ncap;
    }
    size_t n = m365_input_read(r->in, r->buf + r->len, r->cap - r->len);
    if (n == 0) {
        r->eof = true;
    }
    r->len += n;
    return 0;
}

#if defined(__SSE2__)
#include <emmintrin.h>

static uint64_t quote_bits(const char *p) { return m365_eq_bits64(p, '"'); }

/* Copies n bytes 16 at a time: reads and writes up to 16 bytes past them (16 when n is 0:
 * the pieces between two quotes are mostly shorter than 16, so the first copy is not tested). */
static void copy16s(char *o, const char *s, size_t n)
{
    _mm_storeu_si128((__m128i *)(void *)o, _mm_loadu_si128((const __m128i *)(const void *)s));
    for (size_t k = 16; k < n; k += 16) {
        _mm_storeu_si128((__m128i *)(void *)(o + k),
                         _mm_loadu_si128((const __m128i *)(const void *)(s + k)));
    }
}
#endif

/* The block code for CPUs with AVX-512 (core/cpu.h): a block's quotes and commas are one
 * compare each, and the bytes an unquoted cell keeps are packed by one compress instead of a
 * copy per doubled quote. test_csv_rows holds it to the SSE2 code, and both to libcsv. */
#ifdef M365_WIDE
#include <immintrin.h>

M365_WIDE_TARGET static inline uint64_t bytes_wide(const char *p, char c)
{
    return _mm512_cmpeq_epi8_mask(_mm512_loadu_si512((const void *)p), _mm512_set1_epi8(c));
}

M365_WIDE_TARGET static size_t count_quotes_wide(const char *p, size_t n, size_t *at)
{
    size_t q = 0, i = 0;
    for (; i + 64 <= n; i += 64) {
        q += (size_t)__builtin_popcountll(bytes_wide(p + i, '"'));
    }
    *at = i;
    return q;
}

/* The bytes of the block at p that `keep` names, packed to o; returns o past them. Writes 64
 * bytes. The compress in a register, then a plain store: compressing to memory is slow on some
 * of these CPUs. */
M365_WIDE_TARGET static inline char *keep_wide(const char *p, uint64_t keep, char *o)
{
    __m512i v = _mm512_loadu_si512((const void *)p);
    _mm512_storeu_si512((void *)o, _mm512_maskz_compress_epi8(keep, v));
    return o + __builtin_popcountll(keep);
}
#endif

/* Many bytes at a time: a Purview row's AuditData holds a doubled quote every few bytes,
 * where one memchr call per quote cost more than the scan. */
static size_t count_quotes(const char *p, size_t n)
{
    size_t q = 0, i = 0;
#ifdef M365_WIDE
    if (m365_cpu_wide()) {
        q = count_quotes_wide(p, n, &i);
    }
#endif
#if defined(__SSE2__)
    for (; i + 64 <= n; i += 64) {
        q += (size_t)m365_popcount64(quote_bits(p + i));
    }
#endif
    for (; i + 8 <= n; i += 8) {
        q += m365_swar_count(m365_swar_eq(m365_swar_load(p + i), '"'));
    }
    for (; i < n; i++) {
        q += p[i] == '"';
    }
    return q;
}

/* Copies p[i..n) up to the next quote to *out (advanced past what it wrote) and returns the
 * quote's position, or n. Eight bytes at a time: each word is stored whole before its quotes
 * are looked at, so the output needs 8 bytes of room past the text (m365_csv_split reserves
 * them). Inside quoted JSON a quote comes every few bytes; a call per piece cost more. */
static size_t copy_to_quote(const char *p, size_t i, size_t n, char **out)
{
    char *o = *out;
    for (; i + 8 <= n; i += 8, o += 8) {
        uint64_t w = m365_swar_load(p + i);
        uint64_t m = m365_swar_eq(w, '"');
        memcpy(o, &w, 8);
        if (m) {
            size_t k = m365_swar_first(m);
            *out = o + k;
            return i + k;
        }
    }
    for (; i < n && p[i] != '"'; i++) {
        *o++ = p[i];
    }
    *out = o;
    return i;
}

/* A quote at p[at] inside a quoted cell: true when it closes the cell (the separator or the
 * row's end follows); otherwise writes the quote it stands for to *o and returns the position
 * after it in *next ("" is one quote, a stray one is text). */
static bool cell_quote(const char *p, size_t at, size_t n, char sep, char **o, size_t *next)
{
    if (at + 1 == n || p[at + 1] == sep) {
        return true;
    }
    *(*o)++ = '"';
    *next = at + 1 + (p[at + 1] == '"');
    return false;
}

#if defined(__SSE2__)
/* The block's bytes at p below end, but for the dropped quotes, copied to o 16 at a time
 * between them; returns o past them. Writes up to 16 bytes past them. */
static inline char *keep_sse2(const char *p, uint64_t drop, size_t end, char *o)
{
    size_t cur = 0;
    for (; drop; drop &= drop - 1) {
        size_t k = (size_t)__builtin_ctzll(drop);
        copy16s(o, p + cur, k - cur);
        o += k - cur;
        cur = k + 1;
    }
    copy16s(o, p + cur, end - cur);
    return o + (end - cur);
}

/* A quoted cell's blocks of 64 bytes while 64 more follow them (reads past a block stay in the
 * row): true when the cell closed (*at at its closing quote), false where the blocks stop (*at
 * where the rest goes on). Each block starts where a quote would be read afresh, so its runs
 * of quotes pair up from their first: the second of each pair is dropped, and the last quote
 * of a run of odd length closes the cell when a comma follows it, or else is text. A run
 * reaching the block's end may go on past it: the block then stops at the run's first quote,
 * and the next starts there. Compiled once per block code (use_wide is a constant in each). */
static inline __attribute__((always_inline)) bool
unquote_blocks(const char *p, size_t *at, size_t n, char sep, char **out, bool use_wide)
{
    const uint64_t even = 0x5555555555555555ull;
    char *o = *out;
    size_t i = *at;
#ifndef M365_WIDE
    (void)use_wide;
#endif
    while (i + 128 <= n) {
        uint64_t q;
#ifdef M365_WIDE
        if (use_wide) {
            q = bytes_wide(p + i, '"');
        } else
#endif
        {
            q = quote_bits(p + i);
        }
        size_t len = 64;
        if (q >> 63) {
            if (!~q) {
                break; /* 64 quotes in a row: one at a time, in unquote */
            }
            len = 64 - (size_t)__builtin_clzll(~q);
            q &= (1ull << len) - 1;
        }
        uint64_t starts = q & ~(q << 1);
        uint64_t from_even = q & ~(q + (starts & even)); /* runs starting at even bits */
        uint64_t drop = (from_even & ~even) | (q & ~from_even & even);
        /* Only the quotes ending runs of odd length can close the cell (the kept ones inside a
         * run are followed by a quote), and most blocks of quoted JSON have none: the commas
         * are looked for only when there is one. */
        uint64_t last = q & ~(q >> 1) & ~drop;
        size_t end = len;
        if (last) {
            uint64_t commas;
#ifdef M365_WIDE
            if (use_wide) {
                commas = bytes_wide(p + i + 1, sep);
            } else
#endif
            {
                commas = m365_eq_bits64(p + i + 1, sep);
            }
            uint64_t close = last & commas;
            if (close) {
                end = (size_t)__builtin_ctzll(close);
                drop &= (1ull << end) - 1;
            }
        }
#ifdef M365_WIDE
        if (use_wide) {
            o = keep_wide(p + i, ~drop & (end == 64 ? ~0ull : (1ull << end) - 1), o);
        } else
#endif
        {
            o = keep_sse2(p + i, drop, end, o);
        }
        if (end < len) {
            *out = o;
            *at = i + end;
            return true;
        }
        i += len;
    }
    *out = o;
    *at = i;
    return false;
}

static bool unquote_sse2(const char *p, size_t *at, size_t n, char sep, char **out)
{
    return unquote_blocks(p, at, n, sep, out, false);
}

#ifdef M365_WIDE
M365_WIDE_TARGET static bool unquote_wide(const char *p, size_t *at, size_t n, char sep,
                                          char **out)
{
    return unquote_blocks(p, at, n, sep, out, true);
}
#endif
#endif

/* A quoted cell's text from p[i] (just past its opening quote) to *out, "" as one quote: returns
 * the position of its closing quote, or n when the row ends first. By blocks of 64 bytes first
 * (quoted JSON has a doubled quote every few bytes, and the pairs come out of a few operations
 * on the block's quote bits), then a word at a time. Writes up to 64 bytes past the text
 * (m365_csv_split reserves them). */
static size_t unquote(const char *p, size_t i, size_t n, char sep, char **out)
{
    char *o = *out;
    bool closed = false;
#if defined(__SSE2__)
#ifdef M365_WIDE
    if (m365_cpu_wide()) {
        closed = unquote_wide(p, &i, n, sep, &o);
    } else
#endif
    {
        closed = unquote_sse2(p, &i, n, sep, &o);
    }
#endif
    while (!closed) {
        i = copy_to_quote(p, i, n, &o);
        closed = i == n || cell_quote(p, i, n, sep, &o, &i);
    }
    *out = o;
    return i;
}

static bool is_blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') {
            return false;
        }
    }
    return true;
}

/* The next row starts at the framing position. */
static void start_row(struct m365_csv_rows *r)
{
    r->rs = r->scan;
    r->row_line = r->line;
    r->row_off = r->base + r->rs;
    r->inq = false;
    r->oversize = false;
    r->blank_drop = false;
    r->dropped = 0;
}

void m365_csv_cells_free(struct m365_csv_cells *c)
{
    free(c->buf);
    free(c->offs);
    free(c->fields);
    memset(c, 0, sizeof(*c));
}

/* Room for `more` bytes of the current cell. */
static bool cells_reserve(struct m365_csv_cells *c, size_t more)
{
    if (c->cap - c->len >= more) {
        return true;
    }
    size_t nc = c->cap ? c->cap : 1024;
    while (nc - c->len < more) {
        if (nc > SIZE_MAX / 2) {
            return false;
        }
        nc *= 2;
    }
    char *nb = realloc(c->buf, nc);
    if (!nb) {
        return false;
    }
    c->buf = nb;
    c->cap = nc;
    return true;
}

static void cells_add(struct m365_csv_cells *c, const char *p, size_t n)
{
    if (!c->nomem && n && cells_reserve(c, n)) {
        memcpy(c->buf + c->len, p, n);
        c->len += n;
    } else if (n) {
        c->nomem = true;
    }
}

/* Ends the current cell (its bytes are buf[start, len)). */
static void cells_end(struct m365_csv_cells *c, size_t start)
{
    if (c->nomem) {
        return;
    }
    if (c->n >= M365_MAX_CSV_COLUMNS) {
        c->len = start; /* dropped: counted, not kept */
        c->n_dropped++;
        return;
    }
    if (c->n == c->cap_fields) {
        size_t nc = c->cap_fields ? c->cap_fields * 2 : 64;
        size_t *no = realloc(c->offs, nc * sizeof(*no));
        if (!no) {
            c->nomem = true;
            return;
        }
        c->offs = no;
        struct m365_csv_field *nf = realloc(c->fields, nc * sizeof(*nf));
        if (!nf) {
            c->nomem = true;
            return;
        }
        c->fields = nf;
        c->cap_fields = nc;
    }
    if (!cells_reserve(c, 1)) {
        c->nomem = true;
        return;
    }
    c->buf[c->len] = '\0';
    c->offs[c->n] = start;
    c->fields[c->n].len = c->len - start;
    c->n++;
    c->len++;
}

/* The first separator in [p, p+n), or NULL. Most unquoted cells (times, operations, user ids,
 * record ids) end within 64 bytes: those are searched a word at a time here, the rest by memchr,
 * whose call cost more than the search on a short cell (a Purview row has seven or eight). */
static const char *next_sep(const char *p, size_t n, char sep)
{
    size_t i = 0;
    for (; i + 8 <= n && i < 64; i += 8) {
        uint64_t m = m365_swar_eq(m365_swar_load(p + i), (unsigned char)sep);
        if (m) {
            return p + i + m365_swar_first(m);
        }
    }
    return i < n ? memchr(p + i, sep, n - i) : NULL;
}

/* Splits one framed row [p, p+n) into cells. Only '"' and the separator `sep` are special;
 * nothing is trimmed. A cell that starts with a quote is quoted: "" inside it is one quote, a
 * quote followed by the separator (or the end) closes it, and a quote followed by anything else
 * is kept as text, quote included; the end of the row closes an unterminated quoted cell. Any
 * other cell runs to the next separator, quotes and all. Nothing (n == 0) is no cell; a row
 * ending in a separator ends with an empty cell. These are the rules of libcsv's non-strict
 * mode, which tests/unit/test_csv_rows.c and the fuzz_csv_split target hold this against.
 * Word-at-a-time searches and memchr do the scanning here, not a per-byte state machine (see
 * bench/RESULTS.md for the difference on Purview exports). */
int m365_csv_split(struct m365_csv_cells *c, const char *p, size_t n, char sep)
{
    c->n = 0;
    c->n_dropped = 0;
    c->len = 0;
    c->nomem = false;
    size_t i = 0;
    if (n == 0) {
        return 0;
    }
    for (;;) {
        size_t start = c->len;
        if (i < n && p[i] == '"') {
            i++;
            /* The unquoted text is never longer than the rest of the row. */
            if (c->nomem || !cells_reserve(c, n - i + 64)) {
                c->nomem = true;
                return -1;
            }
            char *out = c->buf + c->len;
            i = unquote(p, i, n, sep, &out);
            c->len = (size_t)(out - c->buf);
            if (i == n) {
                cells_end(c, start); /* unterminated: the row's end closes it */
                return c->nomem ? -1 : 0;
            }
            i++; /* past the closing quote */
            if (i == n) {
                cells_end(c, start);
                return c->nomem ? -1 : 0;
            }
            i++; /* and the separator after it */
        } else {
            const char *q = i < n ? next_sep(p + i, n - i, sep) : NULL;
            size_t e = q ? (size_t)(q - p) : n;
            cells_add(c, p + i, e - i);
            if (!q) {
                cells_end(c, start);
                return c->nomem ? -1 : 0;
            }
            i = e + 1;
        }
        cells_end(c, start);
        if (i == n) {
            cells_end(c, c->len); /* after a final separator: one more, empty cell */
            return c->nomem ? -1 : 0;
        }
    }
}

/* Split [p, p+n) into the row's cells. Returns 0, or -1 when out of memory. */
static int split(struct m365_csv_rows *r, const char *p, size_t n)
{
    if (m365_csv_split(&r->cells, p, n, r->sep) != 0) {
        return -1;
    }
    /* Zeroed bytes after the last cell (M365_CSV_CELL_PADDING): any cell can be handed to the
     * JSON parser in place, without a padded copy. */
    if (!cells_reserve(&r->cells, M365_CSV_CELL_PADDING)) {
        return -1;
    }
    memset(r->cells.buf + r->cells.len, 0, M365_CSV_CELL_PADDING);
    for (size_t i = 0; i < r->cells.n; i++) {
        r->cells.fields[i].s = r->cells.buf + r->cells.offs[i];
    }
    return 0;
}

enum m365_status m365_csv_rows_next(struct m365_csv_rows *r, struct m365_csv_row *row)
{
    memset(row, 0, sizeof(*row));
    for (;;) {
        size_t end;
        if (r->scan == r->len) {
            if (!r->eof) {
                if (refill(r) != 0) {
                    row->line = r->row_line;
                    row->offset = r->row_off;
                    row->why = "out of memory reading a csv row";
                    return M365_E_NOMEM;
                }
                continue;
            }
            if (r->rs == r->len && !r->oversize) {
                return M365_E_EOF;
            }
            end = r->len; /* last row, without a line end */
        } else {
            const char *p = r->buf + r->scan;
            size_t avail = r->len - r->scan;
            const char *nl = memchr(p, '\n', avail);
            size_t seg = nl ? (size_t)(nl - p) : avail;
            if (count_quotes(p, seg) & 1) {
                r->inq = !r->inq;
            }
            r->scan += nl ? seg + 1 : seg;
            if (nl) {
                r->line++;
            }
            if (!nl || r->inq) {
                /* The row goes on. Past the limit its bytes are dropped as they come, so memory
                 * stays bounded by max_row whatever the input holds. */
                if (r->scan - r->rs > r->max_row + 2) {
                    /* White space alone is a blank line so far, as it would be read whole. */
                    if (!r->oversize && !r->inq && is_blank(r->buf + r->rs, r->scan - r->rs)) {
                        r->blank_drop = true;
                    } else {
                        r->oversize = true;
                    }
                    r->dropped += r->scan - r->rs;
                    r->rs = r->scan;
                }
                continue;
            }
            end = r->scan - 1;
        }

        /* A row is complete in [rs, end). */
        bool unterminated = r->eof && r->scan == r->len && r->inq;
        if (r->blank_drop && !r->oversize) {
            size_t m = end - r->rs;
            if (!unterminated && is_blank(r->buf + r->rs, m)) {
                start_row(r); /* a long blank line: skipped like any blank line */
                continue;
            }
            r->oversize = true; /* text after the blanks: the row is over the limit */
        }
        if (r->oversize) {
            uint64_t total = r->dropped + (end - r->rs);
            row->line = r->row_line;
            row->offset = r->row_off;
            snprintf(r->why, sizeof(r->why),
                     "csv row of %" PRIu64 " bytes is larger than the record limit of %zu bytes%s",
                     total, r->max_row, unterminated ? " (unterminated quoted cell)" : "");
            row->why = r->why;
            start_row(r);
            return M365_E_LIMIT;
        }
        size_t n = end - r->rs;
        const char *p = r->buf + r->rs;
        if (n > 0 && p[n - 1] == '\r') {
            n--;
        }
        if (!unterminated && is_blank(p, n)) {
            start_row(r);
            continue;
        }
        row->line = r->row_line;
        row->offset = r->row_off;
        if (n > r->max_row) {
            snprintf(r->why, sizeof(r->why),
                     "csv row of %zu bytes is larger than the record limit of %zu bytes", n,
                     r->max_row);
            row->why = r->why;
            start_row(r);
            return M365_E_LIMIT;
        }
        if (split(r, p, n) != 0) {
            row->why = "out of memory splitting a csv row";
            start_row(r);
            return M365_E_NOMEM;
        }
        row->fields = r->cells.fields;
        row->n = r->cells.n;
        row->n_dropped = r->cells.n_dropped;
        row->raw = p;
        row->raw_len = n;
        row->unterminated = unterminated;
        /* The row's bytes stay in the buffer until the next call compacts it. */
        start_row(r);
        return M365_OK;
    }
}

/* --- Header helpers ------------------------------------------------------------------------ */

/* s without the UTF-8 byte-order mark it may start with (*len shortened to match). */
static const char *past_bom(const char *s, size_t *len)
{
    if (*len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        *len -= 3;
        return s + 3;
    }
    return s;
}

/* The span [*start, *end) of the first row of text that is not blank and, when skip_hash, does
 * not start with '#', framed with quote parity as the row source frames; false when none. */
static bool first_row_span(const char *text, size_t len, bool skip_hash, size_t *start,
                           size_t *end)
{
    size_t left = len;
    size_t i = (size_t)(past_bom(text, &left) - text);
    /* Skip blank lines and, when asked, '#' comment lines. */
    for (;;) {
        if (i >= len) {
            return false;
        }
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len;
        if (!is_blank(text + i, e - i) && !(skip_hash && text[i] == '#')) {
            break;
        }
        i = e + 1;
    }
    size_t s = i, e_row = len;
    bool inq = false;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len;
        if (count_quotes(text + i, e - i) & 1) {
            inq = !inq;
        }
        if (!nl) {
            break;
        }
        if (!inq) {
            e_row = e;
            break;
        }
        i = e + 1;
    }
    if (e_row > s && text[e_row - 1] == '\r') {
        e_row--;
    }
    *start = s;
    *end = e_row;
    return true;
}

/* A header row's separator: ';' or a tab where it outnumbers the commas outside quotes (column
 * names hold none of the three), else ','. */
static char sep_of_row(const char *p, size_t n)
{
    size_t comma = 0, semi = 0, tab = 0;
    bool inq = false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        inq ^= c == '"';
        if (!inq) {
            comma += c == ',';
            semi += c == ';';
            tab += c == '\t';
        }
    }
    if (tab > comma && tab >= semi) {
        return '\t';
    }
    return semi > comma ? ';' : ',';
}

char m365_csv_sep(const char *text, size_t len, bool skip_hash)
{
    size_t start, end;
    return first_row_span(text, len, skip_hash, &start, &end) ? sep_of_row(text + start,
                                                                          end - start)
                                                              : ',';
}

int m365_csv_first_row(const char *text, size_t len, bool skip_hash, m365_csv_cell_fn fn,
                       void *user)
{
    size_t start, end;
    if (!first_row_span(text, len, skip_hash, &start, &end)) {
        return -1;
    }
    struct m365_csv_cells c;
    memset(&c, 0, sizeof(c));
    int rc = m365_csv_split(&c, text + start, end - start, sep_of_row(text + start, end - start));
    for (size_t k = 0; rc == 0 && k < c.n; k++) {
        fn(user, k, c.buf + c.offs[k], c.fields[k].len);
    }
    int n = rc == 0 ? (int)c.n : -1;
    m365_csv_cells_free(&c);
    return n;
}

bool m365_csv_header_is(const char *cell, size_t len, const char *name)
{
    cell = past_bom(cell, &len);
    while (len && (cell[0] == ' ' || cell[0] == '\t')) {
        cell++;
        len--;
    }
    while (len && (cell[len - 1] == ' ' || cell[len - 1] == '\t')) {
        len--;
    }
    return m365_ieqn(cell, len, name);
}

void m365_csv_header_keep(struct m365_csv_header_text *h, const struct m365_csv_row *row)
{
    size_t len = row->raw_len;
    const char *s = past_bom(row->raw, &len);
    h->s = malloc(len + 1);
    h->len = h->s ? len : 0;
    if (h->s) {
        memcpy(h->s, s, len);
        h->s[len] = '\0';
    }
}

void m365_csv_header_free(struct m365_csv_header_text *h)
{
    free(h->s);
    h->s = NULL;
    h->len = 0;
}

bool m365_csv_header_again(const struct m365_csv_header_text *h, const struct m365_csv_row *row)
{
    size_t len = row->raw_len;
    const char *s = past_bom(row->raw, &len);
    return (h->s && len == h->len && memcmp(s, h->s, len) == 0) ||
           (len >= 6 && memcmp(s, "#TYPE ", 6) == 0);
}
