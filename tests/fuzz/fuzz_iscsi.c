/*
 * fuzz_iscsi.c - libFuzzer target for the iSCSI protocol of `serve`
 * (serve/iscsi.c), which reads whatever a network peer sends: the input's
 * first byte chooses the target (bit 0: CHAP required, as user "fuzz"
 * with the secret "fuzzsecret12"), the rest is the byte stream of one
 * connection, from the login on.  The target serves two LUNs, a small CD
 * of a Mode 1 track and an audio track with a pregap.  Nothing may crash,
 * hang or touch memory it does not own, and every PDU the target sends
 * must be whole: a 48-byte header and the data segment it announces.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "image.h"
#include "iscsi.h"
#include "fuzz_common.h"


static char dir[] = "/tmp/gm-fuzz-iscsi.XXXXXX";
static char sheet[96];
static const char *images[2] = { sheet, sheet };
static struct gm_ctx *ctx;

struct stream {
	const uint8_t *data;
	size_t size, at;
};

static int fuzz_recv(void *arg, void *buf, size_t n)
{
	struct stream *s = arg;

	if (n > s->size - s->at)
		return -1;
	memcpy(buf, s->data + s->at, n);
	s->at += n;
	return 0;
}

/* Check that the PDU is whole: its header's AHS and data segment lengths
   fit what is sent (digests, when negotiated, come on top). */
static int fuzz_send(void *arg, const struct iovec *iov, int niov)
{
	size_t total = 0, want;
	const uint8_t *bhs;

	(void)arg;
	if (niov < 1 || iov[0].iov_len < 48)
		abort();
	bhs = iov[0].iov_base;
	for (int i = 0; i < niov; i++)
		total += iov[i].iov_len;
	want = 48 + (size_t)bhs[4] * 4
	       + (((size_t)bhs[5] << 16 | (size_t)bhs[6] << 8 | bhs[7]) + 3) / 4 * 4;
	if (total < want || total > want + 8)
		abort();
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_make_cd(dir, sheet, sizeof(sheet));
	ctx = gm_ctx_new();
	if (ctx == NULL)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gm_iscsi_target t = {
		.name = "iqn.2026-12.org.glassmaster:fuzz",
		.images = images,
		.nluns = 2,
	};
	struct stream s = { data, size, 1 };
	struct gm_iscsi_wire w = {
		.recv = fuzz_recv, .send = fuzz_send, .arg = &s,
		.peer = "fuzz", .portal = "127.0.0.1:3260",
	};
	bool normal;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		t.chap_user = "fuzz";
		t.chap_secret = "fuzzsecret12";
	}
	gm_iscsi_serve_conn(ctx, &t, &w, &normal);
	return 0;
}
