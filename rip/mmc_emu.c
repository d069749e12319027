/*
 * mmc_emu.c - one emulated MMC-6 optical drive over any image the formats
 * layer reads: a command transport (struct gm_mmc_io) that takes a CDB and
 * a transfer buffer and answers as a drive does, with data, GOOD status or
 * CHECK CONDITION and sense (SPC-3 4.5; MMC-6 Annex F codes).  What the
 * image does not store (gaps, sync/header/EDC/ECC of cooked sectors, P and
 * Q subchannel) comes from its sector source, as everywhere in
 * glassmaster; so the MMC back end (drive_mmc.c) can be run over an image
 * in process exactly as over a real drive.
 *
 * This first part answers: TEST UNIT READY, REQUEST SENSE, INQUIRY (and
 * the VPD pages 00h, 80h, 83h), START STOP UNIT, PREVENT ALLOW MEDIUM
 * REMOVAL, GET EVENT STATUS NOTIFICATION (media class), MECHANISM STATUS,
 * MODE SENSE(6/10) of pages 01h, 2Ah and 3Fh, GET CONFIGURATION (all,
 * current, one feature), READ CAPACITY, READ DISC INFORMATION, READ TRACK
 * INFORMATION, READ TOC/PMA/ATIP formats 0, 1 and 2, READ(10), READ(12),
 * READ CD and READ CD MSF (expected sector types, header codes, user
 * data, EDC/ECC, sync, C2 fields 01b and 10b, subchannel 001b, 010b and
 * 100b), SET CD SPEED, SET STREAMING and GET PERFORMANCE; anything else is
 * ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE.  A drive profile
 * (drive_profile.c) sets its identity, read offset, overread, C2
 * pointers, CD-DA reads of data, accurate stream, bad Q and speeds;
 * without one it is a plain accurate drive.  Also READ SUB-CHANNEL
 * (position, MCN, ISRC), READ TOC format 5 (CD-TEXT packs with CRCs),
 * MODE SELECT(10) of page 01h, and READ DISC STRUCTURE refused (images
 * store no disc structures).  Not yet: faults and a read cache.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "faults.h"
#include "image_private.h"
#include "image.h"
#include "mmc.h"
#include "rip.h"
#include "banned.h"

#define KBS_1X 176
#define EMU_CDTEXT_PACKS 2048	/* 8 blocks of 256 packs */
#define EMU_PREFETCH 64		/* sectors read from the image at once */		/* a CD's 1x in kB/s, as MMC counts speeds */

enum { PROFILE_CD_ROM = 0x0008, PROFILE_DVD_ROM = 0x0010, PROFILE_BD_ROM = 0x0040 };

struct emu {
	struct gm_ctx *ctx;
	struct gm_source *src;
	const struct gm_disc *disc;
	struct gm_drive_profile profile;
	struct gm_q_track *qtracks;	/* the layout, for the subchannel of
					   sectors outside the tracks */
	struct gm_q_layout qlayout;
	struct gm_sense sense;	/* of the last CHECK CONDITION, for REQUEST SENSE */
	int32_t pos;		/* the head: the last sector read */
	uint8_t *raw;		/* one sector: raw + subchannel */
	size_t xfer;		/* bytes the last command put in its buffer */
	/* a fault script (glassmaster-faults(5)), maybe shared */
	struct gm_faults *faults;
	bool own_faults;
	bool cooked;		/* the command reads user data (READ(10/12)) */
	bool gone;		/* the medium vanished: every command fails */
	uint8_t c2bits[294];	/* the C2 bits of the last sector read */
	bool fua;		/* the command bypasses the read cache */
	/* the read cache (profile.cache sectors, by LBA modulo its size):
	   what was read, damage and C2 bits included */
	struct cached {
		int32_t lba;
		bool valid;
		uint8_t raw[2352 + 96], c2[294];
	} *cache;
	int32_t touched_first, touched_last;	/* sectors the command read */
	/* sectors read ahead from the image in one request (raw + sub each),
	   for the reads that follow: [pre_lba, pre_lba + pre_n) */
	uint8_t *pre;
	enum gm_sector_status pre_status[EMU_PREFETCH];
	int32_t pre_lba;
	uint32_t pre_n;
};

static unsigned max_speed_kbs(const struct emu *e)
{
	unsigned x = 1;

	for (unsigned i = 0; i < e->profile.nspeeds; i++)
		if (e->profile.speeds[i] > x)
			x = e->profile.speeds[i];
	return x * KBS_1X;
}

static enum gm_mmc_status check(struct emu *e, struct gm_sense *sense, uint8_t key,
				uint8_t asc, uint8_t ascq)
{
	memset(sense, 0, sizeof(*sense));
	sense->key = key;
	sense->asc = asc;
	sense->ascq = ascq;
	e->sense = *sense;
	return GM_MMC_CHECK;
}

#define ILLEGAL(e, s, asc) check(e, s, 0x05, asc, 0x00)
#define ASC_INVALID_OPCODE 0x20
#define ASC_LBA_OUT_OF_RANGE 0x21
#define ASC_INVALID_FIELD 0x24
#define ASC_ILLEGAL_MODE 0x64	/* ILLEGAL MODE FOR THIS TRACK */

/* Copy n bytes of a reply into the transfer buffer, as far as it goes. */
static void reply(struct emu *e, uint8_t *buf, size_t len, const uint8_t *data, size_t n)
{
	e->xfer = n < len ? n : len;
	if (len == 0)
		return;
	memset(buf, 0, len);
	memcpy(buf, data, e->xfer);
}

static uint16_t current_profile(const struct emu *e)
{
	return e->disc->media == GM_MEDIA_DVD ? PROFILE_DVD_ROM
	       : e->disc->media == GM_MEDIA_BD ? PROFILE_BD_ROM : PROFILE_CD_ROM;
}

static int32_t leadout(const struct emu *e)
{
	return e->disc->leadout;
}

/* ---------------------------------------------------------------------
 * Identity and state
 */

static void fixed(uint8_t *out, const char *s, size_t n)
{
	size_t len = strlen(s);

	memset(out, ' ', n);
	memcpy(out, s, len < n ? len : n);
}

static enum gm_mmc_status inquiry(struct emu *e, const uint8_t *cdb, uint8_t *buf,
				  size_t len, struct gm_sense *sense)
{
	uint8_t d[96];

	memset(d, 0, sizeof(d));
	d[0] = 0x05;		/* peripheral device type: CD/DVD */
	if (cdb[1] & 0x01) {	/* EVPD */
		switch (cdb[2]) {
		case 0x00:
			d[1] = 0x00;
			d[3] = 3;
			d[4] = 0x00;
			d[5] = 0x80;
			d[6] = 0x83;
			reply(e, buf, len, d, 7);
			return GM_MMC_OK;
		case 0x80:
			d[1] = 0x80;
			d[3] = 8;
			fixed(d + 4, "GM000001", 8);
			reply(e, buf, len, d, 12);
			return GM_MMC_OK;
		case 0x83:
			/* one T10 vendor id designator (SPC-3 7.6.3.4) */
			d[1] = 0x83;
			d[3] = 4 + 8 + 16;
			d[4] = 0x02;	/* ASCII */
			d[5] = 0x01;	/* T10 vendor id, LU association */
			d[7] = 8 + 16;
			fixed(d + 8, e->profile.vendor, 8);
			fixed(d + 16, e->profile.product, 16);
			reply(e, buf, len, d, 4 + d[3]);
			return GM_MMC_OK;
		default:
			return ILLEGAL(e, sense, ASC_INVALID_FIELD);
		}
	}
	if (cdb[2] != 0)
		return ILLEGAL(e, sense, ASC_INVALID_FIELD);
	d[1] = 0x80;		/* removable */
	d[2] = 0x05;		/* SPC-3 */
	d[3] = 0x02;		/* response data format */
	d[4] = 36 - 5;
	fixed(d + 8, e->profile.vendor, 8);
	fixed(d + 16, e->profile.product, 16);
	fixed(d + 32, e->profile.revision, 4);
	reply(e, buf, len, d, 36);
	return GM_MMC_OK;
}

