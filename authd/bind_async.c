#include "config.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind_async.h"
#include "err.h"
#include "log.h"
#include "loop.h"
#include "worker.h"

/* After a failed connect, logins bind on workers this long before the next try. */
#define CONNECT_BACKOFF_MS 1000
/* At most this many handles (ldap_bind_pool_size's upper bound). */
#define BA_MAX 64

struct ba_req {
	struct ba_req *next;
	const char *dn;
	const char *password;
	bind_async_done done;
	void *arg;
};

struct ba_handle {
	struct bind_async *ba;
	struct ldap *ld;             /* NULL: not connected */
	struct loop_source src;
	struct loop_timer timer;
	struct ba_req *req;          /* the bind in flight; NULL: idle */
	int msgid;
	int quiet;                   /* idle, watched for the server's close only */
};

/* The worker job that connects handles. */
struct ba_connect {
	struct job_head head;
	struct bind_async *ba;       /* NULL once ba is freed */
	struct dir_pool *dir;
	int want;
	int got;
	struct ldap *ld[BA_MAX];
	int fd[BA_MAX];
	char err[256];
};

struct bind_async {
	struct loop *loop;
	struct worker_pool *workers;
	struct dir_pool *dir;
	int timeout_ms;
	struct ba_handle *h;
	int n;
	int connected;
	struct ba_req *queue, *queue_tail;
	struct ba_connect *connecting; /* the job in flight, or NULL */
	uint64_t retry_at;             /* no connect job before this */
	int resting;                   /* the last connect job opened none */
};

static void want_handles(struct bind_async *ba);

static void
finish(struct ba_req *r, int status, const struct dir_bind_result *res)
{
	r->done(r->arg, status, res, NULL);
	free(r);
}

/*
 * h's bind used the person's last grace login: the handle, bound as them,
 * goes with the reply (bind_async.h) and leaves the pool, which connects
 * another as after a lost one.
 */
static struct ldap *
detach(struct ba_handle *h)
{
	struct bind_async *ba = h->ba;
	struct ldap *ld = h->ld;

	loop_del(ba->loop, &h->src);
	h->ld = NULL;
	h->src.fd = -1;
	h->quiet = 0;
	ba->connected--;
	return ld;
}

/* Every queued request to a worker (no handle left to serve them). */
static void
flush_queue(struct bind_async *ba)
{
	struct ba_req *r;

	while ((r = ba->queue) != NULL) {
		ba->queue = r->next;
		finish(r, BIND_ASYNC_ELSEWHERE, NULL);
	}
	ba->queue_tail = NULL;
}

static void
drop(struct ba_handle *h)
{
	struct bind_async *ba = h->ba;
	struct ba_req *r = h->req;

	loop_timer_cancel(ba->loop, &h->timer);
	if (h->ld != NULL) {
		loop_del(ba->loop, &h->src);
		dir_bind_handle_close(h->ld);
		h->ld = NULL;
		h->src.fd = -1;
		ba->connected--;
	}
	h->req = NULL;
	if (r != NULL)
		finish(r, BIND_ASYNC_ELSEWHERE, NULL);
	if (ba->connected == 0)
		flush_queue(ba);
}

/*
 * Send r on the idle handle h: AUTHD_OK; AUTHD_ERR_INVALID when nothing
 * was sent (no bind to make, or no timer for it: the caller's way does
 * it); else the handle is lost.
 */
static int
send_on(struct ba_handle *h, struct ba_req *r)
{
	struct bind_async *ba = h->ba;
	int st;

	/* the timer first: a bind sent must never wait unbounded */
	if (loop_timer_after(ba->loop, &h->timer, (uint64_t)ba->timeout_ms) !=
	    AUTHD_OK)
		return AUTHD_ERR_INVALID;
	/* its reply must wake the loop (and what came idle is read with it) */
	if (h->quiet) {
		if (loop_mod(ba->loop, &h->src, EPOLLIN | EPOLLRDHUP) != AUTHD_OK) {
			loop_timer_cancel(ba->loop, &h->timer);
			return AUTHD_ERR_IO;
		}
		h->quiet = 0;
	}
	if ((st = dir_bind_send(ba->dir, h->ld, r->dn, r->password,
	    &h->msgid)) != DIR_OK) {
		loop_timer_cancel(ba->loop, &h->timer);
		return st == DIR_INVALID ? AUTHD_ERR_INVALID : AUTHD_ERR_IO;
	}
	h->req = r;
	return AUTHD_OK;
}

/* h is idle: give it the next queued request. */
static void
next_queued(struct ba_handle *h)
{
	struct bind_async *ba = h->ba;
	struct ba_req *r;

	while (h->ld != NULL && h->req == NULL && (r = ba->queue) != NULL) {
		if ((ba->queue = r->next) == NULL)
			ba->queue_tail = NULL;
		switch (send_on(h, r)) {
		case AUTHD_OK:
			break;
		case AUTHD_ERR_INVALID:
			finish(r, BIND_ASYNC_ELSEWHERE, NULL);
			break;
		default:
			finish(r, BIND_ASYNC_ELSEWHERE, NULL);
			drop(h);
			break;
		}
	}
}

