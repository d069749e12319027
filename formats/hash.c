/*
 * hash.c - CRC-32 (zlib), MD5, SHA-1 and SHA-256 (libcrypto EVP) in one
 * pass.  The data goes through a ring of blocks; two worker threads hash
 * each block, one MD5, the other CRC-32, SHA-1 and SHA-256, which on a
 * machine with SHA instructions takes about as long as MD5 alone.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "hash.h"
#include "banned.h"

#define BLOCK_SIZE (1u << 20)
#define RING 8
#define WORKERS 2

struct gm_hasher;

struct worker_arg {
	struct gm_hasher *h;
	int id;
};

struct gm_hasher {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread[WORKERS];
	struct worker_arg args[WORKERS];
	bool started[WORKERS];
	uint8_t *block[RING];
	size_t len[RING];
	uint64_t produced;		/* blocks handed out */
	uint64_t consumed[WORKERS];	/* blocks each worker finished */
	bool done;			/* no more blocks */
	bool failed;			/* a digest failed to update */
	size_t fill;			/* bytes in the block being filled */
	uint64_t size;
	EVP_MD_CTX *md5, *sha1, *sha256;	/* NULL when not asked for */
	uLong crc;
	unsigned which;
};

static bool hash_block(struct gm_hasher *h, int id, const uint8_t *p, size_t len)
{
	if (id == 0)
		return h->md5 == NULL || EVP_DigestUpdate(h->md5, p, len) == 1;
	/* zlib's crc32 takes a uInt length */
	for (size_t off = 0; (h->which & GM_HASH_CRC32) && off < len; off += 1u << 30) {
		size_t n = len - off < (1u << 30) ? len - off : (1u << 30);

		h->crc = crc32(h->crc, p + off, (uInt)n);
	}
	return (h->sha1 == NULL || EVP_DigestUpdate(h->sha1, p, len) == 1)
	       && (h->sha256 == NULL || EVP_DigestUpdate(h->sha256, p, len) == 1);
}

