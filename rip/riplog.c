/*
 * riplog.c - the clock, the log, file names and whole writes of the rip
 * engines (riplog.h).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mapfile.h"
#include "riplog.h"
#include "banned.h"

double gm_rip_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void gm_rip_log(FILE *log, const char *fmt, ...)
{
	va_list ap;
	time_t t = time(NULL);
	char stamp[32];

	if (log == NULL)
		return;
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", localtime(&t));
	fprintf(log, "%s ", stamp);
	va_start(ap, fmt);
	vfprintf(log, fmt, ap);
	va_end(ap);
	fputc('\n', log);
	fflush(log);
}

void gm_rip_log_journal(FILE *log, struct gm_drive *drive)
{
	char *text = gm_drive_journal_take(drive), *line, *next;

	for (line = text; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		gm_rip_log(log, "drive: %s", line);
	}
	free(text);
}

char *gm_rip_path(const char *path, const char *suffix)
{
	size_t len = strlen(path), slen = strlen(suffix);
	char *out = malloc(len + slen + 1);

	if (out != NULL) {
		memcpy(out, path, len);
		memcpy(out + len, suffix, slen + 1);
	}
	return out;
}

int gm_rip_pwrite(struct gm_ctx *ctx, int fd, const char *path, const uint8_t *buf,
		  size_t len, uint64_t pos)
{
	size_t done = 0;

	while (done < len) {
		ssize_t w = pwrite(fd, buf + done, len - done, (off_t)(pos + done));

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s' "
						  "at byte %llu", path,
						  (unsigned long long)(pos + done));
		done += (size_t)w;
	}
	return 0;
}

int gm_rip_first_passes(const struct gm_map *map, const struct gm_rip_passes *p, void *arg)
{
	int ret;

	if (gm_map_total(map, GM_MAP_NONTRIED)) {
		if ((ret = p->phase(arg, '?', 1, "copying, skipping past errors")) != 0
		    || (ret = p->copy(arg, true)) != 0
		    || (ret = p->phase(arg, '?', 2, "copying what was skipped")) != 0
		    || (ret = p->copy(arg, false)) != 0)
			return ret;
	}
	if (gm_map_total(map, GM_MAP_NONTRIMMED)) {
		if ((ret = p->phase(arg, '*', 1, "trimming")) != 0
		    || (ret = p->trim(arg)) != 0)
			return ret;
	}
	if (gm_map_total(map, GM_MAP_NONSCRAPED)) {
		if ((ret = p->phase(arg, '/', 1, "scraping")) != 0
		    || (ret = p->scrape(arg)) != 0)
			return ret;
	}
	return 0;
}

void gm_rip_report_progress(const struct gm_rip_opts *o, const struct gm_map *map,
			    uint64_t pos)
{
	struct gm_rip_progress p;

	if (o->progress == NULL)
		return;
	memset(&p, 0, sizeof(p));
	p.phase = map->phase;
	p.pass = map->pass;
	p.pos = pos;
	p.size = map->size;
	p.rescued = gm_map_total(map, GM_MAP_FINISHED);
	p.bad = gm_map_total(map, GM_MAP_BAD) + gm_map_total(map, GM_MAP_NONTRIMMED)
		+ gm_map_total(map, GM_MAP_NONSCRAPED);
	for (size_t i = 0; i < map->count; i++)
		if (map->extents[i].status == GM_MAP_BAD)
			p.bad_areas++;
	o->progress(o->arg, &p);
}
