/*
 * source.c - reading a source file held to the size the scan recorded,
 * for both writers (iso.c's streams, in libisofs's writer thread, and
 * udf.c): a different size when it is opened, an end before that size,
 * or one byte more once it is reached is a failure, described in the
 * caller's buffer (the ISO writer cannot touch its context from the
 * writer thread).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "master_private.h"
#include "banned.h"

int gm_held_open(struct gm_held *h, const struct gm_node *node, size_t read_ahead,
		 char *msg, size_t len)
{
	struct stat st;

	memset(h, 0, sizeof(*h));
	h->node = node;
	h->cap = read_ahead;
	h->fd = open(node->src, O_RDONLY | O_CLOEXEC);
	if (h->fd < 0) {
		snprintf(msg, len, "cannot read '%s': %s", node->src, strerror(errno));
		return -1;
	}
	if (fstat(h->fd, &st) != 0 || (uint64_t)st.st_size != node->size) {
		snprintf(msg, len, "'%s' changed size while the image was made (%llu "
			 "bytes when scanned, %llu now)", node->src,
			 (unsigned long long)node->size, (unsigned long long)st.st_size);
		close(h->fd);
		h->fd = -1;
		return -1;
	}
	return 0;
}

/* read(2) until count bytes or the end; EINTR is no failure. */
static ssize_t read_some(int fd, uint8_t *buf, size_t count)
{
	ssize_t r;

	while ((r = read(fd, buf, count)) < 0 && errno == EINTR)
		;
	return r;
}

int gm_held_read(struct gm_held *h, void *out, size_t count, char *msg, size_t len)
{
	uint64_t size = h->node->size;
	uint8_t *dst = out;
	size_t got = 0;

	if (count > size - h->done)
		count = (size_t)(size - h->done);
	while (got < count) {
		size_t want = count - got, n;
		bool direct = h->used == h->have && (h->cap == 0 || want >= h->cap);
		ssize_t r;

		if (h->used == h->have) {
			if (!direct && h->buf == NULL && (h->buf = malloc(h->cap)) == NULL) {
				snprintf(msg, len, "out of memory reading '%s'", h->node->src);
				return -1;
			}
			r = read_some(h->fd, direct ? dst + got : h->buf, direct ? want : h->cap);
			if (r < 0) {
				snprintf(msg, len, "cannot read '%s' at byte %llu: %s",
					 h->node->src, (unsigned long long)(h->done + got),
					 strerror(errno));
				return -1;
			}
			if (r == 0) {
				snprintf(msg, len, "'%s' shrank while the image was made "
					 "(%llu bytes when scanned, it ended at %llu)",
					 h->node->src, (unsigned long long)size,
					 (unsigned long long)(h->done + got));
				return -1;
			}
			if (direct) {
				got += (size_t)r;
				continue;
			}
			h->have = (size_t)r;
			h->used = 0;
		}
		n = h->have - h->used < want ? h->have - h->used : want;
		memcpy(dst + got, h->buf + h->used, n);
		h->used += n;
		got += n;
	}
	h->done += got;
	if (h->done == size) {
		uint8_t extra;
		ssize_t n = (ssize_t)(h->have - h->used);

		/* the caller reads no further: a byte more is a file that grew */
		if (n == 0)
			n = read_some(h->fd, &extra, 1);
		if (n > 0) {
			snprintf(msg, len, "'%s' grew while the image was made (%llu "
				 "bytes when scanned)", h->node->src,
				 (unsigned long long)size);
			return -1;
		}
	}
	return 0;
}

void gm_held_close(struct gm_held *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	free(h->buf);
	h->buf = NULL;
	h->have = h->used = 0;
}
