/*
 * fuzz_mmc_emu.c - libFuzzer target for the CDB handler of the emulated
 * MMC drive (rip/mmc_emu.c), which will answer initiators over the
 * network: the input is a run of commands, 14 bytes each (a 12-byte CDB
 * and a 16-bit transfer length, capped at 64 KiB), given to a drive whose
 * medium is a small CD of a Mode 1 track and an audio track with a
 * pregap.  Nothing may crash, hang or touch memory beyond the transfer
 * buffer; a command must end GOOD or with CHECK CONDITION and sense.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "image.h"
#include "mmc.h"
#include "fuzz_common.h"

#define MAX_LEN 65536

static char dir[] = "/tmp/gm-fuzz-mmc-emu.XXXXXX";
static char sheet[96];
static struct gm_ctx *ctx;
static struct gm_mmc_io io;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_make_cd(dir, sheet, sizeof(sheet));
	ctx = gm_ctx_new();
	if (ctx == NULL || gm_mmc_emu_open(ctx, sheet, NULL, &io) != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t at = 0; at + 14 <= size; at += 14) {
		const uint8_t *cdb = data + at;
		size_t len = (size_t)data[at + 12] << 8 | data[at + 13];
		size_t cdb_len = cdb[0] < 0x20 ? 6 : cdb[0] < 0x80 ? 10 : 12;
		struct gm_sense sense;
		enum gm_mmc_status st;
		int err;

		/* a buffer of exactly len bytes, so ASan sees an overrun */
		uint8_t *b = len ? malloc(len) : NULL;

		st = io.run(io.arg, cdb, cdb_len, GM_MMC_IN, b, len, 1000,
			    &sense, &err);
		if (st != GM_MMC_OK && st != GM_MMC_CHECK)
			abort();
		if (st == GM_MMC_CHECK && sense.key == 0)
			abort();
		free(b);
	}
	return 0;
}
