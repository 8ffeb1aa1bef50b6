/* Just enough JSON to read meta.json: the members of an object, by name or in
 * order. Values come back as text: strings unescaped (\uXXXX above ASCII becomes
 * '?'), numbers and literals as written, objects and arrays as their raw text.
 * Nothing is allocated except by pjson_load. */
#ifndef ASPLOTS_PJSON_H
#define ASPLOTS_PJSON_H

#include <stddef.h>

/* The whole file as a string (free() it), or NULL with errno set. */
char *pjson_load(const char *path);

/* The value at key, where key may be a dotted path into nested objects
 * ("load.connections"). 0, -ENOENT when absent, -EBADMSG when the text is not an
 * object. out is always terminated; long values are cut. */
int pjson_get(const char *json, const char *key, char *out, size_t len);

/* The members of the top-level object in order: *pos starts at 0. 1 with key and
 * val filled, 0 after the last, -EBADMSG on malformed text. */
int pjson_next(const char *json, size_t *pos, char *key, size_t klen, char *val, size_t vlen);

#endif
