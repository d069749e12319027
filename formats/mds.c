/*
 * mds.c - Alcohol 120% images (an .mds descriptor and its .mdf data),
 * read only: descriptor version 1.x (version 2, written by later DAEMON
 * Tools, is encrypted and refused).  All integers are little-endian.
 *
 *   header (88 bytes)   "MEDIA DESCRIPTOR", version (major, minor), medium
 *                       type (u16 at 18: 0x00-0x02 CD, 0x10/0x12 DVD),
 *                       sessions (u16 at 20), offset of the session blocks
 *                       (u32 at 80)
 *   session (24 bytes)  start and end LBA (i32), number (u16), entries
 *                       (u8 at 10), entries that are not tracks (u8 at 11),
 *                       first and last track (u16 at 12, 14), offset of its
 *                       entries (u32 at 20)
 *   entry (80 bytes)    mode, subchannel (0 none, 8 interleaved P-W),
 *                       ADR/CONTROL, TNO, POINT (the track number, or
 *                       A0/A1/A2), MSF, zero, PMSF, offset of the extra
 *                       block (u32 at 12; a DVD's track length instead),
 *                       sector size (u16 at 16, subchannel included),
 *                       start LBA (u32 at 36), start offset in the data
 *                       file (u64 at 40), files (u32 at 48), offset of the
 *                       footer (u32 at 52)
 *   extra (8 bytes)     pregap sectors, sectors from index 1
 *   footer (16 bytes)   offset of the file name (u32), wide flag (u32)
 *   file name           NUL-terminated, UTF-16LE when wide; "*.mdf" is the
 *                       descriptor's own name with the extension replaced
 *
 * The layouts follow Aaru (Alcohol120) and libmirage (image-mds).  The
 * start LBA is index 1; index 0 is the pregap before it.  Whether a
 * pregap is in the data file is told by the start offsets: it is when the
 * track starts exactly the pregap's bytes after the previous track's data
 * (or the file's start), otherwise it is an unstored pregap.  The pregap
 * of track 1 lies before LBA 0, where the disc model does not go; a gap
 * between two tracks of a session becomes the earlier track's postgap.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_private.h"
#include "bytes.h"
#include "banned.h"

#define MDS_HEADER 88
#define MDS_SESSION 24
#define MDS_ENTRY 80
#define MDS_MAX (16u << 20)
#define MDS_NAME_MAX 4096

struct mds {
	struct gm_ctx *ctx;
	const char *path;
	struct gm_disc *disc;
	uint8_t *buf;		/* the whole descriptor */
	size_t len;
	uint64_t file_end[GM_MAX_TRACKS];	/* per disc file: end of the
						   last track's data */
};

static int mds_error(struct mds *m, uint64_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int mds_error(struct mds *m, uint64_t at, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gm_error_set(m->ctx, GM_ERR_FORMAT, "mds image '%s' at byte %llu: %s",
			    m->path, (unsigned long long)at, msg);
}

/* Whether size bytes from offset lie inside the descriptor. */
static bool inside(const struct mds *m, uint64_t offset, uint64_t size)
{
	return offset <= m->len && size <= m->len - offset;
}

/* Append the UTF-8 form of code point cp to out (room for 4 bytes). */
static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The data file name at offset (8-bit or UTF-16LE), into name. */
static int file_name(struct mds *m, uint64_t at, uint32_t offset, bool wide,
		     char name[MDS_NAME_MAX])
{
	size_t n = 0;

	if (!inside(m, offset, 1))
		return mds_error(m, at, "the data file name at byte %u lies beyond "
				 "the end of the descriptor (%zu bytes)", offset,
				 m->len);
	for (size_t i = offset;; i += wide ? 2 : 1) {
		uint32_t cp;

		if (i + (wide ? 1 : 0) >= m->len || n + 5 > MDS_NAME_MAX)
			return mds_error(m, offset, "the data file name is not "
					 "terminated");
		if (!wide) {
			/* Alcohol writes the ANSI code page; keep ASCII as is */
			cp = m->buf[i];
		} else {
			cp = gm_le16(m->buf + i);
			if (cp >= 0xd800 && cp < 0xdc00 && i + 3 < m->len
			    && gm_le16(m->buf + i + 2) >= 0xdc00
			    && gm_le16(m->buf + i + 2) < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10)
				     + (gm_le16(m->buf + i + 2) - 0xdc00);
				i += 2;
			} else if (cp >= 0xd800 && cp < 0xe000) {
				return mds_error(m, i, "the data file name has a lone "
						 "UTF-16 surrogate");
			}
		}
		if (cp == 0)
			break;
		if (cp < 0x20 || cp == '/')
			return mds_error(m, i, "the data file name has the character "
					 "0x%02x", cp);
		n += put_utf8(name + n, cp);
	}
	name[n] = '\0';
	if (n == 0)
		return mds_error(m, offset, "the data file name is empty");
	return 0;
}

