/* Parsing allocator/src/tunables.h for `mpbench sweep --list` and the sweep's
 * validation. The header documents each tunable on the line above its
 * `#ifndef MPA_X` as `/+ meaning; range: lo..hi; unit +/`, then gives the
 * default as `#define MPA_X v`. A pair without that comment is still listed,
 * with its range unknown, so nothing in the header is hidden. */
#include "catalog/tunable.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

const char *mpb_src_dir(char *buf, size_t len) {
    const char *env = getenv("MPB_SRC_DIR");
    if (env && *env)
        mpb_copy(buf, len, env);
    else
        mpb_fmt(buf, len, "%s/../..", mpb_self_dir());
    char real[4096];
    if (realpath(buf, real))
        mpb_copy(buf, len, real);
    return buf;
}

/* Fills meaning, range and unit from a documentation comment line. */
static void parse_doc(const char *line, mpb_tunable_t *tn) {
    mpb_copy(tn->range, sizeof tn->range, "?");
    tn->lo = 1, tn->hi = 0;
    const char *s = strstr(line, "/*"), *r = strstr(line, "; range:");
    if (!s || !r)
        return;
    s += 2 + strspn(s + 2, " ");
    mpb_fmt(tn->meaning, sizeof tn->meaning, "%.*s", (int)(r - s), s);
    r += strlen("; range:");
    r += strspn(r, " ");
    size_t rl = strcspn(r, ";*");
    while (rl && r[rl - 1] == ' ')
        rl--;
    mpb_fmt(tn->range, sizeof tn->range, "%.*s", (int)rl, r);
    if (sscanf(tn->range, "%ld..%ld", &tn->lo, &tn->hi) != 2)
        tn->lo = 1, tn->hi = 0;
    const char *u = strchr(r, ';');
    if (u) {
        u += 1 + strspn(u + 1, " ");
        size_t ul = strcspn(u, "*");
        while (ul && u[ul - 1] == ' ')
            ul--;
        mpb_fmt(tn->unit, sizeof tn->unit, "%.*s", (int)ul, u);
    }
}

/* `#define NAME value` for the NAME of the #ifndef just seen: adds it. */
static void take_define(mpb_tunables_t *t, const char *name, const char *doc, const char *line) {
    char want[128];
    mpb_fmt(want, sizeof want, "#define %s", name);
    size_t wl = strlen(want);
    if (strncmp(line, want, wl) != 0 || (line[wl] != ' ' && line[wl] != '\t'))
        return;
    const char *v = line + wl + strspn(line + wl, " \t");
    if (!*v)
        return; /* a header guard, not a tunable */
    t->v = mpb_xrealloc(t->v, (t->n + 1) * sizeof *t->v);
    mpb_tunable_t *tn = &t->v[t->n++];
    memset(tn, 0, sizeof *tn);
    mpb_copy(tn->name, sizeof tn->name, name);
    mpb_fmt(tn->def, sizeof tn->def, "%.*s", (int)strcspn(v, " \t/\r"), v);
    parse_doc(doc, tn);
}

int mpb_tunables_load(mpb_tunables_t *t) {
    char src[4096];
    memset(t, 0, sizeof *t);
    mpb_fmt(t->path, sizeof t->path, "%s/allocator/src/tunables.h", mpb_src_dir(src, sizeof src));
    char *text = mpb_read_file(t->path), *save = NULL;
    if (!text) {
        fprintf(stderr, "mpbench: cannot read %s (set MPB_SRC_DIR to the source tree)\n", t->path);
        return -1;
    }
    char doc[512] = "", prev[512] = "", name[64] = "";
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (name[0])
            take_define(t, name, doc, l);
        name[0] = '\0';
        if (!strncmp(l, "#ifndef MPA_", 12)) {
            mpb_fmt(name, sizeof name, "%.*s", (int)strcspn(l + 8, " \t\r"), l + 8);
            mpb_copy(doc, sizeof doc, prev);
        }
        mpb_copy(prev, sizeof prev, l);
    }
    free(text);
    return 0;
}

void mpb_tunables_free(mpb_tunables_t *t) {
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

const mpb_tunable_t *mpb_tunables_find(const mpb_tunables_t *t, const char *name) {
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->v[i].name, name))
            return &t->v[i];
    return NULL;
}

void mpb_tunables_print(const mpb_tunables_t *t, FILE *f, int md) {
    if (md)
        fputs("| tunable | default | range | unit | meaning |\n|---|---|---|---|---|\n", f);
    else
        fprintf(f, "%-24s %-8s %-10s %-8s %s\n", "tunable", "default", "range", "unit", "meaning");
    for (size_t i = 0; i < t->n; i++) {
        const mpb_tunable_t *v = &t->v[i];
        if (md)
            fprintf(f, "| `%s` | %s | %s | %s | %s |\n", v->name, v->def, v->range, v->unit,
                    v->meaning);
        else
            fprintf(f, "%-24s %-8s %-10s %-8s %s\n", v->name, v->def, v->range, v->unit,
                    v->meaning);
    }
}
