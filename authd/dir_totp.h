/*
 * A person's TOTP token in the directory (cn=totp,<person's DN>, class
 * authdTotpToken), read and advanced with authd's identity: the only one
 * that may read the encrypted seed and write the last used step.
 */
#ifndef AUTHD_DIR_TOTP_H
#define AUTHD_DIR_TOTP_H

#include <stddef.h>
#include <stdint.h>

#include "dir.h"
#include "totp.h"

#define DIR_TOTP_RDN "cn=totp"

struct dir_totp_token {
	char dn[600];
	uint8_t blob[TOTP_BLOB_MAX];      /* authdTotpSeed, still encrypted */
	size_t blob_len;
	struct totp_params params;
	int have_last_step;
	uint64_t last_step;               /* authdTotpLastStep */
};

/*
 * The person's active token. DIR_OK; DIR_NOT_FOUND when there is none (or
 * it is still pending); DIR_ERROR for a malformed entry; else the search's
 * status. The caller wipes *tok_r (explicit_bzero) when done.
 */
int dir_totp_load(struct dir_conn *c, const char *person_dn,
    struct dir_totp_token *tok_r);

/*
 * The replay guard: in ONE modify, delete the last step the token had when
 * it was read and add step. DIR_OK; DIR_INVALID when another login (here or
 * on another host) has moved it meanwhile (noSuchAttribute, or the value
 * exists); else the directory's status.
 */
int dir_totp_advance(struct dir_conn *c, const struct dir_totp_token *tok,
    uint64_t step);

#endif
