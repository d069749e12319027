/*
 * test_udf.c - unit tests of the ECMA-167 descriptor primitives of the
 * UDF writer (master/udf_desc.c): tags against a bitwise CRC-CCITT and a
 * checksum written out here, the CRC against ECMA-167 7.2.6's own example,
 * OSTA CS0 strings and dstrings byte by byte, timestamps and identifiers.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "gm_test.h"
#include "udf_desc.h"

/* CRC-CCITT (x^16 + x^12 + x^5 + 1), initial 0, bit by bit, MSB first. */
static uint16_t ref_crc(const uint8_t *p, size_t len)
{
	uint16_t crc = 0;

	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int bit = 0; bit < 8; bit++)
			crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
	}
	return crc;
}

GM_TEST(udf_crc_ecma_example)
{
	/* ECMA-167 3/7.2.6: the CRC of #70 #6A #77 is #3299 */
	static const uint8_t d[3] = { 0x70, 0x6a, 0x77 };

	CU_ASSERT_EQUAL(ref_crc(d, 3), 0x3299);
}

GM_TEST(udf_tag_fields)
{
	uint8_t d[512];
	unsigned sum = 0;

	gm_test_rng_seed(7);
	gm_test_rng_fill(d, sizeof(d));
	gm_udf_tag(d, 446, 6, 3, 1, 0x12345678);
	CU_ASSERT_EQUAL(d[0] | d[1] << 8, 6);
	CU_ASSERT_EQUAL(d[2] | d[3] << 8, 3);
	CU_ASSERT_EQUAL(d[5], 0);
	CU_ASSERT_EQUAL(d[6] | d[7] << 8, 1);
	CU_ASSERT_EQUAL(d[8] | d[9] << 8, ref_crc(d + 16, 430));
	CU_ASSERT_EQUAL(d[10] | d[11] << 8, 430);
	CU_ASSERT_EQUAL(d[12], 0x78);
	CU_ASSERT_EQUAL(d[13], 0x56);
	CU_ASSERT_EQUAL(d[14], 0x34);
	CU_ASSERT_EQUAL(d[15], 0x12);
	for (int i = 0; i < 16; i++)
		if (i != 4)
			sum += d[i];
	CU_ASSERT_EQUAL(d[4], sum & 0xff);
	CU_ASSERT_EQUAL(gm_udf_tag_checksum(d), d[4]);
}

GM_TEST(udf_tag_checksum_by_hand)
{
	/* a TD tag at sector 1: 08 00 03 00 .. 00 00 01 00 and a CRC of 0
	   over 496 zero bytes: 8 + 3 + 1 + 0xf0 (CRC length 496 = 0x1f0) */
	uint8_t d[512] = { 0 };

	gm_udf_tag(d, 512, 8, 3, 1, 1);
	CU_ASSERT_EQUAL(d[8], 0);
	CU_ASSERT_EQUAL(d[9], 0);
	CU_ASSERT_EQUAL(d[10], 0xf0);
	CU_ASSERT_EQUAL(d[11], 0x01);
	CU_ASSERT_EQUAL(d[4], (8 + 3 + 1 + 0xf0 + 0x01 + 1) & 0xff);
}

GM_TEST(udf_cs0_8bit)
{
	uint8_t out[32];
	bool lossy = false, cut = false;
	size_t n = gm_udf_cs0(out, sizeof(out), "h\xc3\xa9llo", 6, &lossy, &cut);

	CU_ASSERT_EQUAL(n, 6);
	CU_ASSERT_EQUAL(memcmp(out, "\x08h\xe9llo", 6), 0);
	CU_ASSERT_FALSE(lossy);
	CU_ASSERT_FALSE(cut);
	CU_ASSERT_EQUAL(gm_udf_cs0(out, sizeof(out), "", 0, NULL, NULL), 0);
}

