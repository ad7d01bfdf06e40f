/* The wire protocol codec: round trips, malformed frames, incremental reads. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "proto.h"

/* A frame written byte by byte, to say exactly what a hostile peer sends. */
struct raw {
	uint8_t d[AUTHD_FRAME_MAX + 8192];
	size_t len;
};

static void
raw_u8(struct raw *r, uint8_t v)
{
	ck_assert_uint_lt(r->len, sizeof(r->d));
	r->d[r->len++] = v;
}

static void
raw_u16(struct raw *r, uint16_t v)
{
	raw_u8(r, (uint8_t)(v >> 8));
	raw_u8(r, (uint8_t)v);
}

static void
raw_u32(struct raw *r, uint32_t v)
{
	raw_u16(r, (uint16_t)(v >> 16));
	raw_u16(r, (uint16_t)v);
}

static void
raw_header(struct raw *r, uint16_t magic, uint8_t version, uint8_t type,
    uint32_t body)
{
	r->len = 0;
	raw_u16(r, magic);
	raw_u8(r, version);
	raw_u8(r, type);
	raw_u32(r, body);
}

static void
raw_field(struct raw *r, uint16_t tag, uint16_t len, const void *val)
{
	raw_u16(r, tag);
	raw_u16(r, len);
	ck_assert_uint_le(r->len + len, sizeof(r->d));
	memcpy(r->d + r->len, val, len);
	r->len += len;
}

/* Patch the body length to what was written after the header. */
static void
raw_fix_length(struct raw *r)
{
	uint32_t body = (uint32_t)(r->len - AUTHD_FRAME_HEADER_LEN);

	r->d[4] = (uint8_t)(body >> 24);
	r->d[5] = (uint8_t)(body >> 16);
	r->d[6] = (uint8_t)(body >> 8);
	r->d[7] = (uint8_t)body;
}

static int
decode(const struct raw *r, struct authd_msg *m)
{
	size_t used = 12345;
	int rc;

	rc = authd_frame_decode(r->d, r->len, m, &used);
	if (rc == AUTHD_OK)
		ck_assert_uint_eq(used, r->len);
	else
		ck_assert_uint_eq(used, 0);
	return rc;
}

/* Round trips */

struct rt_field {
	uint16_t tag;
	enum { RT_STR, RT_U8, RT_U32, RT_BYTES } kind;
	const char *s;
	uint32_t n;
	size_t blen;
};

static const uint8_t some_bytes[] = { 0, 1, 2, 0xff, 0, 0x80 };

static void
round_trip(uint8_t type, const struct rt_field *fields, size_t n)
{
	struct authd_buf *b = authd_buf_new(AUTHD_FRAME_MAX);
	struct authd_msg m;
	size_t start, used, i;
	char s[AUTHD_STRING_MAX + 1];
	uint8_t u8;
	uint32_t u32;
	const struct authd_field *f;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(authd_frame_begin(b, 1, type, &start), AUTHD_OK);
	ck_assert_uint_eq(start, 0);
	for (i = 0; i < n; i++) {
		switch (fields[i].kind) {
		case RT_STR:
			ck_assert_int_eq(authd_frame_add_str(b, fields[i].tag,
			    fields[i].s), AUTHD_OK);
			break;
		case RT_U8:
			ck_assert_int_eq(authd_frame_add_u8(b, fields[i].tag,
			    (uint8_t)fields[i].n), AUTHD_OK);
			break;
		case RT_U32:
			ck_assert_int_eq(authd_frame_add_u32(b, fields[i].tag,
			    fields[i].n), AUTHD_OK);
			break;
		case RT_BYTES:
			ck_assert_int_eq(authd_frame_add(b, fields[i].tag,
			    some_bytes, fields[i].blen), AUTHD_OK);
			break;
		}
	}
	ck_assert_int_eq(authd_frame_end(b, start), AUTHD_OK);

	ck_assert_int_eq(authd_frame_decode(authd_buf_ptr(b), authd_buf_len(b),
	    &m, &used), AUTHD_OK);
	ck_assert_uint_eq(used, authd_buf_len(b));
	ck_assert_uint_eq(m.version, 1);
	ck_assert_uint_eq(m.type, type);
	ck_assert_uint_eq(m.nfields, n);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(m.fields[i].tag, fields[i].tag);
		switch (fields[i].kind) {
		case RT_STR:
			/* A repeated tag: compare the field itself, not the first one. */
			ck_assert_uint_eq(m.fields[i].len, strlen(fields[i].s));
			ck_assert(memcmp(m.fields[i].val, fields[i].s,
			    m.fields[i].len) == 0);
			if (authd_msg_field(&m, fields[i].tag) == &m.fields[i]) {
				ck_assert_int_eq(authd_msg_get_str(&m, fields[i].tag,
				    s, sizeof(s)), AUTHD_OK);
				ck_assert_str_eq(s, fields[i].s);
			}
			break;
		case RT_U8:
			ck_assert_int_eq(authd_msg_get_u8(&m, fields[i].tag, &u8),
			    AUTHD_OK);
			ck_assert_uint_eq(u8, fields[i].n);
			break;
		case RT_U32:
			ck_assert_int_eq(authd_msg_get_u32(&m, fields[i].tag, &u32),
			    AUTHD_OK);
			ck_assert_uint_eq(u32, fields[i].n);
			break;
		case RT_BYTES:
			f = &m.fields[i];
			ck_assert_uint_eq(f->len, fields[i].blen);
			ck_assert(memcmp(f->val, some_bytes, f->len) == 0);
			break;
		}
	}
	authd_buf_free(&b);
	ck_assert_ptr_null(b);
}

