/*
 * iso9660.c - ISO 9660 trees read into the node arrays: the volume
 * descriptor set of the session (ECMA-119 8; the Enhanced Volume
 * Descriptor of ISO 9660:1999), directory records (9.1) with multi-extent
 * files (the flag 0x80 of 9.1.6) and extended attribute records, the
 * System Use Sharing Protocol (SUSP 1.12: SP, CE, ST) and Rock Ridge
 * (RRIP 1.12: PX, PN, SL, NM, TF, RE/CL/PL relocated directories, ZF of
 * zisofs), Joliet's UCS-2 names, and the El Torito boot catalogue (its
 * images as files of a directory "[BOOT]", named as 7-Zip names them).
 *
 * Directories are read breadth first from a queue, each extent once (a
 * directory reached again - by a CL pointing up, or a record naming its
 * own parent - is a warning, never a loop); continuation areas are
 * followed at most 64 deep and 256 KiB in all; names and link targets
 * are bounded; extents past the volume or the image are clipped with a
 * warning naming the path.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "bytes.h"
#include "fs_private.h"
#include "set64.h"
#include "banned.h"

#define MAX_VD 64		/* descriptors looked at */
#define MAX_CE 64		/* continuation areas per record */
#define MAX_SUSP (256u << 10)	/* SUSP bytes per record */
#define MAX_BOOT 64		/* El Torito entries */

struct pending {
	uint32_t node;
	uint64_t lba;
	uint64_t size;		/* 0: take it from the directory's "." */
};

struct iso {
	struct gm_fs *fs;
	enum gm_fs_type kind;
	uint64_t base;		/* the session's first sector */
	uint64_t volume;	/* the volume's sectors (0: unknown) */
	bool rr;		/* Rock Ridge in this tree */
	unsigned skip;		/* SP's LEN_SKP */
	struct gm_set64 seen;	/* directory extents read (+ 1) */
	struct pending *queue;
	size_t head, tail, cap_queue;
	uint8_t *dir;
	size_t cap_dir;
	char name[FS_MAX_NAME + 4];	/* a Rock Ridge name being read */
};

/* What the System Use entries of one record say. */
struct rr {
	char *name;		/* FS_MAX_NAME + 4 bytes (the walk's) */
	size_t name_len;
	bool has_name, name_done;
	bool has_px, has_ino;
	uint32_t mode, nlink, uid, gid;
	uint64_t ino;
	bool has_pn;
	uint32_t dev_high, dev_low;
	struct timespec t[3];	/* mtime, atime, ctime */
	bool has_t[3];
	char *link;		/* FS_MAX_LINK + 8 bytes */
	size_t link_len;
	bool has_sl, sl_more, link_long;
	bool relocated;		/* RE */
	bool has_cl;
	uint64_t cl;
	bool has_zf, zf_v2;
	uint8_t zf_log;
	uint64_t zf_size;
};

static bool first_seen(struct iso *w, uint64_t lba)
{
	return gm_set64_add(&w->seen, lba + 1) == 1;
}

static int enqueue(struct iso *w, uint32_t node, uint64_t lba, uint64_t size)
{
	if (w->tail == w->cap_queue) {
		size_t cap = w->cap_queue ? 2 * w->cap_queue : 256;
		struct pending *grown = realloc(w->queue, cap * sizeof(*grown));

		if (grown == NULL)
			return gm_error_set(w->fs->ctx, GM_ERR_NOMEM, NULL);
		w->queue = grown;
		w->cap_queue = cap;
	}
	w->queue[w->tail].node = node;
	w->queue[w->tail].lba = lba;
	w->queue[w->tail].size = size;
	w->tail++;
	return 0;
}

/* ECMA-119 9.1.5: seven bytes, the offset in 15-minute units. */
static struct timespec record_time(const uint8_t *p)
{
	struct timespec t = { 0, 0 };
	int8_t gmt = (int8_t)p[6];

	if (p[1] == 0 && p[2] == 0)
		return t;
	t.tv_sec = (time_t)(fs_epoch(1900 + p[0], p[1], p[2], p[3] % 24, p[4] % 60,
				     p[5] % 61) - (int64_t)gmt * 15 * 60);
	return t;
}

