/*
 * iscsi.c - one iSCSI connection (RFC 7143) of `serve`, over a byte stream:
 * login with its stages and text negotiation (digests, data lengths,
 * ImmediateData, InitialR2T, MaxConnections 1, ErrorRecoveryLevel 0;
 * optional one-way CHAP with MD5), discovery sessions answering
 * SendTargets, and in full feature phase SCSI Command, Data-In with the
 * status in the last PDU (phase collapse), SCSI Response with sense,
 * NOP-Out/NOP-In, Task Management and Logout.  The SCSI commands go to one
 * emulated MMC drive (rip/mmc_emu.c) per LUN; REPORT LUNS and LUNs that do
 * not exist are answered here.  The target is read-only and answers at
 * ErrorRecoveryLevel 0: a PDU that breaks the protocol gets a Reject or a
 * login status where the RFC gives one, else the connection is dropped;
 * nothing the initiator sends is trusted before it is bounded.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "bytes.h"
#include "iscsi.h"
#include "mmc.h"
#include "banned.h"

/* Opcodes (RFC 7143 11.1.1) */
enum {
	OP_NOP_OUT = 0x00, OP_SCSI_CMD = 0x01, OP_TMF = 0x02, OP_LOGIN = 0x03,
	OP_TEXT = 0x04, OP_DATA_OUT = 0x05, OP_LOGOUT = 0x06, OP_SNACK = 0x10,
	OP_NOP_IN = 0x20, OP_SCSI_RSP = 0x21, OP_TMF_RSP = 0x22, OP_LOGIN_RSP = 0x23,
	OP_TEXT_RSP = 0x24, OP_DATA_IN = 0x25, OP_LOGOUT_RSP = 0x26, OP_REJECT = 0x3f
};

/* Reject reasons (11.17.1) */
enum { REJ_DATA_DIGEST = 0x02, REJ_PROTOCOL = 0x04, REJ_NOT_SUPPORTED = 0x05,
       REJ_INVALID_FIELD = 0x09 };

#define WINDOW 64		/* commands the initiator may queue */
#define LOGIN_SEGMENT 8192	/* MaxRecvDataSegmentLength during login */
#define OUR_SEGMENT 262144	/* ours in full feature phase */
#define MAX_TEXT 65536		/* login or text keys over several PDUs */
#define NO_TAG 0xffffffffu

struct conn {
	struct gm_ctx *ctx;
	const struct gm_iscsi_target *t;
	const struct gm_iscsi_wire *w;

	/* login */
	int stage;		/* 0 security, 1 operational, 3 full feature */
	bool started, discovery, normal, declared, target_named;
	int chap;		/* 0 not chosen, 1 chosen, 2 challenged, 3 passed */
	uint8_t chap_id, chap_challenge[16];
	char initiator[256];
	uint8_t isid[6];
	uint32_t login_itt;
	uint16_t tsih;
	char *text;		/* keys of PDUs sent with C (continue) */
	size_t text_len;

	/* numbering */
	uint32_t stat_sn, exp_cmd_sn;

	/* what was negotiated */
	bool hdigest, ddigest;	/* in effect */
	bool hdigest_next, ddigest_next;	/* from full feature phase on */
	bool immediate_data;
	uint32_t send_max;	/* the initiator's MaxRecvDataSegmentLength */
	uint32_t send_max_next;
	uint32_t recv_max;	/* ours */
	uint32_t max_burst;

	struct gm_mmc_io *luns;	/* opened at the end of a normal login */

	/* the PDU being handled */
	uint8_t bhs[48];
	uint8_t ahs[1020];
	size_t ahs_len;
	uint8_t *data;		/* its data segment */
	size_t data_cap;
	uint32_t dlen;
	bool data_bad;		/* its data digest failed */

	uint8_t *buf;		/* a command's Data-In */
	size_t buf_cap;
};

