/*
 * subchannel.c - the P-W subchannel of ECMA-130 clause 22: interleaving
 * between the 96 symbols a drive returns and the per-channel layout of
 * CloneCD .sub files, the Q channel's fields (22.3.2-22.3.4: ADR 1
 * position, ADR 2 media catalogue number, ADR 3 ISRC) and CRC, and the
 * generation of P and Q for a track layout so that an image without
 * subchannel can still supply it.
 */
#include "config.h"

#include <string.h>

#include "formats.h"
#include "banned.h"

/* ------------------------------------------------------------------ */
/* Interleaving */

void gm_sub_deinterleave(const uint8_t *in, uint8_t *out)
{
	memset(out, 0, GM_SUB_SIZE);
	for (unsigned i = 0; i < GM_SUB_SIZE; i++) {
		unsigned byte = i / 8, bit = 7 - i % 8;

		for (unsigned ch = 0; ch < 8; ch++)
			out[ch * 12 + byte] |= (uint8_t)(((in[i] >> (7 - ch)) & 1) << bit);
	}
}

/*
 * Byte k of the 8 channels is an 8 x 8 bit matrix (channel P's byte in
 * the top row, bit 7 the first column) whose transpose is the 8 symbols
 * k * 8 to k * 8 + 7: three swaps of ever larger blocks (Hacker's Delight
 * 7-3, transpose8).
 */
void gm_sub_interleave(const uint8_t *in, uint8_t *out)
{
	for (unsigned byte = 0; byte < 12; byte++) {
		uint64_t x = 0;

		for (unsigned ch = 0; ch < 8; ch++)
			x = x << 8 | in[ch * 12 + byte];
		x = (x & 0xAA55AA55AA55AA55ull) | ((x & 0x00AA00AA00AA00AAull) << 7)
		    | ((x >> 7) & 0x00AA00AA00AA00AAull);
		x = (x & 0xCCCC3333CCCC3333ull) | ((x & 0x0000CCCC0000CCCCull) << 14)
		    | ((x >> 14) & 0x0000CCCC0000CCCCull);
		x = (x & 0xF0F0F0F00F0F0F0Full) | ((x & 0x00000000F0F0F0F0ull) << 28)
		    | ((x >> 28) & 0x00000000F0F0F0F0ull);
		for (unsigned j = 0; j < 8; j++)
			out[byte * 8 + j] = (uint8_t)(x >> (56 - 8 * j));
	}
}

void gm_sub_channel(const uint8_t *in, enum gm_subchannel ch, uint8_t *out)
{
	unsigned shift = 7 - (unsigned)ch;

	for (unsigned byte = 0; byte < 12; byte++) {
		uint8_t v = 0;

		for (unsigned bit = 0; bit < 8; bit++)
			v = (uint8_t)((v << 1) | ((in[byte * 8 + bit] >> shift) & 1));
		out[byte] = v;
	}
}

/* ------------------------------------------------------------------ */
/* CRC-16 of the Q channel (ECMA-130 22.3.5) */

/* crc16_table[k][b]: the CRC of byte b followed by k zero bytes, so that
   eight bytes are taken at once (a UDF tree's File Entries, whose CRCs
   cover their embedded data, were half the time of an ls) */
static uint16_t crc16_table[8][256];

__attribute__((constructor)) static void crc16_init(void)
{
	for (unsigned i = 0; i < 256; i++) {
		uint16_t crc = (uint16_t)(i << 8);

		for (int bit = 0; bit < 8; bit++)
			crc = (uint16_t)((crc << 1) ^ ((crc & 0x8000) ? 0x1021 : 0));
		crc16_table[0][i] = crc;
	}
	for (unsigned k = 1; k < 8; k++)
		for (unsigned i = 0; i < 256; i++) {
			uint16_t prev = crc16_table[k - 1][i];

			crc16_table[k][i] = (uint16_t)((prev << 8) ^ crc16_table[0][prev >> 8]);
		}
}

uint16_t gm_crc16_update(uint16_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (; len >= 8; len -= 8, p += 8)
		crc = (uint16_t)(crc16_table[7][p[0] ^ (crc >> 8)]
				 ^ crc16_table[6][p[1] ^ (crc & 0xff)]
				 ^ crc16_table[5][p[2]] ^ crc16_table[4][p[3]]
				 ^ crc16_table[3][p[4]] ^ crc16_table[2][p[5]]
				 ^ crc16_table[1][p[6]] ^ crc16_table[0][p[7]]);
	while (len--)
		crc = (uint16_t)((crc << 8) ^ crc16_table[0][(crc >> 8) ^ *p++]);
	return crc;
}

uint16_t gm_crc16(const void *buf, size_t len)
{
	return gm_crc16_update(0, buf, len);
}

bool gm_subq_crc_ok(const uint8_t *in)
{
	uint16_t crc = (uint16_t)~gm_crc16(in, 10);

	return in[10] == (crc >> 8) && in[11] == (crc & 0xff);
}

