/* CSV, the one reader and the one writer every mpbench file goes through
 * (results.csv, summary.csv, sweep.csv, and what merge and kernel write).
 * RFC 4180: fields holding a comma, a quote, CR or LF are quoted with quotes
 * doubled; spaces belong to the field. Reading is libcsv's parser; a table
 * is a header plus rows of strings, and columns are looked up by name so
 * readers ignore the columns they do not know (results.csv may grow). */
#ifndef MPB_CSVIO_H
#define MPB_CSVIO_H

#include <stddef.h>
#include <stdio.h>

/* ---- reading ---- */

typedef struct mpb_table {
    char **cols; /* column names from the header line */
    size_t ncols;
    char ***rows; /* rows[i][j]: cell j of row i ("" when the row is short);
                        NULL-terminated, so a long row keeps its extra cells */
    size_t nrows;
} mpb_table_t;

/* Parses len bytes of CSV text with a header line. A last line with no line
 * end is a row the writer was killed while writing: it is dropped. Blank
 * lines are skipped. Returns 0, or -1 (no header line, or out of memory). */
int mpb_table_parse(const char *text, size_t len, mpb_table_t *t);

/* Loads a CSV file with mpb_table_parse. Returns 0, or -1 with errno set and
 * a message on stderr naming the file. */
int mpb_table_load(const char *path, mpb_table_t *t);

/* Column index of name, or -1 when the table has no such column. */
int mpb_table_col(const mpb_table_t *t, const char *name);

/* Cell of row `row` in column `name`; NULL when the column is unknown. */
const char *mpb_table_get(const mpb_table_t *t, size_t row, const char *name);

void mpb_table_free(mpb_table_t *t);

/* ---- writing ---- */

/* Writes field to f as one CSV field, preceded by a comma unless first.
 * NULL writes an empty field. */
void mpb_csv_put(FILE *f, const char *field, int first);

/* Writes n fields and the line end ("\n") to f. */
void mpb_csv_line(FILE *f, const char *const *fields, size_t n);

/* Appends field to buf at *off as mpb_csv_put would (comma first unless
 * first); the text is cut at len - 1 bytes and stays NUL-terminated.
 * Returns 0, or -1 when it did not fit. */
int mpb_csv_field(char *buf, size_t len, size_t *off, const char *field, int first);

#endif /* MPB_CSVIO_H */
