#include "config.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "err.h"
#include "log.h"
#include "loop.h"
#include "worker.h"

/*
 * Group commit: the syncer waits for the jobs that were already running on
 * workers when a record asked for a sync, and for the loop's own binds then
 * in flight (worker_pool_expect): their records are a moment away. At most
 * this long, so that one fdatasync serves them all. Jobs started later do
 * not hold it up; alone (one login at a time) it never waits. Fewer syncs
 * are less work for every CPU: with {SSHA} at 16 clients a login's share of
 * the machine fell from about 215 to 178 us of CPU when the loop's binds
 * were waited for too (bench/README.md).
 */
#define SYNC_GATHER_NS 400000

struct job_list {
	struct job_head *head;
	struct job_head *tail;
};

/*
 * Three hand-offs, each with its own lock so that the loop submitting, the
 * workers finishing and the syncer syncing do not queue on one mutex:
 * todo (loop -> workers), syncq (workers, loop -> syncer), done (workers,
 * syncer -> loop, through an eventfd).
 */
struct worker_pool {
	struct loop *loop;
	struct dir_pool *dir;
	struct authd_audit *audit;

	pthread_mutex_t mu;              /* todo, idle, stopping */
	pthread_cond_t cv;
	struct job_list todo;            /* waiting for a worker */
	int idle;                        /* workers waiting on cv */
	int stopping;
	_Atomic unsigned long started;   /* jobs taken by workers, loop binds sent */

	pthread_mutex_t sync_mu;         /* syncq, sync_state, finished, ... */
	pthread_cond_t sync_cv;
	struct job_list syncq;           /* run, their records not yet on disk */
	enum { SYNC_BUSY, SYNC_IDLE, SYNC_GATHERING } sync_state;
	unsigned long sync_target;       /* GATHERING: until finished reaches it */
	unsigned long finished;          /* of those, run (or answered) and handed on */
	int sync_stopping;               /* the workers are gone: drain and end */

	pthread_mutex_t done_mu;
	struct job_list done;            /* finished, waiting for the loop */
	struct loop_source done_src;     /* eventfd: "done is not empty" */

	size_t pending;                  /* submitted, not yet done() (loop only) */
	pthread_t *threads;
	int nthreads;
	pthread_t syncer;
	int have_syncer;
};

static void
list_push(struct job_list *l, struct job_head *j)
{
	j->next = NULL;
	if (l->tail != NULL)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
}

/* Append the chain first..last (linked through next). */
static void
list_append(struct job_list *l, struct job_head *first, struct job_head *last)
{
	if (l->tail != NULL)
		l->tail->next = first;
	else
		l->head = first;
	l->tail = last;
}

static struct job_head *
list_take_all(struct job_list *l)
{
	struct job_head *j = l->head;

	l->head = l->tail = NULL;
	return j;
}

/* Hand finished jobs to the loop; it is woken only when the list was empty. */
static void
to_loop(struct worker_pool *p, struct job_head *first, struct job_head *last)
{
	uint64_t one = 1;
	int was_empty;

	pthread_mutex_lock(&p->done_mu);
	was_empty = p->done.head == NULL;
	list_append(&p->done, first, last);
	pthread_mutex_unlock(&p->done_mu);
	/* A full counter only means the loop already has a wakeup pending. */
	if (was_empty && write(p->done_src.fd, &one, sizeof(one)) == -1 &&
	    errno != EAGAIN)
		authd_log(LOG_ERR, "worker: eventfd write failed");
}

/*
 * A job that has run (on a worker when counted): to the syncer if its
 * records must reach the disk first, else to the loop. The syncer is woken
 * only when it waits for this: idle with nothing queued, or gathering and
 * this was the last job it waited for. Not once per job.
 */
