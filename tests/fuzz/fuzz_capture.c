/*
 * fuzz_capture.c - libFuzzer target for the capture description reader
 * (formats/capdesc.c, NAME.capture of glassmaster-rip(1)), read back on
 * every resume of a capture: every input is parsed; one that parses must
 * hold a sector count its bitmap was made for and a lead-out after its
 * first LBA, and its bitmap is walked to the end.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capdesc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_capture_desc d;
	unsigned long n = 0;

	if (ctx == NULL)
		abort();
	if (gm_capture_desc_parse(ctx, &d, "fuzz.capture", (const char *)data, size) == 0) {
		if (d.sectors == 0 || d.unreach == NULL || d.leadout <= d.first_lba)
			abort();
		for (uint32_t i = 0; i < d.sectors; i++)
			n += (d.unreach[i / 8] >> (i % 8)) & 1;
		if (n > d.sectors)
			abort();
	}
	gm_capture_desc_release(&d);
	gm_ctx_free(ctx);
	return 0;
}
