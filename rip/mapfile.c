/*
 * mapfile.c - GNU ddrescue's mapfile (ddrescue manual, "Mapfile
 * structure"): the map of which bytes of an output image are rescued, kept
 * as a sorted array of extents in which neighbours never share a status,
 * read from and written to the text format ddrescue and ddrescuelog use,
 * so that users can inspect, edit and combine our maps with their tools.
 * Saving is crash-safe: a new map is written beside the old one, synced and
 * renamed over it, and the previous map is kept as PATH.bak.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mapfile.h"
#include "riplog.h"
#include "banned.h"

/* Longest mapfile line we read; ddrescue's lines are under 80 bytes. */
#define LINE_MAX_LEN 1024

static bool valid_status(int c)
{
	return c == GM_MAP_NONTRIED || c == GM_MAP_NONTRIMMED
		|| c == GM_MAP_NONSCRAPED || c == GM_MAP_BAD
		|| c == GM_MAP_FINISHED;
}

static bool valid_phase(int c)
{
	return valid_status(c) || c == 'F' || c == 'G';
}

/* Room for at least `need` extents. */
static int reserve(struct gm_ctx *ctx, struct gm_map *map, size_t need)
{
	struct gm_map_extent *e;
	size_t cap;

	if (need <= map->cap)
		return 0;
	cap = map->cap < 16 ? 16 : map->cap;
	while (cap < need) {
		if (cap > SIZE_MAX / 2 / sizeof(*e))
			return gm_error_set(ctx, GM_ERR_NOMEM, "mapfile: too many extents");
		cap *= 2;
	}
	e = realloc(map->extents, cap * sizeof(*e));
	if (e == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, "mapfile: out of memory for %zu extents", cap);
	map->extents = e;
	map->cap = cap;
	return 0;
}

int gm_map_init(struct gm_ctx *ctx, struct gm_map *map, uint64_t size)
{
	int ret;

	memset(map, 0, sizeof(*map));
	map->size = size;
	map->phase = GM_MAP_NONTRIED;
	map->pass = 1;
	if (size == 0)
		return 0;
	ret = reserve(ctx, map, 16);
	if (ret < 0)
		return ret;
	map->extents[0] = (struct gm_map_extent){ 0, size, GM_MAP_NONTRIED };
	map->count = 1;
	return 0;
}

void gm_map_release(struct gm_map *map)
{
	if (map == NULL)
		return;
	free(map->extents);
	memset(map, 0, sizeof(*map));
}

