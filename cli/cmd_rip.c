/*
 * cmd_rip.c - `glassmaster rip`: rescue a disc (or an image, or an image
 * through the simulated faulty drive) to an image with a ddrescue mapfile,
 * a log and a dat; resumable after any interruption.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mapfile.h"
#include "rip.h"
#include "banned.h"


struct rip_run {
	bool enabled;
	double start, last;
	double window_t;	/* the current rate: rescued bytes since window_t */
	uint64_t window_bytes;
	double rate;
	bool drawn;
};


static const char *phase_name(char phase)
{
	switch (phase) {
	case '?': return "copying";
	case '*': return "trimming";
	case '/': return "scraping";
	case '-': return "retrying";
	default: return "finishing";
	}
}

static void on_progress(void *arg, const struct gm_rip_progress *p)
{
	struct rip_run *run = arg;
	double t = cli_now();
	char eta[32] = "";

	if (!run->enabled || t - run->last < 0.25)
		return;
	run->last = t;
	if (run->window_t == 0 || p->rescued < run->window_bytes) {
		run->window_t = t;
		run->window_bytes = p->rescued;
	} else if (t - run->window_t >= 2.0) {
		run->rate = (double)(p->rescued - run->window_bytes) / (t - run->window_t);
		run->window_t = t;
		run->window_bytes = p->rescued;
	}
	if (p->phase == '?' && run->rate > 0) {
		double left = (double)(p->size - p->rescued - p->bad) / run->rate;

		snprintf(eta, sizeof(eta), ", ETA %d:%02d", (int)(left / 60),
			 (int)left % 60);
	}
	fprintf(stderr, "\r%s (pass %d): at %.1f MiB, rescued %.1f / %.1f MiB, "
		"bad %.1f KiB in %zu areas, %.1f MiB/s%s\033[K", phase_name(p->phase),
		p->pass, (double)p->pos / 1048576.0, (double)p->rescued / 1048576.0,
		(double)p->size / 1048576.0, (double)p->bad / 1024.0, p->bad_areas,
		run->rate / 1048576.0, eta);
	run->drawn = true;
}

static const char *map_status_name(enum gm_map_status s)
{
	switch (s) {
	case GM_MAP_NONTRIED: return "not tried";
	case GM_MAP_NONTRIMMED: return "not trimmed";
	case GM_MAP_NONSCRAPED: return "not scraped";
	case GM_MAP_BAD: return "bad";
	default: return "finished";
	}
}

/* The areas the mapfile does not mark finished, as LBA ranges. */
static void print_areas(struct gm_ctx *ctx, const char *map_path, uint64_t size,
			bool json)
{
	struct gm_map map;
	unsigned n = 0;

	memset(&map, 0, sizeof(map));
	if (gm_map_load(ctx, &map, map_path, size) != 0)
		return;
	for (size_t i = 0; i < map.count; i++) {
		const struct gm_map_extent *e = &map.extents[i];

		if (e->status == GM_MAP_FINISHED)
			continue;
		if (json)
			printf("%s{\"first_lba\": %llu, \"last_lba\": %llu, \"status\": \"%s\"}",
			       n ? ", " : "", (unsigned long long)(e->pos / 2048),
			       (unsigned long long)((e->pos + e->size) / 2048 - 1),
			       map_status_name(e->status));
		else
			printf("  LBA %llu-%llu: %s\n", (unsigned long long)(e->pos / 2048),
			       (unsigned long long)((e->pos + e->size) / 2048 - 1),
			       map_status_name(e->status));
		n++;
	}
	gm_map_release(&map);
}

/* A capture's open areas (NAME.map, at sample resolution) as LBA and
   sample within it; the first 100 in text. */
