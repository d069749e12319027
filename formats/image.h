/*
 * image.h - the disc model and sector sources.
 *
 * A disc (struct gm_disc) is what a table of contents tells: sessions,
 * tracks with their modes, CONTROL flags, ISRC and indexes, the MCN and the
 * lead-out, plus, for an image, where each track's sectors are stored.
 * A sector source (struct gm_source) yields sectors of a disc by LBA, as
 * user data, raw 2352-byte sectors, or raw sectors with 96 bytes of
 * interleaved subchannel, each with a status.  Image formats fill the disc
 * model; one generic image source serves them all, synthesising what an
 * image does not store (unstored pregaps and postgaps, sync/header/EDC/ECC
 * of cooked sectors, subchannel).  Drives will be sources too.
 */
#ifndef GM_IMAGE_H
#define GM_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "formats.h"
#include "hash.h"

#define GM_MAX_TRACKS 99

enum gm_media { GM_MEDIA_CD, GM_MEDIA_DVD, GM_MEDIA_BD };

/* What the sectors of a track are (the cue sheet's track types). */
enum gm_track_mode {
	GM_TRACK_AUDIO,		/* CD-DA: 2352 bytes of samples */
	GM_TRACK_MODE1,		/* Mode 1 data */
	GM_TRACK_MODE2,		/* Mode 2: formless or XA Form 1/2 sectors */
	GM_TRACK_CDI		/* CD-i: Mode 2 XA */
};

/* How a track's sectors are stored in its file (bytes per sector). */
enum gm_storage {
	GM_STORE_USER = 2048,	/* user data only (Mode 1, Mode 2 Form 1) */
	GM_STORE_FORM2 = 2324,	/* Form 2 user data only */
	GM_STORE_MODE2 = 2336,	/* everything after the header */
	GM_STORE_RAW = 2352,	/* the whole sector (or audio samples) */
	GM_STORE_RAW_SUB = 2448	/* raw + 96 bytes of interleaved subchannel */
};

/* How the bytes of a file are to be read. */
enum gm_file_type {
	GM_FILE_BINARY,		/* as stored; audio little-endian */
	GM_FILE_MOTOROLA,	/* audio samples big-endian */
	GM_FILE_WAVE		/* RIFF WAVE: 16-bit stereo 44.1 kHz PCM */
};

/* How the file a sheet names was found. */
enum gm_file_found {
	GM_FOUND_EXACT,		/* under its name */
	GM_FOUND_CASE,		/* under its name in another case */
	GM_FOUND_SHEET		/* under the sheet's name (a sheet of one file) */
};

struct gm_file {
	char *path;		/* as opened (resolved against the sheet) */
	char *name;		/* as written in the sheet */
	enum gm_file_found found;
	enum gm_file_type type;
	uint64_t data_offset;	/* where the data starts (WAVE header) */
	uint64_t size;		/* bytes of data from data_offset */
	bool sub_deinterleaved;	/* a subchannel file in CloneCD order (12
				   bytes P, 12 Q, ... W per sector), which
				   the source interleaves when it reads */
	/* a file whose bytes are made, not stored (a CHD's decompressed
	   frames): read(read_arg, ...) gives len bytes at offset (0, or a
	   negative code with the message on ctx); release(read_arg) when the
	   disc is released.  NULL: the file at path is read. */
	int (*read)(void *arg, struct gm_ctx *ctx, uint64_t offset, uint8_t *buf,
		    size_t len);
	void (*release)(void *arg);
	void *read_arg;
};

/* CD-TEXT fields kept per disc and per track (MMC, Annex J pack types). */
enum gm_cdtext_field {
	GM_CDTEXT_TITLE, GM_CDTEXT_PERFORMER, GM_CDTEXT_SONGWRITER,
	GM_CDTEXT_COMPOSER, GM_CDTEXT_ARRANGER, GM_CDTEXT_MESSAGE,
	GM_CDTEXT_COUNT
};

struct gm_track {
	uint8_t number;		/* 1..99 */
	uint8_t session;	/* 1.. */
	enum gm_track_mode mode;
	uint8_t control;	/* GM_CTL_* (GM_CTL_DATA for data tracks) */
	bool scms;		/* serial copy management: copy prohibited */
	char isrc[13];		/* "" when none */
	int32_t index[100];	/* absolute LBA of index N; index[0] is the
				   pregap start (== index[1] without one) */
	unsigned nindex;	/* highest index (>= 1) */
	int32_t end;		/* first LBA after the track, postgap included */
	int32_t pregap;		/* unstored sectors from index[0] (cue PREGAP) */
	int32_t postgap;	/* unstored sectors before end (cue POSTGAP) */
	char *cdtext[GM_CDTEXT_COUNT];	/* NULL when absent */
	/* storage: the stored sectors run from index[0] + pregap to
	   end - postgap */
	unsigned file;		/* index into disc->files */
	uint64_t offset;	/* byte offset of the first stored sector */
	enum gm_storage storage;
	int sub_file;		/* separate subchannel file (CloneCD), or -1 */
	uint64_t sub_offset;	/* its byte offset for the first stored sector */
};

