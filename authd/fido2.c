/*
 * Verification of one FIDO2 assertion with libfido2 (see fido2.h). Two traps
 * of libfido2 1.12 shape this code: an assertion left at the default
 * "up" option is accepted with no flags at all, so user presence is always
 * required here; and libfido2 does not look at the signature counter, so
 * the counter is compared here.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <fido.h>
#include <fido/es256.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "conf.h"
#include "fido2.h"
#include "verifier.h"

/* id-fido-gen-ce-aaguid: the model an attestation certificate speaks for. */
#define OID_FIDO_AAGUID "1.3.6.1.4.1.45724.1.1.4"

/* Flags of authenticator data (WebAuthn 6.1). */
#define AUTHDATA_UP  0x01
#define AUTHDATA_UV  0x04

static EVP_PKEY *
pubkey_from_pem(const char *pem)
{
	EVP_PKEY *pk = NULL;
	BIO *bio;

	if ((bio = BIO_new_mem_buf(pem, -1)) == NULL)
		return NULL;
	pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return pk;
}

/* Fill the assertion object libfido2 verifies. FIDO_OK or its error. */
static int
assert_setup(fido_assert_t *fa, const struct fido2_assertion *a)
{
	int r;

	if ((r = fido_assert_set_rp(fa, a->rp_id)) != FIDO_OK ||
	    (r = fido_assert_set_clientdata_hash(fa, a->cdh, a->cdh_len)) != FIDO_OK ||
	    (r = fido_assert_set_count(fa, 1)) != FIDO_OK ||
	    (r = fido_assert_set_authdata(fa, 0, a->authdata,
	    a->authdata_len)) != FIDO_OK ||
	    (r = fido_assert_set_sig(fa, 0, a->sig, a->sig_len)) != FIDO_OK ||
	    (r = fido_assert_set_up(fa, FIDO_OPT_TRUE)) != FIDO_OK ||
	    (r = fido_assert_set_uv(fa, a->require_uv ? FIDO_OPT_TRUE :
	    FIDO_OPT_OMIT)) != FIDO_OK)
		return r;
	return FIDO_OK;
}

int
fido2_verify(const struct fido2_cred *cred, const struct fido2_assertion *a,
    struct fido2_verdict *v)
{
	fido_assert_t *fa = NULL;
	es256_pk_t *pk = NULL;
	EVP_PKEY *evp = NULL;
	uint8_t flags;
	int r, ret = DIR_ERROR;

	memset(v, 0, sizeof(*v));
	if (cred->cose_alg != FIDO2_COSE_ES256) {
		snprintf(v->reason, sizeof(v->reason),
		    "fido2 credential algorithm %d not supported", cred->cose_alg);
		return DIR_INVALID;
	}
	if ((fa = fido_assert_new()) == NULL || (pk = es256_pk_new()) == NULL)
		goto out;
	if ((evp = pubkey_from_pem(cred->pubkey_pem)) == NULL ||
	    es256_pk_from_EVP_PKEY(pk, evp) != FIDO_OK) {
		snprintf(v->reason, sizeof(v->reason),
		    "fido2 credential has an unreadable public key");
		goto out;
	}
	if ((r = assert_setup(fa, a)) != FIDO_OK) {
		/* Malformed authenticator data or signature from the client. */
		snprintf(v->reason, sizeof(v->reason), "fido2 assertion malformed: %s",
		    fido_strerr(r));
		ret = DIR_INVALID;
		goto out;
	}
	flags = fido_assert_flags(fa, 0);
	if ((flags & AUTHDATA_UP) == 0) {
		snprintf(v->reason, sizeof(v->reason),
		    "fido2 assertion without user presence");
		ret = DIR_INVALID;
		goto out;
	}
	if ((r = fido_assert_verify(fa, 0, COSE_ES256, pk)) != FIDO_OK) {
		snprintf(v->reason, sizeof(v->reason), "fido2 assertion refused: %s",
		    fido_strerr(r));
		ret = DIR_INVALID;
		goto out;
	}
	v->new_count = fido_assert_sigcount(fa, 0);
	if (v->new_count <= cred->sign_count &&
	    !(v->new_count == 0 && cred->sign_count == 0)) {
		snprintf(v->reason, sizeof(v->reason),
		    "sign counter went back: cloned key? (stored %u, got %u)",
		    (unsigned)cred->sign_count, (unsigned)v->new_count);
		ret = DIR_INVALID;
		goto out;
	}
	/* Signed by the key: it counts even where it was not required. */
	v->uv_done = (flags & AUTHDATA_UV) != 0;
	ret = DIR_OK;
out:
	EVP_PKEY_free(evp);
	es256_pk_free(&pk);
	fido_assert_free(&fa);
	return ret;
}

int
fido2_aaguid_parse(const char *s, uint8_t aaguid_r[16])
{
	size_t n = 0;
	int hi = -1, d;

	for (; *s != '\0'; s++) {
		if (*s == '-')
			continue;
		if (!isxdigit((unsigned char)*s) || n == 16)
			return -1;
		d = isdigit((unsigned char)*s) ? *s - '0' :
		    tolower((unsigned char)*s) - 'a' + 10;
		if (hi < 0)
			hi = d;
		else {
			aaguid_r[n++] = (uint8_t)(hi << 4 | d);
			hi = -1;
		}
	}
	return n == 16 && hi < 0 ? 0 : -1;
}

