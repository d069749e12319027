/*
 * cmd_ls.c - `glassmaster ls`: the entries of a file system in an image,
 * names only, long (mode, links, owner, size, time, target, extents), or
 * as JSON, one directory or the whole tree below a path.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "files.h"
#include "banned.h"

struct ls {
	struct gm_fs *fs;
	bool longfmt, json, first;
	char *path;		/* a path buffer */
	size_t cap;
};

static char outbuf[1 << 16];	/* stdout's buffer (glibc sizes its own by the block) */

static void mode_string(uint32_t mode, char out[11])
{
	static const char *const rwx = "rwxrwxrwx";

	out[0] = S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : S_ISCHR(mode) ? 'c'
		 : S_ISBLK(mode) ? 'b' : S_ISFIFO(mode) ? 'p' : S_ISSOCK(mode) ? 's' : '-';
	for (int i = 0; i < 9; i++)
		out[1 + i] = mode & (0400u >> i) ? rwx[i] : '-';
	if (mode & S_ISUID)
		out[3] = out[3] == 'x' ? 's' : 'S';
	if (mode & S_ISGID)
		out[6] = out[6] == 'x' ? 's' : 'S';
	if (mode & S_ISVTX)
		out[9] = out[9] == 'x' ? 't' : 'T';
	out[10] = '\0';
}

static const char *type_name(uint32_t mode)
{
	return S_ISDIR(mode) ? "dir" : S_ISLNK(mode) ? "symlink" : S_ISCHR(mode) ? "char"
	       : S_ISBLK(mode) ? "block" : S_ISFIFO(mode) ? "fifo"
	       : S_ISSOCK(mode) ? "socket" : "file";
}

static void print_extents(const struct gm_fs *fs, uint32_t node, bool json)
{
	const struct gm_fs_extent *e;
	size_t n = gm_fs_extents(fs, node, &e);
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		uint64_t sectors = (e[i].bytes + 2047) / 2048;

		if (json) {
			if (e[i].flags != 0)
				continue;
			printf("%s[%llu, %llu]", first ? "" : ", ", (unsigned long long)e[i].lba,
			       (unsigned long long)sectors);
		} else if (e[i].flags & GM_FS_EXT_HOLE) {
			printf("%shole+%llu", first ? "" : " ", (unsigned long long)sectors);
		} else if (e[i].flags & GM_FS_EXT_EMBEDDED) {
			printf("%sembedded", first ? "" : " ");
		} else {
			printf("%s%llu+%llu", first ? "" : " ", (unsigned long long)e[i].lba,
			       (unsigned long long)sectors);
		}
		first = false;
	}
}

/* One entry: shown is the name or relative path to print. */
static void show(struct ls *l, uint32_t node, const char *shown)
{
	const struct gm_fs_stat *st = gm_fs_stat(l->fs, node);
	const char *target = gm_fs_link(l->fs, node);

	if (l->json) {
		char path[8192];

		gm_fs_path(l->fs, node, path, sizeof(path));
		printf("%s{\"path\": ", l->first ? "" : ",\n ");
		l->first = false;
		cli_json_string(stdout, path);
		printf(", \"type\": \"%s\", \"mode\": %lu, \"nlink\": %lu, \"uid\": %lu, "
		       "\"gid\": %lu, \"size\": %llu, \"mtime\": %lld, \"atime\": %lld, "
		       "\"ctime\": %lld, \"ino\": %llu", type_name(st->mode),
		       (unsigned long)st->mode, (unsigned long)st->nlink,
		       (unsigned long)st->uid, (unsigned long)st->gid,
		       (unsigned long long)st->size, (long long)st->mtime.tv_sec,
		       (long long)st->atime.tv_sec, (long long)st->ctime.tv_sec,
		       (unsigned long long)st->ino);
		if (target != NULL) {
			printf(", \"target\": ");
			cli_json_string(stdout, target);
		}
		if (S_ISCHR(st->mode) || S_ISBLK(st->mode))
			printf(", \"rdev\": [%lu, %lu]", (unsigned long)st->rdev_major,
			       (unsigned long)st->rdev_minor);
		if (st->flags & GM_FS_ZISOFS)
			printf(", \"zisofs\": true");
		printf(", \"extents\": [");
		print_extents(l->fs, node, true);
		printf("], \"damaged\": %s}", st->flags & GM_FS_DAMAGED ? "true" : "false");
		return;
	}
	if (l->longfmt) {
		char mode[11], when[32];
		struct tm tm;
		time_t t = st->mtime.tv_sec;

		mode_string(st->mode, mode);
		if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof(when),
							  "%Y-%m-%d %H:%M:%S", &tm) == 0)
			snprintf(when, sizeof(when), "unknown time");
		if (S_ISCHR(st->mode) || S_ISBLK(st->mode))
			printf("%s %3lu %5lu %5lu %6lu, %5lu %s %s", mode,
			       (unsigned long)st->nlink, (unsigned long)st->uid,
			       (unsigned long)st->gid, (unsigned long)st->rdev_major,
			       (unsigned long)st->rdev_minor, when, shown);
		else
			printf("%s %3lu %5lu %5lu %13llu %s %s", mode, (unsigned long)st->nlink,
			       (unsigned long)st->uid, (unsigned long)st->gid,
			       (unsigned long long)st->size, when, shown);
		if (S_ISDIR(st->mode) && *shown != '\0')
			putchar('/');
		if (target != NULL)
			printf(" -> %s", target);
		if (!S_ISDIR(st->mode) && gm_fs_extents(l->fs, node, &(const struct gm_fs_extent *){NULL}) > 0) {
			printf(" [");
			print_extents(l->fs, node, false);
			printf("]");
		}
		putchar('\n');
		return;
	}
	fputs(shown, stdout);
	if (S_ISDIR(st->mode) && *shown != '\0')
		putchar('/');
	putchar('\n');
}