/* ECMA-119 8.4.26.1: "YYYYMMDDHHMMSScc" and the offset. */
static struct timespec long_time(const uint8_t *p)
{
	struct timespec t = { 0, 0 };
	unsigned v[7];

	for (int i = 0; i < 7; i++) {
		int w = i == 0 ? 4 : 2, at = i == 0 ? 0 : 2 + 2 * i;

		v[i] = 0;
		for (int k = 0; k < w; k++) {
			if (p[at + k] < '0' || p[at + k] > '9')
				return t;
			v[i] = v[i] * 10 + (unsigned)(p[at + k] - '0');
		}
	}
	if (v[0] == 0)
		return t;
	t.tv_sec = (time_t)(fs_epoch(v[0], v[1], v[2], v[3], v[4], v[5])
			    - (int64_t)(int8_t)p[16] * 15 * 60);
	t.tv_nsec = (long)(v[6] % 100) * 10000000L;
	return t;
}

static void sl_add(struct rr *r, const char *s, size_t n)
{
	if (r->link_len + n > FS_MAX_LINK) {
		r->link_long = true;
		return;
	}
	memcpy(r->link + r->link_len, s, n);
	r->link_len += n;
}

/* One SUSP/RRIP entry e (length e[2], checked by the caller). */
static void rr_entry(struct iso *w, uint32_t node, const uint8_t *e, struct rr *r)
{
	size_t len = e[2];

	if (e[0] == 'P' && e[1] == 'X' && len >= 36) {
		r->has_px = true;
		r->mode = gm_le32(e + 4);
		r->nlink = gm_le32(e + 12);
		r->uid = gm_le32(e + 20);
		r->gid = gm_le32(e + 28);
		if (len >= 44) {
			r->has_ino = true;
			r->ino = gm_le32(e + 36);
		}
	} else if (e[0] == 'P' && e[1] == 'N' && len >= 20) {
		r->has_pn = true;
		r->dev_high = gm_le32(e + 4);
		r->dev_low = gm_le32(e + 12);
	} else if (e[0] == 'N' && e[1] == 'M' && len >= 5 && !r->name_done) {
		uint8_t flags = e[4];
		size_t n = len - 5;

		r->has_name = true;
		if (flags & 2) {
			memcpy(r->name, ".", 2);
			r->name_len = 1;
		} else if (flags & 4) {
			memcpy(r->name, "..", 3);
			r->name_len = 2;
		} else {
			if (r->name_len + n > FS_MAX_NAME) {
				fs_warn(w->fs, node, "a Rock Ridge name longer than %u bytes "
					"(cut)", FS_MAX_NAME);
				n = FS_MAX_NAME - r->name_len;
			}
			memcpy(r->name + r->name_len, e + 5, n);
			r->name_len += n;
		}
		if (!(flags & 1))
			r->name_done = true;
	} else if (e[0] == 'S' && e[1] == 'L' && len >= 5) {
		size_t at = 5;

		if (r->link == NULL && (r->link = malloc(FS_MAX_LINK + 8)) == NULL)
			return;
		r->has_sl = true;
		while (at + 2 <= len) {
			uint8_t cf = e[at], cl = e[at + 1];

			if (at + 2 + cl > len)
				break;
			/* a separator before every component but the first,
			   unless the previous one continues into this */
			if (!r->sl_more && r->link_len > 0
			    && !(r->link_len == 1 && r->link[0] == '/'))
				sl_add(r, "/", 1);
			if (cf & 8)
				sl_add(r, "/", 1);
			else if (cf & 4)
				sl_add(r, "..", 2);
			else if (cf & 2)
				sl_add(r, ".", 1);
			else
				sl_add(r, (const char *)e + at + 2, cl);
			r->sl_more = (cf & 1) != 0;
			at += 2 + (size_t)cl;
		}
	} else if (e[0] == 'T' && e[1] == 'F' && len >= 5) {
		uint8_t flags = e[4];
		size_t step = flags & 0x80 ? 17 : 7, at = 5;

		for (int bit = 0; bit < 7; bit++) {
			struct timespec t;
			int slot = bit == 1 ? 0 : bit == 2 ? 1 : bit == 3 ? 2 : -1;

			if (!(flags & (1u << bit)))
				continue;
			if (at + step > len)
				break;
			t = step == 17 ? long_time(e + at) : record_time(e + at);
			if (slot >= 0) {
				r->t[slot] = t;
				r->has_t[slot] = true;
			}
			at += step;
		}
	} else if (e[0] == 'R' && e[1] == 'E' && len >= 4) {
		r->relocated = true;
	} else if (e[0] == 'C' && e[1] == 'L' && len >= 12) {
		r->has_cl = true;
		r->cl = gm_le32(e + 4);
	} else if (((e[0] == 'Z' && e[1] == 'F') || (e[0] == 'Z' && e[1] == '2')) && len >= 16) {
		/* zisofs (ZF version 1, "pz", 32-bit size) or zisofs2 with zlib
		   (ZF or Z2 version 2, "PZ", 64-bit size) */
		if (e[1] == 'F' && e[3] == 1 && e[4] == 'p' && e[5] == 'z' && e[7] >= 15
		    && e[7] <= 17) {
			r->has_zf = true;
			r->zf_v2 = false;
			r->zf_log = e[7];
			r->zf_size = gm_le32(e + 8);
		} else if (e[3] == 2 && e[4] == 'P' && e[5] == 'Z' && e[7] >= 15 && e[7] <= 20) {
			r->has_zf = true;
			r->zf_v2 = true;
			r->zf_log = e[7];
			r->zf_size = gm_le64(e + 8);
		} else {
			fs_warn(w->fs, node, "compressed as '%c%c' (ZF), which is not "
				"read: the stored bytes are given",
				e[4] >= 0x20 && e[4] < 0x7f ? e[4] : '?',
				e[5] >= 0x20 && e[5] < 0x7f ? e[5] : '?');
		}
	}
}