/* The disc file an entry names (its footer), added on first use. */
static int entry_file(struct mds *m, const uint8_t *e, uint64_t at,
		      unsigned track)
{
	struct gm_disc *d = m->disc;
	uint32_t files = gm_le32(e + 48), footer = gm_le32(e + 52);
	char name[MDS_NAME_MAX];
	const char *base;
	int ret;

	if (files > 1)
		return mds_error(m, at + 48, "track %u is split over %u data files, "
				 "which is not supported", track, files);
	if (files == 0 || footer == 0) {
		snprintf(name, sizeof(name), "*.mdf");
	} else {
		if (!inside(m, footer, 16))
			return mds_error(m, at + 52, "the footer of track %u at byte %u "
					 "runs past the end of the descriptor (%zu "
					 "bytes)", track, footer, m->len);
		ret = file_name(m, footer, gm_le32(m->buf + footer),
				gm_le32(m->buf + footer + 4) != 0, name);
		if (ret != 0)
			return ret;
	}
	/* a Windows path: keep its last component */
	base = strrchr(name, '\\') ? strrchr(name, '\\') + 1 : name;
	if (base[0] == '*' && base[1] == '.') {
		char *stem = gm_path_stem(m->path), ext[MDS_NAME_MAX];

		if (stem == NULL)
			return gm_error_set(m->ctx, GM_ERR_NOMEM, NULL);
		snprintf(ext, sizeof(ext), "%s", base + 1);
		snprintf(name, sizeof(name), "%s%s", stem, ext);
		free(stem);
		base = name;
	} else if (base != name) {
		memmove(name, base, strlen(base) + 1);
		base = name;
	}
	for (unsigned i = 0; i < d->nfiles; i++)
		if (strcmp(d->files[i].name, name) == 0)
			return (int)i;
	if (d->nfiles == GM_MAX_TRACKS)
		return mds_error(m, at + 52, "more than 99 data files");
	ret = gm_disc_add_file(m->ctx, d, m->path, name, GM_FILE_BINARY);
	if (ret < 0) {
		char msg[GM_ERROR_MAX];

		snprintf(msg, sizeof(msg), "%s", gm_error(m->ctx));
		return gm_error_set(m->ctx, gm_error_code(m->ctx), "mds image '%s' at "
				    "byte %llu: %s", m->path,
				    (unsigned long long)(footer ? footer : at + 52), msg);
	}
	m->file_end[ret] = 0;
	return ret;
}

/* What the mode byte's low nibble says (libmirage's table). */
static int track_mode(uint8_t mode, enum gm_track_mode *out)
{
	switch (mode & 0x0f) {
	case 0x1: case 0x9:
		*out = GM_TRACK_AUDIO;
		return 0;
	case 0x2: case 0xa:
		*out = GM_TRACK_MODE1;
		return 0;
	case 0x0: case 0x3: case 0x4: case 0x5: case 0x7: case 0x8:
	case 0xb: case 0xc: case 0xd: case 0xf:
		*out = GM_TRACK_MODE2;
		return 0;
	}
	return -1;
}

