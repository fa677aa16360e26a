/* JSON through jansson. Loading keeps the members' order (JSON_PRESERVE_ORDER
 * on save) so an edited meta.json reads as it did, and saving goes through
 * mpb_write_file so the folder always holds a complete object. */
#include "common/json.h"

#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *mpb_json_text(const char *s) {
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (!j) { /* not UTF-8: keep ASCII, mark the rest */
        char *copy = mpb_xstrdup(s);
        for (unsigned char *c = (unsigned char *)copy; *c; c++)
            if (*c >= 0x80)
                *c = '?';
        j = json_string(copy);
        free(copy);
    }
    if (!j) {
        fputs("mpbench: out of memory\n", stderr);
        exit(1);
    }
    return j;
}

void mpb_json_set_text(json_t *o, const char *key, const char *v) {
    json_object_set_new(o, key, mpb_json_text(v));
}

json_t *mpb_json_load(const char *path) {
    json_error_t err;
    char *text = mpb_read_file(path);
    if (!text)
        return NULL;
    json_t *j = json_loads(text, 0, &err);
    free(text);
    if (!j || !json_is_object(j)) {
        fprintf(stderr, "mpbench: %s: %s (line %d, column %d)\n", path,
                j ? "not a JSON object" : err.text, j ? 1 : err.line, j ? 1 : err.column);
        json_decref(j);
        errno = EINVAL;
        return NULL;
    }
    return j;
}

int mpb_json_save(const char *path, const json_t *o) {
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text) {
        errno = ENOMEM;
        return -1;
    }
    size_t n = strlen(text);
    char *withnl = mpb_xrealloc(text, n + 2);
    memcpy(withnl + n, "\n", 2);
    int rc = mpb_write_file(path, withnl);
    free(withnl);
    return rc;
}

const char *mpb_json_get_text(const json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}
