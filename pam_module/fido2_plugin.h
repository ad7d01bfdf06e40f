/*
 * The contract between pam_authd.so and its FIDO2 plugin,
 * pam_authd_fido2.so (installed next to the module).
 *
 * Only the plugin links libfido2 (and through it libcrypto, libcbor,
 * libudev): almost no login uses a security key, and every login would pay
 * for loading and relocating them. The module loads the plugin when authd
 * first sends a FIDO2_ASSERT step (fido2_load.c) and keeps it loaded.
 *
 * The plugin exports one function and knows neither PAM nor the authd
 * protocol: it gets plain data and two callbacks, and fills a plain answer.
 * Whoever changes a struct below bumps PAMAUTHD_FIDO2_ABI.
 */
#ifndef PAMAUTHD_FIDO2_PLUGIN_H
#define PAMAUTHD_FIDO2_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define PAMAUTHD_FIDO2_ABI        1
#define PAMAUTHD_FIDO2_PLUGIN     "pam_authd_fido2.so"
#define PAMAUTHD_FIDO2_SYMBOL     "pamauthd_fido2_assert"

#define PAMAUTHD_FIDO2_BLOB_MAX   4096  /* = AUTHD_FIELD_MAX: what one field carries */
#define PAMAUTHD_FIDO2_PIN_MAX    512   /* = AUTHD_SECRET_MAX, with the NUL */
#define PAMAUTHD_FIDO2_DETAIL_MAX 160

enum pamauthd_fido2_status {
	PAMAUTHD_FIDO2_DONE = 0,     /* resp holds the assertion */
	PAMAUTHD_FIDO2_NO_DEVICE,    /* no key, or one that cannot verify the user */
	PAMAUTHD_FIDO2_CANCELLED,    /* the key gave no assertion */
	PAMAUTHD_FIDO2_ERROR,        /* the plugin could not build the request */
	PAMAUTHD_FIDO2_BAD_REQUEST   /* a key is there, but req lacks rp_id or cdh */
};

struct pamauthd_fido2_cred {
	const uint8_t *id;
	size_t len;
};

struct pamauthd_fido2_req {
	int abi;                     /* PAMAUTHD_FIDO2_ABI of the caller */
	const char *device;          /* NULL/"" (first key attached), /dev/hidrawN,
	                                or unix:/PATH (the test transport) */
	int timeout_ms;              /* hard limit for each exchange with the key */
	const char *rp_id;           /* NULL when the step could not be read */
	const uint8_t *cdh;          /* authd's challenge, the clientDataHash */
	size_t cdh_len;
	const struct pamauthd_fido2_cred *creds;  /* the person's credentials */
	size_t ncreds;
	int uv_required;             /* the step demands user verification */
	/* Called once the key is ready to be touched. */
	void (*touch_prompt)(void *arg);
	/*
	 * The key's PIN into pin (pinsz bytes, NUL-terminated): 0, or -1 when
	 * the person gave none. The plugin wipes pin after use.
	 */
	int (*pin_prompt)(void *arg, char *pin, size_t pinsz);
	void *arg;                   /* for the callbacks */
};

struct pamauthd_fido2_resp {
	int status;                  /* enum pamauthd_fido2_status */
	int not_registered;          /* the key holds none of req->creds */
	char detail[PAMAUTHD_FIDO2_DETAIL_MAX];  /* why, for the log; no secrets */
	uint8_t authdata[PAMAUTHD_FIDO2_BLOB_MAX];
	size_t authdata_len;
	uint8_t sig[PAMAUTHD_FIDO2_BLOB_MAX];
	size_t sig_len;
	uint8_t cred_id[PAMAUTHD_FIDO2_BLOB_MAX];
	size_t cred_id_len;
};

/*
 * With req NULL: the plugin's PAMAUTHD_FIDO2_ABI (the loader checks it
 * before the first real call). Otherwise: ask the key; the status, also in
 * resp->status.
 */
int pamauthd_fido2_assert(const struct pamauthd_fido2_req *req,
    struct pamauthd_fido2_resp *resp);
typedef int pamauthd_fido2_assert_fn(const struct pamauthd_fido2_req *,
    struct pamauthd_fido2_resp *);

/*
 * In pam_authd.so (fido2_load.c): the plugin's function, loaded on first
 * use and kept for the life of the process; NULL, logged, when the plugin
 * is missing, not root's or does not match this module.
 */
struct pam_handle;
pamauthd_fido2_assert_fn *pamauthd_fido2_load(struct pam_handle *pamh);

#endif
