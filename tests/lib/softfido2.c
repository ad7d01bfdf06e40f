/*
 * The software FIDO2 authenticator of the tests (see softfido2.h). Written
 * from the CTAP 2.1 specification: CTAPHID framing (8.1), the CBOR commands
 * (6.1, 6.2, 6.4), authenticator data (WebAuthn 6.1) and packed self
 * attestation (WebAuthn 8.2).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cbor.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "softfido2.h"

/* CTAPHID (CTAP 2.1 section 11.2) */
#define HID_REPORT        64
#define HID_INIT_DATA     (HID_REPORT - 7)
#define HID_CONT_DATA     (HID_REPORT - 5)
#define HID_MAX_MSG       (HID_INIT_DATA + 128 * HID_CONT_DATA)
#define HID_PING          0x01
#define HID_INIT          0x06
#define HID_WINK          0x08
#define HID_CBOR          0x10
#define HID_CANCEL        0x11
#define HID_KEEPALIVE     0x3b
#define HID_ERROR         0x3f
#define HID_CAP_CBOR      0x04
#define HID_CAP_NMSG      0x08
#define HID_ERR_CMD       0x01
#define HID_ERR_LEN       0x03
#define HID_ERR_SEQ       0x04
#define KEEPALIVE_UPNEEDED 0x02

/* CTAP2 commands and status codes */
#define CTAP2_MAKE_CREDENTIAL  0x01
#define CTAP2_GET_ASSERTION    0x02
#define CTAP2_GET_INFO         0x04
#define CTAP2_OK                       0x00
#define CTAP2_ERR_INVALID_COMMAND      0x01
#define CTAP2_ERR_INVALID_CBOR         0x12
#define CTAP2_ERR_MISSING_PARAMETER    0x14
#define CTAP2_ERR_CREDENTIAL_EXCLUDED  0x19
#define CTAP2_ERR_UNSUPPORTED_ALGORITHM 0x26
#define CTAP2_ERR_OPERATION_DENIED     0x27
#define CTAP2_ERR_UNSUPPORTED_OPTION   0x2b
#define CTAP2_ERR_NO_CREDENTIALS       0x2e
#define CTAP2_ERR_USER_ACTION_TIMEOUT  0x2f
#define CTAP2_ERR_OTHER                0x7f

#define FLAG_UP  0x01
#define FLAG_UV  0x04
#define FLAG_AT  0x40


#define MAX_CREDS   32
#define CRED_ID_LEN 32
#define MAX_OUT     (HID_MAX_MSG / HID_CONT_DATA + 4)

struct soft_cred {
	uint8_t id[CRED_ID_LEN];
	uint8_t rp_hash[32];
	EVP_PKEY *key;
};

struct softfido2 {
	pthread_mutex_t mu;
	uint8_t aaguid[16];
	int uv_capable;
	int present, verified;
	enum softfido2_att att;
	EVP_PKEY *att_key;               /* SOFTFIDO2_ATT_PACKED_X5C */
	uint8_t *att_cert;               /* its certificate, DER */
	size_t att_cert_len;
	uint32_t counter;
	unsigned requests;
	struct soft_cred creds[MAX_CREDS];
	size_t ncreds;
	/* CTAPHID: the message being received and the next channel id */
	uint8_t rx_cid[4];
	uint8_t rx_cmd;
	size_t rx_need, rx_have;
	int rx_seq;
	uint8_t rx_buf[HID_MAX_MSG];
	uint32_t next_cid;
	/* in-process transport: reports waiting to be read */
	uint8_t q[MAX_OUT][HID_REPORT];
	size_t q_head, q_len;
	char mem_path[32];
	/* socket transport */
	pthread_t thread;
	int serving;
	int listen_fd;
	int stop_pipe[2];
	char path[108];
};

struct softfido2 *
softfido2_new(const uint8_t aaguid[16], int uv_capable)
{
	struct softfido2 *sf;

	if ((sf = calloc(1, sizeof(*sf))) == NULL)
		return NULL;
	pthread_mutex_init(&sf->mu, NULL);
	memcpy(sf->aaguid, aaguid, 16);
	sf->uv_capable = uv_capable;
	sf->present = 1;
	sf->verified = uv_capable;
	sf->next_cid = 0x01020304;
	sf->listen_fd = sf->stop_pipe[0] = sf->stop_pipe[1] = -1;
	return sf;
}

