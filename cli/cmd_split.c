/*
 * cmd_split.c - `glassmaster split`: from a CD capture (glassmaster-rip(1))
 * to the files archivists keep: redump's BIN per track with its cue
 * sheet and dat, or one BIN, CloneCD, a cdrdao TOC, an ISO; the layout
 * from the capture's Q subchannel, audio corrected by the read offset the
 * capture recorded and the write offset given.  `rip` runs it at the end
 * of a capture.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capdesc.h"
#include "cli.h"
#include "hash.h"
#include "image.h"
#include "mapfile.h"
#include "verify.h"
#include "banned.h"

enum { FMT_REDUMP = 1, FMT_CUE = 2, FMT_CCD = 4, FMT_TOC = 8, FMT_ISO = 16, FMT_WAV = 32,
       FMT_FLAC = 64, FMT_CHD = 128 };

_Static_assert(CLI_SPLIT_CHD == FMT_CHD, "rip -o NAME.chd splits into FMT_CHD");

static const struct { const char *name, *ext; unsigned bit; } formats[] = {
	{ "redump", ".cue", FMT_REDUMP },
	{ "cue", ".cue", FMT_CUE },
	{ "ccd", ".ccd", FMT_CCD },
	{ "toc", ".cdrdao.toc", FMT_TOC },	/* NAME.toc is the capture's TOC */
	{ "iso", ".iso", FMT_ISO },
	{ "wav", ".wav", FMT_WAV },	/* a file per audio track */
	{ "flac", ".flac", FMT_FLAC },	/* the same, in FLAC */
	{ "chd", ".chd", FMT_CHD },	/* MAME's CHD, subchannel kept */
};

static char *join(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = malloc(la + lb + lc + 1);

	if (s != NULL) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb);
		memcpy(s + la + lb, c, lc + 1);
	}
	return s;
}

/* The files a cue sheet's FILE commands name, in order (each malloc'd,
   at most max). */
static unsigned sheet_files(const char *cue, char **names, unsigned max)
{
	FILE *f = fopen(cue, "r");
	char line[1024];
	unsigned n = 0;

	if (f == NULL)
		return 0;
	while (n < max && fgets(line, sizeof(line), f) != NULL) {
		char *a = line + strspn(line, " \t"), *b;

		/* the FILE commands (not CDTEXTFILE: redump's dats list the
		   BINs and the sheet) */
		if (strncmp(a, "FILE \"", 6) != 0 || (b = strrchr(a + 6, '"')) == NULL)
			continue;
		*b = '\0';
		names[n++] = join(a + 6, "", "");
	}
	fclose(f);
	return n;
}

/*
 * The lead-in and lead-out the drive overread, as redump keeps them: when
 * the capture's sectors before LBA -150 (after the shift) or from the
 * lead-out on hold anything but zeros, "NAME (Track 0).bin" and "NAME
 * (Track AA).bin" with those sectors.  *names gets their file names.
 */
static int edge_tracks(struct gm_ctx *ctx, const char *stem, const char *dir, const char *base,
		       const struct gm_capture_desc *c, int32_t shift, bool force,
		       char **names, unsigned *n)
{
	char *raw = join(stem, ".raw", "");
	FILE *in = raw ? fopen(raw, "rb") : NULL;
	int64_t total = (int64_t)c->sectors * 2352;
	int ret = 0;

	*n = 0;
	for (int k = 0; in != NULL && k < 2 && ret == 0; k++) {
		/* bytes of NAME.raw: before LBA -150, or from the lead-out on */
		int64_t a = k == 0 ? 0 : (int64_t)(c->leadout - c->first_lba) * 2352 + 4 * (int64_t)shift;
		int64_t b = k == 0 ? (int64_t)(-150 - c->first_lba) * 2352 + 4 * (int64_t)shift : total;
		uint8_t *buf;
		bool any = false;
		char *path;
		FILE *out;

		if (a < 0)
			a = 0;
		if (b > total)
			b = total;
		b = a + (b - a) / 2352 * 2352;	/* whole sectors */
		if (b <= a)
			continue;
		if ((buf = malloc((size_t)(b - a))) == NULL)
			return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		if (fseeko(in, a, SEEK_SET) != 0 || fread(buf, 1, (size_t)(b - a), in) != (size_t)(b - a)) {
			free(buf);
			continue;
		}
		for (int64_t i = 0; i < b - a && !any; i++)
			any = buf[i] != 0;
		names[*n] = join(base, k == 0 ? " (Track 0).bin" : " (Track AA).bin", "");
		path = names[*n] ? join(dir, names[*n], "") : NULL;
		if (any && path != NULL && (force || access(path, F_OK) != 0)) {
			out = fopen(path, "wb");
			if (out == NULL || fwrite(buf, 1, (size_t)(b - a), out) != (size_t)(b - a)
			    || fclose(out) != 0)
				ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", path);
			(*n)++;
		} else if (any && path != NULL) {
			ret = gm_error_set(ctx, GM_ERR_EXISTS, "'%s' exists; use --force to "
					   "replace it", path);
		} else {
			free(names[*n]);
		}
		free(path);
		free(buf);
	}
	if (in != NULL)
		fclose(in);
	free(raw);
	return ret;
}

