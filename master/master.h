/*
 * master.h - mastering images from directories: the tree scanner that the
 * ISO 9660 writer (libisofs) and the UDF writer share, and the ISO 9660
 * writer itself.
 *
 * The scanner walks the sources once (lstat, or stat with
 * follow_symlinks), applies exclusions, hiding and sort weights, groups
 * hard links, clamps times for reproducible output, and records for each
 * regular file the size and mtime that the writers then hold it to: a file
 * that changes while it is written fails the image.
 */
#ifndef GM_MASTER_H
#define GM_MASTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* ---------------------------------------------------------------------
 * The tree
 */

enum gm_node_kind { GM_NODE_DIR, GM_NODE_FILE, GM_NODE_SYMLINK, GM_NODE_SPECIAL };

#define GM_HIDE_ISO 1u		/* hidden from ISO 9660 and Rock Ridge */
#define GM_HIDE_JOLIET 2u	/* hidden from Joliet */

struct gm_node {
	char *name;		/* leaf name in the image; "" for the root */
	char *src;		/* path on disk; NULL for a directory a graft
				   point made */
	enum gm_node_kind kind;
	uint32_t mode;		/* st_mode: type and permission bits */
	uint32_t uid, gid;
	uint64_t size;		/* regular files: bytes, as scanned */
	int64_t mtime, atime, ctime;	/* seconds (clamped when asked) */
	int64_t mtime_ns;	/* the source's own mtime in ns, for change checks */
	uint64_t dev, ino, rdev;
	uint32_t nlink;
	char *target;		/* symlinks: the target, as read */
	uint32_t link_group;	/* files sharing an inode: 1..n; 0 none */
	int32_t sort_weight;	/* higher: earlier in the image */
	unsigned hide;		/* GM_HIDE_* */
	struct gm_node *parent;
	struct gm_node **children;	/* sorted by name (bytes) */
	size_t nchildren, cap;
};

struct gm_tree_opts {
	bool follow_symlinks;
	const char *const *exclude;	/* fnmatch patterns: leaf name, or image */
	size_t nexclude;		/* path when the pattern has a '/' */
	const char *exclude_from;	/* a file of such patterns, one a line */
	const char *const *hide;	/* hidden from ISO 9660/Rock Ridge */
	size_t nhide;
	const char *const *hide_joliet;
	size_t nhide_joliet;
	const char *sort_file;	/* lines "IMAGE-PATH WEIGHT" */
	int64_t clamp;		/* times clamped to it (and atime = ctime =
				   mtime) when >= 0: SOURCE_DATE_EPOCH */
};

struct gm_tree {
	struct gm_node *root;
	uint64_t files, dirs, symlinks, specials;
	uint64_t bytes;		/* regular file data, each inode once */
	uint32_t link_groups;
};

/* Options with their defaults (no patterns, clamp -1). */
void gm_tree_opts_init(struct gm_tree_opts *opts);

/*
 * Scan the sources into a tree.  Each source is a directory whose
 * contents become the root, or a graft point "DEST=SRC" placing the file
 * or directory SRC at image path DEST (parents made as needed; "\=" is a
 * literal '=').  Unreadable files and directories, symlink loops (with
 * follow_symlinks) and two sources claiming one image path are errors
 * naming the paths.  *out is gm_tree_free()'d by the caller.
 */
int gm_tree_scan(struct gm_ctx *ctx, const char *const *sources, size_t nsources,
		 const struct gm_tree_opts *opts, struct gm_tree **out);

void gm_tree_free(struct gm_tree *tree);

/* The image path of node ("/a/b"), malloc'd; NULL when out of memory. */
char *gm_node_path(const struct gm_node *node);

/* The node at image path, or NULL. */
struct gm_node *gm_tree_find(const struct gm_tree *tree, const char *path);

/* ---------------------------------------------------------------------
 * ISO 9660 through libisofs
 */

/* How far the writing is. */
struct gm_master_progress {
	uint64_t bytes, total_bytes;	/* of the image */
	uint64_t files, total_files;	/* regular files opened */
};

/* An El Torito entry as the mkisofs front end describes it. */
enum gm_boot_emul { GM_BOOT_NO_EMUL, GM_BOOT_FLOPPY, GM_BOOT_HARD_DISK };
struct gm_boot_image {
	const char *path;	/* image path of the boot file */
	uint8_t platform;	/* 0x00 x86 BIOS, 0xef EFI */
	enum gm_boot_emul emul;
	int load_size;		/* 512-byte sectors to load; 0: the whole file */
	int isolinux;		/* el_torito_set_isolinux_options() bits: 1 boot
				   info table, 2 isohybrid, 1 << 2 GPT Basic
				   Data, 1 << 9 GRUB2 boot info */
};

