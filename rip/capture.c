/*
 * capture.c - the CD capture: every sector of a CD the drive reaches, as
 * READ CD delivers it (2352 bytes, no offset corrected), its raw P-W
 * subchannel and its C2 pointers, into NAME.raw and NAME.sub with two
 * ddrescue mapfiles: NAME.map over NAME.raw at sample (4-byte) resolution,
 * NAME.sub.map over NAME.sub a sector (96 bytes) at a time.  Passes as
 * the rescue engine's (copy skipping past errors, trim, scrape), then
 * retries of the sectors holding C2-flagged samples or failed checks,
 * from alternating directions with the drive's cache defeated, merged
 * sample by sample: a sample is finished when a read of it carries no C2
 * flag (with secure, when two reads agree as well).  Subchannel whose Q
 * fails its CRC is read again a few times and kept as read.  Everything
 * the analysis needs afterwards is in NAME.capture, NAME.toc,
 * NAME.cdtext and NAME.log; nothing here corrects or interprets.
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
#include <zlib.h>

#include "capture.h"
#include "riplog.h"

struct edges { bool audio_first, audio_last; };
#include "mapfile.h"
#include "banned.h"

#define RAW GM_SECTOR_RAW
#define SUB GM_SUB_SIZE
#define SPS 588u		/* samples a sector */
#define BLOCK 32u		/* sectors a copy-pass read asks for */
#define SKIP_MIN 64u
#define SKIP_MAX 16384u
#define FAR_UNKNOWN 4500	/* sectors moved to empty a cache of unknown size */

struct capture {
	struct gm_ctx *ctx;
	const struct gm_rip_opts *o;
	struct gm_rip_report *rep;
	struct gm_drive *drive;
	const struct gm_drive_info *info;
	struct gm_capture_desc d;	/* NAME.capture */
	char *p_raw, *p_sub, *p_map, *p_smap, *p_desc, *p_toc, *p_cdtext, *p_log;
	int fd_raw, fd_sub;
	FILE *log;
	struct gm_map map, smap;
	int32_t far;		/* sectors to move to empty the cache */
	uint8_t *data[2], *c2[2], *sub[2];	/* a read, and a secure pair's second */
	uint8_t scratch[RAW];
	enum gm_read_result res[2][BLOCK + 2];
	bool bad[BLOCK + 2][SPS];
	uint8_t *same;		/* per sector: the same damage read in a row */
	uint32_t *sig;		/* per sector: that damage's CRC */
	double last_save;
	bool desc_dirty;
	uint64_t flushed;	/* NAME.raw's bytes handed to writeback */
};

#define now gm_rip_now
#define logf_(c, ...) gm_rip_log((c)->log, __VA_ARGS__)
#define drain_journal(c) gm_rip_log_journal((c)->log, (c)->drive)
#define with_suffix gm_rip_path

/* ---------------------------------------------------------------------
 * Where things are
 */

static uint32_t index_of(const struct capture *c, int32_t lba)
{
	return (uint32_t)(lba - c->d.first_lba);
}

static uint64_t raw_pos(const struct capture *c, int32_t lba)
{
	return (uint64_t)index_of(c, lba) * RAW;
}

static bool unreachable(const struct capture *c, int32_t lba)
{
	uint32_t i = index_of(c, lba);

	return (c->d.unreach[i / 8] >> (i % 8)) & 1;
}

static void set_unreachable(struct capture *c, int32_t lba)
{
	uint32_t i = index_of(c, lba);

	c->d.unreach[i / 8] |= (uint8_t)(1u << (i % 8));
	c->desc_dirty = true;
}

/*
 * The samples [*lo, *hi) of the sector at lba that come from the part of
 * the disc the drive reaches: with a read offset of N samples, stream
 * sample p holds the disc's sample p - N, and the drive reaches sectors
 * reach_lo to reach_hi - 1 (the audio edges only: data is not shifted).
 */
static void reachable(const struct capture *c, int32_t lba, unsigned *lo, unsigned *hi)
{
	int64_t p = (int64_t)lba * SPS, n = c->d.read_offset;
	int64_t from = (int64_t)c->d.reach_lo * SPS + n - p;
	int64_t to = (int64_t)c->d.reach_hi * SPS + n - p;

	if (!c->d.audio_first)
		from = (int64_t)c->d.reach_lo * SPS - p;
	if (!c->d.audio_last)
		to = (int64_t)c->d.reach_hi * SPS - p;
	*lo = from <= 0 ? 0 : from >= SPS ? SPS : (unsigned)from;
	*hi = to <= 0 ? 0 : to >= SPS ? SPS : (unsigned)to;
	if (*hi < *lo)
		*hi = *lo;
}

/* Whether any byte of [pos, pos + len) has status st ('\0': any status
   but finished). */
