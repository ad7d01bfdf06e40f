#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "decide.h"
#include "err.h"
#include "messages.h"
#include "schema.h"
#include "secret.h"
#include "server.h"

int
decide_lookup(struct job *j, struct dir_conn *dc, struct dir_account *acct_r)
{
	const unsigned char *p;
	size_t len = strlen(j->req.user);

	memset(acct_r, 0, sizeof(*acct_r));
	if (len == 0 || len >= sizeof(acct_r->uid))
		return DIR_NOT_FOUND;
	for (p = (const unsigned char *)j->req.user; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return DIR_NOT_FOUND;
	return account_lookup(j->srv->view, dc, j->req.user, acct_r);
}

int
decide_peer_may_act(const struct job *j, const struct dir_account *acct)
{
	if (j->req.peer_uid == 0)
		return 1;
	return acct->uid_number >= 0 &&
	    (uid_t)acct->uid_number == j->req.peer_uid;
}

void
decide_finish(struct job *j, const char *event, int result, const char *reason,
    const char *extra)
{
	if (job_audit(j, event, result, reason, extra) != AUTHD_OK &&
	    result == AUTHD_R_SUCCESS) {
		/* No login is granted unless its record was written. */
		result = AUTHD_R_SYSTEM_ERR;
		j->nlines = 0;
		j->login_id[0] = '\0';
		j->session_id[0] = '\0';
	}
	j->result = result;
}

/* What a person sees after a successful password: the standard's login display. */
static void
success_lines(struct job *j, const struct dir_account *acct,
    const struct dir_bind_result *br)
{
	char line[AUTHD_STRING_MAX + 1];

	if (acct->last_login_time != 0) {
		msg_last_login(line, sizeof(line), acct->last_login_time,
		    acct->last_login_host, acct->last_login_service);
		job_add_line(j, AUTHD_STEP_INFO, line);
	} else
		job_add_line(j, AUTHD_STEP_INFO, MSG_FIRST_LOGIN);
	if (acct->last_logout_time != 0) {
		msg_last_logout(line, sizeof(line), acct->last_logout_time);
		job_add_line(j, AUTHD_STEP_INFO, line);
	}
	/* Read before the bind: a successful bind clears ppolicy's count. */
	if (acct->failures > 0) {
		msg_failures(line, sizeof(line), acct->failures);
		job_add_line(j, AUTHD_STEP_INFO, line);
	}
	if (br->grace_left >= 0) {
		msg_grace(line, sizeof(line), br->grace_left);
		job_add_line(j, AUTHD_STEP_ERROR, line);
	} else if (br->expire_in > 0) {
		msg_expires_in(line, sizeof(line), br->expire_in);
		job_add_line(j, AUTHD_STEP_INFO, line);
	}
}

void
decide_authenticate(struct job *j, struct dir_conn *dc)
{
	struct dir_account acct;
	struct dir_bind_result br;
	const struct dir_account *who = NULL;
	char reason[512], extra[64];
	int st, result = AUTHD_R_AUTH_ERR;

	memset(&br, 0, sizeof(br));
	br.grace_left = -1;
	br.expire_in = -1;
	extra[0] = '\0';
	st = decide_lookup(j, dc, &acct);
	if (st == DIR_OK && decide_peer_may_act(j, &acct))
		who = &acct;
	else if (st == DIR_OK)
		snprintf(reason, sizeof(reason), "peer uid %ld may not authenticate %.200s",
		    (long)j->req.peer_uid, j->req.user);
	else if (st == DIR_NOT_FOUND)
		snprintf(reason, sizeof(reason), "unknown user");
	else {
		result = AUTHD_R_AUTHINFO_UNAVAIL;
		job_add_line(j, AUTHD_STEP_ERROR, MSG_UNAVAILABLE);
		snprintf(reason, sizeof(reason), "directory unavailable: %s",
		    dir_conn_error(dc));
		goto out;
	}
	/* Unknown or not allowed: the verifier still spends a real bind. */
	st = j->verifier->check(dc, who, &j->in, &br);
	explicit_bzero(&j->in, sizeof(j->in));
	if (who == NULL)
		goto out;
	switch (st) {
	case DIR_OK:
		result = AUTHD_R_SUCCESS;
		j->must_change = br.must_change || acct.pwd_reset;
		j->grace_left = br.grace_left;
		snprintf(reason, sizeof(reason), "%s accepted%s",
		    j->verifier->name, j->must_change ? "; must change (reset)" :
		    br.grace_left >= 0 ? "; expired, grace login" : "");
		snprintf(j->acct_dn, sizeof(j->acct_dn), "%s", acct.dn);
		if (authd_random_hex(j->login_id, sizeof(j->login_id),
		    LOGIN_ID_LEN / 2) != AUTHD_OK) {
			result = AUTHD_R_SYSTEM_ERR;
			snprintf(reason, sizeof(reason), "no random login id");
			break;
		}
		snprintf(extra, sizeof(extra), " login_id=%s", j->login_id);
		success_lines(j, &acct, &br);
		break;
	case DIR_INVALID:
		snprintf(reason, sizeof(reason), "wrong %s", j->verifier->name);
		break;
	case DIR_LOCKED:
		result = AUTHD_R_MAXTRIES;
		job_add_line(j, AUTHD_STEP_ERROR, MSG_LOCKED);
		snprintf(reason, sizeof(reason), "locked");
		break;
	case DIR_EXPIRED:
		job_add_line(j, AUTHD_STEP_ERROR, MSG_PW_EXPIRED);
		snprintf(reason, sizeof(reason), "password expired, no grace login left");
		break;
	case DIR_UNAVAILABLE:
		result = AUTHD_R_AUTHINFO_UNAVAIL;
		job_add_line(j, AUTHD_STEP_ERROR, MSG_UNAVAILABLE);
		snprintf(reason, sizeof(reason), "directory unavailable: %s",
		    br.message[0] != '\0' ? br.message : dir_conn_error(dc));
		break;
	default:
		snprintf(reason, sizeof(reason), "directory refused the bind: %s",
		    br.message[0] != '\0' ? br.message : dir_conn_error(dc));
		break;
	}
out:
	explicit_bzero(&j->in, sizeof(j->in));
	decide_finish(j, "authenticate", result, reason,
	    extra[0] != '\0' ? extra : NULL);
}

/* The account's state, dates and type; AUTHD_R_SUCCESS when it may log in. */
static int
account_verdict(struct job *j, const struct dir_account *acct, char *reason,
    size_t reasonlen)
{
	char line[AUTHD_STRING_MAX + 1];
	time_t now = time(NULL);

	if (strcmp(acct->state, AUTHD_STATE_SUSPENDED) == 0) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_SUSPENDED);
		snprintf(reason, reasonlen, "suspended");
		return AUTHD_R_PERM_DENIED;
	}
	if (strcmp(acct->state, AUTHD_STATE_DISABLED) == 0 ||
	    strcmp(acct->state, AUTHD_STATE_PENDING_DEL) == 0) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_DISABLED);
		snprintf(reason, reasonlen, "%s", acct->state);
		return AUTHD_R_ACCT_EXPIRED;
	}
	if (acct->state[0] != '\0' &&
	    strcmp(acct->state, AUTHD_STATE_ACTIVE) != 0) {
		/* A state this version does not know: fail closed. */
		job_add_line(j, AUTHD_STEP_ERROR, MSG_DISABLED);
		snprintf(reason, reasonlen, "unknown account state %s", acct->state);
		return AUTHD_R_PERM_DENIED;
	}
	if (acct->valid_from != 0 && now < acct->valid_from) {
		msg_not_yet_valid(line, sizeof(line), acct->valid_from);
		job_add_line(j, AUTHD_STEP_ERROR, line);
		snprintf(reason, reasonlen, "not yet valid");
		return AUTHD_R_ACCT_EXPIRED;
	}
	if (acct->valid_until != 0 && now >= acct->valid_until) {
		msg_no_longer_valid(line, sizeof(line), acct->valid_until);
		job_add_line(j, AUTHD_STEP_ERROR, line);
		snprintf(reason, reasonlen, "validity ended");
		return AUTHD_R_ACCT_EXPIRED;
	}
	if (strcmp(acct->type, "service") == 0) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_SERVICE_ACCOUNT);
		snprintf(reason, reasonlen, "service account");
		return AUTHD_R_PERM_DENIED;
	}
	if (acct->locked) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_LOCKED);
		snprintf(reason, reasonlen, "locked");
		return AUTHD_R_MAXTRIES;
	}
	if (acct->pwd_reset || j->hint_must_change) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_MUST_CHANGE);
		snprintf(reason, reasonlen, "must change (reset)");
		return AUTHD_R_NEW_AUTHTOK_REQD;
	}
	if (j->hint_grace >= 0) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_MUST_CHANGE_GRACE);
		snprintf(reason, reasonlen, "must change (expired, grace login)");
		return AUTHD_R_NEW_AUTHTOK_REQD;
	}
	snprintf(reason, reasonlen, "account valid (type %s)",
	    acct->type[0] != '\0' ? acct->type : "regular");
	return AUTHD_R_SUCCESS;
}