void
softfido2_free(struct softfido2 **sfp)
{
	struct softfido2 *sf = *sfp;
	size_t i;

	if (sf == NULL)
		return;
	softfido2_stop(sf);
	for (i = 0; i < sf->ncreds; i++)
		EVP_PKEY_free(sf->creds[i].key);
	EVP_PKEY_free(sf->att_key);
	OPENSSL_free(sf->att_cert);
	pthread_mutex_destroy(&sf->mu);
	free(sf);
	*sfp = NULL;
}

void
softfido2_set_user(struct softfido2 *sf, int present, int verified)
{
	pthread_mutex_lock(&sf->mu);
	sf->present = present;
	sf->verified = verified;
	pthread_mutex_unlock(&sf->mu);
}

void
softfido2_set_attestation(struct softfido2 *sf, enum softfido2_att att)
{
	pthread_mutex_lock(&sf->mu);
	sf->att = att;
	pthread_mutex_unlock(&sf->mu);
}

int
softfido2_set_attestation_cert(struct softfido2 *sf, const char *key_pem,
    const char *cert_pem)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	FILE *f;
	unsigned char *der = NULL;
	int len = -1;

	if ((f = fopen(key_pem, "r")) != NULL) {
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if ((f = fopen(cert_pem, "r")) != NULL) {
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (key == NULL || x == NULL || (len = i2d_X509(x, &der)) <= 0) {
		EVP_PKEY_free(key);
		X509_free(x);
		return -1;
	}
	X509_free(x);
	pthread_mutex_lock(&sf->mu);
	EVP_PKEY_free(sf->att_key);
	OPENSSL_free(sf->att_cert);
	sf->att_key = key;
	sf->att_cert = der;
	sf->att_cert_len = (size_t)len;
	sf->att = SOFTFIDO2_ATT_PACKED_X5C;
	pthread_mutex_unlock(&sf->mu);
	return 0;
}

void
softfido2_set_counter(struct softfido2 *sf, uint32_t counter)
{
	pthread_mutex_lock(&sf->mu);
	sf->counter = counter;
	pthread_mutex_unlock(&sf->mu);
}

uint32_t
softfido2_counter(const struct softfido2 *sf)
{
	return sf->counter;
}

unsigned
softfido2_requests(const struct softfido2 *sf)
{
	return sf->requests;
}

/* ---- CBOR helpers ---- */

/* The value of an integer key (CTAP parameters) in a map, or NULL. */
static cbor_item_t *
map_get_int(const cbor_item_t *map, int key)
{
	struct cbor_pair *p = cbor_map_handle(map);
	size_t i, n = cbor_map_size(map);

	for (i = 0; i < n; i++) {
		const cbor_item_t *k = p[i].key;

		if (key >= 0 && cbor_isa_uint(k) && cbor_get_int(k) == (uint64_t)key)
			return p[i].value;
		if (key < 0 && cbor_isa_negint(k) &&
		    cbor_get_int(k) == (uint64_t)(-1 - key))
			return p[i].value;
	}
	return NULL;
}

static cbor_item_t *
map_get_str(const cbor_item_t *map, const char *key)
{
	struct cbor_pair *p;
	size_t i, n, len = strlen(key);

	if (map == NULL || !cbor_isa_map(map))
		return NULL;
	p = cbor_map_handle(map);
	n = cbor_map_size(map);
	for (i = 0; i < n; i++)
		if (cbor_isa_string(p[i].key) && cbor_string_length(p[i].key) == len &&
		    memcmp(cbor_string_handle(p[i].key), key, len) == 0)
			return p[i].value;
	return NULL;
}

/* An option of the "options" map: 1 true, 0 false, dflt when absent. */
static int
option(const cbor_item_t *opts, const char *name, int dflt)
{
	cbor_item_t *v = map_get_str(opts, name);

	if (v == NULL || !cbor_is_bool(v))
		return dflt;
	return cbor_get_bool(v);
}

static int
map_put(cbor_item_t *map, cbor_item_t *k, cbor_item_t *v)
{
	int ok;

	if (k == NULL || v == NULL) {
		if (k != NULL)
			cbor_decref(&k);
		if (v != NULL)
			cbor_decref(&v);
		return -1;
	}
	ok = cbor_map_add(map, (struct cbor_pair){ .key = cbor_move(k),
	    .value = cbor_move(v) });
	return ok ? 0 : -1;
}

static cbor_item_t *
build_int(int v)
{
	return v >= 0 ? cbor_build_uint8((uint8_t)v) :
	    cbor_build_negint8((uint8_t)(-1 - v));
}

/* Status byte + CBOR of map into out; returns the length or 0. */
static size_t
serialize_reply(cbor_item_t *map, uint8_t *out, size_t outsz)
{
	size_t n;

	out[0] = CTAP2_OK;
	if ((n = cbor_serialize(map, out + 1, outsz - 1)) == 0)
		return 0;
	return n + 1;
}

/* ---- crypto ---- */

static int
sign_es256(EVP_PKEY *key, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen, uint8_t *sig, size_t *siglen)
{
	EVP_MD_CTX *md;
	int ok = -1;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSignUpdate(md, a, alen) == 1 &&
	    EVP_DigestSignUpdate(md, b, blen) == 1 &&
	    EVP_DigestSignFinal(md, sig, siglen) == 1)
		ok = 0;
	EVP_MD_CTX_free(md);
	return ok;
}

