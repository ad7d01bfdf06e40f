/* The body of each pam_sm_* function: which request, with what in it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "pam_authd.h"
#include "secret.h"

static uint32_t
request_flags(int pam_flags)
{
	uint32_t f = 0;

	if ((pam_flags & PAM_SILENT) != 0)
		f |= AUTHD_REQ_SILENT;
	return f;
}

static const char *
get_secret_item(pam_handle_t *pamh, int item)
{
	const void *v = NULL;

	if (pam_get_item(pamh, item, &v) != PAM_SUCCESS || v == NULL)
		return NULL;
	return v;
}

/*
 * A password an earlier module stored (item: PAM_AUTHTOK, or PAM_OLDAUTHTOK
 * for the current password in chauthtok), when authd can take it: one longer
 * than AUTHD_SECRET_MAX would make the request malformed. It is left out, as
 * an answer too long to send is (doc/protocol.md, section 8): authd prompts
 * for it, or, when the module may not prompt (use_first_pass, auth only),
 * ends the request with CONV_ERR and records that.
 */
static const char *
stack_password(pam_handle_t *pamh, int item, int *too_long_r)
{
	const char *tok = get_secret_item(pamh, item);

	*too_long_r = tok != NULL && strlen(tok) > AUTHD_SECRET_MAX;
	if (!*too_long_r)
		return tok;
	pam_syslog(pamh, LOG_NOTICE, "the %spassword of an earlier module is "
	    "longer than %d bytes: not sent to authd",
	    item == PAM_OLDAUTHTOK ? "current " : "", AUTHD_SECRET_MAX);
	return NULL;
}

static void
free_secret_data(pam_handle_t *pamh, void *data, int error_status)
{
	char *s = data;

	authd_secret_free(&s);
}

/*
 * libpam clears PAM_AUTHTOK when pam_authenticate returns, but a login whose
 * password must change goes on to chauthtok, which needs the current
 * password to bind as the person. Keep a copy only until acct_mgmt says no
 * change is due, setcred comes without a change due (a screen locker that
 * keeps its handle may never call acct_mgmt or pam_end), the session opens,
 * or chauthtok used it.
 */
static void
keep_password(pam_handle_t *pamh)
{
	const char *tok = get_secret_item(pamh, PAM_AUTHTOK);
	char *copy;

	if (tok == NULL || (copy = strdup(tok)) == NULL)
		return;
	if (pam_set_data(pamh, PAMAUTHD_DATA_PASSWORD, copy, free_secret_data) !=
	    PAM_SUCCESS)
		authd_secret_free(&copy);
}

static const char *
kept_password(pam_handle_t *pamh)
{
	const void *v = NULL;

	if (pam_get_data(pamh, PAMAUTHD_DATA_PASSWORD, &v) != PAM_SUCCESS)
		return NULL;
	return v;
}

static int
change_due(pam_handle_t *pamh)
{
	const void *due = NULL;

	return pam_get_data(pamh, PAMAUTHD_DATA_CHANGE_DUE, &due) ==
	    PAM_SUCCESS && due != NULL;
}

static void
drop_password(pam_handle_t *pamh)
{
	if (kept_password(pamh) != NULL)
		(void)pam_set_data(pamh, PAMAUTHD_DATA_PASSWORD, NULL, NULL);
	if (change_due(pamh))
		(void)pam_set_data(pamh, PAMAUTHD_DATA_CHANGE_DUE, NULL, NULL);
}

int
pamauthd_setcred(pam_handle_t *pamh)
{
	if (!change_due(pamh))
		drop_password(pamh);
	return PAM_SUCCESS;
}

