/* Reading a results folder's identity from its meta.json (folderid.h). */
#include "run/folderid.h"
#include "run/envrec.h"
#include "common/util.h"

#include <string.h>

void mpb_folder_load(const char *dir, mpb_folder_t *f) {
    char path[4200];
    memset(f, 0, sizeof *f);
    f->dir = dir;
    mpb_fmt(path, sizeof path, "%s/meta.json", dir);
    f->meta = mpb_json_load(path);
    f->has_meta = f->meta != NULL;
}

void mpb_folder_free(mpb_folder_t *f) {
    json_decref(f->meta);
    f->meta = NULL;
}

/* o[key] as text ("" when absent); numbers as JSON writes them. */
static const char *scalar(const json_t *o, const char *key, char *buf, size_t len) {
    const json_t *v = json_object_get(o, key);
    buf[0] = '\0';
    if (json_is_string(v))
        mpb_copy(buf, len, json_string_value(v));
    else if (json_is_integer(v))
        mpb_fmt(buf, len, "%lld", (long long)json_integer_value(v));
    return buf;
}

/* Appends "sep text" to buf at *off. */
static void append(char *buf, size_t len, size_t *off, const char *text) {
    if (*off < len)
        *off += (size_t)mpb_fmt(buf + *off, len - *off, "%s%s", *off ? "; " : "", text);
}

int mpb_folder_machine_diff(const mpb_folder_t *a, const mpb_folder_t *b, char *buf, size_t len) {
    static const char *const keys[][2] = {
        {"host", "host"}, {"cpu_model", "CPU"}, {"cores", "cores"}, {"kernel", "kernel"}};
    char va[600], vb[600], item[1400];
    size_t off = 0;
    int n = 0;
    buf[0] = '\0';
    if (!a->meta || !b->meta)
        return 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        scalar(a->meta, keys[i][0], va, sizeof va);
        scalar(b->meta, keys[i][0], vb, sizeof vb);
        if (!strcmp(va, vb))
            continue;
        n++;
        mpb_fmt(item, sizeof item, "%s '%s' / '%s'", keys[i][1], va[0] ? va : "(unknown)",
                vb[0] ? vb : "(unknown)");
        append(buf, len, &off, item);
    }
    return n;
}

/* A setting of meta.json's matrix in words ("" when absent). */
static void setting(const json_t *m, const char *key, char *buf, size_t len) {
    const json_t *v = json_object_get(m, key);
    buf[0] = '\0';
    if (json_is_boolean(v))
        mpb_copy(buf, len, json_is_true(v) ? "on" : "off");
    else if (json_is_number(v) && !strcmp(key, "sample_ms") && json_number_value(v) == 0)
        mpb_copy(buf, len, "off");
    else if (json_is_number(v))
        mpb_fmt(buf, len, "%g", json_number_value(v));
}

int mpb_folder_setup_diff(const mpb_folder_t *a, const mpb_folder_t *b, char *buf, size_t len) {
    static const char *const keys[][2] = {{"pin", "pinning"},
                                          {"warmup_scale_fraction", "warm-up scale"},
                                          {"sample_ms", "RSS sampling ms"},
                                          {"timeout_s", "timeout s"}};
    const json_t *ma = json_object_get(a->meta, "matrix"), *mb = json_object_get(b->meta, "matrix");
    char va[64], vb[64], item[200];
    size_t off = 0;
    int n = 0;
    buf[0] = '\0';
    for (size_t i = 0; ma && mb && i < sizeof keys / sizeof keys[0]; i++) {
        setting(ma, keys[i][0], va, sizeof va);
        setting(mb, keys[i][0], vb, sizeof vb);
        if (!va[0] || !vb[0] || !strcmp(va, vb))
            continue;
        n++;
        mpb_fmt(item, sizeof item, "%s %s / %s", keys[i][1], va, vb);
        append(buf, len, &off, item);
    }
    return n;
}

int mpb_folder_env_diff(const mpb_folder_t *a, const mpb_folder_t *b, char *buf, size_t len) {
    buf[0] = '\0';
    if (!a->meta || !b->meta)
        return 0;
    return mpb_env_diff(json_object_get(a->meta, "environment"),
                        json_object_get(b->meta, "environment"), buf, len);
}

const json_t *mpb_folder_alloc(const mpb_folder_t *f, const char *name) {
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(f->meta, "allocators"), i, e) {
        const char *n = mpb_json_get_text(e, "name");
        if (n && !strcmp(n, name))
            return e;
    }
    return NULL;
}

const char *mpb_folder_build_id(const mpb_folder_t *f, const char *name) {
    const char *id = mpb_json_get_text(mpb_folder_alloc(f, name), "build_id");
    return id && *id ? id : NULL;
}

const char *mpb_folder_workload_id(const mpb_folder_t *f, const char *name) {
    const char *id =
        mpb_json_get_text(json_object_get(json_object_get(f->meta, "workload_ids"), name), "id");
    return id && *id ? id : NULL;
}

int mpb_folder_workload_diff(const mpb_folder_t *a, const mpb_folder_t *b, char *buf, size_t len) {
    const char *k;
    json_t *v;
    buf[0] = '\0';
    json_object_foreach(json_object_get(a->meta, "workload_ids"), k, v) {
        const char *ia = mpb_folder_workload_id(a, k), *ib = mpb_folder_workload_id(b, k);
        if (ia && ib && strcmp(ia, ib)) {
            mpb_fmt(buf, len, "%s: %s in %s, %s in %s", k, ia, a->dir, ib, b->dir);
            return 1;
        }
    }
    return 0;
}

const char *mpb_folder_state(const mpb_folder_t *f) { return mpb_json_get_text(f->meta, "state"); }