START_TEST(rt_hello)
{
	const struct rt_field f[] = {
		{ AUTHD_F_VERSION_MIN, RT_U8, NULL, 1, 0 },
		{ AUTHD_F_VERSION_MAX, RT_U8, NULL, 1, 0 },
		{ AUTHD_F_CLIENT, RT_STR, "pam_authd 0.1.0", 0, 0 },
	};
	const struct rt_field g[] = { { AUTHD_F_VERSION, RT_U8, NULL, 1, 0 } };

	round_trip(AUTHD_MSG_HELLO, f, 3);
	round_trip(AUTHD_MSG_HELLO, g, 1);
}
END_TEST

START_TEST(rt_requests)
{
	const struct rt_field f[] = {
		{ AUTHD_F_SERVICE, RT_STR, "login", 0, 0 },
		{ AUTHD_F_USER, RT_STR, "alice", 0, 0 },
		{ AUTHD_F_TTY, RT_STR, "/dev/pts/3", 0, 0 },
		{ AUTHD_F_RHOST, RT_STR, "192.0.2.7", 0, 0 },
		{ AUTHD_F_RUSER, RT_STR, "bob", 0, 0 },
		{ AUTHD_F_PID, RT_U32, NULL, 4242, 0 },
		{ AUTHD_F_FLAGS, RT_U32, NULL, AUTHD_REQ_SILENT | AUTHD_REQ_NO_PROMPT, 0 },
		{ AUTHD_F_AUTHTOK, RT_STR, "p\xc3\xa4ss word", 0, 0 },
		{ AUTHD_F_OLD_AUTHTOK, RT_STR, "old", 0, 0 },
		{ AUTHD_F_LOGIN_ID, RT_STR, "0123abcd", 0, 0 },
		{ AUTHD_F_SESSION_ID, RT_STR, "s-1", 0, 0 },
	};
	uint8_t types[] = { AUTHD_MSG_AUTHENTICATE, AUTHD_MSG_ACCT_MGMT,
	    AUTHD_MSG_OPEN_SESSION, AUTHD_MSG_CLOSE_SESSION, AUTHD_MSG_CHAUTHTOK };
	size_t i;

	for (i = 0; i < sizeof(types); i++) {
		round_trip(types[i], f, sizeof(f) / sizeof(f[0]));
		round_trip(types[i], f, 2);   /* only the required fields */
	}
}
END_TEST

