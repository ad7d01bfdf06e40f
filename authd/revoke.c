/*
 * Ending sessions when what they depend on is revoked (see revoke.h).
 *
 * The searches' threads never touch the registry: they post an event to
 * the loop's mailbox. The loop ends each matching session at
 * once: SIGHUP to its processes (a shell passes it on to its jobs and
 * exits), then, REVOKE_KILL_GRACE_MS later, SIGKILL to whatever of the
 * session is still there, including processes started in the meantime.
 */
#include "config.h"


#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "card_view.h"
#include "deadline.h"
#include "err.h"
#include "grant_view.h"
#include "log.h"
#include "loop.h"
#include "mailbox.h"
#include "proc_kill.h"
#include "proto.h"
#include "revoke.h"
#include "schema.h"
#include "server.h"
#include "session.h"
#include "view.h"

enum revoke_kind { REVOKE_CARD = 1, REVOKE_ACCOUNT = 2 };

struct revoke_event {
	struct mailbox_item item;  /* first */
	enum revoke_kind kind;
	char key[512];             /* card fingerprint, or the person's DN */
	char reason[64];           /* "card lost", "account disabled" */
	char what[160];            /* "card:1003" */
};

/* A session whose processes get SIGKILL when its grace is over. */
struct pending_kill {
	struct pending_kill *next;
	uint64_t due;              /* loop_now_ms() */
	pid_t leader;
	unsigned long long leader_start;
	unsigned audit_session;
	int leader_known;          /* held its pid when the end began */
	size_t n;
	struct proc_target t[];
};

/*
 * Scans of a session's processes at the SIGKILL, each killing what it
 * finds, until one finds none: a process that forks and lets its parent
 * exit is gone from one scan's list before it is signalled, its child is
 * found by the next. Killed processes fork no more.
 */
#define REVOKE_KILL_SCANS 16

struct revoke {
	struct server *srv;
	struct mailbox events;     /* from the searches' threads */
	struct loop_timer kill_timer;
	struct pending_kill *pending;
	struct loop_timer restored_timer;   /* sessions read back at start */
	struct loop_timer gone_timer;       /* revoke_sweep */
};

/* How often sessions read back at start are checked until the views can
 * say what became of their card, account and grant meanwhile. */
#define REVOKE_RESTORED_CHECK_MS 500

/* How often sessions are checked for a login program gone without closing
 * them (a stat of /proc/PID each, a scan of /proc for the gone ones). */
#define REVOKE_GONE_CHECK_MS 10000

static void
post(struct revoke *r, enum revoke_kind kind, const char *key,
    const char *reason, const char *what)
{
	struct revoke_event *ev;

	if ((ev = calloc(1, sizeof(*ev))) == NULL) {
		authd_log(LOG_ERR, "revoke: out of memory; sessions of %s not "
		    "ended", key);
		return;
	}
	ev->kind = kind;
	snprintf(ev->key, sizeof(ev->key), "%s", key);
	snprintf(ev->reason, sizeof(ev->reason), "%s", reason);
	snprintf(ev->what, sizeof(ev->what), "%s", what);
	mailbox_post(&r->events, &ev->item);
}

void
revoke_card_changed(void *arg, const struct card_status *old,
    const struct card_status *now)
{
	char reason[64], what[160];

	snprintf(reason, sizeof(reason), "card %s", now == NULL ? "deleted" :
	    now->state[0] != '\0' ? now->state : "without a state");
	snprintf(what, sizeof(what), "card:%s", old->serial);
	authd_log(LOG_NOTICE, "card %s (%s) is no longer active: %s",
	    old->serial, old->dn, reason);
	post(arg, REVOKE_CARD, old->fpr, reason, what);
}

void
revoke_account_changed(void *arg, const char *dn, const char *state)
{
	char reason[64];

	snprintf(reason, sizeof(reason), "account %s", state);
	authd_log(LOG_NOTICE, "%s: %s", dn, reason);
	post(arg, REVOKE_ACCOUNT, dn, reason, "");
}

static void
arm_kill_timer(struct revoke *r)
{
	struct pending_kill *pk;
	uint64_t first = UINT64_MAX, now = loop_now_ms();

	for (pk = r->pending; pk != NULL; pk = pk->next)
		if (pk->due < first)
			first = pk->due;
	if (first != UINT64_MAX && loop_timer_after(r->srv->loop,
	    &r->kill_timer, first > now ? first - now : 0) != AUTHD_OK)
		authd_log(LOG_ERR, "revoke: cannot arm the SIGKILL timer");
}

