/* mpalloc compile-time tunables: the one place every knob lives.
 * Each tunable is `#ifndef MPA_X / #define MPA_X default`, documented with its
 * range and effect. Build a variant with `make variant NAME=x FLAGS='-DMPA_X=v'`;
 * `mpbench sweep --list` reads this file, so keep the comment format:
 *   /+ meaning; range: lo..hi; unit +/  (one line, directly above the #ifndef). */
#ifndef MPA_TUNABLES_H
#define MPA_TUNABLES_H

/* (Default 2 until issue 23: requests just above a class boundary, 65 B ..
 * 256 KiB + 1, took 1.220x their size in RSS, 1.344x at worst (wl-class-waste);
 * with 3, 1.130x and 1.246x (the 65 B case: 80 B, the 16-byte alignment), glibc
 * 1.042x, tcmalloc 1.152x, jemalloc 1.203x. Its cost, more partly used slabs,
 * is paid back by slabs linked a page at a time (core.c): results/sweep-lean-classes
 * (peak RSS over 13 workloads, geomean 0.98-1.00 for every grid point).) */
/* size-class granularity: classes per power of two = 2^bits (below 2^MPA_MEDIUM_BITS); range: 0..4; bits */
#ifndef MPA_MANTISSA_BITS
#define MPA_MANTISSA_BITS 3
#endif

/* (3 as below it: with 2 from 16 KiB up the class-waste mean was 1.143x, too near
 * the 1.15x goal, for no gain in peak RSS elsewhere: results/sweep-lean-classes.) */
/* classes per power of two from 2^MPA_MEDIUM_BITS up = 2^bits; range: 0..4; bits */
#ifndef MPA_MEDIUM_MANTISSA_BITS
#define MPA_MEDIUM_MANTISSA_BITS 3
#endif

/* where the medium granularity starts = 2^bits (MPA_MAX_SMALL_BITS: nowhere); range: 7..20; bits */
#ifndef MPA_MEDIUM_BITS
#define MPA_MEDIUM_BITS 14
#endif

/* smallest object and alignment of every object = 2^bits; range: 4..6; bits */
#ifndef MPA_MIN_ALLOC_BITS
#define MPA_MIN_ALLOC_BITS 4
#endif

/* largest size served from slabs = 2^bits, larger goes to the backend; range: 10..20; bits */
#ifndef MPA_MAX_SMALL_BITS
#define MPA_MAX_SMALL_BITS 16
#endif

/* PAL page size: granularity of commit and decommit = 2^bits; range: 12..21; bits */
#ifndef MPA_PAGE_BITS
#define MPA_PAGE_BITS 12
#endif

/* chunk = pagemap granule and smallest slab = 2^bits; range: 14..21; bits */
#ifndef MPA_CHUNK_BITS
#define MPA_CHUNK_BITS 14
#endif

/* objects a slab holds at least (slab = max(chunk, pow2(objects * size))); range: 1..64; objects */
#ifndef MPA_SLAB_MIN_OBJECTS
#define MPA_SLAB_MIN_OBJECTS 4
#endif

/* a slab is doubled (once, see MPA_SLAB_FIT_MAX_BITS) when the tail its objects leave is over 1/2^bits of it (0: never); range: 0..8; bits */
#ifndef MPA_SLAB_TAIL_BITS
#define MPA_SLAB_TAIL_BITS 4
#endif

/* largest slab that MPA_SLAB_TAIL_BITS doubles to = 2^bits; range: 14..21; bits */
#ifndef MPA_SLAB_FIT_MAX_BITS
#define MPA_SLAB_FIT_MAX_BITS 16
#endif

/* bytes of remote frees cached before they are posted to their owners = 2^bits; range: 10..24; bits */
#ifndef MPA_REMOTE_BATCH_BITS
#define MPA_REMOTE_BATCH_BITS 16
#endif

/* buckets (by owner) in the remote cache = 2^bits; range: 0..10; bits */
#ifndef MPA_REMOTE_SLOTS_BITS
#define MPA_REMOTE_SLOTS_BITS 8
#endif

/* bytes of remote messages an owner drains per slow path = 2^bits; range: 12..30; bits */
#ifndef MPA_DRAIN_MAX_BITS
#define MPA_DRAIN_MAX_BITS 20
#endif

