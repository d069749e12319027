/*
 * nrg.c - Nero Burning ROM images (.nrg), read only.
 *
 * An NRG file is the track data followed by a chain of chunks and a
 * footer, all integers big-endian.  Version 1 (Nero before 5.5) ends with
 * "NERO" and the 32-bit offset of the first chunk, version 2 with "NER5"
 * and a 64-bit offset.  Each chunk is a four-letter id, a 32-bit length
 * and its body; the chain ends with "END!".  We read:
 *
 *   CUES / CUEX  the cue sheet: 8-byte entries of CONTROL/ADR, track (BCD;
 *                0 lead-in, 0xAA lead-out), index (BCD) and the address
 *                (CUES: BCD MSF in the last three bytes; CUEX: signed LBA)
 *   DAOI / DAOX  disc-at-once tracks: a 22-byte header (size again, UPC,
 *                TOC type, first and last track) and per track 30 / 42
 *                bytes: ISRC, sector size, mode, and the byte offsets of
 *                index 0, index 1 and the track's end (32 / 64 bits)
 *   ETNF / ETN2  track-at-once tracks: offset, length, mode, start LBA
 *                (20 / 32 bytes a track)
 *   SINF         tracks in a session, one chunk per session
 *   MTYP         the medium (Nero's NERO_MEDIA_TYPE flags)
 *   CDTX         CD-TEXT packs
 *
 * and skip chunks we do not need.  The layouts follow the reverse
 * engineering in libcdio (lib/driver/image/nrg.c) and Aaru (Nero.cs).
 *
 * Addresses come from the cue sheet; without one, DAO tracks follow each
 * other, and a TAO track's start in its ETNF/ETN2 entry is its place in
 * the file (in sectors, without the gaps): each track after the first of
 * the chunk gets 150 sectors more a track, the gap every track-at-once
 * track has before it on the disc (libcdio reads them so; Aaru takes the
 * start as the disc address and loses the gaps).  The gap after the
 * previous track is the pregap: stored when the track's data starts that
 * many sectors after the previous track's in the file, else not (and
 * then generated, as other unstored gaps are).  Nero stores the 150 sectors
 * before LBA 0 (the pregap of track 1) at the start of a DAO image; the
 * disc model starts at LBA 0, so they are skipped, as Aaru does.  A gap
 * the cue sheet leaves between two tracks of a session becomes the
 * earlier track's unstored postgap.
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

/* Real chunk chains are a few KiB; more is not an NRG we can trust. */
#define NRG_CHUNKS_MAX (16u << 20)
#define NRG_CUE_MAX 20000

/* Lead-out plus lead-in before a later session (as in cue.c). */
#define SESSION2_GAP (6750 + 4500)
#define SESSIONN_GAP (2250 + 4500)

enum nrg_kind { NRG_NONE, NRG_DAO, NRG_TAO };

struct nrg_cue {
	uint8_t control;
	uint8_t track;		/* 1..99; 0 lead-in; 0xAA lead-out */
	uint8_t index;
	int32_t lba;
	uint64_t at;		/* file offset of the entry */
};

struct nrg_track {
	uint64_t at;		/* file offset of the entry */
	uint8_t number;
	uint8_t mode;		/* Nero's data mode */
	unsigned sector_size;
	uint64_t index0, index1, end;	/* byte offsets; TAO: index0 == index1 */
	int64_t start_lba;	/* TAO: LBA of index 1 */
	char isrc[13];
};

struct nrg {
	struct gm_ctx *ctx;
	const char *path;
	struct gm_disc *disc;
	bool v2;
	uint64_t data_end;	/* the first chunk's offset */
	uint8_t *chunk;		/* the chunks, from data_end to the footer */
	size_t len;
	const char *cue_name;	/* "CUES" or "CUEX" */
	struct nrg_cue *cue;
	unsigned ncue;
	const struct nrg_cue *index[100][100];	/* by track and index */
	struct nrg_track tr[GM_MAX_TRACKS];
	unsigned ntr;
	enum nrg_kind kind;
	unsigned session_tracks[GM_MAX_TRACKS];
	unsigned nsinf;
	uint64_t sinf_at;
	uint32_t mtyp;
	int64_t lba_end;	/* first LBA beyond the medium */
	const uint8_t *cdtx;
	size_t cdtx_len;
};

