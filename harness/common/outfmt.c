/* Output helpers behind outfmt.h: number formatting for CSV files (exact
 * enough to recompute from) and for people (short, with k/M/G), safe file
 * names and path joining for the files of a results folder. */
#include "common/outfmt.h"
#include "common/util.h"

#include <math.h>
#include <string.h>

mpb_num_t mpb_fmt_num(double v) {
    mpb_num_t n = {""};
    if (isnan(v))
        return n;
    if (fabs(v) >= 1e5 && fabs(v) < 1e15)
        snprintf(n.s, sizeof n.s, "%.0f", v); /* counts: all digits, no 1e+06 */
    else
        snprintf(n.s, sizeof n.s, "%.6g", v);
    return n;
}

mpb_num_t mpb_fmt_human(double v) {
    static const char suffix[] = {'k', 'M', 'G', 'T'};
    mpb_num_t n = {"-"};
    double a = fabs(v);
    if (isnan(v))
        return n;
    if (a < 1e4) {
        snprintf(n.s, sizeof n.s, a >= 100 || a == 0 ? "%.0f" : "%#.3g", v);
        return n;
    }
    int i = 0;
    for (v /= 1e3, a /= 1e3; a >= 1e3 && i < 3; i++)
        v /= 1e3, a /= 1e3;
    snprintf(n.s, sizeof n.s, a >= 100 ? "%.0f%c" : "%#.3g%c", v, suffix[i]);
    return n;
}

mpb_num_t mpb_fmt_ratio(double r) {
    mpb_num_t n = {"-"};
    if (!isnan(r))
        snprintf(n.s, sizeof n.s, r >= 0.1 && r < 100 ? "%.2f" : "%.3g", r);
    return n;
}

const char *mpb_safe_name(const char *s, char *buf, size_t len) {
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        buf[i] = ok ? c : '_';
    }
    buf[i] = '\0';
    return buf;
}

const char *mpb_path(char *buf, size_t len, const char *dir, const char *name) {
    snprintf(buf, len, "%s/%s", dir, name);
    return buf;
}

int mpb_parse_dir(int argc, char **argv, const char *help, const char **dir) {
    int first, rc = mpb_parse_help_only(argc, argv, help, &first);
    if (rc >= 0)
        return rc == 0 ? 1 : rc;
    if (argc - first != 1) {
        fprintf(stderr, "mpbench %s: one results folder is needed\n", argv[0]);
        fputs(help, stderr);
        return 2;
    }
    *dir = argv[first];
    return 0;
}
