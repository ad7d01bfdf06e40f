/*
 * TOTP codes (liboath) and seeds at rest (AES-256-GCM, OpenSSL EVP).
 * See totp.h for the stored format and the site key file's rules.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "conf.h"
#include "err.h"
#include "key_file.h"
#include "secret.h"
#include "totp.h"

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static int oath_status = OATH_OK;

static void
oath_init_once(void)
{
	oath_status = oath_init();
}

int
totp_init(void)
{
	pthread_once(&oath_once, oath_init_once);
	return oath_status == OATH_OK ? AUTHD_OK : AUTHD_ERR_CRYPTO;
}

int
totp_alg_parse(const char *s, enum totp_alg *alg_r)
{
	if (strcasecmp(s, "SHA1") == 0)
		*alg_r = TOTP_SHA1;
	else if (strcasecmp(s, "SHA256") == 0)
		*alg_r = TOTP_SHA256;
	else
		return -1;
	return 0;
}

const char *
totp_alg_name(enum totp_alg alg)
{
	return alg == TOTP_SHA256 ? "SHA256" : "SHA1";
}

int
totp_params_valid(const struct totp_params *p)
{
	return (p->alg == TOTP_SHA1 || p->alg == TOTP_SHA256) &&
	    p->digits >= TOTP_DIGITS_MIN && p->digits <= TOTP_DIGITS_MAX &&
	    p->period >= 1 && p->period <= TOTP_PERIOD_MAX;
}

size_t
totp_seed_len(enum totp_alg alg)
{
	/* RFC 4226 recommends the hash's output length */
	return alg == TOTP_SHA256 ? 32 : 20;
}

_Static_assert(TOTP_KEY_LEN == KEY_FILE_LEN, "the site key is a key file");

int
totp_key_load(const char *path, uint8_t key[TOTP_KEY_LEN], char *err,
    size_t errlen)
{
	return key_file_load(path, "TOTP site key", " (group: the administrators "
	    "who enrol tokens)", key, err, errlen);
}

/* version byte, then the DN in ASCII lower case (a DN's attribute names and
 * our uids are case-insensitive; the directory may return either case) */
static int
make_aad(const char *dn, uint8_t **aad_r, size_t *len_r)
{
	size_t n = strlen(dn), i;
	uint8_t *aad;

	if (n == 0 || (aad = malloc(n + 1)) == NULL)
		return n == 0 ? AUTHD_ERR_INVALID : AUTHD_ERR_NOMEM;
	aad[0] = TOTP_BLOB_VERSION;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)dn[i];

		aad[i + 1] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	*aad_r = aad;
	*len_r = n + 1;
	return AUTHD_OK;
}

int
totp_seed_encrypt(const uint8_t key[TOTP_KEY_LEN], const char *dn,
    const uint8_t *seed, size_t seedlen, uint8_t *out, size_t outsz,
    size_t *outlen_r)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *aad = NULL, *iv = out + 1, *ct = out + 1 + TOTP_IV_LEN;
	size_t aadlen = 0;
	int len, fin, r;

	if (seedlen == 0 || seedlen > TOTP_SEED_MAX ||
	    outsz < 1 + TOTP_IV_LEN + seedlen + TOTP_TAG_LEN)
		return AUTHD_ERR_INVALID;
	if ((r = make_aad(dn, &aad, &aadlen)) != AUTHD_OK)
		return r;
	r = AUTHD_ERR_CRYPTO;
	out[0] = TOTP_BLOB_VERSION;
	if (authd_random_bytes(iv, TOTP_IV_LEN) != 0)
		goto out;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, TOTP_IV_LEN, NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, iv) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &len, aad, (int)aadlen) != 1 ||
	    EVP_EncryptUpdate(ctx, ct, &len, seed, (int)seedlen) != 1 ||
	    EVP_EncryptFinal_ex(ctx, ct + len, &fin) != 1 ||
	    (size_t)(len + fin) != seedlen ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TOTP_TAG_LEN,
	    ct + seedlen) != 1)
		goto out;
	*outlen_r = 1 + TOTP_IV_LEN + seedlen + TOTP_TAG_LEN;
	r = AUTHD_OK;
 out:
	EVP_CIPHER_CTX_free(ctx);
	free(aad);
	if (r != AUTHD_OK)
		explicit_bzero(out, outsz);
	return r;
}