static enum gm_mmc_status request_sense(struct emu *e, uint8_t *buf, size_t len)
{
	uint8_t d[18];

	memset(d, 0, sizeof(d));
	d[0] = 0x70;		/* current, fixed format */
	d[2] = e->sense.key;
	if (e->sense.info_valid) {
		d[0] |= 0x80;
		gm_put_be32(d + 3, e->sense.info);
	}
	d[7] = 10;
	d[12] = e->sense.asc;
	d[13] = e->sense.ascq;
	reply(e, buf, len, d, sizeof(d));
	memset(&e->sense, 0, sizeof(e->sense));
	return GM_MMC_OK;
}

static enum gm_mmc_status event_status(struct emu *e, const uint8_t *cdb, uint8_t *buf,
				       size_t len, struct gm_sense *sense)
{
	uint8_t d[8] = { 0, 6, 0x04, 0x10, 0x00, 0x02, 0, 0 };

	if (!(cdb[1] & 0x01))	/* asynchronous: not supported */
		return ILLEGAL(e, sense, ASC_INVALID_FIELD);
	if (!(cdb[4] & 0x10)) {	/* no media class asked: no event */
		d[1] = 2;
		d[2] = 0x80;
		reply(e, buf, len, d, 4);
		return GM_MMC_OK;
	}
	reply(e, buf, len, d, sizeof(d));	/* media present, no change */
	return GM_MMC_OK;
}

/* ---------------------------------------------------------------------
 * Mode pages (MMC-6 7.3, 7.8)
 */

static size_t page_01(uint8_t *p)
{
	memset(p, 0, 12);
	p[0] = 0x01;
	p[1] = 10;
	p[3] = 1;		/* read retry count */
	return 12;
}

static size_t page_2a(const struct emu *e, uint8_t *p)
{
	memset(p, 0, 32);
	p[0] = 0x2a;
	p[1] = 30;
	p[2] = 0x3f;		/* reads CD-R, CD-RW, method 2, DVD-ROM... */
	p[4] = 0x71;		/* audio play, mode 2 form 1 and 2 */
	/* CD-DA commands, R-W (de-interleaved and corrected), ISRC, UPC;
	   accurate stream and C2 pointers as the profile says */
	p[5] = 0x01 | 0x04 | 0x08 | 0x20 | 0x40;
	if (e->profile.accurate_stream)
		p[5] |= 0x02;
	if (e->profile.c2)
		p[5] |= 0x10;
	p[6] = 0x29;		/* tray, eject, lock */
	gm_put_be16(p + 8, max_speed_kbs(e));	/* obsolete maximum read speed */
	gm_put_be16(p + 10, 256);	/* volume levels */
	gm_put_be16(p + 12, 64);	/* buffer (KB) */
	gm_put_be16(p + 14, max_speed_kbs(e));	/* obsolete current read speed */
	return 32;
}

static enum gm_mmc_status mode_sense(struct emu *e, const uint8_t *cdb, bool ten,
				     uint8_t *buf, size_t len, struct gm_sense *sense)
{
	uint8_t d[128];
	size_t hdr = ten ? 8 : 4, n = hdr;
	uint8_t page = cdb[2] & 0x3f;

	memset(d, 0, sizeof(d));
	if ((cdb[2] >> 6) == 3)	/* saved values: none */
		return check(e, sense, 0x05, 0x39, 0x00);
	if (page == 0x01 || page == 0x3f)
		n += page_01(d + n);
	if (page == 0x2a || page == 0x3f)
		n += page_2a(e, d + n);
	if (n == hdr)
		return ILLEGAL(e, sense, ASC_INVALID_FIELD);
	if (ten)
		gm_put_be16(d, (uint32_t)(n - 2));
	else
		d[0] = (uint8_t)(n - 1);
	reply(e, buf, len, d, n);
	return GM_MMC_OK;
}

/* ---------------------------------------------------------------------
 * GET CONFIGURATION (MMC-6 5.2, 5.3)
 */

/* Append the descriptor of feature code to d at *n; false when the drive
   has no such feature. */
static bool feature(const struct emu *e, uint16_t code, uint8_t *d, size_t *n)
{
	uint16_t cur = current_profile(e);
	uint8_t *f = d + *n;
	size_t add;

	memset(f, 0, 16);
	gm_put_be16(f, code);
	switch (code) {
	case 0x0000: {		/* Profile List */
		static const uint16_t profiles[] = { PROFILE_BD_ROM, PROFILE_DVD_ROM,
						     PROFILE_CD_ROM };

		f[2] = 0x03;	/* persistent, current */
		for (size_t i = 0; i < 3; i++) {
			gm_put_be16(f + 4 + 4 * i, profiles[i]);
			f[6 + 4 * i] = profiles[i] == cur;
		}
		add = 12;
		break;
	}
	case 0x0001:		/* Core: SCSI, all of MMC's device busy events */
		f[2] = 0x0b;
		gm_put_be32(f + 4, 1);
		f[8] = 0x01;
		add = 8;
		break;
	case 0x0002:		/* Morphing */
		f[2] = 0x07;
		f[4] = 0x02;	/* OCEvent */
		add = 4;
		break;
	case 0x0003:		/* Removable Medium: tray, eject, lock */
		f[2] = 0x03;
		f[4] = 0x29;
		add = 4;
		break;
	case 0x0010:		/* Random Readable */
		f[2] = 0x01 | 0x04;
		gm_put_be32(f + 4, 2048);
		gm_put_be16(f + 8, cur == PROFILE_CD_ROM ? 1 : 16);
		f[10] = 0x01;	/* page present */
		add = 8;
		break;
	case 0x001d:		/* Multi-Read */
		f[2] = 0x01;
		add = 0;
		break;
	case 0x001e:		/* CD Read: C2 flags and CD-Text */
		if (cur != PROFILE_CD_ROM)
			return false;
		f[2] = 0x09;
		f[4] = e->profile.c2 ? 0x03 : 0x01;	/* C2 flags, CD-Text */
		add = 4;
		break;
	case 0x001f:		/* DVD Read */
		if (cur != PROFILE_DVD_ROM)
			return false;
		f[2] = 0x05;
		add = 4;
		break;
	case 0x0040:		/* BD Read */
		if (cur != PROFILE_BD_ROM)
			return false;
		f[2] = 0x01;
		add = 24;
		memset(f + 4, 0xff, 24);
		break;
	case 0x0100:		/* Power Management */
		f[2] = 0x03;
		add = 0;
		break;
	case 0x0107:		/* Real Time Streaming */
		f[2] = 0x0d;
		f[4] = 0x0c;	/* read buffer capacity, SET CD SPEED */
		add = 4;
		break;
	default:
		return false;
	}
	f[3] = (uint8_t)add;
	*n += 4 + add;
	return true;
}

static enum gm_mmc_status get_configuration(struct emu *e, const uint8_t *cdb,
					    uint8_t *buf, size_t len,
					    struct gm_sense *sense)
{
	static const uint16_t codes[] = { 0x0000, 0x0001, 0x0002, 0x0003, 0x0010,
					  0x001d, 0x001e, 0x001f, 0x0040, 0x0100,
					  0x0107 };
	uint8_t d[512];
	unsigned rt = cdb[1] & 0x03;
	uint16_t start = gm_be16(cdb + 2);
	size_t n = 8;

