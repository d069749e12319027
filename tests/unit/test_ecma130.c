/*
 * test_ecma130.c - unit tests of the sector layer (formats.h): MSF/LBA and
 * BCD, sync and header, classification, EDC, ECC, whole-sector encoding and
 * checking, and the scrambler.
 *
 * The encoders are tested against reference code kept in this file that
 * shares nothing with the library: a bitwise CRC-32 for the EDC, a
 * Reed-Solomon syndrome check (ECMA-130 Annex A) over GF(2^8) with
 * shift-and-xor multiplication for the ECC, and a bit-by-bit LFSR for the
 * scrambler (ECMA-130 Annex B).  Byte positions are checked against the
 * byte map of ECMA-130 14 and CD-ROM XA written out here independently.
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

static const uint8_t ref_sync[12] = {
	0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00
};

/* EDC: CRC-32, poly 0x8001801B reflected (0xD8018001), init 0, no xorout. */
static uint32_t ref_edc_update(uint32_t crc, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int bit = 0; bit < 8; bit++) {
			if (crc & 1u)
				crc = (crc >> 1) ^ 0xD8018001u;
			else
				crc >>= 1;
		}
	}
	return crc;
}

static uint32_t ref_edc(const uint8_t *p, size_t len)
{
	return ref_edc_update(0, p, len);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* GF(2^8) with x^8+x^4+x^3+x^2+1, by shift and xor (no tables). */
static uint8_t gf_mul(uint8_t a, uint8_t b)
{
	uint8_t p = 0;

	while (b != 0) {
		if (b & 1)
			p ^= a;
		b >>= 1;
		a = (a & 0x80) ? (uint8_t)((a << 1) ^ 0x1D) : (uint8_t)(a << 1);
	}
	return p;
}

/* True when the codeword V_0..V_{n-1} has a nonzero syndrome S0 or S1. */
static bool codeword_bad(const uint8_t *v, size_t n)
{
	uint8_t s0 = 0, s1 = 0;

	for (size_t i = 0; i < n; i++) {
		s0 ^= v[i];
		s1 = (uint8_t)(gf_mul(s1, 2) ^ v[i]);
	}
	return s0 != 0 || s1 != 0;
}

/*
 * Number of P and Q codewords (of 86 + 52) of a raw sector whose syndromes
 * are not zero (ECMA-130 Annex A); 0 for a sector with correct parity.
 */
static int ref_ecc_failures(const uint8_t *raw_in, bool zero_header)
{
	uint8_t raw[GM_SECTOR_RAW];
	uint8_t v[45];
	int bad = 0;

	memcpy(raw, raw_in, sizeof(raw));
	if (zero_header)
		memset(raw + 12, 0, 4);
	for (int c = 0; c < 86; c++) {
		for (int r = 0; r < 26; r++)
			v[r] = raw[12 + c + 86 * r];
		bad += codeword_bad(v, 26);
	}
	for (int k = 0; k < 26; k++) {
		for (int b = 0; b < 2; b++) {
			for (int m = 0; m < 43; m++)
				v[m] = raw[12 + 86 * ((k + m) % 26) + 2 * m + b];
			v[43] = raw[2248 + 2 * k + b];
			v[44] = raw[2248 + 52 + 2 * k + b];
			bad += codeword_bad(v, 45);
		}
	}
	return bad;
}

/* LBA to binary M, S, F (MMC: MSF = LBA + 150, lead-in LBA + 450150). */
static void ref_msf(int32_t lba, int *m, int *s, int *f)
{
	int32_t v = lba >= -150 ? lba + 150 : lba + 450150;

	*m = (int)(v / 4500);
	*s = (int)(v / 75 % 60);
	*f = (int)(v % 75);
}

static uint8_t ref_bcd(int v)
{
	return (uint8_t)((v / 10) << 4 | (v % 10));
}

static void ref_header(int32_t lba, uint8_t mode, uint8_t out[4])
{
	int m, s, f;

	ref_msf(lba, &m, &s, &f);
	out[0] = ref_bcd(m);
	out[1] = ref_bcd(s);
	out[2] = ref_bcd(f);
	out[3] = mode;
}

/* Scrambler: LFSR x^15 + x + 1 preset to 1, output LSB first. */
static void ref_scramble_table(uint8_t out[GM_SCRAMBLE_SIZE])
{
	uint16_t reg = 1;

	for (int i = 0; i < GM_SCRAMBLE_SIZE; i++) {
		uint8_t byte = 0;

		for (int bit = 0; bit < 8; bit++) {
			unsigned fb;

			byte |= (uint8_t)((reg & 1u) << bit);
			fb = (reg ^ (reg >> 1)) & 1u;
			reg = (uint16_t)((reg >> 1) | (fb << 14));
		}
		out[i] = byte;
	}
}

/* Test LBAs: lead-in, first pregap, program area, the last address. */
static const int32_t test_lbas[] = {
	-45150, -20000, -1000, -151, -150, -1, 0, 16, 12345, 300000, 404849
};
#define NLBAS (sizeof(test_lbas) / sizeof(test_lbas[0]))

/* A Mode 1 sector at lba with random user data (also returned in user). */
static void make_mode1(uint8_t *raw, int32_t lba, uint8_t *user)
{
	gm_test_rng_fill(user, GM_SECTOR_USER);
	memset(raw, 0xA5, GM_SECTOR_RAW);
	gm_sector_encode_mode1(raw, lba, user);
}

static void make_form1(uint8_t *raw, int32_t lba, uint8_t *user)
{
	static const uint8_t sh[4] = {1, 2, GM_SUBMODE_DATA, 0};

	gm_test_rng_fill(user, GM_SECTOR_USER);
	memset(raw, 0xA5, GM_SECTOR_RAW);
	gm_sector_encode_form1(raw, lba, sh, user);
}

static void make_form2(uint8_t *raw, int32_t lba, uint8_t *user, bool edc)
{
	static const uint8_t sh[4] = {1, 3, GM_SUBMODE_AUDIO, 0x05};

	gm_test_rng_fill(user, GM_SECTOR_FORM2);
	memset(raw, 0xA5, GM_SECTOR_RAW);
	gm_sector_encode_form2(raw, lba, sh, user, edc);
}

/* Overwrite the header address of raw with that of lba (mode kept). */
static void set_address(uint8_t *raw, int32_t lba)
{
	uint8_t h[4];

	ref_header(lba, raw[15], h);
	memcpy(raw + 12, h, 3);
}

/* ---------------------------------------------------------------------
 * Self-checks of the reference code (so that a wrong reference cannot
 * make the library look right)
 */

GM_TEST(ecma130_reference_selfcheck)
{
	static const uint8_t scr16[16] = {
		0x01, 0x80, 0x00, 0x60, 0x00, 0x28, 0x00, 0x1E,
		0x80, 0x08, 0x60, 0x06, 0xA8, 0x02, 0xFE, 0x81
	};
	uint8_t table[GM_SCRAMBLE_SIZE];
	uint8_t raw[GM_SECTOR_RAW];

	CU_ASSERT_EQUAL(ref_edc((const uint8_t *)"123456789", 9), 0x6EC2EDC4u);
	ref_scramble_table(table);
	CU_ASSERT_EQUAL(memcmp(table, scr16, 16), 0);
	CU_ASSERT_EQUAL(gf_mul(0x80, 2), 0x1D);
	CU_ASSERT_EQUAL(gf_mul(0x53, 1), 0x53);
	CU_ASSERT_EQUAL(gf_mul(0x02, 0x8E), 0x01);	/* 0x8E = alpha^-1 */
	/* The syndrome check finds random parity wrong, zeros right. */
	memset(raw, 0, sizeof(raw));
	CU_ASSERT_EQUAL(ref_ecc_failures(raw, false), 0);
	raw[12 + 5] = 1;
	CU_ASSERT(ref_ecc_failures(raw, false) > 0);
	CU_ASSERT_EQUAL(ref_ecc_failures(raw, false), 2); /* one P, one Q */
	gm_test_rng_seed(11);
	gm_test_rng_fill(raw, sizeof(raw));
	CU_ASSERT(ref_ecc_failures(raw, false) > 100);
}

/* ---------------------------------------------------------------------
 * MSF, LBA and BCD
 */

static void assert_msf_lba(int m, int s, int f, int32_t lba)
{
	struct gm_msf msf = {(uint8_t)m, (uint8_t)s, (uint8_t)f};
	struct gm_msf back = {0xEE, 0xEE, 0xEE};

	CU_ASSERT_EQUAL(gm_msf_to_lba(msf), lba);
	CU_ASSERT_TRUE(gm_lba_to_msf(lba, &back));
	CU_ASSERT_EQUAL(back.m, m);
	CU_ASSERT_EQUAL(back.s, s);
	CU_ASSERT_EQUAL(back.f, f);
}

GM_TEST(ecma130_msf_known)
{
	assert_msf_lba(0, 2, 0, 0);
	assert_msf_lba(0, 0, 0, -150);
	assert_msf_lba(0, 1, 74, -1);
	assert_msf_lba(89, 59, 74, 404849);
	assert_msf_lba(90, 0, 0, -45150);
	assert_msf_lba(99, 59, 74, -151);
	assert_msf_lba(1, 0, 0, 4350);
	assert_msf_lba(10, 20, 30, 10 * 4500 + 20 * 75 + 30 - 150);
	CU_ASSERT_EQUAL(GM_LBA_MIN, -45150);
	CU_ASSERT_EQUAL(GM_LBA_MAX, 404849);
}

GM_TEST(ecma130_msf_roundtrip_all)
{
	long bad_fwd = 0, bad_back = 0, bad_valid = 0;

	for (int32_t lba = GM_LBA_MIN; lba <= GM_LBA_MAX; lba++) {
		struct gm_msf msf = {0xEE, 0xEE, 0xEE};
		int m, s, f;

		ref_msf(lba, &m, &s, &f);
		if (!gm_lba_to_msf(lba, &msf) || msf.m != m || msf.s != s ||
		    msf.f != f) {
			bad_fwd++;
			continue;
		}
		if (!gm_msf_valid(msf))
			bad_valid++;
		if (gm_msf_to_lba(msf) != lba)
			bad_back++;
	}
	CU_ASSERT_EQUAL(bad_fwd, 0);
	CU_ASSERT_EQUAL(bad_back, 0);
	CU_ASSERT_EQUAL(bad_valid, 0);

	/* Every valid MSF maps to a distinct LBA in range and back. */
	bad_fwd = 0;
	for (int m = 0; m < 100; m++) {
		for (int s = 0; s < 60; s++) {
			for (int f = 0; f < 75; f++) {
				struct gm_msf msf = {(uint8_t)m, (uint8_t)s,
						     (uint8_t)f};
				struct gm_msf back;
				int32_t lba = gm_msf_to_lba(msf);
				int32_t want = m * 4500 + s * 75 + f -
					       (m >= 90 ? 450150 : 150);

				if (lba != want || !gm_lba_to_msf(lba, &back) ||
				    back.m != m || back.s != s || back.f != f)
					bad_fwd++;
			}
		}
	}
	CU_ASSERT_EQUAL(bad_fwd, 0);
}

GM_TEST(ecma130_msf_out_of_range)
{
	static const int32_t outside[] = {
		GM_LBA_MIN - 1, GM_LBA_MAX + 1, -450150, 1000000, INT32_MIN,
		INT32_MAX
	};

	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		struct gm_msf msf = {0xEE, 0xDD, 0xCC};

		CU_ASSERT_FALSE(gm_lba_to_msf(outside[i], &msf));
		CU_ASSERT_EQUAL(msf.m, 0xEE);
		CU_ASSERT_EQUAL(msf.s, 0xDD);
		CU_ASSERT_EQUAL(msf.f, 0xCC);
	}
}

