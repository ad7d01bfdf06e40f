#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "nss_client.h"

#ifndef AUTHD_NSS_SOCKET_DEFAULT
#define AUTHD_NSS_SOCKET_DEFAULT RUNSTATEDIR "/authd/nss.sock"
#endif

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
wait_fd(struct nssc *c, short events)
{
	struct pollfd pfd;
	int64_t left;
	int n;

	for (;;) {
		if ((left = c->deadline - now_ms()) <= 0)
			return -1;
		pfd.fd = c->fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		return n > 0 ? 0 : -1;
	}
}

/*
 * The socket's path: compiled in, or AUTHD_NSS_SOCKET from the environment
 * when the process is not running with raised privileges (secure_getenv:
 * never for setuid, setgid or capability-raised programs such as su).
 */
static const char *
socket_path(void)
{
	const char *p = secure_getenv("AUTHD_NSS_SOCKET");

	return p != NULL && p[0] == '/' ? p : AUTHD_NSS_SOCKET_DEFAULT;
}

static int
do_connect(struct nssc *c)
{
	struct sockaddr_un sun;
	struct ucred cred;
	socklen_t credlen = sizeof(cred);
	const char *path = socket_path();
	int err;
	socklen_t errlen = sizeof(err);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path));
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return -1;
	while (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/* backlog full: authd is busy; wait a little, once more */
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			if (now_ms() + 10 >= c->deadline)
				return -1;
			nanosleep(&ts, NULL);
			continue;
		}
		if (errno != EINPROGRESS)
			return -1;
		if (wait_fd(c, POLLOUT) != 0 ||
		    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1 ||
		    err != 0)
			return -1;
		break;
	}
	/* Only authd (root) speaks for the directory; a socket someone else
	 * made could answer anything. Checked on the connection itself, so a
	 * path swapped after a stat would not help. SO_PEERCRED gives the
	 * listener's credentials at listen(): authd listens as root, then
	 * may become an account of its own (authd/privdrop.h). */
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) == -1 ||
	    credlen != sizeof(cred) ||
	    (cred.uid != 0 && cred.uid != geteuid()))
		return -1;
	return 0;
}

static int
send_all(struct nssc *c, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    wait_fd(c, POLLOUT) == 0)
			continue;
		return -1;
	}
	return 0;
}

void
nssc_rearm(struct nssc *c)
{
	c->deadline = now_ms() + NSS_AUTHD_TIMEOUT_MS;
}

int
nssc_request(struct nssc *c, uint8_t type, const char *name, int has_id,
    uint32_t id)
{
	struct authd_buf *b;
	size_t start;
	int r = -1;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	nssc_rearm(c);
	if ((b = authd_buf_new(AUTHD_NSS_HEADER_LEN + 8 + AUTHD_NSS_NAME_MAX)) == NULL)
		return -1;
	if (authd_nss_frame_begin(b, type, &start) != AUTHD_OK ||
	    (name != NULL && authd_nss_add_str(b, AUTHD_NSS_F_NAME,
	    name) != AUTHD_OK) ||
	    (has_id && authd_nss_add_u32(b, AUTHD_NSS_F_ID, id) != AUTHD_OK) ||
	    authd_nss_frame_end(b, start) != AUTHD_OK)
		goto out;
	if (do_connect(c) != 0 ||
	    send_all(c, authd_buf_ptr(b), authd_buf_len(b)) != 0)
		goto out;
	r = 0;
 out:
	authd_buf_free(&b);
	if (r != 0)
		nssc_close(c);
	return r;
}

int
nssc_recv(struct nssc *c, struct authd_nss_frame *f)
{
	size_t used, want;
	ssize_t n;
	uint8_t *nb;
	int r;

	if (c->fd == -1)
		return -1;
	if (c->last > 0) {
		memmove(c->buf, c->buf + c->last, c->len - c->last);
		c->len -= c->last;
		c->last = 0;
	}
	for (;;) {
		r = authd_nss_frame_check(c->buf, c->len, f, &used);
		if (r == AUTHD_OK) {
			c->last = used;
			return 0;
		}
		if (r != AUTHD_ERR_INCOMPLETE)
			return -1;
		/* Grow only as far as one valid frame can need. */
		want = c->len < AUTHD_NSS_HEADER_LEN ? 4096 :
		    AUTHD_NSS_HEADER_LEN + (((size_t)c->buf[4] << 24) |
		    ((size_t)c->buf[5] << 16) | ((size_t)c->buf[6] << 8) |
		    c->buf[7]);
		if (want < 4096)
			want = 4096;
		if (want > c->cap) {
			if ((nb = realloc(c->buf, want)) == NULL)
				return -1;
			c->buf = nb;
			c->cap = want;
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
		if (n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if (n == 0)
			return -1;
		if (errno == EINTR)
			continue;
		if ((errno != EAGAIN && errno != EWOULDBLOCK) ||
		    wait_fd(c, POLLIN) != 0)
			return -1;
	}
}

void
nssc_close(struct nssc *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = c->last = 0;
}
