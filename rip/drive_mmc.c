/*
 * drive_mmc.c - a real optical drive, driven with the MMC commands we issue
 * ourselves (MMC-6; SPC-3 for INQUIRY and sense) through a command
 * transport (libcdio's mmc_run_cmd, mmc_cdio.c).
 *
 * Opening probes the drive and trusts no answer because it succeeded:
 * lengths and fields are checked, READ CD raw sectors must carry a sync,
 * the header address asked for and a good EDC/ECC before raw reads are
 * used, C2 and subchannel selections must change the transfer layout, a
 * full TOC must hold the A0/A1/A2 points.  A command a drive lacks or
 * answers implausibly is replaced by another (READ(10) for user data, the
 * TOC for track information, SFF-8020i's format field for READ TOC) and
 * the drive's journal says so; the rip log records the journal.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "mmc.h"
#include "banned.h"

#define TIMEOUT_MS 30000u	/* a read of a bad area may take long */
#define SHORT_TIMEOUT_MS 10000u
#define READY_WAIT_MS 20000	/* how long "becoming ready" is waited for */
#define CHUNK 32u		/* sectors per read command: 73.5 KiB raw */
#define FAILURES_NOTED 1000u	/* read failures journalled one by one */
#define CD_MAX_SECTORS 360000	/* 80 minutes */

struct mmc_track {
	uint8_t number, control;
	int32_t start;
};

struct mmc_drive {
	struct gm_mmc_io io;
	char *path;
	struct gm_drive *drive;
	bool read12;		/* READ(10) refused: READ(12) */
	int err;		/* errno of the last transport failure */
	uint8_t *c2buf;		/* CHUNK sectors with their C2 bits */
	unsigned failures;	/* read failures journalled */
	struct mmc_track tracks[100];
	unsigned ntracks;
	int32_t leadout;
	uint8_t canary[GM_SECTOR_RAW];
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* "MEDIUM ERROR 11/05: L-EC uncorrectable error" and the like. */
static void failure_text(char *out, size_t size, enum gm_mmc_status st,
			 const struct gm_sense *sense, int err)
{
	switch (st) {
	case GM_MMC_CHECK:
		snprintf(out, size, "%s %02X/%02X/%02X: %s",
			 gm_sense_key_name(sense->key), sense->key, sense->asc,
			 sense->ascq, gm_sense_text(sense));
		break;
	case GM_MMC_DENIED:
		snprintf(out, size, "refused by the system (%s): glassmaster "
			 "needs CAP_SYS_RAWIO, so run it as root", strerror(err));
		break;
	case GM_MMC_GONE:
		snprintf(out, size, "the device is gone (%s)", strerror(err));
		break;
	default:
		snprintf(out, size, "the command failed without sense data%s%s",
			 err != 0 ? ": " : "", err != 0 ? strerror(err) : "");
		break;
	}
}

/*
 * Run one command.  buf is cleared first for data-in, so that what a
 * drive does not transfer reads as zero.  A failure is journalled as
 * "<command><what>: <sense>" unless quiet.
 */
static enum gm_mmc_status run(struct mmc_drive *m, const uint8_t *cdb,
			      size_t cdb_len, enum gm_mmc_dir dir, void *buf,
			      size_t len, struct gm_sense *sense, bool quiet,
			      const char *what)
{
	enum gm_mmc_status st;
	char text[160];
	int err = 0;

	memset(sense, 0, sizeof(*sense));
	if (dir == GM_MMC_IN && len > 0)
		memset(buf, 0, len);
	st = m->io.run(m->io.arg, cdb, cdb_len, dir, buf, len,
		       cdb[0] == 0xbe || cdb[0] == 0x28 || cdb[0] == 0xa8
		       ? TIMEOUT_MS : SHORT_TIMEOUT_MS, sense, &err);
	if (st != GM_MMC_OK && !quiet) {
		failure_text(text, sizeof(text), st, sense, err);
		gm_drive_note(m->drive, "%s%s: %s", gm_mmc_command_name(cdb[0]),
			      what != NULL ? what : "", text);
	}
	m->err = err;
	return st;
}

static bool sense_is(const struct gm_sense *s, uint8_t key, uint8_t asc)
{
	return s->key == key && s->asc == asc;
}

/* ---------------------------------------------------------------------
 * Identification (what `drives` shows)
 */

static void copy_field(char *out, size_t size, const uint8_t *in, size_t len)
{
	size_t n = len < size - 1 ? len : size - 1;

	for (size_t i = 0; i < n; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? (char)in[i] : '?';
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

enum ready { READY, NO_MEDIUM, NOT_READY, FAILED };

/* TEST UNIT READY, waiting while the drive becomes ready. */
static enum ready wait_ready(struct mmc_drive *m, long wait_ms, char *why,
			     size_t why_size)
{
	static const uint8_t cdb[6] = { 0x00 };
	struct gm_sense sense;
	enum gm_mmc_status st;
	long waited = 0;
	int attentions = 0;

	for (;;) {
		st = run(m, cdb, sizeof(cdb), GM_MMC_NONE, NULL, 0, &sense, true, NULL);
		if (st == GM_MMC_OK) {
			snprintf(why, why_size, "ready");
			return READY;
		}
		failure_text(why, why_size, st, &sense, m->err);
		if (st != GM_MMC_CHECK)
			return FAILED;
		if (sense.key == 0x02 && sense.asc == 0x3a)
			return NO_MEDIUM;
		/* a unit attention (medium changed, reset) is reported once:
		   ask again; becoming ready: wait */
		if (sense.key == 0x06 && attentions++ < 4)
			continue;
		if (waited < wait_ms && sense.key == 0x02 && sense.asc == 0x04
		    && sense.ascq != 0x03) {
			sleep_ms(250);
			waited += 250;
			continue;
		}
		return NOT_READY;
	}
}

static int inquiry(struct gm_ctx *ctx, struct mmc_drive *m, char *vendor,
		   char *product, char *revision)
{
	uint8_t cdb[6] = { 0x12, 0, 0, 0, 36, 0 };
	uint8_t buf[36];
	struct gm_sense sense;

	if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, sizeof(buf), &sense, false,
		NULL) != GM_MMC_OK)
		return gm_error_set(ctx, GM_ERR_DEVICE, "'%s' does not answer "
				    "INQUIRY", m->path);
	if ((buf[0] & 0x1f) != 0x05)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' is not an optical "
				    "drive (SCSI peripheral device type %u)", m->path,
				    buf[0] & 0x1f);
	copy_field(vendor, 9, buf + 8, 8);
	copy_field(product, 17, buf + 16, 16);
	copy_field(revision, 5, buf + 32, 4);
	return 0;
}

/*
 * GET CONFIGURATION with RT = 10b: only feature code.  The answer is used
 * only when its descriptor is the feature asked for.  Returns the
 * descriptor (its additional data at +4) or NULL; *current gets the
 * header's current profile.
 */