	if (rt == 3)
		return ILLEGAL(e, sense, ASC_INVALID_FIELD);
	memset(d, 0, sizeof(d));
	gm_put_be16(d + 6, current_profile(e));
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		size_t at = n;

		if (rt == 2 ? codes[i] != start : codes[i] < start)
			continue;
		if (!feature(e, codes[i], d, &n))
			continue;
		if (rt == 1 && !(d[at + 2] & 0x01))
			n = at;	/* not current */
	}
	gm_put_be32(d, (uint32_t)(n - 4));
	reply(e, buf, len, d, n);
	return GM_MMC_OK;
}

/* ---------------------------------------------------------------------
 * The disc: capacity, disc and track information, TOC
 */

static enum gm_mmc_status read_capacity(struct emu *e, uint8_t *buf, size_t len)
{
	uint8_t d[8];

	gm_put_be32(d, (uint32_t)(leadout(e) - 1));
	gm_put_be32(d + 4, 2048);
	reply(e, buf, len, d, sizeof(d));
	return GM_MMC_OK;
}

static const struct gm_track *first_of_session(const struct emu *e, unsigned s)
{
	for (unsigned i = 0; i < e->disc->ntracks; i++)
		if (e->disc->tracks[i].session == s)
			return &e->disc->tracks[i];
	return NULL;
}

static const struct gm_track *last_of_session(const struct emu *e, unsigned s)
{
	const struct gm_track *t = NULL;

	for (unsigned i = 0; i < e->disc->ntracks; i++)
		if (e->disc->tracks[i].session == s)
			t = &e->disc->tracks[i];
	return t;
}

/* ADR 1 and CONTROL as a TOC byte. */
static uint8_t adr_control(const struct gm_track *t)
{
	return (uint8_t)(0x10 | (t->control & 0x0f));
}

static enum gm_mmc_status disc_information(struct emu *e, uint8_t *buf, size_t len)
{
	const struct gm_disc *d = e->disc;
	const struct gm_track *last = last_of_session(e, d->nsessions);
	uint8_t r[34];

	memset(r, 0, sizeof(r));
	gm_put_be16(r, 32);
	r[2] = 0x0e;		/* last session complete, disc finalized */
	r[3] = d->ntracks ? d->tracks[0].number : 1;
	r[4] = (uint8_t)d->nsessions;
	r[5] = last ? first_of_session(e, d->nsessions)->number : 1;
	r[6] = last ? last->number : 1;
	r[7] = 0x20;		/* unrestricted use */
	r[8] = 0x00;		/* CD-DA or CD-ROM */
	for (unsigned i = 0; i < d->ntracks; i++)
		if (d->tracks[i].mode == GM_TRACK_MODE2 || d->tracks[i].mode == GM_TRACK_CDI)
			r[8] = d->tracks[i].mode == GM_TRACK_CDI ? 0x10 : 0x20;
	memset(r + 16, 0xff, 8);	/* no next session, no lead-out start */
	reply(e, buf, len, r, sizeof(r));
	return GM_MMC_OK;
}

static enum gm_mmc_status track_information(struct emu *e, const uint8_t *cdb,
					    uint8_t *buf, size_t len,
					    struct gm_sense *sense)
{
	uint32_t addr = gm_be32(cdb + 2);
	const struct gm_track *t = NULL;
	uint8_t r[36];

	if ((cdb[1] & 0x03) == 0x00) {
		t = addr <= INT32_MAX ? gm_disc_track_at(e->disc, (int32_t)addr) : NULL;
	} else if ((cdb[1] & 0x03) == 0x01) {
		for (unsigned i = 0; i < e->disc->ntracks; i++)
			if (e->disc->tracks[i].number == addr)
				t = &e->disc->tracks[i];
	} else {
		return ILLEGAL(e, sense, ASC_INVALID_FIELD);
	}
	if (t == NULL)
		return ILLEGAL(e, sense, ASC_INVALID_FIELD);
	memset(r, 0, sizeof(r));
	gm_put_be16(r, 34);
	r[2] = t->number;
	r[3] = t->session;
	r[5] = (uint8_t)(t->control & 0x0f);
	r[6] = 0x00;
	r[7] = t->mode == GM_TRACK_AUDIO ? 0x0f : t->mode == GM_TRACK_MODE1 ? 0x01 : 0x02;
	gm_put_be32(r + 8, (uint32_t)t->index[1]);
	gm_put_be32(r + 24, (uint32_t)(t->end - t->index[1]));
	gm_put_be32(r + 28, (uint32_t)(t->end - 1));
	reply(e, buf, len, r, sizeof(r));
	return GM_MMC_OK;
}

/* An address in a TOC: LBA, or 0, M, S, F. */
static void put_addr(uint8_t *p, int32_t lba, bool msf)
{
	struct gm_msf m;

	if (!msf) {
		gm_put_be32(p, (uint32_t)lba);
		return;
	}
	if (!gm_lba_to_msf(lba, &m))
		memset(&m, 0, sizeof(m));
	p[0] = 0;
	p[1] = m.m;
	p[2] = m.s;
	p[3] = m.f;
}

/* The lead-out of session s: the next session's start, or the disc's. */
static int32_t session_leadout(const struct emu *e, unsigned s)
{
	const struct gm_track *last = last_of_session(e, s);

	return last != NULL ? last->end : leadout(e);
}

/* One entry of a full TOC (format 2): point with its PMIN/PSEC/PFRAME. */
static size_t full_entry(uint8_t *p, unsigned session, uint8_t adr_ctl, uint8_t point,
			 uint8_t pm, uint8_t ps, uint8_t pf)
{
	memset(p, 0, 11);
	p[0] = (uint8_t)session;
	p[1] = adr_ctl;
	p[3] = point;
	p[8] = pm;
	p[9] = ps;
	p[10] = pf;
	return 11;
}

/* The packs of a CD-TEXT file (a .cdt: packs, maybe after a 4-byte
   header of READ TOC's and before a NUL), at most EMU_CDTEXT_PACKS. */
static bool cdtext_file(const char *path, uint8_t (*packs)[GM_CDTEXT_PACK], unsigned *np)
{
	enum { MAX = EMU_CDTEXT_PACKS * GM_CDTEXT_PACK + 5 };
	uint8_t *buf = malloc(MAX + 1), *p;
	FILE *f = fopen(path, "rb");
	size_t n = 0;

	if (f != NULL && buf != NULL)
		n = fread(buf, 1, MAX + 1, f);
	if (f != NULL)
		fclose(f);
	p = buf;
	if (n > 4 && (n - 4) % GM_CDTEXT_PACK <= 1 && (buf[0] < 0x80 || buf[0] > 0x8f)) {
		p += 4;		/* READ TOC's header */
		n -= 4;
	}
	if (n % GM_CDTEXT_PACK == 1)
		n--;		/* CDRWIN's closing NUL */
	if (buf == NULL || n == 0 || n > MAX - 5 || n % GM_CDTEXT_PACK != 0) {
		free(buf);
		return false;
	}
	memcpy(packs, p, n);
	*np = (unsigned)(n / GM_CDTEXT_PACK);
	free(buf);
	return true;
}

