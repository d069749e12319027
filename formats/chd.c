/*
 * chd.c - the CHD v5 container: header, hunk map, hunks, metadata.
 *
 * The header (124 bytes, big-endian) names up to four codecs, the logical
 * size, the hunk and unit sizes, where the map and the metadata start and
 * three SHA-1s (of the data, of data and metadata, of the parent).  The
 * map says for each hunk how it is stored; when a codec is named it is
 * compressed: a 16-byte header (its length, the offset of the first hunk,
 * its CRC-16, the widths of lengths, SELF and PARENT references), then a
 * bit stream of the hunks' types, Huffman-coded with runs, then per hunk
 * its length and CRC-16 or its reference.  Every field is checked against
 * the file before it is used: a hunk past the end, a SELF reference that
 * is not to an earlier hunk, a length longer than a hunk, a map whose CRC
 * fails, a metadata chain that loops, each is an error naming the hunk or
 * the entry.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "chd.h"
#include "formats.h"
#include "image_private.h"
#include "banned.h"

#define MAX_HUNK_BYTES (1u << 24)	/* 16 MiB */
#define MAX_HUNKS (1u << 26)
#define MAX_META 4096u			/* entries followed */

static int pread_all(struct gm_ctx *ctx, struct gm_chd *chd, uint64_t off, void *buf,
		     size_t len, const char *what)
{
	size_t done = 0;

	if (off > chd->file_size || len > chd->file_size - off)
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': %s (%lu bytes at %llu) "
				    "lies past the end of the file (%llu bytes)",
				    chd->path, what, (unsigned long)len,
				    (unsigned long long)off,
				    (unsigned long long)chd->file_size);
	while (done < len) {
		ssize_t n = pread(chd->fd, (uint8_t *)buf + done, len - done,
				  (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot read '%s' "
						  "at byte %llu", chd->path,
						  (unsigned long long)(off + done));
		if (n == 0)
			return gm_error_set(ctx, GM_ERR_IO, "'%s' ended at byte %llu while "
					    "reading %s", chd->path,
					    (unsigned long long)(off + done), what);
		done += (size_t)n;
	}
	return 0;
}

