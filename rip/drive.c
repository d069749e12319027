/*
 * drive.c - the drive object of rip.h: argument checks, dispatch to a back
 * end's ops table, the count of sector reads that the simulated drive
 * and the fault torture tests rely on, the journal a back end keeps for
 * the rip log, and the choice of back end for a source.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "drive_private.h"
#include "mmc.h"
#include "banned.h"

struct gm_drive *gm_drive_new(const struct gm_drive_ops *ops, void *priv)
{
	struct gm_drive *drive = calloc(1, sizeof(*drive));

	if (drive == NULL)
		return NULL;
	drive->ops = ops;
	drive->priv = priv;
	return drive;
}

void gm_drive_set_field(char *field, size_t size, const char *s)
{
	size_t len = strlen(s);

	if (len >= size)
		len = size - 1;
	memcpy(field, s, len);
	field[len] = '\0';
}

void gm_drive_close(struct gm_drive *drive)
{
	if (drive == NULL)
		return;
	if (drive->ops->close != NULL)
		drive->ops->close(drive);
	free(drive->journal);
	for (int t = 0; t < GM_TABLE_COUNT; t++)
		free(drive->table[t]);
	free(drive);
}

void gm_drive_set_table(struct gm_drive *drive, enum gm_drive_table t,
			const uint8_t *data, size_t len)
{
	uint8_t *copy = len ? malloc(len) : NULL;

	if (copy == NULL)
		return;
	memcpy(copy, data, len);
	free(drive->table[t]);
	drive->table[t] = copy;
	drive->table_len[t] = len;
}

void gm_drive_set_cd_method(struct gm_drive *drive, bool cdda, bool sub_first)
{
	drive->info.cd_cdda = cdda;
	drive->info.cd_sub_first = sub_first;
}

const uint8_t *gm_drive_table(const struct gm_drive *drive, enum gm_drive_table t,
			      size_t *len)
{
	*len = (unsigned)t < GM_TABLE_COUNT ? drive->table_len[t] : 0;
	return *len ? drive->table[t] : NULL;
}

const struct gm_drive_info *gm_drive_info(const struct gm_drive *drive)
{
	return &drive->info;
}

uint64_t gm_drive_reads(const struct gm_drive *drive)
{
	return drive->reads;
}

int gm_drive_read(struct gm_ctx *ctx, struct gm_drive *drive, int32_t lba,
		  uint32_t count, bool raw, uint8_t *data, uint8_t *c2,
		  enum gm_read_result *result)
{
	int ret;

	if (drive == NULL || data == NULL || result == NULL)
		return gm_error_set(ctx, GM_ERR_INVALID, "drive read without "
				    "a drive or buffers");
	if (count == 0)
		return 0;
	if (raw && !drive->info.raw)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "drive '%s %s' "
				    "cannot read raw sectors",
				    drive->info.vendor, drive->info.product);
	if (!raw) {
		c2 = NULL;
	} else if (c2 != NULL && !drive->info.c2) {
		/* no error pointers from this drive: none flagged */
		memset(c2, 0, (size_t)count * GM_DRIVE_C2_SIZE);
		c2 = NULL;
	}
	ret = drive->ops->read(ctx, drive, lba, count, raw, data, c2, result);
	drive->reads += count;
	return ret;
}

int gm_drive_read_cd(struct gm_ctx *ctx, struct gm_drive *drive, int32_t lba,
		     uint32_t count, uint8_t *data, uint8_t *c2, uint8_t *sub,
		     enum gm_read_result *result)
{
	int ret;

	if (drive == NULL || data == NULL || result == NULL)
		return gm_error_set(ctx, GM_ERR_INVALID, "drive read without "
				    "a drive or buffers");
	if (!drive->info.cd_raw || drive->ops->read_cd == NULL)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "drive '%s %s' cannot "
				    "read every sector of this disc with READ CD",
				    drive->info.vendor, drive->info.product);
	if (count == 0)
		return 0;
	if (sub != NULL && !drive->info.cd_sub)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "drive '%s %s' gives no "
				    "raw subchannel", drive->info.vendor,
				    drive->info.product);
	if (c2 != NULL && drive->info.cd_c2 == 0) {
		memset(c2, 0, (size_t)count * GM_DRIVE_C2_SIZE);
		c2 = NULL;
	}
	ret = drive->ops->read_cd(ctx, drive, lba, count, data, c2, sub, result);
	drive->reads += count;
	return ret;
}

void gm_drive_note(struct gm_drive *drive, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	size_t len;
	char *grown;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	len = strlen(line);
	grown = realloc(drive->journal, drive->journal_len + len + 2);
	if (grown == NULL)
		return;
	memcpy(grown + drive->journal_len, line, len);
	grown[drive->journal_len + len] = '\n';
	grown[drive->journal_len + len + 1] = '\0';
	drive->journal = grown;
	drive->journal_len += len + 1;
	drive->journal_lines++;
}

