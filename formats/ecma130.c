/*
 * ecma130.c - the CD-ROM sector format of ECMA-130 (2nd edition): MSF/LBA
 * addressing and BCD, sync and header (clause 14), the EDC (14.3), the
 * P and Q Reed-Solomon parity of the product code (Annex A), the scrambler
 * (Annex B), and the Mode 2 Form 1/Form 2 layouts of CD-ROM XA.
 *
 * Speed matters: a rip or a verify checks every sector, so the EDC runs
 * slice-by-8 and the ECC works on 8 codewords at once in 64-bit words
 * (every GF(2^8) multiplication in it is by alpha, a shift and a
 * conditional XOR per byte lane).
 */
#include "config.h"

#include <string.h>

#include "formats.h"
#include "banned.h"

/* ------------------------------------------------------------------ */
/* Addressing */

int32_t gm_msf_to_lba(struct gm_msf msf)
{
	int32_t frames = ((int32_t)msf.m * 60 + msf.s) * GM_FRAMES_PER_SECOND
			 + msf.f;

	/* MMC-6 table 17: minutes 90..99 are the lead-in, below LBA -150. */
	if (msf.m >= 90)
		return frames - 450150;
	return frames - GM_LBA_PREGAP;
}

bool gm_lba_to_msf(int32_t lba, struct gm_msf *msf)
{
	int32_t frames;

	if (lba < GM_LBA_MIN || lba > GM_LBA_MAX)
		return false;
	frames = lba >= -GM_LBA_PREGAP ? lba + GM_LBA_PREGAP : lba + 450150;
	msf->f = (uint8_t)(frames % GM_FRAMES_PER_SECOND);
	frames /= GM_FRAMES_PER_SECOND;
	msf->s = (uint8_t)(frames % 60);
	msf->m = (uint8_t)(frames / 60);
	return true;
}

bool gm_msf_valid(struct gm_msf msf)
{
	return msf.m < 100 && msf.s < 60 && msf.f < GM_FRAMES_PER_SECOND;
}

uint8_t gm_bcd_encode(unsigned value)
{
	value %= 100;
	return (uint8_t)(((value / 10) << 4) | (value % 10));
}

int gm_bcd_decode(uint8_t bcd)
{
	if ((bcd >> 4) > 9 || (bcd & 0x0f) > 9)
		return -1;
	return (bcd >> 4) * 10 + (bcd & 0x0f);
}

/* ------------------------------------------------------------------ */
/* Sync, header, kinds */

const uint8_t gm_sync_pattern[12] = {
	0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00
};

bool gm_sync_check(const uint8_t *raw)
{
	return memcmp(raw, gm_sync_pattern, sizeof(gm_sync_pattern)) == 0;
}

void gm_header_encode(uint8_t *raw, int32_t lba, uint8_t mode)
{
	struct gm_msf msf = {0, 0, 0};

	memcpy(raw, gm_sync_pattern, sizeof(gm_sync_pattern));
	gm_lba_to_msf(lba, &msf);
	raw[12] = gm_bcd_encode(msf.m);
	raw[13] = gm_bcd_encode(msf.s);
	raw[14] = gm_bcd_encode(msf.f);
	raw[15] = mode;
}

bool gm_header_decode(const uint8_t *raw, int32_t *lba, uint8_t *mode)
{
	int m = gm_bcd_decode(raw[12]);
	int s = gm_bcd_decode(raw[13]);
	int f = gm_bcd_decode(raw[14]);

	*mode = raw[15];
	if (m < 0 || s < 0 || f < 0 || s >= 60 || f >= GM_FRAMES_PER_SECOND)
		return false;
	*lba = gm_msf_to_lba((struct gm_msf){(uint8_t)m, (uint8_t)s, (uint8_t)f});
	return true;
}

const char *gm_sector_mode_name(enum gm_sector_mode mode)
{
	switch (mode) {
	case GM_MODE_AUDIO: return "audio";
	case GM_MODE_0: return "mode 0";
	case GM_MODE_1: return "mode 1";
	case GM_MODE_2: return "mode 2";
	case GM_MODE_2_FORM_1: return "mode 2 form 1";
	case GM_MODE_2_FORM_2: return "mode 2 form 2";
	case GM_MODE_INVALID: break;
	}
	return "invalid mode";
}