void
fido2_aaguid_format(const uint8_t a[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", a[0], a[1], a[2], a[3], a[4], a[5],
	    a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
}

int
fido2_aaguid_listed(const uint8_t aaguid[16], const char *list)
{
	char word[64];
	uint8_t cand[16];
	const char *w;
	size_t n;

	while ((w = authd_list_next(&list, &n)) != NULL)
		if (n < sizeof(word)) {
			memcpy(word, w, n);
			word[n] = '\0';
			if (fido2_aaguid_parse(word, cand) == 0 &&
			    memcmp(cand, aaguid, 16) == 0)
				return 1;
		}
	return 0;
}

/*
 * The AAGUID extension of an attestation certificate, when it has one:
 * 1 it names aaguid, 0 it has none, -1 it names another or is malformed
 * or critical (WebAuthn 8.2.1: an OCTET STRING of 16 bytes, not critical).
 */
static int
cert_aaguid_matches(X509 *x, const uint8_t aaguid[16])
{
	ASN1_OBJECT *oid;
	X509_EXTENSION *ext;
	ASN1_OCTET_STRING *outer, *inner = NULL;
	const unsigned char *p;
	int i, r = -1;

	if ((oid = OBJ_txt2obj(OID_FIDO_AAGUID, 1)) == NULL)
		return -1;
	i = X509_get_ext_by_OBJ(x, oid, -1);
	ASN1_OBJECT_free(oid);
	if (i < 0)
		return 0;
	if (X509_get_ext_by_OBJ(x, X509_EXTENSION_get_object(
	    X509_get_ext(x, i)), i) >= 0)
		return -1;   /* twice */
	ext = X509_get_ext(x, i);
	if (X509_EXTENSION_get_critical(ext) ||
	    (outer = X509_EXTENSION_get_data(ext)) == NULL)
		return -1;
	p = ASN1_STRING_get0_data(outer);
	if ((inner = d2i_ASN1_OCTET_STRING(NULL, &p,
	    ASN1_STRING_length(outer))) != NULL &&
	    p == ASN1_STRING_get0_data(outer) + ASN1_STRING_length(outer) &&
	    ASN1_STRING_length(inner) == 16 &&
	    memcmp(ASN1_STRING_get0_data(inner), aaguid, 16) == 0)
		r = 1;
	ASN1_OCTET_STRING_free(inner);
	return r;
}

int
fido2_model_attested(const char *roots_file, const char *cert_pem,
    const uint8_t aaguid[16], char *why, size_t whylen)
{
	X509_STORE *roots = NULL;
	X509_STORE_CTX *sc = NULL;
	X509 *x = NULL;
	BIO *bio = NULL;
	int ok = 0;

	if (roots_file == NULL || *roots_file == '\0') {
		snprintf(why, whylen, "no fido2_attestation_roots");
		return 0;
	}
	if (cert_pem == NULL || *cert_pem == '\0') {
		snprintf(why, whylen, "no attestation certificate (self attestation)");
		return 0;
	}
	if ((bio = BIO_new_mem_buf(cert_pem, -1)) == NULL ||
	    (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		snprintf(why, whylen, "attestation certificate unreadable");
		goto out;
	}
	/* a CA's certificate speaks for no one key */
	if (X509_check_ca(x) != 0) {
		snprintf(why, whylen, "attestation certificate is a CA's");
		goto out;
	}
	if (cert_aaguid_matches(x, aaguid) < 0) {
		snprintf(why, whylen, "attestation certificate names another AAGUID");
		goto out;
	}
	/* Read at each check, as card_ca_file is: a root taken out of the
	 * file stops counting at the next login. */
	if ((roots = X509_STORE_new()) == NULL ||
	    X509_STORE_load_file(roots, roots_file) != 1) {
		snprintf(why, whylen, "cannot read fido2_attestation_roots %s",
		    roots_file);
		goto out;
	}
	/*
	 * An intermediate in the file is trusted as it is (libfido2 gives
	 * only the key's own certificate); validity dates are not checked:
	 * the certificate tells how the key was made, which its expiry
	 * does not change.
	 */
	X509_STORE_set_flags(roots, X509_V_FLAG_PARTIAL_CHAIN |
	    X509_V_FLAG_NO_CHECK_TIME);
	if ((sc = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(sc, roots, x, NULL) != 1) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (X509_verify_cert(sc) != 1) {
		snprintf(why, whylen, "attestation certificate does not chain to "
		    "fido2_attestation_roots: %s", X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(sc)));
		goto out;
	}
	ok = 1;
out:
	X509_STORE_CTX_free(sc);
	X509_STORE_free(roots);
	X509_free(x);
	BIO_free(bio);
	return ok;
}

unsigned
fido2_categories(int uv_done, const struct fido2_cred *cred,
    const char *biometric_aaguids, const char *roots_file, char *why,
    size_t whylen)
{
	unsigned c = FACTOR_POSSESSION;

	if (whylen > 0)
		why[0] = '\0';
	if (!uv_done)
		return c;
	if (fido2_aaguid_listed(cred->aaguid, biometric_aaguids) &&
	    fido2_model_attested(roots_file, cred->att_cert_pem, cred->aaguid,
	    why, whylen))
		return c | FACTOR_INHERENCE;
	return c | FACTOR_KNOWLEDGE;
}
