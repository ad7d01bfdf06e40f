#include "config.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "conn.h"
#include "err.h"
#include "log.h"
#include "server.h"

#define HELLO_TIMEOUT_MS   10000   /* the first frame comes at once or never */
#define CLOSING_TIMEOUT_MS 10000   /* to deliver the last frames */
#define WBUF_MAX           (4 * AUTHD_FRAME_MAX)
#define ACCEPT_BATCH       64
#define USER_CONNS_PER_UID 16      /* connections of one uid on the user socket */

/* Which fields each kind of client frame may carry. */
#define BIT(tag) (UINT64_C(1) << (tag))
static const uint64_t hello_fields = BIT(AUTHD_F_VERSION_MIN) |
    BIT(AUTHD_F_VERSION_MAX) | BIT(AUTHD_F_CLIENT);
static const uint64_t request_fields = BIT(AUTHD_F_SERVICE) |
    BIT(AUTHD_F_USER) | BIT(AUTHD_F_TTY) | BIT(AUTHD_F_RHOST) |
    BIT(AUTHD_F_RUSER) | BIT(AUTHD_F_PID) | BIT(AUTHD_F_FLAGS) |
    BIT(AUTHD_F_AUTHTOK) | BIT(AUTHD_F_OLD_AUTHTOK) | BIT(AUTHD_F_LOGIN_ID) |
    BIT(AUTHD_F_SESSION_ID);
static const uint64_t answer_fields = BIT(AUTHD_F_ANSWER) |
    BIT(AUTHD_F_AUTHDATA) | BIT(AUTHD_F_SIGNATURE) | BIT(AUTHD_F_CERT) |
    BIT(AUTHD_F_ANSWER_STATUS) | BIT(AUTHD_F_CRED_ID);

static void conn_on_event(struct loop_source *src, uint32_t events);
static void conn_on_deadline(struct loop_timer *t);
static void conn_deadline(struct conn *c);

static const char *
state_name(enum conn_state s)
{
	switch (s) {
	case CONN_HELLO: return "hello";
	case CONN_IDLE: return "idle";
	case CONN_BUSY: return "busy";
	case CONN_ANSWER: return "answer";
	case CONN_CLOSING: return "closing";
	}
	return "?";
}

static const char *
type_name(uint8_t type)
{
	static const char *const names[] = {
		[AUTHD_MSG_HELLO] = "HELLO",
		[AUTHD_MSG_AUTHENTICATE] = "AUTHENTICATE",
		[AUTHD_MSG_ACCT_MGMT] = "ACCT_MGMT",
		[AUTHD_MSG_OPEN_SESSION] = "OPEN_SESSION",
		[AUTHD_MSG_CLOSE_SESSION] = "CLOSE_SESSION",
		[AUTHD_MSG_CHAUTHTOK] = "CHAUTHTOK",
		[AUTHD_MSG_ANSWER] = "ANSWER",
		[AUTHD_MSG_STEP] = "STEP",
		[AUTHD_MSG_RESULT] = "RESULT",
	};

	if (type == 0 || type > AUTHD_MSG_TYPE_MAX)
		return "?";
	return names[type];
}

static void
conn_set_timer(struct conn *c, uint64_t ms)
{
	c->timer.on_expire = conn_on_deadline;
	if (loop_timer_after(c->srv->loop, &c->timer, ms) != AUTHD_OK)
		conn_close(c);
}

static void
conn_watch(struct conn *c, uint32_t events)
{
	if (c->closed || events == c->events)
		return;
	if (loop_mod(c->srv->loop, &c->src, events) != AUTHD_OK) {
		conn_close(c);
		return;
	}
	c->events = events;
}

/* How many connections uid has open on the user socket. */
static size_t
user_conns_of(const struct server *srv, uid_t uid)
{
	const struct conn *c;
	size_t n = 0;

	for (c = srv->conns; c != NULL; c = c->next)
		n += !c->privileged_socket && c->peer_uid == uid;
	return n;
}

