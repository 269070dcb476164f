#include "json_records.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cpu.h"
#include "../core/limits.h"
#include "../core/swar.h"
#include "../json/json.h"
#include "sniff.h"

/* Where the scanner is, structurally. */
enum where {
    TOP,       /* between top-level values */
    IN_ARRAY,  /* between records of a record array (top-level or a wrapper's) */
    IN_RECORD, /* inside one record */
    IN_TOPOBJ, /* inside a top-level object: a record, or a wrapper until proven otherwise */
    IN_WRAP_PENDING, /* after "value": [ — a wrapper if the array holds objects */
    IN_SCALAR, /* a non-object element of a record array, being skipped */
    IN_STRAY   /* text outside any JSON value, being skipped */
};

struct m365_json_records {
    struct m365_input *in;
    char *buf;
    bool borrowed; /* buf is the input's own copy of the whole file (m365_input_rest) */
    size_t cap, len, pos;
    uint64_t base; /* stream offset of buf[0] */
    uint64_t line; /* line at buf[pos] */
    bool eof;
    size_t max_rec;
    bool lines_mode;
    bool mode_known;

    enum where where;
    unsigned depth;     /* open containers */
    unsigned rec_level; /* depth of the array that holds records (1 top array, 2 wrapper) */
    bool in_str, esc;
    /* Stray text that is so far only byte-order marks (0xEF 0xBB 0xBF, as many as files were
     * joined together): how far into the mark it is, 0..3, or STRAY_NOT_BOM. */
    uint8_t stray_bom;
    size_t rec_start; /* buffer index of the current record's first byte */
    uint64_t rec_line;
    bool oversize; /* current record passed max_rec: discarding its bytes */
    bool ws_over;  /* JSON Lines: white space past max_rec dropped from the current line */
    bool is_wrapper;
    /* Key tracking at depth 1 of a top-level object. */
    bool expect_key, capture, after_colon;
    bool only_meta; /* every key so far at depth 1 started with '@' (@odata.context…) */
    bool names_next;            /* the top-level object has an "@odata.nextLink" member */
    m365_json_page_fn on_page;  /* told of each wrapper closed */
    void *on_page_user;
    char key[16];
    unsigned klen;
};

struct m365_json_records *m365_json_records_new(struct m365_input *in, size_t max_record_bytes)
{
    struct m365_json_records *r = calloc(1, sizeof(*r));
    if (!r) {
        return NULL;
    }
    r->in = in;
    r->max_rec = max_record_bytes;
    r->line = 1;
    r->where = TOP;
    return r;
}

void m365_json_records_free(struct m365_json_records *r)
{
    if (r) {
        if (!r->borrowed) {
            free(r->buf);
        }
        free(r);
    }
}

/* Keep bytes from `keep` on, read more. Returns bytes read, 0 at EOF, -1 out of memory. */
static long refill(struct m365_json_records *r, size_t keep)
{
    if (!r->buf) {
        /* First read: a file read whole at open is framed where it lies (no copy). */
        const char *all;
        size_t n;
        if (m365_input_rest(r->in, &all, &n, M365_JSON_PADDING)) {
            r->buf = (char *)all;
            r->borrowed = true;
            r->cap = r->len = n;
            r->eof = true;
            return (long)n;
        }
        r->cap = M365_READ_CHUNK;
        r->buf = malloc(r->cap + M365_JSON_PADDING);
        if (!r->buf) {
            return -1;
        }
    }
    if (keep > 0) {
        memmove(r->buf, r->buf + keep, r->len - keep);
        r->len -= keep;
        r->pos -= keep;
        r->rec_start = r->rec_start >= keep ? r->rec_start - keep : 0;
        r->base += keep;
    }
    if (r->len == r->cap) {
        size_t ncap = r->cap * 2;
        char *nb = realloc(r->buf, ncap + M365_JSON_PADDING);
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
    memset(r->buf + r->len, 0, M365_JSON_PADDING);
    return (long)n;
}

/* Bytes before the next '"', '\\' or newline: the plain inside of a string, skipped eight at a
 * time (core/swar.h). Most of a record's bytes are string text. */
static size_t plain_run(const char *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = m365_swar_load(p + i);
        uint64_t m = m365_swar_eq(w, '"') | m365_swar_eq(w, '\\') | m365_swar_eq(w, '\n');
        if (m) {
            return i + m365_swar_first(m);
        }
    }
    while (i < n && p[i] != '"' && p[i] != '\\' && p[i] != '\n') {
        i++;
    }
    return i;
}