/* The credential's public key as a COSE_Key (RFC 8152 13.1.1). */
static cbor_item_t *
cose_key(EVP_PKEY *key)
{
	uint8_t pub[65];
	size_t publen = 0;
	cbor_item_t *m;

	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pub,
	    sizeof(pub), &publen) != 1 || publen != 65 || pub[0] != 0x04)
		return NULL;
	if ((m = cbor_new_definite_map(5)) == NULL)
		return NULL;
	if (map_put(m, build_int(1), build_int(2)) < 0 ||          /* kty EC2 */
	    map_put(m, build_int(3), build_int(COSE_ES256)) < 0 ||
	    map_put(m, build_int(-1), build_int(1)) < 0 ||         /* P-256 */
	    map_put(m, build_int(-2), cbor_build_bytestring(pub + 1, 32)) < 0 ||
	    map_put(m, build_int(-3), cbor_build_bytestring(pub + 33, 32)) < 0) {
		cbor_decref(&m);
		return NULL;
	}
	return m;
}

/* rpIdHash | flags | signCount: the first 37 bytes of authenticator data. */
static void
authdata_head(uint8_t *ad, const uint8_t rp_hash[32], uint8_t flags,
    uint32_t counter)
{
	memcpy(ad, rp_hash, 32);
	ad[32] = flags;
	ad[33] = (uint8_t)(counter >> 24);
	ad[34] = (uint8_t)(counter >> 16);
	ad[35] = (uint8_t)(counter >> 8);
	ad[36] = (uint8_t)counter;
}

/* ---- CTAP2 commands ---- */

static size_t
get_info(struct softfido2 *sf, uint8_t *out, size_t outsz)
{
	cbor_item_t *m = NULL, *versions = NULL, *opts = NULL;
	size_t n = 0;

	if ((m = cbor_new_definite_map(4)) == NULL ||
	    (versions = cbor_new_definite_array(1)) == NULL ||
	    (opts = cbor_new_definite_map(4)) == NULL)
		goto out;
	if (!cbor_array_push(versions, cbor_move(cbor_build_string("FIDO_2_0"))))
		goto out;
	/* CTAP2 canonical order: shorter keys first, then bytewise. */
	if (map_put(opts, cbor_build_string("rk"), cbor_build_bool(false)) < 0 ||
	    map_put(opts, cbor_build_string("up"), cbor_build_bool(true)) < 0)
		goto out;
	if (sf->uv_capable &&
	    map_put(opts, cbor_build_string("uv"), cbor_build_bool(true)) < 0)
		goto out;
	if (map_put(opts, cbor_build_string("plat"), cbor_build_bool(false)) < 0)
		goto out;
	if (map_put(m, build_int(1), versions) < 0 ||
	    map_put(m, build_int(3), cbor_build_bytestring(sf->aaguid, 16)) < 0 ||
	    map_put(m, build_int(4), opts) < 0 ||
	    map_put(m, build_int(5), cbor_build_uint16(1200)) < 0) {
		versions = opts = NULL;  /* owned by m or freed by map_put */
		goto out;
	}
	versions = opts = NULL;
	n = serialize_reply(m, out, outsz);
out:
	if (versions != NULL)
		cbor_decref(&versions);
	if (opts != NULL)
		cbor_decref(&opts);
	if (m != NULL)
		cbor_decref(&m);
	return n;
}

