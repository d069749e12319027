/*
 * fuzz_mapfile.c - libFuzzer target for the ddrescue mapfile reader: every
 * input is loaded as a map of unknown size and of a fixed size; a map that
 * loads must keep the extent invariants, survive a few sets, and save and
 * load back the same.  Nothing may crash or read outside a buffer.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapfile.h"

static char dir[] = "/tmp/gm-fuzz-mapfile.XXXXXX";
static char in[64], out[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(in, sizeof(in), "%s/in.map", dir);
	snprintf(out, sizeof(out), "%s/out.map", dir);
	return 0;
}

static void check(const struct gm_map *map)
{
	uint64_t expect = 0;
	size_t i;

	for (i = 0; i < map->count; i++) {
		if (map->extents[i].pos != expect || map->extents[i].size == 0
		    || (i > 0 && map->extents[i - 1].status == map->extents[i].status))
			abort();
		expect += map->extents[i].size;
	}
	if (expect != map->size)
		abort();
}

static void exercise(struct gm_ctx *ctx, uint64_t size)
{
	struct gm_map map, back;
	size_t i;

	if (gm_map_load(ctx, &map, in, size) != 0)
		return;
	check(&map);
	for (i = 0; i < 4 && map.size > 0; i++) {
		uint64_t pos = (map.size / 5 * i + i) % map.size;

		if (gm_map_set(ctx, &map, pos, map.size / 7 + 1 > map.size - pos ? map.size - pos
			       : map.size / 7 + 1, (enum gm_map_status)"-+/*"[i]) != 0)
			abort();
		check(&map);
	}
	if (gm_map_save(ctx, &map, out, "fuzz") != 0 || gm_map_load(ctx, &back, out, map.size) != 0
	    || back.count != map.count || back.current != map.current || back.pass != map.pass)
		abort();
	for (i = 0; i < map.count; i++)
		if (back.extents[i].pos != map.extents[i].pos || back.extents[i].status != map.extents[i].status)
			abort();
	gm_map_release(&back);
	gm_map_release(&map);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gm_ctx *ctx = gm_ctx_new();
	FILE *f = fopen(in, "wb");

	if (f == NULL || ctx == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	exercise(ctx, GM_MAP_SIZE_ANY);
	exercise(ctx, 1 << 20);
	gm_ctx_free(ctx);
	return 0;
}
