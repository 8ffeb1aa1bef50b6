#include <stdio.h>
#include <string.h>

#include "colours.h"
#include "doc.h"

static void html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* Markdown: characters that would start markup are escaped, and a table cell
 * may not hold a pipe or a newline. */
static void md_esc(FILE *f, const char *s, int cell)
{
	for (; *s; s++) {
		if (cell && (*s == '\n' || *s == '\r')) {
			fputc(' ', f);
			continue;
		}
		if (strchr("\\`*_[]<>|#", *s))
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* A link target, percent-encoded: every byte but letters, digits, "-._~/" (and
 * a leading "#" of an anchor) becomes %XX. What is left needs no further
 * escaping in an HTML attribute or a Markdown link, whatever a folder is
 * called. */
static void url_esc(FILE *f, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const char *c = s; *c; c++) {
		unsigned char b = (unsigned char)*c;
		if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
		    strchr("-._~/", b) || (b == '#' && c == s))
			fputc(b, f);
		else
			fprintf(f, "%%%c%c", hex[b >> 4], hex[b & 15]);
	}
}

static void md_link(FILE *f, const struct doc_link *l)
{
	fputc('[', f);
	md_esc(f, l->text, 1);
	fputs("](", f);
	url_esc(f, l->href);
	fputc(')', f);
}

static void html_link(FILE *f, const struct doc_link *l)
{
	fputs("<a href=\"", f);
	url_esc(f, l->href);
	fputs("\">", f);
	html_esc(f, l->text);
	fputs("</a>", f);
}

static void base64(FILE *out, FILE *in)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char b[3 * 1024];
	size_t n;
	while ((n = fread(b, 1, sizeof(b), in)) > 0) {
		for (size_t i = 0; i < n; i += 3) {
			unsigned v = (unsigned)b[i] << 16 |
				     (i + 1 < n ? (unsigned)b[i + 1] << 8 : 0) |
				     (i + 2 < n ? b[i + 2] : 0);
			fputc(tab[v >> 18 & 63], out);
			fputc(tab[v >> 12 & 63], out);
			fputc(i + 1 < n ? tab[v >> 6 & 63] : '=', out);
			fputc(i + 2 < n ? tab[v & 63] : '=', out);
		}
	}
}

void doc_begin(struct doc *d, const char *title)
{
	fputs("# ", d->md);
	md_esc(d->md, title, 0);
	fputs("\n\n", d->md);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>",
	      d->html);
	html_esc(d->html, title);
	fprintf(d->html,
		"</title>\n<style>\n"
		"body{font-family:system-ui,sans-serif;max-width:1180px;margin:2em auto;padding:0 "
		"1em;color:#%06x;line-height:1.45}\n"
		"h1{font-size:1.7em}h2{margin-top:2em;border-bottom:1px solid #%06x}\n"
		"img{max-width:100%%;border:1px solid #%06x}\n"
		"table{border-collapse:collapse;font-size:.85em;margin:1em 0}\n"
		"td,th{border:1px solid #%06x;padding:.25em .5em;text-align:right}\n"
		"td:first-child,th:first-child,td.l{text-align:left}th{background:#%06x}\n"
		"tr.fail td{background:#%06x}tr.degraded td{background:#%06x}"
		"tr.errors td{background:#%06x}\n"
		"table.sort th{cursor:pointer}table.sort th:hover{text-decoration:underline}\n"
		"pre{background:#%06x;padding:.6em;overflow-x:auto;font-size:.8em}\n"
		".grid{display:grid;gap:.8em}.grid figure{margin:0}.grid "
		"figcaption{font-size:.85em;color:#%06x}\n"
		".key{font-size:.85em}.key span{display:inline-block;width:1.4em;margin:0 .3em 0 "
		"1em;vertical-align:middle}\n"
		".links{font-size:.85em}.grid .links{margin:.2em 0 0}\n"
		"</style></head><body>\n<h1>",
		COL_INK, COL_RULE, COL_RULE_LIGHT, COL_RULE_TABLE, COL_PAPER_HEAD, COL_FAILED_BG,
		COL_DEGRADED_BG, COL_ERRORS_BG, COL_PAPER_CODE, COL_INK_SOFT);
	html_esc(d->html, title);
	fputs("</h1>\n", d->html);
}

/* Sorts a table.sort by the clicked column, again to reverse. A cell reads as
 * a number when it is one after dropping a leading "\u2265" (a lower bound
 * sorts as its number); "-" and empty cells go last either way; the rest sort
 * as text. The sort is stable, so a second click on another column keeps the
 * first order within ties. */
