/* The sweep's grid: tunables given as `MPA_X=v1,v2,...` are checked against
 * the header (unknown names refused, values outside the documented range
 * announced but still tried: the build says whether they are valid) and
 * expanded into one point per combination. Each point's variant is named
 * from its flags (`mantissa_bits3-page_bits14`), or a hash when that is long. */
#include "sweep/sweep.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 60 /* longer readable names become v<hash> */

/* Values are plain tokens: they go into a make command line. */
static int value_ok(const char *v) {
    if (!*v || strlen(v) >= 32)
        return 0;
    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            return 0;
    return 1;
}

/* Announces values outside the documented range (they are still built). */
static void note_range(const mpb_tunable_t *tn, const mpb_strlist_t *vals) {
    for (size_t i = 0; i < vals->n; i++) {
        char *end;
        long v = strtol(vals->v[i], &end, 0);
        if (tn->lo <= tn->hi && !*end && (v < tn->lo || v > tn->hi))
            fprintf(stderr,
                    "mpbench sweep: note: %s=%s is outside the documented range "
                    "%s; building it anyway\n",
                    tn->name, vals->v[i], tn->range);
    }
}

/* Values must be tokens, distinct, and at least one. */
static int check_values(const char *name, const mpb_strlist_t *vals) {
    for (size_t i = 0; i < vals->n; i++) {
        for (size_t j = 0; j < i; j++)
            if (!strcmp(vals->v[i], vals->v[j])) {
                fprintf(stderr, "mpbench sweep: %s=%s given twice\n", name, vals->v[i]);
                return -1;
            }
        if (!value_ok(vals->v[i])) {
            fprintf(stderr, "mpbench sweep: bad value '%s' for %s\n", vals->v[i], name);
            return -1;
        }
    }
    if (vals->n == 0)
        fprintf(stderr, "mpbench sweep: no values for %s\n", name);
    return vals->n ? 0 : -1;
}

int mpb_sweep_add_tunable(mpb_sweep_t *s, const char *spec) {
    const char *eq = strchr(spec, '=');
    char name[64];
    if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof name) {
        fprintf(stderr, "mpbench sweep: bad --tunable '%s' (want MPA_X=v1,v2,...)\n", spec);
        return -1;
    }
    mpb_fmt(name, sizeof name, "%.*s", (int)(eq - spec), spec);
    const mpb_tunable_t *tn = mpb_tunables_find(&s->tun, name);
    if (!tn) {
        fprintf(stderr, "mpbench sweep: unknown tunable %s (see mpbench sweep --list)\n", name);
        return -1;
    }
    if (s->ntun == MPB_SWEEP_MAXTUN) {
        fprintf(stderr, "mpbench sweep: at most %d tunables\n", MPB_SWEEP_MAXTUN);
        return -1;
    }
    mpb_strlist_t *vals = &s->values[s->ntun];
    mpb_strlist_split(vals, eq + 1);
    if (check_values(name, vals) != 0)
        return -1;
    note_range(tn, vals);
    mpb_copy(s->names[s->ntun], sizeof s->names[0], name);
    mpb_copy(s->defs[s->ntun], sizeof s->defs[0], tn->def);
    s->ntun++;
    return 0;
}

unsigned long mpb_sweep_hash(const char *s) {
    unsigned long h = 2166136261ul;
    for (; *s; s++)
        h = ((h ^ (unsigned char)*s) * 16777619ul) & 0xfffffffful;
    return h;
}

/* "mantissa_bits3-page_bits14" from the point's values. */
static void point_name(const mpb_sweep_t *s, mpb_sweep_point_t *p) {
    size_t off = 0;
    for (size_t k = 0; k < s->ntun; k++) {
        const char *n = s->names[k] + 4; /* after "MPA_" */
        off += (size_t)mpb_fmt(p->name + off, sizeof p->name - off, "%s", k ? "-" : "");
        for (; *n && off + 1 < sizeof p->name; n++)
            p->name[off++] = (char)tolower((unsigned char)*n);
        off += (size_t)mpb_fmt(p->name + off, sizeof p->name - off, "%s", p->vals[k]);
    }
    if (off > NAME_MAX_LEN)
        mpb_fmt(p->name, sizeof p->name, "v%08lx", mpb_sweep_hash(p->flags));
}

/* 1 when every value of p is its tunable's default (compared as numbers
 * when both are: 0x10 is 16). */
static int is_default(const mpb_sweep_t *s, const mpb_sweep_point_t *p) {
    for (size_t k = 0; k < s->ntun; k++) {
        char *e1, *e2;
        long a = strtol(p->vals[k], &e1, 0), b = strtol(s->defs[k], &e2, 0);
        int same = *e1 || *e2 ? !strcmp(p->vals[k], s->defs[k]) : a == b;
        if (!same)
            return 0;
    }
    return 1;
}

int mpb_sweep_grid(mpb_sweep_t *s) {
    size_t n = 1;
    for (size_t k = 0; k < s->ntun; k++)
        n *= s->values[k].n;
    if (s->ntun == 0 || n > MPB_SWEEP_MAXPTS) {
        fprintf(stderr, "mpbench sweep: %s\n",
                s->ntun ? "grid too large (over 512 points)"
                        : "give at least one --tunable MPA_X=v1,v2,...");
        return -1;
    }
    s->pts = calloc(n, sizeof *s->pts);
    if (!s->pts)
        return -1;
    for (size_t i = 0; i < n; i++) {
        mpb_sweep_point_t *p = &s->pts[i];
        size_t off = 0, idx = i;
        for (size_t k = s->ntun; k-- > 0; idx /= s->values[k].n)
            mpb_copy(p->vals[k], sizeof p->vals[k], s->values[k].v[idx % s->values[k].n]);
        for (size_t k = 0; k < s->ntun; k++)
            off += (size_t)mpb_fmt(p->flags + off, sizeof p->flags - off, "%s-D%s=%s", k ? " " : "",
                                   s->names[k], p->vals[k]);
        point_name(s, p);
        if (is_default(s, p)) /* the default build itself: never built or run twice */
            mpb_copy(p->status, sizeof p->status, "default");
    }
    s->npts = n;
    return 0;
}
