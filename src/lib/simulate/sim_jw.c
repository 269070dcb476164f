/* The JSON writer every renderer writes through.
 *
 * Plain mode writes JSON text. Row mode is for Log Analytics rows: the members of the top
 * object become cells (name, kind, text) that the container then writes as a JSON row (dynamic
 * columns as JSON strings) or as a CSV row in the table's column order. One renderer therefore
 * serves the JSON and the CSV form of a table. */
#include "sim.h"

void jw_start(struct jw *w, struct sbuf *b, bool row)
{
    w->b = b;
    w->depth = 0;
    w->first[0] = true;
    w->row = row;
    w->in_key = false;
    w->key = NULL;
    w->n_cells = 0;
}

static bool at_cell(const struct jw *w)
{
    return w->row && w->depth == 1;
}

static void cell_begin(struct jw *w, uint8_t kind)
{
    if (w->n_cells == JW_MAX_CELLS) {
        w->b->oom = true; /* a renderer bug: more columns than any table has */
        return;
    }
    struct jw_cellrec *c = &w->cells[w->n_cells++];
    c->name = w->key ? w->key : "";
    c->off = (uint32_t)w->b->len;
    c->len = 0;
    c->kind = kind;
    c->t = 0;
    w->in_key = false;
}

static void cell_end(struct jw *w)
{
    if (w->n_cells) {
        struct jw_cellrec *c = &w->cells[w->n_cells - 1];
        c->len = (uint32_t)(w->b->len - c->off);
    }
}

/* Separator before a value in plain JSON. */
static void pre(struct jw *w)
{
    if (w->in_key) {
        w->in_key = false;
        return;
    }
    if (w->depth > 0) {
        if (!w->first[w->depth]) {
            sb_putc(w->b, ',');
        }
        w->first[w->depth] = false;
    }
}

static void open(struct jw *w, char c)
{
    if (w->row && w->depth == 0) {
        w->depth = 1; /* the row itself: nothing is written */
        w->first[1] = true;
        return;
    }
    if (at_cell(w)) {
        cell_begin(w, CELL_JSON);
    } else {
        pre(w);
    }
    sb_putc(w->b, c);
    if (w->depth + 1 >= JW_MAX_DEPTH) {
        w->b->oom = true; /* deeper than any record the renderers write */
        return;
    }
    w->depth++;
    w->first[w->depth] = true;
    w->closer[w->depth] = c == '{' ? '}' : ']';
}

void jw_obj(struct jw *w)
{
    open(w, '{');
}

void jw_arr(struct jw *w)
{
    open(w, '[');
}

void jw_end(struct jw *w)
{
    if (w->row && w->depth == 1) {
        w->depth = 0;
        return;
    }
    if (w->depth == 0) {
        return;
    }
    sb_putc(w->b, w->closer[w->depth]);
    w->depth--;
    if (at_cell(w)) {
        cell_end(w);
    }
}

void jw_keyn(struct jw *w, const char *k, size_t n)
{
    if (at_cell(w)) {
        w->key = k;
        w->in_key = true;
        return;
    }
    struct sbuf *b = w->b;
    if (b->cap - b->len < n + 4 && sb_grow(b, n + 4) != 0) {
        return;
    }
    char *p = b->p + b->len;
    if (!w->first[w->depth]) {
        *p++ = ',';
    }
    w->first[w->depth] = false;
    *p++ = '"';
    memcpy(p, k, n);
    p += n;
    *p++ = '"';
    *p++ = ':';
    b->len = (size_t)(p - b->p);
    w->in_key = true;
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
    if (at_cell(w)) {
        cell_begin(w, CELL_STR);
        sb_put(w->b, s, n);
        cell_end(w);
        return;
    }
    pre(w);
    sb_putc(w->b, '"');
    sb_json_esc(w->b, s, n);
    sb_putc(w->b, '"');
}

void jw_str(struct jw *w, const char *s)
{
    if (!s) {
        jw_null(w);
        return;
    }
    jw_strn(w, s, strlen(s));
}

