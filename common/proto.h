/*
 * The authd wire protocol between pam_authd.so (and other clients) and authd.
 * This header and doc/protocol.md are the whole definition; keep them in step.
 *
 * A frame is an 8-byte header followed by a body of typed fields:
 *
 *   u16 magic 0x4144 ("AD") | u8 version | u8 message type | u32 body length
 *   body: field* where field = u16 tag | u16 length | length bytes of value
 *
 * All integers are big-endian. The body is at most AUTHD_FRAME_MAX_BODY bytes,
 * a field value at most AUTHD_FIELD_MAX bytes, a frame at most
 * AUTHD_FRAME_MAX_FIELDS fields; strings carry no NUL and must not contain one.
 * Any violation is a protocol error: the reader drops that connection.
 *
 * Version negotiation: the client's first frame is HELLO, sent with version 1
 * in the header, carrying VERSION_MIN and VERSION_MAX; the server answers HELLO
 * with the VERSION it chose (the highest both support) or RESULT
 * AUTHD_R_PROTOCOL_ERR when there is none. Every later frame carries the
 * chosen version in its header. Version 2 adds AUTHD_F_ACCT_AHEAD_MS; a
 * version-1 frame carrying it is malformed.
 *
 * A request (AUTHENTICATE, ACCT_MGMT, OPEN_SESSION, CLOSE_SESSION, CHAUTHTOK)
 * starts a conversation. The server then sends any number of STEP frames and
 * ends with one RESULT. A STEP of kind INFO or ERROR is only shown; every
 * other STEP kind is answered by exactly one ANSWER frame before the server
 * sends anything else. After RESULT the connection may carry a new request.
 */
#ifndef AUTHD_PROTO_H
#define AUTHD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define AUTHD_PROTO_MAGIC        0x4144u
#define AUTHD_PROTO_VERSION_MIN  1   /* versions a decoder and authd accept */
#define AUTHD_PROTO_VERSION_MAX  2
#define AUTHD_CLIENT_VERSION     2   /* the one version common/client.c offers,
                                        so that its request goes with HELLO */
#define AUTHD_FRAME_HEADER_LEN   8
#define AUTHD_FRAME_MAX_BODY     16384
#define AUTHD_FRAME_MAX          (AUTHD_FRAME_HEADER_LEN + AUTHD_FRAME_MAX_BODY)
#define AUTHD_FIELD_MAX          4096
#define AUTHD_FRAME_MAX_FIELDS   64
#define AUTHD_STRING_MAX         1024   /* names, hosts, services, texts */
#define AUTHD_SECRET_MAX         512    /* passwords, PINs, codes */

enum authd_msg_type {
	AUTHD_MSG_HELLO = 1,          /* both ways */
	AUTHD_MSG_AUTHENTICATE = 2,   /* client: pam_sm_authenticate */
	AUTHD_MSG_ACCT_MGMT = 3,      /* client: pam_sm_acct_mgmt */
	AUTHD_MSG_OPEN_SESSION = 4,   /* client: pam_sm_open_session */
	AUTHD_MSG_CLOSE_SESSION = 5,  /* client: pam_sm_close_session */
	AUTHD_MSG_CHAUTHTOK = 6,      /* client: pam_sm_chauthtok */
	AUTHD_MSG_ANSWER = 7,         /* client: the answer to a STEP */
	AUTHD_MSG_STEP = 8,           /* server: one conversation step */
	AUTHD_MSG_RESULT = 9,         /* server: the verdict that ends a request */
	AUTHD_MSG_TYPE_MAX = 9
};

enum authd_field_tag {
	/* HELLO */
	AUTHD_F_VERSION_MIN = 1,      /* u8 */
	AUTHD_F_VERSION_MAX = 2,      /* u8 */
	AUTHD_F_VERSION = 3,          /* u8 */
	AUTHD_F_CLIENT = 4,           /* string: client name and version */

