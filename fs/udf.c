/*
 * udf.c - UDF volumes read into the node arrays (ECMA-167 parts 3 and 4
 * as OSTA UDF 1.02-2.60 profiles them): the anchor (sector 256, else the
 * last sector or 256 before it), the main volume descriptor sequence
 * (else the reserve), type 1 partition maps, sparable maps read as their
 * physical partition, the metadata partition of 2.50 and 2.60 (its file
 * read through the main metadata file, a block that does not read taken
 * from the mirror), the file set, File Entries and Extended File Entries
 * with short, long and embedded allocation, Allocation Extent Descriptors,
 * hard links (one File Entry named twice), symlinks (4/14.16 path
 * components), device nodes (the Device Specification extended
 * attribute), timestamps with their time zone.
 *
 * Every tag is checked (identifier, checksum, location); directories are
 * read breadth first, each File Entry of a directory once; an allocation
 * extent descriptor chain is followed at most 4096 deep and never twice
 * through one descriptor; extents outside their partition read as zeros
 * and are warned about by path.  Named streams are skipped with a note.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bytes.h"
#include "formats.h"
#include "fs_private.h"
#include "set64.h"
#include "udf_tags.h"
#include "banned.h"

#define MAX_AEDS 4096u
#define MAX_MAPS 8
#define MAX_PDS 4

enum { TAG_AVDP = 2, TAG_PD = 5, TAG_LVD = 6, TAG_TD = 8, TAG_FSD = 256,
       TAG_FID = 257, TAG_AED = 258, TAG_FE = 261, TAG_EAHD = 262, TAG_EFE = 266 };

struct run {
	uint32_t block, count;	/* of the physical partition */
};

struct pd {
	uint16_t number;
	uint32_t start, len;
};

struct udf {
	struct gm_fs *fs;
	struct pd pd[MAX_PDS];
	unsigned npd;
	struct { bool meta; int pd; } map[MAX_MAPS];
	unsigned nmaps;
	struct run *runs[2];	/* the metadata file's extents, its mirror's */
	size_t nruns[2];
	struct gm_set64 dirs;	/* directory File Entries read: (map << 32 | block) + 1 */
	struct entry_seen {	/* File Entries read: (map << 32 | block) + 1 */
		uint64_t key;	/* to the first node they gave */
		uint32_t node;
	} *entries;
	size_t nentries, cap_entries;
	uint32_t *queue;	/* directory nodes to read */
	size_t head, tail, cap_queue;
	uint8_t *data;		/* a directory's bytes */
	size_t cap_data;
};

/* A short extent of an entry's allocation: bytes at part:block. */
struct ad {
	uint16_t part;
	uint32_t block;
	uint32_t bytes;
	uint8_t kind;		/* 0 recorded, 1 allocated, 2 not allocated */
};

struct ads {
	struct ad *v;
	size_t n, cap;
};

static void note(struct gm_fs *fs, uint32_t node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like fs_warn, but nothing is damaged: what is left out on purpose. */
static void note(struct gm_fs *fs, uint32_t node, const char *fmt, ...)
{
	char msg[512], path[4096];
	va_list ap;

	if (fs->opts.warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gm_fs_path(fs, node, path, sizeof(path));
	fs->opts.warn(fs->opts.warn_arg, path, msg);
}

bool gm_udf_tag_ok(const uint8_t *d, uint16_t id, uint32_t location)
{
	uint8_t sum = 0;

	for (int i = 0; i < 16; i++)
		if (i != 4)
			sum = (uint8_t)(sum + d[i]);
	return sum == d[4] && gm_le16(d) == id && gm_le32(d + 12) == location;
}

bool gm_udf_crc_ok(const uint8_t *d, size_t max)
{
	size_t len = gm_le16(d + 10);

	return 16 + len <= max && gm_crc16(d + 16, len) == gm_le16(d + 8);
}

/* One absolute sector; false when it does not read. */
static int sector(struct udf *u, uint64_t lba, uint8_t *out, bool *ok)
{
	int64_t bad = fs_sectors(u->fs, lba, 1, out, true);

	if (bad < 0)
		return (int)bad;
	*ok = bad == 0;
	return 0;
}

/* The absolute sector of block of partition map part (mirror: through the
   metadata mirror) and how many blocks continue from it in place; false
   when it is outside. */
static bool locate_run(const struct udf *u, uint16_t part, uint32_t block, int mirror,
		       uint64_t *lba, uint64_t *avail)
{
	const struct pd *p;

	if (part >= u->nmaps)
		return false;
	p = &u->pd[u->map[part].pd];
	if (u->map[part].meta) {
		const struct run *r = u->runs[mirror];

		for (size_t i = 0; i < u->nruns[mirror]; i++) {
			if (block < r[i].count) {
				uint64_t at = (uint64_t)r[i].block + block;

				if (at >= p->len)
					return false;
				*lba = (uint64_t)p->start + at;
				*avail = r[i].count - block;
				if (*avail > p->len - at)
					*avail = p->len - at;
				return true;
			}
			block -= r[i].count;
		}
		return false;
	}
	if (block >= p->len)
		return false;
	*lba = (uint64_t)p->start + block;
	*avail = p->len - block;
	return true;
}

/* The absolute sector of block of partition map part; mirror: through the
   metadata mirror.  False when outside. */
static bool locate(const struct udf *u, uint16_t part, uint32_t block, int mirror,
		   uint64_t *lba)
{
	uint64_t avail;

	return locate_run(u, part, block, mirror, lba, &avail);
}

/* Block part:block into out, through the mirror when the metadata file's
   copy does not read; *ok false when neither does or it is outside. */
static int read_block_at(struct udf *u, uint16_t part, uint32_t block, uint8_t *out,
			 bool *ok, uint64_t *at)
{
	uint64_t lba;
	int ret;

	*ok = false;
	for (int m = 0; m < (part < u->nmaps && u->map[part].meta ? 2 : 1); m++) {
		if (!locate(u, part, block, m, &lba))
			continue;
		if ((ret = sector(u, lba, out, ok)) != 0)
			return ret;
		if (*ok) {
			if (at != NULL)
				*at = lba;
			return 0;
		}
	}
	return 0;
}

static int read_block(struct udf *u, uint16_t part, uint32_t block, uint8_t *out,
		      bool *ok)
{
	return read_block_at(u, part, block, out, ok, NULL);
}

static int push(struct udf *u, struct ads *x, uint16_t part, uint32_t block,
		uint32_t bytes, uint8_t kind)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct ad *grown = realloc(x->v, cap * sizeof(*grown));

		if (grown == NULL)
			return gm_error_set(u->fs->ctx, GM_ERR_NOMEM, NULL);
		x->v = grown;
		x->cap = cap;
	}
	x->v[x->n].part = part;
	x->v[x->n].block = block;
	x->v[x->n].bytes = bytes;
	x->v[x->n].kind = kind;
	x->n++;
	return 0;
}

