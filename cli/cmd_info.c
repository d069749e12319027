/*
 * cmd_info.c - `glassmaster info`: the layout of an image (sessions,
 * tracks, modes, addresses, gaps, flags, ISRC), its MCN and CD-TEXT, and
 * the file systems of its data tracks.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "chd.h"
#include "cli.h"
#include "hash.h"
#include "verify.h"
#include "banned.h"

static const char *const cdtext_names[GM_CDTEXT_COUNT] = {
	"title", "performer", "songwriter", "composer", "arranger", "message"
};

static const char *media_name(enum gm_media m)
{
	return m == GM_MEDIA_CD ? "CD" : m == GM_MEDIA_DVD ? "DVD" : "BD";
}

static void flags_text(const struct gm_track *t, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", t->control & GM_CTL_DATA ? "DATA," : "",
		 t->control & GM_CTL_DCP ? "DCP," : "",
		 t->control & GM_CTL_4CH ? "4CH," : "",
		 t->control & GM_CTL_PRE ? "PRE," : "", t->scms ? "SCMS," : "");
	if (buf[0])
		buf[strlen(buf) - 1] = '\0';
	else
		snprintf(buf, len, "-");
}

static void msf_text(int32_t lba, char *buf, size_t len)
{
	struct gm_msf msf;

	if (gm_lba_to_msf(lba, &msf))
		snprintf(buf, len, "%02u:%02u:%02u", msf.m, msf.s, msf.f);
	else
		snprintf(buf, len, "--:--:--");
}

static void print_fs_text(const struct gm_fs_info *fs)
{
	if (fs->iso9660)
		printf(" ISO 9660 \"%s\", %lu blocks of %lu bytes%s;", fs->iso_label,
		       (unsigned long)fs->iso_blocks, (unsigned long)fs->iso_block_size,
		       fs->joliet ? ", Joliet" : "");
	if (fs->udf)
		printf(" UDF (%s)%s%s%s;", fs->udf_revision, fs->udf_label[0] ? " \"" : "",
		       fs->udf_label, fs->udf_label[0] ? "\"" : "");
	if (!fs->iso9660 && !fs->udf)
		printf(" none found;");
}

/* A CHD's header, its SHA-1s in hex (false: not a CHD). */
static bool chd_summary(const struct gm_disc *d, struct gm_chd_summary *chd, char raw[41],
			char all[41])
{
	if (!gm_chd_summary(d, chd))
		return false;
	gm_hex(chd->raw_sha1, 20, raw);
	gm_hex(chd->sha1, 20, all);
	return true;
}

static void print_text(const char *path, const struct gm_disc *d,
		       const struct gm_fs_info *fs)
{
	char msf[16], flags[32], name[5], raw[41], all[41];
	struct gm_chd_summary chd;

	msf_text(d->leadout, msf, sizeof(msf));
	printf("image: '%s' (%s), %s, %u session%s, %u track%s, lead-out at LBA %ld (%s)\n",
	       path, d->format, media_name(d->media), d->nsessions,
	       d->nsessions == 1 ? "" : "s", d->ntracks, d->ntracks == 1 ? "" : "s",
	       (long)d->leadout, msf);
	if (chd_summary(d, &chd, raw, all)) {
		printf("CHD: version %lu, codecs", (unsigned long)chd.version);
		for (int k = 0; k < 4 && chd.codecs[k]; k++)
			printf(" %s", gm_chd_codec_name(chd.codecs[k], name));
		if (chd.codecs[0] == 0)
			printf(" none");
		printf(", %lu hunks of %lu bytes, %llu bytes for %llu (%.1f%%)\n",
		       (unsigned long)chd.hunks, (unsigned long)chd.hunk_bytes,
		       (unsigned long long)chd.file_size, (unsigned long long)chd.logical_bytes,
		       chd.logical_bytes ? 100.0 * (double)chd.file_size
		       / (double)chd.logical_bytes : 0.0);
		printf("CHD data SHA-1: %s\nCHD SHA-1: %s\n", raw, all);
	}
	if (d->mcn[0])
		printf("MCN: %s\n", d->mcn);
	for (int k = 0; k < GM_CDTEXT_COUNT; k++)
		if (d->cdtext[k])
			printf("CD-TEXT %s: %s\n", cdtext_names[k], d->cdtext[k]);
	printf("session track mode   sector    start  start MSF    length  pregap  flags          ISRC\n");
	for (unsigned i = 0; i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];

		msf_text(t->index[1], msf, sizeof(msf));
		flags_text(t, flags, sizeof(flags));
		printf("%7u %5u %-6s %6d %8ld  %s %9ld %7ld  %-14s %s\n", t->session,
		       t->number, gm_track_mode_name(t->mode), (int)t->storage,
		       (long)t->index[1], msf, (long)(t->end - t->index[1]),
		       (long)(t->index[1] - t->index[0]), flags,
		       t->isrc[0] ? t->isrc : "-");
		for (unsigned n = 2; n <= t->nindex; n++)
			printf("%14s index %02u at LBA %ld\n", "", n, (long)t->index[n]);
		if (t->pregap || t->postgap)
			printf("%14s not stored: %ld pregap, %ld postgap sectors\n", "",
			       (long)t->pregap, (long)t->postgap);
		for (int k = 0; k < GM_CDTEXT_COUNT; k++)
			if (t->cdtext[k])
				printf("%14s CD-TEXT %s: %s\n", "", cdtext_names[k], t->cdtext[k]);
	}
	for (unsigned i = 0; i < d->ntracks; i++) {
		if (d->tracks[i].mode == GM_TRACK_AUDIO)
			continue;
		printf("track %u file systems:", d->tracks[i].number);
		print_fs_text(&fs[i]);
		printf("\n");
	}
}

