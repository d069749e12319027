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

#include "fuzz_fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum gm_fs_type trees[] = { GM_FS_ROCKRIDGE, GM_FS_JOLIET, GM_FS_ISO9660 };

	fuzz_fs_volume(data, size, 16, 32, trees, sizeof(trees) / sizeof(trees[0]));
	return 0;
}
