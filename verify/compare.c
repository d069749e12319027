/*
 * compare.c - a source (a drive, an image, an image through the simulated
 * faulty drive) checked against a master image or a Logiqx dat.
 *
 * Against an image: the 2048-byte user data of every sector of the
 * master's data track (all of it: not only its ISO 9660 or UDF volume,
 * since hybrid images append partitions after it) is read from both and
 * compared;
 * a source sector that fails a read, or (a CD read raw) its EDC/ECC, is
 * read again up to `retries` times before it counts as unreadable.
 * Sectors the source has beyond the extent are counted, not compared; a
 * source that ends early leaves the rest missing.  Bad runs become ranges
 * of one kind, and each range is given the files and directories whose
 * extents it touches in every tree of the master's file systems, as the
 * file-system reader (fs/) reads them.
 * The source's CRC-32, MD5 and SHA-1 over the extent come from the same
 * pass.  Audio tracks (a source image only, for now) are compared raw,
 * sample by sample, after the read offset is found: a non-silent master
 * sector is looked for in the source within +-5 sectors, nearest first,
 * and the whole track is then compared at that offset (what lies outside
 * the source at that offset, before its first or after its last sample,
 * is not compared: a drive's offset pushes those samples into the lead-in
 * or lead-out).  Against a dat: those hashes over the whole source are compared
 * with the rom entries.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "bytes.h"
#include "hash.h"
#include "image_private.h"
#include "rip.h"
#include "verify.h"
#include "verify_private.h"
#include "fs.h"
#include "banned.h"

#define BLOCK 64u		/* sectors read at a time */
#define SLICES 200u		/* read-speed samples over the extent */

struct extent {
	uint32_t first, last;	/* LBAs */
	char *path;
};

