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

/*
 * The UDF volume of src (an anchor at sector 256), walked through the
 * source (udfwalk.c): for every directory, file and symlink of the file
 * set, its File Entry's sector and its data's extents.  0 also when src
 * holds no UDF, or a broken one: what reads is given, the rest skipped.
 * Otherwise fn's nonzero, or -GM_ERR_NOMEM.
 */
int gm_udf_walk(struct gm_ctx *ctx, struct gm_source *src, gm_extent_fn fn, void *arg);

/* A structural fault found by a check, as a message. */
typedef void (*gm_problem_fn)(void *arg, const char *msg);

/*
 * The same walk, reporting to report(parg, message) what it would skip:
 * bad tags, checksums and descriptor CRCs, entries and allocation
 * descriptors outside their partition or overrunning their descriptor,
 * damaged directories, a partition beyond the image (the first 200).
 */
int gm_udf_check(struct gm_ctx *ctx, struct gm_source *src, gm_extent_fn fn, void *arg,
		 gm_problem_fn report, void *parg);

/* Sector lba of src as user data into buf (2048 bytes): 0, 1 when it does
   not read good (nor synthesised), or a negative code (fscheck.c). */
int gm_read_user(struct gm_ctx *ctx, struct gm_source *src, int32_t lba, uint8_t *buf);

/*
 * The ISO 9660 tree of src (the primary volume descriptor at 16), read
 * through its sectors (fscheck.c): every directory and file extent given
 * to fn with its path, Rock Ridge names where there are.  0 also when src
 * holds no ISO 9660; otherwise fn's nonzero, or a negative code.
 */
int gm_iso_walk(struct gm_ctx *ctx, struct gm_source *src, gm_extent_fn fn, void *arg);

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
