/*
 * Sessions that end on time (issue 6). Every session may have a deadline:
 * the absolute limit session_max from its opening, and for a privileged
 * session the end of its grant and its role's maximum session length,
 * whichever comes first. With session_idle, a session whose terminal has
 * had no input (the tty's atime) for that long ends too. session_warn
 * seconds before an end the session's terminal gets a warning line; then
 * revoke.c ends the session (every process of it) and records
 * event=session_end with reason "grant ended", "session limit" or "idle".
 *
 * A session opened under an emergency grant not yet approved also ends at
 * the grant's deadline for approval (session.h emergency_until), reason
 * "emergency grant not approved in time", unless the grant is approved
 * before then: from that moment its normal end applies.
 *
 * A grant revoked, denied or shortened (grant_view.c, any thread) ends or
 * shortens the sessions resting on it through deadline_grant_changed(); a
 * grant approved lifts its sessions' emergency deadline the same way.
 *
 * One loop timer, armed at the earliest moment something is due; loop
 * thread only, except deadline_grant_changed().
 */
#ifndef AUTHD_DEADLINE_H
#define AUTHD_DEADLINE_H

#include <stddef.h>
#include <time.h>

#include "session.h"

struct server;
struct deadline;

/* Registers an eventfd and a timer in srv->loop. */
int deadline_new(struct server *srv, struct deadline **d_r);
/* After grant_view has stopped. */
void deadline_free(struct deadline **dp);

/*
 * Loop thread: s has just entered the registry (s->grant_dn, grant_until
 * and role_max_session filled for a privileged session). Sets its deadline
 * and arms the timer.
 */
void deadline_session_opened(struct deadline *d, struct session *s);

/*
 * Any thread: the grant at dn no longer stands (standing 0; why says how:
 * "grant revoked", "grant denied", "grant approval withdrawn", ...), or
 * stands and now ends at until, or may have been approved (approved 1).
 * Its sessions end at once, or end no later than until, or (approved, as
 * the grant view confirms) lose the deadline of its emergency use.
 */
void deadline_grant_changed(void *arg, const char *dn, int standing,
    int approved, time_t until, const char *why);

/* CLOCK_REALTIME in milliseconds (session.h's opened_ms, deadline_ms). */
long long deadline_now_ms(void);

/* The tty device of PAM_TTY tty ("/dev/pts/3", "pts/3", "tty2"), or -1. */
int deadline_tty_path(const char *tty, char *path, size_t pathsz);

#endif
