/* The files and the digest a finished results folder gets, from one load
 * of it (analysis/analysis.h): summary.csv, the PNGs in plots/, report.md, the
 * digest on stdout and the --export-json / --export-markdown files. Every
 * command that ends with them calls mpb_analyse with what it wants: run,
 * replay, merge, kernel and sweep (all of them), and summary, plot and
 * report (their one file). */
#ifndef MPB_ANALYSE_H
#define MPB_ANALYSE_H

#include "analysis/analysis.h"

/* What to make of the folder. */
typedef struct mpb_analysis_opts {
    const char *who;            /* the command: "mpbench run" (the lock's record, warnings) */
    int warn;                   /* a failed step prints "WHO: warning: `mpbench STEP DIR`
                                   failed (exit N)" (the files are not the command's own) */
    int summary, plots, report; /* the files to write (the folder locked meanwhile) */
    int digest;                 /* print the digest on stdout after them */
    const char *export_json;    /* write the folder as JSON there, or NULL */
    const char *export_md;      /* write the rankings as Markdown there, or NULL */
} mpb_analysis_opts_t;

/* What came of it: each step's exit status as its own command's (0 done or
 * not asked; summary.csv and report.md 1 when results.csv holds no runs,
 * plots 1 when none could be drawn; 2 unreadable folder or not written; 3
 * the folder is in use by another mpbench), and -1 in exports when one
 * could not be written. */
typedef struct mpb_analysis_status {
    int summary, plots, report;
    int exports;
} mpb_analysis_status_t;

/* Loads dir once and makes what o asks, in the order summary, plots,
 * report, digest, exports. Fills *st (may be NULL) and returns the status
 * of the last file asked for (0 when none). */
int mpb_analyse(const char *dir, const mpb_analysis_opts_t *o, mpb_analysis_status_t *st);

/* The same on a folder loaded already (sweep keeps it for its own files). */
int mpb_analyse_loaded(const mpb_analysis_t *an, const mpb_analysis_opts_t *o,
                       mpb_analysis_status_t *st);

#endif /* MPB_ANALYSE_H */