struct cmp {
	struct gm_ctx *ctx;
	const struct gm_verify_opts *opts;
	struct gm_verify_report *report;
	struct gm_drive *drive;
	struct gm_source *master;
	struct gm_hasher *hasher;
	bool raw;		/* the source is read raw and checked */
	uint8_t *mbuf, *sbuf, *raw_buf;
	enum gm_sector_status mstatus[BLOCK];
	enum gm_read_result res[BLOCK];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void gm_verify_opts_init(struct gm_verify_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->retries = 1;
	opts->hash = true;
}

void gm_verify_report_release(struct gm_verify_report *report)
{
	for (size_t i = 0; i < report->nranges; i++) {
		for (size_t f = 0; f < report->ranges[i].nfiles; f++)
			free(report->ranges[i].files[f]);
		free(report->ranges[i].files);
	}
	free(report->ranges);
	free(report->speed);
	free(report->tracks);
	free(report->files);
	memset(report, 0, sizeof(*report));
}

/* Add lba to the ranges, joining the last range when it continues it. */
static int add_bad(struct cmp *c, int32_t lba, enum gm_range_kind kind)
{
	struct gm_verify_report *r = c->report;
	struct gm_verify_range *last = r->nranges ? &r->ranges[r->nranges - 1] : NULL;

	if (kind == GM_RANGE_MISMATCH)
		r->mismatched++;
	else if (kind == GM_RANGE_UNREADABLE)
		r->unreadable++;
	else
		r->missing++;
	if (last != NULL && last->kind == kind && last->last + 1 == lba) {
		last->last = lba;
		return 0;
	}
	last = realloc(r->ranges, (r->nranges + 1) * sizeof(*last));
	if (last == NULL)
		return gm_error_set(c->ctx, GM_ERR_NOMEM, NULL);
	r->ranges = last;
	memset(&r->ranges[r->nranges], 0, sizeof(r->ranges[0]));
	r->ranges[r->nranges].first = r->ranges[r->nranges].last = lba;
	r->ranges[r->nranges].kind = kind;
	r->nranges++;
	return 0;
}

/* Read one source sector into out (2048 bytes); true when it was read
   (and, raw, checked good). */
static int read_one(struct cmp *c, int32_t lba, uint8_t *out, bool *ok)
{
	enum gm_read_result res;
	int ret;

	*ok = false;
	ret = gm_drive_read(c->ctx, c->drive, lba, 1, c->raw,
			    c->raw ? c->raw_buf : out, NULL, &res);
	if (ret != 0)
		return ret;
	if (res != GM_READ_OK)
		return 0;
	if (c->raw) {
		struct gm_sector_info info;

		if (gm_sector_check(c->raw_buf, lba, &info, NULL) != GM_CHECK_GOOD
		    || info.user_size < GM_SECTOR_USER)
			return 0;
		memcpy(out, c->raw_buf + info.user_offset, GM_SECTOR_USER);
	}
	*ok = true;
	return 0;
}

/* Read count source sectors from lba into c->sbuf; good[i] tells. */
static int read_source(struct cmp *c, int32_t lba, uint32_t count, bool *good)
{
	uint8_t *dst = c->raw ? c->raw_buf : c->sbuf;
	int ret = gm_drive_read(c->ctx, c->drive, lba, count, c->raw, dst, NULL, c->res);

	if (ret != 0)
		return ret;
	for (uint32_t i = 0; i < count; i++) {
		good[i] = c->res[i] == GM_READ_OK;
		if (good[i] && c->raw) {
			const uint8_t *raw = c->raw_buf + (size_t)i * GM_SECTOR_RAW;
			struct gm_sector_info info;

			good[i] = gm_sector_check(raw, lba + (int32_t)i, &info, NULL)
				  == GM_CHECK_GOOD && info.user_size >= GM_SECTOR_USER;
			if (good[i])
				memcpy(c->sbuf + (size_t)i * GM_SECTOR_USER,
				       raw + info.user_offset, GM_SECTOR_USER);
		}
	}
	/* what failed gets its retries now, one sector at a time */
	for (uint32_t i = 0; i < count; i++) {
		for (int t = 0; !good[i] && t < c->opts->retries; t++) {
			bool ok;

			ret = read_one(c, lba + (int32_t)i,
				       c->sbuf + (size_t)i * GM_SECTOR_USER, &ok);
			if (ret != 0)
				return ret;
			if (ok) {
				good[i] = true;
				c->report->recovered++;
			}
		}
	}
	return 0;
}

static int compare_pass(struct cmp *c, uint64_t extent, uint64_t source_sectors)
{
	struct gm_verify_report *r = c->report;
	uint64_t common = source_sectors < extent ? source_sectors : extent;
	double *slice_time = NULL;
	bool good[BLOCK];
	int ret = 0;

	if (c->opts->speed) {
		r->speed = calloc(SLICES, sizeof(*r->speed));
		slice_time = calloc(SLICES, sizeof(*slice_time));
		if (r->speed == NULL || slice_time == NULL) {
			free(slice_time);
			return gm_error_set(c->ctx, GM_ERR_NOMEM, NULL);
		}
		r->nspeed = SLICES;
	}
	for (uint64_t at = 0; at < common && ret == 0; at += BLOCK) {
		uint32_t n = common - at < BLOCK ? (uint32_t)(common - at) : BLOCK;
		struct gm_read req = {
			.lba = (int32_t)at, .count = n, .kind = GM_SECTOR_KIND_USER,
			.data = c->mbuf, .status = c->mstatus
		};
		double t0 = now();

		if (c->opts->stop != NULL && *c->opts->stop)
			return gm_error_set(c->ctx, GM_ERR_INTERRUPTED, "interrupted");
		ret = c->master != NULL ? gm_source_read(c->ctx, c->master, &req) : 0;
		if (ret != 0)
			break;
		for (uint32_t i = 0; c->master != NULL && i < n; i++)
			if (c->mstatus[i] != GM_SECTOR_GOOD && c->mstatus[i] != GM_SECTOR_SYNTH) {
				ret = gm_error_set(c->ctx, GM_ERR_FORMAT, "the master '%s' "
						   "cannot be read at LBA %llu",
						   c->opts->master,
						   (unsigned long long)(at + i));
				break;
			}
		if (ret != 0)
			break;
		ret = read_source(c, (int32_t)at, n, good);
		if (ret != 0)
			break;
		if (slice_time != NULL) {
			size_t s = (size_t)(at * SLICES / extent);

			slice_time[s] += now() - t0;
			r->speed[s] += (double)n * GM_SECTOR_USER / 1000.0;
		}
		for (uint32_t i = 0; i < n && ret == 0; i++) {
			const uint8_t *sp = c->sbuf + (size_t)i * GM_SECTOR_USER;

			if (!good[i])
				ret = add_bad(c, (int32_t)(at + i), GM_RANGE_UNREADABLE);
			else if (c->master != NULL && memcmp(sp, c->mbuf + (size_t)i * GM_SECTOR_USER,
					GM_SECTOR_USER) != 0)
				ret = add_bad(c, (int32_t)(at + i), GM_RANGE_MISMATCH);
		}
		/* the hash is of what was read; unreadable sectors as zeros */
		for (uint32_t i = 0; i < n; i++)
			if (!good[i])
				memset(c->sbuf + (size_t)i * GM_SECTOR_USER, 0, GM_SECTOR_USER);
		if (ret == 0 && c->hasher != NULL)
			ret = gm_hasher_update(c->ctx, c->hasher, c->sbuf,
					       (size_t)n * GM_SECTOR_USER);
		if (c->opts->progress != NULL)
			c->opts->progress(c->opts->arg, at + n, extent);
	}
	for (uint64_t at = common; at < extent && ret == 0; at++)
		ret = add_bad(c, (int32_t)at, GM_RANGE_MISSING);
	if (slice_time != NULL)
		for (size_t s = 0; s < SLICES; s++)
			r->speed[s] = slice_time[s] > 0 ? r->speed[s] / slice_time[s] : 0;
	free(slice_time);
	return ret;
}

/* ---------------------------------------------------------------------
 * Audio tracks: sample-exact, after finding the read offset
 */

#define SHIFT_SECTORS 5		/* offsets searched: +-5 sectors */
#define SAMPLES (GM_SECTOR_RAW / 4)	/* stereo 16-bit samples a sector */
#define PROBES 8		/* sectors tried to find the offset */

/*
 * Raw sectors [lba, lba + count) of src into buf; what the source does not
 * have (before LBA 0, past its end, unreadable) is silence, as a drive
 * reading with an offset gets in the lead-in and lead-out.
 */
static int read_raw(struct cmp *c, struct gm_source *src, int32_t lba, uint32_t count,
		    uint8_t *buf)
{
	enum gm_sector_status *st = malloc(count * sizeof(*st));
	int32_t first = lba < 0 ? 0 : lba;
	int ret = 0;

	if (st == NULL)
		return gm_error_set(c->ctx, GM_ERR_NOMEM, NULL);
	memset(buf, 0, (size_t)count * GM_SECTOR_RAW);
	if (first < lba + (int32_t)count) {
		struct gm_read req = {
			.lba = first, .count = (uint32_t)(lba + (int32_t)count - first),
			.kind = GM_SECTOR_KIND_RAW,
			.data = buf + (size_t)(first - lba) * GM_SECTOR_RAW, .status = st
		};

		ret = gm_source_read(c->ctx, src, &req);
		for (uint32_t i = 0; ret == 0 && i < req.count; i++)
			if (st[i] != GM_SECTOR_GOOD && st[i] != GM_SECTOR_SYNTH)
				memset(req.data + (size_t)i * GM_SECTOR_RAW, 0, GM_SECTOR_RAW);
	}
	free(st);
	return ret;
}

/* The offset in samples (source = master shifted by it) or false. */
static int find_offset(struct cmp *c, struct gm_source *source, const struct gm_track *t,
		       int *offset, bool *found)
{
	const uint32_t span = 2 * SHIFT_SECTORS + 1;
	uint8_t *probe = malloc(GM_SECTOR_RAW), *win = malloc((size_t)span * GM_SECTOR_RAW);
	int32_t len = t->end - t->index[1];
	int ret = 0;

	*found = false;
	if (probe == NULL || win == NULL) {
		free(probe);
		free(win);
		return gm_error_set(c->ctx, GM_ERR_NOMEM, NULL);
	}
	for (int p = 0; p < PROBES && !*found && ret == 0 && len > 0; p++) {
		int32_t lba = t->index[1] + (int32_t)((int64_t)len * (2 * p + 1) / (2 * PROBES));
		bool silent = true;

		ret = read_raw(c, c->master, lba, 1, probe);
		for (size_t i = 0; ret == 0 && i < GM_SECTOR_RAW && silent; i++)
			silent = probe[i] == 0;
		if (ret != 0 || silent)
			continue;
		ret = read_raw(c, source, lba - SHIFT_SECTORS, span, win);
		/* the nearest offset first: 0, +1, -1, +2, ... samples */
		for (int k = 0; ret == 0 && k <= 2 * SHIFT_SECTORS * (int)SAMPLES; k++) {
			int s = k % 2 ? (k + 1) / 2 : -(k / 2);
			size_t at = (size_t)(SHIFT_SECTORS * GM_SECTOR_RAW + s * 4);

			if (memcmp(win + at, probe, GM_SECTOR_RAW) == 0) {
				*offset = s;
				*found = true;
				break;
			}
		}
	}
	free(probe);
	free(win);
	return ret;
}

static int compare_audio_track(struct cmp *c, struct gm_source *source,
			       const struct gm_track *t, struct gm_verify_track *vt)
{
	const uint32_t block = BLOCK, pad = SHIFT_SECTORS + 1;
	uint8_t *m = malloc((size_t)block * GM_SECTOR_RAW);
	uint8_t *w = malloc((size_t)(block + 2 * pad) * GM_SECTOR_RAW);
	int ret;

	if (m == NULL || w == NULL) {
		free(m);
		free(w);
		return gm_error_set(c->ctx, GM_ERR_NOMEM, NULL);
	}
	int64_t end = (int64_t)gm_source_disc(source)->leadout * GM_SECTOR_RAW;

	struct gm_hasher *h = NULL;

	if (c->opts->hash && (h = gm_hasher_new(c->ctx, GM_HASH_DAT)) == NULL) {
		free(m);
		free(w);
		return -GM_ERR_NOMEM;
	}
	ret = find_offset(c, source, t, &vt->offset, &vt->offset_found);
	for (int32_t lba = t->index[0]; ret == 0 && lba < t->end; lba += (int32_t)block) {
		uint32_t n = t->end - lba < (int32_t)block ? (uint32_t)(t->end - lba) : block;

		ret = read_raw(c, c->master, lba, n, m);
		if (ret == 0)
			ret = read_raw(c, source, lba - (int32_t)pad, n + 2 * pad, w);
		/* the track's hash: the source's sectors as a BIN file stores
		   them (not an unstored PREGAP or POSTGAP) */
		if (ret == 0 && h != NULL) {
			int32_t from = t->index[0] + t->pregap, to = t->end - t->postgap;
			int32_t a = lba > from ? lba : from;
			int32_t b = lba + (int32_t)n < to ? lba + (int32_t)n : to;

			if (a < b)
				ret = gm_hasher_update(c->ctx, h, w + (size_t)(pad + (uint32_t)(a - lba))
						       * GM_SECTOR_RAW,
						       (size_t)(b - a) * GM_SECTOR_RAW);
		}
		for (uint32_t i = 0; ret == 0 && i < n; i++) {
			size_t at = (size_t)(pad + i) * GM_SECTOR_RAW + (size_t)(vt->offset * 4);
			/* the source's bytes for this sector, as positions in it:
			   what lies before its start or after its end at this
			   offset is not the source's to give, and not compared */
			int64_t pos = (int64_t)(lba + (int32_t)i) * GM_SECTOR_RAW + vt->offset * 4;
			int64_t from = pos < 0 ? -pos : 0;
			int64_t to = pos + GM_SECTOR_RAW > end ? end - pos : GM_SECTOR_RAW;

			if (from >= to)
				continue;
			if (memcmp(w + at + from, m + (size_t)i * GM_SECTOR_RAW + from,
				   (size_t)(to - from)) != 0) {
				vt->mismatched++;
				ret = add_bad(c, lba + (int32_t)i, GM_RANGE_MISMATCH);
			}
		}
	}
	if (ret == 0 && h != NULL) {
		ret = gm_hasher_final(c->ctx, h, &vt->digests);
		vt->hashed = ret == 0;
	}
	gm_hasher_free(h);
	free(m);
	free(w);
	return ret;
}

static int add_track(struct cmp *c, const struct gm_track *t, struct gm_verify_track **out)
{
	struct gm_verify_report *r = c->report;
	struct gm_verify_track *grown = realloc(r->tracks, (r->ntracks + 1) * sizeof(*grown));

	if (grown == NULL)
		return gm_error_set(c->ctx, GM_ERR_NOMEM, NULL);
	r->tracks = grown;
	*out = &grown[r->ntracks++];
	memset(*out, 0, sizeof(**out));
	(*out)->number = t->number;
	(*out)->audio = t->mode == GM_TRACK_AUDIO;
	(*out)->first = t->index[0];
	(*out)->last = t->end - 1;
	return 0;
}

/* User data of sectors [lba, lba + count) of src into buf; sectors the
   source cannot give are marked in st (GM_SECTOR_GOOD when read). */
static int read_user(struct cmp *c, struct gm_source *src, int32_t lba, uint32_t count,
		     uint8_t *buf, enum gm_sector_status *st)
{
	struct gm_read req = {
		.lba = lba, .count = count, .kind = GM_SECTOR_KIND_USER, .data = buf,
		.status = st
	};

	memset(buf, 0, (size_t)count * GM_SECTOR_USER);
	return gm_source_read(c->ctx, src, &req);
}

/*
 * The data tracks after the first (a later session's, as an appended
 * session makes) of the master against the source image: user data
 * sector by sector, the source's sectors hashed as the track's.
 */
static int compare_later_data(struct cmp *c)
{
	const struct gm_disc *disc = gm_source_disc(c->master);
	struct gm_source *source = NULL;
	uint8_t *m = NULL, *w = NULL;
	enum gm_sector_status *ms = NULL, *ws = NULL;
	bool any = false;
	int ret = 0;

	for (unsigned i = 1; i < disc->ntracks; i++)
		any = any || disc->tracks[i].mode != GM_TRACK_AUDIO;
	if (!any)
		return 0;
	if (c->opts->faults != NULL || c->opts->profile != NULL
	    || gm_path_is_device(c->opts->source))
		return gm_error_set(c->ctx, GM_ERR_UNSUPPORTED, "'%s' has data tracks after "
				    "the first: they are compared from images only",
				    c->opts->master);
	m = malloc((size_t)BLOCK * GM_SECTOR_USER);
	w = malloc((size_t)BLOCK * GM_SECTOR_USER);
	ms = malloc(BLOCK * sizeof(*ms));
	ws = malloc(BLOCK * sizeof(*ws));
	ret = m && w && ms && ws ? gm_image_open(c->ctx, c->opts->source, &source)
	      : gm_error_set(c->ctx, GM_ERR_NOMEM, NULL);
	for (unsigned i = 1; ret == 0 && i < disc->ntracks; i++) {
		const struct gm_track *t = &disc->tracks[i];
		int32_t from = t->index[0] + t->pregap, to = t->end - t->postgap;
		struct gm_verify_track *vt;
		struct gm_hasher *h = NULL;

		if (t->mode == GM_TRACK_AUDIO)
			continue;
		ret = add_track(c, t, &vt);
		if (ret == 0 && c->opts->hash && (h = gm_hasher_new(c->ctx, GM_HASH_DAT)) == NULL)
			ret = -GM_ERR_NOMEM;
		if (ret == 0) {
			vt->first = from;
			vt->last = to - 1;
		}
		for (int32_t lba = from; ret == 0 && lba < to; lba += (int32_t)BLOCK) {
			uint32_t n = to - lba < (int32_t)BLOCK ? (uint32_t)(to - lba) : BLOCK;

			ret = read_user(c, c->master, lba, n, m, ms);
			if (ret == 0)
				ret = read_user(c, source, lba, n, w, ws);
			if (ret == 0 && h != NULL)
				ret = gm_hasher_update(c->ctx, h, w, (size_t)n * GM_SECTOR_USER);
			for (uint32_t k = 0; ret == 0 && k < n; k++) {
				/* not there: missing; a read error: unreadable; a
				   raw sector failing its EDC/ECC: not the master's */
				enum gm_range_kind kind = ws[k] == GM_SECTOR_UNREAD
					? GM_RANGE_MISSING : ws[k] == GM_SECTOR_ERROR
					|| ws[k] == GM_SECTOR_C2 ? GM_RANGE_UNREADABLE
					: GM_RANGE_MISMATCH;

				if ((ws[k] == GM_SECTOR_GOOD || ws[k] == GM_SECTOR_SYNTH)
				    && memcmp(w + (size_t)k * GM_SECTOR_USER,
					      m + (size_t)k * GM_SECTOR_USER, GM_SECTOR_USER) == 0)
					continue;
				vt->mismatched++;
				ret = add_bad(c, lba + (int32_t)k, kind);
			}
		}
		if (ret == 0 && h != NULL) {
			ret = gm_hasher_final(c->ctx, h, &vt->digests);
			vt->hashed = ret == 0;
		}
		gm_hasher_free(h);
		if (ret == 0 && to > from)
			c->report->sectors += (uint64_t)(to - from);
	}
	gm_source_free(source);
	free(m);
	free(w);
	free(ms);
	free(ws);
	return ret;
}

/* Every audio track of the master against the source image. */
static int compare_audio(struct cmp *c)
{
	const struct gm_disc *disc = gm_source_disc(c->master);
	struct gm_source *source = NULL;
	bool any = false;
	int ret = 0;

	for (unsigned i = 0; i < disc->ntracks; i++)
		any = any || disc->tracks[i].mode == GM_TRACK_AUDIO;
	if (!any)
		return 0;
	if (c->opts->faults != NULL || c->opts->profile != NULL
	    || gm_path_is_device(c->opts->source))
		return gm_error_set(c->ctx, GM_ERR_UNSUPPORTED, "'%s' has audio tracks: "
				    "they are compared from images only (reading audio "
				    "from drives comes with audio ripping)", c->opts->master);
	ret = gm_image_open(c->ctx, c->opts->source, &source);
	for (unsigned i = 0; ret == 0 && i < disc->ntracks; i++) {
		const struct gm_track *t = &disc->tracks[i];
		struct gm_verify_track *vt;

		if (t->mode != GM_TRACK_AUDIO)
			continue;
		ret = add_track(c, t, &vt);
		if (ret == 0)
			ret = compare_audio_track(c, source, t, vt);
		if (ret == 0 && c->report->sectors < (uint64_t)t->end)
			c->report->sectors = (uint64_t)t->end;
	}
	gm_source_free(source);
	return ret;
}

/* ---------------------------------------------------------------------
 * Files of an ISO 9660 master
 */

struct extents {
	struct extent *items;
	size_t n, cap;
};

static int add_extent(struct extents *x, uint32_t first, uint32_t sectors,
		      const char *path)
{
	if (sectors == 0)
		return 0;
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 256;
		struct extent *grown = realloc(x->items, cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		x->items = grown;
		x->cap = cap;
	}
	x->items[x->n].path = gm_strdup(path);
	if (x->items[x->n].path == NULL)
		return -1;
	x->items[x->n].first = first;
	x->items[x->n].last = first + sectors - 1;
	x->n++;
	return 0;
}

/* An extent of a file-system entry (node) into the list, by its path
   ("/dir/" for a directory); the structures are nobody's. */
struct naming {
	struct extents *x;
	const struct gm_fs *fs;
	char path[8192];
};

static int name_run(void *arg, uint64_t first, uint64_t count, uint32_t node)
{
	struct naming *n = arg;
	size_t len;

	if (node == GM_FS_NONE || first > UINT32_MAX || count > UINT32_MAX - first)
		return 0;
	len = gm_fs_path(n->fs, node, n->path, sizeof(n->path) - 1);
	if (len >= sizeof(n->path) - 1)
		return 0;
	if (S_ISDIR(gm_fs_stat(n->fs, node)->mode) && len > 1)
		memcpy(n->path + len, "/", 2);
	return add_extent(n->x, (uint32_t)first, (uint32_t)count, n->path) != 0
	       ? -GM_ERR_NOMEM : 0;
}

static void free_extents(struct extents *x)
{
	for (size_t e = 0; e < x->n; e++)
		free(x->items[e].path);
	free(x->items);
}

/* Give each range the paths of the extents it touches. */
static int match_ranges(struct gm_ctx *ctx, const struct extents *x,
			struct gm_verify_range *ranges, size_t nranges)
{
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < nranges; i++) {
		struct gm_verify_range *g = &ranges[i];

		for (size_t e = 0; e < x->n && ret == 0; e++) {
			char **grown;
			bool seen = false;

			if ((int64_t)x->items[e].last < g->first
			    || (int64_t)x->items[e].first > g->last)
				continue;
			for (size_t f = 0; f < g->nfiles; f++)
				seen = seen || strcmp(g->files[f], x->items[e].path) == 0;
			if (seen)
				continue;
			grown = realloc(g->files, (g->nfiles + 1) * sizeof(*grown));
			if (grown == NULL || (grown[g->nfiles] = gm_strdup(x->items[e].path))
			    == NULL) {
				if (grown != NULL)
					g->files = grown;
				ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
				break;
			}
			g->files = grown;
			g->nfiles++;
		}
	}
	return ret;
}


