/*
 * capture.c - a CD capture (glassmaster-rip(1): NAME.capture, NAME.raw,
 * NAME.sub, NAME.toc, NAME.cdtext) read as an image: the layout comes
 * from the Q subchannel of every sector (qlayout.c, bad frames repaired
 * in memory), sessions and the cross-check from the raw full TOC, CD-TEXT
 * from the raw packs; audio (and every sector of a capture read as CD-DA)
 * is taken from NAME.raw shifted by the combined offset, the read offset
 * the capture recorded plus a write offset, so that every writer, hash
 * and verify sees the disc as pressed.  Samples the capture did not get
 * are zero in NAME.raw, and so in every output.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capdesc.h"
#include "image_private.h"
#include "banned.h"

#define RAW 2352

static int capture_bid(const char *path, const uint8_t *head, size_t len)
{
	static const char magic[] = "# glassmaster CD capture";

	if (len >= sizeof(magic) - 1 && memcmp(head, magic, sizeof(magic) - 1) == 0)
		return 100;
	return gm_path_has_ext(path, ".capture") ? 30 : 0;
}

/* The whole of a file beside the description, or NULL (*len 0) when it
   does not exist; at most max bytes. */
static uint8_t *slurp(struct gm_ctx *ctx, const char *path, size_t max, size_t *len, int *ret)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;

	*len = 0;
	*ret = 0;
	if (f == NULL)
		return NULL;
	buf = malloc(max + 1);
	if (buf == NULL) {
		fclose(f);
		*ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		return NULL;
	}
	*len = fread(buf, 1, max + 1, f);
	if (ferror(f) || *len > max) {
		*ret = ferror(f) ? gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot read '%s'", path)
		       : gm_error_set(ctx, GM_ERR_FORMAT, "'%s' is longer than %zu bytes",
				      path, max);
		free(buf);
		buf = NULL;
		*len = 0;
	}
	fclose(f);
	return buf;
}

/* Sessions and CONTROL from the raw full TOC (READ TOC format 2 with its
   header), checked against the layout from Q. */
static void full_toc(struct gm_disc *d, const uint8_t *toc, size_t len)
{
	unsigned sessions = 1;

	if (toc == NULL || len < 4 || (size_t)(toc[0] << 8 | toc[1]) + 2 != len
	    || (len - 4) % 11 != 0) {
		if (toc != NULL)
			gm_disc_note(d, "the full TOC is malformed: one session assumed");
		for (unsigned i = 0; i < d->ntracks; i++)
			d->tracks[i].session = 1;
		return;
	}
	int32_t leadout[100] = { 0 };

	for (size_t off = 4; off + 11 <= len; off += 11) {
		const uint8_t *e = toc + off;
		struct gm_msf a2 = { e[8], e[9], e[10] };

		if ((e[1] >> 4) == 1 && e[3] == 0xa2 && e[0] < 100)
			leadout[e[0]] = gm_msf_to_lba(a2);
	}
	for (size_t off = 4; off + 11 <= len; off += 11) {
		const uint8_t *e = toc + off;
		unsigned point = e[3];

		if ((e[1] >> 4) != 1 || point < 1 || point > 99)
			continue;
		if (e[0] > sessions)
			sessions = e[0];
		for (unsigned i = 0; i < d->ntracks; i++) {
			struct gm_track *t = &d->tracks[i];
			struct gm_msf m = { e[8], e[9], e[10] };

			if (t->number != point)
				continue;
			t->session = e[0] ? e[0] : 1;
			if ((t->control & 0x0f) != (e[1] & 0x0f))
				gm_disc_note(d, "track %u: CONTROL %X in Q, %X in the TOC", point,
					     t->control & 0x0f, e[1] & 0x0f);
			if (gm_msf_to_lba(m) != t->index[1])
				gm_disc_note(d, "track %u: index 1 at LBA %ld in Q, %ld in the TOC",
					     point, (long)t->index[1], (long)gm_msf_to_lba(m));
		}
	}
	for (unsigned i = 0; i < d->ntracks; i++) {
		struct gm_track *t = &d->tracks[i];

		if (t->session == 0)
			t->session = i > 0 ? d->tracks[i - 1].session : 1;
		/* a session's last track ends at its lead-out (A2), whatever Q
		   says of the sectors between sessions */
		if ((i + 1 == d->ntracks || d->tracks[i + 1].session != t->session)
		    && leadout[t->session] > t->index[1] && leadout[t->session] < t->end)
			t->end = leadout[t->session];
	}
	(void)sessions;
}

