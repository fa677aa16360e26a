/* The microbenchmark's tests and their timing. Every test is a function run
 * by each participating CPU; phases are separated by a spin barrier and
 * timed per CPU with the serialised TSC, then divided by the operations the
 * CPU did. "Operation" is an alloc+free pair, except in remote and one2n,
 * where it is one free (the remote-free path being measured). */
#include "ks_bench.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ks_cpu.h"
#include "ks_kernel.h"
#include "ks_page.h"
#include "ks_sys.h"
#include "ks_vm.h"

#define KS_B_ESCAPE(p) __asm__ volatile("" : : "r"(p) : "memory")
#define KS_B_DEFAULT_N 10000
#define KS_B_BYTES_CAP ((size_t)8 << 20) /* per CPU: stays within the allocators' caches */
#define KS_B_BULK      16

const char *const ks_bench_tests[] = {"pair",   "nthen", "bulk",  "allcpu",
                                      "remote", "one2n", "churn", NULL};

typedef struct ks_b_ctx {
    const ks_bench_spec_t *spec;
    int cpus;
    size_t n;
    void **slots[KS_MAX_CPUS]; /* per-CPU object arrays (libc memory) */
    uint64_t cycles[KS_MAX_CPUS], ops[KS_MAX_CPUS], empty[KS_MAX_CPUS];
    uint64_t bytes[KS_MAX_CPUS]; /* live bytes at the peak, per CPU */
    atomic_int failed;
    atomic_int bar_count, bar_sense;
    ks_bench_row_t *row;
} ks_b_ctx_t;

static void ks_b_barrier(ks_b_ctx_t *c) {
    int sense = !atomic_load(&c->bar_sense);
    if (atomic_fetch_add(&c->bar_count, 1) == c->cpus - 1) {
        atomic_store(&c->bar_count, 0);
        atomic_store(&c->bar_sense, sense);
    } else {
        while (atomic_load(&c->bar_sense) != sense)
            __builtin_ia32_pause();
    }
}

uint64_t ks_bench_resident_pages(void) {
    uintptr_t base;
    size_t size;
    ks_vm_arena(&base, &size);
    size_t n = size >> KS_PAGE_SHIFT;
    unsigned char *vec = malloc(n);
    uint64_t count = 0;
    if (vec && mincore((void *)base, size, vec) == 0)
        for (size_t i = 0; i < n; i++)
            count += vec[i] & 1;
    free(vec);
    return count;
}

/* CPU 0 records memory use at the test's peak (others wait at barriers). */
static void ks_b_sample(ks_b_ctx_t *c, int cpu) {
    ks_b_barrier(c);
    if (cpu == 0) {
        uint64_t live = 0;
        for (int i = 0; i < c->cpus; i++)
            live += c->bytes[i];
        c->row->bytes_live = live;
        c->row->pages_held = ks_bench_resident_pages();
        c->row->frames_mapped = ks_vm_mapped_pages();
    }
    ks_b_barrier(c);
}

/* The empty loop of every test: store n slots, then read them back. */
/* The loop's own cost, in cycles (slots stored and read, no allocator
 * call): the least of 5 runs, so that a preemption inside one (a loaded
 * machine) does not inflate what every op's cost is reduced by. */
static uint64_t ks_b_empty(void **slots, size_t n) {
    uint64_t best = UINT64_MAX;
    for (int run = 0; run < 5; run++) {
        uint64_t t0 = ks_rdtsc();
        for (size_t i = 0; i < n; i++) {
            slots[i] = (void *)i;
            KS_B_ESCAPE(slots[i]);
        }
        for (size_t i = 0; i < n; i++)
            KS_B_ESCAPE(slots[i]);
        uint64_t t = ks_rdtsc() - t0;
        best = t < best ? t : best;
    }
    return best;
}

static uint64_t ks_b_alloc_n(ks_b_ctx_t *c, void **slots, size_t n, size_t size) {
    uint64_t t0 = ks_rdtsc();
    for (size_t i = 0; i < n; i++) {
        slots[i] = kernel_malloc(size);
        KS_B_ESCAPE(slots[i]);
    }
    uint64_t t = ks_rdtsc() - t0;
    for (size_t i = 0; i < n; i++)
        if (!slots[i])
            atomic_store(&c->failed, 1);
    return t;
}