/* What an audit record of the rate limit says the caller was refused. */
#define RATE_WHAT "connections and requests on the user socket"

static void
rate_limit_audit(struct server *srv, uid_t uid, pid_t pid, const char *reason)
{
	struct req_items *req;

	if ((req = calloc(1, sizeof(*req))) == NULL) {
		authd_log(LOG_ERR, "out of memory; audit record lost: %s", reason);
		return;
	}
	req->peer_uid = uid;
	req->peer_pid = pid;
	auth_audit_async(srv, "rate_limit", req, AUTHD_R_PERM_DENIED, reason);
	free(req);
}

/*
 * A refusal of the user socket's rate limit: the connection is closed
 * unread, with no record of its own; the first of a burst is logged and
 * recorded, the others counted (conn_report_rate_limits).
 */
static void
rate_refused(struct server *srv, enum user_rate_verdict v, uid_t uid,
    pid_t pid)
{
	char reason[256];

	if (v == USER_RATE_FIRST_REFUSAL)
		snprintf(reason, sizeof(reason), "over the rate limit (%d at once, "
		    "then %d a second): its " RATE_WHAT " are closed unread; "
		    "their count is recorded once a minute", USER_RATE_BURST,
		    USER_RATE_PER_S);
	else if (v == USER_RATE_FIRST_TABLE_FULL)
		snprintf(reason, sizeof(reason), "the rate limit follows %d "
		    "uids already, none idle for long: " RATE_WHAT " of the "
		    "others are closed unread; their count is recorded once a "
		    "minute (uid -)", USER_RATE_SLOTS);
	else
		return;
	authd_log(LOG_WARNING, "uid %ld: %s", (long)uid, reason);
	rate_limit_audit(srv, uid, pid, reason);
}

/* Whether uid may have another connection or request on the user socket. */
static int
rate_allows(struct server *srv, uid_t uid, pid_t pid)
{
	enum user_rate_verdict v;

	if (uid == 0)
		return 1;
	if ((v = user_rate_take(&srv->user_rate, uid, loop_now_ms())) ==
	    USER_RATE_OK)
		return 1;
	rate_refused(srv, v, uid, pid);
	return 0;
}

static void
rate_report_one(void *arg, uid_t uid, uint64_t n)
{
	struct server *srv = arg;
	char reason[256];

	snprintf(reason, sizeof(reason), "%llu " RATE_WHAT " refused over the "
	    "rate limit since the last count%s", (unsigned long long)n,
	    uid == (uid_t)-1 ? ", of uids the full table had no room for" : "");
	if (uid == (uid_t)-1)
		authd_log(LOG_WARNING, "%s", reason);
	else
		authd_log(LOG_WARNING, "uid %ld: %s", (long)uid, reason);
	rate_limit_audit(srv, uid, 0, reason);
}

void
conn_report_rate_limits(struct server *srv)
{
	user_rate_report(&srv->user_rate, loop_now_ms(), rate_report_one, srv);
}

