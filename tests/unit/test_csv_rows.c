/* The streaming CSV row source (readers/csv_rows.h) and the two CSV readers' sniffers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "m365hunt/scan.h"

#include "core/buf.h"
#include "core/cpu.h"
#include "core/limits.h"
#include "io/input.h"
#include "readers/csv_rows.h"
#include "readers/reader.h"
#include "csv_reference.h"

#ifndef M365_REALDATA_DIR
#define M365_REALDATA_DIR "../shared/realdata"
#endif
#define TELEMETRY                                                                                  \
    M365_REALDATA_DIR "/CraigRennich_DCSA-Security-Champs-Sentinel-Workshop/Artifacts/Telemetry/"

/* --- helpers -------------------------------------------------------------------------------- */

static char *write_tmp(const void *data, size_t len)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) {
        dir = "/tmp";
    }
    size_t n = strlen(dir) + 32;
    char *path = malloc(n);
    assert_non_null(path);
    snprintf(path, n, "%s/m365csv.XXXXXX", dir);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        assert_true(w > 0);
        p += w;
        len -= (size_t)w;
    }
    close(fd);
    return path;
}

static void remove_tmp(char *path)
{
    unlink(path);
    free(path);
}

static struct m365_input *open_input(const char *path, size_t chunk)
{
    struct m365_limits lim = {M365_DEFAULT_MAX_RECORD_BYTES, M365_DEFAULT_MAX_DECOMPRESSED,
                              M365_DEFAULT_MAX_RATIO, M365_DEFAULT_MAX_JSON_DEPTH, 0};
    const char *err = NULL;
    struct m365_input *in = m365_input_open(path, &lim, chunk, &err);
    if (!in) {
        fail_msg("cannot open %s: %s", path, err ? err : "?");
    }
    return in;
}

/* Every row of a file as text, so whole reads can be compared:
 *   <status> L<line> @<offset> n=<n>[ U] [<len>:<bytes>]…\n   (LIMIT rows: no cells). */
static char *dump_rows(const char *path, size_t chunk, size_t max_row, size_t *n_rows)
{
    struct m365_input *in = open_input(path, chunk);
    struct m365_csv_rows *r = m365_csv_rows_new(in, max_row);
    assert_non_null(r);
    struct m365_buf out;
    m365_buf_init(&out, 0);
    size_t rows = 0;
    for (;;) {
        struct m365_csv_row row;
        enum m365_status st = m365_csv_rows_next(r, &row);
        if (st == M365_E_EOF) {
            break;
        }
        assert_true(st == M365_OK || st == M365_E_LIMIT);
        rows++;
        m365_buf_printf(&out, "%s L%llu @%llu", st == M365_OK ? "OK" : "LIMIT",
                        (unsigned long long)row.line, (unsigned long long)row.offset);
        if (st == M365_OK) {
            m365_buf_printf(&out, " n=%zu%s", row.n, row.unterminated ? " U" : "");
            for (size_t i = 0; i < row.n; i++) {
                assert_int_equal(row.fields[i].s[row.fields[i].len], '\0');
                m365_buf_printf(&out, " [%zu:", row.fields[i].len);
                m365_buf_append(&out, row.fields[i].s, row.fields[i].len);
                m365_buf_putc(&out, ']');
            }
        } else {
            assert_non_null(row.why);
        }
        m365_buf_putc(&out, '\n');
    }
    assert_null(m365_input_error(in, NULL));
    m365_csv_rows_free(r);
    m365_input_close(in);
    assert_false(out.failed);
    if (n_rows) {
        *n_rows = rows;
    }
    if (!out.data) {
        return calloc(1, 1);
    }
    m365_buf_cstr(&out);
    return out.data;
}

/* Rows of a literal text, read with the given chunk size. */
static char *dump_text(const char *text, size_t len, size_t chunk, size_t max_row)
{
    char *path = write_tmp(text, len);
    char *d = dump_rows(path, chunk, max_row, NULL);
    remove_tmp(path);
    return d;
}

static void expect_rows(const char *text, size_t max_row, const char *want)
{
    char *got = dump_text(text, strlen(text), 0, max_row);
    assert_string_equal(got, want);
    free(got);
    /* Whatever sizes the input hands out, the rows are the same. */
    for (size_t chunk = 1; chunk <= 64; chunk++) {
        got = dump_text(text, strlen(text), chunk, max_row);
        if (strcmp(got, want) != 0) {
            fail_msg("read chunk %zu:\n%s\nwant:\n%s", chunk, got, want);
        }
        free(got);
    }
}

/* --- framing and unescaping ---------------------------------------------------------------- */

static void test_simple(void **state)
{
    (void)state;
    expect_rows("a,b,c\n1,2,3\n", 0,
                "OK L1 @0 n=3 [1:a] [1:b] [1:c]\n"
                "OK L2 @6 n=3 [1:1] [1:2] [1:3]\n");
}

static void test_quoted_cells(void **state)
{
    (void)state;
    /* Delimiters inside quotes, doubled quotes, empty quoted and unquoted cells. */
    expect_rows("\"a,b\",\"say \"\"hi\"\"\",,\"\",\"\"\"\"\n", 0,
                "OK L1 @0 n=5 [3:a,b] [8:say \"hi\"] [0:] [0:] [1:\"]\n");
}

static void test_embedded_newlines(void **state)
{
    (void)state;
    const char *text = "id,text\n"
                       "1,\"line one\nline \"\"two\"\"\r\nline three\"\n"
                       "2,after\n";
    expect_rows(text, 0,
                "OK L1 @0 n=2 [2:id] [4:text]\n"
                "OK L2 @8 n=2 [1:1] [31:line one\nline \"two\"\r\nline three]\n"
                "OK L5 @46 n=2 [1:2] [5:after]\n");
}

