/*
 * cmd_hash.c - `glassmaster hash`: size, CRC-32, MD5, SHA-1 and SHA-256 of
 * every file of an image (each track file, then the sheet), each read
 * once; as text, JSON, or a Logiqx XML dat in redump's form.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "verify.h"
#include "hash.h"
#include "image.h"
#include "banned.h"

struct hashed {
	const char *path;
	const char *name;	/* as a dat names it: the file's base name */
	struct gm_digests d;
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void print_dat(const char *image, const struct hashed *h, unsigned n)
{
	const char *base = base_name(image);
	const char *dot = strrchr(base, '.');
	int stem = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
	struct gm_dat_rom roms[GM_MAX_TRACKS + 1];
	char game[1024];

	snprintf(game, sizeof(game), "%.*s", stem, base);
	for (unsigned i = 0; i < n; i++) {
		roms[i].name = h[i].name;
		roms[i].d = h[i].d;
	}
	gm_dat_write(stdout, game, roms, n);
}

static void print_one(const struct hashed *h, bool json, bool first)
{
	char md5[33], sha1[41], sha256[65];

	gm_hex(h->d.md5, sizeof(h->d.md5), md5);
	gm_hex(h->d.sha1, sizeof(h->d.sha1), sha1);
	gm_hex(h->d.sha256, sizeof(h->d.sha256), sha256);
	if (json) {
		printf("%s{\"name\": ", first ? "" : ", ");
		cli_json_string(stdout, h->name);
		printf(", \"path\": ");
		cli_json_string(stdout, h->path);
		printf(", \"size\": %llu, \"crc32\": \"%08x\", \"md5\": \"%s\", "
		       "\"sha1\": \"%s\", \"sha256\": \"%s\"}",
		       (unsigned long long)h->d.size, (unsigned)h->d.crc32, md5, sha1,
		       sha256);
		return;
	}
	printf("%s\n  size    %llu\n  crc32   %08x\n  md5     %s\n  sha1    %s\n"
	       "  sha256  %s\n", h->name, (unsigned long long)h->d.size,
	       (unsigned)h->d.crc32, md5, sha1, sha256);
}

/* The AccurateRip, CTDB, freedb and MusicBrainz values of the audio. */
static int print_accuraterip(struct gm_ctx *ctx, struct gm_source *src, const char *image,
			     bool json, int mode)
{
	struct gm_ar_disc *ar = malloc(sizeof(*ar));
	struct cli_progress progress;
	int ret;

	if (ar == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	cli_progress_init(&progress, "checksums", mode);
	ret = gm_accuraterip(ctx, src, ar, cli_progress_update, &progress);
	cli_progress_done(&progress);
	if (ret == 0 && json) {
		printf("{\"image\": ");
		cli_json_string(stdout, image);
		printf(", ");
		cli_print_ar(ar, true);
		printf("}\n");
	} else if (ret == 0) {
		cli_print_ar(ar, false);
	}
	free(ar);
	return ret;
}

/* A CHD's tracks as the redump files `convert --split` would write beside
   it (NAME (Track N).bin, NAME.cue), hashed in one pass. */
static struct gm_write_hashes chd_hashes;
static char chd_names[GM_MAX_TRACKS + 4][256];

static int hash_chd(struct gm_ctx *ctx, struct gm_source *src, const char *image, int mode,
		    struct hashed *files, unsigned *n)
{
	size_t len = strlen(image);
	char *cue = malloc(len + 5);
	struct gm_write_opts opts;
	struct cli_progress progress;
	int ret;

	if (cue == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	snprintf(cue, len + 5, "%.*s.cue",
		 (int)(len > 4 && strcmp(image + len - 4, ".chd") == 0 ? len - 4 : len), image);
	memset(&opts, 0, sizeof(opts));
	memset(&chd_hashes, 0, sizeof(chd_hashes));
	opts.split = true;
	opts.force = true;	/* (nothing is written: what is there stays) */
	opts.hashes = &chd_hashes;
	cli_progress_init(&progress, "hashing", mode);
	opts.progress = cli_progress_update;
	opts.arg = &progress;
	ret = gm_image_write(ctx, src, cue, &opts);
	cli_progress_done(&progress);
	free(cue);
	if (ret != 0 && ret != -GM_ERR_MISMATCH)
		return ret;
	/* the sheet last, as a dat lists it */
	*n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < chd_hashes.n; i++) {
			const char *name = chd_hashes.files[i].name;
			bool is_cue = strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".cue") == 0;

			if (is_cue != (pass == 1))
				continue;
			snprintf(chd_names[*n], sizeof(chd_names[*n]), "%.255s", name);
			files[*n].path = NULL;
			files[*n].name = chd_names[*n];
			files[*n].d = chd_hashes.files[i].d;
			(*n)++;
		}
	return 0;
}

