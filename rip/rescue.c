/*
 * rescue.c - the rescue engine: copy a drive's user data to an image in the
 * passes of GNU ddrescue (copy with skipping, trim, scrape, retry), with a
 * ddrescue-compatible mapfile saved atomically after the data it claims is
 * on disk, so that a rip stopped at any instant resumes without rereading
 * a finished sector.  CD data is read raw and every sector's sync, header,
 * EDC and ECC are checked (ECMA-130 14), so silently wrong data counts as a
 * failed read; where raw reads are not possible the log says the data could
 * not be checked.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "hash.h"
#include "image_private.h"
#include "capture.h"
#include "fs.h"
#include "mapfile.h"
#include "rip.h"
#include "riplog.h"
#include "banned.h"

#define SECTOR 2048u
#define BLOCK 128u		/* sectors a copy-pass read asks for */
#define SKIP_MIN 64u		/* sectors skipped after the first error */
#define SKIP_MAX 16384u

/* Runs of sectors, sorted and merged by spans_merge(). */
struct span {
	uint64_t first, count;
};

struct spans {
	struct span *v;
	size_t n, cap;
};

struct rescue {
	struct gm_ctx *ctx;
	const struct gm_rip_opts *opts;
	struct gm_rip_report *report;
	struct gm_drive *drive;
	struct gm_map map;
	char *map_path, *log_path, *dat_path;
	int fd;
	FILE *log;
	bool raw;
	uint8_t *data;		/* BLOCK raw or user sectors as read */
	uint8_t *user;		/* BLOCK user sectors to write */
	enum gm_read_result res[BLOCK];
	bool good[BLOCK];
	double last_save;
	uint64_t reads_start;
	struct gm_hasher *hasher;	/* fed while the copy stays in order */
	uint64_t hashed;		/* bytes fed to it */
	struct spans *used;		/* --used-only: the sectors to read */
};

#define now gm_rip_now
#define logf_(r, ...) gm_rip_log((r)->log, __VA_ARGS__)
#define drain_journal(r) gm_rip_log_journal((r)->log, (r)->drive)
#define with_suffix gm_rip_path

/* Save the map: the data it claims goes to disk first. */
static int save_map(struct rescue *r)
{
	if (fdatasync(r->fd) != 0)
		return gm_error_set_errno(r->ctx, GM_ERR_IO, errno, "cannot write '%s'",
					  r->opts->out);
	r->last_save = now();
	return gm_map_save(r->ctx, &r->map, r->map_path, r->opts->command_line);
}

/* Between reads: a stop request, or a periodic save. */
static int checkpoint(struct rescue *r, uint64_t pos)
{
	r->map.current = pos;
	gm_rip_report_progress(r->opts, &r->map, pos);
	if (r->opts->stop != NULL && *r->opts->stop) {
		int ret = save_map(r);

		logf_(r, "stopped at byte %llu; mapfile saved", (unsigned long long)pos);
		return ret != 0 ? ret : gm_error_set(r->ctx, GM_ERR_INTERRUPTED,
						     "interrupted; '%s' is saved: run the "
						     "same command again to resume",
						     r->map_path);
	}
	if (now() - r->last_save >= r->opts->map_interval)
		return save_map(r);
	return 0;
}

/* Write a run of good user sectors and mark them finished. */
static int write_good(struct rescue *r, int32_t lba, uint32_t first, uint32_t n)
{
	uint64_t pos = (uint64_t)lba * SECTOR;
	size_t len = (size_t)n * SECTOR;
	const uint8_t *p = r->user + (size_t)first * SECTOR;
	int ret = gm_rip_pwrite(r->ctx, r->fd, r->opts->out, p, len, pos);

	if (ret != 0)
		return ret;
	if (r->hasher != NULL) {
		if (pos == r->hashed) {
			gm_hasher_update(r->ctx, r->hasher, p, len);
			r->hashed += len;
		} else {
			/* out of order: hash the file at the end instead */
			gm_hasher_free(r->hasher);
			r->hasher = NULL;
		}
	}
	return gm_map_set(r->ctx, &r->map, pos, len, GM_MAP_FINISHED);
}

/*
 * Read count sectors from lba into r->user; r->good[i] tells which are
 * good (read without error and, when raw, with a good sector check).
 */
