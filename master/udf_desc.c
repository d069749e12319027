/*
 * udf_desc.c - ECMA-167 descriptor primitives for the UDF writer: tags
 * with their checksum and CRC (ECMA-167 3/7.2; the CRC is gm_crc16, the
 * CRC-CCITT of 7.2.6), OSTA CS0 strings and dstrings (OSTA UDF 2.1.1,
 * 2.1.3), timestamps, entity identifiers and charspecs.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "formats.h"
#include "udf_desc.h"
#include "banned.h"

uint8_t gm_udf_tag_checksum(const uint8_t *tag)
{
	unsigned sum = 0;

	for (int i = 0; i < 16; i++)
		if (i != 4)
			sum += tag[i];
	return (uint8_t)sum;
}

void gm_udf_tag(uint8_t *d, size_t len, uint16_t ident, uint16_t version,
		uint16_t serial, uint32_t location)
{
	size_t crc_len = len - 16;

	gm_udf_put16(d, ident);
	gm_udf_put16(d + 2, version);
	d[4] = 0;
	d[5] = 0;
	gm_udf_put16(d + 6, serial);
	gm_udf_put16(d + 8, gm_crc16(d + 16, crc_len));
	gm_udf_put16(d + 10, (uint32_t)crc_len);
	gm_udf_put32(d + 12, location);
	d[4] = gm_udf_tag_checksum(d);
}

/* The next character of s (UTF-8; an invalid byte as its Latin-1 value). */
static uint32_t next_char(const uint8_t **p, const uint8_t *end, bool *lossy)
{
	const uint8_t *s = *p;
	uint32_t c = s[0], min;
	int len;

	if (c < 0x80) {
		*p = s + 1;
		return c;
	}
	len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
	min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
	if (len != 0 && end - s >= len) {
		uint32_t v = c & (0x7fu >> len);
		int i;

		for (i = 1; i < len && (s[i] & 0xc0) == 0x80; i++)
			v = v << 6 | (s[i] & 0x3f);
		if (i == len && v >= min && v <= 0x10ffff && (v < 0xd800 || v > 0xdfff)) {
			*p = s + len;
			return v;
		}
	}
	if (lossy != NULL)
		*lossy = true;
	*p = s + 1;
	return c;
}

size_t gm_udf_cs0(uint8_t *out, size_t max, const char *s, size_t len,
		  bool *lossy, bool *cut)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + len;
	bool wide = false;
	size_t n;

	if (len == 0 || max < 2) {
		if (cut != NULL && len > 0)
			*cut = true;
		return 0;
	}
	for (const uint8_t *q = p; q < end;)
		if (next_char(&q, end, NULL) > 0xff)
			wide = true;
	out[0] = wide ? 16 : 8;
	n = 1;
	while (p < end) {
		uint32_t c = next_char(&p, end, lossy);

		if (!wide) {
			if (n + 1 > max)
				goto full;
			out[n++] = (uint8_t)c;
		} else if (c > 0xffff) {
			if (n + 4 > max)
				goto full;
			c -= 0x10000;
			out[n++] = (uint8_t)(0xd8 | (c >> 18));
			out[n++] = (uint8_t)(c >> 10);
			out[n++] = (uint8_t)(0xdc | ((c >> 8) & 3));
			out[n++] = (uint8_t)c;
		} else {
			if (n + 2 > max)
				goto full;
			out[n++] = (uint8_t)(c >> 8);
			out[n++] = (uint8_t)c;
		}
	}
	return n;
full:
	if (cut != NULL)
		*cut = true;
	return n;
}

bool gm_udf_dstring(uint8_t *field, size_t size, const char *s)
{
	bool cut = false;
	size_t n;

	memset(field, 0, size);
	n = gm_udf_cs0(field, size - 1, s, strlen(s), NULL, &cut);
	field[size - 1] = (uint8_t)n;
	return cut;
}

void gm_udf_timestamp(uint8_t *p, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	memset(p, 0, 12);
	if (gmtime_r(&tt, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	/* type 1 (local time) with an offset of 0 minutes: UTC */
	gm_udf_put16(p, 1u << 12);
	gm_udf_put16(p + 2, (uint32_t)(tm.tm_year + 1900));
	p[4] = (uint8_t)(tm.tm_mon + 1);
	p[5] = (uint8_t)tm.tm_mday;
	p[6] = (uint8_t)tm.tm_hour;
	p[7] = (uint8_t)tm.tm_min;
	p[8] = (uint8_t)tm.tm_sec;
}

void gm_udf_regid(uint8_t *p, const char *ident, const uint8_t suffix[8])
{
	size_t len = strlen(ident);

	memset(p, 0, 32);
	memcpy(p + 1, ident, len > 23 ? 23 : len);
	if (suffix != NULL)
		memcpy(p + 24, suffix, 8);
}

void gm_udf_charspec(uint8_t *p)
{
	static const char osta[] = "OSTA Compressed Unicode";

	memset(p, 0, 64);
	memcpy(p + 1, osta, sizeof(osta) - 1);
}