struct gm_disc {
	enum gm_media media;
	unsigned ntracks;
	struct gm_track tracks[GM_MAX_TRACKS];
	unsigned nsessions;
	int32_t leadout;	/* LBA of the (last session's) lead-out */
	char mcn[14];		/* "" when none */
	char *cdtext[GM_CDTEXT_COUNT];
	char *cdtextfile;	/* CDTEXTFILE as written, or NULL */
	unsigned nfiles;
	struct gm_file *files;
	const char *format;	/* name of the format it was read from */
	char **notes;		/* what the reader guessed or worked around
				   (a file found under another name, a
				   layout guessed), for the user to see */
	unsigned nnotes;
};

/* Release what a disc owns (strings, files); the struct itself stays. */
void gm_disc_release(struct gm_disc *disc);

/* The track holding lba (pregap included), or NULL. */
const struct gm_track *gm_disc_track_at(const struct gm_disc *disc,
					 int32_t lba);

/* Name of a track mode ("MODE1"), as in cue sheets without the size. */
const char *gm_track_mode_name(enum gm_track_mode mode);

/* Stored sectors of a track. */
int32_t gm_track_stored(const struct gm_track *t);

/* ---------------------------------------------------------------------
 * Sector sources (the seam of doc/design.md)
 */

enum gm_sector_kind {
	GM_SECTOR_KIND_USER,	/* 2048 bytes (2324 for Form 2, 2352 audio) */
	GM_SECTOR_KIND_RAW,	/* 2352 bytes */
	GM_SECTOR_KIND_RAW_SUB	/* 2352 + 96 bytes of interleaved P-W */
};

/* Bytes per sector a request of this kind gets in gm_read.data. */
size_t gm_sector_kind_size(enum gm_sector_kind kind);

enum gm_sector_status {
	GM_SECTOR_GOOD,
	GM_SECTOR_UNREAD,	/* not read (beyond the source, or not tried) */
	GM_SECTOR_ERROR,	/* the source reported a read error */
	GM_SECTOR_C2,		/* read with C2 errors */
	GM_SECTOR_EDC,		/* raw sector whose EDC/ECC/header check failed */
	GM_SECTOR_FORM2_DATA,	/* a user-data read of a Form 2 sector: only its
				   first 2048 of 2324 bytes fit */
	GM_SECTOR_AUDIO,	/* a user-data read of an audio sector: zeros */
	GM_SECTOR_SYNTH		/* not stored; synthesised (pregap, postgap) */
};

/* One request, filled by the source. */
struct gm_read {
	int32_t lba;
	uint32_t count;
	enum gm_sector_kind kind;
	uint8_t *data;		/* count * gm_sector_kind_size(kind) bytes */
	enum gm_sector_status *status;	/* count entries, may be NULL */
};

struct gm_source;

/*
 * Open the image at path as a sector source, probing its format (content
 * first, extension second).  *out is set on success; gm_source_free() it.
 */
int gm_image_open(struct gm_ctx *ctx, const char *path,
		  struct gm_source **out);

/* The same without probing: path read as the format named ("iso", "cue",
   ...), as a rip's partial output is. */
int gm_image_open_as(struct gm_ctx *ctx, const char *path, const char *format,
		     struct gm_source **out);

/*
 * A source of one user-data track of sectors sectors whose reads are
 * read(arg, ctx, req) (a drive: rip's gm_drive_source()); release(arg)
 * when it is freed.
 */
typedef int (*gm_source_read_fn)(void *arg, struct gm_ctx *ctx, struct gm_read *req);
int gm_source_new_fn(struct gm_ctx *ctx, enum gm_media media, int32_t sectors,
		     gm_source_read_fn read, void (*release)(void *arg), void *arg,
		     struct gm_source **out);

/* The disc a source holds; owned by the source. */
const struct gm_disc *gm_source_disc(const struct gm_source *src);

/*
 * Read req->count sectors from req->lba.  Sectors outside the disc get
 * GM_SECTOR_UNREAD and zero bytes.  Returns 0, or a negative code for an
 * I/O failure of the image itself (message on ctx).
 */
int gm_source_read(struct gm_ctx *ctx, struct gm_source *src,
		   struct gm_read *req);

/*
 * Every hunk of the CHD disc (a "chd" image's) decompressed and its CRC-16
 * checked, and the SHA-1 of its data against its header's: the damaged
 * ones a line each in text ("hunk N (LBA a-b (track t)): why").  0, or a
 * negative code when the file cannot be read at all.
 */
