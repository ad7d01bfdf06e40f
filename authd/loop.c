#include "config.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "loop.h"

#define LOOP_MAX_EVENTS 64

struct loop {
	int epfd;
	int stop;
	struct loop_timer **heap;
	size_t nheap;
	size_t heap_alloc;
	struct loop_deferred *deferred;
};

void
loop_defer(struct loop *l, struct loop_deferred *d,
    void (*run)(struct loop_deferred *d))
{
	d->run = run;
	d->next = l->deferred;
	l->deferred = d;
}

static void
loop_run_deferred(struct loop *l)
{
	struct loop_deferred *d;

	while ((d = l->deferred) != NULL) {
		l->deferred = d->next;
		d->run(d);
	}
}

uint64_t
loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
loop_new(struct loop **loop_r)
{
	struct loop *l;

	*loop_r = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return AUTHD_ERR_NOMEM;
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(l);
		return AUTHD_ERR_IO;
	}
	*loop_r = l;
	return AUTHD_OK;
}

void
loop_free(struct loop **loopp)
{
	struct loop *l;

	if (loopp == NULL || (l = *loopp) == NULL)
		return;
	loop_run_deferred(l);
	close(l->epfd);
	free(l->heap);
	free(l);
	*loopp = NULL;
}

static int
loop_ctl(struct loop *l, int op, struct loop_source *src, uint32_t events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = src;
	if (epoll_ctl(l->epfd, op, src->fd, &ev) == -1)
		return AUTHD_ERR_IO;
	return AUTHD_OK;
}

int
loop_add(struct loop *l, struct loop_source *src, uint32_t events)
{
	return loop_ctl(l, EPOLL_CTL_ADD, src, events);
}

int
loop_mod(struct loop *l, struct loop_source *src, uint32_t events)
{
	return loop_ctl(l, EPOLL_CTL_MOD, src, events);
}

void
loop_del(struct loop *l, struct loop_source *src)
{
	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, src->fd, NULL);
}

void
loop_close(struct loop *l, struct loop_source *src)
{
	(void)l;
	if (src->fd != -1)
		close(src->fd);
	src->fd = -1;
}

/* The timer heap: a binary min-heap on `when`; each timer knows its slot. */

static void
heap_set(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->slot = i;
}

static void
heap_up(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	while (i > 0 && l->heap[(i - 1) / 2]->when > t->when) {
		heap_set(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(l, i, t);
}

static void
heap_down(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && l->heap[c + 1]->when < l->heap[c]->when)
			c++;
		if (l->heap[c]->when >= t->when)
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

void
loop_timer_init(struct loop_timer *t, void (*on_expire)(struct loop_timer *), void *arg)
{
	t->when = 0;
	t->slot = LOOP_TIMER_IDLE;
	t->on_expire = on_expire;
	t->arg = arg;
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	size_t i = t->slot;
	struct loop_timer *last;

	if (i == LOOP_TIMER_IDLE)
		return;
	t->slot = LOOP_TIMER_IDLE;
	last = l->heap[--l->nheap];
	if (last == t)
		return;
	heap_set(l, i, last);
	heap_up(l, i);
	heap_down(l, last->slot);
}

int
loop_timer_after(struct loop *l, struct loop_timer *t, uint64_t ms)
{
	struct loop_timer **nh;
	size_t na;

	loop_timer_cancel(l, t);
	if (l->nheap == l->heap_alloc) {
		na = l->heap_alloc == 0 ? 64 : l->heap_alloc * 2;
		if ((nh = reallocarray(l->heap, na, sizeof(*nh))) == NULL)
			return AUTHD_ERR_NOMEM;
		l->heap = nh;
		l->heap_alloc = na;
	}
	t->when = loop_now_ms() + ms;
	heap_set(l, l->nheap++, t);
	heap_up(l, t->slot);
	return AUTHD_OK;
}

/* Fire every timer that is due; returns the epoll timeout until the next. */
static int
loop_fire_timers(struct loop *l)
{
	uint64_t now = loop_now_ms();
	struct loop_timer *t;

	while (l->nheap > 0 && !l->stop) {
		t = l->heap[0];
		if (t->when > now) {
			uint64_t wait = t->when - now;
			return wait > 60000 ? 60000 : (int)wait;
		}
		loop_timer_cancel(l, t);
		t->on_expire(t);
	}
	return -1;
}

int
loop_run(struct loop *l)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];
	struct loop_source *src;
	int n, i, timeout;

	while (!l->stop) {
		timeout = loop_fire_timers(l);
		if (l->stop)
			break;
		n = epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS, timeout);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return AUTHD_ERR_IO;
		}
		for (i = 0; i < n && !l->stop; i++) {
			src = evs[i].data.ptr;
			src->on_event(src, evs[i].events);
		}
		loop_run_deferred(l);
	}
	return AUTHD_OK;
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}

