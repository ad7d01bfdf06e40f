/* authctl audit verify FILE: check the hash chain of an audit log. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "authctl.h"
#include "err.h"

/* The library may already say "FILE: " or "line L: "; we say it once. */
static const char *
strip_prefix(const char *why, const char *path, size_t line)
{
	char prefix[64];
	size_t len = strlen(path);

	if (strncmp(why, path, len) == 0 && strncmp(why + len, ": ", 2) == 0)
		why += len + 2;
	snprintf(prefix, sizeof(prefix), "line %zu: ", line);
	if (strncmp(why, prefix, strlen(prefix)) == 0)
		why += strlen(prefix);
	return why;
}

int
actl_audit_verify(struct actl *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char why[512];
	const char *explain;
	size_t records = 0, bad_line = 0, torn_line = 0;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'h')
			return actl_help("audit", "verify");
		return actl_usage("audit", "verify");
	}
	if (argc - optind != 1)
		return actl_usage("audit", "verify");
	why[0] = '\0';
	r = authd_audit_verify(argv[optind], &records, &bad_line, &torn_line, why,
	    sizeof(why));
	if (r == AUTHD_OK && torn_line > 0) {
		printf("%s: %zu records, chain intact; line %zu: %s\n", argv[optind],
		    records, torn_line, strip_prefix(why, argv[optind], torn_line));
		return ACTL_OK;
	}
	if (r == AUTHD_OK) {
		printf("%s: %zu records, chain intact\n", argv[optind], records);
		return ACTL_OK;
	}
	explain = strip_prefix(why, argv[optind], bad_line);
	if (*explain == '\0')
		explain = authd_strerror(r);
	if (bad_line > 0)
		printf("%s: line %zu: %s\n", argv[optind], bad_line, explain);
	else
		printf("%s: %s\n", argv[optind], explain);
	return ACTL_FAIL;
}
