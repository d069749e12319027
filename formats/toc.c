/*
 * toc.c - cdrdao's TOC files (.toc) with their data files: read and write.
 * The format is the one cdrdao(1) documents under "TOC FILES" (cdrdao
 * 1.2): free-form tokens, "//" comments, keywords in capitals.
 *
 * Read: the disc type (CD_DA, CD_ROM, CD_ROM_XA, CD_I: Mode 2 tracks of a
 * CD_I disc are CD-i tracks), CATALOG, CD_TEXT blocks (the strings TITLE,
 * PERFORMER, SONGWRITER, COMPOSER, ARRANGER, MESSAGE of LANGUAGE 0 are
 * kept; other items are parsed and dropped), TRACK with every mode and the
 * RW_RAW sub-channel after raw sectors, [NO] COPY, [NO] PRE_EMPHASIS,
 * TWO_CHANNEL_AUDIO, FOUR_CHANNEL_AUDIO, ISRC, FILE/AUDIOFILE (raw audio
 * big-endian as cdrdao expects, little-endian with SWAP or in a .wav),
 * DATAFILE, SILENCE, ZERO, PREGAP, START, END (one more index, where the
 * post-gap starts) and INDEX.  A track must be one contiguous run of one
 * file; SILENCE and ZERO are kept as unstored sectors where the disc model
 * has them: before START (a pregap) and after the data (a postgap).
 * Write: a .toc and one NAME.bin of 2352-byte raw sectors (audio
 * big-endian), tracks as FILE/DATAFILE with byte offsets into it, unstored
 * gaps as PREGAP (or SILENCE/ZERO) and SILENCE/ZERO, and the metadata above.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "image_private.h"
#include "banned.h"

#define TOC_MAX_RUNS 64		/* data statements in one track */
#define TOC_MAX_NUMBER 1000000000000ULL	/* beyond any disc, in any unit */
#define SAMPLES_PER_SECTOR 588	/* 16-bit stereo: 2352 bytes */

/* cdrdao's data modes (TrackData::Mode), their sector sizes in a file and
   what they are on the disc. */
static const struct {
	const char *name;
	enum gm_track_mode mode;
	enum gm_storage storage;
	bool track;		/* valid after TRACK (MODE0 only after ZERO) */
} toc_modes[] = {
	{"AUDIO", GM_TRACK_AUDIO, GM_STORE_RAW, true},
	{"MODE0", GM_TRACK_MODE1, GM_STORE_MODE2, false},
	{"MODE1", GM_TRACK_MODE1, GM_STORE_USER, true},
	{"MODE1_RAW", GM_TRACK_MODE1, GM_STORE_RAW, true},
	{"MODE2", GM_TRACK_MODE2, GM_STORE_MODE2, true},
	{"MODE2_FORM1", GM_TRACK_MODE2, GM_STORE_USER, true},
	{"MODE2_FORM2", GM_TRACK_MODE2, GM_STORE_FORM2, true},
	{"MODE2_FORM_MIX", GM_TRACK_MODE2, GM_STORE_MODE2, true},
	{"MODE2_RAW", GM_TRACK_MODE2, GM_STORE_RAW, true},
};
#define NMODES (sizeof(toc_modes) / sizeof(toc_modes[0]))

static const char *const cdtext_keywords[GM_CDTEXT_COUNT] = {
	"TITLE", "PERFORMER", "SONGWRITER", "COMPOSER", "ARRANGER", "MESSAGE"
};

/* CD-TEXT items cdrdao knows that the disc model does not keep. */
static const char *const cdtext_other[] = {
	"DISC_ID", "GENRE", "TOC_INFO1", "TOC_INFO2", "RESERVED1", "RESERVED2",
	"RESERVED3", "RESERVED4", "UPC_EAN", "ISRC", "SIZE_INFO"
};

enum toc_disc_type { TOC_CD_DA, TOC_CD_ROM, TOC_CD_ROM_XA, TOC_CD_I };

/* ------------------------------------------------------------------ */
/* Reading */

/* One data statement of a track: stored (a file) or not (SILENCE, ZERO). */
struct toc_run {
	int file;		/* index into disc->files, -1 when unstored */
	uint64_t offset;	/* file: first byte, from the file's data start */
	uint64_t bytes;		/* file: bytes */
	int32_t sectors;	/* unstored: sectors */
	int line;
};

/* The track being parsed. */
struct toc_track {
	int line;		/* of TRACK */
	size_t block;		/* bytes per stored sector, sub-channel included */
	bool sub;		/* RW_RAW sub-channel after each sector */
	struct toc_run runs[TOC_MAX_RUNS];
	unsigned nruns;
	uint64_t length;	/* bytes so far, unstored runs at block bytes */
	bool has_start;
	int32_t start;		/* sectors from the track's first to index 01 */
	int start_line;
	bool has_end;		/* END: the post-gap starts an index there */
	int32_t end;		/* sectors from the track's first */
	int end_line;
	bool indexes_begun;
	int32_t index[99];	/* INDEX 02.. in sectors from index 01 */
	int index_line[99];
	unsigned nindex;
};

struct toc_parser {
	struct gm_ctx *ctx;
	const char *path;
	struct gm_disc *disc;
	const char *text;
	size_t pos;
	int line;		/* where pos is */
	int tok_line;		/* where the last token read or peeked starts */
	char *str;		/* the last string read, decoded */
	enum toc_disc_type type;
	bool in_track;
	struct toc_track tt;
	int32_t next_lba;
};