static void
conn_new(struct server *srv, int fd, int privileged)
{
	static time_t last_log;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct conn *c;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    len != sizeof(cred)) {
		authd_log(LOG_ERR, "SO_PEERCRED: %s", strerror(errno));
		close(fd);
		return;
	}
	/* one user cannot take the user socket from the others */
	if (!privileged && cred.uid != 0 &&
	    user_conns_of(srv, cred.uid) >= USER_CONNS_PER_UID) {
		close(fd);
		if (time(NULL) != last_log) {
			last_log = time(NULL);
			authd_log(LOG_WARNING, "uid %ld has %d connections on the "
			    "user socket; more refused", (long)cred.uid,
			    USER_CONNS_PER_UID);
		}
		return;
	}
	/* nor flood the audit log: closed before a byte is read */
	if (!privileged && !rate_allows(srv, cred.uid, cred.pid)) {
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->rbuf = authd_buf_new(AUTHD_FRAME_MAX)) == NULL ||
	    (c->wbuf = authd_buf_new(WBUF_MAX)) == NULL) {
		authd_log(LOG_ERR, "out of memory for a connection");
		if (c != NULL) {
			authd_buf_free(&c->rbuf);
			free(c);
		}
		close(fd);
		return;
	}
	c->srv = srv;
	c->id = ++srv->next_conn_id;
	c->refs = 1;
	c->state = CONN_HELLO;
	c->version = AUTHD_PROTO_VERSION_MIN;
	c->peer_uid = cred.uid;
	c->peer_pid = cred.pid;
	c->privileged_socket = privileged;
	c->src.fd = fd;
	c->src.on_event = conn_on_event;
	c->src.arg = c;
	loop_timer_init(&c->timer, conn_on_deadline, c);
	c->events = EPOLLIN | EPOLLRDHUP;
	if (loop_add(srv->loop, &c->src, c->events) != AUTHD_OK) {
		authd_buf_free(&c->rbuf);
		authd_buf_free(&c->wbuf);
		free(c);
		close(fd);
		return;
	}
	if ((c->next = srv->conns) != NULL)
		c->next->prev = c;
	srv->conns = c;
	srv->n_conns++;
	srv->n_user_conns += !privileged;
	authd_log(LOG_DEBUG, "conn %llu: accepted uid=%ld pid=%ld (%s socket)",
	    (unsigned long long)c->id, (long)c->peer_uid, (long)c->peer_pid,
	    privileged ? "privileged" : "user");
	conn_ref(c);
	conn_set_timer(c, HELLO_TIMEOUT_MS);
	/*
	 * A client writes its HELLO as soon as connect() returns, often before
	 * the loop gets to accept(): read it now rather than after another
	 * epoll_wait (one wakeup fewer per login; EAGAIN costs one read).
	 */
	if (!c->closed)
		conn_on_event(&c->src, EPOLLIN);
	conn_unref(c);
}

void
conn_on_accept(struct loop_source *src, uint32_t events)
{
	struct listener *li = src->arg;
	static time_t last_refusal_log;
	struct server *srv = li->srv;
	int fd, i;

	(void)events;
	for (i = 0; i < ACCEPT_BATCH; i++) {
		fd = accept4(src->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				authd_log(LOG_ERR, "accept: %s; pausing",
				    strerror(errno));
				server_pause_accept(srv);
			} else if (errno != EAGAIN && errno != EWOULDBLOCK)
				authd_log(LOG_ERR, "accept: %s", strerror(errno));
			return;
		}
		/* each socket has max_clients of its own: the user socket's
		 * callers never keep root's login programs out */
		if ((li->privileged ? srv->n_conns - srv->n_user_conns :
		    srv->n_user_conns) >= (size_t)srv->conf->max_clients) {
			/* Refused by closing: the client sees EOF at once. */
			close(fd);
			if (time(NULL) != last_refusal_log) {
				last_refusal_log = time(NULL);
				authd_log(LOG_WARNING, "max_clients (%d) reached; "
				    "connections refused", srv->conf->max_clients);
			}
			continue;
		}
		conn_new(srv, fd, li->privileged);
	}
}

void
conn_ref(struct conn *c)
{
	c->refs++;
}

static void
conn_free(struct loop_deferred *d)
{
	struct conn *c = (struct conn *)((char *)d - offsetof(struct conn, reap));

	authd_buf_free(&c->rbuf);
	authd_buf_free(&c->wbuf);
	free(c);
}

void
conn_unref(struct conn *c)
{
	if (--c->refs > 0)
		return;
	/* not now: an event of this round may still point at it */
	loop_defer(c->srv->loop, &c->reap, conn_free);
}

void
conn_close(struct conn *c)
{
	struct server *srv = c->srv;

	if (c->closed)
		return;
	c->closed = 1;
	loop_timer_cancel(srv->loop, &c->timer);
	loop_close(srv->loop, &c->src);
	auth_conv_free(&c->conv);
	authd_buf_reset(c->rbuf);
	authd_buf_reset(c->wbuf);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	srv->n_conns--;
	srv->n_user_conns -= !c->privileged_socket;
	authd_log(LOG_DEBUG, "conn %llu: closed", (unsigned long long)c->id);
	conn_unref(c);   /* the list's reference; a job may still hold one */
}

