/*
 * fscheck.c - the ISO 9660 tree read through a sector source (ECMA-119
 * 8-9, with the SUSP and Rock Ridge names of RRIP 1.12), for naming the
 * files of raw images, and the structural check of a data track's file
 * systems for verify --integrity: ISO 9660's volume descriptor set, the
 * directory records (in bounds, both-endian fields agreeing, every extent
 * inside the volume, no directory reached twice), SUSP entries and their
 * continuation areas, the path tables against the directories the tree
 * holds, and the volume against the image's size; UDF through udfwalk.c's
 * check, and its anchors at the volume's end.
 *
 * What is read from the image is distrusted: every length and location
 * is bounded before use, the walk stops 64 levels down and after a
 * million records, and at most 200 faults are listed.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "verify.h"
#include "verify_private.h"
#include "banned.h"

#define B 2048u
#define MAX_DEPTH 64
#define MAX_RECORDS 1000000u
#define MAX_DIR_SECTORS 4096u
#define MAX_PROBLEMS 200u
#define MAX_CE 16

struct iso_walk {
	struct gm_ctx *ctx;
	struct gm_source *src;
	gm_extent_fn fn;
	void *arg;
	gm_problem_fn problem;	/* NULL: skip quietly */
	void *parg;
	unsigned problems;
	uint32_t volume;	/* blocks of the volume */
	bool susp;		/* the root's "." starts with SP */
	unsigned susp_skip;	/* SP's LEN_SKP */
	uint32_t *dirs;		/* directory extents seen */
	size_t ndirs, cap;
	uint32_t records;
	const char *tree;	/* "ISO 9660" or "Joliet", for messages */
};

static void problem(struct iso_walk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct iso_walk *w, const char *fmt, ...)
{
	char msg[512];
	int n;
	va_list ap;

	if (w->problem == NULL || w->problems++ >= MAX_PROBLEMS)
		return;
	n = snprintf(msg, sizeof(msg), "%s: ", w->tree);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	w->problem(w->parg, msg);
}

int gm_read_user(struct gm_ctx *ctx, struct gm_source *src, int32_t lba, uint8_t *buf)
{
	enum gm_sector_status st = GM_SECTOR_UNREAD;
	struct gm_read req = { .lba = lba, .count = 1, .kind = GM_SECTOR_KIND_USER,
			       .data = buf, .status = &st };
	int ret = gm_source_read(ctx, src, &req);

	return ret != 0 ? ret : (st == GM_SECTOR_GOOD || st == GM_SECTOR_SYNTH) ? 0 : 1;
}

/* The system use area of a directory record: its offset and length. */
static size_t su_offset(const uint8_t *r)
{
	size_t nl = r[32];

	return 33 + nl + (nl % 2 == 0 ? 1 : 0);
}

