/*
 * test_mapfile.c - the ddrescue mapfile: gm_map_set agrees with a plain
 * array of block statuses over thousands of random operations and keeps
 * the extents sorted, contiguous and without equal neighbours; a saved map
 * loads back the same; hand-written maps load; malformed ones are refused
 * naming their line; the previous map is kept as .bak and survives a
 * failed save.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "gm_test.h"
#include "mapfile.h"

#define BLOCK 2048

static const char statuses[] = "?*/-+";

static char tmpdir[64];

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/gm-unit-map.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static void write_text(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	path_of(path, sizeof(path), name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	CU_ASSERT_EQUAL(fclose(f), 0);
}

static char *read_text(const char *name)
{
	char path[128], *buf;
	size_t n;
	FILE *f;

	path_of(path, sizeof(path), name);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	buf = calloc(1, 1 << 16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Sorted, contiguous from 0 to size, sizes above 0, no equal neighbours. */
static bool invariants(const struct gm_map *map)
{
	uint64_t expect = 0;
	size_t i;

	for (i = 0; i < map->count; i++) {
		const struct gm_map_extent *e = &map->extents[i];

		if (e->pos != expect || e->size == 0 || strchr(statuses, (int)e->status) == NULL)
			return false;
		if (i > 0 && map->extents[i - 1].status == e->status)
			return false;
		expect += e->size;
	}
	return expect == map->size && (map->size == 0) == (map->count == 0);
}

/* Every block of map has the status model says. */
static bool same_as_model(const struct gm_map *map, const char *model, size_t blocks)
{
	size_t b;

	for (b = 0; b < blocks; b++)
		if (gm_map_status_at(map, (uint64_t)b * BLOCK) != (enum gm_map_status)model[b]
		    || gm_map_status_at(map, (uint64_t)b * BLOCK + BLOCK - 1) != (enum gm_map_status)model[b])
			return false;
	return true;
}

static uint64_t model_total(const char *model, size_t blocks, char status)
{
	uint64_t total = 0;
	size_t b;

	for (b = 0; b < blocks; b++)
		total += model[b] == status ? BLOCK : 0;
	return total;
}

/* Random runs, mostly short (as a rescue's), sometimes long. */
static void random_range(size_t blocks, size_t *first, size_t *count)
{
	uint32_t r = gm_test_rng_next();

	*first = gm_test_rng_next() % blocks;
	if (r % 8 == 0)
		*count = 1 + gm_test_rng_next() % (blocks - *first);
	else
		*count = 1 + gm_test_rng_next() % (r % 2 ? 4 : 64);
	if (*count > blocks - *first)
		*count = blocks - *first;
}

GM_TEST(map_set_matches_model)
{
	struct gm_ctx *ctx = gm_ctx_new();
	const size_t sizes[] = { 1, 2, 7, 300, 2048 };	/* blocks; 2048 = 4 MiB */
	size_t s, op, b;

	gm_test_rng_seed(12345);
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t blocks = sizes[s];
		char *model = malloc(blocks);
		struct gm_map map;

		CU_ASSERT_PTR_NOT_NULL_FATAL(model);
		memset(model, '?', blocks);
		CU_ASSERT_EQUAL_FATAL(gm_map_init(ctx, &map, (uint64_t)blocks * BLOCK), 0);
		for (op = 0; op < 3000; op++) {
			size_t first, count;
			char st = statuses[gm_test_rng_next() % 5];

			random_range(blocks, &first, &count);
			CU_ASSERT_EQUAL_FATAL(gm_map_set(ctx, &map, (uint64_t)first * BLOCK,
							 (uint64_t)count * BLOCK,
							 (enum gm_map_status)st), 0);
			memset(model + first, st, count);
			CU_ASSERT_FATAL(invariants(&map));
			if (op % 50 == 0 || blocks < 300)
				CU_ASSERT_FATAL(same_as_model(&map, model, blocks));
		}
		CU_ASSERT(same_as_model(&map, model, blocks));
		for (b = 0; b < 5; b++)
			CU_ASSERT_EQUAL(gm_map_total(&map, (enum gm_map_status)statuses[b]),
					model_total(model, blocks, statuses[b]));
		gm_map_release(&map);
		free(model);
	}
	gm_ctx_free(ctx);
}

GM_TEST(map_set_unaligned_and_edges)
{
	struct gm_map map;

	CU_ASSERT_EQUAL_FATAL(gm_map_init(NULL, &map, 100), 0);
	CU_ASSERT_EQUAL(gm_map_set(NULL, &map, 10, 5, GM_MAP_FINISHED), 0);
	CU_ASSERT_EQUAL(map.count, 3);
	CU_ASSERT_EQUAL(gm_map_set(NULL, &map, 15, 5, GM_MAP_FINISHED), 0);
	CU_ASSERT_EQUAL(map.count, 3);	/* merged with the left */
	CU_ASSERT_EQUAL(gm_map_set(NULL, &map, 5, 5, GM_MAP_FINISHED), 0);
	CU_ASSERT_EQUAL(map.count, 3);	/* merged with the right */
	CU_ASSERT_EQUAL(map.extents[1].pos, 5);
	CU_ASSERT_EQUAL(map.extents[1].size, 15);
	CU_ASSERT_EQUAL(gm_map_set(NULL, &map, 0, 5, GM_MAP_FINISHED), 0);
	CU_ASSERT_EQUAL(map.count, 2);
	CU_ASSERT_EQUAL(gm_map_set(NULL, &map, 12, 1, GM_MAP_BAD), 0);
	CU_ASSERT_EQUAL(map.count, 4);	/* split in three */
	CU_ASSERT_EQUAL(gm_map_status_at(&map, 12), GM_MAP_BAD);
	CU_ASSERT_EQUAL(gm_map_status_at(&map, 13), GM_MAP_FINISHED);
	CU_ASSERT_EQUAL(gm_map_set(NULL, &map, 0, 100, GM_MAP_NONTRIED), 0);
	CU_ASSERT_EQUAL(map.count, 1);
	CU_ASSERT(invariants(&map));
	CU_ASSERT_EQUAL(gm_map_set(NULL, &map, 99, 0, GM_MAP_BAD), 0);
	CU_ASSERT_EQUAL(gm_map_set(NULL, &map, 99, 2, GM_MAP_BAD), -GM_ERR_INVALID);
	CU_ASSERT_EQUAL(gm_map_set(NULL, &map, UINT64_MAX, 2, GM_MAP_BAD), -GM_ERR_INVALID);
	CU_ASSERT_EQUAL(gm_map_set(NULL, &map, 0, 1, (enum gm_map_status)'x'), -GM_ERR_INVALID);
	CU_ASSERT_EQUAL(gm_map_status_at(&map, 100), GM_MAP_NONTRIED);
	gm_map_release(&map);

	CU_ASSERT_EQUAL_FATAL(gm_map_init(NULL, &map, 0), 0);
	CU_ASSERT_EQUAL(map.count, 0);
	CU_ASSERT_EQUAL(gm_map_set(NULL, &map, 0, 0, GM_MAP_BAD), 0);
	CU_ASSERT_EQUAL(gm_map_set(NULL, &map, 0, 1, GM_MAP_BAD), -GM_ERR_INVALID);
	CU_ASSERT_EQUAL(gm_map_total(&map, GM_MAP_BAD), 0);
	gm_map_release(&map);
	gm_map_release(NULL);
}

/* Field by field: memcmp would compare the extents' padding. */
static bool same_maps(const struct gm_map *a, const struct gm_map *b)
{
	size_t i;

	if (a->size != b->size || a->current != b->current || a->phase != b->phase
	    || a->pass != b->pass || a->count != b->count)
		return false;
	for (i = 0; i < a->count; i++)
		if (a->extents[i].pos != b->extents[i].pos || a->extents[i].size != b->extents[i].size
		    || a->extents[i].status != b->extents[i].status)
			return false;
	return true;
}

GM_TEST(map_save_load_round_trip)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_map map, back;
	char path[128], *text;
	size_t op;

	setup();
	path_of(path, sizeof(path), "a.map");
	gm_test_rng_seed(777);
	CU_ASSERT_EQUAL_FATAL(gm_map_init(ctx, &map, (uint64_t)5000 * BLOCK + 17), 0);
	for (op = 0; op < 500; op++) {
		size_t first, count;

		random_range(5000, &first, &count);
		CU_ASSERT_EQUAL_FATAL(gm_map_set(ctx, &map, (uint64_t)first * BLOCK,
						 (uint64_t)count * BLOCK,
						 (enum gm_map_status)statuses[gm_test_rng_next() % 5]), 0);
	}
	map.current = 0x123456789ull;
	map.phase = '/';
	map.pass = 3;
	CU_ASSERT_EQUAL_FATAL(gm_map_save(ctx, &map, path, "glassmaster rip x"), 0);
	CU_ASSERT_EQUAL_FATAL(gm_map_load(ctx, &back, path, map.size), 0);
	CU_ASSERT(same_maps(&map, &back));
	gm_map_release(&back);
	CU_ASSERT_EQUAL_FATAL(gm_map_load(ctx, &back, path, GM_MAP_SIZE_ANY), 0);
	CU_ASSERT(same_maps(&map, &back));
	gm_map_release(&back);

	/* ddrescue's layout, column for column */
	text = read_text("a.map");
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(strncmp(text, "# Mapfile. Created by glassmaster version ", 42) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n# Command line: glassmaster rip x\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n# current_pos  current_status  current_pass\n"
				      "0x123456789     /               3\n"
				      "#      pos        size  status\n"
				      "0x00000000  0x"));
	free(text);
	CU_ASSERT_EQUAL(access(path, F_OK), 0);
	path_of(path, sizeof(path), "a.map.tmp");
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
	path_of(path, sizeof(path), "a.map.bak");
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);	/* nothing to keep the first time */

	gm_map_release(&map);
	teardown();
	gm_ctx_free(ctx);
}