/* The allocation descriptors at d[off..off+len) (short in part, or long),
   through Allocation Extent Descriptors. */
static int read_ads(struct udf *u, uint32_t node, const uint8_t *d, size_t off, size_t len,
		    bool longad, uint16_t part, struct ads *x)
{
	uint8_t aed[FS_B];
	struct gm_set64 seen = { NULL, 0, 0 };
	unsigned hops = 0;
	int ret = 0;

	for (;;) {
		bool next, ok;
		uint16_t npart;
		uint32_t nblock;
		uint64_t key;
		struct gm_udf_ad ad[GM_UDF_ADS_MAX];
		size_t n = gm_udf_ads(d + off, len, longad, part, ad, &next, &npart, &nblock);

		for (size_t i = 0; ret == 0 && i < n; i++)
			ret = push(u, x, ad[i].part, ad[i].block, ad[i].bytes, ad[i].kind);
		if (ret != 0 || !next)
			break;
		key = ((uint64_t)npart << 32 | nblock) + 1;
		if (gm_set64_add(&seen, key) != 1) {
			fs_warn(u->fs, node, "its allocation extent descriptors loop "
				"(block %lu again)", (unsigned long)nblock);
			break;
		}
		if (++hops > MAX_AEDS) {
			fs_warn(u->fs, node, "more than %u allocation extent descriptors "
				"chained", MAX_AEDS);
			break;
		}
		if ((ret = read_block(u, npart, nblock, aed, &ok)) != 0)
			break;
		if (!ok || !gm_udf_tag_ok(aed, TAG_AED, nblock)) {
			fs_warn(u->fs, node, "the allocation extent descriptor at block %lu "
				"is %s", (unsigned long)nblock, ok ? "damaged"
				: "outside its partition or unreadable");
			break;
		}
		d = aed;
		off = 24;
		len = gm_udf_aed_len(aed);
		part = npart;
	}
	gm_set64_release(&seen);
	return ret;
}

size_t gm_udf_aed_len(const uint8_t *aed)
{
	size_t len = gm_le32(aed + 20);

	return len > FS_B - 24 ? FS_B - 24 : len;
}

size_t gm_udf_ads(const uint8_t *d, size_t len, bool longad, uint16_t part,
		  struct gm_udf_ad *out, bool *next, uint16_t *npart, uint32_t *nblock)
{
	size_t size = longad ? 16 : 8, n = 0;

	*next = false;
	for (size_t i = 0; i + size <= len && n < GM_UDF_ADS_MAX; i += size) {
		uint32_t raw = gm_le32(d + i), pos = gm_le32(d + i + 4);
		uint32_t bytes = raw & 0x3fffffffu;
		uint16_t p = longad ? gm_le16(d + i + 8) : part;

		if (bytes == 0)
			break;
		if (raw >> 30 == 3) {
			*next = true;
			*npart = p;
			*nblock = pos;
			break;
		}
		out[n].part = p;
		out[n].block = pos;
		out[n].bytes = bytes;
		out[n].kind = (uint8_t)(raw >> 30);
		n++;
	}
	return n;
}

