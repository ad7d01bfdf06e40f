/* The module's arguments from the PAM service file. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "pam_authd.h"

#define SOCKET_ROOT  RUNSTATEDIR "/authd/authd.sock"
/* authd's public socket: a non-root caller may act only for its own uid. */
#define SOCKET_USER  RUNSTATEDIR "/authd/user.sock"

#ifndef PAMAUTHD_CARD_HELPER
#define PAMAUTHD_CARD_HELPER "/usr/libexec/authd/pam_authd_card"
#endif
#define CARD_PKCS11_DEFAULT  "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
#define CARD_TIMEOUT_DEFAULT_S 15
#define FIDO2_TIMEOUT_DEFAULT_S 30

/* Seconds in [1, PAMAUTHD_MAX_TIMEOUT_S], else -1. */
static int
parse_seconds(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 ||
	    v > PAMAUTHD_MAX_TIMEOUT_S)
		return -1;
	return (int)v;
}

void
pamauthd_parse_options(pam_handle_t *pamh, int argc, const char **argv,
    struct pamauthd_opts *o)
{
	int i, secs;

	memset(o, 0, sizeof(*o));
	o->socket_path = geteuid() == 0 ? SOCKET_ROOT : SOCKET_USER;
	o->timeout_ms = PAMAUTHD_DEFAULT_TIMEOUT_S * 1000;
	o->pkcs11_module = CARD_PKCS11_DEFAULT;
	o->card_helper = PAMAUTHD_CARD_HELPER;
	o->card_timeout_ms = CARD_TIMEOUT_DEFAULT_S * 1000;
	o->fido2_timeout_ms = FIDO2_TIMEOUT_DEFAULT_S * 1000;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "debug") == 0)
			o->debug = 1;
		else if (strcmp(a, "use_first_pass") == 0)
			o->use_first_pass = 1;
		else if (strcmp(a, "try_first_pass") == 0)
			o->try_first_pass = 1;
		else if (strncmp(a, "socket=", 7) == 0) {
			if (a[7] != '/')
				pam_syslog(pamh, LOG_WARNING,
				    "ignoring socket=%s: not an absolute path", a + 7);
			else
				o->socket_path = a + 7;
		} else if (strncmp(a, "timeout=", 8) == 0) {
			if ((secs = parse_seconds(a + 8)) == -1)
				pam_syslog(pamh, LOG_WARNING,
				    "ignoring timeout=%s: not 1..%d seconds",
				    a + 8, PAMAUTHD_MAX_TIMEOUT_S);
			else
				o->timeout_ms = secs * 1000;
		} else if (strncmp(a, "pkcs11_module=", 14) == 0) {
			if (a[14] != '/')
				pam_syslog(pamh, LOG_WARNING, "ignoring %s: "
				    "not an absolute path", a);
			else
				o->pkcs11_module = a + 14;
		} else if (strncmp(a, "card_helper=", 12) == 0) {
			if (a[12] != '/')
				pam_syslog(pamh, LOG_WARNING, "ignoring %s: "
				    "not an absolute path", a);
			else
				o->card_helper = a + 12;
		} else if (strncmp(a, "card_timeout=", 13) == 0) {
			if ((secs = parse_seconds(a + 13)) == -1)
				pam_syslog(pamh, LOG_WARNING,
				    "ignoring card_timeout=%s: not 1..%d seconds",
				    a + 13, PAMAUTHD_MAX_TIMEOUT_S);
			else
				o->card_timeout_ms = secs * 1000;
		} else if (strncmp(a, "fido2_device=", 13) == 0) {
			/* unix:/PATH is the test transport (fido2_dev.h) */
			if (a[13] != '/' && strncmp(a + 13, "unix:/", 6) != 0)
				pam_syslog(pamh, LOG_WARNING, "ignoring %s: "
				    "not /dev/... or unix:/PATH", a);
			else
				o->fido2_device = a + 13;
		} else if (strncmp(a, "fido2_timeout=", 14) == 0) {
			if ((secs = parse_seconds(a + 14)) == -1)
				pam_syslog(pamh, LOG_WARNING,
				    "ignoring fido2_timeout=%s: not 1..%d seconds",
				    a + 14, PAMAUTHD_MAX_TIMEOUT_S);
			else
				o->fido2_timeout_ms = secs * 1000;
		} else
			pam_syslog(pamh, LOG_WARNING, "unknown option: %s", a);
	}
	/* use_first_pass is the stricter of the two. */
	if (o->use_first_pass)
		o->try_first_pass = 0;
}

void
pamauthd_debug(const struct pamauthd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->opts->debug)
		return;
	va_start(ap, fmt);
	pam_vsyslog(ctx->pamh, LOG_DEBUG, fmt, ap);
	va_end(ap);
}
