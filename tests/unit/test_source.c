/*
 * test_source.c - a source file held to its scanned size (master/source.c,
 * what both mastering writers read through): exact bytes through the
 * read-ahead buffer and without it, and the failures, named: a size
 * changed before the open, a file that shrinks or grows while it is read.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gm_test.h"
#include "master_private.h"

static char dir[64], path[128];
static uint8_t data[10000];

/* A file of n bytes of data, and a node that says it has size bytes. */
static void make(struct gm_node *node, size_t n, uint64_t size)
{
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/gm-unit-source.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(data, 1, n, f), n);
	fclose(f);
	memset(node, 0, sizeof(*node));
	node->src = path;
	node->size = size;
}

static void clean(void)
{
	unlink(path);
	rmdir(dir);
}

/* Read the whole file in steps of step bytes with read_ahead. */
static void whole(size_t read_ahead, size_t step)
{
	struct gm_node node;
	struct gm_held h;
	uint8_t out[10000];
	char msg[256] = "";
	size_t done = 0;

	gm_test_rng_seed((uint32_t)(read_ahead + step));
	gm_test_rng_fill(data, sizeof(data));
	make(&node, sizeof(data), sizeof(data));
	CU_ASSERT_EQUAL_FATAL(gm_held_open(&h, &node, read_ahead, msg, sizeof(msg)), 0);
	while (done < sizeof(data)) {
		size_t n = sizeof(data) - done < step ? sizeof(data) - done : step;

		CU_ASSERT_EQUAL_FATAL(gm_held_read(&h, out + done, n, msg, sizeof(msg)), 0);
		done += n;
	}
	CU_ASSERT_EQUAL(h.done, sizeof(data));
	CU_ASSERT_EQUAL(memcmp(out, data, sizeof(data)), 0);
	/* past the end: nothing more, no failure */
	CU_ASSERT_EQUAL(gm_held_read(&h, out, 10, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(h.done, sizeof(data));
	gm_held_close(&h);
	clean();
}

GM_TEST(source_exact_bytes)
{
	whole(0, 10000);	/* one read, no buffer */
	whole(0, 7);		/* small reads straight from the file */
	whole(4096, 7);		/* through the read-ahead, across its edges */
	whole(4096, 5000);	/* larger than the read-ahead: straight */
	whole(2048, 2048);
}

GM_TEST(source_changed_before_open)
{
	struct gm_node node;
	struct gm_held h;
	char msg[256] = "", want[256];

	make(&node, 100, 99);
	CU_ASSERT_EQUAL(gm_held_open(&h, &node, 0, msg, sizeof(msg)), -1);
	snprintf(want, sizeof(want), "'%s' changed size while the image was made "
		 "(99 bytes when scanned, 100 now)", path);
	CU_ASSERT_STRING_EQUAL(msg, want);
	node.src = "/nonexistent/gm-unit";
	CU_ASSERT_EQUAL(gm_held_open(&h, &node, 0, msg, sizeof(msg)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "cannot read '/nonexistent/gm-unit': "));
	clean();
}

/* The file shrinks to cut bytes after the open; reading all fails. */
static void shrinks(size_t read_ahead)
{
	struct gm_node node;
	struct gm_held h;
	uint8_t out[10000];
	char msg[256] = "", want[256];

	make(&node, 5000, 5000);
	CU_ASSERT_EQUAL_FATAL(gm_held_open(&h, &node, read_ahead, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(truncate(path, 3000), 0);
	CU_ASSERT_EQUAL(gm_held_read(&h, out, 5000, msg, sizeof(msg)), -1);
	snprintf(want, sizeof(want), "'%s' shrank while the image was made (5000 "
		 "bytes when scanned, it ended at 3000)", path);
	CU_ASSERT_STRING_EQUAL(msg, want);
	gm_held_close(&h);
	clean();
}

/* The file grows by a byte after the open; reading to its size fails. */
static void grows(size_t read_ahead, size_t step)
{
	struct gm_node node;
	struct gm_held h;
	uint8_t out[10000];
	char msg[256] = "", want[256];
	size_t done = 0;
	int fd, ret = 0;

	make(&node, 5000, 5000);
	CU_ASSERT_EQUAL_FATAL(gm_held_open(&h, &node, read_ahead, msg, sizeof(msg)), 0);
	fd = open(path, O_WRONLY | O_APPEND);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, "x", 1), 1);
	close(fd);
	while (ret == 0 && done < 5000) {
		size_t n = 5000 - done < step ? 5000 - done : step;

		ret = gm_held_read(&h, out + done, n, msg, sizeof(msg));
		done += n;
	}
	CU_ASSERT_EQUAL(ret, -1);
	CU_ASSERT_EQUAL(done, 5000);	/* found at the size, not before */
	snprintf(want, sizeof(want), "'%s' grew while the image was made (5000 "
		 "bytes when scanned)", path);
	CU_ASSERT_STRING_EQUAL(msg, want);
	gm_held_close(&h);
	clean();
}

GM_TEST(source_shrinks_or_grows)
{
	shrinks(0);
	shrinks(4096);
	grows(0, 5000);
	grows(0, 1000);
	grows(4096, 100);	/* the byte more sits in the read-ahead */
	grows(8192, 5000);
}