static void print_json(const char *path, const struct gm_disc *d,
		       const struct gm_fs_info *fs)
{
	char flags[32], name[5], raw[41], all[41];
	struct gm_chd_summary chd;

	printf("{\"image\": ");
	cli_json_string(stdout, path);
	printf(", \"format\": \"%s\", \"media\": \"%s\", \"sessions\": %u, "
	       "\"leadout\": %ld, \"mcn\": ", d->format, media_name(d->media),
	       d->nsessions, (long)d->leadout);
	if (d->mcn[0])
		printf("\"%s\"", d->mcn);
	else
		printf("null");
	printf(", \"cdtext\": {");
	for (int k = 0, n = 0; k < GM_CDTEXT_COUNT; k++) {
		if (!d->cdtext[k])
			continue;
		printf("%s\"%s\": ", n++ ? ", " : "", cdtext_names[k]);
		cli_json_string(stdout, d->cdtext[k]);
	}
	printf("}, ");
	if (chd_summary(d, &chd, raw, all)) {
		printf("\"chd\": {\"version\": %lu, \"codecs\": [", (unsigned long)chd.version);
		for (int k = 0; k < 4 && chd.codecs[k]; k++)
			printf("%s\"%s\"", k ? ", " : "", gm_chd_codec_name(chd.codecs[k], name));
		printf("], \"hunks\": %lu, \"hunk_bytes\": %lu, \"unit_bytes\": %lu, "
		       "\"logical_bytes\": %llu, \"file_bytes\": %llu, \"data_sha1\": \"%s\", "
		       "\"sha1\": \"%s\"}, ", (unsigned long)chd.hunks,
		       (unsigned long)chd.hunk_bytes, (unsigned long)chd.unit_bytes,
		       (unsigned long long)chd.logical_bytes,
		       (unsigned long long)chd.file_size, raw, all);
	}
	cli_json_notes(stdout, d);
	printf(", \"tracks\": [");
	for (unsigned i = 0; i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];

		flags_text(t, flags, sizeof(flags));
		printf("%s{\"session\": %u, \"number\": %u, \"mode\": \"%s\", "
		       "\"sector_size\": %d, \"start\": %ld, \"length\": %ld, "
		       "\"pregap\": %ld, \"pregap_unstored\": %ld, \"postgap\": %ld, "
		       "\"flags\": \"%s\", \"isrc\": ", i ? ", " : "", t->session,
		       t->number, gm_track_mode_name(t->mode), (int)t->storage,
		       (long)t->index[1], (long)(t->end - t->index[1]),
		       (long)(t->index[1] - t->index[0]), (long)t->pregap,
		       (long)t->postgap, strcmp(flags, "-") ? flags : "");
		if (t->isrc[0])
			printf("\"%s\"", t->isrc);
		else
			printf("null");
		printf(", \"indexes\": [");
		for (unsigned n = 0; n <= t->nindex; n++)
			printf("%s%ld", n ? ", " : "", (long)t->index[n]);
		printf("], \"cdtext\": {");
		for (int k = 0, n = 0; k < GM_CDTEXT_COUNT; k++) {
			if (!t->cdtext[k])
				continue;
			printf("%s\"%s\": ", n++ ? ", " : "", cdtext_names[k]);
			cli_json_string(stdout, t->cdtext[k]);
		}
		printf("}");
		if (t->mode != GM_TRACK_AUDIO) {
			printf(", \"filesystems\": {\"iso9660\": ");
			if (fs[i].iso9660) {
				printf("{\"label\": ");
				cli_json_string(stdout, fs[i].iso_label);
				printf(", \"blocks\": %lu, \"block_size\": %lu, \"joliet\": %s}",
				       (unsigned long)fs[i].iso_blocks,
				       (unsigned long)fs[i].iso_block_size,
				       fs[i].joliet ? "true" : "false");
			} else {
				printf("null");
			}
			printf(", \"udf\": ");
			if (fs[i].udf) {
				printf("{\"revision\": \"%s\", \"label\": ", fs[i].udf_revision);
				cli_json_string(stdout, fs[i].udf_label);
				printf("}");
			} else {
				printf("null");
			}
			printf("}");
		}
		printf("}");
	}
	printf("]}\n");
}

