/*
 * fuzz_fs.h - what the file-system reader's fuzz targets do with a tree
 * that opened: every entry's path looked up again, its target and
 * extents read, its data read in pieces of odd sizes (decompressed when
 * zisofs), the sectors the file system uses listed; and the targets'
 * common frame (a volume written from the input, opened as an .iso, read
 * as each tree asked for).  Included by tests/fuzz/fuzz_iso9660.c and
 * fuzz_fsudf.c.
 */
#ifndef GM_FUZZ_FS_H
#define GM_FUZZ_FS_H

#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "fuzz_common.h"

static int fuzz_fs_run(void *arg, uint64_t first, uint64_t count, uint32_t node)
{
	(void)first;
	(void)node;
	*(uint64_t *)arg += count;
	return 0;
}

/* Whether a lookup of node's path must give node: every name on the way
   is a name (not "", ".", "..", nothing with "/") and the first of its
   name in its directory (a later one of the same name is not looked up). */
static inline int findable(const struct gm_fs *fs, uint32_t node)
{
	for (uint32_t at = node; at != 0; at = gm_fs_parent(fs, at)) {
		const char *name = gm_fs_name(fs, at);

		if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0
		    || strchr(name, '/') != NULL || strlen(name) > 1024
		    || gm_fs_child(fs, gm_fs_parent(fs, at), name) != at)
			return 0;
	}
	return 1;
}

static inline void fuzz_fs_tree(struct gm_ctx *ctx, struct gm_source *src,
				enum gm_fs_type type)
{
	struct gm_fs_opts o = { .type = type };
	struct gm_fs *fs = NULL;
	static uint8_t buf[70000];
	static char path[8192];
	uint64_t budget = 16u << 20, sectors = 0;

	if (gm_fs_open(ctx, src, &o, &fs) != 0)
		return;
	for (uint32_t n = 0; n < gm_fs_count(fs); n++) {
		const struct gm_fs_stat *st = gm_fs_stat(fs, n);
		const struct gm_fs_extent *e;
		const char *link = gm_fs_link(fs, n);
		uint64_t off = 0, bad = 0;
		size_t piece = 4093;

		if (gm_fs_path(fs, n, path, sizeof(path)) < sizeof(path) && findable(fs, n)
		    && gm_fs_lookup(fs, path) != n)
			abort();	/* an entry is found by its path */
		if (link != NULL && strlen(link) > 4096)
			abort();
		(void)gm_fs_extents(fs, n, &e);
		while (off < st->size && budget > 0) {
			int64_t got = gm_fs_read(ctx, fs, n, off, buf, piece, &bad);

			if (got <= 0)
				break;
			if ((uint64_t)got > piece)
				abort();
			off += (uint64_t)got;
			budget = budget > (uint64_t)got ? budget - (uint64_t)got : 0;
			piece = piece == 4093 ? 65536 + 7 : 4093;
		}
	}
	gm_fs_runs(fs, fuzz_fs_run, &sectors);
	gm_fs_free(fs);
}

static char fuzz_fs_dir[] = "/tmp/gm-fuzz-fs.XXXXXX";
static char fuzz_fs_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_temp_file(fuzz_fs_dir, fuzz_fs_path, sizeof(fuzz_fs_path), "in.iso");
	return 0;
}

/* The input as a volume (fuzz_write_volume(first, low)), read as each of
   the n trees. */
static inline void fuzz_fs_volume(const uint8_t *data, size_t size, unsigned first,
				  unsigned low, const enum gm_fs_type *types, size_t n)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_source *src = NULL;

	if (ctx == NULL)
		abort();
	fuzz_write_volume(fuzz_fs_path, data, size, first, low);
	if (gm_image_open(ctx, fuzz_fs_path, &src) == 0)
		for (size_t i = 0; i < n; i++)
			fuzz_fs_tree(ctx, src, types[i]);
	gm_source_free(src);
	gm_ctx_free(ctx);
}

#endif
