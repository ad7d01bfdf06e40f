/* Helpers shared by the worker-side decisions (decide_auth.c, decide_session.c). */
#ifndef AUTHD_DECIDE_H
#define AUTHD_DECIDE_H

#include "dir.h"
#include "job.h"

/* account_lookup() (the view, else the directory) for the request's user;
 * a name no directory could hold is DIR_NOT_FOUND. */
int decide_lookup(struct job *j, struct dir_conn *dc, struct dir_account *acct_r);
/* Root may act for anyone; any other caller only for its own uid. */
int decide_peer_may_act(const struct job *j, const struct dir_account *acct);
/* Record the decision; a SUCCESS whose record could not be written becomes SYSTEM_ERR. */
void decide_finish(struct job *j, const char *event, int result,
    const char *reason, const char *extra);

#endif
