#include "config.h"

#include <string.h>

#include "err.h"
#include "messages.h"
#include "proto.h"
#include "verifier.h"

/* Copy a secret field into in->secret; the frame's copy is wiped by its buffer. */
static int
take_secret(const struct authd_msg *m, uint16_t tag, struct verify_input *in)
{
	const struct authd_field *f;

	if ((f = authd_msg_field(m, tag)) == NULL)
		return AUTHD_ERR_MISSING;
	if (f->len > AUTHD_SECRET_MAX)
		return AUTHD_ERR_TOO_LONG;
	if (f->len > 0 && memchr(f->val, '\0', f->len) != NULL)
		return AUTHD_ERR_BAD_FIELD;
	memcpy(in->secret, f->val, f->len);
	in->secret[f->len] = '\0';
	in->have_secret = 1;
	return AUTHD_OK;
}

static int
password_start(const struct authd_msg *req, uint32_t req_flags,
    struct verify_input *in, struct verify_step *step_r)
{
	int r;

	/* use_first_pass / try_first_pass: the module already has it. */
	if ((r = take_secret(req, AUTHD_F_AUTHTOK, in)) == AUTHD_OK)
		return VERIFY_READY;
	if (r != AUTHD_ERR_MISSING)
		return r;
	if (req_flags & AUTHD_REQ_NO_PROMPT)
		return VERIFY_NO_INPUT;
	step_r->kind = AUTHD_STEP_PROMPT_ECHO_OFF;
	step_r->text = MSG_PROMPT_PASSWORD;
	return VERIFY_STEP;
}

static int
password_answer(const struct authd_msg *ans, struct verify_input *in,
    struct verify_step *step_r)
{
	int r;

	(void)step_r;
	if ((r = take_secret(ans, AUTHD_F_ANSWER, in)) != AUTHD_OK)
		return r;
	return VERIFY_READY;
}

static int
password_check(struct dir_conn *dc, const struct dir_account *acct,
    const struct verify_input *in, struct dir_bind_result *res_r)
{
	int st;

	/* The timing entry: an unknown user costs one real bind too. */
	st = dir_password_bind(dc, acct != NULL ? acct->dn : NULL, in->secret,
	    res_r);
	if (acct == NULL)
		st = DIR_INVALID;
	return st;
}

const struct verifier verifier_password = {
	.name = "password",
	.category = "knowledge",
	.start = password_start,
	.answer = password_answer,
	.check = password_check,
};

const struct verifier *const verifiers_login[] = {
	&verifier_password,
	NULL
};