START_TEST(rt_step_answer_result)
{
	const struct rt_field step[] = {
		{ AUTHD_F_STEP_KIND, RT_U8, NULL, AUTHD_STEP_FIDO2_ASSERT, 0 },
		{ AUTHD_F_TEXT, RT_STR, "Touch your key", 0, 0 },
		{ AUTHD_F_CHALLENGE, RT_BYTES, NULL, 0, sizeof(some_bytes) },
		{ AUTHD_F_RP_ID, RT_STR, "example.com", 0, 0 },
		{ AUTHD_F_CRED_ID, RT_BYTES, NULL, 0, 3 },
		{ AUTHD_F_CRED_ID, RT_BYTES, NULL, 0, 5 },
		{ AUTHD_F_OPTIONS, RT_U32, NULL, 7, 0 },
	};
	const struct rt_field answer[] = {
		{ AUTHD_F_ANSWER, RT_STR, "", 0, 0 },
		{ AUTHD_F_AUTHDATA, RT_BYTES, NULL, 0, 6 },
		{ AUTHD_F_SIGNATURE, RT_BYTES, NULL, 0, 4 },
		{ AUTHD_F_CERT, RT_BYTES, NULL, 0, 2 },
		{ AUTHD_F_ANSWER_STATUS, RT_U8, NULL, 2, 0 },
	};
	const struct rt_field result[] = {
		{ AUTHD_F_RESULT, RT_U8, NULL, AUTHD_R_NEW_AUTHTOK_REQD, 0 },
		{ AUTHD_F_TEXT, RT_STR, "Password expired", 0, 0 },
		{ AUTHD_F_LOGIN_ID, RT_STR, "id", 0, 0 },
		{ AUTHD_F_ENV, RT_STR, "AUTHD_LOGIN=1", 0, 0 },
		{ AUTHD_F_ENV, RT_STR, "AUTHD_FACTORS=password", 0, 0 },
	};

	round_trip(AUTHD_MSG_STEP, step, sizeof(step) / sizeof(step[0]));
	round_trip(AUTHD_MSG_ANSWER, answer, sizeof(answer) / sizeof(answer[0]));
	round_trip(AUTHD_MSG_RESULT, result, sizeof(result) / sizeof(result[0]));
	round_trip(AUTHD_MSG_RESULT, result, 0);   /* empty body */
}
END_TEST

START_TEST(rt_field_at_max)
{
	struct authd_buf *b = authd_buf_new(AUTHD_FRAME_MAX);
	static uint8_t big[AUTHD_FIELD_MAX];
	struct authd_msg m;
	size_t start, used;
	int i;

	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(authd_frame_begin(b, 1, AUTHD_MSG_ANSWER, &start), AUTHD_OK);
	ck_assert_int_eq(authd_frame_add(b, AUTHD_F_CERT, big, sizeof(big)), AUTHD_OK);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(authd_frame_add(b, AUTHD_F_CRED_ID, big,
		    sizeof(big)), AUTHD_OK);
	ck_assert_int_eq(authd_frame_end(b, start), AUTHD_OK);
	ck_assert_int_eq(authd_frame_decode(authd_buf_ptr(b), authd_buf_len(b),
	    &m, &used), AUTHD_OK);
	ck_assert_uint_eq(m.nfields, 3);
	ck_assert_uint_eq(m.fields[0].len, AUTHD_FIELD_MAX);
	authd_buf_free(&b);
}
END_TEST

/* Malformed frames */

START_TEST(bad_truncated_header)
{
	struct raw r;
	struct authd_msg m;

	raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_HELLO, 0);
	for (r.len = 0; r.len < AUTHD_FRAME_HEADER_LEN; r.len++)
		ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_INCOMPLETE);
	r.len = AUTHD_FRAME_HEADER_LEN;
	ck_assert_int_eq(decode(&r, &m), AUTHD_OK);
	ck_assert_uint_eq(m.nfields, 0);
}
END_TEST

START_TEST(bad_truncated_body)
{
	struct raw r;
	struct authd_msg m;

	raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_AUTHENTICATE, 0);
	raw_field(&r, AUTHD_F_USER, 5, "alice");
	raw_field(&r, AUTHD_F_SERVICE, 5, "login");
	raw_fix_length(&r);
	r.len -= 1;
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_INCOMPLETE);
	r.len = AUTHD_FRAME_HEADER_LEN + 3;
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_INCOMPLETE);
}
END_TEST

START_TEST(bad_truncated_field)
{
	struct raw r;
	struct authd_msg m;

	/* A field's value runs past the end of the body. */
	raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_AUTHENTICATE, 0);
	raw_u16(&r, AUTHD_F_USER);
	raw_u16(&r, 10);
	raw_u32(&r, 0x61616161);
	raw_fix_length(&r);
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_TRUNCATED);
	ck_assert_uint_eq(m.nfields, 0);

	/* A field's own header is cut. */
	raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_AUTHENTICATE, 0);
	raw_field(&r, AUTHD_F_USER, 1, "a");
	raw_u16(&r, AUTHD_F_SERVICE);
	raw_u8(&r, 0);
	raw_fix_length(&r);
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_TRUNCATED);
}
END_TEST