/*
 * s's processes get SIGKILL after the grace: the n of t (those sent the
 * SIGHUP; none when they could not be listed) and whatever of the session
 * is there then.
 */
static void
schedule_kill(struct revoke *r, const struct session *s,
    const struct proc_target *t, size_t n, int leader_known)
{
	struct pending_kill *pk;

	if ((pk = calloc(1, sizeof(*pk) + n * sizeof(*t))) == NULL) {
		/* no memory for the grace: no grace */
		(void)proc_signal(t, n, SIGKILL);
		return;
	}
	pk->due = loop_now_ms() + REVOKE_KILL_GRACE_MS;
	pk->leader = s->pid;
	pk->leader_start = s->leader_start;
	pk->audit_session = s->audit_session;
	pk->leader_known = leader_known;
	pk->n = n;
	if (n > 0)
		memcpy(pk->t, t, n * sizeof(*t));
	pk->next = r->pending;
	r->pending = pk;
	arm_kill_timer(r);
}

/* SIGKILL to the session's processes, scan after scan (REVOKE_KILL_SCANS);
 * now has room for PROC_KILL_MAX. How many were killed. */
static size_t
kill_session(const struct pending_kill *pk, struct proc_target *now,
    int *left_r)
{
	size_t killed = 0;
	int scan, n = 0;

	for (scan = 0; scan < REVOKE_KILL_SCANS; scan++) {
		/* the groups first: at once, forks and all (the leader's too:
		 * what forks faster than a scan is never in its list) */
		n = proc_session_members(pk->leader, pk->leader_start,
		    pk->audit_session, pk->leader_known, now, PROC_KILL_MAX);
		if (proc_signal_groups(now, n > 0 ? (size_t)n : 0, pk->leader,
		    pk->leader_start, pk->leader_known, SIGKILL) == 0 && n <= 0)
			break;
		if (n <= 0)
			continue;
		killed += proc_signal(now, (size_t)n, SIGKILL);
	}
	*left_r = n;
	return killed;
}

static void
on_kill_timer(struct loop_timer *t)
{
	struct revoke *r = t->arg;
	struct pending_kill *pk, **pp;
	struct proc_target *now;
	uint64_t at = loop_now_ms();
	size_t killed;
	int left;

	now = calloc(PROC_KILL_MAX, sizeof(*now));
	for (pp = &r->pending; (pk = *pp) != NULL;) {
		if (pk->due > at) {
			pp = &pk->next;
			continue;
		}
		*pp = pk->next;
		killed = proc_signal(pk->t, pk->n, SIGKILL);
		left = 0;
		/* and what the session started since the SIGHUP */
		if (now != NULL)
			killed += kill_session(pk, now, &left);
		if (killed > 0)
			authd_log(LOG_NOTICE, "session of pid %ld: %zu process%s "
			    "killed after the grace", (long)pk->leader, killed,
			    killed == 1 ? "" : "es");
		if (now == NULL || left != 0)
			authd_log(LOG_ERR, "session of pid %ld: %s", (long)pk->leader,
			    left > 0 ? "processes still there after the last "
			    "SIGKILL" : "its processes cannot be listed");
		free(pk);
	}
	free(now);
	arm_kill_timer(r);
}

/* Loop thread: end s (see revoke.h); t has room for PROC_KILL_MAX, or NULL. */
static void
end_session(struct revoke *r, struct session *s, const char *why,
    struct proc_target *t)
{
	char reason[512];
	size_t hup = 0;
	int n, known;

