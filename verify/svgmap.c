/*
 * svgmap.c - the surface map of a comparison as an SVG 1.1 document (W3C
 * SVG 1.1 Second Edition, well-formed XML 1.0): the master's extent as up
 * to eight rows of a strip from LBA 0 to the end, good sectors green and
 * each bad range a rect coloured by its kind, carrying data-first,
 * data-last and data-kind and a tooltip naming the files it touches; ticks
 * at the quarters, the read speed over the position when a drive told it,
 * a legend, and the bad ranges listed as text so the file alone tells what
 * is wrong.  Coordinates are integers in hundredths of a pixel and nothing
 * depends on the clock or the locale: one comparison, one byte stream.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "image_private.h"
#include "verify.h"
#include "banned.h"

#define MAP_W 1000		/* the document's width in pixels */
#define STRIP_X 90		/* the strip's left edge (row labels before it) */
#define STRIP_W 880
#define STRIP_END ((uint64_t)(STRIP_X + STRIP_W) * 100)
#define ROWS_MAX 8		/* so a short range is still a few pixels */
#define ROW_TOP 64		/* the first row's tick labels */
#define ROW_PITCH 42		/* tick labels (16), strip (22), gap (4) */
#define ROW_H 22
#define SPEED_H 100
#define LEGEND_H 30
#define LINE_H 16		/* a line of the list */
#define TIP_FILES 10		/* files named in a tooltip */
#define LIST_FILES 3		/* and on a line of the list */
#define LIST_MAX 50

static const char *const kind_name[] = { "mismatch", "unreadable", "missing" };
static const char *const kind_fill[] = { "#d62728", "#000000", "#a0a0a0" };
#define GOOD_FILL "#5cb85c"
#define SPEED_STROKE "#1f5fbf"

struct layout {
	uint64_t sectors;
	uint64_t span;		/* sectors per row */
	unsigned rows;
};

/* Length of the valid UTF-8 sequence at p that XML 1.0 allows, or 0. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n = p[0] < 0x80 ? 1 : p[0] >= 0xC2 && p[0] <= 0xDF ? 2
		: p[0] >= 0xE0 && p[0] <= 0xEF ? 3 : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : 0;
	/* no overlong forms, surrogates or code points beyond U+10FFFF */
	unsigned lo = p[0] == 0xE0 ? 0xA0 : p[0] == 0xF0 ? 0x90 : 0x80;
	unsigned hi = p[0] == 0xED ? 0x9F : p[0] == 0xF4 ? 0x8F : 0xBF;

	for (size_t i = 1; i < n; i++, lo = 0x80, hi = 0xBF)
		if (p[i] < lo || p[i] > hi)	/* the NUL stops here too */
			return 0;
	if (n == 3 && p[0] == 0xEF && p[1] == 0xBF && p[2] >= 0xBE)
		return 0;		/* U+FFFE, U+FFFF */
	return n;
}

/*
 * Any string as XML text or attribute value: markup escaped, white space
 * as a blank, invalid UTF-8 and the control characters XML 1.0 forbids as
 * U+FFFD.
 */
