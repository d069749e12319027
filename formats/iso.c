/*
 * iso.c - plain 2048-byte-sector images (.iso): ISO 9660 (ECMA-119) or
 * UDF file systems, DVD and BD images.  Read: one Mode 1 data track of the
 * file's whole sectors (a partial last sector, as a cut download leaves,
 * is left out with a warning: a master compared with it finds it missing).
 * Write: the user data of a disc's one data track; what an .iso cannot hold
 * (audio tracks, Form 2 sectors, subchannel) is refused unless lossy, and
 * sectors whose EDC/ECC fail are reported by LBA.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image_private.h"
#include "bytes.h"
#include "banned.h"

#define ISO_BLOCK 2048
#define CD_MAX_SECTORS 405000		/* about 90 minutes */
#define DVD_MAX_SECTORS 4173824		/* DVD-R DL: 8.5 GB */

/* An ISO 9660 or UDF volume recognition sequence at sector 16. */
static bool has_volume_descriptor(const uint8_t *p)
{
	return memcmp(p + 1, "CD001", 5) == 0 || memcmp(p + 1, "BEA01", 5) == 0
	       || memcmp(p + 1, "NSR0", 4) == 0;
}

static int iso_bid(const char *path, const uint8_t *head, size_t len)
{
	if (len >= 16 * ISO_BLOCK + 6 && has_volume_descriptor(head + 16 * ISO_BLOCK))
		return 90;
	return gm_path_has_ext(path, ".iso") ? 40 : 0;
}

/*
 * Whether path is a UDF volume of 512-byte blocks (a hard disk's, as
 * mkudffs --media-type=hd writes): an NSR descriptor in the volume
 * recognition sequence (at byte 32768 whatever the block size), and the
 * anchor (tag 2, ECMA-167 3/10.2) naming block 256 at byte 256 * 512
 * rather than at sector 256.
 */
static bool udf_512(const char *path)
{
	uint8_t vrs[6 * ISO_BLOCK], tag[16];
	bool nsr = false, small = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (pread(fd, vrs, sizeof(vrs), 16 * ISO_BLOCK) == (ssize_t)sizeof(vrs))
		for (size_t at = 0; at < sizeof(vrs); at += ISO_BLOCK)
			nsr |= memcmp(vrs + at + 1, "NSR0", 4) == 0;
	if (nsr && pread(fd, tag, sizeof(tag), 256 * (off_t)ISO_BLOCK) == (ssize_t)sizeof(tag)
	    && gm_le16(tag) == 2)
		nsr = false;	/* an anchor at sector 256: 2048-byte blocks */
	if (nsr && pread(fd, tag, sizeof(tag), 256 * 512) == (ssize_t)sizeof(tag))
		small = gm_le16(tag) == 2 && gm_le32(tag + 12) == 256;
	close(fd);
	return small;
}

static int iso_read(struct gm_ctx *ctx, const char *path, struct gm_disc *disc)
{
	struct gm_track *t = &disc->tracks[0];
	const char *slash = strrchr(path, '/');
	int file = gm_disc_add_file(ctx, disc, path, slash ? slash + 1 : path,
				    GM_FILE_BINARY);
	uint64_t size;

	if (file < 0)
		return file;
	size = disc->files[file].size;
	if (size < ISO_BLOCK)
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s' is %llu bytes, less "
				    "than one 2048-byte sector", path,
				    (unsigned long long)size);
	if (size % ISO_BLOCK != 0
	    && gm_disc_note(disc, "'%s' is %llu bytes, not a whole number of "
			    "2048-byte sectors: sector %llu has only %llu bytes "
			    "(%llu are missing) and is left out", path,
			    (unsigned long long)size,
			    (unsigned long long)(size / ISO_BLOCK),
			    (unsigned long long)(size % ISO_BLOCK),
			    (unsigned long long)(ISO_BLOCK - size % ISO_BLOCK)) != 0)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	if (udf_512(path))
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s' is a UDF volume of "
				    "512-byte blocks (a hard disk's, as mkudffs "
				    "--media-type=hd writes), not a disc image: "
				    "discs have 2048-byte sectors", path);
	if (size / ISO_BLOCK > (uint64_t)INT32_MAX)
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s' is too large", path);
	disc->format = "iso";
	disc->ntracks = 1;
	t->number = 1;
	t->session = 1;
	t->mode = GM_TRACK_MODE1;
	t->nindex = 1;
	t->end = (int32_t)(size / ISO_BLOCK);
	t->file = (unsigned)file;
	t->storage = GM_STORE_USER;
	t->sub_file = -1;
	disc->media = t->end <= CD_MAX_SECTORS ? GM_MEDIA_CD
		      : t->end <= DVD_MAX_SECTORS ? GM_MEDIA_DVD : GM_MEDIA_BD;
	gm_disc_finish(disc);
	return 0;
}

