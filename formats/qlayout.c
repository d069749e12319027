/*
 * qlayout.c - a disc's track and index layout from the Q subchannel read
 * with every sector (a capture's NAME.sub, a CloneCD .sub), ECMA-130
 * 22.3.3.  Frames whose CRC fails are repaired in memory: each is
 * predicted from the nearest good frame before it (one frame on: absolute
 * time up, relative time up, or down in a pregap until index 1 begins)
 * and after it (one frame back), and the prediction nearer to the bits
 * actually read (Hamming distance) wins; the subchannel itself is never
 * changed.  MCN (ADR 2) and ISRC (ADR 3) frames are taken from the first
 * good one; their sectors' positions come from their neighbours.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "image_private.h"
#include "banned.h"

static int32_t rel_frames(struct gm_msf m)
{
	return ((int32_t)m.m * 60 + m.s) * 75 + m.f;
}

static struct gm_msf frames_rel(int32_t f)
{
	struct gm_msf m;

	if (f < 0)
		f = 0;
	m.m = (uint8_t)(f / 4500 % 100);
	m.s = (uint8_t)(f / 75 % 60);
	m.f = (uint8_t)(f % 75);
	return m;
}

/* A position frame one sector later (step 1) or earlier (-1). */
static bool step(const struct gm_subq *from, int step, struct gm_subq *to)
{
	int32_t abs, rel;

	if (from->adr != 1 || from->track == 0)
		return false;
	*to = *from;
	abs = gm_msf_to_lba(from->abs) + step;
	if (!gm_lba_to_msf(abs, &to->abs))
		return false;
	rel = rel_frames(from->rel);
	if (step > 0) {
		if (from->index == 0 && from->track != GM_TRACK_LEADOUT) {
			if (rel <= 1)	/* the pregap ends: index 1 from 0 */
				to->index = 1, rel = 0;
			else
				rel--;
		} else {
			rel++;
		}
	} else {
		if (from->index == 1 && rel == 0)	/* a pregap before it */
			to->index = 0, rel = 1;
		else if (from->index == 0)
			rel++;
		else
			rel--;
	}
	to->rel = frames_rel(rel);
	return true;
}

static unsigned hamming(const uint8_t *a, const uint8_t *b)
{
	unsigned n = 0;

	for (int i = 0; i < 12; i++)
		n += (unsigned)__builtin_popcount((unsigned)(a[i] ^ b[i]));
	return n;
}

static bool same_position(const struct gm_subq *a, const struct gm_subq *b)
{
	return a->track == b->track && a->index == b->index
	       && !memcmp(&a->abs, &b->abs, sizeof(a->abs))
	       && !memcmp(&a->rel, &b->rel, sizeof(a->rel));
}

int gm_qmap_build(struct gm_ctx *ctx, const uint8_t *sub, int32_t first, uint32_t count,
		  struct gm_qmap *m)
{
	uint8_t raw[12];
	struct gm_subq *fwd;
	bool *have_fwd;

