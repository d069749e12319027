/*
 * fs_private.h - what the file-system reader's files share: the node
 * arrays a tree is read into, the sector reads, the bounds.  Not
 * installed.
 */
#ifndef GM_FS_PRIVATE_H
#define GM_FS_PRIVATE_H

#include <pthread.h>

#include "fs.h"

#define FS_B 2048u
#define FS_MAX_NODES 4000000u		/* entries in one tree */
#define FS_MAX_DEPTH 1024u		/* directories deep */
#define FS_MAX_DIR (64u << 20)		/* bytes of one directory */
#define FS_MAX_LINK 4096u		/* bytes of a symlink's target */
#define FS_MAX_NAME 1024u		/* bytes of a name (UTF-8) */
#define FS_MAX_EXTENTS (16u << 20)	/* extents in one tree */
#define FS_MAX_WARNINGS 1000u		/* shown (all are counted) */
#define FS_NO_STR UINT32_MAX

struct fs_node {
	uint32_t parent, child, next, tail;
	uint32_t name;			/* offset in fs->pool */
	uint32_t link;			/* offset in fs->pool, or FS_NO_STR */
	uint32_t ext, next_count;	/* extents: fs->ext[ext .. ext + next_count) */
	uint32_t canon;			/* the node a hard link shares, or itself */
	uint32_t depth;
	uint8_t zlog;			/* zisofs: log2 of the block size (15-17) */
	bool zv2;			/* zisofs2 (64-bit sizes and pointers) */
	uint64_t key;			/* identity of hard links (0: none) */
	uint64_t entry;			/* the sector of its UDF File Entry + 1 (0: none) */
	struct gm_fs_stat st;
};

struct fs_run {
	uint64_t first, count;
};

struct gm_fs {
	struct gm_ctx *ctx;
	struct gm_source *src;
	struct gm_fs_opts opts;
	enum gm_fs_type kind;
	char label[512];		/* 127 CS0 bytes of Latin-1 are 254 of UTF-8 */
	uint64_t end;			/* sectors of the source (its lead-out) */
	uint64_t session;		/* first sector of the session read */

	struct fs_node *node;
	uint32_t nnodes, cap_nodes;
	char *pool;			/* names, link targets and embedded data */
	size_t npool, cap_pool;
	struct gm_fs_extent *ext;
	size_t next, cap_ext;
	struct fs_run *meta;		/* structure sectors read */
	size_t nmeta, cap_meta;
	unsigned warnings;
	int err;			/* the code fs_node_add() or fs_pool_add() failed with */

	uint32_t *index;		/* (parent, name) hash of nodes, for lookups */
	size_t index_cap;

	pthread_mutex_t lock;		/* gm_fs_read: the source, the buffers */
	uint8_t *buf;			/* FS_BUF sectors */
	uint8_t *ra;			/* structure sectors read ahead */
	uint64_t ra_first;
	uint32_t ra_count;
	bool ra_off;			/* (after a window did not read whole) */
	uint8_t *zblock;		/* the zisofs block last decompressed */
	uint32_t znode;			/* whose, or GM_FS_NONE */
	uint64_t zindex;
	size_t zsize;
};

#define FS_BUF 256u			/* sectors gm_fs_read() reads at once */
#define FS_RA 32u			/* sectors a structure read reads ahead */

/* A warning about node (GM_FS_NONE: the volume), which is marked damaged. */
void fs_warn(struct gm_fs *fs, uint32_t node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sectors lba.. into buf (count * 2048 bytes); the number of them that did
   not read (zeros in buf), or a negative code.  Recorded as structure when
   meta. */
int64_t fs_sectors(struct gm_fs *fs, uint64_t lba, uint32_t count, uint8_t *buf, bool meta);

/* A new node in dir (GM_FS_NONE for the root) named name[0..len); its
   index, or GM_FS_NONE with the error set (too many, no memory). */
uint32_t fs_node_add(struct gm_fs *fs, uint32_t dir, const char *name, size_t len);

/* Bytes into the pool; their offset, or FS_NO_STR with the error set. */
uint32_t fs_pool_add(struct gm_fs *fs, const void *data, size_t len, bool nul);

/* An extent appended to node's (which must be the last node given
   extents); 0 or -GM_ERR_NOMEM. */
int fs_ext_add(struct gm_fs *fs, uint32_t node, uint64_t lba, uint64_t bytes,
	       uint32_t flags);

/* Seconds since the epoch of a civil date and time (UTC). */
int64_t fs_epoch(int64_t year, unsigned month, unsigned day, unsigned hour,
		 unsigned minute, unsigned second);

/* UTF-16 big-endian (UCS-2 of Joliet, OSTA CS0 16-bit) or Latin-1 to
   UTF-8 in out (size >= 4 * len + 1); its length.  NUL becomes a NUL
   byte (extract refuses such names). */
size_t fs_utf16be(const uint8_t *s, size_t len, char *out);
size_t fs_latin1(const uint8_t *s, size_t len, char *out);

/* The trees (iso9660.c, udf.c): 0, -GM_ERR_FORMAT when absent, or an
   error.  iso9660 probes with kind GM_FS_AUTO: the best ISO tree. */
int fs_udf_read(struct gm_fs *fs);
bool fs_udf_present(struct gm_fs *fs);
int fs_iso_read(struct gm_fs *fs, enum gm_fs_type kind);

#endif
