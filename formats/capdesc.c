/*
 * capdesc.c - NAME.capture, the description of a CD capture: which
 * LBA NAME.raw starts at, how many sectors it holds, the lead-out, what
 * the drive reaches, the read offset not yet applied and where it came
 * from, the C2 and subchannel read, the sectors the drive refused.  One
 * "key value" a line; read back on a resume (and by the analysis), so
 * every value is checked before it is used.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capdesc.h"
#include "banned.h"

#define MAX_SECTORS 1000000u	/* far more than any CD */

int gm_capture_desc_alloc(struct gm_ctx *ctx, struct gm_capture_desc *d)
{
	free(d->unreach);
	d->unreach = calloc((d->sectors + 7) / 8 + 1, 1);
	return d->unreach != NULL ? 0 : gm_error_set(ctx, GM_ERR_NOMEM, NULL);
}

void gm_capture_desc_release(struct gm_capture_desc *d)
{
	free(d->unreach);
	d->unreach = NULL;
}

static bool bit(const struct gm_capture_desc *d, uint32_t i)
{
	return (d->unreach[i / 8] >> (i % 8)) & 1;
}

int gm_capture_desc_save(struct gm_ctx *ctx, const struct gm_capture_desc *d,
			 const char *path)
{
	size_t len = strlen(path);
	char *tmp = malloc(len + 5);
	FILE *f;
	int bad;

	if (tmp == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	memcpy(tmp, path, len);
	memcpy(tmp + len, ".tmp", 5);
	f = fopen(tmp, "w");
	if (f == NULL) {
		int err = errno;

		free(tmp);
		return gm_error_set_errno(ctx, GM_ERR_IO, err, "cannot write '%s'", path);
	}
	fprintf(f, "# glassmaster CD capture (glassmaster-rip(1)): NAME.raw holds the\n"
		"# sectors from first-lba on, 2352 bytes each as the drive delivered\n"
		"# them (the read offset not applied), NAME.sub their raw P-W\n"
		"format 1\nfirst-lba %ld\nsectors %lu\nleadout %ld\nreach %ld %ld\n"
		"read-offset %ld\nread-offset-source %s\noverread %ld %ld\n"
		"c2 %u\nc2-offset %ld\nsubchannel %s\nread-method %s\naudio-edges %s %s\n"
		"drive %s\n",
		(long)d->first_lba, (unsigned long)d->sectors, (long)d->leadout,
		(long)d->reach_lo, (long)d->reach_hi, (long)d->read_offset,
		d->offset_why, (long)d->over_in, (long)d->over_out, d->c2_size,
		(long)d->c2_offset, d->sub ? "yes" : "no", d->cdda ? "cdda" : "any",
		d->audio_first ? "yes" : "no",
		d->audio_last ? "yes" : "no", d->drive);
	for (uint32_t i = 0; d->unreach != NULL && i < d->sectors;) {
		uint32_t j = i;

		if (!bit(d, i)) {
			i++;
			continue;
		}
		while (j + 1 < d->sectors && bit(d, j + 1))
			j++;
		fprintf(f, "unreachable %ld %ld\n", (long)(d->first_lba + (int32_t)i),
			(long)(d->first_lba + (int32_t)j));
		i = j + 1;
	}
	bad = ferror(f) | fflush(f) | fsync(fileno(f));
	if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
		int err = errno;

		unlink(tmp);
		free(tmp);
		return gm_error_set_errno(ctx, GM_ERR_IO, err, "cannot write '%s'", path);
	}
	free(tmp);
	return 0;
}

/* A decimal number in [min, max], the whole word. */
static bool number(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s == '\0' || strlen(s) > 12)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool yes_no(const char *s, bool *out)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "no") == 0) {
		*out = s[0] == 'y';
		return true;
	}
	return false;
}