	/* requests: the PAM items */
	AUTHD_F_SERVICE = 10,         /* string, required in every request */
	AUTHD_F_USER = 11,            /* string, required in every request */
	AUTHD_F_TTY = 12,             /* string */
	AUTHD_F_RHOST = 13,           /* string: set for a remote login */
	AUTHD_F_RUSER = 14,           /* string */
	AUTHD_F_PID = 15,             /* u32: the session's leader process */
	AUTHD_F_FLAGS = 16,           /* u32: AUTHD_REQ_* */
	AUTHD_F_AUTHTOK = 17,         /* secret: a password already typed */
	AUTHD_F_OLD_AUTHTOK = 18,     /* secret: the current password (chauthtok) */
	AUTHD_F_LOGIN_ID = 19,        /* string: opaque id of a successful
	                                 authentication (RESULT of AUTHENTICATE),
	                                 passed to later stages */
	AUTHD_F_SESSION_ID = 20,      /* string: opaque id from OPEN_SESSION */

	/* STEP */
	AUTHD_F_STEP_KIND = 30,       /* u8: enum authd_step_kind */
	AUTHD_F_TEXT = 31,            /* string: prompt or message */
	AUTHD_F_CHALLENGE = 32,       /* bytes: nonce to sign (device steps) */
	AUTHD_F_RP_ID = 33,           /* string: FIDO2 relying party id */
	AUTHD_F_CRED_ID = 34,         /* bytes: FIDO2 credential id; may repeat */
	AUTHD_F_OPTIONS = 35,         /* u32: step options (AUTHD_STEP_OPT_*) */

	/* ANSWER */
	AUTHD_F_ANSWER = 40,          /* secret or string: what the person typed */
	AUTHD_F_AUTHDATA = 41,        /* bytes: FIDO2 authenticator data */
	AUTHD_F_SIGNATURE = 42,       /* bytes: signature over the challenge */
	AUTHD_F_CERT = 43,            /* bytes: DER certificate (card) */
	AUTHD_F_ANSWER_STATUS = 44,   /* u8: 0 done, 1 cancelled, 2 no device */

	/* RESULT */
	AUTHD_F_RESULT = 50,          /* u8: enum authd_result */
	AUTHD_F_ENV = 51,             /* string NAME=VALUE for the PAM environment;
	                                 may repeat */
	AUTHD_F_ACCT_AHEAD_MS = 52,   /* u32: RESULT of AUTHENTICATE, success only:
	                                 authd also decided ACCT_MGMT (success,
	                                 no message) and recorded it; the module
	                                 may answer its own acct_mgmt with it
	                                 within this many milliseconds */
	AUTHD_F_FIELD_MAX_TAG = 63
};

enum authd_step_kind {
	AUTHD_STEP_PROMPT_ECHO_OFF = 1, /* answer: ANSWER (secret) */
	AUTHD_STEP_PROMPT_ECHO_ON = 2,  /* answer: ANSWER */
	AUTHD_STEP_INFO = 3,            /* shown; no answer */
	AUTHD_STEP_ERROR = 4,           /* shown; no answer */
	AUTHD_STEP_FIDO2_ASSERT = 5,    /* answer: AUTHDATA + SIGNATURE (+ CRED_ID) */
	AUTHD_STEP_CARD_SIGN = 6,       /* answer: CERT + SIGNATURE */
	AUTHD_STEP_KIND_MAX = 6
};

/* AUTHD_F_OPTIONS of a STEP (device steps, the password prompt) */
#define AUTHD_STEP_OPT_UV_REQUIRED  0x0001u  /* FIDO2: user verification (PIN or biometric) */
#define AUTHD_STEP_OPT_PIN          0x0002u  /* card: the module asks for the card's PIN */
#define AUTHD_STEP_OPT_AUTHTOK      0x0004u  /* prompt: the answer is the account's password
                                                (the module keeps it as PAM_AUTHTOK) */

/*
 * AUTHD_F_ANSWER of an ANSWER to a prompt with ANSWER_STATUS 1, optional: why
 * it was not done. Only for the audit log; absent means the person cancelled.
 */
#define AUTHD_ANSWER_TOO_LONG       "too long"  /* over AUTHD_SECRET_MAX (hidden
                                                   prompt) or AUTHD_STRING_MAX */

/* AUTHD_F_FLAGS of a request */
#define AUTHD_REQ_SILENT            0x0001u  /* PAM_SILENT: send no INFO */
#define AUTHD_REQ_DISALLOW_NULL     0x0002u
#define AUTHD_REQ_CHANGE_EXPIRED    0x0004u  /* PAM_CHANGE_EXPIRED_AUTHTOK */
#define AUTHD_REQ_NO_PROMPT         0x0008u  /* use_first_pass: never prompt */

/*
 * The verdict of a request. Stable numbers: they are on the wire. The PAM
 * module maps them to PAM return codes.
 */
