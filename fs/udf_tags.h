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

#endif