static uint64_t be48(const uint8_t *p)
{
	return (uint64_t)gm_be16(p) << 32 | gm_be32(p + 2);
}

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* The pseudo-types of the compressed map (MAME's numbering). */
enum {
	MAP_RLE_SMALL = 7, MAP_RLE_LARGE = 8, MAP_SELF_0 = 9, MAP_SELF_1 = 10,
	MAP_PARENT_SELF = 11, MAP_PARENT_0 = 12, MAP_PARENT_1 = 13
};

static int decode_map(struct gm_ctx *ctx, struct gm_chd *chd)
{
	uint8_t head[16], entry[12];
	uint32_t map_bytes;
	uint64_t first, cur, last_parent = 0;
	uint32_t last_self = 0;
	uint16_t want_crc, crc = 0xffff;
	unsigned length_bits, self_bits, parent_bits;
	uint8_t *packed = NULL, *types = NULL, last = 0;
	struct gm_huff h;
	struct gm_bits_in b;
	uint32_t repeat = 0;
	int ret;

	ret = pread_all(ctx, chd, chd->map_offset, head, sizeof(head), "the map header");
	if (ret != 0)
		return ret;
	map_bytes = gm_be32(head);
	first = be48(head + 4);
	want_crc = gm_be16(head + 10);
	length_bits = head[12];
	self_bits = head[13];
	parent_bits = head[14];
	if (length_bits > 32 || self_bits > 32 || parent_bits > 32)
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': the map header is damaged "
				    "(field widths %u, %u, %u bits)", chd->path, length_bits,
				    self_bits, parent_bits);
	if (map_bytes > chd->file_size)
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': the map (%lu bytes) is "
				    "longer than the file", chd->path, (unsigned long)map_bytes);
	packed = malloc(map_bytes ? map_bytes : 1);
	types = malloc(chd->hunk_count ? chd->hunk_count : 1);
	if (packed == NULL || types == NULL || gm_huff_init(&h, 16, 8) != 0) {
		free(packed);
		free(types);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	ret = pread_all(ctx, chd, chd->map_offset + 16, packed, map_bytes, "the map");
	if (ret != 0)
		goto out;
	gm_bits_in_init(&b, packed, map_bytes);
	if (!gm_huff_import_rle(&h, &b)) {
		ret = gm_error_set(ctx, GM_ERR_FORMAT, "'%s': the map's Huffman tree is "
				   "invalid", chd->path);
		goto out;
	}
	for (uint32_t n = 0; n < chd->hunk_count; n++) {
		uint32_t v;

		if (repeat > 0) {
			types[n] = last;
			repeat--;
			continue;
		}
		v = gm_huff_decode(&h, &b);
		if (v == MAP_RLE_SMALL) {
			types[n] = last;
			repeat = 2 + gm_huff_decode(&h, &b);
		} else if (v == MAP_RLE_LARGE) {
			types[n] = last;
			repeat = 2 + 16 + (gm_huff_decode(&h, &b) << 4);
			repeat += gm_huff_decode(&h, &b);
		} else {
			types[n] = last = (uint8_t)v;
		}
	}
	cur = first;
	for (uint32_t n = 0; n < chd->hunk_count; n++) {
		struct gm_chd_hunk *e = &chd->map[n];
		uint8_t type = types[n];

		e->offset = cur;
		e->length = 0;
		e->crc = 0;
		switch (type) {
		case 0: case 1: case 2: case 3:
			e->length = gm_bits_read(&b, length_bits);
			cur += e->length;
			e->crc = (uint16_t)gm_bits_read(&b, 16);
			break;
		case GM_CHD_HUNK_NONE:
			e->length = chd->hunk_bytes;
			cur += e->length;
			e->crc = (uint16_t)gm_bits_read(&b, 16);
			break;
		case GM_CHD_HUNK_SELF:
			e->offset = last_self = gm_bits_read(&b, self_bits);
			break;
		case GM_CHD_HUNK_PARENT:
			e->offset = last_parent = gm_bits_read(&b, parent_bits);
			break;
		case MAP_SELF_1:
			last_self++;
			/* fall through */
		case MAP_SELF_0:
			type = GM_CHD_HUNK_SELF;
			e->offset = last_self;
			break;
		case MAP_PARENT_SELF:
			type = GM_CHD_HUNK_PARENT;
			e->offset = last_parent = (uint64_t)n * chd->hunk_bytes / chd->unit_bytes;
			break;
		case MAP_PARENT_1:
			last_parent += chd->hunk_bytes / chd->unit_bytes;
			/* fall through */
		case MAP_PARENT_0:
			type = GM_CHD_HUNK_PARENT;
			e->offset = last_parent;
			break;
		default:
			ret = gm_error_set(ctx, GM_ERR_FORMAT, "'%s': the map gives hunk %lu "
					   "the unknown type %u", chd->path, (unsigned long)n,
					   type);
			goto out;
		}
		e->type = type;
		/* the CRC is of the map as 12-byte entries */
		entry[0] = type;
		entry[1] = (uint8_t)(e->length >> 16);
		entry[2] = (uint8_t)(e->length >> 8);
		entry[3] = (uint8_t)e->length;
		gm_put_be16(entry + 4, (uint32_t)(e->offset >> 32));
		gm_put_be32(entry + 6, (uint32_t)e->offset);
		gm_put_be16(entry + 10, e->crc);
		crc = gm_crc16_update(crc, entry, sizeof(entry));
	}
	if (b.overflow)
		ret = gm_error_set(ctx, GM_ERR_FORMAT, "'%s': the map ends before its %lu "
				   "hunks", chd->path, (unsigned long)chd->hunk_count);
	else if (crc != want_crc)
		ret = gm_error_set(ctx, GM_ERR_FORMAT, "'%s': the map fails its CRC "
				   "(0x%04x, not 0x%04x): it is damaged", chd->path, crc,
				   want_crc);
out:
	gm_huff_release(&h);
	free(packed);
	free(types);
	return ret;
}