GM_TEST(ecma130_msf_valid)
{
	CU_ASSERT_TRUE(gm_msf_valid((struct gm_msf){0, 0, 0}));
	CU_ASSERT_TRUE(gm_msf_valid((struct gm_msf){99, 59, 74}));
	CU_ASSERT_FALSE(gm_msf_valid((struct gm_msf){100, 0, 0}));
	CU_ASSERT_FALSE(gm_msf_valid((struct gm_msf){0, 60, 0}));
	CU_ASSERT_FALSE(gm_msf_valid((struct gm_msf){0, 0, 75}));
	CU_ASSERT_FALSE(gm_msf_valid((struct gm_msf){255, 255, 255}));
}

GM_TEST(ecma130_bcd)
{
	int bad = 0;

	for (unsigned v = 0; v < 100; v++) {
		uint8_t b = gm_bcd_encode(v);

		if (b != (uint8_t)((v / 10) << 4 | (v % 10)))
			bad++;
		if (gm_bcd_decode(b) != (int)v)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(gm_bcd_encode(0), 0x00);
	CU_ASSERT_EQUAL(gm_bcd_encode(59), 0x59);
	CU_ASSERT_EQUAL(gm_bcd_encode(99), 0x99);
	CU_ASSERT_EQUAL(gm_bcd_decode(0x1A), -1);
	CU_ASSERT_EQUAL(gm_bcd_decode(0xA1), -1);
	CU_ASSERT_EQUAL(gm_bcd_decode(0xFF), -1);
	CU_ASSERT_EQUAL(gm_bcd_decode(0x74), 74);

	/* All 256 bytes: valid exactly when both nibbles are digits. */
	bad = 0;
	for (int b = 0; b < 256; b++) {
		int hi = b >> 4, lo = b & 15;
		int want = (hi <= 9 && lo <= 9) ? hi * 10 + lo : -1;

		if (gm_bcd_decode((uint8_t)b) != want)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* ---------------------------------------------------------------------
 * Sync and header
 */

GM_TEST(ecma130_sync)
{
	uint8_t raw[GM_SECTOR_RAW];

	CU_ASSERT_EQUAL(memcmp(gm_sync_pattern, ref_sync, 12), 0);
	memset(raw, 0x5A, sizeof(raw));
	memcpy(raw, ref_sync, 12);
	CU_ASSERT_TRUE(gm_sync_check(raw));
	for (int i = 0; i < 12; i++) {
		raw[i] ^= 0x01;
		CU_ASSERT_FALSE(gm_sync_check(raw));
		raw[i] ^= 0x01;
	}
	CU_ASSERT_TRUE(gm_sync_check(raw));
	memset(raw, 0, sizeof(raw));
	CU_ASSERT_FALSE(gm_sync_check(raw));
	memset(raw, 0xFF, sizeof(raw));
	CU_ASSERT_FALSE(gm_sync_check(raw));
}

GM_TEST(ecma130_header_encode_decode)
{
	static const uint8_t modes[] = {0, 1, 2};
	uint8_t raw[GM_SECTOR_RAW];

	for (size_t i = 0; i < NLBAS; i++) {
		for (size_t j = 0; j < sizeof(modes); j++) {
			uint8_t want[4];
			int32_t lba = 0x12345;
			uint8_t mode = 0x77;

			memset(raw, 0xA5, sizeof(raw));
			gm_header_encode(raw, test_lbas[i], modes[j]);
			ref_header(test_lbas[i], modes[j], want);
			CU_ASSERT_EQUAL(memcmp(raw, ref_sync, 12), 0);
			CU_ASSERT_EQUAL(memcmp(raw + 12, want, 4), 0);
			CU_ASSERT_EQUAL(raw[16], 0xA5);	/* nothing more */
			CU_ASSERT_EQUAL(raw[GM_SECTOR_RAW - 1], 0xA5);
			CU_ASSERT_TRUE(gm_header_decode(raw, &lba, &mode));
			CU_ASSERT_EQUAL(lba, test_lbas[i]);
			CU_ASSERT_EQUAL(mode, modes[j]);
		}
	}
	/* Hand-made: LBA 0 is 00:02:00, LBA -45150 is 90:00:00. */
	gm_header_encode(raw, 0, 1);
	CU_ASSERT_EQUAL(raw[12], 0x00);
	CU_ASSERT_EQUAL(raw[13], 0x02);
	CU_ASSERT_EQUAL(raw[14], 0x00);
	CU_ASSERT_EQUAL(raw[15], 0x01);
	gm_header_encode(raw, -45150, 2);
	CU_ASSERT_EQUAL(raw[12], 0x90);
	CU_ASSERT_EQUAL(raw[13], 0x00);
	CU_ASSERT_EQUAL(raw[14], 0x00);
	CU_ASSERT_EQUAL(raw[15], 0x02);
	gm_header_encode(raw, 404849, 1);
	CU_ASSERT_EQUAL(raw[12], 0x89);
	CU_ASSERT_EQUAL(raw[13], 0x59);
	CU_ASSERT_EQUAL(raw[14], 0x74);
}

GM_TEST(ecma130_header_decode_invalid)
{
	uint8_t raw[GM_SECTOR_RAW];
	int32_t lba;
	uint8_t mode;

	gm_header_encode(raw, 1000, 1);
	raw[12] = 0x0A;			/* minute nibble not a digit */
	CU_ASSERT_FALSE(gm_header_decode(raw, &lba, &mode));
	gm_header_encode(raw, 1000, 1);
	raw[13] = 0xF0;
	CU_ASSERT_FALSE(gm_header_decode(raw, &lba, &mode));
	gm_header_encode(raw, 1000, 1);
	raw[14] = 0x1B;
	CU_ASSERT_FALSE(gm_header_decode(raw, &lba, &mode));
	gm_header_encode(raw, 1000, 1);
	raw[13] = 0x60;			/* valid BCD, second 60 */
	CU_ASSERT_FALSE(gm_header_decode(raw, &lba, &mode));
	gm_header_encode(raw, 1000, 1);
	raw[14] = 0x75;			/* valid BCD, frame 75 */
	CU_ASSERT_FALSE(gm_header_decode(raw, &lba, &mode));
}

/* ---------------------------------------------------------------------
 * EDC
 */

GM_TEST(ecma130_edc_known)
{
	static const uint8_t zero4[4] = {0, 0, 0, 0};

	CU_ASSERT_EQUAL(gm_edc("123456789", 9), 0x6EC2EDC4u);
	CU_ASSERT_EQUAL(gm_edc_update(0, "123456789", 9), 0x6EC2EDC4u);
	CU_ASSERT_EQUAL(gm_edc("", 0), 0u);
	CU_ASSERT_EQUAL(gm_edc(zero4, 4), 0u);	/* init 0: zeros give 0 */
	CU_ASSERT_EQUAL(gm_edc("a", 1), ref_edc((const uint8_t *)"a", 1));
}

GM_TEST(ecma130_edc_random)
{
	static const size_t big[] = {2048, 2056, 2064, 2332, 2336, 2352};
	uint8_t buf[GM_SECTOR_RAW] = {0};
	int bad = 0;

	gm_test_rng_seed(1);
	for (size_t len = 0; len <= 100; len++) {
		gm_test_rng_fill(buf, len);
		if (gm_edc(buf, len) != ref_edc(buf, len))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		for (int rep = 0; rep < 4; rep++) {
			gm_test_rng_fill(buf, big[i]);
			CU_ASSERT_EQUAL(gm_edc(buf, big[i]),
					ref_edc(buf, big[i]));
		}
	}
	/* Unaligned start addresses. */
	gm_test_rng_fill(buf, sizeof(buf));
	for (size_t off = 1; off < 8; off++)
		CU_ASSERT_EQUAL(gm_edc(buf + off, 2064),
				ref_edc(buf + off, 2064));
}

/* Both ways of computing (CPU-specific folding where the CPU has it, and
 * the tables alone) agree with the bitwise reference, from any start
 * value, at every length up to a sector and a little over. */
GM_TEST(ecma130_edc_paths_agree)
{
	uint8_t buf[GM_SECTOR_RAW + 200];
	unsigned bad_fast = 0, bad_tables = 0;

	gm_test_rng_seed(21);
	gm_test_rng_fill(buf, sizeof(buf));
	for (size_t len = 0; len <= sizeof(buf) - 8; len += len < 300 ? 1 : 7) {
		uint32_t start = len % 5 == 0 ? 0 : gm_test_rng_next();
		size_t off = len % 8;
		uint32_t want = ref_edc_update(start, buf + off, len);

		bad_fast += gm_edc_update(start, buf + off, len) != want;
		bad_tables += gm_edc_update_tables(start, buf + off, len) != want;
	}
	CU_ASSERT_EQUAL(bad_fast, 0);
	CU_ASSERT_EQUAL(bad_tables, 0);
}

GM_TEST(ecma130_edc_update_chain)
{
	uint8_t buf[2064];
	uint32_t whole;
	int bad = 0;

	gm_test_rng_seed(2);
	gm_test_rng_fill(buf, sizeof(buf));
	whole = ref_edc(buf, sizeof(buf));
	CU_ASSERT_EQUAL(gm_edc(buf, sizeof(buf)), whole);
	for (size_t k = 0; k <= sizeof(buf); k += (k < 40 ? 1 : 13)) {
		uint32_t e = gm_edc_update(0, buf, k);

		e = gm_edc_update(e, buf + k, sizeof(buf) - k);
		if (e != whole)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* Byte at a time, and three pieces. */
	{
		uint32_t e = 0;

		for (size_t i = 0; i < sizeof(buf); i++)
			e = gm_edc_update(e, buf + i, 1);
		CU_ASSERT_EQUAL(e, whole);
		e = gm_edc_update(0, buf, 7);
		e = gm_edc_update(e, buf + 7, 1000);
		e = gm_edc_update(e, buf + 1007, sizeof(buf) - 1007);
		CU_ASSERT_EQUAL(e, whole);
		/* The intermediate value is the EDC of the prefix. */
		CU_ASSERT_EQUAL(gm_edc_update(0, buf, 1000),
				ref_edc(buf, 1000));
		CU_ASSERT_EQUAL(gm_edc_update(ref_edc(buf, 500), buf + 500, 0),
				ref_edc(buf, 500));
	}
}

/* ---------------------------------------------------------------------
 * ECC
 */

GM_TEST(ecma130_ecc_generate)
{
	uint8_t raw[GM_SECTOR_RAW], copy[GM_SECTOR_RAW];

	gm_test_rng_seed(3);
	for (int rep = 0; rep < 4; rep++) {
		gm_test_rng_fill(raw, sizeof(raw));
		CU_ASSERT(ref_ecc_failures(raw, false) > 0);
		memcpy(copy, raw, sizeof(raw));
		gm_ecc_generate(raw, false);
		/* Only the parity (2076..2351) is written. */
		CU_ASSERT_EQUAL(memcmp(raw, copy, 2076), 0);
		CU_ASSERT_EQUAL(ref_ecc_failures(raw, false), 0);
		CU_ASSERT_TRUE(gm_ecc_check(raw, false));

		/* Zero header: the parity is that of a zeroed header, and
		 * the header itself is left as it was. */
		memcpy(raw, copy, sizeof(raw));
		raw[15] = 2;
		memcpy(copy, raw, sizeof(raw));
		gm_ecc_generate(raw, true);
		CU_ASSERT_EQUAL(memcmp(raw, copy, 2076), 0);
		CU_ASSERT_EQUAL(ref_ecc_failures(raw, true), 0);
		CU_ASSERT(ref_ecc_failures(raw, false) > 0);
		CU_ASSERT_TRUE(gm_ecc_check(raw, true));
		CU_ASSERT_FALSE(gm_ecc_check(raw, false));
	}
}

GM_TEST(ecma130_ecc_check_detects)
{
	static const size_t pos[] = {
		12, 15, 16, 1000, 2063, 2070, 2075,	/* data */
		2076, 2161, 2162, 2247,			/* P */
		2248, 2299, 2300, 2351			/* Q */
	};
	uint8_t raw[GM_SECTOR_RAW];

	gm_test_rng_seed(4);
	gm_test_rng_fill(raw, sizeof(raw));
	gm_ecc_generate(raw, false);
	CU_ASSERT_TRUE(gm_ecc_check(raw, false));
	for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		raw[pos[i]] ^= 0x40;
		CU_ASSERT_FALSE(gm_ecc_check(raw, false));
		raw[pos[i]] ^= 0x40;
	}
	CU_ASSERT_TRUE(gm_ecc_check(raw, false));
	/* Every byte the ECC covers, each bit pattern class once. */
	{
		size_t missed = 0;

		for (size_t i = 12; i < GM_SECTOR_RAW; i++) {
			uint8_t flip = (uint8_t)(1u << (i % 8)) | (uint8_t)(i & 0x81);

			raw[i] ^= flip;
			missed += gm_ecc_check(raw, false);
			raw[i] ^= flip;
		}
		CU_ASSERT_EQUAL(missed, 0);
	}
	CU_ASSERT_TRUE(gm_ecc_check(raw, false));
	/* Bytes 0..11 (sync) are outside the ECC. */
	raw[3] ^= 0xFF;
	CU_ASSERT_TRUE(gm_ecc_check(raw, false));
	raw[3] ^= 0xFF;
	/* With zero_header the header is ignored. */
	gm_ecc_generate(raw, true);
	raw[12] ^= 0x11;
	raw[15] ^= 0x02;
	CU_ASSERT_TRUE(gm_ecc_check(raw, true));
	raw[16] ^= 0x01;
	CU_ASSERT_FALSE(gm_ecc_check(raw, true));
}

/* Random damage of 1 to 40 bytes: the check agrees with the reference. */
GM_TEST(ecma130_ecc_check_random_damage)
{
	uint8_t raw[GM_SECTOR_RAW];
	unsigned disagree = 0, caught = 0;

	gm_test_rng_seed(41);
	for (int rep = 0; rep < 300; rep++) {
		bool zero_header = rep % 3 == 0;
		unsigned n = 1 + gm_test_rng_next() % 40;

		gm_test_rng_fill(raw, sizeof(raw));
		gm_ecc_generate(raw, zero_header);
		for (unsigned k = 0; k < n; k++)
			raw[12 + gm_test_rng_next() % (GM_SECTOR_RAW - 12)]
				^= (uint8_t)(1 + gm_test_rng_next() % 255);
		bool ref_good = ref_ecc_failures(raw, zero_header) == 0;

		disagree += gm_ecc_check(raw, zero_header) != ref_good;
		caught += !ref_good;
	}
	CU_ASSERT_EQUAL(disagree, 0);
	CU_ASSERT(caught > 250);	/* header damage is ignored with zero_header */
}

/* ---------------------------------------------------------------------
 * Encoding sectors: byte layout against ECMA-130 / CD-ROM XA
 */

GM_TEST(ecma130_encode_mode1_layout)
{
	uint8_t raw[GM_SECTOR_RAW], user[GM_SECTOR_USER];
	static const uint8_t zero8[8] = {0};

	gm_test_rng_seed(5);
	for (size_t i = 0; i < NLBAS; i++) {
		uint8_t h[4];

		make_mode1(raw, test_lbas[i], user);
		ref_header(test_lbas[i], 1, h);
		CU_ASSERT_EQUAL(memcmp(raw, ref_sync, 12), 0);
		CU_ASSERT_EQUAL(memcmp(raw + 12, h, 4), 0);
		CU_ASSERT_EQUAL(memcmp(raw + 16, user, GM_SECTOR_USER), 0);
		CU_ASSERT_EQUAL(get_le32(raw + 2064), ref_edc(raw, 2064));
		CU_ASSERT_EQUAL(memcmp(raw + 2068, zero8, 8), 0);
		CU_ASSERT_EQUAL(ref_ecc_failures(raw, false), 0);
		CU_ASSERT_TRUE(gm_ecc_check(raw, false));
		CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_1);
	}
	/* Same data, different address: the EDC covers the header. */
	{
		uint8_t raw2[GM_SECTOR_RAW];

		memset(raw2, 0, sizeof(raw2));
		gm_sector_encode_mode1(raw2, 17, user);
		gm_sector_encode_mode1(raw, 18, user);
		CU_ASSERT_NOT_EQUAL(get_le32(raw + 2064), get_le32(raw2 + 2064));
	}
}

GM_TEST(ecma130_encode_form1_layout)
{
	static const uint8_t sh_in[2][4] = {
		{0x01, 0x02, GM_SUBMODE_DATA, 0x00},
		/* Form 2 bit given: must be cleared in a Form 1 sector. */
		{0x07, 0x00, GM_SUBMODE_DATA | GM_SUBMODE_FORM2 |
			     GM_SUBMODE_EOR, 0x00},
	};
	uint8_t raw[GM_SECTOR_RAW], user[GM_SECTOR_USER];

	gm_test_rng_seed(6);
	for (size_t i = 0; i < NLBAS; i++) {
		for (int j = 0; j < 2; j++) {
			uint8_t h[4], sh[4];

			gm_test_rng_fill(user, sizeof(user));
			memset(raw, 0xA5, sizeof(raw));
			gm_sector_encode_form1(raw, test_lbas[i], sh_in[j], user);
			memcpy(sh, sh_in[j], 4);
			sh[2] &= (uint8_t)~GM_SUBMODE_FORM2;
			ref_header(test_lbas[i], 2, h);
			CU_ASSERT_EQUAL(memcmp(raw, ref_sync, 12), 0);
			CU_ASSERT_EQUAL(memcmp(raw + 12, h, 4), 0);
			CU_ASSERT_EQUAL(memcmp(raw + 16, sh, 4), 0);
			CU_ASSERT_EQUAL(memcmp(raw + 20, sh, 4), 0);
			CU_ASSERT_EQUAL(memcmp(raw + 24, user, GM_SECTOR_USER),
					0);
			CU_ASSERT_EQUAL(get_le32(raw + 2072),
					ref_edc(raw + 16, 2056));
			/* ECC computed with the header taken as zero. */
			CU_ASSERT_EQUAL(ref_ecc_failures(raw, true), 0);
			CU_ASSERT(ref_ecc_failures(raw, false) > 0);
			CU_ASSERT_TRUE(gm_ecc_check(raw, true));
			CU_ASSERT_EQUAL(gm_sector_classify(raw),
					GM_MODE_2_FORM_1);
		}
	}
}

GM_TEST(ecma130_encode_form2_layout)
{
	static const uint8_t sh_in[4] = {0x02, 0x01, GM_SUBMODE_AUDIO, 0x05};
	uint8_t raw[GM_SECTOR_RAW], user[GM_SECTOR_FORM2];
	static const uint8_t zero4[4] = {0};

	gm_test_rng_seed(7);
	for (size_t i = 0; i < NLBAS; i++) {
		for (int with_edc = 0; with_edc < 2; with_edc++) {
			uint8_t h[4], sh[4];

			gm_test_rng_fill(user, sizeof(user));
			memset(raw, 0xA5, sizeof(raw));
			gm_sector_encode_form2(raw, test_lbas[i], sh_in, user,
					       with_edc != 0);
			memcpy(sh, sh_in, 4);
			sh[2] |= GM_SUBMODE_FORM2;
			ref_header(test_lbas[i], 2, h);
			CU_ASSERT_EQUAL(memcmp(raw, ref_sync, 12), 0);
			CU_ASSERT_EQUAL(memcmp(raw + 12, h, 4), 0);
			CU_ASSERT_EQUAL(memcmp(raw + 16, sh, 4), 0);
			CU_ASSERT_EQUAL(memcmp(raw + 20, sh, 4), 0);
			CU_ASSERT_EQUAL(memcmp(raw + 24, user, GM_SECTOR_FORM2),
					0);
			if (with_edc) {
				CU_ASSERT_EQUAL(get_le32(raw + 2348),
						ref_edc(raw + 16, 2332));
			} else {
				CU_ASSERT_EQUAL(memcmp(raw + 2348, zero4, 4), 0);
			}
			CU_ASSERT_EQUAL(gm_sector_classify(raw),
					GM_MODE_2_FORM_2);
		}
	}
}

GM_TEST(ecma130_encode_mode2_mode0_layout)
{
	uint8_t raw[GM_SECTOR_RAW], user[GM_SECTOR_MODE2];
	uint8_t h[4];
	int nonzero = 0;

	gm_test_rng_seed(8);
	gm_test_rng_fill(user, sizeof(user));
	user[0] = 0x10;		/* subheader copies must not agree */
	user[4] = 0x11;
	memset(raw, 0xA5, sizeof(raw));
	gm_sector_encode_mode2(raw, 4321, user);
	ref_header(4321, 2, h);
	CU_ASSERT_EQUAL(memcmp(raw, ref_sync, 12), 0);
	CU_ASSERT_EQUAL(memcmp(raw + 12, h, 4), 0);
	CU_ASSERT_EQUAL(memcmp(raw + 16, user, GM_SECTOR_MODE2), 0);
	CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_2);

	memset(raw, 0xA5, sizeof(raw));
	gm_sector_encode_mode0(raw, -3);
	ref_header(-3, 0, h);
	CU_ASSERT_EQUAL(memcmp(raw, ref_sync, 12), 0);
	CU_ASSERT_EQUAL(memcmp(raw + 12, h, 4), 0);
	for (int i = 16; i < GM_SECTOR_RAW; i++)
		nonzero += raw[i] != 0;
	CU_ASSERT_EQUAL(nonzero, 0);
	CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_0);
}