#if defined(__SSE2__)
#include <emmintrin.h>
#define BLOCK_SCAN 1

/* One bit per byte of the 64 at p (bit i: byte i) for the bytes an array element's framing
 * looks at. '{' and '[' are the bytes equal to 0x7b once 0x20 is or-ed in, '}' and ']' 0x7d;
 * brackets are found together (which one a bracket is, is read from the byte), and so are
 * backslashes and line ends, which most blocks of exported JSON have none of. */
struct block_bits {
    uint64_t quote, bslash, nl, bracket;
};

static void block_bits(const char *p, struct block_bits *m)
{
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), nl = _mm_set1_epi8('\n'),
                  lower = _mm_set1_epi8(0x20), op = _mm_set1_epi8('{'), cl = _mm_set1_epi8('}');
    uint64_t quote = 0, rare = 0, bracket = 0;
    for (unsigned k = 0; k < 4; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        __m128i f = _mm_or_si128(x, lower);
        unsigned sh = 16 * k;
        quote |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, q)) << sh;
        rare |= (uint64_t)(uint16_t)_mm_movemask_epi8(
                    _mm_or_si128(_mm_cmpeq_epi8(x, bs), _mm_cmpeq_epi8(x, nl)))
                << sh;
        bracket |= (uint64_t)(uint16_t)_mm_movemask_epi8(
                       _mm_or_si128(_mm_cmpeq_epi8(f, op), _mm_cmpeq_epi8(f, cl)))
                   << sh;
    }
    m->quote = quote;
    m->bracket = bracket;
    m->bslash = rare ? m365_eq_bits64(p, '\\') : 0;
    m->nl = rare & ~m->bslash;
}

/* The same block with AVX-512 and a carry-less multiply (core/cpu.h): one compare per byte
 * class, and the quotes' running parity (prefix_xor below) in one instruction. Returns that
 * parity. The differential test (test_json_records, against simdjson) runs both. */
#ifdef M365_WIDE
#include <immintrin.h>

M365_WIDE_TARGET static inline uint64_t block_bits_wide(const char *p, struct block_bits *m)
{
    __m512i x = _mm512_loadu_si512((const void *)p);
    __m512i f = _mm512_or_si512(x, _mm512_set1_epi8(0x20));
    m->quote = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('"'));
    m->bslash = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\\'));
    m->nl = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\n'));
    m->bracket = _mm512_cmpeq_epi8_mask(f, _mm512_set1_epi8('{')) |
                 _mm512_cmpeq_epi8_mask(f, _mm512_set1_epi8('}'));
    __m128i px = _mm_clmulepi64_si128(_mm_cvtsi64_si128((long long)m->quote),
                                      _mm_set1_epi8((char)0xff), 0);
    return (uint64_t)_mm_cvtsi128_si64(px);
}
#endif

/* Bit i: the parity of bits 0..i (inside a string after byte i, starting outside one). */
static uint64_t prefix_xor(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}
#endif

#define STRAY_NOT_BOM 0xffu
static const unsigned char utf8_bom[3] = {0xef, 0xbb, 0xbf};

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Where the framing of an element stands: its nesting depth, inside a string or not, after a
 * backslash or not, and the line ends passed. */
struct elem_scan {
    unsigned depth;
    bool in_str, esc;
    uint64_t line;
};

