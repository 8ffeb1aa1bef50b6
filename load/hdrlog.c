/* HdrHistogram's V2 encoding and interval log for struct hist (hdrlog.h says
 * why the layouts are the same and what the bytes are). */
#include "hdrlog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define COOKIE_V2	     0x1c849303u
#define COOKIE_V2_COMPRESSED 0x1c849304u
#define COOKIE_WORD	     0x10u /* the word-size nibble: LEB128 words */
#define HEADER_LEN	     40
#define SIG_DIGITS	     3
#define LEB_MAX		     9 /* bytes of one ZigZag LEB128 word, at most */
/* An inflated histogram larger than this is not one of ours nor a sane one: a
 * full HIST_BUCKETS array of 9-byte words is 313 KB. */
#define INFLATE_MAX (4u << 20)

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* ZigZag, then LEB128 with seven bits a byte for the first eight bytes and all
 * eight bits in a ninth: 64 bits in at most nine bytes. */
static size_t put_word(uint8_t *p, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;
	while (n < 8 && z >= 0x80) {
		p[n++] = (uint8_t)(z | 0x80);
		z >>= 7;
	}
	p[n++] = (uint8_t)z;
	return n;
}

/* 0 and the word in *v, or -EBADMSG when the bytes end inside it. */
static int get_word(const uint8_t *p, size_t len, size_t *at, int64_t *v)
{
	uint64_t z = 0;
	for (unsigned i = 0; i < LEB_MAX; i++) {
		if (*at >= len)
			return -EBADMSG;
		uint8_t b = p[(*at)++];
		if (i == 8) {
			z |= (uint64_t)b << 56;
			break;
		}
		z |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			break;
	}
	*v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
	return 0;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const uint8_t *p, size_t n)
{
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t w = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			w |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			w |= p[i + 2];
		*o++ = b64chars[w >> 18];
		*o++ = b64chars[(w >> 12) & 63];
		*o++ = i + 1 < n ? b64chars[(w >> 6) & 63] : '=';
		*o++ = i + 2 < n ? b64chars[w & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* Standard alphabet, padding optional; anything else is -EBADMSG. */
static int b64_decode(const char *s, size_t len, uint8_t **out, size_t *outlen)
{
	while (len && s[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return -EBADMSG;
	uint8_t *p = malloc(len / 4 * 3 + 3);
	if (!p)
		return -ENOMEM;
	size_t n = 0;
	uint32_t w = 0;
	for (size_t i = 0; i < len; i++) {
		const char *c = s[i] ? strchr(b64chars, s[i]) : NULL;
		if (!c) {
			free(p);
			return -EBADMSG;
		}
		w = w << 6 | (uint32_t)(c - b64chars);
		if (i % 4 == 3) {
			p[n++] = (uint8_t)(w >> 16);
			p[n++] = (uint8_t)(w >> 8);
			p[n++] = (uint8_t)w;
			w = 0;
		}
	}
	if (len % 4 == 2)
		p[n++] = (uint8_t)(w >> 4);
	else if (len % 4 == 3) {
		p[n++] = (uint8_t)(w >> 10);
		p[n++] = (uint8_t)(w >> 2);
	}
	*out = p;
	*outlen = n;
	return 0;
}

int hdrlog_encode(const struct hist *h, char **out)
{
	int err = 0;
	uint8_t *raw = NULL, *z = NULL;
	*out = NULL;
	/* Up to the last non-zero count, as HdrHistogram writes it. */
	size_t limit = 0;
	for (size_t i = HIST_BUCKETS; i > 0; i--)
		if (h->counts[i - 1]) {
			limit = i;
			break;
		}
	raw = malloc(HEADER_LEN + limit * LEB_MAX + LEB_MAX);
	if (!raw) {
		err = -ENOMEM;
		goto out;
	}
	size_t n = HEADER_LEN;
	for (size_t i = 0; i < limit;) {
		if (h->counts[i]) {
			n += put_word(raw + n, (int64_t)h->counts[i++]);
			continue;
		}
		size_t zeros = 0;
		while (i < limit && !h->counts[i]) {
			zeros++;
			i++;
		}
		n += put_word(raw + n, zeros > 1 ? -(int64_t)zeros : 0);
	}
	put32(raw, COOKIE_V2 | COOKIE_WORD);
	put32(raw + 4, (uint32_t)(n - HEADER_LEN));
	put32(raw + 8, 0);
	put32(raw + 12, SIG_DIGITS);
	put64(raw + 16, 1);
	put64(raw + 24, HIST_MAX);
	double ratio = 1.0;
	uint64_t bits;
	memcpy(&bits, &ratio, sizeof(bits));
	put64(raw + 32, bits);

	uLongf zlen = compressBound((uLong)n);
	z = malloc(8 + zlen);
	if (!z) {
		err = -ENOMEM;
		goto out;
	}
	if (compress2(z + 8, &zlen, raw, (uLong)n, Z_DEFAULT_COMPRESSION) != Z_OK) {
		err = -EIO;
		goto out;
	}
	put32(z, COOKIE_V2_COMPRESSED | COOKIE_WORD);
	put32(z + 4, (uint32_t)zlen);
	*out = b64_encode(z, 8 + zlen);
	if (!*out)
		err = -ENOMEM;
out:
	free(raw);
	free(z);
	return err;
}

static int say(char *why, size_t len, int err, const char *fmt, ...)
{
	if (why && len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* The zlib stream in p into *out (malloc'd), growing the buffer as it goes. */
static int inflate_all(const uint8_t *p, size_t len, uint8_t **out, size_t *outlen)
{
	z_stream zs = { 0 };
	size_t cap = 4096;
	uint8_t *buf = malloc(cap);
	int err = 0;
	if (!buf)
		return -ENOMEM;
	if (inflateInit(&zs) != Z_OK) {
		free(buf);
		return -ENOMEM;
	}
	zs.next_in = (Bytef *)p;
	zs.avail_in = (uInt)len;
	for (;;) {
		zs.next_out = buf + zs.total_out;
		zs.avail_out = (uInt)(cap - zs.total_out);
		int rc = inflate(&zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			break;
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			err = -EBADMSG;
			break;
		}
		if (zs.avail_out) { /* input ended before the stream did */
			err = -EBADMSG;
			break;
		}
		if (cap >= INFLATE_MAX) {
			err = -EBADMSG;
			break;
		}
		uint8_t *nb = realloc(buf, cap * 2);
		if (!nb) {
			err = -ENOMEM;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	*outlen = zs.total_out;
	inflateEnd(&zs);
	if (err)
		free(buf);
	else
		*out = buf;
	return err;
}

/* The uncompressed V2 form into h's counts, then n, min, max, sum from them. */
static int add_counts(const uint8_t *p, size_t len, struct hist *h, char *why, size_t wl)
{
	if (len < HEADER_LEN)
		return say(why, wl, -EBADMSG, "truncated header");
	if ((get32(p) & ~0xf0u) != COOKIE_V2)
		return say(why, wl, -EBADMSG, "not a V2 histogram (cookie 0x%08x)", get32(p));
	uint32_t plen = get32(p + 4), sig = get32(p + 12);
	uint64_t lowest = get64(p + 16), rbits = get64(p + 32);
	double ratio;
	memcpy(&ratio, &rbits, sizeof(ratio));
	if (plen > len - HEADER_LEN)
		return say(why, wl, -EBADMSG, "payload length %u beyond the data", plen);
	if (get32(p + 8))
		return say(why, wl, -ENOTSUP, "a normalizing index offset (shifted histogram)");
	if (sig != SIG_DIGITS || lowest != 1 || ratio != 1.0)
		return say(why, wl, -ENOTSUP,
			   "%u significant digits, lowest %" PRIu64 ", ratio %g: only 3, 1 and 1 "
			   "map onto our buckets exactly",
			   sig, lowest, ratio);
	const uint8_t *c = p + HEADER_LEN;
	size_t at = 0, idx = 0;
	while (at < plen) {
		int64_t v;
		if (get_word(c, plen, &at, &v))
			return say(why, wl, -EBADMSG, "a count cut short");
		if (v < 0) {
			idx += (size_t)-v;
			continue;
		}
		if (v && idx >= HIST_BUCKETS)
			return say(why, wl, -ERANGE, "a count above %llu ns",
				   (unsigned long long)HIST_MAX);
		if (v) {
			h->counts[idx] += (uint64_t)v;
			uint64_t lo, hi;
			hist_bucket_range((unsigned)idx, &lo, &hi);
			if (!h->n || lo < h->min)
				h->min = lo;
			if (hi > h->max)
				h->max = hi;
			h->n += (uint64_t)v;
			h->sum += (uint64_t)v * (lo + (hi - lo) / 2);
		}
		idx++;
	}
	return 0;
}

int hdrlog_decode(const char *b64, size_t len, struct hist *h, char *why, size_t wl)
{
	uint8_t *bin = NULL, *raw = NULL;
	size_t n, rawlen;
	int err = b64_decode(b64, len, &bin, &n);
	if (err) {
		say(why, wl, err, "not base64");
		goto out;
	}
	if (n >= 8 && (get32(bin) & ~0xf0u) == COOKIE_V2_COMPRESSED) {
		uint32_t zlen = get32(bin + 4);
		if (zlen > n - 8) {
			err = say(why, wl, -EBADMSG, "compressed length %u beyond the data", zlen);
			goto out;
		}
		err = inflate_all(bin + 8, zlen, &raw, &rawlen);
		if (err) {
			say(why, wl, err, "a corrupt zlib stream");
			goto out;
		}
		err = add_counts(raw, rawlen, h, why, wl);
	} else {
		err = add_counts(bin, n, h, why, wl);
	}
out:
	free(bin);
	free(raw);
	return err;
}

int hdrlog_write(FILE *f, double start_epoch_s, double length_s, const struct hdrlog_item *items,
		 int n)
{
	char when[64] = "";
	time_t t = (time_t)start_epoch_s;
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%a %b %d %H:%M:%S UTC %Y", &tm);
	fprintf(f, "#[Histogram log format version 1.3]\n");
	fprintf(f, "#[StartTime: %.3f (seconds since epoch), %s]\n", start_epoch_s, when);
	fprintf(f, "#[BaseTime: %.3f (seconds since epoch)]\n", start_epoch_s);
	fprintf(f, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
		   "\"Interval_Compressed_Histogram\"\n");
	for (int i = 0; i < n; i++) {
		char *b64;
		int err = hdrlog_encode(items[i].h, &b64);
		if (err)
			return err;
		const char *tag = items[i].tag;
		fprintf(f, "%s%s%s0.000,%.3f,%.3f,%s\n", tag ? "Tag=" : "", tag ? tag : "",
			tag ? "," : "", length_s, (double)items[i].h->max / 1e6, b64);
		free(b64);
		fprintf(f,
			"#[asyncscope %s count=%" PRIu64 " sum=%" PRIu64 " min=%" PRIu64
			" max=%" PRIu64 "]\n",
			tag ? tag : "-", items[i].h->n, items[i].h->sum, items[i].h->min,
			items[i].h->max);
	}
	return ferror(f) ? -EIO : 0;
}

/* Our exact line for tag, into the pending interval: 1 when it was one. */
static int exact_line(const char *line, const char *tag, struct hist *p)
{
	char t[128];
	uint64_t n, sum, min, max;
	if (sscanf(line,
		   "#[asyncscope %127s count=%" SCNu64 " sum=%" SCNu64 " min=%" SCNu64
		   " max=%" SCNu64 "]",
		   t, &n, &sum, &min, &max) != 5)
		return 0;
	if (strcmp(t, tag ? tag : "-") || n != p->n)
		return 0;
	p->sum = sum;
	p->min = min;
	p->max = max;
	return 1;
}

int hdrlog_read(const char *path, const char *tag, struct hist *h, int *intervals, char *why,
		size_t wl)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int err = 0, lineno = 0, pending = 0;
	struct hist *p = NULL;
	*intervals = 0;
	if (!f)
		return -errno;
	p = hist_new();
	if (!p) {
		err = -ENOMEM;
		goto out;
	}
	for (ssize_t len; (len = getline(&line, &cap, f)) > 0;) {
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (line[0] == '#') {
			if (pending)
				exact_line(line, tag, p);
			continue;
		}
		if (!len || line[0] == '"')
			continue;
		/* An interval: optional Tag=, then start, length, max, histogram. */
		const char *s = line, *ltag = NULL;
		size_t ltaglen = 0;
		if (!strncmp(s, "Tag=", 4)) {
			ltag = s + 4;
			const char *comma = strchr(ltag, ',');
			if (!comma) {
				err = say(why, wl, -EBADMSG, "%s:%d: a tag with no interval", path,
					  lineno);
				goto out;
			}
			ltaglen = (size_t)(comma - ltag);
			s = comma + 1;
		}
		int fields = 0;
		const char *hist64 = s;
		for (; fields < 3 && hist64; fields++) {
			hist64 = strchr(hist64, ',');
			if (hist64)
				hist64++;
		}
		if (!hist64) {
			err = say(why, wl, -EBADMSG, "%s:%d: not an interval line", path, lineno);
			goto out;
		}
		int match =
		    tag ? ltag && ltaglen == strlen(tag) && !strncmp(ltag, tag, ltaglen) : !ltag;
		if (pending) {
			hist_merge(h, p);
			pending = 0;
		}
		if (!match)
			continue;
		hist_reset(p);
		char dwhy[160];
		err = hdrlog_decode(hist64, strlen(hist64), p, dwhy, sizeof(dwhy));
		if (err) {
			say(why, wl, err, "%s:%d: %s", path, lineno, dwhy);
			goto out;
		}
		pending = 1;
		(*intervals)++;
	}
	if (ferror(f))
		err = -EIO;
	else if (pending)
		hist_merge(h, p);
out:
	free(line);
	hist_free(p);
	fclose(f);
	return err;
}