/* The System Use entries of the record rec (its own area, then its
   continuation areas). */
static int read_susp(struct iso *w, uint32_t node, const uint8_t *rec, struct rr *r)
{
	size_t su = 33 + (size_t)rec[32] + (rec[32] % 2 == 0 ? 1 : 0) + w->skip;
	const uint8_t *area = rec + su;
	size_t len = su < rec[0] ? rec[0] - su : 0, total = 0;
	uint8_t buf[FS_B];
	unsigned hops = 0;

	for (;;) {
		bool more = false;
		uint64_t ce_block = 0;
		uint32_t ce_off = 0, ce_len = 0;

		for (size_t at = 0; at + 4 <= len;) {
			const uint8_t *e = area + at;

			if (e[2] < 4 || at + e[2] > len) {
				if (e[0] != 0)
					fs_warn(w->fs, node, "a System Use entry ('%c%c', "
						"%u bytes) runs past its area",
						e[0] >= 0x20 && e[0] < 0x7f ? e[0] : '?',
						e[1] >= 0x20 && e[1] < 0x7f ? e[1] : '?', e[2]);
				break;
			}
			if (e[0] == 'S' && e[1] == 'T')
				break;
			if (e[0] == 'C' && e[1] == 'E' && e[2] >= 28) {
				more = true;
				ce_block = gm_le32(e + 4);
				ce_off = gm_le32(e + 12);
				ce_len = gm_le32(e + 20);
			} else {
				rr_entry(w, node, e, r);
			}
			at += e[2];
		}
		total += len;
		if (!more)
			return 0;
		if (++hops > MAX_CE || total > MAX_SUSP) {
			fs_warn(w->fs, node, "more than %d continuation areas (CE) chained, "
				"or a loop: the rest is not read", MAX_CE);
			return 0;
		}
		if (ce_off >= FS_B || ce_len > FS_B - ce_off
		    || ce_block >= w->fs->end) {
			fs_warn(w->fs, node, "a continuation area (CE) at sector %llu, "
				"byte %lu, %lu bytes, is outside the image or its sector",
				(unsigned long long)ce_block, (unsigned long)ce_off,
				(unsigned long)ce_len);
			return 0;
		}
		{
			int64_t bad = fs_sectors(w->fs, ce_block, 1, buf, true);

			if (bad < 0)
				return (int)bad;
			if (bad > 0) {
				fs_warn(w->fs, node, "the continuation area at sector %llu "
					"cannot be read", (unsigned long long)ce_block);
				return 0;
			}
		}
		/* buf is reused: what this area holds is taken before the next */
		area = buf + ce_off;
		len = ce_len;
	}
}