/* Nero's data modes: what a sector holds and how many bytes it takes. */
static const struct {
	uint8_t mode;
	unsigned size;
	enum gm_track_mode track_mode;
	enum gm_storage storage;
} nrg_modes[] = {
	{0x00, 2048, GM_TRACK_MODE1, GM_STORE_USER},
	{0x02, 2048, GM_TRACK_MODE2, GM_STORE_USER},	/* Form 1 user data */
	{0x03, 2336, GM_TRACK_MODE2, GM_STORE_MODE2},
	{0x05, 2352, GM_TRACK_MODE1, GM_STORE_RAW},
	{0x06, 2352, GM_TRACK_MODE2, GM_STORE_RAW},
	{0x07, 2352, GM_TRACK_AUDIO, GM_STORE_RAW},
	{0x08, 2352, GM_TRACK_AUDIO, GM_STORE_RAW},
	{0x0f, 2448, GM_TRACK_MODE1, GM_STORE_RAW_SUB},
	{0x10, 2448, GM_TRACK_AUDIO, GM_STORE_RAW_SUB},
	{0x11, 2448, GM_TRACK_MODE2, GM_STORE_RAW_SUB},
};

#define NRG_NMODES (sizeof(nrg_modes) / sizeof(nrg_modes[0]))

/* NERO_MEDIA_TYPE flags (Nero's SDK, as listed by Aaru). */
#define MTYP_CD (0x00001u | 0x00002u | 0x00400u)
#define MTYP_DVD (0x00004u | 0x00008u | 0x00010u | 0x00200u | 0x40000u \
		  | 0x80000u | 0x0800000u | 0x1000000u | 0x2000000u)
#define MTYP_BD (0x100000u | 0x200000u | 0x400000u)

