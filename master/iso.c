/*
 * iso.c - ISO 9660 images (ECMA-119, with Rock Ridge, Joliet, ISO
 * 9660:1999, El Torito, isohybrid MBR/GPT and MD5 tags) written by
 * libisofs from a scanned tree (tree.c).
 *
 * Regular files are given to libisofs as our own streams, so that a file
 * is held to the size the scan recorded: a different size when it is
 * opened, an end of file too early, or one byte more once the size is
 * reached fails the write (libisofs itself pads or cuts silently), and
 * after the write every file's size and mtime are checked once more.
 * Messages of MISHAP severity and above abort libisofs's writer.  With
 * SOURCE_DATE_EPOCH (opts->date) every time and GUID comes from it, so
 * the image is byte-identical for identical input.  The image goes to an
 * unnamed file beside the output, named when complete (fsync'd first only
 * with opts->sync).
 *
 * A bridge (opts->udf) has libisofs write its session at the sector where
 * the UDF structures laid out by udf.c end (ms_block) and fill the first
 * 32 sectors for the start of the medium (overwrite buffer); the session
 * written, libisofs reads it back to say where each file's data went, and
 * udf.c writes its structures in front, pointing at that data.
 */
#include "config.h"

#define LIBISOFS_WITHOUT_LIBBURN 1

#include <errno.h>
#include <fnmatch.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libisofs/libisofs.h>
#include <zlib.h>

#include "bytes.h"
#include "image_private.h"
#include "master.h"
#include "master_private.h"
#include "banned.h"

#define CHUNK (1024u * 1024u)	/* bytes asked of libisofs at a time */
#define READ_AHEAD (256u * 1024u)	/* bytes read from a source at a time */
#define JOLIET_MAX 103		/* UTF-16 units of a long Joliet name */
#define MAX_NOTES 50

/* What the writer thread found wrong with a source file. */
struct failure {
	pthread_mutex_t lock;
	char text[GM_ERROR_MAX];
	bool set;
};

struct file_stream {
	const struct gm_node *node;
	struct failure *failure;
	uint64_t *opened;	/* files opened so far (the writer thread's) */
	unsigned fs_id;
	struct gm_held held;	/* read ahead: libisofs asks 2 KiB at a time */
	bool open;
};

static void fail_file(struct failure *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail_file(struct failure *f, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&f->lock);
	if (!f->set) {
		va_start(ap, fmt);
		vsnprintf(f->text, sizeof(f->text), fmt, ap);
		va_end(ap);
		f->set = true;
	}
	pthread_mutex_unlock(&f->lock);
}

static int fs_open(IsoStream *stream)
{
	struct file_stream *fs = stream->data;
	char msg[GM_ERROR_MAX];

	__atomic_add_fetch(fs->opened, 1, __ATOMIC_RELAXED);
	if (gm_held_open(&fs->held, fs->node, READ_AHEAD, msg, sizeof(msg)) != 0) {
		fail_file(fs->failure, "%s", msg);
		return ISO_FILE_READ_ERROR;
	}
	fs->open = true;
	return 1;
}

static int fs_close(IsoStream *stream)
{
	struct file_stream *fs = stream->data;

	if (fs->open)
		gm_held_close(&fs->held);
	fs->open = false;
	return 1;
}

static off_t fs_get_size(IsoStream *stream)
{
	return (off_t)((struct file_stream *)stream->data)->node->size;
}

/* Fill buf with count bytes (or to the recorded end), held to the scan's
   size (source.c). */
static int fs_read(IsoStream *stream, void *buf, size_t count)
{
	struct file_stream *fs = stream->data;
	uint64_t left = fs->node->size - fs->held.done;
	char msg[GM_ERROR_MAX];

	if (!fs->open)
		return ISO_FILE_NOT_OPENED;
	if (count > left)
		count = (size_t)left;
	if (gm_held_read(&fs->held, buf, count, msg, sizeof(msg)) != 0) {
		fail_file(fs->failure, "%s", msg);
		return ISO_FILE_READ_ERROR;
	}
	return (int)count;
}

static int fs_is_repeatable(IsoStream *stream)
{
	(void)stream;
	return 1;
}

static void fs_get_id(IsoStream *stream, unsigned int *fs_id, dev_t *dev_id,
		      ino_t *ino_id)
{
	struct file_stream *fs = stream->data;

	/* the disk's (dev, ino): libisofs stores hard links' data once */
	*fs_id = fs->fs_id;
	*dev_id = (dev_t)fs->node->dev;
	*ino_id = (ino_t)fs->node->ino;
}

static void fs_free(IsoStream *stream)
{
	struct file_stream *fs = stream->data;

	if (fs->open)
		gm_held_close(&fs->held);
	free(fs);
}

static int fs_update_size(IsoStream *stream)
{
	(void)stream;
	return 1;	/* the scan's size is the contract */
}

static IsoStreamIface file_stream_class = {
	1, "user", fs_open, fs_close, fs_get_size, fs_read, fs_is_repeatable,
	fs_get_id, fs_free, fs_update_size, NULL, NULL, NULL
};

struct build {
	struct gm_ctx *ctx;
	const struct gm_iso_opts *opts;
	struct gm_iso_report *report;
	IsoImage *img;
	struct failure failure;
	unsigned fs_id;
	uint64_t joliet_skipped;	/* symlinks and specials */
	uint64_t opened;		/* files the writer has opened */
	uint64_t files;
	size_t nboot;			/* the front end's entry being added */
	uint64_t zisofs_files, zisofs_marked;	/* compressed, found compressed */
	bool appending;			/* the old image's tree was imported */
	uint32_t copied;		/* sectors of it copied (a grown image) */
	uint64_t replaced;		/* its entries the sources replaced */
};

static void note(struct build *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct build *b, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	gm_notes_add(&b->report->notes, &b->report->nnotes, MAX_NOTES, "%s", text);
}

static int iso_fail(struct build *b, int err, const char *what, const char *path)
{
	return gm_error_set(b->ctx, err == (int)ISO_OUT_OF_MEM ? GM_ERR_NOMEM : GM_ERR_FORMAT,
			    "%s '%s': %s", what, path, iso_error_to_msg(err));
}

/* zisofs for file f (node g), unless small or excluded: mkzftree's output
   marked as it is, anything else through libisofs's filter when that
   saves blocks. */
