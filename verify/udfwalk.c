/*
 * udfwalk.c - the structural check of a UDF volume for verify --integrity:
 * every revision we write and others do (File Entries and Extended File
 * Entries, short and long allocation descriptors, Allocation Extent
 * Descriptors, data in the ICB, the metadata partition of 2.50 and 2.60)
 * walked through a sector source, each fault reported.  Files are named
 * and read by the file-system reader (fs/udf.c); this walk only checks.
 *
 * Everything read is distrusted: tags are checked (identifier, checksum,
 * location), every length and offset is bounded, directories are read up
 * to 16 MiB and each only once (a FID naming a directory again, as a
 * damaged or hostile image does, would make the walk exponential), the
 * walk stops 64 levels down and after a million entries.
 * What cannot be read is skipped: naming is a courtesy, never a failure.
 * For verify --integrity the same walk reports each thing it skips, and
 * checks descriptor CRCs and that every extent lies in its partition
 * (gm_udf_check).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "verify_private.h"
#include "set64.h"
#include "udf_tags.h"
#include "banned.h"

#define B 2048u
#define MAX_DEPTH 64
#define MAX_ENTRIES 1000000u
#define MAX_DIR (16u * 1024 * 1024)
#define MAX_AEDS 4096u

enum { TAG_AVDP = 2, TAG_PD = 5, TAG_LVD = 6, TAG_TD = 8, TAG_FSD = 256,
       TAG_FID = 257, TAG_AED = 258, TAG_FE = 261, TAG_EFE = 266 };

struct run {
	uint32_t block, count;	/* of the physical partition */
};

struct walk {
	struct gm_ctx *ctx;
	struct gm_source *src;
	gm_extent_fn fn;
	void *arg;
	uint32_t part_start, part_len;
	unsigned nmaps;
	bool meta[8];		/* map i is the metadata partition */
	uint16_t phys;		/* the map of the physical partition */
	struct run *runs;	/* the metadata file's extents */
	size_t nruns;
	uint32_t entries;
	gm_problem_fn problem;	/* NULL: skip quietly */
	void *parg;
	unsigned problems;
	/* directories walked, as (map << 32 | block) + 1 in an open-addressed
	   set: a directory named twice (a loop, or a damaged FID pointing
	   back up) is walked once */
	struct gm_set64 dirs;
	uint8_t buf[B];
};

#define MAX_PROBLEMS 200u

