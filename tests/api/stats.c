/* mpa_stats_json, mpalloc's own statistics: a JSON object with at least
 * "live_bytes", "committed_bytes" and "classes", well nested, that grows
 * with a big live set. Skipped when the allocator under test is not mpalloc
 * (a -plain binary run without LD_PRELOAD). */
#include <stdint.h>
#include <stdlib.h>

#include "test_api.h"

static mpa_test_stats_fn need_stats(void) {
    mpa_test_stats_fn fn = mpa_test_stats();
    if (!fn)
        cr_skip_test("not running under mpalloc");
    return fn;
}

/* Returns 1 if braces and brackets outside strings are balanced. */
static int balanced(const char *s) {
    int depth = 0, in_str = 0;
    for (; *s; s++) {
        if (in_str) {
            if (*s == '\\' && s[1])
                s++;
            else if (*s == '"')
                in_str = 0;
        } else if (*s == '"') {
            in_str = 1;
        } else if (*s == '{' || *s == '[') {
            depth++;
        } else if ((*s == '}' || *s == ']') && --depth < 0) {
            return 0;
        }
    }
    return depth == 0 && !in_str;
}

/* Reads the number after "key": in json, or returns -1. */
static double number_of(const char *json, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *k = strstr(json, pat);
    if (!k)
        return -1;
    k = strchr(k + strlen(pat), ':');
    return k ? strtod(k + 1, NULL) : -1;
}

Test(stats, json_has_required_keys) {
    const char *json = need_stats()();
    cr_assert_not_null(json);
    size_t n = strlen(json);
    cr_assert_gt(n, 2);
    cr_assert_eq(json[0], '{', "stats JSON does not start with '{': %.60s", json);
    while (n && (json[n - 1] == '\n' || json[n - 1] == ' '))
        n--;
    cr_assert_eq(json[n - 1], '}', "stats JSON does not end with '}'");
    cr_assert(balanced(json), "stats JSON is not well nested: %.200s", json);
    cr_assert_not_null(strstr(json, "\"live_bytes\""), "no \"live_bytes\" key");
    cr_assert_not_null(strstr(json, "\"committed_bytes\""), "no \"committed_bytes\" key");
    cr_assert_not_null(strstr(json, "\"classes\""), "no \"classes\" key");
}

Test(stats, live_bytes_follow_a_big_live_set) {
    mpa_test_stats_fn fn = need_stats();
    double before = number_of(fn(), "live_bytes");
    cr_assert_geq(before, 0, "live_bytes is not a number");
    enum { N = 256 };
    static void *p[N];
    for (size_t i = 0; i < N; i++) {
        p[i] = malloc(64u << 10);
        cr_assert_not_null(p[i]);
        memset(p[i], 1, 64u << 10);
    }
    double during = number_of(fn(), "live_bytes");
    double committed = number_of(fn(), "committed_bytes");
    for (size_t i = 0; i < N; i++)
        free(p[i]);
    double after = number_of(fn(), "live_bytes");
    cr_assert_geq(during - before, 15.0 * (1 << 20), "live_bytes grew %.0f for 16 MiB live",
                  during - before);
    cr_assert_geq(committed, during, "committed_bytes %.0f < live_bytes %.0f", committed, during);
    cr_assert_lt(after, during - 15.0 * (1 << 20), "live_bytes did not fall after free");
}
