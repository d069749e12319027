/*
 * drive_profile.c - drive profiles (glassmaster-drive-profile(5)): a small
 * text file of `key value` lines, `#` comments, that sets what the
 * emulated drive (mmc_emu.c) varies in as real drives do: identity, read
 * offset, overread into lead-in and lead-out, C2 pointers, CD-DA reads of
 * data sectors, accurate stream, Q subchannel quality, read speeds.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drive_private.h"
#include "image_private.h"
#include "rip.h"
#include "banned.h"

void gm_drive_profile_init(struct gm_drive_profile *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->vendor, sizeof(p->vendor), "GLASSMST");
	snprintf(p->product, sizeof(p->product), "VIRTUAL DRIVE");
	snprintf(p->revision, sizeof(p->revision), "0.1");
	p->c2 = 294;
	p->accurate_stream = true;
	p->speeds[0] = 40;
	p->nspeeds = 1;
}

static bool number(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool yes_no(const char *s, bool *out)
{
	if (strcasecmp(s, "yes") == 0)
		*out = true;
	else if (strcasecmp(s, "no") == 0)
		*out = false;
	else
		return false;
	return true;
}

/* INQUIRY text: printable ASCII, at most size - 1 characters. */
static bool text(const char *s, char *out, size_t size)
{
	size_t len = strlen(s);

	if (len == 0 || len >= size)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	memcpy(out, s, len + 1);
	return true;
}

static int line_error(struct gm_ctx *ctx, const char *kind, const char *name, int line,
		      const char *key, const char *why)
{
	return gm_error_set(ctx, GM_ERR_FORMAT, "%s '%s' line %d: %s%s%s", kind,
			    name, line, key, *key ? ": " : "", why);
}

