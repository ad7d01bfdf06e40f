/*
 * The NSS socket: one request frame at a time per connection, answered by a
 * worker job that reads the directory and encodes the whole answer; the loop
 * thread only reads requests and writes answers, never waits.
 *
 * Bounds: a request is at most NSS_REQ_MAX bytes; a first request comes
 * within NSS_FIRST_REQUEST_MS; an idle connection or one that does not take
 * its answer within NSS_IO_TIMEOUT_MS is closed; at most max_clients NSS
 * connections, NSS_CONNS_PER_UID of them a user's (root's are not limited);
 * at most max_clients lookups queued or running, and NSS_ENUM_CONCURRENT
 * enumerations until their answers are sent (others get TRYAGAIN), one of
 * them a user's (root's are not limited), each at most NSS_ENUM_MAX
 * entries and NSS_ENUM_BYTES bytes (the rest is left out, and logged). An
 * answer is sent whole within NSS_IO_TIMEOUT_MS, however it is read: a
 * reader taking a few bytes now and then does not keep its place.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dir_nss.h"
#include "err.h"
#include "job.h"
#include "log.h"
#include "loop.h"
#include "nss_proto.h"
#include "nss_server.h"
#include "server.h"
#include "worker.h"

#define NSS_BACKLOG          512
#define NSS_REQ_MAX          (AUTHD_NSS_HEADER_LEN + 4 + AUTHD_NSS_NAME_MAX + 16)
#define NSS_IO_TIMEOUT_MS    10000
#define NSS_ENUM_CONCURRENT  2
#define NSS_ENUM_MAX         100000
#define NSS_ENUM_BYTES       (32u * 1024 * 1024)
#define NSS_ANSWER_MAX       (AUTHD_NSS_HEADER_LEN + AUTHD_NSS_MAX_BODY)
#define NSS_MAX_GIDS         4096
#define NSS_ACCEPT_PAUSE_MS  200
#define NSS_END_ROOM         64
/* A lookup's request comes right after connect (the module's deadline for
 * the whole lookup is 1.5 s); one user's connections are few at a time. */
#define NSS_FIRST_REQUEST_MS 2000
#define NSS_CONNS_PER_UID    64

struct nss_conn;

struct nss_server {
	struct loop_source src;
	struct server *srv;
	const char *path;
	int refs;                  /* its own + one per connection */
	int closed;
	size_t n_conns;
	int n_enum;                /* enumerations in flight or being sent */
	uid_t enum_uid[NSS_ENUM_CONCURRENT];  /* whose (the first n_enum) */
	size_t n_jobs;             /* lookups queued or running */
	struct loop_timer pause;   /* out of descriptors: accept again later */
	struct nss_conn *conns;
};

struct nss_conn {
	struct loop_source src;
	struct loop_timer timer;
	struct nss_server *ns;
	struct nss_conn *prev, *next;
	int refs;                  /* the list's + one per job in flight */
	int closed;
	int busy;                  /* a job or an answer in flight */
	int holds_enum;            /* its wbuf is an enumeration (n_enum) */
	uint64_t send_until;       /* loop_now_ms(): the answer is sent by then */
	uid_t uid;                 /* the peer's (SO_PEERCRED) */
	uint32_t events;
	struct authd_buf *rbuf;
	struct authd_buf *wbuf;    /* the answer being sent */
	struct loop_deferred reap; /* freed after the round it was let go in */
};

struct nss_job {
	struct job_head head;
	struct nss_conn *conn;     /* loop thread only */
	const struct authd_conf *conf;
	uint8_t type;
	char name[AUTHD_NSS_NAME_MAX + 1];
	uint32_t id;
	int is_enum;
	struct authd_buf *out;     /* the answer, built by the worker */
};

static void nss_conn_on_event(struct loop_source *src, uint32_t events);
static void nss_conn_process(struct nss_conn *c);

static void
ns_unref(struct nss_server *ns)
{
	if (--ns->refs == 0)
		free(ns);
}

static void
nss_conn_free(struct loop_deferred *d)
{
	struct nss_conn *c = (struct nss_conn *)((char *)d -
	    offsetof(struct nss_conn, reap));

	authd_buf_free(&c->rbuf);
	authd_buf_free(&c->wbuf);
	ns_unref(c->ns);
	free(c);
}

