/*
 * drive_db.c - the drive database (glassmaster-drive-db(5)): what real
 * drives are known to do (read offset, C2 offset, overread, cache, CD-DA
 * reads of data), one record per drive model, in the keys of a drive
 * profile.  Records are separated by blank lines; each names its drive
 * with vendor and product (exact, as INQUIRY gives them without trailing
 * spaces) and optionally a revision pattern (shell wildcards, fnmatch(3)).
 * The first matching record of the first file wins, so a user's own file
 * read before the shipped one overrides it.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "drive_private.h"
#include "image_private.h"
#include "rip.h"
#include "banned.h"

#define KIND "drive database"

struct gm_drive_db {
	struct gm_drive_db_record *r;
	size_t n, cap;
	char **files;		/* the files read, for the records' names */
	size_t nfiles;
};

void gm_drive_db_free(struct gm_drive_db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->nfiles; i++)
		free(db->files[i]);
	free(db->files);
	free(db->r);
	free(db);
}

struct gm_drive_db *gm_drive_db_new(void)
{
	return calloc(1, sizeof(struct gm_drive_db));
}

/* Whether s is only blanks (and a comment after them). */
static bool blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return *s == '\0';
}

/* The end of a record: check it and keep it. */
static int finish(struct gm_ctx *ctx, struct gm_drive_db *db, const char *name,
		  struct gm_drive_db_record *rec, bool have_vendor, bool have_product)
{
	if (!have_vendor || !have_product)
		return gm_error_set(ctx, GM_ERR_FORMAT, KIND " '%s' line %u: the record "
				    "has no %s", name, rec->line,
				    have_vendor ? "product" : "vendor");
	if (db->n == db->cap) {
		size_t cap = db->cap ? db->cap * 2 : 32;
		struct gm_drive_db_record *r = realloc(db->r, cap * sizeof(*r));

		if (r == NULL)
			return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		db->r = r;
		db->cap = cap;
	}
	db->r[db->n++] = *rec;
	return 0;
}

int gm_drive_db_parse(struct gm_ctx *ctx, struct gm_drive_db *db, const char *name,
		      const char *text, size_t len)
{
	char *copy, *s, **files;
	struct gm_drive_db_record rec;
	bool in = false, have_vendor = false, have_product = false;
	unsigned line = 0;
	int ret = 0;

	if (memchr(text, '\0', len) != NULL)
		return gm_error_set(ctx, GM_ERR_FORMAT, KIND " '%s' has a NUL byte", name);
	copy = malloc(len + 1);
	files = realloc(db->files, (db->nfiles + 1) * sizeof(*files));
	if (files != NULL)
		db->files = files;
	if (copy == NULL || files == NULL
	    || (db->files[db->nfiles] = strdup(name)) == NULL) {
		free(copy);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	name = db->files[db->nfiles++];
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (s = copy; ret == 0 && s != NULL && *s != '\0';) {
		char *next = strchr(s, '\n'), *hash, *key;

		if (next != NULL)
			*next++ = '\0';
		line++;
		hash = strchr(s, '#');
		if (hash != NULL)
			*hash = '\0';
		if (blank(s)) {
			/* a blank line (not a comment line) ends a record */
			if (in && hash == NULL) {
				ret = finish(ctx, db, name, &rec, have_vendor, have_product);
				in = false;
			}
			s = next;
			continue;
		}
		if (!in) {
			memset(&rec, 0, sizeof(rec));
			gm_drive_profile_init(&rec.profile);
			snprintf(rec.revision, sizeof(rec.revision), "*");
			rec.file = name;
			rec.line = line;
			in = true;
			have_vendor = have_product = false;
		}
		key = s + strspn(s, " \t");
		if (strncmp(key, "revision", 8) == 0 && (key[8] == ' ' || key[8] == '\t')) {
			char *v = key + 8 + strspn(key + 8, " \t"), *end = v + strlen(v);

			while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
				*--end = '\0';
			if (*v == '\0' || strlen(v) >= sizeof(rec.revision))
				ret = gm_error_set(ctx, GM_ERR_FORMAT, KIND " '%s' line %u: "
						   "revision: a pattern of 1 to %zu characters",
						   name, line, sizeof(rec.revision) - 1);
			else
				memcpy(rec.revision, v, (size_t)(end - v) + 1);
		} else {
			if (strncmp(key, "vendor", 6) == 0 && (key[6] == ' ' || key[6] == '\t'))
				have_vendor = true;
			if (strncmp(key, "product", 7) == 0 && (key[7] == ' ' || key[7] == '\t'))
				have_product = true;
			ret = gm_drive_profile_line(ctx, KIND, name, (int)line, s, &rec.profile);
		}
		s = next;
	}
	if (ret == 0 && in)
		ret = finish(ctx, db, name, &rec, have_vendor, have_product);
	free(copy);
	return ret;
}

int gm_drive_db_load(struct gm_ctx *ctx, struct gm_drive_db *db, const char *path)
{
	char *text;
	size_t len;
	int ret = gm_read_text(ctx, path, KIND, &text, &len);

	if (ret != 0)
		return ret;
	ret = gm_drive_db_parse(ctx, db, path, text, len);
	free(text);
	return ret;
}

/* s without its trailing spaces equals want. */
static bool same_field(const char *s, const char *want)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == ' ')
		n--;
	return strlen(want) == n && memcmp(s, want, n) == 0;
}

const struct gm_drive_db_record *gm_drive_db_match(const struct gm_drive_db *db,
						   const char *vendor, const char *product,
						   const char *revision)
{
	char rev[32];
	size_t n;

	if (db == NULL)
		return NULL;
	snprintf(rev, sizeof(rev), "%s", revision ? revision : "");
	n = strlen(rev);
	while (n > 0 && rev[n - 1] == ' ')
		rev[--n] = '\0';
	for (size_t i = 0; i < db->n; i++) {
		const struct gm_drive_db_record *r = &db->r[i];

		if (same_field(vendor, r->profile.vendor) && same_field(product, r->profile.product)
		    && fnmatch(r->revision, rev, 0) == 0)
			return r;
	}
	return NULL;
}

size_t gm_drive_db_count(const struct gm_drive_db *db)
{
	return db != NULL ? db->n : 0;
}
