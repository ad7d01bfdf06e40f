#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "bind_async.h"
#include "conn.h"
#include "deadline.h"
#include "err.h"
#include "grace_hold.h"
#include "job.h"
#include "log.h"
#include "login_ids.h"
#include "messages.h"
#include "plan.h"
#include "proc_kill.h"
#include "revoke.h"
#include "secret.h"
#include "server.h"
#include "session.h"
#include "verifier.h"

#define CHAUTHTOK_TRIES 3
/* Past this many queued jobs a record is written on the loop itself: a
 * client flooding garbage is slowed down instead of growing the queue. */
#define AUDIT_QUEUE_MAX 4096

enum conv_phase {
	PH_START,
	PH_VERIFY,       /* a verifier's step waits for its answer */
	PH_OLD,          /* chauthtok: "Current password: " */
	PH_NEW,          /* chauthtok: "New password: " */
	PH_RETYPE,       /* chauthtok: "Retype new password: " */
	PH_JOB,          /* a worker decides */
	PH_DELAY         /* a refusal waits for fail_delay_ms */
};

/* One request in progress on a connection. */
struct conv {
	struct req_items req;
	enum conv_phase phase;
	struct plan *plan;          /* AUTHENTICATE: between its two jobs */
	struct authd_msg req_msg;   /* the request, its fields in req_bytes */
	uint8_t *req_bytes;
	size_t req_bytes_len;
	char old_pw[AUTHD_SECRET_MAX + 1];
	char new_pw[AUTHD_SECRET_MAX + 1];
	int new_from_request;       /* AUTHTOK in CHAUTHTOK: never prompt */
	int tries;
	int pending_result;         /* PH_DELAY */
};

static const char *
event_name(uint8_t type)
{
	switch (type) {
	case AUTHD_MSG_AUTHENTICATE: return "authenticate";
	case AUTHD_MSG_ACCT_MGMT: return "acct_mgmt";
	case AUTHD_MSG_OPEN_SESSION: return "open_session";
	case AUTHD_MSG_CLOSE_SESSION: return "close_session";
	case AUTHD_MSG_CHAUTHTOK: return "chauthtok";
	}
	return "request";
}

void
auth_conv_free(struct conv **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	plan_free(&(*cp)->plan);
	if ((*cp)->req_bytes != NULL) {
		explicit_bzero((*cp)->req_bytes, (*cp)->req_bytes_len);
		free((*cp)->req_bytes);
	}
	explicit_bzero(*cp, sizeof(**cp));
	free(*cp);
	*cp = NULL;
}

/* Background records: decisions the loop made without the directory. */

static void
audit_job_done(struct job *j, int cancelled)
{
	(void)cancelled;
	job_free(&j);
}

static const struct job_ops ops_audit = {
	.name = "audit",
	.needs_dir = 0,
	.run = decide_audit_only,
	.done = audit_job_done,
};

void
auth_audit_async(struct server *srv, const char *event,
    const struct req_items *req, int result, const char *reason)
{
	struct job *j;

	if ((j = job_new(srv, &ops_audit, req)) == NULL) {
		authd_log(LOG_ERR, "%s: out of memory; audit record lost: %s",
		    event, reason);
		return;
	}
	j->audit_event = event;
	j->audit_result = result;
	snprintf(j->audit_reason, sizeof(j->audit_reason), "%s", reason);
	if (srv->workers == NULL) {
		/* authd is stopping and its workers are gone: written and
		 * synced here, on the loop's thread */
		decide_audit_only(j, NULL);
		if (authd_audit_sync(srv->audit, j->head.audit_end) != AUTHD_OK)
			authd_log(LOG_ERR, "%s: audit record not synced to disk: "
			    "%s", event, reason);
		job_free(&j);
		return;
	}
	if (worker_pool_pending(srv->workers) > AUDIT_QUEUE_MAX) {
		decide_audit_only(j, NULL);
		job_free(&j);
		return;
	}
	worker_pool_submit(srv->workers, &j->head);
}

void
auth_audit_session(struct server *srv, const struct session *s,
    const char *event, const char *reason)
{
	struct req_items req;

	memset(&req, 0, sizeof(req));
	req.type = AUTHD_MSG_CLOSE_SESSION;
	snprintf(req.user, sizeof(req.user), "%s", s->user);
	snprintf(req.service, sizeof(req.service), "%s", s->service);
	snprintf(req.tty, sizeof(req.tty), "%s", s->tty);
	snprintf(req.session_id, sizeof(req.session_id), "%s", s->id);
	req.pid = (uint32_t)s->pid;
	req.peer_pid = getpid();
	auth_audit_async(srv, event, &req, AUTHD_R_SUCCESS, reason);
}

void
auth_protocol_error_audit(struct conn *c, const char *why)
{
	struct req_items *req;

	if (c->conv != NULL) {
		auth_audit_async(c->srv, "protocol_error", &c->conv->req,
		    AUTHD_R_PROTOCOL_ERR, why);
		return;
	}
	if ((req = calloc(1, sizeof(*req))) == NULL)
		return;
	req->peer_uid = c->peer_uid;
	req->peer_pid = c->peer_pid;
	auth_audit_async(c->srv, "protocol_error", req, AUTHD_R_PROTOCOL_ERR, why);
	free(req);
}

/* End the request now with result, recorded in the background. */
static void
finish_now(struct conn *c, int result, const char *reason)
{
	auth_audit_async(c->srv, event_name(c->conv->req.type), &c->conv->req,
	    result, reason);
	if (conn_send_result(c, result, NULL, 0) == AUTHD_OK)
		conn_request_done(c);
}

