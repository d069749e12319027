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
 * zeros there).  A write that fails (a full disk) removes the files being
 * written and stops with status 3.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "files.h"
#include "set64.h"
#include "threads.h"
#include "banned.h"

#define CHUNK (1u << 20)

/*
 * Files are written by threads, a core each: the walk, on the calling
 * thread, makes every entry in order (names, refusals, renames, links,
 * directories) and queues each regular file it made, open; a writer
 * reads that file's data out of the image, writes it, sets its attributes
 * and closes it.  Writing into the page cache, not reading from it, is
 * most of an extraction's time (a gigabyte: 0.36 s written to a tmpfs,
 * 0.09 s read, on the machines of bench/extract), and it does not scale
 * within a file (the kernel writes a file under its inode's lock), so a
 * file is one writer's.  Directory descriptors are counted: a directory
 * is closed by whoever is last done with it.
 */
#define QUEUED 64		/* files made and waiting for a writer */
#define MAX_WRITERS 4

struct wdir {
	int fd;
	unsigned refs;		/* (atomic) */
	const struct gm_fs_stat *st;	/* its attributes, set by the last
					   one done with it (NULL: none) */
};

struct wfile {
	struct wfile *next;
	struct wdir *dir;
	int fd;
	uint32_t node;
	struct stat now;
	bool known;		/* now holds what fd was made with */
	char *path;		/* in the image, for messages */
	char name[];		/* on disk, in dir */
};

struct pipe {
	pthread_mutex_t lock;
	pthread_cond_t work, room;
	struct wfile *head, *tail;
	unsigned queued;
	unsigned idle;		/* writers waiting for work */
	bool full;		/* the walk waits for room */
	bool quit;
	pthread_t writer[MAX_WRITERS];
	unsigned writers, running;
	int status;		/* the first writer's failure (an exit status) */
	char message[8448];	/* and its message */
};

struct ex {
	struct cli_files *f;
	struct gm_fs *fs;
	int root;		/* DIR */
	bool force, as_root;
	mode_t umask;
	unsigned damaged, refused;
	struct pipe pipe;
	char **first;		/* per canonical node: where it was written */
	struct gm_set64 made;	/* (dev, ino) hashes of what this run made */
	struct cli_progress progress;
	uint64_t done, total;	/* (done: atomic) */
	pthread_mutex_t say;	/* warnings, counts, progress */
};

