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
	}
	ar->ctdb_crc = (uint32_t)ctdb;
	free(buf);
	free(st);
	return ret;
}

/* ---------------------------------------------------------------------
 * dBAR files (AccurateRip's answers) and the verdict
 */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int gm_dbar_parse(struct gm_ctx *ctx, const char *name, const uint8_t *data, size_t len,
		  struct gm_dbar *db)
{
	size_t at = 0;

	memset(db, 0, sizeof(*db));
	if (len == 0)
		return gm_error_set(ctx, GM_ERR_FORMAT, "dBAR file '%s' is empty", name);
	while (at < len) {
		struct gm_dbar_response *r, *grown;
		unsigned n = data[at];

		if (n == 0 || n > GM_AR_MAX || len - at < 13 + (size_t)n * 9) {
			gm_dbar_release(db);
			return gm_error_set(ctx, GM_ERR_FORMAT, "dBAR file '%s' byte %zu: a "
					    "response of %u tracks %s", name, at, n,
					    n == 0 || n > GM_AR_MAX ? "(1 to 99 expected)"
					    : "is cut short");
		}
		if (db->n == GM_DBAR_MAX) {
			gm_dbar_release(db);
			return gm_error_set(ctx, GM_ERR_FORMAT, "dBAR file '%s' has more than "
					    "%d responses", name, GM_DBAR_MAX);
		}
		grown = realloc(db->r, (db->n + 1) * sizeof(*db->r));
		if (grown == NULL) {
			gm_dbar_release(db);
			return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		}
		db->r = grown;
		r = &db->r[db->n++];
		r->ntracks = (uint8_t)n;
		r->id1 = le32(data + at + 1);
		r->id2 = le32(data + at + 5);
		r->cddb = le32(data + at + 9);
		for (unsigned k = 0; k < n; k++) {
			const uint8_t *t = data + at + 13 + (size_t)k * 9;

			r->tracks[k].confidence = t[0];
			r->tracks[k].crc = le32(t + 1);
			r->tracks[k].crc450 = le32(t + 5);
		}
		at += 13 + (size_t)n * 9;
	}
	return 0;
}

void gm_dbar_release(struct gm_dbar *db)
{
	free(db->r);
	db->r = NULL;
	db->n = 0;
}

/* The slot of audio track k (its ordinal) in a response: by ordinal when
   the response counts audio tracks, by TOC position when it counts every
   track (a mixed-mode disc's data slot); -1 when neither. */
static int slot(const struct gm_dbar_response *r, const struct gm_ar_disc *ar,
		const struct gm_disc *d, unsigned k)
{
	if (r->ntracks == ar->ntracks)
		return (int)k;
	for (unsigned i = 0; r->ntracks == d->ntracks && i < d->ntracks; i++)
		if (d->tracks[i].number == ar->tracks[k].number)
			return (int)i;
	return -1;
}

/* The best response of a track (highest confidence) whose CRC is crc. */
static bool find(const struct gm_dbar *db, const struct gm_ar_disc *ar, const struct gm_disc *d,
		 unsigned k, uint32_t crc, unsigned *conf, unsigned *resp)
{
	bool found = false;

	for (unsigned i = 0; i < db->n; i++) {
		int s = slot(&db->r[i], ar, d, k);

		if (s >= 0 && db->r[i].tracks[s].crc == crc
		    && (!found || db->r[i].tracks[s].confidence > *conf)) {
			*conf = db->r[i].tracks[s].confidence;
			*resp = i + 1;
			found = true;
		}
	}
	return found;
}

/* Samples [from, to) of the disc's audio stream counted from LBA 0's
   first sample (negative before it); zero where the source has none. */
static int samples_at(struct gm_ctx *ctx, struct gm_source *src, int64_t from, int64_t to,
		      uint32_t *out)
{
	uint8_t raw[2352];
	enum gm_sector_status st;

	for (int64_t lba = from >= 0 ? from / SPS : -((-from + SPS - 1) / SPS);
	     lba * SPS < to; lba++) {
		struct gm_read req = { .lba = (int32_t)lba, .count = 1, .kind = GM_SECTOR_KIND_RAW,
				       .data = raw, .status = &st };
		bool have = lba >= 0 && lba < gm_source_disc(src)->leadout
			    && gm_source_read(ctx, src, &req) == 0;

		for (unsigned i = 0; i < SPS; i++) {
			int64_t p = lba * SPS + i;

			if (p >= from && p < to)
				out[p - from] = have ? le32(raw + i * 4) : 0;
		}
	}
	return 0;
}

