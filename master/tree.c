/*
 * tree.c - the tree scanner the mastering writers share: sources
 * (directories and DEST=SRC graft points) walked once with lstat (stat
 * when following symlinks), children sorted by name so that the image
 * does not depend on readdir order, exclusion and hiding by fnmatch(3)
 * pattern, sort weights from a file, hard links grouped by (dev, ino),
 * and times clamped to SOURCE_DATE_EPOCH for reproducible images.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image_private.h"
#include "master.h"
#include "master_private.h"
#include "banned.h"

#define MAX_PROBLEMS 3		/* named in the message; the rest counted */

struct inode_seen {
	uint64_t dev, ino;
	uint32_t group;
	struct gm_node *first;
};

struct scan {
	struct gm_ctx *ctx;
	const struct gm_tree_opts *opts;
	struct gm_tree *tree;
	struct inode_seen *inodes;	/* files with nlink > 1 */
	size_t ninodes, cap;
	char *from_text;		/* the exclude file, split into lines */
	char **from;
	size_t nfrom;
	char problems[GM_ERROR_MAX];
	unsigned nproblems;
	int first_code;
};

void gm_tree_opts_init(struct gm_tree_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->clamp = -1;
}

static void node_free(struct gm_node *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->nchildren; i++)
		node_free(n->children[i]);
	free(n->children);
	free(n->name);
	free(n->src);
	free(n->target);
	free(n);
}

void gm_tree_free(struct gm_tree *tree)
{
	if (tree == NULL)
		return;
	node_free(tree->root);
	free(tree);
}

char *gm_node_path(const struct gm_node *node)
{
	size_t len = 0;
	char *path, *p;

	for (const struct gm_node *n = node; n->parent != NULL; n = n->parent)
		len += strlen(n->name) + 1;
	path = malloc(len + 2);
	if (path == NULL)
		return NULL;
	p = path + len;
	*p = '\0';
	if (len == 0) {
		path[0] = '/';
		path[1] = '\0';
		return path;
	}
	for (const struct gm_node *n = node; n->parent != NULL; n = n->parent) {
		size_t l = strlen(n->name);

		p -= l;
		memcpy(p, n->name, l);
		*--p = '/';
	}
	return path;
}

static struct gm_node *child(const struct gm_node *dir, const char *name)
{
	size_t lo = 0, hi = dir->nchildren;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(dir->children[mid]->name, name);