int gm_chd_check(struct gm_ctx *ctx, const struct gm_disc *disc, char *text, size_t len,
		 uint64_t *hunks, uint64_t *bad, bool *sha1_ok);

/* What the header of a "chd" image's CHD says (false for other images). */
struct gm_chd_summary {
	uint32_t version;
	uint32_t codecs[4];	/* FourCCs, 0 when unused */
	uint32_t hunk_bytes, unit_bytes, hunks;
	uint64_t logical_bytes, file_size;
	uint8_t raw_sha1[20];	/* of the data */
	uint8_t sha1[20];	/* of the data and the checksummed metadata */
};
bool gm_chd_summary(const struct gm_disc *disc, struct gm_chd_summary *out);

/* Free a source; NULL is accepted. */
void gm_source_free(struct gm_source *src);

/* How a stored subchannel differs from the one its layout generates. */
struct gm_sub_diff {
	uint32_t sectors;	/* sectors whose P-W differ in any channel */
	uint32_t p;		/* ... whose P differs */
	uint32_t q;		/* ... whose Q differs */
	uint32_t q_bad_crc;	/* ... of those, Q frames failing their CRC */
	uint32_t rw;		/* ... which carry R-W data (not all zero) */
	int32_t first;		/* the first such sector, when sectors > 0 */
};

/*
 * Compare the subchannel of sectors lba..end-1 as the image stores it with
 * the subchannel gm_sub_generate() makes from the image's layout (what a
 * format without subchannel would give back).  Sectors without stored
 * subchannel are equal by definition.  Returns 0 or a negative code for an
 * I/O failure (message on ctx).
 */
int gm_source_sub_diff(struct gm_ctx *ctx, struct gm_source *src, int32_t lba,
		       int32_t end, struct gm_sub_diff *diff);

/* ---------------------------------------------------------------------
 * Image formats
 */

/* The files an output would be made of, hashed instead of written. */
struct gm_write_hashes {
	unsigned n;
	struct {
		char name[256];		/* the file's base name */
		struct gm_digests d;
	} files[GM_MAX_TRACKS + 4];
};

struct gm_write_opts {
	bool force;		/* replace an existing output */
	bool split;		/* cue: one file per track (redump naming) */
	bool merge;		/* cue: one file for all tracks */
	bool lossy;		/* allow dropping what the target cannot hold */
	bool sync;		/* fsync the outputs before naming them */
	gm_progress_fn progress;
	/* a sector that did not read good (EDC/ECC, unreadable) */
	void (*on_bad)(void *arg, int32_t lba, enum gm_sector_status status);
	void *arg;		/* for progress and on_bad */
	/* cue sheets: write nothing; hash each file into *hashes (size,
	   CRC-32, MD5, SHA-1, SHA-256), as `hash` of a CHD does */
	struct gm_write_hashes *hashes;
};

/* Name of the format (e.g. "cue") an output path's extension selects,
   or NULL when none can be written to it. */
const char *gm_format_for_output(const char *path);

/*
 * Write the whole of src to path in the format its extension selects.
 * What the target cannot hold (audio or Form 2 in .iso, subchannel in
 * .cue, ...) is refused with a message saying what would be lost, unless
 * opts->lossy.  The output is written to a temporary file beside path and
 * renamed when complete (files of a set are renamed together, the sheet
 * last); an existing path is refused unless opts->force.  Bad sectors met
 * on the way go to opts->on_bad and make the result -GM_ERR_MISMATCH
 * after the image is written.
 */
int gm_image_write(struct gm_ctx *ctx, struct gm_source *src,
		   const char *path, const struct gm_write_opts *opts);


/*
 * CD-TEXT of every block (language) of a disc, decoded from its packs
 * (cdtext.c): each block's character set (from its size information, or
 * double-byte packs) turned to UTF-8 (ISO 8859-1, ASCII, MS-JIS through
 * iconv's CP932), a TAB repeating the previous track's text, packs whose
 * CRC is wrong (not 0) left out and counted.
 */
#define GM_CDTEXT_ISO8859_1 0x00
#define GM_CDTEXT_ASCII 0x01
#define GM_CDTEXT_MSJIS 0x80
struct gm_cdtext_block {
	bool present;
	bool size_info;		/* its 3 size information packs were there */
	uint8_t charset;	/* GM_CDTEXT_* */
	uint8_t language;	/* the EBU code (09h English, 08h German, 69h
				   Japanese...), 0 unknown */
	char *text[GM_CDTEXT_COUNT][100];	/* [field][track], 0 the disc */
};
struct gm_cdtext_all {
	struct gm_cdtext_block blocks[8];
	unsigned packs, bad_crc;
};
int gm_cdtext_decode(struct gm_ctx *ctx, const uint8_t *packs, size_t npacks,
		     struct gm_cdtext_all *all);
void gm_cdtext_all_release(struct gm_cdtext_all *all);

#endif