/* address space reserved from the platform at a time = 2^bits; range: 22..36; bits */
#ifndef MPA_REGION_BITS
#define MPA_REGION_BITS 30
#endif

/* (Each boundary between committed and reserved ranges is a kernel mapping:
 * large granules keep the count small.) */
/* reserved ranges are committed this much at a time, free ranges this large go back to reserved = 2^bits; range: 14..30; bits */
#ifndef MPA_COMMIT_GRANULE_BITS
#define MPA_COMMIT_GRANULE_BITS 21
#endif

/* (A large object mapped alone to the page, not the chunk, leaves an unmapped
 * gap before the next one: a kernel mapping of its own. Under a limit of L
 * bytes only objects of at least L >> bits are so mapped, so that at most
 * 2^bits such mappings live at once: a quarter of the default
 * vm.max_map_count.) */
/* under a limit, a large object is mapped to the page, not the chunk, when at least limit >> bits and the chunk would waste over 1/16 of it (at most 2^bits such mappings); range: 10..20; bits */
#ifndef MPA_PAGE_MAPPED_BITS
#define MPA_PAGE_MAPPED_BITS 14
#endif

/* heap window (map: 1/512 of it) when the whole-address-space pagemap is refused = 2^bits; range: 32..46; bits */
#ifndef MPA_PM_WINDOW_BITS
#define MPA_PM_WINDOW_BITS 40
#endif

/* (Default 25 until results/sweep-page: 28 ran large and phase 22-67% faster
 * at the same peak RSS; decay still gives the memory back.) */
/* freed-but-committed bytes the backend keeps for reuse before decommitting = 2^bits; range: 0..34; bits */
#ifndef MPA_DIRTY_MAX_BITS
#define MPA_DIRTY_MAX_BITS 28
#endif

/* (Trade: wl-sqlite -s 0.5 peak RSS 16.9 -> 16.4 MB; a minimum of 1 MiB, not
 * 4 MiB: sqlite's dirty cache held 3.6 MB at its peak. Old generation only:
 * see backend.c, trade_dirty.) */
/* the backend commits fresh memory while its dirty cache holds over 1/2^bits of the bytes in use: as many dirty bytes are decommitted (64: never); range: 0..64; bits */
#ifndef MPA_DIRTY_TRADE_BITS
#define MPA_DIRTY_TRADE_BITS 3
#endif

/* ... and over 2^bits bytes; range: 0..34; bits */
#ifndef MPA_DIRTY_TRADE_MIN_BITS
#define MPA_DIRTY_TRADE_MIN_BITS 20
#endif

/* (Slack: results/sweep-lean-large; 1/64 made wl-sliding-window 8% leaner than
 * 1/8 but cost it 8-15% more CPU in madvise and page faults.) */
/* pages a reused block keeps resident past its large object's end (left by a larger tenant) are at most 1/2^bits of the live large bytes (or 2^MPA_LARGE_SLACK_MIN_BITS); more is decommitted; range: 0..16; bits */
#ifndef MPA_LARGE_SLACK_BITS
#define MPA_LARGE_SLACK_BITS 3
#endif

/* ... and at least 2^bits bytes may stay; range: 0..30; bits */
#ifndef MPA_LARGE_SLACK_MIN_BITS
#define MPA_LARGE_SLACK_MIN_BITS 20
#endif

/* age after which cached freed memory is decommitted; range: 0..60000; ms */
#ifndef MPA_DECAY_MS
#define MPA_DECAY_MS 250
#endif

/* idle purger: a background thread gives cached memory back within ~2 decay periods (env MPALLOC_PURGER=0 turns it off); range: 0..1; flag */
#ifndef MPA_PURGER
#define MPA_PURGER 1
#endif

/* (Default 1 until hot reuse: a thread's fast list already buffers its class, and with it
 * a kept empty slab of a large class (up to 256 KiB) stayed beside a list's last object:
 * wl-pairs -s 0.2 peak RSS 12.2 -> 10.3 MB at 0; returned slabs go to the core's chunk cache.) */
/* empty slabs an allocator keeps per size class before returning them; range: 0..64; slabs */
#ifndef MPA_EMPTY_SLABS_KEEP
#define MPA_EMPTY_SLABS_KEEP 0
#endif

