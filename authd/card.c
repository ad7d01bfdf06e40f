/*
 * The card's answer judged with OpenSSL. The CA file and the CRL are read
 * at every check: a few kilobytes of PEM cost far less than the directory
 * lookups of the same login, and a new CRL takes effect without a restart.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "card.h"
#include "conf.h"
#include "err.h"

const char *
card_verdict_reason(int verdict)
{
	switch (verdict) {
	case CARD_OK: return "card accepted";
	case CARD_BAD_CERT: return "card certificate unusable";
	case CARD_UNKNOWN_CA: return "card from an unknown CA";
	case CARD_EXPIRED: return "card expired";
	case CARD_NOT_YET_VALID: return "card not yet valid";
	case CARD_REVOKED: return "card revoked (CRL)";
	case CARD_NO_CRL: return "no current CRL for the card's CA";
	case CARD_NOT_REGISTERED: return "card not registered to this person";
	case CARD_BAD_SIGNATURE: return "bad signature";
	case CARD_CA_CERT: return "card certificate is a CA certificate";
	case CARD_WRONG_PURPOSE:
		return "card certificate not for client authentication "
		    "(extendedKeyUsage)";
	case CARD_TOO_WEAK:
		return "card certificate below security level 2 (weak key or "
		    "signature)";
	default: return "card check failed";
	}
}

int
card_fingerprint(const uint8_t *der, size_t len, uint8_t fpr_r[CARD_FPR_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(der, len, fpr_r, &n, EVP_sha256(), NULL) != 1 ||
	    n != CARD_FPR_LEN)
		return AUTHD_ERR_CRYPTO;
	return AUTHD_OK;
}

void
card_fpr_hex(const uint8_t fpr[CARD_FPR_LEN], char out[CARD_FPR_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < CARD_FPR_LEN; i++) {
		out[2 * i] = hex[fpr[i] >> 4];
		out[2 * i + 1] = hex[fpr[i] & 0xf];
	}
	out[CARD_FPR_HEX_LEN] = '\0';
}

/* DER first; PEM for what an administrator hands to authctl. */
static X509 *
parse_cert(const uint8_t *data, size_t len)
{
	const unsigned char *p = data;
	X509 *x;
	BIO *b;

	if (len == 0 || len > 65536)
		return NULL;
	/* the whole input must be the certificate: nothing appended */
	if ((x = d2i_X509(NULL, &p, (long)len)) != NULL) {
		if (p == data + len)
			return x;
		X509_free(x);
		return NULL;
	}
	if ((b = BIO_new_mem_buf(data, (int)len)) == NULL)
		return NULL;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	return x;
}

static void
name_text(const X509_NAME *n, char *out, size_t outsz)
{
	BIO *b;
	int len;

	out[0] = '\0';
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0 &&
	    (len = BIO_read(b, out, (int)outsz - 1)) > 0)
		out[len] = '\0';
	BIO_free(b);
}

/* Is word one of list's words (authd_list_next)? */
static int
word_listed(const char *word, const char *list)
{
	size_t n, len = strlen(word);
	const char *w;

	while ((w = authd_list_next(&list, &n)) != NULL)
		if (n == len && memcmp(w, word, n) == 0)
			return 1;
	return 0;
}

int
card_cert_has_policy(const uint8_t *data, size_t len, const char *oids)
{
	CERTIFICATEPOLICIES *pols = NULL;
	POLICYINFO *pi;
	char oid[128];
	X509 *x;
	int i, n, found = 0;

	if (oids == NULL || (x = parse_cert(data, len)) == NULL)
		return 0;
	pols = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	for (i = 0; pols != NULL && i < sk_POLICYINFO_num(pols) && !found; i++) {
		pi = sk_POLICYINFO_value(pols, i);
		n = OBJ_obj2txt(oid, sizeof(oid), pi->policyid, 1);
		if (n > 0 && (size_t)n < sizeof(oid))
			found = word_listed(oid, oids);
	}
	CERTIFICATEPOLICIES_free(pols);
	X509_free(x);
	return found;
}

int
card_cert_info(const uint8_t *data, size_t len, struct card_cert_info *info_r)
{
	const ASN1_INTEGER *sn;
	unsigned char *der = NULL;
	BIGNUM *bn = NULL;
	char *hex = NULL;
	struct tm tm;
	X509 *x;
	int n, r = AUTHD_ERR_BAD_FIELD;

	memset(info_r, 0, sizeof(*info_r));
	if ((x = parse_cert(data, len)) == NULL)
		goto out;
	if ((n = i2d_X509(x, &der)) <= 0 || (size_t)n > sizeof(info_r->der)) {
		r = n <= 0 ? AUTHD_ERR_CRYPTO : AUTHD_ERR_TOO_LONG;
		goto out;
	}
	memcpy(info_r->der, der, (size_t)n);
	info_r->der_len = (size_t)n;
	if ((r = card_fingerprint(info_r->der, info_r->der_len, info_r->fpr)) != AUTHD_OK)
		goto out;
	r = AUTHD_ERR_CRYPTO;
	if ((sn = X509_get0_serialNumber(x)) == NULL ||
	    (bn = ASN1_INTEGER_to_BN(sn, NULL)) == NULL ||
	    (hex = BN_bn2hex(bn)) == NULL)
		goto out;
	snprintf(info_r->serial, sizeof(info_r->serial), "%s", hex);
	name_text(X509_get_issuer_name(x), info_r->issuer, sizeof(info_r->issuer));
	name_text(X509_get_subject_name(x), info_r->subject, sizeof(info_r->subject));
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1)
		goto out;
	info_r->not_after = timegm(&tm);
	r = AUTHD_OK;
 out:
	OPENSSL_free(hex);
	BN_free(bn);
	OPENSSL_free(der);
	X509_free(x);
	return r;
}

