/*
 * One RFC 4533 refreshAndPersist search kept in step with the directory, on
 * a connection of its own bound as authd's service identity, and the
 * entries it holds, keyed by entryUUID. The consumers (view.c: people,
 * card_view.c: cards, grant_view.c: grants) say how an entry becomes an
 * object of theirs, keep their own indexes of those objects, and hear what
 * changed; the engine does the rest: connection, refresh and persist,
 * cookie and resume, reconnection with back-off, present and delete
 * phases (what a present phase did not mention is gone), libldap 2.5.13's
 * chained-message check, and the freshness the readers rely on.
 *
 * Threads: one search thread per engine calls parse, link, unlink, changed
 * and on_down; link and unlink under the engine's write lock, the others
 * outside it. Readers take sync_rdlock() and read the consumer's indexes.
 */
#ifndef AUTHD_SYNC_H
#define AUTHD_SYNC_H

#include <stddef.h>

#include <ldap.h>

#include "dir.h"

#define SYNC_UUID_LEN 16

struct sync;

struct sync_ops {
	const char *name;           /* in logs: "view", "card view", "grants" */
	const char *one, *many;     /* what an entry is: "entry", "entries" */
	/*
	 * Never in step yet counts as out of step since sync_new() (fail
	 * closed after the staleness), rather than as never fresh.
	 */
	int stale_from_start;
	/*
	 * An object from an add or modify message. NULL with *skip_r set: the
	 * entry is not held (an older copy is dropped); NULL otherwise: out of
	 * memory (everything is reloaded).
	 */
	void *(*parse)(void *arg, LDAP *ld, LDAPMessage *msg, int *skip_r);
	/* Under the write lock: obj enters or leaves the consumer's indexes. */
	void (*link)(void *arg, void *obj);
	void (*unlink)(void *arg, void *obj);
	/* Outside the lock: old (NULL: new) became now (NULL: gone). Optional. */
	void (*changed)(void *arg, const void *old, const void *now);
	void (*free_obj)(void *obj);
	/*
	 * The search broke (err says why): first is set the first time after
	 * it was in step, fresh whether readers may still use what it holds.
	 * Optional; the engine logs a warning when absent.
	 */
	void (*on_down)(void *arg, const char *err, int first, int fresh);
};

/* What the readers may rely on (sync_fresh_locked). */
#define SYNC_STALE  0               /* out of step for longer than staleness */
#define SYNC_RECENT 1               /* out of step for less: what is held counts,
                                       what is missing may exist */
#define SYNC_LIVE   2               /* connected and refreshed: complete */

/* base/filter/attrs are copied; staleness in seconds. */
int sync_new(struct dir_pool *pool, const char *base, const char *filter,
    const char *const *attrs, int staleness, const struct sync_ops *ops,
    void *arg, struct sync **s_r);
int sync_start(struct sync *s);
/* Stop the thread (within about a second), close its connection, free
 * every object through ops->free_obj. */
void sync_free(struct sync **sp);


void sync_rdlock(struct sync *s);
void sync_unlock(struct sync *s);
/* Under sync_rdlock. */
int sync_fresh_locked(const struct sync *s);
/* Under sync_rdlock (or the write lock, from link): every object. */
void sync_foreach_locked(struct sync *s, void (*fn)(void *obj, void *arg),
    void *arg);

#endif
