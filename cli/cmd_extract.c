/*
 * cmd_extract.c - `glassmaster extract`: the files of an image's file
 * system into a directory, as tar restores an archive: files, directories,
 * symlinks (never followed), hard links, device nodes and fifos as root,
 * modes, times, owners as root.
 *
 * Nothing is written outside DIR: every entry is created relative to the
 * descriptor of its directory, opened without following symlinks, so a
 * symlink the image makes (or DIR held) is never gone through.  Names
 * that are no names ("", ".", "..") are refused, a "/" in a name becomes
 * "_", and a name that collides on disk with one this run made
 * (duplicates, case-folding clashes) gets "~2", "~3"...; what DIR held
 * before is kept unless --force.  Each of these is a warning and makes
 * the exit status 1, as is a file with unreadable sectors (written with
 * zeros there).  A write that fails (a full disk) removes the file it was
 * writing and stops with status 3.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"
#include "files.h"
#include "set64.h"
#include "banned.h"

#define CHUNK (1u << 20)

struct ex {
	struct cli_files *f;
	struct gm_fs *fs;
	int root;		/* DIR */
	bool force, as_root;
	mode_t umask;
	unsigned damaged, refused;
	uint8_t *buf;
	char **first;		/* per canonical node: where it was written */
	struct gm_set64 made;	/* (dev, ino) hashes of what this run made */
	struct cli_progress progress;
	uint64_t done, total;
};

