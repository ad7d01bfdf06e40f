/*
 * The registry of live sessions on this host, opened by OPEN_SESSION and
 * removed by CLOSE_SESSION. Each session remembers what authenticated it
 * (the login id's factors and device) so that revoke.c can end it when
 * that card or the account is revoked; an ended session stays, marked,
 * until its CLOSE_SESSION or SESSION_ENDED_TTL. Loop thread only.
 */
#ifndef AUTHD_SESSION_H
#define AUTHD_SESSION_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define SESSION_ID_LEN  32        /* hex characters */
#define SESSIONS_MAX    65536

struct session_registry;

struct session {
	struct session *next;         /* bucket chain (registry's own) */
	char id[SESSION_ID_LEN + 1];
	char user[256];
	char dn[512];
	char service[128];
	char tty[128];
	char rhost[256];              /* PAM_RHOST of the login; "" local */
	pid_t pid;                    /* the session leader (PID field or peer) */
	long uid_number;
	time_t opened;
	/* added (issue 5): what authenticated it, from the login id */
	char factors[64];             /* "password,card" */
	char credential[160];         /* "card:1003", "fido2:..."; "" for none */
	char card_fpr[80];            /* the card's fingerprint (hex); "" for none */
	char card_dn[512];            /* the card's entry, when the view knew it */
	unsigned long long leader_start; /* the leader's start time (/proc), 0: unknown */
	unsigned audit_session;       /* the login's own audit session, 0: none (proc_kill.h) */
	int ended;                    /* ended by authd (revoked) */
	time_t ended_at;
	char end_reason[64];          /* "card lost", "account disabled" */
	/* added (issue 6): when it ends by itself (deadline.c) */
	long long opened_ms;          /* CLOCK_REALTIME, milliseconds */
	char grant_dn[512];           /* the grant a privileged session rests on; "" none */
	time_t grant_until;           /* that grant's end (as last seen); 0 none */
	long role_max_session;        /* the role's authdRoleMaxSession, s; 0 none */
	time_t emergency_until;       /* an emergency grant not yet approved: it
	                                 must be by then; 0 none (or approved since) */
	long long deadline_ms;        /* CLOCK_REALTIME ms it is ended at; 0 none */
	char deadline_reason[48];     /* "grant ended", "session limit", ... */
	long long warned_for;         /* the deadline last warned about */
	long long idle_warned_for;    /* the idle end last warned about */
	/* added: read back from STATE_DIR/sessions at start, not yet checked
	 * against the directory as it is now (revoke.c) */
	int restored;
};

#define SESSION_ENDED_TTL 600     /* seconds an ended session is remembered */

int session_registry_new(struct session_registry **r_r);
void session_registry_free(struct session_registry **rp);
int session_registry_full(const struct session_registry *r);
/*
 * Keep the sessions in the file at path (session_store.h) from now on,
 * after adding those it holds whose login program still runs (marked
 * restored). AUTHD_OK, or an error with err filled.
 */
int session_registry_persist(struct session_registry *r, const char *path,
    size_t *restored_r, size_t *dropped_r, char *err, size_t errlen);
/*
 * What ends s first without idleness, in CLOCK_REALTIME ms (0: nothing):
 * the earliest of opened + session_max (seconds, 0 none), opened + its
 * role's maximum session, its grant's end and, while its emergency grant is
 * not approved, the deadline for that approval; *why_r "session limit",
 * "grant ended" or "emergency grant not approved in time" ("" for none).
 */
long long session_deadline(const struct session *s, long session_max,
    const char **why_r);
/* Copies s; -1 when full or out of memory. */
int session_add(struct session_registry *r, const struct session *s);
/* s (in the registry) changed in what the file keeps: ended, its grant's end. */
void session_changed(struct session_registry *r, const struct session *s);
/* How many sessions are remote (an rhost) with an audit session of their own. */
size_t session_registry_remote(const struct session_registry *r);
/* The remote session whose login's own audit session is audit_session, or NULL. */
const struct session *session_find_remote(const struct session_registry *r,
    unsigned audit_session);
struct session *session_find(struct session_registry *r, const char *id);
struct session *session_find_user_pid(struct session_registry *r,
    const char *user, pid_t pid);
/* Unlink and free s (found by one of the finds). */
void session_remove(struct session_registry *r, struct session *s);
/* Call fn for each session (fn must not add or remove). */
void session_foreach(struct session_registry *r,
    void (*fn)(struct session *s, void *arg), void *arg);
/* Forget sessions ended more than SESSION_ENDED_TTL ago. */
void session_expire_ended(struct session_registry *r, time_t now);

#endif
