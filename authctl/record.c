/*
 * Every directory change authctl makes leaves a trace: a record in authd's
 * hash-chained audit log when the caller may append to it, else a line in
 * syslog (authd_audit_append sends to syslog itself). slapd's accesslog
 * keeps its own record of the change with the binding identity.
 */
#include "config.h"

#include <stdio.h>
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
	if ((r = authd_audit_open(path, host, "authctl", a->conf.audit_fsync,
	    &a->audit)) != AUTHD_OK) {
		fprintf(stderr, "authctl: cannot open the audit log %s: %s; "
		    "recording in syslog only\n", path, authd_strerror(r));
		a->audit = NULL;
	}
}

void
actl_record(struct actl *a, const char *event, const char *user,
    const char *result, const char *reason)
{
	struct authd_audit_event ev;
	char actor[1024], extra[1100];
	const char *tty;
	int r;

	if (!a->audit_tried)
		open_log(a);
	authd_audit_escape(a->actor != NULL ? a->actor : "unknown", actor,
	    sizeof(actor));
	snprintf(extra, sizeof(extra), " actor=%s", actor);
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
		fprintf(stderr, "authctl: cannot append to the audit log %s: %s\n",
		    a->conf.audit_log, authd_strerror(r));
	}
	authd_syslog(LOG_NOTICE, "event=%s user=%s uid=%lu result=%s reason=%s actor=%s",
	    event, user, (unsigned long)getuid(), result,
	    reason != NULL ? reason : "", a->actor != NULL ? a->actor : "unknown");
}

void
actl_record_close(struct actl *a)
{
	if (a->audit != NULL)
		authd_audit_close(&a->audit);
}
