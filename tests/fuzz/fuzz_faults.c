/*
 * fuzz_faults.c - libFuzzer target for the fault script reader
 * (rip/faults.c, glassmaster-faults(5)), which `serve --faults` and
 * `--simulate` read: every input is parsed as a script for a disc of 1000
 * sectors; one that parses is applied to three reads of sectors around
 * each hundred (raw with C2 and subchannel, and user data), so that each
 * fault kind's damage runs.  Nothing may crash or write outside the
 * sector, and a read may only end as the script's faults end reads.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive_private.h"
#include "faults.h"
#include "fuzz_common.h"

static char dir[] = "/tmp/gm-fuzz-faults.XXXXXX";
static char path[96];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_faults *f = NULL;
	uint8_t sector[GM_SECTOR_RAW], c2[GM_DRIVE_C2_SIZE], sub[96];

	if (ctx == NULL)
		abort();
	if (path[0] == '\0')
		fuzz_temp_file(dir, path, sizeof(path), "f.faults");
	fuzz_write_file(path, data, size);
	if (gm_faults_load(ctx, path, 1000, &f) == 0) {
		for (int32_t lba = 0; lba < 1000; lba += 97)
			for (int read = 0; read < 3; read++) {
				enum gm_read_result r;

				memset(sector, 0x5a, sizeof(sector));
				memset(sub, 0x40, sizeof(sub));
				memset(c2, 0, sizeof(c2));
				if (gm_faults_vanished(f))
					break;
				r = gm_faults_read(f, lba, read != 2, sector, c2, sub);
				if (r != GM_READ_OK && r != GM_READ_MEDIUM && r != GM_READ_C2)
					abort();
			}
		(void)gm_faults_delay(f, 0, 1000);
		gm_faults_free(f);
	}
	gm_ctx_free(ctx);
	return 0;
}