void
decide_acct_mgmt(struct job *j, struct dir_conn *dc)
{
	struct dir_account acct;
	char reason[512];
	int st, result;

	st = decide_lookup(j, dc, &acct);
	if (st == DIR_NOT_FOUND || (st == DIR_OK && !decide_peer_may_act(j, &acct))) {
		/* After authentication: no oracle for root, none for others either. */
		result = j->req.peer_uid == 0 ? AUTHD_R_USER_UNKNOWN :
		    AUTHD_R_PERM_DENIED;
		snprintf(reason, sizeof(reason), st == DIR_NOT_FOUND ?
		    "unknown user" : "peer not allowed");
	} else if (st != DIR_OK) {
		result = AUTHD_R_AUTHINFO_UNAVAIL;
		job_add_line(j, AUTHD_STEP_ERROR, MSG_UNAVAILABLE);
		snprintf(reason, sizeof(reason), "directory unavailable: %s",
		    dir_conn_error(dc));
	} else
		result = account_verdict(j, &acct, reason, sizeof(reason));
	decide_finish(j, "acct_mgmt", result, reason, NULL);
}

static int
chauthtok_verdict(struct job *j, int st, const char *msg, char *reason,
    size_t reasonlen)
{
	switch (st) {
	case DIR_OK:
		job_add_line(j, AUTHD_STEP_INFO, MSG_CHANGED);
		snprintf(reason, reasonlen, "password changed");
		return AUTHD_R_SUCCESS;
	case DIR_QUALITY:
		job_add_line(j, AUTHD_STEP_ERROR, msg[0] != '\0' ? msg :
		    MSG_NOT_CHANGED);
		snprintf(reason, reasonlen, "new password refused: %s", msg);
		return AUTHD_R_AUTHTOK_ERR;
	case DIR_WRONG_OLD:
	case DIR_INVALID:
		snprintf(reason, reasonlen, "wrong current password");
		return AUTHD_R_AUTHTOK_RECOVERY_ERR;
	case DIR_LOCKED:
		job_add_line(j, AUTHD_STEP_ERROR, MSG_LOCKED);
		snprintf(reason, reasonlen, "locked");
		return AUTHD_R_MAXTRIES;
	case DIR_UNAVAILABLE:
		job_add_line(j, AUTHD_STEP_ERROR, MSG_UNAVAILABLE);
		snprintf(reason, reasonlen, "directory unavailable: %s", msg);
		return AUTHD_R_AUTHINFO_UNAVAIL;
	default:
		job_add_line(j, AUTHD_STEP_ERROR, MSG_NOT_CHANGED);
		snprintf(reason, reasonlen, "directory refused the change: %s", msg);
		return AUTHD_R_AUTHTOK_ERR;
	}
}

