/*
 * mmc_cdio.c - the command transport of a real drive: libcdio opens the
 * device read-only (O_RDONLY | O_NONBLOCK, so a drive without a medium
 * opens too) and mmc_run_cmd_len() passes each CDB to the kernel (on Linux
 * the CDROM_SEND_PACKET ioctl, which the SCSI layer runs as it runs SG_IO).
 * Sense data comes from mmc_last_cmd_sense() in either format of SPC-3
 * 4.5 (fixed 70h/71h, descriptor 72h/73h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cdio/cdio.h>
#include <cdio/logging.h>
#include <cdio/mmc.h>

#include "mmc.h"
#include "banned.h"

static void quiet_log(cdio_log_level_t level, const char *message)
{
	(void)level;
	(void)message;
}

static enum gm_mmc_status cdio_run(void *arg, const uint8_t *cdb, size_t cdb_len,
				   enum gm_mmc_dir dir, uint8_t *buf, size_t len,
				   unsigned timeout_ms, struct gm_sense *sense,
				   int *err)
{
	CdIo_t *cdio = arg;
	cdio_mmc_request_sense_t *raw = NULL;
	cdio_mmc_direction_t d = dir == GM_MMC_IN ? SCSI_MMC_DATA_READ
				 : dir == GM_MMC_OUT ? SCSI_MMC_DATA_WRITE
				 : SCSI_MMC_DATA_NONE;
	mmc_cdb_t c;
	driver_return_code_t rc;
	int e, n;

	*err = 0;
	memset(&c, 0, sizeof(c));
	memcpy(c.field, cdb, cdb_len < sizeof(c.field) ? cdb_len : sizeof(c.field));
	errno = 0;
	rc = mmc_run_cmd_len(cdio, timeout_ms, &c, (unsigned)cdb_len, d,
			     (unsigned)len, buf);
	e = errno;
	if (rc == DRIVER_OP_SUCCESS)
		return GM_MMC_OK;
	n = mmc_last_cmd_sense(cdio, &raw);
	if (n > 0 && raw != NULL) {
		gm_sense_parse((const uint8_t *)raw, (size_t)n, sense);
		cdio_free(raw);
		if (sense->key != 0 || sense->asc != 0)
			return GM_MMC_CHECK;
	} else if (raw != NULL) {
		cdio_free(raw);
	}
	*err = e;
	switch (e) {
	case ENOMEDIUM:
		memset(sense, 0, sizeof(*sense));
		sense->key = 0x02;
		sense->asc = 0x3a;
		return GM_MMC_CHECK;
	case EPERM:
	case EACCES:
		return GM_MMC_DENIED;
	case ENODEV:
	case ENXIO:
	case ESHUTDOWN:
		return GM_MMC_GONE;
	default:
		if (rc == DRIVER_OP_NOT_PERMITTED)
			return GM_MMC_DENIED;
		return GM_MMC_FAILED;
	}
}

static void cdio_close(void *arg)
{
	cdio_destroy(arg);
}

int gm_mmc_io_open_cdio(struct gm_ctx *ctx, const char *path,
			struct gm_mmc_io *io)
{
	cdio_log_handler_t old;
	CdIo_t *cdio;
	int fd;

	/* libcdio says only NULL; open it ourselves first for the reason */
	fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return gm_error_set_errno(ctx, errno == ENOENT ? GM_ERR_NOENT
					  : GM_ERR_DEVICE, errno, "cannot open '%s'",
					  path);
	close(fd);
	old = cdio_log_set_handler(quiet_log);
	cdio = cdio_open_am(path, DRIVER_LINUX, "IOCTL");
	cdio_log_set_handler(old);
	if (cdio == NULL)
		return gm_error_set(ctx, GM_ERR_DEVICE, "libcdio cannot open '%s' "
				    "as a drive", path);
	io->run = cdio_run;
	io->close = cdio_close;
	io->arg = cdio;
	return 0;
}

int gm_mmc_io_open(struct gm_ctx *ctx, const char *path, struct gm_mmc_io *io)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode))
		return gm_mmc_io_open_sgio(ctx, path, io);
	return gm_mmc_io_open_cdio(ctx, path, io);
}
