/*
 * fuzz_nrg.c - libFuzzer target for the Nero NRG reader: every input is
 * written as an .nrg file and opened as an image; when it opens, a few
 * sectors of each track are read back through the sector source (every
 * kind of read) and its file systems probed.  Nothing may crash, hang or
 * read outside a buffer.
 *
 * The seeds in corpus/nrg were made by tests/gm-mkimage from gm-mkraw
 * sectors (tiny.bin: `gm-mkraw -n 4 tiny.bin`):
 *   dao2.nrg   -2 -L -c 0123456789012 -t "Fuzz Disc Title" nrg2 tiny.bin
 *              dao2.nrg mode1c:1 "audio:3,pre=1,idx2=1,isrc=USABC9912345,dcp"
 *   dao1.nrg   -L nrg1 one.bin dao1.nrg mode1c:1
 *   tao2.nrg   tao2 two.bin tao2.nrg mode1c:1 mode1c:1,gap=150
 *   multi.nrg  -L -s 1 nrg2 two.bin multi.nrg mode1c:1 mode1c:1
 * (one.bin and two.bin: the first one and two sectors of tiny.bin)
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

static char dir[] = "/tmp/gm-fuzz-nrg.XXXXXX";
static char image[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(image, sizeof(image), "%s/in.nrg", dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_image(image, data, size);
	return 0;
}
