#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <errno.h>

#include "err.h"
#include "secret.h"

void
authd_secret_free(char **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	explicit_bzero(*sp, strlen(*sp));
	free(*sp);
	*sp = NULL;
}

int
authd_timingsafe_bcmp(const void *a, const void *b, size_t len)
{
	const volatile unsigned char *pa = a, *pb = b;
	unsigned char diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= pa[i] ^ pb[i];
	return diff != 0;
}

int
authd_random_bytes(void *p, size_t len)
{
	unsigned char *c = p;
	ssize_t n;

	while (len > 0) {
		n = getrandom(c, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return AUTHD_ERR_CRYPTO;
		}
		c += n;
		len -= (size_t)n;
	}
	return AUTHD_OK;
}

int
authd_random_hex(char *out, size_t outsz, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t i;
	int r;

	if (len > sizeof(raw) || outsz < 2 * len + 1)
		return AUTHD_ERR_INVALID;
	if ((r = authd_random_bytes(raw, len)) != AUTHD_OK)
		return r;
	for (i = 0; i < len; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * len] = '\0';
	explicit_bzero(raw, sizeof(raw));
	return AUTHD_OK;
}
