/*
 * udf.c - UDF images (ECMA-167 3rd edition, OSTA UDF 1.02, 2.01, 2.50 and
 * 2.60) written from a scanned tree (tree.c): one type 1 partition and,
 * from 2.50 on, a metadata partition; no ISO 9660 bridge.
 *
 * The layout is computed first, then the image is written front to back
 * in one pass: the Volume Recognition Sequence at sector 16 (BEA01, NSR02
 * for 1.02 or NSR03, TEA01), the main Volume Descriptor Sequence at 32
 * and its reserve at 48 (PVD, IUVD, PD, LVD, USD, TD), the closed Logical
 * Volume Integrity Descriptor at 64, the first Anchor at 256; then the
 * partition from 257.  Its metadata comes first: the File Set Descriptor
 * and a Terminating Descriptor, a File Entry a block for every directory,
 * file and symlink (hard links share one; Extended File Entries from
 * 2.00 on), the directories and the symlinks too big to live in their
 * File Entry, the Allocation Extent Descriptors of files with more
 * extents than a File Entry holds; then the files' data, each file
 * contiguous; the second Anchor ends the image (N, the last sector).
 * From 2.50 on the metadata is the content of the metadata file (UDF
 * 2.2.13): the partition starts with the metadata file's and the mirror
 * file's File Entries, the metadata follows at block 32 and then its copy
 * (the mirror), both in whole 32-block units; the files' File Entries
 * point to their data in the physical partition with long_ads.  Device nodes carry
 * their numbers in a Device Specification extended attribute.  A file's data is read
 * through its node's src and held to the scan's size as iso.c holds it.
 * With SOURCE_DATE_EPOCH (opts->date) nothing depends on the clock.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "image_private.h"
#include "master.h"
#include "master_private.h"
#include "udf_desc.h"
#include "banned.h"

#define BLOCK 2048u
#define AED_SIZE 24u		/* an Allocation Extent Descriptor's header */
#define META_UNIT 32u		/* metadata allocation and alignment unit */
#define META_AT 32u		/* the metadata's first block (2.50 on) */
#define EXTENT_MAX (0x40000000u - BLOCK)	/* 2^30 - block (UDF 2.3.10) */
#define VRS 16u			/* sectors of the image */
#define MAIN_VDS 32u
#define RESERVE_VDS 48u
#define VDS_LEN 16u
#define LVID_AT 64u
#define AVDP_AT 256u
#define PART_START 257u
#define CHUNK (1024u * 1024u)
#define NONE UINT32_MAX
#define MAX_NOTES 50

/* File types (ECMA-167 4/14.6.6). */
enum {
	FT_DIR = 4, FT_FILE = 5, FT_BLOCK = 6, FT_CHAR = 7, FT_FIFO = 9,
	FT_SOCKET = 10, FT_SYMLINK = 12
};

/* Where a File Entry (4/14.9) or an Extended File Entry (4/14.17) keeps
   its fields; 0 for a field it has not. */
struct fe_layout {
	uint16_t tag;
	size_t info, object, blocks, atime, mtime, crtime, attrtime, checkpoint,
	       impl, unique, l_ea, l_ad, size;
};

static const struct fe_layout FE = {
	GM_UDF_TAG_FE, 56, 0, 64, 72, 84, 0, 96, 108, 128, 160, 168, 172, 176
};
static const struct fe_layout EFE = {
	GM_UDF_TAG_EFE, 56, 64, 72, 80, 92, 104, 116, 128, 168, 200, 208, 212, 216
};

/* File types of the metadata partition's files (UDF 2.2.13). */
enum { FT_META = 250, FT_MIRROR = 251 };

/* A device's extended attributes: the header (4/14.10.1) and a Device
   Specification (4/14.10.7) without implementation use. */
#define DEVICE_EA 48u

/* Everything with a File Entry. */
struct ent {
	const struct gm_node *node;
	uint8_t type;
	uint32_t links;		/* File Identifiers naming it */
	uint64_t length;	/* information length */
	bool embedded;		/* the data is inside the File Entry */
	uint32_t block, blocks;	/* the data's extent, partition blocks */
	uint32_t nextents;	/* files: short_ads of data */
	uint32_t aed, naed;	/* files: Allocation Extent Descriptors */
	bool longad;		/* the data is in the other partition */
	uint32_t parent;	/* directories: the parent's entry */
	uint32_t *kids;		/* directories: entry of each child, or NONE */
	uint8_t *path;		/* symlinks: path components (4/14.16) */
};

struct build {
	struct gm_ctx *ctx;
	const struct gm_udf_opts *opts;
	struct gm_udf_report *report;
	struct gm_outset *set;	/* of the output */
	const char *out;
	FILE *f;
	struct ent *ents;
	size_t nents, cap;
	uint32_t *groups;	/* link group -> entry */
	uint32_t extent_max;
	uint16_t tagver;	/* descriptor version: 2 for NSR02, 3 */
	bool meta;		/* a metadata partition (2.50 on) */
	bool bridge;		/* the files' data is the ISO 9660 side's */
	const struct fe_layout *fe;
	uint16_t icb_part;	/* partition reference of the metadata */
	uint32_t meta_blocks;	/* blocks of metadata (FSD to AEDs) */
	uint32_t meta_len;	/* ... rounded up to META_UNIT (2.50 on) */
	uint32_t mirror_at;	/* the mirror's first block (2.50 on) */
	uint32_t part_len;	/* blocks of the partition */
	uint32_t sectors;	/* of the image */
	uint64_t written;	/* bytes so far */
	uint64_t opened, nfiles;
	int64_t now;		/* recording time */
	char vsid[17];		/* the unique start of the volume set id */
	uint8_t *buf;		/* CHUNK bytes for file data */
};

static void note(struct build *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct build *b, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	gm_notes_add(&b->report->notes, &b->report->nnotes, MAX_NOTES, "%s", text);
}

/* The unique ID of entry i (UDF 3.2.1.1: 0 for the root, 1-15 reserved). */
static uint64_t unique_id(uint32_t i)
{
	return i == 0 ? 0 : 15 + (uint64_t)i;
}

static uint32_t fid_size(size_t name_len)
{
	return (uint32_t)((38 + name_len + 3) & ~(size_t)3);
}

/* ---------------------------------------------------------------------
 * The layout
 */

static int new_ent(struct build *b, const struct gm_node *node, uint8_t type,
		   uint32_t *idx)
{
	if (b->nents == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct ent *grown = realloc(b->ents, cap * sizeof(*grown));

		if (grown == NULL)
			return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
		b->ents = grown;
		b->cap = cap;
	}
	if (b->nents >= 0x7fffffff)
		return gm_error_set(b->ctx, GM_ERR_UNSUPPORTED, "too many files for "
				    "one UDF image");
	memset(&b->ents[b->nents], 0, sizeof(b->ents[0]));
	b->ents[b->nents].node = node;
	b->ents[b->nents].type = type;
	b->ents[b->nents].links = 1;
	b->ents[b->nents].parent = NONE;
	*idx = (uint32_t)b->nents++;
	return 0;
}

