/*
 * The client end of the authd protocol: blocking calls over a non-blocking
 * socket, so that every connect, read and write waits at most the caller's
 * timeout (a login program must never hang on a stuck daemon).
 *
 * Offering a single version (AUTHD_CLIENT_VERSION), the client has nothing to learn from the
 * server's HELLO before it speaks: HELLO leaves with the first request in one
 * send(), and the server's HELLO is read in front of the first answer. That
 * saves a round trip per connection (doc/protocol.md, section 5).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "err.h"

#define CLIENT_NAME       "pam_authd/" PACKAGE_VERSION
#define CONNECT_RETRY_MS  10   /* pause when the listen backlog is full */

struct authd_client {
	int fd;
	dev_t dev;              /* the socket's identity: see fd_is_ours() */
	ino_t ino;
	int timeout_ms;
	uint8_t version;        /* the only one offered: AUTHD_CLIENT_VERSION,
	                           or 1 (AUTHD_CLIENT_VERSION1) */
	int hello_pending;      /* HELLO queued or sent, the answer not read yet */
	int broken;             /* an error happened: never reuse */
	uint8_t last_type;      /* of the last frame received; 0 while a frame
	                           sent since is unanswered */
	struct authd_buf *wbuf;
	struct authd_buf *rbuf;
	size_t last_frame;      /* bytes of the frame handed out by the last recv */
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until deadline (a now_ms() value). */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;
	int n;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			return AUTHD_ERR_TIMEOUT;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return AUTHD_ERR_IO;
		if (n == 0)
			return AUTHD_ERR_TIMEOUT;
		/* POLLHUP/POLLERR: let the following read/write report it. */
		return AUTHD_OK;
	}
}

/*
 * A connection kept between calls of the application can outlive its fd: a
 * program that closes every descriptor it does not know, then opens a file,
 * may get the same number. Such an fd is left alone, never used or closed.
 */
static int
fd_is_ours(const struct authd_client *c)
{
	struct stat st;

	return fstat(c->fd, &st) == 0 && st.st_dev == c->dev &&
	    st.st_ino == c->ino;
}

/* Only a socket owned by root may speak for authd. */
static int
check_socket_path(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == -1)
		return AUTHD_ERR_IO;
	if (!S_ISSOCK(st.st_mode) || st.st_uid != 0)
		return AUTHD_ERR_PERM;
	return AUTHD_OK;
}

/*
 * The socket path could have been replaced after lstat(): ask the kernel who
 * listens. SO_PEERCRED gives the listener's credentials when it called
 * listen(): authd listens as root, then may run as an account of its own
 * (authd/privdrop.h), and is still the one that passes.
 */
static int
check_peer_root(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    len != sizeof(cred))
		return AUTHD_ERR_IO;
	if (cred.uid != 0)
		return AUTHD_ERR_PERM;
	return AUTHD_OK;
}

static int
connect_socket(const char *path, int64_t deadline, int *fd_r)
{
	struct sockaddr_un sun;
	socklen_t errlen;
	int fd = -1, err, r;

	*fd_r = -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return AUTHD_ERR_TOO_LONG;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1)
		return AUTHD_ERR_IO;
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/* A full backlog: a UNIX socket wants connect() again, not poll(). */
			if (now_ms() + CONNECT_RETRY_MS > deadline) {
				r = AUTHD_ERR_TIMEOUT;
				goto out;
			}
			poll(NULL, 0, CONNECT_RETRY_MS);
			continue;
		}
		if (errno != EINPROGRESS) {
			r = AUTHD_ERR_IO;
			goto out;
		}
		if ((r = wait_fd(fd, POLLOUT, deadline)) != AUTHD_OK)
			goto out;
		errlen = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1 ||
		    err != 0) {
			r = AUTHD_ERR_IO;
			goto out;
		}
		break;
	}
	*fd_r = fd;
	fd = -1;
	r = AUTHD_OK;
out:
	if (fd != -1)
		close(fd);
	return r;
}

static int
queue_hello(struct authd_client *c)
{
	struct authd_buf *b = c->wbuf;
	size_t start;
	int r;

	/* HELLO itself always goes as version 1, which every server reads. */
	if ((r = authd_frame_begin(b, AUTHD_PROTO_VERSION_MIN, AUTHD_MSG_HELLO,
	    &start)) != AUTHD_OK ||
	    (r = authd_frame_add_u8(b, AUTHD_F_VERSION_MIN, c->version)) !=
	    AUTHD_OK ||
	    (r = authd_frame_add_u8(b, AUTHD_F_VERSION_MAX, c->version)) !=
	    AUTHD_OK ||
	    (r = authd_frame_add_str(b, AUTHD_F_CLIENT, CLIENT_NAME)) != AUTHD_OK ||
	    (r = authd_frame_end(b, start)) != AUTHD_OK)
		return r;
	c->hello_pending = 1;
	return AUTHD_OK;
}

