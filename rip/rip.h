/*
 * rip.h - drives and the rescue engine.
 *
 * A drive (struct gm_drive) reads sectors of a medium: a real MMC drive
 * (through libcdio's mmc_run_cmd), any image the formats layer reads, or
 * the simulated faulty drive that replays an image through a fault script.  The rescue engine
 * copies a drive's sectors to an image in passes after GNU ddrescue
 * (copy, trim, scrape, retry), keeping a ddrescue-compatible mapfile so that
 * an interrupted rip resumes without rereading what it has.
 */
#ifndef GM_RIP_H
#define GM_RIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "formats.h"
#include "image.h"

/* ---------------------------------------------------------------------
 * Drives
 */

struct gm_drive;

/* What a drive says about itself and its medium. */
struct gm_drive_info {
	char vendor[9];		/* INQUIRY vendor, or "IMAGE"/"SIM" */
	char product[17];
	char revision[5];
	uint16_t profile;	/* MMC current profile (0x0008 CD-ROM...); 0
				   when the drive has none (images) */
	enum gm_media media;	/* CD, DVD, BD */
	int32_t sectors;	/* readable sectors from LBA 0 (user area) */
	int32_t data_sectors;	/* what a data rip copies from LBA 0: all of a
				   DVD, BD or data CD; the first data track of
				   a mixed-mode CD; 0 when the CD has no data
				   track at LBA 0 (audio) */
	bool raw;		/* READ CD raw 2352 works and can be trusted */
	bool c2;		/* C2 error pointers are returned */
	bool subchannel;	/* raw P-W subchannel is returned */
	/* CD capture (gm_drive_read_cd), each probed on the disc itself */
	bool cd_raw;		/* READ CD returns every sector, audio included,
				   as its 2352 bytes */
	unsigned cd_c2;		/* C2 field READ CD gives there: 0, 294, 296 */
	bool cd_sub;		/* and raw P-W subchannel with it */
	bool cd_pregap;		/* LBA -150 (track 1's pregap) is readable */
	int32_t leadout;	/* the lead-out's LBA (CD TOC), 0 unknown */
	bool cd_cdda, cd_sub_first;	/* gm_drive_set_cd_method() */
};

/* Tables read from the medium as the drive answered them (headers
   included), for a capture to keep. */
enum gm_drive_table {
	GM_TABLE_FULL_TOC,	/* READ TOC format 2 */
	GM_TABLE_CDTEXT,	/* READ TOC format 5: CD-TEXT packs */
	GM_TABLE_PHYSICAL,	/* DVD PFI, BD DI (READ DISC STRUCTURE) */
	GM_TABLE_MANUFACTURER,	/* DVD DMI, BD PIC */
	GM_TABLE_BCA,		/* burst cutting area */
	GM_TABLE_COUNT
};

/* The outcome of a read of one sector. */
enum gm_read_result {
	GM_READ_OK,		/* data returned (check raw data yourself) */
	GM_READ_MEDIUM,		/* medium error: unreadable */
	GM_READ_C2,		/* raw data returned with C2 errors flagged */
	GM_READ_GONE,		/* the drive or medium is gone: stop */
	GM_READ_RANGE		/* the drive does not reach the sector (LBA
				   out of range): not the medium's fault */
};

/*
 * Open an image file as a drive (every format the formats layer reads).
 * With faults (a fault script's path, may be NULL) the drive is the
 * simulated faulty drive: the emulated MMC drive (vendor SIM, product
 * FAULTY DRIVE) over the image with the script's faults on its medium,
 * read by the MMC back end.  *out on success; gm_drive_close() it.
 */
int gm_drive_open_image(struct gm_ctx *ctx, const char *path,
			const char *faults, struct gm_drive **out);

/*
 * Open source as a drive: a device (/dev/srN, /dev/sgN: the MMC back end,
 * read-only; faults must be NULL) or an image (as gm_drive_open_image()).
 * A device with no medium is -GM_ERR_DEVICE.
 */
int gm_drive_open(struct gm_ctx *ctx, const char *source, const char *faults,
		  struct gm_drive **out);

/*
 * Open the image at path through the emulated MMC drive of profile (NULL:
 * a plain accurate drive) and the MMC back end, which probes and reads it
 * as it does a real drive; with faults (a fault script's path, may be
 * NULL) its medium is damaged as the script says.  A device is
 * -GM_ERR_USAGE: a profile emulates a drive from an image.
 */
struct gm_drive_profile;
int gm_drive_open_emulated(struct gm_ctx *ctx, const char *path,
			   const struct gm_drive_profile *profile, const char *faults,
			   struct gm_drive **out);

