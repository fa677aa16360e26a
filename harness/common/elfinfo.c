/* ELF inspection for provenance: the file header (class, byte order,
 * machine, type), the program headers (PT_INTERP, PT_DYNAMIC) and the
 * dynamic symbol table (.dynsym through its section header and linked
 * string table), read from a private read-only mapping with every offset
 * bounds-checked, so a truncated or hostile file is only "not usable". */
#include "common/elfinfo.h"
#include "common/util.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if UINTPTR_MAX > 0xffffffffu
#define NATIVE_CLASS ELFCLASS64
typedef Elf64_Ehdr ehdr_t;
typedef Elf64_Phdr phdr_t;
typedef Elf64_Shdr shdr_t;
typedef Elf64_Sym sym_t;
#define SYM_BIND ELF64_ST_BIND
#else
#define NATIVE_CLASS ELFCLASS32
typedef Elf32_Ehdr ehdr_t;
typedef Elf32_Phdr phdr_t;
typedef Elf32_Shdr shdr_t;
typedef Elf32_Sym sym_t;
#define SYM_BIND     ELF32_ST_BIND
#endif

#if defined(__x86_64__)
#define NATIVE_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define NATIVE_MACHINE EM_AARCH64
#elif defined(__i386__)
#define NATIVE_MACHINE EM_386
#elif defined(__powerpc64__)
#define NATIVE_MACHINE EM_PPC64
#elif defined(__riscv)
#define NATIVE_MACHINE EM_RISCV
#elif defined(__s390x__)
#define NATIVE_MACHINE EM_S390
#else
#define NATIVE_MACHINE EM_NONE
#endif

/* 1 when [off, off + n) lies inside a file of size len. */
static int inside(size_t len, size_t off, size_t n) { return off <= len && n <= len - off; }

/* PT_INTERP and PT_DYNAMIC from the program headers. */
static void scan_phdrs(const unsigned char *p, size_t len, const ehdr_t *h, mpb_elf_t *e) {
    if (h->e_phentsize != sizeof(phdr_t) ||
        !inside(len, h->e_phoff, (size_t)h->e_phnum * sizeof(phdr_t)))
        return;
    for (size_t i = 0; i < h->e_phnum; i++) {
        phdr_t ph;
        memcpy(&ph, p + h->e_phoff + i * sizeof ph, sizeof ph);
        e->interp |= ph.p_type == PT_INTERP;
        e->dynamic |= ph.p_type == PT_DYNAMIC;
    }
}

/* Looks for a defined global/weak `malloc` in the SHT_DYNSYM section. */
static void scan_dynsym(const unsigned char *p, size_t len, const ehdr_t *h, mpb_elf_t *e) {
    if (h->e_shentsize != sizeof(shdr_t) ||
        !inside(len, h->e_shoff, (size_t)h->e_shnum * sizeof(shdr_t)))
        return;
    for (size_t i = 0; i < h->e_shnum; i++) {
        shdr_t sh, str;
        memcpy(&sh, p + h->e_shoff + i * sizeof sh, sizeof sh);
        if (sh.sh_type != SHT_DYNSYM || sh.sh_link >= h->e_shnum ||
            !inside(len, sh.sh_offset, sh.sh_size))
            continue;
        memcpy(&str, p + h->e_shoff + sh.sh_link * sizeof str, sizeof str);
        if (!inside(len, str.sh_offset, str.sh_size))
            continue;
        for (size_t k = 0; k < sh.sh_size / sizeof(sym_t); k++) {
            sym_t s;
            memcpy(&s, p + sh.sh_offset + k * sizeof s, sizeof s);
            int bind = SYM_BIND(s.st_info);
            if (s.st_shndx == SHN_UNDEF || (bind != STB_GLOBAL && bind != STB_WEAK) ||
                s.st_name >= str.sh_size)
                continue;
            const char *name = (const char *)p + str.sh_offset + s.st_name;
            if (memchr(name, 0, str.sh_size - s.st_name) && !strcmp(name, "malloc"))
                e->exports_malloc = 1;
        }
    }
}

static void inspect_map(const unsigned char *p, size_t len, mpb_elf_t *e) {
    if (len < EI_NIDENT || memcmp(p, ELFMAG, SELFMAG) != 0)
        return;
    e->elf = 1;
    if (len < sizeof(ehdr_t) || p[EI_CLASS] != NATIVE_CLASS)
        return;
    ehdr_t h;
    memcpy(&h, p, sizeof h);
    int le = p[EI_DATA] == ELFDATA2LSB, host_le = 1;
    host_le = *(const unsigned char *)&host_le;
    e->native = le == host_le && h.e_machine == NATIVE_MACHINE;
    if (!e->native)
        return;
    e->shared = h.e_type == ET_DYN;
    scan_phdrs(p, len, &h, e);
    scan_dynsym(p, len, &h, e);
}

