/*
 * fuzz_iso9660.c - libFuzzer target for the file-system reader's ISO 9660
 * side (fs/iso9660.c, fs/fs.c): volume descriptors, directory records and
 * multi-extent files, SUSP with its continuation areas, Rock Ridge (PX,
 * PN, SL, NM, TF, RE/CL relocations, ZF and the zisofs blocks behind it),
 * Joliet names, the El Torito catalogue.  The input is a volume's
 * sectors, 2048 bytes each: the first 32 become sectors 16 to 47, the
 * rest sectors 256 on; every other sector is zero.  The image is opened
 * as an .iso and read as each of the rockridge, joliet and iso9660 trees
 * (fuzz_fs.h).  Nothing may crash, loop or read outside a buffer.  Seeds:
 * the starts of genisoimage and xorriso images with Rock Ridge, Joliet,
 * zisofs, El Torito and deep (relocated) directories.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "image.h"
#include "fuzz_common.h"
#include "fuzz_fs.h"

static char dir[] = "/tmp/gm-fuzz-iso9660.XXXXXX";
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
	fuzz_write_volume(path, data, size, 16, 32);
	if (gm_image_open(ctx, path, &src) == 0) {
		fuzz_fs_tree(ctx, src, GM_FS_ROCKRIDGE);
		fuzz_fs_tree(ctx, src, GM_FS_JOLIET);
		fuzz_fs_tree(ctx, src, GM_FS_ISO9660);
	}
	gm_source_free(src);
	gm_ctx_free(ctx);
	return 0;
}
