/*
 * ccd.c - CloneCD images: the .ccd sheet, the .img beside it holding every
 * sector of the disc as 2352 raw bytes from LBA 0, and the optional .sub
 * holding 96 bytes of subchannel per sector in CloneCD order (12 bytes of
 * P, 12 of Q, ... 12 of W; ECMA-130 22).
 *
 * The sheet is an INI file: [CloneCD] Version; [Disc] TocEntries, Sessions,
 * DataTracksScrambled, CDTextLength, CATALOG; [CDText] the raw CD-TEXT
 * packs (MMC READ TOC format 5, without their CRC); [Session N] PreGapMode,
 * PreGapSubC; [Entry K] one entry of the full TOC (MMC READ TOC format 2:
 * Session, Point, ADR, Control, TrackNo, AMin, ASec, AFrame, ALBA, Zero,
 * PMin, PSec, PFrame, PLBA; decimal or 0x hexadecimal); [TRACK N] MODE
 * (0 audio, 1, 2), INDEX n=LBA, FLAGS, ISRC.
 * Read: the TOC's tracks (points 0x01-0x63 of ADR 1) placed by their PLBA,
 * their indexes from [TRACK N], first and last track (A0, A1) checked, the
 * lead-out of each session (A2); a track ends where the next one's index 0
 * starts or at its session's lead-out.  The .img holds the tracks one after
 * the other: in the first session a sector's position is its LBA; the
 * lead-out and lead-in between sessions are not stored.  CD-TEXT packs of
 * block 0 (TITLE ... MESSAGE) are decoded.
 * Write: single-session CDs whose first track starts at LBA 0: every sector
 * up to the lead-out into the .img (unstored gaps synthesised), the
 * subchannel the source has or generates into the .sub, the TOC (A0, A1,
 * A2 and one entry per track), indexes, FLAGS, ISRC, CATALOG and CD-TEXT
 * (with its size information packs) into the .ccd, which is renamed last.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "image_private.h"
#include "banned.h"

#define CCD_MAX_ENTRIES 1024	/* [Entry K]: K below this */
#define CCD_MAX_PACKS 2048	/* CD-TEXT: 8 blocks of 256 packs */
#define CCD_PACK 16		/* a CD-TEXT pack without its CRC (as the
				   .ccd stores it; the encoder's have it) */
#define CCD_MAX_SESSIONS 99

/* The POINTs of the lead-in this reader interprets (ADR 1). */
#define POINT_FIRST 0xa0	/* PMIN: first track, PSEC: disc type */
#define POINT_LAST 0xa1		/* PMIN: last track */
#define POINT_LEADOUT 0xa2	/* PMIN:PSEC:PFRAME: the lead-out */

/* Disc types of point A0's PSEC (MMC READ TOC format 2). */
#define DISC_TYPE_CDROM 0x00
#define DISC_TYPE_CDI 0x10
#define DISC_TYPE_XA 0x20

/* CD-TEXT pack types 0x80..0x85 in the order of enum gm_cdtext_field. */
#define PACK_TITLE 0x80
#define PACK_SIZE_INFO 0x8f

/* ------------------------------------------------------------------ */
/* Reading */

enum ccd_section {
	SEC_NONE, SEC_CLONECD, SEC_DISC, SEC_CDTEXT, SEC_SESSION, SEC_ENTRY,
	SEC_TRACK, SEC_OTHER
};

/* The fields of an [Entry K], in the order CloneCD writes them. */
enum ccd_field {
	F_SESSION, F_POINT, F_ADR, F_CONTROL, F_TRACKNO, F_AMIN, F_ASEC,
	F_AFRAME, F_ALBA, F_ZERO, F_PMIN, F_PSEC, F_PFRAME, F_PLBA, F_COUNT
};

static const struct {
	const char *key;
	long min, max;
	bool required;
} entry_fields[F_COUNT] = {
	[F_SESSION] = {"Session", 1, CCD_MAX_SESSIONS, true},
	[F_POINT] = {"Point", 0, 0xff, true},
	[F_ADR] = {"ADR", 0, 0x0f, true},
	[F_CONTROL] = {"Control", 0, 0x0f, true},
	[F_TRACKNO] = {"TrackNo", 0, 0xff, false},
	[F_AMIN] = {"AMin", 0, 0xff, false},
	[F_ASEC] = {"ASec", 0, 0xff, false},
	[F_AFRAME] = {"AFrame", 0, 0xff, false},
	[F_ALBA] = {"ALBA", -450150, 450150, false},
	[F_ZERO] = {"Zero", 0, 0xff, false},
	[F_PMIN] = {"PMin", 0, 0xff, true},
	[F_PSEC] = {"PSec", 0, 0xff, true},
	[F_PFRAME] = {"PFrame", 0, 0xff, true},
	[F_PLBA] = {"PLBA", -450150, 450150, false},
};

struct ccd_entry {
	int line;		/* of its [Entry K] header, 0 when not seen */
	unsigned have;		/* a bit per field given */
	long v[F_COUNT];
};

struct ccd_track {
	int line;		/* of its [TRACK N] header, 0 when not seen */
	int mode;		/* MODE=, -1 when not given */
	long index[100];	/* INDEX n= as written */
	bool has_index[100];
	uint8_t flags;		/* GM_CTL_* from FLAGS= */
	bool scms;
	char isrc[13];
	const struct ccd_entry *entry;	/* its TOC entry, or NULL */
};

struct ccd_session {
	const struct ccd_entry *first, *last, *leadout;	/* A0, A1, A2 */
	int line;		/* of its [Session N] header */
};

struct ccd_parser {
	struct gm_ctx *ctx;
	const char *path;
	struct gm_disc *disc;
	int line;
	enum ccd_section section;
	unsigned number;	/* of the current [Session], [Entry], [TRACK] */
	bool seen_clonecd, seen_disc, seen_cdtext;
	long toc_entries;	/* -1 when not given */
	int toc_entries_line;
	long cdtext_entries;	/* -1 when not given */
	int cdtext_line;
	struct ccd_session sessions[CCD_MAX_SESSIONS + 1];
	struct ccd_entry entries[CCD_MAX_ENTRIES];
	struct ccd_track tracks[100];
	uint8_t packs[CCD_MAX_PACKS][CCD_PACK];
	bool has_pack[CCD_MAX_PACKS];
	char text[CCD_MAX_PACKS * 12 + 1];	/* one CD-TEXT string */
};