static int nrg_error(struct nrg *n, uint64_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int nrg_error(struct nrg *n, uint64_t at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gm_error_set(n->ctx, GM_ERR_FORMAT, "nrg image '%s' at byte %llu: %s",
			    n->path, (unsigned long long)at, msg);
}

/* A chunk id as text, non-printable bytes as '?'. */
static void id_text(const uint8_t *p, char out[5])
{
	for (int i = 0; i < 4; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[4] = '\0';
}

static int find_mode(uint8_t mode)
{
	for (unsigned i = 0; i < NRG_NMODES; i++)
		if (nrg_modes[i].mode == mode)
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Chunks */

static int parse_cue(struct nrg *n, const uint8_t *body, uint32_t clen,
		     uint64_t at, bool cuex)
{
	const char *name = cuex ? "CUEX" : "CUES";
	struct nrg_cue *cue;
	unsigned count = clen / 8;

	if (clen % 8 != 0)
		return nrg_error(n, at, "%s chunk of %u bytes is not a whole number "
				 "of 8-byte entries", name, clen);
	if (n->ncue + count > NRG_CUE_MAX)
		return nrg_error(n, at, "%s chunk has more than %u entries", name,
				 NRG_CUE_MAX);
	n->cue_name = name;
	cue = realloc(n->cue, (n->ncue + count + 1) * sizeof(*cue));
	if (cue == NULL)
		return gm_error_set(n->ctx, GM_ERR_NOMEM, NULL);
	n->cue = cue;
	for (unsigned k = 0; k < count; k++) {
		const uint8_t *e = body + 8 * k;
		uint64_t e_at = at + 8 + 8 * (uint64_t)k;
		struct nrg_cue *c = &n->cue[n->ncue];
		int track = e[1] == GM_TRACK_LEADOUT ? GM_TRACK_LEADOUT
			    : gm_bcd_decode(e[1]);
		int index = gm_bcd_decode(e[2]);
		int64_t lba;

		if (track < 0 || index < 0)
			return nrg_error(n, e_at, "%s entry with track 0x%02x, index "
					 "0x%02x: not BCD numbers", name, e[1], e[2]);
		if (cuex) {
			lba = (int32_t)gm_be32(e + 4);
		} else {
			int m = gm_bcd_decode(e[5]), s = gm_bcd_decode(e[6]);
			int f = gm_bcd_decode(e[7]);

			if (m < 0 || s < 0 || f < 0 || s >= 60 || f >= GM_FRAMES_PER_SECOND)
				return nrg_error(n, e_at + 5, "CUES entry of track %d has "
						 "the address %02x:%02x:%02x: not a BCD "
						 "MSF", track, e[5], e[6], e[7]);
			lba = ((int64_t)m * 60 + s) * GM_FRAMES_PER_SECOND + f
			      - GM_LBA_PREGAP;
		}
		/* a DVD's addresses go beyond a CD's; lay_out() checks them */
		if (lba < GM_LBA_MIN)
			return nrg_error(n, e_at + 4, "%s entry of track %d puts index "
					 "%d at LBA %lld, before the lead-in", name, track,
					 index, (long long)lba);
		c->control = e[0] >> 4;
		c->track = (uint8_t)track;
		c->index = (uint8_t)index;
		c->lba = (int32_t)lba;
		c->at = e_at;
		n->ncue++;
	}
	return 0;
}

static int parse_dao(struct nrg *n, const uint8_t *body, uint32_t clen,
		     uint64_t at, bool daox)
{
	const char *name = daox ? "DAOX" : "DAOI";
	size_t esize = daox ? 42 : 30;
	unsigned first, last, count;

	if (clen < 22)
		return nrg_error(n, at, "%s chunk of %u bytes is too short for its "
				 "22-byte header", name, clen);
	first = body[20];
	last = body[21];
	if (first < 1 || last < first || last > 99)
		return nrg_error(n, at + 28, "%s chunk says tracks %u to %u", name,
				 first, last);
	count = last - first + 1;
	if (clen < 22 + count * esize)
		return nrg_error(n, at, "%s chunk of %u bytes is too short for %u "
				 "tracks", name, clen, count);
	if (clen > 22 + count * esize)
		return nrg_error(n, at, "%s chunk of %u bytes is longer than its %u "
				 "tracks (%zu bytes)", name, clen, count,
				 22 + count * esize);
	if (n->kind == NRG_TAO)
		return nrg_error(n, at, "%s chunk in an image of ETNF/ETN2 "
				 "track-at-once tracks", name);
	n->kind = NRG_DAO;
	if (first != n->ntr + 1)
		return nrg_error(n, at + 28, "%s chunk starts at track %u, after "
				 "%u tracks", name, first, n->ntr);
	if (body[4] != '\0') {
		/* the UPC: 13 digits, NUL-padded to 14 bytes */
		bool digits = body[17] == '\0';

		for (int k = 4; k < 17; k++)
			digits = digits && body[k] >= '0' && body[k] <= '9';
		if (!digits)
			return nrg_error(n, at + 12, "the UPC of the %s chunk is not 13 "
					 "digits", name);
		if (n->disc->mcn[0] == '\0') {
			memcpy(n->disc->mcn, body + 4, 13);
			n->disc->mcn[13] = '\0';
		}
	}
	for (unsigned k = 0; k < count; k++) {
		const uint8_t *e = body + 22 + k * esize;
		struct nrg_track *t = &n->tr[n->ntr];

		memset(t, 0, sizeof(*t));
		t->at = at + 8 + 22 + k * esize;
		t->number = (uint8_t)(first + k);
		if (e[0] != '\0' && e[0] != ' ') {
			memcpy(t->isrc, e, 12);
			if (!gm_isrc_valid(t->isrc))
				return nrg_error(n, t->at, "the ISRC of track %u is not "
						 "5 letters or digits and 7 digits",
						 t->number);
		}
		t->sector_size = gm_be16(e + 12);
		t->mode = e[14];
		if (daox) {
			t->index0 = gm_be64(e + 18);
			t->index1 = gm_be64(e + 26);
			t->end = gm_be64(e + 34);
		} else {
			t->index0 = gm_be32(e + 18);
			t->index1 = gm_be32(e + 22);
			t->end = gm_be32(e + 26);
		}
		n->ntr++;
	}
	return 0;
}

static int parse_tao(struct nrg *n, const uint8_t *body, uint32_t clen,
		     uint64_t at, bool etn2)
{
	const char *name = etn2 ? "ETN2" : "ETNF";
	unsigned esize = etn2 ? 32 : 20, count = clen / esize;

	if (clen % esize != 0 || count == 0)
		return nrg_error(n, at, "%s chunk of %u bytes is not a whole, nonzero "
				 "number of %u-byte track entries", name, clen, esize);
	if (n->ntr + count > GM_MAX_TRACKS)
		return nrg_error(n, at, "%s chunk brings the tracks to %u, more than "
				 "99", name, n->ntr + count);
	if (n->kind == NRG_DAO)
		return nrg_error(n, at, "%s chunk in an image of DAOI/DAOX "
				 "disc-at-once tracks", name);
	n->kind = NRG_TAO;
	for (unsigned k = 0; k < count; k++) {
		const uint8_t *e = body + k * esize;
		struct nrg_track *t = &n->tr[n->ntr];
		uint64_t length;
		uint32_t mode, sectors = 0;
		int m;

		memset(t, 0, sizeof(*t));
		t->at = at + 8 + (uint64_t)k * esize;
		t->number = (uint8_t)(n->ntr + 1);
		if (etn2) {
			t->index0 = gm_be64(e);
			length = gm_be64(e + 8);
			mode = gm_be32(e + 16);
			t->start_lba = (int32_t)gm_be32(e + 20);
			sectors = gm_be32(e + 28);
		} else {
			t->index0 = gm_be32(e);
			length = gm_be32(e + 4);
			mode = gm_be32(e + 8);
			t->start_lba = (int32_t)gm_be32(e + 12);
		}
		/* the start is the track's place in the file, in sectors; on
		   the disc each track after the first of the chunk follows a
		   150-sector gap the file does not hold (as libcdio reads it) */
		t->start_lba += (int64_t)k * GM_LBA_PREGAP;
		m = mode <= 0xff ? find_mode((uint8_t)mode) : -1;
		if (m < 0)
			return nrg_error(n, t->at + (etn2 ? 16 : 8), "track %u has the "
					 "unknown mode 0x%x", t->number, mode);
		t->mode = (uint8_t)mode;
		t->sector_size = nrg_modes[m].size;
		if (t->index0 > UINT64_MAX - length)
			return nrg_error(n, t->at, "track %u of %llu bytes at byte %llu "
					 "ends beyond 2^64", t->number,
					 (unsigned long long)length,
					 (unsigned long long)t->index0);
		t->index1 = t->index0;
		t->end = t->index0 + length;
		if (etn2 && sectors != 0 && length / t->sector_size != sectors)
			return nrg_error(n, t->at + 28, "track %u is %llu bytes, not the "
					 "%u sectors of %u bytes its entry says",
					 t->number, (unsigned long long)length, sectors,
					 t->sector_size);
		n->ntr++;
	}
	return 0;
}

static int parse_chunks(struct nrg *n)
{
	size_t pos = 0;
	int ret = 0;

	for (;;) {
		uint64_t at = n->data_end + pos;
		const uint8_t *p = n->chunk + pos, *body = p + 8;
		char id[5];
		uint32_t clen;

		if (n->len - pos < 8)
			return nrg_error(n, at, "the chunks end without an END! chunk");
		id_text(p, id);
		clen = gm_be32(p + 4);
		if (clen > n->len - pos - 8)
			return nrg_error(n, at, "%s chunk of %u bytes runs past the end "
					 "of the chunks at byte %llu", id, clen,
					 (unsigned long long)(n->data_end + n->len));
		if (memcmp(p, "END!", 4) == 0)
			break;
		if (memcmp(p, "CUES", 4) == 0 || memcmp(p, "CUEX", 4) == 0) {
			ret = parse_cue(n, body, clen, at, p[3] == 'X');
		} else if (memcmp(p, "DAOI", 4) == 0 || memcmp(p, "DAOX", 4) == 0) {
			ret = parse_dao(n, body, clen, at, p[3] == 'X');
		} else if (memcmp(p, "ETNF", 4) == 0 || memcmp(p, "ETN2", 4) == 0) {
			ret = parse_tao(n, body, clen, at, p[3] == '2');
		} else if (memcmp(p, "SINF", 4) == 0) {
			if (clen < 4)
				return nrg_error(n, at, "SINF chunk of %u bytes is too short",
						 clen);
			if (n->nsinf == GM_MAX_TRACKS)
				return nrg_error(n, at, "more than 99 SINF chunks");
			if (n->nsinf == 0)
				n->sinf_at = at;
			n->session_tracks[n->nsinf++] = gm_be32(body);
		} else if (memcmp(p, "MTYP", 4) == 0) {
			if (clen < 4)
				return nrg_error(n, at, "MTYP chunk of %u bytes is too short",
						 clen);
			n->mtyp = gm_be32(body);
		} else if (memcmp(p, "CDTX", 4) == 0) {
			if (clen % 18 != 0)
				return nrg_error(n, at, "CDTX chunk of %u bytes is not a whole "
						 "number of 18-byte CD-TEXT packs", clen);
			if (n->cdtx == NULL) {
				n->cdtx = body;
				n->cdtx_len = clen;
			}
		} else if (strchr(id, '?') != NULL) {
			return nrg_error(n, at, "bytes %02x %02x %02x %02x are not a "
					 "chunk id", p[0], p[1], p[2], p[3]);
		}
		/* other chunks (DINF, TOCT, RELO, AFNM, ...) are not needed */
		if (ret != 0)
			return ret;
		pos += 8 + (size_t)clen;
	}
	if (n->ntr == 0)
		return nrg_error(n, n->data_end, "no DAOI, DAOX, ETNF or ETN2 chunk: "
				 "the image has no tracks");
	if (n->nsinf > 0) {
		uint64_t sum = 0;

		for (unsigned i = 0; i < n->nsinf; i++) {
			if (n->session_tracks[i] == 0)
				return nrg_error(n, n->sinf_at, "SINF chunk %u counts no "
						 "tracks", i + 1);
			sum += n->session_tracks[i];
		}
		if (sum != n->ntr)
			return nrg_error(n, n->sinf_at, "the SINF chunks count %llu "
					 "tracks, the track chunks hold %u",
					 (unsigned long long)sum, n->ntr);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Layout */

static const struct nrg_cue *find_cue(const struct nrg *n, unsigned track,
				      unsigned index)
{
	return track >= 1 && track <= 99 ? n->index[track][index] : NULL;
}

/* The cue sheet's indexes 2..99 of track t. */
static int more_indexes(struct nrg *n, struct gm_track *t)
{
	for (unsigned k = 2; k < 100; k++) {
		const struct nrg_cue *c = find_cue(n, t->number, k);

		if (c == NULL)
			continue;
		if (t->nindex != k - 1)
			return nrg_error(n, c->at, "track %u has index %u but no "
					 "index %u", t->number, k, t->nindex + 1);
		if (c->lba <= t->index[k - 1] || c->lba >= t->end)
			return nrg_error(n, c->at, "index %u of track %u at LBA %ld is "
					 "not between index %u (LBA %ld) and the track's "
					 "end (LBA %ld)", k, t->number, (long)c->lba,
					 k - 1, (long)t->index[k - 1], (long)t->end);
		t->index[k] = c->lba;
		t->nindex = k;
	}
	return 0;
}

static int lay_out_track(struct nrg *n, unsigned i, unsigned session,
			 bool new_session)
{
	struct nrg_track *nt = &n->tr[i];
	struct gm_track *t = &n->disc->tracks[i];
	const struct nrg_cue *c0, *c1;
	uint64_t at = nt->at, index0 = nt->index0, offset;
	unsigned ss;
	int64_t k0, k1, lba0, lba1, stored_first;
	int m = find_mode(nt->mode);

	/* MagicISO writes raw sectors with the mode of cooked ones (Aaru) */
	if (nt->sector_size == 2352 && (nt->mode == 0x00 || nt->mode == 0x02
					|| nt->mode == 0x03))
		m = find_mode(nt->mode == 0x00 ? 0x05 : 0x06);
	if (m < 0)
		return nrg_error(n, at + 14, "track %u has the unknown mode 0x%02x",
				 nt->number, nt->mode);
	ss = nrg_modes[m].size;
	if (nt->sector_size != ss)
		return nrg_error(n, at + 12, "track %u has %u-byte sectors, but mode "
				 "0x%02x stores %u bytes a sector", nt->number,
				 nt->sector_size, nt->mode, ss);
	if (nt->index0 > nt->index1 || nt->index1 > nt->end)
		return nrg_error(n, at, "track %u has index 0 at byte %llu, index 1 at "
				 "%llu and its end at %llu: out of order", nt->number,
				 (unsigned long long)nt->index0,
				 (unsigned long long)nt->index1,
				 (unsigned long long)nt->end);
	if (nt->end > n->data_end)
		return nrg_error(n, at, "track %u ends at byte %llu, beyond the track "
				 "data, which ends at byte %llu", nt->number,
				 (unsigned long long)nt->end,
				 (unsigned long long)n->data_end);
	if ((nt->index1 - nt->index0) % ss != 0 || (nt->end - nt->index1) % ss != 0)
		return nrg_error(n, at, "track %u: bytes %llu to %llu are not a whole "
				 "number of %u-byte sectors", nt->number,
				 (unsigned long long)nt->index0,
				 (unsigned long long)nt->end, ss);
	if (nt->end == nt->index1)
		return nrg_error(n, at, "track %u has no sectors from index 1 on",
				 nt->number);
	if (i > 0 && nt->index0 < n->tr[i - 1].end)
		return nrg_error(n, at, "track %u starts at byte %llu, inside track %u",
				 nt->number, (unsigned long long)nt->index0,
				 n->tr[i - 1].number);
	k0 = (int64_t)((nt->index1 - nt->index0) / ss);
	k1 = (int64_t)((nt->end - nt->index1) / ss);

	memset(t, 0, sizeof(*t));
	t->number = nt->number;
	t->session = (uint8_t)session;
	t->mode = nrg_modes[m].track_mode;
	t->storage = nrg_modes[m].storage;
	t->sub_file = -1;
	memcpy(t->isrc, nt->isrc, sizeof(t->isrc));

	c1 = find_cue(n, nt->number, 1);
	c0 = find_cue(n, nt->number, 0);
	if (n->ncue > 0 && c1 == NULL)
		return nrg_error(n, at, "track %u has no index 1 in the %s chunk",
				 nt->number, n->cue_name);
	if (c1 != NULL) {
		lba1 = c1->lba;
		t->control = c1->control;
	} else {
		if (n->kind == NRG_TAO)
			lba1 = nt->start_lba;
		else if (i == 0)
			lba1 = 0;
		else
			lba1 = n->disc->tracks[i - 1].end + k0
			       + (!new_session ? 0 : session == 2 ? SESSION2_GAP
				  : SESSIONN_GAP);
		t->control = t->mode == GM_TRACK_AUDIO ? 0 : GM_CTL_DATA;
	}
	if (n->kind == NRG_TAO && c0 == NULL && i > 0 && !new_session
	    && lba1 > n->disc->tracks[i - 1].end) {
		/* the gap from the previous track is the pregap: in the file
		   when the track's data starts exactly that much later */
		int64_t gap = lba1 - n->disc->tracks[i - 1].end;

		if (gap <= (int64_t)((nt->index0 - n->tr[i - 1].end) / ss)
		    && nt->index0 - n->tr[i - 1].end == (uint64_t)gap * ss) {
			k0 = gap;
			index0 -= (uint64_t)gap * ss;
		}
		lba0 = n->disc->tracks[i - 1].end;
	} else {
		lba0 = c0 != NULL ? c0->lba : lba1 - k0;
	}
	stored_first = lba1 - k0;
	if (lba0 > stored_first)
		return nrg_error(n, c0 ? c0->at : at, "track %u has index 0 at LBA "
				 "%lld, after the %lld sectors stored before index 1 "
				 "(from LBA %lld)", nt->number, (long long)lba0,
				 (long long)k0, (long long)stored_first);
	if (lba1 < 0 || lba1 + k1 > n->lba_end)
		return nrg_error(n, c1 ? c1->at : at, "track %u runs from LBA %lld to "
				 "%lld, outside a disc", nt->number, (long long)lba1,
				 (long long)(lba1 + k1));
	offset = index0;
	if (lba0 < 0) {
		/* the disc model starts at LBA 0: drop the rest of the lead-in */
		if (i != 0)
			return nrg_error(n, c0 ? c0->at : at, "track %u starts at LBA "
					 "%lld, before LBA 0", nt->number, (long long)lba0);
		if (stored_first < 0) {
			offset += (uint64_t)-stored_first * ss;
			stored_first = 0;
		}
		lba0 = 0;
	}
	t->index[0] = (int32_t)lba0;
	t->index[1] = (int32_t)lba1;
	t->nindex = 1;
	t->pregap = (int32_t)(stored_first - lba0);
	t->end = (int32_t)(lba1 + k1);
	t->offset = offset;
	if (i > 0) {
		struct gm_track *p = &n->disc->tracks[i - 1];

		if (t->index[0] < p->end)
			return nrg_error(n, c0 ? c0->at : c1 ? c1->at : at, "track %u "
					 "starts at LBA %ld, inside track %u, which ends "
					 "at LBA %ld", t->number, (long)t->index[0],
					 p->number, (long)p->end);
		if (!new_session && t->index[0] > p->end) {
			p->postgap += t->index[0] - p->end;
			p->end = t->index[0];
		}
	}
	return more_indexes(n, t);
}

static int lay_out(struct nrg *n)
{
	struct gm_disc *d = n->disc;
	unsigned session = 1, in_session = 0, si = 0;
	const struct nrg_cue *leadout = NULL;
	int ret;

	if (n->mtyp & MTYP_CD)
		d->media = GM_MEDIA_CD;
	else if (n->mtyp & MTYP_DVD)
		d->media = GM_MEDIA_DVD;
	else if (n->mtyp & MTYP_BD)
		d->media = GM_MEDIA_BD;
	else
		d->media = GM_MEDIA_CD;
	n->lba_end = d->media == GM_MEDIA_CD ? GM_LBA_MAX + 1 : INT32_MAX;
	for (unsigned i = 0; i < n->ncue; i++) {
		const struct nrg_cue *c = &n->cue[i];

		if (c->track == GM_TRACK_LEADOUT) {
			leadout = c;
			continue;
		}
		if (c->track == 0)
			continue;	/* the lead-in */
		if (c->track > n->ntr)
			return nrg_error(n, c->at, "the %s chunk has track %u, which no "
					 "track chunk holds", n->cue_name, c->track);
		if (n->index[c->track][c->index] != NULL)
			return nrg_error(n, c->at, "the %s chunk gives index %u of track "
					 "%u twice", n->cue_name, c->index, c->track);
		n->index[c->track][c->index] = c;
	}
	d->ntracks = n->ntr;
	for (unsigned i = 0; i < n->ntr; i++) {
		bool new_session = false;

		if (n->nsinf > 0 && in_session == n->session_tracks[si]) {
			si++;
			session++;
			in_session = 0;
			new_session = true;
		}
		in_session++;
		ret = lay_out_track(n, i, session, new_session);
		if (ret != 0)
			return ret;
	}
	if (leadout != NULL) {
		struct gm_track *last = &d->tracks[d->ntracks - 1];

		if (leadout->lba > n->lba_end)
			return nrg_error(n, leadout->at, "the lead-out at LBA %ld is "
					 "beyond the medium", (long)leadout->lba);
		if (leadout->lba < last->end)
			return nrg_error(n, leadout->at, "the lead-out at LBA %ld is "
					 "inside track %u, which ends at LBA %ld",
					 (long)leadout->lba, last->number, (long)last->end);
		last->postgap += leadout->lba - last->end;
		last->end = leadout->lba;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reading */

static int read_at(struct nrg *n, int fd, uint8_t *buf, size_t len,
		   uint64_t offset)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, buf + done, len - done, (off_t)(offset + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return gm_error_set_errno(n->ctx, GM_ERR_IO, errno, "cannot read "
						  "'%s' at byte %llu", n->path,
						  (unsigned long long)(offset + done));
		if (r == 0)
			return gm_error_set(n->ctx, GM_ERR_IO, "'%s' ends at byte %llu "
					    "while being read", n->path,
					    (unsigned long long)(offset + done));
		done += (size_t)r;
	}
	return 0;
}

/* Find the footer and read the chunks into n->chunk. */
static int read_chunks(struct nrg *n, int fd, uint64_t size)
{
	uint8_t tail[12] = {0};
	uint64_t footer, first;
	int ret;

	if (size >= 8) {
		size_t len = size >= 12 ? 12 : 8;

		ret = read_at(n, fd, tail + 12 - len, len, size - len);
		if (ret != 0)
			return ret;
	}
	if (size >= 12 && memcmp(tail, "NER5", 4) == 0) {
		n->v2 = true;
		footer = size - 12;
		first = gm_be64(tail + 4);
	} else if (size >= 8 && memcmp(tail + 4, "NERO", 4) == 0) {
		footer = size - 8;
		first = gm_be32(tail + 8);
	} else {
		return nrg_error(n, size >= 12 ? size - 12 : 0, "no NER5 or NERO "
				 "footer at the end of the file");
	}
	if (first >= footer)
		return nrg_error(n, footer + 4, "the footer puts the first chunk at "
				 "byte %llu, not before the footer at byte %llu",
				 (unsigned long long)first, (unsigned long long)footer);
	if (footer - first > NRG_CHUNKS_MAX)
		return nrg_error(n, footer + 4, "the chunks from byte %llu take %llu "
				 "bytes, more than 16 MiB", (unsigned long long)first,
				 (unsigned long long)(footer - first));
	n->data_end = first;
	n->len = (size_t)(footer - first);
	n->chunk = malloc(n->len);
	if (n->chunk == NULL)
		return gm_error_set(n->ctx, GM_ERR_NOMEM, NULL);
	return read_at(n, fd, n->chunk, n->len, first);
}

static int nrg_read(struct gm_ctx *ctx, const char *path, struct gm_disc *disc)
{
	struct nrg *n;
	int fd, file, ret;

	file = gm_disc_add_file(ctx, disc, path, gm_path_base(path), GM_FILE_BINARY);
	if (file < 0)
		return file;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gm_error_set_errno(ctx, GM_ERR_NOENT, errno, "cannot open '%s'",
					  path);
	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		close(fd);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	n->ctx = ctx;
	n->path = path;
	n->disc = disc;
	disc->format = "nrg";
	ret = read_chunks(n, fd, disc->files[file].size);
	close(fd);
	if (ret == 0)
		ret = parse_chunks(n);
	if (ret == 0)
		ret = lay_out(n);
	if (ret == 0 && n->cdtx != NULL)
		ret = gm_cdtext_from_packs(ctx, disc, n->cdtx, n->cdtx_len / 18);
	if (ret == 0)
		gm_disc_finish(disc);
	free(n->cue);
	free(n->chunk);
	free(n);
	return ret;
}

static int nrg_bid(const char *path, const uint8_t *head, size_t len)
{
	uint8_t tail[12];
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int bid = 0;

	(void)head;
	(void)len;
	if (fd >= 0) {
		if (fstat(fd, &sb) == 0 && sb.st_size >= 12
		    && pread(fd, tail, 12, sb.st_size - 12) == 12
		    && (memcmp(tail, "NER5", 4) == 0 || memcmp(tail + 4, "NERO", 4) == 0))
			bid = 95;
		close(fd);
	}
	if (bid == 0 && gm_path_has_ext(path, ".nrg"))
		bid = 20;
	return bid;
}

const struct gm_format_ops gm_format_nrg = {
	.name = "nrg",
	.extension = ".nrg",
	.bid = nrg_bid,
	.read = nrg_read,
	.write = NULL,
};
