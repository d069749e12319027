/*
 * fuzz_ccd.c - libFuzzer target for the CloneCD reader and writer: every
 * input is written as a sheet beside a small .img and .sub and opened as
 * an image; when it opens, its sectors are read through the source (every
 * kind of read, a few sectors at each end of each track) and its file
 * systems probed.  A disc with CD-TEXT, and one input in eight, is also
 * written as a .ccd and read back: what was written must read back with
 * the same layout, flags, ISRC, MCN and CD-TEXT, or the target aborts.
 * Nothing may crash or read outside a buffer.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "verify.h"
#include "fuzz_common.h"

#define SECTORS 40

static char dir[] = "/tmp/gm-fuzz-ccd.XXXXXX";
static char sheet[64], out[64];

static void make_file(const char *name, size_t size)
{
	char path[128];
	uint8_t buf[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL)
		abort();
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	while (size > 0) {
		size_t n = size < sizeof(buf) ? size : sizeof(buf);

		fwrite(buf, 1, n, f);
		size -= n;
	}
	fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(sheet, sizeof(sheet), "%s/in.ccd", dir);
	snprintf(out, sizeof(out), "%s/out.ccd", dir);
	make_file("in.img", 2352 * SECTORS);
	make_file("in.sub", 96 * SECTORS);
	return 0;
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* What was written must read back the same. */
static void check_same(const struct gm_disc *a, const struct gm_disc *b)
{
	if (a->ntracks != b->ntracks || a->leadout != b->leadout
	    || strcmp(a->mcn, b->mcn) != 0)
		abort();
	for (int k = 0; k < GM_CDTEXT_COUNT; k++)
		if (!same_text(a->cdtext[k], b->cdtext[k]))
			abort();
	for (unsigned i = 0; i < a->ntracks; i++) {
		const struct gm_track *s = &a->tracks[i], *t = &b->tracks[i];

		if (s->number != t->number || s->mode != t->mode
		    || s->control != t->control || s->scms != t->scms
		    || s->nindex != t->nindex || s->end != t->end
		    || strcmp(s->isrc, t->isrc) != 0)
			abort();
		for (unsigned n = 0; n <= s->nindex; n++)
			if (s->index[n] != t->index[n])
				abort();
		for (int k = 0; k < GM_CDTEXT_COUNT; k++)
			if (!same_text(s->cdtext[k], t->cdtext[k]))
				abort();
	}
}

static bool has_cdtext(const struct gm_disc *d)
{
	for (int k = 0; k < GM_CDTEXT_COUNT; k++) {
		if (d->cdtext[k])
			return true;
		for (unsigned i = 0; i < d->ntracks; i++)
			if (d->tracks[i].cdtext[k])
				return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_source *src = NULL, *back = NULL;

	if (ctx == NULL)
		abort();
	fuzz_write_file(sheet, data, size);
	if (gm_image_open(ctx, sheet, &src) == 0) {
		const struct gm_disc *d = gm_source_disc(src);
		struct gm_write_opts opts = { .force = true };

		fuzz_exercise(ctx, src);
		if ((has_cdtext(d) || size % 8 == 0)
		    && gm_image_write(ctx, src, out, &opts) == 0) {
			if (gm_image_open(ctx, out, &back) != 0)
				abort();
			check_same(d, gm_source_disc(back));
		}
	}
	gm_source_free(back);
	gm_source_free(src);
	gm_ctx_free(ctx);
	return 0;
}
