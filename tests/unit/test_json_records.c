/* Differential test: the hand-written record framer (json_records.c) against simdjson.
 * For every document, the records the framer cuts out, parsed and minified, must equal the
 * records simdjson finds when it parses the whole document (array elements, the elements of a
 * "value"/"records"/"Results" wrapper, or each object of a concatenation), minified. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/cpu.h"
#include "io/input.h"
#include "json/json.h"
#include "readers/json_records.h"
#include "test_util.h"

struct strlist {
    char **v;
    size_t n, cap;
};

static void sl_push(struct strlist *l, const char *s, size_t len)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n] = malloc(len + 1);
    memcpy(l->v[l->n], s, len);
    l->v[l->n][len] = '\0';
    l->n++;
}

static void sl_free(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i]);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static void push_minified(struct m365_json *j, struct strlist *l, struct m365_jv v)
{
    size_t len;
    const char *t = m365_jv_text(j, v, &len);
    sl_push(l, t, len);
}

/* What simdjson sees in a whole document. */
static void reference_records(struct m365_json *j, const char *doc, size_t len, struct strlist *out)
{
    struct m365_jv root;
    const char *err;
    assert_int_equal(m365_json_parse(j, doc, len, false, &root, &err), 0);
    struct m365_jv arr = root;
    if (m365_jv_type(root) == M365_J_OBJECT) {
        struct m365_jv w = m365_jv_get(root, "value");
        static const char *const others[] = {"records", "Results", "results"};
        for (size_t k = 0; k < 3 && m365_jv_type(w) != M365_J_ARRAY; k++) {
            w = m365_jv_get(root, others[k]);
        }
        if (m365_jv_type(w) != M365_J_ARRAY) {
            push_minified(j, out, root);
            return;
        }
        arr = w;
    }
    struct m365_jit it;
    struct m365_jv el;
    m365_jv_iter(arr, &it);
    while (m365_jit_next(&it, NULL, NULL, &el)) {
        push_minified(j, out, el);
    }
}

static const char *current_doc; /* for failure messages, and the records' places */
static size_t current_len;

