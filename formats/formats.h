/*
 * formats.h - the sector layer of glassmaster: CD addressing, the raw
 * sector format and its error detection and correction, the scrambler and
 * the subchannel.
 *
 * Standards: ECMA-130 (CD-ROM, 2nd edition 1996) clauses 14-16 and Annexes
 * A and B for the sector format, EDC, ECC and scrambler, clause 22 for the
 * subchannel; the System Description CD-ROM XA (Yellow Book) for Mode 2
 * Form 1 and Form 2; MMC-6 clause 4.2 and READ CD for MSF/LBA addressing.
 *
 * All functions here are pure: they operate on caller-supplied buffers and
 * neither allocate nor fail, so they take no context.
 */
#ifndef GM_FORMATS_H
#define GM_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* ---------------------------------------------------------------------
 * Sizes and addressing (ECMA-130 14.2, MMC-6 4.2.3.3)
 */

#define GM_SECTOR_RAW 2352	/* a CD sector: sync, header, data, EDC, ECC */
#define GM_SECTOR_USER 2048	/* user data of Mode 1 and Mode 2 Form 1 */
#define GM_SECTOR_FORM2 2324	/* user data of Mode 2 Form 2 */
#define GM_SECTOR_MODE2 2336	/* everything after the header in Mode 2 */
#define GM_SUB_SIZE 96		/* P-W subchannel of one sector */
#define GM_FRAMES_PER_SECOND 75
#define GM_LBA_PREGAP 150	/* LBA 0 is MSF 00:02:00 */
#define GM_LBA_MIN (-45150)	/* MSF 90:00:00, the first lead-in address */
#define GM_LBA_MAX 404849	/* MSF 89:59:74 */
#define GM_LBA_ANY INT32_MIN	/* "do not check the header address" */

/* A binary (not BCD) minute/second/frame address. */
struct gm_msf {
	uint8_t m, s, f;
};

/*
 * MSF to LBA.  Minutes 90..99 are lead-in addresses and map to negative
 * LBAs (MMC: LBA = MSF - 450150 there, MSF - 150 elsewhere).  The MSF must
 * be valid (s < 60, f < 75, m < 100); see gm_msf_valid().
 */
int32_t gm_msf_to_lba(struct gm_msf msf);

/* LBA to MSF; false (and *msf untouched) outside GM_LBA_MIN..GM_LBA_MAX. */
bool gm_lba_to_msf(int32_t lba, struct gm_msf *msf);

/* True when m < 100, s < 60 and f < 75. */
bool gm_msf_valid(struct gm_msf msf);

/* Binary 0..99 to packed BCD. */
uint8_t gm_bcd_encode(unsigned value);

/* Packed BCD to binary, or -1 when either nibble is above 9. */
int gm_bcd_decode(uint8_t bcd);

/* ---------------------------------------------------------------------
 * Raw sectors (ECMA-130 14.3-14.5; CD-ROM XA for Mode 2 forms)
 *
 * Byte map of a raw sector:
 *   0..11     sync (00 FF*10 00)
 *   12..15    header: minute, second, frame (BCD), mode
 *   Mode 1:   16..2063 user data, 2064..2067 EDC (over 0..2063),
 *             2068..2075 zero, 2076..2247 P parity, 2248..2351 Q parity
 *   Mode 2:   16..23 subheader (file, channel, submode, coding, twice)
 *     Form 1: 24..2071 user data, 2072..2075 EDC (over 16..2071), P, Q
 *     Form 2: 24..2347 user data, 2348..2351 EDC (over 16..2347, or 0)
 *     formless: 16..2351 user data (2336 bytes)
 */

enum gm_sector_mode {
	GM_MODE_AUDIO,		/* no sync pattern: audio or not a data sector */
	GM_MODE_0,		/* mode byte 0: zero-filled */
	GM_MODE_1,
	GM_MODE_2,		/* mode 2 without a valid XA subheader */
	GM_MODE_2_FORM_1,
	GM_MODE_2_FORM_2,
	GM_MODE_INVALID		/* sync present, mode byte not 0, 1 or 2 */
};

/* Name of a mode for messages ("mode 2 form 1"). */
const char *gm_sector_mode_name(enum gm_sector_mode mode);