static void warn(struct ex *x, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn(struct ex *x, const char *path, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&x->say);
	x->refused++;
	cli_progress_done(&x->progress);
	fprintf(stderr, "glassmaster: extract: warning: '%s': ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&x->say);
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

static void pipe_fail(struct pipe *p, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A writer's failure, kept for the walk (the first only). */
static void pipe_fail(struct pipe *p, int status, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&p->lock);
	if (p->status == 0) {
		va_start(ap, fmt);
		vsnprintf(p->message, sizeof(p->message), fmt, ap);
		va_end(ap);
		__atomic_store_n(&p->status, status, __ATOMIC_RELEASE);
	}
	pthread_cond_broadcast(&p->room);
	pthread_mutex_unlock(&p->lock);
}

static int pipe_status(struct pipe *p)
{
	return __atomic_load_n(&p->status, __ATOMIC_ACQUIRE);
}

static struct wdir *wdir_new(int fd, const struct gm_fs_stat *st)
{
	struct wdir *d = malloc(sizeof(*d));

	if (d == NULL) {
		close(fd);
		return NULL;
	}
	d->fd = fd;
	d->refs = 1;
	d->st = st;
	return d;
}

/* A directory's mode and times are set when the walk has made all it
   holds and the writers have written (or removed) its files: a
   read-only one is still open to the removal of a file that failed, and
   its time is that of the image. */
static void wdir_put(struct ex *x, struct wdir *d)
{
	if (__atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		if (d->st != NULL && pipe_status(&x->pipe) == 0)
			set_attrs(x, d->fd, -1, NULL, d->st);
		close(d->fd);
		free(d);
	}
}

/* (shown by the walk as it queues files) */
static void progress(struct ex *x, uint64_t bytes)
{
	__atomic_add_fetch(&x->done, bytes, __ATOMIC_RELAXED);
}

static void show_progress(struct ex *x)
{
	if (!x->progress.enabled)
		return;
	pthread_mutex_lock(&x->say);
	cli_progress_update(&x->progress, __atomic_load_n(&x->done, __ATOMIC_RELAXED),
			    x->total);
	pthread_mutex_unlock(&x->say);
}

/* A writer's own: its messages, its buffer. */
struct wctx {
	struct ex *x;
	struct gm_ctx *ctx;
	uint8_t *buf;
};

/* A regular file's data into f->fd; 0, or an exit status after a failure
   (the file is then removed; the failure is the pipe's). */
static int write_data(struct wctx *w, struct wfile *f)
{
	struct ex *x = w->x;
	const struct gm_fs_stat *st = gm_fs_stat(x->fs, f->node);
	const char *path = f->path;
	uint64_t off = 0, bad = 0;

	while (off < st->size) {
		size_t want = st->size - off < CHUNK ? (size_t)(st->size - off) : CHUNK;
		int64_t got = gm_fs_read(w->ctx, x->fs, f->node, off, w->buf, want, &bad);
		size_t put = 0;

		if (got < 0) {
			const char *msg = gm_error(w->ctx);

			if (got == -GM_ERR_FORMAT) {
				warn(x, path, "%s: the rest is zeros", msg);
				pthread_mutex_lock(&x->say);
				x->damaged++;
				pthread_mutex_unlock(&x->say);
				if (ftruncate(f->fd, (off_t)st->size) != 0) {
					pipe_fail(&x->pipe, GM_EXIT_DEVICE, "cannot write "
						  "'%s': %s", path, strerror(errno));
					return GM_EXIT_DEVICE;
				}
				return 0;
			}
			pipe_fail(&x->pipe, gm_err_exit_status((enum gm_err)-got), "%s",
				  *msg ? msg : gm_err_message((enum gm_err)-got));
			return gm_err_exit_status((enum gm_err)-got);
		}
		if (got == 0)
			break;
		while (put < (size_t)got) {
			ssize_t n = write(f->fd, w->buf + put, (size_t)got - put);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				pipe_fail(&x->pipe, GM_EXIT_DEVICE, "cannot write '%s': %s",
					  path, n < 0 ? strerror(errno) : "nothing written");
				return GM_EXIT_DEVICE;
			}
			put += (size_t)n;
		}
		off += (uint64_t)got;
		progress(x, (uint64_t)got);
		if (cli_stop_requested) {
			pipe_fail(&x->pipe, GM_EXIT_INTERRUPTED, "interrupted while "
				  "writing '%s' (removed)", path);
			return GM_EXIT_INTERRUPTED;
		}
	}
	if (bad > 0 || (st->flags & GM_FS_DAMAGED)) {
		pthread_mutex_lock(&x->say);
		x->damaged++;
		pthread_mutex_unlock(&x->say);
		if (bad > 0)
			warn(x, path, "damaged: %llu unreadable sector%s, written as zeros",
			     (unsigned long long)bad, bad == 1 ? "" : "s");
		else
			warn(x, path, "damaged: extracted as far as the image allows");
	}
	return 0;
}

/* One file written, its attributes set, closed (or removed when it
   failed or another did). */
static void file_write(struct wctx *w, struct wfile *f)
{
	struct ex *x = w->x;
	int ret = pipe_status(&x->pipe);

	if (ret == 0)
		ret = write_data(w, f);
	if (ret == 0)
		set_attrs_now(x, f->fd, -1, NULL, gm_fs_stat(x->fs, f->node),
			      f->known ? &f->now : NULL);
	if (close(f->fd) != 0 && ret == 0) {
		pipe_fail(&x->pipe, GM_EXIT_DEVICE, "cannot write '%s': %s", f->path,
			  strerror(errno));
		ret = GM_EXIT_DEVICE;
	}
	if (ret != 0)
		unlinkat(f->dir->fd, f->name, 0);
	wdir_put(x, f->dir);
	free(f->path);
	free(f);
}

static void *writer(void *arg)
{
	struct wctx *w = arg;
	struct pipe *p = &w->x->pipe;

	for (;;) {
		struct wfile *f;

		pthread_mutex_lock(&p->lock);
		while (p->head == NULL && !p->quit) {
			p->idle++;
			pthread_cond_wait(&p->work, &p->lock);
			p->idle--;
		}
		f = p->head;
		if (f == NULL) {
			p->running--;
			pthread_cond_broadcast(&p->room);
			pthread_mutex_unlock(&p->lock);
			break;
		}
		p->head = f->next;
		if (p->head == NULL)
			p->tail = NULL;
		/* the walk, when it waits for room, is woken at half a
		   queue: a wake-up (two context switches) per file was a
		   tenth of the time */
		if (--p->queued == QUEUED / 2 && p->full)
			pthread_cond_signal(&p->room);
		pthread_mutex_unlock(&p->lock);
		file_write(w, f);
	}
	gm_ctx_free(w->ctx);
	free(w->buf);
	free(w);
	return NULL;
}

static int pipe_start(struct ex *x)
{
	struct pipe *p = &x->pipe;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	/* (held for a few instructions: spun on before sleeping) */
	gm_mutex_init_adaptive(&p->lock);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->room, NULL);
	for (long i = 0; i < (cores < 1 ? 1 : cores) && i < MAX_WRITERS; i++) {
		struct wctx *w = calloc(1, sizeof(*w));

		if (w != NULL) {
			w->x = x;
			w->ctx = gm_ctx_new();
			w->buf = malloc(CHUNK);
		}
		if (w == NULL || w->ctx == NULL || w->buf == NULL
		    || pthread_create(&p->writer[p->writers], NULL, writer, w) != 0) {
			if (w != NULL) {
				gm_ctx_free(w->ctx);
				free(w->buf);
			}
			free(w);
			break;
		}
		p->writers++;
		p->running++;
	}
	return p->writers > 0 ? 0 : -GM_ERR_NOMEM;
}

