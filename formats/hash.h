/*
 * hash.h - the digests glassmaster computes and compares: CRC-32 (zlib),
 * MD5, SHA-1 and SHA-256 (libcrypto), all in one pass over the data, the
 * work spread over two threads.
 */
#ifndef GM_HASH_H
#define GM_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

struct gm_digests {
	uint64_t size;
	uint32_t crc32;
	uint8_t md5[16];
	uint8_t sha1[20];
	uint8_t sha256[32];
};

/* A streaming hasher: gm_hasher_update() as data arrives, then final. */
struct gm_hasher;

/* Which digests a hasher computes (the others stay zero). */
#define GM_HASH_CRC32 0x1u
#define GM_HASH_MD5 0x2u
#define GM_HASH_SHA1 0x4u
#define GM_HASH_SHA256 0x8u
#define GM_HASH_DAT (GM_HASH_CRC32 | GM_HASH_MD5 | GM_HASH_SHA1)
#define GM_HASH_ALL (GM_HASH_DAT | GM_HASH_SHA256)

/* A new hasher of the digests in which, or NULL with the message on ctx. */
struct gm_hasher *gm_hasher_new(struct gm_ctx *ctx, unsigned which);

/* Feed len bytes (copied; buf may be reused when this returns). */
int gm_hasher_update(struct gm_ctx *ctx, struct gm_hasher *h, const void *buf,
		     size_t len);

/* Finish: fill *out.  The hasher can then only be freed. */
int gm_hasher_final(struct gm_ctx *ctx, struct gm_hasher *h,
		    struct gm_digests *out);

/* Free a hasher (stopping its threads); NULL is accepted. */
void gm_hasher_free(struct gm_hasher *h);

/* Hash a whole file, read-only; progress may be NULL. */
int gm_hash_file(struct gm_ctx *ctx, const char *path, struct gm_digests *out,
		 gm_progress_fn progress, void *arg);

/* One file of a dat. */
struct gm_dat_rom {
	const char *name;	/* as the dat names it */
	struct gm_digests d;
};

/*
 * Write a Logiqx XML datafile in redump's form to f: one game named game
 * holding one <rom name size crc md5 sha1/> per file, names escaped.
 */
void gm_dat_write(FILE *f, const char *game, const struct gm_dat_rom *roms,
		  unsigned n);

/* Lower-case hex of a digest into out (2 * len + 1 bytes). */
void gm_hex(const uint8_t *digest, size_t len, char *out);

#endif