static void
nss_conn_unref(struct nss_conn *c)
{
	if (--c->refs > 0)
		return;
	/* not now: an event of this round may still point at it */
	loop_defer(c->ns->srv->loop, &c->reap, nss_conn_free);
}

/*
 * The enumerations uid has running or being sent, its connections open or
 * not: one closed with its walk still on a worker holds its place.
 */
static int
enums_of(const struct nss_server *ns, uid_t uid)
{
	int i, n = 0;

	for (i = 0; i < ns->n_enum; i++)
		n += ns->enum_uid[i] == uid;
	return n;
}

/* One of uid's enumeration places given back. */
static void
enum_give_back(struct nss_server *ns, uid_t uid)
{
	int i;

	for (i = 0; i < ns->n_enum; i++)
		if (ns->enum_uid[i] == uid) {
			ns->enum_uid[i] = ns->enum_uid[--ns->n_enum];
			return;
		}
}

static void
release_enum(struct nss_conn *c)
{
	if (c->holds_enum) {
		c->holds_enum = 0;
		enum_give_back(c->ns, c->uid);
	}
}

static void
nss_conn_close(struct nss_conn *c)
{
	struct nss_server *ns = c->ns;

	if (c->closed)
		return;
	c->closed = 1;
	release_enum(c);
	loop_timer_cancel(ns->srv->loop, &c->timer);
	loop_close(ns->srv->loop, &c->src);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		ns->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	ns->n_conns--;
	nss_conn_unref(c);
}

/* An answer not taken whole within NSS_IO_TIMEOUT_MS: said, and closed. */
static void
nss_conn_too_slow(struct nss_conn *c)
{
	authd_log(LOG_NOTICE, "nss: uid %ld did not take its answer within "
	    "%d s; closed", (long)c->uid, NSS_IO_TIMEOUT_MS / 1000);
	nss_conn_close(c);
}

/* Idle, silent or too slow a reader (a deadline past while sending). */
static void
nss_conn_on_timer(struct loop_timer *t)
{
	struct nss_conn *c = t->arg;

	if (c->wbuf != NULL && c->send_until != 0)
		nss_conn_too_slow(c);
	else
		nss_conn_close(c);
}

static void
nss_conn_watch(struct nss_conn *c, uint32_t events, uint64_t timeout_ms)
{
	if (c->closed)
		return;
	if (events != c->events) {
		if (loop_mod(c->ns->srv->loop, &c->src, events) != AUTHD_OK) {
			nss_conn_close(c);
			return;
		}
		c->events = events;
	}
	if (timeout_ms == 0)
		loop_timer_cancel(c->ns->srv->loop, &c->timer);
	else if (loop_timer_after(c->ns->srv->loop, &c->timer,
	    timeout_ms) != AUTHD_OK)
		nss_conn_close(c);
}

/* Send what is left of the answer; then listen for the next request. */
static void
nss_conn_flush(struct nss_conn *c)
{
	uint64_t now;

	if (c->closed)
		return;
	if (c->wbuf != NULL) {
		switch (loop_send_buf(c->src.fd, c->wbuf)) {
		case LOOP_SEND_LATER:
			now = loop_now_ms();
			if (c->send_until == 0)
				c->send_until = now + NSS_IO_TIMEOUT_MS;
			if (now >= c->send_until) {
				nss_conn_too_slow(c);
				return;
			}
			nss_conn_watch(c, EPOLLOUT, c->send_until - now);
			return;
		case LOOP_SEND_FAILED:
			nss_conn_close(c);
			return;
		}
	}
	authd_buf_free(&c->wbuf);
	release_enum(c);
	c->send_until = 0;
	c->busy = 0;
	nss_conn_watch(c, EPOLLIN | EPOLLRDHUP, NSS_IO_TIMEOUT_MS);
	nss_conn_process(c);
}

/* An answer that needs no directory: queue it at once. */
static void
nss_conn_answer_status(struct nss_conn *c, uint8_t status)
{
	if ((c->wbuf = authd_buf_new(64)) == NULL ||
	    authd_nss_put_status(c->wbuf, status) != AUTHD_OK) {
		nss_conn_close(c);
		return;
	}
	c->busy = 1;
	nss_conn_flush(c);
}

/* ---- worker side ---- */

/*
 * Entries are encoded in a scratch buffer and put into the answer whole: one
 * that does not fit stops the walk without leaving half a frame behind.
 */