static int read_sectors(struct rescue *r, int32_t lba, uint32_t count)
{
	int ret = gm_drive_read(r->ctx, r->drive, lba, count, r->raw, r->data, NULL,
				r->res);

	drain_journal(r);
	if (ret != 0)
		return ret;
	for (uint32_t i = 0; i < count; i++) {
		r->good[i] = r->res[i] == GM_READ_OK;
		if (!r->good[i]) {
			logf_(r, "LBA %ld: %s", (long)(lba + (int32_t)i),
			      r->res[i] == GM_READ_C2 ? "C2 errors" : "read error");
			continue;
		}
		if (r->raw) {
			struct gm_sector_info info;
			const uint8_t *raw = r->data + (size_t)i * GM_SECTOR_RAW;
			enum gm_sector_check c = gm_sector_check(raw, lba + (int32_t)i,
								 &info, NULL);

			if (c != GM_CHECK_GOOD || info.user_size < SECTOR) {
				r->good[i] = false;
				logf_(r, "LBA %ld: read without error but %s", (long)(lba + (int32_t)i),
				      gm_sector_check_name(c));
				continue;
			}
			memcpy(r->user + (size_t)i * SECTOR, raw + info.user_offset, SECTOR);
		} else {
			memcpy(r->user + (size_t)i * SECTOR, r->data + (size_t)i * SECTOR,
			       SECTOR);
		}
	}
	return 0;
}

/* Read count sectors from lba; good ones are written and finished, failed
   ones get status fail.  Sets *failed to the number that failed. */
static int attempt(struct rescue *r, int32_t lba, uint32_t count,
		   enum gm_map_status fail, uint32_t *failed)
{
	uint32_t i = 0;
	int ret = read_sectors(r, lba, count);

	*failed = 0;
	if (ret != 0)
		return ret;
	while (i < count) {
		uint32_t j = i;

		while (j < count && r->good[j] == r->good[i])
			j++;
		if (r->good[i]) {
			ret = write_good(r, lba + (int32_t)i, i, j - i);
		} else {
			*failed += j - i;
			ret = gm_map_set(r->ctx, &r->map, (uint64_t)(lba + (int32_t)i) * SECTOR,
					 (uint64_t)(j - i) * SECTOR, fail);
		}
		if (ret != 0)
			return ret;
		i = j;
	}
	return 0;
}

/* The first extent with status at or after byte from: [*start, *end). */
static bool next_extent(const struct gm_map *map, uint64_t from,
			enum gm_map_status status, uint64_t *start, uint64_t *end)
{
	for (size_t i = 0; i < map->count; i++) {
		const struct gm_map_extent *e = &map->extents[i];

		if (e->status != status || e->pos + e->size <= from)
			continue;
		*start = e->pos > from ? e->pos : from;
		*end = e->pos + e->size;
		return true;
	}
	return false;
}

static int set_phase(void *arg, char phase, int pass, const char *what)
{
	struct rescue *r = arg;
	r->map.phase = phase;
	r->map.pass = pass;
	logf_(r, "%s (pass %d)", what, pass);
	return save_map(r);
}

/* Copy the non-tried sectors of [lo, hi) in blocks, skipping ahead past
   errors when skipping. */
static int copy_range(struct rescue *r, uint64_t lo, uint64_t hi, bool skipping)
{
	uint64_t start, end, from = lo * SECTOR, limit = hi * SECTOR;
	uint32_t skip = 0;
	int ret;

	while (from < limit && next_extent(&r->map, from, GM_MAP_NONTRIED, &start, &end)
	       && start < limit) {
		int32_t lba = (int32_t)(start / SECTOR);
		uint32_t n, failed;

		if (end > limit)
			end = limit;
		n = (uint32_t)((end - start) / SECTOR);

		if (n > BLOCK)
			n = BLOCK;
		ret = attempt(r, lba, n, GM_MAP_NONTRIMMED, &failed);
		if (ret == 0)
			ret = checkpoint(r, start);
		if (ret != 0)
			return ret;
		from = start + (uint64_t)n * SECTOR;
		if (failed && skipping) {
			skip = skip ? (skip * 2 > SKIP_MAX ? SKIP_MAX : skip * 2) : SKIP_MIN;
			from += (uint64_t)skip * SECTOR;
		} else if (!failed) {
			skip = 0;
		}
	}
	return 0;
}

