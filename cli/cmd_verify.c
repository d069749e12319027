/*
 * cmd_verify.c - `glassmaster verify --integrity`: check every sector of a
 * raw image (EDC, ECC, header address, Q CRC) and list the bad ones.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "verify.h"
#include "banned.h"

struct bad_list {
	struct gm_bad_sector *items;
	size_t count, cap;
	bool overflow;		/* out of memory: the list is incomplete */
};

static void collect_bad(void *arg, const struct gm_bad_sector *bad)
{
	struct bad_list *list = arg;

	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		struct gm_bad_sector *items = realloc(list->items, cap * sizeof(*items));

		if (items == NULL) {
			list->overflow = true;
			return;
		}
		list->items = items;
		list->cap = cap;
	}
	list->items[list->count++] = *bad;
}

struct verify_run {
	struct bad_list bad;
	struct cli_progress progress;
};

static void on_bad(void *arg, const struct gm_bad_sector *bad)
{
	collect_bad(&((struct verify_run *)arg)->bad, bad);
}

static void on_progress(void *arg, uint64_t done, uint64_t total)
{
	cli_progress_update(&((struct verify_run *)arg)->progress, done, total);
}

static const char *bad_reason(const struct gm_bad_sector *b)
{
	if (b->info.status == GM_CHECK_GOOD)
		return "bad Q subchannel CRC";
	return gm_sector_check_name(b->info.status);
}

static void print_json(const char *path, const struct gm_integrity_report *r,
		       const struct bad_list *bad)
{
	printf("{\"image\": ");
	cli_json_string(stdout, path);
	printf(", \"verdict\": \"%s\", \"sector_size\": %zu, \"sectors\": %llu",
	       r->failed ? "DAMAGED" : "INTACT", r->sector_size,
	       (unsigned long long)r->sectors);
	if (r->first_lba == GM_LBA_ANY)
		printf(", \"first_lba\": null");
	else
		printf(", \"first_lba\": %ld", (long)r->first_lba);
	printf(", \"modes\": {");
	for (int m = 0, n = 0; m <= GM_MODE_INVALID; m++) {
		if (r->by_mode[m] == 0)
			continue;
		printf("%s\"%s\": %llu", n++ ? ", " : "",
		       gm_sector_mode_name((enum gm_sector_mode)m),
		       (unsigned long long)r->by_mode[m]);
	}
	printf("}, \"failed\": %llu, \"bad_sectors\": [", (unsigned long long)r->failed);
	for (size_t i = 0; i < bad->count; i++) {
		const struct gm_bad_sector *b = &bad->items[i];

		printf("%s{\"lba\": %ld, \"index\": %llu, \"mode\": \"%s\", "
		       "\"status\": \"%s\", \"q_crc_bad\": %s}", i ? ", " : "",
		       (long)b->lba, (unsigned long long)b->index,
		       gm_sector_mode_name(b->info.mode),
		       gm_sector_check_name(b->info.status),
		       b->q_bad ? "true" : "false");
	}
	printf("], \"list_complete\": %s}\n", bad->overflow ? "false" : "true");
}

