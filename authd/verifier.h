/*
 * Verifiers: the methods that check one factor. Each is one table of
 * function pointers; the conversation engine (auth.c) only calls through
 * the table, so a new factor (TOTP, FIDO2, card) is a new table and needs
 * no change in the engine or the PAM module.
 *
 * On the loop thread a verifier collects what the person gives: start() sees
 * the request (it may already carry what is needed, e.g. AUTHTOK), answer()
 * sees each ANSWER. Both either describe the next step to show
 * (VERIFY_STEP) or say the input is complete (VERIFY_READY). On a worker
 * thread check() then judges the collected input against the directory.
 */
#ifndef AUTHD_VERIFIER_H
#define AUTHD_VERIFIER_H

#include <stdint.h>

#include "dir.h"
#include "proto.h"

enum verify_status {
	VERIFY_STEP = 1,     /* show *step_r and wait for its ANSWER */
	VERIFY_READY = 2,    /* input complete: run check() */
	VERIFY_NO_INPUT = 3  /* cannot get the input (no prompting allowed) */
};

/* What a verifier collected. Copied into the job; wiped when the job ends. */
struct verify_input {
	char secret[AUTHD_SECRET_MAX + 1];
	int have_secret;
};

struct verify_step {
	uint8_t kind;            /* AUTHD_STEP_* */
	const char *text;
};

struct verifier {
	const char *name;        /* "password" */
	const char *category;    /* "knowledge", "possession", "inherence" */
	/* Loop thread. Negative authd_err for a malformed request. */
	int (*start)(const struct authd_msg *req, uint32_t req_flags,
	    struct verify_input *in, struct verify_step *step_r);
	int (*answer)(const struct authd_msg *ans, struct verify_input *in,
	    struct verify_step *step_r);
	/*
	 * Worker thread. acct is NULL when the person is unknown or the caller
	 * may not act for them: the verifier must then spend the same effort
	 * and fail. Returns a dir_status.
	 */
	int (*check)(struct dir_conn *dc, const struct dir_account *acct,
	    const struct verify_input *in, struct dir_bind_result *res_r);
};

extern const struct verifier verifier_password;

/* The verifiers of an authentication, in order (now: the password alone). */
extern const struct verifier *const verifiers_login[];

#endif
