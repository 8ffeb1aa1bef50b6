/* Writing JSON by hand, as every results file here is: the one piece that must not
 * be got wrong in each place is string escaping. */
#ifndef ASYNCSCOPE_JSON_H
#define ASYNCSCOPE_JSON_H

#include <stdio.h>

/* s as a JSON string, quotes included; NULL as "". */
static inline void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

#endif