static void *worker(void *varg)
{
	struct gm_hasher *h = ((struct worker_arg *)varg)->h;
	int id = ((struct worker_arg *)varg)->id;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		uint64_t next = h->consumed[id];
		unsigned slot;
		bool ok;

		while (next == h->produced && !h->done)
			pthread_cond_wait(&h->cond, &h->lock);
		if (next == h->produced)
			break;
		slot = (unsigned)(next % RING);
		pthread_mutex_unlock(&h->lock);
		ok = hash_block(h, id, h->block[slot], h->len[slot]);
		pthread_mutex_lock(&h->lock);
		if (!ok)
			h->failed = true;
		h->consumed[id]++;
		pthread_cond_broadcast(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

void gm_hasher_free(struct gm_hasher *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	h->done = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	for (int i = 0; i < WORKERS; i++)
		if (h->started[i])
			pthread_join(h->thread[i], NULL);
	for (int i = 0; i < RING; i++)
		free(h->block[i]);
	EVP_MD_CTX_free(h->md5);
	EVP_MD_CTX_free(h->sha1);
	EVP_MD_CTX_free(h->sha256);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* A digest context for md when which asks for it (*ok false on failure). */
static EVP_MD_CTX *digest(unsigned which, unsigned flag, const EVP_MD *md, bool *ok)
{
	EVP_MD_CTX *c;

	if (!(which & flag))
		return NULL;
	c = EVP_MD_CTX_new();
	if (c == NULL || EVP_DigestInit_ex(c, md, NULL) != 1) {
		EVP_MD_CTX_free(c);
		*ok = false;
		return NULL;
	}
	return c;
}

struct gm_hasher *gm_hasher_new(struct gm_ctx *ctx, unsigned which)
{
	struct gm_hasher *h = calloc(1, sizeof(*h));
	bool ok = true;

	if (h == NULL) {
		gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	h->which = which;
	h->crc = crc32(0, NULL, 0);
	h->md5 = digest(which, GM_HASH_MD5, EVP_md5(), &ok);
	h->sha1 = digest(which, GM_HASH_SHA1, EVP_sha1(), &ok);
	h->sha256 = digest(which, GM_HASH_SHA256, EVP_sha256(), &ok);
	for (int i = 0; i < RING; i++)
		if ((h->block[i] = malloc(BLOCK_SIZE)) == NULL)
			goto nomem;
	if (!ok) {
		gm_error_set(ctx, GM_ERR_UNSUPPORTED, "libcrypto has no MD5, SHA-1 "
			     "or SHA-256 here");
		gm_hasher_free(h);
		return NULL;
	}
	for (int i = 0; i < WORKERS; i++) {
		h->args[i].h = h;
		h->args[i].id = i;
		if (pthread_create(&h->thread[i], NULL, worker, &h->args[i]) != 0) {
			gm_error_set(ctx, GM_ERR_NOMEM, "cannot start a hashing thread");
			gm_hasher_free(h);
			return NULL;
		}
		h->started[i] = true;
	}
	return h;
nomem:
	gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	gm_hasher_free(h);
	return NULL;
}

/* Hand the block being filled to the workers. */
static void publish(struct gm_hasher *h)
{
	pthread_mutex_lock(&h->lock);
	h->len[h->produced % RING] = h->fill;
	h->produced++;
	h->fill = 0;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

/* Wait until the slot of the block to fill is free again. */
static void wait_slot(struct gm_hasher *h)
{
	pthread_mutex_lock(&h->lock);
	for (;;) {
		uint64_t slowest = h->consumed[0];

		for (int i = 1; i < WORKERS; i++)
			if (h->consumed[i] < slowest)
				slowest = h->consumed[i];
		if (h->produced - slowest < RING)
			break;
		pthread_cond_wait(&h->cond, &h->lock);
	}
	pthread_mutex_unlock(&h->lock);
}

int gm_hasher_update(struct gm_ctx *ctx, struct gm_hasher *h, const void *buf,
		     size_t len)
{
	const uint8_t *p = buf;

	(void)ctx;
	h->size += len;
	while (len > 0) {
		size_t n;

		if (h->fill == 0)
			wait_slot(h);
		n = BLOCK_SIZE - h->fill < len ? BLOCK_SIZE - h->fill : len;
		memcpy(h->block[h->produced % RING] + h->fill, p, n);
		h->fill += n;
		p += n;
		len -= n;
		if (h->fill == BLOCK_SIZE)
			publish(h);
	}
	return 0;
}

int gm_hasher_final(struct gm_ctx *ctx, struct gm_hasher *h,
		    struct gm_digests *out)
{
	unsigned int len;
	bool ok;

	if (h->fill > 0)
		publish(h);
	pthread_mutex_lock(&h->lock);
	h->done = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	for (int i = 0; i < WORKERS; i++) {
		if (h->started[i]) {
			pthread_join(h->thread[i], NULL);
			h->started[i] = false;
		}
	}
	memset(out, 0, sizeof(*out));
	out->size = h->size;
	out->crc32 = (h->which & GM_HASH_CRC32) ? (uint32_t)h->crc : 0;
	ok = !h->failed
	     && (h->md5 == NULL || EVP_DigestFinal_ex(h->md5, out->md5, &len) == 1)
	     && (h->sha1 == NULL || EVP_DigestFinal_ex(h->sha1, out->sha1, &len) == 1)
	     && (h->sha256 == NULL || EVP_DigestFinal_ex(h->sha256, out->sha256, &len) == 1);
	return ok ? 0 : gm_error_set(ctx, GM_ERR_IO, "libcrypto failed to hash");
}

int gm_hash_file(struct gm_ctx *ctx, const char *path, struct gm_digests *out,
		 gm_progress_fn progress, void *arg)
{
	struct gm_hasher *h;
	struct stat sb;
	uint64_t done = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gm_error_set_errno(ctx, errno == ENOENT ? GM_ERR_NOENT : GM_ERR_IO,
					  errno, "cannot open '%s'", path);
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return gm_error_set(ctx, GM_ERR_INVALID, "'%s' is not a regular file", path);
	}
	h = gm_hasher_new(ctx, GM_HASH_ALL);
	if (h == NULL) {
		close(fd);
		return -gm_error_code(ctx);
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		ssize_t n;

		/* read straight into the ring: no copy */
		if (h->fill == 0)
			wait_slot(h);
		n = read(fd, h->block[h->produced % RING] + h->fill, BLOCK_SIZE - h->fill);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = gm_error_set_errno(ctx, GM_ERR_IO, errno,
						 "cannot read '%s' at byte %llu", path,
						 (unsigned long long)done);
			break;
		}
		if (n == 0)
			break;
		h->fill += (size_t)n;
		h->size += (uint64_t)n;
		done += (uint64_t)n;
		if (h->fill == BLOCK_SIZE)
			publish(h);
		if (progress)
			progress(arg, done, (uint64_t)sb.st_size);
	}
	close(fd);
	if (ret == 0)
		ret = gm_hasher_final(ctx, h, out);
	gm_hasher_free(h);
	return ret;
}

void gm_hex(const uint8_t *digest, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[2 * len] = '\0';
}

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

void gm_dat_write(FILE *f, const char *game, const struct gm_dat_rom *roms,
		  unsigned n)
{
	fprintf(f, "<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE datafile PUBLIC \"-//Logiqx//DTD ROM Management Datafile//EN\" "
		"\"http://www.logiqx.com/Dats/datafile.dtd\">\n"
		"<datafile>\n\t<header>\n\t\t<name>");
	xml_text(f, game);
	fprintf(f, "</name>\n\t\t<description>");
	xml_text(f, game);
	fprintf(f, "</description>\n\t\t<version>%s</version>\n"
		"\t\t<author>glassmaster %s</author>\n\t</header>\n\t<game name=\"",
		PACKAGE_VERSION, PACKAGE_VERSION);
	xml_text(f, game);
	fprintf(f, "\">\n\t\t<description>");
	xml_text(f, game);
	fprintf(f, "</description>\n");
	for (unsigned i = 0; i < n; i++) {
		char md5[33], sha1[41];

		gm_hex(roms[i].d.md5, sizeof(roms[i].d.md5), md5);
		gm_hex(roms[i].d.sha1, sizeof(roms[i].d.sha1), sha1);
		fprintf(f, "\t\t<rom name=\"");
		xml_text(f, roms[i].name);
		fprintf(f, "\" size=\"%llu\" crc=\"%08x\" md5=\"%s\" sha1=\"%s\"/>\n",
			(unsigned long long)roms[i].d.size, (unsigned)roms[i].d.crc32,
			md5, sha1);
	}
	fprintf(f, "\t</game>\n</datafile>\n");
}