static uint64_t ks_b_free_n(void **slots, size_t n) {
    uint64_t t0 = ks_rdtsc();
    for (size_t i = 0; i < n; i++)
        kernel_free(slots[i]);
    return ks_rdtsc() - t0;
}

/* ---- the tests: fn(ctx, cpu) sets cycles[cpu] and ops[cpu] ---- */

static void ks_t_pair(ks_b_ctx_t *c, int cpu) {
    size_t size = c->spec->size;
    uint64_t t0 = ks_rdtsc();
    for (size_t i = 0; i < c->n; i++) {
        void *p = kernel_malloc(size);
        KS_B_ESCAPE(p);
        if (!p)
            atomic_store(&c->failed, 1);
        kernel_free(p);
    }
    c->cycles[cpu] = ks_rdtsc() - t0;
    c->ops[cpu] = c->n;
    c->bytes[cpu] = 0;
    ks_b_sample(c, cpu);
}

static void ks_t_nthen(ks_b_ctx_t *c, int cpu) {
    uint64_t t = ks_b_alloc_n(c, c->slots[cpu], c->n, c->spec->size);
    c->bytes[cpu] = c->n * c->spec->size;
    ks_b_sample(c, cpu);
    c->cycles[cpu] = t + ks_b_free_n(c->slots[cpu], c->n);
    c->ops[cpu] = c->n;
}

static void ks_t_bulk(ks_b_ctx_t *c, int cpu) {
    void **s = c->slots[cpu];
    uint64_t t = 0;
    for (size_t done = 0; done + KS_B_BULK <= c->n; done += KS_B_BULK) {
        t += ks_b_alloc_n(c, s, KS_B_BULK, c->spec->size);
        t += ks_b_free_n(s, KS_B_BULK);
    }
    c->cycles[cpu] = t;
    c->ops[cpu] = c->n / KS_B_BULK * KS_B_BULK;
    c->bytes[cpu] = 0;
    ks_b_sample(c, cpu);
}

/* Every CPU allocates, then frees its neighbour's objects: all remote. */
static void ks_t_allcpu(ks_b_ctx_t *c, int cpu) {
    uint64_t t = ks_b_alloc_n(c, c->slots[cpu], c->n, c->spec->size);
    c->bytes[cpu] = c->n * c->spec->size;
    ks_b_sample(c, cpu);
    c->cycles[cpu] = t + ks_b_free_n(c->slots[(cpu + 1) % c->cpus], c->n);
    c->ops[cpu] = c->n;
}

/* CPUs 1..n-1 allocate; CPU 0 frees everything (timed: remote frees). */
static void ks_t_remote(ks_b_ctx_t *c, int cpu) {
    if (cpu != 0)
        ks_b_alloc_n(c, c->slots[cpu], c->n, c->spec->size);
    c->bytes[cpu] = cpu ? c->n * c->spec->size : 0;
    ks_b_sample(c, cpu);
    c->ops[cpu] = 0;
    c->cycles[cpu] = 0;
    if (cpu != 0)
        return;
    for (int from = 1; from < c->cpus; from++) {
        c->cycles[0] += ks_b_free_n(c->slots[from], c->n);
        c->ops[0] += c->n;
    }
}

/* CPU 0 allocates for everyone; CPUs 1..n-1 free their share (timed). */
static void ks_t_one2n(ks_b_ctx_t *c, int cpu) {
    if (cpu == 0)
        for (int to = 1; to < c->cpus; to++)
            ks_b_alloc_n(c, c->slots[to], c->n, c->spec->size);
    c->bytes[cpu] = cpu == 0 ? (size_t)(c->cpus - 1) * c->n * c->spec->size : 0;
    ks_b_sample(c, cpu);
    c->ops[cpu] = cpu ? c->n : 0;
    c->cycles[cpu] = cpu ? ks_b_free_n(c->slots[cpu], c->n) : 0;
}

static size_t ks_b_rand_size(uint64_t *x) {
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return (size_t)8 << (*x % 12) | (*x >> 20) % ((size_t)8 << (*x % 12));
}

