/*
 * Decoys that lock as people do (decoy_lock.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decoy_lock.h"
#include "err.h"

#define LOCK_MAGIC    "authd-decoy-locks 1"
#define LOCK_LINE_MAX 512

struct lock_entry {
	uint8_t tag[DECOY_TAG_LEN];
	uint64_t used;                 /* last touched (tick); 0: free */
	int64_t locked_at;             /* 0: not locked */
	uint32_t fails;                /* failures since first seen */
	uint32_t nt;                   /* times kept in t, oldest first */
	int64_t t[DECOY_LOCK_TIMES];
};

struct decoy_locks {
	pthread_mutex_t mu;
	struct lock_entry *e;
	size_t nsets;
	uint64_t tick;
	unsigned long changes, saved;
};

int
decoy_locks_new(size_t capacity, struct decoy_locks **dl_r)
{
	struct decoy_locks *dl;

	*dl_r = NULL;
	if (capacity == 0 || capacity > (1u << 24))
		return AUTHD_ERR_INVALID;
	if ((dl = calloc(1, sizeof(*dl))) == NULL)
		return AUTHD_ERR_NOMEM;
	dl->nsets = (capacity + DECOY_LOCK_WAYS - 1) / DECOY_LOCK_WAYS;
	if ((dl->e = calloc(dl->nsets * DECOY_LOCK_WAYS, sizeof(*dl->e))) ==
	    NULL) {
		free(dl);
		return AUTHD_ERR_NOMEM;
	}
	pthread_mutex_init(&dl->mu, NULL);
	*dl_r = dl;
	return AUTHD_OK;
}

void
decoy_locks_free(struct decoy_locks **dlp)
{
	if (dlp == NULL || *dlp == NULL)
		return;
	pthread_mutex_destroy(&(*dlp)->mu);
	free((*dlp)->e);
	free(*dlp);
	*dlp = NULL;
}

/* The set of tag: its first entry. The tag is a keyed hash: any bits do. */
static struct lock_entry *
set_of(struct decoy_locks *dl, const uint8_t tag[DECOY_TAG_LEN])
{
	uint64_t h = 0;
	int i;

	for (i = 0; i < 8; i++)
		h = h << 8 | tag[i];
	return &dl->e[(h % dl->nsets) * DECOY_LOCK_WAYS];
}

/* Called with mu held: tag's entry, or NULL. */
static struct lock_entry *
find(struct decoy_locks *dl, const uint8_t tag[DECOY_TAG_LEN])
{
	struct lock_entry *s = set_of(dl, tag);
	size_t i;

	for (i = 0; i < DECOY_LOCK_WAYS; i++)
		if (s[i].used != 0 && memcmp(s[i].tag, tag, DECOY_TAG_LEN) == 0)
			return &s[i];
	return NULL;
}

/* Called with mu held: whether e's lock holds at now (rule NULL: any lock). */
static int
held(const struct lock_entry *e, const struct lockout_rule *rule, time_t now)
{
	return e->locked_at != 0 && (rule == NULL || rule->duration <= 0 ||
	    (int64_t)now < e->locked_at + rule->duration);
}

/*
 * Called with mu held: a fresh entry for tag, in place of a free one, else
 * of the set's least recently used whose lock does not hold at now, else
 * (every one locked) of the least recently used: names tried once never
 * push a locked one out (decoy_lock.h).
 */
static struct lock_entry *
take(struct decoy_locks *dl, const uint8_t tag[DECOY_TAG_LEN],
    const struct lockout_rule *rule, time_t now)
{
	struct lock_entry *s = set_of(dl, tag), *old = NULL, *open = NULL;
	size_t i;

	for (i = 0; i < DECOY_LOCK_WAYS; i++) {
		if (s[i].used == 0) {
			open = old = &s[i];
			break;
		}
		if (old == NULL || s[i].used < old->used)
			old = &s[i];
		if (!held(&s[i], rule, now) && (open == NULL ||
		    s[i].used < open->used))
			open = &s[i];
	}
	if (open != NULL)
		old = open;
	memset(old, 0, sizeof(*old));
	memcpy(old->tag, tag, DECOY_TAG_LEN);
	return old;
}

static int
locks(const struct lockout_rule *rule)
{
	return rule != NULL && rule->max_failure > 0;
}

/* Called with mu held: the failures ppolicy would count before this one. */
static uint32_t
counted(const struct lock_entry *e, const struct lockout_rule *rule, time_t now)
{
	uint32_t i, n = 0;

	if (rule->interval <= 0)
		return e->fails;
	for (i = 0; i < e->nt; i++)
		if ((int64_t)now <= e->t[i] + rule->interval)
			n++;
	/* older failures than those kept: taken as within (decoy_lock.h) */
	if (n == DECOY_LOCK_TIMES && e->fails > n)
		n = e->fails;
	return n;
}