/* Index of the extent holding pos; pos must be below map->size. */
static size_t find(const struct gm_map *map, uint64_t pos)
{
	size_t lo = 0, hi = map->count;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (map->extents[mid].pos <= pos)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int gm_map_set(struct gm_ctx *ctx, struct gm_map *map, uint64_t pos,
	       uint64_t size, enum gm_map_status status)
{
	struct gm_map_extent repl[3], left = { 0, 0, status }, right = { 0, 0, status }, *e;
	size_t i, j, lo, hi, n = 0, old, k;
	uint64_t end, jend, start, stop;
	int ret;

	if (!valid_status((int)status))
		return gm_error_set(ctx, GM_ERR_INVALID, "mapfile: bad block status %d", (int)status);
	if (pos > map->size || size > map->size - pos)
		return gm_error_set(ctx, GM_ERR_INVALID,
				    "mapfile: bytes %" PRIu64 "+%" PRIu64 " beyond the map's %" PRIu64,
				    pos, size, map->size);
	if (size == 0)
		return 0;
	end = pos + size;
	e = map->extents;
	i = find(map, pos);
	j = find(map, end - 1);
	lo = i;
	hi = j;
	start = pos;
	stop = end;

	/*
	 * What lies left of pos in extent i either stays as a remnant or, with
	 * the same status, joins the new extent; when pos starts extent i, the
	 * extent before may join instead.  The same on the right.
	 */
	if (e[i].pos < pos) {
		if (e[i].status == status)
			start = e[i].pos;
		else
			left = (struct gm_map_extent){ e[i].pos, pos - e[i].pos, e[i].status };
	} else if (i > 0 && e[i - 1].status == status) {
		lo = i - 1;
		start = e[lo].pos;
	}
	jend = e[j].pos + e[j].size;
	if (jend > end) {
		if (e[j].status == status)
			stop = jend;
		else
			right = (struct gm_map_extent){ end, jend - end, e[j].status };
	} else if (j + 1 < map->count && e[j + 1].status == status) {
		hi = j + 1;
		stop = e[hi].pos + e[hi].size;
	}
	if (left.size > 0)
		repl[n++] = left;
	repl[n++] = (struct gm_map_extent){ start, stop - start, status };
	if (right.size > 0)
		repl[n++] = right;

	old = hi - lo + 1;
	if (n > old) {
		ret = reserve(ctx, map, map->count + (n - old));
		if (ret < 0)
			return ret;
		e = map->extents;
	}
	if (n != old)
		memmove(&e[lo + n], &e[hi + 1], (map->count - hi - 1) * sizeof(*e));
	for (k = 0; k < n; k++)
		e[lo + k] = repl[k];
	map->count = map->count + n - old;
	return 0;
}

enum gm_map_status gm_map_status_at(const struct gm_map *map, uint64_t pos)
{
	if (pos >= map->size || map->count == 0)
		return GM_MAP_NONTRIED;
	return map->extents[find(map, pos)].status;
}

uint64_t gm_map_total(const struct gm_map *map, enum gm_map_status status)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < map->count; i++)
		if (map->extents[i].status == status)
			total += map->extents[i].size;
	return total;
}

/* Append an extent read from a file, merging it with an equal neighbour. */
static int push(struct gm_ctx *ctx, struct gm_map *map, uint64_t pos,
		uint64_t size, enum gm_map_status status)
{
	int ret;

	if (map->count > 0 && map->extents[map->count - 1].status == status) {
		map->extents[map->count - 1].size += size;
		return 0;
	}
	ret = reserve(ctx, map, map->count + 1);
	if (ret < 0)
		return ret;
	map->extents[map->count++] = (struct gm_map_extent){ pos, size, status };
	return 0;
}

/*
 * Parse a number as C++ writes integer constants (decimal, 0x hex, 0
 * octal), as ddrescue accepts; or only decimal.
 */
static bool parse_u64(const char *s, bool decimal, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, decimal ? 10 : 0);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

/*
 * Split line into at most max whitespace-separated words, dropping a
 * comment ('#' at the start or after whitespace).  Returns the number of
 * words, max + 1 when there are more.
 */
static size_t split(char *line, char **words, size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'
		       || *p == '\v' || *p == '\f')
			p++;
		if (*p == '\0' || *p == '#')
			return n;
		if (n == max)
			return max + 1;
		words[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r'
		       && *p != '\n' && *p != '\v' && *p != '\f')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
}

/* What reading a mapfile has seen so far. */
struct load {
	struct gm_ctx *ctx;
	struct gm_map *map;
	const char *path;
	unsigned long lineno;
	bool status_seen;	/* the status line was read */
	bool any;		/* a block was read */
	uint64_t prev_pos;	/* the last block's position */
	uint64_t expect;	/* where the next block must start */
};

static int bad_line(struct load *ld, const char *what, const char *word)
{
	if (word != NULL)
		return gm_error_set(ld->ctx, GM_ERR_FORMAT, "mapfile '%s' line %lu: %s '%s'",
				    ld->path, ld->lineno, what, word);
	return gm_error_set(ld->ctx, GM_ERR_FORMAT, "mapfile '%s' line %lu: %s",
			    ld->path, ld->lineno, what);
}