int
totp_seed_decrypt(const uint8_t key[TOTP_KEY_LEN], const char *dn,
    const uint8_t *blob, size_t bloblen, uint8_t *seed, size_t seedsz,
    size_t *seedlen_r)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *aad = NULL, tag[TOTP_TAG_LEN];
	const uint8_t *iv, *ct;
	size_t aadlen = 0, ctlen;
	int len, fin, r;

	if (bloblen < 1)
		return AUTHD_ERR_INVALID;
	if (blob[0] != TOTP_BLOB_VERSION)
		return AUTHD_ERR_BAD_VERSION;
	if (bloblen <= 1 + TOTP_IV_LEN + TOTP_TAG_LEN ||
	    (ctlen = bloblen - 1 - TOTP_IV_LEN - TOTP_TAG_LEN) > TOTP_SEED_MAX ||
	    ctlen > seedsz)
		return AUTHD_ERR_INVALID;
	if ((r = make_aad(dn, &aad, &aadlen)) != AUTHD_OK)
		return r;
	iv = blob + 1;
	ct = iv + TOTP_IV_LEN;
	memcpy(tag, ct + ctlen, TOTP_TAG_LEN);
	r = AUTHD_ERR_CRYPTO;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, TOTP_IV_LEN, NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, iv) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &len, aad, (int)aadlen) != 1 ||
	    EVP_DecryptUpdate(ctx, seed, &len, ct, (int)ctlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TOTP_TAG_LEN, tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, seed + len, &fin) != 1 ||   /* the tag check */
	    (size_t)(len + fin) != ctlen)
		goto out;
	*seedlen_r = ctlen;
	r = AUTHD_OK;
 out:
	EVP_CIPHER_CTX_free(ctx);
	free(aad);
	if (r != AUTHD_OK)
		explicit_bzero(seed, seedsz);
	return r;
}

/* liboath hands us each candidate code; compare without leaking how much matched. */
struct code_cmp {
	const char *code;
	size_t len;
};

static int
code_cmp_ct(void *handle, const char *candidate)
{
	const struct code_cmp *cc = handle;

	if (strlen(candidate) != cc->len)
		return 1;
	return authd_timingsafe_bcmp(candidate, cc->code, cc->len) == 0 ? 0 : 1;
}

static int
oath_flags(enum totp_alg alg)
{
	return alg == TOTP_SHA256 ? OATH_TOTP_HMAC_SHA256 : 0;
}

int
totp_validate(const uint8_t *seed, size_t seedlen,
    const struct totp_params *p, time_t now, unsigned window,
    const char *code, uint64_t *step_r)
{
	struct code_cmp cc;
	uint64_t counter = 0;
	size_t i;
	int pos = 0, r;

	if (!totp_params_valid(p) || seedlen == 0 || code == NULL)
		return AUTHD_ERR_INVALID;
	if (totp_init() != AUTHD_OK)
		return AUTHD_ERR_CRYPTO;
	cc.code = code;
	cc.len = strlen(code);
	/* a wrong length or a non-digit is simply a wrong code */
	if (cc.len != p->digits)
		return 0;
	for (i = 0; i < cc.len; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	r = oath_totp_validate4_callback((const char *)seed, seedlen, now,
	    p->period, OATH_TOTP_DEFAULT_START_TIME, p->digits, window, &pos,
	    &counter, oath_flags(p->alg), code_cmp_ct, &cc);
	if (r == OATH_INVALID_OTP)
		return 0;
	if (r < 0)
		return AUTHD_ERR_CRYPTO;
	*step_r = counter;
	return 1;
}

int
totp_generate(const uint8_t *seed, size_t seedlen,
    const struct totp_params *p, time_t now, char *code, size_t codesz)
{
	if (!totp_params_valid(p) || codesz < p->digits + 1)
		return AUTHD_ERR_INVALID;
	if (totp_init() != AUTHD_OK)
		return AUTHD_ERR_CRYPTO;
	if (oath_totp_generate2((const char *)seed, seedlen, now, p->period,
	    OATH_TOTP_DEFAULT_START_TIME, p->digits, oath_flags(p->alg), code) != OATH_OK)
		return AUTHD_ERR_CRYPTO;
	return AUTHD_OK;
}

/* Percent-encode everything but unreserved characters (RFC 3986). */
static int
pct_encode(const char *s, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (n + 4 > outsz)
			return -1;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
		    c == '@') {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return 0;
}

int
totp_uri(const char *issuer, const char *label, const uint8_t *seed,
    size_t seedlen, const struct totp_params *p, char *out, size_t outsz)
{
	char iss[128], lab[384], *b32 = NULL;
	size_t b32len = 0;
	int n, r = AUTHD_ERR_TOO_LONG;

	if (totp_init() != AUTHD_OK)
		return AUTHD_ERR_CRYPTO;
	if (pct_encode(issuer, iss, sizeof(iss)) != 0 ||
	    pct_encode(label, lab, sizeof(lab)) != 0)
		return AUTHD_ERR_TOO_LONG;
	if (oath_base32_encode((const char *)seed, seedlen, &b32, &b32len) != OATH_OK)
		return AUTHD_ERR_CRYPTO;
	/* authenticator apps expect the secret without '=' padding */
	while (b32len > 0 && b32[b32len - 1] == '=')
		b32[--b32len] = '\0';
	n = snprintf(out, outsz, "otpauth://totp/%s:%s?secret=%s&issuer=%s"
	    "&algorithm=%s&digits=%u&period=%u", iss, lab, b32, iss,
	    totp_alg_name(p->alg), p->digits, p->period);
	if (n > 0 && (size_t)n < outsz)
		r = AUTHD_OK;
	else
		explicit_bzero(out, outsz);
	explicit_bzero(b32, b32len);
	free(b32);
	return r;
}
