/* meta.json through json-c. Of the two JSON readers Debian ships as maintained
 * -dev packages (json-c, jansson), json-c is the one that keeps a number's text
 * as the file wrote it ("duration_s": 2.000 reads back as "2.000", not as a
 * re-printed double such as 2.0000000000000000 or 0.10000000000000001): values
 * here are shown to people, so they should read as the writer meant them. It
 * also keeps an object's members in file order, which the report's table
 * follows. Its limits are ours: nesting deeper than 32 levels is refused as
 * garbled, which no meta.json comes near. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "pjson.h"

struct json_object *pjson_load(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	/* json-c says only "failed" (also for a failed read or allocation, which
	 * are rare enough here to be called garbled). */
	struct json_object *j = json_object_from_fd(fd);
	close(fd);
	if (!j)
		errno = EBADMSG;
	return j;
}

struct json_object *pjson_parse(const char *text)
{
	struct json_object *j = json_tokener_parse(text);
	if (!j)
		errno = EBADMSG;
	return j;
}

void pjson_free(struct json_object *j)
{
	json_object_put(j);
}

/* A value as text: a string unescaped, anything else as JSON (a number as it
 * was written, true, null, {"a": 1}). */
static void text_of(struct json_object *v, char *out, size_t len)
{
	const char *s = json_object_is_type(v, json_type_string)
			    ? json_object_get_string(v)
			    : json_object_to_json_string_ext(v, JSON_C_TO_STRING_SPACED);
	snprintf(out, len, "%s", s ? s : "");
}

int pjson_get(struct json_object *j, const char *key, char *out, size_t len)
{
	char step[128];
	if (len)
		out[0] = '\0';
	if (!json_object_is_type(j, json_type_object))
		return -EBADMSG;
	for (;;) {
		size_t n = strcspn(key, ".");
		if (n >= sizeof(step))
			return -ENOENT;
		memcpy(step, key, n);
		step[n] = '\0';
		struct json_object *v;
		if (!json_object_object_get_ex(j, step, &v))
			return -ENOENT;
		if (!key[n]) {
			if (len)
				text_of(v, out, len);
			return 0;
		}
		if (!json_object_is_type(v, json_type_object))
			return -ENOENT;
		j = v;
		key += n + 1;
	}
}

int pjson_each(struct json_object *j, pjson_each_fn *fn, void *ctx)
{
	char val[512];
	if (!json_object_is_type(j, json_type_object))
		return -EBADMSG;
	json_object_object_foreach(j, k, v)
	{
		text_of(v, val, sizeof(val));
		fn(ctx, k, val, json_object_is_type(v, json_type_object) ? v : NULL);
	}
	return 0;
}
