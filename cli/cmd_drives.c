/*
 * cmd_drives.c - `glassmaster drives`: the optical drives of the system
 * (found through sysfs), each with its sr and sg devices, identity,
 * current and supported profiles, read features and whether a medium is
 * in it.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "rip.h"
#include "banned.h"

static void print_json(const struct gm_drive_caps *d, size_t n, const struct gm_drive_db *db)
{
	printf("{\"drives\": [");
	for (size_t i = 0; i < n; i++) {
		printf("%s{\"sr\": ", i ? ", " : "");
		cli_json_string(stdout, d[i].sr);
		printf(", \"sg\": ");
		cli_json_string(stdout, d[i].sg);
		printf(", \"vendor\": ");
		cli_json_string(stdout, d[i].vendor);
		printf(", \"product\": ");
		cli_json_string(stdout, d[i].product);
		printf(", \"revision\": ");
		cli_json_string(stdout, d[i].revision);
		printf(", \"medium\": %s, \"status\": ", d[i].medium ? "true" : "false");
		cli_json_string(stdout, d[i].status);
		printf(", \"current_profile\": ");
		if (d[i].current)
			cli_json_string(stdout, gm_profile_name(d[i].current));
		else
			printf("null");
		printf(", \"profiles\": [");
		for (size_t p = 0; p < d[i].nprofiles; p++) {
			printf("%s", p ? ", " : "");
			cli_json_string(stdout, gm_profile_name(d[i].profiles[p]));
		}
		printf("], \"features\": {\"cd_read\": %s, \"dvd_read\": %s, "
		       "\"bd_read\": %s, \"c2_pointers\": %s, \"cd_text\": %s}",
		       d[i].cd_read ? "true" : "false", d[i].dvd_read ? "true" : "false",
		       d[i].bd_read ? "true" : "false", d[i].c2 ? "true" : "false",
		       d[i].cd_text ? "true" : "false");
		{
			const struct gm_drive_db_record *r =
				gm_drive_db_match(db, d[i].vendor, d[i].product, d[i].revision);

			printf(", \"database\": ");
			if (r == NULL) {
				printf("null");
			} else {
				printf("{\"file\": ");
				cli_json_string(stdout, r->file);
				printf(", \"line\": %u, \"read_offset\": %ld, \"c2_offset\": %ld, "
				       "\"overread_leadin\": %ld, \"overread_leadout\": %ld, "
				       "\"cdda_data\": %s, \"cache\": %lu}", r->line,
				       (long)r->profile.read_offset, (long)r->profile.c2_offset,
				       (long)r->profile.overread_leadin,
				       (long)r->profile.overread_leadout,
				       r->profile.cdda_data ? "true" : "false",
				       (unsigned long)r->profile.cache);
			}
		}
		printf("}");
	}
	printf("]}\n");
}

static void print_text(const struct gm_drive_caps *d, size_t n, const struct gm_drive_db *db)
{
	if (n == 0)
		printf("no optical drives found\n");
	for (size_t i = 0; i < n; i++) {
		printf("%s%s%s%s: %s %s %s\n", d[i].sr, d[i].sg[0] ? " (" : "", d[i].sg,
		       d[i].sg[0] ? ")" : "", d[i].vendor, d[i].product, d[i].revision);
		printf("  medium:   %s\n", d[i].medium ? gm_profile_name(d[i].current)
		       : d[i].status);
		printf("  profiles:");
		for (size_t p = 0; p < d[i].nprofiles; p++)
			printf("%s %s", p ? "," : "", gm_profile_name(d[i].profiles[p]));
		printf("%s\n", d[i].nprofiles ? "" : " none reported");
		printf("  reads:    %s%s%s%s%s%s; C2 pointers %s; CD-TEXT %s\n",
		       d[i].cd_read ? "CD" : "",
		       d[i].cd_read && d[i].dvd_read ? ", " : "",
		       d[i].dvd_read ? "DVD" : "",
		       (d[i].cd_read || d[i].dvd_read) && d[i].bd_read ? ", " : "",
		       d[i].bd_read ? "BD" : "",
		       d[i].cd_read || d[i].dvd_read || d[i].bd_read ? "" : "nothing reported",
		       d[i].c2 ? "yes" : "no", d[i].cd_text ? "yes" : "no");
		{
			const struct gm_drive_db_record *r =
				gm_drive_db_match(db, d[i].vendor, d[i].product, d[i].revision);

			if (r == NULL)
				printf("  database: no record: read offset 0, audio offsets "
				       "will not be corrected\n");
			else
				printf("  database: %s line %u: read offset %+ld, C2 offset %+ld, "
				       "overread %ld/%ld, cache %lu\n", r->file, r->line,
				       (long)r->profile.read_offset, (long)r->profile.c2_offset,
				       (long)r->profile.overread_leadin,
				       (long)r->profile.overread_leadout,
				       (unsigned long)r->profile.cache);
		}
	}
}

static int cmd_drives(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"sysfs", required_argument, NULL, 's'},
		{"drive-db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct gm_drive_caps *list;
	struct gm_drive_db *db;
	char *given[16];
	size_t ngiven = 0;
	const char *sysfs = NULL;
	struct gm_ctx *ctx;
	bool json = false;
	size_t n;
	int c, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 's': sysfs = optarg; break;
		case 'd':
			if (ngiven == sizeof(given) / sizeof(given[0]))
				return cli_usage_error("drives", "at most 16 --drive-db files");
			given[ngiven++] = optarg;
			break;
		case 'h':
			cli_help(&gm_cmd_drives, stdout);
			return GM_EXIT_OK;
		default:
			return cli_bad_option("drives", argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("drives", "no arguments, please");
	ctx = gm_ctx_new();
	if (ctx == NULL)
		return cli_fail("drives", NULL, -GM_ERR_NOMEM);
	db = gm_drive_db_new();
	if (db == NULL) {
		gm_ctx_free(ctx);
		return cli_fail("drives", NULL, -GM_ERR_NOMEM);
	}
	ret = cli_load_drive_db(ctx, db, given, ngiven);
	if (ret == 0)
		ret = gm_drive_list(ctx, sysfs, true, &list, &n);
	if (ret != 0) {
		ret = cli_fail("drives", ctx, ret);
		gm_drive_db_free(db);
		gm_ctx_free(ctx);
		return ret;
	}
	if (json)
		print_json(list, n, db);
	else
		print_text(list, n, db);
	free(list);
	gm_drive_db_free(db);
	gm_ctx_free(ctx);
	return GM_EXIT_OK;
}

const struct gm_command gm_cmd_drives = {
	.name = "drives",
	.run = cmd_drives,
	.summary = "list the optical drives and what they can read",
	.usage = "glassmaster drives [--json] [--sysfs DIR] [--drive-db FILE]",
	.help =
	"List the optical drives: each sr block device found in sysfs with the\n"
	"sg device of the same drive, its vendor, product and firmware revision\n"
	"(INQUIRY), the current profile (the medium in it) and the supported\n"
	"profiles and read features (GET CONFIGURATION), and whether a medium\n"
	"is present and ready (TEST UNIT READY). Drives are opened read-only;\n"
	"asking them needs root (CAP_SYS_RAWIO). A drive that cannot be asked\n"
	"is listed with the reason. Each drive is looked up in the drive database\n"
	"(glassmaster-drive-db(5)) and the record it matches is shown: its read\n"
	"offset, C2 offset, overread and cache.\n"
	"\n"
	"options:\n"
	"  --json        print the list as JSON on stdout\n"
	"  --sysfs DIR   look for drives under DIR instead of /sys\n"
	"  --drive-db FILE  read this drive database before the user's\n"
	"                (~/.config/glassmaster/drives.db) and the installed one\n"
	"\n"
	"exit status: 0 listed (also when there are none), 2 usage error or a\n"
	"malformed drive database, 3 sysfs cannot be read.\n",
};
