/*
 * udf_desc.h - the ECMA-167 (3rd edition) building blocks the UDF writer
 * (udf.c) lays its descriptors out with: descriptor tags (ECMA-167 3/7.2,
 * 4/7.2), OSTA CS0 strings and dstrings (OSTA UDF 2.1.1, 2.1.3, ECMA-167
 * 1/7.2.12), timestamps (1/7.3), entity identifiers (1/7.4, UDF 2.1.5) and
 * charspecs (1/7.2.1, UDF 2.1.2).  Fields are little-endian byte offsets
 * into caller-supplied buffers.  Not installed.
 */
#ifndef GM_UDF_DESC_H
#define GM_UDF_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tag identifiers (ECMA-167 3/7.2.1, 4/7.2.1). */
enum gm_udf_tag_id {
	GM_UDF_TAG_PVD = 1, GM_UDF_TAG_AVDP = 2, GM_UDF_TAG_IUVD = 4,
	GM_UDF_TAG_PD = 5, GM_UDF_TAG_LVD = 6, GM_UDF_TAG_USD = 7,
	GM_UDF_TAG_TD = 8, GM_UDF_TAG_LVID = 9,
	GM_UDF_TAG_FSD = 256, GM_UDF_TAG_FID = 257, GM_UDF_TAG_AED = 258,
	GM_UDF_TAG_FE = 261, GM_UDF_TAG_EAHD = 262, GM_UDF_TAG_EFE = 266
};

/*
 * Fill the 16-byte tag at the start of the len-byte descriptor d: its
 * identifier, descriptor version (2 for NSR02, 3 for NSR03), serial
 * number, the CRC of bytes 16..len-1 with that length (len - 16), the tag
 * location (an absolute sector for volume structures, a block of the
 * partition inside it) and, last, the checksum of the tag's other bytes.
 */
void gm_udf_tag(uint8_t *d, size_t len, uint16_t ident, uint16_t version,
		uint16_t serial, uint32_t location);

/* The tag checksum (ECMA-167 3/7.2.3): bytes 0-3 and 5-15 summed mod 256. */
uint8_t gm_udf_tag_checksum(const uint8_t *tag);

/*
 * Encode the UTF-8 string s (len bytes) in OSTA CS0: compression id 8 and
 * one byte a character when every character is below 256, otherwise id 16
 * and UTF-16BE (surrogate pairs beyond U+FFFF).  A byte that is not part of
 * valid UTF-8 is taken as the Latin-1 character of its value (*lossy set).
 * At most max bytes are written, cut at a character; *cut is set when the
 * string did not fit.  Returns the bytes written (0 for an empty string:
 * no compression id then).  lossy and cut may be NULL.
 */
size_t gm_udf_cs0(uint8_t *out, size_t max, const char *s, size_t len,
		  bool *lossy, bool *cut);

/* A dstring field of size bytes (ECMA-167 1/7.2.12): CS0 in the first
   size - 1 bytes (zero padded), its length in the last; all zero when s
   is empty.  Returns true when s was cut to fit. */
bool gm_udf_dstring(uint8_t *field, size_t size, const char *s);

/* A timestamp (ECMA-167 1/7.3) of the UTC time t: type 1, offset 0. */
void gm_udf_timestamp(uint8_t *p, int64_t t);

/* An entity identifier (1/7.4): flags 0, ident, and its 8-byte suffix. */
void gm_udf_regid(uint8_t *p, const char *ident, const uint8_t suffix[8]);

/* The charspec CS0 "OSTA Compressed Unicode" (UDF 2.1.2). */
void gm_udf_charspec(uint8_t *p);

static inline void gm_udf_put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void gm_udf_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void gm_udf_put64(uint8_t *p, uint64_t v)
{
	gm_udf_put32(p, (uint32_t)v);
	gm_udf_put32(p + 4, (uint32_t)(v >> 32));
}

#endif
