/* Helpers for secrets: wipe, free, compare in constant time, random bytes. */
#ifndef AUTHD_SECRET_H
#define AUTHD_SECRET_H

#include <stddef.h>
#include <string.h>

/* Wipe a NUL-terminated secret string, free it and set *sp to NULL. */
void authd_secret_free(char **sp);
/* 0 when equal; time depends only on len. */
int authd_timingsafe_bcmp(const void *a, const void *b, size_t len);
/* Fill with cryptographically random bytes; AUTHD_OK or AUTHD_ERR_CRYPTO. */
int authd_random_bytes(void *p, size_t len);
/* len random bytes as 2*len lowercase hex chars + NUL into out (size >= 2*len+1). */
int authd_random_hex(char *out, size_t outsz, size_t len);

#endif
