/* Recording the allocator-related environment and the CPU frequency policy
 * (envrec.h). */
#include "run/envrec.h"
#include "common/util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* Exact names and prefixes the record keeps. */
static const char *const exact[] = {"GLIBC_TUNABLES",    "MALLOC_CONF",   "JE_MALLOC_CONF",
                                    "_RJEM_MALLOC_CONF", "SCUDO_OPTIONS", "PYTHONMALLOC",
                                    "HEAPCHECK",         "HEAPPROFILE",   NULL};
static const char *const prefixes[] = {"MALLOC_",   "MIMALLOC_",   "TCMALLOC_", "MPALLOC_",
                                       "SNMALLOC_", "TBB_MALLOC_", "JEMALLOC_", "GLIBC_",
                                       "LD_",       "WL_",         "MPB_",      NULL};

int mpb_env_relevant(const char *name) {
    size_t len = strcspn(name, "=");
    for (const char *const *e = exact; *e; e++)
        if (strlen(*e) == len && !strncmp(name, *e, len))
            return 1;
    for (const char *const *p = prefixes; *p; p++)
        if (!strncmp(name, *p, strlen(*p)))
            return 1;
    return 0;
}

/* A one-line file of /sys (trailing newline cut), or NULL. */
static char *sys_line(const char *path) {
    char *t = mpb_read_file(path);
    if (t)
        t[strcspn(t, "\n")] = '\0';
    return t;
}

/* Adds o[key] = the contents of dir/file when readable. */
static int add_sys(json_t *o, const char *key, const char *dir, const char *file) {
    char path[512];
    mpb_fmt(path, sizeof path, "%s/%s", dir, file);
    char *v = sys_line(path);
    if (v)
        mpb_json_set_text(o, key, v);
    free(v);
    return v != NULL;
}

/* {"cpu0": {governor, cur_khz, min_khz, max_khz, hw_max_khz}, ..., turbo}. */
static json_t *cpu_frequency(void) {
    json_t *o = json_object();
    int any = 0;
    char dir[256], name[32];
    for (int c = 0; c < 4096; c++) {
        mpb_fmt(dir, sizeof dir, "/sys/devices/system/cpu/cpu%d/cpufreq", c);
        json_t *e = json_object();
        int n = add_sys(e, "governor", dir, "scaling_governor");
        n += add_sys(e, "cur_khz", dir, "scaling_cur_freq");
        n += add_sys(e, "min_khz", dir, "scaling_min_freq");
        n += add_sys(e, "max_khz", dir, "scaling_max_freq");
        n += add_sys(e, "hw_max_khz", dir, "cpuinfo_max_freq");
        n += add_sys(e, "energy_performance_preference", dir, "energy_performance_preference");
        mpb_fmt(name, sizeof name, "cpu%d", c);
        if (n)
            json_object_set_new(o, name, e), any = 1;
        else
            json_decref(e);
        mpb_fmt(dir, sizeof dir, "/sys/devices/system/cpu/cpu%d", c + 1);
        DIR *next = opendir(dir);
        if (!next)
            break;
        closedir(next);
    }
    any |= add_sys(o, "intel_no_turbo", "/sys/devices/system/cpu/intel_pstate", "no_turbo");
    any |= add_sys(o, "boost", "/sys/devices/system/cpu/cpufreq", "boost");
    if (!any)
        mpb_json_set_text(o, "note",
                          "not readable: this machine shows no cpufreq in /sys (a virtual "
                          "machine, or a kernel without it)");
    return o;
}

/* The libraries /etc/ld.so.preload names (comments and blanks dropped, one
 * space between), or "" when it is absent or names none. The loader
 * preloads them into every process, after LD_PRELOAD's: the system-wide
 * form of an inherited LD_PRELOAD, which mpbench cannot strip. */
static void system_preload(char *buf, size_t len) {
    char *t = mpb_read_file("/etc/ld.so.preload");
    size_t off = 0;
    buf[0] = '\0';
    for (char *save = NULL, *w = t ? strtok_r(t, " \t\n:", &save) : NULL; w;
         w = strtok_r(NULL, " \t\n:", &save)) {
        if (*w == '#') { /* a comment runs to the end of its line */
            strtok_r(NULL, "\n", &save);
            continue;
        }
        if (off < len)
            off += (size_t)mpb_fmt(buf + off, len - off, "%s%s", off ? " " : "", w);
    }
    free(t);
}

