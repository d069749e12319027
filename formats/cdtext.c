/*
 * cdtext.c - CD-TEXT packs (MMC-3 Annex J, as read by READ TOC format 5
 * and stored by image formats such as Nero's CDTX chunk): the text of the
 * first block, pack types 0x80-0x85 (title, performer, songwriter,
 * composer, arranger, message), decoded into the disc model.
 *
 * A pack is 18 bytes: type, track number (of the pack's first character),
 * sequence number, block and character position, 12 bytes of text and a
 * CRC.  The texts of one type are NUL-terminated strings laid end to end,
 * one per track starting with the pack's track number (0 is the disc);
 * a string of a single TAB repeats the previous track's.  Characters are
 * ISO 8859-1 and come out as UTF-8.  Double-byte blocks (Shift-JIS) and
 * later blocks (other languages) are skipped; so is a pack whose fields
 * are out of range.  CRCs are not checked: several writers leave them 0.
 * And the other way: a disc's text as the packs of block 0 with their
 * size information and CRCs (for CloneCD sheets and READ TOC format 5).
 */
#include "config.h"

#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image_private.h"
#include "banned.h"

#define PACK_SIZE 18
#define PACK_TEXT 12

/* A string being collected for one pack type. */
struct cdtext_field {
	char *buf;		/* UTF-8, NUL-terminated when len > 0 */
	size_t len, cap;
	unsigned track;		/* the track the string belongs to */
	bool started;		/* track is set */
	char *prev;		/* previous track's string (for TAB), borrowed */
};

static char **slot(struct gm_disc *disc, unsigned track, int field)
{
	if (track == 0)
		return &disc->cdtext[field];
	for (unsigned i = 0; i < disc->ntracks; i++)
		if (disc->tracks[i].number == track)
			return &disc->tracks[i].cdtext[field];
	return NULL;
}

static int append(struct cdtext_field *f, uint8_t c)
{
	/* ISO 8859-1 to UTF-8: at most two bytes, plus the NUL */
	if (f->len + 3 > f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		char *buf = realloc(f->buf, cap);

		if (buf == NULL)
			return -1;
		f->buf = buf;
		f->cap = cap;
	}
	if (c < 0x80) {
		f->buf[f->len++] = (char)c;
	} else {
		f->buf[f->len++] = (char)(0xc0 | (c >> 6));
		f->buf[f->len++] = (char)(0x80 | (c & 0x3f));
	}
	f->buf[f->len] = '\0';
	return 0;
}

/* The string of f->track is complete: store it, start the next track's. */
static int finish(struct gm_disc *disc, int type, struct cdtext_field *f)
{
	char **dst = slot(disc, f->track, type);
	const char *text = f->len ? f->buf : NULL;

	if (text != NULL && strcmp(text, "\t") == 0)
		text = f->prev;
	if (dst != NULL && text != NULL && *dst == NULL) {
		*dst = gm_strdup(text);
		if (*dst == NULL)
			return -1;
	}
	f->prev = dst != NULL ? *dst : NULL;
	f->len = 0;
	f->track++;
	return 0;
}

int gm_cdtext_from_packs(struct gm_ctx *ctx, struct gm_disc *disc,
			 const uint8_t *packs, size_t npacks)
{
	struct cdtext_field fields[GM_CDTEXT_COUNT];
	int ret = 0;

	memset(fields, 0, sizeof(fields));
	for (size_t i = 0; i < npacks && ret == 0; i++) {
		const uint8_t *p = packs + i * PACK_SIZE;
		struct cdtext_field *f;
		int type = p[0] - 0x80;

		if (type < 0 || type >= GM_CDTEXT_COUNT)
			continue;	/* another pack type */
		if ((p[3] & 0x70) != 0 || (p[3] & 0x80) != 0)
			continue;	/* a later block, or double-byte */
		if ((p[1] & 0x7f) > 99)
			continue;
		f = &fields[type];
		if (!f->started || f->len == 0) {
			/* a pack's track number is that of its first character */
			f->track = p[1] & 0x7f;
			f->started = true;
		}
		for (int k = 0; k < PACK_TEXT && ret == 0; k++) {
			if (p[4 + k] == '\0')
				ret = finish(disc, type, f);
			else if (f->track <= 99)
				ret = append(f, p[4 + k]);
		}
	}
	for (int k = 0; k < GM_CDTEXT_COUNT; k++)
		free(fields[k].buf);
	return ret == 0 ? 0 : gm_error_set(ctx, GM_ERR_NOMEM, NULL);
}

/* One string of CD-TEXT per track, disc first, as packs appended to
   packs[*n]; false when they do not fit the block's 256 packs. */
