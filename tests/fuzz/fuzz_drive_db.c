/*
 * fuzz_drive_db.c - libFuzzer target for the drive database reader
 * (rip/drive_db.c, glassmaster-drive-db(5)): every input is parsed as a
 * database, and one that parses is searched for a drive (its revision
 * patterns run through fnmatch).  Nothing may crash or read outside a
 * buffer.  (The values of each line are the drive profile parser's, whose
 * ranges fuzz_drive_profile checks.)
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
	struct gm_drive_db *db = gm_drive_db_new();

	if (ctx == NULL || db == NULL)
		abort();
	if (gm_drive_db_parse(ctx, db, "fuzz.db", (const char *)data, size) == 0) {
		(void)gm_drive_db_match(db, "PLEXTOR", "DVDR   PX-760A", "1.07");
		(void)gm_drive_db_match(db, "A", "B", "1.23");
		if (gm_drive_db_count(db) > 100000)
			abort();
	}
	gm_drive_db_free(db);
	gm_ctx_free(ctx);
	return 0;
}