/* Pass 1: copy non-tried areas (with --used-only, of the used sectors). */
static int copy_pass(void *arg, bool skipping)
{
	struct rescue *r = arg;
	int ret = 0;

	if (r->used == NULL)
		return copy_range(r, 0, r->map.size / SECTOR, skipping);
	for (size_t i = 0; ret == 0 && i < r->used->n; i++)
		ret = copy_range(r, r->used->v[i].first,
				 r->used->v[i].first + r->used->v[i].count, skipping);
	return ret;
}


/* One sector at a time; good ones finished, bad ones marked bad.
   Returns 1 in *ok when the sector was recovered. */
static int one(struct rescue *r, int32_t lba, bool *ok)
{
	uint32_t failed;
	int ret = attempt(r, lba, 1, GM_MAP_BAD, &failed);

	*ok = failed == 0;
	if (ret == 0)
		ret = checkpoint(r, (uint64_t)lba * SECTOR);
	return ret;
}

/* Trim the non-trimmed areas of [lo, hi) from both edges. */
static int trim_range(struct rescue *r, uint64_t lo, uint64_t hi)
{
	uint64_t start, end;
	int ret;

	while (next_extent(&r->map, lo * SECTOR, GM_MAP_NONTRIMMED, &start, &end)
	       && start < hi * SECTOR) {
		int32_t first, last;
		bool ok = true;

		if (end > hi * SECTOR)
			end = hi * SECTOR;
		first = (int32_t)(start / SECTOR);
		last = (int32_t)(end / SECTOR) - 1;

		while (first <= last && ok) {
			if ((ret = one(r, first, &ok)) != 0)
				return ret;
			first++;
		}
		ok = true;
		while (last >= first && ok) {
			if ((ret = one(r, last, &ok)) != 0)
				return ret;
			last--;
		}
		if (first <= last && (ret = gm_map_set(r->ctx, &r->map,
				(uint64_t)first * SECTOR,
				(uint64_t)(last - first + 1) * SECTOR,
				GM_MAP_NONSCRAPED)) != 0)
			return ret;
	}
	return 0;
}

/* Pass 2: trim non-trimmed areas from both edges. */
static int trim_pass(void *arg)
{
	struct rescue *r = arg;

	return trim_range(r, 0, r->map.size / SECTOR);
}

/* Scrape the non-scraped areas of [lo, hi) sector by sector. */
static int scrape_range(struct rescue *r, uint64_t lo, uint64_t hi)
{
	uint64_t start, end;
	int ret;

	while (next_extent(&r->map, lo * SECTOR, GM_MAP_NONSCRAPED, &start, &end)
	       && start < hi * SECTOR) {
		if (end > hi * SECTOR)
			end = hi * SECTOR;
		for (uint64_t pos = start; pos < end; pos += SECTOR) {
			bool ok;

			if ((ret = one(r, (int32_t)(pos / SECTOR), &ok)) != 0)
				return ret;
		}
	}
	return 0;
}

/* Pass 3: scrape non-scraped areas sector by sector. */
static int scrape_pass(void *arg)
{
	struct rescue *r = arg;

	return scrape_range(r, 0, r->map.size / SECTOR);
}

/* ---------------------------------------------------------------------
 * The file system first (--files-first, --used-only): what the
 * file-system reader (fs/) reads of the partial output, then every file's
 * extents, before the rest of the disc
 */

static int span_add(struct spans *s, uint64_t first, uint64_t count)
{
	if (count == 0)
		return 0;
	if (s->n > 0 && s->v[s->n - 1].first + s->v[s->n - 1].count == first) {
		s->v[s->n - 1].count += count;
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct span *grown = realloc(s->v, cap * sizeof(*grown));

		if (grown == NULL)
			return -GM_ERR_NOMEM;
		s->v = grown;
		s->cap = cap;
	}
	s->v[s->n].first = first;
	s->v[s->n].count = count;
	s->n++;
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* Sort and join overlapping or touching runs. */
static void spans_merge(struct spans *s)
{
	size_t k = 0;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), span_cmp);
	for (size_t i = 1; i < s->n; i++) {
		struct span *last = &s->v[k];

		if (s->v[i].first <= last->first + last->count) {
			uint64_t end = s->v[i].first + s->v[i].count;

			if (end > last->first + last->count)
				last->count = end - last->first;
		} else {
			s->v[++k] = s->v[i];
		}
	}
	s->n = k + 1;
}

struct fs_walk {
	struct rescue *r;
	struct spans *meta, *files;
	int err;
};