/* a thread's fast list of a class (where its own frees go, hot for the next malloc) holds at most this many slabs' worth of objects; range: 1..16; slabs */
#ifndef MPA_FAST_HOLD_SLABS
#define MPA_FAST_HOLD_SLABS 2
#endif

/* ... and at most this many bytes of objects (at least one object) = 2^bits; range: 12..24; bits */
#ifndef MPA_FAST_HOLD_MAX_BITS
#define MPA_FAST_HOLD_MAX_BITS 14
#endif

/* (8 MiB kept: 2 MiB gave wl-realloc 15-20% less peak RSS but wl-mixed-sizes
 * 70x the global-backend lock acquisitions (22,500 per 1M calls, not 320):
 * results/sweep-lean-classes, sweep-lean-large.) */
/* bytes of freed chunks (slabs, medium objects) each core keeps for itself = 2^bits; range: 16..30; bits */
#ifndef MPA_CORE_CACHE_BITS
#define MPA_CORE_CACHE_BITS 23
#endif

/* largest block a core's chunk cache holds = 2^bits (bigger go straight to the backend); range: 14..30; bits */
#ifndef MPA_CORE_CACHE_MAX_BITS
#define MPA_CORE_CACHE_MAX_BITS 20
#endif

/* blocks of one size a core's chunk cache holds; range: 2..64; blocks */
#ifndef MPA_CORE_CACHE_SLOTS
#define MPA_CORE_CACHE_SLOTS 16
#endif

/* hardened mode: 0 fast, 1 checked (encoded free lists, canaries, double/invalid free, quarantined large blocks), 2 debug (checked plus poisoning, quarantine, guard pages); range: 0..2; level */
#ifndef MPA_CHECKED
#define MPA_CHECKED 0
#endif

/* bytes of freed medium and large objects each thread of the checked build holds back before reuse = 2^bits (the newest is held whatever its size up to 4x that, alone if larger); range: 16..34; bits */
#ifndef MPA_QUARANTINE_BITS
#define MPA_QUARANTINE_BITS 20
#endif

/* statistics counters for mpa_stats_json (0 compiles them away); range: 0..1; flag */
#ifndef MPA_STATS
#define MPA_STATS 1
#endif

/* internal assertions: 0 none, 1 cheap, 2 expensive, 3 paranoid; range: 0..3; level */
#ifndef MPA_DEBUG
#define MPA_DEBUG 0
#endif

/* ---- derived values ---- */
#define MPA_MIN_ALLOC     ((size_t)1 << MPA_MIN_ALLOC_BITS)
#define MPA_MAX_SMALL     ((size_t)1 << MPA_MAX_SMALL_BITS)
#define MPA_PAGE_SIZE     ((size_t)1 << MPA_PAGE_BITS)
#define MPA_CHUNK_SIZE    ((size_t)1 << MPA_CHUNK_BITS)
#define MPA_REMOTE_BATCH  ((size_t)1 << MPA_REMOTE_BATCH_BITS)
#define MPA_REMOTE_SLOTS  ((size_t)1 << MPA_REMOTE_SLOTS_BITS)
#define MPA_DRAIN_MAX     ((size_t)1 << MPA_DRAIN_MAX_BITS)
#define MPA_REGION_SIZE   ((size_t)1 << MPA_REGION_BITS)
#define MPA_DIRTY_MAX     ((size_t)1 << MPA_DIRTY_MAX_BITS)
#define MPA_CORE_CACHE    ((size_t)1 << MPA_CORE_CACHE_BITS)
#define MPA_FAST_HOLD_MAX ((size_t)1 << MPA_FAST_HOLD_MAX_BITS)
#define MPA_QUARANTINE    ((size_t)1 << MPA_QUARANTINE_BITS)
#define MPA_SLACK_MIN     ((size_t)1 << MPA_LARGE_SLACK_MIN_BITS)
/* Bytes every small object of a hardened build keeps after its requested
 * size at least: the keyed code of its slack, in the top bytes of its last
 * word (checked.c); 2 while the slack of a small class fits 16 bits. */