static int compress_file(struct build *b, IsoFile *f, const struct gm_node *g)
{
	const struct gm_iso_opts *o = b->opts;
	char *path = NULL;
	int ret;

	if (g->size < o->zisofs_min || g->size == 0)
		return 0;
	for (size_t i = 0; i < o->nzisofs_exclude; i++) {
		const char *p = o->zisofs_exclude[i];

		if (strchr(p, '/') == NULL) {
			if (fnmatch(p, g->name, 0) == 0)
				return 0;
			continue;
		}
		if (path == NULL && (path = gm_node_path(g)) == NULL)
			return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
		if (fnmatch(p, path, FNM_PATHNAME) == 0) {
			free(path);
			return 0;
		}
	}
	free(path);
	/* bit3: this node alone; bits 8-15: zisofs2 headers recognised too */
	ret = iso_node_zf_by_magic((IsoNode *)f, 8 | (2 << 8));
	if (ret < 0)
		return iso_fail(b, ret, "cannot read the zisofs header of", g->src);
	if (ret == 1) {
		b->zisofs_marked++;
		return 0;
	}
	ret = iso_file_add_zisofs_filter(f, 1);
	if (ret < 0)
		return iso_fail(b, ret, "cannot compress", g->src);
	if (ret == 1)
		b->zisofs_files++;
	return 0;
}

static void set_attrs(IsoNode *n, const struct gm_node *g)
{
	int hide = 0;

	iso_node_set_permissions(n, (mode_t)(g->mode & 07777));
	iso_node_set_uid(n, (uid_t)g->uid);
	iso_node_set_gid(n, (gid_t)g->gid);
	iso_node_set_mtime(n, (time_t)g->mtime);
	iso_node_set_atime(n, (time_t)g->atime);
	iso_node_set_ctime(n, (time_t)g->ctime);
	if (g->hide & GM_HIDE_ISO)
		hide |= LIBISO_HIDE_ON_RR | LIBISO_HIDE_ON_1999;
	if (g->hide & GM_HIDE_JOLIET)
		hide |= LIBISO_HIDE_ON_JOLIET;
	if (hide != 0)
		iso_node_set_hidden(n, hide);
	if (g->sort_weight != 0)
		iso_node_set_sort_weight(n, g->sort_weight);
}

/* UTF-16 units of a UTF-8 name; -1 when it is not valid UTF-8. */
static long utf16_units(const char *s)
{
	long units = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
		int len = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3
			  : (*p >> 3) == 30 ? 4 : 0;

		if (len == 0)
			return -1;
		for (int i = 1; i < len; i++)
			if ((p[i] & 0xc0) != 0x80)
				return -1;
		units += len == 4 ? 2 : 1;
		p += len;
	}
	return units;
}

static void note_joliet_name(struct build *b, const struct gm_node *g)
{
	long units;
	char *path;

	if (!b->opts->joliet || (g->hide & GM_HIDE_JOLIET))
		return;
	units = utf16_units(g->name);
	if (units >= 0 && units <= JOLIET_MAX)
		return;
	path = gm_node_path(g);
	if (units < 0)
		note(b, "Joliet: '%s' is not UTF-8; its other bytes show as '_'",
		     path ? path : g->name);
	else
		note(b, "Joliet: '%s' (%ld characters) is cut to its first %d",
		     path ? path : g->name, units, JOLIET_MAX);
	free(path);
}

static int add_tree(struct build *b, IsoDir *parent, const struct gm_node *dir)
{
	for (size_t i = 0; i < dir->nchildren; i++) {
		const struct gm_node *g = dir->children[i];
		IsoNode *n = NULL;
		int ret;

		note_joliet_name(b, g);
		if (b->appending) {
			IsoNode *old = NULL;

			/* a directory merges into one of its path; anything else
			   replaces what was there */
			if (iso_dir_get_node(parent, g->name, &old) == 1) {
				if (g->kind == GM_NODE_DIR && iso_node_get_type(old) == LIBISO_DIR) {
					set_attrs(old, g);
					ret = add_tree(b, (IsoDir *)old, g);
					if (ret != 0)
						return ret;
					continue;
				}
				if (iso_node_get_type(old) == LIBISO_DIR)
					iso_node_remove_tree(old, NULL);
				else
					iso_node_remove(old);
				b->replaced++;
			}
		}
		switch (g->kind) {
		case GM_NODE_DIR: {
			IsoDir *d;

			ret = iso_image_add_new_dir(b->img, parent, g->name, &d);
			if (ret < 0)
				return iso_fail(b, ret, "cannot add the directory", g->name);
			set_attrs((IsoNode *)d, g);
			ret = add_tree(b, d, g);
			if (ret != 0)
				return ret;
			continue;
		}
		case GM_NODE_FILE: {
			struct file_stream *fs = calloc(1, sizeof(*fs));
			IsoStream *st = calloc(1, sizeof(*st));
			IsoFile *f;

			if (fs == NULL || st == NULL) {
				free(fs);
				free(st);
				return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
			}
			fs->node = g;
			fs->failure = &b->failure;
			fs->opened = &b->opened;
			fs->fs_id = b->fs_id;
			st->class = &file_stream_class;
			st->refcount = 1;
			st->data = fs;
			ret = iso_image_add_new_file(b->img, parent, g->name, st, &f);
			if (ret < 0) {
				iso_stream_unref(st);
				return iso_fail(b, ret, "cannot add the file", g->src);
			}
			n = (IsoNode *)f;
			if (b->opts->zisofs && (ret = compress_file(b, f, g)) != 0)
				return ret;
			break;
		}
		case GM_NODE_SYMLINK: {
			IsoSymlink *l;

			ret = iso_image_add_new_symlink(b->img, parent, g->name, g->target, &l);
			if (ret < 0)
				return iso_fail(b, ret, "cannot add the symlink", g->src);
			n = (IsoNode *)l;
			b->joliet_skipped++;
			break;
		}
		default: {
			IsoSpecial *sp;

			ret = iso_image_add_new_special(b->img, parent, g->name,
							(mode_t)g->mode, (dev_t)g->rdev, &sp);
			if (ret < 0)
				return iso_fail(b, ret, "cannot add the special file", g->src);
			n = (IsoNode *)sp;
			b->joliet_skipped++;
			break;
		}
		}
		set_attrs(n, g);
	}
	return 0;
}

/* "dir/boot.cat" beside an image path. */
static char *beside(const char *path, const char *name)
{
	const char *slash = strrchr(path, '/');
	size_t dir = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	char *out = malloc(dir + strlen(name) + 2);

	if (out != NULL) {
		memcpy(out, path, dir);
		memcpy(out + dir, name, strlen(name) + 1);
	}
	return out;
}

/* "/p" for "p" or "/p". */
static char *absolute(const char *path)
{
	size_t len = strlen(path);
	char *out = malloc(len + 2);

	if (out == NULL)
		return NULL;
	out[0] = '/';
	memcpy(out + 1, path[0] == '/' ? path + 1 : path, path[0] == '/' ? len : len + 1);
	return out;
}

static int boot_entry(struct build *b, const struct gm_tree *tree, const char *path,
		      const char *catalog, bool first, uint8_t platform,
		      enum eltorito_boot_media_type emul, ElToritoBootImage **out)
{
	char *abs = absolute(path), *cat = NULL;
	const struct gm_node *g;
	int ret;