static void test_crlf(void **state)
{
    (void)state;
    expect_rows("h1,h2\r\n\"x\",y\r\nlast,row", 0,
                "OK L1 @0 n=2 [2:h1] [2:h2]\n"
                "OK L2 @7 n=2 [1:x] [1:y]\n"
                "OK L3 @14 n=2 [4:last] [3:row]\n");
}

static void test_spaces_kept(void **state)
{
    (void)state;
    /* Cells are kept as written: the portal writes "…management ," with a meaningful space. */
    expect_rows(" a , b \t,c \n", 0, "OK L1 @0 n=3 [3: a ] [4: b \t] [2:c ]\n");
}

static void test_empty_lines(void **state)
{
    (void)state;
    expect_rows("\n\na,b\n\n  \n\r\n\t\r\nc,d\n\n\r\n", 0,
                "OK L3 @2 n=2 [1:a] [1:b]\n"
                "OK L8 @15 n=2 [1:c] [1:d]\n");
    expect_rows("", 0, "");
    expect_rows("\n\r\n \n", 0, "");
}

static void test_bom(void **state)
{
    (void)state;
    /* The input layer drops the BOM: the first cell is clean, offsets count decoded bytes. */
    expect_rows("\xEF\xBB\xBFRecordId,AuditData\r\n1,\"{\"\"a\"\":1}\"\r\n", 0,
                "OK L1 @0 n=2 [8:RecordId] [9:AuditData]\n"
                "OK L2 @20 n=2 [1:1] [7:{\"a\":1}]\n");
}

/* UTF-16LE with BOM, converted from a UTF-8 text of the basic multilingual plane. */
static char *utf16le(const char *s, size_t *out_len)
{
    size_t n = strlen(s);
    char *o = malloc(2 + 2 * n);
    assert_non_null(o);
    size_t k = 0;
    o[k++] = (char)0xFF;
    o[k++] = (char)0xFE;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned cp;
        if (p[i] < 0x80) {
            cp = p[i];
            i += 1;
        } else if ((p[i] & 0xE0) == 0xC0) {
            cp = ((p[i] & 0x1Fu) << 6) | (p[i + 1] & 0x3Fu);
            i += 2;
        } else {
            cp = ((p[i] & 0x0Fu) << 12) | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);
            i += 3;
        }
        o[k++] = (char)(cp & 0xFF);
        o[k++] = (char)(cp >> 8);
    }
    *out_len = k;
    return o;
}

static void test_utf16le(void **state)
{
    (void)state;
    const char *text = "CreationDate,UserIds,AuditData\r\n"
                       "9/26/2023 1:56:15 AM,d\xC3\xA9"
                       "bra@x.com,\"{\"\"Op\"\":\"\"x\xE2\x80\x93y\"\"}\"\r\n"
                       "\"multi\r\nline\",,\r\n";
    const char *want = "OK L1 @0 n=3 [12:CreationDate] [7:UserIds] [9:AuditData]\n"
                       "OK L2 @32 n=3 [20:9/26/2023 1:56:15 AM] [12:d\xC3\xA9"
                       "bra@x.com] [14:{\"Op\":\"x\xE2\x80\x93y\"}]\n"
                       "OK L3 @88 n=3 [11:multi\r\nline] [0:] [0:]\n";
    size_t len;
    char *u16 = utf16le(text, &len);
    char *path = write_tmp(u16, len);
    free(u16);
    size_t chunks[] = {0, 1, 2, 3, 5, 16, 17, 64};
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        char *got = dump_rows(path, chunks[i], 0, NULL);
        if (strcmp(got, want) != 0) {
            fail_msg("read chunk %zu:\n%s\nwant:\n%s", chunks[i], got, want);
        }
        free(got);
    }
    struct m365_input *in = open_input(path, 0);
    const char *d;
    size_t dl;
    assert_int_equal(m365_input_peek(in, &d, &dl), 0);
    assert_int_equal(m365_input_encoding(in), M365_ENC_UTF16LE);
    m365_input_close(in);
    remove_tmp(path);
}

static void test_unterminated_quote(void **state)
{
    (void)state;
    /* The last row is reported (flagged), not lost. */
    expect_rows("a,b\n1,\"open\nmore,stuff\n", 0,
                "OK L1 @0 n=2 [1:a] [1:b]\n"
                "OK L2 @4 n=2 U [1:1] [16:open\nmore,stuff\n]\n");
    expect_rows("a,b\n\"", 0,
                "OK L1 @0 n=2 [1:a] [1:b]\n"
                "OK L2 @4 n=1 U [0:]\n");
}

static void test_quote_in_unquoted_cell(void **state)
{
    (void)state;
    /* Framing is by quote parity: a stray quote joins lines until the next quote; libcsv keeps
     * a quote inside an unquoted cell as data. */
    expect_rows("a\"b,c\nd\"e\nf,g\n", 0,
                "OK L1 @0 n=2 [3:a\"b] [5:c\nd\"e]\n"
                "OK L3 @10 n=2 [1:f] [1:g]\n");
}

