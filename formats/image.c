/*
 * image.c - the disc model's helpers, the registry of image formats with
 * probing (the best bid wins), the generic image sector source, and the
 * safe writing of output file sets.
 *
 * The source reads stored sectors in runs with one pread per run and
 * converts them to the kind asked for: cooked sectors get sync, header,
 * EDC and ECC (ECMA-130 14, Annex A), unstored pregaps and postgaps are
 * synthesised, and subchannel comes from the image or is generated from the
 * layout (ECMA-130 22).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capdesc.h"
#include "hash.h"
#include "image_private.h"
#include "banned.h"

static const struct gm_format_ops *const formats[] = {
	&gm_format_cue,
	&gm_format_ccd,
	&gm_format_toc,
	&gm_format_iso,
	&gm_format_nrg,
	&gm_format_mds,
	&gm_format_chd,
	&gm_format_capture,
	&gm_format_raw,
	NULL
};

/* ------------------------------------------------------------------ */
/* Strings and paths */

char *gm_strdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *d = malloc(len);

	if (d != NULL)
		memcpy(d, s, len);
	return d;
}

char *gm_path_beside(const char *path, const char *name)
{
	const char *slash = strrchr(path, '/');
	size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
	size_t len = strlen(name);
	char *out;

	if (name[0] == '/')
		dir = 0;
	out = malloc(dir + len + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, path, dir);
	memcpy(out + dir, name, len + 1);
	return out;
}

const char *gm_path_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

char *gm_path_stem(const char *path)
{
	const char *base = gm_path_base(path);
	const char *dot = strrchr(base, '.');
	size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	char *out = malloc(len + 1);

	if (out != NULL) {
		memcpy(out, base, len);
		out[len] = '\0';
	}
	return out;
}

bool gm_path_has_ext(const char *path, const char *ext)
{
	size_t len = strlen(path), elen = strlen(ext);

	return len > elen && strcasecmp(path + len - elen, ext) == 0;
}

#define TEXT_MAX (1 << 20)

int gm_read_text(struct gm_ctx *ctx, const char *path, const char *what,
		 char **text, size_t *len)
{
	FILE *in = fopen(path, "rb");
	char *buf, *nul;
	size_t n;

	*text = NULL;
	if (in == NULL)
		return gm_error_set_errno(ctx, GM_ERR_NOENT, errno, "cannot open '%s'",
					  path);
	buf = malloc(TEXT_MAX + 2);
	if (buf == NULL) {
		fclose(in);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	n = fread(buf, 1, TEXT_MAX + 1, in);
	if (ferror(in)) {
		fclose(in);
		free(buf);
		return gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot read '%s'", path);
	}
	fclose(in);
	if (n > TEXT_MAX) {
		free(buf);
		return gm_error_set(ctx, GM_ERR_FORMAT, "%s '%s' is larger than 1 MiB",
				    what, path);
	}
	nul = memchr(buf, '\0', n);
	if (nul != NULL) {
		size_t at = (size_t)(nul - buf);

		free(buf);
		return gm_error_set(ctx, GM_ERR_FORMAT, "%s '%s' has a NUL byte at "
				    "byte %zu: not a text file", what, path, at);
	}
	buf[n] = buf[n + 1] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* Little-endian 32 bits. */
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
	       | (uint32_t)p[3] << 24;
}

int gm_wave_data(struct gm_file *f, char *why, size_t len)
{
	uint8_t h[12], ch[8];
	FILE *in = fopen(f->path, "rb");
	uint64_t pos = 12;
	bool fmt_ok = false;

	if (in == NULL) {
		snprintf(why, len, "cannot open '%s': %s", f->path, strerror(errno));
		return -1;
	}
	if (fread(h, 12, 1, in) != 1 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4)) {
		fclose(in);
		snprintf(why, len, "'%s' is not a RIFF WAVE file", f->path);
		return -1;
	}
	for (;;) {
		uint32_t size;

		if (fseeko(in, (off_t)pos, SEEK_SET) != 0 || fread(ch, 8, 1, in) != 1)
			break;
		size = le32(ch + 4);
		if (memcmp(ch, "fmt ", 4) == 0) {
			uint8_t fmt[16];

			if (size < 16 || fread(fmt, 16, 1, in) != 1)
				break;
			/* PCM, 2 channels, 44100 Hz, 16 bits */
			fmt_ok = fmt[0] == 1 && fmt[1] == 0 && fmt[2] == 2 && fmt[3] == 0
				 && le32(fmt + 4) == 44100 && fmt[14] == 16 && fmt[15] == 0;
		} else if (memcmp(ch, "data", 4) == 0) {
			fclose(in);
			if (!fmt_ok) {
				snprintf(why, len, "'%s' is not 16-bit stereo 44.1 kHz PCM",
					 f->path);
				return -1;
			}
			if (pos + 8 + size > f->size) {
				snprintf(why, len, "'%s' is truncated: its data chunk runs "
					 "past the end of the file", f->path);
				return -1;
			}
			f->data_offset = pos + 8;
			f->size = size;
			if (f->size % GM_SECTOR_RAW != 0) {
				snprintf(why, len, "the audio of '%s' is %llu bytes, not a "
					 "whole number of 2352-byte sectors", f->path,
					 (unsigned long long)f->size);
				return -1;
			}
			return 0;
		}
		pos += 8 + (uint64_t)size + (size & 1);
	}
	fclose(in);
	snprintf(why, len, "'%s' has no PCM data chunk", f->path);
	return -1;
}

/* ------------------------------------------------------------------ */
/* The disc model */

const char *gm_track_mode_name(enum gm_track_mode mode)
{
	switch (mode) {
	case GM_TRACK_AUDIO: return "AUDIO";
	case GM_TRACK_MODE1: return "MODE1";
	case GM_TRACK_MODE2: return "MODE2";
	case GM_TRACK_CDI: return "CDI";
	}
	return "UNKNOWN";
}

int32_t gm_track_stored(const struct gm_track *t)
{
	return t->end - t->postgap - (t->index[0] + t->pregap);
}