/* The path components of a symlink's target (ECMA-167 4/14.16.1): type 2
   (the root of the file set, UDF 2.3.12.1) for a leading '/', then 4 for
   ".", 3 for ".." and 5 for a name (CS0). */
static int symlink_path(struct build *b, struct ent *e)
{
	const char *t = e->node->target != NULL ? e->node->target : "";
	size_t len = strlen(t), n = 0;
	uint8_t *out = malloc(4 * (len + 2) + 2 * len + 8);
	bool lossy = false;

	if (out == NULL)
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	if (t[0] == '/') {
		memset(out, 0, 4);
		out[0] = 2;
		n = 4;
	}
	for (const char *p = t; *p != '\0';) {
		const char *end = strchr(p, '/');
		size_t clen = end != NULL ? (size_t)(end - p) : strlen(p);

		if (clen == 0) {
			p++;
			continue;
		}
		memset(out + n, 0, 4);
		if (clen == 1 && p[0] == '.') {
			out[n] = 4;
		} else if (clen == 2 && p[0] == '.' && p[1] == '.') {
			out[n] = 3;
		} else {
			bool cut = false;
			size_t c = gm_udf_cs0(out + n + 4, 255, p, clen, &lossy, &cut);

			if (cut) {
				free(out);
				return gm_error_set(b->ctx, GM_ERR_UNSUPPORTED, "symlink "
						    "'%s': a component of its target is "
						    "too long for UDF", e->node->src);
			}
			out[n] = 5;
			out[n + 1] = (uint8_t)c;
			n += c;
		}
		n += 4;
		p += clen;
	}
	if (lossy)
		note(b, "symlink '%s': its target is not UTF-8; other bytes are taken "
		     "as Latin-1", e->node->src);
	e->path = out;
	e->length = n;
	return 0;
}

static int add_dir(struct build *b, const struct gm_node *dir, uint32_t parent,
		   uint32_t *out);

static int add_node(struct build *b, const struct gm_node *g, uint32_t *out)
{
	uint8_t type;
	int ret;

	*out = NONE;
	switch (g->kind) {
	case GM_NODE_FILE:
		type = FT_FILE;
		break;
	case GM_NODE_SYMLINK:
		if (!b->opts->keep_symlinks) {
			/* 7-Zip's UDF reader takes only directories and files
			   (UdfIn.cpp) and refuses the whole image otherwise */
			char *path = gm_node_path(g);

			note(b, "symlink '%s' left out of UDF (7-Zip cannot open a "
			     "UDF image holding one; --udf-symlinks keep writes it)",
			     path ? path : g->name);
			free(path);
			return 0;
		}
		type = FT_SYMLINK;
		break;
	default:
		if ((g->mode & S_IFMT) == S_IFIFO) {
			type = FT_FIFO;
		} else if ((g->mode & S_IFMT) == S_IFSOCK) {
			type = FT_SOCKET;
		} else if ((g->mode & S_IFMT) == S_IFBLK) {
			type = FT_BLOCK;
		} else if ((g->mode & S_IFMT) == S_IFCHR) {
			type = FT_CHAR;
		} else {
			note(b, "'%s' is of an unknown type: left out",
			     g->src ? g->src : g->name);
			return 0;
		}
		break;
	}
	if (g->link_group != 0 && b->groups != NULL && b->groups[g->link_group] != NONE) {
		*out = b->groups[g->link_group];
		b->ents[*out].links++;
		return 0;
	}
	ret = new_ent(b, g, type, out);
	if (ret != 0)
		return ret;
	if (g->link_group != 0 && b->groups != NULL)
		b->groups[g->link_group] = *out;
	if (type == FT_FILE)
		b->ents[*out].length = g->size;
	else if (type == FT_SYMLINK)
		return symlink_path(b, &b->ents[*out]);
	return 0;
}

static int add_dir(struct build *b, const struct gm_node *dir, uint32_t parent,
		   uint32_t *out)
{
	uint32_t self, *kids;
	uint64_t length = fid_size(0);
	int ret;

	ret = new_ent(b, dir, FT_DIR, &self);
	if (ret != 0)
		return ret;
	*out = self;
	b->ents[self].parent = parent == NONE ? self : parent;
	kids = calloc(dir->nchildren ? dir->nchildren : 1, sizeof(*kids));
	if (kids == NULL)
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	b->ents[self].kids = kids;
	for (size_t i = 0; i < dir->nchildren; i++) {
		const struct gm_node *g = dir->children[i];
		uint8_t name[256];
		bool lossy = false, cut = false;
		size_t n;

		kids[i] = NONE;
		/* a bridge's UDF tree is its Rock Ridge tree */
		if (b->bridge && (g->hide & GM_HIDE_ISO))
			continue;
		n = gm_udf_cs0(name, 255, g->name, strlen(g->name), &lossy, &cut);

		if (cut || n == 0) {
			char *path = gm_node_path(g);

			ret = gm_error_set(b->ctx, GM_ERR_UNSUPPORTED, "'%s': the name is "
					   "too long for UDF (at most 254 Latin-1 or 127 "
					   "other characters)", path ? path : g->name);
			free(path);
			return ret;
		}
		if (lossy) {
			char *path = gm_node_path(g);

			note(b, "'%s' is not UTF-8; its other bytes are taken as Latin-1",
			     path ? path : g->name);
			free(path);
		}
		if (g->kind == GM_NODE_DIR) {
			ret = add_dir(b, g, self, &kids[i]);
			b->ents[self].links++;
		} else {
			ret = add_node(b, g, &kids[i]);
		}
		if (ret != 0)
			return ret;
		if (kids[i] != NONE)
			length += fid_size(n);
	}
	b->ents[self].length = length;
	return 0;
}

static uint32_t blocks_of(uint64_t bytes)
{
	return (uint32_t)((bytes + BLOCK - 1) / BLOCK);
}

/* Files in the order of their data: higher sort weight first. */
static int by_weight(const void *x, const void *y, void *arg)
{
	const struct ent *ents = arg;
	uint32_t a = *(const uint32_t *)x, c = *(const uint32_t *)y;
	int32_t wa = ents[a].node->sort_weight, wc = ents[c].node->sort_weight;

	if (wa != wc)
		return wa > wc ? -1 : 1;
	return a < c ? -1 : a > c;
}

/* Data blocks in extents, extents in allocation descriptors: a File
   Entry holds fe_ads of them, each Allocation Extent Descriptor aed_ads,
   the last slot of each pointing to the next descriptor. */
static void extents_of(struct build *b, struct ent *e, uint64_t *next)
{
	uint32_t ad = e->longad ? 16 : 8;
	uint32_t fe_ads = (BLOCK - (uint32_t)b->fe->size) / ad;
	uint32_t aed_ads = (BLOCK - AED_SIZE) / ad;

	e->nextents = (uint32_t)((e->length + b->extent_max - 1) / b->extent_max);
	if (e->nextents > fe_ads) {
		uint64_t rem = e->nextents - (fe_ads - 1);

		e->naed = 1;
		while (rem > aed_ads) {
			rem -= aed_ads - 1;
			e->naed++;
		}
		e->aed = (uint32_t)*next;
		*next += e->naed;
	}
}