GM_TEST(ecma130_classify)
{
	uint8_t raw[GM_SECTOR_RAW], user[GM_SECTOR_MODE2];

	gm_test_rng_seed(9);
	make_mode1(raw, 100, user);
	CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_1);
	raw[15] = 7;
	CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_INVALID);
	raw[15] = 0xFF;
	CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_INVALID);
	raw[0] = 0x01;
	CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_AUDIO);

	make_form1(raw, 100, user);
	CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_2_FORM_1);
	/* Form 2 bit set in both copies: Form 2. */
	raw[18] |= GM_SUBMODE_FORM2;
	raw[22] |= GM_SUBMODE_FORM2;
	CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_2_FORM_2);
	/* Copies disagree: formless Mode 2. */
	raw[22] &= (uint8_t)~GM_SUBMODE_FORM2;
	CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_2);
	make_form1(raw, 100, user);
	raw[16] ^= 0x01;	/* file number differs between copies */
	CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_2);

	make_form2(raw, 100, user, true);
	CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_2_FORM_2);
	raw[18] &= (uint8_t)~GM_SUBMODE_FORM2;
	raw[22] &= (uint8_t)~GM_SUBMODE_FORM2;
	CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_2_FORM_1);

	gm_sector_encode_mode0(raw, 5);
	CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_0);

	/* Random bytes without sync: audio. */
	gm_test_rng_fill(raw, sizeof(raw));
	raw[0] = 0x55;
	CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_AUDIO);
	memset(raw, 0, sizeof(raw));
	CU_ASSERT_EQUAL(gm_sector_classify(raw), GM_MODE_AUDIO);
}