static bool range_has(const struct gm_map *m, uint64_t pos, uint64_t len, int st)
{
	size_t lo = 0, hi = m->count;

	while (lo < hi) {	/* the first extent ending after pos */
		size_t mid = (lo + hi) / 2;

		if (m->extents[mid].pos + m->extents[mid].size <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < m->count && m->extents[i].pos < pos + len; i++)
		if (st ? (int)m->extents[i].status == st
		       : m->extents[i].status != GM_MAP_FINISHED)
			return true;
	return false;
}

/* Whether the sector still has a reachable sample to read. */
static bool sector_open(const struct capture *c, int32_t lba)
{
	unsigned lo, hi;

	if (unreachable(c, lba))
		return false;
	reachable(c, lba, &lo, &hi);
	return hi > lo && range_has(&c->map, raw_pos(c, lba) + lo * 4u, (hi - lo) * 4u, 0);
}

/* ---------------------------------------------------------------------
 * Saving
 */

static int io_error(struct capture *c, const char *path)
{
	return gm_error_set_errno(c->ctx, GM_ERR_IO, errno, "cannot write '%s'", path);
}

/* Both maps and the description; the data they claim goes to disk first. */
static int save(struct capture *c)
{
	int ret;

	if (fdatasync(c->fd_raw) != 0)
		return io_error(c, c->p_raw);
	if (c->fd_sub >= 0 && fdatasync(c->fd_sub) != 0)
		return io_error(c, c->p_sub);
	if (c->desc_dirty) {
		if ((ret = gm_capture_desc_save(c->ctx, &c->d, c->p_desc)) != 0)
			return ret;
		c->desc_dirty = false;
	}
	c->last_save = now();
	if (c->fd_sub >= 0
	    && (ret = gm_map_save(c->ctx, &c->smap, c->p_smap, c->o->command_line)) != 0)
		return ret;
	return gm_map_save(c->ctx, &c->map, c->p_map, c->o->command_line);
}

static int checkpoint(struct capture *c, int32_t lba)
{
	uint64_t pos = raw_pos(c, lba);

	c->map.current = pos;
	gm_rip_report_progress(c->o, &c->map, pos);
	if (c->o->stop != NULL && *c->o->stop) {
		int ret = save(c);

		logf_(c, "stopped at LBA %ld; maps saved", (long)lba);
		return ret != 0 ? ret : gm_error_set(c->ctx, GM_ERR_INTERRUPTED,
						     "interrupted; '%s' is saved: run the "
						     "same command again to resume",
						     c->p_map);
	}
	if (now() - c->last_save >= c->o->map_interval)
		return save(c);
	return 0;
}

static int set_phase(void *arg, char phase, int pass, const char *what)
{
	struct capture *c = arg;
	c->map.phase = phase;
	c->map.pass = pass;
	logf_(c, "%s (pass %d)", what, pass);
	return save(c);
}

/* ---------------------------------------------------------------------
 * Reading and merging
 */

static int put(struct capture *c, int fd, const char *path, const uint8_t *buf,
	       size_t len, uint64_t pos)
{
	return gm_rip_pwrite(c->ctx, fd, path, buf, len, pos);
}

/* Read count sectors at lba into buffer set k; GONE is an error. */
static int read_block(struct capture *c, int k, int32_t lba, uint32_t count)
{
	int ret = gm_drive_read_cd(c->ctx, c->drive, lba, count, c->data[k],
				   c->d.c2_size ? c->c2[k] : NULL,
				   c->fd_sub >= 0 ? c->sub[k] : NULL, c->res[k]);

	drain_journal(c);
	return ret;
}

/* One sector far away into the scratch buffer (only GONE matters). */
static int read_far(struct capture *c, int32_t lba)
{
	enum gm_read_result r;
	int ret = gm_drive_read_cd(c->ctx, c->drive, lba, 1, c->scratch, NULL, NULL, &r);

	drain_journal(c);
	return ret;
}

/* Read a sector far from lba, so that what the drive caches of lba is
   gone before it is read again. */
static int defeat_cache(struct capture *c, int32_t lba)
{
	int32_t to = lba + c->far;

	if (c->far <= 0)
		return 0;
	if (to >= c->d.leadout)
		to = lba - c->far;
	if (to < 0)
		to = lba + c->far < c->d.leadout ? lba + c->far : 0;
	return read_far(c, to);
}

/*
 * Whether byte k of sector i of a read of n sectors (buffer set 0 or 1)
 * is C2-flagged, the drive's C2 offset taken back: its bit is at k +
 * offset in the stream of C2 fields, so in a neighbour's field when that
 * leaves the sector.  A bit in a sector the read did not return is
 * unknown, which counts as flagged, unless that sector is beyond what the
 * drive reaches (nothing can tell then; the bytes are taken as read).
 * first is the LBA of the read's first sector.
 */
static bool neighbour_ok(const struct capture *c, int32_t lba);

static bool c2_flag(const struct capture *c, int set, uint32_t i, uint32_t n, int32_t k,
		    int32_t first)
{
	int64_t at = (int64_t)i * RAW + k + c->d.c2_offset;
	const uint8_t *bits;

	if (at < 0 || at >= (int64_t)n * RAW)
		return neighbour_ok(c, first + (int32_t)(at < 0 ? -1 : (int64_t)n));
	bits = c->c2[set] + (size_t)(at / RAW) * GM_DRIVE_C2_SIZE;
	at %= RAW;
	return bits[at / 8] & (0x80 >> (at % 8));
}

/*
 * The samples of sector i of a read of n sectors that cannot be trusted,
 * into c->bad[i]: C2-flagged (a sample with a flagged byte), different
 * between the two reads of a secure pair, or, for a data sector (sync and
 * its own address in the header), all of them when EDC/ECC fail.
 */
static void judge(struct capture *c, uint32_t i, uint32_t n, int32_t lba, bool pair)
{
	int32_t first = lba - (int32_t)i;
	const uint8_t *a = c->data[0] + (size_t)i * RAW, *b = c->data[1] + (size_t)i * RAW;
	int32_t at;
	uint8_t mode;
	struct gm_sector_info info;

	for (unsigned s = 0; s < SPS; s++) {
		bool bad = false;

		for (unsigned k = 0; k < 4 && c->d.c2_size && !bad; k++)
			bad = c2_flag(c, 0, i, n, (int32_t)(s * 4 + k), first)
			      || (pair && c2_flag(c, 1, i, n, (int32_t)(s * 4 + k), first));
		if (pair && !bad)
			bad = memcmp(a + s * 4, b + s * 4, 4) != 0;
		c->bad[i][s] = bad;
	}
	if (gm_sync_check(a) && gm_header_decode(a, &at, &mode) && at == lba) {
		bool good = gm_sector_check(a, lba, &info, NULL) == GM_CHECK_GOOD
			    && (!pair || memcmp(a, b, RAW) == 0);

		for (unsigned s = 0; s < SPS; s++)
			c->bad[i][s] = !good;
		if (!good)
			logf_(c, "LBA %ld: a data sector that fails its check (%s)",
			      (long)lba, pair && memcmp(a, b, RAW) != 0
			      ? "two reads differ" : gm_sector_check_name(info.status));
	}
}

/* The damage of a sector's read, to see it come back the same. */
static uint32_t damage_sig(const struct capture *c, uint32_t i, enum gm_read_result r)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	const uint8_t *a = c->data[0] + (size_t)i * RAW;

	crc = crc32(crc, (const Bytef *)&r, sizeof(r));
	if (r == GM_READ_OK || r == GM_READ_C2)
		for (unsigned s = 0; s < SPS; s++)
			if (c->bad[i][s])
				crc = crc32(crc, a + s * 4, 4) ^ s;
	return (uint32_t)crc | 1u;
}

/*
 * The subchannel of sectors i to i + n - 1 of a read, the first at lba:
 * kept as read until a read's Q passes its CRC.  One write when none of
 * them is finished yet.
 */