/* An extent of node's data from its allocation descriptor, as absolute
   extents (a metadata-partition extent may map to several). */
static int add_ad(struct udf *u, uint32_t node, const struct ad *a, uint64_t bytes)
{
	struct gm_fs *fs = u->fs;
	uint64_t done = 0;

	if (a->kind != 0)
		return fs_ext_add(fs, node, 0, bytes, GM_FS_EXT_HOLE);
	while (done < bytes) {
		uint32_t block = a->block + (uint32_t)(done / FS_B);
		uint64_t lba, n, left = (bytes - done + FS_B - 1) / FS_B;
		uint64_t piece;
		int ret;

		/* as many blocks as continue in the same place (a run of the
		   metadata file, or the rest of the partition) */
		if ((uint64_t)a->block + done / FS_B > UINT32_MAX
		    || !locate_run(u, a->part, block, 0, &lba, &n)) {
			fs_warn(fs, node, "an extent at block %lu of partition %u lies "
				"outside the partition: read as zeros",
				(unsigned long)block, a->part);
			return fs_ext_add(fs, node, 0, bytes - done, GM_FS_EXT_HOLE);
		}
		if (n > left)
			n = left;
		piece = n * FS_B < bytes - done ? n * FS_B : bytes - done;
		if (lba + n > fs->end)
			fs_warn(fs, node, "an extent at sector %llu runs past the end of the "
				"image", (unsigned long long)lba);
		if ((ret = fs_ext_add(fs, node, lba, piece, 0)) != 0)
			return ret;
		done += piece;
	}
	return 0;
}

/* ECMA-167 1/7.3: a timestamp with its time zone. */
static struct timespec udf_time(const uint8_t *p)
{
	struct timespec t = { 0, 0 };
	uint16_t tz = gm_le16(p);
	int16_t off = (int16_t)(tz << 4) >> 4;
	int16_t year = (int16_t)gm_le16(p + 2);

	if (year == 0 && p[4] == 0)
		return t;
	t.tv_sec = (time_t)fs_epoch(year, p[4], p[5], p[6] % 24, p[7] % 60, p[8] % 61);
	if ((tz >> 12) == 1 && off >= -1440 && off <= 1440)
		t.tv_sec -= (time_t)off * 60;
	t.tv_nsec = (long)(p[9] % 100) * 10000000L + (long)(p[10] % 100) * 100000L
		    + (long)(p[11] % 100) * 1000L;
	return t;
}

/* OSTA CS0 to UTF-8 in out (4 * len + 1 bytes). */
size_t gm_udf_cs0_utf8(const uint8_t *s, size_t len, char *out)
{
	if (len == 0) {
		out[0] = '\0';
		return 0;
	}
	if (s[0] == 16 || s[0] == 255)
		return fs_utf16be(s + 1, len - 1, out);
	return fs_latin1(s + 1, len - 1, out);
}

/* A symlink's path components (4/14.16.1) as a path. */
static size_t link_path(const uint8_t *d, size_t len, char *out, size_t size, bool *bad)
{
	size_t o = 0;
	char name[4 * 256 + 4];

	*bad = false;
	for (size_t at = 0; at + 4 <= len;) {
		uint8_t type = d[at], l = d[at + 1];
		const char *piece;
		size_t pl;

		if (at + 4 + l > len) {
			*bad = true;
			break;
		}
		switch (type) {
		case 1: case 2: piece = "/"; break;
		case 3: piece = ".."; break;
		case 4: piece = "."; break;
		case 5: gm_udf_cs0_utf8(d + at + 4, l, name); piece = name; break;
		default: *bad = true; piece = ""; break;
		}
		pl = strlen(piece);
		if (o > 0 && out[o - 1] != '/') {
			if (o + 1 >= size) {
				*bad = true;
				break;
			}
			out[o++] = '/';
		}
		if (o + pl >= size) {
			*bad = true;
			break;
		}
		memcpy(out + o, piece, pl);
		o += pl;
		at += 4 + (size_t)l;
	}
	out[o] = '\0';
	return o;
}

