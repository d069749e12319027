/*
 * test_fs.c - the file-system reader (fs/) on images the library masters:
 * every file found by its path and read back at offsets and lengths that
 * cross sector and extent boundaries (UDF 2.50 with extents of one sector, so
 * allocation extent descriptors and the metadata partition are in play;
 * ISO 9660 with Rock Ridge and Joliet), hard links one inode, lookups
 * that do not climb out with "..", a damaged File Entry warned about by
 * its path while the rest of the tree reads, and a UDF 2.50 metadata file
 * that does not read replaced by its mirror.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "gm_test.h"
#include "master.h"

static char dir[64];
static const size_t sizes[] = { 0, 1, 2047, 2048, 2049, 40000, 1048579 };
#define NFILES (sizeof(sizes) / sizeof(sizes[0]))
static uint8_t *content[NFILES];

/* DIR/src: f0..f6 of seeded bytes, sub/deep/f6 a hard link of f6. */
static void make_tree(void)
{
	char path[160];

	snprintf(dir, sizeof(dir), "/tmp/gm-unit-fs.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/src", dir);
	CU_ASSERT_FATAL(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/src/sub", dir);
	CU_ASSERT_FATAL(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/src/sub/deep", dir);
	CU_ASSERT_FATAL(mkdir(path, 0755) == 0);
	gm_test_rng_seed(16);
	for (size_t i = 0; i < NFILES; i++) {
		FILE *f;

		content[i] = malloc(sizes[i] + 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(content[i]);
		gm_test_rng_fill(content[i], sizes[i]);
		snprintf(path, sizeof(path), "%s/src/f%zu", dir, i);
		f = fopen(path, "wb");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		CU_ASSERT(fwrite(content[i], 1, sizes[i], f) == sizes[i]);
		fclose(f);
	}
	{
		char to[160];

		snprintf(path, sizeof(path), "%s/src/f%zu", dir, NFILES - 1);
		snprintf(to, sizeof(to), "%s/src/sub/deep/link", dir);
		CU_ASSERT_FATAL(link(path, to) == 0);
	}
}

static void clean(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT(system(cmd) == 0);
	for (size_t i = 0; i < NFILES; i++)
		free(content[i]);
}

/* Master DIR/src as out: UDF of revision udf (BCD) with small extents,
   or with udf 0 ISO 9660 + Rock Ridge + Joliet. */
static void master(struct gm_ctx *ctx, unsigned udf, const char *out)
{
	struct gm_tree_opts to;
	struct gm_tree *tree = NULL;
	char src[160];
	const char *srcs[1] = { src };

	snprintf(src, sizeof(src), "%s/src", dir);
	gm_tree_opts_init(&to);
	CU_ASSERT_FATAL(gm_tree_scan(ctx, srcs, 1, &to, &tree) == 0);
	if (udf) {
		struct gm_udf_opts o;
		struct gm_udf_report r;

		gm_udf_opts_init(&o);
		o.revision = udf;
		o.force = true;
		o.extent_max = 2048;	/* 513 extents: AEDs */
		o.date = 1700000000;
		CU_ASSERT_FATAL(gm_udf_write(ctx, tree, &o, out, &r) == 0);
		gm_udf_report_release(&r);
	} else {
		struct gm_iso_opts o;
		struct gm_iso_report r;

		gm_iso_opts_init(&o);
		o.date = 1700000000;
		o.force = true;
		CU_ASSERT_FATAL(gm_iso_write(ctx, tree, &o, out, &r) == 0);
		gm_iso_report_release(&r);
	}
	gm_tree_free(tree);
}

static unsigned warnings;
static char last_warning[512];

static void warn(void *arg, const char *path, const char *msg)
{
	(void)arg;
	warnings++;
	snprintf(last_warning, sizeof(last_warning), "%s: %s", path, msg);
}

/* Every file of the tree read back in pieces that cross boundaries. */
static void read_back(struct gm_ctx *ctx, struct gm_fs *fs)
{
	static const size_t pieces[] = { 1, 7, 2047, 2048, 2049, 8191, 8193, 65536 + 5 };
	uint8_t *buf = malloc(1 << 20);
	uint32_t a, b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	for (size_t i = 0; i < NFILES; i++) {
		char path[32];
		uint32_t n;
		const struct gm_fs_stat *st;

		snprintf(path, sizeof(path), "/f%zu", i);
		n = gm_fs_lookup(fs, path);
		CU_ASSERT_FATAL(n != GM_FS_NONE);
		st = gm_fs_stat(fs, n);
		CU_ASSERT(S_ISREG(st->mode));
		CU_ASSERT_EQUAL(st->size, sizes[i]);
		CU_ASSERT(!(st->flags & GM_FS_DAMAGED));
		for (size_t k = 0; k < 40; k++) {
			size_t len = pieces[k % 8];
			uint64_t off = sizes[i] ? gm_test_rng_next() % (sizes[i] + 3) : 0;
			uint64_t bad = 0;
			int64_t got = gm_fs_read(ctx, fs, n, off, buf, len, &bad);
			size_t want = off >= sizes[i] ? 0 : sizes[i] - off < len
				      ? sizes[i] - (size_t)off : len;

			CU_ASSERT_EQUAL(got, (int64_t)want);
			CU_ASSERT_EQUAL(bad, 0);
			if (got > 0)
				CU_ASSERT(memcmp(buf, content[i] + off, (size_t)got) == 0);
		}
	}
	/* hard links: one inode, one data */
	a = gm_fs_lookup(fs, "/f6");
	b = gm_fs_lookup(fs, "sub/deep/link");
	CU_ASSERT_FATAL(a != GM_FS_NONE && b != GM_FS_NONE);
	CU_ASSERT_EQUAL(gm_fs_stat(fs, a)->ino, gm_fs_stat(fs, b)->ino);
	CU_ASSERT_EQUAL(gm_fs_canonical(fs, b), gm_fs_canonical(fs, a));
	/* "." and empty components are skipped, ".." is never followed */
	CU_ASSERT_EQUAL(gm_fs_lookup(fs, "//sub/./deep//link"), b);
	CU_ASSERT_EQUAL(gm_fs_lookup(fs, "sub/deep/../../f6"), GM_FS_NONE);
	CU_ASSERT_EQUAL(gm_fs_lookup(fs, "f6/x"), GM_FS_NONE);
	CU_ASSERT_EQUAL(gm_fs_lookup(fs, "/"), 0);
	CU_ASSERT_EQUAL(gm_fs_stat(fs, 0)->ino, 1);
	{
		char path[64];

		CU_ASSERT_EQUAL(gm_fs_path(fs, b, path, sizeof(path)), strlen("/sub/deep/link"));
		CU_ASSERT_STRING_EQUAL(path, "/sub/deep/link");
	}
	free(buf);
}

static void open_and_read(bool udf, enum gm_fs_type type)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_source *src = NULL;
	struct gm_fs *fs = NULL;
	struct gm_fs_opts o = { .type = type, .warn = warn };
	char out[160];

	make_tree();
	snprintf(out, sizeof(out), "%s/x.iso", dir);
	master(ctx, udf ? 0x0250 : 0, out);
	CU_ASSERT_FATAL(gm_image_open(ctx, out, &src) == 0);
	warnings = 0;
	CU_ASSERT_FATAL(gm_fs_open(ctx, src, &o, &fs) == 0);
	CU_ASSERT_EQUAL(gm_fs_kind(fs), udf ? GM_FS_UDF : type);
	CU_ASSERT_EQUAL(warnings, 0);
	read_back(ctx, fs);
	gm_fs_free(fs);
	gm_source_free(src);
	gm_ctx_free(ctx);
	clean();
}

GM_TEST(fs_udf250_small_extents)
{
	open_and_read(true, GM_FS_AUTO);
}

GM_TEST(fs_iso_rockridge)
{
	open_and_read(false, GM_FS_ROCKRIDGE);
}

struct first_run {
	uint32_t node;
	uint64_t lba;
	bool found;
};

/* The first run given for a node: its File Entry's sector. */
static int first_run(void *arg, uint64_t first, uint64_t count, uint32_t node)
{
	struct first_run *w = arg;

	if (node == w->node && !w->found && count == 1) {
		w->lba = first;
		w->found = true;
	}
	return 0;
}

/* Master the tree as UDF of revision rev into out (DIR/x.iso), and
   damage the tag of the File Entry of path (the root: "/") by writing
   bytes over its first ones. */
static void damage_entry(struct gm_ctx *ctx, unsigned rev, char *out, size_t size,
			 const char *path, const uint8_t *bytes, size_t n)
{
	struct gm_fs_opts o = { .type = GM_FS_UDF };
	struct gm_source *src = NULL;
	struct gm_fs *fs = NULL;
	struct first_run w = { 0, 0, false };
	FILE *f;

	make_tree();
	snprintf(out, size, "%s/x.iso", dir);
	master(ctx, rev, out);
	CU_ASSERT_FATAL(gm_image_open(ctx, out, &src) == 0);
	CU_ASSERT_FATAL(gm_fs_open(ctx, src, &o, &fs) == 0);
	w.node = gm_fs_lookup(fs, path);
	CU_ASSERT_FATAL(w.node != GM_FS_NONE);
	CU_ASSERT(gm_fs_runs(fs, first_run, &w) == 0);
	CU_ASSERT_FATAL(w.found);
	gm_fs_free(fs);
	gm_source_free(src);
	f = fopen(out, "r+b");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT(fseek(f, (long)(w.lba * 2048), SEEK_SET) == 0);
	CU_ASSERT(fwrite(bytes, 1, n, f) == n);
	fclose(f);
}

/* A File Entry whose tag is broken (UDF 2.01: no mirror): a warning
   naming the file, the file damaged, the rest read. */
GM_TEST(fs_udf_damaged_entry)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_source *src = NULL;
	struct gm_fs *fs = NULL;
	struct gm_fs_opts o = { .type = GM_FS_UDF, .warn = warn };
	uint8_t *buf = malloc(65536);
	char out[160];
	uint32_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	/* its tag identifier made 0xffff (no metadata mirror in 2.01) */
	damage_entry(ctx, 0x0201, out, sizeof(out), "/f3", (const uint8_t *)"\xff\xff", 2);
	warnings = 0;
	last_warning[0] = '\0';
	CU_ASSERT_FATAL(gm_image_open(ctx, out, &src) == 0);
	CU_ASSERT_FATAL(gm_fs_open(ctx, src, &o, &fs) == 0);
	CU_ASSERT(warnings >= 1);
	CU_ASSERT(strncmp(last_warning, "/f3: ", 5) == 0);
	n = gm_fs_lookup(fs, "/f3");
	CU_ASSERT_FATAL(n != GM_FS_NONE);
	CU_ASSERT(gm_fs_stat(fs, n)->flags & GM_FS_DAMAGED);
	CU_ASSERT_EQUAL(gm_fs_warnings(fs), warnings);
	/* the others read whole */
	n = gm_fs_lookup(fs, "/f5");
	CU_ASSERT_FATAL(n != GM_FS_NONE);
	CU_ASSERT_EQUAL(gm_fs_read(ctx, fs, n, 0, buf, 65536, NULL), (int64_t)sizes[5]);
	CU_ASSERT(memcmp(buf, content[5], sizes[5]) == 0);
	gm_fs_free(fs);
	gm_source_free(src);
	gm_ctx_free(ctx);
	free(buf);
	clean();
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The metadata file of a UDF 2.50 image damaged (its File Entry's tag):
   the mirror's file is read instead, with a note, and every file reads
   whole; then, in a fresh image, the root's File Entry damaged in the
   metadata file: the mirror's copy of it is read, with a note. */
GM_TEST(fs_udf_metadata_mirror)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_source *src = NULL;
	struct gm_fs *fs = NULL;
	struct gm_fs_opts o = { .type = GM_FS_UDF, .warn = warn };
	uint8_t *img = NULL, *buf = malloc(1 << 20);
	uint32_t part_start = 0, meta_file = 0, mirror = 0, vds;
	bool have_pd = false, have_map = false;
	char out[160];
	long size;
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	make_tree();
	snprintf(out, sizeof(out), "%s/x.iso", dir);
	master(ctx, 0x0250, out);
	f = fopen(out, "r+b");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	img = malloc((size_t)size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(img);
	rewind(f);
	CU_ASSERT_FATAL(fread(img, 1, (size_t)size, f) == (size_t)size);
	/* the anchor, the main sequence: the partition's start, the
	   metadata partition map's file and mirror */
	vds = le32(img + 256 * 2048 + 20);
	for (uint32_t k = 0; k < 16; k++) {
		const uint8_t *d = img + (size_t)(vds + k) * 2048;

		if (d[0] == 5 && d[1] == 0) {
			part_start = le32(d + 188);
			have_pd = true;
		}
		if (d[0] == 6 && d[1] == 0) {
			const uint8_t *map = d + 440;

			for (uint32_t m = 0; m < le32(d + 268) && m < 4; m++) {
				if (map[0] == 2 && memcmp(map + 5, "*UDF Metadata Partition", 23) == 0) {
					meta_file = le32(map + 40);
					mirror = le32(map + 44);
					have_map = true;
				}
				map += map[1];
			}
		}
	}
	CU_ASSERT_FATAL(have_pd && have_map);
	CU_ASSERT_FATAL(meta_file != mirror);
	/* the metadata file's entry unreadable as one: its tag broken */
	img[(size_t)(part_start + meta_file) * 2048] ^= 0xff;
	rewind(f);
	CU_ASSERT_FATAL(fwrite(img, 1, (size_t)size, f) == (size_t)size);
	fclose(f);
	warnings = 0;
	CU_ASSERT_FATAL(gm_image_open(ctx, out, &src) == 0);
	CU_ASSERT_FATAL(gm_fs_open(ctx, src, &o, &fs) == 0);
	CU_ASSERT(strstr(last_warning, "mirror") != NULL);
	CU_ASSERT_EQUAL(gm_fs_warnings(fs), 0);	/* a note, no damage */
	gm_test_rng_seed(3);
	read_back(ctx, fs);
	gm_fs_free(fs);
	gm_source_free(src);
	free(img);
	clean();

	/* the root's entry, in a fresh image */
	{
		damage_entry(ctx, 0x0250, out, sizeof(out), "/", (const uint8_t *)"\xee", 1);
		last_warning[0] = '\0';
		CU_ASSERT_FATAL(gm_image_open(ctx, out, &src) == 0);
		CU_ASSERT_FATAL(gm_fs_open(ctx, src, &o, &fs) == 0);
		CU_ASSERT(strstr(last_warning, "mirror's copy") != NULL);
		CU_ASSERT_EQUAL(gm_fs_warnings(fs), 0);
		read_back(ctx, fs);
		gm_fs_free(fs);
		gm_source_free(src);
		clean();
	}
	gm_ctx_free(ctx);
	free(buf);
}