int mpb_elf_inspect(const char *path, mpb_elf_t *e) {
    memset(e, 0, sizeof *e);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    if (st.st_size == 0) {
        close(fd);
        return 0;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return -1;
    inspect_map(map, (size_t)st.st_size, e);
    munmap(map, (size_t)st.st_size);
    return 0;
}

int mpb_elf_alloc_problem(const char *path, char *buf, size_t len) {
    mpb_elf_t e;
    if (mpb_elf_inspect(path, &e) != 0)
        mpb_fmt(buf, len, "cannot read %s: %s", path, strerror(errno));
    else if (!e.elf)
        mpb_fmt(buf, len, "%s is not a shared library (not an ELF file)", path);
    else if (!e.native)
        mpb_fmt(buf, len, "%s is built for another kind of machine (ELF class or machine)", path);
    else if (!e.shared || !e.dynamic)
        mpb_fmt(buf, len, "%s is not a shared library (a static program or object)", path);
    else if (!e.exports_malloc)
        mpb_fmt(buf, len, "%s exports no malloc", path);
    else
        return 0;
    return 1;
}

/* The GNU build-id note among the PT_NOTE segments, as "gnu:<hex>". */
static void scan_build_id(const unsigned char *p, size_t len, const ehdr_t *h, char *id, size_t n) {
    if (h->e_phentsize != sizeof(phdr_t) ||
        !inside(len, h->e_phoff, (size_t)h->e_phnum * sizeof(phdr_t)))
        return;
    for (size_t i = 0; i < h->e_phnum && !id[0]; i++) {
        phdr_t ph;
        memcpy(&ph, p + h->e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_NOTE || !inside(len, ph.p_offset, ph.p_filesz))
            continue;
        for (size_t off = 0; off + 12 <= ph.p_filesz;) {
            uint32_t nh[3]; /* namesz, descsz, type */
            memcpy(nh, p + ph.p_offset + off, sizeof nh);
            size_t name = (nh[0] + 3u) & ~3u, desc = (nh[1] + 3u) & ~3u;
            const unsigned char *d = p + ph.p_offset + off + 12 + name;
            if (off + 12 + name + nh[1] > ph.p_filesz)
                break;
            if (nh[2] == NT_GNU_BUILD_ID && nh[0] == 4 && !memcmp(d - name, "GNU", 4) &&
                nh[1] * 2 + 5 < n) {
                size_t k = (size_t)mpb_fmt(id, n, "gnu:");
                for (size_t j = 0; j < nh[1]; j++)
                    k += (size_t)mpb_fmt(id + k, n - k, "%02x", d[j]);
                return;
            }
            off += 12 + name + desc;
        }
    }
}

/* The contents of the section named `want` (NUL-terminated copy), or NULL. */
static char *section_text(const unsigned char *p, size_t len, const ehdr_t *h, const char *want) {
    shdr_t names, sh;
    if (h->e_shentsize != sizeof(shdr_t) || h->e_shstrndx >= h->e_shnum ||
        !inside(len, h->e_shoff, (size_t)h->e_shnum * sizeof(shdr_t)))
        return NULL;
    memcpy(&names, p + h->e_shoff + h->e_shstrndx * sizeof names, sizeof names);
    if (!inside(len, names.sh_offset, names.sh_size))
        return NULL;
    for (size_t i = 0; i < h->e_shnum; i++) {
        memcpy(&sh, p + h->e_shoff + i * sizeof sh, sizeof sh);
        const char *nm = (const char *)p + names.sh_offset + sh.sh_name;
        if (sh.sh_name >= names.sh_size || !memchr(nm, 0, names.sh_size - sh.sh_name) ||
            strcmp(nm, want) || sh.sh_type == SHT_NOBITS || !inside(len, sh.sh_offset, sh.sh_size))
            continue;
        char *t = malloc(sh.sh_size + 1);
        if (t) {
            memcpy(t, p + sh.sh_offset, sh.sh_size);
            t[sh.sh_size] = '\0';
        }
        return t;
    }
    return NULL;
}

int mpb_elf_build(const char *path, mpb_elf_build_t *b) {
    memset(b, 0, sizeof *b);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size < (off_t)sizeof(ehdr_t)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    const unsigned char *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return -1;
    ehdr_t h;
    memcpy(&h, p, sizeof h);
    if (!memcmp(p, ELFMAG, SELFMAG) && p[EI_CLASS] == NATIVE_CLASS) {
        b->record = section_text(p, (size_t)st.st_size, &h, ".mpa_build");
        const char *id = b->record ? strstr(b->record, "\"build_id\":\"") : NULL;
        if (id && id[12] != '"')
            mpb_fmt(b->id, sizeof b->id, "mpa:%.*s", (int)strcspn(id + 12, "\""), id + 12);
        else
            scan_build_id(p, (size_t)st.st_size, &h, b->id, sizeof b->id);
    }
    munmap((void *)p, (size_t)st.st_size);
    return 0;
}

int mpb_elf_is_static(const char *path) {
    mpb_elf_t e;
    return mpb_elf_inspect(path, &e) == 0 && e.elf && e.native && !e.interp;
}