/* Every entry below dir, as paths relative to it (prefix: its own). */
static int list_tree(struct ls *l, uint32_t dir, size_t prefix)
{
	for (uint32_t n = gm_fs_first(l->fs, dir); n != GM_FS_NONE; n = gm_fs_next(l->fs, n)) {
		const char *name = gm_fs_name(l->fs, n);
		size_t nl = strlen(name), need = prefix + nl + 2;

		if (need > l->cap) {
			char *grown = realloc(l->path, need * 2);

			if (grown == NULL)
				return -GM_ERR_NOMEM;
			l->path = grown;
			l->cap = need * 2;
		}
		memcpy(l->path + prefix, name, nl + 1);
		show(l, n, l->path);
		if (S_ISDIR(gm_fs_stat(l->fs, n)->mode)) {
			int ret;

			l->path[prefix + nl] = '/';
			l->path[prefix + nl + 1] = '\0';
			ret = list_tree(l, n, prefix + nl + 1);
			if (ret != 0)
				return ret;
		}
	}
	return 0;
}

static int cmd_ls(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_FILES_OPTIONS,
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct cli_files_opts o = { GM_FS_AUTO, 0, NULL };
	struct cli_files f = { .cmd = "ls" };
	struct ls l = { .first = true };
	bool recursive = false;
	const char *path = "/";
	uint32_t node;
	int c, status;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "lRh", longopts, NULL)) != -1) {
		if (cli_files_option("ls", c, optarg, &o, &status)) {
			if (status != 0)
				return status;
			continue;
		}
		switch (c) {
		case 'l':
			l.longfmt = true;
			break;
		case 'R':
			recursive = true;
			break;
		case 'j':
			l.json = true;
			break;
		case 'h':
			cli_help(&gm_cmd_ls, stdout);
			return GM_EXIT_OK;
		default:
			return cli_bad_option("ls", argv);
		}
	}
	if (argc - optind < 1)
		return cli_usage_error("ls", "IMAGE is missing");
	if (argc - optind > 2)
		return cli_usage_error("ls", "one IMAGE and at most one PATH, please");
	if (argc - optind == 2)
		path = argv[optind + 1];
	status = cli_files_open(&f, argv[optind], &o);
	if (status != 0)
		return status;
	if (!isatty(STDOUT_FILENO))	/* into a file or pipe: in large pieces */
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	l.fs = f.fs;
	node = gm_fs_lookup(f.fs, path);
	if (node == GM_FS_NONE) {
		fprintf(stderr, "glassmaster: ls: no '%s' in the %s file system of '%s'\n",
			path, gm_fs_type_name(gm_fs_kind(f.fs)), argv[optind]);
		cli_files_close(&f);
		return GM_EXIT_USAGE;
	}
	if (l.json)
		printf("[");
	if (!S_ISDIR(gm_fs_stat(f.fs, node)->mode)) {
		show(&l, node, path);
	} else if (recursive) {
		status = list_tree(&l, node, 0) != 0 ? GM_EXIT_DEVICE : 0;
	} else {
		for (uint32_t n = gm_fs_first(f.fs, node); n != GM_FS_NONE; n = gm_fs_next(f.fs, n))
			show(&l, n, gm_fs_name(f.fs, n));
	}
	if (l.json)
		printf("]\n");
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "glassmaster: ls: cannot write the listing\n");
		status = GM_EXIT_DEVICE;
	}
	if (status == 0 && gm_fs_warnings(f.fs) > 0)
		status = GM_EXIT_MISMATCH;
	free(l.path);
	cli_files_close(&f);
	return status;
}

const struct gm_command gm_cmd_ls = {
	.name = "ls",
	.run = cmd_ls,
	.summary = "list the files of an image's file system",
	.usage = "glassmaster ls IMAGE [PATH] [-l] [-R] [--fs TYPE] [--session N] [--parent FILE] [--json]",
	.help =
	"List the entries of the directory PATH (default /) of the file system in\n"
	"IMAGE: ISO 9660 (levels 1-3, ISO 9660:1999) with Rock Ridge or Joliet, El\n"
	"Torito boot images as files of /[BOOT], or UDF 1.02-2.60. IMAGE is any\n"
	"image glassmaster reads (ISO, BIN/CUE, CloneCD, cdrdao TOC, NRG, MDS).\n"
	"\n"
	"options:\n"
	"  --parent FILE        a CHD's parent (default: the .chd beside it with\n"
	"                       the SHA-1 the CHD names); repeatable\n"
	"  -l                   long: mode, links, owner, group, size, time (UTC),\n"
	"                       name, symlink target, extents (LBA+sectors)\n"
	"  -R                   every entry below PATH, as paths relative to it\n"
	"  --fs TYPE            the tree to read: udf, rockridge, joliet or iso9660\n"
	"                       (default: udf, else rockridge, else joliet, else\n"
	"                       iso9660)\n"
	"  --session N          the ISO 9660 volume of session N (default: the last)\n"
	"  --json               a JSON array of the entries on stdout\n"
	"\n"
	"exit status: 0 success, 1 the file system is damaged (warnings on stderr),\n"
	"2 usage error, no file system or no PATH, 3 I/O failure.\n",
};