GM_TEST(map_load_hand_written)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_map map;
	char path[128];

	setup();
	path_of(path, sizeof(path), "h.map");
	write_text("h.map",
		   "# Mapfile. Created by GNU ddrescue version 1.27\n"
		   "\n"
		   "  # indented comment\n"
		   "0x00120000     ?               1\n"
		   "#      pos        size  status\n"
		   "0x00000000  0x00117000  +\n"
		   "0x00117000  512  -   # a bad sector\n"
		   "1143296\t0x1000\t/\r\n"
		   "0x00118200  0x00007E00  *\n"
		   "0x00120000  0x00048000  ?\n");
	CU_ASSERT_EQUAL_FATAL(gm_map_load(ctx, &map, path, 0x168000), 0);
	CU_ASSERT_EQUAL(map.current, 0x120000);
	CU_ASSERT_EQUAL(map.phase, '?');
	CU_ASSERT_EQUAL(map.pass, 1);
	CU_ASSERT_EQUAL(map.count, 5);
	CU_ASSERT(invariants(&map));
	CU_ASSERT_EQUAL(gm_map_total(&map, GM_MAP_BAD), 512);
	CU_ASSERT_EQUAL(gm_map_total(&map, GM_MAP_NONSCRAPED), 0x1000);
	CU_ASSERT_EQUAL(gm_map_status_at(&map, 0x117200), GM_MAP_NONSCRAPED);
	gm_map_release(&map);

	/* shorter than the output: the rest is non-tried */
	CU_ASSERT_EQUAL_FATAL(gm_map_load(ctx, &map, path, 0x200000), 0);
	CU_ASSERT_EQUAL(map.count, 5);
	CU_ASSERT_EQUAL(gm_map_total(&map, GM_MAP_NONTRIED), 0x48000 + 0x98000);
	gm_map_release(&map);

	/* no status line, octal, equal neighbours merged, old two-word status */
	write_text("h.map", "0 010 +\n010 8 +\n16 4 -\n");
	CU_ASSERT_EQUAL_FATAL(gm_map_load(ctx, &map, path, 20), 0);
	CU_ASSERT_EQUAL(map.count, 2);
	CU_ASSERT_EQUAL(map.phase, '?');
	CU_ASSERT_EQUAL(map.pass, 1);
	CU_ASSERT_EQUAL(map.current, 0);
	CU_ASSERT(invariants(&map));
	gm_map_release(&map);
	write_text("h.map", "16 +\n0 20 +\n");
	CU_ASSERT_EQUAL_FATAL(gm_map_load(ctx, &map, path, 20), 0);
	CU_ASSERT_EQUAL(map.current, 16);
	CU_ASSERT_EQUAL(map.phase, '+');
	gm_map_release(&map);

	/* empty file, empty output; and an empty file for a whole output */
	write_text("h.map", "# nothing\n");
	CU_ASSERT_EQUAL_FATAL(gm_map_load(ctx, &map, path, 0), 0);
	CU_ASSERT_EQUAL(map.count, 0);
	gm_map_release(&map);
	CU_ASSERT_EQUAL_FATAL(gm_map_load(ctx, &map, path, 4096), 0);
	CU_ASSERT_EQUAL(map.count, 1);
	CU_ASSERT_EQUAL(gm_map_total(&map, GM_MAP_NONTRIED), 4096);
	gm_map_release(&map);

	path_of(path, sizeof(path), "missing.map");
	CU_ASSERT_EQUAL(gm_map_load(ctx, &map, path, 0), -GM_ERR_NOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "cannot open mapfile '"));
	gm_map_release(&map);
	teardown();
	gm_ctx_free(ctx);
}