int gm_ar_verify(struct gm_ctx *ctx, struct gm_source *src, const struct gm_ar_disc *ar,
		 const struct gm_dbar *db, struct gm_ar_verdict *v)
{
	const struct gm_disc *d = gm_source_disc(src);
	enum { W = 2939 };
	uint32_t *head = malloc((2 * W + 2) * sizeof(*head)), *tail = malloc((2 * W + 2) * sizeof(*tail));
	int ret = 0;

	if (head == NULL || tail == NULL) {
		free(head);
		free(tail);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	for (unsigned k = 0; k < ar->ntracks; k++) {
		const struct gm_ar_track *t = &ar->tracks[k];
		struct gm_ar_verdict *x = &v[k];
		int64_t base = (int64_t)t->start * SPS;	/* the sample before mult 1 */
		uint32_t n = (uint32_t)((t->end - t->start) * SPS);
		uint32_t a = k == 0 ? SKIP : 1, b = k + 1 == ar->ntracks ? n - SKIP : n;
		uint32_t sum = 0, wsum, acc, best_off = 0;
		bool found = false;

		memset(x, 0, sizeof(*x));
		x->number = t->number;
		if (find(db, ar, d, k, t->v2, &x->confidence, &x->response)) {
			x->status = GM_AR_ACCURATE;
			x->version = 2;
			continue;
		}
		if (find(db, ar, d, k, t->v1, &x->confidence, &x->response)) {
			x->status = GM_AR_ACCURATE;
			x->version = 1;
			continue;
		}
		/* v1 at every offset within +-2939 samples: the sum of the
		   samples under the multipliers and the samples entering and
		   leaving at both ends are all it takes (mod 2^32) */
		{
			uint32_t *all = malloc((size_t)(b - a + 1) * sizeof(*all));

			if (all == NULL) {
				ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
				break;
			}
			samples_at(ctx, src, base + a - 1, base + b, all);
			for (uint32_t m = 0; m <= b - a; m++)
				sum += all[m];
			free(all);
		}
		/* s(j), j = mult index from the track's start: head holds
		   a - W - 1 .. a + W, tail b - W .. b + W */
		samples_at(ctx, src, base + a - W - 2, base + a + W, head);
		samples_at(ctx, src, base + b - W - 1, base + b + W, tail);
#define S_HEAD(j) head[(j) - ((int64_t)a - W - 1)]
#define S_TAIL(j) tail[(j) - ((int64_t)b - W)]
		/* up: A(o) = A(o-1) + b s(b+o) - a s(a+o-1) - W(o), W(o) the
		   sum of s(a+o) .. s(b+o-1) */
		acc = t->v1;
		wsum = sum - S_HEAD(a);	/* W(1) */
		for (int32_t o = 1; o <= W && !found; o++) {
			acc += b * S_TAIL((int64_t)b + o) - a * S_HEAD((int64_t)a + o - 1) - wsum;
			if (find(db, ar, d, k, acc, &x->confidence, &x->response))
				found = true, best_off = (uint32_t)o;
			wsum += S_TAIL((int64_t)b + o) - S_HEAD((int64_t)a + o);
		}
		/* down: A(o-1) = A(o) - b s(b+o) + a s(a+o-1) + W'(o), W'(o) the
		   sum of s(a+o) .. s(b+o-1) again */
		acc = t->v1;
		wsum = sum - S_TAIL(b);	/* W(0) */
		for (int32_t o = 0; o > -W; o--) {
			uint32_t prev = acc - b * S_TAIL((int64_t)b + o)
					+ a * S_HEAD((int64_t)a + o - 1) + wsum;
			unsigned conf = 0, resp = 0;

			acc = prev;
			if ((!found || (uint32_t)(-(o - 1)) < best_off)
			    && find(db, ar, d, k, acc, &conf, &resp)) {
				found = true;
				best_off = (uint32_t)(o - 1);
				x->confidence = conf;
				x->response = resp;
				break;
			}
			wsum += S_HEAD((int64_t)a + o - 1) - S_TAIL((int64_t)b + o - 1);
		}
#undef S_HEAD
#undef S_TAIL
		if (found) {
			x->status = GM_AR_OFFSET;
			x->version = 1;
			x->offset = (int32_t)best_off;
		}
	}
	free(head);
	free(tail);
	return ret;
}
