/*
 * fuzz_common.h - what every image fuzz target does with an image that
 * opened: read the edges of every track in every kind of read (the sector
 * before it, its first sectors, its last sectors and beyond) and probe the
 * file systems of its data tracks.  Also writing each input to the file
 * the target opens.  Included by tests/fuzz/fuzz_*.c.
 */
#ifndef GM_FUZZ_COMMON_H
#define GM_FUZZ_COMMON_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats.h"
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

/* Make the target's temporary folder (dir: a mkdtemp template) and name
   the file leaf in it in path. */
static inline void fuzz_temp_file(char *dir, char *path, size_t len, const char *leaf)
{
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, len, "%s/%s", dir, leaf);
}

/*
 * A small CD for the drive targets, written in dir (a mkdtemp template):
 * d.bin of 40 Mode 1 sectors and 30 of audio, and the cue sheet d.cue
 * (track 2 with an ISRC and a 10-sector INDEX 00, the disc an MCN), whose
 * path goes to sheet.
 */
static inline void fuzz_make_cd(char *dir, char *sheet, size_t len)
{
	uint8_t user[GM_SECTOR_USER], raw[GM_SECTOR_RAW];
	char bin[160];
	FILE *f;

	fuzz_temp_file(dir, bin, sizeof(bin), "d.bin");
	snprintf(sheet, len, "%s/d.cue", dir);
	f = fopen(bin, "wb");
	if (f == NULL)
		abort();
	for (int32_t lba = 0; lba < 40; lba++) {
		memset(user, (int)lba, sizeof(user));
		gm_sector_encode_mode1(raw, lba, user);
		fwrite(raw, 1, sizeof(raw), f);
	}
	for (size_t i = 0; i < (size_t)30 * GM_SECTOR_RAW; i++)
		fputc((int)(i * 31 & 0xff), f);
	if (fclose(f) != 0)
		abort();
	f = fopen(sheet, "w");
	if (f == NULL)
		abort();
	fprintf(f, "CATALOG 0123456789012\nFILE \"d.bin\" BINARY\n  TRACK 01 MODE1/2352\n"
		"    INDEX 01 00:00:00\n  TRACK 02 AUDIO\n    ISRC USABC9912345\n"
		"    INDEX 00 00:00:40\n    INDEX 01 00:00:50\n");
	if (fclose(f) != 0)
		abort();
}

#define FUZZ_SECTOR 2048
#define FUZZ_MAX_CHUNKS 512

/*
 * Write a volume of 2048-byte sectors to path from an input: its first
 * `low` 2048-byte chunks at sectors first.., the others from sector 256
 * (a UDF anchor's) on, every other sector zero.  Returns the sectors.
 */
static inline int64_t fuzz_write_volume(const char *path, const uint8_t *data,
					size_t size, unsigned first, unsigned low)
{
	size_t chunks = (size + FUZZ_SECTOR - 1) / FUZZ_SECTOR;
	int64_t sectors;
	int fd;

	if (chunks > FUZZ_MAX_CHUNKS)
		chunks = FUZZ_MAX_CHUNKS;
	sectors = chunks <= low ? (int64_t)first + low : 256 + (int64_t)(chunks - low);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)sectors * FUZZ_SECTOR) != 0)
		abort();
	for (size_t k = 0; k < chunks; k++) {
		size_t n = size - k * FUZZ_SECTOR < FUZZ_SECTOR ? size - k * FUZZ_SECTOR
			   : FUZZ_SECTOR;
		off_t at = (off_t)(k < low ? first + k : 256 + (k - low)) * FUZZ_SECTOR;

		if (pwrite(fd, data + k * FUZZ_SECTOR, n, at) != (ssize_t)n)
			abort();
	}
	close(fd);
	return sectors;
}

/* Open the volume at path as an image and name the files of all its
   sectors, as verify does for a damaged image (the walks under test). */
static inline void fuzz_name_volume(struct gm_ctx *ctx, const char *path, int64_t sectors)
{
	struct gm_source *src = NULL;
	struct gm_verify_range range = { 0, 0, GM_RANGE_MISMATCH, NULL, 0 };

	if (gm_image_open(ctx, path, &src) != 0)
		return;
	range.last = (int32_t)sectors - 1;
	gm_name_ranges_source(ctx, src, &range, 1);
	for (size_t i = 0; i < range.nfiles; i++)
		free(range.files[i]);
	free(range.files);
	gm_source_free(src);
}

#endif