static void print_capture_areas(struct gm_ctx *ctx, const char *name,
				const struct gm_rip_report *r, bool json)
{
	struct gm_map map;
	size_t len = strlen(name) + 5;
	char *path = malloc(len);
	unsigned n = 0;

	memset(&map, 0, sizeof(map));
	if (path == NULL)
		return;
	snprintf(path, len, "%s.map", name);
	if (gm_map_load(ctx, &map, path, r->size) != 0) {
		free(path);
		return;
	}
	for (size_t i = 0; i < map.count; i++) {
		const struct gm_map_extent *e = &map.extents[i];
		long long a = (long long)(e->pos / 4), b = (long long)((e->pos + e->size) / 4 - 1);
		long long fa = r->first_lba + a / 588, fb = r->first_lba + b / 588;

		if (e->status == GM_MAP_FINISHED)
			continue;
		if (json)
			printf("%s{\"first_lba\": %lld, \"first_sample\": %lld, "
			       "\"last_lba\": %lld, \"last_sample\": %lld, \"status\": \"%s\"}",
			       n ? ", " : "", fa, a % 588, fb, b % 588, map_status_name(e->status));
		else if (n < 100)
			printf("  LBA %lld sample %lld to LBA %lld sample %lld: %s\n", fa, a % 588,
			       fb, b % 588, map_status_name(e->status));
		n++;
	}
	if (!json && n > 100)
		printf("  ... and %u more areas (see '%s')\n", n - 100, path);
	gm_map_release(&map);
	free(path);
}

static void print_capture(struct gm_ctx *ctx, const struct gm_rip_opts *o,
			  const struct gm_rip_report *r, int ret, bool json)
{
	const struct gm_drive_info *d = &r->drive;
	const char *result = ret == 0 ? "complete" : ret == -GM_ERR_UNREADABLE ? "incomplete"
			     : ret == -GM_ERR_INTERRUPTED ? "interrupted" : "failed";

	if (json) {
		printf("{\"source\": ");
		cli_json_string(stdout, o->source);
		printf(", \"capture\": ");
		cli_json_string(stdout, o->out);
		printf(", \"result\": \"%s\", \"drive\": {\"vendor\": ", result);
		cli_json_string(stdout, d->vendor);
		printf(", \"product\": ");
		cli_json_string(stdout, d->product);
		printf(", \"revision\": ");
		cli_json_string(stdout, d->revision);
		printf(", \"c2\": %u, \"subchannel\": %s, \"pregap\": %s}, "
		       "\"first_lba\": %ld, \"sectors\": %lu, \"leadout\": %ld, "
		       "\"read_offset\": %ld, \"read_offset_source\": ",
		       d->cd_c2, d->cd_sub ? "true" : "false", d->cd_pregap ? "true" : "false",
		       (long)r->first_lba, (unsigned long)r->sectors, (long)d->leadout,
		       (long)r->read_offset);
		cli_json_string(stdout, r->offset_why);
		printf(", \"offset_applied\": false, \"samples\": %llu, \"captured\": %llu, "
		       "\"not_captured\": %llu, \"unreachable_sectors\": %lu, "
		       "\"unreachable_samples\": %llu, \"sub_bad_sectors\": %llu, "
		       "\"secure\": %s, \"resumed\": %s, \"reads\": %llu, \"areas\": [",
		       (unsigned long long)r->size / 4, (unsigned long long)r->rescued / 4,
		       (unsigned long long)r->bad / 4, r->unreachable,
		       (unsigned long long)r->edge_samples, (unsigned long long)r->sub_bad,
		       o->secure ? "true" : "false", r->resumed ? "true" : "false",
		       (unsigned long long)r->reads);
		if (r->size)
			print_capture_areas(ctx, o->out, r, true);
		printf("]");
		return;
	}
	if (ret != 0 && ret != -GM_ERR_UNREADABLE)
		return;
	printf("%s: '%s.raw': %llu of %llu samples captured (LBA %ld-%ld)",
	       ret == 0 ? "COMPLETE" : "INCOMPLETE", o->out,
	       (unsigned long long)r->rescued / 4, (unsigned long long)r->size / 4,
	       (long)r->first_lba, (long)(r->first_lba + (int32_t)r->sectors - 1));
	if (r->bad)
		printf(", %llu not (%lu sectors the drive does not reach, %llu samples "
		       "beyond its reach by the offset)", (unsigned long long)r->bad / 4,
		       r->unreachable, (unsigned long long)r->edge_samples);
	printf("\n  read offset %+ld (%s), not applied; C2 %s; subchannel %s",
	       (long)r->read_offset, r->offset_why,
	       d->cd_c2 ? "checked" : "not available", d->cd_sub ? "raw P-W" : "none");
	if (d->cd_sub)
		printf(", %llu sectors with a bad or unread Q", (unsigned long long)r->sub_bad);
	printf("\n  %llu sector reads%s%s\n", (unsigned long long)r->reads,
	       o->secure ? ", secure (every sample read twice)" : "",
	       r->resumed ? ", resumed" : "");
	print_capture_areas(ctx, o->out, r, false);
}

