/* glibc's heap reports as monitoring code reads them: mallinfo2, mallinfo,
 * malloc_info(0, FILE *) and malloc_stats report a live set of ~40 MiB
 * (32 MiB of 2 KiB objects, eight 1 MiB buffers) as in use (uordblks +
 * hblkhd, glibc's mmapped chunks counted apart), inside the memory they
 * report as the system's, and the in-use figure falls once it is freed.
 * The same checks hold under glibc (a -plain binary run without LD_PRELOAD),
 * so they test the contract, not mpalloc's own layout. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* open_memstream grows its buffer with the process's malloc: the sanitizer's
 * in the sanitizer builds, where test_api.h maps free to mpa_free. The
 * buffer goes back through the process's free, taken before that mapping. */
static void (*const process_free)(void *) = free;

#include "test_api.h"

#define SMALL  2048
#define NSMALL 16384 /* 32 MiB */
#define NBIG   8
#define BIG    (1u << 20)
#define LIVE   ((size_t)NSMALL * SMALL + (size_t)NBIG * BIG)
#define MIB    (1u << 20)

static void *small_objs[NSMALL], *big_objs[NBIG];

static void make_live_set(void) {
    for (size_t i = 0; i < NSMALL; i++) {
        small_objs[i] = malloc(SMALL);
        cr_assert_not_null(small_objs[i]);
        memset(small_objs[i], 1, SMALL);
    }
    for (size_t i = 0; i < NBIG; i++) {
        big_objs[i] = malloc(BIG);
        cr_assert_not_null(big_objs[i]);
        memset(big_objs[i], 2, BIG);
    }
}

static void free_live_set(void) {
    for (size_t i = 0; i < NSMALL; i++)
        free(small_objs[i]);
    for (size_t i = 0; i < NBIG; i++)
        free(big_objs[i]);
}

/* Live bytes as mallinfo2 tells them. */
static size_t in_use(struct mallinfo2 m) { return m.uordblks + m.hblkhd; }

Test(mallinfo, mallinfo2_reports_live_set) {
    struct mallinfo2 before = mallinfo2();
    make_live_set();
    struct mallinfo2 m = mallinfo2();
    cr_assert_geq(in_use(m), in_use(before) + LIVE * 9 / 10,
                  "uordblks %zu + hblkhd %zu with %zu MiB live (before: %zu)", m.uordblks, m.hblkhd,
                  LIVE / MIB, in_use(before));
    cr_assert_geq(m.arena, m.uordblks, "arena %zu < uordblks %zu", m.arena, m.uordblks);
    cr_assert_eq(m.uordblks + m.fordblks, m.arena, "uordblks %zu + fordblks %zu != arena %zu",
                 m.uordblks, m.fordblks, m.arena);
    cr_assert_leq(m.keepcost, m.arena, "keepcost %zu > arena %zu", m.keepcost, m.arena);
    free_live_set();
    struct mallinfo2 after = mallinfo2();
    cr_assert_leq(in_use(after) + LIVE * 9 / 10, in_use(m),
                  "in use %zu after freeing %zu MiB (was %zu)", in_use(after), LIVE / MIB,
                  in_use(m));
}

Test(mallinfo, mallinfo_agrees_with_mallinfo2) {
    make_live_set();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    struct mallinfo old = mallinfo();
#pragma GCC diagnostic pop
    struct mallinfo2 m = mallinfo2();
    cr_assert_eq((size_t)old.uordblks, m.uordblks, "mallinfo uordblks %d, mallinfo2 %zu",
                 old.uordblks, m.uordblks);
    cr_assert_eq((size_t)old.hblkhd, m.hblkhd, "mallinfo hblkhd %d, mallinfo2 %zu", old.hblkhd,
                 m.hblkhd);
    cr_assert_geq((size_t)old.uordblks + (size_t)old.hblkhd, LIVE * 9 / 10);
    free_live_set();
}

/* The number in `<TAG type="TYPE" ... size="N"/>` after `from` (the last
 * such line before </malloc>: the totals), or -1. */
static long long xml_size(const char *xml, const char *tag, const char *type) {
    char pat[96];
    snprintf(pat, sizeof pat, "<%s type=\"%s\"", tag, type);
    const char *last = NULL;
    for (const char *at = strstr(xml, pat); at != NULL; at = strstr(at + 1, pat))
        last = at;
    if (last == NULL)
        return -1;
    const char *size = strstr(last, "size=\"");
    return size ? atoll(size + 6) : -1;
}

Test(mallinfo, malloc_info_writes_xml) {
    make_live_set();
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    cr_assert_not_null(fp);
    cr_assert_eq(malloc_info(0, fp), 0, "malloc_info(0, fp) failed");
    cr_assert_eq(fclose(fp), 0);
    cr_assert_not_null(buf);
    cr_assert_eq(strncmp(buf, "<malloc version=\"1\">", 20), 0, "malloc_info begins: %.60s", buf);
    cr_assert_not_null(strstr(buf, "</malloc>"), "malloc_info: no </malloc>");
    cr_assert_not_null(strstr(buf, "<heap nr=\"0\">"), "malloc_info: no heap 0");
    long long current = xml_size(buf, "system", "current"), mmap = xml_size(buf, "total", "mmap");
    cr_assert_geq(current, 0, "no <system type=\"current\">: %s", buf);
    cr_assert_geq(mmap, 0, "no <total type=\"mmap\">: %s", buf);
    cr_assert_geq((size_t)(current + mmap), LIVE * 9 / 10,
                  "system current %lld + mmap %lld with %zu MiB live", current, mmap, LIVE / MIB);
    process_free(buf);
    fp = fopen("/dev/null", "w");
    cr_assert_not_null(fp);
    cr_assert_neq(malloc_info(1, fp), 0, "malloc_info with options 1 did not fail");
    fclose(fp);
    free_live_set();
}

/* The number after `key` = in text, after `from`; -1 when missing. */
static long long stat_after(const char *text, const char *from, const char *key) {
    const char *at = strstr(text, from);
    at = at ? strstr(at, key) : NULL;
    at = at ? strchr(at, '=') : NULL;
    return at ? atoll(at + 1) : -1;
}

Test(mallinfo, malloc_stats_prints_totals) {
    make_live_set();
    FILE *tmp = tmpfile();
    cr_assert_not_null(tmp);
    fflush(stderr);
    int saved = dup(2);
    cr_assert_geq(saved, 0);
    dup2(fileno(tmp), 2);
    malloc_stats();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char text[4096] = {0};
    rewind(tmp);
    size_t n = fread(text, 1, sizeof text - 1, tmp);
    fclose(tmp);
    cr_assert_gt(n, 0, "malloc_stats printed nothing to stderr");
    long long system = stat_after(text, "Total (incl. mmap):", "system bytes");
    long long used = stat_after(text, "Total (incl. mmap):", "in use bytes");
    cr_assert_geq(used, (long long)(LIVE * 9 / 10), "in use bytes %lld with %zu MiB live: %s", used,
                  LIVE / MIB, text);
    cr_assert_geq(system, used, "system bytes %lld < in use bytes %lld", system, used);
    free_live_set();
}
