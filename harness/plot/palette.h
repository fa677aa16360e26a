/* One look per allocator name, the same in every plot mpbench draws (bars,
 * timelines, thread scaling, efficiency, sweeps, kernel-sim): a colour, a
 * gnuplot point type, a dash type and a bar fill, so that two plots read
 * side by side (or printed in grey) credit each result to the same
 * allocator. The known names have fixed entries; any other name (a .so
 * given by path, NAME=PATH, an mpalloc variant) gets entries picked by a
 * stable hash of the name, so it looks the same in every folder too. */
#ifndef MPB_PALETTE_H
#define MPB_PALETTE_H

#include <stddef.h>
#include <stdio.h>

typedef struct mpb_style {
    const char *rgb;  /* "#rrggbb" */
    int pt;           /* gnuplot point type */
    const char *dt;   /* gnuplot dash type: "1" (solid) or "(on,off,...)" */
    const char *fill; /* bar fill: "solid D" or "pattern N" */
    double lw;        /* line width */
} mpb_style_t;

/* The style of allocator `name` (never fails: unknown names are hashed). */
mpb_style_t mpb_palette_style(const char *name);

/* 32-bit FNV-1a hash of s: the pick for names without a fixed entry. */
unsigned mpb_palette_hash(const char *s);

/* Writes `set linetype i ...` for names[0..n) as linetypes 1..n, so a
 * script's `lt i` draws allocator i in its own colour, points and dashes. */
void mpb_palette_linetypes(FILE *f, const char *const *names, size_t n);

/* Writes the style of one bar clause for `name` (colour, fill, border). */
void mpb_palette_bar(FILE *f, const char *name);

/* Writes the line style of one line clause for `name` (colour, width,
 * points, dashes), as `set linetype` would give it. */
void mpb_palette_line(FILE *f, const char *name);

#endif /* MPB_PALETTE_H */
