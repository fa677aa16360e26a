/* Just enough ELF reading for the runner's provenance checks: is a file a
 * shared library of this machine's kind, does it export malloc, and is a
 * workload dynamically linked (LD_PRELOAD has no effect on a static one). */
#ifndef MPB_ELFINFO_H
#define MPB_ELFINFO_H

#include <stddef.h>

typedef struct mpb_elf {
    int elf;            /* 1: an ELF file */
    int native;         /* 1: this machine's class, byte order and machine */
    int shared;         /* 1: ET_DYN (shared library or PIE) */
    int interp;         /* 1: has PT_INTERP (dynamically linked program) */
    int dynamic;        /* 1: has PT_DYNAMIC */
    int exports_malloc; /* 1: .dynsym defines a global or weak `malloc` */
} mpb_elf_t;

/* Reads path's ELF headers and dynamic symbols into e. Returns 0, or -1
 * when the file cannot be read (errno set). A non-ELF file is 0 with
 * e->elf == 0. */
int mpb_elf_inspect(const char *path, mpb_elf_t *e);

/* Why the file at path cannot serve as an LD_PRELOAD malloc, into buf
 * ("not an ELF file", "exports no malloc", ...); returns 1 when there is a
 * reason, 0 when it looks like a usable allocator library. */
int mpb_elf_alloc_problem(const char *path, char *buf, size_t len);

/* 1 when path is a statically linked ELF program (LD_PRELOAD cannot act). */
int mpb_elf_is_static(const char *path);

/* Which build a library file is, read without running it: a libmpalloc's
 * build record (its ".mpa_build" section, allocator/src/build_info.c) and
 * any object's GNU build-id note. id is what mpbench-probe reports for the
 * same object from inside a run: "mpa:<build_id>", else "gnu:<hex>", else
 * "" (no way to tell builds apart). */
typedef struct mpb_elf_build {
    char id[96];
    char *record; /* the record's JSON text (malloc'd), or NULL */
} mpb_elf_build_t;

/* Fills b from the file at path. Returns 0, or -1 when it cannot be read
 * (b then empty). Free b->record. */
int mpb_elf_build(const char *path, mpb_elf_build_t *b);

#endif /* MPB_ELFINFO_H */