static void event(struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void event(struct conn *c, const char *fmt, ...)
{
	char line[512];
	int n;
	va_list ap;

	if (c->t->event == NULL)
		return;
	n = snprintf(line, sizeof(line), "%s: ", c->w->peer ? c->w->peer : "initiator");
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	c->t->event(c->t->arg, line);
}

/* ---------------------------------------------------------------------
 * CRC32C (Castagnoli, reflected 0x82F63B78), the iSCSI digest
 */

static uint32_t crc32c_table[8][256];

__attribute__((constructor)) static void crc32c_init(void)
{
	for (unsigned i = 0; i < 256; i++) {
		uint32_t crc = i;

		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ ((crc & 1) ? 0x82f63b78u : 0);
		crc32c_table[0][i] = crc;
	}
	for (unsigned i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++)
			crc32c_table[k][i] = (crc32c_table[k - 1][i] >> 8)
					     ^ crc32c_table[0][crc32c_table[k - 1][i] & 0xff];
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc32c_hw(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc;

	for (; len >= 8; len -= 8, p += 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	crc = (uint32_t)c;
	for (; len > 0; len--)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return crc;
}
#endif

uint32_t gm_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2"))
		return ~crc32c_hw(crc, p, len);
#endif
	for (; len >= 8; len -= 8, p += 8) {
		uint32_t lo = crc ^ (uint32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);

		crc = crc32c_table[7][lo & 0xff] ^ crc32c_table[6][(lo >> 8) & 0xff]
		      ^ crc32c_table[5][(lo >> 16) & 0xff] ^ crc32c_table[4][lo >> 24]
		      ^ crc32c_table[3][p[4]] ^ crc32c_table[2][p[5]]
		      ^ crc32c_table[1][p[6]] ^ crc32c_table[0][p[7]];
	}
	for (; len > 0; len--)
		crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

/* ---------------------------------------------------------------------
 * PDUs on the wire
 */

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* Read one PDU into c->bhs, c->ahs and c->data: 0, -1 the stream ended,
   -2 the PDU cannot be taken (the connection is to be dropped). */
static int recv_pdu(struct conn *c)
{
	uint8_t digest[4];
	uint32_t limit = c->stage == 3 ? c->recv_max : LOGIN_SEGMENT;
	size_t padded;

	if (c->w->recv(c->w->arg, c->bhs, 48) != 0)
		return -1;
	c->ahs_len = (size_t)c->bhs[4] * 4;
	if (c->ahs_len > 0 && c->w->recv(c->w->arg, c->ahs, c->ahs_len) != 0)
		return -1;
	if (c->hdigest) {
		uint32_t crc = gm_crc32c(gm_crc32c(0, c->bhs, 48), c->ahs, c->ahs_len);

		if (c->w->recv(c->w->arg, digest, 4) != 0)
			return -1;
		if (gm_le32(digest) != crc) {
			event(c, "header digest error; connection dropped");
			return -2;
		}
	}
	c->dlen = be24(c->bhs + 5);
	if (c->dlen > limit) {
		event(c, "a data segment of %u bytes, over the %u negotiated; "
		      "connection dropped", c->dlen, limit);
		return -2;
	}
	padded = (c->dlen + 3u) & ~3u;
	if (padded > c->data_cap) {
		uint8_t *p = realloc(c->data, padded);

		if (p == NULL) {
			event(c, "out of memory; connection dropped");
			return -2;
		}
		c->data = p;
		c->data_cap = padded;
	}
	if (padded > 0 && c->w->recv(c->w->arg, c->data, padded) != 0)
		return -1;
	c->data_bad = false;
	if (c->ddigest && c->dlen > 0) {
		if (c->w->recv(c->w->arg, digest, 4) != 0)
			return -1;
		c->data_bad = gm_le32(digest) != gm_crc32c(0, c->data, padded);
	}
	return 0;
}

/* Send a PDU: bhs (its data segment length filled here) and dlen bytes of
   data, padded, with the digests in effect.  0 or -1. */
static int send_pdu(struct conn *c, uint8_t *bhs, const uint8_t *data, size_t dlen)
{
	static const uint8_t pad[4];
	uint8_t hd[4], dd[4];
	struct iovec iov[5];
	int n = 0;
	size_t padlen = (4 - dlen % 4) % 4;

	bhs[4] = 0;
	bhs[5] = (uint8_t)(dlen >> 16);
	bhs[6] = (uint8_t)(dlen >> 8);
	bhs[7] = (uint8_t)dlen;
	iov[n++] = (struct iovec){ bhs, 48 };
	if (c->hdigest) {
		gm_put_le32(hd, gm_crc32c(0, bhs, 48));
		iov[n++] = (struct iovec){ hd, 4 };
	}
	if (dlen > 0) {
		iov[n++] = (struct iovec){ (void *)data, dlen };
		if (padlen)
			iov[n++] = (struct iovec){ (void *)pad, padlen };
		if (c->ddigest) {
			gm_put_le32(dd, gm_crc32c(gm_crc32c(0, data, dlen), pad, padlen));
			iov[n++] = (struct iovec){ dd, 4 };
		}
	}
	return c->w->send(c->w->arg, iov, n);
}

/* The numbering every response carries at bytes 24..35. */
static void put_sn(struct conn *c, uint8_t *bhs, bool status)
{
	gm_put_be32(bhs + 24, status ? c->stat_sn++ : 0);
	gm_put_be32(bhs + 28, c->exp_cmd_sn);
	gm_put_be32(bhs + 32, c->exp_cmd_sn + WINDOW - 1);
}

static int reject(struct conn *c, uint8_t reason)
{
	uint8_t r[48] = { OP_REJECT, 0x80, reason };

	gm_put_be32(r + 16, NO_TAG);
	put_sn(c, r, true);
	return send_pdu(c, r, c->bhs, 48);
}

/* ---------------------------------------------------------------------
 * Text keys (RFC 7143 6, 13)
 */

struct text {
	char buf[4096];
	size_t len;
	bool full;
};

static void add_key(struct text *t, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_key(struct text *t, const char *key, const char *fmt, ...)
{
	char value[512];
	int n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	n = snprintf(t->buf + t->len, sizeof(t->buf) - t->len, "%s=%s", key, value);
	if (n < 0 || (size_t)n + 1 >= sizeof(t->buf) - t->len) {
		t->full = true;
		return;
	}
	t->len += (size_t)n + 1;	/* the NUL ends the pair */
}

/* Whether the comma-separated list has item. */
static bool in_list(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; *p; ) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && strncmp(p, item, n) == 0)
			return true;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return false;
}

/* A numeric value (decimal or 0x hex) in [min, max]. */
static bool number(const char *v, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long n;

	if (*v == '\0' || *v == '-' || *v == '+')
		return false;
	errno = 0;
	n = strtoul(v, &end, 0);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return false;
	*out = n;
	return true;
}

static bool yes_no(const char *v, bool *out)
{
	if (strcmp(v, "Yes") == 0)
		*out = true;
	else if (strcmp(v, "No") == 0)
		*out = false;
	else
		return false;
	return true;
}

/* An operational key (13.2-13.20): the answer goes to out.  False when
   the key is not one. */
static bool negotiate(struct conn *c, const char *k, const char *v, struct text *out)
{
	unsigned long n;
	bool b;

	if (strcmp(k, "HeaderDigest") == 0 || strcmp(k, "DataDigest") == 0) {
		const char *pick = NULL;

		/* the initiator's first choice we have */
		for (const char *p = v; *p && pick == NULL; ) {
			const char *end = strchr(p, ',');
			size_t len = end ? (size_t)(end - p) : strlen(p);

			if (len == 6 && strncmp(p, "CRC32C", 6) == 0)
				pick = "CRC32C";
			else if (len == 4 && strncmp(p, "None", 4) == 0)
				pick = "None";
			if (end == NULL)
				break;
			p = end + 1;
		}
		add_key(out, k, "%s", pick ? pick : "Reject");
		if (pick && k[0] == 'H')
			c->hdigest_next = pick[0] == 'C';
		else if (pick)
			c->ddigest_next = pick[0] == 'C';
	} else if (strcmp(k, "MaxRecvDataSegmentLength") == 0) {
		if (number(v, 512, 16777215, &n))
			c->send_max_next = (uint32_t)n;	/* declarative */
		else
			add_key(out, k, "Reject");
	} else if (strcmp(k, "MaxBurstLength") == 0 || strcmp(k, "FirstBurstLength") == 0) {
		if (!number(v, 512, 16777215, &n)) {
			add_key(out, k, "Reject");
		} else {
			add_key(out, k, "%lu", n);	/* the minimum: theirs */
			if (k[0] == 'M')
				c->max_burst = (uint32_t)n;
		}
	} else if (strcmp(k, "MaxConnections") == 0) {
		add_key(out, k, number(v, 1, 65535, &n) ? "1" : "Reject");
	} else if (strcmp(k, "InitialR2T") == 0 || strcmp(k, "DataPDUInOrder") == 0
		   || strcmp(k, "DataSequenceInOrder") == 0) {
		add_key(out, k, yes_no(v, &b) ? "Yes" : "Reject");	/* OR */
	} else if (strcmp(k, "ImmediateData") == 0) {
		if (yes_no(v, &b)) {
			c->immediate_data = b;	/* AND with our Yes */
			add_key(out, k, "%s", v);
		} else {
			add_key(out, k, "Reject");
		}
	} else if (strcmp(k, "IFMarker") == 0 || strcmp(k, "OFMarker") == 0) {
		add_key(out, k, yes_no(v, &b) ? "No" : "Reject");	/* AND */
	} else if (strcmp(k, "IFMarkInt") == 0 || strcmp(k, "OFMarkInt") == 0) {
		add_key(out, k, "Irrelevant");
	} else if (strcmp(k, "DefaultTime2Wait") == 0) {
		if (number(v, 0, 3600, &n))
			add_key(out, k, "%lu", n);	/* the maximum: theirs */
		else
			add_key(out, k, "Reject");
	} else if (strcmp(k, "DefaultTime2Retain") == 0) {
		add_key(out, k, number(v, 0, 3600, &n) ? "0" : "Reject");
	} else if (strcmp(k, "MaxOutstandingR2T") == 0) {
		add_key(out, k, number(v, 1, 65535, &n) ? "1" : "Reject");
	} else if (strcmp(k, "ErrorRecoveryLevel") == 0) {
		add_key(out, k, number(v, 0, 2, &n) ? "0" : "Reject");
	} else {
		return false;
	}
	return true;
}

/* Split text (len bytes of key=value pairs, each ended by NUL, and a NUL
   at text[len]) and call fn for each; a pair without '=' or with an
   over-long key is given with value NULL. */
/* Append the PDU's data segment to the keys gathered so far (one NUL
   more allocated): 0, 1 beyond MAX_TEXT, -1 out of memory. */
static int gather_keys(struct conn *c)
{
	char *text;

	if (c->text_len + c->dlen > MAX_TEXT)
		return 1;
	text = realloc(c->text, c->text_len + c->dlen + 1);
	if (text == NULL)
		return -1;
	c->text = text;
	if (c->dlen > 0)
		memcpy(c->text + c->text_len, c->data, c->dlen);
	c->text_len += c->dlen;
	return 0;
}

static void each_key(char *text, size_t len, void (*fn)(void *arg, const char *k, const char *v),
		     void *arg)
{
	for (size_t at = 0; at < len; ) {
		char *pair = text + at, *eq;
		size_t n = strlen(pair);

		at += n + 1;
		if (n == 0)
			continue;
		eq = strchr(pair, '=');
		if (eq == NULL || eq - pair > 63 || eq == pair) {
			fn(arg, pair, NULL);
			continue;
		}
		*eq = '\0';
		fn(arg, pair, eq + 1);
	}
}

/* ---------------------------------------------------------------------
 * Login (RFC 7143 6, 11.12, 11.13)
 */

struct login {
	struct conn *c;
	struct text out;
	uint8_t status_class, status_detail;	/* first failure */
	const char *why;
	bool bad_target;
	bool session_type;
	char chap_name[256];
	char chap_response[256];
	bool chap_mutual;
};

static void login_fail(struct login *l, uint8_t cls, uint8_t detail, const char *why)
{
	if (l->status_class == 0) {
		l->status_class = cls;
		l->status_detail = detail;
		l->why = why;
	}
}

static void login_key(void *arg, const char *k, const char *v)
{
	struct login *l = arg;
	struct conn *c = l->c;

	if (v == NULL) {
		login_fail(l, 2, 0, "a malformed key");
		return;
	}
	if (strlen(v) > 255 && strcmp(k, "CHAP_R") != 0 && strcmp(k, "CHAP_C") != 0) {
		login_fail(l, 2, 0, "a value over 255 bytes");
		return;
	}
	if (strcmp(k, "InitiatorName") == 0) {
		snprintf(c->initiator, sizeof(c->initiator), "%s", v);
	} else if (strcmp(k, "SessionType") == 0) {
		l->session_type = true;
		if (strcmp(v, "Discovery") == 0)
			c->discovery = true;
		else if (strcmp(v, "Normal") == 0)
			c->discovery = false;
		else
			login_fail(l, 2, 9, "an unknown session type");
	} else if (strcmp(k, "TargetName") == 0) {
		c->target_named = true;
		if (strcmp(v, c->t->name) != 0)
			l->bad_target = true;
	} else if (strcmp(k, "InitiatorAlias") == 0 || strcmp(k, "TargetAlias") == 0
		   || strcmp(k, "TargetAddress") == 0 || strcmp(k, "TargetPortalGroupTag") == 0) {
		/* declarative, or ours to say: nothing to answer */
	} else if (strcmp(k, "AuthMethod") == 0) {
		if (c->stage != 0) {
			add_key(&l->out, k, "Irrelevant");
		} else if (c->t->chap_user != NULL) {
			if (in_list(v, "CHAP")) {
				add_key(&l->out, k, "CHAP");
				c->chap = 1;
			} else {
				login_fail(l, 2, 1, "no CHAP offered, and the target requires it");
			}
		} else if (in_list(v, "None")) {
			add_key(&l->out, k, "None");
		} else {
			login_fail(l, 2, 1, "only authentication the target does not have offered");
		}
	} else if (strcmp(k, "CHAP_A") == 0) {
		if (c->chap != 1) {
			login_fail(l, 2, 1, "CHAP_A out of order");
		} else if (!in_list(v, "5")) {
			login_fail(l, 2, 1, "no CHAP algorithm the target has (MD5, 5)");
		} else {
			char hex[33];

			if (getrandom(c->chap_challenge, sizeof(c->chap_challenge), 0)
			    != (ssize_t)sizeof(c->chap_challenge)
			    || getrandom(&c->chap_id, 1, 0) != 1) {
				login_fail(l, 3, 0, "no random numbers for a CHAP challenge");
				return;
			}
			for (int i = 0; i < 16; i++)
				snprintf(hex + 2 * i, 3, "%02x", c->chap_challenge[i]);
			add_key(&l->out, "CHAP_A", "5");
			add_key(&l->out, "CHAP_I", "%u", c->chap_id);
			add_key(&l->out, "CHAP_C", "0x%s", hex);
			c->chap = 2;
		}
	} else if (strcmp(k, "CHAP_N") == 0) {
		snprintf(l->chap_name, sizeof(l->chap_name), "%s", v);
	} else if (strcmp(k, "CHAP_R") == 0) {
		snprintf(l->chap_response, sizeof(l->chap_response), "%s", v);
	} else if (strcmp(k, "CHAP_I") == 0 || strcmp(k, "CHAP_C") == 0) {
		l->chap_mutual = true;
	} else if (!negotiate(c, k, v, &l->out)) {
		add_key(&l->out, k, "NotUnderstood");
	}
}

/* Check CHAP_N and CHAP_R against the challenge sent (RFC 1994: MD5 of
   the identifier, the secret and the challenge). */
static bool chap_check(struct conn *c, const struct login *l)
{
	uint8_t md[16], got[16];
	unsigned int mdlen = 0;
	const char *r = l->chap_response;
	EVP_MD_CTX *m;
	bool ok;

	if (strcmp(l->chap_name, c->t->chap_user) != 0)
		return false;
	if ((r[0] != '0' || (r[1] != 'x' && r[1] != 'X')) || strlen(r) != 2 + 32)
		return false;
	for (int i = 0; i < 16; i++) {
		unsigned v;

		if (sscanf(r + 2 + 2 * i, "%2x", &v) != 1)
			return false;
		got[i] = (uint8_t)v;
	}
	m = EVP_MD_CTX_new();
	ok = m != NULL && EVP_DigestInit_ex(m, EVP_md5(), NULL) == 1
	     && EVP_DigestUpdate(m, &c->chap_id, 1) == 1
	     && EVP_DigestUpdate(m, c->t->chap_secret, strlen(c->t->chap_secret)) == 1
	     && EVP_DigestUpdate(m, c->chap_challenge, 16) == 1
	     && EVP_DigestFinal_ex(m, md, &mdlen) == 1 && mdlen == 16;
	EVP_MD_CTX_free(m);
	return ok && memcmp(md, got, 16) == 0;
}

static bool open_luns(struct conn *c)
{
	c->luns = calloc(c->t->nluns, sizeof(*c->luns));
	if (c->luns == NULL)
		return false;
	for (unsigned i = 0; i < c->t->nluns; i++)
		if (gm_mmc_emu_open(c->ctx, c->t->images[i], c->t->profile, &c->luns[i]) != 0) {
			event(c, "LUN %u: %s", i, gm_error(c->ctx));
			return false;
		} else if (c->t->faults != NULL && c->t->faults[i] != NULL) {
			gm_mmc_emu_share_faults(&c->luns[i], c->t->faults[i]);
		}
	return true;
}

/* A login response with the status (and keys) of l. */
static int login_reply(struct conn *c, struct login *l, bool transit, int nsg,
		       const char *keys, size_t klen)
{
	uint8_t r[48] = { OP_LOGIN_RSP };

	r[1] = (uint8_t)((transit ? 0x80 : 0) | (c->stage & 3) << 2 | (transit ? nsg & 3 : 0));
	memcpy(r + 8, c->isid, 6);
	gm_put_be16(r + 14, transit && nsg == 3 ? c->tsih : 0);
	gm_put_be32(r + 16, c->login_itt);
	put_sn(c, r, true);
	r[36] = l->status_class;
	r[37] = l->status_detail;
	return send_pdu(c, r, (const uint8_t *)keys, klen);
}

/* One Login Request: 0 go on, else how the connection ends. */
static int login(struct conn *c, enum gm_iscsi_end *end)
{
	const uint8_t *b = c->bhs;
	bool transit = b[1] & 0x80, more = b[1] & 0x40;
	int csg = (b[1] >> 2) & 3, nsg = b[1] & 3;
	struct login l;
	size_t len;

	memset(&l, 0, sizeof(l));
	l.c = c;
	if (!c->started) {
		c->started = true;
		memcpy(c->isid, b + 8, 6);
		c->login_itt = gm_be32(b + 16);
		c->stat_sn = gm_be32(b + 28);
		c->exp_cmd_sn = gm_be32(b + 24);
		if (csg == 1)	/* security negotiation skipped */
			c->stage = 1;
	}
	if (b[3] > 0)		/* VersionMin: we speak version 0 */
		login_fail(&l, 2, 5, "an unsupported protocol version");
	else if (gm_be16(b + 14) != 0)
		login_fail(&l, 2, 10, "a connection for an existing session (MaxConnections is 1)");
	else if (memcmp(c->isid, b + 8, 6) != 0 || c->login_itt != gm_be32(b + 16))
		login_fail(&l, 2, 11, "a login request of another login");
	else if (csg != c->stage || csg == 2 || (transit && (nsg == 2 || nsg <= csg))
		 || (transit && more))
		login_fail(&l, 2, 0, "a stage out of order");
	if (l.status_class != 0)
		goto refuse;

	/* keys over several PDUs: gather them, answer each with nothing */
	switch (gather_keys(c)) {
	case 1:
		login_fail(&l, 2, 0, "login keys over 64 KiB");
		goto refuse;
	case -1:
		login_fail(&l, 3, 2, "out of memory");
		goto refuse;
	}
	if (more) {
		*end = GM_ISCSI_CLOSED;
		return login_reply(c, &l, false, 0, NULL, 0) == 0 ? 0 : 1;
	}
	c->text[c->text_len] = '\0';
	len = c->text_len;
	c->text_len = 0;
	each_key(c->text, len, login_key, &l);
	if (l.status_class != 0)
		goto refuse;
	if (c->initiator[0] == '\0')
		login_fail(&l, 2, 7, "no InitiatorName");
	if (l.bad_target && !c->discovery)
		login_fail(&l, 2, 3, "a target name not served here");
	if (c->chap == 2 && (l.chap_name[0] || l.chap_response[0])) {
		if (l.chap_mutual)
			login_fail(&l, 2, 1, "mutual CHAP, which the target does not do");
		else if (!chap_check(c, &l))
			login_fail(&l, 2, 1, "a wrong CHAP user or secret");
		else
			c->chap = 3;
	}
	if (c->t->chap_user != NULL && c->chap != 3
	    && (csg != 0 || (transit && c->chap == 0)))
		login_fail(&l, 2, 1, "no authentication, and the target requires CHAP");
	if (l.status_class != 0)
		goto refuse;
	if (c->stage == 1 && !c->declared) {
		add_key(&l.out, "MaxRecvDataSegmentLength", "%u", OUR_SEGMENT);
		c->declared = true;
	}
	if (l.out.full) {
		login_fail(&l, 3, 0, "a login answer that does not fit");
		goto refuse;
	}
	/* transit when asked and when authentication allows */
	if (transit && c->t->chap_user != NULL && csg == 0 && c->chap != 3)
		transit = false;
	if (transit && nsg == 3 && !c->discovery) {
		if (!c->target_named) {
			login_fail(&l, 2, 7, "no TargetName");
			goto refuse;
		}
		if (!open_luns(c)) {
			login_fail(&l, 3, 0, "an image that does not open");
			goto refuse;
		}
		c->normal = true;
	}
	if (transit && nsg == 3) {
		static uint16_t next_tsih;

		c->tsih = (uint16_t)(__atomic_add_fetch(&next_tsih, 1, __ATOMIC_RELAXED) | 1);
	}
	if (login_reply(c, &l, transit, nsg, l.out.buf, l.out.len) != 0) {
		*end = GM_ISCSI_CLOSED;
		return 1;
	}
	if (transit) {
		c->stage = nsg;
		if (nsg == 3) {
			c->hdigest = c->hdigest_next;
			c->ddigest = c->ddigest_next;
			c->send_max = c->send_max_next;
			c->recv_max = OUR_SEGMENT;
			if (c->discovery)
				event(c, "discovery session of %s", c->initiator);
			else
				event(c, "logged in: %s", c->initiator);
		}
	}
	return 0;

refuse:
	event(c, "login refused: %s", l.why);
	login_reply(c, &l, false, 0, NULL, 0);
	*end = GM_ISCSI_REFUSED;
	return 1;
}

/* ---------------------------------------------------------------------
 * Full feature phase
 */

/* The LUN of an 8-byte LUN field (SAM-5 peripheral or flat space
   addressing of a single level), or -1. */
static long lun_of(const uint8_t *p)
{
	for (int i = 2; i < 8; i++)
		if (p[i] != 0)
			return -1;
	switch (p[0] >> 6) {
	case 0:
		return (p[0] & 0x3f) == 0 ? p[1] : -1;
	case 1:
		return (long)(p[0] & 0x3f) << 8 | p[1];
	default:
		return -1;
	}
}

static size_t cdb_length(uint8_t opcode)
{
	switch (opcode >> 5) {
	case 0: return 6;
	case 1: case 2: return 10;
	case 4: return 16;
	case 5: return 12;
	default: return 16;
	}
}

static int scsi_response(struct conn *c, uint32_t itt, uint8_t status,
			 const struct gm_sense *sense, uint32_t edtl, uint32_t sent,
			 uint32_t datasn)
{
	uint8_t r[48] = { OP_SCSI_RSP, 0x80, 0x00, status };
	uint8_t s[2 + 18];

	gm_put_be32(r + 16, itt);
	put_sn(c, r, true);
	gm_put_be32(r + 36, datasn);
	if (sent < edtl) {
		r[1] |= 0x02;	/* underflow */
		gm_put_be32(r + 44, edtl - sent);
	}
	if (sense == NULL)
		return send_pdu(c, r, NULL, 0);
	memset(s, 0, sizeof(s));
	gm_put_be16(s, 18);
	s[2] = 0x70 | (sense->info_valid ? 0x80 : 0);
	s[4] = sense->key & 0x0f;
	gm_put_be32(s + 5, sense->info);
	s[9] = 10;
	s[14] = sense->asc;
	s[15] = sense->ascq;
	return send_pdu(c, r, s, sizeof(s));
}

/* Data-In PDUs for n bytes of c->buf, the last with the status GOOD. */
static int data_in(struct conn *c, uint32_t itt, const uint8_t *lun, size_t n, uint32_t edtl)
{
	uint32_t datasn = 0, burst = 0;
	uint32_t seg = c->send_max ? c->send_max : 8192;
	uint32_t max_burst = c->max_burst ? c->max_burst : 262144;

	for (size_t off = 0; off < n; ) {
		uint8_t r[48] = { OP_DATA_IN };
		size_t chunk = n - off;
		bool last;

		if (chunk > seg)
			chunk = seg;
		if (chunk > max_burst - burst)
			chunk = max_burst - burst;
		last = off + chunk == n;
		burst += (uint32_t)chunk;
		if (last || burst == max_burst) {
			r[1] |= 0x80;	/* F: the end of a sequence */
			burst = 0;
		}
		memcpy(r + 8, lun, 8);
		gm_put_be32(r + 16, itt);
		gm_put_be32(r + 20, NO_TAG);
		if (last) {
			r[1] |= 0x01;	/* S: the status, GOOD */
			if (n < edtl) {
				r[1] |= 0x02;
				gm_put_be32(r + 44, edtl - (uint32_t)n);
			}
		}
		put_sn(c, r, last);
		gm_put_be32(r + 36, datasn++);
		gm_put_be32(r + 40, (uint32_t)off);
		if (send_pdu(c, r, c->buf + off, chunk) != 0)
			return -1;
		off += chunk;
	}
	return 0;
}

/* REPORT LUNS (SPC-4 6.33) of the target. */
static size_t report_luns(struct conn *c, uint8_t *buf, size_t len)
{
	size_t n = 8 + (size_t)c->t->nluns * 8, at;

	memset(buf, 0, len);
	if (len >= 4)
		gm_put_be32(buf, (uint32_t)(n - 8));
	for (unsigned i = 0; i < c->t->nluns; i++) {
		at = 8 + (size_t)i * 8;
		if (at + 8 > len)
			break;
		buf[at] = i < 256 ? 0 : (uint8_t)(0x40 | i >> 8);
		buf[at + 1] = (uint8_t)i;
	}
	return n < len ? n : len;
}

static int scsi_command(struct conn *c)
{
	const uint8_t *b = c->bhs;
	bool rd = b[1] & 0x40, wr = b[1] & 0x20;
	uint32_t itt = gm_be32(b + 16), edtl = gm_be32(b + 20);
	long lun = lun_of(b + 8);
	uint8_t cdb[16 + 1020];
	size_t cdb_len = 16, xfer = 0, len = 0;
	struct gm_sense sense;
	enum gm_mmc_status st;
	int err;

	memcpy(cdb, b + 32, 16);
	/* an extended CDB (AHS type 1) */
	for (size_t at = 0; at + 4 <= c->ahs_len; ) {
		size_t alen = gm_be16(c->ahs + at);

		if (at + 4 + alen > c->ahs_len || alen == 0)
			return reject(c, REJ_INVALID_FIELD);
		if (c->ahs[at + 2] == 1) {
			memcpy(cdb + 16, c->ahs + at + 4, alen - 1);
			cdb_len = 16 + alen - 1;
		}
		at += 4 + ((alen + 3) & ~(size_t)3);
	}
	if (cdb_len == 16)
		cdb_len = cdb_length(cdb[0]);
	memset(&sense, 0, sizeof(sense));
	if (edtl > GM_ISCSI_MAX_TRANSFER) {
		sense.key = 0x05;
		sense.asc = 0x24;	/* INVALID FIELD IN CDB */
		return scsi_response(c, itt, 0x02, &sense, edtl, 0, 0);
	}
	if (rd && edtl > 0) {
		if (edtl > c->buf_cap) {
			uint8_t *p = realloc(c->buf, edtl);

			if (p == NULL) {
				sense.key = 0x0b;	/* ABORTED COMMAND */
				sense.asc = 0x55;	/* SYSTEM RESOURCE FAILURE */
				return scsi_response(c, itt, 0x02, &sense, edtl, 0, 0);
			}
			c->buf = p;
			c->buf_cap = edtl;
		}
		len = edtl;
	} else if (wr) {
		/* a write gets what came with it (no R2T: the target is
		   read-only, and parameter lists are short) */
		len = c->dlen < edtl ? c->dlen : edtl;
		if (len > c->buf_cap) {
			uint8_t *p = realloc(c->buf, len);

			if (p == NULL)
				return -1;
			c->buf = p;
			c->buf_cap = len;
		}
		if (len > 0)
			memcpy(c->buf, c->data, len);
	}
	if (cdb[0] == 0xa0) {	/* REPORT LUNS: the target's, any LUN */
		xfer = len > 0 ? report_luns(c, c->buf, len) : 0;
		st = GM_MMC_OK;
	} else if (lun < 0 || (unsigned long)lun >= c->t->nluns) {
		if (cdb[0] == 0x12 && len > 0) {	/* INQUIRY: nothing here */
			memset(c->buf, 0, len);
			c->buf[0] = 0x7f;
			xfer = len < 36 ? len : 36;
			if (xfer > 4) {
				c->buf[2] = 0x05;
				c->buf[4] = 31;
			}
			st = GM_MMC_OK;
		} else {
			sense.key = 0x05;
			sense.asc = 0x25;	/* LOGICAL UNIT NOT SUPPORTED */
			st = GM_MMC_CHECK;
		}
	} else {
		struct gm_mmc_io *io = &c->luns[lun];

		st = io->run(io->arg, cdb, cdb_len, rd ? GM_MMC_IN : wr ? GM_MMC_OUT : GM_MMC_NONE,
			     len > 0 ? c->buf : NULL, len, 0, &sense, &err);
		xfer = rd ? gm_mmc_emu_transferred(io) : 0;
		if (xfer > len)
			xfer = len;
	}
	if (st != GM_MMC_OK) {
		if (st != GM_MMC_CHECK) {
			sense.key = 0x04;	/* HARDWARE ERROR */
			sense.asc = 0x44;	/* INTERNAL TARGET FAILURE */
		}
		return scsi_response(c, itt, 0x02, &sense, edtl, 0, 0);
	}
	if (rd && xfer > 0)
		return data_in(c, itt, b + 8, xfer, edtl);
	return scsi_response(c, itt, 0x00, NULL, edtl, 0, 0);
}

static int task_management(struct conn *c)
{
	const uint8_t *b = c->bhs;
	uint8_t r[48] = { OP_TMF_RSP, 0x80 };
	unsigned function = b[1] & 0x7f;
	long lun = lun_of(b + 8);
	uint32_t ref = gm_be32(b + 32);

	switch (function) {
	case 1:		/* ABORT TASK: every command ends before the next is
			   read, so one sent before this one is complete */
		r[2] = (int32_t)(ref - c->exp_cmd_sn) < 0 ? 0 : 1;
		break;
	case 2:		/* ABORT TASK SET */
	case 4:		/* CLEAR TASK SET */
	case 5:		/* LOGICAL UNIT RESET */
		r[2] = lun >= 0 && (unsigned long)lun < c->t->nluns ? 0 : 2;
		if (function == 5 && r[2] == 0)
			event(c, "LUN %ld reset", lun);
		break;
	case 6:		/* TARGET WARM RESET */
		r[2] = 0;
		break;
	case 8:		/* TASK REASSIGN: not at ErrorRecoveryLevel 0 */
		r[2] = 4;
		break;
	default:	/* CLEAR ACA, TARGET COLD RESET, others */
		r[2] = 5;
		break;
	}
	gm_put_be32(r + 16, gm_be32(b + 16));
	put_sn(c, r, true);
	return send_pdu(c, r, NULL, 0);
}

struct send_targets {
	struct conn *c;
	struct text out;
	bool asked;
};

static void text_key(void *arg, const char *k, const char *v)
{
	struct send_targets *s = arg;

	if (v == NULL)
		return;
	if (strcmp(k, "SendTargets") == 0) {
		s->asked = true;
		if (strcmp(v, "All") == 0 || strcmp(v, s->c->t->name) == 0
		    || (v[0] == '\0' && !s->c->discovery)) {
			add_key(&s->out, "TargetName", "%s", s->c->t->name);
			if (s->c->w->portal != NULL)
				add_key(&s->out, "TargetAddress", "%s,1", s->c->w->portal);
		}
	} else {
		add_key(&s->out, k, "NotUnderstood");
	}
}

static int text_request(struct conn *c)
{
	const uint8_t *b = c->bhs;
	uint8_t r[48] = { OP_TEXT_RSP };
	bool more = b[1] & 0x40;
	struct send_targets s;

	memset(&s, 0, sizeof(s));
	s.c = c;
	switch (gather_keys(c)) {
	case 1:
		return reject(c, REJ_PROTOCOL);
	case -1:
		return -1;
	}
	memcpy(r + 8, b + 8, 8);
	gm_put_be32(r + 16, gm_be32(b + 16));
	if (more) {		/* more keys to come: answer with none */
		gm_put_be32(r + 20, 1);
		put_sn(c, r, true);
		return send_pdu(c, r, NULL, 0);
	}
	c->text[c->text_len] = '\0';
	each_key(c->text, c->text_len, text_key, &s);
	c->text_len = 0;
	r[1] = 0x80;
	gm_put_be32(r + 20, NO_TAG);
	put_sn(c, r, true);
	if (s.out.len > c->send_max)
		s.out.len = 0;	/* cannot happen with one target */
	return send_pdu(c, r, (const uint8_t *)s.out.buf, s.out.len);
}

static int nop_out(struct conn *c)
{
	const uint8_t *b = c->bhs;
	uint8_t r[48] = { OP_NOP_IN, 0x80 };
	size_t n = c->dlen;

	if (gm_be32(b + 16) == NO_TAG)	/* no answer wanted */
		return 0;
	memcpy(r + 8, b + 8, 8);
	gm_put_be32(r + 16, gm_be32(b + 16));
	gm_put_be32(r + 20, NO_TAG);
	put_sn(c, r, true);
	if (n > c->send_max)
		n = c->send_max;
	return send_pdu(c, r, c->data, n);
}

static int logout(struct conn *c)
{
	const uint8_t *b = c->bhs;
	uint8_t r[48] = { OP_LOGOUT_RSP, 0x80 };
	unsigned reason = b[1] & 0x7f;

	r[2] = reason == 2 ? 2 : reason <= 1 ? 0 : 1;
	gm_put_be32(r + 16, gm_be32(b + 16));
	put_sn(c, r, true);
	return send_pdu(c, r, NULL, 0);
}

/* One PDU of full feature phase: 0 go on, 1 logged out, -1 the stream
   failed, -2 drop the connection. */
static int full_feature(struct conn *c)
{
	const uint8_t *b = c->bhs;
	unsigned op = b[0] & 0x3f;
	bool immediate = b[0] & 0x40;

	switch (op) {
	case OP_NOP_OUT: case OP_SCSI_CMD: case OP_TMF: case OP_TEXT: case OP_LOGOUT: {
		uint32_t cmdsn = gm_be32(b + 24);
		int32_t ahead = (int32_t)(cmdsn - c->exp_cmd_sn);

		if (!immediate) {
			if (ahead < 0 || ahead >= WINDOW) {
				event(c, "CmdSN %u outside the window from %u; command ignored",
				      cmdsn, c->exp_cmd_sn);
				return 0;
			}
			if (ahead > 0) {
				event(c, "CmdSN %u skips %u on one connection; connection dropped",
				      cmdsn, c->exp_cmd_sn);
				return -2;
			}
			c->exp_cmd_sn++;
		}
		break;
	}
	default:
		break;
	}
	if (c->data_bad && op != OP_DATA_OUT) {
		event(c, "data digest error; PDU rejected");
		return reject(c, REJ_DATA_DIGEST);
	}
	switch (op) {
	case OP_NOP_OUT:
		return nop_out(c);
	case OP_SCSI_CMD:
		if (c->discovery)
			return reject(c, REJ_PROTOCOL);
		return scsi_command(c);
	case OP_TMF:
		if (c->discovery)
			return reject(c, REJ_PROTOCOL);
		return task_management(c);
	case OP_TEXT:
		return text_request(c);
	case OP_DATA_OUT:	/* unsolicited data of a write: not taken */
		return 0;
	case OP_LOGOUT:
		return logout(c) == 0 ? 1 : -1;
	case OP_LOGIN:
		event(c, "a login request in full feature phase; rejected");
		return reject(c, REJ_PROTOCOL);
	default:
		event(c, "opcode 0x%02x not supported; rejected", op);
		return reject(c, REJ_NOT_SUPPORTED);
	}
}

enum gm_iscsi_end gm_iscsi_serve_conn(struct gm_ctx *ctx,
				      const struct gm_iscsi_target *t,
				      const struct gm_iscsi_wire *w, bool *normal)
{
	struct conn c;
	enum gm_iscsi_end end = GM_ISCSI_CLOSED;

	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.t = t;
	c.w = w;
	c.send_max = c.send_max_next = 8192;
	c.recv_max = LOGIN_SEGMENT;
	c.max_burst = 262144;
	c.immediate_data = true;
	*normal = false;
	for (;;) {
		int ret = recv_pdu(&c);

		if (ret == -1) {
			end = GM_ISCSI_CLOSED;
			break;
		}
		if (ret == -2) {
			end = GM_ISCSI_PROTOCOL;
			break;
		}
		if (c.stage != 3) {
			if ((c.bhs[0] & 0x3f) != OP_LOGIN) {
				/* 6.1: before the login ends only Login PDUs */
				uint8_t r[48] = { OP_LOGIN_RSP };

				event(&c, "PDU 0x%02x before login ended; "
				      "connection dropped", c.bhs[0] & 0x3f);
				if (c.started) {
					memcpy(r + 8, c.isid, 6);
					gm_put_be32(r + 16, c.login_itt);
					put_sn(&c, r, true);
					r[36] = 2;
					r[37] = 11;	/* invalid request during login */
					send_pdu(&c, r, NULL, 0);
				}
				end = GM_ISCSI_PROTOCOL;
				break;
			}
			if (c.data_bad) {
				end = GM_ISCSI_PROTOCOL;
				break;
			}
			if (login(&c, &end) != 0)
				break;
			continue;
		}
		ret = full_feature(&c);
		if (ret == 1) {
			end = GM_ISCSI_LOGOUT;
			break;
		}
		if (ret < 0) {
			end = ret == -2 ? GM_ISCSI_PROTOCOL : GM_ISCSI_CLOSED;
			break;
		}
	}
	*normal = c.normal && c.stage == 3;
	if (end == GM_ISCSI_LOGOUT && *normal)
		event(&c, "logged out: %s", c.initiator);
	if (c.luns != NULL) {
		for (unsigned i = 0; i < t->nluns; i++)
			if (c.luns[i].close != NULL)
				c.luns[i].close(c.luns[i].arg);
		free(c.luns);
	}
	free(c.text);
	free(c.data);
	free(c.buf);
	return end;
}