static int merge_sub(struct capture *c, int32_t lba, uint32_t i, uint32_t n)
{
	uint64_t spos = (uint64_t)index_of(c, lba) * SUB;
	int ret;

	if (c->fd_sub < 0)
		return 0;
	if (n > 1 && !range_has(&c->smap, spos, (uint64_t)n * SUB, GM_MAP_FINISHED)) {
		if ((ret = put(c, c->fd_sub, c->p_sub, c->sub[0] + (size_t)i * SUB,
			       (size_t)n * SUB, spos)) != 0)
			return ret;
		for (uint32_t k = 0; k < n;) {
			uint8_t q[12];
			uint32_t e = k;
			bool ok = false;

			for (; e < n; e++) {
				bool this;

				gm_sub_channel(c->sub[0] + (size_t)(i + e) * SUB, GM_SUB_Q, q);
				this = gm_subq_crc_ok(q);
				if (e == k)
					ok = this;
				else if (this != ok)
					break;
			}
			if ((ret = gm_map_set(c->ctx, &c->smap, spos + (uint64_t)k * SUB,
					      (uint64_t)(e - k) * SUB,
					      ok ? GM_MAP_FINISHED : GM_MAP_BAD)) != 0)
				return ret;
			k = e;
		}
		return 0;
	}
	for (uint32_t k = 0; k < n; k++, spos += SUB) {
		const uint8_t *sub = c->sub[0] + (size_t)(i + k) * SUB;
		uint8_t q[12];

		if (gm_map_status_at(&c->smap, spos) == GM_MAP_FINISHED)
			continue;
		gm_sub_channel(sub, GM_SUB_Q, q);
		if ((ret = put(c, c->fd_sub, c->p_sub, sub, SUB, spos)) != 0
		    || (ret = gm_map_set(c->ctx, &c->smap, spos, SUB,
					 gm_subq_crc_ok(q) ? GM_MAP_FINISHED
					 : GM_MAP_BAD)) != 0)
			return ret;
	}
	return 0;
}

/* Whether len bytes are all zero (eight at a time). */
static bool all_zero(const uint8_t *p, size_t len)
{
	uint64_t acc = 0, w;
	size_t k = 0;

	for (; k + 8 <= len; k += 8) {
		memcpy(&w, p + k, 8);
		acc |= w;
	}
	for (; k < len; k++)
		acc |= p[k];
	return acc == 0;
}

/*
 * The common case of a copy: sectors pre to pre + count - 1 of a read of
 * n all read, none C2-flagged (no bit set anywhere in the read, none
 * unknown), the two reads of a secure pair alike, every data sector
 * passing its check, every sample reachable and none finished before.
 * Then they are written and finished at once and *done is set.
 */
static int merge_clean(struct capture *c, int32_t lba, uint32_t pre, uint32_t count,
		       uint32_t n, uint32_t post, bool *done)
{
	size_t c2len = (size_t)n * GM_DRIVE_C2_SIZE;
	int ret;

	*done = false;
	for (uint32_t i = pre; i < pre + count; i++)
		if (c->res[0][i] != GM_READ_OK)
			return 0;
	if (unreachable(c, lba) || unreachable(c, lba + (int32_t)count - 1))
		return 0;
	if (c->d.c2_size && (!all_zero(c->c2[0], c2len)
			     || (c->o->secure && !all_zero(c->c2[1], c2len))))
		return 0;
	if (c->d.c2_size && ((c->d.c2_offset < 0 && !pre && neighbour_ok(c, lba - 1))
			     || (c->d.c2_offset > 0 && !post
				 && neighbour_ok(c, lba + (int32_t)count))))
		return 0;
	if (c->o->secure && memcmp(c->data[0] + (size_t)pre * RAW, c->data[1] + (size_t)pre * RAW,
				   (size_t)count * RAW) != 0)
		return 0;
	for (uint32_t k = 0; k < count; k++) {
		unsigned lo, hi;
		const uint8_t *a = c->data[0] + (size_t)(pre + k) * RAW;
		int32_t at;
		uint8_t mode;
		struct gm_sector_info info;

		reachable(c, lba + (int32_t)k, &lo, &hi);
		if (lo != 0 || hi != SPS || unreachable(c, lba + (int32_t)k))
			return 0;
		if (gm_sync_check(a) && gm_header_decode(a, &at, &mode) && at == lba + (int32_t)k
		    && gm_sector_check(a, at, &info, NULL) != GM_CHECK_GOOD)
			return 0;
	}
	if (range_has(&c->map, raw_pos(c, lba), (uint64_t)count * RAW, GM_MAP_FINISHED))
		return 0;
	/* start the writeback of what the copy wrote (behind it, in 8 MiB
	   runs), so that the fdatasync before a map save waits for little */
	if (raw_pos(c, lba) >= c->flushed + (8u << 20)) {
		(void)sync_file_range(c->fd_raw, (off64_t)c->flushed,
				      (off64_t)(raw_pos(c, lba) - c->flushed),
				      SYNC_FILE_RANGE_WRITE);
		c->flushed = raw_pos(c, lba);
	}
	if ((ret = put(c, c->fd_raw, c->p_raw, c->data[0] + (size_t)pre * RAW,
		       (size_t)count * RAW, raw_pos(c, lba))) != 0
	    || (ret = gm_map_set(c->ctx, &c->map, raw_pos(c, lba), (uint64_t)count * RAW,
				 GM_MAP_FINISHED)) != 0
	    || (ret = merge_sub(c, lba, pre, count)) != 0)
		return ret;
	*done = true;
	return 0;
}

/*
 * Merge sector i of the read at lba (count sectors in the command) into
 * the capture: samples not yet finished take the read's bytes and are
 * finished when the read can be trusted there; a failed sector marks its
 * open samples with fail (or, refused alone, the sector unreachable).
 * *failed tells whether anything was left open.
 */
static int merge(struct capture *c, int32_t lba, uint32_t i, uint32_t count,
		 enum gm_read_result r, enum gm_map_status fail, bool *failed)
{
	uint64_t base = raw_pos(c, lba);
	const uint8_t *a = c->data[0] + (size_t)i * RAW;
	unsigned lo, hi, s = 0;
	int ret;

