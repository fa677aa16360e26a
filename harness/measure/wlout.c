/* Parsing of the `mpbench-<key>: <value>` lines workloads print. Keys are
 * compared with '-' and '_' treated alike, so `mpbench-live-peak-bytes` and
 * `mpbench-live_peak_bytes` both land in the live_peak_bytes column. Other
 * keys go to the `extra` column; every other line is ignored. */
#include "measure/wlout.h"
#include "common/util.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>

void mpb_wlout_init(mpb_wlout_t *w) { memset(w, 0, sizeof *w); }

/* Copies a value, keeping it CSV-harmless (no commas, quotes, ';', '='). */
static void copy_value(char *dst, size_t len, const char *v) {
    size_t j = 0;
    for (; *v && j + 1 < len; v++)
        if (!strchr(",\";=\r", *v))
            dst[j++] = *v;
    dst[j] = '\0';
}

/* key (already without "mpbench-") with '-' read as '_'. */
static int key_is(const char *key, const char *name) {
    for (; *key && *name; key++, name++)
        if (*key != *name && !(*key == '-' && *name == '_'))
            return 0;
    return !*key && !*name;
}

/* Notes the first problem with a known key. */
static void note_problem(mpb_wlout_t *w, const char *key, const char *val, const char *what) {
    if (!w->problem[0])
        mpb_fmt(w->problem, sizeof w->problem, "workload output mpbench-%s: '%.80s' %s", key, val,
                what);
}

/* Stores a known key's value as printed (trailing blanks cut); a repeat
 * with another value or a value too long for its field is a problem. */
static void keep_number(mpb_wlout_t *w, const char *key, char *dst, size_t len, const char *val) {
    size_t n = strlen(val);
    while (n && (val[n - 1] == ' ' || val[n - 1] == '\t'))
        n--;
    if (n >= len) {
        note_problem(w, key, val, "is too long to be a count");
        return;
    }
    if (dst[0] && (strlen(dst) != n || strncmp(dst, val, n))) {
        note_problem(w, key, val, "repeats the key with another value");
        dst[0] = '\0';
        return;
    }
    if (!w->problem[0])
        mpb_fmt(dst, len, "%.*s", (int)n, val);
}

/* 1 when s is digits only, 1..18 of them (a count that fits exactly). */
static int is_count(const char *s) {
    size_t n = strspn(s, "0123456789");
    return n > 0 && n <= 18 && !s[n];
}

/* 1 when s is a duration in seconds: digits with at most one '.', a digit
 * before it, not all zeros. */
static int is_seconds(const char *s) {
    size_t a = strspn(s, "0123456789"), b = 0;
    if (s[a] == '.')
        b = strspn(s + a + 1, "0123456789") + 1;
    return a > 0 && a <= 12 && !s[a + b] && strspn(s, "0.") < a + b;
}

int mpb_wlout_check(mpb_wlout_t *w, char *why, size_t len) {
    static const char *const names[] = {"ops", "live_peak_bytes", "rss_after_kb"};
    char *const vals[] = {w->ops, w->live_peak_bytes, w->rss_after_kb};
    for (int i = 0; i < 3 && !w->problem[0]; i++)
        if (vals[i][0] && !is_count(vals[i]))
            note_problem(w, names[i], vals[i], "is not a whole number >= 0");
    if (!w->problem[0] && w->ops_s[0] && !is_seconds(w->ops_s))
        note_problem(w, "ops_s", w->ops_s, "is not a number of seconds above 0");
    if (!w->problem[0])
        return 0;
    mpb_copy(why, len, w->problem);
    for (int i = 0; i < 3; i++)
        if (vals[i][0] && !is_count(vals[i]))
            vals[i][0] = '\0';
    if (w->ops_s[0] && !is_seconds(w->ops_s))
        w->ops_s[0] = '\0';
    return -1;
}