/* The record's name in the tree's own encoding. */
static size_t plain_name(const struct iso *w, const uint8_t *rec, char *out)
{
	size_t nl = rec[32], len;

	if (w->kind == GM_FS_JOLIET) {
		len = fs_utf16be(rec + 33, nl, out);
	} else {
		len = fs_latin1(rec + 33, nl, out);
	}
	/* ";1" and a lone trailing dot ("FILE." of level 1) are no part of it */
	if (!(rec[25] & 2)) {
		char *semi = memchr(out, ';', len);

		if (semi != NULL) {
			len = (size_t)(semi - out);
			out[len] = '\0';
		}
		if (len > 1 && out[len - 1] == '.' && w->kind != GM_FS_JOLIET) {
			out[--len] = '\0';
		}
	}
	return len;
}

static int add_extent(struct iso *w, uint32_t node, uint64_t lba, uint64_t bytes)
{
	uint64_t sectors = (bytes + FS_B - 1) / FS_B;
	uint64_t end = w->fs->end;

	if (bytes == 0)
		return 0;
	if (w->volume > 0 && (lba >= w->volume || sectors > w->volume - lba)) {
		fs_warn(w->fs, node, "its extent of %llu sectors at sector %llu runs past "
			"the volume (%llu sectors)", (unsigned long long)sectors,
			(unsigned long long)lba, (unsigned long long)w->volume);
		end = end < w->volume ? end : w->volume;
	} else if (lba >= end || sectors > end - lba) {
		fs_warn(w->fs, node, "its extent of %llu sectors at sector %llu runs past "
			"the end of the image (%llu sectors)", (unsigned long long)sectors,
			(unsigned long long)lba, (unsigned long long)end);
	}
	if (lba >= end)
		return 0;
	if (sectors > end - lba)
		bytes = (end - lba) * FS_B;
	return fs_ext_add(w->fs, node, lba, bytes, 0);
}

/* Attributes of a node from its record and Rock Ridge entries. */
static void set_stat(struct iso *w, uint32_t node, const uint8_t *rec, const struct rr *r,
		     bool dir)
{
	struct gm_fs_stat *st = &w->fs->node[node].st;
	struct timespec t = record_time(rec + 18);

	st->mtime = st->atime = st->ctime = t;
	st->mode = dir ? S_IFDIR | 0555 : S_IFREG | 0444;
	st->nlink = dir ? 2 : 1;
	if (r == NULL)
		return;
	if (r->has_px) {
		uint32_t type = r->mode & S_IFMT;

		st->mode = r->mode & 07777;
		if (dir)
			st->mode |= S_IFDIR;
		else if (type == S_IFLNK || type == S_IFCHR || type == S_IFBLK
			 || type == S_IFIFO || type == S_IFSOCK || type == S_IFREG)
			st->mode |= type;
		else
			st->mode |= S_IFREG;
		st->nlink = r->nlink ? r->nlink : 1;
		st->uid = r->uid;
		st->gid = r->gid;
	}
	if (r->has_sl && !dir)
		st->mode = (st->mode & 07777) | S_IFLNK;
	if (r->has_pn && (S_ISCHR(st->mode) || S_ISBLK(st->mode))) {
		if ((r->dev_low & ~0xffu) && r->dev_high == 0) {
			st->rdev_major = r->dev_low >> 8;
			st->rdev_minor = r->dev_low & 0xff;
		} else {
			st->rdev_major = r->dev_high;
			st->rdev_minor = r->dev_low;
		}
	}
	if (r->has_t[0])
		st->mtime = r->t[0];
	st->atime = r->has_t[1] ? r->t[1] : st->mtime;
	st->ctime = r->has_t[2] ? r->t[2] : st->mtime;
}