static uint32_t round_unit(uint64_t blocks)
{
	return (uint32_t)((blocks + META_UNIT - 1) / META_UNIT * META_UNIT);
}

static void count_entries(struct build *b)
{
	for (size_t i = 0; i < b->nents; i++)
		if (b->ents[i].type == FT_DIR)
			b->report->dirs++;
		else
			b->report->files++;
}

static int lay_out(struct build *b)
{
	uint64_t next = 2 + (uint64_t)b->nents;	/* FSD, TD, the File Entries */
	uint32_t embed_max = BLOCK - (uint32_t)b->fe->size;
	uint32_t *order;
	size_t nfiles = 0;

	for (size_t i = 0; i < b->nents; i++) {
		struct ent *e = &b->ents[i];

		if (e->type == FT_FILE)
			b->nfiles++;
		/* small directories keep their FIDs in their File Entry (4/14.6.8
		   type 3), but for DVD-Video; a bridge's files are the ISO 9660
		   side's data */
		if (e->type == FT_SYMLINK || (e->type == FT_FILE && !b->bridge)
		    || (e->type == FT_DIR && !b->opts->no_embed_dirs))
			e->embedded = e->length <= embed_max;
		/* from 2.50 on a file's or symlink's data is in the physical
		   partition, only metadata in the metadata one (UDF 2.2.13) */
		e->longad = b->meta && (e->type == FT_FILE || e->type == FT_SYMLINK);
		if (e->embedded || (e->type != FT_DIR && e->type != FT_SYMLINK)
		    || (b->meta && e->type == FT_SYMLINK))
			continue;
		/* directories and symlinks beyond their File Entry */
		e->block = (uint32_t)next;
		e->blocks = blocks_of(e->length);
		next += e->blocks;
	}
	for (size_t i = 0; i < b->nents; i++) {
		struct ent *e = &b->ents[i];

		if (e->embedded || e->length == 0)
			continue;
		if (e->type == FT_FILE)
			nfiles++;
		extents_of(b, e, &next);
	}
	if (next > UINT32_MAX)
		return gm_error_set(b->ctx, GM_ERR_UNSUPPORTED, "the tree needs %llu "
				    "blocks of metadata: more than a UDF partition "
				    "holds", (unsigned long long)next);
	b->meta_blocks = (uint32_t)next;
	if (b->meta) {
		/* the metadata and mirror files' entries, the metadata */
		b->meta_len = round_unit(next);
		b->mirror_at = META_AT + b->meta_len;
		next = META_AT + 2 * (uint64_t)b->meta_len;
		for (size_t i = 0; i < b->nents; i++) {
			struct ent *e = &b->ents[i];

			if (e->type != FT_SYMLINK || e->embedded)
				continue;
			e->block = (uint32_t)next;
			e->blocks = blocks_of(e->length);
			next += e->blocks;
		}
	}
	if (b->bridge) {
		/* the ISO 9660 session follows, at a 32-block boundary */
		b->part_len = round_unit(PART_START + next) - PART_START;
		count_entries(b);
		return 0;
	}
	order = malloc((nfiles ? nfiles : 1) * sizeof(*order));
	if (order == NULL)
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	nfiles = 0;
	for (size_t i = 0; i < b->nents; i++)
		if (b->ents[i].type == FT_FILE && !b->ents[i].embedded)
			order[nfiles++] = (uint32_t)i;
	qsort_r(order, nfiles, sizeof(*order), by_weight, b->ents);
	for (size_t k = 0; k < nfiles; k++) {
		struct ent *e = &b->ents[order[k]];

		e->block = (uint32_t)(next < UINT32_MAX ? next : 0);
		e->blocks = blocks_of(e->length);
		next += e->blocks;
	}
	free(order);
	if (next + PART_START + 257 > UINT32_MAX)
		return gm_error_set(b->ctx, GM_ERR_UNSUPPORTED, "the tree needs %llu "
				    "blocks: more than a UDF volume of 2048-byte "
				    "blocks holds", (unsigned long long)next);
	b->part_len = (uint32_t)next;
	b->sectors = PART_START + b->part_len + 1;
	b->report->size = (uint64_t)b->sectors * BLOCK;
	count_entries(b);
	return 0;
}

/* ---------------------------------------------------------------------
 * Writing
 */

static int put(struct build *b, const void *data, size_t len)
{
	int ret;

	if (b->opts->stop != NULL && *b->opts->stop)
		return gm_error_set(b->ctx, GM_ERR_INTERRUPTED, "interrupted; no image "
				    "was left");
	ret = gm_outset_write(b->ctx, b->set, b->f, data, len);
	if (ret != 0)
		return ret;
	b->written += len;
	if (b->opts->progress != NULL) {
		struct gm_master_progress p;

		p.bytes = b->written;
		p.total_bytes = b->report->size;
		p.files = b->opened;
		p.total_files = b->nfiles;
		b->opts->progress(b->opts->arg, &p);
	}
	return 0;
}

static int put_zero(struct build *b, uint32_t sectors)
{
	static const uint8_t zero[BLOCK];

	for (uint32_t i = 0; i < sectors; i++) {
		int ret = put(b, zero, BLOCK);

		if (ret != 0)
			return ret;
	}
	return 0;
}

/* The implementation identifier (UDF 2.1.5.2): OS class UNIX, Linux. */
static void imp_regid(uint8_t *p)
{
	static const uint8_t suffix[8] = { 4, 5 };

	gm_udf_regid(p, "*glassmaster", suffix);
}

/* A UDF identifier suffix (2.1.5.3): the revision, OS class and id. */
static void udf_regid(struct build *b, uint8_t *p, const char *ident)
{
	uint8_t suffix[8] = { 0 };

	gm_udf_put16(suffix, b->opts->revision);
	suffix[2] = 4;
	suffix[3] = 5;
	gm_udf_regid(p, ident, suffix);
}

/* The domain identifier (2.1.5.3): the revision, no write protection. */
static void domain_regid(struct build *b, uint8_t *p)
{
	uint8_t suffix[8] = { 0 };

	gm_udf_put16(suffix, b->opts->revision);
	gm_udf_regid(p, "*OSTA UDF Compliant", suffix);
}

static void extent_ad(uint8_t *p, uint32_t len, uint32_t loc)
{
	gm_udf_put32(p, len);
	gm_udf_put32(p + 4, loc);
}

/* A long_ad (4/14.14.2) of a File Entry block, with the UDF unique ID in
   its implementation use (UDF 2.3.4.3). */
static void long_ad(uint8_t *p, uint32_t block, uint16_t part, uint64_t unique)
{
	memset(p, 0, 16);
	gm_udf_put32(p, BLOCK);
	gm_udf_put32(p + 4, block);
	gm_udf_put16(p + 8, part);
	gm_udf_put32(p + 12, (uint32_t)unique);
}

static const char *volume_id(struct build *b)
{
	return b->opts->volume_id != NULL ? b->opts->volume_id : "CDROM";
}

