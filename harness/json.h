/* Minimal JSON writing for meta.json: strings are escaped per RFC 8259
 * (quotes, backslash, control characters as \u00XX). */
#ifndef MPB_JSON_H
#define MPB_JSON_H

#include <stdio.h>

/* Writes s as a JSON string literal (null for NULL). */
void mpb_json_str(FILE *f, const char *s);
/* Writes `"key": "value"` with a leading ",\n  " unless first. */
void mpb_json_kv(FILE *f, const char *key, const char *value, int first);

#endif /* MPB_JSON_H */
