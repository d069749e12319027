/*
 * test_chd.c - the CHD container's own codings: MAME's Huffman codes (any
 * histogram, its RLE tree form, symbols back as they went in), the
 * compressed hunk map (every entry type, runs long and short, SELF
 * references of each form) written and read back through a CHD file, and
 * the hostile maps a reader must refuse: a SELF reference to itself or
 * to a later hunk, a hunk longer than a hunk, a hunk past the end of the
 * file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "chd.h"
#include "gm_test.h"

GM_TEST(chd_huffman_round_trip)
{
	static const unsigned shapes[][2] = { { 16, 8 }, { 24, 6 }, { 256, 16 } };
	int bad = 0;

	gm_test_rng_seed(17);
	for (unsigned round = 0; round < 60; round++) {
		unsigned ncodes = shapes[round % 3][0], maxbits = shapes[round % 3][1];
		uint32_t histo[GM_HUFF_MAX_CODES] = { 0 };
		uint32_t syms[2000];
		struct gm_huff enc, dec;
		struct gm_bits_out out;
		struct gm_bits_in in;
		unsigned used = 1 + gm_test_rng_next() % ncodes;

		/* skewed counts (some symbols a thousand times others), some
		   unused, sometimes one symbol alone */
		for (unsigned i = 0; i < used; i++)
			histo[gm_test_rng_next() % ncodes] += 1 + (gm_test_rng_next() % 8 == 0
							      ? gm_test_rng_next() % 5000 : gm_test_rng_next() % 5);
		CU_ASSERT_FATAL(gm_huff_init(&enc, ncodes, maxbits) == 0);
		CU_ASSERT_FATAL(gm_huff_init(&dec, ncodes, maxbits) == 0);
		CU_ASSERT_FATAL(gm_huff_from_histo(&enc, histo));
		for (unsigned i = 0; i < ncodes; i++)
			if ((histo[i] > 0) != (enc.len[i] > 0) || enc.len[i] > maxbits)
				bad++;
		gm_bits_out_init(&out);
		gm_huff_export_rle(&enc, &out);
		for (unsigned i = 0; i < 2000; i++) {
			do
				syms[i] = gm_test_rng_next() % ncodes;
			while (histo[syms[i]] == 0);
			gm_huff_encode(&enc, &out, syms[i]);
		}
		gm_bits_write(&out, 0x5a5, 12);
		gm_bits_flush(&out);
		CU_ASSERT_FATAL(!out.nomem);
		gm_bits_in_init(&in, out.p, out.len);
		CU_ASSERT(gm_huff_import_rle(&dec, &in));
		CU_ASSERT(memcmp(dec.len, enc.len, ncodes) == 0);
		for (unsigned i = 0; i < 2000; i++)
			if (gm_huff_decode(&dec, &in) != syms[i])
				bad++;
		CU_ASSERT_EQUAL(gm_bits_read(&in, 12), 0x5a5);
		CU_ASSERT(!in.overflow);
		free(out.p);
		gm_huff_release(&enc);
		gm_huff_release(&dec);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* A CHD of map (n hunks of 4096 bytes, zlib, lzma) written to path, the
   hunks' payloads zeros where the map puts them. */
static void write_chd(const char *path, const struct gm_chd_hunk *map, uint32_t n,
		      uint64_t payload_end)
{
	struct gm_ctx *ctx = gm_ctx_new();
	uint8_t h[GM_CHD_HEADER_V5] = { 0 }, *m = NULL;
	size_t mlen = 0;
	uint64_t at = GM_CHD_HEADER_V5 + payload_end;
	FILE *f;

	CU_ASSERT_FATAL(gm_chd_encode_map(ctx, map, n, &m, &mlen) == 0);
	memcpy(h, "MComprHD", 8);
	gm_put_be32(h + 8, GM_CHD_HEADER_V5);
	gm_put_be32(h + 12, 5);
	gm_put_be32(h + 16, GM_CHD_CODEC_ZLIB);
	gm_put_be32(h + 20, GM_CHD_CODEC_LZMA);
	gm_put_be32(h + 36, n * 4096);
	gm_put_be32(h + 44, (uint32_t)at);
	gm_put_be32(h + 56, 4096);
	gm_put_be32(h + 60, 512);
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite(h, 1, sizeof(h), f);
	for (uint64_t i = 0; i < payload_end; i++)
		fputc(0, f);
	fwrite(m, 1, mlen, f);
	fclose(f);
	free(m);
	gm_ctx_free(ctx);
}

