/*
 * cue.c - CDRWIN cue sheets (.cue) with their BIN and WAVE files: read
 * and write, single-file and multi-file (redump naming, "Name (Track
 * N).bin"; INDEX times are relative to their FILE).
 *
 * Read: FILE (BINARY, MOTOROLA, WAVE), TRACK (AUDIO, CDG, MODE1/2048,
 * MODE1/2352, MODE2/2048, MODE2/2324, MODE2/2336, MODE2/2352, CDI/2336,
 * CDI/2352), INDEX, PREGAP, POSTGAP, FLAGS, ISRC, CATALOG, CDTEXTFILE,
 * TITLE, PERFORMER, SONGWRITER, COMPOSER, ARRANGER, MESSAGE, REM (REM
 * SESSION nn starts a session; other REM lines are comments).
 * Write: every track as 2352-byte raw sectors (AUDIO, MODE1/2352,
 * MODE2/2352), unstored gaps as PREGAP/POSTGAP, and the metadata above.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "image_private.h"
#include "banned.h"


/* Lead-out plus lead-in before a later session's first track
   (90 s + 60 s for session 2, 30 s + 60 s after; ECMA-130 / Orange Book). */
#define SESSION2_GAP (6750 + 4500)
#define SESSIONN_GAP (2250 + 4500)

static const struct {
	const char *name;
	enum gm_track_mode mode;
	enum gm_storage storage;
} track_types[] = {
	{"AUDIO", GM_TRACK_AUDIO, GM_STORE_RAW},
	{"CDG", GM_TRACK_AUDIO, GM_STORE_RAW_SUB},
	{"MODE1/2048", GM_TRACK_MODE1, GM_STORE_USER},
	{"MODE1/2352", GM_TRACK_MODE1, GM_STORE_RAW},
	{"MODE2/2048", GM_TRACK_MODE2, GM_STORE_USER},
	{"MODE2/2324", GM_TRACK_MODE2, GM_STORE_FORM2},
	{"MODE2/2336", GM_TRACK_MODE2, GM_STORE_MODE2},
	{"MODE2/2352", GM_TRACK_MODE2, GM_STORE_RAW},
	{"CDI/2336", GM_TRACK_CDI, GM_STORE_MODE2},
	{"CDI/2352", GM_TRACK_CDI, GM_STORE_RAW},
};

static const char *const cdtext_keywords[GM_CDTEXT_COUNT] = {
	"TITLE", "PERFORMER", "SONGWRITER", "COMPOSER", "ARRANGER", "MESSAGE"
};

/* ------------------------------------------------------------------ */
/* Reading */

/* Per-track facts only the parse needs. */
struct cue_track {
	int file;		/* index into disc->files */
	int32_t frame[100];	/* INDEX times in frames from the file start */
	bool has_index[100];
	int line;		/* of the TRACK command */
};

struct cue_parser {
	struct gm_ctx *ctx;
	const char *path;
	struct gm_disc *disc;
	struct cue_track ct[GM_MAX_TRACKS];
	int file;		/* current FILE, -1 before the first */
	unsigned session;
	int line;
	char *p;		/* the rest of the current line */
};

static int cue_error(struct cue_parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int cue_error(struct cue_parser *ps, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gm_error_set(ps->ctx, GM_ERR_FORMAT, "cue sheet '%s' line %d: %s",
			    ps->path, ps->line, msg);
}

/* The next word or "quoted string" of the line, or NULL at its end. */
static char *next_word(struct cue_parser *ps, bool *bad_quote)
{
	char *p = ps->p, *start;

	*bad_quote = false;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0') {
		ps->p = p;
		return NULL;
	}
	if (*p == '"') {
		start = ++p;
		while (*p && *p != '"')
			p++;
		if (*p != '"') {
			*bad_quote = true;
			return NULL;
		}
		*p++ = '\0';
	} else {
		start = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	ps->p = p;
	return start;
}

static int word(struct cue_parser *ps, const char *what, char **out)
{
	bool bad_quote;

	*out = next_word(ps, &bad_quote);
	if (bad_quote)
		return cue_error(ps, "unterminated quoted string");
	if (*out == NULL)
		return cue_error(ps, "%s is missing", what);
	return 0;
}

static int end_of_line(struct cue_parser *ps)
{
	bool bad_quote;
	char *extra = next_word(ps, &bad_quote);

	if (bad_quote || extra != NULL)
		return cue_error(ps, "unexpected '%s' at the end of the line",
				 extra ? extra : "\"");
	return 0;
}

/* mm:ss:ff into frames. */
static int parse_time(struct cue_parser *ps, const char *s, int32_t *frames)
{
	unsigned m, sec, f;
	int n = 0;

	if (sscanf(s, "%3u:%2u:%2u%n", &m, &sec, &f, &n) != 3 || s[n] != '\0'
	    || sec >= 60 || f >= GM_FRAMES_PER_SECOND)
		return cue_error(ps, "'%s' is not a time mm:ss:ff (ss < 60, ff < 75)", s);
	*frames = (int32_t)((m * 60 + sec) * GM_FRAMES_PER_SECOND + f);
	return 0;
}

static int parse_number(struct cue_parser *ps, const char *s, unsigned max,
			const char *what, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || !isdigit((unsigned char)s[0]))
		return cue_error(ps, "'%s' is not a %s (0-%u)", s, what, max);
	*out = (unsigned)v;
	return 0;
}

