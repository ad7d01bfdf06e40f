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

/* A session whose processes get SIGKILL when the grace is over. */
struct pending_kill {
	struct pending_kill *next;
	pid_t leader;
	unsigned long long leader_start;
	unsigned audit_session;
	size_t n;
	struct proc_target t[];
};

struct revoke {
	struct server *srv;
	struct mailbox events;     /* from the searches' threads */
	struct loop_timer kill_timer;
	struct pending_kill *pending;
	struct loop_timer restored_timer;   /* sessions read back at start */
};

/* How often sessions read back at start are checked until the views can
 * say what became of their card, account and grant meanwhile. */
#define REVOKE_RESTORED_CHECK_MS 500

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
schedule_kill(struct revoke *r, const struct session *s,
    const struct proc_target *t, size_t n)
{
	struct pending_kill *pk;

	if ((pk = calloc(1, sizeof(*pk) + n * sizeof(*t))) == NULL) {
		/* no memory for the grace: no grace */
		(void)proc_signal(t, n, SIGKILL);
		return;
	}
	pk->leader = s->pid;
	pk->leader_start = s->leader_start;
	pk->audit_session = s->audit_session;
	pk->n = n;
	memcpy(pk->t, t, n * sizeof(*t));
	pk->next = r->pending;
	r->pending = pk;
	if (r->kill_timer.slot == LOOP_TIMER_IDLE)
		(void)loop_timer_after(r->srv->loop, &r->kill_timer,
		    REVOKE_KILL_GRACE_MS);
}

static void
on_kill_timer(struct loop_timer *t)
{
	struct revoke *r = t->arg;
	struct pending_kill *pk, *next;
	struct proc_target *now;
	size_t killed;
	int n;

	now = calloc(PROC_KILL_MAX, sizeof(*now));
	for (pk = r->pending; pk != NULL; pk = next) {
		next = pk->next;
		killed = proc_signal(pk->t, pk->n, SIGKILL);
		/* and what the session started since the SIGHUP */
		if (now != NULL && (n = proc_session_members(pk->leader,
		    pk->leader_start, pk->audit_session, now, PROC_KILL_MAX)) > 0)
			killed += proc_signal(now, (size_t)n, SIGKILL);
		if (killed > 0)
			authd_log(LOG_NOTICE, "session of pid %ld: %zu process%s "
			    "killed after the grace", (long)pk->leader, killed,
			    killed == 1 ? "" : "es");
		free(pk);
	}
	r->pending = NULL;
	free(now);
}

/* Loop thread: end s (see revoke.h); t has room for PROC_KILL_MAX, or NULL. */
static void
end_session(struct revoke *r, struct session *s, const char *why,
    struct proc_target *t)
{
	struct req_items req;
	char reason[512];
	size_t hup = 0;
	int n;

	s->ended = 1;
	s->ended_at = time(NULL);
	s->restored = 0;
	snprintf(s->end_reason, sizeof(s->end_reason), "%s", why);
	session_changed(r->srv->sessions, s);
	n = t != NULL ? proc_session_members(s->pid, s->leader_start,
	    s->audit_session, t, PROC_KILL_MAX) : -1;
	if (n > 0) {
		hup = proc_signal(t, (size_t)n, SIGHUP);
		/* stopped processes act on SIGHUP only once continued */
		(void)proc_signal(t, (size_t)n, SIGCONT);
		schedule_kill(r, s, t, (size_t)n);
	}
	snprintf(reason, sizeof(reason), "%s%s%s: session %s of pid %ld ended, "
	    "%zu process%s signalled", why, s->credential[0] != '\0' ?
	    " " : "", s->credential, s->id, (long)s->pid, hup,
	    hup == 1 ? "" : "es");
	authd_log(LOG_NOTICE, "%s: %s", s->user, reason);
	memset(&req, 0, sizeof(req));
	req.type = AUTHD_MSG_CLOSE_SESSION;
	snprintf(req.user, sizeof(req.user), "%s", s->user);
	snprintf(req.service, sizeof(req.service), "%s", s->service);
	snprintf(req.tty, sizeof(req.tty), "%s", s->tty);
	snprintf(req.session_id, sizeof(req.session_id), "%s", s->id);
	req.pid = (uint32_t)s->pid;
	req.peer_pid = getpid();
	auth_audit_async(r->srv, "session_end", &req, AUTHD_R_SUCCESS, reason);
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

static int
account_usable(const char *state)
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
	int standing, unsure = 0;

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
			if (!account_usable(acct.state)) {
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
		    &until)) {
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
			}
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
	struct server *srv = arg;

	if (s->restored && !s->ended)
		deadline_session_opened(srv->deadline, s);
}

void
revoke_restored_start(struct revoke *r)
{
	session_foreach(r->srv->sessions, restored_deadline, r->srv);
	on_restored_timer(&r->restored_timer);
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
	if (mailbox_init(&r->events, srv->loop, "revoke", deliver, r) != AUTHD_OK) {
		free(r);
		return AUTHD_ERR_IO;
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
revoke_session_check(struct server *srv, struct session *s, char *reason,
    size_t reasonlen)
{
	struct card_status cs;
	struct dir_account acct;

	s->leader_start = proc_start_time(s->pid);
	s->audit_session = proc_own_audit_session(s->pid);
	if (s->card_fpr[0] != '\0' && srv->card_view != NULL) {
		switch (card_view_lookup(srv->card_view, s->card_fpr, &cs)) {
		case CARD_VIEW_FOUND:
			snprintf(s->card_dn, sizeof(s->card_dn), "%s", cs.dn);
			if (strcmp(cs.state, AUTHD_CARD_ACTIVE) != 0) {
				snprintf(reason, reasonlen, "card %s since the "
				    "login", cs.state);
				return -1;
			}
			break;
		case CARD_VIEW_NOT_FOUND:
			snprintf(reason, reasonlen, "card deleted since the login");
			return -1;
		default:
			break;
		}
	}
	if (srv->view != NULL && view_account_lookup(srv->view, s->user,
	    &acct) == VIEW_FOUND && !account_usable(acct.state)) {
		snprintf(reason, reasonlen, "account %s since the login", acct.state);
		return -1;
	}
	return 0;
}
