/*
 * libFuzzer target for the wire protocol decoder (common/proto.c): every
 * byte string authd may read from a client goes through authd_frame_decode().
 * Besides memory errors (ASan/UBSan) it checks properties the server relies on:
 *   - a decoded frame lies within the input and within AUTHD_FRAME_MAX;
 *   - every field lies inside its frame and within AUTHD_FIELD_MAX;
 *   - re-encoding a decoded frame gives back exactly the same bytes (the
 *     decoder accepts only the canonical form, so nothing is smuggled);
 *   - every proper prefix of a good frame is only "incomplete".
 * Build and run: see fuzz/README.md.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "property failed: %s (line %d)\n",	\
		    #cond, __LINE__);					\
		abort();						\
	}								\
} while (0)

static void
exercise_getters(const struct authd_msg *m)
{
	char s[AUTHD_FIELD_MAX + 1], *dup = NULL;
	uint8_t u8;
	uint32_t u32;
	size_t i;

	for (i = 0; i < m->nfields; i++) {
		uint16_t tag = m->fields[i].tag;

		(void)authd_msg_get_str(m, tag, s, sizeof(s));
		(void)authd_msg_get_str(m, tag, s, 8);
		(void)authd_msg_get_u8(m, tag, &u8);
		(void)authd_msg_get_u32(m, tag, &u32);
		/* The getters read the first field of a tag; a repeated tag's
		 * later fields are not what they return. */
		if (authd_msg_field(m, tag) != &m->fields[i])
			continue;
		if (authd_msg_dup_str(m, tag, &dup) == AUTHD_OK && dup != NULL) {
			CHECK(strlen(dup) == m->fields[i].len);
			free(dup);
			dup = NULL;
		}
	}
}

static void
check_reencode(const uint8_t *frame, size_t len, const struct authd_msg *m)
{
	struct authd_buf *b = authd_buf_new(AUTHD_FRAME_MAX);
	size_t start, i;

	CHECK(b != NULL);
	CHECK(authd_frame_begin(b, m->version, m->type, &start) == AUTHD_OK);
	for (i = 0; i < m->nfields; i++)
		CHECK(authd_frame_add(b, m->fields[i].tag, m->fields[i].val,
		    m->fields[i].len) == AUTHD_OK);
	CHECK(authd_frame_end(b, start) == AUTHD_OK);
	CHECK(authd_buf_len(b) == len);
	CHECK(memcmp(authd_buf_ptr(b), frame, len) == 0);
	authd_buf_free(&b);
}

static void
check_prefixes(const uint8_t *frame, size_t len)
{
	struct authd_msg m;
	size_t k, used;

	/* All of a short frame, the ends of a long one: keeps each run fast. */
	for (k = 0; k < len; k++) {
		if (k > 32 && k + 32 < len)
			continue;
		CHECK(authd_frame_decode(frame, k, &m, &used) == AUTHD_ERR_INCOMPLETE);
		CHECK(used == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct authd_msg m;   /* large: keep it off the stack */
	size_t off = 0, used, i;
	int first = 1;

	while (off < size) {
		if (authd_frame_decode(data + off, size - off, &m, &used) != AUTHD_OK) {
			CHECK(used == 0);
			break;
		}
		CHECK(used >= AUTHD_FRAME_HEADER_LEN && used <= size - off);
		CHECK(used <= AUTHD_FRAME_MAX);
		CHECK(m.nfields <= AUTHD_FRAME_MAX_FIELDS);
		CHECK(m.type >= 1 && m.type <= AUTHD_MSG_TYPE_MAX);
		for (i = 0; i < m.nfields; i++) {
			CHECK(m.fields[i].len <= AUTHD_FIELD_MAX);
			CHECK(m.fields[i].val >= data + off + AUTHD_FRAME_HEADER_LEN);
			CHECK(m.fields[i].val + m.fields[i].len <= data + off + used);
		}
		exercise_getters(&m);
		check_reencode(data + off, used, &m);
		if (first)
			check_prefixes(data + off, used);
		first = 0;
		off += used;
	}
	return 0;
}
