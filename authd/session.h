/*
 * The registry of live sessions on this host, opened by OPEN_SESSION and
 * removed by CLOSE_SESSION. Later issues end sessions from here when an
 * account or a card is revoked. Loop thread only.
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
	pid_t pid;                    /* the session leader (PID field or peer) */
	long uid_number;
	time_t opened;
};

int session_registry_new(struct session_registry **r_r);
void session_registry_free(struct session_registry **rp);
int session_registry_full(const struct session_registry *r);
/* Copies s; -1 when full or out of memory. */
int session_add(struct session_registry *r, const struct session *s);
struct session *session_find(struct session_registry *r, const char *id);
struct session *session_find_user_pid(struct session_registry *r,
    const char *user, pid_t pid);
/* Unlink and free s (found by one of the finds). */
void session_remove(struct session_registry *r, struct session *s);
size_t session_count(const struct session_registry *r);

#endif
