/*
 * The worker pool: a few threads that do the blocking directory work so the
 * event loop never waits on LDAP. A job carries copies of everything it
 * needs (never pointers into a connection's buffers); when it is done it is
 * handed back to the loop through an eventfd and its done() runs there.
 */
#ifndef AUTHD_WORKER_H
#define AUTHD_WORKER_H

#include <stddef.h>

#include <sys/types.h>

#include "dir.h"

struct authd_audit;
struct loop;
struct worker_pool;
struct job;

struct job_ops {
	const char *name;
	int needs_dir;                     /* takes a dir_conn from the pool */
	int try_local;                     /* the caller may run it first on the
	                                      loop with dc NULL (job.h) */
	/* Worker thread; dc is NULL unless needs_dir. */
	void (*run)(struct job *job, struct dir_conn *dc);
	/* Loop thread, after run; also when the pool stops (cancelled set). */
	void (*done)(struct job *job, int cancelled);
	/* Loop thread, before done, when the job's audit records could not be
	 * made durable: the job must not grant what they record. */
	void (*audit_lost)(struct job *job);
};

/* Every job struct starts with this. */
struct job_head {
	struct job_head *next;
	const struct job_ops *ops;
	/* Set by run when it wrote audit records that must reach the disk
	 * before done (authd_audit_write's sync offset): the pool's syncer
	 * makes them durable, one fdatasync for every job waiting, and only
	 * then hands the job to the loop. */
	off_t audit_end;
	int audit_lost;                    /* that sync failed */
};

/*
 * nthreads workers; dir may be NULL for a pool that never touches LDAP;
 * audit is the log whose records jobs wait for (may be NULL: no syncer).
 */
int worker_pool_new(struct loop *loop, struct dir_pool *dir,
    struct authd_audit *audit, int nthreads, struct worker_pool **pool_r);
/*
 * On the loop thread: a job whose run already happened here (decided
 * without the directory) goes through the syncer like any other, then done.
 */
void worker_pool_finish(struct worker_pool *pool, struct job_head *job);
/*
 * On the loop thread: a decision is on its way without a worker (the
 * loop's own bind is in flight); the syncer gathering records waits for it
 * as for a running job, until worker_pool_arrived() after its record (if
 * any) was handed on.
 */
void worker_pool_expect(struct worker_pool *pool);
void worker_pool_arrived(struct worker_pool *pool);
/* Stop the threads after their current job; queued jobs finish as cancelled. */
void worker_pool_free(struct worker_pool **poolp);
void worker_pool_submit(struct worker_pool *pool, struct job_head *job);
size_t worker_pool_pending(const struct worker_pool *pool);

#endif
