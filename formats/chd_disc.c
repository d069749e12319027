/*
 * chd_disc.c - the "chd" image format: the disc a CD or DVD CHD holds.
 *
 * A CD CHD's tracks come from its CHT2 (or older CHTR, or binary CHCD)
 * metadata: each track's frames are stored one after the other, padded to
 * a multiple of four, every frame 2352 bytes of sector (as much of it as
 * the track type keeps: 2048 for MODE1, 2336 for MODE2, all for the raw
 * types and audio, audio samples big-endian) and 96 of subchannel (kept
 * for SUBTYPE RW_RAW, interleaved as a drive gives it).  A pregap is in
 * the frames when its PGTYPE starts with 'V', else it is made up as a
 * cue sheet's PREGAP is; a POSTGAP is made up.  A DVD CHD ('DVD '
 * metadata, MAME 0.255 on) is 2048-byte sectors.  The disc's files are
 * made, not stored (gm_file.read): the sector file gives each track's
 * sectors in its storage size, the subchannel file 96 bytes a frame.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bytes.h"
#include "chd.h"
#include "image_private.h"
#include "banned.h"

#define DVD_MAX_SECTORS 4173824		/* DVD-R DL (as iso.c): more is a BD's */

struct chd_track {
	uint64_t voff;		/* where its sectors start in the sector file */
	uint64_t frame;		/* its first stored frame in the CHD */
	uint32_t frames;	/* stored */
	uint32_t size;		/* bytes of each frame's sector kept */
};

struct chd_view {
	struct gm_chd *chd;
	bool dvd;
	unsigned ntracks;
	struct chd_track t[GM_MAX_TRACKS];
	uint8_t *frame;		/* one frame */
};

static void view_release(void *arg)
{
	struct chd_view *v = arg;

	if (v == NULL)
		return;
	gm_chd_close(v->chd);
	free(v->frame);
	free(v);
}

/* len bytes at off of a made file whose runs t[0..n) each keep t->size
   bytes of every frame, from byte at of the frame. */
static int read_frames(struct chd_view *v, struct gm_ctx *ctx, const struct chd_track *t,
		       unsigned n, size_t at, uint64_t off, uint8_t *buf, size_t len)
{
	unsigned k = 0;

	while (len > 0) {
		uint64_t rel, f;
		size_t in, take;
		int ret;

		while (k + 1 < n && off >= t[k + 1].voff)
			k++;
		rel = off - t[k].voff;
		f = rel / t[k].size;
		in = (size_t)(rel % t[k].size);
		if (off < t[k].voff || f >= t[k].frames)
			return gm_error_set(ctx, GM_ERR_INVALID, "'%s': no sector at byte %llu "
					    "of its tracks", v->chd->path,
					    (unsigned long long)off);
		take = t[k].size - in < len ? t[k].size - in : len;
		ret = gm_chd_read(ctx, v->chd, (t[k].frame + f) * GM_CHD_FRAME + at + in, buf,
				  take);
		if (ret != 0)
			return ret;
		buf += take;
		off += take;
		len -= take;
	}
	return 0;
}

static int read_sectors(void *arg, struct gm_ctx *ctx, uint64_t off, uint8_t *buf, size_t len)
{
	struct chd_view *v = arg;

	if (v->dvd)
		return gm_chd_read(ctx, v->chd, off, buf, len);
	return read_frames(v, ctx, v->t, v->ntracks, 0, off, buf, len);
}

/* The subchannel file: frame f's 96 bytes at f * 96. */
static int read_sub(void *arg, struct gm_ctx *ctx, uint64_t off, uint8_t *buf, size_t len)
{
	struct chd_view *v = arg;
	struct chd_track all = {
		0, 0, (uint32_t)(v->chd->logical_bytes / GM_CHD_FRAME), GM_CHD_FRAME_SUB
	};

	return read_frames(v, ctx, &all, 1, GM_CHD_FRAME_DATA, off, buf, len);
}

