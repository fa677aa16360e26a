/* The allocator palette (palette.h). Colours are the Okabe-Ito set (told
 * apart with the common colour-vision deficiencies) for the user-space
 * allocators, and Paul Tol's for kernel-sim's and for hashed names; each
 * entry also differs in point type, dash pattern and bar fill, which is
 * what survives a grey print. mpalloc is the solid vermillion line. */
#include "plot/palette.h"

#include <string.h>

typedef struct entry {
    const char *name;
    mpb_style_t s;
} entry_t;

static const entry_t fixed[] = {
    {"glibc", {"#6e6e6e", 1, "(4,4)", "solid 0.45", 2}},
    {"jemalloc", {"#0072b2", 5, "(8,4)", "pattern 4", 2}},
    {"tcmalloc", {"#e69f00", 7, "(2,3)", "pattern 5", 2}},
    {"mimalloc", {"#009e73", 9, "(8,3,2,3)", "pattern 1", 2}},
    {"tbbmalloc", {"#56b4e9", 11, "(12,4)", "pattern 6", 2}},
    {"scudo", {"#cc79a7", 3, "(2,2,8,2)", "pattern 7", 2}},
    {"mpalloc", {"#d55e00", 13, "1", "solid 0.9", 3}},
    {"mpalloc-checked", {"#882255", 15, "(6,2)", "pattern 2", 2}},
    {"mpalloc-debug", {"#aa4499", 4, "(6,2,2,2)", "pattern 0", 2}},
    {"buddy-slab", {"#332288", 6, "(10,2)", "pattern 6", 2}},
    {"magazine", {"#117733", 8, "(3,3)", "pattern 7", 2}},
    {"first-fit", {"#999933", 10, "(10,3,3,3)", "pattern 2", 2}},
};

/* For names without a fixed entry: colours none of the fixed ones use. */
static const char *const extra_rgb[] = {"#44aa99", "#88ccee", "#ddaa33", "#661100",
                                        "#6699cc", "#aa4466", "#228833", "#ee6677",
                                        "#004488", "#a6761d", "#e7298a"};
/* hollow shapes: the fixed entries use the filled ones (and 1, 3, 4) */
static const int extra_pt[] = {2, 6, 8, 10, 12, 14};
static const char *const extra_dt[] = {"(10,3)", "(3,3)", "(10,3,3,3)", "(5,5)", "(14,3,3,3,3,3)"};
static const char *const extra_fill[] = {"pattern 1", "pattern 2", "pattern 4", "pattern 5",
                                         "pattern 6", "pattern 7", "pattern 0", "solid 0.65"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

unsigned mpb_palette_hash(const char *s) {
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

mpb_style_t mpb_palette_style(const char *name) {
    for (size_t i = 0; i < COUNT(fixed); i++)
        if (!strcmp(fixed[i].name, name))
            return fixed[i].s;
    unsigned h = mpb_palette_hash(name);
    mpb_style_t s = {extra_rgb[h % COUNT(extra_rgb)], extra_pt[(h >> 8) % COUNT(extra_pt)],
                     extra_dt[(h >> 13) % COUNT(extra_dt)],
                     extra_fill[(h >> 19) % COUNT(extra_fill)], 2};
    return s;
}

void mpb_palette_linetypes(FILE *f, const char *const *names, size_t n) {
    for (size_t i = 0; i < n; i++) {
        mpb_style_t s = mpb_palette_style(names[i]);
        fprintf(f, "set linetype %zu lc rgb '%s' lw %g pt %d ps 1.3 dt %s\n", i + 1, s.rgb, s.lw,
                s.pt, s.dt);
    }
}

void mpb_palette_bar(FILE *f, const char *name) {
    mpb_style_t s = mpb_palette_style(name);
    fprintf(f, "lc rgb '%s' fs %s border lc rgb '%s'", s.rgb, s.fill,
            !strncmp(s.fill, "solid", 5) ? "#000000" : s.rgb);
}

void mpb_palette_line(FILE *f, const char *name) {
    mpb_style_t s = mpb_palette_style(name);
    fprintf(f, "lc rgb '%s' lw %g pt %d ps 1.3 dt %s", s.rgb, s.lw, s.pt, s.dt);
}