GM_TEST(ecma130_names)
{
	static const enum gm_sector_mode modes[] = {
		GM_MODE_AUDIO, GM_MODE_0, GM_MODE_1, GM_MODE_2,
		GM_MODE_2_FORM_1, GM_MODE_2_FORM_2, GM_MODE_INVALID
	};
	static const enum gm_sector_check checks[] = {
		GM_CHECK_GOOD, GM_CHECK_BAD_SYNC, GM_CHECK_BAD_MODE,
		GM_CHECK_BAD_ADDRESS, GM_CHECK_BAD_EDC, GM_CHECK_BAD_ECC
	};
	const size_t nm = sizeof(modes) / sizeof(modes[0]);
	const size_t nc = sizeof(checks) / sizeof(checks[0]);

	CU_ASSERT_STRING_EQUAL(gm_sector_mode_name(GM_MODE_2_FORM_1),
			       "mode 2 form 1");
	CU_ASSERT_STRING_EQUAL(gm_sector_check_name(GM_CHECK_BAD_EDC),
			       "bad EDC");
	for (size_t i = 0; i < nm; i++) {
		const char *a = gm_sector_mode_name(modes[i]);

		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT(a[0] != '\0');
		for (size_t j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(a,
				gm_sector_mode_name(modes[j]));
	}
	for (size_t i = 0; i < nc; i++) {
		const char *a = gm_sector_check_name(checks[i]);

		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT(a[0] != '\0');
		for (size_t j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(a,
				gm_sector_check_name(checks[j]));
	}
}

/* ---------------------------------------------------------------------
 * Checking sectors
 */

/* Check raw; the user copy must be exactly info.user_size bytes. */
static enum gm_sector_check check(const uint8_t *raw, int32_t expected,
				  struct gm_sector_info *info, uint8_t *user)
{
	enum gm_sector_check st;

	memset(info, 0xEE, sizeof(*info));
	memset(user, 0xCC, GM_SECTOR_RAW + 16);
	st = gm_sector_check(raw, expected, info, user);
	CU_ASSERT_EQUAL(st, info->status);
	CU_ASSERT(info->user_size <= GM_SECTOR_MODE2);
	if (info->user_size <= GM_SECTOR_MODE2)
		CU_ASSERT_EQUAL(user[info->user_size], 0xCC);
	return st;
}

GM_TEST(ecma130_check_good)
{
	uint8_t raw[GM_SECTOR_RAW], in[GM_SECTOR_MODE2];
	uint8_t out[GM_SECTOR_RAW + 16];
	struct gm_sector_info info;

	gm_test_rng_seed(10);
	for (size_t i = 0; i < NLBAS; i++) {
		int32_t lba = test_lbas[i];

		make_mode1(raw, lba, in);
		CU_ASSERT_EQUAL(check(raw, lba, &info, out), GM_CHECK_GOOD);
		CU_ASSERT_EQUAL(info.mode, GM_MODE_1);
		CU_ASSERT_EQUAL(info.lba, lba);
		CU_ASSERT_EQUAL(info.user_offset, 16);
		CU_ASSERT_EQUAL(info.user_size, GM_SECTOR_USER);
		CU_ASSERT_EQUAL(memcmp(out, in, GM_SECTOR_USER), 0);
		CU_ASSERT_EQUAL(check(raw, GM_LBA_ANY, &info, out),
				GM_CHECK_GOOD);
		CU_ASSERT_EQUAL(info.lba, lba);
		CU_ASSERT_EQUAL(gm_sector_check(raw, lba, NULL, NULL),
				GM_CHECK_GOOD);

		make_form1(raw, lba, in);
		CU_ASSERT_EQUAL(check(raw, lba, &info, out), GM_CHECK_GOOD);
		CU_ASSERT_EQUAL(info.mode, GM_MODE_2_FORM_1);
		CU_ASSERT_EQUAL(info.lba, lba);
		CU_ASSERT_EQUAL(info.user_offset, 24);
		CU_ASSERT_EQUAL(info.user_size, GM_SECTOR_USER);
		CU_ASSERT_EQUAL(memcmp(out, in, GM_SECTOR_USER), 0);
		CU_ASSERT_EQUAL(gm_sector_check(raw, GM_LBA_ANY, NULL, NULL),
				GM_CHECK_GOOD);

		for (int e = 0; e < 2; e++) {
			make_form2(raw, lba, in, e != 0);
			CU_ASSERT_EQUAL(check(raw, lba, &info, out),
					GM_CHECK_GOOD);
			CU_ASSERT_EQUAL(info.mode, GM_MODE_2_FORM_2);
			CU_ASSERT_EQUAL(info.lba, lba);
			CU_ASSERT_EQUAL(info.user_offset, 24);
			CU_ASSERT_EQUAL(info.user_size, GM_SECTOR_FORM2);
			CU_ASSERT_EQUAL(memcmp(out, in, GM_SECTOR_FORM2), 0);
		}
	}

	/* Formless Mode 2. */
	gm_test_rng_fill(in, GM_SECTOR_MODE2);
	in[1] = 0x00;
	in[5] = 0x01;
	gm_sector_encode_mode2(raw, 777, in);
	CU_ASSERT_EQUAL(check(raw, 777, &info, out), GM_CHECK_GOOD);
	CU_ASSERT_EQUAL(info.mode, GM_MODE_2);
	CU_ASSERT_EQUAL(info.lba, 777);
	CU_ASSERT_EQUAL(info.user_offset, 16);
	CU_ASSERT_EQUAL(info.user_size, GM_SECTOR_MODE2);
	CU_ASSERT_EQUAL(memcmp(out, in, GM_SECTOR_MODE2), 0);

	/* Mode 0. */
	gm_sector_encode_mode0(raw, 778);
	CU_ASSERT_EQUAL(check(raw, 778, &info, out), GM_CHECK_GOOD);
	CU_ASSERT_EQUAL(info.mode, GM_MODE_0);
	CU_ASSERT_EQUAL(info.lba, 778);
}

GM_TEST(ecma130_check_wrong_address)
{
	uint8_t raw[GM_SECTOR_RAW], in[GM_SECTOR_USER];
	uint8_t out[GM_SECTOR_RAW + 16];
	struct gm_sector_info info;

	gm_test_rng_seed(12);
	make_mode1(raw, 5000, in);
	CU_ASSERT_EQUAL(check(raw, 5001, &info, out), GM_CHECK_BAD_ADDRESS);
	CU_ASSERT_EQUAL(info.lba, 5000);
	CU_ASSERT_EQUAL(info.mode, GM_MODE_1);
	CU_ASSERT_EQUAL(check(raw, -5000, &info, out), GM_CHECK_BAD_ADDRESS);
	make_form1(raw, -150, in);
	CU_ASSERT_EQUAL(check(raw, -149, &info, out), GM_CHECK_BAD_ADDRESS);
	CU_ASSERT_EQUAL(info.lba, -150);
	/* An address that is not BCD is bad even when any is accepted. */
	make_mode1(raw, 5000, in);
	raw[12] = 0xAB;
	CU_ASSERT_EQUAL(check(raw, GM_LBA_ANY, &info, out),
			GM_CHECK_BAD_ADDRESS);
	CU_ASSERT_EQUAL(info.lba, GM_LBA_ANY);
	CU_ASSERT_EQUAL(check(raw, 5000, &info, out), GM_CHECK_BAD_ADDRESS);
}

GM_TEST(ecma130_check_mode1_corruption)
{
	uint8_t raw[GM_SECTOR_RAW], good[GM_SECTOR_RAW], in[GM_SECTOR_USER];
	uint8_t out[GM_SECTOR_RAW + 16];
	struct gm_sector_info info;

	gm_test_rng_seed(13);
	for (size_t i = 0; i < NLBAS; i++) {
		int32_t lba = test_lbas[i];
		int32_t other = lba == GM_LBA_MAX ? lba - 1 : lba + 1;

		make_mode1(good, lba, in);

		memcpy(raw, good, sizeof(raw));
		raw[5] ^= 0xFF;				/* sync */
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_SYNC);
		CU_ASSERT_EQUAL(info.mode, GM_MODE_AUDIO);

		memcpy(raw, good, sizeof(raw));
		set_address(raw, other);		/* header address */
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_ADDRESS);
		CU_ASSERT_EQUAL(info.lba, other);
		/* The Mode 1 EDC covers the header. */
		CU_ASSERT_EQUAL(check(raw, GM_LBA_ANY, &info, out),
				GM_CHECK_BAD_EDC);

		memcpy(raw, good, sizeof(raw));
		raw[16 + 1000] ^= 0x10;			/* user data */
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_EDC);
		CU_ASSERT_EQUAL(info.mode, GM_MODE_1);
		CU_ASSERT_EQUAL(info.user_size, GM_SECTOR_USER);
		/* The user data is copied even though it is bad. */
		CU_ASSERT_EQUAL(memcmp(out, raw + 16, GM_SECTOR_USER), 0);
		/* ...and with a matching EDC, the ECC catches it. */
		put_le32(raw + 2064, ref_edc(raw, 2064));
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_ECC);

		memcpy(raw, good, sizeof(raw));
		raw[2066] ^= 0x01;			/* EDC */
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_EDC);

		memcpy(raw, good, sizeof(raw));
		raw[2076 + 40] ^= 0x80;			/* P parity */
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_ECC);
		memcpy(raw, good, sizeof(raw));
		raw[2247] ^= 0x02;
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_ECC);

		memcpy(raw, good, sizeof(raw));
		raw[2248 + 10] ^= 0x04;			/* Q parity */
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_ECC);
		memcpy(raw, good, sizeof(raw));
		raw[2351] ^= 0x20;
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_ECC);

		memcpy(raw, good, sizeof(raw));
		raw[2070] ^= 0x01;			/* zero field */
		CU_ASSERT_NOT_EQUAL(check(raw, lba, &info, out),
				    GM_CHECK_GOOD);

		memcpy(raw, good, sizeof(raw));
		CU_ASSERT_EQUAL(check(raw, lba, &info, out), GM_CHECK_GOOD);
	}
}