static int chd_bid(const char *path, const uint8_t *head, size_t len)
{
	(void)path;
	return len >= 8 && memcmp(head, "MComprHD", 8) == 0 ? 100 : 0;
}

struct type_name {
	const char *name;
	enum gm_track_mode mode;
	enum gm_storage storage;
};

static const struct type_name types[] = {
	{ "MODE1", GM_TRACK_MODE1, GM_STORE_USER },
	{ "MODE1/2048", GM_TRACK_MODE1, GM_STORE_USER },
	{ "MODE1_RAW", GM_TRACK_MODE1, GM_STORE_RAW },
	{ "MODE1/2352", GM_TRACK_MODE1, GM_STORE_RAW },
	{ "MODE2", GM_TRACK_MODE2, GM_STORE_MODE2 },
	{ "MODE2/2336", GM_TRACK_MODE2, GM_STORE_MODE2 },
	{ "MODE2_FORM1", GM_TRACK_MODE2, GM_STORE_USER },
	{ "MODE2/2048", GM_TRACK_MODE2, GM_STORE_USER },
	{ "MODE2_FORM2", GM_TRACK_MODE2, GM_STORE_FORM2 },
	{ "MODE2/2324", GM_TRACK_MODE2, GM_STORE_FORM2 },
	{ "MODE2_FORM_MIX", GM_TRACK_MODE2, GM_STORE_MODE2 },
	{ "MODE2_RAW", GM_TRACK_MODE2, GM_STORE_RAW },
	{ "MODE2/2352", GM_TRACK_MODE2, GM_STORE_RAW },
	{ "CDI/2352", GM_TRACK_CDI, GM_STORE_RAW },
	{ "AUDIO", GM_TRACK_AUDIO, GM_STORE_RAW },
};

static const struct type_name *type_named(const char *s)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].name, s) == 0)
			return &types[i];
	return NULL;
}

/* One track's metadata, as read from CHT2, CHTR or CHCD. */
struct track_meta {
	unsigned number;
	char type[32], subtype[32], pgtype[32], pgsub[32];
	long frames, pregap, postgap;
};

/* "KEY:value" fields of a CHT2/CHTR text; false when one is missing or
   malformed (the tag's reader then names it). */
static bool parse_text(const char *s, bool cht2, struct track_meta *m)
{
	int n;

	memset(m, 0, sizeof(*m));
	if (cht2) {
		n = sscanf(s, "TRACK:%u TYPE:%31s SUBTYPE:%31s FRAMES:%ld PREGAP:%ld "
			   "PGTYPE:%31s PGSUB:%31s POSTGAP:%ld", &m->number, m->type,
			   m->subtype, &m->frames, &m->pregap, m->pgtype, m->pgsub,
			   &m->postgap);
		return n == 8;
	}
	n = sscanf(s, "TRACK:%u TYPE:%31s SUBTYPE:%31s FRAMES:%ld", &m->number, m->type,
		   m->subtype, &m->frames);
	return n == 4;
}

/* The binary CHCD of older chdman: a count, then six 32-bit fields a
   track (type, subtype, sector size, subchannel size, frames, padding). */
static int read_chcd(struct gm_ctx *ctx, struct gm_chd *chd, const uint8_t *b, size_t len,
		     struct track_meta *m, unsigned *count)
{
	static const char *const ctypes[] = {
		"MODE1", "MODE1_RAW", "MODE2", "MODE2_FORM1", "MODE2_FORM2",
		"MODE2_FORM_MIX", "MODE2_RAW", "AUDIO"
	};
	static const char *const csubs[] = { "RW", "RW_RAW", "NONE" };
	uint32_t n;