/* Follows b[*at..len) until the closing bracket that brings the nesting back to `level` (true,
 * *at just past it) or to the end of the bytes (false). Inside an element only strings,
 * nesting and line ends matter, so they are followed here with the state in locals. Compiled
 * twice, for each block code (use_wide is a constant in each). */
static inline __attribute__((always_inline)) bool
scan_element_body(const char *b, size_t *at, size_t len, unsigned level, struct elem_scan *st,
                  bool use_wide)
{
    size_t pos = *at;
    unsigned depth = st->depth;
    bool in_str = st->in_str, esc = st->esc, done = false;
    uint64_t line = st->line;
#ifndef M365_WIDE
    (void)use_wide;
#endif
    while (pos < len && !done) {
        size_t lim = len;
#ifdef BLOCK_SCAN
        /* 64 bytes at a time while they hold no backslash: the quotes' running parity
         * says which bytes are string text, and only brackets outside it are looked
         * at one by one (a Graph record has a quote every dozen bytes). */
        if (!esc && len - pos >= 64) {
            struct block_bits m;
            uint64_t parity;
#ifdef M365_WIDE
            if (use_wide) {
                parity = block_bits_wide(b + pos, &m);
            } else
#endif
            {
                block_bits(b + pos, &m);
                parity = prefix_xor(m.quote);
            }
            if (!m.bslash) {
                uint64_t str = parity ^ (in_str ? ~0ull : 0);
                uint64_t ev = m.bracket & ~str;
                unsigned used = 64;
                for (; ev; ev &= ev - 1) {
                    unsigned k = (unsigned)__builtin_ctzll(ev);
                    if ((b[pos + k] | 0x20) == '{') {
                        depth++;
                        continue;
                    }
                    if (depth > 0) {
                        depth--;
                    }
                    if (depth == level) {
                        used = k + 1;
                        done = true;
                        break;
                    }
                }
                uint64_t seen = used == 64 ? ~0ull : (1ull << used) - 1;
                if (m.nl & seen) {
                    line += (uint64_t)m365_popcount64(m.nl & seen);
                }
                in_str = (str >> (used - 1)) & 1;
                pos += used;
                continue;
            }
            /* Byte by byte through the backslash and the byte it escapes. */
            lim = pos + (size_t)__builtin_ctzll(m.bslash) + 2;
        }
#endif
        while (pos < lim) {
            if (in_str) {
                if (esc) {
                    esc = false;
                    line += b[pos++] == '\n';
                    continue;
                }
                pos += plain_run(b + pos, len - pos);
                if (pos >= len) {
                    break;
                }
                char c = b[pos++]; /* '"', '\\' or a line end */
                if (c == '\\') {
                    esc = true;
                } else if (c == '"') {
                    in_str = false;
                } else {
                    line++;
                }
                continue;
            }
            char c = b[pos++];
            if (c == '"') {
                in_str = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (depth > 0) {
                    depth--;
                }
                if (depth == level) {
                    done = true;
                    break;
                }
            } else if (c == '\n') {
                line++;
            }
        }
    }
    *at = pos;
    st->depth = depth;
    st->in_str = in_str;
    st->esc = esc;
    st->line = line;
    return done;
}

static bool scan_element_base(const char *b, size_t *at, size_t len, unsigned level,
                              struct elem_scan *st)
{
    return scan_element_body(b, at, len, level, st, false);
}

#ifdef M365_WIDE
M365_WIDE_TARGET static bool
scan_element_wide(const char *b, size_t *at, size_t len, unsigned level, struct elem_scan *st)
{
    return scan_element_body(b, at, len, level, st, true);
}
#endif

static bool scan_element(const char *b, size_t *at, size_t len, unsigned level,
                         struct elem_scan *st)
{
#ifdef M365_WIDE
    if (m365_cpu_wide()) {
        return scan_element_wide(b, at, len, level, st);
    }
#endif
    return scan_element_base(b, at, len, level, st);
}