/* Every sector the reader asks for while reading the tree is structure;
   what the map does not call finished does not read. */
static bool fs_wanted(void *arg, uint64_t lba)
{
	struct fs_walk *w = arg;

	if (w->err == 0)
		w->err = span_add(w->meta, lba, 1);
	return gm_map_status_at(&w->r->map, lba * SECTOR) != GM_MAP_FINISHED;
}

static int fs_file_run(void *arg, uint64_t first, uint64_t count, uint32_t node)
{
	struct fs_walk *w = arg;

	return node == GM_FS_NONE ? 0 : span_add(w->files, first, count);
}

/* Read every tree the partial output holds; what it needed into meta,
   the files' extents into files. */
static int fs_spans(struct rescue *r, struct spans *meta, struct spans *files)
{
	/* auto first: its probe reads UDF's volume recognition sequence */
	static const enum gm_fs_type trees[] = { GM_FS_AUTO, GM_FS_UDF, GM_FS_ROCKRIDGE,
						 GM_FS_JOLIET, GM_FS_ISO9660 };
	struct fs_walk w = { r, meta, files, 0 };
	struct gm_source *src = NULL;
	int ret;

	meta->n = files->n = 0;
	ret = gm_image_open_as(r->ctx, r->opts->out, "iso", &src);
	for (size_t t = 0; ret == 0 && t < sizeof(trees) / sizeof(trees[0]); t++) {
		struct gm_fs_opts o = { .type = trees[t], .bad = fs_wanted, .bad_arg = &w };
		struct gm_fs *fs = NULL;

		ret = gm_fs_open(r->ctx, src, &o, &fs);
		if (ret == 0)
			ret = gm_fs_runs(fs, fs_file_run, &w);
		else if (ret == -GM_ERR_FORMAT || ret == -GM_ERR_UNSUPPORTED
			 || ret == -GM_ERR_NOENT)
			ret = 0;	/* not (yet) there */
		gm_fs_free(fs);
	}
	gm_source_free(src);
	if (ret == 0 && w.err != 0)
		ret = gm_error_set(r->ctx, GM_ERR_NOMEM, NULL);
	spans_merge(meta);
	spans_merge(files);
	return ret;
}

/* Every sector of the runs: copied (skipping past errors when skip),
   then the failed blocks trimmed and scraped, as the passes would do
   over the whole disc. */
static int rescue_spans(struct rescue *r, const struct spans *s, uint64_t total, bool skip)
{
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < s->n; i++)
		if (s->v[i].first < total)
			ret = copy_range(r, s->v[i].first, s->v[i].first + s->v[i].count, skip);
	for (size_t i = 0; ret == 0 && skip && i < s->n; i++)
		if (s->v[i].first < total)
			ret = copy_range(r, s->v[i].first, s->v[i].first + s->v[i].count, false);
	for (size_t i = 0; ret == 0 && i < s->n; i++)
		if (s->v[i].first < total)
			ret = trim_range(r, s->v[i].first, s->v[i].first + s->v[i].count);
	for (size_t i = 0; ret == 0 && i < s->n; i++)
		if (s->v[i].first < total)
			ret = scrape_range(r, s->v[i].first, s->v[i].first + s->v[i].count);
	return ret;
}