/* The trust store of one check: the CA file, and the CRL when configured. */
static int
load_store(const char *ca_file, const char *crl_file, X509_STORE **store_r,
    char *err, size_t errlen)
{
	X509_STORE *st;
	X509_LOOKUP *lk;

	*store_r = NULL;
	if ((st = X509_STORE_new()) == NULL)
		return CARD_ERROR;
	if ((lk = X509_STORE_add_lookup(st, X509_LOOKUP_file())) == NULL ||
	    X509_LOOKUP_load_file(lk, ca_file, X509_FILETYPE_PEM) <= 0) {
		snprintf(err, errlen, "cannot read the card CA file %s", ca_file);
		X509_STORE_free(st);
		return CARD_ERROR;
	}
	if (crl_file != NULL && *crl_file != '\0') {
		if (X509_load_crl_file(lk, crl_file, X509_FILETYPE_PEM) <= 0) {
			snprintf(err, errlen, "cannot read the card CRL %s", crl_file);
			X509_STORE_free(st);
			return CARD_ERROR;
		}
		X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK |
		    X509_V_FLAG_CRL_CHECK_ALL);
	}
	*store_r = st;
	return CARD_OK;
}

/*
 * depth: where in the chain OpenSSL stopped. A key or a signature too weak
 * at 0 is the card's certificate; above, a CA of card_ca_file, which would
 * refuse every card it issued: the host's configuration (CARD_ERROR).
 */
static int
verdict_of(int verr, int depth)
{
	switch (verr) {
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_KEY_TOO_SMALL:
	case X509_V_ERR_CA_MD_TOO_WEAK:
		return depth == 0 ? CARD_TOO_WEAK : CARD_ERROR;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return CARD_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return CARD_NOT_YET_VALID;
	case X509_V_ERR_CERT_REVOKED:
		return CARD_REVOKED;
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
		/* fail closed: a stale CRL could hide a revoked card */
		return CARD_NO_CRL;
	default:
		return CARD_UNKNOWN_CA;
	}
}

static int
check_chain(X509_STORE *st, X509 *x, time_t now, char *err, size_t errlen)
{
	X509_STORE_CTX *sc;
	int v, verr;

	if ((sc = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(sc, st, x, NULL) != 1) {
		X509_STORE_CTX_free(sc);
		return CARD_ERROR;
	}
	X509_STORE_CTX_set_time(sc, 0, now);
	X509_VERIFY_PARAM_set_auth_level(X509_STORE_CTX_get0_param(sc),
	    CARD_AUTH_LEVEL);
	if (X509_verify_cert(sc) == 1) {
		X509_STORE_CTX_free(sc);
		return CARD_OK;
	}
	verr = X509_STORE_CTX_get_error(sc);
	v = verdict_of(verr, X509_STORE_CTX_get_error_depth(sc));
	if (v == CARD_ERROR)
		snprintf(err, errlen, "a CA certificate of the card CA file is "
		    "below security level %d: %s", CARD_AUTH_LEVEL,
		    X509_verify_cert_error_string(verr));
	else
		snprintf(err, errlen, "%s", X509_verify_cert_error_string(verr));
	X509_STORE_CTX_free(sc);
	return v;
}

/* A key usage extension, when present, must allow signatures. */
static int
usable_for_signing(X509 *x)
{
	uint32_t ku = X509_get_key_usage(x);

	return ku == UINT32_MAX || (ku & KU_DIGITAL_SIGNATURE) != 0;
}

/*
 * A certificate that can issue others is a CA's, never a card's, even one
 * of card_ca_file (it chains to itself): basicConstraints CA:TRUE, a key
 * usage with keyCertSign, or a version 1 self-signed root.
 */
static int
is_ca_certificate(X509 *x)
{
	return X509_check_ca(x) != 0;
}

/*
 * Without an extendedKeyUsage the certificate is for any use; with one, it
 * must name client authentication, Microsoft smart-card logon or any use.
 * One that cannot be decoded, or given twice, allows nothing.
 */
static int
allows_client_auth(X509 *x)
{
	EXTENDED_KEY_USAGE *eku;
	int crit = -1, i, nid, ok = 0;

	if ((eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL)) == NULL)
		return crit == -1;
	for (i = 0; i < sk_ASN1_OBJECT_num(eku) && !ok; i++) {
		nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));
		ok = nid == NID_client_auth || nid == NID_ms_smartcard_login ||
		    nid == NID_anyExtendedKeyUsage;
	}
	EXTENDED_KEY_USAGE_free(eku);
	return ok;
}

