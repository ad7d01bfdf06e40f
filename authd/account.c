#include "config.h"

#include <string.h>

#include "account.h"
#include "dir.h"
#include "view.h"

int
account_lookup(struct view *v, struct dir_conn *dc, const char *user,
    struct dir_account *acct_r)
{
	switch (view_account_lookup(v, user, acct_r)) {
	case VIEW_FOUND:
		return DIR_OK;
	case VIEW_NOT_FOUND:
		memset(acct_r, 0, sizeof(*acct_r));
		acct_r->uid_number = -1;
		return DIR_NOT_FOUND;
	default:
		/* Not fresh: exactly what authd did before it had a view. */
		if (dc == NULL)
			return DIR_NO_CONN;
		return dir_account_lookup(dc, user, acct_r);
	}
}
