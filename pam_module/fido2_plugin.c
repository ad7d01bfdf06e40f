/*
 * pam_authd_fido2.so: the part of the FIDO2_ASSERT step that talks to the
 * security key (fido2_plugin.h). It exports pamauthd_fido2_assert() only
 * (fido2_plugin.sym); pam_authd.so loads it on the first FIDO2 step.
 *
 * User verification: a key with built-in UV (fingerprint) does it itself;
 * a key with a PIN gets the PIN from the person through req->pin_prompt. A
 * key that can do neither cannot answer a step that requires UV.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fido2_dev.h"
#include "fido2_plugin.h"

static int
finish(struct pamauthd_fido2_resp *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
finish(struct pamauthd_fido2_resp *resp, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(resp->detail, sizeof(resp->detail), fmt, ap);
	va_end(ap);
	resp->status = status;
	return status;
}

/* The request to the key: rp, challenge, every credential id authd listed. */
static int
build_assert(const struct pamauthd_fido2_req *req, fido_assert_t *a)
{
	size_t i;
	int r;

	if ((r = fido_assert_set_rp(a, req->rp_id)) != FIDO_OK ||
	    (r = fido_assert_set_clientdata_hash(a, req->cdh,
	    req->cdh_len)) != FIDO_OK ||
	    (r = fido_assert_set_up(a, FIDO_OPT_TRUE)) != FIDO_OK)
		return r;
	for (i = 0; i < req->ncreds; i++)
		if ((r = fido_assert_allow_cred(a, req->creds[i].id,
		    req->creds[i].len)) != FIDO_OK)
			return r;
	return FIDO_OK;
}

static int
get_with_pin(const struct pamauthd_fido2_req *req, fido_dev_t *dev,
    fido_assert_t *a)
{
	char pin[PAMAUTHD_FIDO2_PIN_MAX];
	int r = FIDO_ERR_PIN_REQUIRED;

	if (req->pin_prompt != NULL &&
	    req->pin_prompt(req->arg, pin, sizeof(pin)) == 0 &&
	    memchr(pin, '\0', sizeof(pin)) != NULL && pin[0] != '\0')
		r = fido_dev_get_assert(dev, a, pin);
	explicit_bzero(pin, sizeof(pin));
	return r;
}

static int
get_assertion(const struct pamauthd_fido2_req *req, fido_dev_t *dev,
    fido_assert_t *a)
{
	int r;

	if (!req->uv_required)
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
	return get_with_pin(req, dev, a);
}

static int
copy_blob(uint8_t *dst, size_t *len_r, const unsigned char *src, size_t len)
{
	if (src == NULL || len > PAMAUTHD_FIDO2_BLOB_MAX)
		return -1;
	memcpy(dst, src, len);
	*len_r = len;
	return 0;
}

/* The one assertion into resp; one that does not fit is "cancelled". */
static int
copy_assertion(const fido_assert_t *a, struct pamauthd_fido2_resp *resp)
{
	if (copy_blob(resp->authdata, &resp->authdata_len,
	    fido_assert_authdata_ptr(a, 0), fido_assert_authdata_len(a, 0)) != 0 ||
	    copy_blob(resp->sig, &resp->sig_len, fido_assert_sig_ptr(a, 0),
	    fido_assert_sig_len(a, 0)) != 0 ||
	    copy_blob(resp->cred_id, &resp->cred_id_len, fido_assert_id_ptr(a, 0),
	    fido_assert_id_len(a, 0)) != 0)
		return finish(resp, PAMAUTHD_FIDO2_CANCELLED,
		    "FIDO2 assertion too large");
	return finish(resp, PAMAUTHD_FIDO2_DONE, "FIDO2 assertion made");
}

int
pamauthd_fido2_assert(const struct pamauthd_fido2_req *req,
    struct pamauthd_fido2_resp *resp)
{
	fido_dev_t *dev = NULL;
	fido_assert_t *a = NULL;
	int r, status;

	if (req == NULL)
		return PAMAUTHD_FIDO2_ABI;
	resp->not_registered = 0;
	resp->authdata_len = resp->sig_len = resp->cred_id_len = 0;
	if (req->abi != PAMAUTHD_FIDO2_ABI)
		return finish(resp, PAMAUTHD_FIDO2_ERROR,
		    "FIDO2 plugin ABI %d, caller %d", PAMAUTHD_FIDO2_ABI, req->abi);
	/* No key here (ssh): nothing in the request matters. */
	if ((r = fido2dev_open(req->device, req->timeout_ms, &dev)) != FIDO_OK)
		return finish(resp, PAMAUTHD_FIDO2_NO_DEVICE,
		    "no FIDO2 device: %s", fido_strerr(r));
	if (req->rp_id == NULL || req->cdh == NULL) {
		status = finish(resp, PAMAUTHD_FIDO2_BAD_REQUEST,
		    "incomplete FIDO2 request");
		goto out;
	}
	if (req->uv_required && !fido_dev_has_uv(dev) && !fido_dev_has_pin(dev)) {
		status = finish(resp, PAMAUTHD_FIDO2_NO_DEVICE,
		    "FIDO2 device cannot verify the user");
		goto out;
	}
	if ((a = fido_assert_new()) == NULL || build_assert(req, a) != FIDO_OK) {
		status = finish(resp, PAMAUTHD_FIDO2_ERROR,
		    "cannot build a FIDO2 request");
		goto out;
	}
	if (req->touch_prompt != NULL)
		req->touch_prompt(req->arg);
	r = get_assertion(req, dev, a);
	if (r != FIDO_OK || fido_assert_count(a) != 1) {
		resp->not_registered = r == FIDO_ERR_NO_CREDENTIALS;
		status = finish(resp, PAMAUTHD_FIDO2_CANCELLED,
		    "FIDO2 assertion failed: %s", fido_strerr(r));
		goto out;
	}
	status = copy_assertion(a, resp);
out:
	fido_assert_free(&a);
	fido2dev_close(&dev);
	return status;
}