int gm_capture_desc_parse(struct gm_ctx *ctx, struct gm_capture_desc *d,
			  const char *name, const char *text, size_t len)
{
	enum { HAVE_FORMAT = 1, HAVE_FIRST = 2, HAVE_SECTORS = 4, HAVE_LEADOUT = 8 };
	unsigned have = 0, line = 0;
	size_t at = 0;
	char buf[512];

	memset(d, 0, sizeof(*d));
	while (at < len) {
		size_t end = at, n;
		char *key, *val, *sp;
		long a = 0, b = 0;
		bool ok = true;

		while (end < len && text[end] != '\n')
			end++;
		n = end - at;
		line++;
		if (n >= sizeof(buf) || memchr(text + at, '\0', n) != NULL)
			return gm_error_set(ctx, GM_ERR_FORMAT, "capture description '%s' "
					    "line %u: not a line of text", name, line);
		memcpy(buf, text + at, n);
		buf[n] = '\0';
		at = end + 1;
		if (buf[0] == '#' || buf[0] == '\0')
			continue;
		key = buf;
		sp = strchr(buf, ' ');
		val = sp != NULL ? (*sp = '\0', sp + 1) : buf + n;
		if (strcmp(key, "format") == 0) {
			ok = strcmp(val, "1") == 0;
			have |= HAVE_FORMAT;
		} else if (strcmp(key, "first-lba") == 0) {
			ok = number(val, -50000, 0, &a);
			d->first_lba = (int32_t)a;
			have |= HAVE_FIRST;
		} else if (strcmp(key, "sectors") == 0) {
			ok = !(have & HAVE_SECTORS) && number(val, 1, MAX_SECTORS, &a);
			d->sectors = (uint32_t)a;
			have |= HAVE_SECTORS;
			if (ok && gm_capture_desc_alloc(ctx, d) != 0)
				return -GM_ERR_NOMEM;
		} else if (strcmp(key, "leadout") == 0) {
			ok = number(val, 1, (long)MAX_SECTORS, &a);
			d->leadout = (int32_t)a;
			have |= HAVE_LEADOUT;
		} else if (strcmp(key, "reach") == 0 || strcmp(key, "overread") == 0) {
			char *two = strchr(val, ' ');

			ok = two != NULL && (*two = '\0', number(val, -50000, (long)MAX_SECTORS, &a))
			     && number(two + 1, -50000, (long)MAX_SECTORS, &b);
			if (key[0] == 'r')
				d->reach_lo = (int32_t)a, d->reach_hi = (int32_t)b;
			else
				d->over_in = (int32_t)a, d->over_out = (int32_t)b;
		} else if (strcmp(key, "read-offset") == 0) {
			ok = number(val, -2940 * 10, 2940 * 10, &a);
			d->read_offset = (int32_t)a;
		} else if (strcmp(key, "read-offset-source") == 0) {
			snprintf(d->offset_why, sizeof(d->offset_why), "%s", val);
		} else if (strcmp(key, "c2") == 0) {
			ok = number(val, 0, 296, &a) && (a == 0 || a == 294 || a == 296);
			d->c2_size = (unsigned)a;
		} else if (strcmp(key, "c2-offset") == 0) {
			ok = number(val, -2352, 2352, &a);
			d->c2_offset = (int32_t)a;
		} else if (strcmp(key, "subchannel") == 0) {
			ok = yes_no(val, &d->sub);
		} else if (strcmp(key, "read-method") == 0) {
			ok = strcmp(val, "any") == 0 || strcmp(val, "cdda") == 0;
			d->cdda = val[0] == 'c';
		} else if (strcmp(key, "audio-edges") == 0) {
			char *two = strchr(val, ' ');

			ok = two != NULL && (*two = '\0', yes_no(val, &d->audio_first))
			     && yes_no(two + 1, &d->audio_last);
		} else if (strcmp(key, "drive") == 0) {
			snprintf(d->drive, sizeof(d->drive), "%s", val);
		} else if (strcmp(key, "unreachable") == 0) {
			char *two = strchr(val, ' ');

			ok = (have & HAVE_FIRST) && (have & HAVE_SECTORS) && two != NULL
			     && (*two = '\0', number(val, -50000, (long)MAX_SECTORS, &a))
			     && number(two + 1, -50000, (long)MAX_SECTORS, &b)
			     && a <= b && a >= d->first_lba
			     && b < d->first_lba + (long)d->sectors;
			for (long l = a; ok && l <= b; l++) {
				uint32_t i = (uint32_t)(l - d->first_lba);

				d->unreach[i / 8] |= (uint8_t)(1u << (i % 8));
			}
		} else {
			return gm_error_set(ctx, GM_ERR_FORMAT, "capture description '%s' "
					    "line %u: unknown key '%s'", name, line, key);
		}
		if (!ok)
			return gm_error_set(ctx, GM_ERR_FORMAT, "capture description '%s' "
					    "line %u: %s: invalid value", name, line, key);
	}
	if (have != (HAVE_FORMAT | HAVE_FIRST | HAVE_SECTORS | HAVE_LEADOUT))
		return gm_error_set(ctx, GM_ERR_FORMAT, "capture description '%s': "
				    "format, first-lba, sectors or leadout missing", name);
	if (d->leadout <= d->first_lba || d->leadout - d->first_lba > (int32_t)d->sectors)
		return gm_error_set(ctx, GM_ERR_FORMAT, "capture description '%s': the "
				    "lead-out at %ld does not fit sectors from %ld",
				    name, (long)d->leadout, (long)d->first_lba);
	return 0;
}

int gm_capture_desc_load(struct gm_ctx *ctx, struct gm_capture_desc *d,
			 const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	size_t n;
	int ret;

	memset(d, 0, sizeof(*d));
	if (f == NULL)
		return gm_error_set_errno(ctx, errno == ENOENT ? GM_ERR_NOENT : GM_ERR_IO,
					  errno, "cannot read the capture description "
					  "'%s'", path);
	text = malloc(1 << 20);
	if (text == NULL) {
		fclose(f);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	n = fread(text, 1, 1 << 20, f);
	fclose(f);
	ret = n == 1 << 20 ? gm_error_set(ctx, GM_ERR_FORMAT, "capture description '%s' "
					  "is too long", path)
	      : gm_capture_desc_parse(ctx, d, path, text, n);
	free(text);
	return ret;
}
