/*
 * verify.h - checking discs and images.
 *
 * This version checks the integrity of raw images (2352-byte sectors, or
 * 2448 with interleaved subchannel): the sync, header address, EDC and ECC
 * of every data sector and, where there is subchannel, the CRC of every Q
 * frame (ECMA-130 14 and 22.3.5).  Comparing a source against a master
 * comes with the image formats and drives.
 */
#ifndef GM_VERIFY_H
#define GM_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "formats.h"
#include "hash.h"
#include "image.h"

/* One sector that failed its check. */
struct gm_bad_sector {
	uint64_t index;		/* position in the image, from 0 */
	int32_t lba;		/* the address it should have */
	struct gm_sector_info info;	/* mode, status (GM_CHECK_GOOD for an
					   audio sector), header address */
	bool q_bad;		/* its Q subchannel CRC failed */
};

/* Called once per bad sector, in order. */
typedef void (*gm_bad_sector_fn)(void *arg, const struct gm_bad_sector *bad);

struct gm_integrity_opts {
	/* 2352, or 2448 for raw sectors each followed by 96 bytes of
	   interleaved subchannel; 0 guesses from the file size (2352 unless
	   only 2448 divides it). */
	size_t sector_size;
	/* LBA of the image's first sector; GM_LBA_ANY takes it from the first
	   data sector whose header and EDC are good. */
	int32_t first_lba;
	gm_bad_sector_fn on_bad;
	gm_progress_fn progress;
	void *arg;		/* passed to on_bad and progress */
};

struct gm_integrity_report {
	size_t sector_size;
	uint64_t sectors;
	int32_t first_lba;	/* GM_LBA_ANY when no data sector told it */
	uint64_t by_mode[GM_MODE_INVALID + 1];	/* sectors of each kind */
	uint64_t bad;		/* sectors with a failed sector check */
	uint64_t q_bad;		/* sectors with a bad Q CRC */
	uint64_t failed;	/* sectors with either */
	/* images read through their sector source: the file systems of the
	   data track at LBA 0 and what is wrong with their descriptors */
	bool iso9660, udf;
	unsigned fs_problems;
	char fs_text[4096];	/* the faults, one a line (those that fit) */
	bool structure_only;	/* a user-data image: no sector could be
				   checked, only its file systems */
	/* a CHD: every hunk decompressed with its CRC-16 checked, and the
	   SHA-1 of its data against the header's */
	bool chd;
	uint64_t chd_hunks, chd_bad_hunks;
	bool chd_sha1_ok;
	char chd_text[4096];	/* the damaged hunks and their sectors, a line each */
};

/* Options with their defaults: guess the sector size and first LBA. */
void gm_integrity_opts_init(struct gm_integrity_opts *opts);

/*
 * Check every sector of the raw image at path.  Audio sectors (no sync)
 * are counted, not reported.  Returns 0 when every sector is good,
 * -GM_ERR_MISMATCH when some are not (the report and on_bad tell which),
 * or another negative code when the file cannot be checked (not found,
 * not a whole number of sectors, read error), with the message on ctx.
 * The file is opened read-only.
 */
int gm_integrity_check_raw(struct gm_ctx *ctx, const char *path,
			   const struct gm_integrity_opts *opts,
			   struct gm_integrity_report *report);

/*
 * The same for any image the formats layer reads (a cue sheet, CloneCD,
 * cdrdao TOC, NRG, MDS): every stored raw sector of its tracks, data
 * sectors checked at their own LBA, audio sectors counted, Q checked where
 * the image has subchannel.  Tracks stored as user data only are skipped
 * (their raw form would be glassmaster's own encoding); an image with no
 * raw track is -GM_ERR_UNSUPPORTED.  Returns as gm_integrity_check_raw().
 */
int gm_integrity_check_image(struct gm_ctx *ctx, const char *path,
			     const struct gm_integrity_opts *opts,
			     struct gm_integrity_report *report);

/* ---------------------------------------------------------------------
 * Comparing a source with a master, and the surface map
 */

enum gm_range_kind {
	GM_RANGE_MISMATCH,	/* read, but not the master's bytes */
	GM_RANGE_UNREADABLE,	/* not read, after the retries */
	GM_RANGE_MISSING	/* the master's, beyond the end of the source */
};

/* A run of sectors [first, last] of one kind, and the files it touches. */
struct gm_verify_range {
	int32_t first, last;
	enum gm_range_kind kind;
	char **files;		/* image paths ("/docs/a.txt"), may be none */
	size_t nfiles;
};

struct gm_verify_opts {
	const char *source;	/* a device or an image */
	const char *faults;	/* a fault script: the simulated drive */
	/* non-NULL: the source image through the emulated drive of this
	   profile and the MMC back end (faults then damage its medium) */
	const struct gm_drive_profile *profile;
	const char *master;	/* an image, or a Logiqx dat (.dat, .xml) */
	int retries;		/* reads more of a sector that failed (1) */
	bool hash;		/* CRC-32, MD5, SHA-1 of the source (true) */
	bool speed;		/* sample the read speed over the extent */
	void (*progress)(void *arg, uint64_t done, uint64_t total);
	void *arg;
	volatile int *stop;	/* polled between blocks */
};