static int fs_first(struct rescue *r)
{
	struct spans meta = { NULL, 0, 0 }, files = { NULL, 0, 0 };
	struct spans used = { NULL, 0, 0 };	/* every round's structures */
	uint64_t total = r->map.size / SECTOR, anchors[3] = { 256, total - 257, total - 1 };
	unsigned rounds = 0;
	int ret;

	ret = set_phase(r, '?', 1, r->opts->used_only
			? "reading the sectors the file system uses (--used-only)"
			: "reading the file system, then its files (--files-first)");
	/* the system area and UDF's anchors (whether or not there is UDF:
	   --used-only counts them used) */
	if (ret == 0)
		ret = copy_range(r, 0, total < 16 ? total : 16, false);
	for (int a = 0; ret == 0 && a < 3; a++)
		if (anchors[a] < total && total > 257)
			ret = copy_range(r, anchors[a], anchors[a] + 1, false);
	/* the structures: each round reads what the last one found the
	   tree needs, until it needs nothing new (a directory level a round) */
	while (ret == 0 && rounds++ < 4096) {
		bool any = false;

		ret = fs_spans(r, &meta, &files);
		for (size_t i = 0; ret == 0 && i < meta.n; i++) {
			uint64_t start, end, lo = meta.v[i].first * SECTOR;

			if (meta.v[i].first >= total)
				continue;
			ret = span_add(&used, meta.v[i].first, meta.v[i].count);
			if (ret != 0)
				ret = gm_error_set(r->ctx, GM_ERR_NOMEM, NULL);
			if (ret == 0 && next_extent(&r->map, lo, GM_MAP_NONTRIED, &start, &end)
			    && start < (meta.v[i].first + meta.v[i].count) * SECTOR)
				any = true;
		}
		/* the structures whole (a failed block trimmed and scraped), so
		   the next round sees every directory that reads */
		if (ret == 0 && any)
			ret = rescue_spans(r, &meta, total, false);
		if (!any)
			break;
	}
	if (ret == 0)
		logf_(r, "file system: %zu runs of structures, %zu of files, after %u "
		      "rounds", meta.n, files.n, rounds);
	/* then the files: copied skipping past errors, the skipped sectors
	   copied, the failed blocks trimmed and scraped, before anything else
	   of the disc is read */
	if (ret == 0)
		ret = rescue_spans(r, &files, total, true);
	if (ret == 0 && r->opts->used_only) {
		/* what is read at all: every round's structures, files, the
		   first 16 sectors and the anchors */
		free(meta.v);
		meta = used;
		used.v = NULL;
		for (size_t i = 0; ret == 0 && i < files.n; i++)
			ret = span_add(&meta, files.v[i].first, files.v[i].count);
		if (ret == 0)
			ret = span_add(&meta, 0, total < 16 ? total : 16);
		for (int a = 0; ret == 0 && a < 3; a++)
			if (anchors[a] < total && total > 257)
				ret = span_add(&meta, anchors[a], 1);
		if (ret != 0) {
			ret = gm_error_set(r->ctx, GM_ERR_NOMEM, NULL);
		} else {
			spans_merge(&meta);
			while (meta.n > 0 && meta.v[meta.n - 1].first >= total)
				meta.n--;
			if (meta.n > 0 && meta.v[meta.n - 1].first + meta.v[meta.n - 1].count > total)
				meta.v[meta.n - 1].count = total - meta.v[meta.n - 1].first;
			r->used = malloc(sizeof(*r->used));
			if (r->used == NULL) {
				ret = gm_error_set(r->ctx, GM_ERR_NOMEM, NULL);
			} else {
				*r->used = meta;
				meta.v = NULL;
			}
		}
	}
	free(meta.v);
	free(files.v);
	free(used.v);
	return ret;
}

/* Retry passes over bad sectors, alternating direction. */
static int retry_pass(struct rescue *r, bool backward)
{
	int32_t n = (int32_t)(r->map.size / SECTOR);

	for (int32_t k = 0; k < n; k++) {
		int32_t lba = backward ? n - 1 - k : k;
		bool ok;
		int ret;

		if (gm_map_status_at(&r->map, (uint64_t)lba * SECTOR) != GM_MAP_BAD)
			continue;
		if ((ret = one(r, lba, &ok)) != 0)
			return ret;
	}
	return 0;
}

static int run_passes(struct rescue *r)
{
	int ret;

	static const struct gm_rip_passes first = {
		.phase = set_phase, .copy = copy_pass, .trim = trim_pass, .scrape = scrape_pass,
	};

	if ((ret = gm_rip_first_passes(&r->map, &first, r)) != 0)
		return ret;
	for (int pass = 1; pass <= r->opts->retries
	     && gm_map_total(&r->map, GM_MAP_BAD); pass++) {
		if ((ret = set_phase(r, '-', pass, "retrying bad sectors")) != 0
		    || (ret = retry_pass(r, pass % 2 == 0)) != 0)
			return ret;
	}
	return set_phase(r, '+', 1, "finished");
}

static int write_dat(struct rescue *r)
{
	struct gm_digests d;
	const char *slash = strrchr(r->opts->out, '/');
	const char *name = slash ? slash + 1 : r->opts->out;
	FILE *f;
	int ret;

	if (r->hasher != NULL && r->hashed == r->map.size) {
		ret = gm_hasher_final(r->ctx, r->hasher, &d);
	} else {
		ret = gm_hash_file(r->ctx, r->opts->out, &d, NULL, NULL);
	}
	if (ret != 0)
		return ret;
	f = fopen(r->dat_path, "w");
	if (f == NULL)
		return gm_error_set_errno(r->ctx, GM_ERR_IO, errno, "cannot write '%s'",
					  r->dat_path);
	gm_dat_write(f, name, &(struct gm_dat_rom){name, d}, 1);
	if (fclose(f) != 0)
		return gm_error_set_errno(r->ctx, GM_ERR_IO, errno, "cannot write '%s'",
					  r->dat_path);
	return 0;
}

