/* Running gnuplot: every plot mpbench draws (plot, sweep, kernel) goes
 * through here. Scripts are saved beside their data, so `cd plots && gnuplot
 * X.gp` redraws one, and gnuplot is started with fork/exec in that folder,
 * never through a shell, so a folder name may hold any character. */
#ifndef MPB_GNUPLOT_H
#define MPB_GNUPLOT_H

#include <stdio.h>

/* The `set terminal` line for PNGs of w x h pixels: pngcairo when gnuplot
 * has it, plain png otherwise. NULL when gnuplot cannot run (not installed). */
const char *mpb_gnuplot_png(int w, int h);

/* Writes script to DIR/NAME (NAME a plain file name such as "time_t1.gp")
 * and runs `gnuplot NAME` inside DIR, its stdin from /dev/null; gnuplot's
 * messages go to stderr. Returns 0 when gnuplot exited 0, else -1 (a
 * message naming the script is printed). */
int mpb_gnuplot(const char *dir, const char *name, const char *script);

/* Runs `gnuplot NAME` inside DIR for a script already saved there; as
 * mpb_gnuplot otherwise. */
int mpb_gnuplot_file(const char *dir, const char *name);

/* Writes s as a gnuplot single-quoted string ('it''s'), which gnuplot reads
 * back verbatim: no escapes, a quote doubled. */
void mpb_gnuplot_quote(FILE *f, const char *s);

#endif /* MPB_GNUPLOT_H */