/* The map of a CHD without codecs: a 4-byte hunk number per hunk. */
static int plain_map(struct gm_ctx *ctx, struct gm_chd *chd)
{
	size_t len = (size_t)chd->hunk_count * 4;
	uint8_t *raw = malloc(len ? len : 1);
	int ret;

	if (raw == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	ret = pread_all(ctx, chd, chd->map_offset, raw, len, "the map");
	for (uint32_t n = 0; ret == 0 && n < chd->hunk_count; n++) {
		uint64_t at = (uint64_t)gm_be32(raw + 4 * (size_t)n) * chd->hunk_bytes;

		chd->map[n].type = at == 0 ? GM_CHD_HUNK_ZERO : GM_CHD_HUNK_NONE;
		chd->map[n].offset = at;
		chd->map[n].length = chd->hunk_bytes;
	}
	free(raw);
	return ret;
}

static bool zero20(const uint8_t *p)
{
	for (int i = 0; i < 20; i++)
		if (p[i])
			return false;
	return true;
}

static const char *const *parent_paths;
static unsigned parent_count;

void gm_chd_set_parents(const char *const *paths, unsigned n)
{
	parent_paths = paths;
	parent_count = n;
}

/* A parent's parent is looked for too, this deep at most (a chain of
   CHDs naming each other is refused, not followed). */
#define MAX_PARENT_DEPTH 8

static int open_depth(struct gm_ctx *ctx, const char *path, unsigned depth,
		      struct gm_chd **out);

static void sha1_hex(const uint8_t *sha1, char hex[41])
{
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", sha1[i]);
}

/* Whether the file at path is a v5 CHD whose SHA-1 is sha1. */
static bool has_sha1(const char *path, const uint8_t *sha1)
{
	uint8_t h[GM_CHD_HEADER_V5];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool yes;

	if (fd < 0)
		return false;
	yes = pread(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h) && memcmp(h, "MComprHD", 8) == 0
	      && gm_be32(h + 12) == 5 && memcmp(h + 84, sha1, 20) == 0;
	close(fd);
	return yes;
}

/* The parent of chd: the files given first, then the CHDs in chd's
   directory; the message says which SHA-1 was looked for, and where. */
static int find_parent(struct gm_ctx *ctx, struct gm_chd *chd, unsigned depth)
{
	char hex[41], *dir, *slash, *found = NULL;
	DIR *d;
	int ret;

	sha1_hex(chd->parent_sha1, hex);
	if (depth >= MAX_PARENT_DEPTH)
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': its parents go %u deep (CHDs "
				    "naming each other as parents?)", chd->path, depth);
	for (unsigned i = 0; i < parent_count && found == NULL; i++)
		if (strcmp(parent_paths[i], chd->path) != 0 && has_sha1(parent_paths[i],
									 chd->parent_sha1))
			found = gm_strdup(parent_paths[i]);
	dir = gm_strdup(chd->path);
	if (dir == NULL) {
		free(found);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	slash = strrchr(dir, '/');
	if (slash != NULL)
		slash[1] = '\0';
	d = found == NULL ? opendir(slash != NULL ? dir : ".") : NULL;
	for (struct dirent *e; d != NULL && found == NULL && (e = readdir(d)) != NULL;) {
		size_t n = strlen(e->d_name);
		size_t len = (slash != NULL ? strlen(dir) : 0) + n + 1;
		char *cand;

		if (n < 5 || strcasecmp(e->d_name + n - 4, ".chd") != 0)
			continue;
		if ((cand = malloc(len)) == NULL)
			break;
		snprintf(cand, len, "%s%s", slash != NULL ? dir : "", e->d_name);
		if (strcmp(cand, chd->path) != 0 && has_sha1(cand, chd->parent_sha1))
			found = cand;
		else
			free(cand);
	}
	if (d != NULL)
		closedir(d);
	free(dir);
	if (found == NULL)
		return gm_error_set(ctx, GM_ERR_NOENT, "'%s' is a CHD with a parent (it holds "
				    "only what differs from the CHD whose SHA-1 is %s), and "
				    "%s CHD beside it has that SHA-1: give the parent with "
				    "--parent FILE", chd->path, hex,
				    parent_count ? "neither a --parent given nor a" : "no");
	ret = open_depth(ctx, found, depth + 1, &chd->parent);
	free(found);
	if (ret != 0)
		return ret;
	pthread_mutex_init(&chd->parent_lock, NULL);
	return 0;
}

int gm_chd_open(struct gm_ctx *ctx, const char *path, struct gm_chd **out)
{
	return open_depth(ctx, path, 0, out);
}

static int open_depth(struct gm_ctx *ctx, const char *path, unsigned depth,
		      struct gm_chd **out)
{
	struct gm_chd *chd = calloc(1, sizeof(*chd));
	uint8_t h[GM_CHD_HEADER_V5];
	struct stat st;
	uint64_t hunks;
	int ret;

	*out = NULL;
	if (chd == NULL || (chd->path = gm_strdup(path)) == NULL) {
		free(chd);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	chd->cached = UINT32_MAX;
	chd->last_read = UINT64_MAX - 1;
	chd->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (chd->fd < 0) {
		ret = gm_error_set_errno(ctx, GM_ERR_NOENT, errno, "cannot open '%s'", path);
		goto fail;
	}
	if (fstat(chd->fd, &st) != 0) {
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot stat '%s'", path);
		goto fail;
	}
	chd->file_size = (uint64_t)st.st_size;
	ret = pread_all(ctx, chd, 0, h, 16, "the header");
	if (ret != 0)
		goto fail;
	if (memcmp(h, "MComprHD", 8) != 0) {
		ret = gm_error_set(ctx, GM_ERR_FORMAT, "'%s' is not a CHD (no MComprHD "
				   "tag)", path);
		goto fail;
	}
	chd->version = gm_be32(h + 12);
	if (chd->version != 5) {
		ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' is a CHD of version %lu: "
				   "only version 5 is read (`chdman copy -i OLD -o NEW` "
				   "rewrites it as version 5)", path,
				   (unsigned long)chd->version);
		goto fail;
	}
	ret = pread_all(ctx, chd, 0, h, sizeof(h), "the header");
	if (ret != 0)
		goto fail;
	if (gm_be32(h + 8) != GM_CHD_HEADER_V5) {
		ret = gm_error_set(ctx, GM_ERR_FORMAT, "'%s': a version 5 header of %lu "
				   "bytes (124 expected)", path, (unsigned long)gm_be32(h + 8));
		goto fail;
	}
	for (int i = 0; i < 4; i++)
		chd->compressors[i] = gm_be32(h + 16 + 4 * i);
	chd->logical_bytes = gm_be64(h + 32);
	chd->map_offset = gm_be64(h + 40);
	chd->meta_offset = gm_be64(h + 48);
	chd->hunk_bytes = gm_be32(h + 56);
	chd->unit_bytes = gm_be32(h + 60);
	memcpy(chd->raw_sha1, h + 64, 20);
	memcpy(chd->sha1, h + 84, 20);
	memcpy(chd->parent_sha1, h + 104, 20);
	chd->has_parent = !zero20(chd->parent_sha1);
	if (chd->hunk_bytes == 0 || chd->hunk_bytes > MAX_HUNK_BYTES || chd->unit_bytes == 0
	    || chd->hunk_bytes % chd->unit_bytes != 0) {
		ret = gm_error_set(ctx, GM_ERR_FORMAT, "'%s': hunks of %lu bytes in units "
				   "of %lu cannot be (a damaged header?)", path,
				   (unsigned long)chd->hunk_bytes, (unsigned long)chd->unit_bytes);
		goto fail;
	}
	hunks = chd->logical_bytes / chd->hunk_bytes
		+ (chd->logical_bytes % chd->hunk_bytes != 0);
	if (hunks > MAX_HUNKS) {
		ret = gm_error_set(ctx, GM_ERR_FORMAT, "'%s': %llu hunks of %lu bytes is "
				   "more than this reader takes (%u)", path,
				   (unsigned long long)hunks, (unsigned long)chd->hunk_bytes,
				   MAX_HUNKS);
		goto fail;
	}
	chd->hunk_count = (uint32_t)hunks;
	if (chd->map_offset == 0) {
		ret = gm_error_set(ctx, GM_ERR_FORMAT, "'%s' is an incomplete CHD (it has "
				   "no map: the program writing it stopped)", path);
		goto fail;
	}
	chd->map = calloc(chd->hunk_count ? chd->hunk_count : 1, sizeof(*chd->map));
	chd->cache = malloc(chd->hunk_bytes);
	chd->packed = malloc(chd->hunk_bytes);
	if (chd->map == NULL || chd->cache == NULL || chd->packed == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto fail;
	}
	for (int i = 0; i < 4; i++) {
		if (chd->compressors[i] == 0)
			continue;
		chd->codec[i] = gm_chd_codec_new(ctx, chd->compressors[i], chd->hunk_bytes);
		if (chd->codec[i] == NULL) {
			char msg[GM_ERROR_MAX];

			snprintf(msg, sizeof(msg), "%s", gm_error(ctx));
			ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s': %s", path, msg);
			goto fail;
		}
	}
	ret = chd->compressors[0] != 0 ? decode_map(ctx, chd) : plain_map(ctx, chd);
	if (ret == 0 && chd->has_parent)
		ret = find_parent(ctx, chd, depth);
	if (ret != 0)
		goto fail;
	*out = chd;
	return 0;
fail:
	gm_chd_close(chd);
	return ret;
}

static void ra_stop(struct gm_chd *chd);

void gm_chd_close(struct gm_chd *chd)
{
	if (chd == NULL)
		return;
	ra_stop(chd);
	if (chd->parent != NULL) {
		gm_chd_close(chd->parent);
		pthread_mutex_destroy(&chd->parent_lock);
	}
	if (chd->fd >= 0)
		close(chd->fd);
	for (int i = 0; i < 4; i++)
		gm_chd_codec_free(chd->codec[i]);
	free(chd->map);
	free(chd->cache);
	free(chd->packed);
	free(chd->path);
	free(chd);
}

static int read_hunk_with(struct gm_ctx *ctx, struct gm_chd *chd, uint32_t n, uint8_t *buf,
			  struct gm_chd_codec *const *codec, uint8_t *packed);

int gm_chd_read_hunk(struct gm_ctx *ctx, struct gm_chd *chd, uint32_t n, uint8_t *buf)
{
	return read_hunk_with(ctx, chd, n, buf, chd->codec, chd->packed);
}

/* Hunk n of chd from the bytes at off of its parent (one reader at a
   time: read-ahead threads share the parent). */
static int parent_bytes(struct gm_ctx *ctx, struct gm_chd *chd, uint32_t n, uint64_t off,
			uint8_t *buf)
{
	struct gm_chd *p = chd->parent;
	uint64_t size = (uint64_t)p->hunk_count * p->hunk_bytes;
	int ret;

	if (off > size || size - off < chd->hunk_bytes)
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': hunk %lu is at byte %llu of "
				    "the parent '%s', which ends at %llu", chd->path,
				    (unsigned long)n, (unsigned long long)off, p->path,
				    (unsigned long long)size);
	pthread_mutex_lock(&chd->parent_lock);
	ret = gm_chd_read(ctx, p, off, buf, chd->hunk_bytes);
	pthread_mutex_unlock(&chd->parent_lock);
	return ret;
}