	*failed = false;
	if (r == GM_READ_RANGE && count == 1) {
		set_unreachable(c, lba);
		logf_(c, "LBA %ld: refused by the drive (out of its range): not "
		      "readable by this drive", (long)lba);
		*failed = true;
		if ((ret = gm_map_set(c->ctx, &c->map, base, RAW, GM_MAP_BAD)) != 0)
			return ret;
		return c->fd_sub >= 0 ? gm_map_set(c->ctx, &c->smap, (uint64_t)index_of(c, lba) * SUB,
						   SUB, GM_MAP_BAD) : 0;
	}
	reachable(c, lba, &lo, &hi);
	if (r != GM_READ_OK && r != GM_READ_C2) {
		*failed = true;
		for (s = lo; s < hi;) {
			unsigned e = s;

			while (e < hi && gm_map_status_at(&c->map, base + e * 4u) != GM_MAP_FINISHED)
				e++;
			if (e > s && (ret = gm_map_set(c->ctx, &c->map, base + s * 4u,
						       (e - s) * 4u, fail)) != 0)
				return ret;
			while (e < hi && gm_map_status_at(&c->map, base + e * 4u) == GM_MAP_FINISHED)
				e++;
			s = e;
		}
		return 0;
	}
	/* the open samples take this read; a run at a time */
	for (s = lo; s < hi;) {
		bool open = gm_map_status_at(&c->map, base + s * 4u) != GM_MAP_FINISHED;
		unsigned e = s + 1;

		while (e < hi && (gm_map_status_at(&c->map, base + e * 4u) != GM_MAP_FINISHED) == open)
			e++;
		if (open) {
			if ((ret = put(c, c->fd_raw, c->p_raw, a + s * 4, (e - s) * 4u,
				       base + s * 4u)) != 0)
				return ret;
			for (unsigned k = s; k < e;) {
				unsigned m = k + 1;

				while (m < e && c->bad[i][m] == c->bad[i][k])
					m++;
				if (c->bad[i][k])
					*failed = true;
				if ((ret = gm_map_set(c->ctx, &c->map, base + k * 4u, (m - k) * 4u,
						      c->bad[i][k] ? GM_MAP_BAD
						      : GM_MAP_FINISHED)) != 0)
					return ret;
				k = m;
			}
		}
		s = e;
	}
	return merge_sub(c, lba, i, 1);
}

/*
 * Read count sectors at lba once (twice with secure, the cache defeated
 * between) and merge them.  *failed counts sectors left open.
 */
/* Whether a read may take in the sector at lba as a neighbour, for its
   C2 bits: inside the capture and the drive's reach, not refused. */
static bool neighbour_ok(const struct capture *c, int32_t lba)
{
	return lba >= c->d.first_lba && lba < c->d.first_lba + (int32_t)c->d.sectors
	       && lba >= c->d.reach_lo && lba < c->d.reach_hi && !unreachable(c, lba);
}

/* Read n sectors from lba into sets 0 and (secure) 1; with secure, a
   sector failed in either read failed. */
static int read_twice(struct capture *c, int32_t lba, uint32_t n)
{
	int ret = read_block(c, 0, lba, n);

	if (ret == 0 && c->o->secure) {
		if ((ret = defeat_cache(c, lba)) == 0)
			ret = read_block(c, 1, lba, n);
		for (uint32_t i = 0; ret == 0 && i < n; i++)
			if (c->res[1][i] != GM_READ_OK && c->res[1][i] != GM_READ_C2
			    && (c->res[0][i] == GM_READ_OK || c->res[0][i] == GM_READ_C2))
				c->res[0][i] = c->res[1][i];
	}
	return ret;
}

/*
 * Read count sectors at lba once (twice with secure, the cache emptied
 * between) and merge them.  With a C2 offset the read takes in the
 * neighbour the offset moves C2 bits into, when it can, so that every
 * sector's bits are known (and again without it, when the command then
 * fails as a whole).  *failed counts sectors left open, *errors those
 * that did not read.
 */
static int attempt(struct capture *c, int32_t lba, uint32_t count,
		   enum gm_map_status fail, uint32_t *failed, uint32_t *errors)
{
	uint32_t pre = c->d.c2_size && c->d.c2_offset < 0 && neighbour_ok(c, lba - 1);
	uint32_t post = c->d.c2_size && c->d.c2_offset > 0
			&& neighbour_ok(c, lba + (int32_t)count);
	uint32_t n = count + pre + post;
	int ret = read_twice(c, lba - (int32_t)pre, n);
	bool clean;

	*failed = *errors = 0;
	if (ret == 0 && (pre || post)) {
		bool any = false;

		for (uint32_t i = 0; i < n && !any; i++)
			any = c->res[0][i] == GM_READ_OK || c->res[0][i] == GM_READ_C2;
		if (!any) {	/* perhaps the neighbour: without it */
			pre = post = 0;
			n = count;
			ret = read_twice(c, lba, n);
		}
	}
	if (ret != 0)
		return ret;
	if ((ret = merge_clean(c, lba, pre, count, n, post, &clean)) != 0 || clean)
		return ret;
	for (uint32_t i = pre; i < pre + count; i++) {
		int32_t at = lba + (int32_t)(i - pre);
		enum gm_read_result r = c->res[0][i];
		bool open;

		if (r == GM_READ_OK || r == GM_READ_C2)
			judge(c, i, n, at, c->o->secure);
		else
			(*errors)++;
		if ((ret = merge(c, at, i, count, r, fail, &open)) != 0)
			return ret;
		if (open) {
			uint32_t sig = damage_sig(c, i, r), x = index_of(c, at);

			(*failed)++;
			if (count == 1) {
				c->same[x] = c->sig[x] == sig && c->same[x] < 254 ? c->same[x] + 1 : 1;
				c->sig[x] = sig;
			}
		}
	}
	return 0;
}

/* The first sector at or after lba with an open sample of status st
   (forward), or -1 past the end. */
static int32_t next_with(const struct capture *c, int32_t lba, enum gm_map_status st,
			 int32_t *end)
{
	int32_t last = c->d.first_lba + (int32_t)c->d.sectors;

	for (size_t i = 0; i < c->map.count; i++) {
		const struct gm_map_extent *e = &c->map.extents[i];
		int32_t a, b;

		if (e->status != st)
			continue;
		a = c->d.first_lba + (int32_t)(e->pos / RAW);
		b = c->d.first_lba + (int32_t)((e->pos + e->size + RAW - 1) / RAW);
		if (b <= lba)
			continue;
		if (a < lba)
			a = lba;
		*end = b < last ? b : last;
		return a;
	}
	return INT32_MIN;
}

static int copy_pass(void *arg, bool skipping)
{
	struct capture *c = arg;
	int32_t lba = c->d.first_lba, end;
	uint32_t skip = 0;
	int ret;

	while ((lba = next_with(c, lba, GM_MAP_NONTRIED, &end)) != INT32_MIN) {
		uint32_t n = (uint32_t)(end - lba), failed, errors;

		if (n > BLOCK)
			n = BLOCK;
		/* a block never crosses the end of the drive's reach: the
		   sectors past it are tried on their own */
		if (lba < c->d.reach_hi && lba + (int32_t)n > c->d.reach_hi)
			n = (uint32_t)(c->d.reach_hi - lba);
		else if (lba < c->d.reach_lo && lba + (int32_t)n > c->d.reach_lo)
			n = (uint32_t)(c->d.reach_lo - lba);
		ret = attempt(c, lba, n, GM_MAP_NONTRIMMED, &failed, &errors);
		if (ret == 0)
			ret = checkpoint(c, lba);
		if (ret != 0)
			return ret;
		lba += (int32_t)n;
		if (errors && skipping) {
			skip = skip ? (skip * 2 > SKIP_MAX ? SKIP_MAX : skip * 2) : SKIP_MIN;
			lba += (int32_t)skip;
		} else if (!errors) {
			skip = 0;
		}
	}
	return 0;
}