static int toc_error_at(struct toc_parser *ps, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int toc_error_at(struct toc_parser *ps, int line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gm_error_set(ps->ctx, GM_ERR_FORMAT, "toc file '%s' line %d: %s",
			    ps->path, line, msg);
}

#define toc_error(ps, ...) toc_error_at((ps), (ps)->tok_line, __VA_ARGS__)

static void msf_text(int32_t frames, char *buf, size_t size)
{
	snprintf(buf, size, "%02ld:%02ld:%02ld",
		 (long)(frames / (60 * GM_FRAMES_PER_SECOND)),
		 (long)(frames / GM_FRAMES_PER_SECOND % 60),
		 (long)(frames % GM_FRAMES_PER_SECOND));
}

/* ---- tokens ---- */

/* Skip blanks, line ends and // comments; the next token's line is set. */
static void skip_blank(struct toc_parser *ps)
{
	for (;;) {
		char c = ps->text[ps->pos];

		if (c == '\n') {
			ps->line++;
			ps->pos++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f'
			   || c == '\v') {
			ps->pos++;
		} else if (c == '/' && ps->text[ps->pos + 1] == '/') {
			while (ps->text[ps->pos] && ps->text[ps->pos] != '\n')
				ps->pos++;
		} else {
			break;
		}
	}
	ps->tok_line = ps->line;
}

static char peek_char(struct toc_parser *ps)
{
	skip_blank(ps);
	return ps->text[ps->pos];
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The next token as text for messages ("end of file" at the end). */
static void token_text(struct toc_parser *ps, char *buf, size_t size)
{
	const char *p;
	size_t n = 0;

	skip_blank(ps);
	p = ps->text + ps->pos;
	if (*p == '\0') {
		snprintf(buf, size, "end of file");
		return;
	}
	if (word_char(*p)) {
		while (word_char(p[n]) && n < 40)
			n++;
	} else {
		n = 1;
	}
	if (!isprint((unsigned char)*p))
		snprintf(buf, size, "byte 0x%02x", (unsigned char)*p);
	else
		snprintf(buf, size, "'%.*s'", (int)n, p);
}

/* The next word (letters, digits, _) without taking it; "" when none. */
static void peek_word(struct toc_parser *ps, char *buf, size_t size)
{
	size_t n = 0;

	skip_blank(ps);
	if (isalpha((unsigned char)ps->text[ps->pos]) || ps->text[ps->pos] == '_')
		while (word_char(ps->text[ps->pos + n]))
			n++;
	if (n >= size)
		n = size - 1;	/* too long for any keyword: stays unknown */
	memcpy(buf, ps->text + ps->pos, n);
	buf[n] = '\0';
	if (n == size - 1)
		buf[n - 1] = '?';
}

static void take_word(struct toc_parser *ps)
{
	skip_blank(ps);
	while (word_char(ps->text[ps->pos]))
		ps->pos++;
}

/* Take the next word if it is kw. */
static bool accept(struct toc_parser *ps, const char *kw)
{
	char w[32];

	peek_word(ps, w, sizeof(w));
	if (strcasecmp(w, kw) != 0)
		return false;
	take_word(ps);
	return true;
}

static int expect_char(struct toc_parser *ps, char c, const char *where)
{
	char got[64];

	if (peek_char(ps) == c) {
		ps->pos++;
		return 0;
	}
	token_text(ps, got, sizeof(got));
	return toc_error(ps, "expected '%c' %s, not %s", c, where, got);
}

/* A "string" with cdrdao's escapes \" and \ooo, decoded into ps->str. */
static int read_string(struct toc_parser *ps, const char *what)
{
	char got[64];
	size_t n = 0;

	if (peek_char(ps) != '"') {
		token_text(ps, got, sizeof(got));
		return toc_error(ps, "expected %s in quotes, not %s", what, got);
	}
	ps->pos++;
	for (;;) {
		const char *p = ps->text + ps->pos;

		if (*p == '\0' || *p == '\n')
			return toc_error(ps, "unterminated quoted string");
		if (*p == '"') {
			ps->pos++;
			break;
		}
		if (p[0] == '\\' && p[1] == '"') {
			ps->str[n++] = '"';
			ps->pos += 2;
		} else if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0'
			   && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
			unsigned v = (unsigned)(p[1] - '0') * 64 + (unsigned)(p[2] - '0') * 8
				     + (unsigned)(p[3] - '0');

			if (v == 0 || v > 255)
				return toc_error(ps, "'\\%.3s' is not a character", p + 1);
			ps->str[n++] = (char)v;
			ps->pos += 4;
		} else {
			ps->str[n++] = *p;
			ps->pos++;
		}
	}
	ps->str[n] = '\0';
	return 0;
}

static int read_number(struct toc_parser *ps, const char *what, uint64_t *out)
{
	char got[64];
	uint64_t v = 0;

	if (!isdigit((unsigned char)peek_char(ps))) {
		token_text(ps, got, sizeof(got));
		return toc_error(ps, "expected %s, not %s", what, got);
	}
	while (isdigit((unsigned char)ps->text[ps->pos])) {
		v = v * 10 + (uint64_t)(ps->text[ps->pos++] - '0');
		if (v > TOC_MAX_NUMBER)
			return toc_error(ps, "%s is too large", what);
	}
	if (word_char(ps->text[ps->pos])) {
		token_text(ps, got, sizeof(got));
		return toc_error(ps, "expected %s, not %s", what, got);
	}
	*out = v;
	return 0;
}

/*
 * A number, or a time mm:ss:ff when ':' follows it: *is_msf tells which.
 * Times are returned in frames.
 */
static int read_value(struct toc_parser *ps, const char *what, uint64_t *out,
		      bool *is_msf)
{
	size_t start;
	int line;
	uint64_t m, s, f;
	int ret;

	skip_blank(ps);
	start = ps->pos;
	line = ps->tok_line;
	if ((ret = read_number(ps, what, &m)) != 0)
		return ret;
	*is_msf = peek_char(ps) == ':';
	if (!*is_msf) {
		*out = m;
		return 0;
	}
	ps->pos++;
	ret = read_number(ps, what, &s);
	if (ret == 0 && peek_char(ps) == ':') {
		ps->pos++;
		ret = read_number(ps, what, &f);
	} else if (ret == 0) {
		ret = -GM_ERR_FORMAT;	/* mm:ss without frames */
	}
	if (ret != 0 || m > 99 || s >= 60 || f >= GM_FRAMES_PER_SECOND) {
		size_t end = start;

		while (isdigit((unsigned char)ps->text[end]) || ps->text[end] == ':')
			end++;
		return toc_error_at(ps, line, "'%.*s' is not a time mm:ss:ff "
				    "(ss < 60, ff < 75)", (int)(end - start > 40 ? 40
				    : end - start), ps->text + start);
	}
	*out = (m * 60 + s) * GM_FRAMES_PER_SECOND + f;
	return 0;
}

static int read_msf(struct toc_parser *ps, const char *what, int32_t *frames)
{
	uint64_t v;
	bool is_msf;
	int line = (skip_blank(ps), ps->tok_line);
	int ret = read_value(ps, what, &v, &is_msf);

	if (ret != 0)
		return ret;
	if (!is_msf)
		return toc_error_at(ps, line, "%s must be a time mm:ss:ff, not "
				    "%llu", what, (unsigned long long)v);
	*frames = (int32_t)v;
	return 0;
}

/* ---- CD-TEXT ---- */

static int cdtext_item(struct toc_parser *ps, const char *item, char **slot)
{
	int ret;

	if (peek_char(ps) == '{') {
		/* binary data: { n, n, ... } */
		ps->pos++;
		if (peek_char(ps) != '}') {
			for (;;) {
				uint64_t v;

				if ((ret = read_number(ps, "a byte", &v)) != 0)
					return ret;
				if (v > 255)
					return toc_error(ps, "%llu is not a byte (0-255)",
							 (unsigned long long)v);
				if (peek_char(ps) != ',')
					break;
				ps->pos++;
			}
		}
		if ((ret = expect_char(ps, '}', "after binary CD-TEXT data")) != 0)
			return ret;
		if (slot != NULL)
			return toc_error(ps, "%s must be a string", item);
		return 0;
	}
	if ((ret = read_string(ps, "the text")) != 0)
		return ret;
	if (slot == NULL)
		return 0;
	free(*slot);
	*slot = gm_strdup(ps->str);
	return *slot ? 0 : gm_error_set(ps->ctx, GM_ERR_NOMEM, NULL);
}

static int cdtext_language(struct toc_parser *ps, char **texts)
{
	uint64_t block;
	int ret;

	if ((ret = read_number(ps, "a language number", &block)) != 0)
		return ret;
	if (block > 7)
		return toc_error(ps, "language %llu is not 0-7", (unsigned long long)block);
	if ((ret = expect_char(ps, '{', "after LANGUAGE")) != 0)
		return ret;
	while (peek_char(ps) != '}') {
		char w[32];
		char **slot = NULL;
		bool known = false;

		peek_word(ps, w, sizeof(w));
		for (int k = 0; k < GM_CDTEXT_COUNT; k++)
			if (strcasecmp(w, cdtext_keywords[k]) == 0) {
				/* only language 0 is kept, as a cue sheet has one */
				slot = block == 0 ? &texts[k] : NULL;
				known = true;
			}
		for (size_t k = 0; k < sizeof(cdtext_other) / sizeof(cdtext_other[0]); k++)
			if (strcasecmp(w, cdtext_other[k]) == 0)
				known = true;
		if (!known) {
			char got[64];

			token_text(ps, got, sizeof(got));
			return toc_error(ps, "%s is not a CD-TEXT item", got);
		}
		take_word(ps);
		if ((ret = cdtext_item(ps, w, slot)) != 0)
			return ret;
	}
	ps->pos++;
	return 0;
}

static int cdtext_map(struct toc_parser *ps)
{
	int ret;

	if ((ret = expect_char(ps, '{', "after LANGUAGE_MAP")) != 0)
		return ret;
	do {
		uint64_t n, code;

		if ((ret = read_number(ps, "a language number", &n)) != 0
		    || (ret = expect_char(ps, ':', "in LANGUAGE_MAP")) != 0)
			return ret;
		if (n > 7)
			return toc_error(ps, "language %llu is not 0-7", (unsigned long long)n);
		if (!accept(ps, "EN")) {
			if ((ret = read_number(ps, "a language code", &code)) != 0)
				return ret;
			if (code > 255)
				return toc_error(ps, "language code %llu is not 0-255",
						 (unsigned long long)code);
		}
	} while (peek_char(ps) != '}');
	ps->pos++;
	return 0;
}

/* CD_TEXT { [LANGUAGE_MAP {...}] LANGUAGE n {...} ... } */
static int cdtext_block(struct toc_parser *ps, char **texts)
{
	int ret;

	if ((ret = expect_char(ps, '{', "after CD_TEXT")) != 0)
		return ret;
	while (peek_char(ps) != '}') {
		if (accept(ps, "LANGUAGE_MAP"))
			ret = cdtext_map(ps);
		else if (accept(ps, "LANGUAGE"))
			ret = cdtext_language(ps, texts);
		else {
			char got[64];

			token_text(ps, got, sizeof(got));
			ret = toc_error(ps, "expected LANGUAGE_MAP, LANGUAGE or '}' in "
					"CD_TEXT, not %s", got);
		}
		if (ret != 0)
			return ret;
	}
	ps->pos++;
	return 0;
}

/* ---- files ---- */

/* The disc file for name read as type, added on first use. */
static int use_file(struct toc_parser *ps, int line, const char *name,
		    enum gm_file_type type, int *out)
{
	struct gm_disc *d = ps->disc;
	int ret;

	for (unsigned i = 0; i < d->nfiles; i++)
		if (d->files[i].type == type && strcmp(d->files[i].name, name) == 0) {
			*out = (int)i;
			return 0;
		}
	if (d->nfiles >= GM_MAX_TRACKS)
		return toc_error_at(ps, line, "more than %d files", GM_MAX_TRACKS);
	ret = gm_disc_add_file(ps->ctx, d, ps->path, name, type);
	if (ret < 0) {
		/* name the line as well as the file */
		char msg[GM_ERROR_MAX];

		snprintf(msg, sizeof(msg), "%s", gm_error(ps->ctx));
		return gm_error_set(ps->ctx, gm_error_code(ps->ctx), "toc file '%s' "
				    "line %d: %s", ps->path, line, msg);
	}
	*out = ret;
	if (type == GM_FILE_WAVE) {
		char why[512];

		if (gm_wave_data(&d->files[ret], why, sizeof(why)) != 0)
			return toc_error_at(ps, line, "%s", why);
	}
	return 0;
}

/* ---- tracks ---- */

static struct gm_track *current_track(struct toc_parser *ps)
{
	return ps->in_track ? &ps->disc->tracks[ps->disc->ntracks - 1] : NULL;
}

static int add_run(struct toc_parser *ps, int line, int file, uint64_t offset,
		   uint64_t bytes, int32_t sectors)
{
	struct toc_track *tt = &ps->tt;
	struct toc_run *r;

	if (tt->nruns == TOC_MAX_RUNS)
		return toc_error_at(ps, line, "more than %d data statements in track %u",
				    TOC_MAX_RUNS, current_track(ps)->number);
	r = &tt->runs[tt->nruns++];
	r->file = file;
	r->offset = offset;
	r->bytes = bytes;
	r->sectors = sectors;
	r->line = line;
	tt->length += file >= 0 ? bytes : (uint64_t)sectors * tt->block;
	if (tt->length > (uint64_t)GM_LBA_MAX * tt->block)
		return toc_error_at(ps, line, "track %u is longer than a disc",
				    current_track(ps)->number);
	return 0;
}

/* Statements that add data must come before INDEX. */
static int data_allowed(struct toc_parser *ps, const char *kw)
{
	if (ps->tt.indexes_begun)
		return toc_error(ps, "%s after INDEX: the track's data and START "
				 "come before its INDEX lines", kw);
	return 0;
}

static int mode_named(const char *w)
{
	for (size_t i = 0; i < NMODES; i++)
		if (strcasecmp(w, toc_modes[i].name) == 0)
			return (int)i;
	return -1;
}

static int cmd_track(struct toc_parser *ps)
{
	struct gm_disc *d = ps->disc;
	struct gm_track *t;
	char w[32], got[64];
	int m, line = ps->tok_line;

	if (d->ntracks == GM_MAX_TRACKS)
		return toc_error(ps, "more than 99 tracks");
	peek_word(ps, w, sizeof(w));
	m = mode_named(w);
	if (m < 0 || !toc_modes[m].track) {
		token_text(ps, got, sizeof(got));
		return toc_error(ps, "%s is not a track mode (AUDIO, MODE1, MODE1_RAW, "
				 "MODE2, MODE2_FORM1, MODE2_FORM2, MODE2_FORM_MIX, "
				 "MODE2_RAW)", got);
	}
	take_word(ps);
	memset(&ps->tt, 0, sizeof(ps->tt));
	ps->tt.line = line;
	ps->tt.block = toc_modes[m].storage;
	if (accept(ps, "RW"))
		return toc_error(ps, "packed R-W sub-channel (RW) is not supported; "
				 "raw interleaved sub-channel (RW_RAW) is");
	if (accept(ps, "RW_RAW")) {
		if (toc_modes[m].storage != GM_STORE_RAW)
			return toc_error(ps, "RW_RAW sub-channel after %s sectors is not "
					 "supported: only after 2352-byte sectors "
					 "(AUDIO, MODE1_RAW, MODE2_RAW)", toc_modes[m].name);
		ps->tt.sub = true;
		ps->tt.block = GM_STORE_RAW_SUB;
	}
	t = &d->tracks[d->ntracks];
	memset(t, 0, sizeof(*t));
	t->number = (uint8_t)(d->ntracks + 1);
	t->session = 1;
	t->mode = toc_modes[m].mode;
	t->storage = ps->tt.sub ? GM_STORE_RAW_SUB : toc_modes[m].storage;
	t->sub_file = -1;
	d->ntracks++;
	ps->in_track = true;
	return 0;
}

/* FILE/AUDIOFILE "name" [SWAP] [#offset] start [length] */
static int cmd_audiofile(struct toc_parser *ps, const char *kw)
{
	struct gm_track *t = current_track(ps);
	int line = ps->tok_line, file, ret;
	bool swap, is_msf, wave;
	uint64_t offset = 0, start, length = 0, avail, first;
	char *name;
	const struct gm_file *f;

	if ((ret = data_allowed(ps, kw)) != 0)
		return ret;
	if (t->mode != GM_TRACK_AUDIO)
		return toc_error(ps, "%s is for audio tracks; track %u takes DATAFILE",
				 kw, t->number);
	if (ps->tt.sub)
		return toc_error(ps, "%s is for audio tracks without sub-channel; "
				 "track %u takes DATAFILE", kw, t->number);
	if ((ret = read_string(ps, "the file name")) != 0)
		return ret;
	name = gm_strdup(ps->str);
	if (name == NULL)
		return gm_error_set(ps->ctx, GM_ERR_NOMEM, NULL);
	swap = accept(ps, "SWAP");
	wave = gm_path_has_ext(name, ".wav");
	ret = 0;
	if (peek_char(ps) == '#') {
		ps->pos++;
		ret = read_number(ps, "a byte offset after '#'", &offset);
	}
	if (ret == 0 && (ret = read_value(ps, "the start in samples or mm:ss:ff",
					  &start, &is_msf)) == 0 && is_msf)
		start *= SAMPLES_PER_SECTOR;
	if (ret == 0 && isdigit((unsigned char)peek_char(ps))
	    && (ret = read_value(ps, "the length", &length, &is_msf)) == 0 && is_msf)
		length *= SAMPLES_PER_SECTOR;
	if (ret == 0 && wave && swap)
		ret = toc_error_at(ps, line, "SWAP of the WAVE file '%s' is not "
				   "supported", name);
	if (ret == 0 && wave && offset != 0)
		ret = toc_error_at(ps, line, "an offset into the WAVE file '%s' is not "
				   "supported", name);
	if (ret == 0)
		ret = use_file(ps, line, name, wave ? GM_FILE_WAVE : swap
			       ? GM_FILE_BINARY : GM_FILE_MOTOROLA, &file);
	free(name);
	if (ret != 0)
		return ret;
	f = &ps->disc->files[file];
	avail = f->size;
	first = offset + start * 4;
	if (first >= avail)
		return toc_error_at(ps, line, "the start (byte %llu) is at or beyond the "
				    "end of '%s' (%llu bytes)", (unsigned long long)first,
				    f->path, (unsigned long long)avail);
	if (length == 0)
		length = (avail - first) / 4;
	if (length * 4 > avail - first)
		return toc_error_at(ps, line, "%llu samples from sample %llu run beyond "
				    "the end of '%s' (%llu bytes)",
				    (unsigned long long)length, (unsigned long long)start,
				    f->path, (unsigned long long)avail);
	return add_run(ps, line, file, first, length * 4, 0);
}

/* DATAFILE "name" [#offset] [length] */
static int cmd_datafile(struct toc_parser *ps)
{
	struct gm_track *t = current_track(ps);
	int line = ps->tok_line, file, ret;
	uint64_t offset = 0, length = 0, avail;
	bool is_msf, given = false, wave;
	char *name;
	const struct gm_file *f;

	if ((ret = data_allowed(ps, "DATAFILE")) != 0)
		return ret;
	if ((ret = read_string(ps, "the file name")) != 0)
		return ret;
	name = gm_strdup(ps->str);
	if (name == NULL)
		return gm_error_set(ps->ctx, GM_ERR_NOMEM, NULL);
	/* cdrdao reads data files raw, and audio from a .wav or raw big-endian */
	wave = t->mode == GM_TRACK_AUDIO && gm_path_has_ext(name, ".wav");
	ret = 0;
	if (peek_char(ps) == '#') {
		ps->pos++;
		ret = read_number(ps, "a byte offset after '#'", &offset);
	}
	if (ret == 0 && isdigit((unsigned char)peek_char(ps))) {
		given = true;
		if ((ret = read_value(ps, "the length", &length, &is_msf)) == 0 && is_msf)
			length *= ps->tt.block;
	}
	if (ret == 0 && wave && offset != 0)
		ret = toc_error_at(ps, line, "an offset into the WAVE file '%s' is not "
				   "supported", name);
	if (ret == 0)
		ret = use_file(ps, line, name, wave ? GM_FILE_WAVE : GM_FILE_MOTOROLA,
			       &file);
	free(name);
	if (ret != 0)
		return ret;
	f = &ps->disc->files[file];
	avail = f->size;
	if (offset >= avail)
		return toc_error_at(ps, line, "offset %llu is at or beyond the end of "
				    "'%s' (%llu bytes)", (unsigned long long)offset,
				    f->path, (unsigned long long)avail);
	if (!given || length == 0)
		length = avail - offset;
	else if (length > avail - offset)
		return toc_error_at(ps, line, "%llu bytes from byte %llu run beyond the "
				    "end of '%s' (%llu bytes)", (unsigned long long)length,
				    (unsigned long long)offset, f->path,
				    (unsigned long long)avail);
	return add_run(ps, line, file, offset, length, 0);
}

/* SILENCE samples | ZERO [mode] [RW | RW_RAW] length */
static int cmd_zero(struct toc_parser *ps, bool silence)
{
	struct gm_track *t = current_track(ps);
	const char *kw = silence ? "SILENCE" : "ZERO";
	int line = ps->tok_line, ret;
	size_t block = ps->tt.block;
	uint64_t length;
	bool is_msf;

	if ((ret = data_allowed(ps, kw)) != 0)
		return ret;
	if (silence && t->mode != GM_TRACK_AUDIO)
		return toc_error(ps, "SILENCE is for audio tracks; track %u takes ZERO",
				 t->number);
	if (!silence) {
		char w[32];
		int m;

		peek_word(ps, w, sizeof(w));
		if ((m = mode_named(w)) >= 0) {
			take_word(ps);
			block = toc_modes[m].storage;
		}
		if (accept(ps, "RW") || accept(ps, "RW_RAW"))
			block += GM_SUB_SIZE;
	}
	if ((ret = read_value(ps, "the length", &length, &is_msf)) != 0)
		return ret;
	if (!is_msf) {
		uint64_t unit = silence ? SAMPLES_PER_SECTOR : block;

		if (length % unit != 0)
			return toc_error_at(ps, line, "%s of %llu %s is not a whole number "
					    "of sectors (%llu %s)", kw,
					    (unsigned long long)length,
					    silence ? "samples" : "bytes",
					    (unsigned long long)unit,
					    silence ? "samples" : "bytes");
		length /= unit;
	}
	if (length == 0)
		return toc_error_at(ps, line, "%s of length zero", kw);
	if (length > GM_LBA_MAX)
		return toc_error_at(ps, line, "%s is longer than a disc", kw);
	return add_run(ps, line, -1, 0, 0, (int32_t)length);
}

static int cmd_pregap(struct toc_parser *ps)
{
	int line = ps->tok_line, ret;
	int32_t frames;

	if (ps->tt.nruns > 0)
		return toc_error(ps, "PREGAP after the track's data: it comes first");
	if (ps->tt.has_start)
		return toc_error(ps, "PREGAP after START: a track has one or the other");
	if ((ret = read_msf(ps, "the PREGAP length", &frames)) != 0)
		return ret;
	if (frames == 0)
		return toc_error_at(ps, line, "PREGAP of length zero");
	if ((ret = add_run(ps, line, -1, 0, 0, frames)) != 0)
		return ret;
	ps->tt.has_start = true;
	ps->tt.start = frames;
	ps->tt.start_line = line;
	return 0;
}

/* START [mm:ss:ff] and END [mm:ss:ff]: without a time, where the track's
   data so far ends */
static int cmd_start(struct toc_parser *ps, bool end)
{
	struct toc_track *tt = &ps->tt;
	int line = ps->tok_line, ret;
	int32_t frames = -1;

	if ((ret = data_allowed(ps, end ? "END" : "START")) != 0)
		return ret;
	if (!end && tt->has_start)
		return toc_error(ps, "the track start (end of the pregap) is already "
				 "given by START or PREGAP");
	if (end && tt->has_end)
		return toc_error(ps, "the track end (start of the post-gap) is already "
				 "given by END");
	if (isdigit((unsigned char)peek_char(ps))
	    && (ret = read_msf(ps, end ? "END" : "START", &frames)) != 0)
		return ret;
	if (frames < 0)
		frames = (int32_t)((tt->length + tt->block - 1) / tt->block);
	if (end) {
		tt->has_end = true;
		tt->end = frames;
		tt->end_line = line;
	} else {
		tt->has_start = true;
		tt->start = frames;
		tt->start_line = line;
	}
	return 0;
}

static int cmd_index(struct toc_parser *ps)
{
	struct toc_track *tt = &ps->tt;
	int line = ps->tok_line, ret;
	int32_t frames;

	if (tt->nruns == 0)
		return toc_error(ps, "INDEX before the track's data");
	if (tt->nindex == 98)
		return toc_error(ps, "more than 98 INDEX lines in track %u",
				 current_track(ps)->number);
	if ((ret = read_msf(ps, "the INDEX position", &frames)) != 0)
		return ret;
	tt->indexes_begun = true;
	tt->index[tt->nindex] = frames;
	tt->index_line[tt->nindex++] = line;
	return 0;
}

static int place_track(struct toc_parser *ps, struct gm_track *t, int32_t total,
		       int32_t start, int32_t lead, unsigned file,
		       uint64_t offset, int32_t trail);

/*
 * Lay the parsed track out on the disc: unstored runs before the first
 * file run become the pregap (they must end by START), the file runs must
 * be one contiguous piece of one file, unstored runs after them become the
 * postgap.
 */
static int finish_track(struct toc_parser *ps)
{
	struct toc_track *tt = &ps->tt;
	struct gm_track *t = current_track(ps);
	const struct gm_file *f;
	unsigned k = 0, first;
	int32_t lead = 0, trail = 0, stored, start;
	uint64_t bytes, offset;
	char msf[16];

	ps->in_track = false;
	if (tt->nruns == 0)
		return toc_error_at(ps, tt->line, "track %u has no data (FILE, "
				    "DATAFILE, SILENCE or ZERO)", t->number);
	while (k < tt->nruns && tt->runs[k].file < 0)
		lead += tt->runs[k++].sectors;
	if (k == tt->nruns) {
		/* only SILENCE or ZERO: generated sectors before START are the
		   pregap, the rest the postgap, and nothing is stored */
		start = tt->has_start ? tt->start : 0;
		if (start >= lead) {
			msf_text(start, msf, sizeof(msf));
			return toc_error_at(ps, tt->start_line, "START %s is at or "
					    "beyond the end of track %u", msf, t->number);
		}
		return place_track(ps, t, lead, start, start, 0, 0, lead - start);
	}
	first = k;
	offset = tt->runs[k].offset;
	bytes = tt->runs[k].bytes;
	f = &ps->disc->files[tt->runs[k].file];
	for (k++; k < tt->nruns && tt->runs[k].file >= 0; k++) {
		if (tt->runs[k].file != tt->runs[first].file
		    || tt->runs[k].offset != offset + bytes)
			return toc_error_at(ps, tt->runs[k].line, "track %u goes on "
					    "elsewhere than where its data in '%s' "
					    "ends: glassmaster keeps a track as one "
					    "contiguous run of one file", t->number,
					    f->path);
		bytes += tt->runs[k].bytes;
	}
	for (; k < tt->nruns; k++) {
		if (tt->runs[k].file >= 0)
			return toc_error_at(ps, tt->runs[k].line, "SILENCE or ZERO "
					    "between the data of track %u: glassmaster "
					    "keeps unstored sectors only at the start "
					    "(before START) or the end of a track",
					    t->number);
		trail += tt->runs[k].sectors;
	}
	if (bytes % tt->block != 0)
		return toc_error_at(ps, tt->runs[first].line, "the data of track %u in "
				    "'%s' is %llu bytes, not a whole number of "
				    "%zu-byte sectors", t->number, f->path,
				    (unsigned long long)bytes, tt->block);
	stored = (int32_t)(bytes / tt->block);
	start = tt->has_start ? tt->start : 0;
	if (lead > start)
		return toc_error_at(ps, tt->runs[0].line, "track %u begins with %ld "
				    "sectors of SILENCE or ZERO but index 01 (START) "
				    "is at sector %ld: glassmaster keeps unstored "
				    "sectors at a track's start only as a pregap "
				    "before START", t->number, (long)lead, (long)start);
	if (start >= lead + stored) {
		msf_text(start, msf, sizeof(msf));
		return toc_error_at(ps, tt->start_line, "START %s is at or beyond the "
				    "end of the data of track %u", msf, t->number);
	}
	return place_track(ps, t, lead + stored + trail, start, lead,
			   (unsigned)tt->runs[first].file, offset, trail);
}

/*
 * Put the current track on the disc at ps->next_lba: total sectors, index
 * 01 at start, lead unstored sectors before the stored ones (from file at
 * offset), trail unstored after them; END and the INDEX lines become
 * indexes 02 and up.
 */
static int place_track(struct toc_parser *ps, struct gm_track *t, int32_t total,
		       int32_t start, int32_t lead, unsigned file,
		       uint64_t offset, int32_t trail)
{
	struct toc_track *tt = &ps->tt;
	char msf[16];

	if (tt->has_end) {
		/* cdrdao marks the post-gap with one more index */
		msf_text(tt->end, msf, sizeof(msf));
		if (tt->end <= start)
			return toc_error_at(ps, tt->end_line, "END %s is within the "
					    "pregap of track %u", msf, t->number);
		if (tt->end >= total)
			return toc_error_at(ps, tt->end_line, "END %s is at or beyond "
					    "the end of track %u", msf, t->number);
		if (tt->nindex == 98)
			return toc_error_at(ps, tt->end_line, "END needs a 100th index "
					    "in track %u", t->number);
		tt->index[tt->nindex] = tt->end - start;
		tt->index_line[tt->nindex++] = tt->end_line;
	}
	if (ps->next_lba + total > GM_LBA_MAX)
		return toc_error_at(ps, tt->line, "track %u ends beyond LBA %d",
				    t->number, GM_LBA_MAX);
	t->index[0] = ps->next_lba;
	t->pregap = lead;
	t->index[1] = ps->next_lba + start;
	t->nindex = 1 + tt->nindex;
	for (unsigned n = 0; n < tt->nindex; n++) {
		int32_t pos = start + tt->index[n];

		msf_text(tt->index[n], msf, sizeof(msf));
		if (tt->index[n] <= (n ? tt->index[n - 1] : 0))
			return toc_error_at(ps, tt->index_line[n], "INDEX %s is not after "
					    "the %s", msf, n ? "INDEX before it"
					    : "track start (index 01)");
		if (pos >= total)
			return toc_error_at(ps, tt->index_line[n], "INDEX %s is at or "
					    "beyond the end of track %u", msf, t->number);
		t->index[n + 2] = ps->next_lba + pos;
	}
	t->end = ps->next_lba + total;
	t->postgap = trail;
	t->file = file;
	t->offset = offset;
	ps->next_lba = t->end;
	return 0;
}

/* Statements inside a track. */
static int track_statement(struct toc_parser *ps, const char *kw)
{
	struct gm_track *t = current_track(ps);
	int ret;

	if (strcasecmp(kw, "NO") == 0) {
		if (accept(ps, "COPY"))
			t->control &= (uint8_t)~GM_CTL_DCP;
		else if (accept(ps, "PRE_EMPHASIS"))
			t->control &= (uint8_t)~GM_CTL_PRE;
		else
			return toc_error(ps, "NO must be followed by COPY or PRE_EMPHASIS");
		return 0;
	}
	if (strcasecmp(kw, "COPY") == 0) {
		t->control |= GM_CTL_DCP;
		return 0;
	}
	if (strcasecmp(kw, "PRE_EMPHASIS") == 0) {
		t->control |= GM_CTL_PRE;
		return 0;
	}
	if (strcasecmp(kw, "TWO_CHANNEL_AUDIO") == 0) {
		t->control &= (uint8_t)~GM_CTL_4CH;
		return 0;
	}
	if (strcasecmp(kw, "FOUR_CHANNEL_AUDIO") == 0) {
		t->control |= GM_CTL_4CH;
		return 0;
	}
	if (strcasecmp(kw, "ISRC") == 0) {
		if ((ret = read_string(ps, "the ISRC")) != 0)
			return ret;
		if (!gm_isrc_valid(ps->str))
			return toc_error(ps, "'%s' is not an ISRC (CCOOOYYSSSSS: 5 "
					 "letters or digits, then 7 digits)", ps->str);
		memcpy(t->isrc, ps->str, 13);
		return 0;
	}
	if (strcasecmp(kw, "CD_TEXT") == 0)
		return cdtext_block(ps, t->cdtext);
	if (strcasecmp(kw, "FILE") == 0 || strcasecmp(kw, "AUDIOFILE") == 0)
		return cmd_audiofile(ps, kw);
	if (strcasecmp(kw, "DATAFILE") == 0)
		return cmd_datafile(ps);
	if (strcasecmp(kw, "SILENCE") == 0)
		return cmd_zero(ps, true);
	if (strcasecmp(kw, "ZERO") == 0)
		return cmd_zero(ps, false);
	if (strcasecmp(kw, "PREGAP") == 0)
		return cmd_pregap(ps);
	if (strcasecmp(kw, "START") == 0)
		return cmd_start(ps, false);
	if (strcasecmp(kw, "END") == 0)
		return cmd_start(ps, true);
	if (strcasecmp(kw, "INDEX") == 0)
		return cmd_index(ps);
	if (strcasecmp(kw, "FIFO") == 0)
		return toc_error(ps, "FIFO is not supported in an image");
	return 1;	/* not a track statement */
}

static const char *const disc_types[] = {"CD_DA", "CD_ROM", "CD_ROM_XA", "CD_I"};

static int parse(struct toc_parser *ps)
{
	char kw[32], got[64];
	int ret;

	while (peek_char(ps) != '\0') {
		int line = ps->tok_line;
		bool done = false;

		peek_word(ps, kw, sizeof(kw));
		if (kw[0] == '\0') {
			token_text(ps, got, sizeof(got));
			return toc_error(ps, "unexpected %s", got);
		}
		take_word(ps);
		if (strcasecmp(kw, "TRACK") == 0) {
			if (ps->in_track && (ret = finish_track(ps)) != 0)
				return ret;
			if ((ret = cmd_track(ps)) != 0)
				return ret;
			continue;
		}
		for (size_t i = 0; i < 4; i++)
			if (strcasecmp(kw, disc_types[i]) == 0) {
				if (ps->disc->ntracks)
					return toc_error_at(ps, line, "%s after the first "
							    "TRACK", kw);
				ps->type = (enum toc_disc_type)i;
				done = true;
			}
		if (done)
			continue;
		if (strcasecmp(kw, "CATALOG") == 0) {
			if (ps->disc->ntracks)
				return toc_error_at(ps, line, "CATALOG after the first TRACK");
			if ((ret = read_string(ps, "the catalog number")) != 0)
				return ret;
			if (strlen(ps->str) != 13 || strspn(ps->str, "0123456789") != 13)
				return toc_error(ps, "'%s' is not a 13-digit catalog number",
						 ps->str);
			memcpy(ps->disc->mcn, ps->str, 14);
			continue;
		}
		if (!ps->in_track && strcasecmp(kw, "CD_TEXT") == 0) {
			if ((ret = cdtext_block(ps, ps->disc->cdtext)) != 0)
				return ret;
			continue;
		}
		if (ps->in_track) {
			ret = track_statement(ps, kw);
			if (ret < 0)
				return ret;
			if (ret == 0)
				continue;
		} else {
			static const char *const in_track[] = {
				"NO", "COPY", "PRE_EMPHASIS", "TWO_CHANNEL_AUDIO",
				"FOUR_CHANNEL_AUDIO", "ISRC", "FILE", "AUDIOFILE",
				"DATAFILE", "SILENCE", "ZERO", "PREGAP", "START", "END",
				"INDEX", "FIFO"
			};

			for (size_t i = 0; i < sizeof(in_track) / sizeof(in_track[0]); i++)
				if (strcasecmp(kw, in_track[i]) == 0)
					return toc_error_at(ps, line, "%s before any TRACK", kw);
		}
		return toc_error_at(ps, line, "'%s' is not a toc file keyword", kw);
	}
	return 0;
}

static int toc_read(struct gm_ctx *ctx, const char *path, struct gm_disc *disc)
{
	struct toc_parser *ps;
	char *text;
	size_t len;
	int ret;

	ret = gm_read_text(ctx, path, "toc file", &text, &len);
	if (ret != 0)
		return ret;
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL) {
		free(text);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	ps->str = malloc(len + 1);
	if (ps->str == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	ps->ctx = ctx;
	ps->path = path;
	ps->disc = disc;
	ps->text = text;
	ps->line = 1;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		ps->pos = 3;	/* UTF-8 byte order mark */
	disc->format = "toc";
	ret = parse(ps);
	if (ret == 0 && ps->in_track)
		ret = finish_track(ps);
	if (ret == 0 && disc->ntracks == 0)
		ret = gm_error_set(ctx, GM_ERR_FORMAT, "toc file '%s' has no TRACK", path);
	if (ret == 0) {
		if (ps->type == TOC_CD_I)
			for (unsigned i = 0; i < disc->ntracks; i++)
				if (disc->tracks[i].mode == GM_TRACK_MODE2)
					disc->tracks[i].mode = GM_TRACK_CDI;
		gm_disc_finish(disc);
	}
out:
	free(ps->str);
	free(text);
	free(ps);
	return ret;
}

/*
 * A text with a TRACK followed by one of cdrdao's mode names (a cue sheet
 * has a track number there) is a TOC file; so is a .toc text file without
 * a cue sheet's numbered TRACK (one whose TRACK is misspelt, say).
 */
static int toc_bid(const char *path, const uint8_t *head, size_t len)
{
	size_t n = len < 4096 ? len : 4096;
	bool text = memchr(head, '\0', n) == NULL, cue_like = false;

	if (text) {
		char buf[4097];

		memcpy(buf, head, n);
		buf[n] = '\0';
		for (char *p = buf; (p = strstr(p, "TRACK")) != NULL; p += 5) {
			char *q = p + 5, word[16];
			size_t w = 0;

			if ((p != buf && !isspace((unsigned char)p[-1]))
			    || (*q != ' ' && *q != '\t'))
				continue;
			while (*q == ' ' || *q == '\t')
				q++;
			while (word_char(q[w]) && w < sizeof(word) - 1) {
				word[w] = q[w];
				w++;
			}
			word[w] = '\0';
			if (mode_named(word) >= 0)
				return 90;
			if (isdigit((unsigned char)word[0]))
				cue_like = true;
		}
	}
	if (!gm_path_has_ext(path, ".toc"))
		return 0;
	return text && !cue_like ? 85 : 30;
}

/* ------------------------------------------------------------------ */
/* Writing */

#define TOC_RUN 256

static void put_msf(FILE *f, int32_t frames)
{
	char msf[16];

	msf_text(frames, msf, sizeof(msf));
	fputs(msf, f);
}

/* A toc string: quoted, with what cdrdao's lexer cannot take in a string
   (quote, backslash, control characters) as escapes. */
static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"')
			fputs("\\\"", f);
		else if (c == '\\' || c < 0x20 || c == 0x7f)
			fprintf(f, "\\%03o", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static bool has_cdtext(char *const *text)
{
	for (int k = 0; k < GM_CDTEXT_COUNT; k++)
		if (text[k] != NULL)
			return true;
	return false;
}

static void put_language(FILE *f, char *const *text)
{
	fprintf(f, "  LANGUAGE 0 {\n");
	for (int k = 0; k < GM_CDTEXT_COUNT; k++) {
		if (text[k] == NULL)
			continue;
		fprintf(f, "    %s ", cdtext_keywords[k]);
		put_string(f, text[k]);
		fputc('\n', f);
	}
	fprintf(f, "  }\n");
}

/* The tracks a .toc gets: the first session's. */
static unsigned toc_tracks(const struct gm_disc *d)
{
	unsigned n = 0;

	while (n < d->ntracks && d->tracks[n].session == d->tracks[0].session)
		n++;
	return n;
}

/* What a .toc cannot hold of src, as a message; 0 when nothing. */
static int toc_check_lossless(struct gm_ctx *ctx, const struct gm_disc *d,
			      const char *path)
{
	unsigned n = toc_tracks(d);

	if (d->media != GM_MEDIA_CD)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "a toc file describes "
				    "a CD; this image is a %s: write an .iso",
				    d->media == GM_MEDIA_DVD ? "DVD" : "BD");
	if (n < d->ntracks)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' holds one session: "
				    "the later sessions (from track %u on) would be "
				    "lost; --lossy writes the first session only "
				    "(or write a .cue)", path, d->tracks[n].number);
	if (d->cdtextfile != NULL)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' cannot refer to a "
				    "CDTEXTFILE: '%s' would be lost; --lossy drops "
				    "the reference (or write a .cue)", path, d->cdtextfile);
	for (unsigned i = 0; i < n; i++) {
		const struct gm_track *t = &d->tracks[i];

		if (t->scms)
			return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' cannot hold "
					    "the SCMS flag of track %u; --lossy drops "
					    "it", path, t->number);
	}
	return 0;
}