static const uint8_t *get_feature(struct mmc_drive *m, uint16_t code,
				  uint8_t *buf, size_t size, uint16_t *current)
{
	uint8_t cdb[10] = { 0x46, 0x02 };
	struct gm_sense sense;
	uint32_t len;

	gm_put_be16(cdb + 2, code);
	gm_put_be16(cdb + 7, (uint32_t)size);
	if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, size, &sense, true, NULL)
	    != GM_MMC_OK)
		return NULL;
	len = gm_be32(buf) + 4;
	if (current != NULL)
		*current = gm_be16(buf + 6);
	if (len < 12 || len > size || gm_be16(buf + 8) != code
	    || 12u + buf[11] > len)
		return NULL;
	return buf + 8;
}

static void configuration(struct mmc_drive *m, struct gm_drive_caps *caps)
{
	uint8_t buf[1024];
	const uint8_t *f;
	uint16_t current = 0;

	f = get_feature(m, 0x0000, buf, sizeof(buf), &current);
	caps->current = current;
	if (f == NULL) {
		gm_drive_note(m->drive, "GET CONFIGURATION gives no profile list");
	} else {
		for (unsigned i = 0; i + 4 <= f[3]
		     && caps->nprofiles < sizeof(caps->profiles) / sizeof(caps->profiles[0]);
		     i += 4)
			caps->profiles[caps->nprofiles++] = gm_be16(f + 4 + i);
	}
	f = get_feature(m, 0x001e, buf, sizeof(buf), NULL);
	if (f != NULL) {
		caps->cd_read = true;
		caps->cd_text = f[3] >= 4 && (f[4] & 0x01);
		caps->c2 = f[3] >= 4 && (f[4] & 0x02);
	}
	caps->dvd_read = get_feature(m, 0x001f, buf, sizeof(buf), NULL) != NULL;
	caps->bd_read = get_feature(m, 0x0040, buf, sizeof(buf), NULL) != NULL;
	/* a drive without the feature descriptors: its profiles tell */
	for (size_t i = 0; i < caps->nprofiles; i++) {
		uint16_t p = caps->profiles[i];

		if (p >= 0x08 && p <= 0x0a)
			caps->cd_read = true;
		else if (p >= 0x10 && p <= 0x2b)
			caps->dvd_read = true;
		else if (p >= 0x40 && p <= 0x43)
			caps->bd_read = true;
	}
}

static int mmc_describe(struct gm_ctx *ctx, struct mmc_drive *m,
			struct gm_drive_caps *caps)
{
	int ret;

	ret = inquiry(ctx, m, caps->vendor, caps->product, caps->revision);
	if (ret != 0)
		return ret;
	caps->medium = wait_ready(m, 0, caps->status, sizeof(caps->status)) == READY;
	configuration(m, caps);
	if (!caps->medium)
		caps->current = 0;
	return 0;
}

int gm_mmc_describe(struct gm_ctx *ctx, const char *path,
		    const struct gm_mmc_io *io, struct gm_drive_caps *caps)
{
	static const struct gm_drive_ops none = { .name = "mmc" };
	struct gm_drive scratch;
	struct mmc_drive m;
	int ret;

	memset(&m, 0, sizeof(m));
	memset(&scratch, 0, sizeof(scratch));
	scratch.ops = &none;
	m.io = *io;
	m.path = (char *)path;
	m.drive = &scratch;
	ret = mmc_describe(ctx, &m, caps);
	free(scratch.journal);
	return ret;
}

/* ---------------------------------------------------------------------
 * The medium
 */

static int read_capacity(struct gm_ctx *ctx, struct mmc_drive *m, int32_t *sectors)
{
	uint8_t cdb[10] = { 0x25 };
	uint8_t buf[8];
	struct gm_sense sense;
	uint32_t last, block;

	*sectors = 0;
	if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, sizeof(buf), &sense, false,
		NULL) != GM_MMC_OK)
		return gm_error_set(ctx, GM_ERR_DEVICE, "'%s': READ CAPACITY "
				    "failed: %s", m->path, gm_sense_text(&sense));
	last = gm_be32(buf);
	block = gm_be32(buf + 4);
	if (last >= 0x7fffffffu)
		return gm_error_set(ctx, GM_ERR_DEVICE, "'%s': READ CAPACITY "
				    "answers an impossible last LBA %lu", m->path,
				    (unsigned long)last);
	if (block != GM_SECTOR_USER)
		gm_drive_note(m->drive, "READ CAPACITY: block length %lu, not 2048",
			      (unsigned long)block);
	*sectors = (int32_t)last + 1;
	return 0;
}

/* READ TOC format 0: the tracks and the lead-out, checked for sense. */
static bool read_toc(struct mmc_drive *m)
{
	uint8_t cdb[10] = { 0x43, 0, 0x00, 0, 0, 0, 1 };
	uint8_t buf[4 + 8 * 100];
	struct gm_sense sense;
	size_t len;
	int32_t prev = -1;

	gm_put_be16(cdb + 7, sizeof(buf));
	if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, sizeof(buf), &sense, false,
		NULL) != GM_MMC_OK)
		return false;
	len = (size_t)gm_be16(buf) + 2;
	if (len < 4 + 16 || len > sizeof(buf) || (len - 4) % 8 != 0) {
		gm_drive_note(m->drive, "READ TOC format 0: implausible length %zu",
			      len);
		return false;
	}
	m->ntracks = 0;
	m->leadout = -1;
	for (size_t off = 4; off < len; off += 8) {
		const uint8_t *d = buf + off;
		int32_t lba = (int32_t)gm_be32(d + 4);

		if (lba < prev || lba > GM_LBA_MAX * 32) {
			gm_drive_note(m->drive, "READ TOC format 0: track %u starts "
				      "at LBA %ld, before the one above it", d[2],
				      (long)lba);
			return false;
		}
		prev = lba;
		if (d[2] == GM_TRACK_LEADOUT) {
			m->leadout = lba;
			break;
		}
		if (d[2] < 1 || d[2] > 99 || m->ntracks >= 99)
			return false;
		m->tracks[m->ntracks].number = d[2];
		m->tracks[m->ntracks].control = d[1] & 0x0f;
		m->tracks[m->ntracks].start = lba;
		m->ntracks++;
	}
	return m->ntracks > 0 && m->leadout > 0;
}

/* A full TOC answer holds the A0, A1 and A2 points of session 1. */
static bool full_toc_plausible(const uint8_t *buf, size_t len, unsigned *sessions)
{
	unsigned seen = 0;

	if (len < 4 + 3 * 11 || (len - 4) % 11 != 0)
		return false;
	*sessions = buf[3];
	for (size_t off = 4; off < len; off += 11) {
		const uint8_t *d = buf + off;

		if (d[0] == 1 && (d[1] >> 4) == 1 && d[3] >= 0xa0 && d[3] <= 0xa2)
			seen |= 1u << (d[3] - 0xa0);
	}
	return seen == 7;
}

/*
 * READ TOC format 2 (full TOC) and 5 (CD-TEXT), into the journal.  MMC
 * puts the format in byte 2; older (SFF-8020i) drives take it from bits
 * 7-6 of byte 9 and answer format 0 to the MMC form.
 */
