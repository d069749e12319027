/*
 * fuzz_fscheck.c - libFuzzer target for the structural check of ISO 9660
 * and UDF file systems (fscheck.c, and udfwalk.c's check) that verify
 * --integrity runs on plain images, and for the ISO 9660 walk that names
 * the files of raw images.  The input is a volume's sectors, 2048 bytes
 * each: the first 32 become sectors 16 to 47 (the volume descriptors,
 * path tables and first directories of ISO 9660, the UDF recognition and
 * descriptor sequences), the rest sectors 256 on (the UDF anchor and
 * partition); every other sector is zero.  The image is opened as an .iso,
 * checked, and its ISO 9660 tree walked.  Nothing may crash, loop or read
 * outside a buffer.  The seeds are the start of an ISO 9660 + UDF bridge
 * and of a Rock Ridge + Joliet image of a small tree (`glassmaster master
 * --fs iso+udf`, `xorriso -as mkisofs -R -J`).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "image.h"
#include "verify.h"
#include "fuzz_common.h"

static char dir[] = "/tmp/gm-fuzz-fscheck.XXXXXX";
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
	int64_t sectors = fuzz_write_volume(path, data, size, 16, 32);
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_integrity_opts opts;
	struct gm_integrity_report report;

	if (ctx == NULL)
		abort();
	gm_integrity_opts_init(&opts);
	gm_integrity_check_image(ctx, path, &opts, &report);
	fuzz_name_volume(ctx, path, sectors);
	gm_ctx_free(ctx);
	return 0;
}
