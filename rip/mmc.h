/*
 * mmc.h - what the MMC drive back end shares inside the library: the
 * command transport it runs CDBs through (libcdio's mmc_run_cmd on a real
 * drive, a scripted drive in the unit tests), sense data and its decoding
 * (SPC-3 4.5.3 fixed format; MMC-6 Annex F for the codes optical drives
 * use), profile names (MMC-6 5.3.1) and drive discovery through sysfs.
 * Not installed.
 */
#ifndef GM_MMC_H
#define GM_MMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drive_private.h"

/* The sense data of a command that ended with CHECK CONDITION. */
struct gm_sense {
	uint8_t key, asc, ascq;
	bool info_valid;
	uint32_t info;		/* the INFORMATION field: the failing LBA of a read */
};

/* How a command ended. */
enum gm_mmc_status {
	GM_MMC_OK,		/* GOOD status */
	GM_MMC_CHECK,		/* CHECK CONDITION: sense filled */
	GM_MMC_FAILED,		/* the transport failed without sense */
	GM_MMC_DENIED,		/* the system refused the command (permission) */
	GM_MMC_GONE		/* the device is gone */
};

enum gm_mmc_dir { GM_MMC_NONE, GM_MMC_IN, GM_MMC_OUT };

/*
 * A command transport: run one CDB of cdb_len bytes, moving len bytes of
 * buf in direction dir.  sense is filled for GM_MMC_CHECK; *err gets an
 * errno value when the transport itself failed (0 otherwise).  close
 * releases arg.
 */
struct gm_mmc_io {
	enum gm_mmc_status (*run)(void *arg, const uint8_t *cdb, size_t cdb_len,
				  enum gm_mmc_dir dir, uint8_t *buf, size_t len,
				  unsigned timeout_ms, struct gm_sense *sense,
				  int *err);
	void (*close)(void *arg);
	void *arg;
};

/*
 * Open the device at path read-only as a transport: a block device
 * (/dev/srN) through libcdio (mmc_cdio.c), a character device (/dev/sgN)
 * through SG_IO (mmc_sgio.c), which libcdio's Linux driver does not speak.
 */
int gm_mmc_io_open(struct gm_ctx *ctx, const char *path, struct gm_mmc_io *io);
int gm_mmc_io_open_cdio(struct gm_ctx *ctx, const char *path,
			struct gm_mmc_io *io);
int gm_mmc_io_open_sgio(struct gm_ctx *ctx, const char *path,
			struct gm_mmc_io *io);

/*
 * An emulated MMC drive (mmc_emu.c) with the image at path as its medium,
 * as a transport: the MMC back end runs its commands on it in process as
 * on a real drive.  profile (copied; NULL: a plain accurate drive) sets
 * what it varies in.  ctx must outlive the transport; close frees it.
 */
struct gm_drive_profile;
int gm_mmc_emu_open(struct gm_ctx *ctx, const char *image,
		    const struct gm_drive_profile *profile, struct gm_mmc_io *io);

/*
 * Give an emulated drive the fault script at path (glassmaster-faults(5),
 * rip/faults.h): its sectors are read damaged, slowly, or not at all as
 * the script says, and when it vanishes every command but INQUIRY and
 * REQUEST SENSE ends NOT READY, MEDIUM NOT PRESENT.  With out NULL the
 * drive owns the script; else *out is the script, for other drives of the
 * same image to share (gm_mmc_emu_share_faults; its counters are then
 * theirs together) and for the caller to free after every drive closed.
 */
struct gm_faults;
int gm_mmc_emu_load_faults(struct gm_ctx *ctx, struct gm_mmc_io *io, const char *path,
			   struct gm_faults **out);
void gm_mmc_emu_share_faults(struct gm_mmc_io *io, struct gm_faults *faults);


/*
 * The bytes the last command run on an emulated drive's transport put in
 * its buffer (the rest of the buffer is zeros): what a target sends back
 * as Data-In, the residual being the buffer's length less this.  0 for a
 * transport that is not an emulated drive.
 */
size_t gm_mmc_emu_transferred(const struct gm_mmc_io *io);

/* Decode n bytes of sense data, fixed or descriptor format (SPC-3 4.5). */
void gm_sense_parse(const uint8_t *raw, size_t n, struct gm_sense *sense);

/*
 * The MMC back end (drive_mmc.c): probe the drive behind io, named path in
 * messages, and make it a drive of its medium.  The drive owns io from
 * the call on, also on failure.  With no medium: -GM_ERR_DEVICE, "no
 * medium in ...".
 */
int gm_drive_mmc_new(struct gm_ctx *ctx, const char *path, struct gm_mmc_io io,
		     struct gm_drive **out);

/*
 * Describe the drive behind io without needing a medium (`drives`); the
 * caller keeps io.
 */
int gm_mmc_describe(struct gm_ctx *ctx, const char *path,
		    const struct gm_mmc_io *io, struct gm_drive_caps *caps);

/* "unrecovered read error" and the like for a sense; never NULL. */
const char *gm_sense_text(const struct gm_sense *sense);

/* The sense key's name ("MEDIUM ERROR"). */
const char *gm_sense_key_name(uint8_t key);

/* The name of an MMC command by opcode ("READ CD"), or "command 0xNN". */
const char *gm_mmc_command_name(uint8_t opcode);

#endif