static void warn(struct ex *x, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn(struct ex *x, const char *path, const char *fmt, ...)
{
	va_list ap;

	x->refused++;
	cli_progress_done(&x->progress);
	fprintf(stderr, "glassmaster: extract: warning: '%s': ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t made_key(dev_t dev, ino_t ino)
{
	uint64_t k = ((uint64_t)dev * 0x9e3779b97f4a7c15ull) ^ (uint64_t)ino;

	return k ? k : 1;
}

static void remember_stat(struct ex *x, const struct stat *st);

static void remember(struct ex *x, int dir, const char *name)
{
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		remember_stat(x, &st);
}

static void remember_stat(struct ex *x, const struct stat *st)
{
	/* (without memory the set stays as it is: a duplicate then reads
	   as something DIR held, skipped with a warning, never replaced) */
	(void)gm_set64_add(&x->made, made_key(st->st_dev, st->st_ino));
}

/* Whether what is at dir/name was made by this run. */
static bool ours(const struct ex *x, int dir, const char *name)
{
	struct stat st;

	return fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0
	       && gm_set64_has(&x->made, made_key(st.st_dev, st.st_ino));
}

/* The name an entry gets on disk in out (NAME_MAX + 1), or false when it
   is refused. */
static bool disk_name(struct ex *x, const char *path, const char *name, char *out)
{
	size_t len = strlen(name);

	if (len == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		warn(x, path, "refused: \"%s\" is not a file name", name);
		return false;
	}
	if (len > 255) {
		warn(x, path, "refused: a name of %lu bytes (255 is the most)",
		     (unsigned long)len);
		return false;
	}
	memcpy(out, name, len + 1);
	if (strchr(out, '/') != NULL) {
		for (char *p = out; *p; p++)
			if (*p == '/')
				*p = '_';
		warn(x, path, "renamed '%s': a name holding \"/\"", out);
	}
	return true;
}

/* Make room for name in dir: 0 when it is free now, 1 when the entry is to
   be skipped, 2 when it is to get another name. */
static int clear(struct ex *x, int dir, const char *name, const char *path, bool is_dir)
{
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;
	if (ours(x, dir, name))
		return 2;
	if (is_dir && S_ISDIR(st.st_mode))
		return 0;	/* merged into, as tar does */
	if (!x->force) {
		warn(x, path, "skipped: it exists in the target directory (--force "
		     "replaces it)");
		return 1;
	}
	if (unlinkat(dir, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0) {
		warn(x, path, "skipped: the existing one cannot be removed (%s)",
		     strerror(errno));
		return 1;
	}
	return 0;
}

static mode_t perm(const struct ex *x, uint32_t mode)
{
	return x->as_root ? (mode_t)(mode & 07777) : (mode_t)(mode & 0777 & ~x->umask);
}

static void set_attrs_now(struct ex *x, int fd, int dir, const char *name,
			  const struct gm_fs_stat *st, const struct stat *now);

/* Owner (as root), then mode (chown clears set-id bits), then times, of
   what fd is open on, or else of dir/name (never followed; a symlink's
   mode is left alone). */
static void set_attrs(struct ex *x, int fd, int dir, const char *name,
		      const struct gm_fs_stat *st)
{
	set_attrs_now(x, fd, dir, name, st, NULL);
}

/* The same knowing (now, not NULL) what a file fd was made with: what is
   right already is left alone (a chown or chmod a file fewer). */
static void set_attrs_now(struct ex *x, int fd, int dir, const char *name,
			  const struct gm_fs_stat *st, const struct stat *now)
{
	struct timespec t[2] = { st->atime, st->mtime };
	bool chowned = false;

	if (x->as_root && (now == NULL || now->st_uid != st->uid || now->st_gid != st->gid)) {
		chowned = true;
		if (fd >= 0)
			(void)!fchown(fd, st->uid, st->gid);
		else
			(void)!fchownat(dir, name, st->uid, st->gid, AT_SYMLINK_NOFOLLOW);
	}
	if (now != NULL && !chowned && (now->st_mode & 07777) == perm(x, st->mode))
		;	/* made with its mode */
	else if (fd >= 0)
		fchmod(fd, perm(x, st->mode));
	else if (!S_ISLNK(st->mode))
		fchmodat(dir, name, perm(x, st->mode), 0);
	if (fd >= 0)
		futimens(fd, t);
	else
		utimensat(dir, name, t, AT_SYMLINK_NOFOLLOW);
}

/* A regular file's data into fd; 0, or an exit status after a failure
   (the file is then removed by the caller). */
static int write_data(struct ex *x, uint32_t node, int fd, const char *path)
{
	const struct gm_fs_stat *st = gm_fs_stat(x->fs, node);
	uint64_t off = 0, bad = 0;

	while (off < st->size) {
		size_t want = st->size - off < CHUNK ? (size_t)(st->size - off) : CHUNK;
		int64_t got = gm_fs_read(x->f->ctx, x->fs, node, off, x->buf, want, &bad);
		size_t put = 0;

		if (got < 0) {
			if (got == -GM_ERR_FORMAT) {
				warn(x, path, "%s: the rest is zeros", gm_error(x->f->ctx));
				x->damaged++;
				if (ftruncate(fd, (off_t)st->size) != 0)
					return cli_fail("extract", x->f->ctx,
							gm_error_set_errno(x->f->ctx, GM_ERR_IO,
									   errno, "cannot write '%s'",
									   path));
				return 0;
			}
			return cli_fail("extract", x->f->ctx, (int)got);
		}
		if (got == 0)
			break;
		while (put < (size_t)got) {
			ssize_t w = write(fd, x->buf + put, (size_t)got - put);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				cli_progress_done(&x->progress);
				fprintf(stderr, "glassmaster: extract: cannot write '%s': %s\n",
					path, w < 0 ? strerror(errno) : "nothing written");
				return GM_EXIT_DEVICE;
			}
			put += (size_t)w;
		}
		off += (uint64_t)got;
		x->done += (uint64_t)got;
		cli_progress_update(&x->progress, x->done, x->total);
		if (cli_stop_requested) {
			cli_progress_done(&x->progress);
			fprintf(stderr, "glassmaster: extract: interrupted while writing '%s' "
				"(removed)\n", path);
			return GM_EXIT_INTERRUPTED;
		}
	}
	if (bad > 0 || (st->flags & GM_FS_DAMAGED)) {
		x->damaged++;
		if (bad > 0)
			warn(x, path, "damaged: %llu unreadable sector%s, written as zeros",
			     (unsigned long long)bad, bad == 1 ? "" : "s");
		else
			warn(x, path, "damaged: extracted as far as the image allows");
	}
	return 0;
}

static int extract_dir(struct ex *x, uint32_t dir, int dfd, char *rel, size_t rl);

/* One entry into the directory dfd; rel[0..rl) is that directory's path
   below DIR ("" or "a/b/"). */
/* The names an entry is known by while it is made: kept off the stack,
   which holds a frame per directory level (1,024 at most). */
struct names {
	char path[8192];	/* in the image, for messages */
	char name[256];		/* on disk */
	char base[256];		/* on disk, before a ~N */
};

static int make_entry(struct ex *x, uint32_t node, int dfd, char *rel, size_t rl,
		      struct names *nm);

static int extract_one(struct ex *x, uint32_t node, int dfd, char *rel, size_t rl)
{
	struct names *nm = malloc(sizeof(*nm));
	int ret;

	if (nm == NULL)
		return cli_fail("extract", x->f->ctx, -GM_ERR_NOMEM);
	ret = make_entry(x, node, dfd, rel, rl, nm);
	free(nm);
	return ret;
}

static int make_entry(struct ex *x, uint32_t node, int dfd, char *rel, size_t rl,
		      struct names *nm)
{
	const struct gm_fs_stat *st = gm_fs_stat(x->fs, node);
	uint32_t canon = gm_fs_canonical(x->fs, node);
	char *path = nm->path, *name = nm->name, *base = nm->base;
	unsigned suffix = 1;
	int ret = 0, fd;

	gm_fs_path(x->fs, node, path, sizeof(nm->path));
	if (!disk_name(x, path, gm_fs_name(x->fs, node), base))
		return 0;
	memcpy(name, base, strlen(base) + 1);
	/* a file is made first (nothing is there, mostly): only a name
	   that is taken goes through the checks below */
	fd = -1;
	if (S_ISREG(st->mode) && x->first[canon] == NULL && rl + strlen(name) + 2 <= 65536)
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    perm(x, st->mode) & 0777);
	for (; fd < 0;) {
		struct stat sb;
		/* a renamed one takes a name nothing has: what DIR held under
		   NAME~2 is neither replaced nor a reason to skip */
		int c = suffix > 1 && fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 ? 2
			: clear(x, dfd, name, path, S_ISDIR(st->mode));

		if (c == 1)
			return 0;
		if (c == 0)
			break;
		if (++suffix > 1000) {
			warn(x, path, "refused: too many entries of that name");
			return 0;
		}
		snprintf(name, sizeof(nm->name), "%.*s~%u", 240, base, suffix);
	}
	if (suffix > 1)
		warn(x, path, "renamed '%s': another entry of the same name (or one "
		     "differing in case only) is there already", name);
	if (rl + strlen(name) + 2 > 65536) {
		warn(x, path, "refused: its path is too long");
		return 0;
	}
	memcpy(rel + rl, name, strlen(name) + 1);

	if (S_ISDIR(st->mode)) {
		int sub;

		if (mkdirat(dfd, name, 0700) != 0 && errno != EEXIST) {
			warn(x, path, "cannot make the directory: %s", strerror(errno));
			return 0;
		}
		remember(x, dfd, name);
		sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			warn(x, path, "cannot open the directory: %s", strerror(errno));
			return 0;
		}
		memcpy(rel + rl + strlen(name), "/", 2);
		ret = extract_dir(x, node, sub, rel, rl + strlen(name) + 1);
		if (ret == 0)
			set_attrs(x, sub, -1, NULL, st);
		close(sub);
		return ret;
	}
	if (S_ISLNK(st->mode)) {
		const char *target = gm_fs_link(x->fs, node);

		if (target == NULL || *target == '\0') {
			warn(x, path, "refused: a symlink without a target");
			return 0;
		}
		if (symlinkat(target, dfd, name) != 0) {
			warn(x, path, "cannot make the symlink: %s", strerror(errno));
			return 0;
		}
		remember(x, dfd, name);
		set_attrs(x, -1, dfd, name, st);
		return 0;
	}
	/* a hard link to what was written already */
	if (x->first[canon] != NULL) {
		if (linkat(x->root, x->first[canon], dfd, name, 0) == 0)
			return 0;
		/* (else written again) */
	}
	if (S_ISCHR(st->mode) || S_ISBLK(st->mode) || S_ISFIFO(st->mode)) {
		dev_t dev = makedev(st->rdev_major, st->rdev_minor);

		if (!S_ISFIFO(st->mode) && !x->as_root) {
			warn(x, path, "skipped: device nodes are made by root only");
			return 0;
		}
		if (mknodat(dfd, name, (st->mode & S_IFMT) | perm(x, st->mode),
			    S_ISFIFO(st->mode) ? 0 : dev) != 0) {
			warn(x, path, "cannot make the node: %s", strerror(errno));
			return 0;
		}
		remember(x, dfd, name);
		set_attrs(x, -1, dfd, name, st);
	} else if (S_ISSOCK(st->mode)) {
		warn(x, path, "skipped: a socket");
		return 0;
	} else {
		if (fd < 0)
			fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
				    | O_CLOEXEC, perm(x, st->mode) & 0777);
		if (fd < 0) {
			warn(x, path, "cannot make the file: %s", strerror(errno));
			return 0;
		}
		{
			struct stat now;
			bool known = fstat(fd, &now) == 0;

			if (known)
				remember_stat(x, &now);
			ret = write_data(x, node, fd, path);
			if (ret == 0)
				set_attrs_now(x, fd, -1, NULL, st, known ? &now : NULL);
		}
		if (close(fd) != 0 && ret == 0) {
			fprintf(stderr, "glassmaster: extract: cannot write '%s': %s\n", path,
				strerror(errno));
			ret = GM_EXIT_DEVICE;
		}
		if (ret != 0) {
			unlinkat(dfd, name, 0);
			return ret;
		}
	}
	if ((gm_fs_stat(x->fs, canon)->nlink > 1 || canon != node) && x->first[canon] == NULL) {
		x->first[canon] = strdup(rel);
		if (x->first[canon] == NULL)
			return cli_fail("extract", x->f->ctx, -GM_ERR_NOMEM);
	}
	return 0;
}