/* A partition appended after the image (mkisofs -append_partition). */
struct gm_append_part {
	uint8_t type;		/* MBR type */
	const char *file;	/* NULL: none */
};

struct gm_iso_opts {
	const char *volume_id, *publisher, *preparer, *application, *system_id;
	const char *volume_set;	/* NULL: the volume id */
	bool rock, joliet, iso1999;
	int level;		/* 1, 2 or 3 */
	const char *boot;	/* image path of an El Torito BIOS boot image */
	const char *boot_catalog;	/* image path; NULL: boot.cat beside it */
	const char *efi_boot;	/* image path of an EFI FAT image */
	const char *hybrid_mbr;	/* disk path of an isohybrid MBR template */
	bool md5;		/* libisofs MD5 tags */
	/* zisofs: regular files of zisofs_min bytes and more, not matching
	   an exclusion (fnmatch: the leaf name, or the image path when the
	   pattern has a '/'), are compressed when that saves blocks (zisofs2
	   for files of 4 GiB and more); files that already carry zisofs
	   headers (mkzftree's) are marked as such instead */
	bool zisofs;
	uint64_t zisofs_min;
	const char *const *zisofs_exclude;
	size_t nzisofs_exclude;
	/* the mkisofs front end's boot set-up, used instead of boot, efi_boot
	   and hybrid_mbr when nboots or system_area or system_area_options
	   is set */
	const struct gm_boot_image *boots;	/* in catalog order */
	size_t nboots;
	bool catalog_hidden;	/* the catalog in no directory tree */
	const char *system_area;	/* a file of up to 32 KiB */
	int system_area_options;	/* iso_write_opts_set_system_area()'s */
	const char *efi_boot_part;	/* "--efi-boot-image" or a FAT image file:
					   a GPT partition of type EFI System */
	uint32_t part_offset;	/* 2048-byte blocks: 0, or 16 and more */
	struct gm_append_part append[4];	/* MBR partitions 1-4 after it */
	bool append_as_gpt;	/* those in a GPT, not the MBR */
	const char *vol_uuid;	/* 16 digits YYYYMMDDhhmmsscc: the volume
				   dates as given (GRUB's --fs-uuid) */
	uint32_t tail_blocks;	/* zero blocks after the image (-pad: 150) */
	/* HFS+ beside ISO 9660 (libisofs), with an Apple partition map of
	   apm_block_size (512 or 2048; 0: libisofs's choice) */
	bool hfsplus;
	int apm_block_size;
	const struct gm_hfs_creator {
		char creator[4], type[4];
		const char *path;	/* image path */
	} *hfs_creators;
	size_t nhfs_creators;
	const struct gm_hfs_bless {
		char kind;		/* p, i, s, 9 or x, as xorriso's */
		const char *path;
	} *hfs_blesses;
	size_t nhfs_blesses;
	bool size_only;		/* lay the image out: report->size, no file */
	/* a session appended to the image append_from (its newest session
	   starting at append_last): the tree is that session's, with the
	   sources merged in (a file replaces a file of its path, a directory
	   merges into one) and the image paths in removes taken out.  The
	   session is laid out for sector append_next (0: the old image's end,
	   rounded up to 32); written alone with session_only (mkisofs -M -C,
	   for a disc), else after a copy of the old image with the new volume
	   descriptors also at sector 16 (a grown image: readers mount the
	   newest session). */
	const char *append_from;
	uint32_t append_last, append_next;
	bool session_only;
	const char *const *removes;
	size_t nremoves;
	const struct gm_udf_opts *udf;	/* a bridge: UDF beside ISO 9660 */
	const struct gm_node *const *pads;	/* 16 sectors of zeros right */
	size_t npads;			/* before each of these files */
	int64_t date;		/* volume dates, GUIDs: SOURCE_DATE_EPOCH; -1 now */
	bool force;		/* replace an existing image */
	bool sync;		/* fsync the image before naming it */
	void (*progress)(void *arg, const struct gm_master_progress *p);
	void *arg;
	volatile int *stop;	/* polled between blocks */
};

struct gm_iso_report {
	uint64_t size;		/* bytes of the image */
	char **notes;		/* names mapped in a tree, things worth saying */
	size_t nnotes;
};

