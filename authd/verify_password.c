#include "config.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "messages.h"
#include "proto.h"
#include "verifier.h"

/* Copy a secret field into in->secret; the frame's copy is wiped by its buffer. */
static int
take_secret(const struct authd_msg *m, uint16_t tag, struct verify_input *in)
{
	int r;

	if ((r = authd_msg_get_str(m, tag, in->secret, sizeof(in->secret))) ==
	    AUTHD_OK)
		in->have_secret = 1;
	return r;
}

/* Everyone in the directory has a password (ppolicy judges it at bind). */
static int
password_load(struct dir_conn *dc, const struct verify_ctx *ctx,
    struct verify_enrolment *enr)
{
	(void)dc;
	(void)ctx;
	enr->usable = 1;
	enr->data = NULL;
	return AUTHD_OK;
}

static void
password_free_enrolment(struct verify_enrolment *enr)
{
	enr->data = NULL;
}

static int
password_start(const struct verify_ctx *ctx, const struct authd_msg *req,
    struct verify_input *in, struct verify_step *step_r)
{
	int r;

	/* use_first_pass / try_first_pass: the module already has it. */
	if ((r = take_secret(req, AUTHD_F_AUTHTOK, in)) == AUTHD_OK)
		return VERIFY_READY;
	if (r != AUTHD_ERR_MISSING)
		return r;
	if (ctx->req_flags & AUTHD_REQ_NO_PROMPT)
		return VERIFY_NO_INPUT;
	step_r->kind = AUTHD_STEP_PROMPT_ECHO_OFF;
	step_r->text = MSG_PROMPT_PASSWORD;
	step_r->options = AUTHD_STEP_OPT_AUTHTOK;
	return VERIFY_STEP;
}

static int
password_answer(const struct verify_ctx *ctx, const struct authd_msg *ans,
    struct verify_input *in, struct verify_step *step_r)
{
	int r;

	(void)ctx;
	(void)step_r;
	if ((r = take_secret(ans, AUTHD_F_ANSWER, in)) != AUTHD_OK)
		return r;
	return VERIFY_READY;
}

int
verify_password_bind(struct dir_conn *dc, const char *dn,
    const struct verify_input *in, struct dir_bind_result *res_r)
{
	if (in->bound) {
		*res_r = in->bound_result;
		return in->bound_status;
	}
	return dir_password_bind(dc, dn, in->secret, res_r);
}

/* One ppolicy bind as the person: the directory counts and locks. */
static void
password_check(struct dir_conn *dc, const struct verify_ctx *ctx,
    const struct verify_input *in, struct verify_result *res_r)
{
	int st;

	st = verify_password_bind(dc, ctx->acct->dn, in, &res_r->bind);
	res_r->status = st;
	switch (st) {
	case DIR_OK:
		res_r->categories = FACTOR_KNOWLEDGE;
		snprintf(res_r->reason, sizeof(res_r->reason), "password accepted");
		break;
	case DIR_INVALID:
		snprintf(res_r->reason, sizeof(res_r->reason), "wrong password");
		break;
	case DIR_LOCKED:
		snprintf(res_r->reason, sizeof(res_r->reason), "locked");
		break;
	case DIR_EXPIRED:
		snprintf(res_r->reason, sizeof(res_r->reason),
		    "password expired, no grace login left");
		break;
	default:
		snprintf(res_r->reason, sizeof(res_r->reason), "%.150s",
		    res_r->bind.message);
		break;
	}
}

const struct verifier verifier_password = {
	.name = "password",
	.categories = FACTOR_KNOWLEDGE,
	.load_local = 1,
	.load = password_load,
	.free_enrolment = password_free_enrolment,
	.start = password_start,
	.answer = password_answer,
	.check = password_check,
};
