/*
 * The worker pool: a few threads that do the blocking directory work so the
 * event loop never waits on LDAP. A job carries copies of everything it
 * needs (never pointers into a connection's buffers); when it is done it is
 * handed back to the loop through an eventfd and its done() runs there.
 */
#ifndef AUTHD_WORKER_H
#define AUTHD_WORKER_H

#include <stddef.h>

#include "dir.h"

struct loop;
struct worker_pool;
struct job;

struct job_ops {
	const char *name;
	int needs_dir;                     /* takes a dir_conn from the pool */
	/* Worker thread; dc is NULL unless needs_dir. */
	void (*run)(struct job *job, struct dir_conn *dc);
	/* Loop thread, after run; also when the pool stops (cancelled set). */
	void (*done)(struct job *job, int cancelled);
};

/* Every job struct starts with this. */
struct job_head {
	struct job_head *next;
	const struct job_ops *ops;
};

/* nthreads workers; dir may be NULL for a pool that never touches LDAP. */
int worker_pool_new(struct loop *loop, struct dir_pool *dir, int nthreads,
    struct worker_pool **pool_r);
/* Stop the threads after their current job; queued jobs finish as cancelled. */
void worker_pool_free(struct worker_pool **poolp);
void worker_pool_submit(struct worker_pool *pool, struct job_head *job);
size_t worker_pool_pending(const struct worker_pool *pool);

#endif