static void test_oversize_row(void **state)
{
    (void)state;
    char text[512];
    char big[201];
    memset(big, 'x', 200);
    big[200] = '\0';
    /* A long unquoted row, then a long quoted row spanning lines, then a normal row. */
    snprintf(text, sizeof(text), "short,1\n%s\n\"%.50s\n%.50s\n%.50s\",z\r\nafter,2\n", big, big,
             big, big);
    expect_rows(text, 32,
                "OK L1 @0 n=2 [5:short] [1:1]\n"
                "LIMIT L2 @8\n"
                "LIMIT L3 @209\n"
                "OK L6 @367 n=2 [5:after] [1:2]\n");
    /* Exactly at the limit is fine, one byte more is not (line ends do not count). */
    expect_rows("aaaa,bbbb\r\naaaa,bbbbb\r\nok\n", 9,
                "OK L1 @0 n=2 [4:aaaa] [4:bbbb]\n"
                "LIMIT L2 @11\n"
                "OK L3 @23 n=1 [2:ok]\n");
    /* An oversize row cut by the end of the file inside quotes. */
    snprintf(text, sizeof(text), "a\n\"%s", big);
    expect_rows(text, 32, "OK L1 @0 n=1 [1:a]\nLIMIT L2 @2\n");
}

static void test_limit_message(void **state)
{
    (void)state;
    char *path = write_tmp("0123456789abcdef\nok\n", 20);
    struct m365_input *in = open_input(path, 0);
    struct m365_csv_rows *r = m365_csv_rows_new(in, 8);
    struct m365_csv_row row;
    assert_int_equal(m365_csv_rows_next(r, &row), M365_E_LIMIT);
    assert_int_equal(row.line, 1);
    assert_non_null(row.why);
    assert_non_null(strstr(row.why, "16 bytes"));
    assert_non_null(strstr(row.why, "8 bytes"));
    assert_int_equal(m365_csv_rows_next(r, &row), M365_OK);
    assert_int_equal(row.line, 2);
    assert_int_equal(row.n, 1);
    assert_string_equal(row.fields[0].s, "ok");
    assert_int_equal(row.raw_len, 2);
    assert_memory_equal(row.raw, "ok", 2);
    assert_int_equal(m365_csv_rows_next(r, &row), M365_E_EOF);
    assert_int_equal(m365_csv_rows_next(r, &row), M365_E_EOF);
    m365_csv_rows_free(r);
    m365_input_close(in);
    remove_tmp(path);
}

static void test_column_cap(void **state)
{
    (void)state;
    size_t cells = M365_MAX_CSV_COLUMNS + 500;
    char *text = malloc(cells * 2 + 1);
    assert_non_null(text);
    for (size_t i = 0; i < cells; i++) {
        text[2 * i] = 'v';
        text[2 * i + 1] = i + 1 < cells ? ',' : '\n';
    }
    char *path = write_tmp(text, cells * 2);
    free(text);
    struct m365_input *in = open_input(path, 0);
    struct m365_csv_rows *r = m365_csv_rows_new(in, 0);
    struct m365_csv_row row;
    assert_int_equal(m365_csv_rows_next(r, &row), M365_OK);
    assert_int_equal(row.n, M365_MAX_CSV_COLUMNS);
    assert_int_equal(row.n_dropped, 500);
    assert_int_equal(m365_csv_rows_next(r, &row), M365_E_EOF);
    m365_csv_rows_free(r);
    m365_input_close(in);
    remove_tmp(path);
}

/* A file with every feature at once, read with chunk sizes 1..64. */
static void test_chunk_sizes(void **state)
{
    (void)state;
    struct m365_buf t;
    m365_buf_init(&t, 0);
    m365_buf_puts(&t, "#TYPE Selected.System.Management.Automation.PSCustomObject\r\n");
    m365_buf_puts(&t, "\"CreationDate\",\"UserIds\",\"Operations\",\"AuditData\"\r\n");
    for (int i = 0; i < 40; i++) {
        m365_buf_printf(&t,
                        "\"9/26/2023 1:%02d:15 AM\",\"u%d@x.com\",\"New-InboxRule\","
                        "\"{\"\"CreationTime\"\":\"\"2023-09-26T01:%02d:15\"\","
                        "\"\"Id\"\":\"\"%d\"\","
                        "\"\"P\"\":\"\"a\r\nb\"\"\"\"c\"\"}\"\r\n",
                        i, i, i, i);
        if (i % 7 == 0) {
            m365_buf_puts(&t, "\r\n");
        }
        if (i % 11 == 0) {
            m365_buf_puts(&t, "x,\"");
            for (int k = 0; k < 300; k++) {
                m365_buf_puts(&t, k % 50 == 0 ? "\n" : "y");
            }
            m365_buf_puts(&t, "\"\n");
        }
    }
    m365_buf_puts(&t, "tail,\"unterminated\nquote");
    assert_false(t.failed);
    char *path = write_tmp(t.data, t.len);
    m365_buf_free(&t);
    size_t n_rows = 0;
    char *want = dump_rows(path, 0, 256, &n_rows);
    assert_int_equal(n_rows, 1 + 1 + 40 + 4 + 1);
    assert_non_null(strstr(want, "LIMIT"));
    assert_non_null(strstr(want, " U "));
    for (size_t chunk = 1; chunk <= 64; chunk++) {
        char *got = dump_rows(path, chunk, 256, NULL);
        if (strcmp(got, want) != 0) {
            fail_msg("read chunk %zu gives different rows", chunk);
        }
        free(got);
    }
    free(want);
    remove_tmp(path);
}

/* --- real exports ---------------------------------------------------------------------------- */

struct real_file {
    const char *name;
    size_t rows;    /* header included */
    size_t columns; /* every row has this many cells */
};

