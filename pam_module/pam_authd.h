/*
 * Inside pam_authd.so. The module decides nothing (DESIGN.md decision 5):
 * each PAM stage sends one request to authd, then performs the steps authd
 * asks for until authd's verdict, which becomes the PAM return code.
 */
#ifndef PAM_AUTHD_H
#define PAM_AUTHD_H

#include <stdint.h>

#include <security/pam_modules.h>

#include "client.h"

#define PAMAUTHD_DEFAULT_TIMEOUT_S  130   /* a little over authd's client_timeout */
#define PAMAUTHD_MAX_TIMEOUT_S      3600

/* Keys of pam_set_data(); the ENV names from authd get the same prefix. */
#define PAMAUTHD_DATA_PREFIX        "pam_authd:"
#define PAMAUTHD_DATA_PASSWORD      "pam_authd:password"  /* until chauthtok */
#define PAMAUTHD_DATA_CHANGE_DUE    "pam_authd:change_due" /* acct_mgmt said so */
#define PAMAUTHD_DATA_CONN          "pam_authd:conn"      /* kept between stages */
#define PAMAUTHD_DATA_ACCT_AHEAD    "pam_authd:acct_ahead" /* ahead.c */
#define PAMAUTHD_ENV_LOGIN_ID       "AUTHD_LOGIN_ID"
#define PAMAUTHD_ENV_SESSION_ID     "AUTHD_SESSION_ID"

struct pamauthd_opts {
	int debug;
	int use_first_pass;
	int try_first_pass;
	const char *socket_path;   /* from argv, or a compiled-in default */
	int timeout_ms;
	const char *pkcs11_module; /* pkcs11_module=: the card's PKCS#11 module */
	const char *card_helper;   /* card_helper=: the helper that talks to it */
	int card_timeout_ms;       /* card_timeout=: hard limit per helper stage */
	const char *fido2_device;  /* fido2_device=: NULL (first attached key),
	                              /dev/hidrawN, or unix:/PATH (test transport) */
	int fido2_timeout_ms;      /* fido2_timeout=: hard limit for the key */
};

/* What one request carries besides the PAM items every request has. */
struct pamauthd_req {
	uint8_t type;              /* AUTHD_MSG_AUTHENTICATE ... CHAUTHTOK */
	uint32_t flags;            /* AUTHD_REQ_* */
	int send_pid;
	const char *authtok;       /* secret or NULL */
	const char *old_authtok;   /* secret or NULL */
	const char *login_id;
	const char *session_id;
};

/* One conversation with authd. */
struct pamauthd_ctx {
	pam_handle_t *pamh;
	const struct pamauthd_opts *opts;
	struct authd_client *client;
	int pam_flags;
	uint8_t type;              /* the request's AUTHD_MSG_* */
	int store_authtok;         /* authenticate: first hidden answer -> PAM_AUTHTOK */
};

/* options.c */
void pamauthd_parse_options(pam_handle_t *pamh, int argc, const char **argv,
    struct pamauthd_opts *o);
void pamauthd_debug(const struct pamauthd_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * request.c: send the request over the connection the handle keeps (or a new
 * one), run the conversation; a PAM code.
 */
int pamauthd_request(pam_handle_t *pamh, const struct pamauthd_opts *o,
    int pam_flags, const struct pamauthd_req *req);
/*
 * Is authd reachable (connect + HELLO answered)? PAM_SUCCESS or
 * PAM_AUTHINFO_UNAVAIL. The connection is kept for the next request.
 */
int pamauthd_probe(pam_handle_t *pamh, const struct pamauthd_opts *o);
/* PAM code for a failure of the client library, logged. */
int pamauthd_client_error(pam_handle_t *pamh, const struct pamauthd_opts *o,
    int err, const char *doing);

/* conversation.c: the step loop until RESULT; a PAM code. */
int pamauthd_converse(struct pamauthd_ctx *ctx);
int pamauthd_map_result(int result);

/* card.c: the CARD_SIGN step (the step table's handler). */
int pamauthd_step_card(struct pamauthd_ctx *ctx, uint8_t kind,
    const struct authd_msg *msg);

/* fido2.c: the FIDO2_ASSERT step (the step table's handler). */
int pamauthd_step_fido2(struct pamauthd_ctx *ctx, uint8_t kind,
    const struct authd_msg *msg);

/* env.c: NAME=VALUE from authd into the PAM environment and module data. */
int pamauthd_apply_env(pam_handle_t *pamh, const struct authd_msg *msg);
/* An id an earlier stage received (module data first, then the PAM environment). */
const char *pamauthd_get_id(pam_handle_t *pamh, const char *name);

/*
 * ahead.c: acct_mgmt decided by authd with the authentication. note: keep
 * it from AUTHENTICATE's RESULT (nothing when absent); take: 1 when this
 * acct_mgmt may return it (in time, same items), and forget it either way;
 * drop: forget it.
 */
void pamauthd_ahead_note(pam_handle_t *pamh, const struct authd_msg *msg);
int pamauthd_ahead_take(pam_handle_t *pamh);
void pamauthd_ahead_drop(pam_handle_t *pamh);

/* stages.c: the pam_sm_* bodies. */
int pamauthd_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv);
int pamauthd_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv);
int pamauthd_setcred(pam_handle_t *pamh);
int pamauthd_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv);
int pamauthd_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv);
int pamauthd_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv);

#endif