static enum gm_mmc_status read_toc(struct emu *e, const uint8_t *cdb, uint8_t *buf,
				   size_t len, struct gm_sense *sense)
{
	const struct gm_disc *d = e->disc;
	unsigned format = cdb[2] & 0x0f, start = cdb[6];
	bool msf = cdb[1] & 0x02;
	/* a full TOC has A0, A1, A2 (and B0, C0) and its points for each
	   session: at most six entries a track */
	uint8_t r[4 + 11 * 6 * GM_MAX_TRACKS];
	size_t n = 4;

	if (format == 0 && cdb[9] >> 6)	/* SFF-8020i drives: the format in byte 9 */
		format = cdb[9] >> 6;
	memset(r, 0, sizeof(r));
	if (d->media != GM_MEDIA_CD && format != 0 && format != 1)
		return ILLEGAL(e, sense, ASC_INVALID_FIELD);
	switch (format) {
	case 0:
		if (start > d->tracks[d->ntracks - 1].number && start != 0xaa)
			return ILLEGAL(e, sense, ASC_INVALID_FIELD);
		for (unsigned i = 0; i < d->ntracks; i++) {
			const struct gm_track *t = &d->tracks[i];

			if (t->number < start)
				continue;
			r[n + 1] = adr_control(t);
			r[n + 2] = t->number;
			put_addr(r + n + 4, t->index[1], msf);
			n += 8;
		}
		r[n + 1] = (uint8_t)(0x10 | (d->tracks[d->ntracks - 1].control & 0x0f));
		r[n + 2] = 0xaa;
		put_addr(r + n + 4, leadout(e), msf);
		n += 8;
		r[2] = d->tracks[0].number;
		r[3] = d->tracks[d->ntracks - 1].number;
		break;
	case 1: {		/* session information: the last session's first track */
		const struct gm_track *t = first_of_session(e, d->nsessions);

		r[2] = 1;
		r[3] = (uint8_t)d->nsessions;
		r[n + 1] = adr_control(t);
		r[n + 2] = t->number;
		put_addr(r + n + 4, t->index[1], msf);
		n += 8;
		break;
	}
	case 2:
		for (unsigned s = 1; s <= d->nsessions; s++) {
			const struct gm_track *f = first_of_session(e, s);
			const struct gm_track *l = last_of_session(e, s);
			uint8_t disc_type = 0x00;
			struct gm_msf m;

			if (f == NULL)
				continue;
			for (const struct gm_track *t = f; t <= l; t++)
				if (t->mode == GM_TRACK_CDI || t->mode == GM_TRACK_MODE2)
					disc_type = t->mode == GM_TRACK_CDI ? 0x10 : 0x20;
			n += full_entry(r + n, s, adr_control(f), 0xa0, f->number, disc_type, 0);
			n += full_entry(r + n, s, adr_control(l), 0xa1, l->number, 0, 0);
			if (!gm_lba_to_msf(session_leadout(e, s), &m))
				memset(&m, 0, sizeof(m));
			n += full_entry(r + n, s, adr_control(l), 0xa2, m.m, m.s, m.f);
			for (const struct gm_track *t = f; t <= l; t++) {
				if (!gm_lba_to_msf(t->index[1], &m))
					memset(&m, 0, sizeof(m));
				n += full_entry(r + n, s, adr_control(t), t->number, m.m, m.s,
						m.f);
			}
			/* a multisession disc (ADR 5): B0 in every session but
			   the last (closed) one, the start of the next program
			   area (the next session's first track, its 150-sector
			   pregap included) and the latest lead-out (79:59:74);
			   C0 in the first, the disc's first lead-in (95:00:00,
			   as pressed; no ATIP to tell it) */
			if (s < d->nsessions) {
				const struct gm_track *next = first_of_session(e, s + 1);
				struct gm_msf b;

				if (next == NULL || !gm_lba_to_msf(next->index[1] - 150, &b))
					memset(&b, 0, sizeof(b));
				n += full_entry(r + n, s, (uint8_t)(0x50 | (l->control & 0x0f)),
						0xb0, 79, 59, 74);
				r[n - 11 + 4] = b.m;
				r[n - 11 + 5] = b.s;
				r[n - 11 + 6] = b.f;
				r[n - 11 + 7] = s == 1 ? 2 : 1;	/* mode-5 pointers */
			}
			if (s == 1 && d->nsessions > 1)
				n += full_entry(r + n, s, (uint8_t)(0x50 | (l->control & 0x0f)),
						0xc0, 95, 0, 0);
		}
		r[2] = 1;
		r[3] = (uint8_t)d->nsessions;
		break;
	case 5: {		/* CD-TEXT: the packs of block 0 with their CRCs */
		uint8_t (*packs)[GM_CDTEXT_PACK] = malloc(EMU_CDTEXT_PACKS * sizeof(*packs));
		uint8_t *t;
		unsigned np = 0;

		if (packs == NULL)
			return check(e, sense, 0x04, 0x44, 0x00);	/* internal */
		/* a sheet's CDTEXTFILE is served as it is (every block and
		   language); else block 0 made from the disc's fields */
		if (!(d->cdtextfile != NULL && cdtext_file(d->cdtextfile, packs, &np))
		    && !gm_cdtext_to_packs(d, packs, &np))
			np = 0;
		t = malloc(4 + (size_t)np * GM_CDTEXT_PACK);
		if (t == NULL) {
			free(packs);
			return check(e, sense, 0x04, 0x44, 0x00);
		}
		memset(t, 0, 4);
		gm_put_be16(t, (uint32_t)(2 + np * GM_CDTEXT_PACK));
		memcpy(t + 4, packs, (size_t)np * GM_CDTEXT_PACK);
		reply(e, buf, len, t, 4 + (size_t)np * GM_CDTEXT_PACK);
		free(t);
		free(packs);
		return GM_MMC_OK;
	}
	default:
		return ILLEGAL(e, sense, ASC_INVALID_FIELD);
	}
	gm_put_be16(r, (uint32_t)(n - 2));
	reply(e, buf, len, r, n);
	return GM_MMC_OK;
}

/* READ SUB-CHANNEL (MMC-6 6.28): the current position, MCN or ISRC. */
static enum gm_mmc_status read_subchannel(struct emu *e, const uint8_t *cdb,
					  uint8_t *buf, size_t len,
					  struct gm_sense *sense)
{
	const struct gm_disc *d = e->disc;
	bool msf = cdb[1] & 0x02;
	uint8_t r[28];
	size_t n = 4;

	memset(r, 0, sizeof(r));
	r[1] = 0x15;		/* audio status: none */
	if (!(cdb[2] & 0x40)) {	/* SUBQ clear: the header only */
		reply(e, buf, len, r, 4);
		return GM_MMC_OK;
	}
	switch (cdb[3]) {
	case 0x01: {
		const struct gm_track *t = gm_disc_track_at(d, e->pos);
		unsigned index = 1;

		if (t == NULL)
			t = &d->tracks[0];
		for (unsigned k = 0; k <= t->nindex; k++)
			if (e->pos >= t->index[k])
				index = k;
		r[4] = 0x01;
		r[5] = adr_control(t);
		r[6] = t->number;
		r[7] = (uint8_t)index;
		put_addr(r + 8, e->pos, msf);
		if (msf) {
			struct gm_msf m;
			int32_t rel = e->pos - t->index[1];

			/* relative MSF counts from index 1, without the 150 */
			if (!gm_lba_to_msf((rel < 0 ? -rel : rel) - 150, &m))
				memset(&m, 0, sizeof(m));
			r[13] = m.m;
			r[14] = m.s;
			r[15] = m.f;
		} else {
			gm_put_be32(r + 12, (uint32_t)(e->pos - t->index[1]));
		}
		n += 12;
		break;
	}
	case 0x02:
		r[4] = 0x02;
		if (d->mcn[0]) {
			r[8] = 0x80;
			memcpy(r + 9, d->mcn, 13);
		}
		n += 20;
		break;
	case 0x03: {
		const struct gm_track *t = NULL;

		for (unsigned i = 0; i < d->ntracks; i++)
			if (d->tracks[i].number == cdb[6])
				t = &d->tracks[i];
		if (t == NULL)
			return ILLEGAL(e, sense, ASC_INVALID_FIELD);
		r[4] = 0x03;
		r[5] = adr_control(t);
		r[6] = t->number;
		if (t->isrc[0]) {
			r[8] = 0x80;
			memcpy(r + 9, t->isrc, 12);
		}
		n += 20;
		break;
	}
	default:
		return ILLEGAL(e, sense, ASC_INVALID_FIELD);
	}
	gm_put_be16(r + 2, (uint32_t)(n - 4));
	reply(e, buf, len, r, n);
	return GM_MMC_OK;
}