/* The File Entry of node at part:block: attributes and extents. */
static int read_entry(struct udf *u, uint32_t node, uint16_t part, uint32_t block)
{
	struct gm_fs *fs = u->fs;
	struct gm_fs_stat *st = &fs->node[node].st;
	uint8_t fe[FS_B];
	struct ads x = { NULL, 0, 0 };
	size_t hdr, l_ea, l_ad;
	uint16_t flags, adtype;
	uint32_t perm;
	uint64_t info, total = 0;
	uint8_t type;
	uint64_t where = 0;
	bool ok, efe;
	int ret;

	if ((ret = read_block_at(u, part, block, fe, &ok, &where)) != 0)
		return ret;
	if (ok)
		fs->node[node].entry = where + 1;
	if (!ok) {
		fs_warn(fs, node, "its File Entry at block %lu of partition %u is outside "
			"the partition or unreadable", (unsigned long)block, part);
		st->mode = S_IFREG;
		return 0;
	}
	efe = gm_udf_tag_ok(fe, TAG_EFE, block);
	if (!efe && !gm_udf_tag_ok(fe, TAG_FE, block) && part < u->nmaps && u->map[part].meta
	    && u->nruns[1] > 0) {
		/* a damaged entry in the metadata file: its mirror's copy */
		uint64_t lba;
		bool ok2 = false;

		if (locate(u, part, block, 1, &lba) && (ret = sector(u, lba, fe, &ok2)) != 0)
			return ret;
		if (ok2 && (gm_udf_tag_ok(fe, TAG_EFE, block) || gm_udf_tag_ok(fe, TAG_FE, block))) {
			note(fs, node, "its File Entry is damaged in the metadata file: "
			     "the mirror's copy is read");
			efe = gm_udf_tag_ok(fe, TAG_EFE, block);
			fs->node[node].entry = lba + 1;
		} else if ((ret = read_block_at(u, part, block, fe, &ok, &where)) != 0) {
			return ret;	/* (the main copy again, for the message) */
		}
	}
	if (!efe && !gm_udf_tag_ok(fe, TAG_FE, block)) {
		fs_warn(fs, node, "its File Entry at block %lu is damaged (tag %u, not a "
			"file entry for that block)", (unsigned long)block, gm_le16(fe));
		st->mode = S_IFREG;
		return 0;
	}
	hdr = efe ? 216 : 176;
	l_ea = gm_le32(fe + hdr - 8);
	l_ad = gm_le32(fe + hdr - 4);
	if (l_ea > FS_B - hdr || l_ad > FS_B - hdr - l_ea) {
		fs_warn(fs, node, "its File Entry at block %lu overruns its block (%lu + "
			"%lu bytes of attributes and allocation)", (unsigned long)block,
			(unsigned long)l_ea, (unsigned long)l_ad);
		st->mode = S_IFREG;
		return 0;
	}
	if (!gm_udf_crc_ok(fe, FS_B))
		fs_warn(fs, node, "its File Entry at block %lu has a bad CRC",
			(unsigned long)block);
	if (gm_le16(fe + 16 + 4) == 4096)
		note(fs, node, "recorded with strategy 4096: only its first entry is read");
	type = fe[27];
	flags = gm_le16(fe + 34);
	adtype = flags & 7;
	perm = gm_le32(fe + 44);
	st->uid = gm_le32(fe + 36) == UINT32_MAX ? 0 : gm_le32(fe + 36);
	st->gid = gm_le32(fe + 40) == UINT32_MAX ? 0 : gm_le32(fe + 40);
	st->mode = ((perm >> 10) & 7) << 6 | ((perm >> 5) & 7) << 3 | (perm & 7);
	if (flags & 0x40)
		st->mode |= S_ISUID;
	if (flags & 0x80)
		st->mode |= S_ISGID;
	if (flags & 0x100)
		st->mode |= S_ISVTX;
	switch (type) {
	case 4: st->mode |= S_IFDIR; break;
	case 6: st->mode |= S_IFBLK; break;
	case 7: st->mode |= S_IFCHR; break;
	case 9: st->mode |= S_IFIFO; break;
	case 10: st->mode |= S_IFSOCK; break;
	case 12: st->mode |= S_IFLNK; break;
	default: st->mode |= S_IFREG; break;
	}
	st->nlink = gm_le16(fe + 48) ? gm_le16(fe + 48) : 1;
	info = gm_le64(fe + 56);
	st->atime = udf_time(fe + (efe ? 80 : 72));
	st->mtime = udf_time(fe + (efe ? 92 : 84));
	st->ctime = udf_time(fe + (efe ? 116 : 96));
	if (efe && gm_le32(fe + 152) != 0)
		note(fs, node, "has named streams, which are skipped");
	if ((S_ISCHR(st->mode) || S_ISBLK(st->mode)) && l_ea >= 24
	    && gm_udf_tag_ok(fe + hdr, TAG_EAHD, block)) {
		/* the Device Specification attribute (4/14.10.7) */
		for (size_t at = 24; at + 24 <= l_ea;) {
			const uint8_t *a = fe + hdr + at;
			uint32_t alen = gm_le32(a + 8);

			if (alen < 12 || alen > l_ea - at)
				break;
			if (gm_le32(a) == 12 && alen >= 24) {
				st->rdev_major = gm_le32(a + 16);
				st->rdev_minor = gm_le32(a + 20);
			}
			at += alen;
		}
	}
	if (!S_ISDIR(st->mode))
		fs->node[node].key = ((uint64_t)part << 32 | block) + 1;
	if (adtype == 3) {
		uint32_t at = fs_pool_add(fs, fe + hdr + l_ea, l_ad, false);

		if (at == FS_NO_STR)
			return fs->err;
		if (info > l_ad) {
			fs_warn(fs, node, "its size (%llu bytes) is more than the %lu bytes "
				"its File Entry holds", (unsigned long long)info,
				(unsigned long)l_ad);
			info = l_ad;
		}
		st->size = info;
		return info ? fs_ext_add(fs, node, at, info, GM_FS_EXT_EMBEDDED) : 0;
	}
	if (adtype > 1) {
		fs_warn(fs, node, "allocation descriptors of type %u, which are not read",
			adtype);
		return 0;
	}
	ret = read_ads(u, node, fe, hdr + l_ea, l_ad, adtype == 1, part, &x);
	for (size_t i = 0; ret == 0 && i < x.n && total < info; i++) {
		uint64_t bytes = x.v[i].bytes;

		if (bytes > info - total)
			bytes = info - total;
		ret = add_ad(u, node, &x.v[i], bytes);
		total += bytes;
	}
	free(x.v);
	if (ret != 0)
		return ret;
	if (total < info) {
		fs_warn(fs, node, "its size (%llu bytes) is more than its extents hold "
			"(%llu bytes): the size is taken from the extents",
			(unsigned long long)info, (unsigned long long)total);
		info = total;
	}
	st->size = info;
	return 0;
}

