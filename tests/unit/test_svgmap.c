/*
 * test_svgmap.c - the SVG surface map: a map with a few ranges (one of a
 * single sector in 400,000, file names with markup characters and an
 * invalid UTF-8 byte) is well-formed XML (xmllint), draws every range as
 * a rect with its data-first, data-last and data-kind, at least a pixel
 * wide, and is the same bytes when written twice; no ranges, no bad
 * rects; a path in a missing directory fails naming it and leaves nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gm_test.h"
#include "verify.h"

static char tmpdir[64];

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/gm-unit-svg.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = calloc(1, 1 << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static bool xml_well_formed(const char *path)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "xmllint --noout '%s'", path);
	return system(cmd) == 0;
}

/* The width of the first rect of range first..last of kind, or -1. */
static double rect_width(const char *svg, int first, int last, const char *kind)
{
	char want[128];
	const char *p, *w;
	double width;

	snprintf(want, sizeof(want), "<rect class=\"range %s\" data-first=\"%d\" "
		 "data-last=\"%d\" data-kind=\"%s\"", kind, first, last, kind);
	p = strstr(svg, want);
	if (p == NULL || (w = strstr(p, "width=\"")) == NULL
	    || sscanf(w, "width=\"%lf\"", &width) != 1)
		return -1;
	return width;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (s = strstr(s, what); s; s = strstr(s + 1, what))
		n++;
	return n;
}

GM_TEST(svg_map_ranges)
{
	char *odd[] = { "/docs/<&\">.txt", "/bad\xff.bin" };
	char *many[12];
	struct gm_verify_range ranges[] = {
		{ 1000, 1999, GM_RANGE_MISMATCH, odd, 2 },
		{ 123457, 123457, GM_RANGE_UNREADABLE, odd, 2 },
		{ 150000, 250000, GM_RANGE_UNREADABLE, many, 12 },
		{ 399000, 399999, GM_RANGE_MISSING, NULL, 0 },
	};
	double speed[64];
	struct gm_svg_opts opts = {
		.title = "disc.iso vs <master> & \"x\" \xc3", .sectors = 400000,
		.extra = 7, .ranges = ranges, .nranges = 4, .speed = speed, .nspeed = 64
	};
	struct gm_ctx *ctx = gm_ctx_new();
	char path[128], again[128], *svg, *svg2;

	setup();
	for (size_t i = 0; i < 12; i++)
		many[i] = "/f";
	for (size_t i = 0; i < 64; i++)
		speed[i] = i % 10 == 3 ? 0 : 2000 + 50 * (double)i;
	snprintf(path, sizeof(path), "%s/map.svg", tmpdir);
	snprintf(again, sizeof(again), "%s/again.svg", tmpdir);
	CU_ASSERT_EQUAL(gm_svg_map_write(ctx, path, &opts), 0);
	CU_ASSERT_EQUAL(gm_svg_map_write(ctx, again, &opts), 0);
	CU_ASSERT_TRUE(xml_well_formed(path));
	svg = read_all(path);
	svg2 = read_all(again);
	CU_ASSERT_PTR_NOT_NULL_FATAL(svg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(svg2);
	CU_ASSERT_STRING_EQUAL(svg, svg2);
	CU_ASSERT_TRUE(rect_width(svg, 1000, 1999, "mismatch") >= 1);
	CU_ASSERT_TRUE(rect_width(svg, 123457, 123457, "unreadable") >= 1);
	CU_ASSERT_TRUE(rect_width(svg, 150000, 250000, "unreadable") >= 1);
	CU_ASSERT_TRUE(rect_width(svg, 399000, 399999, "missing") >= 1);
	/* 150000-250000 crosses rows 3, 4 and 5 of 50,000 sectors */
	CU_ASSERT_EQUAL(count(svg, "data-first=\"150000\""), 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "/docs/&lt;&amp;&quot;&gt;.txt"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "/bad\xef\xbf\xbd.bin"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "and 2 more"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "LBA 123457-123457: unreadable"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "7 extra sectors"));
	/* the speed skips the unknown values: a polyline per run */
	CU_ASSERT_EQUAL(count(svg, "<polyline"), 7);
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">5100</text>"));
	free(svg);
	free(svg2);
	gm_ctx_free(ctx);
	teardown();
}

GM_TEST(svg_map_no_ranges)
{
	struct gm_svg_opts opts = { .title = "all good", .sectors = 5 };
	struct gm_ctx *ctx = gm_ctx_new();
	char path[128], *svg;

	setup();
	snprintf(path, sizeof(path), "%s/good.svg", tmpdir);
	CU_ASSERT_EQUAL(gm_svg_map_write(ctx, path, &opts), 0);
	CU_ASSERT_TRUE(xml_well_formed(path));
	svg = read_all(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(svg);
	CU_ASSERT_PTR_NULL(strstr(svg, "data-kind"));
	CU_ASSERT_PTR_NULL(strstr(svg, "<polyline"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "all good"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "no bad ranges"));
	free(svg);
	gm_ctx_free(ctx);
	teardown();
}

GM_TEST(svg_map_missing_directory)
{
	struct gm_verify_range r = { 0, 0, GM_RANGE_MISMATCH, NULL, 0 };
	struct gm_svg_opts opts = { .sectors = 100, .ranges = &r, .nranges = 1 };
	struct gm_ctx *ctx = gm_ctx_new();
	char path[128], cmd[160];

	setup();
	snprintf(path, sizeof(path), "%s/nodir/map.svg", tmpdir);
	CU_ASSERT_EQUAL(gm_svg_map_write(ctx, path, &opts), -GM_ERR_NOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), path));
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", tmpdir);
	CU_ASSERT_EQUAL(system(cmd), 0);
	gm_ctx_free(ctx);
	teardown();
}

GM_TEST(svg_map_long_list)
{
	struct gm_verify_range ranges[60];
	struct gm_svg_opts opts = { .sectors = 1000, .ranges = ranges, .nranges = 60 };
	struct gm_ctx *ctx = gm_ctx_new();
	char path[128], *svg;

	setup();
	for (int i = 0; i < 60; i++)
		ranges[i] = (struct gm_verify_range){ 10 * i, 10 * i + 1, GM_RANGE_MISMATCH, NULL, 0 };
	snprintf(path, sizeof(path), "%s/list.svg", tmpdir);
	CU_ASSERT_EQUAL(gm_svg_map_write(ctx, path, &opts), 0);
	CU_ASSERT_TRUE(xml_well_formed(path));
	svg = read_all(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(svg);
	CU_ASSERT_EQUAL(count(svg, "data-kind=\"mismatch\""), 60);
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "LBA 490-491 (2 sectors): mismatch</text>"));
	CU_ASSERT_PTR_NULL(strstr(svg, "LBA 500-501 (2 sectors)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">and 10 more</text>"));
	free(svg);
	gm_ctx_free(ctx);
	teardown();
}
