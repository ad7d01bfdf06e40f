#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schema.h"
#include "value.h"

const char *const actl_states[] = {
	AUTHD_STATE_ACTIVE, AUTHD_STATE_SUSPENDED, AUTHD_STATE_DISABLED,
	AUTHD_STATE_PENDING_DEL, NULL
};

const char *const actl_types[] = {
	"regular", "privileged", "shared", "development", "contractor",
	"service", NULL
};

int
actl_valid_uid(const char *uid)
{
	size_t i, len;

	if (uid == NULL || (len = strlen(uid)) == 0 || len > 32)
		return 0;
	if (!((uid[0] >= 'a' && uid[0] <= 'z') || uid[0] == '_'))
		return 0;
	for (i = 1; i < len; i++) {
		unsigned char c = (unsigned char)uid[i];

		/* ASCII only: islower() may accept more in some locales */
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

int
actl_parse_long(const char *s, long min, long max, long *v_r)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || !(isdigit((unsigned char)*s) || *s == '-'))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*v_r = v;
	return 0;
}

int
actl_date_to_gtime(const char *date, int end_of_day, char *out, size_t outsz)
{
	struct tm tm, check, utc;
	const char *end;
	time_t t;

	if (strlen(date) != 10)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(date, "%Y-%m-%d", &tm)) == NULL || *end != '\0')
		return -1;
	if (end_of_day) {
		tm.tm_hour = 23;
		tm.tm_min = 59;
		tm.tm_sec = 59;
	}
	tm.tm_isdst = -1;
	check = tm;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	/* mktime() normalises 2024-02-30 to March: refuse such dates */
	if (tm.tm_mday != check.tm_mday || tm.tm_mon != check.tm_mon ||
	    tm.tm_year != check.tm_year)
		return -1;
	if (gmtime_r(&t, &utc) == NULL ||
	    strftime(out, outsz, "%Y%m%d%H%M%SZ", &utc) == 0)
		return -1;
	return 0;
}

int
actl_is_gtime(const char *g)
{
	size_t i;

	for (i = 0; i < 14; i++)
		if (!isdigit((unsigned char)g[i]))
			return 0;
	if (g[i] == '.') {
		if (!isdigit((unsigned char)g[++i]))
			return 0;
		while (isdigit((unsigned char)g[i]))
			i++;
	}
	return g[i] == 'Z' && g[i + 1] == '\0';
}

int
actl_gtime_parse(const char *g, time_t *t_r)
{
	struct tm tm;
	const char *end;

	if (!actl_is_gtime(g))
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(g, "%Y%m%d%H%M%S", &tm)) == NULL)
		return -1;
	*t_r = timegm(&tm);
	return 0;
}

char *
actl_local_time(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, outsz, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		snprintf(out, outsz, "%lld", (long long)t);
	return out;
}

int
actl_in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

char *
actl_list_join(const char *const *list, char *out, size_t outsz)
{
	size_t len = 0;

	out[0] = '\0';
	for (; *list != NULL && len < outsz; list++)
		len += (size_t)snprintf(out + len, outsz - len, "%s%s",
		    len > 0 ? "|" : "", *list);
	return out;
}
