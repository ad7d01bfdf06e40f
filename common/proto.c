#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "proto.h"

/* Which tags exist, and which of them may appear more than once in a frame. */
enum { TAG_UNKNOWN = 0, TAG_ONCE = 1, TAG_REPEAT = 2 };

static int
tag_kind(uint16_t tag, uint8_t version)
{
	switch (tag) {
	case AUTHD_F_VERSION_MIN: case AUTHD_F_VERSION_MAX: case AUTHD_F_VERSION:
	case AUTHD_F_CLIENT: case AUTHD_F_SERVICE: case AUTHD_F_USER:
	case AUTHD_F_TTY: case AUTHD_F_RHOST: case AUTHD_F_RUSER: case AUTHD_F_PID:
	case AUTHD_F_FLAGS: case AUTHD_F_AUTHTOK: case AUTHD_F_OLD_AUTHTOK:
	case AUTHD_F_LOGIN_ID: case AUTHD_F_SESSION_ID: case AUTHD_F_STEP_KIND:
	case AUTHD_F_TEXT: case AUTHD_F_CHALLENGE: case AUTHD_F_RP_ID:
	case AUTHD_F_OPTIONS: case AUTHD_F_ANSWER: case AUTHD_F_AUTHDATA:
	case AUTHD_F_SIGNATURE: case AUTHD_F_CERT: case AUTHD_F_ANSWER_STATUS:
	case AUTHD_F_RESULT:
		return TAG_ONCE;
	case AUTHD_F_ACCT_AHEAD_MS:
		return version >= 2 ? TAG_ONCE : TAG_UNKNOWN;
	case AUTHD_F_CRED_ID: case AUTHD_F_ENV:
		return TAG_REPEAT;
	default:
		return TAG_UNKNOWN;
	}
}

static uint32_t
get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static int
decode_fields(const uint8_t *p, size_t len, struct authd_msg *msg)
{
	uint64_t seen = 0;   /* tags are below 64 */
	size_t off = 0;

	while (off < len) {
		struct authd_field *f;
		uint16_t tag, flen;
		int kind;

		if (len - off < 4)
			return AUTHD_ERR_TRUNCATED;
		tag = get_be16(p + off);
		flen = get_be16(p + off + 2);
		off += 4;
		if ((kind = tag_kind(tag, msg->version)) == TAG_UNKNOWN)
			return AUTHD_ERR_BAD_FIELD;
		if (flen > AUTHD_FIELD_MAX)
			return AUTHD_ERR_TOO_LONG;
		if (flen > len - off)
			return AUTHD_ERR_TRUNCATED;
		if (kind == TAG_ONCE && (seen & (UINT64_C(1) << tag)) != 0)
			return AUTHD_ERR_DUPLICATE;
		if (msg->nfields == AUTHD_FRAME_MAX_FIELDS)
			return AUTHD_ERR_TOO_MANY;
		seen |= UINT64_C(1) << tag;
		f = &msg->fields[msg->nfields++];
		f->tag = tag;
		f->len = flen;
		f->val = p + off;
		off += flen;
	}
	return AUTHD_OK;
}

int
authd_frame_decode(const uint8_t *data, size_t len, struct authd_msg *msg,
    size_t *consumed_r)
{
	uint32_t body;
	int r;

	*consumed_r = 0;
	msg->nfields = 0;
	/* Judge the header as soon as its bytes are there. */
	if (len >= 2 && get_be16(data) != AUTHD_PROTO_MAGIC)
		return AUTHD_ERR_BAD_MAGIC;
	if (len >= 3 && (data[2] < AUTHD_PROTO_VERSION_MIN ||
	    data[2] > AUTHD_PROTO_VERSION_MAX))
		return AUTHD_ERR_BAD_VERSION;
	if (len >= 4 && (data[3] == 0 || data[3] > AUTHD_MSG_TYPE_MAX))
		return AUTHD_ERR_BAD_TYPE;
	if (len < AUTHD_FRAME_HEADER_LEN)
		return AUTHD_ERR_INCOMPLETE;
	body = get_be32(data + 4);
	if (body > AUTHD_FRAME_MAX_BODY)
		return AUTHD_ERR_TOO_LONG;
	if (len - AUTHD_FRAME_HEADER_LEN < body)
		return AUTHD_ERR_INCOMPLETE;
	msg->version = data[2];
	msg->type = data[3];
	if ((r = decode_fields(data + AUTHD_FRAME_HEADER_LEN, body, msg)) != AUTHD_OK) {
		msg->nfields = 0;
		return r;
	}
	*consumed_r = AUTHD_FRAME_HEADER_LEN + body;
	return AUTHD_OK;
}

const struct authd_field *
authd_msg_field(const struct authd_msg *msg, uint16_t tag)
{
	size_t i;

	for (i = 0; i < msg->nfields; i++)
		if (msg->fields[i].tag == tag)
			return &msg->fields[i];
	return NULL;
}

int
authd_msg_get_str(const struct authd_msg *msg, uint16_t tag, char *out, size_t outsz)
{
	const struct authd_field *f;

	if ((f = authd_msg_field(msg, tag)) == NULL)
		return AUTHD_ERR_MISSING;
	if ((size_t)f->len >= outsz)
		return AUTHD_ERR_TOO_LONG;
	if (f->len > 0 && memchr(f->val, '\0', f->len) != NULL)
		return AUTHD_ERR_BAD_FIELD;
	memcpy(out, f->val, f->len);
	out[f->len] = '\0';
	return AUTHD_OK;
}