char *gm_drive_journal_take(struct gm_drive *drive)
{
	char *text = drive->journal;

	drive->journal = NULL;
	drive->journal_len = 0;
	return text;
}

int gm_drive_set_speed(struct gm_ctx *ctx, struct gm_drive *drive, double speed)
{
	if (drive->ops->set_speed == NULL) {
		gm_drive_note(drive, "the %s drive has no read speed to set",
			      drive->ops->name);
		return 0;
	}
	return drive->ops->set_speed(ctx, drive, speed);
}

bool gm_path_is_device(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode));
}

int gm_drive_open_emulated(struct gm_ctx *ctx, const char *path,
			   const struct gm_drive_profile *profile, const char *faults,
			   struct gm_drive **out)
{
	struct gm_mmc_io io, keep;
	int ret;

	*out = NULL;
	if (gm_path_is_device(path))
		return gm_error_set(ctx, GM_ERR_USAGE, "'%s' is a device: a drive profile "
				    "emulates a drive from an image", path);
	ret = gm_mmc_emu_open(ctx, path, profile, &io);
	if (ret != 0)
		return ret;
	keep = io;
	ret = gm_drive_mmc_new(ctx, path, io, out);
	/* the script damages the reads of whoever uses the drive, not the
	   back end's probing (the drive owns the emulator now) */
	if (ret == 0 && faults != NULL) {
		ret = gm_mmc_emu_load_faults(ctx, &keep, faults, NULL);
		if (ret != 0) {
			gm_drive_close(*out);
			*out = NULL;
		}
	}
	return ret;
}

int gm_drive_open(struct gm_ctx *ctx, const char *source, const char *faults,
		  struct gm_drive **out)
{
	struct gm_mmc_io io;
	int ret;

	*out = NULL;
	if (!gm_path_is_device(source))
		return gm_drive_open_image(ctx, source, faults, out);
	if (faults != NULL)
		return gm_error_set(ctx, GM_ERR_USAGE, "'%s' is a device: a fault "
				    "script simulates a drive from an image", source);
	ret = gm_mmc_io_open(ctx, source, &io);
	if (ret != 0)
		return ret;
	return gm_drive_mmc_new(ctx, source, io, out);
}

/* ---------------------------------------------------------------------
 * A drive as a sector source (gm_drive_source): user data, a sector
 * that does not read is GM_SECTOR_ERROR, a vanished drive fails the read
 */

struct drive_source {
	struct gm_drive *drive;
	enum gm_read_result res[64];
};

static int drive_source_read(void *arg, struct gm_ctx *ctx, struct gm_read *req)
{
	struct drive_source *d = arg;
	size_t size = gm_sector_kind_size(req->kind);
	int32_t end = gm_drive_info(d->drive)->sectors;

	for (uint32_t i = 0; i < req->count;) {
		int32_t lba = req->lba + (int32_t)i;
		uint32_t n = req->count - i < 64 ? req->count - i : 64;
		int ret;

		if (req->kind != GM_SECTOR_KIND_USER || lba < 0 || lba >= end) {
			memset(req->data + (size_t)i * size, 0, size);
			if (req->status != NULL)
				req->status[i] = GM_SECTOR_UNREAD;
			i++;
			continue;
		}
		if (n > (uint32_t)(end - lba))
			n = (uint32_t)(end - lba);
		ret = gm_drive_read(ctx, d->drive, lba, n, false, req->data + (size_t)i * size,
				    NULL, d->res);
		if (ret != 0)
			return ret;
		for (uint32_t k = 0; k < n; k++) {
			if (d->res[k] == GM_READ_GONE)
				return gm_error_set(ctx, GM_ERR_DEVICE, "the drive is gone "
						    "(at sector %ld)", (long)(lba + (int32_t)k));
			if (d->res[k] != GM_READ_OK)
				memset(req->data + (size_t)(i + k) * size, 0, size);
			if (req->status != NULL)
				req->status[i + k] = d->res[k] == GM_READ_OK ? GM_SECTOR_GOOD
						     : GM_SECTOR_ERROR;
		}
		i += n;
	}
	return 0;
}

static void drive_source_release(void *arg)
{
	struct drive_source *d = arg;

	gm_drive_close(d->drive);
	free(d);
}

int gm_drive_source(struct gm_ctx *ctx, struct gm_drive *drive, struct gm_source **out)
{
	struct drive_source *d = calloc(1, sizeof(*d));
	const struct gm_drive_info *info = gm_drive_info(drive);
	int32_t sectors = info->data_sectors > 0 ? info->data_sectors : info->sectors;
	int ret;

	*out = NULL;
	if (d == NULL) {
		gm_drive_close(drive);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	d->drive = drive;
	ret = gm_source_new_fn(ctx, info->media, sectors, drive_source_read,
			       drive_source_release, d, out);
	if (ret != 0)
		drive_source_release(d);
	return ret;
}