/* The 12-byte sync pattern. */
extern const uint8_t gm_sync_pattern[12];

/* True when raw begins with the sync pattern. */
bool gm_sync_check(const uint8_t *raw);

/* Write the sync pattern and the header for lba (BCD MSF) and mode. */
void gm_header_encode(uint8_t *raw, int32_t lba, uint8_t mode);

/*
 * Decode the header of a raw sector into *lba and *mode.  Returns false
 * when the address is not valid BCD MSF.
 */
bool gm_header_decode(const uint8_t *raw, int32_t *lba, uint8_t *mode);

/* Subheader submode bits (CD-ROM XA). */
#define GM_SUBMODE_EOR 0x01
#define GM_SUBMODE_VIDEO 0x02
#define GM_SUBMODE_AUDIO 0x04
#define GM_SUBMODE_DATA 0x08
#define GM_SUBMODE_TRIGGER 0x10
#define GM_SUBMODE_FORM2 0x20
#define GM_SUBMODE_RT 0x40
#define GM_SUBMODE_EOF 0x80

/*
 * The kind of a raw sector from its sync, mode byte and, in Mode 2, its
 * subheader: when both copies of the subheader agree, the form follows the
 * submode's Form 2 bit; otherwise the sector is formless Mode 2.
 */
enum gm_sector_mode gm_sector_classify(const uint8_t *raw);

/* ---------------------------------------------------------------------
 * EDC: CRC-32 with polynomial 0x8001801B (x^32 + x^31 + x^16 + x^15 + x^4
 * + x^3 + x + 1), reflected, initial value 0, no final XOR (ECMA-130 14.3).
 * Stored little-endian.
 */

/* Continue an EDC over len more bytes; start with edc = 0. */
uint32_t gm_edc_update(uint32_t edc, const void *buf, size_t len);
/* The same through the lookup tables alone, whatever the CPU offers (the
 * tests hold the two against each other). */
uint32_t gm_edc_update_tables(uint32_t edc, const void *buf, size_t len);

/* The EDC of a buffer. */
uint32_t gm_edc(const void *buf, size_t len);

/* ---------------------------------------------------------------------
 * ECC: Reed-Solomon product code over GF(2^8) with x^8+x^4+x^3+x^2+1
 * (ECMA-130 Annex A).  P: 86 RS(26,24) codewords, one per byte column of
 * bytes 12..2075 viewed as 24 rows of 86; Q: 52 RS(45,43) codewords along
 * the diagonals of bytes 12..2247.  Mode 2 Form 1 computes both with the
 * four header bytes taken as zero (zero_header = true).
 */

/* Compute P and Q parity of raw (bytes 12..) into raw[2076..2351]. */
void gm_ecc_generate(uint8_t *raw, bool zero_header);

/* True when the stored P and Q parity match the data. */
bool gm_ecc_check(const uint8_t *raw, bool zero_header);

/* ---------------------------------------------------------------------
 * Encoding and checking whole sectors
 */

/* A Mode 1 sector at lba holding 2048 bytes of user data. */
void gm_sector_encode_mode1(uint8_t *raw, int32_t lba, const uint8_t *user);

/*
 * A Mode 2 Form 1 sector at lba.  subheader is file, channel, submode,
 * coding (written twice; the Form 2 bit of submode is cleared); user is
 * 2048 bytes.
 */
void gm_sector_encode_form1(uint8_t *raw, int32_t lba,
			    const uint8_t subheader[4], const uint8_t *user);

/*
 * A Mode 2 Form 2 sector at lba with 2324 bytes of user data; the Form 2
 * bit of submode is set.  The EDC is written when with_edc, else zero.
 */
void gm_sector_encode_form2(uint8_t *raw, int32_t lba,
			    const uint8_t subheader[4], const uint8_t *user,
			    bool with_edc);

/* A formless Mode 2 sector with 2336 bytes of user data. */
void gm_sector_encode_mode2(uint8_t *raw, int32_t lba, const uint8_t *user);

/* A Mode 0 sector (sync, header, 2336 zero bytes). */
void gm_sector_encode_mode0(uint8_t *raw, int32_t lba);

