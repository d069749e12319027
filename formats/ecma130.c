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

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EDC_CLMUL 1
#include <emmintrin.h>
#include <wmmintrin.h>
#endif

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

static void edc_split_tables(void);
#ifdef EDC_CLMUL
static void edc_clmul_setup(void);
#endif

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
	edc_split_tables();
#ifdef EDC_CLMUL
	edc_clmul_setup();
#endif
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

/* One slice-by-8 step: the EDC continued over the 8 bytes at p. */
static inline uint32_t edc_step8(uint32_t edc, const uint8_t *p)
{
	uint32_t lo = edc ^ load_le32(p);
	uint32_t hi = load_le32(p + 4);

	return edc_table[7][lo & 0xff] ^ edc_table[6][(lo >> 8) & 0xff]
	       ^ edc_table[5][(lo >> 16) & 0xff] ^ edc_table[4][lo >> 24]
	       ^ edc_table[3][hi & 0xff] ^ edc_table[2][(hi >> 8) & 0xff]
	       ^ edc_table[1][(hi >> 16) & 0xff] ^ edc_table[0][hi >> 24];
}

/*
 * The EDC has no initial or final inversion, so it is linear:
 * EDC(A B) = EDC(A) * x^(8 |B|) + EDC(B) modulo the polynomial.  A long
 * buffer is therefore cut into three chunks whose EDCs run interleaved
 * (three independent chains of table lookups instead of one long one)
 * and are joined by multiplying with x^(8 L) twice.  That power is
 * computed once for the chunk lengths of the sector EDCs: Mode 1 (2064
 * bytes), Form 1 (2056) and Form 2 (2332).
 */
static uint32_t gf2_mulmod(uint32_t a, uint32_t b)	/* reflected */
{
	uint32_t product = 0;

	/* Without branches: the bits of a are as good as random. */
	for (int bit = 31; bit >= 0; bit--) {
		product ^= b & (0u - ((a >> bit) & 1));
		b = (b >> 1) ^ (EDC_POLY_REFLECTED & (0u - (b & 1)));
	}
	return product;
}

/* x^n modulo the polynomial, reflected. */
static uint32_t edc_x_power(size_t n)
{
	uint32_t v = 1u << 31;		/* x^0 */

	while (n--)
		v = (v >> 1) ^ (EDC_POLY_REFLECTED & (0u - (v & 1)));
	return v;
}

#define EDC_SPLIT_LENGTHS 3
static struct {
	size_t chunk;		/* bytes, a multiple of 8 */
	uint32_t shift1;	/* x^(8 chunk) */
} edc_split[EDC_SPLIT_LENGTHS];

static size_t edc_chunk(size_t len)
{
	return len / 24 * 8;
}

static void edc_split_tables(void)
{
	static const size_t lengths[EDC_SPLIT_LENGTHS] = { 2064, 2056, 2332 };

	for (unsigned i = 0; i < EDC_SPLIT_LENGTHS; i++) {
		edc_split[i].chunk = edc_chunk(lengths[i]);
		edc_split[i].shift1 = edc_x_power(8 * edc_split[i].chunk);
	}
}

uint32_t gm_edc_update_tables(uint32_t edc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t chunk = edc_chunk(len);

	for (unsigned i = 0; i < EDC_SPLIT_LENGTHS; i++) {
		if (edc_split[i].chunk != chunk)
			continue;
		uint32_t e1 = 0, e2 = 0;

		for (size_t k = 0; k < chunk; k += 8) {
			edc = edc_step8(edc, p + k);
			e1 = edc_step8(e1, p + chunk + k);
			e2 = edc_step8(e2, p + 2 * chunk + k);
		}
		edc = gf2_mulmod(gf2_mulmod(edc, edc_split[i].shift1) ^ e1,
				 edc_split[i].shift1) ^ e2;
		p += 3 * chunk;
		len -= 3 * chunk;
		break;
	}
	for (; len >= 8; len -= 8, p += 8)
		edc = edc_step8(edc, p);
	while (len--)
		edc = (edc >> 8) ^ edc_table[0][(edc ^ *p++) & 0xff];
	return edc;
}