/* What the framer cuts out, each parsed by simdjson and minified. */
static void framed_records(struct m365_json *j, const char *path, size_t chunk,
                           struct strlist *out, size_t *skips)
{
    struct m365_limits lim = {16u << 20, 1ull << 30, 250, 64, 0};
    const char *err = NULL;
    struct m365_input *in = m365_input_open(path, &lim, chunk, &err);
    assert_non_null(in);
    struct m365_json_records *jr = m365_json_records_new(in, 1u << 20);
    struct m365_json_record rec;
    enum m365_status st;
    *skips = 0;
    while ((st = m365_json_records_next(jr, &rec)) != M365_E_EOF) {
        if (st != M365_OK) {
            print_message("framer skipped a record at line %llu: %s\n",
                          (unsigned long long)rec.line, rec.why);
            (*skips)++;
            continue;
        }
        /* Where the framer says the record is: its bytes there, and the line of its first
         * byte (offsets count from after a byte-order mark). */
        size_t bom = current_len >= 3 && memcmp(current_doc, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
        const char *at = current_doc + bom + rec.offset;
        assert_true(bom + rec.offset + rec.len <= current_len);
        assert_memory_equal(at, rec.data, rec.len);
        uint64_t line = 1;
        for (const char *q = current_doc + bom; q < at; q++) {
            line += *q == '\n';
        }
        if (rec.line != line) {
            fail_msg("chunk %zu: record at offset %llu framed on line %llu, it starts on line %llu",
                     chunk, (unsigned long long)rec.offset, (unsigned long long)rec.line,
                     (unsigned long long)line);
        }
        struct m365_jv v;
        if (m365_json_parse(j, rec.data, rec.len, true, &v, &err) != 0) {
            fail_msg("framed record (chunk %zu) is not JSON (%s): %.*s\n--- in document:\n%s",
                     chunk, err, (int)rec.len, rec.data, current_doc);
        }
        push_minified(j, out, v);
        m365_json_reset(j);
    }
    m365_json_records_free(jr);
    m365_input_close(in);
}

/* --- a small random JSON generator ----------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static bool one_line;   /* JSON Lines records hold no raw newline */
static bool no_escapes; /* strings hold no backslash */

static void ws(struct m365_buf *b)
{
    static const char *const pads[] = {"", "", " ", "\n", "\n  ", "\t", "\r\n", "  "};
    const char *p = pads[rnd(8)];
    m365_buf_puts(b, one_line && strchr(p, '\n') ? " " : p);
}

static void gen_string(struct m365_buf *b)
{
    /* Characters that confuse a naive framer: brackets, quotes, escapes, newlines, UTF-8. */
    static const char *const parts[] = {"a", "{", "}", "[", "]", ",", ":", "\\\"", "\\\\",
                                        "\\n", "\\/", "\\u00e9", "\xc3\xa9", "\xe2\x80\x93",
                                        "value", "records", " ", "\\\\\\\""};
    m365_buf_putc(b, '"');
    unsigned n = rnd(12);
    for (unsigned i = 0; i < n; i++) {
        const char *part = parts[rnd(sizeof(parts) / sizeof(parts[0]))];
        /* Without backslashes the framer takes 64 bytes at a time: strings full of brackets. */
        m365_buf_puts(b, no_escapes && strchr(part, '\\') ? "}]{[\xe2\x80\x93" : part);
    }
    m365_buf_putc(b, '"');
}

static void gen_value(struct m365_buf *b, unsigned depth);

static void gen_object(struct m365_buf *b, unsigned depth)
{
    m365_buf_putc(b, '{');
    unsigned n = rnd(5);
    for (unsigned i = 0; i < n; i++) {
        if (i) {
            m365_buf_putc(b, ',');
        }
        ws(b);
        /* Keys like "value"/"records" inside records must not be taken for wrappers (as a
         * record's first key holding objects, {"value":[{…}]} IS a wrapper by construction). */
        if (i > 0 && rnd(4) == 0) {
            static const char *const names[] = {"value", "records", "Results", "Schema"};
            m365_buf_printf(b, "\"%s\"", names[rnd(4)]);
        } else {
            m365_buf_printf(b, "\"k%u_%u\"", depth, i);
        }
        ws(b);
        m365_buf_putc(b, ':');
        ws(b);
        gen_value(b, depth + 1);
    }
    ws(b);
    m365_buf_putc(b, '}');
}

static void gen_value(struct m365_buf *b, unsigned depth)
{
    unsigned k = depth > 4 ? rnd(4) : rnd(6);
    switch (k) {
    case 0: gen_string(b); break;
    case 1: m365_buf_printf(b, "%d", (int)rnd(100000) - 500); break;
    case 2: m365_buf_puts(b, rnd(2) ? "true" : "null"); break;
    case 3: m365_buf_printf(b, "%u.%u", rnd(1000), rnd(1000)); break;
    case 4: gen_object(b, depth); break;
    default: {
        m365_buf_putc(b, '[');
        unsigned n = rnd(4);
        for (unsigned i = 0; i < n; i++) {
            if (i) {
                m365_buf_putc(b, ',');
            }
            ws(b);
            gen_value(b, depth + 1);
        }
        m365_buf_putc(b, ']');
    }
    }
}

static void check_doc(const char *dir, const char *doc, size_t len, bool whole_is_json,
                      struct strlist *expected)
{
    char *path = m365_test_path(dir, "doc.json");
    current_doc = doc;
    current_len = len;
    assert_int_equal(m365_test_write_file(path, doc, len), 0);
    struct m365_json *j = m365_json_new(64u << 20, 1024);
    struct strlist ref = {0};
    if (whole_is_json) {
        reference_records(j, doc, len, &ref);
        m365_json_reset(j);
    }
    struct strlist *want = whole_is_json ? &ref : expected;
    static const size_t chunks[] = {0, 1, 2, 3, 5, 8, 13, 64, 4096};
    for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        struct strlist got = {0};
        size_t skips;
        framed_records(j, path, chunks[c], &got, &skips);
        if (skips) {
            fail_msg("chunk %zu: %zu records skipped in\n%.*s", chunks[c], skips,
                     (int)(len > 3000 ? 3000 : len), doc);
        }
        if (got.n != want->n) {
            fail_msg("chunk %zu: %zu records framed, %zu expected\n%.*s", chunks[c], got.n,
                     want->n, (int)(len > 2000 ? 2000 : len), doc);
        }
        for (size_t i = 0; i < got.n; i++) {
            assert_string_equal(got.v[i], want->v[i]);
        }
        sl_free(&got);
    }
    sl_free(&ref);
    m365_json_free(j);
    free(path);
}

