/*
 * authd's view of the grants of privileged roles (entries of objectClass
 * authdGrant under ou=grants,BASE and their cn=approval children), kept
 * current by a persistent search of its own (sync.c). It tells its owner
 * (deadline.c) when a grant that stood no longer does — its state left
 * approved (revoked, denied, back to requested), an approval was deleted or
 * says deny, the entry was deleted — or when its authdGrantUntil moved
 * earlier, so that the sessions resting on it end or end sooner, on every
 * host that follows the directory, as fast as a card revocation.
 *
 * Whether a grant is honoured at a login is grant.c's (G1) decision, read
 * from the directory at that login; this view only follows what changes
 * afterwards. A grant "stands" here while it is approved with an approve
 * decision, or is an emergency grant still requested, and no approval says
 * deny. The view does not know an emergency grant's deadline for approval
 * (its role's authdRoleEmergencyDeadline after its creation): the session
 * carries it from the login (session.h emergency_until) and ends then,
 * unless the view tells it the grant was approved meanwhile.
 */
#ifndef AUTHD_GRANT_VIEW_H
#define AUTHD_GRANT_VIEW_H

#include <time.h>

#include "conf.h"
#include "dir.h"

struct grant_view;

/*
 * Search thread: the grant at dn no longer stands (standing 0, why: "grant
 * revoked", "grant denied", "grant deleted", "grant approval withdrawn",
 * "grant no longer approved"), or still stands and ends at until, earlier
 * than before (until > 0, "grant shortened"), or may have been approved
 * (approved 1, until 0, "grant approved": its state or its approval became
 * approved; grant_view_lookup() says whether both are). Must not block
 * (deadline_grant_changed queues).
 */
typedef void (*grant_view_notify_fn)(void *arg, const char *dn, int standing,
    int approved, time_t until, const char *why);

int grant_view_new(const struct authd_conf *conf, struct dir_pool *pool,
    grant_view_notify_fn notify, void *arg, struct grant_view **gv_r);
int grant_view_start(struct grant_view *gv);
/* Stop the thread (within about a second), close its connection, free. */
void grant_view_free(struct grant_view **gvp);

enum grant_view_answer {
	GRANT_VIEW_FOUND = 0,       /* *standing_r and *until_r filled */
	GRANT_VIEW_NOT_FOUND = 1,   /* in step, and no such grant */
	GRANT_VIEW_NOT_FRESH = 2    /* the view cannot say */
};

/*
 * Any thread: the grant at dn (compared without case). *approved_r: it is
 * approved and an approval says approve (none deny): what an emergency
 * grant needs to outlive its deadline for approval.
 */
int grant_view_lookup(struct grant_view *gv, const char *dn, int *standing_r,
    int *approved_r, time_t *until_r);

#endif
