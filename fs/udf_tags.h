/*
 * udf_tags.h - ECMA-167 descriptor checks and OSTA CS0 names, shared by
 * the file-system reader (fs/udf.c) and verify --integrity's structural
 * check of UDF (verify/udfwalk.c).  Not installed.
 */
#ifndef GM_UDF_TAGS_H
#define GM_UDF_TAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A descriptor tag (3/7.2) of identifier id recorded at location: its
   identifier, checksum and location (not the CRC). */
bool gm_udf_tag_ok(const uint8_t *d, uint16_t id, uint32_t location);

/* The descriptor CRC (3/7.2.6) of the tag at d, in max bytes. */
bool gm_udf_crc_ok(const uint8_t *d, size_t max);

/* OSTA CS0 (compression 8 or 254: Latin-1; 16 or 255: UTF-16BE) of len
   bytes to UTF-8 in out (4 * len + 1 bytes); its length. */
size_t gm_udf_cs0_utf8(const uint8_t *s, size_t len, char *out);

/* One allocation descriptor (4/14.14.1-2): bytes at part:block, of kind
   0 recorded, 1 allocated only, 2 neither (3, the next extent of
   descriptors, ends a decoding instead). */
struct gm_udf_ad {
	uint16_t part;
	uint32_t block, bytes;
	uint8_t kind;
};

#define GM_UDF_ADS_MAX 256	/* descriptors a 2048-byte block holds, at most */

/*
 * The allocation descriptors at d[0..len) (long_ads when longad, else
 * short_ads of partition part) into out (GM_UDF_ADS_MAX of them), up to
 * one of length zero; their count.  *next says whether a descriptor of
 * kind 3 ended them, with the Allocation Extent Descriptor's place in
 * *npart and *nblock.
 */
size_t gm_udf_ads(const uint8_t *d, size_t len, bool longad, uint16_t part,
		  struct gm_udf_ad *out, bool *next, uint16_t *npart, uint32_t *nblock);

/* The bytes of descriptors an Allocation Extent Descriptor (4/14.5)
   holds from its byte 24, bounded by its block. */
size_t gm_udf_aed_len(const uint8_t *aed);

#endif