		if (c == 0)
			return dir->children[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct gm_node *gm_tree_find(const struct gm_tree *tree, const char *path)
{
	struct gm_node *n = tree->root;
	char part[4096];

	while (n != NULL && *path != '\0') {
		const char *end;
		size_t len;

		while (*path == '/')
			path++;
		if (*path == '\0')
			break;
		end = strchr(path, '/');
		len = end != NULL ? (size_t)(end - path) : strlen(path);
		if (len >= sizeof(part))
			return NULL;
		memcpy(part, path, len);
		part[len] = '\0';
		n = child(n, part);
		path += len;
	}
	return n;
}

/* Insert c into dir keeping names sorted; an existing name is -EEXIST. */
static int add_child(struct gm_node *dir, struct gm_node *c)
{
	size_t lo = 0, hi = dir->nchildren;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = strcmp(dir->children[mid]->name, c->name);

		if (cmp == 0)
			return -EEXIST;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (dir->nchildren == dir->cap) {
		size_t cap = dir->cap ? dir->cap * 2 : 8;
		struct gm_node **grown = realloc(dir->children, cap * sizeof(*grown));

		if (grown == NULL)
			return -ENOMEM;
		dir->children = grown;
		dir->cap = cap;
	}
	memmove(dir->children + lo + 1, dir->children + lo,
		(dir->nchildren - lo) * sizeof(*dir->children));
	dir->children[lo] = c;
	dir->nchildren++;
	c->parent = dir;
	return 0;
}

/* Note a problem with a path; scanning goes on so that all are named. */
static void problem(struct scan *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct scan *s, int code, const char *fmt, ...)
{
	size_t len = strlen(s->problems);
	va_list ap;

	if (s->nproblems++ == 0)
		s->first_code = code;
	if (s->nproblems > MAX_PROBLEMS)
		return;
	if (len > 0 && len + 2 < sizeof(s->problems)) {
		memcpy(s->problems + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(s->problems + len, sizeof(s->problems) - len, fmt, ap);
	va_end(ap);
}

static void clamp_times(const struct scan *s, struct gm_node *n)
{
	if (s->opts->clamp < 0)
		return;
	if (n->mtime > s->opts->clamp)
		n->mtime = s->opts->clamp;
	n->atime = n->ctime = n->mtime;
}

static void set_attrs(const struct scan *s, struct gm_node *n, const struct stat *st)
{
	n->mode = (uint32_t)st->st_mode;
	n->uid = (uint32_t)st->st_uid;
	n->gid = (uint32_t)st->st_gid;
	n->mtime = (int64_t)st->st_mtim.tv_sec;
	n->atime = (int64_t)st->st_atim.tv_sec;
	n->ctime = (int64_t)st->st_ctim.tv_sec;
	n->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	n->dev = (uint64_t)st->st_dev;
	n->ino = (uint64_t)st->st_ino;
	n->rdev = (uint64_t)st->st_rdev;
	n->nlink = (uint32_t)st->st_nlink;
	clamp_times(s, n);
}

static bool match(const char *pattern, const char *name, const char *path)
{
	return fnmatch(pattern, strchr(pattern, '/') ? path : name, 0) == 0;
}

static bool matches(const char *const *patterns, size_t n, const char *name,
		    const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (match(patterns[i], name, path))
			return true;
	return false;
}

/* Excluded by a pattern given, or by a line of the exclude file? */
static bool excluded(const struct scan *s, const char *name, const char *path)
{
	if (matches(s->opts->exclude, s->opts->nexclude, name, path))
		return true;
	for (size_t i = 0; i < s->nfrom; i++)
		if (match(s->from[i], name, path))
			return true;
	return false;
}

static struct gm_node *node_new(const char *name, const char *src)
{
	struct gm_node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->name = gm_strdup(name);
	n->src = src != NULL ? gm_strdup(src) : NULL;
	if (n->name == NULL || (src != NULL && n->src == NULL)) {
		node_free(n);
		return NULL;
	}
	return n;
}

static int link_group(struct scan *s, struct gm_node *n)
{
	for (size_t i = 0; i < s->ninodes; i++)
		if (s->inodes[i].dev == n->dev && s->inodes[i].ino == n->ino) {
			n->link_group = s->inodes[i].group;
			return 1;
		}
	if (s->ninodes == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct inode_seen *grown = realloc(s->inodes, cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		s->inodes = grown;
		s->cap = cap;
	}
	n->link_group = ++s->tree->link_groups;
	s->inodes[s->ninodes++] = (struct inode_seen){ n->dev, n->ino, n->link_group, n };
	return 0;
}

static int scan_dir(struct scan *s, struct gm_node *dir, const char *src);

/* A file of size 0 that reads nothing: no data will be missing. */
static bool really_empty(const char *path)
{
	char byte;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return true;	/* the writer will say why it cannot read it */
	while ((n = read(fd, &byte, 1)) < 0 && errno == EINTR)
		;
	close(fd);
	return n <= 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is (dev, ino) a directory above dir: a symlink loop? */
static const struct gm_node *ancestor(const struct gm_node *dir, const struct stat *st)
{
	for (const struct gm_node *n = dir; n != NULL; n = n->parent)
		if (n->kind == GM_NODE_DIR && n->src != NULL && n->dev == (uint64_t)st->st_dev
		    && n->ino == (uint64_t)st->st_ino)
			return n;
	return NULL;
}

/*
 * Add the disk object src as name in dir (an existing directory of that
 * name is merged into).  Returns 0, or -1 when out of memory; problems
 * with the object are noted and skipped.
 */
static int add_path(struct scan *s, struct gm_node *dir, const char *name,
		    const char *src)
{
	struct stat st;
	struct gm_node *n, *old;
	char *path;
	int ret = 0;

	if ((s->opts->follow_symlinks ? stat(src, &st) : lstat(src, &st)) != 0) {
		if (s->opts->follow_symlinks && errno == ENOENT && lstat(src, &st) == 0)
			problem(s, GM_ERR_NOENT, "'%s' is a symlink to nothing", src);
		else
			problem(s, errno == ENOENT ? GM_ERR_NOENT : GM_ERR_IO,
				"cannot read '%s': %s", src, strerror(errno));
		return 0;
	}
	old = child(dir, name);
	if (old != NULL) {
		if (old->kind == GM_NODE_DIR && S_ISDIR(st.st_mode)) {
			if (old->src == NULL) {
				free(old->src);
				old->src = gm_strdup(src);
				set_attrs(s, old, &st);
			}
			return scan_dir(s, old, src);
		}
		path = gm_node_path(old);
		problem(s, GM_ERR_EXISTS, "'%s' comes from both '%s' and '%s'",
			path ? path : name, old->src ? old->src : "a graft point", src);
		free(path);
		return 0;
	}
	n = node_new(name, src);
	if (n == NULL)
		return -1;
	set_attrs(s, n, &st);
	if (add_child(dir, n) != 0) {
		node_free(n);
		return -1;
	}
	path = gm_node_path(n);
	if (path == NULL)
		return -1;
	if (excluded(s, name, path)) {
		/* excluded after all: take it out again */
		struct gm_node *p = n->parent;

		for (size_t i = 0; i < p->nchildren; i++)
			if (p->children[i] == n) {
				memmove(p->children + i, p->children + i + 1,
					(p->nchildren - i - 1) * sizeof(*p->children));
				p->nchildren--;
				break;
			}
		node_free(n);
		free(path);
		return 0;
	}
	if (matches(s->opts->hide, s->opts->nhide, name, path))
		n->hide |= GM_HIDE_ISO;
	if (matches(s->opts->hide_joliet, s->opts->nhide_joliet, name, path))
		n->hide |= GM_HIDE_JOLIET;
	free(path);
	if (S_ISDIR(st.st_mode)) {
		const struct gm_node *loop = ancestor(dir, &st);

		n->kind = GM_NODE_DIR;
		s->tree->dirs++;
		if (loop != NULL) {
			problem(s, GM_ERR_FORMAT, "symlink loop: '%s' leads back to '%s'",
				src, loop->src);
			return 0;
		}
		return scan_dir(s, n, src);
	}
	if (S_ISREG(st.st_mode)) {
		n->kind = GM_NODE_FILE;
		n->size = (uint64_t)st.st_size;
		s->tree->files++;
		if (access(src, R_OK) != 0) {
			problem(s, GM_ERR_IO, "cannot read '%s': %s", src, strerror(errno));
			return 0;
		}
		if (n->size == 0 && !really_empty(src)) {
			problem(s, GM_ERR_FORMAT, "'%s' says it is empty but has data (a "
				"file of /proc or /sys?): its size cannot be known before "
				"it is read", src);
			return 0;
		}
		if (n->nlink > 1) {
			ret = link_group(s, n);
			if (ret < 0)
				return -1;
			if (ret == 1)
				return 0;	/* its data is counted once */
		}
		s->tree->bytes += n->size;
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		char buf[4096];
		ssize_t len = readlink(src, buf, sizeof(buf) - 1);

		n->kind = GM_NODE_SYMLINK;
		s->tree->symlinks++;
		if (len < 0) {
			problem(s, GM_ERR_IO, "cannot read the symlink '%s': %s", src,
				strerror(errno));
			return 0;
		}
		buf[len] = '\0';
		n->target = gm_strdup(buf);
		return n->target == NULL ? -1 : 0;
	}
	n->kind = GM_NODE_SPECIAL;
	s->tree->specials++;
	return 0;
}

static int scan_dir(struct scan *s, struct gm_node *dir, const char *src)
{
	DIR *d = opendir(src);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;

	if (d == NULL) {
		problem(s, errno == ENOENT ? GM_ERR_NOENT : GM_ERR_IO,
			"cannot read the directory '%s': %s", src, strerror(errno));
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **grown;

			cap = cap ? cap * 2 : 32;
			grown = realloc(names, cap * sizeof(*names));
			if (grown == NULL) {
				ret = -1;
				break;
			}
			names = grown;
		}
		names[n] = gm_strdup(e->d_name);
		if (names[n] == NULL) {
			ret = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (ret == 0 && n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		if (ret == 0) {
			size_t l = strlen(src), m = strlen(names[i]);
			char *path = malloc(l + m + 2);

			if (path == NULL) {
				ret = -1;
			} else {
				memcpy(path, src, l);
				path[l] = '/';
				memcpy(path + l + 1, names[i], m + 1);
				ret = add_path(s, dir, names[i], path);
				free(path);
			}
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

/* The directory at image path dest (made as needed, "" is the root). */
static struct gm_node *make_dirs(struct scan *s, const char *dest, int64_t when)
{
	struct gm_node *dir = s->tree->root;
	char part[4096];

	while (*dest != '\0') {
		const char *end;
		size_t len;
		struct gm_node *c;

		while (*dest == '/')
			dest++;
		if (*dest == '\0')
			break;
		end = strchr(dest, '/');
		len = end != NULL ? (size_t)(end - dest) : strlen(dest);
		if (len >= sizeof(part))
			return NULL;
		memcpy(part, dest, len);
		part[len] = '\0';
		dest += len;
		c = child(dir, part);
		if (c == NULL) {
			c = node_new(part, NULL);
			if (c == NULL || add_child(dir, c) != 0) {
				node_free(c);
				return NULL;
			}
			c->kind = GM_NODE_DIR;
			c->mode = 040755;
			c->uid = s->tree->root->uid;
			c->gid = s->tree->root->gid;
			c->mtime = c->atime = c->ctime = when;
			c->nlink = 2;
			s->tree->dirs++;
		} else if (c->kind != GM_NODE_DIR) {
			problem(s, GM_ERR_EXISTS, "graft point: '%s' is a file in the "
				"image, not a directory", part);
			return NULL;
		}
		dir = c;
	}
	return dir;
}

/* Split "DEST=SRC" ("\=" a literal '='); NULL dest for a plain source. */
static int split_graft(const char *arg, char **dest, char **src)
{
	size_t len = strlen(arg), d = 0;
	char *out = malloc(len + 1);
	const char *eq = NULL;

	*dest = *src = NULL;
	if (out == NULL)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (arg[i] == '\\' && arg[i + 1] == '=' && eq == NULL) {
			out[d++] = '=';
			i++;
		} else if (arg[i] == '=' && eq == NULL) {
			eq = arg + i;
			out[d] = '\0';
			*dest = out;
			*src = gm_strdup(arg + i + 1);
			return *src == NULL ? -1 : 0;
		} else {
			out[d++] = arg[i];
		}
	}
	out[d] = '\0';
	*src = out;
	return 0;
}

static int read_sort_file(struct scan *s)
{
	char *text = NULL;
	size_t len = 0;
	unsigned line = 0;
	int ret = gm_read_text(s->ctx, s->opts->sort_file, "sort file", &text, &len);

	if (ret != 0)
		return ret;
	for (char *p = text, *next; p != NULL && *p != '\0'; p = next) {
		char *end, *sp;
		long long w;
		struct gm_node *n;

		next = strchr(p, '\n');
		if (next != NULL)
			*next++ = '\0';
		line++;
		end = p + strlen(p);
		while (end > p && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		sp = strrchr(p, ' ');
		if (sp == NULL)
			sp = strrchr(p, '\t');
		if (sp == NULL) {
			ret = gm_error_set(s->ctx, GM_ERR_FORMAT, "sort file '%s' line %u: "
					   "not 'IMAGE-PATH WEIGHT'", s->opts->sort_file, line);
			break;
		}
		*sp = '\0';
		errno = 0;
		w = strtoll(sp + 1, &end, 10);
		if (errno != 0 || *end != '\0' || end == sp + 1 || w < -2147483647LL
		    || w > 2147483647LL) {
			ret = gm_error_set(s->ctx, GM_ERR_FORMAT, "sort file '%s' line %u: "
					   "the weight '%s' is not a 32-bit number",
					   s->opts->sort_file, line, sp + 1);
			break;
		}
		while (sp > p && (sp[-1] == ' ' || sp[-1] == '\t'))
			*--sp = '\0';
		n = gm_tree_find(s->tree, p);
		if (n == NULL) {
			ret = gm_error_set(s->ctx, GM_ERR_NOENT, "sort file '%s' line %u: "
					   "'%s' is not in the image", s->opts->sort_file,
					   line, p);
			break;
		}
		n->sort_weight = (int32_t)w;
	}
	free(text);
	return ret;
}

static int read_exclude_file(struct scan *s)
{
	size_t len = 0;
	char *p, *next;
	int ret = gm_read_text(s->ctx, s->opts->exclude_from, "exclude file",
			       &s->from_text, &len);

	if (ret != 0)
		return ret;
	for (p = s->from_text; *p != '\0'; p = next) {
		char *end, **grown;

		next = strchr(p, '\n');
		if (next != NULL)
			*next++ = '\0';
		else
			next = p + strlen(p);
		end = p + strlen(p);
		while (end > p && end[-1] == '\r')
			*--end = '\0';
		if (*p == '\0')
			continue;
		grown = realloc(s->from, (s->nfrom + 1) * sizeof(*grown));
		if (grown == NULL)
			return gm_error_set(s->ctx, GM_ERR_NOMEM, NULL);
		s->from = grown;
		s->from[s->nfrom++] = p;
	}
	return 0;
}

int gm_tree_scan(struct gm_ctx *ctx, const char *const *sources, size_t nsources,
		 const struct gm_tree_opts *opts, struct gm_tree **out)
{
	struct scan s;
	struct stat st;
	int ret = 0;
	bool root_set = false;

	*out = NULL;
	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.opts = opts;
	s.tree = calloc(1, sizeof(*s.tree));
	if (s.tree == NULL || (s.tree->root = node_new("", NULL)) == NULL) {
		gm_tree_free(s.tree);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	s.tree->root->kind = GM_NODE_DIR;
	s.tree->root->mode = 040755;
	s.tree->root->nlink = 2;
	s.tree->root->mtime = s.tree->root->atime = s.tree->root->ctime =
		opts->clamp >= 0 ? opts->clamp : (int64_t)time(NULL);
	s.tree->root->uid = (uint32_t)getuid();
	s.tree->root->gid = (uint32_t)getgid();
	s.tree->dirs = 1;
	if (opts->exclude_from != NULL && (ret = read_exclude_file(&s)) != 0) {
		free(s.from);
		free(s.from_text);
		gm_tree_free(s.tree);
		return ret;
	}
	for (size_t i = 0; i < nsources && ret == 0; i++) {
		char *dest, *src;

		if (split_graft(sources[i], &dest, &src) != 0) {
			ret = -1;
			break;
		}
		if (*src == '\0') {
			problem(&s, GM_ERR_USAGE, "'%s': no source after '='", sources[i]);
		} else if (stat(src, &st) != 0) {
			problem(&s, errno == ENOENT ? GM_ERR_NOENT : GM_ERR_IO,
				"cannot read '%s': %s", src, strerror(errno));
		} else if (dest == NULL && !S_ISDIR(st.st_mode)) {
			problem(&s, GM_ERR_USAGE, "'%s' is not a directory: give a file as "
				"a graft point, IMAGE-PATH=%s", src, src);
		} else if (dest == NULL) {
			/* the first directory source gives the root its attributes */
			if (!root_set) {
				set_attrs(&s, s.tree->root, &st);
				s.tree->root->src = gm_strdup(src);
				root_set = true;
			}
			ret = scan_dir(&s, s.tree->root, src);
		} else {
			char *slash = strrchr(dest, '/');
			const char *leaf = slash != NULL ? slash + 1 : dest;
			struct gm_node *dir;

			if (slash != NULL)
				*slash = '\0';
			dir = make_dirs(&s, slash != NULL ? dest : "", s.tree->root->mtime);
			if (dir == NULL && s.nproblems == 0)
				ret = -1;
			else if (dir != NULL && *leaf == '\0')
				ret = S_ISDIR(st.st_mode) ? scan_dir(&s, dir, src)
					: (problem(&s, GM_ERR_USAGE, "graft point '%s' names a "
						   "directory for the file '%s'", sources[i], src), 0);
			else if (dir != NULL)
				ret = add_path(&s, dir, leaf, src);
		}
		free(dest);
		free(src);
	}
	free(s.inodes);
	free(s.from);
	free(s.from_text);
	if (ret != 0) {
		gm_tree_free(s.tree);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	if (s.nproblems > 0) {
		gm_tree_free(s.tree);
		if (s.nproblems > MAX_PROBLEMS)
			return gm_error_set(ctx, (enum gm_err)s.first_code, "%s; and %u more "
					    "problems", s.problems, s.nproblems - MAX_PROBLEMS);
		return gm_error_set(ctx, (enum gm_err)s.first_code, "%s", s.problems);
	}
	if (opts->sort_file != NULL && (ret = read_sort_file(&s)) != 0) {
		gm_tree_free(s.tree);
		return ret;
	}
	*out = s.tree;
	return 0;
}

void gm_notes_add(char ***notes, size_t *count, size_t max, const char *fmt, ...)
{
	char text[1024], **grown;
	va_list ap;

	if (*count >= max)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	grown = realloc(*notes, (*count + 1) * sizeof(*grown));
	if (grown == NULL)
		return;
	*notes = grown;
	grown[*count] = gm_strdup(text);
	if (grown[*count] != NULL)
		(*count)++;
}

void gm_notes_free(char ***notes, size_t *count)
{
	for (size_t i = 0; i < *count; i++)
		free((*notes)[i]);
	free(*notes);
	*notes = NULL;
	*count = 0;
}