static void refused(const char *text, uint64_t size, const char *message)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_map map;
	char path[128], want[512];

	path_of(path, sizeof(path), "bad.map");
	write_text("bad.map", text);
	CU_ASSERT_EQUAL(gm_map_load(ctx, &map, path, size), -GM_ERR_FORMAT);
	snprintf(want, sizeof(want), "mapfile '%s' %s", path, message);
	if (strcmp(gm_error(ctx), want) != 0)
		fprintf(stderr, "\n  got:  %s\n  want: %s\n", gm_error(ctx), want);
	CU_ASSERT_STRING_EQUAL(gm_error(ctx), want);
	CU_ASSERT_EQUAL(map.count, 0);
	gm_map_release(&map);
	gm_ctx_free(ctx);
}

GM_TEST(map_load_malformed)
{
	const char *head = "# Mapfile\n0x0 + 1\n";
	char text[512];

	setup();
	snprintf(text, sizeof(text), "%s0x0 0x10 +\n0x10 0x10 -\n0x8 0x10 ?\n", head);
	refused(text, 0x30, "line 5: blocks not sorted");
	snprintf(text, sizeof(text), "%s0x0 0x10 +\n0x18 0x10 -\n", head);
	refused(text, 0x30, "line 4: gap of 8 bytes before the block");
	snprintf(text, sizeof(text), "%s0x10 0x10 +\n", head);
	refused(text, 0x30, "line 3: gap of 16 bytes before the block");
	snprintf(text, sizeof(text), "%s0x0 0x10 +\n0x8 0x10 -\n", head);
	refused(text, 0x30, "line 4: block overlaps the previous one");
	snprintf(text, sizeof(text), "%s0x0 0x10 +\n0x10 0x10 x\n", head);
	refused(text, 0x30, "line 4: bad block status 'x'");
	snprintf(text, sizeof(text), "%s0x0 0x10 ++\n", head);
	refused(text, 0x30, "line 3: bad block status '++'");
	snprintf(text, sizeof(text), "%s0x0 0x1g +\n", head);
	refused(text, 0x30, "line 3: bad number '0x1g'");
	snprintf(text, sizeof(text), "%s-1 0x10 +\n", head);
	refused(text, 0x30, "line 3: bad number '-1'");
	snprintf(text, sizeof(text), "%s0x0 0x10000000000000000 +\n", head);
	refused(text, 0x30, "line 3: bad number '0x10000000000000000'");
	snprintf(text, sizeof(text), "%s0x0 0x10 +\n0x10 0x30 -\n", head);
	refused(text, 0x30, "line 4: block ends beyond the output's 48 bytes");
	snprintf(text, sizeof(text), "%s0x0 0 +\n", head);
	refused(text, 0x30, "line 3: block of size 0");
	snprintf(text, sizeof(text), "%s0x0 0x10\n", head);
	refused(text, 0x30, "line 3: expected 'pos size status'");
	snprintf(text, sizeof(text), "%s0x0 0x10 + extra\n", head);
	refused(text, 0x30, "line 3: expected 'pos size status'");
	refused("0x0 Q 1\n", 0x30, "line 1: bad current status 'Q'");
	refused("0x0 + 0\n", 0x30, "line 1: bad pass '0'");
	refused("0x0 + 0x1\n", 0x30, "line 1: bad pass '0x1'");
	refused("0x0 + 1\n0x0 + 1\n", 0x30, "line 2: bad number '+'");
	teardown();
}

