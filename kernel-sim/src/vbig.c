/* Big objects for the baseline allocators, as kmalloc hands sizes beyond its
 * caches to vmalloc: a range reserved and mapped in the VM area, with one
 * header page (base and length of the range) right before the object, so
 * the object keeps any alignment up to the range's. */
#include "ks_page.h"
#include "ks_vm.h"

typedef struct ks_vbig_hdr {
    void *base;   /* start of the reservation */
    size_t total; /* its length */
    size_t size;  /* usable bytes at the object */
} ks_vbig_hdr_t;

void *ks_vbig_alloc(size_t size, size_t align) {
    size_t a = align < KS_PAGE_SIZE ? KS_PAGE_SIZE : align;
    size_t body = (size + KS_PAGE_SIZE - 1) & ~(KS_PAGE_SIZE - 1);
    if (body < size || body + a < body)
        return NULL;
    char *base = ks_vmalloc(body + a, a);
    if (!base)
        return NULL;
    ks_vbig_hdr_t *h = (ks_vbig_hdr_t *)(base + a - KS_PAGE_SIZE);
    *h = (ks_vbig_hdr_t){base, body + a, body};
    return base + a;
}

static ks_vbig_hdr_t *ks_vbig_hdr(const void *p) {
    return (ks_vbig_hdr_t *)((const char *)p - KS_PAGE_SIZE);
}

void ks_vbig_free(void *p) {
    ks_vbig_hdr_t h = *ks_vbig_hdr(p);
    ks_vfree(h.base, h.total);
}

size_t ks_vbig_size(const void *p) { return ks_vbig_hdr(p)->size; }
