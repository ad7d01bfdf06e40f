/*
 * The step loop. authd says what to do, the module does it and answers;
 * a new kind of step is one more entry in step_table, never a change of the
 * loop.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "err.h"
#include "pam_authd.h"
#include "secret.h"

#define ANSWER_DONE       0
#define ANSWER_CANCELLED  1
#define ANSWER_NO_DEVICE  2

/* PAM_SUCCESS to go on with the loop, another PAM code to end it. */
typedef int (*step_fn)(struct pamauthd_ctx *ctx, uint8_t kind,
    const struct authd_msg *msg);

static int
send_answer(struct pamauthd_ctx *ctx, const char *answer, uint8_t status)
{
	struct authd_buf *b = authd_client_wbuf(ctx->client);
	size_t start;
	int r;

	if ((r = authd_frame_begin(b, authd_client_version(ctx->client),
	    AUTHD_MSG_ANSWER, &start)) != AUTHD_OK ||
	    (answer != NULL &&
	    (r = authd_frame_add_str(b, AUTHD_F_ANSWER, answer)) != AUTHD_OK) ||
	    (r = authd_frame_add_u8(b, AUTHD_F_ANSWER_STATUS, status)) != AUTHD_OK ||
	    (r = authd_frame_end(b, start)) != AUTHD_OK) {
		authd_buf_reset(b);
		return pamauthd_client_error(ctx->pamh, ctx->opts, r,
		    "building an answer");
	}
	/* flush sends and wipes the frame holding the answer */
	if ((r = authd_client_flush(ctx->client)) != AUTHD_OK)
		return pamauthd_client_error(ctx->pamh, ctx->opts, r,
		    "sending an answer");
	return PAM_SUCCESS;
}

/* The TEXT of a step (empty when absent); a malformed one is a protocol error. */
static int
step_text(struct pamauthd_ctx *ctx, const struct authd_msg *msg, char *out,
    size_t outsz)
{
	int r;

	r = authd_msg_get_str(msg, AUTHD_F_TEXT, out, outsz);
	if (r == AUTHD_ERR_MISSING) {
		out[0] = '\0';
		return PAM_SUCCESS;
	}
	if (r != AUTHD_OK)
		return pamauthd_client_error(ctx->pamh, ctx->opts, r,
		    "reading a step's text");
	return PAM_SUCCESS;
}

/*
 * An answer longer than authd takes is not sent (authd would drop the frame
 * as malformed): "not done, too long", which authd records, and the person
 * is told why.
 */
static int
answer_too_long(struct pamauthd_ctx *ctx, int hidden)
{
	size_t max = hidden ? AUTHD_SECRET_MAX : AUTHD_STRING_MAX;

	pam_syslog(ctx->pamh, LOG_NOTICE, "an answer longer than %zu bytes "
	    "cannot be sent to authd", max);
	(void)pam_prompt(ctx->pamh, PAM_ERROR_MSG, NULL,
	    "The answer is too long (at most %zu bytes).", max);
	return send_answer(ctx, AUTHD_ANSWER_TOO_LONG, ANSWER_CANCELLED);
}

static int
step_prompt(struct pamauthd_ctx *ctx, uint8_t kind, const struct authd_msg *msg)
{
	char text[AUTHD_STRING_MAX + 1];
	char *resp = NULL;
	uint32_t options = 0;
	int hidden = kind == AUTHD_STEP_PROMPT_ECHO_OFF, r;

	if ((r = step_text(ctx, msg, text, sizeof(text))) != PAM_SUCCESS)
		return r;
	r = pam_prompt(ctx->pamh, hidden ? PAM_PROMPT_ECHO_OFF :
	    PAM_PROMPT_ECHO_ON, &resp, "%s", text);
	if (r != PAM_SUCCESS || resp == NULL) {
		pamauthd_debug(ctx, "prompt not answered: %s",
		    pam_strerror(ctx->pamh, r));
		authd_secret_free(&resp);
		return send_answer(ctx, NULL, ANSWER_CANCELLED);
	}
	/* Even a visible answer may be a one-time code: never logged. */
	pamauthd_debug(ctx, "prompt answered: ***");
	/*
	 * The answer authd marks as the account's password (not a one-time
	 * code): later modules of the stack may take it with use_first_pass.
	 */
	if (hidden && ctx->store_authtok &&
	    authd_msg_get_u32(msg, AUTHD_F_OPTIONS, &options) == AUTHD_OK &&
	    (options & AUTHD_STEP_OPT_AUTHTOK) != 0) {
		ctx->store_authtok = 0;
		if (pam_set_item(ctx->pamh, PAM_AUTHTOK, resp) != PAM_SUCCESS)
			pam_syslog(ctx->pamh, LOG_WARNING,
			    "cannot set PAM_AUTHTOK");
	}
	if (strlen(resp) > (hidden ? AUTHD_SECRET_MAX : AUTHD_STRING_MAX))
		r = answer_too_long(ctx, hidden);
	else
		r = send_answer(ctx, resp, ANSWER_DONE);
	authd_secret_free(&resp);
	return r;
}