void gm_disc_release(struct gm_disc *disc)
{
	for (unsigned i = 0; i < disc->ntracks; i++)
		for (int f = 0; f < GM_CDTEXT_COUNT; f++)
			free(disc->tracks[i].cdtext[f]);
	for (int f = 0; f < GM_CDTEXT_COUNT; f++)
		free(disc->cdtext[f]);
	for (unsigned i = 0; i < disc->nfiles; i++) {
		free(disc->files[i].path);
		free(disc->files[i].name);
		if (disc->files[i].release != NULL)
			disc->files[i].release(disc->files[i].read_arg);
	}
	free(disc->files);
	free(disc->cdtextfile);
	for (unsigned i = 0; i < disc->nnotes; i++)
		free(disc->notes[i]);
	free(disc->notes);
	memset(disc, 0, sizeof(*disc));
}

const struct gm_track *gm_disc_track_at(const struct gm_disc *disc,
					 int32_t lba)
{
	/* Tracks are few; a binary search would not pay. */
	for (unsigned i = 0; i < disc->ntracks; i++) {
		const struct gm_track *t = &disc->tracks[i];

		if (lba >= t->index[0] && lba < t->end)
			return t;
	}
	return NULL;
}

char *gm_path_find(const char *sheet, const char *name, unsigned *count,
		   char *others, size_t len)
{
	char *exact = gm_path_beside(sheet, name), *dirpath, *found = NULL;
	const char *leaf;
	struct dirent *e;
	struct stat sb;
	size_t used = 0;
	DIR *dir;

	*count = 0;
	if (len)
		others[0] = '\0';
	if (exact == NULL)
		return NULL;
	if (lstat(exact, &sb) == 0 || errno != ENOENT) {
		*count = 1;
		return exact;
	}
	/* the directory of the file (the name may hold one) and its leaf */
	leaf = gm_path_base(exact);
	dirpath = leaf == exact ? gm_strdup(".") : gm_strdup(exact);
	if (dirpath != NULL && leaf != exact)
		dirpath[leaf - exact] = '\0';
	dir = dirpath ? opendir(dirpath) : NULL;
	while (dir != NULL && (e = readdir(dir)) != NULL) {
		if (strcasecmp(e->d_name, leaf) != 0)
			continue;
		if (++*count == 1) {
			found = malloc(strlen(dirpath) + strlen(e->d_name) + 2);
			if (found != NULL)
				snprintf(found, strlen(dirpath) + strlen(e->d_name) + 2,
					 "%s%s", leaf == exact ? "" : dirpath,
					 e->d_name);
		}
		if (used < len) {
			int n = snprintf(others + used, len - used, "%s'%s'",
					 used ? ", " : "", e->d_name);

			used += n > 0 ? (size_t)n : 0;
		}
	}
	if (dir != NULL)
		closedir(dir);
	free(dirpath);
	free(exact);
	if (*count != 1) {
		free(found);
		return NULL;
	}
	return found;
}

int gm_disc_note(struct gm_disc *disc, const char *fmt, ...)
{
	char **notes = realloc(disc->notes, (disc->nnotes + 1) * sizeof(*notes));
	va_list ap;
	int len;

	if (notes == NULL)
		return -1;
	disc->notes = notes;
	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0 || (notes[disc->nnotes] = malloc((size_t)len + 1)) == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(notes[disc->nnotes++], (size_t)len + 1, fmt, ap);
	va_end(ap);
	return 0;
}

/*
 * Find the file a sheet names as users expect (issue: sheets written on
 * Windows, or renamed without their BIN): the exact name, then the one
 * entry of its directory that differs only in case, then, for the first
 * file of a sheet, the sheet's own name with the file's extension and
 * with .bin (gm_image_open refuses that guess when the sheet names more
 * than one file).  Sets f->path and f->found, and notes any guess.
 */
static int find_file(struct gm_ctx *ctx, struct gm_disc *disc,
		     const char *sheet, struct gm_file *f)
{
	char others[512], tried[1024];
	const char *ext = strrchr(gm_path_base(f->name), '.');
	char *stem = gm_path_stem(sheet), *name_stem = gm_path_stem(f->name);
	unsigned count;
	int ret = 0;

	f->path = gm_path_find(sheet, f->name, &count, others, sizeof(others));
	if (f->path != NULL) {
		f->found = strcmp(gm_path_base(f->path), gm_path_base(f->name)) == 0
			   ? GM_FOUND_EXACT : GM_FOUND_CASE;
		if (f->found == GM_FOUND_CASE
		    && gm_disc_note(disc, "'%s' names '%s': using '%s' (the same "
				    "name in another case)", sheet, f->name, f->path) != 0)
			ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	if (count > 1) {
		char *want = gm_path_beside(sheet, f->name);

		ret = gm_error_set(ctx, GM_ERR_NOENT, "'%s' refers to '%s', which is "
				   "not there, and its name in another case is "
				   "ambiguous: %s", sheet, want ? want : f->name, others);
		free(want);
		goto out;
	}
	snprintf(tried, sizeof(tried), "'%s' in any case", f->name);
	if (disc->nfiles == 1 && stem != NULL && name_stem != NULL
	    && strcmp(stem, name_stem) != 0) {
		/* the sheet's own name: with the file's extension, then .bin */
		const char *exts[2] = { ext ? ext : ".bin", ".bin" };

		for (int i = 0; i < 2 && f->path == NULL; i++) {
			size_t len = strlen(stem) + strlen(exts[i]) + 1;
			char *guess = malloc(len);

			if (guess == NULL)
				break;
			snprintf(guess, len, "%s%s", stem, exts[i]);
			if (i == 0 || strcmp(exts[0], exts[1]) != 0)
				snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried),
					 ", '%s'", guess);
			f->path = gm_path_find(sheet, guess, &count, others, sizeof(others));
			free(guess);
		}
		if (f->path != NULL) {
			f->found = GM_FOUND_SHEET;
			if (gm_disc_note(disc, "'%s' names '%s', which is not there: "
					 "using '%s' (the sheet's own name)", sheet,
					 f->name, f->path) != 0)
				ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
			goto out;
		}
	}
	{
		char *want = gm_path_beside(sheet, f->name);

		ret = gm_error_set(ctx, GM_ERR_NOENT, "'%s' refers to '%s', which "
				   "cannot be opened (tried %s beside the sheet)",
				   sheet, want ? want : f->name, tried);
		free(want);
	}