GM_TEST(ecma130_check_form1_corruption)
{
	uint8_t raw[GM_SECTOR_RAW], good[GM_SECTOR_RAW], in[GM_SECTOR_USER];
	uint8_t out[GM_SECTOR_RAW + 16];
	struct gm_sector_info info;

	gm_test_rng_seed(14);
	for (size_t i = 0; i < NLBAS; i++) {
		int32_t lba = test_lbas[i];
		int32_t other = lba == GM_LBA_MAX ? lba - 1 : lba + 1;

		make_form1(good, lba, in);

		memcpy(raw, good, sizeof(raw));
		raw[0] ^= 0x01;				/* sync */
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_SYNC);

		memcpy(raw, good, sizeof(raw));
		set_address(raw, other);		/* header address */
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_ADDRESS);
		/* Neither the Form 1 EDC nor its ECC covers the header. */
		CU_ASSERT_EQUAL(check(raw, GM_LBA_ANY, &info, out),
				GM_CHECK_GOOD);
		CU_ASSERT_EQUAL(info.lba, other);

		memcpy(raw, good, sizeof(raw));
		raw[24 + 2047] ^= 0x01;			/* user data */
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_EDC);
		CU_ASSERT_EQUAL(info.mode, GM_MODE_2_FORM_1);
		CU_ASSERT_EQUAL(memcmp(out, raw + 24, GM_SECTOR_USER), 0);
		put_le32(raw + 2072, ref_edc(raw + 16, 2056));
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_ECC);

		memcpy(raw, good, sizeof(raw));
		raw[16] ^= 0x40;			/* subheader, both */
		raw[20] ^= 0x40;
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_EDC);

		memcpy(raw, good, sizeof(raw));
		raw[2075] ^= 0x80;			/* EDC */
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_EDC);

		memcpy(raw, good, sizeof(raw));
		raw[2100] ^= 0x08;			/* P parity */
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_ECC);

		memcpy(raw, good, sizeof(raw));
		raw[2300] ^= 0x08;			/* Q parity */
		CU_ASSERT_EQUAL(check(raw, lba, &info, out),
				GM_CHECK_BAD_ECC);

		memcpy(raw, good, sizeof(raw));
		CU_ASSERT_EQUAL(check(raw, lba, &info, out), GM_CHECK_GOOD);
	}
}