int gm_name_ranges(struct gm_ctx *ctx, const char *image, bool raw,
		   struct gm_verify_range *ranges, size_t nranges)
{
	struct gm_source *src = NULL;
	int ret;

	(void)raw;	/* the image layer reads raw sectors as any others */
	if (nranges == 0)
		return 0;
	ret = gm_image_open(ctx, image, &src);
	if (ret == 0)
		ret = gm_name_ranges_source(ctx, src, ranges, nranges);
	gm_source_free(src);
	return ret;
}

/* ---------------------------------------------------------------------
 * The files of any image, through the file-system reader (fs/): every
 * tree it holds (UDF, the ISO 9660 one with Rock Ridge names or without,
 * Joliet), so a range names a file by each of its names
 */

int gm_name_ranges_source(struct gm_ctx *ctx, struct gm_source *src,
			  struct gm_verify_range *ranges, size_t nranges)
{
	static const enum gm_fs_type trees[] = { GM_FS_UDF, GM_FS_ROCKRIDGE,
						 GM_FS_ISO9660, GM_FS_JOLIET };
	struct extents x = { NULL, 0, 0 };
	bool rock = false;
	int ret = 0;

	if (nranges == 0)
		return 0;
	for (size_t t = 0; ret == 0 && t < sizeof(trees) / sizeof(trees[0]); t++) {
		struct gm_fs_opts o = { .type = trees[t] };
		struct gm_fs *fs = NULL;
		struct naming n = { .x = &x };

		if (trees[t] == GM_FS_ISO9660 && rock)
			continue;	/* the same tree under its Rock Ridge names */
		ret = gm_fs_open(ctx, src, &o, &fs);
		if (ret == -GM_ERR_FORMAT || ret == -GM_ERR_UNSUPPORTED) {
			ret = 0;	/* not there: nothing to name */
			continue;
		}
		if (ret != 0)
			break;
		rock = rock || trees[t] == GM_FS_ROCKRIDGE;
		n.fs = fs;
		ret = gm_fs_runs(fs, name_run, &n);
		gm_fs_free(fs);
	}
	if (ret == 0)
		ret = match_ranges(ctx, &x, ranges, nranges);
	free_extents(&x);
	return ret;
}