static int recv_frame(struct authd_client *c, struct authd_msg *msg);

static int
read_hello(struct authd_client *c)
{
	struct authd_msg msg;
	uint8_t v;
	int r;

	if ((r = recv_frame(c, &msg)) != AUTHD_OK)
		return r;
	/* A RESULT here is the server's "no version in common". */
	if (msg.type == AUTHD_MSG_RESULT)
		return AUTHD_ERR_BAD_VERSION;
	if (msg.type != AUTHD_MSG_HELLO)
		return AUTHD_ERR_BAD_TYPE;
	if ((r = authd_msg_get_u8(&msg, AUTHD_F_VERSION, &v)) != AUTHD_OK)
		return r;
	if (v != c->version)
		return AUTHD_ERR_BAD_VERSION;
	return AUTHD_OK;
}

int
authd_client_connect(const char *path, int timeout_ms, int flags,
    struct authd_client **c_r)
{
	struct authd_client *c = NULL;
	struct stat st;
	int64_t deadline;
	int r;

	*c_r = NULL;
	if (path == NULL || timeout_ms <= 0)
		return AUTHD_ERR_INVALID;
	deadline = now_ms() + timeout_ms;
	if ((flags & AUTHD_CLIENT_CHECK_OWNER) != 0 &&
	    (r = check_socket_path(path)) != AUTHD_OK)
		return r;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return AUTHD_ERR_NOMEM;
	c->fd = -1;
	c->timeout_ms = timeout_ms;
	c->version = (flags & AUTHD_CLIENT_VERSION1) != 0 ? 1 :
	    AUTHD_CLIENT_VERSION;
	if ((c->wbuf = authd_buf_new(AUTHD_FRAME_MAX)) == NULL ||
	    (c->rbuf = authd_buf_new(AUTHD_FRAME_MAX * 2)) == NULL) {
		r = AUTHD_ERR_NOMEM;
		goto out;
	}
	if ((r = connect_socket(path, deadline, &c->fd)) != AUTHD_OK)
		goto out;
	if (fstat(c->fd, &st) == -1) {
		close(c->fd);
		c->fd = -1;
		r = AUTHD_ERR_IO;
		goto out;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if ((flags & AUTHD_CLIENT_CHECK_OWNER) != 0 &&
	    (r = check_peer_root(c->fd)) != AUTHD_OK)
		goto out;
	if ((r = queue_hello(c)) != AUTHD_OK)
		goto out;
	*c_r = c;
	c = NULL;
	r = AUTHD_OK;
out:
	authd_client_close(&c);
	return r;
}

int
authd_client_handshake(struct authd_client *c)
{
	int r;

	if (c->broken)
		return AUTHD_ERR_CLOSED;
	if (!c->hello_pending)
		return AUTHD_OK;
	c->hello_pending = 0;
	if ((r = authd_client_flush(c)) != AUTHD_OK ||
	    (r = read_hello(c)) != AUTHD_OK)
		c->broken = 1;
	return r;
}

struct authd_buf *
authd_client_wbuf(struct authd_client *c)
{
	return c->wbuf;
}

uint8_t
authd_client_version(const struct authd_client *c)
{
	return c->version;
}

void
authd_client_set_timeout(struct authd_client *c, int timeout_ms)
{
	if (timeout_ms > 0)
		c->timeout_ms = timeout_ms;
}

size_t
authd_client_buffered(const struct authd_client *c)
{
	return authd_buf_len(c->rbuf) - c->last_frame;
}

int
authd_client_at_rest(struct authd_client *c)
{
	if (c->broken || c->hello_pending || authd_buf_len(c->wbuf) > 0 ||
	    (c->last_type != AUTHD_MSG_RESULT && c->last_type != AUTHD_MSG_HELLO))
		return 0;
	if (c->last_frame > 0) {
		authd_buf_consume(c->rbuf, c->last_frame);
		c->last_frame = 0;
	}
	return authd_buf_len(c->rbuf) == 0;
}

int
authd_client_idle(struct authd_client *c)
{
	struct pollfd pfd;
	int n;

	if (!authd_client_at_rest(c))
		return 0;
	if (!fd_is_ours(c)) {
		c->fd = -1;
		c->broken = 1;
		return 0;
	}
	/* Readable now means closed by the server (idle timeout) or stray bytes. */
	pfd.fd = c->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	do
		n = poll(&pfd, 1, 0);
	while (n == -1 && errno == EINTR);
	return n == 0;
}

int
authd_client_flush(struct authd_client *c)
{
	int64_t deadline = now_ms() + c->timeout_ms;
	ssize_t n;
	int r = AUTHD_OK;

	if (c->broken) {
		authd_buf_reset(c->wbuf);
		return AUTHD_ERR_CLOSED;
	}
	/* Whatever leaves now wants an answer before the connection is idle. */
	if (authd_buf_len(c->wbuf) > 0)
		c->last_type = 0;

	while (authd_buf_len(c->wbuf) > 0) {
		/* MSG_NOSIGNAL: a closed daemon must not SIGPIPE the login program. */
		n = send(c->fd, authd_buf_ptr(c->wbuf), authd_buf_len(c->wbuf),
		    MSG_NOSIGNAL);
		if (n > 0) {
			authd_buf_consume(c->wbuf, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((r = wait_fd(c->fd, POLLOUT, deadline)) != AUTHD_OK)
				break;
			continue;
		}
		r = (n == -1 && (errno == EPIPE || errno == ECONNRESET)) ?
		    AUTHD_ERR_CLOSED : AUTHD_ERR_IO;
		break;
	}
	authd_buf_reset(c->wbuf);
	if (r != AUTHD_OK)
		c->broken = 1;
	return r;
}

/* Append what the socket has to the read buffer, waiting until deadline. */
static int
fill_rbuf(struct authd_client *c, int64_t deadline)
{
	ssize_t n;
	int r;

	if (authd_buf_room(c->rbuf) == 0)
		return AUTHD_ERR_TOO_LONG;
	for (;;) {
		/* An answer is rarely there already: wait first, then read. */
		if ((r = wait_fd(c->fd, POLLIN, deadline)) != AUTHD_OK)
			return r;
		n = authd_buf_read(c->rbuf, c->fd, NULL);
		if (n > 0)
			return AUTHD_OK;
		if (n == 0)
			return AUTHD_ERR_CLOSED;
		if (errno == ENOMEM)
			return AUTHD_ERR_NOMEM;
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return errno == ECONNRESET ? AUTHD_ERR_CLOSED : AUTHD_ERR_IO;
	}
}

/* Wait until the read buffer starts with a whole frame; decode it into msg. */
static int
next_frame(struct authd_client *c, struct authd_msg *msg, size_t *used_r)
{
	int64_t deadline = now_ms() + c->timeout_ms;
	int r;

	/* The previous frame's fields pointed here; they are invalid from now on. */
	if (c->last_frame > 0) {
		authd_buf_consume(c->rbuf, c->last_frame);
		c->last_frame = 0;
	}
	for (;;) {
		r = authd_frame_decode(authd_buf_ptr(c->rbuf),
		    authd_buf_len(c->rbuf), msg, used_r);
		if (r != AUTHD_ERR_INCOMPLETE)
			return r;
		if ((r = fill_rbuf(c, deadline)) != AUTHD_OK)
			return r;
	}
}

/* One frame, the pending HELLO aside. */
static int
recv_frame(struct authd_client *c, struct authd_msg *msg)
{
	size_t used;
	int r;

	if (c->broken)
		return AUTHD_ERR_CLOSED;
	if ((r = next_frame(c, msg, &used)) != AUTHD_OK)
		goto out;
	c->last_frame = used;
	c->last_type = msg->type;
	/* After HELLO every frame must carry the version chosen. */
	if (msg->type != AUTHD_MSG_HELLO && msg->version != c->version)
		r = AUTHD_ERR_BAD_VERSION;
out:
	if (r != AUTHD_OK)
		c->broken = 1;
	return r;
}

int
authd_client_recv(struct authd_client *c, struct authd_msg *msg)
{
	int r;

	if ((r = authd_client_handshake(c)) != AUTHD_OK)
		return r;
	return recv_frame(c, msg);
}

int
authd_client_wait(struct authd_client *c)
{
	struct authd_msg msg;
	size_t used;
	int r;

	if ((r = authd_client_handshake(c)) != AUTHD_OK)
		return r;
	/* Left in the buffer: the next recv decodes it again. */
	if ((r = next_frame(c, &msg, &used)) != AUTHD_OK)
		c->broken = 1;
	return r;
}

void
authd_client_close(struct authd_client **cp)
{
	struct authd_client *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	if (c->fd != -1 && fd_is_ours(c))
		close(c->fd);
	authd_buf_free(&c->wbuf);
	authd_buf_free(&c->rbuf);
	explicit_bzero(c, sizeof(*c));
	free(c);
	*cp = NULL;
}