/* One sector on its own; *ok when it left nothing open. */
static int one(struct capture *c, int32_t lba, bool *ok)
{
	uint32_t failed, errors;
	int ret = attempt(c, lba, 1, GM_MAP_BAD, &failed, &errors);

	*ok = failed == 0;
	return ret == 0 ? checkpoint(c, lba) : ret;
}

static int trim_pass(void *arg)
{
	struct capture *c = arg;
	int32_t first, end;
	int ret;

	while ((first = next_with(c, c->d.first_lba, GM_MAP_NONTRIMMED, &end)) != INT32_MIN) {
		int32_t last = end - 1;
		bool ok = true;

		while (first <= last && ok) {
			if ((ret = one(c, first, &ok)) != 0)
				return ret;
			first++;
		}
		ok = true;
		while (last >= first && ok) {
			if ((ret = one(c, last, &ok)) != 0)
				return ret;
			last--;
		}
		for (int32_t l = first; l <= last; l++) {
			unsigned lo, hi;

			reachable(c, l, &lo, &hi);
			if (hi > lo && (ret = gm_map_set(c->ctx, &c->map, raw_pos(c, l) + lo * 4u,
							 (hi - lo) * 4u, GM_MAP_NONSCRAPED)) != 0)
				return ret;
		}
	}
	return 0;
}

static int scrape_pass(void *arg)
{
	struct capture *c = arg;
	int32_t first, end;
	int ret;

	while ((first = next_with(c, c->d.first_lba, GM_MAP_NONSCRAPED, &end)) != INT32_MIN)
		for (int32_t l = first; l < end; l++) {
			bool ok;

			if (range_has(&c->map, raw_pos(c, l), RAW, GM_MAP_NONSCRAPED)
			    && (ret = one(c, l, &ok)) != 0)
				return ret;
		}
	return 0;
}

/* Reread the sectors still open, from one end or the other, the cache
   emptied before each; a sector whose damage came back the same
   same_damage times in a row is given up. */
static int retry_pass(struct capture *c, bool backward, unsigned *given_up)
{
	int32_t n = (int32_t)c->d.sectors;

	for (int32_t k = 0; k < n; k++) {
		int32_t lba = c->d.first_lba + (backward ? n - 1 - k : k);
		uint32_t x = index_of(c, lba);
		bool ok;
		int ret;

		if (!sector_open(c, lba))
			continue;
		if (c->o->same_damage > 0 && c->same[x] >= c->o->same_damage) {
			if (c->same[x] != 255) {	/* 255: given up and logged */
				logf_(c, "LBA %ld: the same damage %u reads in a row: "
				      "not read again", (long)lba, (unsigned)c->same[x]);
				c->same[x] = 255;
				(*given_up)++;
			}
			continue;
		}
		if ((ret = defeat_cache(c, lba)) != 0 || (ret = one(c, lba, &ok)) != 0)
			return ret;
	}
	return 0;
}

/* Whether a sector the drive reaches has a Q that failed its CRC. */
static bool sub_open_any(const struct capture *c)
{
	for (uint32_t k = 0; k < c->d.sectors; k++)
		if (!unreachable(c, c->d.first_lba + (int32_t)k)
		    && gm_map_status_at(&c->smap, (uint64_t)k * SUB) == GM_MAP_BAD)
			return true;
	return false;
}

/* Reread sectors whose Q failed its CRC (their data merges too). */
static int sub_pass(struct capture *c)
{
	for (int32_t k = 0; k < (int32_t)c->d.sectors; k++) {
		int32_t lba = c->d.first_lba + k;
		bool ok;
		int ret;

		if (unreachable(c, lba) || gm_map_status_at(&c->smap, (uint64_t)k * SUB) != GM_MAP_BAD)
			continue;
		if ((ret = defeat_cache(c, lba)) != 0 || (ret = one(c, lba, &ok)) != 0)
			return ret;
	}
	return 0;
}

static int run_passes(struct capture *c)
{
	unsigned given_up = 0;
	int ret;

	static const struct gm_rip_passes first = {
		.phase = set_phase, .copy = copy_pass, .trim = trim_pass, .scrape = scrape_pass,
	};

	if ((ret = gm_rip_first_passes(&c->map, &first, c)) != 0)
		return ret;
	for (int pass = 1; pass <= c->o->retries; pass++) {
		bool any = false;

		for (int32_t k = 0; k < (int32_t)c->d.sectors && !any; k++)
			any = sector_open(c, c->d.first_lba + k);
		if (!any)
			break;
		if ((ret = set_phase(c, '-', pass, "retrying sectors with C2 errors, "
				     "failed checks or read errors")) != 0
		    || (ret = retry_pass(c, pass % 2 == 0, &given_up)) != 0)
			return ret;
	}
	if (given_up)
		logf_(c, "%u sector%s given up by the same-damage rule (--same-damage %u)",
		      given_up, given_up == 1 ? "" : "s", c->o->same_damage);
	{
		unsigned open = 0;

		for (int32_t k = 0; k < (int32_t)c->d.sectors; k++)
			open += sector_open(c, c->d.first_lba + k);
		if (open > given_up)
			logf_(c, "%u sector%s still hold samples not captured after %d "
			      "retry pass%s (--retries)", open - given_up,
			      open - given_up == 1 ? "" : "s", c->o->retries,
			      c->o->retries == 1 ? "" : "es");
	}
	/* NAME.sub.map's pass: the next subchannel pass (1: none done yet) */
	for (; c->fd_sub >= 0 && c->smap.pass <= c->o->sub_retries && sub_open_any(c);
	     c->smap.pass++) {
		c->smap.phase = '-';
		if ((ret = set_phase(c, '-', c->smap.pass, "rereading sectors whose Q "
				     "fails its CRC")) != 0
		    || (ret = sub_pass(c)) != 0)
			return ret;
	}
	c->smap.phase = '+';
	return set_phase(c, '+', 1, "finished");
}