/*
 * A drive profile (glassmaster-drive-profile(5)): what a real drive varies
 * in, for the emulated drive.  gm_drive_profile_init() gives a plain
 * accurate drive: offset 0, no overread, C2 of 294 bytes.
 */
#define GM_PROFILE_SPEEDS 16
struct gm_drive_profile {
	char vendor[9], product[17], revision[5];	/* INQUIRY */
	int32_t read_offset;	/* samples (signed): audio comes this many
				   samples later than asked for */
	int32_t overread_leadin;	/* sectors below LBA -150 readable */
	int32_t overread_leadout;	/* sectors past the lead-out readable */
	unsigned c2;		/* 0 none, 294 or 296 bytes a sector */
	bool cdda_data;		/* data sectors read as CD-DA */
	bool accurate_stream;	/* as mode page 2Ah says */
	uint32_t subq_bad;	/* one sector in N returns Q with a bad CRC;
				   0 none */
	uint32_t subq_shift;	/* one sector in N returns the Q of the
				   sector before; 0 none */
	int32_t c2_offset;	/* C2 bits come this many bytes late */
	uint32_t cache;		/* sectors of read cache; 0 none */
	bool read_cdda;		/* read method: every sector asked for as
				   CD-DA (READ CD sector type 1), not "any" */
	bool sub_first;		/* sector order: READ CD puts the subchannel
				   before the C2 field, not after it */
	unsigned speeds[GM_PROFILE_SPEEDS];	/* read speeds, x (150 kB/s) */
	unsigned nspeeds;
};

void gm_drive_profile_init(struct gm_drive_profile *p);

/*
 * The drive database (glassmaster-drive-db(5)): records of real drives in
 * the keys of a drive profile, matched by INQUIRY vendor and product
 * (exact, trailing spaces ignored) and a revision pattern (fnmatch(3)).
 */
struct gm_drive_db;
struct gm_drive_db_record {
	struct gm_drive_profile profile;	/* vendor and product: the match */
	char revision[32];	/* a pattern; "*" when the record has none */
	const char *file;	/* where the record is, for messages */
	unsigned line;
};
struct gm_drive_db *gm_drive_db_new(void);
void gm_drive_db_free(struct gm_drive_db *db);
/* Add the records of text (len bytes, named name) or of the file at
   path, after those read before; a malformed line is -GM_ERR_FORMAT
   naming the file and the line, and adds nothing after it. */
int gm_drive_db_parse(struct gm_ctx *ctx, struct gm_drive_db *db, const char *name,
		      const char *text, size_t len);
int gm_drive_db_load(struct gm_ctx *ctx, struct gm_drive_db *db, const char *path);
/* The first record matching the drive, or NULL. */
const struct gm_drive_db_record *gm_drive_db_match(const struct gm_drive_db *db,
						   const char *vendor, const char *product,
						   const char *revision);
size_t gm_drive_db_count(const struct gm_drive_db *db);

/*
 * Read a profile from text (len bytes, named name in messages) over what
 * p holds (the defaults, after gm_drive_profile_init); a line that is not a known key with a valid value is
 * -GM_ERR_FORMAT naming name and the line.  gm_drive_profile_load reads
 * the file at path over the defaults of gm_drive_profile_init.
 */
int gm_drive_profile_parse(struct gm_ctx *ctx, const char *name, const char *text,
			   size_t len, struct gm_drive_profile *p);
int gm_drive_profile_load(struct gm_ctx *ctx, const char *path,
			  struct gm_drive_profile *p);

/* True when path names a block or character device. */
bool gm_path_is_device(const char *path);

/*
 * Set the read speed: speed times the medium's 1x (CD 176.4 kB/s, DVD
 * 1385 kB/s, BD 4495.5 kB/s), or the maximum when speed <= 0 (SET
 * STREAMING, then SET CD SPEED).  What the drive did is in the journal.
 * Images have no speed: 0 and a journal line.
 */
int gm_drive_set_speed(struct gm_ctx *ctx, struct gm_drive *drive, double speed);

/*
 * The drive's journal since the last call: probing results, fallbacks and
 * commands that failed with their sense, one line each ending in '\n'.
 * Returns NULL when there is nothing new, else a string the caller frees.
 */
char *gm_drive_journal_take(struct gm_drive *drive);

/* A drive found on the system and what it says of itself. */
struct gm_drive_caps {
	char sr[32];		/* /dev/srN, "" when none */
	char sg[32];		/* /dev/sgN, "" when none */
	char vendor[9];
	char product[17];
	char revision[5];
	uint16_t current;	/* current profile, 0 when no medium */
	uint16_t profiles[32];	/* supported profiles (GET CONFIGURATION) */
	size_t nprofiles;
	bool medium;		/* a medium is present and ready */
	bool cd_read, dvd_read, bd_read;	/* read features */
	bool c2;		/* C2 error pointers (CD Read feature) */
	bool cd_text;		/* CD-TEXT (CD Read feature) */
	char status[128];	/* "ready", or why not ("no medium...") */
};

