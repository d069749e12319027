/*
 * cmd_verify.c - `glassmaster verify`: a disc or image against a master
 * image or dat (ranges, files, hashes, an SVG map), or `--integrity`: every
 * sector of a raw image checked on its own (EDC, ECC, header address, Q CRC).
 */
#include "config.h"

#include <errno.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "capdesc.h"
#include "mapfile.h"
#include "cli.h"
#include "hash.h"
#include "rip.h"
#include "verify.h"
#include "banned.h"

struct bad_list {
	struct gm_bad_sector *items;
	size_t count, cap;
	bool overflow;		/* out of memory: the list is incomplete */
	struct gm_verify_range *files;	/* per item: the files at its LBA */
};

/*
 * The files at each bad sector's LBA, from the ISO 9660 file system of an
 * image whose first track is data at LBA 0 (read through its sector
 * source); a bare raw file has no sheet to read it by, and names nothing.
 */
static void name_bad(struct gm_ctx *ctx, const char *path, struct bad_list *bad)
{
	struct gm_source *src = NULL;
	const struct gm_disc *d;

	if (bad->count == 0 || gm_image_open(ctx, path, &src) != 0)
		return;
	d = gm_source_disc(src);
	bad->files = calloc(bad->count, sizeof(*bad->files));
	if (bad->files != NULL && d->ntracks > 0 && d->tracks[0].mode != GM_TRACK_AUDIO
	    && d->tracks[0].index[0] == 0) {
		for (size_t i = 0; i < bad->count; i++)
			bad->files[i].first = bad->files[i].last = bad->items[i].lba;
		gm_name_ranges_source(ctx, src, bad->files, bad->count);
	}
	gm_source_free(src);
}

static void free_bad(struct bad_list *bad)
{
	for (size_t i = 0; bad->files != NULL && i < bad->count; i++) {
		for (size_t f = 0; f < bad->files[i].nfiles; f++)
			free(bad->files[i].files[f]);
		free(bad->files[i].files);
	}
	free(bad->files);
	free(bad->items);
}

static void collect_bad(void *arg, const struct gm_bad_sector *bad)
{
	struct bad_list *list = arg;

	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		struct gm_bad_sector *items = realloc(list->items, cap * sizeof(*items));

		if (items == NULL) {
			list->overflow = true;
			return;
		}
		list->items = items;
		list->cap = cap;
	}
	list->items[list->count++] = *bad;
}

struct verify_run {
	struct bad_list bad;
	struct cli_progress progress;
};

static void on_bad(void *arg, const struct gm_bad_sector *bad)
{
	collect_bad(&((struct verify_run *)arg)->bad, bad);
}

static void on_progress(void *arg, uint64_t done, uint64_t total)
{
	cli_progress_update(&((struct verify_run *)arg)->progress, done, total);
}

static const char *bad_reason(const struct gm_bad_sector *b)
{
	if (b->info.status == GM_CHECK_GOOD)
		return "bad Q subchannel CRC";
	return gm_sector_check_name(b->info.status);
}

/* The lines of text as JSON strings, comma-separated. */
static void json_lines(const char *text)
{
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		char line[1024];

		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		printf("%s", p == text ? "" : ", ");
		cli_json_string(stdout, line);
		p += len + (p[len] == '\n');
	}
}

static void print_json(const char *path, const struct gm_integrity_report *r,
		       const struct bad_list *bad)
{
	bool chd_bad = r->chd && (r->chd_bad_hunks > 0 || !r->chd_sha1_ok);

	printf("{\"image\": ");
	cli_json_string(stdout, path);
	printf(", \"verdict\": \"%s\", \"sector_size\": %zu, \"sectors\": %llu",
	       r->failed || r->fs_problems || chd_bad ? "DAMAGED" : "INTACT", r->sector_size,
	       (unsigned long long)r->sectors);
	if (r->chd) {
		printf(", \"chd\": {\"hunks\": %llu, \"bad_hunks\": %llu, \"sha1_ok\": %s, "
		       "\"damage\": [", (unsigned long long)r->chd_hunks,
		       (unsigned long long)r->chd_bad_hunks, r->chd_sha1_ok ? "true" : "false");
		json_lines(r->chd_text);
		printf("]}");
	}
	if (r->first_lba == GM_LBA_ANY)
		printf(", \"first_lba\": null");
	else
		printf(", \"first_lba\": %ld", (long)r->first_lba);
	printf(", \"modes\": {");
	for (int m = 0, n = 0; m <= GM_MODE_INVALID; m++) {
		if (r->by_mode[m] == 0)
			continue;
		printf("%s\"%s\": %llu", n++ ? ", " : "",
		       gm_sector_mode_name((enum gm_sector_mode)m),
		       (unsigned long long)r->by_mode[m]);
	}
	printf("}, \"failed\": %llu, \"bad_sectors\": [", (unsigned long long)r->failed);
	for (size_t i = 0; i < bad->count; i++) {
		const struct gm_bad_sector *b = &bad->items[i];

		printf("%s{\"lba\": %ld, \"index\": %llu, \"mode\": \"%s\", "
		       "\"status\": \"%s\", \"q_crc_bad\": %s", i ? ", " : "",
		       (long)b->lba, (unsigned long long)b->index,
		       gm_sector_mode_name(b->info.mode),
		       gm_sector_check_name(b->info.status),
		       b->q_bad ? "true" : "false");
		printf(", \"files\": [");
		for (size_t f = 0; bad->files != NULL && f < bad->files[i].nfiles; f++) {
			printf("%s", f ? ", " : "");
			cli_json_string(stdout, bad->files[i].files[f]);
		}
		printf("]}");
	}
	printf("], \"list_complete\": %s, \"structure_only\": %s, "
	       "\"file_systems\": {\"iso9660\": %s, \"udf\": %s, \"faults\": %u, "
	       "\"problems\": [", bad->overflow ? "false" : "true",
	       r->structure_only ? "true" : "false", r->iso9660 ? "true" : "false",
	       r->udf ? "true" : "false", r->fs_problems);
	if (r->fs_problems)
		json_lines(r->fs_text);
	printf("]}}\n");
}