static void read_full_toc(struct mmc_drive *m)
{
	uint8_t cdb[10] = { 0x43, 0x02, 0x02 };
	uint8_t *buf = malloc(65536);
	struct gm_sense sense;
	unsigned sessions = 0;
	size_t len;

	if (buf == NULL)
		return;
	gm_put_be16(cdb + 7, 65534);
	for (int attempt = 0; attempt < 2; attempt++) {
		cdb[9] = attempt == 0 ? 0x00 : 0x80;
		if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, 65534, &sense, false,
			attempt == 0 ? " format 2" : " format 2 (SFF-8020i)")
		    != GM_MMC_OK)
			continue;
		len = (size_t)gm_be16(buf) + 2;
		if (len <= 65534 && full_toc_plausible(buf, len, &sessions)) {
			gm_drive_set_table(m->drive, GM_TABLE_FULL_TOC, buf, len);
			gm_drive_note(m->drive, "full TOC: %zu entries, %u session%s%s",
				      (len - 4) / 11, sessions, sessions == 1 ? "" : "s",
				      attempt == 0 ? "" : " (asked for in byte 9, "
				      "SFF-8020i: the MMC form was answered with "
				      "another format)");
			break;
		}
		gm_drive_note(m->drive, "READ TOC format 2%s: the answer (%zu bytes) "
			      "is not a full TOC", attempt == 0 ? "" : " (SFF-8020i)",
			      len);
	}
	/* format 1: sessions, and where the last one starts (again with the
	   format in byte 9 for SFF-8020i drives) */
	cdb[1] = 0x00;
	cdb[2] = 0x01;
	for (int attempt = 0; attempt < 2; attempt++) {
		cdb[9] = attempt == 0 ? 0x00 : 0x40;
		if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, 12, &sense, false,
			attempt == 0 ? " format 1" : " format 1 (SFF-8020i)") != GM_MMC_OK)
			continue;
		len = (size_t)gm_be16(buf) + 2;
		if (len == 12 && buf[2] >= 1 && buf[3] >= buf[2] && buf[3] <= 99) {
			if (buf[6] >= 1 && buf[6] <= 99)
				gm_drive_note(m->drive, "sessions %u-%u; the last starts "
					      "with track %u at LBA %ld%s", buf[2], buf[3],
					      buf[6], (long)(int32_t)gm_be32(buf + 8),
					      attempt == 0 ? "" : " (asked for in byte 9, "
					      "SFF-8020i)");
			else	/* QEMU answers track 0 */
				gm_drive_note(m->drive, "sessions %u-%u; the first track "
					      "of the last session is given as %u, which "
					      "is none%s", buf[2], buf[3], buf[6],
					      attempt == 0 ? "" : " (asked for in byte 9, "
					      "SFF-8020i)");
			break;
		}
		gm_drive_note(m->drive, "READ TOC format 1%s: the answer (%zu bytes) is "
			      "not session information", attempt == 0 ? ""
			      : " (SFF-8020i)", len);
	}
	cdb[1] = 0x02;
	cdb[2] = 0x05;
	if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, 65534, &sense, true, NULL)
	    == GM_MMC_OK) {
		len = (size_t)gm_be16(buf) + 2;
		/* packs start with their type, 80h-8Fh (MMC-6 Annex J) */
		if (len > 4 && len <= 65534 && (len - 4) % 18 == 0
		    && buf[4] >= 0x80 && buf[4] <= 0x8f) {
			gm_drive_set_table(m->drive, GM_TABLE_CDTEXT, buf, len);
			gm_drive_note(m->drive, "CD-TEXT: %zu packs", (len - 4) / 18);
		} else
			gm_drive_note(m->drive, "CD-TEXT: none");
	} else {
		gm_drive_note(m->drive, "CD-TEXT: none (%s)", gm_sense_text(&sense));
	}
	free(buf);
}

static void disc_information(struct mmc_drive *m)
{
	static const char *const status[4] = { "empty", "incomplete", "complete",
					       "other" };
	uint8_t cdb[10] = { 0x51 };
	uint8_t buf[34];
	struct gm_sense sense;

	gm_put_be16(cdb + 7, sizeof(buf));
	if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, sizeof(buf), &sense, false,
		NULL) != GM_MMC_OK)
		return;
	if (gm_be16(buf) + 2 < 32) {
		gm_drive_note(m->drive, "READ DISC INFORMATION: implausible length %u",
			      gm_be16(buf) + 2);
		return;
	}
	gm_drive_note(m->drive, "disc: %s, %u session%s, tracks %u-%u of the last "
		      "session", status[buf[2] & 3], buf[9] << 8 | buf[4],
		      (buf[9] << 8 | buf[4]) == 1 ? "" : "s", buf[10] << 8 | buf[5],
		      buf[11] << 8 | buf[6]);
}

/*
 * Sectors of track 1's data from READ TRACK INFORMATION, else from the
 * TOC; 0 when the disc does not start with a data track.
 */
static int32_t data_track_sectors(struct mmc_drive *m, int32_t sectors)
{
	uint8_t cdb[10] = { 0x52, 0x01 };
	uint8_t buf[48];
	struct gm_sense sense;
	const struct mmc_track *t = &m->tracks[0];
	int32_t end;

	if (m->ntracks == 0)
		return sectors;
	if ((t->control & 0x04) == 0 || t->start != 0)
		return 0;
	gm_put_be32(cdb + 2, t->number);
	gm_put_be16(cdb + 7, sizeof(buf));
	if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, sizeof(buf), &sense, false,
		" of track 1") == GM_MMC_OK && gm_be16(buf) + 2 >= 28
	    && gm_be32(buf + 8) == (uint32_t)t->start && gm_be32(buf + 24) > 0
	    && gm_be32(buf + 24) <= (uint32_t)sectors) {
		end = (int32_t)gm_be32(buf + 24);
	} else {
		/* the TOC: up to the next track, less the 2-second pregap a
		   data-to-audio transition has (ECMA-130 20.2) */
		end = m->ntracks > 1 ? m->tracks[1].start : m->leadout;
		if (m->ntracks > 1 && (m->tracks[1].control & 0x04) == 0)
			end -= GM_LBA_PREGAP;
		gm_drive_note(m->drive, "track 1 length from the TOC: %ld sectors",
			      (long)end);
	}
	return end < sectors ? end : sectors;
}

static void capabilities_page(struct mmc_drive *m)
{
	uint8_t cdb[10] = { 0x5a, 0x08, 0x2a };
	uint8_t buf[256];
	struct gm_sense sense;
	size_t len, off;
	const uint8_t *p;

	gm_put_be16(cdb + 7, sizeof(buf));
	if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, sizeof(buf), &sense, false,
		" page 2Ah") != GM_MMC_OK)
		return;
	len = (size_t)gm_be16(buf) + 2;
	off = 8 + gm_be16(buf + 6);
	if (len > sizeof(buf) || off + 16 > len || (buf[off] & 0x3f) != 0x2a) {
		gm_drive_note(m->drive, "MODE SENSE page 2Ah: implausible answer");
		return;
	}
	p = buf + off;
	gm_drive_note(m->drive, "capabilities (page 2Ah): reads CD-R %s, CD-RW %s, "
		      "DVD-ROM %s, DVD-R %s, DVD-RAM %s; C2 pointers %s; "
		      "CD-DA accurate %s; read speed %u kB/s of %u",
		      p[2] & 0x01 ? "yes" : "no", p[2] & 0x02 ? "yes" : "no",
		      p[2] & 0x08 ? "yes" : "no", p[2] & 0x10 ? "yes" : "no",
		      p[2] & 0x20 ? "yes" : "no", p[5] & 0x10 ? "yes" : "no",
		      p[5] & 0x02 ? "yes" : "no", gm_be16(p + 14), gm_be16(p + 8));
}

