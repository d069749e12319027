/*
 * common.c - what the commands share: error reporting, help, number
 * parsing and the progress line.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chd.h"
#include "cli.h"
#include "rip.h"
#include "verify.h"
#include "image.h"
#include "banned.h"

void cli_help(const struct gm_command *cmd, FILE *f)
{
	const char *line = cmd->usage;
	bool first = true;

	/* Every usage line is printed with the same "usage: " indent. */
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		fprintf(f, "%s%.*s\n", first ? "usage: " : "       ", (int)len, line);
		first = false;
		line += len + (end ? 1 : 0);
	}
	fprintf(f, "\n%s", cmd->help);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "glassmaster: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'glassmaster help %s' for more information.\n", cmd);
	return GM_EXIT_USAGE;
}

int cli_bad_option(const char *cmd, char **argv)
{
	if (optopt)
		return cli_usage_error(cmd, "option '-%c' is unknown or lacks its "
				       "value", optopt);
	return cli_usage_error(cmd, "option '%s' is unknown or lacks its value",
			       argv[optind - 1]);
}

int cli_add_parent(const char *cmd, const char *path)
{
	static const char *paths[16];
	static unsigned n;

	if (n == sizeof(paths) / sizeof(paths[0]))
		return cli_usage_error(cmd, "more than %u --parent options", n);
	paths[n++] = path;
	gm_chd_set_parents(paths, n);
	return 0;
}

int cli_fail(const char *cmd, struct gm_ctx *ctx, int ret)
{
	enum gm_err code = (enum gm_err)-ret;
	const char *msg = gm_error(ctx);

	fprintf(stderr, "glassmaster: %s: %s\n", cmd,
		*msg ? msg : gm_err_message(code));
	return gm_err_exit_status(code);
}

struct gm_ctx *cli_ctx_with_profile(const char *cmd, const char *profile_path,
				    struct gm_drive_profile *profile,
				    const struct gm_drive_profile **out, int *status)
{
	struct gm_ctx *ctx = gm_ctx_new();
	int ret;

	*out = NULL;
	if (ctx == NULL) {
		*status = cli_fail(cmd, NULL, -GM_ERR_NOMEM);
		return NULL;
	}
	if (profile_path != NULL) {
		ret = gm_drive_profile_load(ctx, profile_path, profile);
		if (ret != 0) {
			*status = cli_fail(cmd, ctx, ret);
			gm_ctx_free(ctx);
			return NULL;
		}
		*out = profile;
	}
	return ctx;
}

bool cli_parse_int(const char *s, long long min, long long max,
		   long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

volatile int cli_stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	cli_stop_requested = 1;
}

void cli_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* an output that cannot grow must fail a write, not kill us */
	signal(SIGXFSZ, SIG_IGN);
}

void cli_progress_init(struct cli_progress *p, const char *what, int mode)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->enabled = mode == CLI_PROGRESS_ALWAYS
		     || (mode == CLI_PROGRESS_AUTO && isatty(STDERR_FILENO));
	p->start = p->last = cli_now();
}

void cli_progress_update(void *arg, uint64_t done, uint64_t total)
{
	struct cli_progress *p = arg;
	double t = cli_now(), elapsed, rate;

	if (!p->enabled || (t - p->last < 0.25 && done < total))
		return;
	p->last = t;
	elapsed = t - p->start;
	rate = elapsed > 0 ? (double)done / elapsed : 0;
	fprintf(stderr, "\r%s: %.1f / %.1f MiB", p->what,
		(double)done / 1048576.0, (double)total / 1048576.0);
	if (total)
		fprintf(stderr, " (%3.0f%%)", 100.0 * (double)done / (double)total);
	fprintf(stderr, ", %.1f MiB/s", rate / 1048576.0);
	if (total && rate > 0 && done < total)
		fprintf(stderr, ", %.0f s left", (double)(total - done) / rate);
	fprintf(stderr, "\033[K");
	p->drawn = true;
}