/* The outcome of gm_sector_check(), in the order it is tested. */
enum gm_sector_check {
	GM_CHECK_GOOD,
	GM_CHECK_BAD_SYNC,	/* no sync: audio, or not a data sector */
	GM_CHECK_BAD_MODE,	/* mode byte not 0, 1 or 2 */
	GM_CHECK_BAD_ADDRESS,	/* header MSF invalid or not the expected LBA */
	GM_CHECK_BAD_EDC,
	GM_CHECK_BAD_ECC,
	GM_CHECK_BAD_SUBHEADER	/* the two copies of an XA subheader differ
				   (not given by gm_sector_check, which
				   takes such a sector for formless Mode 2:
				   callers who know the track is XA set it) */
};

/* Name of a check result for messages ("bad EDC"). */
const char *gm_sector_check_name(enum gm_sector_check status);

struct gm_sector_info {
	enum gm_sector_mode mode;
	enum gm_sector_check status;
	int32_t lba;		/* the header's address, or GM_LBA_ANY */
	size_t user_offset;	/* where the user data starts in the raw sector */
	size_t user_size;	/* 2048, 2324, 2336, or 0 when there is none */
};

/*
 * Check a raw sector: sync, mode, header address (against expected_lba
 * unless it is GM_LBA_ANY), EDC where the mode has one (Form 2 only when
 * its EDC field is not zero) and ECC (Mode 1, Form 1).  Fills *info (may be
 * NULL) and, when user is not NULL, copies info->user_size bytes of user
 * data to it even when the status is not good.  Nothing is corrected.
 * Returns info->status.
 */
enum gm_sector_check gm_sector_check(const uint8_t *raw, int32_t expected_lba,
				     struct gm_sector_info *info,
				     uint8_t *user);

/* ---------------------------------------------------------------------
 * Scrambler (ECMA-130 Annex B): the sector's bytes 12..2351 XORed with the
 * output of the LFSR x^15 + x + 1 preset to 1 at each sector.
 */

#define GM_SCRAMBLE_SIZE (GM_SECTOR_RAW - 12)

/* The 2340-byte scrambler sequence (first bytes 01 80 00 60 00 28 ...). */
const uint8_t *gm_scramble_table(void);

/* Scramble or unscramble (the same operation) a raw sector in place. */
void gm_scramble(uint8_t *raw);

/* ---------------------------------------------------------------------
 * Subchannel (ECMA-130 22)
 *
 * Interleaved ("raw", as READ CD returns it): 96 bytes, one per subchannel
 * symbol, bit 7 = P, bit 6 = Q, ... bit 0 = W.  Deinterleaved (CloneCD .sub
 * order): 12 bytes of P, then 12 of Q, ... then 12 of W, most significant
 * bit first.
 */

enum gm_subchannel { GM_SUB_P, GM_SUB_Q, GM_SUB_R, GM_SUB_S, GM_SUB_T,
		     GM_SUB_U, GM_SUB_V, GM_SUB_W };

/* Interleaved to deinterleaved; in and out must not overlap. */
void gm_sub_deinterleave(const uint8_t *in, uint8_t *out);

/* Deinterleaved to interleaved; in and out must not overlap. */
void gm_sub_interleave(const uint8_t *in, uint8_t *out);

/* Extract one channel (12 bytes) from interleaved subchannel. */
void gm_sub_channel(const uint8_t *in, enum gm_subchannel ch, uint8_t *out);

/*
 * The Q CRC: CRC-16 with polynomial 0x1021 (x^16 + x^12 + x^5 + 1), initial
 * value 0, not reflected, over the 10 Q bytes; stored big-endian and
 * inverted in bytes 10 and 11.
 */
uint16_t gm_crc16(const void *buf, size_t len);

/* The same CRC carried on from crc (gm_crc16() is crc 0; CHD's hunk and
   map CRCs start at 0xffff). */
uint16_t gm_crc16_update(uint16_t crc, const void *buf, size_t len);

/* CONTROL bits (ECMA-130 22.3.2.2). */
#define GM_CTL_PRE 0x1		/* audio with pre-emphasis */
#define GM_CTL_DCP 0x2		/* digital copy permitted */
#define GM_CTL_DATA 0x4		/* data track */
#define GM_CTL_4CH 0x8		/* four-channel audio */

