/* CSV reader behind table.h: loads a whole file, splits it into rows of
 * fields (RFC 4180 quoting: "a,b", doubled "" quotes, newlines inside quotes,
 * CRLF or LF line ends), keeps the header for lookups by column name. A last
 * line with no newline is a row the runner was killed while writing: it is
 * skipped. Blank lines are ignored. */
#include "table.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growable array of strings: one parsed line. */
typedef struct mpb_strvec {
    char **v;
    size_t n, cap;
} mpb_strvec_t;

/* A growable byte buffer: the field being parsed. */
typedef struct mpb_buf {
    char *s;
    size_t n, cap;
} mpb_buf_t;

static void buf_put(mpb_buf_t *b, char c)
{
    if (b->n + 1 >= b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->s = mpb_xrealloc(b->s, b->cap);
    }
    b->s[b->n++] = c;
}

static void vec_push(mpb_strvec_t *sv, char *s)
{
    if (sv->n == sv->cap) {
        sv->cap = sv->cap ? sv->cap * 2 : 16;
        sv->v = mpb_xrealloc(sv->v, sv->cap * sizeof *sv->v);
    }
    sv->v[sv->n++] = s;
}

/* Moves the buffered field into the line vector and empties the buffer. */
static void end_field(mpb_buf_t *b, mpb_strvec_t *line)
{
    char *s = mpb_xrealloc(NULL, b->n + 1);
    memcpy(s, b->s, b->n);
    s[b->n] = '\0';
    vec_push(line, s);
    b->n = 0;
}

static void vec_free(mpb_strvec_t *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    memset(sv, 0, sizeof *sv);
}

/* Parses one line starting at *pos. Returns 1 when a newline-terminated line
 * was read, 0 when the text ended first (an unterminated line). */
static int parse_line(const char *text, size_t len, size_t *pos,
                      mpb_strvec_t *line, mpb_buf_t *b)
{
    size_t i = *pos;
    int quoted = 0;
    b->n = 0;
    for (; i < len; i++) {
        char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < len && text[i + 1] == '"')
                buf_put(b, text[++i]);
            else if (c == '"')
                quoted = 0;
            else
                buf_put(b, c);
        } else if (c == '"') {
            quoted = 1;
        } else if (c == ',') {
            end_field(b, line);
        } else if (c == '\n') {
            if (b->n && b->s[b->n - 1] == '\r')
                b->n--;
            end_field(b, line);
            *pos = i + 1;
            return 1;
        } else {
            buf_put(b, c);
        }
    }
    end_field(b, line);
    *pos = len;
    return 0;
}

/* A line holding one empty field: a blank line. */
static int is_blank(const mpb_strvec_t *line)
{
    return line->n == 1 && line->v[0][0] == '\0';
}

/* Pads a parsed line to ncols fields with "", ends it with NULL (so it can
 * be freed whatever its length) and returns its array. */
static char **finish_row(mpb_strvec_t *line, size_t ncols)
{
    while (line->n < ncols) {
        char *empty = mpb_xrealloc(NULL, 1);
        empty[0] = '\0';
        vec_push(line, empty);
    }
    vec_push(line, NULL);
    char **row = line->v;
    memset(line, 0, sizeof *line);
    return row;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t n = 0, cap = 0, got;
    do {
        if (cap - n < 65536)
            text = mpb_xrealloc(text, cap = cap * 2 + 65536);
        got = fread(text + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(text);
        errno = EIO;
        return NULL;
    }
    *len = n;
    return text;
}

/* Splits text into header and rows. Returns 0, or -1 when there is no header. */
static int parse_text(const char *text, size_t len, mpb_table_t *t)
{
    mpb_strvec_t line = {0};
    mpb_buf_t b = {0};
    size_t pos = 0, cap = 0;
    int have_header = 0;
    while (pos < len) {
        int complete = parse_line(text, len, &pos, &line, &b);
        if (is_blank(&line) || (!complete && have_header)) {
            vec_free(&line);
            continue;
        }
        if (!have_header) {
            t->ncols = line.n;
            t->cols = finish_row(&line, 0);
            have_header = 1;
            continue;
        }
        if (t->nrows == cap)
            t->rows = mpb_xrealloc(t->rows, (cap = cap * 2 + 64) * sizeof *t->rows);
        t->rows[t->nrows++] = finish_row(&line, t->ncols);
    }
    free(b.s);
    return have_header ? 0 : -1;
}

int mpb_table_load(const char *path, mpb_table_t *t)
{
    size_t len = 0;
    memset(t, 0, sizeof *t);
    char *text = read_all(path, &len);
    if (!text) {
        int e = errno;
        fprintf(stderr, "mpbench: cannot read %s: %s\n", path, strerror(e));
        errno = e;
        return -1;
    }
    int rc = parse_text(text, len, t);
    free(text);
    if (rc < 0) {
        fprintf(stderr, "mpbench: %s: no header line\n", path);
        mpb_table_free(t);
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int mpb_table_col(const mpb_table_t *t, const char *name)
{
    for (size_t j = 0; j < t->ncols; j++)
        if (strcmp(t->cols[j], name) == 0)
            return (int)j;
    return -1;
}

const char *mpb_table_get(const mpb_table_t *t, size_t row, const char *name)
{
    int j = mpb_table_col(t, name);
    if (j < 0 || row >= t->nrows)
        return NULL;
    return t->rows[row][j];
}

void mpb_table_free(mpb_table_t *t)
{
    for (size_t i = 0; i < t->nrows; i++) {
        /* a row holds at least ncols fields; longer rows keep extra ones */
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