/* The k-th descriptor of a Volume Descriptor Sequence at sector base. */
static size_t vds_desc(struct build *b, uint8_t *d, unsigned k, uint32_t base)
{
	size_t len = 512;
	uint16_t id;

	memset(d, 0, BLOCK);
	switch (k) {
	case 0: {	/* Primary Volume Descriptor (3/10.1) */
		char vsid[129];

		id = GM_UDF_TAG_PVD;
		gm_udf_put32(d + 16, 0);
		gm_udf_put32(d + 20, 0);
		if (gm_udf_dstring(d + 24, 32, volume_id(b)))
			note(b, "the volume id '%s' is cut to fit UDF's 32-byte field",
			     volume_id(b));
		gm_udf_put16(d + 56, 1);
		gm_udf_put16(d + 58, 1);
		gm_udf_put16(d + 60, 2);
		gm_udf_put16(d + 62, 3);
		gm_udf_put32(d + 64, 1);
		gm_udf_put32(d + 68, 1);
		snprintf(vsid, sizeof(vsid), "%s%s", b->vsid, volume_id(b));
		gm_udf_dstring(d + 72, 128, vsid);
		gm_udf_charspec(d + 200);
		gm_udf_charspec(d + 264);
		imp_regid(d + 344);
		gm_udf_timestamp(d + 376, b->now);
		imp_regid(d + 388);
		break;
	}
	case 1:		/* Implementation Use: LV Information (UDF 2.2.7) */
		id = GM_UDF_TAG_IUVD;
		gm_udf_put32(d + 16, 1);
		udf_regid(b, d + 20, "*UDF LV Info");
		gm_udf_charspec(d + 52);
		gm_udf_dstring(d + 116, 128, volume_id(b));
		imp_regid(d + 352);
		break;
	case 2: {	/* Partition Descriptor (3/10.5) */
		static const uint8_t none[8];

		id = GM_UDF_TAG_PD;
		gm_udf_put32(d + 16, 2);
		gm_udf_put16(d + 20, 1);	/* allocated */
		gm_udf_put16(d + 22, 0);
		gm_udf_regid(d + 24, b->tagver == 2 ? "+NSR02" : "+NSR03", none);
		gm_udf_put32(d + 184, 1);	/* read only */
		gm_udf_put32(d + 188, PART_START);
		gm_udf_put32(d + 192, b->part_len);
		imp_regid(d + 196);
		break;
	}
	case 3:		/* Logical Volume Descriptor (3/10.6) */
		id = GM_UDF_TAG_LVD;
		len = b->meta ? 440 + 6 + 64 : 440 + 6;
		gm_udf_put32(d + 16, 3);
		gm_udf_charspec(d + 20);
		gm_udf_dstring(d + 84, 128, volume_id(b));
		gm_udf_put32(d + 212, BLOCK);
		domain_regid(b, d + 216);
		long_ad(d + 248, 0, b->icb_part, 0);	/* the File Set Descriptor */
		gm_udf_put32(d + 264, (uint32_t)len - 440);
		gm_udf_put32(d + 268, b->meta ? 2 : 1);
		imp_regid(d + 272);
		extent_ad(d + 432, 2 * BLOCK, LVID_AT);
		d[440] = 1;		/* type 1 partition map (3/10.7.2) */
		d[441] = 6;
		gm_udf_put16(d + 442, 1);
		gm_udf_put16(d + 444, 0);
		if (b->meta) {
			uint8_t *m = d + 446;	/* UDF 2.2.10 */

			m[0] = 2;
			m[1] = 64;
			udf_regid(b, m + 4, "*UDF Metadata Partition");
			gm_udf_put16(m + 36, 1);
			gm_udf_put16(m + 38, 0);	/* within partition 0 */
			gm_udf_put32(m + 40, 0);	/* the metadata file's entry */
			gm_udf_put32(m + 44, 1);	/* the mirror's */
			gm_udf_put32(m + 48, UINT32_MAX);	/* no bitmap */
			gm_udf_put32(m + 52, META_UNIT);
			gm_udf_put16(m + 56, META_UNIT);
			m[58] = 1;	/* duplicated: the mirror has its own copy */
		}
		break;
	case 4:		/* Unallocated Space Descriptor (3/10.8): none */
		id = GM_UDF_TAG_USD;
		len = 24;
		gm_udf_put32(d + 16, 4);
		break;
	default:
		id = GM_UDF_TAG_TD;
		break;
	}
	gm_udf_tag(d, len, id, b->tagver, 1, base + k);
	return len;
}

static int put_vds(struct build *b, uint8_t *d, uint32_t base)
{
	for (unsigned k = 0; k < 6; k++) {
		int ret;

		vds_desc(b, d, k, base);
		ret = put(b, d, BLOCK);
		if (ret != 0)
			return ret;
	}
	return put_zero(b, VDS_LEN - 6);
}

static void avdp(struct build *b, uint8_t *d, uint32_t at)
{
	memset(d, 0, BLOCK);
	extent_ad(d + 16, VDS_LEN * BLOCK, MAIN_VDS);
	extent_ad(d + 24, VDS_LEN * BLOCK, RESERVE_VDS);
	gm_udf_tag(d, 512, GM_UDF_TAG_AVDP, b->tagver, 1, at);
}

/* The closed Logical Volume Integrity Descriptor (3/10.10, UDF 2.2.6). */
static void lvid(struct build *b, uint8_t *d)
{
	uint64_t next = b->nents + 15 > 16 ? b->nents + 15 : 16;
	uint32_t maps = b->meta ? 2 : 1;
	uint8_t *iu = d + 80 + 8 * maps;

	memset(d, 0, BLOCK);
	gm_udf_timestamp(d + 16, b->now);
	gm_udf_put32(d + 28, 1);	/* close */
	gm_udf_put64(d + 40, next);	/* Logical Volume Header: next unique id */
	gm_udf_put32(d + 72, maps);
	gm_udf_put32(d + 76, 46);
	/* free space: none (80...), then the sizes */
	gm_udf_put32(d + 80 + 4 * maps, b->part_len);
	if (b->meta)
		gm_udf_put32(d + 84 + 4 * maps, b->meta_len);
	imp_regid(iu);
	gm_udf_put32(iu + 32, (uint32_t)b->report->files);
	gm_udf_put32(iu + 36, (uint32_t)b->report->dirs);
	/* a 2.50 reader reads a 2.60 volume without pseudo-overwrite: the
	   minimum read revision stays 2.50 (as the Linux kernel expects) */
	gm_udf_put16(iu + 40, b->opts->revision == 0x0260 ? 0x0250
		     : b->opts->revision);
	gm_udf_put16(iu + 42, b->opts->revision);
	gm_udf_put16(iu + 44, b->opts->revision);
	gm_udf_tag(d, (size_t)(iu + 46 - d), GM_UDF_TAG_LVID, b->tagver, 1, LVID_AT);
}

/* Sectors 0 to 31: the system area, the ISO 9660 volume descriptors
   when there are (head: the 32 sectors libisofs made for them) and the
   Volume Recognition Sequence after them (ECMA-167 2/8.3). */
