/*
 * accuraterip.c - what a CD's audio is known by: AccurateRip v1 and v2 per
 * track and the disc ids of its database (id1, id2, the freedb id, the
 * dBAR file name), the CUETools database's TOC id and whole-disc CRC, and
 * the MusicBrainz disc id, all computed offline from a disc and its
 * samples.
 *
 * A track's AccurateRip range runs from its INDEX 01 to the next audio
 * track's INDEX 01 (the last: to the end of its session's audio); the
 * first audio track leaves out its first 5 x 588 - 1 samples' products
 * (multipliers 1-2939), the last its last 5 x 588 samples; a hidden track
 * one audio (before track 1's INDEX 01) is in none.  Samples are the
 * 32-bit words of the little-endian stereo stream, multiplied by their
 * position from 1: v1 sums the products modulo 2^32, v2 adds each 64-bit
 * product's high word to its low.  The disc ids count audio tracks by
 * their order among the audio tracks, not their number in the TOC (the
 * mistake whipper and cyanrip make on mixed-mode discs) and end with
 * the disc's lead-out; a CD-Extra's audio itself ends at its first
 * session's lead-out, which is where MusicBrainz and CTDB end it too.
 */
#include "config.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "verify.h"
#include "banned.h"

#define SPS 588u
#define SKIP 2940u		/* 5 sectors of samples */
#define CTDB_SKIP 5880u		/* 10 sectors */
#define CHUNK 256u		/* sectors read at once */

/* The audio tracks of d and where their AccurateRip ranges lie. */
static unsigned audio_tracks(const struct gm_disc *d, struct gm_ar_disc *ar)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->ntracks && n < GM_AR_MAX; i++) {
		const struct gm_track *t = &d->tracks[i];
		struct gm_ar_track *a;

		if (t->mode != GM_TRACK_AUDIO)
			continue;
		a = &ar->tracks[n];
		memset(a, 0, sizeof(*a));
		a->number = t->number;
		a->ordinal = (uint8_t)(n + 1);
		a->session = t->session;
		a->start = t->index[1];
		a->end = t->end;
		if (n > 0 && ar->tracks[n - 1].session == t->session)
			ar->tracks[n - 1].end = a->start;
		n++;
	}
	/* only the first session's audio counts when a data session follows
	   (CD-Extra); audio sessions after it would be another disc's */
	while (n > 1 && ar->tracks[n - 1].session != ar->tracks[0].session)
		n--;
	ar->ntracks = n;
	ar->leadout = n ? ar->tracks[n - 1].end : 0;
	return n;
}

/* base64 of 20 bytes with MusicBrainz's and CTDB's substitutions. */
static void base64_mb(const uint8_t *in, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
	size_t o = 0;

	for (size_t i = 0; i < 21; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < 20 ? (uint32_t)in[i + 1] << 8 : 0)
			     | (i + 2 < 20 ? in[i + 2] : 0);

		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < 20 ? tab[v >> 6 & 63] : '-';
		out[o++] = i + 2 < 20 ? tab[v & 63] : '-';
	}
	out[o] = '\0';
}

static void sha1_mb(const char *text, char *out)
{
	uint8_t md[SHA_DIGEST_LENGTH];

	SHA1((const unsigned char *)text, strlen(text), md);
	base64_mb(md, out);
}

/* Sum of the decimal digits of n. */
static unsigned digits(unsigned n)
{
	unsigned s = 0;

	for (; n > 0; n /= 10)
		s += n % 10;
	return s;
}

void gm_ar_ids(const struct gm_disc *d, struct gm_ar_disc *ar)
{
	unsigned n = audio_tracks(d, ar), sum = 0;
	char text[8 * 102 + 16];
	size_t at = 0;

	ar->id1 = ar->id2 = 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t off = (uint32_t)ar->tracks[i].start;

		ar->id1 += off;
		ar->id2 += (off ? off : 1) * ar->tracks[i].ordinal;
	}
	/* the disc's own lead-out, a CD-Extra's data session included (as EAC
	   asks AccurateRip) */
	ar->id1 += (uint32_t)d->leadout;
	ar->id2 += (uint32_t)d->leadout * (n + 1);
	/* freedb: every track of the TOC, the disc's own lead-out */
	for (unsigned i = 0; i < d->ntracks; i++)
		sum += digits((unsigned)(d->tracks[i].index[1] + 150) / 75);
	ar->cddb = d->ntracks == 0 ? 0
		   : (uint32_t)(sum % 255) << 24
		     | (uint32_t)((d->leadout + 150) / 75 - (d->tracks[0].index[1] + 150) / 75) << 8
		     | d->ntracks;
	snprintf(ar->dbar, sizeof(ar->dbar), "dBAR-%03u-%08x-%08x-%08x.bin", n,
		 (unsigned)ar->id1, (unsigned)ar->id2, (unsigned)ar->cddb);
	snprintf(ar->dbar_path, sizeof(ar->dbar_path), "%x/%x/%x/%s", ar->id1 & 15,
		 ar->id1 >> 4 & 15, ar->id1 >> 8 & 15, ar->dbar);
	/* MusicBrainz: the first track to the last audio one (a data track at
	   the start counts, one in a later session does not) */
	ar->musicbrainz[0] = ar->ctdb_toc[0] = '\0';
	if (n == 0 || d->ntracks == 0)
		return;
	{
		unsigned first = d->tracks[0].number, last = ar->tracks[n - 1].number;
		int32_t lead = ar->leadout;

		at = (size_t)snprintf(text, sizeof(text), "%02X%02X%08X", first, last,
				      (unsigned)(lead + 150));
		for (unsigned k = 1; k <= 99; k++) {
			int32_t start = -1;

			for (unsigned i = 0; i < d->ntracks; i++)
				if (d->tracks[i].number == k && k <= last)
					start = d->tracks[i].index[1];
			at += (size_t)snprintf(text + at, sizeof(text) - at, "%08X",
					       start < 0 ? 0u : (unsigned)(start + 150));
		}
		sha1_mb(text, ar->musicbrainz);
	}
	/* CTDB: the audio tracks' starts from the first one's, the audio's
	   length, padded to 100 entries */
	at = 0;
	for (unsigned i = 1; i < n; i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at, "%08X",
				       (unsigned)(ar->tracks[i].start - ar->tracks[0].start));
	at += (size_t)snprintf(text + at, sizeof(text) - at, "%08X",
			       (unsigned)(ar->leadout - ar->tracks[0].start));
	for (unsigned i = n; i < 100; i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at, "00000000");
	sha1_mb(text, ar->ctdb_toc);
}

