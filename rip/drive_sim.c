/*
 * drive_sim.c - the simulated faulty drive: an image drive replayed
 * through a fault script (glassmaster-faults(5), rip/faults.c).  Each
 * request is read from the image in one go and then damaged sector by
 * sector; slow lines delay it, and the drive vanishes after a number of
 * sector reads.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "drive_private.h"
#include "faults.h"
#include "banned.h"

struct sim_drive {
	struct gm_drive *image;
	struct gm_faults *faults;
};

static int sim_read(struct gm_ctx *ctx, struct gm_drive *drive, int32_t lba,
		    uint32_t count, bool raw, uint8_t *data, uint8_t *c2,
		    enum gm_read_result *result)
{
	struct sim_drive *sim = drive->priv;
	size_t size = raw ? GM_SECTOR_RAW : GM_SECTOR_USER;
	uint32_t live = count;	/* sectors read before the drive is gone */
	uint64_t vanish = gm_faults_vanish_after(sim->faults), delay;
	int ret;

	if (drive->reads >= vanish)
		live = 0;
	else if (vanish - drive->reads < count)
		live = (uint32_t)(vanish - drive->reads);
	for (uint32_t i = live; i < count; i++)
		result[i] = GM_READ_GONE;
	if (live == 0)
		goto gone;
	ret = gm_drive_image_read(ctx, sim->image, lba, live, raw, data, c2,
				  result);
	if (ret != 0)
		return ret;
	for (uint32_t i = 0; i < live; i++) {
		enum gm_read_result r;

		if (result[i] != GM_READ_OK)
			continue;	/* outside the image: never damaged */
		r = gm_faults_read(sim->faults, lba + (int32_t)i, raw,
				   data + (size_t)i * size,
				   c2 != NULL ? c2 + (size_t)i * GM_DRIVE_C2_SIZE : NULL,
				   NULL);
		result[i] = r;
	}
	delay = gm_faults_delay(sim->faults, lba, live);
	if (delay > 0)
		gm_faults_sleep(delay);
	if (live == count)
		return 0;
gone:
	return gm_error_set(ctx, GM_ERR_DEVICE, "the drive is gone: no medium "
			    "after %llu sector reads", (unsigned long long)vanish);
}

static void sim_close(struct gm_drive *drive)
{
	struct sim_drive *sim = drive->priv;

	gm_faults_free(sim->faults);
	gm_drive_close(sim->image);
	free(sim);
}

static const struct gm_drive_ops sim_ops = {
	.name = "sim",
	.read = sim_read,
	.close = sim_close,
};

int gm_drive_sim_new(struct gm_ctx *ctx, struct gm_drive *image,
		     const char *faults, struct gm_drive **out)
{
	struct sim_drive *sim;
	struct gm_drive *drive;
	int ret;

	*out = NULL;
	sim = calloc(1, sizeof(*sim));
	drive = sim != NULL ? gm_drive_new(&sim_ops, sim) : NULL;
	if (drive == NULL) {
		free(sim);
		gm_drive_close(image);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	sim->image = image;
	ret = gm_faults_load(ctx, faults, image->info.sectors, &sim->faults);
	if (ret != 0) {
		gm_drive_close(drive);
		return ret;
	}
	drive->info = image->info;
	gm_drive_set_field(drive->info.vendor, sizeof(drive->info.vendor), "SIM");
	gm_drive_set_field(drive->info.product, sizeof(drive->info.product),
			   "FAULTY DRIVE");
	*out = drive;
	return 0;
}
