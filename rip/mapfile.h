/*
 * mapfile.h - GNU ddrescue's mapfile, in bytes of the output image.
 *
 *   # comment lines
 *   0x00120000     ?               1          <- current pos, phase, pass
 *   0x00000000  0x00120000  +                 <- pos size status, sorted,
 *   0x00120000  0x00001000  *                    contiguous, covering
 *   ...                                          the whole output
 *
 * Block status: '?' non-tried, '*' non-trimmed, '/' non-scraped,
 * '-' bad sector(s), '+' finished.  Phase: '?' copying, '*' trimming,
 * '/' scraping, '-' retrying, 'F' filling, 'G' generating, '+' finished.
 * The map is a sorted list of extents; setting a range splits and merges
 * extents so that neighbours never share a status.
 */
#ifndef GM_MAPFILE_H
#define GM_MAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum gm_map_status {
	GM_MAP_NONTRIED = '?',
	GM_MAP_NONTRIMMED = '*',
	GM_MAP_NONSCRAPED = '/',
	GM_MAP_BAD = '-',
	GM_MAP_FINISHED = '+'
};

struct gm_map_extent {
	uint64_t pos, size;
	enum gm_map_status status;
};

struct gm_map {
	uint64_t size;		/* bytes the map covers (the output's size) */
	uint64_t current;	/* the status line's current position */
	char phase;		/* the status line's phase character */
	int pass;		/* the status line's pass number */
	struct gm_map_extent *extents;	/* sorted, contiguous, from 0 */
	size_t count, cap;
};

/* A map of size bytes, all non-tried, phase '?', pass 1.  Release it. */
int gm_map_init(struct gm_ctx *ctx, struct gm_map *map, uint64_t size);

/* Free what a map holds and leave it empty; NULL is accepted. */
void gm_map_release(struct gm_map *map);

/*
 * Set bytes [pos, pos + size) to status, splitting and merging extents:
 * O(log n) to find them, then a move of the extents after them.  A range
 * beyond map->size or a bad status is -GM_ERR_INVALID; size 0 does nothing.
 */
int gm_map_set(struct gm_ctx *ctx, struct gm_map *map, uint64_t pos,
	       uint64_t size, enum gm_map_status status);

/* The status of the byte at pos; '?' beyond the end of the map. */
enum gm_map_status gm_map_status_at(const struct gm_map *map, uint64_t pos);

/* Total bytes with a status. */
uint64_t gm_map_total(const struct gm_map *map, enum gm_map_status status);

/* gm_map_load()'s size when the output's size is unknown: the file's. */
#define GM_MAP_SIZE_ANY UINT64_MAX

/*
 * Read a mapfile written by us or by GNU ddrescue into map (initialised
 * here; release it, also after a failure).  Comments ('#' at the start of
 * a line or after blanks), blank lines and numbers in decimal, 0x hex or
 * 0 octal are accepted; without a status line the map is at 0, copying,
 * pass 1.  Blocks must be sorted and contiguous from 0 with sizes above 0;
 * a file shorter than size is completed with non-tried bytes, one longer
 * is an error.  size GM_MAP_SIZE_ANY takes the size from the file.  A
 * malformed file is -GM_ERR_FORMAT, "mapfile 'PATH' line N: ...".
 */
int gm_map_load(struct gm_ctx *ctx, struct gm_map *map, const char *path,
		uint64_t size);

/*
 * Write the map atomically in ddrescue's layout: to PATH.tmp, fsync, keep
 * the old map as PATH.bak (a hard link, or a rename where links fail),
 * rename PATH.tmp to PATH, fsync the directory.  command_line (may be
 * NULL) goes into the header comment.  On a failure to write (disk full)
 * PATH.tmp is removed and PATH is untouched; the message names PATH.  The
 * caller must have fsync'd the data the map claims first.
 */
int gm_map_save(struct gm_ctx *ctx, const struct gm_map *map, const char *path,
		const char *command_line);

#endif
