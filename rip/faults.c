/*
 * faults.c - fault scripts (glassmaster-faults(5)): parsing, and what one
 * read of a sector meets.  Each sector has a read counter per line that
 * holds it; the damage done to a sector's k-th read comes from an
 * xorshift generator seeded from (seed, sector, k), whatever the order of
 * the reads.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drive_private.h"
#include "faults.h"
#include "formats.h"
#include "banned.h"

/* Reads of a c2, c2-silent or subq-bad sector that fail before it reads
   correctly. */
#define BAD_READS 2
#define MAX_TOKENS 5
#define MAX_DELAY_NS (3600ull * 1000000000ull)

enum fault_kind { FAULT_UNREADABLE, FAULT_FLAKY, FAULT_C2, FAULT_CORRUPT_ONCE,
		  FAULT_SLOW, FAULT_C2_SILENT, FAULT_SUBQ_BAD, FAULT_SUBQ_SHIFT };

struct fault {
	enum fault_kind kind;
	int32_t first, last;	/* sectors, inclusive */
	uint32_t count;		/* flaky: failing reads */
	uint64_t delay_ns;	/* slow */
	uint32_t *reads;	/* data faults: reads of each sector so far */
};

struct gm_faults {
	struct fault *faults;
	size_t nfaults;
	bool vanish;
	uint64_t vanish_after;	/* sector reads before the drive is gone */
	uint64_t seed;
	/* drives sharing the script (serve's sessions) count together */
	pthread_mutex_t lock;
	uint64_t reads;		/* gm_faults_vanished() calls so far */
};

/* ------------------------------------------------------------------ */
/* Deterministic damage */

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/*
 * Flip between 1 and max distinct bytes of buf[from..to) with nonzero XOR
 * values chosen by the generator of (seed, lba, read); flag each flipped
 * byte in c2 (GM_DRIVE_C2_SIZE bytes, MSB first) when it is not NULL.
 */
static void damage(const struct gm_faults *sim, int32_t lba, uint32_t read,
		   uint8_t *buf, size_t from, size_t to, unsigned max,
		   uint8_t *c2)
{
	uint64_t state = splitmix64(sim->seed ^ splitmix64(
		((uint64_t)(uint32_t)lba << 32) | read));
	uint8_t flipped[GM_DRIVE_C2_SIZE] = { 0 };
	unsigned n;

	if (state == 0)
		state = 1;
	n = 1 + (unsigned)(xorshift64(&state) % max);
	for (unsigned i = 0; i < n; i++) {
		size_t at;

		do
			at = from + (size_t)(xorshift64(&state) % (to - from));
		while (flipped[at / 8] & (0x80 >> (at % 8)));
		flipped[at / 8] |= (uint8_t)(0x80 >> (at % 8));
		buf[at] ^= (uint8_t)(1 + xorshift64(&state) % 255);
	}
	if (c2 != NULL)
		for (size_t i = 0; i < GM_DRIVE_C2_SIZE; i++)
			c2[i] |= flipped[i];
}

void gm_faults_sleep(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_nsec = (long)(ns % 1000000000ull)
	};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}


/* ------------------------------------------------------------------ */
/* Reads */

void gm_faults_shift_q(uint8_t *sub)
{
	uint8_t ch[GM_SUB_SIZE], q[12];
	struct gm_subq d;
	int32_t rel, abs;

	gm_sub_deinterleave(sub, ch);
	memcpy(q, ch + 12, 12);
	if (gm_subq_decode(q, &d) == GM_SUBQ_BAD_FIELD || d.adr != 1 || d.track == 0)
		return;
	abs = gm_msf_to_lba(d.abs) - 1;
	rel = gm_msf_to_lba(d.rel) + 150 + (d.index == 0 ? 1 : -1);
	if (abs < -150 || rel < 0)
		return;
	gm_lba_to_msf(abs, &d.abs);
	gm_lba_to_msf(rel - 150, &d.rel);
	gm_subq_encode(&d, ch + 12);
	gm_sub_interleave(ch, sub);
}

