/*
 * The FIDO2_ASSERT step: authd sends a random challenge, its relying party
 * id, the person's credential ids and whether user verification is
 * required; the module asks the local authenticator for an assertion and
 * answers with the authenticator data, the signature and the credential
 * used. authd verifies everything; the module only carries.
 *
 * The key itself is the business of the plugin pam_authd_fido2.so
 * (fido2_plugin.h), loaded on the first FIDO2 step, so that logins without
 * one never load libfido2 and libcrypto. This file reads the step, asks
 * the PIN through the conversation and answers authd.
 *
 * The challenge is passed to the key as the clientDataHash (authd uses it
 * so too, see authd/fido2.h). No key here (as over ssh), or no usable
 * plugin, is answered with ANSWER_STATUS 2, and authd offers the policy's
 * other methods.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "err.h"
#include "fido2_plugin.h"
#include "pam_authd.h"
#include "secret.h"

#define ANSWER_DONE       0
#define ANSWER_CANCELLED  1
#define ANSWER_NO_DEVICE  2

#define FIDO2_CDH_LEN     32

/* What the step asks. Pointers into the step's frame. */
struct fido2_step {
	const uint8_t *challenge;
	size_t challenge_len;
	char rp_id[AUTHD_STRING_MAX + 1];
	uint32_t options;
	struct pamauthd_fido2_cred creds[AUTHD_FRAME_MAX_FIELDS];
	size_t ncreds;
};

static int
send_answer(struct pamauthd_ctx *ctx, const struct pamauthd_fido2_resp *a,
    uint8_t status)
{
	struct authd_buf *b = authd_client_wbuf(ctx->client);
	size_t start;
	int r;

	if ((r = authd_frame_begin(b, authd_client_version(ctx->client),
	    AUTHD_MSG_ANSWER, &start)) != AUTHD_OK)
		goto fail;
	if (a != NULL && ((r = authd_frame_add(b, AUTHD_F_AUTHDATA,
	    a->authdata, a->authdata_len)) != AUTHD_OK ||
	    (r = authd_frame_add(b, AUTHD_F_SIGNATURE, a->sig, a->sig_len)) !=
	    AUTHD_OK ||
	    (r = authd_frame_add(b, AUTHD_F_CRED_ID, a->cred_id,
	    a->cred_id_len)) != AUTHD_OK))
		goto fail;
	if ((r = authd_frame_add_u8(b, AUTHD_F_ANSWER_STATUS, status)) != AUTHD_OK ||
	    (r = authd_frame_end(b, start)) != AUTHD_OK)
		goto fail;
	if ((r = authd_client_flush(ctx->client)) != AUTHD_OK)
		return pamauthd_client_error(ctx->pamh, ctx->opts, r,
		    "sending an answer");
	return PAM_SUCCESS;
fail:
	authd_buf_reset(b);
	/* A key's answer that does not fit: authd hears "cancelled". */
	if (a != NULL)
		return send_answer(ctx, NULL, ANSWER_CANCELLED);
	return pamauthd_client_error(ctx->pamh, ctx->opts, r,
	    "building an answer");
}

/*
 * The step into s: AUTHD_OK or why it cannot be read. Reported only when a
 * key is there: without one nothing in the step matters.
 */
static int
read_step(const struct authd_msg *msg, struct fido2_step *s)
{
	const struct authd_field *f;
	size_t i;
	int r;

	memset(s, 0, sizeof(*s));
	if ((f = authd_msg_field(msg, AUTHD_F_CHALLENGE)) == NULL ||
	    f->len != FIDO2_CDH_LEN)
		return AUTHD_ERR_MISSING;
	s->challenge = f->val;
	s->challenge_len = f->len;
	if ((r = authd_msg_get_str(msg, AUTHD_F_RP_ID, s->rp_id,
	    sizeof(s->rp_id))) != AUTHD_OK)
		return r;
	r = authd_msg_get_u32(msg, AUTHD_F_OPTIONS, &s->options);
	if (r != AUTHD_OK && r != AUTHD_ERR_MISSING)
		return r;
	for (i = 0; i < msg->nfields && s->ncreds < AUTHD_FRAME_MAX_FIELDS; i++)
		if (msg->fields[i].tag == AUTHD_F_CRED_ID) {
			s->creds[s->ncreds].id = msg->fields[i].val;
			s->creds[s->ncreds].len = msg->fields[i].len;
			s->ncreds++;
		}
	return AUTHD_OK;
}