/* Every file queued written, the writers gone; a writer's failure,
   reported. */
static int pipe_stop(struct ex *x)
{
	struct pipe *p = &x->pipe;

	pthread_mutex_lock(&p->lock);
	p->quit = true;
	pthread_cond_broadcast(&p->work);
	/* the last files written, with the progress line going on */
	while (p->running > 0) {
		struct timespec t;

		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 250000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p->room, &p->lock, &t);
		pthread_mutex_unlock(&p->lock);
		show_progress(x);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->writers; i++)
		pthread_join(p->writer[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->room);
	pthread_mutex_destroy(&p->lock);
	if (p->status != 0) {
		cli_progress_done(&x->progress);
		fprintf(stderr, "glassmaster: extract: %s\n", p->message);
	}
	return p->status;
}

/* A regular file made at d/name (open as fd) to the writers; 0, or the
   failure of a writer (the file is then removed). */
static int write_file(struct ex *x, uint32_t node, struct wdir *d, int fd,
		      const char *name, const char *path)
{
	struct pipe *p = &x->pipe;
	size_t nl = strlen(name) + 1;
	struct wfile *f = calloc(1, sizeof(*f) + nl);
	int status;

	if (f == NULL || (f->path = strdup(path)) == NULL) {
		free(f);
		close(fd);
		unlinkat(d->fd, name, 0);
		return cli_fail("extract", x->f->ctx, -GM_ERR_NOMEM);
	}
	memcpy(f->name, name, nl);
	f->fd = fd;
	f->node = node;
	f->known = fstat(fd, &f->now) == 0;
	if (f->known)
		remember_stat(x, &f->now);
	f->dir = d;
	__atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
	show_progress(x);
	pthread_mutex_lock(&p->lock);
	while (p->queued >= QUEUED && p->status == 0) {
		p->full = true;
		pthread_cond_wait(&p->room, &p->lock);
		p->full = false;
	}
	/* (queued even after a failure: a writer removes it) */
	if (p->tail != NULL)
		p->tail->next = f;
	else
		p->head = f;
	p->tail = f;
	p->queued++;
	status = p->status;
	if (p->idle > 0)
		pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return status;
}

static int extract_dir(struct ex *x, uint32_t dir, struct wdir *d, char *rel, size_t rl);