	if (len < 4 || (n = gm_be32(b)) == 0 || n > GM_MAX_TRACKS || len < 4 + (size_t)n * 24)
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': its CHCD metadata is damaged",
				    chd->path);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *p = b + 4 + (size_t)i * 24;
		uint32_t type = gm_be32(p), sub = gm_be32(p + 4);

		if (type >= sizeof(ctypes) / sizeof(ctypes[0]) || sub > 2)
			return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': its CHCD metadata gives "
					    "track %lu type %lu, subchannel %lu", chd->path,
					    (unsigned long)i + 1, (unsigned long)type,
					    (unsigned long)sub);
		memset(&m[i], 0, sizeof(m[i]));
		m[i].number = i + 1;
		snprintf(m[i].type, sizeof(m[i].type), "%s", ctypes[type]);
		snprintf(m[i].subtype, sizeof(m[i].subtype), "%s", csubs[sub]);
		snprintf(m[i].pgtype, sizeof(m[i].pgtype), "MODE1");
		snprintf(m[i].pgsub, sizeof(m[i].pgsub), "NONE");
		m[i].frames = gm_be32(p + 16);
	}
	*count = n;
	return 0;
}

/* The CD metadata of chd into m[] (numbered 1.. in order). */
static int read_tracks(struct gm_ctx *ctx, struct gm_chd *chd, struct track_meta *m,
		       unsigned *count)
{
	static const uint32_t tags[] = { GM_CHD_META_CHT2, GM_CHD_META_CHTR };
	uint8_t buf[GM_MAX_TRACKS * 24 + 8];
	uint32_t size;
	int ret;

	for (int k = 0; k < 2; k++) {
		unsigned n = 0;

		for (;; n++) {
			char name[5];

			ret = gm_chd_meta(ctx, chd, tags[k], n, buf, 255, NULL, NULL, &size);
			if (ret < 0)
				return ret;
			if (ret == 1)
				break;
			if (n >= GM_MAX_TRACKS)
				return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': more than %d tracks "
						    "in its metadata", chd->path, GM_MAX_TRACKS);
			buf[size < 255 ? size : 255] = '\0';
			if (!parse_text((const char *)buf, k == 0, &m[n]))
				return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': %s metadata entry "
						    "%u is malformed: \"%.100s\"", chd->path,
						    gm_chd_codec_name(tags[k], name), n + 1,
						    (const char *)buf);
			if (m[n].number != n + 1)
				return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': %s metadata entry "
						    "%u is of track %u", chd->path,
						    gm_chd_codec_name(tags[k], name), n + 1,
						    m[n].number);
		}
		if (n > 0) {
			*count = n;
			return 0;
		}
	}
	ret = gm_chd_meta(ctx, chd, GM_CHD_META_CHCD, 0, buf, sizeof(buf), NULL, NULL, &size);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return read_chcd(ctx, chd, buf, size < sizeof(buf) ? size : sizeof(buf), m, count);
	*count = 0;
	return 0;
}

static int add_file(struct gm_ctx *ctx, struct gm_disc *disc, const char *path,
		    enum gm_file_type type, uint64_t size,
		    int (*fn)(void *, struct gm_ctx *, uint64_t, uint8_t *, size_t),
		    struct chd_view *v, bool owner)
{
	struct gm_file *files = realloc(disc->files, (disc->nfiles + 1) * sizeof(*files));
	struct gm_file *f;