/* Hunk n into buf with the decompressors codec[] and the buffer packed
   (the caller's or a read-ahead thread's own). */
static int read_hunk_with(struct gm_ctx *ctx, struct gm_chd *chd, uint32_t n, uint8_t *buf,
			  struct gm_chd_codec *const *codec, uint8_t *packed)
{
	const struct gm_chd_hunk *e;
	char what[64], w[256];
	int ret;

	if (n >= chd->hunk_count)
		return gm_error_set(ctx, GM_ERR_INVALID, "'%s' has no hunk %lu", chd->path,
				    (unsigned long)n);
	/* a copy of an earlier hunk (never a later one: no loops) */
	for (uint32_t at = n; chd->map[at].type == GM_CHD_HUNK_SELF;) {
		uint64_t to = chd->map[at].offset;

		if (to >= at)
			return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': hunk %lu is said to "
					    "copy hunk %llu, which does not come before it",
					    chd->path, (unsigned long)at, (unsigned long long)to);
		at = (uint32_t)to;
		n = at;
	}
	e = &chd->map[n];
	snprintf(what, sizeof(what), "hunk %lu", (unsigned long)n);
	switch (e->type) {
	case GM_CHD_HUNK_ZERO:
		/* not stored: zeros, or the parent's hunk there */
		if (chd->parent != NULL)
			return parent_bytes(ctx, chd, n, (uint64_t)n * chd->hunk_bytes, buf);
		memset(buf, 0, chd->hunk_bytes);
		return 0;
	case GM_CHD_HUNK_PARENT:
		/* the parent's bytes from a unit of its (the map has no CRC
		   for them: the parent's own hunks are checked) */
		if (chd->parent == NULL)
			return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': hunk %lu is in a parent "
					    "CHD, and this one names none", chd->path,
					    (unsigned long)n);
		if (e->offset > UINT64_MAX / chd->parent->unit_bytes)
			return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': hunk %lu is at unit %llu "
					    "of the parent, which it does not have", chd->path,
					    (unsigned long)n, (unsigned long long)e->offset);
		return parent_bytes(ctx, chd, n, e->offset * chd->parent->unit_bytes, buf);
	case GM_CHD_HUNK_NONE:
		ret = pread_all(ctx, chd, e->offset, buf, chd->hunk_bytes, what);
		if (ret != 0)
			return ret;
		break;
	default:
		if (e->type > 3 || codec[e->type] == NULL)
			return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': hunk %lu names codec %u, "
					    "which the header does not", chd->path,
					    (unsigned long)n, e->type);
		if (e->length > chd->hunk_bytes)
			return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': hunk %lu is %lu bytes "
					    "compressed, more than its %lu", chd->path,
					    (unsigned long)n, (unsigned long)e->length,
					    (unsigned long)chd->hunk_bytes);
		ret = pread_all(ctx, chd, e->offset, packed, e->length, what);
		if (ret != 0)
			return ret;
		ret = gm_chd_codec_decompress(codec[e->type], packed, e->length, buf,
					      w, sizeof(w));
		if (ret != 0) {
			char name[5];

			return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': hunk %lu (%s) does not "
					    "decompress: %s", chd->path, (unsigned long)n,
					    gm_chd_codec_name(chd->compressors[e->type], name), w);
		}
		break;
	}
	if (chd->compressors[0] != 0 && gm_crc16_update(0xffff, buf, chd->hunk_bytes) != e->crc)
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': hunk %lu fails its CRC: it is "
				    "damaged", chd->path, (unsigned long)n);
	return 0;
}