static void problem(struct walk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Report what the walk skips (when checking); the first MAX_PROBLEMS. */
static void problem(struct walk *w, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (w->problem == NULL || w->problems++ >= MAX_PROBLEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->problem(w->parg, msg);
}

/* Add directory part:block to the set; false when it was there, or when
   the set cannot grow (then the walk goes no deeper). */
static bool first_visit(struct walk *w, uint16_t part, uint32_t block)
{
	return gm_set64_add(&w->dirs, ((uint64_t)part << 32 | block) + 1) == 1;
}

/* The descriptor CRC (ECMA-167 3/7.2.6) of a tag at d, in max bytes. */

/* Why the tag at d is not descriptor id at location (NULL: it is). */
static const char *tag_problem(const uint8_t *d, uint16_t id, uint32_t location,
			       size_t max)
{
	uint8_t sum = 0;

	for (int i = 0; i < 16; i++)
		if (i != 4)
			sum = (uint8_t)(sum + d[i]);
	if (gm_le16(d) != id)
		return "another descriptor (or none)";
	if (sum != d[4])
		return "bad tag checksum";
	if (gm_le32(d + 12) != location)
		return "wrong tag location";
	if (!gm_udf_crc_ok(d, max))
		return "bad descriptor CRC";
	return NULL;
}

/* A sector as user data; false when it does not read good. */
static bool sector(struct walk *w, uint32_t lba, uint8_t *out)
{
	enum gm_sector_status st = GM_SECTOR_UNREAD;
	struct gm_read req = { .lba = (int32_t)lba, .count = 1,
			       .kind = GM_SECTOR_KIND_USER, .data = out, .status = &st };

	return lba <= INT32_MAX && gm_source_read(w->ctx, w->src, &req) == 0
	       && (st == GM_SECTOR_GOOD || st == GM_SECTOR_SYNTH);
}

/* A descriptor tag (ECMA-167 3/7.2): identifier, checksum, location. */

/* The absolute sector of block of partition map part; false when out of
   the partition. */
static bool locate(const struct walk *w, uint16_t part, uint32_t block, uint32_t *lba)
{
	if (part >= w->nmaps)
		return false;
	if (w->meta[part]) {
		for (size_t i = 0; i < w->nruns; i++) {
			if (block < w->runs[i].count)
				return locate(w, w->phys, w->runs[i].block + block, lba);
			block -= w->runs[i].count;
		}
		return false;
	}
	if (block >= w->part_len)
		return false;
	*lba = w->part_start + block;
	return true;
}

static bool read_block(struct walk *w, uint16_t part, uint32_t block, uint8_t *out,
		       uint32_t *lba)
{
	uint32_t at;

	if (!locate(w, part, block, &at) || !sector(w, at, out))
		return false;
	if (lba != NULL)
		*lba = at;
	return true;
}

/* Name count blocks from block of part: as many absolute runs as the
   partition maps them to (clipped to the partition). */
static int name_blocks(struct walk *w, uint16_t part, uint32_t block, uint32_t count,
		       const char *path)
{
	uint64_t off = 0;

	if (part >= w->nmaps || count == 0)
		return 0;
	if (!w->meta[part]) {
		if (block >= w->part_len || count > w->part_len - block)
			problem(w, "UDF: '%s': an extent of %lu blocks at block %lu "
				"runs past the partition (%lu blocks)", path,
				(unsigned long)count, (unsigned long)block,
				(unsigned long)w->part_len);
		if (block >= w->part_len)
			return 0;
		if (count > w->part_len - block)
			count = w->part_len - block;
		return w->fn(w->arg, w->part_start + block, count, path);
	}
	{
		uint64_t total = 0;

		for (size_t i = 0; i < w->nruns; i++)
			total += w->runs[i].count;
		if ((uint64_t)block + count > total)
			problem(w, "UDF: '%s': an extent of %lu blocks at block %lu "
				"runs past the metadata partition (%llu blocks)", path,
				(unsigned long)count, (unsigned long)block,
				(unsigned long long)total);
	}
	for (size_t i = 0; i < w->nruns && count > 0; i++) {
		if (block < off + w->runs[i].count) {
			uint32_t in = (uint32_t)(block - off);
			uint32_t n = w->runs[i].count - in < count ? w->runs[i].count - in
				     : count;
			int ret = name_blocks(w, w->phys, w->runs[i].block + in, n, path);

			if (ret != 0)
				return ret;
			block += n;
			count -= n;
		}
		off += w->runs[i].count;
	}
	return 0;
}

/* An extent of an entry's data: recorded bytes at part:block. */
struct ext {
	uint16_t part;
	uint32_t block, bytes;
};

struct exts {
	struct ext *v;
	size_t n, cap;
};

static int push(struct walk *w, struct exts *x, uint16_t part, uint32_t block,
		uint32_t bytes)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct ext *grown = realloc(x->v, cap * sizeof(*grown));

		if (grown == NULL)
			return gm_error_set(w->ctx, GM_ERR_NOMEM, NULL);
		x->v = grown;
		x->cap = cap;
	}
	x->v[x->n].part = part;
	x->v[x->n].block = block;
	x->v[x->n].bytes = bytes;
	x->n++;
	return 0;
}

/* The recorded extents of the allocation descriptors at d[off..off+len)
   (short_ads in part, or long_ads), through AEDs. */
static int extents(struct walk *w, const uint8_t *d, size_t off, size_t len, bool longad,
		   uint16_t part, struct exts *x)
{
	uint8_t aed[B];
	unsigned hops = 0;

	for (;;) {
		bool next;
		uint16_t npart;
		uint32_t nblock;
		struct gm_udf_ad ad[GM_UDF_ADS_MAX];
		size_t n = gm_udf_ads(d + off, len, longad, part, ad, &next, &npart, &nblock);

		for (size_t i = 0; i < n; i++) {
			int ret;

			if (ad[i].kind != 0)
				continue;	/* not recorded: nothing to name */
			if ((ret = push(w, x, ad[i].part, ad[i].block, ad[i].bytes)) != 0)
				return ret;
		}
		if (!next)
			return 0;
		if (++hops > MAX_AEDS) {
			problem(w, "UDF: more than %u allocation extent descriptors "
				"chained (a loop?)", MAX_AEDS);
			return 0;
		}
		if (!read_block(w, npart, nblock, aed, NULL)) {
			problem(w, "UDF: the allocation extent descriptor at block %lu "
				"is outside its partition or unreadable",
				(unsigned long)nblock);
			return 0;
		}
		if (!gm_udf_tag_ok(aed, TAG_AED, nblock)) {
			problem(w, "UDF: allocation extent descriptor at block %lu: %s",
				(unsigned long)nblock,
				tag_problem(aed, TAG_AED, nblock, B));
			return 0;
		}
		d = aed;
		off = 24;
		len = gm_udf_aed_len(aed);
		part = npart;
	}
}