int
loop_send_buf(int fd, struct authd_buf *b)
{
	ssize_t n;

	while (authd_buf_len(b) > 0) {
		n = send(fd, authd_buf_ptr(b), authd_buf_len(b),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			authd_buf_consume(b, (size_t)n);
		else if (n == -1 && errno == EINTR)
			continue;
		else if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return LOOP_SEND_LATER;
		else
			return LOOP_SEND_FAILED;
	}
	return LOOP_SENT;
}

/* mkdir -p for a file's folder; no systemd creates /run/authd here. */
int
loop_mkdir_parents(const char *path, mode_t mode, char *err, size_t errlen)
{
	char dir[4096];
	char *p;

	if (strlen(path) >= sizeof(dir)) {
		snprintf(err, errlen, "%s: path too long", path);
		return AUTHD_ERR_TOO_LONG;
	}
	strcpy(dir, path);
	if ((p = strrchr(dir, '/')) == NULL || p == dir)
		return AUTHD_OK;
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(dir, mode) == -1 && errno != EEXIST) {
				snprintf(err, errlen, "%s: cannot create: %s", dir,
				    strerror(errno));
				return AUTHD_ERR_IO;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	return AUTHD_OK;
}

/* An existing file at path: refuse a live authd or a non-socket, remove a stale one. */
static int
clear_stale_socket(const char *path, const struct sockaddr_un *sun,
    char *err, size_t errlen)
{
	struct stat st;
	int fd, r;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? AUTHD_OK : AUTHD_ERR_IO;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a socket", path);
		return AUTHD_ERR_INVALID;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return AUTHD_ERR_IO;
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (r == 0) {
		snprintf(err, errlen, "%s: another authd is serving this socket",
		    path);
		return AUTHD_ERR_INVALID;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "%s: cannot remove stale socket: %s", path,
		    strerror(errno));
		return AUTHD_ERR_IO;
	}
	return AUTHD_OK;
}

int
loop_listen_unix(const char *path, mode_t mode, int backlog, int *fd_r,
    char *err, size_t errlen)
{
	struct sockaddr_un sun;
	mode_t old_mask;
	int fd = -1, r;

	*fd_r = -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return AUTHD_ERR_TOO_LONG;
	}
	strcpy(sun.sun_path, path);
	if ((r = loop_mkdir_parents(path, 0755, err, errlen)) != AUTHD_OK)
		goto out;
	if ((r = clear_stale_socket(path, &sun, err, errlen)) != AUTHD_OK)
		goto out;
	r = AUTHD_ERR_IO;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto out;
	}
	/* Never let the socket exist, even briefly, with a wider mode. */
	old_mask = umask(0777 & ~mode);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old_mask);
		snprintf(err, errlen, "%s: bind: %s", path, strerror(errno));
		goto out;
	}
	umask(old_mask);
	if ((geteuid() == 0 && chown(path, 0, 0) == -1) ||
	    chmod(path, mode) == -1) {
		snprintf(err, errlen, "%s: cannot set owner/mode: %s", path,
		    strerror(errno));
		unlink(path);
		goto out;
	}
	if (listen(fd, backlog) == -1) {
		snprintf(err, errlen, "%s: listen: %s", path, strerror(errno));
		unlink(path);
		goto out;
	}
	*fd_r = fd;
	fd = -1;
	r = AUTHD_OK;
out:
	if (fd != -1)
		close(fd);
	return r;
}
