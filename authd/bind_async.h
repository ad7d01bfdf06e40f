/*
 * Password binds made by the event loop without waiting.
 *
 * Most logins need one thing from the directory once the plan is known:
 * the bind as the person under ppolicy. Handing it to a worker costs two
 * thread hand-offs per login; here the loop sends it on a handle of its own
 * and goes on serving, and the reply wakes it like any socket.
 *
 * The handles are connected by a worker (connecting may block: failover,
 * StartTLS), then kept by the loop: one bind in flight on each, the rest
 * queued. Nothing here ever blocks; when it cannot do the bind (no handle
 * connected yet, the server went away, no reply within ldap_timeout) it
 * says so to the caller, which binds on a worker the usual way.
 */
#ifndef AUTHD_BIND_ASYNC_H
#define AUTHD_BIND_ASYNC_H

#include <stddef.h>

#include "dir.h"

struct bind_async;
struct loop;
struct worker_pool;

/* The bind could not be made here: make it on a worker (status of the callback). */
#define BIND_ASYNC_ELSEWHERE (-100)

/*
 * The end of a bind started with bind_async_start, on the loop thread,
 * never from within bind_async_start: status as dir_password_bind's, with
 * *res, or BIND_ASYNC_ELSEWHERE (res NULL). A person's successful bind
 * that used the last grace login (res->grace_left 0) gives its handle too,
 * still bound as the person, for the change that must follow
 * (grace_hold.h): kept is the callee's to close (dir_bind_handle_close);
 * the pool opens another in its place. Otherwise kept is NULL.
 */
typedef void (*bind_async_done)(void *arg, int status,
    const struct dir_bind_result *res, struct ldap *kept);

/* Up to n handles on dir's servers, timed out after timeout_s seconds. */
int bind_async_new(struct loop *loop, struct worker_pool *workers,
    struct dir_pool *dir, int n, int timeout_s, struct bind_async **ba_r);
/* Binds in flight or queued end with BIND_ASYNC_ELSEWHERE. */
void bind_async_free(struct bind_async **bap);

/*
 * Bind as dn (NULL: the timing entry) with password; both must stay valid
 * until done is called. AUTHD_OK: done will be called; otherwise nothing
 * was started (no handle connected yet; asking starts connecting them).
 */
int bind_async_start(struct bind_async *ba, const char *dn,
    const char *password, bind_async_done done, void *arg);

#endif