static void print_text(const char *path, const struct gm_integrity_report *r,
		       const struct bad_list *bad)
{
	if (r->failed)
		printf("DAMAGED: '%s': %llu of %llu sectors failed their check\n",
		       path, (unsigned long long)r->failed,
		       (unsigned long long)r->sectors);
	else
		printf("INTACT: '%s': %llu sectors checked\n", path,
		       (unsigned long long)r->sectors);
	printf("  sector size %zu", r->sector_size);
	if (r->first_lba != GM_LBA_ANY)
		printf(", LBA %ld-%ld", (long)r->first_lba,
		       (long)(r->first_lba + (int32_t)r->sectors - 1));
	printf("\n");
	for (int m = 0; m <= GM_MODE_INVALID; m++)
		if (r->by_mode[m])
			printf("  %s: %llu\n", gm_sector_mode_name((enum gm_sector_mode)m),
			       (unsigned long long)r->by_mode[m]);
	if (r->sector_size > GM_SECTOR_RAW)
		printf("  Q subchannel CRC errors: %llu\n", (unsigned long long)r->q_bad);
	for (size_t i = 0; i < bad->count; i++) {
		const struct gm_bad_sector *b = &bad->items[i];

		printf("LBA %ld: %s (%s)", (long)b->lba, bad_reason(b),
		       gm_sector_mode_name(b->info.mode));
		if (b->q_bad && b->info.status != GM_CHECK_GOOD)
			printf(", bad Q subchannel CRC");
		printf("\n");
	}
	if (bad->overflow)
		printf("(out of memory: the list of bad sectors is incomplete)\n");
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"integrity", no_argument, NULL, 'i'},
		{"sector-size", required_argument, NULL, 's'},
		{"first-lba", required_argument, NULL, 'l'},
		{"json", no_argument, NULL, 'j'},
		{"progress", no_argument, NULL, 'p'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct gm_integrity_opts opts;
	struct gm_integrity_report report;
	struct verify_run run;
	struct gm_ctx *ctx;
	bool integrity = false, json = false;
	int progress = CLI_PROGRESS_AUTO, c, ret, status;
	long long v;

	gm_integrity_opts_init(&opts);
	memset(&run, 0, sizeof(run));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			integrity = true;
			break;
		case 's':
			if (!cli_parse_int(optarg, 0, 1 << 20, &v)
			    || (v != GM_SECTOR_RAW && v != GM_SECTOR_RAW + GM_SUB_SIZE))
				return cli_usage_error("verify", "--sector-size must "
						       "be 2352 or 2448, not '%s'", optarg);
			opts.sector_size = (size_t)v;
			break;
		case 'l':
			if (!cli_parse_int(optarg, GM_LBA_MIN, GM_LBA_MAX, &v))
				return cli_usage_error("verify", "--first-lba must be "
						       "an LBA from %d to %d, not '%s'",
						       GM_LBA_MIN, GM_LBA_MAX, optarg);
			opts.first_lba = (int32_t)v;
			break;
		case 'j':
			json = true;
			break;
		case 'p':
			progress = CLI_PROGRESS_ALWAYS;
			break;
		case 'q':
			progress = CLI_PROGRESS_NEVER;
			break;
		case 'h':
			cli_help(&gm_cmd_verify, stdout);
			return GM_EXIT_OK;
		default:
			return cli_bad_option("verify", argv);
		}
	}
	if (!integrity)
		return cli_usage_error("verify", "only --integrity is available "
				       "in this version");
	if (argc - optind != 1)
		return cli_usage_error("verify", argc - optind ? "one IMAGE, please"
				       : "IMAGE is missing");
	ctx = gm_ctx_new();
	if (ctx == NULL) {
		fprintf(stderr, "glassmaster: verify: out of memory\n");
		return GM_EXIT_DEVICE;
	}
	cli_progress_init(&run.progress, "checking", progress);
	opts.on_bad = on_bad;
	opts.progress = on_progress;
	opts.arg = &run;
	ret = gm_integrity_check_raw(ctx, argv[optind], &opts, &report);
	cli_progress_done(&run.progress);
	if (ret == 0 || ret == -GM_ERR_MISMATCH) {
		if (json)
			print_json(argv[optind], &report, &run.bad);
		else
			print_text(argv[optind], &report, &run.bad);
		status = ret == 0 ? GM_EXIT_OK : GM_EXIT_MISMATCH;
	} else {
		status = cli_fail("verify", ctx, ret);
	}
	free(run.bad.items);
	gm_ctx_free(ctx);
	return status;
}

const struct gm_command gm_cmd_verify = {
	.name = "verify",
	.run = cmd_verify,
	.summary = "check the integrity of a raw CD image",
	.usage = "glassmaster verify --integrity [--sector-size 2352|2448] "
		 "[--first-lba LBA] [--json] [--progress | --quiet] IMAGE",
	.help =
	"Check every sector of a raw CD image (2352 bytes a sector, or 2448 with\n"
	"interleaved subchannel): the sync, the header address, the EDC and the\n"
	"ECC of every data sector (Mode 1, Mode 2 Form 1 and Form 2), and the Q\n"
	"subchannel CRC when there is subchannel. Audio sectors are counted, not\n"
	"checked. Nothing is corrected and the image is opened read-only.\n"
	"\n"
	"options:\n"
	"  --integrity          check the image on its own (required for now)\n"
	"  --sector-size N      2352 or 2448; default: from the file size\n"
	"  --first-lba LBA      address of the first sector; default: from the\n"
	"                       header of the first good data sector\n"
	"  --json               print the report as JSON on stdout\n"
	"  --progress           show progress on stderr even when not a terminal\n"
	"  --quiet              never show progress\n"
	"\n"
	"exit status: 0 every sector good, 1 some sector bad, 2 usage error or\n"
	"bad input, 3 I/O failure.\n",
};