static enum gm_read_result faults_read(struct gm_faults *sim, int32_t lba, bool raw,
				       uint8_t *data, uint8_t *c2, uint8_t *sub);

enum gm_read_result gm_faults_read(struct gm_faults *sim, int32_t lba, bool raw,
				   uint8_t *data, uint8_t *c2, uint8_t *sub)
{
	enum gm_read_result r;

	pthread_mutex_lock(&sim->lock);
	r = faults_read(sim, lba, raw, data, c2, sub);
	pthread_mutex_unlock(&sim->lock);
	return r;
}

/* Whether the drive is gone; if not and count, one more sector read. */
static bool gone(struct gm_faults *f, bool count)
{
	bool is;

	if (!f->vanish)
		return false;
	pthread_mutex_lock(&f->lock);
	is = f->reads >= f->vanish_after;
	if (!is && count)
		f->reads++;
	pthread_mutex_unlock(&f->lock);
	return is;
}

bool gm_faults_vanished(struct gm_faults *f)
{
	return gone(f, true);
}

bool gm_faults_gone(struct gm_faults *f)
{
	return gone(f, false);
}

static enum gm_read_result faults_read(struct gm_faults *sim, int32_t lba, bool raw,
				       uint8_t *data, uint8_t *c2, uint8_t *sub)
{
	size_t size = raw ? GM_SECTOR_RAW : GM_SECTOR_USER;
	struct fault *f = NULL;
	enum gm_read_result result = GM_READ_OK;
	uint32_t read;

	for (size_t k = 0; k < sim->nfaults && f == NULL; k++)
		if (sim->faults[k].kind != FAULT_SLOW && lba >= sim->faults[k].first
		    && lba <= sim->faults[k].last)
			f = &sim->faults[k];
	if (f == NULL)
		return GM_READ_OK;
	read = ++f->reads[lba - f->first];	/* 1 for the first */
	switch (f->kind) {
	case FAULT_UNREADABLE:
		result = GM_READ_MEDIUM;
		break;
	case FAULT_FLAKY:
		if (read <= f->count)
			result = GM_READ_MEDIUM;
		break;
	case FAULT_C2:
		if (read > BAD_READS)
			break;
		if (!raw) {
			/* a cooked read cannot hand back flagged bytes */
			result = GM_READ_MEDIUM;
			break;
		}
		damage(sim, lba, read, data, 0, size, 16, c2);
		result = GM_READ_C2;
		break;
	case FAULT_C2_SILENT:
		/* damaged, and nothing says so */
		if (read <= BAD_READS)
			damage(sim, lba, read, data, raw ? 16 : 0,
			       raw ? 16 + GM_SECTOR_USER : size, 16, NULL);
		break;
	case FAULT_CORRUPT_ONCE:
		/* wrong user data: a raw read keeps its sync and header, so
		   only EDC/ECC can tell */
		if (read == 1)
			damage(sim, lba, read, data, raw ? 16 : 0,
			       raw ? 16 + GM_SECTOR_USER : size, 4, NULL);
		break;
	case FAULT_SUBQ_BAD:
		/* the Q CRC (Q bits of symbols 80-95) inverted */
		if (read <= BAD_READS && sub != NULL)
			for (int k = 80; k < 96; k++)
				sub[k] ^= 0x40;
		break;
	case FAULT_SUBQ_SHIFT:
		if (sub != NULL)
			gm_faults_shift_q(sub);
		break;
	case FAULT_SLOW:
		break;
	}
	if (result == GM_READ_MEDIUM)
		memset(data, 0, size);
	return result;
}

uint64_t gm_faults_delay(const struct gm_faults *f, int32_t lba, uint32_t count)
{
	uint64_t delay = 0;

	for (size_t k = 0; k < f->nfaults; k++)
		if (f->faults[k].kind == FAULT_SLOW && f->faults[k].first <= (int64_t)lba + count - 1
		    && f->faults[k].last >= lba)
			delay += f->faults[k].delay_ns;
	return delay;
}

uint64_t gm_faults_vanish_after(const struct gm_faults *f)
{
	return f->vanish ? f->vanish_after : UINT64_MAX;
}

