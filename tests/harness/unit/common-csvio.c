/* csvio.c against the cases of RFC 4180 and the ones results.csv meets:
 * quoted fields with commas, doubled quotes, LF, CR and CRLF inside them;
 * CRLF line ends; empty fields (quoted and not, first and last); spaces kept;
 * a last line with no line end (a torn row: dropped); short rows padded;
 * long rows keeping their extra cells; and every written field read back
 * unchanged. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/csvio.h"

static mpb_table_t parse(const char *text) {
    mpb_table_t t;
    cr_assert_eq(mpb_table_parse(text, strlen(text), &t), 0, "parse failed: %s", text);
    return t;
}

Test(csv_read, plain_header_and_rows) {
    mpb_table_t t = parse("a,b,c\n1,2,3\n4,5,6\n");
    cr_assert_eq(t.ncols, 3);
    cr_assert_eq(t.nrows, 2);
    cr_assert_str_eq(t.cols[2], "c");
    cr_assert_str_eq(mpb_table_get(&t, 1, "b"), "5");
    cr_assert_null(mpb_table_get(&t, 0, "d"));
    cr_assert_eq(mpb_table_col(&t, "c"), 2);
    mpb_table_free(&t);
}

Test(csv_read, quoted_comma_quote_and_newlines) {
    mpb_table_t t = parse("k,v\n\"a,b\",\"say \"\"hi\"\"\"\n\"two\nlines\",\"cr\rin\"\n"
                          "\"crlf\r\ninside\",x\n");
    cr_assert_eq(t.nrows, 3);
    cr_assert_str_eq(t.rows[0][0], "a,b");
    cr_assert_str_eq(t.rows[0][1], "say \"hi\"");
    cr_assert_str_eq(t.rows[1][0], "two\nlines");
    cr_assert_str_eq(t.rows[1][1], "cr\rin");
    cr_assert_str_eq(t.rows[2][0], "crlf\r\ninside");
    mpb_table_free(&t);
}

Test(csv_read, crlf_line_ends) {
    mpb_table_t t = parse("a,b\r\n1,2\r\n3,4\r\n");
    cr_assert_eq(t.nrows, 2);
    cr_assert_str_eq(t.cols[1], "b");
    cr_assert_str_eq(t.rows[0][1], "2");
    cr_assert_str_eq(t.rows[1][1], "4");
    mpb_table_free(&t);
}

Test(csv_read, empty_fields_and_spaces) {
    mpb_table_t t = parse("a,b,c\n,,\n\"\",x,\n y , \"z\",\n");
    cr_assert_eq(t.nrows, 3);
    for (int j = 0; j < 3; j++)
        cr_assert_str_eq(t.rows[0][j], "");
    cr_assert_str_eq(t.rows[1][0], "");
    cr_assert_str_eq(t.rows[1][1], "x");
    cr_assert_str_eq(t.rows[1][2], "");
    cr_assert_str_eq(t.rows[2][0], " y ", "spaces are part of a field (RFC 4180 2.4)");
    cr_assert_str_eq(t.rows[2][2], "");
    mpb_table_free(&t);
}

Test(csv_read, torn_last_row_dropped) {
    mpb_table_t t = parse("a,b\n1,2\n3,");
    cr_assert_eq(t.nrows, 1, "a last line with no line end is a row cut short");
    mpb_table_free(&t);
    t = parse("a,b\n1,2\n\"open,quote");
    cr_assert_eq(t.nrows, 1);
    mpb_table_free(&t);
    t = parse("a,b");
    cr_assert_eq(t.ncols, 2, "a header alone, without line end, is still the header");
    cr_assert_eq(t.nrows, 0);
    mpb_table_free(&t);
}

Test(csv_read, blank_lines_short_and_long_rows) {
    mpb_table_t t = parse("a,b,c\n\n1\n\n1,2,3,4,5\n");
    cr_assert_eq(t.nrows, 2);
    cr_assert_str_eq(t.rows[0][0], "1");
    cr_assert_str_eq(t.rows[0][2], "", "short row padded");
    cr_assert_null(t.rows[0][3]);
    cr_assert_str_eq(t.rows[1][4], "5", "extra cells kept");
    cr_assert_null(t.rows[1][5]);
    mpb_table_free(&t);
}

Test(csv_read, no_header) {
    mpb_table_t t;
    cr_assert_eq(mpb_table_parse("", 0, &t), -1);
    cr_assert_eq(mpb_table_parse("\n\n", 2, &t), -1);
}

/* What mpb_csv_put writes for one field. */
static char *written(const char *field) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    mpb_csv_put(f, field, 1);
    fclose(f);
    return text;
}

Test(csv_write, quotes_only_when_needed) {
    static const char *cases[][2] = {
        {"plain", "plain"},   {"1.5", "1.5"},       {"", ""},
        {" sp ", " sp "},     {"a,b", "\"a,b\""},   {"q\"q", "\"q\"\"q\""},
        {"l\nf", "\"l\nf\""}, {"c\rr", "\"c\rr\""}, {"\"", "\"\"\"\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *w = written(cases[i][0]);
        cr_assert_str_eq(w, cases[i][1], "field %zu", i);
        free(w);
    }
}

Test(csv_write, buffer_writer_matches_and_reports_overflow) {
    char buf[64];
    size_t off = 0;
    cr_assert_eq(mpb_csv_field(buf, sizeof buf, &off, "x", 1), 0);
    cr_assert_eq(mpb_csv_field(buf, sizeof buf, &off, "a,\"b\"", 0), 0);
    cr_assert_eq(mpb_csv_field(buf, sizeof buf, &off, "", 0), 0);
    cr_assert_str_eq(buf, "x,\"a,\"\"b\"\"\",");
    cr_assert_eq(off, strlen(buf));
    char tiny[6];
    off = 0;
    cr_assert_eq(mpb_csv_field(tiny, sizeof tiny, &off, "toolong", 1), -1);
    cr_assert_eq(strlen(tiny), 5, "cut at len - 1 and terminated");
}

Test(csv_write, round_trip) {
    const char *fields[] = {"a,b", "", "say \"x\"", "two\nlines", "cr\r\nlf", " sp", "1e-05"};
    size_t n = sizeof fields / sizeof fields[0];
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    mpb_csv_line(f, fields, n); /* as header */
    mpb_csv_line(f, fields, n); /* and as a row */
    fclose(f);
    mpb_table_t t;
    cr_assert_eq(mpb_table_parse(text, len, &t), 0);
    cr_assert_eq(t.ncols, n);
    cr_assert_eq(t.nrows, 1);
    for (size_t j = 0; j < n; j++) {
        cr_assert_str_eq(t.cols[j], fields[j]);
        cr_assert_str_eq(t.rows[0][j], fields[j]);
    }
    mpb_table_free(&t);
    free(text);
}