/*
 * An idle handle is readable. When the server closed it, 0. When bytes
 * came that answer no request (a TLS 1.3 server's session tickets arrive
 * just after the handshake; a notice of disconnection), they are left for
 * libldap to read with the next bind's reply, and until then the handle is
 * watched only for the server's close, so that a readable socket does not
 * wake the loop over and over: 1.
 */
static int
idle_bytes(struct ba_handle *h, uint32_t events)
{
	char c;
	ssize_t n;

	if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		return 0;
	do
		n = recv(h->src.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK))
		return 0;
	if (n == -1 || h->quiet)
		return 1;               /* nothing there after all */
	if (loop_mod(h->ba->loop, &h->src, EPOLLRDHUP) != AUTHD_OK)
		return 0;
	h->quiet = 1;
	authd_log(LOG_DEBUG, "bind_async: bytes on an idle connection (TLS "
	    "session tickets?); read with its next bind");
	return 1;
}

/*
 * h's bind was sent and will not be answered (why): the directory may
 * still act on it (a frozen server works through its socket when it
 * resumes; ppolicy counts a wrong password then), so it is never sent
 * again, on a worker or elsewhere, or one wrong password would count
 * twice. The login is refused as unavailable and the connection given up.
 */
static void
refuse_unanswered(struct ba_handle *h, const char *why)
{
	struct ba_req *r = h->req;
	struct dir_bind_result res;

	authd_log(LOG_NOTICE, "bind_async: %s; the login is refused as "
	    "unavailable (its bind is not sent again)", why);
	h->req = NULL;
	drop(h);
	if (r == NULL)
		return;
	memset(&res, 0, sizeof(res));
	res.grace_left = -1;
	res.expire_in = -1;
	snprintf(res.message, sizeof(res.message), "bind: %s", why);
	finish(r, DIR_UNAVAILABLE, &res);
}

static void
on_reply(struct loop_source *src, uint32_t events)
{
	struct ba_handle *h = src->arg;
	struct bind_async *ba;
	struct dir_bind_result res;
	struct ba_req *r;
	int st = DIR_ERROR, got;

	if (h->ld == NULL)
		return;
	if (h->req == NULL) {
		if (idle_bytes(h, events))
			return;
		authd_log(LOG_DEBUG, "bind_async: an idle connection closed");
		drop(h);
		return;
	}
	got = dir_bind_receive(h->ld, h->msgid, h->req->dn == NULL, &res, &st);
	if (got == 0)
		return;                 /* part of the reply: more will come */
	if (got < 0) {
		/* the server may have read it before it went: not sent again */
		refuse_unanswered(h, "connection lost before the reply");
		return;
	}
	loop_timer_cancel(h->ba->loop, &h->timer);
	r = h->req;
	h->req = NULL;
	if (st == DIR_OK && r->dn != NULL && res.grace_left == 0) {
		ba = h->ba;
		r->done(r->arg, st, &res, detach(h));
		free(r);
		explicit_bzero(&res, sizeof(res));
		if (ba->connected == 0)
			flush_queue(ba);
		want_handles(ba);
		return;
	}
	finish(r, st, &res);
	explicit_bzero(&res, sizeof(res));
	next_queued(h);
}

/* No reply in time. */
static void
on_timeout(struct loop_timer *t)
{
	struct ba_handle *h = t->arg;
	char why[64];

	snprintf(why, sizeof(why), "no reply within %d ms", h->ba->timeout_ms);
	refuse_unanswered(h, why);
}

/* Worker thread: connect the handles asked for. */
static void
connect_run(struct job *job, struct dir_conn *dc)
{
	struct ba_connect *cj = (struct ba_connect *)job;

	(void)dc;
	while (cj->got < cj->want &&
	    dir_bind_handle_open(cj->dir, &cj->ld[cj->got], &cj->fd[cj->got],
	    cj->err, sizeof(cj->err)) == DIR_OK)
		cj->got++;
}