static int
alg_offered(const cbor_item_t *params)
{
	size_t i;

	if (params == NULL || !cbor_isa_array(params))
		return 0;
	for (i = 0; i < cbor_array_size(params); i++) {
		cbor_item_t *p = cbor_array_handle(params)[i];
		cbor_item_t *alg = map_get_str(p, "alg");

		if (alg != NULL && cbor_isa_negint(alg) &&
		    cbor_get_int(alg) == (uint64_t)(-1 - COSE_ES256))
			return 1;
	}
	return 0;
}

/* The credential of a descriptor list (allowList, excludeList) for rp_hash, or NULL. */
static struct soft_cred *
find_cred(struct softfido2 *sf, const cbor_item_t *list, const uint8_t rp_hash[32])
{
	size_t i, j;

	if (list == NULL || !cbor_isa_array(list))
		return NULL;
	for (i = 0; i < cbor_array_size(list); i++) {
		cbor_item_t *id = map_get_str(cbor_array_handle(list)[i], "id");

		if (id == NULL || !cbor_isa_bytestring(id) ||
		    cbor_bytestring_length(id) != CRED_ID_LEN)
			continue;
		for (j = 0; j < sf->ncreds; j++)
			if (memcmp(sf->creds[j].id, cbor_bytestring_handle(id),
			    CRED_ID_LEN) == 0 &&
			    memcmp(sf->creds[j].rp_hash, rp_hash, 32) == 0)
				return &sf->creds[j];
	}
	return NULL;
}

/* The rp id's hash from a string item; -1 when not a string. */
static int
rp_hash_of(const cbor_item_t *rp, uint8_t hash[32])
{
	if (rp == NULL || !cbor_isa_string(rp) || !cbor_string_is_definite(rp))
		return -1;
	SHA256(cbor_string_handle(rp), cbor_string_length(rp), hash);
	return 0;
}

/* Check the person's part of a request: a status, or CTAP2_OK. */
static uint8_t
user_gesture(struct softfido2 *sf, int want_up, int want_uv)
{
	if (want_uv && !sf->uv_capable)
		return CTAP2_ERR_UNSUPPORTED_OPTION;
	if ((want_up || want_uv) && !sf->present)
		return CTAP2_ERR_USER_ACTION_TIMEOUT;
	if (want_uv && !sf->verified)
		return CTAP2_ERR_OPERATION_DENIED;
	return CTAP2_OK;
}