/* ---------------------------------------------------------------------
 * A dat as the master
 */

static bool attr(const char *tag, const char *end, const char *name, char *out,
		 size_t size)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), " %s=\"", name);
	p = strstr(tag, key);
	if (p == NULL || p > end)
		return false;
	p += strlen(key);
	for (size_t i = 0; i + 1 < size && *p != '"' && p < end; i++, p++) {
		out[i] = *p;
		out[i + 1] = '\0';
	}
	return *p == '"';
}

static int compare_dat(struct cmp *c, const struct gm_digests *d, const char *source)
{
	char *text = NULL, md5[33], sha1[41], crc[9];
	const char *base = strrchr(source, '/');
	size_t len;
	int ret, roms = 0;

	base = base ? base + 1 : source;
	ret = gm_read_text(c->ctx, c->opts->master, "dat", &text, &len);
	if (ret != 0)
		return ret;
	gm_hex(d->md5, sizeof(d->md5), md5);
	gm_hex(d->sha1, sizeof(d->sha1), sha1);
	snprintf(crc, sizeof(crc), "%08x", (unsigned)d->crc32);
	c->report->dat = true;
	for (const char *p = strstr(text, "<rom "); p != NULL; p = strstr(p + 5, "<rom ")) {
		const char *end = strchr(p, '>');
		char name[512] = "", size[32] = "", rc[16] = "", rm[64] = "", rs[64] = "";

		if (end == NULL)
			break;
		roms++;
		attr(p, end, "name", name, sizeof(name));
		attr(p, end, "size", size, sizeof(size));
		attr(p, end, "crc", rc, sizeof(rc));
		attr(p, end, "md5", rm, sizeof(rm));
		attr(p, end, "sha1", rs, sizeof(rs));
		if (strcmp(name, base) != 0 && strtoull(size, NULL, 10) != d->size)
			continue;
		c->report->dat_rom_found = true;
		c->report->dat_match = strtoull(size, NULL, 10) == d->size
			&& strcasecmp(rc, crc) == 0 && strcasecmp(rm, md5) == 0
			&& strcasecmp(rs, sha1) == 0;
		if (c->report->dat_match)
			break;
	}
	free(text);
	if (roms == 0)
		return gm_error_set(c->ctx, GM_ERR_FORMAT, "dat '%s' has no <rom> entry",
				    c->opts->master);
	return 0;
}

