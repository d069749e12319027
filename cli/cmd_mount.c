/*
 * cmd_mount.c - `glassmaster mount`: an image's file system through FUSE
 * (libfuse3's low-level interface), read-only.  Inode numbers are the
 * reader's (the root 1, hard links one inode, the same for every mount of
 * the same image); lookups go through the reader's name index; reads of
 * any offset and size go through gm_fs_read(), a sector that does not
 * read failing the read with EIO.  The tree is read before the mount, so
 * an image that is no file system fails on the terminal; then, unless -f,
 * the program goes to the background as FUSE daemons do.
 */
#include "config.h"

#define FUSE_USE_VERSION 34

#include <errno.h>
#include <fuse_lowlevel.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "cli.h"
#include "files.h"
#include "banned.h"

#define TIMEOUT 86400.0		/* nothing changes under a read-only mount */

static struct cli_files *mounted;
static bool no_open;		/* the kernel can open files without us */
static char *read_buf;		/* op_read's */
static size_t read_cap;

static uint32_t node_of(fuse_ino_t ino)
{
	return ino >= 1 && ino - 1 < gm_fs_count(mounted->fs) ? (uint32_t)(ino - 1)
	       : GM_FS_NONE;
}

static void fill_stat(uint32_t node, struct stat *out)
{
	const struct gm_fs_stat *st = gm_fs_stat(mounted->fs, node);

	memset(out, 0, sizeof(*out));
	out->st_ino = (ino_t)st->ino;
	out->st_mode = st->mode;
	out->st_nlink = st->nlink;
	out->st_uid = st->uid;
	out->st_gid = st->gid;
	out->st_size = (off_t)st->size;
	out->st_blksize = 2048;
	out->st_blocks = (blkcnt_t)((st->size + 511) / 512);
	out->st_rdev = makedev(st->rdev_major, st->rdev_minor);
	out->st_mtim = st->mtime;
	out->st_atim = st->atime;
	out->st_ctim = st->ctime;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	uint32_t dir = node_of(parent), n;
	struct fuse_entry_param e;

	if (dir == GM_FS_NONE) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	n = gm_fs_child(mounted->fs, dir, name);
	if (n == GM_FS_NONE) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	n = gm_fs_canonical(mounted->fs, n);
	e.ino = (fuse_ino_t)gm_fs_stat(mounted->fs, n)->ino;
	e.attr_timeout = TIMEOUT;
	e.entry_timeout = TIMEOUT;
	fill_stat(n, &e.attr);
	fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	uint32_t n = node_of(ino);
	struct stat st;

	(void)fi;
	if (n == GM_FS_NONE) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_stat(n, &st);
	fuse_reply_attr(req, &st, TIMEOUT);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	uint32_t n = node_of(ino);
	const char *target = n != GM_FS_NONE ? gm_fs_link(mounted->fs, n) : NULL;

	if (target == NULL)
		fuse_reply_err(req, EINVAL);
	else
		fuse_reply_readlink(req, target);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	uint32_t n = node_of(ino);

	if (n == GM_FS_NONE) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if (no_open) {
		/* the kernel then opens files without asking (and without
		   RELEASE): two requests a file fewer; the mount is read-only,
		   so no write ever gets this far */
		fuse_reply_err(req, ENOSYS);
		return;
	}
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	uint32_t n = node_of(ino);
	uint64_t bad = 0;
	char *buf;
	int64_t got;

	(void)fi;
	if (n == GM_FS_NONE || off < 0) {
		fuse_reply_err(req, n == GM_FS_NONE ? ENOENT : EINVAL);
		return;
	}
	/* one buffer for the session's requests (served one at a time),
	   grown to the largest: a malloc of 128 KiB is an mmap, and its
	   pages faulted in, for every read */
	if (size > read_cap) {
		char *grown = realloc(read_buf, size);

		if (grown == NULL) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		read_buf = grown;
		read_cap = size;
	}
	buf = read_buf;
	got = gm_fs_read(mounted->ctx, mounted->fs, n, (uint64_t)off, buf, size, &bad);
	if (got < 0 || bad > 0)
		fuse_reply_err(req, EIO);
	else
		fuse_reply_buf(req, buf, (size_t)got);
}

