/* measure/wlout.c, table-driven: what a workload's `mpbench-<key>: <value>`
 * lines become (ops, ops_s, live_peak_bytes, rss_after_kb, the extra
 * column), fed whole and in pieces of every size (output arrives through a
 * pipe in arbitrary chunks), and what mpb_wlout_check refuses: repeated keys
 * with another value, values that are not counts or durations, and lines
 * too long to be counts. */
#include <criterion/criterion.h>
#include <string.h>

#include "measure/wlout.h"

typedef struct wl_case {
    const char *out;                      /* the workload's stdout */
    const char *ops, *ops_s, *live, *rss; /* expected after check ("" none) */
    const char *extra;                    /* expected extra column */
    int check;                            /* mpb_wlout_check's return */
    const char *why;                      /* substring of the reason, or NULL */
} wl_case_t;

static const wl_case_t cases[] = {
    {"mpbench-ops: 1000\n", "1000", "", "", "", "", 0, NULL},
    {"noise\nmpbench-ops: 42\nmore noise\n", "42", "", "", "", "", 0, NULL},
    {"mpbench-ops: 7", "7", "", "", "", "", 0, NULL}, /* last line without a newline */
    {"mpbench-ops:\t  12  \r\n", "12", "", "", "", "", 0, NULL},
    {"mpbench-live-peak-bytes: 4096\nmpbench-rss_after_kb: 100\n", "", "", "4096", "100", "", 0,
     NULL},
    {"mpbench-ops: 10\nmpbench-ops_s: 0.25\n", "10", "0.25", "", "", "ops_s=0.25", 0, NULL},
    {"mpbench-threads-seen: 4\nmpbench-note: a,b;c=d\n", "", "", "", "", "threads-seen=4;note=abcd",
     0, NULL},
    {"mpbench-ops: 10\nmpbench-ops: 10\n", "10", "", "", "", "", 0, NULL}, /* same value again */
    {"mpbench-ops: 10\nmpbench-ops: 11\n", "", "", "", "", "", -1, "repeats the key"},
    {"mpbench-ops: -5\n", "", "", "", "", "", -1, "not a whole number"},
    {"mpbench-ops: 1e6\n", "", "", "", "", "", -1, "not a whole number"},
    {"mpbench-ops: 1234567890123456789\n", "", "", "", "", "", -1, "not a whole number"},
    {"mpbench-ops: 123456789012345678901234567890123\n", "", "", "", "", "", -1, "too long"},
    {"mpbench-ops: 5\nmpbench-ops_s: 0\n", "5", "", "", "", "ops_s=0", -1, "seconds above 0"},
    {"mpbench-ops: 5\nmpbench-ops_s: 1.2.3\n", "5", "", "", "", "ops_s=1.2.3", -1, "seconds"},
    {"xmpbench-ops: 5\nmpbench-ops 5\n", "", "", "", "", "", 0, NULL}, /* not the format */
};

/* Feeds c->out in pieces of `piece` bytes (0: whole) and checks the result. */
static void run_case(const wl_case_t *c, size_t piece) {
    mpb_wlout_t w;
    mpb_wlout_init(&w);
    size_t n = strlen(c->out);
    for (size_t i = 0; i < n; i += piece ? piece : n)
        mpb_wlout_feed(&w, c->out + i, piece && i + piece < n ? piece : n - i);
    mpb_wlout_finish(&w);
    char why[256] = "";
    int rc = mpb_wlout_check(&w, why, sizeof why);
    cr_assert_eq(rc, c->check, "[%s] piece %zu: check %d (%s)", c->out, piece, rc, why);
    if (c->why)
        cr_assert(strstr(why, c->why), "[%s] reason '%s' lacks '%s'", c->out, why, c->why);
    cr_assert_str_eq(w.ops, c->ops, "[%s] piece %zu", c->out, piece);
    cr_assert_str_eq(w.ops_s, c->ops_s, "[%s] piece %zu", c->out, piece);
    cr_assert_str_eq(w.live_peak_bytes, c->live, "[%s]", c->out);
    cr_assert_str_eq(w.rss_after_kb, c->rss, "[%s]", c->out);
    cr_assert_str_eq(w.extra, c->extra, "[%s]", c->out);
}

Test(wlout, table) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const wl_case_t *c = &cases[i];
        for (size_t piece = 0; piece <= 7; piece++)
            run_case(c, piece);
    }
}

Test(wlout, long_line_is_cut_not_overflowed) {
    mpb_wlout_t w;
    mpb_wlout_init(&w);
    char big[4000];
    memset(big, 'x', sizeof big);
    mpb_wlout_feed(&w, big, sizeof big);
    mpb_wlout_feed(&w, "\nmpbench-ops: 3\n", 16);
    mpb_wlout_finish(&w);
    cr_assert_str_eq(w.ops, "3", "a line longer than the buffer does not swallow the next");
}

/* mpbench-ops_s against the run's own wall time: timed work lies inside the
 * run, so more seconds than it lasted (a wall clock set forward during a
 * redis-benchmark run) is refused; within 1% + 1 ms is clock noise. */
Test(wlout, ops_s_longer_than_the_run) {
    static const struct {
        const char *ops_s;
        double wall;
        int rc;
    } t[] = {{"0.25", 0.3, 0},    {"0.3", 0.3, 0},     {"0.3025", 0.3, 0}, {"0.31", 0.3, -1},
             {"100", 0.0026, -1}, {"3600.5", 2.0, -1}, {"", 0.1, 0}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        mpb_wlout_t w;
        char why[512] = "";
        mpb_wlout_init(&w);
        strcpy(w.ops_s, t[i].ops_s);
        int rc = mpb_wlout_check_time(&w, t[i].wall, why, sizeof why);
        cr_assert_eq(rc, t[i].rc, "ops_s %s in a %.4f s run: %d (%s)", t[i].ops_s, t[i].wall, rc,
                     why);
        if (rc) {
            cr_assert(strstr(why, "mpbench-ops_s") && strstr(why, "clock"), "%s", why);
            cr_assert_str_eq(w.ops_s, "", "a refused ops_s is emptied");
        }
    }
}
