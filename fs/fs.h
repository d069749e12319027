/*
 * fs.h - the files of a disc: one reader of ISO 9660 (levels 1-3,
 * multi-extent files, ISO 9660:1999; ECMA-119), its Rock Ridge (RRIP
 * 1.10/1.12 over SUSP 1.12, zisofs ZF), Joliet trees and El Torito boot
 * catalogues, and of UDF 1.02-2.60 (ECMA-167 parts 3 and 4, OSTA UDF),
 * working on any open sector source: an image of any format, a drive, a
 * partial rip with its map.  `ls`, `extract`, `mount`, verify's naming of
 * bad sectors and the rescue engine's file-system order all read through
 * it.
 *
 * The whole tree is read when the file system is opened (directories only,
 * never file data) into arrays of nodes: a node is a directory entry,
 * node 0 the root.  Everything read from the image is distrusted: every
 * length, location and count is bounded before use; directory loops,
 * extents beyond the volume, continuation chains that loop, names that
 * cannot be names are reported through the warning callback with the path
 * they concern and the node is marked damaged, never followed into a loop
 * or a crash.
 */
#ifndef GM_FS_H
#define GM_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "image.h"

/* Which tree to read. */
enum gm_fs_type {
	GM_FS_AUTO,		/* udf, else rockridge, else joliet, else iso9660 */
	GM_FS_UDF,
	GM_FS_ROCKRIDGE,	/* the primary ISO 9660 tree with Rock Ridge */
	GM_FS_JOLIET,
	GM_FS_ISO9660		/* the primary tree, Rock Ridge ignored */
};

#define GM_FS_NONE UINT32_MAX	/* no node */

/* An extent of a file's data, in file order. */
struct gm_fs_extent {
	uint64_t lba;		/* absolute sector (unused for holes) */
	uint64_t bytes;		/* bytes of the file in it */
	uint32_t flags;
};
#define GM_FS_EXT_HOLE 1u	/* not recorded: reads as zeros */
#define GM_FS_EXT_EMBEDDED 2u	/* data inside the file entry (UDF) */

/* What stat(2) would say of an entry. */
struct gm_fs_stat {
	uint64_t ino;		/* hard links share it; the root's is 1 */
	uint32_t mode;		/* st_mode, type bits included */
	uint32_t nlink, uid, gid;
	uint64_t size;		/* bytes (uncompressed for zisofs) */
	uint32_t rdev_major, rdev_minor;
	struct timespec mtime, atime, ctime;
	uint32_t flags;
};
#define GM_FS_DAMAGED 1u	/* something of it could not be read */
#define GM_FS_ZISOFS 2u		/* stored zisofs-compressed (RRIP ZF) */
#define GM_FS_VIRTUAL 4u	/* not in the tree: an El Torito image */

/* A warning: what is wrong, about the entry at path ("/" for the
   volume). */
typedef void (*gm_fs_warn_fn)(void *arg, const char *path, const char *msg);

/* Whether sector lba is to be taken as unreadable (a rip's map). */
typedef bool (*gm_fs_bad_fn)(void *arg, uint64_t lba);

struct gm_fs_opts {
	enum gm_fs_type type;
	unsigned session;	/* 1..: that session's ISO 9660 volume; 0: the last */
	gm_fs_warn_fn warn;	/* NULL: warnings are only counted */
	void *warn_arg;
	gm_fs_bad_fn bad;	/* NULL: what the source reads good is good */
	void *bad_arg;
	bool volume_only;	/* the volume descriptors only (the label): the
				   tree is the root alone */
};

struct gm_fs;

/*
 * Read the file system of src (which stays the caller's and must outlive
 * the result) as opts says.  Returns 0 with *out set, -GM_ERR_FORMAT when
 * the tree asked for (or any, for auto) is not there, -GM_ERR_NOMEM, or
 * the source's error.  Damage below the root is warned about, not failed.
 */
int gm_fs_open(struct gm_ctx *ctx, struct gm_source *src,
	       const struct gm_fs_opts *opts, struct gm_fs **out);

/* Free what gm_fs_open() made; NULL is accepted. */
void gm_fs_free(struct gm_fs *fs);

/* The tree read, and its name ("udf", "rockridge", "joliet", "iso9660"). */
enum gm_fs_type gm_fs_kind(const struct gm_fs *fs);
const char *gm_fs_type_name(enum gm_fs_type type);

/* The type a name gives (as above), or -1. */
int gm_fs_type_parse(const char *name);

/* The volume's label (UDF logical volume or ISO 9660 volume id). */
const char *gm_fs_label(const struct gm_fs *fs);

/* Warnings given while reading the tree. */
unsigned gm_fs_warnings(const struct gm_fs *fs);

/* The number of nodes (node 0 is the root). */
uint32_t gm_fs_count(const struct gm_fs *fs);

/* A directory's first entry, the entry after node, an entry's directory
   (the root's is itself): GM_FS_NONE when there is none. */
uint32_t gm_fs_first(const struct gm_fs *fs, uint32_t dir);
uint32_t gm_fs_next(const struct gm_fs *fs, uint32_t node);
uint32_t gm_fs_parent(const struct gm_fs *fs, uint32_t node);

/* The entry called name in dir (the first of that name), or GM_FS_NONE
   (also when the name index cannot be made: no memory).  The index is
   made at the first call. */
uint32_t gm_fs_child(const struct gm_fs *fs, uint32_t dir, const char *name);

/* The node at path ("/a/b", "a/b", "/"; "." and empty components are
   skipped, ".." is not followed), or GM_FS_NONE. */
uint32_t gm_fs_lookup(const struct gm_fs *fs, const char *path);

/* An entry's name as read (UTF-8; may hold what is no file name: "/",
   "..", nothing - extract decides), its attributes, a symlink's target
   (NULL for others). */
const char *gm_fs_name(const struct gm_fs *fs, uint32_t node);
const struct gm_fs_stat *gm_fs_stat(const struct gm_fs *fs, uint32_t node);
const char *gm_fs_link(const struct gm_fs *fs, uint32_t node);

/* The node whose data and inode a hard link shares (itself if none). */
uint32_t gm_fs_canonical(const struct gm_fs *fs, uint32_t node);

/* An entry's data extents as stored (compressed for zisofs); the count. */
size_t gm_fs_extents(const struct gm_fs *fs, uint32_t node,
		     const struct gm_fs_extent **ext);

/* An entry's path from the root ("/" for the root) into buf; the length
   it needs (truncated like snprintf when larger than size). */
size_t gm_fs_path(const struct gm_fs *fs, uint32_t node, char *buf, size_t size);

/*
 * Read len bytes of node's data from offset off into buf (zisofs
 * decompressed); reading past the size gives fewer bytes.  Sectors that
 * do not read (or that opts.bad names) give zeros and are counted in
 * *bad (may be NULL).  Returns the bytes read, or a negative code.
 * Serialised: callers on several threads may share one gm_fs.
 */
int64_t gm_fs_read(struct gm_ctx *ctx, struct gm_fs *fs, uint32_t node, uint64_t off,
		   void *buf, size_t len, uint64_t *bad);

/*
 * Every sector the file system uses (its descriptors, directories, file
 * data, the anchors), in runs, by fn(arg, first, count, node) where node
 * is the entry a run belongs to or GM_FS_NONE for the structures.  Stops
 * at fn's nonzero and returns it.
 */
typedef int (*gm_fs_run_fn)(void *arg, uint64_t first, uint64_t count, uint32_t node);
int gm_fs_runs(const struct gm_fs *fs, gm_fs_run_fn fn, void *arg);

#endif