void
decide_chauthtok(struct job *j, struct dir_conn *dc)
{
	struct dir_account acct;
	char reason[512], msg[256];
	int st, result;

	st = decide_lookup(j, dc, &acct);
	if (st == DIR_NOT_FOUND || (st == DIR_OK && !decide_peer_may_act(j, &acct))) {
		result = j->req.peer_uid == 0 ? AUTHD_R_USER_UNKNOWN :
		    AUTHD_R_PERM_DENIED;
		snprintf(reason, sizeof(reason), st == DIR_NOT_FOUND ?
		    "unknown user" : "peer not allowed");
	} else if (st != DIR_OK) {
		result = AUTHD_R_AUTHINFO_UNAVAIL;
		job_add_line(j, AUTHD_STEP_ERROR, MSG_UNAVAILABLE);
		snprintf(reason, sizeof(reason), "directory unavailable: %s",
		    dir_conn_error(dc));
	} else {
		msg[0] = '\0';
		st = dir_password_change(dc, acct.dn, j->old_pw, j->new_pw, msg,
		    sizeof(msg));
		if (st == DIR_UNAVAILABLE && msg[0] == '\0')
			snprintf(msg, sizeof(msg), "%s", dir_conn_error(dc));
		result = chauthtok_verdict(j, st, msg, reason, sizeof(reason));
		if (st == DIR_QUALITY)
			j->quality_refused = 1;   /* the engine may ask again */
	}
	explicit_bzero(j->old_pw, sizeof(j->old_pw));
	explicit_bzero(j->new_pw, sizeof(j->new_pw));
	decide_finish(j, "chauthtok", result, reason, NULL);
}

void
decide_audit_only(struct job *j, struct dir_conn *dc)
{
	(void)dc;
	decide_finish(j, j->audit_event, j->audit_result, j->audit_reason, NULL);
}
