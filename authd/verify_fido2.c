/*
 * verifier_fido2: a FIDO2 security key (fido2.h).
 *
 * User verification: verifier v2 has no way for the policy to say "UV
 * needed", so authd asks for UV whenever every credential the person has
 * can do it (a key without UV could then not answer at all) and verifies
 * it as required; otherwise it asks for presence only. A UV flag in a
 * verified assertion is signed by the key, so it counts even when it was
 * not asked for. What UV proves: inherence for a model on
 * fido2_biometric_aaguids or under ou=models in the directory whose
 * attestation chains to fido2_attestation_roots, knowledge (a PIN) for any
 * other.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "decoy.h"
#include "err.h"
#include "fido2.h"
#include "proto.h"
#include "secret.h"
#include "verifier.h"

#define FIDO2_CHALLENGE_LEN 32

struct fido2_enrolment {
	struct fido2_cred creds[FIDO2_MAX_CREDS];
	size_t n;
	int require_uv;
};

static const char *
rp_id_of(const struct authd_conf *conf)
{
	if (conf->fido2_rp_id != NULL && conf->fido2_rp_id[0] != '\0')
		return conf->fido2_rp_id;
	return conf->host_name != NULL ? conf->host_name : "localhost";
}

static int
fido2_load(struct dir_conn *dc, const struct verify_ctx *ctx,
    struct verify_enrolment *enr)
{
	struct fido2_enrolment *fe;
	const char *rp = rp_id_of(ctx->conf);
	size_t i, j;
	int st;

	enr->usable = 0;
	enr->data = NULL;
	if ((fe = calloc(1, sizeof(*fe))) == NULL)
		return DIR_ERROR;
	if ((st = dir_fido2_load(dc, ctx->acct->dn, fe->creds, FIDO2_MAX_CREDS,
	    &fe->n)) != DIR_OK && st != DIR_NOT_FOUND) {
		free(fe);
		return st;
	}
	if (st == DIR_NOT_FOUND)
		fe->n = 0;
	/* A credential made for another relying party cannot answer here. */
	for (i = j = 0; i < fe->n; i++)
		if (strcasecmp(fe->creds[i].rp_id, rp) == 0)
			fe->creds[j++] = fe->creds[i];
	fe->n = j;
	fe->require_uv = fe->n > 0;
	for (i = 0; i < fe->n; i++)
		if (!fe->creds[i].uv_capable)
			fe->require_uv = 0;
	enr->usable = fe->n > 0;
	enr->data = fe;
	return AUTHD_OK;
}

static void
fido2_free_enrolment(struct verify_enrolment *enr)
{
	struct fido2_enrolment *fe = enr->data;

	if (fe != NULL) {
		explicit_bzero(fe, sizeof(*fe));
		free(fe);
	}
	enr->data = NULL;
	enr->usable = 0;
}

/*
 * What a person's key step shows of their enrolment (decoy.h): whether it
 * asks for user verification, how many credential ids it lists and how
 * long each is. Bytes: uv, n, then each length (two bytes, big-endian).
 */
static size_t
fido2_enrolment_shape(const struct verify_enrolment *enr, uint8_t *shape,
    size_t cap)
{
	const struct fido2_enrolment *fe = enr->data;
	size_t i, n;

	if (fe == NULL || fe->n == 0)
		return 0;
	n = fe->n < VERIFY_MAX_CRED_IDS ? fe->n : VERIFY_MAX_CRED_IDS;
	if (cap < 2 + 2 * n)
		return 0;
	shape[0] = fe->require_uv != 0;
	shape[1] = (uint8_t)n;
	for (i = 0; i < n; i++) {
		shape[2 + 2 * i] = (uint8_t)(fe->creds[i].id_len >> 8);
		shape[3 + 2 * i] = (uint8_t)fe->creds[i].id_len;
	}
	return 2 + 2 * n;
}