/* A track compared. */
struct gm_verify_track {
	unsigned number;
	bool audio;
	int32_t first, last;	/* LBAs compared */
	bool offset_found;	/* audio: the source's offset was found */
	int offset;		/* audio: in samples, source = master shifted by it */
	uint64_t mismatched;	/* sectors */
	bool hashed;
	struct gm_digests digests;	/* of the source's track: user data of a
					   data track, raw sectors of audio */
};

/* A file of an image source checked against a dat. */
enum gm_dat_status {
	GM_DAT_MATCH,		/* its rom's size and digests */
	GM_DAT_DIFFERS,		/* its rom says otherwise */
	GM_DAT_NOT_IN_DAT,	/* no rom of its name */
	GM_DAT_MISSING		/* a rom no file of the source answers */
};

struct gm_verify_file {
	char name[512];		/* the base name, as redump names the rom */
	enum gm_dat_status status;
	struct gm_digests digests;	/* not for GM_DAT_MISSING */
};

struct gm_verify_report {
	uint64_t sectors;	/* the master's extent, compared */
	uint64_t extra;		/* source sectors beyond it, not compared */
	uint64_t mismatched, unreadable, missing;	/* sectors of each kind */
	uint64_t recovered;	/* sectors read right by a retry */
	bool checked;		/* a CD source read raw, EDC/ECC checked */
	bool iso9660;		/* the master holds an ISO 9660 volume */
	uint64_t volume;	/* its volume space size (sectors), 0 unknown;
				   the master's sectors beyond it are
				   compared too */
	struct gm_verify_range *ranges;	/* in LBA order */
	size_t nranges;
	bool hashed;
	struct gm_digests digests;	/* of the source over the extent */
	bool dat;		/* the master was a dat */
	bool dat_rom_found, dat_match;
	double *speed;		/* kB/s over nspeed slices (opts->speed) */
	size_t nspeed;
	struct gm_verify_track *tracks;	/* the data track, audio tracks */
	size_t ntracks;
	struct gm_verify_file *files;	/* an image source against a dat */
	size_t nfiles;
};

void gm_verify_opts_init(struct gm_verify_opts *opts);

/*
 * Compare opts->source with opts->master (see compare.c).  Returns 0 for
 * a match, -GM_ERR_MISMATCH when sectors differ or are missing (or the dat
 * does not match), -GM_ERR_UNREADABLE when only unreadable sectors
 * remain, another code for bad input or a device failure.  The report is
 * filled in all these cases; gm_verify_report_release() it.
 */
int gm_verify(struct gm_ctx *ctx, const struct gm_verify_opts *opts,
	      struct gm_verify_report *report);

void gm_verify_report_release(struct gm_verify_report *report);

/*
 * Give each range the files and directories of the file system in image
 * (ISO 9660 through libiso9660, else UDF through our own walk) whose extents it
 * touches; raw: image holds raw 2352-byte sectors from LBA 0 (ISO 9660
 * only).  An image without a file system names nothing.
 */
int gm_name_ranges(struct gm_ctx *ctx, const char *image, bool raw,
		   struct gm_verify_range *ranges, size_t nranges);

/* The same with ISO 9660 (and Rock Ridge names), else UDF, read through a
   sector source: any image format, raw sectors included. */
int gm_name_ranges_source(struct gm_ctx *ctx, struct gm_source *src,
			  struct gm_verify_range *ranges, size_t nranges);

struct gm_svg_opts {
	const char *title;	/* drawn at the top, e.g. "disc.iso vs master.iso" */
	uint64_t sectors;	/* the master's extent */
	uint64_t extra;		/* sectors of the source beyond it */
	const struct gm_verify_range *ranges;	/* sorted by first */
	size_t nranges;
	const double *speed;	/* read speed in kB/s over nspeed equal slices
				   of the extent (a drive), or NULL */
	size_t nspeed;
};

/*
 * Write an SVG surface map to path: the disc as a strip from LBA 0 to
 * the end, good sectors green, mismatching red, unreadable black, missing
 * grey, extra sectors noted, a legend, and the read speed drawn over the
 * position when known.  Each range is an element with data-first,
 * data-last and data-kind attributes.  Written to a temporary, renamed
 * (an existing file is replaced).
 */
int gm_svg_map_write(struct gm_ctx *ctx, const char *path,
		     const struct gm_svg_opts *opts);

/* ---------------------------------------------------------------------
 * File systems in data tracks
 */