static int
put_frame(struct authd_buf *out, struct authd_buf **f)
{
	/* room kept for an enumeration's END (answers are made that much larger) */
	int r = authd_buf_room(out) < authd_buf_len(*f) + NSS_END_ROOM ||
	    authd_buf_put(out, authd_buf_ptr(*f), authd_buf_len(*f)) != AUTHD_OK;

	authd_buf_free(f);
	return r;
}

static int
put_passwd(void *arg, const struct dir_nss_passwd *pw)
{
	struct authd_buf *f;
	size_t start;

	if ((f = authd_buf_new(NSS_ANSWER_MAX)) == NULL)
		return 1;
	if (authd_nss_frame_begin(f, AUTHD_NSS_PASSWD, &start) != AUTHD_OK ||
	    authd_nss_add_str(f, AUTHD_NSS_F_NAME, pw->name) != AUTHD_OK ||
	    authd_nss_add_u32(f, AUTHD_NSS_F_ID, pw->uid) != AUTHD_OK ||
	    authd_nss_add_u32(f, AUTHD_NSS_F_GID, pw->gid) != AUTHD_OK ||
	    authd_nss_add_str(f, AUTHD_NSS_F_GECOS, pw->gecos) != AUTHD_OK ||
	    authd_nss_add_str(f, AUTHD_NSS_F_HOME, pw->home) != AUTHD_OK ||
	    authd_nss_add_str(f, AUTHD_NSS_F_SHELL, pw->shell) != AUTHD_OK ||
	    authd_nss_frame_end(f, start) != AUTHD_OK) {
		authd_buf_free(&f);
		return 1;
	}
	return put_frame(arg, &f);   /* out is full: stop the walk */
}

/* One GROUP frame in a scratch buffer first: members that do not fit are
 * left out (logged), never the frame's bounds broken. */
static int
put_group(void *arg, const struct dir_nss_group *gr)
{
	struct authd_buf *out = arg, *f;
	size_t start, i;
	int r = 1;

	if ((f = authd_buf_new(NSS_ANSWER_MAX)) == NULL)
		return 1;
	if (authd_nss_frame_begin(f, AUTHD_NSS_GROUP, &start) != AUTHD_OK ||
	    authd_nss_add_str(f, AUTHD_NSS_F_NAME, gr->name) != AUTHD_OK ||
	    authd_nss_add_u32(f, AUTHD_NSS_F_ID, gr->gid) != AUTHD_OK)
		goto out;
	for (i = 0; i < gr->nmembers; i++) {
		/* the module refuses a frame of more fields (NAME and ID are two) */
		if (i + 2 >= AUTHD_NSS_MAX_FIELDS ||
		    authd_buf_room(f) < 4 + strlen(gr->members[i]) ||
		    authd_nss_add_str(f, AUTHD_NSS_F_MEMBER,
		    gr->members[i]) != AUTHD_OK) {
			authd_log(LOG_WARNING, "nss: group %s: %zu members "
			    "do not fit in an answer; %zu left out", gr->name,
			    gr->nmembers, gr->nmembers - i);
			break;
		}
	}
	if (authd_nss_frame_end(f, start) != AUTHD_OK)
		goto out;
	return put_frame(out, &f);
 out:
	authd_buf_free(&f);
	return r;
}

static uint8_t
status_of(int st)
{
	switch (st) {
	case DIR_NOT_FOUND:
		return AUTHD_NSS_S_NOTFOUND;
	default:
		return AUTHD_NSS_S_UNAVAIL;
	}
}