START_TEST(bad_oversized_body)
{
	struct raw r;
	struct authd_msg m;

	/* Refused from the header alone, before any of the body arrives. */
	raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_ANSWER, AUTHD_FRAME_MAX_BODY + 1);
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_TOO_LONG);
	raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_ANSWER, 0xffffffffu);
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_TOO_LONG);
	/* The largest allowed body is only incomplete. */
	raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_ANSWER, AUTHD_FRAME_MAX_BODY);
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_INCOMPLETE);
}
END_TEST

START_TEST(bad_oversized_field)
{
	static uint8_t big[AUTHD_FIELD_MAX + 1];
	struct raw r;
	struct authd_msg m;

	raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_ANSWER, 0);
	raw_field(&r, AUTHD_F_CERT, AUTHD_FIELD_MAX + 1, big);
	raw_fix_length(&r);
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_TOO_LONG);
}
END_TEST

START_TEST(bad_magic)
{
	struct raw r;
	struct authd_msg m;

	raw_header(&r, 0x4145, 1, AUTHD_MSG_HELLO, 0);
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_BAD_MAGIC);
	raw_header(&r, 0x4441, 1, AUTHD_MSG_HELLO, 0);   /* byte-swapped */
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_BAD_MAGIC);
	memcpy(r.d, "GET / HTTP/1.0\r\n", 16);
	r.len = 16;
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_BAD_MAGIC);
}
END_TEST

START_TEST(bad_version)
{
	struct raw r;
	struct authd_msg m;

	raw_header(&r, AUTHD_PROTO_MAGIC, 0, AUTHD_MSG_HELLO, 0);
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_BAD_VERSION);
	raw_header(&r, AUTHD_PROTO_MAGIC, AUTHD_PROTO_VERSION_MAX + 1,
	    AUTHD_MSG_HELLO, 0);
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_BAD_VERSION);
	raw_header(&r, AUTHD_PROTO_MAGIC, 255, AUTHD_MSG_HELLO, 0);
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_BAD_VERSION);
}
END_TEST

START_TEST(bad_type)
{
	const uint8_t types[] = { 0, AUTHD_MSG_TYPE_MAX + 1, 10, 128, 255 };
	struct raw r;
	struct authd_msg m;
	size_t i;

	for (i = 0; i < sizeof(types); i++) {
		raw_header(&r, AUTHD_PROTO_MAGIC, 1, types[i], 0);
		ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_BAD_TYPE);
	}
}
END_TEST

START_TEST(bad_unknown_field)
{
	const uint16_t tags[] = { 0, 5, 21, 29, 36, 45, 52, 63, 64, 1000, 0xffff };
	struct raw r;
	struct authd_msg m;
	size_t i;

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_AUTHENTICATE, 0);
		raw_field(&r, AUTHD_F_USER, 1, "a");
		raw_field(&r, tags[i], 1, "x");
		raw_fix_length(&r);
		ck_assert_msg(decode(&r, &m) == AUTHD_ERR_BAD_FIELD,
		    "tag %u accepted", (unsigned)tags[i]);
	}
}
END_TEST

/* ACCT_AHEAD_MS (52) came with version 2: malformed in a version-1 frame. */
START_TEST(version2_field)
{
	struct raw r;
	struct authd_msg m;
	uint32_t ms = 0;
	int v;

	for (v = 1; v <= 2; v++) {
		raw_header(&r, AUTHD_PROTO_MAGIC, (uint8_t)v, AUTHD_MSG_RESULT, 0);
		raw_field(&r, AUTHD_F_RESULT, 1, "\0");
		raw_field(&r, AUTHD_F_ACCT_AHEAD_MS, 4, "\0\0\3\xe8");
		raw_fix_length(&r);
		ck_assert_int_eq(decode(&r, &m), v == 1 ? AUTHD_ERR_BAD_FIELD :
		    AUTHD_OK);
	}
	ck_assert_int_eq(m.version, 2);
	ck_assert_int_eq(authd_msg_get_u32(&m, AUTHD_F_ACCT_AHEAD_MS, &ms),
	    AUTHD_OK);
	ck_assert_uint_eq(ms, 1000);
}
END_TEST

