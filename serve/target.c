/*
 * target.c - `serve` on the network: listen on a TCP address, one thread
 * per connection (each with its own emulated drives, so sessions share
 * nothing but the read-only image files), serve each through
 * gm_iscsi_serve_conn(), and stop cleanly: when asked, every connection is
 * shut down and its thread joined before gm_serve() returns.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "faults.h"
#include "iscsi.h"
#include "mmc.h"
#include "serve.h"
#include "banned.h"

#define READ_AHEAD 65536

struct server;

struct slot {
	struct server *s;
	pthread_t thread;
	int fd;
	bool used, done;
	char peer[96], portal[96];
};

struct server {
	struct gm_iscsi_target t;
	const struct gm_serve_opts *o;
	pthread_mutex_t lock;
	struct slot *slots;
	unsigned nslots;
	bool once_done;
	int wake[2];
	struct gm_faults **faults;	/* per LUN, with --faults */
};

static void free_faults(struct server *s)
{
	for (unsigned i = 0; s->faults != NULL && i < s->o->nimages; i++)
		gm_faults_free(s->faults[i]);
	free(s->faults);
	s->faults = NULL;
}

/* A connection's socket with a read-ahead buffer. */
struct sock {
	int fd;
	size_t pos, len;
	uint8_t buf[READ_AHEAD];
};

static int sock_recv(void *arg, void *out, size_t n)
{
	struct sock *k = arg;
	uint8_t *p = out;

	while (n > 0) {
		ssize_t got;

		if (k->pos < k->len) {
			size_t take = k->len - k->pos < n ? k->len - k->pos : n;

			memcpy(p, k->buf + k->pos, take);
			k->pos += take;
			p += take;
			n -= take;
			continue;
		}
		if (n >= sizeof(k->buf)) {	/* a big segment: straight in */
			got = read(k->fd, p, n);
			if (got > 0) {
				p += got;
				n -= (size_t)got;
				continue;
			}
		} else {
			got = read(k->fd, k->buf, sizeof(k->buf));
			if (got > 0) {
				k->pos = 0;
				k->len = (size_t)got;
				continue;
			}
		}
		if (got < 0 && errno == EINTR)
			continue;
		return -1;
	}
	return 0;
}

static int sock_send(void *arg, const struct iovec *iov_in, int niov)
{
	struct sock *k = arg;
	struct iovec iov[8];
	struct msghdr msg;

	if (niov > 8)
		return -1;
	memcpy(iov, iov_in, (size_t)niov * sizeof(*iov));
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)niov;
	while (msg.msg_iovlen > 0) {
		ssize_t sent = sendmsg(k->fd, &msg, MSG_NOSIGNAL);

		if (sent < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (msg.msg_iovlen > 0 && (size_t)sent >= msg.msg_iov[0].iov_len) {
			sent -= (ssize_t)msg.msg_iov[0].iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen > 0) {
			msg.msg_iov[0].iov_base = (uint8_t *)msg.msg_iov[0].iov_base + sent;
			msg.msg_iov[0].iov_len -= (size_t)sent;
		}
	}
	return 0;
}

static void event_locked(void *arg, const char *line)
{
	struct server *s = arg;

	if (s->o->event == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->o->event(s->o->arg, line);
	pthread_mutex_unlock(&s->lock);
}

/* "ADDR:PORT" of a socket address ("[ADDR]:PORT" for IPv6). */
static void address_text(const struct sockaddr_storage *a, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)a;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(out, size, "%s:%u", host, port);
	} else if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)a;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(out, size, "[%s]:%u", host, port);
	} else {
		snprintf(out, size, "?");
	}
}