static bool first_dir(struct udf *u, uint16_t part, uint32_t block)
{
	return gm_set64_add(&u->dirs, ((uint64_t)part << 32 | block) + 1) == 1;
}

static int enqueue(struct udf *u, uint32_t node)
{
	if (u->tail == u->cap_queue) {
		size_t cap = u->cap_queue ? 2 * u->cap_queue : 256;
		uint32_t *grown = realloc(u->queue, cap * sizeof(*grown));

		if (grown == NULL)
			return gm_error_set(u->fs->ctx, GM_ERR_NOMEM, NULL);
		u->queue = grown;
		u->cap_queue = cap;
	}
	u->queue[u->tail++] = node;
	return 0;
}

/* A new entry of dir from its FID's ICB. */
/* The node a File Entry gave first, or GM_FS_NONE; with node not
   GM_FS_NONE, remembered as giving it.  -1 in *err when out of memory. */
static uint32_t entry_node(struct udf *u, uint64_t key, uint32_t node, int *err)
{
	size_t i, mask;

	*err = 0;
	if (2 * (u->nentries + 1) > u->cap_entries) {
		size_t cap = u->cap_entries ? 2 * u->cap_entries : 1024;
		struct entry_seen *grown = calloc(cap, sizeof(*grown));

		if (grown == NULL) {
			*err = -1;
			return GM_FS_NONE;
		}
		for (size_t k = 0; k < u->cap_entries; k++) {
			if (u->entries[k].key == 0)
				continue;
			for (i = (size_t)(u->entries[k].key * 0x9e3779b97f4a7c15ull >> 20)
				 & (cap - 1); grown[i].key != 0; i = (i + 1) & (cap - 1))
				;
			grown[i] = u->entries[k];
		}
		free(u->entries);
		u->entries = grown;
		u->cap_entries = cap;
	}
	mask = u->cap_entries - 1;
	for (i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & mask; u->entries[i].key != 0;
	     i = (i + 1) & mask)
		if (u->entries[i].key == key)
			return u->entries[i].node;
	if (node != GM_FS_NONE) {
		u->entries[i].key = key;
		u->entries[i].node = node;
		u->nentries++;
	}
	return GM_FS_NONE;
}

static int add_entry(struct udf *u, uint32_t dir, const char *name, size_t len,
		     uint16_t part, uint32_t block)
{
	struct gm_fs *fs = u->fs;
	uint32_t node = fs_node_add(fs, dir, name, len), first;
	int ret;

	if (node == GM_FS_NONE)
		return fs->err;
	/* a File Entry named again (a hard link, or a loop) is not read
	   again: the name shares the first one's attributes and data */
	first = entry_node(u, ((uint64_t)part << 32 | block) + 1, node, &ret);
	if (ret != 0)
		return gm_error_set(fs->ctx, GM_ERR_NOMEM, NULL);
	if (first != GM_FS_NONE) {
		fs->node[node].st = fs->node[first].st;
		fs->node[node].key = fs->node[first].key;
		fs->node[node].link = fs->node[first].link;
		if (S_ISDIR(fs->node[node].st.mode)) {
			fs->node[node].st.size = 0;
			fs_warn(fs, node, "the directory at block %lu is reached a second "
				"time (a loop): not read again", (unsigned long)block);
		}
		return 0;
	}
	if ((ret = read_entry(u, node, part, block)) != 0)
		return ret;
	if (S_ISDIR(fs->node[node].st.mode)) {
		if (!first_dir(u, part, block)) {
			fs_warn(fs, node, "the directory at block %lu is reached a second "
				"time (a loop): not read again", (unsigned long)block);
			return 0;
		}
		if (fs->node[node].depth >= FS_MAX_DEPTH) {
			fs_warn(fs, node, "more than %u directories deep: not read",
				FS_MAX_DEPTH);
			return 0;
		}
		return enqueue(u, node);
	}
	if (S_ISLNK(fs->node[node].st.mode)) {
		struct fs_node *n = &fs->node[node];
		uint8_t raw[FS_MAX_LINK];
		char target[FS_MAX_LINK + 1];
		size_t want = n->st.size < sizeof(raw) ? (size_t)n->st.size : sizeof(raw);
		int64_t got = gm_fs_read(fs->ctx, fs, node, 0, raw, want, NULL);
		bool bad;

		if (got < 0)
			return (int)got;
		link_path(raw, (size_t)got, target, sizeof(target), &bad);
		if (bad || n->st.size > sizeof(raw))
			fs_warn(fs, node, "its symlink target is malformed or longer than "
				"%u bytes", FS_MAX_LINK);
		fs->node[node].st.size = strlen(target);	/* as lstat(2) says */
		fs->node[node].link = fs_pool_add(fs, target, strlen(target), true);
		if (fs->node[node].link == FS_NO_STR)
			return fs->err;
	}
	return 0;
}

