/*
 * The job of one request: its inputs (copies, never pointers into a
 * connection) and the verdict a worker reached. Secrets are wiped in
 * job_free().
 */
#ifndef AUTHD_JOB_H
#define AUTHD_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "dir.h"
#include "login_ids.h"
#include "plan.h"
#include "proto.h"
#include "session.h"
#include "verifier.h"
#include "worker.h"

#define JOB_MAX_LINES 8

struct job_line {
	uint8_t kind;                         /* AUTHD_STEP_INFO or _ERROR */
	char text[AUTHD_STRING_MAX + 1];
};

struct job {
	struct job_head head;
	struct server *srv;
	struct conn *conn;                    /* loop thread only; NULL: nobody waits */

	/* inputs */
	struct req_items req;
	struct plan *plan;                    /* authenticate: owned while in flight */
	/* Its only secrets, wiped by job_free(): a secret added here must be too. */
	char old_pw[AUTHD_SECRET_MAX + 1];
	char new_pw[AUTHD_SECRET_MAX + 1];
	char dn[512];                         /* close_session: from the registry */
	int hint_must_change;                 /* acct_mgmt: from the login id */
	int hint_grace;                       /* acct_mgmt: grace logins left, or -1 */
	/* open_session: what its login id named (zeros: none), copied on the
	 * loop (login_ids.h) so that the worker and done() judge the same */
	struct login_id_entry login;
	const char *audit_event;              /* audit-only jobs */
	int audit_result;
	char audit_reason[256];

	/* verdict */
	int result;
	struct job_line lines[JOB_MAX_LINES];
	size_t nlines;
	char login_id[LOGIN_ID_LEN + 1];
	char session_id[SESSION_ID_LEN + 1];
	char acct_dn[512];
	long uid_number;
	int must_change;
	int grace_left;
	int quality_refused;                  /* chauthtok: may ask for another */
	/*
	 * A handle bound as the person by the bind that used the last grace
	 * login (grace_hold.h): authenticate, from that bind, held if the
	 * login succeeds; chauthtok, taken from the hold for the change, given
	 * back when another new password may be asked. job_free() closes it
	 * and gives its place in the hold back.
	 */
	struct ldap *grace_ld;
	int grace_reserved;
	char grace_dn[512];                   /* chauthtok: the DN it is bound as */
	int plan_ended;                       /* authenticate: the plan job decided */
	uint32_t acct_ahead_ms;               /* authenticate: acct_mgmt decided too */
	int need_dir;                         /* run on the loop (dc NULL) could not decide */
	char factors[64];                     /* authenticate: "password,totp" */
	unsigned categories;                  /* authenticate: FACTOR_* proven */
	char policy[POLICY_NAME_MAX];         /* authenticate: the policy applied */
	char credential[160];                 /* authenticate: the device used (verifier.h) */
	char credential_key[80];              /* authenticate: a card's fingerprint */
	char grant_dn[512];                   /* authenticate: the grant honoured (privileged) */
	time_t grant_until;
	long grant_max_session;
	int grant_emergency;
	time_t grant_emergency_until;         /* when that emergency grant must be approved by */
};

struct job *job_new(struct server *srv, const struct job_ops *ops,
    const struct req_items *req);
void job_free(struct job **jp);
void job_add_line(struct job *j, uint8_t kind, const char *text);

/*
 * Record the decision; AUTHD_OK when the record is in the file. The pool
 * makes it durable before done() runs, or calls job_audit_lost().
 */
int job_audit(struct job *j, const char *event, int result, const char *reason,
    const char *extra);
/* One decision's records (up to AUTHD_AUDIT_BATCH_MAX), written together or not at all. */
struct job_record {
	const char *event;
	int result;
	const char *reason;
	const char *extra;                    /* or NULL */
};
int job_audit_n(struct job *j, const struct job_record *recs, size_t n);
/* job_ops.audit_lost of every request: a success becomes a refusal. */
void job_audit_lost(struct job *j);
/* A success whose record is missing becomes SYSTEM_ERR, with nothing granted. */
void job_refuse_unrecorded(struct job *j);

/*
 * The worker side of each request (decide_auth.c, decide_session.c). Those
 * whose ops have try_local are first run on the event loop with dc NULL:
 * when only the directory can answer they set need_dir, having changed
 * nothing and written no record, and are run again on a worker.
 */
/* AUTHENTICATE in two jobs: the plan (account, policy, enrolments), then
 * the check of what was collected. */
void decide_auth_plan(struct job *j, struct dir_conn *dc);
void decide_authenticate(struct job *j, struct dir_conn *dc);
/*
 * When all authenticating a plan still needs from the directory is the
 * password's bind: 1, with *dn_r the DN to bind (NULL: the timing entry)
 * and *in_r the input holding the password (its bound fields take the
 * result). The event loop makes that bind without waiting (bind_async.c)
 * and runs decide_authenticate itself when nothing else is needed.
 */
int decide_auth_bind_ahead(struct plan *p, const char **dn_r,
    struct verify_input **in_r);
/* The same, when the loop should bind now: not for a decoy whose name is
 * locked, which binds as a locked person does, or when whether it is
 * cannot be told on the loop (a worker decides). */
int decide_auth_bind_now(struct job *j, const char **dn_r,
    struct verify_input **in_r);
void decide_acct_mgmt(struct job *j, struct dir_conn *dc);
void decide_chauthtok(struct job *j, struct dir_conn *dc);
void decide_open_session(struct job *j, struct dir_conn *dc);
void decide_close_session(struct job *j, struct dir_conn *dc);
void decide_audit_only(struct job *j, struct dir_conn *dc);

#endif
