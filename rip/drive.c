/*
 * drive.c - the drive object of rip.h: argument checks, dispatch to a back
 * end's ops table, and the count of sector reads that the simulated drive
 * and the fault torture tests rely on.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "drive_private.h"
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
	free(drive);
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