/*
 * Read-ahead: a run of sequential reads (a convert, a hash, a verify) has
 * the hunks after it decompressed on every core, in blocks of about 256
 * KiB of hunks, each thread with decompressors of its own; a read that
 * jumps (a mount, an ls) goes on one hunk at a time on the caller's
 * thread.  A block that fails keeps its message for the read that
 * reaches it.
 */
#define RA_BLOCK_BYTES (256u << 10)
#define RA_MAX_THREADS 8

struct ra_block {
	uint32_t number;	/* first hunk / per */
	enum { RA_EMPTY, RA_WANTED, RA_BUSY, RA_READY, RA_FAILED } state;
	uint8_t *data;
	uint32_t hunks;		/* in it */
	char message[GM_ERROR_MAX];
	int code;
};

struct gm_chd_ra {
	struct gm_chd *chd;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	unsigned nthreads, nblocks;
	pthread_t thread[RA_MAX_THREADS];
	struct ra_block *block;
	uint32_t per;		/* hunks a block */
	bool quit;
};

struct ra_thread {
	struct gm_chd_ra *ra;
	struct gm_chd_codec *codec[4];
	uint8_t *packed;
	struct gm_ctx *ctx;
};

static void *ra_main(void *arg)
{
	struct ra_thread *t = arg;
	struct gm_chd_ra *ra = t->ra;
	struct gm_chd *chd = ra->chd;

	pthread_mutex_lock(&ra->lock);
	for (;;) {
		struct ra_block *b = NULL;

		for (unsigned i = 0; i < ra->nblocks; i++)
			if (ra->block[i].state == RA_WANTED
			    && (b == NULL || ra->block[i].number < b->number))
				b = &ra->block[i];
		if (b == NULL) {
			if (ra->quit)
				break;
			pthread_cond_wait(&ra->work, &ra->lock);
			continue;
		}
		b->state = RA_BUSY;
		pthread_mutex_unlock(&ra->lock);
		{
			uint32_t first = b->number * ra->per;
			int ret = 0;

			for (uint32_t k = 0; k < b->hunks && ret == 0; k++)
				ret = read_hunk_with(t->ctx, chd, first + k,
						     b->data + (size_t)k * chd->hunk_bytes,
						     t->codec, t->packed);
			pthread_mutex_lock(&ra->lock);
			b->code = ret;
			if (ret != 0)
				snprintf(b->message, sizeof(b->message), "%s", gm_error(t->ctx));
			b->state = ret == 0 ? RA_READY : RA_FAILED;
			pthread_cond_broadcast(&ra->done);
		}
	}
	pthread_mutex_unlock(&ra->lock);
	for (int i = 0; i < 4; i++)
		gm_chd_codec_free(t->codec[i]);
	free(t->packed);
	gm_ctx_free(t->ctx);
	free(t);
	return NULL;
}

