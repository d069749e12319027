/*
 * cmd_serve.c - `glassmaster serve`: images as optical drives on the
 * network, through the iSCSI target of serve/.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "serve.h"
#include "banned.h"

struct serve_out {
	const char *const *images;
	unsigned n;
	struct gm_ctx *ctx;
};

static void ready(void *arg, const char *target, const char *address)
{
	const struct serve_out *o = arg;

	printf("serving %s on %s\n", target, address);
	for (unsigned i = 0; i < o->n; i++) {
		struct gm_source *src;

		printf("  LUN %u: %s", i, o->images[i]);
		if (gm_image_open(o->ctx, o->images[i], &src) == 0) {
			const struct gm_disc *d = gm_source_disc(src);

			printf(" (%s, %u track%s, %d sectors)",
			       d->media == GM_MEDIA_DVD ? "DVD-ROM"
			       : d->media == GM_MEDIA_BD ? "BD-ROM" : "CD-ROM",
			       d->ntracks, d->ntracks == 1 ? "" : "s", d->leadout);
			gm_source_free(src);
		}
		printf("\n");
	}
	fflush(stdout);
}

static void event(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "glassmaster: serve: %s\n", line);
}

/* The secret: the first line of path, 12 to 255 bytes (RFC 7143 12.1.3
   asks for at least 12). */
static int read_secret(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "glassmaster: serve: %s: cannot open the CHAP secret file: %m\n",
			path);
		return GM_EXIT_USAGE;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
		fprintf(stderr, "glassmaster: serve: warning: %s can be read by others\n", path);
	if (fgets(out, (int)size, f) == NULL)
		out[0] = '\0';
	fclose(f);
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	if (n < 12 || n > 255) {
		fprintf(stderr, "glassmaster: serve: %s: the CHAP secret (its first line) must "
			"have 12 to 255 bytes, not %zu\n", path, n);
		return GM_EXIT_USAGE;
	}
	return GM_EXIT_OK;
}

static int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"target", required_argument, NULL, 't'},
		{"drive-profile", required_argument, NULL, 'p'},
		{"faults", required_argument, NULL, 'f'},
		{"chap", required_argument, NULL, 'c'},
		{"once", no_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct gm_serve_opts opts;
	struct gm_drive_profile profile;
	struct serve_out out;
	const char *profile_path = NULL, *chap = NULL;
	char user[256], secret[512];
	struct gm_ctx *ctx;
	int c, ret;

	memset(&opts, 0, sizeof(opts));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': opts.listen = optarg; break;
		case 't': opts.target = optarg; break;
		case 'p': profile_path = optarg; break;
		case 'f': opts.faults = optarg; break;
		case 'c': chap = optarg; break;
		case 'o': opts.once = true; break;
		case 'h':
			cli_help(&gm_cmd_serve, stdout);
			return GM_EXIT_OK;
		default:
			return cli_bad_option("serve", argv);
		}
	}
	if (optind == argc)
		return cli_usage_error("serve", "which image?");
	if (opts.target != NULL && (strlen(opts.target) > 223
				    || (strncmp(opts.target, "iqn.", 4) != 0
					&& strncmp(opts.target, "eui.", 4) != 0
					&& strncmp(opts.target, "naa.", 4) != 0)))
		return cli_usage_error("serve", "--target: an iSCSI name (iqn., eui. or "
				       "naa.) of at most 223 bytes, please");
	if (chap != NULL) {
		const char *colon = strchr(chap, ':');

		if (colon == NULL || colon == chap || colon[1] == '\0'
		    || (size_t)(colon - chap) >= sizeof(user))
			return cli_usage_error("serve", "--chap USER:SECRETFILE, please");
		memcpy(user, chap, (size_t)(colon - chap));
		user[colon - chap] = '\0';
		ret = read_secret(colon + 1, secret, sizeof(secret));
		if (ret != GM_EXIT_OK)
			return ret;
		opts.chap_user = user;
		opts.chap_secret = secret;
	}
	ctx = gm_ctx_new();
	if (ctx == NULL)
		return cli_fail("serve", NULL, -GM_ERR_NOMEM);
	if (profile_path != NULL) {
		ret = gm_drive_profile_load(ctx, profile_path, &profile);
		if (ret != 0) {
			ret = cli_fail("serve", ctx, ret);
			gm_ctx_free(ctx);
			return ret;
		}
		opts.profile = &profile;
	}
	opts.images = (const char *const *)argv + optind;
	opts.nimages = (unsigned)(argc - optind);
	out.images = opts.images;
	out.n = opts.nimages;
	out.ctx = ctx;
	opts.ready = ready;
	opts.event = event;
	opts.arg = &out;
	cli_catch_signals();
	opts.stop = &cli_stop_requested;
	ret = gm_serve(ctx, &opts);
	if (ret != 0)
		ret = cli_fail("serve", ctx, ret);
	else
		ret = GM_EXIT_OK;
	gm_ctx_free(ctx);
	return ret;
}

const struct gm_command gm_cmd_serve = {
	.name = "serve",
	.run = cmd_serve,
	.summary = "serve images as optical drives over iSCSI",
	.usage = "glassmaster serve [--listen ADDR:PORT] [--target NAME] "
		 "[--drive-profile FILE] [--faults FILE] [--chap USER:SECRETFILE] [--once] "
		 "IMAGE ...",
	.help =
	"Serve each image as a read-only optical drive (an iSCSI LUN of device\n"
	"type 05h, LUN 0 for the first image) of one iSCSI target, so that any\n"
	"initiator (open-iscsi, libiscsi, QEMU's iscsi driver, Windows) sees a\n"
	"CD, DVD or BD drive holding it. The drive is glassmaster's emulated\n"
	"MMC drive: READ CD with raw sectors, subchannel and C2, full TOC,\n"
	"CD-TEXT, MCN and ISRC, as the image defines them. Serving goes on\n"
	"until SIGINT or SIGTERM; sessions and protocol errors are reported on\n"
	"stderr.\n"
	"\n"
	"options:\n"
	"  --listen ADDR:PORT     listen there (default 127.0.0.1:3260; [ADDR]:PORT\n"
	"                         for IPv6; port 0 picks a free one, printed)\n"
	"  --target NAME          the target's iSCSI name (default\n"
	"                         iqn.2026-12.org.glassmaster: and the first image's\n"
	"                         name without its extension)\n"
	"  --drive-profile FILE   the drive's identity and quirks\n"
	"                         (glassmaster-drive-profile(5))\n"
	"  --faults FILE          damage every drive's medium as the fault script\n"
	"                         says (glassmaster-faults(5)); each LUN counts\n"
	"                         its reads across all sessions\n"
	"  --chap USER:SECRETFILE initiators log in with CHAP as USER, with the\n"
	"                         secret on SECRETFILE's first line (12-255 bytes)\n"
	"  --once                 stop when the first normal session ends\n"
	"\n"
	"exit status: 0 stopped, 2 usage error, an image that does not open or a\n"
	"malformed fault script, 3 the address cannot be listened on.\n",
};
