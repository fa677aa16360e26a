/* The debug build's malloc API (MPA_CHECKED == 2, debug.c): every object
 * is tracked at its exact requested size between a keyed header and a
 * canary, filled with a pattern when handed out, poisoned and quarantined
 * when freed; objects above a page, malloc(0) and large alignments live
 * between guard pages. The override layer calls these instead of the core
 * when MPA_DEBUG_HEAP is set. */
#ifndef MPA_DEBUG_H
#define MPA_DEBUG_H

#include "core.h"

/* size bytes aligned to align (a power of two >= MPA_MIN_ALLOC), zeroed
 * when zero is set; NULL with errno ENOMEM when none can be had. */
MPA_HIDDEN void *mpa_dbg_alloc(size_t align, size_t size, bool zero);
/* Frees p (NULL: nothing); sized is the size a sized free names, or
 * MPA_SIZE_UNKNOWN. Reports and aborts on any misuse found. */
MPA_HIDDEN void mpa_dbg_free(void *p, size_t sized);
/* Always moves (a new object, copy, free of p). pre: p != NULL. */
MPA_HIDDEN void *mpa_dbg_realloc(void *p, size_t size);
/* The requested size of the live object p. pre: p != NULL. */
MPA_HIDDEN size_t mpa_dbg_usable(const void *p);

/* The live debug object holding address a: its start and requested size
 * (the bounds-checked copies); false when a is in none (other builds: always). */
MPA_HIDDEN bool mpa_dbg_bounds(const void *a, const char **start, size_t *n);

/* Bytes the debug quarantine holds (0 in other builds). */
MPA_HIDDEN size_t mpa_dbg_quarantined_bytes(void);

/* Frees everything the debug quarantine holds (out of memory); true when
 * it held anything. */
MPA_HIDDEN bool mpa_dbg_flush(void);

/* The debug quarantine's lock across fork (stages as mpa_check_fork). */
MPA_HIDDEN void mpa_dbg_fork(mpa_fork_stage_t stage);

/* override.c, for free_sized and C++ sized delete (cxx.c): frees p after
 * checking, in hardened builds, that size is its requested size. */
MPA_HIDDEN void mpa_free_sized_as(void *p, size_t size);

#endif /* MPA_DEBUG_H */