/* NAME.dat beside the redump cue: every BIN and the cue, hashed. */
static int redump_dat(struct gm_ctx *ctx, const char *dir, const char *base,
		      char **extra, unsigned nextra)
{
	char *cue = join(dir, base, ".cue"), *dat = join(dir, base, ".dat");
	char *names[104], *paths[104];
	struct gm_dat_rom roms[104];
	unsigned n = 0;
	FILE *f;
	int ret = 0;

	if (cue == NULL || dat == NULL) {
		free(cue);
		free(dat);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	n = sheet_files(cue, names, 100);
	for (unsigned i = 0; i < nextra; i++)
		names[n++] = extra[i];	/* (freed below with the others) */
	names[n] = join(base, ".cue", "");
	n++;
	for (unsigned i = 0; i < n; i++) {
		paths[i] = names[i] ? join(dir, names[i], "") : NULL;
		roms[i].name = names[i];
		if (ret == 0 && (paths[i] == NULL || names[i] == NULL))
			ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		if (ret == 0)
			ret = gm_hash_file(ctx, paths[i], &roms[i].d, NULL, NULL);
	}
	if (ret == 0) {
		f = fopen(dat, "w");
		if (f == NULL)
			ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", dat);
		else {
			gm_dat_write(f, base, roms, n);
			if (fclose(f) != 0)
				ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'",
							 dat);
		}
	}
	for (unsigned i = 0; i < n; i++) {
		free(names[i]);
		free(paths[i]);
	}
	free(cue);
	free(dat);
	return ret;
}

/* Write path (replaced atomically: path.part, then renamed) as a WAVE file
   of the samples of LBA from to to - 1 of src. */