void cli_progress_done(struct cli_progress *p)
{
	if (p->drawn)
		fprintf(stderr, "\r\033[K");
	p->drawn = false;
}

void cli_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void cli_notes(const char *cmd, const struct gm_disc *d)
{
	for (unsigned i = 0; i < d->nnotes; i++)
		fprintf(stderr, "glassmaster: %s: warning: %s\n", cmd, d->notes[i]);
}

void cli_json_notes(FILE *f, const struct gm_disc *d)
{
	fprintf(f, "\"warnings\": [");
	for (unsigned i = 0; i < d->nnotes; i++) {
		fprintf(f, "%s", i ? ", " : "");
		cli_json_string(f, d->notes[i]);
	}
	fprintf(f, "]");
}

/* The drive database: --drive-db files, then the user's, then the one
   installed with glassmaster; files that do not exist are passed over,
   except those named with --drive-db. */
int cli_load_drive_db(struct gm_ctx *ctx, struct gm_drive_db *db, char **given,
		      size_t ngiven)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char user[4096] = "";
	int ret;

	for (size_t i = 0; i < ngiven; i++) {
		ret = gm_drive_db_load(ctx, db, given[i]);
		if (ret != 0)
			return ret;
	}
	if (xdg != NULL && *xdg == '/')
		snprintf(user, sizeof(user), "%s/glassmaster/drives.db", xdg);
	else if (home != NULL && *home == '/')
		snprintf(user, sizeof(user), "%s/.config/glassmaster/drives.db", home);
	if (user[0] && access(user, F_OK) == 0 && (ret = gm_drive_db_load(ctx, db, user)) != 0)
		return ret;
	if (access(GM_PKGDATADIR "/drives.db", F_OK) == 0)
		return gm_drive_db_load(ctx, db, GM_PKGDATADIR "/drives.db");
	return 0;
}

void cli_print_ar(const struct gm_ar_disc *ar, bool json)
{
	if (json) {
		printf("\"accuraterip\": {\"id1\": \"%08x\", \"id2\": \"%08x\", "
		       "\"cddb\": \"%08x\", \"dbar\": \"%s\", \"path\": \"%s\", "
		       "\"leadout\": %ld, \"tracks\": [", (unsigned)ar->id1, (unsigned)ar->id2,
		       (unsigned)ar->cddb, ar->dbar, ar->dbar_path, (long)ar->leadout);
		for (unsigned i = 0; i < ar->ntracks; i++) {
			const struct gm_ar_track *t = &ar->tracks[i];

			printf("%s{\"number\": %u, \"ordinal\": %u, \"start\": %ld, "
			       "\"end\": %ld, \"v1\": \"%08x\", \"v2\": \"%08x\", "
			       "\"frame450\": \"%08x\"}", i ? ", " : "",
			       t->number, t->ordinal, (long)t->start, (long)t->end,
			       (unsigned)t->v1, (unsigned)t->v2, (unsigned)t->frame450);
		}
		printf("]}, \"musicbrainz\": \"%s\", \"ctdb\": {\"toc\": \"%s\", "
		       "\"crc\": \"%08x\"}", ar->musicbrainz, ar->ctdb_toc,
		       (unsigned)ar->ctdb_crc);
		return;
	}
	printf("AccurateRip: %u audio tracks, id1 %08x, id2 %08x, freedb %08x\n"
	       "  %s\nMusicBrainz disc id: %s\nCTDB: TOC id %s, CRC %08x\n",
	       ar->ntracks, (unsigned)ar->id1, (unsigned)ar->id2, (unsigned)ar->cddb,
	       ar->dbar_path, ar->musicbrainz, ar->ctdb_toc, (unsigned)ar->ctdb_crc);
	for (unsigned i = 0; i < ar->ntracks; i++) {
		const struct gm_ar_track *t = &ar->tracks[i];

		printf("track %2u: v1 %08x  v2 %08x  (LBA %ld-%ld)\n", t->number,
		       (unsigned)t->v1, (unsigned)t->v2, (long)t->start, (long)t->end - 1);
	}
}