/* Is p[0..n) (one line) exactly one JSON object, possibly surrounded by white space? */
static bool line_is_object(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && is_ws(p[i])) {
        i++;
    }
    if (i == n || p[i] != '{') {
        return false;
    }
    struct elem_scan st = {0, false, false, 0};
    if (!scan_element(p, &i, n, 0, &st)) {
        return false;
    }
    for (; i < n; i++) {
        if (!is_ws(p[i])) {
            return false;
        }
    }
    return true;
}

/* JSON Lines (the fast path, with per-line error recovery) when the first complete lines (up to
 * MODE_LINES of them, in the first bytes) are, nearly all, whole objects: a damaged line does not
 * change the mode, a pretty-printed stream whose first object happens to fit on a line does.
 * Structural framing also reads JSON Lines correctly, only without per-line recovery. The vote
 * stops at MODE_LINES because judging a line is a second pass over it: judging all 64 KiB cost
 * 5% of a scan of 100 KB files. */
#define MODE_LINES 16u
static void decide_mode(struct m365_json_records *r)
{
    const char *p;
    size_t n;
    r->mode_known = true;
    if (m365_input_peek(r->in, &p, &n) != 0) {
        return;
    }
    /* A page {"value":[…]} on one line is a wrapper, not a record per line. */
    struct m365_sniff_keys keys;
    if (!m365_sniff_json_keys(p, n, &keys)) {
        /* A first line cut at its start (a file split mid-record) is judged with the rest. */
        const char *nl = memchr(p, '\n', n);
        if (!nl || !m365_sniff_json_keys(nl + 1, n - (size_t)(nl + 1 - p), &keys)) {
            return;
        }
    }
    if (keys.wrapper || keys.in_array) {
        return;
    }
    size_t lines = 0, objects = 0;
    for (size_t i = 0; i < n && lines < MODE_LINES;) {
        const char *nl = memchr(p + i, '\n', n - i);
        if (!nl) {
            break; /* the last, possibly partial, line is not judged */
        }
        size_t len = (size_t)(nl - (p + i));
        bool blank = true;
        for (size_t k = 0; k < len && blank; k++) {
            blank = is_ws(p[i + k]);
        }
        if (!blank) {
            objects += line_is_object(p + i, len);
            lines++;
        }
        i += len + 1;
    }
    r->lines_mode = objects > 0 && (lines == 1 || (objects >= 2 && objects * 3 >= lines * 2));
}