/* A rom of the dat: its name and digests as text. */
struct rom {
	char name[512], size[32], crc[16], md5[64], sha1[64];
};

static int read_roms(struct cmp *c, struct rom **out, size_t *count)
{
	char *text = NULL;
	size_t len, n = 0;
	struct rom *roms = NULL;
	int ret = gm_read_text(c->ctx, c->opts->master, "dat", &text, &len);

	*out = NULL;
	*count = 0;
	if (ret != 0)
		return ret;
	for (const char *p = strstr(text, "<rom "); p != NULL; p = strstr(p + 5, "<rom ")) {
		const char *end = strchr(p, '>');
		struct rom *grown;

		if (end == NULL)
			break;
		grown = realloc(roms, (n + 1) * sizeof(*grown));
		if (grown == NULL) {
			free(roms);
			free(text);
			return gm_error_set(c->ctx, GM_ERR_NOMEM, NULL);
		}
		roms = grown;
		memset(&roms[n], 0, sizeof(roms[n]));
		attr(p, end, "name", roms[n].name, sizeof(roms[n].name));
		attr(p, end, "size", roms[n].size, sizeof(roms[n].size));
		attr(p, end, "crc", roms[n].crc, sizeof(roms[n].crc));
		attr(p, end, "md5", roms[n].md5, sizeof(roms[n].md5));
		attr(p, end, "sha1", roms[n].sha1, sizeof(roms[n].sha1));
		n++;
	}
	free(text);
	if (n == 0) {
		free(roms);
		return gm_error_set(c->ctx, GM_ERR_FORMAT, "dat '%s' has no <rom> entry",
				    c->opts->master);
	}
	*out = roms;
	*count = n;
	return 0;
}