int
authd_msg_get_bytes(const struct authd_msg *msg, uint16_t tag, uint8_t *out,
    size_t max, size_t *len_r)
{
	const struct authd_field *f;

	if ((f = authd_msg_field(msg, tag)) == NULL)
		return AUTHD_ERR_MISSING;
	if (f->len == 0 || f->len > max)
		return AUTHD_ERR_BAD_FIELD;
	memcpy(out, f->val, f->len);
	*len_r = f->len;
	return AUTHD_OK;
}

int
authd_msg_dup_str(const struct authd_msg *msg, uint16_t tag, char **s_r)
{
	const struct authd_field *f;
	char *s;

	*s_r = NULL;
	if ((f = authd_msg_field(msg, tag)) == NULL)
		return AUTHD_OK;
	if (f->len > 0 && memchr(f->val, '\0', f->len) != NULL)
		return AUTHD_ERR_BAD_FIELD;
	if ((s = malloc((size_t)f->len + 1)) == NULL)
		return AUTHD_ERR_NOMEM;
	memcpy(s, f->val, f->len);
	s[f->len] = '\0';
	*s_r = s;
	return AUTHD_OK;
}

int
authd_msg_get_u8(const struct authd_msg *msg, uint16_t tag, uint8_t *v_r)
{
	const struct authd_field *f;

	if ((f = authd_msg_field(msg, tag)) == NULL)
		return AUTHD_ERR_MISSING;
	if (f->len != 1)
		return AUTHD_ERR_BAD_FIELD;
	*v_r = f->val[0];
	return AUTHD_OK;
}

int
authd_msg_get_u32(const struct authd_msg *msg, uint16_t tag, uint32_t *v_r)
{
	const struct authd_field *f;

	if ((f = authd_msg_field(msg, tag)) == NULL)
		return AUTHD_ERR_MISSING;
	if (f->len != 4)
		return AUTHD_ERR_BAD_FIELD;
	*v_r = get_be32(f->val);
	return AUTHD_OK;
}

int
authd_frame_begin(struct authd_buf *b, uint8_t version, uint8_t type, size_t *start_r)
{
	int r;

	*start_r = authd_buf_len(b);
	if ((r = authd_buf_put_u16(b, AUTHD_PROTO_MAGIC)) != AUTHD_OK ||
	    (r = authd_buf_put_u8(b, version)) != AUTHD_OK ||
	    (r = authd_buf_put_u8(b, type)) != AUTHD_OK ||
	    (r = authd_buf_put_u32(b, 0)) != AUTHD_OK)
		return r;
	return AUTHD_OK;
}

int
authd_frame_add(struct authd_buf *b, uint16_t tag, const void *val, size_t len)
{
	int r;

	if (len > AUTHD_FIELD_MAX)
		return AUTHD_ERR_TOO_LONG;
	if ((r = authd_buf_put_u16(b, tag)) != AUTHD_OK ||
	    (r = authd_buf_put_u16(b, (uint16_t)len)) != AUTHD_OK ||
	    (r = authd_buf_put(b, val, len)) != AUTHD_OK)
		return r;
	return AUTHD_OK;
}

int
authd_frame_add_str(struct authd_buf *b, uint16_t tag, const char *s)
{
	return authd_frame_add(b, tag, s, strlen(s));
}

int
authd_frame_add_u8(struct authd_buf *b, uint16_t tag, uint8_t v)
{
	return authd_frame_add(b, tag, &v, 1);
}

int
authd_frame_add_u32(struct authd_buf *b, uint16_t tag, uint32_t v)
{
	uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	return authd_frame_add(b, tag, p, sizeof(p));
}

int
authd_frame_end(struct authd_buf *b, size_t start)
{
	size_t body;

	if (authd_buf_len(b) < start + AUTHD_FRAME_HEADER_LEN)
		return AUTHD_ERR_INVALID;
	body = authd_buf_len(b) - start - AUTHD_FRAME_HEADER_LEN;
	if (body > AUTHD_FRAME_MAX_BODY)
		return AUTHD_ERR_TOO_LONG;
	return authd_buf_poke_u32(b, start + 4, (uint32_t)body);
}

const char *
authd_result_name(int result)
{
	static const char *const names[] = {
		[AUTHD_R_SUCCESS] = "success",
		[AUTHD_R_AUTH_ERR] = "auth_err",
		[AUTHD_R_MAXTRIES] = "maxtries",
		[AUTHD_R_NEW_AUTHTOK_REQD] = "new_authtok_reqd",
		[AUTHD_R_ACCT_EXPIRED] = "acct_expired",
		[AUTHD_R_PERM_DENIED] = "perm_denied",
		[AUTHD_R_AUTHTOK_ERR] = "authtok_err",
		[AUTHD_R_AUTHTOK_RECOVERY_ERR] = "authtok_recovery_err",
		[AUTHD_R_AUTHINFO_UNAVAIL] = "authinfo_unavail",
		[AUTHD_R_SESSION_ERR] = "session_err",
		[AUTHD_R_SYSTEM_ERR] = "system_err",
		[AUTHD_R_CONV_ERR] = "conv_err",
		[AUTHD_R_PROTOCOL_ERR] = "protocol_err",
		[AUTHD_R_USER_UNKNOWN] = "user_unknown",
		[AUTHD_R_IGNORE] = "ignore",
	};

	if (result < 0 || result > AUTHD_R_MAX)
		return "unknown";
	return names[result];
}