static void scalar(struct jw *w, uint8_t kind, const char *text, size_t n)
{
    if (at_cell(w)) {
        cell_begin(w, kind);
        sb_put(w->b, text, n);
        cell_end(w);
        return;
    }
    pre(w);
    sb_put(w->b, text, n);
}

void jw_num(struct jw *w, const char *literal)
{
    scalar(w, CELL_RAW, literal, strlen(literal));
}

void jw_int(struct jw *w, int64_t v)
{
    if (at_cell(w)) {
        cell_begin(w, CELL_RAW);
        sb_i64(w->b, v);
        cell_end(w);
        return;
    }
    pre(w);
    sb_i64(w->b, v);
}

void jw_bool(struct jw *w, bool v)
{
    if (v) {
        scalar(w, CELL_BOOL_T, "true", 4);
    } else {
        scalar(w, CELL_BOOL_F, "false", 5);
    }
}

void jw_null(struct jw *w)
{
    scalar(w, CELL_NULL, "null", 4);
}

void jw_guid(struct jw *w, uint64_t key)
{
    char g[37];
    sim_guid(key, g);
    jw_strn(w, g, 36);
}

void jw_token(struct jw *w, uint64_t key)
{
    char t[23];
    sim_token(key, t);
    jw_strn(w, t, 22);
}

void jw_time(struct jw *w, int64_t ms, enum sim_tfmt f, unsigned sub)
{
    if (at_cell(w)) {
        cell_begin(w, CELL_TIME);
        w->cells[w->n_cells - 1].t = ms;
        return;
    }
    pre(w);
    sb_putc(w->b, '"');
    sb_time(w->b, ms, f, sub);
    sb_putc(w->b, '"');
}


void jw_ks(struct jw *w, const char *k, const char *v)
{
    jw_keyn(w, k, strlen(k));
    jw_str(w, v);
}

void jw_ki(struct jw *w, const char *k, int64_t v)
{
    jw_key(w, k);
    jw_int(w, v);
}

void jw_kb(struct jw *w, const char *k, bool v)
{
    jw_key(w, k);
    jw_bool(w, v);
}

void jw_kn(struct jw *w, const char *k)
{
    jw_key(w, k);
    jw_null(w);
}

void jw_kg(struct jw *w, const char *k, uint64_t key)
{
    jw_key(w, k);
    jw_guid(w, key);
}

void jw_key_fl(struct jw *w, enum sim_flavour fl, const char *camel, const char *pascal)
{
    jw_key(w, fl == FL_LA ? pascal : camel);
}

void jw_kt(struct jw *w, const char *k, int64_t ms, enum sim_tfmt f, unsigned sub)
{
    jw_key(w, k);
    jw_time(w, ms, f, sub);
}

static void indent(struct sbuf *out, int depth)
{
    SB_LIT(out, "\r\n");
    for (int i = 0; i < depth; i++) {
        SB_LIT(out, "  ");
    }
}

void sb_pretty(struct sbuf *out, const char *json, size_t len)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = json[i];
        if (in_str) {
            sb_putc(out, c);
            if (c == '\\' && i + 1 < len) {
                sb_putc(out, json[++i]);
            } else if (c == '"') {
                in_str = false;
            }
            continue;
        }
        switch (c) {
        case '"':
            in_str = true;
            sb_putc(out, c);
            break;
        case '{':
        case '[':
            if (i + 1 < len && (json[i + 1] == '}' || json[i + 1] == ']')) {
                sb_putc(out, c);
                sb_putc(out, json[++i]);
                break;
            }
            sb_putc(out, c);
            indent(out, ++depth);
            break;
        case '}':
        case ']':
            indent(out, --depth);
            sb_putc(out, c);
            break;
        case ',':
            sb_putc(out, ',');
            indent(out, depth);
            break;
        case ':': SB_LIT(out, ": "); break;
        default: sb_putc(out, c);
        }
    }
}
