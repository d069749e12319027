/*
 * test_subchannel.c - unit tests of the subchannel layer (formats.h):
 * interleaving, the Q CRC-16, Q decoding and encoding (ADR 1, 2 and 3) and
 * generating P and Q from a track layout.
 *
 * Expected Q frames are built here byte by byte from ECMA-130 22.3 with
 * reference code (bitwise CRC-16, own interleaver, own ISRC packing) that
 * shares nothing with the library.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "gm_test.h"

/* ---------------------------------------------------------------------
 * Reference code, independent of the library
 */

/* CRC-16, polynomial 0x1021, init 0, not reflected, bit by bit. */
static uint16_t ref_crc16(const uint8_t *p, size_t len)
{
	uint16_t crc = 0;

	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int bit = 0; bit < 8; bit++) {
			if (crc & 0x8000u)
				crc = (uint16_t)((crc << 1) ^ 0x1021u);
			else
				crc = (uint16_t)(crc << 1);
		}
	}
	return crc;
}

/* Store the inverted CRC of q[0..9] big-endian in q[10], q[11]. */
static void ref_q_finish(uint8_t q[12])
{
	uint16_t crc = (uint16_t)~ref_crc16(q, 10);

	q[10] = (uint8_t)(crc >> 8);
	q[11] = (uint8_t)crc;
}

static bool ref_q_crc_ok(const uint8_t q[12])
{
	uint16_t crc = (uint16_t)~ref_crc16(q, 10);

	return q[10] == (uint8_t)(crc >> 8) && q[11] == (uint8_t)crc;
}