static void test_real_exports(void **state)
{
    (void)state;
    /* Row and cell counts checked against Python's csv module. */
    static const struct real_file files[] = {
        {"AuditLogs_Hunting.csv", 6, 39},        {"HighRiskApps.csv", 6, 3},
        {"PenTestsIPaddresses.csv", 7, 1},       {"disable_accounts.csv", 5, 61},
        {"office_activity.csv", 267, 131},       {"office_activity_inbox_rule.csv", 3, 129},
        {"sign-in_adelete.csv", 57, 71},         {"signinLogs.csv", 2, 12},
    };
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s%s", TELEMETRY, files[f].name);
        if (access(path, R_OK) != 0) {
            skip();
        }
        struct m365_input *in = open_input(path, 0);
        struct m365_csv_rows *r = m365_csv_rows_new(in, 0);
        struct m365_csv_row row;
        size_t n = 0;
        enum m365_status st;
        while ((st = m365_csv_rows_next(r, &row)) == M365_OK) {
            if (row.n != files[f].columns) {
                fail_msg("%s line %llu: %zu cells, want %zu", files[f].name,
                         (unsigned long long)row.line, row.n, files[f].columns);
            }
            assert_false(row.unterminated);
            n++;
        }
        assert_int_equal(st, M365_E_EOF);
        if (n != files[f].rows) {
            fail_msg("%s: %zu rows, want %zu", files[f].name, n, files[f].rows);
        }
        m365_csv_rows_free(r);
        m365_input_close(in);
        /* Small reads give the same rows. */
        char *want = dump_rows(path, 0, 0, NULL);
        size_t chunks[] = {1, 7, 64};
        for (size_t c = 0; c < 3; c++) {
            char *got = dump_rows(path, chunks[c], 0, NULL);
            assert_string_equal(got, want);
            free(got);
        }
        free(want);
    }
}

/* --- header helpers and sniffers ------------------------------------------------------------- */

struct cells {
    char text[512];
    size_t n;
};

static void collect(void *user, size_t index, const char *s, size_t len)
{
    struct cells *c = user;
    assert_int_equal(index, c->n);
    size_t used = strlen(c->text);
    snprintf(c->text + used, sizeof(c->text) - used, "[%.*s]", (int)len, s);
    c->n++;
}

static void test_first_row(void **state)
{
    (void)state;
    struct cells c = {"", 0};
    const char *t = "\r\n#TYPE Foo\r\n\"Creation Date\",\"a\nb\",X\r\n1,2,3\r\n";
    assert_int_equal(m365_csv_first_row(t, strlen(t), true, collect, &c), 3);
    assert_string_equal(c.text, "[Creation Date][a\nb][X]");
    struct cells c2 = {"", 0};
    assert_int_equal(m365_csv_first_row(t, strlen(t), false, collect, &c2), 1);
    assert_string_equal(c2.text, "[#TYPE Foo]");
    struct cells c3 = {"", 0};
    assert_int_equal(m365_csv_first_row("a,b,cu", 5, false, collect, &c3), 3); /* cut */
    assert_string_equal(c3.text, "[a][b][c]");
    struct cells c4 = {"", 0};
    assert_int_equal(m365_csv_first_row("\n \r\n", 4, false, collect, &c4), -1);
    /* Headers split at ';' or tabs (Excel in a ';' locale, Excel "Unicode Text",
     * Export-Csv -UseCulture): the separator that outnumbers the commas outside quotes. */
    struct cells c5 = {"", 0};
    t = "#TYPE X\r\n\"Creation,Date\";\"Audit;Data\";Z\r\n1;2;3\r\n";
    assert_int_equal(m365_csv_first_row(t, strlen(t), true, collect, &c5), 3);
    assert_string_equal(c5.text, "[Creation,Date][Audit;Data][Z]");
    assert_int_equal(m365_csv_sep(t, strlen(t), true), ';');
    assert_int_equal(m365_csv_sep(t, strlen(t), false), ','); /* "#TYPE X" holds none */
    struct cells c6 = {"", 0};
    t = "A\tB,C\t\"D;E\"\n";
    assert_int_equal(m365_csv_first_row(t, strlen(t), false, collect, &c6), 3);
    assert_string_equal(c6.text, "[A][B,C][D;E]");
    assert_int_equal(m365_csv_sep("a,b;c,d\n", 8, false), ',');
    assert_int_equal(m365_csv_sep("a;b;c,d\n", 8, false), ';');
    assert_int_equal(m365_csv_sep("a\tb;c\n", 6, false), '\t'); /* a tie: the tab */
    assert_int_equal(m365_csv_sep("\"a;b;c\",d\n", 10, false), ',');
    assert_int_equal(m365_csv_sep("abc\n", 4, false), ',');
    assert_int_equal(m365_csv_sep("\n\n", 2, false), ',');
    assert_true(m365_csv_header_is("\xEF\xBB\xBF auditdata ", 14, "AuditData"));
    assert_false(m365_csv_header_is("AuditData2", 10, "AuditData"));
    assert_false(m365_csv_header_is("Audit", 5, "AuditData"));
}

static int sniff(const struct m365_reader *rd, const char *text)
{
    return rd->sniff(text, strlen(text));
}