/*
 * OpenSSL's bits of security for each level (SSL_CTX_set_security_level(3)),
 * which its chain check asks of keys and signature digests.
 */
static const int auth_level_bits[] = { 0, 80, 112, 128, 192, 256 };

/*
 * The card's own key, and the digest its CA signed it with, at
 * CARD_AUTH_LEVEL: what OpenSSL's chain check asks of the end of a chain,
 * in its words, for a certificate judged without its chain (authctl).
 */
static int
meets_auth_level(X509 *x, char *err, size_t errlen)
{
	int bits = auth_level_bits[CARD_AUTH_LEVEL], sig_bits = -1, verr;
	EVP_PKEY *pk = X509_get0_pubkey(x);

	if (pk == NULL || EVP_PKEY_get_security_bits(pk) < bits)
		verr = X509_V_ERR_EE_KEY_TOO_SMALL;
	else if (X509_get_signature_info(x, NULL, NULL, &sig_bits, NULL) != 1 ||
	    sig_bits < bits)
		verr = X509_V_ERR_CA_MD_TOO_WEAK;
	else
		return 1;
	snprintf(err, errlen, "%s", X509_verify_cert_error_string(verr));
	return 0;
}

/*
 * What makes a certificate no card's, whoever issued it: one check for
 * authctl's registration and authd's login, so that a card registered is
 * one that can log in. At login the chain check has already judged the
 * level, with the CAs'.
 */
static int
check_own(X509 *x, char *err, size_t errlen)
{
	if (!meets_auth_level(x, err, errlen))
		return CARD_TOO_WEAK;
	if (is_ca_certificate(x))
		return CARD_CA_CERT;
	if (!allows_client_auth(x))
		return CARD_WRONG_PURPOSE;
	return CARD_OK;
}

int
card_cert_check(const uint8_t *data, size_t len, char *err, size_t errlen)
{
	X509 *x;
	int v;

	if (errlen > 0)
		err[0] = '\0';
	if ((x = parse_cert(data, len)) == NULL)
		return CARD_BAD_CERT;
	v = check_own(x, err, errlen);
	X509_free(x);
	return v;
}

/* Every registration is compared: the time does not say which one matched. */
static int
find_registered(const uint8_t fpr[CARD_FPR_LEN], const struct card_reg *regs,
    size_t nregs, size_t *matched_r)
{
	size_t i;
	int found = 0;

	for (i = 0; i < nregs; i++) {
		int eq = CRYPTO_memcmp(fpr, regs[i].fpr, CARD_FPR_LEN) == 0;

		if (eq && !found && matched_r != NULL)
			*matched_r = i;
		found |= eq;
	}
	return found;
}

/* ECDSA or RSA PKCS#1 v1.5 over SHA-256(challenge), as the module signs it. */
static int
check_signature(X509 *x, const uint8_t *challenge, size_t challenge_len,
    const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pk;
	int r = CARD_BAD_SIGNATURE;

	if ((pk = X509_get0_pubkey(x)) == NULL)
		return CARD_BAD_CERT;
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC &&
	    EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
		return CARD_BAD_CERT;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return CARD_ERROR;
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pk) == 1 &&
	    EVP_DigestVerify(md, sig, sig_len, challenge, challenge_len) == 1)
		r = CARD_OK;
	EVP_MD_CTX_free(md);
	return r;
}

int
card_verify(const char *ca_file, const char *crl_file,
    const uint8_t *cert, size_t cert_len,
    const uint8_t *challenge, size_t challenge_len,
    const uint8_t *sig, size_t sig_len,
    const struct card_reg *regs, size_t nregs, time_t now,
    size_t *matched_r, char *err, size_t errlen)
{
	const unsigned char *p = cert;
	uint8_t fpr[CARD_FPR_LEN];
	X509_STORE *st = NULL;
	X509 *x = NULL;
	int v;

	if (errlen > 0)
		err[0] = '\0';
	if (challenge_len == 0 || sig_len == 0) {
		v = CARD_BAD_SIGNATURE;
		goto out;
	}
	/* the card's answer is DER and nothing else */
	if (cert_len == 0 || (x = d2i_X509(NULL, &p, (long)cert_len)) == NULL ||
	    p != cert + cert_len || !usable_for_signing(x)) {
		v = CARD_BAD_CERT;
		goto out;
	}
	if ((v = load_store(ca_file, crl_file, &st, err, errlen)) != CARD_OK ||
	    (v = check_chain(st, x, now, err, errlen)) != CARD_OK)
		goto out;
	if ((v = check_own(x, err, errlen)) != CARD_OK)
		goto out;
	if (card_fingerprint(cert, cert_len, fpr) != AUTHD_OK) {
		v = CARD_ERROR;
		goto out;
	}
	if (!find_registered(fpr, regs, nregs, matched_r)) {
		v = CARD_NOT_REGISTERED;
		goto out;
	}
	v = check_signature(x, challenge, challenge_len, sig, sig_len);
 out:
	X509_STORE_free(st);
	X509_free(x);
	return v;
}