/* The File Identifier Descriptors of directory node (4/14.4). */
static int read_dir(struct udf *u, uint32_t dir)
{
	struct gm_fs *fs = u->fs;
	uint64_t size = fs->node[dir].st.size, bad = 0;
	char name[4 * 256 + 4];
	int64_t got;
	int ret = 0;

	if (size > FS_MAX_DIR) {
		fs_warn(fs, dir, "a directory of %llu bytes: only the first %u are read",
			(unsigned long long)size, FS_MAX_DIR);
		size = FS_MAX_DIR;
	}
	if (size > u->cap_data) {
		uint8_t *grown = realloc(u->data, (size_t)size);

		if (grown == NULL)
			return gm_error_set(fs->ctx, GM_ERR_NOMEM, NULL);
		u->data = grown;
		u->cap_data = (size_t)size;
	}
	got = gm_fs_read(fs->ctx, fs, dir, 0, u->data, (size_t)size, &bad);
	if (got < 0)
		return (int)got;
	if (bad > 0)
		fs_warn(fs, dir, "%llu sector%s of the directory cannot be read",
			(unsigned long long)bad, bad == 1 ? "" : "s");
	for (size_t at = 0; ret == 0 && at + 38 <= (size_t)got;) {
		const uint8_t *f = u->data + at;
		size_t l_fi = f[19], l_iu = gm_le16(f + 36);
		size_t rec = (38 + l_iu + l_fi + 3) & ~(size_t)3;
		size_t len;

		if (gm_le16(f) != TAG_FID || at + 38 + l_iu + l_fi > (size_t)got) {
			if (gm_le16(f) == 0 && f[4] == 0)
				break;		/* the rest of the block is empty */
			fs_warn(fs, dir, "the directory is damaged at byte %lu (%s)",
				(unsigned long)at, gm_le16(f) != TAG_FID
				? "not a File Identifier Descriptor"
				: "an identifier runs past the directory");
			break;
		}
		at += rec;
		if (f[18] & 0x0c)
			continue;	/* the parent, or deleted */
		len = gm_udf_cs0_utf8(f + 38 + l_iu, l_fi, name);
		bool nul = false;

		for (size_t i = 0; i < len; i++)
			if (name[i] == '\0') {
				name[i] = '_';
				nul = true;
			}
		if (nul)
			fs_warn(fs, dir, "the name '%s' holds a NUL byte (made '_')", name);
		ret = add_entry(u, dir, name, len, gm_le16(f + 28), gm_le32(f + 24));
	}
	return ret;
}

/* The metadata file (or its mirror) at block of the physical partition
   of map m into runs[which]. */
static int meta_runs(struct udf *u, unsigned m, uint32_t block, int which)
{
	uint8_t d[FS_B];
	struct ads x = { NULL, 0, 0 };
	size_t hdr, l_ea, l_ad;
	uint64_t lba;
	bool ok = false;
	int ret;
	const struct pd *p = &u->pd[u->map[m].pd];

	if (block >= p->len)
		return 0;
	lba = (uint64_t)p->start + block;
	if ((ret = sector(u, lba, d, &ok)) != 0 || !ok)
		return ret;
	hdr = gm_udf_tag_ok(d, TAG_EFE, block) ? 216 : gm_udf_tag_ok(d, TAG_FE, block) ? 176 : 0;
	if (hdr == 0)
		return 0;
	l_ea = gm_le32(d + hdr - 8);
	l_ad = gm_le32(d + hdr - 4);
	if (l_ea > FS_B - hdr || l_ad > FS_B - hdr - l_ea || (gm_le16(d + 34) & 7) > 1)
		return 0;
	/* the metadata file's descriptors name blocks of the physical
	   partition: read them as map 0 would not be right when map 0 is the
	   metadata one, so short_ads are taken as physical here */
	ret = read_ads(u, 0, d, hdr + l_ea, l_ad, (gm_le16(d + 34) & 7) == 1, UINT16_MAX, &x);
	if (ret == 0 && x.n > 0) {
		u->runs[which] = calloc(x.n, sizeof(struct run));
		if (u->runs[which] == NULL)
			ret = gm_error_set(u->fs->ctx, GM_ERR_NOMEM, NULL);
		for (size_t i = 0; u->runs[which] != NULL && i < x.n; i++) {
			u->runs[which][i].block = x.v[i].block;
			u->runs[which][i].count = x.v[i].bytes / FS_B;
		}
		if (u->runs[which] != NULL)
			u->nruns[which] = x.n;
	}
	free(x.v);
	return ret;
}

