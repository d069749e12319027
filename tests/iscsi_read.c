/*
 * iscsi_read.c - gm-iscsi-read: an iSCSI initiator on libiscsi, for the
 * tests and bench/serve (libiscsi's own iscsi-perf needs READ CAPACITY(16),
 * which an MMC device has not).
 *
 *   gm-iscsi-read [-D] [-q DEPTH] [-b BYTES] URL OUT
 *       read the whole LUN (READ CAPACITY(10)) with READ(10) requests of
 *       BYTES (default 65536), DEPTH of them in flight (default 8), into
 *       OUT in LBA order; prints "BYTES bytes in SECONDS s" on stderr
 *   gm-iscsi-read [-D] -c LBA:COUNT[:FLAGS[:SUB]] URL OUT
 *       READ CD of COUNT sectors from LBA (negative allowed), byte 9 FLAGS
 *       (default 0xf8: the whole 2352 bytes), byte 10 SUB (default 1: raw
 *       P-W), 16 sectors a command, into OUT
 *   gm-iscsi-read [-D] -x HEXCDB:LEN URL OUT
 *       one command of LEN bytes in; prints "GOOD n" or "CHECK key/asc/ascq"
 *
 * -D asks for CRC32C header and data digests.  A target that fails or
 * answers a READ with anything but GOOD ends it with status 1 and the sense.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

static struct iscsi_context *iscsi;
static int lun;

static void die(const char *what)
{
	fprintf(stderr, "gm-iscsi-read: %s: %s\n", what, iscsi ? iscsi_get_error(iscsi) : "");
	exit(1);
}

static void connect_url(const char *url, int digest)
{
	struct iscsi_url *u;

	iscsi = iscsi_create_context("iqn.2026-12.org.glassmaster:gm-iscsi-read");
	if (iscsi == NULL)
		die("context");
	u = iscsi_parse_full_url(iscsi, url);
	if (u == NULL)
		die("url");
	iscsi_set_targetname(iscsi, u->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, digest ? ISCSI_HEADER_DIGEST_CRC32C
				: ISCSI_HEADER_DIGEST_NONE);
	/* a test wants to see a dropped connection, not a retry forever */
	iscsi_set_noautoreconnect(iscsi, 1);
	if (u->user[0])
		iscsi_set_initiator_username_pwd(iscsi, u->user, u->passwd);
	if (iscsi_full_connect_sync(iscsi, u->portal, u->lun) != 0)
		die("login");
	lun = u->lun;
	iscsi_destroy_url(u);
}

static void sense_die(const char *what, struct scsi_task *t)
{
	fprintf(stderr, "gm-iscsi-read: %s: status %d, sense %x/%02x/%02x\n", what,
		t->status, t->sense.key, t->sense.ascq >> 8, t->sense.ascq & 0xff);
	exit(1);
}

static struct scsi_task *command(unsigned char *cdb, int cdb_len, int len)
{
	struct scsi_task *t = scsi_create_task(cdb_len, cdb,
					       len ? SCSI_XFER_READ : SCSI_XFER_NONE, len);

	if (t == NULL)
		die("task");
	if (iscsi_scsi_command_sync(iscsi, lun, t, NULL) == NULL)
		die("command");
	return t;
}

/* ---- READ(10) of the whole LUN, DEPTH in flight ---- */

struct req {
	uint32_t lba, blocks;
	int busy;
};

static FILE *out;
static uint32_t next_lba, last_lba, written_lba;
static uint32_t chunk_blocks;
static int inflight, failed;
static unsigned char **bufs;
static struct req *reqs;
static int depth;

static void issue(int slot);

static void done(struct iscsi_context *ctx, int status, void *data, void *priv)
{
	struct scsi_task *t = data;
	struct req *r = priv;
	int slot = (int)(r - reqs);

	(void)ctx;
	inflight--;
	if (status != SCSI_STATUS_GOOD || t->datain.size != (int)(r->blocks * 2048)) {
		fprintf(stderr, "gm-iscsi-read: READ(10) of %u+%u: status %d, %d bytes, "
			"sense %x/%02x/%02x\n", r->lba, r->blocks, status, t->datain.size,
			t->sense.key, t->sense.ascq >> 8, t->sense.ascq & 0xff);
		failed = 1;
	} else {
		memcpy(bufs[slot], t->datain.data, (size_t)t->datain.size);
	}
	r->busy = 2;		/* done, not yet written */
	scsi_free_scsi_task(t);
}

static void issue(int slot)
{
	struct req *r = &reqs[slot];
	uint32_t n = last_lba - next_lba < chunk_blocks ? last_lba - next_lba : chunk_blocks;

	r->lba = next_lba;
	r->blocks = n;
	r->busy = 1;
	next_lba += n;
	inflight++;
	if (iscsi_read10_task(iscsi, lun, r->lba, n * 2048, 2048, 0, 0, 0, 0, 0, done, r)
	    == NULL)
		die("READ(10)");
}