	if (files == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	disc->files = files;
	f = &files[disc->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = gm_strdup(path);
	f->name = gm_strdup(gm_path_base(path));
	f->type = type;
	f->size = size;
	f->read = fn;
	f->read_arg = v;
	f->release = owner ? view_release : NULL;
	disc->nfiles++;
	if (f->path == NULL || f->name == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	return (int)disc->nfiles - 1;
}


/* ---- GMCD: what the CHD's tracks cannot say, as glassmaster wrote it ---- */

static int unhex(const char *hex, char **out)
{
	size_t n = strlen(hex);
	char *s;

	if (n % 2 != 0 || n > 4000)
		return -1;
	s = malloc(n / 2 + 1);
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1 || v == 0) {
			free(s);
			return -1;
		}
		s[i] = (char)v;
	}
	s[n / 2] = '\0';
	*out = s;
	return 0;
}

/* The layout a GMCD line gives a track, checked against the frames its CHT2
   stores; false (with why) when it does not fit. */
static bool gmcd_apply(struct chd_view *v, struct gm_disc *disc, char *text, char *why,
		       size_t wlen)
{
	struct gm_disc d = *disc;	/* (tracks copied; strings applied after) */
	struct { unsigned track; int field; char *text; } texts[64];
	unsigned ntexts = 0;
	bool seen[GM_MAX_TRACKS] = { false }, ok = true;
	char mcn[14] = "";
	uint64_t skip[GM_MAX_TRACKS] = { 0 };

	for (char *line = strtok(text, "\n"); line != NULL && ok; line = strtok(NULL, "\n")) {
		unsigned n, k, session, control, scms, field;
		long index0, pregap, postgap, end, lba;
		char isrc[16], hex[4100];

		if (strcmp(line, "GMCD 1") == 0)
			continue;
		if (sscanf(line, "MCN %13s", mcn) == 1)
			continue;
		if (sscanf(line, "TRACK %u SESSION %u CONTROL %u SCMS %u INDEX0 %ld PREGAP %ld "
			   "POSTGAP %ld END %ld ISRC %15s", &n, &session, &control, &scms, &index0,
			   &pregap, &postgap, &end, isrc) == 9) {
			struct gm_track *t;

			if (n < 1 || n > d.ntracks || session < 1 || session > 99 || control > 15
			    || index0 < -150 || index0 > 900000 || pregap < 0 || pregap > 900000
			    || postgap < 0 || postgap > 900000 || end < 0 || end > 900000
			    || index0 + pregap > end - postgap) {
				snprintf(why, wlen, "its line \"%.60s\" cannot be", line);
				ok = false;
				break;
			}
			t = &d.tracks[n - 1];
			t->session = (uint8_t)session;
			t->control = (uint8_t)control;
			t->scms = scms != 0;
			snprintf(t->isrc, sizeof(t->isrc), "%.12s", strcmp(isrc, "-") ? isrc : "");
			t->index[0] = (int32_t)index0;
			t->pregap = (int32_t)pregap;
			t->postgap = (int32_t)postgap;
			t->end = (int32_t)end;
			t->nindex = 1;
			seen[n - 1] = true;
			continue;
		}
		if (sscanf(line, "INDEX %u %u %ld", &n, &k, &lba) == 3) {
			if (n < 1 || n > d.ntracks || !seen[n - 1] || k < 1 || k > 99 || lba < -150
			    || lba > 900000) {
				snprintf(why, wlen, "its line \"%.60s\" cannot be", line);
				ok = false;
				break;
			}
			d.tracks[n - 1].index[k] = (int32_t)lba;
			if (k > d.tracks[n - 1].nindex)
				d.tracks[n - 1].nindex = k;
			continue;
		}
		if (sscanf(line, "CDTEXT %u %u %4099s", &n, &field, hex) == 3) {
			char *str;

			if (n > d.ntracks || field >= GM_CDTEXT_COUNT || ntexts == 64
			    || unhex(hex, &str) != 0) {
				snprintf(why, wlen, "its line \"%.60s\" cannot be", line);
				ok = false;
				break;
			}
			texts[ntexts].track = n;
			texts[ntexts].field = (int)field;
			texts[ntexts++].text = str;
			continue;
		}
		/* (lines of later versions are skipped) */
	}
	/* every track given, in order, its indexes rising, its stored
	   sectors those the CHD holds (or fewer: a pregap stored whole in
	   the CHD that the image did not store) */
	for (unsigned i = 0; ok && i < d.ntracks; i++) {
		const struct gm_track *t = &d.tracks[i];
		int64_t stored = (int64_t)t->end - t->postgap - (t->index[0] + t->pregap);

		if (!seen[i] || (i > 0 && (t->index[0] < d.tracks[i - 1].end
					   || t->session < d.tracks[i - 1].session))) {
			snprintf(why, wlen, "track %u is missing or out of order", i + 1);
			ok = false;
			break;
		}
		for (unsigned k = 1; k <= t->nindex; k++)
			if (t->index[k] < t->index[k - 1] || t->index[k] >= t->end) {
				snprintf(why, wlen, "track %u's index %u is out of place", i + 1, k);
				ok = false;
			}
		if (ok && (stored > v->t[i].frames
			   || (uint64_t)(v->t[i].frames - stored)
			      > (uint64_t)(t->index[1] - t->index[0]))) {
			snprintf(why, wlen, "track %u's %lld sectors are not the %lu the CHD "
				 "holds", i + 1, (long long)stored, (unsigned long)v->t[i].frames);
			ok = false;
		}
		if (ok)
			skip[i] = v->t[i].frames - (uint64_t)stored;
	}
	if (ok) {
		uint64_t voff = 0;

		if (mcn[0] && strlen(mcn) == 13)
			memcpy(d.mcn, mcn, 14);
		for (unsigned i = 0; i < d.ntracks; i++) {
			v->t[i].frame += skip[i];
			v->t[i].frames -= (uint32_t)skip[i];
			v->t[i].voff = voff;
			d.tracks[i].offset = voff;
			voff += (uint64_t)v->t[i].frames * v->t[i].size;
		}
		for (unsigned i = 0; i < ntexts; i++) {
			char **slot = texts[i].track == 0 ? &d.cdtext[texts[i].field]
				: &d.tracks[texts[i].track - 1].cdtext[texts[i].field];

			free(*slot);
			*slot = texts[i].text;
			texts[i].text = NULL;
		}
		*disc = d;
	}
	for (unsigned i = 0; i < ntexts; i++)
		free(texts[i].text);
	return ok;
}

static int cd_disc(struct gm_ctx *ctx, const char *path, struct chd_view *v,
		   const struct track_meta *m, unsigned n, struct gm_disc *disc)
{
	struct gm_chd *chd = v->chd;
	uint64_t frame = 0, voff = 0, frames_total = chd->logical_bytes / GM_CHD_FRAME;
	int32_t lba = 0;
	bool subs = false;
	int data_file, sub_file = -1;

	if (chd->unit_bytes != GM_CHD_FRAME || chd->hunk_bytes % GM_CHD_FRAME != 0)
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': a CD CHD of %lu-byte units "
				    "(%d expected)", path, (unsigned long)chd->unit_bytes,
				    GM_CHD_FRAME);
	for (unsigned i = 0; i < n; i++) {
		const struct type_name *tn = type_named(m[i].type);
		struct gm_track *t = &disc->tracks[i];
		bool stored_pregap = m[i].pgtype[0] == 'V';
		long pad;

		if (tn == NULL)
			return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s': track %u has the "
					    "type '%s', which is not known", path, i + 1,
					    m[i].type);
		if (m[i].frames < 0 || m[i].pregap < 0 || m[i].postgap < 0
		    || m[i].frames > 450000 || m[i].pregap > 450000 || m[i].postgap > 450000
		    || (stored_pregap && m[i].pregap > m[i].frames))
			return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': track %u has %ld frames, "
					    "a pregap of %ld and a postgap of %ld: that cannot "
					    "be", path, i + 1, m[i].frames, m[i].pregap,
					    m[i].postgap);
		if (strcmp(m[i].subtype, "RW_RAW") == 0)
			subs = true;
		else if (strcmp(m[i].subtype, "RW") == 0
			 && gm_disc_note(disc, "track %u's subchannel is stored cooked (R-W "
					 "packs, SUBTYPE RW): it is made from the layout "
					 "instead", i + 1) != 0)
			return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		t->number = (uint8_t)(i + 1);
		t->session = 1;
		t->mode = tn->mode;
		t->storage = tn->storage;
		t->nindex = 1;
		t->sub_file = -1;
		t->index[0] = lba;
		t->index[1] = lba + (int32_t)m[i].pregap;
		t->pregap = stored_pregap ? 0 : (int32_t)m[i].pregap;
		t->postgap = (int32_t)m[i].postgap;
		t->end = (stored_pregap ? lba : t->index[1]) + (int32_t)m[i].frames
			 + (int32_t)m[i].postgap;
		v->t[i].voff = voff;
		v->t[i].frame = frame;
		v->t[i].frames = (uint32_t)m[i].frames;
		v->t[i].size = (uint32_t)tn->storage;
		t->offset = voff;
		voff += (uint64_t)m[i].frames * tn->storage;
		pad = (GM_CHD_TRACK_PAD - m[i].frames % GM_CHD_TRACK_PAD) % GM_CHD_TRACK_PAD;
		frame += (uint64_t)(m[i].frames + pad);
		lba = t->end;
	}
	if (frame > frames_total + GM_CHD_TRACK_PAD)
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': its tracks need %llu frames, "
				    "and it holds %llu", path, (unsigned long long)frame,
				    (unsigned long long)frames_total);
	v->ntracks = n;
	disc->ntracks = n;
	data_file = add_file(ctx, disc, path, GM_FILE_MOTOROLA, voff, read_sectors, v, true);
	if (data_file < 0)
		return data_file;
	if (subs) {
		sub_file = add_file(ctx, disc, path, GM_FILE_BINARY, frame * GM_CHD_FRAME_SUB,
				    read_sub, v, false);
		if (sub_file < 0)
			return sub_file;
	}
	for (unsigned i = 0; i < n; i++) {
		disc->tracks[i].file = (unsigned)data_file;
		if (subs && strcmp(m[i].subtype, "RW_RAW") == 0) {
			disc->tracks[i].sub_file = sub_file;
			disc->tracks[i].sub_offset = v->t[i].frame * GM_CHD_FRAME_SUB;
		}
	}
	disc->media = GM_MEDIA_CD;
	{
		/* glassmaster's own entry, when there is one */
		char *text = malloc(65536), why[200];
		uint32_t size;
		int ret = text ? gm_chd_meta(ctx, chd, GM_CHD_META_GLASS, 0, (uint8_t *)text,
					     65535, NULL, NULL, &size) : -GM_ERR_NOMEM;

		if (ret == 0) {
			text[size < 65535 ? size : 65535] = '\0';
			if (!gmcd_apply(v, disc, text, why, sizeof(why))
			    && gm_disc_note(disc, "its GMCD entry (glassmaster's layout of the "
					    "disc) is not used: %s", why) != 0)
				ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		}
		free(text);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int chd_read(struct gm_ctx *ctx, const char *path, struct gm_disc *disc)
{
	struct chd_view *v = calloc(1, sizeof(*v));
	struct track_meta *m = calloc(GM_MAX_TRACKS, sizeof(*m));
	uint8_t probe[64];
	unsigned n = 0;
	int ret;

	if (v == NULL || m == NULL) {
		free(v);
		free(m);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	disc->format = "chd";
	ret = gm_chd_open(ctx, path, &v->chd);
	if (ret != 0)
		goto fail;
	if (gm_chd_meta(ctx, v->chd, GM_CHD_META_CHGD, 0, probe, sizeof(probe), NULL, NULL,
			NULL) == 0
	    || gm_chd_meta(ctx, v->chd, GM_CHD_META_CHGT, 0, probe, sizeof(probe), NULL, NULL,
			   NULL) == 0) {
		ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' is a GD-ROM CHD (Dreamcast): "
				   "GD-ROM layouts are not read", path);
		goto fail;
	}
	ret = read_tracks(ctx, v->chd, m, &n);
	if (ret != 0)
		goto fail;
	if (n > 0) {
		ret = cd_disc(ctx, path, v, m, n, disc);
		if (ret < 0)
			goto fail;
	} else if (gm_chd_meta(ctx, v->chd, GM_CHD_META_DVD, 0, probe, sizeof(probe), NULL,
			       NULL, NULL) == 0) {
		struct gm_track *t = &disc->tracks[0];
		uint64_t sectors = v->chd->logical_bytes / 2048;

		if (v->chd->unit_bytes != 2048 || v->chd->logical_bytes % 2048 != 0
		    || sectors == 0 || sectors > INT32_MAX) {
			ret = gm_error_set(ctx, GM_ERR_FORMAT, "'%s': a DVD CHD of %llu bytes "
					   "in %lu-byte units is not whole 2048-byte sectors",
					   path, (unsigned long long)v->chd->logical_bytes,
					   (unsigned long)v->chd->unit_bytes);
			goto fail;
		}
		v->dvd = true;
		ret = add_file(ctx, disc, path, GM_FILE_BINARY, v->chd->logical_bytes,
			       read_sectors, v, true);
		if (ret < 0)
			goto fail;
		disc->ntracks = 1;
		t->number = 1;
		t->session = 1;
		t->mode = GM_TRACK_MODE1;
		t->nindex = 1;
		t->end = (int32_t)sectors;
		t->file = (unsigned)ret;
		t->storage = GM_STORE_USER;
		t->sub_file = -1;
		disc->media = sectors <= DVD_MAX_SECTORS ? GM_MEDIA_DVD : GM_MEDIA_BD;
	} else {
		uint32_t tag;

		ret = gm_chd_meta(ctx, v->chd, 0, 0, probe, sizeof(probe), &tag, NULL, NULL);
		if (ret == 0) {
			char name[5];

			ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' is a CHD of no disc "
					   "(its metadata is '%s'%s): only CD and DVD CHDs are "
					   "read", path, gm_chd_codec_name(tag, name),
					   tag == GM_CHD_META_HARD ? ", a hard disk" : "");
		} else if (ret == 1) {
			ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' is a CHD without "
					   "metadata (chdman createraw): it says nothing of "
					   "tracks or sectors, so it is not read as a disc",
					   path);
		}
		goto fail;
	}
	free(m);
	gm_disc_finish(disc);
	return 0;
