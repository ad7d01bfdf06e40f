#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "err.h"
#include "grace_hold.h"
#include "job.h"
#include "log.h"
#include "server.h"

struct job *
job_new(struct server *srv, const struct job_ops *ops, const struct req_items *req)
{
	struct job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->head.ops = ops;
	j->srv = srv;
	if (req != NULL)
		j->req = *req;
	j->hint_grace = -1;
	j->grace_left = -1;
	j->uid_number = -1;
	j->result = AUTHD_R_SYSTEM_ERR;
	return j;
}

void
job_free(struct job **jp)
{
	if (jp == NULL || *jp == NULL)
		return;
	/* The plan wipes the inputs it collected (passwords, codes). */
	plan_free(&(*jp)->plan);
	dir_bind_handle_close((*jp)->grace_ld);
	if ((*jp)->grace_reserved)
		grace_hold_unreserve((*jp)->srv->grace_hold);
	/*
	 * The job's own secrets (job.h: old_pw, new_pw); not all 17 KB of it,
	 * twice for every login.
	 */
	explicit_bzero((*jp)->old_pw, sizeof((*jp)->old_pw));
	explicit_bzero((*jp)->new_pw, sizeof((*jp)->new_pw));
	free(*jp);
	*jp = NULL;
}

void
job_add_line(struct job *j, uint8_t kind, const char *text)
{
	if (j->nlines == JOB_MAX_LINES)
		return;
	j->lines[j->nlines].kind = kind;
	snprintf(j->lines[j->nlines].text, sizeof(j->lines[0].text), "%s", text);
	j->nlines++;
}

int
job_audit_n(struct job *j, const struct job_record *recs, size_t n)
{
	struct authd_audit_event ev[AUTHD_AUDIT_BATCH_MAX];
	char user[200], service[200], origin[1100];
	char extra[AUTHD_AUDIT_BATCH_MAX][12288];
	off_t end = 0;
	size_t i;
	int r;

	if (n == 0 || n > AUTHD_AUDIT_BATCH_MAX)
		return AUTHD_ERR_INVALID;
	memset(ev, 0, sizeof(ev));
	for (i = 0; i < n; i++) {
		ev[i].event = recs[i].event;
		ev[i].user = j->req.user;
		ev[i].service = j->req.service;
		ev[i].tty = j->req.tty;
		ev[i].rhost = j->req.rhost;
		ev[i].peer_uid = j->req.peer_uid;
		ev[i].peer_pid = j->req.peer_pid;
		ev[i].result = authd_result_name(recs[i].result);
		ev[i].reason = recs[i].reason;
		ev[i].extra = recs[i].extra;
		/* where a login from inside a remote session came from */
		if (j->req.origin[0] != '\0') {
			snprintf(extra[i], sizeof(extra[i]), "%s origin=%s "
			    "origin_session=%s", recs[i].extra != NULL ?
			    recs[i].extra : "", authd_audit_escape(j->req.origin,
			    origin, sizeof(origin)), j->req.origin_session);
			ev[i].extra = extra[i];
		}
	}
	/* Written now, synced for many jobs at once before done() (worker.c). */
	r = authd_audit_write_n(j->srv->audit, ev, n, &end);
	if (end > j->head.audit_end)
		j->head.audit_end = end;
	/* syslog has the record itself; this line is for the daemon's own log. */
	authd_audit_escape(j->req.user, user, sizeof(user));
	authd_audit_escape(j->req.service, service, sizeof(service));
	for (i = 0; i < n; i++)
		authd_log(r == AUTHD_OK ? LOG_DEBUG : LOG_ERR, "%s user=%s "
		    "service=%s peer_uid=%ld peer_pid=%ld result=%s reason=%s%s",
		    recs[i].event, user, service, (long)j->req.peer_uid,
		    (long)j->req.peer_pid, authd_result_name(recs[i].result),
		    recs[i].reason, r == AUTHD_OK ? "" :
		    " (AUDIT RECORD NOT WRITTEN)");
	return r;
}

int
job_audit(struct job *j, const char *event, int result, const char *reason,
    const char *extra)
{
	struct job_record rec = { event, result, reason, extra };

	return job_audit_n(j, &rec, 1);
}

void
job_audit_lost(struct job *j)
{
	int granted = j->result == AUTHD_R_SUCCESS, ahead = j->acct_ahead_ms > 0;

	authd_log(LOG_ERR, "%s for %s: its audit record is not on disk; "
	    "refused", j->head.ops->name, j->req.user);
	job_refuse_unrecorded(j);
	/*
	 * The record may still reach the disk later, saying success: say what
	 * really happened after it (synced with the next records, if ever).
	 */
	if (granted)
		auth_audit_async(j->srv, j->head.ops->name, &j->req,
		    AUTHD_R_SYSTEM_ERR, "refused: the record of its success "
		    "could not be synced to disk");
	/* and of the acct_mgmt decided with it, which nobody will use */
	if (granted && ahead)
		auth_audit_async(j->srv, "acct_mgmt", &j->req, AUTHD_R_SYSTEM_ERR,
		    "refused: the record of the authentication it was decided "
		    "with could not be synced to disk");
}

void
job_refuse_unrecorded(struct job *j)
{
	if (j->result != AUTHD_R_SUCCESS)
		return;
	/* No login is granted unless its record was written. */
	j->result = AUTHD_R_SYSTEM_ERR;
	j->nlines = 0;
	j->acct_ahead_ms = 0;
	j->login_id[0] = '\0';
	j->session_id[0] = '\0';
}
