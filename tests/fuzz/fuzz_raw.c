/*
 * fuzz_raw.c - libFuzzer target for the bare raw image reader (raw.c) and
 * the plain image checks of iso.c (a partial last sector, a UDF volume of
 * 512-byte blocks): every input is written as a .bin file and opened as an
 * image, whatever format bids for it; when it opens, a few sectors of its
 * track are read back through the sector source (every kind of read) and
 * its file systems probed.  Nothing may crash, hang or read outside a
 * buffer.
 *
 * The seed in corpus/raw: mode1.bin, the first three sectors of
 * `gm-mkraw -n 4 tiny.bin`.
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

static char dir[] = "/tmp/gm-fuzz-raw.XXXXXX";
static char image[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_temp_file(dir, image, sizeof(image), "in.bin");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_image(image, data, size);
	return 0;
}