bool fs_udf_present(struct gm_fs *fs)
{
	uint8_t d[FS_B];

	for (unsigned i = 0; i < 64; i++) {
		int64_t bad = fs_sectors(fs, fs->session + 16 + i, 1, d, true);

		if (bad != 0)
			return false;
		if (memcmp(d + 1, "NSR02", 5) == 0 || memcmp(d + 1, "NSR03", 5) == 0)
			return true;
		if (memcmp(d + 1, "CD001", 5) != 0 && memcmp(d + 1, "BEA01", 5) != 0
		    && memcmp(d + 1, "BOOT2", 5) != 0)
			return false;
	}
	return false;
}

/* The volume descriptor sequence of len sectors at at: partitions, maps,
   the file set's place. */
static int read_vds(struct udf *u, uint64_t at, uint32_t len, uint32_t *fsd_block,
		    uint16_t *fsd_part, uint32_t meta[2], bool *have_lvd)
{
	struct gm_fs *fs = u->fs;
	uint8_t d[FS_B];
	bool ok;
	int ret;

	for (uint32_t k = 0; k < len && k < 64; k++) {
		if ((ret = sector(u, at + k, d, &ok)) != 0)
			return ret;
		if (!ok || gm_le16(d) == 0 || gm_udf_tag_ok(d, TAG_TD, (uint32_t)(at + k)))
			break;
		if (gm_udf_tag_ok(d, TAG_PD, (uint32_t)(at + k)) && u->npd < MAX_PDS) {
			u->pd[u->npd].number = gm_le16(d + 22);
			u->pd[u->npd].start = gm_le32(d + 188);
			u->pd[u->npd].len = gm_le32(d + 192);
			u->npd++;
		} else if (gm_udf_tag_ok(d, TAG_LVD, (uint32_t)(at + k)) && !*have_lvd) {
			uint32_t maps = gm_le32(d + 268), table = gm_le32(d + 264);
			size_t p = 440;

			if (gm_le32(d + 212) != FS_B) {
				return gm_error_set(fs->ctx, GM_ERR_UNSUPPORTED, "UDF logical "
						    "blocks of %lu bytes (only 2048 are read)",
						    (unsigned long)gm_le32(d + 212));
			}
			*have_lvd = true;
			gm_udf_cs0_utf8(d + 84, d[84 + 127] < 128 ? d[84 + 127] : 127, fs->label);
			*fsd_block = gm_le32(d + 252);
			*fsd_part = gm_le16(d + 256);
			u->nmaps = 0;
			for (uint32_t m = 0; m < maps && m < MAX_MAPS && table <= FS_B - 440; m++) {
				uint8_t type, mlen;
				uint16_t number;

				if (p + 2 > 440 + (size_t)table)
					break;
				type = d[p];
				mlen = d[p + 1];

				if (mlen < 6 || p + mlen > 440 + (size_t)table)
					break;
				if (type == 1) {
					number = gm_le16(d + p + 4);
					u->map[m].meta = false;
				} else if (type == 2 && mlen >= 64
					   && memcmp(d + p + 5, "*UDF Metadata Partition", 23) == 0) {
					number = gm_le16(d + p + 38);
					u->map[m].meta = true;
					meta[0] = gm_le32(d + p + 40);
					meta[1] = gm_le32(d + p + 44);
				} else if (type == 2 && mlen >= 64
					   && memcmp(d + p + 5, "*UDF Sparable Partition", 23) == 0) {
					number = gm_le16(d + p + 38);
					u->map[m].meta = false;
					note(fs, GM_FS_NONE, "a sparable partition: read without "
					     "its sparing table");
				} else {
					return gm_error_set(fs->ctx, GM_ERR_UNSUPPORTED, "UDF "
							    "partition map %u is of a kind not "
							    "read (virtual, for a disc written "
							    "incrementally)", m);
				}
				u->map[m].pd = (int)number;	/* resolved below */
				u->nmaps = m + 1;
				p += mlen;
			}
		}
	}
	return 0;
}