static void
nss_job_run(struct job *jj, struct dir_conn *dc)
{
	struct nss_job *j = (struct nss_job *)jj;
	uint32_t gids[NSS_MAX_GIDS];
	size_t n, i, start;
	int st, trunc = 0;

	if (dc == NULL) {
		st = DIR_UNAVAILABLE;
		goto status;
	}
	switch (j->type) {
	case AUTHD_NSS_GETPWNAM:
		st = dir_nss_passwd_by_name(dc, j->conf, j->name, put_passwd, j->out);
		break;
	case AUTHD_NSS_GETPWUID:
		st = dir_nss_passwd_by_uid(dc, j->conf, j->id, put_passwd, j->out);
		break;
	case AUTHD_NSS_GETGRNAM:
		st = dir_nss_group_by_name(dc, j->conf, j->name, put_group, j->out);
		break;
	case AUTHD_NSS_GETGRGID:
		st = dir_nss_group_by_gid(dc, j->conf, j->id, put_group, j->out);
		break;
	case AUTHD_NSS_INITGROUPS:
		if ((st = dir_nss_gids_of(dc, j->conf, j->name, gids, NSS_MAX_GIDS,
		    &n)) != DIR_OK)
			break;
		if (authd_nss_frame_begin(j->out, AUTHD_NSS_GIDS, &start) != AUTHD_OK)
			st = DIR_ERROR;
		for (i = 0; st == DIR_OK && i < n; i++)
			if (authd_nss_add_u32(j->out, AUTHD_NSS_F_GID,
			    gids[i]) != AUTHD_OK)
				st = DIR_ERROR;
		if (st == DIR_OK && authd_nss_frame_end(j->out, start) != AUTHD_OK)
			st = DIR_ERROR;
		break;
	case AUTHD_NSS_ENUM_PASSWD:
		st = dir_nss_passwd_walk(dc, j->conf, NSS_ENUM_MAX, put_passwd,
		    j->out, &trunc);
		break;
	case AUTHD_NSS_ENUM_GROUP:
		st = dir_nss_group_walk(dc, j->conf, NSS_ENUM_MAX, put_group,
		    j->out, &trunc);
		break;
	default:
		st = DIR_ERROR;
		break;
	}
	if (st != DIR_OK && st != DIR_NOT_FOUND)
		authd_log(LOG_WARNING, "nss: directory: %s", dir_conn_error(dc));
	if (trunc || (j->is_enum && authd_buf_room(j->out) < 64 + NSS_ANSWER_MAX))
		authd_log(LOG_WARNING, "nss: enumeration cut at its bound "
		    "(%d entries, %u bytes)", NSS_ENUM_MAX, NSS_ENUM_BYTES);
	if (j->is_enum && (st == DIR_OK || st == DIR_NOT_FOUND)) {
		/* Entries so far, then END: an empty walk is an empty list. */
		if (authd_nss_put_status(j->out, AUTHD_NSS_S_END) == AUTHD_OK)
			return;
		st = DIR_ERROR;
	}
	if (st == DIR_OK)
		return;
 status:
	/* Whatever was encoded goes; the answer is the status alone. */
	authd_buf_reset(j->out);
	(void)authd_nss_put_status(j->out, status_of(st));
}

static void
nss_job_done(struct job *jj, int cancelled)
{
	struct nss_job *j = (struct nss_job *)jj;
	struct nss_conn *c = j->conn;

	c->ns->n_jobs--;
	if (j->is_enum) {
		/* an enumeration's answer counts until it is sent (or dropped) */
		if (!cancelled && !c->closed)
			c->holds_enum = 1;
		else
			enum_give_back(c->ns, c->uid);
	}
	if (!cancelled && !c->closed) {
		c->wbuf = j->out;
		j->out = NULL;
		nss_conn_flush(c);
	}
	authd_buf_free(&j->out);
	nss_conn_unref(c);
	free(j);
}

static const struct job_ops nss_job_ops = {
	.name = "nss",
	.needs_dir = 1,
	.run = nss_job_run,
	.done = nss_job_done,
};

/* ---- requests ---- */

static int
parse_request(const struct authd_nss_frame *f, struct nss_job *j)
{
	struct authd_nss_field fld;
	size_t off = 0;
	int have_name = 0, have_id = 0, nfields = 0;

	while (authd_nss_field_next(f, &off, &fld)) {
		nfields++;
		if (fld.tag == AUTHD_NSS_F_NAME && fld.len <= AUTHD_NSS_NAME_MAX) {
			memcpy(j->name, fld.val, fld.len);
			j->name[fld.len] = '\0';
			have_name = 1;
		} else if (fld.tag == AUTHD_NSS_F_ID) {
			j->id = authd_nss_field_u32(&fld);
			have_id = 1;
		} else
			return -1;
	}
	switch (f->type) {
	case AUTHD_NSS_GETPWNAM: case AUTHD_NSS_GETGRNAM: case AUTHD_NSS_INITGROUPS:
		return have_name && nfields == 1 ? 0 : -1;
	case AUTHD_NSS_GETPWUID: case AUTHD_NSS_GETGRGID:
		return have_id && nfields == 1 ? 0 : -1;
	case AUTHD_NSS_ENUM_PASSWD: case AUTHD_NSS_ENUM_GROUP:
		return nfields == 0 ? 0 : -1;
	default:
		return -1;
	}
}