#define MPA_TRAILER (MPA_CHECKED ? (MPA_MAX_SMALL_BITS > 16 ? 4 : 2) : 0)
/* The debug build: the malloc API goes through debug.c. */
#define MPA_DEBUG_HEAP (MPA_CHECKED >= 2)

/* ---- invalid combinations ---- */
#if MPA_MANTISSA_BITS < 0 || MPA_MANTISSA_BITS > 4
#error "MPA_MANTISSA_BITS must be 0..4 (classes per power of two = 2^bits)"
#endif
#if MPA_MEDIUM_MANTISSA_BITS < 0 || MPA_MEDIUM_MANTISSA_BITS > 4
#error "MPA_MEDIUM_MANTISSA_BITS must be 0..4 (classes per power of two = 2^bits)"
#endif
#if MPA_MEDIUM_BITS < MPA_MIN_ALLOC_BITS + MPA_MANTISSA_BITS ||        \
    MPA_MEDIUM_BITS < MPA_MIN_ALLOC_BITS + MPA_MEDIUM_MANTISSA_BITS || \
    MPA_MEDIUM_BITS > MPA_MAX_SMALL_BITS
#error \
    "MPA_MEDIUM_BITS must lie between MPA_MIN_ALLOC_BITS + the mantissa bits and MPA_MAX_SMALL_BITS"
#endif
#if MPA_MIN_ALLOC_BITS < 4 || MPA_MIN_ALLOC_BITS > 6
#error \
    "MPA_MIN_ALLOC_BITS must be 4..6: objects hold a free-list link and malloc's 16-byte alignment"