struct toc_out {
	struct gm_outset set;
	FILE *bin;
	uint8_t *buf;
	uint64_t done, total;
	bool sub;		/* every sector followed by its raw P-W (RW_RAW) */
};

/* Whether the first n tracks of d have subchannel of their own (not one a
   reader would generate): then every track is written with RW_RAW. */
static bool toc_sub(const struct gm_disc *d, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (d->tracks[i].storage == GM_STORE_RAW_SUB || d->tracks[i].sub_file >= 0)
			return true;
	return false;
}

/* Copy a track's stored sectors to the bin, audio big-endian. */
static int copy_track(struct gm_ctx *ctx, struct gm_source *src,
		      struct toc_out *out, const struct gm_track *t,
		      const struct gm_write_opts *opts)
{
	int32_t lba = t->index[0] + t->pregap, end = t->end - t->postgap;

	size_t stride = out->sub ? GM_SECTOR_RAW + GM_SUB_SIZE : GM_SECTOR_RAW;

	while (lba < end) {
		struct gm_read req = {
			.lba = lba, .data = out->buf,
			.kind = out->sub ? GM_SECTOR_KIND_RAW_SUB : GM_SECTOR_KIND_RAW,
			.count = (uint32_t)(end - lba < TOC_RUN ? end - lba : TOC_RUN)
		};
		size_t len = (size_t)req.count * stride;
		int ret = gm_source_read(ctx, src, &req);

		if (ret != 0)
			return ret;
		for (uint32_t k = 0; t->mode == GM_TRACK_AUDIO && k < req.count; k++)
			gm_swab16(out->buf + k * stride, GM_SECTOR_RAW);	/* not the P-W */
		if ((ret = gm_outset_write(ctx, &out->set, out->bin, out->buf, len)) != 0)
			return ret;
		lba += (int32_t)req.count;
		out->done += len;
		if (opts->progress)
			opts->progress(opts->arg, out->done, out->total);
	}
	return 0;
}

