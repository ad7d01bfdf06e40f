#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "decide.h"
#include "err.h"
#include "messages.h"
#include "privileged.h"
#include "revoke.h"
#include "secret.h"
#include "server.h"

/* Where the person came from: the remote host, else the terminal, else the console. */
static const char *
login_origin(const struct job *j)
{
	if (j->req.rhost[0] != '\0')
		return j->req.rhost;
	if (j->req.tty[0] != '\0')
		return j->req.tty;
	return "console";
}

/*
 * A session that cannot be recorded in the directory is not opened: the
 * last-login display of the next login depends on it.
 */
void
decide_open_session(struct job *j, struct dir_conn *dc)
{
	struct dir_account acct;
	char reason[512], extra[384], login_id[4 * AUTHD_ID_MAX + 1];
	int st, result = AUTHD_R_SESSION_ERR;

	extra[0] = '\0';
	/* The client's login id goes into the record: escape it. */
	authd_audit_escape(j->req.login_id, login_id, sizeof(login_id));
	st = decide_lookup(j, dc, &acct);
	if (st == DIR_NOT_FOUND) {
		snprintf(reason, sizeof(reason), "unknown user");
		goto out;
	}
	if (st != DIR_OK) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_UNAVAILABLE);
		snprintf(reason, sizeof(reason), "directory unavailable: %s",
		    dir_conn_error(dc));
		goto out;
	}
	if (!decide_peer_may_act(j, &acct)) {
		result = AUTHD_R_PERM_DENIED;
		snprintf(reason, sizeof(reason), "peer not allowed");
		goto out;
	}
	/* refused before the last login is written, as opening would refuse it */
	if (!revoke_account_usable(acct.state)) {
		result = AUTHD_R_PERM_DENIED;
		snprintf(reason, sizeof(reason), "account %s since the login",
		    acct.state);
		goto out;
	}
	/*
	 * A privileged session lasts as long as the grant its login was let in
	 * under: without that login (another module authenticated, or its id is
	 * unknown here) nothing would end it.
	 */
	if (priv_is_privileged(&acct) && j->login.grant_dn[0] == '\0') {
		result = AUTHD_R_PERM_DENIED;
		snprintf(reason, sizeof(reason), "a privileged session must follow "
		    "its login through authd (its grant ends it); no such login");
		goto out;
	}
	/* nor with a card revoked since the login */
	if (revoke_card_check(j->srv, j->login.credential_key, NULL, 0, reason,
	    sizeof(reason)) != 0) {
		result = AUTHD_R_PERM_DENIED;
		goto out;
	}
	st = dir_record_login(dc, acct.dn, time(NULL), login_origin(j),
	    j->req.service);
	if (st != DIR_OK) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_UNAVAILABLE);
		snprintf(reason, sizeof(reason), "login not recorded: %s",
		    dir_conn_error(dc));
		goto out;
	}
	if (authd_random_hex(j->session_id, sizeof(j->session_id),
	    SESSION_ID_LEN / 2) != AUTHD_OK) {
		result = AUTHD_R_SYSTEM_ERR;
		snprintf(reason, sizeof(reason), "no random session id");
		goto out;
	}
	snprintf(j->acct_dn, sizeof(j->acct_dn), "%s", acct.dn);
	j->uid_number = acct.uid_number;
	snprintf(extra, sizeof(extra), " session_id=%s%s%s", j->session_id,
	    j->req.login_id[0] != '\0' ? " login_id=" : "",
	    j->req.login_id[0] != '\0' ? login_id : "");
	snprintf(reason, sizeof(reason), "login recorded from %.200s", login_origin(j));
	result = AUTHD_R_SUCCESS;
out:
	decide_finish(j, "open_session", result, reason,
	    extra[0] != '\0' ? extra : NULL);
}

/*
 * The session ends whatever the directory says; a logout that could not be
 * recorded is noted for the auditors.
 */
void
decide_close_session(struct job *j, struct dir_conn *dc)
{
	struct dir_account acct;
	char reason[512], extra[384], session_id[4 * AUTHD_ID_MAX + 1];
	int st, result = AUTHD_R_SUCCESS;

	extra[0] = '\0';
	if (j->req.session_id[0] != '\0') {
		authd_audit_escape(j->req.session_id, session_id, sizeof(session_id));
		snprintf(extra, sizeof(extra), " session_id=%s", session_id);
	}
	if (j->dn[0] == '\0') {
		st = decide_lookup(j, dc, &acct);
		if (st == DIR_NOT_FOUND) {
			result = AUTHD_R_SESSION_ERR;
			snprintf(reason, sizeof(reason), "unknown user");
			goto out;
		}
		if (st != DIR_OK) {
			snprintf(reason, sizeof(reason),
			    "logout not recorded: directory unavailable: %s",
			    dir_conn_error(dc));
			goto out;
		}
		if (!decide_peer_may_act(j, &acct)) {
			result = AUTHD_R_PERM_DENIED;
			snprintf(reason, sizeof(reason), "peer not allowed");
			goto out;
		}
		snprintf(j->dn, sizeof(j->dn), "%s", acct.dn);
	}
	if (dir_record_logout(dc, j->dn, time(NULL)) != DIR_OK)
		snprintf(reason, sizeof(reason), "logout not recorded: %s",
		    dir_conn_error(dc));
	else
		snprintf(reason, sizeof(reason), "logout recorded%s%s%s",
		    j->req.session_id[0] == '\0' ? " (no session id)" : "",
		    j->audit_reason[0] != '\0' ? "; the session had been ended: " :
		    "", j->audit_reason);
out:
	decide_finish(j, "close_session", result, reason,
	    extra[0] != '\0' ? extra : NULL);
}
