/*
 * A software FIDO2 authenticator for the tests: CTAP2 (authenticatorGetInfo,
 * MakeCredential, GetAssertion) in real CBOR over CTAPHID framing, ES256
 * keys made with OpenSSL, one signature counter, an AAGUID.
 *
 * libfido2 reaches it two ways, both through fido_dev_set_io_functions():
 *   - in process: softfido2_io() + softfido2_mem_path(), for unit tests;
 *   - over a UNIX SOCK_SEQPACKET socket, one 64-byte CTAPHID report per
 *     packet, served by a thread (softfido2_serve()): what the PAM module's
 *     and authctl's development transport "unix:/path" talk to.
 * The test decides, per request, whether the "person" touches the key and
 * whether the key verifies them (built-in UV, as a fingerprint key does).
 * There is no clientPIN: a PIN-only key cannot be simulated.
 */
#ifndef SOFTFIDO2_H
#define SOFTFIDO2_H

#include <stddef.h>
#include <stdint.h>

#include <fido.h>

struct softfido2;

/* Attestation statement format that MakeCredential returns. */
enum softfido2_att {
	SOFTFIDO2_ATT_PACKED_SELF = 0,  /* "packed", signed by the new key */
	SOFTFIDO2_ATT_NONE = 1,         /* "none" */
	SOFTFIDO2_ATT_PACKED_X5C = 2    /* "packed", signed by the attestation
	                                   key, its certificate in x5c: set by
	                                   softfido2_set_attestation_cert() */
};

/* uv_capable: the key announces built-in user verification ("uv": true). */
struct softfido2 *softfido2_new(const uint8_t aaguid[16], int uv_capable);
void softfido2_free(struct softfido2 **sfp);

/*
 * What the person does at the next requests (until changed): touch the key
 * (present) and be verified by it (verified; needs uv_capable). A request
 * that needs a touch the person does not give fails as a real key times out
 * (CTAP2_ERR_USER_ACTION_TIMEOUT).
 */
void softfido2_set_user(struct softfido2 *sf, int present, int verified);
void softfido2_set_attestation(struct softfido2 *sf, enum softfido2_att att);
/*
 * Full attestation from now on: the attestation key and its certificate
 * (PEM files, e.g. made by tests/lib/fido2-attestation.sh) sign what
 * MakeCredential returns. 0 or -1.
 */
int softfido2_set_attestation_cert(struct softfido2 *sf, const char *key_pem,
    const char *cert_pem);
/* Set the signature counter (e.g. back, to play a cloned key). */
void softfido2_set_counter(struct softfido2 *sf, uint32_t counter);
uint32_t softfido2_counter(const struct softfido2 *sf);
/* Number of CTAP2 commands answered so far. */
unsigned softfido2_requests(const struct softfido2 *sf);

/* In-process transport: a path for fido_dev_open() with softfido2_io(). */
const char *softfido2_mem_path(struct softfido2 *sf);
const fido_dev_io_t *softfido2_io(void);

/* Serve path (a UNIX socket, created) from a thread until softfido2_stop(). 0 or -1. */
int softfido2_serve(struct softfido2 *sf, const char *path);
void softfido2_stop(struct softfido2 *sf);

/*
 * One CTAPHID report in (64 bytes, no report id); the answer's reports are
 * appended to out (up to outmax reports of 64 bytes); returns how many.
 */
size_t softfido2_report(struct softfido2 *sf, const uint8_t in[64],
    uint8_t (*out)[64], size_t outmax);

#endif