static int walk_entry(struct walk *w, uint16_t part, uint32_t block, const char *path,
		      int depth);

/* The File Identifier Descriptors of a directory (4/14.4). */
static int walk_fids(struct walk *w, const uint8_t *data, size_t len, const char *path,
		     int depth)
{
	size_t pl = strlen(path);
	int ret = 0;

	for (size_t at = 0; ret == 0 && at + 38 <= len;) {
		const uint8_t *f = data + at;
		size_t l_fi = f[19], l_iu = gm_le16(f + 36);
		size_t size = (38 + l_iu + l_fi + 3) & ~(size_t)3;
		char name[1024], *sub;
		size_t nl;

		if (gm_le16(f) != TAG_FID || at + 38 + l_iu + l_fi > len) {
			problem(w, "UDF: '%s': the directory is damaged at byte %lu "
				"(%s)", path, (unsigned long)at, gm_le16(f) != TAG_FID
				? "not a File Identifier Descriptor"
				: "an identifier runs past the directory");
			break;
		}
		if (w->problem != NULL && !gm_udf_crc_ok(f, len - at))
			problem(w, "UDF: '%s': the File Identifier Descriptor at byte "
				"%lu has a bad CRC", path, (unsigned long)at);
		at += size;
		if (f[18] & 0x0c)	/* the parent, or deleted */
			continue;
		gm_udf_cs0_utf8(f + 38 + l_iu, l_fi, name);
		nl = strlen(name);
		if (nl == 0)
			continue;
		sub = malloc(pl + nl + 2);
		if (sub == NULL)
			return gm_error_set(w->ctx, GM_ERR_NOMEM, NULL);
		memcpy(sub, path, pl);
		memcpy(sub + pl, name, nl + 1);
		if (f[18] & 0x02)
			memcpy(sub + pl + nl, "/", 2);
		ret = walk_entry(w, gm_le16(f + 28), gm_le32(f + 24), sub, depth + 1);
		free(sub);
	}
	return ret;
}