	if (abs == NULL)
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	g = gm_tree_find(tree, abs);
	if (g == NULL || g->kind != GM_NODE_FILE) {
		ret = gm_error_set(b->ctx, GM_ERR_NOENT, "boot image '%s' is not a file "
				   "in the image tree", abs);
		free(abs);
		return ret;
	}
	if (first) {
		cat = catalog != NULL ? absolute(catalog) : beside(abs, "boot.cat");
		if (cat == NULL) {
			free(abs);
			return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
		}
		if (gm_tree_find(tree, cat) != NULL) {
			ret = gm_error_set(b->ctx, GM_ERR_EXISTS, "boot catalog '%s' is "
					   "already a file in the image tree", cat);
			free(abs);
			free(cat);
			return ret;
		}
		ret = iso_image_set_boot_image(b->img, abs, emul, cat, out);
		if (ret >= 0)
			iso_image_set_boot_catalog_weight(b->img, 1000000000);
	} else {
		ret = iso_image_add_boot_image(b->img, abs, emul, 0, out);
	}
	if (ret < 0) {
		gm_error_set(b->ctx, GM_ERR_FORMAT, "El Torito boot image '%s'%s%s: %s",
			     abs, cat ? ", catalog " : "", cat ? cat : "",
			     iso_error_to_msg(ret));
		free(abs);
		free(cat);
		return -GM_ERR_FORMAT;
	}
	el_torito_set_boot_platform_id(*out, platform);
	if (emul != ELTORITO_NO_EMUL) {
		/* the emulated disk's size says what is loaded */
	} else if (b->opts->nboots > 0) {
		int want = b->opts->boots[b->nboot].load_size;

		if (want > 0)
			el_torito_set_load_size(*out, (short)(uint16_t)want);
		else
			el_torito_set_full_load(*out, 1);
	} else if (platform == 0) {
		el_torito_set_load_size(*out, 4);
	} else {
		uint64_t sectors = (g->size + 511) / 512;

		/* a load size of 0 makes firmware take the whole file */
		el_torito_set_load_size(*out, sectors > 65535 ? 0
					: (short)(uint16_t)sectors);
	}
	free(abs);
	free(cat);
	return 0;
}

/* A file of at most 32 KiB (at least min bytes) for the system area, in
   a zeroed 32 KiB buffer. */
static int read_area(struct build *b, const char *path, size_t min, const char *what,
		     char **out)
{
	char *area = calloc(1, 32768);
	FILE *f;
	size_t n;
	int extra = EOF;

	*out = NULL;
	if (area == NULL)
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	if ((f = fopen(path, "rb")) == NULL) {
		free(area);
		return gm_error_set_errno(b->ctx, errno == ENOENT ? GM_ERR_NOENT : GM_ERR_IO,
					  errno, "cannot read the %s '%s'", what, path);
	}
	n = fread(area, 1, 32768, f);
	if (n == 32768)
		extra = fgetc(f);
	fclose(f);
	if (n < min || extra != EOF) {
		free(area);
		return gm_error_set(b->ctx, GM_ERR_FORMAT, "the %s '%s' has %s bytes (%zu to "
				    "32768 fit)", what, path, n < min ? "too few" : "more than "
				    "32768", min);
	}
	*out = area;
	return 0;
}

/* The libisofs node at an image path, or an error naming what needs it. */
static int node_at(struct build *b, const char *path, const char *what, IsoNode **out)
{
	char *abs = absolute(path);
	int ret;

	if (abs == NULL)
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	ret = iso_tree_path_to_node(b->img, abs, out);
	if (ret != 1)
		ret = gm_error_set(b->ctx, GM_ERR_NOENT, "%s: '%s' is not in the image", what,
				   abs);
	else
		ret = 0;
	free(abs);
	return ret;
}

/* HFS+ (the mkisofs front end's -hfsplus): creator and type codes,
   blessings. */
static int setup_hfsplus(struct build *b, IsoWriteOpts *wo)
{
	static const char kinds[] = "pis9x";	/* in IsoHfsplusBlessings order */
	const struct gm_iso_opts *o = b->opts;
	IsoNode *node;
	int ret;

	if (!o->hfsplus)
		return 0;
	iso_write_opts_set_hfsplus(wo, 1);
	if (o->apm_block_size != 0)
		iso_write_opts_set_hfsp_block_size(wo, 0, o->apm_block_size);
	/* as xorriso: HFS+ comes with AAIP */
	iso_write_opts_set_aaip(wo, 1);
	for (size_t i = 0; i < o->nhfs_creators; i++) {
		struct iso_hfsplus_xinfo_data *d;

		ret = node_at(b, o->hfs_creators[i].path, "-hfsplus-file-creator-type", &node);
		if (ret != 0)
			return ret;
		if ((d = iso_hfsplus_xinfo_new(0)) == NULL)
			return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
		memcpy(d->creator_code, o->hfs_creators[i].creator, 4);
		memcpy(d->type_code, o->hfs_creators[i].type, 4);
		iso_node_remove_xinfo(node, iso_hfsplus_xinfo_func);
		if (iso_node_add_xinfo(node, iso_hfsplus_xinfo_func, d) < 0) {
			iso_hfsplus_xinfo_func(d, 1);
			return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
		}
	}
	for (size_t i = 0; i < o->nhfs_blesses; i++) {
		const char *k = strchr(kinds, o->hfs_blesses[i].kind);

		if (o->hfs_blesses[i].kind == '\0' || k == NULL)
			return gm_error_set(b->ctx, GM_ERR_USAGE, "-hfs-bless-by '%c': p, i, s, 9 "
					    "or x", o->hfs_blesses[i].kind);
		ret = node_at(b, o->hfs_blesses[i].path, "-hfs-bless-by", &node);
		if (ret != 0)
			return ret;
		ret = iso_image_hfsplus_bless(b->img, (enum IsoHfsplusBlessings)(k - kinds),
					      node, 0);
		if (ret < 0)
			return gm_error_set(b->ctx, GM_ERR_USAGE, "-hfs-bless-by %c '%s': %s",
					    o->hfs_blesses[i].kind, o->hfs_blesses[i].path,
					    iso_error_to_msg(ret));
	}
	return 0;
}

/* The mkisofs front end's boot: its El Torito entries in order, the
   system area, the EFI and appended partitions. */
