/* JSON string escaping for the files mpbench writes by hand (meta.json and
 * merge's merged_from). Bytes >= 0x80 pass through: the input is UTF-8 or
 * near enough, and JSON allows raw UTF-8. */
#include "json.h"

void mpb_json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if (*c == '\n')
            fputs("\\n", f);
        else if (*c == '\t')
            fputs("\\t", f);
        else if (*c < 0x20 || *c == 0x7f)
            fprintf(f, "\\u%04x", *c);
        else
            fputc(*c, f);
    }
    fputc('"', f);
}

void mpb_json_kv(FILE *f, const char *key, const char *value, int first)
{
    fputs(first ? "  " : ",\n  ", f);
    mpb_json_str(f, key);
    fputs(": ", f);
    mpb_json_str(f, value);
}
