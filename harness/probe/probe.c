/* mpbench-probe.so: preloaded by `mpbench run` beside the allocator under
 * test (alone for glibc) so the runner can verify which object serves the
 * program's malloc. In every process that loads it (the workload and, for
 * script workloads, each dynamically linked program they start) a
 * constructor appends one line to the file named by $MPB_PROBE_FILE:
 *   pid=<pid>\tmalloc=<object>\tnext=<object>\tlibc=<object>\texe=<program>\n
 * malloc: the file that defines the `malloc` the global symbol scope
 * resolves to (what the program's own calls bind to), "(program)" when that
 * is the program itself: it defines malloc, or only holds a canonical PLT
 * entry for it (it takes malloc's address; the runner tells the two apart
 * from the program's symbol table). next: the first definition after the
 * probe, which mpbench preloads first: the allocator's, or libc's. "?" when
 * not found. It writes with one write(2), allocates nothing itself and never
 * changes the process.
 * Then the build that serves malloc (of `malloc`'s object, or `next`'s when
 * that is the program without a definition of its own):
 *   \tbuild=<id>\trecord=<json>
 * id "mpa:<build_id>" for a libmpalloc (its mpa_build_info() record, given
 * whole in record=), else "gnu:<hex>" from the object's GNU build-id note,
 * else "" (record= only for libmpalloc). */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The object defining symbol `sym` in scope `where`, into buf. */
static const char *provider(void *where, const char *sym, char *buf, size_t len) {
    void *addr = dlsym(where, sym);
    Dl_info info;
    struct link_map *lm = NULL;
    if (!addr || !dladdr1(addr, &info, (void **)&lm, RTLD_DL_LINKMAP) || !lm)
        return "?";
    if (!lm->l_name || !lm->l_name[0])
        return "(program)";
    snprintf(buf, len, "%s", lm->l_name);
    return buf;
}

/* The link map of the object defining sym in scope where, or NULL. */
static struct link_map *definer(void *where, const char *sym) {
    void *addr = dlsym(where, sym);
    Dl_info info;
    struct link_map *lm = NULL;
    if (!addr || !dladdr1(addr, &info, (void **)&lm, RTLD_DL_LINKMAP))
        return NULL;
    return lm;
}

/* What dl_iterate_phdr looks for: an object's load address and name. */
typedef struct want {
    ElfW(Addr) base;
    const char *name;
    char *hex;
    size_t len;
} want_t;

/* The NT_GNU_BUILD_ID note of a PT_NOTE segment, as hex into w->hex. */
static void note_id(const char *p, size_t size, want_t *w) {
    for (size_t off = 0; off + sizeof(ElfW(Nhdr)) <= size;) {
        const ElfW(Nhdr) *n = (const void *)(p + off);
        size_t name = (n->n_namesz + 3) & ~3u, desc = (n->n_descsz + 3) & ~3u;
        const unsigned char *d = (const unsigned char *)p + off + sizeof *n + name;
        if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
            !memcmp(p + off + sizeof *n, "GNU", 4) && n->n_descsz * 2 + 5 < w->len) {
            int k = snprintf(w->hex, w->len, "gnu:");
            for (size_t i = 0; i < n->n_descsz; i++)
                k += snprintf(w->hex + k, w->len - (size_t)k, "%02x", d[i]);
            return;
        }
        off += sizeof *n + name + desc;
    }
}

static int find_note(struct dl_phdr_info *info, size_t size, void *data) {
    want_t *w = data;
    (void)size;
    if (info->dlpi_addr != w->base || strcmp(info->dlpi_name ? info->dlpi_name : "", w->name))
        return 0;
    for (int i = 0; i < info->dlpi_phnum && !w->hex[0]; i++)
        if (info->dlpi_phdr[i].p_type == PT_NOTE)
            note_id((const char *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr),
                    info->dlpi_phdr[i].p_memsz, w);
    return 1;
}

/* "\tbuild=...\trecord=..." of the object lm into buf. */
static void build_of(struct link_map *lm, char *buf, size_t len) {
    char hex[160] = "";
    const char *(*info)(void) = NULL;
    *(void **)&info = dlsym(RTLD_DEFAULT, "mpa_build_info");
    if (lm && info && definer(RTLD_DEFAULT, "mpa_build_info") == lm) {
        const char *rec = info(), *id = strstr(rec, "\"build_id\":\"");
        int n = id ? (int)strcspn(id + 12, "\"") : 0;
        snprintf(buf, len, "\tbuild=mpa:%.*s\trecord=%s", n, id ? id + 12 : "", rec);
        buf[strcspn(buf, "\n")] = '\0';
        return;
    }
    want_t w = {lm ? lm->l_addr : 0, lm && lm->l_name ? lm->l_name : "", hex, sizeof hex};
    if (lm)
        dl_iterate_phdr(find_note, &w);
    snprintf(buf, len, "\tbuild=%s", hex);
}

__attribute__((constructor)) static void mpb_probe_report(void) {
    const char *out = getenv("MPB_PROBE_FILE");
    if (!out || !*out)
        return;
    char m[4096], nx[4096], l[4096], exe[4096], build[8192], line[28672];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    struct link_map *lm = definer(RTLD_DEFAULT, "malloc");
    if (lm && (!lm->l_name || !lm->l_name[0])) /* the program: its calls may go on */
        lm = definer(RTLD_NEXT, "malloc");
    build_of(lm, build, sizeof build);
    int len = snprintf(line, sizeof line, "pid=%ld\tmalloc=%s\tnext=%s\tlibc=%s\texe=%s%s\n",
                       (long)getpid(), provider(RTLD_DEFAULT, "malloc", m, sizeof m),
                       provider(RTLD_NEXT, "malloc", nx, sizeof nx),
                       provider(RTLD_DEFAULT, "gnu_get_libc_version", l, sizeof l), exe, build);
    int fd = open(out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (len > 0 && write(fd, line, (size_t)len) < 0)
        len = -1;
    close(fd);
}