int gm_drive_profile_line(struct gm_ctx *ctx, const char *kind, const char *name, int line,
			  char *s, struct gm_drive_profile *p)
{
	char *key, *value, *end;
	long v;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	if (*s == '\0' || *s == '#')
		return 0;
	key = s;
	value = s + strcspn(s, " \t");
	if (*value != '\0')
		*value++ = '\0';
	while (*value == ' ' || *value == '\t')
		value++;
	if (*value == '\0')
		return line_error(ctx, kind, name, line, key, "no value");
	if (strcmp(key, "vendor") == 0) {
		if (!text(value, p->vendor, sizeof(p->vendor)))
			return line_error(ctx, kind, name, line, key, "1 to 8 printable ASCII characters");
	} else if (strcmp(key, "product") == 0) {
		if (!text(value, p->product, sizeof(p->product)))
			return line_error(ctx, kind, name, line, key, "1 to 16 printable ASCII characters");
	} else if (strcmp(key, "revision") == 0) {
		if (!text(value, p->revision, sizeof(p->revision)))
			return line_error(ctx, kind, name, line, key, "1 to 4 printable ASCII characters");
	} else if (strcmp(key, "read-offset") == 0) {
		/* a few sectors either way: real drives are within +-2000 */
		if (!number(value, -5 * 588, 5 * 588, &v))
			return line_error(ctx, kind, name, line, key, "samples, -2940 to 2940");
		p->read_offset = (int32_t)v;
	} else if (strcmp(key, "overread-leadin") == 0 || strcmp(key, "overread-leadout") == 0) {
		if (!number(value, 0, 10000, &v))
			return line_error(ctx, kind, name, line, key, "sectors, 0 to 10000");
		if (strcmp(key, "overread-leadin") == 0)
			p->overread_leadin = (int32_t)v;
		else
			p->overread_leadout = (int32_t)v;
	} else if (strcmp(key, "c2") == 0) {
		if (strcmp(value, "none") == 0)
			p->c2 = 0;
		else if (strcmp(value, "294") == 0)
			p->c2 = 294;
		else if (strcmp(value, "296") == 0)
			p->c2 = 296;
		else
			return line_error(ctx, kind, name, line, key, "none, 294 or 296");
	} else if (strcmp(key, "cdda-data") == 0) {
		if (!yes_no(value, &p->cdda_data))
			return line_error(ctx, kind, name, line, key, "yes or no");
	} else if (strcmp(key, "accurate-stream") == 0) {
		if (!yes_no(value, &p->accurate_stream))
			return line_error(ctx, kind, name, line, key, "yes or no");
	} else if (strcmp(key, "subq-bad") == 0 || strcmp(key, "subq-shift") == 0) {
		if (!number(value, 0, 1000000, &v))
			return line_error(ctx, kind, name, line, key, "one sector in N, 0 for none");
		*(strcmp(key, "subq-bad") == 0 ? &p->subq_bad : &p->subq_shift) = (uint32_t)v;
	} else if (strcmp(key, "c2-offset") == 0) {
		if (!number(value, -2352, 2352, &v))
			return line_error(ctx, kind, name, line, key, "bytes, -2352 to 2352");
		p->c2_offset = (int32_t)v;
	} else if (strcmp(key, "read-method") == 0) {
		if (strcmp(value, "any") != 0 && strcmp(value, "cdda") != 0)
			return line_error(ctx, kind, name, line, key, "any or cdda");
		p->read_cdda = value[0] == 'c';
	} else if (strcmp(key, "sector-order") == 0) {
		if (strcmp(value, "c2-sub") != 0 && strcmp(value, "sub-c2") != 0)
			return line_error(ctx, kind, name, line, key, "c2-sub or sub-c2");
		p->sub_first = value[0] == 's';
	} else if (strcmp(key, "cache") == 0) {
		if (!number(value, 0, 65536, &v))
			return line_error(ctx, kind, name, line, key, "sectors, 0 to 65536");
		p->cache = (uint32_t)v;
	} else if (strcmp(key, "speeds") == 0) {
		char *save = NULL;

		p->nspeeds = 0;
		for (char *tok = strtok_r(value, " \t,", &save); tok != NULL;
		     tok = strtok_r(NULL, " \t,", &save)) {
			size_t n = strlen(tok);

			if (n > 1 && (tok[n - 1] == 'x' || tok[n - 1] == 'X'))
				tok[n - 1] = '\0';
			if (p->nspeeds == GM_PROFILE_SPEEDS || !number(tok, 1, 100, &v))
				return line_error(ctx, kind, name, line, key, "up to 16 speeds "
						  "of 1x to 100x");
			p->speeds[p->nspeeds++] = (unsigned)v;
		}
		if (p->nspeeds == 0)
			return line_error(ctx, kind, name, line, key, "no speed");
	} else {
		return line_error(ctx, kind, name, line, "", "unknown key");
	}
	return 0;
}

int gm_drive_profile_parse(struct gm_ctx *ctx, const char *name, const char *text_in,
			   size_t len, struct gm_drive_profile *p)
{
	char *copy = malloc(len + 1), *s;
	int line = 0, ret = 0;

	if (copy == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	memcpy(copy, text_in, len);
	copy[len] = '\0';
	if (strlen(copy) != len) {
		free(copy);
		return gm_error_set(ctx, GM_ERR_FORMAT, "drive profile '%s' has a NUL "
				    "byte", name);
	}
	s = copy;
	while (ret == 0 && s != NULL && *s != '\0') {
		char *next = strchr(s, '\n');

		if (next != NULL)
			*next++ = '\0';
		ret = gm_drive_profile_line(ctx, "drive profile", name, ++line, s, p);
		s = next;
	}
	free(copy);
	return ret;
}

int gm_drive_profile_load(struct gm_ctx *ctx, const char *path,
			  struct gm_drive_profile *p)
{
	char *text_in;
	size_t len;
	int ret;

	gm_drive_profile_init(p);
	ret = gm_read_text(ctx, path, "drive profile", &text_in, &len);
	if (ret != 0)
		return ret;
	ret = gm_drive_profile_parse(ctx, path, text_in, len, p);
	free(text_in);
	return ret;
}