int
decoy_locks_attempt(struct decoy_locks *dl, const uint8_t tag[DECOY_TAG_LEN],
    const struct lockout_rule *rule, time_t now)
{
	struct lock_entry *e;
	int r = DECOY_LOCK_FAILED;

	if (dl == NULL || !locks(rule))
		return DECOY_LOCK_FAILED;
	pthread_mutex_lock(&dl->mu);
	if ((e = find(dl, tag)) == NULL)
		e = take(dl, tag, rule, now);
	e->used = ++dl->tick;
	dl->changes++;
	if (held(e, rule, now)) {
		r = DECOY_LOCK_LOCKED;
		goto out;
	}
	/* a lock that has ended goes; the failures stay, as ppolicy's */
	e->locked_at = 0;
	if (counted(e, rule, now) + 1 >= (uint32_t)rule->max_failure)
		e->locked_at = now > 0 ? (int64_t)now : 1;
	if (e->fails < UINT32_MAX)
		e->fails++;
	if (e->nt == DECOY_LOCK_TIMES) {
		memmove(e->t, e->t + 1, (DECOY_LOCK_TIMES - 1) * sizeof(e->t[0]));
		e->nt--;
	}
	e->t[e->nt++] = now;
out:
	pthread_mutex_unlock(&dl->mu);
	return r;
}

int
decoy_locks_is_locked(struct decoy_locks *dl, const uint8_t tag[DECOY_TAG_LEN],
    const struct lockout_rule *rule, time_t now)
{
	struct lock_entry *e;
	int r = 0;

	if (dl == NULL || !locks(rule))
		return 0;
	pthread_mutex_lock(&dl->mu);
	if ((e = find(dl, tag)) != NULL)
		r = held(e, rule, now);
	pthread_mutex_unlock(&dl->mu);
	return r;
}

size_t
decoy_locks_count(struct decoy_locks *dl)
{
	size_t i, n = 0;

	if (dl == NULL)
		return 0;
	pthread_mutex_lock(&dl->mu);
	for (i = 0; i < dl->nsets * DECOY_LOCK_WAYS; i++)
		n += dl->e[i].used != 0;
	pthread_mutex_unlock(&dl->mu);
	return n;
}

int
decoy_locks_dirty(struct decoy_locks *dl)
{
	int dirty;

	if (dl == NULL)
		return 0;
	pthread_mutex_lock(&dl->mu);
	dirty = dl->changes != dl->saved;
	pthread_mutex_unlock(&dl->mu);
	return dirty;
}

static int
by_use(const void *a, const void *b)
{
	const struct lock_entry *x = a, *y = b;

	return x->used < y->used ? -1 : x->used > y->used;
}

/* "TAGHEX FAILS LOCKED_AT T,T,..." ("-" for no times); its length. */
static size_t
format_entry(const struct lock_entry *e, char *line, size_t linesz)
{
	size_t k, pos = 0;

	for (k = 0; k < DECOY_TAG_LEN; k++)
		pos += (size_t)snprintf(line + pos, linesz - pos, "%02x",
		    e->tag[k]);
	pos += (size_t)snprintf(line + pos, linesz - pos, " %" PRIu32 " %" PRId64
	    " ", e->fails, e->locked_at);
	if (e->nt == 0)
		pos += (size_t)snprintf(line + pos, linesz - pos, "-");
	for (k = 0; k < e->nt; k++)
		pos += (size_t)snprintf(line + pos, linesz - pos, "%s%" PRId64,
		    k > 0 ? "," : "", e->t[k]);
	pos += (size_t)snprintf(line + pos, linesz - pos, "\n");
	return pos;
}

/*
 * The file: a header naming the key, then a line a name, least recently
 * used first (so that a load keeps the order of eviction). The table is
 * copied under the lock and written without it: workers do not wait for
 * the disk.
 */
