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

/* Reserve len bytes at the end for the caller to fill (e.g. by read()). */
int authd_buf_reserve(struct authd_buf *b, size_t len, uint8_t **p_r);
/* After authd_buf_reserve(): keep only the first used bytes of the reservation. */
void authd_buf_commit(struct authd_buf *b, size_t reserved, size_t used);
size_t authd_buf_room(const struct authd_buf *b);   /* bytes that may still be added */

int authd_buf_get_u8(struct authd_buf *b, uint8_t *v_r);
int authd_buf_get_u16(struct authd_buf *b, uint16_t *v_r);
int authd_buf_get_u32(struct authd_buf *b, uint32_t *v_r);

/* Overwrite 4 bytes already written at offset off from the start of unread data. */
int authd_buf_poke_u32(struct authd_buf *b, size_t off, uint32_t v);

#endif