void gm_iso_opts_init(struct gm_iso_opts *opts);

/*
 * Write tree as an ISO 9660 image to out, through a temporary beside it
 * that is renamed on success (nothing is left at out on failure).  A file
 * whose size or mtime differs from the scan's, when it is opened, while it
 * is read or after the image is written, fails the image naming it.
 * With opts->udf the image is also a UDF volume (a bridge) of that
 * revision: UDF's structures come first, the ISO 9660 session after them,
 * and both file systems reach each file's one copy of its data (files
 * hidden from ISO 9660 are left out of UDF too; no booting, no MD5 tags).
 * report->notes are released with gm_iso_report_release().
 */
int gm_iso_write(struct gm_ctx *ctx, const struct gm_tree *tree,
		 const struct gm_iso_opts *opts, const char *out,
		 struct gm_iso_report *report);

void gm_iso_report_release(struct gm_iso_report *report);

/* ---------------------------------------------------------------------
 * UDF (ECMA-167 3rd edition, OSTA UDF), our own writer
 */

struct gm_udf_opts {
	const char *volume_id;	/* logical volume and file set identifier */
	unsigned revision;	/* UDF revision, BCD: 0x0102, 0x0201 (the
				   default), 0x0250 or 0x0260 */
	int64_t date;		/* recording dates, volume set id, from
				   SOURCE_DATE_EPOCH; -1 now */
	bool force;		/* replace an existing image */
	bool sync;		/* fsync the image before naming it */
	uint32_t extent_max;	/* bytes in a file's extent: 0 for UDF's most
				   (2^30 - 2048); smaller (a multiple of 2048)
				   only for tests of allocation extents */
	bool no_embed_dirs;	/* every directory's FIDs in blocks of their
				   own (DVD-Video: players read no embedded
				   data); by default a directory whose FIDs
				   fit in its File Entry keeps them there */
	bool keep_symlinks;	/* write symlinks as symlinks (File Entries
				   of type 12); false (the default) leaves
				   them out with a note: 7-Zip refuses a
				   whole UDF image that holds one */
	void (*progress)(void *arg, const struct gm_master_progress *p);
	void *arg;
	volatile int *stop;	/* polled between blocks */
};

struct gm_udf_report {
	uint64_t size;		/* bytes of the image */
	uint64_t files, dirs;	/* as the integrity descriptor counts them */
	char **notes;		/* things skipped or changed, worth saying */
	size_t nnotes;
};

void gm_udf_opts_init(struct gm_udf_opts *opts);

/*
 * Write tree as a UDF image (one type 1 partition, from 2.50 on a
 * metadata partition too; no ISO 9660) to out,
 * through a temporary beside it that is renamed on success.  Files are
 * held to the scan's size and mtime as gm_iso_write() holds them.
 * Regular files, directories, symlinks, hard links, FIFOs, sockets and
 * device nodes are kept with their modes, owners and times.
 * report->notes are released with gm_udf_report_release().
 */
int gm_udf_write(struct gm_ctx *ctx, const struct gm_tree *tree,
		 const struct gm_udf_opts *opts, const char *out,
		 struct gm_udf_report *report);

void gm_udf_report_release(struct gm_udf_report *report);

/* ---------------------------------------------------------------------
 * Profiles: the layout rules of DVD-Video and BD (profile.c)
 */

/*
 * Check a tree against the DVD-Video rules (a VIDEO_TS directory of
 * VIDEO_TS.IFO/VOB/BUP and VTS_nn_0.IFO, VTS_nn_m.VOB, VTS_nn_0.BUP, whole
 * sectors, at most 2^30 - 2048 bytes each, every IFO with a BUP of its
 * size); a broken rule is a GM_ERR_INVALID naming it.  On success the
 * VIDEO_TS files carry sort weights that put their data first, in reading
 * order, and *pads (malloc'd, *npads of them, maybe none) lists the BUPs
 * that need 16 sectors of zeros before them (gm_iso_opts.pads) to stay
 * out of their IFO's ECC block.
 */
int gm_dvd_video_prepare(struct gm_ctx *ctx, struct gm_tree *tree,
			 const struct gm_node ***pads, size_t *npads);

/* Check that a tree is a BD one: BDMV/index.bdmv and
   BDMV/MovieObject.bdmv are there (GM_ERR_INVALID naming what is not). */
int gm_bdmv_check(struct gm_ctx *ctx, const struct gm_tree *tree);

#endif