	s->ended = 1;
	s->ended_at = time(NULL);
	s->restored = 0;
	snprintf(s->end_reason, sizeof(s->end_reason), "%s", why);
	session_changed(r->srv->sessions, s);
	/* before the SIGHUP, which may end it */
	known = proc_leader_here(s->pid, s->leader_start, 0);
	n = t != NULL ? proc_session_members(s->pid, s->leader_start,
	    s->audit_session, 0, t, PROC_KILL_MAX) : -1;
	if (n > 0) {
		hup = proc_signal(t, (size_t)n, SIGHUP);
		/* stopped processes act on SIGHUP only once continued */
		(void)proc_signal(t, (size_t)n, SIGCONT);
	}
	/* could not list them (no memory, /proc): tried again at the SIGKILL */
	if (n != 0)
		schedule_kill(r, s, t, n > 0 ? (size_t)n : 0, known);
	snprintf(reason, sizeof(reason), "%s%s%s: session %s of pid %ld ended, "
	    "%zu process%s signalled%s", why, s->credential[0] != '\0' ?
	    " " : "", s->credential, s->id, (long)s->pid, hup,
	    hup == 1 ? "" : "es", n < 0 ? " (its processes could not be "
	    "listed: listed again at the SIGKILL)" : "");
	authd_log(LOG_NOTICE, "%s: %s", s->user, reason);
	auth_audit_session(r->srv, s, "session_end", reason);
}

void
revoke_end_session(struct revoke *r, struct session *s, const char *why)
{
	struct proc_target *t;

	if (s->ended)
		return;
	t = calloc(PROC_KILL_MAX, sizeof(*t));
	end_session(r, s, why, t);
	free(t);
}

struct match {
	struct revoke *r;
	const struct revoke_event *ev;
	struct proc_target *t;
	size_t ended;
};

static void
end_one(struct session *s, void *arg)
{
	struct match *m = arg;
	const struct revoke_event *ev = m->ev;

	if (s->ended)
		return;
	if (ev->kind == REVOKE_CARD ? strcmp(s->card_fpr, ev->key) != 0 :
	    strcasecmp(s->dn, ev->key) != 0)
		return;
	end_session(m->r, s, ev->reason, m->t);
	m->ended++;
}

static void
handle(struct revoke *r, const struct revoke_event *ev)
{
	struct match m;

	memset(&m, 0, sizeof(m));
	m.r = r;
	m.ev = ev;
	m.t = calloc(PROC_KILL_MAX, sizeof(*m.t));
	session_foreach(r->srv->sessions, end_one, &m);
	free(m.t);
	if (m.ended > 0)
		authd_log(LOG_INFO, "%s%s%s: %zu session%s ended", ev->reason,
		    ev->what[0] != '\0' ? " " : "", ev->what, m.ended,
		    m.ended == 1 ? "" : "s");
}

static void
deliver(struct mailbox *mb, struct mailbox_item *items)
{
	struct revoke *r = mb->arg;
	struct mailbox_item *next;

	for (; items != NULL; items = next) {
		next = items->next;
		handle(r, (struct revoke_event *)items);
		free(items);
	}
}

int
revoke_account_usable(const char *state)
{
	return strcmp(state, AUTHD_STATE_SUSPENDED) != 0 &&
	    strcmp(state, AUTHD_STATE_DISABLED) != 0 &&
	    strcmp(state, AUTHD_STATE_PENDING_DEL) != 0;
}

/*
 * A session read back at start (session_store.h): what it rests on may
 * have been revoked, deleted or shortened while authd was not running, and
 * no change event will say so. 1 while a view cannot say yet, 0 when it
 * stands, -1 (why filled) when it must end.
 */
static int
restored_verdict(struct server *srv, struct session *s, char *why,
    size_t whylen)
{
	struct card_status cs;
	struct dir_account acct;
	time_t until;
	int standing, approved, unsure = 0;

	if (s->card_fpr[0] != '\0' && srv->card_view != NULL) {
		switch (card_view_lookup(srv->card_view, s->card_fpr, &cs)) {
		case CARD_VIEW_FOUND:
			if (strcmp(cs.state, AUTHD_CARD_ACTIVE) != 0) {
				snprintf(why, whylen, "card %s since the login",
				    cs.state);
				return -1;
			}
			break;
		case CARD_VIEW_NOT_FOUND:
			snprintf(why, whylen, "card deleted since the login");
			return -1;
		default:
			unsure = 1;
		}
	}
	if (s->dn[0] != '\0' && srv->view != NULL) {
		switch (view_account_lookup(srv->view, s->user, &acct)) {
		case VIEW_FOUND:
			if (!revoke_account_usable(acct.state)) {
				snprintf(why, whylen, "account %s since the login",
				    acct.state);
				return -1;
			}
			break;
		case VIEW_NOT_FOUND:
			snprintf(why, whylen, "account deleted since the login");
			return -1;
		default:
			unsure = 1;
		}
	}
	if (s->grant_dn[0] != '\0' && srv->grant_view != NULL) {
		switch (grant_view_lookup(srv->grant_view, s->grant_dn, &standing,
		    &approved, &until)) {
		case GRANT_VIEW_FOUND:
			if (!standing) {
				snprintf(why, whylen, "grant withdrawn since the "
				    "login");
				return -1;
			}
			if (until > 0 && (s->grant_until == 0 ||
			    until < s->grant_until)) {
				s->grant_until = until;
				session_changed(srv->sessions, s);
				/* sets the earlier end, and ends it if past */
				deadline_session_opened(srv->deadline, s);
			} else if (approved && s->emergency_until != 0)
				/* approved while authd was down: lifts the
				 * emergency deadline, sets the end again */
				deadline_session_opened(srv->deadline, s);
			break;
		case GRANT_VIEW_NOT_FOUND:
			snprintf(why, whylen, "grant deleted since the login");
			return -1;
		default:
			unsure = 1;
		}
	}
	return unsure;
}