static void
job_ran(struct worker_pool *p, struct job_head *j, int counted)
{
	int to_sync = j->audit_end > 0 && p->have_syncer, wake = 0;

	j->next = NULL;
	if (p->have_syncer) {
		pthread_mutex_lock(&p->sync_mu);
		if (to_sync)
			list_push(&p->syncq, j);
		if (counted)
			p->finished++;
		if (p->sync_state == SYNC_IDLE)
			wake = to_sync;
		else if (p->sync_state == SYNC_GATHERING)
			wake = p->finished >= p->sync_target;
		pthread_mutex_unlock(&p->sync_mu);
		if (wake)
			pthread_cond_signal(&p->sync_cv);
	}
	if (!to_sync)
		to_loop(p, j, j);
}

/*
 * The syncer: one fdatasync for every job whose records were written since
 * the last one (group commit). Workers never wait for the disk; a job waits
 * here, holding no worker and no directory connection.
 */
static void *
syncer_main(void *arg)
{
	struct worker_pool *p = arg;
	struct job_head *batch, *j, *last;
	struct timespec until;
	off_t end;
	int r;

	for (;;) {
		pthread_mutex_lock(&p->sync_mu);
		p->sync_state = SYNC_IDLE;
		while (p->syncq.head == NULL && !p->sync_stopping)
			pthread_cond_wait(&p->sync_cv, &p->sync_mu);
		if (p->syncq.head == NULL) {
			pthread_mutex_unlock(&p->sync_mu);
			return NULL;
		}
		/* Others are deciding: their records are a moment away. */
		p->sync_target = p->started;
		p->sync_state = SYNC_GATHERING;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += SYNC_GATHER_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (p->finished < p->sync_target && !p->sync_stopping &&
		    pthread_cond_timedwait(&p->sync_cv, &p->sync_mu,
		    &until) == 0)
			;
		p->sync_state = SYNC_BUSY;
		batch = list_take_all(&p->syncq);
		pthread_mutex_unlock(&p->sync_mu);

		end = 0;
		for (j = batch; j != NULL; j = j->next)
			if (j->audit_end > end)
				end = j->audit_end;
		r = authd_audit_sync(p->audit, end);
		/* each its own answer too: one written before a failed sync is
		 * not covered by this one's success (no fdatasync again) */
		for (j = last = batch; j != NULL; last = j, j = j->next)
			j->audit_lost = r != AUTHD_OK ||
			    authd_audit_sync(p->audit, j->audit_end) != AUTHD_OK;
		if (r != AUTHD_OK)
			authd_log(LOG_ERR, "audit: records not synced to disk: "
			    "their decisions are refused");
		to_loop(p, batch, last);
	}
}

static void *
worker_main(void *arg)
{
	struct worker_pool *p = arg;
	struct job_head *j;
	struct dir_conn *dc;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->todo.head == NULL && !p->stopping) {
			p->idle++;
			pthread_cond_wait(&p->cv, &p->mu);
			p->idle--;
		}
		if (p->stopping) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		j = p->todo.head;
		if ((p->todo.head = j->next) == NULL)
			p->todo.tail = NULL;
		pthread_mutex_unlock(&p->mu);

		p->started++;
		dc = NULL;
		if (j->ops->needs_dir && p->dir != NULL)
			dc = dir_pool_get(p->dir);
		j->ops->run((struct job *)j, dc);
		if (dc != NULL)
			dir_pool_put(p->dir, dc);
		job_ran(p, j, 1);
	}
}

static void
finish_list(struct worker_pool *p, struct job_head *j, int cancelled)
{
	struct job_head *next;

	for (; j != NULL; j = next) {
		next = j->next;
		p->pending--;
		if (j->audit_lost && j->ops->audit_lost != NULL)
			j->ops->audit_lost((struct job *)j);
		j->ops->done((struct job *)j, cancelled);
	}
}