static void performance(struct mmc_drive *m, int32_t sectors)
{
	uint8_t cdb[12] = { 0xac, 0x10 };
	uint8_t buf[8 + 16 * 8];
	struct gm_sense sense;
	uint32_t len;

	gm_put_be16(cdb + 8, 8);
	if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, sizeof(buf), &sense, false,
		" (read)") != GM_MMC_OK)
		return;
	len = gm_be32(buf) + 4;
	if (len < 8 + 16 || len > sizeof(buf) || (len - 8) % 16 != 0) {
		gm_drive_note(m->drive, "GET PERFORMANCE: implausible length %lu",
			      (unsigned long)len);
		return;
	}
	for (uint32_t off = 8; off < len; off += 16)
		gm_drive_note(m->drive, "read performance: %lu kB/s at LBA %lu to "
			      "%lu kB/s at LBA %lu (of %ld)",
			      (unsigned long)gm_be32(buf + off + 4),
			      (unsigned long)gm_be32(buf + off),
			      (unsigned long)gm_be32(buf + off + 12),
			      (unsigned long)gm_be32(buf + off + 8), (long)sectors);
}

/* READ DISC STRUCTURE: DVD PFI, DMI, BCA; BD DI, PIC. */
static void disc_structures(struct mmc_drive *m, enum gm_media media)
{
	static const struct { uint8_t type, format; const char *name; } dvd[] = {
		{ 0, 0x00, "DVD physical format information" },
		{ 0, 0x04, "DVD disc manufacturing information" },
		{ 0, 0x03, "DVD burst cutting area" },
	}, bd[] = {
		{ 1, 0x00, "BD disc information" },
		{ 1, 0x30, "BD permanent information and control data" },
		{ 1, 0x03, "BD burst cutting area" },
	};
	static const char *const book[16] = {
		"DVD-ROM", "DVD-RAM", "DVD-R", "DVD-RW", "HD DVD-ROM", "HD DVD-RAM",
		"HD DVD-R", "book type 7", "book type 8", "DVD+RW", "DVD+R",
		"book type 11", "book type 12", "DVD+RW DL", "DVD+R DL", "book type 15"
	};
	uint8_t cdb[12] = { 0xad };
	uint8_t *buf = malloc(4100);
	struct gm_sense sense;

	if (buf == NULL)
		return;
	for (int i = 0; i < 3; i++) {
		uint8_t type = media == GM_MEDIA_DVD ? dvd[i].type : bd[i].type;
		uint8_t format = media == GM_MEDIA_DVD ? dvd[i].format : bd[i].format;
		const char *name = media == GM_MEDIA_DVD ? dvd[i].name : bd[i].name;
		size_t len;

		cdb[1] = type;
		cdb[7] = format;
		gm_put_be16(cdb + 8, 4100);
		if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, 4100, &sense, true, NULL)
		    != GM_MMC_OK) {
			gm_drive_note(m->drive, "%s: none (%s)", name, gm_sense_text(&sense));
			continue;
		}
		len = (size_t)gm_be16(buf) + 2;
		if (len < 4 || len > 4100) {
			gm_drive_note(m->drive, "%s: implausible length %zu", name, len);
			continue;
		}
		gm_drive_set_table(m->drive, i == 0 ? GM_TABLE_PHYSICAL : i == 1
				   ? GM_TABLE_MANUFACTURER : GM_TABLE_BCA, buf, len);
		if (media == GM_MEDIA_DVD && format == 0 && len >= 4 + 17)
			gm_drive_note(m->drive, "%s: %s, %u layer%s, data PSN %06lX-%06lX",
				      name, book[buf[4] >> 4], ((buf[6] >> 5) & 3) + 1,
				      (buf[6] >> 5) & 3 ? "s" : "",
				      (unsigned long)(gm_be32(buf + 8) & 0xffffff),
				      (unsigned long)(gm_be32(buf + 12) & 0xffffff));
		else
			gm_drive_note(m->drive, "%s: %zu bytes", name, len - 4);
		/* two layers: layer 0 ends at the PSN in bytes 13-15 */
		if (media == GM_MEDIA_DVD && format == 0 && len >= 4 + 17
		    && ((buf[6] >> 5) & 3) == 1
		    && (gm_be32(buf + 16) & 0xffffff) >= (gm_be32(buf + 8) & 0xffffff))
			gm_drive_note(m->drive, "layer break: layer 0 holds LBA 0-%lu",
				      (unsigned long)((gm_be32(buf + 16) & 0xffffff)
						      - (gm_be32(buf + 8) & 0xffffff)));
	}
	free(buf);
}

/* ---------------------------------------------------------------------
 * Raw reading: READ CD, checked before it is trusted
 */

static void read_cd_cdb(uint8_t *cdb, int32_t lba, uint32_t count, uint8_t flags,
			uint8_t sub)
{
	memset(cdb, 0, 12);
	cdb[0] = 0xbe;		/* expected sector type 0: any */
	gm_put_be32(cdb + 2, (uint32_t)lba);
	cdb[6] = (uint8_t)(count >> 16);
	cdb[7] = (uint8_t)(count >> 8);
	cdb[8] = (uint8_t)count;
	cdb[9] = flags;		/* F8h: sync, all headers, user data, EDC/ECC */
	cdb[10] = sub;
}

/* Why a raw sector read at lba is not what READ CD should return. */
static const char *raw_problem(const uint8_t *raw, int32_t lba)
{
	struct gm_sector_info info;
	int32_t at;
	uint8_t mode;

	if (!gm_sync_check(raw))
		return "no sync pattern";
	if (gm_header_decode(raw, &at, &mode) && at == lba) {
		if (gm_sector_check(raw, lba, &info, NULL) == GM_CHECK_GOOD)
			return NULL;
		return gm_sector_check_name(info.status);
	}
	/* QEMU's ATAPI drive: a binary, not BCD, header address */
	if (raw[12] == (lba + GM_LBA_PREGAP) / 4500
	    && raw[13] == (lba + GM_LBA_PREGAP) / 75 % 60
	    && raw[14] == (lba + GM_LBA_PREGAP) % 75)
		return "a binary instead of BCD header address";
	return "a header address other than the LBA asked for";
}

/*
 * Can READ CD raw be trusted on this drive?  Two sectors of the data
 * track are read raw and must pass the sector check; then C2 pointers and
 * raw subchannel are asked for and must arrive where MMC puts them.
 */
