/*
 * mapcheck.c - gm-mapcheck, a test helper for the ddrescue mapfile: write
 * a map of random 2048-byte runs (gm_map_save), or read one (gm_map_load),
 * and print what it holds, so that a script can compare our totals with
 * GNU ddrescuelog's.
 *
 * usage: gm-mapcheck [-r SEED] [-n BLOCKS] [-k OPS] OUT    write a map
 *        gm-mapcheck -l [-s SIZE] MAP                       read a map
 *
 * Output, one line each: "size BYTES", "areas N", then for each status in
 * the order ? * / - + "STATUS BYTES AREAS".
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapfile.h"

#define BLOCK 2048

static uint64_t rng_state;

static uint32_t rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

static void print(const struct gm_map *map)
{
	const char *st;
	size_t i;

	printf("size %" PRIu64 "\nareas %zu\n", map->size, map->count);
	for (st = "?*/-+"; *st != '\0'; st++) {
		size_t areas = 0;

		for (i = 0; i < map->count; i++)
			areas += map->extents[i].status == (enum gm_map_status)*st;
		printf("%c %" PRIu64 " %zu\n", *st, gm_map_total(map, (enum gm_map_status)*st), areas);
	}
}

int main(int argc, char **argv)
{
	unsigned long long seed = 1, blocks = 1000, ops = 200, size = GM_MAP_SIZE_ANY;
	bool load = false;
	struct gm_ctx *ctx;
	struct gm_map map;
	int c, ret;

	while ((c = getopt(argc, argv, "r:n:k:ls:")) != -1) {
		switch (c) {
		case 'r': seed = strtoull(optarg, NULL, 10); break;
		case 'n': blocks = strtoull(optarg, NULL, 10); break;
		case 'k': ops = strtoull(optarg, NULL, 10); break;
		case 'l': load = true; break;
		case 's': size = strtoull(optarg, NULL, 0); break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || blocks == 0 || blocks > (1ull << 40))
		goto usage;
	ctx = gm_ctx_new();
	if (ctx == NULL)
		return 3;
	if (load) {
		ret = gm_map_load(ctx, &map, argv[optind], size);
	} else {
		unsigned long long k;

		rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
		ret = gm_map_init(ctx, &map, blocks * BLOCK);
		for (k = 0; ret == 0 && k < ops; k++) {
			uint64_t first = rng_next() % blocks, count = 1 + rng_next() % 16;

			if (count > blocks - first)
				count = blocks - first;
			ret = gm_map_set(ctx, &map, first * BLOCK, count * BLOCK,
					 (enum gm_map_status)"?*/-+"[rng_next() % 5]);
		}
		map.current = blocks / 2 * BLOCK;
		map.phase = '*';
		map.pass = 2;
		if (ret == 0)
			ret = gm_map_save(ctx, &map, argv[optind], "gm-mapcheck");
	}
	if (ret < 0) {
		fprintf(stderr, "gm-mapcheck: %s\n", gm_error(ctx));
		gm_map_release(&map);
		gm_ctx_free(ctx);
		return 2;
	}
	print(&map);
	gm_map_release(&map);
	gm_ctx_free(ctx);
	return 0;
usage:
	fprintf(stderr, "usage: gm-mapcheck [-r SEED] [-n BLOCKS] [-k OPS] OUT\n"
		"       gm-mapcheck -l [-s SIZE] MAP\n");
	return 2;
}
