/* Reading results.csv (and any CSV mpbench writes) into memory.
 * A table is a header plus rows of strings; columns are looked up by name so
 * readers ignore the columns they do not know (results.csv may grow). */
#ifndef MPB_TABLE_H
#define MPB_TABLE_H

#include <stddef.h>

typedef struct mpb_table {
    char **cols;     /* column names from the header line */
    size_t ncols;
    char ***rows;    /* rows[i][j]: cell j of row i ("" when the row is short) */
    size_t nrows;
} mpb_table_t;

/* Loads a CSV file with a header line. Returns 0, or -1 with errno set and a
 * message on stderr naming the file. A truncated last line (a run killed
 * while writing) is skipped, not an error. */
int mpb_table_load(const char *path, mpb_table_t *t);

/* Column index of name, or -1 when the table has no such column. */
int mpb_table_col(const mpb_table_t *t, const char *name);

/* Cell of row `row` in column `name`; NULL when the column is unknown. */
const char *mpb_table_get(const mpb_table_t *t, size_t row, const char *name);

void mpb_table_free(mpb_table_t *t);

#endif /* MPB_TABLE_H */