static int setup_front(struct build *b, const struct gm_tree *tree, IsoWriteOpts *wo)
{
	static const enum eltorito_boot_media_type emuls[] = {
		[GM_BOOT_NO_EMUL] = ELTORITO_NO_EMUL,
		[GM_BOOT_FLOPPY] = ELTORITO_FLOPPY_EMUL,
		[GM_BOOT_HARD_DISK] = ELTORITO_HARD_DISC_EMUL,
	};
	const struct gm_iso_opts *o = b->opts;
	char *area = NULL;
	int ret;

	for (b->nboot = 0; b->nboot < o->nboots; b->nboot++) {
		const struct gm_boot_image *bi = &o->boots[b->nboot];
		ElToritoBootImage *img;

		ret = boot_entry(b, tree, bi->path, o->boot_catalog, b->nboot == 0,
				 bi->platform, emuls[bi->emul], &img);
		if (ret != 0)
			return ret;
		el_torito_set_isolinux_options(img, bi->isolinux, 0);
	}
	if (o->nboots > 0 && o->catalog_hidden)
		iso_image_set_boot_catalog_hidden(b->img, LIBISO_HIDE_ON_RR
						  | LIBISO_HIDE_ON_JOLIET | LIBISO_HIDE_ON_1999);
	if (o->system_area != NULL
	    && (ret = read_area(b, o->system_area, 1, "system area file", &area)) != 0)
		return ret;
	if (area != NULL || o->system_area_options != 0) {
		ret = iso_write_opts_set_system_area(wo, area, o->system_area_options, 0);
		free(area);
		if (ret < 0)
			return gm_error_set(b->ctx, GM_ERR_FORMAT, "the system area%s%s%s: %s",
					    o->system_area ? " '" : "",
					    o->system_area ? o->system_area : "",
					    o->system_area ? "'" : "", iso_error_to_msg(ret));
	}
	if (o->efi_boot_part != NULL
	    && (ret = iso_write_opts_set_efi_bootp(wo, (char *)o->efi_boot_part, 0)) < 0)
		return gm_error_set(b->ctx, GM_ERR_FORMAT, "the EFI boot partition '%s': %s",
				    o->efi_boot_part, iso_error_to_msg(ret));
	if (o->part_offset != 0
	    && (ret = iso_write_opts_set_part_offset(wo, o->part_offset, 0, 0)) < 0)
		return gm_error_set(b->ctx, GM_ERR_USAGE, "partition offset %lu: %s",
				    (unsigned long)o->part_offset, iso_error_to_msg(ret));
	for (int k = 0; k < 4; k++)
		if (o->append[k].file != NULL
		    && (ret = iso_write_opts_set_partition_img(wo, k + 1, o->append[k].type,
							       (char *)o->append[k].file,
							       0)) < 0)
			return gm_error_set(b->ctx, GM_ERR_FORMAT, "appended partition %d "
					    "'%s': %s", k + 1, o->append[k].file,
					    iso_error_to_msg(ret));
	if (o->append_as_gpt)
		iso_write_opts_set_appended_as_gpt(wo, 1);
	return setup_hfsplus(b, wo);
}

static int setup_boot(struct build *b, const struct gm_tree *tree, IsoWriteOpts *wo)
{
	const struct gm_iso_opts *o = b->opts;
	ElToritoBootImage *bios = NULL, *efi = NULL;
	int ret;

	if (o->nboots > 0 || o->system_area != NULL || o->system_area_options != 0 || o->hfsplus
	    || o->efi_boot_part != NULL || o->part_offset != 0 || o->append[0].file != NULL
	    || o->append[1].file != NULL || o->append[2].file != NULL
	    || o->append[3].file != NULL)
		return setup_front(b, tree, wo);

	if (o->hybrid_mbr != NULL && o->boot == NULL)
		return gm_error_set(b->ctx, GM_ERR_USAGE, "--hybrid-mbr needs --boot: "
				    "an isohybrid MBR starts ISOLINUX");
	if (o->boot != NULL) {
		ret = boot_entry(b, tree, o->boot, o->boot_catalog, true, 0x00, ELTORITO_NO_EMUL,
				 &bios);
		if (ret != 0)
			return ret;
		/* the boot info table ISOLINUX and GRUB expect; isohybrid */
		el_torito_set_isolinux_options(bios, 1 | (o->hybrid_mbr ? 2 : 0), 0);
	}
	if (o->efi_boot != NULL) {
		ret = boot_entry(b, tree, o->efi_boot, o->boot_catalog, bios == NULL,
				 0xef, ELTORITO_NO_EMUL, &efi);
		if (ret != 0)
			return ret;
		/* with an isohybrid MBR: a GPT partition for the FAT image */
		el_torito_set_isolinux_options(efi, o->hybrid_mbr ? 1 << 2 : 0, 0);
	}
	if (o->hybrid_mbr != NULL) {
		char *area;

		ret = read_area(b, o->hybrid_mbr, 432, "isohybrid MBR template", &area);
		if (ret != 0)
			return ret;
		ret = iso_write_opts_set_system_area(wo, area, 2, 0);
		free(area);
		if (ret < 0)
			return gm_error_set(b->ctx, GM_ERR_FORMAT, "MBR template '%s': %s",
					    o->hybrid_mbr, iso_error_to_msg(ret));
	}
	return 0;
}

/* 16 sectors of zeros written right before file g (its sort weight
   plus one) and hidden from every tree. */
static int add_pad(struct build *b, IsoDir *root, const struct gm_node *g, size_t i)
{
	unsigned char *zero = calloc(16, 2048);
	IsoStream *stream = NULL;
	IsoFile *file = NULL;
	char name[48];
	int ret;

	if (zero == NULL || iso_memory_stream_new(zero, 16 * 2048, &stream) < 0) {
		free(zero);
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	}
	snprintf(name, sizeof(name), ".glassmaster-pad-%zu", i);
	/* the file takes the stream's reference; on failure it is ours */
	ret = iso_image_add_new_file(b->img, root, name, stream, &file);
	if (ret < 0) {
		iso_stream_unref(stream);
		return iso_fail(b, ret, "cannot add the padding before", g->src);
	}
	iso_node_set_hidden((IsoNode *)file, LIBISO_HIDE_ON_RR | LIBISO_HIDE_ON_JOLIET
			    | LIBISO_HIDE_ON_1999 | LIBISO_HIDE_BUT_WRITE);
	iso_node_set_sort_weight((IsoNode *)file, g->sort_weight + 1);
	return 0;
}

static void drain_messages(char *worst, size_t size);

/* Appending: the new session laid out for its sector (*start, where the
   grown image's writing continues; 0 for a session alone), and for a
   grown image the buffer of its first 32 sectors (*head). */
