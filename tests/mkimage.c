/*
 * mkimage.c - gm-mkimage, a test helper: wrap a raw BIN (2352-byte
 * sectors, tracks end to end, as `glassmaster convert X.cue` writes it) or
 * an ISO into the images no Debian tool writes: Nero NRG (version 1 with
 * CUES/DAOI or ETNF, version 2 with CUEX/DAOX or ETN2) and Alcohol 120%
 * MDS/MDF, so that tests and fuzz seeds can be made from scratch.
 *
 * usage: gm-mkimage [-c MCN] [-t TITLE] [-p PERFORMER] [-s N] [-L] [-2]
 *                   FORMAT IN OUT TRACK...
 *
 * FORMAT  nrg1, nrg2 (disc-at-once), tao1, tao2 (track-at-once), mds, or
 *         mds-dvd (IN is an ISO; one DVD track)
 * TRACK   MODE:SECTORS[,pre=N][,gap=N][,idx2=N][,isrc=CODE][,dcp][,pre-emph]
 *         [,title=TEXT]: MODE is audio, mode1, mode2 (2352-byte sectors in
 *         the image) or mode1c (Mode 1 stored as its 2048 bytes of user
 *         data: NRG only); SECTORS are the track's sectors in IN, of which
 *         the first `pre` are index 0; `gap` more pregap sectors are not
 *         stored; index 2 is `idx2` sectors after index 1.
 * -c      the MCN (NRG: the DAO header's UPC)
 * -t, -p  CD-TEXT title and performer of the disc (NRG: a CDTX chunk; the
 *         track titles come from title=)
 * -s N    the first N tracks are session 1, the others session 2
 * -L      NRG: do not store the 150 sectors before LBA 0 (Nero does)
 * -2      cue sheet entries for index 2 (libcdio cannot read those)
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"

struct track {
	char mode[8];
	long sectors, pre, gap, idx2;
	char isrc[13];
	unsigned ctl;
	const char *title;
	/* computed */
	int session;
	long lba0, lba1, end;		/* index 0, index 1, first after */
	unsigned long long in_off;	/* byte offset in IN */
	unsigned long long off0, off1, off_end;	/* in the image */
	unsigned ss;			/* bytes a sector in the image */
};

static struct track tracks[99];
static int ntracks;
static const char *mcn, *disc_title, *disc_performer;
static int session1 = 99;
static int no_lead, with_idx2;

/* A growing buffer of bytes. */
static unsigned char *out;
static size_t out_len, out_cap;

static void put(const void *p, size_t n)
{
	if (out_len + n > out_cap) {
		out_cap = (out_len + n) * 2 + 4096;
		out = realloc(out, out_cap);
		if (out == NULL) {
			perror("gm-mkimage");
			exit(3);
		}
	}
	memcpy(out + out_len, p, n);
	out_len += n;
}

static void put8(unsigned v)
{
	unsigned char b = (unsigned char)v;

	put(&b, 1);
}

static void be(unsigned long long v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		put8((unsigned)(v >> (8 * i)) & 0xff);
}

static void le(unsigned long long v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		put8((unsigned)(v >> (8 * i)) & 0xff);
}

static void zeros(size_t n)
{
	while (n--)
		put8(0);
}

static void patch_le32(size_t at, unsigned long v)
{
	for (int i = 0; i < 4; i++)
		out[at + i] = (unsigned char)(v >> (8 * i));
}

static void patch_be32(size_t at, unsigned long v)
{
	for (int i = 0; i < 4; i++)
		out[at + i] = (unsigned char)(v >> (8 * (3 - i)));
}

