#include "config.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "loop.h"
#include "worker.h"

struct job_list {
	struct job_head *head;
	struct job_head *tail;
};

struct worker_pool {
	struct loop *loop;
	struct dir_pool *dir;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job_list todo;            /* waiting for a worker */
	struct job_list done;            /* finished, waiting for the loop */
	size_t pending;                  /* submitted, not yet done() (loop only) */
	int stopping;
	struct loop_source done_src;     /* eventfd: "done is not empty" */
	pthread_t *threads;
	int nthreads;
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

static struct job_head *
list_take_all(struct job_list *l)
{
	struct job_head *j = l->head;

	l->head = l->tail = NULL;
	return j;
}

static void *
worker_main(void *arg)
{
	struct worker_pool *p = arg;
	struct job_head *j;
	struct dir_conn *dc;
	uint64_t one = 1;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->todo.head == NULL && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stopping) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		j = p->todo.head;
		if ((p->todo.head = j->next) == NULL)
			p->todo.tail = NULL;
		pthread_mutex_unlock(&p->mu);

		dc = NULL;
		if (j->ops->needs_dir && p->dir != NULL)
			dc = dir_pool_get(p->dir);
		j->ops->run((struct job *)j, dc);
		if (dc != NULL)
			dir_pool_put(p->dir, dc);

		pthread_mutex_lock(&p->mu);
		list_push(&p->done, j);
		pthread_mutex_unlock(&p->mu);
		/* A full counter only means the loop already has a wakeup pending. */
		if (write(p->done_src.fd, &one, sizeof(one)) == -1 &&
		    errno != EAGAIN)
			authd_log(LOG_ERR, "worker: eventfd write failed");
	}
}

static void
finish_list(struct worker_pool *p, struct job_head *j, int cancelled)
{
	struct job_head *next;

	for (; j != NULL; j = next) {
		next = j->next;
		p->pending--;
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
	pthread_mutex_lock(&p->mu);
	j = list_take_all(&p->done);
	pthread_mutex_unlock(&p->mu);
	finish_list(p, j, 0);
}

int
worker_pool_new(struct loop *loop, struct dir_pool *dir, int nthreads,
    struct worker_pool **pool_r)
{
	struct worker_pool *p;
	int i, r = AUTHD_ERR_NOMEM;

	*pool_r = NULL;
	if (nthreads < 1)
		return AUTHD_ERR_INVALID;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return AUTHD_ERR_NOMEM;
	p->loop = loop;
	p->dir = dir;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
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
	p->pending++;
	pthread_mutex_lock(&p->mu);
	list_push(&p->todo, j);
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
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
	free(p->threads);
	free(p);
	*poolp = NULL;
}
