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
#include "mapfile.h"
#include "rip.h"
#include "riplog.h"
#include "banned.h"

#define SECTOR 2048u
#define BLOCK 128u		/* sectors a copy-pass read asks for */
#define SKIP_MIN 64u		/* sectors skipped after the first error */
#define SKIP_MAX 16384u

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

/* Pass 1: copy non-tried areas in blocks, skipping ahead past errors. */
static int copy_pass(void *arg, bool skipping)
{
	struct rescue *r = arg;
	uint64_t start, end, from = 0;
	uint32_t skip = 0;
	int ret;

	while (next_extent(&r->map, from, GM_MAP_NONTRIED, &start, &end)) {
		int32_t lba = (int32_t)(start / SECTOR);
		uint32_t n = (uint32_t)((end - start) / SECTOR), failed;

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

/* Pass 2: trim non-trimmed areas from both edges. */
static int trim_pass(void *arg)
{
	struct rescue *r = arg;
	uint64_t start, end;
	int ret;

	while (next_extent(&r->map, 0, GM_MAP_NONTRIMMED, &start, &end)) {
		int32_t first = (int32_t)(start / SECTOR), last = (int32_t)(end / SECTOR) - 1;
		bool ok = true;

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

/* Pass 3: scrape non-scraped areas sector by sector. */
static int scrape_pass(void *arg)
{
	struct rescue *r = arg;
	uint64_t start, end;
	int ret;

	while (next_extent(&r->map, 0, GM_MAP_NONSCRAPED, &start, &end)) {
		for (uint64_t pos = start; pos < end; pos += SECTOR) {
			bool ok;

			if ((ret = one(r, (int32_t)(pos / SECTOR), &ok)) != 0)
				return ret;
		}
	}
	return 0;
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
	if (opts->hash && (ret = write_dat(&r)) != 0)
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
