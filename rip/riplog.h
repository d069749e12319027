/*
 * riplog.h - what the two rip engines (rescue.c, an image; capture.c, a
 * CD capture) share: the clock, the log with its time stamps and the
 * drive's journal, file names beside the output, whole writes.  Inside
 * the library, not installed.
 */
#ifndef GM_RIPLOG_H
#define GM_RIPLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rip.h"

/* Seconds on the monotonic clock. */
double gm_rip_now(void);

/* A line of the rip log, time-stamped and flushed; log NULL: nothing. */
void gm_rip_log(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The drive's journal (probing, fallbacks, failed commands) into the
   log, a line "drive: ..." each. */
void gm_rip_log_journal(FILE *log, struct gm_drive *drive);

/* path followed by suffix (malloc'd), or NULL when out of memory. */
char *gm_rip_path(const char *path, const char *suffix);

/* pwrite all of buf at pos of fd (path names it in the message). */
int gm_rip_pwrite(struct gm_ctx *ctx, int fd, const char *path, const uint8_t *buf,
		  size_t len, uint64_t pos);

/*
 * The passes of GNU ddrescue before its retries, over what map still
 * holds: copy skipping past errors, copy what was skipped, trim, scrape;
 * each begun by phase (which logs and saves the map) when map has bytes
 * of its status.  The engine's own functions do the reading.
 */
struct gm_map;

/* Tell o->progress (if any) where the engine is: map's phase, pass and
   totals, pos the byte position in its output. */
void gm_rip_report_progress(const struct gm_rip_opts *o, const struct gm_map *map,
			    uint64_t pos);

struct gm_rip_passes {
	int (*phase)(void *arg, char phase, int pass, const char *what);
	int (*copy)(void *arg, bool skipping);
	int (*trim)(void *arg);
	int (*scrape)(void *arg);
};
int gm_rip_first_passes(const struct gm_map *map, const struct gm_rip_passes *p, void *arg);

#endif