static void probe_raw(struct mmc_drive *m, struct gm_drive_info *info)
{
	uint8_t cdb[12];
	uint8_t *buf = malloc(2 * (GM_SECTOR_RAW + 296 + GM_SUB_SIZE));
	struct gm_sense sense;
	int32_t lba = info->data_sectors > 18 ? 16 : 0;
	const char *why;

	info->raw = info->c2 = info->subchannel = false;
	if (buf == NULL || info->data_sectors < 2) {
		free(buf);
		return;
	}
	read_cd_cdb(cdb, lba, 2, 0xf8, 0);
	if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, 2 * GM_SECTOR_RAW, &sense,
		false, " raw (probe)") != GM_MMC_OK) {
		gm_drive_note(m->drive, "READ CD raw is refused: reading user data "
			      "with READ(10)");
		free(buf);
		return;
	}
	why = raw_problem(buf, lba);
	if (why == NULL)
		why = raw_problem(buf + GM_SECTOR_RAW, lba + 1);
	if (why != NULL) {
		gm_drive_note(m->drive, "READ CD raw succeeds but its sectors have %s: "
			      "not trusted, reading user data with READ(10)", why);
		free(buf);
		return;
	}
	info->raw = true;
	gm_drive_note(m->drive, "READ CD raw: sync, header, EDC and ECC as they "
		      "should be");

	/* C2 error bits (flags bit 1): 294 bytes after each sector */
	read_cd_cdb(cdb, lba, 2, 0xfa, 0);
	if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, 2 * (GM_SECTOR_RAW + 294),
		&sense, false, " with C2 (probe)") == GM_MMC_OK) {
		if (raw_problem(buf + GM_SECTOR_RAW + 294, lba + 1) == NULL
		    && !gm_sync_check(buf + GM_SECTOR_RAW))
			info->c2 = true;
		else
			gm_drive_note(m->drive, "READ CD ignores the C2 selection "
				      "(the next sector comes where C2 bits belong): "
				      "no C2 pointers");
	}
	/* raw P-W subchannel (byte 10 = 001b): 96 bytes after each sector */
	read_cd_cdb(cdb, lba, 2, 0xf8, 0x01);
	if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, 2 * (GM_SECTOR_RAW + GM_SUB_SIZE),
		&sense, false, " with subchannel (probe)") == GM_MMC_OK) {
		uint8_t q[12];

		gm_sub_channel(buf + GM_SECTOR_RAW, GM_SUB_Q, q);
		if (raw_problem(buf + GM_SECTOR_RAW + GM_SUB_SIZE, lba + 1) == NULL
		    && gm_subq_crc_ok(q))
			info->subchannel = true;
		else
			gm_drive_note(m->drive, "READ CD subchannel fails its check "
				      "(Q CRC, or the next sector where subchannel "
				      "belongs): no subchannel");
	}
	free(buf);
}

/* ---------------------------------------------------------------------
 * Reading
 */

static bool is_canary(const struct mmc_drive *m, const uint8_t *p, size_t size)
{
	return memcmp(p, m->canary, size) == 0;
}

/* What a failed read means for its sectors; GONE stops the rip. */
static enum gm_read_result read_failure(const struct gm_sense *sense,
					enum gm_mmc_status st)
{
	if (st == GM_MMC_GONE)
		return GM_READ_GONE;
	if (st == GM_MMC_CHECK && (sense_is(sense, 0x02, 0x3a)
				   || sense_is(sense, 0x06, 0x28)))
		return GM_READ_GONE;	/* no medium, or another one */
	return GM_READ_MEDIUM;
}

/*
 * Run a read command: its buffer (count sectors of stride bytes) is first
 * filled with the canary over each sector's first fill bytes, so that a
 * sector the drive did not send shows; a drive becoming ready, reset or
 * aborting is asked once more (twice at most).  Failures are journalled.
 */
static enum gm_mmc_status run_read(struct mmc_drive *m, const uint8_t *cdb,
				   size_t cdb_len, uint8_t *data, uint32_t count,
				   size_t stride, size_t fill, int32_t lba,
				   struct gm_sense *sense)
{
	enum gm_mmc_status st = GM_MMC_OK;
	char what[64];

	snprintf(what, sizeof(what), " at LBA %ld (%lu sectors)", (long)lba,
		 (unsigned long)count);
	for (int attempt = 0; attempt < 3; attempt++) {
		int err = 0;

		for (uint32_t i = 0; i < count; i++)
			memcpy(data + i * stride, m->canary, fill);
		memset(sense, 0, sizeof(*sense));
		st = m->io.run(m->io.arg, cdb, cdb_len, GM_MMC_IN, data, count * stride,
			       TIMEOUT_MS, sense, &err);
		if (st != GM_MMC_OK && m->failures < FAILURES_NOTED) {
			char text[160];

			failure_text(text, sizeof(text), st, sense, err);
			gm_drive_note(m->drive, "%s%s: %s", gm_mmc_command_name(cdb[0]),
				      what, text);
			if (++m->failures == FAILURES_NOTED)
				gm_drive_note(m->drive, "further read failures are "
					      "not journalled");
		}
		/* not ready yet, a reset, an aborted command: once more */
		if (st == GM_MMC_CHECK && (sense_is(sense, 0x02, 0x04)
					   || sense_is(sense, 0x06, 0x29)
					   || sense->key == 0x0b)) {
			sleep_ms(sense->key == 0x02 ? 500 : 0);
			continue;
		}
		break;
	}
	return st;
}

/* After a failed read: every sector's result, and the error when the
   drive is gone or refuses; 0 otherwise. */
static int read_failed(struct gm_ctx *ctx, struct mmc_drive *m, enum gm_mmc_status st,
		       const struct gm_sense *sense, int32_t lba, uint32_t count,
		       enum gm_read_result *result)
{
	enum gm_read_result r = read_failure(sense, st);

	if (st == GM_MMC_DENIED)
		return gm_error_set(ctx, GM_ERR_DEVICE, "'%s': reading is refused by "
				    "the system: run as root", m->path);
	for (uint32_t i = 0; i < count; i++)
		result[i] = r;
	if (r == GM_READ_GONE)
		return gm_error_set(ctx, GM_ERR_DEVICE, "'%s' is gone at LBA %ld: %s",
				    m->path, (long)lba, st == GM_MMC_CHECK
				    ? gm_sense_text(sense) : "the device does not answer");
	return 0;
}

/* Sectors still holding the canary were never transferred. */
static void find_canaries(struct mmc_drive *m, const uint8_t *data, uint32_t count,
			  size_t stride, size_t fill, const uint8_t *cdb, int32_t lba,
			  enum gm_read_result *result)
{
	for (uint32_t i = 0; i < count; i++) {
		result[i] = GM_READ_OK;
		if (is_canary(m, data + i * stride, fill)) {
			result[i] = GM_READ_MEDIUM;
			gm_drive_note(m->drive, "%s at LBA %ld: success, but sector "
				      "%ld was not transferred", gm_mmc_command_name(cdb[0]),
				      (long)lba, (long)(lba + (int32_t)i));
		}
	}
}

/* A read of count sectors at lba with READ CD flags and subchannel
   selection, stride bytes each; true when every sector was sent. */
