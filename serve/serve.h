/*
 * serve.h - the emulated MMC drive (rip/mmc_emu.c) on the network: an
 * iSCSI target (RFC 7143) with one read-only LUN of peripheral device type
 * 05h (CD/DVD) per image, so that any SCSI initiator (libiscsi, QEMU's
 * iscsi block driver, open-iscsi and the kernel's iscsi_tcp) sees an
 * optical drive holding the image.
 */
#ifndef GM_SERVE_H
#define GM_SERVE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "rip.h"

/* How serving goes; copied by gm_serve() only as far as it needs. */
struct gm_serve_opts {
	const char *const *images;	/* one LUN each, LUN 0 first */
	unsigned nimages;
	const char *target;	/* the target's iSCSI name; NULL: made from
				   the first image's name */
	const char *listen;	/* "ADDR:PORT" ("[ADDR]:PORT" for IPv6); NULL:
				   127.0.0.1:3260; port 0 picks a free one */
	const struct gm_drive_profile *profile;	/* NULL: a plain drive */
	const char *faults;	/* a fault script (glassmaster-faults(5)) for
				   every LUN, each with its own counters that
				   all its sessions share; NULL: none */
	const char *chap_user;	/* non-NULL: initiators must log in with
				   CHAP as this user ... */
	const char *chap_secret;	/* ... and this secret */
	bool once;		/* stop when the first normal session ends */
	unsigned max_connections;	/* 0: 16 */
	volatile int *stop;	/* serving stops when *stop becomes non-zero */
	/* Told once listening: the target's name and the address bound. */
	void (*ready)(void *arg, const char *target, const char *address);
	/* Told of sessions starting and ending and of what initiators did
	   wrong; one line, no newline; called from any thread, one at a
	   time. */
	void (*event)(void *arg, const char *line);
	void *arg;
};

/*
 * Check that every image opens, listen, and serve until *opts->stop is
 * set (or, with once, the first normal session ends); then close every
 * connection.  0, or a negative code with a message on ctx (an image that
 * does not open, an address that cannot be bound).
 */
int gm_serve(struct gm_ctx *ctx, const struct gm_serve_opts *opts);

/* The target name gm_serve() uses for an image at path when given none
   ("iqn.2026-12.org.glassmaster:NAME"), into out of size bytes. */
void gm_serve_default_name(const char *path, char *out, size_t size);

#endif
