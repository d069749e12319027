/*
 * cmd_master.c - `glassmaster master`: an ISO 9660 image (Rock Ridge,
 * Joliet, El Torito, isohybrid) through libisofs, or a UDF image
 * through our own writer, from directories and graft points;
 * reproducible under SOURCE_DATE_EPOCH.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "master.h"
#include "image.h"
#include "banned.h"

#define MAX_PATTERNS 256


struct master_run {
	bool enabled, drawn;
	double start, last;
};


static void on_progress(void *arg, const struct gm_master_progress *p)
{
	struct master_run *run = arg;
	double t = cli_now(), rate, left;

	if (!run->enabled || (t - run->last < 0.25 && p->bytes < p->total_bytes))
		return;
	run->last = t;
	rate = t > run->start ? (double)p->bytes / (t - run->start) : 0;
	left = rate > 0 ? (double)(p->total_bytes - p->bytes) / rate : 0;
	fprintf(stderr, "\rwriting: %.1f / %.1f MiB, %llu / %llu files, %.1f MiB/s, "
		"ETA %d:%02d\033[K", (double)p->bytes / 1048576.0,
		(double)p->total_bytes / 1048576.0, (unsigned long long)p->files,
		(unsigned long long)p->total_files, rate / 1048576.0,
		(int)(left / 60), (int)left % 60);
	run->drawn = true;
}

static bool add_pattern(const char **list, size_t *n, const char *p)
{
	if (*n >= MAX_PATTERNS)
		return false;
	list[(*n)++] = p;
	return true;
}

/* Lead-out, lead-in and pregap before session 2's first sector (as the
   cue reader and cdrecord -msinfo count them). */
#define SESSION2_AT 11400u

/* "STEM (Session N).iso" of sheet (STEM.cue). */
static char *session_path(const char *sheet, unsigned n)
{
	size_t len = strlen(sheet) + 32;
	char *p = malloc(len);

	if (p != NULL)
		snprintf(p, len, "%.*s (Session %u).iso", (int)(strlen(sheet) - 4), sheet, n);
	return p;
}

/* A two-session disc as a cue sheet: OLD copied as session 1 (whole
   sectors), the session just written as session 2; each file through a
   temporary named when complete. */
static int write_sheet(struct gm_ctx *ctx, const char *old, const char *sheet,
		       const char *s1, const char *s2, bool force)
{
	size_t tlen = strlen(sheet) + 32;
	char *tmp = malloc(tlen), buf[65536];
	const char *b1 = strrchr(s1, '/') ? strrchr(s1, '/') + 1 : s1;
	const char *b2 = strrchr(s2, '/') ? strrchr(s2, '/') + 1 : s2;
	FILE *in = NULL, *o = NULL;
	uint64_t done = 0;
	size_t n;
	int ret = 0;

	if (tmp == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	if (!force && (access(s1, F_OK) == 0 || access(sheet, F_OK) == 0)) {
		ret = gm_error_set(ctx, GM_ERR_EXISTS, "'%s' or '%s' exists (--force "
				   "replaces them)", s1, sheet);
		goto out;
	}
	snprintf(tmp, tlen, "%s.%ld.tmp", sheet, (long)getpid());
	if ((in = fopen(old, "rb")) == NULL || (o = fopen(tmp, "wb")) == NULL) {
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot copy '%s' to '%s'",
					 old, s1);
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (fwrite(buf, 1, n, o) != n)
			break;
		done += n;
	}
	memset(buf, 0, 2048);
	if (!ferror(in) && !ferror(o) && done % 2048 != 0)
		fwrite(buf, 1, 2048 - done % 2048, o);
	if (ferror(in) || ferror(o) || fclose(o) != 0) {
		o = NULL;
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot copy '%s' to '%s'",
					 old, s1);
		goto out;
	}
	o = NULL;
	if (rename(tmp, s1) != 0) {
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot name '%s'", s1);
		goto out;
	}
	if ((o = fopen(tmp, "w")) == NULL) {
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", sheet);
		goto out;
	}
	fprintf(o, "REM SESSION 01\nFILE \"%s\" BINARY\n  TRACK 01 MODE1/2048\n"
		"    INDEX 01 00:00:00\nREM SESSION 02\nFILE \"%s\" BINARY\n"
		"  TRACK 02 MODE1/2048\n    PREGAP 00:02:00\n    INDEX 01 00:00:00\n", b1, b2);
	if (ferror(o) || fclose(o) != 0 || rename(tmp, sheet) != 0) {
		o = NULL;
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", sheet);
		unlink(s1);
		goto out;
	}
	o = NULL;