static int ccd_error_code(struct ccd_parser *ps, enum gm_err code,
			  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int ccd_error_code(struct ccd_parser *ps, enum gm_err code,
			  const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gm_error_set(ps->ctx, code, "clonecd sheet '%s' line %d: %s",
			    ps->path, ps->line, msg);
}

#define ccd_error(ps, ...) ccd_error_code(ps, GM_ERR_FORMAT, __VA_ARGS__)

/* Report at another line than the current one. */
#define ccd_error_at(ps, at, ...) \
	((ps)->line = (at), ccd_error_code(ps, GM_ERR_FORMAT, __VA_ARGS__))

static char *trim(char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	return s;
}

/* A decimal or 0x-hexadecimal integer, optionally negative, in min..max. */
static bool to_long(const char *s, long min, long max, long *out)
{
	const char *p = s;
	bool neg = false;
	int base = 10;
	char *end;
	long long v;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	/* strtoll alone would take spaces, a second sign or a second 0x */
	if (!(base == 16 ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p))
	    || strpbrk(p, "xX+- \t") != NULL)
		return false;
	errno = 0;
	v = strtoll(p, &end, base);
	if (errno != 0 || *end != '\0')
		return false;
	if (neg)
		v = -v;
	if (v < min || v > max)
		return false;
	*out = (long)v;
	return true;
}

static int parse_int(struct ccd_parser *ps, const char *key, const char *s,
		     long min, long max, long *out)
{
	if (!to_long(s, min, max, out))
		return ccd_error(ps, "%s=%s is not a number from %ld to %ld", key, s,
				 min, max);
	return 0;
}

/* "[Name]" or "[Name N]": the section a header opens. */
static int parse_section(struct ccd_parser *ps, char *line)
{
	static const struct {
		const char *name;
		enum ccd_section section;
		long max;	/* of N; 0: the section has no number */
	} names[] = {
		{"CloneCD", SEC_CLONECD, 0},
		{"Disc", SEC_DISC, 0},
		{"CDText", SEC_CDTEXT, 0},
		{"Session", SEC_SESSION, CCD_MAX_SESSIONS},
		{"Entry", SEC_ENTRY, CCD_MAX_ENTRIES - 1},
		{"TRACK", SEC_TRACK, 99},
	};
	size_t len = strlen(line), i, nlen;
	char *name, *num;
	long n = 0;

	if (line[len - 1] != ']')
		return ccd_error(ps, "section header '%s' lacks its ']'", line);
	line[len - 1] = '\0';
	name = trim(line + 1);
	nlen = strcspn(name, " \t");
	num = name[nlen] ? trim(name + nlen) : name + nlen;
	name[nlen] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i].name) == 0)
			break;
	if (i == sizeof(names) / sizeof(names[0])) {
		ps->section = SEC_OTHER;	/* a later version's: skipped */
		return 0;
	}
	if (names[i].max == 0 && *num != '\0')
		return ccd_error(ps, "[%s] takes no number", names[i].name);
	if (names[i].max != 0) {
		if (*num == '\0')
			return ccd_error(ps, "[%s] lacks its number", names[i].name);
		long min = names[i].section == SEC_ENTRY ? 0 : 1;

		if (!to_long(num, min, names[i].max, &n))
			return ccd_error(ps, "[%s %s] is not numbered from %ld to %ld",
					 names[i].name, num, min, names[i].max);
	}
	ps->section = names[i].section;
	ps->number = (unsigned)n;
	switch (ps->section) {
	case SEC_CLONECD:
		if (ps->seen_clonecd)
			return ccd_error(ps, "a second [CloneCD] section");
		ps->seen_clonecd = true;
		break;
	case SEC_DISC:
		if (ps->seen_disc)
			return ccd_error(ps, "a second [Disc] section");
		ps->seen_disc = true;
		break;
	case SEC_CDTEXT:
		if (ps->seen_cdtext)
			return ccd_error(ps, "a second [CDText] section");
		ps->seen_cdtext = true;
		ps->cdtext_line = ps->line;
		break;
	case SEC_SESSION:
		if (ps->sessions[n].line)
			return ccd_error(ps, "[Session %ld] given twice", n);
		ps->sessions[n].line = ps->line;
		break;
	case SEC_ENTRY:
		if (ps->entries[n].line)
			return ccd_error(ps, "[Entry %ld] given twice", n);
		ps->entries[n].line = ps->line;
		break;
	case SEC_TRACK:
		if (ps->tracks[n].line)
			return ccd_error(ps, "[TRACK %ld] given twice", n);
		ps->tracks[n].line = ps->line;
		ps->tracks[n].mode = -1;
		break;
	default:
		break;
	}
	return 0;
}

static int key_disc(struct ccd_parser *ps, const char *key, const char *value)
{
	long v;
	int ret;

	if (strcasecmp(key, "TocEntries") == 0) {
		ps->toc_entries_line = ps->line;
		return parse_int(ps, key, value, 0, CCD_MAX_ENTRIES, &ps->toc_entries);
	}
	if (strcasecmp(key, "Sessions") == 0)
		return parse_int(ps, key, value, 1, CCD_MAX_SESSIONS, &v);
	if (strcasecmp(key, "CDTextLength") == 0)
		return parse_int(ps, key, value, 0, CCD_MAX_PACKS * 18L, &v);
	if (strcasecmp(key, "DataTracksScrambled") == 0) {
		if ((ret = parse_int(ps, key, value, 0, 1, &v)) != 0)
			return ret;
		if (v == 1)
			return ccd_error_code(ps, GM_ERR_UNSUPPORTED, "scrambled data "
					      "tracks are not supported");
		return 0;
	}
	if (strcasecmp(key, "CATALOG") == 0) {
		if (*value == '\0')
			return 0;
		if (strlen(value) != 13 || strspn(value, "0123456789") != 13)
			return ccd_error(ps, "CATALOG=%s is not a 13-digit catalog "
					 "number", value);
		memcpy(ps->disc->mcn, value, 14);
		return 0;
	}
	return 0;	/* keys of other versions */
}