/* One track entry of a session into disc->tracks[i]. */
static int lay_out_track(struct mds *m, const uint8_t *e, uint64_t at,
			 unsigned i, unsigned session, bool first_in_session)
{
	struct gm_disc *d = m->disc;
	struct gm_track *t = &d->tracks[i];
	unsigned number = e[4], size = gm_le16(e + 16);
	uint64_t start_offset = gm_le64(e + 40), pregap_bytes, fsize;
	int64_t lba1 = (int32_t)gm_le32(e + 36), lba0, stored_first, pregap, length;
	int64_t stored_pregap = 0;
	int file;

	memset(t, 0, sizeof(*t));
	t->number = (uint8_t)number;
	t->session = (uint8_t)session;
	t->sub_file = -1;
	t->control = e[2] & 0x0f;
	if (e[1] != 0 && e[1] != 0x08)
		return mds_error(m, at + 1, "track %u has the unknown subchannel "
				 "mode 0x%02x", number, e[1]);
	if (d->media != GM_MEDIA_CD) {
		t->mode = GM_TRACK_MODE1;
		t->control = GM_CTL_DATA;
		if (size != 2048 || e[1] != 0)
			return mds_error(m, at + 16, "DVD track %u has %u-byte sectors, "
					 "not 2048", number, size);
		t->storage = GM_STORE_USER;
		pregap = 0;
		length = gm_le32(e + 12);	/* no extra block: the length is here */
	} else {
		uint32_t extra = gm_le32(e + 12);

		if (track_mode(e[0], &t->mode) != 0)
			return mds_error(m, at, "track %u has the unknown mode 0x%02x",
					 number, e[0]);
		if (e[1] == 0x08) {
			if (size != 2352 + 96)
				return mds_error(m, at + 16, "track %u has subchannel and "
						 "%u-byte sectors, not 2448", number, size);
			t->storage = GM_STORE_RAW_SUB;
		} else if (size == 2048 || size == 2324 || size == 2336 || size == 2352) {
			t->storage = (enum gm_storage)size;
		} else {
			return mds_error(m, at + 16, "track %u has %u-byte sectors (2048, "
					 "2324, 2336 or 2352 are known)", number, size);
		}
		if ((t->mode == GM_TRACK_AUDIO && t->storage < GM_STORE_RAW)
		    || (t->mode == GM_TRACK_MODE1 && (t->storage == GM_STORE_FORM2
						      || t->storage == GM_STORE_MODE2)))
			return mds_error(m, at + 16, "track %u is %s with %u-byte "
					 "sectors", number, gm_track_mode_name(t->mode),
					 size);
		if (extra == 0)
			return mds_error(m, at + 12, "track %u has no extra block (pregap "
					 "and length)", number);
		if (!inside(m, extra, 8))
			return mds_error(m, at + 12, "the extra block of track %u at byte "
					 "%u runs past the end of the descriptor (%zu "
					 "bytes)", number, extra, m->len);
		pregap = gm_le32(m->buf + extra);
		length = gm_le32(m->buf + extra + 4);
		if (pregap > GM_LBA_MAX || length > GM_LBA_MAX)
			return mds_error(m, extra, "track %u has a pregap of %lld and a "
					 "length of %lld sectors", number,
					 (long long)pregap, (long long)length);
	}
	if (length == 0)
		return mds_error(m, at, "track %u has no sectors from index 1 on",
				 number);
	file = entry_file(m, e, at, number);
	if (file < 0)
		return file;
	t->file = (unsigned)file;
	fsize = d->files[file].size;
	pregap_bytes = (uint64_t)pregap * t->storage;
	if (start_offset < m->file_end[file])
		return mds_error(m, at + 40, "track %u starts at byte %llu of '%s', "
				 "inside the track before it", number,
				 (unsigned long long)start_offset, d->files[file].path);
	/* a pregap is stored when the track's data starts that much later */
	if (pregap > 0 && start_offset - m->file_end[file] == pregap_bytes)
		stored_pregap = pregap;
	t->offset = start_offset - (uint64_t)stored_pregap * t->storage;
	if (start_offset > fsize
	    || (uint64_t)length > (fsize - start_offset) / t->storage)
		return mds_error(m, at + 40, "track %u needs %lld sectors of %u bytes "
				 "from byte %llu of '%s', which is %llu bytes",
				 number, (long long)length, (unsigned)t->storage,
				 (unsigned long long)start_offset, d->files[file].path,
				 (unsigned long long)fsize);
	m->file_end[file] = start_offset + (uint64_t)length * t->storage;

	lba0 = lba1 - pregap;
	stored_first = lba1 - stored_pregap;
	if (lba1 < 0 || lba1 + length > (d->media == GM_MEDIA_CD ? GM_LBA_MAX + 1
					 : INT32_MAX))
		return mds_error(m, at + 36, "track %u runs from LBA %lld to %lld, "
				 "outside a disc", number, (long long)lba1,
				 (long long)(lba1 + length));
	if (lba0 < 0) {
		/* the disc model starts at LBA 0: drop the rest of the lead-in */
		if (i != 0)
			return mds_error(m, at + 36, "track %u starts at LBA %lld, before "
					 "LBA 0", number, (long long)lba0);
		if (stored_first < 0) {
			t->offset += (uint64_t)-stored_first * t->storage;
			stored_first = 0;
		}
		lba0 = 0;
	}
	t->index[0] = (int32_t)lba0;
	t->index[1] = (int32_t)lba1;
	t->nindex = 1;
	t->pregap = (int32_t)(stored_first - lba0);
	t->end = (int32_t)(lba1 + length);
	if (i > 0) {
		struct gm_track *p = &d->tracks[i - 1];

		if (t->index[0] < p->end)
			return mds_error(m, at + 36, "track %u starts at LBA %ld, inside "
					 "track %u, which ends at LBA %ld", number,
					 (long)t->index[0], p->number, (long)p->end);
		if (!first_in_session && t->index[0] > p->end) {
			p->postgap += t->index[0] - p->end;
			p->end = t->index[0];
		}
	}
	return 0;
}