static int write_wav(struct gm_ctx *ctx, struct gm_source *src, const char *path,
		     int32_t from, int32_t to, bool force)
{
	uint8_t hdr[44], *buf = malloc(64 * 2352);
	enum gm_sector_status st[64];
	char *part = join(path, ".part", "");
	uint32_t bytes = (uint32_t)(to - from) * 2352;
	FILE *f = NULL;
	int ret = 0;

	if (buf == NULL || part == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	if (!force && access(path, F_OK) == 0) {
		ret = gm_error_set(ctx, GM_ERR_EXISTS, "'%s' exists; use --force to "
				   "replace it", path);
		goto out;
	}
	memcpy(hdr, "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x02\0\x44\xac\0\0"
	       "\x10\xb1\x02\0\x04\0\x10\0data\0\0\0\0", 44);
	for (int i = 0; i < 4; i++) {
		hdr[4 + i] = (uint8_t)((bytes + 36) >> (8 * i));
		hdr[40 + i] = (uint8_t)(bytes >> (8 * i));
	}
	f = fopen(part, "wb");
	if (f == NULL || fwrite(hdr, 1, 44, f) != 44) {
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", path);
		goto out;
	}
	for (int32_t lba = from; lba < to;) {
		uint32_t n = to - lba < 64 ? (uint32_t)(to - lba) : 64;
		struct gm_read req = { .lba = lba, .count = n, .kind = GM_SECTOR_KIND_RAW,
				       .data = buf, .status = st };

		if ((ret = gm_source_read(ctx, src, &req)) != 0)
			goto out;
		if (fwrite(buf, 2352, n, f) != n) {
			ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", path);
			goto out;
		}
		lba += (int32_t)n;
	}
	if (fclose(f) != 0) {
		f = NULL;
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", path);
		goto out;
	}
	f = NULL;
	if (rename(part, path) != 0)
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot name '%s'", path);
out:
	if (f != NULL)
		fclose(f);
	if (ret != 0 && part != NULL)
		unlink(part);
	free(part);
	free(buf);
	return ret;
}

/* Whether LBA from to to - 1 of src hold only zero samples. */
static bool silent(struct gm_ctx *ctx, struct gm_source *src, int32_t from, int32_t to)
{
	uint8_t buf[2352];
	enum gm_sector_status st;

	for (int32_t lba = from; lba < to; lba++) {
		struct gm_read req = { .lba = lba, .count = 1, .kind = GM_SECTOR_KIND_RAW,
				       .data = buf, .status = &st };

		if (gm_source_read(ctx, src, &req) != 0)
			return false;
		for (size_t k = 0; k < sizeof(buf); k++)
			if (buf[k] != 0)
				return false;
	}
	return true;
}

/*
 * The audio tracks as music rippers cut them: each from its INDEX 01 to
 * the next audio track's (the last to its end), "NAME (Track N).wav"; a
 * hidden track one audio (INDEX 00 of track 1 longer than 2 s, not
 * silent) as "NAME (Track 0).wav".  *count: the files written.
 */
static int write_wavs(struct gm_ctx *ctx, struct gm_source *src, const char *dir,
		      const char *base, bool force, bool flac, unsigned *count)
{
	const struct gm_disc *d = gm_source_disc(src);
	unsigned width = d->ntracks && d->tracks[d->ntracks - 1].number >= 10 ? 2 : 1;
	unsigned total = 0;
	const char *ext = flac ? "flac" : "wav";
	int ret = 0;

	*count = 0;
	for (unsigned i = 0; i < d->ntracks; i++)
		total += d->tracks[i].mode == GM_TRACK_AUDIO;
	for (unsigned i = 0; ret == 0 && i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];
		int32_t from = t->index[1], to = t->end;
		char name[64], *path;

		if (t->mode != GM_TRACK_AUDIO)
			continue;
		for (unsigned k = i + 1; k < d->ntracks; k++)
			if (d->tracks[k].mode == GM_TRACK_AUDIO && d->tracks[k].session == t->session) {
				to = d->tracks[k].index[1];
				break;
			}
		if (i == 0 && t->index[1] - t->index[0] > 150
		    && !silent(ctx, src, t->index[0], t->index[1])) {
			snprintf(name, sizeof(name), " (Track %0*u).%s", width, 0u, ext);
			path = join(dir, base, name);
			ret = path == NULL ? gm_error_set(ctx, GM_ERR_NOMEM, NULL)
			      : flac ? cli_write_flac(ctx, src, path, t->index[0], t->index[1], 0,
						      total, force)
			      : write_wav(ctx, src, path, t->index[0], t->index[1], force);
			free(path);
			(*count)++;
		}
		snprintf(name, sizeof(name), " (Track %0*u).%s", width, t->number, ext);
		path = join(dir, base, name);
		if (ret == 0)
			ret = path == NULL ? gm_error_set(ctx, GM_ERR_NOMEM, NULL)
			      : flac ? cli_write_flac(ctx, src, path, from, to, t->number, total,
						      force)
			      : write_wav(ctx, src, path, from, to, force);
		free(path);
		(*count)++;
	}
	return ret;
}

/* The samples the capture did not get, by track: NAME.map's open extents
   moved by the offset its track was shifted by. */
