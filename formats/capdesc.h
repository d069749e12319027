/*
 * capdesc.h - NAME.capture, the description of a CD capture
 * (glassmaster-rip(1)): written by the capture (rip/capture.c), read back
 * on a resume and by the capture image format (capture.c here).  Inside
 * the library, not installed.
 */
#ifndef GM_CAPDESC_H
#define GM_CAPDESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* NAME.capture: what NAME.raw holds and how it was read. */
struct gm_capture_desc {
	int32_t first_lba;	/* the LBA of NAME.raw's first sector */
	uint32_t sectors;	/* sectors in NAME.raw (and NAME.sub) */
	int32_t leadout;	/* the lead-out's LBA, from the TOC */
	int32_t reach_lo, reach_hi;	/* the drive reads [reach_lo, reach_hi) */
	int32_t read_offset;	/* samples, AccurateRip's sign; not applied */
	char offset_why[160];	/* where the read offset came from */
	int32_t over_in, over_out;	/* overread from the drive database */
	int32_t c2_offset;	/* bytes, taken back before C2 is judged */
	unsigned c2_size;	/* 0, 294, 296 */
	bool sub;		/* NAME.sub and NAME.sub.map exist */
	bool cdda;		/* every sector was read as CD-DA: data sectors
				   are in NAME.raw as audio is (shifted) */
	bool audio_first, audio_last;	/* the edge tracks are audio (shifted) */
	char drive[64];		/* vendor product revision */
	uint8_t *unreach;	/* a bit a sector: refused by the drive */
};

/* Allocate the unreachable bitmap for d->sectors (all clear). */
int gm_capture_desc_alloc(struct gm_ctx *ctx, struct gm_capture_desc *d);
void gm_capture_desc_release(struct gm_capture_desc *d);

/* Write d to path atomically (path.tmp, fsync, rename). */
int gm_capture_desc_save(struct gm_ctx *ctx, const struct gm_capture_desc *d,
			 const char *path);

/* Read a description from text (len bytes, named name in messages) or
   from the file at path into d (released by the caller, also after a
   failure); a malformed line is -GM_ERR_FORMAT naming it. */
int gm_capture_desc_parse(struct gm_ctx *ctx, struct gm_capture_desc *d,
			  const char *name, const char *text, size_t len);
int gm_capture_desc_load(struct gm_ctx *ctx, struct gm_capture_desc *d,
			 const char *path);

/*
 * Open the capture described by path as a disc (capture.c): the layout
 * from its Q subchannel, audio shifted by its read offset plus *offset
 * samples (the write offset; with GM_CAPTURE_DETECT found and put in
 * *offset, 0 when it cannot be); with GM_CAPTURE_SUB the subchannel is NAME.sub's
 * (else none: a reader generates it), with GM_CAPTURE_CDTEXTFILE the disc
 * names NAME.cdtext as its CDTEXTFILE (a cue writer copies it).  Fills *d
 * (zeroed by the caller).
 */
#define GM_CAPTURE_SUB 1
#define GM_CAPTURE_CDTEXTFILE 2
#define GM_CAPTURE_DETECT 4	/* find the write offset (write_offset unused):
				   a note says what was found */
struct gm_disc;
int gm_capture_open(struct gm_ctx *ctx, const char *path, int32_t *offset,
		    unsigned flags, struct gm_disc *d);

/* The same as a sector source (gm_source_free() it). */
struct gm_source;
int gm_capture_source(struct gm_ctx *ctx, const char *path, int32_t *offset,
		      unsigned flags, struct gm_source **out);

#endif
