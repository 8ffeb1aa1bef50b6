/* Reading meta.json: a few values by name, and the members of an object in
 * order, for the subtitle of a timeline and the report's machine table. The
 * parsing is json-c's (pjson.c says why that library); this is only the small
 * accessor the callers want: values come back as text, strings unescaped,
 * numbers and literals as the file wrote them, objects and arrays as JSON. */
#ifndef ASPLOTS_PJSON_H
#define ASPLOTS_PJSON_H

#include <stddef.h>

struct json_object; /* json-c's, opaque here */

/* The file parsed, or NULL with errno: ENOENT (or another open error),
 * EBADMSG when it is not JSON, with perr naming its line. pjson_free() it. */
struct json_object *pjson_load(const char *path);
/* The same from text, for the tests. */
struct json_object *pjson_parse(const char *text);
void pjson_free(struct json_object *j);

/* The value at key, where key may be a dotted path into nested objects
 * ("load.connections"). 0, -ENOENT when absent or when a step of the path is not
 * an object, -EBADMSG when j itself is not an object. out is always terminated;
 * a long value is cut. */
int pjson_get(struct json_object *j, const char *key, char *out, size_t len);

/* Calls fn for each member of the object j in file order, with the value as
 * text (as pjson_get gives it) and, when the value is an object, that object
 * (else NULL) to descend into. -EBADMSG when j is not an object. */
typedef void pjson_each_fn(void *ctx, const char *key, const char *val, struct json_object *obj);
int pjson_each(struct json_object *j, pjson_each_fn *fn, void *ctx);

#endif