static int cmd_rip(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"retries", required_argument, NULL, 'r'},
		{"map", required_argument, NULL, 'm'},
		{"map-interval", required_argument, NULL, 'i'},
		{"simulate", required_argument, NULL, 's'},
		{"drive-profile", required_argument, NULL, 'P'},
		{"drive-db", required_argument, NULL, 'D'},
		{"read-offset", required_argument, NULL, 'O'},
		{"sub-retries", required_argument, NULL, 'R'},
		{"same-damage", required_argument, NULL, 'd'},
		{"secure", no_argument, NULL, 'c'},
		{"files-first", no_argument, NULL, 0x100},
		{"used-only", no_argument, NULL, 0x101},
		{"no-split", no_argument, NULL, 'N'},
		{"speed", required_argument, NULL, 'S'},
		{"force", no_argument, NULL, 'f'},
		{"no-hash", no_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"progress", no_argument, NULL, 'p'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct gm_rip_opts opts;
	struct gm_drive_profile profile;
	const char *profile_path = NULL;
	struct gm_rip_report report;
	struct rip_run run;
	struct gm_ctx *ctx;
	char cmdline[2048] = "glassmaster", *map_path = NULL;
	bool json = false, retries_set = false, split = true;
	char *chd_name = NULL;
	int progress = CLI_PROGRESS_AUTO, c, ret, status;
	long long v;
	char *dbs[16];
	size_t ndbs = 0;
	struct gm_drive_db *db = NULL;

	gm_rip_opts_init(&opts);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': opts.out = optarg; break;
		case 'r':
			if (!cli_parse_int(optarg, 0, 1000, &v))
				return cli_usage_error("rip", "--retries must be a number "
						       "from 0 to 1000, not '%s'", optarg);
			opts.retries = (int)v;
			retries_set = true;
			break;
		case 'R':
			if (!cli_parse_int(optarg, 0, 1000, &v))
				return cli_usage_error("rip", "--sub-retries must be a number "
						       "from 0 to 1000, not '%s'", optarg);
			opts.sub_retries = (int)v;
			break;
		case 'd':
			if (!cli_parse_int(optarg, 0, 250, &v))
				return cli_usage_error("rip", "--same-damage must be a number "
						       "from 0 to 250, not '%s'", optarg);
			opts.same_damage = (unsigned)v;
			break;
		case 'O':
			if (!cli_parse_int(optarg, -2940, 2940, &v))
				return cli_usage_error("rip", "--read-offset must be a number "
						       "of samples from -2940 to 2940, not "
						       "'%s'", optarg);
			opts.read_offset = (int32_t)v;
			opts.read_offset_set = true;
			break;
		case 'c': opts.secure = true; break;
		case 0x100: opts.files_first = true; break;
		case 0x101: opts.used_only = true; break;
		case 'N': split = false; break;
		case 'D':
			if (ndbs == sizeof(dbs) / sizeof(dbs[0]))
				return cli_usage_error("rip", "at most 16 --drive-db files");
			dbs[ndbs++] = optarg;
			break;
		case 'm': opts.map = optarg; break;
		case 'i':
			if (!cli_parse_int(optarg, 0, 86400, &v))
				return cli_usage_error("rip", "--map-interval must be a "
						       "number of seconds from 0 to "
						       "86400, not '%s'", optarg);
			opts.map_interval = (double)v;
			break;
		case 's': opts.faults = optarg; break;
		case 'P': profile_path = optarg; break;
		case 'S':
			if (strcmp(optarg, "max") == 0) {
				opts.speed = -1;
			} else if (cli_parse_int(optarg, 1, 100, &v)) {
				opts.speed = (double)v;
			} else {
				return cli_usage_error("rip", "--speed must be 'max' or a "
						       "multiple of 1x from 1 to 100, "
						       "not '%s'", optarg);
			}
			break;
		case 'f': opts.force = true; break;
		case 'n': opts.hash = false; break;
		case 'j': json = true; break;
		case 'p': progress = CLI_PROGRESS_ALWAYS; break;
		case 'q': progress = CLI_PROGRESS_NEVER; break;
		case 'h':
			cli_help(&gm_cmd_rip, stdout);
			return GM_EXIT_OK;
		default:
			return cli_bad_option("rip", argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("rip", argc - optind ? "one SOURCE, please"
				       : "SOURCE is missing");
	if (opts.out == NULL)
		return cli_usage_error("rip", "-o OUT is missing");
	opts.source = argv[optind];
	/* OUT.iso: the data track's user data; else a CD is captured whole */
	{
		size_t len = strlen(opts.out);

		opts.capture = !(len > 4 && strcmp(opts.out + len - 4, ".iso") == 0);
		/* NAME.chd: a CD's capture NAME, split into NAME.chd */
		if (len > 4 && strcmp(opts.out + len - 4, ".chd") == 0) {
			if (!split)
				return cli_usage_error("rip", "-o NAME.chd is the capture split "
						       "into a CHD: --no-split contradicts it");
			if ((chd_name = malloc(len - 3)) == NULL)
				return cli_fail("rip", NULL, -GM_ERR_NOMEM);
			memcpy(chd_name, opts.out, len - 4);
			chd_name[len - 4] = '\0';
			opts.out = chd_name;
			opts.cd_only = true;
		}
		if (opts.capture && !retries_set)
			opts.retries = 8;
	}
	for (int i = 0; i < argc; i++) {
		size_t len = strlen(cmdline);

		snprintf(cmdline + len, sizeof(cmdline) - len, " %s", argv[i]);
	}
	opts.command_line = cmdline;
	cli_catch_signals();
	opts.stop = &cli_stop_requested;
	memset(&run, 0, sizeof(run));
	run.enabled = progress == CLI_PROGRESS_ALWAYS
		      || (progress == CLI_PROGRESS_AUTO && isatty(STDERR_FILENO));
	run.start = cli_now();
	opts.progress = on_progress;
	opts.arg = &run;

	ctx = cli_ctx_with_profile("rip", profile_path, &profile, &opts.profile, &status);
	if (ctx == NULL) {
		free(chd_name);
		return status;
	}
	if (opts.capture) {
		db = gm_drive_db_new();
		if (db == NULL || (ret = cli_load_drive_db(ctx, db, dbs, ndbs)) != 0) {
			status = db == NULL ? cli_fail("rip", ctx, -GM_ERR_NOMEM)
			       : cli_fail("rip", ctx, ret);
			gm_drive_db_free(db);
			gm_ctx_free(ctx);
			free(chd_name);
			return status;
		}
		opts.db = db;
	}
	ret = gm_rip(ctx, &opts, &report);
	if (run.drawn)
		fprintf(stderr, "\r\033[K");
	if (opts.map == NULL) {
		size_t len = strlen(opts.out) + 5;

		map_path = malloc(len);
		if (map_path)
			snprintf(map_path, len, "%s.map", opts.out);
	}
	status = ret == 0 ? GM_EXIT_OK : gm_err_exit_status((enum gm_err)-ret);
	if (ret != 0 && ret != -GM_ERR_UNREADABLE)
		cli_fail("rip", ctx, ret);
	if (report.capture) {
		print_capture(ctx, &opts, &report, ret, json);
		/* the capture's files, unless it failed or was stopped */
		if (split && (ret == 0 || ret == -GM_ERR_UNREADABLE)) {
			int sret;

			if (json)
				printf(", \"split\": ");
			sret = cli_split(ctx, opts.out, NULL, opts.cd_only ? CLI_SPLIT_CHD : 1, NULL,
					 true, json, progress);
			if (sret != 0) {
				status = cli_fail("rip", ctx, sret);
				if (json)
					printf(", \"split_error\": true");
			}
		}
		if (json)
			printf("}\n");
	} else if (json) {
		printf("{\"source\": ");
		cli_json_string(stdout, opts.source);
		printf(", \"output\": ");
		cli_json_string(stdout, opts.out);
		printf(", \"result\": \"%s\", \"size\": %llu, \"rescued\": %llu, "
		       "\"bad\": %llu, \"checked\": %s, \"resumed\": %s, \"reads\": %llu, "
		       "\"layer_break\": %ld, \"unused_sectors\": %llu, \"areas\": [",
		       ret == 0 ? "complete" : ret == -GM_ERR_UNREADABLE ? "incomplete"
		       : ret == -GM_ERR_INTERRUPTED ? "interrupted" : "failed",
		       (unsigned long long)report.size, (unsigned long long)report.rescued,
		       (unsigned long long)report.bad, report.checked ? "true" : "false",
		       report.resumed ? "true" : "false", (unsigned long long)report.reads,
		       (long)report.layer_break, (unsigned long long)report.unused);
		if (report.size)
			print_areas(ctx, opts.map ? opts.map : map_path, report.size, true);
		printf("]}\n");
	} else if (ret == 0 || ret == -GM_ERR_UNREADABLE) {
		printf("%s: '%s': %llu of %llu bytes rescued", ret == 0 ? "COMPLETE"
		       : "INCOMPLETE", opts.out, (unsigned long long)report.rescued,
		       (unsigned long long)report.size);
		if (report.bad)
			printf(", %llu bytes in %zu areas not", (unsigned long long)report.bad,
			       report.bad_areas);
		printf("\n  %s, %llu sector reads%s\n", report.checked
		       ? "read raw, every sector's EDC/ECC checked"
		       : "read as user data (not checkable)",
		       (unsigned long long)report.reads, report.resumed ? ", resumed" : "");
		if (opts.used_only)
			printf("  %llu sectors the file system does not use were not read "
			       "(--used-only; they stay non-tried in the map)\n",
			       (unsigned long long)report.unused);
		print_areas(ctx, opts.map ? opts.map : map_path, report.size, false);
	}
	free(map_path);
	free(chd_name);
	gm_drive_db_free(db);
	gm_ctx_free(ctx);
	return status;
}

const struct gm_command gm_cmd_rip = {
	.name = "rip",
	.run = cmd_rip,
	.summary = "capture a CD, or rescue a disc or image to an image, resumably",
	.usage = "glassmaster rip -o OUT [--retries N] [--speed X] [--map FILE] "
		 "[--map-interval S] [--simulate FAULTS] [--drive-profile FILE] "
		 "[--drive-db FILE] [--read-offset N] [--sub-retries N] [--same-damage K] "
		 "[--secure] [--files-first | --used-only] [--no-split] [--force] [--no-hash] "
		 "[--json] [--progress | --quiet] SOURCE",
	.help =
	"With OUT ending in .iso, or on a DVD or BD: copy the user data of SOURCE\n"
	"(a drive, /dev/srN or /dev/sgN, read through MMC commands; or an image in\n"
	"any format glassmaster reads) to the image OUT in the passes of GNU\n"
	"ddrescue: copy in blocks skipping past errors, trim failed blocks from\n"
	"both edges, scrape sector by sector, then retry. A CD data track is read\n"
	"raw and every sector's EDC/ECC is checked when the drive's raw reads pass\n"
	"a check; otherwise user data is read and the log says it could not be\n"
	"checked. Unreadable sectors stay zero and are marked bad. OUT.map is a\n"
	"GNU ddrescue mapfile, saved atomically after the data it claims is on\n"
	"disk, at least every 30 s and on SIGINT/SIGTERM/SIGHUP; running the same\n"
	"command again resumes. Also writes OUT.log and OUT.dat (and a DVD's or\n"
	"BD's NAME.physical, NAME.manufacturer, NAME.bca).\n"
	"\n"
	"Otherwise, on a CD (a CD image is read through the emulated drive),\n"
	"capture the whole disc as the drive delivers it: NAME.raw (2352-byte\n"
	"sectors from LBA -150 or the lead-in, no offset applied), NAME.sub (raw\n"
	"P-W), NAME.map (ddrescue mapfile at sample resolution: C2-flagged,\n"
	"unread and unreachable samples), NAME.sub.map (sectors whose Q fails its\n"
	"CRC), NAME.capture (first LBA, read offset and its source, reach),\n"
	"NAME.toc (raw full TOC), NAME.cdtext (raw packs), NAME.log. Retries\n"
	"reread only sectors holding open samples, from alternating ends with the\n"
	"cache emptied; a sample is finished by a read without C2 on it (with\n"
	"--secure, by two such reads that agree). Offsets, overread and cache\n"
	"come from the drive database (glassmaster-drive-db(5)). At the end the\n"
	"capture is split into redump files (NAME (Track N).bin, NAME.cue,\n"
	"NAME.dat) as glassmaster split does; with -o NAME.chd, into NAME.chd\n"
	"(subchannel, CD-TEXT, ISRC, MCN kept), and a DVD or BD is refused.\n"
	"\n"
	"options:\n"
	"  -o, --output OUT     the image to write (NAME.iso), or a capture's NAME\n"
	"                       (NAME.chd: a CD's capture NAME split into a CHD)\n"
	"  --retries N          retry passes over bad sectors (default 1; 8 for a\n"
	"                       capture)\n"
	"  --speed X            read at X times the medium's 1x, or 'max'\n"
	"                       (default: the drive's own choice)\n"
	"  --map FILE           the mapfile of an image rip (default OUT.map)\n"
	"  --map-interval S     seconds between mapfile saves (default 30; 0:\n"
	"                       after every read)\n"
	"  --simulate FAULTS    read through the simulated drive and this fault\n"
	"                       script (see glassmaster-faults(5))\n"
	"  --drive-profile FILE read the image through the emulated MMC drive of\n"
	"                       this profile (glassmaster-drive-profile(5)) and\n"
	"                       the MMC back end, as a real drive is read; with\n"
	"                       --simulate its medium has the script's faults\n"
	"  --drive-db FILE      look the drive up in FILE first (a capture)\n"
	"  --read-offset N      the read offset in samples (-2940 to 2940),\n"
	"                       instead of the database's; recorded, not applied\n"
	"  --sub-retries N      rereads of sectors whose Q fails its CRC (default 2)\n"
	"  --same-damage K      stop rereading a sector after K reads in a row\n"
	"                       with the same damage (default 3; 0: never)\n"
	"  --secure             read every sample twice, the cache emptied between,\n"
	"                       finished only when both agree\n"
	"  --files-first        an image rip: read the file system's structures\n"
	"                       (ISO 9660, Joliet, Rock Ridge, UDF), then every\n"
	"                       file's extents, then the rest, so a failing disc\n"
	"                       gives whole files early\n"
	"  --used-only          an image rip: read only the sectors the file system\n"
	"                       uses (with the first 16 and UDF's anchors); the\n"
	"                       rest stay non-tried in the map (a later rip\n"
	"                       without the flag completes them) and zero; no\n"
	"                       OUT.dat until they are read\n"
	"  --no-split           do not split the capture into redump files at the\n"
	"                       end (glassmaster-split(1))\n"
	"  --force              start afresh over an OUT that has no mapfile\n"
	"  --no-hash            do not write OUT.dat\n"
	"  --json               print the result as JSON on stdout\n"
	"  --progress           show progress on stderr even when not a terminal\n"
	"  --quiet              never show progress\n"
	"\n"
	"exit status: 0 every sector (sample) recovered, 1 bad sectors (samples)\n"
	"remain, 2 usage\n"
	"error or bad input, 3 device or I/O failure (state saved, resumable),\n"
	"130 interrupted (state saved, resumable).\n",
};