static int extract_dir(struct ex *x, uint32_t dir, int dfd, char *rel, size_t rl)
{
	for (uint32_t n = gm_fs_first(x->fs, dir); n != GM_FS_NONE; n = gm_fs_next(x->fs, n)) {
		int ret = extract_one(x, n, dfd, rel, rl);

		rel[rl] = '\0';
		if (ret != 0)
			return ret;
	}
	return 0;
}

/* Bytes of the regular files at and below node (for the progress line):
   a walk down the tree with a stack of next siblings. */
static uint64_t total_bytes(const struct gm_fs *fs, uint32_t node)
{
	uint64_t sum = 0;
	uint32_t *stack = malloc((size_t)gm_fs_count(fs) * sizeof(*stack));
	size_t n = 0;

	if (stack == NULL)
		return 0;	/* (only the progress line loses) */
	stack[n++] = node;
	while (n > 0) {
		uint32_t at = stack[--n];
		const struct gm_fs_stat *st = gm_fs_stat(fs, at);

		if (S_ISREG(st->mode) && gm_fs_canonical(fs, at) == at)
			sum += st->size;
		if (S_ISDIR(st->mode))
			for (uint32_t c = gm_fs_first(fs, at); c != GM_FS_NONE;
			     c = gm_fs_next(fs, c))
				stack[n++] = c;
	}
	free(stack);
	return sum;
}