static int cmd_file(struct cue_parser *ps)
{
	char *name, *type;
	enum gm_file_type ft;
	int ret;

	if ((ret = word(ps, "the file name", &name)) != 0)
		return ret;
	if ((ret = word(ps, "the file type", &type)) != 0)
		return ret;
	if (strcasecmp(type, "BINARY") == 0)
		ft = GM_FILE_BINARY;
	else if (strcasecmp(type, "MOTOROLA") == 0)
		ft = GM_FILE_MOTOROLA;
	else if (strcasecmp(type, "WAVE") == 0)
		ft = GM_FILE_WAVE;
	else
		return cue_error(ps, "file type '%s' is not supported (BINARY, "
				 "MOTOROLA, WAVE)", type);
	if ((ret = end_of_line(ps)) != 0)
		return ret;
	if (ps->disc->nfiles >= GM_MAX_TRACKS)
		return cue_error(ps, "more than %d files", GM_MAX_TRACKS);
	ret = gm_disc_add_file(ps->ctx, ps->disc, ps->path, name, ft);
	if (ret < 0) {
		/* name the line as well as the file */
		char msg[GM_ERROR_MAX];

		snprintf(msg, sizeof(msg), "%s", gm_error(ps->ctx));
		return gm_error_set(ps->ctx, gm_error_code(ps->ctx), "cue sheet "
				    "'%s' line %d: %s", ps->path, ps->line, msg);
	}
	ps->file = ret;
	if (ft == GM_FILE_WAVE) {
		char why[512];

		if (gm_wave_data(&ps->disc->files[ret], why, sizeof(why)) != 0)
			return cue_error(ps, "%s", why);
	}
	return 0;
}

static struct gm_track *current_track(struct cue_parser *ps)
{
	return ps->disc->ntracks ? &ps->disc->tracks[ps->disc->ntracks - 1] : NULL;
}

static int cmd_track(struct cue_parser *ps)
{
	struct gm_disc *d = ps->disc;
	struct gm_track *t;
	char *num, *type;
	unsigned n;
	size_t i;
	int ret;

	if (ps->file < 0)
		return cue_error(ps, "TRACK before any FILE");
	if ((ret = word(ps, "the track number", &num)) != 0
	    || (ret = parse_number(ps, num, 99, "track number", &n)) != 0
	    || (ret = word(ps, "the track type", &type)) != 0
	    || (ret = end_of_line(ps)) != 0)
		return ret;
	if (n == 0)
		return cue_error(ps, "track number 0");
	if (d->ntracks == GM_MAX_TRACKS)
		return cue_error(ps, "more than 99 tracks");
	if (d->ntracks && n != d->tracks[d->ntracks - 1].number + 1u)
		return cue_error(ps, "track %u follows track %u", n,
				 d->tracks[d->ntracks - 1].number);
	if (d->ntracks && !ps->ct[d->ntracks - 1].has_index[1]) {
		ps->line = ps->ct[d->ntracks - 1].line;
		return cue_error(ps, "track %u has no INDEX 01",
				 d->tracks[d->ntracks - 1].number);
	}
	for (i = 0; i < sizeof(track_types) / sizeof(track_types[0]); i++)
		if (strcasecmp(type, track_types[i].name) == 0)
			break;
	if (i == sizeof(track_types) / sizeof(track_types[0]))
		return cue_error(ps, "track type '%s' is unknown", type);
	if (d->files[ps->file].type == GM_FILE_WAVE
	    && track_types[i].mode != GM_TRACK_AUDIO)
		return cue_error(ps, "a WAVE file holds audio, not %s", type);
	t = &d->tracks[d->ntracks];
	memset(t, 0, sizeof(*t));
	t->number = (uint8_t)n;
	t->session = (uint8_t)ps->session;
	t->mode = track_types[i].mode;
	t->storage = track_types[i].storage;
	t->file = (unsigned)ps->file;
	t->sub_file = -1;
	memset(&ps->ct[d->ntracks], 0, sizeof(ps->ct[0]));
	ps->ct[d->ntracks].file = ps->file;
	ps->ct[d->ntracks].line = ps->line;
	d->ntracks++;
	return 0;
}