/*
 * A DVD's or BD's disc structures beside the image (NAME.physical,
 * NAME.manufacturer, NAME.bca, NAME being OUT less a ".iso"), as the
 * drive answered READ DISC STRUCTURE, and the layer break from the PFI.
 */
static int keep_structures(struct rescue *r)
{
	static const struct { enum gm_drive_table t; const char *ext; } files[] = {
		{ GM_TABLE_PHYSICAL, ".physical" },
		{ GM_TABLE_MANUFACTURER, ".manufacturer" },
		{ GM_TABLE_BCA, ".bca" },
	};
	size_t len = strlen(r->opts->out), n;
	const uint8_t *pfi = gm_drive_table(r->drive, GM_TABLE_PHYSICAL, &n);
	char *base = malloc(len + 1), *path;
	int ret = 0;

	if (base == NULL)
		return gm_error_set(r->ctx, GM_ERR_NOMEM, NULL);
	memcpy(base, r->opts->out, len + 1);
	if (len > 4 && strcmp(base + len - 4, ".iso") == 0)
		base[len - 4] = '\0';
	for (size_t i = 0; ret == 0 && i < sizeof(files) / sizeof(files[0]); i++) {
		if ((path = with_suffix(base, files[i].ext)) == NULL) {
			ret = gm_error_set(r->ctx, GM_ERR_NOMEM, NULL);
			break;
		}
		ret = gm_capture_keep_table(r->ctx, r->drive, files[i].t, path, 0,
					    r->report->resumed);
		free(path);
	}
	free(base);
	/* DVD PFI: two layers (bits 6-5 of byte 2), layer 0 ending at the
	   PSN of bytes 13-15, the data starting at that of bytes 5-7 */
	if (pfi != NULL && r->report->drive.media == GM_MEDIA_DVD && n >= 4 + 17
	    && ((pfi[6] >> 5) & 3) == 1
	    && (gm_be32(pfi + 16) & 0xffffff) >= (gm_be32(pfi + 8) & 0xffffff)) {
		r->report->layer_break = (int32_t)((gm_be32(pfi + 16) & 0xffffff)
						   - (gm_be32(pfi + 8) & 0xffffff) + 1);
		logf_(r, "layer break: layer 1 starts at LBA %ld",
		      (long)r->report->layer_break);
	}
	return ret;
}

void gm_rip_opts_init(struct gm_rip_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->retries = 1;
	opts->map_interval = 30.0;
	opts->sub_retries = 2;
	opts->same_damage = 3;
	opts->hash = true;
}