struct restored_scan {
	struct revoke *r;
	size_t unsure, ended;
};

static void
restored_one(struct session *s, void *arg)
{
	struct restored_scan *sc = arg;
	char why[128];
	int v;

	if (!s->restored || s->ended)
		return;
	if ((v = restored_verdict(sc->r->srv, s, why, sizeof(why))) > 0) {
		sc->unsure++;
		return;
	}
	s->restored = 0;
	if (v < 0) {
		revoke_end_session(sc->r, s, why);
		sc->ended++;
	}
}

static void
on_restored_timer(struct loop_timer *t)
{
	struct revoke *r = t->arg;
	struct restored_scan sc = { r, 0, 0 };

	session_foreach(r->srv->sessions, restored_one, &sc);
	if (sc.ended > 0)
		authd_log(LOG_NOTICE, "%zu session%s read back at start ended: "
		    "revoked while authd was not running", sc.ended,
		    sc.ended == 1 ? "" : "s");
	if (sc.unsure > 0 && loop_timer_after(r->srv->loop, &r->restored_timer,
	    REVOKE_RESTORED_CHECK_MS) != AUTHD_OK)
		authd_log(LOG_ERR, "revoke: cannot arm the timer of the "
		    "sessions read back at start");
}

static void
restored_deadline(struct session *s, void *arg)
{
	struct revoke *r = arg;

	if (!s->restored)
		return;
	if (!s->ended)
		deadline_session_opened(r->srv->deadline, s);
	else    /* authd stopped before its SIGKILL: its login still runs */
		schedule_kill(r, s, NULL, 0, proc_leader_here(s->pid,
		    s->leader_start, 0));
}

void
revoke_restored_start(struct revoke *r)
{
	session_foreach(r->srv->sessions, restored_deadline, r);
	on_restored_timer(&r->restored_timer);
}

/*
 * Sessions whose login program is gone without a CLOSE_SESSION (killed,
 * crashed) and of which no process is left: forgotten, so that they
 * neither fill the registry nor, ended later by a deadline, name a pid
 * that has gone to another program. A session whose audit session still
 * has processes stays: they still end on time.
 */
struct gone_scan {
	struct proc_target *t;
	char (*ids)[SESSION_ID_LEN + 1];
	size_t n, cap;
};

static void
gone_one(struct session *s, void *arg)
{
	struct gone_scan *g = arg;

	if (s->ended || g->n == g->cap ||
	    (s->leader_start != 0 && proc_start_time(s->pid) == s->leader_start) ||
	    proc_session_members(s->pid, s->leader_start, s->audit_session, 0,
	    g->t, PROC_KILL_MAX) != 0)
		return;
	memcpy(g->ids[g->n++], s->id, sizeof(g->ids[0]));
}

static void
on_gone_timer(struct loop_timer *t)
{
	struct revoke *r = t->arg;

	revoke_sweep(r);
	if (loop_timer_after(r->srv->loop, &r->gone_timer,
	    REVOKE_GONE_CHECK_MS) != AUTHD_OK)
		authd_log(LOG_ERR, "revoke: cannot arm the timer of the sessions "
		    "whose login program is gone");
}

