/*
 * drive_private.h - what the drive back ends share inside the library: the
 * ops table a back end fills and the drive object the public functions of
 * rip.h dispatch through.  Not installed.
 */
#ifndef GM_DRIVE_PRIVATE_H
#define GM_DRIVE_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "rip.h"

/*
 * A back end.  read is called by gm_drive_read() with arguments already
 * checked (count >= 1, data and result not NULL, raw only when info.raw,
 * c2 only when raw and info.c2); drive->reads still holds the sector reads
 * made before this request, and gm_drive_read() adds count to it after the
 * call whatever it returns.  It fills result[] for every sector and returns
 * 0 or a negative code with a message on ctx.  close releases priv (and
 * whatever the back end owns) but not the drive itself.
 */
struct gm_drive_ops {
	const char *name;	/* "image", "sim", "mmc" */
	int (*read)(struct gm_ctx *ctx, struct gm_drive *drive, int32_t lba,
		    uint32_t count, bool raw, uint8_t *data, uint8_t *c2,
		    enum gm_read_result *result);
	void (*close)(struct gm_drive *drive);
	/* READ CD of any sector (gm_drive_read_cd), checked as read is;
	   NULL: the back end cannot */
	int (*read_cd)(struct gm_ctx *ctx, struct gm_drive *drive, int32_t lba,
		       uint32_t count, uint8_t *data, uint8_t *c2, uint8_t *sub,
		       enum gm_read_result *result);
	/* speed in x, <= 0 the maximum; NULL: the drive has no speed */
	int (*set_speed)(struct gm_ctx *ctx, struct gm_drive *drive,
			 double speed);
};

struct gm_drive {
	const struct gm_drive_ops *ops;
	struct gm_drive_info info;
	uint64_t reads;		/* sector reads requested so far */
	void *priv;		/* the back end's state */
	char *journal;		/* lines not yet taken (gm_drive_journal_take) */
	size_t journal_len, journal_lines;
	uint8_t *table[GM_TABLE_COUNT];	/* gm_drive_table() */
	size_t table_len[GM_TABLE_COUNT];
};

/* Keep a copy of a table read from the medium (dropped when out of
   memory). */
void gm_drive_set_table(struct gm_drive *drive, enum gm_drive_table t,
			const uint8_t *data, size_t len);

/* Add a line to the drive's journal (dropped when out of memory). */
void gm_drive_note(struct gm_drive *drive, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A new drive with ops and priv, info zeroed; NULL when out of memory. */
struct gm_drive *gm_drive_new(const struct gm_drive_ops *ops, void *priv);

/* Copy s into a fixed INQUIRY-style field of size bytes (NUL included). */
void gm_drive_set_field(char *field, size_t size, const char *s);

/*
 * The image back end (drive_image.c): open the image at path as a drive.
 * gm_drive_image_read() reads through an image drive's source (one
 * gm_source_read per request), for the sim drive that wraps it.
 */
int gm_drive_image_new(struct gm_ctx *ctx, const char *path,
		       struct gm_drive **out);
int gm_drive_image_read(struct gm_ctx *ctx, struct gm_drive *drive,
			int32_t lba, uint32_t count, bool raw, uint8_t *data,
			uint8_t *c2, enum gm_read_result *result);

/*
 * One line of a drive profile (or of a drive database record, which has
 * the same keys), s modified; kind names the file in messages ("drive
 * profile 'NAME' line N: ...").  Blank lines and comments are 0.
 */
struct gm_drive_profile;
int gm_drive_profile_line(struct gm_ctx *ctx, const char *kind, const char *name, int line,
			  char *s, struct gm_drive_profile *p);

#endif