/* One entry into the directory d; rel[0..rl) is that directory's path
   below DIR ("" or "a/b/"). */
/* The names an entry is known by while it is made: kept off the stack,
   which holds a frame per directory level (1,024 at most). */
struct names {
	char path[8192];	/* in the image, for messages */
	char name[256];		/* on disk */
	char base[256];		/* on disk, before a ~N */
};

static int make_entry(struct ex *x, uint32_t node, struct wdir *d, char *rel, size_t rl,
		      struct names *nm);

static int extract_one(struct ex *x, uint32_t node, struct wdir *d, char *rel, size_t rl)
{
	struct names *nm = malloc(sizeof(*nm));
	int ret;

	if (nm == NULL)
		return cli_fail("extract", x->f->ctx, -GM_ERR_NOMEM);
	ret = make_entry(x, node, d, rel, rl, nm);
	free(nm);
	return ret;
}

static int make_entry(struct ex *x, uint32_t node, struct wdir *d, char *rel, size_t rl,
		      struct names *nm)
{
	int dfd = d->fd;
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
		struct wdir *sd;
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
		sd = wdir_new(sub, st);
		if (sd == NULL)
			return cli_fail("extract", x->f->ctx, -GM_ERR_NOMEM);
		ret = extract_dir(x, node, sd, rel, rl + strlen(name) + 1);
		if (ret != 0)
			sd->st = NULL;
		wdir_put(x, sd);
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
		ret = write_file(x, node, d, fd, name, path);
		if (ret != 0)
			return ret;
	}
	if ((gm_fs_stat(x->fs, canon)->nlink > 1 || canon != node) && x->first[canon] == NULL) {
		x->first[canon] = strdup(rel);
		if (x->first[canon] == NULL)
			return cli_fail("extract", x->f->ctx, -GM_ERR_NOMEM);
	}
	return 0;
}

static int extract_dir(struct ex *x, uint32_t dir, struct wdir *d, char *rel, size_t rl)
{
	for (uint32_t n = gm_fs_first(x->fs, dir); n != GM_FS_NONE; n = gm_fs_next(x->fs, n)) {
		int ret = extract_one(x, n, d, rel, rl);

		rel[rl] = '\0';
		if (ret == 0)
			ret = pipe_status(&x->pipe);
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
	struct ex x = { .f = &f, .root = -1, .say = PTHREAD_MUTEX_INITIALIZER };
	const char *dir = NULL, *image;
	char **paths;
	int npaths, c, status, mode = CLI_PROGRESS_AUTO;
	uint32_t *nodes = NULL;
	char *rel = NULL;
	struct rlimit rl;
	struct wdir root;
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
	rel = malloc(65536);
	if (nodes == NULL || x.first == NULL || rel == NULL) {
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
	root.fd = x.root;
	root.refs = 1;		/* (the walk's, kept: x.root is closed below) */
	status = pipe_start(&x);
	if (status != 0)
		status = cli_fail("extract", f.ctx, status);
	else if (npaths == 0) {
		rel[0] = '\0';
		status = extract_dir(&x, 0, &root, rel, 0);
	}
	for (int i = 0; i < npaths && status == 0; i++) {
		struct wdir *d;
		size_t len;
		int dfd;

		if (nodes[i] == 0) {
			rel[0] = '\0';
			status = extract_dir(&x, 0, &root, rel, 0);
			continue;
		}
		dfd = parents(&x, nodes[i], rel, &len);
		if (dfd < 0)
			continue;
		d = wdir_new(dfd, NULL);
		if (d == NULL) {
			status = cli_fail("extract", f.ctx, -GM_ERR_NOMEM);
			break;
		}
		status = extract_one(&x, nodes[i], d, rel, len);
		wdir_put(&x, d);
	}
	{
		int written = pipe_stop(&x);

		if (written != 0)
			status = written;
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
	.usage = "glassmaster extract IMAGE [PATH...] -C DIR [--fs TYPE] [--session N] [--parent FILE] "
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
	"  --parent FILE        a CHD's parent (default: the .chd beside it with\n"
	"                       the SHA-1 the CHD names); repeatable\n"
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
	"system or no PATH, 3 a write failed (the files being written are removed).\n",
};