/* MODE SELECT(10) (SPC-3 6.8): page 01h only, whose values are taken and
   not kept (the emulated drive retries nothing). */
static enum gm_mmc_status mode_select(struct emu *e, const uint8_t *cdb,
				      const uint8_t *buf, size_t len,
				      struct gm_sense *sense)
{
	size_t plen = gm_be16(cdb + 7), bd, at;

	if (plen > len)
		plen = len;
	if (plen == 0)
		return GM_MMC_OK;
	if (plen < 8)
		return check(e, sense, 0x05, 0x1a, 0x00);	/* parameter list length */
	bd = gm_be16(buf + 6);
	at = 8 + bd;
	if (at + 2 > plen || (buf[at] & 0x3f) != 0x01 || buf[at + 1] != 10
	    || at + 12 > plen)
		return check(e, sense, 0x05, 0x26, 0x00);	/* invalid field in list */
	return GM_MMC_OK;
}

/* ---------------------------------------------------------------------
 * Reading
 */

/* The raw sector and subchannel of lba; false (sense set) when the medium
   has none or the image cannot give it. */
/* Whether the drive reads lba: the tracks, the pregap of track 1 (LBA
   -150 on), and as far into lead-in and lead-out as its profile says. */
static bool readable(const struct emu *e, int32_t lba)
{
	return lba >= -150 - e->profile.overread_leadin
	       && lba < leadout(e) + e->profile.overread_leadout;
}

/* A sector outside the tracks (track 1's pregap before LBA 0, lead-in,
   lead-out): silence, or zeros in the mode of the nearest data track,
   with the subchannel the layout gives there. */
static void outside(struct emu *e, int32_t lba)
{
	const struct gm_track *t = lba < 0 ? &e->disc->tracks[0]
				   : &e->disc->tracks[e->disc->ntracks - 1];
	static const uint8_t zero[2336];
	static const uint8_t sub_form1[4] = {0, 0, GM_SUBMODE_DATA, 0};

	if (t->mode == GM_TRACK_AUDIO)
		memset(e->raw, 0, 2352);
	else if (t->mode == GM_TRACK_MODE1)
		gm_sector_encode_mode1(e->raw, lba, zero);
	else
		gm_sector_encode_form1(e->raw, lba, sub_form1, zero);
	if (!gm_sub_generate(&e->qlayout, lba, e->raw + 2352))
		memset(e->raw + 2352, 0, 96);
}

/* The C2 bits of a sector as the drive returns them: offset bytes late
   (early when negative).  The drive's C2 stream runs on across the
   sectors of one command: bits pushed past the end of this sector's
   field go to the next one's (next), before its start into the previous
   one's (prev, NULL for a command's first sector); past the command's
   ends they are lost. */
static void shift_c2(const uint8_t *bits, int32_t offset, uint8_t *out, uint8_t *next,
		     uint8_t *prev)
{
	uint8_t any = 0;

	for (int k = 0; k < 294; k++)
		any |= bits[k];
	for (int32_t k = 0; any && k < 2352; k++) {
		int32_t to = k + offset;
		uint8_t *f = out;

		if (!(bits[k / 8] & (0x80 >> (k % 8))))
			continue;
		if (to >= 2352)
			to -= 2352, f = next;
		else if (to < 0)
			to += 2352, f = prev;
		if (f != NULL && to >= 0 && to < 2352)
			f[to / 8] |= (uint8_t)(0x80 >> (to % 8));
	}
}

/* The raw sector and subchannel of lba from the image, into req's buffer
   (e->raw): from the sectors read ahead, else with the next ones read
   ahead in one request (they do not outlive the image, which does not
   change).  False when the image cannot be read there. */
static bool source_sector(struct emu *e, int32_t lba, struct gm_read *req,
			  enum gm_sector_status *status)
{
	const size_t size = 2352 + 96;

	if (e->pre == NULL && (e->pre = malloc(EMU_PREFETCH * size)) == NULL)
		return gm_source_read(e->ctx, e->src, req) == 0;
	if (lba < e->pre_lba || lba >= e->pre_lba + (int32_t)e->pre_n) {
		const struct gm_track *t = gm_disc_track_at(e->disc, lba);
		uint32_t n = EMU_PREFETCH;
		struct gm_read run = { .lba = lba, .kind = GM_SECTOR_KIND_RAW_SUB,
				       .data = e->pre, .status = e->pre_status };

		/* within the track: the source reads it as one run */
		if (t == NULL || (int64_t)lba + n > t->end)
			n = t != NULL && t->end > lba ? (uint32_t)(t->end - lba) : 1;
		run.count = n;
		e->pre_n = 0;
		if (gm_source_read(e->ctx, e->src, &run) != 0)
			return gm_source_read(e->ctx, e->src, req) == 0;
		e->pre_lba = lba;
		e->pre_n = n;
	}
	memcpy(req->data, e->pre + (size_t)(lba - e->pre_lba) * size, size);
	*status = e->pre_status[lba - e->pre_lba];
	return true;
}

static bool read_raw(struct emu *e, int32_t lba, struct gm_sense *sense,
		     enum gm_mmc_status *st)
{
	enum gm_sector_status status = GM_SECTOR_UNREAD;
	struct gm_read req = { .lba = lba, .count = 1, .kind = GM_SECTOR_KIND_RAW_SUB,
			       .data = e->raw, .status = &status };

	if (!readable(e, lba)) {
		*st = ILLEGAL(e, sense, ASC_LBA_OUT_OF_RANGE);
		return false;
	}
	if (e->cache != NULL) {
		struct cached *c = &e->cache[(uint32_t)lba % e->profile.cache];
		int64_t moved = (int64_t)lba - e->pos;

		/* the head moved far: what the cache held is gone */
		if (moved > (int64_t)e->profile.cache || -moved > (int64_t)e->profile.cache)
			for (uint32_t i = 0; i < e->profile.cache; i++)
				e->cache[i].valid = false;
		if (!e->fua && c->valid && c->lba == lba) {
			e->pos = lba;
			memcpy(e->raw, c->raw, sizeof(c->raw));
			memcpy(e->c2bits, c->c2, sizeof(c->c2));
			return true;
		}
	}
	e->pos = lba;
	if (gm_disc_track_at(e->disc, lba) == NULL) {
		outside(e, lba);
		memset(e->c2bits, 0, sizeof(e->c2bits));
		return true;
	}
	if (!source_sector(e, lba, &req, &status)
	    || (status != GM_SECTOR_GOOD && status != GM_SECTOR_SYNTH))
		goto unreadable;
	memset(e->c2bits, 0, sizeof(e->c2bits));
	if (e->faults != NULL && lba >= 0 && lba < leadout(e)) {
		bool form = e->raw[15] == 2;

		if (e->touched_first > e->touched_last)
			e->touched_first = lba;
		e->touched_last = lba;
		if (gm_faults_vanished(e->faults)) {
			e->gone = true;
			*st = check(e, sense, 0x02, 0x3a, 0x00);	/* no medium */
			return false;
		}
		if (gm_faults_read(e->faults, lba, !e->cooked,
				   e->cooked ? e->raw + (form ? 24 : 16) : e->raw,
				   e->c2bits, e->raw + 2352) == GM_READ_MEDIUM)
			goto unreadable;
	}
	if (e->cache != NULL) {
		struct cached *c = &e->cache[(uint32_t)lba % e->profile.cache];

		c->lba = lba;
		c->valid = true;
		memcpy(c->raw, e->raw, sizeof(c->raw));
		memcpy(c->c2, e->c2bits, sizeof(c->c2));
	}
	return true;
unreadable:
	*st = check(e, sense, 0x03, 0x11, 0x00);	/* unrecovered read error */
	sense->info_valid = true;
	sense->info = (uint32_t)lba;
	e->sense = *sense;
	return false;
}

