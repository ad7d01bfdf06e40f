/*
 * The FIDO2_ASSERT step: authd sends a random challenge, its relying party
 * id, the person's credential ids and whether user verification is
 * required; the module asks the local authenticator for an assertion and
 * answers with the authenticator data, the signature and the credential
 * used. authd verifies everything; the module only carries.
 *
 * The challenge is passed to the key as the clientDataHash (authd uses it
 * so too, see authd/fido2.h). No key here (as over ssh) is answered with
 * ANSWER_STATUS 2, and authd offers the policy's other methods.
 */
#include "config.h"

#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "err.h"
#include "fido2_dev.h"
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
};

static int
send_assertion(struct pamauthd_ctx *ctx, const fido_assert_t *a, uint8_t status)
{
	struct authd_buf *b = authd_client_wbuf(ctx->client);
	size_t start;
	int r;

	if ((r = authd_frame_begin(b, authd_client_version(ctx->client),
	    AUTHD_MSG_ANSWER, &start)) != AUTHD_OK)
		goto fail;
	if (a != NULL && ((r = authd_frame_add(b, AUTHD_F_AUTHDATA,
	    fido_assert_authdata_ptr(a, 0), fido_assert_authdata_len(a, 0))) !=
	    AUTHD_OK ||
	    (r = authd_frame_add(b, AUTHD_F_SIGNATURE, fido_assert_sig_ptr(a, 0),
	    fido_assert_sig_len(a, 0))) != AUTHD_OK ||
	    (r = authd_frame_add(b, AUTHD_F_CRED_ID, fido_assert_id_ptr(a, 0),
	    fido_assert_id_len(a, 0))) != AUTHD_OK))
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
		return send_assertion(ctx, NULL, ANSWER_CANCELLED);
	return pamauthd_client_error(ctx->pamh, ctx->opts, r,
	    "building an answer");
}

static int
read_step(struct pamauthd_ctx *ctx, const struct authd_msg *msg,
    struct fido2_step *s)
{
	const struct authd_field *f;
	int r;

	memset(s, 0, sizeof(*s));
	if ((f = authd_msg_field(msg, AUTHD_F_CHALLENGE)) == NULL ||
	    f->len != FIDO2_CDH_LEN) {
		r = AUTHD_ERR_MISSING;
		goto fail;
	}
	s->challenge = f->val;
	s->challenge_len = f->len;
	if ((r = authd_msg_get_str(msg, AUTHD_F_RP_ID, s->rp_id,
	    sizeof(s->rp_id))) != AUTHD_OK)
		goto fail;
	r = authd_msg_get_u32(msg, AUTHD_F_OPTIONS, &s->options);
	if (r != AUTHD_OK && r != AUTHD_ERR_MISSING)
		goto fail;
	return PAM_SUCCESS;
fail:
	return pamauthd_client_error(ctx->pamh, ctx->opts, r,
	    "reading a FIDO2 step");
}

/* The request to the key: rp, challenge, every credential id authd listed. */
static int
build_assert(const struct authd_msg *msg, const struct fido2_step *s,
    fido_assert_t *a)
{
	size_t i;
	int r;

	if ((r = fido_assert_set_rp(a, s->rp_id)) != FIDO_OK ||
	    (r = fido_assert_set_clientdata_hash(a, s->challenge,
	    s->challenge_len)) != FIDO_OK ||
	    (r = fido_assert_set_up(a, FIDO_OPT_TRUE)) != FIDO_OK)
		return r;
	for (i = 0; i < msg->nfields; i++)
		if (msg->fields[i].tag == AUTHD_F_CRED_ID &&
		    (r = fido_assert_allow_cred(a, msg->fields[i].val,
		    msg->fields[i].len)) != FIDO_OK)
			return r;
	return FIDO_OK;
}

/* The key's PIN through the conversation; NULL when not given. */
static char *
ask_pin(struct pamauthd_ctx *ctx)
{
	char *pin = NULL;

	if (pam_prompt(ctx->pamh, PAM_PROMPT_ECHO_OFF, &pin,
	    "Security key PIN: ") != PAM_SUCCESS || pin == NULL ||
	    pin[0] == '\0') {
		authd_secret_free(&pin);
		return NULL;
	}
	return pin;
}

