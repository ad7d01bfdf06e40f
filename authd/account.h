/*
 * The login path's account lookup: the in-memory view first (view.h), the
 * directory when the view cannot vouch for its answer.
 */
#ifndef AUTHD_ACCOUNT_H
#define AUTHD_ACCOUNT_H

#include "dir.h"

struct view;

/*
 * DIR_OK with the account, DIR_NOT_FOUND, or what dir_account_lookup()
 * says. A view in step that does not hold user answers DIR_NOT_FOUND without
 * a search; v NULL (no view configured) always searches. dc NULL (the
 * event loop): DIR_NO_CONN when only a search can answer.
 */
int account_lookup(struct view *v, struct dir_conn *dc, const char *user,
    struct dir_account *acct_r);

#endif