/* One record (not "." or "..") of directory dir. */
static int add_record(struct iso *w, uint32_t dir, const uint8_t *rec, uint32_t *multi,
		      char *prev, size_t *prev_len)
{
	struct gm_fs *fs = w->fs;
	char raw[4 * 256 + 4];
	size_t raw_len = plain_name(w, rec, raw);
	uint64_t lba = (uint64_t)gm_le32(rec + 2) + rec[1];
	uint64_t size = gm_le32(rec + 10);
	bool dir_flag = (rec[25] & 2) != 0;
	struct rr r;
	uint32_t node;
	int ret = 0;

	if (rec[25] & 4)
		return 0;		/* an associated file (ECMA-119 9.1.6) */
	/* the next extent of a multi-extent file: same name, after 0x80 */
	if (*multi != GM_FS_NONE) {
		uint32_t m = *multi;

		if (raw_len == *prev_len && memcmp(raw, prev, raw_len) == 0 && !dir_flag) {
			if ((ret = add_extent(w, m, lba, size)) != 0)
				return ret;
			if (!(fs->node[m].st.flags & GM_FS_ZISOFS))
				fs->node[m].st.size += size;	/* (ZF gave the whole size) */
			if (!(rec[25] & 0x80))
				*multi = GM_FS_NONE;
			return 0;
		}
		fs_warn(w->fs, m, "a multi-extent file whose last extent is missing");
		*multi = GM_FS_NONE;
	}
	memset(&r, 0, sizeof(r));
	r.name = w->name;
	if (w->rr) {
		/* the node exists first, so warnings can name it (by its own
		   name until its Rock Ridge one is known) */
		uint32_t prev_tail = fs->node[dir].tail;

		node = fs_node_add(fs, dir, raw, raw_len);
		if (node == GM_FS_NONE)
			return fs->err;
		ret = read_susp(w, node, rec, &r);
		if (ret != 0) {
			free(r.link);
			return ret;
		}
		if (r.relocated) {
			/* shown where its CL placeholder is; drop this node,
			   the last one added */
			struct fs_node *d = &fs->node[dir];

			if (d->tail == node && node == fs->nnodes - 1) {
				if (prev_tail == GM_FS_NONE)
					d->child = GM_FS_NONE;
				else
					fs->node[prev_tail].next = GM_FS_NONE;
				d->tail = prev_tail;
				fs->nnodes--;
			}
			free(r.link);
			return 0;
		}
		if (r.has_name) {
			uint32_t nm;

			for (size_t i = 0; i < r.name_len; i++)
				if (r.name[i] == '\0') {
					r.name[i] = '_';
					fs_warn(fs, node, "a Rock Ridge name holding a NUL byte "
						"(made '_')");
				}
			nm = fs_pool_add(fs, r.name, r.name_len, true);
			if (nm == FS_NO_STR) {
				free(r.link);
				return fs->err;
			}
			fs->node[node].name = nm;
		}
	} else {
		bool nul = false;

		for (size_t i = 0; i < raw_len; i++)
			if (raw[i] == '\0') {
				raw[i] = '_';
				nul = true;
			}
		node = fs_node_add(fs, dir, raw, raw_len);
		if (node == GM_FS_NONE)
			return fs->err;
		if (nul)
			fs_warn(fs, node, "a name holding a NUL byte (made '_')");
	}
	if (r.has_cl) {
		dir_flag = true;
		lba = r.cl;
		size = 0;	/* taken from the relocated directory's "." */
	}
	set_stat(w, node, rec, w->rr ? &r : NULL, dir_flag);
	if (r.has_sl && !dir_flag) {
		if (r.link_long) {
			fs_warn(fs, node, "a symlink target longer than %u bytes (not "
				"read)", FS_MAX_LINK);
			r.link_len = 0;
		}
		fs->node[node].st.size = r.link_len;
		fs->node[node].link = fs_pool_add(fs, r.link, r.link_len, true);
		if (fs->node[node].link == FS_NO_STR) {
			free(r.link);
			return fs->err;
		}
	}
	free(r.link);
	if (dir_flag) {
		if (fs->node[node].depth >= FS_MAX_DEPTH) {
			fs_warn(fs, node, "more than %u directories deep: not read",
				FS_MAX_DEPTH);
			return 0;
		}
		fs->node[node].st.size = size;
		return enqueue(w, node, lba, size);
	}
	if (rec[26] != 0 || rec[27] != 0)
		fs_warn(fs, node, "an interleaved file (unit %u, gap %u): read as if "
			"contiguous", rec[26], rec[27]);
	ret = add_extent(w, node, lba, size);
	fs->node[node].st.size = size;
	if (ret == 0 && (rec[25] & 0x80)) {
		*multi = node;
		memcpy(prev, raw, raw_len);
		*prev_len = raw_len;
	}
	if (r.has_zf && S_ISREG(fs->node[node].st.mode)) {
		fs->node[node].st.flags |= GM_FS_ZISOFS;
		fs->node[node].zlog = r.zf_log;
		fs->node[node].zv2 = r.zf_v2;
		fs->node[node].st.size = r.zf_size;
	}
	if (w->rr && S_ISREG(fs->node[node].st.mode) && r.has_px && r.nlink > 1 && size > 0)
		fs->node[node].key = lba + 1;
	return ret;
}