/*
 * Ask the key. User verification: a key with built-in UV (fingerprint)
 * does it itself; a key with a PIN gets the PIN from the person. A key
 * that can do neither cannot answer a step that requires UV.
 */
static int
get_assertion(struct pamauthd_ctx *ctx, fido_dev_t *dev, fido_assert_t *a,
    int uv_required)
{
	char *pin = NULL;
	int r;

	if (!uv_required)
		return fido_dev_get_assert(dev, a, NULL);
	if (fido_dev_has_uv(dev)) {
		if ((r = fido_assert_set_uv(a, FIDO_OPT_TRUE)) != FIDO_OK)
			return r;
		r = fido_dev_get_assert(dev, a, NULL);
		if (!fido_dev_has_pin(dev) || (r != FIDO_ERR_PIN_REQUIRED &&
		    r != FIDO_ERR_UV_BLOCKED && r != FIDO_ERR_UV_INVALID))
			return r;
		/* built-in UV refused or blocked: fall back to the PIN */
		(void)fido_assert_set_uv(a, FIDO_OPT_OMIT);
	} else if (!fido_dev_has_pin(dev))
		return FIDO_ERR_UNSUPPORTED_OPTION;
	if ((pin = ask_pin(ctx)) == NULL)
		return FIDO_ERR_PIN_REQUIRED;
	r = fido_dev_get_assert(dev, a, pin);
	authd_secret_free(&pin);
	return r;
}

int
pamauthd_step_fido2(struct pamauthd_ctx *ctx, uint8_t kind,
    const struct authd_msg *msg)
{
	struct fido2_step s;
	fido_dev_t *dev = NULL;
	fido_assert_t *a = NULL;
	int r, ret;

	/* No key here (ssh): nothing in the step matters. */
	r = fido2dev_open(ctx->opts->fido2_device, ctx->opts->fido2_timeout_ms,
	    &dev);
	if (r != FIDO_OK) {
		pamauthd_debug(ctx, "no FIDO2 device: %s", fido_strerr(r));
		return send_assertion(ctx, NULL, ANSWER_NO_DEVICE);
	}
	if ((ret = read_step(ctx, msg, &s)) != PAM_SUCCESS)
		goto out;
	if ((s.options & AUTHD_STEP_OPT_UV_REQUIRED) != 0 &&
	    !fido_dev_has_uv(dev) && !fido_dev_has_pin(dev)) {
		pamauthd_debug(ctx, "FIDO2 device cannot verify the user");
		ret = send_assertion(ctx, NULL, ANSWER_NO_DEVICE);
		goto out;
	}
	if ((a = fido_assert_new()) == NULL ||
	    (r = build_assert(msg, &s, a)) != FIDO_OK) {
		pam_syslog(ctx->pamh, LOG_ERR, "cannot build a FIDO2 request");
		ret = send_assertion(ctx, NULL, ANSWER_CANCELLED);
		goto out;
	}
	if ((ctx->pam_flags & PAM_SILENT) == 0)
		(void)pam_prompt(ctx->pamh, PAM_TEXT_INFO, NULL,
		    "Touch your security key.");
	r = get_assertion(ctx, dev, a, (s.options & AUTHD_STEP_OPT_UV_REQUIRED) != 0);
	if (r != FIDO_OK || fido_assert_count(a) != 1) {
		pamauthd_debug(ctx, "FIDO2 assertion failed: %s", fido_strerr(r));
		if (r == FIDO_ERR_NO_CREDENTIALS)
			(void)pam_prompt(ctx->pamh, PAM_ERROR_MSG, NULL,
			    "This security key is not registered for you.");
		ret = send_assertion(ctx, NULL, ANSWER_CANCELLED);
		goto out;
	}
	pamauthd_debug(ctx, "FIDO2 assertion made");
	ret = send_assertion(ctx, a, ANSWER_DONE);
out:
	fido_assert_free(&a);
	fido2dev_close(&dev);
	return ret;
}