static void random_documents(void **state)
{
    (void)state;
    char *dir = m365_test_mkdtemp();
    struct m365_json *j = m365_json_new(64u << 20, 1024);
    for (int round = 0; round < 720; round++) {
        /* array; value, records and hunting-response (Results) wrappers; lines; concatenation */
        unsigned form = (unsigned)round % 6;
        bool wrapped = form >= 1 && form <= 3;
        no_escapes = round >= 360;
        unsigned n = 1 + rnd(6);
        struct m365_buf doc;
        m365_buf_init(&doc, 0);
        struct strlist expected = {0};
        one_line = form == 4;
        if (form == 3) {
            /* The advanced hunting API's response; Graph's is in lower case. */
            bool lower = rnd(2);
            m365_buf_printf(&doc, "{\"%s\":{\"ExecutionTime\":0.5},%s\"%s\":[{\"Name\":\"a]\","
                                  "\"Type\":\"String\"}],\"%s\":",
                            lower ? "stats" : "Stats", rnd(2) ? "\n" : "",
                            lower ? "schema" : "Schema", lower ? "results" : "Results");
        } else if (form == 1 || form == 2) {
            m365_buf_printf(&doc, "{\"@odata.context\":\"x{[\",%s\"%s\":", rnd(2) ? "\n" : "",
                            form == 1 ? "value" : "records");
        }
        if (form <= 3) {
            m365_buf_putc(&doc, '[');
        }
        for (unsigned i = 0; i < n; i++) {
            struct m365_buf rec;
            m365_buf_init(&rec, 0);
            gen_object(&rec, 0);
            if (form <= 3) {
                if (i) {
                    m365_buf_putc(&doc, ',');
                }
                ws(&doc);
            }
            m365_buf_append(&doc, rec.data, rec.len);
            if (form == 4) {
                m365_buf_putc(&doc, '\n');
            } else if (form == 5) {
                ws(&doc);
            }
            struct m365_jv v;
            const char *err;
            if (m365_json_parse(j, rec.data, rec.len, false, &v, &err) != 0) {
                fail_msg("generator made invalid JSON (%s): %.*s", err, (int)rec.len, rec.data);
            }
            push_minified(j, &expected, v);
            m365_json_reset(j);
            m365_buf_free(&rec);
        }
        if (form <= 3) {
            ws(&doc);
            m365_buf_putc(&doc, ']');
        }
        if (wrapped) {
            m365_buf_puts(&doc, form == 3 ? "}" : ",\"@odata.nextLink\":\"]}\"}");
        }
        /* Forms 0-3 are single JSON documents simdjson can check whole; 4-5 are streams. */
        check_doc(dir, doc.data, doc.len, form <= 3, &expected);
        sl_free(&expected);
        m365_buf_free(&doc);
    }
    m365_json_free(j);
    m365_test_rmtree(dir);
    free(dir);
}