static void put_esc(FILE *f, const char *s)
{
	static const char *const entity[0x80] = {
		['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;",
		['\t'] = " ", ['\n'] = " ", ['\r'] = " "
	};
	const unsigned char *p = (const unsigned char *)s;

	for (size_t n; *p; p += n ? n : 1) {
		n = utf8_len(p);
		if (n == 1 && entity[*p])
			fputs(entity[*p], f);
		else if (n == 0 || *p < 0x20)
			fputs("\xEF\xBF\xBD", f);
		else
			fwrite(p, 1, n, f);
	}
}

/* Hundredths of a pixel as a decimal number, in a temporary. */
struct num {
	char s[24];
};

static struct num px(uint64_t c)
{
	struct num n;

	snprintf(n.s, sizeof(n.s), "%" PRIu64 ".%02u", c / 100, (unsigned)(c % 100));
	return n;
}

/* x of the point off sectors into a row, in hundredths of a pixel. */
static uint64_t xc(const struct layout *l, uint64_t off)
{
	return (uint64_t)STRIP_X * 100 + off * STRIP_W * 100 / l->span;
}

static unsigned row_y(uint64_t row)
{
	return ROW_TOP + (unsigned)row * ROW_PITCH + 16;
}

/* The part of r inside the extent, in *a..*b; false when none is. */
static bool clamp(const struct gm_verify_range *r, uint64_t sectors,
		  uint64_t *a, uint64_t *b)
{
	if (r->last < r->first || r->last < 0 || sectors == 0)
		return false;
	*a = r->first < 0 ? 0 : (uint64_t)r->first;
	*b = (uint64_t)r->last >= sectors ? sectors - 1 : (uint64_t)r->last;
	return *a <= *b;
}

static void put_files(FILE *f, const struct gm_verify_range *r, size_t max,
		      const char *first, const char *sep)
{
	for (size_t i = 0; i < r->nfiles && i < max; i++) {
		fputs(i ? sep : first, f);
		put_esc(f, r->files[i] ? r->files[i] : "");
	}
	if (r->nfiles > max)
		fprintf(f, "%sand %zu more", sep, r->nfiles - max);
}

/* One rect per row the range crosses, each at least a pixel wide. */
static void put_range(FILE *f, const struct layout *l,
		      const struct gm_verify_range *r)
{
	const char *kind = kind_name[r->kind];
	uint64_t a, b;

	if (!clamp(r, l->sectors, &a, &b))
		return;
	for (uint64_t row = a / l->span; row <= b / l->span; row++) {
		uint64_t start = row * l->span;
		uint64_t s = a > start ? a : start;
		uint64_t e = b < start + l->span - 1 ? b : start + l->span - 1;
		uint64_t x = xc(l, s - start), w = xc(l, e + 1 - start) - x;

		if (w < 100)
			w = 100;
		if (x + w > STRIP_END)
			x = STRIP_END - w;
		fprintf(f, "<rect class=\"range %s\" data-first=\"%" PRId32 "\" data-last=\"%"
			PRId32 "\" data-kind=\"%s\" x=\"%s\" y=\"%u\" width=\"%s\" height=\"%d\" "
			"fill=\"%s\"><title>LBA %" PRId32 "-%" PRId32 ": %s", kind, r->first,
			r->last, kind, px(x).s, row_y(row), px(w).s, ROW_H,
			kind_fill[r->kind], r->first, r->last, kind);
		put_files(f, r, TIP_FILES, "\n", "\n");
		fputs("</title></rect>\n", f);
	}
}

/* The rows' green background, their first LBAs and the quarter ticks. */
static void put_strip(FILE *f, const struct layout *l, uint64_t extra)
{
	uint64_t prev = UINT64_MAX;

	for (unsigned r = 0; r < l->rows; r++) {
		uint64_t start = (uint64_t)r * l->span;
		uint64_t len = l->sectors - start < l->span ? l->sectors - start : l->span;

		fprintf(f, "<text x=\"%d\" y=\"%u\" text-anchor=\"end\" font-size=\"11\">%"
			PRIu64 "</text>\n<rect class=\"good\" x=\"%d\" y=\"%u\" width=\"%s\" "
			"height=\"%d\" fill=\"" GOOD_FILL "\"/>\n", STRIP_X - 6, row_y(r) + 15,
			start, STRIP_X, row_y(r), px(xc(l, len) - STRIP_X * 100).s, ROW_H);
	}
	for (unsigned q = 0; q <= 4; q++) {
		uint64_t lba = q < 4 ? l->sectors * q / 4 : l->sectors;
		uint64_t row = q < 4 ? lba / l->span : l->rows - 1;
		uint64_t x = xc(l, lba - row * l->span);
		unsigned y = row_y(row);

		if (lba == prev)
			continue;
		prev = lba;
		fprintf(f, "<path stroke=\"#444\" d=\"M%s %u v-5\"/>\n<text x=\"%s\" y=\"%u\" "
			"font-size=\"11\" text-anchor=\"%s\">", px(x).s, y - 5, px(x).s,
			y - 7, q < 4 ? "start" : "end");
		if (q == 0)
			fputs("LBA 0", f);
		else if (q < 4)
			fprintf(f, "%u %%: LBA %" PRIu64, q * 25, lba);
		else
			fprintf(f, "end: LBA %" PRIu64, l->sectors ? l->sectors - 1 : 0);
		if (q == 4 && extra > 0)
			fprintf(f, " (+%" PRIu64 " extra)", extra);
		fputs("</text>\n", f);
	}
}

static bool speed_known(double v)
{
	return v > 0 && v < 1e12;	/* 0 is unknown; NaN fails both */
}

static double speed_max(const struct gm_svg_opts *o)
{
	double max = 0;

	for (size_t i = 0; o->speed && i < o->nspeed; i++)
		if (speed_known(o->speed[i]) && o->speed[i] > max)
			max = o->speed[i];
	return max;
}

/* The speed over the position, a polyline per run of known values. */
static void put_speed(FILE *f, const struct gm_svg_opts *o, const struct layout *l,
		      double max, unsigned top)
{
	unsigned gy = top + 20, n = 0;
	uint64_t x = 0, y = 0;

	fprintf(f, "<text x=\"%d\" y=\"%u\">read speed, kB/s</text>\n<path stroke=\"#444\" "
		"fill=\"none\" d=\"M%d %u V%u H%d\"/>\n<path stroke=\"#bbb\" "
		"stroke-dasharray=\"4 4\" d=\"M%d %u H%d\"/>\n", STRIP_X, top + 12,
		STRIP_X, gy, gy + SPEED_H, STRIP_X + STRIP_W, STRIP_X, gy,
		STRIP_X + STRIP_W);
	/* %.0f prints no decimal point, so the locale cannot change it */
	fprintf(f, "<text x=\"%d\" y=\"%u\" text-anchor=\"end\">%.0f</text>\n"
		"<text x=\"%d\" y=\"%u\" text-anchor=\"end\">0</text>\n"
		"<text x=\"%d\" y=\"%u\" font-size=\"11\">LBA 0</text>\n"
		"<text x=\"%d\" y=\"%u\" font-size=\"11\" text-anchor=\"end\">LBA %"
		PRIu64 "</text>\n", STRIP_X - 6, gy + 4, max, STRIP_X - 6,
		gy + SPEED_H + 4, STRIP_X, gy + SPEED_H + 14, STRIP_X + STRIP_W,
		gy + SPEED_H + 14, l->sectors ? l->sectors - 1 : 0);
	for (size_t i = 0; i <= o->nspeed; i++) {
		if (i == o->nspeed || !speed_known(o->speed[i])) {
			if (n == 1)	/* a lone value: a dot */
				fprintf(f, " %s,%s", px(x).s, px(y).s);
			if (n > 0)
				fputs("\"/>\n", f);
			n = 0;
			continue;
		}
		x = (uint64_t)STRIP_X * 100 + (2 * i + 1) * STRIP_W * 100 / (2 * o->nspeed);
		y = (uint64_t)(gy + SPEED_H) * 100
			- (uint64_t)(o->speed[i] / max * SPEED_H * 100 + 0.5);
		fputs(n++ ? " " : "<polyline class=\"speed\" fill=\"none\" stroke=\""
		      SPEED_STROKE "\" stroke-width=\"2\" stroke-linecap=\"round\" "
		      "points=\"", f);
		fprintf(f, "%s,%s", px(x).s, px(y).s);
	}
}

/* A swatch and a label per colour, with its count of sectors. */
static void put_legend(FILE *f, const uint64_t count[4], bool speed, unsigned y)
{
	static const char *const name[] = { "good", "mismatch", "unreadable", "missing" };
	unsigned i;

	for (i = 0; i < 4; i++)
		fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"14\" height=\"14\" fill=\"%s\" "
			"stroke=\"#444\"/><text x=\"%u\" y=\"%u\">%s: %" PRIu64 "</text>\n",
			STRIP_X + i * 170, y, i ? kind_fill[i - 1] : GOOD_FILL,
			STRIP_X + i * 170 + 20, y + 12, name[i], count[i]);
	if (speed)
		fprintf(f, "<path stroke=\"" SPEED_STROKE "\" stroke-width=\"2\" d=\"M%u %u "
			"h14\"/><text x=\"%u\" y=\"%u\">read speed</text>\n",
			STRIP_X + i * 170, y + 7, STRIP_X + i * 170 + 20, y + 12);
}