static int put_head(struct build *b, const uint8_t *head)
{
	const char *const vrs[3] = {
		"BEA01", b->tagver == 2 ? "NSR02" : "NSR03", "TEA01"
	};
	uint8_t *area = calloc(MAIN_VDS, BLOCK);
	uint32_t at = VRS;
	int ret;

	if (area == NULL)
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	if (head != NULL) {
		memcpy(area, head, (size_t)MAIN_VDS * BLOCK);
		/* after the ISO 9660 set terminator (type 255) */
		while (at < MAIN_VDS - 3 && memcmp(area + at * BLOCK + 1, "CD001", 5) == 0)
			at++;
		if (at == VRS || area[(at - 1) * BLOCK] != 255) {
			free(area);
			return gm_error_set(b->ctx, GM_ERR_FORMAT, "the ISO 9660 volume "
					    "descriptors leave no room for UDF's "
					    "recognition sequence");
		}
	}
	for (int i = 0; i < 3; i++) {
		uint8_t *d = area + (at + (uint32_t)i) * BLOCK;

		memset(d, 0, BLOCK);
		memcpy(d + 1, vrs[i], 5);
		d[6] = 1;
	}
	ret = put(b, area, (size_t)MAIN_VDS * BLOCK);
	free(area);
	return ret;
}

static int put_volume(struct build *b, uint8_t *d, const uint8_t *head)
{
	int ret = put_head(b, head);

	if (ret == 0)
		ret = put_vds(b, d, MAIN_VDS);
	if (ret == 0)
		ret = put_vds(b, d, RESERVE_VDS);
	if (ret == 0) {
		lvid(b, d);
		ret = put(b, d, BLOCK);
	}
	if (ret == 0) {
		memset(d, 0, BLOCK);
		gm_udf_tag(d, 512, GM_UDF_TAG_TD, b->tagver, 1, LVID_AT + 1);
		ret = put(b, d, BLOCK);
	}
	if (ret == 0)
		ret = put_zero(b, AVDP_AT - LVID_AT - 2);
	if (ret == 0) {
		avdp(b, d, AVDP_AT);
		ret = put(b, d, BLOCK);
	}
	return ret;
}

/* The File Set Descriptor (4/14.1, UDF 2.3.2) and its Terminating
   Descriptor, partition blocks 0 and 1. */
static int put_fileset(struct build *b, uint8_t *d)
{
	int ret;

	memset(d, 0, BLOCK);
	gm_udf_timestamp(d + 16, b->now);
	gm_udf_put16(d + 28, 3);
	gm_udf_put16(d + 30, 3);
	gm_udf_put32(d + 32, 1);
	gm_udf_put32(d + 36, 1);
	gm_udf_charspec(d + 48);
	gm_udf_dstring(d + 112, 128, volume_id(b));
	gm_udf_charspec(d + 240);
	gm_udf_dstring(d + 304, 32, volume_id(b));
	long_ad(d + 400, 2, b->icb_part, unique_id(0));	/* the root's File Entry */
	domain_regid(b, d + 416);
	gm_udf_tag(d, 512, GM_UDF_TAG_FSD, b->tagver, 1, 0);
	ret = put(b, d, BLOCK);
	if (ret != 0)
		return ret;
	memset(d, 0, BLOCK);
	gm_udf_tag(d, 512, GM_UDF_TAG_TD, b->tagver, 1, 1);
	return put(b, d, BLOCK);
}

/* The File Identifier Descriptors of directory e (4/14.4) into out, the
   first at partition block at (which advances a block every BLOCK bytes
   unless embedded). */
static void dir_fids(struct build *b, const struct ent *e, uint8_t *out,
		     uint32_t at, bool embedded)
{
	const struct gm_node *dir = e->node;
	size_t off = 0;

	for (size_t i = 0; i <= dir->nchildren; i++) {
		uint32_t k = i == 0 ? e->parent : e->kids[i - 1];
		uint8_t *p = out + off;
		size_t n = 0, size;
		uint8_t chars;

		if (k == NONE)
			continue;
		if (i == 0) {
			chars = 0x0a;	/* directory, parent */
		} else {
			const char *name = dir->children[i - 1]->name;

			n = gm_udf_cs0(p + 38, 255, name, strlen(name), NULL, NULL);
			chars = b->ents[k].type == FT_DIR ? 0x02 : 0;
		}
		size = fid_size(n);
		memset(p, 0, 38);
		memset(p + 38 + n, 0, size - 38 - n);
		gm_udf_put16(p + 16, 1);
		p[18] = chars;
		p[19] = (uint8_t)n;
		long_ad(p + 20, 2 + k, b->icb_part, unique_id(k));
		gm_udf_put16(p + 36, 0);
		gm_udf_tag(p, size, GM_UDF_TAG_FID, b->tagver, 1,
			   embedded ? at : at + (uint32_t)(off / BLOCK));
		off += size;
	}
}

/* ECMA-167 4/14.9.5 permissions from a POSIX mode: the rwx of each class
   in the same bits, owner << 10, group << 5. */
static uint32_t permissions(uint32_t mode)
{
	return (mode & 7) | ((mode >> 3) & 7) << 5 | ((mode >> 6) & 7) << 10;
}

/* Read the whole of a source file held to the scan's size (source.c)
   into out, len bytes at a time through put_chunk, or, with put_chunk
   NULL, into out at once. */
static int read_held(struct build *b, const struct gm_node *g, uint8_t *out,
		     size_t len, int (*put_chunk)(struct build *, size_t))
{
	char msg[GM_ERROR_MAX];
	struct gm_held h;
	int ret = 0;

	b->opened++;
	if (gm_held_open(&h, g, 0, msg, sizeof(msg)) != 0)
		return gm_error_set(b->ctx, GM_ERR_IO, "%s", msg);
	while (ret == 0 && h.done < g->size) {
		size_t n = g->size - h.done < len ? (size_t)(g->size - h.done) : len;

		if (gm_held_read(&h, out, n, msg, sizeof(msg)) != 0)
			ret = gm_error_set(b->ctx, GM_ERR_IO, "%s", msg);
		else if (put_chunk != NULL)
			ret = put_chunk(b, n);
		else
			break;
	}
	/* an empty file: is it still? */
	if (ret == 0 && g->size == 0 && gm_held_read(&h, out, 0, msg, sizeof(msg)) != 0)
		ret = gm_error_set(b->ctx, GM_ERR_IO, "%s", msg);
	gm_held_close(&h);
	return ret;
}

/* The allocation descriptors of an entry's data from extent first on,
   into p, at most slots of them: short_ads (4/14.14.1) or, for data in
   the physical partition described from the metadata partition, long_ads
   (4/14.14.2).  When there are more, the last slot points to the
   Allocation Extent Descriptor at block next.  Returns the ADs' bytes. */