GM_TEST(ecma130_check_form2)
{
	uint8_t raw[GM_SECTOR_RAW], good[GM_SECTOR_RAW], in[GM_SECTOR_FORM2];
	uint8_t out[GM_SECTOR_RAW + 16];
	struct gm_sector_info info;

	gm_test_rng_seed(15);
	/* With EDC. */
	make_form2(good, 2222, in, true);
	memcpy(raw, good, sizeof(raw));
	raw[24 + 2000] ^= 0x01;
	CU_ASSERT_EQUAL(check(raw, 2222, &info, out), GM_CHECK_BAD_EDC);
	CU_ASSERT_EQUAL(info.mode, GM_MODE_2_FORM_2);
	CU_ASSERT_EQUAL(memcmp(out, raw + 24, GM_SECTOR_FORM2), 0);
	memcpy(raw, good, sizeof(raw));
	raw[2349] ^= 0x01;
	CU_ASSERT_EQUAL(check(raw, 2222, &info, out), GM_CHECK_BAD_EDC);
	memcpy(raw, good, sizeof(raw));
	raw[17] ^= 0x01;		/* channel, both copies */
	raw[21] ^= 0x01;
	CU_ASSERT_EQUAL(check(raw, 2222, &info, out), GM_CHECK_BAD_EDC);
	memcpy(raw, good, sizeof(raw));
	set_address(raw, 2223);
	CU_ASSERT_EQUAL(check(raw, 2222, &info, out), GM_CHECK_BAD_ADDRESS);

	/* Without EDC nothing protects the data. */
	make_form2(good, 2222, in, false);
	memcpy(raw, good, sizeof(raw));
	raw[24 + 2000] ^= 0x01;
	CU_ASSERT_EQUAL(check(raw, 2222, &info, out), GM_CHECK_GOOD);
	CU_ASSERT_EQUAL(info.mode, GM_MODE_2_FORM_2);
	CU_ASSERT_EQUAL(memcmp(out, raw + 24, GM_SECTOR_FORM2), 0);
}