static void *connection(void *arg)
{
	struct slot *slot = arg;
	struct server *s = slot->s;
	struct gm_iscsi_wire w = { .recv = sock_recv, .send = sock_send,
				   .peer = slot->peer, .portal = slot->portal };
	struct gm_ctx *ctx = gm_ctx_new();
	struct sock *k = malloc(sizeof(*k));
	bool normal = false;

	if (ctx != NULL && k != NULL) {
		k->fd = slot->fd;
		k->pos = k->len = 0;
		w.arg = k;
		gm_iscsi_serve_conn(ctx, &s->t, &w, &normal);
	} else {
		event_locked(s, "out of memory for a connection");
	}
	free(k);
	gm_ctx_free(ctx);
	pthread_mutex_lock(&s->lock);
	slot->done = true;
	if (normal && s->o->once)
		s->once_done = true;
	pthread_mutex_unlock(&s->lock);
	if (write(s->wake[1], "x", 1) < 0) {
		/* the poll's timeout notices it anyway */
	}
	return NULL;
}

/* Join the threads that ended and free their slots. */
static void reap(struct server *s, bool all)
{
	for (unsigned i = 0; i < s->nslots; i++) {
		struct slot *slot = &s->slots[i];
		bool done;

		if (!slot->used)
			continue;
		pthread_mutex_lock(&s->lock);
		done = slot->done;
		pthread_mutex_unlock(&s->lock);
		if (!done && !all)
			continue;
		if (!done)
			shutdown(slot->fd, SHUT_RDWR);
		pthread_join(slot->thread, NULL);
		close(slot->fd);
		slot->used = false;
	}
}

static int listen_on(struct gm_ctx *ctx, const char *spec, int *out, char *bound, size_t size)
{
	char host[256], *colon;
	const char *port = "3260";
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage a;
	socklen_t alen = sizeof(a);
	int fd = -1, one = 1, err;

	if (strlen(spec) >= sizeof(host))
		return gm_error_set(ctx, GM_ERR_USAGE, "listen address too long: '%s'", spec);
	snprintf(host, sizeof(host), "%s", spec);
	if (host[0] == '[') {
		char *close_br = strchr(host, ']');

		if (close_br == NULL || (close_br[1] != '\0' && close_br[1] != ':'))
			return gm_error_set(ctx, GM_ERR_USAGE, "bad listen address '%s': "
					    "[ADDR]:PORT for IPv6", spec);
		*close_br = '\0';
		if (close_br[1] == ':')
			port = close_br + 2;
		memmove(host, host + 1, strlen(host + 1) + 1);
	} else if ((colon = strrchr(host, ':')) != NULL) {
		if (strchr(host, ':') != colon)
			return gm_error_set(ctx, GM_ERR_USAGE, "bad listen address '%s': "
					    "[ADDR]:PORT for IPv6", spec);
		*colon = '\0';
		port = colon + 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	err = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (err != 0)
		return gm_error_set(ctx, GM_ERR_USAGE, "bad listen address '%s': %s", spec,
				    gai_strerror(err));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0
	    || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 16) != 0
	    || getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
		err = errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return gm_error_set(ctx, GM_ERR_DEVICE, "cannot listen on %s: %s", spec,
				    strerror(err));
	}
	freeaddrinfo(res);
	address_text(&a, bound, size);
	*out = fd;
	return 0;
}

void gm_serve_default_name(const char *path, char *out, size_t size)
{
	const char *base = strrchr(path, '/');
	char name[64];
	size_t n = 0;

	base = base ? base + 1 : path;
	for (const char *p = base; *p && n + 1 < sizeof(name); p++) {
		char ch = *p;

		if (ch == '.' && strchr(p + 1, '.') == NULL && n > 0)
			break;	/* the extension */
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.'
			   || ch == '-'))
			ch = '-';
		name[n++] = ch;
	}
	name[n] = '\0';
	snprintf(out, size, "iqn.2026-12.org.glassmaster:%s", n ? name : "disc");
}

