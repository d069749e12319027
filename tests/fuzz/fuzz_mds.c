/*
 * fuzz_mds.c - libFuzzer target for the Alcohol 120% MDS reader: every
 * input is written as an .mds descriptor beside a small .mdf of the same
 * name (a descriptor naming "*.mdf" finds it) and opened as an image;
 * when it opens, a few sectors of each track are read back through the
 * sector source (every kind of read) and its file systems probed.
 * Nothing may crash, hang or read outside a buffer.
 *
 * The seeds in corpus/mds were made by tests/gm-mkimage for an .mdf of
 * 16 raw sectors (bin16: `gm-mkraw -n 16 bin16`; dvd18: 18 sectors of 2048
 * bytes), keeping only the descriptors:
 *   cd.mds     mds bin16 cd.mds mode1:4 audio:6,pre=2,dcp audio:6,pre=2
 *   gap.mds    mds bin16 gap.mds mode1:6 audio:10,gap=150
 *   multi.mds  -s 1 mds bin16 multi.mds mode1:8 audio:8,pre=2
 *   dvd.mds    mds-dvd dvd18 dvd.mds
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "verify.h"
#include "fuzz_common.h"

static char dir[] = "/tmp/gm-fuzz-mds.XXXXXX";
static char image[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[64];
	FILE *f;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(image, sizeof(image), "%s/in.mds", dir);
	/* the data file: 16 raw sectors, a pattern */
	snprintf(path, sizeof(path), "%s/in.mdf", dir);
	f = fopen(path, "wb");
	if (f == NULL)
		abort();
	for (int i = 0; i < 16 * 2352; i++)
		fputc((i * 7 + i / 2352) & 0xff, f);
	fclose(f);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_image(image, data, size);
	return 0;
}