/* The records of the directory queued at q. */
static int read_dir(struct iso *w, const struct pending *q)
{
	struct gm_fs *fs = w->fs;
	uint64_t lba = q->lba, size = q->size, sectors;
	uint32_t multi = GM_FS_NONE;
	char prev[4 * 256 + 4];
	size_t prev_len = 0;
	int64_t bad;
	int ret = 0;

	if (lba >= fs->end || (w->volume > 0 && lba >= w->volume)) {
		fs_warn(fs, q->node, "the directory at sector %llu is outside the %s",
			(unsigned long long)lba, lba >= fs->end ? "image" : "volume");
		return 0;
	}
	if (!first_seen(w, lba)) {
		fs_warn(fs, q->node, "the directory at sector %llu is reached a second "
			"time (a loop): not read again", (unsigned long long)lba);
		return 0;
	}
	if (size == 0) {
		/* a relocated directory: its "." says how long it is */
		uint8_t first[FS_B];

		bad = fs_sectors(fs, lba, 1, first, true);
		if (bad < 0)
			return (int)bad;
		if (bad > 0 || first[0] < 34 || first[32] != 1 || first[33] != 0) {
			fs_warn(fs, q->node, "the relocated directory at sector %llu "
				"has no \".\" record", (unsigned long long)lba);
			return 0;
		}
		size = gm_le32(first + 10);
		fs->node[q->node].st.size = size;
	}
	if (size > FS_MAX_DIR) {
		fs_warn(fs, q->node, "a directory of %llu bytes: only the first %u are "
			"read", (unsigned long long)size, FS_MAX_DIR);
		size = FS_MAX_DIR;
	}
	sectors = (size + FS_B - 1) / FS_B;
	if (sectors > fs->end - lba) {
		fs_warn(fs, q->node, "the directory runs past the end of the image");
		sectors = fs->end - lba;
	}
	if (sectors * FS_B > w->cap_dir) {
		uint8_t *grown = realloc(w->dir, (size_t)sectors * FS_B);

		if (grown == NULL)
			return gm_error_set(fs->ctx, GM_ERR_NOMEM, NULL);
		w->dir = grown;
		w->cap_dir = (size_t)sectors * FS_B;
	}
	/* the directory's sectors are its extent (verify names them) */
	if ((ret = fs_ext_add(fs, q->node, lba, sectors * FS_B, 0)) != 0)
		return ret;
	bad = fs_sectors(fs, lba, (uint32_t)sectors, w->dir, false);
	if (bad < 0)
		return (int)bad;
	if (bad > 0)
		fs_warn(fs, q->node, "%lld sector%s of the directory at sector %llu "
			"cannot be read", (long long)bad, bad == 1 ? "" : "s",
			(unsigned long long)lba);
	for (uint64_t k = 0; ret == 0 && k < sectors; k++) {
		const uint8_t *s = w->dir + k * FS_B;

		for (size_t at = 0; ret == 0 && at < FS_B && s[at] != 0; at += s[at]) {
			const uint8_t *rec = s + at;

			if (rec[0] < 34 || at + rec[0] > FS_B || 33u + rec[32] > rec[0]) {
				fs_warn(fs, q->node, "the directory record at sector %llu, "
					"byte %lu is malformed (length %u)",
					(unsigned long long)(lba + k), (unsigned long)at, rec[0]);
				break;
			}
			if (rec[32] == 1 && (rec[33] == 0 || rec[33] == 1))
				continue;	/* "." and ".." */
			ret = add_record(w, q->node, rec, &multi, prev, &prev_len);
		}
	}
	if (ret == 0 && multi != GM_FS_NONE)
		fs_warn(fs, multi, "a multi-extent file whose last extent is missing");
	return ret;
}