static void ra_stop(struct gm_chd *chd)
{
	struct gm_chd_ra *ra = chd->ra;

	if (ra == NULL)
		return;
	pthread_mutex_lock(&ra->lock);
	ra->quit = true;
	pthread_cond_broadcast(&ra->work);
	pthread_mutex_unlock(&ra->lock);
	for (unsigned i = 0; i < ra->nthreads; i++)
		pthread_join(ra->thread[i], NULL);
	for (unsigned i = 0; i < ra->nblocks; i++)
		free(ra->block[i].data);
	free(ra->block);
	pthread_mutex_destroy(&ra->lock);
	pthread_cond_destroy(&ra->work);
	pthread_cond_destroy(&ra->done);
	free(ra);
	chd->ra = NULL;
}

/* A jump: what was wanted ahead is not. */
static void ra_cancel(struct gm_chd *chd)
{
	struct gm_chd_ra *ra = chd->ra;

	if (ra == NULL)
		return;
	pthread_mutex_lock(&ra->lock);
	for (unsigned i = 0; i < ra->nblocks; i++)
		if (ra->block[i].state == RA_WANTED)
			ra->block[i].state = RA_EMPTY;
	pthread_mutex_unlock(&ra->lock);
}

/* The read-ahead threads, started at the first sequential run (false when
   there are none to be had: reads then go on alone). */