/* The Rock Ridge name of a directory record, or its ISO 9660 name. */
static void record_name(const struct iso_walk *w, const uint8_t *r, char *out,
			size_t size)
{
	size_t nl = r[32], len = 0, su = su_offset(r) + w->susp_skip;
	bool rr = false;

	while (w->susp && su + 4 <= r[0]) {
		const uint8_t *e = r + su;

		if (e[2] < 4 || su + e[2] > r[0])
			break;
		if (e[0] == 'N' && e[1] == 'M' && e[2] > 5) {
			size_t n = (size_t)e[2] - 5;

			if (len + n >= size)
				n = size - len - 1;
			memcpy(out + len, e + 5, n);
			len += n;
			rr = true;
		}
		su += e[2];
	}
	if (!rr && strcmp(w->tree, "Joliet") == 0) {
		/* UCS-2 big-endian; what is not ASCII becomes '?' */
		for (size_t i = 0; i + 1 < nl && len + 1 < size; i += 2) {
			unsigned c = (unsigned)r[33 + i] << 8 | r[34 + i];

			out[len++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		}
		while (len > 1 && out[len - 2] == ';')
			len -= 2;
	} else if (!rr) {
		len = nl < size - 1 ? nl : size - 1;
		memcpy(out, r + 33, len);
		while (len > 0 && out[len - 1] != ';' && memchr(out, ';', len) != NULL)
			len--;
		if (len > 0 && out[len - 1] == ';')
			len--;
		if (len > 0 && out[len - 1] == '.')
			len--;
	}
	out[len] = '\0';
}

/* SUSP entries at e[0..len): well formed, continuation areas in bounds. */
static int check_susp(struct iso_walk *w, const uint8_t *e, size_t len,
		      const char *path, int hops)
{
	for (size_t at = 0; at + 4 <= len;) {
		const uint8_t *x = e + at;

		if (x[2] < 4 || at + x[2] > len) {
			problem(w, "'%s': a System Use entry ('%c%c') of length %u at "
				"byte %lu runs past its area of %lu bytes", path,
				x[0] >= 0x20 && x[0] < 0x7f ? x[0] : '?',
				x[1] >= 0x20 && x[1] < 0x7f ? x[1] : '?', x[2],
				(unsigned long)at, (unsigned long)len);
			return 0;
		}
		if (x[0] == 'S' && x[1] == 'T')
			return 0;
		if (x[0] == 'C' && x[1] == 'E') {
			uint32_t block, off, clen;
			uint8_t buf[B];
			int r;

			if (x[2] < 28) {
				problem(w, "'%s': a CE entry of %u bytes (28 are needed)",
					path, x[2]);
				return 0;
			}
			block = gm_le32(x + 4);
			off = gm_le32(x + 12);
			clen = gm_le32(x + 20);
			if (block >= w->volume || off >= B || clen > B - off) {
				problem(w, "'%s': a continuation area (CE) at sector %lu, "
					"byte %lu, %lu bytes, is outside the volume or its "
					"sector", path, (unsigned long)block,
					(unsigned long)off, (unsigned long)clen);
				return 0;
			}
			if (hops >= MAX_CE) {
				problem(w, "'%s': more than %d continuation areas chained",
					path, MAX_CE);
				return 0;
			}
			r = gm_read_user(w->ctx, w->src, (int32_t)block, buf);
			if (r < 0)
				return r;
			if (r > 0) {
				problem(w, "'%s': the continuation area at sector %lu "
					"cannot be read", path, (unsigned long)block);
				return 0;
			}
			return check_susp(w, buf + off, clen, path, hops + 1);
		}
		at += x[2];
	}
	return 0;
}

/* Whether lba is a directory seen before; else remember it. */
static int seen_dir(struct iso_walk *w, uint32_t lba, bool *seen)
{
	for (size_t i = 0; i < w->ndirs; i++)
		if (w->dirs[i] == lba) {
			*seen = true;
			return 0;
		}
	*seen = false;
	if (w->ndirs == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		uint32_t *grown = realloc(w->dirs, cap * sizeof(*grown));

		if (grown == NULL)
			return gm_error_set(w->ctx, GM_ERR_NOMEM, NULL);
		w->dirs = grown;
		w->cap = cap;
	}
	w->dirs[w->ndirs++] = lba;
	return 0;
}

/* Both-endian 32-bit fields (ECMA-119 7.3.3) must agree. */
static bool both_ok(const uint8_t *p)
{
	return gm_le32(p) == gm_be32(p + 4);
}

static int walk_dir(struct iso_walk *w, uint32_t lba, uint32_t size,
		    const char *path, int depth);

/* One directory record of the directory at path. */
static int walk_record(struct iso_walk *w, const uint8_t *rec, const char *path,
		       int depth)
{
	uint32_t ext = gm_le32(rec + 2), len = gm_le32(rec + 10);
	uint32_t sectors = len / B + (len % B != 0);
	size_t pl = strlen(path), nl, su = su_offset(rec);
	char name[256], *sub;
	int ret = 0;

	record_name(w, rec, name, sizeof(name));
	nl = strlen(name);
	sub = malloc(pl + nl + 2);
	if (sub == NULL)
		return gm_error_set(w->ctx, GM_ERR_NOMEM, NULL);
	memcpy(sub, path, pl);
	memcpy(sub + pl, name, nl + 1);
	if (rec[25] & 0x02)
		memcpy(sub + pl + nl, "/", 2);
	if (!both_ok(rec + 2) || !both_ok(rec + 10))
		problem(w, "'%s': the two byte orders of its %s disagree", sub,
			both_ok(rec + 2) ? "data length" : "extent location");
	if (w->susp && su + w->susp_skip < rec[0])
		ret = check_susp(w, rec + su + w->susp_skip, rec[0] - su - w->susp_skip,
				 sub, 0);
	if (ret == 0 && len > 0 && (ext >= w->volume || sectors > w->volume - ext))
		problem(w, "'%s': its extent of %lu sectors at sector %lu runs past "
			"the volume (%lu sectors)", sub, (unsigned long)sectors,
			(unsigned long)ext, (unsigned long)w->volume);
	if (ret == 0 && (rec[25] & 0x02))
		ret = walk_dir(w, ext, len, sub, depth + 1);
	else if (ret == 0 && len > 0 && ext < w->volume)
		ret = w->fn(w->arg, ext, sectors < w->volume - ext ? sectors
			    : w->volume - ext, sub);
	free(sub);
	return ret;
}

static int walk_dir(struct iso_walk *w, uint32_t lba, uint32_t size,
		    const char *path, int depth)
{
	uint32_t sectors = size / B + (size % B != 0);
	uint8_t buf[B];
	bool seen;
	int ret;

	if (depth > MAX_DEPTH) {
		problem(w, "'%s' is more than %d directories deep", path, MAX_DEPTH);
		return 0;
	}
	if (size == 0 || lba >= w->volume) {
		problem(w, "'%s': the directory at sector %lu (%lu bytes) is empty "
			"or outside the volume", path, (unsigned long)lba,
			(unsigned long)size);
		return 0;
	}
	if ((ret = seen_dir(w, lba, &seen)) != 0)
		return ret;
	if (seen) {
		problem(w, "'%s': the directory at sector %lu is reached a second "
			"time (a loop)", path, (unsigned long)lba);
		return 0;
	}
	if (sectors > w->volume - lba)
		sectors = w->volume - lba;
	if (sectors > MAX_DIR_SECTORS) {
		problem(w, "'%s': a directory of %lu sectors", path, (unsigned long)sectors);
		sectors = MAX_DIR_SECTORS;
	}
	ret = w->fn(w->arg, lba, sectors, path);
	for (uint32_t k = 0; ret == 0 && k < sectors; k++) {
		int r = gm_read_user(w->ctx, w->src, (int32_t)(lba + k), buf);

		if (r < 0)
			return r;
		if (r > 0) {
			problem(w, "'%s': sector %lu of the directory cannot be read",
				path, (unsigned long)(lba + k));
			continue;
		}
		for (size_t at = 0; ret == 0 && at < B && buf[at] != 0; at += buf[at]) {
			const uint8_t *rec = buf + at;

			if (++w->records > MAX_RECORDS)
				return 0;
			if (rec[0] < 34 || at + rec[0] > B || 33u + rec[32] > rec[0]) {
				problem(w, "'%s': the directory record at sector %lu, byte "
					"%lu is malformed (length %u, name length %u)",
					path, (unsigned long)(lba + k), (unsigned long)at,
					rec[0], at + 33 <= B ? rec[32] : 0);
				break;
			}
			if (k == 0 && at == 0 && (rec[32] != 1 || rec[33] != 0
						  || gm_le32(rec + 2) != lba))
				problem(w, "'%s': its first record is not \".\" naming the "
					"directory itself", path);
			if (rec[32] == 1 && (rec[33] == 0 || rec[33] == 1))
				continue;	/* "." and ".." */
			ret = walk_record(w, rec, path, depth);
		}
	}
	return ret;
}

/* The path table at location (little-endian when le) against the
   directories the walk found: each entry names one of them. */
static int check_path_table(struct iso_walk *w, uint32_t location, uint32_t size,
			    bool le, uint32_t *entries)
{
	uint32_t sectors = size / B + (size % B != 0);
	uint8_t *t;
	int ret = 0;

	*entries = 0;
	if (size == 0)
		return 0;
	if (location >= w->volume || sectors > w->volume - location || sectors > 64) {
		problem(w, "the %s path table (%lu bytes at sector %lu) is outside "
			"the volume", le ? "type L" : "type M", (unsigned long)size,
			(unsigned long)location);
		return 0;
	}
	t = malloc((size_t)sectors * B);
	if (t == NULL)
		return gm_error_set(w->ctx, GM_ERR_NOMEM, NULL);
	for (uint32_t k = 0; k < sectors; k++) {
		int r = gm_read_user(w->ctx, w->src, (int32_t)(location + k), t + (size_t)k * B);

		if (r != 0) {
			if (r > 0)
				problem(w, "the %s path table cannot be read at sector %lu",
					le ? "type L" : "type M", (unsigned long)(location + k));
			free(t);
			return r < 0 ? r : 0;
		}
	}
	for (size_t at = 0; at + 8 <= size;) {
		uint8_t len = t[at];
		uint32_t ext = le ? gm_le32(t + at + 2) : gm_be32(t + at + 2);
		uint16_t parent = le ? gm_le16(t + at + 6) : (uint16_t)(t[at + 6] << 8 | t[at + 7]);
		bool known = false;

		if (len == 0 || at + 8 + len > size) {
			problem(w, "the %s path table is malformed at byte %lu",
				le ? "type L" : "type M", (unsigned long)at);
			break;
		}
		++*entries;
		for (size_t i = 0; i < w->ndirs && !known; i++)
			known = w->dirs[i] == ext;
		if (!known)
			problem(w, "entry %lu of the %s path table names sector %lu, "
				"where no directory of the tree is", (unsigned long)*entries,
				le ? "type L" : "type M", (unsigned long)ext);
		if (parent == 0 || parent > *entries)
			problem(w, "entry %lu of the %s path table has the parent %u",
				(unsigned long)*entries, le ? "type L" : "type M", parent);
		at += 8 + len + (len & 1);
	}
	free(t);
	return ret;
}

/* Walk the tree whose root record is pvd + 156. */
static int walk_tree(struct iso_walk *w, const uint8_t *vd)
{
	const uint8_t *root = vd + 156;
	uint8_t buf[B];
	int r;

	w->volume = gm_le32(vd + 80);
	/* SUSP: the root's "." record starts with SP (SUSP 5.3) */
	w->susp = false;
	w->susp_skip = 0;
	if (gm_le32(root + 2) < w->volume
	    && (r = gm_read_user(w->ctx, w->src, (int32_t)gm_le32(root + 2), buf)) == 0
	    && buf[0] >= 34 && buf[0] >= su_offset(buf) + 7) {
		const uint8_t *sp = buf + su_offset(buf);

		if (sp[0] == 'S' && sp[1] == 'P' && sp[4] == 0xbe && sp[5] == 0xef) {
			w->susp = true;
			w->susp_skip = sp[6];
		}
	}
	return walk_dir(w, gm_le32(root + 2), gm_le32(root + 10), "/", 0);
}

/* ---------------------------------------------------------------------
 * The structural check
 */

static int no_extent(void *arg, uint32_t first, uint32_t count, const char *path)
{
	(void)arg;
	(void)first;
	(void)count;
	(void)path;
	return 0;
}

static void add_problem(void *arg, const char *msg)
{
	struct gm_integrity_report *r = arg;
	size_t len = strlen(r->fs_text);

	r->fs_problems++;
	if (len + strlen(msg) + 2 >= sizeof(r->fs_text))
		return;		/* counted, not listed */
	if (len > 0)
		r->fs_text[len++] = '\n';
	memcpy(r->fs_text + len, msg, strlen(msg) + 1);
}

/* A UDF anchor (ECMA-167 3/10.2) naming its own sector at lba. */
static bool anchor_at(struct gm_ctx *ctx, struct gm_source *src, int32_t lba)
{
	uint8_t b[B];
	uint8_t sum = 0;

	if (lba < 0 || gm_read_user(ctx, src, lba, b) != 0)
		return false;
	for (int i = 0; i < 16; i++)
		if (i != 4)
			sum = (uint8_t)(sum + b[i]);
	return gm_le16(b) == 2 && sum == b[4] && gm_le32(b + 12) == (uint32_t)lba;
}

static int check_iso(struct gm_ctx *ctx, struct gm_source *src, int32_t end,
		     struct gm_integrity_report *r)
{
	struct iso_walk w = { .ctx = ctx, .src = src, .fn = no_extent,
			      .problem = add_problem, .parg = r, .tree = "ISO 9660" };
	uint8_t vd[B], pvd[B], joliet[B];
	bool have_pvd = false, have_joliet = false, terminated = false;
	int ret = 0;

	for (int32_t lba = 16; lba < 16 + 64 && lba < end; lba++) {
		if (gm_read_user(ctx, src, lba, vd) != 0) {
			problem(&w, "the volume descriptor at sector %ld cannot be read",
				(long)lba);
			break;
		}
		if (memcmp(vd + 1, "CD001", 5) != 0) {
			/* (at 16: no ISO 9660 at all, a UDF image's BEA01) */
			if (lba > 16)
				problem(&w, "sector %ld holds no volume descriptor before "
					"the set terminator", (long)lba);
			break;
		}
		if (vd[0] == 255) {
			terminated = true;
			break;
		}
		if (vd[0] == 1 && !have_pvd) {
			memcpy(pvd, vd, B);
			have_pvd = true;
		} else if (vd[0] == 2 && !have_joliet && vd[88] == '%' && vd[89] == '/'
			   && (vd[90] == '@' || vd[90] == 'C' || vd[90] == 'E')) {
			memcpy(joliet, vd, B);
			have_joliet = true;
		}
	}
	r->iso9660 = have_pvd;
	if (!have_pvd)
		return 0;
	if (!terminated)
		problem(&w, "the volume descriptor set has no terminator");
	if (gm_le16(pvd + 128) != B) {
		problem(&w, "logical block size %u, not 2048", gm_le16(pvd + 128));
		return 0;
	}
	if (!both_ok(pvd + 80))
		problem(&w, "the two byte orders of the volume space size disagree");
	if (gm_le32(pvd + 80) > (uint32_t)end)
		problem(&w, "the volume claims %lu sectors, the image has %ld: it is "
			"truncated by %lu sectors", (unsigned long)gm_le32(pvd + 80),
			(long)end, (unsigned long)(gm_le32(pvd + 80) - (uint32_t)end));
	ret = walk_tree(&w, pvd);
	if (ret == 0) {
		uint32_t n_l = 0, n_m = 0;

		ret = check_path_table(&w, gm_le32(pvd + 140), gm_le32(pvd + 132), true, &n_l);
		if (ret == 0)
			ret = check_path_table(&w, gm_be32(pvd + 148), gm_le32(pvd + 132),
					       false, &n_m);
		if (ret == 0 && n_l != w.ndirs)
			problem(&w, "the path table lists %lu directories, the tree has "
				"%lu", (unsigned long)n_l, (unsigned long)w.ndirs);
	}
	if (ret == 0 && have_joliet) {
		struct iso_walk j = w;

		j.tree = "Joliet";
		j.dirs = NULL;
		j.ndirs = j.cap = 0;
		j.records = 0;
		ret = walk_tree(&j, joliet);
		free(j.dirs);
	}
	free(w.dirs);
	return ret;
}

int gm_fs_check(struct gm_ctx *ctx, struct gm_source *src,
		struct gm_integrity_report *r)
{
	const struct gm_disc *disc = gm_source_disc(src);
	uint8_t b[B];
	int32_t end;
	int ret;

	if (disc->ntracks == 0 || disc->tracks[0].mode == GM_TRACK_AUDIO
	    || disc->tracks[0].index[0] != 0)
		return 0;
	end = disc->ntracks > 1 ? disc->tracks[0].end : disc->leadout;
	if ((ret = check_iso(ctx, src, end, r)) != 0)
		return ret;
	for (int32_t lba = 16; lba < 32 && lba < end; lba++) {
		if (gm_read_user(ctx, src, lba, b) != 0)
			break;
		if (memcmp(b + 1, "NSR0", 4) == 0)
			r->udf = true;
	}
	if (!r->udf)
		return 0;
	/* a second anchor at N - 256 or N: none means a cut image */
	if (end > 512 && !anchor_at(ctx, src, end - 1) && !anchor_at(ctx, src, end - 257))
		add_problem(r, "UDF: no anchor volume descriptor pointer at the "
			    "volume's end (sector N - 256 or N): the image may be "
			    "truncated");
	return gm_udf_check(ctx, src, no_extent, NULL, add_problem, r);
}