out:
	if (in != NULL)
		fclose(in);
	if (o != NULL)
		fclose(o);
	if (ret != 0)
		unlink(tmp);
	free(tmp);
	return ret;
}

static int cmd_master(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"fs", required_argument, NULL, 'T'},
		{"udf-rev", required_argument, NULL, 'U'},
		{"dvd-video", no_argument, NULL, 'D'},
		{"bdmv", no_argument, NULL, 'B'},
		{"volume-id", required_argument, NULL, 'V'},
		{"publisher", required_argument, NULL, 'P'},
		{"preparer", required_argument, NULL, 'p'},
		{"application", required_argument, NULL, 'A'},
		{"system-id", required_argument, NULL, 'Y'},
		{"rock", no_argument, NULL, 'r'},
		{"no-rock", no_argument, NULL, 'R'},
		{"joliet", no_argument, NULL, 'j'},
		{"no-joliet", no_argument, NULL, 'J'},
		{"iso1999", no_argument, NULL, '9'},
		{"iso-level", required_argument, NULL, 'l'},
		{"exclude", required_argument, NULL, 'x'},
		{"exclude-from", required_argument, NULL, 'X'},
		{"follow-symlinks", no_argument, NULL, 'F'},
		{"udf-symlinks", required_argument, NULL, 'L'},
		{"hide", required_argument, NULL, 'H'},
		{"hide-joliet", required_argument, NULL, 'K'},
		{"sort", required_argument, NULL, 's'},
		{"boot", required_argument, NULL, 'b'},
		{"boot-catalog", required_argument, NULL, 'c'},
		{"efi-boot", required_argument, NULL, 'e'},
		{"hybrid-mbr", required_argument, NULL, 'm'},
		{"md5", no_argument, NULL, '5'},
		{"append", required_argument, NULL, 'M'},
		{"msinfo", required_argument, NULL, 'C'},
		{"session-only", no_argument, NULL, 'N'},
		{"remove", required_argument, NULL, 'K' + 0x100},
		{"zisofs", no_argument, NULL, 'Z'},
		{"zisofs-min", required_argument, NULL, 'i'},
		{"zisofs-exclude", required_argument, NULL, 'E'},
		{"date", required_argument, NULL, 'd'},
		{"force", no_argument, NULL, 'f'},
		{"sync", no_argument, NULL, 'S'},
		{"json", no_argument, NULL, 'z'},
		{"progress", no_argument, NULL, 'g'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *exclude[MAX_PATTERNS], *hide[MAX_PATTERNS], *hide_j[MAX_PATTERNS];
	const char *zexclude[MAX_PATTERNS], *removes[MAX_PATTERNS];
	struct gm_tree_opts topts;
	struct gm_iso_opts iopts;
	struct gm_iso_report report;
	struct gm_udf_opts uopts;
	struct gm_udf_report ureport;
	const char *iso_only = NULL;	/* the first option only ISO 9660 has */
	bool udf = false, bridge = false, rev_given = false, fs_given = false;
	bool udf_links = false;
	bool dvd = false, bdmv = false;
	const struct gm_node **pads = NULL;
	uint64_t size = 0;
	char **notes = NULL;
	size_t nnotes = 0;
	struct master_run run;
	struct gm_tree *tree = NULL;
	struct gm_ctx *ctx;
	const char *out = NULL, *epoch, *chd_out = NULL, *sheet_out = NULL;
	char *s1_out = NULL, *s2_out = NULL;
	char *tmp_out = NULL;
	struct stat chd_st;
	unsigned long long chd_size = 0;
	bool json = false;
	int progress = CLI_PROGRESS_AUTO, c, ret;
	long long v;

	gm_tree_opts_init(&topts);
	gm_iso_opts_init(&iopts);
	gm_udf_opts_init(&uopts);
	memset(&report, 0, sizeof(report));
	memset(&ureport, 0, sizeof(ureport));
	topts.exclude = exclude;
	topts.hide = hide;
	topts.hide_joliet = hide_j;
	iopts.zisofs_exclude = zexclude;
	iopts.removes = removes;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:V:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'T':
			fs_given = true;
			udf = strcmp(optarg, "udf") == 0;
			bridge = strcmp(optarg, "iso+udf") == 0;
			if (!udf && !bridge && strcmp(optarg, "iso") != 0)
				return cli_usage_error("master", "--fs must be iso, udf or "
						       "iso+udf, not '%s'", optarg);
			break;
		case 'U':
			if (strlen(optarg) != 4 || optarg[1] != '.'
			    || strspn(optarg, "0123456789.") != 4)
				return cli_usage_error("master", "--udf-rev must be a UDF "
						       "revision as 2.01, not '%s'", optarg);
			uopts.revision = (unsigned)((optarg[0] - '0') << 8
					 | (optarg[2] - '0') << 4 | (optarg[3] - '0'));
			rev_given = true;
			break;
		case 'D': dvd = true; break;
		case 'B': bdmv = true; break;
		case 'V': iopts.volume_id = optarg; break;
		case 'P': iopts.publisher = optarg; break;
		case 'p': iopts.preparer = optarg; break;
		case 'A': iopts.application = optarg; break;
		case 'Y': iopts.system_id = optarg; break;
		case 'r': iopts.rock = true; break;
		case 'R': iopts.rock = false; break;
		case 'j': iopts.joliet = true; break;
		case 'J': iopts.joliet = false; break;
		case '9': iopts.iso1999 = true; break;
		case 'l':
			if (!cli_parse_int(optarg, 1, 3, &v))
				return cli_usage_error("master", "--iso-level must be 1, 2 "
						       "or 3, not '%s'", optarg);
			iopts.level = (int)v;
			break;
		case 'x':
			if (!add_pattern(exclude, &topts.nexclude, optarg))
				return cli_usage_error("master", "more than %d --exclude",
						       MAX_PATTERNS);
			break;
		case 'X': topts.exclude_from = optarg; break;
		case 'F': topts.follow_symlinks = true; break;
		case 'L':
			if (strcmp(optarg, "follow") == 0)
				topts.follow_symlinks = true;
			else if (strcmp(optarg, "keep") == 0)
				uopts.keep_symlinks = true;
			else if (strcmp(optarg, "skip") != 0)
				return cli_usage_error("master", "--udf-symlinks must be "
						       "follow, skip or keep, not '%s'",
						       optarg);
			udf_links = true;
			break;
		case 'H':
			if (!add_pattern(hide, &topts.nhide, optarg))
				return cli_usage_error("master", "more than %d --hide",
						       MAX_PATTERNS);
			break;
		case 'K':
			if (!add_pattern(hide_j, &topts.nhide_joliet, optarg))
				return cli_usage_error("master", "more than %d --hide-joliet",
						       MAX_PATTERNS);
			break;
		case 's': topts.sort_file = optarg; break;
		case 'b': iopts.boot = optarg; break;
		case 'c': iopts.boot_catalog = optarg; break;
		case 'e': iopts.efi_boot = optarg; break;
		case 'm': iopts.hybrid_mbr = optarg; break;
		case '5': iopts.md5 = true; break;
		case 'M': iopts.append_from = optarg; break;
		case 'C': {
			unsigned long last, next;
			char tail;

			if (sscanf(optarg, "%lu,%lu%c", &last, &next, &tail) != 2
			    || last > UINT32_MAX || next > UINT32_MAX)
				return cli_usage_error("master", "--msinfo takes LAST,NEXT (sector "
						       "numbers, as cdrecord -msinfo prints "
						       "them), not '%s'", optarg);
			iopts.append_last = (uint32_t)last;
			iopts.append_next = (uint32_t)next;
			break;
		}
		case 'N': iopts.session_only = true; break;
		case 'K' + 0x100:
			if (!add_pattern(removes, &iopts.nremoves, optarg))
				return cli_usage_error("master", "more than %d --remove",
						       MAX_PATTERNS);
			break;
		case 'Z': iopts.zisofs = true; break;
		case 'i':
			if (!cli_parse_int(optarg, 0, INT64_MAX, &v))
				return cli_usage_error("master", "--zisofs-min must be a number "
						       "of bytes, not '%s'", optarg);
			iopts.zisofs_min = (uint64_t)v;
			break;
		case 'E':
			if (!add_pattern(zexclude, &iopts.nzisofs_exclude, optarg))
				return cli_usage_error("master", "more than %d --zisofs-exclude "
						       "patterns", MAX_PATTERNS);
			break;
		case 'd':
			if (!cli_parse_int(optarg, 0, 253402300799LL, &v))
				return cli_usage_error("master", "--date must be seconds since "
						       "1970, not '%s'", optarg);
			iopts.date = v;
			break;
		case 'f': iopts.force = true; break;
		case 'S': iopts.sync = true; break;
		case 'z': json = true; break;
		case 'g': progress = CLI_PROGRESS_ALWAYS; break;
		case 'q': progress = CLI_PROGRESS_NEVER; break;
		case 'h':
			cli_help(&gm_cmd_master, stdout);
			return GM_EXIT_OK;
		default:
			return cli_bad_option("master", argv);
		}
		if (iso_only == NULL && strchr("PpAYrRjJ9lHKbcem5ZiEMCN", c) != NULL)
			for (size_t i = 0; longopts[i].name != NULL; i++)
				if (longopts[i].val == c)
					iso_only = longopts[i].name;
	}
	if (out == NULL)
		return cli_usage_error("master", "-o IMAGE is missing");
	if (optind == argc)
		return cli_usage_error("master", "SRC is missing");
	if (udf && iso_only != NULL)
		return cli_usage_error("master", "--%s is an ISO 9660 option: not with "
				       "--fs udf", iso_only);
	if (dvd && bdmv)
		return cli_usage_error("master", "--dvd-video and --bdmv: one profile "
				       "at a time");
	if (dvd && ((fs_given && !bridge) || (rev_given && uopts.revision != 0x0102)))
		return cli_usage_error("master", "--dvd-video makes an ISO 9660 + UDF "
				       "1.02 bridge: not with another --fs or "
				       "--udf-rev");
	if (bdmv && ((fs_given && !udf) || (rev_given && uopts.revision != 0x0250
					     && uopts.revision != 0x0260)))
		return cli_usage_error("master", "--bdmv makes a UDF 2.50 (or 2.60) "
				       "image: not with another --fs or --udf-rev");
	if (dvd) {
		bridge = true;
		uopts.revision = 0x0102;
		uopts.no_embed_dirs = true;
	}
	if (bdmv) {
		udf = true;
		if (!rev_given)
			uopts.revision = 0x0250;
	}
	if (iopts.append_from == NULL && (iopts.append_next || iopts.append_last
					  || iopts.session_only || iopts.nremoves))
		return cli_usage_error("master", "--msinfo, --session-only and --remove "
				       "need --append OLD");
	if (iopts.append_from != NULL && (udf || bridge))
		return cli_usage_error("master", "--append makes an ISO 9660 session: not "
				       "with --fs udf or iso+udf");
	if (!udf && !bridge && rev_given)
		return cli_usage_error("master", "--udf-rev needs --fs udf or iso+udf");
	if (!udf && !bridge && udf_links)
		return cli_usage_error("master", "--udf-symlinks needs --fs udf or "
				       "iso+udf");
	if (strlen(iopts.volume_id) > 32)
		return cli_usage_error("master", "the volume id '%s' is longer than 32 "
				       "characters", iopts.volume_id);
	epoch = getenv("SOURCE_DATE_EPOCH");
	if (iopts.date < 0 && epoch != NULL && *epoch != '\0') {
		if (!cli_parse_int(epoch, 0, 253402300799LL, &v))
			return cli_usage_error("master", "SOURCE_DATE_EPOCH must be seconds "
					       "since 1970, not '%s'", epoch);
		iopts.date = v;
	}
	topts.clamp = iopts.date;

	/* OUT.cue with --append: a two-session disc, the new session in
	   OUT (Session 2).iso laid out behind OLD's lead-out */
	if (iopts.append_from != NULL && strlen(out) > 4
	    && strcmp(out + strlen(out) - 4, ".cue") == 0) {
		struct stat ost;

		if (iopts.session_only)
			return cli_usage_error("master", "--session-only writes the session "
					       "alone: not into a cue sheet");
		if (stat(iopts.append_from, &ost) != 0)
			return cli_usage_error("master", "cannot open the image to append to, "
					       "'%s'", iopts.append_from);
		if ((uint64_t)ost.st_size / 2048 > UINT32_MAX - 2 * SESSION2_AT)
			return cli_usage_error("master", "'%s' is too big for a disc",
					       iopts.append_from);
		v = (long long)(((uint64_t)ost.st_size + 2047) / 2048 + SESSION2_AT);
		if (iopts.append_next != 0 && iopts.append_next != (uint32_t)v)
			return cli_usage_error("master", "in a cue sheet session 2 starts at "
					       "sector %lld (OLD's end plus lead-out, lead-in "
					       "and pregap), not %lu", v,
					       (unsigned long)iopts.append_next);
		iopts.append_next = (uint32_t)v;
		iopts.session_only = true;
		sheet_out = out;
		s1_out = session_path(out, 1);
		s2_out = session_path(out, 2);
		if (s1_out == NULL || s2_out == NULL) {
			free(s1_out);
			free(s2_out);
			return cli_fail("master", NULL, -GM_ERR_NOMEM);
		}
		out = s2_out;
	}
	/* a CHD: the image is mastered beside it, then compressed */
	if (strlen(out) > 4 && strcmp(out + strlen(out) - 4, ".chd") == 0) {
		size_t len = strlen(out) + 32;

		if (!iopts.force && access(out, F_OK) == 0)
			return cli_usage_error("master", "'%s' exists (--force replaces it)",
					       out);
		chd_out = out;
		tmp_out = malloc(len);
		if (tmp_out == NULL)
			return cli_fail("master", NULL, -GM_ERR_NOMEM);
		snprintf(tmp_out, len, "%s.%ld.iso", chd_out, (long)getpid());
		out = tmp_out;
	}
	cli_catch_signals();
	memset(&run, 0, sizeof(run));
	run.enabled = progress == CLI_PROGRESS_ALWAYS
		      || (progress == CLI_PROGRESS_AUTO && isatty(STDERR_FILENO));
	run.start = cli_now();
	iopts.progress = on_progress;
	iopts.arg = &run;
	iopts.stop = &cli_stop_requested;
	uopts.volume_id = iopts.volume_id;
	uopts.date = iopts.date;
	uopts.force = iopts.force;
	uopts.sync = iopts.sync;
	uopts.progress = on_progress;
	uopts.arg = &run;
	uopts.stop = &cli_stop_requested;
	if (bridge)
		iopts.udf = &uopts;

	ctx = gm_ctx_new();
	if (ctx == NULL)
		return cli_fail("master", NULL, -GM_ERR_NOMEM);
	ret = gm_tree_scan(ctx, (const char *const *)argv + optind,
			   (size_t)(argc - optind), &topts, &tree);
	if (ret == 0 && dvd) {
		ret = gm_dvd_video_prepare(ctx, tree, &pads, &iopts.npads);
		iopts.pads = pads;
	}
	if (ret == 0 && bdmv)
		ret = gm_bdmv_check(ctx, tree);
	if (ret == 0 && udf) {
		ret = gm_udf_write(ctx, tree, &uopts, out, &ureport);
		size = ureport.size;
		notes = ureport.notes;
		nnotes = ureport.nnotes;
	} else if (ret == 0) {
		ret = gm_iso_write(ctx, tree, &iopts, out, &report);
		size = report.size;
		notes = report.notes;
		nnotes = report.nnotes;
	}
	if (ret == 0 && sheet_out != NULL) {
		ret = write_sheet(ctx, iopts.append_from, sheet_out, s1_out, s2_out,
				  iopts.force);
		if (ret != 0)
			unlink(s2_out);
		out = sheet_out;
	}
	if (ret == 0 && chd_out != NULL) {
		/* the image just made, compressed into the CHD asked for */
		struct gm_source *src = NULL;
		struct gm_write_opts wopts;

		memset(&wopts, 0, sizeof(wopts));
		wopts.force = iopts.force;
		wopts.sync = iopts.sync;
		ret = gm_image_open(ctx, out, &src);
		if (ret == 0)
			ret = gm_image_write(ctx, src, chd_out, &wopts);
		gm_source_free(src);
		if (ret == 0 && stat(chd_out, &chd_st) == 0)
			chd_size = (unsigned long long)chd_st.st_size;
	}
	if (chd_out != NULL) {
		unlink(tmp_out);
		free(tmp_out);
		out = chd_out;
	}
	if (run.drawn)
		fprintf(stderr, "\r\033[K");
	if (ret != 0) {
		ret = cli_fail("master", ctx, ret);
	} else if (json) {
		printf("{\"image\": ");
		cli_json_string(stdout, out);
		printf(", \"size\": %llu, \"sectors\": %llu, \"files\": %llu, "
		       "\"directories\": %llu, \"symlinks\": %llu, \"special_files\": %llu, "
		       "\"file_bytes\": %llu, \"volume_id\": ",
		       (unsigned long long)size, (unsigned long long)(size / 2048),
		       (unsigned long long)tree->files, (unsigned long long)tree->dirs,
		       (unsigned long long)tree->symlinks,
		       (unsigned long long)tree->specials,
		       (unsigned long long)tree->bytes);
		cli_json_string(stdout, iopts.volume_id);
		printf(", \"file_system\": \"%s\", \"reproducible\": %s, \"notes\": [",
		       udf ? "udf" : bridge ? "iso9660+udf" : "iso9660",
		       iopts.date >= 0 ? "true" : "false");
		for (size_t i = 0; i < nnotes; i++) {
			printf("%s", i ? ", " : "");
			cli_json_string(stdout, notes[i]);
		}
		printf("]}\n");
	} else {
		for (size_t i = 0; i < nnotes; i++)
			fprintf(stderr, "glassmaster: master: note: %s\n", notes[i]);
		printf("'%s': %s%llu bytes (%llu sectors), %llu files, %llu directories%s",
		       out, udf ? "UDF, " : bridge ? "ISO 9660 + UDF, " : "",
		       (unsigned long long)size,
		       (unsigned long long)(size / 2048),
		       (unsigned long long)tree->files, (unsigned long long)tree->dirs,
		       iopts.date >= 0 ? ", reproducible" : "");
		if (chd_out != NULL)
			printf(", compressed into a CHD of %llu bytes", chd_size);
		printf("\n");
	}
	gm_iso_report_release(&report);
	gm_udf_report_release(&ureport);
	free(pads);
	free(s1_out);
	free(s2_out);
	gm_tree_free(tree);
	gm_ctx_free(ctx);
	return ret;
}