static bool cdtext_encode_field(const struct gm_disc *d, int field,
				uint8_t (*packs)[GM_CDTEXT_PACK], unsigned *n)
{
	uint8_t pack[GM_CDTEXT_PACK];
	unsigned fill = 0, owner_track = 0, owner_pos = 0;

	/*
	 * Readers give each string the number after the previous one's, so
	 * every number from 0 to the last track gets a string: an empty one
	 * for numbers below the first track (a disc whose tracks start at 2).
	 */
	for (unsigned track = 0, i = 0; track <= 99 && i < d->ntracks; track++) {
		const struct gm_track *t = &d->tracks[i];
		const char *s = track == 0 ? d->cdtext[field]
				: track == t->number ? t->cdtext[field] : NULL;
		size_t len = s ? strlen(s) + 1 : 1;

		/* a number out of order (never in a parsed disc) ends the text */
		if (track != 0 && track > t->number)
			break;
		if (track != 0 && track == t->number)
			i++;

		for (size_t pos = 0; pos < len; pos++) {
			if (fill == 0) {
				owner_track = track;
				owner_pos = pos < 15 ? (unsigned)pos : 15;
			}
			pack[4 + fill++] = s && pos + 1 < len ? (uint8_t)s[pos] : 0;
			if (fill == 12) {
				if (*n >= 256 - 3)
					return false;
				pack[0] = (uint8_t)(0x80 + field);
				pack[1] = (uint8_t)owner_track;
				pack[2] = (uint8_t)*n;
				pack[3] = (uint8_t)owner_pos;
				memcpy(packs[(*n)++], pack, GM_CDTEXT_PACK);
				fill = 0;
			}
		}
	}
	if (fill > 0) {
		if (*n >= 256 - 3)
			return false;
		memset(pack + 4 + fill, 0, 12 - fill);
		pack[0] = (uint8_t)(0x80 + field);
		pack[1] = (uint8_t)owner_track;
		pack[2] = (uint8_t)*n;
		pack[3] = (uint8_t)owner_pos;
		memcpy(packs[(*n)++], pack, GM_CDTEXT_PACK);
	}
	return true;
}

/*
 * The CD-TEXT of d as packs of block 0 (ISO 8859-1, English) ending with
 * the three size information packs; *n is 0 when d has none.  Returns
 * false when the text does not fit one block.
 */
bool gm_cdtext_to_packs(const struct gm_disc *d, uint8_t (*packs)[GM_CDTEXT_PACK],
			unsigned *n)
{
	uint8_t info[36] = {0};
	unsigned count[16] = {0};

	*n = 0;
	for (int field = 0; field < GM_CDTEXT_COUNT; field++) {
		bool present = d->cdtext[field] != NULL;
		unsigned before = *n;

		for (unsigned i = 0; i < d->ntracks; i++)
			present |= d->tracks[i].cdtext[field] != NULL;
		if (!present)
			continue;
		if (!cdtext_encode_field(d, field, packs, n))
			return false;
		count[field] = *n - before;
	}
	if (*n == 0)
		return true;
	count[0x8f - 0x80] = 3;
	info[0] = 0x00;		/* ISO 8859-1 */
	info[1] = d->tracks[0].number;
	info[2] = d->tracks[d->ntracks - 1].number;
	for (int i = 0; i < 16; i++)
		info[4 + i] = (uint8_t)count[i];
	info[20] = (uint8_t)(*n + 2);	/* last sequence number of block 0 */
	info[28] = 0x09;	/* English */
	for (unsigned i = 0; i < 3; i++) {
		uint8_t *p = packs[*n];

		p[0] = 0x8f;
		p[1] = (uint8_t)i;
		p[2] = (uint8_t)*n;
		p[3] = 0;
		memcpy(p + 4, info + 12 * i, 12);
		(*n)++;
	}
	/* each pack's CRC: CRC-16/0x1021 of its 16 bytes, inverted */
	for (unsigned k = 0; k < *n; k++) {
		uint16_t crc = (uint16_t)~gm_crc16(packs[k], 16);

		packs[k][16] = (uint8_t)(crc >> 8);
		packs[k][17] = (uint8_t)crc;
	}
	return true;
}

/* ---------------------------------------------------------------------
 * Every block: languages, character sets, CRCs (gm_cdtext_decode)
 */

