/*
 * fuzz_capture_image.c - libFuzzer target for a CD capture read as an
 * image (formats/capture.c, formats/qlayout.c): the input is the raw full
 * TOC (its first two bytes say how long it is) followed by the
 * subchannel, 96 bytes a sector; a capture of that many sectors from LBA
 * -150 is written around them (its NAME.raw sparse) and opened, which
 * decodes every Q frame, repairs the bad ones, lays out tracks and
 * sessions, looks for the write offset and places each track in
 * NAME.raw.  Nothing may crash, loop
 * or read outside a buffer; a capture that opens has tracks inside it.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capdesc.h"
#include "image.h"

static char dir[64];

static void put(const char *name, const void *data, size_t len, size_t size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL)
		abort();
	if (len)
		fwrite(data, 1, len, f);
	if (size > len && ftruncate(fileno(f), (off_t)size) != 0)
		abort();
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gm_ctx *ctx;
	struct gm_disc disc;
	size_t toc_len, sectors;
	char desc[512], path[128];
	int32_t offset;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/gm-fuzz-capture.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
	}
	if (size < 2)
		return 0;
	toc_len = (size_t)(data[0] << 8 | data[1]) % 4096;
	if (toc_len > size - 2)
		toc_len = size - 2;
	sectors = (size - 2 - toc_len) / 96;
	if (sectors < 151 || sectors > 20000)
		return 0;
	snprintf(desc, sizeof(desc), "# glassmaster CD capture\nformat 1\nfirst-lba -150\n"
		 "sectors %zu\nleadout %zu\nsubchannel yes\nread-offset 7\n", sectors,
		 sectors - 150);
	put("f.capture", desc, strlen(desc), 0);
	put("f.raw", NULL, 0, sectors * 2352);
	put("f.sub", data + 2 + toc_len, sectors * 96, 0);
	put("f.toc", data + 2, toc_len, 0);
	ctx = gm_ctx_new();
	if (ctx == NULL)
		abort();
	memset(&disc, 0, sizeof(disc));
	snprintf(path, sizeof(path), "%s/f.capture", dir);
	offset = 0;
	if (gm_capture_open(ctx, path, &offset, GM_CAPTURE_SUB | GM_CAPTURE_DETECT, &disc) == 0) {
		if (disc.ntracks == 0 || disc.ntracks > 99)
			abort();
		for (unsigned i = 0; i < disc.ntracks; i++)
			if (disc.tracks[i].offset + (uint64_t)(disc.tracks[i].end
			    - disc.tracks[i].index[0]) * 2352 > (uint64_t)sectors * 2352)
				abort();
	}
	gm_disc_release(&disc);
	gm_ctx_free(ctx);
	return 0;
}
