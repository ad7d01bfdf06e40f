/*
 * authd's in-memory view of the people entries the login path reads, kept
 * current by an LDAP Content Synchronization (RFC 4533) refreshAndPersist
 * search on a connection of its own, bound as authd's service identity.
 *
 * One thread runs the search; any thread may read. Reads copy the entry out
 * under a read lock. The view answers only while it can vouch for what it
 * holds: fully (found or not found) while the search is connected and its
 * refresh is complete; for at most conf->view_staleness seconds after that
 * stopped being true, only for the people it holds (someone added since
 * would be missing: an absent name is VIEW_NOT_FRESH). Beyond that every
 * lookup says VIEW_NOT_FRESH and the caller asks the directory (account.c),
 * so that with the directory down authd behaves exactly as without a view.
 */
#ifndef AUTHD_VIEW_H
#define AUTHD_VIEW_H

#include <stddef.h>

#include "conf.h"
#include "dir.h"

struct view;

enum view_answer {
	VIEW_FOUND = 0,
	VIEW_NOT_FOUND = 1,     /* in step, and no such person */
	VIEW_NOT_FRESH = 2      /* the view cannot say: ask the directory */
};

/* A view of conf->people_dn; pool provides connections bound as authd. */
int view_new(const struct authd_conf *conf, struct dir_pool *pool,
    struct view **view_r);
/*
 * Added (issue 5): fn is called from the search thread when a person the
 * view held as usable becomes suspended, disabled or pendingDeletion, or
 * goes away ("deleted"), so that their live sessions end. Set before
 * view_start().
 */
typedef void (*view_notify_fn)(void *arg, const char *dn, const char *state);
void view_set_notify(struct view *v, view_notify_fn fn, void *arg);
/* Start the thread of the persistent search. */
int view_start(struct view *v);
/* Stop the thread (within about a second), close its connection, free. */
void view_free(struct view **vp);

/* The person whose uid is user (compared as LDAP's caseIgnoreMatch does). */
int view_account_lookup(struct view *v, const char *user,
    struct dir_account *acct_r);

#endif
