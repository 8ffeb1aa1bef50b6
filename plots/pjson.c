#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pjson.h"

char *pjson_load(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *s = malloc(cap);
	while (s) {
		size_t r = fread(s + n, 1, cap - n - 1, f);
		n += r;
		if (n + 1 < cap)
			break;
		char *t = cap < (1u << 24) ? realloc(s, cap * 2) : NULL;
		if (!t) {
			free(s);
			s = NULL;
			errno = ENOMEM;
			break;
		}
		s = t;
		cap *= 2;
	}
	if (s && ferror(f)) {
		free(s);
		s = NULL;
		errno = EIO;
	}
	fclose(f);
	if (s)
		s[n] = '\0';
	return s;
}

static size_t skip_ws(const char *s, size_t i)
{
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	return i;
}

/* s[i] is the opening quote. Returns the index after the closing quote, or 0 when
 * unterminated; the unescaped text goes to out when out is not NULL. */
static size_t scan_string(const char *s, size_t i, char *out, size_t len)
{
	size_t o = 0;
	for (i++; s[i] && s[i] != '"'; i++) {
		char ch = s[i];
		if (ch == '\\') {
			i++;
			switch (s[i]) {
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case 'r': ch = '\r'; break;
			case 'b': ch = '\b'; break;
			case 'f': ch = '\f'; break;
			case 'u': {
				unsigned v = 0;
				int k;
				for (k = 1; k <= 4 && s[i + k]; k++) {
					char h = s[i + k];
					v = v * 16 + (unsigned)(h >= 'a'   ? h - 'a' + 10
								: h >= 'A' ? h - 'A' + 10
									   : h - '0');
				}
				if (k <= 4)
					return 0;
				i += 4;
				ch = v < 0x80 ? (char)v : '?';
				break;
			}
			case '\0': return 0;
			default: ch = s[i]; break;
			}
		}
		if (out && o + 1 < len)
			out[o++] = ch;
	}
	if (out && len)
		out[o] = '\0';
	return s[i] == '"' ? i + 1 : 0;
}

/* Skips one value starting at s[i] (after whitespace); returns the index after
 * it, or 0 when malformed. */
static size_t skip_value(const char *s, size_t i)
{
	if (s[i] == '"')
		return scan_string(s, i, NULL, 0);
	if (s[i] == '{' || s[i] == '[') {
		int depth = 0;
		for (; s[i]; i++) {
			if (s[i] == '"') {
				i = scan_string(s, i, NULL, 0);
				if (!i)
					return 0;
				i--;
			} else if (s[i] == '{' || s[i] == '[') {
				depth++;
			} else if (s[i] == '}' || s[i] == ']') {
				if (--depth == 0)
					return i + 1;
			}
		}
		return 0;
	}
	size_t st = i;
	while (s[i] && !strchr(",}] \t\r\n", s[i]))
		i++;
	return i > st ? i : 0;
}

int pjson_next(const char *json, size_t *pos, char *key, size_t klen, char *val, size_t vlen)
{
	size_t i = *pos;
	if (i == 0) {
		i = skip_ws(json, 0);
		if (json[i] != '{')
			return -EBADMSG;
		i = skip_ws(json, i + 1);
		if (json[i] == '}')
			return 0;
	} else {
		i = skip_ws(json, i);
		if (json[i] == '}')
			return 0;
		if (json[i] != ',')
			return -EBADMSG;
		i = skip_ws(json, i + 1);
	}
	if (json[i] != '"')
		return -EBADMSG;
	i = scan_string(json, i, key, klen);
	if (!i)
		return -EBADMSG;
	i = skip_ws(json, i);
	if (json[i] != ':')
		return -EBADMSG;
	i = skip_ws(json, i + 1);
	size_t end = skip_value(json, i);
	if (!end)
		return -EBADMSG;
	if (json[i] == '"') {
		scan_string(json, i, val, vlen);
	} else if (vlen) {
		size_t n = end - i < vlen - 1 ? end - i : vlen - 1;
		memcpy(val, json + i, n);
		val[n] = '\0';
	}
	*pos = end;
	return 1;
}

/* Like pjson_next but returns where the value starts, for descending. */
static int find(const char *json, const char *key, size_t keylen, size_t *vstart)
{
	size_t pos = 0;
	char k[128];
	for (;;) {
		size_t before = pos;
		int rc = pjson_next(json, &pos, k, sizeof(k), NULL, 0);
		if (rc <= 0)
			return rc ? rc : -ENOENT;
		if (strlen(k) == keylen && !strncmp(k, key, keylen)) {
			/* Re-find the value start: after the key's colon. */
			size_t i = before ? skip_ws(json, before) + 1 : skip_ws(json, 0) + 1;
			i = skip_ws(json, i);
			i = scan_string(json, i, NULL, 0);
			i = skip_ws(json, i) + 1;
			*vstart = skip_ws(json, i);
			return 0;
		}
	}
}

int pjson_get(const char *json, const char *key, char *out, size_t len)
{
	if (len)
		out[0] = '\0';
	const char *dot = strchr(key, '.');
	size_t kl = dot ? (size_t)(dot - key) : strlen(key);
	size_t v;
	int rc = find(json, key, kl, &v);
	if (rc)
		return rc;
	if (dot)
		return json[v] == '{' ? pjson_get(json + v, dot + 1, out, len) : -ENOENT;
	size_t end = skip_value(json, v);
	if (!end)
		return -EBADMSG;
	if (json[v] == '"') {
		scan_string(json, v, out, len);
	} else if (len) {
		size_t n = end - v < len - 1 ? end - v : len - 1;
		memcpy(out, json + v, n);
		out[n] = '\0';
	}
	return 0;
}
