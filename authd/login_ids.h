/*
 * What a successful authentication learned, kept for the later PAM stages
 * that may run in another process (sshd runs acct_mgmt in a child and the
 * session in the parent): login id -> {user, dn, service, must change,
 * grace}. Entries expire after LOGIN_ID_TTL seconds; the table is bounded
 * and the oldest entry gives way. Loop thread only.
 */
#ifndef AUTHD_LOGIN_IDS_H
#define AUTHD_LOGIN_IDS_H

#include <stddef.h>
#include <time.h>

#include "proto.h"

#define LOGIN_ID_LEN   32          /* hex characters */
#define LOGIN_ID_TTL   600
#define LOGIN_IDS_MAX  4096

struct login_ids;

struct login_id_entry {
	char id[LOGIN_ID_LEN + 1];
	char user[256];
	char dn[512];
	char service[128];
	int must_change;
	int grace_left;               /* -1 when not in grace */
	char factors[64];             /* methods that authenticated: "password,totp" */
	unsigned categories;          /* FACTOR_* proven (verifier.h) */
	char policy[128];             /* the login policy applied */
	char credential[160];         /* the device that proved a factor (verifier.h) */
	char credential_key[80];      /* a card's fingerprint, hex; "" for none */
	/* a privileged account: the grant honoured at authentication (grant.h) */
	char grant_dn[512];           /* "" for none (not privileged) */
	time_t grant_until;           /* its authdGrantUntil; 0 for none */
	long grant_max_session;       /* its role's authdRoleMaxSession, seconds; 0 none */
	int grant_emergency;          /* honoured as an emergency grant, not yet approved */
	time_t grant_emergency_until; /* when it must be approved by; 0 for none */
	time_t created;
};

int login_ids_new(struct login_ids **t_r);
void login_ids_free(struct login_ids **tp);
/* Copies e (its id must be LOGIN_ID_LEN hex characters). */
void login_ids_add(struct login_ids *t, const struct login_id_entry *e);
/* The live entry for id, or NULL. */
const struct login_id_entry *login_ids_find(struct login_ids *t, const char *id,
    time_t now);
/* After a password change: this user need not change again. */
void login_ids_clear_must_change(struct login_ids *t, const char *user);
/* Forget the entries past their time. */
void login_ids_expire(struct login_ids *t, time_t now);

#endif
