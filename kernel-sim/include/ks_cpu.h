/* Simulated CPUs of the model kernel: one thread pinned per CPU (hwloc), a
 * per-CPU id, spinlocks and "interrupts off" sections. Code inside an irq-off
 * section or holding a spinlock must not block: ks_might_sleep() checks it in
 * debug builds (KS_DEBUG=1). The boot thread is CPU 0 while no CPU work runs. */
#ifndef KS_CPU_H
#define KS_CPU_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#ifndef KS_DEBUG
#define KS_DEBUG 0
#endif

#define KS_MAX_CPUS 64 /* most simulated CPUs; per-CPU arrays are this long */

/* Id of the calling CPU (0 for the boot thread). */
extern __thread int ks_cpu_self;
static inline int ks_cpu_id(void) { return ks_cpu_self; }

/* Depth of irq-off sections and spinlocks held on this CPU (debug checks). */
extern __thread int ks_cpu_atomic_depth;

/* Cores the machine really has (hwloc topology). */
int ks_cpu_cores(void);

/* Starts n simulated CPUs, each a thread pinned to core (i mod cores).
 * n > cores is refused unless oversubscribe is set. Returns 0 or -1. */
int ks_cpus_start(int n, bool oversubscribe);

/* Runs fn(cpu, arg) on every started CPU at once and waits for all. */
void ks_cpus_run(void (*fn)(int cpu, void *arg), void *arg);

/* Number of started CPUs (0 before ks_cpus_start). */
int ks_cpus_online(void);

/* Stops the CPU threads (they exit; per-thread allocator state is handed back). */
void ks_cpus_stop(void);

/* Waits until every started CPU reached the barrier (call from CPU work). */
void ks_cpu_barrier(void);

/* Prints "ks: msg" to stderr without allocating and aborts. */
void ks_panic(const char *msg) __attribute__((noreturn, cold));

#define KS_BUG_ON(cond)                                 \
    do {                                                \
        if (__builtin_expect(!!(cond), 0))              \
            ks_panic("BUG_ON(" #cond ") at " __FILE__); \
    } while (0)

/* Blocking operations call this: a bug inside irq-off or spinlock sections. */
static inline void ks_might_sleep(void) {
    if (KS_DEBUG && ks_cpu_atomic_depth != 0)
        ks_panic("sleeping operation inside an irq-off section or spinlock");
}

/* ---- interrupts off: local_irq_save/restore (include/linux/irqflags.h) ----
 * The model has no interrupts to mask (cli and sti are privileged), but it
 * runs the kernel's own steps: save reads the flags with pushf (stepping over
 * the red zone: user code is not built with -mno-red-zone, as the kernel is)
 * and would then cli; restore tests the saved IF bit and would sti, as
 * arch_local_irq_restore does (the kernel avoids popf, which costs ~43 TSC
 * cycles here against ~5 for this pair). The depth feeds ks_might_sleep() in
 * debug builds. Every allocator's per-CPU path runs inside one (api.c). */
#define KS_EFLAGS_IF 0x200ul /* interrupt-enable bit of RFLAGS */

static inline unsigned long ks_irq_save(void) {
    unsigned long flags = KS_EFLAGS_IF;
#if defined(__x86_64__)
    __asm__ volatile("leaq -128(%%rsp), %%rsp\n\tpushfq\n\tpopq %0\n\tleaq 128(%%rsp), %%rsp"
                     : "=r"(flags)
                     :
                     : "memory");
#endif
    __asm__ volatile("" : : : "memory"); /* cli: a compiler barrier here */
    ks_cpu_atomic_depth++;
    return flags;
}

static inline void ks_irq_restore(unsigned long flags) {
    if (KS_DEBUG && ks_cpu_atomic_depth <= 0)
        ks_panic("irq restore without save");
    ks_cpu_atomic_depth--;
    if (flags & KS_EFLAGS_IF)
        __asm__ volatile("" : : : "memory"); /* sti: a compiler barrier here */
}

/* ---- spinlock: test-and-test-and-set with pause; never sleeps ---- */
typedef struct ks_spinlock {
    atomic_int held; /* 1 while a CPU is inside */
} ks_spinlock_t;

#define KS_SPINLOCK_INIT \
    { 0 }

static inline void ks_spin_lock(ks_spinlock_t *l) {
    ks_cpu_atomic_depth++;
    for (unsigned spins = 0; atomic_exchange_explicit(&l->held, 1, memory_order_acquire);)
        while (atomic_load_explicit(&l->held, memory_order_relaxed))
            if (++spins % 4096 == 0)
                sched_yield(); /* only with more CPUs than cores: a holder was preempted */
            else
                __builtin_ia32_pause();
}

static inline void ks_spin_unlock(ks_spinlock_t *l) {
    atomic_store_explicit(&l->held, 0, memory_order_release);
    ks_cpu_atomic_depth--;
}

#endif /* KS_CPU_H */