/* ------------------------------------------------------------------ */
/* Q fields */

bool gm_isrc_valid(const char *s)
{
	if (strlen(s) != 12)
		return false;
	for (int i = 0; i < 12; i++) {
		char c = s[i];
		bool digit = c >= '0' && c <= '9';

		if (i < 5 ? !(digit || (c >= 'A' && c <= 'Z')) : !digit)
			return false;
	}
	return true;
}

/* ISRC characters in 6 bits (ECMA-130 22.3.4.3): 0-9 and A-Z. */
static int isrc_char_encode(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 0x11;
	return -1;
}

static int isrc_char_decode(unsigned v)
{
	if (v <= 9)
		return (int)('0' + v);
	if (v >= 0x11 && v <= 0x2a)
		return (int)('A' + v - 0x11);
	return -1;
}

/* Decode a BCD byte; on a bad one keep the raw value and note it. */
static uint8_t bcd_field(uint8_t bcd, bool *bad)
{
	int v = gm_bcd_decode(bcd);

	if (v < 0) {
		*bad = true;
		return bcd;
	}
	return (uint8_t)v;
}

static struct gm_msf msf_field(const uint8_t *p, bool *bad)
{
	struct gm_msf msf;

	msf.m = bcd_field(p[0], bad);
	msf.s = bcd_field(p[1], bad);
	msf.f = bcd_field(p[2], bad);
	return msf;
}

enum gm_subq_status gm_subq_decode(const uint8_t *in, struct gm_subq *q)
{
	bool bad = false;

	memset(q, 0, sizeof(*q));
	q->control = in[0] >> 4;
	q->adr = in[0] & 0x0f;
	switch (q->adr) {
	case 2:
		for (unsigned i = 0; i < 13; i++) {
			unsigned nibble = (in[1 + i / 2] >> (i % 2 ? 0 : 4)) & 0x0f;

			if (nibble > 9)
				bad = true;
			q->mcn[i] = (char)('0' + (nibble > 9 ? 0 : nibble));
		}
		q->aframe = bcd_field(in[9], &bad);
		break;
	case 3: {
		uint32_t bits = (uint32_t)in[1] << 24 | (uint32_t)in[2] << 16
				| (uint32_t)in[3] << 8 | in[4];

		for (unsigned i = 0; i < 5; i++) {
			int c = isrc_char_decode((bits >> (26 - 6 * i)) & 0x3f);

			if (c < 0)
				bad = true;
			q->isrc[i] = (char)(c < 0 ? '0' : c);
		}
		for (unsigned i = 0; i < 7; i++) {
			unsigned nibble = (in[5 + i / 2] >> (i % 2 ? 0 : 4)) & 0x0f;

			if (nibble > 9)
				bad = true;
			q->isrc[5 + i] = (char)('0' + (nibble > 9 ? 0 : nibble));
		}
		q->aframe = bcd_field(in[9], &bad);
		break;
	}
	default:	/* ADR 1, and the lead-in's ADR 5 which shares its layout */
		q->track = in[1] == GM_TRACK_LEADOUT ? GM_TRACK_LEADOUT
						      : bcd_field(in[1], &bad);
		if (q->track == 0)
			q->point = in[2];
		else
			q->index = bcd_field(in[2], &bad);
		q->rel = msf_field(in + 3, &bad);
		q->zero = in[6];
		q->abs = msf_field(in + 7, &bad);
		break;
	}
	if (!gm_subq_crc_ok(in))
		return GM_SUBQ_BAD_CRC;
	return bad ? GM_SUBQ_BAD_FIELD : GM_SUBQ_OK;
}

static void put_msf(uint8_t *p, struct gm_msf msf)
{
	p[0] = gm_bcd_encode(msf.m);
	p[1] = gm_bcd_encode(msf.s);
	p[2] = gm_bcd_encode(msf.f);
}

static unsigned digit(char c)
{
	return c >= '0' && c <= '9' ? (unsigned)(c - '0') : 0;
}

