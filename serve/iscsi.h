/*
 * iscsi.h - the iSCSI protocol of `serve` (serve/iscsi.c), apart from
 * sockets and threads (serve/target.c): one connection is served over a
 * byte stream given as two callbacks, so the same code runs over TCP and
 * over a fuzzer's input.  Not installed.
 */
#ifndef GM_ISCSI_H
#define GM_ISCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "error.h"
#include "rip.h"

/* What every connection of a target shares; read-only while serving. */
struct gm_iscsi_target {
	const char *name;	/* the target's iSCSI name */
	const char *const *images;	/* LUN n serves images[n] */
	unsigned nluns;
	const struct gm_drive_profile *profile;	/* NULL: a plain drive */
	struct gm_faults *const *faults;	/* per LUN (NULL: none), shared
						   by every connection */
	const char *chap_user, *chap_secret;	/* NULL: no authentication */
	void (*event)(void *arg, const char *line);	/* may be NULL */
	void *arg;
};

/* One connection's byte stream. */
struct gm_iscsi_wire {
	/* Read exactly n bytes: 0, or -1 at the end of the stream or on an
	   error. */
	int (*recv)(void *arg, void *buf, size_t n);
	/* Write all of niov buffers: 0, or -1. */
	int (*send)(void *arg, const struct iovec *iov, int niov);
	void *arg;
	const char *peer;	/* the initiator's address, for messages */
	const char *portal;	/* "ADDR:PORT" the initiator reached, for
				   SendTargets */
};

/* How a connection ended. */
enum gm_iscsi_end {
	GM_ISCSI_LOGOUT,	/* the initiator logged out */
	GM_ISCSI_CLOSED,	/* the stream ended (or was shut down) */
	GM_ISCSI_REFUSED,	/* the login failed; a status was sent */
	GM_ISCSI_PROTOCOL	/* the initiator broke the protocol: dropped */
};

/* The largest data transfer of one SCSI command. */
#define GM_ISCSI_MAX_TRANSFER (16u << 20)

/*
 * Serve one connection until it ends.  *normal tells whether it was a
 * normal session (not discovery) that reached full feature phase.
 */
enum gm_iscsi_end gm_iscsi_serve_conn(struct gm_ctx *ctx,
				      const struct gm_iscsi_target *t,
				      const struct gm_iscsi_wire *w, bool *normal);

/* CRC32C (Castagnoli) of len bytes, continuing crc (start with 0). */
uint32_t gm_crc32c(uint32_t crc, const void *buf, size_t len);

#endif