/*
 * Find the optical drives through sysfs (sysfs: its mount point, NULL for
 * /sys): each sr block device and its sg device.  With describe, each is
 * opened read-only and asked (INQUIRY, GET CONFIGURATION, TEST UNIT
 * READY); a drive that cannot be asked says why in status.  *list is
 * malloc'd (free() it), *count may be 0.
 */
int gm_drive_list(struct gm_ctx *ctx, const char *sysfs, bool describe,
		  struct gm_drive_caps **list, size_t *count);

/* "CD-ROM", "DVD+R DL", "BD-RE" for an MMC profile; "unknown" else. */
const char *gm_profile_name(uint16_t profile);

/* Close a drive; NULL is accepted. */
void gm_drive_close(struct gm_drive *drive);

/*
 * The drive as a sector source of its user data (LBA 0 to its data
 * sectors), for the file-system reader: the source owns the drive and
 * closes it when freed (also when this fails).  Sectors that do not read
 * are GM_SECTOR_ERROR; a vanished drive fails the read (-GM_ERR_DEVICE).
 */
int gm_drive_source(struct gm_ctx *ctx, struct gm_drive *drive, struct gm_source **out);

/* The drive's identity and medium. */
const struct gm_drive_info *gm_drive_info(const struct gm_drive *drive);

/* Bytes of C2 error pointers per raw sector: one bit per byte of the 2352,
   most significant bit first (bit 7 of c2[0] flags byte 0), as READ CD
   returns them (MMC-6, 6.19, C2 error flags). */
#define GM_DRIVE_C2_SIZE 294

/*
 * Read count sectors from lba: user data (2048 bytes each) when raw is
 * false, else raw 2352-byte sectors.  result[i] tells each sector; the
 * data of a sector that is not GM_READ_OK or GM_READ_C2 is unspecified.
 * c2 may be NULL, else GM_DRIVE_C2_SIZE bytes per sector of C2 error bits;
 * it is written by raw reads only (all zero when the drive has no C2
 * pointers).  A raw read of a drive whose info.raw is false is refused
 * (-GM_ERR_UNSUPPORTED); sectors outside 0..info.sectors-1 are
 * GM_READ_MEDIUM (a drive's LBA out of range) with a message on ctx, and
 * the call still returns 0.  Every sector of a request that passes those
 * checks counts as a read in gm_drive_reads().
 * Returns 0, or a negative code when the request itself failed (the
 * message on ctx); a vanished drive is GM_READ_GONE in result and
 * -GM_ERR_DEVICE.
 */
int gm_drive_read(struct gm_ctx *ctx, struct gm_drive *drive, int32_t lba,
		  uint32_t count, bool raw, uint8_t *data, uint8_t *c2,
		  enum gm_read_result *result);

/*
 * Read count CD sectors from lba (which may be negative: track 1's pregap
 * from -150, the lead-in before it) as READ CD gives any sector: data
 * (2352 bytes each, audio samples or a whole data sector, as delivered:
 * no offset corrected), and where not NULL c2 (GM_DRIVE_C2_SIZE bytes a
 * sector, as delivered, zero when the drive has none) and sub (96 bytes
 * of raw interleaved P-W a sector; only when info.cd_sub).  result[i]:
 * GM_READ_OK, GM_READ_C2 (a C2 bit set), GM_READ_MEDIUM, GM_READ_RANGE
 * (a command the drive refused as out of its range: for one sector, the
 * drive cannot read it), GM_READ_GONE.  -GM_ERR_UNSUPPORTED when
 * info.cd_raw is false; otherwise as gm_drive_read().
 */
int gm_drive_read_cd(struct gm_ctx *ctx, struct gm_drive *drive, int32_t lba,
		     uint32_t count, uint8_t *data, uint8_t *c2, uint8_t *sub,
		     enum gm_read_result *result);

/*
 * How gm_drive_read_cd() asks: every sector as CD-DA (READ CD expected
 * sector type 1) instead of any type, and where the drive puts the
 * subchannel when C2 is asked for too (sub_first: before the C2 field).
 * Opening the drive finds the order itself when it can; a drive database
 * record sets both.
 */
void gm_drive_set_cd_method(struct gm_drive *drive, bool cdda, bool sub_first);

/* A table the drive read from the medium while it was opened, or NULL;
   *len its bytes. */