static void test_sniff_purview(void **state)
{
    (void)state;
    const struct m365_reader *p = &m365_reader_purview_csv;
    assert_string_equal(p->name, "purview-csv");
    assert_int_equal(sniff(p, "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,"
                              "AssociatedAdminUnits,AssociatedAdminUnitsNames\r\n1,2\r\n"),
                     90);
    assert_int_equal(sniff(p, "CreationDate,UserIds,Operations,AuditData\n"), 90);
    assert_int_equal(sniff(p, "#TYPE Selected.System.Management.Automation.PSCustomObject\r\n"
                              "\"RunspaceId\",\"RecordType\",\"CreationDate\",\"UserIds\","
                              "\"Operations\",\"AuditData\",\"ResultIndex\",\"ResultCount\","
                              "\"Identity\",\"IsValid\",\"ObjectState\"\r\n"),
                     90);
    assert_int_equal(sniff(p, "\"creationdate\",\"auditdata\"\n"), 90);
    assert_int_equal(sniff(p, "CreationDate,UserIds,Operations\n"), 0);
    assert_int_equal(sniff(p, "AuditData\n"), 0);
    assert_int_equal(sniff(p, "{\"CreationDate\":1,\"AuditData\":2}\n"), 0);
    assert_int_equal(sniff(p, ""), 0);
    /* A data row mentioning the names does not count: only the header does. */
    assert_int_equal(sniff(p, "a,b\nCreationDate,AuditData\n"), 0);
    assert_int_equal(sniff(p, "RecordId;CreationDate;RecordType;Operation;UserId;AuditData\r\n"),
                     90);
    assert_int_equal(sniff(p, "CreationDate\tUserIds\tOperations\tAuditData\r\n"), 90);
    assert_int_equal(sniff(p, "CreationDate|UserIds|Operations|AuditData\r\n"), 0);
}

static void test_sniff_la(void **state)
{
    (void)state;
    const struct m365_reader *l = &m365_reader_la_csv;
    assert_string_equal(l->name, "la-csv");
    assert_int_equal(sniff(l, "TenantId,SourceSystem,ResourceId\n"), 80);
    assert_int_equal(sniff(l, "Application,Type\n"), 80);
    assert_int_equal(sniff(l, "TimeGenerated [UTC],Category\n"), 80);
    assert_int_equal(sniff(l, "OfficeWorkload,Foo\n"), 0);
    assert_int_equal(sniff(l, "AppName,HighRisk,permissions\n"), 0);
    assert_int_equal(sniff(l, "IPAddress\r\n1.2.3.4\r\n"), 0);
    assert_int_equal(sniff(l, "{\"TenantId\":\"x\",\"Type\":\"SigninLogs\"}\n"), 0);
    assert_int_equal(sniff(l, "[{\"Type\":\"x\"}]"), 0);
    assert_int_equal(sniff(l, "RecordId,CreationDate,RecordType,Operation,UserId,AuditData\n"), 0);
    assert_int_equal(sniff(&m365_reader_purview_csv, "TenantId,SourceSystem,Type\n"), 0);

    struct {
        const char *name;
        int la, purview;
    } files[] = {
        {"AuditLogs_Hunting.csv", 80, 0},   {"disable_accounts.csv", 80, 0},
        {"office_activity.csv", 80, 0},     {"office_activity_inbox_rule.csv", 80, 0},
        {"sign-in_adelete.csv", 80, 0},     {"signinLogs.csv", 80, 0},
        {"HighRiskApps.csv", 0, 0},         {"PenTestsIPaddresses.csv", 0, 0},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s%s", TELEMETRY, files[i].name);
        if (access(path, R_OK) != 0) {
            skip();
        }
        struct m365_input *in = open_input(path, 0);
        const char *head;
        size_t len;
        assert_int_equal(m365_input_peek(in, &head, &len), 0);
        int la = l->sniff(head, len), pv = m365_reader_purview_csv.sniff(head, len);
        if (la != files[i].la || pv != files[i].purview) {
            fail_msg("%s: la-csv %d (want %d), purview-csv %d (want %d)", files[i].name, la,
                     files[i].la, pv, files[i].purview);
        }
        m365_input_close(in);
    }
}


/* --- the readers, through the public scan API ------------------------------------------------ */

struct scan_result {
    struct m365_scan *scan;
    struct m365_buf diags; /* "line field: msg\n" per diagnostic */
};

static void on_diag(const struct m365_diag *d, void *user)
{
    struct m365_buf *b = user;
    m365_buf_printf(b, "%llu %s: %s\n", (unsigned long long)d->line, d->field ? d->field : "-",
                    d->msg);
}

static void scan_text(struct scan_result *r, const char *text, size_t len, size_t chunk)
{
    m365_buf_init(&r->diags, 0);
    struct m365_scan_options o;
    m365_scan_options_init(&o);
    o.on_diag = on_diag;
    o.diag_user = &r->diags;
    o.read_chunk = chunk;
    assert_int_equal(m365_scan_new(&r->scan, &o), M365_OK);
    char *path = write_tmp(text, len);
    assert_int_equal(m365_scan_add_path(r->scan, path), M365_OK);
    assert_int_equal(m365_scan_run(r->scan), M365_OK);
    remove_tmp(path);
    m365_buf_cstr(&r->diags);
}

static void scan_done(struct scan_result *r)
{
    m365_scan_free(r->scan);
    m365_buf_free(&r->diags);
}

static const struct m365_event *event_with_id(const struct m365_scan *s, const char *id)
{
    for (size_t i = 0; i < m365_scan_n_events(s); i++) {
        const struct m365_event *ev = m365_scan_event(s, i);
        if (ev->evidence.record_id && strcmp(ev->evidence.record_id, id) == 0) {
            return ev;
        }
    }
    fail_msg("no event with record id %s", id);
    return NULL;
}

/* 2023-09-26T01:56:15Z and 2026-01-24T06:54:24Z */
#define T_0156 INT64_C(1695693375000)
#define T_2026 INT64_C(1769237664000)

