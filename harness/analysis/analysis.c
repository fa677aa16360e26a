/* A results folder read back once (analysis.h): its cells and meta.json. */
#include "analysis/analysis.h"
#include "common/outfmt.h"
#include "common/util.h"

#include <string.h>

int mpb_analysis_load(const char *dir, mpb_analysis_t *an) {
    char path[PATH_MAX + 16];
    memset(an, 0, sizeof *an);
    mpb_copy(an->dir, sizeof an->dir, dir);
    if (mpb_cells_load(dir, &an->cs) < 0)
        return -1;
    an->meta = mpb_json_load(mpb_path(path, sizeof path, dir, "meta.json"));
    return 0;
}

void mpb_analysis_free(mpb_analysis_t *an) {
    mpb_cells_free(&an->cs);
    json_decref(an->meta);
    an->meta = NULL;
}