static int cmd_index(struct cue_parser *ps)
{
	struct gm_track *t = current_track(ps);
	struct cue_track *ct;
	char *num, *time;
	unsigned n;
	int32_t frames;
	int ret;

	if (t == NULL)
		return cue_error(ps, "INDEX before any TRACK");
	ct = &ps->ct[ps->disc->ntracks - 1];
	if (ct->file != ps->file)
		return cue_error(ps, "INDEX of track %u in a new FILE without a "
				 "TRACK", t->number);
	if ((ret = word(ps, "the index number", &num)) != 0
	    || (ret = parse_number(ps, num, 99, "index number", &n)) != 0
	    || (ret = word(ps, "the index time", &time)) != 0
	    || (ret = parse_time(ps, time, &frames)) != 0
	    || (ret = end_of_line(ps)) != 0)
		return ret;
	if (ct->has_index[n])
		return cue_error(ps, "INDEX %02u given twice", n);
	if (n > 1 && !ct->has_index[n - 1])
		return cue_error(ps, "INDEX %02u before INDEX %02u", n, n - 1);
	if (n == 0 && ct->has_index[1])
		return cue_error(ps, "INDEX 00 after INDEX 01");
	if (n > 0 && ct->has_index[n - 1] && frames < ct->frame[n - 1])
		return cue_error(ps, "INDEX %02u at %s is before INDEX %02u", n, time,
				 n - 1);
	ct->has_index[n] = true;
	ct->frame[n] = frames;
	if (n > t->nindex)
		t->nindex = n;
	return 0;
}

static int cmd_gap(struct cue_parser *ps, bool pre)
{
	struct gm_track *t = current_track(ps);
	char *time;
	int32_t frames;
	int ret;

	if (t == NULL)
		return cue_error(ps, "%s before any TRACK", pre ? "PREGAP" : "POSTGAP");
	if ((ret = word(ps, "the gap length", &time)) != 0
	    || (ret = parse_time(ps, time, &frames)) != 0
	    || (ret = end_of_line(ps)) != 0)
		return ret;
	if (pre) {
		if (ps->ct[ps->disc->ntracks - 1].has_index[0]
		    || ps->ct[ps->disc->ntracks - 1].has_index[1])
			return cue_error(ps, "PREGAP must come before the INDEX lines");
		t->pregap = frames;
	} else {
		t->postgap = frames;
	}
	return 0;
}

static int cmd_flags(struct cue_parser *ps)
{
	struct gm_track *t = current_track(ps);
	char *flag;
	bool bad_quote;

	if (t == NULL)
		return cue_error(ps, "FLAGS before any TRACK");
	while ((flag = next_word(ps, &bad_quote)) != NULL) {
		if (strcasecmp(flag, "DCP") == 0)
			t->control |= GM_CTL_DCP;
		else if (strcasecmp(flag, "4CH") == 0)
			t->control |= GM_CTL_4CH;
		else if (strcasecmp(flag, "PRE") == 0)
			t->control |= GM_CTL_PRE;
		else if (strcasecmp(flag, "SCMS") == 0)
			t->scms = true;
		else if (strcasecmp(flag, "DATA") == 0)
			t->control |= GM_CTL_DATA;
		else
			return cue_error(ps, "flag '%s' is unknown (DCP, 4CH, PRE, SCMS)",
					 flag);
	}
	return bad_quote ? cue_error(ps, "unterminated quoted string") : 0;
}

static int cmd_text(struct cue_parser *ps, int field)
{
	struct gm_track *t = current_track(ps);
	char **slot = t ? &t->cdtext[field] : &ps->disc->cdtext[field];
	char *text;
	int ret;

	if ((ret = word(ps, "the text", &text)) != 0 || (ret = end_of_line(ps)) != 0)
		return ret;
	free(*slot);
	*slot = gm_strdup(text);
	return *slot ? 0 : gm_error_set(ps->ctx, GM_ERR_NOMEM, NULL);
}