int
pamauthd_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pamauthd_opts o;
	struct pamauthd_req req = { .type = AUTHD_MSG_AUTHENTICATE };
	int r, too_long = 0;

	/* a decision made with an earlier authentication is void from now */
	pamauthd_ahead_drop(pamh);
	pamauthd_parse_options(pamh, argc, argv, &o);
	req.flags = request_flags(flags);
	if ((flags & PAM_DISALLOW_NULL_AUTHTOK) != 0)
		req.flags |= AUTHD_REQ_DISALLOW_NULL;
	if (o.use_first_pass || o.try_first_pass)
		req.authtok = stack_password(pamh, PAM_AUTHTOK, &too_long);
	if (o.use_first_pass) {
		if (req.authtok == NULL && !too_long) {
			pam_syslog(pamh, LOG_ERR, "use_first_pass: no password "
			    "from an earlier module");
			return PAM_AUTH_ERR;
		}
		req.flags |= AUTHD_REQ_NO_PROMPT;
	}
	drop_password(pamh);
	if ((r = pamauthd_request(pamh, &o, flags, &req)) == PAM_SUCCESS)
		keep_password(pamh);
	return r;
}

int
pamauthd_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pamauthd_opts o;
	struct pamauthd_req req = { .type = AUTHD_MSG_ACCT_MGMT };
	int r;

	pamauthd_parse_options(pamh, argc, argv, &o);
	if (pamauthd_ahead_take(pamh)) {
		struct pamauthd_ctx ctx = { .pamh = pamh, .opts = &o };

		/* authd decided it with the authentication and recorded it */
		pamauthd_debug(&ctx, "acct_mgmt: success, decided by authd "
		    "with the authentication");
		drop_password(pamh);
		return PAM_SUCCESS;
	}
	req.flags = request_flags(flags);
	if ((flags & PAM_DISALLOW_NULL_AUTHTOK) != 0)
		req.flags |= AUTHD_REQ_DISALLOW_NULL;
	req.login_id = pamauthd_get_id(pamh, PAMAUTHD_ENV_LOGIN_ID);
	if ((r = pamauthd_request(pamh, &o, flags, &req)) != PAM_NEW_AUTHTOK_REQD)
		drop_password(pamh);
	else if (kept_password(pamh) != NULL)
		(void)pam_set_data(pamh, PAMAUTHD_DATA_CHANGE_DUE, (void *)"1", NULL);
	return r;
}

int
pamauthd_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pamauthd_opts o;
	struct pamauthd_req req = { .type = AUTHD_MSG_OPEN_SESSION, .send_pid = 1 };

	drop_password(pamh);
	pamauthd_parse_options(pamh, argc, argv, &o);
	req.flags = request_flags(flags);
	req.login_id = pamauthd_get_id(pamh, PAMAUTHD_ENV_LOGIN_ID);
	return pamauthd_request(pamh, &o, flags, &req);
}

int
pamauthd_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pamauthd_opts o;
	struct pamauthd_req req = { .type = AUTHD_MSG_CLOSE_SESSION, .send_pid = 1 };

	pamauthd_parse_options(pamh, argc, argv, &o);
	req.flags = request_flags(flags);
	req.login_id = pamauthd_get_id(pamh, PAMAUTHD_ENV_LOGIN_ID);
	req.session_id = pamauthd_get_id(pamh, PAMAUTHD_ENV_SESSION_ID);
	return pamauthd_request(pamh, &o, flags, &req);
}

int
pamauthd_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pamauthd_opts o;
	struct pamauthd_req req = { .type = AUTHD_MSG_CHAUTHTOK };
	int r, too_long;

	pamauthd_parse_options(pamh, argc, argv, &o);
	/* The first pass only asks whether the change can be made at all. */
	if ((flags & PAM_PRELIM_CHECK) != 0)
		return pamauthd_probe(pamh, &o);
	if ((flags & PAM_UPDATE_AUTHTOK) == 0)
		return PAM_SERVICE_ERR;
	req.flags = request_flags(flags);
	if ((flags & PAM_CHANGE_EXPIRED_AUTHTOK) != 0)
		req.flags |= AUTHD_REQ_CHANGE_EXPIRED;
	/* one too long for authd goes as if there were none */
	if ((req.old_authtok = stack_password(pamh, PAM_OLDAUTHTOK,
	    &too_long)) == NULL)
		req.old_authtok = kept_password(pamh);
	req.login_id = pamauthd_get_id(pamh, PAMAUTHD_ENV_LOGIN_ID);
	r = pamauthd_request(pamh, &o, flags, &req);
	drop_password(pamh);
	return r;
}