static const char *disc_type(const struct gm_disc *d, unsigned n)
{
	enum toc_disc_type type = TOC_CD_DA;

	for (unsigned i = 0; i < n; i++) {
		enum toc_disc_type need = d->tracks[i].mode == GM_TRACK_CDI ? TOC_CD_I
			: d->tracks[i].mode == GM_TRACK_MODE2 ? TOC_CD_ROM_XA
			: d->tracks[i].mode == GM_TRACK_MODE1 ? TOC_CD_ROM : TOC_CD_DA;

		if (need > type)
			type = need;
	}
	return disc_types[type];
}

static void put_track(FILE *f, const struct gm_track *t, const char *bin,
		      uint64_t offset, bool any_cdtext, bool sub)
{
	size_t stride = sub ? GM_SECTOR_RAW + GM_SUB_SIZE : GM_SECTOR_RAW;
	bool audio = t->mode == GM_TRACK_AUDIO;
	const char *mode = audio ? "AUDIO" : t->mode == GM_TRACK_MODE1 ? "MODE1_RAW"
			   : "MODE2_RAW";
	int32_t stored = gm_track_stored(t);
	int32_t start = t->index[1] - t->index[0];

	fprintf(f, "\n// Track %u\nTRACK %s%s\n", t->number, mode, sub ? " RW_RAW" : "");
	fprintf(f, "%sCOPY\n", t->control & GM_CTL_DCP ? "" : "NO ");
	if (audio || t->control & GM_CTL_PRE)
		fprintf(f, "%sPRE_EMPHASIS\n", t->control & GM_CTL_PRE ? "" : "NO ");
	if (audio || t->control & GM_CTL_4CH)
		fprintf(f, "%s_CHANNEL_AUDIO\n", t->control & GM_CTL_4CH ? "FOUR" : "TWO");
	if (t->isrc[0]) {
		fprintf(f, "ISRC ");
		put_string(f, t->isrc);
		fputc('\n', f);
	}
	if (any_cdtext && has_cdtext(t->cdtext)) {
		fprintf(f, "CD_TEXT {\n");
		put_language(f, t->cdtext);
		fprintf(f, "}\n");
	}
	/* an unstored pregap that is the whole pregap is cdrdao's PREGAP;
	   one followed by stored pregap sectors is silence before START */
	if (t->pregap && t->pregap == start) {
		fprintf(f, "PREGAP ");
		put_msf(f, t->pregap);
		fputc('\n', f);
	} else if (t->pregap) {
		fprintf(f, audio ? "SILENCE " : "ZERO %s ", mode);
		put_msf(f, t->pregap);
		fputc('\n', f);
	}
	if (stored == 0) {
		/* a track of generated silence (a length of 0 would mean
		   the rest of the file to cdrdao) */
	} else if (audio && !sub) {
		/* the start as a position in the file, not a #offset, which
		   libcdio's reader does not take for audio (cdrdao takes only
		   DATAFILE in a track with sub-channel) */
		fprintf(f, "FILE ");
		put_string(f, bin);
		fputc(' ', f);
		put_msf(f, (int32_t)(offset / stride));
		fputc(' ', f);
	} else {
		fprintf(f, "DATAFILE ");
		put_string(f, bin);
		if (offset)
			fprintf(f, " #%llu", (unsigned long long)offset);
		fputc(' ', f);
	}
	if (stored > 0) {
		put_msf(f, stored);
		if (!audio || sub)
			fprintf(f, " // length in bytes: %llu",
				(unsigned long long)stored * stride);
		fputc('\n', f);
	}
	if (t->postgap) {
		fprintf(f, audio ? "SILENCE " : "ZERO %s ", mode);
		put_msf(f, t->postgap);
		fputc('\n', f);
	}
	if (start > 0 && !(t->pregap && t->pregap == start)) {
		fprintf(f, "START ");
		put_msf(f, start);
		fputc('\n', f);
	}
	for (unsigned n = 2; n <= t->nindex; n++) {
		fprintf(f, "INDEX ");
		put_msf(f, t->index[n] - t->index[1]);
		fputc('\n', f);
	}
}