static int cmd_rem(struct cue_parser *ps)
{
	bool bad_quote;
	char *key = next_word(ps, &bad_quote), *num;
	unsigned n;
	int ret;

	if (key == NULL || strcasecmp(key, "SESSION") != 0)
		return 0;	/* a comment */
	if ((ret = word(ps, "the session number", &num)) != 0
	    || (ret = parse_number(ps, num, 99, "session number", &n)) != 0)
		return ret;
	if (n != ps->session && n != ps->session + 1)
		return cue_error(ps, "session %u follows session %u", n, ps->session);
	if (n == ps->session + 1 && ps->disc->ntracks == 0)
		return cue_error(ps, "session %u has no tracks before it", n);
	ps->session = n;
	return 0;
}

static int parse_line(struct cue_parser *ps)
{
	struct gm_track *t;
	bool bad_quote;
	char *cmd = next_word(ps, &bad_quote), *arg;
	int ret;

	if (bad_quote)
		return cue_error(ps, "unterminated quoted string");
	if (cmd == NULL)
		return 0;
	if (strcasecmp(cmd, "FILE") == 0)
		return cmd_file(ps);
	if (strcasecmp(cmd, "TRACK") == 0)
		return cmd_track(ps);
	if (strcasecmp(cmd, "INDEX") == 0)
		return cmd_index(ps);
	if (strcasecmp(cmd, "PREGAP") == 0)
		return cmd_gap(ps, true);
	if (strcasecmp(cmd, "POSTGAP") == 0)
		return cmd_gap(ps, false);
	if (strcasecmp(cmd, "FLAGS") == 0)
		return cmd_flags(ps);
	if (strcasecmp(cmd, "REM") == 0)
		return cmd_rem(ps);
	for (int f = 0; f < GM_CDTEXT_COUNT; f++)
		if (strcasecmp(cmd, cdtext_keywords[f]) == 0)
			return cmd_text(ps, f);
	if (strcasecmp(cmd, "ISRC") == 0) {
		t = current_track(ps);
		if (t == NULL)
			return cue_error(ps, "ISRC before any TRACK");
		if ((ret = word(ps, "the ISRC", &arg)) != 0 || (ret = end_of_line(ps)) != 0)
			return ret;
		if (!gm_isrc_valid(arg))
			return cue_error(ps, "'%s' is not an ISRC (CCOOOYYNNNNN: 5 "
					 "letters or digits, then 7 digits)", arg);
		memcpy(t->isrc, arg, 13);
		return 0;
	}
	if (strcasecmp(cmd, "CATALOG") == 0) {
		if ((ret = word(ps, "the catalog number", &arg)) != 0
		    || (ret = end_of_line(ps)) != 0)
			return ret;
		if (strlen(arg) != 13 || strspn(arg, "0123456789") != 13)
			return cue_error(ps, "'%s' is not a 13-digit catalog number", arg);
		memcpy(ps->disc->mcn, arg, 14);
		return 0;
	}
	if (strcasecmp(cmd, "CDTEXTFILE") == 0) {
		if ((ret = word(ps, "the file name", &arg)) != 0
		    || (ret = end_of_line(ps)) != 0)
			return ret;
		free(ps->disc->cdtextfile);
		ps->disc->cdtextfile = gm_path_beside(ps->path, arg);
		if (ps->disc->cdtextfile == NULL)
			return gm_error_set(ps->ctx, GM_ERR_NOMEM, NULL);
		if (access(ps->disc->cdtextfile, R_OK) != 0)
			return cue_error(ps, "CDTEXTFILE '%s' cannot be read: %s",
					 ps->disc->cdtextfile, strerror(errno));
		return 0;
	}
	return cue_error(ps, "'%s' is not a cue sheet command", cmd);
}

/*
 * Turn file-relative INDEX times into absolute LBAs.  The first FILE's
 * first sector is LBA 0; each track's pregap starts where the previous
 * track (its postgap included) ends, after the lead-out and lead-in of a
 * session change; within a file the stored sectors are contiguous.
 */