/*
 * On x86-64 with PCLMULQDQ the EDC folds 16-byte blocks by carry-less
 * multiplication (after Intel's "Fast CRC Computation for Generic
 * Polynomials Using PCLMULQDQ").  A block X, first bytes in the low
 * quadword H (reflected: bit 0 of byte 0 is the highest power), is
 * H x^64 + L; moved D bits on it becomes H x^(D+64) + L x^D.  The 64x32-bit
 * product H * k, read as a block, is x^33 H k, so the constants are
 * x^(D+64-33) and x^(D-33) mod P.  Four blocks fold 512 bits at a time,
 * then into one; the last block and the bytes after it go through the
 * tables.
 */
#ifdef EDC_CLMUL
static bool edc_have_clmul;
static uint64_t edc_k512[2], edc_k128[2];

static void edc_clmul_setup(void)
{
	__builtin_cpu_init();
	edc_have_clmul = __builtin_cpu_supports("pclmul");
	edc_k512[0] = edc_x_power(512 + 64 - 33);
	edc_k512[1] = edc_x_power(512 - 33);
	edc_k128[0] = edc_x_power(128 + 64 - 33);
	edc_k128[1] = edc_x_power(128 - 33);
}

__attribute__((target("pclmul,sse2")))
static inline __m128i edc_fold(__m128i x, __m128i k, __m128i next)
{
	return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00),
					   _mm_clmulepi64_si128(x, k, 0x11)),
			     next);
}