/* A File Entry or Extended File Entry at part:block, and what it holds. */
static int walk_entry(struct walk *w, uint16_t part, uint32_t block, const char *path,
		      int depth)
{
	uint8_t fe[B];
	struct exts x = { NULL, 0, 0 };
	size_t hdr, l_ea, l_ad;
	uint32_t lba;
	uint16_t adtype;
	uint8_t *data = NULL;
	size_t have = 0;
	int ret;

	if (depth > MAX_DEPTH) {
		problem(w, "UDF: '%s' is more than %d directories deep (a loop?)",
			path, MAX_DEPTH);
		return 0;
	}
	if (++w->entries > MAX_ENTRIES)
		return 0;
	if (!read_block(w, part, block, fe, &lba)) {
		problem(w, "UDF: '%s': its File Entry at block %lu of partition "
			"%u is outside the partition or unreadable", path,
			(unsigned long)block, part);
		return 0;
	}
	if (gm_udf_tag_ok(fe, TAG_FE, block))
		hdr = 176;
	else if (gm_udf_tag_ok(fe, TAG_EFE, block))
		hdr = 216;
	else {
		problem(w, "UDF: '%s': File Entry at block %lu: %s", path,
			(unsigned long)block, tag_problem(fe, gm_le16(fe) == TAG_EFE
							  ? TAG_EFE : TAG_FE, block, B));
		return 0;
	}
	l_ea = gm_le32(fe + hdr - 8);
	l_ad = gm_le32(fe + hdr - 4);
	if (l_ea > B - hdr || l_ad > B - hdr - l_ea) {
		problem(w, "UDF: '%s': File Entry at block %lu: its attributes and "
			"allocation descriptors (%lu + %lu bytes) overrun it", path,
			(unsigned long)block, (unsigned long)l_ea, (unsigned long)l_ad);
		return 0;
	}
	if (w->problem != NULL && !gm_udf_crc_ok(fe, B))
		problem(w, "UDF: '%s': File Entry at block %lu: bad descriptor CRC",
			path, (unsigned long)block);
	ret = w->fn(w->arg, lba, 1, path);	/* the entry itself */
	adtype = gm_le16(fe + 34) & 7;
	if (ret == 0 && (adtype == 0 || adtype == 1))
		ret = extents(w, fe, hdr + l_ea, l_ad, adtype == 1, part, &x);
	for (size_t i = 0; ret == 0 && i < x.n; i++)
		ret = name_blocks(w, x.v[i].part, x.v[i].block, (x.v[i].bytes + B - 1) / B, path);
	if (ret != 0 || fe[27] != 4) {		/* not a directory */
		free(x.v);
		return ret;
	}
	if (!first_visit(w, part, block)) {
		problem(w, "UDF: '%s': the directory at block %lu is reached a "
			"second time (a loop)", path, (unsigned long)block);
		free(x.v);
		return 0;
	}
	if (adtype == 3) {
		ret = walk_fids(w, fe + hdr + l_ea, l_ad, path, depth);
		free(x.v);
		return ret;
	}
	for (size_t i = 0; ret == 0 && i < x.n; i++) {
		uint32_t blocks = (x.v[i].bytes + B - 1) / B;
		uint8_t *grown;

		if (have + x.v[i].bytes > MAX_DIR)
			break;
		grown = realloc(data, have + (size_t)blocks * B);
		if (grown == NULL) {
			ret = gm_error_set(w->ctx, GM_ERR_NOMEM, NULL);
			break;
		}
		data = grown;
		for (uint32_t k = 0; k < blocks; k++)
			if (!read_block(w, x.v[i].part, x.v[i].block + k, data + have + (size_t)k * B,
					NULL))
				memset(data + have + (size_t)k * B, 0, B);
		/* (a block outside the partition was reported by name_blocks) */
		have += x.v[i].bytes;
	}
	if (ret == 0)
		ret = walk_fids(w, data, have, path, depth);
	free(data);
	free(x.v);
	return ret;
}

/* The volume: anchor, main sequence (partition, logical volume and its
   maps), the metadata file when there is one, the file set. */