void gm_subq_encode(const struct gm_subq *q, uint8_t *out)
{
	uint16_t crc;

	memset(out, 0, 12);
	out[0] = (uint8_t)((q->control & 0x0f) << 4 | (q->adr & 0x0f));
	switch (q->adr) {
	case 2:
		for (unsigned i = 0; i < 13 && q->mcn[i]; i++)
			out[1 + i / 2] |= (uint8_t)(digit(q->mcn[i]) << (i % 2 ? 0 : 4));
		out[9] = gm_bcd_encode(q->aframe);
		break;
	case 3: {
		uint32_t bits = 0;

		for (unsigned i = 0; i < 5; i++) {
			int c = q->isrc[i] ? isrc_char_encode(q->isrc[i]) : 0;

			bits |= (uint32_t)(c < 0 ? 0 : c) << (26 - 6 * i);
		}
		out[1] = (uint8_t)(bits >> 24);
		out[2] = (uint8_t)(bits >> 16);
		out[3] = (uint8_t)(bits >> 8);
		out[4] = (uint8_t)bits;
		for (unsigned i = 0; i < 7 && q->isrc[5 + i]; i++)
			out[5 + i / 2] |= (uint8_t)(digit(q->isrc[5 + i]) << (i % 2 ? 0 : 4));
		out[9] = gm_bcd_encode(q->aframe);
		break;
	}
	default:	/* ADR 1, and the lead-in's ADR 5 which shares its layout */
		out[1] = q->track == GM_TRACK_LEADOUT ? GM_TRACK_LEADOUT
						       : gm_bcd_encode(q->track);
		out[2] = q->track == 0 ? q->point : gm_bcd_encode(q->index);
		put_msf(out + 3, q->rel);
		out[6] = q->zero;
		put_msf(out + 7, q->abs);
		break;
	}
	crc = (uint16_t)~gm_crc16(out, 10);
	out[10] = (uint8_t)(crc >> 8);
	out[11] = (uint8_t)crc;
}

/* ------------------------------------------------------------------ */
/* Generation from a layout */

/* The MSF of a frame count (a relative time), saturating at 99:59:74. */
static struct gm_msf frames_to_msf(int32_t frames)
{
	struct gm_msf msf;

	if (frames < 0)
		frames = 0;
	if (frames > 100 * 60 * GM_FRAMES_PER_SECOND - 1)
		frames = 100 * 60 * GM_FRAMES_PER_SECOND - 1;
	msf.f = (uint8_t)(frames % GM_FRAMES_PER_SECOND);
	msf.s = (uint8_t)(frames / GM_FRAMES_PER_SECOND % 60);
	msf.m = (uint8_t)(frames / GM_FRAMES_PER_SECOND / 60);
	return msf;
}

/* Where lba falls: its track (NULL in the lead-out) and index. */
static const struct gm_q_track *locate(const struct gm_q_layout *layout,
				       int32_t lba, unsigned *index)
{
	const struct gm_q_track *t = NULL;

	if (lba >= layout->leadout) {
		*index = 1;
		return NULL;
	}
	for (unsigned i = 0; i < layout->ntracks; i++) {
		if (layout->tracks[i].index[0] > lba)
			break;
		t = &layout->tracks[i];
	}
	if (t == NULL)
		return NULL;
	*index = 0;
	for (unsigned i = 1; i <= t->nindex && i < 100; i++)
		if (t->index[i] <= lba)
			*index = i;
	return t;
}

bool gm_subq_generate(const struct gm_q_layout *layout, int32_t lba,
		      struct gm_subq *q)
{
	const struct gm_q_track *t;
	unsigned index = 0;
	int32_t absframe = lba + GM_LBA_PREGAP;

	memset(q, 0, sizeof(*q));
	if (layout->ntracks == 0 || lba < layout->tracks[0].index[0])
		return false;
	t = locate(layout, lba, &index);
	q->adr = 1;
	q->abs = frames_to_msf(absframe);
	if (t == NULL) {
		q->control = layout->tracks[layout->ntracks - 1].control;
		q->track = GM_TRACK_LEADOUT;
		q->index = 1;
		q->rel = frames_to_msf(lba - layout->leadout);
	} else {
		q->control = t->control;
		q->track = t->number;
		q->index = (uint8_t)index;
		q->rel = frames_to_msf(index == 0 ? t->index[1] - lba
						  : lba - t->index[1]);
	}

	if (layout->mcn[0] != '\0' && absframe % 100 == 25) {
		memcpy(q->mcn, layout->mcn, sizeof(q->mcn));
		q->mcn[13] = '\0';
		q->adr = 2;
	} else if (t != NULL && index >= 1 && t->isrc[0] != '\0'
		   && absframe % 100 == 75) {
		memcpy(q->isrc, t->isrc, sizeof(q->isrc));
		q->isrc[12] = '\0';
		q->adr = 3;
	}
	if (q->adr != 1)
		q->aframe = q->abs.f;
	return true;
}

bool gm_sub_generate(const struct gm_q_layout *layout, int32_t lba,
		     uint8_t *out)
{
	struct gm_subq q;
	uint8_t channels[GM_SUB_SIZE] = {0};
	bool p_flag;

	if (!gm_subq_generate(layout, lba, &q))
		return false;
	if (q.track == GM_TRACK_LEADOUT)
		/* 2 Hz, starting with ONE: 18.75 frames a half period. */
		p_flag = ((lba - layout->leadout) * 4 / GM_FRAMES_PER_SECOND) % 2 == 0;
	else
		p_flag = q.index == 0;
	memset(channels, p_flag ? 0xff : 0x00, 12);
	gm_subq_encode(&q, channels + 12);
	gm_sub_interleave(channels, out);
	return true;
}
