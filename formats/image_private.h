/*
 * image_private.h - what the image formats share inside the library: the
 * format ops table and registry, and the helpers for writing a set of
 * output files safely.
 */
#ifndef GM_IMAGE_PRIVATE_H
#define GM_IMAGE_PRIVATE_H

#include <pthread.h>
#include <stdio.h>
#include <sys/types.h>

#include "image.h"

/*
 * One image format.  A new format is one file that fills this table plus
 * one line in the registry in image.c.
 */
struct gm_format_ops {
	const char *name;	/* "cue" */
	const char *extension;	/* ".cue": what selects it for output */
	/*
	 * How sure the format is that it can read path, whose first bytes are
	 * head[0..len): 0 not at all .. 100 certain.  The best bid wins.
	 */
	int (*bid)(const char *path, const uint8_t *head, size_t len);
	/* Fill *disc (zeroed by the caller) from path; set disc->format. */
	int (*read)(struct gm_ctx *ctx, const char *path, struct gm_disc *disc);
	/* Write src to path (NULL: read only). */
	int (*write)(struct gm_ctx *ctx, struct gm_source *src, const char *path,
		     const struct gm_write_opts *opts);
};

extern const struct gm_format_ops gm_format_iso;
extern const struct gm_format_ops gm_format_cue;
extern const struct gm_format_ops gm_format_ccd;
extern const struct gm_format_ops gm_format_toc;
extern const struct gm_format_ops gm_format_nrg;
extern const struct gm_format_ops gm_format_mds;
extern const struct gm_format_ops gm_format_raw;
extern const struct gm_format_ops gm_format_capture;
extern const struct gm_format_ops gm_format_chd;

/* Duplicate a string; NULL when memory is exhausted. */
char *gm_strdup(const char *s);

/* path's directory joined with name (name unchanged when absolute). */
char *gm_path_beside(const char *path, const char *name);

/* The last component of a path, and the same without its extension. */
const char *gm_path_base(const char *path);
char *gm_path_stem(const char *path);

/* Case-insensitive test of a path's extension (".cue"). */
bool gm_path_has_ext(const char *path, const char *ext);

/*
 * Read a text sheet (at most 1 MiB, no NUL byte) into *text, which ends
 * with two NUL bytes; what names it in messages ("cue sheet").  Free *text.
 */
int gm_read_text(struct gm_ctx *ctx, const char *path, const char *what,
		 char **text, size_t *len);

/*
 * Find the audio of a RIFF WAVE file (16-bit stereo 44.1 kHz PCM, a whole
 * number of 2352-byte sectors): sets f->data_offset and f->size.  Returns 0,
 * or -1 with the reason (naming the file) in why.
 */
int gm_wave_data(struct gm_file *f, char *why, size_t len);

/* Swap the bytes of 16-bit audio samples in place (len even). */
void gm_swab16(uint8_t *p, size_t len);

/*
 * The path of name (as a sheet writes it, relative to the sheet) as it is
 * on disk: the exact name, else the one entry of its directory equal to it
 * but for case.  *count is the number of entries found; NULL when none or
 * several (then listed in others, quoted and comma-separated).
 */
char *gm_path_find(const char *sheet, const char *name, unsigned *count,
		   char *others, size_t len);