static void read_all(const char *path, uint32_t bytes)
{
	unsigned char cdb[10] = { 0x25 };
	struct scsi_task *t = command(cdb, 10, 8);
	struct timespec a, b;
	unsigned char *cap;
	uint64_t total;

	if (t->status != SCSI_STATUS_GOOD || t->datain.size < 8)
		sense_die("READ CAPACITY", t);
	cap = t->datain.data;
	last_lba = ((uint32_t)cap[0] << 24 | cap[1] << 16 | cap[2] << 8 | cap[3]) + 1;
	scsi_free_scsi_task(t);
	chunk_blocks = bytes / 2048 ? bytes / 2048 : 1;
	out = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	if (out == NULL) {
		perror(path);
		exit(1);
	}
	bufs = calloc((size_t)depth, sizeof(*bufs));
	reqs = calloc((size_t)depth, sizeof(*reqs));
	for (int i = 0; i < depth; i++)
		if ((bufs[i] = malloc((size_t)chunk_blocks * 2048)) == NULL)
			die("memory");
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < depth && next_lba < last_lba; i++)
		issue(i);
	while (written_lba < last_lba && !failed) {
		struct pollfd p = { iscsi_get_fd(iscsi), (short)iscsi_which_events(iscsi), 0 };
		int progress = 1;

		if (poll(&p, 1, 10000) <= 0)
			die("timeout");
		if (iscsi_service(iscsi, p.revents) < 0)
			die("service");
		/* write finished requests in LBA order, reissue their slots */
		while (progress) {
			progress = 0;
			for (int i = 0; i < depth; i++)
				if (reqs[i].busy == 2 && reqs[i].lba == written_lba) {
					fwrite(bufs[i], 2048, reqs[i].blocks, out);
					written_lba += reqs[i].blocks;
					reqs[i].busy = 0;
					if (next_lba < last_lba)
						issue(i);
					progress = 1;
				}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (failed)
		exit(1);
	if (out != stdout && fclose(out) != 0) {
		perror(path);
		exit(1);
	}
	total = (uint64_t)last_lba * 2048;
	fprintf(stderr, "%llu bytes in %.3f s\n", (unsigned long long)total,
		(double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
}

/* ---- READ CD ---- */

static size_t sector_bytes(unsigned flags, unsigned sub)
{
	size_t n = 0;

	if (flags & 0xf8)
		n = 2352;	/* the tests ask for whole sectors or nothing */
	if (((flags >> 1) & 3) == 1)
		n += 294;
	else if (((flags >> 1) & 3) == 2)
		n += 296;
	n += sub == 1 || sub == 4 ? 96 : sub == 2 ? 16 : 0;
	return n;
}

static void read_cd(const char *spec, const char *path)
{
	long lba, count;
	unsigned flags = 0xf8, sub = 1;
	FILE *f;

	if (sscanf(spec, "%ld:%ld:%x:%u", &lba, &count, &flags, &sub) < 2 || count < 0) {
		fprintf(stderr, "gm-iscsi-read: -c LBA:COUNT[:FLAGS[:SUB]]\n");
		exit(2);
	}
	f = fopen(path, "wb");
	if (f == NULL) {
		perror(path);
		exit(1);
	}
	for (long at = 0; at < count; at += 16) {
		long n = count - at < 16 ? count - at : 16;
		uint32_t l = (uint32_t)(lba + at);
		unsigned char cdb[12] = { 0xbe, 0, (unsigned char)(l >> 24),
					  (unsigned char)(l >> 16), (unsigned char)(l >> 8),
					  (unsigned char)l, 0, 0, (unsigned char)n,
					  (unsigned char)flags, (unsigned char)sub, 0 };
		size_t len = (size_t)n * sector_bytes(flags, sub);
		struct scsi_task *t = command(cdb, 12, (int)len);

		if (t->status != SCSI_STATUS_GOOD || (size_t)t->datain.size != len)
			sense_die("READ CD", t);
		fwrite(t->datain.data, 1, len, f);
		scsi_free_scsi_task(t);
	}
	if (fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* ---- any command ---- */

static void raw_command(const char *spec, const char *path)
{
	unsigned char cdb[16];
	int n = 0, len;
	const char *colon = strchr(spec, ':');
	struct scsi_task *t;

	if (colon == NULL || (colon - spec) % 2 != 0 || (colon - spec) / 2 > 16
	    || (colon - spec) < 12) {
		fprintf(stderr, "gm-iscsi-read: -x HEXCDB:LEN\n");
		exit(2);
	}
	for (const char *p = spec; p < colon; p += 2) {
		unsigned v;

		if (sscanf(p, "%2x", &v) != 1)
			exit(2);
		cdb[n++] = (unsigned char)v;
	}
	len = atoi(colon + 1);
	t = command(cdb, n, len);
	if (t->status == SCSI_STATUS_GOOD) {
		FILE *f = fopen(path, "wb");

		if (f == NULL) {
			perror(path);
			exit(1);
		}
		fwrite(t->datain.data, 1, (size_t)t->datain.size, f);
		fclose(f);
		printf("GOOD %d\n", t->datain.size);
	} else if (t->status == SCSI_STATUS_CHECK_CONDITION) {
		printf("CHECK %x/%02x/%02x\n", t->sense.key, t->sense.ascq >> 8,
		       t->sense.ascq & 0xff);
	} else {
		printf("STATUS %d\n", t->status);
	}
	scsi_free_scsi_task(t);
}

int main(int argc, char **argv)
{
	const char *cd = NULL, *raw = NULL;
	uint32_t bytes = 65536;
	int digest = 0, c;

	depth = 8;
	while ((c = getopt(argc, argv, "Dq:b:c:x:")) != -1) {
		switch (c) {
		case 'D': digest = 1; break;
		case 'q': depth = atoi(optarg); break;
		case 'b': bytes = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'c': cd = optarg; break;
		case 'x': raw = optarg; break;
		default: exit(2);
		}
	}
	if (argc - optind != 2 || depth < 1 || depth > 64) {
		fprintf(stderr, "usage: gm-iscsi-read [-D] [-q DEPTH] [-b BYTES] "
			"[-c LBA:COUNT[:FLAGS[:SUB]] | -x HEXCDB:LEN] URL OUT\n");
		return 2;
	}
	connect_url(argv[optind], digest);
	if (cd != NULL)
		read_cd(cd, argv[optind + 1]);
	else if (raw != NULL)
		raw_command(raw, argv[optind + 1]);
	else
		read_all(argv[optind + 1], bytes);
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	return 0;
}
