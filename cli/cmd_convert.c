/*
 * cmd_convert.c - `glassmaster convert`: write an image in another
 * format, losslessly unless asked otherwise.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "image.h"
#include "banned.h"

static const char *status_text(enum gm_sector_status s)
{
	switch (s) {
	case GM_SECTOR_EDC: return "EDC/ECC or header check failed";
	case GM_SECTOR_ERROR: return "unreadable";
	case GM_SECTOR_C2: return "C2 errors";
	case GM_SECTOR_UNREAD: return "not read";
	case GM_SECTOR_AUDIO: return "audio sector in a data track";
	default: return "bad";
	}
}

struct convert_run {
	struct cli_progress progress;
	unsigned long bad;
};

static void on_bad(void *arg, int32_t lba, enum gm_sector_status status)
{
	struct convert_run *run = arg;

	cli_progress_done(&run->progress);
	if (run->bad++ < 1000)
		fprintf(stderr, "glassmaster: convert: LBA %ld: %s\n", (long)lba,
			status_text(status));
	else if (run->bad == 1001)
		fprintf(stderr, "glassmaster: convert: (more bad sectors not listed)\n");
}

static void on_progress(void *arg, uint64_t done, uint64_t total)
{
	cli_progress_update(&((struct convert_run *)arg)->progress, done, total);
}

static int cmd_convert(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_PARENT_OPTION,
		{"force", no_argument, NULL, 'f'},
		{"split", no_argument, NULL, 's'},
		{"merge", no_argument, NULL, 'm'},
		{"lossy", no_argument, NULL, 'l'},
		{"sync", no_argument, NULL, 'S'},
		{"progress", no_argument, NULL, 'p'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct gm_write_opts opts;
	struct convert_run run;
	struct gm_source *src = NULL;
	struct gm_ctx *ctx;
	int progress = CLI_PROGRESS_AUTO, c, ret;

	memset(&opts, 0, sizeof(opts));
	memset(&run, 0, sizeof(run));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': opts.force = true; break;
		case 's': opts.split = true; break;
		case 'm': opts.merge = true; break;
		case 'l': opts.lossy = true; break;
		case 'S': opts.sync = true; break;
		case 'p': progress = CLI_PROGRESS_ALWAYS; break;
		case 'q': progress = CLI_PROGRESS_NEVER; break;
		case CLI_OPT_PARENT:
			if (cli_add_parent("convert", optarg) != 0)
				return GM_EXIT_USAGE;
			break;
		case 'h':
			cli_help(&gm_cmd_convert, stdout);
			return GM_EXIT_OK;
		default:
			return cli_bad_option("convert", argv);
		}
	}
	if (opts.split && opts.merge)
		return cli_usage_error("convert", "--split and --merge exclude each other");
	if (argc - optind != 2)
		return cli_usage_error("convert", "IN and OUT, please");
	if (gm_format_for_output(argv[optind + 1]) == NULL)
		return cli_usage_error("convert", "cannot tell the format to write "
				       "from '%s': use .iso, .cue, .ccd, .toc or .chd", argv[optind + 1]);
	ctx = gm_ctx_new();
	if (ctx == NULL)
		return cli_fail("convert", NULL, -GM_ERR_NOMEM);
	ret = gm_image_open(ctx, argv[optind], &src);
	if (ret == 0) {
		cli_notes("convert", gm_source_disc(src));
		cli_progress_init(&run.progress, "converting", progress);
		opts.progress = on_progress;
		opts.on_bad = on_bad;
		opts.arg = &run;
		ret = gm_image_write(ctx, src, argv[optind + 1], &opts);
		cli_progress_done(&run.progress);
	}
	gm_source_free(src);
	if (ret != 0)
		ret = cli_fail("convert", ctx, ret);
	gm_ctx_free(ctx);
	return ret;
}

const struct gm_command gm_cmd_convert = {
	.name = "convert",
	.run = cmd_convert,
	.summary = "convert an image to another format",
	.usage = "glassmaster convert [--force] [--split | --merge] [--lossy] "
		 "[--sync] [--progress | --quiet] [--parent FILE] IN OUT",
	.help =
	"Write the image IN in the format OUT's extension names: .iso (2048-byte\n"
	"sectors of the one data track), .cue (a cue sheet with 2352-byte raw\n"
	"BIN files: cooked sectors get sync, header, EDC and ECC), .ccd (CloneCD:\n"
	"OUT.img with every sector from LBA 0 to the lead-out, gaps included,\n"
	"OUT.sub with the subchannel IN has or a generated one, and the sheet with\n"
	"the TOC), .toc (a cdrdao TOC file with one raw BIN, 'OUT.bin', audio\n"
	"big-endian; RW_RAW when IN has subchannel of its own) or .chd (MAME's\n"
	"CHD v5 as chdman writes it: cdlz, cdzl and cdfl on every core, RW_RAW\n"
	"subchannel; a DVD with 'DVD ' metadata; what a CD CHD cannot hold in a\n"
	"GMCD entry other readers skip). Nothing is\n"
	"dropped silently: audio or a second track into .iso, Form 2 sectors\n"
	"into an .iso, the subchannel of a data track into a .cue, a second\n"
	"session into a .toc or .ccd are\n"
	"refused with what would be lost, unless --lossy. Writing an .iso from raw\n"
	"sectors checks their EDC and ECC and lists the bad ones by LBA (exit\n"
	"status 1; the image is written). Outputs are unnamed files beside their\n"
	"final names, named when complete (a killed run leaves nothing).\n"
	"\n"
	"options:\n"
	"  --parent FILE        a CHD's parent (default: the .chd beside it with\n"
	"                       the SHA-1 the CHD names); repeatable\n"
	"  --force              replace existing output files\n"
	"  --split              .cue: one BIN per track, named 'OUT (Track N).bin'\n"
	"  --merge              .cue: one BIN for all tracks, named 'OUT.bin'\n"
	"                       (default: split when IN is a multi-file cue sheet)\n"
	"  --lossy              write what the target can hold and drop the rest\n"
	"  --sync               wait for the outputs to reach the disk (fsync)\n"
	"                       before naming them\n"
	"  --progress           show progress on stderr even when not a terminal\n"
	"  --quiet              never show progress\n"
	"\n"
	"exit status: 0 success, 1 bad sectors met (output written), 2 usage\n"
	"error, bad input or a loss refused, 3 I/O failure.\n",
};