static void damage(struct gm_ctx *ctx, const char *stem, const struct gm_capture_desc *c,
		   const struct gm_disc *d, int32_t shift, bool json)
{
	struct gm_map map;
	char *path = join(stem, ".map", "");
	unsigned shown = 0;

	memset(&map, 0, sizeof(map));
	if (path == NULL || gm_map_load(ctx, &map, path, (uint64_t)c->sectors * 2352) != 0) {
		free(path);
		if (json)
			printf("[]");
		return;
	}
	if (json)
		printf("[");
	for (unsigned k = 0; k < d->ntracks; k++) {
		const struct gm_track *t = &d->tracks[k];
		bool shifted = c->cdda || !(t->control & GM_CTL_DATA);
		int64_t lo = (int64_t)t->index[0] * 588, hi = (int64_t)t->end * 588;

		for (size_t i = 0; i < map.count; i++) {
			const struct gm_map_extent *e = &map.extents[i];
			int64_t a = (int64_t)c->first_lba * 588 + (int64_t)(e->pos / 4);
			int64_t b = a + (int64_t)(e->size / 4);

			if (e->status == GM_MAP_FINISHED)
				continue;
			if (shifted)
				a -= shift, b -= shift;
			if (a < lo)
				a = lo;
			if (b > hi)
				b = hi;
			if (a >= b)
				continue;
			if (json)
				printf("%s{\"track\": %u, \"first_sample\": %lld, \"last_sample\": %lld}",
				       shown ? ", " : "", t->number, (long long)(a - lo),
				       (long long)(b - 1 - lo));
			else if (shown < 50)
				printf("  track %u: samples %lld-%lld (from its INDEX 00) not "
				       "captured: zero in the files\n", t->number,
				       (long long)(a - lo), (long long)(b - 1 - lo));
			shown++;
		}
	}
	if (json)
		printf("]");
	else if (shown > 50)
		printf("  ... and %u more ranges\n", shown - 50);
	gm_map_release(&map);
	free(path);
}

/* Every CD-TEXT block of NAME.cdtext: JSON members, or a line each. */
static void cdtext(struct gm_ctx *ctx, const char *stem, bool json)
{
	static const char *const field[GM_CDTEXT_COUNT] = {
		"title", "performer", "songwriter", "composer", "arranger", "message"
	};
	char *path = join(stem, ".cdtext", "");
	FILE *f = path ? fopen(path, "rb") : NULL;
	uint8_t *packs = malloc(65536);
	size_t n = f && packs ? fread(packs, 1, 65536, f) : 0;
	struct gm_cdtext_all all;
	unsigned shown = 0;

	if (f)
		fclose(f);
	free(path);
	if (n < 18 || gm_cdtext_decode(ctx, packs, n / 18, &all) != 0) {
		free(packs);
		if (json)
			printf(", \"cdtext\": []");
		return;
	}
	free(packs);
	if (json)
		printf(", \"cdtext_packs\": %u, \"cdtext_bad_crc\": %u, \"cdtext\": [",
		       all.packs, all.bad_crc);
	for (unsigned b = 0; b < 8; b++) {
		const struct gm_cdtext_block *k = &all.blocks[b];
		const char *cs = k->charset == GM_CDTEXT_MSJIS ? "MS-JIS"
				 : k->charset == GM_CDTEXT_ASCII ? "ASCII" : "ISO-8859-1";

		if (!k->present)
			continue;
		if (!json) {
			printf("  CD-TEXT block %u: language %02Xh, %s%s: %s\n", b, k->language, cs,
			       k->size_info ? "" : " (no size information)",
			       k->text[0][0] ? k->text[0][0] : "(no disc title)");
			continue;
		}
		printf("%s{\"block\": %u, \"language\": %u, \"charset\": \"%s\", "
		       "\"size_info\": %s, \"tracks\": [", shown++ ? ", " : "", b, k->language,
		       cs, k->size_info ? "true" : "false");
		for (unsigned t = 0, m = 0; t < 100; t++) {
			bool any = false;

			for (int x = 0; x < GM_CDTEXT_COUNT; x++)
				any |= k->text[x][t] != NULL;
			if (!any)
				continue;
			printf("%s{\"number\": %u", m++ ? ", " : "", t);
			for (int x = 0; x < GM_CDTEXT_COUNT; x++)
				if (k->text[x][t] != NULL) {
					printf(", \"%s\": ", field[x]);
					cli_json_string(stdout, k->text[x][t]);
				}
			printf("}");
		}
		printf("]}");
	}
	if (json)
		printf("]");
	if (!json && all.bad_crc)
		printf("  CD-TEXT: %u of %u packs with a wrong CRC left out\n", all.bad_crc,
		       all.packs);
	gm_cdtext_all_release(&all);
}

/* The AccurateRip values of a capture on a thread of their own, while the
   redump files are hashed for their dat (two threads: the two cores are
   not both busy all the time). */
struct ar_job {
	const char *desc;
	int32_t offset;
	struct gm_ar_disc *ar;
	int ret;
};

static void *ar_thread(void *arg)
{
	struct ar_job *j = arg;
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_source *src = NULL;
	int32_t offset = j->offset;

	j->ret = -1;
	if (ctx != NULL && gm_capture_source(ctx, j->desc, &offset, 0, &src) == 0
	    && gm_accuraterip(ctx, src, j->ar, NULL, NULL) == 0)
		j->ret = 0;
	gm_source_free(src);
	gm_ctx_free(ctx);
	return NULL;
}

