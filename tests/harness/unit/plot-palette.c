/* palette.c: the known allocators keep their fixed look (a plot of any
 * folder draws mpalloc vermillion and solid); every fixed entry differs from
 * the others in colour and in what survives grey print (point type, dash,
 * fill); a name without an entry gets the same look on every call (a stable
 * hash) and never a fixed entry's colour; and the gnuplot text is what the
 * scripts use. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/palette.h"

static const char *const fixed[] = {"glibc",         "jemalloc",   "tcmalloc", "mimalloc",
                                    "tbbmalloc",     "scudo",      "mpalloc",  "mpalloc-checked",
                                    "mpalloc-debug", "buddy-slab", "magazine", "first-fit"};
#define NFIXED (sizeof fixed / sizeof fixed[0])

Test(palette, known_names_fixed) {
    mpb_style_t s = mpb_palette_style("mpalloc");
    cr_assert_str_eq(s.rgb, "#d55e00");
    cr_assert_str_eq(s.dt, "1");
    cr_assert_str_eq(s.fill, "solid 0.9");
    cr_assert_str_eq(mpb_palette_style("glibc").rgb, "#6e6e6e");
    cr_assert_str_eq(mpb_palette_style("jemalloc").rgb, "#0072b2");
}

Test(palette, fixed_entries_distinct) {
    for (size_t i = 0; i < NFIXED; i++)
        for (size_t j = 0; j < i; j++) {
            mpb_style_t a = mpb_palette_style(fixed[i]), b = mpb_palette_style(fixed[j]);
            cr_assert_str_neq(a.rgb, b.rgb, "%s and %s share a colour", fixed[i], fixed[j]);
            int same_print = a.pt == b.pt && !strcmp(a.dt, b.dt) && !strcmp(a.fill, b.fill);
            cr_assert(!same_print, "%s and %s look the same in grey", fixed[i], fixed[j]);
        }
}

Test(palette, hashed_names_stable_and_apart_from_fixed) {
    static const char *const others[] = {"mi3",   "snmalloc-f70eb82",       "mimalloc-3.4.3",
                                         "foo-2", "mpalloc-mantissa_bits1", "x"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        mpb_style_t a = mpb_palette_style(others[i]), b = mpb_palette_style(others[i]);
        cr_assert_str_eq(a.rgb, b.rgb);
        cr_assert_eq(a.pt, b.pt);
        cr_assert_str_eq(a.dt, b.dt);
        for (size_t k = 0; k < NFIXED; k++)
            cr_assert_str_neq(a.rgb, mpb_palette_style(fixed[k]).rgb, "%s takes %s's colour",
                              others[i], fixed[k]);
    }
    /* FNV-1a of "a" (a published test vector): the pick never changes */
    cr_assert_eq(mpb_palette_hash("a"), 0xe40c292cu);
    cr_assert_eq(mpb_palette_hash(""), 2166136261u);
}

Test(palette, gnuplot_text) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    const char *names[] = {"glibc", "mpalloc"};
    mpb_palette_linetypes(f, names, 2);
    mpb_palette_bar(f, "mpalloc");
    fputc('\n', f);
    mpb_palette_line(f, "jemalloc");
    fclose(f);
    cr_assert(strstr(text, "set linetype 1 lc rgb '#6e6e6e' lw 2 pt 1 ps 1.3 dt (4,4)\n"), "%s",
              text);
    cr_assert(strstr(text, "set linetype 2 lc rgb '#d55e00' lw 3 pt 13 ps 1.3 dt 1\n"), "%s", text);
    cr_assert(strstr(text, "lc rgb '#d55e00' fs solid 0.9 border lc rgb '#000000'\n"), "%s", text);
    cr_assert(strstr(text, "lc rgb '#0072b2' lw 2 pt 5 ps 1.3 dt (8,4)"), "%s", text);
    free(text);
}