/* The one data track an .iso is made of, or an error saying what is lost. */
static int pick_track(struct gm_ctx *ctx, const struct gm_disc *d,
		      const char *path, bool lossy, const struct gm_track **out)
{
	const struct gm_track *data = NULL;

	for (unsigned i = 0; i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];

		if (t->mode == GM_TRACK_AUDIO) {
			if (!lossy)
				return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' cannot "
						    "hold audio: track %u (%ld sectors) "
						    "would be lost; --lossy writes only "
						    "the first data track", path, t->number,
						    (long)(t->end - t->index[0]));
			continue;
		}
		if (data != NULL) {
			if (!lossy)
				return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' holds "
						    "one data track: track %u would be "
						    "lost; --lossy writes only track %u",
						    path, t->number, data->number);
			continue;
		}
		data = t;
	}
	if (data == NULL)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "there is no data "
				    "track to write to '%s'", path);
	if ((data->storage == GM_STORE_RAW_SUB || data->sub_file >= 0) && !lossy)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' cannot hold "
				    "subchannel: the subchannel of track %u would be "
				    "lost; --lossy drops it", path, data->number);
	*out = data;
	return 0;
}

#define ISO_RUN 512

static int iso_write(struct gm_ctx *ctx, struct gm_source *src,
		     const char *path, const struct gm_write_opts *opts)
{
	const struct gm_disc *d = gm_source_disc(src);
	const struct gm_track *t = NULL;
	struct gm_outset set;
	enum gm_sector_status status[ISO_RUN];
	struct gm_writebehind wb;
	uint8_t *bufs = NULL, *buf;
	uint64_t bad = 0, total, done = 0;
	int32_t first, end;
	FILE *f;
	int ret;

	ret = pick_track(ctx, d, path, opts->lossy, &t);
	if (ret != 0)
		return ret;
	/* The volume starts at index 1; unstored postgaps are not data. */
	first = t->index[1];
	end = t->end - t->postgap;
	total = (uint64_t)(end - first) * ISO_BLOCK;
	gm_outset_init(&set, opts->force);
	set.sync = opts->sync;
	ret = gm_outset_open(ctx, &set, path, &f);
	if (ret != 0)
		return ret;
	/* two buffers: one is written while the next is read and checked */
	bufs = malloc((size_t)2 * ISO_RUN * ISO_BLOCK);
	if (bufs == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		gm_outset_abort(&set);
		return ret;
	}
	buf = bufs;
	gm_writebehind_start(&wb);
	for (int32_t lba = first; lba < end;) {
		struct gm_read req = {
			.lba = lba, .kind = GM_SECTOR_KIND_USER, .data = buf,
			.status = status,
			.count = (uint32_t)(end - lba < ISO_RUN ? end - lba : ISO_RUN)
		};

		ret = gm_source_read(ctx, src, &req);
		if (ret != 0)
			goto fail;
		for (uint32_t i = 0; i < req.count; i++) {
			if (status[i] == GM_SECTOR_FORM2_DATA && !opts->lossy) {
				ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "LBA %ld is a "
						   "Mode 2 Form 2 sector: 276 of its 2324 "
						   "bytes would be lost in '%s'; --lossy "
						   "keeps the first 2048", (long)(lba + (int32_t)i),
						   path);
				goto fail;
			}
			if (status[i] == GM_SECTOR_GOOD || status[i] == GM_SECTOR_SYNTH
			    || status[i] == GM_SECTOR_FORM2_DATA)
				continue;
			bad++;
			if (opts->on_bad)
				opts->on_bad(opts->arg, lba + (int32_t)i, status[i]);
		}
		ret = gm_writebehind_put(&wb, f, buf, (size_t)req.count * ISO_BLOCK);
		if (ret != 0) {
			ret = gm_outset_write_failed(ctx, &set, f, ret);
			goto fail;
		}
		buf = buf == bufs ? bufs + (size_t)ISO_RUN * ISO_BLOCK : bufs;
		lba += (int32_t)req.count;
		done += (uint64_t)req.count * ISO_BLOCK;
		if (opts->progress)
			opts->progress(opts->arg, done, total);
	}
	ret = gm_writebehind_finish(&wb);
	if (ret != 0) {
		ret = gm_outset_write_failed(ctx, &set, f, ret);
		goto fail;
	}
	ret = gm_outset_commit(ctx, &set);
	if (ret != 0)
		goto fail;
	free(bufs);
	if (bad)
		return gm_error_set(ctx, GM_ERR_MISMATCH, "'%s' is written, but %llu "
				    "sectors failed their EDC/ECC check", path,
				    (unsigned long long)bad);
	return 0;
fail:
	gm_writebehind_finish(&wb);
	gm_outset_abort(&set);
	free(bufs);
	return ret;
}

const struct gm_format_ops gm_format_iso = {
	.name = "iso",
	.extension = ".iso",
	.bid = iso_bid,
	.read = iso_read,
	.write = iso_write,
};