static int toc_write(struct gm_ctx *ctx, struct gm_source *src,
		     const char *path, const struct gm_write_opts *opts)
{
	const struct gm_disc *d = gm_source_disc(src);
	unsigned n = toc_tracks(d);
	struct toc_out out;
	char *stem = NULL, *bin = NULL, *bin_path = NULL;
	FILE *toc = NULL;
	uint64_t offset = 0;
	bool any_cdtext;
	size_t len;
	int ret;

	if (n == 0)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "the image has no tracks "
				    "to write to '%s'", path);
	if (!opts->lossy && (ret = toc_check_lossless(ctx, d, path)) != 0)
		return ret;
	/* the toc is opened last: refuse an existing one before any work */
	if (!opts->force && access(path, F_OK) == 0)
		return gm_error_set(ctx, GM_ERR_EXISTS, "'%s' exists; use --force to "
				    "replace it", path);
	memset(&out, 0, sizeof(out));
	gm_outset_init(&out.set, opts->force);
	out.set.sync = opts->sync;
	stem = gm_path_stem(path);
	len = stem ? strlen(stem) + 5 : 0;
	bin = stem ? malloc(len) : NULL;
	if (bin != NULL) {
		snprintf(bin, len, "%s.bin", stem);
		bin_path = gm_path_beside(path, bin);
	}
	out.sub = toc_sub(d, n);
	out.buf = malloc((size_t)TOC_RUN * (GM_SECTOR_RAW + GM_SUB_SIZE));
	if (bin_path == NULL || out.buf == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto fail;
	}
	for (unsigned i = 0; i < n; i++)
		out.total += (uint64_t)gm_track_stored(&d->tracks[i])
			     * (out.sub ? GM_SECTOR_RAW + GM_SUB_SIZE : GM_SECTOR_RAW);

	/* The bin first, the toc last: it is renamed last. */
	if ((ret = gm_outset_open(ctx, &out.set, bin_path, &out.bin)) != 0)
		goto fail;
	for (unsigned i = 0; i < n; i++)
		if ((ret = copy_track(ctx, src, &out, &d->tracks[i], opts)) != 0)
			goto fail;
	if ((ret = gm_outset_open(ctx, &out.set, path, &toc)) != 0)
		goto fail;

	any_cdtext = has_cdtext(d->cdtext);
	for (unsigned i = 0; i < n; i++)
		any_cdtext = any_cdtext || has_cdtext(d->tracks[i].cdtext);
	fprintf(toc, "// cdrdao TOC file written by glassmaster\n%s\n",
		disc_type(d, n));
	if (d->mcn[0])
		fprintf(toc, "CATALOG \"%s\"\n", d->mcn);
	if (any_cdtext) {
		/* the language map belongs to the disc's block */
		/* on one line: libcdio's reader takes no other form */
		fprintf(toc, "CD_TEXT {\n  LANGUAGE_MAP { 0 : EN }\n");
		put_language(toc, d->cdtext);
		fprintf(toc, "}\n");
	}
	for (unsigned i = 0; i < n; i++) {
		const struct gm_track *t = &d->tracks[i];

		put_track(toc, t, gm_path_base(bin), offset, any_cdtext, out.sub);
		offset += (uint64_t)gm_track_stored(t)
			  * (out.sub ? GM_SECTOR_RAW + GM_SUB_SIZE : GM_SECTOR_RAW);
	}
	if (ferror(toc)) {
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", path);
		goto fail;
	}
	if ((ret = gm_outset_commit(ctx, &out.set)) != 0)
		goto fail;
	free(out.buf);
	free(bin_path);
	free(bin);
	free(stem);
	return 0;
fail:
	gm_outset_abort(&out.set);
	free(out.buf);
	free(bin_path);
	free(bin);
	free(stem);
	return ret;
}

const struct gm_format_ops gm_format_toc = {
	.name = "toc",
	.extension = ".toc",
	.bid = toc_bid,
	.read = toc_read,
	.write = toc_write,
};