static void put_list(FILE *f, const struct gm_svg_opts *o, unsigned y)
{
	size_t i;

	fprintf(f, "<text x=\"20\" y=\"%u\" font-weight=\"bold\">", y);
	if (o->nranges == 0)
		fputs("no bad ranges</text>\n", f);
	else
		fprintf(f, "bad ranges: %zu</text>\n", o->nranges);
	for (i = 0; i < o->nranges && i < LIST_MAX; i++) {
		const struct gm_verify_range *r = &o->ranges[i];

		y += LINE_H;
		fprintf(f, "<text x=\"20\" y=\"%u\">LBA %" PRId32 "-%" PRId32 " (%" PRId64
			" sector%s): %s", y, r->first, r->last, (int64_t)r->last - r->first + 1,
			r->last == r->first ? "" : "s", kind_name[r->kind]);
		put_files(f, r, LIST_FILES, ": ", ", ");
		fputs("</text>\n", f);
	}
	if (o->nranges > LIST_MAX)
		fprintf(f, "<text x=\"20\" y=\"%u\">and %zu more</text>\n",
			y + LINE_H, o->nranges - LIST_MAX);
}

static void put_summary(FILE *f, const struct gm_svg_opts *o, const uint64_t count[4])
{
	uint64_t bad = count[1] + count[2] + count[3];

	fprintf(f, "<text x=\"20\" y=\"46\">%" PRIu64 " sectors", o->sectors);
	if (bad == 0)
		fputs(", all good", f);
	else
		fprintf(f, ", %" PRIu64 ".%02u %% good: %" PRIu64 " mismatching, %" PRIu64
			" unreadable, %" PRIu64 " missing in %zu range%s", count[0] * 10000
			/ o->sectors / 100, (unsigned)(count[0] * 10000 / o->sectors % 100),
			count[1], count[2], count[3], o->nranges, o->nranges == 1 ? "" : "s");
	if (o->extra > 0)
		fprintf(f, "; %" PRIu64 " extra sectors beyond the master", o->extra);
	fputs("</text>\n", f);
}