int mpb_wlout_check_time(mpb_wlout_t *w, double wall_s, char *why, size_t len) {
    double secs;
    if (!w->ops_s[0] || sscanf(w->ops_s, "%lf", &secs) != 1 || wall_s <= 0 ||
        secs <= wall_s * 1.01 + 0.001)
        return 0;
    mpb_fmt(why, len,
            "workload output mpbench-ops_s: '%s' seconds of timed work in a run that lasted "
            "%.6f s (mpbench's monotonic clock): the workload's clock jumped (a wall clock "
            "changed during the run?) or the figure is wrong",
            w->ops_s, wall_s);
    w->ops_s[0] = '\0';
    return -1;
}

void mpb_wlout_count_of(const char *line, const void *mv, size_t nm, char *out, size_t len) {
    const regmatch_t *m = mv;
    regoff_t so = m[0].rm_so, eo = m[0].rm_eo;
    if (nm > 1 && m[1].rm_so >= 0)
        so = m[1].rm_so, eo = m[1].rm_eo;
    while (so < eo && (line[so] < '0' || line[so] > '9'))
        so++;
    size_t j = 0;
    for (regoff_t i = so; i < eo && j + 1 < len; i++) {
        if (line[i] >= '0' && line[i] <= '9')
            out[j++] = line[i];
        else if (!strchr(",_'", line[i]) || i + 1 >= eo || line[i + 1] < '0' || line[i + 1] > '9')
            break;
    }
    out[j] = '\0';
}

/* An --ops-from match on line (the last one wins). */
static void match_ops(mpb_wlout_t *w, const char *line) {
    regmatch_t m[2];
    if (w->ops_re && regexec(w->ops_re, line, 2, m, 0) == 0) {
        char count[32];
        mpb_wlout_count_of(line, m, 2, count, sizeof count);
        if (count[0])
            mpb_copy(w->ops_match, sizeof w->ops_match, count);
    }
}

static void handle_line(mpb_wlout_t *w, char *line) {
    match_ops(w, line);
    if (strncmp(line, "mpbench-", 8) != 0)
        return;
    char *key = line + 8, *colon = strchr(key, ':');
    if (!colon)
        return;
    *colon = '\0';
    char *val = colon + 1 + strspn(colon + 1, " \t");
    val[strcspn(val, "\r\n")] = '\0';
    char clean[256];
    copy_value(clean, sizeof clean, val);
    if (key_is(key, "ops_s")) /* kept, and shown in extra too */
        keep_number(w, "ops_s", w->ops_s, sizeof w->ops_s, val);
    if (key_is(key, "ops"))
        keep_number(w, "ops", w->ops, sizeof w->ops, val);
    else if (key_is(key, "live_peak_bytes"))
        keep_number(w, "live_peak_bytes", w->live_peak_bytes, sizeof w->live_peak_bytes, val);
    else if (key_is(key, "rss_after_kb"))
        keep_number(w, "rss_after_kb", w->rss_after_kb, sizeof w->rss_after_kb, val);
    else if (strlen(w->extra) + strlen(key) + strlen(clean) + 3 < sizeof w->extra) {
        char k[128];
        copy_value(k, sizeof k, key);
        size_t n = strlen(w->extra);
        mpb_fmt(w->extra + n, sizeof w->extra - n, "%s%s=%s", n ? ";" : "", k, clean);
    }
}

void mpb_wlout_feed(mpb_wlout_t *w, const char *buf, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            w->line[w->len] = '\0';
            handle_line(w, w->line);
            w->len = 0;
        } else if (w->len + 1 < sizeof w->line) {
            w->line[w->len++] = buf[i];
        }
    }
}

void mpb_wlout_finish(mpb_wlout_t *w) {
    if (w->len) {
        w->line[w->len] = '\0';
        handle_line(w, w->line);
        w->len = 0;
    }
    if (!w->ops[0] && w->ops_match[0])
        mpb_copy(w->ops, sizeof w->ops, w->ops_match);
}
