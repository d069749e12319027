/*
 * fuzz_cdtext.c - libFuzzer target for the CD-TEXT decoders
 * (formats/cdtext.c): the input, cut into 18-byte packs, is decoded into
 * every block (character sets through iconv, the TAB rule, size
 * information, CRCs) and into a disc of 99 tracks (block 0).  Nothing may
 * crash or read outside a buffer; every string decoded is valid to read.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "image_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_cdtext_all all;
	struct gm_disc disc;
	size_t n = size / GM_CDTEXT_PACK, total = 0;

	if (ctx == NULL)
		abort();
	if (gm_cdtext_decode(ctx, data, n, &all) == 0) {
		for (unsigned b = 0; b < 8; b++)
			for (int t = 0; t < GM_CDTEXT_COUNT; t++)
				for (unsigned k = 0; k < 100; k++)
					if (all.blocks[b].text[t][k] != NULL)
						total += strlen(all.blocks[b].text[t][k]);
		if (all.packs != n || all.bad_crc > n)
			abort();
		gm_cdtext_all_release(&all);
	}
	memset(&disc, 0, sizeof(disc));
	disc.ntracks = 99;
	for (unsigned i = 0; i < 99; i++)
		disc.tracks[i].number = (uint8_t)(i + 1);
	(void)gm_cdtext_from_packs(ctx, &disc, data, n);
	gm_disc_release(&disc);
	gm_ctx_free(ctx);
	return (int)(total & 0);
}
