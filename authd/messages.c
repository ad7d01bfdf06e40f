#include "config.h"

#include <stdio.h>
#include <time.h>

#include "messages.h"
#include "verifier.h"

void
msg_time(char *out, size_t outsz, time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, outsz, "%a %b %e %H:%M:%S %Y", &tm) == 0)
		snprintf(out, outsz, "%lld", (long long)t);
}

void
msg_last_login(char *out, size_t outsz, time_t t, const char *host,
    const char *service)
{
	char when[64];

	msg_time(when, sizeof(when), t);
	if (host[0] != '\0' && service[0] != '\0')
		snprintf(out, outsz, "Last login: %s from %s (%s)", when, host,
		    service);
	else if (host[0] != '\0')
		snprintf(out, outsz, "Last login: %s from %s", when, host);
	else
		snprintf(out, outsz, "Last login: %s", when);
}

void
msg_last_logout(char *out, size_t outsz, time_t t)
{
	char when[64];

	msg_time(when, sizeof(when), t);
	snprintf(out, outsz, "Last logout: %s", when);
}

void
msg_failures(char *out, size_t outsz, unsigned failures)
{
	snprintf(out, outsz,
	    "%u failed login attempt%s since your last successful login.",
	    failures, failures == 1 ? "" : "s");
}

void
msg_expires_in(char *out, size_t outsz, long seconds)
{
	long days = (seconds + 86399) / 86400;

	snprintf(out, outsz, "Your password expires in %ld day%s.", days,
	    days == 1 ? "" : "s");
}

/*
 * A change binds as the person once more, which takes a grace login of its
 * own: after the last one, the person can no longer change the password,
 * unless authd holds the connection of that last login for the change
 * (can_change, grace_hold.h).
 */
void
msg_grace(char *out, size_t outsz, int grace_left, int can_change)
{
	if (grace_left == 0 && can_change)
		snprintf(out, outsz, "Your password has expired and this was "
		    "its last grace login. Change it now.");
	else if (grace_left == 0)
		snprintf(out, outsz, "Your password has expired and this was its "
		    "last grace login: you can no longer change it. %s",
		    MSG_ASK_ADMIN_NEW);
	else
		snprintf(out, outsz, "Your password has expired; %d grace "
		    "login%s left. Change it now.", grace_left,
		    grace_left == 1 ? "" : "s");
}

void
msg_not_yet_valid(char *out, size_t outsz, time_t from)
{
	char when[64];

	msg_time(when, sizeof(when), from);
	snprintf(out, outsz, "Your account is not valid before %s.", when);
}

void
msg_no_longer_valid(char *out, size_t outsz, time_t until)
{
	char when[64];

	msg_time(when, sizeof(when), until);
	snprintf(out, outsz, "Your account expired on %s.", when);
}

void
msg_policy_unmet(char *out, size_t outsz, unsigned missing)
{
	char what[64];
	size_t n = 0;

	what[0] = '\0';
	if (missing & FACTOR_KNOWLEDGE)
		n += (size_t)snprintf(what + n, sizeof(what) - n, "knowledge");
	if (missing & FACTOR_POSSESSION)
		n += (size_t)snprintf(what + n, sizeof(what) - n, "%spossession",
		    n > 0 ? " or " : "");
	if (missing & FACTOR_INHERENCE)
		snprintf(what + n, sizeof(what) - n, "%sbiometric",
		    n > 0 ? " or " : "");
	snprintf(out, outsz, "This service needs %s (%s); none is enrolled for "
	    "you. Contact your administrator.", (missing & FACTOR_KNOWLEDGE) ?
	    "another kind of credential" : "a second factor", what);
}