int cli_split(struct gm_ctx *ctx, const char *capture, const char *dir_opt,
	      unsigned which, const int32_t *offset, bool force, bool json, int progress)
{
	bool detect = offset == NULL;
	int32_t write_offset = offset ? *offset : 0, used = write_offset;
	size_t len = strlen(capture);
	bool has_ext = len > 8 && strcmp(capture + len - 8, ".capture") == 0;
	char *desc = join(capture, has_ext ? "" : ".capture", "");
	char *stem = desc ? join(desc, "", "") : NULL, *dir = NULL, *out = NULL;
	const char *base;
	struct gm_capture_desc c;
	struct gm_source *src = NULL;
	struct cli_progress prog;
	struct gm_ar_disc *ar = NULL;
	bool ar_done = false;
	unsigned nout = 0;
	int ret;

	memset(&c, 0, sizeof(c));
	if (desc == NULL || stem == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	stem[strlen(stem) - 8] = '\0';
	base = strrchr(stem, '/') ? strrchr(stem, '/') + 1 : stem;
	if (dir_opt != NULL) {
		/* made when missing (its parent must exist) */
		if (mkdir(dir_opt, 0777) != 0 && errno != EEXIST) {
			ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot make the "
						 "directory '%s'", dir_opt);
			goto out;
		}
		dir = join(dir_opt, "/", "");
	} else if ((dir = join(stem, "", "")) != NULL) {
		dir[base - stem] = '\0';	/* the capture's directory, '/' kept */
	}
	if (dir == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	if ((ret = gm_capture_desc_load(ctx, &c, desc)) != 0)
		goto out;
	if (json)
		printf("{\"capture\": ");
	if (json)
		cli_json_string(stdout, stem);
	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
		struct gm_write_opts opts;

		if (!(which & formats[f].bit))
			continue;
		free(out);
		out = join(dir, base, formats[f].ext);
		gm_source_free(src);
		src = NULL;
		if (out == NULL) {
			ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
			goto out;
		}
		used = write_offset;
		ret = gm_capture_source(ctx, desc, &used,
					(formats[f].bit & (FMT_CCD | FMT_TOC | FMT_CHD)
					 ? GM_CAPTURE_SUB : 0)
					| (formats[f].bit & (FMT_REDUMP | FMT_CUE)
					   ? GM_CAPTURE_CDTEXTFILE : 0)
					| (detect ? GM_CAPTURE_DETECT : 0), &src);
		if (ret != 0)
			goto out;
		if (nout == 0 && !json)
			cli_notes("split", gm_source_disc(src));
		memset(&opts, 0, sizeof(opts));
		opts.force = force;
		opts.split = formats[f].bit == FMT_REDUMP;
		opts.merge = formats[f].bit == FMT_CUE;
		opts.lossy = formats[f].bit == FMT_ISO;	/* the data track alone */
		cli_progress_init(&prog, "splitting", progress);
		opts.progress = cli_progress_update;
		opts.arg = &prog;
		if (formats[f].bit & (FMT_WAV | FMT_FLAC)) {
			unsigned n;

			ret = write_wavs(ctx, src, dir, base, force, formats[f].bit == FMT_FLAC, &n);
			free(out);
			out = join(dir, base, formats[f].bit == FMT_FLAC ? " (Track N).flac"
				   : " (Track N).wav");
			if (ret == 0 && out == NULL)
				ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		} else {
			ret = gm_image_write(ctx, src, out, &opts);
		}
		cli_progress_done(&prog);
		if (ret == 0 && formats[f].bit == FMT_REDUMP) {
			char *edges[2];
			unsigned nedges = 0;

			struct ar_job job = { desc, used, malloc(sizeof(struct gm_ar_disc)), -1 };
			pthread_t thread;
			bool threaded = job.ar != NULL
					&& pthread_create(&thread, NULL, ar_thread, &job) == 0;

			ret = edge_tracks(ctx, stem, dir, base, &c, c.read_offset + used, force,
					  edges, &nedges);
			if (ret == 0)
				ret = redump_dat(ctx, dir, base, edges, nedges);
			else
				while (nedges > 0)
					free(edges[--nedges]);
			if (threaded)
				pthread_join(thread, NULL);
			if (threaded && job.ret == 0) {
				free(ar);
				ar = job.ar;
				ar_done = true;
			} else {
				free(job.ar);
			}
		}
		if (ret != 0)
			goto out;
		if (json)
			printf("%s", nout ? ", " : ", \"outputs\": [");
		if (json)
			cli_json_string(stdout, out);
		else
			printf("SPLIT: '%s' (%s)\n", out, formats[f].name);
		nout++;
	}
	if (src != NULL) {
		const struct gm_disc *d = gm_source_disc(src);
		int32_t shift = c.read_offset + used;

		write_offset = used;

		/* the audio's checksums and ids, when it has audio (computed
		   beside the dat's hashing when there was one) */
		if (!ar_done && (ar = malloc(sizeof(*ar))) != NULL
		    && gm_accuraterip(ctx, src, ar, NULL, NULL) != 0) {
			free(ar);
			ar = NULL;
		}
		if (ar != NULL && ar->ntracks == 0) {
			free(ar);
			ar = NULL;
		}

		if (json) {
			printf("], \"read_offset\": %ld, \"read_offset_source\": ", (long)c.read_offset);
			cli_json_string(stdout, c.offset_why);
			printf(", \"write_offset\": %ld, \"combined_offset\": %ld, \"tracks\": [",
			       (long)write_offset, (long)shift);
			for (unsigned k = 0; k < d->ntracks; k++) {
				const struct gm_track *t = &d->tracks[k];

				printf("%s{\"number\": %u, \"session\": %u, \"mode\": \"%s\", "
				       "\"index\": [", k ? ", " : "", t->number, t->session,
				       gm_track_mode_name(t->mode));
				for (unsigned i = 0; i <= t->nindex; i++)
					printf("%s%ld", i ? ", " : "", (long)t->index[i]);
				printf("], \"end\": %ld, \"control\": %u, \"isrc\": ", (long)t->end,
				       t->control);
				cli_json_string(stdout, t->isrc);
				printf("}");
			}
			printf("], \"mcn\": ");
			cli_json_string(stdout, d->mcn);
			printf(", \"not_captured\": ");
			damage(ctx, stem, &c, d, shift, true);
			cdtext(ctx, stem, true);
			printf(", ");
			cli_json_notes(stdout, d);
			if (ar != NULL) {
				printf(", ");
				cli_print_ar(ar, true);
			}
			printf("}");
		} else {
			printf("  offsets: read %+ld (%s), write %+ld (%s), combined %+ld "
			       "samples\n", (long)c.read_offset, c.offset_why, (long)write_offset,
			       !detect ? "--offset" : write_offset ? "detected"
			       : "none detected", (long)shift);
			damage(ctx, stem, &c, d, shift, false);
			cdtext(ctx, stem, false);
			if (ar != NULL)
				cli_print_ar(ar, false);
		}
	}
out:
	if (json && ret != 0)
		printf("}");
	gm_source_free(src);
	gm_capture_desc_release(&c);
	free(ar);
	free(desc);
	free(stem);
	free(dir);
	free(out);
	return ret;
}

