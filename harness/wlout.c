/* Parsing of the `mpbench-<key>: <value>` lines workloads print. Keys are
 * compared with '-' and '_' treated alike, so `mpbench-live-peak-bytes` and
 * `mpbench-live_peak_bytes` both land in the live_peak_bytes column. Other
 * keys go to the `extra` column; every other line is ignored. */
#include "wlout.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

void mpb_wlout_init(mpb_wlout_t *w)
{
    memset(w, 0, sizeof *w);
}

/* Copies a value, keeping it CSV-harmless (no commas, quotes, ';', '='). */
static void copy_value(char *dst, size_t len, const char *v)
{
    size_t j = 0;
    for (; *v && j + 1 < len; v++)
        if (!strchr(",\";=\r", *v))
            dst[j++] = *v;
    dst[j] = '\0';
}

/* key (already without "mpbench-") with '-' read as '_'. */
static int key_is(const char *key, const char *name)
{
    for (; *key && *name; key++, name++)
        if (*key != *name && !(*key == '-' && *name == '_'))
            return 0;
    return !*key && !*name;
}

static void handle_line(mpb_wlout_t *w, char *line)
{
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
    if (key_is(key, "ops"))
        mpb_copy(w->ops, sizeof w->ops, clean);
    else if (key_is(key, "live_peak_bytes"))
        mpb_copy(w->live_peak_bytes, sizeof w->live_peak_bytes, clean);
    else if (key_is(key, "rss_after_kb"))
        mpb_copy(w->rss_after_kb, sizeof w->rss_after_kb, clean);
    else if (strlen(w->extra) + strlen(key) + strlen(clean) + 3 < sizeof w->extra) {
        char k[128];
        copy_value(k, sizeof k, key);
        size_t n = strlen(w->extra);
        mpb_fmt(w->extra + n, sizeof w->extra - n, "%s%s=%s", n ? ";" : "", k, clean);
    }
}

void mpb_wlout_feed(mpb_wlout_t *w, const char *buf, size_t n)
{
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

void mpb_wlout_finish(mpb_wlout_t *w)
{
    if (w->len) {
        w->line[w->len] = '\0';
        handle_line(w, w->line);
        w->len = 0;
    }
}
