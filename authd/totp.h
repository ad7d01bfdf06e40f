/*
 * TOTP (RFC 6238) for authd and authctl: code validation through liboath,
 * and the encryption of seeds at rest under the site key.
 *
 * Stored seed (authdTotpSeed), version 1:
 *   0x01 | IV (12 random bytes) | AES-256-GCM ciphertext | tag (16 bytes)
 * with additional authenticated data 0x01 | the person's DN in ASCII lower
 * case, so that a seed copied to another person's token does not decrypt.
 *
 * The site key file (totp_key_file) holds 32 bytes as 64 hex digits. It is
 * checked with authd_check_file_safe (a regular file owned by root or the
 * caller, writable by nobody else) and must not be readable by others; it
 * MAY be readable by its group, so that the administrators who enrol tokens
 * (a group such as authd-admins) can run `authctl totp enroll` without root.
 */
#ifndef AUTHD_TOTP_H
#define AUTHD_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TOTP_KEY_LEN        32
#define TOTP_SEED_MAX       64          /* bytes of a raw seed */
#define TOTP_BLOB_VERSION   0x01
#define TOTP_IV_LEN         12
#define TOTP_TAG_LEN        16
#define TOTP_BLOB_MAX       (1 + TOTP_IV_LEN + TOTP_SEED_MAX + TOTP_TAG_LEN)
#define TOTP_DIGITS_MIN     6
#define TOTP_DIGITS_MAX     8
#define TOTP_PERIOD_DEFAULT 30
#define TOTP_PERIOD_MAX     300
#define TOTP_URI_MAX        512

enum totp_alg {
	TOTP_SHA1 = 0,
	TOTP_SHA256 = 1
};

struct totp_params {
	enum totp_alg alg;
	unsigned digits;            /* 6..8 */
	unsigned period;            /* seconds, 1..TOTP_PERIOD_MAX */
};

/* liboath's global init, done once per process (thread-safe). AUTHD_OK or AUTHD_ERR_CRYPTO. */
int totp_init(void);

/* "SHA1" / "SHA256" (case-insensitive) to alg; 0 or -1. */
int totp_alg_parse(const char *s, enum totp_alg *alg_r);
const char *totp_alg_name(enum totp_alg alg);
/* Are the parameters within bounds? */
int totp_params_valid(const struct totp_params *p);
/* The seed length used when generating one for alg (20 for SHA1, 32 for SHA256). */
size_t totp_seed_len(enum totp_alg alg);

/*
 * Read the site key from path (rules above). AUTHD_OK, or AUTHD_ERR_PERM /
 * AUTHD_ERR_IO / AUTHD_ERR_INVALID with a message in err. key is wiped on error.
 */
int totp_key_load(const char *path, uint8_t key[TOTP_KEY_LEN], char *err,
    size_t errlen);

/* Encrypt seed for the person dn into out (TOTP_BLOB_MAX bytes). AUTHD_OK or < 0. */
int totp_seed_encrypt(const uint8_t key[TOTP_KEY_LEN], const char *dn,
    const uint8_t *seed, size_t seedlen, uint8_t *out, size_t outsz,
    size_t *outlen_r);
/*
 * Decrypt a stored seed. AUTHD_ERR_CRYPTO when it does not authenticate
 * (another key, another DN, altered bytes), AUTHD_ERR_BAD_VERSION for an
 * unknown format. seed (TOTP_SEED_MAX bytes) is wiped on error.
 */
int totp_seed_decrypt(const uint8_t key[TOTP_KEY_LEN], const char *dn,
    const uint8_t *blob, size_t bloblen, uint8_t *seed, size_t seedsz,
    size_t *seedlen_r);

/*
 * Is code (exactly p->digits decimal digits) valid at now, within window
 * steps either side? 1 with *step_r = the matched time step (now/period for
 * the current one), 0 when not, < 0 on error. The code is compared in
 * constant time. The caller refuses a step not above the last used one.
 */
int totp_validate(const uint8_t *seed, size_t seedlen,
    const struct totp_params *p, time_t now, unsigned window,
    const char *code, uint64_t *step_r);

/* The code for now (for tests and the enrolment's own check). AUTHD_OK or < 0. */
int totp_generate(const uint8_t *seed, size_t seedlen,
    const struct totp_params *p, time_t now, char *code, size_t codesz);

/*
 * otpauth://totp/ISSUER:LABEL?secret=BASE32&issuer=ISSUER&algorithm=A&digits=D&period=P
 * (issuer and label percent-encoded). AUTHD_OK or AUTHD_ERR_TOO_LONG.
 */
int totp_uri(const char *issuer, const char *label, const uint8_t *seed,
    size_t seedlen, const struct totp_params *p, char *out, size_t outsz);

#endif