static void
touch_prompt(void *arg)
{
	struct pamauthd_ctx *ctx = arg;

	if ((ctx->pam_flags & PAM_SILENT) == 0)
		(void)pam_prompt(ctx->pamh, PAM_TEXT_INFO, NULL,
		    "Touch your security key.");
}

/* The key's PIN through the conversation; -1 when not given. */
static int
pin_prompt(void *arg, char *pin, size_t pinsz)
{
	struct pamauthd_ctx *ctx = arg;
	char *answer = NULL;
	size_t len;
	int r = -1;

	if (pam_prompt(ctx->pamh, PAM_PROMPT_ECHO_OFF, &answer,
	    "Security key PIN: ") == PAM_SUCCESS && answer != NULL &&
	    (len = strlen(answer)) > 0 && len < pinsz) {
		memcpy(pin, answer, len + 1);
		r = 0;
	}
	authd_secret_free(&answer);
	return r;
}

/* The plugin's verdict into the answer to authd. */
static int
answer(struct pamauthd_ctx *ctx, const struct pamauthd_fido2_resp *resp,
    int step_err)
{
	switch (resp->status) {
	case PAMAUTHD_FIDO2_DONE:
		pamauthd_debug(ctx, "%s", resp->detail);
		return send_answer(ctx, resp, ANSWER_DONE);
	case PAMAUTHD_FIDO2_NO_DEVICE:
		pamauthd_debug(ctx, "%s", resp->detail);
		return send_answer(ctx, NULL, ANSWER_NO_DEVICE);
	case PAMAUTHD_FIDO2_BAD_REQUEST:
		return pamauthd_client_error(ctx->pamh, ctx->opts,
		    step_err != AUTHD_OK ? step_err : AUTHD_ERR_MISSING,
		    "reading a FIDO2 step");
	case PAMAUTHD_FIDO2_ERROR:
		pam_syslog(ctx->pamh, LOG_ERR, "%s", resp->detail);
		return send_answer(ctx, NULL, ANSWER_CANCELLED);
	default:
		pamauthd_debug(ctx, "%s", resp->detail);
		if (resp->not_registered)
			(void)pam_prompt(ctx->pamh, PAM_ERROR_MSG, NULL,
			    "This security key is not registered for you.");
		return send_answer(ctx, NULL, ANSWER_CANCELLED);
	}
}

int
pamauthd_step_fido2(struct pamauthd_ctx *ctx, uint8_t kind,
    const struct authd_msg *msg)
{
	struct fido2_step s;
	struct pamauthd_fido2_req req;
	struct pamauthd_fido2_resp *resp = NULL;
	pamauthd_fido2_assert_fn *fido2_assert;
	int step_err, ret;

	/* No usable plugin (logged): as if no key were attached. */
	if ((fido2_assert = pamauthd_fido2_load(ctx->pamh)) == NULL)
		return send_answer(ctx, NULL, ANSWER_NO_DEVICE);
	if ((resp = calloc(1, sizeof(*resp))) == NULL) {
		pam_syslog(ctx->pamh, LOG_ERR, "cannot build a FIDO2 request");
		return send_answer(ctx, NULL, ANSWER_CANCELLED);
	}
	step_err = read_step(msg, &s);
	memset(&req, 0, sizeof(req));
	req.abi = PAMAUTHD_FIDO2_ABI;
	req.device = ctx->opts->fido2_device;
	req.timeout_ms = ctx->opts->fido2_timeout_ms;
	if (step_err == AUTHD_OK) {
		req.rp_id = s.rp_id;
		req.cdh = s.challenge;
		req.cdh_len = s.challenge_len;
		req.creds = s.creds;
		req.ncreds = s.ncreds;
		req.uv_required = (s.options & AUTHD_STEP_OPT_UV_REQUIRED) != 0;
	}
	req.touch_prompt = touch_prompt;
	req.pin_prompt = pin_prompt;
	req.arg = ctx;
	(void)fido2_assert(&req, resp);
	ret = answer(ctx, resp, step_err);
	free(resp);
	return ret;
}
