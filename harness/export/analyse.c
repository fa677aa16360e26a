/* A finished folder's files and digest from one load (analyse.h): the
 * writers of analysis/ and plot/ in turn on the same cells, the folder's
 * lock held while they write, then the digest and the exports. */
#include "export/analyse.h"
#include "analysis/digest.h"
#include "common/lock.h"
#include "plot/plot.h"

#include <stdio.h>
#include <string.h>

typedef int (*writer_fn)(const mpb_analysis_t *);

/* The file steps o asks for, each with the status into st; fail (> 0) is
 * every step's status instead when the folder could not be read or
 * locked. Returns the status of the last step asked for. */
static int write_files(const mpb_analysis_t *an, const char *dir, const mpb_analysis_opts_t *o,
                       int fail, mpb_analysis_status_t *st) {
    static const char *const names[] = {"summary", "plot", "report"};
    static const writer_fn fns[] = {mpb_summary_write, mpb_plot_write, mpb_report_write};
    int *rcs[] = {&st->summary, &st->plots, &st->report};
    const int want[] = {o->summary, o->plots, o->report};
    int last = 0;
    for (int i = 0; i < 3; i++) {
        if (!want[i])
            continue;
        fflush(stdout);
        *rcs[i] = fail ? fail : fns[i](an);
        if (*rcs[i] != 0 && o->warn)
            fprintf(stderr, "%s: warning: `mpbench %s %s` failed (exit %d)\n", o->who, names[i],
                    dir, *rcs[i]);
        last = *rcs[i];
    }
    return last;
}

/* The files under the folder's lock (taken once for all of them). */
static int locked_files(const mpb_analysis_t *an, const mpb_analysis_opts_t *o,
                        mpb_analysis_status_t *st) {
    if (!o->summary && !o->plots && !o->report)
        return 0;
    int lk = mpb_lock_take(an->dir, o->who);
    int rc = write_files(an, an->dir, o, lk < 0 ? 2 : lk, st);
    if (lk == 0)
        mpb_lock_release(an->dir);
    return rc;
}

/* The digest on stdout and the exports. */
static void digest_and_exports(const mpb_analysis_t *an, const mpb_analysis_opts_t *o,
                               mpb_analysis_status_t *st) {
    if (o->digest && an->cs.ncells)
        mpb_digest_print(stdout, an);
    fflush(stdout);
    if (o->export_json && mpb_digest_export_json(an, o->export_json) != 0)
        st->exports = -1;
    if (o->export_md && mpb_digest_export_markdown(an, o->export_md) != 0)
        st->exports = -1;
}

int mpb_analyse_loaded(const mpb_analysis_t *an, const mpb_analysis_opts_t *o,
                       mpb_analysis_status_t *st) {
    mpb_analysis_status_t local;
    st = st ? st : &local;
    memset(st, 0, sizeof *st);
    int rc = locked_files(an, o, st);
    digest_and_exports(an, o, st);
    return rc;
}

int mpb_analyse(const char *dir, const mpb_analysis_opts_t *o, mpb_analysis_status_t *st) {
    mpb_analysis_status_t local;
    mpb_analysis_t an;
    st = st ? st : &local;
    memset(st, 0, sizeof *st);
    if (!o->summary && !o->plots && !o->report && !o->digest && !o->export_json && !o->export_md)
        return 0;
    if (mpb_analysis_load(dir, &an) != 0) { /* the message is printed once */
        st->exports = o->export_json || o->export_md ? -1 : 0;
        return write_files(NULL, dir, o, 2, st);
    }
    int rc = mpb_analyse_loaded(&an, o, st);
    mpb_analysis_free(&an);
    return rc;
}