enum gm_sector_mode gm_sector_classify(const uint8_t *raw)
{
	if (!gm_sync_check(raw))
		return GM_MODE_AUDIO;
	switch (raw[15]) {
	case 0:
		return GM_MODE_0;
	case 1:
		return GM_MODE_1;
	case 2:
		if (memcmp(raw + 16, raw + 20, 4) != 0)
			return GM_MODE_2;
		return (raw[18] & GM_SUBMODE_FORM2) ? GM_MODE_2_FORM_2
						    : GM_MODE_2_FORM_1;
	default:
		return GM_MODE_INVALID;
	}
}

/* ------------------------------------------------------------------ */
/* Tables, built once when the library is loaded */

#define EDC_POLY_REFLECTED 0xd8018001u	/* 0x8001801B bit-reversed */

static uint32_t edc_table[8][256];
static uint8_t ecc_f_lut[256];	/* x * alpha */
static uint8_t ecc_b_lut[256];	/* x / (1 + alpha) */
static uint8_t scramble_table[GM_SCRAMBLE_SIZE];

__attribute__((constructor)) static void ecma130_tables(void)
{
	unsigned lfsr = 1;

	for (unsigned i = 0; i < 256; i++) {
		uint32_t edc = i;
		unsigned f = (i << 1) ^ ((i & 0x80) ? 0x11d : 0);

		for (int bit = 0; bit < 8; bit++)
			edc = (edc >> 1) ^ ((edc & 1) ? EDC_POLY_REFLECTED : 0);
		edc_table[0][i] = edc;
		ecc_f_lut[i] = (uint8_t)f;
		ecc_b_lut[i ^ f] = (uint8_t)i;
	}
	for (unsigned i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++)
			edc_table[k][i] = (edc_table[k - 1][i] >> 8)
					  ^ edc_table[0][edc_table[k - 1][i] & 0xff];

	/* Annex B: output the low bit, feed back bit 0 XOR bit 1 into bit 14. */
	for (unsigned i = 0; i < GM_SCRAMBLE_SIZE; i++) {
		uint8_t byte = 0;

		for (int bit = 0; bit < 8; bit++) {
			unsigned feedback = (lfsr ^ (lfsr >> 1)) & 1;

			byte |= (uint8_t)((lfsr & 1) << bit);
			lfsr = (lfsr >> 1) | (feedback << 14);
		}
		scramble_table[i] = byte;
	}
}

/* ------------------------------------------------------------------ */
/* EDC */

static inline uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
	       | (uint32_t)p[3] << 24;
}

static inline void store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

uint32_t gm_edc_update(uint32_t edc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (; len >= 8; len -= 8, p += 8) {
		uint32_t lo = edc ^ load_le32(p);
		uint32_t hi = load_le32(p + 4);

		edc = edc_table[7][lo & 0xff] ^ edc_table[6][(lo >> 8) & 0xff]
		      ^ edc_table[5][(lo >> 16) & 0xff] ^ edc_table[4][lo >> 24]
		      ^ edc_table[3][hi & 0xff] ^ edc_table[2][(hi >> 8) & 0xff]
		      ^ edc_table[1][(hi >> 16) & 0xff] ^ edc_table[0][hi >> 24];
	}
	while (len--)
		edc = (edc >> 8) ^ edc_table[0][(edc ^ *p++) & 0xff];
	return edc;
}

uint32_t gm_edc(const void *buf, size_t len)
{
	return gm_edc_update(0, buf, len);
}

/* ------------------------------------------------------------------ */
/* ECC (Annex A)
 *
 * The region is bytes 12..2247 (2236 bytes) seen as 26 rows of 86 bytes:
 * rows 0..23 are the data of the P codewords, rows 24 and 25 their parity
 * (bytes 2076..2247).  P codeword c is byte column c.  Q codeword (k, b),
 * k = 0..25, b = 0..1, takes for m = 0..42 the byte at row (k + m) % 26,
 * column 2m + b, then its parity at 2248 + 2k + b and 2248 + 52 + 2k + b.
 * A codeword V_0..V_{n-1} is valid when sum V_i = 0 and
 * sum alpha^(n-1-i) V_i = 0 (Annex A's parity check matrix).
 */

#define ECC_REGION 12
#define ECC_ROW 86
#define ECC_P_ROWS 24
#define ECC_Q_ROWS 26
#define ECC_Q_DATA 43
#define ECC_P_OFFSET 2076
#define ECC_Q_OFFSET 2248
#define ECC_WORDS_P 11	/* 86 lanes in 64-bit words */
#define ECC_WORDS_Q 7	/* 52 lanes */

