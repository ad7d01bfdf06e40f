#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "session.h"

#define NBUCKETS 4096

struct session_registry {
	struct session *bucket[NBUCKETS];
	size_t count;
};

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
	free(r);
	*rp = NULL;
}

int
session_registry_full(const struct session_registry *r)
{
	return r->count >= SESSIONS_MAX;
}

int
session_add(struct session_registry *r, const struct session *s)
{
	struct session *n;
	unsigned b;

	if (session_registry_full(r) || (n = malloc(sizeof(*n))) == NULL)
		return -1;
	*n = *s;
	b = id_hash(n->id);
	n->next = r->bucket[b];
	r->bucket[b] = n;
	r->count++;
	return 0;
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
	free(s);
	r->count--;
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
				free(s);
				r->count--;
			} else
				p = &s->next;
		}
}
