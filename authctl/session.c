/*
 * authctl session list: the sessions open on this host, read from the file
 * authd keeps them in (STATE_DIR/sessions, authd/session_store.h), so that
 * an administrator sees who is logged in through authd, with what, and when
 * each session ends, even while authd is stopped. Root only: the file is.
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authctl.h"
#include "authd/proc_kill.h"
#include "authd/session.h"
#include "authd/session_store.h"
#include "conn.h"
#include "value.h"

struct listing {
	const struct actl *a;
	int all;
	size_t shown;
};

static void
ms_local(long long ms, char *out, size_t outsz)
{
	if (ms <= 0)
		snprintf(out, outsz, "-");
	else
		actl_local_time((time_t)(ms / 1000), out, outsz);
}

static int
show_one(void *arg, const struct session *s)
{
	struct listing *l = arg;
	char opened[64], ends[64], user[256], service[128], tty[128], from[256];
	char state[96], factors[64];
	const char *why;
	long long end;

	if (s->ended && !l->all)
		return 0;
	end = session_deadline(s, l->a->conf.session_max, &why);
	ms_local(s->opened_ms, opened, sizeof(opened));
	ms_local(end, ends, sizeof(ends));
	snprintf(user, sizeof(user), "%s", s->user);
	snprintf(service, sizeof(service), "%s", s->service);
	snprintf(tty, sizeof(tty), "%s", s->tty[0] != '\0' ? s->tty : "-");
	snprintf(from, sizeof(from), "%s", s->rhost[0] != '\0' ? s->rhost : "-");
	snprintf(factors, sizeof(factors), "%s", s->factors[0] != '\0' ?
	    s->factors : "-");
	if (s->ended)
		snprintf(state, sizeof(state), "ended: %s", s->end_reason);
	else if (proc_start_time(s->pid) != s->leader_start)
		snprintf(state, sizeof(state), "open, its login program gone");
	else if (end > 0)
		snprintf(state, sizeof(state), "open, ends by %s", why);
	else
		snprintf(state, sizeof(state), "open");
	printf("%-8.8s %-12s %-12s %-10s %-18s %-16s %-16s %-14s %s\n", s->id,
	    actl_printable(user, sizeof(user)),
	    actl_printable(service, sizeof(service)),
	    actl_printable(tty, sizeof(tty)), actl_printable(from, sizeof(from)),
	    opened, ends, actl_printable(factors, sizeof(factors)),
	    actl_printable(state, sizeof(state)));
	l->shown++;
	return 0;
}

int
actl_session_list(struct actl *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct listing l;
	char path[PATH_MAX], err[PATH_MAX + 128];
	int ch, ret;

	memset(&l, 0, sizeof(l));
	l.a = a;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 'a')
			l.all = 1;
		else if (ch == 'h')
			return actl_help("session", "list");
		else
			return actl_usage("session", "list");
	}
	if (argc - optind != 0)
		return actl_usage("session", "list");
	if ((ret = actl_load_config(a)) != ACTL_OK)
		return ret;
	if (snprintf(path, sizeof(path), "%s/sessions", a->conf.state_dir) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "authctl: state_dir: path too long\n");
		return ACTL_FAIL;
	}
	printf("%-8s %-12s %-12s %-10s %-18s %-16s %-16s %-14s %s\n", "SESSION",
	    "USER", "SERVICE", "TTY", "FROM", "OPENED", "ENDS", "FACTORS",
	    "STATE");
	if (session_store_read(path, show_one, &l, err, sizeof(err)) != 0) {
		fprintf(stderr, "authctl: %s%s\n", err, strstr(err,
		    "Permission denied") != NULL ? " (the host's sessions are "
		    "root's)" : "");
		return ACTL_FAIL;
	}
	return ACTL_OK;
}