static size_t
make_credential(struct softfido2 *sf, const cbor_item_t *req, uint8_t *out,
    size_t outsz)
{
	cbor_item_t *cdh, *rp, *opts, *cose = NULL, *m = NULL, *att = NULL;
	struct soft_cred *c;
	uint8_t rp_hash[32], ad[512], sig[80], status, flags;
	size_t adlen, coselen, siglen = sizeof(sig), n = 0;
	int uv;

	cdh = map_get_int(req, 1);
	rp = map_get_str(map_get_int(req, 2), "id");
	opts = map_get_int(req, 7);
	if (cdh == NULL || !cbor_isa_bytestring(cdh) || rp_hash_of(rp, rp_hash) < 0 ||
	    map_get_int(req, 3) == NULL)
		return (out[0] = CTAP2_ERR_MISSING_PARAMETER, 1);
	if (!alg_offered(map_get_int(req, 4)))
		return (out[0] = CTAP2_ERR_UNSUPPORTED_ALGORITHM, 1);
	if (option(opts, "rk", 0))
		return (out[0] = CTAP2_ERR_UNSUPPORTED_OPTION, 1);
	uv = option(opts, "uv", 0);
	if ((status = user_gesture(sf, 1, uv)) != CTAP2_OK)
		return (out[0] = status, 1);
	if (find_cred(sf, map_get_int(req, 5), rp_hash) != NULL)
		return (out[0] = CTAP2_ERR_CREDENTIAL_EXCLUDED, 1);
	if (sf->ncreds == MAX_CREDS)
		return (out[0] = CTAP2_ERR_OTHER, 1);

	c = &sf->creds[sf->ncreds];
	if ((c->key = EVP_EC_gen("P-256")) == NULL ||
	    RAND_bytes(c->id, sizeof(c->id)) != 1)
		goto out;
	memcpy(c->rp_hash, rp_hash, 32);
	if ((cose = cose_key(c->key)) == NULL)
		goto out;
	flags = FLAG_UP | FLAG_AT | (uv ? FLAG_UV : 0);
	authdata_head(ad, rp_hash, flags, ++sf->counter);
	memcpy(ad + 37, sf->aaguid, 16);
	ad[53] = 0;
	ad[54] = CRED_ID_LEN;
	memcpy(ad + 55, c->id, CRED_ID_LEN);
	adlen = 55 + CRED_ID_LEN;
	if ((coselen = cbor_serialize(cose, ad + adlen, sizeof(ad) - adlen)) == 0)
		goto out;
	adlen += coselen;

	if ((m = cbor_new_definite_map(3)) == NULL ||
	    (att = cbor_new_definite_map(sf->att == SOFTFIDO2_ATT_PACKED_X5C ?
	    3 : 2)) == NULL)
		goto out;
	if (sf->att != SOFTFIDO2_ATT_NONE) {
		/* self: the new key signs; full: the attestation key (WebAuthn 8.2) */
		if (sign_es256(sf->att == SOFTFIDO2_ATT_PACKED_X5C ? sf->att_key :
		    c->key, ad, adlen, cbor_bytestring_handle(cdh),
		    cbor_bytestring_length(cdh), sig, &siglen) < 0 ||
		    map_put(att, cbor_build_string("alg"), build_int(COSE_ES256)) < 0 ||
		    map_put(att, cbor_build_string("sig"),
		    cbor_build_bytestring(sig, siglen)) < 0)
			goto out;
	}
	if (sf->att == SOFTFIDO2_ATT_PACKED_X5C) {
		cbor_item_t *x5c = cbor_new_definite_array(1),
		    *der = cbor_build_bytestring(sf->att_cert, sf->att_cert_len);
		int pushed = x5c != NULL && der != NULL && cbor_array_push(x5c, der);

		if (der != NULL)
			cbor_decref(&der);   /* the array holds it */
		if (!pushed) {
			if (x5c != NULL)
				cbor_decref(&x5c);
			goto out;
		}
		if (map_put(att, cbor_build_string("x5c"), x5c) < 0)
			goto out;
	}
	if (map_put(m, build_int(1), cbor_build_string(
	    sf->att == SOFTFIDO2_ATT_NONE ? "none" : "packed")) < 0 ||
	    map_put(m, build_int(2), cbor_build_bytestring(ad, adlen)) < 0)
		goto out;
	if (map_put(m, build_int(3), att) < 0) {
		att = NULL;
		goto out;
	}
	att = NULL;
	if ((n = serialize_reply(m, out, outsz)) != 0)
		sf->ncreds++;
out:
	if (n == 0 && c->key != NULL) {
		EVP_PKEY_free(c->key);
		c->key = NULL;
	}
	if (cose != NULL)
		cbor_decref(&cose);
	if (att != NULL)
		cbor_decref(&att);
	if (m != NULL)
		cbor_decref(&m);
	return n != 0 ? n : (out[0] = CTAP2_ERR_OTHER, 1);
}

