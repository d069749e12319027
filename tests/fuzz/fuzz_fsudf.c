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

#include "fuzz_fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum gm_fs_type trees[] = { GM_FS_UDF };

	fuzz_fs_volume(data, size, 32, 16, trees, sizeof(trees) / sizeof(trees[0]));
	return 0;
}