json_t *mpb_env_record(void) {
    json_t *o = json_object(), *vars = json_object();
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || !mpb_env_relevant(*e) || !strncmp(*e, "MPB_PROBE_FILE=", 15))
            continue;
        char name[256];
        mpb_fmt(name, sizeof name, "%.*s", (int)(eq - *e), *e);
        mpb_json_set_text(vars, name, eq + 1);
    }
    json_object_set_new(o, "variables", vars);
    mpb_json_set_text(o, "passed_to_runs",
                      "every variable above but LD_PRELOAD (replaced by the allocator under "
                      "test and mpbench's probe) and MPB_NOT_MEASURED");
    const char *pre = getenv("LD_PRELOAD");
    if (pre && *pre) {
        json_t *s = json_object();
        mpb_json_set_text(s, "LD_PRELOAD", pre);
        json_object_set_new(o, "stripped", s);
    }
    char sys[2048];
    system_preload(sys, sizeof sys);
    if (sys[0])
        mpb_json_set_text(o, "system_preload", sys);
    json_object_set_new(o, "cpu_frequency", cpu_frequency());
    return o;
}

void mpb_env_warn(void) {
    static int done;
    const char *pre = getenv("LD_PRELOAD");
    char list[2048] = "";
    size_t off = 0;
    if (done++)
        return;
    for (char **e = environ; e && *e; e++)
        if (mpb_env_relevant(*e) && strncmp(*e, "LD_PRELOAD=", 11) &&
            strncmp(*e, "MPB_PROBE_FILE=", 15) && strncmp(*e, "MPB_NOT_MEASURED=", 17) &&
            off < sizeof list)
            off += (size_t)mpb_fmt(list + off, sizeof list - off, "%s%s", off ? " " : "", *e);
    if (pre && *pre)
        fprintf(stderr,
                "mpbench: warning: LD_PRELOAD=%s is in the environment: it is NOT passed to "
                "the runs (it would stack on the allocator under test); each run gets the "
                "allocator and mpbench's probe only (recorded in meta.json)\n",
                pre);
    if (list[0])
        fprintf(stderr,
                "mpbench: note: the environment sets %s: every run inherits %s (recorded in "
                "meta.json and the report)\n",
                list, strchr(list, ' ') ? "them" : "it");
    char sys[2048];
    system_preload(sys, sizeof sys);
    if (sys[0])
        fprintf(stderr,
                "mpbench: warning: /etc/ld.so.preload names %s: the loader preloads it into "
                "every run, after the allocator under test and the probe (recorded in "
                "meta.json and the report; a malloc of its own is caught by the probe)\n",
                sys);
}

int mpb_env_diff(const json_t *a, const json_t *b, char *buf, size_t len) {
    const json_t *va = json_object_get(a, "variables"), *vb = json_object_get(b, "variables");
    const char *k;
    json_t *v;
    size_t off = 0;
    int n = 0;
    buf[0] = '\0';
    if (!json_is_object(va) || !json_is_object(vb))
        return 0;
    json_object_foreach((json_t *)va, k, v) {
        const char *y = mpb_json_get_text(vb, k);
        if (y && !strcmp(y, json_string_value(v) ? json_string_value(v) : ""))
            continue;
        n++;
        if (off < len)
            off += (size_t)mpb_fmt(buf + off, len - off, "%s%s=%s / %s", off ? "; " : "", k,
                                   json_string_value(v), y ? y : "(unset)");
    }
    json_object_foreach((json_t *)vb, k, v) {
        if (json_object_get(va, k))
            continue;
        n++;
        if (off < len)
            off += (size_t)mpb_fmt(buf + off, len - off, "%s%s=(unset) / %s", off ? "; " : "", k,
                                   json_string_value(v));
    }
    const char *sa = mpb_json_get_text(a, "system_preload"),
               *sb = mpb_json_get_text(b, "system_preload");
    if (strcmp(sa ? sa : "", sb ? sb : "")) {
        n++;
        if (off < len)
            mpb_fmt(buf + off, len - off, "%s/etc/ld.so.preload %s / %s", off ? "; " : "",
                    sa ? sa : "(none)", sb ? sb : "(none)");
    }
    return n;
}
