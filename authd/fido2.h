/*
 * FIDO2 on authd's side: a person's registered credentials (read from the
 * directory by dir_fido2.c) and the verification of one assertion with
 * libfido2. The PAM module signs authd's random challenge, used as the
 * clientDataHash as it is: there is no web origin to bind, and the
 * challenge is fresh, random and used once, which is what the client data
 * hash stands for.
 */
#ifndef AUTHD_FIDO2_H
#define AUTHD_FIDO2_H

#include <stddef.h>
#include <stdint.h>

#include "dir.h"

#define FIDO2_CRED_ID_MAX   1024
#define FIDO2_PUBKEY_MAX    1024   /* PEM SubjectPublicKeyInfo */
#define FIDO2_ATT_CERT_MAX  8192   /* PEM attestation certificate */
#define FIDO2_MAX_CREDS     8
#define FIDO2_COSE_ES256    (-7)

/* One registered credential (an authdFidoCredential entry). */
struct fido2_cred {
	char dn[512];
	uint8_t id[FIDO2_CRED_ID_MAX];
	size_t id_len;
	char pubkey_pem[FIDO2_PUBKEY_MAX];
	int cose_alg;                 /* only ES256 (-7) is verified */
	uint8_t aaguid[16];
	char att_cert_pem[FIDO2_ATT_CERT_MAX];  /* "" for self attestation */
	int uv_capable;
	uint32_t sign_count;          /* the last one accepted */
	char rp_id[256];
};

/* What the module answered to one FIDO2_ASSERT step. */
struct fido2_assertion {
	const char *rp_id;            /* the relying party authd expects */
	const uint8_t *cdh;           /* authd's challenge */
	size_t cdh_len;
	const uint8_t *authdata;      /* CBOR byte string, as libfido2 gives it */
	size_t authdata_len;
	const uint8_t *sig;
	size_t sig_len;
	int require_uv;
};

struct fido2_verdict {
	uint32_t new_count;
	int uv_done;                  /* the (signed) UV flag was set */
	char reason[160];             /* why refused, for the audit log */
};

/*
 * Verify one assertion against one credential: signature, RP id hash, user
 * presence always, user verification when required, and a signature counter
 * that increases (a key that keeps no counter sends 0 every time: 0 after a
 * stored 0 is accepted). DIR_OK, DIR_INVALID with v->reason, or DIR_ERROR.
 */
int fido2_verify(const struct fido2_cred *cred, const struct fido2_assertion *a,
    struct fido2_verdict *v);

/*
 * Factor categories (FACTOR_*) one verified assertion proves: possession;
 * plus inherence when UV was done, the AAGUID is on the biometric
 * allow-list (space-separated AAGUIDs, with or without dashes) and the
 * model is attested (fido2_model_attested); else plus knowledge when UV
 * was done (a PIN). why: when a listed model's UV counted as knowledge,
 * the reason; else "".
 */
unsigned fido2_categories(int uv_done, const struct fido2_cred *cred,
    const char *biometric_aaguids, const char *roots_file, char *why,
    size_t whylen);

/*
 * Is the key's model what its AAGUID says: its attestation certificate
 * (PEM, stored at enrolment) is not a CA's, names the same AAGUID if it
 * names one (id-fido-gen-ce-aaguid), and chains to a certificate of
 * roots_file (read at each call; validity dates not checked)? 1 yes; 0 no,
 * with why. The attestation signature itself was checked at enrolment.
 */
int fido2_model_attested(const char *roots_file, const char *cert_pem,
    const uint8_t aaguid[16], char *why, size_t whylen);

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (37 bytes with the NUL). */
void fido2_aaguid_format(const uint8_t aaguid[16], char out[37]);
/* 32 hex digits, dashes ignored. 0 or -1. */
int fido2_aaguid_parse(const char *s, uint8_t aaguid_r[16]);
/* Is aaguid one of list's (separated by spaces, tabs or commas)? 1 or 0. */
int fido2_aaguid_listed(const uint8_t aaguid[16], const char *list);

/* dir_fido2.c: the directory side, on authd's service connection. */

/*
 * Is aaguid's model on the directory's biometric allow-list: an
 * authdBiometricModel entry under ou=models,base_dn naming it? DIR_OK
 * (name gets its cn), DIR_NOT_FOUND (none, or no ou=models), or an error.
 */
int dir_fido2_model_listed(struct dir_conn *c, const char *base_dn,
    const uint8_t aaguid[16], char *name, size_t namesz);

/* The person's active credentials (children of person_dn). DIR_OK (n may be 0) or < 0. */
int dir_fido2_load(struct dir_conn *c, const char *person_dn,
    struct fido2_cred *creds, size_t max, size_t *n_r);
/*
 * Store a new signature counter: one modify that deletes the old value and
 * adds the new one, so that of two authd accepting the same assertion only
 * one succeeds. DIR_OK; DIR_INVALID when the stored value had changed
 * (raced or replayed); < 0 on errors.
 */
int dir_fido2_store_count(struct dir_conn *c, const char *cred_dn,
    uint32_t old_count, uint32_t new_count);

#endif