static bool probe_read_cd(struct mmc_drive *m, int32_t lba, uint32_t count,
			  uint8_t flags, uint8_t subsel, uint8_t *buf, size_t stride)
{
	uint8_t cdb[12];
	struct gm_sense sense;

	read_cd_cdb(cdb, lba, count, flags, subsel);
	if (run_read(m, cdb, sizeof(cdb), buf, count, stride, GM_SECTOR_RAW, lba,
		     &sense) != GM_MMC_OK)
		return false;
	for (uint32_t i = 0; i < count; i++)
		if (is_canary(m, buf + i * stride, GM_SECTOR_RAW))
			return false;
	return true;
}

/*
 * Can READ CD give every sector of this CD, audio included, with C2 and
 * subchannel?  Two sectors of the first track are read with no C2 or
 * subchannel, then with each C2 field and with raw P-W: both sectors'
 * 2352 bytes must come back where MMC puts them and equal the first
 * read's, and Q's CRC must hold.  Then whether LBA -150 reads.
 */
static void probe_cd(struct mmc_drive *m, struct gm_drive_info *info)
{
	enum { MAX = 2 * (GM_SECTOR_RAW + 296 + GM_SUB_SIZE) };
	uint8_t *plain = malloc(2 * GM_SECTOR_RAW), *buf = malloc(MAX);
	int32_t lba;

	info->cd_raw = false;
	info->cd_c2 = 0;
	info->cd_sub = info->cd_pregap = info->cd_sub_first = false;
	if (plain == NULL || buf == NULL || m->ntracks == 0)
		goto out;
	lba = m->tracks[0].start + 2 + 2 < m->leadout ? m->tracks[0].start + 2
	      : m->tracks[0].start;
	if (!probe_read_cd(m, lba, 2, 0xf8, 0, plain, GM_SECTOR_RAW)) {
		gm_drive_note(m->drive, "READ CD of any sector type is refused: no "
			      "capture of the whole disc");
		goto out;
	}
	info->cd_raw = true;
	for (unsigned size = 294; size <= 296 && info->cd_c2 == 0; size += 2) {
		size_t stride = GM_SECTOR_RAW + size;

		if (probe_read_cd(m, lba, 2, size == 294 ? 0xfa : 0xfc, 0, buf, stride)
		    && memcmp(buf, plain, GM_SECTOR_RAW) == 0
		    && memcmp(buf + stride, plain + GM_SECTOR_RAW, GM_SECTOR_RAW) == 0)
			info->cd_c2 = size;
	}
	if (info->cd_c2 == 0)
		gm_drive_note(m->drive, "READ CD gives no usable C2 pointers (refused, "
			      "or the sectors not where they belong)");
	if (probe_read_cd(m, lba, 2, 0xf8, 0x01, buf, GM_SECTOR_RAW + GM_SUB_SIZE)
	    && memcmp(buf, plain, GM_SECTOR_RAW) == 0
	    && memcmp(buf + GM_SECTOR_RAW + GM_SUB_SIZE, plain + GM_SECTOR_RAW,
		      GM_SECTOR_RAW) == 0) {
		uint8_t q[12], q2[12];

		gm_sub_channel(buf + GM_SECTOR_RAW, GM_SUB_Q, q);
		gm_sub_channel(buf + 2 * GM_SECTOR_RAW + GM_SUB_SIZE, GM_SUB_Q, q2);
		info->cd_sub = gm_subq_crc_ok(q) || gm_subq_crc_ok(q2);
	}
	if (!info->cd_sub)
		gm_drive_note(m->drive, "READ CD gives no usable raw P-W subchannel "
			      "(refused, misplaced, or Q's CRC fails)");
	/* both: is the subchannel after the C2 field, as MMC says, or before */
	if (info->cd_sub && info->cd_c2) {
		size_t stride = GM_SECTOR_RAW + info->cd_c2 + GM_SUB_SIZE;

		if (probe_read_cd(m, lba, 1, info->cd_c2 == 294 ? 0xfa : 0xfc, 0x01, buf, stride)) {
			uint8_t q_after[12], q_before[12];

			gm_sub_channel(buf + GM_SECTOR_RAW + info->cd_c2, GM_SUB_Q, q_after);
			gm_sub_channel(buf + GM_SECTOR_RAW, GM_SUB_Q, q_before);
			if (!gm_subq_crc_ok(q_after) && gm_subq_crc_ok(q_before)) {
				info->cd_sub_first = true;
				gm_drive_note(m->drive, "READ CD with C2 and subchannel puts "
					      "the subchannel first (sector order sub-c2)");
			}
		}
	}
	info->cd_pregap = probe_read_cd(m, -150, 1, 0xf8, 0, buf, GM_SECTOR_RAW);
	gm_drive_note(m->drive, "READ CD of every sector: yes; C2 pointers: %s; raw "
		      "P-W: %s; track 1's pregap (LBA -150): %s",
		      info->cd_c2 == 294 ? "294 bytes" : info->cd_c2 == 296
		      ? "296 bytes (with the block error byte)" : "none",
		      info->cd_sub ? "yes" : "no", info->cd_pregap ? "readable"
		      : "not readable by this drive");
out:
	free(plain);
	free(buf);
}

/* MCN and ISRCs through READ SUB-CHANNEL, into the journal (a capture
   checks them against what Q says). */
static void media_catalog(struct mmc_drive *m)
{
	uint8_t cdb[10] = { 0x42, 0, 0x40, 0x02 }, buf[24];
	struct gm_sense sense;

	gm_put_be16(cdb + 7, sizeof(buf));
	memset(buf, 0, sizeof(buf));
	if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, sizeof(buf), &sense, true,
		" (MCN)") == GM_MMC_OK && buf[4] == 0x02)
		gm_drive_note(m->drive, "READ SUB-CHANNEL: MCN %s%.13s",
			      buf[8] & 0x80 ? "" : "none", buf[8] & 0x80 ? (char *)buf + 9 : "");
	for (unsigned i = 0; i < m->ntracks; i++) {
		if (m->tracks[i].control & 0x04)
			continue;
		cdb[3] = 0x03;
		cdb[6] = m->tracks[i].number;
		memset(buf, 0, sizeof(buf));
		if (run(m, cdb, sizeof(cdb), GM_MMC_IN, buf, sizeof(buf), &sense, true,
			" (ISRC)") == GM_MMC_OK && buf[4] == 0x03 && (buf[8] & 0x80))
			gm_drive_note(m->drive, "READ SUB-CHANNEL: track %u ISRC %.12s",
				      m->tracks[i].number, (char *)buf + 9);
	}
}

/*
 * Read count sectors; with c2 (raw only) READ CD returns each sector
 * followed by its 294 bytes of C2 error bits, read into m->c2buf and split.
 */
static int mmc_read_chunk(struct gm_ctx *ctx, struct mmc_drive *m, int32_t lba,
			  uint32_t count, bool raw, uint8_t *data, uint8_t *c2,
			  enum gm_read_result *result)
{
	uint8_t *const out = data;
	size_t size = raw ? GM_SECTOR_RAW : GM_SECTOR_USER;
	struct gm_sense sense;
	enum gm_mmc_status st;
	uint8_t cdb[12];