/* Credential i's made-up id, len bytes: HMAC(seed, "fido2" i block) blocks. */
static int
decoy_id(const uint8_t seed[32], size_t i, uint8_t *id, size_t len)
{
	uint8_t msg[8] = { 'f', 'i', 'd', 'o', '2', (uint8_t)i, 0, 0 };
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t off, block, take;

	for (off = 0, block = 0; off < len; off += take, block++) {
		msg[6] = (uint8_t)(block >> 8);
		msg[7] = (uint8_t)block;
		if (HMAC(EVP_sha256(), seed, 32, msg, sizeof(msg), md, &n) == NULL ||
		    n != 32)
			return AUTHD_ERR_CRYPTO;
		take = len - off < 32 ? len - off : 32;
		memcpy(id + off, md, take);
	}
	explicit_bzero(md, sizeof(md));
	return AUTHD_OK;
}

/* A decoy's enrolment of a shape fido2_enrolment_shape() made. */
static int
fido2_decoy_enrolment(const struct verify_ctx *ctx, const uint8_t *shape,
    size_t len, const uint8_t seed[32], struct verify_enrolment *enr)
{
	struct fido2_enrolment *fe;
	size_t i, n;
	int r;

	if (len < 2 || (n = shape[1]) == 0 || n > FIDO2_MAX_CREDS ||
	    len != 2 + 2 * n)
		return AUTHD_ERR_INVALID;
	if ((fe = calloc(1, sizeof(*fe))) == NULL)
		return AUTHD_ERR_NOMEM;
	fe->require_uv = shape[0] != 0;
	for (i = 0; i < n; i++) {
		fe->creds[i].id_len = (size_t)shape[2 + 2 * i] << 8 | shape[3 + 2 * i];
		if (fe->creds[i].id_len == 0 ||
		    fe->creds[i].id_len > sizeof(fe->creds[i].id) ||
		    (r = decoy_id(seed, i, fe->creds[i].id, fe->creds[i].id_len)) !=
		    AUTHD_OK) {
			explicit_bzero(fe, sizeof(*fe));
			free(fe);
			return AUTHD_ERR_INVALID;
		}
		snprintf(fe->creds[i].rp_id, sizeof(fe->creds[i].rp_id), "%s",
		    rp_id_of(ctx->conf));
	}
	fe->n = n;
	enr->data = fe;
	enr->usable = 0;
	return AUTHD_OK;
}

/*
 * A decoy's credential id before any real enrolment was seen: the same 64
 * bytes for the same name for the life of this authd (an HMAC under a key
 * made at start), so that probing a name twice looks like a person with
 * one security key, never like no one.
 */
static uint8_t decoy_key[32];
static pthread_once_t decoy_once = PTHREAD_ONCE_INIT;

static void
decoy_key_init(void)
{
	if (authd_random_bytes(decoy_key, sizeof(decoy_key)) != AUTHD_OK)
		abort();   /* getrandom() failing leaves nothing safe to do */
}

static int
decoy_cred_id(const char *name, uint8_t *id, size_t *len_r)
{
	unsigned int n = 0;
	uint8_t part;
	char key[300];
	size_t mlen = decoy_name_key(name, key, sizeof(key));

	pthread_once(&decoy_once, decoy_key_init);
	for (part = 0; part < 2; part++) {
		uint8_t msg[300];

		if (mlen > sizeof(msg) - 1)
			mlen = sizeof(msg) - 1;
		msg[0] = part;
		memcpy(msg + 1, key, mlen);
		if (HMAC(EVP_sha256(), decoy_key, sizeof(decoy_key), msg, mlen + 1,
		    id + 32 * part, &n) == NULL || n != 32)
			return AUTHD_ERR_CRYPTO;
	}
	*len_r = 64;
	return AUTHD_OK;
}

static int
fido2_start(const struct verify_ctx *ctx, const struct authd_msg *req,
    struct verify_input *in, struct verify_step *step_r)
{
	const struct fido2_enrolment *fe = ctx->enr->data;
	size_t i;
	int r;

