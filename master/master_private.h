/*
 * master_private.h - what the mastering writers share inside the library
 * beyond the scanner: the notes their reports carry.  Not installed.
 */
#ifndef GM_MASTER_PRIVATE_H
#define GM_MASTER_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "image_private.h"
#include "master.h"

/* Append a formatted note to *notes (at most max of them; dropped when out
   of memory). */
void gm_notes_add(char ***notes, size_t *count, size_t max, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Free the notes and empty the list. */
void gm_notes_free(char ***notes, size_t *count);

/*
 * A source file held to the size the scan recorded (source.c): opening
 * it checks its size, gm_held_read() gives exactly count bytes (fewer only
 * at the recorded size), failing when the file ends early and, once the
 * recorded size is reached, when there is a byte more.  Reads go through
 * a read_ahead-byte buffer when asked for less than that at a time (0:
 * never).  Failures return -1 and are described in msg.
 */
struct gm_held {
	const struct gm_node *node;
	int fd;
	uint64_t done;		/* bytes given out */
	uint8_t *buf;		/* read ahead */
	size_t cap, have, used;
};

int gm_held_open(struct gm_held *h, const struct gm_node *node, size_t read_ahead,
		 char *msg, size_t len);

int gm_held_read(struct gm_held *h, void *out, size_t count, char *msg, size_t len);

void gm_held_close(struct gm_held *h);

/*
 * The UDF side of an ISO 9660 + UDF bridge image (udf.c; iso.c drives
 * it).  gm_udf_bridge_new() lays the tree out as UDF with no file data:
 * the volume structures, from 2.50 on the metadata partition and its
 * mirror, and the metadata (FSD, entries, directories) end below
 * gm_udf_bridge_start(), the sector where the ISO 9660 session, written
 * by libisofs with that ms_block, begins.  When the session is written
 * (up to sector iso_end), gm_udf_bridge_finish() asks locate() for the
 * sector of each regular file's data (one contiguous run), points the
 * File Entries at it, writes sectors 0 to start - 1 over f from head
 * (the 32 sectors libisofs filled for the start of the medium: system
 * area and volume descriptors, which the recognition sequence follows)
 * and appends the anchors at N - 256 and N.  Each file's data is then in
 * the image once, reached from both file systems.
 */
struct gm_udf_bridge;

int gm_udf_bridge_new(struct gm_ctx *ctx, const struct gm_tree *tree,
		      const struct gm_udf_opts *opts, const char *out,
		      struct gm_udf_report *report, struct gm_udf_bridge **bridge);

uint32_t gm_udf_bridge_start(const struct gm_udf_bridge *bridge);

int gm_udf_bridge_finish(struct gm_udf_bridge *bridge, struct gm_outset *set,
			 FILE *f, const uint8_t *head, uint32_t iso_end,
			 int (*locate)(void *arg, const struct gm_node *node,
				       uint32_t *lba),
			 void *arg);

void gm_udf_bridge_free(struct gm_udf_bridge *bridge);

#endif
