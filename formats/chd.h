/*
 * chd.h - MAME's CHD v5 container inside the library: the file, its hunk
 * map, its metadata and its codecs (chd.c, chd_codec.c, chd_huff.c), and
 * the disc a CD or DVD CHD holds (chd_disc.c, the "chd" image format).
 *
 * A CHD is a run of hunks of hunk_bytes each (a CD's: 8 frames of 2352
 * bytes of sector and 96 of subchannel), each stored compressed by one of
 * four codecs named in the header, stored plain, a copy of an earlier hunk
 * (SELF), or taken from a parent CHD.  Every length, offset and count read
 * from the file is bounded before it is used.
 */
#ifndef GM_CHD_H
#define GM_CHD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define GM_CHD_HEADER_V5 124
#define GM_CHD_FRAME 2448	/* a CD frame: 2352 bytes of sector, 96 of subchannel */
#define GM_CHD_FRAME_DATA 2352
#define GM_CHD_FRAME_SUB 96
#define GM_CHD_CD_HUNK_FRAMES 8
#define GM_CHD_TRACK_PAD 4	/* a CD track's frames are a multiple of 4 */

/* Codec FourCCs (header compressors[]). */
#define GM_CHD_FOURCC(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))
#define GM_CHD_CODEC_NONE 0u
#define GM_CHD_CODEC_ZLIB GM_CHD_FOURCC('z', 'l', 'i', 'b')
#define GM_CHD_CODEC_ZSTD GM_CHD_FOURCC('z', 's', 't', 'd')
#define GM_CHD_CODEC_LZMA GM_CHD_FOURCC('l', 'z', 'm', 'a')
#define GM_CHD_CODEC_HUFF GM_CHD_FOURCC('h', 'u', 'f', 'f')
#define GM_CHD_CODEC_FLAC GM_CHD_FOURCC('f', 'l', 'a', 'c')
#define GM_CHD_CODEC_CDZL GM_CHD_FOURCC('c', 'd', 'z', 'l')
#define GM_CHD_CODEC_CDLZ GM_CHD_FOURCC('c', 'd', 'l', 'z')
#define GM_CHD_CODEC_CDFL GM_CHD_FOURCC('c', 'd', 'f', 'l')
#define GM_CHD_CODEC_CDZS GM_CHD_FOURCC('c', 'd', 'z', 's')

/* Metadata tags. */
#define GM_CHD_META_CHT2 GM_CHD_FOURCC('C', 'H', 'T', '2')
#define GM_CHD_META_CHTR GM_CHD_FOURCC('C', 'H', 'T', 'R')
#define GM_CHD_META_CHCD GM_CHD_FOURCC('C', 'H', 'C', 'D')
#define GM_CHD_META_CHGT GM_CHD_FOURCC('C', 'H', 'G', 'T')
#define GM_CHD_META_CHGD GM_CHD_FOURCC('C', 'H', 'G', 'D')
#define GM_CHD_META_DVD GM_CHD_FOURCC('D', 'V', 'D', ' ')
#define GM_CHD_META_HARD GM_CHD_FOURCC('G', 'D', 'D', 'D')
/* glassmaster's own: what a CD CHD cannot say (the cue sheet's CD-TEXT,
   indexes past 1, ISRCs, the MCN, sessions); other readers skip it */
#define GM_CHD_META_GLASS GM_CHD_FOURCC('G', 'M', 'C', 'D')
#define GM_CHD_MDFLAGS_CHECKSUM 0x01

/* Hunk map entry types (after the map is decoded). */
enum gm_chd_hunk_type {
	GM_CHD_HUNK_CODEC0 = 0,	/* .. 3: compressed by compressors[type] */
	GM_CHD_HUNK_NONE = 4,	/* stored plain */
	GM_CHD_HUNK_SELF = 5,	/* a copy of hunk `offset` */
	GM_CHD_HUNK_PARENT = 6,	/* unit `offset` of the parent */
	GM_CHD_HUNK_ZERO = 7	/* (v5 uncompressed map: offset 0) */
};

struct gm_chd_hunk {
	uint8_t type;
	uint32_t length;	/* compressed bytes */
	uint64_t offset;	/* file offset, or hunk (SELF), or unit (PARENT) */
	uint16_t crc;		/* CRC-16 of the hunk's bytes (compressed maps) */
};

struct gm_chd_codec;
struct gm_chd_ra;

struct gm_chd {
	char *path;
	int fd;
	uint64_t file_size;
	uint32_t version;
	uint32_t compressors[4];
	uint64_t logical_bytes;
	uint64_t map_offset, meta_offset;
	uint32_t hunk_bytes, unit_bytes, hunk_count;
	uint8_t raw_sha1[20], sha1[20], parent_sha1[20];
	bool has_parent;
	struct gm_chd_hunk *map;
	struct gm_chd_codec *codec[4];
	uint8_t *packed;	/* one compressed hunk */
	uint8_t *cache;		/* the hunk last read */
	uint32_t cached;	/* its number, or UINT32_MAX */
	struct gm_chd *parent;	/* the CHD whose SHA-1 is parent_sha1 */
	pthread_mutex_t parent_lock;	/* its reads (read-ahead threads share it) */
	/* sequential reads decompress ahead on every core (chd.c) */
	struct gm_chd_ra *ra;
	uint64_t last_read;
	unsigned sequential;
	bool ra_failed;
};

/*
 * Open path as a CHD: the header (v5; older versions and parents are
 * refused by name), the map (decoded and its CRC checked) and the
 * codecs.  Messages name the file and what is wrong.
 */
int gm_chd_open(struct gm_ctx *ctx, const char *path, struct gm_chd **out);

