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

#endif
