/*
 * Session deadlines (see deadline.h).
 *
 * Deadlines are wall-clock moments (a grant ends at a GeneralizedTime);
 * the loop's timer runs on the monotonic clock, so each arming converts
 * "deadline - now" into a delay and every expiry re-reads the wall clock:
 * a clock that jumps only moves the next check, never skips one.
 *
 * One timer for all sessions: at each expiry every session is looked at
 * (warn, end, or note when it is next due) and the timer is armed at the
 * earliest of these. A scan of the registry costs microseconds next to
 * ending a session; no per-session timer has to follow the registry's
 * copies and removals.
 *
 * Idle: the atime of the session's tty is when it last had input. Linux
 * updates a tty's times only when they change by 8 s or more (so that
 * keystroke timing does not leak), so idleness is known to within 8 s.
 * A session whose PAM_TTY is no tty device of its user (an ssh command
 * without a pty, an X display) has no idle limit.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "deadline.h"
#include "err.h"
#include "grant_view.h"
#include "log.h"
#include "loop.h"
#include "mailbox.h"
#include "proto.h"
#include "revoke.h"
#include "server.h"
#include "session.h"

#define NEVER LLONG_MAX

struct grant_event {
	struct mailbox_item item;  /* first */
	char dn[512];
	int standing;
	int approved;              /* it may have been approved: look */
	time_t until;
	char why[64];
};

struct deadline {
	struct server *srv;
	struct mailbox events;     /* grant changes from the grants search */
	struct loop_timer timer;
};

long long
deadline_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
all_digits(const char *p)
{
	size_t n;

	for (n = 0; p[n] != '\0'; n++)
		if (!isdigit((unsigned char)p[n]))
			return 0;
	return n > 0 && n <= 6;
}

int
deadline_tty_path(const char *tty, char *path, size_t pathsz)
{
	const char *name = tty;

	if (tty == NULL)
		return -1;
	if (strncmp(name, "/dev/", 5) == 0)
		name += 5;
	/* a terminal of a login: /dev/pts/N or a virtual console /dev/ttyN */
	if (!(strncmp(name, "pts/", 4) == 0 && all_digits(name + 4)) &&
	    !(strncmp(name, "tty", 3) == 0 && all_digits(name + 3)))
		return -1;
	if ((size_t)snprintf(path, pathsz, "/dev/%s", name) >= pathsz)
		return -1;
	return 0;
}

/* A tty that belongs to the session's user; its last input in ms. */
static int
session_tty(const struct session *s, char *path, size_t pathsz,
    long long *atime_ms_r)
{
	struct stat st;

	if (s->uid_number < 0 || deadline_tty_path(s->tty, path, pathsz) != 0 ||
	    stat(path, &st) != 0 || !S_ISCHR(st.st_mode) ||
	    st.st_uid != (uid_t)s->uid_number)
		return -1;
	if (atime_ms_r != NULL)
		*atime_ms_r = (long long)st.st_atim.tv_sec * 1000 +
		    st.st_atim.tv_nsec / 1000000;
	return 0;
}

static void
record(struct deadline *d, const struct session *s, const char *event,
    const char *reason)
{
	auth_audit_session(d->srv, s, event, reason);
}

/*
 * One line on the session's terminal. Opened without blocking and without
 * becoming authd's controlling tty; checked on the device opened (the
 * user's), so a tty that changed hands is skipped. A full tty buffer loses
 * the line rather than stall the loop. Each warning, given or not, is a
 * session_warn record that says which.
 */
static void
warn_tty(struct deadline *d, const struct session *s, long long end_ms,
    long long now, const char *why)
{
	char path[64], line[256], at[16], cause[96], reason[256];
	struct stat st;
	struct tm tm;
	time_t end = (time_t)(end_ms / 1000);
	long long secs = (end_ms - now + 999) / 1000;
	ssize_t n;
	int fd, len;

	/* a warning not given is recorded too: whether the person was warned
	 * before the end is the record's to tell */
	if (s->uid_number < 0 || s->tty[0] == '\0' ||
	    deadline_tty_path(s->tty, path, sizeof(path)) != 0) {
		snprintf(reason, sizeof(reason), "%s: the session ends in %lld "
		    "s; not warned (no terminal)", why, secs);
		authd_log(LOG_INFO, "%s: %s", s->user, reason);
		record(d, s, "session_warn", reason);
		return;
	}
	cause[0] = '\0';
	/* run as an account, authd writes to a terminal through group tty,
	 * which `mesg n` takes away */
	if ((fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		snprintf(cause, sizeof(cause), "%s", strerror(errno));
	else if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode))
		snprintf(cause, sizeof(cause), "not a terminal");
	else if (st.st_uid != (uid_t)s->uid_number)
		/* given to someone else since (its number reused) */
		snprintf(cause, sizeof(cause), "the terminal now belongs to "
		    "uid %ld", (long)st.st_uid);
	if (cause[0] != '\0') {
		if (fd != -1)
			close(fd);
		snprintf(reason, sizeof(reason), "%s: the session ends in %lld "
		    "s; %s not warned (%s)", why, secs, path, cause);
		authd_log(LOG_NOTICE, "%s: %s", s->user, reason);
		record(d, s, "session_warn", reason);
		return;
	}
	localtime_r(&end, &tm);
	strftime(at, sizeof(at), "%H:%M:%S", &tm);
	len = snprintf(line, sizeof(line), "\r\n*** authd: this session ends "
	    "in %lld s, at %s (%s). Save your work. ***\r\n", secs, at, why);
	n = write(fd, line, (size_t)len);
	close(fd);
	snprintf(reason, sizeof(reason), "%s: the session ends in %lld s; "
	    "%s warned%s", why, secs, path, n == len ? "" : " (not written)");
	authd_log(LOG_INFO, "%s: %s", s->user, reason);
	record(d, s, "session_warn", reason);
}