	(void)req;
	if (ctx->decoy && fe == NULL) {
		/* The steps a person with one key would see; check() never runs. */
		if ((r = authd_random_bytes(in->challenge, FIDO2_CHALLENGE_LEN)) != AUTHD_OK ||
		    (r = decoy_cred_id(ctx->acct->uid, in->cred_id, &in->cred_id_len)) !=
		    AUTHD_OK)
			return r;
		in->challenge_len = FIDO2_CHALLENGE_LEN;
		step_r->kind = AUTHD_STEP_FIDO2_ASSERT;
		step_r->challenge = in->challenge;
		step_r->challenge_len = in->challenge_len;
		step_r->rp_id = rp_id_of(ctx->conf);
		step_r->cred_ids[0] = in->cred_id;
		step_r->cred_id_lens[0] = in->cred_id_len;
		step_r->n_cred_ids = 1;
		step_r->options = (ctx->want & (FACTOR_KNOWLEDGE | FACTOR_INHERENCE)) ?
		    AUTHD_STEP_OPT_UV_REQUIRED : 0;
		return VERIFY_STEP;
	}
	if (fe == NULL || fe->n == 0)
		return VERIFY_UNAVAILABLE;
	if (authd_random_bytes(in->challenge, FIDO2_CHALLENGE_LEN) != AUTHD_OK)
		return AUTHD_ERR_IO;
	in->challenge_len = FIDO2_CHALLENGE_LEN;
	step_r->kind = AUTHD_STEP_FIDO2_ASSERT;
	step_r->text = NULL;
	step_r->challenge = in->challenge;
	step_r->challenge_len = in->challenge_len;
	step_r->rp_id = rp_id_of(ctx->conf);
	for (i = 0; i < fe->n && i < VERIFY_MAX_CRED_IDS; i++) {
		step_r->cred_ids[i] = fe->creds[i].id;
		step_r->cred_id_lens[i] = fe->creds[i].id_len;
	}
	step_r->n_cred_ids = i;
	step_r->options = fe->require_uv ? AUTHD_STEP_OPT_UV_REQUIRED : 0;
	return VERIFY_STEP;
}

static int
fido2_answer(const struct verify_ctx *ctx, const struct authd_msg *ans,
    struct verify_input *in, struct verify_step *step_r)
{
	uint8_t status = 0;
	int r;

	(void)ctx;
	(void)step_r;
	if ((r = authd_msg_get_u8(ans, AUTHD_F_ANSWER_STATUS, &status)) !=
	    AUTHD_OK && r != AUTHD_ERR_MISSING)
		return r;
	if (status == 2)
		return VERIFY_UNAVAILABLE;
	if (status != 0)
		return VERIFY_READY;   /* nothing collected: check() refuses */
	if ((r = authd_msg_get_bytes(ans, AUTHD_F_AUTHDATA, in->authdata,
	    VERIFY_BLOB_MAX, &in->authdata_len)) != AUTHD_OK ||
	    (r = authd_msg_get_bytes(ans, AUTHD_F_SIGNATURE, in->signature,
	    VERIFY_BLOB_MAX, &in->signature_len)) != AUTHD_OK ||
	    (r = authd_msg_get_bytes(ans, AUTHD_F_CRED_ID, in->cred_id,
	    VERIFY_BLOB_MAX, &in->cred_id_len)) != AUTHD_OK)
		return r;
	return VERIFY_READY;
}

static const struct fido2_cred *
find_cred(const struct fido2_enrolment *fe, const struct verify_input *in)
{
	size_t i;

	for (i = 0; i < fe->n; i++)
		if (fe->creds[i].id_len == in->cred_id_len &&
		    memcmp(fe->creds[i].id, in->cred_id, in->cred_id_len) == 0)
			return &fe->creds[i];
	return NULL;
}

/* "fido2:" and the first bytes of the credential id, in hex. */
static void
credential_name(const struct verify_input *in, struct verify_result *res_r)
{
	size_t i, n = in->cred_id_len < 16 ? in->cred_id_len : 16;
	int o;

	o = snprintf(res_r->credential, sizeof(res_r->credential), "fido2:");
	for (i = 0; i < n; i++)
		o += snprintf(res_r->credential + o, sizeof(res_r->credential) -
		    (size_t)o, "%02x", in->cred_id[i]);
	res_r->credential_key[0] = '\0';
}

/*
 * The biometric allow-list for cred: fido2_biometric_aaguids, or, when its
 * model is not there, the model's entry under ou=models in the directory
 * (read at each such login: a model taken out stops counting at once).
 * Only asked when UV was done and this host can check an attestation.
 */