	memset(m, 0, sizeof(*m));
	m->first = first;
	m->count = count;
	m->q = calloc(count ? count : 1, sizeof(*m->q));
	m->state = calloc(count ? count : 1, 1);
	fwd = calloc(count ? count : 1, sizeof(*fwd));
	have_fwd = calloc(count ? count : 1, sizeof(*have_fwd));
	if (m->q == NULL || m->state == NULL || fwd == NULL || have_fwd == NULL) {
		free(fwd);
		free(have_fwd);
		gm_qmap_release(m);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	for (uint32_t i = 0; i < count; i++) {
		struct gm_subq q;

		gm_sub_channel(sub + (size_t)i * GM_SUB_SIZE, GM_SUB_Q, raw);
		memset(&q, 0, sizeof(q));
		switch (gm_subq_decode(raw, &q)) {
		case GM_SUBQ_OK:
			if (q.adr == 2 && !m->mcn[0])
				memcpy(m->mcn, q.mcn, sizeof(m->mcn));
			if (q.adr == 1) {
				m->q[i] = q;
				m->state[i] = GM_QMAP_GOOD;
				break;
			}
			m->state[i] = GM_QMAP_OTHER;	/* ADR 2/3: position from neighbours */
			m->q[i] = q;
			break;
		default:
			m->state[i] = GM_QMAP_BAD;
			break;
		}
	}
	/* a long run without a good frame (unreadable, a session gap, a
	   drive without subchannel there) is not guessed across */
	for (uint32_t i = 0; i < count;) {
		uint32_t j = i;

		while (j < count && m->state[j] != GM_QMAP_GOOD)
			j++;
		if (j - i > GM_QMAP_MAX_RUN)
			for (uint32_t k = i; k < j; k++)
				if (m->state[k] == GM_QMAP_BAD)
					m->state[k] = GM_QMAP_LOST;
		i = j + 1;
	}
	/* the prediction from the left, frame by frame */
	for (uint32_t i = 0; i < count; i++) {
		if (m->state[i] == GM_QMAP_GOOD || m->state[i] == GM_QMAP_LOST)
			continue;
		if (i > 0 && (m->state[i - 1] == GM_QMAP_GOOD || have_fwd[i - 1]))
			have_fwd[i] = step(m->state[i - 1] == GM_QMAP_GOOD ? &m->q[i - 1]
					   : &fwd[i - 1], 1, &fwd[i]);
	}
	/* from the right, choosing between the two */
	for (uint32_t k = count; k-- > 0;) {
		struct gm_subq back, *pick = NULL;
		bool have_back = false;

		if (m->state[k] == GM_QMAP_GOOD || m->state[k] == GM_QMAP_LOST)
			continue;
		if (k + 1 < count && (m->state[k + 1] == GM_QMAP_GOOD
				      || m->state[k + 1] == GM_QMAP_REPAIRED
				      || m->state[k + 1] == GM_QMAP_FILLED))
			have_back = step(&m->q[k + 1], -1, &back);
		if (have_fwd[k] && have_back && !same_position(&fwd[k], &back)) {
			uint8_t a[12], b[12];

			gm_sub_channel(sub + (size_t)k * GM_SUB_SIZE, GM_SUB_Q, raw);
			gm_subq_encode(&fwd[k], a);
			gm_subq_encode(&back, b);
			/* ADR 2/3 frames hold no position bits: the earlier wins */
			pick = m->state[k] == GM_QMAP_BAD && hamming(b, raw) < hamming(a, raw)
			       ? &back : &fwd[k];
		} else if (have_fwd[k]) {
			pick = &fwd[k];
		} else if (have_back) {
			pick = &back;
		}
		if (pick == NULL)
			continue;	/* no good frame around: stays unknown */
		if (m->state[k] == GM_QMAP_OTHER) {
			uint8_t adr = m->q[k].adr;

			m->q[k].track = pick->track;
			m->q[k].index = pick->index;
			m->q[k].abs = pick->abs;
			m->q[k].rel = pick->rel;
			(void)adr;
			m->state[k] = GM_QMAP_FILLED;
		} else {
			m->q[k] = *pick;
			m->state[k] = GM_QMAP_REPAIRED;
			m->repaired++;
		}
	}
	for (uint32_t i = 0; i < count; i++)
		if (m->state[i] == GM_QMAP_BAD || m->state[i] == GM_QMAP_OTHER
		    || m->state[i] == GM_QMAP_LOST)
			m->unknown++;
	free(fwd);
	free(have_fwd);
	return 0;
}

void gm_qmap_release(struct gm_qmap *m)
{
	free(m->q);
	free(m->state);
	m->q = NULL;
	m->state = NULL;
}

/* The ISRC of a track: the first good ADR 3 frame inside it. */
static void track_isrc(const struct gm_qmap *m, const uint8_t *sub, int32_t from, int32_t to,
		       char *isrc)
{
	for (int32_t l = from; l < to; l++) {
		uint32_t i = (uint32_t)(l - m->first);
		uint8_t raw[12];
		struct gm_subq q;

		if (l < m->first || i >= m->count
		    || (m->state[i] != GM_QMAP_FILLED && m->state[i] != GM_QMAP_OTHER))
			continue;
		gm_sub_channel(sub + (size_t)i * GM_SUB_SIZE, GM_SUB_Q, raw);
		if (gm_subq_decode(raw, &q) == GM_SUBQ_OK && q.adr == 3) {
			memcpy(isrc, q.isrc, 13);
			return;
		}
	}
}

int gm_qmap_layout(struct gm_ctx *ctx, const struct gm_qmap *m, const uint8_t *sub,
		   struct gm_disc *d)
{
	int last_track = 0;
	bool in_leadout = false;