/* The New-InboxRule record both Purview tests carry, read from line 2 of the only file. */
static const struct m365_event *inbox_rule(const struct scan_result *r, uint64_t read,
                                           uint64_t parsed)
{
    const struct m365_file_stats *fs = m365_scan_file(r->scan, 0);
    assert_non_null(fs->reader);
    assert_string_equal(fs->reader, "purview-csv");
    assert_int_equal(fs->records_read, read);
    assert_int_equal(fs->parsed, parsed);
    const struct m365_event *ev = event_with_id(r->scan, "85d29e27");
    assert_int_equal(ev->time_ms, T_0156);
    assert_string_equal(ev->operation, "New-InboxRule");
    assert_string_equal(ev->ip, "185.73.124.135");
    assert_int_equal(ev->evidence.line, 2);
    return ev;
}

static void test_purview_new_layout(void **state)
{
    (void)state;
    const char *text =
        "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,"
        "AssociatedAdminUnitsNames\r\n"
        "85d29e27,9/26/2023 1:56:15 AM,1,New-InboxRule,DebraB@X.com,\"{\"\"CreationTime\"\":"
        "\"\"2023-09-26T01:56:15\"\",\"\"Id\"\":\"\"85d29e27\"\","
        "\"\"Operation\"\":\"\"New-InboxRule\"\","
        "\"\"RecordType\"\":1,\"\"Workload\"\":\"\"Exchange\"\","
        "\"\"UserId\"\":\"\"DebraB@X.com\"\","
        "\"\"ClientIP\"\":\"\"185.73.124.135:19823\"\","
        "\"\"ObjectId\"\":\"\"a\\/b\"\"}\",,\r\n"
        /* No Id and no CreationTime in AuditData: RecordId and CreationDate stand in. */
        "bbbb-rid,2026-01-24T06:54:24.0000000Z ,15,UserLoggedIn,x@y.com,"
        "\"{\r\n  \"\"Operation\"\": "
        "\"\"UserLoggedIn\"\",\r\n  \"\"RecordType\"\": 15\r\n}\",,\r\n"
        "cccc,9/26/2023 1:56:15 AM,15,UserLoggedIn,x@y.com,{not json,,\r\n"
        "dddd,9/26/2023 1:56:15 AM,15,UserLoggedIn,x@y.com,,,\r\n"
        "eeee,9/26/2023 1:56:15 AM\r\n"
        "ffff,9/26/2023 1:56:15 AM,15,UserLoggedIn,x@y.com,[1]\r\n";
    size_t chunks[] = {0, 1, 7};
    for (size_t c = 0; c < 3; c++) {
        struct scan_result r;
        scan_text(&r, text, strlen(text), chunks[c]);
        assert_int_equal(m365_scan_file(r.scan, 0)->skipped, 4);
        const struct m365_event *ev = inbox_rule(&r, 6, 2);
        assert_string_equal(ev->actor_upn, "debrab@x.com");
        ev = event_with_id(r.scan, "bbbb-rid");
        assert_int_equal(ev->time_ms, T_2026);
        assert_int_equal(ev->evidence.line, 3);
        const char *d = r.diags.data;
        assert_non_null(strstr(d, "7 AuditData: AuditData is not valid JSON: "));
        assert_non_null(strstr(d, "8 AuditData: empty AuditData cell"));
        assert_non_null(strstr(d, "9 AuditData: row has 2 cells"));
        assert_non_null(strstr(d, "10 AuditData: AuditData is not a JSON object"));
        scan_done(&r);
    }
}

static void test_purview_classic_layout(void **state)
{
    (void)state;
    const char *text =
        "#TYPE Selected.System.Management.Automation.PSCustomObject\r\n"
        "\"RunspaceId\",\"RecordType\",\"CreationDate\",\"UserIds\",\"Operations\",\"AuditData\","
        "\"ResultIndex\",\"ResultCount\",\"Identity\",\"IsValid\",\"ObjectState\"\r\n"
        "\"r\",\"ExchangeAdmin\",\"9/26/2023 1:56:15 AM\",\"a@b.c\",\"Set-Mailbox\","
        "\"{\"\"Operation\"\":"
        "\"\"Set-Mailbox\"\",\"\"RecordType\"\":1,\"\"Workload\"\":\"\"Exchange\"\"}\",\"1\",\"1\","
        "\"ident-1\",\"True\",\"Unchanged\"\r\n";
    /* The same export as Windows PowerShell 5 writes it: UTF-16LE with BOM. */
    size_t u16len;
    char *u16 = utf16le(text, &u16len);
    const char *texts[] = {text, u16};
    size_t lens[] = {strlen(text), u16len};
    for (size_t i = 0; i < 2; i++) {
        struct scan_result r;
        scan_text(&r, texts[i], lens[i], i == 0 ? 0 : 3);
        const struct m365_file_stats *fs = m365_scan_file(r.scan, 0);
        assert_string_equal(fs->reader, "purview-csv");
        assert_int_equal(fs->records_read, 1);
        assert_int_equal(fs->parsed, 1);
        const struct m365_event *ev = event_with_id(r.scan, "ident-1");
        assert_int_equal(ev->time_ms, T_0156);
        assert_int_equal(ev->evidence.line, 3);
        scan_done(&r);
    }
    free(u16);
}

/* Rows of cells joined by sep, each row ending in CRLF; cells holding sep, a quote or a line
 * break quoted as Excel quotes them. */