static int cmd_hash(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_PARENT_OPTION,
		{"dat", no_argument, NULL, 'd'},
		{"accuraterip", no_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},
		{"progress", no_argument, NULL, 'p'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct hashed files[GM_MAX_TRACKS + 4];
	struct cli_progress progress;
	struct gm_source *src = NULL;
	const struct gm_disc *d;
	struct gm_ctx *ctx;
	bool dat = false, json = false, sheet = true, ar = false;
	int mode = CLI_PROGRESS_AUTO, c, ret;
	unsigned n = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': dat = true; break;
		case 'a': ar = true; break;
		case 'j': json = true; break;
		case 'p': mode = CLI_PROGRESS_ALWAYS; break;
		case 'q': mode = CLI_PROGRESS_NEVER; break;
		case CLI_OPT_PARENT:
			if (cli_add_parent("hash", optarg) != 0)
				return GM_EXIT_USAGE;
			break;
		case 'h':
			cli_help(&gm_cmd_hash, stdout);
			return GM_EXIT_OK;
		default:
			return cli_bad_option("hash", argv);
		}
	}
	if (dat && json)
		return cli_usage_error("hash", "--dat and --json exclude each other");
	if (dat && ar)
		return cli_usage_error("hash", "--dat and --accuraterip exclude each other");
	if (argc - optind != 1)
		return cli_usage_error("hash", argc - optind ? "one IMAGE, please"
				       : "IMAGE is missing");
	ctx = gm_ctx_new();
	if (ctx == NULL)
		return cli_fail("hash", NULL, -GM_ERR_NOMEM);
	ret = gm_image_open(ctx, argv[optind], &src);
	if (ret != 0)
		goto out;
	d = gm_source_disc(src);
	cli_notes("hash", d);
	if (ar) {
		ret = print_accuraterip(ctx, src, argv[optind], json, mode);
		goto out;
	}
	bool chd = strcmp(d->format, "chd") == 0;

	if (chd) {
		/* the files of the redump cue sheet of the CHD's tracks, hashed
		   as they would be written, without writing them */
		ret = hash_chd(ctx, src, argv[optind], mode, files, &n);
		if (ret != 0)
			goto out;
		sheet = false;
	}
	for (unsigned i = 0; !chd && i < d->nfiles; i++) {
		files[n].path = d->files[i].path;
		files[n++].name = base_name(d->files[i].path);
		if (strcmp(d->files[i].path, argv[optind]) == 0)
			sheet = false;
	}
	if (sheet) {
		files[n].path = argv[optind];
		files[n++].name = base_name(argv[optind]);
	}
	for (unsigned i = 0; i < n && ret == 0 && files[i].path != NULL; i++) {
		cli_progress_init(&progress, files[i].name, mode);
		ret = gm_hash_file(ctx, files[i].path, &files[i].d, cli_progress_update,
				   &progress);
		cli_progress_done(&progress);
	}
	if (ret != 0)
		goto out;
	if (dat) {
		print_dat(argv[optind], files, n);
	} else {
		if (json) {
			printf("{\"image\": ");
			cli_json_string(stdout, argv[optind]);
			printf(", ");
			cli_json_notes(stdout, gm_source_disc(src));
			printf(", \"files\": [");
		}
		for (unsigned i = 0; i < n; i++)
			print_one(&files[i], json, i == 0);
		if (json)
			printf("]}\n");
	}
out:
	gm_source_free(src);
	if (ret != 0)
		ret = cli_fail("hash", ctx, ret);
	gm_ctx_free(ctx);
	return ret;
}

const struct gm_command gm_cmd_hash = {
	.name = "hash",
	.run = cmd_hash,
	.summary = "hash every file of an image (CRC-32, MD5, SHA-1, SHA-256)",
	.usage = "glassmaster hash [--dat | --json] [--accuraterip] [--progress | --quiet] [--parent FILE] IMAGE",
	.help =
	"Print the size, CRC-32, MD5, SHA-1 and SHA-256 of every file of the image:\n"
	"each track file as the sheet lists it, then the sheet itself (an .iso is\n"
	"its own one file). Each file is read once; the digests are computed in\n"
	"that one pass, on two threads.\n"
	"\n"
	"options:\n"
	"  --parent FILE        a CHD's parent (default: the .chd beside it with\n"
	"                       the SHA-1 the CHD names); repeatable\n"
	"  --dat                print a Logiqx XML dat in redump's form, one <rom>\n"
	"                       per file with its size, crc, md5 and sha1\n"
	"  --json               print the digests as JSON on stdout\n"
	"  --accuraterip        instead, the audio's AccurateRip v1 and v2 per track,\n"
	"                       its disc ids (id1, id2, freedb, the dBAR file), its\n"
	"                       MusicBrainz disc id and CTDB TOC id and CRC\n"
	"  --progress           show progress on stderr even when not a terminal\n"
	"  --quiet              never show progress\n"
	"\n"
	"exit status: 0 success, 2 usage error or bad input, 3 I/O failure.\n",
};