static void print_text(const char *path, const struct gm_integrity_report *r,
		       const struct bad_list *bad)
{
	if (r->chd && (r->chd_bad_hunks > 0 || !r->chd_sha1_ok)) {
		const char *p = r->chd_text;

		if (r->chd_bad_hunks > 0)
			printf("DAMAGED: '%s': %llu of %llu hunks do not decompress or fail "
			       "their CRC\n", path, (unsigned long long)r->chd_bad_hunks,
			       (unsigned long long)r->chd_hunks);
		else
			printf("DAMAGED: '%s': its %llu hunks check, but their data do not "
			       "have the SHA-1 of its header\n", path,
			       (unsigned long long)r->chd_hunks);
		while (*p) {
			size_t len = strcspn(p, "\n");

			printf("  %.*s\n", (int)len, p);
			p += len + (p[len] == '\n');
		}
		return;
	}
	if (r->chd)
		printf("CHD: %llu hunks decompress and pass their CRC; the data SHA-1 "
		       "matches\n", (unsigned long long)r->chd_hunks);
	if (r->structure_only && r->fs_problems)
		printf("DAMAGED: '%s': %u faults in its file system structures\n",
		       path, r->fs_problems);
	else if (r->structure_only)
		printf("INTACT: '%s': its file system structures are sound\n", path);
	else if (r->failed)
		printf("DAMAGED: '%s': %llu of %llu sectors failed their check\n",
		       path, (unsigned long long)r->failed,
		       (unsigned long long)r->sectors);
	else if (r->fs_problems)
		printf("DAMAGED: '%s': every sector is good, but the file system's "
		       "descriptors are not\n", path);
	else
		printf("INTACT: '%s': %llu sectors checked\n", path,
		       (unsigned long long)r->sectors);
	if (r->structure_only)
		printf("  the image stores user data only: without EDC/ECC its %llu "
		       "sectors' contents cannot be checked (verify it against a "
		       "master for that)\n", (unsigned long long)r->sectors);
	printf("  sector size %zu", r->sector_size);
	if (r->first_lba != GM_LBA_ANY)
		printf(", LBA %ld-%ld", (long)r->first_lba,
		       (long)(r->first_lba + (int32_t)r->sectors - 1));
	printf("\n");
	for (int m = 0; m <= GM_MODE_INVALID; m++)
		if (r->by_mode[m])
			printf("  %s: %llu\n", gm_sector_mode_name((enum gm_sector_mode)m),
			       (unsigned long long)r->by_mode[m]);
	if (r->sector_size > GM_SECTOR_RAW)
		printf("  Q subchannel CRC errors: %llu\n", (unsigned long long)r->q_bad);
	if (r->iso9660 || r->udf) {
		const char *p = r->fs_text;

		printf("  file systems: %s%s%s; structures: %s\n", r->iso9660 ? "ISO 9660" : "",
		       r->iso9660 && r->udf ? ", " : "", r->udf ? "UDF" : "",
		       r->fs_problems ? "faulty" : "sane");
		while (r->fs_problems && *p) {
			size_t len = strcspn(p, "\n");

			printf("  fault: %.*s\n", (int)len, p);
			p += len + (p[len] == '\n');
		}
	}
	for (size_t i = 0; i < bad->count; i++) {
		const struct gm_bad_sector *b = &bad->items[i];

		printf("LBA %ld: %s (%s)", (long)b->lba, bad_reason(b),
		       gm_sector_mode_name(b->info.mode));
		if (b->q_bad && b->info.status != GM_CHECK_GOOD)
			printf(", bad Q subchannel CRC");
		for (size_t f = 0; bad->files != NULL && f < bad->files[i].nfiles; f++)
			printf("%s%s", f ? ", " : ": ", bad->files[i].files[f]);
		printf("\n");
	}
	if (bad->overflow)
		printf("(out of memory: the list of bad sectors is incomplete)\n");
}

static const char *kind_name(enum gm_range_kind k)
{
	return k == GM_RANGE_MISMATCH ? "mismatch" : k == GM_RANGE_UNREADABLE
	       ? "unreadable" : "missing";
}

static const char *dat_status_text(enum gm_dat_status st)
{
	switch (st) {
	case GM_DAT_MATCH: return "matches its rom";
	case GM_DAT_DIFFERS: return "differs from its rom";
	case GM_DAT_NOT_IN_DAT: return "has no rom in the dat";
	default: return "in the dat, not in the source";
	}
}

static const char *verdict_of(int ret)
{
	return ret == 0 ? "MATCH" : ret == -GM_ERR_UNREADABLE ? "UNREADABLE"
	       : "MISMATCH";
}

