/*
 * drive_image.c - any image the formats layer reads, as a drive: its disc
 * tells the medium, its sector source answers the reads (raw sectors of a
 * cooked image come out with sync, header, EDC and ECC generated).  This is
 * how the rescue engine is exercised without hardware.  With a fault
 * script, gm_drive_open_image() gives the simulated faulty drive instead:
 * the emulated MMC drive (mmc_emu.c) over the image, damaged by the script
 * (faults.c) and read by the MMC back end (drive_mmc.c).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive_private.h"
#include "banned.h"

/* 80 minutes of 2048-byte sectors: more user data cannot be a CD. */
#define CD_MAX_USER_BYTES 737280000ull
#define DVD_MAX_SECTORS 4173824		/* DVD-R DL: 8.5 GB */

struct image_drive {
	struct gm_source *src;
	char *path;
};

static enum gm_read_result from_status(enum gm_sector_status st)
{
	return st == GM_SECTOR_GOOD || st == GM_SECTOR_SYNTH ? GM_READ_OK
							     : GM_READ_MEDIUM;
}

int gm_drive_image_read(struct gm_ctx *ctx, struct gm_drive *drive,
			int32_t lba, uint32_t count, bool raw, uint8_t *data,
			uint8_t *c2, enum gm_read_result *result)
{
	struct image_drive *img = drive->priv;
	size_t size = raw ? GM_SECTOR_RAW : GM_SECTOR_USER;
	int64_t first = lba, end = (int64_t)lba + count;
	int64_t sectors = drive->info.sectors;
	enum gm_sector_status *status;
	struct gm_read req;
	int ret;

	if (c2 != NULL)
		memset(c2, 0, (size_t)count * GM_DRIVE_C2_SIZE);
	/* a drive refuses what is outside its user area: LBA out of range */
	if (first < 0 || end > sectors) {
		int64_t bad = first < 0 ? first : sectors;

		for (uint32_t i = 0; i < count; i++) {
			int64_t at = first + i;

			if (at < 0 || at >= sectors) {
				result[i] = GM_READ_MEDIUM;
				memset(data + i * size, 0, size);
			}
		}
		gm_error_set(ctx, GM_ERR_UNREADABLE, "sector %lld of '%s' is "
			     "out of range (%lld sectors)", (long long)bad,
			     img->path, (long long)sectors);
		if (first < 0)
			first = 0;
		if (end > sectors)
			end = sectors;
		if (first >= end)
			return 0;
	}
	status = malloc((size_t)(end - first) * sizeof(*status));
	if (status == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	req.lba = (int32_t)first;
	req.count = (uint32_t)(end - first);
	req.kind = raw ? GM_SECTOR_KIND_RAW : GM_SECTOR_KIND_USER;
	req.data = data + (size_t)(first - lba) * size;
	req.status = status;
	ret = gm_source_read(ctx, img->src, &req);
	for (uint32_t i = 0; i < req.count; i++)
		result[first - lba + i] = ret == 0 ? from_status(status[i])
						   : GM_READ_MEDIUM;
	free(status);
	return ret;
}

static void image_close(struct gm_drive *drive)
{
	struct image_drive *img = drive->priv;

	gm_source_free(img->src);
	free(img->path);
	free(img);
}

static const struct gm_drive_ops image_ops = {
	.name = "image",
	.read = gm_drive_image_read,
	.close = image_close,
};

/* What a drive would say about the disc an image holds. */
static void describe(struct gm_drive_info *info, const struct gm_disc *disc)
{
	const struct gm_track *data = NULL;
	char product[sizeof(info->product)];
	size_t i;

	gm_drive_set_field(info->vendor, sizeof(info->vendor), "IMAGE");
	for (i = 0; disc->format != NULL && disc->format[i] != '\0'
		    && i + 1 < sizeof(product); i++)
		product[i] = (char)toupper((unsigned char)disc->format[i]);
	product[i] = '\0';
	gm_drive_set_field(info->product, sizeof(info->product), product);
	gm_drive_set_field(info->revision, sizeof(info->revision), "1");
	info->sectors = disc->leadout > 0 ? disc->leadout : 0;
	info->media = disc->media;
	if (info->media == GM_MEDIA_CD
	    && (uint64_t)info->sectors * GM_SECTOR_USER > CD_MAX_USER_BYTES)
		info->media = info->sectors <= DVD_MAX_SECTORS ? GM_MEDIA_DVD
							       : GM_MEDIA_BD;
	for (unsigned t = 0; t < disc->ntracks && data == NULL; t++)
		if (disc->tracks[t].mode != GM_TRACK_AUDIO)
			data = &disc->tracks[t];
	/* READ CD is a CD command; we claim it where the raw sectors an image
	   yields can be checked (Mode 1: EDC and ECC over the whole sector) */
	info->raw = info->media == GM_MEDIA_CD && data != NULL
		    && data->mode == GM_TRACK_MODE1;
	info->c2 = info->raw;
	info->subchannel = false;
	info->data_sectors = info->sectors;
	if (info->media == GM_MEDIA_CD)
		info->data_sectors = data == NULL || data->index[0] > 0 ? 0
				     : data->end;
}

int gm_drive_image_new(struct gm_ctx *ctx, const char *path,
		       struct gm_drive **out)
{
	struct image_drive *img;
	struct gm_drive *drive;
	int ret;

	*out = NULL;
	img = calloc(1, sizeof(*img));
	if (img == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	img->path = malloc(strlen(path) + 1);
	if (img->path == NULL) {
		free(img);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	memcpy(img->path, path, strlen(path) + 1);
	ret = gm_image_open(ctx, path, &img->src);
	if (ret != 0) {
		free(img->path);
		free(img);
		return ret;
	}
	drive = gm_drive_new(&image_ops, img);
	if (drive == NULL) {
		image_close(&(struct gm_drive){ .priv = img });
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	describe(&drive->info, gm_source_disc(img->src));
	*out = drive;
	return 0;
}

int gm_drive_open_image(struct gm_ctx *ctx, const char *path,
			const char *faults, struct gm_drive **out)
{
	struct gm_drive *image;
	int ret;

	*out = NULL;
	if (faults != NULL) {
		/* the emulated drive, read by the MMC back end */
		struct gm_drive_profile sim;

		gm_drive_profile_init(&sim);
		snprintf(sim.vendor, sizeof(sim.vendor), "SIM");
		snprintf(sim.product, sizeof(sim.product), "FAULTY DRIVE");
		return gm_drive_open_emulated(ctx, path, &sim, faults, out);
	}
	ret = gm_drive_image_new(ctx, path, &image);
	if (ret != 0)
		return ret;
	*out = image;
	return 0;
}
