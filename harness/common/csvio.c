/* The CSV module behind csvio.h. Reading: libcsv splits the text into fields
 * (its callbacks get each field and each line end; the line end is -1 for
 * a last line cut off before its newline), with its whitespace trimming
 * turned off so "a ,b" keeps its space. Writing: quote only when the field
 * needs it, so plain numbers stay readable to awk and people. */
#include "common/csvio.h"
#include "common/util.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading ---- */

/* Parser state: the line being collected and the table being built. */
typedef struct mpb_csvread {
    mpb_table_t *t;
    char **line;
    size_t n, cap, rowcap;
    int have_header;
} mpb_csvread_t;

static void line_push(mpb_csvread_t *r, char *s) {
    if (r->n == r->cap)
        r->line = mpb_xrealloc(r->line, (r->cap = r->cap * 2 + 16) * sizeof *r->line);
    r->line[r->n++] = s;
}

static void line_drop(mpb_csvread_t *r) {
    for (size_t i = 0; i < r->n; i++)
        free(r->line[i]);
    r->n = 0;
}

/* libcsv: one field ended (s is not NUL-terminated). */
static void on_field(void *s, size_t len, void *data) {
    mpb_csvread_t *r = data;
    char *f = mpb_xrealloc(NULL, len + 1);
    if (len)
        memcpy(f, s, len);
    f[len] = '\0';
    line_push(r, f);
}

/* Pads the line to ncols fields, NULL-terminates it and hands it over. */
static char **take_line(mpb_csvread_t *r, size_t ncols) {
    while (r->n < ncols)
        line_push(r, mpb_xstrdup(""));
    line_push(r, NULL);
    char **row = r->line;
    r->line = NULL;
    r->n = r->cap = 0;
    return row;
}

/* libcsv: a line ended with character c (-1: the text ended first). */
static void on_line(int c, void *data) {
    mpb_csvread_t *r = data;
    mpb_table_t *t = r->t;
    if (c == -1 && r->have_header) { /* torn last row */
        line_drop(r);
        return;
    }
    if (!r->have_header) {
        t->ncols = r->n;
        t->cols = take_line(r, 0);
        r->have_header = 1;
        return;
    }
    if (t->nrows == r->rowcap)
        t->rows = mpb_xrealloc(t->rows, (r->rowcap = r->rowcap * 2 + 64) * sizeof *t->rows);
    t->rows[t->nrows++] = take_line(r, t->ncols);
}

/* RFC 4180: spaces are part of a field. */
static int no_space(unsigned char c) {
    (void)c;
    return 0;
}

int mpb_table_parse(const char *text, size_t len, mpb_table_t *t) {
    struct csv_parser p;
    mpb_csvread_t r = {.t = t};
    memset(t, 0, sizeof *t);
    if (csv_init(&p, 0) != 0)
        return -1;
    csv_set_space_func(&p, no_space);
    int ok = csv_parse(&p, text, len, on_field, on_line, &r) == len &&
             csv_fini(&p, on_field, on_line, &r) == 0;
    csv_free(&p);
    line_drop(&r);
    free(r.line);
    if (!ok || !r.have_header) {
        mpb_table_free(t);
        return -1;
    }
    return 0;
}

int mpb_table_load(const char *path, mpb_table_t *t) {
    memset(t, 0, sizeof *t);
    char *text = mpb_read_file(path);
    if (!text) {
        int e = errno;
        fprintf(stderr, "mpbench: cannot read %s: %s\n", path, strerror(e));
        errno = e;
        return -1;
    }
    int rc = mpb_table_parse(text, strlen(text), t);
    free(text);
    if (rc < 0) {
        fprintf(stderr, "mpbench: %s: no header line\n", path);
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int mpb_table_col(const mpb_table_t *t, const char *name) {
    for (size_t j = 0; j < t->ncols; j++)
        if (strcmp(t->cols[j], name) == 0)
            return (int)j;
    return -1;
}

const char *mpb_table_get(const mpb_table_t *t, size_t row, const char *name) {
    int j = mpb_table_col(t, name);
    if (j < 0 || row >= t->nrows)
        return NULL;
    return t->rows[row][j];
}

void mpb_table_free(mpb_table_t *t) {
    for (size_t i = 0; i < t->nrows; i++) {
        for (size_t j = 0; t->rows[i][j] != NULL; j++)
            free(t->rows[i][j]);
        free(t->rows[i]);
    }
    for (size_t j = 0; j < t->ncols; j++)
        free(t->cols[j]);
    free(t->cols);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

/* ---- writing ---- */

/* Writes field (quoted when needed) into dst, cut at cap - 1 bytes and
 * NUL-terminated when cap > 0; returns the length it needs, as snprintf. */
static size_t quote_into(char *dst, size_t cap, const char *field) {
    int quote = strpbrk(field, ",\"\r\n") != NULL;
    size_t n = 0;
#define PUT(ch)            \
    do {                   \
        if (n + 1 < cap)   \
            dst[n] = (ch); \
        n++;               \
    } while (0)
    if (quote)
        PUT('"');
    for (const char *c = field; *c; c++) {
        if (*c == '"')
            PUT('"');
        PUT(*c);
    }
    if (quote)
        PUT('"');
#undef PUT
    if (cap)
        dst[n < cap ? n : cap - 1] = '\0';
    return n;
}

void mpb_csv_put(FILE *f, const char *field, int first) {
    char small[256];
    if (!first)
        fputc(',', f);
    if (!field)
        return;
    size_t n = quote_into(small, sizeof small, field);
    if (n < sizeof small) {
        fputs(small, f);
        return;
    }
    char *big = mpb_xrealloc(NULL, n + 1);
    quote_into(big, n + 1, field);
    fputs(big, f);
    free(big);
}

void mpb_csv_line(FILE *f, const char *const *fields, size_t n) {
    for (size_t i = 0; i < n; i++)
        mpb_csv_put(f, fields[i], i == 0);
    fputc('\n', f);
}

int mpb_csv_field(char *buf, size_t len, size_t *off, const char *field, int first) {
    size_t o = *off < len ? *off : (len ? len - 1 : 0);
    if (len == 0)
        return -1;
    if (!first) {
        if (o + 1 >= len)
            return -1;
        buf[o++] = ',';
        buf[o] = '\0';
    }
    size_t need = quote_into(buf + o, len - o, field ? field : "");
    int fit = o + need < len;
    *off = fit ? o + need : len - 1;
    return fit ? 0 : -1;
}