START_TEST(bad_duplicate_field)
{
	struct raw r;
	struct authd_msg m;

	raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_AUTHENTICATE, 0);
	raw_field(&r, AUTHD_F_USER, 5, "alice");
	raw_field(&r, AUTHD_F_SERVICE, 5, "login");
	raw_field(&r, AUTHD_F_USER, 4, "root");
	raw_fix_length(&r);
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_DUPLICATE);

	/* ENV and CRED_ID may repeat. */
	raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_RESULT, 0);
	raw_field(&r, AUTHD_F_ENV, 3, "A=1");
	raw_field(&r, AUTHD_F_ENV, 3, "B=2");
	raw_fix_length(&r);
	ck_assert_int_eq(decode(&r, &m), AUTHD_OK);
	ck_assert_uint_eq(m.nfields, 2);
}
END_TEST

START_TEST(bad_too_many_fields)
{
	struct raw r;
	struct authd_msg m;
	int i;

	raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_RESULT, 0);
	for (i = 0; i < AUTHD_FRAME_MAX_FIELDS; i++)
		raw_field(&r, AUTHD_F_ENV, 3, "A=1");
	raw_fix_length(&r);
	ck_assert_int_eq(decode(&r, &m), AUTHD_OK);
	ck_assert_uint_eq(m.nfields, AUTHD_FRAME_MAX_FIELDS);
	raw_field(&r, AUTHD_F_ENV, 3, "A=1");   /* the 65th */
	raw_fix_length(&r);
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_TOO_MANY);
	ck_assert_uint_eq(m.nfields, 0);
}
END_TEST

START_TEST(bad_embedded_nul)
{
	struct raw r;
	struct authd_msg m;
	char out[64], *dup = (char *)"untouched";

	raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_AUTHENTICATE, 0);
	raw_field(&r, AUTHD_F_USER, 9, "root\0evil");
	raw_field(&r, AUTHD_F_SERVICE, 5, "login");
	raw_fix_length(&r);
	/* The frame is well formed; reading the field as a string is not. */
	ck_assert_int_eq(decode(&r, &m), AUTHD_OK);
	ck_assert_int_eq(authd_msg_get_str(&m, AUTHD_F_USER, out, sizeof(out)),
	    AUTHD_ERR_BAD_FIELD);
	ck_assert_int_eq(authd_msg_dup_str(&m, AUTHD_F_USER, &dup),
	    AUTHD_ERR_BAD_FIELD);
	ck_assert_ptr_null(dup);
	ck_assert_int_eq(authd_msg_get_str(&m, AUTHD_F_SERVICE, out, sizeof(out)),
	    AUTHD_OK);
	ck_assert_str_eq(out, "login");
}
END_TEST

START_TEST(getters_check_sizes)
{
	struct raw r;
	struct authd_msg m;
	char out[4], *dup = NULL;
	uint8_t u8;
	uint32_t u32;

	raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_AUTHENTICATE, 0);
	raw_field(&r, AUTHD_F_USER, 5, "alice");
	raw_field(&r, AUTHD_F_PID, 2, "ab");      /* a u32 of 2 bytes */
	raw_field(&r, AUTHD_F_FLAGS, 5, "abcde");
	raw_fix_length(&r);
	ck_assert_int_eq(decode(&r, &m), AUTHD_OK);
	ck_assert_int_eq(authd_msg_get_str(&m, AUTHD_F_USER, out, sizeof(out)),
	    AUTHD_ERR_TOO_LONG);
	ck_assert_int_eq(authd_msg_get_str(&m, AUTHD_F_TTY, out, sizeof(out)),
	    AUTHD_ERR_MISSING);
	ck_assert_int_eq(authd_msg_dup_str(&m, AUTHD_F_TTY, &dup), AUTHD_OK);
	ck_assert_ptr_null(dup);
	ck_assert_int_eq(authd_msg_get_u32(&m, AUTHD_F_PID, &u32), AUTHD_ERR_BAD_FIELD);
	ck_assert_int_eq(authd_msg_get_u32(&m, AUTHD_F_FLAGS, &u32), AUTHD_ERR_BAD_FIELD);
	ck_assert_int_eq(authd_msg_get_u8(&m, AUTHD_F_USER, &u8), AUTHD_ERR_BAD_FIELD);
	ck_assert_int_eq(authd_msg_get_u8(&m, AUTHD_F_RESULT, &u8), AUTHD_ERR_MISSING);
	ck_assert_int_eq(authd_msg_dup_str(&m, AUTHD_F_USER, &dup), AUTHD_OK);
	ck_assert_str_eq(dup, "alice");
	free(dup);
}
END_TEST