static int lay_out(struct cue_parser *ps)
{
	struct gm_disc *d = ps->disc;
	int32_t next_lba = 0;
	unsigned session = 1;

	for (unsigned i = 0; i < d->ntracks; i++) {
		struct gm_track *t = &d->tracks[i];
		struct cue_track *ct = &ps->ct[i];
		const struct gm_file *f = &d->files[ct->file];
		int32_t first = ct->has_index[0] ? ct->frame[0] : ct->frame[1];
		int32_t stored, stored_start;
		bool new_file = i == 0 || ct->file != ps->ct[i - 1].file;
		bool last_in_file = i + 1 == d->ntracks || ps->ct[i + 1].file != ct->file;

		if (new_file) {
			t->offset = (uint64_t)first * t->storage;
		} else {
			const struct gm_track *p = &d->tracks[i - 1];

			t->offset = p->offset + (uint64_t)gm_track_stored(p) * p->storage;
		}
		if (last_in_file) {
			uint64_t bytes = f->size - t->offset;

			if (t->offset > f->size || bytes % t->storage != 0
			    || bytes / t->storage > (uint64_t)GM_LBA_MAX) {
				ps->line = ct->line;
				return cue_error(ps, "'%s' is %llu bytes: from track %u on "
						 "that is not a whole number of %d-byte "
						 "sectors", f->path,
						 (unsigned long long)f->size, t->number,
						 (int)t->storage);
			}
			stored = (int32_t)(bytes / t->storage);
		} else {
			stored = (ps->ct[i + 1].has_index[0] ? ps->ct[i + 1].frame[0]
				  : ps->ct[i + 1].frame[1]) - first;
		}
		if (stored <= 0 || first + stored <= ct->frame[t->nindex]) {
			ps->line = ct->line;
			return cue_error(ps, "track %u has no sectors from its last INDEX "
					 "on in '%s'", t->number, f->path);
		}
		if (t->session != session) {
			next_lba += session == 1 ? SESSION2_GAP : SESSIONN_GAP;
			session = t->session;
		}
		t->index[0] = next_lba;
		stored_start = next_lba + t->pregap;
		for (unsigned n = 1; n <= t->nindex; n++)
			t->index[n] = stored_start + ct->frame[n] - first;
		t->end = stored_start + stored + t->postgap;
		if (t->end > GM_LBA_MAX) {
			ps->line = ct->line;
			return cue_error(ps, "track %u ends beyond LBA %d", t->number,
					 GM_LBA_MAX);
		}
		next_lba = t->end;
	}
	return 0;
}

static int cue_read(struct gm_ctx *ctx, const char *path, struct gm_disc *disc)
{
	struct cue_parser *ps;
	char *text;
	size_t len;
	int ret = 0;

	ret = gm_read_text(ctx, path, "cue sheet", &text, &len);
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
	ps->file = -1;
	ps->session = 1;
	disc->format = "cue";
	for (char *line = text, *next; line && ret == 0; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		ps->line++;
		if (ps->line == 1 && (uint8_t)line[0] == 0xef
		    && (uint8_t)line[1] == 0xbb && (uint8_t)line[2] == 0xbf)
			line += 3;	/* UTF-8 byte order mark */
		line[strcspn(line, "\r")] = '\0';
		ps->p = line;
		ret = parse_line(ps);
	}
	if (ret != 0)
		goto out;
	if (disc->ntracks == 0) {
		ret = gm_error_set(ctx, GM_ERR_FORMAT, "cue sheet '%s' has no TRACK",
				   path);
		goto out;
	}
	if (!ps->ct[disc->ntracks - 1].has_index[1]) {
		ps->line = ps->ct[disc->ntracks - 1].line;
		ret = cue_error(ps, "track %u has no INDEX 01",
				disc->tracks[disc->ntracks - 1].number);
		goto out;
	}
	for (unsigned i = 0; i < disc->nfiles; i++)
		for (unsigned k = 0; k < disc->ntracks; k++)
			if (ps->ct[k].file == (int)i)
				goto used;
	/* every FILE holds a track */
	if (0) {
used:		ret = lay_out(ps);
	}
	if (ret == 0)
		gm_disc_finish(disc);
out:
	free(text);
	free(ps);
	return ret;
}

static int cue_bid(const char *path, const uint8_t *head, size_t len)
{
	size_t n = len < 4096 ? len : 4096;

	/* a text file with FILE and TRACK */
	if (memchr(head, '\0', n) == NULL) {
		char buf[4097];

		memcpy(buf, head, n);
		buf[n] = '\0';
		if (strstr(buf, "FILE") && strstr(buf, "TRACK"))
			return 80;
	}
	return gm_path_has_ext(path, ".cue") ? 30 : 0;
}

/* ------------------------------------------------------------------ */
/* Writing */

static void put_time(FILE *f, int32_t frames)
{
	fprintf(f, "%02ld:%02ld:%02ld", (long)(frames / (60 * GM_FRAMES_PER_SECOND)),
		(long)(frames / GM_FRAMES_PER_SECOND % 60),
		(long)(frames % GM_FRAMES_PER_SECOND));
}

