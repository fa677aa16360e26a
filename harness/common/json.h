/* JSON for every file mpbench writes, edits or reads (meta.json and its
 * members): a thin layer over jansson so that callers build json_t values
 * and never format or scan JSON text themselves. */
#ifndef MPB_JSON_H
#define MPB_JSON_H

#include <jansson.h>

/* A JSON string for s: NULL gives null; bytes that are not UTF-8 are
 * replaced by '?' (uname, compilers and paths may hold anything). Never
 * returns NULL (exits when memory runs out). */
json_t *mpb_json_text(const char *s);
/* o[key] = mpb_json_text(v). */
void mpb_json_set_text(json_t *o, const char *key, const char *v);
/* Reads path as a JSON object. NULL when it is missing (errno ENOENT, no
 * message) or not a JSON object (message naming path, line and column). */
json_t *mpb_json_load(const char *path);
/* Writes o to path atomically, indented, members in insertion order, with a
 * final newline. Returns 0 or -1 (errno). */
int mpb_json_save(const char *path, const json_t *o);
/* The string o[key], or NULL when absent or not a string. */
const char *mpb_json_get_text(const json_t *o, const char *key);

#endif /* MPB_JSON_H */