START_TEST(bytes_getter_checks_sizes)
{
	struct raw r;
	struct authd_msg m;
	uint8_t out[4];
	size_t len = 99;

	raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_ANSWER, 0);
	raw_field(&r, AUTHD_F_SIGNATURE, 3, "s\0g");
	raw_field(&r, AUTHD_F_AUTHDATA, 5, "abcde");
	raw_field(&r, AUTHD_F_CRED_ID, 0, "");
	raw_fix_length(&r);
	ck_assert_int_eq(decode(&r, &m), AUTHD_OK);
	/* binary: an embedded NUL is data */
	ck_assert_int_eq(authd_msg_get_bytes(&m, AUTHD_F_SIGNATURE, out,
	    sizeof(out), &len), AUTHD_OK);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(out, "s\0g", 3), 0);
	ck_assert_int_eq(authd_msg_get_bytes(&m, AUTHD_F_AUTHDATA, out,
	    sizeof(out), &len), AUTHD_ERR_BAD_FIELD);
	ck_assert_int_eq(authd_msg_get_bytes(&m, AUTHD_F_CRED_ID, out,
	    sizeof(out), &len), AUTHD_ERR_BAD_FIELD);
	ck_assert_int_eq(authd_msg_get_bytes(&m, AUTHD_F_CERT, out,
	    sizeof(out), &len), AUTHD_ERR_MISSING);
}
END_TEST

/* Incremental decoding, as a server sees a frame arrive */

START_TEST(incremental_byte_by_byte)
{
	struct authd_buf *b = authd_buf_new(AUTHD_FRAME_MAX * 2);
	struct authd_msg m;
	size_t start, used, total, n;
	char out[32];

	ck_assert_int_eq(authd_frame_begin(b, 1, AUTHD_MSG_AUTHENTICATE, &start), AUTHD_OK);
	ck_assert_int_eq(authd_frame_add_str(b, AUTHD_F_SERVICE, "sshd"), AUTHD_OK);
	ck_assert_int_eq(authd_frame_add_str(b, AUTHD_F_USER, "carol"), AUTHD_OK);
	ck_assert_int_eq(authd_frame_end(b, start), AUTHD_OK);
	total = authd_buf_len(b);
	/* A second frame right behind the first must not be eaten. */
	ck_assert_int_eq(authd_frame_begin(b, 1, AUTHD_MSG_ACCT_MGMT, &start), AUTHD_OK);
	ck_assert_int_eq(start, total);
	ck_assert_int_eq(authd_frame_add_str(b, AUTHD_F_USER, "dave"), AUTHD_OK);
	ck_assert_int_eq(authd_frame_end(b, start), AUTHD_OK);

	for (n = 0; n < total; n++) {
		used = 99;
		ck_assert_int_eq(authd_frame_decode(authd_buf_ptr(b), n, &m, &used),
		    AUTHD_ERR_INCOMPLETE);
		ck_assert_uint_eq(used, 0);
	}
	for (n = total; n <= authd_buf_len(b); n++) {
		ck_assert_int_eq(authd_frame_decode(authd_buf_ptr(b), n, &m, &used),
		    AUTHD_OK);
		ck_assert_uint_eq(used, total);
		ck_assert_uint_eq(m.type, AUTHD_MSG_AUTHENTICATE);
	}
	ck_assert_int_eq(authd_buf_consume(b, used), AUTHD_OK);
	ck_assert_int_eq(authd_frame_decode(authd_buf_ptr(b), authd_buf_len(b),
	    &m, &used), AUTHD_OK);
	ck_assert_uint_eq(m.type, AUTHD_MSG_ACCT_MGMT);
	ck_assert_int_eq(authd_msg_get_str(&m, AUTHD_F_USER, out, sizeof(out)), AUTHD_OK);
	ck_assert_str_eq(out, "dave");
	authd_buf_free(&b);
}
END_TEST