static void
set_deadline(const struct deadline *d, struct session *s)
{
	const char *why;

	s->deadline_ms = session_deadline(s, d->srv->conf->session_max, &why);
	snprintf(s->deadline_reason, sizeof(s->deadline_reason), "%s", why);
}

/*
 * s rests on an emergency grant not approved at its login, and the view
 * now sees it approved (its state, and an approval child only the role's
 * approvers may add, ldap_schema/README.md): its deadline for approval no
 * longer ends it. 1 when lifted (the caller sets the deadline again).
 */
static int
emergency_approved(struct deadline *d, struct session *s, int approved)
{
	if (!approved || s->emergency_until == 0)
		return 0;
	s->emergency_until = 0;
	session_changed(d->srv->sessions, s);
	authd_log(LOG_NOTICE, "session %s of %s: emergency grant %s approved; "
	    "its normal end applies", s->id, s->user, s->grant_dn);
	return 1;
}

struct scan {
	struct deadline *d;
	long long now;
	long long next;
};

static void
check_one(struct session *s, void *arg)
{
	struct scan *sc = arg;
	const struct authd_conf *conf = sc->d->srv->conf;
	long long warn_ms = (long long)conf->session_warn * 1000, at, idle_end;
	long long atime_ms;
	char path[64];

	if (s->ended)
		return;
	if (s->deadline_ms > 0) {
		if (sc->now >= s->deadline_ms) {
			revoke_end_session(sc->d->srv->revoke, s,
			    s->deadline_reason);
			return;
		}
		at = s->deadline_ms - warn_ms;
		if (warn_ms > 0 && s->warned_for != s->deadline_ms) {
			if (sc->now >= at) {
				warn_tty(sc->d, s, s->deadline_ms, sc->now,
				    s->deadline_reason);
				s->warned_for = s->deadline_ms;
			} else if (at < sc->next)
				sc->next = at;
		}
		if (s->deadline_ms < sc->next)
			sc->next = s->deadline_ms;
	}
	if (conf->session_idle <= 0 ||
	    session_tty(s, path, sizeof(path), &atime_ms) != 0)
		return;
	idle_end = (atime_ms > s->opened_ms ? atime_ms : s->opened_ms) +
	    (long long)conf->session_idle * 1000;
	if (sc->now >= idle_end) {
		revoke_end_session(sc->d->srv->revoke, s, "idle");
		return;
	}
	/* a warning only when there is time between it and the end */
	if (warn_ms > 0 && warn_ms < (long long)conf->session_idle * 1000 &&
	    s->idle_warned_for != idle_end) {
		at = idle_end - warn_ms;
		if (sc->now >= at) {
			warn_tty(sc->d, s, idle_end, sc->now, "idle");
			s->idle_warned_for = idle_end;
		} else if (at < sc->next)
			sc->next = at;
	}
	if (idle_end < sc->next)
		sc->next = idle_end;
}

/* The timer at sc->next; only_sooner: unless it is due sooner already. */
static void
arm(struct deadline *d, const struct scan *sc, int only_sooner)
{
	uint64_t in = sc->next > sc->now ? (uint64_t)(sc->next - sc->now) : 0;

	if (sc->next == NEVER || (only_sooner && d->timer.slot !=
	    LOOP_TIMER_IDLE && d->timer.when <= loop_now_ms() + in))
		return;
	if (loop_timer_after(d->srv->loop, &d->timer, in) != AUTHD_OK)
		authd_log(LOG_ERR, "session deadlines: cannot arm the timer");
}

/* Warn and end what is due; arm the timer at what is due next. */
static void
check_all(struct deadline *d)
{
	struct scan sc;

	sc.d = d;
	sc.now = deadline_now_ms();
	sc.next = NEVER;
	session_foreach(d->srv->sessions, check_one, &sc);
	if (sc.next == NEVER) {
		loop_timer_cancel(d->srv->loop, &d->timer);
		return;
	}
	arm(d, &sc, 0);
}

static void
on_timer(struct loop_timer *t)
{
	check_all(t->arg);
}

