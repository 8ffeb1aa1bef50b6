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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "perr.h"
#include "pjson.h"

/* The line of byte off in text, from 1. */
static int line_at(const char *text, size_t off)
{
	int line = 1;
	for (size_t i = 0; i < off && text[i]; i++)
		line += text[i] == '\n';
	return line;
}

struct json_object *pjson_load(const char *path)
{
	struct json_object *j = NULL;
	struct json_tokener *tok = NULL;
	char *text = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	if (fd < 0)
		return NULL;
	/* Whole, so a garbled file can be named with its line: json-c's own file
	 * reader says only "failed". */
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 4096 > cap) {
			char *t = realloc(text, cap = cap ? 2 * cap : 8192);
			if (!t) {
				err = ENOMEM;
				goto out;
			}
			text = t;
		}
		ssize_t n = read(fd, text + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			goto out;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';
	tok = json_tokener_new();
	if (!tok) {
		err = ENOMEM;
		goto out;
	}
	j = json_tokener_parse_ex(tok, text, (int)len + 1); /* the NUL ends the text */
	enum json_tokener_error e = json_tokener_get_error(tok);
	if (!j || e != json_tokener_success) {
		size_t off = json_tokener_get_parse_end(tok);
		perr_set("%s:%d: not JSON (%s)", path, line_at(text, off),
			 e != json_tokener_success ? json_tokener_error_desc(e) : "empty");
		json_object_put(j);
		j = NULL;
		err = EBADMSG;
	}
out:
	if (tok)
		json_tokener_free(tok);
	free(text);
	close(fd);
	if (err)
		errno = err;
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