/* A live set of n mixed sizes (8 B..32 KiB), churned 4n times. */
static void ks_t_churn(ks_b_ctx_t *c, int cpu) {
    void **s = c->slots[cpu];
    size_t *sz = (size_t *)(s + c->n);
    uint64_t x = 0x9e3779b97f4a7c15ull * (uint64_t)(cpu + 1), live = 0;
    for (size_t i = 0; i < c->n; i++)
        live += sz[i] = ks_b_rand_size(&x), s[i] = kernel_malloc(sz[i]);
    uint64_t t0 = ks_rdtsc();
    for (size_t k = 0; k < 4 * c->n; k++) {
        size_t i = (size_t)(x % c->n);
        kernel_free(s[i]);
        live -= sz[i];
        live += sz[i] = ks_b_rand_size(&x);
        if (!(s[i] = kernel_malloc(sz[i])))
            atomic_store(&c->failed, 1);
    }
    c->cycles[cpu] = ks_rdtsc() - t0;
    c->ops[cpu] = 4 * c->n;
    c->bytes[cpu] = live;
    ks_b_sample(c, cpu);
    ks_b_free_n(s, c->n);
}

typedef void (*ks_b_fn)(ks_b_ctx_t *, int);
static const ks_b_fn ks_b_fns[] = {ks_t_pair,   ks_t_nthen, ks_t_bulk, ks_t_allcpu,
                                   ks_t_remote, ks_t_one2n, ks_t_churn};

static ks_b_ctx_t ks_b_cur;
static ks_b_fn ks_b_cur_fn;

static void ks_b_cpu(int cpu, void *arg) {
    ks_b_ctx_t *c = arg;
    if (cpu >= c->cpus)
        return;
    c->empty[cpu] = ks_b_empty(c->slots[cpu], c->n);
    ks_b_barrier(c);
    ks_b_cur_fn(c, cpu);
}

int ks_bench_needs_two(const char *test) {
    return !strcmp(test, "remote") || !strcmp(test, "one2n");
}

static int ks_b_find(const char *test) {
    for (int i = 0; ks_bench_tests[i]; i++)
        if (!strcmp(ks_bench_tests[i], test))
            return i;
    return -1;
}

/* Per-op cost: mean over the CPUs that did operations. */
static void ks_b_finish(ks_b_ctx_t *c, ks_bench_row_t *row) {
    double cyc = 0, emp = 0;
    int k = 0;
    for (int i = 0; i < c->cpus; i++) {
        if (!c->ops[i])
            continue;
        cyc += (double)c->cycles[i] / (double)c->ops[i];
        emp += (double)c->empty[i] / (double)c->n;
        k++;
    }
    row->empty_cycles = k ? emp / k : 0;
    row->cycles_per_op = k ? cyc / k - row->empty_cycles : 0;
    row->ns_per_op = row->cycles_per_op * 1e9 / ks_tsc_hz();
    /* An op that cost no more than the empty loop was not measured (the
     * clock or the machine moved under it): invalid, not a free op. */
    row->status = atomic_load(&c->failed) ? "enomem" : row->cycles_per_op > 0 ? "ok" : "invalid";
}

int ks_bench_run(const ks_bench_spec_t *spec, ks_bench_row_t *row) {
    int t = ks_b_find(spec->test);
    if (t < 0 || spec->cpus < 1 || spec->cpus > ks_cpus_online())
        return -1;
    memset(row, 0, sizeof *row);
    if (ks_bench_needs_two(spec->test) && spec->cpus < 2) {
        row->status = "skipped";
        return 0;
    }
    ks_b_ctx_t *c = &ks_b_cur;
    memset(c, 0, sizeof *c);
    c->spec = spec;
    c->cpus = spec->cpus;
    c->row = row;
    size_t size = spec->size ? spec->size : 8192;
    c->n = spec->nobj ? spec->nobj : KS_B_DEFAULT_N;
    if (c->n * size > KS_B_BYTES_CAP)
        c->n = KS_B_BYTES_CAP / size;
    for (int i = 0; i < c->cpus; i++)
        c->slots[i] = calloc(c->n * 2, sizeof(void *));
    ks_b_cur_fn = ks_b_fns[t];
    ks_cpus_run(ks_b_cpu, c);
    for (int i = 0; i < c->cpus; i++)
        free(c->slots[i]);
    ks_b_finish(c, row);
    return 0;
}
