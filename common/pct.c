/* %XX escapes of the state files (pct.h). */
#include "config.h"

#include "pct.h"

static int
needs_escape(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || c == '%';
}

int
authd_pct_append(char *buf, size_t bufsz, size_t *pos, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t p = *pos;

	for (; *v != '\0'; v++) {
		if (p + 4 >= bufsz)
			return -1;
		if (needs_escape((unsigned char)*v)) {
			buf[p++] = '%';
			buf[p++] = hex[(unsigned char)*v >> 4];
			buf[p++] = hex[(unsigned char)*v & 0xf];
		} else
			buf[p++] = *v;
	}
	if (p >= bufsz)
		return -1;
	buf[p] = '\0';
	*pos = p;
	return 0;
}

int
authd_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
authd_pct_decode(char *s)
{
	char *w = s;
	int hi, lo;

	for (; *s != '\0'; s++) {
		if (*s != '%') {
			*w++ = *s;
			continue;
		}
		if ((hi = authd_hexval((unsigned char)s[1])) < 0 ||
		    (lo = authd_hexval((unsigned char)s[2])) < 0 ||
		    (hi == 0 && lo == 0))
			return -1;
		*w++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*w = '\0';
	return 0;
}
