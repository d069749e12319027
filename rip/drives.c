/*
 * drives.c - finding the optical drives of the system through sysfs: each
 * block device srN (the SCSI CD-ROM driver) and, under its SCSI device,
 * the sg node of the same drive; then, when asked, what each drive says of
 * itself over MMC (drive_mmc.c).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmc.h"
#include "banned.h"

/* N of a name "<prefix>N", or -1. */
static long number_after(const char *name, const char *prefix)
{
	size_t len = strlen(prefix);
	long n = 0;

	if (strncmp(name, prefix, len) != 0 || name[len] == '\0')
		return -1;
	for (const char *p = name + len; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || n > 100000)
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n;
}

static int by_sr(const void *a, const void *b)
{
	long x = number_after(((const struct gm_drive_caps *)a)->sr, "/dev/sr");
	long y = number_after(((const struct gm_drive_caps *)b)->sr, "/dev/sr");

	return (x > y) - (x < y);
}

/* The sg node under the SCSI device of block device sr, or "". */
static void find_sg(const char *sysfs, const char *sr, char *out, size_t size)
{
	char dir[512];
	struct dirent *e;
	DIR *d;

	out[0] = '\0';
	snprintf(dir, sizeof(dir), "%s/class/block/%s/device/scsi_generic", sysfs, sr);
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (number_after(e->d_name, "sg") >= 0) {
			snprintf(out, size, "/dev/%.20s", e->d_name);
			break;
		}
	closedir(d);
}

static void describe(struct gm_ctx *ctx, struct gm_drive_caps *caps)
{
	struct gm_mmc_io io;
	const char *path = caps->sr[0] != '\0' ? caps->sr : caps->sg;

	if (gm_mmc_io_open(ctx, path, &io) != 0) {
		snprintf(caps->status, sizeof(caps->status), "%s", gm_error(ctx));
		return;
	}
	if (gm_mmc_describe(ctx, path, &io, caps) != 0)
		snprintf(caps->status, sizeof(caps->status), "%s", gm_error(ctx));
	io.close(io.arg);
}

int gm_drive_list(struct gm_ctx *ctx, const char *sysfs, bool describe_them,
		  struct gm_drive_caps **list, size_t *count)
{
	struct gm_drive_caps *out = NULL, *grown;
	size_t n = 0;
	char dir[512];
	struct dirent *e;
	DIR *d;

	*list = NULL;
	*count = 0;
	if (sysfs == NULL)
		sysfs = "/sys";
	snprintf(dir, sizeof(dir), "%s/class/block", sysfs);
	d = opendir(dir);
	if (d == NULL)
		return gm_error_set_errno(ctx, GM_ERR_DEVICE, errno, "cannot list "
					  "the block devices in '%s'", dir);
	while ((e = readdir(d)) != NULL) {
		if (number_after(e->d_name, "sr") < 0)
			continue;
		grown = realloc(out, (n + 1) * sizeof(*out));
		if (grown == NULL) {
			closedir(d);
			free(out);
			return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		}
		out = grown;
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n].sr, sizeof(out[n].sr), "/dev/%.20s", e->d_name);
		find_sg(sysfs, e->d_name, out[n].sg, sizeof(out[n].sg));
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(out, n, sizeof(*out), by_sr);
	for (size_t i = 0; describe_them && i < n; i++)
		describe(ctx, &out[i]);
	*list = out;
	*count = n;
	return 0;
}
