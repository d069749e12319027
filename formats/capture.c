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
			t->session = e[0] >= 1 && e[0] <= 99 ? e[0] : 1;
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

		/* sessions only go up, track by track */
		if (t->session == 0 || (i > 0 && t->session < d->tracks[i - 1].session))
			t->session = i > 0 ? d->tracks[i - 1].session : 1;
		/* a session's last track ends at its lead-out (A2), whatever Q
		   says of the sectors between sessions */
		if ((i + 1 == d->ntracks || d->tracks[i + 1].session != t->session)
		    && leadout[t->session] > t->index[1] && leadout[t->session] < t->end)
			t->end = leadout[t->session];
	}
	(void)sessions;
}

/* The stream samples [from, to) of NAME.raw (absolute sample numbers, LBA
   0's first sample 0), zero outside the file. */
static void stream_samples(int fd, const struct gm_capture_desc *c, int64_t from, int64_t to,
			   uint32_t *out)
{
	int64_t base = (int64_t)c->first_lba * 588, end = base + (int64_t)c->sectors * 588;
	int64_t a = from > base ? from : base, b = to < end ? to : end;

	memset(out, 0, (size_t)(to - from) * 4);
	if (b > a && pread(fd, out + (a - from), (size_t)(b - a) * 4, (off_t)((a - base) * 4)) < 0)
		memset(out, 0xff, (size_t)(to - from) * 4);	/* unknown: never silent */
}

/*
 * The disc's write offset, for a disc whose data sectors came shifted (a
 * capture read as CD-DA): where the first data sector's sync is against
 * where its header's address puts it.  For an audio disc: the one shift
 * within +-2940 samples that puts the INDEX 00 range of every track but
 * the first in digital silence.  *w and a note when found; false (and a
 * note why) otherwise.
 */
static bool detect_offset(struct gm_disc *d, const struct gm_capture_desc *c, int fd, int32_t *w)
{
	enum { R = 2940 };
	static const uint8_t sync[12] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0 };
	uint8_t *allowed = malloc(2 * R + 1);
	unsigned pregaps = 0, count = 0;
	int32_t found = 0;

	if (allowed == NULL)
		return false;
	for (unsigned i = 0; c->cdda && i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];
		int64_t at = ((int64_t)t->index[1] * 588 + c->read_offset - R) , n = 2 * R + 600;
		uint32_t *buf;

		if (!(t->control & GM_CTL_DATA))
			continue;
		if ((buf = malloc((size_t)n * 4)) == NULL)
			break;
		stream_samples(fd, c, at, at + n, buf);
		for (int64_t k = 0; k + 4 <= n * 4; k += 4) {
			uint8_t *p = (uint8_t *)buf + k, hdr[2352];
			int32_t lba;
			uint8_t mode;

			if (memcmp(p, sync, 12) != 0 || k + 2352 > n * 4)
				continue;
			memcpy(hdr, p, 2352);
			if (!gm_header_decode(hdr, &lba, &mode) || lba < t->index[0] - 150
			    || lba > t->end) {
				gm_scramble(hdr);	/* read as CD-DA: still scrambled */
				if (!gm_header_decode(hdr, &lba, &mode) || lba < t->index[0] - 150
				    || lba > t->end)
					continue;
			}
			*w = (int32_t)((at + k / 4) - ((int64_t)lba * 588 + c->read_offset));
			free(buf);
			free(allowed);
			gm_disc_note(d, "write offset %+ld samples: the sync of LBA %ld's data "
				     "sector in the stream", (long)*w, (long)lba);
			return true;
		}
		free(buf);
		break;
	}
	memset(allowed, 1, 2 * R + 1);
	for (unsigned i = 1; i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];
		int64_t a = (int64_t)t->index[0] * 588, b = (int64_t)t->index[1] * 588;
		int64_t from = a + c->read_offset - R, n = b - a + 2 * R;
		uint32_t *z, *nz;

		if (b <= a || (t->control & GM_CTL_DATA) || n > 4000000)
			continue;
		z = malloc((size_t)n * 4);
		nz = malloc((size_t)(n + 1) * 4);
		if (z == NULL || nz == NULL) {
			free(z);
			free(nz);
			break;
		}
		stream_samples(fd, c, from, from + n, z);
		nz[0] = 0;	/* non-zero samples before each position */
		for (int64_t k = 0; k < n; k++)
			nz[k + 1] = nz[k] + (z[k] != 0);
		for (int32_t o = -R; o <= R; o++)
			if (nz[o + R + (b - a)] - nz[o + R] != 0)
				allowed[o + R] = 0;
		pregaps++;
		free(z);
		free(nz);
	}
	for (int32_t o = -R; pregaps && o <= R; o++)
		if (allowed[o + R]) {
			count++;
			found = o;
		}
	free(allowed);
	if (pregaps && count == 1) {
		*w = found;
		gm_disc_note(d, "write offset %+ld samples: the one shift that puts every "
			     "pregap in digital silence", (long)found);
		return true;
	}
	gm_disc_note(d, "write offset not detected (%s): 0 is used; --offset N sets it",
		     pregaps == 0 ? "no pregap to place in silence" : count == 0
		     ? "no shift puts every pregap in silence"
		     : "several shifts put every pregap in silence");
	return false;
}

int gm_capture_open(struct gm_ctx *ctx, const char *path, int32_t *offset,
		    unsigned flags, struct gm_disc *d)
{
	struct gm_capture_desc c;
	size_t plen = strlen(path), stem_len, sub_len = 0, toc_len = 0, text_len = 0;
	char *stem = NULL, *name = NULL;
	uint8_t *sub = NULL, *toc = NULL, *text = NULL;
	struct gm_qmap qm;
	int ret, raw, subf;
	int32_t shift, write_offset = *offset;

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
	if (flags & GM_CAPTURE_DETECT) {
		int fd = open(d->files[raw].path, O_RDONLY | O_CLOEXEC);

		write_offset = 0;
		if (fd >= 0) {
			detect_offset(d, &c, fd, &write_offset);
			close(fd);
		}
		*offset = write_offset;
	}
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
	int32_t offset = 0;

	return gm_capture_open(ctx, path, &offset, GM_CAPTURE_SUB | GM_CAPTURE_CDTEXTFILE
			       | GM_CAPTURE_DETECT, disc);
}

const struct gm_format_ops gm_format_capture = {
	.name = "capture",
	.extension = ".capture",
	.bid = capture_bid,
	.read = capture_read,
	.write = NULL,
};