static int cmd_split(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'F'},
		{"offset", required_argument, NULL, 'O'},
		{"force", no_argument, NULL, 'f'},
		{"json", no_argument, NULL, 'j'},
		{"progress", no_argument, NULL, 'p'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *dir = NULL;
	unsigned which = 0;
	int32_t offset = 0;
	bool force = false, json = false, have_offset = false;
	int progress = CLI_PROGRESS_AUTO, c, ret;
	long long v;
	struct gm_ctx *ctx;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': dir = optarg; break;
		case 'F': {
			size_t f;

			for (f = 0; f < sizeof(formats) / sizeof(formats[0]); f++)
				if (strcmp(optarg, formats[f].name) == 0)
					break;
			if (f == sizeof(formats) / sizeof(formats[0]))
				return cli_usage_error("split", "--format must be redump, cue, "
						       "ccd, toc, iso, wav, flac or chd, not "
						       "'%s'",
						       optarg);
			which |= formats[f].bit;
			break;
		}
		case 'O':
			if (!cli_parse_int(optarg, -2940 * 4, 2940 * 4, &v))
				return cli_usage_error("split", "--offset must be a number of "
						       "samples from -11760 to 11760, not '%s'",
						       optarg);
			offset = (int32_t)v;
			have_offset = true;
			break;
		case 'f': force = true; break;
		case 'j': json = true; break;
		case 'p': progress = CLI_PROGRESS_ALWAYS; break;
		case 'q': progress = CLI_PROGRESS_NEVER; break;
		case 'h':
			cli_help(&gm_cmd_split, stdout);
			return GM_EXIT_OK;
		default:
			return cli_bad_option("split", argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("split", argc - optind ? "one CAPTURE, please"
				       : "CAPTURE is missing");
	if (which == 0)
		which = FMT_REDUMP;
	if ((which & FMT_REDUMP) && (which & FMT_CUE))
		return cli_usage_error("split", "redump and cue both write NAME.cue: "
				       "choose one");
	ctx = gm_ctx_new();
	if (ctx == NULL)
		return cli_fail("split", NULL, -GM_ERR_NOMEM);
	ret = cli_split(ctx, argv[optind], dir, which, have_offset ? &offset : NULL, force,
			json, progress);
	if (json)
		printf("\n");
	if (ret != 0)
		ret = cli_fail("split", ctx, ret);
	gm_ctx_free(ctx);
	return ret;
}

const struct gm_command gm_cmd_split = {
	.name = "split",
	.run = cmd_split,
	.summary = "turn a CD capture into redump BIN/CUE, CloneCD, TOC or ISO files",
	.usage = "glassmaster split [-o DIR] [--format F] [--offset N] [--force] "
		 "[--json] [--progress | --quiet] CAPTURE",
	.help =
	"Read the CD capture CAPTURE (NAME or NAME.capture, made by rip: NAME.raw,\n"
	"NAME.sub, NAME.toc, NAME.cdtext, NAME.map) and write it as files: the\n"
	"track and index layout comes from the Q subchannel of every sector (bad\n"
	"frames repaired from their neighbours, the raw .sub untouched), sessions\n"
	"from the full TOC, CD-TEXT from the raw packs; audio is shifted by the\n"
	"read offset the capture recorded plus the write offset: --offset N, or\n"
	"the one shift that puts every pregap in digital silence (a data track's\n"
	"sync when the capture read it as CD-DA), or 0 when none is found.\n"
	"Samples the capture did not get are zero in the files and listed by\n"
	"track.\n"
	"\n"
	"formats (--format, repeatable; default redump):\n"
	"  redump   NAME (Track N).bin per track from its INDEX 00, NAME.cue\n"
	"           (CATALOG, FLAGS, ISRC, INDEX 00/01/02+, CD-TEXT), NAME.cdt\n"
	"           when the disc has CD-TEXT, NAME (Track 0).bin / (Track AA).bin\n"
	"           when the overread lead-in / lead-out holds data, NAME.dat\n"
	"           (CRC-32, MD5, SHA-1)\n"
	"  cue      one NAME.bin and NAME.cue\n"
	"  ccd      CloneCD NAME.ccd, NAME.img, NAME.sub (the captured subchannel)\n"
	"  toc      a cdrdao TOC file NAME.cdrdao.toc with its BIN, RW_RAW with\n"
	"           the captured subchannel (NAME.toc is the capture's raw TOC)\n"
	"  iso      NAME.iso, the user data of the one data track\n"
	"  wav      NAME (Track N).wav per audio track, from its INDEX 01 to the\n"
	"           next one's (a hidden track one audio: NAME (Track 0).wav)\n"
	"  flac     the same as FLAC (libFLAC), tagged from CD-TEXT, ISRC, MCN\n"
	"  chd      NAME.chd, MAME's compressed CD (glassmaster-convert(1)) with\n"
	"           the captured subchannel, CD-TEXT, ISRC, MCN and indexes\n"
	"\n"
	"options:\n"
	"  -o, --output DIR     write into DIR, made when missing (default: beside\n"
	"                       the capture)\n"
	"  --format F           redump, cue, ccd, toc, iso, wav, flac or chd\n"
	"  --offset N           the disc's write offset in samples (default: found,\n"
	"                       else 0)\n"
	"  --force              replace existing output files\n"
	"  --json               print the layout, offsets and outputs as JSON\n"
	"  --progress           show progress on stderr even when not a terminal\n"
	"  --quiet              never show progress\n"
	"\n"
	"exit status: 0 success, 1 bad sectors met, 2 usage error, bad input or\n"
	"a loss refused, 3 I/O failure.\n",
};