int fs_udf_read(struct gm_fs *fs)
{
	struct udf u = { .fs = fs };
	uint8_t d[FS_B];
	uint64_t anchors[3] = { fs->session + 256, fs->end - 1, fs->end - 257 };
	uint32_t fsd_block = 0, meta[2] = { 0, 0 }, root_block;
	uint16_t fsd_part = 0, root_part;
	bool ok = false, have_lvd = false, have_meta = false;
	uint32_t root;
	int ret = 0;

	for (int a = 0; a < 3 && !ok; a++) {
		if (anchors[a] >= fs->end || (a > 0 && fs->end < 257 + (a == 2 ? 257 : 0)))
			continue;
		if ((ret = sector(&u, anchors[a], d, &ok)) != 0)
			return ret;
		ok = ok && gm_udf_tag_ok(d, TAG_AVDP, (uint32_t)anchors[a]);
	}
	if (!ok)
		return gm_error_set(fs->ctx, GM_ERR_FORMAT, "no UDF anchor volume "
				    "descriptor pointer (sector 256 or the last)");
	ret = read_vds(&u, gm_le32(d + 20), gm_le32(d + 16) / FS_B, &fsd_block, &fsd_part,
		       meta, &have_lvd);
	if (ret == 0 && (!have_lvd || u.npd == 0)) {
		u.npd = 0;
		ret = read_vds(&u, gm_le32(d + 28), gm_le32(d + 24) / FS_B, &fsd_block,
			       &fsd_part, meta, &have_lvd);
	}
	if (ret != 0)
		goto done;
	if (!have_lvd || u.npd == 0 || u.nmaps == 0) {
		ret = gm_error_set(fs->ctx, GM_ERR_FORMAT, "the UDF volume descriptor "
				   "sequences hold no %s", !have_lvd ? "logical volume"
				   : u.npd == 0 ? "partition" : "partition map");
		goto done;
	}
	if (fs->opts.volume_only) {
		root = fs_node_add(fs, GM_FS_NONE, "", 0);
		ret = root == GM_FS_NONE ? fs->err : 0;
		if (ret == 0)
			fs->node[root].st.mode = S_IFDIR | 0555;
		goto done;
	}
	/* each map's partition number to its descriptor */
	for (unsigned m = 0; m < u.nmaps; m++) {
		int found = -1;

		for (unsigned p = 0; p < u.npd; p++)
			if (u.pd[p].number == (uint16_t)u.map[m].pd)
				found = (int)p;
		if (found < 0) {
			ret = gm_error_set(fs->ctx, GM_ERR_FORMAT, "UDF partition map %u "
					   "names partition %d, which has no descriptor", m,
					   u.map[m].pd);
			goto done;
		}
		u.map[m].pd = found;
		have_meta = have_meta || u.map[m].meta;
	}
	if (have_meta) {
		unsigned m = 0;

		while (!u.map[m].meta)
			m++;
		if ((ret = meta_runs(&u, m, meta[0], 0)) != 0
		    || (ret = meta_runs(&u, m, meta[1], 1)) != 0)
			goto done;
		if (u.nruns[0] == 0 && u.nruns[1] == 0) {
			ret = gm_error_set(fs->ctx, GM_ERR_FORMAT, "neither the UDF metadata "
					   "file (block %lu) nor its mirror (block %lu) reads",
					   (unsigned long)meta[0], (unsigned long)meta[1]);
			goto done;
		}
		if (u.nruns[0] == 0) {
			note(fs, GM_FS_NONE, "the metadata file does not read: its mirror "
			     "is used");
			u.runs[0] = u.runs[1];
			u.nruns[0] = u.nruns[1];
			u.runs[1] = NULL;
			u.nruns[1] = 0;
		}
	}
	if ((ret = read_block(&u, fsd_part, fsd_block, d, &ok)) != 0)
		goto done;
	if (!ok || !gm_udf_tag_ok(d, TAG_FSD, fsd_block)) {
		ret = gm_error_set(fs->ctx, GM_ERR_FORMAT, "the UDF file set descriptor at "
				   "block %lu is %s", (unsigned long)fsd_block,
				   ok ? "damaged" : "outside its partition or unreadable");
		goto done;
	}
	root_block = gm_le32(d + 404);
	root_part = gm_le16(d + 408);
	root = fs_node_add(fs, GM_FS_NONE, "", 0);
	if (root == GM_FS_NONE) {
		ret = fs->err;
		goto done;
	}
	if ((ret = read_entry(&u, root, root_part, root_block)) != 0)
		goto done;
	if (!S_ISDIR(fs->node[root].st.mode)) {
		ret = gm_error_set(fs->ctx, GM_ERR_FORMAT, "the UDF root at block %lu is "
				   "not a directory", (unsigned long)root_block);
		goto done;
	}
	first_dir(&u, root_part, root_block);
	ret = enqueue(&u, root);
	while (ret == 0 && u.head < u.tail)
		ret = read_dir(&u, u.queue[u.head++]);
done:
	free(u.runs[0]);
	free(u.runs[1]);
	gm_set64_release(&u.dirs);
	free(u.entries);
	free(u.queue);
	free(u.data);
	return ret;
}
