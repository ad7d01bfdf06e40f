/*
 * IC card checks (OpenSSL), apart from the directory and the conversation so
 * that unit tests and authctl use the same code: the fingerprint that
 * identifies a registered card, and the verdict on what a card answered to a
 * challenge (chain to the configured CA, CRL, validity dates, registration to
 * this person, signature over SHA-256 of the challenge).
 */
#ifndef AUTHD_CARD_H
#define AUTHD_CARD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CARD_FPR_LEN      32        /* SHA-256 of the DER certificate */
#define CARD_FPR_HEX_LEN  64
#define CARD_SERIAL_MAX   64
#define CARD_MAX_ACTIVE   4         /* one is the rule; a few tolerate a stale view */

/*
 * OpenSSL's security level for the card's chain: 2 refuses RSA and DSA keys
 * under 2048 bits, EC keys under 224 bits, and certificates signed with
 * SHA-1 or MD5. Not a configuration key: level 2 is what the CAs of today
 * issue, and a site with weaker cards should reissue them, not lower it.
 */
#define CARD_AUTH_LEVEL   2

/* One card registered (and active) for the person who logs in. */
struct card_reg {
	uint8_t fpr[CARD_FPR_LEN];
	char serial[CARD_SERIAL_MAX + 1];
};

enum card_verdict {
	CARD_OK = 0,
	CARD_BAD_CERT,          /* not a certificate, or not for signing */
	CARD_UNKNOWN_CA,
	CARD_EXPIRED,
	CARD_NOT_YET_VALID,
	CARD_REVOKED,
	CARD_NO_CRL,            /* CRL checking on, none (valid) for the issuer */
	CARD_NOT_REGISTERED,
	CARD_BAD_SIGNATURE,
	CARD_CA_CERT,           /* a CA certificate presented as the card's own */
	CARD_WRONG_PURPOSE,     /* an extendedKeyUsage without client auth */
	CARD_TOO_WEAK,          /* key or signature below CARD_AUTH_LEVEL */
	CARD_ERROR              /* out of memory, unreadable CA file, a CA of
	                           card_ca_file below CARD_AUTH_LEVEL ... */
};

/* The text for the audit log ("card from an unknown CA", ...). */
const char *card_verdict_reason(int verdict);

/* SHA-256 of the DER certificate; AUTHD_OK or AUTHD_ERR_*. */
int card_fingerprint(const uint8_t *der, size_t len, uint8_t fpr_r[CARD_FPR_LEN]);
/* Lowercase hex, NUL-terminated (CARD_FPR_HEX_LEN + 1 bytes). */
void card_fpr_hex(const uint8_t fpr[CARD_FPR_LEN], char out[CARD_FPR_HEX_LEN + 1]);

/* What authctl stores about a certificate. AUTHD_OK, or AUTHD_ERR_BAD_FIELD
 * for something that is not a DER (or PEM) X.509 certificate. */
struct card_cert_info {
	uint8_t der[8192];
	size_t der_len;
	uint8_t fpr[CARD_FPR_LEN];
	char serial[CARD_SERIAL_MAX + 1];   /* certificate serial number, hex */
	char issuer[1024];                  /* RFC 2253 */
	char subject[1024];
	time_t not_after;
};
int card_cert_info(const uint8_t *data, size_t len, struct card_cert_info *info_r);

/*
 * Does the certificate (DER or PEM) carry one of the certificate policies
 * oids names (dotted, separated by spaces, tabs or commas)? 1 or 0.
 */
int card_cert_has_policy(const uint8_t *data, size_t len, const char *oids);

/*
 * The certificate (DER or PEM) on its own, without its chain or dates, as
 * authctl judges it at registration and card_verify at every login: CARD_OK,
 * CARD_BAD_CERT (not a certificate), CARD_TOO_WEAK (its key, or the digest
 * it was signed with, below CARD_AUTH_LEVEL; err gets OpenSSL's words, "EE
 * certificate key too weak" or "CA signature digest algorithm too weak"),
 * CARD_CA_CERT or CARD_WRONG_PURPOSE.
 */
int card_cert_check(const uint8_t *data, size_t len, char *err, size_t errlen);

/*
 * The verdict on a card's answer. ca_file: PEM CA certificate(s); crl_file
 * (may be NULL): PEM CRL(s), then every certificate of the chain must have a
 * current CRL. now: the time the validity dates are checked against.
 * matched_r (may be NULL) gets the index in regs of the card on CARD_OK.
 * Its chain must meet CARD_AUTH_LEVEL, and the card's certificate pass
 * card_cert_check: not a CA's, allowing client authentication or smart-card
 * logon when it has an extendedKeyUsage.
 * err gets a detail for logs on CARD_ERROR, CARD_UNKNOWN_CA, CARD_NO_CRL and
 * CARD_TOO_WEAK (OpenSSL's words: "CRL has expired", "EE certificate key too
 * weak", ...).
 */
int card_verify(const char *ca_file, const char *crl_file,
    const uint8_t *cert, size_t cert_len,
    const uint8_t *challenge, size_t challenge_len,
    const uint8_t *sig, size_t sig_len,
    const struct card_reg *regs, size_t nregs, time_t now,
    size_t *matched_r, char *err, size_t errlen);

#endif
