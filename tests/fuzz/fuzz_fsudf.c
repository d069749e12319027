/*
 * fuzz_fsudf.c - libFuzzer target for the file-system reader's UDF side
 * (fs/udf.c, fs/fs.c): anchors, volume descriptor sequences, partition
 * maps (metadata and its mirror, sparable), the file set, File Entries
 * and Extended File Entries with short, long and embedded allocation,
 * Allocation Extent Descriptors, FIDs, symlink path components, device
 * attributes.  The input is a volume's sectors, 2048 bytes each: the first
 * 16 become sectors 32 to 47 (where volume descriptor sequences are), the
 * rest sectors 256 on (the anchor, then the partition); every other sector
 * is zero.  The image is opened as an .iso and read as UDF (fuzz_fs.h).
 * Nothing may crash, loop or read outside a buffer.  Seeds: the starts of
 * UDF 1.02, 2.01, 2.50 and 2.60 images of a small tree.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "image.h"
#include "fuzz_common.h"
#include "fuzz_fs.h"

static char dir[] = "/tmp/gm-fuzz-fsudf.XXXXXX";
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
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_source *src = NULL;

	if (ctx == NULL)
		abort();
	fuzz_write_volume(path, data, size, 32, 16);
	if (gm_image_open(ctx, path, &src) == 0)
		fuzz_fs_tree(ctx, src, GM_FS_UDF);
	gm_source_free(src);
	gm_ctx_free(ctx);
	return 0;
}