	memset(d->tracks, 0, sizeof(d->tracks));
	d->ntracks = 0;
	d->leadout = 0;
	memcpy(d->mcn, m->mcn, sizeof(d->mcn));
	for (uint32_t i = 0; i < m->count; i++) {
		const struct gm_subq *q = &m->q[i];
		int32_t lba = m->first + (int32_t)i;
		struct gm_track *t;

		if (m->state[i] == GM_QMAP_BAD || m->state[i] == GM_QMAP_OTHER
		    || m->state[i] == GM_QMAP_LOST)
			continue;
		if (q->track == GM_TRACK_LEADOUT) {
			if (d->ntracks > 0 && d->tracks[d->ntracks - 1].end == 0)
				d->tracks[d->ntracks - 1].end = lba;
			if (!in_leadout)	/* a session's lead-out begins */
				d->leadout = lba;
			in_leadout = true;
			continue;
		}
		in_leadout = false;
		if (q->track < 1 || q->track > 99 || q->index > 99)
			continue;
		if (q->track != last_track) {
			if (q->track < last_track || d->ntracks == GM_MAX_TRACKS)
				continue;	/* backwards: a stray frame */
			if (d->ntracks > 0 && d->tracks[d->ntracks - 1].end == 0)
				d->tracks[d->ntracks - 1].end = lba;
			t = &d->tracks[d->ntracks++];
			t->number = q->track;
			t->control = q->control;
			t->mode = q->control & GM_CTL_DATA ? GM_TRACK_MODE1 : GM_TRACK_AUDIO;
			for (int k = 0; k < 100; k++)
				t->index[k] = -1;
			t->index[q->index] = lba;
			t->nindex = q->index;
			t->sub_file = -1;
			last_track = q->track;
			continue;
		}
		t = &d->tracks[d->ntracks - 1];
		if (t->index[q->index] < 0) {
			t->index[q->index] = lba;
			if (q->index > t->nindex)
				t->nindex = q->index;
		}
	}
	if (d->ntracks == 0)
		return gm_error_set(ctx, GM_ERR_FORMAT, "the subchannel holds no track "
				    "(no Q frame of ADR 1 in the program area)");
	for (unsigned n = 0; n < d->ntracks; n++) {
		struct gm_track *t = &d->tracks[n];

		if (t->index[1] < 0)
			return gm_error_set(ctx, GM_ERR_FORMAT, "track %u has no index 1 in "
					    "the subchannel", t->number);
		if (t->index[0] < 0)
			t->index[0] = t->index[1];
		for (unsigned k = 2; k <= t->nindex; k++)
			if (t->index[k] < 0)
				t->index[k] = t->index[k - 1];
		if (t->end == 0)
			t->end = m->first + (int32_t)m->count;
		if (t->nindex < 1)
			t->nindex = 1;
		track_isrc(m, sub, t->index[1], t->end, t->isrc);
	}
	if (d->leadout == 0)
		d->leadout = d->tracks[d->ntracks - 1].end;
	return 0;
}