/* A cue string: quoted, with characters a sheet cannot hold replaced. */
static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		fputc(*s == '"' || *s == '\n' || *s == '\r' ? '\'' : *s, f);
	fputc('"', f);
}

static bool track_has_sub(const struct gm_track *t)
{
	return t->storage == GM_STORE_RAW_SUB || t->sub_file >= 0;
}

/*
 * Which tracks store a subchannel that a sheet would lose: one that is
 * not what the layout generates (a sheet's reader generates it again, so
 * a generated one is no loss).  Counts in diff[i] for track i.
 */
static int find_extra_sub(struct gm_ctx *ctx, struct gm_source *src,
			  bool *extra, struct gm_sub_diff *diff)
{
	const struct gm_disc *d = gm_source_disc(src);

	for (unsigned i = 0; i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];
		int ret;

		extra[i] = false;
		memset(&diff[i], 0, sizeof(diff[i]));
		if (!track_has_sub(t))
			continue;
		ret = gm_source_sub_diff(ctx, src, t->index[0], t->end, &diff[i]);
		if (ret != 0)
			return ret;
		extra[i] = diff[i].sectors > 0;
	}
	return 0;
}

/* Audio whose subchannel is more than generated is kept as CDG. */
static const char *cue_type(const struct gm_track *t, bool cdg)
{
	switch (t->mode) {
	case GM_TRACK_AUDIO: return cdg ? "CDG" : "AUDIO";
	case GM_TRACK_MODE1: return "MODE1/2352";
	case GM_TRACK_MODE2: return "MODE2/2352";
	case GM_TRACK_CDI: return "CDI/2352";
	}
	return "MODE1/2352";
}

/* What a .cue cannot hold of src, as a message; 0 when nothing. */
static int cue_check_lossless(struct gm_ctx *ctx, const struct gm_disc *d,
			      const char *path, const bool *extra,
			      const struct gm_sub_diff *diff)
{
	if (d->media != GM_MEDIA_CD)
		return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "a cue sheet describes "
				    "a CD; this image is a %s: write an .iso",
				    d->media == GM_MEDIA_DVD ? "DVD" : "BD");
	for (unsigned i = 0; i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];
		const struct gm_sub_diff *f = &diff[i];

		/* audio with subchannel is a CDG track; data has no such type */
		if (extra[i] && t->mode != GM_TRACK_AUDIO)
			return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' cannot hold "
					    "the subchannel of data track %u, and in "
					    "%lu of its sectors (the first at LBA %ld) "
					    "it is not what the layout generates: Q "
					    "differs in %lu (%lu with a bad CRC), P in "
					    "%lu, R-W carry data in %lu; --lossy drops "
					    "it (or write a .ccd)", path, t->number,
					    (unsigned long)f->sectors, (long)f->first,
					    (unsigned long)f->q,
					    (unsigned long)f->q_bad_crc,
					    (unsigned long)f->p, (unsigned long)f->rw);
	}
	return 0;
}

/*
 * The postgap a sheet says for t: none when the track would then store no
 * sector from INDEX 01 on (a track of generated silence read from a TOC
 * file), since readers place such a track on the next one's data; its
 * sectors are then written to the BIN like any other.
 */
static int32_t cue_postgap(const struct gm_track *t)
{
	return t->end - t->postgap > t->index[1] ? t->postgap : 0;
}

struct cue_out {
	struct gm_outset set;
	FILE *bin;
	uint8_t *buf;
};

#define CUE_RUN 256

/* Copy the stored sectors lba..end of the source to the current bin. */
static int copy_sectors(struct gm_ctx *ctx, struct gm_source *src,
			struct cue_out *out, int32_t lba, int32_t end,
			enum gm_sector_kind kind, const struct gm_write_opts *opts,
			uint64_t *done, uint64_t total)
{
	size_t size = gm_sector_kind_size(kind);

	while (lba < end) {
		struct gm_read req = {
			.lba = lba, .kind = kind, .data = out->buf,
			.count = (uint32_t)(end - lba < CUE_RUN ? end - lba : CUE_RUN)
		};
		int ret = gm_source_read(ctx, src, &req);

		if (ret == 0)
			ret = gm_outset_write(ctx, &out->set, out->bin, out->buf,
					      (size_t)req.count * size);
		if (ret != 0)
			return ret;
		lba += (int32_t)req.count;
		*done += (uint64_t)req.count * size;
		if (opts->progress)
			opts->progress(opts->arg, *done, total);
	}
	return 0;
}