/* Multiply eight GF(2^8) lanes by alpha. */
static inline uint64_t gf_mul_alpha8(uint64_t x)
{
	uint64_t high = (x & 0x8080808080808080ull) >> 7;

	return ((x & 0x7f7f7f7f7f7f7f7full) << 1) ^ (high * 0x1d);
}

/* Gather the data symbol m of all 52 Q codewords into lanes (k, b). */
static inline void q_gather(const uint8_t *region, unsigned m,
			    uint64_t out[ECC_WORDS_Q])
{
	uint8_t lanes[ECC_WORDS_Q * 8];
	unsigned row = m % ECC_Q_ROWS;

	for (unsigned k = 0; k < ECC_Q_ROWS; k++) {
		memcpy(lanes + 2 * k, region + ECC_ROW * row + 2 * m, 2);
		if (++row == ECC_Q_ROWS)
			row = 0;
	}
	memset(lanes + 2 * ECC_Q_ROWS, 0, sizeof(lanes) - 2 * ECC_Q_ROWS);
	memcpy(out, lanes, sizeof(lanes));
}

/*
 * Horner over the data symbols of each lane: a = (a ^ v) * alpha,
 * b ^= v.  The two parity symbols then follow from a and b.
 */
static void ecc_parity(const uint64_t *a, const uint64_t *b, unsigned lanes,
		       uint8_t *parity0, uint8_t *parity1)
{
	uint8_t la[ECC_WORDS_P * 8], lb[ECC_WORDS_P * 8];

	memcpy(la, a, lanes <= 52 ? ECC_WORDS_Q * 8 : ECC_WORDS_P * 8);
	memcpy(lb, b, lanes <= 52 ? ECC_WORDS_Q * 8 : ECC_WORDS_P * 8);
	for (unsigned i = 0; i < lanes; i++) {
		uint8_t p0 = ecc_b_lut[ecc_f_lut[la[i]] ^ lb[i]];

		parity0[i] = p0;
		parity1[i] = p0 ^ lb[i];
	}
}

static void ecc_generate_region(uint8_t *raw, uint8_t *region)
{
	uint64_t a[ECC_WORDS_P] = {0}, b[ECC_WORDS_P] = {0}, v[ECC_WORDS_P];

	/* P: 24 data rows; reading 88 bytes a row stays inside the sector. */
	for (unsigned r = 0; r < ECC_P_ROWS; r++) {
		memcpy(v, region + ECC_ROW * r, sizeof(v));
		for (unsigned w = 0; w < ECC_WORDS_P; w++) {
			a[w] = gf_mul_alpha8(a[w] ^ v[w]);
			b[w] ^= v[w];
		}
	}
	ecc_parity(a, b, ECC_ROW, raw + ECC_P_OFFSET, raw + ECC_P_OFFSET + ECC_ROW);

	/* Q reads the P parity just written (rows 24 and 25). */
	if (region != raw + ECC_REGION)
		memcpy(region + ECC_P_OFFSET - ECC_REGION,
		       raw + ECC_P_OFFSET, 2 * ECC_ROW);
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	for (unsigned m = 0; m < ECC_Q_DATA; m++) {
		q_gather(region, m, v);
		for (unsigned w = 0; w < ECC_WORDS_Q; w++) {
			a[w] = gf_mul_alpha8(a[w] ^ v[w]);
			b[w] ^= v[w];
		}
	}
	ecc_parity(a, b, 2 * ECC_Q_ROWS, raw + ECC_Q_OFFSET,
		   raw + ECC_Q_OFFSET + 2 * ECC_Q_ROWS);
}

void gm_ecc_generate(uint8_t *raw, bool zero_header)
{
	uint8_t copy[GM_SECTOR_RAW - ECC_REGION];

	if (!zero_header) {
		ecc_generate_region(raw, raw + ECC_REGION);
		return;
	}
	memcpy(copy, raw + ECC_REGION, sizeof(copy));
	memset(copy, 0, 4);
	ecc_generate_region(raw, copy);
}