/* The sums of one run of samples of a track (positions pos from 1). */
static void sum_samples(struct gm_ar_track *a, const uint8_t *buf, size_t n, uint64_t *pos,
			uint64_t from, uint64_t to)
{
	for (size_t i = 0; i < n; i++, (*pos)++) {
		uint32_t s = (uint32_t)buf[i * 4] | (uint32_t)buf[i * 4 + 1] << 8
			     | (uint32_t)buf[i * 4 + 2] << 16 | (uint32_t)buf[i * 4 + 3] << 24;
		uint64_t p = (uint64_t)s * (*pos & 0xffffffffu);

		if (*pos >= from && *pos <= to) {
			a->v1 += (uint32_t)p;
			a->v2 += (uint32_t)p + (uint32_t)(p >> 32);
		}
		if (*pos > 450u * SPS && *pos <= 451u * SPS)
			a->frame450 += s * (uint32_t)(*pos - 450u * SPS);
	}
}

int gm_accuraterip(struct gm_ctx *ctx, struct gm_source *src, struct gm_ar_disc *ar,
		   gm_progress_fn progress, void *arg)
{
	const struct gm_disc *d = gm_source_disc(src);
	uint8_t *buf = malloc((size_t)CHUNK * 2352);
	enum gm_sector_status *st = malloc(CHUNK * sizeof(*st));
	uint64_t total = 0, done = 0, disc_pos = 0, disc_samples;
	uLong ctdb = crc32(0L, Z_NULL, 0);
	int ret = 0;

	memset(ar, 0, sizeof(*ar));
	if (buf == NULL || st == NULL) {
		free(buf);
		free(st);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	gm_ar_ids(d, ar);
	for (unsigned i = 0; i < ar->ntracks; i++)
		total += (uint64_t)(ar->tracks[i].end - ar->tracks[i].start);
	disc_samples = total * SPS;
	for (unsigned i = 0; ret == 0 && i < ar->ntracks; i++) {
		struct gm_ar_track *a = &ar->tracks[i];
		uint64_t n = (uint64_t)(a->end - a->start) * SPS, pos = 1;
		uint64_t from = i == 0 ? SKIP : 1, to = i + 1 == ar->ntracks ? n - SKIP : n;
		uLong crc = crc32(0L, Z_NULL, 0);

		for (int32_t lba = a->start; lba < a->end;) {
			uint32_t count = (uint32_t)(a->end - lba) < CHUNK ? (uint32_t)(a->end - lba)
					 : CHUNK;
			struct gm_read req = { .lba = lba, .count = count,
					       .kind = GM_SECTOR_KIND_RAW, .data = buf,
					       .status = st };
			size_t samples = (size_t)count * SPS;

			if ((ret = gm_source_read(ctx, src, &req)) != 0)
				break;
			sum_samples(a, buf, samples, &pos, from, to);
			crc = crc32(crc, buf, (uInt)(samples * 4));
			/* CTDB: the whole audio but 5880 samples at its start and
			   5880 plus what leaves a whole number of 5880 at its end */
			{
				uint64_t lo = CTDB_SKIP, hi = disc_samples > 2 * CTDB_SKIP
					? disc_samples - CTDB_SKIP - disc_samples % CTDB_SKIP : 0;
				uint64_t a0 = disc_pos > lo ? disc_pos : lo;
				uint64_t a1 = disc_pos + samples < hi ? disc_pos + samples : hi;

				if (a1 > a0)
					ctdb = crc32(ctdb, buf + (a0 - disc_pos) * 4,
						     (uInt)((a1 - a0) * 4));
				disc_pos += samples;
			}
			lba += (int32_t)count;
			done += count;
			if (progress != NULL)
				progress(arg, done, total);
		}
		a->crc32 = (uint32_t)crc;
	}
	ar->ctdb_crc = (uint32_t)ctdb;
	free(buf);
	free(st);
	return ret;
}