static size_t extent_ads(struct build *b, const struct ent *e, uint8_t *p,
			 uint32_t first, uint32_t slots, uint32_t next)
{
	size_t ad = e->longad ? 16 : 8;
	uint32_t n = e->nextents - first, k;

	if (n > slots)
		n = slots - 1;
	memset(p, 0, ad * (n + 1));
	for (k = 0; k < n; k++) {
		uint64_t at = (uint64_t)(first + k) * b->extent_max;
		uint64_t len = e->length - at < b->extent_max ? e->length - at
			       : b->extent_max;

		gm_udf_put32(p + ad * k, (uint32_t)len);
		gm_udf_put32(p + ad * k + 4, e->block + (uint32_t)(at / BLOCK));
		/* long_ads: partition 0, the physical one */
	}
	if (first + n < e->nextents) {
		gm_udf_put32(p + ad * k, 3u << 30 | BLOCK);	/* next extent of ADs */
		gm_udf_put32(p + ad * k + 4, next);
		if (e->longad)
			gm_udf_put16(p + ad * k + 8, b->icb_part);
		k++;
	}
	return ad * (size_t)k;
}

/* The fields of a File Entry or Extended File Entry up to its extended
   attributes (4/14.9, 4/14.17) that do not depend on its node: strategy
   4, the file type, the allocation descriptor flags, sizes and the
   unique ID. */
static void fe_head(struct build *b, uint8_t *d, uint8_t type, uint32_t flags,
		    uint64_t length, uint64_t blocks, uint64_t unique)
{
	const struct fe_layout *L = b->fe;

	memset(d, 0, BLOCK);
	gm_udf_put16(d + 20, 4);	/* ICB tag (4/14.6): strategy 4 */
	gm_udf_put16(d + 24, 1);	/* one entry */
	d[27] = type;
	gm_udf_put16(d + 34, flags);
	gm_udf_put64(d + L->info, length);
	if (L->object != 0)
		gm_udf_put64(d + L->object, length);	/* no streams */
	gm_udf_put64(d + L->blocks, blocks);
	gm_udf_put32(d + L->checkpoint, 1);
	imp_regid(d + L->impl);
	gm_udf_put64(d + L->unique, unique);
}

/* The File Entry of entry i at block 2 + i of the metadata. */
static int file_entry(struct build *b, uint32_t i, uint8_t *d)
{
	const struct fe_layout *L = b->fe;
	const struct ent *e = &b->ents[i];
	const struct gm_node *g = e->node;
	uint32_t flags, ad_len = 0, ea_len = 0;
	uint8_t *tail = d + L->size;
	int ret = 0;

	/* data in the ICB, short_ads or long_ads */
	flags = e->embedded ? 3 : e->longad ? 1 : 0;
	if (g->mode & S_ISUID)
		flags |= 1u << 6;
	if (g->mode & S_ISGID)
		flags |= 1u << 7;
	if (g->mode & S_ISVTX)
		flags |= 1u << 8;
	if (!e->embedded && e->nextents == 1)
		flags |= 1u << 9;		/* contiguous */
	fe_head(b, d, e->type, flags, e->length, e->embedded ? 0 : e->blocks,
		unique_id(i));
	gm_udf_put32(d + 36, g->uid);
	gm_udf_put32(d + 40, g->gid);
	gm_udf_put32(d + 44, permissions(g->mode));
	gm_udf_put16(d + 48, e->links > 0xffff ? 0xffff : e->links);
	gm_udf_timestamp(d + L->atime, g->atime);
	gm_udf_timestamp(d + L->mtime, g->mtime);
	if (L->crtime != 0)	/* no birth time is scanned: the oldest known */
		gm_udf_timestamp(d + L->crtime, g->mtime < g->ctime ? g->mtime
				 : g->ctime);
	gm_udf_timestamp(d + L->attrtime, g->ctime);
	if (e->type == FT_BLOCK || e->type == FT_CHAR) {
		uint8_t *ea = tail;

		/* the attributes of ECMA-167 start after the header; there are
		   no implementation or application attributes (their
		   locations point past the end) */
		ea_len = DEVICE_EA;
		gm_udf_put32(ea + 16, DEVICE_EA);
		gm_udf_put32(ea + 20, DEVICE_EA);
		gm_udf_tag(ea, 24, GM_UDF_TAG_EAHD, b->tagver, 1, 2 + i);
		gm_udf_put32(ea + 24, 12);	/* Device Specification */
		ea[28] = 1;
		gm_udf_put32(ea + 32, 24);
		gm_udf_put32(ea + 36, 0);
		gm_udf_put32(ea + 40, major((dev_t)g->rdev));
		gm_udf_put32(ea + 44, minor((dev_t)g->rdev));
		gm_udf_put32(d + L->l_ea, ea_len);
		tail += ea_len;
	}
	if (e->embedded) {
		ad_len = (uint32_t)e->length;
		if (e->type == FT_DIR) {
			dir_fids(b, e, tail, 2 + i, true);
		} else if (e->type == FT_SYMLINK) {
			memcpy(tail, e->path, e->length);
		} else if (e->type == FT_FILE) {
			ret = read_held(b, g, tail, (size_t)e->length, NULL);
		}
	} else if (e->blocks > 0) {
		uint32_t slots = (uint32_t)((BLOCK - L->size) / (e->longad ? 16 : 8));

		ad_len = (uint32_t)extent_ads(b, e, tail, 0, slots, e->aed);
	}
	gm_udf_put32(d + L->l_ad, ad_len);
	gm_udf_tag(d, L->size + ea_len + ad_len, L->tag, b->tagver, 1, 2 + i);
	return ret;
}