int
decoy_locks_save(struct decoy_locks *dl, const char *path, const char *key_id)
{
	struct lock_entry *copy = NULL;
	char tmp[PATH_MAX], line[LOCK_LINE_MAX];
	size_t i, n = 0, len;
	unsigned long changes;
	int fd = -1, ok, r = AUTHD_ERR_IO;
	FILE *f;

	if (dl == NULL)
		return AUTHD_OK;
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return AUTHD_ERR_INVALID;
	pthread_mutex_lock(&dl->mu);
	copy = malloc(dl->nsets * DECOY_LOCK_WAYS * sizeof(*copy));
	if (copy != NULL)
		for (i = 0; i < dl->nsets * DECOY_LOCK_WAYS; i++)
			if (dl->e[i].used != 0)
				copy[n++] = dl->e[i];
	changes = dl->changes;
	pthread_mutex_unlock(&dl->mu);
	if (copy == NULL)
		return AUTHD_ERR_NOMEM;
	qsort(copy, n, sizeof(*copy), by_use);
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1)
		goto out;
	/* buffered: tens of thousands of lines in a few writes, not one each
	 * (the sweep runs on the event loop) */
	if ((f = fdopen(fd, "w")) == NULL) {
		(void)close(fd);
		(void)unlink(tmp);
		goto out;
	}
	len = (size_t)snprintf(line, sizeof(line), "%s key=%s\n", LOCK_MAGIC,
	    key_id);
	ok = len < sizeof(line) && fwrite(line, 1, len, f) == len;
	for (i = 0; ok && i < n; i++) {
		len = format_entry(&copy[i], line, sizeof(line));
		ok = fwrite(line, 1, len, f) == len;
	}
	explicit_bzero(line, sizeof(line));
	if (fclose(f) != 0 || !ok || rename(tmp, path) != 0) {
		(void)unlink(tmp);
		goto out;
	}
	pthread_mutex_lock(&dl->mu);
	dl->saved = changes;
	pthread_mutex_unlock(&dl->mu);
	r = AUTHD_OK;
out:
	explicit_bzero(copy, dl->nsets * DECOY_LOCK_WAYS * sizeof(*copy));
	free(copy);
	return r;
}

/* A signed decimal ending at '\0' within [min, max]; -1 when malformed. */
static int
parse_i64(const char *tok, int64_t min, int64_t max, int64_t *v_r)
{
	long long v;
	char *end;

	errno = 0;
	v = strtoll(tok, &end, 10);
	if (errno != 0 || end == tok || *end != '\0' || v < min || v > max)
		return -1;
	*v_r = v;
	return 0;
}

/* One name's line into e; -1 when malformed. */
static int
parse_entry(char *line, struct lock_entry *e)
{
	char *tok[4], *save = NULL, *t, *tsave = NULL;
	unsigned byte;
	int64_t v;
	size_t k;

	memset(e, 0, sizeof(*e));
	for (k = 0; k < 4; k++)
		if ((tok[k] = strtok_r(k == 0 ? line : NULL, " ", &save)) == NULL)
			return -1;
	if (strtok_r(NULL, " ", &save) != NULL ||
	    strlen(tok[0]) != 2 * DECOY_TAG_LEN ||
	    strspn(tok[0], "0123456789abcdef") != 2 * DECOY_TAG_LEN)
		return -1;
	for (k = 0; k < DECOY_TAG_LEN; k++) {
		if (sscanf(tok[0] + 2 * k, "%2x", &byte) != 1)
			return -1;
		e->tag[k] = (uint8_t)byte;
	}
	if (parse_i64(tok[1], 0, UINT32_MAX, &v) != 0)
		return -1;
	e->fails = (uint32_t)v;
	if (parse_i64(tok[2], 0, INT64_MAX, &e->locked_at) != 0)
		return -1;
	if (strcmp(tok[3], "-") == 0)
		return 0;
	for (t = strtok_r(tok[3], ",", &tsave); t != NULL;
	    t = strtok_r(NULL, ",", &tsave)) {
		if (e->nt == DECOY_LOCK_TIMES ||
		    parse_i64(t, 0, INT64_MAX, &e->t[e->nt]) != 0)
			return -1;
		e->nt++;
	}
	return e->nt > 0 ? 0 : -1;
}

/* One line of the locks' file into the table (mu held). */
static int
lock_line(void *arg, char *line)
{
	struct decoy_locks *dl = arg;
	struct lock_entry e, *slot;

	if (parse_entry(line, &e) != 0 || find(dl, e.tag) != NULL)
		return -1;
	slot = take(dl, e.tag, NULL, 0);
	*slot = e;
	slot->used = ++dl->tick;
	return 0;
}

int
decoy_locks_load(struct decoy_locks *dl, const char *path, const char *key_id,
    char *why, size_t whylen)
{
	char head[LOCK_LINE_MAX];
	size_t i;
	int r;

	snprintf(head, sizeof(head), "%s key=%s\n", LOCK_MAGIC, key_id);
	pthread_mutex_lock(&dl->mu);
	/* another key's tags: no name matches */
	r = decoy_state_read(path, LOCK_MAGIC, head, "written under another key",
	    lock_line, dl, why, whylen);
	if (r != AUTHD_OK) {
		/* all or nothing: what came before the bad line goes too */
		for (i = 0; i < dl->nsets * DECOY_LOCK_WAYS; i++)
			memset(&dl->e[i], 0, sizeof(dl->e[i]));
		dl->tick = 0;
	}
	dl->saved = dl->changes;
	pthread_mutex_unlock(&dl->mu);
	return r;
}
