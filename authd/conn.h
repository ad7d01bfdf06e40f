/*
 * One client connection: framing, the per-connection state machine and the
 * write queue. A frame is accepted only in the state where it makes sense;
 * anything else is a protocol error that ends this connection (never the
 * daemon).
 */
#ifndef AUTHD_CONN_H
#define AUTHD_CONN_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "login_ids.h"
#include "loop.h"
#include "proto.h"

struct server;
struct conv;

enum conn_state {
	CONN_HELLO,      /* waiting for HELLO */
	CONN_IDLE,       /* waiting for a request */
	CONN_BUSY,       /* the daemon works (job, delay); the client must wait */
	CONN_ANSWER,     /* a STEP waits for its ANSWER */
	CONN_CLOSING     /* flushing the last frames, then closed */
};

/*
 * What the last successful AUTHENTICATE on a connection learned, for an
 * ACCT_MGMT that follows on it (pam_authd keeps one connection per PAM
 * handle). The user socket's logins are kept nowhere else (auth.c): this is
 * how a screen locker hears that its user's password must be changed.
 */
struct conn_login {
	char id[LOGIN_ID_LEN + 1];   /* "" for none */
	char user[256];
	int must_change;
	int grace_left;              /* -1 when not in grace */
};

struct conn {
	struct loop_source src;
	struct loop_timer timer;     /* the current deadline or delay */
	struct server *srv;
	struct conn *prev, *next;
	uint64_t id;                 /* for logs */
	int refs;                    /* the list's own + one per job in flight */
	int closed;                  /* fd gone; jobs must discard their results */
	enum conn_state state;
	uint8_t version;
	uid_t peer_uid;
	pid_t peer_pid;
	int privileged_socket;
	unsigned requests;           /* made on it so far (the user socket's rate) */
	uint32_t events;             /* what epoll watches now */
	struct authd_buf *rbuf;
	struct authd_buf *wbuf;
	struct conv *conv;           /* the request in progress */
	struct conn_login login;     /* the last login on it */
	struct loop_deferred reap;   /* freed after the round it was let go in */
};

/* Listener callback: accept new connections. */
void conn_on_accept(struct loop_source *src, uint32_t events);

/* Frames to the client; a frame that does not fit closes the connection. */
int conn_send_step(struct conn *c, uint8_t kind, const char *text);
int conn_send_result(struct conn *c, int result, const char *const *env,
    size_t nenv);
/* The same, with AUTHD_F_ACCT_AHEAD_MS when not 0 (a successful AUTHENTICATE). */
int conn_send_result_ahead(struct conn *c, int result, const char *const *env,
    size_t nenv, uint32_t acct_ahead_ms);

/* Send what is queued; called after each batch of frames. */
void conn_flush(struct conn *c);

/* State changes made by the conversation engine. */
void conn_wait_answer(struct conn *c);   /* CONN_ANSWER, client deadline */
void conn_set_busy(struct conn *c);      /* CONN_BUSY, no client deadline */
void conn_request_done(struct conn *c);  /* CONN_IDLE */
/* Arm the connection's timer for a delay; on_expire gets the conn as arg. */
int conn_delay(struct conn *c, uint64_t ms, void (*on_expire)(struct loop_timer *));

/* Refuse the client: RESULT PROTOCOL_ERR (when possible), log, audit, close. */
void conn_protocol_error(struct conn *c, const char *why);
void conn_close(struct conn *c);
void conn_ref(struct conn *c);
void conn_unref(struct conn *c);
/* Log and record how many refusals the user socket's rate limit made since
 * the last call (the sweep, once a minute). */
void conn_report_rate_limits(struct server *srv);
/* Close every connection (shutdown). */
void conn_close_all(struct server *srv);

#endif