out:
	free(stem);
	free(name_stem);
	return ret;
}

int gm_disc_add_file(struct gm_ctx *ctx, struct gm_disc *disc,
		     const char *sheet, const char *name,
		     enum gm_file_type type)
{
	struct gm_file *files, *f;
	struct stat sb;
	int ret;

	files = realloc(disc->files, (disc->nfiles + 1) * sizeof(*files));
	if (files == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	disc->files = files;
	f = &files[disc->nfiles];
	memset(f, 0, sizeof(*f));
	f->type = type;
	f->name = gm_strdup(name);
	if (f->name == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	disc->nfiles++;
	if ((ret = find_file(ctx, disc, sheet, f)) != 0)
		return ret;
	if (stat(f->path, &sb) != 0)
		return gm_error_set_errno(ctx, GM_ERR_NOENT, errno,
					  "'%s' refers to '%s', which cannot be opened",
					  sheet, f->path);
	if (!S_ISREG(sb.st_mode))
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s' refers to '%s', "
				    "which is not a regular file", sheet, f->path);
	f->size = (uint64_t)sb.st_size;
	return (int)disc->nfiles - 1;
}

void gm_disc_finish(struct gm_disc *disc)
{
	unsigned sessions = 1;

	for (unsigned i = 0; i < disc->ntracks; i++) {
		struct gm_track *t = &disc->tracks[i];

		if (t->mode != GM_TRACK_AUDIO)
			t->control |= GM_CTL_DATA;
		if (t->session > sessions)
			sessions = t->session;
	}
	disc->nsessions = sessions;
	disc->leadout = disc->ntracks ? disc->tracks[disc->ntracks - 1].end : 0;
}

/* ------------------------------------------------------------------ */
/* Probing */

static const struct gm_format_ops *probe(const char *path, int fd)
{
	uint8_t head[65536];
	const struct gm_format_ops *best = NULL;
	ssize_t n = pread(fd, head, sizeof(head), 0);
	int best_bid = 0;

	if (n < 0)
		n = 0;
	for (const struct gm_format_ops *const *f = formats; *f; f++) {
		int bid = (*f)->bid(path, head, (size_t)n);

		if (bid > best_bid) {
			best_bid = bid;
			best = *f;
		}
	}
	return best;
}

const char *gm_format_for_output(const char *path)
{
	for (const struct gm_format_ops *const *f = formats; *f; f++)
		if ((*f)->write && gm_path_has_ext(path, (*f)->extension))
			return (*f)->name;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The image source */

struct gm_source {
	struct gm_disc disc;
	/* a source whose sectors come from elsewhere (gm_source_new_fn) */
	gm_source_read_fn read_fn;
	void (*release)(void *arg);
	void *arg;
	int *fds;		/* one per disc file */
	struct gm_q_track *qtracks;
	struct gm_q_layout qlayout;
	uint8_t *scratch;	/* one run of stored sectors */
	size_t scratch_size;
};

#define RUN_SECTORS 256

const struct gm_disc *gm_source_disc(const struct gm_source *src)
{
	return &src->disc;
}

size_t gm_sector_kind_size(enum gm_sector_kind kind)
{
	switch (kind) {
	case GM_SECTOR_KIND_USER: return GM_SECTOR_USER;
	case GM_SECTOR_KIND_RAW: return GM_SECTOR_RAW;
	case GM_SECTOR_KIND_RAW_SUB: return GM_SECTOR_RAW + GM_SUB_SIZE;
	}
	return GM_SECTOR_RAW;
}

void gm_source_free(struct gm_source *src)
{
	if (src == NULL)
		return;
	if (src->release != NULL)
		src->release(src->arg);
	for (unsigned i = 0; src->fds && i < src->disc.nfiles; i++)
		if (src->fds[i] >= 0)
			close(src->fds[i]);
	free(src->fds);
	free(src->qtracks);
	free(src->scratch);
	gm_disc_release(&src->disc);
	free(src);
}

static int source_setup(struct gm_ctx *ctx, struct gm_source *src)
{
	struct gm_disc *d = &src->disc;

	src->fds = malloc((d->nfiles ? d->nfiles : 1) * sizeof(int));
	src->qtracks = calloc(d->ntracks ? d->ntracks : 1, sizeof(*src->qtracks));
	src->scratch_size = RUN_SECTORS * GM_STORE_RAW_SUB;
	src->scratch = malloc(src->scratch_size);
	if (src->fds == NULL || src->qtracks == NULL || src->scratch == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	for (unsigned i = 0; i < d->nfiles; i++)
		src->fds[i] = -1;
	for (unsigned i = 0; i < d->nfiles; i++) {
		if (d->files[i].read != NULL)
			continue;	/* (made, not stored) */
		src->fds[i] = open(d->files[i].path, O_RDONLY | O_CLOEXEC);
		if (src->fds[i] < 0)
			return gm_error_set_errno(ctx, GM_ERR_NOENT, errno,
						  "cannot open '%s'", d->files[i].path);
	}
	for (unsigned i = 0; i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];
		struct gm_q_track *q = &src->qtracks[i];

		q->number = t->number;
		q->control = t->control;
		memcpy(q->index, t->index, sizeof(q->index));
		q->nindex = t->nindex;
		memcpy(q->isrc, t->isrc, sizeof(q->isrc));
	}
	src->qlayout.tracks = src->qtracks;
	src->qlayout.ntracks = d->ntracks;
	src->qlayout.leadout = d->leadout;
	memcpy(src->qlayout.mcn, d->mcn, sizeof(d->mcn));
	return 0;
}

/* A source whose disc was read (ret its reader's result): set it up and
   hand it out, or free it. */
static int hand_out(struct gm_ctx *ctx, struct gm_source *src, int ret,
		    struct gm_source **out)
{
	if (ret == 0)
		ret = source_setup(ctx, src);
	if (ret != 0) {
		gm_source_free(src);
		return ret;
	}
	*out = src;
	return 0;
}

int gm_image_open(struct gm_ctx *ctx, const char *path,
		  struct gm_source **out)
{
	const struct gm_format_ops *fmt;
	struct gm_source *src;
	struct stat sb;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gm_error_set_errno(ctx, errno == ENOENT ? GM_ERR_NOENT
					  : GM_ERR_IO, errno, "cannot open '%s'", path);
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return gm_error_set(ctx, GM_ERR_INVALID,
				    "'%s' is not a regular file", path);
	}
	fmt = probe(path, fd);
	close(fd);
	if (fmt == NULL)
		return gm_error_set(ctx, GM_ERR_FORMAT,
				    "'%s' is not an image format glassmaster reads", path);
	src = calloc(1, sizeof(*src));
	if (src == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	ret = fmt->read(ctx, path, &src->disc);
	for (unsigned i = 0; ret == 0 && i < src->disc.nfiles; i++)
		if (src->disc.files[i].found == GM_FOUND_SHEET && src->disc.nfiles > 1)
			ret = gm_error_set(ctx, GM_ERR_NOENT, "'%s' refers to '%s', "
					   "which is not there; the sheet's own name "
					   "stands in only for the one file of a sheet, "
					   "and this one names %u", path,
					   src->disc.files[i].name, src->disc.nfiles);
	return hand_out(ctx, src, ret, out);
}

int gm_image_open_as(struct gm_ctx *ctx, const char *path, const char *format,
		     struct gm_source **out)
{
	const struct gm_format_ops *fmt = NULL;
	struct gm_source *src;

	*out = NULL;
	for (size_t i = 0; formats[i] != NULL; i++)
		if (strcmp(formats[i]->name, format) == 0)
			fmt = formats[i];
	if (fmt == NULL)
		return gm_error_set(ctx, GM_ERR_INVALID, "no image format '%s'", format);
	src = calloc(1, sizeof(*src));
	if (src == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	return hand_out(ctx, src, fmt->read(ctx, path, &src->disc), out);
}

int gm_capture_source(struct gm_ctx *ctx, const char *path, int32_t *offset,
		      unsigned flags, struct gm_source **out)
{
	struct gm_source *src = calloc(1, sizeof(*src));
	int ret;

	*out = NULL;
	if (src == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	ret = gm_capture_open(ctx, path, offset, flags, &src->disc);
	return hand_out(ctx, src, ret, out);
}

void gm_swab16(uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2) {
		uint8_t t = p[i];

		p[i] = p[i + 1];
		p[i + 1] = t;
	}
}

/* A raw sector for lba of a track from the bytes stored for it. */
static void stored_to_raw(const struct gm_track *t, int32_t lba,
			  const uint8_t *stored, uint8_t *raw)
{
	static const uint8_t sub_form1[4] = {0, 0, GM_SUBMODE_DATA, 0};
	static const uint8_t sub_form2[4] = {0, 0, GM_SUBMODE_FORM2, 0};

	switch (t->storage) {
	case GM_STORE_USER:
		if (t->mode == GM_TRACK_MODE1)
			gm_sector_encode_mode1(raw, lba, stored);
		else
			gm_sector_encode_form1(raw, lba, sub_form1, stored);
		break;
	case GM_STORE_FORM2:
		gm_sector_encode_form2(raw, lba, sub_form2, stored, true);
		break;
	case GM_STORE_MODE2:
		gm_sector_encode_mode2(raw, lba, stored);
		break;
	case GM_STORE_RAW:
	case GM_STORE_RAW_SUB:
		memcpy(raw, stored, GM_SECTOR_RAW);
		break;
	}
}

/* The sector a track has where nothing is stored (pregap, postgap). */
static void synth_raw(const struct gm_track *t, int32_t lba, uint8_t *raw)
{
	static const uint8_t zeros[GM_SECTOR_MODE2];

	if (t->mode == GM_TRACK_AUDIO)
		memset(raw, 0, GM_SECTOR_RAW);
	else if (t->mode == GM_TRACK_MODE1)
		gm_sector_encode_mode1(raw, lba, zeros);
	else
		gm_sector_encode_mode2(raw, lba, zeros);
}

/* Fill one sector of a request from its raw form. */
static void deliver(struct gm_source *src, const struct gm_track *t,
		    struct gm_read *req, uint32_t i, const uint8_t *raw,
		    const uint8_t *sub, enum gm_sector_status status)
{
	size_t size = gm_sector_kind_size(req->kind);
	uint8_t *out = req->data + (size_t)i * size;
	int32_t lba = req->lba + (int32_t)i;

	if (req->kind != GM_SECTOR_KIND_USER) {
		memcpy(out, raw, GM_SECTOR_RAW);
		if (req->kind == GM_SECTOR_KIND_RAW_SUB) {
			if (sub != NULL)
				memcpy(out + GM_SECTOR_RAW, sub, GM_SUB_SIZE);
			else if (!gm_sub_generate(&src->qlayout, lba,
						  out + GM_SECTOR_RAW))
				memset(out + GM_SECTOR_RAW, 0, GM_SUB_SIZE);
		}
	} else if (t->mode == GM_TRACK_AUDIO) {
		memset(out, 0, GM_SECTOR_USER);
		status = GM_SECTOR_AUDIO;
	} else {
		struct gm_sector_info info;
		enum gm_sector_check check = gm_sector_check(raw, lba, &info, NULL);

		memset(out, 0, GM_SECTOR_USER);
		memcpy(out, raw + info.user_offset,
		       info.user_size < GM_SECTOR_USER ? info.user_size : GM_SECTOR_USER);
		if (status == GM_SECTOR_GOOD && check != GM_CHECK_GOOD)
			status = GM_SECTOR_EDC;
		if (status == GM_SECTOR_GOOD && info.mode == GM_MODE_2_FORM_2)
			status = GM_SECTOR_FORM2_DATA;
	}
	if (req->status)
		req->status[i] = status;
}

static int read_file(struct gm_ctx *ctx, struct gm_source *src, unsigned file,
		     uint64_t offset, uint8_t *buf, size_t len)
{
	const struct gm_file *f = &src->disc.files[file];
	size_t done = 0;

	if (f->read != NULL)
		return f->read(f->read_arg, ctx, f->data_offset + offset, buf, len);
	while (done < len) {
		ssize_t n = pread(src->fds[file], buf + done, len - done,
				  (off_t)(f->data_offset + offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return gm_error_set_errno(ctx, GM_ERR_IO, errno,
						  "cannot read '%s' at byte %llu",
						  f->path, (unsigned long long)(offset + done));
		if (n == 0)
			return gm_error_set(ctx, GM_ERR_IO, "'%s' ends at byte %llu, "
					    "before the sectors its sheet gives it",
					    f->path, (unsigned long long)(offset + done));
		done += (size_t)n;
	}
	return 0;
}

/* Sectors from to to of a run read into src->scratch, delivered into
   the request (on a thread of their own, or not). */
struct run_part {
	struct gm_source *src;
	const struct gm_track *t;
	struct gm_read *req;
	uint32_t first;		/* the run's first sector in the request */
	int32_t lba;		/* ... and its LBA */
	const uint8_t *sub;	/* the run's subchannel, or NULL */
	uint32_t from, to;
};

#define SPLIT_MIN 64		/* sectors: a shorter run is not split */

static void *deliver_part(void *arg)
{
	const struct run_part *p = arg;
	const struct gm_track *t = p->t;
	size_t stride = (size_t)t->storage;

	for (uint32_t i = p->from; i < p->to; i++) {
		const uint8_t *stored = p->src->scratch + (size_t)i * stride;
		const uint8_t *s = NULL;
		uint8_t raw[GM_SECTOR_RAW];

		if (p->sub != NULL)
			s = p->sub + (size_t)i * GM_SUB_SIZE;
		else if (t->storage == GM_STORE_RAW_SUB)
			s = stored + GM_SECTOR_RAW;
		if (p->req->kind == GM_SECTOR_KIND_USER && t->storage == GM_STORE_USER) {
			/* user data asked of user data: nothing to make or check */
			memcpy(p->req->data + (size_t)(p->first + i) * GM_SECTOR_USER,
			       stored, GM_SECTOR_USER);
			if (p->req->status)
				p->req->status[p->first + i] = GM_SECTOR_GOOD;
		} else if (t->storage == GM_STORE_RAW || t->storage == GM_STORE_RAW_SUB) {
			deliver(p->src, t, p->req, p->first + i, stored, s, GM_SECTOR_GOOD);
		} else {
			stored_to_raw(t, p->lba + (int32_t)i, stored, raw);
			deliver(p->src, t, p->req, p->first + i, raw, s, GM_SECTOR_GOOD);
		}
	}
	return NULL;
}

/* Read a run of stored sectors of one track into the request. */
static int read_run(struct gm_ctx *ctx, struct gm_source *src,
		    const struct gm_track *t, struct gm_read *req, uint32_t first,
		    uint32_t count)
{
	int32_t lba = req->lba + (int32_t)first;
	int32_t pos = lba - (t->index[0] + t->pregap);
	size_t stride = (size_t)t->storage;
	uint8_t *sub = NULL;
	int ret;

	if (req->kind == GM_SECTOR_KIND_USER && t->storage == GM_STORE_USER) {
		/* user data asked of user data: straight into the request */
		ret = read_file(ctx, src, t->file, t->offset + (uint64_t)pos * stride,
				req->data + (size_t)first * GM_SECTOR_USER,
				(size_t)count * GM_SECTOR_USER);
		for (uint32_t i = 0; ret == 0 && req->status != NULL && i < count; i++)
			req->status[first + i] = GM_SECTOR_GOOD;
		return ret;
	}
	ret = read_file(ctx, src, t->file, t->offset + (uint64_t)pos * stride,
			src->scratch, (size_t)count * stride);
	if (ret != 0)
		return ret;
	/* only the samples: subchannel stored after them keeps its order */
	if (src->disc.files[t->file].type == GM_FILE_MOTOROLA
	    && t->mode == GM_TRACK_AUDIO)
		for (uint32_t i = 0; i < count; i++)
			gm_swab16(src->scratch + (size_t)i * stride, GM_SECTOR_RAW);
	if (req->kind == GM_SECTOR_KIND_RAW_SUB && t->sub_file >= 0) {
		sub = malloc((size_t)count * GM_SUB_SIZE);
		if (sub == NULL)
			return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		ret = read_file(ctx, src, (unsigned)t->sub_file,
				t->sub_offset + (uint64_t)pos * GM_SUB_SIZE, sub,
				(size_t)count * GM_SUB_SIZE);
		if (ret != 0) {
			free(sub);
			return ret;
		}
		/* requests get subchannel interleaved, as a drive returns it */
		if (src->disc.files[t->sub_file].sub_deinterleaved) {
			for (uint32_t i = 0; i < count; i++) {
				uint8_t channels[GM_SUB_SIZE];

				memcpy(channels, sub + (size_t)i * GM_SUB_SIZE, GM_SUB_SIZE);
				gm_sub_interleave(channels, sub + (size_t)i * GM_SUB_SIZE);
			}
		}
	}
	{
		struct run_part parts[2] = {
			{ src, t, req, first, lba, sub, 0, count },
			{ src, t, req, first, lba, sub, count / 2, count }
		};
		pthread_t helper;

		/* the EDC and ECC of raw data sectors are most of a read's
		   time: a second thread checks half of a long run */
		if (count >= SPLIT_MIN && req->kind == GM_SECTOR_KIND_USER
		    && t->mode != GM_TRACK_AUDIO && t->storage != GM_STORE_USER
		    && pthread_create(&helper, NULL, deliver_part, &parts[1]) == 0) {
			parts[0].to = count / 2;
			deliver_part(&parts[0]);
			pthread_join(helper, NULL);
		} else {
			deliver_part(&parts[0]);
		}
	}
	free(sub);
	return 0;
}

int gm_source_sub_diff(struct gm_ctx *ctx, struct gm_source *src, int32_t lba,
		       int32_t end, struct gm_sub_diff *diff)
{
	enum { RUN = 64 };
	const size_t size = GM_SECTOR_RAW + GM_SUB_SIZE;
	enum gm_sector_status status[RUN];
	uint8_t *buf = malloc(RUN * size), gen[GM_SUB_SIZE];
	int ret = 0;

	memset(diff, 0, sizeof(*diff));
	if (buf == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	while (lba < end && ret == 0) {
		const struct gm_track *t = gm_disc_track_at(&src->disc, lba);
		struct gm_read req = {
			.lba = lba, .kind = GM_SECTOR_KIND_RAW_SUB, .data = buf,
			.status = status,
			.count = (uint32_t)(end - lba < RUN ? end - lba : RUN)
		};

		if (t == NULL || (t->sub_file < 0 && t->storage != GM_STORE_RAW_SUB)) {
			lba++;	/* nothing stored: generated, so equal */
			continue;
		}
		if (req.lba + (int32_t)req.count > t->end)
			req.count = (uint32_t)(t->end - req.lba);
		if ((ret = gm_source_read(ctx, src, &req)) != 0)
			break;
		for (uint32_t i = 0; i < req.count; i++) {
			const uint8_t *sub = buf + i * size + GM_SECTOR_RAW;
			uint8_t a[12], b[12];
			bool p, q, rw = false;

			if (!gm_sub_generate(&src->qlayout, lba + (int32_t)i, gen))
				memset(gen, 0, sizeof(gen));
			if (memcmp(sub, gen, GM_SUB_SIZE) == 0)
				continue;
			gm_sub_channel(sub, GM_SUB_P, a);
			gm_sub_channel(gen, GM_SUB_P, b);
			p = memcmp(a, b, 12) != 0;
			gm_sub_channel(sub, GM_SUB_Q, a);
			gm_sub_channel(gen, GM_SUB_Q, b);
			q = memcmp(a, b, 12) != 0;
			for (int k = 0; k < GM_SUB_SIZE; k++)
				rw |= (sub[k] & 0x3f) != 0;
			if (diff->sectors++ == 0)
				diff->first = lba + (int32_t)i;
			diff->p += p;
			diff->q += q;
			diff->q_bad_crc += q && !gm_subq_crc_ok(a);
			diff->rw += rw;
		}
		lba += (int32_t)req.count;
	}
	free(buf);
	return ret;
}

int gm_source_new_fn(struct gm_ctx *ctx, enum gm_media media, int32_t sectors,
		     gm_source_read_fn read, void (*release)(void *arg), void *arg,
		     struct gm_source **out)
{
	struct gm_source *src = calloc(1, sizeof(*src));
	struct gm_track *t;

	*out = NULL;
	if (src == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	src->read_fn = read;
	src->release = release;
	src->arg = arg;
	src->disc.media = media;
	src->disc.ntracks = 1;
	src->disc.nsessions = 1;
	src->disc.leadout = sectors;
	src->disc.format = "drive";
	t = &src->disc.tracks[0];
	t->number = 1;
	t->session = 1;
	t->mode = GM_TRACK_MODE1;
	t->control = GM_CTL_DATA;
	t->nindex = 1;
	t->end = sectors;
	t->storage = GM_STORE_USER;
	t->sub_file = -1;
	*out = src;
	return 0;
}

int gm_source_read(struct gm_ctx *ctx, struct gm_source *src,
		   struct gm_read *req)
{
	size_t size = gm_sector_kind_size(req->kind);
	uint32_t i = 0;

	if (src->read_fn != NULL)
		return src->read_fn(src->arg, ctx, req);

	while (i < req->count) {
		int32_t lba = req->lba + (int32_t)i;
		const struct gm_track *t = gm_disc_track_at(&src->disc, lba);
		int32_t stored_first, stored_end;
		uint32_t run;
		uint8_t raw[GM_SECTOR_RAW];
		int ret;

		if (t == NULL) {
			memset(req->data + (size_t)i * size, 0, size);
			if (req->status)
				req->status[i] = GM_SECTOR_UNREAD;
			i++;
			continue;
		}
		stored_first = t->index[0] + t->pregap;
		stored_end = t->end - t->postgap;
		if (lba < stored_first || lba >= stored_end) {
			synth_raw(t, lba, raw);
			deliver(src, t, req, i, raw, NULL, GM_SECTOR_SYNTH);
			i++;
			continue;
		}
		run = (uint32_t)(stored_end - lba);
		if (run > req->count - i)
			run = req->count - i;
		if (run > RUN_SECTORS)
			run = RUN_SECTORS;
		ret = read_run(ctx, src, t, req, i, run);
		if (ret != 0)
			return ret;
		i += run;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Output sets */

/* An O_TMPFILE file in the directory of path, or -1. */
static int open_unnamed(const char *path, mode_t mode)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (slash == NULL)
		return open(".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
	dir = malloc((size_t)(slash - path) + 2);
	if (dir == NULL)
		return -1;
	memcpy(dir, path, (size_t)(slash - path) + 1);
	dir[slash - path + 1] = '\0';
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
	free(dir);
	return fd;
}

/* Give an unnamed file its temporary name, to be renamed over the final. */
static int name_unnamed(FILE *f, char *tmp)
{
	char proc[64];
	size_t len = strlen(tmp);

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fileno(f));
	for (int attempt = 0; attempt < 100; attempt++) {
		unsigned v = (unsigned)rand() ^ (unsigned)getpid() ^ (unsigned)attempt * 2654435761u;

		for (size_t i = len - 6; i < len; i++, v /= 36)
			tmp[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[v % 36];
		if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

void gm_outset_init(struct gm_outset *set, bool force)
{
	memset(set, 0, sizeof(*set));
	set->force = force;
	set->sync = true;
	set->umask = umask(022);
	umask(set->umask);
}

/* A file of a set that is hashed, not written (set->hashes). */
struct hash_cookie {
	struct gm_ctx *ctx;
	struct gm_hasher *h;
	bool failed;
};

static ssize_t cookie_write(void *arg, const char *buf, size_t len)
{
	struct hash_cookie *c = arg;

	if (gm_hasher_update(c->ctx, c->h, buf, len) != 0) {
		c->failed = true;
		errno = EIO;
		return -1;
	}
	return (ssize_t)len;
}

static void cookie_free(struct hash_cookie *c)
{
	if (c == NULL)
		return;
	gm_hasher_free(c->h);
	gm_ctx_free(c->ctx);
	free(c);
}

static int open_hashed(struct gm_ctx *ctx, struct gm_outset *set, const char *final_path,
		       FILE **out)
{
	cookie_io_functions_t io = { NULL, cookie_write, NULL, NULL };
	struct hash_cookie *c = calloc(1, sizeof(*c));
	FILE *f = NULL;

	if (c != NULL && (c->ctx = gm_ctx_new()) != NULL)
		c->h = gm_hasher_new(c->ctx, GM_HASH_ALL);
	if (c != NULL && c->h != NULL)
		f = fopencookie(c, "w", io);
	if (f == NULL) {
		cookie_free(c);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	set->files[set->n].final = gm_strdup(final_path);
	if (set->files[set->n].final == NULL) {
		fclose(f);
		cookie_free(c);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	set->files[set->n].tmp = NULL;
	set->files[set->n].unnamed = false;
	set->files[set->n].f = f;
	set->files[set->n].cookie = c;
	set->n++;
	*out = f;
	return 0;
}

/* Commit of a hashed set: the digests, by base name. */
static int commit_hashed(struct gm_ctx *ctx, struct gm_outset *set)
{
	int ret = 0;

	for (unsigned i = 0; i < set->n; i++) {
		struct hash_cookie *c = set->files[i].cookie;
		struct gm_digests d;

		if (fclose(set->files[i].f) != 0 || c->failed) {
			if (ret == 0)
				ret = gm_error_set(ctx, GM_ERR_IO, "cannot hash '%s': %s",
						   set->files[i].final, gm_error(c->ctx));
		} else if (ret == 0 && gm_hasher_final(ctx, c->h, &d) != 0) {
			ret = -GM_ERR_IO;
		} else if (ret == 0 && set->hashes->n < GM_MAX_TRACKS + 4) {
			unsigned k = set->hashes->n++;

			snprintf(set->hashes->files[k].name, sizeof(set->hashes->files[k].name),
				 "%s", gm_path_base(set->files[i].final));
			set->hashes->files[k].d = d;
		}
		set->files[i].f = NULL;
		cookie_free(c);
		set->files[i].cookie = NULL;
		free(set->files[i].final);
	}
	set->n = 0;
	return ret;
}

int gm_outset_open(struct gm_ctx *ctx, struct gm_outset *set,
		   const char *final_path, FILE **out)
{
	size_t len = strlen(final_path);
	char *tmp;
	int fd;

	if (set->n == GM_OUTSET_MAX)
		return gm_error_set(ctx, GM_ERR_INVALID, "too many output files");
	if (set->hashes != NULL)
		return open_hashed(ctx, set, final_path, out);
	if (!set->force && access(final_path, F_OK) == 0)
		return gm_error_set(ctx, GM_ERR_EXISTS, "'%s' exists; use --force "
				    "to replace it", final_path);
	for (unsigned i = 0; i < set->n; i++)
		if (strcmp(set->files[i].final, final_path) == 0)
			return gm_error_set(ctx, GM_ERR_INVALID, "'%s' would be "
					    "written twice", final_path);
	tmp = malloc(len + 16);
	if (tmp == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	memcpy(tmp, final_path, len);
	memcpy(tmp + len, ".gm-part-XXXXXX", 16);
	/* an unnamed file in the output's directory, named only when it is
	   complete: a killed run leaves nothing behind (where the file
	   system has O_TMPFILE; else a named temporary) */
	fd = open_unnamed(final_path, 0666 & ~set->umask);
	if (fd >= 0) {
		set->files[set->n].unnamed = true;
	} else {
		set->files[set->n].unnamed = false;
		fd = mkstemp(tmp);
	}
	if (fd < 0) {
		int err = errno;

		free(tmp);
		return gm_error_set_errno(ctx, err == ENOENT ? GM_ERR_NOENT : GM_ERR_IO,
					  err, "cannot create a file beside '%s'",
					  final_path);
	}
	fchmod(fd, 0666 & ~set->umask);
	set->files[set->n].final = gm_strdup(final_path);
	set->files[set->n].tmp = tmp;
	set->files[set->n].f = fdopen(fd, "wb");
	if (set->files[set->n].final == NULL || set->files[set->n].f == NULL) {
		if (set->files[set->n].f == NULL)
			close(fd);
		unlink(tmp);
		free(tmp);
		free(set->files[set->n].final);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	*out = set->files[set->n++].f;
	return 0;
}

int gm_outset_write_failed(struct gm_ctx *ctx, const struct gm_outset *set,
			   FILE *f, int err)
{
	for (unsigned i = 0; i < set->n; i++)
		if (set->files[i].f == f)
			return gm_error_set_errno(ctx, GM_ERR_IO, err,
						  "cannot write '%s'", set->files[i].final);
	return gm_error_set_errno(ctx, GM_ERR_IO, err, "cannot write");
}

/* Write len bytes; 0 or the errno. */
static int write_whole(FILE *f, const void *buf, size_t len)
{
	if (len == 0 || fwrite(buf, len, 1, f) == 1)
		return 0;
	return errno != 0 ? errno : EIO;
}

int gm_outset_write(struct gm_ctx *ctx, struct gm_outset *set, FILE *f,
		    const void *buf, size_t len)
{
	int err = write_whole(f, buf, len);

	return err == 0 ? 0 : gm_outset_write_failed(ctx, set, f, err);
}

/* ---------------------------------------------------------------------
 * Write-behind
 */

static void *writebehind_main(void *arg)
{
	struct gm_writebehind *wb = arg;
	FILE *f;
	const void *buf;
	size_t len;
	int err;

	pthread_mutex_lock(&wb->lock);
	for (;;) {
		while (wb->buf == NULL && !wb->stop)
			pthread_cond_wait(&wb->cond, &wb->lock);
		if (wb->buf == NULL)
			break;
		f = wb->f;
		buf = wb->buf;
		len = wb->len;
		pthread_mutex_unlock(&wb->lock);
		err = write_whole(f, buf, len);
		pthread_mutex_lock(&wb->lock);
		if (err != 0 && wb->err == 0)
			wb->err = err;
		wb->buf = NULL;
		pthread_cond_broadcast(&wb->cond);
	}
	pthread_mutex_unlock(&wb->lock);
	return NULL;
}

void gm_writebehind_start(struct gm_writebehind *wb)
{
	memset(wb, 0, sizeof(*wb));
	if (pthread_mutex_init(&wb->lock, NULL) != 0)
		return;
	if (pthread_cond_init(&wb->cond, NULL) == 0) {
		wb->threaded = pthread_create(&wb->thread, NULL, writebehind_main,
					      wb) == 0;
		if (wb->threaded)
			return;
		pthread_cond_destroy(&wb->cond);
	}
	pthread_mutex_destroy(&wb->lock);
}

/* With the lock held: wait until the thread is idle. */
static void writebehind_idle(struct gm_writebehind *wb)
{
	while (wb->buf != NULL)
		pthread_cond_wait(&wb->cond, &wb->lock);
}

int gm_writebehind_put(struct gm_writebehind *wb, FILE *f, const void *buf,
		       size_t len)
{
	int err;

	if (!wb->threaded) {
		if (wb->err == 0)
			wb->err = write_whole(f, buf, len);
		return wb->err;
	}
	pthread_mutex_lock(&wb->lock);
	writebehind_idle(wb);
	err = wb->err;
	if (err == 0 && len > 0) {
		wb->f = f;
		wb->buf = buf;
		wb->len = len;
		pthread_cond_broadcast(&wb->cond);
	}
	pthread_mutex_unlock(&wb->lock);
	return err;
}

int gm_writebehind_finish(struct gm_writebehind *wb)
{
	if (!wb->threaded)
		return wb->err;
	pthread_mutex_lock(&wb->lock);
	writebehind_idle(wb);
	wb->stop = true;
	pthread_cond_broadcast(&wb->cond);
	pthread_mutex_unlock(&wb->lock);
	pthread_join(wb->thread, NULL);
	pthread_cond_destroy(&wb->cond);
	pthread_mutex_destroy(&wb->lock);
	wb->threaded = false;
	return wb->err;
}

int gm_outset_commit(struct gm_ctx *ctx, struct gm_outset *set)
{
	if (set->hashes != NULL)
		return commit_hashed(ctx, set);
	for (unsigned i = 0; i < set->n; i++) {
		FILE *f = set->files[i].f;

		set->files[i].f = NULL;
		if (fflush(f) != 0 || (set->sync && fsync(fileno(f)) != 0)) {
			int err = errno;

			fclose(f);
			return gm_error_set_errno(ctx, GM_ERR_IO, err, "cannot write '%s'",
						  set->files[i].final);
		}
		if (set->files[i].unnamed && name_unnamed(f, set->files[i].tmp) != 0) {
			int err = errno;

			fclose(f);
			set->files[i].unnamed = false;
			free(set->files[i].tmp);
			set->files[i].tmp = NULL;
			return gm_error_set_errno(ctx, GM_ERR_IO, err, "cannot name "
						  "'%s'", set->files[i].final);
		}
		set->files[i].unnamed = false;
		if (fclose(f) != 0)
			return gm_error_set_errno(ctx, GM_ERR_IO, errno,
						  "cannot write '%s'", set->files[i].final);
	}
	for (unsigned i = 0; i < set->n; i++) {
		if (rename(set->files[i].tmp, set->files[i].final) != 0)
			return gm_error_set_errno(ctx, GM_ERR_IO, errno,
						  "cannot rename '%s' to '%s'",
						  set->files[i].tmp, set->files[i].final);
		free(set->files[i].tmp);
		set->files[i].tmp = NULL;
	}
	for (unsigned i = 0; i < set->n; i++)
		free(set->files[i].final);
	set->n = 0;
	return 0;
}

void gm_outset_abort(struct gm_outset *set)
{
	for (unsigned i = 0; i < set->n; i++) {
		if (set->files[i].f)
			fclose(set->files[i].f);
		cookie_free(set->files[i].cookie);
		set->files[i].cookie = NULL;
		if (set->files[i].tmp) {
			if (!set->files[i].unnamed)
				unlink(set->files[i].tmp);
			free(set->files[i].tmp);
		}
		free(set->files[i].final);
	}
	set->n = 0;
}

/* ------------------------------------------------------------------ */
/* Writing */

int gm_image_write(struct gm_ctx *ctx, struct gm_source *src,
		   const char *path, const struct gm_write_opts *opts)
{
	struct gm_write_opts defaults;

	if (opts == NULL) {
		memset(&defaults, 0, sizeof(defaults));
		opts = &defaults;
	}
	for (const struct gm_format_ops *const *f = formats; *f; f++)
		if ((*f)->write && gm_path_has_ext(path, (*f)->extension))
			return (*f)->write(ctx, src, path, opts);
	return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "cannot tell the format "
			    "to write from '%s': use .iso, .cue, .ccd or .toc", path);
}