/* ------------------------------------------------------------------ */
/* The fault script */

struct parser {
	struct gm_ctx *ctx;
	const char *path;
	unsigned line;
	int32_t sectors;
	struct gm_faults *sim;
	bool have_seed;
};

static int bad(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A malformed script: what is wrong, with the script and line. */
static int bad(struct parser *p, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return gm_error_set(p->ctx, GM_ERR_FORMAT, "fault script '%s' line %u: %s",
			    p->path, p->line, what);
}

/* A decimal number of digits only, at most max. */
static bool parse_number(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* "50ms" or "2s" in nanoseconds. */
static bool parse_delay(const char *s, uint64_t *ns)
{
	size_t len = strlen(s);
	char num[32];
	uint64_t v, unit;

	if (len > 2 && strcmp(s + len - 2, "ms") == 0) {
		len -= 2;
		unit = 1000000ull;
	} else if (len > 1 && s[len - 1] == 's') {
		len -= 1;
		unit = 1000000000ull;
	} else {
		return false;
	}
	if (len >= sizeof(num))
		return false;
	memcpy(num, s, len);
	num[len] = '\0';
	if (!parse_number(num, MAX_DELAY_NS / unit, &v))
		return false;
	*ns = v * unit;
	return true;
}

static int parse_range(struct parser *p, char *tok, struct fault *f)
{
	char *dash = strchr(tok, '-');
	uint64_t first, last;

	if (dash != NULL)
		*dash = '\0';
	if (!parse_number(tok, INT32_MAX, &first)
	    || (dash != NULL && !parse_number(dash + 1, INT32_MAX, &last))) {
		if (dash != NULL)
			*dash = '-';
		return bad(p, "bad sector range '%s' (LBA or FIRST-LAST)", tok);
	}
	if (dash == NULL)
		last = first;
	else
		*dash = '-';
	if (first > last)
		return bad(p, "bad sector range '%s' (FIRST after LAST)", tok);
	if (last >= (uint64_t)p->sectors)
		return bad(p, "sector %llu is beyond the image (%ld sectors)",
			   (unsigned long long)last, (long)p->sectors);
	f->first = (int32_t)first;
	f->last = (int32_t)last;
	return 0;
}

static int add_fault(struct parser *p, const struct fault *f)
{
	struct gm_faults *sim = p->sim;
	struct fault *grown;
	uint32_t *reads = NULL;

	if (f->kind != FAULT_SLOW) {
		reads = calloc((size_t)(f->last - f->first) + 1, sizeof(*reads));
		if (reads == NULL)
			return gm_error_set(p->ctx, GM_ERR_NOMEM, NULL);
	}
	grown = realloc(sim->faults, (sim->nfaults + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(reads);
		return gm_error_set(p->ctx, GM_ERR_NOMEM, NULL);
	}
	sim->faults = grown;
	sim->faults[sim->nfaults] = *f;
	sim->faults[sim->nfaults].reads = reads;
	sim->nfaults++;
	return 0;
}

/* The faults that take no argument. */
static const struct {
	const char *name;
	enum fault_kind kind;
} plain[] = {
	{ "unreadable", FAULT_UNREADABLE }, { "c2", FAULT_C2 },
	{ "c2-silent", FAULT_C2_SILENT }, { "subq-bad", FAULT_SUBQ_BAD },
	{ "subq-shift", FAULT_SUBQ_SHIFT }, { "corrupt-once", FAULT_CORRUPT_ONCE },
};

static bool plain_fault(const char *name, enum fault_kind *kind)
{
	for (size_t k = 0; k < sizeof(plain) / sizeof(plain[0]); k++)
		if (strcmp(name, plain[k].name) == 0) {
			*kind = plain[k].kind;
			return true;
		}
	return false;
}

static int parse_line(struct parser *p, char *line)
{
	char *tok[MAX_TOKENS + 1];
	size_t n = 0, want;
	struct fault f = { 0 };
	uint64_t v;
	char *hash = strchr(line, '#'), *save = NULL;
	int ret;

	if (hash != NULL)
		*hash = '\0';
	for (char *t = strtok_r(line, " \t\r\n\v\f", &save);
	     t != NULL && n <= MAX_TOKENS;
	     t = strtok_r(NULL, " \t\r\n\v\f", &save))
		tok[n++] = t;
	if (n == 0)
		return 0;
	if (strcmp(tok[0], "seed") == 0) {
		if (n < 2 || !parse_number(tok[1], UINT64_MAX, &v))
			return bad(p, "seed needs a number");
		if (n > 2)
			return bad(p, "unexpected '%s' after the seed", tok[2]);
		if (p->have_seed)
			return bad(p, "a second seed");
		p->have_seed = true;
		p->sim->seed = v;
		return 0;
	}
	if (strcmp(tok[0], "after-reads") == 0) {
		if (n < 2 || !parse_number(tok[1], UINT64_MAX, &v))
			return bad(p, "after-reads needs a number of sector "
				   "reads");
		if (n < 3 || strcmp(tok[2], "vanish") != 0)
			return bad(p, "after-reads N must be followed by "
				   "'vanish'");
		if (n > 3)
			return bad(p, "unexpected '%s' after the fault", tok[3]);
		if (p->sim->vanish)
			return bad(p, "a second after-reads");
		p->sim->vanish = true;
		p->sim->vanish_after = v;
		return 0;
	}
	ret = parse_range(p, tok[0], &f);
	if (ret != 0)
		return ret;
	if (n < 2)
		return bad(p, "a fault must follow sector range '%s'", tok[0]);
	want = 2;
	if (plain_fault(tok[1], &f.kind)) {
		/* nothing follows */
	} else if (strcmp(tok[1], "flaky") == 0) {
		f.kind = FAULT_FLAKY;
		if (n < 3)
			return bad(p, "flaky needs a count of failing reads");
		if (!parse_number(tok[2], UINT32_MAX, &v) || v == 0)
			return bad(p, "bad count '%s' of failing reads (1 or "
				   "more)", tok[2]);
		f.count = (uint32_t)v;
		want = 3;
	} else if (strcmp(tok[1], "slow") == 0) {
		f.kind = FAULT_SLOW;
		if (n < 3)
			return bad(p, "slow needs a delay such as 50ms or 2s");
		if (!parse_delay(tok[2], &f.delay_ns))
			return bad(p, "bad delay '%s' (such as 50ms or 2s, at "
				   "most an hour)", tok[2]);
		want = 3;
	} else {
		return bad(p, "unknown fault '%s'", tok[1]);
	}
	if (n > want)
		return bad(p, "unexpected '%s' after the fault", tok[want]);
	return add_fault(p, &f);
}

static int parse_script(struct parser *p)
{
	FILE *in = fopen(p->path, "r");
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	if (in == NULL)
		return gm_error_set_errno(p->ctx, errno == ENOENT ? GM_ERR_NOENT
					  : GM_ERR_IO, errno, "cannot open "
					  "fault script '%s'", p->path);
	while (ret == 0 && getline(&line, &cap, in) >= 0) {
		p->line++;
		ret = parse_line(p, line);
	}
	if (ret == 0 && ferror(in))
		ret = gm_error_set(p->ctx, GM_ERR_IO, "cannot read fault "
				   "script '%s'", p->path);
	free(line);
	fclose(in);
	return ret;
}


void gm_faults_free(struct gm_faults *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nfaults; i++)
		free(f->faults[i].reads);
	free(f->faults);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

int gm_faults_load(struct gm_ctx *ctx, const char *path, int32_t sectors,
		   struct gm_faults **out)
{
	struct parser p = { .ctx = ctx, .path = path, .sectors = sectors };
	int ret;

	*out = NULL;
	p.sim = calloc(1, sizeof(*p.sim));
	if (p.sim == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	p.sim->seed = 1;
	pthread_mutex_init(&p.sim->lock, NULL);
	ret = parse_script(&p);
	if (ret != 0) {
		gm_faults_free(p.sim);
		return ret;
	}
	*out = p.sim;
	return 0;
}