struct gm_fs_info {
	bool iso9660;		/* a primary volume descriptor at sector 16 */
	char iso_label[33];	/* its volume identifier, trailing blanks cut */
	uint32_t iso_blocks;	/* volume space size, in logical blocks */
	uint32_t iso_block_size;
	bool joliet;		/* a Joliet supplementary descriptor */
	bool udf;		/* an NSR02/NSR03 volume recognition sequence */
	char udf_revision[8];	/* "NSR02" or "NSR03" */
	char udf_label[128];	/* logical volume identifier, when libudf reads it */
};

/*
 * Look for ISO 9660 (ECMA-119: the volume descriptors from sector 16, read
 * through libiso9660's accessors) and UDF (ECMA-167 volume recognition;
 * the label through libudf when path is a plain 2048-byte image) in the
 * data track of src that starts at lba.  path may be NULL.  Returns 0 (with
 * *fs zeroed when nothing is found) or a negative code for a read failure.
 */
int gm_fs_probe(struct gm_ctx *ctx, struct gm_source *src, int32_t lba,
		const char *path, struct gm_fs_info *fs);


/* ---------------------------------------------------------------------
 * What a CD's audio is known by (accuraterip.c): AccurateRip, the CUETools
 * database, freedb and MusicBrainz
 */

#define GM_AR_MAX 99
struct gm_ar_track {
	uint8_t number;		/* in the TOC */
	uint8_t ordinal;	/* among the audio tracks, from 1 */
	uint8_t session;
	int32_t start, end;	/* LBA: INDEX 01 to the next audio track's */
	uint32_t v1, v2;	/* AccurateRip checksums */
	uint32_t frame450;	/* the v1 sum of the track's sector 450 (from 0),
				   multipliers 1-588 */
};
struct gm_ar_disc {
	unsigned ntracks;	/* audio tracks */
	struct gm_ar_track tracks[GM_AR_MAX];
	int32_t leadout;	/* where the audio ends (a CD-Extra: its first
				   session's lead-out) */
	uint32_t id1, id2, cddb;	/* AccurateRip's disc ids; cddb is the
					   freedb id of the whole TOC */
	char dbar[64];		/* dBAR-NNN-ID1-ID2-CDDB.bin */
	char dbar_path[80];	/* X/Y/Z/dBAR-... as AccurateRip serves it */
	char musicbrainz[32];	/* the MusicBrainz disc id */
	char ctdb_toc[32];	/* the CUETools database's TOC id */
	uint32_t ctdb_crc;	/* its whole-disc CRC */
};

/* The disc ids of d alone (no samples read): ar's tracks (ranges), ids. */
void gm_ar_ids(const struct gm_disc *d, struct gm_ar_disc *ar);

/* The ids and every checksum, reading src's audio once. */
int gm_accuraterip(struct gm_ctx *ctx, struct gm_source *src, struct gm_ar_disc *ar,
		   gm_progress_fn progress, void *arg);


/* A dBAR file: AccurateRip's responses for one disc id. */
#define GM_DBAR_MAX 10000
struct gm_dbar_track {
	uint8_t confidence;
	uint32_t crc;		/* v1 or v2 of the track */
	uint32_t crc450;	/* the offset-finding CRC */
};
struct gm_dbar_response {
	uint8_t ntracks;
	uint32_t id1, id2, cddb;
	struct gm_dbar_track tracks[GM_AR_MAX];
};
struct gm_dbar {
	unsigned n;
	struct gm_dbar_response *r;
};

/* Read a dBAR file's responses (name in messages); a malformed one is
   -GM_ERR_FORMAT naming the byte.  Release it. */
int gm_dbar_parse(struct gm_ctx *ctx, const char *name, const uint8_t *data, size_t len,
		  struct gm_dbar *db);
void gm_dbar_release(struct gm_dbar *db);

enum gm_ar_status {
	GM_AR_NOT_FOUND,	/* no response holds this track's checksum */
	GM_AR_ACCURATE,		/* v1 or v2 at the offset used */
	GM_AR_OFFSET		/* v1 matches with the samples shifted */
};
struct gm_ar_verdict {
	uint8_t number;
	enum gm_ar_status status;
	int version;		/* 1 or 2 */
	unsigned confidence;	/* of the best response that matched */
	unsigned response;	/* which (from 1) */
	int32_t offset;		/* GM_AR_OFFSET: samples the audio must move
				   (positive: the read offset was that many
				   samples short) */
};

/*
 * Match ar's tracks (from gm_accuraterip() over src) against db: v2, then
 * v1 at the offset used, then v1 at every offset within +-2939 samples
 * (the nearest to 0 wins).  A response counting every TOC track (a
 * mixed-mode disc's data slot) is matched by TOC position.  v must hold
 * ar->ntracks verdicts.
 */
int gm_ar_verify(struct gm_ctx *ctx, struct gm_source *src, const struct gm_ar_disc *ar,
		 const struct gm_dbar *db, struct gm_ar_verdict *v);

#endif