static int parse_session(struct mds *m, unsigned s, uint64_t at)
{
	struct gm_disc *d = m->disc;
	const uint8_t *b = m->buf + at;
	unsigned number = gm_le16(b + 8), entries = b[10], others = b[11];
	unsigned first = gm_le16(b + 12), last = gm_le16(b + 14), seen = 0;
	uint32_t offset = gm_le32(b + 20);
	unsigned expect = d->ntracks ? d->tracks[d->ntracks - 1].number + 1u : 1u;
	int ret;

	if (number != s + 1)
		return mds_error(m, at + 8, "session block %u says session %u", s + 1,
				 number);
	if (first != expect || last < first || last > 99)
		return mds_error(m, at + 12, "session %u has tracks %u to %u; %u was "
				 "expected first", number, first, last, expect);
	if (entries < others || entries - others != last - first + 1)
		return mds_error(m, at + 10, "session %u has %u entries, %u of them not "
				 "tracks, for the %u tracks %u to %u", number, entries,
				 others, last - first + 1, first, last);
	if (!inside(m, offset, (uint64_t)entries * MDS_ENTRY))
		return mds_error(m, at + 20, "the %u entries of session %u at byte %u "
				 "run past the end of the descriptor (%zu bytes)",
				 entries, number, offset, m->len);
	for (unsigned k = 0; k < entries; k++) {
		uint64_t e_at = offset + (uint64_t)k * MDS_ENTRY;
		const uint8_t *e = m->buf + e_at;

		if (e[4] >= 0xa0 && e[4] <= 0xa2)
			continue;	/* first track, last track, lead-out */
		if (e[4] != first + seen)
			return mds_error(m, e_at + 4, "session %u has the entry POINT "
					 "0x%02x where track %u was expected", number,
					 e[4], first + seen);
		ret = lay_out_track(m, e, e_at, d->ntracks, number, seen == 0);
		if (ret != 0)
			return ret;
		d->ntracks++;
		seen++;
	}
	if (seen != last - first + 1)
		return mds_error(m, offset, "session %u has %u track entries for the "
				 "%u tracks %u to %u", number, seen,
				 last - first + 1, first, last);
	return 0;
}

