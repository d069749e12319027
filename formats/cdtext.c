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
 */
#include "config.h"

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