	if (c2 != NULL) {
		if (m->c2buf == NULL
		    && (m->c2buf = malloc((size_t)CHUNK * (GM_SECTOR_RAW + 296 + 96)))
		       == NULL)
			return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		data = m->c2buf;
		size = GM_SECTOR_RAW + GM_DRIVE_C2_SIZE;
	}
	for (;;) {
		if (raw) {
			read_cd_cdb(cdb, lba, count, c2 != NULL ? 0xfa : 0xf8, 0);
		} else if (!m->read12) {
			memset(cdb, 0, 10);
			cdb[0] = 0x28;
			gm_put_be32(cdb + 2, (uint32_t)lba);
			gm_put_be16(cdb + 7, count);
		} else {
			memset(cdb, 0, 12);
			cdb[0] = 0xa8;
			gm_put_be32(cdb + 2, (uint32_t)lba);
			gm_put_be32(cdb + 6, count);
		}
		st = run_read(m, cdb, raw || m->read12 ? 12 : 10, data, count, size,
			      c2 != NULL ? GM_SECTOR_RAW : size, lba, &sense);
		if (st == GM_MMC_CHECK && !raw && !m->read12
		    && sense_is(&sense, 0x05, 0x20)) {
			gm_drive_note(m->drive, "READ(10) is not supported: READ(12)");
			m->read12 = true;
			continue;
		}
		break;
	}
	if (st != GM_MMC_OK)
		return read_failed(ctx, m, st, &sense, lba, count, result);
	find_canaries(m, data, count, size, c2 != NULL ? GM_SECTOR_RAW : size, cdb, lba,
		      result);
	for (uint32_t i = 0; c2 != NULL && i < count; i++) {
		const uint8_t *s2 = data + i * size;
		bool flagged = false;

		memcpy(out + (size_t)i * GM_SECTOR_RAW, s2, GM_SECTOR_RAW);
		memcpy(c2 + (size_t)i * GM_DRIVE_C2_SIZE, s2 + GM_SECTOR_RAW, GM_DRIVE_C2_SIZE);
		for (size_t k = 0; k < GM_DRIVE_C2_SIZE && !flagged; k++)
			flagged = s2[GM_SECTOR_RAW + k] != 0;
		if (flagged && result[i] == GM_READ_OK)
			result[i] = GM_READ_C2;
	}
	return 0;
}

/*
 * READ CD of any sector type: the 2352 bytes, then the C2 field the
 * drive has (294 or 296 bytes) when c2 is wanted, then 96 bytes of raw
 * P-W when sub is wanted; split into the caller's buffers.  An ILLEGAL
 * REQUEST (LBA out of range, or a sector the drive will not return) is
 * GM_READ_RANGE for every sector of the command.
 */
static int mmc_read_cd_chunk(struct gm_ctx *ctx, struct mmc_drive *m, int32_t lba,
			     uint32_t count, uint8_t *data, uint8_t *c2, uint8_t *sub,
			     enum gm_read_result *result)
{
	const struct gm_drive_info *info = &m->drive->info;
	unsigned c2size = c2 != NULL ? info->cd_c2 : 0;
	size_t stride = GM_SECTOR_RAW + c2size + (sub != NULL ? GM_SUB_SIZE : 0);
	/* where the C2 field and the subchannel are in each sector's bytes */
	size_t c2_at = GM_SECTOR_RAW, sub_at = GM_SECTOR_RAW + c2size;
	uint8_t flags = (uint8_t)(0xf8 | (c2size == 294 ? 0x02 : c2size == 296 ? 0x04 : 0));
	uint8_t *buf = data, cdb[12];
	struct gm_sense sense;
	enum gm_mmc_status st;

	if (stride != GM_SECTOR_RAW) {
		if (m->c2buf == NULL
		    && (m->c2buf = malloc((size_t)CHUNK * (GM_SECTOR_RAW + 296 + 96)))
		       == NULL)
			return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		buf = m->c2buf;
	}
	if (info->cd_sub_first && c2size && sub != NULL)
		sub_at = GM_SECTOR_RAW, c2_at = GM_SECTOR_RAW + GM_SUB_SIZE;
	read_cd_cdb(cdb, lba, count, flags, sub != NULL ? 0x01 : 0);
	if (info->cd_cdda)
		cdb[1] = 1 << 2;	/* expected sector type: CD-DA */
	st = run_read(m, cdb, 12, buf, count, stride, GM_SECTOR_RAW, lba, &sense);
	if (st == GM_MMC_CHECK && sense.key == 0x05) {
		for (uint32_t i = 0; i < count; i++)
			result[i] = GM_READ_RANGE;
		return 0;
	}
	if (st != GM_MMC_OK)
		return read_failed(ctx, m, st, &sense, lba, count, result);
	find_canaries(m, buf, count, stride, GM_SECTOR_RAW, cdb, lba, result);
	for (uint32_t i = 0; buf != data && i < count; i++) {
		const uint8_t *s2 = buf + i * stride;
		bool flagged = false;

		memcpy(data + (size_t)i * GM_SECTOR_RAW, s2, GM_SECTOR_RAW);
		if (c2 != NULL) {
			memcpy(c2 + (size_t)i * GM_DRIVE_C2_SIZE, s2 + c2_at, GM_DRIVE_C2_SIZE);
			for (size_t k = 0; k < GM_DRIVE_C2_SIZE && !flagged; k++)
				flagged = s2[c2_at + k] != 0;
		}
		if (sub != NULL)
			memcpy(sub + (size_t)i * GM_SUB_SIZE, s2 + sub_at, GM_SUB_SIZE);
		if (flagged && result[i] == GM_READ_OK)
			result[i] = GM_READ_C2;
	}
	return 0;
}

/*
 * A read in commands of CHUNK sectors: READ CD of any sector (cd), or
 * READ CD raw / READ(10) (raw or not).  When one fails with the drive
 * gone, the sectors after it are gone too.
 */
static int read_chunks(struct gm_ctx *ctx, struct mmc_drive *m, int32_t lba,
		       uint32_t count, bool cd, bool raw, uint8_t *data, uint8_t *c2,
		       uint8_t *sub, enum gm_read_result *result)
{
	size_t size = cd || raw ? GM_SECTOR_RAW : GM_SECTOR_USER;

	for (uint32_t done = 0; done < count;) {
		uint32_t n = count - done < CHUNK ? count - done : CHUNK;
		int32_t at = lba + (int32_t)done;
		uint8_t *d = data + done * size;
		uint8_t *c = c2 != NULL ? c2 + (size_t)done * GM_DRIVE_C2_SIZE : NULL;
		uint8_t *s = sub != NULL ? sub + (size_t)done * GM_SUB_SIZE : NULL;
		int ret = cd ? mmc_read_cd_chunk(ctx, m, at, n, d, c, s, result + done)
			  : mmc_read_chunk(ctx, m, at, n, raw, d, c, result + done);

		if (ret != 0) {
			for (uint32_t i = done + n; i < count; i++)
				result[i] = GM_READ_GONE;
			return ret;
		}
		done += n;
	}
	return 0;
}

static int mmc_read_cd(struct gm_ctx *ctx, struct gm_drive *drive, int32_t lba,
		       uint32_t count, uint8_t *data, uint8_t *c2, uint8_t *sub,
		       enum gm_read_result *result)
{
	return read_chunks(ctx, drive->priv, lba, count, true, true, data, c2, sub, result);
}