/* The Allocation Extent Descriptors (4/14.5, UDF 2.3.11) of an entry. */
static int put_aeds(struct build *b, const struct ent *e, uint8_t *d)
{
	uint32_t ad = e->longad ? 16 : 8;
	uint32_t slots = (BLOCK - AED_SIZE) / ad;
	uint32_t first = (uint32_t)((BLOCK - b->fe->size) / ad) - 1;

	for (uint32_t j = 0; j < e->naed; j++) {
		size_t len;
		int ret;

		memset(d, 0, BLOCK);
		len = extent_ads(b, e, d + AED_SIZE, first, slots, e->aed + j + 1);
		first += slots - 1;
		gm_udf_put32(d + 20, (uint32_t)len);
		gm_udf_tag(d, AED_SIZE + len, GM_UDF_TAG_AED, b->tagver, 1, e->aed + j);
		ret = put(b, d, BLOCK);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/* The File Entry of the metadata file or its mirror (UDF 2.2.13), at
   block 0 or 1 of the physical partition: the metadata as short_ads
   from block at, in extents of whole allocation units. */
static void meta_entry(struct build *b, uint8_t *d, uint8_t type, uint32_t at)
{
	const uint32_t unit_max = EXTENT_MAX / (META_UNIT * BLOCK) * META_UNIT;
	uint32_t n = 0;
	uint8_t *p = d + b->fe->size;

	fe_head(b, d, type, 0, (uint64_t)b->meta_len * BLOCK, b->meta_len, 0);
	gm_udf_put32(d + 36, UINT32_MAX);	/* no owner (UDF 3.3.3.1) */
	gm_udf_put32(d + 40, UINT32_MAX);
	gm_udf_put16(d + 48, 1);
	gm_udf_timestamp(d + b->fe->atime, b->now);
	gm_udf_timestamp(d + b->fe->mtime, b->now);
	if (b->fe->crtime != 0)
		gm_udf_timestamp(d + b->fe->crtime, b->now);
	gm_udf_timestamp(d + b->fe->attrtime, b->now);
	for (uint32_t done = 0; done < b->meta_len; n++) {
		uint32_t len = b->meta_len - done < unit_max ? b->meta_len - done
			       : unit_max;

		gm_udf_put32(p + 8 * n, len * BLOCK);
		gm_udf_put32(p + 8 * n + 4, at + done);
		done += len;
	}
	gm_udf_put32(d + b->fe->l_ad, 8 * n);
	gm_udf_tag(d, b->fe->size + 8 * n, b->fe->tag, b->tagver, 1,
		   type == FT_META ? 0 : 1);
}

/* A chunk of a file's data, n bytes in b->buf, padded to whole blocks. */
static int put_chunk(struct build *b, size_t n)
{
	size_t pad = (BLOCK - n % BLOCK) % BLOCK;

	memset(b->buf + n, 0, pad);
	return put(b, b->buf, n + pad);
}

static int put_data(struct build *b, const struct ent *e)
{
	return read_held(b, e->node, b->buf, CHUNK, put_chunk);
}

/* Copy the metadata just written (from block META_AT of the partition)
   after itself: the mirror.  It comes before the files' data, not after
   it: 7-Zip takes the end of the last file's data for the end of the
   volume and wants nothing but anchors and zeros after it. */
static int put_mirror(struct build *b)
{
	int fd = fileno(b->f);
	uint64_t from = (uint64_t)(PART_START + META_AT) * BLOCK;
	uint64_t len = (uint64_t)b->meta_len * BLOCK;

	if (fflush(b->f) != 0)
		return gm_error_set_errno(b->ctx, GM_ERR_IO, errno, "cannot write '%s'",
					  b->out);
	for (uint64_t done = 0; done < len;) {
		size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
		ssize_t r = pread(fd, b->buf, n, (off_t)(from + done));
		int ret;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return gm_error_set_errno(b->ctx, GM_ERR_IO, r < 0 ? errno : EIO,
						  "cannot read back the metadata written "
						  "to '%s'", b->out);
		ret = put(b, b->buf, (size_t)r);
		if (ret != 0)
			return ret;
		done += (uint64_t)r;
	}
	return 0;
}

/* A directory's FIDs or a symlink's path beyond its File Entry. */
static int put_beyond(struct build *b, const struct ent *e)
{
	uint8_t *out;
	int ret;

	if (e->embedded || (e->type != FT_DIR && e->type != FT_SYMLINK))
		return 0;
	out = calloc(e->blocks, BLOCK);
	if (out == NULL)
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	if (e->type == FT_DIR)
		dir_fids(b, e, out, e->block, false);
	else
		memcpy(out, e->path, e->length);
	ret = put(b, out, (size_t)e->blocks * BLOCK);
	free(out);
	return ret;
}

static int put_partition(struct build *b, uint8_t *d)
{
	uint32_t *order;
	size_t n = 0;
	int ret = 0;

	if (b->meta) {
		meta_entry(b, d, FT_META, META_AT);
		ret = put(b, d, BLOCK);
		if (ret == 0) {
			meta_entry(b, d, FT_MIRROR, b->mirror_at);
			ret = put(b, d, BLOCK);
		}
		if (ret == 0)
			ret = put_zero(b, META_AT - 2);
	}
	if (ret == 0)
		ret = put_fileset(b, d);
	for (uint32_t i = 0; ret == 0 && i < b->nents; i++) {
		ret = file_entry(b, i, d);
		if (ret == 0)
			ret = put(b, d, BLOCK);
	}
	/* directories and symlinks beyond their File Entry, in block order
	   (from 2.50 on the symlinks after the mirror) */
	for (uint32_t i = 0; ret == 0 && i < b->nents; i++)
		if (!b->ents[i].longad)
			ret = put_beyond(b, &b->ents[i]);
	for (uint32_t i = 0; ret == 0 && i < b->nents; i++)
		if (b->ents[i].naed > 0)
			ret = put_aeds(b, &b->ents[i], d);
	if (ret == 0 && b->meta)
		ret = put_zero(b, b->meta_len - b->meta_blocks);
	if (ret == 0 && b->meta)
		ret = put_mirror(b);
	for (uint32_t i = 0; ret == 0 && b->meta && i < b->nents; i++)
		if (b->ents[i].longad)
			ret = put_beyond(b, &b->ents[i]);
	if (ret != 0 || b->bridge)
		return ret;
	/* the files' data, in the order lay_out() gave them blocks */
	order = malloc((b->nents ? b->nents : 1) * sizeof(*order));
	if (order == NULL)
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	for (uint32_t i = 0; i < b->nents; i++)
		if (b->ents[i].type == FT_FILE && !b->ents[i].embedded)
			order[n++] = i;
	qsort_r(order, n, sizeof(*order), by_weight, b->ents);
	for (size_t k = 0; ret == 0 && k < n; k++)
		ret = put_data(b, &b->ents[order[k]]);
	free(order);
	return ret;
}

/* After the write: every file still as the scan found it? */
static int recheck(struct build *b)
{
	for (size_t i = 0; i < b->nents; i++) {
		const struct gm_node *g = b->ents[i].node;
		struct stat st;

		if (b->ents[i].type != FT_FILE)
			continue;
		if (stat(g->src, &st) != 0)
			return gm_error_set_errno(b->ctx, GM_ERR_IO, errno, "'%s' went "
						  "away while the image was made", g->src);
		if ((uint64_t)st.st_size != g->size
		    || (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec
		       != g->mtime_ns)
			return gm_error_set(b->ctx, GM_ERR_IO, "'%s' changed while the "
					    "image was made (its size or mtime differs "
					    "from the scan's)", g->src);
	}
	return 0;
}

/* 16 hex digits unique to this volume (UDF 2.2.2.5): the recording time
   and, so that two trees with one SOURCE_DATE_EPOCH differ, a hash of the
   volume id and the tree's counts. */
static void volume_set_id(struct build *b, const struct gm_tree *tree)
{
	uint32_t h = 2166136261u;
	uint64_t salt[3] = { tree->files, tree->dirs, tree->bytes };
	struct timespec ts;

	for (const char *p = volume_id(b); *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 8; k++)
			h = (h ^ (uint8_t)(salt[i] >> (8 * k))) * 16777619u;
	if (b->opts->date < 0 && clock_gettime(CLOCK_REALTIME, &ts) == 0)
		h ^= (uint32_t)ts.tv_nsec ^ (uint32_t)getpid() << 16;
	snprintf(b->vsid, sizeof(b->vsid), "%08X%08X", (uint32_t)b->now, h);
}

void gm_udf_opts_init(struct gm_udf_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->volume_id = "CDROM";
	opts->revision = 0x0201;
	opts->date = -1;
}

void gm_udf_report_release(struct gm_udf_report *report)
{
	gm_notes_free(&report->notes, &report->nnotes);
}

/* Check the options, take the tree in and lay it out. */
static int begin(struct build *b, struct gm_ctx *ctx, const struct gm_tree *tree,
		 const struct gm_udf_opts *opts, const char *out,
		 struct gm_udf_report *report)
{
	uint32_t root;
	int ret = 0;

	memset(report, 0, sizeof(*report));
	b->ctx = ctx;
	b->out = out;
	b->opts = opts;
	b->report = report;
	if (opts->revision != 0x0102 && opts->revision != 0x0201
	    && opts->revision != 0x0250 && opts->revision != 0x0260)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "UDF revision %x.%02x is "
				    "not supported: 1.02, 2.01, 2.50 and 2.60 are",
				    opts->revision >> 8, opts->revision & 0xff);
	b->tagver = opts->revision < 0x0200 ? 2 : 3;
	b->fe = opts->revision < 0x0200 ? &FE : &EFE;
	b->meta = opts->revision >= 0x0250;
	b->icb_part = b->meta ? 1 : 0;
	b->extent_max = opts->extent_max != 0 ? opts->extent_max : EXTENT_MAX;
	if (b->extent_max % BLOCK != 0 || b->extent_max > EXTENT_MAX)
		return gm_error_set(ctx, GM_ERR_INVALID, "UDF extents of %u bytes: a "
				    "multiple of 2048 up to %u", b->extent_max, EXTENT_MAX);
	b->now = opts->date >= 0 ? opts->date : (int64_t)time(NULL);
	volume_set_id(b, tree);
	b->groups = malloc(((size_t)tree->link_groups + 1) * sizeof(*b->groups));
	b->buf = malloc(CHUNK);
	if (b->groups == NULL || b->buf == NULL)
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	for (size_t i = 0; ret == 0 && i <= tree->link_groups; i++)
		b->groups[i] = NONE;
	if (ret == 0)
		ret = add_dir(b, tree->root, NONE, &root);
	if (ret == 0)
		ret = lay_out(b);
	return ret;
}

static void release(struct build *b)
{
	for (size_t i = 0; i < b->nents; i++) {
		free(b->ents[i].kids);
		free(b->ents[i].path);
	}
	free(b->ents);
	free(b->groups);
	free(b->buf);
}

/* The last anchor, at the last sector N (with the one at 256, the two
   ECMA-167 3/8.4.2.1 asks for; genisoimage and mkudffs do the same, and
   N - 256 would cost 255 sectors of nothing). */
static int put_tail(struct build *b, uint8_t *d)
{
	avdp(b, d, b->sectors - 1);
	return put(b, d, BLOCK);
}

int gm_udf_write(struct gm_ctx *ctx, const struct gm_tree *tree,
		 const struct gm_udf_opts *opts, const char *out,
		 struct gm_udf_report *report)
{
	struct build b;
	struct gm_outset set;
	uint8_t d[BLOCK];
	bool opened = false;
	int ret;

	memset(&b, 0, sizeof(b));
	b.set = &set;
	ret = begin(&b, ctx, tree, opts, out, report);
	gm_outset_init(&set, opts->force);
	set.sync = opts->sync;
	if (ret == 0) {
		ret = gm_outset_open(ctx, &set, out, &b.f);
		opened = ret == 0;
	}
	if (ret == 0)
		ret = put_volume(&b, d, NULL);
	if (ret == 0)
		ret = put_partition(&b, d);
	if (ret == 0)
		ret = put_tail(&b, d);
	if (ret == 0 && b.written != report->size)
		ret = gm_error_set(ctx, GM_ERR_IO, "the UDF writer wrote %llu bytes, "
				   "not the %llu it laid out",
				   (unsigned long long)b.written,
				   (unsigned long long)report->size);
	if (ret == 0)
		ret = recheck(&b);
	if (ret == 0)
		ret = gm_outset_commit(ctx, &set);
	else if (opened)
		gm_outset_abort(&set);
	release(&b);
	return ret;
}

/* ---------------------------------------------------------------------
 * The UDF side of an ISO 9660 + UDF bridge (iso.c writes the rest)
 */

struct gm_udf_bridge {
	struct build b;
};

int gm_udf_bridge_new(struct gm_ctx *ctx, const struct gm_tree *tree,
		      const struct gm_udf_opts *opts, const char *out,
		      struct gm_udf_report *report, struct gm_udf_bridge **bridge)
{
	struct gm_udf_bridge *br = calloc(1, sizeof(*br));
	int ret;

	*bridge = NULL;
	if (br == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	br->b.bridge = true;
	ret = begin(&br->b, ctx, tree, opts, out, report);
	if (ret != 0) {
		release(&br->b);
		free(br);
		return ret;
	}
	*bridge = br;
	return 0;
}

uint32_t gm_udf_bridge_start(const struct gm_udf_bridge *br)
{
	return PART_START + br->b.part_len;
}

int gm_udf_bridge_finish(struct gm_udf_bridge *br, struct gm_outset *set, FILE *f,
			 const uint8_t *head, uint32_t iso_end,
			 int (*locate)(void *arg, const struct gm_node *node,
				       uint32_t *lba),
			 void *arg)
{
	struct build *b = &br->b;
	uint32_t start = gm_udf_bridge_start(br);
	uint8_t d[BLOCK];
	int ret = 0;

	/* every file's data where libisofs put it: one extent, contiguous */
	for (size_t i = 0; ret == 0 && i < b->nents; i++) {
		struct ent *e = &b->ents[i];
		uint32_t lba;

		if (e->type != FT_FILE || e->length == 0)
			continue;
		ret = locate(arg, e->node, &lba);
		if (ret == 0 && (lba < start || lba + (uint64_t)blocks_of(e->length) > iso_end))
			ret = gm_error_set(b->ctx, GM_ERR_FORMAT, "'%s': its data at "
					   "sector %u is outside the ISO 9660 "
					   "session (%u to %u)", e->node->src, lba,
					   start, iso_end);
		e->block = lba - PART_START;
		e->blocks = blocks_of(e->length);
	}
	if (ret != 0)
		return ret;
	b->set = set;
	b->f = f;
	b->part_len = iso_end - PART_START;
	b->sectors = iso_end + 1;
	b->report->size = (uint64_t)b->sectors * BLOCK;
	if (fseeko(f, 0, SEEK_SET) != 0)
		return gm_error_set_errno(b->ctx, GM_ERR_IO, errno, "cannot write '%s'",
					  b->out);
	ret = put_volume(b, d, head);
	if (ret == 0)
		ret = put_partition(b, d);
	if (ret == 0 && b->written > (uint64_t)start * BLOCK)
		ret = gm_error_set(b->ctx, GM_ERR_IO, "the UDF structures run into the "
				   "ISO 9660 session at sector %u", start);
	if (ret == 0 && fseeko(f, (off_t)iso_end * BLOCK, SEEK_SET) != 0)
		ret = gm_error_set_errno(b->ctx, GM_ERR_IO, errno, "cannot write '%s'",
					 b->out);
	if (ret == 0)
		ret = put_tail(b, d);
	return ret;
}

void gm_udf_bridge_free(struct gm_udf_bridge *br)
{
	if (br == NULL)
		return;
	release(&br->b);
	free(br);
}