static char *bin_name(const char *stem, unsigned track, bool split,
		      unsigned ntracks)
{
	size_t len = strlen(stem) + 32;
	char *name = malloc(len);

	if (name == NULL)
		return NULL;
	if (split && ntracks > 1)
		snprintf(name, len, "%s (Track %0*u).bin", stem, ntracks > 9 ? 2 : 1,
			 track);
	else
		snprintf(name, len, "%s.bin", stem);
	return name;
}

#define CDTEXTFILE_MAX (1 << 20)

/* Copy the sheet's CD-TEXT file beside the new sheet as STEM.cdt. */
static int copy_cdtextfile(struct gm_ctx *ctx, struct gm_outset *set,
			   const char *from, const char *sheet, char **name)
{
	char *stem = gm_path_stem(sheet), *base = NULL;
	uint8_t *buf = malloc(CDTEXTFILE_MAX);
	FILE *in = NULL, *out;
	size_t len;
	int ret;

	if (stem == NULL || buf == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	in = fopen(from, "rb");
	if (in == NULL) {
		ret = gm_error_set_errno(ctx, GM_ERR_NOENT, errno, "cannot open '%s'", from);
		goto out;
	}
	len = fread(buf, 1, CDTEXTFILE_MAX, in);
	if (ferror(in) || !feof(in)) {
		ret = gm_error_set(ctx, GM_ERR_FORMAT, "cannot read '%s', or it is "
				   "larger than 1 MiB", from);
		goto out;
	}
	base = malloc(strlen(stem) + 5);
	if (base == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	memcpy(base, stem, strlen(stem));
	memcpy(base + strlen(stem), ".cdt", 5);
	*name = gm_path_beside(sheet, base);
	ret = *name ? gm_outset_open(ctx, set, *name, &out)
		    : gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	if (ret == 0)
		ret = gm_outset_write(ctx, set, out, buf, len);
out:
	if (in)
		fclose(in);
	free(buf);
	free(base);
	free(stem);
	return ret;
}

static void put_cdtext(FILE *f, char *const *text, const char *indent)
{
	for (int k = 0; k < GM_CDTEXT_COUNT; k++) {
		if (text[k] == NULL)
			continue;
		fprintf(f, "%s%s ", indent, cdtext_keywords[k]);
		put_string(f, text[k]);
		fputc('\n', f);
	}
}

static int cue_write(struct gm_ctx *ctx, struct gm_source *src,
		     const char *path, const struct gm_write_opts *opts)
{
	const struct gm_disc *d = gm_source_disc(src);
	struct cue_out out;
	bool split;
	char *stem = gm_path_stem(path);
	FILE *sheet = NULL;
	uint64_t done = 0, total = 0;
	int32_t file_frame = 0;	/* stored sectors before the track in its file */
	char *cdt_name = NULL;
	unsigned session = 1;
	bool extra[GM_MAX_TRACKS];
	struct gm_sub_diff diff[GM_MAX_TRACKS];
	int ret;

	if (stem == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	memset(extra, 0, sizeof(extra));
	if (!opts->lossy
	    && ((ret = find_extra_sub(ctx, src, extra, diff)) != 0
		|| (ret = cue_check_lossless(ctx, d, path, extra, diff)) != 0)) {
		free(stem);
		return ret;
	}
	/* the sheet is opened last: refuse an existing one before any work */
	if (!opts->force && access(path, F_OK) == 0) {
		free(stem);
		return gm_error_set(ctx, GM_ERR_EXISTS, "'%s' exists; use --force to "
				    "replace it", path);
	}
	split = opts->split || (!opts->merge && d->nfiles > 1 && d->ntracks > 1
				&& strcmp(d->format, "cue") == 0);
	memset(&out, 0, sizeof(out));
	gm_outset_init(&out.set, opts->force);
	out.set.sync = opts->sync;
	out.set.hashes = opts->hashes;
	out.buf = malloc((size_t)CUE_RUN * GM_STORE_RAW_SUB);
	if (out.buf == NULL) {
		free(stem);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	for (unsigned i = 0; i < d->ntracks; i++)
		total += (uint64_t)(gm_track_stored(&d->tracks[i])
				    + d->tracks[i].postgap - cue_postgap(&d->tracks[i]))
			 * GM_SECTOR_RAW;

	/* The bins first, the sheet last: it is renamed last. */
	for (unsigned i = 0; i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];
		int32_t first = t->index[0] + t->pregap;

		if (i == 0 || split) {
			char *name = bin_name(gm_path_base(stem), t->number, split, d->ntracks);
			char *full = name ? gm_path_beside(path, name) : NULL;

			ret = full ? gm_outset_open(ctx, &out.set, full, &out.bin)
				   : gm_error_set(ctx, GM_ERR_NOMEM, NULL);
			free(name);
			free(full);
			if (ret != 0)
				goto fail;
		}
		ret = copy_sectors(ctx, src, &out, first, t->end - cue_postgap(t),
				   extra[i] ? GM_SECTOR_KIND_RAW_SUB
				   : GM_SECTOR_KIND_RAW,
				   opts, &done, total);
		if (ret != 0)
			goto fail;
	}
	if (d->cdtextfile != NULL) {
		ret = copy_cdtextfile(ctx, &out.set, d->cdtextfile, path, &cdt_name);
		if (ret != 0)
			goto fail;
	}
	ret = gm_outset_open(ctx, &out.set, path, &sheet);
	if (ret != 0)
		goto fail;

	if (cdt_name != NULL) {
		fprintf(sheet, "CDTEXTFILE ");
		put_string(sheet, gm_path_base(cdt_name));
		fputc('\n', sheet);
	}
	if (d->mcn[0])
		fprintf(sheet, "CATALOG %s\n", d->mcn);
	put_cdtext(sheet, d->cdtext, "");
	for (unsigned i = 0; i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];
		int32_t first = t->index[0] + t->pregap;

		if (i == 0 || split) {
			char *name = bin_name(gm_path_base(stem), t->number, split, d->ntracks);

			if (name == NULL) {
				ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
				goto fail;
			}
			file_frame = 0;
			fprintf(sheet, "FILE ");
			put_string(sheet, name);
			fprintf(sheet, " BINARY\n");
			free(name);
		}
		if (d->nsessions > 1 && (i == 0 || t->session != session)) {
			session = t->session;
			fprintf(sheet, "REM SESSION %02u\n", session);
		}
		fprintf(sheet, "  TRACK %02u %s\n", t->number, cue_type(t, extra[i]));
		put_cdtext(sheet, t->cdtext, "    ");
		if (t->control & (GM_CTL_DCP | GM_CTL_4CH | GM_CTL_PRE) || t->scms)
			fprintf(sheet, "    FLAGS%s%s%s%s\n",
				t->control & GM_CTL_DCP ? " DCP" : "",
				t->control & GM_CTL_4CH ? " 4CH" : "",
				t->control & GM_CTL_PRE ? " PRE" : "",
				t->scms ? " SCMS" : "");
		if (t->isrc[0])
			fprintf(sheet, "    ISRC %s\n", t->isrc);
		if (t->pregap) {
			fprintf(sheet, "    PREGAP ");
			put_time(sheet, t->pregap);
			fputc('\n', sheet);
		}
		if (t->index[0] + t->pregap < t->index[1]) {
			fprintf(sheet, "    INDEX 00 ");
			put_time(sheet, file_frame);
			fputc('\n', sheet);
		}
		for (unsigned n = 1; n <= t->nindex; n++) {
			/* a sheet has no way to say an index is in a POSTGAP */
			if (n > 1 && t->index[n] >= t->end - cue_postgap(t)) {
				if (opts->lossy)
					break;
				ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "'%s' cannot "
						   "hold index %u of track %u: it lies in "
						   "the unstored postgap; --lossy drops it",
						   path, n, t->number);
				goto fail;
			}
			fprintf(sheet, "    INDEX %02u ", n);
			put_time(sheet, file_frame + t->index[n] - first);
			fputc('\n', sheet);
		}
		if (cue_postgap(t)) {
			fprintf(sheet, "    POSTGAP ");
			put_time(sheet, t->postgap);
			fputc('\n', sheet);
		}
		file_frame += t->end - cue_postgap(t) - first;
	}
	if (ferror(sheet)) {
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", path);
		goto fail;
	}
	ret = gm_outset_commit(ctx, &out.set);
	if (ret != 0)
		goto fail;
	free(out.buf);
	free(stem);
	free(cdt_name);
	return 0;
fail:
	gm_outset_abort(&out.set);
	free(out.buf);
	free(stem);
	free(cdt_name);
	return ret;
}

const struct gm_format_ops gm_format_cue = {
	.name = "cue",
	.extension = ".cue",
	.bid = cue_bid,
	.read = cue_read,
	.write = cue_write,
};
