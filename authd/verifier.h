/* VERIFIER API v2
 *
 * Verifiers: the methods that check one factor (password, totp, fido2, card).
 * Each is one table of function pointers with designated initializers; the
 * conversation engine (auth.c) only calls through the table, so a new method
 * is a new table and needs no change in the engine or in the PAM module.
 *
 * The life of one method inside one AUTHENTICATE conversation:
 *   1. load()   worker thread: read what the person has enrolled for this
 *               method (token, credentials, cards) into enr; say whether the
 *               method is usable. acct is never NULL here (for an unknown
 *               person the engine plays a decoy plan and does not call load).
 *   2. start()  loop thread: produce the first step (a prompt, or a device
 *               step with a fresh random challenge kept in in->challenge),
 *               or VERIFY_READY when the request already carries the input.
 *   3. answer() loop thread: take one ANSWER; VERIFY_STEP for another step,
 *               VERIFY_READY when the input is complete, VERIFY_UNAVAILABLE
 *               when the client cannot perform it (ANSWER_STATUS 2: no
 *               device here, e.g. over ssh) so that the engine offers the
 *               policy's next method.
 *   4. check()  worker thread: judge the collected input; on success say
 *               which categories were proven. Never logs secrets.
 *   5. free_enrolment() on any thread, once.
 * All input and enrolment memory is wiped when the conversation ends.
 */
#ifndef AUTHD_VERIFIER_H
#define AUTHD_VERIFIER_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "dir.h"
#include "proto.h"

/* Factor categories (DESIGN.md decision 4). */
#define FACTOR_KNOWLEDGE   0x1u
#define FACTOR_POSSESSION  0x2u
#define FACTOR_INHERENCE   0x4u

enum verify_status {
	VERIFY_STEP = 1,        /* show *step_r and wait for its ANSWER */
	VERIFY_READY = 2,       /* input complete: run check() */
	VERIFY_NO_INPUT = 3,    /* cannot prompt (use_first_pass without a token) */
	VERIFY_UNAVAILABLE = 4  /* the client has no device for this method */
};

#define VERIFY_BLOB_MAX   AUTHD_FIELD_MAX
#define VERIFY_CHALLENGE_MAX 64
#define VERIFY_MAX_CRED_IDS 8

/* What a method collected. Wiped when the conversation ends, field by field
 * (plan_input_wipe in plan.c: a field added here is added there too). */
struct verify_input {
	char secret[AUTHD_SECRET_MAX + 1];     /* password, one-time code */
	int have_secret;
	uint8_t challenge[VERIFY_CHALLENGE_MAX]; /* what start() sent: random */
	size_t challenge_len;
	uint8_t authdata[VERIFY_BLOB_MAX];      /* FIDO2 authenticator data */
	size_t authdata_len;
	uint8_t signature[VERIFY_BLOB_MAX];     /* FIDO2 or card signature */
	size_t signature_len;
	uint8_t cred_id[VERIFY_BLOB_MAX];       /* FIDO2 credential used */
	size_t cred_id_len;
	uint8_t cert[VERIFY_BLOB_MAX];          /* card certificate, DER */
	size_t cert_len;
	/* The password's bind, made ahead by the event loop (bind_async.c):
	 * bound set, with what dir_password_bind would have returned. */
	int bound;
	int bound_status;
	struct dir_bind_result bound_result;
};

/* One step to send. Pointers stay valid until the step is sent. */
struct verify_step {
	uint8_t kind;                           /* AUTHD_STEP_* */
	const char *text;                       /* prompt or message */
	const uint8_t *challenge;               /* device steps */
	size_t challenge_len;
	const char *rp_id;                      /* FIDO2 */
	const uint8_t *cred_ids[VERIFY_MAX_CRED_IDS];
	size_t cred_id_lens[VERIFY_MAX_CRED_IDS];
	size_t n_cred_ids;
	uint32_t options;                       /* AUTHD_STEP_OPT_* */
};

/* What the person has enrolled for one method (opaque data per method). */
struct verify_enrolment {
	int usable;                 /* enrolled and active */
	void *data;                 /* the method's own; freed by free_enrolment */
	unsigned categories;        /* added: what this person's enrolment can prove
	                               at most (e.g. FIDO2 without a biometric AAGUID);
	                               0 = the verifier's categories */
};