static int mmc_read(struct gm_ctx *ctx, struct gm_drive *drive, int32_t lba,
		    uint32_t count, bool raw, uint8_t *data, uint8_t *c2,
		    enum gm_read_result *result)
{
	return read_chunks(ctx, drive->priv, lba, count, false, raw, data, c2, NULL, result);
}

static int mmc_set_speed(struct gm_ctx *ctx, struct gm_drive *drive, double speed)
{
	struct mmc_drive *m = drive->priv;
	double unit = drive->info.media == GM_MEDIA_CD ? 176.4
		      : drive->info.media == GM_MEDIA_DVD ? 1385.0 : 4495.5;
	uint32_t kbs = speed <= 0 ? 0xffffffffu : (uint32_t)(speed * unit + 0.5);
	uint8_t cdb[12] = { 0xb6 };
	uint8_t desc[28];
	struct gm_sense sense;

	(void)ctx;
	/* SET STREAMING: one performance descriptor over the whole medium */
	memset(desc, 0, sizeof(desc));
	if (speed <= 0)
		desc[0] = 0x04;		/* RDD: the drive's defaults */
	gm_put_be32(desc + 8, (uint32_t)(drive->info.sectors > 0 ? drive->info.sectors - 1 : 0));
	gm_put_be32(desc + 12, kbs);
	gm_put_be32(desc + 16, 1000);
	gm_put_be32(desc + 20, kbs);
	gm_put_be32(desc + 24, 1000);
	gm_put_be16(cdb + 9, sizeof(desc));
	if (run(m, cdb, sizeof(cdb), GM_MMC_OUT, desc, sizeof(desc), &sense, false,
		NULL) == GM_MMC_OK) {
		gm_drive_note(drive, "read speed set with SET STREAMING: %s",
			      speed <= 0 ? "the maximum" : "as asked");
		return 0;
	}
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0xbb;
	gm_put_be16(cdb + 2, kbs > 0xffff ? 0xffff : kbs);
	gm_put_be16(cdb + 4, 0xffff);
	if (run(m, cdb, sizeof(cdb), GM_MMC_NONE, NULL, 0, &sense, false, NULL)
	    == GM_MMC_OK)
		gm_drive_note(drive, "read speed set with SET CD SPEED: %s kB/s",
			      speed <= 0 ? "maximum" : "as asked");
	else
		gm_drive_note(drive, "the read speed could not be set: reading at "
			      "the drive's own speed");
	return 0;
}

static void mmc_close(struct gm_drive *drive)
{
	struct mmc_drive *m = drive->priv;

	if (m == NULL)
		return;
	if (m->io.close != NULL)
		m->io.close(m->io.arg);
	free(m->c2buf);
	free(m->path);
	free(m);
}

static const struct gm_drive_ops mmc_ops = {
	.name = "mmc",
	.read = mmc_read,
	.read_cd = mmc_read_cd,
	.close = mmc_close,
	.set_speed = mmc_set_speed,
};

static enum gm_media media_of(uint16_t profile, int32_t sectors)
{
	if (profile >= 0x10 && profile <= 0x2b)
		return GM_MEDIA_DVD;
	if (profile >= 0x40 && profile <= 0x43)
		return GM_MEDIA_BD;
	if (profile >= 0x08 && profile <= 0x0a)
		return GM_MEDIA_CD;
	/* no profile: by size */
	return sectors > CD_MAX_SECTORS ? GM_MEDIA_DVD : GM_MEDIA_CD;
}

static int probe(struct gm_ctx *ctx, struct mmc_drive *m)
{
	struct gm_drive_info *info = &m->drive->info;
	struct gm_drive_caps caps;
	char why[160];
	int ret;

	memset(&caps, 0, sizeof(caps));
	ret = inquiry(ctx, m, info->vendor, info->product, info->revision);
	if (ret != 0)
		return ret;
	gm_drive_note(m->drive, "drive %s: %s %s %s", m->path, info->vendor,
		      info->product, info->revision);
	switch (wait_ready(m, READY_WAIT_MS, why, sizeof(why))) {
	case READY:
		break;
	case NO_MEDIUM:
		return gm_error_set(ctx, GM_ERR_DEVICE, "no medium in '%s' (%s %s): "
				    "%s", m->path, info->vendor, info->product, why);
	default:
		return gm_error_set(ctx, GM_ERR_DEVICE, "'%s' (%s %s) is not ready: "
				    "%s", m->path, info->vendor, info->product, why);
	}
	configuration(m, &caps);
	info->profile = caps.current;
	ret = read_capacity(ctx, m, &info->sectors);
	if (ret != 0)
		return ret;
	info->media = media_of(caps.current, info->sectors);
	gm_drive_note(m->drive, "medium: %s (profile %04Xh), %ld sectors",
		      caps.current ? gm_profile_name(caps.current) : "no profile",
		      caps.current, (long)info->sectors);
	if (caps.current == 0)
		gm_drive_note(m->drive, "GET CONFIGURATION gives no current profile: "
			      "the medium is taken for a %s by its size",
			      info->media == GM_MEDIA_CD ? "CD" : "DVD");
	disc_information(m);
	capabilities_page(m);
	performance(m, info->sectors);
	info->data_sectors = info->sectors;
	if (!read_toc(m)) {
		gm_drive_note(m->drive, "no usable TOC: the whole capacity is read "
			      "as data");
	} else {
		gm_drive_note(m->drive, "TOC: %u track%s, lead-out at LBA %ld",
			      m->ntracks, m->ntracks == 1 ? "" : "s", (long)m->leadout);
		if (info->media == GM_MEDIA_CD)
			info->data_sectors = data_track_sectors(m, info->sectors);
	}
	if (info->media == GM_MEDIA_CD) {
		read_full_toc(m);
		probe_raw(m, info);
		probe_cd(m, info);
		info->leadout = m->leadout > 0 ? m->leadout : 0;
		for (unsigned i = 0; i < m->ntracks; i++)
			if ((m->tracks[i].control & 0x04) == 0) {
				media_catalog(m);
				break;
			}
	} else {
		disc_structures(m, info->media);
	}
	return 0;
}

int gm_drive_mmc_new(struct gm_ctx *ctx, const char *path, struct gm_mmc_io io,
		     struct gm_drive **out)
{
	struct mmc_drive *m;
	struct gm_drive *drive;
	int ret;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL || (m->path = malloc(strlen(path) + 1)) == NULL) {
		free(m);
		io.close(io.arg);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	memcpy(m->path, path, strlen(path) + 1);
	m->io = io;
	/* what no drive sends: a pattern that is not a sector's */
	for (size_t i = 0; i < sizeof(m->canary); i++)
		m->canary[i] = (uint8_t)(0xa5 ^ (i * 151 >> 3));
	drive = gm_drive_new(&mmc_ops, m);
	if (drive == NULL) {
		mmc_close(&(struct gm_drive){ .priv = m });
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	m->drive = drive;
	ret = probe(ctx, m);
	if (ret != 0) {
		gm_drive_close(drive);
		return ret;
	}
	*out = drive;
	return 0;
}