static enum m365_status next_line(struct m365_json_records *r, struct m365_json_record *rec)
{
    for (;;) {
        char *nl = r->pos < r->len ? memchr(r->buf + r->pos, '\n', r->len - r->pos) : NULL;
        if (!nl) {
            if (!r->eof) {
                /* The limit applies to the whole line as it stands in the file (white space
                 * included), so whether the line arrives whole or in pieces cannot change the
                 * outcome. A line of white space alone is blank however long it is. */
                size_t keep = r->oversize ? r->len : r->pos;
                if (!r->oversize) {
                    size_t i = r->pos;
                    while (i < r->len && is_ws(r->buf[i])) {
                        i++;
                    }
                    bool blank = i == r->len;
                    if ((r->ws_over && !blank) || (!blank && r->len - r->pos > r->max_rec)) {
                        r->oversize = true; /* discard the rest of this line as it arrives */
                        r->rec_line = r->line;
                        keep = r->len;
                    } else if (blank && (r->ws_over || r->len - r->pos > r->max_rec)) {
                        r->ws_over = true; /* too long already: blank, or over the limit */
                        keep = r->len;
                    }
                }
                if (keep == r->len) {
                    r->pos = r->len; /* nothing of it is kept: the scan resumes after it */
                }
                if (refill(r, keep) < 0) {
                    return M365_E_NOMEM;
                }
                continue;
            }
            if (r->pos >= r->len && !r->oversize && !r->ws_over) {
                return M365_E_EOF;
            }
            nl = r->buf + r->len; /* last line without a newline */
        }
        size_t start = r->pos, end = (size_t)(nl - r->buf);
        uint64_t line = r->line;
        bool ws_over = r->ws_over;
        r->ws_over = false;
        r->pos = end < r->len ? end + 1 : end;
        r->line++;
        if (r->oversize) {
            r->oversize = false;
            rec->line = r->rec_line;
            rec->offset = r->base + start;
            rec->why = "record larger than the maximum record size";
            return M365_E_LIMIT;
        }
        if (ws_over || end - start > r->max_rec) {
            size_t i = start;
            while (i < end && is_ws(r->buf[i])) {
                i++;
            }
            if (i == end) {
                continue; /* blank */
            }
            rec->line = line;
            rec->offset = r->base + i;
            rec->why = "record larger than the maximum record size";
            return M365_E_LIMIT;
        }
        /* White space, and the byte-order marks of files joined together, before the record. */
        while (start < end && (is_ws(r->buf[start]) ||
                               (end - start >= 3 && memcmp(r->buf + start, utf8_bom, 3) == 0))) {
            start += is_ws(r->buf[start]) ? 1 : 3;
        }
        while (end > start && is_ws(r->buf[end - 1])) {
            end--;
        }
        if (start == end) {
            continue;
        }
        rec->data = r->buf + start;
        rec->len = end - start;
        rec->line = line;
        rec->offset = r->base + start;
        rec->why = NULL;
        return M365_OK;
    }
}

static void begin_record(struct m365_json_records *r, enum where w)
{
    r->where = w;
    r->rec_start = r->pos;
    r->rec_line = r->line;
    r->oversize = false;
    r->in_str = r->esc = false;
}

static enum m365_status emit(struct m365_json_records *r, struct m365_json_record *rec,
                             size_t end)
{
    rec->line = r->rec_line;
    rec->offset = r->base + r->rec_start;
    if (r->oversize) {
        r->oversize = false;
        rec->why = "record larger than the maximum record size";
        return M365_E_LIMIT;
    }
    if (end - r->rec_start > r->max_rec) {
        /* Arrived in one read: the limit must not depend on how the bytes were chunked. */
        rec->why = "record larger than the maximum record size";
        return M365_E_LIMIT;
    }
    rec->data = r->buf + r->rec_start;
    rec->len = end - r->rec_start;
    rec->why = NULL;
    return M365_OK;
}