static int key_session(struct ccd_parser *ps, const char *key, const char *value)
{
	long v;

	if (strcasecmp(key, "PreGapMode") == 0)
		return parse_int(ps, key, value, 0, 2, &v);
	if (strcasecmp(key, "PreGapSubC") == 0)
		return parse_int(ps, key, value, 0, 0xff, &v);
	return 0;
}

static int key_entry(struct ccd_parser *ps, const char *key, const char *value)
{
	struct ccd_entry *e = &ps->entries[ps->number];

	for (int f = 0; f < F_COUNT; f++) {
		if (strcasecmp(key, entry_fields[f].key) != 0)
			continue;
		if (e->have & (1u << f))
			return ccd_error(ps, "%s given twice in [Entry %u]",
					 entry_fields[f].key, ps->number);
		e->have |= 1u << f;
		return parse_int(ps, key, value, entry_fields[f].min,
				 entry_fields[f].max, &e->v[f]);
	}
	return 0;
}

static int key_track(struct ccd_parser *ps, char *key, char *value)
{
	struct ccd_track *t = &ps->tracks[ps->number];
	long v;
	int ret;

	if (strncasecmp(key, "INDEX", 5) == 0 && (key[5] == ' ' || key[5] == '\t')) {
		long n;

		if ((ret = parse_int(ps, "INDEX", trim(key + 5), 0, 99, &n)) != 0)
			return ret;
		if (t->has_index[n])
			return ccd_error(ps, "INDEX %ld given twice in [TRACK %u]", n,
					 ps->number);
		if ((ret = parse_int(ps, key, value, 0, GM_LBA_MAX, &v)) != 0)
			return ret;
		t->has_index[n] = true;
		t->index[n] = v;
		return 0;
	}
	if (strcasecmp(key, "MODE") == 0) {
		if ((ret = parse_int(ps, key, value, 0, 2, &v)) != 0)
			return ret;
		t->mode = (int)v;
		return 0;
	}
	if (strcasecmp(key, "ISRC") == 0) {
		if (*value == '\0')
			return 0;
		if (!gm_isrc_valid(value))
			return ccd_error(ps, "ISRC=%s is not an ISRC (CCOOOYYNNNNN: 5 "
					 "letters or digits, then 7 digits)", value);
		memcpy(t->isrc, value, 13);
		return 0;
	}
	if (strcasecmp(key, "FLAGS") == 0) {
		char *save = NULL;

		for (char *flag = strtok_r(value, " \t", &save); flag;
		     flag = strtok_r(NULL, " \t", &save)) {
			if (strcasecmp(flag, "DCP") == 0)
				t->flags |= GM_CTL_DCP;
			else if (strcasecmp(flag, "4CH") == 0)
				t->flags |= GM_CTL_4CH;
			else if (strcasecmp(flag, "PRE") == 0)
				t->flags |= GM_CTL_PRE;
			else if (strcasecmp(flag, "DATA") == 0)
				t->flags |= GM_CTL_DATA;
			else if (strcasecmp(flag, "SCMS") == 0)
				t->scms = true;
			else
				return ccd_error(ps, "flag '%s' is unknown (DCP, 4CH, PRE, "
						 "SCMS)", flag);
		}
		return 0;
	}
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int key_cdtext(struct ccd_parser *ps, char *key, const char *value)
{
	uint8_t pack[18];
	unsigned n = 0;
	long k;
	int ret;

	if (strcasecmp(key, "Entries") == 0)
		return parse_int(ps, key, value, 0, CCD_MAX_PACKS, &ps->cdtext_entries);
	if (strncasecmp(key, "Entry", 5) != 0 || (key[5] != ' ' && key[5] != '\t'))
		return 0;
	if ((ret = parse_int(ps, "Entry", trim(key + 5), 0, CCD_MAX_PACKS - 1, &k)) != 0)
		return ret;
	if (ps->has_pack[k])
		return ccd_error(ps, "CD-TEXT Entry %ld given twice", k);
	/* 16 bytes (CloneCD) or 18 (with the CRC) in hexadecimal */
	for (const char *p = value; *p;) {
		int hi, lo;

		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		hi = hex_digit(p[0]);
		lo = hi < 0 ? -1 : hex_digit(p[1]);
		if (lo < 0 || (p[2] != '\0' && p[2] != ' ' && p[2] != '\t') || n == 18)
			return ccd_error(ps, "CD-TEXT Entry %ld is not 16 bytes in "
					 "hexadecimal", k);
		pack[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	if (n != 16 && n != 18)
		return ccd_error(ps, "CD-TEXT Entry %ld is not 16 bytes in hexadecimal", k);
	memcpy(ps->packs[k], pack, CCD_PACK);
	ps->has_pack[k] = true;
	return 0;
}

static int parse_line(struct ccd_parser *ps, char *line)
{
	char *eq, *key, *value;

	line = trim(line);
	if (*line == '\0' || *line == ';' || *line == '#')
		return 0;
	if (*line == '[')
		return parse_section(ps, line);
	eq = strchr(line, '=');
	if (eq == NULL)
		return ccd_error(ps, "'%s' is neither a [section] nor key=value", line);
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (*key == '\0')
		return ccd_error(ps, "a value without a key");
	switch (ps->section) {
	case SEC_NONE:
		return ccd_error(ps, "%s= before any [section]", key);
	case SEC_DISC:
		return key_disc(ps, key, value);
	case SEC_CDTEXT:
		return key_cdtext(ps, key, value);
	case SEC_SESSION:
		return key_session(ps, key, value);
	case SEC_ENTRY:
		return key_entry(ps, key, value);
	case SEC_TRACK:
		return key_track(ps, key, value);
	case SEC_CLONECD:
		if (strcasecmp(key, "Version") == 0) {
			long v;

			return parse_int(ps, key, value, 1, 99, &v);
		}
		return 0;
	case SEC_OTHER:
		return 0;
	}
	return 0;
}

/* The LBA of an entry's PMIN:PSEC:PFRAME, checked against its PLBA. */
static int entry_lba(struct ccd_parser *ps, const struct ccd_entry *e,
		     int32_t *lba)
{
	struct gm_msf msf = {
		(uint8_t)e->v[F_PMIN], (uint8_t)e->v[F_PSEC], (uint8_t)e->v[F_PFRAME]
	};

	if (!gm_msf_valid(msf) || e->v[F_PMIN] > 99)
		return ccd_error_at(ps, e->line, "PMin:PSec:PFrame %ld:%ld:%ld is not "
				    "an address (sec < 60, frame < 75)", e->v[F_PMIN],
				    e->v[F_PSEC], e->v[F_PFRAME]);
	*lba = gm_msf_to_lba(msf);
	if (*lba < 0 || *lba > GM_LBA_MAX)
		return ccd_error_at(ps, e->line, "PMin:PSec:PFrame %02ld:%02ld:%02ld "
				    "is outside the program area", e->v[F_PMIN],
				    e->v[F_PSEC], e->v[F_PFRAME]);
	if ((e->have & (1u << F_PLBA)) && e->v[F_PLBA] != *lba)
		return ccd_error_at(ps, e->line, "PLBA=%ld is not PMin:PSec:PFrame "
				    "%02ld:%02ld:%02ld (LBA %ld)", e->v[F_PLBA],
				    e->v[F_PMIN], e->v[F_PSEC], e->v[F_PFRAME],
				    (long)*lba);
	return 0;
}

/* Check the entries and attach those of ADR 1 to tracks and sessions. */
static int read_toc(struct ccd_parser *ps)
{
	unsigned count = 0;

	for (unsigned k = 0; k < CCD_MAX_ENTRIES; k++) {
		struct ccd_entry *e = &ps->entries[k];
		const struct ccd_entry **slot;
		unsigned point, session;

		if (!e->line)
			continue;
		count++;
		if (ps->toc_entries >= 0 && k >= ps->toc_entries)
			return ccd_error_at(ps, e->line, "[Entry %u] is beyond "
					    "TocEntries=%ld", k, ps->toc_entries);
		for (int f = 0; f < F_COUNT; f++)
			if (entry_fields[f].required && !(e->have & (1u << f)))
				return ccd_error_at(ps, e->line, "[Entry %u] has no %s=",
						    k, entry_fields[f].key);
		if (e->v[F_ADR] != 1)
			continue;	/* ADR 5 (B0, C0, ...) and others */
		point = (unsigned)e->v[F_POINT];
		session = (unsigned)e->v[F_SESSION];
		if (point >= 1 && point <= 99) {
			int32_t lba;
			int ret = entry_lba(ps, e, &lba);

			if (ret != 0)
				return ret;
			if (ps->tracks[point].entry)
				return ccd_error_at(ps, e->line, "a second TOC entry for "
						    "track %u", point);
			if (!ps->tracks[point].line)
				return ccd_error_at(ps, e->line, "the TOC names track %u, "
						    "which has no [TRACK %u] section",
						    point, point);
			ps->tracks[point].entry = e;
			continue;
		}
		if (point == POINT_FIRST)
			slot = &ps->sessions[session].first;
		else if (point == POINT_LAST)
			slot = &ps->sessions[session].last;
		else if (point == POINT_LEADOUT)
			slot = &ps->sessions[session].leadout;
		else
			continue;
		if (*slot)
			return ccd_error_at(ps, e->line, "a second entry with Point=0x%02x "
					    "in session %u", point, session);
		*slot = e;
		if (point == POINT_LEADOUT) {
			int32_t lba;
			int ret = entry_lba(ps, e, &lba);

			if (ret != 0)
				return ret;
		}
	}
	if (ps->toc_entries >= 0 && count != ps->toc_entries)
		return ccd_error_at(ps, ps->toc_entries_line, "TocEntries=%ld, but "
				    "there are %u [Entry] sections", ps->toc_entries,
				    count);
	return 0;
}

/* ------------------------------------------------------------------ */
/* CD-TEXT packs (Red Book CD-TEXT; MMC-6 Annex J) */

static void cdtext_set(struct gm_disc *d, unsigned track, int field,
		       const char *text)
{
	char **slot = NULL, *copy;

	if (track == 0)
		slot = &d->cdtext[field];
	for (unsigned i = 0; slot == NULL && i < d->ntracks; i++)
		if (d->tracks[i].number == track)
			slot = &d->tracks[i].cdtext[field];
	if (slot == NULL)
		return;		/* text of a track the disc has not */
	copy = gm_strdup(text);
	if (copy != NULL) {
		free(*slot);
		*slot = copy;
	}
}

static const char *cdtext_get(const struct gm_disc *d, unsigned track,
			      int field)
{
	if (track == 0)
		return d->cdtext[field];
	for (unsigned i = 0; i < d->ntracks; i++)
		if (d->tracks[i].number == track)
			return d->tracks[i].cdtext[field];
	return NULL;
}

/*
 * The strings of the packs of block 0: per type, the text of the disc
 * (track 0) and of each track follow one another, each ending with a NUL,
 * starting with the track the first pack names; a lone TAB repeats the
 * previous track's string.  Double-byte blocks are skipped.
 */
static int cdtext_decode(struct ccd_parser *ps)
{
	struct gm_disc *d = ps->disc;

	if (ps->cdtext_entries >= 0) {
		for (long k = 0; k < CCD_MAX_PACKS; k++)
			if (ps->has_pack[k] && k >= ps->cdtext_entries)
				return ccd_error_at(ps, ps->cdtext_line, "CD-TEXT Entry "
						    "%ld is beyond Entries=%ld", k,
						    ps->cdtext_entries);
	}
	for (int field = 0; field < GM_CDTEXT_COUNT; field++) {
		unsigned track = 0;
		size_t len = 0;
		bool started = false;

		for (unsigned k = 0; k < CCD_MAX_PACKS; k++) {
			const uint8_t *p = ps->packs[k];

			if (!ps->has_pack[k] || p[0] != PACK_TITLE + field
			    || (p[3] & 0xf0) != 0)	/* block 0, single-byte */
				continue;
			if (!started) {
				track = p[1] & 0x7f;
				started = true;
			}
			for (int i = 4; i < CCD_PACK; i++) {
				if (p[i] != '\0') {
					ps->text[len++] = (char)p[i];
					continue;
				}
				ps->text[len] = '\0';
				if (len == 1 && ps->text[0] == '\t' && track > 0) {
					const char *prev = cdtext_get(d, track - 1, field);

					if (prev != NULL)
						cdtext_set(d, track, field, prev);
				} else if (len > 0) {
					cdtext_set(d, track, field, ps->text);
				}
				track++;
				len = 0;
			}
		}
		if (len > 0) {
			ps->text[len] = '\0';
			cdtext_set(d, track, field, ps->text);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The disc from the parsed sheet */

/* Fill the tracks' numbers, modes, sessions, flags and indexes. */
static int build_tracks(struct ccd_parser *ps)
{
	struct gm_disc *d = ps->disc;
	bool with_toc = false;
	unsigned prev = 0;

	for (unsigned n = 1; n <= 99; n++)
		if (ps->tracks[n].entry)
			with_toc = true;
	for (unsigned n = 1; n <= 99; n++) {
		struct ccd_track *ct = &ps->tracks[n];
		struct gm_track *t;
		const struct ccd_session *s;
		unsigned session = 1, disc_type = DISC_TYPE_CDROM;
		long base;

		if (!ct->line)
			continue;
		if (prev && n != prev + 1)
			return ccd_error_at(ps, ct->line, "[TRACK %u] follows [TRACK %u]",
					    n, prev);
		prev = n;
		if (with_toc && !ct->entry)
			return ccd_error_at(ps, ct->line, "track %u is not in the TOC "
					    "(no [Entry] with Point=0x%02x)", n, n);
		if (ct->mode < 0)
			return ccd_error_at(ps, ct->line, "[TRACK %u] has no MODE=", n);
		if (!ct->has_index[1])
			return ccd_error_at(ps, ct->line, "[TRACK %u] has no INDEX 1=", n);
		if (ct->entry)
			session = (unsigned)ct->entry->v[F_SESSION];
		s = &ps->sessions[session];
		if (s->first)
			disc_type = (unsigned)s->first->v[F_PSEC];
		t = &d->tracks[d->ntracks];
		memset(t, 0, sizeof(*t));
		t->number = (uint8_t)n;
		t->session = (uint8_t)session;
		t->sub_file = -1;
		t->mode = ct->mode == 0 ? GM_TRACK_AUDIO : ct->mode == 1 ? GM_TRACK_MODE1
			  : disc_type == DISC_TYPE_CDI ? GM_TRACK_CDI : GM_TRACK_MODE2;
		t->control = (uint8_t)((ct->entry ? ct->entry->v[F_CONTROL] : 0) | ct->flags);
		t->scms = ct->scms;
		memcpy(t->isrc, ct->isrc, sizeof(t->isrc));
		if (d->ntracks > 0) {
			unsigned before = d->tracks[d->ntracks - 1].session;

			if (session != before && session != before + 1)
				return ccd_error_at(ps, ct->line, "track %u is in session "
						    "%u after session %u", n, session,
						    before);
		} else if (session != 1) {
			return ccd_error_at(ps, ct->line, "the first track is in "
					    "session %u", session);
		}
		/*
		 * The TOC places the track (index 1); the indexes of [TRACK N]
		 * are taken relative to its INDEX 1, which in the first session
		 * must be the same address.
		 */
		base = ct->index[1];
		if (ct->entry) {
			int32_t lba;
			int ret = entry_lba(ps, ct->entry, &lba);

			if (ret != 0)
				return ret;
			base = lba;
			if (session == 1 && base != ct->index[1])
				return ccd_error_at(ps, ct->line, "INDEX 1=%ld, but the TOC "
						    "places track %u at LBA %ld",
						    ct->index[1], n, base);
		}
		for (unsigned i = 2; i < 100; i++) {
			if (!ct->has_index[i])
				continue;
			if (!ct->has_index[i - 1])
				return ccd_error_at(ps, ct->line, "[TRACK %u] has INDEX %u= "
						    "without INDEX %u=", n, i, i - 1);
			if (ct->index[i] < ct->index[i - 1])
				return ccd_error_at(ps, ct->line, "INDEX %u=%ld is before "
						    "INDEX %u=%ld", i, ct->index[i], i - 1,
						    ct->index[i - 1]);
		}
		if (ct->has_index[0] && ct->index[0] > ct->index[1])
			return ccd_error_at(ps, ct->line, "INDEX 0=%ld is after INDEX 1=%ld",
					    ct->index[0], ct->index[1]);
		t->nindex = 1;
		for (unsigned i = 0; i < 100; i++) {
			long lba = base + ((ct->has_index[i] ? ct->index[i] : ct->index[1])
					   - ct->index[1]);

			if (i > 0 && !ct->has_index[i])
				continue;
			if (lba < 0 || lba > GM_LBA_MAX)
				return ccd_error_at(ps, ct->line, "INDEX %u of track %u is at "
						    "LBA %ld, outside the disc", i, n, lba);
			t->index[i] = (int32_t)lba;
			if (i > t->nindex)
				t->nindex = i;
		}
		d->ntracks++;
	}
	if (d->ntracks == 0)
		return gm_error_set(ps->ctx, GM_ERR_FORMAT, "clonecd sheet '%s' has no "
				    "[TRACK] section", ps->path);
	/* A0 and A1 name the first and last track of their session. */
	for (unsigned s = 1; s <= CCD_MAX_SESSIONS; s++) {
		const struct ccd_session *se = &ps->sessions[s];
		unsigned first = 0, last = 0;

		for (unsigned i = 0; i < d->ntracks; i++) {
			if (d->tracks[i].session != s)
				continue;
			if (!first)
				first = d->tracks[i].number;
			last = d->tracks[i].number;
		}
		if (se->first && first && se->first->v[F_PMIN] != first)
			return ccd_error_at(ps, se->first->line, "Point=0xa0 names track "
					    "%ld as the first of session %u, but it is "
					    "track %u", se->first->v[F_PMIN], s, first);
		if (se->last && last && se->last->v[F_PMIN] != last)
			return ccd_error_at(ps, se->last->line, "Point=0xa1 names track "
					    "%ld as the last of session %u, but it is "
					    "track %u", se->last->v[F_PMIN], s, last);
	}
	return 0;
}

/* The name of the sheet's companion with extension ext ("disc.img"), or
   NULL when out of memory. */
static char *companion(const char *path, const char *ext)
{
	char *stem = gm_path_stem(path), *name = NULL;

	if (stem != NULL && (name = malloc(strlen(stem) + strlen(ext) + 1)) != NULL)
		snprintf(name, strlen(stem) + strlen(ext) + 1, "%s%s", stem, ext);
	free(stem);
	return name;
}

/* Where each track ends and where it is stored; the .img and .sub. */
static int place_tracks(struct ccd_parser *ps)
{
	struct gm_disc *d = ps->disc;
	char *name, *full;
	unsigned count;
	uint64_t sectors, needed = 0;
	int img, sub = -1;

	/* (in any case: gm_disc_add_file finds DISC.IMG beside disc.ccd) */
	name = companion(ps->path, ".img");
	if (name == NULL)
		return gm_error_set(ps->ctx, GM_ERR_NOMEM, NULL);
	img = gm_disc_add_file(ps->ctx, d, ps->path, name, GM_FILE_BINARY);
	free(name);
	if (img < 0)
		return img;
	if (d->files[img].size % GM_SECTOR_RAW != 0)
		return gm_error_set(ps->ctx, GM_ERR_FORMAT, "'%s' is %llu bytes, not a "
				    "whole number of 2352-byte sectors", d->files[img].path,
				    (unsigned long long)d->files[img].size);
	sectors = d->files[img].size / GM_SECTOR_RAW;

	for (unsigned i = 0; i < d->ntracks; i++) {
		struct gm_track *t = &d->tracks[i];
		const struct ccd_track *ct = &ps->tracks[t->number];
		const struct ccd_entry *leadout = ps->sessions[t->session].leadout;
		int32_t lba;

		t->file = (unsigned)img;
		t->storage = GM_STORE_RAW;
		if (i + 1 < d->ntracks && d->tracks[i + 1].session == t->session) {
			t->end = d->tracks[i + 1].index[0];
		} else if (leadout != NULL) {
			if (entry_lba(ps, leadout, &lba) != 0)
				return -GM_ERR_FORMAT;
			t->end = lba;
		} else if (i + 1 == d->ntracks) {
			/* no lead-out in the TOC: the .img tells */
			uint64_t before = i ? d->tracks[i - 1].offset / GM_SECTOR_RAW
					      + (uint64_t)gm_track_stored(&d->tracks[i - 1])
					    : (uint64_t)t->index[0];

			t->end = t->index[0];
			if (sectors > before && sectors - before <= (uint64_t)GM_LBA_MAX)
				t->end = t->index[0] + (int32_t)(sectors - before);
		} else {
			return ccd_error_at(ps, ct->line, "session %u has no lead-out (no "
					    "[Entry] with Point=0xa2)", t->session);
		}
		if (t->end <= t->index[t->nindex])
			return ccd_error_at(ps, ct->line, "track %u has no sectors from its "
					    "INDEX %u (LBA %ld) to its end at LBA %ld",
					    t->number, t->nindex, (long)t->index[t->nindex],
					    (long)t->end);
		if (i > 0 && t->index[0] < d->tracks[i - 1].end)
			return ccd_error_at(ps, ct->line, "track %u starts at LBA %ld, "
					    "before the end of track %u at LBA %ld",
					    t->number, (long)t->index[0],
					    d->tracks[i - 1].number,
					    (long)d->tracks[i - 1].end);
		/* in the first session the position in the .img is the LBA;
		   after it, the tracks follow each other without the gaps */
		if (i == 0)
			t->offset = (uint64_t)t->index[0] * GM_SECTOR_RAW;
		else
			t->offset = d->tracks[i - 1].offset
				    + (uint64_t)gm_track_stored(&d->tracks[i - 1])
				      * GM_SECTOR_RAW;
		needed = t->offset / GM_SECTOR_RAW + (uint64_t)gm_track_stored(t);
	}
	if (needed > sectors)
		return gm_error_set(ps->ctx, GM_ERR_FORMAT, "'%s' holds %llu sectors, "
				    "but the tracks of '%s' need %llu (to LBA %ld)",
				    d->files[img].path, (unsigned long long)sectors,
				    ps->path, (unsigned long long)needed,
				    (long)d->tracks[d->ntracks - 1].end);

	/* the subchannel is optional: without it, it is generated */
	name = companion(ps->path, ".sub");
	if (name == NULL)
		return gm_error_set(ps->ctx, GM_ERR_NOMEM, NULL);
	full = gm_path_find(ps->path, name, &count, NULL, 0);
	free(full);
	if (count == 0)
		free(name);
	else {
		sub = gm_disc_add_file(ps->ctx, d, ps->path, name, GM_FILE_BINARY);
		free(name);
		if (sub < 0)
			return sub;
		d->files[sub].sub_deinterleaved = true;
		if (d->files[sub].size % GM_SUB_SIZE != 0
		    || d->files[sub].size / GM_SUB_SIZE < needed)
			return gm_error_set(ps->ctx, GM_ERR_FORMAT, "'%s' is %llu bytes, "
					    "but %llu sectors need %llu bytes of "
					    "subchannel (96 a sector)", d->files[sub].path,
					    (unsigned long long)d->files[sub].size,
					    (unsigned long long)needed,
					    (unsigned long long)needed * GM_SUB_SIZE);
		for (unsigned i = 0; i < d->ntracks; i++) {
			d->tracks[i].sub_file = sub;
			d->tracks[i].sub_offset = d->tracks[i].offset / GM_SECTOR_RAW
						  * GM_SUB_SIZE;
		}
	}
	return 0;
}

static int ccd_read(struct gm_ctx *ctx, const char *path, struct gm_disc *disc)
{
	struct ccd_parser *ps;
	char *text;
	size_t len;
	int ret = 0;

	ret = gm_read_text(ctx, path, "clonecd sheet", &text, &len);
	if (ret != 0)
		return ret;
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL) {
		free(text);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	ps->ctx = ctx;
	ps->path = path;
	ps->disc = disc;
	ps->toc_entries = -1;
	ps->cdtext_entries = -1;
	disc->format = "ccd";
	disc->media = GM_MEDIA_CD;
	for (char *line = text, *next; line && ret == 0; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		ps->line++;
		if (ps->line == 1 && (uint8_t)line[0] == 0xef
		    && (uint8_t)line[1] == 0xbb && (uint8_t)line[2] == 0xbf)
			line += 3;	/* UTF-8 byte order mark */
		line[strcspn(line, "\r")] = '\0';
		ret = parse_line(ps, line);
	}
	if (ret == 0)
		ret = read_toc(ps);
	if (ret == 0)
		ret = build_tracks(ps);
	if (ret == 0)
		ret = place_tracks(ps);
	if (ret == 0)
		ret = cdtext_decode(ps);
	if (ret == 0)
		gm_disc_finish(disc);
	free(text);
	free(ps);
	return ret;
}

static int ccd_bid(const char *path, const uint8_t *head, size_t len)
{
	size_t n = len < 4096 ? len : 4096;

	if (memchr(head, '\0', n) == NULL) {
		char buf[4097];

		memcpy(buf, head, n);
		buf[n] = '\0';
		if (strstr(buf, "[CloneCD]") != NULL)
			return 95;
	}
	return gm_path_has_ext(path, ".ccd") ? 40 : 0;
}

/* ------------------------------------------------------------------ */
/* Writing */

/* What a CloneCD image cannot hold of d, as a message; 0 when nothing. */
static int ccd_check(struct gm_ctx *ctx, const struct gm_disc *d,
		     const char *path, bool lossy)
{
	bool cdi = false, mode2 = false;

	if (d->media != GM_MEDIA_CD)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "a CloneCD image holds a "
				    "CD; this image is a %s: write an .iso",
				    d->media == GM_MEDIA_DVD ? "DVD" : "BD");
	if (d->ntracks == 0)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "there are no tracks to "
				    "write to '%s'", path);
	if (d->nsessions > 1)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "writing a disc of %u "
				    "sessions to '%s' is not supported yet (only "
				    "single-session CloneCD images are); write a .cue",
				    d->nsessions, path);
	if (d->tracks[0].index[0] != 0)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "a CloneCD image starts at "
				    "LBA 0, but track %u starts at LBA %ld: '%s' "
				    "cannot hold it", d->tracks[0].number,
				    (long)d->tracks[0].index[0], path);
	for (unsigned i = 1; i < d->ntracks; i++)
		if (d->tracks[i].index[0] != d->tracks[i - 1].end)
			return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "track %u starts "
					    "at LBA %ld, not where track %u ends (LBA "
					    "%ld): '%s' cannot hold the gap",
					    d->tracks[i].number,
					    (long)d->tracks[i].index[0],
					    d->tracks[i - 1].number,
					    (long)d->tracks[i - 1].end, path);
	for (unsigned i = 0; i < d->ntracks; i++) {
		cdi |= d->tracks[i].mode == GM_TRACK_CDI;
		mode2 |= d->tracks[i].mode == GM_TRACK_MODE2;
	}
	if (lossy)
		return 0;
	if (cdi && mode2)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' has one disc type "
				    "for all its Mode 2 tracks: the CD-i tracks would "
				    "read back as MODE2; --lossy writes them so", path);
	if (d->cdtextfile != NULL)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' cannot refer to a "
				    "CDTEXTFILE: '%s' would be lost; --lossy drops "
				    "the reference", path, d->cdtextfile);
	return 0;
}