static bool ra_start(struct gm_chd *chd)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct gm_chd_ra *ra;

	if (cores < 2)
		return false;
	ra = calloc(1, sizeof(*ra));
	if (ra == NULL)
		return false;
	ra->chd = chd;
	ra->per = RA_BLOCK_BYTES / chd->hunk_bytes ? RA_BLOCK_BYTES / chd->hunk_bytes : 1;
	ra->nblocks = (unsigned)(cores > RA_MAX_THREADS ? RA_MAX_THREADS : cores) * 2 + 1;
	ra->block = calloc(ra->nblocks, sizeof(*ra->block));
	pthread_mutex_init(&ra->lock, NULL);
	pthread_cond_init(&ra->work, NULL);
	pthread_cond_init(&ra->done, NULL);
	chd->ra = ra;
	for (unsigned i = 0; ra->block != NULL && i < ra->nblocks; i++) {
		ra->block[i].data = malloc((size_t)ra->per * chd->hunk_bytes);
		if (ra->block[i].data == NULL) {
			ra_stop(chd);
			return false;
		}
	}
	for (long i = 0; ra->block != NULL && i < cores && i < RA_MAX_THREADS; i++) {
		struct ra_thread *t = calloc(1, sizeof(*t));
		bool ok = t != NULL && (t->ctx = gm_ctx_new()) != NULL
			  && (t->packed = malloc(chd->hunk_bytes)) != NULL;

		for (int k = 0; ok && k < 4; k++)
			if (chd->compressors[k] != 0)
				ok = (t->codec[k] = gm_chd_codec_new(t->ctx, chd->compressors[k],
								     chd->hunk_bytes)) != NULL;
		if (t != NULL)
			t->ra = ra;
		if (!ok || pthread_create(&ra->thread[ra->nthreads], NULL, ra_main, t) != 0) {
			if (t != NULL) {
				for (int k = 0; k < 4; k++)
					gm_chd_codec_free(t->codec[k]);
				free(t->packed);
				gm_ctx_free(t->ctx);
				free(t);
			}
			break;
		}
		ra->nthreads++;
	}
	if (ra->nthreads == 0) {
		ra_stop(chd);
		return false;
	}
	return true;
}

/* Hunk n through the read-ahead: a pointer to it in its block, or NULL
   with the message on ctx (*code the failure). */
