/*
 * fuzz_toc.c - libFuzzer target for the cdrdao TOC reader: every input is
 * written as a TOC file beside a few small data files and opened as an
 * image; when it opens, its layout is read back through the sector source
 * (every kind of read, a few sectors of each track) and its file systems
 * probed, and it is written back as a TOC file (the writer sees every
 * layout the reader accepts).  Nothing may crash or read outside a buffer.
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

static char dir[] = "/tmp/gm-fuzz-toc.XXXXXX";
static char sheet[64];
static char out_toc[64];

static void make_file(const char *name, size_t size, uint8_t fill)
{
	char path[128];
	uint8_t buf[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL)
		abort();
	memset(buf, fill, sizeof(buf));
	while (size > 0) {
		size_t n = size < sizeof(buf) ? size : sizeof(buf);

		fwrite(buf, 1, n, f);
		size -= n;
	}
	fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t wav[44] = {
		'R', 'I', 'F', 'F', 0x24 + 0x24, 0x1c, 0, 0, 'W', 'A', 'V', 'E',
		'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 2, 0, 0x44, 0xac, 0, 0,
		0x10, 0xb1, 2, 0, 4, 0, 16, 0, 'd', 'a', 't', 'a', 0x20, 0x1c, 0, 0
	};
	char path[128];
	FILE *f;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(sheet, sizeof(sheet), "%s/in.toc", dir);
	snprintf(out_toc, sizeof(out_toc), "%s/out.toc", dir);
	make_file("a.bin", 2352 * 40, 0x11);
	make_file("b.bin", 2048 * 30, 0x22);
	make_file("c.bin", 2336 * 3, 0x33);
	make_file("e.bin", 2448 * 4, 0x44);	/* raw + RW_RAW sub-channel */
	/* a WAVE file of 3 sectors of audio */
	snprintf(path, sizeof(path), "%s/d.wav", dir);
	f = fopen(path, "wb");
	if (f == NULL)
		abort();
	fwrite(wav, 1, sizeof(wav), f);
	for (int i = 0; i < 3 * 2352; i++)
		fputc(i & 0xff, f);
	fclose(f);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_source *src = NULL;

	if (ctx == NULL)
		abort();
	fuzz_write_file(sheet, data, size);
	if (gm_image_open(ctx, sheet, &src) == 0) {
		fuzz_exercise(ctx, src);
		{
			struct gm_write_opts opts = {.force = true, .lossy = true};

			gm_image_write(ctx, src, out_toc, &opts);
		}
	}
	gm_source_free(src);
	gm_ctx_free(ctx);
	return 0;
}