/* The status line: current position, phase and (since ddrescue 1.17) pass. */
static int status_line(struct load *ld, char **w, size_t n)
{
	uint64_t cur, pass = 1;

	if (n > 3)
		return bad_line(ld, "expected 'current_pos current_status current_pass'", NULL);
	if (!parse_u64(w[0], false, &cur))
		return bad_line(ld, "bad number", w[0]);
	if (w[1][1] != '\0' || !valid_phase(w[1][0]))
		return bad_line(ld, "bad current status", w[1]);
	if (n == 3 && (!parse_u64(w[2], true, &pass) || pass == 0 || pass > INT_MAX))
		return bad_line(ld, "bad pass", w[2]);
	ld->map->current = cur;
	ld->map->phase = w[1][0];
	ld->map->pass = (int)pass;
	ld->status_seen = true;
	return 0;
}

static int block_line(struct load *ld, char **w, size_t n)
{
	struct gm_map *map = ld->map;
	uint64_t pos, len;
	int ret;

	if (n != 3)
		return bad_line(ld, "expected 'pos size status'", NULL);
	if (!parse_u64(w[0], false, &pos))
		return bad_line(ld, "bad number", w[0]);
	if (!parse_u64(w[1], false, &len))
		return bad_line(ld, "bad number", w[1]);
	if (w[2][1] != '\0' || !valid_status(w[2][0]))
		return bad_line(ld, "bad block status", w[2]);
	if (len == 0)
		return bad_line(ld, "block of size 0", NULL);
	if (ld->any && pos < ld->prev_pos)
		return bad_line(ld, "blocks not sorted", NULL);
	if (pos < ld->expect)
		return bad_line(ld, "block overlaps the previous one", NULL);
	if (pos > ld->expect)
		return gm_error_set(ld->ctx, GM_ERR_FORMAT,
				    "mapfile '%s' line %lu: gap of %" PRIu64 " bytes before the block",
				    ld->path, ld->lineno, pos - ld->expect);
	if (len > map->size - pos)
		return gm_error_set(ld->ctx, GM_ERR_FORMAT,
				    "mapfile '%s' line %lu: block ends beyond the output's %" PRIu64 " bytes",
				    ld->path, ld->lineno, map->size);
	ret = push(ld->ctx, map, pos, len, (enum gm_map_status)w[2][0]);
	if (ret < 0)
		return ret;
	ld->any = true;
	ld->prev_pos = pos;
	ld->expect = pos + len;
	return 0;
}

static int load_lines(struct load *ld, FILE *f)
{
	char *line = NULL, *w[4];
	size_t linecap = 0, n;
	ssize_t got;
	int ret = 0;

	while (ret == 0 && (got = getline(&line, &linecap, f)) >= 0) {
		ld->lineno++;
		if (got > LINE_MAX_LEN)
			ret = bad_line(ld, "line too long", NULL);
		else if (memchr(line, '\0', (size_t)got) != NULL)
			ret = bad_line(ld, "NUL byte", NULL);
		else if ((n = split(line, w, 3)) == 0)
			continue;
		/* The status line is the first whose second word is not a number. */
		else if (!ld->status_seen && !ld->any && n >= 2 && (w[1][0] < '0' || w[1][0] > '9'))
			ret = status_line(ld, w, n);
		else
			ret = block_line(ld, w, n);
	}
	if (ret == 0 && ferror(f))
		ret = gm_error_set_errno(ld->ctx, GM_ERR_IO, errno, "cannot read mapfile '%s'", ld->path);
	free(line);
	return ret;
}

int gm_map_load(struct gm_ctx *ctx, struct gm_map *map, const char *path,
		uint64_t size)
{
	struct load ld = { .ctx = ctx, .map = map, .path = path };
	FILE *f;
	int ret;

	ret = gm_map_init(ctx, map, 0);
	if (ret < 0)
		return ret;
	f = fopen(path, "r");
	if (f == NULL)
		return gm_error_set_errno(ctx, errno == ENOENT ? GM_ERR_NOENT : GM_ERR_IO, errno,
					  "cannot open mapfile '%s'", path);
	map->size = size;
	ret = load_lines(&ld, f);
	fclose(f);
	if (ret == 0 && size == GM_MAP_SIZE_ANY)
		map->size = ld.expect;
	/* A map shorter than the output: the rest was never tried. */
	else if (ret == 0 && ld.expect < size)
		ret = push(ctx, map, ld.expect, size - ld.expect, GM_MAP_NONTRIED);
	if (ret < 0)
		gm_map_release(map);
	return ret;
}