#endif
#if MPA_MAX_SMALL_BITS < 10 || MPA_MAX_SMALL_BITS > 20
#error "MPA_MAX_SMALL_BITS must be 10..20"
#endif
#if MPA_MAX_SMALL_BITS <= MPA_MIN_ALLOC_BITS + MPA_MANTISSA_BITS
#error "MPA_MAX_SMALL_BITS must exceed MPA_MIN_ALLOC_BITS + MPA_MANTISSA_BITS"
#endif
#if MPA_PAGE_BITS < 12 || MPA_PAGE_BITS > 21
#error "MPA_PAGE_BITS must be 12..21 (4 KiB .. 2 MiB)"
#endif
#if MPA_CHUNK_BITS < 14 || MPA_CHUNK_BITS > 21
#error "MPA_CHUNK_BITS must be 14..21"
#endif
#if MPA_CHUNK_BITS < MPA_PAGE_BITS
#error "MPA_CHUNK_BITS must be at least MPA_PAGE_BITS: a chunk is committed in whole pages"
#endif
#if MPA_COMMIT_GRANULE_BITS < MPA_CHUNK_BITS || MPA_COMMIT_GRANULE_BITS > MPA_REGION_BITS
#error "MPA_COMMIT_GRANULE_BITS must be MPA_CHUNK_BITS..MPA_REGION_BITS"
#endif
#if MPA_SLAB_MIN_OBJECTS < 1 || MPA_SLAB_MIN_OBJECTS > 64
#error "MPA_SLAB_MIN_OBJECTS must be 1..64"
#endif
#if MPA_SLAB_TAIL_BITS < 0 || MPA_SLAB_TAIL_BITS > 8
#error "MPA_SLAB_TAIL_BITS must be 0..8"
#endif
#if MPA_SLAB_FIT_MAX_BITS < 14 || MPA_SLAB_FIT_MAX_BITS > 21
#error "MPA_SLAB_FIT_MAX_BITS must be 14..21"
#endif
#if MPA_SLAB_FIT_MAX_BITS > MPA_MAX_SMALL_BITS + 6
#error "MPA_SLAB_FIT_MAX_BITS must not exceed the largest slab, MPA_MAX_SMALL_BITS + 6"
#endif
#if MPA_REMOTE_BATCH_BITS < 10 || MPA_REMOTE_BATCH_BITS > 24
#error "MPA_REMOTE_BATCH_BITS must be 10..24"
#endif
#if MPA_REMOTE_SLOTS_BITS < 0 || MPA_REMOTE_SLOTS_BITS > 10
#error "MPA_REMOTE_SLOTS_BITS must be 0..10"
#endif
#if MPA_DRAIN_MAX_BITS < 12 || MPA_DRAIN_MAX_BITS > 30
#error "MPA_DRAIN_MAX_BITS must be 12..30"
#endif
#if MPA_REGION_BITS < 22 || MPA_REGION_BITS > 36
#error "MPA_REGION_BITS must be 22..36"
#endif
#if MPA_PM_WINDOW_BITS < 32 || MPA_PM_WINDOW_BITS > 46
#error "MPA_PM_WINDOW_BITS must be 32..46"
#endif
#if MPA_REGION_BITS < MPA_MAX_SMALL_BITS + 6
#error "MPA_REGION_BITS too small: a region must hold the largest slab (MPA_MAX_SMALL_BITS + 6)"
#endif
#if MPA_DIRTY_MAX_BITS < 0 || MPA_DIRTY_MAX_BITS > 34
#error "MPA_DIRTY_MAX_BITS must be 0..34"
#endif
#if MPA_DIRTY_TRADE_BITS < 0 || MPA_DIRTY_TRADE_BITS > 64
#error "MPA_DIRTY_TRADE_BITS must be 0..64"
#endif
#if MPA_DIRTY_TRADE_MIN_BITS < 0 || MPA_DIRTY_TRADE_MIN_BITS > 34
#error "MPA_DIRTY_TRADE_MIN_BITS must be 0..34"
#endif
#if MPA_LARGE_SLACK_BITS < 0 || MPA_LARGE_SLACK_BITS > 16
#error "MPA_LARGE_SLACK_BITS must be 0..16"
#endif
#if MPA_LARGE_SLACK_MIN_BITS < 0 || MPA_LARGE_SLACK_MIN_BITS > 30
#error "MPA_LARGE_SLACK_MIN_BITS must be 0..30"
#endif
#if MPA_DECAY_MS < 0 || MPA_DECAY_MS > 60000
#error "MPA_DECAY_MS must be 0..60000"
#endif
#if MPA_PURGER != 0 && MPA_PURGER != 1
#error "MPA_PURGER must be 0 or 1"
#endif
#if MPA_EMPTY_SLABS_KEEP < 0 || MPA_EMPTY_SLABS_KEEP > 64
#error "MPA_EMPTY_SLABS_KEEP must be 0..64"
#endif
#if MPA_FAST_HOLD_SLABS < 1 || MPA_FAST_HOLD_SLABS > 16
#error "MPA_FAST_HOLD_SLABS must be 1..16"
#endif
#if MPA_FAST_HOLD_MAX_BITS < 12 || MPA_FAST_HOLD_MAX_BITS > 24
#error "MPA_FAST_HOLD_MAX_BITS must be 12..24"
#endif
#if MPA_CORE_CACHE_BITS < 16 || MPA_CORE_CACHE_BITS > 30
#error "MPA_CORE_CACHE_BITS must be 16..30"
#endif
#if MPA_CORE_CACHE_MAX_BITS < MPA_CHUNK_BITS || MPA_CORE_CACHE_MAX_BITS > MPA_CORE_CACHE_BITS
#error "MPA_CORE_CACHE_MAX_BITS must lie between MPA_CHUNK_BITS and MPA_CORE_CACHE_BITS"
#endif
#if MPA_CORE_CACHE_SLOTS < 2 || MPA_CORE_CACHE_SLOTS > 64
#error "MPA_CORE_CACHE_SLOTS must be 2..64"
#endif
#if MPA_CHECKED < 0 || MPA_CHECKED > 2
#error "MPA_CHECKED must be 0 (fast), 1 (checked) or 2 (debug)"
#endif
#if MPA_PAGE_MAPPED_BITS < 10 || MPA_PAGE_MAPPED_BITS > 20
#error "MPA_PAGE_MAPPED_BITS must be 10..20"
#endif
#if MPA_QUARANTINE_BITS < 16 || MPA_QUARANTINE_BITS > 34
#error "MPA_QUARANTINE_BITS must be 16..34"
#endif
#if MPA_STATS != 0 && MPA_STATS != 1
#error "MPA_STATS must be 0 or 1"
#endif
#if MPA_DEBUG < 0 || MPA_DEBUG > 3
#error "MPA_DEBUG must be 0..3"
#endif

#endif /* MPA_TUNABLES_H */
