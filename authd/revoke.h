/*
 * Ending the live sessions that depended on something revoked (DESIGN.md
 * decision 2). The persistent searches (card_view.c, view.c) post what
 * changed from their threads; the loop thread, which owns the session
 * registry, finds the sessions opened with that card or by that person,
 * signals their processes (SIGHUP, then SIGKILL after REVOKE_KILL_GRACE_MS;
 * proc_kill.h), marks them ended and records each in the audit log
 * (event=session_end). A CLOSE_SESSION that comes later still records the
 * logout.
 */
#ifndef AUTHD_REVOKE_H
#define AUTHD_REVOKE_H

#include "card_view.h"
#include "session.h"

#define REVOKE_KILL_GRACE_MS 300

struct server;
struct revoke;

/* Registers an eventfd in srv->loop. */
int revoke_new(struct server *srv, struct revoke **r_r);
/* After the searches that post to it have stopped. */
void revoke_free(struct revoke **rp);

/* Any thread (card_view_notify_fn; arg is the struct revoke). */
void revoke_card_changed(void *arg, const struct card_status *old,
    const struct card_status *now);
/* Any thread (view_notify_fn): the person at dn is now in state
 * ("suspended", "disabled", "pendingDeletion", "deleted"). */
void revoke_account_changed(void *arg, const char *dn, const char *state);

/*
 * Loop thread (added, issue 6): end s now for why ("grant ended", "session
 * limit", "idle"): its processes signalled as above, marked ended, recorded
 * as event=session_end with why. Nothing when it has already ended.
 */
void revoke_end_session(struct revoke *r, struct session *s, const char *why);

/*
 * Loop thread, once the views have started: the sessions read back at
 * start (session_store.h) get their deadlines again, and are checked
 * until the views can say whether their card, account and grant still
 * stand; those revoked meanwhile end (event=session_end, "... since the
 * login").
 */
void revoke_restored_start(struct revoke *r);

/*
 * Loop thread, every REVOKE_GONE_CHECK_MS (10 s): sessions whose login
 * program has gone without
 * closing them, with no process left, are forgotten and recorded
 * (event=session_end, "... forgotten: its login program ... ended without
 * closing it").
 */
void revoke_sweep(struct revoke *r);

/* Loop thread, at OPEN_SESSION: fill what the session depends on and say
 * whether it may open (0), or why not (-1, reason filled): a card or an
 * account revoked between the login and the session. */
int revoke_session_check(struct server *srv, struct session *s,
    char *reason, size_t reasonlen);

/*
 * Whether the card of fingerprint fpr (hex; "" for none) may still open a
 * session: 0, or -1 with the reason ("card lost since the login"). Its entry
 * into card_dn when known (card_dn may be NULL). A card view not fresh says
 * nothing here (0): the login's own check stands. Any thread.
 */
int revoke_card_check(struct server *srv, const char *fpr, char *card_dn,
    size_t card_dn_len, char *reason, size_t reasonlen);

/* Whether a person in state (authdAccountState) keeps or opens a session. */
int revoke_account_usable(const char *state);

#endif