/* The message ddrescue puts in the header for a phase. */
static const char *phase_text(char phase)
{
	switch (phase) {
	case '?': return "Copying non-tried blocks...";
	case '*': return "Trimming failed blocks...";
	case '/': return "Scraping failed blocks...";
	case '-': return "Retrying bad sectors...";
	case 'F': return "Filling specified blocks...";
	case 'G': return "Generating approximate mapfile...";
	case '+': return "Finished";
	default: return "";
	}
}

static int write_map(const struct gm_map *map, FILE *f, const char *command_line)
{
	char now[64];
	time_t t = time(NULL);
	struct tm tm;
	size_t i;

	if (localtime_r(&t, &tm) == NULL || strftime(now, sizeof(now), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		now[0] = '\0';
	fprintf(f, "# Mapfile. Created by glassmaster version %s\n", PACKAGE_VERSION);
	if (command_line != NULL)
		fprintf(f, "# Command line: %s\n", command_line);
	fprintf(f, "# Current time: %s\n", now);
	fprintf(f, "# %s\n", phase_text(map->phase));
	fprintf(f, "# current_pos  current_status  current_pass\n");
	fprintf(f, "0x%08" PRIX64 "     %c               %d\n", map->current, map->phase, map->pass);
	fprintf(f, "#      pos        size  status\n");
	for (i = 0; i < map->count; i++)
		fprintf(f, "0x%08" PRIX64 "  0x%08" PRIX64 "  %c\n", map->extents[i].pos,
			map->extents[i].size, (char)map->extents[i].status);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

/* Sync the directory holding path so that a rename in it is durable. */
static int sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, ret = 0;

	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return errno;
	/* Some file systems cannot sync a directory; nothing more to do there. */
	if (fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP)
		ret = errno;
	close(fd);
	return ret;
}

#define with_suffix gm_rip_path

int gm_map_save(struct gm_ctx *ctx, const struct gm_map *map, const char *path,
		const char *command_line)
{
	char *tmp = with_suffix(path, ".tmp"), *bak = with_suffix(path, ".bak");
	struct stat st;
	FILE *f = NULL;
	int fd = -1, err = 0, ret = 0;

	if (tmp == NULL || bak == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, "cannot write mapfile '%s': out of memory", path);
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		err = errno;
		goto fail;
	}
	errno = 0;
	if (write_map(map, f, command_line) != 0 || fsync(fd) != 0) {
		err = errno != 0 ? errno : EIO;
		goto fail;
	}
	fd = -1;
	if (fclose(f) != 0) {
		f = NULL;
		err = errno;
		goto fail;
	}
	f = NULL;

	/*
	 * Keep the previous map as PATH.bak.  A hard link leaves PATH in place
	 * until the rename replaces it, so that some map is at PATH at every
	 * instant; where links are not supported, rename it instead.
	 */
	if (lstat(path, &st) == 0) {
		if (unlink(bak) != 0 && errno != ENOENT) {
			ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot remove '%s'", bak);
			goto out_tmp;
		}
		if (link(path, bak) != 0 && rename(path, bak) != 0) {
			ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot keep mapfile '%s' as '%s'",
						 path, bak);
			goto out_tmp;
		}
	}
	if (rename(tmp, path) != 0) {
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot rename '%s' to '%s'", tmp, path);
		goto out_tmp;
	}
	err = sync_dir(path);
	if (err != 0)
		ret = gm_error_set_errno(ctx, GM_ERR_IO, err, "cannot sync the directory of mapfile '%s'", path);
	goto out;

fail:
	ret = gm_error_set_errno(ctx, GM_ERR_IO, err, "cannot write mapfile '%s'", path);
	if (f != NULL)
		fclose(f);
	else if (fd >= 0)
		close(fd);
out_tmp:
	unlink(tmp);
out:
	free(tmp);
	free(bak);
	return ret;
}