GM_TEST(map_save_keeps_bak)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_map map, back;
	char path[128], bak[128];

	setup();
	path_of(path, sizeof(path), "r.map");
	path_of(bak, sizeof(bak), "r.map.bak");
	CU_ASSERT_EQUAL_FATAL(gm_map_init(ctx, &map, 10 * BLOCK), 0);
	CU_ASSERT_EQUAL(gm_map_save(ctx, &map, path, NULL), 0);
	CU_ASSERT_NOT_EQUAL(access(bak, F_OK), 0);
	CU_ASSERT_EQUAL(gm_map_set(ctx, &map, 0, 4 * BLOCK, GM_MAP_FINISHED), 0);
	CU_ASSERT_EQUAL(gm_map_save(ctx, &map, path, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(gm_map_load(ctx, &back, bak, map.size), 0);
	CU_ASSERT_EQUAL(gm_map_total(&back, GM_MAP_FINISHED), 0);	/* the first map */
	gm_map_release(&back);
	CU_ASSERT_EQUAL(gm_map_set(ctx, &map, 4 * BLOCK, BLOCK, GM_MAP_BAD), 0);
	CU_ASSERT_EQUAL(gm_map_save(ctx, &map, path, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(gm_map_load(ctx, &back, bak, map.size), 0);
	CU_ASSERT_EQUAL(gm_map_total(&back, GM_MAP_FINISHED), 4 * BLOCK);	/* the second */
	CU_ASSERT_EQUAL(gm_map_total(&back, GM_MAP_BAD), 0);
	gm_map_release(&back);
	CU_ASSERT_EQUAL_FATAL(gm_map_load(ctx, &back, path, map.size), 0);
	CU_ASSERT(same_maps(&map, &back));
	gm_map_release(&back);
	gm_map_release(&map);
	teardown();
	gm_ctx_free(ctx);
}

/*
 * A save that cannot write (here: beyond RLIMIT_FSIZE, as a full disk
 * would be) fails naming the map, leaves no .tmp and the old map intact.
 */
GM_TEST(map_save_failure_keeps_old_map)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_map map, back;
	char path[128], tmp[128];
	struct rlimit old, lim;
	void (*old_handler)(int);
	size_t i;
	int ret;

	setup();
	path_of(path, sizeof(path), "f.map");
	path_of(tmp, sizeof(tmp), "f.map.tmp");
	CU_ASSERT_EQUAL_FATAL(gm_map_init(ctx, &map, 100000 * (uint64_t)BLOCK), 0);
	CU_ASSERT_EQUAL(gm_map_save(ctx, &map, path, NULL), 0);
	for (i = 0; i < 100000; i += 2)
		CU_ASSERT_EQUAL_FATAL(gm_map_set(ctx, &map, i * BLOCK, BLOCK, GM_MAP_BAD), 0);

	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 4096;
	old_handler = signal(SIGXFSZ, SIG_IGN);
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ret = gm_map_save(ctx, &map, path, NULL);
	CU_ASSERT_EQUAL(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_handler);

	CU_ASSERT_EQUAL(ret, -GM_ERR_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "cannot write mapfile '"));
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "f.map': File too large"));
	CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);
	CU_ASSERT_EQUAL_FATAL(gm_map_load(ctx, &back, path, map.size), 0);
	CU_ASSERT_EQUAL(back.count, 1);
	CU_ASSERT_EQUAL(gm_map_total(&back, GM_MAP_NONTRIED), map.size);
	gm_map_release(&back);
	gm_map_release(&map);
	teardown();
	gm_ctx_free(ctx);
}
