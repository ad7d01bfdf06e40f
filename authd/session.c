#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "session.h"
#include "session_store.h"

#define NBUCKETS 4096

struct session_registry {
	struct session *bucket[NBUCKETS];
	size_t count;
	size_t remote;                  /* with an rhost and an audit session */
	struct session_store *store;    /* NULL: kept in memory only */
};

static int
is_remote(const struct session *s)
{
	return s->audit_session != 0 && s->rhost[0] != '\0';
}

static unsigned
id_hash(const char *id)
{
	unsigned h = 2166136261u;

	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h & (NBUCKETS - 1);
}

int
session_registry_new(struct session_registry **r_r)
{
	if ((*r_r = calloc(1, sizeof(**r_r))) == NULL)
		return -1;
	return 0;
}

void
session_registry_free(struct session_registry **rp)
{
	struct session_registry *r;
	struct session *s, *next;
	size_t i;

	if (rp == NULL || (r = *rp) == NULL)
		return;
	for (i = 0; i < NBUCKETS; i++) {
		for (s = r->bucket[i]; s != NULL; s = next) {
			next = s->next;
			free(s);
		}
	}
	session_store_close(&r->store);
	free(r);
	*rp = NULL;
}

long long
session_deadline(const struct session *s, long session_max, const char **why_r)
{
	long long best = 0, c;

	*why_r = "";
	if (session_max > 0) {
		best = s->opened_ms + (long long)session_max * 1000;
		*why_r = "session limit";
	}
	if (s->role_max_session > 0) {
		c = s->opened_ms + (long long)s->role_max_session * 1000;
		if (best == 0 || c < best) {
			best = c;
			*why_r = "session limit";
		}
	}
	if (s->grant_dn[0] != '\0' && s->grant_until > 0) {
		c = (long long)s->grant_until * 1000;
		if (best == 0 || c <= best) {
			best = c;
			*why_r = "grant ended";
		}
	}
	if (s->grant_dn[0] != '\0' && s->emergency_until > 0) {
		c = (long long)s->emergency_until * 1000;
		if (best == 0 || c <= best) {
			best = c;
			*why_r = "emergency grant not approved in time";
		}
	}
	return best;
}

int
session_registry_full(const struct session_registry *r)
{
	return r->count >= SESSIONS_MAX;
}

static struct session *
insert(struct session_registry *r, const struct session *s)
{
	struct session *n;
	unsigned b;

	if (session_registry_full(r) || (n = malloc(sizeof(*n))) == NULL)
		return NULL;
	*n = *s;
	b = id_hash(n->id);
	n->next = r->bucket[b];
	r->bucket[b] = n;
	r->count++;
	r->remote += is_remote(n);
	return n;
}

/* The registry's sessions one by one, for a rewrite of the store. */
struct walk {
	const struct session_registry *r;
	size_t bucket;
	const struct session *s;
};

static const struct session *
walk_next(void *arg)
{
	struct walk *w = arg;

	if (w->s != NULL)
		w->s = w->s->next;
	while (w->s == NULL && w->bucket < NBUCKETS)
		w->s = w->r->bucket[w->bucket++];
	return w->s;
}

/* After a change went to the store: rewritten whole when it has grown, or
 * when a change did not reach it (a full disk). */
static void
stored(struct session_registry *r)
{
	struct walk w = { r, 0, NULL };

	if (session_store_wants_rewrite(r->store, r->count))
		(void)session_store_rewrite(r->store, walk_next, &w);
}

int
session_add(struct session_registry *r, const struct session *s)
{
	struct session *n;

	if ((n = insert(r, s)) == NULL)
		return -1;
	session_store_put(r->store, n);
	stored(r);
	return 0;
}

void
session_changed(struct session_registry *r, const struct session *s)
{
	session_store_put(r->store, s);
	stored(r);
}

size_t
session_registry_remote(const struct session_registry *r)
{
	return r->remote;
}

/* Rare (remote sessions on the host, a login from inside one): a scan. */
const struct session *
session_find_remote(const struct session_registry *r, unsigned audit_session)
{
	const struct session *s;
	size_t i;

	if (r->remote == 0 || audit_session == 0)
		return NULL;
	for (i = 0; i < NBUCKETS; i++)
		for (s = r->bucket[i]; s != NULL; s = s->next)
			if (s->audit_session == audit_session && is_remote(s))
				return s;
	return NULL;
}

static void
forget(struct session_registry *r, const char *id)
{
	session_store_del(r->store, id);
	stored(r);
}

static int
restore(void *arg, const struct session *s)
{
	struct session *n;

	if ((n = insert(arg, s)) == NULL)
		return -1;
	n->restored = 1;
	return 0;
}

int
session_registry_persist(struct session_registry *r, const char *path,
    size_t *restored_r, size_t *dropped_r, char *err, size_t errlen)
{
	size_t before = r->count;
	int rc;

	*restored_r = 0;
	rc = session_store_open(path, restore, r, &r->store, dropped_r, err,
	    errlen);
	*restored_r = r->count - before;
	return rc;
}

struct session *
session_find(struct session_registry *r, const char *id)
{
	struct session *s;

	if (strlen(id) != SESSION_ID_LEN)
		return NULL;
	for (s = r->bucket[id_hash(id)]; s != NULL; s = s->next)
		if (authd_timingsafe_bcmp(s->id, id, SESSION_ID_LEN) == 0)
			return s;
	return NULL;
}

/* Rare (a client that lost the id): a full scan is fine. */
struct session *
session_find_user_pid(struct session_registry *r, const char *user, pid_t pid)
{
	struct session *s;
	size_t i;

	for (i = 0; i < NBUCKETS; i++)
		for (s = r->bucket[i]; s != NULL; s = s->next)
			if (s->pid == pid && strcmp(s->user, user) == 0)
				return s;
	return NULL;
}

void
session_remove(struct session_registry *r, struct session *s)
{
	struct session **p = &r->bucket[id_hash(s->id)];

	while (*p != NULL && *p != s)
		p = &(*p)->next;
	if (*p == NULL)
		return;
	*p = s->next;
	r->count--;
	r->remote -= is_remote(s);
	forget(r, s->id);
	free(s);
}

void
session_foreach(struct session_registry *r,
    void (*fn)(struct session *s, void *arg), void *arg)
{
	struct session *s;
	size_t i;

	for (i = 0; i < NBUCKETS; i++)
		for (s = r->bucket[i]; s != NULL; s = s->next)
			fn(s, arg);
}

void
session_expire_ended(struct session_registry *r, time_t now)
{
	struct session **p, *s;
	size_t i;

	for (i = 0; i < NBUCKETS; i++)
		for (p = &r->bucket[i]; (s = *p) != NULL;) {
			if (s->ended && now - s->ended_at > SESSION_ENDED_TTL) {
				*p = s->next;
				r->count--;
				r->remote -= is_remote(s);
				forget(r, s->id);
				free(s);
			} else
				p = &s->next;
		}
}