void
conn_close_all(struct server *srv)
{
	while (srv->conns != NULL)
		conn_close(srv->conns);
}

/* End the connection after the frames already queued have been sent. */
static void
conn_end(struct conn *c)
{
	if (c->closed)
		return;
	c->state = CONN_CLOSING;
	auth_conv_free(&c->conv);
	authd_buf_reset(c->rbuf);
	conn_set_timer(c, CLOSING_TIMEOUT_MS);
	conn_flush(c);
}

void
conn_flush(struct conn *c)
{
	if (c->closed)
		return;
	switch (loop_send_buf(c->src.fd, c->wbuf)) {
	case LOOP_SEND_LATER:
		conn_watch(c, EPOLLIN | EPOLLRDHUP | EPOLLOUT);
		return;
	case LOOP_SEND_FAILED:
		conn_close(c);
		return;
	}
	if (c->state == CONN_CLOSING)
		conn_close(c);
	else
		conn_watch(c, EPOLLIN | EPOLLRDHUP);
}

int
conn_send_step(struct conn *c, uint8_t kind, const char *text)
{
	size_t start, len = strlen(text);
	int r;

	if (c->closed)
		return AUTHD_ERR_CLOSED;
	if (len > AUTHD_STRING_MAX)
		len = AUTHD_STRING_MAX;
	if ((r = authd_frame_begin(c->wbuf, c->version, AUTHD_MSG_STEP,
	    &start)) != AUTHD_OK ||
	    (r = authd_frame_add_u8(c->wbuf, AUTHD_F_STEP_KIND, kind)) != AUTHD_OK ||
	    (r = authd_frame_add(c->wbuf, AUTHD_F_TEXT, text, len)) != AUTHD_OK ||
	    (r = authd_frame_end(c->wbuf, start)) != AUTHD_OK) {
		authd_log(LOG_WARNING, "conn %llu: cannot queue a step: %s",
		    (unsigned long long)c->id, authd_strerror(r));
		conn_close(c);
	}
	return r;
}

int
conn_send_result(struct conn *c, int result, const char *const *env, size_t nenv)
{
	return conn_send_result_ahead(c, result, env, nenv, 0);
}

int
conn_send_result_ahead(struct conn *c, int result, const char *const *env,
    size_t nenv, uint32_t acct_ahead_ms)
{
	size_t start, i;
	int r;

	if (c->closed)
		return AUTHD_ERR_CLOSED;
	if ((r = authd_frame_begin(c->wbuf, c->version, AUTHD_MSG_RESULT,
	    &start)) != AUTHD_OK ||
	    (r = authd_frame_add_u8(c->wbuf, AUTHD_F_RESULT,
	    (uint8_t)result)) != AUTHD_OK)
		goto out;
	for (i = 0; i < nenv; i++)
		if ((r = authd_frame_add_str(c->wbuf, AUTHD_F_ENV, env[i])) != AUTHD_OK)
			goto out;
	/* a version-2 field: never on a version-1 connection */
	if (acct_ahead_ms > 0 && c->version >= 2 && (r = authd_frame_add_u32(
	    c->wbuf, AUTHD_F_ACCT_AHEAD_MS, acct_ahead_ms)) != AUTHD_OK)
		goto out;
	r = authd_frame_end(c->wbuf, start);
out:
	if (r != AUTHD_OK) {
		authd_log(LOG_WARNING, "conn %llu: cannot queue a result: %s",
		    (unsigned long long)c->id, authd_strerror(r));
		conn_close(c);
	}
	return r;
}

void
conn_wait_answer(struct conn *c)
{
	if (c->closed)
		return;
	c->state = CONN_ANSWER;
	conn_set_timer(c, (uint64_t)c->srv->conf->client_timeout * 1000);
}