static int setup_append(struct build *b, IsoWriteOpts *wo, const char *out,
			uint32_t *start, uint8_t **head)
{
	const struct gm_iso_opts *o = b->opts;
	struct stat st, ost;
	uint64_t blocks;
	uint32_t next;

	if (o->udf != NULL)
		return gm_error_set(b->ctx, GM_ERR_USAGE, "a session cannot be appended "
				    "as an ISO 9660 + UDF bridge");
	if (stat(o->append_from, &st) != 0)
		return gm_error_set_errno(b->ctx, GM_ERR_NOENT, errno, "cannot open the "
					  "image to append to, '%s'", o->append_from);
	if (stat(out, &ost) == 0 && ost.st_dev == st.st_dev && ost.st_ino == st.st_ino)
		return gm_error_set(b->ctx, GM_ERR_USAGE, "the output is the image appended "
				    "to, '%s': write the new image beside it", out);
	blocks = ((uint64_t)st.st_size + 2047) / 2048;
	next = o->append_next;
	if (next == 0) {
		if (blocks > UINT32_MAX - 32)
			return gm_error_set(b->ctx, GM_ERR_FORMAT, "'%s' is too big to append "
					    "to", o->append_from);
		next = (uint32_t)((blocks + 31) / 32 * 32);
	}
	if (!o->session_only && next < blocks)
		return gm_error_set(b->ctx, GM_ERR_USAGE, "the new session cannot start at "
				    "sector %lu, inside '%s' (%llu sectors)", (unsigned long)next,
				    o->append_from, (unsigned long long)blocks);
	iso_write_opts_set_appendable(wo, 1);
	iso_write_opts_set_ms_block(wo, next);
	if (o->session_only)
		return 0;
	*head = calloc(32, 2048);
	if (*head == NULL)
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	iso_write_opts_set_overwrite_buf(wo, *head);
	*start = next;
	return 0;
}

/* The old image's bytes at the start of a grown image (b->copied: its
   sectors, the last one padded). */
static int copy_old(struct build *b, struct gm_outset *set, FILE *f)
{
	uint8_t *buf = malloc(CHUNK);
	int fd = open(b->opts->append_from, O_RDONLY | O_CLOEXEC);
	uint64_t done = 0;
	int ret = 0;

	if (buf == NULL || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return fd < 0 ? gm_error_set_errno(b->ctx, GM_ERR_NOENT, errno, "cannot open "
						   "'%s'", b->opts->append_from)
			: gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	}
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = gm_error_set_errno(b->ctx, GM_ERR_IO, errno, "cannot read '%s'",
						 b->opts->append_from);
			break;
		}
		if (n == 0)
			break;
		/* the last sector whole */
		if (n % 2048 != 0 && n < CHUNK) {
			memset(buf + n, 0, (size_t)(2048 - n % 2048));
			n += 2048 - n % 2048;
		}
		ret = gm_outset_write(b->ctx, set, f, buf, (size_t)n);
		if (ret != 0)
			break;
		done += (uint64_t)n;
	}
	close(fd);
	free(buf);
	b->copied = (uint32_t)(done / 2048);
	return ret;
}

/* The tree of the old image's newest session (at append_last) into
   b->img, whose sources then merge into it. */
static int import_old(struct build *b)
{
	const struct gm_iso_opts *o = b->opts;
	IsoDataSource *src = NULL;
	IsoReadOpts *ro = NULL;
	IsoReadImageFeatures *features = NULL;
	char worst[ISO_MSGS_MESSAGE_LEN] = "";
	int ret;

	ret = iso_data_source_new_from_file(o->append_from, &src);
	if (ret < 0)
		return gm_error_set(b->ctx, GM_ERR_NOENT, "cannot open the image to append "
				    "to, '%s': %s", o->append_from, iso_error_to_msg(ret));
	if (iso_read_opts_new(&ro, 0) < 0) {
		iso_data_source_unref(src);
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	}
	iso_read_opts_set_start_block(ro, o->append_last);
	ret = iso_image_import(b->img, src, ro, &features);
	iso_read_opts_free(ro);
	if (features != NULL)
		iso_read_image_features_destroy(features);
	iso_data_source_unref(src);
	if (ret < 0) {
		drain_messages(worst, sizeof(worst));
		return gm_error_set(b->ctx, GM_ERR_FORMAT, "'%s': no ISO 9660 session at "
				    "sector %lu to append to: %s%s%s", o->append_from,
				    (unsigned long)o->append_last, iso_error_to_msg(ret),
				    worst[0] ? ": " : "", worst);
	}
	b->appending = true;
	return 0;
}

static int make_image(struct build *b, const struct gm_tree *tree)
{
	const struct gm_iso_opts *o = b->opts;
	IsoDir *root;
	int ret;

	ret = iso_image_new(o->volume_id, &b->img);
	if (ret < 0)
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	iso_image_set_volset_id(b->img, o->volume_set != NULL ? o->volume_set : o->volume_id);
	if (o->publisher != NULL)
		iso_image_set_publisher_id(b->img, o->publisher);
	if (o->preparer != NULL)
		iso_image_set_data_preparer_id(b->img, o->preparer);
	if (o->application != NULL)
		iso_image_set_application_id(b->img, o->application);
	iso_image_set_system_id(b->img, o->system_id != NULL ? o->system_id : "LINUX");
	if (o->append_from != NULL && (ret = import_old(b)) != 0)
		return ret;
	root = iso_image_get_root(b->img);
	set_attrs((IsoNode *)root, tree->root);
	ret = add_tree(b, root, tree->root);
	for (size_t i = 0; ret == 0 && i < o->nremoves; i++) {
		IsoNode *n = NULL;
		char *abs = absolute(o->removes[i]);

		if (abs == NULL)
			return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
		if (iso_tree_path_to_node(b->img, abs, &n) != 1 || n == (IsoNode *)root)
			ret = gm_error_set(b->ctx, GM_ERR_NOENT, "--remove: '%s' is not in the "
					   "appended image", abs);
		else if (iso_node_get_type(n) == LIBISO_DIR)
			iso_node_remove_tree(n, NULL);
		else
			iso_node_remove(n);
		free(abs);
	}
	for (size_t i = 0; ret == 0 && i < o->npads; i++)
		ret = add_pad(b, root, o->pads[i], i);
	return ret;
}