__attribute__((noreturn)) static void die(const char *msg, const char *arg)
{
	fprintf(stderr, "gm-mkimage: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	exit(2);
}

static void parse_track(char *arg, struct track *t)
{
	char *opt, *colon = strchr(arg, ':');

	if (colon == NULL || colon - arg >= (long)sizeof(t->mode))
		die("bad track", arg);
	memset(t, 0, sizeof(*t));
	memcpy(t->mode, arg, (size_t)(colon - arg));
	t->sectors = strtol(colon + 1, &opt, 10);
	if (strcmp(t->mode, "audio") && strcmp(t->mode, "mode1")
	    && strcmp(t->mode, "mode2") && strcmp(t->mode, "mode1c"))
		die("bad track mode", t->mode);
	t->ctl = strcmp(t->mode, "audio") ? 4 : 0;
	while (*opt == ',') {
		char *key = opt + 1, *end = strchr(key, ',');

		if (end)
			*end = '\0';
		if (strncmp(key, "pre=", 4) == 0)
			t->pre = strtol(key + 4, NULL, 10);
		else if (strncmp(key, "gap=", 4) == 0)
			t->gap = strtol(key + 4, NULL, 10);
		else if (strncmp(key, "idx2=", 5) == 0)
			t->idx2 = strtol(key + 5, NULL, 10);
		else if (strncmp(key, "isrc=", 5) == 0 && strlen(key + 5) == 12)
			memcpy(t->isrc, key + 5, 13);
		else if (strncmp(key, "title=", 6) == 0)
			t->title = key + 6;
		else if (strcmp(key, "dcp") == 0)
			t->ctl |= 2;
		else if (strcmp(key, "pre-emph") == 0)
			t->ctl |= 1;
		else
			die("bad track option", key);
		if (!end)
			break;
		*end = ',';
		opt = end;
	}
	if (t->sectors <= t->pre || t->pre < 0 || t->gap < 0 || t->idx2 < 0)
		die("bad track sizes", arg);
}

/* Addresses: the BIN's first sector is LBA 0. */
static void lay_out(void)
{
	long lba = 0;
	unsigned long long in_off = 0;

	for (int i = 0; i < ntracks; i++) {
		struct track *t = &tracks[i];

		t->session = i < session1 ? 1 : 2;
		if (i > 0 && t->session != tracks[i - 1].session)
			lba += 6750 + 4500;
		t->lba0 = lba;
		t->lba1 = lba + t->gap + t->pre;
		t->end = lba + t->gap + t->sectors;
		t->in_off = in_off;
		in_off += (unsigned long long)t->sectors * 2352;
		lba = t->end;
		if (t->idx2 && t->lba1 + t->idx2 >= t->end)
			die("index 2 beyond the track", t->mode);
	}
	if (tracks[0].gap || tracks[0].pre)
		die("track 1 has a pregap in the BIN", NULL);
	/* a disc's first track has the 150 sectors before LBA 0 */
	tracks[0].lba0 = -150;
}

/* ------------------------------------------------------------------ */
/* CD-TEXT */

static unsigned char packs[256][18];
static int npacks;
static int type_count[16];

static void pack_strings(unsigned type, const char *const *text, int count)
{
	unsigned char buf[8192];
	size_t len = 0;
	int track_of[8192];

	for (int k = 0; k < count; k++) {
		const char *s = text[k] ? text[k] : "";
		size_t n = strlen(s) + 1;

		for (size_t j = 0; j < n; j++)
			track_of[len + j] = k;
		memcpy(buf + len, s, n);
		len += n;
	}
	for (size_t pos = 0; pos < len; pos += 12) {
		unsigned char *p = packs[npacks];
		size_t start = pos, charpos = 0;
		uint16_t crc;

		while (start > 0 && buf[start - 1] != '\0') {
			start--;
			charpos++;
		}
		p[0] = (unsigned char)type;
		p[1] = (unsigned char)track_of[pos];
		p[2] = (unsigned char)npacks;
		p[3] = (unsigned char)(charpos > 15 ? 15 : charpos);
		memset(p + 4, 0, 12);
		memcpy(p + 4, buf + pos, len - pos < 12 ? len - pos : 12);
		crc = (uint16_t)~gm_crc16(p, 16);
		p[16] = (unsigned char)(crc >> 8);
		p[17] = (unsigned char)crc;
		npacks++;
		type_count[type - 0x80]++;
	}
}

static void make_cdtext(void)
{
	const char *titles[100], *performers[1];
	unsigned char info[36];

	titles[0] = disc_title;
	performers[0] = disc_performer;
	for (int i = 0; i < ntracks; i++)
		titles[i + 1] = tracks[i].title;
	pack_strings(0x80, titles, ntracks + 1);
	if (disc_performer)
		pack_strings(0x81, performers, 1);
	/* the size information: three packs of type 0x8F */
	type_count[15] = 3;
	memset(info, 0, sizeof(info));
	info[0] = 0x00;			/* ISO 8859-1 */
	info[1] = 1;
	info[2] = (unsigned char)ntracks;
	for (int k = 0; k < 16; k++)
		info[4 + k] = (unsigned char)type_count[k];
	info[20] = (unsigned char)(npacks + 3 - 1);	/* last sequence number */
	info[28] = 0x09;		/* English */
	for (int k = 0; k < 3; k++) {
		unsigned char *p = packs[npacks];
		uint16_t crc;

		p[0] = 0x8f;
		p[1] = (unsigned char)k;
		p[2] = (unsigned char)npacks;
		p[3] = 0;
		memcpy(p + 4, info + 12 * k, 12);
		crc = (uint16_t)~gm_crc16(p, 16);
		p[16] = (unsigned char)(crc >> 8);
		p[17] = (unsigned char)crc;
		npacks++;
	}
}

/* ------------------------------------------------------------------ */
/* NRG */

static unsigned nrg_mode(const struct track *t)
{
	if (strcmp(t->mode, "audio") == 0)
		return 0x07;
	if (strcmp(t->mode, "mode1") == 0)
		return 0x05;
	if (strcmp(t->mode, "mode2") == 0)
		return 0x06;
	return 0x00;	/* mode1c */
}

static void cue_entry(bool v2, unsigned ctl, unsigned track, unsigned index,
		      long lba)
{
	put8(ctl << 4 | 1);
	put8(track == 0xaa ? 0xaa : gm_bcd_encode(track));
	put8(gm_bcd_encode(index));
	put8(0);
	if (v2) {
		be((unsigned long)(long)lba & 0xffffffffu, 4);
	} else {
		long f = lba + 150;

		put8(0);
		put8(gm_bcd_encode((unsigned)(f / 4500)));
		put8(gm_bcd_encode((unsigned)(f / 75 % 60)));
		put8(gm_bcd_encode((unsigned)(f % 75)));
	}
}

static void write_nrg(FILE *o, const unsigned char *in, bool v2, bool tao)
{
	unsigned long long first_chunk;

	/* the track data */
	for (int i = 0; i < ntracks; i++) {
		struct track *t = &tracks[i];
		bool cooked = strcmp(t->mode, "mode1c") == 0;

		t->ss = cooked ? 2048 : 2352;
		t->off0 = out_len;
		if (i == 0 && !no_lead && !tao)
			zeros(150 * (size_t)t->ss);
		t->off1 = out_len + (unsigned long long)t->pre * t->ss;
		for (long s = 0; s < t->sectors; s++) {
			const unsigned char *sec = in + t->in_off + (size_t)s * 2352;

			if (cooked)
				put(sec + 16, 2048);
			else
				put(sec, 2352);
		}
		t->off_end = out_len;
	}
	first_chunk = out_len;
	for (int s = 1; s <= 2; s++) {
		int first = -1, last = -1;

		for (int i = 0; i < ntracks; i++)
			if (tracks[i].session == s) {
				if (first < 0)
					first = i;
				last = i;
			}
		if (first < 0)
			continue;
		if (tao) {
			put(v2 ? "ETN2" : "ETNF", 4);
			be((unsigned long)(last - first + 1) * (v2 ? 32 : 20), 4);
			for (int i = first; i <= last; i++) {
				struct track *t = &tracks[i];
				unsigned long long len = t->off_end - t->off1;

				/* from index 1: a stored pregap precedes it */
				be(t->off1, v2 ? 8 : 4);
				be(len, v2 ? 8 : 4);
				be(nrg_mode(t), 4);
				/* Nero's start: the place in the file, without
				   the 150-sector gap of each track after the first */
				be((unsigned long)(t->lba1 - 150L * (i - first)), 4);
				be(0, 4);
				if (v2)
					be(len / t->ss, 4);
			}
		} else {
			size_t at;

			put(v2 ? "CUEX" : "CUES", 4);
			at = out_len;
			be(0, 4);
			cue_entry(v2, tracks[first].ctl, 0, 0,
				  tracks[first].lba0 - (s == 1 ? 0 : 150));
			for (int i = first; i <= last; i++) {
				struct track *t = &tracks[i];

				cue_entry(v2, t->ctl, (unsigned)i + 1, 0, t->lba0);
				cue_entry(v2, t->ctl, (unsigned)i + 1, 1, t->lba1);
				if (t->idx2 && with_idx2)
					cue_entry(v2, t->ctl, (unsigned)i + 1, 2, t->lba1 + t->idx2);
			}
			cue_entry(v2, tracks[last].ctl, 0xaa, 1, tracks[last].end);
			patch_be32(at, (unsigned long)(out_len - at - 4));

			put(v2 ? "DAOX" : "DAOI", 4);
			be(22 + (unsigned long)(last - first + 1) * (v2 ? 42 : 30), 4);
			be(22 + (unsigned long)(last - first + 1) * (v2 ? 42 : 30), 4);
			if (mcn) {
				put(mcn, 13);
				put8(0);
			} else {
				zeros(14);
			}
			be(0, 2);		/* TOC type */
			put8((unsigned)first + 1);
			put8((unsigned)last + 1);
			for (int i = first; i <= last; i++) {
				struct track *t = &tracks[i];

				if (t->isrc[0])
					put(t->isrc, 12);
				else
					zeros(12);
				be(t->ss, 2);
				put8(nrg_mode(t));
				put8(0);
				be(1, 2);
				be(t->off0, v2 ? 8 : 4);
				be(t->off1, v2 ? 8 : 4);
				be(t->off_end, v2 ? 8 : 4);
			}
		}
		if (s == 1 && (disc_title || disc_performer)) {
			make_cdtext();
			put("CDTX", 4);
			be((unsigned long)npacks * 18, 4);
			put(packs, (size_t)npacks * 18);
		}
		put("SINF", 4);
		be(4, 4);
		be((unsigned long)(last - first + 1), 4);
	}
	put("MTYP", 4);
	be(4, 4);
	be(1, 4);
	put("END!", 4);
	be(0, 4);
	if (v2) {
		put("NER5", 4);
		be(first_chunk, 8);
	} else {
		put("NERO", 4);
		be(first_chunk, 4);
	}
	if (fwrite(out, out_len, 1, o) != 1)
		die("cannot write", NULL);
}

/* ------------------------------------------------------------------ */
/* MDS */

static void put_msf(long lba)
{
	long f = lba + 150;

	put8((unsigned)(f / 4500));
	put8((unsigned)(f / 75 % 60));
	put8((unsigned)(f % 75));
}

static unsigned mds_mode(const struct track *t)
{
	if (strcmp(t->mode, "audio") == 0)
		return 0xa9;
	if (strcmp(t->mode, "mode1") == 0)
		return 0xaa;
	if (strcmp(t->mode, "mode2") == 0)
		return 0xab;
	die("an MDS image stores CD tracks raw: no mode1c", NULL);
	return 0;
}

static void write_mds(const char *path, long dvd_sectors)
{
	int nsessions = ntracks > session1 ? 2 : 1;
	size_t session_at = 88, entries_at[2], extra_at, footer_at, name_at;
	int nentries = 0;
	FILE *o;

	put("MEDIA DESCRIPTOR", 16);
	put8(1);
	put8(3);
	le(dvd_sectors ? 0x10 : 0x00, 2);
	le((unsigned)nsessions, 2);
	zeros(80 - 22);
	le(session_at, 4);		/* 80: the session blocks */
	le(0, 4);			/* 84: no DPM */
	zeros((size_t)nsessions * 24);
	for (int s = 1; s <= nsessions; s++) {
		int first = -1, last = -1, n;

		for (int i = 0; i < ntracks; i++)
			if (tracks[i].session == s) {
				if (first < 0)
					first = i;
				last = i;
			}
		n = last - first + 1 + (dvd_sectors ? 0 : 3);
		entries_at[s - 1] = out_len;
		patch_le32(session_at + 24 * (size_t)(s - 1),
			   (unsigned long)tracks[first].lba0);
		patch_le32(session_at + 24 * (size_t)(s - 1) + 4,
			   (unsigned long)tracks[last].end);
		out[session_at + 24 * (size_t)(s - 1) + 8] = (unsigned char)s;
		out[session_at + 24 * (size_t)(s - 1) + 10] = (unsigned char)n;
		out[session_at + 24 * (size_t)(s - 1) + 11] = dvd_sectors ? 0 : 3;
		out[session_at + 24 * (size_t)(s - 1) + 12] = (unsigned char)(first + 1);
		out[session_at + 24 * (size_t)(s - 1) + 14] = (unsigned char)(last + 1);
		patch_le32(session_at + 24 * (size_t)(s - 1) + 20, out_len);
		if (!dvd_sectors) {
			for (unsigned point = 0xa0; point <= 0xa2; point++) {
				put8(0);
				put8(0);
				put8(0x10 | tracks[point == 0xa1 ? last : first].ctl);
				put8(0);
				put8(point);
				zeros(4);
				if (point == 0xa0) {
					put8((unsigned)first + 1);
					put8(0);
					put8(0);
				} else if (point == 0xa1) {
					put8((unsigned)last + 1);
					put8(0);
					put8(0);
				} else {
					put_msf(tracks[last].end);
				}
				zeros(80 - 12);
			}
		}
		for (int i = first; i <= last; i++) {
			put8(dvd_sectors ? 0x02 : mds_mode(&tracks[i]));
			put8(0);
			put8(0x10 | tracks[i].ctl);
			put8(0);
			put8((unsigned)i + 1);
			zeros(4);
			put_msf(tracks[i].lba1);
			le(dvd_sectors ? (unsigned long)dvd_sectors : 0, 4);	/* 12 */
			le(dvd_sectors ? 2048 : 2352, 2);
			zeros(18);
			le((unsigned long)tracks[i].lba1, 4);		/* 36 */
			le(tracks[i].off1, 8);				/* 40 */
			le(1, 4);					/* 48 */
			le(0, 4);					/* 52: footer */
			zeros(24);
		}
		nentries += n;
	}
	(void)nentries;
	extra_at = out_len;
	if (!dvd_sectors)
		for (int i = 0; i < ntracks; i++) {
			le((unsigned long)(tracks[i].lba1 - tracks[i].lba0), 4);
			le((unsigned long)(tracks[i].end - tracks[i].lba1), 4);
		}
	footer_at = out_len;
	le(0, 4);
	le(0, 4);
	le(0, 4);
	le(0, 4);
	name_at = out_len;
	put("*.mdf", 6);
	patch_le32(footer_at, name_at);
	for (int s = 0; s < nsessions; s++) {
		int n = out[session_at + 24 * (size_t)s + 10];

		for (int k = 0; k < n; k++) {
			size_t e = entries_at[s] + 80 * (size_t)k;
			int point = out[e + 4];

			if (point > 99)
				continue;
			if (!dvd_sectors)
				patch_le32(e + 12, extra_at + 8 * (size_t)(point - 1));
			patch_le32(e + 52, footer_at);
		}
	}
	o = fopen(path, "wb");
	if (o == NULL || fwrite(out, out_len, 1, o) != 1 || fclose(o) != 0)
		die("cannot write", path);
}

int main(int argc, char **argv)
{
	const char *format, *in_path, *out_path;
	unsigned char *in;
	long in_size = 0;
	FILE *f;
	int c;

	while ((c = getopt(argc, argv, "c:t:p:s:L2")) != -1) {
		switch (c) {
		case 'c': mcn = optarg; break;
		case 't': disc_title = optarg; break;
		case 'p': disc_performer = optarg; break;
		case 's': session1 = (int)strtol(optarg, NULL, 10); break;
		case 'L': no_lead = 1; break;
		case '2': with_idx2 = 1; break;
		default: goto usage;
		}
	}
	if (argc - optind < 4 && !(argc - optind == 3 && strcmp(argv[optind], "mds-dvd") == 0))
		goto usage;
	format = argv[optind];
	in_path = argv[optind + 1];
	out_path = argv[optind + 2];
	f = fopen(in_path, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (in_size = ftell(f)) <= 0)
		die("cannot read", in_path);
	rewind(f);
	in = malloc((size_t)in_size);
	if (in == NULL || fread(in, (size_t)in_size, 1, f) != 1)
		die("cannot read", in_path);
	fclose(f);
	for (int i = optind + 3; i < argc; i++) {
		if (ntracks == 99)
			die("too many tracks", NULL);
		parse_track(argv[i], &tracks[ntracks++]);
	}
	if (strcmp(format, "mds-dvd") == 0) {
		char *mdf;
		size_t len = strlen(out_path);

		if (in_size % 2048)
			die("not a whole number of 2048-byte sectors", in_path);
		ntracks = 1;
		memset(&tracks[0], 0, sizeof(tracks[0]));
		tracks[0].ctl = 4;
		tracks[0].session = 1;
		tracks[0].end = in_size / 2048;
		write_mds(out_path, in_size / 2048);
		mdf = malloc(len + 1);
		memcpy(mdf, out_path, len + 1);
		if (len < 4)
			die("bad output name", out_path);
		memcpy(mdf + len - 4, ".mdf", 4);
		f = fopen(mdf, "wb");
		if (f == NULL || fwrite(in, (size_t)in_size, 1, f) != 1 || fclose(f) != 0)
			die("cannot write", mdf);
		free(mdf);
		free(in);
		free(out);
		return 0;
	}
	{
		long need = 0;

		for (int i = 0; i < ntracks; i++)
			need += tracks[i].sectors * 2352;
		if (need != in_size)
			die("the tracks do not add up to the size of IN", in_path);
	}
	lay_out();
	if (strncmp(format, "nrg", 3) == 0 || strncmp(format, "tao", 3) == 0) {
		f = fopen(out_path, "wb");
		if (f == NULL)
			die("cannot write", out_path);
		write_nrg(f, in, format[3] == '2', format[0] == 't');
		if (fclose(f) != 0)
			die("cannot write", out_path);
	} else if (strcmp(format, "mds") == 0) {
		char *mdf;
		size_t len = strlen(out_path);

		for (int i = 0; i < ntracks; i++) {
			if (tracks[i].pre && tracks[i].gap)
				die("an MDS pregap is stored or not, not both", NULL);
			tracks[i].off1 = tracks[i].in_off + (unsigned long long)tracks[i].pre * 2352;
		}
		write_mds(out_path, 0);
		if (len < 4)
			die("bad output name", out_path);
		mdf = malloc(len + 1);
		memcpy(mdf, out_path, len + 1);
		memcpy(mdf + len - 4, ".mdf", 4);
		f = fopen(mdf, "wb");
		if (f == NULL || fwrite(in, (size_t)in_size, 1, f) != 1 || fclose(f) != 0)
			die("cannot write", mdf);
		free(mdf);
	} else {
		goto usage;
	}
	free(in);
	free(out);
	return 0;
usage:
	fprintf(stderr, "usage: gm-mkimage [-c MCN] [-t TITLE] [-p PERFORMER] "
		"[-s N] [-L] [-2] FORMAT IN OUT TRACK...\n");
	return 2;
}