static char *join_rows(const char *const *cells, size_t n_cols, size_t n_rows, char sep)
{
    struct m365_buf b;
    m365_buf_init(&b, 0);
    for (size_t r = 0; r < n_rows; r++) {
        for (size_t k = 0; k < n_cols; k++) {
            const char *c = cells[r * n_cols + k];
            if (k) {
                m365_buf_putc(&b, sep);
            }
            if (strchr(c, sep) || strchr(c, '"') || strchr(c, '\n')) {
                m365_buf_putc(&b, '"');
                for (; *c; c++) {
                    if (*c == '"') {
                        m365_buf_putc(&b, '"');
                    }
                    m365_buf_putc(&b, *c);
                }
                m365_buf_putc(&b, '"');
            } else {
                m365_buf_append(&b, c, strlen(c));
            }
        }
        m365_buf_append(&b, "\r\n", 2);
    }
    char *out = strdup(m365_buf_cstr(&b));
    m365_buf_free(&b);
    return out;
}

/* The same exports re-saved with ';' (Excel where ';' is the list separator, Export-Csv
 * -UseCulture) or tabs (Excel "Unicode Text": UTF-16LE), AuditData holding all three. */
static void test_other_separators(void **state)
{
    (void)state;
    static const char *const purview[] = {
        "RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData",
        "AssociatedAdminUnits",
        "85d29e27", "26.09.2023 01:56", "1", "New-InboxRule", "DebraB@X.com",
        "{\"CreationTime\":\"2023-09-26T01:56:15\",\"Id\":\"85d29e27\","
        "\"Operation\":\"New-InboxRule\",\"RecordType\":1,\t\"Workload\":\"Exchange\","
        "\"UserId\":\"DebraB@X.com\",\"ClientIP\":\"185.73.124.135:19823\","
        "\"Parameters\":[{\"Name\":\"SubjectContainsWords\",\"Value\":\"a;b,c\\td\"}]}",
        "",
    };
    static const char *const la[] = {
        "TenantId", "TimeGenerated [UTC]", "UserPrincipalName", "IPAddress", "Id", "Type",
        "t1", "2021-04-28T14:08:45.221Z", "AdeleV@X.com", "175.45.176.99", "id-1", "SigninLogs",
    };
    static const char seps[] = {';', '\t', ','};
    for (size_t k = 0; k < sizeof(seps); k++) {
        char *text = join_rows(purview, 7, 2, seps[k]);
        size_t u16len;
        char *u16 = utf16le(text, &u16len);
        for (int wide = 0; wide < 2; wide++) {
            struct scan_result r;
            scan_text(&r, wide ? u16 : text, wide ? u16len : strlen(text), wide ? 5 : 0);
            const struct m365_event *ev = inbox_rule(&r, 1, 1);
            assert_int_equal(ev->n_params, 1);
            assert_string_equal(ev->params[0].value, "a;b,c\td");
            scan_done(&r);
        }
        free(u16);
        free(text);
        text = join_rows(la, 6, 2, seps[k]);
        struct scan_result r;
        scan_text(&r, text, strlen(text), 0);
        const struct m365_file_stats *fs = m365_scan_file(r.scan, 0);
        assert_non_null(fs->reader);
        assert_string_equal(fs->reader, "la-csv");
        assert_int_equal(fs->parsed, 1);
        const struct m365_event *ev = event_with_id(r.scan, "id-1");
        assert_int_equal(ev->time_ms, INT64_C(1619618925221));
        assert_string_equal(ev->actor_upn, "adelev@x.com");
        assert_string_equal(ev->ip, "175.45.176.99");
        scan_done(&r);
        free(text);
    }
}

static void test_la_headers(void **state)
{
    (void)state;
    /* " [UTC]" and "_dynamic"/"_string" are dropped from names; of a pair the first wins. */
    const char *text =
        "\xEF\xBB\xBFTenantId,CreatedDateTime [UTC],UserPrincipalName,IPAddress,"
        "LocationDetails_dynamic,LocationDetails_string,Id,Type,,Extra\r\n"
        "t1,\"4/28/2021, 2:08:45.221 PM\",AdeleV@X.com,175.45.176.99,\"{\r\n"
        "  \"\"city\"\": \"\"Azor\"\",\r\n  \"\"countryOrRegion\"\": \"\"IL\"\"\r\n}\","
        "\"{\"\"city\"\":\"\"Other\"\"}\",id-1,SigninLogs,,x,past the header\r\n"
        "\r\n"
        "t1,\"4/28/2021, 2:09:45.221 PM\",AdeleV@X.com,,,,id-2,SigninLogs\r\n";
    struct scan_result r;
    scan_text(&r, text, strlen(text), 5);
    const struct m365_file_stats *fs = m365_scan_file(r.scan, 0);
    assert_string_equal(fs->reader, "la-csv");
    assert_int_equal(fs->records_read, 2);
    assert_int_equal(fs->parsed, 2);
    const struct m365_event *ev = event_with_id(r.scan, "id-1");
    assert_int_equal(ev->time_ms, INT64_C(1619618925221));
    assert_string_equal(ev->actor_upn, "adelev@x.com");
    assert_string_equal(ev->ip, "175.45.176.99");
    assert_non_null(ev->city);
    assert_string_equal(ev->city, "Azor");
    assert_int_equal(ev->evidence.line, 2);
    ev = event_with_id(r.scan, "id-2");
    assert_int_equal(ev->evidence.line, 7);
    assert_null(ev->ip);
    scan_done(&r);
}

/* Our splitter against libcsv: the same cells, byte for byte, for every row. */
static void check_split(const char *row, size_t n, char sep)
{
    char *report = NULL;
    int rc = m365_csv_split_vs_reference(row, n, sep, &report);
    if (rc != 0) {
        fail_msg("%s", report ? report : rc == 2 ? "libcsv could not split the row" : "no memory");
    }
}