static void put_entry(FILE *f, unsigned k, unsigned point, uint8_t control,
		      unsigned pmin, unsigned psec, unsigned pframe)
{
	fprintf(f, "[Entry %u]\nSession=1\nPoint=0x%02x\nADR=0x01\nControl=0x%02x\n"
		"TrackNo=0\nAMin=0\nASec=0\nAFrame=0\nALBA=-150\nZero=0\n"
		"PMin=%u\nPSec=%u\nPFrame=%u\nPLBA=%ld\n", k, point, control & 0x0fu,
		pmin, psec, pframe,
		(long)((pmin * 60 + psec) * GM_FRAMES_PER_SECOND + pframe)
		- GM_LBA_PREGAP);
}

static void put_sheet(FILE *f, const struct gm_disc *d,
		      uint8_t (*packs)[GM_CDTEXT_PACK], unsigned npacks)
{
	const struct gm_track *first = &d->tracks[0];
	const struct gm_track *last = &d->tracks[d->ntracks - 1];
	unsigned disc_type = DISC_TYPE_CDROM;
	struct gm_msf msf = {0, 0, 0};

	for (unsigned i = 0; i < d->ntracks; i++) {
		if (d->tracks[i].mode == GM_TRACK_CDI)
			disc_type = DISC_TYPE_CDI;
		else if (d->tracks[i].mode == GM_TRACK_MODE2 && disc_type != DISC_TYPE_CDI)
			disc_type = DISC_TYPE_XA;
	}
	fprintf(f, "[CloneCD]\nVersion=3\n[Disc]\nTocEntries=%u\nSessions=1\n"
		"DataTracksScrambled=0\nCDTextLength=%u\n", d->ntracks + 3,
		npacks * 18);
	if (d->mcn[0])
		fprintf(f, "CATALOG=%s\n", d->mcn);
	if (npacks) {
		fprintf(f, "[CDText]\nEntries=%u\n", npacks);
		for (unsigned k = 0; k < npacks; k++) {
			fprintf(f, "Entry %u=", k);
			for (int i = 0; i < CCD_PACK; i++)
				fprintf(f, "%02x%s", packs[k][i], i < CCD_PACK - 1 ? " " : "\n");
		}
	}
	fprintf(f, "[Session 1]\nPreGapMode=%d\nPreGapSubC=0\n",
		first->mode == GM_TRACK_AUDIO ? 0 : first->mode == GM_TRACK_MODE1 ? 1 : 2);
	put_entry(f, 0, POINT_FIRST, first->control, first->number, disc_type, 0);
	put_entry(f, 1, POINT_LAST, last->control, last->number, 0, 0);
	gm_lba_to_msf(d->leadout, &msf);
	put_entry(f, 2, POINT_LEADOUT, last->control, msf.m, msf.s, msf.f);
	for (unsigned i = 0; i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];

		gm_lba_to_msf(t->index[1], &msf);
		put_entry(f, 3 + i, t->number, t->control, msf.m, msf.s, msf.f);
	}
	for (unsigned i = 0; i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];

		fprintf(f, "[TRACK %u]\nMODE=%d\n", t->number, t->mode == GM_TRACK_AUDIO
			? 0 : t->mode == GM_TRACK_MODE1 ? 1 : 2);
		if (t->control & (GM_CTL_DCP | GM_CTL_4CH | GM_CTL_PRE) || t->scms)
			fprintf(f, "FLAGS=%s%s%s%s\n",
				t->control & GM_CTL_DCP ? " DCP" : "",
				t->control & GM_CTL_4CH ? " 4CH" : "",
				t->control & GM_CTL_PRE ? " PRE" : "",
				t->scms ? " SCMS" : "");
		if (t->isrc[0])
			fprintf(f, "ISRC=%s\n", t->isrc);
		if (t->index[0] < t->index[1])
			fprintf(f, "INDEX 0=%ld\n", (long)t->index[0]);
		for (unsigned n = 1; n <= t->nindex; n++)
			fprintf(f, "INDEX %u=%ld\n", n, (long)t->index[n]);
	}
}