int gm_capture_open(struct gm_ctx *ctx, const char *path, int32_t write_offset,
		    unsigned flags, struct gm_disc *d)
{
	struct gm_capture_desc c;
	size_t plen = strlen(path), stem_len, sub_len = 0, toc_len = 0, text_len = 0;
	char *stem = NULL, *name = NULL;
	uint8_t *sub = NULL, *toc = NULL, *text = NULL;
	struct gm_qmap qm;
	int ret, raw, subf;
	int32_t shift;

	memset(&qm, 0, sizeof(qm));
	ret = gm_capture_desc_load(ctx, &c, path);
	if (ret != 0)
		goto out;
	stem_len = plen > 8 && strcmp(path + plen - 8, ".capture") == 0 ? plen - 8 : plen;
	stem = malloc(stem_len + 16);
	name = malloc(plen + 16);
	if (stem == NULL || name == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	memcpy(stem, path, stem_len);
	stem[stem_len] = '\0';
	/* the files, as a sheet names them: beside the description */
	snprintf(name, plen + 16, "%s.raw", gm_path_base(stem));
	if ((raw = gm_disc_add_file(ctx, d, path, name, GM_FILE_BINARY)) < 0) {
		ret = raw;
		goto out;
	}
	if (d->files[raw].size < (uint64_t)c.sectors * RAW) {
		ret = gm_error_set(ctx, GM_ERR_FORMAT, "'%s' holds %llu bytes, not the %lu "
				   "sectors '%s' describes", d->files[raw].path,
				   (unsigned long long)d->files[raw].size,
				   (unsigned long)c.sectors, path);
		goto out;
	}
	if (!c.sub) {
		ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' is a capture without "
				   "subchannel: its layout cannot be read from Q", path);
		goto out;
	}
	snprintf(name, plen + 16, "%s.sub", gm_path_base(stem));
	if ((subf = gm_disc_add_file(ctx, d, path, name, GM_FILE_BINARY)) < 0) {
		ret = subf;
		goto out;
	}
	snprintf(stem + stem_len, 16, ".sub");
	sub = slurp(ctx, stem, (size_t)c.sectors * GM_SUB_SIZE, &sub_len, &ret);
	if (ret != 0)
		goto out;
	if (sub_len != (size_t)c.sectors * GM_SUB_SIZE) {
		ret = gm_error_set(ctx, GM_ERR_FORMAT, "'%s' holds %zu bytes, not %lu "
				   "sectors of subchannel", stem, sub_len,
				   (unsigned long)c.sectors);
		goto out;
	}
	snprintf(stem + stem_len, 16, ".toc");
	toc = slurp(ctx, stem, 65536, &toc_len, &ret);
	if (ret != 0)
		goto out;
	snprintf(stem + stem_len, 16, ".cdtext");
	text = slurp(ctx, stem, 65536, &text_len, &ret);
	if (ret != 0)
		goto out;
	stem[stem_len] = '\0';

	if ((ret = gm_qmap_build(ctx, sub, c.first_lba, c.sectors, &qm)) != 0
	    || (ret = gm_qmap_layout(ctx, &qm, sub, d)) != 0) {
		if (ret == -GM_ERR_FORMAT)
			gm_error_set(ctx, GM_ERR_FORMAT, "capture '%s': %s", path, gm_error(ctx));
		goto out;
	}
	d->format = "capture";
	d->media = GM_MEDIA_CD;
	full_toc(d, toc, toc_len);
	shift = c.read_offset + write_offset;
	if (qm.repaired || qm.unknown)
		gm_disc_note(d, "layout from the Q subchannel: %u frames repaired from "
			     "their neighbours, %u without a position", qm.repaired,
			     qm.unknown);
	if (shift != 0 || strstr(c.offset_why, "not corrected") != NULL)
		gm_disc_note(d, "audio shifted by %+ld samples: the read offset %+ld (%s) "
			     "and the write offset %+ld", (long)shift, (long)c.read_offset,
			     c.offset_why, (long)write_offset);
	for (unsigned i = 0; i < d->ntracks; i++) {
		struct gm_track *t = &d->tracks[i];
		bool shifted = c.cdda || !(t->control & GM_CTL_DATA);
		int64_t at;

		if (t->index[0] < 0)	/* track 1's pregap before LBA 0 */
			t->index[0] = t->index[1] < 0 ? t->index[1] : 0;
		if (i + 1 < d->ntracks && d->tracks[i + 1].session == t->session)
			t->end = d->tracks[i + 1].index[0] > 0 ? d->tracks[i + 1].index[0] : t->end;
		if (t->control & GM_CTL_DATA) {
			const uint8_t *none = NULL;
			uint8_t s[16];
			int fd = open(d->files[raw].path, O_RDONLY | O_CLOEXEC);

			t->mode = GM_TRACK_MODE1;
			if (fd >= 0 && pread(fd, s, sizeof(s), (off_t)((uint64_t)(t->index[1]
					     - c.first_lba) * RAW)) == (ssize_t)sizeof(s)
			    && gm_sync_check(s) && s[15] == 2)
				t->mode = GM_TRACK_MODE2;
			if (fd >= 0)
				close(fd);
			(void)none;
		} else {
			t->mode = GM_TRACK_AUDIO;
		}
		at = (int64_t)(t->index[0] - c.first_lba) * RAW + (shifted ? 4 * (int64_t)shift : 0);
		if (at < 0 || (uint64_t)at + (uint64_t)(t->end - t->index[0]) * RAW
			      > d->files[raw].size) {
			ret = gm_error_set(ctx, GM_ERR_FORMAT, "capture '%s': track %u shifted by "
					   "%+ld samples reaches beyond '%s'", path, t->number,
					   (long)shift, d->files[raw].path);
			goto out;
		}
		t->file = (unsigned)raw;
		t->offset = (uint64_t)at;
		t->storage = GM_STORE_RAW;
		t->sub_file = flags & GM_CAPTURE_SUB ? subf : -1;
		t->sub_offset = (uint64_t)(t->index[0] - c.first_lba) * GM_SUB_SIZE;
	}
	if (text != NULL && text_len >= GM_CDTEXT_PACK && (flags & GM_CAPTURE_CDTEXTFILE)) {
		snprintf(stem + stem_len, 16, ".cdtext");
		if ((d->cdtextfile = gm_strdup(stem)) == NULL) {
			ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
			goto out;
		}
		stem[stem_len] = '\0';
	}
	if (text != NULL && text_len >= GM_CDTEXT_PACK
	    && (ret = gm_cdtext_from_packs(ctx, d, text, (unsigned)(text_len / GM_CDTEXT_PACK))) != 0)
		goto out;
	gm_disc_finish(d);
out:
	gm_qmap_release(&qm);
	gm_capture_desc_release(&c);
	free(stem);
	free(name);
	free(sub);
	free(toc);
	free(text);
	return ret;
}

static int capture_read(struct gm_ctx *ctx, const char *path, struct gm_disc *disc)
{
	return gm_capture_open(ctx, path, 0, GM_CAPTURE_SUB | GM_CAPTURE_CDTEXTFILE, disc);
}

const struct gm_format_ops gm_format_capture = {
	.name = "capture",
	.extension = ".capture",
	.bid = capture_bid,
	.read = capture_read,
	.write = NULL,
};