/* The El Torito boot catalogue at sector cat: its images as files. */
static int add_boot(struct iso *w, uint64_t cat)
{
	static const char *const media[] = { "NoEmul", "1.2M", "1.44M", "2.88M", "HardDisk" };
	static const uint64_t floppy[] = { 0, 1228800, 1474560, 2949120, 0 };
	struct gm_fs *fs = w->fs;
	uint8_t c[FS_B];
	struct { uint8_t media, boot; uint32_t rba; uint16_t count; } e[MAX_BOOT];
	unsigned n = 0;
	uint32_t dir;
	int64_t bad;

	if (cat >= fs->end)
		return 0;
	bad = fs_sectors(fs, cat, 1, c, true);
	if (bad != 0)
		return bad < 0 ? (int)bad : 0;
	if (c[0] != 1 || c[30] != 0x55 || c[31] != 0xaa)
		return 0;
	/* the initial entry, then sections of entries */
	for (size_t at = 32; at + 32 <= FS_B && n < MAX_BOOT;) {
		if (at == 32 || c[at] == 0x88 || c[at] == 0x00) {
			if (at != 32 && c[at] == 0 && c[at + 1] == 0)
				break;
			e[n].boot = c[at] == 0x88;
			e[n].media = c[at + 1] & 0x0f;
			e[n].count = gm_le16(c + at + 6);
			e[n].rba = gm_le32(c + at + 8);
			n++;
			at += 32;
		} else if (c[at] == 0x90 || c[at] == 0x91) {
			at += 32;	/* a section header; its entries follow */
		} else if (c[at] == 0x44) {
			at += 32;	/* a section extension */
		} else {
			break;
		}
	}
	if (n == 0)
		return 0;
	/* (the name index is made after the tree is read) */
	for (uint32_t k = fs->node[0].child; k != GM_FS_NONE; k = fs->node[k].next)
		if (strcmp(fs->pool + fs->node[k].name, "[BOOT]") == 0)
			return 0;
	dir = fs_node_add(fs, 0, "[BOOT]", 6);
	if (dir == GM_FS_NONE)
		return fs->err;
	fs->node[dir].st = fs->node[0].st;
	fs->node[dir].st.flags = GM_FS_VIRTUAL;
	fs->node[dir].st.size = 0;
	for (unsigned i = 0; i < n; i++) {
		char name[64];
		uint32_t f;
		uint64_t bytes;
		int len;

		if (e[i].media > 4)
			continue;
		if (n == 1)
			len = snprintf(name, sizeof(name), "%s-%s.img",
				       e[i].boot ? "Boot" : "NotBoot", media[e[i].media]);
		else
			len = snprintf(name, sizeof(name), "%u-%s-%s.img", i + 1,
				       e[i].boot ? "Boot" : "NotBoot", media[e[i].media]);
		f = fs_node_add(fs, dir, name, (size_t)len);
		if (f == GM_FS_NONE)
			return fs->err;
		fs->node[f].st.mode = S_IFREG | 0444;
		fs->node[f].st.mtime = fs->node[0].st.mtime;
		fs->node[f].st.atime = fs->node[0].st.atime;
		fs->node[f].st.ctime = fs->node[0].st.ctime;
		fs->node[f].st.flags = GM_FS_VIRTUAL;
		bytes = floppy[e[i].media] ? floppy[e[i].media] : (uint64_t)e[i].count * 512;
		if (e[i].rba < fs->end && bytes > 0) {
			uint64_t lba = e[i].rba;
			uint64_t room = (fs->end - lba) * FS_B;

			if (bytes > room)
				bytes = room;
			int r = fs_ext_add(fs, f, lba, bytes, 0);

			if (r != 0)
				return r;
			fs->node[f].st.size = bytes;
		}
	}
	return 0;
}