__attribute__((target("pclmul,sse2")))
static inline __m128i edc_load(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* The EDC of len >= 64 bytes, continued from edc. */
__attribute__((target("pclmul,sse2")))
static uint32_t edc_clmul(uint32_t edc, const uint8_t *p, size_t len)
{
	const __m128i k512 = edc_load((const uint8_t *)edc_k512);
	const __m128i k128 = edc_load((const uint8_t *)edc_k128);
	__m128i x0, x1, x2, x3;
	uint8_t last[16];

	x0 = _mm_xor_si128(edc_load(p), _mm_cvtsi32_si128((int)edc));
	x1 = edc_load(p + 16);
	x2 = edc_load(p + 32);
	x3 = edc_load(p + 48);
	for (p += 64, len -= 64; len >= 64; p += 64, len -= 64) {
		x0 = edc_fold(x0, k512, edc_load(p));
		x1 = edc_fold(x1, k512, edc_load(p + 16));
		x2 = edc_fold(x2, k512, edc_load(p + 32));
		x3 = edc_fold(x3, k512, edc_load(p + 48));
	}
	x1 = edc_fold(x0, k128, x1);
	x2 = edc_fold(x1, k128, x2);
	x3 = edc_fold(x2, k128, x3);
	for (; len >= 16; p += 16, len -= 16)
		x3 = edc_fold(x3, k128, edc_load(p));
	_mm_storeu_si128((__m128i *)(void *)last, x3);
	edc = edc_step8(edc_step8(0, last), last + 8);
	return gm_edc_update_tables(edc, p, len);
}
#endif

uint32_t gm_edc_update(uint32_t edc, const void *buf, size_t len)
{
#ifdef EDC_CLMUL
	if (edc_have_clmul && len >= 64)
		return edc_clmul(edc, buf, len);
#endif
	return gm_edc_update_tables(edc, buf, len);
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

/*
 * Gather the data symbol m of all 52 Q codewords into lanes (k, b): the
 * two bytes of row (k + m) % 26 at column 2m for k = 0..25, four k to a
 * word.  The words are put together in registers, in the byte order a
 * memcpy of the lanes would give, not stored as bytes and read back
 * (a read spanning several narrower stores stalls).
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define Q_LANE_SHIFT(j) (48 - 16 * (j))
#else
#define Q_LANE_SHIFT(j) (16 * (j))
#endif

static const uint16_t q_row_offset[2 * ECC_Q_ROWS] = {
#define ROW(r) ECC_ROW * (r), ECC_ROW * ((r) + 1)
	ROW(0), ROW(2), ROW(4), ROW(6), ROW(8), ROW(10), ROW(12), ROW(14),
	ROW(16), ROW(18), ROW(20), ROW(22), ROW(24),
	ROW(0), ROW(2), ROW(4), ROW(6), ROW(8), ROW(10), ROW(12), ROW(14),
	ROW(16), ROW(18), ROW(20), ROW(22), ROW(24),
#undef ROW
};

static inline void q_gather(const uint8_t *region, unsigned m,
			    uint64_t out[ECC_WORDS_Q])
{
	const uint8_t *column = region + 2 * m;
	const uint16_t *rows = q_row_offset + m % ECC_Q_ROWS;

	for (unsigned w = 0; w < ECC_WORDS_Q; w++) {
		uint64_t word = 0;

		for (unsigned j = 0; j < 4 && 4 * w + j < ECC_Q_ROWS; j++) {
			uint16_t pair;

			memcpy(&pair, column + rows[4 * w + j], 2);
			word |= (uint64_t)pair << Q_LANE_SHIFT(j);
		}
		out[w] = word;
	}
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

/*
 * Checking: the syndromes of all 138 codewords, in 16-byte vectors (GCC
 * and Clang vector extensions: SSE2 on x86-64, NEON on arm64, plain
 * words elsewhere).
 *
 * P is as in the generator, six vectors of row bytes.  Q is the costly
 * part: the symbol m of Q codeword k is the 16-bit word at
 * (44m + 43k) mod 1118 of the region, so the words of all codewords for
 * one m lie 43 words apart.  But the word after (m, k) is (m + 1, k - 1):
 * one plain 16-byte load gives eight codewords K, K-1, ..., K-7, each at
 * a symbol one further than the one before (lane i at m = t + i).  The
 * lanes run skewed over t = -7..42, a lane's input masked to zero while
 * its m is outside 0..42.  Zeros in front change nothing; the i zeros
 * after lane i's last symbol multiply its Horner sum by alpha^i, which is
 * undone by scaling the parity side the same way.  The few loads that
 * run past the last word go round to the first through a small copy.
 */
typedef uint8_t v16u8 __attribute__((vector_size(16)));
typedef int8_t v16i8 __attribute__((vector_size(16)));
typedef int16_t v8i16 __attribute__((vector_size(16)));

#define Q_WORDS (ECC_ROW / 2 * ECC_Q_ROWS)	/* 1118 */
#define Q_LANES 8

static inline v16u8 vload(const uint8_t *p)
{
	v16u8 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline v16u8 vmul_alpha(v16u8 x)
{
	v16u8 high = (v16u8)((v16i8)x < 0);

	return (x + x) ^ (high & 0x1d);
}

static inline bool vzero(v16u8 x)
{
	uint64_t w[2];

	memcpy(w, &x, sizeof(w));
	return (w[0] | w[1]) == 0;
}

/* Lanes (16-bit) i with lo <= i + t <= hi all ones, the others zero. */
static inline v16u8 lane_mask(int t, int lo, int hi)
{
	const v8i16 lane = {0, 1, 2, 3, 4, 5, 6, 7};
	v8i16 m = lane + (int16_t)t;

	return (v16u8)((m >= (int16_t)lo) & (m <= (int16_t)hi));
}

/* One row more of the sixteen P codewords of a load. */
static inline void p_step(const uint8_t *row, v16u8 *s0, v16u8 *s1)
{
	v16u8 v = vload(row);

	*s1 = vmul_alpha(*s1) ^ v;
	*s0 ^= v;
}

static bool ecc_check_p(const uint8_t *region)
{
	v16u8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0};
	v16u8 b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0}, b4 = {0}, b5 = {0};
	const v16u8 tail = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	/* 26 rows of 86 bytes read as 96: the reads stay in the sector.
	 * Spelled out: a loop would keep the sums in memory. */
	for (const uint8_t *row = region; row < region + ECC_ROW * ECC_Q_ROWS;
	     row += ECC_ROW) {
		p_step(row, &b0, &a0);
		p_step(row + 16, &b1, &a1);
		p_step(row + 32, &b2, &a2);
		p_step(row + 48, &b3, &a3);
		p_step(row + 64, &b4, &a4);
		p_step(row + 80, &b5, &a5);
	}
	/* 86 = 5 * 16 + 6 */
	return vzero(a0 | a1 | a2 | a3 | a4 | b0 | b1 | b2 | b3 | b4
		     | ((a5 | b5) & tail));
}

/* Eight words from word pos on, going round from the last to the first. */
static inline v16u8 q_load(const uint8_t *region, unsigned pos)
{
	uint8_t wrapped[16];
	size_t head = 2 * (Q_WORDS - pos);

	if (pos <= Q_WORDS - Q_LANES)
		return vload(region + 2 * pos);
	memcpy(wrapped, region + 2 * pos, head);
	memcpy(wrapped + head, region, sizeof(wrapped) - head);
	return vload(wrapped);
}

/* One symbol more of the eight codewords of a load. */
static inline void q_step(const uint8_t *region, v16u8 mask, unsigned *pos,
			  v16u8 *a, v16u8 *b)
{
	v16u8 v = q_load(region, *pos) & mask;

	*a = vmul_alpha(*a) ^ v;
	*b ^= v;
	*pos += 44;
	if (*pos >= Q_WORDS)
		*pos -= Q_WORDS;
}

/* Word of lane 0 of the load of codewords K..K-7 at t = -7:
   44 * -7 + 43 K, mod 1118. */
static inline unsigned q_start(unsigned top)
{
	return (43 * top + Q_WORDS - 44 * (Q_LANES - 1)) % Q_WORDS;
}

/* Nonzero lanes where a codeword of the load K..K-7 is not valid, from
   its Horner sum a (alpha^i D in lane i) and plain sum b of the data. */
static v16u8 q_verdict(const uint8_t *region, unsigned top, v16u8 a, v16u8 b)
{
	const uint8_t *parity = region + ECC_Q_OFFSET - ECC_REGION;
	uint8_t p0[16], p1[16];
	v16u8 q0, q1, y;

	/* The parity symbols of codeword K - i, lane by lane. */
	for (unsigned i = 0; i < Q_LANES; i++) {
		unsigned k = (top + ECC_Q_ROWS - i) % ECC_Q_ROWS;

		memcpy(p0 + 2 * i, parity + 2 * k, 2);
		memcpy(p1 + 2 * i, parity + 2 * ECC_Q_ROWS + 2 * k, 2);
	}
	q0 = vload(p0);
	q1 = vload(p1);
	/* alpha^2 (alpha^i D) + alpha^i (alpha Q0 + Q1) must be 0 */
	y = vmul_alpha(q0) ^ q1;
	for (int i = 1; i < Q_LANES; i++) {
		v16u8 later = lane_mask(0, i, Q_LANES - 1);

		y = (vmul_alpha(y) & later) | (y & ~later);
	}
	return (vmul_alpha(vmul_alpha(a)) ^ y) | (b ^ q0 ^ q1);
}

static bool ecc_check_q(const uint8_t *region)
{
	/* K of each load; the four run side by side, chains of their own,
	   spelled out: a loop would keep the sums in memory */
	enum { K0 = 7, K1 = 15, K2 = 23, K3 = 25 };
	v16u8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
	v16u8 b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};
	unsigned pos0 = q_start(K0), pos1 = q_start(K1);
	unsigned pos2 = q_start(K2), pos3 = q_start(K3);

	for (int t = 1 - Q_LANES; t < ECC_Q_DATA; t++) {
		bool edge = t < 0 || t > ECC_Q_DATA - Q_LANES;
		v16u8 mask = edge ? lane_mask(t, 0, ECC_Q_DATA - 1)
				  : (v16u8)(v8i16){-1, -1, -1, -1, -1, -1, -1, -1};

		q_step(region, mask, &pos0, &a0, &b0);
		q_step(region, mask, &pos1, &a1, &b1);
		q_step(region, mask, &pos2, &a2, &b2);
		q_step(region, mask, &pos3, &a3, &b3);
	}
	return vzero(q_verdict(region, K0, a0, b0) | q_verdict(region, K1, a1, b1)
		     | q_verdict(region, K2, a2, b2) | q_verdict(region, K3, a3, b3));
}

/* Syndromes of all codewords; true when every one is zero. */
static bool ecc_check_region(const uint8_t *region)
{
	return ecc_check_p(region) && ecc_check_q(region);
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
	case GM_CHECK_BAD_SUBHEADER: return "subheader copies differ";
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