void
deadline_session_opened(struct deadline *d, struct session *s)
{
	struct scan sc;
	int standing, approved;
	time_t until;

	if (d == NULL || s == NULL)
		return;
	/* what the grant view saw since the login counts too */
	if (s->grant_dn[0] != '\0' && grant_view_lookup(d->srv->grant_view,
	    s->grant_dn, &standing, &approved, &until) == GRANT_VIEW_FOUND) {
		if (!standing) {
			revoke_end_session(d->srv->revoke, s,
			    "grant withdrawn since the login");
			return;
		}
		if (until > 0 && (s->grant_until == 0 || until < s->grant_until)) {
			s->grant_until = until;
			session_changed(d->srv->sessions, s);
		}
		(void)emergency_approved(d, s, approved);
	}
	set_deadline(d, s);
	if (s->deadline_ms > 0)
		authd_log(LOG_INFO, "session %s of %s ends at the latest in "
		    "%lld s (%s)", s->id, s->user,
		    (s->deadline_ms - s->opened_ms) / 1000, s->deadline_reason);
	/* this one alone: the others' times are where the timer is */
	sc.d = d;
	sc.now = deadline_now_ms();
	sc.next = NEVER;
	check_one(s, &sc);
	arm(d, &sc, 1);
}

void
deadline_grant_changed(void *arg, const char *dn, int standing, int approved,
    time_t until, const char *why)
{
	struct deadline *d = arg;
	struct grant_event *ev;

	if ((ev = calloc(1, sizeof(*ev))) == NULL) {
		authd_log(LOG_ERR, "session deadlines: out of memory; sessions "
		    "of grant %s not changed", dn);
		return;
	}
	snprintf(ev->dn, sizeof(ev->dn), "%s", dn);
	ev->standing = standing;
	ev->approved = approved;
	ev->until = until;
	snprintf(ev->why, sizeof(ev->why), "%s", why);
	mailbox_post(&d->events, &ev->item);
}

struct grant_match {
	struct deadline *d;
	const struct grant_event *ev;
	size_t n;
};

static void
grant_one(struct session *s, void *arg)
{
	struct grant_match *m = arg;
	const struct grant_event *ev = m->ev;
	int standing, approved;
	time_t until;

	if (s->ended || s->grant_dn[0] == '\0' ||
	    strcasecmp(s->grant_dn, ev->dn) != 0)
		return;
	m->n++;
	if (!ev->standing) {
		revoke_end_session(m->d->srv->revoke, s, ev->why);
		return;
	}
	/* the event says where to look; the view says whether both the state
	 * and an approval are there by now */
	if (ev->approved && s->emergency_until != 0) {
		if (grant_view_lookup(m->d->srv->grant_view, s->grant_dn,
		    &standing, &approved, &until) == GRANT_VIEW_FOUND &&
		    emergency_approved(m->d, s, standing && approved))
			set_deadline(m->d, s);
		return;
	}
	/* a grant made shorter shortens; a longer one does not lengthen */
	if (ev->until > 0 && (s->grant_until == 0 || ev->until < s->grant_until)) {
		s->grant_until = ev->until;
		session_changed(m->d->srv->sessions, s);
		set_deadline(m->d, s);
		authd_log(LOG_NOTICE, "session %s of %s: grant %s shortened; it "
		    "ends in %lld s", s->id, s->user, ev->dn,
		    (s->deadline_ms - deadline_now_ms()) / 1000);
	}
}

static void
deliver(struct mailbox *mb, struct mailbox_item *items)
{
	struct deadline *d = mb->arg;
	struct mailbox_item *next;
	struct grant_match m;

	for (; items != NULL; items = next) {
		struct grant_event *ev = (struct grant_event *)items;

		next = items->next;
		memset(&m, 0, sizeof(m));
		m.d = d;
		m.ev = ev;
		session_foreach(d->srv->sessions, grant_one, &m);
		if (m.n > 0)
			authd_log(LOG_INFO, "grant %s: %s; %zu session%s", ev->dn,
			    ev->why, m.n,
			    m.n == 1 ? "" : "s");
		free(ev);
	}
	check_all(d);
}

int
deadline_new(struct server *srv, struct deadline **d_r)
{
	struct deadline *d;

	*d_r = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return AUTHD_ERR_NOMEM;
	d->srv = srv;
	loop_timer_init(&d->timer, on_timer, d);
	if (mailbox_init(&d->events, srv->loop, "session deadlines", deliver, d) !=
	    AUTHD_OK) {
		free(d);
		return AUTHD_ERR_IO;
	}
	*d_r = d;
	return AUTHD_OK;
}

void
deadline_free(struct deadline **dp)
{
	struct deadline *d;
	struct mailbox_item *ev, *next;

	if (dp == NULL || (d = *dp) == NULL)
		return;
	if (d->srv->loop != NULL)
		loop_timer_cancel(d->srv->loop, &d->timer);
	for (ev = mailbox_fini(&d->events, d->srv->loop); ev != NULL; ev = next) {
		next = ev->next;
		free(ev);
	}
	free(d);
	*dp = NULL;
}
