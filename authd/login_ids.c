#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "login_ids.h"
#include "secret.h"

#define NBUCKETS 8192          /* power of two, twice LOGIN_IDS_MAX */
#define NONE     (-1)

/*
 * A ring of entries in creation order: every entry lives the same time, so
 * the oldest is both the first to expire and the one to evict. A hash of
 * buckets over the ring finds an id.
 */
struct login_ids {
	struct login_id_entry e[LOGIN_IDS_MAX];
	int chain[LOGIN_IDS_MAX];      /* next entry in the same bucket */
	int bucket[NBUCKETS];
	size_t head;                   /* next slot to write */
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
login_ids_new(struct login_ids **t_r)
{
	struct login_ids *t;
	size_t i;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	for (i = 0; i < NBUCKETS; i++)
		t->bucket[i] = NONE;
	*t_r = t;
	return 0;
}

void
login_ids_free(struct login_ids **tp)
{
	if (tp == NULL || *tp == NULL)
		return;
	explicit_bzero(*tp, sizeof(**tp));
	free(*tp);
	*tp = NULL;
}

static void
unlink_slot(struct login_ids *t, int slot)
{
	int *p = &t->bucket[id_hash(t->e[slot].id)];

	while (*p != NONE && *p != slot)
		p = &t->chain[*p];
	if (*p == slot)
		*p = t->chain[slot];
	explicit_bzero(&t->e[slot], sizeof(t->e[slot]));
	t->count--;
}

void
login_ids_add(struct login_ids *t, const struct login_id_entry *e)
{
	int slot = (int)t->head;
	unsigned b;

	if (t->e[slot].id[0] != '\0')
		unlink_slot(t, slot);
	t->e[slot] = *e;
	b = id_hash(e->id);
	t->chain[slot] = t->bucket[b];
	t->bucket[b] = slot;
	t->head = (t->head + 1) % LOGIN_IDS_MAX;
	t->count++;
}

const struct login_id_entry *
login_ids_find(struct login_ids *t, const char *id, time_t now)
{
	int slot;

	if (strlen(id) != LOGIN_ID_LEN)
		return NULL;
	for (slot = t->bucket[id_hash(id)]; slot != NONE; slot = t->chain[slot]) {
		if (authd_timingsafe_bcmp(t->e[slot].id, id, LOGIN_ID_LEN) != 0)
			continue;
		if (now - t->e[slot].created > LOGIN_ID_TTL || now < t->e[slot].created)
			return NULL;
		return &t->e[slot];
	}
	return NULL;
}

void
login_ids_clear_must_change(struct login_ids *t, const char *user)
{
	size_t i;

	for (i = 0; i < LOGIN_IDS_MAX; i++) {
		if (t->e[i].id[0] != '\0' && strcmp(t->e[i].user, user) == 0) {
			t->e[i].must_change = 0;
			t->e[i].grace_left = -1;
		}
	}
}

void
login_ids_expire(struct login_ids *t, time_t now)
{
	size_t oldest;

	while (t->count > 0) {
		oldest = (t->head + LOGIN_IDS_MAX - t->count) % LOGIN_IDS_MAX;
		if (now - t->e[oldest].created <= LOGIN_ID_TTL &&
		    now >= t->e[oldest].created)
			break;
		unlink_slot(t, (int)oldest);
	}
}