void
auth_on_timeout(struct conn *c)
{
	if (c->conv == NULL)
		return;
	auth_audit_async(c->srv, event_name(c->conv->req.type), &c->conv->req,
	    AUTHD_R_CONV_ERR, "no answer in time");
	(void)conn_send_result(c, AUTHD_R_CONV_ERR, NULL, 0);
}

/* Parsing */

static int
opt_str(const struct authd_msg *m, uint16_t tag, char *out, size_t outsz)
{
	int r = authd_msg_get_str(m, tag, out, outsz);

	return r == AUTHD_ERR_MISSING ? AUTHD_OK : r;
}

static int
opt_u32(const struct authd_msg *m, uint16_t tag, uint32_t *v)
{
	int r = authd_msg_get_u32(m, tag, v);

	return r == AUTHD_ERR_MISSING ? AUTHD_OK : r;
}

static int
parse_items(const struct conn *c, const struct authd_msg *m, struct req_items *it)
{
	int r;

	it->type = m->type;
	it->version = c->version;
	it->peer_uid = c->peer_uid;
	it->peer_pid = c->peer_pid;
	if ((r = authd_msg_get_str(m, AUTHD_F_SERVICE, it->service,
	    sizeof(it->service))) != AUTHD_OK ||
	    (r = authd_msg_get_str(m, AUTHD_F_USER, it->user,
	    sizeof(it->user))) != AUTHD_OK)
		return r;
	if (it->service[0] == '\0' || it->user[0] == '\0')
		return AUTHD_ERR_MISSING;
	if ((r = opt_str(m, AUTHD_F_TTY, it->tty, sizeof(it->tty))) != AUTHD_OK ||
	    (r = opt_str(m, AUTHD_F_RHOST, it->rhost, sizeof(it->rhost))) != AUTHD_OK ||
	    (r = opt_str(m, AUTHD_F_RUSER, it->ruser, sizeof(it->ruser))) != AUTHD_OK ||
	    (r = opt_str(m, AUTHD_F_LOGIN_ID, it->login_id,
	    sizeof(it->login_id))) != AUTHD_OK ||
	    (r = opt_str(m, AUTHD_F_SESSION_ID, it->session_id,
	    sizeof(it->session_id))) != AUTHD_OK ||
	    (r = opt_u32(m, AUTHD_F_PID, &it->pid)) != AUTHD_OK ||
	    (r = opt_u32(m, AUTHD_F_FLAGS, &it->flags)) != AUTHD_OK)
		return r;
	return AUTHD_OK;
}

/* A secret field into out (AUTHD_SECRET_MAX + 1 bytes). */
static int
get_secret(const struct authd_msg *m, uint16_t tag, char *out)
{
	return authd_msg_get_str(m, tag, out, AUTHD_SECRET_MAX + 1);
}

