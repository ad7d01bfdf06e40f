/*
 * A bounded byte buffer. Every write checks the buffer's maximum size and
 * fails with AUTHD_ERR_TOO_LONG instead of growing past it; every read checks
 * what is left and fails with AUTHD_ERR_TRUNCATED. The memory is wiped before
 * it is freed or reused, because buffers carry passwords.
 */
#ifndef AUTHD_BUF_H
#define AUTHD_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct authd_buf;

struct authd_buf *authd_buf_new(size_t max_size);
void authd_buf_free(struct authd_buf **bp);

size_t authd_buf_len(const struct authd_buf *b);   /* unread bytes */
size_t authd_buf_max(const struct authd_buf *b);
const uint8_t *authd_buf_ptr(const struct authd_buf *b);  /* first unread byte */

void authd_buf_reset(struct authd_buf *b);          /* wipe and empty */
int authd_buf_consume(struct authd_buf *b, size_t n);

int authd_buf_put(struct authd_buf *b, const void *data, size_t len);
int authd_buf_put_u8(struct authd_buf *b, uint8_t v);
int authd_buf_put_u16(struct authd_buf *b, uint16_t v);  /* big-endian */
int authd_buf_put_u32(struct authd_buf *b, uint32_t v);  /* big-endian */

/* Reserve len bytes at the end for the caller to fill at once. */
int authd_buf_reserve(struct authd_buf *b, size_t len, uint8_t **p_r);
size_t authd_buf_room(const struct authd_buf *b);   /* bytes that may still be added */

#define AUTHD_BUF_READ_CHUNK 4096
/*
 * One read(2) of fd appended to the buffer, at most what the block has free
 * or AUTHD_BUF_READ_CHUNK, never past the maximum. Returns read()'s result;
 * -1 with errno EMSGSIZE when the buffer is full, ENOMEM when it cannot grow.
 * asked_r (may be NULL): what read() was asked for; less came when the fd
 * had no more.
 */
ssize_t authd_buf_read(struct authd_buf *b, int fd, size_t *asked_r);

int authd_buf_get_u8(struct authd_buf *b, uint8_t *v_r);
int authd_buf_get_u16(struct authd_buf *b, uint16_t *v_r);
int authd_buf_get_u32(struct authd_buf *b, uint32_t *v_r);

/* Overwrite 4 bytes already written at offset off from the start of unread data. */
int authd_buf_poke_u32(struct authd_buf *b, size_t off, uint32_t v);

#endif
