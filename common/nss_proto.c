#include "config.h"

#include <string.h>

#include "err.h"
#include "nss_proto.h"

enum { T_NONE, T_STR, T_U32, T_U8 };

static int
tag_type(uint16_t tag)
{
	switch (tag) {
	case AUTHD_NSS_F_NAME: case AUTHD_NSS_F_GECOS: case AUTHD_NSS_F_HOME:
	case AUTHD_NSS_F_SHELL: case AUTHD_NSS_F_MEMBER:
		return T_STR;
	case AUTHD_NSS_F_ID: case AUTHD_NSS_F_GID:
		return T_U32;
	case AUTHD_NSS_F_STATUS:
		return T_U8;
	default:
		return T_NONE;
	}
}

static int
type_known(uint8_t t)
{
	return (t >= AUTHD_NSS_GETPWNAM && t <= AUTHD_NSS_ENUM_GROUP) ||
	    (t >= AUTHD_NSS_PASSWD && t <= AUTHD_NSS_STATUS);
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

int
authd_nss_frame_check(const uint8_t *data, size_t len,
    struct authd_nss_frame *f, size_t *consumed_r)
{
	size_t off = 0, n = 0, body;
	uint16_t tag, flen;
	const uint8_t *p;
	int t;

	*consumed_r = 0;
	if (len >= 2 && be16(data) != AUTHD_NSS_MAGIC)
		return AUTHD_ERR_BAD_MAGIC;
	if (len >= 3 && data[2] != AUTHD_NSS_VERSION)
		return AUTHD_ERR_BAD_VERSION;
	if (len >= 4 && !type_known(data[3]))
		return AUTHD_ERR_BAD_TYPE;
	if (len < AUTHD_NSS_HEADER_LEN)
		return AUTHD_ERR_INCOMPLETE;
	if ((body = be32(data + 4)) > AUTHD_NSS_MAX_BODY)
		return AUTHD_ERR_TOO_LONG;
	if (len - AUTHD_NSS_HEADER_LEN < body)
		return AUTHD_ERR_INCOMPLETE;
	p = data + AUTHD_NSS_HEADER_LEN;
	while (off < body) {
		if (body - off < 4)
			return AUTHD_ERR_TRUNCATED;
		tag = be16(p + off);
		flen = be16(p + off + 2);
		off += 4;
		if (flen > body - off)
			return AUTHD_ERR_TRUNCATED;
		if (++n > AUTHD_NSS_MAX_FIELDS)
			return AUTHD_ERR_TOO_MANY;
		switch ((t = tag_type(tag))) {
		case T_STR:
			if (flen > AUTHD_NSS_FIELD_MAX)
				return AUTHD_ERR_TOO_LONG;
			if (memchr(p + off, '\0', flen) != NULL ||
			    memchr(p + off, '\n', flen) != NULL)
				return AUTHD_ERR_BAD_FIELD;
			break;
		case T_U32:
		case T_U8:
			if (flen != (t == T_U32 ? 4 : 1))
				return AUTHD_ERR_BAD_FIELD;
			break;
		default:
			return AUTHD_ERR_BAD_FIELD;
		}
		off += flen;
	}
	f->type = data[3];
	f->body = p;
	f->len = body;
	*consumed_r = AUTHD_NSS_HEADER_LEN + body;
	return AUTHD_OK;
}

int
authd_nss_field_next(const struct authd_nss_frame *f, size_t *off,
    struct authd_nss_field *fld)
{
	/* The frame was checked: every field is whole. */
	if (*off + 4 > f->len)
		return 0;
	fld->tag = be16(f->body + *off);
	fld->len = be16(f->body + *off + 2);
	fld->val = f->body + *off + 4;
	*off += 4 + (size_t)fld->len;
	return 1;
}

uint32_t
authd_nss_field_u32(const struct authd_nss_field *fld)
{
	return fld->len == 4 ? be32(fld->val) : 0;
}

int
authd_nss_frame_begin(struct authd_buf *b, uint8_t type, size_t *start_r)
{
	int r;

	*start_r = authd_buf_len(b);
	if ((r = authd_buf_put_u16(b, AUTHD_NSS_MAGIC)) != AUTHD_OK ||
	    (r = authd_buf_put_u8(b, AUTHD_NSS_VERSION)) != AUTHD_OK ||
	    (r = authd_buf_put_u8(b, type)) != AUTHD_OK ||
	    (r = authd_buf_put_u32(b, 0)) != AUTHD_OK)
		return r;
	return AUTHD_OK;
}

static int
add_field(struct authd_buf *b, uint16_t tag, const void *val, size_t len)
{
	int r;

	if ((r = authd_buf_put_u16(b, tag)) != AUTHD_OK ||
	    (r = authd_buf_put_u16(b, (uint16_t)len)) != AUTHD_OK ||
	    (r = authd_buf_put(b, val, len)) != AUTHD_OK)
		return r;
	return AUTHD_OK;
}

int
authd_nss_add_str(struct authd_buf *b, uint16_t tag, const char *s)
{
	size_t len = strlen(s);

	if (len > AUTHD_NSS_FIELD_MAX)
		return AUTHD_ERR_TOO_LONG;
	if (strchr(s, '\n') != NULL)
		return AUTHD_ERR_BAD_FIELD;
	return add_field(b, tag, s, len);
}

int
authd_nss_add_u32(struct authd_buf *b, uint16_t tag, uint32_t v)
{
	uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	return add_field(b, tag, p, sizeof(p));
}

int
authd_nss_add_u8(struct authd_buf *b, uint16_t tag, uint8_t v)
{
	return add_field(b, tag, &v, 1);
}

int
authd_nss_frame_end(struct authd_buf *b, size_t start)
{
	size_t body;

	if (authd_buf_len(b) < start + AUTHD_NSS_HEADER_LEN)
		return AUTHD_ERR_INVALID;
	body = authd_buf_len(b) - start - AUTHD_NSS_HEADER_LEN;
	if (body > AUTHD_NSS_MAX_BODY)
		return AUTHD_ERR_TOO_LONG;
	return authd_buf_poke_u32(b, start + 4, (uint32_t)body);
}

int
authd_nss_put_status(struct authd_buf *b, uint8_t status)
{
	size_t start;
	int r;

	if ((r = authd_nss_frame_begin(b, AUTHD_NSS_STATUS, &start)) != AUTHD_OK ||
	    (r = authd_nss_add_u8(b, AUTHD_NSS_F_STATUS, status)) != AUTHD_OK)
		return r;
	return authd_nss_frame_end(b, start);
}