/* Open or create the output and the map: resume, or start afresh. */
static int prepare(struct rescue *r)
{
	const struct gm_rip_opts *o = r->opts;
	uint64_t size = (uint64_t)r->report->drive.data_sectors * SECTOR;
	struct stat sb;
	int ret;

	if (access(r->map_path, F_OK) == 0) {
		ret = gm_map_load(r->ctx, &r->map, r->map_path, size);
		if (ret != 0)
			return ret;
		r->fd = open(o->out, O_RDWR | O_CLOEXEC);
		if (r->fd < 0 && gm_map_total(&r->map, GM_MAP_FINISHED) > 0)
			return gm_error_set_errno(r->ctx, GM_ERR_NOENT, errno, "the mapfile "
						  "'%s' claims data in '%s', which "
						  "cannot be opened", r->map_path, o->out);
		if (r->fd < 0)
			r->fd = open(o->out, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
		r->report->resumed = true;
		logf_(r, "resuming with '%s': %llu bytes finished", r->map_path,
		      (unsigned long long)gm_map_total(&r->map, GM_MAP_FINISHED));
	} else {
		if (!o->force && stat(o->out, &sb) == 0)
			return gm_error_set(r->ctx, GM_ERR_EXISTS, "'%s' exists and has no "
					    "mapfile '%s': use --force to start "
					    "afresh", o->out, r->map_path);
		ret = gm_map_init(r->ctx, &r->map, size);
		/* the map comes first: killed before the output exists, the
		   next run resumes instead of refusing an output without map */
		if (ret == 0)
			ret = gm_map_save(r->ctx, &r->map, r->map_path, o->command_line);
		if (ret != 0)
			return ret;
		r->fd = open(o->out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	}
	if (r->fd < 0)
		return gm_error_set_errno(r->ctx, errno == ENOENT ? GM_ERR_NOENT : GM_ERR_IO,
					  errno, "cannot open '%s'", o->out);
	/* sectors never read stay zero: the file has its full size at once */
	if (ftruncate(r->fd, (off_t)size) != 0) {
		int err = errno;

		save_map(r);
		return gm_error_set_errno(r->ctx, GM_ERR_IO, err, "cannot make '%s' %llu "
					  "bytes long", o->out, (unsigned long long)size);
	}
	/* reserve the space now: a full file system fails the rip before any
	   reading rather than in its middle (file systems without fallocate
	   are written as they come) */
	if (size > 0 && fallocate(r->fd, 0, 0, (off_t)size) != 0
	    && errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL) {
		int err = errno;

		save_map(r);
		return gm_error_set_errno(r->ctx, GM_ERR_IO, err, "cannot reserve %llu "
					  "bytes for '%s'", (unsigned long long)size, o->out);
	}
	return 0;
}

int gm_rip(struct gm_ctx *ctx, const struct gm_rip_opts *opts,
	   struct gm_rip_report *report)
{
	struct rescue r;
	int ret, ret2 = 0;

	memset(report, 0, sizeof(*report));
	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	r.opts = opts;
	r.report = report;
	r.fd = -1;
	r.map_path = opts->map ? gm_strdup(opts->map) : with_suffix(opts->out, ".map");
	r.log_path = with_suffix(opts->out, ".log");
	r.dat_path = with_suffix(opts->out, ".dat");
	r.data = malloc((size_t)BLOCK * GM_SECTOR_RAW);
	r.user = malloc((size_t)BLOCK * SECTOR);
	if (r.map_path == NULL || r.log_path == NULL || r.dat_path == NULL
	    || r.data == NULL || r.user == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	/* a capture reads an image through the emulated drive, as a disc */
	ret = opts->profile != NULL || (opts->capture && !gm_path_is_device(opts->source))
	      ? gm_drive_open_emulated(ctx, opts->source, opts->profile, opts->faults, &r.drive)
	      : gm_drive_open(ctx, opts->source, opts->faults, &r.drive);
	if (ret != 0)
		goto out;
	if (opts->speed != 0)
		gm_drive_set_speed(ctx, r.drive, opts->speed);
	report->drive = *gm_drive_info(r.drive);
	if (opts->cd_only && report->drive.media != GM_MEDIA_CD) {
		ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' is a %s: a CHD is written "
				   "from a CD capture; rip it to NAME.iso (resumable), then "
				   "`glassmaster convert NAME.iso NAME.chd`", opts->source,
				   report->drive.media == GM_MEDIA_DVD ? "DVD" : "BD");
		goto out;
	}
	if (opts->capture && report->drive.media == GM_MEDIA_CD) {
		ret = gm_capture(ctx, opts, r.drive, opts->out, report);
		report->reads = gm_drive_reads(r.drive);
		gm_drive_close(r.drive);
		r.drive = NULL;
		goto done;
	}
	if (report->drive.data_sectors <= 0) {
		ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' has no data track "
				   "at LBA 0: ripping audio is not supported yet",
				   opts->source);
		goto out;
	}
	r.raw = report->drive.raw && report->drive.media == GM_MEDIA_CD;
	report->checked = r.raw;
	ret = prepare(&r);
	if (ret != 0)
		goto out;
	r.log = fopen(r.log_path, "a");
	logf_(&r, "glassmaster %s: %s", PACKAGE_VERSION,
	      opts->command_line ? opts->command_line : "rip");
	drain_journal(&r);
	logf_(&r, "drive: %s %s %s, medium: %s, %ld sectors", report->drive.vendor,
	      report->drive.product, report->drive.revision,
	      report->drive.media == GM_MEDIA_CD ? "CD"
	      : report->drive.media == GM_MEDIA_DVD ? "DVD" : "BD",
	      (long)report->drive.sectors);
	if (report->drive.data_sectors < report->drive.sectors)
		logf_(&r, "ripping the data track (LBA 0-%ld); the %ld sectors after "
		      "it (audio) are not part of a data image", (long)report->drive.data_sectors - 1,
		      (long)(report->drive.sectors - report->drive.data_sectors));
	if (report->drive.media != GM_MEDIA_CD && (ret = keep_structures(&r)) != 0)
		goto out;
	logf_(&r, r.raw ? "reading raw sectors: sync, header, EDC and ECC checked"
	      : "reading user data: the drive cannot read raw, so sectors could "
		"not be checked");
	if (opts->hash && !report->resumed)
		r.hasher = gm_hasher_new(ctx, GM_HASH_DAT);
	r.reads_start = gm_drive_reads(r.drive);
	r.last_save = now();
	ret = opts->files_first || opts->used_only ? fs_first(&r) : 0;
	if (ret == 0)
		ret = run_passes(&r);
	if (ret != 0) {
		/* keep what is on disk consistent with the map, whatever failed */
		char msg[GM_ERROR_MAX];

		snprintf(msg, sizeof(msg), "%s", gm_error(ctx));
		logf_(&r, "stopped: %s", msg);
		if (-ret != GM_ERR_INTERRUPTED && r.fd >= 0 && r.map.extents != NULL
		    && save_map(&r) != 0)
			logf_(&r, "and the mapfile could not be saved: %s", gm_error(ctx));
		gm_error_set(ctx, (enum gm_err)-ret, "%s", msg);
		goto out;
	}
	if (opts->hash && r.used != NULL && gm_map_total(&r.map, GM_MAP_NONTRIED) > 0)
		logf_(&r, "no dat: sectors the file system does not use were not read, "
		      "so the image's hashes are not the disc's");
	else if (opts->hash && (ret = write_dat(&r)) != 0)
		goto out;
out:
	if (r.drive != NULL)
		report->reads = gm_drive_reads(r.drive) - r.reads_start;
	if (r.map.extents != NULL) {
		report->size = r.map.size;
		report->rescued = gm_map_total(&r.map, GM_MAP_FINISHED);
		report->bad = r.map.size - report->rescued;
		for (size_t i = 0; i < r.map.count; i++)
			if (r.map.extents[i].status != GM_MAP_FINISHED)
				report->bad_areas++;
		if (r.used != NULL) {
			/* non-tried sectors outside the used ones are left on
			   purpose: not bad, counted apart */
			uint64_t untried_used = 0;

			for (size_t i = 0; i < r.used->n; i++) {
				for (uint64_t k = 0; k < r.used->v[i].count; k++)
					if (gm_map_status_at(&r.map, (r.used->v[i].first + k) * SECTOR)
					    == GM_MAP_NONTRIED)
						untried_used++;
			}
			report->unused = gm_map_total(&r.map, GM_MAP_NONTRIED) / SECTOR
					 - untried_used;
			report->bad -= report->unused * SECTOR;
			report->bad_areas = 0;
			for (size_t i = 0; i < r.map.count; i++)
				if (r.map.extents[i].status != GM_MAP_FINISHED
				    && r.map.extents[i].status != GM_MAP_NONTRIED)
					report->bad_areas++;
			logf_(&r, "%llu sectors the file system does not use were not "
			      "read (--used-only)", (unsigned long long)report->unused);
		}
	}
	if (ret == 0 && report->bad > 0) {
		logf_(&r, "%llu bytes in %zu areas could not be read",
		      (unsigned long long)report->bad, report->bad_areas);
		ret = gm_error_set(ctx, GM_ERR_UNREADABLE, "%llu bytes in %zu areas of "
				   "'%s' could not be read (see '%s')",
				   (unsigned long long)report->bad, report->bad_areas,
				   opts->out, r.map_path);
	} else if (ret == 0) {
		logf_(&r, "every sector recovered");
	}
	if (r.fd >= 0 && close(r.fd) != 0 && ret == 0)
		ret2 = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", opts->out);
	if (r.log)
		fclose(r.log);
done:
	if (r.used != NULL)
		free(r.used->v);
	free(r.used);
	gm_hasher_free(r.hasher);
	gm_map_release(&r.map);
	gm_drive_close(r.drive);
	free(r.map_path);
	free(r.log_path);
	free(r.dat_path);
	free(r.data);
	free(r.user);
	return ret != 0 ? ret : ret2;
}
