/*
 * fuzz_udf.c - libFuzzer target for verify's naming of the files at bad
 * sectors (gm_name_ranges_source through the file-system reader, fs/),
 * from whatever UDF a master or a damaged image holds.
 * The input is a volume's sectors, 2048 bytes each: the first 16 become
 * sectors 32 to 47 (where volume descriptor sequences are), the rest
 * sectors 256 on (the anchor, then the partition); every other sector
 * is zero.  The image is opened as an .iso and every sector is given to
 * the walk to name.  Nothing may crash, loop or read outside a buffer.
 * The seeds are the start of UDF 2.01 and 2.50 images of a small tree.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "verify.h"
#include "fuzz_common.h"

static char dir[] = "/tmp/gm-fuzz-udf.XXXXXX";
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_temp_file(dir, path, sizeof(path), "in.iso");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t sectors = fuzz_write_volume(path, data, size, 32, 16);
	struct gm_ctx *ctx = gm_ctx_new();

	if (ctx == NULL)
		abort();
	fuzz_name_volume(ctx, path, sectors);
	gm_ctx_free(ctx);
	return 0;
}
