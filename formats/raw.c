/*
 * raw.c - a bare raw CD image without its sheet (game.bin, disc.img: a
 * cue sheet or CloneCD .ccd lost, as often happens), read only.
 *
 * The image is taken as one track from LBA 0 of 2352-byte sectors (2448
 * when every sector is followed by 96 bytes of subchannel).  Its mode
 * comes from the first sector (ECMA-130 14): the sync pattern and a mode
 * byte of 1 make a Mode 1 track, 2 a Mode 2 track (XA or formless: the
 * sectors say which when read), no sync an audio track, which is only
 * guessed for a file named .bin, .img or .raw.  The disc's warnings say
 * that the layout was guessed and from what, so that every command shows
 * it; a sheet beside the image, when there is one, is named.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image_private.h"
#include "banned.h"

static const uint8_t sync_pattern[12] = {
	0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00
};

static bool has_sync(const uint8_t *head, size_t len, size_t at)
{
	return len >= at + 16 && memcmp(head + at, sync_pattern, 12) == 0;
}

static bool raw_named(const char *path)
{
	return gm_path_has_ext(path, ".bin") || gm_path_has_ext(path, ".img")
	       || gm_path_has_ext(path, ".raw");
}

/* Bytes a sector from the first sectors' syncs, 0 when there is none. */
static unsigned sector_stride(const uint8_t *head, size_t len)
{
	if (!has_sync(head, len, 0))
		return 0;
	if (has_sync(head, len, GM_STORE_RAW) || len < GM_STORE_RAW + 16)
		return GM_STORE_RAW;
	if (has_sync(head, len, GM_STORE_RAW_SUB))
		return GM_STORE_RAW_SUB;
	return GM_STORE_RAW;
}

static int raw_bid(const char *path, const uint8_t *head, size_t len)
{
	/* below every sheet and container: they hold more than a guess */
	if (sector_stride(head, len) != 0 && head[15] <= 2)
		return 20;
	return raw_named(path) ? 5 : 0;
}

static int raw_read(struct gm_ctx *ctx, const char *path, struct gm_disc *disc)
{
	static const char *const sheets[] = { ".cue", ".ccd", ".toc" };
	struct gm_track *t = &disc->tracks[0];
	uint8_t head[GM_STORE_RAW_SUB + 16];
	unsigned stride;
	uint64_t size, sectors;
	const char *what;
	int file, fd;
	ssize_t got;
	char *stem;

	file = gm_disc_add_file(ctx, disc, path, gm_path_base(path), GM_FILE_BINARY);
	if (file < 0)
		return file;
	size = disc->files[file].size;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot open '%s'", path);
	got = pread(fd, head, sizeof(head), 0);
	close(fd);
	if (got < 0)
		return gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot read '%s'", path);
	stride = sector_stride(head, (size_t)got);
	if (stride == 0)
		stride = GM_STORE_RAW;
	if (size < stride || size % stride != 0)
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s' is not an image format "
				    "glassmaster reads (as a bare raw image it would "
				    "be %llu bytes, not a whole number of %u-byte "
				    "sectors)", path, (unsigned long long)size, stride);
	sectors = size / stride;
	if (sectors > (uint64_t)GM_LBA_MAX)
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s' is %llu sectors of %u "
				    "bytes, more than a CD holds", path,
				    (unsigned long long)sectors, stride);
	disc->format = "raw";
	disc->media = GM_MEDIA_CD;
	disc->ntracks = 1;
	t->number = 1;
	t->session = 1;
	t->nindex = 1;
	t->end = (int32_t)sectors;
	t->file = (unsigned)file;
	t->storage = (enum gm_storage)stride;
	t->sub_file = -1;
	if (!has_sync(head, (size_t)got, 0)) {
		t->mode = GM_TRACK_AUDIO;
		what = "no sync in its first sector: audio";
	} else if (head[15] == 2) {
		t->mode = GM_TRACK_MODE2;
		what = "its first sector's header: Mode 2";
	} else {
		t->mode = GM_TRACK_MODE1;
		what = "its first sector's header: Mode 1";
	}
	gm_disc_finish(disc);
	if (gm_disc_note(disc, "'%s' has no sheet: its layout is guessed as one "
			 "track of %llu %u-byte sectors from LBA 0 (%s%s)", path,
			 (unsigned long long)sectors, stride, what,
			 stride == GM_STORE_RAW_SUB ? ", with subchannel" : "") != 0)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	stem = gm_path_stem(path);
	for (unsigned i = 0; stem != NULL && i < 3; i++) {
		size_t len = strlen(stem) + 5;
		char *name = malloc(len), *found = NULL;
		unsigned count;

		if (name != NULL) {
			snprintf(name, len, "%s%s", stem, sheets[i]);
			found = gm_path_find(path, name, &count, NULL, 0);
			free(name);
		}
		if (found != NULL && gm_disc_note(disc, "'%s' is beside it and says "
						  "more: open that instead", found) != 0) {
			free(found);
			free(stem);
			return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		}
		free(found);
	}
	free(stem);
	return 0;
}

const struct gm_format_ops gm_format_raw = {
	.name = "raw",
	.extension = NULL,
	.bid = raw_bid,
	.read = raw_read,
	.write = NULL,
};