/* Add a note (printf format) to disc->notes; -1 when out of memory. */
int gm_disc_note(struct gm_disc *disc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Append a file to disc->files, found as find_file() in image.c says (the
 * exact name, another case, the sheet's own name); returns its index or a
 * negative code.
 */
int gm_disc_add_file(struct gm_ctx *ctx, struct gm_disc *disc,
		     const char *sheet, const char *name,
		     enum gm_file_type type);

/*
 * Decode npacks 18-byte CD-TEXT packs (cdtext.c) into the CD-TEXT of disc
 * and of its tracks (by number; the tracks must be filled in first).  Text
 * already set is kept.  Returns 0 or -GM_ERR_NOMEM; packs it cannot use
 * are skipped.
 */
int gm_cdtext_from_packs(struct gm_ctx *ctx, struct gm_disc *disc,
			 const uint8_t *packs, size_t npacks);

#define GM_CDTEXT_PACK 18	/* bytes of a CD-TEXT pack, CRC included */

/*
 * The CD-TEXT of d as packs of block 0 (ISO 8859-1, English) ending with
 * the three size information packs, each with its CRC, into packs (room
 * for 256); *n is 0 when d has none.  False when the text does not fit
 * one block.
 */
bool gm_cdtext_to_packs(const struct gm_disc *d, uint8_t (*packs)[GM_CDTEXT_PACK],
			unsigned *n);

/* Fill disc->leadout, nsessions and the data CONTROL bit after a parse. */
void gm_disc_finish(struct gm_disc *disc);

/* ---------------------------------------------------------------------
 * A set of output files written as temporaries and renamed together.
 */

#define GM_OUTSET_MAX (GM_MAX_TRACKS + 4)

struct gm_outset {
	unsigned n;
	struct {
		char *final;
		char *tmp;	/* the temporary's name (chosen at commit when
				   the file is unnamed) */
		FILE *f;
		bool unnamed;	/* an O_TMPFILE file, linked in at commit */
		void *cookie;	/* hashed, not written (set->hashes) */
	} files[GM_OUTSET_MAX];
	/* nothing written: each file hashed into it at commit */
	struct gm_write_hashes *hashes;
	bool force;
	bool sync;		/* fsync each file before the rename (default) */
	mode_t umask;		/* the process's, for the final modes */
};

/* Start a set; force allows replacing existing files. */
void gm_outset_init(struct gm_outset *set, bool force);

/* Open a temporary beside final_path for writing; refuses an existing
   final_path unless the set was started with force. */
int gm_outset_open(struct gm_ctx *ctx, struct gm_outset *set,
		   const char *final_path, FILE **out);

/* Flush, fsync (unless set->sync was cleared) and rename every file, in
   the order they were opened. */
int gm_outset_commit(struct gm_ctx *ctx, struct gm_outset *set);

/* Remove every temporary; the finals are untouched. */
void gm_outset_abort(struct gm_outset *set);

/* Write len bytes to the n-th file of the set, naming it on failure. */
int gm_outset_write(struct gm_ctx *ctx, struct gm_outset *set, FILE *f,
		    const void *buf, size_t len);

/* Name the file of the set that f writes in an I/O error with errno err. */
int gm_outset_write_failed(struct gm_ctx *ctx, const struct gm_outset *set,
			   FILE *f, int err);

/*
 * Write-behind: a thread writes one buffer while the caller fills the
 * next (the copy into the page cache then overlaps the reading and
 * checking).  The caller owns the buffers and must not touch one handed
 * over until the next gm_writebehind_put() or gm_writebehind_finish()
 * returns.  Without a thread (pthread_create failed) the writes are made
 * in the caller's.
 */
struct gm_writebehind {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	FILE *f;
	const void *buf;	/* being written, or NULL */
	size_t len;
	int err;		/* errno of the first write that failed, or 0 */
	bool threaded, stop;
};

void gm_writebehind_start(struct gm_writebehind *wb);

/* Wait for the buffer before to be written, then hand over buf.  Returns
   0, or the errno of a write that failed (buf is then not taken). */
int gm_writebehind_put(struct gm_writebehind *wb, FILE *f, const void *buf,
		       size_t len);

/* Wait for the last buffer and end the thread; 0 or a write's errno.
   Call it on every path, failures included, before closing the file. */
int gm_writebehind_finish(struct gm_writebehind *wb);


/*
 * The Q subchannel of a run of sectors, decoded, with the frames whose CRC
 * fails repaired from their neighbours (qlayout.c).  state: GOOD (CRC
 * held, ADR 1), OTHER (CRC held, ADR 2 or 3: no position), FILLED (such
 * a frame with the position of its neighbours), REPAIRED (a bad frame
 * predicted from its neighbours), BAD (no good frame around), LOST (in a
 * run of more than GM_QMAP_MAX_RUN frames without a good one: not
 * guessed across).
 */
enum gm_qmap_state { GM_QMAP_GOOD, GM_QMAP_BAD, GM_QMAP_OTHER, GM_QMAP_REPAIRED,
		     GM_QMAP_FILLED, GM_QMAP_LOST };
#define GM_QMAP_MAX_RUN 150
struct gm_qmap {
	int32_t first;		/* LBA of the first sector */
	uint32_t count;
	struct gm_subq *q;	/* count frames */
	uint8_t *state;		/* enum gm_qmap_state, count of them */
	unsigned repaired, unknown;
	char mcn[14];		/* the first good ADR 2 frame's, or "" */
};
int gm_qmap_build(struct gm_ctx *ctx, const uint8_t *sub, int32_t first, uint32_t count,
		  struct gm_qmap *m);
void gm_qmap_release(struct gm_qmap *m);

/*
 * Tracks and indexes (each index's first sector), the lead-out (where the
 * last session's begins), CONTROL from Q, the MCN and each track's first
 * good ISRC, into d's tracks (other fields untouched; sessions, modes
 * from the sectors, storage: the caller's).  A track ends where the next
 * one's first frame is, or at a lead-out.
 */
int gm_qmap_layout(struct gm_ctx *ctx, const struct gm_qmap *m, const uint8_t *sub,
		   struct gm_disc *d);

#endif