static const char *
biometric_list(struct dir_conn *dc, const struct authd_conf *conf,
    const struct fido2_cred *cred, int uv_done, char listed[37], char *model,
    size_t modelsz)
{
	model[0] = '\0';
	if (!uv_done || dc == NULL || conf->fido2_attestation_roots == NULL ||
	    fido2_aaguid_listed(cred->aaguid, conf->fido2_biometric_aaguids) ||
	    dir_fido2_model_listed(dc, conf->base_dn, cred->aaguid, model,
	    modelsz) != DIR_OK)
		return conf->fido2_biometric_aaguids;
	fido2_aaguid_format(cred->aaguid, listed);
	return listed;
}

static void
fido2_check(struct dir_conn *dc, const struct verify_ctx *ctx,
    const struct verify_input *in, struct verify_result *res_r)
{
	const struct fido2_enrolment *fe = ctx->enr->data;
	const struct fido2_cred *cred;
	struct fido2_verdict v;
	struct fido2_assertion a;
	char aaguid[37], why[160], listed[37], model[64];
	int st;

	res_r->status = DIR_INVALID;
	if (fe == NULL || in->authdata_len == 0 || in->challenge_len == 0) {
		snprintf(res_r->reason, sizeof(res_r->reason),
		    "fido2: no assertion");
		return;
	}
	if ((cred = find_cred(fe, in)) == NULL) {
		snprintf(res_r->reason, sizeof(res_r->reason),
		    "fido2: credential not registered to this person");
		return;
	}
	memset(&a, 0, sizeof(a));
	a.rp_id = rp_id_of(ctx->conf);
	a.cdh = in->challenge;
	a.cdh_len = in->challenge_len;
	a.authdata = in->authdata;
	a.authdata_len = in->authdata_len;
	a.sig = in->signature;
	a.sig_len = in->signature_len;
	a.require_uv = fe->require_uv;
	if ((st = fido2_verify(cred, &a, &v)) != DIR_OK) {
		res_r->status = st;
		snprintf(res_r->reason, sizeof(res_r->reason), "%s", v.reason);
		return;
	}
	/* Of two logins with the same counter only one gets here. */
	if ((st = dir_fido2_store_count(dc, cred->dn, cred->sign_count,
	    v.new_count)) != DIR_OK) {
		res_r->status = st;
		if (st == DIR_INVALID)
			snprintf(res_r->reason, sizeof(res_r->reason),
			    "sign counter went back: cloned key? "
			    "(changed by another login)");
		else
			snprintf(res_r->reason, sizeof(res_r->reason),
			    "fido2: cannot store the sign counter: %.100s",
			    dir_conn_error(dc));
		return;
	}
	res_r->status = DIR_OK;
	res_r->categories = fido2_categories(v.uv_done, cred,
	    biometric_list(dc, ctx->conf, cred, v.uv_done, listed, model,
	    sizeof(model)), ctx->conf->fido2_attestation_roots, why, sizeof(why));
	fido2_aaguid_format(cred->aaguid, aaguid);
	credential_name(in, res_r);
	snprintf(res_r->reason, sizeof(res_r->reason),
	    "fido2 key accepted (%s, counter %u, aaguid %s)",
	    (res_r->categories & FACTOR_INHERENCE) != 0 ? "biometric" :
	    v.uv_done ? "user verified" : "presence", (unsigned)v.new_count,
	    aaguid);
	if (why[0] != '\0')
		snprintf(res_r->note, sizeof(res_r->note),
		    "fido2 not biometric: %s", why);
	else if ((res_r->categories & FACTOR_INHERENCE) != 0 && model[0] != '\0')
		snprintf(res_r->note, sizeof(res_r->note), "fido2 biometric "
		    "model %s (ou=models)", model);
}

const struct verifier verifier_fido2 = {
	.name = "fido2",
	.device = 1,
	.categories = FACTOR_POSSESSION | FACTOR_KNOWLEDGE | FACTOR_INHERENCE,
	.load = fido2_load,
	.free_enrolment = fido2_free_enrolment,
	.start = fido2_start,
	.answer = fido2_answer,
	.check = fido2_check,
	.enrolment_shape = fido2_enrolment_shape,
	.decoy_enrolment = fido2_decoy_enrolment,
};
