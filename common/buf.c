#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "secret.h"

/*
 * Every byte past size is zero (calloc'd, or wiped when consumed, compacted
 * or given back), so that nothing read and dropped lingers in the block.
 */
struct authd_buf {
	uint8_t *d;
	size_t off;   /* first unread byte */
	size_t size;  /* bytes written */
	size_t alloc;
	size_t max;
};

struct authd_buf *
authd_buf_new(size_t max_size)
{
	struct authd_buf *b;

	if (max_size == 0)
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->max = max_size;
	return b;
}

void
authd_buf_free(struct authd_buf **bp)
{
	struct authd_buf *b;

	if (bp == NULL || (b = *bp) == NULL)
		return;
	if (b->d != NULL) {
		explicit_bzero(b->d, b->alloc);
		free(b->d);
	}
	free(b);
	*bp = NULL;
}

size_t
authd_buf_len(const struct authd_buf *b)
{
	return b->size - b->off;
}

size_t
authd_buf_max(const struct authd_buf *b)
{
	return b->max;
}

const uint8_t *
authd_buf_ptr(const struct authd_buf *b)
{
	static const uint8_t empty[1];

	return b->d == NULL ? empty : b->d + b->off;
}

void
authd_buf_reset(struct authd_buf *b)
{
	if (b->d != NULL)
		explicit_bzero(b->d, b->alloc);
	b->off = b->size = 0;
}

size_t
authd_buf_room(const struct authd_buf *b)
{
	return b->max - authd_buf_len(b);
}

int
authd_buf_consume(struct authd_buf *b, size_t n)
{
	if (n > authd_buf_len(b))
		return AUTHD_ERR_TRUNCATED;
	explicit_bzero(b->d + b->off, n);
	b->off += n;
	if (b->off == b->size)
		b->off = b->size = 0;
	return AUTHD_OK;
}

/* Make room for len more bytes, compacting or growing (never past max). */
static int
buf_make_room(struct authd_buf *b, size_t len)
{
	size_t unread = authd_buf_len(b), want;
	uint8_t *nd;

	if (len > b->max - unread)
		return AUTHD_ERR_TOO_LONG;
	if (b->off > 0 && b->size + len > b->alloc) {
		memmove(b->d, b->d + b->off, unread);
		explicit_bzero(b->d + unread, b->alloc - unread);
		b->off = 0;
		b->size = unread;
	}
	if (b->size + len <= b->alloc)
		return AUTHD_OK;
	want = b->alloc < 256 ? 256 : b->alloc;
	while (want < b->size + len)
		want *= 2;
	if (want > b->max)
		want = b->max;
	/* Not realloc(): the old block may hold secrets and must be wiped. */
	if ((nd = calloc(1, want)) == NULL)
		return AUTHD_ERR_NOMEM;
	if (b->d != NULL) {
		memcpy(nd, b->d, b->size);
		explicit_bzero(b->d, b->alloc);
		free(b->d);
	}
	b->d = nd;
	b->alloc = want;
	return AUTHD_OK;
}

int
authd_buf_reserve(struct authd_buf *b, size_t len, uint8_t **p_r)
{
	int r;

	if ((r = buf_make_room(b, len)) != AUTHD_OK)
		return r;
	*p_r = b->d + b->size;
	b->size += len;
	return AUTHD_OK;
}

ssize_t
authd_buf_read(struct authd_buf *b, int fd, size_t *asked_r)
{
	size_t room = authd_buf_room(b), want;
	ssize_t n;

	if (room == 0) {
		errno = EMSGSIZE;
		return -1;
	}
	/*
	 * Into the space the block already has, or AUTHD_BUF_READ_CHUNK more:
	 * reserving all the room would grow every buffer to its maximum, and
	 * giving back what read() did not fill would wipe all of it each time.
	 */
	want = b->alloc - b->size;
	if (want < AUTHD_BUF_READ_CHUNK)
		want = AUTHD_BUF_READ_CHUNK;
	if (want > room)
		want = room;
	if (buf_make_room(b, want) != AUTHD_OK) {
		errno = ENOMEM;
		return -1;
	}
	if (asked_r != NULL)
		*asked_r = want;
	n = read(fd, b->d + b->size, want);
	/* The bytes read() did not write are still the zeros they were. */
	if (n > 0)
		b->size += (size_t)n;
	return n;
}

int
authd_buf_put(struct authd_buf *b, const void *data, size_t len)
{
	uint8_t *p;
	int r;

	if ((r = authd_buf_reserve(b, len, &p)) != AUTHD_OK)
		return r;
	if (len > 0)
		memcpy(p, data, len);
	return AUTHD_OK;
}

int
authd_buf_put_u8(struct authd_buf *b, uint8_t v)
{
	return authd_buf_put(b, &v, 1);
}

int
authd_buf_put_u16(struct authd_buf *b, uint16_t v)
{
	uint8_t p[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return authd_buf_put(b, p, sizeof(p));
}

int
authd_buf_put_u32(struct authd_buf *b, uint32_t v)
{
	uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	return authd_buf_put(b, p, sizeof(p));
}

int
authd_buf_poke_u32(struct authd_buf *b, size_t off, uint32_t v)
{
	uint8_t *p;

	if (off > authd_buf_len(b) || authd_buf_len(b) - off < 4)
		return AUTHD_ERR_TRUNCATED;
	p = b->d + b->off + off;
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return AUTHD_OK;
}

int
authd_buf_get_u8(struct authd_buf *b, uint8_t *v_r)
{
	if (authd_buf_len(b) < 1)
		return AUTHD_ERR_TRUNCATED;
	*v_r = b->d[b->off];
	return authd_buf_consume(b, 1);
}

int
authd_buf_get_u16(struct authd_buf *b, uint16_t *v_r)
{
	const uint8_t *p;

	if (authd_buf_len(b) < 2)
		return AUTHD_ERR_TRUNCATED;
	p = b->d + b->off;
	*v_r = (uint16_t)((p[0] << 8) | p[1]);
	return authd_buf_consume(b, 2);
}

int
authd_buf_get_u32(struct authd_buf *b, uint32_t *v_r)
{
	const uint8_t *p;

	if (authd_buf_len(b) < 4)
		return AUTHD_ERR_TRUNCATED;
	p = b->d + b->off;
	*v_r = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | (uint32_t)p[3];
	return authd_buf_consume(b, 4);
}