/* ", "hashes": {...}" of digests (CRC-32, MD5, SHA-1). */
static void print_hashes_json(const struct gm_digests *d)
{
	char md5[33], sha1[41];

	gm_hex(d->md5, sizeof(d->md5), md5);
	gm_hex(d->sha1, sizeof(d->sha1), sha1);
	printf(", \"hashes\": {\"crc32\": \"%08x\", \"md5\": \"%s\", \"sha1\": \"%s\"}",
	       (unsigned)d->crc32, md5, sha1);
}

static void print_master_json(const struct gm_verify_opts *o,
			      const struct gm_verify_report *r, int ret)
{
	printf("{\"verdict\": \"%s\", \"source\": ", verdict_of(ret));
	cli_json_string(stdout, o->source);
	printf(", \"master\": ");
	cli_json_string(stdout, o->master);
	printf(", \"sectors\": %llu, \"volume_sectors\": %llu, \"extra_sectors\": %llu, "
	       "\"mismatched\": %llu, \"unreadable\": %llu, \"missing\": %llu, "
	       "\"recovered\": %llu, \"checked\": %s", (unsigned long long)r->sectors,
	       (unsigned long long)r->volume,
	       (unsigned long long)r->extra, (unsigned long long)r->mismatched,
	       (unsigned long long)r->unreadable, (unsigned long long)r->missing,
	       (unsigned long long)r->recovered, r->checked ? "true" : "false");
	if (r->dat)
		printf(", \"dat_match\": %s", r->dat_match ? "true" : "false");
	printf(", \"ranges\": [");
	for (size_t i = 0; i < r->nranges; i++) {
		const struct gm_verify_range *g = &r->ranges[i];

		printf("%s{\"kind\": \"%s\", \"first_lba\": %ld, \"last_lba\": %ld, "
		       "\"files\": [", i ? ", " : "", kind_name(g->kind), (long)g->first,
		       (long)g->last);
		for (size_t f = 0; f < g->nfiles; f++) {
			printf("%s", f ? ", " : "");
			cli_json_string(stdout, g->files[f]);
		}
		printf("]}");
	}
	printf("], \"files\": [");
	for (size_t i = 0; i < r->nfiles; i++) {
		static const char *const names[] = { "match", "differs", "not_in_dat",
						      "missing" };
		const struct gm_verify_file *f = &r->files[i];

		printf("%s{\"name\": ", i ? ", " : "");
		cli_json_string(stdout, f->name);
		printf(", \"status\": \"%s\"", names[f->status]);
		if (f->status != GM_DAT_MISSING) {
			char md5[33], sha1[41];

			gm_hex(f->digests.md5, sizeof(f->digests.md5), md5);
			gm_hex(f->digests.sha1, sizeof(f->digests.sha1), sha1);
			printf(", \"size\": %llu, \"crc32\": \"%08x\", \"md5\": \"%s\", "
			       "\"sha1\": \"%s\"", (unsigned long long)f->digests.size,
			       (unsigned)f->digests.crc32, md5, sha1);
		}
		printf("}");
	}
	printf("], \"tracks\": [");
	for (size_t i = 0; i < r->ntracks; i++) {
		const struct gm_verify_track *t = &r->tracks[i];

		printf("%s{\"number\": %u, \"audio\": %s, \"first_lba\": %ld, "
		       "\"last_lba\": %ld, \"mismatched\": %llu", i ? ", " : "", t->number,
		       t->audio ? "true" : "false", (long)t->first, (long)t->last,
		       (unsigned long long)t->mismatched);
		if (t->audio && t->offset_found)
			printf(", \"offset_samples\": %d", t->offset);
		else if (t->audio)
			printf(", \"offset_samples\": null");
		if (t->hashed)
			print_hashes_json(&t->digests);
		printf("}");
	}
	printf("]");
	if (r->hashed)
		print_hashes_json(&r->digests);
	printf("}\n");
}