void
revoke_sweep(struct revoke *r)
{
	struct gone_scan g;
	struct session *s;
	char reason[256];
	size_t i;

	memset(&g, 0, sizeof(g));
	g.cap = 256;            /* a minute's share; the rest at the next */
	if ((g.t = calloc(PROC_KILL_MAX, sizeof(*g.t))) == NULL ||
	    (g.ids = calloc(g.cap, sizeof(*g.ids))) == NULL)
		goto out;
	session_foreach(r->srv->sessions, gone_one, &g);
	for (i = 0; i < g.n; i++) {
		if ((s = session_find(r->srv->sessions, g.ids[i])) == NULL)
			continue;
		snprintf(reason, sizeof(reason), "session %s forgotten: its "
		    "login program (pid %ld) ended without closing it, and no "
		    "process of it is left", s->id, (long)s->pid);
		authd_log(LOG_NOTICE, "%s: %s", s->user, reason);
		auth_audit_session(r->srv, s, "session_end", reason);
		session_remove(r->srv->sessions, s);
	}
out:
	free(g.t);
	free(g.ids);
}

int
revoke_new(struct server *srv, struct revoke **r_r)
{
	struct revoke *r;

	*r_r = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return AUTHD_ERR_NOMEM;
	r->srv = srv;
	loop_timer_init(&r->kill_timer, on_kill_timer, r);
	loop_timer_init(&r->restored_timer, on_restored_timer, r);
	loop_timer_init(&r->gone_timer, on_gone_timer, r);
	if (mailbox_init(&r->events, srv->loop, "revoke", deliver, r) != AUTHD_OK) {
		free(r);
		return AUTHD_ERR_IO;
	}
	if (loop_timer_after(srv->loop, &r->gone_timer, REVOKE_GONE_CHECK_MS) !=
	    AUTHD_OK) {
		(void)mailbox_fini(&r->events, srv->loop);
		free(r);
		return AUTHD_ERR_NOMEM;
	}
	*r_r = r;
	return AUTHD_OK;
}

void
revoke_free(struct revoke **rp)
{
	struct revoke *r;
	struct mailbox_item *ev, *nev;
	struct pending_kill *pk, *npk;

	if (rp == NULL || (r = *rp) == NULL)
		return;
	if (r->srv->loop != NULL) {
		loop_timer_cancel(r->srv->loop, &r->kill_timer);
		loop_timer_cancel(r->srv->loop, &r->restored_timer);
		loop_timer_cancel(r->srv->loop, &r->gone_timer);
	}
	ev = mailbox_fini(&r->events, r->srv->loop);
	/* authd stops: what was due a SIGKILL gets it now */
	for (pk = r->pending; pk != NULL; pk = npk) {
		npk = pk->next;
		(void)proc_signal(pk->t, pk->n, SIGKILL);
		free(pk);
	}
	for (; ev != NULL; ev = nev) {
		nev = ev->next;
		free(ev);
	}
	free(r);
	*rp = NULL;
}

int
revoke_card_check(struct server *srv, const char *fpr, char *card_dn,
    size_t card_dn_len, char *reason, size_t reasonlen)
{
	struct card_status cs;

	if (fpr[0] == '\0' || srv->card_view == NULL)
		return 0;
	switch (card_view_lookup(srv->card_view, fpr, &cs)) {
	case CARD_VIEW_FOUND:
		if (card_dn != NULL)
			snprintf(card_dn, card_dn_len, "%s", cs.dn);
		if (strcmp(cs.state, AUTHD_CARD_ACTIVE) != 0) {
			snprintf(reason, reasonlen, "card %s since the login",
			    cs.state);
			return -1;
		}
		return 0;
	case CARD_VIEW_NOT_FOUND:
		snprintf(reason, reasonlen, "card deleted since the login");
		return -1;
	default:
		return 0;
	}
}

int
revoke_session_check(struct server *srv, struct session *s, char *reason,
    size_t reasonlen)
{
	struct dir_account acct;

	s->leader_start = proc_start_time(s->pid);
	s->audit_session = proc_own_audit_session(s->pid);
	if (revoke_card_check(srv, s->card_fpr, s->card_dn, sizeof(s->card_dn),
	    reason, reasonlen) != 0)
		return -1;
	if (srv->view != NULL && view_account_lookup(srv->view, s->user,
	    &acct) == VIEW_FOUND && !revoke_account_usable(acct.state)) {
		snprintf(reason, reasonlen, "account %s since the login", acct.state);
		return -1;
	}
	return 0;
}