static size_t
get_assertion(struct softfido2 *sf, const cbor_item_t *req, uint8_t *out,
    size_t outsz)
{
	cbor_item_t *cdh, *opts, *m = NULL, *desc = NULL;
	struct soft_cred *c;
	uint8_t rp_hash[32], ad[37], sig[80], status, flags = 0;
	size_t siglen = sizeof(sig), n = 0;
	int up, uv;

	cdh = map_get_int(req, 2);
	opts = map_get_int(req, 5);
	if (cdh == NULL || !cbor_isa_bytestring(cdh) ||
	    rp_hash_of(map_get_int(req, 1), rp_hash) < 0)
		return (out[0] = CTAP2_ERR_MISSING_PARAMETER, 1);
	/* Only the credentials asked for: this key keeps no resident ones. */
	if ((c = find_cred(sf, map_get_int(req, 3), rp_hash)) == NULL)
		return (out[0] = CTAP2_ERR_NO_CREDENTIALS, 1);
	up = option(opts, "up", 1);
	uv = option(opts, "uv", 0);
	if ((status = user_gesture(sf, up, uv)) != CTAP2_OK)
		return (out[0] = status, 1);
	if (up)
		flags |= FLAG_UP;
	if (uv)
		flags |= FLAG_UV;
	authdata_head(ad, rp_hash, flags, ++sf->counter);
	if (sign_es256(c->key, ad, sizeof(ad), cbor_bytestring_handle(cdh),
	    cbor_bytestring_length(cdh), sig, &siglen) < 0)
		goto out;
	if ((m = cbor_new_definite_map(3)) == NULL ||
	    (desc = cbor_new_definite_map(2)) == NULL)
		goto out;
	if (map_put(desc, cbor_build_string("id"),
	    cbor_build_bytestring(c->id, CRED_ID_LEN)) < 0 ||
	    map_put(desc, cbor_build_string("type"),
	    cbor_build_string("public-key")) < 0)
		goto out;
	if (map_put(m, build_int(1), desc) < 0) {
		desc = NULL;
		goto out;
	}
	desc = NULL;
	if (map_put(m, build_int(2), cbor_build_bytestring(ad, sizeof(ad))) < 0 ||
	    map_put(m, build_int(3), cbor_build_bytestring(sig, siglen)) < 0)
		goto out;
	n = serialize_reply(m, out, outsz);
out:
	if (desc != NULL)
		cbor_decref(&desc);
	if (m != NULL)
		cbor_decref(&m);
	return n != 0 ? n : (out[0] = CTAP2_ERR_OTHER, 1);
}

/* One CTAP2 message (command byte + CBOR) to its reply (status + CBOR). */
static size_t
ctap2(struct softfido2 *sf, const uint8_t *msg, size_t len, uint8_t *out,
    size_t outsz)
{
	struct cbor_load_result res;
	cbor_item_t *req = NULL;
	size_t n;

	sf->requests++;
	if (len < 1)
		return (out[0] = CTAP2_ERR_INVALID_COMMAND, 1);
	if (msg[0] == CTAP2_GET_INFO)
		return get_info(sf, out, outsz);
	if (msg[0] != CTAP2_MAKE_CREDENTIAL && msg[0] != CTAP2_GET_ASSERTION)
		return (out[0] = CTAP2_ERR_INVALID_COMMAND, 1);
	if (len < 2 || (req = cbor_load(msg + 1, len - 1, &res)) == NULL ||
	    !cbor_isa_map(req)) {
		if (req != NULL)
			cbor_decref(&req);
		return (out[0] = CTAP2_ERR_INVALID_CBOR, 1);
	}
	n = msg[0] == CTAP2_MAKE_CREDENTIAL ? make_credential(sf, req, out, outsz) :
	    get_assertion(sf, req, out, outsz);
	cbor_decref(&req);
	return n;
}

/* ---- CTAPHID ---- */

/* Frame one message into reports; returns how many were written. */
static size_t
frame(const uint8_t cid[4], uint8_t cmd, const uint8_t *data, size_t len,
    uint8_t (*out)[HID_REPORT], size_t outmax)
{
	size_t n = 0, off, chunk;
	uint8_t seq = 0;

	if (outmax == 0)
		return 0;
	memset(out[0], 0, HID_REPORT);
	memcpy(out[0], cid, 4);
	out[0][4] = 0x80 | cmd;
	out[0][5] = (uint8_t)(len >> 8);
	out[0][6] = (uint8_t)len;
	chunk = len < HID_INIT_DATA ? len : HID_INIT_DATA;
	memcpy(out[0] + 7, data, chunk);
	off = chunk;
	n = 1;
	while (off < len && n < outmax) {
		memset(out[n], 0, HID_REPORT);
		memcpy(out[n], cid, 4);
		out[n][4] = seq++;
		chunk = len - off < HID_CONT_DATA ? len - off : HID_CONT_DATA;
		memcpy(out[n] + 5, data + off, chunk);
		off += chunk;
		n++;
	}
	return n;
}