static void print_master_text(const struct gm_verify_opts *o,
			      const struct gm_verify_report *r, int ret)
{
	if (r->dat && r->nfiles > 0)
		printf("%s: '%s' %s '%s' (%zu files)\n", verdict_of(ret), o->source,
		       ret == 0 ? "matches" : "does not match", o->master, r->nfiles);
	else if (r->dat)
		printf("%s: '%s' %s its entry in '%s' (%llu sectors)\n", verdict_of(ret),
		       o->source, ret == 0 ? "matches" : r->dat_rom_found
		       ? "does not match" : "has no", o->master,
		       (unsigned long long)r->sectors);
	else if (ret == 0)
		printf("MATCH: '%s' matches '%s' (%llu sectors)\n", o->source, o->master,
		       (unsigned long long)r->sectors);
	else
		printf("%s: '%s' against '%s': %llu sectors differ, %llu unreadable, "
		       "%llu missing, of %llu\n", verdict_of(ret), o->source, o->master,
		       (unsigned long long)r->mismatched, (unsigned long long)r->unreadable,
		       (unsigned long long)r->missing, (unsigned long long)r->sectors);
	for (size_t i = 0; i < r->nfiles; i++)
		printf("  %s: %s\n", r->files[i].name, dat_status_text(r->files[i].status));
	/* (of the first track: later sessions have volumes of their own) */
	if (r->volume > 0 && r->ntracks > 0 && !r->tracks[0].audio
	    && r->volume < (uint64_t)(r->tracks[0].last + 1))
		printf("  %llu sectors of the master beyond its ISO 9660 volume "
		       "(compared)\n", (unsigned long long)(r->tracks[0].last + 1 - r->volume));
	if (r->extra > 0)
		printf("  %llu sectors beyond the image (not compared)\n",
		       (unsigned long long)r->extra);
	if (r->recovered > 0)
		printf("  %llu sectors read right only by a retry\n",
		       (unsigned long long)r->recovered);
	for (size_t i = 0; i < r->ntracks; i++) {
		const struct gm_verify_track *t = &r->tracks[i];

		if (!t->audio)
			continue;
		printf("  track %u (audio, LBA %ld-%ld): ", t->number, (long)t->first,
		       (long)t->last);
		if (t->offset_found)
			printf("read offset %+d samples", t->offset);
		else
			printf("no read offset found within 5 sectors");
		printf(", %llu sector%s differ%s\n", (unsigned long long)t->mismatched,
		       t->mismatched == 1 ? "" : "s", t->mismatched == 1 ? "s" : "");
		if (t->hashed) {
			char md5[33], sha1[41];

			gm_hex(t->digests.md5, sizeof(t->digests.md5), md5);
			gm_hex(t->digests.sha1, sizeof(t->digests.sha1), sha1);
			printf("    crc32 %08x  md5 %s  sha1 %s\n",
			       (unsigned)t->digests.crc32, md5, sha1);
		}
	}
	for (size_t i = 0; i < r->nranges; i++) {
		const struct gm_verify_range *g = &r->ranges[i];

		printf("  %s LBA %ld-%ld (%ld sector%s)", kind_name(g->kind), (long)g->first,
		       (long)g->last, (long)(g->last - g->first + 1),
		       g->last == g->first ? "" : "s");
		if (g->kind == GM_RANGE_MISSING)
			printf(" beyond the end of the source");
		for (size_t f = 0; f < g->nfiles; f++)
			printf("%s%s", f ? ", " : ": ", g->files[f]);
		printf("\n");
	}
	if (r->hashed) {
		char md5[33], sha1[41];

		gm_hex(r->digests.md5, sizeof(r->digests.md5), md5);
		gm_hex(r->digests.sha1, sizeof(r->digests.sha1), sha1);
		printf("  crc32 %08x  md5 %s  sha1 %s\n", (unsigned)r->digests.crc32,
		       md5, sha1);
	}
}

static int verify_master(const struct gm_verify_opts *given, const char *profile_path,
			 bool json, const char *map, int progress)
{
	struct gm_verify_opts opts = *given, *o = &opts;
	struct gm_drive_profile profile;
	struct gm_verify_report report;
	struct cli_progress prog;
	struct gm_ctx *ctx;
	int ret, status;

	ctx = cli_ctx_with_profile("verify", profile_path, &profile, &o->profile, &status);
	if (ctx == NULL)
		return status;
	cli_progress_init(&prog, "verifying", progress);
	o->progress = cli_progress_update;
	o->arg = &prog;
	o->speed = map != NULL && gm_path_is_device(o->source);
	cli_catch_signals();
	o->stop = &cli_stop_requested;
	ret = gm_verify(ctx, o, &report);
	cli_progress_done(&prog);
	if (ret == 0 || ret == -GM_ERR_MISMATCH || ret == -GM_ERR_UNREADABLE) {
		status = ret == 0 ? GM_EXIT_OK : GM_EXIT_MISMATCH;
		if (map != NULL) {
			struct gm_svg_opts so;
			char title[1024];
			int r2;

			snprintf(title, sizeof(title), "%s: %s against %s", verdict_of(ret),
				 o->source, o->master);
			memset(&so, 0, sizeof(so));
			so.title = title;
			so.sectors = report.sectors;
			so.extra = report.extra;
			so.ranges = report.ranges;
			so.nranges = report.nranges;
			so.speed = report.speed;
			so.nspeed = report.nspeed;
			r2 = gm_svg_map_write(ctx, map, &so);
			if (r2 != 0)
				status = cli_fail("verify", ctx, r2);
		}
		if (json)
			print_master_json(o, &report, ret);
		else
			print_master_text(o, &report, ret);
	} else {
		status = cli_fail("verify", ctx, ret);
	}
	gm_verify_report_release(&report);
	gm_ctx_free(ctx);
	return status;
}