void
conn_set_busy(struct conn *c)
{
	if (c->closed)
		return;
	c->state = CONN_BUSY;
	loop_timer_cancel(c->srv->loop, &c->timer);
}

void
conn_request_done(struct conn *c)
{
	if (c->closed)
		return;
	auth_conv_free(&c->conv);
	c->state = CONN_IDLE;
	conn_set_timer(c, (uint64_t)c->srv->conf->client_timeout * 1000);
}

int
conn_delay(struct conn *c, uint64_t ms, void (*on_expire)(struct loop_timer *))
{
	int r;

	if ((r = loop_timer_after(c->srv->loop, &c->timer, ms)) != AUTHD_OK)
		return r;
	c->timer.on_expire = on_expire;
	return AUTHD_OK;
}

void
conn_protocol_error(struct conn *c, const char *why)
{
	if (c->closed || c->state == CONN_CLOSING)
		return;
	authd_log(LOG_WARNING, "conn %llu: protocol error from uid %ld pid %ld: %s",
	    (unsigned long long)c->id, (long)c->peer_uid, (long)c->peer_pid, why);
	auth_protocol_error_audit(c, why);
	(void)conn_send_result(c, AUTHD_R_PROTOCOL_ERR, NULL, 0);
	conn_end(c);
}

static void
conn_on_deadline(struct loop_timer *t)
{
	struct conn *c = t->arg;

	conn_ref(c);        /* what it calls may close it */
	conn_deadline(c);
	conn_unref(c);
}

static void
conn_deadline(struct conn *c)
{
	switch (c->state) {
	case CONN_ANSWER:
		authd_log(LOG_NOTICE, "conn %llu: no answer within %d s",
		    (unsigned long long)c->id, c->srv->conf->client_timeout);
		auth_on_timeout(c);
		conn_end(c);
		break;
	case CONN_HELLO:
		authd_log(LOG_NOTICE, "conn %llu: no HELLO in time",
		    (unsigned long long)c->id);
		conn_close(c);
		break;
	default:
		/* Idle past client_timeout, or the last frames never left. */
		conn_close(c);
		break;
	}
}

static int
fields_allowed(const struct authd_msg *m, uint64_t allowed)
{
	size_t i;

	for (i = 0; i < m->nfields; i++)
		if ((allowed & BIT(m->fields[i].tag)) == 0)
			return 0;
	return 1;
}

static void
conn_hello(struct conn *c, const struct authd_msg *m)
{
	uint8_t vmin, vmax, v;
	size_t start;
	int r;

	if (authd_msg_get_u8(m, AUTHD_F_VERSION_MIN, &vmin) != AUTHD_OK ||
	    authd_msg_get_u8(m, AUTHD_F_VERSION_MAX, &vmax) != AUTHD_OK) {
		conn_protocol_error(c, "HELLO without VERSION_MIN/MAX");
		return;
	}
	v = vmax < AUTHD_PROTO_VERSION_MAX ? vmax : AUTHD_PROTO_VERSION_MAX;
	if (vmin > vmax || v < vmin || v < AUTHD_PROTO_VERSION_MIN) {
		conn_protocol_error(c, "no common protocol version");
		return;
	}
	c->version = v;
	if ((r = authd_frame_begin(c->wbuf, c->version, AUTHD_MSG_HELLO,
	    &start)) != AUTHD_OK ||
	    (r = authd_frame_add_u8(c->wbuf, AUTHD_F_VERSION, v)) != AUTHD_OK ||
	    (r = authd_frame_add_str(c->wbuf, AUTHD_F_CLIENT,
	    PACKAGE_NAME " " PACKAGE_VERSION)) != AUTHD_OK ||
	    (r = authd_frame_end(c->wbuf, start)) != AUTHD_OK) {
		conn_close(c);
		return;
	}
	c->state = CONN_IDLE;
	conn_set_timer(c, (uint64_t)c->srv->conf->client_timeout * 1000);
}