/*
 * READ(10)/(12) of a run of Mode 1 or Form 1 sectors in one data track
 * whose user data the source gives as stored (an ISO, a cooked or raw
 * track): one gm_source_read for the run, no raw sector made and checked
 * per sector.  False when anything needs the sector-by-sector path (other
 * modes, sectors the source did not read as good, a profile that plays
 * with reads); buf is then rewritten by that path.
 */
static bool read_user_fast(struct emu *e, int32_t lba, uint32_t count, uint8_t *buf)
{
	const struct gm_track *t = gm_disc_track_at(e->disc, lba);
	enum gm_sector_status one, *status = count == 1 ? &one : NULL;
	struct gm_read req = { .lba = lba, .count = count, .kind = GM_SECTOR_KIND_USER,
			       .data = buf };
	bool ok = true;

	if (t == NULL || (t->mode != GM_TRACK_MODE1 && t->mode != GM_TRACK_MODE2)
	    || (int64_t)lba + count > t->end)
		return false;
	if (status == NULL && (status = malloc(count * sizeof(*status))) == NULL)
		return false;
	req.status = status;
	if (gm_source_read(e->ctx, e->src, &req) != 0)
		ok = false;
	for (uint32_t i = 0; ok && i < count; i++)
		ok = status[i] == GM_SECTOR_GOOD;
	if (status != &one)
		free(status);
	if (ok) {
		e->pos = lba + (int32_t)count - 1;
		e->xfer = (size_t)count * 2048;
	}
	return ok;
}

static enum gm_mmc_status read_user(struct emu *e, int32_t lba, uint32_t count,
				    uint8_t *buf, size_t len, struct gm_sense *sense)
{
	enum gm_mmc_status st = GM_MMC_OK;

	if ((uint64_t)count * 2048 > len)
		return ILLEGAL(e, sense, ASC_INVALID_FIELD);
	if (count > 0 && e->faults == NULL && read_user_fast(e, lba, count, buf))
		return GM_MMC_OK;
	for (uint32_t i = 0; i < count; i++) {
		const struct gm_track *t;
		struct gm_sector_info info;

		t = gm_disc_track_at(e->disc, lba + (int32_t)i);
		if (t == NULL)	/* READ(10) reads the user area only */
			return ILLEGAL(e, sense, ASC_LBA_OUT_OF_RANGE);
		e->cooked = true;
		if (!read_raw(e, lba + (int32_t)i, sense, &st)) {
			e->cooked = false;
			return st;
		}
		e->cooked = false;
		if (e->disc->media == GM_MEDIA_CD && t->mode == GM_TRACK_AUDIO)
			return check(e, sense, 0x05, ASC_ILLEGAL_MODE, 0x00);
		gm_sector_check(e->raw, lba + (int32_t)i, &info, NULL);
		memcpy(buf + (size_t)i * 2048, e->raw + info.user_offset, 2048);
		e->xfer = ((size_t)i + 1) * 2048;
	}
	return GM_MMC_OK;
}

/*
 * The fields READ CD returns of one sector (MMC-6 6.19): sync, header,
 * subheader, user data, EDC/ECC by the main channel selection, then C2
 * and subchannel.  Returns the bytes, or 0 when the combination is one a
 * drive refuses.
 */
static size_t read_cd_fields(const uint8_t *raw, enum gm_sector_mode mode, uint8_t flags,
			     uint8_t *out)
{
	bool sync = flags & 0x80, user = flags & 0x10, edc = flags & 0x08;
	unsigned hdr = (flags >> 5) & 3;
	size_t n = 0, user_at, user_len, edc_at, edc_len;

	if (mode == GM_MODE_AUDIO) {
		if (flags & 0xf8) {
			memcpy(out, raw, 2352);
			return 2352;
		}
		return 0;
	}
	switch (mode) {
	case GM_MODE_1:
	case GM_MODE_0:
		user_at = 16, user_len = 2048, edc_at = 2064, edc_len = 288;
		break;
	case GM_MODE_2_FORM_1:
		user_at = 24, user_len = 2048, edc_at = 2072, edc_len = 280;
		break;
	case GM_MODE_2_FORM_2:
		user_at = 24, user_len = 2324, edc_at = 2348, edc_len = 4;
		break;
	default:		/* formless Mode 2 */
		user_at = 16, user_len = 2336, edc_at = 2352, edc_len = 0;
		break;
	}
	if (sync) {
		memcpy(out + n, raw, 12);
		n += 12;
	}
	if (hdr & 1) {
		memcpy(out + n, raw + 12, 4);
		n += 4;
	}
	if ((hdr & 2) && user_at == 24) {
		memcpy(out + n, raw + 16, 8);
		n += 8;
	}
	if (user) {
		memcpy(out + n, raw + user_at, user_len);
		n += user_len;
	}
	if (edc && edc_len) {
		memcpy(out + n, raw + edc_at, edc_len);
		n += edc_len;
	}
	return n;
}

/* Whether a sector's kind is what expected sector type t (MMC-6 6.19.2.2) takes. */
static bool type_matches(unsigned t, enum gm_sector_mode mode)
{
	switch (t) {
	case 0: return true;
	case 1: return mode == GM_MODE_AUDIO;
	case 2: return mode == GM_MODE_1;
	case 3: return mode == GM_MODE_2;
	case 4: return mode == GM_MODE_2_FORM_1;
	case 5: return mode == GM_MODE_2_FORM_2;
	default: return false;
	}
}

/* Whether lba is audio for the drive: in an audio track, or (before and
   after the tracks) next to one. */
static bool is_audio(const struct emu *e, int32_t lba)
{
	const struct gm_track *t = gm_disc_track_at(e->disc, lba);

	if (t == NULL)
		t = lba < 0 ? &e->disc->tracks[0] : &e->disc->tracks[e->disc->ntracks - 1];
	return t->mode == GM_TRACK_AUDIO;
}

/*
 * The 2352 bytes of audio the drive returns for lba: with a read offset of
 * N samples (AccurateRip's correction: the audio comes N samples late),
 * those of the disc from sample lba * 588 - N on, across the sector
 * boundary; what lies beyond what the drive reads is silence.  The C2
 * bits follow the bytes they flag (e->c2bits ends up holding them).
 */
static bool offset_audio(struct emu *e, int32_t lba, uint8_t *out,
			 struct gm_sense *sense, enum gm_mmc_status *st)
{
	int64_t start = (int64_t)lba * 2352 - (int64_t)e->profile.read_offset * 4;
	int64_t first = start >= 0 ? start / 2352 : -((-start + 2351) / 2352);
	size_t skip = (size_t)(start - first * 2352), done = 0;
	uint8_t c2[294];