static size_t
hid_error(const uint8_t cid[4], uint8_t code, uint8_t (*out)[HID_REPORT],
    size_t outmax)
{
	return frame(cid, HID_ERROR, &code, 1, out, outmax);
}

/* A complete message arrived: answer it. */
static size_t
dispatch(struct softfido2 *sf, uint8_t (*out)[HID_REPORT], size_t outmax)
{
	static uint8_t reply[HID_MAX_MSG];  /* under sf->mu */
	uint8_t init[17], ka = KEEPALIVE_UPNEEDED;
	size_t n = 0, len;

	switch (sf->rx_cmd) {
	case HID_INIT:
		if (sf->rx_have != 8)
			return hid_error(sf->rx_cid, HID_ERR_LEN, out, outmax);
		memcpy(init, sf->rx_buf, 8);
		if (memcmp(sf->rx_cid, "\xff\xff\xff\xff", 4) == 0) {
			uint32_t c = sf->next_cid++;

			memcpy(init + 8, &c, 4);
		} else
			memcpy(init + 8, sf->rx_cid, 4);
		init[12] = 2;           /* CTAPHID protocol version */
		init[13] = 1;           /* device version 1.0.0 */
		init[14] = 0;
		init[15] = 0;
		init[16] = HID_CAP_CBOR | HID_CAP_NMSG;
		return frame(sf->rx_cid, HID_INIT, init, sizeof(init), out, outmax);
	case HID_PING:
		return frame(sf->rx_cid, HID_PING, sf->rx_buf, sf->rx_have, out,
		    outmax);
	case HID_WINK:
		return frame(sf->rx_cid, HID_WINK, NULL, 0, out, outmax);
	case HID_CANCEL:
		return 0;
	case HID_CBOR:
		/* A real key says it waits for a touch; libfido2 skips these. */
		if (sf->rx_have > 0 && sf->rx_buf[0] != CTAP2_GET_INFO)
			n = frame(sf->rx_cid, HID_KEEPALIVE, &ka, 1, out, outmax);
		len = ctap2(sf, sf->rx_buf, sf->rx_have, reply, sizeof(reply));
		n += frame(sf->rx_cid, HID_CBOR, reply, len, out + n, outmax - n);
		return n;
	default:
		return hid_error(sf->rx_cid, HID_ERR_CMD, out, outmax);
	}
}

size_t
softfido2_report(struct softfido2 *sf, const uint8_t in[HID_REPORT],
    uint8_t (*out)[HID_REPORT], size_t outmax)
{
	size_t n = 0, chunk;

	pthread_mutex_lock(&sf->mu);
	if (in[4] & 0x80) {
		memcpy(sf->rx_cid, in, 4);
		sf->rx_cmd = in[4] & 0x7f;
		sf->rx_need = (size_t)in[5] << 8 | in[6];
		sf->rx_have = 0;
		sf->rx_seq = 0;
		if (sf->rx_need > sizeof(sf->rx_buf)) {
			n = hid_error(in, HID_ERR_LEN, out, outmax);
			goto out;
		}
		chunk = sf->rx_need < HID_INIT_DATA ? sf->rx_need : HID_INIT_DATA;
		memcpy(sf->rx_buf, in + 7, chunk);
		sf->rx_have = chunk;
	} else {
		if (memcmp(in, sf->rx_cid, 4) != 0 || in[4] != sf->rx_seq ||
		    sf->rx_have >= sf->rx_need) {
			n = hid_error(in, HID_ERR_SEQ, out, outmax);
			goto out;
		}
		sf->rx_seq++;
		chunk = sf->rx_need - sf->rx_have;
		if (chunk > HID_CONT_DATA)
			chunk = HID_CONT_DATA;
		memcpy(sf->rx_buf + sf->rx_have, in + 5, chunk);
		sf->rx_have += chunk;
	}
	if (sf->rx_have == sf->rx_need)
		n = dispatch(sf, out, outmax);
out:
	pthread_mutex_unlock(&sf->mu);
	return n;
}

/* ---- in-process transport ---- */

#define MEM_SLOTS 8
static struct softfido2 *mem_slots[MEM_SLOTS];

