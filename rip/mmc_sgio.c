/*
 * mmc_sgio.c - the command transport of a drive named by its SCSI generic
 * node (/dev/sgN): Linux's SG_IO ioctl (sg_io_hdr, interface 'S').
 * libcdio's Linux driver sends CDROM_SEND_PACKET, which only the block
 * device (srN) accepts, so an sg node is driven here directly; the sense
 * data is decoded as mmc_cdio.c decodes libcdio's (SPC-3 4.5).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <scsi/sg.h>

#include "mmc.h"
#include "banned.h"

#define SENSE_MAX 64

struct sgio {
	int fd;
};

static enum gm_mmc_status sgio_run(void *arg, const uint8_t *cdb, size_t cdb_len,
				   enum gm_mmc_dir dir, uint8_t *buf, size_t len,
				   unsigned timeout_ms, struct gm_sense *sense,
				   int *err)
{
	struct sgio *s = arg;
	uint8_t sb[SENSE_MAX], c[16];
	struct sg_io_hdr h;

	*err = 0;
	memset(&h, 0, sizeof(h));
	memset(sb, 0, sizeof(sb));
	memcpy(c, cdb, cdb_len < sizeof(c) ? cdb_len : sizeof(c));
	h.interface_id = 'S';
	h.cmd_len = (unsigned char)(cdb_len < sizeof(c) ? cdb_len : sizeof(c));
	h.cmdp = c;
	h.dxfer_direction = dir == GM_MMC_IN ? SG_DXFER_FROM_DEV
			    : dir == GM_MMC_OUT ? SG_DXFER_TO_DEV : SG_DXFER_NONE;
	h.dxferp = len > 0 ? buf : NULL;
	h.dxfer_len = (unsigned)len;
	h.sbp = sb;
	h.mx_sb_len = sizeof(sb);
	h.timeout = timeout_ms;
	while (ioctl(s->fd, SG_IO, &h) != 0) {
		if (errno == EINTR)
			continue;
		*err = errno;
		return errno == EPERM || errno == EACCES ? GM_MMC_DENIED
		       : errno == ENODEV || errno == ENXIO ? GM_MMC_GONE
		       : GM_MMC_FAILED;
	}
	if (h.sb_len_wr > 0 && (h.status & 0x7e) == 0x02) {	/* CHECK CONDITION */
		gm_sense_parse(sb, h.sb_len_wr, sense);
		if (sense->key != 0 || sense->asc != 0)
			return GM_MMC_CHECK;
	}
	if (h.host_status == 0x01 || h.host_status == 0x04)	/* no connect, bad target */
		return GM_MMC_GONE;
	if (h.status != 0 || h.host_status != 0 || (h.driver_status & 0x0f) != 0) {
		*err = EIO;
		return GM_MMC_FAILED;
	}
	return GM_MMC_OK;
}

static void sgio_close(void *arg)
{
	struct sgio *s = arg;

	close(s->fd);
	free(s);
}

int gm_mmc_io_open_sgio(struct gm_ctx *ctx, const char *path, struct gm_mmc_io *io)
{
	struct sgio *s;
	int version = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return gm_error_set_errno(ctx, errno == ENOENT ? GM_ERR_NOENT
					  : GM_ERR_DEVICE, errno, "cannot open '%s'",
					  path);
	if (ioctl(fd, SG_GET_VERSION_NUM, &version) != 0 || version < 30000) {
		close(fd);
		return gm_error_set(ctx, GM_ERR_DEVICE, "'%s' is not a SCSI generic "
				    "(sg) device", path);
	}
	s = malloc(sizeof(*s));
	if (s == NULL) {
		close(fd);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	s->fd = fd;
	io->run = sgio_run;
	io->close = sgio_close;
	io->arg = s;
	return 0;
}
