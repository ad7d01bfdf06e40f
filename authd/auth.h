/*
 * The conversation engine: what happens between a request frame and its
 * RESULT. It runs on the loop thread, asks the verifiers for steps, sends
 * the directory work to the worker pool as jobs and turns their verdicts
 * into frames. Decisions themselves are made on the workers (decide_*.c)
 * and recorded in the audit log there before the client hears them.
 *
 * PAM semantics: AUTHENTICATE checks the credential only; the account's
 * state (suspended, disabled, validity dates, type, must change) is judged
 * by ACCT_MGMT. Results of AUTHENTICATE are limited to what
 * pam_sm_authenticate may return: an expired password with no grace login
 * left is AUTH_ERR with its own ERROR text.
 */
#ifndef AUTHD_AUTH_H
#define AUTHD_AUTH_H

#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

struct conn;
struct conv;
struct server;

#define AUTHD_ID_MAX 64

/* The PAM items of a request, copied out of its frame. */
struct req_items {
	uint8_t type;                        /* AUTHD_MSG_* */
	uint8_t version;                     /* the connection's protocol version */
	char user[AUTHD_STRING_MAX + 1];
	char service[AUTHD_STRING_MAX + 1];
	char tty[AUTHD_STRING_MAX + 1];
	char rhost[AUTHD_STRING_MAX + 1];
	char ruser[AUTHD_STRING_MAX + 1];
	/* without rhost, when the caller runs inside a remote session of this
	 * host (its audit session): that session's rhost and id */
	char origin[AUTHD_STRING_MAX + 1];
	char origin_session[AUTHD_ID_MAX + 1];
	char login_id[AUTHD_ID_MAX + 1];
	char session_id[AUTHD_ID_MAX + 1];
	uint32_t pid;                        /* 0 when absent */
	uint32_t flags;
	uid_t peer_uid;
	pid_t peer_pid;
};

/* A request frame in CONN_IDLE. Negative: a protocol error. */
int auth_on_request(struct conn *c, const struct authd_msg *m);
/* An ANSWER frame in CONN_ANSWER. Negative: a protocol error. */
int auth_on_answer(struct conn *c, const struct authd_msg *m);
void auth_conv_free(struct conv **cp);
/* The client did not answer a STEP in time: RESULT CONV_ERR and a record. */
void auth_on_timeout(struct conn *c);
/* Record a protocol error of c (with the request's items when one is open). */
void auth_protocol_error_audit(struct conn *c, const char *why);

/* Record a decision the loop made itself (no directory work), in the background. */
void auth_audit_async(struct server *srv, const char *event,
    const struct req_items *req, int result, const char *reason);

/* The same for something authd did to session s (event=session_end,
 * session_warn): its user, service, tty, id and login program's pid. */
struct session;
void auth_audit_session(struct server *srv, const struct session *s,
    const char *event, const char *reason);

#endif