static void
on_jobs_done(struct loop_source *src, uint32_t events)
{
	struct worker_pool *p = src->arg;
	struct job_head *j;
	uint64_t n;

	(void)events;
	if (read(src->fd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		authd_log(LOG_ERR, "worker: eventfd read failed");
	pthread_mutex_lock(&p->done_mu);
	j = list_take_all(&p->done);
	pthread_mutex_unlock(&p->done_mu);
	finish_list(p, j, 0);
}

int
worker_pool_new(struct loop *loop, struct dir_pool *dir,
    struct authd_audit *audit, int nthreads, struct worker_pool **pool_r)
{
	struct worker_pool *p;
	pthread_condattr_t ca;
	int i, r = AUTHD_ERR_NOMEM;

	*pool_r = NULL;
	if (nthreads < 1)
		return AUTHD_ERR_INVALID;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return AUTHD_ERR_NOMEM;
	p->loop = loop;
	p->dir = dir;
	p->audit = audit;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	pthread_mutex_init(&p->sync_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->sync_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&p->done_mu, NULL);
	p->done_src.fd = -1;
	if ((p->threads = calloc((size_t)nthreads, sizeof(*p->threads))) == NULL)
		goto out;
	r = AUTHD_ERR_IO;
	if ((p->done_src.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		goto out;
	p->done_src.on_event = on_jobs_done;
	p->done_src.arg = p;
	if ((r = loop_add(loop, &p->done_src, EPOLLIN)) != AUTHD_OK)
		goto out;
	if (audit != NULL) {
		if (pthread_create(&p->syncer, NULL, syncer_main, p) != 0) {
			r = AUTHD_ERR_NOMEM;
			goto out;
		}
		p->have_syncer = 1;
	}
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0) {
			r = AUTHD_ERR_NOMEM;
			goto out;
		}
		p->nthreads++;
	}
	*pool_r = p;
	p = NULL;
	r = AUTHD_OK;
out:
	worker_pool_free(&p);
	return r;
}

void
worker_pool_submit(struct worker_pool *p, struct job_head *j)
{
	int wake;

	p->pending++;
	pthread_mutex_lock(&p->mu);
	list_push(&p->todo, j);
	wake = p->idle > 0;
	pthread_mutex_unlock(&p->mu);
	/* After the unlock: the worker woken does not block on the mutex at once. */
	if (wake)
		pthread_cond_signal(&p->cv);
}

void
worker_pool_finish(struct worker_pool *p, struct job_head *j)
{
	p->pending++;
	if (j->audit_end > 0 && p->have_syncer) {
		job_ran(p, j, 0);
		return;
	}
	j->next = NULL;
	finish_list(p, j, 0);
}

void
worker_pool_expect(struct worker_pool *p)
{
	if (p->have_syncer)
		p->started++;
}

void
worker_pool_arrived(struct worker_pool *p)
{
	int wake;

	if (!p->have_syncer)
		return;
	pthread_mutex_lock(&p->sync_mu);
	p->finished++;
	wake = p->sync_state == SYNC_GATHERING && p->finished >= p->sync_target;
	pthread_mutex_unlock(&p->sync_mu);
	if (wake)
		pthread_cond_signal(&p->sync_cv);
}

size_t
worker_pool_pending(const struct worker_pool *p)
{
	return p->pending;
}

void
worker_pool_free(struct worker_pool **poolp)
{
	struct worker_pool *p;
	struct job_head *todo, *done;
	int i;

	if (poolp == NULL || (p = *poolp) == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	if (p->have_syncer) {
		/* It drains what the workers left it, then ends. */
		pthread_mutex_lock(&p->sync_mu);
		p->sync_stopping = 1;
		pthread_cond_signal(&p->sync_cv);
		pthread_mutex_unlock(&p->sync_mu);
		pthread_join(p->syncer, NULL);
	}
	/* The threads are gone: no lock needed from here on. */
	done = list_take_all(&p->done);
	todo = list_take_all(&p->todo);
	finish_list(p, done, 0);
	finish_list(p, todo, 1);
	if (p->done_src.fd != -1) {
		loop_del(p->loop, &p->done_src);
		close(p->done_src.fd);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->sync_mu);
	pthread_cond_destroy(&p->sync_cv);
	pthread_mutex_destroy(&p->done_mu);
	free(p->threads);
	free(p);
	*poolp = NULL;
}