/* ---------------------------------------------------------------------
 * Setting up
 */

int gm_capture_keep_table(struct gm_ctx *ctx, struct gm_drive *drive,
			  enum gm_drive_table t, const char *path, size_t skip,
			  bool resumed)
{
	size_t len;
	const uint8_t *data = gm_drive_table(drive, t, &len);
	char *tmp;
	FILE *f;
	int ret = 0;

	if (data == NULL || len <= skip)
		return 0;
	data += skip;
	len -= skip;
	if (resumed && (f = fopen(path, "rb")) != NULL) {
		uint8_t *old = malloc(len + 1);
		size_t n = old != NULL ? fread(old, 1, len + 1, f) : 0;
		bool same = n == len && memcmp(old, data, len) == 0;

		free(old);
		fclose(f);
		if (!same)
			return gm_error_set(ctx, GM_ERR_EXISTS, "'%s' is not what the "
					    "disc in the drive has: it belongs to "
					    "another disc (start afresh with --force)",
					    path);
		return 0;
	}
	if ((tmp = with_suffix(path, ".tmp")) == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	f = fopen(tmp, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fflush(f) != 0
	    || fsync(fileno(f)) != 0) {
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", path);
		if (f != NULL)
			fclose(f);
		unlink(tmp);
	} else if (fclose(f) != 0 || rename(tmp, path) != 0) {
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", path);
		unlink(tmp);
	}
	free(tmp);
	return ret;
}

/* The drive's record, offsets and reach; what was used and why. */
static void choose(struct capture *c)
{
	const struct gm_drive_db_record *rec = NULL;
	struct gm_capture_desc *d = &c->d;
	const struct gm_drive_info *in = c->info;

	if (c->o->db != NULL)
		rec = gm_drive_db_match(c->o->db, in->vendor, in->product, in->revision);
	d->read_offset = 0;
	d->over_in = d->over_out = 0;
	d->c2_offset = 0;
	c->far = FAR_UNKNOWN;
	if (rec != NULL) {
		d->read_offset = rec->profile.read_offset;
		d->over_in = rec->profile.overread_leadin;
		d->over_out = rec->profile.overread_leadout;
		d->c2_offset = rec->profile.c2_offset;
		c->far = rec->profile.cache ? (int32_t)rec->profile.cache + 64 : 0;
		snprintf(d->offset_why, sizeof(d->offset_why), "drive database '%s' line %u",
			 rec->file, rec->line);
		logf_(c, "drive database: '%s' line %u matches %s %s %s: read offset %+ld, "
		      "C2 offset %ld, overread %ld into the lead-in and %ld into the "
		      "lead-out, cache %lu sectors", rec->file, rec->line, in->vendor,
		      in->product, in->revision, (long)d->read_offset, (long)d->c2_offset,
		      (long)d->over_in, (long)d->over_out, (unsigned long)rec->profile.cache);
	} else {
		snprintf(d->offset_why, sizeof(d->offset_why), "not in the drive "
			 "database: offsets not corrected");
		logf_(c, "drive database: no record of %s %s %s: read offset 0, no "
		      "overread; offsets are not corrected", in->vendor, in->product,
		      in->revision);
	}
	/* the read method and sector order: the record's; the order the
	   probe found stands unless the record says the other */
	{
		bool cdda = rec != NULL && rec->profile.read_cdda;
		bool sub_first = rec != NULL ? rec->profile.sub_first || in->cd_sub_first
				 : in->cd_sub_first;

		gm_drive_set_cd_method(c->drive, cdda, sub_first);
		logf_(c, "READ CD: %s, %s", cdda ? "every sector as CD-DA (sector type 1)"
		      : "any sector type", sub_first ? "subchannel before C2 (sub-c2)"
		      : "C2 before subchannel (c2-sub)");
	}
	if (c->o->read_offset_set) {
		d->read_offset = c->o->read_offset;
		snprintf(d->offset_why, sizeof(d->offset_why), "--read-offset");
		logf_(c, "read offset %+ld from --read-offset", (long)d->read_offset);
	}
	if (c->far > 0)
		logf_(c, "the cache is emptied before each reread by a read %ld "
		      "sectors away (READ CD has no FUA)", (long)c->far);
}

/* The range to capture, from the TOC and what the drive reaches. */
static void plan(struct capture *c, const struct edges *toc)
{
	struct gm_capture_desc *d = &c->d;
	int32_t n = d->read_offset, extra_lo = 0, extra_hi = 0;

	d->leadout = c->info->leadout;
	d->reach_lo = (c->info->cd_pregap ? -150 : 0) - d->over_in;
	if (!c->info->cd_pregap && d->over_in)
		d->reach_lo = -150 - d->over_in;
	d->reach_hi = d->leadout + d->over_out;
	d->audio_first = toc->audio_first;
	d->audio_last = toc->audio_last;
	/* the sectors whose stream holds the edges of the reach, shifted */
	if (n < 0 && d->audio_first)
		extra_lo = (-n + (int32_t)SPS - 1) / (int32_t)SPS;
	if (n > 0 && d->audio_last)
		extra_hi = (n + (int32_t)SPS - 1) / (int32_t)SPS;
	d->first_lba = -150 - d->over_in - extra_lo;
	d->sectors = (uint32_t)(d->reach_hi + extra_hi - d->first_lba);
	d->c2_size = c->info->cd_c2;
	d->sub = c->info->cd_sub;
	d->cdda = c->info->cd_cdda;
}

/* Open or create the files and maps: resume, or start afresh. */
static int prepare(struct capture *c, const struct edges *toc)
{
	struct stat sb;
	bool resume = access(c->p_map, F_OK) == 0;
	int ret, flags = O_RDWR | O_CLOEXEC;
	uint64_t raw_size, sub_size;

	if (resume) {
		struct gm_capture_desc old;

		memset(&old, 0, sizeof(old));
		ret = gm_capture_desc_load(c->ctx, &old, c->p_desc);
		if (ret == 0 && (old.leadout != c->d.leadout || old.first_lba != c->d.first_lba
				 || old.sectors != c->d.sectors))
			ret = gm_error_set(c->ctx, GM_ERR_EXISTS, "'%s' describes a capture "
					   "of LBA %ld-%ld with the lead-out at %ld; "
					   "this disc and drive give LBA %ld-%ld and "
					   "%ld: another disc, drive or offset "
					   "(start afresh with --force)", c->p_desc,
					   (long)old.first_lba,
					   (long)(old.first_lba + (int32_t)old.sectors - 1),
					   (long)old.leadout, (long)c->d.first_lba,
					   (long)(c->d.first_lba + (int32_t)c->d.sectors - 1),
					   (long)c->d.leadout);
		if (ret == 0) {
			memcpy(c->d.unreach, old.unreach, (c->d.sectors + 7) / 8);
			c->d.sub = old.sub;
			c->d.c2_size = old.c2_size ? c->d.c2_size : 0;
		}
		gm_capture_desc_release(&old);
		if (ret != 0)
			return ret;
	} else if (!c->o->force && (stat(c->p_raw, &sb) == 0 || stat(c->p_desc, &sb) == 0)) {
		return gm_error_set(c->ctx, GM_ERR_EXISTS, "'%s' exists and has no mapfile "
				    "'%s': use --force to start afresh", stat(c->p_raw, &sb) == 0
				    ? c->p_raw : c->p_desc, c->p_map);
	}
	raw_size = (uint64_t)c->d.sectors * RAW;
	sub_size = (uint64_t)c->d.sectors * SUB;
	if ((ret = gm_capture_keep_table(c->ctx, c->drive, GM_TABLE_FULL_TOC, c->p_toc, 0,
					 resume)) != 0
	    || (ret = gm_capture_keep_table(c->ctx, c->drive, GM_TABLE_CDTEXT, c->p_cdtext,
					    4, resume)) != 0)
		return ret;
	if (resume) {
		if ((ret = gm_map_load(c->ctx, &c->map, c->p_map, raw_size)) != 0)
			return ret;
		if (c->d.sub && (ret = gm_map_load(c->ctx, &c->smap, c->p_smap, sub_size)) != 0)
			return ret;
		c->rep->resumed = true;
		logf_(c, "resuming with '%s': %llu of %llu samples finished", c->p_map,
		      (unsigned long long)gm_map_total(&c->map, GM_MAP_FINISHED) / 4,
		      (unsigned long long)raw_size / 4);
	} else {
		/* the samples the drive cannot reach (the read offset pushes
		   them past what it reads) are bad from the start */
		if ((ret = gm_map_init(c->ctx, &c->map, raw_size)) != 0
		    || (c->d.sub && (ret = gm_map_init(c->ctx, &c->smap, sub_size)) != 0))
			return ret;
		for (uint32_t k = 0; k < c->d.sectors; k++) {
			int32_t lba = c->d.first_lba + (int32_t)k;
			unsigned lo, hi;

			reachable(c, lba, &lo, &hi);
			if (lo > 0 && (ret = gm_map_set(c->ctx, &c->map, raw_pos(c, lba),
							lo * 4u, GM_MAP_BAD)) != 0)
				return ret;
			if (hi < SPS && (ret = gm_map_set(c->ctx, &c->map, raw_pos(c, lba) + hi * 4u,
							  (SPS - hi) * 4u, GM_MAP_BAD)) != 0)
				return ret;
		}
		/* the description and the maps first: killed before the data
		   files exist, the next run resumes */
		if ((ret = gm_capture_desc_save(c->ctx, &c->d, c->p_desc)) != 0
		    || (c->d.sub && (ret = gm_map_save(c->ctx, &c->smap, c->p_smap,
						       c->o->command_line)) != 0)
		    || (ret = gm_map_save(c->ctx, &c->map, c->p_map, c->o->command_line)) != 0)
			return ret;
		flags |= O_CREAT | O_TRUNC;
	}
	(void)toc;
	c->fd_raw = open(c->p_raw, flags, 0666);
	if (c->fd_raw < 0)
		return gm_error_set_errno(c->ctx, GM_ERR_IO, errno, "cannot open '%s'", c->p_raw);
	if (c->d.sub) {
		c->fd_sub = open(c->p_sub, flags | O_CREAT, 0666);
		if (c->fd_sub < 0)
			return gm_error_set_errno(c->ctx, GM_ERR_IO, errno, "cannot open '%s'",
						  c->p_sub);
	}
	if (ftruncate(c->fd_raw, (off_t)raw_size) != 0
	    || (c->fd_sub >= 0 && ftruncate(c->fd_sub, (off_t)sub_size) != 0))
		return gm_error_set_errno(c->ctx, GM_ERR_IO, errno, "cannot size '%s'",
					  c->p_raw);
	if ((fallocate(c->fd_raw, 0, 0, (off_t)raw_size) != 0
	     || (c->fd_sub >= 0 && fallocate(c->fd_sub, 0, 0, (off_t)sub_size) != 0))
	    && errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL)
		return gm_error_set_errno(c->ctx, GM_ERR_IO, errno, "cannot reserve %llu "
					  "bytes for '%s'", (unsigned long long)(raw_size + sub_size),
					  c->p_raw);
	return 0;
}

/* Audio at the edges of the disc, from the full TOC (or the first track
   read): whether the read offset shifts them. */
static void toc_audio(struct capture *c, struct edges *toc)
{
	size_t len;
	const uint8_t *t = gm_drive_table(c->drive, GM_TABLE_FULL_TOC, &len);
	int first = 100, last = 0;

	toc->audio_first = toc->audio_last = true;
	for (size_t off = 4; t != NULL && off + 11 <= len; off += 11) {
		const uint8_t *e = t + off;

		if ((e[1] >> 4) != 1 || e[3] < 1 || e[3] > 99)
			continue;
		if (e[3] < first) {
			first = e[3];
			toc->audio_first = (e[1] & 0x04) == 0;
		}
		if (e[3] > last) {
			last = e[3];
			toc->audio_last = (e[1] & 0x04) == 0;
		}
	}
}

int gm_capture(struct gm_ctx *ctx, const struct gm_rip_opts *o, struct gm_drive *drive,
	       const char *name, struct gm_rip_report *rep)
{
	struct capture c;
	struct edges toc;
	int ret, ret2 = 0;
	uint32_t x;

	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.o = o;
	c.rep = rep;
	c.drive = drive;
	c.info = gm_drive_info(drive);
	c.fd_raw = c.fd_sub = -1;
	c.p_raw = with_suffix(name, ".raw");
	c.p_sub = with_suffix(name, ".sub");
	c.p_map = with_suffix(name, ".map");
	c.p_smap = with_suffix(name, ".sub.map");
	c.p_desc = with_suffix(name, ".capture");
	c.p_toc = with_suffix(name, ".toc");
	c.p_cdtext = with_suffix(name, ".cdtext");
	c.p_log = with_suffix(name, ".log");
	for (int k = 0; k < 2; k++) {
		c.data[k] = malloc((size_t)(BLOCK + 2) * RAW);
		c.c2[k] = malloc((size_t)(BLOCK + 2) * GM_DRIVE_C2_SIZE);
		c.sub[k] = malloc((size_t)(BLOCK + 2) * SUB);
	}
	if (!c.p_raw || !c.p_sub || !c.p_map || !c.p_smap || !c.p_desc || !c.p_toc
	    || !c.p_cdtext || !c.p_log || !c.data[0] || !c.data[1] || !c.c2[0]
	    || !c.c2[1] || !c.sub[0] || !c.sub[1]) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	if (!c.info->cd_raw || c.info->leadout <= 0) {
		ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' (%s %s) cannot read "
				   "every sector of this CD with READ CD%s: rip its "
				   "data track to an image with -o NAME.iso", o->source,
				   c.info->vendor, c.info->product, c.info->leadout <= 0
				   ? " (no TOC)" : "");
		goto out;
	}
	c.log = fopen(c.p_log, "a");
	logf_(&c, "glassmaster %s: %s", PACKAGE_VERSION,
	      o->command_line ? o->command_line : "rip");
	drain_journal(&c);
	logf_(&c, "capture of a CD in %s %s %s, the lead-out at LBA %ld",
	      c.info->vendor, c.info->product, c.info->revision, (long)c.info->leadout);
	choose(&c);
	toc_audio(&c, &toc);
	if (c.info->cd_cdda)	/* data read as CD-DA is shifted as audio is */
		toc.audio_first = toc.audio_last = true;
	plan(&c, &toc);
	if ((ret = gm_capture_desc_alloc(ctx, &c.d)) != 0)
		goto out;
	snprintf(c.d.drive, sizeof(c.d.drive), "%s %s %s", c.info->vendor,
		 c.info->product, c.info->revision);
	c.same = calloc(c.d.sectors, 1);
	c.sig = calloc(c.d.sectors, sizeof(*c.sig));
	if (c.same == NULL || c.sig == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	logf_(&c, "capturing LBA %ld-%ld (%lu sectors): the drive reaches LBA %ld-%ld; "
	      "read offset %+ld samples (%s), not applied to NAME.raw; C2 %s%s; "
	      "subchannel %s%s", (long)c.d.first_lba,
	      (long)(c.d.first_lba + (int32_t)c.d.sectors - 1), (unsigned long)c.d.sectors,
	      (long)c.d.reach_lo, (long)c.d.reach_hi - 1, (long)c.d.read_offset,
	      c.d.offset_why, c.d.c2_size ? (c.d.c2_size == 294 ? "294 bytes" : "296 bytes")
	      : "none: audio samples cannot be checked",
	      c.d.c2_size && c.d.c2_offset ? " (its offset taken back)" : "",
	      c.d.sub ? "raw P-W" : "none", o->secure ? "; secure: every sample read "
	      "twice, the cache emptied between" : "");
	if ((ret = prepare(&c, &toc)) != 0)
		goto out;
	c.last_save = now();
	ret = run_passes(&c);
	if (ret != 0) {
		char msg[GM_ERROR_MAX];

		snprintf(msg, sizeof(msg), "%s", gm_error(ctx));
		logf_(&c, "stopped: %s", msg);
		if (-ret != GM_ERR_INTERRUPTED && c.fd_raw >= 0 && c.map.extents != NULL
		    && save(&c) != 0)
			logf_(&c, "and the maps could not be saved: %s", gm_error(ctx));
		gm_error_set(ctx, (enum gm_err)-ret, "%s", msg);
	}
out:
	rep->capture = true;
	rep->first_lba = c.d.first_lba;
	rep->sectors = c.d.sectors;
	rep->read_offset = c.d.read_offset;
	snprintf(rep->offset_why, sizeof(rep->offset_why), "%s", c.d.offset_why);
	if (c.map.extents != NULL) {
		rep->size = c.map.size;
		rep->rescued = gm_map_total(&c.map, GM_MAP_FINISHED);
		rep->bad = c.map.size - rep->rescued;
		for (size_t i = 0; i < c.map.count; i++)
			if (c.map.extents[i].status != GM_MAP_FINISHED)
				rep->bad_areas++;
		for (x = 0; c.d.unreach != NULL && x < c.d.sectors; x++)
			if ((c.d.unreach[x / 8] >> (x % 8)) & 1)
				rep->unreachable++;
		for (x = 0; x < c.d.sectors; x++) {
			unsigned lo, hi;

			reachable(&c, c.d.first_lba + (int32_t)x, &lo, &hi);
			if (c.d.unreach != NULL && ((c.d.unreach[x / 8] >> (x % 8)) & 1))
				continue;
			rep->edge_samples += SPS - (hi - lo);
		}
	}
	for (x = 0; c.smap.extents != NULL && c.d.unreach != NULL && x < c.d.sectors; x++)
		if (!((c.d.unreach[x / 8] >> (x % 8)) & 1)
		    && gm_map_status_at(&c.smap, (uint64_t)x * SUB) != GM_MAP_FINISHED)
			rep->sub_bad++;
	if (ret == 0 && rep->bad > 0) {
		logf_(&c, "%llu samples in %zu areas not captured (%lu sectors the drive "
		      "does not reach)", (unsigned long long)rep->bad / 4, rep->bad_areas,
		      (unsigned long)rep->unreachable);
		ret = gm_error_set(ctx, GM_ERR_UNREADABLE, "%llu samples in %zu areas of "
				   "'%s' were not captured (see '%s')",
				   (unsigned long long)rep->bad / 4, rep->bad_areas, c.p_raw,
				   c.p_map);
	} else if (ret == 0) {
		logf_(&c, "every sample captured");
	}
	if (c.fd_raw >= 0 && close(c.fd_raw) != 0 && ret == 0)
		ret2 = io_error(&c, c.p_raw);
	if (c.fd_sub >= 0 && close(c.fd_sub) != 0 && ret == 0 && ret2 == 0)
		ret2 = io_error(&c, c.p_sub);
	if (c.log)
		fclose(c.log);
	gm_map_release(&c.map);
	gm_map_release(&c.smap);
	gm_capture_desc_release(&c.d);
	free(c.same);
	free(c.sig);
	for (int k = 0; k < 2; k++) {
		free(c.data[k]);
		free(c.c2[k]);
		free(c.sub[k]);
	}
	free(c.p_raw);
	free(c.p_sub);
	free(c.p_map);
	free(c.p_smap);
	free(c.p_desc);
	free(c.p_toc);
	free(c.p_cdtext);
	free(c.p_log);
	return ret != 0 ? ret : ret2;
}