/* Open (making them) the directories above node below DIR; the descriptor
   of its directory, rel set to that directory's path. */
static int parents(struct ex *x, uint32_t node, char *rel, size_t *rl)
{
	uint32_t chain[1100];
	unsigned depth = 0;
	int fd = dup(x->root);

	*rl = 0;
	rel[0] = '\0';
	for (uint32_t at = gm_fs_parent(x->fs, node); at != 0 && depth < 1100;
	     at = gm_fs_parent(x->fs, at))
		chain[depth++] = at;
	while (fd >= 0 && depth-- > 0) {
		char name[256], path[8192];
		int sub;

		gm_fs_path(x->fs, chain[depth], path, sizeof(path));
		if (!disk_name(x, path, gm_fs_name(x->fs, chain[depth]), name)) {
			close(fd);
			return -1;
		}
		if (*rl + strlen(name) + 2 > 65536) {
			warn(x, path, "refused: its path is too long");
			close(fd);
			return -1;
		}
		if (mkdirat(fd, name, 0755) == 0)
			remember(x, fd, name);
		sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = sub;
		if (fd < 0)
			warn(x, path, "cannot open the directory: %s", strerror(errno));
		*rl += (size_t)snprintf(rel + *rl, 65536 - *rl, "%s/", name);
	}
	return fd;
}