/* Interleaved (bit 7 = P ... bit 0 = W per symbol) to channel blocks. */
static void ref_deinterleave(const uint8_t in[96], uint8_t out[96])
{
	memset(out, 0, 96);
	for (int i = 0; i < 96; i++)
		for (int c = 0; c < 8; c++)
			if (in[i] & (0x80 >> c))
				out[12 * c + i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

static uint8_t ref_bcd(int v)
{
	return (uint8_t)((v / 10) << 4 | (v % 10));
}

/* LBA (>= -150) to binary M, S, F of lba + 150. */
static void ref_abs_msf(int32_t lba, int *m, int *s, int *f)
{
	int32_t v = lba + 150;

	*m = (int)(v / 4500);
	*s = (int)(v / 75 % 60);
	*f = (int)(v % 75);
}

/* Frames to binary M, S, F (no offset). */
static void ref_frames_msf(int32_t v, int *m, int *s, int *f)
{
	*m = (int)(v / 4500);
	*s = (int)(v / 75 % 60);
	*f = (int)(v % 75);
}

static int ref_isrc6(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 0x11;
	return 0;
}

/* An ADR 3 frame: 5 six-bit characters, 2 zero bits, 7 BCD digits, a
 * zero nibble, AFRAME (ECMA-130 22.3.3.4). */
static void ref_isrc_frame(uint8_t q[12], uint8_t ctl, const char *isrc,
			   int aframe)
{
	uint32_t bits = 0;
	int d[8];

	for (int i = 0; i < 5; i++)
		bits = bits << 6 | (uint32_t)ref_isrc6(isrc[i]);
	bits <<= 2;
	for (int i = 0; i < 7; i++)
		d[i] = (isrc[5 + i] >= '0' && isrc[5 + i] <= '9') ?
			       isrc[5 + i] - '0' : 0;
	d[7] = 0;
	q[0] = (uint8_t)(ctl << 4 | 3);
	q[1] = (uint8_t)(bits >> 24);
	q[2] = (uint8_t)(bits >> 16);
	q[3] = (uint8_t)(bits >> 8);
	q[4] = (uint8_t)bits;
	for (int i = 0; i < 4; i++)
		q[5 + i] = (uint8_t)(d[2 * i] << 4 | d[2 * i + 1]);
	q[9] = ref_bcd(aframe);
	ref_q_finish(q);
}

/* An ADR 2 frame: 13 BCD digits, 12 zero bits, AFRAME. */
static void ref_mcn_frame(uint8_t q[12], uint8_t ctl, const char *mcn,
			  int aframe)
{
	int d[14];

	for (int i = 0; i < 13; i++)
		d[i] = mcn[i] - '0';
	d[13] = 0;
	q[0] = (uint8_t)(ctl << 4 | 2);
	for (int i = 0; i < 7; i++)
		q[1 + i] = (uint8_t)(d[2 * i] << 4 | d[2 * i + 1]);
	q[8] = 0;
	q[9] = ref_bcd(aframe);
	ref_q_finish(q);
}

/* An ADR 1 frame with raw (already BCD) bytes. */
static void ref_pos_frame(uint8_t q[12], uint8_t ctl, uint8_t tno,
			  uint8_t idx, const uint8_t rel[3], uint8_t zero,
			  const uint8_t abs[3])
{
	q[0] = (uint8_t)(ctl << 4 | 1);
	q[1] = tno;
	q[2] = idx;
	memcpy(q + 3, rel, 3);
	q[6] = zero;
	memcpy(q + 7, abs, 3);
	ref_q_finish(q);
}

/* ---------------------------------------------------------------------
 * Self-checks of the reference code
 */

GM_TEST(subchannel_reference_selfcheck)
{
	uint8_t in[96], out[96];

	CU_ASSERT_EQUAL(ref_crc16((const uint8_t *)"123456789", 9), 0x31C3);
	memset(in, 0, sizeof(in));
	in[0] = 0x80;
	ref_deinterleave(in, out);
	CU_ASSERT_EQUAL(out[0], 0x80);
	in[0] = 0;
	in[95] = 0x01;
	ref_deinterleave(in, out);
	CU_ASSERT_EQUAL(out[95], 0x01);
	CU_ASSERT_EQUAL(ref_isrc6('A'), 0x11);
	CU_ASSERT_EQUAL(ref_isrc6('Z'), 0x2A);
	CU_ASSERT_EQUAL(ref_isrc6('7'), 7);
}

/* ---------------------------------------------------------------------
 * Interleaving
 */

static int count_nonzero(const uint8_t *p, size_t len, size_t except)
{
	int n = 0;

	for (size_t i = 0; i < len; i++)
		if (i != except && p[i] != 0)
			n++;
	return n;
}

GM_TEST(subchannel_deinterleave_hand)
{
	uint8_t in[96], out[96], back[96];

	memset(in, 0, sizeof(in));
	in[0] = 0x80;			/* P bit of symbol 0 */
	memset(out, 0xEE, sizeof(out));
	gm_sub_deinterleave(in, out);
	CU_ASSERT_EQUAL(out[0], 0x80);
	CU_ASSERT_EQUAL(count_nonzero(out, 96, 0), 0);
	gm_sub_interleave(out, back);
	CU_ASSERT_EQUAL(memcmp(back, in, 96), 0);

	memset(in, 0, sizeof(in));
	in[95] = 0x01;			/* W bit of symbol 95 */
	gm_sub_deinterleave(in, out);
	CU_ASSERT_EQUAL(out[95], 0x01);
	CU_ASSERT_EQUAL(count_nonzero(out, 96, 95), 0);

	memset(in, 0, sizeof(in));
	in[0] = 0x40;			/* Q bit of symbol 0 */
	gm_sub_deinterleave(in, out);
	CU_ASSERT_EQUAL(out[12], 0x80);
	CU_ASSERT_EQUAL(count_nonzero(out, 96, 12), 0);

	memset(in, 0, sizeof(in));
	in[9] = 0x01;			/* W bit of symbol 9 */
	gm_sub_deinterleave(in, out);
	CU_ASSERT_EQUAL(out[84 + 1], 0x40);
	CU_ASSERT_EQUAL(count_nonzero(out, 96, 85), 0);

	/* All P bits set: the P block is all ones, nothing else. */
	memset(in, 0x80, sizeof(in));
	gm_sub_deinterleave(in, out);
	for (int i = 0; i < 12; i++)
		CU_ASSERT_EQUAL(out[i], 0xFF);
	CU_ASSERT_EQUAL(count_nonzero(out + 12, 84, 84), 0);

	/* Interleave of a deinterleaved block with one bit of R. */
	memset(out, 0, sizeof(out));
	out[24 + 3] = 0x10;		/* R, bit 3*8+3 = symbol 27 */
	gm_sub_interleave(out, back);
	CU_ASSERT_EQUAL(back[27], 0x20);
	CU_ASSERT_EQUAL(count_nonzero(back, 96, 27), 0);
}

GM_TEST(subchannel_interleave_roundtrip)
{
	uint8_t a[96], b[96], c[96], ref[96];
	int bad = 0;

	gm_test_rng_seed(21);
	for (int rep = 0; rep < 200; rep++) {
		gm_test_rng_fill(a, sizeof(a));
		gm_sub_deinterleave(a, b);
		ref_deinterleave(a, ref);
		if (memcmp(b, ref, 96) != 0)
			bad++;
		gm_sub_interleave(b, c);
		if (memcmp(c, a, 96) != 0)
			bad++;

		/* The other way: deinterleaved data first. */
		gm_test_rng_fill(a, sizeof(a));
		gm_sub_interleave(a, b);
		ref_deinterleave(b, ref);
		if (memcmp(ref, a, 96) != 0)
			bad++;
		gm_sub_deinterleave(b, c);
		if (memcmp(c, a, 96) != 0)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

GM_TEST(subchannel_channel_extract)
{
	uint8_t in[96], ref[96], out[12];

	gm_test_rng_seed(22);
	for (int rep = 0; rep < 20; rep++) {
		gm_test_rng_fill(in, sizeof(in));
		ref_deinterleave(in, ref);
		for (int ch = GM_SUB_P; ch <= GM_SUB_W; ch++) {
			memset(out, 0xEE, sizeof(out));
			gm_sub_channel(in, (enum gm_subchannel)ch, out);
			CU_ASSERT_EQUAL(memcmp(out, ref + 12 * ch, 12), 0);
		}
	}
	/* Only the Q bit set everywhere: Q all ones, P all zero. */
	memset(in, 0x40, sizeof(in));
	gm_sub_channel(in, GM_SUB_Q, out);
	CU_ASSERT_EQUAL(count_nonzero(out, 12, 12), 12);
	CU_ASSERT_EQUAL(out[0], 0xFF);
	CU_ASSERT_EQUAL(out[11], 0xFF);
	gm_sub_channel(in, GM_SUB_P, out);
	CU_ASSERT_EQUAL(count_nonzero(out, 12, 12), 0);
}

/* ---------------------------------------------------------------------
 * CRC-16
 */

GM_TEST(subchannel_crc16)
{
	uint8_t buf[200];
	int bad = 0;

	CU_ASSERT_EQUAL(gm_crc16("123456789", 9), 0x31C3);
	CU_ASSERT_EQUAL(gm_crc16("", 0), 0);
	gm_test_rng_seed(23);
	for (size_t len = 0; len < sizeof(buf); len++) {
		gm_test_rng_fill(buf, len);
		if (gm_crc16(buf, len) != ref_crc16(buf, len))
			bad++;
		/* carried on, in two pieces, as CHD's hunks and map use it */
		if (gm_crc16_update(gm_crc16_update(0xffff, buf, len / 3), buf + len / 3,
				    len - len / 3)
		    != gm_crc16_update(0xffff, buf, len))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* CRC-16/CCITT-FALSE's check value */
	CU_ASSERT_EQUAL(gm_crc16_update(0xffff, "123456789", 9), 0x29B1);
}

GM_TEST(subchannel_q_crc_ok)
{
	static const uint8_t rel[3] = {0x01, 0x02, 0x03};
	static const uint8_t abs[3] = {0x10, 0x20, 0x30};
	uint8_t q[12];
	uint16_t crc;
	int bad = 0;

	ref_pos_frame(q, 4, 0x05, 0x01, rel, 0, abs);
	CU_ASSERT_TRUE(gm_subq_crc_ok(q));
	/* The CRC stored without inversion is wrong. */
	crc = ref_crc16(q, 10);
	q[10] = (uint8_t)(crc >> 8);
	q[11] = (uint8_t)crc;
	CU_ASSERT_FALSE(gm_subq_crc_ok(q));
	/* Little-endian is wrong too. */
	crc = (uint16_t)~crc;
	q[10] = (uint8_t)crc;
	q[11] = (uint8_t)(crc >> 8);
	CU_ASSERT_FALSE(gm_subq_crc_ok(q));

	/* Random frames with a good CRC, then each single-bit error. */
	gm_test_rng_seed(24);
	for (int rep = 0; rep < 50; rep++) {
		gm_test_rng_fill(q, 10);
		ref_q_finish(q);
		if (!gm_subq_crc_ok(q))
			bad++;
		for (int bit = 0; bit < 96; bit++) {
			q[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
			if (gm_subq_crc_ok(q))
				bad++;
			q[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* ---------------------------------------------------------------------
 * Q decoding and encoding
 */

static void assert_msf(struct gm_msf msf, int m, int s, int f)
{
	CU_ASSERT_EQUAL(msf.m, m);
	CU_ASSERT_EQUAL(msf.s, s);
	CU_ASSERT_EQUAL(msf.f, f);
}

GM_TEST(subchannel_q_decode_handmade_adr1)
{
	static const uint8_t rel[3] = {0x01, 0x02, 0x03};
	static const uint8_t abs[3] = {0x10, 0x20, 0x30};
	uint8_t q[12];
	struct gm_subq d;
	int bad = 0;

	ref_pos_frame(q, 4, 0x05, 0x01, rel, 0, abs);
	CU_ASSERT_EQUAL(q[0], 0x41);
	memset(&d, 0xEE, sizeof(d));
	CU_ASSERT_EQUAL(gm_subq_decode(q, &d), GM_SUBQ_OK);
	CU_ASSERT_EQUAL(d.control, 4);
	CU_ASSERT_EQUAL(d.adr, 1);
	CU_ASSERT_EQUAL(d.track, 5);
	CU_ASSERT_EQUAL(d.index, 1);
	assert_msf(d.rel, 1, 2, 3);
	CU_ASSERT_EQUAL(d.zero, 0);
	assert_msf(d.abs, 10, 20, 30);

	/* Any single flipped bit: bad CRC. */
	for (int bit = 0; bit < 96; bit++) {
		q[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		if (gm_subq_decode(q, &d) != GM_SUBQ_BAD_CRC)
			bad++;
		q[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
	}
	CU_ASSERT_EQUAL(bad, 0);

	/* A bad CRC still decodes the fields. */
	q[11] ^= 0x01;
	memset(&d, 0xEE, sizeof(d));
	CU_ASSERT_EQUAL(gm_subq_decode(q, &d), GM_SUBQ_BAD_CRC);
	CU_ASSERT_EQUAL(d.adr, 1);
	CU_ASSERT_EQUAL(d.track, 5);
	CU_ASSERT_EQUAL(d.index, 1);
	assert_msf(d.rel, 1, 2, 3);
	assert_msf(d.abs, 10, 20, 30);
}

GM_TEST(subchannel_q_encode_adr1)
{
	static const uint8_t rel[3] = {0x01, 0x02, 0x03};
	static const uint8_t abs[3] = {0x10, 0x20, 0x30};
	struct gm_subq q, d;
	uint8_t want[12], out[12];

	memset(&q, 0, sizeof(q));
	q.control = 0x4;
	q.adr = 1;
	q.track = 5;
	q.index = 1;
	q.rel = (struct gm_msf){1, 2, 3};
	q.zero = 0;
	q.abs = (struct gm_msf){10, 20, 30};
	memset(out, 0xEE, sizeof(out));
	gm_subq_encode(&q, out);
	ref_pos_frame(want, 4, 0x05, 0x01, rel, 0, abs);
	CU_ASSERT_EQUAL(memcmp(out, want, 12), 0);
	CU_ASSERT_TRUE(ref_q_crc_ok(out));

	memset(&d, 0xEE, sizeof(d));
	CU_ASSERT_EQUAL(gm_subq_decode(out, &d), GM_SUBQ_OK);
	CU_ASSERT_EQUAL(d.control, 4);
	CU_ASSERT_EQUAL(d.adr, 1);
	CU_ASSERT_EQUAL(d.track, 5);
	CU_ASSERT_EQUAL(d.index, 1);
	assert_msf(d.rel, 1, 2, 3);
	assert_msf(d.abs, 10, 20, 30);

	/* Two-digit values are BCD: track 42, index 99, 79:59:74. */
	q.control = GM_CTL_DCP | GM_CTL_PRE;
	q.track = 42;
	q.index = 99;
	q.rel = (struct gm_msf){0, 59, 74};
	q.abs = (struct gm_msf){79, 59, 74};
	gm_subq_encode(&q, out);
	CU_ASSERT_EQUAL(out[0], 0x31);
	CU_ASSERT_EQUAL(out[1], 0x42);
	CU_ASSERT_EQUAL(out[2], 0x99);
	CU_ASSERT_EQUAL(out[3], 0x00);
	CU_ASSERT_EQUAL(out[4], 0x59);
	CU_ASSERT_EQUAL(out[5], 0x74);
	CU_ASSERT_EQUAL(out[7], 0x79);
	CU_ASSERT_EQUAL(out[8], 0x59);
	CU_ASSERT_EQUAL(out[9], 0x74);
	CU_ASSERT_TRUE(ref_q_crc_ok(out));
	CU_ASSERT_EQUAL(gm_subq_decode(out, &d), GM_SUBQ_OK);
	CU_ASSERT_EQUAL(d.control, 3);
	CU_ASSERT_EQUAL(d.track, 42);
	CU_ASSERT_EQUAL(d.index, 99);
	assert_msf(d.rel, 0, 59, 74);
	assert_msf(d.abs, 79, 59, 74);
}

GM_TEST(subchannel_q_leadout)
{
	static const uint8_t rel[3] = {0x00, 0x01, 0x00};
	static const uint8_t abs[3] = {0x60, 0x02, 0x03};
	struct gm_subq q, d;
	uint8_t want[12], out[12];

	memset(&q, 0, sizeof(q));
	q.control = 0;
	q.adr = 1;
	q.track = GM_TRACK_LEADOUT;
	q.index = 1;
	q.rel = (struct gm_msf){0, 1, 0};
	q.abs = (struct gm_msf){60, 2, 3};
	gm_subq_encode(&q, out);
	ref_pos_frame(want, 0, 0xAA, 0x01, rel, 0, abs);
	CU_ASSERT_EQUAL(memcmp(out, want, 12), 0);
	memset(&d, 0xEE, sizeof(d));
	CU_ASSERT_EQUAL(gm_subq_decode(want, &d), GM_SUBQ_OK);
	CU_ASSERT_EQUAL(d.adr, 1);
	CU_ASSERT_EQUAL(d.track, GM_TRACK_LEADOUT);
	CU_ASSERT_EQUAL(d.index, 1);
	assert_msf(d.rel, 0, 1, 0);
	assert_msf(d.abs, 60, 2, 3);
}

GM_TEST(subchannel_q_leadin)
{
	static const uint8_t points[] = {0xA0, 0xA1, 0xA2, 0x01, 0x05, 0x99};
	uint8_t want[12], out[12];

	for (size_t i = 0; i < sizeof(points); i++) {
		static const uint8_t rel[3] = {0x00, 0x01, 0x02};
		static const uint8_t abs[3] = {0x01, 0x00, 0x00};
		struct gm_subq q, d;

		memset(&q, 0, sizeof(q));
		q.control = 0x4;
		q.adr = 1;
		q.track = 0;
		q.point = points[i];
		q.rel = (struct gm_msf){0, 1, 2};
		q.zero = 0;
		q.abs = (struct gm_msf){1, 0, 0};
		gm_subq_encode(&q, out);
		ref_pos_frame(want, 4, 0x00, points[i], rel, 0, abs);
		CU_ASSERT_EQUAL(memcmp(out, want, 12), 0);
		CU_ASSERT_EQUAL(out[2], points[i]);	/* POINT as stored */
		memset(&d, 0xEE, sizeof(d));
		CU_ASSERT_EQUAL(gm_subq_decode(want, &d), GM_SUBQ_OK);
		CU_ASSERT_EQUAL(d.control, 4);
		CU_ASSERT_EQUAL(d.adr, 1);
		CU_ASSERT_EQUAL(d.track, 0);
		CU_ASSERT_EQUAL(d.point, points[i]);
		assert_msf(d.rel, 0, 1, 2);
		CU_ASSERT_EQUAL(d.zero, 0);
		assert_msf(d.abs, 1, 0, 0);
	}
}

GM_TEST(subchannel_q_mcn)
{
	struct gm_subq q, d;
	uint8_t want[12], out[12];

	memset(&q, 0, sizeof(q));
	q.control = 0;
	q.adr = 2;
	memcpy(q.mcn, "0123456789012", 14);
	q.aframe = 42;
	memset(out, 0xEE, sizeof(out));
	gm_subq_encode(&q, out);
	ref_mcn_frame(want, 0, "0123456789012", 42);
	/* Written out by hand, too. */
	CU_ASSERT_EQUAL(want[0], 0x02);
	CU_ASSERT_EQUAL(want[1], 0x01);
	CU_ASSERT_EQUAL(want[2], 0x23);
	CU_ASSERT_EQUAL(want[3], 0x45);
	CU_ASSERT_EQUAL(want[4], 0x67);
	CU_ASSERT_EQUAL(want[5], 0x89);
	CU_ASSERT_EQUAL(want[6], 0x01);
	CU_ASSERT_EQUAL(want[7], 0x20);
	CU_ASSERT_EQUAL(want[8], 0x00);
	CU_ASSERT_EQUAL(want[9], 0x42);
	CU_ASSERT_EQUAL(memcmp(out, want, 12), 0);
	memset(&d, 0xEE, sizeof(d));
	CU_ASSERT_EQUAL(gm_subq_decode(out, &d), GM_SUBQ_OK);
	CU_ASSERT_EQUAL(d.adr, 2);
	CU_ASSERT_EQUAL(d.control, 0);
	CU_ASSERT_STRING_EQUAL(d.mcn, "0123456789012");
	CU_ASSERT_EQUAL(d.aframe, 42);

	q.control = GM_CTL_DATA;
	memcpy(q.mcn, "9876543210987", 14);
	q.aframe = 74;
	gm_subq_encode(&q, out);
	ref_mcn_frame(want, 4, "9876543210987", 74);
	CU_ASSERT_EQUAL(memcmp(out, want, 12), 0);
	CU_ASSERT_EQUAL(gm_subq_decode(out, &d), GM_SUBQ_OK);
	CU_ASSERT_EQUAL(d.control, 4);
	CU_ASSERT_STRING_EQUAL(d.mcn, "9876543210987");
	CU_ASSERT_EQUAL(d.aframe, 74);
}

GM_TEST(subchannel_q_isrc)
{
	static const char *const codes[] = {
		"USABC9912345", "GB0A19800001", "ZZ9Z99999999", "AA0000000000"
	};
	struct gm_subq q, d;
	uint8_t want[12], out[12];

	memset(&q, 0, sizeof(q));
	q.control = 0;
	q.adr = 3;
	memcpy(q.isrc, "USABC9912345", 13);
	q.aframe = 7;
	memset(out, 0xEE, sizeof(out));
	gm_subq_encode(&q, out);
	/* U=0x25 S=0x23 A=0x11 B=0x12 C=0x13 packed six bits each. */
	{
		static const uint8_t hand[10] = {
			0x03, 0x96, 0x34, 0x52, 0x4C, 0x99, 0x12, 0x34, 0x50,
			0x07
		};

		CU_ASSERT_EQUAL(memcmp(out, hand, 10), 0);
		memcpy(want, hand, 10);
		ref_q_finish(want);
		CU_ASSERT_EQUAL(memcmp(out, want, 12), 0);
	}
	memset(&d, 0xEE, sizeof(d));
	CU_ASSERT_EQUAL(gm_subq_decode(out, &d), GM_SUBQ_OK);
	CU_ASSERT_EQUAL(d.adr, 3);
	CU_ASSERT_EQUAL(d.control, 0);
	CU_ASSERT_STRING_EQUAL(d.isrc, "USABC9912345");
	CU_ASSERT_EQUAL(d.aframe, 7);

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		memcpy(q.isrc, codes[i], 13);
		q.control = (uint8_t)(i & 1 ? GM_CTL_DCP : 0);
		q.aframe = (uint8_t)(10 * i + 3);
		gm_subq_encode(&q, out);
		ref_isrc_frame(want, q.control, codes[i], q.aframe);
		CU_ASSERT_EQUAL(memcmp(out, want, 12), 0);
		memset(&d, 0xEE, sizeof(d));
		CU_ASSERT_EQUAL(gm_subq_decode(want, &d), GM_SUBQ_OK);
		CU_ASSERT_STRING_EQUAL(d.isrc, codes[i]);
		CU_ASSERT_EQUAL(d.control, q.control);
		CU_ASSERT_EQUAL(d.aframe, q.aframe);
	}

	/* Characters outside 0-9/A-Z are written as 0. */
	memcpy(q.isrc, "U?ABC99123-5", 13);
	q.control = 0;
	q.aframe = 1;
	gm_subq_encode(&q, out);
	ref_isrc_frame(want, 0, "U0ABC9912305", 1);
	CU_ASSERT_EQUAL(memcmp(out, want, 12), 0);
	CU_ASSERT_EQUAL(gm_subq_decode(out, &d), GM_SUBQ_OK);
	CU_ASSERT_STRING_EQUAL(d.isrc, "U0ABC9912305");
}

GM_TEST(subchannel_q_bad_field)
{
	static const uint8_t rel[3] = {0x00, 0x0F, 0x00};	/* not BCD */
	static const uint8_t abs[3] = {0x00, 0x02, 0x00};
	static const uint8_t good_rel[3] = {0x00, 0x00, 0x00};
	uint8_t q[12];
	struct gm_subq d;

	ref_pos_frame(q, 0, 0x01, 0x01, rel, 0, abs);
	CU_ASSERT_EQUAL(gm_subq_decode(q, &d), GM_SUBQ_BAD_FIELD);
	ref_pos_frame(q, 0, 0x01, 0x1A, good_rel, 0, abs);	/* index */
	CU_ASSERT_EQUAL(gm_subq_decode(q, &d), GM_SUBQ_BAD_FIELD);
	ref_pos_frame(q, 0, 0x3F, 0x01, good_rel, 0, abs);	/* track */
	CU_ASSERT_EQUAL(gm_subq_decode(q, &d), GM_SUBQ_BAD_FIELD);
	ref_pos_frame(q, 0, 0x01, 0x01, good_rel, 0, abs);
	CU_ASSERT_EQUAL(gm_subq_decode(q, &d), GM_SUBQ_OK);

	/* MCN with a nibble above 9. */
	ref_mcn_frame(q, 0, "0123456789012", 0);
	q[3] = 0x4A;
	ref_q_finish(q);
	CU_ASSERT_EQUAL(gm_subq_decode(q, &d), GM_SUBQ_BAD_FIELD);

	/* ISRC with the six-bit code 0x3F, which is no character. */
	ref_isrc_frame(q, 0, "USABC9912345", 0);
	q[1] |= 0xFC;
	ref_q_finish(q);
	CU_ASSERT_EQUAL(gm_subq_decode(q, &d), GM_SUBQ_BAD_FIELD);
	/* ISRC with a serial digit above 9. */
	ref_isrc_frame(q, 0, "USABC9912345", 0);
	q[6] = 0x1B;
	ref_q_finish(q);
	CU_ASSERT_EQUAL(gm_subq_decode(q, &d), GM_SUBQ_BAD_FIELD);
	/* A bad CRC is reported before a bad field. */
	q[11] ^= 0x01;
	CU_ASSERT_EQUAL(gm_subq_decode(q, &d), GM_SUBQ_BAD_CRC);
}

/* ---------------------------------------------------------------------
 * Generation from a layout
 */

static const char test_mcn[] = "0123456789012";
static const char test_isrc[] = "USABC9912345";

static struct gm_q_track test_tracks[3];

/*
 * Track 1: data, pregap from -150, index 1 at 0.  Track 2: audio with ISRC,
 * pregap 1000, index 1 at 1150, index 2 at 1300.  Track 3: audio, no
 * pregap, at 2000.  Lead-out at 3000.  MCN on the disc.
 */
static struct gm_q_layout test_layout(bool with_mcn)
{
	struct gm_q_layout l;

	memset(test_tracks, 0, sizeof(test_tracks));
	test_tracks[0].number = 1;
	test_tracks[0].control = GM_CTL_DATA;
	test_tracks[0].index[0] = -150;
	test_tracks[0].index[1] = 0;
	test_tracks[0].nindex = 1;
	test_tracks[1].number = 2;
	test_tracks[1].control = 0;
	test_tracks[1].index[0] = 1000;
	test_tracks[1].index[1] = 1150;
	test_tracks[1].index[2] = 1300;
	test_tracks[1].nindex = 2;
	memcpy(test_tracks[1].isrc, test_isrc, sizeof(test_isrc));
	test_tracks[2].number = 3;
	test_tracks[2].control = 0;
	test_tracks[2].index[0] = 2000;
	test_tracks[2].index[1] = 2000;
	test_tracks[2].nindex = 1;
	memset(&l, 0, sizeof(l));
	l.tracks = test_tracks;
	l.ntracks = 3;
	l.leadout = 3000;
	if (with_mcn)
		memcpy(l.mcn, test_mcn, sizeof(test_mcn));
	return l;
}

/* What the layout says of lba: track number, index, relative frames. */
static void expect_position(int32_t lba, int *track, int *index,
			    int32_t *rel, int *ctl, bool *isrc)
{
	const struct gm_q_track *t = NULL;

	*isrc = false;
	if (lba >= 3000) {
		*track = GM_TRACK_LEADOUT;
		*index = 1;
		*rel = lba - 3000;
		*ctl = -1;		/* not checked */
		return;
	}
	for (int i = 0; i < 3; i++)
		if (test_tracks[i].index[0] <= lba)
			t = &test_tracks[i];
	*track = t->number;
	*ctl = t->control;
	*index = 0;
	for (unsigned i = 1; i <= t->nindex; i++)
		if (t->index[i] <= lba)
			*index = (int)i;
	if (*index == 0)
		*rel = t->index[1] - lba;	/* counts down to index 1 */
	else
		*rel = lba - t->index[1];
	*isrc = t->isrc[0] != '\0' && *index >= 1;
}

GM_TEST(subchannel_generate_spots)
{
	struct gm_q_layout l = test_layout(true);
	struct gm_subq q;

	CU_ASSERT_FALSE(gm_subq_generate(&l, -151, &q));
	CU_ASSERT_FALSE(gm_subq_generate(&l, -1000, &q));

	/* First pregap: 150 frames before index 1, counting down. */
	CU_ASSERT_TRUE_FATAL(gm_subq_generate(&l, -150, &q));
	CU_ASSERT_EQUAL(q.adr, 1);
	CU_ASSERT_EQUAL(q.control, GM_CTL_DATA);
	CU_ASSERT_EQUAL(q.track, 1);
	CU_ASSERT_EQUAL(q.index, 0);
	assert_msf(q.rel, 0, 2, 0);
	assert_msf(q.abs, 0, 0, 0);
	CU_ASSERT_EQUAL(q.zero, 0);

	CU_ASSERT_TRUE(gm_subq_generate(&l, -1, &q));
	CU_ASSERT_EQUAL(q.track, 1);
	CU_ASSERT_EQUAL(q.index, 0);
	assert_msf(q.rel, 0, 0, 1);
	assert_msf(q.abs, 0, 1, 74);

	CU_ASSERT_TRUE(gm_subq_generate(&l, 0, &q));
	CU_ASSERT_EQUAL(q.adr, 1);
	CU_ASSERT_EQUAL(q.track, 1);
	CU_ASSERT_EQUAL(q.index, 1);
	assert_msf(q.rel, 0, 0, 0);
	assert_msf(q.abs, 0, 2, 0);

	/* lba 75 carries the MCN (abs frame 225); 76 is position. */
	CU_ASSERT_TRUE(gm_subq_generate(&l, 76, &q));
	CU_ASSERT_EQUAL(q.adr, 1);
	assert_msf(q.rel, 0, 1, 1);
	assert_msf(q.abs, 0, 3, 1);

	/* Track 2 pregap and indexes. */
	CU_ASSERT_TRUE(gm_subq_generate(&l, 1000, &q));
	CU_ASSERT_EQUAL(q.adr, 1);
	CU_ASSERT_EQUAL(q.control, 0);
	CU_ASSERT_EQUAL(q.track, 2);
	CU_ASSERT_EQUAL(q.index, 0);
	assert_msf(q.rel, 0, 2, 0);
	CU_ASSERT_TRUE(gm_subq_generate(&l, 1149, &q));
	CU_ASSERT_EQUAL(q.index, 0);
	assert_msf(q.rel, 0, 0, 1);
	CU_ASSERT_TRUE(gm_subq_generate(&l, 1150, &q));
	CU_ASSERT_EQUAL(q.track, 2);
	CU_ASSERT_EQUAL(q.index, 1);
	assert_msf(q.rel, 0, 0, 0);
	CU_ASSERT_TRUE(gm_subq_generate(&l, 1200, &q));
	CU_ASSERT_EQUAL(q.adr, 1);
	CU_ASSERT_EQUAL(q.track, 2);
	CU_ASSERT_EQUAL(q.index, 1);
	assert_msf(q.rel, 0, 0, 50);
	assert_msf(q.abs, 0, 18, 0);
	CU_ASSERT_TRUE(gm_subq_generate(&l, 1300, &q));
	CU_ASSERT_EQUAL(q.track, 2);
	CU_ASSERT_EQUAL(q.index, 2);
	assert_msf(q.rel, 0, 2, 0);	/* relative to index 1 */
	CU_ASSERT_TRUE(gm_subq_generate(&l, 1999, &q));
	CU_ASSERT_EQUAL(q.track, 2);
	CU_ASSERT_EQUAL(q.index, 2);

	/* Track 3 has no pregap. */
	CU_ASSERT_TRUE(gm_subq_generate(&l, 2000, &q));
	CU_ASSERT_EQUAL(q.track, 3);
	CU_ASSERT_EQUAL(q.index, 1);
	assert_msf(q.rel, 0, 0, 0);

	/* Lead-out. */
	CU_ASSERT_TRUE(gm_subq_generate(&l, 3000, &q));
	CU_ASSERT_EQUAL(q.adr, 1);
	CU_ASSERT_EQUAL(q.track, GM_TRACK_LEADOUT);
	CU_ASSERT_EQUAL(q.index, 1);
	assert_msf(q.rel, 0, 0, 0);
	assert_msf(q.abs, 0, 42, 0);
	CU_ASSERT_TRUE(gm_subq_generate(&l, 3076, &q));
	CU_ASSERT_EQUAL(q.track, GM_TRACK_LEADOUT);
	assert_msf(q.rel, 0, 1, 1);
}

GM_TEST(subchannel_generate_mcn_isrc)
{
	struct gm_q_layout l = test_layout(true);
	struct gm_subq q;

	/* MCN in track 1's pregap (abs frame 25) and index 1 (325). */
	CU_ASSERT_TRUE_FATAL(gm_subq_generate(&l, -125, &q));
	CU_ASSERT_EQUAL(q.adr, 2);
	CU_ASSERT_EQUAL(q.control, GM_CTL_DATA);
	CU_ASSERT_STRING_EQUAL(q.mcn, test_mcn);
	CU_ASSERT_EQUAL(q.aframe, 25);
	CU_ASSERT_TRUE(gm_subq_generate(&l, 175, &q));
	CU_ASSERT_EQUAL(q.adr, 2);
	CU_ASSERT_EQUAL(q.control, GM_CTL_DATA);
	CU_ASSERT_STRING_EQUAL(q.mcn, test_mcn);
	CU_ASSERT_EQUAL(q.aframe, 325 % 75);
	/* ...and in an audio track, with its control. */
	CU_ASSERT_TRUE(gm_subq_generate(&l, 1275, &q));
	CU_ASSERT_EQUAL(q.adr, 2);
	CU_ASSERT_EQUAL(q.control, 0);
	CU_ASSERT_STRING_EQUAL(q.mcn, test_mcn);

	/* ISRC in track 2 from index 1 on (abs 1375, 1475, 2075). */
	CU_ASSERT_TRUE(gm_subq_generate(&l, 1225, &q));
	CU_ASSERT_EQUAL(q.adr, 3);
	CU_ASSERT_EQUAL(q.control, 0);
	CU_ASSERT_STRING_EQUAL(q.isrc, test_isrc);
	CU_ASSERT_EQUAL(q.aframe, 1375 % 75);
	CU_ASSERT_TRUE(gm_subq_generate(&l, 1325, &q));	/* index 2 */
	CU_ASSERT_EQUAL(q.adr, 3);
	CU_ASSERT_STRING_EQUAL(q.isrc, test_isrc);
	CU_ASSERT_TRUE(gm_subq_generate(&l, 1925, &q));
	CU_ASSERT_EQUAL(q.adr, 3);

	/* Not in track 2's pregap (abs 1175), not in tracks 1 and 3. */
	CU_ASSERT_TRUE(gm_subq_generate(&l, 1025, &q));
	CU_ASSERT_EQUAL(q.adr, 1);
	CU_ASSERT_EQUAL(q.track, 2);
	CU_ASSERT_EQUAL(q.index, 0);
	CU_ASSERT_TRUE(gm_subq_generate(&l, 25, &q));
	CU_ASSERT_EQUAL(q.adr, 1);
	CU_ASSERT_EQUAL(q.track, 1);
	CU_ASSERT_TRUE(gm_subq_generate(&l, 2025, &q));
	CU_ASSERT_EQUAL(q.adr, 1);
	CU_ASSERT_EQUAL(q.track, 3);

	/* Without an MCN the frame is a position frame. */
	l = test_layout(false);
	CU_ASSERT_TRUE(gm_subq_generate(&l, -125, &q));
	CU_ASSERT_EQUAL(q.adr, 1);
	CU_ASSERT_EQUAL(q.track, 1);
	CU_ASSERT_EQUAL(q.index, 0);
	assert_msf(q.rel, 0, 1, 50);
	assert_msf(q.abs, 0, 0, 25);
}

/* Walk every sector from the first pregap into the lead-out. */
GM_TEST(subchannel_generate_walk)
{
	struct gm_q_layout l = test_layout(true);
	long bad_pos = 0, bad_adr = 0, bad_msg = 0, bad_ctl = 0, nmcn = 0,
	     nisrc = 0;

	for (int32_t lba = -150; lba < 3300; lba++) {
		struct gm_subq q;
		int track, index, ctl, am, as, af;
		int32_t rel;
		bool isrc;
		long absf = lba + 150;

		memset(&q, 0xEE, sizeof(q));
		if (!gm_subq_generate(&l, lba, &q)) {
			bad_pos++;
			continue;
		}
		expect_position(lba, &track, &index, &rel, &ctl, &isrc);
		if (ctl >= 0 && q.control != ctl)
			bad_ctl++;
		ref_abs_msf(lba, &am, &as, &af);
		if (absf % 100 == 25 && track != GM_TRACK_LEADOUT) {
			nmcn++;
			if (q.adr != 2)
				bad_adr++;
			else if (strcmp(q.mcn, test_mcn) != 0 ||
				 q.aframe != af)
				bad_msg++;
			continue;
		}
		if (absf % 100 == 75 && isrc) {
			nisrc++;
			if (q.adr != 3)
				bad_adr++;
			else if (strcmp(q.isrc, test_isrc) != 0 ||
				 q.aframe != af)
				bad_msg++;
			continue;
		}
		/* The lead-out may or may not carry the MCN. */
		if (track == GM_TRACK_LEADOUT && q.adr == 2) {
			if (absf % 100 != 25 || strcmp(q.mcn, test_mcn) != 0)
				bad_msg++;
			continue;
		}
		if (q.adr != 1) {
			bad_adr++;
			continue;
		}
		{
			int rm, rs, rf;

			ref_frames_msf(rel, &rm, &rs, &rf);
			if (q.track != track || q.index != index ||
			    q.rel.m != rm || q.rel.s != rs || q.rel.f != rf ||
			    q.abs.m != am || q.abs.s != as || q.abs.f != af ||
			    q.zero != 0)
				bad_pos++;
		}
	}
	CU_ASSERT_EQUAL(bad_pos, 0);
	CU_ASSERT_EQUAL(bad_adr, 0);
	CU_ASSERT_EQUAL(bad_msg, 0);
	CU_ASSERT_EQUAL(bad_ctl, 0);
	CU_ASSERT_EQUAL(nmcn, 32);	/* abs 25, 125 .. 3125 */
	CU_ASSERT_EQUAL(nisrc, 8);	/* abs 1375, 1475 .. 2075 */
}

/* Is a 12-byte channel block all 0x00 (0), all 0xFF (1), or mixed (-1)? */
static int flag_block(const uint8_t *p)
{
	int ones = 0, zeros = 0;

	for (int i = 0; i < 12; i++) {
		ones += p[i] == 0xFF;
		zeros += p[i] == 0x00;
	}
	return ones == 12 ? 1 : zeros == 12 ? 0 : -1;
}

GM_TEST(subchannel_generate_pw)
{
	struct gm_q_layout l = test_layout(true);
	uint8_t sub[96], chans[96], qenc[12], qch[12];
	long bad_q = 0, bad_crc = 0, bad_rw = 0, bad_p = 0, bad_dec = 0;
	int lo_ones = 0, lo_zeros = 0;

	CU_ASSERT_FALSE(gm_sub_generate(&l, -151, sub));

	for (int32_t lba = -150; lba < 3300; lba++) {
		struct gm_subq q, d;

		memset(sub, 0xEE, sizeof(sub));
		if (!gm_sub_generate(&l, lba, sub) ||
		    !gm_subq_generate(&l, lba, &q)) {
			bad_q++;
			continue;
		}
		gm_subq_encode(&q, qenc);
		gm_sub_channel(sub, GM_SUB_Q, qch);
		ref_deinterleave(sub, chans);
		if (memcmp(qch, qenc, 12) != 0 ||
		    memcmp(chans + 12, qenc, 12) != 0)
			bad_q++;
		if (!ref_q_crc_ok(chans + 12))
			bad_crc++;
		if (count_nonzero(chans + 24, 72, 72) != 0)
			bad_rw++;
		if (flag_block(chans) < 0)
			bad_p++;
		if (gm_subq_decode(chans + 12, &d) != GM_SUBQ_OK ||
		    d.adr != q.adr || d.control != q.control)
			bad_dec++;
		else if (q.adr == 1 &&
			 (d.track != q.track || d.index != q.index ||
			  memcmp(&d.rel, &q.rel, sizeof(d.rel)) != 0 ||
			  memcmp(&d.abs, &q.abs, sizeof(d.abs)) != 0))
			bad_dec++;
		if (lba >= 3000) {
			lo_ones += flag_block(chans) == 1;
			lo_zeros += flag_block(chans) == 0;
		}
	}
	CU_ASSERT_EQUAL(bad_q, 0);
	CU_ASSERT_EQUAL(bad_crc, 0);
	CU_ASSERT_EQUAL(bad_rw, 0);
	CU_ASSERT_EQUAL(bad_p, 0);
	CU_ASSERT_EQUAL(bad_dec, 0);
	/* The lead-out flashes: both states appear in 300 sectors. */
	CU_ASSERT(lo_ones > 0);
	CU_ASSERT(lo_zeros > 0);

	/* P: set in pregaps (index 0), clear in index 1 and above. */
	{
		static const int32_t pregap[] = {-150, -100, -1, 1000, 1100,
						 1149};
		static const int32_t program[] = {0, 500, 1150, 1200, 1300,
						  2000, 2500};

		for (size_t i = 0; i < sizeof(pregap) / sizeof(pregap[0]);
		     i++) {
			CU_ASSERT_TRUE(gm_sub_generate(&l, pregap[i], sub));
			gm_sub_channel(sub, GM_SUB_P, chans);
			CU_ASSERT_EQUAL(flag_block(chans), 1);
		}
		for (size_t i = 0; i < sizeof(program) / sizeof(program[0]);
		     i++) {
			CU_ASSERT_TRUE(gm_sub_generate(&l, program[i], sub));
			gm_sub_channel(sub, GM_SUB_P, chans);
			CU_ASSERT_EQUAL(flag_block(chans), 0);
		}
	}
}
