#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dir.h"
#include "grace_hold.h"
#include "log.h"
#include "secret.h"

struct grace_hold_entry {
	struct ldap *ld;             /* NULL: the place is free */
	char id[LOGIN_ID_LEN + 1];
	char user[256];
	char dn[512];
	uid_t peer_uid;
	time_t until;
};

struct grace_hold {
	pthread_mutex_t mu;          /* everything below: a worker reserves too */
	struct grace_hold_entry e[GRACE_HOLD_MAX];
	int held;
	int reserved;                /* places promised to logins being decided */
};

static void
copy(char *out, size_t outsz, const char *in)
{
	size_t n = strlen(in);

	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, in, n);
	out[n] = '\0';
}

/* Unbind e's handle and free its place. */
static void
release(struct grace_hold *t, struct grace_hold_entry *e, const char *why)
{
	authd_log(LOG_INFO, "grace_hold: %s's connection for a password "
	    "change after the last grace login closed (%s)", e->user, why);
	dir_bind_handle_close(e->ld);
	memset(e, 0, sizeof(*e));
	t->held--;
}

int
grace_hold_new(struct grace_hold **t_r)
{
	if ((*t_r = calloc(1, sizeof(**t_r))) == NULL)
		return -1;
	pthread_mutex_init(&(*t_r)->mu, NULL);
	return 0;
}

void
grace_hold_free(struct grace_hold **tp)
{
	struct grace_hold *t;
	int i;

	if (tp == NULL || (t = *tp) == NULL)
		return;
	for (i = 0; i < GRACE_HOLD_MAX; i++)
		if (t->e[i].ld != NULL)
			release(t, &t->e[i], "authd stops");
	pthread_mutex_destroy(&t->mu);
	free(t);
	*tp = NULL;
}

int
grace_hold_reserve(struct grace_hold *t)
{
	int ok;

	if (t == NULL)
		return 0;
	pthread_mutex_lock(&t->mu);
	if ((ok = t->held + t->reserved < GRACE_HOLD_MAX))
		t->reserved++;
	pthread_mutex_unlock(&t->mu);
	return ok;
}

static void
unreserve_locked(struct grace_hold *t)
{
	if (t->reserved > 0)
		t->reserved--;
}

void
grace_hold_unreserve(struct grace_hold *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	unreserve_locked(t);
	pthread_mutex_unlock(&t->mu);
}

void
grace_hold_put(struct grace_hold *t, const char *id, const char *user,
    const char *dn, uid_t peer_uid, struct ldap *ld, time_t now)
{
	struct grace_hold_entry *e = NULL;
	int i;

	pthread_mutex_lock(&t->mu);
	for (i = 0; i < GRACE_HOLD_MAX && e == NULL; i++)
		if (t->e[i].ld == NULL)
			e = &t->e[i];
	unreserve_locked(t);
	if (e == NULL || strlen(id) != LOGIN_ID_LEN) {
		/* not reserved after all: never more than GRACE_HOLD_MAX */
		pthread_mutex_unlock(&t->mu);
		dir_bind_handle_close(ld);
		return;
	}
	e->ld = ld;
	copy(e->id, sizeof(e->id), id);
	copy(e->user, sizeof(e->user), user);
	copy(e->dn, sizeof(e->dn), dn);
	e->peer_uid = peer_uid;
	e->until = now + GRACE_HOLD_TTL;
	t->held++;
	pthread_mutex_unlock(&t->mu);
}

static void
expire_locked(struct grace_hold *t, time_t now)
{
	int i;

	for (i = 0; i < GRACE_HOLD_MAX; i++)
		if (t->e[i].ld != NULL && now >= t->e[i].until)
			release(t, &t->e[i], "not used in time");
}

struct ldap *
grace_hold_take(struct grace_hold *t, const char *id, const char *user,
    uid_t peer_uid, char *dn_r, size_t dnsz, time_t now)
{
	struct grace_hold_entry *e;
	struct ldap *ld;
	int i;

	if (t == NULL || strlen(id) != LOGIN_ID_LEN)
		return NULL;
	pthread_mutex_lock(&t->mu);
	expire_locked(t, now);
	for (i = 0; i < GRACE_HOLD_MAX; i++) {
		e = &t->e[i];
		if (e->ld == NULL || authd_timingsafe_bcmp(e->id, id,
		    LOGIN_ID_LEN) != 0 || strcmp(e->user, user) != 0 ||
		    e->peer_uid != peer_uid)
			continue;
		ld = e->ld;
		copy(dn_r, dnsz, e->dn);
		memset(e, 0, sizeof(*e));
		t->held--;
		t->reserved++;
		pthread_mutex_unlock(&t->mu);
		return ld;
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

void
grace_hold_expire(struct grace_hold *t, time_t now)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	expire_locked(t, now);
	pthread_mutex_unlock(&t->mu);
}