/* Real exports in their container forms, built from the real samples. */
static void real_samples(void **state)
{
    (void)state;
    const char *lines = M365_REALDATA_DIR "/SEKOIA-IO_intake-formats/_extracted/o365_management_activity.jsonl";
    size_t len;
    char *data = m365_test_read_file(lines, &len);
    if (!data) {
        skip();
    }
    char *dir = m365_test_mkdtemp();
    /* The same records as a Management API blob (one JSON array) and as a Graph-style page. */
    struct m365_buf arr, page;
    m365_buf_init(&arr, 0);
    m365_buf_init(&page, 0);
    m365_buf_putc(&arr, '[');
    m365_buf_puts(&page, "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata\",\"value\":[");
    size_t n = 0;
    for (char *p = data; p < data + len;) {
        char *nl = memchr(p, '\n', (size_t)(data + len - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(data + len - p);
        if (l) {
            if (n++) {
                m365_buf_puts(&arr, ",\n");
                m365_buf_putc(&page, ',');
            }
            m365_buf_append(&arr, p, l);
            m365_buf_append(&page, p, l);
        }
        p += l + 1;
    }
    m365_buf_puts(&arr, "]\n");
    m365_buf_puts(&page, "],\"@odata.nextLink\":null}");
    assert_int_equal(n, 73);
    check_doc(dir, arr.data, arr.len, true, NULL);
    check_doc(dir, page.data, page.len, true, NULL);
    /* The Azure Monitor Event Hub sample as one {"records":[…]} message. */
    free(data);
    data = m365_test_read_file(M365_REALDATA_DIR "/SEKOIA-IO_intake-formats/_extracted/azure-ad_eventhub_diagnostic.jsonl", &len);
    assert_non_null(data);
    struct m365_buf rec;
    m365_buf_init(&rec, 0);
    m365_buf_puts(&rec, "{\"records\": [\n");
    n = 0;
    for (char *p = data; p < data + len;) {
        char *nl = memchr(p, '\n', (size_t)(data + len - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(data + len - p);
        if (l) {
            if (n++) {
                m365_buf_puts(&rec, ",\n");
            }
            m365_buf_append(&rec, p, l);
        }
        p += l + 1;
    }
    m365_buf_puts(&rec, "\n]}");
    check_doc(dir, rec.data, rec.len, true, NULL);
    m365_buf_free(&arr);
    m365_buf_free(&page);
    m365_buf_free(&rec);
    free(data);
    m365_test_rmtree(dir);
    free(dir);
}

/* Records after an over-limit JSON line are never lost, and the limit gives the same outcome
 * at every read size: white space counts as it stands in the file, blank lines are never
 * records however long (three bugs the fuzzers found). */
static void limits_whatever_the_read_size(void **state)
{
    (void)state;
    struct m365_buf doc = {0};
    m365_buf_puts(&doc, "{\"a\":1}\n{\"big\":\"");
    for (int i = 0; i < 100; i++) {
        m365_buf_putc(&doc, 'x');
    }
    m365_buf_puts(&doc, "\"}\n");
    for (int i = 0; i < 90; i++) {
        m365_buf_putc(&doc, ' '); /* a blank line longer than the limit */
    }
    m365_buf_puts(&doc, "\n          {\"b\":2}\n{\"c\":3}\n");
    /* line 4: ten spaces + 7 bytes = 17 bytes as it stands: over a 16-byte limit */
    char *dir = m365_test_mkdtemp();
    char *path = m365_test_path(dir, "limits.jsonl");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(doc.data, 1, doc.len, f), doc.len);
    assert_int_equal(fclose(f), 0);
    static const size_t chunks[] = {0, 1, 3, 7, 16, 17, 64};
    static const size_t limits[] = {16, 64};
    for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
        for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
            struct m365_limits lim = {16u << 20, 1ull << 30, 250, 64, 0};
            const char *err = NULL;
            struct m365_input *in = m365_input_open(path, &lim, chunks[c], &err);
            assert_non_null(in);
            struct m365_json_records *jr = m365_json_records_new(in, limits[l]);
            struct m365_json_record rec;
            enum m365_status st;
            struct m365_buf got = {0};
            while ((st = m365_json_records_next(jr, &rec)) != M365_E_EOF) {
                m365_buf_printf(&got, "%s L%llu%s", st == M365_OK ? "OK" : "LIMIT",
                                (unsigned long long)rec.line, st == M365_OK ? " " : "\n");
                if (st == M365_OK) {
                    m365_buf_append(&got, rec.data, rec.len);
                    m365_buf_putc(&got, '\n');
                }
            }
            m365_buf_putc(&got, '\0');
            const char *want = limits[l] == 16
                                   ? "OK L1 {\"a\":1}\nLIMIT L2\nLIMIT L4\nOK L5 {\"c\":3}\n"
                                   : "OK L1 {\"a\":1}\nLIMIT L2\nOK L4 {\"b\":2}\nOK L5 {\"c\":3}\n";
            if (strcmp(got.data, want) != 0) {
                fail_msg("limit %zu, read size %zu:\n%s--- expected:\n%s", limits[l], chunks[c],
                         got.data, want);
            }
            m365_buf_free(&got);
            m365_json_records_free(jr);
            m365_input_close(in);
        }
    }
    m365_buf_free(&doc);
    free(path);
    m365_test_rmtree(dir);
    free(dir);
}

/* What the page callback was told: the records handed out before each page, and its link. */
struct page_log {
    unsigned records, n, n_named;
    unsigned at[8], named[8];
};

static void log_page(void *user, bool names_next)
{
    struct page_log *l = user;
    if (l->n < 8) {
        l->at[l->n] = l->records;
        l->named[l->n] = names_next;
    }
    l->n++;
    l->n_named += names_next;
}

/* What the framer tells of the pages of the file at path, read `chunk` bytes at a time (0: the
 * default), to its end. */
static struct page_log frame_pages(const char *path, size_t chunk)
{
    struct m365_limits lim = {16u << 20, 1ull << 30, 250, 64, 0};
    const char *err = NULL;
    struct m365_input *in = m365_input_open(path, &lim, chunk, &err);
    assert_non_null(in);
    struct m365_json_records *jr = m365_json_records_new(in, 1u << 20);
    assert_non_null(jr);
    struct page_log log = {0};
    m365_json_records_on_page(jr, log_page, &log);
    struct m365_json_record rec;
    while (m365_json_records_next(jr, &rec) != M365_E_EOF) {
        log.records++;
    }
    m365_json_records_free(jr);
    m365_input_close(in);
    return log;
}

/* Pages ({"value":[…]} wrappers) and those naming a next page, at every read size: the link
 * before or after the records, an empty last page, a link inside a record (not the page's), a
 * longer key, and no wrapper at all. */
static void pages_and_next_links(void **state)
{
    (void)state;
    static const struct {
        const char *doc;
        uint64_t pages, next;
    } cases[] = {
        {"{\"@odata.context\":\"x\",\"@odata.nextLink\":\"https://g/1\",\"value\":[{\"a\":1}]}\n"
         "{\"value\":[{\"a\":2},{\"a\":3}],\"@odata.nextLink\":\"https://g/2\"}\n"
         "{\"@odata.context\":\"x\",\"value\":[]}\n",
         3, 2},
        {"{\"value\":[{\"@odata.nextLink\":\"in a record\",\"a\":1}]}", 1, 0},
        {"{\"@odata.nextLinks\":\"y\",\"value\":[{\"a\":1}]}", 1, 0},
        {"{\"@odata.nextLink\":\"z\",\n  \"value\": [\n {\"a\": 1}\n ]\n}\n", 1, 1},
        {"[{\"a\":1},{\"a\":2}]", 0, 0},
        {"{\"a\":1}\n{\"@odata.nextLink\":\"a record, no page\",\"b\":2}\n", 0, 0},
    };
    char *dir = m365_test_mkdtemp();
    char *path = m365_test_path(dir, "pages.json");
    static const size_t chunks[] = {0, 1, 3, 7, 64};
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        assert_int_equal(m365_test_write_file(path, cases[k].doc, strlen(cases[k].doc)), 0);
        for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
            struct page_log log = frame_pages(path, chunks[c]);
            if (log.n != cases[k].pages || log.n_named != cases[k].next) {
                fail_msg("case %zu, read size %zu: %u pages, %u naming a next one; expected "
                         "%llu, %llu", k, chunks[c], log.n, log.n_named,
                         (unsigned long long)cases[k].pages, (unsigned long long)cases[k].next);
            }
        }
    }
    /* The page callback: each page told after its last record, before the next page's first. */
    static const char two[] = "{\"@odata.context\":\"c\",\"value\":[{\"a\":1},{\"a\":2}],"
                              "\"@odata.nextLink\":\"n\"}\n{\"value\":[]}\n"
                              "{\"value\":[{\"a\":3}]}\n";
    assert_int_equal(m365_test_write_file(path, two, strlen(two)), 0);
    for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        struct page_log log = frame_pages(path, chunks[c]);
        assert_int_equal(log.n, 3);
        static const unsigned at[] = {2, 2, 3}, named[] = {1, 0, 0};
        for (unsigned i = 0; i < 3; i++) {
            if (log.at[i] != at[i] || log.named[i] != named[i]) {
                fail_msg("read size %zu, page %u: told after %u records, naming a next one %u; "
                         "expected %u, %u", chunks[c], i, log.at[i], log.named[i], at[i],
                         named[i]);
            }
        }
    }
    free(path);
    m365_test_rmtree(dir);
    free(dir);
}

/* Every test with each block code: SSE2, then (on a CPU that has it) AVX-512. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_documents),
        cmocka_unit_test(real_samples),
        cmocka_unit_test(limits_whatever_the_read_size),
        cmocka_unit_test(pages_and_next_links),
    };
    bool can = m365_cpu_set_wide(false);
    int failed = cmocka_run_group_tests_name("SSE2 block code", tests, NULL, NULL);
    if (can) {
        m365_cpu_set_wide(true);
        failed += cmocka_run_group_tests_name("AVX-512 block code", tests, NULL, NULL);
    } else {
        print_message("no AVX-512 on this CPU: the SSE2 block code alone was checked\n");
    }
    return failed;
}