/* The whole of a file (at most 16 MiB), or NULL with the error set. */
static uint8_t *read_whole(struct gm_ctx *ctx, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;

	*len = 0;
	if (f == NULL) {
		gm_error_set_errno(ctx, errno == ENOENT ? GM_ERR_NOENT : GM_ERR_IO, errno,
				   "cannot open '%s'", path);
		return NULL;
	}
	buf = malloc((16u << 20) + 1);
	if (buf != NULL)
		*len = fread(buf, 1, (16u << 20) + 1, f);
	if (buf == NULL || ferror(f) || *len > (16u << 20)) {
		gm_error_set(ctx, buf == NULL ? GM_ERR_NOMEM : GM_ERR_FORMAT, "cannot read "
			     "'%s', or it is larger than 16 MiB", path);
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Which AccurateRip tracks of a capture hold, in the samples their
   checksums take (the first track's after 2939, the last's before its
   last 2940), a sample the capture did not get (its NAME.map). */
static void lacking(struct gm_ctx *ctx, const char *image, const struct gm_ar_disc *ar,
		    int32_t write_offset, bool *damaged)
{
	size_t len = strlen(image);
	char *stem = malloc(len + 8);
	struct gm_capture_desc c;
	struct gm_map map;

	memset(&map, 0, sizeof(map));
	if (stem == NULL || gm_capture_desc_load(ctx, &c, image) != 0) {
		free(stem);
		return;
	}
	memcpy(stem, image, len + 1);
	if (len > 8 && strcmp(stem + len - 8, ".capture") == 0)
		len -= 8;
	memcpy(stem + len, ".map", 5);
	if (gm_map_load(ctx, &map, stem, (uint64_t)c.sectors * 2352) == 0) {
		int64_t shift = c.read_offset + write_offset;

		for (unsigned k = 0; k < ar->ntracks; k++) {
			const struct gm_ar_track *t = &ar->tracks[k];
			int64_t n = (int64_t)(t->end - t->start) * 588;
			int64_t lo = (int64_t)t->start * 588 + (k == 0 ? 2939 : 0);
			int64_t hi = (int64_t)t->start * 588 + (k + 1 == ar->ntracks ? n - 2940 : n);

			for (size_t i = 0; i < map.count && !damaged[k]; i++) {
				const struct gm_map_extent *e = &map.extents[i];
				int64_t a = (int64_t)c.first_lba * 588 + (int64_t)(e->pos / 4) - shift;
				int64_t b = a + (int64_t)(e->size / 4);

				damaged[k] = e->status != GM_MAP_FINISHED && a < hi && b > lo;
			}
		}
	}
	gm_map_release(&map);
	gm_capture_desc_release(&c);
	free(stem);
}

/*
 * verify --accuraterip: IMAGE's audio against a dBAR file (and a CTDB CRC):
 * a verdict per track, ACCURATE when every track matched at the offset
 * used and the CTDB CRC (if given) is the disc's.
 */
static int verify_accuraterip(const char *image, const char *dbar_path, const char *ctdb,
			      const char *dat, bool json, int progress)
{
	struct gm_integrity_opts iopts;
	struct gm_integrity_report irep;
	struct gm_verify_opts vopts;
	struct gm_verify_report vrep;
	bool integrity = false, dat_ok = true;
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_source *src = NULL;
	struct gm_ar_disc *ar = malloc(sizeof(*ar));
	struct gm_ar_verdict v[GM_AR_MAX];
	struct gm_dbar db;
	struct cli_progress prog;
	uint8_t *data = NULL;
	size_t len;
	unsigned accurate = 0, ids = 0;
	bool ctdb_ok = true, capture = false, damaged[GM_AR_MAX] = { false };
	int32_t write_offset = 0;
	int ret, status;

	memset(&db, 0, sizeof(db));
	memset(&vrep, 0, sizeof(vrep));
	if (ctx == NULL || ar == NULL) {
		free(ar);
		gm_ctx_free(ctx);
		return cli_fail("verify", NULL, -GM_ERR_NOMEM);
	}
	data = read_whole(ctx, dbar_path, &len);
	ret = data == NULL ? -(int)GM_ERR_IO : gm_dbar_parse(ctx, dbar_path, data, len, &db);
	if (data == NULL)
		ret = -(int)gm_error_code(ctx);
	if (ret == 0)
		ret = gm_image_open(ctx, image, &src);
	/* a capture: opened again to know the write offset it found, so that
	   its map says which samples it lacks */
	if (ret == 0 && strcmp(gm_source_disc(src)->format, "capture") == 0) {
		gm_source_free(src);
		src = NULL;
		ret = gm_capture_source(ctx, image, &write_offset, GM_CAPTURE_DETECT, &src);
		capture = ret == 0;
	}
	if (ret == 0) {
		cli_notes("verify", gm_source_disc(src));
		cli_progress_init(&prog, "checksums", progress);
		ret = gm_accuraterip(ctx, src, ar, cli_progress_update, &prog);
		cli_progress_done(&prog);
	}
	if (ret == 0 && ar->ntracks == 0)
		ret = gm_error_set(ctx, GM_ERR_FORMAT, "'%s' has no audio track", image);
	if (ret == 0)
		ret = gm_ar_verify(ctx, src, ar, &db, v);
	if (ret != 0) {
		status = cli_fail("verify", ctx, ret);
		goto out;
	}
	for (unsigned i = 0; i < db.n; i++)
		ids += db.r[i].id1 == ar->id1 && db.r[i].id2 == ar->id2 && db.r[i].cddb == ar->cddb;
	/* a track whose checked samples the capture did not all get is not
	   accurate, whatever its checksum */
	if (capture)
		lacking(ctx, image, ar, write_offset, damaged);
	for (unsigned k = 0; k < ar->ntracks; k++) {
		if (damaged[k] && v[k].status != GM_AR_NOT_FOUND)
			v[k].status = GM_AR_NOT_FOUND;
		accurate += v[k].status == GM_AR_ACCURATE;
	}
	if (ctdb != NULL)
		ctdb_ok = strtoul(ctdb, NULL, 16) == ar->ctdb_crc;
	/* the data sectors' EDC/ECC (and Q), where the image stores raw
	   sectors; the files against a dat */
	gm_integrity_opts_init(&iopts);
	memset(&irep, 0, sizeof(irep));
	ret = gm_integrity_check_image(ctx, image, &iopts, &irep);
	integrity = ret == 0 || ret == -GM_ERR_MISMATCH;
	memset(&vrep, 0, sizeof(vrep));
	if (dat != NULL) {
		gm_verify_opts_init(&vopts);
		vopts.source = image;
		vopts.master = dat;
		ret = gm_verify(ctx, &vopts, &vrep);
		if (ret != 0 && ret != -GM_ERR_MISMATCH && ret != -GM_ERR_UNREADABLE) {
			status = cli_fail("verify", ctx, ret);
			goto out;
		}
		dat_ok = ret == 0;
	}
	status = accurate == ar->ntracks && ctdb_ok && dat_ok && (!integrity || irep.bad == 0)
		 ? GM_EXIT_OK : GM_EXIT_MISMATCH;
	if (json) {
		printf("{\"image\": ");
		cli_json_string(stdout, image);
		printf(", \"verdict\": \"%s\", \"accuraterip\": {\"dbar\": ",
		       status == GM_EXIT_OK ? "accurate" : "not accurate");
		cli_json_string(stdout, dbar_path);
		printf(", \"responses\": %u, \"responses_with_this_disc_id\": %u, "
		       "\"tracks\": [", db.n, ids);
		for (unsigned k = 0; k < ar->ntracks; k++)
			printf("%s{\"number\": %u, \"status\": \"%s\", \"version\": %d, "
			       "\"confidence\": %u, \"response\": %u, \"offset\": %ld}",
			       k ? ", " : "", v[k].number, damaged[k] ? "not captured"
			       : v[k].status == GM_AR_ACCURATE
			       ? "accurate" : v[k].status == GM_AR_OFFSET ? "offset" : "not found",
			       v[k].version, v[k].confidence, v[k].response, (long)v[k].offset);
		printf("]}");
		if (ctdb != NULL)
			printf(", \"ctdb\": {\"crc\": \"%08x\", \"expected\": \"%08lx\", "
			       "\"match\": %s}", (unsigned)ar->ctdb_crc, strtoul(ctdb, NULL, 16),
			       ctdb_ok ? "true" : "false");
		if (integrity)
			printf(", \"integrity\": {\"sectors\": %llu, \"bad\": %llu, "
			       "\"q_bad\": %llu}", (unsigned long long)irep.sectors,
			       (unsigned long long)irep.bad, (unsigned long long)irep.q_bad);
		if (dat != NULL) {
			printf(", \"dat\": {\"file\": ");
			cli_json_string(stdout, dat);
			printf(", \"match\": %s, \"files\": [", dat_ok ? "true" : "false");
			for (size_t i = 0; i < vrep.nfiles; i++) {
				printf("%s{\"name\": ", i ? ", " : "");
				cli_json_string(stdout, vrep.files[i].name);
				printf(", \"match\": %s}", vrep.files[i].status == GM_DAT_MATCH
				       ? "true" : "false");
			}
			printf("]}");
		}
		printf("}\n");
	} else {
		printf("%s: '%s': %u of %u tracks accurate (%u responses in '%s', %u for this "
		       "disc id)\n", status == GM_EXIT_OK ? "ACCURATE" : "NOT ACCURATE", image,
		       accurate, ar->ntracks, db.n, dbar_path, ids);
		for (unsigned k = 0; k < ar->ntracks; k++) {
			const struct gm_ar_verdict *x = &v[k];

			if (x->status == GM_AR_ACCURATE)
				printf("  track %2u: accurate (v%d, confidence %u, response %u)\n",
				       x->number, x->version, x->confidence, x->response);
			else if (x->status == GM_AR_OFFSET)
				printf("  track %2u: accurate at offset %+ld (v1, confidence %u, "
				       "response %u): the read offset was %ld samples %s\n",
				       x->number, (long)x->offset, x->confidence, x->response,
				       labs((long)x->offset), x->offset > 0 ? "short" : "over");
			else if (damaged[k])
				printf("  track %2u: not accurate: the capture lacks samples it "
				       "checks (see split)\n", x->number);
			else
				printf("  track %2u: not found\n", x->number);
		}
		if (ctdb != NULL)
			printf("  CTDB CRC %08x: %s\n", (unsigned)ar->ctdb_crc,
			       ctdb_ok ? "matches" : "differs");
		if (integrity)
			printf("  integrity: %llu sectors, %llu failing their check, %llu "
			       "with a bad Q CRC\n", (unsigned long long)irep.sectors,
			       (unsigned long long)irep.bad, (unsigned long long)irep.q_bad);
		if (dat != NULL)
			printf("  dat '%s': %s\n", dat, dat_ok ? "every file matches"
			       : "does not match");
	}
out:
	gm_verify_report_release(&vrep);
	gm_dbar_release(&db);
	gm_source_free(src);
	free(data);
	free(ar);
	gm_ctx_free(ctx);
	return status;
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_PARENT_OPTION,
		{"integrity", no_argument, NULL, 'i'},
		{"accuraterip", required_argument, NULL, 'A'},
		{"ctdb-crc", required_argument, NULL, 'C'},
		{"dat", required_argument, NULL, 'D'},
		{"retries", required_argument, NULL, 'r'},
		{"simulate", required_argument, NULL, 'S'},
		{"drive-profile", required_argument, NULL, 'P'},
		{"no-hash", no_argument, NULL, 'n'},
		{"map", required_argument, NULL, 'm'},
		{"sector-size", required_argument, NULL, 's'},
		{"first-lba", required_argument, NULL, 'l'},
		{"json", no_argument, NULL, 'j'},
		{"progress", no_argument, NULL, 'p'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct gm_integrity_opts opts;
	struct gm_integrity_report report;
	struct gm_verify_opts vopts;
	const char *map = NULL, *profile_path = NULL, *dbar = NULL, *ctdb = NULL, *dat = NULL;
	struct verify_run run;
	struct gm_ctx *ctx;
	bool integrity = false, json = false;
	int progress = CLI_PROGRESS_AUTO, c, ret, status;
	long long v;

	gm_integrity_opts_init(&opts);
	gm_verify_opts_init(&vopts);
	memset(&run, 0, sizeof(run));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			integrity = true;
			break;
		case 'A':
			dbar = optarg;
			break;
		case 'D':
			dat = optarg;
			break;
		case 'C':
			if (strlen(optarg) != 8 || strspn(optarg, "0123456789abcdefABCDEF") != 8)
				return cli_usage_error("verify", "--ctdb-crc must be 8 hex "
						       "digits, not '%s'", optarg);
			ctdb = optarg;
			break;
		case 'r':
			if (!cli_parse_int(optarg, 0, 1000, &v))
				return cli_usage_error("verify", "--retries must be a number "
						       "from 0 to 1000, not '%s'", optarg);
			vopts.retries = (int)v;
			break;
		case 'S':
			vopts.faults = optarg;
			break;
		case 'P':
			profile_path = optarg;
			break;
		case 'n':
			vopts.hash = false;
			break;
		case 'm':
			map = optarg;
			break;
		case 's':
			if (!cli_parse_int(optarg, 0, 1 << 20, &v)
			    || (v != GM_SECTOR_RAW && v != GM_SECTOR_RAW + GM_SUB_SIZE))
				return cli_usage_error("verify", "--sector-size must "
						       "be 2352 or 2448, not '%s'", optarg);
			opts.sector_size = (size_t)v;
			break;
		case 'l':
			if (!cli_parse_int(optarg, GM_LBA_MIN, GM_LBA_MAX, &v))
				return cli_usage_error("verify", "--first-lba must be "
						       "an LBA from %d to %d, not '%s'",
						       GM_LBA_MIN, GM_LBA_MAX, optarg);
			opts.first_lba = (int32_t)v;
			break;
		case 'j':
			json = true;
			break;
		case 'p':
			progress = CLI_PROGRESS_ALWAYS;
			break;
		case 'q':
			progress = CLI_PROGRESS_NEVER;
			break;
		case CLI_OPT_PARENT:
			if (cli_add_parent("verify", optarg) != 0)
				return GM_EXIT_USAGE;
			break;
		case 'h':
			cli_help(&gm_cmd_verify, stdout);
			return GM_EXIT_OK;
		default:
			return cli_bad_option("verify", argv);
		}
	}
	if (dbar != NULL || ctdb != NULL || dat != NULL) {
		if (dbar == NULL)
			return cli_usage_error("verify", "--ctdb-crc and --dat go with "
					       "--accuraterip");
		if (integrity || vopts.faults != NULL || map != NULL || profile_path != NULL)
			return cli_usage_error("verify", "--accuraterip checks an image on its "
					       "own: not with --integrity, --simulate, "
					       "--drive-profile or --map");
		if (argc - optind != 1)
			return cli_usage_error("verify", argc - optind ? "one IMAGE, please"
					       : "IMAGE is missing");
		return verify_accuraterip(argv[optind], dbar, ctdb, dat, json, progress);
	}
	if (!integrity) {
		if (argc - optind != 2)
			return cli_usage_error("verify", argc - optind < 2 ? "SOURCE and "
					       "MASTER, please (or --integrity IMAGE)"
					       : "one SOURCE and one MASTER, please");
		vopts.source = argv[optind];
		vopts.master = argv[optind + 1];
		return verify_master(&vopts, profile_path, json, map, progress);
	}
	if (vopts.faults != NULL || map != NULL || profile_path != NULL)
		return cli_usage_error("verify", "--simulate, --drive-profile and --map "
				       "compare with a master: not with --integrity");
	if (argc - optind != 1)
		return cli_usage_error("verify", argc - optind ? "one IMAGE, please"
				       : "IMAGE is missing");
	ctx = gm_ctx_new();
	if (ctx == NULL) {
		fprintf(stderr, "glassmaster: verify: out of memory\n");
		return GM_EXIT_DEVICE;
	}
	cli_progress_init(&run.progress, "checking", progress);
	opts.on_bad = on_bad;
	opts.progress = on_progress;
	opts.arg = &run;
	/* an image with a sheet (or any format glassmaster reads) through
	   its sector source; a bare raw file (whose layout the image reader
	   would only guess) as it is, sector by sector */
	{
		struct gm_source *probe = NULL;
		int opened = -GM_ERR_FORMAT;
		char why[512] = "";

		if (opts.sector_size == 0 && opts.first_lba == GM_LBA_ANY) {
			opened = gm_image_open(ctx, argv[optind], &probe);
			/* why an image was refused, if the raw check fails too */
			if (opened != 0 && strstr(gm_error(ctx), "not an image format") == NULL)
				snprintf(why, sizeof(why), "%s", gm_error(ctx));
		}
		if (opened == 0 && strcmp(gm_source_disc(probe)->format, "raw") != 0) {
			gm_source_free(probe);
			ret = gm_integrity_check_image(ctx, argv[optind], &opts, &report);
			if (ret == 0 || ret == -GM_ERR_MISMATCH)
				name_bad(ctx, argv[optind], &run.bad);
		} else {
			gm_source_free(probe);
			ret = gm_integrity_check_raw(ctx, argv[optind], &opts, &report);
			if (ret != 0 && ret != -GM_ERR_MISMATCH && why[0])
				ret = gm_error_set(ctx, (enum gm_err)-opened, "%s", why);
		}
	}
	cli_progress_done(&run.progress);
	if (ret == 0 || ret == -GM_ERR_MISMATCH) {
		if (json)
			print_json(argv[optind], &report, &run.bad);
		else
			print_text(argv[optind], &report, &run.bad);
		status = ret == 0 ? GM_EXIT_OK : GM_EXIT_MISMATCH;
	} else {
		status = cli_fail("verify", ctx, ret);
	}
	free_bad(&run.bad);
	gm_ctx_free(ctx);
	return status;
}

const struct gm_command gm_cmd_verify = {
	.name = "verify",
	.run = cmd_verify,
	.summary = "check a disc or image against a master, or a raw image alone",
	.usage = "glassmaster verify [--retries N] [--simulate FAULTS] [--drive-profile FILE] "
		 "[--no-hash] "
		 "[--json] [--map FILE] [--progress | --quiet] [--parent FILE] SOURCE MASTER\n"
		 "glassmaster verify --integrity [--sector-size 2352|2448] "
		 "[--first-lba LBA] [--json] [--progress | --quiet] [--parent FILE] IMAGE\n"
		 "glassmaster verify --accuraterip DBAR [--ctdb-crc HEX] [--dat FILE] [--json] "
		 "[--progress | --quiet] IMAGE",
	.help =
	"Compare SOURCE (a drive, or an image in any format glassmaster reads;\n"
	"with --simulate, that image through the simulated faulty drive) with\n"
	"MASTER (an image, or a Logiqx dat): the user data of every sector of\n"
	"the master's extent (an ISO 9660 master's own volume size), reading\n"
	"failed sectors again; mismatching, unreadable and missing ranges are\n"
	"listed with the files they touch, sectors beyond the master are only\n"
	"counted. A master's later data tracks (a second session's) and audio\n"
	"tracks are compared against a source image, sector by sector. The\n"
	"verdict comes first: MATCH, MISMATCH or UNREADABLE.\n"
	"\n"
	"With --integrity, check every sector of a raw CD image (a raw file of\n"
	"2352 or 2448 bytes a sector, or the raw tracks of a cue sheet, CloneCD,\n"
	"cdrdao TOC, NRG or MDS image): the sync, the header\n"
	"address, the EDC and the ECC of every data sector, and the Q subchannel\n"
	"CRC when there is subchannel. A CHD's hunks are checked first (each\n"
	"decompressed, its CRC-16 and the data's SHA-1 compared): a damaged hunk\n"
	"is reported with the sectors it holds. Nothing is corrected; nothing is\n"
	"written.\n"
	"\n"
	"With --accuraterip, match the AccurateRip checksums of IMAGE's audio (a\n"
	"capture, a cue sheet, any image) against the responses of the dBAR file\n"
	"DBAR (fetched by the user from AccurateRip's path 'hash --accuraterip'\n"
	"prints): per track accurate (v2 or v1, with the confidence), accurate at\n"
	"an offset (v1 searched within +-2939 samples: the read offset was wrong\n"
	"by that much), or not found; --ctdb-crc compares the CTDB CRC too,\n"
	"--dat the image's files with a dat; data sectors are checked (EDC/ECC)\n"
	"where the image stores them raw: one verdict joins them all.\n"
	"\n"
	"options:\n"
	"  --parent FILE        a CHD's parent (default: the .chd beside it with\n"
	"                       the SHA-1 the CHD names); repeatable\n"
	"  --retries N          reads more of a sector that failed (default 1)\n"
	"  --simulate FAULTS    read SOURCE through the simulated faulty drive\n"
	"  --drive-profile FILE read the SOURCE image through the emulated MMC\n"
	"                       drive of this profile (glassmaster-drive-profile(5))\n"
	"                       and the MMC back end; with --simulate its medium\n"
	"                       has the script's faults\n"
	"  --no-hash            no CRC-32, MD5 and SHA-1 of the source\n"
	"  --map FILE           write an SVG surface map of the comparison\n"
	"  --integrity          check a raw image on its own\n"
	"  --accuraterip DBAR   match the audio against a dBAR file\n"
	"  --ctdb-crc HEX       and its CTDB whole-disc CRC against HEX\n"
	"  --dat FILE           and the image's files against a dat\n"
	"  --sector-size N      2352 or 2448; default: from the file size\n"
	"  --first-lba LBA      address of the first sector; default: from the\n"
	"                       header of the first good data sector\n"
	"  --json               print the report as JSON on stdout\n"
	"  --progress           show progress on stderr even when not a terminal\n"
	"  --quiet              never show progress\n"
	"\n"
	"exit status: 0 match (every sector good; every track accurate), 1\n"
	"mismatch, unreadable or bad sectors (a track not accurate), 2 usage\n"
	"error or bad input, 3 device or I/O failure.\n",
};