/* Syndromes of all codewords; true when every one is zero. */
static bool ecc_check_region(const uint8_t *region)
{
	uint64_t s0[ECC_WORDS_P] = {0}, s1[ECC_WORDS_P] = {0}, v[ECC_WORDS_P];
	uint64_t bad = 0;

	/* P: 26 rows, data and parity alike; 88-byte reads stay in bounds. */
	for (unsigned r = 0; r < ECC_Q_ROWS; r++) {
		memcpy(v, region + ECC_ROW * r, sizeof(v));
		for (unsigned w = 0; w < ECC_WORDS_P; w++) {
			s1[w] = gf_mul_alpha8(s1[w]) ^ v[w];
			s0[w] ^= v[w];
		}
	}
	for (unsigned w = 0; w < ECC_WORDS_P - 1; w++)
		bad |= s0[w] | s1[w];
	/* Only 6 of the last word's 8 lanes are P codewords (86 = 10*8 + 6). */
	bad |= (s0[ECC_WORDS_P - 1] | s1[ECC_WORDS_P - 1]) & 0x0000ffffffffffffull;
	if (bad)
		return false;

	memset(s0, 0, sizeof(s0));
	memset(s1, 0, sizeof(s1));
	for (unsigned m = 0; m < ECC_Q_DATA + 2; m++) {
		if (m < ECC_Q_DATA) {
			q_gather(region, m, v);
		} else {
			uint8_t lanes[ECC_WORDS_Q * 8] = {0};

			memcpy(lanes, region + ECC_Q_OFFSET - ECC_REGION
				      + (m - ECC_Q_DATA) * 2 * ECC_Q_ROWS,
			       2 * ECC_Q_ROWS);
			memcpy(v, lanes, sizeof(lanes));
		}
		for (unsigned w = 0; w < ECC_WORDS_Q; w++) {
			s1[w] = gf_mul_alpha8(s1[w]) ^ v[w];
			s0[w] ^= v[w];
		}
	}
	for (unsigned w = 0; w < ECC_WORDS_Q; w++)
		bad |= s0[w] | s1[w];
	return bad == 0;
}

bool gm_ecc_check(const uint8_t *raw, bool zero_header)
{
	uint8_t copy[GM_SECTOR_RAW - ECC_REGION];

	if (!zero_header)
		return ecc_check_region(raw + ECC_REGION);
	memcpy(copy, raw + ECC_REGION, sizeof(copy));
	memset(copy, 0, 4);
	return ecc_check_region(copy);
}

/* ------------------------------------------------------------------ */
/* Whole sectors */

#define MODE1_EDC 2064
#define FORM1_EDC 2072
#define FORM2_EDC 2348

void gm_sector_encode_mode1(uint8_t *raw, int32_t lba, const uint8_t *user)
{
	gm_header_encode(raw, lba, 1);
	memcpy(raw + 16, user, GM_SECTOR_USER);
	store_le32(raw + MODE1_EDC, gm_edc(raw, MODE1_EDC));
	memset(raw + MODE1_EDC + 4, 0, 8);
	gm_ecc_generate(raw, false);
}

static void write_subheader(uint8_t *raw, const uint8_t subheader[4],
			    bool form2)
{
	memcpy(raw + 16, subheader, 4);
	if (form2)
		raw[18] |= GM_SUBMODE_FORM2;
	else
		raw[18] &= (uint8_t)~GM_SUBMODE_FORM2;
	memcpy(raw + 20, raw + 16, 4);
}

void gm_sector_encode_form1(uint8_t *raw, int32_t lba,
			    const uint8_t subheader[4], const uint8_t *user)
{
	gm_header_encode(raw, lba, 2);
	write_subheader(raw, subheader, false);
	memcpy(raw + 24, user, GM_SECTOR_USER);
	store_le32(raw + FORM1_EDC, gm_edc(raw + 16, FORM1_EDC - 16));
	gm_ecc_generate(raw, true);
}

void gm_sector_encode_form2(uint8_t *raw, int32_t lba,
			    const uint8_t subheader[4], const uint8_t *user,
			    bool with_edc)
{
	gm_header_encode(raw, lba, 2);
	write_subheader(raw, subheader, true);
	memcpy(raw + 24, user, GM_SECTOR_FORM2);
	store_le32(raw + FORM2_EDC,
		   with_edc ? gm_edc(raw + 16, FORM2_EDC - 16) : 0);
}

void gm_sector_encode_mode2(uint8_t *raw, int32_t lba, const uint8_t *user)
{
	gm_header_encode(raw, lba, 2);
	memcpy(raw + 16, user, GM_SECTOR_MODE2);
}

