/*
 * fuzz_chd.c - libFuzzer target for the CHD reader: every input is written
 * as a .chd file and opened as an image (read at every track's edges, its
 * file systems probed, as every image target does); then opened as a CHD
 * alone, every metadata entry listed and the first 64 hunks decompressed,
 * so the codecs of CHDs that are no disc are reached too.  Nothing may
 * crash, hang or read outside a buffer.  It covers every reader of a CHD:
 * formats/chd.c (header, map, hunks, metadata), chd_huff.c (the map's and
 * huff's Huffman trees), chd_codec.c (every codec) and chd_disc.c (the
 * tracks, GMCD); ours-gmcd.chd is chd_write.c's output.
 *
 * The seeds in corpus/chd were made by chdman 0.251 (mame-tools) from a
 * 150-sector ISO of genisoimage and one second of sine (sox):
 *   cd-*.chd   chdman createcd -c none|cdzl|cdlz|cdfl and the default
 *              (cdlz,cdzl,cdfl) of a cue sheet of the ISO as MODE1/2352
 *              and the sine as an AUDIO track with INDEX 00;
 *   iso.chd    chdman createcd of the ISO itself (TYPE MODE1);
 *   sub.chd    chdman createcd of a cdrdao TOC with RW_RAW subchannel;
 *   raw-*.chd  chdman createraw -hs 4096 -us 512 -c zlib|lzma|huff|flac
 *              of 64 KiB of text and sine (raw-self.chd: repeated hunks,
 *              SELF references);
 *   ours-gmcd.chd  glassmaster convert of the cue sheet with a CATALOG,
 *              a TITLE, an ISRC and FLAGS: its GMCD entry.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chd.h"
#include "fuzz_common.h"

static char dir[] = "/tmp/gm-fuzz-chd.XXXXXX";
static char image[64];
static uint8_t *hunk;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_temp_file(dir, image, sizeof(image), "in.chd");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gm_ctx *ctx;
	struct gm_chd *chd;
	uint8_t meta[300];

	fuzz_image(image, data, size);
	ctx = gm_ctx_new();
	if (ctx == NULL)
		abort();
	if (gm_chd_open(ctx, image, &chd) == 0) {
		uint32_t tag, len;
		uint8_t flags;

		for (unsigned i = 0; i < 16 && gm_chd_meta(ctx, chd, 0, i, meta, sizeof(meta),
							    &tag, &flags, &len) == 0; i++)
			;
		free(hunk);
		hunk = malloc(chd->hunk_bytes);
		if (hunk == NULL)
			abort();
		for (uint32_t n = 0; n < chd->hunk_count && n < 64; n++)
			gm_chd_read_hunk(ctx, chd, n, hunk);
		gm_chd_close(chd);
	}
	gm_ctx_free(ctx);
	return 0;
}