const uint8_t *gm_drive_table(const struct gm_drive *drive, enum gm_drive_table t,
			      size_t *len);

/* Reads made so far, sector by sector (the sim drive counts them). */
uint64_t gm_drive_reads(const struct gm_drive *drive);

/* ---------------------------------------------------------------------
 * The rescue engine
 */

/* What the engine is doing, for progress displays. */
struct gm_rip_progress {
	char phase;		/* mapfile phase: '?' copy, '*' trim, '/' scrape,
				   '-' retry, '+' done */
	int pass;
	uint64_t pos;		/* byte position in the output */
	uint64_t size;		/* bytes in all */
	uint64_t rescued;	/* bytes finished */
	uint64_t bad;		/* bytes in bad or not yet read areas tried */
	size_t bad_areas;	/* extents marked bad */
};

struct gm_rip_opts {
	const char *source;	/* a device (/dev/srN, /dev/sgN) or an image */
	const char *faults;	/* a fault script: the simulated drive */
	/* non-NULL: the source image through the emulated drive of this
	   profile and the MMC back end (faults then damage its medium) */
	const struct gm_drive_profile *profile;
	double speed;		/* read speed in x; 0: leave the drive's,
				   < 0: the maximum */
	const char *out;	/* the output image */
	const char *map;	/* the mapfile; NULL: OUT.map */
	const char *command_line;	/* recorded in the mapfile */
	int retries;		/* retry passes over bad sectors */
	/* a CD capture (capture.c): out is NAME, and a CD (or a CD image,
	   through the emulated drive) gives NAME.raw, NAME.sub, ...; other
	   media are ripped to the image out as without it */
	bool capture;
	/* with capture: only a CD is taken (the CLI's -o NAME.chd: the capture
	   is split into NAME.chd); other media are refused before anything
	   is written */
	bool cd_only;
	const struct gm_drive_db *db;	/* the drive's offsets; NULL: none */
	int32_t read_offset;	/* with read_offset_set: overrides the db */
	bool read_offset_set;
	bool secure;		/* every sample read twice and compared */
	int sub_retries;	/* rereads of sectors whose Q fails its CRC */
	unsigned same_damage;	/* give a sector up after this many reads
				   with the same damage in a row; 0: never */
	/* a data disc: the file system's structures, then its files' extents,
	   are read before the rest (files_first); or only they are, the rest
	   left non-tried in the map (used_only) */
	bool files_first, used_only;
	double map_interval;	/* seconds between mapfile saves (30) */
	bool force;		/* replace an output that has no map */
	bool hash;		/* write OUT.dat with CRC-32, MD5, SHA-1 */
	/* stop request, polled between reads (a signal handler sets it) */
	volatile int *stop;
	void (*progress)(void *arg, const struct gm_rip_progress *p);
	void *arg;
};

struct gm_rip_report {
	struct gm_drive_info drive;
	uint64_t size;		/* bytes of the output */
	uint64_t rescued;	/* bytes finished */
	uint64_t bad;		/* bytes left bad */
	size_t bad_areas;
	bool checked;		/* sectors were read raw and checked (EDC/ECC) */
	bool resumed;		/* a mapfile was found and continued */
	uint64_t reads;		/* sector reads made by this run */
	uint64_t unused;	/* --used-only: sectors the file system does not
				   use, left non-tried (not counted in bad) */
	/* a capture: NAME.raw's range, bytes above are of NAME.raw */
	bool capture;
	int32_t first_lba;
	uint32_t sectors;
	int32_t read_offset;	/* found, not applied */
	char offset_why[160];
	unsigned long unreachable;	/* sectors the drive refused */
	uint64_t edge_samples;	/* samples beyond its reach by the offset */
	uint64_t sub_bad;	/* sectors whose Q stayed bad or unread */
	/* a DVD or BD: where layer 0 ends (0: one layer or unknown) */
	int32_t layer_break;
};

/* Options with their defaults. */
void gm_rip_opts_init(struct gm_rip_opts *opts);

/*
 * Rip opts->source to opts->out with its mapfile (resuming when the map
 * exists), a log (OUT.log) and, with opts->hash, a dat (OUT.dat).
 * Returns 0 when every sector was recovered, -GM_ERR_UNREADABLE when bad
 * sectors remain, -GM_ERR_INTERRUPTED when stopped (state saved),
 * -GM_ERR_DEVICE when the drive failed or vanished (state saved), or
 * another code for bad input or output failures (state saved where there
 * was any).
 */
int gm_rip(struct gm_ctx *ctx, const struct gm_rip_opts *opts,
	   struct gm_rip_report *report);

#endif