void gm_sector_encode_mode0(uint8_t *raw, int32_t lba)
{
	gm_header_encode(raw, lba, 0);
	memset(raw + 16, 0, GM_SECTOR_MODE2);
}

const char *gm_sector_check_name(enum gm_sector_check status)
{
	switch (status) {
	case GM_CHECK_GOOD: return "good";
	case GM_CHECK_BAD_SYNC: return "bad sync";
	case GM_CHECK_BAD_MODE: return "bad mode byte";
	case GM_CHECK_BAD_ADDRESS: return "wrong header address";
	case GM_CHECK_BAD_EDC: return "bad EDC";
	case GM_CHECK_BAD_ECC: return "bad ECC";
	}
	return "unknown status";
}

static enum gm_sector_check check_payload(const uint8_t *raw,
					  enum gm_sector_mode mode)
{
	uint32_t stored;

	switch (mode) {
	case GM_MODE_1:
		if (gm_edc(raw, MODE1_EDC) != load_le32(raw + MODE1_EDC))
			return GM_CHECK_BAD_EDC;
		return gm_ecc_check(raw, false) ? GM_CHECK_GOOD : GM_CHECK_BAD_ECC;
	case GM_MODE_2_FORM_1:
		if (gm_edc(raw + 16, FORM1_EDC - 16) != load_le32(raw + FORM1_EDC))
			return GM_CHECK_BAD_EDC;
		return gm_ecc_check(raw, true) ? GM_CHECK_GOOD : GM_CHECK_BAD_ECC;
	case GM_MODE_2_FORM_2:
		/* The Form 2 EDC is optional; zero means "not computed". */
		stored = load_le32(raw + FORM2_EDC);
		if (stored != 0 && gm_edc(raw + 16, FORM2_EDC - 16) != stored)
			return GM_CHECK_BAD_EDC;
		return GM_CHECK_GOOD;
	default:
		return GM_CHECK_GOOD;
	}
}

enum gm_sector_check gm_sector_check(const uint8_t *raw, int32_t expected_lba,
				     struct gm_sector_info *info,
				     uint8_t *user)
{
	struct gm_sector_info local;
	uint8_t mode_byte;

	if (info == NULL)
		info = &local;
	info->mode = gm_sector_classify(raw);
	info->lba = GM_LBA_ANY;
	info->user_offset = 0;
	info->user_size = 0;
	switch (info->mode) {
	case GM_MODE_AUDIO:
		return info->status = GM_CHECK_BAD_SYNC;
	case GM_MODE_INVALID:
		return info->status = GM_CHECK_BAD_MODE;
	case GM_MODE_1:
		info->user_offset = 16;
		info->user_size = GM_SECTOR_USER;
		break;
	case GM_MODE_2_FORM_1:
		info->user_offset = 24;
		info->user_size = GM_SECTOR_USER;
		break;
	case GM_MODE_2_FORM_2:
		info->user_offset = 24;
		info->user_size = GM_SECTOR_FORM2;
		break;
	case GM_MODE_0:
	case GM_MODE_2:
		info->user_offset = 16;
		info->user_size = GM_SECTOR_MODE2;
		break;
	}
	if (user != NULL)
		memcpy(user, raw + info->user_offset, info->user_size);
	if (!gm_header_decode(raw, &info->lba, &mode_byte)) {
		info->lba = GM_LBA_ANY;
		return info->status = GM_CHECK_BAD_ADDRESS;
	}
	if (expected_lba != GM_LBA_ANY && info->lba != expected_lba)
		return info->status = GM_CHECK_BAD_ADDRESS;
	return info->status = check_payload(raw, info->mode);
}

/* ------------------------------------------------------------------ */
/* Scrambler */

const uint8_t *gm_scramble_table(void)
{
	return scramble_table;
}

void gm_scramble(uint8_t *raw)
{
	uint64_t a, b;
	unsigned i;

	for (i = 0; i + 8 <= GM_SCRAMBLE_SIZE; i += 8) {
		memcpy(&a, raw + 12 + i, 8);
		memcpy(&b, scramble_table + i, 8);
		a ^= b;
		memcpy(raw + 12 + i, &a, 8);
	}
	for (; i < GM_SCRAMBLE_SIZE; i++)
		raw[12 + i] ^= scramble_table[i];
}