static void
nss_conn_request(struct nss_conn *c, const struct authd_nss_frame *f)
{
	struct nss_server *ns = c->ns;
	struct server *srv = ns->srv;
	struct nss_job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		nss_conn_close(c);
		return;
	}
	j->head.ops = &nss_job_ops;
	j->conf = srv->conf;
	j->type = f->type;
	if (parse_request(f, j) != 0) {
		free(j);
		authd_log(LOG_NOTICE, "nss: malformed request (type %u)",
		    (unsigned)f->type);
		nss_conn_answer_status(c, AUTHD_NSS_S_PROTOCOL);
		return;
	}
	j->is_enum = f->type == AUTHD_NSS_ENUM_PASSWD ||
	    f->type == AUTHD_NSS_ENUM_GROUP;
	if (j->is_enum && !srv->conf->nss_enumerate) {
		free(j);
		nss_conn_answer_status(c, AUTHD_NSS_S_DISABLED);
		return;
	}
	/* connections closed with their lookup queued still count here */
	if ((j->is_enum && (ns->n_enum >= NSS_ENUM_CONCURRENT ||
	    (c->uid != 0 && enums_of(ns, c->uid) > 0))) ||
	    ns->n_jobs >= (size_t)srv->conf->max_clients) {
		free(j);
		nss_conn_answer_status(c, AUTHD_NSS_S_TRYAGAIN);
		return;
	}
	if (srv->workers == NULL || (j->out = authd_buf_new((j->is_enum ?
	    NSS_ENUM_BYTES : NSS_ANSWER_MAX) + NSS_END_ROOM)) == NULL) {
		free(j);
		nss_conn_answer_status(c, AUTHD_NSS_S_UNAVAIL);
		return;
	}
	if (j->is_enum)
		ns->enum_uid[ns->n_enum++] = c->uid;
	ns->n_jobs++;
	j->conn = c;
	c->refs++;
	c->busy = 1;
	/* No reading and no deadline while the directory works. */
	nss_conn_watch(c, 0, 0);
	worker_pool_submit(srv->workers, &j->head);
}

/* Frames waiting in rbuf: one request at a time. */
static void
nss_conn_process(struct nss_conn *c)
{
	uint8_t req[NSS_REQ_MAX];
	struct authd_nss_frame f;
	size_t used;
	int r;

	if (c->closed || c->busy)
		return;
	r = authd_nss_frame_check(authd_buf_ptr(c->rbuf), authd_buf_len(c->rbuf),
	    &f, &used);
	if (r == AUTHD_ERR_INCOMPLETE)
		return;
	if (r != AUTHD_OK || f.type >= AUTHD_NSS_PASSWD || used > sizeof(req)) {
		authd_log(LOG_NOTICE, "nss: protocol error: %s",
		    r != AUTHD_OK ? authd_strerror(r) : "an answer sent as request");
		nss_conn_close(c);
		return;
	}
	/*
	 * Taken off the buffer before it is answered: an answer made at once
	 * (a malformed request, enumeration off) goes on to the next request,
	 * never back to this one.
	 */
	memcpy(req, authd_buf_ptr(c->rbuf), used);
	authd_buf_consume(c->rbuf, used);
	if (authd_nss_frame_check(req, used, &f, &used) != AUTHD_OK) {
		nss_conn_close(c);
		return;
	}
	nss_conn_request(c, &f);
}

static void
nss_conn_read(struct nss_conn *c)
{
	ssize_t n;

	/* EMSGSIZE: a request longer than any valid one */
	n = authd_buf_read(c->rbuf, c->src.fd, NULL);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		nss_conn_close(c);
		return;
	}
	if (n > 0)
		nss_conn_process(c);
}

static void
nss_conn_on_event(struct loop_source *src, uint32_t events)
{
	struct nss_conn *c = src->arg;

	c->refs++;
	/* Reported even while nothing is watched (busy): the caller is gone. */
	if (events & (EPOLLERR | EPOLLHUP))
		nss_conn_close(c);
	if (!c->closed && (events & EPOLLOUT))
		nss_conn_flush(c);
	if (!c->closed && !c->busy && (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)))
		nss_conn_read(c);
	nss_conn_unref(c);
}