static int cmd_extract(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_FILES_OPTIONS,
		{"map", required_argument, NULL, 'm'},
		{"force", no_argument, NULL, 'f'},
		{"progress", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct cli_files_opts o = { GM_FS_AUTO, 0, NULL };
	struct cli_files f = { .cmd = "extract" };
	struct ex x = { .f = &f, .root = -1 };
	const char *dir = NULL, *image;
	char **paths;
	int npaths, c, status, mode = CLI_PROGRESS_AUTO;
	uint32_t *nodes = NULL;
	char *rel = NULL;
	struct rlimit rl;
	bool umask_set = false;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "C:h", longopts, NULL)) != -1) {
		if (cli_files_option("extract", c, optarg, &o, &status)) {
			if (status != 0)
				return status;
			continue;
		}
		switch (c) {
		case 'C':
			dir = optarg;
			break;
		case 'm':
			o.map = optarg;
			break;
		case 'f':
			x.force = true;
			break;
		case 'P':
			mode = CLI_PROGRESS_ALWAYS;
			break;
		case 'h':
			cli_help(&gm_cmd_extract, stdout);
			return GM_EXIT_OK;
		default:
			return cli_bad_option("extract", argv);
		}
	}
	if (argc - optind < 1)
		return cli_usage_error("extract", "IMAGE is missing");
	if (dir == NULL)
		return cli_usage_error("extract", "-C DIR is missing (where to extract)");
	image = argv[optind];
	paths = argv + optind + 1;
	npaths = argc - optind - 1;
	status = cli_files_open(&f, image, &o);
	if (status != 0)
		return status;
	x.fs = f.fs;
	nodes = calloc(npaths ? (size_t)npaths : 1, sizeof(*nodes));
	x.first = calloc(gm_fs_count(f.fs), sizeof(*x.first));
	x.buf = malloc(CHUNK);
	rel = malloc(65536);
	if (nodes == NULL || x.first == NULL || x.buf == NULL || rel == NULL) {
		status = cli_fail("extract", f.ctx, -GM_ERR_NOMEM);
		goto out;
	}
	for (int i = 0; i < npaths; i++) {
		nodes[i] = gm_fs_lookup(f.fs, paths[i]);
		if (nodes[i] == GM_FS_NONE) {
			fprintf(stderr, "glassmaster: extract: no '%s' in the %s file system "
				"of '%s'\n", paths[i], gm_fs_type_name(gm_fs_kind(f.fs)), image);
			status = GM_EXIT_USAGE;
			goto out;
		}
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "glassmaster: extract: cannot make '%s': %s\n", dir,
			strerror(errno));
		status = GM_EXIT_DEVICE;
		goto out;
	}
	x.root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x.root < 0) {
		fprintf(stderr, "glassmaster: extract: cannot open '%s': %s\n", dir,
			strerror(errno));
		status = GM_EXIT_DEVICE;
		goto out;
	}
	/* a descriptor per directory level is kept open */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	x.as_root = geteuid() == 0;
	/* the process's mask is 0 while files are made with their own
	   permission bits (perm() applies the user's mask when not root) */
	x.umask = umask(0);
	umask_set = true;
	cli_catch_signals();
	cli_progress_init(&x.progress, "extracting", mode);
	for (int i = 0; i < (npaths ? npaths : 1); i++)
		x.total += total_bytes(f.fs, npaths ? nodes[i] : 0);
	if (npaths == 0) {
		rel[0] = '\0';
		status = extract_dir(&x, 0, x.root, rel, 0);
	}
	for (int i = 0; i < npaths && status == 0; i++) {
		size_t len;
		int dfd;

		if (nodes[i] == 0) {
			rel[0] = '\0';
			status = extract_dir(&x, 0, x.root, rel, 0);
			continue;
		}
		dfd = parents(&x, nodes[i], rel, &len);
		if (dfd < 0)
			continue;
		status = extract_one(&x, nodes[i], dfd, rel, len);
		close(dfd);
	}
	cli_progress_done(&x.progress);
	if (status == 0 && (x.refused > 0 || x.damaged > 0 || f.warned > 0)) {
		if (x.damaged > 0)
			fprintf(stderr, "glassmaster: extract: %u file%s damaged\n", x.damaged,
				x.damaged == 1 ? "" : "s");
		status = GM_EXIT_MISMATCH;
	}