/* Everything a method may look at; owned by the engine. */
struct verify_ctx {
	const struct authd_conf *conf;
	const struct dir_account *acct;    /* never NULL in load/start/answer/check */
	struct verify_enrolment *enr;
	const char *service;
	const char *rhost;                 /* "" for a local login */
	uint32_t req_flags;                /* AUTHD_REQ_* */
	/* added: the categories the engine's plan counts on this method for
	 * (FIDO2: ask user verification when knowledge or inherence is wanted) */
	unsigned want;
	/* added: 1 when the engine plays a decoy (unknown person, or a plan the
	 * policy cannot accept): acct is a stand-in (dn ""), enr->usable is 0 and
	 * enr->data NULL, or what decoy_enrolment() made; start()/answer() must
	 * still produce the same steps a real person would see, and check() is
	 * never called */
	int decoy;
};

/* The verdict of check(). */
struct verify_result {
	int status;                 /* enum dir_status: DIR_OK, DIR_INVALID, DIR_LOCKED,
	                               DIR_UNAVAILABLE, DIR_ERROR ... */
	unsigned categories;        /* proven, on DIR_OK */
	char reason[160];           /* for the audit log: "totp code replayed" */
	char note[200];             /* on DIR_OK, for the audit log: how the factor
	                               counted when that was less than it could
	                               ("fido2 not biometric: ..."); "" for none */
	char message[256];          /* for the person ("" for none). Not sent today:
	                               a refused attempt never tells the caller
	                               which factor failed (the audit log does). */
	struct dir_bind_result bind; /* the password method's ppolicy details */
	/* added (issue 5): on DIR_OK, the device that proved the factor, so that
	 * the session opened after this login remembers it and ends when it is
	 * revoked. credential: for people and the audit log ("card:1003",
	 * "fido2:ab12..."); credential_key: what the card view matches (a card's
	 * SHA-256 fingerprint, lowercase hex); "" for factors with no device. */
	char credential[160];
	char credential_key[80];
};

struct verifier {
	const char *name;           /* "password", "totp", "fido2", "card" */
	unsigned categories;        /* what it can prove at most */
	/* Its steps are performed by a device (card, security key): a refusal
	 * there (ANSWER_STATUS 1: PIN refused, key not touched) reaches
	 * answer() and is judged by check() as a failed factor, which counts
	 * toward the lockout; for other methods it ends the conversation. */
	int device;
	/* load() never reads the directory (dc may be NULL): a plan of such
	 * methods alone is made on the event loop, without a worker. */
	int load_local;
	/* Worker. AUTHD_OK (enr->usable says whether it can be used) or a dir_status < 0. */
	int (*load)(struct dir_conn *dc, const struct verify_ctx *ctx,
	    struct verify_enrolment *enr);
	void (*free_enrolment)(struct verify_enrolment *enr);
	/* Loop. enum verify_status, or a negative authd_err for a malformed request. */
	int (*start)(const struct verify_ctx *ctx, const struct authd_msg *req,
	    struct verify_input *in, struct verify_step *step_r);
	int (*answer)(const struct verify_ctx *ctx, const struct authd_msg *ans,
	    struct verify_input *in, struct verify_step *step_r);
	/* Worker. */
	void (*check)(struct dir_conn *dc, const struct verify_ctx *ctx,
	    const struct verify_input *in, struct verify_result *res_r);
	/*
	 * added: decoys (decoy.h). For a method whose steps show something of
	 * the enrolment (a FIDO2 step lists the credential ids); NULL for the
	 * others. enrolment_shape: what the steps show of a usable enrolment,
	 * in at most cap bytes (no secret, no identifier: counts and lengths);
	 * 0 for nothing. decoy_enrolment: an enrolment whose steps show shape
	 * (one enrolment_shape() made), its identifiers derived from seed;
	 * AUTHD_OK, or an error and enr untouched.
	 */
	size_t (*enrolment_shape)(const struct verify_enrolment *enr,
	    uint8_t *shape, size_t cap);
	int (*decoy_enrolment)(const struct verify_ctx *ctx, const uint8_t *shape,
	    size_t len, const uint8_t seed[32], struct verify_enrolment *enr);
};

/*
 * The password's bind as dn (NULL: the timing entry): the one made ahead
 * when in->bound, else dir_password_bind on dc now.
 */
int verify_password_bind(struct dir_conn *dc, const char *dn,
    const struct verify_input *in, struct dir_bind_result *res_r);
extern const struct verifier verifier_password;
extern const struct verifier verifier_totp;
extern const struct verifier verifier_fido2;
extern const struct verifier verifier_card;

/* Every method, in the default order of asking. */
extern const struct verifier *const verifiers_all[];

#endif
