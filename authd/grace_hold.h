/*
 * Connections kept bound as a person after the last grace login, for the
 * password change that follows in the same login.
 *
 * A change binds as the person with the current password, and after the
 * bind that used the last grace login ppolicy refuses that bind: the
 * person would have to ask an administrator. The connection the login
 * bound is still bound as the person, though, and a Password Modify
 * operation on it (with the current password, which slapd checks against
 * the entry without a bind) needs no bind. So that connection leaves the
 * loop's bind pool (bind_async.c opens another) and waits here for the
 * CHAUTHTOK of the same login id and user.
 *
 * At most GRACE_HOLD_MAX at once, each for GRACE_HOLD_TTL seconds; a handle
 * is unbound at the minute's sweep after it expired, after its change, and
 * at authd's stop. A handle is used for its person's password change and
 * for nothing else: the change must name its login id (a secret handed
 * only to the PAM handle that logged in), the same user, and come from the
 * same uid as the login. Not tied to the client connection: pam_chauthtok's
 * first pass (PAM_PRELIM_CHECK) opens a fresh one to see that authd is
 * there, and the login's connection closes before the change comes.
 * The handle is the loop's (bind_async.c) after a password-only login, a
 * worker's (dir_conn_take_bind) after one of several factors, whose
 * password is bound on a worker. Any thread: a worker reserves a place.
 */
#ifndef AUTHD_GRACE_HOLD_H
#define AUTHD_GRACE_HOLD_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include "login_ids.h"

#define GRACE_HOLD_MAX 8
#define GRACE_HOLD_TTL 120

struct grace_hold;
struct ldap;

int grace_hold_new(struct grace_hold **t_r);
/* Unbinds every handle held. */
void grace_hold_free(struct grace_hold **tp);

/*
 * A place for one handle, kept from a successful bind with no grace login
 * left until its login is decided: 1 when one was free, else 0 (the login
 * then tells the person to ask an administrator, as without this).
 */
int grace_hold_reserve(struct grace_hold *t);
void grace_hold_unreserve(struct grace_hold *t);

/*
 * Hold ld (bound as dn) for the login id and user, made by a client of
 * peer_uid, in the place reserved. Takes ld.
 */
void grace_hold_put(struct grace_hold *t, const char *id, const char *user,
    const char *dn, uid_t peer_uid, struct ldap *ld, time_t now);

/*
 * The handle held for login id and user, for a client of peer_uid
 * (constant-time comparison of the id), or NULL; it leaves the table with its place still reserved (give it
 * back with grace_hold_put, or close it and grace_hold_unreserve). dn_r
 * gets the DN it is bound as.
 */
struct ldap *grace_hold_take(struct grace_hold *t, const char *id,
    const char *user, uid_t peer_uid, char *dn_r, size_t dnsz, time_t now);

/* Unbind the handles past their time. */
void grace_hold_expire(struct grace_hold *t, time_t now);

#endif