/* At sep: rows written with sep where a separator goes (and the other separators as text). */
static void split_checks(char sep)
{
    static const char *const rows[] = {
        "",
        ",",
        "a,b,c",
        "a,,c,",
        "\"a\",\"b,c\",\"d\"\"e\"",
        "\"\"",
        "\"\"\"\"",
        "\"a\"b,c",
        "a\"b\",c",
        "\"unterminated,cell",
        "\"ends with quote\"",
        "\"a\" ,b",
        " \"a\",b",
        "x,\"line1\nline2\",\"{\"\"Id\"\":\"\"c1\"\",\"\"Operation\"\":\"\"Set-Mailbox\"\"}\",",
        "a;b;c",
        "\"a;b\";c,d;\"e\"\"f\"",
        "a\tb\t\"c\td\"\t",
        "\"x\"\t,\"y\";z",
    };
    char row[24];
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        size_t len = strlen(rows[i]);
        check_split(rows[i], len, sep);
        /* The same row with its commas as this separator. */
        if (len <= sizeof(row) && sep != ',') {
            for (size_t k = 0; k < len; k++) {
                row[k] = rows[i][k] == ',' ? sep : rows[i][k];
            }
            check_split(row, len, sep);
        }
    }
    /* Every short row over the characters that matter, and random longer ones. */
    const char alphabet[] = {'a', sep, '"', ' ', '\n', '\r', '\0', sep == ',' ? ';' : ','};
    const size_t n_exhaustive = sizeof(alphabet) - 1; /* the other separator only at random */
    for (unsigned len = 0; len <= 6; len++) {
        unsigned long total = 1;
        for (unsigned k = 0; k < len; k++) {
            total *= n_exhaustive;
        }
        for (unsigned long v = 0; v < total; v++) {
            unsigned long x = v;
            for (unsigned k = 0; k < len; k++) {
                row[k] = alphabet[x % n_exhaustive];
                x /= n_exhaustive;
            }
            check_split(row, len, sep);
        }
    }
    uint64_t r = 0x2545F4914F6CDD1Dull;
    for (unsigned i = 0; i < 20000; i++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        size_t len = 7 + r % (sizeof(row) - 7);
        for (size_t k = 0; k < len; k++) {
            row[k] = alphabet[(r >> (k * 2 % 60)) % sizeof(alphabet)];
        }
        check_split(row, len, sep);
    }
    /* Longer rows, mostly text: quotes far apart as well as close together (the splitter looks
     * at the first bytes itself, then hands the rest to memchr). */
    char wide[256];
    for (unsigned i = 0; i < 20000; i++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        size_t len = 24 + r % (sizeof(wide) - 24);
        uint64_t x = r;
        for (size_t k = 0; k < len; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            unsigned pick = (unsigned)(x >> 58); /* 0..63 */
            wide[k] = pick < 56 ? 'a' : alphabet[pick - 56 < sizeof(alphabet) ? pick - 56 : 0];
        }
        check_split(wide, len, sep);
    }
    /* Long quoted cells, which the splitter takes 64 bytes at a time: runs of quotes of every
     * length (doubled, odd, longer than a block, across a block's end), commas after them, and
     * the cell closing at every offset. */
    static char big[1200];
    for (unsigned i = 0; i < 20000; i++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        size_t len = 130 + r % (sizeof(big) - 130), k = 0;
        uint64_t x = r;
        big[k++] = '"';
        while (k < len) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            unsigned pick = (unsigned)(x >> 59); /* 0..31 */
            size_t run = pick < 20 ? 1 + (x >> 20) % 12 : pick < 28 ? 1 + (x >> 20) % 3
                                                                   : 1 + (x >> 20) % 70;
            char c = pick < 20 ? 'a' : pick < 30 ? '"' : sep;
            if (pick == 31) {
                c = (x >> 40) % 2 ? '"' : sep;
            }
            for (size_t j = 0; j < run && k < len; j++) {
                big[k++] = c;
            }
        }
        check_split(big, len, sep);
    }
}

/* Both block codes, the SSE2 one and (on a CPU that has it) the AVX-512 one, against libcsv. */
static void test_split_matches_libcsv(void **state)
{
    (void)state;
    static const char seps[] = {',', ';', '\t'};
    bool can = m365_cpu_set_wide(false);
    for (size_t k = 0; k < sizeof(seps); k++) {
        split_checks(seps[k]);
    }
    if (can) {
        m365_cpu_set_wide(true);
        for (size_t k = 0; k < sizeof(seps); k++) {
            split_checks(seps[k]);
        }
    } else {
        print_message("no AVX-512 VBMI2 on this CPU: the SSE2 block code alone was checked\n");
    }
    m365_cpu_set_wide(true); /* back to the default */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_matches_libcsv),
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_quoted_cells),
        cmocka_unit_test(test_embedded_newlines),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_spaces_kept),
        cmocka_unit_test(test_empty_lines),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_utf16le),
        cmocka_unit_test(test_unterminated_quote),
        cmocka_unit_test(test_quote_in_unquoted_cell),
        cmocka_unit_test(test_oversize_row),
        cmocka_unit_test(test_limit_message),
        cmocka_unit_test(test_column_cap),
        cmocka_unit_test(test_chunk_sizes),
        cmocka_unit_test(test_real_exports),
        cmocka_unit_test(test_first_row),
        cmocka_unit_test(test_sniff_purview),
        cmocka_unit_test(test_sniff_la),
        cmocka_unit_test(test_purview_new_layout),
        cmocka_unit_test(test_purview_classic_layout),
        cmocka_unit_test(test_la_headers),
        cmocka_unit_test(test_other_separators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