START_TEST(incremental_bad_header_early)
{
	struct raw r;
	struct authd_msg m;

	/* Bad magic: known after 2 bytes, not after 1. */
	raw_header(&r, 0x1234, 1, AUTHD_MSG_HELLO, 0);
	r.len = 1;
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_INCOMPLETE);
	r.len = 2;
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_BAD_MAGIC);

	/* Bad version: known after 3 bytes. */
	raw_header(&r, AUTHD_PROTO_MAGIC, AUTHD_PROTO_VERSION_MAX + 1,
	    AUTHD_MSG_HELLO, 0);
	r.len = 2;
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_INCOMPLETE);
	r.len = 3;
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_BAD_VERSION);

	/* Bad type: known after 4 bytes. */
	raw_header(&r, AUTHD_PROTO_MAGIC, 1, 0, 0);
	r.len = 3;
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_INCOMPLETE);
	r.len = 4;
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_BAD_TYPE);

	/* Oversized: known after the 8 header bytes, with no body. */
	raw_header(&r, AUTHD_PROTO_MAGIC, 1, AUTHD_MSG_HELLO, AUTHD_FRAME_MAX_BODY + 1);
	r.len = 7;
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_INCOMPLETE);
	r.len = 8;
	ck_assert_int_eq(decode(&r, &m), AUTHD_ERR_TOO_LONG);
}
END_TEST

/* The encoder keeps to the same bounds */

START_TEST(encoder_refuses_oversized)
{
	struct authd_buf *b = authd_buf_new(AUTHD_FRAME_MAX * 2);
	static uint8_t big[AUTHD_FIELD_MAX + 1];
	size_t start, len;
	int i;

	ck_assert_int_eq(authd_frame_begin(b, 1, AUTHD_MSG_ANSWER, &start), AUTHD_OK);
	len = authd_buf_len(b);
	ck_assert_int_eq(authd_frame_add(b, AUTHD_F_CERT, big, sizeof(big)),
	    AUTHD_ERR_TOO_LONG);
	ck_assert_uint_eq(authd_buf_len(b), len);
	/* Four full fields plus their headers pass the body limit. */
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(authd_frame_add(b, AUTHD_F_CRED_ID, big,
		    AUTHD_FIELD_MAX), AUTHD_OK);
	ck_assert_int_eq(authd_frame_end(b, start), AUTHD_ERR_TOO_LONG);
	authd_buf_free(&b);

	/* A buffer smaller than the frame refuses to grow past its maximum. */
	b = authd_buf_new(64);
	ck_assert_int_eq(authd_frame_begin(b, 1, AUTHD_MSG_ANSWER, &start), AUTHD_OK);
	ck_assert_int_eq(authd_frame_add(b, AUTHD_F_CERT, big, 100), AUTHD_ERR_TOO_LONG);
	authd_buf_free(&b);
}
END_TEST

START_TEST(result_names)
{
	ck_assert_str_eq(authd_result_name(AUTHD_R_SUCCESS), "success");
	ck_assert_str_eq(authd_result_name(AUTHD_R_MAXTRIES), "maxtries");
	ck_assert_str_eq(authd_result_name(-1), "unknown");
	ck_assert_str_eq(authd_result_name(AUTHD_R_MAX + 1), "unknown");
	ck_assert_str_eq(authd_strerror(AUTHD_ERR_BAD_MAGIC), "not an authd frame");
}
END_TEST

static Suite *
proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc;

	tc = tcase_create("round_trip");
	tcase_add_test(tc, rt_hello);
	tcase_add_test(tc, rt_requests);
	tcase_add_test(tc, rt_step_answer_result);
	tcase_add_test(tc, rt_field_at_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_test(tc, bad_truncated_header);
	tcase_add_test(tc, bad_truncated_body);
	tcase_add_test(tc, bad_truncated_field);
	tcase_add_test(tc, bad_oversized_body);
	tcase_add_test(tc, bad_oversized_field);
	tcase_add_test(tc, bad_magic);
	tcase_add_test(tc, bad_version);
	tcase_add_test(tc, version2_field);
	tcase_add_test(tc, bad_type);
	tcase_add_test(tc, bad_unknown_field);
	tcase_add_test(tc, bad_duplicate_field);
	tcase_add_test(tc, bad_too_many_fields);
	tcase_add_test(tc, bad_embedded_nul);
	tcase_add_test(tc, getters_check_sizes);
	tcase_add_test(tc, bytes_getter_checks_sizes);
	suite_add_tcase(s, tc);

	tc = tcase_create("incremental");
	tcase_add_test(tc, incremental_byte_by_byte);
	tcase_add_test(tc, incremental_bad_header_early);
	suite_add_tcase(s, tc);

	tc = tcase_create("encoder");
	tcase_add_test(tc, encoder_refuses_oversized);
	tcase_add_test(tc, result_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(proto_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