GM_TEST(chd_map_round_trip)
{
	enum { N = 700 };
	struct gm_chd_hunk *map = calloc(N, sizeof(*map));
	char path[] = "/tmp/gm-unit-chd.XXXXXX";
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_chd *chd = NULL;
	uint64_t at = GM_CHD_HEADER_V5;
	int fd = mkstemp(path), bad = 0;

	CU_ASSERT_FATAL(fd >= 0 && map != NULL);
	close(fd);
	gm_test_rng_seed(5);
	for (uint32_t i = 0; i < N; i++) {
		unsigned kind = i < 300 ? 0 : gm_test_rng_next() % 6;	/* a long run first */

		if (kind == 5 && i > 0) {
			/* SELF: the one before, the same as the last, or any */
			map[i].type = GM_CHD_HUNK_SELF;
			map[i].offset = gm_test_rng_next() % 3 == 0 ? i - 1 : gm_test_rng_next() % i;
			continue;
		}
		map[i].type = kind == 4 || kind == 5 ? GM_CHD_HUNK_NONE : (uint8_t)(kind % 2);
		map[i].length = map[i].type == GM_CHD_HUNK_NONE ? 4096 : 1 + gm_test_rng_next() % 4000;
		map[i].crc = (uint16_t)gm_test_rng_next();
		map[i].offset = at;
		at += map[i].length;
	}
	write_chd(path, map, N, at - GM_CHD_HEADER_V5);
	CU_ASSERT_FATAL(gm_chd_open(ctx, path, &chd) == 0);
	for (uint32_t i = 0; i < N; i++) {
		const struct gm_chd_hunk *a = &map[i], *b = &chd->map[i];

		if (a->type != b->type || a->offset != b->offset
		    || (a->type != GM_CHD_HUNK_SELF && (a->length != b->length || a->crc != b->crc)))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	gm_chd_close(chd);
	unlink(path);
	free(map);
	gm_ctx_free(ctx);
}

/* A CHD whose hunk 2 is map2 (the others stored plain, the payloads back
   to back, the file holding payload bytes of them) opens, and reading
   hunk 2 fails saying why. */
static void hostile(const struct gm_chd_hunk *map2, uint64_t payload, const char *why)
{
	struct gm_chd_hunk map[4];
	char path[] = "/tmp/gm-unit-chd.XXXXXX";
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_chd *chd = NULL;
	uint8_t *buf = malloc(4096);
	uint64_t at = GM_CHD_HEADER_V5;
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0 && buf != NULL);
	close(fd);
	memset(map, 0, sizeof(map));
	for (int i = 0; i < 4; i++) {
		map[i].type = GM_CHD_HUNK_NONE;
		map[i].length = 4096;
		if (i == 2)
			map[i] = *map2;
		if (map[i].type == GM_CHD_HUNK_SELF)
			continue;
		map[i].offset = at;
		at += map[i].length;
	}
	write_chd(path, map, 4, payload);
	if (gm_chd_open(ctx, path, &chd) != 0)
		fprintf(stderr, "open: %s\n", gm_error(ctx));
	CU_ASSERT_FATAL(chd != NULL);
	CU_ASSERT_EQUAL(gm_chd_read_hunk(ctx, chd, 2, buf), -GM_ERR_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), why));
	gm_chd_close(chd);
	unlink(path);
	free(buf);
	gm_ctx_free(ctx);
}

GM_TEST(chd_hostile_maps)
{
	struct gm_chd_hunk e;

	memset(&e, 0, sizeof(e));
	e.type = GM_CHD_HUNK_SELF;
	e.offset = 2;		/* itself: a loop */
	hostile(&e, 3 * 4096, "does not come before it");
	e.offset = 3;		/* a later one */
	hostile(&e, 3 * 4096, "does not come before it");
	e.type = 0;		/* zlib, longer than a hunk */
	e.offset = 0;
	e.length = 5000;
	hostile(&e, 3 * 4096 + 5000, "more than its 4096");
	e.length = 3000;	/* past the end of the file */
	hostile(&e, 2 * 4096 + 100, "past the end of the file");
}