static const char sort_js[] =
    "<script>\n"
    "document.querySelectorAll('table.sort').forEach(function(t){\n"
    " var hs=t.tHead.rows[0].cells;\n"
    " Array.prototype.forEach.call(hs,function(h,i){\n"
    "  h.title='click to sort';\n"
    "  h.onclick=function(){\n"
    "   var up=h.getAttribute('data-up')!=='1';\n"
    "   Array.prototype.forEach.call(hs,function(x){x.removeAttribute('data-up')});\n"
    "   h.setAttribute('data-up',up?'1':'0');\n"
    "   function key(r){var s=r.cells[i].textContent.replace('\\u2265','').trim();\n"
    "    if(s===''||s==='-')return null;var x=Number(s);return isNaN(x)?s:x;}\n"
    "   var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows);\n"
    "   rows.sort(function(p,q){var x=key(p),y=key(q);\n"
    "    if(x===null||y===null)return (x===null)-(y===null);\n"
    "    var c=typeof x==='number'&&typeof y==='number'?x-y:String(x).localeCompare(String(y));\n"
    "    return up?c:-c;});\n"
    "   rows.forEach(function(r){b.appendChild(r)});};});});\n"
    "</script>\n";

void doc_end(struct doc *d)
{
	if (d->sortable)
		fputs(sort_js, d->html);
	fputs("</body></html>\n", d->html);
}

void doc_links(struct doc *d, const char *lead, const struct doc_link *l, int n)
{
	md_esc(d->md, lead, 0);
	fputs("<p class=\"links\">", d->html);
	html_esc(d->html, lead);
	for (int i = 0; i < n; i++) {
		fputs(i ? " · " : " ", d->md);
		md_link(d->md, &l[i]);
		fputs(i ? " · " : " ", d->html);
		html_link(d->html, &l[i]);
	}
	fputs("\n\n", d->md);
	fputs("</p>\n", d->html);
}

void doc_h(struct doc *d, int level, const char *text)
{
	fprintf(d->md, "%.*s ", level, "######");
	md_esc(d->md, text, 0);
	fputs("\n\n", d->md);
	fprintf(d->html, "<h%d>", level);
	html_esc(d->html, text);
	fprintf(d->html, "</h%d>\n", level);
}

void doc_p(struct doc *d, const char *text)
{
	md_esc(d->md, text, 0);
	fputs("\n\n", d->md);
	fputs("<p>", d->html);
	html_esc(d->html, text);
	fputs("</p>\n", d->html);
}

static void embed(struct doc *d, const char *rel, const char *alt, int width)
{
	char path[4096];
	/* summary.csv names cells relative to the matrix (summary.c checks it). */
	snprintf(path, sizeof(path), "%s%s%s", rel[0] == '/' ? "" : d->dir,
		 rel[0] == '/' ? "" : "/", rel);
	FILE *in = fopen(path, "re");
	if (!in) {
		fputs("<p><em>(", d->html);
		html_esc(d->html, rel);
		fputs(" is missing)</em></p>\n", d->html);
		return;
	}
	fputs("<img alt=\"", d->html);
	html_esc(d->html, alt);
	fputs("\"", d->html);
	if (width)
		fprintf(d->html, " width=\"%d\"", width);
	fputs(" src=\"data:image/png;base64,", d->html);
	base64(d->html, in);
	fputs("\">", d->html);
	fclose(in);
}

void doc_img(struct doc *d, const char *rel, const char *alt, int width)
{
	fputs("![", d->md);
	md_esc(d->md, alt, 1);
	fprintf(d->md, "](%s)\n\n", rel);
	fputs("<p>", d->html);
	embed(d, rel, alt, width);
	fputs("</p>\n", d->html);
}