static int write_opts(struct build *b, IsoWriteOpts **out)
{
	const struct gm_iso_opts *o = b->opts;
	IsoWriteOpts *wo;

	if (iso_write_opts_new(&wo, 0) < 0)
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	iso_write_opts_set_iso_level(wo, o->level);
	iso_write_opts_set_rockridge(wo, o->rock);
	iso_write_opts_set_joliet(wo, o->joliet);
	iso_write_opts_set_joliet_long_names(wo, 1);
	iso_write_opts_set_joliet_longer_paths(wo, 1);
	iso_write_opts_set_omit_version_numbers(wo, 2);	/* no ";1" in Joliet */
	iso_write_opts_set_no_force_dots(wo, 2);	/* nor a "." after "x" */
	iso_write_opts_set_iso1999(wo, o->iso1999);
	iso_write_opts_set_relaxed_vol_atts(wo, 1);
	iso_write_opts_set_allow_deep_paths(wo, 1);
	iso_write_opts_set_hardlinks(wo, 1);
	/* RRIP 1.10 as mkisofs writes it: no NM entries for "." and ".."
	   (isoinfo shows them as empty names) and PX without an inode number,
	   so that a long name's NM fits in its directory record (libcdio
	   cuts a name continued in a CE area); hard links still share one
	   extent */
	iso_write_opts_set_rrip_version_1_10(wo, 1);
	iso_write_opts_set_rrip_1_10_px_ino(wo, 0);
	iso_write_opts_set_dir_rec_mtime(wo, 7);
	iso_write_opts_set_output_charset(wo, "UTF-8");
	iso_write_opts_set_always_gmt(wo, 1);
	if (o->md5) {
		/* each file's MD5 index goes in an AAIP attribute (isofs.cx) */
		iso_write_opts_set_aaip(wo, 1);
		iso_write_opts_set_record_md5(wo, 1, 1);
	}
	if (o->tail_blocks > 0)
		iso_write_opts_set_tail_blocks(wo, o->tail_blocks);
	if (o->vol_uuid != NULL) {
		char uuid[17];

		snprintf(uuid, sizeof(uuid), "%s", o->vol_uuid);
		iso_write_opts_set_pvd_times(wo, 0, 0, 0, 0, uuid);
		if (o->date >= 0)
			iso_write_opts_set_gpt_guid(wo, NULL, 2);
	} else if (o->date >= 0) {
		char uuid[32];
		time_t t = (time_t)o->date;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(uuid, sizeof(uuid), "%Y%m%d%H%M%S00", &tm);
		iso_write_opts_set_pvd_times(wo, t, t, 0, 0, uuid);
		iso_write_opts_set_gpt_guid(wo, NULL, 2);
	}
	*out = wo;
	return 0;
}

/* libisofs's messages: the worst as the error, the rest dropped. */
static void drain_messages(char *worst, size_t size)
{
	char msg[ISO_MSGS_MESSAGE_LEN], sev[80];
	int code, imgid;

	while (iso_obtain_msgs("MISHAP", &code, &imgid, msg, sev) == 1)
		if (worst[0] == '\0' && strstr(msg, "Image write cancelled") == NULL)
			snprintf(worst, size, "%s", msg);
}

static int write_out(struct build *b, IsoWriteOpts *wo, FILE *f, struct gm_outset *set)
{
	struct burn_source *bs;
	uint8_t *buf = malloc(CHUNK);
	uint64_t total, done = 0;
	int ret, st;
	size_t sz, fr;
	char worst[ISO_MSGS_MESSAGE_LEN] = "";

	if (buf == NULL)
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	ret = iso_image_create_burn_source(b->img, wo, &bs);
	if (ret < 0) {
		free(buf);
		drain_messages(worst, sizeof(worst));
		return gm_error_set(b->ctx, GM_ERR_FORMAT, "cannot lay out the image: "
				    "%s%s%s", iso_error_to_msg(ret), worst[0] ? ": " : "",
				    worst);
	}
	total = (uint64_t)bs->get_size(bs);
	b->report->size = total;
	ret = 0;
	if (b->opts->size_only) {
		bs->cancel(bs);
		total = 0;
	}
	while (done < total) {
		/* never more than is left: libisofs answers 0 to that */
		size_t want = total - done < CHUNK ? (size_t)(total - done) : CHUNK;
		int n;

		if (b->opts->stop != NULL && *b->opts->stop) {
			ret = gm_error_set(b->ctx, GM_ERR_INTERRUPTED, "interrupted; no "
					   "image was left");
			break;
		}
		n = bs->read_xt(bs, buf, (int)want);
		if (n <= 0)
			break;
		ret = gm_outset_write(b->ctx, set, f, buf, (size_t)n);
		if (ret != 0)
			break;
		done += (uint64_t)n;
		if (b->opts->progress != NULL) {
			struct gm_master_progress p;

			p.bytes = done;
			p.total_bytes = total;
			p.files = __atomic_load_n(&b->opened, __ATOMIC_RELAXED);
			p.total_files = b->files;
			if (p.files > p.total_files)
				p.files = p.total_files;
			b->opts->progress(b->opts->arg, &p);
		}
	}
	if (done < total)
		bs->cancel(bs);
	st = iso_ring_buffer_get_status(bs, &sz, &fr);
	/* wait for the writer thread before the tree goes */
	while (iso_image_generator_is_running(b->img) == 1) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
	bs->free_data(bs);
	free(bs);
	free(buf);
	drain_messages(worst, sizeof(worst));
	if (ret != 0 || b->opts->size_only)
		return ret;
	if (b->failure.set)
		return gm_error_set(b->ctx, GM_ERR_IO, "%s", b->failure.text);
	if (done != total || st == 3 || st == 7)
		return gm_error_set(b->ctx, GM_ERR_IO, "libisofs stopped after %llu of "
				    "%llu bytes: %s", (unsigned long long)done,
				    (unsigned long long)total, worst[0] ? worst
				    : "no reason given");
	return 0;
}

/* ---------------------------------------------------------------------
 * The bridge: where libisofs put each file, from the session read back
 */

struct locator {
	struct gm_ctx *ctx;
	IsoImage *img;
	int fd;
};

static int src_open(IsoDataSource *src)
{
	(void)src;
	return ISO_SUCCESS;
}