static int cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_PARENT_OPTION,
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct gm_fs_info fs[GM_MAX_TRACKS];
	struct gm_source *src = NULL;
	struct gm_ctx *ctx;
	const struct gm_disc *d;
	bool json = false;
	int c, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case CLI_OPT_PARENT:
			if (cli_add_parent("info", optarg) != 0)
				return GM_EXIT_USAGE;
			break;
		case 'h':
			cli_help(&gm_cmd_info, stdout);
			return GM_EXIT_OK;
		default:
			return cli_bad_option("info", argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("info", argc - optind ? "one IMAGE, please"
				       : "IMAGE is missing");
	ctx = gm_ctx_new();
	if (ctx == NULL)
		return cli_fail("info", NULL, -GM_ERR_NOMEM);
	ret = gm_image_open(ctx, argv[optind], &src);
	if (ret != 0)
		goto out;
	d = gm_source_disc(src);
	cli_notes("info", d);
	for (unsigned i = 0; i < d->ntracks && ret == 0; i++) {
		memset(&fs[i], 0, sizeof(fs[i]));
		if (d->tracks[i].mode != GM_TRACK_AUDIO)
			ret = gm_fs_probe(ctx, src, d->tracks[i].index[1], argv[optind],
					  &fs[i]);
	}
	if (ret != 0)
		goto out;
	if (json)
		print_json(argv[optind], d, fs);
	else
		print_text(argv[optind], d, fs);
out:
	gm_source_free(src);
	if (ret != 0)
		ret = cli_fail("info", ctx, ret);
	gm_ctx_free(ctx);
	return ret;
}

const struct gm_command gm_cmd_info = {
	.name = "info",
	.run = cmd_info,
	.summary = "show the layout and file systems of an image",
	.usage = "glassmaster info [--json] [--parent FILE] IMAGE",
	.help =
	"Show the layout of a disc image: sessions, tracks (mode, stored sector\n"
	"size, start LBA and MSF, length, pregap, flags, ISRC, indexes), the MCN,\n"
	"CD-TEXT, and the file systems found in its data tracks (ISO 9660 label\n"
	"and size, Joliet, UDF). IMAGE is an .iso, a .cue sheet (single or\n"
	"multi-file), a CloneCD .ccd sheet (with its .img and, when present,\n"
	"its .sub), a cdrdao .toc file, a Nero .nrg (version 1 or 2), an\n"
	"Alcohol 120% .mds with its .mdf or a MAME .chd (version 5, CD or DVD);\n"
	"the format is recognised from the content.\n"
	"\n"
	"options:\n"
	"  --parent FILE        a CHD's parent (default: the .chd beside it with\n"
	"                       the SHA-1 the CHD names); repeatable\n"
	"  --json               print the layout as JSON on stdout\n"
	"\n"
	"exit status: 0 success, 2 usage error or bad input, 3 I/O failure.\n",
};