enum authd_result {
	AUTHD_R_SUCCESS = 0,
	AUTHD_R_AUTH_ERR = 1,          /* wrong credentials or unknown user */
	AUTHD_R_MAXTRIES = 2,          /* locked out */
	AUTHD_R_NEW_AUTHTOK_REQD = 3,  /* must change password now */
	AUTHD_R_ACCT_EXPIRED = 4,      /* outside validity dates, disabled */
	AUTHD_R_PERM_DENIED = 5,       /* not allowed here, suspended */
	AUTHD_R_AUTHTOK_ERR = 6,       /* new password refused */
	AUTHD_R_AUTHTOK_RECOVERY_ERR = 7, /* old password wrong in chauthtok */
	AUTHD_R_AUTHINFO_UNAVAIL = 8,  /* directory unreachable */
	AUTHD_R_SESSION_ERR = 9,
	AUTHD_R_SYSTEM_ERR = 10,       /* e.g. audit record could not be written */
	AUTHD_R_CONV_ERR = 11,         /* the client could not perform a step */
	AUTHD_R_PROTOCOL_ERR = 12,     /* bad frame, wrong state, bad version */
	AUTHD_R_USER_UNKNOWN = 13,     /* never sent by AUTHENTICATE */
	AUTHD_R_IGNORE = 14,
	AUTHD_R_MAX = 14
};

const char *authd_result_name(int result);

/* A decoded field points into the frame it came from. */
struct authd_field {
	uint16_t tag;
	uint16_t len;
	const uint8_t *val;
};

struct authd_msg {
	uint8_t version;
	uint8_t type;
	size_t nfields;
	struct authd_field fields[AUTHD_FRAME_MAX_FIELDS];
};

/*
 * Decode one frame from the start of data. Returns AUTHD_OK and sets
 * *consumed_r to the frame's size; AUTHD_ERR_INCOMPLETE when more bytes are
 * needed (the header is checked as soon as it is complete, so an oversized or
 * foreign frame is refused before its body arrives); another negative error
 * for a malformed frame. The message's fields point into data.
 * Checks: magic, version in [MIN, MAX], known type, bounds, field count.
 * Unknown field tags are refused (AUTHD_ERR_BAD_FIELD).
 */
int authd_frame_decode(const uint8_t *data, size_t len, struct authd_msg *msg,
    size_t *consumed_r);

/* Lookups; a field is searched for by tag (the first one when it repeats). */
const struct authd_field *authd_msg_field(const struct authd_msg *msg, uint16_t tag);
/* Copy a string field into out (NUL-terminated); AUTHD_ERR_MISSING if absent,
 * AUTHD_ERR_TOO_LONG if it does not fit, AUTHD_ERR_BAD_FIELD on an embedded NUL. */
int authd_msg_get_str(const struct authd_msg *msg, uint16_t tag, char *out, size_t outsz);
/* A newly allocated copy of a string field; *s_r stays NULL when absent. */
int authd_msg_dup_str(const struct authd_msg *msg, uint16_t tag, char **s_r);
/* Copy a non-empty binary field of at most max bytes into out; *len_r its length. */
int authd_msg_get_bytes(const struct authd_msg *msg, uint16_t tag, uint8_t *out,
    size_t max, size_t *len_r);
int authd_msg_get_u8(const struct authd_msg *msg, uint16_t tag, uint8_t *v_r);
int authd_msg_get_u32(const struct authd_msg *msg, uint16_t tag, uint32_t *v_r);

/*
 * Encoding into a bounded buffer:
 *   authd_frame_begin(b, version, type, &start);
 *   authd_frame_add_str(b, AUTHD_F_USER, "alice"); ...
 *   authd_frame_end(b, start);
 * A frame that would pass its bounds fails with AUTHD_ERR_TOO_LONG.
 */
int authd_frame_begin(struct authd_buf *b, uint8_t version, uint8_t type, size_t *start_r);
int authd_frame_add(struct authd_buf *b, uint16_t tag, const void *val, size_t len);
int authd_frame_add_str(struct authd_buf *b, uint16_t tag, const char *s);
int authd_frame_add_u8(struct authd_buf *b, uint16_t tag, uint8_t v);
int authd_frame_add_u32(struct authd_buf *b, uint16_t tag, uint32_t v);
int authd_frame_end(struct authd_buf *b, size_t start);

#endif