static int src_read(IsoDataSource *src, uint32_t lba, uint8_t *buffer)
{
	const struct locator *l = src->data;
	size_t got = 0;

	while (got < 2048) {
		ssize_t r = pread(l->fd, buffer + got, 2048 - got,
				  (off_t)lba * 2048 + (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return ISO_DATA_SOURCE_FAILURE;
		got += (size_t)r;
	}
	return ISO_SUCCESS;
}

static void src_free(IsoDataSource *src)
{
	(void)src;
}

static int locate(void *arg, const struct gm_node *node, uint32_t *lba)
{
	struct locator *l = arg;
	char *path = gm_node_path(node);
	struct iso_file_section *sec = NULL;
	IsoNode *n = NULL;
	uint64_t at = 0;
	int count = 0, ret = 0;

	if (path == NULL)
		return gm_error_set(l->ctx, GM_ERR_NOMEM, NULL);
	if (iso_tree_path_to_node(l->img, path, &n) != 1 || n == NULL
	    || iso_node_get_type(n) != LIBISO_FILE
	    || iso_file_get_old_image_sections((IsoFile *)n, &count, &sec, 0) != 1
	    || count < 1)
		ret = gm_error_set(l->ctx, GM_ERR_FORMAT, "the bridge: '%s' is not a "
				   "file with data in the ISO 9660 tree written",
				   path);
	/* one run of sectors, as UDF's entry will describe it */
	for (int k = 0; ret == 0 && k < count; k++) {
		if (sec[k].block != sec[0].block + at / 2048 || at % 2048 != 0)
			ret = gm_error_set(l->ctx, GM_ERR_FORMAT, "the bridge: the data "
					   "of '%s' is not contiguous", path);
		at += sec[k].size;
	}
	if (ret == 0 && at != node->size)
		ret = gm_error_set(l->ctx, GM_ERR_FORMAT, "the bridge: '%s' has %llu "
				   "bytes in the ISO 9660 tree, %llu when scanned",
				   path, (unsigned long long)at,
				   (unsigned long long)node->size);
	if (ret == 0)
		*lba = sec[0].block;
	free(sec);
	free(path);
	return ret;
}

/* The session is written from sector start to iso_end: read it back
   with libisofs and let udf.c write the UDF side around it. */
static int finish_bridge(struct build *b, struct gm_udf_bridge *bridge,
			 struct gm_outset *set, FILE *f, const uint8_t *head,
			 uint32_t start, uint32_t iso_end)
{
	struct locator l = { b->ctx, NULL, fileno(f) };
	IsoDataSource src = { 0, 1, src_open, src_open, src_read, src_free, &l };
	IsoReadOpts *ro = NULL;
	IsoReadImageFeatures *features = NULL;
	char worst[ISO_MSGS_MESSAGE_LEN] = "";
	int ret;

	if (fflush(f) != 0)
		return gm_error_set_errno(b->ctx, GM_ERR_IO, errno, "cannot write the "
					  "image");
	if (iso_image_new("bridge", &l.img) < 0 || iso_read_opts_new(&ro, 0) < 0) {
		if (l.img != NULL)
			iso_image_unref(l.img);
		return gm_error_set(b->ctx, GM_ERR_NOMEM, NULL);
	}
	iso_read_opts_set_start_block(ro, start);
	iso_read_opts_set_no_joliet(ro, 1);
	iso_read_opts_set_no_iso1999(ro, 1);
	ret = iso_image_import(l.img, &src, ro, &features);
	iso_read_opts_free(ro);
	if (features != NULL)
		iso_read_image_features_destroy(features);
	if (ret < 0) {
		drain_messages(worst, sizeof(worst));
		ret = gm_error_set(b->ctx, GM_ERR_FORMAT, "the bridge: libisofs cannot "
				   "read back the session it wrote: %s%s%s",
				   iso_error_to_msg(ret), worst[0] ? ": " : "", worst);
	} else {
		ret = gm_udf_bridge_finish(bridge, set, f, head, iso_end, locate, &l);
	}
	iso_image_unref(l.img);
	return ret;
}

/*
 * libisofs marks the FAT image's GPT entry Basic Data (as xorriso's
 * -isohybrid-gpt-basdat): make it an EFI system partition (UEFI 2.x 5.3.3,
 * type C12A7328-F81F-11D2-BA4B-00A0C93EC93B) in the primary and backup
 * tables, with their CRCs.  The entry is the one of Basic Data type that
 * does not start at sector 0 (the first covers the whole image).
 */
static const uint8_t gpt_basic[16] = {
	0xa2, 0xa0, 0xd0, 0xeb, 0xe5, 0xb9, 0x33, 0x44,
	0x87, 0xc0, 0x68, 0xb6, 0xb7, 0x26, 0x99, 0xc7
};
static const uint8_t gpt_esp[16] = {
	0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
	0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b
};

static int patch_gpt_table(int fd, uint64_t header_lba, bool *patched)
{
	uint8_t h[512], *arr;
	uint32_t hsize, n, esize;
	uint64_t entries;
	size_t len;
	int ret = 0;

	if (pread(fd, h, sizeof(h), (off_t)(header_lba * 512)) != (ssize_t)sizeof(h)
	    || memcmp(h, "EFI PART", 8) != 0)
		return -1;
	hsize = gm_le32(h + 12);
	entries = gm_le64(h + 72);
	n = gm_le32(h + 80);
	esize = gm_le32(h + 84);
	if (hsize < 92 || hsize > 512 || esize < 128 || esize > 4096 || n == 0 || n > 1024)
		return -1;
	len = (size_t)n * esize;
	arr = malloc(len);
	if (arr == NULL)
		return -1;
	if (pread(fd, arr, len, (off_t)(entries * 512)) != (ssize_t)len) {
		free(arr);
		return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *e = arr + (size_t)i * esize;

		if (memcmp(e, gpt_basic, 16) == 0 && gm_le64(e + 32) != 0) {
			memcpy(e, gpt_esp, 16);
			*patched = true;
		}
	}
	gm_put_le32(h + 88, (uint32_t)crc32(0, arr, (uInt)len));
	memset(h + 16, 0, 4);
	gm_put_le32(h + 16, (uint32_t)crc32(0, h, hsize));
	if (pwrite(fd, arr, len, (off_t)(entries * 512)) != (ssize_t)len
	    || pwrite(fd, h, sizeof(h), (off_t)(header_lba * 512)) != (ssize_t)sizeof(h))
		ret = -1;
	free(arr);
	return ret;
}

static int mark_esp(struct build *b, FILE *f)
{
	uint8_t h[512];
	bool patched = false;
	int fd = fileno(f);

	if (fflush(f) != 0 || pread(fd, h, sizeof(h), 512) != (ssize_t)sizeof(h)
	    || memcmp(h, "EFI PART", 8) != 0)
		return gm_error_set(b->ctx, GM_ERR_IO, "cannot find the GPT that "
				    "libisofs wrote");
	if (patch_gpt_table(fd, 1, &patched) != 0
	    || patch_gpt_table(fd, gm_le64(h + 32), &patched) != 0 || !patched)
		return gm_error_set(b->ctx, GM_ERR_IO, "cannot mark the EFI system "
				    "partition in the GPT");
	return 0;
}

/* After the write: every file still as the scan found it? */
static int recheck(struct build *b, const struct gm_node *dir)
{
	for (size_t i = 0; i < dir->nchildren; i++) {
		const struct gm_node *g = dir->children[i];
		struct stat st;

		if (g->kind == GM_NODE_DIR) {
			int ret = recheck(b, g);

			if (ret != 0)
				return ret;
			continue;
		}
		if (g->kind != GM_NODE_FILE)
			continue;
		if (stat(g->src, &st) != 0)
			return gm_error_set_errno(b->ctx, GM_ERR_IO, errno, "'%s' went "
						  "away while the image was made", g->src);
		if ((uint64_t)st.st_size != g->size
		    || (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec
		       != g->mtime_ns)
			return gm_error_set(b->ctx, GM_ERR_IO, "'%s' changed while the "
					    "image was made (its size or mtime differs "
					    "from the scan's)", g->src);
	}
	return 0;
}

void gm_iso_opts_init(struct gm_iso_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->volume_id = "CDROM";
	opts->rock = true;
	opts->joliet = true;
	opts->level = 3;
	opts->date = -1;
}

void gm_iso_report_release(struct gm_iso_report *report)
{
	gm_notes_free(&report->notes, &report->nnotes);
}

int gm_iso_write(struct gm_ctx *ctx, const struct gm_tree *tree,
		 const struct gm_iso_opts *opts, const char *out,
		 struct gm_iso_report *report)
{
	struct build b;
	struct gm_outset set;
	struct gm_udf_bridge *bridge = NULL;
	struct gm_udf_report ureport;
	IsoWriteOpts *wo = NULL;
	uint8_t *head = NULL;
	uint32_t start = 0;
	FILE *f = NULL;
	int ret;

	memset(report, 0, sizeof(*report));
	memset(&ureport, 0, sizeof(ureport));
	memset(&b, 0, sizeof(b));
	b.ctx = ctx;
	b.opts = opts;
	b.report = report;
	if (opts->level < 1 || opts->level > 3)
		return gm_error_set(ctx, GM_ERR_USAGE, "ISO level %d: 1, 2 or 3", opts->level);
	if (opts->zisofs && opts->udf != NULL)
		return gm_error_set(ctx, GM_ERR_USAGE, "zisofs and an ISO 9660 + UDF bridge "
				    "exclude each other: UDF would read the compressed bytes");
	if (opts->zisofs && !opts->rock)
		return gm_error_set(ctx, GM_ERR_USAGE, "zisofs needs Rock Ridge: readers "
				    "find the compressed files by their ZF entries");
	if (opts->udf != NULL && (opts->efi_boot_part != NULL || opts->hfsplus))
		return gm_error_set(ctx, GM_ERR_USAGE, "an ISO 9660 + UDF bridge cannot "
				    "carry an EFI boot partition or HFS+ yet: they are "
				    "written where UDF's structures go");
	pthread_mutex_init(&b.failure.lock, NULL);
	if (iso_init() < 0) {
		pthread_mutex_destroy(&b.failure.lock);
		return gm_error_set(ctx, GM_ERR_NOMEM, "libisofs cannot start");
	}
	if (opts->zisofs) {
		struct iso_zisofs_ctrl z;

		memset(&z, 0, sizeof(z));
		z.version = 1;
		if (iso_zisofs_get_params(&z, 0) >= 0) {
			/* zisofs2 where zisofs cannot count the bytes */
			z.v2_enabled = 1;
			iso_zisofs_set_params(&z, 0);
		}
	}
	iso_set_local_charset("UTF-8", 0);
	iso_set_msgs_severities("ALL", "NEVER", "glassmaster");
	iso_set_abort_severity("MISHAP");
	if (opts->date >= 0) {
		time_t t = (time_t)opts->date;

		iso_nowtime(&t, 1);
	}
	b.fs_id = iso_fs_global_id++;
	b.files = tree->files;
	gm_outset_init(&set, opts->force);
	/* as genisoimage and xorriso: no waiting for the disk, unless asked */
	set.sync = opts->sync;
	ret = make_image(&b, tree);
	if (ret == 0)
		ret = write_opts(&b, &wo);
	if (ret == 0)
		ret = setup_boot(&b, tree, wo);
	if (ret == 0 && opts->udf != NULL) {
		ret = gm_udf_bridge_new(ctx, tree, opts->udf, out, &ureport, &bridge);
		head = calloc(32, 2048);
		if (ret == 0 && head == NULL)
			ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		if (ret == 0) {
			start = gm_udf_bridge_start(bridge);
			iso_write_opts_set_ms_block(wo, start);
			iso_write_opts_set_overwrite_buf(wo, head);
		}
	}
	if (ret == 0 && opts->append_from != NULL)
		ret = setup_append(&b, wo, out, &start, &head);
	if (ret == 0 && opts->zisofs)
		note(&b, "zisofs: %llu files compressed, %llu already compressed (mkzftree)",
		     (unsigned long long)b.zisofs_files, (unsigned long long)b.zisofs_marked);
	if (ret == 0 && b.joliet_skipped > 0 && opts->joliet)
		note(&b, "Joliet: %llu symlinks and special files are only in the Rock "
		     "Ridge tree (Joliet cannot hold them)",
		     (unsigned long long)b.joliet_skipped);
	if (ret == 0 && opts->size_only) {
		if (bridge != NULL)
			ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "the size of an ISO 9660 "
					   "+ UDF bridge is known only once it is written");
		else
			ret = write_out(&b, wo, NULL, &set);
		goto done;
	}
	if (ret == 0)
		ret = gm_outset_open(ctx, &set, out, &f);
	/* a grown image: the old one, then zeros to the new session */
	if (ret == 0 && opts->append_from != NULL && !opts->session_only)
		ret = copy_old(&b, &set, f);
	/* the sectors UDF will fill, then the session */
	for (uint32_t k = b.copied; ret == 0 && k < start; k += 32) {
		static const uint8_t zero[32 * 2048];
		size_t n = start - k < 32 ? (size_t)(start - k) : 32;

		ret = gm_outset_write(ctx, &set, f, zero, n * 2048);
	}
	if (ret == 0)
		ret = write_out(&b, wo, f, &set);
	/* a grown image: the new volume descriptors at sector 16 too, so that
	   readers mount the newest session (the old system area stays) */
	if (ret == 0 && opts->append_from != NULL && !opts->session_only) {
		if (fflush(f) != 0 || pwrite(fileno(f), head + 16 * 2048, 16 * 2048, 16 * 2048)
		    != 16 * 2048)
			ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write the volume "
						 "descriptors of '%s'", out);
		report->size += (uint64_t)start * 2048;
		if (b.replaced > 0)
			note(&b, "%llu entries of the old session replaced",
			     (unsigned long long)b.replaced);
	}
	if (ret == 0 && bridge != NULL) {
		ret = finish_bridge(&b, bridge, &set, f, head, start,
				    start + (uint32_t)(report->size / 2048));
		report->size = ureport.size;
		for (size_t i = 0; i < ureport.nnotes; i++)
			note(&b, "UDF: %s", ureport.notes[i]);
	}
	/* the MD5 tags cover the system area: there the GPT stays as it is */
	if (ret == 0 && opts->efi_boot != NULL && opts->hybrid_mbr != NULL) {
		if (opts->md5)
			note(&b, "the GPT entry of the EFI image is Basic Data, not EFI "
			     "System: with --md5 the system area is checksummed as "
			     "libisofs wrote it");
		else
			ret = mark_esp(&b, f);
	}
	if (ret == 0)
		ret = recheck(&b, tree->root);
	if (ret == 0)
		ret = gm_outset_commit(ctx, &set);
	else if (f != NULL)
		gm_outset_abort(&set);
done:
	if (wo != NULL)
		iso_write_opts_free(wo);
	if (b.img != NULL)
		iso_image_unref(b.img);
	gm_udf_bridge_free(bridge);
	gm_udf_report_release(&ureport);
	free(head);
	iso_finish();
	pthread_mutex_destroy(&b.failure.lock);
	return ret;
}