/* text of len bytes in a block's character set, as UTF-8 (malloc'd). */
static char *to_utf8(const uint8_t *text, size_t len, uint8_t charset)
{
	char *out;
	size_t o = 0;

	if (charset == GM_CDTEXT_MSJIS) {
		iconv_t cd = iconv_open("UTF-8", "CP932");
		char *in = (char *)(uintptr_t)text, *put;
		size_t left = len, room = len * 3 + 1;

		if (cd == (iconv_t)-1)
			return NULL;
		out = malloc(room);
		put = out;
		while (out != NULL && left > 0
		       && iconv(cd, &in, &left, &put, &room) == (size_t)-1) {
			if (room < 4)
				break;
			/* a byte CP932 does not know: U+FFFD, and on */
			*put++ = (char)0xef, *put++ = (char)0xbf, *put++ = (char)0xbd;
			room -= 3;
			in++;
			left--;
		}
		iconv_close(cd);
		if (out != NULL)
			*put = '\0';
		return out;
	}
	out = malloc(len * 2 + 1);
	for (size_t i = 0; out != NULL && i < len; i++) {
		uint8_t c = text[i];

		if (c < 0x80) {
			out[o++] = (char)c;
		} else if (charset == GM_CDTEXT_ASCII) {
			out[o++] = '?';	/* not ASCII */
		} else {	/* ISO 8859-1 */
			out[o++] = (char)(0xc0 | (c >> 6));
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	if (out != NULL)
		out[o] = '\0';
	return out;
}

static int add_string(struct gm_cdtext_block *b, int type, unsigned track, const uint8_t *s,
		      size_t len, bool dbcs)
{
	char *text;

	if (track > 99)
		return 0;
	/* a TAB (two in double-byte text) repeats the previous track's */
	if ((!dbcs && len == 1 && s[0] == '\t') || (dbcs && len == 2 && s[0] == '\t' && s[1] == '\t')) {
		if (track == 0 || b->text[type][track - 1] == NULL)
			return 0;
		text = gm_strdup(b->text[type][track - 1]);
	} else {
		text = to_utf8(s, len, b->charset);
	}
	if (text == NULL)
		return -1;
	free(b->text[type][track]);
	b->text[type][track] = text;
	return 0;
}

int gm_cdtext_decode(struct gm_ctx *ctx, const uint8_t *packs, size_t npacks,
		     struct gm_cdtext_all *all)
{
	/* the raw text of each block and type, with its first track */
	struct raw { uint8_t *buf; size_t len, cap; int track; bool dbcs; } raw[8][GM_CDTEXT_COUNT];
	uint8_t size_info[8][36];
	unsigned have_size[8];
	int ret = 0;

	memset(all, 0, sizeof(*all));
	memset(raw, 0, sizeof(raw));
	memset(have_size, 0, sizeof(have_size));
	for (size_t i = 0; i < npacks; i++) {
		const uint8_t *p = packs + i * PACK_SIZE;
		unsigned block = (p[3] >> 4) & 7, crc = (unsigned)(p[16] << 8 | p[17]);
		struct raw *r;

		all->packs++;
		if (crc != 0 && (gm_crc16(p, 16) ^ 0xffff) != crc) {
			all->bad_crc++;	/* (a CRC of 0: the writer gave none) */
			continue;
		}
		if (p[0] == 0x8f) {	/* size information, 3 packs of 12 bytes */
			if (p[1] <= 2) {
				memcpy(size_info[block] + p[1] * 12, p + 4, 12);
				have_size[block] |= 1u << p[1];
			}
			continue;
		}
		if (p[0] < 0x80 || p[0] - 0x80 >= GM_CDTEXT_COUNT || (p[1] & 0x7f) > 99)
			continue;
		r = &raw[block][p[0] - 0x80];
		if (r->cap == 0)
			r->track = p[1] & 0x7f;
		r->dbcs = (p[3] & 0x80) != 0;
		if (r->len + PACK_TEXT > r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 256;
			uint8_t *b = cap <= 65536 ? realloc(r->buf, cap) : NULL;

			if (b == NULL) {
				ret = -1;
				break;
			}
			r->buf = b;
			r->cap = cap;
		}
		memcpy(r->buf + r->len, p + 4, PACK_TEXT);
		r->len += PACK_TEXT;
	}
	for (unsigned b = 0; ret == 0 && b < 8; b++) {
		struct gm_cdtext_block *blk = &all->blocks[b];

		for (int t = 0; t < GM_CDTEXT_COUNT; t++)
			blk->present |= raw[b][t].len > 0;
		if (!blk->present)
			continue;
		blk->size_info = have_size[b] == 7;
		blk->charset = blk->size_info ? size_info[b][0] : 0;
		for (int t = 0; t < GM_CDTEXT_COUNT; t++)
			if (raw[b][t].dbcs)
				blk->charset = GM_CDTEXT_MSJIS;
		/* the language codes of every block are in each block's
		   size information; any block's will do */
		for (unsigned k = 0; k < 8; k++)
			if (have_size[k] == 7) {
				blk->language = size_info[k][28 + b];
				break;
			}
		for (int t = 0; ret == 0 && t < GM_CDTEXT_COUNT; t++) {
			struct raw *r = &raw[b][t];
			size_t start = 0, unit = r->dbcs ? 2 : 1;
			unsigned track = (unsigned)r->track;

			for (size_t k = 0; ret == 0 && k + unit <= r->len; k += unit) {
				if (r->buf[k] != 0 || (unit == 2 && r->buf[k + 1] != 0))
					continue;
				if (k > start)
					ret = add_string(blk, t, track, r->buf + start, k - start,
							 r->dbcs);
				track++;
				start = k + unit;
			}
		}
	}
	for (unsigned b = 0; b < 8; b++)
		for (int t = 0; t < GM_CDTEXT_COUNT; t++)
			free(raw[b][t].buf);
	if (ret != 0) {
		gm_cdtext_all_release(all);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	return 0;
}

void gm_cdtext_all_release(struct gm_cdtext_all *all)
{
	for (unsigned b = 0; b < 8; b++)
		for (int t = 0; t < GM_CDTEXT_COUNT; t++)
			for (unsigned k = 0; k < 100; k++) {
				free(all->blocks[b].text[t][k]);
				all->blocks[b].text[t][k] = NULL;
			}
}