const char *
softfido2_mem_path(struct softfido2 *sf)
{
	size_t i;

	for (i = 0; i < MEM_SLOTS; i++)
		if (mem_slots[i] == NULL || mem_slots[i] == sf) {
			mem_slots[i] = sf;
			snprintf(sf->mem_path, sizeof(sf->mem_path),
			    "softfido2:%zu", i);
			return sf->mem_path;
		}
	return NULL;
}

static void *
mem_open(const char *path)
{
	unsigned long i;

	if (strncmp(path, "softfido2:", 10) != 0)
		return NULL;
	i = strtoul(path + 10, NULL, 10);
	if (i >= MEM_SLOTS || mem_slots[i] == NULL)
		return NULL;
	mem_slots[i]->q_head = mem_slots[i]->q_len = 0;
	return mem_slots[i];
}

static void
mem_close(void *h)
{
	(void)h;
}

/* libfido2 writes a report id byte and then the 64-byte report. */
static int
mem_write(void *h, const unsigned char *buf, size_t len)
{
	struct softfido2 *sf = h;
	size_t n;

	if (len != HID_REPORT + 1)
		return -1;
	n = softfido2_report(sf, buf + 1, sf->q + sf->q_len, MAX_OUT - sf->q_len);
	sf->q_len += n;
	return (int)len;
}

static int
mem_read(void *h, unsigned char *buf, size_t len, int ms)
{
	struct softfido2 *sf = h;

	(void)ms;
	if (sf->q_head == sf->q_len || len < HID_REPORT)
		return -1;
	memcpy(buf, sf->q[sf->q_head++], HID_REPORT);
	if (sf->q_head == sf->q_len)
		sf->q_head = sf->q_len = 0;
	return HID_REPORT;
}

const fido_dev_io_t *
softfido2_io(void)
{
	static const fido_dev_io_t io = {
		.open = mem_open,
		.close = mem_close,
		.read = mem_read,
		.write = mem_write,
	};

	return &io;
}

/* ---- socket transport ---- */

static void
serve_conn(struct softfido2 *sf, int fd)
{
	static uint8_t out[MAX_OUT][HID_REPORT];
	uint8_t in[HID_REPORT + 1];
	struct pollfd pfd[2];
	ssize_t r;
	size_t i, n;

	for (;;) {
		pfd[0].fd = fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = sf->stop_pipe[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (pfd[1].revents != 0)
			return;
		if ((r = recv(fd, in, sizeof(in), 0)) <= 0)
			return;
		if (r != HID_REPORT)
			continue;  /* not a report: dropped, as a HID device would */
		n = softfido2_report(sf, in, out, MAX_OUT);
		for (i = 0; i < n; i++)
			if (send(fd, out[i], HID_REPORT, MSG_NOSIGNAL) != HID_REPORT)
				return;
	}
}

static void *
serve_thread(void *arg)
{
	struct softfido2 *sf = arg;
	struct pollfd pfd[2];
	int fd;

	for (;;) {
		pfd[0].fd = sf->listen_fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = sf->stop_pipe[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if ((fd = accept(sf->listen_fd, NULL, NULL)) < 0)
			continue;
		serve_conn(sf, fd);
		close(fd);
	}
	return NULL;
}

int
softfido2_serve(struct softfido2 *sf, const char *path)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path) || sf->serving)
		return -1;
	strcpy(sun.sun_path, path);
	snprintf(sf->path, sizeof(sf->path), "%s", path);
	(void)unlink(path);
	if ((sf->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (bind(sf->listen_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, 0600) < 0 || listen(sf->listen_fd, 4) < 0 ||
	    pipe2(sf->stop_pipe, O_CLOEXEC) < 0)
		goto fail;
	if (pthread_create(&sf->thread, NULL, serve_thread, sf) != 0)
		goto fail;
	sf->serving = 1;
	return 0;
fail:
	close(sf->listen_fd);
	sf->listen_fd = -1;
	return -1;
}

void
softfido2_stop(struct softfido2 *sf)
{
	ssize_t w;

	if (!sf->serving)
		return;
	w = write(sf->stop_pipe[1], "x", 1);
	(void)w;
	pthread_join(sf->thread, NULL);
	close(sf->listen_fd);
	close(sf->stop_pipe[0]);
	close(sf->stop_pipe[1]);
	sf->listen_fd = sf->stop_pipe[0] = sf->stop_pipe[1] = -1;
	(void)unlink(sf->path);
	sf->serving = 0;
}