void doc_pre(struct doc *d, const char *text)
{
	/* A fence longer than any run of tildes in the text: a line of as many
	 * inside would close it, and what follows would be Markdown (and raw HTML)
	 * from a file the target wrote. */
	int run = 0, longest = 0;
	for (const char *c = text; *c; c++) {
		run = *c == '~' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	int fence = longest < 4 ? 4 : longest + 1;
	for (int i = 0; i < fence; i++)
		fputc('~', d->md);
	fprintf(d->md, "\n%s%s", text, text[0] && text[strlen(text) - 1] == '\n' ? "" : "\n");
	for (int i = 0; i < fence; i++)
		fputc('~', d->md);
	fputs("\n\n", d->md);
	fputs("<pre>", d->html);
	html_esc(d->html, text);
	fputs("</pre>\n", d->html);
}

static void table(struct doc *d, const char *const *head, int n, int sortable)
{
	fputs("|", d->md);
	for (int i = 0; i < n; i++) {
		fputc(' ', d->md);
		md_esc(d->md, head[i], 1);
		fputs(" |", d->md);
	}
	fputs("\n|", d->md);
	for (int i = 0; i < n; i++)
		fputs(i >= 3 ? " ---: |" : " --- |", d->md);
	fputs("\n", d->md);
	fputs(sortable ? "<table class=\"sort\"><thead><tr>" : "<table><thead><tr>", d->html);
	for (int i = 0; i < n; i++) {
		fputs("<th>", d->html);
		html_esc(d->html, head[i]);
		fputs("</th>", d->html);
	}
	fputs("</tr></thead><tbody>\n", d->html);
	d->sortable |= sortable;
}

void doc_table(struct doc *d, const char *const *head, int n)
{
	table(d, head, n, 0);
}

void doc_table_sortable(struct doc *d, const char *const *head, int n)
{
	table(d, head, n, 1);
}

/* The row's colour is the caller's to choose (from a cell's status): a cell
 * that happens to read "failed" (meta.json's count of failed cells) says
 * nothing about its row. */
void doc_row_x(struct doc *d, const char *const *cells, int n, const char *cls, const char *id,
	       const struct doc_link *links, int nlinks)
{
	fputs("|", d->md);
	for (int i = 0; i < n; i++) {
		fputc(' ', d->md);
		md_esc(d->md, cells[i], 1);
		fputs(" |", d->md);
	}
	if (links) {
		for (int i = 0; i < nlinks; i++) {
			fputc(' ', d->md);
			md_link(d->md, &links[i]);
		}
		fputs(" |", d->md);
	}
	fputs("\n", d->md);
	fputs("<tr", d->html);
	if (cls) {
		fputs(" class=\"", d->html);
		html_esc(d->html, cls);
		fputc('"', d->html);
	}
	if (id) {
		fputs(" id=\"", d->html);
		html_esc(d->html, id);
		fputc('"', d->html);
	}
	fputc('>', d->html);
	for (int i = 0; i < n; i++) {
		fputs(i < 3 ? "<td class=\"l\">" : "<td>", d->html);
		html_esc(d->html, cells[i]);
		fputs("</td>", d->html);
	}
	if (links) {
		fputs("<td class=\"l\">", d->html);
		for (int i = 0; i < nlinks; i++) {
			fputs(i ? " " : "", d->html);
			html_link(d->html, &links[i]);
		}
		fputs("</td>", d->html);
	}
	fputs("</tr>\n", d->html);
}

void doc_row(struct doc *d, const char *const *cells, int n)
{
	doc_row_x(d, cells, n, NULL, NULL, NULL, 0);
}

void doc_table_end(struct doc *d)
{
	fputs("\n", d->md);
	fputs("</tbody></table>\n", d->html);
}

void doc_grid(struct doc *d, int columns)
{
	fprintf(d->html, "<div class=\"grid\" style=\"grid-template-columns:repeat(%d,1fr)\">\n",
		columns);
}

void doc_thumb(struct doc *d, const char *img, int embed_it, const char *caption, const char *id,
	       const struct doc_link *links, int nlinks)
{
	fputs("- ", d->md);
	md_esc(d->md, caption, 1);
	if (img) {
		fputs(": ![timeline](", d->md);
		url_esc(d->md, img);
		fputc(')', d->md);
	}
	for (int i = 0; i < nlinks; i++) {
		fputs(i ? " · " : " ", d->md);
		md_link(d->md, &links[i]);
	}
	fputc('\n', d->md);
	fputs("<figure", d->html);
	if (id) {
		fputs(" id=\"", d->html);
		html_esc(d->html, id);
		fputc('"', d->html);
	}
	fputs("><figcaption>", d->html);
	html_esc(d->html, caption);
	fputs("</figcaption>", d->html);
	if (img) {
		fputs("<a href=\"", d->html);
		url_esc(d->html, img);
		fputs("\">", d->html);
		if (embed_it) {
			embed(d, img, caption, 0);
		} else {
			fputs("<img loading=\"lazy\" alt=\"", d->html);
			html_esc(d->html, caption);
			fputs("\" src=\"", d->html);
			url_esc(d->html, img);
			fputs("\">", d->html);
		}
		fputs("</a>", d->html);
	}
	fputs("<p class=\"links\">", d->html);
	for (int i = 0; i < nlinks; i++) {
		fputs(i ? " · " : "", d->html);
		html_link(d->html, &links[i]);
	}
	fputs("</p></figure>\n", d->html);
}

void doc_grid_end(struct doc *d)
{
	fputs("\n", d->md);
	fputs("</div>\n", d->html);
}

void doc_legend(struct doc *d, const enum col_key_id *keys, int n)
{
	fputs("Colours:", d->md);
	fputs("<p class=\"key\">", d->html);
	for (int i = 0; i < n; i++) {
		const struct col_key *k = &col_keys[keys[i]];
		fprintf(d->md, "%s ", i ? ";" : "");
		md_esc(d->md, k->label, 0);
		fprintf(d->md, " (#%06x)", k->rgb);
		/* A line is drawn as a thin bar, a box as a full one, as in the chart. */
		fprintf(d->html, "<span style=\"background:#%06x;height:%s\"></span>", k->rgb,
			k->how == COL_BOX ? "1em" : ".3em");
		html_esc(d->html, k->label);
	}
	fputs(".\n\n", d->md);
	fputs("</p>\n", d->html);
}