int gm_serve(struct gm_ctx *ctx, const struct gm_serve_opts *o)
{
	struct server s;
	char name[128], bound[96];
	int lfd = -1, ret;
	unsigned max = o->max_connections ? o->max_connections : 16;

	if (o->nimages == 0)
		return gm_error_set(ctx, GM_ERR_USAGE, "no image to serve");
	if (o->nimages > 16383)
		return gm_error_set(ctx, GM_ERR_USAGE, "%u images: at most 16383 LUNs",
				    o->nimages);
	memset(&s, 0, sizeof(s));
	s.o = o;
	if (o->faults != NULL) {
		s.faults = calloc(o->nimages, sizeof(*s.faults));
		if (s.faults == NULL)
			return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	/* every image opens (and its faults parse) before anyone is told
	   to connect */
	for (unsigned i = 0; i < o->nimages; i++) {
		struct gm_mmc_io io;

		ret = gm_mmc_emu_open(ctx, o->images[i], o->profile, &io);
		if (ret == 0) {
			if (o->faults != NULL)
				ret = gm_mmc_emu_load_faults(ctx, &io, o->faults,
							     &s.faults[i]);
			io.close(io.arg);
		}
		if (ret != 0) {
			free_faults(&s);
			return ret;
		}
	}
	if (o->target != NULL) {
		snprintf(name, sizeof(name), "%s", o->target);
	} else {
		gm_serve_default_name(o->images[0], name, sizeof(name));
	}
	s.t.name = name;
	s.t.images = o->images;
	s.t.nluns = o->nimages;
	s.t.profile = o->profile;
	s.t.faults = s.faults;
	s.t.chap_user = o->chap_user;
	s.t.chap_secret = o->chap_secret;
	s.t.event = event_locked;
	s.t.arg = &s;
	ret = listen_on(ctx, o->listen ? o->listen : "127.0.0.1:3260", &lfd, bound,
			sizeof(bound));
	if (ret != 0) {
		free_faults(&s);
		return ret;
	}
	s.slots = calloc(max, sizeof(*s.slots));
	if (s.slots == NULL || pipe2(s.wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		free(s.slots);
		close(lfd);
		free_faults(&s);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	s.nslots = max;
	pthread_mutex_init(&s.lock, NULL);
	if (o->ready)
		o->ready(o->arg, name, bound);
	for (;;) {
		struct pollfd p[2] = { { lfd, POLLIN, 0 }, { s.wake[0], POLLIN, 0 } };
		struct sockaddr_storage a;
		socklen_t alen = sizeof(a);
		char drain[64];
		bool once_done;
		int fd;

		if (o->stop != NULL && *o->stop)
			break;
		pthread_mutex_lock(&s.lock);
		once_done = s.once_done;
		pthread_mutex_unlock(&s.lock);
		if (once_done)
			break;
		reap(&s, false);
		if (poll(p, 2, 200) <= 0)
			continue;
		if (p[1].revents & POLLIN)
			while (read(s.wake[0], drain, sizeof(drain)) > 0)
				;
		if (!(p[0].revents & POLLIN))
			continue;
		fd = accept4(lfd, (struct sockaddr *)&a, &alen, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		{
			struct slot *slot = NULL;
			int one = 1;

			for (unsigned i = 0; i < s.nslots && slot == NULL; i++)
				if (!s.slots[i].used)
					slot = &s.slots[i];
			if (slot == NULL) {
				char peer[96], line[200];

				address_text(&a, peer, sizeof(peer));
				snprintf(line, sizeof(line), "%s: refused: already %u connections",
					 peer, s.nslots);
				event_locked(&s, line);
				close(fd);
				continue;
			}
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			memset(slot, 0, sizeof(*slot));
			slot->s = &s;
			slot->fd = fd;
			address_text(&a, slot->peer, sizeof(slot->peer));
			alen = sizeof(a);
			if (getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
				address_text(&a, slot->portal, sizeof(slot->portal));
			else
				snprintf(slot->portal, sizeof(slot->portal), "%s", bound);
			slot->used = true;
			if (pthread_create(&slot->thread, NULL, connection, slot) != 0) {
				slot->used = false;
				close(fd);
				event_locked(&s, "cannot start a thread for a connection");
			}
		}
	}
	close(lfd);
	reap(&s, true);
	pthread_mutex_destroy(&s.lock);
	close(s.wake[0]);
	close(s.wake[1]);
	free(s.slots);
	free_faults(&s);
	return 0;
}