static int parse(struct mds *m)
{
	struct gm_disc *d = m->disc;
	unsigned medium, sessions;
	uint32_t offset;
	int ret;

	if (m->len < MDS_HEADER || memcmp(m->buf, "MEDIA DESCRIPTOR", 16) != 0)
		return mds_error(m, 0, "no \"MEDIA DESCRIPTOR\" header");
	if (m->buf[16] != 1)
		return mds_error(m, 16, "version %u.%u is not supported (1.x is)",
				 m->buf[16], m->buf[17]);
	medium = gm_le16(m->buf + 18);
	if (medium <= 0x02)
		d->media = GM_MEDIA_CD;
	else if (medium == 0x10 || medium == 0x12)
		d->media = GM_MEDIA_DVD;
	else
		return mds_error(m, 18, "medium type 0x%02x is unknown", medium);
	sessions = gm_le16(m->buf + 20);
	if (sessions < 1 || sessions > 99 || (d->media != GM_MEDIA_CD && sessions != 1))
		return mds_error(m, 20, "%u sessions", sessions);
	offset = gm_le32(m->buf + 80);
	if (!inside(m, offset, (uint64_t)sessions * MDS_SESSION))
		return mds_error(m, 80, "the %u session blocks at byte %u run past the "
				 "end of the descriptor (%zu bytes)", sessions, offset,
				 m->len);
	for (unsigned s = 0; s < sessions; s++) {
		ret = parse_session(m, s, offset + (uint64_t)s * MDS_SESSION);
		if (ret != 0)
			return ret;
	}
	if (d->media != GM_MEDIA_CD && d->ntracks != 1)
		return mds_error(m, offset, "a DVD image with %u tracks", d->ntracks);
	return 0;
}

static int mds_read(struct gm_ctx *ctx, const char *path, struct gm_disc *disc)
{
	struct mds m = {.ctx = ctx, .path = path, .disc = disc};
	struct stat sb;
	size_t done = 0;
	int fd, ret;

	disc->format = "mds";
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gm_error_set_errno(ctx, GM_ERR_NOENT, errno, "cannot open '%s'",
					  path);
	if (fstat(fd, &sb) != 0 || sb.st_size < MDS_HEADER || sb.st_size > MDS_MAX) {
		close(fd);
		return gm_error_set(ctx, GM_ERR_FORMAT, "mds image '%s' at byte 0: "
				    "%lld bytes is no descriptor (%d bytes to 16 MiB)",
				    path, (long long)sb.st_size, MDS_HEADER);
	}
	m.len = (size_t)sb.st_size;
	m.buf = malloc(m.len);
	if (m.buf == NULL) {
		close(fd);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	while (done < m.len) {
		ssize_t n = pread(fd, m.buf + done, m.len - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = gm_error_set_errno(ctx, GM_ERR_IO, n < 0 ? errno : EIO,
						 "cannot read '%s' at byte %zu", path, done);
			close(fd);
			free(m.buf);
			return ret;
		}
		done += (size_t)n;
	}
	close(fd);
	ret = parse(&m);
	if (ret == 0)
		gm_disc_finish(disc);
	free(m.buf);
	return ret;
}

static int mds_bid(const char *path, const uint8_t *head, size_t len)
{
	if (len >= 16 && memcmp(head, "MEDIA DESCRIPTOR", 16) == 0)
		return 95;
	return gm_path_has_ext(path, ".mds") ? 20 : 0;
}

const struct gm_format_ops gm_format_mds = {
	.name = "mds",
	.extension = ".mds",
	.bid = mds_bid,
	.read = mds_read,
	.write = NULL,
};