#define GM_TRACK_LEADOUT 0xAA	/* TNO of the lead-out */

/* One decoded Q subchannel frame. */
struct gm_subq {
	uint8_t control;	/* CONTROL nibble */
	uint8_t adr;		/* ADR nibble: 1 position, 2 MCN, 3 ISRC */
	/* ADR 1 */
	uint8_t track;		/* TNO, binary; 0 in the lead-in, 0xAA lead-out */
	uint8_t index;		/* INDEX, binary (program area and lead-out) */
	uint8_t point;		/* lead-in only: POINT as stored (01..99 BCD,
				   A0, A1, A2, B0, C0...) */
	struct gm_msf rel;	/* relative time; lead-in: running time */
	uint8_t zero;		/* the ZERO byte (lead-in: mode 5 uses it) */
	struct gm_msf abs;	/* absolute time; lead-in: PMIN/PSEC/PFRAME */
	/* ADR 2 and 3 */
	char mcn[14];		/* 13 digits */
	char isrc[13];		/* 12 characters: CC OOO YY NNNNN */
	uint8_t aframe;		/* absolute frame of an ADR 2 or 3 frame */
};

enum gm_subq_status {
	GM_SUBQ_OK,
	GM_SUBQ_BAD_CRC,	/* fields decoded anyway */
	GM_SUBQ_BAD_FIELD	/* CRC good, a field is not valid BCD/ISRC */
};

/* Decode 12 bytes of Q into *q. */
enum gm_subq_status gm_subq_decode(const uint8_t *in, struct gm_subq *q);

/*
 * Encode *q into 12 bytes of Q with its CRC.  For ADR 1 frames with track 0
 * (lead-in) the POINT byte is written as stored; otherwise track and index
 * are BCD-encoded (0xAA is kept for the lead-out).  An ISRC character
 * outside 0-9/A-Z is written as 0.
 */
void gm_subq_encode(const struct gm_subq *q, uint8_t *out);

/* True when s is an ISRC as sheets and Q frames carry it: 12 characters,
   5 letters (A-Z) or digits, then 7 digits (ECMA-130 22.3.4.3). */
bool gm_isrc_valid(const char *s);

/* Check the CRC of 12 bytes of Q. */
bool gm_subq_crc_ok(const uint8_t *in);

/* ---------------------------------------------------------------------
 * Generating subchannel from a track layout (one session)
 */

struct gm_q_track {
	uint8_t number;		/* 1..99 */
	uint8_t control;	/* GM_CTL_* bits */
	int32_t index[100];	/* LBA where index N starts; index[0] is the
				   pregap (== index[1] when there is none) */
	unsigned nindex;	/* highest index used (>= 1) */
	char isrc[13];		/* "" when the track has none */
};

struct gm_q_layout {
	const struct gm_q_track *tracks;	/* in ascending order */
	unsigned ntracks;
	int32_t leadout;	/* LBA of the lead-out */
	char mcn[14];		/* "" when the disc has none */
};

/*
 * The Q frame of sector lba (pregap of the first track .. lead-out and
 * beyond).  ADR 1 everywhere, except that the disc's MCN (ADR 2) is given
 * in frames whose absolute frame number (lba + 150) is 25 modulo 100, and
 * the track's ISRC (ADR 3) in frames of index 1 or above whose absolute
 * frame number is 75 modulo 100, as the Red Book's "at least once in 100
 * frames" allows.  In a pregap (index 0) the relative time counts down
 * to index 1 (00:00:01 on the pregap's last sector, as cdrdao writes it);
 * from index 1 on it counts up from 00:00:00.  The lead-out is track 0xAA,
 * index 1, with relative time from its start.  Returns false when lba is
 * before the first track's pregap.
 */
bool gm_subq_generate(const struct gm_q_layout *layout, int32_t lba,
		      struct gm_subq *q);

/*
 * Interleaved P-W subchannel of sector lba: Q from gm_subq_generate(), P
 * set in pregaps (index 0) and in the lead-out flashing at 2 Hz, R-W zero.
 */
bool gm_sub_generate(const struct gm_q_layout *layout, int32_t lba,
		     uint8_t *out);

#endif
