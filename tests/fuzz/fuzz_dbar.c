/*
 * fuzz_dbar.c - libFuzzer target for the dBAR reader (verify/accuraterip.c,
 * gm_dbar_parse, what `verify --accuraterip FILE` reads): every input is
 * parsed; one that parses holds 1 to GM_DBAR_MAX responses of 1 to 99
 * tracks, which are walked to the end.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_dbar db;
	uint32_t x = 0;

	if (ctx == NULL)
		abort();
	if (gm_dbar_parse(ctx, "fuzz.bin", data, size, &db) == 0) {
		if (db.n == 0 || db.n > GM_DBAR_MAX)
			abort();
		for (unsigned i = 0; i < db.n; i++) {
			if (db.r[i].ntracks == 0 || db.r[i].ntracks > GM_AR_MAX)
				abort();
			for (unsigned k = 0; k < db.r[i].ntracks; k++)
				x ^= db.r[i].tracks[k].crc;
		}
	}
	gm_dbar_release(&db);
	gm_ctx_free(ctx);
	return (int)(x & 0);
}
