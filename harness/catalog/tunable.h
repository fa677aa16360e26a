/* mpalloc's compile-time tunables as the harness sees them: parsed from the
 * source tree's allocator/src/tunables.h (the one source of truth), never by
 * including it. Each tunable has a name, a default, a documented range, a
 * unit and a meaning, taken from the comment line above its #ifndef. */
#ifndef MPB_TUNABLE_H
#define MPB_TUNABLE_H

#include <stddef.h>
#include <stdio.h>

typedef struct mpb_tunable {
    char name[64];     /* MPA_X */
    char def[64];      /* default value as written in the header */
    char meaning[256]; /* text before "; range:" ("" when undocumented) */
    char range[64];    /* "lo..hi" ("?" when undocumented) */
    char unit[32];
    long lo, hi; /* parsed range; lo > hi when unknown */
} mpb_tunable_t;

typedef struct mpb_tunables {
    mpb_tunable_t *v;
    size_t n;
    char path[4096]; /* the header read */
} mpb_tunables_t;

/* The source tree: $MPB_SRC_DIR, else <mpbench's folder>/../.. (no slash). */
const char *mpb_src_dir(char *buf, size_t len);

/* Reads the tunables header of the source tree. Returns 0, or -1 with a
 * message on stderr. */
int mpb_tunables_load(mpb_tunables_t *t);
void mpb_tunables_free(mpb_tunables_t *t);

/* The tunable called name, or NULL. */
const mpb_tunable_t *mpb_tunables_find(const mpb_tunables_t *t, const char *name);

/* Prints the table of every tunable: aligned text, or Markdown when md. */
void mpb_tunables_print(const mpb_tunables_t *t, FILE *f, int md);

#endif /* MPB_TUNABLE_H */