int gm_udf_check(struct gm_ctx *ctx, struct gm_source *src, gm_extent_fn fn, void *arg,
		 gm_problem_fn report, void *parg)
{
	struct walk *w = calloc(1, sizeof(*w));
	uint32_t vds, vds_len, fsd_block = 0, meta_file = 0, mirror = 0;
	uint16_t fsd_part = 0;
	bool have_pd = false, have_lvd = false, have_meta = false, have_phys = false;
	uint8_t *d;
	int ret = 0;

	if (w == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	w->ctx = ctx;
	w->src = src;
	w->fn = fn;
	w->arg = arg;
	w->problem = report;
	w->parg = parg;
	d = w->buf;
	if (!sector(w, 256, d)) {
		problem(w, "UDF: the anchor volume descriptor pointer at sector 256 "
			"cannot be read");
		goto done;
	}
	if (tag_problem(d, TAG_AVDP, 256, B) != NULL) {
		problem(w, "UDF: anchor volume descriptor pointer at sector 256: %s",
			tag_problem(d, TAG_AVDP, 256, B));
		goto done;
	}
	vds_len = gm_le32(d + 16) / B;
	vds = gm_le32(d + 20);
	for (uint32_t k = 0; k < vds_len && k < 64; k++) {
		if (!sector(w, vds + k, d)) {
			problem(w, "UDF: sector %lu of the volume descriptor sequence "
				"cannot be read", (unsigned long)(vds + k));
			break;
		}
		if (gm_le16(d) != 0 && tag_problem(d, gm_le16(d), vds + k, B) != NULL)
			problem(w, "UDF: descriptor %u at sector %lu: %s", gm_le16(d),
				(unsigned long)(vds + k),
				tag_problem(d, gm_le16(d), vds + k, B));
		if (gm_le16(d) == 0 || gm_udf_tag_ok(d, TAG_TD, vds + k))
			break;
		if (gm_udf_tag_ok(d, TAG_PD, vds + k)) {
			w->part_start = gm_le32(d + 188);
			w->part_len = gm_le32(d + 192);
			have_pd = true;
		} else if (gm_udf_tag_ok(d, TAG_LVD, vds + k) && gm_le32(d + 212) == B) {
			uint32_t maps = gm_le32(d + 268), table = gm_le32(d + 264);
			size_t at = 440;

			fsd_block = gm_le32(d + 252);
			fsd_part = gm_le16(d + 256);
			for (uint32_t m = 0; m < maps && m < 8 && table <= B - 440; m++) {
				uint8_t type = d[at], len = d[at + 1];

				if (len < 6 || at + len > 440 + (size_t)table)
					break;
				if (type == 2 && len >= 64
				    && memcmp(d + at + 5, "*UDF Metadata Partition", 23) == 0) {
					w->meta[m] = true;
					meta_file = gm_le32(d + at + 40);
					mirror = gm_le32(d + at + 44);
					have_meta = true;
				} else if (type == 1) {
					w->phys = (uint16_t)m;
					have_phys = true;
				} else {
					break;		/* virtual, sparable: not ours */
				}
				w->nmaps = m + 1;
				at += len;
			}
			have_lvd = true;
		}
	}
	/* the metadata partition lies in a type 1 one (else the two
	   would map into each other) */
	if (!have_pd || !have_lvd || w->nmaps == 0 || !have_phys || w->meta[w->phys]) {
		problem(w, "UDF: the volume descriptor sequence at sector %lu has %s",
			(unsigned long)vds, !have_pd ? "no partition descriptor"
			: !have_lvd ? "no logical volume descriptor"
			: "no partition map glassmaster reads");
		goto done;
	}
	if (report != NULL) {
		/* the partition against the image: truncated? */
		const struct gm_disc *disc = gm_source_disc(src);
		uint64_t end = (uint64_t)w->part_start + w->part_len;

		if (disc->leadout > 0 && end > (uint64_t)disc->leadout)
			problem(w, "UDF: the partition ends at sector %llu, the image "
				"at %ld: it is truncated by %llu sectors",
				(unsigned long long)end, (long)disc->leadout,
				(unsigned long long)(end - (uint64_t)disc->leadout));
	}
	if (have_meta) {
		/* the metadata file's extents, from the mirror if need be */
		for (int k = 0; k < 2 && w->nruns == 0; k++) {
			uint32_t at = k == 0 ? meta_file : mirror;
			struct exts x = { NULL, 0, 0 };
			size_t hdr, l_ea, l_ad;

			if (!read_block(w, w->phys, at, d, NULL))
				continue;
			hdr = gm_udf_tag_ok(d, TAG_EFE, at) ? 216 : gm_udf_tag_ok(d, TAG_FE, at) ? 176 : 0;
			if (hdr == 0)
				continue;
			l_ea = gm_le32(d + hdr - 8);
			l_ad = gm_le32(d + hdr - 4);
			if (l_ea > B - hdr || l_ad > B - hdr - l_ea || (gm_le16(d + 34) & 7) > 1)
				continue;
			ret = extents(w, d, hdr + l_ea, l_ad, (gm_le16(d + 34) & 7) == 1, w->phys, &x);
			if (ret == 0 && x.n > 0) {
				w->runs = calloc(x.n, sizeof(*w->runs));
				if (w->runs == NULL)
					ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
				for (size_t i = 0; w->runs != NULL && i < x.n; i++) {
					w->runs[i].block = x.v[i].block;
					w->runs[i].count = x.v[i].bytes / B;
				}
				w->nruns = w->runs != NULL ? x.n : 0;
			}
			free(x.v);
			if (ret != 0)
				goto done;
		}
		if (w->nruns == 0) {
			problem(w, "UDF: neither the metadata file (block %lu) nor its "
				"mirror (block %lu) reads", (unsigned long)meta_file,
				(unsigned long)mirror);
			goto done;
		}
	}
	if (!read_block(w, fsd_part, fsd_block, d, NULL)) {
		problem(w, "UDF: the file set descriptor at block %lu is outside its "
			"partition or unreadable", (unsigned long)fsd_block);
		goto done;
	}
	if (tag_problem(d, TAG_FSD, fsd_block, B) != NULL) {
		problem(w, "UDF: file set descriptor at block %lu: %s",
			(unsigned long)fsd_block, tag_problem(d, TAG_FSD, fsd_block, B));
		goto done;
	}
	{
		uint32_t root = gm_le32(d + 404);
		uint16_t root_part = gm_le16(d + 408);

		ret = walk_entry(w, root_part, root, "/", 0);
	}
done:
	gm_set64_release(&w->dirs);
	free(w->runs);
	free(w);
	return ret;
}
