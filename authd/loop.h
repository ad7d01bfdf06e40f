/*
 * The event loop of authd: one epoll set on the main thread, a heap of
 * deadlines, and the listening sockets. Nothing registered here may block.
 */
#ifndef AUTHD_LOOP_H
#define AUTHD_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct loop;

/* Something with a file descriptor in the epoll set. */
struct loop_source {
	int fd;
	void (*on_event)(struct loop_source *src, uint32_t events);
	void *arg;
};

/*
 * Work put off until the events of the current round are handled: an object
 * freed in a callback may still have an event of its own later in the same
 * round, whose pointer epoll already handed out. Embedded in the object.
 */
struct loop_deferred {
	struct loop_deferred *next;
	void (*run)(struct loop_deferred *d);
};

/* A deadline on the monotonic clock, in milliseconds. */
struct loop_timer {
	uint64_t when;
	size_t slot;        /* place in the heap; LOOP_TIMER_IDLE when not armed */
	void (*on_expire)(struct loop_timer *t);
	void *arg;
};
#define LOOP_TIMER_IDLE ((size_t)-1)

int loop_new(struct loop **loop_r);
void loop_free(struct loop **loopp);

int loop_add(struct loop *l, struct loop_source *src, uint32_t events);
int loop_mod(struct loop *l, struct loop_source *src, uint32_t events);
void loop_del(struct loop *l, struct loop_source *src);
/*
 * Close a source's fd, which nothing else holds (not duplicated, and authd
 * does not fork once serving): its last close takes it out of the epoll set
 * without an EPOLL_CTL_DEL, a system call less for every connection.
 */
void loop_close(struct loop *l, struct loop_source *src);

void loop_timer_init(struct loop_timer *t, void (*on_expire)(struct loop_timer *), void *arg);
/* Arm (or re-arm) t to fire at now + ms. */
int loop_timer_after(struct loop *l, struct loop_timer *t, uint64_t ms);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);

uint64_t loop_now_ms(void);

/* Run d->run(d) once this round's events are handled (or at loop_free). */
void loop_defer(struct loop *l, struct loop_deferred *d,
    void (*run)(struct loop_deferred *d));

/* Serve until loop_stop(); AUTHD_OK or a negative error of epoll. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

/*
 * Listen on a UNIX stream socket at path with the given mode, owned by root.
 * Creates the parent directory (0755) when missing. A stale socket is
 * replaced; one on which another process answers is refused
 * (AUTHD_ERR_INVALID, message in err).
 */
int loop_listen_unix(const char *path, mode_t mode, int backlog, int *fd_r,
    char *err, size_t errlen);

struct authd_buf;

/*
 * Send what b holds on the non-blocking socket fd, as far as it goes:
 * LOOP_SENT (all of it), LOOP_SEND_LATER (the socket is full: watch for
 * EPOLLOUT), or LOOP_SEND_FAILED (the peer is gone).
 */
enum { LOOP_SENT, LOOP_SEND_LATER, LOOP_SEND_FAILED };
int loop_send_buf(int fd, struct authd_buf *b);

/* Create the missing folders above the file at path with mode. */
int loop_mkdir_parents(const char *path, mode_t mode, char *err, size_t errlen);

#endif