out:
	if (umask_set)
		umask(x.umask);
	if (x.first != NULL)
		for (uint32_t i = 0; i < gm_fs_count(f.fs); i++)
			free(x.first[i]);
	free(x.first);
	gm_set64_release(&x.made);
	free(x.buf);
	free(nodes);
	free(rel);
	if (x.root >= 0)
		close(x.root);
	cli_files_close(&f);
	return status;
}

const struct gm_command gm_cmd_extract = {
	.name = "extract",
	.run = cmd_extract,
	.summary = "restore the files of an image's file system",
	.usage = "glassmaster extract IMAGE [PATH...] -C DIR [--fs TYPE] [--session N] "
		 "[--map MAPFILE] [--force]",
	.help =
	"Restore the files of the file system in IMAGE (all, or the subtrees\n"
	"PATH...) below DIR, which is made if missing: files, directories,\n"
	"symlinks (as symlinks, never followed), hard links, fifos, device nodes\n"
	"(as root), modes and times, owners (as root). Nothing is written outside\n"
	"DIR: names that are no names (\"\", \".\", \"..\") are refused, \"/\" in a\n"
	"name becomes \"_\", an entry colliding with one made before (a duplicate\n"
	"name, or one differing in case on a case-insensitive file system) is\n"
	"renamed NAME~2, ...; each is a warning.\n"
	"\n"
	"options:\n"
	"  -C DIR               the directory to restore into\n"
	"  --fs TYPE            the tree to read: udf, rockridge, joliet or iso9660\n"
	"  --session N          the ISO 9660 volume of session N (default: the last)\n"
	"  --map MAPFILE        a ddrescue map of IMAGE (a rip's): sectors it does\n"
	"                       not call finished are unreadable; files touching\n"
	"                       them are written with zeros there and named damaged\n"
	"  --force              replace what DIR holds under an entry's name\n"
	"                       (else the entry is skipped with a warning)\n"
	"  --progress           show progress even when stderr is not a terminal\n"
	"\n"
	"exit status: 0 everything restored whole, 1 damaged files or entries\n"
	"refused, renamed or skipped (warnings on stderr), 2 usage error, no file\n"
	"system or no PATH, 3 a write failed (the file being written is removed).\n",
};