int fs_iso_read(struct gm_fs *fs, enum gm_fs_type want)
{
	struct iso w = { .fs = fs, .base = fs->session };
	uint8_t vd[FS_B], pvd[FS_B], svd[FS_B], evd[FS_B], root_dot[FS_B];
	bool have_pvd = false, have_svd = false, have_evd = false;
	uint64_t boot = 0;
	const uint8_t *tree;
	uint32_t root;
	int ret = 0;

	for (unsigned i = 0; i < MAX_VD; i++) {
		int64_t bad = fs_sectors(fs, w.base + 16 + i, 1, vd, true);

		if (bad < 0)
			return (int)bad;
		if (bad > 0 || memcmp(vd + 1, "CD001", 5) != 0 || vd[0] == 255)
			break;
		if (vd[0] == 1 && !have_pvd) {
			memcpy(pvd, vd, FS_B);
			have_pvd = true;
		} else if (vd[0] == 2 && vd[6] == 1 && vd[88] == 0x25 && vd[89] == 0x2f
			   && (vd[90] == 0x40 || vd[90] == 0x43 || vd[90] == 0x45)
			   && !have_svd) {
			memcpy(svd, vd, FS_B);
			have_svd = true;
		} else if (vd[0] == 2 && vd[6] == 2 && !have_evd) {
			memcpy(evd, vd, FS_B);
			have_evd = true;
		} else if (vd[0] == 0 && memcmp(vd + 7, "EL TORITO SPECIFICATION", 23) == 0) {
			boot = gm_le32(vd + 71);
		}
	}
	if (!have_pvd)
		return gm_error_set(fs->ctx, GM_ERR_FORMAT, "no ISO 9660 volume descriptor "
				    "at sector %llu", (unsigned long long)(w.base + 16));
	/* a later session's volume space size counts its own blocks (as
	   genisoimage and xorriso -C write it) while its extents are
	   absolute: the volume ends that far after the session's start */
	w.volume = gm_le32(pvd + 80) + w.base;
	/* Rock Ridge: the root's "." starts with SP (SUSP 5.3) */
	{
		uint64_t at = gm_le32(pvd + 156 + 2);
		int64_t bad = at < fs->end ? fs_sectors(fs, at, 1, root_dot, true) : 1;
		size_t su;

		if (bad < 0)
			return (int)bad;
		su = 33 + (size_t)root_dot[32] + (root_dot[32] % 2 == 0 ? 1 : 0);
		if (bad == 0 && root_dot[0] >= su + 7 && root_dot[su] == 'S'
		    && root_dot[su + 1] == 'P' && root_dot[su + 4] == 0xbe
		    && root_dot[su + 5] == 0xef) {
			w.rr = true;
			w.skip = root_dot[su + 6];
		}
	}
	if (want == GM_FS_AUTO)
		want = w.rr ? GM_FS_ROCKRIDGE : have_svd ? GM_FS_JOLIET : GM_FS_ISO9660;
	if (want == GM_FS_ROCKRIDGE && !w.rr)
		return gm_error_set(fs->ctx, GM_ERR_FORMAT, "no Rock Ridge in the ISO 9660 "
				    "tree");
	if (want == GM_FS_JOLIET && !have_svd)
		return gm_error_set(fs->ctx, GM_ERR_FORMAT, "no Joliet tree");
	if (want != GM_FS_ROCKRIDGE)
		w.rr = false;
	w.kind = want;
	fs->kind = want;
	tree = want == GM_FS_JOLIET ? svd : want == GM_FS_ISO9660 && have_evd ? evd : pvd;
	if (want == GM_FS_JOLIET)
		fs_utf16be(svd + 40, 32, fs->label);
	else
		fs_latin1(pvd + 40, 32, fs->label);
	for (size_t l = strlen(fs->label); l > 0 && fs->label[l - 1] == ' '; l--)
		fs->label[l - 1] = '\0';
	root = fs_node_add(fs, GM_FS_NONE, "", 0);
	if (root == GM_FS_NONE)
		return fs->err;
	set_stat(&w, root, tree + 156, NULL, true);
	fs->node[root].st.size = gm_le32(tree + 156 + 10);
	if (w.rr) {
		/* the root's attributes are its "." record's */
		struct rr r;

		memset(&r, 0, sizeof(r));
		r.name = w.name;
		ret = read_susp(&w, root, root_dot, &r);
		free(r.link);
		if (ret == 0)
			set_stat(&w, root, root_dot, &r, true);
	}
	if (ret == 0 && !fs->opts.volume_only)
		ret = enqueue(&w, root, gm_le32(tree + 156 + 2), gm_le32(tree + 156 + 10));
	while (ret == 0 && w.head < w.tail) {
		struct pending q = w.queue[w.head++];

		ret = read_dir(&w, &q);
	}
	if (ret == 0 && boot != 0 && !fs->opts.volume_only)
		ret = add_boot(&w, boot);
	gm_set64_release(&w.seen);
	free(w.queue);
	free(w.dir);
	return ret;
}
