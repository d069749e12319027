/*
 * cmd_serve.c - `glassmaster serve`: images as optical drives on the
 * network, through the iSCSI target of serve/.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "serve.h"
#include "banned.h"

struct serve_out {
	const char *const *images;
	unsigned n;
	struct gm_ctx *ctx;
	/* told by ready(), for --attach */
	pthread_mutex_t lock;
	bool listening;
	char target[256], address[96];
};

static void ready(void *arg, const char *target, const char *address)
{
	struct serve_out *o = arg;

	pthread_mutex_lock(&o->lock);
	snprintf(o->target, sizeof(o->target), "%s", target);
	snprintf(o->address, sizeof(o->address), "%s", address);
	o->listening = true;
	pthread_mutex_unlock(&o->lock);
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

/* ------------------------------------------------------------------
 * --attach: this machine's own initiator (open-iscsi's iscsiadm, through
 * iscsid) logs in to the target while it serves, and out before it stops.
 */

/* Run iscsiadm with args; 0 when it succeeded, else its status (127: it
   could not be run), its output in out. */
static int iscsiadm(const char *const *args, char *out, size_t size)
{
	const char *argv[16] = { "iscsiadm" };
	posix_spawn_file_actions_t fa;
	int p[2], status = 127, n = 1;
	size_t len = 0;
	pid_t pid;

	for (; args[n - 1] != NULL && n < 15; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	out[0] = '\0';
	if (pipe(p) != 0)
		return 127;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	if (posix_spawnp(&pid, "iscsiadm", &fa, NULL, (char *const *)argv, environ) != 0) {
		snprintf(out, size, "cannot run iscsiadm: %s (Debian package open-iscsi)",
			 strerror(errno));
		pid = -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	for (;;) {
		char drain[512];
		/* what does not fit is read and dropped, so iscsiadm never
		   blocks on a full pipe */
		ssize_t r = len < size - 1 ? read(p[0], out + len, size - 1 - len)
			    : read(p[0], drain, sizeof(drain));

		if (r > 0 && len < size - 1)
			len += (size_t)r;
		else if (r == 0 || (r < 0 && errno != EINTR))
			break;
		out[len] = '\0';
	}
	close(p[0]);
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
		out[--len] = '\0';
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	}
	return status;
}

struct serve_thread {
	struct gm_ctx *ctx;
	struct gm_serve_opts *opts;
	int ret;
	volatile int done;
};

static void *serve_thread(void *arg)
{
	struct serve_thread *t = arg;

	t->ret = gm_serve(t->ctx, t->opts);
	t->done = 1;
	return NULL;
}

static void nap(void)
{
	struct timespec ts = { 0, 50 * 1000000L };

	nanosleep(&ts, NULL);
}

/* Serve with --attach: gm_serve on a thread; login once it listens,
   logout when asked to stop, then stop it. */
static int serve_attached(struct gm_ctx *ctx, struct gm_serve_opts *opts,
			  struct serve_out *out)
{
	static volatile int stop;
	struct serve_thread t = { ctx, opts, 0, 0 };
	pthread_t th;
	char msg[1024];
	bool attached = false;
	int ret = GM_EXIT_OK;

	stop = 0;
	opts->stop = &stop;
	if (pthread_create(&th, NULL, serve_thread, &t) != 0)
		return cli_fail("serve", NULL, -GM_ERR_NOMEM);
	for (;;) {
		bool listening;

		pthread_mutex_lock(&out->lock);
		listening = out->listening;
		pthread_mutex_unlock(&out->lock);
		if (listening || t.done || cli_stop_requested)
			break;
		nap();
	}
	if (!t.done && !cli_stop_requested) {
		const char *add[] = { "-m", "node", "-o", "new", "-T", out->target,
				      "-p", out->address, NULL };
		const char *login[] = { "-m", "node", "-T", out->target, "-p",
					out->address, "--login", NULL };

		if (iscsiadm(add, msg, sizeof(msg)) != 0
		    || iscsiadm(login, msg, sizeof(msg)) != 0) {
			const char *del[] = { "-m", "node", "-o", "delete", "-T",
					      out->target, "-p", out->address, NULL };
			char ignored[256];

			fprintf(stderr, "glassmaster: serve: --attach: this machine's "
				"initiator could not log in to %s on %s: %s\n", out->target,
				out->address, msg);
			(void)iscsiadm(del, ignored, sizeof(ignored));
			ret = GM_EXIT_DEVICE;
		} else {
			attached = true;
			printf("attached: this machine's initiator logged in to %s\n",
			       out->target);
			fflush(stdout);
		}
	}
	while (ret == GM_EXIT_OK && !t.done && !cli_stop_requested)
		nap();
	if (attached) {
		const char *logout[] = { "-m", "node", "-T", out->target, "-p",
					 out->address, "--logout", NULL };
		const char *del[] = { "-m", "node", "-o", "delete", "-T", out->target,
				      "-p", out->address, NULL };

		if (iscsiadm(logout, msg, sizeof(msg)) != 0) {
			fprintf(stderr, "glassmaster: serve: --attach: logging out of %s "
				"failed: %s\n", out->target, msg);
			ret = GM_EXIT_DEVICE;
		}
		(void)iscsiadm(del, msg, sizeof(msg));
	}
	stop = 1;
	pthread_join(th, NULL);
	if (t.ret != 0)
		return cli_fail("serve", ctx, t.ret);
	return ret;
}

static int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_PARENT_OPTION,
		{"listen", required_argument, NULL, 'l'},
		{"target", required_argument, NULL, 't'},
		{"drive-profile", required_argument, NULL, 'p'},
		{"faults", required_argument, NULL, 'f'},
		{"chap", required_argument, NULL, 'c'},
		{"once", no_argument, NULL, 'o'},
		{"attach", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct gm_serve_opts opts;
	struct gm_drive_profile profile;
	struct serve_out out;
	const char *profile_path = NULL, *chap = NULL;
	char user[256], secret[512];
	struct gm_ctx *ctx;
	bool attach = false;
	int c, ret;

	memset(&opts, 0, sizeof(opts));
	memset(&out, 0, sizeof(out));
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
		case 'a': attach = true; break;
		case CLI_OPT_PARENT:
			if (cli_add_parent("serve", optarg) != 0)
				return GM_EXIT_USAGE;
			break;
		case 'h':
			cli_help(&gm_cmd_serve, stdout);
			return GM_EXIT_OK;
		default:
			return cli_bad_option("serve", argv);
		}
	}
	if (optind == argc)
		return cli_usage_error("serve", "which image?");
	if (attach && geteuid() != 0)
		return cli_usage_error("serve", "--attach logs this machine's initiator in: "
				       "run as root");
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
	ctx = cli_ctx_with_profile("serve", profile_path, &profile, &opts.profile, &ret);
	if (ctx == NULL)
		return ret;
	opts.images = (const char *const *)argv + optind;
	opts.nimages = (unsigned)(argc - optind);
	out.images = opts.images;
	out.n = opts.nimages;
	out.ctx = ctx;
	opts.ready = ready;
	opts.event = event;
	opts.arg = &out;
	pthread_mutex_init(&out.lock, NULL);
	cli_catch_signals();
	if (attach) {
		ret = serve_attached(ctx, &opts, &out);
	} else {
		opts.stop = &cli_stop_requested;
		ret = gm_serve(ctx, &opts);
		if (ret != 0)
			ret = cli_fail("serve", ctx, ret);
		else
			ret = GM_EXIT_OK;
	}
	pthread_mutex_destroy(&out.lock);
	gm_ctx_free(ctx);
	return ret;
}

const struct gm_command gm_cmd_serve = {
	.name = "serve",
	.run = cmd_serve,
	.summary = "serve images as optical drives over iSCSI",
	.usage = "glassmaster serve [--listen ADDR:PORT] [--target NAME] "
		 "[--drive-profile FILE] [--faults FILE] [--chap USER:SECRETFILE] [--once] "
		 "[--attach] [--parent FILE] IMAGE ...",
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
	"  --parent FILE        a CHD's parent (default: the .chd beside it with\n"
	"                       the SHA-1 the CHD names); repeatable\n"
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
	"  --attach               (root) log this machine's own initiator in, with\n"
	"                         open-iscsi's iscsiadm and iscsid, so that a local\n"
	"                         /dev/srN holds each image; log out before stopping\n"
	"\n"
	"exit status: 0 stopped, 2 usage error, an image that does not open or a\n"
	"malformed fault script, 3 the address cannot be listened on or --attach\n"
	"could not log in.\n",
};
