/*
 * pam_authd_card PKCS11_MODULE: the helper process of pam_authd.so's card
 * step (see card_proto.h for the exchange). It loads the PKCS#11 module with
 * libp11, takes the first token that holds a certificate, tells the module
 * the token's label, receives the PIN, logs in and signs SHA-256 of the
 * challenge with the private key that belongs to the certificate.
 * The PIN is wiped as soon as the token has it; nothing is logged.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libp11.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "card_proto.h"

/* A helper left behind by a module that vanished must not linger. */
#define HELPER_LIFETIME_S 600

#define CKR_PIN_LOCKED_CODE 0xA4UL

static int
read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = read(fd, p, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* u16 length + bytes, at most max. */
static int
read_blob(uint8_t *buf, size_t max, size_t *len_r)
{
	uint8_t h[2];
	size_t n;

	if (read_full(0, h, 2) != 0)
		return -1;
	n = (size_t)h[0] << 8 | h[1];
	if (n > max || read_full(0, buf, n) != 0)
		return -1;
	*len_r = n;
	return 0;
}

static int
write_blob(const uint8_t *buf, size_t len)
{
	uint8_t h[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	if (len > 0xffff)
		return -1;
	return write_full(1, h, 2) || write_full(1, buf, len) ? -1 : 0;
}

static int
reply_status(uint8_t status, const uint8_t *blob, size_t len)
{
	if (write_full(1, &status, 1) != 0)
		return -1;
	return write_blob(blob, len);
}

/* The first token (in slot order) that holds a certificate. */
static PKCS11_SLOT *
find_card(PKCS11_CTX *ctx, PKCS11_SLOT *slots, unsigned int nslots)
{
	PKCS11_SLOT *s;
	PKCS11_CERT *certs;
	unsigned int ncerts;

	for (s = PKCS11_find_token(ctx, slots, nslots); s != NULL;
	    s = PKCS11_find_next_token(ctx, slots, nslots, s)) {
		if (!s->token->initialized)
			continue;
		if (PKCS11_enumerate_certs(s->token, &certs, &ncerts) == 0 &&
		    ncerts > 0)
			return s;
	}
	return NULL;
}

/* The first certificate of the token whose private key is there (after login). */
static PKCS11_CERT *
cert_with_key(PKCS11_SLOT *s, PKCS11_KEY **key_r)
{
	PKCS11_CERT *certs;
	unsigned int n, i;

	if (PKCS11_enumerate_certs(s->token, &certs, &n) != 0)
		return NULL;
	for (i = 0; i < n; i++)
		if (certs[i].x509 != NULL &&
		    (*key_r = PKCS11_find_key(&certs[i])) != NULL)
			return &certs[i];
	return NULL;
}

static int
sign_hash(EVP_PKEY *pk, const uint8_t *hash, size_t hlen, uint8_t *sig,
    size_t *siglen)
{
	EVP_PKEY_CTX *pc;
	int ok = 0;

	if ((pc = EVP_PKEY_CTX_new(pk, NULL)) == NULL)
		return -1;
	if (EVP_PKEY_sign_init(pc) != 1)
		goto out;
	/* RSA: PKCS#1 v1.5 with the DigestInfo; EC: plain ECDSA on the hash */
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA &&
	    (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) != 1))
		goto out;
	ok = EVP_PKEY_sign(pc, sig, siglen, hash, hlen) == 1;
 out:
	EVP_PKEY_CTX_free(pc);
	return ok ? 0 : -1;
}

/* Login, sign, answer. Returns the status sent. */
static int
login_and_sign(PKCS11_SLOT *s, char *pin, const uint8_t *chal, size_t chal_len)
{
	uint8_t hash[32], sig[1024], *der = NULL;
	unsigned int hlen = 0;
	size_t siglen = sizeof(sig);
	PKCS11_CERT *cert;
	PKCS11_KEY *key = NULL;
	EVP_PKEY *pk = NULL;
	unsigned long e;
	int derlen, status = CARD_HELPER_ERROR, r;

	if (pin[0] != '\0') {
		r = PKCS11_login(s, 0, pin);
		explicit_bzero(pin, CARD_HELPER_MAX_PIN + 1);
		if (r != 0) {
			e = ERR_peek_last_error();
			status = ERR_GET_REASON(e) == CKR_PIN_LOCKED_CODE ?
			    CARD_HELPER_PIN_LOCKED : CARD_HELPER_PIN_REFUSED;
			goto out;
		}
	}
	if ((cert = cert_with_key(s, &key)) == NULL ||
	    (pk = PKCS11_get_private_key(key)) == NULL)
		goto out;
	if (EVP_Digest(chal, chal_len, hash, &hlen, EVP_sha256(), NULL) != 1 ||
	    sign_hash(pk, hash, hlen, sig, &siglen) != 0)
		goto out;
	if ((derlen = i2d_X509(cert->x509, &der)) <= 0 ||
	    derlen > CARD_HELPER_MAX_BLOB)
		goto out;
	status = CARD_HELPER_OK;
 out:
	if (status == CARD_HELPER_OK) {
		if (reply_status(CARD_HELPER_OK, der, (size_t)derlen) != 0 ||
		    write_blob(sig, siglen) != 0)
			status = CARD_HELPER_ERROR;
	} else
		(void)reply_status((uint8_t)status, NULL, 0);
	OPENSSL_free(der);
	EVP_PKEY_free(pk);
	return status;
}

int
main(int argc, char **argv)
{
	uint8_t chal[64], go, label[CARD_HELPER_MAX_LABEL];
	char pin[CARD_HELPER_MAX_PIN + 1];
	PKCS11_CTX *ctx = NULL;
	PKCS11_SLOT *slots = NULL, *s;
	unsigned int nslots = 0;
	size_t chal_len, label_len, pin_len;
	int status = CARD_HELPER_ERROR;

	if (argc != 2 || argv[1][0] != '/') {
		fprintf(stderr, "usage: pam_authd_card /path/to/pkcs11-module.so\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	alarm(HELPER_LIFETIME_S);
	if (read_blob(chal, sizeof(chal), &chal_len) != 0 || chal_len == 0)
		return 1;
	if ((ctx = PKCS11_CTX_new()) == NULL ||
	    PKCS11_CTX_load(ctx, argv[1]) != 0) {
		(void)reply_status(CARD_HELPER_ERROR, NULL, 0);
		goto out;
	}
	if (PKCS11_enumerate_slots(ctx, &slots, &nslots) != 0 ||
	    (s = find_card(ctx, slots, nslots)) == NULL) {
		(void)reply_status(CARD_HELPER_NO_CARD, NULL, 0);
		status = CARD_HELPER_NO_CARD;
		goto out;
	}
	label_len = strnlen(s->token->label, sizeof(label));
	memcpy(label, s->token->label, label_len);
	if (reply_status(CARD_HELPER_OK, label, label_len) != 0 ||
	    read_full(0, &go, 1) != 0 || go != 1 ||
	    read_blob((uint8_t *)pin, CARD_HELPER_MAX_PIN, &pin_len) != 0)
		goto out;
	pin[pin_len] = '\0';
	status = login_and_sign(s, pin, chal, chal_len);
 out:
	explicit_bzero(pin, sizeof(pin));
	if (slots != NULL)
		PKCS11_release_all_slots(ctx, slots, nslots);
	if (ctx != NULL) {
		PKCS11_CTX_unload(ctx);
		PKCS11_CTX_free(ctx);
	}
	return status == CARD_HELPER_OK ? 0 : 1;
}
