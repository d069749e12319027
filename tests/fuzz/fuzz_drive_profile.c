/*
 * fuzz_drive_profile.c - libFuzzer target for the drive profile reader
 * (rip/drive_profile.c, glassmaster-drive-profile(5)): every input is
 * parsed as a profile; one that parses must hold values within the
 * documented ranges.  Nothing may crash or read outside a buffer.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive_profile p;

	if (ctx == NULL)
		abort();
	gm_drive_profile_init(&p);
	if (gm_drive_profile_parse(ctx, "fuzz.profile", (const char *)data, size, &p) == 0) {
		if (p.read_offset < -2940 || p.read_offset > 2940
		    || p.overread_leadin < 0 || p.overread_leadin > 10000
		    || p.overread_leadout < 0 || p.overread_leadout > 10000
		    || (p.c2 != 0 && p.c2 != 294 && p.c2 != 296)
		    || p.c2_offset < -2352 || p.c2_offset > 2352 || p.cache > 65536
		    || p.nspeeds == 0 || p.nspeeds > GM_PROFILE_SPEEDS
		    || strlen(p.vendor) > 8 || strlen(p.product) > 16
		    || strlen(p.revision) > 4)
			abort();
	}
	gm_ctx_free(ctx);
	return 0;
}