#define CCD_RUN 256

/* The names of the .img and .sub that go with a sheet path. */
static int out_names(struct gm_ctx *ctx, const char *path, char **img,
		     char **sub)
{
	char *stem = gm_path_stem(path);
	size_t len = stem ? strlen(stem) + 5 : 0;
	char *name = stem ? malloc(len) : NULL;

	*img = *sub = NULL;
	if (name != NULL) {
		snprintf(name, len, "%s.img", stem);
		*img = gm_path_beside(path, name);
		snprintf(name, len, "%s.sub", stem);
		*sub = gm_path_beside(path, name);
	}
	free(name);
	free(stem);
	if (*img == NULL || *sub == NULL) {
		free(*img);
		free(*sub);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	return 0;
}

static int ccd_write(struct gm_ctx *ctx, struct gm_source *src,
		     const char *path, const struct gm_write_opts *opts)
{
	const struct gm_disc *d = gm_source_disc(src);
	enum gm_sector_status status[CCD_RUN];
	uint8_t (*packs)[GM_CDTEXT_PACK] = NULL;
	uint8_t *buf = NULL, *raw = NULL, *subs = NULL;
	char *img_path = NULL, *sub_path = NULL;
	struct gm_outset set;
	FILE *img, *sub, *sheet;
	uint64_t bad = 0, total, done = 0;
	unsigned npacks = 0;
	int ret;

	gm_outset_init(&set, opts->force);
	set.sync = opts->sync;
	if ((ret = ccd_check(ctx, d, path, opts->lossy)) != 0)
		return ret;
	if ((ret = out_names(ctx, path, &img_path, &sub_path)) != 0)
		return ret;
	/* the sheet is opened last: refuse existing files before any work */
	if (!opts->force) {
		const char *names[3] = {img_path, sub_path, path};

		for (int i = 0; i < 3; i++)
			if (access(names[i], F_OK) == 0) {
				ret = gm_error_set(ctx, GM_ERR_EXISTS, "'%s' exists; use "
						   "--force to replace it", names[i]);
				goto out;
			}
	}
	packs = malloc(256 * sizeof(*packs));
	buf = malloc((size_t)CCD_RUN * (GM_SECTOR_RAW + GM_SUB_SIZE));
	raw = malloc((size_t)CCD_RUN * GM_SECTOR_RAW);
	subs = malloc((size_t)CCD_RUN * GM_SUB_SIZE);
	if (packs == NULL || buf == NULL || raw == NULL || subs == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	if (!gm_cdtext_to_packs(d, packs, &npacks)) {
		if (!opts->lossy) {
			ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "the CD-TEXT does not "
					   "fit the 256 packs of one block: it would be "
					   "lost in '%s'; --lossy drops it", path);
			goto out;
		}
		npacks = 0;
	}
	if ((ret = gm_outset_open(ctx, &set, img_path, &img)) != 0
	    || (ret = gm_outset_open(ctx, &set, sub_path, &sub)) != 0)
		goto fail;

	total = (uint64_t)d->leadout * GM_SECTOR_RAW;
	for (int32_t lba = 0; lba < d->leadout;) {
		struct gm_read req = {
			.lba = lba, .kind = GM_SECTOR_KIND_RAW_SUB, .data = buf,
			.status = status,
			.count = (uint32_t)(d->leadout - lba < CCD_RUN ? d->leadout - lba
					    : CCD_RUN)
		};

		if ((ret = gm_source_read(ctx, src, &req)) != 0)
			goto fail;
		for (uint32_t i = 0; i < req.count; i++) {
			const uint8_t *in = buf + (size_t)i * (GM_SECTOR_RAW + GM_SUB_SIZE);

			memcpy(raw + (size_t)i * GM_SECTOR_RAW, in, GM_SECTOR_RAW);
			gm_sub_deinterleave(in + GM_SECTOR_RAW,
					    subs + (size_t)i * GM_SUB_SIZE);
			if (status[i] == GM_SECTOR_GOOD || status[i] == GM_SECTOR_SYNTH)
				continue;
			bad++;
			if (opts->on_bad)
				opts->on_bad(opts->arg, lba + (int32_t)i, status[i]);
		}
		if ((ret = gm_outset_write(ctx, &set, img, raw,
					   (size_t)req.count * GM_SECTOR_RAW)) != 0
		    || (ret = gm_outset_write(ctx, &set, sub, subs,
					      (size_t)req.count * GM_SUB_SIZE)) != 0)
			goto fail;
		lba += (int32_t)req.count;
		done += (uint64_t)req.count * GM_SECTOR_RAW;
		if (opts->progress)
			opts->progress(opts->arg, done, total);
	}
	if ((ret = gm_outset_open(ctx, &set, path, &sheet)) != 0)
		goto fail;
	put_sheet(sheet, d, packs, npacks);
	if (ferror(sheet)) {
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", path);
		goto fail;
	}
	if ((ret = gm_outset_commit(ctx, &set)) != 0)
		goto fail;
	if (bad)
		ret = gm_error_set(ctx, GM_ERR_MISMATCH, "'%s' is written, but %llu "
				   "sectors did not read good", path,
				   (unsigned long long)bad);
	goto out;
fail:
	gm_outset_abort(&set);
out:
	free(packs);
	free(buf);
	free(raw);
	free(subs);
	free(img_path);
	free(sub_path);
	return ret;
}

const struct gm_format_ops gm_format_ccd = {
	.name = "ccd",
	.extension = ".ccd",
	.bid = ccd_bid,
	.read = ccd_read,
	.write = ccd_write,
};