static int
is_request(uint8_t type)
{
	return type == AUTHD_MSG_AUTHENTICATE || type == AUTHD_MSG_ACCT_MGMT ||
	    type == AUTHD_MSG_OPEN_SESSION || type == AUTHD_MSG_CLOSE_SESSION ||
	    type == AUTHD_MSG_CHAUTHTOK;
}

/* One decoded frame; the habit: accepted only in the state where it makes sense. */
static void
conn_dispatch(struct conn *c, const struct authd_msg *m)
{
	char why[128];
	int r;

	if (c->state == CONN_HELLO && m->type == AUTHD_MSG_HELLO &&
	    fields_allowed(m, hello_fields)) {
		conn_hello(c, m);
		return;
	}
	if (c->state != CONN_HELLO && m->version != c->version) {
		conn_protocol_error(c, "frame with another version than negotiated");
		return;
	}
	if (c->state == CONN_IDLE && is_request(m->type) &&
	    fields_allowed(m, request_fields)) {
		/* the first request came with the connection's token */
		if (!c->privileged_socket && c->requests++ > 0 &&
		    !rate_allows(c->srv, c->peer_uid, c->peer_pid)) {
			conn_close(c);
			return;
		}
		if ((r = auth_on_request(c, m)) != AUTHD_OK) {
			snprintf(why, sizeof(why), "bad %s: %s", type_name(m->type),
			    authd_strerror(r));
			conn_protocol_error(c, why);
		}
		return;
	}
	if (c->state == CONN_ANSWER && m->type == AUTHD_MSG_ANSWER &&
	    fields_allowed(m, answer_fields)) {
		if ((r = auth_on_answer(c, m)) != AUTHD_OK) {
			snprintf(why, sizeof(why), "bad ANSWER: %s",
			    authd_strerror(r));
			conn_protocol_error(c, why);
		}
		return;
	}
	snprintf(why, sizeof(why), "%s not allowed in state %s (or a field "
	    "it may not carry)", type_name(m->type), state_name(c->state));
	conn_protocol_error(c, why);
}

static void
conn_process_frames(struct conn *c)
{
	struct authd_msg msg;
	size_t used;
	int r;

	while (!c->closed && c->state != CONN_CLOSING) {
		r = authd_frame_decode(authd_buf_ptr(c->rbuf),
		    authd_buf_len(c->rbuf), &msg, &used);
		if (r == AUTHD_ERR_INCOMPLETE)
			return;
		if (r != AUTHD_OK) {
			conn_protocol_error(c, authd_strerror(r));
			return;
		}
		conn_dispatch(c, &msg);
		/* The frame may hold a password: consume() wipes it. */
		if (!c->closed && authd_buf_len(c->rbuf) >= used)
			authd_buf_consume(c->rbuf, used);
	}
}

static void
conn_read(struct conn *c)
{
	size_t asked;
	ssize_t n;

	while (!c->closed) {
		if (c->state == CONN_CLOSING) {
			/* Nothing more is listened to; drain and drop. */
			authd_buf_reset(c->rbuf);
		}
		n = authd_buf_read(c->rbuf, c->src.fd, &asked);
		if (n == -1 && (errno == EMSGSIZE || errno == ENOMEM)) {
			conn_protocol_error(c, "frame too long");
			return;
		}
		if (n == 0) {
			conn_close(c);
			return;
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_close(c);
			return;
		}
		if (c->state != CONN_CLOSING)
			conn_process_frames(c);
		if ((size_t)n < asked)
			return;
	}
}

static void
conn_on_event(struct loop_source *src, uint32_t events)
{
	struct conn *c = src->arg;

	conn_ref(c);
	if (events & EPOLLERR)
		conn_close(c);
	if (!c->closed && (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)))
		conn_read(c);
	/*
	 * While a worker decides, what is queued (HELLO, the banner) waits for
	 * the job's own frames: one send, one wakeup of the client, not two.
	 */
	if (!c->closed && (c->state != CONN_BUSY || (events & EPOLLOUT)))
		conn_flush(c);
	conn_unref(c);
}
