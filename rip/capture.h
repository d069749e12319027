/*
 * capture.h - the CD capture (capture.c), whose description file,
 * NAME.capture, is formats/capdesc.h's: inside the library, not installed.
 */
#ifndef GM_CAPTURE_H
#define GM_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "capdesc.h"
#include "rip.h"

/* Write a table the drive read (less its first skip bytes) to path,
   replaced atomically; with resumed, an existing file that differs means
   another disc (-GM_ERR_EXISTS).  No table: nothing written, 0. */
int gm_capture_keep_table(struct gm_ctx *ctx, struct gm_drive *drive,
			  enum gm_drive_table t, const char *path, size_t skip,
			  bool resumed);

/* Capture the CD in drive (opened by gm_rip) into NAME.raw, NAME.sub,
   their maps, NAME.capture, NAME.toc, NAME.cdtext and NAME.log. */
int gm_capture(struct gm_ctx *ctx, const struct gm_rip_opts *opts,
	       struct gm_drive *drive, const char *name, struct gm_rip_report *report);

#endif