static int
step_show(struct pamauthd_ctx *ctx, uint8_t kind, const struct authd_msg *msg)
{
	char text[AUTHD_STRING_MAX + 1];
	int r;

	if ((r = step_text(ctx, msg, text, sizeof(text))) != PAM_SUCCESS)
		return r;
	if (kind == AUTHD_STEP_INFO && (ctx->pam_flags & PAM_SILENT) != 0)
		return PAM_SUCCESS;
	/* Nothing to answer; a program that cannot show text loses nothing. */
	(void)pam_prompt(ctx->pamh, kind == AUTHD_STEP_INFO ? PAM_TEXT_INFO :
	    PAM_ERROR_MSG, NULL, "%s", text);
	return PAM_SUCCESS;
}

static const step_fn step_table[AUTHD_STEP_KIND_MAX + 1] = {
	[AUTHD_STEP_PROMPT_ECHO_OFF] = step_prompt,
	[AUTHD_STEP_PROMPT_ECHO_ON] = step_prompt,
	[AUTHD_STEP_INFO] = step_show,
	[AUTHD_STEP_ERROR] = step_show,
	[AUTHD_STEP_FIDO2_ASSERT] = pamauthd_step_fido2,
	[AUTHD_STEP_CARD_SIGN] = pamauthd_step_card,
};

static int
run_step(struct pamauthd_ctx *ctx, const struct authd_msg *msg)
{
	uint8_t kind;
	int r;

	if ((r = authd_msg_get_u8(msg, AUTHD_F_STEP_KIND, &kind)) != AUTHD_OK)
		return pamauthd_client_error(ctx->pamh, ctx->opts, r,
		    "reading a step");
	if (kind >= sizeof(step_table) / sizeof(step_table[0]) ||
	    step_table[kind] == NULL) {
		pam_syslog(ctx->pamh, LOG_ERR, "unknown step kind %u from %s",
		    kind, ctx->opts->socket_path);
		return PAM_SYSTEM_ERR;
	}
	return step_table[kind](ctx, kind, msg);
}

int
pamauthd_map_result(int result)
{
	switch (result) {
	case AUTHD_R_SUCCESS: return PAM_SUCCESS;
	case AUTHD_R_AUTH_ERR: return PAM_AUTH_ERR;
	case AUTHD_R_MAXTRIES: return PAM_MAXTRIES;
	case AUTHD_R_NEW_AUTHTOK_REQD: return PAM_NEW_AUTHTOK_REQD;
	case AUTHD_R_ACCT_EXPIRED: return PAM_ACCT_EXPIRED;
	case AUTHD_R_PERM_DENIED: return PAM_PERM_DENIED;
	case AUTHD_R_AUTHTOK_ERR: return PAM_AUTHTOK_ERR;
	case AUTHD_R_AUTHTOK_RECOVERY_ERR: return PAM_AUTHTOK_RECOVERY_ERR;
	case AUTHD_R_AUTHINFO_UNAVAIL: return PAM_AUTHINFO_UNAVAIL;
	case AUTHD_R_SESSION_ERR: return PAM_SESSION_ERR;
	case AUTHD_R_CONV_ERR: return PAM_CONV_ERR;
	case AUTHD_R_USER_UNKNOWN: return PAM_USER_UNKNOWN;
	case AUTHD_R_IGNORE: return PAM_IGNORE;
	default: return PAM_SYSTEM_ERR;  /* SYSTEM_ERR, PROTOCOL_ERR, unknown */
	}
}

static int
handle_result(struct pamauthd_ctx *ctx, const struct authd_msg *msg)
{
	uint8_t result;
	int r;

	if ((r = authd_msg_get_u8(msg, AUTHD_F_RESULT, &result)) != AUTHD_OK)
		return pamauthd_client_error(ctx->pamh, ctx->opts, r,
		    "reading the result");
	if ((r = pamauthd_apply_env(ctx->pamh, msg)) != PAM_SUCCESS)
		return r;
	if (ctx->type == AUTHD_MSG_AUTHENTICATE && result == AUTHD_R_SUCCESS)
		pamauthd_ahead_note(ctx->pamh, msg);
	pamauthd_debug(ctx, "result from authd: %s", authd_result_name(result));
	return pamauthd_map_result(result);
}

int
pamauthd_converse(struct pamauthd_ctx *ctx)
{
	struct authd_msg msg;
	int r;

	for (;;) {
		if ((r = authd_client_recv(ctx->client, &msg)) != AUTHD_OK)
			return pamauthd_client_error(ctx->pamh, ctx->opts, r,
			    "waiting for authd");
		if (msg.type == AUTHD_MSG_RESULT)
			return handle_result(ctx, &msg);
		if (msg.type != AUTHD_MSG_STEP)
			return pamauthd_client_error(ctx->pamh, ctx->opts,
			    AUTHD_ERR_BAD_TYPE, "waiting for a step");
		if ((r = run_step(ctx, &msg)) != PAM_SUCCESS)
			return r;
	}
}