/* Copy src into dst, cut to fit (the tables keep bounded copies). */
static void
copy_str(char *dst, size_t dstsz, const char *src)
{
	size_t len = strnlen(src, dstsz - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Frames */

static int
send_lines(struct conn *c, const struct job *j)
{
	size_t i;
	int r;

	for (i = 0; i < j->nlines; i++) {
		if (j->lines[i].kind == AUTHD_STEP_INFO &&
		    (c->conv->req.flags & AUTHD_REQ_SILENT))
			continue;
		if ((r = conn_send_step(c, j->lines[i].kind, j->lines[i].text)) != AUTHD_OK)
			return r;
	}
	return AUTHD_OK;
}

/* The banner may be longer than one TEXT: send it in pieces cut at newlines. */
static int
send_banner(struct conn *c)
{
	const char *p = c->srv->banner, *cut;
	char piece[AUTHD_STRING_MAX + 1];
	size_t len;
	int r;

	while (p != NULL && *p != '\0') {
		len = strlen(p);
		if (len > AUTHD_STRING_MAX) {
			len = AUTHD_STRING_MAX;
			for (cut = p + len; cut > p && *cut != '\n'; cut--)
				;
			if (cut > p)
				len = (size_t)(cut - p);
		}
		memcpy(piece, p, len);
		piece[len] = '\0';
		if ((r = conn_send_step(c, AUTHD_STEP_INFO, piece)) != AUTHD_OK)
			return r;
		p += len;
		if (*p == '\n')
			p++;
	}
	return AUTHD_OK;
}

/* Jobs */

/* The connection still waiting for j, or NULL (closed, or gone on). */
static struct conn *
job_waiter(struct job *j, int cancelled)
{
	struct conn *c = j->conn;

	if (c == NULL || cancelled || c->closed || c->state != CONN_BUSY ||
	    c->conv == NULL || c->conv->phase != PH_JOB)
		return NULL;
	return c;
}

static void
job_release(struct job *j)
{
	struct conn *c = j->conn;

	if (c != NULL) {
		conn_flush(c);
		conn_unref(c);
	}
	job_free(&j);
}

static struct job *
submit(struct conn *c, const struct job_ops *ops)
{
	struct job *j;

	if ((j = job_new(c->srv, ops, &c->conv->req)) == NULL) {
		finish_now(c, AUTHD_R_SYSTEM_ERR, "out of memory");
		return NULL;
	}
	j->conn = c;
	conn_ref(c);
	c->conv->phase = PH_JOB;
	conn_set_busy(c);
	return j;
}

/*
 * Decide on the loop when the view and the caches can (no worker, no
 * thread hand-off: most password logins), else on a worker.
 */
static void
run(struct job *j)
{
	if (j->head.ops->try_local) {
		j->head.ops->run(j, NULL);
		if (!j->need_dir) {
			worker_pool_finish(j->srv->workers, &j->head);
			return;
		}
		j->need_dir = 0;
	}
	worker_pool_submit(j->srv->workers, &j->head);
}

static void
on_delay_over(struct loop_timer *t)
{
	struct conn *c = t->arg;

	if (c->closed || c->conv == NULL || c->conv->phase != PH_DELAY)
		return;
	conn_ref(c);        /* a send that fails closes it */
	if (conn_send_result(c, c->conv->pending_result, NULL, 0) == AUTHD_OK)
		conn_request_done(c);
	conn_flush(c);
	conn_unref(c);
}

/* A refusal is answered after fail_delay_ms, from a timer, never by sleeping. */
static void
send_result_delayed(struct conn *c, int result)
{
	int ms = c->srv->conf->fail_delay_ms;

	c->conv->phase = PH_DELAY;
	c->conv->pending_result = result;
	/* nothing the client sends meanwhile is read: the answer is decided */
	conn_set_busy(c);
	if (ms <= 0 || conn_delay(c, (uint64_t)ms, on_delay_over) != AUTHD_OK) {
		if (conn_send_result(c, result, NULL, 0) == AUTHD_OK)
			conn_request_done(c);
	}
}

/* AUTHENTICATE */

/*
 * The request frame is gone once its plan job runs; the verifiers' start()
 * reads it afterwards (AUTHTOK), so the conversation keeps a copy.
 */
static int
keep_request(struct conv *cv, const struct authd_msg *m)
{
	size_t i, total = 0, off = 0;

	for (i = 0; i < m->nfields; i++)
		total += m->fields[i].len;
	if ((cv->req_bytes = malloc(total > 0 ? total : 1)) == NULL)
		return AUTHD_ERR_NOMEM;
	cv->req_bytes_len = total > 0 ? total : 1;
	cv->req_msg = *m;
	for (i = 0; i < m->nfields; i++) {
		if (m->fields[i].len > 0)
			memcpy(cv->req_bytes + off, m->fields[i].val,
			    m->fields[i].len);
		cv->req_msg.fields[i].val = cv->req_bytes + off;
		off += m->fields[i].len;
	}
	return AUTHD_OK;
}

/* Wipe the AUTHTOK fields of the kept request (they point into req_bytes). */
static void
forget_authtok(struct conv *cv)
{
	size_t i, off;

	for (i = 0; i < cv->req_msg.nfields; i++) {
		if (cv->req_msg.fields[i].tag != AUTHD_F_AUTHTOK)
			continue;
		off = (size_t)(cv->req_msg.fields[i].val - cv->req_bytes);
		explicit_bzero(cv->req_bytes + off, cv->req_msg.fields[i].len);
		cv->req_msg.fields[i].len = 0;
	}
}

/* A verifier's step; device steps carry their challenge and options. */
static int
send_verify_step(struct conn *c, const struct verify_step *st)
{
	const char *text = st->text != NULL ? st->text : "";
	size_t start, i, len = strlen(text);
	int r;

	if (st->challenge_len == 0 && st->rp_id == NULL && st->n_cred_ids == 0 &&
	    st->options == 0)
		return conn_send_step(c, st->kind, text);
	if (c->closed)
		return AUTHD_ERR_CLOSED;
	if (len > AUTHD_STRING_MAX)
		len = AUTHD_STRING_MAX;
	if ((r = authd_frame_begin(c->wbuf, c->version, AUTHD_MSG_STEP,
	    &start)) != AUTHD_OK ||
	    (r = authd_frame_add_u8(c->wbuf, AUTHD_F_STEP_KIND, st->kind)) != AUTHD_OK ||
	    (r = authd_frame_add(c->wbuf, AUTHD_F_TEXT, text, len)) != AUTHD_OK)
		goto out;
	if (st->challenge_len > 0 && (r = authd_frame_add(c->wbuf,
	    AUTHD_F_CHALLENGE, st->challenge, st->challenge_len)) != AUTHD_OK)
		goto out;
	if (st->rp_id != NULL && (r = authd_frame_add_str(c->wbuf,
	    AUTHD_F_RP_ID, st->rp_id)) != AUTHD_OK)
		goto out;
	for (i = 0; i < st->n_cred_ids && i < VERIFY_MAX_CRED_IDS; i++)
		if ((r = authd_frame_add(c->wbuf, AUTHD_F_CRED_ID, st->cred_ids[i],
		    st->cred_id_lens[i])) != AUTHD_OK)
			goto out;
	if (st->options != 0 && (r = authd_frame_add_u32(c->wbuf,
	    AUTHD_F_OPTIONS, st->options)) != AUTHD_OK)
		goto out;
	r = authd_frame_end(c->wbuf, start);
out:
	if (r != AUTHD_OK) {
		authd_log(LOG_WARNING, "conn %llu: cannot queue a step: %s",
		    (unsigned long long)c->id, authd_strerror(r));
		conn_close(c);
	}
	return r;
}

static void
authenticate_done(struct job *j, int cancelled)
{
	struct conn *c = job_waiter(j, cancelled);
	struct login_id_entry e;
	char env[64];
	const char *envp[1] = { env };

	if (c == NULL)
		goto out;
	if (send_lines(c, j) != AUTHD_OK)
		goto out;
	if (j->result != AUTHD_R_SUCCESS) {
		send_result_delayed(c, j->result);
		goto out;
	}
	memset(&e, 0, sizeof(e));
	copy_str(e.id, sizeof(e.id), j->login_id);
	copy_str(e.user, sizeof(e.user), j->req.user);
	copy_str(e.dn, sizeof(e.dn), j->acct_dn);
	copy_str(e.service, sizeof(e.service), j->req.service);
	copy_str(e.factors, sizeof(e.factors), j->factors);
	copy_str(e.policy, sizeof(e.policy), j->policy);
	e.categories = j->categories;
	copy_str(e.credential, sizeof(e.credential), j->credential);
	copy_str(e.credential_key, sizeof(e.credential_key), j->credential_key);
	e.must_change = j->must_change;
	e.grace_left = j->grace_left;
	copy_str(e.grant_dn, sizeof(e.grant_dn), j->grant_dn);
	e.grant_until = j->grant_until;
	e.grant_max_session = j->grant_max_session;
	e.grant_emergency = j->grant_emergency;
	e.grant_emergency_until = j->grant_emergency ?
	    j->grant_emergency_until : 0;
	e.created = time(NULL);
	/*
	 * Kept for root's callers only: their sessions (root's alone) are tied
	 * to it, and a user able to log in as themselves over and over on the
	 * user socket must not push root's logins out of the ring (a privileged
	 * session would lose the grant that ends it).
	 */
	if (c->peer_uid == 0)
		login_ids_add(c->srv->login_ids, &e);
	/* on the connection, from either socket: ACCT_MGMT may follow on it */
	copy_str(c->login.id, sizeof(c->login.id), e.id);
	copy_str(c->login.user, sizeof(c->login.user), e.user);
	c->login.must_change = e.must_change;
	c->login.grace_left = e.grace_left;
	/* the bind used the last grace login: its handle waits for the change */
	if (j->grace_ld != NULL) {
		grace_hold_put(c->srv->grace_hold, e.id, e.user, e.dn,
		    c->peer_uid, j->grace_ld, time(NULL));
		j->grace_ld = NULL;
		j->grace_reserved = 0;
	}
	snprintf(env, sizeof(env), "AUTHD_LOGIN_ID=%s", j->login_id);
	if (conn_send_result_ahead(c, AUTHD_R_SUCCESS, envp, 1,
	    j->acct_ahead_ms) == AUTHD_OK)
		conn_request_done(c);
out:
	job_release(j);
}

static const struct job_ops ops_authenticate = {
	.name = "authenticate",
	.needs_dir = 1,
	.try_local = 1,          /* when the password was bound ahead */
	.run = decide_authenticate,
	.done = authenticate_done,
	.audit_lost = job_audit_lost,
};

static void collect_next(struct conn *c);

static void
ctx_for(struct conn *c, size_t i, struct verify_ctx *ctx)
{
	struct conv *cv = c->conv;

	plan_ctx(cv->plan, i, c->srv->conf, cv->req.service, cv->req.rhost,
	    cv->req.flags, ctx);
}

/* The client cannot perform the current method: offer another, or refuse. */
static void
method_unavailable(struct conn *c)
{
	struct conv *cv = c->conv;
	struct plan *p = cv->plan;
	struct plan_method *m = &p->m[p->cur];
	char reason[512];

	m->state = PM_DROPPED;
	plan_input_wipe(m);
	if (plan_select(p)) {
		collect_next(c);
		return;
	}
	snprintf(reason, sizeof(reason), "%s unavailable on the client; no other "
	    "allowed method meets policy %s (%s)", m->v->name, p->pol.name,
	    p->pol.req.text);
	auth_audit_async(c->srv, "authenticate", &cv->req, AUTHD_R_AUTH_ERR, reason);
	if (conn_send_step(c, AUTHD_STEP_ERROR, MSG_NO_USABLE_FACTOR) != AUTHD_OK)
		return;
	send_result_delayed(c, AUTHD_R_AUTH_ERR);
}

static void
verifier_next(struct conn *c, int r, const struct verify_step *step)
{
	struct conv *cv = c->conv;
	struct plan *p = cv->plan;

	switch (r) {
	case VERIFY_STEP:
		cv->phase = PH_VERIFY;
		if (send_verify_step(c, step) == AUTHD_OK)
			conn_wait_answer(c);
		return;
	case VERIFY_READY:
		p->m[p->cur].state = PM_COLLECTED;
		collect_next(c);
		return;
	case VERIFY_NO_INPUT:
		finish_now(c, AUTHD_R_CONV_ERR, "no input and prompting not allowed");
		return;
	case VERIFY_UNAVAILABLE:
		method_unavailable(c);
		return;
	}
	finish_now(c, AUTHD_R_SYSTEM_ERR, "verifier returned an unknown status");
}

/*
 * The password's bind, made by the loop itself (bind_async.c), is back:
 * the decision follows on the loop when nothing else is needed, else on
 * a worker, which does not bind again. Made elsewhere: a worker binds.
 * A bind that used the last grace login comes with its handle (kept),
 * which goes with the job to be held for the change if the login succeeds
 * and a place in the hold is free (grace_hold.h); else it is closed.
 */
static void
on_bound(void *arg, int status, const struct dir_bind_result *res,
    struct ldap *kept)
{
	struct job *j = arg;
	struct worker_pool *workers = j->srv->workers;   /* j may be gone after run() */
	struct verify_input *in;
	const char *dn;

	if (status == BIND_ASYNC_ELSEWHERE)
		authd_log(LOG_DEBUG, "authenticate: the loop's bind was given "
		    "up; a worker binds");
	else if (decide_auth_bind_ahead(j->plan, &dn, &in)) {
		in->bound = 1;
		in->bound_status = status;
		in->bound_result = *res;
		if (kept != NULL && grace_hold_reserve(j->srv->grace_hold)) {
			j->grace_ld = kept;
			j->grace_reserved = 1;
			kept = NULL;
		}
	}
	dir_bind_handle_close(kept);
	run(j);
	worker_pool_arrived(workers);
}

/* Start the next planned method; when every input is in, check them. */
static void
collect_next(struct conn *c)
{
	struct conv *cv = c->conv;
	struct verify_input *in;
	struct verify_step step;
	struct verify_ctx ctx;
	const char *dn;
	struct job *j;
	int i, r;

	if ((i = plan_next(cv->plan)) < 0) {
		if ((j = submit(c, &ops_authenticate)) == NULL)
			return;
		j->plan = cv->plan;
		cv->plan = NULL;
		if (decide_auth_bind_now(j, &dn, &in)) {
			if ((r = bind_async_start(c->srv->binds, dn, in->secret,
			    on_bound, j)) == AUTHD_OK) {
				worker_pool_expect(c->srv->workers);
				return;
			}
			authd_log(LOG_DEBUG, "authenticate: the loop cannot bind "
			    "now (%s); a worker binds", r == AUTHD_ERR_IO ?
			    "no connection open" : authd_strerror(r));
		}
		run(j);
		return;
	}
	cv->plan->cur = (size_t)i;
	if ((in = plan_input(cv->plan, (size_t)i)) == NULL) {
		finish_now(c, AUTHD_R_SYSTEM_ERR, "out of memory");
		return;
	}
	memset(&step, 0, sizeof(step));
	ctx_for(c, (size_t)i, &ctx);
	r = cv->plan->m[i].v->start(&ctx, &cv->req_msg, in, &step);
	/* the password took AUTHTOK into its input: no second copy stays */
	if (cv->plan->m[i].v == &verifier_password)
		forget_authtok(cv);
	if (r < 0) {
		conn_protocol_error(c, "malformed request for a verifier");
		return;
	}
	verifier_next(c, r, &step);
}

static void
plan_done(struct job *j, int cancelled)
{
	struct conn *c = job_waiter(j, cancelled);

	if (c == NULL)
		goto out;
	if (j->plan_ended) {
		if (send_lines(c, j) == AUTHD_OK)
			send_result_delayed(c, j->result);
		goto out;
	}
	c->conv->plan = j->plan;
	j->plan = NULL;
	collect_next(c);
out:
	job_release(j);
}

static const struct job_ops ops_auth_plan = {
	.name = "authenticate_plan",
	.needs_dir = 1,
	.try_local = 1,
	.run = decide_auth_plan,
	.done = plan_done,
	.audit_lost = job_audit_lost,
};

/*
 * A login without PAM_RHOST made from inside a remote session of this
 * host (su or sudo in an ssh login): it comes from where that session came
 * from, and the policy's remote requirements apply. Known by the caller's
 * audit session, which only the kernel sets (pam_loginuid) and which the
 * remote session's processes inherit.
 */
static void
find_origin(struct conn *c)
{
	struct req_items *req = &c->conv->req;
	const struct session *s;

	/* most hosts, and every login with an rhost: no /proc read */
	if (req->rhost[0] != '\0' || session_registry_remote(c->srv->sessions) == 0 ||
	    (s = session_find_remote(c->srv->sessions,
	    proc_audit_session(req->peer_pid))) == NULL)
		return;
	snprintf(req->origin, sizeof(req->origin), "%s", s->rhost);
	snprintf(req->origin_session, sizeof(req->origin_session), "%s", s->id);
}

static int
start_authenticate(struct conn *c, const struct authd_msg *m)
{
	struct plan *p;
	struct job *j;
	int r;

	if ((r = keep_request(c->conv, m)) != AUTHD_OK)
		return r;
	find_origin(c);
	if (!(c->conv->req.flags & AUTHD_REQ_SILENT) &&
	    send_banner(c) != AUTHD_OK)
		return AUTHD_OK;    /* the connection is gone */
	if ((p = plan_new()) == NULL) {
		finish_now(c, AUTHD_R_SYSTEM_ERR, "out of memory");
		return AUTHD_OK;
	}
	if ((j = submit(c, &ops_auth_plan)) == NULL) {
		plan_free(&p);
		return AUTHD_OK;
	}
	j->plan = p;
	run(j);
	return AUTHD_OK;
}

/* ACCT_MGMT */

static void
acct_done(struct job *j, int cancelled)
{
	struct conn *c = job_waiter(j, cancelled);

	if (c != NULL && send_lines(c, j) == AUTHD_OK &&
	    conn_send_result(c, j->result, NULL, 0) == AUTHD_OK)
		conn_request_done(c);
	job_release(j);
}

static const struct job_ops ops_acct = {
	.name = "acct_mgmt",
	.needs_dir = 1,
	.try_local = 1,
	.run = decide_acct_mgmt,
	.done = acct_done,
	.audit_lost = job_audit_lost,
};

/*
 * What authentication learned (must change, grace) reaches ACCT_MGMT by its
 * login id: from the login made on this connection, else from root's ring
 * (a login program may ask in another process: sshd). Without either the
 * account's entry still says so (decide_auth.c).
 */
static void
acct_hints(struct conn *c, struct job *j)
{
	const struct req_items *req = &c->conv->req;
	const struct conn_login *l = &c->login;
	const struct login_id_entry *e;

	if (l->id[0] != '\0' && strlen(req->login_id) == LOGIN_ID_LEN &&
	    authd_timingsafe_bcmp(l->id, req->login_id, LOGIN_ID_LEN) == 0 &&
	    strcmp(l->user, req->user) == 0) {
		j->hint_must_change = l->must_change;
		j->hint_grace = l->grace_left;
		return;
	}
	e = login_ids_find(c->srv->login_ids, req->login_id, time(NULL));
	if (e != NULL && strcmp(e->user, req->user) == 0) {
		j->hint_must_change = e->must_change;
		j->hint_grace = e->grace_left;
	}
}

static int
start_acct(struct conn *c)
{
	struct job *j;

	if ((j = submit(c, &ops_acct)) == NULL)
		return AUTHD_OK;
	acct_hints(c, j);
	run(j);
	return AUTHD_OK;
}

/* CHAUTHTOK */

static void
ask(struct conn *c, enum conv_phase phase, const char *prompt)
{
	c->conv->phase = phase;
	if (conn_send_step(c, AUTHD_STEP_PROMPT_ECHO_OFF, prompt) == AUTHD_OK)
		conn_wait_answer(c);
}

/* Prompt for the new password, or give up when prompting is not allowed. */
static void
ask_new(struct conn *c)
{
	if (c->conv->req.flags & AUTHD_REQ_NO_PROMPT) {
		finish_now(c, AUTHD_R_AUTHTOK_ERR, "no new password and prompting not allowed");
		return;
	}
	ask(c, PH_NEW, MSG_PROMPT_NEW);
}

/* The password changed: no login of this user need change it again. */
static void
forget_change_due(struct server *srv, const char *user)
{
	struct conn *o;

	login_ids_clear_must_change(srv->login_ids, user);
	for (o = srv->conns; o != NULL; o = o->next)
		if (strcmp(o->login.user, user) == 0) {
			o->login.must_change = 0;
			o->login.grace_left = -1;
		}
}

static void
chauthtok_done(struct job *j, int cancelled)
{
	struct conn *c = job_waiter(j, cancelled);
	struct conv *cv;

	if (c == NULL)
		goto out;
	cv = c->conv;
	if (send_lines(c, j) != AUTHD_OK)
		goto out;
	if (j->quality_refused && !cv->new_from_request &&
	    ++cv->tries < CHAUTHTOK_TRIES) {
		/* still bound as the person: held again for the next try */
		if (j->grace_ld != NULL) {
			grace_hold_put(c->srv->grace_hold, j->req.login_id,
			    j->req.user, j->grace_dn, c->peer_uid, j->grace_ld,
			    time(NULL));
			j->grace_ld = NULL;
			j->grace_reserved = 0;
		}
		explicit_bzero(cv->new_pw, sizeof(cv->new_pw));
		ask_new(c);
		goto out;
	}
	if (j->result == AUTHD_R_SUCCESS)
		forget_change_due(c->srv, cv->req.user);
	if (j->result == AUTHD_R_AUTHTOK_RECOVERY_ERR) {
		/* A wrong current password is a guess like any other. */
		send_result_delayed(c, j->result);
		goto out;
	}
	if (conn_send_result(c, j->result, NULL, 0) == AUTHD_OK)
		conn_request_done(c);
out:
	job_release(j);
}

static const struct job_ops ops_chauthtok = {
	.name = "chauthtok",
	.needs_dir = 1,
	.run = decide_chauthtok,
	.done = chauthtok_done,
	.audit_lost = job_audit_lost,
};

static void
chauthtok_submit(struct conn *c)
{
	struct job *j;

	if ((j = submit(c, &ops_chauthtok)) == NULL)
		return;
	memcpy(j->old_pw, c->conv->old_pw, sizeof(j->old_pw));
	memcpy(j->new_pw, c->conv->new_pw, sizeof(j->new_pw));
	/* after the last grace login, the handle its bind left (grace_hold.h) */
	j->grace_ld = grace_hold_take(c->srv->grace_hold, j->req.login_id,
	    j->req.user, c->peer_uid, j->grace_dn, sizeof(j->grace_dn),
	    time(NULL));
	j->grace_reserved = j->grace_ld != NULL;
	run(j);
}

static int
start_chauthtok(struct conn *c, const struct authd_msg *m)
{
	struct conv *cv = c->conv;
	int r;

	r = get_secret(m, AUTHD_F_AUTHTOK, cv->new_pw);
	if (r == AUTHD_OK)
		cv->new_from_request = 1;
	else if (r != AUTHD_ERR_MISSING)
		return r;
	r = get_secret(m, AUTHD_F_OLD_AUTHTOK, cv->old_pw);
	if (r == AUTHD_ERR_MISSING) {
		if (cv->req.flags & AUTHD_REQ_NO_PROMPT) {
			finish_now(c, AUTHD_R_AUTHTOK_RECOVERY_ERR,
			    "no current password and prompting not allowed");
			return AUTHD_OK;
		}
		ask(c, PH_OLD, MSG_PROMPT_OLD);
		return AUTHD_OK;
	}
	if (r != AUTHD_OK)
		return r;
	if (cv->new_from_request)
		chauthtok_submit(c);
	else
		ask_new(c);
	return AUTHD_OK;
}

static int
chauthtok_answer(struct conn *c, const struct authd_msg *m)
{
	struct conv *cv = c->conv;
	char retyped[AUTHD_SECRET_MAX + 1];
	int r, same;

	switch (cv->phase) {
	case PH_OLD:
		if ((r = get_secret(m, AUTHD_F_ANSWER, cv->old_pw)) != AUTHD_OK)
			return r;
		if (cv->new_from_request)
			chauthtok_submit(c);
		else
			ask_new(c);
		return AUTHD_OK;
	case PH_NEW:
		if ((r = get_secret(m, AUTHD_F_ANSWER, cv->new_pw)) != AUTHD_OK)
			return r;
		ask(c, PH_RETYPE, MSG_PROMPT_RETYPE);
		return AUTHD_OK;
	case PH_RETYPE:
		memset(retyped, 0, sizeof(retyped));
		if ((r = get_secret(m, AUTHD_F_ANSWER, retyped)) != AUTHD_OK) {
			explicit_bzero(retyped, sizeof(retyped));
			return r;
		}
		same = authd_timingsafe_bcmp(retyped, cv->new_pw,
		    sizeof(retyped)) == 0;
		explicit_bzero(retyped, sizeof(retyped));
		if (same) {
			chauthtok_submit(c);
			return AUTHD_OK;
		}
		explicit_bzero(cv->new_pw, sizeof(cv->new_pw));
		if (conn_send_step(c, AUTHD_STEP_ERROR, MSG_MISMATCH) != AUTHD_OK)
			return AUTHD_OK;
		if (++cv->tries >= CHAUTHTOK_TRIES)
			finish_now(c, AUTHD_R_AUTHTOK_ERR,
			    "new passwords did not match");
		else
			ask_new(c);
		return AUTHD_OK;
	default:
		return AUTHD_ERR_INVALID;
	}
}

/* OPEN_SESSION, CLOSE_SESSION */

static void
open_session_done(struct job *j, int cancelled)
{
	struct conn *c = job_waiter(j, cancelled);
	const struct login_id_entry *e = &j->login;
	struct session s;
	char env[64], why[128];
	const char *envp[1] = { env };

	if (c == NULL)
		goto out;
	if (j->result != AUTHD_R_SUCCESS) {
		if (send_lines(c, j) == AUTHD_OK &&
		    conn_send_result(c, j->result, NULL, 0) == AUTHD_OK)
			conn_request_done(c);
		goto out;
	}
	memset(&s, 0, sizeof(s));
	copy_str(s.id, sizeof(s.id), j->session_id);
	copy_str(s.user, sizeof(s.user), j->req.user);
	copy_str(s.dn, sizeof(s.dn), j->acct_dn);
	copy_str(s.service, sizeof(s.service), j->req.service);
	copy_str(s.tty, sizeof(s.tty), j->req.tty);
	copy_str(s.rhost, sizeof(s.rhost), j->req.rhost);
	/* the kernel's word (SO_PEERCRED, in authd's pid namespace) over the
	 * PID field, which names the same process from the module's */
	s.pid = j->req.peer_pid > 0 ? j->req.peer_pid : (pid_t)j->req.pid;
	s.uid_number = j->uid_number;
	s.opened = time(NULL);
	/* what authenticated it, so that its revocation ends it */
	copy_str(s.factors, sizeof(s.factors), e->factors);
	copy_str(s.credential, sizeof(s.credential), e->credential);
	copy_str(s.card_fpr, sizeof(s.card_fpr), e->credential_key);
	/* a privileged session ends with its grant (deadline.c); one without
	 * was refused before its last login was written (decide_session.c) */
	copy_str(s.grant_dn, sizeof(s.grant_dn), e->grant_dn);
	s.grant_until = e->grant_until;
	s.role_max_session = e->grant_max_session;
	s.emergency_until = e->grant_emergency_until;
	s.opened_ms = deadline_now_ms();
	if (revoke_session_check(c->srv, &s, why, sizeof(why)) != 0) {
		auth_audit_async(c->srv, "open_session", &j->req,
		    AUTHD_R_PERM_DENIED, why);
		if (conn_send_result(c, AUTHD_R_PERM_DENIED, NULL, 0) == AUTHD_OK)
			conn_request_done(c);
		goto out;
	}
	if (session_add(c->srv->sessions, &s) != 0) {
		authd_log(LOG_ERR, "session registry: cannot add %s", s.id);
		/* the record said success: a later one says it did not open */
		auth_audit_async(c->srv, "open_session", &j->req,
		    AUTHD_R_SESSION_ERR, "session registry full or out of memory");
		if (conn_send_result(c, AUTHD_R_SESSION_ERR, NULL, 0) == AUTHD_OK)
			conn_request_done(c);
		goto out;
	}
	deadline_session_opened(c->srv->deadline,
	    session_find(c->srv->sessions, s.id));
	snprintf(env, sizeof(env), "AUTHD_SESSION_ID=%s", j->session_id);
	if (send_lines(c, j) == AUTHD_OK &&
	    conn_send_result(c, AUTHD_R_SUCCESS, envp, 1) == AUTHD_OK)
		conn_request_done(c);
out:
	job_release(j);
}

static const struct job_ops ops_open_session = {
	.name = "open_session",
	.needs_dir = 1,
	.run = decide_open_session,
	.done = open_session_done,
	.audit_lost = job_audit_lost,
};

static const struct job_ops ops_close_session = {
	.name = "close_session",
	.needs_dir = 1,
	.run = decide_close_session,
	.done = acct_done,     /* lines, then the result */
	.audit_lost = job_audit_lost,
};

static int
start_open_session(struct conn *c)
{
	const struct login_id_entry *e;
	struct job *j;

	if (session_registry_full(c->srv->sessions)) {
		finish_now(c, AUTHD_R_SESSION_ERR, "session registry full");
		return AUTHD_OK;
	}
	if ((j = submit(c, &ops_open_session)) == NULL)
		return AUTHD_OK;
	/*
	 * What authenticated it (its grant, for a privileged account), copied
	 * now: the worker refuses before writing the last login, and the entry
	 * may expire or give way in the ring before done() registers the session.
	 */
	e = login_ids_find(c->srv->login_ids, j->req.login_id, time(NULL));
	if (e != NULL && strcmp(e->user, j->req.user) == 0)
		j->login = *e;
	run(j);
	return AUTHD_OK;
}

static int
start_close_session(struct conn *c)
{
	struct req_items *req = &c->conv->req;
	struct session *s = NULL;
	struct job *j;
	pid_t pid = req->pid != 0 ? (pid_t)req->pid : req->peer_pid;

	if (req->session_id[0] != '\0')
		s = session_find(c->srv->sessions, req->session_id);
	if (s == NULL)
		s = session_find_user_pid(c->srv->sessions, req->user, pid);
	/* Only its own user, and only a caller allowed to act for that user. */
	if (s != NULL && (strcmp(s->user, req->user) != 0 ||
	    (req->peer_uid != 0 && (s->uid_number < 0 ||
	    (uid_t)s->uid_number != req->peer_uid))))
		s = NULL;
	if ((j = submit(c, &ops_close_session)) == NULL)
		return AUTHD_OK;
	if (s != NULL) {
		copy_str(j->dn, sizeof(j->dn), s->dn);
		/* ended by authd (revoke.c): the record says so */
		if (s->ended)
			snprintf(j->audit_reason, sizeof(j->audit_reason),
			    "%s", s->end_reason);
		if (j->req.session_id[0] == '\0')
			memcpy(j->req.session_id, s->id, sizeof(s->id));
		session_remove(c->srv->sessions, s);
	}
	run(j);
	return AUTHD_OK;
}

/* Entry points from conn.c */

int
auth_on_request(struct conn *c, const struct authd_msg *m)
{
	int r;

	if ((c->conv = calloc(1, sizeof(*c->conv))) == NULL)
		return AUTHD_ERR_NOMEM;
	if ((r = parse_items(c, m, &c->conv->req)) != AUTHD_OK)
		return r;
	/*
	 * Sessions are opened and closed by login programs, which run as root.
	 * From anyone else a session would name processes for authd to end
	 * (its PID field), fill the session table, or write a last login.
	 */
	if ((m->type == AUTHD_MSG_OPEN_SESSION ||
	    m->type == AUTHD_MSG_CLOSE_SESSION) && c->peer_uid != 0) {
		finish_now(c, AUTHD_R_PERM_DENIED, "sessions are opened and "
		    "closed by root (a login program), not by this caller");
		return AUTHD_OK;
	}
	switch (m->type) {
	case AUTHD_MSG_AUTHENTICATE:
		return start_authenticate(c, m);
	case AUTHD_MSG_ACCT_MGMT:
		return start_acct(c);
	case AUTHD_MSG_CHAUTHTOK:
		return start_chauthtok(c, m);
	case AUTHD_MSG_OPEN_SESSION:
		return start_open_session(c);
	case AUTHD_MSG_CLOSE_SESSION:
		return start_close_session(c);
	}
	return AUTHD_ERR_BAD_TYPE;
}

/* A prompt answered "not done": the module may say why (proto.h). */
static const char *
not_done_reason(const struct authd_msg *m)
{
	char word[sizeof(AUTHD_ANSWER_TOO_LONG)];

	if (authd_msg_get_str(m, AUTHD_F_ANSWER, word, sizeof(word)) ==
	    AUTHD_OK && strcmp(word, AUTHD_ANSWER_TOO_LONG) == 0)
		return "the answer was too long to send";
	return "the person cancelled";
}

int
auth_on_answer(struct conn *c, const struct authd_msg *m)
{
	struct conv *cv = c->conv;
	struct verify_step step;
	uint8_t status = 0;
	int r;

	if (cv == NULL)
		return AUTHD_ERR_INVALID;
	r = authd_msg_get_u8(m, AUTHD_F_ANSWER_STATUS, &status);
	if (r != AUTHD_OK && r != AUTHD_ERR_MISSING)
		return r;
	if (cv->phase == PH_VERIFY && cv->plan != NULL) {
		struct verify_ctx ctx;
		struct plan_method *pm = &cv->plan->m[cv->plan->cur];

		if (status == 2) {
			/* No device here (ssh): the policy's other methods. */
			method_unavailable(c);
			return AUTHD_OK;
		}
		if (status != 0 && !pm->v->device) {
			finish_now(c, AUTHD_R_CONV_ERR, not_done_reason(m));
			return AUTHD_OK;
		}
		memset(&step, 0, sizeof(step));
		ctx_for(c, cv->plan->cur, &ctx);
		if (pm->in == NULL)
			return AUTHD_ERR_INVALID;
		r = pm->v->answer(&ctx, m, pm->in, &step);
		if (r < 0)
			return r;
		verifier_next(c, r, &step);
		return AUTHD_OK;
	}
	if (status != 0) {
		finish_now(c, AUTHD_R_CONV_ERR, status == 1 ?
		    not_done_reason(m) : "no device");
		return AUTHD_OK;
	}
	return chauthtok_answer(c, m);
}
