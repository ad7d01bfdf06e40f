/*
 * Every directory change authctl makes leaves a trace: a record in authd's
 * hash-chained audit log when the caller may append to it, else a line in
 * syslog (authd_audit_append sends to syslog itself). A record that log
 * does not take goes to syslog as well, and the command exits
 * ACTL_UNRECORDED. slapd's accesslog keeps its own record of the change
 * with the binding identity.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "audit.h"
#include "authctl.h"
#include "err.h"
#include "log.h"

static void
open_log(struct actl *a)
{
	char host[256];
	const char *path = a->conf.audit_log;
	int r;

	a->audit_tried = 1;
	/* only an existing file we may write: never create a log of our own */
	if (path == NULL || access(path, W_OK) != 0)
		return;
	if (a->conf.host_name != NULL)
		snprintf(host, sizeof(host), "%s", a->conf.host_name);
	else if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	/* authd's log or none: never a new file (one rotated away meanwhile) */
	if ((r = authd_audit_open(path, host, "authctl", AUTHD_AUDIT_EXISTING |
	    (a->conf.audit_fsync ? AUTHD_AUDIT_FSYNC : 0), &a->audit)) != AUTHD_OK) {
		fprintf(stderr, "authctl: cannot open the audit log %s: %s; "
		    "recording in syslog only\n", path, authd_strerror(r));
		a->audit = NULL;
		a->audit_failed = 1;
	}
}

/*
 * Who is behind a root authctl, as far as the system says: the login uid
 * the kernel keeps from the login (pam_loginuid; unset is 4294967295), and
 * sudo's SUDO_USER. Neither is proof against root, who may set both; they
 * say who logged in and ran sudo when nobody forged them. " key=value"
 * pairs (escaped), or "".
 */
static void
behind_root(char *out, size_t outsz)
{
	char buf[32], esc[400];
	const char *sudo_user;
	unsigned long luid;
	ssize_t n;
	int fd;

	out[0] = '\0';
	if (getuid() != 0)
		return;
	if ((fd = open("/proc/self/loginuid", O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			luid = strtoul(buf, NULL, 10);
			if (luid != 4294967295UL)
				snprintf(out, outsz, " loginuid=%lu", luid);
		}
	}
	if ((sudo_user = getenv("SUDO_USER")) != NULL && *sudo_user != '\0')
		snprintf(out + strlen(out), outsz - strlen(out), " sudo_user=%s",
		    authd_audit_escape(sudo_user, esc, sizeof(esc)));
}

void
actl_record(struct actl *a, const char *event, const char *user,
    const char *result, const char *reason)
{
	struct authd_audit_event ev;
	char actor[1024], behind[480], extra[1600];
	char event_esc[128], user_esc[1024], result_esc[64], reason_esc[4096];
	const char *tty;
	int r;

	if (!a->audit_tried)
		open_log(a);
	authd_audit_escape(a->actor != NULL ? a->actor : "unknown", actor,
	    sizeof(actor));
	behind_root(behind, sizeof(behind));
	snprintf(extra, sizeof(extra), " actor=%s%s", actor, behind);
	if (a->audit != NULL) {
		memset(&ev, 0, sizeof(ev));
		tty = ttyname(STDIN_FILENO);
		ev.event = event;
		ev.user = user;
		ev.service = "authctl";
		ev.tty = tty != NULL ? tty : "";
		ev.rhost = "";
		ev.peer_uid = getuid();
		ev.peer_pid = getpid();
		ev.result = result;
		ev.reason = reason != NULL ? reason : "";
		ev.extra = extra;
		if ((r = authd_audit_append(a->audit, &ev)) == AUTHD_OK)
			return;
		fprintf(stderr, "authctl: cannot append to the audit log %s: %s; "
		    "recording in syslog only\n", a->conf.audit_log,
		    authd_strerror(r));
		a->audit_failed = 1;
	}
	/* escaped as in the audit log: a value cannot add a field of its own */
	authd_syslog(LOG_NOTICE, "event=%s user=%s uid=%lu result=%s reason=%s actor=%s%s",
	    authd_audit_escape(event, event_esc, sizeof(event_esc)),
	    authd_audit_escape(user, user_esc, sizeof(user_esc)),
	    (unsigned long)getuid(),
	    authd_audit_escape(result, result_esc, sizeof(result_esc)),
	    authd_audit_escape(reason != NULL ? reason : "", reason_esc,
	    sizeof(reason_esc)), actor, behind);
}

int
actl_record_status(const struct actl *a, int ret)
{
	if (!a->audit_failed || ret != ACTL_OK)
		return ret;
	fprintf(stderr, "authctl: done in the directory, but its record is "
	    "missing from the audit log %s (sent to syslog only); exit status %d\n",
	    a->conf.audit_log, ACTL_UNRECORDED);
	return ACTL_UNRECORDED;
}

void
actl_record_close(struct actl *a)
{
	if (a->audit != NULL)
		authd_audit_close(&a->audit);
}