/* How many connections uid has open. */
static size_t
conns_of(const struct nss_server *ns, uid_t uid)
{
	const struct nss_conn *c;
	size_t n = 0;

	for (c = ns->conns; c != NULL; c = c->next)
		n += c->uid == uid;
	return n;
}

static void
nss_conn_new(struct nss_server *ns, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct nss_conn *c;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    len != sizeof(cred)) {
		close(fd);
		return;
	}
	/* one user cannot take every slot from the others (and from root) */
	if (cred.uid != 0 && conns_of(ns, cred.uid) >= NSS_CONNS_PER_UID) {
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->rbuf = authd_buf_new(NSS_REQ_MAX)) == NULL) {
		free(c);
		close(fd);
		return;
	}
	c->ns = ns;
	c->refs = 1;
	c->uid = cred.uid;
	c->src.fd = fd;
	c->src.on_event = nss_conn_on_event;
	c->src.arg = c;
	loop_timer_init(&c->timer, nss_conn_on_timer, c);
	c->events = EPOLLIN | EPOLLRDHUP;
	if (loop_add(ns->srv->loop, &c->src, c->events) != AUTHD_OK) {
		authd_buf_free(&c->rbuf);
		free(c);
		close(fd);
		return;
	}
	ns->refs++;
	if ((c->next = ns->conns) != NULL)
		c->next->prev = c;
	ns->conns = c;
	ns->n_conns++;
	nss_conn_watch(c, c->events, NSS_FIRST_REQUEST_MS);
}

static void
nss_on_accept(struct loop_source *src, uint32_t events)
{
	struct nss_server *ns = src->arg;
	int fd, i;

	(void)events;
	for (i = 0; i < 64; i++) {
		fd = accept4(src->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				authd_log(LOG_ERR, "nss: accept: %s; pausing",
				    strerror(errno));
				(void)loop_mod(ns->srv->loop, &ns->src, 0);
				(void)loop_timer_after(ns->srv->loop, &ns->pause,
				    NSS_ACCEPT_PAUSE_MS);
			}
			return;
		}
		/* Refused by closing: the module answers "unavailable" at once. */
		if (ns->n_conns >= (size_t)ns->srv->conf->max_clients) {
			close(fd);
			continue;
		}
		nss_conn_new(ns, fd);
	}
}

static void
nss_on_accept_resume(struct loop_timer *t)
{
	struct nss_server *ns = t->arg;

	(void)loop_mod(ns->srv->loop, &ns->src, EPOLLIN);
}

int
nss_server_listen(struct server *srv, char *err, size_t errlen)
{
	struct nss_server *ns;
	int fd, r;

	/* The module must never ask authd about itself (it would wait on its
	 * own loop): it answers "unavailable" in this process. */
	setenv("AUTHD_NSS_SELF", "1", 1);
	if ((r = loop_listen_unix(srv->conf->nss_socket_path, 0666, NSS_BACKLOG,
	    &fd, err, errlen)) != AUTHD_OK)
		return r;
	if ((ns = calloc(1, sizeof(*ns))) == NULL) {
		close(fd);
		unlink(srv->conf->nss_socket_path);
		return AUTHD_ERR_NOMEM;
	}
	ns->srv = srv;
	ns->path = srv->conf->nss_socket_path;
	ns->refs = 1;
	ns->src.fd = fd;
	ns->src.on_event = nss_on_accept;
	ns->src.arg = ns;
	loop_timer_init(&ns->pause, nss_on_accept_resume, ns);
	if ((r = loop_add(srv->loop, &ns->src, EPOLLIN)) != AUTHD_OK) {
		snprintf(err, errlen, "%s: epoll: %s", ns->path, strerror(errno));
		close(fd);
		unlink(ns->path);
		free(ns);
		return r;
	}
	srv->nss = ns;
	return AUTHD_OK;
}

void
nss_server_close(struct server *srv)
{
	struct nss_server *ns = srv->nss;

	if (ns == NULL)
		return;
	srv->nss = NULL;
	loop_timer_cancel(srv->loop, &ns->pause);
	loop_del(srv->loop, &ns->src);
	close(ns->src.fd);
	unlink(ns->path);
	ns->closed = 1;
	while (ns->conns != NULL)
		nss_conn_close(ns->conns);
	ns_unref(ns);
}