static bool rom_matches(const struct rom *r, const struct gm_digests *d)
{
	char md5[33], sha1[41], crc[9];

	gm_hex(d->md5, sizeof(d->md5), md5);
	gm_hex(d->sha1, sizeof(d->sha1), sha1);
	snprintf(crc, sizeof(crc), "%08x", (unsigned)d->crc32);
	return strtoull(r->size, NULL, 10) == d->size && strcasecmp(r->crc, crc) == 0
	       && strcasecmp(r->md5, md5) == 0 && strcasecmp(r->sha1, sha1) == 0;
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* A new, zeroed entry at the end of the report's files. */
static struct gm_verify_file *new_file(struct cmp *c)
{
	struct gm_verify_report *r = c->report;
	struct gm_verify_file *f = realloc(r->files, (r->nfiles + 1) * sizeof(*f));

	if (f == NULL) {
		gm_error_set(c->ctx, GM_ERR_NOMEM, NULL);
		return NULL;
	}
	r->files = f;
	f = &r->files[r->nfiles++];
	memset(f, 0, sizeof(*f));
	return f;
}

/*
 * An image source against a dat: each of its files (the track files, then
 * the sheet, as `glassmaster hash --dat` lists them) hashed whole and
 * compared with the rom of its name, redump's track naming; a rom no file
 * answers, or a file no rom names, is a mismatch.
 */
static int compare_dat_files(struct cmp *c, struct gm_source *src)
{
	struct gm_verify_report *r = c->report;
	const struct gm_disc *d = gm_source_disc(src);
	struct rom *roms;
	size_t nroms;
	bool *used;
	int ret = read_roms(c, &roms, &nroms);

	if (ret != 0)
		return ret;
	used = calloc(nroms, sizeof(*used));
	if (used == NULL) {
		free(roms);
		return gm_error_set(c->ctx, GM_ERR_NOMEM, NULL);
	}
	r->dat = true;
	r->dat_match = true;
	for (unsigned i = 0; ret == 0 && i <= d->nfiles; i++) {
		const char *path = i < d->nfiles ? d->files[i].path : c->opts->source;
		struct gm_verify_file *f;

		if (i == d->nfiles) {	/* the sheet, unless it is a track file */
			bool seen = false;

			for (unsigned k = 0; k < d->nfiles; k++)
				seen = seen || strcmp(d->files[k].path, path) == 0;
			if (seen)
				break;
		}
		f = new_file(c);
		if (f == NULL) {
			ret = -GM_ERR_NOMEM;
			break;
		}
		snprintf(f->name, sizeof(f->name), "%s", base_of(path));
		ret = gm_hash_file(c->ctx, path, &f->digests, NULL, NULL);
		if (ret != 0)
			break;
		f->status = GM_DAT_NOT_IN_DAT;
		/* one file against one rom: paired whatever their names */
		for (size_t k = 0; k < nroms; k++)
			if (strcmp(roms[k].name, f->name) == 0
			    || (nroms == 1 && d->nfiles <= 1 && r->nfiles == 1
				&& (d->nfiles == 0 || strcmp(d->files[0].path,
							     c->opts->source) == 0))) {
				used[k] = true;
				f->status = rom_matches(&roms[k], &f->digests) ? GM_DAT_MATCH
					    : GM_DAT_DIFFERS;
			}
		if (f->status != GM_DAT_MATCH)
			r->dat_match = false;
		r->dat_rom_found = r->dat_rom_found || f->status != GM_DAT_NOT_IN_DAT;
	}
	for (size_t k = 0; ret == 0 && k < nroms; k++) {
		struct gm_verify_file *f;

		if (used[k])
			continue;
		f = new_file(c);
		if (f == NULL) {
			ret = -GM_ERR_NOMEM;
			break;
		}
		snprintf(f->name, sizeof(f->name), "%s", roms[k].name);
		f->status = GM_DAT_MISSING;
		r->dat_match = false;
	}
	free(used);
	free(roms);
	return ret;
}

static bool is_dat(const char *path)
{
	return gm_path_has_ext(path, ".dat") || gm_path_has_ext(path, ".xml");
}

/* The source as a drive: a device, an image, the simulated drive, or the
   emulated drive of a profile. */
static int open_source(struct gm_ctx *ctx, const struct gm_verify_opts *opts,
		       struct gm_drive **out)
{
	if (opts->profile != NULL)
		return gm_drive_open_emulated(ctx, opts->source, opts->profile,
					      opts->faults, out);
	return gm_drive_open(ctx, opts->source, opts->faults, out);
}

int gm_verify(struct gm_ctx *ctx, const struct gm_verify_opts *opts,
	      struct gm_verify_report *report)
{
	struct cmp c;
	struct gm_fs_info fs;
	const struct gm_drive_info *info;
	const struct gm_disc *disc;
	uint64_t extent, source_sectors;
	int ret;

	memset(report, 0, sizeof(*report));
	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.opts = opts;
	c.report = report;
	c.mbuf = malloc((size_t)BLOCK * GM_SECTOR_USER);
	c.sbuf = malloc((size_t)BLOCK * GM_SECTOR_USER);
	c.raw_buf = malloc((size_t)BLOCK * GM_SECTOR_RAW);
	if (c.mbuf == NULL || c.sbuf == NULL || c.raw_buf == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	if (is_dat(opts->master) && opts->faults == NULL && opts->profile == NULL
	    && !gm_path_is_device(opts->source)) {
		struct gm_source *src;

		ret = gm_image_open(ctx, opts->source, &src);
		if (ret != 0)
			goto out;
		ret = compare_dat_files(&c, src);
		gm_source_free(src);
		goto verdict;
	}
	if (is_dat(opts->master)) {
		ret = open_source(ctx, opts, &c.drive);
		if (ret != 0)
			goto out;
		info = gm_drive_info(c.drive);
		c.raw = info->raw && info->media == GM_MEDIA_CD;
		report->checked = c.raw;
		c.hasher = gm_hasher_new(ctx, GM_HASH_DAT);
		if (c.hasher == NULL) {
			ret = -GM_ERR_NOMEM;
			goto out;
		}
		/* the whole source is read and hashed; no master sectors */
		extent = info->data_sectors > 0 ? (uint64_t)info->data_sectors
			 : (uint64_t)info->sectors;
		ret = compare_pass(&c, extent, extent);
		if (ret == 0)
			ret = gm_hasher_final(ctx, c.hasher, &report->digests);
		if (ret == 0) {
			report->hashed = true;
			report->sectors = extent;
			ret = compare_dat(&c, &report->digests, opts->source);
		}
		goto verdict;
	}
	ret = gm_image_open(ctx, opts->master, &c.master);
	if (ret != 0)
		goto out;
	disc = gm_source_disc(c.master);
	/* the data: the first track when it is one, as ISO 9660 sizes it */
	extent = 0;
	if (disc->ntracks > 0 && disc->tracks[0].mode != GM_TRACK_AUDIO
	    && disc->tracks[0].index[0] == 0)
		extent = (uint64_t)(disc->ntracks > 1 ? disc->tracks[0].end
				    : disc->leadout > 0 ? disc->leadout : 0);
	/* every sector of the master is compared, whatever its file
	   system's volume says (an appended partition, an EFI system
	   partition of a hybrid image, lies beyond it); the volume is only
	   reported */
	if (extent > 0 && gm_fs_probe(ctx, c.master, 0, opts->master, &fs) == 0
	    && fs.iso9660 && fs.iso_block_size == GM_SECTOR_USER && fs.iso_blocks > 0) {
		report->iso9660 = true;
		report->volume = fs.iso_blocks;
	}
	if (extent > 0) {
		struct gm_verify_track *vt;

		ret = open_source(ctx, opts, &c.drive);
		if (ret != 0)
			goto out;
		info = gm_drive_info(c.drive);
		if (info->data_sectors <= 0) {
			ret = gm_error_set(ctx, GM_ERR_MISMATCH, "'%s' has no data track at "
					   "LBA 0, the master '%s' has", opts->source,
					   opts->master);
			goto out;
		}
		source_sectors = (uint64_t)info->data_sectors;
		c.raw = info->raw && info->media == GM_MEDIA_CD;
		report->checked = c.raw;
		if (opts->hash) {
			c.hasher = gm_hasher_new(ctx, GM_HASH_DAT);
			if (c.hasher == NULL) {
				ret = -GM_ERR_NOMEM;
				goto out;
			}
		}
		report->sectors = extent;
		/* beyond the image: only for a lone data track (a mixed CD's
		   audio follows it) */
		report->extra = disc->ntracks == 1 && source_sectors > extent
				? source_sectors - extent : 0;
		ret = add_track(&c, &disc->tracks[0], &vt);
		if (ret == 0) {
			vt->last = (int32_t)extent - 1;
			ret = compare_pass(&c, extent, source_sectors);
			vt->mismatched = report->mismatched + report->missing;
		}
		/* a plain 2048-byte image whatever its name (a UDF master is
		   often .udf), which libiso9660 and libudf open as a file */
		if (ret == 0)
			ret = gm_name_ranges_source(ctx, c.master, report->ranges,
						    report->nranges);
		if (ret == 0 && c.hasher != NULL) {
			ret = gm_hasher_final(ctx, c.hasher, &report->digests);
			report->hashed = ret == 0;
			report->tracks[0].digests = report->digests;
			report->tracks[0].hashed = report->hashed;
		}
	}
	if (ret == 0)
		ret = compare_audio(&c);
	if (ret == 0 && extent > 0)
		ret = compare_later_data(&c);
	if (ret == 0 && report->ntracks == 0)
		ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' has neither a data "
				   "track at LBA 0 nor audio tracks to compare",
				   opts->master);
verdict:
	if (ret != 0)
		goto out;
	if (report->dat)
		ret = report->dat_match ? 0 : gm_error_set(ctx, GM_ERR_MISMATCH,
			report->dat_rom_found ? "'%s' does not match its entry in '%s'"
			: "no entry of '%s' in '%s'", opts->source, opts->master);
	else if (report->mismatched + report->missing > 0)
		ret = gm_error_set(ctx, GM_ERR_MISMATCH, "'%s' differs from '%s'",
				   opts->source, opts->master);
	else if (report->unreadable > 0)
		ret = gm_error_set(ctx, GM_ERR_UNREADABLE, "'%s' has unreadable sectors",
				   opts->source);
out:
	gm_hasher_free(c.hasher);
	gm_source_free(c.master);
	gm_drive_close(c.drive);
	free(c.mbuf);
	free(c.sbuf);
	free(c.raw_buf);
	return ret;
}