GM_TEST(ecma130_check_bad_mode_and_audio)
{
	uint8_t raw[GM_SECTOR_RAW], in[GM_SECTOR_USER];
	uint8_t out[GM_SECTOR_RAW + 16];
	struct gm_sector_info info;

	gm_test_rng_seed(16);
	make_mode1(raw, 300, in);
	raw[15] = 7;
	CU_ASSERT_EQUAL(check(raw, 300, &info, out), GM_CHECK_BAD_MODE);
	CU_ASSERT_EQUAL(info.mode, GM_MODE_INVALID);
	CU_ASSERT_EQUAL(info.user_size, 0);
	CU_ASSERT_EQUAL(check(raw, GM_LBA_ANY, &info, out), GM_CHECK_BAD_MODE);
	raw[15] = 0x81;
	CU_ASSERT_EQUAL(check(raw, 300, &info, out), GM_CHECK_BAD_MODE);
	CU_ASSERT_EQUAL(info.mode, GM_MODE_INVALID);

	/* Audio: random bytes that do not begin with the sync pattern. */
	gm_test_rng_fill(raw, sizeof(raw));
	raw[0] = 0x55;
	CU_ASSERT_EQUAL(check(raw, 300, &info, out), GM_CHECK_BAD_SYNC);
	CU_ASSERT_EQUAL(info.mode, GM_MODE_AUDIO);
	CU_ASSERT_EQUAL(info.user_size, 0);
	CU_ASSERT_EQUAL(info.lba, GM_LBA_ANY);
	CU_ASSERT_EQUAL(check(raw, GM_LBA_ANY, &info, out), GM_CHECK_BAD_SYNC);
	CU_ASSERT_EQUAL(gm_sector_check(raw, 300, NULL, NULL),
			GM_CHECK_BAD_SYNC);
}

