/*
 * verify_private.h - what verify's files share inside the library.  Not
 * installed.
 */
#ifndef GM_VERIFY_PRIVATE_H
#define GM_VERIFY_PRIVATE_H

#include <stdint.h>

#include "image_private.h"

/* An extent of a file or directory: count sectors from first (absolute),
   belonging to path ("/dir/" for a directory).  Nonzero stops a walk. */
typedef int (*gm_extent_fn)(void *arg, uint32_t first, uint32_t count, const char *path);

/* A structural fault found by a check, as a message. */
typedef void (*gm_problem_fn)(void *arg, const char *msg);

/*
 * The UDF volume of src (an anchor at sector 256) walked through the
 * source (udfwalk.c) for its structure: fn gets each File Entry's sector
 * and its data's extents (with the path), report(parg, message) what the
 * walk would skip:
 * bad tags, checksums and descriptor CRCs, entries and allocation
 * descriptors outside their partition or overrunning their descriptor,
 * damaged directories, a partition beyond the image (the first 200).
 */
int gm_udf_check(struct gm_ctx *ctx, struct gm_source *src, gm_extent_fn fn, void *arg,
		 gm_problem_fn report, void *parg);

/* Sector lba of src as user data into buf (2048 bytes): 0, 1 when it does
   not read good (nor synthesised), or a negative code (fscheck.c). */
int gm_read_user(struct gm_ctx *ctx, struct gm_source *src, int32_t lba, uint8_t *buf);

struct gm_integrity_report;

/*
 * Check the file systems of the data track at LBA 0 of src for verify
 * --integrity (fscheck.c): sets r->iso9660 and r->udf and adds each
 * structural fault to r->fs_problems and r->fs_text.  Returns 0 or a
 * negative code when the image itself cannot be read.
 */
int gm_fs_check(struct gm_ctx *ctx, struct gm_source *src,
		struct gm_integrity_report *r);

#endif