GM_TEST(udf_cs0_16bit)
{
	/* "a€😀": U+0061, U+20AC, U+1F600 (surrogates D83D DE00) */
	static const uint8_t want[] = {
		16, 0x00, 0x61, 0x20, 0xac, 0xd8, 0x3d, 0xde, 0x00
	};
	uint8_t out[32];
	bool cut = false;
	size_t n = gm_udf_cs0(out, sizeof(out), "a\xe2\x82\xac\xf0\x9f\x98\x80", 8,
			      NULL, &cut);

	CU_ASSERT_EQUAL(n, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(out, want, sizeof(want)), 0);
	CU_ASSERT_FALSE(cut);
	/* no room for the pair: cut before it, never half of it */
	n = gm_udf_cs0(out, 7, "a\xe2\x82\xac\xf0\x9f\x98\x80", 8, NULL, &cut);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_TRUE(cut);
}

GM_TEST(udf_cs0_invalid_utf8)
{
	uint8_t out[8];
	bool lossy = false;
	size_t n = gm_udf_cs0(out, sizeof(out), "a\xff\xc3", 3, &lossy, NULL);

	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(memcmp(out, "\x08" "a\xff\xc3", 4), 0);
	CU_ASSERT_TRUE(lossy);
}

GM_TEST(udf_dstring)
{
	uint8_t f[32], want[32] = { 8, 'C', 'D', 'R', 'O', 'M' };

	want[31] = 6;
	CU_ASSERT_FALSE(gm_udf_dstring(f, sizeof(f), "CDROM"));
	CU_ASSERT_EQUAL(memcmp(f, want, 32), 0);
	memset(want, 0, sizeof(want));
	CU_ASSERT_FALSE(gm_udf_dstring(f, sizeof(f), ""));
	CU_ASSERT_EQUAL(memcmp(f, want, 32), 0);
	/* 40 characters: 30 fit beside the id and the length byte */
	CU_ASSERT_TRUE(gm_udf_dstring(f, sizeof(f),
				      "0123456789012345678901234567890123456789"));
	CU_ASSERT_EQUAL(f[0], 8);
	CU_ASSERT_EQUAL(f[30], '9');
	CU_ASSERT_EQUAL(f[31], 31);
}

GM_TEST(udf_timestamp)
{
	uint8_t t[12];

	/* 1700000000 is 2023-11-14 22:13:20 UTC */
	gm_udf_timestamp(t, 1700000000);
	CU_ASSERT_EQUAL(t[0] | t[1] << 8, 0x1000);
	CU_ASSERT_EQUAL(t[2] | t[3] << 8, 2023);
	CU_ASSERT_EQUAL(t[4], 11);
	CU_ASSERT_EQUAL(t[5], 14);
	CU_ASSERT_EQUAL(t[6], 22);
	CU_ASSERT_EQUAL(t[7], 13);
	CU_ASSERT_EQUAL(t[8], 20);
	CU_ASSERT_EQUAL(t[9] | t[10] | t[11], 0);
}

GM_TEST(udf_regid_charspec)
{
	static const uint8_t suffix[8] = { 1, 2, 0, 0, 0, 0, 0, 0 };
	uint8_t r[32], c[64];

	gm_udf_regid(r, "*OSTA UDF Compliant", suffix);
	CU_ASSERT_EQUAL(r[0], 0);
	CU_ASSERT_EQUAL(memcmp(r + 1, "*OSTA UDF Compliant", 19), 0);
	CU_ASSERT_EQUAL(r[20] | r[21] | r[22] | r[23], 0);
	CU_ASSERT_EQUAL(r[24], 1);
	CU_ASSERT_EQUAL(r[25], 2);
	gm_udf_charspec(c);
	CU_ASSERT_EQUAL(c[0], 0);
	CU_ASSERT_EQUAL(memcmp(c + 1, "OSTA Compressed Unicode", 23), 0);
	CU_ASSERT_EQUAL(c[24], 0);
}
