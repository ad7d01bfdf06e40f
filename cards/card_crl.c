/* A CRL of the cards no longer valid (OpenSSL). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "card_crl.h"
#include "card_state.h"

static int
fail(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char detail[256] = "";

	if (e != 0)
		ERR_error_string_n(e, detail, sizeof(detail));
	snprintf(err, errlen, "%s%s%s", what, e != 0 ? ": " : "", detail);
	ERR_clear_error();
	return -1;
}

/*
 * RFC 5280 reason codes: a lost card's key may be in anyone's hands;
 * a replaced (then collected, destroyed) card was superseded.
 */
static int
reason_of(int state)
{
	switch (state) {
	case CARD_ST_LOST:
		return CRL_REASON_KEY_COMPROMISE;
	case CARD_ST_REPLACED:
	case CARD_ST_COLLECTED:
	case CARD_ST_DESTROYED:
		return CRL_REASON_SUPERSEDED;
	default:
		return CRL_REASON_CESSATION_OF_OPERATION;
	}
}

/* Add one revoked entry for cert. 1 added, 0 not of this CA, -1 error. */
static int
add_entry(X509_CRL *crl, X509 *ca, const struct card_crl_entry *e, time_t now)
{
	const unsigned char *p = e->der;
	X509_REVOKED *rev = NULL;
	ASN1_TIME *when = NULL;
	ASN1_ENUMERATED *reason = NULL;
	X509 *cert;
	int ret = -1;

	if ((cert = d2i_X509(NULL, &p, (long)e->der_len)) == NULL) {
		ERR_clear_error();
		return 0;       /* the directory's certificates were parsed at registration */
	}
	if (X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(ca)) != 0) {
		ret = 0;
		goto out;
	}
	if ((rev = X509_REVOKED_new()) == NULL ||
	    (when = ASN1_TIME_set(NULL, e->since != 0 ? e->since : now)) == NULL ||
	    (reason = ASN1_ENUMERATED_new()) == NULL ||
	    !X509_REVOKED_set_serialNumber(rev, X509_get_serialNumber(cert)) ||
	    !X509_REVOKED_set_revocationDate(rev, when) ||
	    !ASN1_ENUMERATED_set(reason, reason_of(e->state)) ||
	    !X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, reason, 0, 0) ||
	    !X509_CRL_add0_revoked(crl, rev))
		goto out;
	rev = NULL;     /* the CRL owns it */
	ret = 1;
 out:
	ASN1_ENUMERATED_free(reason);
	ASN1_TIME_free(when);
	X509_REVOKED_free(rev);
	X509_free(cert);
	return ret;
}

static X509 *
load_cert(const char *path)
{
	X509 *x = NULL;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return x;
}

static EVP_PKEY *
load_key(const char *path)
{
	EVP_PKEY *k = NULL;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

int
card_crl_make(const char *ca_cert_file, const char *ca_key_file,
    const struct card_crl_entry *entries, size_t n, time_t now, int days,
    char **pem_r, size_t *listed_r, size_t *skipped_r, char *err, size_t errlen)
{
	X509 *ca = NULL;
	EVP_PKEY *key = NULL;
	X509_CRL *crl = NULL;
	ASN1_TIME *t_this = NULL, *t_next = NULL;
	ASN1_INTEGER *number = NULL;
	BIO *mem = NULL;
	BUF_MEM *bm;
	size_t i, listed = 0, skipped = 0;
	int r, ret = -1;

	*pem_r = NULL;
	if ((ca = load_cert(ca_cert_file)) == NULL) {
		ret = fail(err, errlen, "cannot read the CA certificate (PEM)");
		goto out;
	}
	if ((key = load_key(ca_key_file)) == NULL) {
		ret = fail(err, errlen, "cannot read the CA key (PEM, unencrypted)");
		goto out;
	}
	if (X509_check_private_key(ca, key) != 1) {
		ret = fail(err, errlen, "the CA key does not belong to the CA certificate");
		goto out;
	}
	if ((crl = X509_CRL_new()) == NULL ||
	    !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) ||
	    (t_this = ASN1_TIME_set(NULL, now)) == NULL ||
	    (t_next = ASN1_TIME_set(NULL, now + (time_t)days * 86400)) == NULL ||
	    !X509_CRL_set1_lastUpdate(crl, t_this) ||
	    !X509_CRL_set1_nextUpdate(crl, t_next) ||
	    (number = ASN1_INTEGER_new()) == NULL ||
	    !ASN1_INTEGER_set_int64(number, (int64_t)now) ||
	    !X509_CRL_add1_ext_i2d(crl, NID_crl_number, number, 0, 0)) {
		ret = fail(err, errlen, "cannot make the CRL");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = add_entry(crl, ca, &entries[i], now)) < 0) {
			ret = fail(err, errlen, "cannot add a revoked certificate");
			goto out;
		}
		if (r == 1)
			listed++;
		else
			skipped++;
	}
	if (!X509_CRL_sort(crl) || X509_CRL_sign(crl, key, EVP_sha256()) <= 0) {
		ret = fail(err, errlen, "cannot sign the CRL");
		goto out;
	}
	if ((mem = BIO_new(BIO_s_mem())) == NULL || !PEM_write_bio_X509_CRL(mem, crl) ||
	    BIO_get_mem_ptr(mem, &bm) <= 0 || (*pem_r = malloc(bm->length + 1)) == NULL) {
		ret = fail(err, errlen, "cannot write the CRL");
		goto out;
	}
	memcpy(*pem_r, bm->data, bm->length);
	(*pem_r)[bm->length] = '\0';
	*listed_r = listed;
	*skipped_r = skipped;
	ret = 0;
 out:
	BIO_free(mem);
	ASN1_INTEGER_free(number);
	ASN1_TIME_free(t_next);
	ASN1_TIME_free(t_this);
	X509_CRL_free(crl);
	EVP_PKEY_free(key);
	X509_free(ca);
	return ret;
}