/*
 * Where a CHD's parent is looked for: these files first (the CLI's
 * --parent; a process-wide list, kept as given, not copied), then every
 * *.chd beside the child.  The one whose header SHA-1 is the child's
 * parent SHA-1 is opened with it.
 */
void gm_chd_set_parents(const char *const *paths, unsigned n);
void gm_chd_close(struct gm_chd *chd);

/* Hunk n into buf (hunk_bytes), its CRC checked: -GM_ERR_FORMAT naming
   the hunk when it does not decompress or check. */
int gm_chd_read_hunk(struct gm_ctx *ctx, struct gm_chd *chd, uint32_t n, uint8_t *buf);

/* len bytes at logical offset off, through the one-hunk cache. */
int gm_chd_read(struct gm_ctx *ctx, struct gm_chd *chd, uint64_t off, uint8_t *buf,
		size_t len);

/*
 * The index-th metadata entry with tag (0: any tag) into buf (up to len
 * bytes, NUL-terminated when there is room); its tag, flags and full size
 * through the pointers (NULL accepted).  1 when there is none, 0, or a
 * negative code.
 */
int gm_chd_meta(struct gm_ctx *ctx, struct gm_chd *chd, uint32_t tag, unsigned index,
		uint8_t *buf, size_t len, uint32_t *tag_out, uint8_t *flags,
		uint32_t *size);

/* The name of a codec FourCC ("cdlz"), "none", or "?" for unknown. */
const char *gm_chd_codec_name(uint32_t fourcc, char buf[5]);

/* Write src as a CHD (chd_write.c): the "chd" format's write. */
struct gm_source;
struct gm_write_opts;
int gm_chd_write(struct gm_ctx *ctx, struct gm_source *src, const char *path,
		 const struct gm_write_opts *opts);

/* The compressed map of n entries (types 0-5), its 16-byte header first,
   into *out (malloc'd): as MAME writes it, so that MAME reads it. */
int gm_chd_encode_map(struct gm_ctx *ctx, const struct gm_chd_hunk *map, uint32_t n,
		      uint8_t **out, size_t *out_len);

/* ---- codecs (chd_codec.c) ---- */

/* The LZMA dictionary MAME's encoder (level 9) uses for bytes of data: the
   smallest 2 << i or 3 << i holding them (4 KiB at least); a decoder needs
   at least that, an encoder no more. */
uint32_t gm_chd_lzma_dict(size_t bytes);

/* A decompressor for fourcc for hunks of hunk_bytes; NULL with the message
   on ctx when the codec is unknown or memory is short. */
struct gm_chd_codec *gm_chd_codec_new(struct gm_ctx *ctx, uint32_t fourcc,
				      uint32_t hunk_bytes);
void gm_chd_codec_free(struct gm_chd_codec *c);

/* src[0..len) into dst (hunk_bytes): 0, or -GM_ERR_FORMAT with what failed
   in why. */
int gm_chd_codec_decompress(struct gm_chd_codec *c, const uint8_t *src, size_t len,
			    uint8_t *dst, char *why, size_t whylen);

/* ---- MAME's Huffman coding and bit streams (chd_huff.c) ---- */

struct gm_bits_in {
	const uint8_t *p;
	size_t len, pos;	/* bytes, byte position of the next fill */
	uint64_t acc;		/* bits not yet taken, at the top */
	unsigned n;		/* how many */
	bool overflow;		/* read past the end (zeros given) */
};

void gm_bits_in_init(struct gm_bits_in *b, const uint8_t *p, size_t len);
uint32_t gm_bits_peek(struct gm_bits_in *b, unsigned count);
void gm_bits_remove(struct gm_bits_in *b, unsigned count);
uint32_t gm_bits_read(struct gm_bits_in *b, unsigned count);
/* Bytes taken so far (rounded up). */
size_t gm_bits_in_used(const struct gm_bits_in *b);

#define GM_HUFF_MAX_CODES 256

struct gm_huff {
	unsigned ncodes, maxbits;
	uint8_t len[GM_HUFF_MAX_CODES];
	uint32_t code[GM_HUFF_MAX_CODES];
	uint16_t *lookup;	/* 1 << maxbits entries: symbol << 5 | length */
};

int gm_huff_init(struct gm_huff *h, unsigned ncodes, unsigned maxbits);
void gm_huff_release(struct gm_huff *h);
/* The tree as the map stores it (RLE of code lengths) and as the huff
   codec does (code lengths Huffman-coded); false when it is invalid. */
bool gm_huff_import_rle(struct gm_huff *h, struct gm_bits_in *b);
bool gm_huff_import_huffman(struct gm_huff *h, struct gm_bits_in *b);
uint32_t gm_huff_decode(const struct gm_huff *h, struct gm_bits_in *b);
/* Codes from the lengths (canonical, longest first) and the lookup table;
   false when the lengths are no complete prefix code. */
bool gm_huff_assign(struct gm_huff *h);

struct gm_bits_out {
	uint8_t *p;
	size_t len, cap;
	uint64_t acc;
	unsigned n;
	bool nomem;
};

void gm_bits_out_init(struct gm_bits_out *b);
void gm_bits_write(struct gm_bits_out *b, uint32_t v, unsigned count);
void gm_bits_flush(struct gm_bits_out *b);
/* Lengths (at most maxbits) from symbol counts, as MAME makes them, and
   the codes. */
bool gm_huff_from_histo(struct gm_huff *h, const uint32_t *histo);
void gm_huff_export_rle(const struct gm_huff *h, struct gm_bits_out *b);
void gm_huff_encode(const struct gm_huff *h, struct gm_bits_out *b, unsigned symbol);

#endif