fail:
	/* (once a file of the disc holds the view, the disc releases it) */
	if (disc->nfiles == 0)
		view_release(v);
	free(m);
	return ret;
}

/* The stored sectors (first LBA, count) frames [from, to) of the CHD hold,
   into text. */
static void frames_text(const struct chd_view *v, const struct gm_disc *disc, uint64_t from,
			uint64_t to, char *text, size_t len)
{
	size_t at = 0;

	text[0] = '\0';
	for (unsigned k = 0; k < v->ntracks && at + 1 < len; k++) {
		const struct chd_track *t = &v->t[k];
		const struct gm_track *dt = &disc->tracks[k];
		uint64_t a = from > t->frame ? from : t->frame;
		uint64_t b = to < t->frame + t->frames ? to : t->frame + t->frames;
		int32_t first = dt->index[0] + dt->pregap;

		if (a >= b)
			continue;
		at += (size_t)snprintf(text + at, len - at, "%strack %u, LBA %ld-%ld",
				       at ? "; " : "", dt->number,
				       (long)(first + (int32_t)(a - t->frame)),
				       (long)(first + (int32_t)(b - t->frame) - 1));
	}
	if (at == 0)
		snprintf(text, len, "no sector (track padding)");
}

int gm_chd_check(struct gm_ctx *ctx, const struct gm_disc *disc, char *text, size_t len,
		 uint64_t *hunks, uint64_t *bad, bool *sha1_ok)
{
	struct chd_view *v = NULL;
	struct gm_chd *chd;
	uint8_t *buf, digest[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	size_t at = 0;
	EVP_MD_CTX *md;
	int ret = 0;

	for (unsigned i = 0; i < disc->nfiles && v == NULL; i++)
		if (disc->files[i].release == view_release)
			v = disc->files[i].read_arg;
	*hunks = *bad = 0;
	*sha1_ok = false;
	text[0] = '\0';
	if (v == NULL)
		return gm_error_set(ctx, GM_ERR_INVALID, "not a CHD");
	chd = v->chd;
	buf = malloc(chd->hunk_bytes);
	md = EVP_MD_CTX_new();
	if (buf == NULL || md == NULL || EVP_DigestInit_ex(md, EVP_sha1(), NULL) != 1) {
		free(buf);
		EVP_MD_CTX_free(md);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	chd->cached = UINT32_MAX;
	for (uint32_t n = 0; n < chd->hunk_count; n++) {
		uint64_t start = (uint64_t)n * chd->hunk_bytes;
		size_t take = chd->logical_bytes - start < chd->hunk_bytes
			? (size_t)(chd->logical_bytes - start) : chd->hunk_bytes;

		ret = gm_chd_read_hunk(ctx, chd, n, buf);
		(*hunks)++;
		if (ret == -GM_ERR_FORMAT) {
			char where[512], msg[GM_ERROR_MAX], prefix[64 + 4096];
			const char *why = gm_error(ctx);

			/* (the message without the file and hunk said here) */
			snprintf(prefix, sizeof(prefix), "'%s': hunk %lu ", chd->path,
				 (unsigned long)n);
			if (strncmp(why, prefix, strlen(prefix)) == 0)
				why += strlen(prefix);
			snprintf(msg, sizeof(msg), "%s", why);
			if (v->dvd)
				snprintf(where, sizeof(where), "LBA %llu-%llu",
					 (unsigned long long)(start / 2048),
					 (unsigned long long)((start + take) / 2048 - 1));
			else
				frames_text(v, disc, start / GM_CHD_FRAME,
					    (start + take) / GM_CHD_FRAME, where, sizeof(where));
			(*bad)++;
			if (at + 1 < len)
				at += (size_t)snprintf(text + at, len - at, "hunk %lu (%s): %s\n",
						       (unsigned long)n, where, msg);
			ret = 0;
			continue;
		}
		if (ret != 0)
			break;
		EVP_DigestUpdate(md, buf, take);
	}
	/* (chdman leaves the SHA-1s of a CHD without codecs zero: nothing to
	   compare) */
	if (ret == 0 && EVP_DigestFinal_ex(md, digest, &dlen) == 1)
		*sha1_ok = *bad == 0 && dlen == 20
			   && (memcmp(digest, chd->raw_sha1, 20) == 0
			       || (chd->compressors[0] == 0
				   && memcmp(chd->raw_sha1, (const uint8_t[20]){ 0 }, 20) == 0));
	EVP_MD_CTX_free(md);
	free(buf);
	return ret;
}

bool gm_chd_summary(const struct gm_disc *disc, struct gm_chd_summary *out)
{
	for (unsigned i = 0; i < disc->nfiles; i++) {
		const struct chd_view *v = disc->files[i].read_arg;
		const struct gm_chd *chd;

		if (disc->files[i].release != view_release)
			continue;
		chd = v->chd;
		memset(out, 0, sizeof(*out));
		out->version = chd->version;
		memcpy(out->codecs, chd->compressors, sizeof(out->codecs));
		out->hunk_bytes = chd->hunk_bytes;
		out->unit_bytes = chd->unit_bytes;
		out->hunks = chd->hunk_count;
		out->logical_bytes = chd->logical_bytes;
		out->file_size = chd->file_size;
		memcpy(out->raw_sha1, chd->raw_sha1, 20);
		memcpy(out->sha1, chd->sha1, 20);
		return true;
	}
	return false;
}

const struct gm_format_ops gm_format_chd = {
	.name = "chd",
	.extension = ".chd",
	.bid = chd_bid,
	.read = chd_read,
	.write = gm_chd_write,
};
