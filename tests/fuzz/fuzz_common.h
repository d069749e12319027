/*
 * fuzz_common.h - what every image fuzz target does with an image that
 * opened: read the edges of every track in every kind of read (the sector
 * before it, its first sectors, its last sectors and beyond) and probe the
 * file systems of its data tracks.  Also writing each input to the file
 * the target opens.  Included by tests/fuzz/fuzz_*.c.
 */
#ifndef GM_FUZZ_COMMON_H
#define GM_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "image.h"
#include "verify.h"

static inline void fuzz_exercise(struct gm_ctx *ctx, struct gm_source *src)
{
	const struct gm_disc *d = gm_source_disc(src);
	static uint8_t buf[8 * (2352 + 96)];
	enum gm_sector_status status[8];

	for (unsigned i = 0; i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];

		for (int kind = 0; kind < 3; kind++) {
			struct gm_read req = {
				.lba = t->index[0] - 1, .count = 8,
				.kind = (enum gm_sector_kind)kind, .data = buf,
				.status = status
			};

			gm_source_read(ctx, src, &req);
			req.lba = t->end - 4;
			gm_source_read(ctx, src, &req);
		}
		if (t->mode != GM_TRACK_AUDIO) {
			struct gm_fs_info fs;

			gm_fs_probe(ctx, src, t->index[1], NULL, &fs);
		}
	}
}

/* Write a fuzz input to path (aborting when it cannot: not a finding). */
static inline void fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
}

/* Write a fuzz input to path, open it as an image and exercise it. */
static inline void fuzz_image(const char *path, const uint8_t *data, size_t size)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_source *src = NULL;

	if (ctx == NULL)
		abort();
	fuzz_write_file(path, data, size);
	if (gm_image_open(ctx, path, &src) == 0)
		fuzz_exercise(ctx, src);
	gm_source_free(src);
	gm_ctx_free(ctx);
}

#endif