static const uint8_t *ra_hunk(struct gm_ctx *ctx, struct gm_chd *chd, uint32_t n, int *code)
{
	struct gm_chd_ra *ra = chd->ra;
	uint32_t want = n / ra->per, last = (chd->hunk_count - 1) / ra->per;
	struct ra_block *b = NULL;
	const uint8_t *out = NULL;

	pthread_mutex_lock(&ra->lock);
	/* blocks before the one wanted are done with; the following ones
	   are wanted */
	for (unsigned i = 0; i < ra->nblocks; i++)
		if (ra->block[i].state != RA_BUSY && ra->block[i].state != RA_EMPTY
		    && (ra->block[i].number < want || ra->block[i].number >= want + ra->nblocks))
			ra->block[i].state = RA_EMPTY;
	for (uint32_t k = want; k <= last && k < want + ra->nblocks; k++) {
		bool there = false;

		for (unsigned i = 0; i < ra->nblocks && !there; i++)
			there = ra->block[i].state != RA_EMPTY && ra->block[i].number == k;
		for (unsigned i = 0; !there && i < ra->nblocks; i++)
			if (ra->block[i].state == RA_EMPTY) {
				ra->block[i].number = k;
				ra->block[i].hunks = k == last ? chd->hunk_count - k * ra->per
					: ra->per;
				ra->block[i].state = RA_WANTED;
				there = true;
			}
	}
	pthread_cond_broadcast(&ra->work);
	for (;;) {
		b = NULL;
		for (unsigned i = 0; i < ra->nblocks && b == NULL; i++)
			if (ra->block[i].state != RA_EMPTY && ra->block[i].number == want)
				b = &ra->block[i];
		if (b == NULL || b->state == RA_READY || b->state == RA_FAILED)
			break;
		pthread_cond_wait(&ra->done, &ra->lock);
	}
	if (b != NULL && b->state == RA_READY)
		out = b->data + (size_t)(n - want * ra->per) * chd->hunk_bytes;
	else if (b != NULL)
		*code = gm_error_set(ctx, (enum gm_err)-b->code, "%s", b->message);
	else
		*code = 1;	/* (not scheduled: read alone) */
	pthread_mutex_unlock(&ra->lock);
	return out;
}

int gm_chd_read(struct gm_ctx *ctx, struct gm_chd *chd, uint64_t off, uint8_t *buf,
		size_t len)
{
	while (len > 0) {
		uint64_t n = off / chd->hunk_bytes;
		size_t in = (size_t)(off % chd->hunk_bytes);
		size_t take = chd->hunk_bytes - in < len ? chd->hunk_bytes - in : len;

		if (n >= chd->hunk_count)
			return gm_error_set(ctx, GM_ERR_FORMAT, "'%s' ends at byte %llu, before "
					    "the sectors its metadata give it", chd->path,
					    (unsigned long long)chd->logical_bytes);
		/* sequential: the hunk just read or the next; two steps in a
		   row use the read-ahead, a jump goes on alone */
		if (n == chd->last_read + 1) {
			chd->sequential++;
		} else if (n != chd->last_read) {
			chd->sequential = 0;
			ra_cancel(chd);
		}
		if (chd->sequential >= 2 && chd->ra == NULL && !chd->ra_failed)
			chd->ra_failed = !ra_start(chd);
		if (chd->sequential >= 2 && chd->ra != NULL) {
			int code = 0;
			const uint8_t *h = ra_hunk(ctx, chd, (uint32_t)n, &code);

			if (h == NULL && code < 0)
				return code;
			if (h != NULL) {
				memcpy(buf, h + in, take);
				chd->last_read = n;
				buf += take;
				off += take;
				len -= take;
				continue;
			}
		}
		if (chd->cached != n) {
			int ret;

			chd->cached = UINT32_MAX;
			ret = gm_chd_read_hunk(ctx, chd, (uint32_t)n, chd->cache);
			if (ret != 0)
				return ret;
			chd->cached = (uint32_t)n;
		}
		chd->last_read = n;
		memcpy(buf, chd->cache + in, take);
		buf += take;
		off += take;
		len -= take;
	}
	return 0;
}

int gm_chd_meta(struct gm_ctx *ctx, struct gm_chd *chd, uint32_t tag, unsigned index,
		uint8_t *buf, size_t len, uint32_t *tag_out, uint8_t *flags,
		uint32_t *size)
{
	uint64_t at = chd->meta_offset;
	unsigned seen = 0;

	for (unsigned k = 0; at != 0 && k < MAX_META; k++) {
		uint8_t e[16];
		uint32_t etag, elen;
		int ret = pread_all(ctx, chd, at, e, sizeof(e), "a metadata entry");

		if (ret != 0)
			return ret;
		etag = gm_be32(e);
		elen = be24(e + 5);
		if (tag == 0 || etag == tag) {
			if (seen++ == index) {
				size_t take = elen < len ? elen : len;

				ret = pread_all(ctx, chd, at + 16, buf, take, "a metadata entry");
				if (ret != 0)
					return ret;
				if (take < len)
					buf[take] = 0;
				if (tag_out != NULL)
					*tag_out = etag;
				if (flags != NULL)
					*flags = e[4];
				if (size != NULL)
					*size = elen;
				return 0;
			}
		}
		at = gm_be64(e + 8);
	}
	if (at != 0)
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s': more than %u metadata entries "
				    "(the chain loops?)", chd->path, MAX_META);
	return 1;
}