GM_TEST(ecma130_check_every_byte)
{
	static const uint8_t flips[] = {0xFF, 0x01, 0x80};
	uint8_t raw[GM_SECTOR_RAW], good[GM_SECTOR_RAW], in[GM_SECTOR_USER];
	struct gm_sector_info info;
	long good_mode1 = 0, good_form1 = 0;

	gm_test_rng_seed(17);
	make_mode1(good, 123456, in);
	CU_ASSERT_EQUAL(gm_sector_check(good, 123456, NULL, NULL),
			GM_CHECK_GOOD);
	for (int pos = 0; pos < GM_SECTOR_RAW; pos++) {
		for (size_t k = 0; k < sizeof(flips); k++) {
			/* Mode byte 1 ^ 0x01 is Mode 0, which has no check. */
			if (pos == 15 && flips[k] != 0xFF)
				continue;
			memcpy(raw, good, sizeof(raw));
			raw[pos] ^= flips[k];
			if (gm_sector_check(raw, 123456, &info, NULL) ==
			    GM_CHECK_GOOD)
				good_mode1++;
		}
	}
	CU_ASSERT_EQUAL(good_mode1, 0);

	/*
	 * Form 1: a byte changed in one subheader copy makes formless Mode 2,
	 * which has nothing to check, so only "a good Form 1 sector" is
	 * ruled out there.
	 */
	make_form1(good, -150, in);
	CU_ASSERT_EQUAL(gm_sector_check(good, -150, NULL, NULL),
			GM_CHECK_GOOD);
	for (int pos = 0; pos < GM_SECTOR_RAW; pos++) {
		for (size_t k = 0; k < sizeof(flips); k++) {
			if (pos == 15 && flips[k] != 0xFF)
				continue;
			memcpy(raw, good, sizeof(raw));
			raw[pos] ^= flips[k];
			if (gm_sector_check(raw, -150, &info, NULL) ==
				    GM_CHECK_GOOD &&
			    info.mode == GM_MODE_2_FORM_1)
				good_form1++;
		}
	}
	CU_ASSERT_EQUAL(good_form1, 0);
}

/* ---------------------------------------------------------------------
 * Scrambler
 */

GM_TEST(ecma130_scramble_table)
{
	static const uint8_t first16[16] = {
		0x01, 0x80, 0x00, 0x60, 0x00, 0x28, 0x00, 0x1E,
		0x80, 0x08, 0x60, 0x06, 0xA8, 0x02, 0xFE, 0x81
	};
	uint8_t want[GM_SCRAMBLE_SIZE];
	const uint8_t *t = gm_scramble_table();
	int diff = 0;

	CU_ASSERT_EQUAL(GM_SCRAMBLE_SIZE, 2340);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(memcmp(t, first16, 16), 0);
	ref_scramble_table(want);
	for (int i = 0; i < GM_SCRAMBLE_SIZE; i++)
		diff += t[i] != want[i];
	CU_ASSERT_EQUAL(diff, 0);
	CU_ASSERT_EQUAL(t[GM_SCRAMBLE_SIZE - 1], want[GM_SCRAMBLE_SIZE - 1]);
}

GM_TEST(ecma130_scramble)
{
	uint8_t raw[GM_SECTOR_RAW], orig[GM_SECTOR_RAW];
	uint8_t want[GM_SCRAMBLE_SIZE];

	ref_scramble_table(want);

	/* A zero sector with sync scrambles to sync + the sequence. */
	memset(raw, 0, sizeof(raw));
	memcpy(raw, ref_sync, 12);
	gm_scramble(raw);
	CU_ASSERT_EQUAL(memcmp(raw, ref_sync, 12), 0);
	CU_ASSERT_EQUAL(memcmp(raw + 12, want, GM_SCRAMBLE_SIZE), 0);

	/* Random data: XOR from byte 12 on; twice is the identity. */
	gm_test_rng_seed(18);
	gm_test_rng_fill(orig, sizeof(orig));
	memcpy(raw, orig, sizeof(raw));
	gm_scramble(raw);
	CU_ASSERT_EQUAL(memcmp(raw, orig, 12), 0);
	{
		int diff = 0;

		for (int i = 0; i < GM_SCRAMBLE_SIZE; i++)
			diff += raw[12 + i] != (uint8_t)(orig[12 + i] ^ want[i]);
		CU_ASSERT_EQUAL(diff, 0);
	}
	CU_ASSERT_NOT_EQUAL(memcmp(raw, orig, sizeof(raw)), 0);
	gm_scramble(raw);
	CU_ASSERT_EQUAL(memcmp(raw, orig, sizeof(raw)), 0);

	/* An encoded sector survives scrambling and unscrambling. */
	{
		uint8_t user[GM_SECTOR_USER];

		make_mode1(raw, 42, user);
		memcpy(orig, raw, sizeof(raw));
		gm_scramble(raw);
		CU_ASSERT_NOT_EQUAL(gm_sector_check(raw, 42, NULL, NULL),
				    GM_CHECK_GOOD);
		gm_scramble(raw);
		CU_ASSERT_EQUAL(memcmp(raw, orig, sizeof(raw)), 0);
		CU_ASSERT_EQUAL(gm_sector_check(raw, 42, NULL, NULL),
				GM_CHECK_GOOD);
	}
}