	memset(c2, 0, sizeof(c2));
	for (int64_t s = first; done < 2352; s++) {
		size_t from = s == first ? skip : 0, n = 2352 - from;

		if (n > 2352 - done)
			n = 2352 - done;
		if (s < INT32_MIN || s > INT32_MAX || !readable(e, (int32_t)s)) {
			memset(out + done, 0, n);
		} else {
			if (!read_raw(e, (int32_t)s, sense, st))
				return false;
			memcpy(out + done, e->raw + from, n);
			for (size_t k = 0; k < n; k++)
				if (e->c2bits[(from + k) / 8] & (0x80 >> ((from + k) % 8)))
					c2[(done + k) / 8] |= (uint8_t)(0x80 >> ((done + k) % 8));
		}
		done += n;
	}
	memcpy(e->c2bits, c2, sizeof(c2));
	return true;
}

static enum gm_mmc_status read_cd(struct emu *e, int32_t lba, uint32_t count,
				  unsigned type, uint8_t flags, uint8_t subsel,
				  uint8_t *buf, size_t len, struct gm_sense *sense)
{
	unsigned c2 = (flags >> 1) & 3;
	size_t at = 0, c2_at = 0;
	uint8_t carry[294], *prev_c2 = NULL;	/* C2 bits running on */
	enum gm_mmc_status st = GM_MMC_OK;

	if (type > 5 || c2 == 3 || (subsel != 0 && subsel != 1 && subsel != 2 && subsel != 4))
		return ILLEGAL(e, sense, ASC_INVALID_FIELD);
	/* C2 pointers only as the profile has them (01b with 294, both
	   with 296) */
	if ((c2 == 1 && e->profile.c2 == 0) || (c2 == 2 && e->profile.c2 != 296))
		return ILLEGAL(e, sense, ASC_INVALID_FIELD);
	if (e->disc->media != GM_MEDIA_CD)
		return check(e, sense, 0x05, 0x30, 0x02);	/* cannot read medium */
	memset(carry, 0, sizeof(carry));
	for (uint32_t i = 0; i < count; i++) {
		int32_t at_lba = lba + (int32_t)i;
		enum gm_sector_mode mode;
		uint8_t sector[2352 + 296 + 96], sub[96];
		size_t n;

		if (!read_raw(e, at_lba, sense, &st))
			return st;
		memcpy(sub, e->raw + 2352, sizeof(sub));
		mode = is_audio(e, at_lba) ? GM_MODE_AUDIO : gm_sector_classify(e->raw);
		if (type == 1 && mode != GM_MODE_AUDIO && e->profile.cdda_data)
			mode = GM_MODE_AUDIO;	/* data read as CD-DA: its bytes */
		else if (!type_matches(type, mode))
			return check(e, sense, 0x05, ASC_ILLEGAL_MODE, 0x00);
		if (mode == GM_MODE_AUDIO && e->profile.read_offset != 0
		    && (flags & 0xf8)) {
			if (!offset_audio(e, at_lba, sector, sense, &st))
				return st;
			n = 2352;
		} else {
			n = read_cd_fields(e->raw, mode, flags, sector);
		}
		if (c2 != 0) {
			memcpy(sector + n, carry, 294);
			memset(carry, 0, sizeof(carry));
			shift_c2(e->c2bits, e->profile.c2_offset, sector + n, carry, prev_c2);
			if (prev_c2 != NULL && c2 == 2)	/* its block error byte */
				for (int k = 0; k < 294; k++)
					prev_c2[294] |= prev_c2[k];
			c2_at = n;
		}
		if (c2 == 1) {
			n += 294;
		} else if (c2 == 2) {
			/* the pointers, the block error byte (their OR), a pad byte */
			uint8_t any = 0;

			for (int k = 0; k < 294; k++)
				any |= sector[n + (size_t)k];
			sector[n + 294] = any;
			sector[n + 295] = 0;
			n += 296;
		}
		/* one sector in N: Q with a bad CRC (the last two Q bytes) */
		if (e->profile.subq_bad && at_lba % (int32_t)e->profile.subq_bad == 0)
			for (int k = 10 * 8; k < 96; k++)
				sub[k] ^= 0x40;
		/* one sector in N: the Q of the sector before */
		else if (e->profile.subq_shift
			 && at_lba % (int32_t)e->profile.subq_shift == 0)
			gm_faults_shift_q(sub);
		if (subsel == 1 && c2 != 0 && e->profile.sub_first) {
			/* this drive's order: the subchannel before the C2 field */
			size_t field = c2 == 1 ? 294 : 296;

			memmove(sector + n - field + 96, sector + n - field, field);
			memcpy(sector + n - field, sub, 96);
			if (c2_at == n - field)
				c2_at += 96;
			n += 96;
		} else if (subsel == 1) {
			memcpy(sector + n, sub, 96);
			n += 96;
		} else if (subsel == 2) {
			gm_sub_channel(sub, GM_SUB_Q, sector + n);
			memset(sector + n + 12, 0, 4);
			n += 16;
		} else if (subsel == 4) {
			for (int k = 0; k < 96; k++)
				sector[n + (size_t)k] = sub[k] & 0x3f;
			n += 96;
		}
		if (at + n > len)
			return ILLEGAL(e, sense, ASC_INVALID_FIELD);
		if (n > 0)	/* (no field asked: no buffer either) */
			memcpy(buf + at, sector, n);
		prev_c2 = c2 != 0 ? buf + at + c2_at : NULL;
		at += n;
		e->xfer = at;
	}
	if (at < len)
		memset(buf + at, 0, len - at);
	return GM_MMC_OK;
}

static int32_t msf_lba(const uint8_t *p)
{
	return ((int32_t)p[0] * 60 + p[1]) * 75 + p[2] - 150;
}

static enum gm_mmc_status performance(struct emu *e, uint8_t *buf, size_t len)
{
	uint8_t d[8 + 16];

	memset(d, 0, sizeof(d));
	gm_put_be32(d, sizeof(d) - 4);
	gm_put_be32(d + 8, 0);
	gm_put_be32(d + 12, max_speed_kbs(e));
	gm_put_be32(d + 16, (uint32_t)(leadout(e) - 1));
	gm_put_be32(d + 20, max_speed_kbs(e));
	reply(e, buf, len, d, sizeof(d));
	return GM_MMC_OK;
}

/* ---------------------------------------------------------------------
 * The transport
 */