const struct gm_command gm_cmd_master = {
	.name = "master",
	.run = cmd_master,
	.summary = "master an ISO 9660 or UDF image from directories",
	.usage = "glassmaster master -o IMAGE [--fs iso | udf | iso+udf] [--udf-rev REV] "
		 "[--dvd-video | --bdmv] "
		 "[-V ID] [--publisher S] [--preparer S] "
		 "[--application S] [--system-id S] [--rock | --no-rock] "
		 "[--joliet | --no-joliet] "
		 "[--iso1999] [--iso-level N] [--exclude PATTERN] "
		 "[--exclude-from FILE] [--follow-symlinks] "
		 "[--udf-symlinks follow | skip | keep] [--hide PATTERN] "
		 "[--hide-joliet PATTERN] [--sort FILE] [--boot PATH] "
		 "[--boot-catalog PATH] [--efi-boot PATH] [--hybrid-mbr FILE] "
		 "[--md5] [--append OLD] [--msinfo LAST,NEXT] [--session-only] [--remove PATH] [--zisofs] [--zisofs-min SIZE] [--zisofs-exclude PATTERN] [--date EPOCH] [--force] [--sync] [--json] "
		 "[--progress | --quiet] SRC ...",
	.help =
	"Write an ISO 9660 image of the sources through libisofs (or with\n"
	"--fs udf a UDF image through glassmaster's own writer): each SRC is a\n"
	"directory whose contents become the root, or a graft point DEST=SRC\n"
	"placing a file or directory at image path DEST. Rock Ridge (POSIX names,\n"
	"modes, owners, times, symlinks, hard links) and Joliet (long Unicode\n"
	"names) are on by default; ISO level 3 stores files over 4 GiB in several\n"
	"extents. The image goes to an unnamed file beside IMAGE, named when it\n"
	"is complete (a killed run leaves nothing); a file that changes while\n"
	"it is written fails the image.\n"
	"With SOURCE_DATE_EPOCH (or --date) the image is byte-identical for\n"
	"identical input: volume dates and GUIDs from it, file times clamped.\n"
	"\n"
	"options:\n"
	"  -o, --output IMAGE     the image to write (IMAGE.chd: compressed into a\n"
	"                         CHD)\n"
	"  --fs iso | udf | iso+udf\n"
	"                         ISO 9660 (the default), UDF (one partition,\n"
	"                         POSIX modes, owners, times, symlinks, hard\n"
	"                         links, Unicode names; the ISO 9660 options\n"
	"                         do not apply) or a bridge that is both, each\n"
	"                         file's data stored once\n"
	"  --udf-rev REV          the UDF revision: 1.02, 2.01 (the default), 2.50\n"
	"                         or 2.60 (these two with a metadata partition)\n"
	"  --dvd-video            a DVD-Video disc: an ISO 9660 + UDF 1.02 bridge\n"
	"                         with VIDEO_TS's files first, in reading order,\n"
	"                         each one extent, no IFO in its BUP's ECC block;\n"
	"                         a tree that breaks a rule is refused\n"
	"  --bdmv                 a BD disc: UDF 2.50 (or --udf-rev 2.60) with its\n"
	"                         metadata partition, of a tree with BDMV\n"
	"  -V, --volume-id ID     the volume id (default CDROM; 32 characters)\n"
	"  --publisher S, --preparer S, --application S, --system-id S\n"
	"                         the other ids of the volume descriptors\n"
	"  --rock, --no-rock      Rock Ridge on (the default) or off\n"
	"  --joliet, --no-joliet  the Joliet tree on (the default) or off\n"
	"  --iso1999              add an ISO 9660:1999 tree\n"
	"  --iso-level N          1 (8.3 names), 2 (31 characters) or 3 (the\n"
	"                         default: also files over 4 GiB)\n"
	"  --exclude PATTERN      leave out what matches (fnmatch; the leaf name,\n"
	"                         or the image path when PATTERN has a '/')\n"
	"  --exclude-from FILE    patterns to leave out, one a line\n"
	"  --follow-symlinks      store what symlinks point to\n"
	"  --udf-symlinks follow | skip | keep\n"
	"                         UDF's symlinks: stored as what they point to,\n"
	"                         left out with a note (the default: 7-Zip\n"
	"                         cannot open a UDF image that holds a symlink),\n"
	"                         or kept as symlinks (Linux reads them)\n"
	"  --hide PATTERN         hide from the ISO 9660/Rock Ridge tree\n"
	"  --hide-joliet PATTERN  hide from the Joliet tree\n"
	"  --sort FILE            lines 'IMAGE-PATH WEIGHT': higher weights first\n"
	"  --boot PATH            El Torito BIOS boot image (no emulation, load\n"
	"                         size 4, boot info table), PATH in the image\n"
	"  --boot-catalog PATH    the boot catalog (default boot.cat beside it)\n"
	"  --efi-boot PATH        an EFI boot entry for a FAT image in the image\n"
	"  --hybrid-mbr FILE      an isohybrid MBR template (isohdpfx.bin): the\n"
	"                         image also boots as a disk; with --efi-boot a\n"
	"                         GPT whose EFI partition is the FAT image\n"
	"  --md5                  record libisofs MD5 tags (session and files)\n"
	"  --append OLD           a new session appended to the ISO image OLD: its\n"
	"                         tree with the sources merged in (a file\n"
	"                         replaces the file of its path, a directory\n"
	"                         merges); IMAGE is OLD grown by the session\n"
	"  --msinfo LAST,NEXT     OLD's newest session starts at sector LAST, the\n"
	"                         new one is for sector NEXT (cdrecord -msinfo;\n"
	"                         default 0 and OLD's end rounded up to 32)\n"
	"  --session-only         IMAGE is the new session alone, to be burnt at\n"
	"                         NEXT\n"
	"  --remove PATH          leave the image path PATH out of the new session\n"
	"  --zisofs               compress files with zisofs where that saves\n"
	"                         blocks (Linux reads them transparently; zisofs2\n"
	"                         from 4 GiB); mkzftree's files are kept as they are\n"
	"  --zisofs-min SIZE      only files of SIZE bytes and more (default 0)\n"
	"  --zisofs-exclude PATTERN\n"
	"                         files not to compress (as --exclude matches)\n"
	"  --date EPOCH           as SOURCE_DATE_EPOCH\n"
	"  --force                replace an existing IMAGE\n"
	"  --sync                 wait until the image is on disk before naming\n"
	"                         it (safe against a power cut; slower)\n"
	"  --json                 print the result as JSON on stdout\n"
	"  --progress             show progress on stderr even when not a terminal\n"
	"  --quiet                never show progress\n"
	"\n"
	"exit status: 0 written, 2 usage error or bad input (nothing written),\n"
	"3 I/O failure (nothing written), 130 interrupted (nothing written).\n",
};
