/*
 * The NSS socket's wire format, between libnss_authd.so.2 and authd.
 * doc/protocol.md ("NSS socket") is its description; keep them in step.
 *
 * The same frame layout as the main protocol, with its own magic so that
 * neither side can mistake one socket for the other:
 *
 *   u16 magic 0x414E ("AN") | u8 version | u8 type | u32 body length
 *   body: field* where field = u16 tag | u16 length | value
 *
 * Big-endian. Body at most AUTHD_NSS_MAX_BODY, a field at most
 * AUTHD_NSS_FIELD_MAX, a frame at most AUTHD_NSS_MAX_FIELDS fields; strings
 * carry no NUL and no newline; u32 fields are 4 bytes, u8 fields 1. Only the
 * tags listed here exist. A request is one frame; the answer is one frame
 * (lookups) or a stream of entries ended by STATUS (enumeration). Anything
 * else is a protocol error: the connection is dropped.
 */
#ifndef AUTHD_NSS_PROTO_H
#define AUTHD_NSS_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define AUTHD_NSS_MAGIC       0x414Eu
#define AUTHD_NSS_VERSION     1
#define AUTHD_NSS_HEADER_LEN  8
#define AUTHD_NSS_MAX_BODY    131072   /* a group of some thousands of members */
#define AUTHD_NSS_FIELD_MAX   1024     /* gecos, home, shell, names */
#define AUTHD_NSS_NAME_MAX    255      /* user and group names */
#define AUTHD_NSS_MAX_FIELDS  16384

enum authd_nss_type {
	/* requests (module -> authd) */
	AUTHD_NSS_GETPWNAM = 1,     /* NAME */
	AUTHD_NSS_GETPWUID = 2,     /* ID */
	AUTHD_NSS_GETGRNAM = 3,     /* NAME */
	AUTHD_NSS_GETGRGID = 4,     /* ID */
	AUTHD_NSS_INITGROUPS = 5,   /* NAME */
	AUTHD_NSS_ENUM_PASSWD = 6,  /* no field */
	AUTHD_NSS_ENUM_GROUP = 7,   /* no field */
	/* answers (authd -> module) */
	AUTHD_NSS_PASSWD = 16,      /* NAME ID GID GECOS HOME SHELL */
	AUTHD_NSS_GROUP = 17,       /* NAME ID MEMBER* */
	AUTHD_NSS_GIDS = 18,        /* GID* */
	AUTHD_NSS_STATUS = 19       /* STATUS */
};

enum authd_nss_tag {
	AUTHD_NSS_F_NAME = 1,       /* string */
	AUTHD_NSS_F_ID = 2,         /* u32: uid (PASSWD) or gid (GROUP) */
	AUTHD_NSS_F_GID = 3,        /* u32; repeats in GIDS */
	AUTHD_NSS_F_GECOS = 4,      /* string */
	AUTHD_NSS_F_HOME = 5,       /* string */
	AUTHD_NSS_F_SHELL = 6,      /* string */
	AUTHD_NSS_F_MEMBER = 7,     /* string; repeats */
	AUTHD_NSS_F_STATUS = 8      /* u8: enum authd_nss_status */
};

enum authd_nss_status {
	AUTHD_NSS_S_END = 0,        /* enumeration complete */
	AUTHD_NSS_S_NOTFOUND = 1,
	AUTHD_NSS_S_UNAVAIL = 2,    /* the directory did not answer */
	AUTHD_NSS_S_TRYAGAIN = 3,   /* authd busy: too many enumerations */
	AUTHD_NSS_S_DISABLED = 4,   /* enumeration is off (nss_enumerate = no) */
	AUTHD_NSS_S_PROTOCOL = 5    /* the request was malformed */
};

struct authd_nss_frame {
	uint8_t type;
	const uint8_t *body;
	size_t len;
};

struct authd_nss_field {
	uint16_t tag;
	uint16_t len;
	const uint8_t *val;
};

/*
 * Check one frame at the start of data: header, bounds, known tags, typed
 * lengths, no NUL or newline in strings. AUTHD_OK with *consumed_r set;
 * AUTHD_ERR_INCOMPLETE when more bytes are needed (the header is judged as
 * soon as it is there); another negative error when malformed.
 */
int authd_nss_frame_check(const uint8_t *data, size_t len,
    struct authd_nss_frame *f, size_t *consumed_r);
/* Walk the fields of a checked frame: 1 with *fld set, 0 at the end. */
int authd_nss_field_next(const struct authd_nss_frame *f, size_t *off,
    struct authd_nss_field *fld);
uint32_t authd_nss_field_u32(const struct authd_nss_field *fld);

int authd_nss_frame_begin(struct authd_buf *b, uint8_t type, size_t *start_r);
int authd_nss_add_str(struct authd_buf *b, uint16_t tag, const char *s);
int authd_nss_add_u32(struct authd_buf *b, uint16_t tag, uint32_t v);
int authd_nss_add_u8(struct authd_buf *b, uint16_t tag, uint8_t v);
int authd_nss_frame_end(struct authd_buf *b, size_t start);

/* A one-field frame: STATUS, or a request with a NAME or an ID. */
int authd_nss_put_status(struct authd_buf *b, uint8_t status);

#endif
