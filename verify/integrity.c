/*
 * integrity.c - the integrity check of a raw image: every sector's sync,
 * header address, EDC and ECC (ECMA-130 14, Annex A) and, when the image
 * carries subchannel, every Q frame's CRC (ECMA-130 22.3.5).  The file is
 * read in large blocks and each sector is checked in the same pass, each
 * block's halves on two threads.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verify.h"
#include "verify_private.h"
#include "banned.h"

#define BLOCK_SECTORS 1024

void gm_integrity_opts_init(struct gm_integrity_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->first_lba = GM_LBA_ANY;
}

static size_t guess_sector_size(uint64_t size)
{
	const size_t sub = GM_SECTOR_RAW + GM_SUB_SIZE;

	if (size % GM_SECTOR_RAW != 0 && size % sub == 0)
		return sub;
	return GM_SECTOR_RAW;
}

/* Read exactly len bytes unless the file ends; returns bytes read or -1. */
static ssize_t read_full(int fd, uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

struct check_state {
	const struct gm_integrity_opts *opts;
	struct gm_integrity_report *report;
	int32_t anchor_lba;	/* LBA of sector 0, once known */
};

/*
 * A sector without a sync pattern is audio, unless its header still names
 * the expected address with a data mode: then it is a data sector whose
 * sync was damaged.  Sets info->mode from the header in that case.
 */
static bool damaged_sync(const uint8_t *sector, int32_t expected,
			 struct gm_sector_info *info)
{
	int32_t lba;
	uint8_t mode;

	if (expected == GM_LBA_ANY || !gm_header_decode(sector, &lba, &mode)
	    || lba != expected || mode > 2)
		return false;
	info->mode = mode == 0 ? GM_MODE_0 : mode == 1 ? GM_MODE_1 : GM_MODE_2;
	info->lba = lba;
	return true;
}

/* The first good data sector tells the LBA of the image's first sector. */
static void find_anchor(struct check_state *st, const uint8_t *buf, size_t len,
			uint64_t index)
{
	struct gm_sector_info info;

	for (size_t off = 0; off < len; off += st->report->sector_size, index++) {
		if (gm_sector_check(buf + off, GM_LBA_ANY, &info, NULL)
		    == GM_CHECK_GOOD) {
			st->anchor_lba = info.lba - (int32_t)index;
			st->report->first_lba = st->anchor_lba;
			return;
		}
	}
}

/* Check one sector into *bad (its index and lba are filled later). */
static void check_sector(const struct check_state *st, const uint8_t *sector,
			 uint64_t index, struct gm_bad_sector *bad)
{
	enum gm_sector_check status;
	int32_t expected = st->anchor_lba == GM_LBA_ANY
			   ? GM_LBA_ANY : st->anchor_lba + (int32_t)index;

	memset(bad, 0, sizeof(*bad));
	status = gm_sector_check(sector, expected, &bad->info, NULL);
	if (st->report->sector_size > GM_SECTOR_RAW) {
		uint8_t q[12];

		gm_sub_channel(sector + GM_SECTOR_RAW, GM_SUB_Q, q);
		bad->q_bad = !gm_subq_crc_ok(q);
	}
	if (status == GM_CHECK_BAD_SYNC && !damaged_sync(sector, expected, &bad->info))
		bad->info.status = GM_CHECK_GOOD;	/* audio */
}

/* Count a checked sector and report it when bad, in image order. */
static void account(struct check_state *st, struct gm_bad_sector *bad,
		    uint64_t index)
{
	bool data_bad = bad->info.status != GM_CHECK_GOOD;

	st->report->by_mode[bad->info.mode]++;
	if (data_bad)
		st->report->bad++;
	if (bad->q_bad)
		st->report->q_bad++;
	if (!data_bad && !bad->q_bad)
		return;
	st->report->failed++;
	if (st->opts->on_bad) {
		bad->index = index;
		bad->lba = st->anchor_lba == GM_LBA_ANY
			   ? (int32_t)index : st->anchor_lba + (int32_t)index;
		st->opts->on_bad(st->opts->arg, bad);
	}
}

/* Half of a block, checked on a second thread. */
struct half {
	const struct check_state *st;
	const uint8_t *buf;
	uint64_t index;
	size_t count;
	struct gm_bad_sector *out;
};

static void check_half(struct half *h)
{
	size_t ssize = h->st->report->sector_size;

	for (size_t i = 0; i < h->count; i++)
		check_sector(h->st, h->buf + i * ssize, h->index + i, &h->out[i]);
}

static void *check_half_thread(void *arg)
{
	check_half(arg);
	return NULL;
}

/*
 * Check count sectors: the first half on a second thread, the second half
 * here (checking is the whole cost and sectors are independent), then count
 * and report them in order.
 */
static void check_block(struct check_state *st, const uint8_t *buf, size_t count,
			uint64_t index, struct gm_bad_sector *results)
{
	size_t ssize = st->report->sector_size, first = count / 2;
	struct half a = {st, buf, index, first, results};
	struct half b = {st, buf + first * ssize, index + first, count - first,
			 results + first};
	pthread_t thread;
	bool threaded = first > 0
			&& pthread_create(&thread, NULL, check_half_thread, &a) == 0;

	if (!threaded)
		check_half(&a);
	check_half(&b);
	if (threaded)
		pthread_join(thread, NULL);
	for (size_t i = 0; i < count; i++)
		account(st, &results[i], index + i);
}

int gm_integrity_check_raw(struct gm_ctx *ctx, const char *path,
			   const struct gm_integrity_opts *opts,
			   struct gm_integrity_report *report)
{
	struct gm_integrity_opts defaults;
	struct check_state st;
	struct stat sb;
	uint8_t *buf = NULL;
	struct gm_bad_sector *results = NULL;
	uint64_t size, index = 0;
	size_t ssize;
	int fd, ret = 0;

	if (opts == NULL) {
		gm_integrity_opts_init(&defaults);
		opts = &defaults;
	}
	memset(report, 0, sizeof(*report));
	report->first_lba = GM_LBA_ANY;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gm_error_set_errno(ctx, errno == ENOENT ? GM_ERR_NOENT
					  : GM_ERR_IO, errno, "cannot open '%s'", path);
	if (fstat(fd, &sb) != 0) {
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot stat '%s'", path);
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		ret = gm_error_set(ctx, GM_ERR_INVALID,
				   "'%s' is not a regular file", path);
		goto out;
	}
	size = (uint64_t)sb.st_size;
	ssize = opts->sector_size ? opts->sector_size : guess_sector_size(size);
	if (ssize != GM_SECTOR_RAW && ssize != GM_SECTOR_RAW + GM_SUB_SIZE) {
		ret = gm_error_set(ctx, GM_ERR_INVALID,
				   "sector size %zu is neither 2352 nor 2448", ssize);
		goto out;
	}
	if (size == 0 || size % ssize != 0) {
		ret = gm_error_set(ctx, GM_ERR_FORMAT,
				   "'%s' is %llu bytes, not a whole number of "
				   "%zu-byte raw sectors", path,
				   (unsigned long long)size, ssize);
		goto out;
	}
	report->sector_size = ssize;
	report->sectors = size / ssize;
	buf = malloc(ssize * BLOCK_SECTORS);
	results = malloc(BLOCK_SECTORS * sizeof(*results));
	if (buf == NULL || results == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	st.opts = opts;
	st.report = report;
	st.anchor_lba = opts->first_lba;
	report->first_lba = opts->first_lba;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while (index < report->sectors) {
		ssize_t n = read_full(fd, buf, ssize * BLOCK_SECTORS);

		if (n < 0) {
			ret = gm_error_set_errno(ctx, GM_ERR_IO, errno,
						 "cannot read '%s' at sector %llu",
						 path, (unsigned long long)index);
			goto out;
		}
		if (n == 0 || (size_t)n % ssize != 0) {
			ret = gm_error_set(ctx, GM_ERR_IO,
					   "'%s' changed size while it was read "
					   "(at sector %llu)", path,
					   (unsigned long long)index);
			goto out;
		}
		if (st.anchor_lba == GM_LBA_ANY)
			find_anchor(&st, buf, (size_t)n, index);
		check_block(&st, buf, (size_t)n / ssize, index, results);
		index += (size_t)n / ssize;
		if (opts->progress)
			opts->progress(opts->arg, index * ssize, size);
	}
	if (report->failed)
		ret = gm_error_set(ctx, GM_ERR_MISMATCH,
				   "'%s': %llu of %llu sectors failed their check",
				   path, (unsigned long long)report->failed,
				   (unsigned long long)report->sectors);
out:
	free(buf);
	free(results);
	close(fd);
	return ret;
}

/* ---------------------------------------------------------------------
 * Any image the formats layer reads: its stored raw sectors
 */

#define IMAGE_BLOCK 64u

int gm_integrity_check_image(struct gm_ctx *ctx, const char *path,
			     const struct gm_integrity_opts *opts,
			     struct gm_integrity_report *report)
{
	struct gm_source *src = NULL;
	const struct gm_disc *disc;
	enum gm_sector_status st[IMAGE_BLOCK];
	uint8_t *buf;
	bool sub = false;
	uint64_t total = 0, done = 0, raw_tracks = 0;
	int ret;

	memset(report, 0, sizeof(*report));
	report->first_lba = GM_LBA_ANY;
	ret = gm_image_open(ctx, path, &src);
	if (ret != 0)
		return ret;
	disc = gm_source_disc(src);
	if (disc->format != NULL && strcmp(disc->format, "chd") == 0) {
		/* its hunks first: a damaged one is reported by the sectors it
		   holds, and the sectors are checked only in a whole CHD */
		report->chd = true;
		ret = gm_chd_check(ctx, disc, report->chd_text, sizeof(report->chd_text),
				   &report->chd_hunks, &report->chd_bad_hunks,
				   &report->chd_sha1_ok);
		if (ret != 0 || report->chd_bad_hunks > 0 || !report->chd_sha1_ok) {
			gm_source_free(src);
			if (ret != 0)
				return ret;
			return report->chd_bad_hunks > 0
			       ? gm_error_set(ctx, GM_ERR_MISMATCH, "'%s': %llu of %llu hunks "
					      "are damaged", path,
					      (unsigned long long)report->chd_bad_hunks,
					      (unsigned long long)report->chd_hunks)
			       : gm_error_set(ctx, GM_ERR_MISMATCH, "'%s': its data do not "
					      "have the SHA-1 its header gives", path);
		}
	}
	for (unsigned i = 0; i < disc->ntracks; i++) {
		const struct gm_track *t = &disc->tracks[i];

		sub = sub || t->sub_file >= 0 || t->storage == GM_STORE_RAW_SUB;
		if (t->storage >= GM_STORE_MODE2)
			raw_tracks++;
		total += (uint64_t)gm_track_stored(t);
	}
	if (raw_tracks == 0) {
		/* an ISO or UDF image: only its structures can be checked */
		report->sector_size = GM_SECTOR_USER;
		report->first_lba = 0;
		report->sectors = (uint64_t)total;
		report->structure_only = true;
		ret = gm_fs_check(ctx, src, report);
		gm_source_free(src);
		if (ret == 0 && !report->iso9660 && !report->udf)
			ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' stores user "
					   "data only (no sync, header, EDC or ECC) and "
					   "holds no ISO 9660 or UDF file system: there is "
					   "nothing to check without a master", path);
		if (ret != 0)
			return ret;
		return report->fs_problems > 0
		       ? gm_error_set(ctx, GM_ERR_MISMATCH, "'%s': %u file system "
				      "faults", path, report->fs_problems) : 0;
	}
	buf = malloc((size_t)IMAGE_BLOCK * (GM_SECTOR_RAW + GM_SUB_SIZE));
	if (buf == NULL) {
		gm_source_free(src);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	report->sector_size = sub ? GM_SECTOR_RAW + GM_SUB_SIZE : GM_SECTOR_RAW;
	report->first_lba = disc->ntracks ? disc->tracks[0].index[0] : 0;
	for (unsigned i = 0; ret == 0 && i < disc->ntracks; i++) {
		const struct gm_track *t = &disc->tracks[i];
		int32_t first = t->index[0] + t->pregap, end = t->end - t->postgap;
		size_t size = sub ? GM_SECTOR_RAW + GM_SUB_SIZE : GM_SECTOR_RAW;

		/* xa: a 2336-byte Mode 2 track whose first sector has an XA
		   subheader (a Video CD's, cue MODE2/2336, TOC MODE2_FORM_MIX):
		   its sectors keep subheader, EDC and ECC, and a sector whose
		   subheader copies differ is damaged, not formless */
		bool xa = false;

		/* a cooked track's raw sectors would be our own encoding;
		   2336-byte sectors lack only the sync and header */
		if (t->storage < GM_STORE_MODE2) {
			done += (uint64_t)(end > first ? end - first : 0);
			continue;
		}
		for (int32_t lba = first; ret == 0 && lba < end; lba += (int32_t)IMAGE_BLOCK) {
			uint32_t n = end - lba < (int32_t)IMAGE_BLOCK ? (uint32_t)(end - lba)
				     : IMAGE_BLOCK;
			struct gm_read req = {
				.lba = lba, .count = n, .data = buf, .status = st,
				.kind = sub ? GM_SECTOR_KIND_RAW_SUB : GM_SECTOR_KIND_RAW
			};

			ret = gm_source_read(ctx, src, &req);
			for (uint32_t k = 0; ret == 0 && k < n; k++) {
				const uint8_t *raw = buf + (size_t)k * size;
				struct gm_bad_sector bad;
				uint8_t q[12];

				memset(&bad, 0, sizeof(bad));
				bad.index = done + k;
				bad.lba = lba + (int32_t)k;
				report->sectors++;
				if (st[k] != GM_SECTOR_GOOD)
					continue;	/* synthesised: nothing stored */
				if (sub) {
					gm_sub_channel(raw + GM_SECTOR_RAW, GM_SUB_Q, q);
					bad.q_bad = !gm_subq_crc_ok(q);
					report->q_bad += bad.q_bad;
				}
				if (t->mode == GM_TRACK_AUDIO) {
					bad.info.mode = GM_MODE_AUDIO;
					bad.info.status = GM_CHECK_GOOD;
				} else {
					gm_sector_check(raw, bad.lba, &bad.info, NULL);
					if (t->storage == GM_STORE_MODE2 && lba + (int32_t)k == first)
						xa = bad.info.mode == GM_MODE_2_FORM_1
						     || bad.info.mode == GM_MODE_2_FORM_2;
					if (xa && bad.info.mode == GM_MODE_2
					    && bad.info.status == GM_CHECK_GOOD)
						bad.info.status = GM_CHECK_BAD_SUBHEADER;
				}
				report->by_mode[bad.info.mode]++;
				if (bad.info.status != GM_CHECK_GOOD)
					report->bad++;
				if (bad.info.status != GM_CHECK_GOOD || bad.q_bad) {
					report->failed++;
					if (opts->on_bad != NULL)
						opts->on_bad(opts->arg, &bad);
				}
			}
			done += n;
			if (opts->progress != NULL)
				opts->progress(opts->arg, done, total);
		}
	}
	free(buf);
	if (ret == 0)
		ret = gm_fs_check(ctx, src, report);
	gm_source_free(src);
	if (ret != 0)
		return ret;
	if (report->fs_problems > 0 && report->failed == 0)
		return gm_error_set(ctx, GM_ERR_MISMATCH, "'%s': %u file system "
				    "faults", path, report->fs_problems);
	return report->failed ? gm_error_set(ctx, GM_ERR_MISMATCH, "%llu of %llu sectors "
					     "of '%s' failed their check",
					     (unsigned long long)report->failed,
					     (unsigned long long)report->sectors, path) : 0;
}