static void
connect_done(struct job *job, int cancelled)
{
	struct ba_connect *cj = (struct ba_connect *)job;
	struct bind_async *ba = cj->ba;
	struct ba_handle *h;
	int i, k = 0;

	(void)cancelled;
	if (ba != NULL) {
		ba->connecting = NULL;
		if (cj->got > 0 && ba->resting) {
			authd_log(LOG_NOTICE, "bind_async: %d connection(s) to the "
			    "directory open again; binds are back on the event loop",
			    cj->got);
			ba->resting = 0;
		}
		if (cj->got < cj->want) {
			authd_log(LOG_NOTICE, "bind_async: %s; binds go to "
			    "workers for now", cj->err[0] != '\0' ? cj->err :
			    "cannot connect");
			ba->retry_at = loop_now_ms() + CONNECT_BACKOFF_MS;
			ba->resting = cj->got == 0 && ba->connected == 0;
		}
	}
	for (i = 0; ba != NULL && i < ba->n && k < cj->got; i++) {
		h = &ba->h[i];
		if (h->ld != NULL)
			continue;
		h->src.fd = cj->fd[k];
		h->quiet = 0;
		if (loop_add(ba->loop, &h->src, EPOLLIN | EPOLLRDHUP) !=
		    AUTHD_OK) {
			h->src.fd = -1;
			break;
		}
		h->ld = cj->ld[k++];
		ba->connected++;
		next_queued(h);
	}
	for (; k < cj->got; k++)
		dir_bind_handle_close(cj->ld[k]);
	free(cj);
}

static const struct job_ops ops_connect = {
	.name = "bind_async_connect",
	.needs_dir = 0,
	.run = connect_run,
	.done = connect_done,
};

/* Ask a worker for the handles missing, unless one is at it or resting. */
static void
want_handles(struct bind_async *ba)
{
	struct ba_connect *cj;

	if (ba->connecting != NULL || ba->connected >= ba->n ||
	    loop_now_ms() < ba->retry_at)
		return;
	if ((cj = calloc(1, sizeof(*cj))) == NULL)
		return;
	cj->head.ops = &ops_connect;
	cj->ba = ba;
	cj->dir = ba->dir;
	cj->want = ba->n - ba->connected;
	ba->connecting = cj;
	worker_pool_submit(ba->workers, &cj->head);
}

int
bind_async_start(struct bind_async *ba, const char *dn, const char *password,
    bind_async_done done, void *arg)
{
	struct ba_handle *idle = NULL;
	struct ba_req *r;
	int i;

	if (ba == NULL || password == NULL || password[0] == '\0')
		return AUTHD_ERR_INVALID;
	want_handles(ba);
	if (ba->connected == 0)
		return AUTHD_ERR_IO;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return AUTHD_ERR_NOMEM;
	r->dn = dn;
	r->password = password;
	r->done = done;
	r->arg = arg;
	for (i = 0; i < ba->n && idle == NULL; i++)
		if (ba->h[i].ld != NULL && ba->h[i].req == NULL)
			idle = &ba->h[i];
	if (idle == NULL) {
		/* every handle busy: the first to answer takes it */
		if (ba->queue_tail != NULL)
			ba->queue_tail->next = r;
		else
			ba->queue = r;
		ba->queue_tail = r;
		return AUTHD_OK;
	}
	switch ((i = send_on(idle, r))) {
	case AUTHD_OK:
		return AUTHD_OK;
	case AUTHD_ERR_INVALID:
		free(r);
		return i;
	default:
		free(r);
		drop(idle);
		return AUTHD_ERR_IO;
	}
}

int
bind_async_new(struct loop *loop, struct worker_pool *workers,
    struct dir_pool *dir, int n, int timeout_s, struct bind_async **ba_r)
{
	struct bind_async *ba;
	int i;

	*ba_r = NULL;
	if (n < 1)
		n = 1;
	if (n > BA_MAX)
		n = BA_MAX;
	if ((ba = calloc(1, sizeof(*ba))) == NULL)
		return AUTHD_ERR_NOMEM;
	if ((ba->h = calloc((size_t)n, sizeof(*ba->h))) == NULL) {
		free(ba);
		return AUTHD_ERR_NOMEM;
	}
	ba->loop = loop;
	ba->workers = workers;
	ba->dir = dir;
	ba->n = n;
	ba->timeout_ms = (timeout_s > 0 ? timeout_s : 5) * 1000;
	for (i = 0; i < n; i++) {
		ba->h[i].ba = ba;
		ba->h[i].src.fd = -1;
		ba->h[i].src.on_event = on_reply;
		ba->h[i].src.arg = &ba->h[i];
		loop_timer_init(&ba->h[i].timer, on_timeout, &ba->h[i]);
	}
	/*
	 * Connected now, not at the first login: until they are, the first
	 * logins' password binds go to the workers, a hand-off and a blocking
	 * bind each.
	 */
	want_handles(ba);
	*ba_r = ba;
	return AUTHD_OK;
}

void
bind_async_free(struct bind_async **bap)
{
	struct bind_async *ba;
	int i;

	if (bap == NULL || (ba = *bap) == NULL)
		return;
	if (ba->connecting != NULL)
		ba->connecting->ba = NULL;   /* it closes what it opened */
	for (i = 0; i < ba->n; i++)
		drop(&ba->h[i]);
	flush_queue(ba);
	free(ba->h);
	free(ba);
	*bap = NULL;
}