static void put_map(FILE *f, const struct gm_svg_opts *o, const struct layout *l,
		    const uint64_t count[4], double max)
{
	const char *title = o->title ? o->title : "surface map";
	unsigned speed_top = ROW_TOP + l->rows * ROW_PITCH + 4;
	unsigned legend_y = speed_top + (max > 0 ? 20 + SPEED_H + 30 : 0);
	unsigned list_y = legend_y + LEGEND_H + 12;
	size_t lines = o->nranges > LIST_MAX ? LIST_MAX + 1 : o->nranges;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://"
		"www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%zu\" "
		"viewBox=\"0 0 %d %zu\" font-family=\"sans-serif\" font-size=\"12\">\n"
		"<title>", MAP_W, list_y + lines * LINE_H + 12, MAP_W,
		list_y + lines * LINE_H + 12);
	put_esc(f, title);
	fputs("</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
	      "<text x=\"20\" y=\"24\" font-size=\"16\" font-weight=\"bold\">", f);
	put_esc(f, title);
	fputs("</text>\n", f);
	put_summary(f, o, count);
	put_strip(f, l, o->extra);
	for (size_t i = 0; i < o->nranges; i++)
		put_range(f, l, &o->ranges[i]);
	if (max > 0)
		put_speed(f, o, l, max, speed_top);
	put_legend(f, count, max > 0, legend_y);
	put_list(f, o, list_y);
	fputs("</svg>\n", f);
}

int gm_svg_map_write(struct gm_ctx *ctx, const char *path,
		     const struct gm_svg_opts *opts)
{
	struct gm_outset set;
	struct layout l;
	uint64_t count[4] = { 0 }, bad = 0, a, b;
	FILE *f;
	int ret;

	if (path == NULL || opts == NULL || (opts->ranges == NULL && opts->nranges > 0))
		return gm_error_set(ctx, GM_ERR_INVALID, "surface map: no path, "
				    "options or ranges");
	if (opts->sectors > (uint64_t)INT32_MAX + 1)
		return gm_error_set(ctx, GM_ERR_INVALID, "surface map '%s': %" PRIu64
				    " sectors are more than LBAs can address",
				    path, opts->sectors);
	for (size_t i = 0; i < opts->nranges; i++) {
		const struct gm_verify_range *r = &opts->ranges[i];

		if ((unsigned)r->kind > GM_RANGE_MISSING || (r->nfiles && !r->files))
			return gm_error_set(ctx, GM_ERR_INVALID, "surface map '%s': "
					    "range %zu (LBA %" PRId32 ") is malformed",
					    path, i, r->first);
		if (clamp(r, opts->sectors, &a, &b)) {
			count[1 + r->kind] += b - a + 1;
			bad += b - a + 1;
		}
	}
	count[0] = opts->sectors - (bad < opts->sectors ? bad : opts->sectors);
	l.sectors = opts->sectors;
	l.rows = opts->sectors == 0 ? 1 : opts->sectors < ROWS_MAX
		? (unsigned)opts->sectors : ROWS_MAX;
	l.span = opts->sectors == 0 ? 1 : (opts->sectors + l.rows - 1) / l.rows;
	if (opts->sectors > 0)	/* rounding up the span may leave a row empty */
		l.rows = (unsigned)((opts->sectors + l.span - 1) / l.span);

	gm_outset_init(&set, true);
	ret = gm_outset_open(ctx, &set, path, &f);
	if (ret != 0)
		return ret;
	put_map(f, opts, &l, count, opts->speed ? speed_max(opts) : 0);
	if (ferror(f))
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno ? errno : EIO,
					 "cannot write '%s'", path);
	else
		ret = gm_outset_commit(ctx, &set);
	if (ret != 0)
		gm_outset_abort(&set);
	return ret;
}