static enum gm_mmc_status emu_command(void *arg, const uint8_t *cdb, size_t cdb_len,
				      enum gm_mmc_dir dir, uint8_t *buf, size_t len,
				      unsigned timeout_ms, struct gm_sense *sense, int *err)
{
	struct emu *e = arg;
	enum gm_mmc_status st;

	(void)dir;
	(void)timeout_ms;
	*err = 0;
	e->xfer = 0;
	memset(sense, 0, sizeof(*sense));
	if (cdb_len < 6)
		return ILLEGAL(e, sense, ASC_INVALID_OPCODE);
	if (buf == NULL)
		len = 0;
	switch (cdb[0]) {
	case 0x00:		/* TEST UNIT READY */
	case 0x1b:		/* START STOP UNIT */
	case 0x1e:		/* PREVENT ALLOW MEDIUM REMOVAL */
	case 0xbb:		/* SET CD SPEED */
	case 0xb6:		/* SET STREAMING */
		return GM_MMC_OK;
	case 0x03:
		return request_sense(e, buf, len);
	case 0x12:
		return inquiry(e, cdb, buf, len, sense);
	case 0x4a:
		return event_status(e, cdb, buf, len, sense);
	case 0xbd: {		/* MECHANISM STATUS: no changer */
		uint8_t d[8] = { 0 };

		reply(e, buf, len, d, sizeof(d));
		return GM_MMC_OK;
	}
	case 0x1a:
		return mode_sense(e, cdb, false, buf, len, sense);
	case 0x5a:
		return cdb_len < 10 ? ILLEGAL(e, sense, ASC_INVALID_OPCODE)
		       : mode_sense(e, cdb, true, buf, len, sense);
	case 0x46:
		return get_configuration(e, cdb, buf, len, sense);
	case 0x25:
		return read_capacity(e, buf, len);
	case 0x51:
		return disc_information(e, buf, len);
	case 0x52:
		return track_information(e, cdb, buf, len, sense);
	case 0x43:
		return read_toc(e, cdb, buf, len, sense);
	case 0xac:
		return performance(e, buf, len);
	case 0x42:
		return cdb_len < 10 ? ILLEGAL(e, sense, ASC_INVALID_OPCODE)
		       : read_subchannel(e, cdb, buf, len, sense);
	case 0x55:
		return cdb_len < 10 ? ILLEGAL(e, sense, ASC_INVALID_OPCODE)
		       : mode_select(e, cdb, buf, len, sense);
	case 0xad:		/* READ DISC STRUCTURE: the image stores none */
		return e->disc->media == GM_MEDIA_CD ? check(e, sense, 0x05, 0x30, 0x02)
		       : ILLEGAL(e, sense, ASC_INVALID_FIELD);
	case 0x28:
		if (cdb_len < 10)
			return ILLEGAL(e, sense, ASC_INVALID_OPCODE);
		e->fua = cdb[1] & 0x08;		/* force unit access: not the cache */
		st = read_user(e, (int32_t)gm_be32(cdb + 2), gm_be16(cdb + 7), buf, len, sense);
		e->fua = false;
		return st;
	case 0xa8:
		if (cdb_len < 12)
			return ILLEGAL(e, sense, ASC_INVALID_OPCODE);
		e->fua = cdb[1] & 0x08;
		st = read_user(e, (int32_t)gm_be32(cdb + 2), gm_be32(cdb + 6), buf, len, sense);
		e->fua = false;
		return st;
	case 0xbe:
		if (cdb_len < 12)
			return ILLEGAL(e, sense, ASC_INVALID_OPCODE);
		st = read_cd(e, (int32_t)gm_be32(cdb + 2),
			     (uint32_t)cdb[6] << 16 | (uint32_t)cdb[7] << 8 | cdb[8],
			     (cdb[1] >> 2) & 7, cdb[9], cdb[10] & 7, buf, len, sense);
		return st;
	case 0xb9: {
		int32_t from, to;

		if (cdb_len < 12)
			return ILLEGAL(e, sense, ASC_INVALID_OPCODE);
		from = msf_lba(cdb + 3);
		to = msf_lba(cdb + 6);
		if (to < from)
			return ILLEGAL(e, sense, ASC_INVALID_FIELD);
		return read_cd(e, from, (uint32_t)(to - from), (cdb[1] >> 2) & 7, cdb[9],
			       cdb[10] & 7, buf, len, sense);
	}
	default:
		return ILLEGAL(e, sense, ASC_INVALID_OPCODE);
	}
}

/* A command, through the faults: a vanished medium, slow sectors. */
static enum gm_mmc_status emu_run(void *arg, const uint8_t *cdb, size_t cdb_len,
				  enum gm_mmc_dir dir, uint8_t *buf, size_t len,
				  unsigned timeout_ms, struct gm_sense *sense, int *err)
{
	struct emu *e = arg;
	enum gm_mmc_status st;

	if (!e->gone && e->faults != NULL)
		e->gone = gm_faults_gone(e->faults);	/* for another session */
	if (e->gone && cdb_len > 0 && cdb[0] != 0x12 && cdb[0] != 0x03) {
		*err = 0;
		e->xfer = 0;
		return check(e, sense, 0x02, 0x3a, 0x00);	/* no medium */
	}
	e->touched_first = 1;
	e->touched_last = 0;
	st = emu_command(arg, cdb, cdb_len, dir, buf, len, timeout_ms, sense, err);
	if (e->faults != NULL && e->touched_first <= e->touched_last) {
		uint64_t ns = gm_faults_delay(e->faults, e->touched_first,
					      (uint32_t)(e->touched_last - e->touched_first + 1));

		if (ns > 0)
			gm_faults_sleep(ns);
	}
	return st;
}

static void emu_close(void *arg)
{
	struct emu *e = arg;

	if (e == NULL)
		return;
	gm_source_free(e->src);
	free(e->cache);
	if (e->own_faults)
		gm_faults_free(e->faults);
	free(e->qtracks);
	free(e->raw);
	free(e->pre);
	free(e);
}

int gm_mmc_emu_load_faults(struct gm_ctx *ctx, struct gm_mmc_io *io, const char *path,
			   struct gm_faults **out)
{
	struct emu *e = io->arg;
	int ret;

	if (out != NULL)
		*out = NULL;
	ret = gm_faults_load(ctx, path, leadout(e), &e->faults);
	if (ret != 0)
		return ret;
	e->own_faults = out == NULL;
	if (out != NULL)
		*out = e->faults;
	return 0;
}

void gm_mmc_emu_share_faults(struct gm_mmc_io *io, struct gm_faults *faults)
{
	struct emu *e = io->arg;

	if (e->own_faults)
		gm_faults_free(e->faults);
	e->faults = faults;
	e->own_faults = false;
}

size_t gm_mmc_emu_transferred(const struct gm_mmc_io *io)
{
	const struct emu *e = io->arg;

	return io->run == emu_run ? e->xfer : 0;
}

int gm_mmc_emu_open(struct gm_ctx *ctx, const char *image,
		    const struct gm_drive_profile *profile, struct gm_mmc_io *io)
{
	struct emu *e = calloc(1, sizeof(*e));
	const struct gm_disc *d;
	int ret;

	memset(io, 0, sizeof(*io));
	if (e == NULL || (e->raw = malloc(2352 + 96)) == NULL) {
		free(e);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	e->ctx = ctx;
	ret = gm_image_open(ctx, image, &e->src);
	if (ret != 0) {
		emu_close(e);
		return ret;
	}
	e->disc = d = gm_source_disc(e->src);
	if (d->ntracks == 0 || d->leadout <= 0) {
		emu_close(e);
		return gm_error_set(ctx, GM_ERR_FORMAT, "'%s' has no tracks to serve", image);
	}
	if (profile != NULL)
		e->profile = *profile;
	else
		gm_drive_profile_init(&e->profile);
	if (e->profile.cache > 0) {
		e->cache = calloc(e->profile.cache, sizeof(*e->cache));
		if (e->cache == NULL) {
			emu_close(e);
			return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		}
	}
	/* the layout, for gm_sub_generate() outside the tracks */
	e->qtracks = calloc(d->ntracks, sizeof(*e->qtracks));
	if (e->qtracks == NULL) {
		emu_close(e);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	for (unsigned i = 0; i < d->ntracks; i++) {
		struct gm_q_track *q = &e->qtracks[i];

		q->number = d->tracks[i].number;
		q->control = d->tracks[i].control;
		memcpy(q->index, d->tracks[i].index, sizeof(q->index));
		q->nindex = d->tracks[i].nindex;
		/* on a disc, track 1's pregap (index 00) begins at 00:00:00
		   however little of it the image stores */
		if (i == 0 && q->index[0] > -150)
			q->index[0] = -150;
		memcpy(q->isrc, d->tracks[i].isrc, sizeof(q->isrc));
	}
	e->qlayout.tracks = e->qtracks;
	e->qlayout.ntracks = d->ntracks;
	e->qlayout.leadout = d->leadout;
	memcpy(e->qlayout.mcn, d->mcn, sizeof(d->mcn));
	io->run = emu_run;
	io->close = emu_close;
	io->arg = e;
	return 0;
}