static enum m365_status next_struct(struct m365_json_records *r, struct m365_json_record *rec)
{
    for (;;) {
        if (r->pos >= r->len) {
            if (r->eof) {
                if (r->where == IN_STRAY && r->stray_bom == 3) {
                    return M365_E_EOF; /* a mark at the end, after the last file joined */
                }
                if (r->where == IN_STRAY || r->where == IN_SCALAR) {
                    rec->why = r->where == IN_STRAY ? "text outside any JSON value"
                                                    : "array element is not a JSON object";
                    r->where = TOP;
                    rec->line = r->rec_line;
                    rec->offset = r->base + r->rec_start;
                    return M365_E_PARSE;
                }
                if (r->where == IN_RECORD || r->where == IN_WRAP_PENDING ||
                    (r->where == IN_TOPOBJ && !r->is_wrapper)) {
                    r->where = TOP;
                    rec->line = r->rec_line;
                    rec->offset = r->base + r->rec_start;
                    rec->why = "truncated record: the file ends inside it";
                    return M365_E_PARSE;
                }
                return M365_E_EOF;
            }
            bool holding = r->where == IN_RECORD || r->where == IN_WRAP_PENDING ||
                           (r->where == IN_TOPOBJ && !r->is_wrapper);
            if (holding && !r->oversize && r->pos - r->rec_start > r->max_rec) {
                r->oversize = true;
            }
            size_t keep = holding && !r->oversize ? r->rec_start : r->pos;
            if (refill(r, keep) < 0) {
                return M365_E_NOMEM;
            }
            continue;
        }
        if (r->where == IN_RECORD) {
            /* Inside an array element (a Graph or Azure Monitor page's record): followed by
             * scan_element rather than through the general machine below. */
            struct elem_scan st = {r->depth, r->in_str, r->esc, r->line};
            size_t pos = r->pos;
            bool done = scan_element(r->buf, &pos, r->len, r->rec_level, &st);
            r->pos = pos;
            r->depth = st.depth;
            r->in_str = st.in_str;
            r->esc = st.esc;
            r->line = st.line;
            if (done) {
                r->where = IN_ARRAY;
                return emit(r, rec, r->pos);
            }
            continue;
        }
        if (r->in_str && !r->esc && !r->capture && r->where == IN_TOPOBJ) {
            r->pos += plain_run(r->buf + r->pos, r->len - r->pos);
            if (r->pos >= r->len) {
                continue;
            }
        }
        char c = r->buf[r->pos];
        if (c == '\n') {
            r->line++;
        }
        if (r->where == IN_WRAP_PENDING) {
            if (is_ws(c)) {
                r->pos++;
                continue;
            }
            if (c == '{' || c == ']') {
                /* A wrapper: its array's elements are the records. */
                r->is_wrapper = true;
                r->oversize = false;
                r->rec_level = 2;
                r->where = IN_ARRAY;
                continue; /* the element (or the closing bracket) is read in IN_ARRAY */
            }
            r->where = IN_TOPOBJ; /* an ordinary array member of a top-level record */
            continue;
        }
        if (r->where == IN_TOPOBJ) { /* (IN_RECORD is followed above) */
            if (r->in_str) {
                if (r->esc) {
                    r->esc = false;
                } else if (c == '\\') {
                    r->esc = true;
                } else if (c == '"') {
                    r->in_str = false;
                    if (r->capture && !m365_json_wrapper_meta_key(r->key, r->klen) &&
                        !m365_json_wrapper_key(r->key, r->klen)) {
                        r->only_meta = false;
                    }
                    if (r->capture && r->klen == 15 && memcmp(r->key, "@odata.nextLink", 15) == 0) {
                        r->names_next = true;
                    }
                    r->capture = false;
                } else if (r->capture && r->klen < sizeof(r->key)) {
                    r->key[r->klen++] = c;
                }
                r->pos++;
                continue;
            }
            bool topobj = r->depth == 1;
            switch (c) {
            case '"':
                r->in_str = true;
                if (topobj && r->expect_key) {
                    r->capture = true;
                    r->klen = 0;
                }
                break;
            case ':':
                if (topobj) {
                    r->expect_key = false;
                    r->after_colon = true;
                    r->pos++;
                    continue;
                }
                break;
            case ',':
                if (topobj) {
                    r->expect_key = true;
                    r->after_colon = false;
                }
                break;
            case '{':
            case '[':
                if (topobj && r->after_colon && c == '[' && r->only_meta && !r->is_wrapper &&
                    m365_json_wrapper_key(r->key, r->klen)) {
                    /* Perhaps a wrapper: decided by the array's first element. */
                    r->where = IN_WRAP_PENDING;
                    r->depth = 2;
                    r->after_colon = false;
                    r->pos++;
                    continue;
                }
                r->depth++;
                break;
            case '}':
            case ']':
                if (r->depth > 0) {
                    r->depth--;
                }
                if (r->depth == 0) {
                    r->where = TOP;
                    r->pos++;
                    if (r->is_wrapper) {
                        if (r->on_page) {
                            r->on_page(r->on_page_user, r->names_next);
                        }
                        continue;
                    }
                    return emit(r, rec, r->pos);
                }
                break;
            default:
                break;
            }
            if (topobj && !is_ws(c)) {
                r->after_colon = false;
            }
            r->pos++;
            continue;
        }
        if (is_ws(c)) {
            r->pos++;
            continue;
        }
        if (r->where == TOP) {
            if (c == '{') {
                begin_record(r, IN_TOPOBJ);
                r->depth = 1;
                r->is_wrapper = false;
                r->names_next = false;
                r->only_meta = true;
                r->expect_key = true;
                r->after_colon = false;
                r->capture = false;
                r->klen = 0;
                r->pos++;
                continue;
            }
            if (c == '[') {
                r->where = IN_ARRAY;
                r->depth = 1;
                r->rec_level = 1;
                r->is_wrapper = false;
                r->pos++;
                continue;
            }
            begin_record(r, IN_STRAY);
            r->stray_bom = 0;
            continue;
        }
        if (r->where == IN_STRAY) {
            if ((c == '{' || c == '[') && r->stray_bom == 3) {
                r->where = TOP; /* only the marks of files joined together: not a record */
                continue;
            }
            if (c == '{' || c == '[') {
                r->where = TOP;
                rec->line = r->rec_line;
                rec->offset = r->base + r->rec_start;
                rec->why = "text outside any JSON value";
                return M365_E_PARSE;
            }
            unsigned char u = (unsigned char)c;
            if (r->stray_bom < 3 && u == utf8_bom[r->stray_bom]) {
                r->stray_bom++;
            } else if (r->stray_bom == 3 && u == utf8_bom[0]) {
                r->stray_bom = 1;
            } else {
                r->stray_bom = STRAY_NOT_BOM;
            }
            r->pos++;
            continue;
        }
        if (r->where == IN_SCALAR) {
            if (r->in_str) {
                if (r->esc) {
                    r->esc = false;
                } else if (c == '\\') {
                    r->esc = true;
                } else if (c == '"') {
                    r->in_str = false;
                }
                r->pos++;
                continue;
            }
            if (c == ',' || c == ']' || c == '}') {
                r->where = IN_ARRAY;
                rec->line = r->rec_line;
                rec->offset = r->base + r->rec_start;
                rec->why = "array element is not a JSON object";
                return M365_E_PARSE;
            }
            r->in_str = c == '"';
            r->pos++;
            continue;
        }
        /* IN_ARRAY: between records. */
        if (c == ',') {
            r->pos++;
            continue;
        }
        if (c == ']' || c == '}') {
            r->pos++;
            if (r->depth > 0) {
                r->depth--;
            }
            if (r->rec_level == 2 && r->depth == 1) {
                r->where = IN_TOPOBJ; /* back in the wrapper, after its record array */
                r->expect_key = false;
                r->after_colon = false;
            } else {
                r->where = TOP;
                r->depth = 0;
            }
            continue;
        }
        if (c == '{' || c == '[') {
            begin_record(r, IN_RECORD);
            r->depth++;
            r->pos++;
            continue;
        }
        /* A scalar element: consume it, it is not a record. */
        begin_record(r, IN_SCALAR);
        r->in_str = c == '"';
        r->pos++;
    }
}

void m365_json_records_on_page(struct m365_json_records *r, m365_json_page_fn fn, void *user)
{
    r->on_page = fn;
    r->on_page_user = user;
}

void m365_json_records_force_lines(struct m365_json_records *r)
{
    r->mode_known = true;
    r->lines_mode = true;
}

bool m365_json_records_lines_mode(struct m365_input *in)
{
    struct m365_json_records r;
    memset(&r, 0, sizeof(r));
    r.in = in;
    decide_mode(&r);
    return r.lines_mode;
}

enum m365_status m365_json_records_next(struct m365_json_records *r, struct m365_json_record *rec)
{
    if (!r->mode_known) {
        decide_mode(r);
    }
    return r->lines_mode ? next_line(r, rec) : next_struct(r, rec);
}
