/*
 * The IC card step: pam_authd.so runs the card work in a helper process,
 * pam_authd_card (card_helper.c), as SSSD runs p11_child. The module stays
 * free of libcrypto and libp11, a PKCS#11 module that hangs or crashes takes
 * only the helper with it, and the module kills the helper after a hard
 * timeout. The PIN is asked by the module through the PAM conversation.
 *
 * The exchange on the helper's stdin/stdout (one socket), integers big-endian:
 *   module -> helper   u16 n, challenge[n]
 *   helper -> module   u8 status, u16 n, token label[n]
 *   module -> helper   u8 go (1 sign, 0 stop), u16 n, PIN[n] (n 0: no login)
 *   helper -> module   u8 status, u16 n, certificate DER[n], u16 m, signature[m]
 * The signature is over SHA-256(challenge): plain ECDSA (DER-encoded) on the
 * hash, or RSA PKCS#1 v1.5 with the SHA-256 DigestInfo.
 */
#ifndef PAM_AUTHD_CARD_PROTO_H
#define PAM_AUTHD_CARD_PROTO_H

#define CARD_HELPER_OK            0
#define CARD_HELPER_PIN_REFUSED   1
#define CARD_HELPER_NO_CARD       2
#define CARD_HELPER_ERROR         3
#define CARD_HELPER_PIN_LOCKED    4

#define CARD_HELPER_MAX_BLOB      4096   /* = AUTHD_FIELD_MAX */
#define CARD_HELPER_MAX_LABEL     64
#define CARD_HELPER_MAX_PIN       256


/* What the module answers authd in ANSWER (with ANSWER_STATUS 1). */
#define CARD_ANSWER_PIN_REFUSED  "pin refused"
#define CARD_ANSWER_PIN_LOCKED   "pin locked"
#define CARD_ANSWER_CANCELLED    "cancelled"
#define CARD_ANSWER_ERROR        "card error"

#endif
