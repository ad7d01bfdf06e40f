/*
 * verifier_totp: a time-based one-time code (RFC 6238) from the person's
 * enrolled token proves possession. The seed is decrypted only inside
 * check(), with the site key, and wiped right after; the code is never
 * logged. An accepted code moves the token's last used step in the
 * directory (dir_totp_advance), so that the same code is refused by every
 * authd, here or on another host.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "dir_totp.h"
#include "err.h"
#include "log.h"
#include "proto.h"
#include "totp.h"
#include "verifier.h"

#define TOTP_PROMPT "Verification code: "

static int
totp_load(struct dir_conn *dc, const struct verify_ctx *ctx,
    struct verify_enrolment *enr)
{
	struct dir_totp_token *tok;
	int st;

	enr->usable = 0;
	enr->data = NULL;
	/* without a site key no seed can be read: the method does not exist here */
	if (ctx->conf->totp_key_file == NULL || ctx->acct->dn[0] == '\0')
		return AUTHD_OK;
	if ((tok = calloc(1, sizeof(*tok))) == NULL)
		return DIR_ERROR;
	st = dir_totp_load(dc, ctx->acct->dn, tok);
	if (st == DIR_NOT_FOUND) {
		free(tok);
		return AUTHD_OK;
	}
	if (st == DIR_ERROR) {
		/* a broken token must not block the person's other methods */
		authd_log(LOG_WARNING, "totp token of %s unreadable: %s",
		    ctx->acct->uid, dir_conn_error(dc));
		free(tok);
		return AUTHD_OK;
	}
	if (st != DIR_OK) {
		free(tok);
		return st;
	}
	enr->data = tok;
	enr->usable = 1;
	return AUTHD_OK;
}

static void
totp_free_enrolment(struct verify_enrolment *enr)
{
	if (enr->data != NULL) {
		explicit_bzero(enr->data, sizeof(struct dir_totp_token));
		free(enr->data);
	}
	enr->data = NULL;
	enr->usable = 0;
}

static int
totp_start(const struct verify_ctx *ctx, const struct authd_msg *req,
    struct verify_input *in, struct verify_step *step_r)
{
	(void)req;
	(void)in;
	/* the code is never typed ahead of time (AUTHTOK is the password) */
	if (ctx->req_flags & AUTHD_REQ_NO_PROMPT)
		return VERIFY_NO_INPUT;
	/* a one-time code: echo off all the same, like the password */
	step_r->kind = AUTHD_STEP_PROMPT_ECHO_OFF;
	step_r->text = TOTP_PROMPT;
	return VERIFY_STEP;
}

static int
totp_answer(const struct verify_ctx *ctx, const struct authd_msg *ans,
    struct verify_input *in, struct verify_step *step_r)
{
	const struct authd_field *f;
	size_t i, n = 0;

	(void)ctx;
	(void)step_r;
	if ((f = authd_msg_field(ans, AUTHD_F_ANSWER)) == NULL)
		return AUTHD_ERR_MISSING;
	if (f->len > AUTHD_SECRET_MAX)
		return AUTHD_ERR_TOO_LONG;
	/* people type "123 456" as apps show it: drop spaces, keep the rest
	 * (anything else simply fails the check) */
	for (i = 0; i < f->len; i++) {
		char ch = (char)f->val[i];

		if (ch == '\0')
			return AUTHD_ERR_BAD_FIELD;
		if (ch != ' ')
			in->secret[n++] = ch;
	}
	in->secret[n] = '\0';
	in->have_secret = 1;
	return VERIFY_READY;
}

static void
set_reason(struct verify_result *res, int status, const char *reason)
{
	res->status = status;
	/* reason may be a longer directory error: cut, never overflow */
	snprintf(res->reason, sizeof(res->reason), "%.*s",
	    (int)sizeof(res->reason) - 1, reason);
}

static void
totp_check(struct dir_conn *dc, const struct verify_ctx *ctx,
    const struct verify_input *in, struct verify_result *res_r)
{
	const struct dir_totp_token *tok = ctx->enr->data;
	uint8_t key[TOTP_KEY_LEN], seed[TOTP_SEED_MAX];
	char err[512];
	size_t seedlen = 0;
	uint64_t step = 0;
	int r, st;

	if (tok == NULL || !in->have_secret) {
		set_reason(res_r, DIR_INVALID, "no totp token");
		return;
	}
	if ((r = totp_key_load(ctx->conf->totp_key_file, key, err, sizeof(err))) != AUTHD_OK) {
		authd_log(LOG_ERR, "totp: %s", err);
		set_reason(res_r, DIR_ERROR, "totp site key unreadable");
		return;
	}
	r = totp_seed_decrypt(key, ctx->acct->dn, tok->blob, tok->blob_len, seed,
	    sizeof(seed), &seedlen);
	explicit_bzero(key, sizeof(key));
	if (r != AUTHD_OK) {
		/* another site key, an altered value or a seed moved from another entry */
		authd_log(LOG_ERR, "totp seed of %s does not decrypt: %s",
		    ctx->acct->uid, authd_strerror(r));
		set_reason(res_r, DIR_ERROR, "totp seed does not decrypt");
		return;
	}
	r = totp_validate(seed, seedlen, &tok->params, time(NULL),
	    (unsigned)ctx->conf->totp_window, in->secret, &step);
	explicit_bzero(seed, sizeof(seed));
	if (r < 0) {
		set_reason(res_r, DIR_ERROR, "totp validation failed");
		return;
	}
	if (r == 0) {
		set_reason(res_r, DIR_INVALID, "wrong totp code");
		return;
	}
	if (tok->have_last_step && step <= tok->last_step) {
		set_reason(res_r, DIR_INVALID, "totp code replayed");
		snprintf(res_r->message, sizeof(res_r->message),
		    "This verification code was already used; wait for the next one.");
		return;
	}
	/* claim the step: fails if another login got there first, on any host */
	st = dir_totp_advance(dc, tok, step);
	if (st == DIR_INVALID) {
		set_reason(res_r, DIR_INVALID, "totp code replayed");
		snprintf(res_r->message, sizeof(res_r->message),
		    "This verification code was already used; wait for the next one.");
		return;
	}
	if (st != DIR_OK) {
		snprintf(err, sizeof(err), "totp last step not stored: %s",
		    dir_conn_error(dc));
		set_reason(res_r, st, err);
		return;
	}
	res_r->categories = FACTOR_POSSESSION;
	set_reason(res_r, DIR_OK, "totp code accepted");
}

const struct verifier verifier_totp = {
	.name = "totp",
	.categories = FACTOR_POSSESSION,
	.load = totp_load,
	.free_enrolment = totp_free_enrolment,
	.start = totp_start,
	.answer = totp_answer,
	.check = totp_check,
};