/* One entry into a readdir(plus) reply at buf + used; its size (more than
   the room left when it did not fit). */
static size_t add_entry(fuse_req_t req, char *buf, size_t room, const char *name,
			uint32_t node, off_t next, bool plus)
{
	uint32_t canon = gm_fs_canonical(mounted->fs, node);

	if (plus) {
		struct fuse_entry_param e;

		memset(&e, 0, sizeof(e));
		e.ino = (fuse_ino_t)gm_fs_stat(mounted->fs, canon)->ino;
		e.attr_timeout = TIMEOUT;
		e.entry_timeout = TIMEOUT;
		fill_stat(canon, &e.attr);
		return fuse_add_direntry_plus(req, buf, room, name, &e, next);
	} else {
		struct stat st;

		fill_stat(canon, &st);
		return fuse_add_direntry(req, buf, room, name, &st, next);
	}
}

/* Directory offsets: "." 1, ".." 2, then node + 3 of the entry given.
   readdirplus gives every entry's attributes with its name, so the kernel
   needs no lookup of each (the lookup counts it takes are never given
   back: inode numbers here are for the life of the mount). */
static void list_dir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus)
{
	uint32_t dir = node_of(ino), n;
	char *buf;
	size_t used = 0;

	if (dir == GM_FS_NONE || !S_ISDIR(gm_fs_stat(mounted->fs, dir)->mode)) {
		fuse_reply_err(req, dir == GM_FS_NONE ? ENOENT : ENOTDIR);
		return;
	}
	buf = malloc(size);
	if (buf == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	while (off < 2) {
		uint32_t which = off == 0 ? dir : gm_fs_parent(mounted->fs, dir);
		size_t len = add_entry(req, buf + used, size - used, off == 0 ? "." : "..",
				       which, off + 1, plus);

		if (len > size - used)
			break;
		used += len;
		off++;
	}
	if (off < 2) {
		fuse_reply_buf(req, buf, used);
		free(buf);
		return;
	}
	if (off == 2) {
		n = gm_fs_first(mounted->fs, dir);
	} else {
		/* an offset given out for another directory lists nothing */
		uint32_t last = (uint64_t)(off - 3) < gm_fs_count(mounted->fs)
				? (uint32_t)(off - 3) : GM_FS_NONE;

		n = last != GM_FS_NONE && last != 0 && gm_fs_parent(mounted->fs, last) == dir
		    ? gm_fs_next(mounted->fs, last) : GM_FS_NONE;
	}
	for (; n != GM_FS_NONE; n = gm_fs_next(mounted->fs, n)) {
		const char *name = gm_fs_name(mounted->fs, n);
		size_t len;

		/* what is no file name ("", ".", "..", "a/b", longer than 255
		   bytes) is left out, as the kernel would refuse it */
		if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0
		    || strchr(name, '/') != NULL || strlen(name) > 255)
			continue;
		len = add_entry(req, buf + used, size - used, name, n, (off_t)n + 3, plus);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)fi;
	list_dir(req, ino, size, off, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	(void)fi;
	list_dir(req, ino, size, off, true);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* every listing with attributes (not only the first of a directory) */
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	conn->want &= ~(unsigned)FUSE_CAP_READDIRPLUS_AUTO;
	no_open = (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) != 0;
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;
	const struct gm_disc *d = gm_source_disc(mounted->src);

	(void)ino;
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = 2048;
	sv.f_frsize = 2048;
	sv.f_blocks = d->leadout > 0 ? (fsblkcnt_t)d->leadout : 0;
	sv.f_files = gm_fs_count(mounted->fs);
	sv.f_namemax = 255;
	fuse_reply_statfs(req, &sv);
}

static const struct fuse_lowlevel_ops ops = {
	.lookup = op_lookup,
	.getattr = op_getattr,
	.readlink = op_readlink,
	.open = op_open,
	.read = op_read,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.init = op_init,
	.statfs = op_statfs,
};

static int cmd_mount(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_FILES_OPTIONS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct cli_files_opts o = { GM_FS_AUTO, 0, NULL };
	struct cli_files f = { .cmd = "mount" };
	bool foreground = false;
	char opts[4200];
	struct fuse_session *se = NULL;
	int c, status;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "fh", longopts, NULL)) != -1) {
		if (cli_files_option("mount", c, optarg, &o, &status)) {
			if (status != 0)
				return status;
			continue;
		}
		switch (c) {
		case 'f':
			foreground = true;
			break;
		case 'h':
			cli_help(&gm_cmd_mount, stdout);
			return GM_EXIT_OK;
		default:
			return cli_bad_option("mount", argv);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("mount", "IMAGE and DIR, please");
	status = cli_files_open(&f, argv[optind], &o);
	if (status != 0)
		return status;
	mounted = &f;
	{
		/* fsname: the image's path, without what separates options */
		int n = snprintf(opts, sizeof(opts), "ro,default_permissions,subtype=glassmaster,"
				 "fsname=");
		for (const char *p = argv[optind]; *p && n < (int)sizeof(opts) - 1; p++)
			opts[n++] = *p == ',' || *p == '\\' ? '_' : *p;
		opts[n] = '\0';
	}
	{
		char *args_v[] = { argv[0], "-o", opts, NULL };
		struct fuse_args args = FUSE_ARGS_INIT(3, args_v);

		se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	}
	if (se == NULL) {
		fprintf(stderr, "glassmaster: mount: FUSE refused the session\n");
		status = GM_EXIT_DEVICE;
		goto out;
	}
	if (fuse_set_signal_handlers(se) != 0 || fuse_session_mount(se, argv[optind + 1]) != 0) {
		fprintf(stderr, "glassmaster: mount: cannot mount on '%s' (is /dev/fuse "
			"usable, and fusermount3 installed?)\n", argv[optind + 1]);
		status = GM_EXIT_DEVICE;
		goto out;
	}
	if (fuse_daemonize(foreground) != 0) {
		fuse_session_unmount(se);
		status = GM_EXIT_DEVICE;
		goto out;
	}
	status = fuse_session_loop(se) < 0 ? GM_EXIT_DEVICE : GM_EXIT_OK;
	fuse_session_unmount(se);
out:
	if (se != NULL) {
		fuse_remove_signal_handlers(se);
		fuse_session_destroy(se);
	}
	cli_files_close(&f);
	free(read_buf);
	return status;
}

const struct gm_command gm_cmd_mount = {
	.name = "mount",
	.run = cmd_mount,
	.summary = "mount an image's file system read-only (FUSE)",
	.usage = "glassmaster mount IMAGE DIR [--fs TYPE] [--session N] [--parent FILE] [-f]",
	.help =
	"Mount the file system in IMAGE on DIR through FUSE, read-only, as an\n"
	"unprivileged user where FUSE allows; `fusermount3 -u DIR` unmounts.\n"
	"Inode numbers are stable, hard links are one inode, sizes are exact; a\n"
	"read touching a sector that does not read fails with EIO.\n"
	"\n"
	"options:\n"
	"  --parent FILE        a CHD's parent (default: the .chd beside it with\n"
	"                       the SHA-1 the CHD names); repeatable\n"
	"  --fs TYPE            the tree to read: udf, rockridge, joliet or iso9660\n"
	"  --session N          the ISO 9660 volume of session N (default: the last)\n"
	"  -f                   stay in the foreground (until unmounted)\n"
	"\n"
	"exit status: 0 unmounted, 2 usage error or no file system, 3 the mount\n"
	"failed.\n",
};
